// SPDX-License-Identifier: GPL-2.0-only
/* The client half of a daemon session (see run_daemon.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include <jansson.h>

#include "sys/sys.h"
#include "cli.h"
#include "policy/policy.h"
#include "enforce/enforce.h"
#include "run.h"
#include "run_daemon.h"

#define CTL_TIMEOUT_MS 15000

const char *run_daemon_socket;

int run_daemon_connect(void)
{
	/* The daemon's own worker names its socket: never one from the caller's environment. */
	const char *path = run_daemon_socket ?: getenv("CORDON_SOCKET");

	return cordon_ctl_connect(path && *path ? path : NULL);
}

static bool is_path_ref(const char *ref)
{
	size_t n = strlen(ref);

	return strchr(ref, '/') || (n > 5 && !strcmp(ref + n - 5, ".yaml"));
}

/*
 * The file the daemon cannot see for itself: a path, or a name found only in the user's dir.
 * Allocated; NULL when the daemon resolves @ref itself (or out of memory).
 */
static char *policy_file_of(const char *ref)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	_cleanup_free_ char *sys = NULL, *path = NULL;

	if (is_path_ref(ref))
		return strdup(ref);
	if (!strncmp(ref, "builtin:", 8))
		return NULL;
	sys = cordon_strdup_printf("%s/%s.yaml", POLICY_SYSTEM_DIR, ref);
	if (!sys || access(sys, F_OK) == 0)
		return NULL;
	if (x && x[0] == '/')
		path = cordon_strdup_printf("%s/cordon/policies/%s.yaml", x, ref);
	else if (home && home[0] == '/')
		path = cordon_strdup_printf("%s/.config/cordon/policies/%s.yaml", home, ref);
	if (!path || access(path, F_OK) < 0)
		return NULL;
	return TAKE_PTR(path);
}

