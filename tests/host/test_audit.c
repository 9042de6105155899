// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit stream of a real session on the host kernel: `cordon run --user nobody --audit-log F`
 * runs refused actions (a Landlock-refused open, a hostile file name, a seccomp-refused
 * unshare, a refused connect); every line must validate against docs/audit-schema.json, every
 * program run must have its exec and exit records, and every refusal its record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"
#include "audit_valid.h"
#include "tap.h"
#include "testutil.h"

#define MAX_RECS 256

static json_t *recs[MAX_RECS];
static int nrecs;

static const char *sget(json_t *r, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(r, a), b));
}

static json_t *find(const char *action, const char *key, const char *obj, const char *want)
{
	for (int i = 0; i < nrecs; i++) {
		const char *v = sget(recs[i], obj, key);

		if (!strcmp(sget(recs[i], "event", "action") ?: "", action) &&
		    (!want || (v && strstr(v, want))))
			return recs[i];
	}
	return NULL;
}

static int run(char *const argv[])
{
	int status;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	const char *cordon = getenv("CORDON_BIN");
	char dir[] = "/tmp/cordon-audit-host-XXXXXX", log[128], script[1024], cmd[1024], proj[160],
	     outside[160];
	char err[512], port_s[16];
	json_t *schema, *r;
	json_error_t je;
	int l4, status, valid = 0, bad = 0, denied = 0;
	uint16_t port = 0;
	FILE *f;

	if (geteuid() != 0 || !cordon || access(cordon, X_OK)) {
		tap_skip("needs root and CORDON_BIN", "audit");
		return 0;
	}
	/* libbpf finds syscall tracepoints in tracefs, which is not mounted at boot on every host. */
	if (access("/sys/kernel/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	schema = json_load_file("docs/audit-schema.json", 0, &je);
	if (!tap_check(schema != NULL, "schema_loads"))
		return 1;
	l4 = tcp_listener(AF_INET, &port);
	if (!tap_check(l4 >= 0, "loopback_listener") || !tap_check(mkdtemp(dir) != NULL, "tmpdir"))
		return 1;
	chmod(dir, 0755);
	/* The log beside the project, not in it: a write tree of the session is refused. */
	snprintf(proj, sizeof(proj), "%s/proj", dir);
	mkdir(proj, 0755);
	snprintf(log, sizeof(log), "%s/audit.jsonl", dir);
	snprintf(port_s, sizeof(port_s), "%u", port);
	/*
	 * The agent: a refused read, a hostile name (quotes, newline, a fake record, invalid
	 * UTF-8) refused the same way, a refused user namespace, a refused connect; then 7.
	 */
	/* A file the policy does not let it read (Landlock), though its permissions would
	 * (outside /tmp: the session has a /tmp of its own). */
	mkdir("/srv", 0755);
	snprintf(outside, sizeof(outside), "/srv/cordon-test-audit-outside");
	test_put(outside, "x\n");
	chmod(outside, 0644);
	snprintf(script, sizeof(script),
		 "cat /etc/shadow; cat %s; unshare -U true; "
		 "/usr/bin/python3 -c \"import socket\n"
		 "try: open(b'/root/q\\\"\\\\n{\\\"event\\\":1}\\\\xff\\\\x1b', 'rb')\n"
		 "except OSError as e: print(e.errno)\n"
		 "s = socket.socket()\n"
		 "try: s.connect(('127.0.0.1', %s))\n"
		 "except OSError as e: print(e.errno)\"; exit 7",
		 outside, port_s);
	char *argv[] = { (char *)cordon,
			 "run",
			 "--allow-degraded",
			 "--policy",
			 "offline",
			 "--user",
			 "nobody",
			 "--project",
			 proj,
			 "--audit-log",
			 log,
			 "--",
			 "/bin/sh",
			 "-c",
			 script,
			 NULL };
	status = run(argv);
	tap_check(status == 7, "run_returns_the_agent_status (got %d)", status);

	f = fopen(log, "r");
	if (!tap_check(f != NULL, "audit_log_written"))
		return 1;
	for (char line[65536]; fgets(line, sizeof(line), f) && nrecs < MAX_RECS;) {
		json_t *j = json_loads(line, 0, &je);

		if (!j || audit_schema_validate(j, err, sizeof(err))) {
			bad++;
			tap_diag("invalid record: %s: %s", j ? err : je.text, line);
			json_decref(j);
			continue;
		}
		valid++;
		recs[nrecs++] = j;
	}
	fclose(f);
	tap_check(bad == 0 && valid > 10,
		  "every_line_validates_against_the_schema (%d valid, %d bad)", valid, bad);
	if (!nrecs)
		return tap_status();
	tap_check(!strcmp(sget(recs[0], "event", "action") ?: "", "session-start"),
		  "first_record_is_session_start");
	tap_check(!strcmp(sget(recs[nrecs - 1], "event", "action") ?: "", "session-end"),
		  "last_record_is_session_end");
	for (int i = 1, same = 1; i <= nrecs; i++) {
		if (i == nrecs) {
			tap_check(same, "one_session_id_in_every_record");
			break;
		}
		same = same && !strcmp(sget(recs[i], "cordon", "session") ?: "",
				       sget(recs[0], "cordon", "session") ?: "-");
	}

	/* Activity: every program the agent ran. */
	static const char *const progs[] = { "/bin/sh", "/usr/bin/cat", "/usr/bin/unshare",
					     "/usr/bin/python3" };
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		r = find("process-exec", "executable", "process", progs[i]);
		if (tap_check(r != NULL, "exec_record_for_%s", progs[i])) {
			json_int_t pid = json_integer_value(
				json_object_get(json_object_get(r, "process"), "pid"));
			bool exited = false;

			for (int k = 0; k < nrecs; k++)
				exited = exited || (!strcmp(sget(recs[k], "event", "action") ?: "",
							    "process-exit") &&
						    json_integer_value(json_object_get(
							    json_object_get(recs[k], "process"),
							    "pid")) == pid);
			tap_check(exited, "exit_record_for_%s", progs[i]);
		}
	}
	r = find("process-exec", "executable", "process", "/usr/bin/cat");
	tap_check(r && !strcmp(sget(r, "process", "command_line") ?: "", "cat /etc/shadow") &&
			  json_array_size(json_object_get(json_object_get(r, "process"), "args")) ==
				  2,
		  "exec_record_has_argv");

	/* Refusals, each with its layer. */
	/* /etc is readable under the policy: the EACCES there is file permissions, not cordon. */
	tap_check(find("syscall-openat", "path", "file", "/etc/shadow") == NULL,
		  "permission_error_the_policy_allows_is_not_a_cordon_refusal");
	r = find("syscall-openat", "path", "file", outside);
	tap_check(r && !strcmp(sget(r, "cordon", "layer") ?: "", "landlock") &&
			  !strcmp(sget(r, "error", "code") ?: "", "EACCES"),
		  "landlock_refused_open_recorded_from_tracepoint");
	r = find("syscall-unshare", NULL, NULL, NULL);
	tap_check(r && !strcmp(sget(r, "cordon", "layer") ?: "", "seccomp") &&
			  !strcmp(sget(r, "error", "code") ?: "", "EPERM"),
		  "seccomp_refused_unshare_recorded_from_tracepoint");
	r = find("syscall-openat", "path", "file", "/root/q\"\n{\"event\":1}");
	tap_check(r != NULL && json_object_get(json_object_get(json_object_get(r, "cordon"), "hex"),
					       "file.path"),
		  "hostile_file_name_is_one_record_with_exact_bytes_in_hex");
	r = find("connect", NULL, NULL, NULL) ?: find("syscall-connect", NULL, NULL, NULL);
	tap_check(r && json_integer_value(
			       json_object_get(json_object_get(r, "destination"), "port")) == port,
		  "refused_connect_recorded_with_destination");
	for (int i = 0; i < nrecs; i++)
		denied += !strcmp(sget(recs[i], "event", "outcome") ?: "", "failure");
	tap_check(denied == 4, "exactly_the_four_refusals_are_recorded (got %d)", denied);
	tap_check(find("events-lost", NULL, NULL, NULL) == NULL, "no_events_lost");

	/* `cordon audit --type denied --json` shows exactly those; the text view one line each. */
	snprintf(cmd, sizeof(cmd), "%s audit %s --type denied --json | wc -l", cordon, log);
	f = popen(cmd, "r");
	tap_check(f && fscanf(f, "%d", &valid) == 1 && valid == denied,
		  "cordon_audit_filters_refusals");
	if (f)
		pclose(f);
	snprintf(cmd, sizeof(cmd), "%s audit %s | wc -l", cordon, log);
	f = popen(cmd, "r");
	tap_check(f && fscanf(f, "%d", &valid) == 1 && valid == nrecs + 1,
		  "cordon_audit_one_line_per_record_after_a_header");
	if (f)
		pclose(f);
	/* A --type no record can have is a usage error, not an empty listing. */
	snprintf(cmd, sizeof(cmd), "%s audit %s --type no-such-type >/dev/null 2>&1", cordon, log);
	status = system(cmd);
	tap_check(WIFEXITED(status) && WEXITSTATUS(status) == 2,
		  "cordon_audit_rejects_an_unknown_type (status %d)", status);

	for (int i = 0; i < nrecs; i++)
		json_decref(recs[i]);
	json_decref(schema);
	close(l4);
	if (!getenv("CORDON_TEST_KEEP")) {
		unlink(log);
		unlink(outside);
		rmdir(proj);
		rmdir(dir);
	}
	return tap_status();
}
