// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host attack suite (issue 4, item 6): each attack of tests/escape/attack.c runs as a
 * throwaway unprivileged user OUTSIDE cordon, where it must succeed, and INSIDE
 * `cordon run --allow-degraded --user U` under the agent policy, where it must fail with the errno
 * of the layer that refuses it and leave exactly the audit record that refusal produces (issue
 * 6), every line of the log valid against docs/audit-schema.json.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "compile/compile.h"
#include "audit_valid.h"
#include "tap.h"

#define USER_NAME    "cordon-escape"
#define INHERIT_FD   37
#define MAX_ARGS     16
#define PATH_DEFAULT "PATH=/usr/local/bin:/usr/bin:/bin"

static const char *cordon;
static char attack_bin[PATH_MAX + 16], bindir[PATH_MAX], logdir[PATH_MAX];
static char home[PATH_MAX], project[PATH_MAX + 16], canary_ssh[64], canary_aws[64], canary_env[64];
static uid_t uid;
static gid_t gid;
static int nruns;

/* --- running things ----------------------------------------------------------------------- */

struct spawn {
	bool inside;		   /* under `cordon run`, else as the user directly */
	char *argv[MAX_ARGS];	   /* the attack's arguments (after the program) or a command */
	bool raw;		   /* argv[0] is a program, not an attack subcommand */
	const char *env[8];	   /* extra environment entries */
	const char *inherit;	   /* open this file, without O_CLOEXEC, at INHERIT_FD */
	const char *cgroup;	   /* outside: join this cgroup (as root) first */
	char audit[PATH_MAX + 64]; /* inside: the audit log of this run (filled in) */
};

struct result {
	int status;	 /* wait status of the program (cordon inside, the attack outside) */
	int err;	 /* the attack's "result=N", -1 if it printed none */
	char out[16384]; /* stdout and stderr */
};

static _Noreturn void child(struct spawn *s, int out)
{
	char *argv[MAX_ARGS + 16], *envp[16];
	size_t a = 0, e = 0;
	char h[PATH_MAX + 8];

	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	close(out);
	int null = open("/dev/null", O_RDONLY);
	dup2(null, STDIN_FILENO);
	if (s->cgroup) {
		int fd = open(s->cgroup, O_WRONLY);

		if (fd < 0 || write(fd, "0\n", 2) != 2)
			_exit(126);
		close(fd);
	}
	if (s->inherit) {
		int fd = open(s->inherit, O_RDONLY); /* deliberately without O_CLOEXEC */

		if (fd < 0 || dup2(fd, INHERIT_FD) < 0)
			_exit(126);
	}
	envp[e++] = PATH_DEFAULT;
	envp[e++] = "LANG=C.UTF-8";
	snprintf(h, sizeof(h), "HOME=%s", home);
	envp[e++] = h;
	envp[e++] = "USER=" USER_NAME;
	for (size_t i = 0; i < 8 && s->env[i]; i++)
		envp[e++] = (char *)s->env[i];
	envp[e] = NULL;

	if (s->inside) {
		argv[a++] = (char *)cordon;
		argv[a++] = "run";
		argv[a++] = "--allow-degraded";
		argv[a++] = "--user";
		argv[a++] = USER_NAME;
		argv[a++] = "--project";
		argv[a++] = project;
		argv[a++] = "--audit-log";
		argv[a++] = s->audit;
		argv[a++] = "--";
	}
	if (!s->raw)
		argv[a++] = attack_bin;
	for (size_t i = 0; i < MAX_ARGS && s->argv[i]; i++)
		argv[a++] = s->argv[i];
	argv[a] = NULL;

	if (s->inside) {
		execve(cordon, argv, envp);
		_exit(125);
	}
	if (chdir(project) < 0 || setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		_exit(126);
	execvpe(argv[0], argv, envp);
	_exit(127);
}

/* Run @s to completion and capture what it printed. */
static void run(struct spawn *s, struct result *r)
{
	int pfd[2];
	size_t n = 0;
	ssize_t k;
	pid_t p;
	char *m;

	memset(r, 0, sizeof(*r));
	r->err = -1;
	if (s->inside)
		snprintf(s->audit, sizeof(s->audit), "%s/run-%03d.jsonl", logdir, ++nruns);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	fflush(NULL);
	p = fork();
	if (p == 0)
		child(s, pfd[1]);
	close(pfd[1]);
	while (n < sizeof(r->out) - 1 && (k = read(pfd[0], r->out + n, sizeof(r->out) - 1 - n)) > 0)
		n += (size_t)k;
	close(pfd[0]);
	r->out[n] = '\0';
	if (p < 0 || waitpid(p, &r->status, 0) < 0)
		r->status = -1;
	m = strstr(r->out, " result=");
	if (m)
		r->err = atoi(m + 8);
}

static void show(const char *what, const struct result *r)
{
	char copy[sizeof(r->out)], *save = NULL;

	tap_diag("%s: wait status 0x%x, output:", what, (unsigned)r->status);
	memcpy(copy, r->out, sizeof(copy));
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strstr(l, "not enforced here") && !strstr(l, "did not resolve"))
			tap_diag("  %s", l);
}

static const char *ename(int e)
{
	return e == 0 ? "ok" : e < 0 ? "none" : strerrorname_np(e) ?: "unknown";
}

/* Outside: the attack works for this user on this machine, so a refusal inside is cordon's. */
static bool outside_ok(const char *name, struct spawn *s, const char *must_print)
{
	struct result r;
	bool ok;

	s->inside = false;
	run(s, &r);
	ok = r.err == 0 && (!must_print || strstr(r.out, must_print));
	if (!tap_check(ok, "%s_outside_succeeds", name))
		show("outside", &r);
	return ok;
}

/* Inside: refused with @expect, and @secret (when given) nowhere in what the attack printed. */
static bool inside_refused(const char *name, struct spawn *s, int expect, const char *secret,
			   struct result *r)
{
	bool ok;

	s->inside = true;
	run(s, r);
	ok = r->err == expect && (!secret || !strstr(r->out, secret));
	if (!tap_check(ok, "%s_refused_%s", name, ename(expect))) {
		tap_diag("expected %s, got %s", ename(expect), ename(r->err));
		if (WIFSIGNALED(r->status))
			tap_diag("cordon itself was killed by signal %d", WTERMSIG(r->status));
		show("inside", r);
	}
	return ok;
}

/* The common case: the same attack outside (must succeed) and inside (must be refused). */
static void pair(const char *name, int expect, const char *secret, struct spawn *s)
{
	struct result r;

	outside_ok(name, s, secret);
	inside_refused(name, s, expect, secret, &r);
}

#define SPAWN(...) ((struct spawn){ .argv = { __VA_ARGS__, NULL } })

/* --- the audit log ------------------------------------------------------------------------ */

