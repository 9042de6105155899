// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host attack suite: each attack of tests/escape/attack.c runs as a throwaway unprivileged
 * user OUTSIDE cordon, where it must succeed, and INSIDE `cordon run --allow-degraded --user U`
 * under the agent policy, where it must fail with the errno of the layer that refuses it and
 * leave exactly the audit record that refusal produces, every line of the log valid against
 * docs/audit-schema.json. The attacks are tables of rows run by one loop (run_table()).
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
#include "spawn.h"
#include "tap.h"
#include "testutil.h"

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

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	static char ring[64][PATH_MAX];
	static int next;
	char *p = ring[next++ % 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, PATH_MAX, fmt, ap);
	va_end(ap);
	return p;
}

static char *num(int v)
{
	return pathf("%d", v);
}

/* --- the tables' variables: "{name}" in a row is replaced by the value set here ------------ */

static struct {
	const char *name;
	char value[PATH_MAX];
} vars[32];

static void set_var(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_var(const char *name, const char *fmt, ...)
{
	size_t i = 0;
	va_list ap;

	while (i < sizeof(vars) / sizeof(vars[0]) - 1 && vars[i].name && strcmp(vars[i].name, name))
		i++;
	vars[i].name = name;
	va_start(ap, fmt);
	vsnprintf(vars[i].value, sizeof(vars[i].value), fmt, ap);
	va_end(ap);
}

/* The line of policies/base.yaml holding the list entry "- @entry", or 0. */
static int base_line(const char *entry)
{
	FILE *f = fopen("policies/base.yaml", "re");
	char line[512];
	int n = 0, found = 0;

	while (f && !found && fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " ");

		n++;
		if (!strncmp(p, "- ", 2) && !strncmp(p + 2, entry, strlen(entry)) &&
		    strchr(" \t\n#", p[2 + strlen(entry)]))
			found = n;
	}
	if (f)
		fclose(f);
	return found;
}

/* @t with every "{name}" replaced (NULL stays NULL); an unknown name is left as it is. */
static const char *expand(const char *t)
{
	char *out, *o;
	const char *end;

	if (!t || !strchr(t, '{'))
		return t;
	out = o = pathf("%s", "");
	while (*t && o < out + PATH_MAX - 1) {
		const char *v = NULL;
		size_t k;

		end = *t == '{' ? strchr(t, '}') : NULL;
		for (size_t i = 0; end && i < sizeof(vars) / sizeof(vars[0]) && vars[i].name; i++)
			if (strlen(vars[i].name) == (size_t)(end - t - 1) &&
			    !strncmp(vars[i].name, t + 1, (size_t)(end - t - 1)))
				v = vars[i].value;
		if (!v) {
			*o++ = *t++;
			continue;
		}
		k = strlen(v);
		if (k > (size_t)(out + PATH_MAX - 1 - o))
			k = (size_t)(out + PATH_MAX - 1 - o);
		memcpy(o, v, k);
		o += k;
		t = end + 1;
	}
	*o = '\0';
	return out;
}

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

