// SPDX-License-Identifier: GPL-2.0-only
/*
 * Learn mode for files on the BPF LSM tier (issue 16): `cordon run --observe` leaves the file
 * allow-lists to the BPF LSM file hooks, which let a read, a write, a creation and a chmod
 * outside the allowed trees through and record each as would-refuse (cordon.observed, the access
 * named, the absolute path, the rule "filesystem.X: no entry allows it"), while a secret stays
 * refused with its rule, by its path and through a symlink. Without --observe the same are
 * refused and recorded (the read by Landlock, EACCES; the write, creation and chmod by the
 * view's read-only mounts, EROFS). Then `cordon policy suggest` of the observed log gives a
 * policy under which the same command runs with no refusal but the secret's. Everything works
 * outside cordon. The verifier's instruction counts of the LSM programs are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "spawn.h"
#include "tap.h"
#include "testutil.h"

#define DATA_CANARY   "canary-observe-data"
#define SECRET_CANARY "canary-observe-secret"
#define OBS_DIR	      "/srv/obs"
#define DATA	      OBS_DIR "/data.txt"
#define CREATED	      OBS_DIR "/new.txt"
#define SECRET	      "/srv/ohome/.ssh/id_rsa"
#define SECRET_LINK   OBS_DIR "/key" /* a symlink to the secret, in no tree either */
#define LOG_DIR	      "/srv/olog"
#define AUDIT	      LOG_DIR "/observe.jsonl"
#define SUGGESTED     LOG_DIR "/suggested.yaml"
#define POLICY_DIR    "/etc/cordon/policies"
/* The daemon's phase: an ordinary user's session through it (not in /tmp: the session's own). */
#define VMD	  "/srv/obsd"
#define SOCK	  VMD "/cordon.sock"
#define AGENT_UID 1000
#define UPROJ	  "/srv/oproj"
/* A system policy by name: the suggested one extends it by that name. */
#define POLICY "obs-files"

/* /srv/obs is in no tree; the secret's directory is in none either (a deny all the same). */
static const char policy_yaml[] = "name: " POLICY "\n"
				  "filesystem:\n"
				  "  read: [/bin, /lib, /etc, /proc, /dev, /sys, /tests]\n"
				  "  write: [/tmp, /dev/null]\n"
				  "  exec: [/bin, /tests]\n"
				  "secrets:\n"
				  "  files: [/srv/ohome/.ssh]\n";

