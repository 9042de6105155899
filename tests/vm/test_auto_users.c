// SPDX-License-Identifier: GPL-2.0-only
/*
 * Auto-confinement for users the daemon did not know at start (issue 17): an account that
 * appears after `cordon daemon` started (a line added to /etc/passwd here; SSSD and LDAP
 * accounts are the same case, getpwent() does not list them) runs the registered agent. Its
 * first exec is refused (EACCES, an auto-user record naming the uid) until the daemon resolved
 * the user's rules, which it does on that record; the retry runs confined by the user's own
 * ${HOME} rules. A uid NSS does not know, and a user whose rules cannot be resolved, are
 * refused every time, recorded. A user enumerated at start runs at the first exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "sys/sys.h"
#include "tap.h"
#include "testutil.h"

#define CORDON	 "/bin/cordon"
#define VAU	 "/srv/vau"
#define SOCK	 VAU "/cordon.sock"
#define AUDIT	 "/srv/vau-log/audit.jsonl"
#define AGENT	 VAU "/cat" /* a copy of busybox: the registered executable */
#define CANARY	 "canary-vau-secret"
#define PLAIN	 "plain-vau-marker"
#define LATE	 1500 /* added to /etc/passwd after the daemon started */
#define NOHOME	 1600 /* added too, with no usable home: its rules cannot be resolved */
#define UNKNOWN	 4242 /* in no passwd source at all */
#define EXISTING 1000 /* the VM's "agent" user, enumerated at daemon start */

static pid_t daemon_pid = -1;

static void start_daemon(void)
{
	daemon_pid = fork();
	if (daemon_pid == 0) {
		int fd = open(VAU "/daemon.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(CORDON, CORDON, "daemon", "--config", VAU "/cordon.yaml", "--socket", SOCK,
		      "--run-dir", VAU "/run", (char *)NULL);
		_exit(127);
	}
}

static bool ready(void)
{
	/* BPF verification under TCG takes seconds: wait for the socket, then for an answer. */
	for (int i = 0; i < 1800; i++) {
		struct stat st;

		if (stat(SOCK, &st) == 0 && S_ISSOCK(st.st_mode))
			break;
		test_sleep_ms(50);
	}
	for (int i = 0; i < 200; i++) {
		json_t *rep = NULL, *req = json_pack("{s:i,s:s}", "v", 1, "op", "hello");
		int fd = cordon_ctl_connect(SOCK);
		bool ok = fd >= 0 && cordon_ctl_call(fd, req, &rep, 2000) == 0 &&
			  json_is_true(json_object_get(rep, "ok"));

		json_decref(req);
		json_decref(rep);
		if (fd >= 0)
			close(fd);
		if (ok)
			return true;
		test_sleep_ms(50);
	}
	return false;
}

/* Run @prog on @a and @b as @uid in /, output into @out; its exit status (-1: none). */
static int run_as(uid_t uid, const char *prog, const char *a, const char *b, const char *out)
{
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		char *argv[] = { (char *)prog, (char *)a, (char *)b, NULL };
		char *envp[] = { "PATH=/bin", NULL };
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir("/") < 0 || setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(126);
		execve(prog, argv, envp);
		/* The exec itself refused: what a shell would print, and its status. */
		dprintf(2, "exec: %s\n", strerror(errno));
		_exit(errno == EACCES ? 125 : 127);
	}
	return test_wait_exit(p);
}

/*
 * A record in the daemon's audit file: @action by @uid, layer bpf_lsm, naming @path when not
 * NULL; for @state "unresolved" or "failed", an auto-user record naming @uid in that state.
 */
static bool audited(const char *action, uid_t uid, const char *path, const char *state)
{
	FILE *f = fopen(AUDIT, "r");
	char line[8192];
	bool found = false;

	while (f && fgets(line, sizeof(line), f) && !found) {
		json_t *o = json_loads(line, 0, NULL);
		json_t *ev = json_object_get(o, "event"), *c = json_object_get(o, "cordon");
		const char *act = json_string_value(json_object_get(ev, "action"));
		json_t *u = json_object_get(json_object_get(o, "user"), "id");
		const char *p =
			json_string_value(json_object_get(json_object_get(o, "file"), "path"));
		json_t *auid = json_object_get(c, "auto_uid");
		json_t *failed = json_object_get(c, "auto_user_failed");
		const char *layer = json_string_value(json_object_get(c, "layer"));
		char want[32];

		snprintf(want, sizeof(want), "%u", (unsigned)uid);
		found = act && !strcmp(act, action) && layer && !strcmp(layer, "bpf_lsm") &&
			((json_is_string(u) && !strcmp(json_string_value(u), want)) ||
			 (json_is_integer(u) && json_integer_value(u) == (json_int_t)uid)) &&
			(!path || (p && !strcmp(p, path))) &&
			(!state ||
			 (json_integer_value(auid) == (json_int_t)uid && json_is_boolean(failed) &&
			  json_is_true(failed) == !strcmp(state, "failed")));
		json_decref(o);
	}
	if (f)
		fclose(f);
	return found;
}

