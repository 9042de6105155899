// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon daemon` on a kernel with BPF LSM: an ordinary user's `cordon run` gets its session
 * from the daemon, with BPF LSM rules (a secret file outside everything Landlock could mask is
 * refused by inode); after kill -9 of the daemon the running agent is still refused; a
 * restarted daemon adopts the session and ends it when it empties. The same read succeeds
 * outside cordon, and the refusal is in the daemon's audit file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sys/sys.h"
#include "tap.h"
#include "testutil.h"

#define CORDON "/bin/cordon"
/* Not in /tmp: the session has a /tmp of its own, where the agent would not see go1/go2. */
#define VMD  "/srv/vmd"
#define SOCK VMD "/cordon.sock"
/* Where only root can write: the daemon refuses an audit file anyone else could claim. */
#define AUDIT  "/srv/vmd-log/audit.jsonl"
#define SECRET "/srv/vmd-secret"
#define CANARY "canary-vm-daemon"
#define UID    1000

static pid_t daemon_pid = -1;

static void start_daemon(void)
{
	daemon_pid = fork();
	if (daemon_pid == 0) {
		int fd = open(VMD "/daemon.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(CORDON, CORDON, "daemon", "--config", VMD "/cordon.yaml", "--socket", SOCK,
		      "--run-dir", VMD "/run", (char *)NULL);
		_exit(127);
	}
}

static bool ready(void)
{
	/*
	 * BPF verification under TCG emulation takes seconds, not milliseconds. Wait for the
	 * socket to exist (it is created once the programs are attached) before connecting:
	 * a socket() per 50 ms runs the LSM socket hooks while the daemon patches them in, which
	 * once left both vCPUs of a 6.1 guest in a soft lockup under TCG (see tools/vm/boot.sh).
	 */
	for (int i = 0; i < 1800; i++) {
		struct stat st;

		if (stat(SOCK, &st) == 0 && S_ISSOCK(st.st_mode))
			break;
		test_sleep_ms(50);
	}
	for (int i = 0; i < 200; i++) {
		json_t *rep = NULL;
		int fd = cordon_ctl_connect(SOCK);
		bool ok = false;

		if (fd >= 0) {
			json_t *req = json_pack("{s:i,s:s}", "v", 1, "op", "hello");

			ok = cordon_ctl_call(fd, req, &rep, 2000) == 0 &&
			     json_is_true(json_object_get(rep, "ok"));
			json_decref(req);
			json_decref(rep);
			close(fd);
		}
		if (ok)
			return true;
		test_sleep_ms(50);
	}
	return false;
}

/* Run @argv as the agent user (uid 1000) in /home/agent, output into @out. */
static pid_t spawn_agent(const char *out, char *const argv[])
{
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		char *envp[] = { "PATH=/bin", "HOME=/home/agent", "CORDON_SOCKET=" SOCK, NULL };
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir("/home/agent") < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(UID, UID, UID) < 0 || setresuid(UID, UID, UID) < 0)
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	return p;
}

