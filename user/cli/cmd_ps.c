// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon ps [--json]`: the daemon's sessions the caller may see (root: all), with their
 * processes, policy and layers, and root's own `cordon run` sessions (layers "root-run"). `cordon end SESSION` ends one of them.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "sys/sys.h"
#include "cli.h"
#include "run.h"

#define CTL_TIMEOUT_MS 10000

static bool daemon_listening(void)
{
	const char *path = getenv("CORDON_SOCKET");
	int fd = cordon_ctl_connect(path && *path ? path : NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* One request to the daemon; prints why when it cannot be asked. NULL on failure. */
static json_t *ask(json_t *req)
{
	const char *path = getenv("CORDON_SOCKET");
	json_t *rep = NULL;
	int fd, r;

	/* Tests point at their own daemon; the variable only changes whom we ask. */
	fd = cordon_ctl_connect(path && *path ? path : NULL);
	if (fd < 0) {
		cli_error("cannot reach the daemon at %s: %s",
			  path && *path ? path : CORDON_CTL_SOCKET, strerror(-fd));
		fprintf(stderr,
			"Hint: `systemctl start cordon` (or run `cordon daemon` as root)\n");
		json_decref(req);
		return NULL;
	}
	r = cordon_ctl_call(fd, req, &rep, CTL_TIMEOUT_MS);
	close(fd);
	json_decref(req);
	if (r < 0) {
		cli_error("daemon: %s", strerror(-r));
		return NULL;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		cli_error("daemon: %s",
			  json_string_value(json_object_get(rep, "error")) ?: "error");
		json_decref(rep);
		return NULL;
	}
	return rep;
}

json_t *run_registry_list(void)
{
	json_t *out = json_array();
	struct dirent *e;
	DIR *d = opendir(RUN_LOCAL_DIR);
	struct stat st;

	/* Written by root only: a directory anyone else owns or could write is not believed. */
	if (!d || fstat(dirfd(d), &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		if (d)
			closedir(d);
		return out;
	}
	while (out && (e = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		json_t *rec;
		size_t n = strlen(e->d_name);

		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		path = cordon_path_join(RUN_LOCAL_DIR, e->d_name);
		rec = path ? json_load_file(path, 0, NULL) : NULL;
		if (!json_is_object(rec) ||
		    !run_registry_alive((pid_t)json_integer_value(json_object_get(rec, "pid"))) ||
		    (geteuid() != 0 &&
		     json_integer_value(json_object_get(rec, "uid")) != (json_int_t)getuid())) {
			json_decref(rec);
			continue;
		}
		json_object_set_new(
			rec, "pids",
			cordon_cgroup_pids_json(json_string_value(json_object_get(rec, "cgroup"))
							?: ""));
		json_object_set_new(rec, "root_run", json_true());
		json_array_append_new(out, rec);
	}
	closedir(d);
	return out;
}

int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool json = false;
	json_t *rep, *sessions, *s, *local;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: cordon ps [--json]\nList the daemon's sessions you may see "
			       "(root: all): id, user, policy, layers, processes; a detached "
			       "session (its agent exited, processes it left run on) is marked "
			       "(detached).\n");
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return EXIT_USAGE;
	local = run_registry_list();
	/* Root's own sessions are listed whether or not a daemon runs. */
	rep = json_array_size(local) && !daemon_listening()
		      ? json_pack("{s:[]}", "sessions")
		      : ask(json_pack("{s:i,s:s}", "v", CORDON_CTL_VERSION, "op", "list"));
	if (!rep) {
		json_decref(local);
		return EXIT_FAIL;
	}
	sessions = json_object_get(rep, "sessions");
	json_array_extend(sessions, local);
	json_decref(local);
	if (json) {
		json_dumpf(sessions, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(rep);
		return EXIT_OK;
	}
	printf("%-12s %-10s %-14s %-8s %-5s %-20s %s\n", "SESSION", "USER", "POLICY", "LAYERS",
	       "PROCS", "STARTED", "PROJECT");
	json_array_foreach (sessions, i, s) {
		json_t *layers = json_object_get(s, "layers");

		printf("%-12.12s %-10.10s %-14.14s %-8s %-5zu %-20.19s %s%s\n",
		       json_string_value(json_object_get(s, "session")) ?: "",
		       json_string_value(json_object_get(s, "user")) ?: "",
		       json_string_value(json_object_get(s, "policy")) ?: "",
		       json_is_true(json_object_get(s, "root_run"))	  ? "root-run"
		       : json_is_true(json_object_get(layers, "bpf_lsm")) ? "lsm+cg"
									  : "cgroup",
		       json_array_size(json_object_get(s, "pids")),
		       json_string_value(json_object_get(s, "started")) ?: "",
		       json_string_value(json_object_get(s, "project")) ?: "",
		       json_is_true(json_object_get(s, "auto"))	      ? " (auto)"
		       : json_is_true(json_object_get(s, "detached")) ? " (detached)"
								      : "");
	}
	json_decref(rep);
	return EXIT_OK;
}

int cmd_end(int argc, char **argv)
{
	json_t *rep;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(argc == 2 ? stdout : stderr,
			"Usage: cordon end SESSION\nEnd a session of yours (root: any; an id or a "
			"unique prefix of 4 or more digits): its "
			"processes are killed.\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? EXIT_OK : EXIT_USAGE;
	}
	rep = ask(json_pack("{s:i,s:s,s:s}", "v", CORDON_CTL_VERSION, "op", "end", "session",
			    argv[1]));
	if (!rep)
		return EXIT_FAIL;
	json_decref(rep);
	return EXIT_OK;
}