/* In the child before exec: the cgroup to join, the descriptor to leak, the user to become. */
static int child_setup(void *arg)
{
	const struct spawn *s = arg;

	if (s->cgroup) {
		int fd = open(s->cgroup, O_WRONLY);

		if (fd < 0 || write(fd, "0\n", 2) != 2)
			return -1;
		close(fd);
	}
	if (s->inherit) {
		int fd = open(s->inherit, O_RDONLY); /* deliberately without O_CLOEXEC */

		if (fd < 0 || dup2(fd, INHERIT_FD) < 0)
			return -1;
	}
	if (s->inside)
		return 0;
	if (chdir(project) < 0 || setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -1;
	return 0;
}

/* Run @s to completion and capture what it printed. */
static void run(struct spawn *s, struct result *r)
{
	char *argv[MAX_ARGS + 16], *envp[16];
	struct test_cmd c = { .argv = argv, .envp = envp, .setup = child_setup, .arg = s };
	size_t a = 0, e = 0;
	char h[PATH_MAX + 8];
	char *m;

	memset(r, 0, sizeof(*r));
	r->err = -1;
	if (s->inside)
		snprintf(s->audit, sizeof(s->audit), "%s/run-%03d.jsonl", logdir, ++nruns);
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
	test_spawn(&c, r->out, sizeof(r->out), &r->status);
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

#define SPAWN(...) ((struct spawn){ .argv = { __VA_ARGS__, NULL } })

/* --- the audit log ------------------------------------------------------------------------ */

static const char *jstr(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

/* The records of one run, as an array (empty when the log is missing). */
static json_t *audit_records(const char *path)
{
	return test_read_jsonl(path);
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
	const char *port;      /* destination.port, as text */
	const char *transport; /* network.transport (NULL: not checked) */
	bool has_arg;	       /* cordon.arg present and equal to arg (or to arg_of) */
	long long arg;
	const char *arg_of;	 /* the value of arg as text, when it is only known at run time */
	bool arg_is_cordon;	 /* cordon.arg is the pid of cordon (session-start's process.pid) */
	bool inferred;		 /* cordon.layer_inferred is true (else absent or false) */
	int rule_kind;		 /* cordon.rule >> 16 (POL_RULE_*), 0: the rule is 0 */
	const char *rule_text;	 /* cordon.rule_text (NULL: not checked; a '*': a pattern) */
	const char *rule_source; /* cordon.rule_source (NULL: absent unless rule_text is set) */
	int refusals;	 /* failure records the whole run must hold (0: 1, -1: not checked) */
	bool no_process; /* the record is not about the attack process itself */
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
	MUST(!w->rule_text || str_is(jstr(o, "cordon", "rule_text"), w->rule_text),
	     "cordon.rule_text");
	MUST(!w->rule_text || str_is(jstr(o, "cordon", "rule_source"), w->rule_source),
	     "cordon.rule_source");
	MUST(str_is(jstr(o, "file", "path"), w->path), "file.path");
	MUST(str_is(jstr(o, "destination", "ip"), w->ip), "destination.ip");
	MUST(!w->ip || json_integer_value(jget(o, "destination", "port")) == atoll(w->port ?: "0"),
	     "destination.port");
	MUST(!w->transport || str_is(jstr(o, "network", "transport"), w->transport),
	     "network.transport");
	MUST(w->has_arg || w->arg_is_cordon
		     ? json_is_integer(jget(o, "cordon", "arg")) &&
			       json_integer_value(jget(o, "cordon", "arg")) ==
				       (w->arg_is_cordon ? cordon_pid
					: w->arg_of	 ? atoll(w->arg_of)
							 : w->arg)
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
	return true;
}

/*
 * The run's audit log holds the record @w, as many refusals as @w says, and every line of it
 * validates against docs/audit-schema.json.
 */
static void check_record(const char *name, const struct spawn *s, const struct want *tw)
{
	struct want expanded = *tw, *w = &expanded;
	json_t *all = audit_records(s->audit), *o;
	const char *why = NULL, *last_why = "no record with that action";
	int failures = 0, invalid = 0, unnamed = 0, want_failures = w->refusals ? w->refusals : 1;
	json_int_t cordon_pid = -1;
	bool found = false;
	char err[512];
	size_t i;

	w->path = expand(w->path);
	w->ip = expand(w->ip);
	w->port = expand(w->port);
	w->arg_of = expand(w->arg_of);
	w->rule_text = expand(w->rule_text);
	w->rule_source = expand(w->rule_source);
	json_array_foreach (all, i, o)
		if (!strcmp(jstr(o, "event", "action") ?: "", "session-start"))
			cordon_pid = json_integer_value(jget(o, "process", "pid"));
	json_array_foreach (all, i, o) {
		if (schema && audit_schema_validate(o, err, sizeof(err))) {
			invalid++;
			tap_diag("%s: invalid record: %s", name, err);
		}
		/* A summary stands for its cordon.repeated identical refusals. */
		if (!strcmp(jstr(o, "event", "outcome") ?: "", "failure") &&
		    !strcmp(jstr(o, "event", "kind") ?: "", "event")) {
			failures += (int)(json_integer_value(jget(o, "cordon", "repeated")) ?: 1);
			/* Every refusal names what decided it: an entry, or the default. */
			if (jget(o, "cordon", "hook") && !jstr(o, "cordon", "rule_text")) {
				unnamed++;
				tap_diag("%s: refusal without cordon.rule_text: %s %s", name,
					 jstr(o, "event", "action") ?: "?",
					 jstr(o, "cordon", "hook") ?: "?");
			}
		}
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
	tap_check(unnamed == 0, "%s_audit_refusals_name_their_rule", name);
	if (w->refusals >= 0 &&
	    !tap_check(failures == want_failures, "%s_audit_refusals_%d", name, want_failures))
		tap_diag("%d refusal records", failures);
	json_decref(all);
}

/* The records the tables expect, by the layer that refuses (docs/audit-schema.md). */
#define OPEN_REFUSED(p, layer_, err, flags)                                                \
	{                                                                                  \
		.action = "syscall-openat", .layer = layer_, .hook = "sys_exit_openat",    \
		.error = err, .path = p, .has_arg = true, .arg = (flags), .inferred = true \
	}
/* attack.c opens as read_path() (read), write_path() (write) and write_file() (cgroup.procs). */
#define READ_EACCES(p) OPEN_REFUSED(p, "landlock", "EACCES", O_RDONLY | O_CLOEXEC)
/* A read of a masked secret: the mask refuses it (before Landlock would), whatever the name. */
#define READ_MASKED(p)	 OPEN_REFUSED(p, "mount_ns", "EACCES", O_RDONLY | O_CLOEXEC)
#define CGROUP_EACCES(p) OPEN_REFUSED(p, "landlock", "EACCES", O_WRONLY | O_CLOEXEC)
#define CGROUP_EROFS(p)	 OPEN_REFUSED(p, "mount_ns", "EROFS", O_WRONLY | O_CLOEXEC)
/* A syscall seccomp refused with EPERM, and the argument its record carries. */
#define SECCOMP_ARG(sc, a)                                                           \
	{                                                                            \
		.action = "syscall-" sc, .layer = "seccomp", .hook = "sys_exit_" sc, \
		.error = "EPERM", .has_arg = true, .arg = (a), .inferred = true      \
	}
#define SECCOMP(sc)                                                                  \
	{                                                                            \
		.action = "syscall-" sc, .layer = "seccomp", .hook = "sys_exit_" sc, \
		.error = "EPERM", .inferred = true                                   \
	}
/* socket() refused by seccomp: the record carries the address family. */
/* socket() refused by seccomp: cordon.arg is the family, the protocol in its upper 32 bits. */
#define SOCKET_EPERM(family, proto) SECCOMP_ARG("socket", (family) | (long long)(proto) << 32)
/* A connect the cgroup BPF program refused. */
#define CONNECT_EPERM(ip_, port_, transport_)                                            \
	{                                                                                \
		.action = "connect", .layer = "cgroup_bpf", .error = "EPERM", .ip = ip_, \
		.port = port_, .transport = transport_                                   \
	}
/*
 * A refusal by a policy entry: its kind, its name ("secrets.files[N]: PATH", the index a
 * pattern) and where it is written ("{NAME_src}": builtin:base:LINE, see base_line()).
 */
#define BY_RULE(kind_, name_, src_) \
	.rule_kind = (kind_), .rule_text = (name_), .rule_source = (src_)
#define READ_SECRET(p, entry, src)                                                          \
	{                                                                                   \
		.action = "syscall-openat", .layer = "mount_ns", .hook = "sys_exit_openat", \
		.error = "EACCES", .path = p, .has_arg = true, .arg = O_RDONLY | O_CLOEXEC, \
		.inferred = true, BY_RULE(POL_RULE_SECRET, "secrets.files?*]: " entry, src) \
	}
#define READ_PATTERN(p, entry, src)                                                             \
	{                                                                                       \
		.action = "syscall-openat", .layer = "mount_ns", .hook = "sys_exit_openat",     \
		.error = "EACCES", .path = p, .has_arg = true, .arg = O_RDONLY | O_CLOEXEC,     \
		.inferred = true, BY_RULE(POL_RULE_PATTERN, "secrets.patterns?*]: " entry, src) \
	}
#define WRITE_PROTECTED(p, entry, src)                                                      \
	{                                                                                   \
		.action = "syscall-openat", .layer = "mount_ns", .hook = "sys_exit_openat", \
		.error = "EROFS", .path = p, .has_arg = true,                               \
		.arg = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, .inferred = true,         \
		BY_RULE(POL_RULE_PROTECT, "filesystem.protect?*]: " entry, src)             \
	}

/* A syscall Landlock refused, seen at its exit. */
#define LANDLOCK(sc, err, ...)                                                        \
	{                                                                             \
		.action = "syscall-" sc, .layer = "landlock", .hook = "sys_exit_" sc, \
		.error = err, .inferred = true, __VA_ARGS__                           \
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

/* --- the tables ---------------------------------------------------------------------------- */

/*
 * One attack. Strings are templates ("{key}", see set_var()). Outside (unless NO_OUTSIDE) it must
 * succeed and print @secret, or @outside_prints; inside it must fail with @expect (0: it must
 * work) and never print @secret, and leave the records @rec. A row with @custom is an attack
 * whose steps do not fit these fields: the function runs them and makes its own checks.
 */
struct attack_row {
	const char *name;
	const char *argv[6];	     /* the attack inside */
	const char *outside_argv[6]; /* outside, when it differs */
	int expect;		     /* errno inside; 0: allowed, works inside */
	const char *secret;	     /* a canary printed outside, never inside */
	const char *outside_prints;  /* what the attack prints outside, without a secret */
	unsigned int flags;
	const char *inherit;	     /* open this file, without O_CLOEXEC, at INHERIT_FD */
	const char *outside_cgroup;  /* outside: join this cgroup.procs first */
	const char *remove;	     /* removed between the outside and the inside run */
	const char *unchanged;	     /* the inside run leaves this file's size as it is */
	const char *created_nothing; /* the inside run did not create this file */
	struct want rec[2];	     /* the records of the inside run */
	void (*custom)(const struct attack_row *a);
};

#define NO_OUTSIDE 1u /* no outside run: what outside proves is shown by another row */

static void fill(struct spawn *s, const char *const *argv)
{
	size_t i = 0;

	for (; i < 6 && argv[i]; i++)
		s->argv[i] = (char *)expand(argv[i]);
	s->argv[i] = NULL;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void run_row(const struct attack_row *a)
{
	struct spawn s = { .inherit = expand(a->inherit) };
	const char *secret = expand(a->secret);
	struct result r;
	off_t before = -1;

	if (a->custom) {
		a->custom(a);
		return;
	}
	if (!(a->flags & NO_OUTSIDE)) {
		fill(&s, a->outside_argv[0] ? a->outside_argv : a->argv);
		s.cgroup = expand(a->outside_cgroup);
		outside_ok(a->name, &s, secret ?: expand(a->outside_prints));
		s.cgroup = NULL;
	}
	if (a->remove)
		unlink(expand(a->remove));
	if (a->unchanged)
		before = size_of(expand(a->unchanged));
	fill(&s, a->argv);
	if (a->expect) {
		inside_refused(a->name, &s, a->expect, secret, &r);
	} else {
		s.inside = true;
		run(&s, &r);
		if (!tap_check(r.err == 0, "%s_works_inside", a->name))
			show("inside", &r);
	}
	for (size_t i = 0; i < 2 && a->rec[i].action; i++)
		check_record(a->name, &s, &a->rec[i]);
	if (a->unchanged) {
		off_t after = size_of(expand(a->unchanged));

		tap_check(after >= 0 && after == before, "%s_left_file_unchanged", a->name);
	}
	if (a->created_nothing)
		tap_check(access(expand(a->created_nothing), F_OK) < 0, "%s_created_nothing",
			  a->name);
}

static void run_table(const struct attack_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_row(&rows[i]);
}

#define RUN_TABLE(rows) run_table(rows, sizeof(rows) / sizeof(rows[0]))

/* --- file-system attacks ------------------------------------------------------------------ */

/*
 * A hard link that existed before the session, under a name no pattern matches: only inode
 * rules (BPF LSM) catch it. Without BPF LSM it is a known gap, never a pass.
 */
static void existing_hardlink(const struct attack_row *a)
{
	struct spawn s = SPAWN("read", pathf("%s/notes.txt", project));
	struct result r;

	outside_ok(a->name, &s, canary_ssh);
	s.inside = true;
	run(&s, &r);
	if (r.err != 0 || !strstr(r.out, canary_ssh)) {
		tap_check(r.err == EACCES, "%s_refused_EACCES", a->name);
		check_record(a->name, &s, &a->rec[0]);
	} else if (audit_bpf_lsm(&s)) {
		tap_check(false, "%s_refused_EACCES", a->name);
	} else {
		tap_skip("known gap: a hard link to a secret made before the session, under a name "
			 "no secret pattern matches, is only caught by BPF LSM inode rules, which "
			 "this kernel lacks; the agent read the key",
			 "%s_refused", a->name);
	}
}

/*
 * Landlock: $HOME is not in the read list (the masks would also refuse: tmpfs mode 000); the
 * refusal is recorded at the exit of openat, with the path as the task passed it. Planted
 * symlinks: each side plants its own in the project, Landlock checks the target. A hard link
 * made by the agent: link() itself is refused (the key cannot be looked up), the record names
 * the key. ${PROJECT}/.env: masked by /dev/null on a nodev bind mount (EACCES). Protect-list
 * paths (~/.bashrc, autostart, .git/hooks in the writable project) are read-only bind mounts:
 * EROFS comes before Landlock's EACCES.
 */
static const struct attack_row file_rows[] = {
	{ "read_ssh_key",
	  { "read", "{key}" },
	  .expect = EACCES,
	  .secret = "{canary_ssh}",
	  .rec = { READ_SECRET("{key}", "{home}/.ssh", "{ssh_src}") } },
	{ "read_aws_credentials",
	  { "read", "{aws}" },
	  .expect = EACCES,
	  .secret = "{canary_aws}",
	  .rec = { READ_SECRET("{aws}", "{home}/.aws", "{aws_src}") } },
	{ "read_ssh_key_via_proc_self_root",
	  { "read", "/proc/self/root{key}" },
	  .expect = EACCES,
	  .secret = "{canary_ssh}",
	  .rec = { READ_SECRET("/proc/self/root{key}", "{home}/.ssh", "{ssh_src}") } },
	{ "read_ssh_key_via_planted_symlink",
	  { "symlink_read", "{project}/key-link", "{key}" },
	  { "symlink_read", "{project}/key-link-outside", "{key}" },
	  .expect = EACCES,
	  .secret = "{canary_ssh}",
	  .rec = { READ_SECRET("{project}/key-link", "{home}/.ssh", "{ssh_src}") } },
	{ "read_ssh_key_via_new_hardlink",
	  { "hardlink_read", "{project}/key-hardlink", "{key}" },
	  { "hardlink_read", "{project}/key-hardlink-outside", "{key}" },
	  .expect = EACCES,
	  .secret = "{canary_ssh}",
	  .rec = { LANDLOCK(
		  "link", "EACCES", .path = "{key}",
		  BY_RULE(POL_RULE_SECRET, "secrets.files?*]: {home}/.ssh", "{ssh_src}")) } },
	{ "read_ssh_key_via_existing_hardlink", .rec = { READ_MASKED("{project}/notes.txt") },
	  .custom = existing_hardlink },
	{ "read_project_env",
	  { "read", "{project}/.env" },
	  .expect = EACCES,
	  .secret = "{canary_env}",
	  .rec = { READ_PATTERN("{project}/.env", "\\*.env", "{env_src}") } },
	{ "write_bashrc",
	  { "write", "{home}/.bashrc" },
	  .expect = EROFS,
	  .unchanged = "{home}/.bashrc",
	  .rec = { WRITE_PROTECTED("{home}/.bashrc", "{home}/.bashrc", "{bashrc_src}") } },
	{ "write_autostart",
	  { "write", "{home}/.config/autostart/agent.desktop" },
	  { "write", "{home}/.config/autostart/outside.desktop" },
	  .expect = EROFS,
	  .created_nothing = "{home}/.config/autostart/agent.desktop",
	  .rec = { WRITE_PROTECTED("{home}/.config/autostart/agent.desktop",
				   "{home}/.config/autostart", "builtin:base:*") } },
	{ "write_git_hook",
	  { "write", "{project}/.git/hooks/pre-commit" },
	  .expect = EROFS,
	  .remove = "{project}/.git/hooks/pre-commit",
	  .created_nothing = "{project}/.git/hooks/pre-commit",
	  .rec = { WRITE_PROTECTED("{project}/.git/hooks/pre-commit", "{project}/.git/hooks",
				   "{hooks_src}") } },
};

/* --- network attacks ---------------------------------------------------------------------- */

static struct {
	int t4, t6, u4, u6; /* the listeners (see network_attacks()) */
	uint16_t port_u4, port_u6;
} net;

/* Datagrams waiting on @fd (drained). */
static int drain(int fd)
{
	char buf[512];
	int n = 0;

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

/* A UDP attack (argv: how, address; the port is the listener's): the datagram must arrive
 * outside and must not inside; rec[0].ip is the address the record names. */
static void udp(const struct attack_row *a)
{
	bool v6 = strchr(a->argv[1], ':') && !strstr(a->argv[1], "::ffff:");
	int fd = v6 ? net.u6 : net.u4;
	uint16_t port = v6 ? net.port_u6 : net.port_u4;
	struct spawn s = SPAWN((char *)a->argv[0], (char *)a->argv[1], num(port));
	struct result r;

	drain(fd);
	if (outside_ok(a->name, &s, NULL))
		tap_check(drain(fd) == 1, "%s_outside_datagram_arrives", a->name);
	inside_refused(a->name, &s, EPERM, NULL, &r);
	tap_check(drain(fd) == 0, "%s_inside_no_datagram_arrives", a->name);
	check_record(a->name, &s, &(struct want)CONNECT_EPERM(a->rec[0].ip, num(port), "udp"));
}

/*
 * MPTCP: Landlock's TCP rules do not see it. seccomp refuses the socket (EPERM); were it
 * created, the cgroup connect program (TCP and UDP only) would have to refuse the connect and
 * report it.
 */
static void mptcp(const struct attack_row *a)
{
	struct spawn s = SPAWN("mptcp", "127.0.0.1", (char *)expand("{any4}"));
	struct result r;

	outside_ok(a->name, &s, NULL);
	inside_refused(a->name, &s, EPERM, NULL, &r);
	if (!tap_check(r.err != 0 && strstr(r.out, "step=socket"), "mptcp_socket_refused"))
		check_record(a->name, &s, &(struct want)CONNECT_EPERM("127.0.0.1", "{any4}", NULL));
	else
		check_record(a->name, &s, &(struct want)SOCKET_EPERM(AF_INET, IPPROTO_MPTCP));
}

/* What the agent policy allows: connects are recorded (base: audit.record has connect), with
 * the rule that allowed them, and none is a refusal. */
#define CONNECT_ALLOWED(hook_, ip_)                                                                \
	{                                                                                          \
		.action = "connect", .layer = "cgroup_bpf", .hook = hook_, .ip = ip_,              \
		.port = "{dev}", .transport = "tcp", .rule_kind = POL_RULE_CONNECT, .refusals = -1 \
	}

/*
 * {dev}: a dev-server port the agent policy allows on 127.0.0.1 and [::1] (3000-3999), also
 * bound on 127.0.0.2, an address it does not allow; {any4}, {any6}: ephemeral ports, outside
 * every range of the policy. A port no rule names: Landlock's TCP port rules refuse it
 * (EACCES) before the cgroup program runs, the record comes from the exit of connect. An
 * allowed port on an address no rule names: Landlock lets it through (ports only), the cgroup
 * connect program refuses it and reports it. UDP: no rule allows these ports (only DNS is
 * allowed over UDP). ICMP echo from an unprivileged ping socket: egress no port rule sees.
 */
/*
 * A bind: to a port no bind rule names, Landlock refuses it (EACCES, seen at the exit of
 * bind); to an allowed port on an address no rule names, the cgroup bind program (EPERM).
 */
#define BIND_DEFAULT "network.bind: no entry allows it (default deny)"

static const struct attack_row net_rows[] = {
	{ "tcp_bind_port_not_allowed",
	  { "tcp_bind", "127.0.0.2", "{any4}" },
	  .expect = EACCES,
	  .rec = { LANDLOCK("bind", "EACCES", .ip = "127.0.0.2", .port = "{any4}",
			    .transport = "tcp", .rule_text = BIND_DEFAULT) } },
	{ "tcp_bind_address_not_allowed",
	  { "tcp_bind", "127.0.0.2", "{dev2}" },
	  .expect = EPERM,
	  .rec = { { .action = "bind",
		     .layer = "cgroup_bpf",
		     .hook = "bind4",
		     .error = "EPERM",
		     .ip = "127.0.0.2",
		     .port = "{dev2}",
		     .transport = "tcp",
		     .rule_text = BIND_DEFAULT } } },
	{ "tcp_allowed_127.0.0.1_devport",
	  { "tcp", "127.0.0.1", "{dev}" },
	  .rec = { CONNECT_ALLOWED("connect4", "127.0.0.1") } },
	{ "tcp6_allowed_::1_devport",
	  { "tcp", "::1", "{dev}" },
	  .flags = NO_OUTSIDE,
	  .rec = { CONNECT_ALLOWED("connect6", "::1") } },
	{ "tcp_port_not_allowed",
	  { "tcp", "127.0.0.1", "{any4}" },
	  .expect = EACCES,
	  .rec = { LANDLOCK("connect", "EACCES", .ip = "127.0.0.1", .port = "{any4}",
			    .transport = "tcp") } },
	{ "tcp6_port_not_allowed",
	  { "tcp", "::1", "{any6}" },
	  .expect = EACCES,
	  .rec = { LANDLOCK("connect", "EACCES", .ip = "::1", .port = "{any6}",
			    .transport = "tcp") } },
	{ "tcp_address_not_allowed",
	  { "tcp", "127.0.0.2", "{dev}" },
	  .expect = EPERM,
	  .rec = { CONNECT_EPERM("127.0.0.2", "{dev}", "tcp") } },
	{ "tcp_v4mapped_address_not_allowed",
	  { "tcp", "::ffff:127.0.0.2", "{dev}" },
	  .expect = EPERM,
	  .rec = { CONNECT_EPERM("127.0.0.2", "{dev}", "tcp") } },
	{ "udp4_connect",
	  { "udp_connect", "127.0.0.1" },
	  .rec = { { .ip = "127.0.0.1" } },
	  .custom = udp },
	{ "udp4_sendto",
	  { "udp_sendto", "127.0.0.1" },
	  .rec = { { .ip = "127.0.0.1" } },
	  .custom = udp },
	{ "udp6_connect", { "udp_connect", "::1" }, .rec = { { .ip = "::1" } }, .custom = udp },
	{ "udp6_sendto", { "udp_sendto", "::1" }, .rec = { { .ip = "::1" } }, .custom = udp },
	/* The addresses as the kernel takes them (issue 17): AF_UNSPEC, a 24-byte sockaddr_in6. */
	{ "udp4_sendto_unspec_family",
	  { "udp_sendto_unspec", "127.0.0.1" },
	  .rec = { { .ip = "127.0.0.1" } },
	  .custom = udp },
	{ "udp6_sendto_24_byte_sockaddr",
	  { "udp_sendto_short", "::1" },
	  .rec = { { .ip = "::1" } },
	  .custom = udp },
	{ "udp_v4mapped_sendto",
	  { "udp_sendto", "::ffff:127.0.0.1" },
	  .rec = { { .ip = "127.0.0.1" } },
	  .custom = udp },
	{ "mptcp_connect_not_allowed", .custom = mptcp },
	{ "icmp_socket_echo",
	  { "icmp", "127.0.0.1" },
	  .expect = EPERM,
	  .rec = { SOCKET_EPERM(AF_INET, IPPROTO_ICMP) } },
	{ "icmp6_socket_echo",
	  { "icmp", "::1" },
	  .expect = EPERM,
	  .rec = { SOCKET_EPERM(AF_INET6, IPPROTO_ICMPV6) } },
};

/* --- process, kernel and cgroup attacks --------------------------------------------------- */

static pid_t sleeper_pid; /* a process of the same user outside the session: {sleeper} */

static bool alive(pid_t p)
{
	int status;

	return waitpid(p, &status, WNOHANG) == 0;
}

static void sleeper_alive(const struct attack_row *a)
{
	tap_check(alive(sleeper_pid), "%s", a->name);
}

/* Signals to a process outside the session: Landlock signal scoping (EPERM). Inside first:
 * the outside run kills the sleeper. */
static void kill_outside(const struct attack_row *a)
{
	struct spawn s = SPAWN("kill", (char *)expand("{sleeper}"), num(SIGTERM));
	struct result r;
	int status;

	/* Not in the session's pid namespace: ESRCH, and nothing for a hook to refuse. */
	inside_refused(a->name, &s, ESRCH, NULL, &r);
	tap_check(alive(sleeper_pid), "%s_sleeper_survives", a->name);
	outside_ok(a->name, &s, NULL);
	tap_check(waitpid(sleeper_pid, &status, 0) == sleeper_pid && WIFSIGNALED(status) &&
			  WTERMSIG(status) == SIGTERM,
		  "%s_outside_kills_it", a->name);
}

/* The same as unshare_user through the i386 table (int $0x80): a native-only filter kills the
 * caller (SIGSYS, cordon exits 128+31) rather than letting it past; EPERM would do as well. */
static void compat_unshare(const struct attack_row *a)
{
	struct spawn s = SPAWN("compat_unshare_user");
	struct result r;

	/*
	 * A kernel without 32-bit system calls (IA-32 emulation off, as on this build machine's
	 * kernel since 2026-12) faults the int $0x80 itself: the way in does not exist there, and
	 * nothing is left for cordon to refuse. Any other outside failure is a failure.
	 */
	run(&s, &r);
	if (WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSEGV) {
		const char *why = "int $0x80 faults outside cordon: no 32-bit system calls here";

		tap_skip(why, "%s_outside_succeeds", a->name);
		tap_skip(why, "%s_refused", a->name);
		tap_skip(why, "%s_audit_record", a->name);
		return;
	}
	outside_ok(a->name, &s, NULL);
	s.inside = true;
	run(&s, &r);
	if (!tap_check(r.err == EPERM || (r.err < 0 && WIFEXITED(r.status) &&
					  WEXITSTATUS(r.status) == 128 + SIGSYS),
		       "%s_refused", a->name))
		show("inside", &r);
	/* Killed: seen as seccomp's SIGSYS, with the i386 syscall number and architecture. The
	 * syscall-exit tracepoints never see compat syscalls, so an EPERM would go unrecorded. */
	if (r.err < 0)
		check_record(a->name, &s, &a->rec[0]);
	else
		tap_skip("refused with EPERM through the i386 table: no syscall-exit record",
			 "%s_audit_record", a->name);
}

/* BPF_MAP_CREATE: with kernel.unprivileged_bpf_disabled the kernel refuses it outside too, so
 * an invalid map type shows the difference: outside the kernel's argument check answers
 * (EINVAL), inside seccomp answers first (EPERM). */
static void bpf_map_create(const struct attack_row *a)
{
	struct spawn s = SPAWN("bpf_map_create");
	struct result r;

	if (a->argv[1])
		s.argv[1] = (char *)a->argv[1];
	run(&s, &r);
	if (a->argv[1]) {
		if (!tap_check(r.err == EINVAL, "%s_outside_reaches_kernel_EINVAL", a->name))
			show("outside", &r);
	} else if (r.err == 0) {
		tap_check(true, "%s_outside_succeeds", a->name);
	} else {
		tap_skip("kernel.unprivileged_bpf_disabled refuses it to unprivileged users here; "
			 "see bpf_invalid_map_type",
			 "%s_outside_succeeds", a->name);
	}
	inside_refused(a->name, &s, EPERM, NULL, &r);
	check_record(a->name, &s, &a->rec[0]);
}

/* Root can set vm.memfd_noexec in the session's pid namespace where the kernel has it (6.3). */
static bool kernel_has_memfd_noexec(void)
{
	return geteuid() == 0 && access("/proc/sys/vm/memfd_noexec", W_OK) == 0;
}

/*
 * memfd_create + fexecve: Landlock applies no path rule to a memfd. BPF LSM refuses exec of a
 * file with no name; else vm.memfd_noexec in the session's pid namespace makes every memfd
 * sealed non-executable, so the exec fails (EACCES, recorded by execveat's exit). Without
 * either it is a declared gap (plan.c), never a pass.
 */
static void memfd_exec(const struct attack_row *a)
{
	/* fexecve: an empty path and AT_EMPTY_PATH (0x1000) in the flags. */
	const struct want rec = { .action = "syscall-execveat",
				  .layer = "landlock",
				  .hook = "sys_exit_execveat",
				  .error = "EACCES",
				  .path = "",
				  .has_arg = true,
				  .arg = 0x1000,
				  .inferred = true };
	struct spawn s = SPAWN("memfd_exec", "/proc/self/exe");
	struct result r;

	outside_ok(a->name, &s, "running-from-memfd");
	s.inside = true;
	run(&s, &r);
	if (r.err != 0 || !strstr(r.out, "running-from-memfd")) {
		tap_check(r.err == EACCES, "%s_refused_EACCES", a->name);
		if (!audit_bpf_lsm(&s))
			check_record(a->name, &s, &rec);
	} else if (audit_bpf_lsm(&s) || kernel_has_memfd_noexec()) {
		tap_check(false, "%s_refused_EACCES", a->name);
	} else {
		tap_skip("known gap (listed at start): exec from a memfd needs BPF LSM or "
			 "vm.memfd_noexec, which this kernel lacks",
			 "%s_refused", a->name);
	}
}

/* memfd_create(MFD_EXEC): the one way to an executable memfd under vm.memfd_noexec; seccomp. */
static void memfd_mfd_exec(const struct attack_row *a)
{
	const struct want rec = SECCOMP_ARG("memfd_create", 0x10);
	struct spawn s = SPAWN("memfd_mfd_exec");
	struct result r;

	run(&s, &r);
	if (r.err == EINVAL) {
		tap_skip("this kernel has no MFD_EXEC (before 6.3): memfds are executable anyway",
			 "%s_outside_succeeds", a->name);
		return;
	}
	tap_check(r.err == 0, "%s_outside_succeeds", a->name);
	inside_refused(a->name, &s, EPERM, NULL, &r);
	check_record(a->name, &s, &rec);
}

/*
 * ptrace the parent: outside, a process of the same user; inside, cordon itself (root, outside
 * the session): Landlock's scoping and the kernel's credential checks both refuse; the record
 * carries the target pid, cordon's. /proc/PID/environ needs ptrace read access: Landlock
 * scopes it to the session. TIOCSTI on a pty the attack opened as its own controlling
 * terminal: outside, a byte is pushed into the terminal's input; inside, seccomp refuses the
 * ioctl whatever the terminal (cordon's setsid also leaves the agent without the user's
 * terminal). seccomp (EPERM): unshare -U, mount (after trying unshare -rm: two refusals),
 * io_uring, bpf.
 */
static const struct attack_row process_rows[] = {
	/*
	 * The agent's parent is the session's init (pid 1 of its pid namespace), which is not
	 * dumpable: the kernel refuses (the record's layer is inferred, as for every ptrace EPERM).
	 */
	{ "ptrace_parent",
	  { "ptrace" },
	  { "as_parent", "ptrace" },
	  .expect = EPERM,
	  .rec = { LANDLOCK("ptrace", "EPERM", .has_arg = true, .arg = 1) } },
	/* Outside processes do not exist in the session's pid namespace: no pid reaches them. */
	{ "ptrace_process_outside_session", { "ptrace", "{sleeper}" }, .expect = ESRCH },
	{ "sleeper_still_running_after_ptrace", .custom = sleeper_alive },
	{ "read_parent_environ",
	  { "environ" },
	  { "as_parent", "environ" },
	  .expect = EACCES,
	  .outside_prints = "content=",
	  .rec = { READ_EACCES("/proc/*/environ") } },
	/* The session's /proc is its pid namespace's: outside processes have no entry there. */
	{ "read_environ_outside_session",
	  { "environ", "{sleeper}" },
	  .expect = ENOENT,
	  .outside_prints = "content=" },
	{ "kill_process_outside_session", .custom = kill_outside },
	{ "tiocsti_on_terminal",
	  { "tiocsti" },
	  .expect = EPERM,
	  .rec = { SECCOMP_ARG("ioctl", TIOCSTI) } },
	{ "unshare_user_namespace",
	  { "unshare_user" },
	  .expect = EPERM,
	  .rec = { SECCOMP_ARG("unshare", CLONE_NEWUSER) } },
	{ "unshare_user_via_int80",
	  .rec = { { .action = "seccomp-kill",
		     .layer = "seccomp",
		     .hook = "signal_generate",
		     .error = "SIGSYS",
		     .has_arg = true,
		     .arg = 0x40000003 /* AUDIT_ARCH_I386 */ } },
	  .custom = compat_unshare },
	{ "mount_tmpfs",
	  { "mount", "{project}/mnt" },
	  .expect = EPERM,
	  .rec = { { .action = "syscall-unshare",
		     .layer = "seccomp",
		     .hook = "sys_exit_unshare",
		     .error = "EPERM",
		     .has_arg = true,
		     .arg = CLONE_NEWUSER | CLONE_NEWNS,
		     .inferred = true,
		     .refusals = 2 },
		   { .action = "syscall-mount",
		     .layer = "seccomp",
		     .hook = "sys_exit_mount",
		     .error = "EPERM",
		     .path = "{project}/mnt",
		     .has_arg = true,
		     .arg = 0,
		     .inferred = true,
		     .refusals = 2 } } },
	{ "io_uring_setup",
	  { "io_uring_setup" },
	  .expect = EPERM,
	  .rec = { SECCOMP("io_uring_setup") } },
	{ "bpf_map_create", .rec = { SECCOMP_ARG("bpf", 0 /* BPF_MAP_CREATE */) },
	  .custom = bpf_map_create },
	{ "bpf_invalid_map_type",
	  { "bpf_map_create", "9999" },
	  .rec = { SECCOMP_ARG("bpf", 0 /* BPF_MAP_CREATE */) },
	  .custom = bpf_map_create },
	{ "memfd_create_fexecve", .custom = memfd_exec },
	{ "memfd_create_mfd_exec", .custom = memfd_mfd_exec },
};

/*
 * Outside: a cgroup delegated to the user (as systemd does for user sessions), where moving
 * between its own cgroups works. Inside: the session's cgroup, its parent, and that delegated
 * cgroup are all out of reach (Landlock: cgroupfs is not in the policy; EACCES). The delegated
 * cgroup's files are the user's own, so file permissions let the open reach the read-only view
 * (everything outside the write trees), which refuses it first (EROFS).
 */
static const struct attack_row cgroup_rows[] = {
	{ "cgroup_move_to_parent",
	  { "cgroup_move", "parent" },
	  .expect = EACCES,
	  .outside_cgroup = "{leaf}/cgroup.procs",
	  .rec = { CGROUP_EACCES("{cgroup2}/cordon/cgroup.procs") } },
	{ "cgroup_write_own_procs",
	  { "cgroup_move", "self" },
	  .expect = EACCES,
	  .outside_cgroup = "{leaf}/cgroup.procs",
	  .rec = { CGROUP_EACCES("{cgroup2}/cordon/*/cgroup.procs") } },
	{ "cgroup_move_to_user_owned_cgroup",
	  { "cgroup_move", "{deleg}" },
	  .expect = EROFS,
	  .flags = NO_OUTSIDE,
	  .rec = { CGROUP_EROFS("{deleg}/cgroup.procs") } },
};

/* --- scoping and the environment ---------------------------------------------------------- */

/* A secret's variables are dropped, ordinary ones kept. */
static void secret_env(const struct attack_row *a)
{
	struct spawn s = SPAWN("env", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "ANTHROPIC_API_KEY",
			       "CORDON_HARMLESS", "PATH");
	struct result r;

	s.env[0] = "AWS_SECRET_ACCESS_KEY=x";
	s.env[1] = "GITHUB_TOKEN=y";
	s.env[2] = "ANTHROPIC_API_KEY=z";
	s.env[3] = "CORDON_HARMLESS=1";
	outside_ok(a->name, &s, "AWS_SECRET_ACCESS_KEY=set GITHUB_TOKEN=set");
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

/*
 * Landlock scoping (ABI 6): abstract sockets outside the domain are refused (EPERM); the record
 * names the abstract socket as ss(8) shows it, '@' first. A secret opened without O_CLOEXEC
 * before cordon runs: the agent must not have it.
 */
static const struct attack_row scope_rows[] = {
	{ "connect_abstract_unix_outside",
	  { "abstract_unix", "{abstract}" },
	  .expect = EPERM,
	  .rec = { LANDLOCK("connect", "EPERM", .path = "@{abstract}") } },
};

static const struct attack_row env_rows[] = {
	{ "inherited_fd_to_secret",
	  { "fd", "{inherit_fd}" },
	  .expect = EBADF,
	  .secret = "{canary_ssh}",
	  .inherit = "{key}" },
	{ "secret_env", .custom = secret_env },
};

/* Legitimate work inside the session: edit and run scripts, git, make. */
static const struct {
	const char *name, *script, *must_print;
	bool git;
} legit_rows[] = {
	{ "edit_and_run_shell_script",
	  "sed -i s/before/after-edit/ script.sh && ./script.sh && "
	  "printf '#!/bin/sh\\necho new-script-$1\\n' > new.sh && chmod +x new.sh && ./new.sh 42",
	  "new-script-42", false },
	{ "python_script",
	  "printf 'import sys\\nprint(\"python-ok\", sys.version_info[0])\\n' > hello.py && "
	  "python3 hello.py",
	  "python-ok 3", false },
	{ "git_status_and_commit",
	  "git status --short && git add -A && "
	  "git -c user.name=agent -c user.email=agent@example.invalid commit -qm work && "
	  "git log --oneline | grep -c work",
	  "1", true },
	{ "git_init", "git init -q sub && git -C sub status >/dev/null && echo init-ok", "init-ok",
	  true },
	{ "make", "make && ./hello", "c-build-ok", false },
};

/* --- set-up ------------------------------------------------------------------------------- */

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

/* The throwaway user (created, or reused if a previous run left it) and its canaries. */
static bool setup_user(void)
{
	struct passwd *pw = getpwnam(USER_NAME);
	char *useradd[] = { "/usr/sbin/useradd", "-m", "-U", "-s", "/bin/sh", USER_NAME, NULL };

	if (!pw && test_run(useradd) != 0)
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
	set_var("home", "%s", home);
	set_var("project", "%s", project);
	set_var("key", "%s/.ssh/id_rsa", home);
	set_var("aws", "%s/.aws/credentials", home);
	set_var("canary_ssh", "%s", canary_ssh);
	set_var("canary_aws", "%s", canary_aws);
	set_var("canary_env", "%s", canary_env);
	set_var("inherit_fd", "%d", INHERIT_FD);
	/* Where the records' rules are written: policies/base.yaml (the tests run from the
	 * repository root, as the schema's path needs). */
	set_var("ssh_src", "builtin:base:%d", base_line("${HOME}/.ssh"));
	set_var("aws_src", "builtin:base:%d", base_line("${HOME}/.aws"));
	set_var("env_src", "builtin:base:%d", base_line("\"*.env\""));
	set_var("bashrc_src", "builtin:base:%d", base_line("${HOME}/.bashrc"));
	set_var("hooks_src", "builtin:base:%d", base_line("${PROJECT}/.git/hooks"));

	/* A previous run's project would carry its own links and files: start clean. */
	char *rm[] = { "/bin/rm", "-rf", project, pathf("%s/.config", home), NULL };
	if (test_run(rm) != 0)
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

/*
 * The attack binary must be executable by the user under the agent policy and visible inside the
 * session: /opt is (read and exec in base), /tmp is not (the session has a /tmp of its own).
 */
static bool setup_dirs(void)
{
	char t1[] = "/opt/cordon-escape.XXXXXX", t2[] = "/tmp/cordon-escape-log.XXXXXX";
	const char *o = getenv("O") ?: "build";

	if (!mkdtemp(t1) || !mkdtemp(t2) || chmod(t1, 0755) < 0)
		return false;
	snprintf(bindir, sizeof(bindir), "%s", t1);
	snprintf(logdir, sizeof(logdir), "%s", t2); /* 0700: the agent cannot read the logs */
	snprintf(attack_bin, sizeof(attack_bin), "%s/attack", bindir);
	return test_copy_file(pathf("%s/tests/escape/attack", o), attack_bin) == 0;
}

/* --- the sections: set-up of what their rows name, then the table ------------------------- */

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
	uint16_t dev = 0, any4 = 0, any6 = 0;
	int fds[8], n = 0;
	char ping_old[64] = "";

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
	net.t4 = listener(SOCK_STREAM, "127.0.0.1", &any4);
	net.t6 = listener(SOCK_STREAM, "::1", &any6);
	net.u4 = listener(SOCK_DGRAM, "127.0.0.1", &net.port_u4);
	net.u6 = listener(SOCK_DGRAM, "::1", &net.port_u6);
	if (!tap_check(dev && net.t4 >= 0 && net.t6 >= 0 && net.u4 >= 0 && net.u6 >= 0,
		       "loopback_listeners"))
		return;
	tap_diag("listeners: tcp dev port %u (127.0.0.1, 127.0.0.2, ::1), tcp %u/%u, udp %u/%u",
		 dev, any4, any6, net.port_u4, net.port_u6);
	set_var("dev", "%u", dev);
	/* A dev-range port free on 127.0.0.2, for a bind there (the address no rule allows). */
	for (uint16_t p = (uint16_t)(dev + 1); p < 4000; p++) {
		uint16_t q = p;
		int f = listener(SOCK_STREAM, "127.0.0.2", &q);

		if (f >= 0) {
			close(f);
			set_var("dev2", "%u", p);
			break;
		}
	}
	set_var("any4", "%u", any4);
	set_var("any6", "%u", any6);

	/* The kernel only allows unprivileged ping sockets to the groups in ping_group_range (here:
	 * none by default): widen it to the test user's group for the duration, as desktop
	 * distributions ship it. */
	int pfd = open("/proc/sys/net/ipv4/ping_group_range", O_RDONLY | O_CLOEXEC);
	if (pfd >= 0) {
		ssize_t k = read(pfd, ping_old, sizeof(ping_old) - 1);

		ping_old[k > 0 ? k : 0] = '\0';
		close(pfd);
	}
	set_ping_range(pathf("%u %u", (unsigned)gid, (unsigned)gid));
	RUN_TABLE(net_rows);
	if (ping_old[0])
		set_ping_range(ping_old);

	for (int i = 0; i < n; i++)
		close(fds[i]);
	close(net.t4);
	close(net.t6);
	close(net.u4);
	close(net.u6);
}

/* A process of the same user outside the session, running `attack sleep`; its stdout in *out. */
static pid_t sleeper(int *out)
{
	struct spawn s = SPAWN("sleep");
	char h[PATH_MAX + 8], *argv[] = { attack_bin, "sleep", NULL };
	char *envp[] = { PATH_DEFAULT,
			 "LANG=C.UTF-8",
			 h,
			 "USER=" USER_NAME,
			 "CORDON_SLEEPER_MARK=outside-process-env",
			 NULL };
	int pfd[2];
	char buf[64];
	pid_t p;

	snprintf(h, sizeof(h), "HOME=%s", home);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		if (child_setup(&s))
			_exit(126);
		execve(attack_bin, argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	/* Wait until it runs the attack binary (not our copy of ourselves). */
	if (p < 0 || read(pfd[0], buf, sizeof(buf)) <= 0) {
		close(pfd[0]);
		return -1;
	}
	*out = pfd[0];
	return p;
}

static void process_attacks(void)
{
	int sl_out = -1;

	sleeper_pid = sleeper(&sl_out);
	if (!tap_check(sleeper_pid > 0, "sleeper_outside_session_started"))
		return;
	set_var("sleeper", "%d", (int)sleeper_pid);
	RUN_TABLE(process_rows);
	close(sl_out);
}

static void cgroup_attacks(void)
{
	char mnt[PATH_MAX], deleg[PATH_MAX + 64], leaf[PATH_MAX + 128];

	if (cordon_cgroup2_mount(mnt, sizeof(mnt)) < 0) {
		tap_skip("no cgroup2 mount", "cgroup_attacks");
		return;
	}
	snprintf(deleg, sizeof(deleg), "%s/cordon-escape-test.%d", mnt, (int)getpid());
	snprintf(leaf, sizeof(leaf), "%s/leaf", deleg);
	if (tap_check(mkdir(deleg, 0755) == 0 && mkdir(leaf, 0755) == 0 &&
			      chown(deleg, uid, gid) == 0 && chown(leaf, uid, gid) == 0 &&
			      chown(pathf("%s/cgroup.procs", deleg), uid, gid) == 0 &&
			      chown(pathf("%s/cgroup.procs", leaf), uid, gid) == 0,
		      "delegated_cgroup_created")) {
		set_var("cgroup2", "%s", mnt);
		set_var("deleg", "%s", deleg);
		set_var("leaf", "%s", leaf);
		RUN_TABLE(cgroup_rows);
	}
	rmdir(leaf);
	rmdir(deleg);
}

static void scope_attacks(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char *name = pathf("cordon-escape.%d", (int)getpid());
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(un.sun_path + 1, name, strlen(name));
	if (!tap_check(fd >= 0 &&
			       bind(fd, (struct sockaddr *)&un,
				    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
						strlen(name))) == 0 &&
			       listen(fd, 8) == 0,
		       "abstract_unix_listener"))
		return;
	set_var("abstract", "%s", name);
	RUN_TABLE(scope_rows);
	close(fd);
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

static void legit_work(void)
{
	bool git = access("/usr/bin/git", X_OK) == 0, git_skipped = false;

	for (size_t i = 0; i < sizeof(legit_rows) / sizeof(legit_rows[0]); i++) {
		struct spawn s = {
			.raw = true, .argv = { "/bin/sh", "-c", (char *)legit_rows[i].script, NULL }
		};
		struct result r;

		if (legit_rows[i].git && !git) {
			if (!git_skipped)
				tap_skip("git is not installed", "legit_git_works_inside");
			git_skipped = true;
			continue;
		}
		s.inside = true;
		run(&s, &r);
		if (!tap_check(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 &&
				       strstr(r.out, legit_rows[i].must_print),
			       "legit_%s_works_inside", legit_rows[i].name))
			show("inside", &r);
	}
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
	if (!tap_check(setup_dirs(), "attack_binary_installed_in_opt") ||
	    !tap_check(setup_user() && setup_project(), "user_home_and_project_created"))
		return tap_status();
	tap_diag("user %s (uid %u), project %s, attack %s", USER_NAME, (unsigned)uid, project,
		 attack_bin);

	RUN_TABLE(file_rows);
	network_attacks();
	process_attacks();
	cgroup_attacks();
	scope_attacks();
	RUN_TABLE(env_rows);
	status_checks();
	legit_work();

	clock_gettime(CLOCK_MONOTONIC, &t1);
	tap_diag("%d cordon runs in %.1f s", nruns,
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (!getenv("CORDON_TEST_KEEP")) {
		char *rm[] = { "/bin/rm", "-rf", bindir, logdir, NULL };

		test_run(rm);
		tap_check(test_run(userdel) == 0, "test_user_removed");
	}
	return tap_status();
}
