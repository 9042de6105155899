// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit records of BPF LSM refusals on 6.1 and 6.12 (issue 6). Each attack is this program
 * run again as `test_audit_lsm attack NAME [ARG]`: outside cordon, where it must succeed, then
 * under `cordon run --audit-log`, where it must be refused with its errno and leave exactly its
 * record. Under `cordon run`, seccomp and Landlock stand before BPF LSM for ptrace, bpf() and
 * mount: those records are checked as what they are, and the same actions are then run in a
 * session that has BPF LSM alone (no Landlock, no seccomp), whose ring-buffer records go through
 * the same audit-record code. Every line must validate against docs/audit-schema.json: the VM
 * has no Python, so each record is printed as "# audit-record: JSON" and tests/vm/run.sh
 * validates them on the host with python3-jsonschema (tests/lib/validate-audit.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "attack.h"
#include "audit/audit.h"
#include "audit_valid.h"
#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "policy/policy.h"
#include "probe/probe.h"
#include "compile/compile.h"
#include "spawn.h"
#include "tap.h"
#include "testutil.h"

/* Outside the project, not in /tmp: the session has a /tmp of its own. */
#define HOME   "/srv/ahome"
#define PROJ   "/tmp/aproj"
#define OTHER  "/srv/aother" /* outside the project: a hard link to the key, made before */
#define DENIED "/srv/adeny/tool"
#define SOCK   "/srv/adocker.sock"
#define SECRET HOME "/.ssh/id_rsa"
#define POLICY "/tmp/audit-lsm.yaml"
#define LOG    "/tmp/audit-lsm.jsonl"
#define MNT    "/srv/amnt"
#define PLAIN  HOME "/plain.txt" /* no rule: outside the write trees, the view is read-only */
#define HOOK   PROJ "/.git/hooks/pre-commit"

static const char policy_yaml[] = "name: audit-lsm\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/]\n"
				  "  protect: [" PROJ "/.git/hooks]\n"
				  "secrets:\n"
				  "  files: [" HOME "/.ssh]\n"
				  "  patterns: [.env]\n"
				  "network:\n"
				  "  unix:\n"
				  "    deny: [" SOCK "]\n"
				  "process:\n"
				  "  exec_deny: [" DENIED "]\n";

static char self[4096];
static pid_t outsider; /* a process outside every session, to ptrace and signal */

/* --- the attacks (this program as `attack NAME ARG`): 0 or the errno -------------------- */

static int a_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0755);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* busybox picks the applet from argv[0]: `true`. Exec replaces us, so success exits 0. */
static int a_exec(const char *path)
{
	char *argv[] = { "true", NULL };

	execv(path, argv);
	return errno;
}

static int a_memfd(void)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	const char *step;

	return attack_memfd_exec("/bin/busybox", argv, envp, &step);
}

static int a_unix(const char *path)
{
	return attack_unix_connect(path, false);
}

static int a_ptrace(pid_t pid)
{
	return attack_ptrace(pid);
}

static int a_kill(pid_t pid)
{
	/* SIGCONT: harmless to the outsider, still a signal that needs permission. */
	return attack_kill(pid, SIGCONT);
}

static int a_bpf(void)
{
	return attack_bpf_map_create(BPF_MAP_TYPE_ARRAY);
}

static int a_mount(void)
{
	if (mount("none", MNT, "tmpfs", 0, NULL) < 0)
		return errno;
	umount(MNT);
	return 0;
}

/* unlinkat(2) itself (libc's unlink() may use the older call): 0 or the errno. */
static int a_unlinkat(const char *path)
{
	return syscall(SYS_unlinkat, AT_FDCWD, path, 0) < 0 ? errno : 0;
}