static const char *jstr(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

/* The records of one run, as an array (empty when the log is missing). */
static json_t *audit_records(const char *path)
{
	json_t *all = json_array();
	char line[8192];
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);

		if (o)
			json_array_append_new(all, o);
	}
	if (f)
		fclose(f);
	return all;
}

/*
 * The record one refusal (or one allowed connect) must leave in the run's audit log, field by
 * field (docs/audit-schema.md). NULL strings must be absent, except where noted.
 */
struct want {
	const char *action;    /* event.action */
	const char *layer;     /* cordon.layer */
	const char *hook;      /* cordon.hook (NULL: not checked) */
	const char *error;     /* error.code; NULL: an allowed record (success, no error) */
	const char *path;      /* file.path; with a '*', a shell pattern */
	const char *ip;	       /* destination.ip */
	int port;	       /* destination.port */
	const char *transport; /* network.transport (NULL: not checked) */
	bool has_arg;	       /* cordon.arg present and equal to arg */
	long long arg;
	bool arg_is_cordon; /* cordon.arg is the pid of cordon (session-start's process.pid) */
	bool inferred;	    /* cordon.layer_inferred is true (else absent or false) */
	int rule_kind;	    /* cordon.rule >> 16 (POL_RULE_*), 0: the rule is 0 */
	int refusals;	    /* failure records the whole run must hold (0: 1, -1: not checked) */
	bool no_process;    /* the record is not about the attack process itself */
};

static json_t *schema;