/* The session's work: each step printed as NAME-ok or NAME-refused ERRNO, then "ran". */
static int work(void)
{
	char buf[256] = "";
	ssize_t n;
	int fd;

	fd = open(DATA, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n > 0 && strstr(buf, DATA_CANARY))
		printf("read-ok\n");
	else
		printf("read-refused %d\n", errno);
	if (fd >= 0)
		close(fd);
	fd = open(DATA, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0 && write(fd, "appended\n", 9) == 9)
		printf("write-ok\n");
	else
		printf("write-refused %d\n", errno);
	if (fd >= 0)
		close(fd);
	fd = open(CREATED, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0 && write(fd, "made\n", 5) == 5)
		printf("create-ok\n");
	else
		printf("create-refused %d\n", errno);
	if (fd >= 0)
		close(fd);
	/* No Landlock right, refused by the view's read-only seal when enforced. */
	if (chmod(DATA, 0640) == 0)
		printf("chmod-ok\n");
	else
		printf("chmod-refused %d\n", errno);
	/* The secret by its path, then by another name of it (a link in a tree-less place). */
	for (int i = 0; i < 2; i++) {
		memset(buf, 0, sizeof(buf));
		fd = open(i ? SECRET_LINK : SECRET, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (n > 0)
			printf("%s-ok %s\n", i ? "linked-secret" : "secret", buf);
		else
			printf("%s-refused %d\n", i ? "linked-secret" : "secret", errno);
		if (fd >= 0)
			close(fd);
	}
	printf("ran\n");
	return 0;
}

/* Run @argv with stdout and stderr into @out; the exit status, or -1. */
static int run(char *const argv[], char *out, size_t len)
{
	struct test_cmd c = { .argv = argv };
	int status;

	if (test_spawn(&c, out, len, &status) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* In the child: the agent user, in the project (test_spawn's setup). */
static int become_agent(void *arg)
{
	(void)arg;
	return chdir(UPROJ) < 0 || setgroups(0, NULL) < 0 ||
	       setresgid(AGENT_UID, AGENT_UID, AGENT_UID) < 0 ||
	       setresuid(AGENT_UID, AGENT_UID, AGENT_UID) < 0;
}

/* Run @argv as the agent user through the daemon's socket; the exit status, or -1. */
static int run_as_agent(char *const argv[], char *out, size_t len)
{
	char *envp[] = { "PATH=/bin", "HOME=/home/agent", "CORDON_SOCKET=" SOCK, NULL };
	struct test_cmd c = { .argv = argv, .envp = envp, .setup = become_agent };
	int status;

	if (test_spawn(&c, out, len, &status) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* `cordon daemon` writing its audit stream to AUDIT; its pid once its socket answers, or -1. */
static pid_t start_daemon(void)
{
	struct stat st;
	pid_t p;

	mkdir(VMD, 0755);
	mkdir(VMD "/run", 0755);
	test_write_file(VMD "/cordon.yaml", "audit: {file: " AUDIT "}\n", 0644);
	p = fork();
	if (p == 0) {
		int fd = open(VMD "/daemon.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/bin/cordon", "cordon", "daemon", "--config", VMD "/cordon.yaml", "--socket",
		      SOCK, "--run-dir", VMD "/run", (char *)NULL);
		_exit(127);
	}
	/* Verification under TCG takes seconds: the socket exists once the programs are on. */
	for (int i = 0; i < 1800; i++) {
		if (stat(SOCK, &st) == 0 && S_ISSOCK(st.st_mode))
			return p;
		if (waitpid(p, NULL, WNOHANG) == p)
			return -1;
		test_sleep_ms(50);
	}
	return -1;
}

/* The files the work touches, as before each run. */
static void reset_files(void)
{
	unlink(CREATED);
	test_write_file(DATA, DATA_CANARY "\n", 0644);
	chmod(DATA, 0644);
}

/* What one record of the log must be to count. NULL fields are not compared. */
struct want {
	const char *action;
	const char *path;
	const char *outcome; /* "unknown" (observed) or "failure" */
	const char *layer;
	const char *rule_prefix; /* cordon.rule_text starts with it */
	const char *access;	 /* "read", "write" or "exec": true in cordon.access */
	bool observed;
};

static bool matches(json_t *o, const struct want *w)
{
	json_t *c = json_object_get(o, "cordon");
	const char *action =
		json_string_value(json_object_get(json_object_get(o, "event"), "action"));
	const char *outcome =
		json_string_value(json_object_get(json_object_get(o, "event"), "outcome"));
	const char *path = json_string_value(json_object_get(json_object_get(o, "file"), "path"));
	const char *layer = json_string_value(json_object_get(c, "layer"));
	const char *rule = json_string_value(json_object_get(c, "rule_text"));

	if (!action || !outcome || (w->action && strcmp(action, w->action)) ||
	    strcmp(outcome, w->outcome) ||
	    json_is_true(json_object_get(c, "observed")) != w->observed)
		return false;
	if (w->path && (!path || strcmp(path, w->path)))
		return false;
	if (w->layer && (!layer || strcmp(layer, w->layer)))
		return false;
	if (w->rule_prefix && (!rule || strncmp(rule, w->rule_prefix, strlen(w->rule_prefix))))
		return false;
	return !w->access || json_is_true(json_object_get(json_object_get(c, "access"), w->access));
}

/* Records of the log matching @w. */
static int count(const struct want *w)
{
	FILE *f = fopen(AUDIT, "r");
	char line[16384];
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);

		n += o && matches(o, w);
		json_decref(o);
	}
	if (f)
		fclose(f);
	return n;
}

/* Does the session-start record list @layer in cordon.observe.@key? */
static bool start_lists(const char *key, const char *layer)
{
	FILE *f = fopen(AUDIT, "r");
	char line[16384];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *action =
			json_string_value(json_object_get(json_object_get(o, "event"), "action"));
		json_t *a = json_object_get(
			json_object_get(json_object_get(o, "cordon"), "observe"), key);
		size_t i;
		json_t *v;

		if (action && !strcmp(action, "session-start"))
			json_array_foreach (a, i, v)
				found |= json_string_value(v) &&
					 !strcmp(json_string_value(v), layer);
		json_decref(o);
	}
	if (f)
		fclose(f);
	return found;
}

/* Every refusal or observed record of the log, one line each, for the diagnostics. */
static void show_records(const char *label)
{
	FILE *f = fopen(AUDIT, "r");
	char line[16384];

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		json_t *c = json_object_get(o, "cordon");
		const char *outcome =
			json_string_value(json_object_get(json_object_get(o, "event"), "outcome"));

		if (outcome && strcmp(outcome, "success"))
			tap_diag("%s: %s %s %s (%s) %s", label,
				 json_string_value(
					 json_object_get(json_object_get(o, "event"), "action"))
					 ?: "?",
				 outcome,
				 json_string_value(
					 json_object_get(json_object_get(o, "file"), "path"))
					 ?: "-",
				 json_string_value(json_object_get(c, "layer")) ?: "?",
				 json_string_value(json_object_get(c, "rule_text")) ?: "-");
		json_decref(o);
	}
	if (f)
		fclose(f);
}

/* Refusals and observed records that are not the secret's (whichever layer refused it). */
static int others_than_secret(void)
{
	FILE *f = fopen(AUDIT, "r");
	char line[16384];
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		json_t *c = json_object_get(o, "cordon");
		const char *outcome =
			json_string_value(json_object_get(json_object_get(o, "event"), "outcome"));
		const char *kind =
			json_string_value(json_object_get(json_object_get(o, "event"), "kind"));
		const char *rule = json_string_value(json_object_get(c, "rule_text"));

		if (outcome && kind && !strcmp(kind, "event") && strcmp(outcome, "success") &&
		    !(rule && !strncmp(rule, "secrets.files", 13)))
			n++;
		json_decref(o);
	}
	if (f)
		fclose(f);
	return n;
}

static bool has_line(const char *out, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = out; (p = strstr(p, line)); p++)
		if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static char *file_text(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/*
 * The verifier's work on the file hooks as loaded (pinned by the runs above): instructions
 * processed per program, for the report (the 6.1 verifier is the stricter).
 */
static void show_verified(void)
{
	__u32 id = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == BPF_PROG_TYPE_LSM && !strncmp(info.name, "cordon_", 7))
			tap_diag("verified %s: %u insns", info.name, info.verified_insns);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	char self[4096], out[65536];
	char *outside[] = { self, "work", NULL };
	char *observe[] = { "/bin/cordon", "run",  "--user",	"root",	      "--observe",
			    "--policy",	   POLICY, "--project", "/tmp/oproj", "--audit-log",
			    AUDIT,	   "--",   self,	"work",	      NULL };
	char *enforce[] = { "/bin/cordon", "run",	"--user",     "root",	     "--policy",
			    POLICY,	   "--project", "/tmp/oproj", "--audit-log", AUDIT,
			    "--",	   self,	"work",	      NULL };
	char *suggest[] = { "/bin/cordon", "policy", "suggest", AUDIT, NULL };
	char *suggested[] = { "/bin/cordon", "run",	  "--user",	"root",	       "--policy",
			      SUGGESTED,     "--project", "/tmp/oproj", "--audit-log", AUDIT,
			      "--",	     self,	  "work",	NULL };
	const char *yaml, *body;
	ssize_t n;
	int st;

	if (argc > 1 && !strcmp(argv[1], "work"))
		return work();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';

	mkdir("/srv", 0755);
	mkdir(OBS_DIR, 0755);
	mkdir("/srv/ohome", 0755);
	mkdir("/srv/ohome/.ssh", 0700);
	mkdir(LOG_DIR, 0755);
	mkdir("/tmp/oproj", 0755);
	mkdir("/etc/cordon", 0755);
	mkdir(POLICY_DIR, 0755);
	test_write_file(SECRET, SECRET_CANARY "\n", 0600);
	test_write_file(POLICY_DIR "/" POLICY ".yaml", policy_yaml, 0644);
	unlink(SECRET_LINK);
	if (symlink(SECRET, SECRET_LINK) < 0)
		tap_diag("symlink: %s", strerror(errno));

	/* Outside cordon: every step works, the secret too (the test proves something). */
	reset_files();
	st = run(outside, out, sizeof(out));
	if (!tap_check(st == 0 && has_line(out, "read-ok") && has_line(out, "write-ok") &&
			       has_line(out, "create-ok") && has_line(out, "chmod-ok") &&
			       strstr(out, "secret-ok " SECRET_CANARY) &&
			       strstr(out, "linked-secret-ok " SECRET_CANARY),
		       "outside_read_write_create_chmod_secret_succeed"))
		tap_diag("exit %d: %s", st, out);

	/* Observing: the three let through and recorded, the secret refused with its rule. */
	reset_files();
	unlink(AUDIT);
	st = run(observe, out, sizeof(out));
	if (!tap_check(st == 0 && has_line(out, "ran") && has_line(out, "read-ok") &&
			       has_line(out, "write-ok") && has_line(out, "create-ok") &&
			       has_line(out, "chmod-ok"),
		       "observe_read_write_create_chmod_succeed"))
		tap_diag("exit %d: %s", st, out);
	tap_check(has_line(out, "secret-refused 13") && has_line(out, "linked-secret-refused 13") &&
			  !strstr(out, SECRET_CANARY),
		  "observe_secret_refused_EACCES_by_either_name");
	tap_check(strstr(out, "files outside filesystem.read/write/exec (BPF LSM)") != NULL,
		  "observe_start_line_says_files_are_observed");
	tap_check(test_file_has(DATA, "appended") && test_file_has(CREATED, "made"),
		  "observe_writes_landed");
	tap_check(start_lists("observed", "bpf_lsm_file_allow") &&
			  !start_lists("still_refused", "landlock") &&
			  start_lists("still_refused", "bpf_lsm_files"),
		  "observe_session_start_lists_files_observed_denies_refused");
	tap_check(count(&(struct want){ .action = "file-open",
					.path = DATA,
					.outcome = "unknown",
					.layer = "bpf_lsm",
					.rule_prefix = "filesystem.read: no entry allows it",
					.access = "read",
					.observed = true }) >= 1,
		  "observe_read_recorded_with_path_access_and_rule");
	tap_check(count(&(struct want){ .action = "file-open",
					.path = DATA,
					.outcome = "unknown",
					.layer = "bpf_lsm",
					.rule_prefix = "filesystem.write: no entry allows it",
					.access = "write",
					.observed = true }) >= 1,
		  "observe_write_recorded_with_path_access_and_rule");
	/* A creation is judged on its directory (Landlock's MAKE_REG), named absolutely. */
	tap_check(count(&(struct want){ .action = "file-create",
					.path = OBS_DIR,
					.outcome = "unknown",
					.layer = "bpf_lsm",
					.rule_prefix = "filesystem.write: no entry allows it",
					.access = "write",
					.observed = true }) >= 1,
		  "observe_create_recorded_on_its_directory");
	/* chmod is no Landlock right: the view's seal is gone, so it is judged and recorded. */
	tap_check(count(&(struct want){ .action = "file-chmod",
					.path = DATA,
					.outcome = "unknown",
					.layer = "bpf_lsm",
					.rule_prefix = "filesystem.write: no entry allows it",
					.access = "write",
					.observed = true }) >= 1,
		  "observe_chmod_recorded");
	tap_check(count(&(struct want){ .path = SECRET,
					.outcome = "failure",
					.layer = "bpf_lsm",
					.rule_prefix = "secrets.files",
					.observed = false }) >= 2,
		  "observe_secret_recorded_refused_with_its_rule_both_times");
	tap_check(count(&(struct want){ .path = SECRET, .outcome = "unknown", .observed = true }) ==
			  0,
		  "observe_secret_never_recorded_as_observed");
	show_records("observed run");
	show_verified();
	if (rename(AUDIT, LOG_DIR "/observed.jsonl") < 0)
		tap_diag("keeping the observed log: %s", strerror(errno));

	/*
	 * Enforcing: the same three refused and recorded, nothing observed. The read by Landlock
	 * (EACCES); the write and the creation by the view, read-only outside the write trees
	 * (EROFS), before Landlock is asked.
	 */
	reset_files();
	st = run(enforce, out, sizeof(out));
	if (!tap_check(has_line(out, "ran") && has_line(out, "read-refused 13") &&
			       has_line(out, "write-refused 30") &&
			       has_line(out, "create-refused 30") &&
			       has_line(out, "chmod-refused 30") &&
			       has_line(out, "secret-refused 13"),
		       "enforced_read_EACCES_write_create_EROFS"))
		tap_diag("exit %d: %s", st, out);
	{
		struct stat sd;

		tap_check(access(CREATED, F_OK) != 0 && !test_file_has(DATA, "appended") &&
				  stat(DATA, &sd) == 0 && (sd.st_mode & 0777) == 0644,
			  "enforced_nothing_written");
	}
	tap_check(count(&(struct want){ .path = DATA, .outcome = "failure", .observed = false }) >=
				  2 &&
			  count(&(struct want){ .outcome = "unknown", .observed = true }) == 0,
		  "enforced_refusals_recorded_none_observed");
	show_records("enforced run");
	unlink(AUDIT);
	if (rename(LOG_DIR "/observed.jsonl", AUDIT) < 0)
		tap_diag("the observed log back: %s", strerror(errno));

	/* The observed log, suggested: the same work runs, refused only the secret. */
	st = run(suggest, out, sizeof(out));
	if (!tap_check(st == 0 && strstr(out, "extends: " POLICY), "suggest_extends_the_policy"))
		tap_diag("exit %d: %s", st, out);
	test_write_file(SUGGESTED, out, 0644);
	yaml = file_text(SUGGESTED);
	/* The entries only (comments name the events, a secret's path among them). */
	body = strstr(yaml, "\nfilesystem:");
	tap_check(body && strstr(body, "\"" DATA "\"") && strstr(body, "\"" OBS_DIR "\""),
		  "suggest_names_the_file_and_the_directory");
	{
		bool secret = false;
		char *copy = strdup(yaml), *save = NULL;

		for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			while (*l == ' ')
				l++;
			if (*l != '#' && strstr(l, ".ssh"))
				secret = true;
		}
		free(copy);
		tap_check(!secret, "suggest_never_allows_the_secret");
	}
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		tap_diag("suggested: %s", l);

	reset_files();
	unlink(AUDIT);
	st = run(suggested, out, sizeof(out));
	if (!tap_check(st == 0 && has_line(out, "ran") && has_line(out, "read-ok") &&
			       has_line(out, "write-ok") && has_line(out, "create-ok") &&
			       has_line(out, "chmod-ok"),
		       "suggested_policy_runs_the_work"))
		tap_diag("exit %d: %s", st, out);
	tap_check(has_line(out, "secret-refused 13") && has_line(out, "linked-secret-refused 13") &&
			  !strstr(out, SECRET_CANARY),
		  "suggested_policy_still_refuses_the_secret");
	tap_check(others_than_secret() == 0 &&
			  count(&(struct want){
				  .path = SECRET, .outcome = "failure", .observed = false }) >= 1,
		  "suggested_policy_zero_refusals_but_the_secret");
	show_records("suggested run");

	/*
	 * Through the daemon, for an ordinary user: the daemon makes the session with the file
	 * allow-lists left to BPF LSM, and its spawn worker gives Landlock no filesystem right.
	 * The same work is let through and recorded in the daemon's stream; the secret stays
	 * refused. The files are the user's now, so that the work succeeds outside too.
	 */
	{
		char *outside_user[] = { self, "work", NULL };
		char *observe_user[] = { "/bin/cordon", "run",	     "--observe", "--policy",
					 POLICY,	"--project", UPROJ,	  "--",
					 self,		"work",	     NULL };
		char *enforce_user[] = { "/bin/cordon", "run", "--policy", POLICY, "--project",
					 UPROJ,		"--",  self,	   "work", NULL };
		pid_t d;

		mkdir(UPROJ, 0755);
		reset_files();
		if (chown(UPROJ, AGENT_UID, AGENT_UID) < 0 ||
		    chown(OBS_DIR, AGENT_UID, AGENT_UID) < 0 ||
		    chown(DATA, AGENT_UID, AGENT_UID) < 0 ||
		    chown("/srv/ohome", AGENT_UID, AGENT_UID) < 0 ||
		    chown("/srv/ohome/.ssh", AGENT_UID, AGENT_UID) < 0 ||
		    chown(SECRET, AGENT_UID, AGENT_UID) < 0)
			tap_diag("chown: %s", strerror(errno));
		st = run_as_agent(outside_user, out, sizeof(out));
		if (!tap_check(st == 0 && has_line(out, "read-ok") && has_line(out, "write-ok") &&
				       has_line(out, "create-ok") && has_line(out, "chmod-ok") &&
				       strstr(out, "secret-ok " SECRET_CANARY),
			       "daemon_user_outside_everything_succeeds"))
			tap_diag("exit %d: %s", st, out);
		unlink(AUDIT);
		d = start_daemon();
		if (!tap_check(d > 0, "daemon_ready"))
			tap_diag("daemon log: %s", file_text(VMD "/daemon.log"));
		reset_files();
		if (chown(DATA, AGENT_UID, AGENT_UID) < 0)
			tap_diag("chown: %s", strerror(errno));
		st = run_as_agent(observe_user, out, sizeof(out));
		if (!tap_check(st == 0 && has_line(out, "ran") && has_line(out, "read-ok") &&
				       has_line(out, "write-ok") && has_line(out, "create-ok") &&
				       has_line(out, "chmod-ok"),
			       "daemon_observe_read_write_create_chmod_succeed"))
			tap_diag("exit %d: %s", st, out);
		tap_check(has_line(out, "secret-refused 13") &&
				  has_line(out, "linked-secret-refused 13") &&
				  !strstr(out, SECRET_CANARY),
			  "daemon_observe_secret_refused_EACCES_by_either_name");
		tap_check(strstr(out, "files outside filesystem.read/write/exec (BPF LSM)") != NULL,
			  "daemon_observe_start_line_says_files_are_observed");
		/* The daemon writes its stream as the records arrive: give it a moment. */
		for (int i = 0; i < 100 && count(&(struct want){ .action = "file-open",
								 .path = DATA,
								 .outcome = "unknown",
								 .observed = true }) < 2;
		     i++)
			test_sleep_ms(50);
		tap_check(
			count(&(struct want){ .action = "file-open",
					      .path = DATA,
					      .outcome = "unknown",
					      .layer = "bpf_lsm",
					      .rule_prefix = "filesystem.read: no entry allows it",
					      .access = "read",
					      .observed = true }) >= 1 &&
				count(&(struct want){
					.action = "file-open",
					.path = DATA,
					.outcome = "unknown",
					.layer = "bpf_lsm",
					.rule_prefix = "filesystem.write: no entry allows it",
					.access = "write",
					.observed = true }) >= 1,
			"daemon_observe_read_and_write_recorded_in_its_stream");
		/* (the daemon's stream folds the second, identical refusal of the same inode) */
		tap_check(count(&(struct want){ .path = SECRET,
						.outcome = "failure",
						.layer = "bpf_lsm",
						.rule_prefix = "secrets.files",
						.observed = false }) >= 1 &&
				  count(&(struct want){ .path = SECRET,
							.outcome = "unknown",
							.observed = true }) == 0,
			  "daemon_observe_secret_recorded_refused_never_observed");
		tap_check(start_lists("observed", "bpf_lsm_file_allow"),
			  "daemon_session_start_lists_files_observed");
		show_records("daemon observed run");
		/* Without --observe through the daemon, Landlock refuses the read as before. */
		reset_files();
		if (chown(DATA, AGENT_UID, AGENT_UID) < 0)
			tap_diag("chown: %s", strerror(errno));
		st = run_as_agent(enforce_user, out, sizeof(out));
		if (!tap_check(has_line(out, "ran") && has_line(out, "read-refused 13") &&
				       has_line(out, "secret-refused 13") &&
				       !test_file_has(DATA, "appended"),
			       "daemon_enforced_read_refused_nothing_written"))
			tap_diag("exit %d: %s", st, out);
		if (d > 0) {
			kill(d, SIGTERM);
			waitpid(d, NULL, 0);
		}
	}
	reset_files();
	return tap_status();
}