/* The same relative to a descriptor of the directory: the record must name the whole path. */
static int a_unlinkat_dirfd(const char *path)
{
	char dir[4096];
	char *slash;
	int dfd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return EINVAL;
	*slash = '\0';
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno;
	r = syscall(SYS_unlinkat, dfd, slash + 1, 0) < 0 ? errno : 0;
	/* Alive, the descriptor open, while cordon reads it from /proc (a task gone by then
	 * leaves the name relative: docs/audit-schema.md). */
	usleep(500 * 1000);
	close(dfd);
	return r;
}

static int attack(const char *name, const char *arg)
{
	if (!strcmp(name, "read"))
		return attack_open_read(arg);
	if (!strcmp(name, "write"))
		return a_write(arg);
	if (!strcmp(name, "exec"))
		return a_exec(arg);
	if (!strcmp(name, "memfd"))
		return a_memfd();
	if (!strcmp(name, "unix"))
		return a_unix(arg);
	if (!strcmp(name, "ptrace"))
		return a_ptrace(atoi(arg));
	if (!strcmp(name, "kill"))
		return a_kill(atoi(arg));
	if (!strcmp(name, "bpf"))
		return a_bpf();
	if (!strcmp(name, "mount"))
		return a_mount();
	if (!strcmp(name, "unlinkat"))
		return a_unlinkat(arg);
	if (!strcmp(name, "unlinkat-dirfd"))
		return a_unlinkat_dirfd(arg);
	return EINVAL;
}

/* --- running them ------------------------------------------------------------------------- */

static int outside(const char *name, const char *arg)
{
	char *argv[] = { self, "attack", (char *)name, (char *)arg, NULL };

	return test_run(argv);
}

#define MAX_ATTACKS 16

/*
 * All the attacks in one `cordon run` (each costs seconds of BPF loading under emulation):
 * `attack-all WHAT ARG ...` runs each in a child of its own and prints its pid and result, so
 * that each record is told apart by process.pid. @pids and @results are filled per attack.
 */