static char *read_text(const char *path, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = malloc(CORDON_CTL_MAX_POLICY + 1);
	ssize_t n;
	size_t got = 0;

	if (fd < 0 || !buf) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + got, CORDON_CTL_MAX_POLICY + 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0 || got > CORDON_CTL_MAX_POLICY) {
		errno = n < 0 ? errno : EFBIG;
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* The user's own hosts.yaml (their host sets apply through the daemon as without it). */
static char *hosts_file(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *path = NULL;

	if (x && x[0] == '/')
		path = cordon_strdup_printf("%s/cordon/policies/hosts.yaml", x);
	else if (home && home[0] == '/')
		path = cordon_strdup_printf("%s/.config/cordon/policies/hosts.yaml", home);
	if (path && access(path, F_OK) < 0) {
		free(path);
		path = NULL;
	}
	return path;
}

/* The user's hosts.yaml and --allow-connect rules into the request. */
static int add_extra(json_t *req, const struct run_opts *o)
{
	_cleanup_free_ char *hosts_path = hosts_file();
	json_t *a = json_array();
	size_t len = 0;

	for (size_t i = 0; a && i < o->nallow_connect; i++)
		json_array_append_new(a, json_string(o->allow_connect[i]));
	if (!a)
		return -ENOMEM;
	/* Only when given: a daemon of an older version refuses keys it does not know. */
	if (o->nallow_connect && json_object_set_new(req, "allow_connect", a) < 0)
		return -ENOMEM;
	if (!o->nallow_connect)
		json_decref(a);
	a = o->nallow ? json_array() : NULL;
	/* Every one sent, or none: a path json cannot carry (not UTF-8) is an error. */
	for (size_t i = 0; a && i < o->nallow; i++)
		if (json_array_append_new(a, json_string(o->allow[i])) < 0) {
			json_decref(a);
			cli_error("run: one-off allow '%s': not UTF-8", o->allow[i]);
			return -EINVAL;
		}
	if (o->nallow && (!a || json_object_set_new(req, "allow", a) < 0))
		return -ENOMEM;
	if (hosts_path) {
		_cleanup_free_ char *text = read_text(hosts_path, &len);

		if (!text) {
			cli_error("run: host sets '%s': %s", hosts_path, strerror(errno));
			return -errno;
		}
		json_object_set_new(req, "hosts_text", json_stringn(text, len));
		if (!json_object_get(req, "hosts_text")) {
			cli_error("run: host sets '%s' are not UTF-8", hosts_path);
			return -EINVAL;
		}
	}
	return 0;
}

/* The policy as the request carries it: a name the daemon looks up, or the text read here. */
static int add_policy(json_t *req, const char *ref)
{
	_cleanup_free_ char *path = policy_file_of(ref);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (!path)
		return json_object_set_new(req, "policy", json_string(ref)) ? -ENOMEM : 0;
	text = read_text(path, &len);
	if (!text) {
		int r = -errno;

		cli_error("run: policy '%s': %s", path, strerror(errno));
		return r;
	}
	json_object_set_new(req, "policy_text", json_stringn(text, len));
	json_object_set_new(req, "policy_file", json_string(path));
	if (!json_object_get(req, "policy_text")) {
		cli_error("run: policy '%s' is not UTF-8", path);
		return -EINVAL;
	}
	return 0;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *spawn_request(const struct run_opts *o, const char *project)
{
	json_t *req =
		json_pack("{s:i,s:s,s:s,s:o,s:o,s:b,s:b,s:b,s:b,s:b,s:b}", "v", CORDON_CTL_VERSION,
			  "op", "spawn", "project", project, "argv", strv_json(o->cmd), "env",
			  strv_json(environ), "allow_degraded", o->allow_degraded, "json", o->json,
			  "audit_stdout", o->audit_stdout, "audit_journal", o->audit_journal,
			  "quiet", o->quiet, "verbose", o->verbose);

	/* Only when asked: a daemon that predates observe mode refuses the unknown key. */
	if (req && o->observe)
		json_object_set_new(req, "observe", json_true());
	_cleanup_free_ char *cwd = realpath(".", NULL);

	/*
	 * Without --project the agent starts where this was run (the project may be the
	 * enclosing work tree); with it, in the project, as root's run does.
	 */
	if (req && cwd && !o->project)
		json_object_set_new(req, "cwd", json_string(cwd));
	if (req && (add_policy(req, o->policy) < 0 || add_extra(req, o) < 0)) {
		json_decref(req);
		return NULL;
	}
	return req;
}

/*
 * Send the request with the descriptors and read the first reply. A daemon at its connection
 * limit closes new connections at once: try again on a new one for a while (many agents
 * started together), then give up. 0 with the reply, or -errno.
 */
static int spawn_call(int fd, const json_t *req, const int *fds, size_t nfds, json_t **rep)
{
	int r = cordon_ctl_send_fds(fd, req, fds, nfds);

	if (r == 0)
		r = cordon_ctl_recv(fd, rep, CTL_TIMEOUT_MS);
	for (int tries = 0; (r == -EPIPE || r == -ECONNRESET) && tries < 50; tries++) {
		int nfd;

		nanosleep(&(struct timespec){ .tv_nsec = (tries + 1) * 20 * 1000 * 1000 }, NULL);
		nfd = run_daemon_connect();
		if (nfd < 0)
			break;
		dup3(nfd, fd, O_CLOEXEC);
		close(nfd);
		r = cordon_ctl_send_fds(fd, req, fds, nfds);
		if (r == 0)
			r = cordon_ctl_recv(fd, rep, CTL_TIMEOUT_MS);
	}
	return r;
}

/*
 * The daemon refused: its diagnostics (policy errors as FILE:LINE:COL) and the reason. -EINVAL
 * when an error is a one-off allow's (a usage error), else the daemon's errno.
 */
static int print_refusal(json_t *rep)
{
	bool one_off = false;
	json_t *e;
	size_t i;
	int r;

	json_array_foreach (json_object_get(rep, "errors"), i, e) {
		fprintf(stderr, "%s\n", json_string_value(e));
		one_off |= !strncmp(json_string_value(e) ?: "", "--allow-", 8);
	}
	cli_error("run: daemon: %s", json_string_value(json_object_get(rep, "error")) ?: "refused");
	r = -(int)json_integer_value(json_object_get(rep, "errno"));
	return one_off ? -EINVAL : r < 0 ? r : -EPERM;
}

/*
 * --audit-log, opened here as the user (the daemon's worker writes this descriptor and never
 * opens a path a user named): not through a planted symlink, only a regular file.
 */
static int open_own_log(const struct run_opts *o, struct run_events *ev)
{
	struct stat st;

	if (!o->audit_log)
		return 0;
	ev->audit_fd =
		open(o->audit_log, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (ev->audit_fd >= 0 && (fstat(ev->audit_fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(ev->audit_fd);
		ev->audit_fd = -1;
		errno = EINVAL;
	}
	if (ev->audit_fd < 0) {
		cli_error("run: audit log '%s': %s", o->audit_log, strerror(errno));
		return -errno;
	}
	return 0;
}

int run_daemon_spawn(int fd, const struct run_opts *o)
{
	_cleanup_free_ char *project =
		o->project ? realpath(o->project, NULL) : cordon_project_root(".", getenv("HOME"));
	_cleanup_close_ int pfd = -1;
	struct run_events ev = { .audit_fd = -1 };
	struct termios saved;
	bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	sigset_t set;
	int fds[CORDON_SPAWN_FDS], status;
	json_t *req, *rep = NULL;
	size_t nfds = CORDON_SPAWN_FD_PROJECT + 1;
	int r;

	if (!project) {
		cli_error("run: project directory '%s': %s", o->project ?: ".", strerror(errno));
		return EXIT_FAIL;
	}
	/* Opened as this user: the daemon checks the path names the directory we reached. */
	pfd = open(project, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		cli_error("run: project directory '%s': %s", project, strerror(errno));
		return EXIT_FAIL;
	}
	if (open_own_log(o, &ev) < 0)
		return EXIT_FAIL;
	/* From here on a signal to this process is the agent's, relayed once it runs. */
	cordon_supervised_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fds[CORDON_SPAWN_FD_STDIN] = STDIN_FILENO;
	fds[CORDON_SPAWN_FD_STDOUT] = STDOUT_FILENO;
	fds[CORDON_SPAWN_FD_STDERR] = STDERR_FILENO;
	fds[CORDON_SPAWN_FD_PROJECT] = pfd;
	if (ev.audit_fd >= 0) {
		fds[CORDON_SPAWN_FD_AUDIT] = ev.audit_fd;
		nfds++;
	}
	req = spawn_request(o, project);
	if (!req) {
		cli_error("run: %s", strerror(ENOMEM));
		status = EXIT_FAIL;
		goto out;
	}
	cli_phase("client: request built");
	r = spawn_call(fd, req, fds, nfds, &rep);
	cli_phase("client: reply");
	json_decref(req);
	if (r < 0) {
		cli_error("run: daemon: %s", strerror(-r));
		status = EXIT_FAIL;
	} else if (!json_is_true(json_object_get(rep, "ok"))) {
		/* A one-off allow malformed, or refused by the floor or a deny list: usage (2). */
		status = print_refusal(rep) == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	} else {
		status = run_daemon_relay(fd, tty ? &saved : NULL);
	}
	cli_phase("client: relay done");
	json_decref(rep);
out:
	if (ev.audit_fd >= 0)
		close(ev.audit_fd);
	return status;
}

int run_daemon_fetch_audit(const char *session, void (*fn)(void *ctx, json_t *rec), void *ctx)
{
	json_t *req = json_pack("{s:i,s:s,s:s}", "v", CORDON_CTL_VERSION, "op", "audit", "session",
				session);
	_cleanup_close_ int fd = run_daemon_connect();
	int r;

	if (!req || fd < 0) {
		json_decref(req);
		return fd < 0 ? fd : -ENOMEM;
	}
	r = cordon_ctl_send(fd, req);
	json_decref(req);
	while (r == 0) {
		json_t *rep = NULL, *l;
		size_t i;

		r = cordon_ctl_recv(fd, &rep, CTL_TIMEOUT_MS);
		if (r < 0)
			break;
		if (!json_is_true(json_object_get(rep, "ok"))) {
			r = -(int)json_integer_value(json_object_get(rep, "errno"));
			json_decref(rep);
			return r < 0 ? r : -EIO;
		}
		json_array_foreach (json_object_get(rep, "lines"), i, l) {
			const char *s = json_string_value(l);
			json_t *rec = s ? json_loads(s, 0, NULL) : NULL;

			if (rec)
				fn(ctx, rec);
		}
		if (json_is_true(json_object_get(rep, "done"))) {
			json_decref(rep);
			break;
		}
		json_decref(rep);
	}
	return r;
}