static json_t *jget(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

/* @got is @want, a shell pattern when it holds a '*' (paths with pids or session ids). */
static bool str_is(const char *got, const char *want)
{
	if (!want || !got)
		return !want && !got;
	if (strchr(want, '*'))
		return fnmatch(want, got, 0) == 0;
	return !strcmp(got, want);
}

/* Does @o match @w in every field? The first mismatch in @why. */
static bool rec_matches(json_t *o, const struct want *w, json_int_t cordon_pid, const char **why)
{
	json_t *type = json_array_get(jget(o, "event", "type"), 0);
	json_int_t rule = json_integer_value(jget(o, "cordon", "rule"));
	char uid_s[16];

	snprintf(uid_s, sizeof(uid_s), "%u", (unsigned)uid);
#define MUST(cond, what)              \
	do {                          \
		if (!(cond)) {        \
			*why = what;  \
			return false; \
		}                     \
	} while (0)
	MUST(!strcmp(jstr(o, "event", "action") ?: "", w->action), "event.action");
	MUST(!strcmp(jstr(o, "event", "outcome") ?: "", w->error ? "failure" : "success"),
	     "event.outcome");
	MUST(!strcmp(json_string_value(type) ?: "", w->error ? "denied" : "allowed"), "event.type");
	MUST(json_array_size(jget(o, "event", "category")) == 1, "event.category");
	MUST(str_is(jstr(o, "cordon", "layer"), w->layer), "cordon.layer");
	MUST(!w->hook || str_is(jstr(o, "cordon", "hook"), w->hook), "cordon.hook");
	MUST(str_is(jstr(o, "error", "code"), w->error), "error.code");
	MUST(json_is_integer(jget(o, "cordon", "rule")) &&
		     (w->rule_kind ? rule >> 16 == w->rule_kind : rule == 0),
	     "cordon.rule");
	MUST(str_is(jstr(o, "file", "path"), w->path), "file.path");
	MUST(str_is(jstr(o, "destination", "ip"), w->ip), "destination.ip");
	MUST(!w->ip || json_integer_value(jget(o, "destination", "port")) == w->port,
	     "destination.port");
	MUST(!w->transport || str_is(jstr(o, "network", "transport"), w->transport),
	     "network.transport");
	MUST(w->has_arg || w->arg_is_cordon
		     ? json_is_integer(jget(o, "cordon", "arg")) &&
			       json_integer_value(jget(o, "cordon", "arg")) ==
				       (w->arg_is_cordon ? cordon_pid : w->arg)
		     : !jget(o, "cordon", "arg"),
	     "cordon.arg");
	MUST(json_is_true(jget(o, "cordon", "layer_inferred")) == w->inferred,
	     "cordon.layer_inferred");
	/* Without BPF LSM no record names the rule that makes a file a secret. */
	MUST(!jget(o, "cordon", "secret"), "cordon.secret");
	MUST(w->no_process ||
		     (!strcmp(jstr(o, "process", "name") ?: "", "attack") &&
		      json_integer_value(jget(o, "process", "pid")) > 0 &&
		      json_integer_value(json_object_get(jget(o, "process", "thread"), "id")) > 0),
	     "process");
	MUST(!strcmp(jstr(o, "user", "id") ?: "", uid_s) &&
		     !strcmp(jstr(o, "user", "name") ?: "", USER_NAME),
	     "user");
#undef MUST
	return true;
}

/*
 * The run's audit log holds the record @w, as many refusals as @w says, and every line of it
 * validates against docs/audit-schema.json.
 */
static void check_record(const char *name, const struct spawn *s, const struct want *w)
{
	json_t *all = audit_records(s->audit), *o;
	const char *why = NULL, *last_why = "no record with that action";
	int failures = 0, invalid = 0, want_failures = w->refusals ? w->refusals : 1;
	json_int_t cordon_pid = -1;
	bool found = false;
	char err[512];
	size_t i;

	json_array_foreach (all, i, o)
		if (!strcmp(jstr(o, "event", "action") ?: "", "session-start"))
			cordon_pid = json_integer_value(jget(o, "process", "pid"));
	json_array_foreach (all, i, o) {
		if (schema && audit_schema_validate(o, err, sizeof(err))) {
			invalid++;
			tap_diag("%s: invalid record: %s", name, err);
		}
		failures += !strcmp(jstr(o, "event", "outcome") ?: "", "failure") &&
			    !strcmp(jstr(o, "event", "kind") ?: "", "event");
		if (rec_matches(o, w, cordon_pid, &why))
			found = true;
		else if (!strcmp(jstr(o, "event", "action") ?: "", w->action))
			last_why = why;
	}
	if (!tap_check(found, "%s_audit_record_%s", name, w->action)) {
		tap_diag("no %s/%s/%s record in %s (closest: wrong %s):", w->action, w->layer,
			 w->error ?: "allowed", s->audit, last_why);
		json_array_foreach (all, i, o) {
			const char *a = jstr(o, "event", "action") ?: "";
			char *d;

			if (!strncmp(a, "process-", 8))
				continue;
			d = json_dumps(o, JSON_COMPACT);
			tap_diag("  %s", d ?: "?");
			free(d);
		}
	}
	tap_check(invalid == 0 && json_array_size(all) > 0, "%s_audit_log_validates", name);
	if (w->refusals >= 0 &&
	    !tap_check(failures == want_failures, "%s_audit_refusals_%d", name, want_failures))
		tap_diag("%d refusal records", failures);
	json_decref(all);
}

/* A cgroup BPF connect refusal to @ip:@port over @transport is in the run's audit log. */
static void check_audit_connect(const char *name, const struct spawn *s, const char *ip, int port,
				const char *transport)
{
	check_record(name, s,
		     &(struct want){ .action = "connect",
				     .layer = "cgroup_bpf",
				     .error = "EPERM",
				     .ip = ip,
				     .port = port,
				     .transport = transport });
}

/* The syscall-exit record of an open of @path refused with @err (flags as the attack opens). */
static void check_open(const char *name, const struct spawn *s, const char *path, const char *err)
{
	bool erofs = !strcmp(err, "EROFS");

	check_record(name, s,
		     &(struct want){ .action = "syscall-openat",
				     .layer = erofs ? "mount_ns" : "landlock",
				     .hook = "sys_exit_openat",
				     .error = err,
				     .path = path,
				     .has_arg = true,
				     /* attack.c: read_path(), write_path(), write_file() */
				     .arg = erofs ? O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC
					    : strstr(path, "cgroup.procs") ? O_WRONLY | O_CLOEXEC
									   : O_RDONLY | O_CLOEXEC,
				     .inferred = true });
}

/* A syscall seccomp refused with EPERM; @arg: the argument its record carries, or -1. */
static void check_seccomp(const char *name, const struct spawn *s, const char *syscall,
			  long long arg)
{
	char action[64], hook[64];

	snprintf(action, sizeof(action), "syscall-%s", syscall);
	snprintf(hook, sizeof(hook), "sys_exit_%s", syscall);
	check_record(name, s,
		     &(struct want){ .action = action,
				     .layer = "seccomp",
				     .hook = hook,
				     .error = "EPERM",
				     .has_arg = arg >= 0,
				     .arg = arg,
				     .inferred = true });
}

/* socket() refused by seccomp: the record carries the address family. */
static void check_socket(const char *name, const struct spawn *s, int family)
{
	check_seccomp(name, s, "socket", family);
}

/* process.exit_code of the session-end record, or -1. */
static int audit_exit_code(const struct spawn *s)
{
	json_t *all = audit_records(s->audit), *o;
	int code = -1;
	size_t i;

	json_array_foreach (all, i, o)
		if (!strcmp(jstr(o, "event", "action") ?: "", "session-end"))
			code = (int)json_integer_value(
				json_object_get(json_object_get(o, "process"), "exit_code"));
	json_decref(all);
	return code;
}

/* cordon.layers.bpf_lsm of the session-start record. */
static bool audit_bpf_lsm(const struct spawn *s)
{
	json_t *all = audit_records(s->audit), *o;
	bool lsm = false;
	size_t i;

	json_array_foreach (all, i, o)
		if (!strcmp(jstr(o, "event", "action") ?: "", "session-start"))
			lsm = json_is_true(json_object_get(
				json_object_get(json_object_get(o, "cordon"), "layers"),
				"bpf_lsm"));
	json_decref(all);
	return lsm;
}

/* --- set-up ------------------------------------------------------------------------------- */

static int run_cmd(char *const argv[])
{
	int status;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int put(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	ssize_t n = (ssize_t)strlen(content);

	if (fd < 0)
		return -1;
	if (write(fd, content, (size_t)n) != n || fchown(fd, uid, gid) < 0 ||
	    fchmod(fd, mode) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -1;
	return chown(path, uid, gid) < 0 || chmod(path, mode) < 0 ? -1 : 0;
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	static char ring[16][PATH_MAX];
	static int next;
	char *p = ring[next++ % 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, PATH_MAX, fmt, ap);
	va_end(ap);
	return p;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	if (n < 0 || fchmod(out, mode) < 0) {
		close(out);
		return -1;
	}
	return close(out);
}

/* The throwaway user (created, or reused if a previous run left it) and its canaries. */
static bool setup_user(void)
{
	struct passwd *pw = getpwnam(USER_NAME);
	char *useradd[] = { "/usr/sbin/useradd", "-m", "-U", "-s", "/bin/sh", USER_NAME, NULL };

	if (!pw && run_cmd(useradd) != 0)
		return false;
	pw = getpwnam(USER_NAME);
	if (!pw)
		return false;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	snprintf(home, sizeof(home), "%s", pw->pw_dir);
	snprintf(project, sizeof(project), "%s/project", home);
	snprintf(canary_ssh, sizeof(canary_ssh), "CANARY-SSH-%d", (int)getpid());
	snprintf(canary_aws, sizeof(canary_aws), "CANARY-AWS-%d", (int)getpid());
	snprintf(canary_env, sizeof(canary_env), "CANARY-ENV-%d", (int)getpid());

	/* A previous run's project would carry its own links and files: start clean. */
	char *rm[] = { "/bin/rm", "-rf", project, pathf("%s/.config", home), NULL };
	if (run_cmd(rm) != 0)
		return false;
	return dir(home, 0755) == 0 && dir(pathf("%s/.ssh", home), 0700) == 0 &&
	       put(pathf("%s/.ssh/id_rsa", home), pathf("%s\n", canary_ssh), 0600) == 0 &&
	       dir(pathf("%s/.aws", home), 0700) == 0 &&
	       put(pathf("%s/.aws/credentials", home),
		   pathf("[default]\naws_secret_access_key = %s\n", canary_aws), 0600) == 0 &&
	       put(pathf("%s/.bashrc", home), "# ~/.bashrc\n", 0644) == 0 &&
	       dir(pathf("%s/.config", home), 0755) == 0 &&
	       dir(pathf("%s/.config/autostart", home), 0755) == 0;
}

static bool setup_project(void)
{
	struct spawn git = { .raw = true, .argv = { "git", "init", "-q", NULL } };
	struct result r;

	if (dir(project, 0755) < 0 || dir(pathf("%s/mnt", project), 0755) < 0 ||
	    put(pathf("%s/.env", project), pathf("API_SECRET=%s\n", canary_env), 0600) < 0 ||
	    put(pathf("%s/.gitignore", project), ".env\nhello\nnotes.txt\nkey-*\n", 0644) < 0 ||
	    put(pathf("%s/script.sh", project), "#!/bin/sh\necho script-says-before\n", 0755) < 0 ||
	    put(pathf("%s/hello.c", project),
		"#include <stdio.h>\nint main(void) { puts(\"c-build-ok\"); return 0; }\n",
		0644) < 0 ||
	    put(pathf("%s/Makefile", project), "hello: hello.c\n\tcc -o $@ $<\n", 0644) < 0)
		return false;
	/* A hard link to the SSH key made before the session, under an innocent name. */
	if (link(pathf("%s/.ssh/id_rsa", home), pathf("%s/notes.txt", project)) < 0)
		return false;
	run(&git, &r);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		show("git init", &r);
		return false;
	}
	return true;
}

/* The attack binary must be executable by the user under the agent policy: /tmp is. */
static bool setup_dirs(void)
{
	char t1[] = "/tmp/cordon-escape.XXXXXX", t2[] = "/tmp/cordon-escape-log.XXXXXX";
	const char *o = getenv("O") ?: "build";

	if (!mkdtemp(t1) || !mkdtemp(t2) || chmod(t1, 0755) < 0)
		return false;
	snprintf(bindir, sizeof(bindir), "%s", t1);
	snprintf(logdir, sizeof(logdir), "%s", t2); /* 0700: the agent cannot read the logs */
	snprintf(attack_bin, sizeof(attack_bin), "%s/attack", bindir);
	return copy_file(pathf("%s/tests/escape/attack", o), attack_bin, 0755) == 0;
}

/* --- file-system attacks ------------------------------------------------------------------ */

static void file_attacks(void)
{
	char key[PATH_MAX + 16], aws[PATH_MAX + 32];
	struct spawn s;
	struct result r;
	off_t before;
	struct stat st;

	snprintf(key, sizeof(key), "%s/.ssh/id_rsa", home);
	snprintf(aws, sizeof(aws), "%s/.aws/credentials", home);

	/* Landlock: $HOME is not in the read list (the masks would also refuse: tmpfs mode 000).
	 * The refusal is recorded at the exit of openat, with the path as the task passed it. */
	s = SPAWN("read", key);
	pair("read_ssh_key", EACCES, canary_ssh, &s);
	check_open("read_ssh_key", &s, key, "EACCES");
	s = SPAWN("read", aws);
	pair("read_aws_credentials", EACCES, canary_aws, &s);
	check_open("read_aws_credentials", &s, aws, "EACCES");
	s = SPAWN("read", pathf("/proc/self/root%s", key));
	pair("read_ssh_key_via_proc_self_root", EACCES, canary_ssh, &s);
	check_open("read_ssh_key_via_proc_self_root", &s, pathf("/proc/self/root%s", key),
		   "EACCES");

	/* Each side plants its own symlink in the project: Landlock checks the target. */
	s = SPAWN("symlink_read", pathf("%s/key-link-outside", project), key);
	outside_ok("read_ssh_key_via_planted_symlink", &s, canary_ssh);
	s = SPAWN("symlink_read", pathf("%s/key-link", project), key);
	inside_refused("read_ssh_key_via_planted_symlink", &s, EACCES, canary_ssh, &r);
	check_open("read_ssh_key_via_planted_symlink", &s, pathf("%s/key-link", project), "EACCES");

	/* A hard link made by the agent: the lookup of the key is refused first. */
	s = SPAWN("hardlink_read", pathf("%s/key-hardlink-outside", project), key);
	outside_ok("read_ssh_key_via_new_hardlink", &s, canary_ssh);
	s = SPAWN("hardlink_read", pathf("%s/key-hardlink", project), key);
	inside_refused("read_ssh_key_via_new_hardlink", &s, EACCES, canary_ssh, &r);
	/* link() itself is refused (the key cannot be looked up): the record names the key. */
	check_record("read_ssh_key_via_new_hardlink", &s,
		     &(struct want){ .action = "syscall-link",
				     .layer = "landlock",
				     .hook = "sys_exit_link",
				     .error = "EACCES",
				     .path = key,
				     .inferred = true });

	/* A hard link that existed before the session, under a name no pattern matches: only
	 * inode rules (BPF LSM) catch it. Without BPF LSM it is a known gap, never a pass. */
	s = SPAWN("read", pathf("%s/notes.txt", project));
	outside_ok("read_ssh_key_via_existing_hardlink", &s, canary_ssh);
	s.inside = true;
	run(&s, &r);
	if (r.err != 0 || !strstr(r.out, canary_ssh)) {
		tap_check(r.err == EACCES, "read_ssh_key_via_existing_hardlink_refused_EACCES");
		check_open("read_ssh_key_via_existing_hardlink", &s, pathf("%s/notes.txt", project),
			   "EACCES");
	} else if (audit_bpf_lsm(&s))
		tap_check(false, "read_ssh_key_via_existing_hardlink_refused_EACCES");
	else
		tap_skip("known gap: a hard link to a secret made before the session, under a name "
			 "no secret pattern matches, is only caught by BPF LSM inode rules, which "
			 "this kernel lacks; the agent read the key",
			 "read_ssh_key_via_existing_hardlink_refused");

	/* ${PROJECT}/.env: masked by /dev/null on a nodev bind mount (open: EACCES). */
	s = SPAWN("read", pathf("%s/.env", project));
	pair("read_project_env", EACCES, canary_env, &s);
	check_open("read_project_env", &s, pathf("%s/.env", project), "EACCES");

	/* Protect-list paths are read-only bind mounts: EROFS comes before Landlock's EACCES. */
	s = SPAWN("write", pathf("%s/.bashrc", home));
	outside_ok("write_bashrc", &s, NULL);
	before = stat(pathf("%s/.bashrc", home), &st) == 0 ? st.st_size : -1;
	inside_refused("write_bashrc", &s, EROFS, NULL, &r);
	check_open("write_bashrc", &s, pathf("%s/.bashrc", home), "EROFS");
	tap_check(stat(pathf("%s/.bashrc", home), &st) == 0 && st.st_size == before,
		  "write_bashrc_left_file_unchanged");

	s = SPAWN("write", pathf("%s/.config/autostart/outside.desktop", home));
	outside_ok("write_autostart", &s, NULL);
	s = SPAWN("write", pathf("%s/.config/autostart/agent.desktop", home));
	inside_refused("write_autostart", &s, EROFS, NULL, &r);
	check_open("write_autostart", &s, pathf("%s/.config/autostart/agent.desktop", home),
		   "EROFS");
	tap_check(access(pathf("%s/.config/autostart/agent.desktop", home), F_OK) < 0,
		  "write_autostart_created_nothing");

	/* Inside the (writable) project, .git/hooks is protected. */
	s = SPAWN("write", pathf("%s/.git/hooks/pre-commit", project));
	outside_ok("write_git_hook", &s, NULL);
	unlink(pathf("%s/.git/hooks/pre-commit", project));
	inside_refused("write_git_hook", &s, EROFS, NULL, &r);
	check_open("write_git_hook", &s, pathf("%s/.git/hooks/pre-commit", project), "EROFS");
	tap_check(access(pathf("%s/.git/hooks/pre-commit", project), F_OK) < 0,
		  "write_git_hook_created_nothing");
}

/* --- network attacks ---------------------------------------------------------------------- */

static int listener(int type, const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		len = sizeof(*s4);
	} else {
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(*port);
		len = sizeof(*s6);
	}
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(ss.ss_family == AF_INET ? s4->sin_port : s6->sin6_port);
	return fd;
}

/* Datagrams waiting on @fd (drained). */
static int drain(int fd)
{
	char buf[512];
	int n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

static char *num(int v)
{
	return pathf("%d", v);
}

/* A UDP attack: the datagram must arrive outside and must not inside. */
static void udp(const char *name, const char *how, const char *addr, const char *audit_ip, int fd,
		uint16_t port)
{
	struct spawn s = SPAWN((char *)how, (char *)addr, num(port));
	struct result r;

	drain(fd);
	if (outside_ok(name, &s, NULL))
		tap_check(drain(fd) == 1, "%s_outside_datagram_arrives", name);
	inside_refused(name, &s, EPERM, NULL, &r);
	tap_check(drain(fd) == 0, "%s_inside_no_datagram_arrives", name);
	check_audit_connect(name, &s, audit_ip, port, "udp");
}

static void set_ping_range(const char *range)
{
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!write(fd, range, strlen(range));
		close(fd);
	}
}

static void network_attacks(void)
{
	uint16_t dev = 0, any4 = 0, any6 = 0, u4 = 0, u6 = 0;
	int fds[8], n = 0, t4, t6, lu4, lu6;
	char devs[16], ping_old[64] = "";
	struct spawn s;
	struct result r;

	/* A dev-server port the agent policy allows on 127.0.0.1 and [::1] (3000-3999), also
	 * bound on 127.0.0.2, an address it does not allow. */
	for (uint16_t p = 3000; p < 4000 && !dev; p++) {
		uint16_t a = p, b = p, c = p;
		int f1 = listener(SOCK_STREAM, "127.0.0.1", &a);
		int f2 = f1 < 0 ? -1 : listener(SOCK_STREAM, "127.0.0.2", &b);
		int f3 = f2 < 0 ? -1 : listener(SOCK_STREAM, "::1", &c);

		if (f3 >= 0) {
			dev = p;
			fds[n++] = f1;
			fds[n++] = f2;
			fds[n++] = f3;
		} else {
			close(f1);
			close(f2);
		}
	}
	/* Ephemeral ports: outside every range of the policy. */
	t4 = listener(SOCK_STREAM, "127.0.0.1", &any4);
	t6 = listener(SOCK_STREAM, "::1", &any6);
	lu4 = listener(SOCK_DGRAM, "127.0.0.1", &u4);
	lu6 = listener(SOCK_DGRAM, "::1", &u6);
	if (!tap_check(dev && t4 >= 0 && t6 >= 0 && lu4 >= 0 && lu6 >= 0, "loopback_listeners"))
		return;
	tap_diag("listeners: tcp dev port %u (127.0.0.1, 127.0.0.2, ::1), tcp %u/%u, udp %u/%u",
		 dev, any4, any6, u4, u6);
	snprintf(devs, sizeof(devs), "%u", dev);

	/* Allowed by the policy: must work inside too. */
	s = SPAWN("tcp", "127.0.0.1", devs);
	outside_ok("tcp_allowed_127.0.0.1_devport", &s, NULL);
	s.inside = true;
	run(&s, &r);
	if (!tap_check(r.err == 0, "tcp_allowed_127.0.0.1_devport_works_inside"))
		show("inside", &r);
	/* The agent policy records connects (base: audit.record has connect): the allowed one
	 * is in the log with the rule that allowed it, and nothing is a refusal. */
	check_record("tcp_allowed_127.0.0.1_devport", &s,
		     &(struct want){ .action = "connect",
				     .layer = "cgroup_bpf",
				     .hook = "connect4",
				     .ip = "127.0.0.1",
				     .port = dev,
				     .transport = "tcp",
				     .rule_kind = POL_RULE_CONNECT,
				     .refusals = -1 });
	s = SPAWN("tcp", "::1", devs);
	s.inside = true;
	run(&s, &r);
	if (!tap_check(r.err == 0, "tcp6_allowed_::1_devport_works_inside"))
		show("inside", &r);
	check_record("tcp6_allowed_::1_devport", &s,
		     &(struct want){ .action = "connect",
				     .layer = "cgroup_bpf",
				     .hook = "connect6",
				     .ip = "::1",
				     .port = dev,
				     .transport = "tcp",
				     .rule_kind = POL_RULE_CONNECT,
				     .refusals = -1 });

	/* A port no rule names: Landlock's TCP port rules refuse it (EACCES), before the cgroup
	 * program runs; the record comes from the exit of connect. */
	s = SPAWN("tcp", "127.0.0.1", num(any4));
	pair("tcp_port_not_allowed", EACCES, NULL, &s);
	check_record("tcp_port_not_allowed", &s,
		     &(struct want){ .action = "syscall-connect",
				     .layer = "landlock",
				     .hook = "sys_exit_connect",
				     .error = "EACCES",
				     .ip = "127.0.0.1",
				     .port = any4,
				     .transport = "tcp",
				     .inferred = true });
	s = SPAWN("tcp", "::1", num(any6));
	pair("tcp6_port_not_allowed", EACCES, NULL, &s);
	check_record("tcp6_port_not_allowed", &s,
		     &(struct want){ .action = "syscall-connect",
				     .layer = "landlock",
				     .hook = "sys_exit_connect",
				     .error = "EACCES",
				     .ip = "::1",
				     .port = any6,
				     .transport = "tcp",
				     .inferred = true });

	/* An allowed port on an address no rule names: Landlock lets it through (ports only),
	 * the cgroup connect program refuses it and reports it. */
	s = SPAWN("tcp", "127.0.0.2", devs);
	pair("tcp_address_not_allowed", EPERM, NULL, &s);
	check_audit_connect("tcp_address_not_allowed", &s, "127.0.0.2", dev, "tcp");
	s = SPAWN("tcp", "::ffff:127.0.0.2", devs);
	pair("tcp_v4mapped_address_not_allowed", EPERM, NULL, &s);
	check_audit_connect("tcp_v4mapped_address_not_allowed", &s, "127.0.0.2", dev, "tcp");

	/* UDP: no rule allows these ports (only DNS is allowed over UDP). */
	udp("udp4_connect", "udp_connect", "127.0.0.1", "127.0.0.1", lu4, u4);
	udp("udp4_sendto", "udp_sendto", "127.0.0.1", "127.0.0.1", lu4, u4);
	udp("udp6_connect", "udp_connect", "::1", "::1", lu6, u6);
	udp("udp6_sendto", "udp_sendto", "::1", "::1", lu6, u6);
	udp("udp_v4mapped_sendto", "udp_sendto", "::ffff:127.0.0.1", "127.0.0.1", lu4, u4);

	/* MPTCP: Landlock's TCP rules do not see it. seccomp refuses the socket (EPERM); were it
	 * created, the cgroup connect program (TCP and UDP only) would have to refuse the
	 * connect and report it. */
	s = SPAWN("mptcp", "127.0.0.1", num(any4));
	outside_ok("mptcp_connect_not_allowed", &s, NULL);
	inside_refused("mptcp_connect_not_allowed", &s, EPERM, NULL, &r);
	if (!tap_check(r.err != 0 && strstr(r.out, "step=socket"), "mptcp_socket_refused"))
		check_audit_connect("mptcp_connect_not_allowed", &s, "127.0.0.1", any4, NULL);
	else
		check_socket("mptcp_connect_not_allowed", &s, AF_INET);

	/* ICMP echo from an unprivileged ping socket: egress no port rule sees. The kernel only
	 * allows the groups in ping_group_range (here: none by default), so widen it to the
	 * test user's group for the duration, as desktop distributions ship it. */
	int pfd = open("/proc/sys/net/ipv4/ping_group_range", O_RDONLY | O_CLOEXEC);
	if (pfd >= 0) {
		ssize_t k = read(pfd, ping_old, sizeof(ping_old) - 1);

		ping_old[k > 0 ? k : 0] = '\0';
		close(pfd);
	}
	set_ping_range(pathf("%u %u", (unsigned)gid, (unsigned)gid));
	s = SPAWN("icmp", "127.0.0.1");
	pair("icmp_socket_echo", EPERM, NULL, &s);
	check_socket("icmp_socket_echo", &s, AF_INET);
	s = SPAWN("icmp", "::1");
	pair("icmp6_socket_echo", EPERM, NULL, &s);
	check_socket("icmp6_socket_echo", &s, AF_INET6);
	if (ping_old[0])
		set_ping_range(ping_old);

	for (int i = 0; i < n; i++)
		close(fds[i]);
	close(t4);
	close(t6);
	close(lu4);
	close(lu6);
}

/* --- process, kernel and cgroup attacks --------------------------------------------------- */

/* A process of the same user outside the session; its pid, its stdout in *out. */
static pid_t sleeper(int *out)
{
	struct spawn s = SPAWN("sleep");
	int pfd[2];
	char buf[64];
	pid_t p;

	s.env[0] = "CORDON_SLEEPER_MARK=outside-process-env";
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	p = fork();
	if (p == 0)
		child(&s, pfd[1]);
	close(pfd[1]);
	/* Wait until it runs the attack binary (not our copy of ourselves). */
	if (p < 0 || read(pfd[0], buf, sizeof(buf)) <= 0) {
		close(pfd[0]);
		return -1;
	}
	*out = pfd[0];
	return p;
}

static bool alive(pid_t p)
{
	int status;

	return waitpid(p, &status, WNOHANG) == 0;
}

static void process_attacks(void)
{
	struct spawn s;
	struct result r;
	int sl_out = -1, status;
	pid_t sl = sleeper(&sl_out);
	char slp[16];

	snprintf(slp, sizeof(slp), "%d", (int)sl);

	if (!tap_check(sl > 0, "sleeper_outside_session_started"))
		return;

	/* ptrace the parent. Outside, the parent is a process of the same user. Inside, it is
	 * cordon itself (root, outside the session): Landlock's scoping and the kernel's credential
	 * checks both refuse. ptrace of a same-user process outside the session is below. */
	s = SPAWN("as_parent", "ptrace");
	outside_ok("ptrace_parent", &s, NULL);
	s = SPAWN("ptrace");
	inside_refused("ptrace_parent", &s, EPERM, NULL, &r);
	/* Landlock (the agent policy has ptrace: session); the record carries the target pid:
	 * cordon's, the agent's parent. */
	check_record("ptrace_parent", &s,
		     &(struct want){ .action = "syscall-ptrace",
				     .layer = "landlock",
				     .hook = "sys_exit_ptrace",
				     .error = "EPERM",
				     .inferred = true,
				     .arg_is_cordon = true });
	s = SPAWN("ptrace", slp);
	pair("ptrace_process_outside_session", EPERM, NULL, &s);
	check_record("ptrace_process_outside_session", &s,
		     &(struct want){ .action = "syscall-ptrace",
				     .layer = "landlock",
				     .hook = "sys_exit_ptrace",
				     .error = "EPERM",
				     .has_arg = true,
				     .arg = sl,
				     .inferred = true });
	tap_check(alive(sl), "sleeper_still_running_after_ptrace");

	/* /proc/PID/environ needs ptrace read access: Landlock scopes it to the session. */
	s = SPAWN("as_parent", "environ");
	outside_ok("read_parent_environ", &s, "content=");
	s = SPAWN("environ");
	inside_refused("read_parent_environ", &s, EACCES, NULL, &r);
	check_open("read_parent_environ", &s, "/proc/*/environ", "EACCES");
	s = SPAWN("environ", slp);
	outside_ok("read_environ_outside_session", &s, "content=");
	inside_refused("read_environ_outside_session", &s, EACCES, NULL, &r);
	check_open("read_environ_outside_session", &s, pathf("/proc/%d/environ", (int)sl),
		   "EACCES");

	/* Signals to a process outside the session: Landlock signal scoping (EPERM). Inside
	 * first: the outside run kills the sleeper. */
	s = SPAWN("kill", slp, num(SIGTERM));
	inside_refused("kill_process_outside_session", &s, EPERM, NULL, &r);
	check_record("kill_process_outside_session", &s,
		     &(struct want){ .action = "syscall-kill",
				     .layer = "landlock",
				     .hook = "sys_exit_kill",
				     .error = "EPERM",
				     .has_arg = true,
				     .arg = sl,
				     .inferred = true });
	tap_check(alive(sl), "kill_process_outside_session_sleeper_survives");
	outside_ok("kill_process_outside_session", &s, NULL);
	tap_check(waitpid(sl, &status, 0) == sl && WIFSIGNALED(status) &&
			  WTERMSIG(status) == SIGTERM,
		  "kill_process_outside_session_outside_kills_it");
	close(sl_out);

	/*
	 * TIOCSTI on a pty the attack opened as its own controlling terminal: outside, a byte is
	 * pushed into the terminal's input (how keystrokes reach a shell); inside, seccomp refuses
	 * the ioctl whatever the terminal. cordon's setsid also leaves the agent without the
	 * user's terminal as controlling terminal, which TIOCSTI needs without CAP_SYS_ADMIN.
	 * The record carries the ioctl request.
	 */
	s = SPAWN("tiocsti");
	pair("tiocsti_on_terminal", EPERM, NULL, &s);
	check_seccomp("tiocsti_on_terminal", &s, "ioctl", TIOCSTI);

	/* seccomp (EPERM): unshare -U, mount (after trying unshare -rm), io_uring, bpf. */
	s = SPAWN("unshare_user");
	pair("unshare_user_namespace", EPERM, NULL, &s);
	check_seccomp("unshare_user_namespace", &s, "unshare", CLONE_NEWUSER);
	/* The same through the i386 table (int $0x80): a native-only filter kills the caller
	 * (SIGSYS, cordon exits 128+31) rather than letting it past; EPERM would do as well. */
	s = SPAWN("compat_unshare_user");
	outside_ok("unshare_user_via_int80", &s, NULL);
	s.inside = true;
	run(&s, &r);
	if (!tap_check(r.err == EPERM || (r.err < 0 && WIFEXITED(r.status) &&
					  WEXITSTATUS(r.status) == 128 + SIGSYS),
		       "unshare_user_via_int80_refused"))
		show("inside", &r);
	/* Killed: seen as seccomp's SIGSYS, with the i386 syscall number and architecture. The
	 * syscall-exit tracepoints never see compat syscalls, so an EPERM would go unrecorded. */
	if (r.err < 0)
		check_record("unshare_user_via_int80", &s,
			     &(struct want){ .action = "seccomp-kill",
					     .layer = "seccomp",
					     .hook = "signal_generate",
					     .error = "SIGSYS",
					     .has_arg = true,
					     .arg = 0x40000003 /* AUDIT_ARCH_I386 */ });
	else
		tap_skip("refused with EPERM through the i386 table: no syscall-exit record",
			 "unshare_user_via_int80_audit_record");
	/* Two refusals: unshare(NEWUSER|NEWNS) first, then the mount itself. */
	s = SPAWN("mount", pathf("%s/mnt", project));
	pair("mount_tmpfs", EPERM, NULL, &s);
	check_record("mount_tmpfs", &s,
		     &(struct want){ .action = "syscall-unshare",
				     .layer = "seccomp",
				     .hook = "sys_exit_unshare",
				     .error = "EPERM",
				     .has_arg = true,
				     .arg = CLONE_NEWUSER | CLONE_NEWNS,
				     .inferred = true,
				     .refusals = 2 });
	check_record("mount_tmpfs", &s,
		     &(struct want){ .action = "syscall-mount",
				     .layer = "seccomp",
				     .hook = "sys_exit_mount",
				     .error = "EPERM",
				     .path = pathf("%s/mnt", project),
				     .has_arg = true,
				     .arg = 0,
				     .inferred = true,
				     .refusals = 2 });
	s = SPAWN("io_uring_setup");
	pair("io_uring_setup", EPERM, NULL, &s);
	check_seccomp("io_uring_setup", &s, "io_uring_setup", -1);

	/* BPF_MAP_CREATE: with kernel.unprivileged_bpf_disabled the kernel refuses it outside
	 * too, so an invalid map type shows the difference: outside the kernel's argument check
	 * answers (EINVAL), inside seccomp answers first (EPERM). */
	s = SPAWN("bpf_map_create");
	s.inside = false;
	run(&s, &r);
	if (r.err == 0)
		tap_check(true, "bpf_map_create_outside_succeeds");
	else
		tap_skip("kernel.unprivileged_bpf_disabled refuses it to unprivileged users here; "
			 "see bpf_invalid_map_type",
			 "bpf_map_create_outside_succeeds");
	inside_refused("bpf_map_create", &s, EPERM, NULL, &r);
	check_seccomp("bpf_map_create", &s, "bpf", 0 /* BPF_MAP_CREATE */);
	s = SPAWN("bpf_map_create", "9999");
	s.inside = false;
	run(&s, &r);
	if (!tap_check(r.err == EINVAL, "bpf_invalid_map_type_outside_reaches_kernel_EINVAL"))
		show("outside", &r);
	inside_refused("bpf_invalid_map_type", &s, EPERM, NULL, &r);
	check_seccomp("bpf_invalid_map_type", &s, "bpf", 0 /* BPF_MAP_CREATE */);

	/* memfd_create + fexecve: Landlock applies no path rule to a memfd, and seccomp cannot
	 * tell a memfd from another descriptor; BPF LSM refuses exec of a file with no name.
	 * Without BPF LSM it is a known gap, never a pass. */
	s = SPAWN("memfd_exec", "/proc/self/exe");
	outside_ok("memfd_create_fexecve", &s, "running-from-memfd");
	s.inside = true;
	run(&s, &r);
	if (r.err != 0 || !strstr(r.out, "running-from-memfd"))
		tap_check(r.err == EACCES, "memfd_create_fexecve_refused_EACCES");
	else if (audit_bpf_lsm(&s))
		tap_check(false, "memfd_create_fexecve_refused_EACCES");
	else
		tap_skip("known gap: exec from a memfd is only refused by BPF LSM (bprm_check), "
			 "which this kernel lacks",
			 "memfd_create_fexecve_refused");
}

/* Outside: a cgroup delegated to the user (as systemd does for user sessions), where moving
 * between its own cgroups works. Inside: the session's cgroup, its parent, and that delegated
 * cgroup are all out of reach (Landlock: cgroupfs is not in the policy; EACCES). */
static void cgroup_attacks(void)
{
	char mnt[PATH_MAX], deleg[PATH_MAX + 64], leaf[PATH_MAX + 128];
	struct spawn s;
	struct result r;

	if (cordon_cgroup2_mount(mnt, sizeof(mnt)) < 0) {
		tap_skip("no cgroup2 mount", "cgroup_attacks");
		return;
	}
	snprintf(deleg, sizeof(deleg), "%s/cordon-escape-test.%d", mnt, (int)getpid());
	snprintf(leaf, sizeof(leaf), "%s/leaf", deleg);
	if (!tap_check(mkdir(deleg, 0755) == 0 && mkdir(leaf, 0755) == 0 &&
			       chown(deleg, uid, gid) == 0 && chown(leaf, uid, gid) == 0 &&
			       chown(pathf("%s/cgroup.procs", deleg), uid, gid) == 0 &&
			       chown(pathf("%s/cgroup.procs", leaf), uid, gid) == 0,
		       "delegated_cgroup_created"))
		goto out;

	s = SPAWN("cgroup_move", "parent");
	s.cgroup = pathf("%s/cgroup.procs", leaf);
	outside_ok("cgroup_move_to_parent", &s, NULL);
	s.cgroup = NULL;
	inside_refused("cgroup_move_to_parent", &s, EACCES, NULL, &r);
	check_open("cgroup_move_to_parent", &s, pathf("%s/cordon/cgroup.procs", mnt), "EACCES");
	s = SPAWN("cgroup_move", "self");
	s.cgroup = pathf("%s/cgroup.procs", leaf);
	outside_ok("cgroup_write_own_procs", &s, NULL);
	s.cgroup = NULL;
	inside_refused("cgroup_write_own_procs", &s, EACCES, NULL, &r);
	check_open("cgroup_write_own_procs", &s, pathf("%s/cordon/*/cgroup.procs", mnt), "EACCES");
	s = SPAWN("cgroup_move", deleg);
	inside_refused("cgroup_move_to_user_owned_cgroup", &s, EACCES, NULL, &r);
	check_open("cgroup_move_to_user_owned_cgroup", &s, pathf("%s/cgroup.procs", deleg),
		   "EACCES");
out:
	rmdir(leaf);
	rmdir(deleg);
}

static void abstract_unix_attack(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char *name = pathf("cordon-escape.%d", (int)getpid());
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct spawn s;

	memcpy(un.sun_path + 1, name, strlen(name));
	if (!tap_check(fd >= 0 &&
			       bind(fd, (struct sockaddr *)&un,
				    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
						strlen(name))) == 0 &&
			       listen(fd, 8) == 0,
		       "abstract_unix_listener"))
		return;
	/* Landlock scoping (ABI 6): abstract sockets outside the domain are refused (EPERM). */
	s = SPAWN("abstract_unix", name);
	pair("connect_abstract_unix_outside", EPERM, NULL, &s);
	/* The abstract name as ss(8) shows it, '@' first. */
	check_record("connect_abstract_unix_outside", &s,
		     &(struct want){ .action = "syscall-connect",
				     .layer = "landlock",
				     .hook = "sys_exit_connect",
				     .error = "EPERM",
				     .path = pathf("@%s", name),
				     .inferred = true });
	close(fd);
}