static pid_t spawn_root(char *const argv[])
{
	pid_t p = fork();

	if (p == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

/* A refusal by BPF LSM of a read of SECRET, in @session, in the daemon's audit file. */
static bool audited(const char *session)
{
	FILE *f = fopen(AUDIT, "r");
	char line[8192];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL), *c = json_object_get(o, "cordon");
		const char *layer = json_string_value(json_object_get(c, "layer"));
		const char *sess = json_string_value(json_object_get(c, "session"));
		const char *path =
			json_string_value(json_object_get(json_object_get(o, "file"), "path"));

		if (layer && sess && path && !strcmp(layer, "bpf_lsm") && !strcmp(sess, session) &&
		    !strcmp(path, SECRET))
			found = true;
		json_decref(o);
	}
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	char *outside[] = { "/bin/cat", SECRET, NULL };
	char *agent[] = { CORDON,
			  "run",
			  "--policy",
			  "vmd",
			  "--",
			  "/bin/sh",
			  "-c",
			  "echo ready; while [ ! -e " VMD "/go1 ]; do sleep 0.05; done; cat " SECRET
			  "; echo first=$?; while [ ! -e " VMD "/go2 ]; do sleep 0.05; done; "
			  "cat " SECRET "; echo second=$?",
			  NULL };
	char session[64] = "", state[256];
	pid_t a;
	int rc;

	mkdir("/srv", 0755);
	mkdir(VMD, 0755);
	chmod(VMD, 0777);
	mkdir("/srv/vmd-log", 0755);
	mkdir("/srv", 0755);
	test_put(SECRET, CANARY "\n");
	chmod(SECRET, 0644);
	test_put(VMD "/cordon.yaml", "audit:\n  file: " AUDIT "\nconfine:\n  - exec: " VMD "/cat\n"
				     "    policy: vmd-auto\n");
	/* Auto-confinement: a copy of busybox named cat, registered by the daemon at start. */
	{
		char *cp[] = { "/bin/cp", "/bin/busybox", VMD "/cat", NULL };

		test_wait_exit(spawn_root(cp));
	}
	mkdir("/etc/cordon", 0755);
	mkdir("/etc/cordon/policies", 0755);
	test_put("/etc/cordon/policies/vmd-auto.yaml",
		 "name: vmd-auto\nfilesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n"
		 "secrets:\n  files: [" SECRET "]\n");
	/* The user's own policy: `cordon run` reads it as the user and sends it as text. */
	mkdir("/home/agent/.config", 0755);
	mkdir("/home/agent/.config/cordon", 0755);
	mkdir("/home/agent/.config/cordon/policies", 0755);
	test_put("/home/agent/.config/cordon/policies/vmd.yaml",
		 "name: vmd\nmode: strict\nfilesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n"
		 "secrets:\n  files: [" SECRET "]\n");

	rc = test_wait_exit(spawn_agent(VMD "/outside.out", outside));
	tap_check(rc == 0 && test_file_has(VMD "/outside.out", CANARY), "secret_readable_outside");

	start_daemon();
	if (!tap_check(ready(), "daemon_ready")) {
		FILE *f = fopen(VMD "/daemon.log", "r");
		char line[512];
		int st = 0;

		if (waitpid(daemon_pid, &st, WNOHANG) == daemon_pid)
			tap_diag("daemon exited: status %d", st);
		else
			tap_diag("daemon still running, not answering");

		while (f && fgets(line, sizeof(line), f))
			tap_diag("%s", line);
		return 1;
	}
	tap_check(test_file_has(VMD "/daemon.log", "BPF LSM on"), "daemon_uses_bpf_lsm");

	a = spawn_agent(VMD "/agent.out", agent);
	if (!tap_check(test_wait_file_has(VMD "/agent.out", "ready", 20000), "session_started")) {
		FILE *f = fopen(VMD "/agent.out", "r");
		char line[512];

		while (f && fgets(line, sizeof(line), f))
			tap_diag("agent: %s", line);
		if (f)
			fclose(f);
	}
	{
		/* The session id, from the daemon's state directory. */
		DIR *d = opendir(VMD "/run/sessions");
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char path[300];

			snprintf(path, sizeof(path), VMD "/run/sessions/%s", e->d_name);
			/* the agent's session, not the auto-confinement one */
			if (strlen(e->d_name) == 32 + 5 && !test_file_has(path, "\"auto\":true"))
				snprintf(session, sizeof(session), "%.32s", e->d_name);
		}
		if (d)
			closedir(d);
	}
	tap_check(strlen(session) == 32, "session_persisted");
	tap_check(test_file_has(VMD "/agent.out", "bpf_lsm=on") &&
			  !test_file_has(VMD "/agent.out", "masks=1"),
		  "client_reports_bpf_lsm_no_masks");

	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	test_put(VMD "/go1", "1");
	tap_check(test_wait_file_has(VMD "/agent.out", "first=1", 20000) &&
			  !test_file_has(VMD "/agent.out", CANARY),
		  "secret_refused_after_daemon_kill9");

	start_daemon();
	tap_check(ready(), "daemon_restarts");
	tap_check(test_file_has(VMD "/daemon.log", "adopted the BPF programs") &&
			  test_file_has(VMD "/daemon.log", "adopted session"),
		  "restart_adopts_programs_and_session");
	test_put(VMD "/go2", "1");
	rc = test_wait_exit(a);
	tap_check(rc == 0 && test_file_has(VMD "/agent.out", "second=1") &&
			  !test_file_has(VMD "/agent.out", CANARY),
		  "secret_refused_after_restart");
	snprintf(state, sizeof(state), VMD "/run/sessions/%s.json", session);
	tap_check(test_wait_file_has(state, "\"ended\":true", 10000), "daemon_ends_the_session");
	tap_check(audited(session), "refusal_in_daemon_audit_file");

	/* Auto-confinement: the registered executable, started without cordon run. */
	{
		char *reg[] = { VMD "/cat", SECRET, NULL }, *plain[] = { "/bin/cat", SECRET, NULL };

		tap_check(test_file_has(VMD "/daemon.log", "confine " VMD "/cat: policy vmd-auto"),
			  "daemon_registers_confine_entry");
		rc = test_wait_exit(spawn_agent(VMD "/plain.out", plain));
		tap_check(rc == 0 && test_file_has(VMD "/plain.out", CANARY),
			  "unregistered_binary_reads_secret");
		rc = test_wait_exit(spawn_agent(VMD "/auto.out", reg));
		tap_check(rc != 0 && !test_file_has(VMD "/auto.out", CANARY) &&
				  test_file_has(VMD "/auto.out", "Permission denied"),
			  "auto_confined_binary_refused_secret");
		tap_check(test_wait_file_has(AUDIT, "\"action\":\"auto-confine\"", 5000),
			  "auto_confine_record_in_daemon_audit");
	}

	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, NULL, 0);
	return tap_status();
}