static int inside_all(char **whats, char **args, int n, pid_t *pids, int *results)
{
	char *argv[16 + 2 * MAX_ATTACKS] = { "/bin/cordon", "run",  "--user",	 "root",
					     "--policy",    POLICY, "--project", PROJ,
					     "--audit-log", LOG,    "--",	 self,
					     "attack-all" };
	char out[8192], *line, *save = NULL;
	int a = 13, pfd[2], status;
	size_t len = 0;
	ssize_t k;
	pid_t p;

	for (int i = 0; i < n; i++) {
		argv[a++] = whats[i];
		argv[a++] = args[i] ? args[i] : "-";
		results[i] = -1;
	}
	argv[a] = NULL;
	unlink(LOG);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	p = fork();
	if (p == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(out) - 1 && (k = read(pfd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)k;
	out[len] = '\0';
	close(pfd[0]);
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return -1;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int i, pid, r;

		if (sscanf(line, "attack %d pid=%d result=%d", &i, &pid, &r) == 3 && i >= 0 &&
		    i < n) {
			pids[i] = pid;
			results[i] = r;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- records ------------------------------------------------------------------------------ */

/* What one refusal's record must hold. NULL strings: the field must be absent. */
struct want {
	const char *action, *layer, *hook, *error;
	const char *path;   /* file.path, a shell pattern when it holds '*' */
	ino_t inode;	    /* file.inode, 0: not checked */
	int rule_kind;	    /* cordon.rule >> 16 (POL_RULE_*), 0: the rule is 0 */
	bool secret;	    /* cordon.secret */
	bool inferred;	    /* cordon.layer_inferred */
	const char *access; /* "r", "w", "x": that cordon.access bit must be true */
	long long target;   /* cordon.target.pid, or (syscall records) cordon.arg; -1: absent */
	long long detail;   /* cordon.detail, or cordon.args[0] of operation records; -1: absent */
};

/* Part 1 runs under `cordon run`, whose records name their rules; part 2 formats its own. */
static bool names_rules;

/* The list a rule kind's entries are named after (cordon.rule_text "LIST[i]: ENTRY"). */
static const char *const kind_list[] = {
	[POL_RULE_CONNECT] = "network.connect[",
	[POL_RULE_BIND] = "network.bind[",
	[POL_RULE_SECRET] = "secrets.files[",
	[POL_RULE_PROTECT] = "filesystem.protect[",
	[POL_RULE_EXEC] = "process.exec_deny[",
	[POL_RULE_UNIX] = "network.unix.deny[",
	[POL_RULE_PATTERN] = "secrets.patterns[",
	[POL_RULE_UNIX_ALLOW] = "network.unix.allow[",
	[POL_RULE_UNIX_VIEW] = "",
};

static json_t *jget(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static const char *jstr(json_t *o, const char *a, const char *b)
{
	return json_string_value(jget(o, a, b));
}

static bool str_is(const char *got, const char *want)
{
	if (!want || !got)
		return !want && !got;
	return strchr(want, '*') ? fnmatch(want, got, 0) == 0 : !strcmp(got, want);
}

static bool matches(json_t *o, const struct want *w, const char **why)
{
	json_t *c = json_object_get(o, "cordon");
	json_int_t rule = json_integer_value(json_object_get(c, "rule"));
	bool task = !strncmp(w->action, "process-", 8);
	bool op = !strcmp(w->action, "bpf") || !strcmp(w->action, "sb_mount");

	MUST(!strcmp(jstr(o, "event", "action") ?: "", w->action), "event.action");
	MUST(!strcmp(jstr(o, "event", "outcome") ?: "", "failure"), "event.outcome");
	MUST(!strcmp(json_string_value(json_array_get(jget(o, "event", "type"), 0)) ?: "",
		     "denied"),
	     "event.type");
	MUST(str_is(jstr(o, "cordon", "layer"), w->layer), "cordon.layer");
	MUST(str_is(jstr(o, "cordon", "hook"), w->hook), "cordon.hook");
	MUST(str_is(jstr(o, "error", "code"), w->error), "error.code");
	MUST(json_is_integer(json_object_get(c, "rule")) &&
		     (w->rule_kind ? rule >> 16 == w->rule_kind : rule == 0),
	     "cordon.rule");
	/* Under `cordon run` (part 1) an entry is named with the line of the policy file. */
	MUST(!names_rules || !w->rule_kind ||
		     (!strncmp(jstr(o, "cordon", "rule_text") ?: "", kind_list[w->rule_kind],
			       strlen(kind_list[w->rule_kind])) &&
		      !strncmp(jstr(o, "cordon", "rule_source") ?: "", POLICY ":",
			       strlen(POLICY ":"))),
	     "cordon.rule_text");
	/* Every refusal names what decided it, an entry or a default. */
	MUST(!names_rules || jstr(o, "cordon", "rule_text"), "cordon.rule_text");
	MUST(json_is_true(json_object_get(c, "secret")) == w->secret, "cordon.secret");
	MUST(json_is_true(json_object_get(c, "layer_inferred")) == w->inferred,
	     "cordon.layer_inferred");
	MUST(str_is(jstr(o, "file", "path"), w->path), "file.path");
	MUST(!w->inode || (json_int_t)w->inode == json_integer_value(jget(o, "file", "inode")),
	     "file.inode");
	MUST(!w->access || json_is_true(jget(c, "access",
					     !strcmp(w->access, "r")   ? "read"
					     : !strcmp(w->access, "w") ? "write"
								       : "exec")),
	     "cordon.access");
	if (task) {
		MUST(json_integer_value(jget(c, "target", "pid")) == w->target, "cordon.target");
		MUST(json_integer_value(json_object_get(c, "detail")) == w->detail,
		     "cordon.detail");
	} else if (op) {
		MUST(json_integer_value(json_array_get(json_object_get(c, "args"), 0)) == w->detail,
		     "cordon.args");
	} else if (w->target >= 0) {
		MUST(json_integer_value(json_object_get(c, "arg")) == w->target, "cordon.arg");
	}
	MUST(json_integer_value(jget(o, "process", "pid")) > 0 &&
		     !strcmp(jstr(o, "process", "name") ?: "", "test_audit_lsm"),
	     "process");
	MUST(!strcmp(jstr(o, "user", "id") ?: "", "0"), "user.id");
	return true;
}

/*
 * Hand @recs to the host's schema check (one "# audit-record:" line each), and find exactly one
 * refusal of process @pid (0: any), the one @w describes.
 */
static void check_records(const char *name, json_t *recs, const struct want *w, pid_t pid)
{
	const char *why = "no record with that action", *w2 = NULL;
	int failures = 0, found = 0;
	size_t i;
	json_t *o;

	json_array_foreach (recs, i, o) {
		char *line = json_dumps(o, JSON_COMPACT);

		tap_diag("audit-record: %s", line ?: "null");
		free(line);
		if (pid && json_integer_value(jget(o, "process", "pid")) != pid)
			continue;
		failures += !strcmp(jstr(o, "event", "outcome") ?: "", "failure");
		if (matches(o, w, &w2))
			found++;
		else if (!strcmp(jstr(o, "event", "action") ?: "", w->action))
			why = w2;
	}
	tap_check(json_array_size(recs) > 0, "%s_records_logged_for_the_schema_check", name);
	/* Without the process's pid, the one record describing this attack's object must do. */
	if (!tap_check(found == 1 && (!pid || failures == 1), "%s_record_%s_%s", name, w->action,
		       w->layer)) {
		tap_diag("%d matching, %d refusals (closest: wrong %s):", found, failures, why);
		json_array_foreach (recs, i, o) {
			char *d = json_dumps(o, JSON_COMPACT);

			if (!strstr(d ?: "", "\"process-e") &&
			    (!pid || json_integer_value(jget(o, "process", "pid")) == pid))
				tap_diag("  %s", d ?: "?");
			free(d);
		}
	}
}

static json_t *read_log(void)
{
	return test_read_jsonl(LOG);
}

/* Is there a record of @action on @path in @recs? */
static bool has_action_path(json_t *recs, const char *action, const char *path)
{
	size_t i;
	json_t *o;

	json_array_foreach (recs, i, o)
		if (!strcmp(jstr(o, "event", "action") ?: "", action) &&
		    !strcmp(jstr(o, "file", "path") ?: "", path))
			return true;
	return false;
}

/* --- set-up ------------------------------------------------------------------------------- */

static int listen_unix(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCK };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	unlink(SOCK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
		return -1;
	return fd;
}

static bool setup(void)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	mkdir("/srv", 0755);
	mkdir(HOME, 0755);
	mkdir(HOME "/.ssh", 0700);
	test_write_file(SECRET, "canary-audit-lsm\n", 0600);
	mkdir(PROJ, 0755);
	mkdir(PROJ "/.git", 0755);
	mkdir(PROJ "/.git/hooks", 0755);
	test_write_file(HOOK, "#!/bin/sh\n", 0755);
	test_write_file(PLAIN, "plain\n", 0644);
	test_write_file(PROJ "/.env", "API_SECRET=canary\n", 0600);
	mkdir(OTHER, 0755);
	unlink(OTHER "/notes.txt");
	mkdir(MNT, 0755);
	mkdir("/srv/adeny", 0755);
	test_write_file(POLICY, policy_yaml, 0644);
	return link(SECRET, OTHER "/notes.txt") == 0 && test_copy_file("/bin/busybox", DENIED) == 0;
}

/* --- part 1: under `cordon run` ----------------------------------------------------------- */

struct run_attack {
	const char *name, *what;
	char *arg;
	int expect; /* errno inside */
	struct want w;
};

static void under_cordon_run(void)
{
	struct stat key = { 0 };
	char pid[16];
	int lfd = listen_unix(), n, r, results[MAX_ATTACKS];
	char *whats[MAX_ATTACKS], *args[MAX_ATTACKS];
	pid_t pids[MAX_ATTACKS] = { 0 };
	json_t *recs;
	bool cg_unix = cordon_probe_cgroup_unix() == 0;

	stat(SECRET, &key);
	snprintf(pid, sizeof(pid), "%d", (int)outsider);
	tap_check(lfd >= 0, "unix_listener");
	const struct run_attack attacks[] = {
		{ "read_secret_by_path",
		  "read",
		  SECRET,
		  EACCES,
		  { "file-open", "bpf_lsm", "file_open", "EACCES", SECRET, key.st_ino,
		    POL_RULE_SECRET, true, false, "r", -1, -1 } },
		/* The hard link's own name: its inode got the secret's rule at session start. */
		{ "read_secret_via_hardlink_made_before",
		  "read",
		  OTHER "/notes.txt",
		  EACCES,
		  { "file-open", "bpf_lsm", "file_open", "EACCES", OTHER "/notes.txt", key.st_ino,
		    POL_RULE_SECRET, true, false, "r", -1, -1 } },
		{ "read_dotenv_by_name_pattern",
		  "read",
		  PROJ "/.env",
		  EACCES,
		  { "file-open", "bpf_lsm", "file_open", "EACCES", PROJ "/.env", 0,
		    POL_RULE_PATTERN, true, false, "r", -1, -1 } },
		/* exec opens the binary first: file_open refuses it, before bprm_check, and the
		 * record shows the read access of that open. */
		{ "exec_denied_binary",
		  "exec",
		  DENIED,
		  EACCES,
		  { "file-open", "bpf_lsm", "file_open", "EACCES", DENIED, 0, POL_RULE_EXEC, false,
		    false, "r", -1, -1 } },
		/* A file with no name: no rule, refused as such; the record has the dentry's name. */
		{ "exec_from_memfd",
		  "memfd",
		  NULL,
		  EACCES,
		  { "file-exec", "bpf_lsm", "bprm_check_security", "EACCES", "memfd:payload*", 0, 0,
		    false, false, "x", -1, -1 } },
		/*
		 * The socket's inode rule; hooks without a struct path give the final component.
		 * Where the cgroup unix programs run (6.7+) they refuse it first, by its path.
		 */
		cg_unix ? (struct run_attack){ "connect_denied_unix_socket",
					       "unix",
					       SOCK,
					       EPERM,
					       { "unix-connect", "cgroup_bpf", "connect_unix",
						 "EPERM", SOCK, 0, POL_RULE_UNIX, false, false,
						 NULL, -1, -1 } }
			: (struct run_attack){ "connect_denied_unix_socket",
					       "unix",
					       SOCK,
					       EACCES,
					       { "unix-connect", "bpf_lsm", "unix_stream_connect",
						 "EACCES", "adocker.sock", 0, POL_RULE_UNIX, false,
						 false, "w", -1, -1 } },
		{ "write_protected_git_hook",
		  "write",
		  HOOK,
		  EACCES,
		  { "file-open", "bpf_lsm", "file_open", "EACCES", HOOK, 0, POL_RULE_PROTECT, false,
		    false, "w", -1, -1 } },
		/*
		 * Deleting it: path_unlink refuses (the project is writable in the view), its record
		 * comes first, and the syscall-exit record of the same errno is an echo (dropped).
		 * path_unlink has no struct path for bpf_d_path: the record names the final
		 * component (docs/audit-schema.md, file.path).
		 */
		{ "unlinkat_protected_git_hook",
		  "unlinkat",
		  HOOK,
		  EACCES,
		  { "file-unlink", "bpf_lsm", "path_unlink", "EACCES", "pre-commit", 0,
		    POL_RULE_PROTECT, false, false, "w", -1, -1 } },
		/*
		 * Outside the write trees the view is read-only: EROFS before any LSM hook, seen at
		 * syscall exit only, its name relative to a descriptor made absolute.
		 */
		{ "unlinkat_dirfd_read_only_view",
		  "unlinkat-dirfd",
		  PLAIN,
		  EROFS,
		  { "syscall-unlinkat", "mount_ns", "sys_exit_unlinkat", "EROFS", PLAIN, 0, 0,
		    false, true, NULL, 0, -1 } },
		/*
		 * `cordon run` gives the session a pid namespace of its own: an outside process
		 * has no pid there, so nothing is left for a hook to refuse or record (part 2 has
		 * BPF LSM's own refusals, from a session without one).
		 */
		{ "kill_process_outside_session", "kill", pid, ESRCH, { NULL } },
		{ "ptrace_process_outside_session", "ptrace", pid, ESRCH, { NULL } },
		/* seccomp refuses bpf() and mount before any LSM runs (part 2 has BPF LSM's). */
		{ "bpf_map_create",
		  "bpf",
		  NULL,
		  EPERM,
		  { "syscall-bpf", "seccomp", "sys_exit_bpf", "EPERM", NULL, 0, 0, false, true,
		    NULL, BPF_MAP_CREATE, -1 } },
		{ "mount_tmpfs",
		  "mount",
		  NULL,
		  EPERM,
		  { "syscall-mount", "seccomp", "sys_exit_mount", "EPERM", MNT, 0, 0, false, true,
		    NULL, 0, -1 } },
	};

	n = (int)(sizeof(attacks) / sizeof(attacks[0]));
	for (int i = 0; i < n; i++) {
		whats[i] = (char *)attacks[i].what;
		args[i] = attacks[i].arg;
		r = outside(attacks[i].what, attacks[i].arg);
		if (!tap_check(r == 0, "%s_outside_succeeds", attacks[i].name))
			tap_diag("outside: %d (%s)", r, r > 0 ? strerror(r) : "crashed");
	}
	/* Put back what the outside deletes took away. */
	test_write_file(HOOK, "#!/bin/sh\n", 0755);
	test_write_file(PLAIN, "plain\n", 0644);
	r = inside_all(whats, args, n, pids, results);
	tap_check(r == 0, "cordon_run_of_the_attacks_exits_0 (got %d)", r);
	recs = read_log();
	for (int i = 0; i < n; i++) {
		const struct run_attack *a = &attacks[i];

		if (!tap_check(results[i] == a->expect, "%s_refused_%s", a->name,
			       strerrorname_np(a->expect)))
			tap_diag("inside: %d", results[i]);
		/*
		 * The pid an attack printed is its pid in the session's own pid namespace; records
		 * carry the host's. Each attack's record is told apart by its object instead.
		 */
		if (pids[i] <= 0)
			tap_check(false, "%s_ran_inside", a->name);
		else if (a->w.action)
			check_records(a->name, recs, &a->w, 0);
	}
	tap_check(access(HOOK, F_OK) == 0 && access(PLAIN, F_OK) == 0, "deleted_files_still_there");
	tap_check(!has_action_path(recs, "syscall-unlinkat", HOOK),
		  "unlinkat_protected_git_hook_echo_dropped");
	json_decref(recs);
	if (lfd >= 0)
		close(lfd);
}

/* --- part 2: BPF LSM alone ---------------------------------------------------------------- */

struct lsm_attack {
	const char *name, *what;
	struct want w;
};

struct lsm_run {
	const char *cgroup, *what, *arg;
};

/*
 * In a forked child: join the session, then the attack (no Landlock, no seccomp), as a program
 * executed there like the agent's: a session refuses mounts from its first exec on.
 */
static int in_session(void *p)
{
	const struct lsm_run *lr = p;

	if (cordon_cgroup_enter(lr->cgroup, 0) < 0)
		return 250;
	execl(self, "test_audit_lsm", "attack", lr->what, lr->arg, (char *)NULL);
	return 251;
}

static void bpf_lsm_alone(void)
{
	struct cordon_session_ctx s = { .procs_fd = -1 };
	struct cordon_audit_ctx ctx = { .session = "0123456789abcdef0123456789abcdef",
					.policy = "audit-lsm",
					.host = "vm" };
	char root[4200], pid[16];
	const struct lsm_attack attacks[] = {
		{ "lsm_ptrace",
		  "ptrace",
		  { "process-ptrace", "bpf_lsm", "ptrace_access_check", "EPERM", NULL, 0, 0, false,
		    false, NULL, outsider, 0x12 /* PTRACE_MODE_ATTACH_REALCREDS */ } },
		{ "lsm_kill",
		  "kill",
		  { "process-signal", "bpf_lsm", "task_kill", "EPERM", NULL, 0, 0, false, false,
		    NULL, outsider, SIGCONT } },
		{ "lsm_bpf",
		  "bpf",
		  { "bpf", "bpf_lsm", "bpf", "EPERM", NULL, 0, 0, false, false, NULL, -1,
		    BPF_MAP_CREATE } },
		{ "lsm_mount",
		  "mount",
		  { "sb_mount", "bpf_lsm", "sb_mount", "EPERM", NULL, 0, 0, false, false, NULL, -1,
		    0 } },
	};

	if (test_cgroup_root(root, sizeof(root), "audit") < 0 ||
	    test_lsm_session(&s, root, "audit-lsm.yaml", policy_yaml) < 0) {
		tap_check(false, "bpf_lsm_session");
		return;
	}
	snprintf(pid, sizeof(pid), "%d", (int)outsider);
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct lsm_attack *a = &attacks[i];
		struct lsm_run lr = { s.cgroup, a->what, pid };
		struct collected c = { 0 };
		json_t *recs = json_array();
		int r;

		collect_events(s.bpf, &c, 0); /* anything before this attack */
		memset(&c, 0, sizeof(c));
		r = run_child(in_session, &lr, NULL);
		if (!tap_check(r == EPERM, "%s_refused_EPERM", a->name))
			tap_diag("%s: %d", a->name, r);
		collect_events(s.bpf, &c, 200);
		for (int j = 0; j < c.n; j++) {
			/*
			 * The enforcement records of this session. Tracepoint records are left
			 * out: the child's exit, and the syscall-exit echo of the same refusal,
			 * which the reader drops (audit_stream.c) and collect_events() would cut.
			 */
			if (c.ev[j].hdr.session != s.id || c.ev[j].hdr.type >= CORDON_EV_EXEC ||
			    c.ev[j].hdr.size > sizeof(c.ev[j]))
				continue;
			json_array_append_new(
				recs, cordon_audit_from_event(&ctx, &c.ev[j], c.ev[j].hdr.size));
		}
		check_records(a->name, recs, &a->w, 0);
		json_decref(recs);
	}
	cordon_session_destroy(&s);
	cordon_cgroup_remove(root);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "attack")) {
		int r = attack(argv[2], argc > 3 ? argv[3] : NULL);

		printf("attack %s result=%d\n", argv[2], r);
		return r;
	}
	if (argc >= 2 && !strcmp(argv[1], "attack-all")) {
		/* Each attack in a child of its own (exec replaces it, ptrace waits on it). */
		for (int i = 0; 2 + 2 * i + 1 < argc; i++) {
			const char *arg = argv[3 + 2 * i];
			int status;
			pid_t p;

			fflush(NULL);
			p = fork();
			if (p == 0)
				_exit(attack(argv[2 + 2 * i], strcmp(arg, "-") ? arg : NULL));
			if (p < 0 || waitpid(p, &status, 0) < 0)
				return 1;
			printf("attack %d pid=%d result=%d\n", i, (int)p,
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		return 0;
	}
	if (!tap_check(setup(), "files_and_links_created"))
		return 1;
	outsider = fork();
	if (outsider == 0) {
		for (;;)
			pause();
	}
	names_rules = true;
	under_cordon_run();
	names_rules = false;
	bpf_lsm_alone();
	kill(outsider, SIGKILL);
	waitpid(outsider, NULL, 0);
	return tap_status();
}