static void environment_attacks(void)
{
	struct spawn s;
	struct result r;
	char key[PATH_MAX + 16];

	snprintf(key, sizeof(key), "%s/.ssh/id_rsa", home);

	/* A secret opened without O_CLOEXEC before cordon runs: the agent must not have it. */
	s = SPAWN("fd", num(INHERIT_FD));
	s.inherit = key;
	pair("inherited_fd_to_secret", EBADF, canary_ssh, &s);

	s = SPAWN("env", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "ANTHROPIC_API_KEY",
		  "CORDON_HARMLESS", "PATH");
	s.env[0] = "AWS_SECRET_ACCESS_KEY=x";
	s.env[1] = "GITHUB_TOKEN=y";
	s.env[2] = "ANTHROPIC_API_KEY=z";
	s.env[3] = "CORDON_HARMLESS=1";
	outside_ok("secret_env", &s, "AWS_SECRET_ACCESS_KEY=set GITHUB_TOKEN=set");
	s.inside = true;
	run(&s, &r);
	if (!tap_check(strstr(r.out, "AWS_SECRET_ACCESS_KEY=unset") &&
			       strstr(r.out, "GITHUB_TOKEN=unset"),
		       "secret_env_vars_gone_inside"))
		show("inside", &r);
	tap_check(strstr(r.out, "CORDON_HARMLESS=set") && strstr(r.out, "PATH=set"),
		  "ordinary_env_vars_kept_inside");
	tap_diag("ANTHROPIC_API_KEY inside: %s (the agent policy's env.keep is empty and "
		 "base denies *_API_KEY)",
		 strstr(r.out, "ANTHROPIC_API_KEY=set") ? "kept" : "dropped");
}