/* audited(), waiting up to 5 s for the daemon to write it. */
static bool wait_audited(const char *action, uid_t uid, const char *path, const char *state)
{
	for (int i = 0; i < 100; i++) {
		if (audited(action, uid, path, state))
			return true;
		test_sleep_ms(50);
	}
	return false;
}

static bool user_files(const char *home, uid_t uid)
{
	char p[256];
	bool ok;

	mkdir(home, 0755);
	snprintf(p, sizeof(p), "%s/.vau-secret", home);
	test_put(p, CANARY "\n");
	/* readable by the other users: the denial is cordon's, not the mode's */
	ok = chown(home, uid, uid) == 0 && chown(p, uid, uid) == 0 && chmod(p, 0644) == 0;
	snprintf(p, sizeof(p), "%s/plain", home);
	test_put(p, PLAIN "\n");
	return ok && chmod(p, 0644) == 0;
}

int main(void)
{
	const char *late_secret = "/home/late/.vau-secret", *late_plain = "/home/late/plain";
	const char *old_secret = "/home/agent/.vau-secret", *old_plain = "/home/agent/plain";
	char passwd_saved[4096] = "";
	FILE *f;
	int rc;

	mkdir("/srv", 0755);
	mkdir(VAU, 0755);
	mkdir("/srv/vau-log", 0755);
	mkdir("/etc/cordon", 0755);
	mkdir("/etc/cordon/policies", 0755);
	if (test_copy_file("/bin/busybox", AGENT) < 0 || chmod(AGENT, 0755) < 0)
		return tap_check(false, "agent_copied"), 1;
	test_put(VAU "/cordon.yaml", "audit:\n  file: " AUDIT "\nconfine:\n  - exec: " AGENT "\n"
				     "    policy: vau-auto\n");
	/* Each user's own secret, by ${HOME}: only a resolution for that user names it. */
	test_put("/etc/cordon/policies/vau-auto.yaml",
		 "name: vau-auto\nfilesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n"
		 "secrets:\n  files: [\"${HOME}/.vau-secret\"]\n");
	if (!user_files("/home/agent", EXISTING))
		return tap_check(false, "user_files"), 1;
	f = fopen("/etc/passwd", "r");
	if (!f || !fread(passwd_saved, 1, sizeof(passwd_saved) - 1, f))
		return tap_check(false, "passwd_read"), 1;
	fclose(f);

	start_daemon();
	if (!tap_check(ready(), "daemon_ready")) {
		kill(daemon_pid, SIGKILL);
		return 1;
	}
	tap_check(test_file_has(VAU "/daemon.log", "confine " AGENT ": policy vau-auto"),
		  "daemon_registers_confine_entry");

	/* Accounts that appear after the daemon started. */
	f = fopen("/etc/passwd", "a");
	if (!f)
		return tap_check(false, "passwd_appended"), 1;
	fprintf(f, "late:x:%d:%d:late:/home/late:/bin/sh\n", LATE, LATE);
	fprintf(f, "nohome:x:%d:%d:nohome::/bin/sh\n", NOHOME, NOHOME);
	fclose(f);
	if (!user_files("/home/late", LATE))
		return tap_check(false, "late_user_files"), 1;

	/* Outside cordon the attack works: each user reads their own secret. */
	rc = run_as(LATE, "/bin/cat", late_plain, late_secret, VAU "/outside.out");
	tap_check(rc == 0 && test_file_has(VAU "/outside.out", CANARY),
		  "late_user_reads_own_secret_outside");
	rc = run_as(EXISTING, "/bin/cat", old_plain, old_secret, VAU "/outside1.out");
	tap_check(rc == 0 && test_file_has(VAU "/outside1.out", CANARY),
		  "existing_user_reads_own_secret_outside");
	rc = run_as(EXISTING, "/bin/cat", late_plain, late_secret, VAU "/outside2.out");
	tap_check(rc == 0 && test_file_has(VAU "/outside2.out", CANARY),
		  "existing_user_reads_late_users_secret_outside");

	/* A user enumerated at start: confined at the first exec. */
	rc = run_as(EXISTING, AGENT, old_plain, old_secret, VAU "/existing.out");
	tap_check(rc == 1 && test_file_has(VAU "/existing.out", PLAIN) &&
			  !test_file_has(VAU "/existing.out", CANARY) &&
			  test_file_has(VAU "/existing.out", "Permission denied"),
		  "existing_user_agent_ran_and_was_refused_own_secret (status %d)", rc);
	tap_check(wait_audited("file-open", EXISTING, old_secret, NULL),
		  "existing_user_refusal_recorded_bpf_lsm");

	/* The late user's first exec: refused until the daemon resolved the user. */
	rc = run_as(LATE, AGENT, late_plain, late_secret, VAU "/late1.out");
	tap_check(!test_file_has(VAU "/late1.out", CANARY),
		  "late_user_first_exec_did_not_read_the_secret");
	tap_check(rc == 125 && !test_file_has(VAU "/late1.out", PLAIN),
		  "late_user_first_exec_refused_EACCES (status %d)", rc);
	tap_check(wait_audited("auto-user", LATE, NULL, "unresolved"),
		  "late_user_refusal_recorded_unresolved");
	tap_check(test_wait_file_has(VAU "/daemon.log", "uid 1500 (late): rules resolved", 10000),
		  "daemon_resolved_late_user_on_the_record");

	/* The retry runs, confined by the late user's own rules. */
	rc = run_as(LATE, AGENT, late_plain, late_secret, VAU "/late2.out");
	tap_check(rc == 1 && test_file_has(VAU "/late2.out", PLAIN) &&
			  !test_file_has(VAU "/late2.out", CANARY) &&
			  test_file_has(VAU "/late2.out", "Permission denied"),
		  "late_user_retry_ran_and_was_refused_own_secret (status %d)", rc);
	tap_check(wait_audited("file-open", LATE, late_secret, NULL),
		  "late_user_secret_refusal_recorded_bpf_lsm");
	/* The late user's rules hold for the others too (the session is one for all users). */
	rc = run_as(EXISTING, AGENT, late_plain, late_secret, VAU "/cross.out");
	tap_check(rc == 1 && test_file_has(VAU "/cross.out", PLAIN) &&
			  !test_file_has(VAU "/cross.out", CANARY),
		  "late_users_secret_refused_to_another_users_agent (status %d)", rc);

	/* A user NSS lists but whose rules cannot be resolved: refused, every time, recorded. */
	rc = run_as(NOHOME, AGENT, late_plain, "/dev/null", VAU "/nohome1.out");
	tap_check(rc == 125 && !test_file_has(VAU "/nohome1.out", PLAIN),
		  "unresolvable_user_first_exec_refused (status %d)", rc);
	tap_check(test_wait_file_has(VAU "/daemon.log", "uid 1600 (nohome): not resolved", 10000),
		  "daemon_logs_unresolvable_user");
	rc = run_as(NOHOME, AGENT, late_plain, "/dev/null", VAU "/nohome2.out");
	tap_check(rc == 125 && !test_file_has(VAU "/nohome2.out", PLAIN),
		  "unresolvable_user_retry_refused (status %d)", rc);
	tap_check(wait_audited("auto-user", NOHOME, NULL, "failed"),
		  "unresolvable_user_refusal_recorded_failed");

	/* A uid in no passwd source. */
	rc = run_as(UNKNOWN, AGENT, late_plain, "/dev/null", VAU "/unknown1.out");
	tap_check(rc == 125 && !test_file_has(VAU "/unknown1.out", PLAIN),
		  "unknown_uid_refused (status %d)", rc);
	tap_check(test_wait_file_has(VAU "/daemon.log", "uid 4242: no such user", 10000),
		  "daemon_logs_unknown_uid");
	rc = run_as(UNKNOWN, AGENT, late_plain, "/dev/null", VAU "/unknown2.out");
	tap_check(rc == 125 && !test_file_has(VAU "/unknown2.out", PLAIN),
		  "unknown_uid_retry_refused (status %d)", rc);
	/* The same program, not registered, runs for that uid: the refusal is cordon's. */
	rc = run_as(UNKNOWN, "/bin/busybox", "cat", late_plain, VAU "/unknown3.out");
	tap_check(rc == 0 && test_file_has(VAU "/unknown3.out", PLAIN),
		  "unregistered_copy_runs_for_unknown_uid");

	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, NULL, 0);
	test_put("/etc/passwd", "%s", passwd_saved);
	return tap_status();
}