static void status_checks(void)
{
	struct spawn s;
	struct result r;

	s = SPAWN("exit", "7");
	run(&s, &r);
	tap_check(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7, "exit_7_outside_is_7");
	s.inside = true;
	run(&s, &r);
	tap_check(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7, "exit_7_propagated");
	tap_check(audit_exit_code(&s) == 7, "exit_7_in_session_end_record");

	s = SPAWN("signal", num(SIGTERM));
	s.inside = false;
	run(&s, &r);
	tap_check(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM,
		  "sigterm_outside_kills_it");
	s.inside = true;
	run(&s, &r);
	if (!tap_check(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 128 + SIGTERM,
		       "sigterm_propagated_as_143"))
		show("inside", &r);
	tap_check(audit_exit_code(&s) == 128 + SIGTERM, "sigterm_143_in_session_end_record");
}

/* Legitimate work inside the session: edit and run scripts, git, make. */
static void legit(const char *name, const char *script, const char *must_print)
{
	struct spawn s = { .raw = true, .argv = { "/bin/sh", "-c", (char *)script, NULL } };
	struct result r;
	bool ok;

	s.inside = true;
	run(&s, &r);
	ok = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && strstr(r.out, must_print);
	if (!tap_check(ok, "legit_%s_works_inside", name))
		show("inside", &r);
}

static void legit_work(void)
{
	legit("edit_and_run_shell_script",
	      "sed -i s/before/after-edit/ script.sh && ./script.sh && "
	      "printf '#!/bin/sh\\necho new-script-$1\\n' > new.sh && chmod +x new.sh && ./new.sh "
	      "42",
	      "new-script-42");
	legit("python_script",
	      "printf 'import sys\\nprint(\"python-ok\", sys.version_info[0])\\n' > hello.py && "
	      "python3 hello.py",
	      "python-ok 3");
	if (access("/usr/bin/git", X_OK) == 0) {
		legit("git_status_and_commit",
		      "git status --short && git add -A && "
		      "git -c user.name=agent -c user.email=agent@example.invalid commit -qm work "
		      "&& "
		      "git log --oneline | grep -c work",
		      "1");
		legit("git_init", "git init -q sub && git -C sub status >/dev/null && echo init-ok",
		      "init-ok");
	} else {
		tap_skip("git is not installed", "legit_git_works_inside");
	}
	legit("make", "make && ./hello", "c-build-ok");
}

int main(void)
{
	struct timespec t0, t1;
	char *userdel[] = { "/usr/sbin/userdel", "-r", USER_NAME, NULL };

	if (geteuid() != 0) {
		tap_skip("needs root", "run_attacks");
		return 0;
	}
	cordon = getenv("CORDON_BIN");
	if (!cordon || access(cordon, X_OK) < 0) {
		tap_skip("CORDON_BIN is not set to an executable", "run_attacks");
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Every line of every run's audit log is validated against the schema. */
	schema = json_load_file("docs/audit-schema.json", 0, NULL);
	tap_check(schema != NULL, "audit_schema_loads");
	if (!tap_check(setup_dirs(), "attack_binary_installed_in_tmp") ||
	    !tap_check(setup_user() && setup_project(), "user_home_and_project_created"))
		return tap_status();
	tap_diag("user %s (uid %u), project %s, attack %s", USER_NAME, (unsigned)uid, project,
		 attack_bin);

	file_attacks();
	network_attacks();
	process_attacks();
	cgroup_attacks();
	abstract_unix_attack();
	environment_attacks();
	status_checks();
	legit_work();

	clock_gettime(CLOCK_MONOTONIC, &t1);
	tap_diag("%d cordon runs in %.1f s", nruns,
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (!getenv("CORDON_TEST_KEEP")) {
		char *rm[] = { "/bin/rm", "-rf", bindir, logdir, NULL };

		run_cmd(rm);
		tap_check(run_cmd(userdel) == 0, "test_user_removed");
	}
	return tap_status();
}
