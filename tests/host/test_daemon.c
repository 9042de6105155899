// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon daemon` on the host kernel (cgroup BPF; BPF LSM is tested in the VM):
 * - ordinary users get sessions through the control socket; each session enforces its own
 *   policy (a UDP send, which only the cgroup programs can refuse, succeeds outside cordon and
 *   under a policy that allows it, and fails with EPERM under one that does not);
 * - a user cannot see or end another user's session;
 * - kill -9 of the daemon leaves a running session confined; a restarted daemon adopts it,
 *   names the rule of a refusal after the restart (its rule-name table kept in the session's
 *   state file), and ends it when it empties;
 * - a process inside a session cannot get a new (looser) session;
 * - 100 concurrent sessions with mixed policies each enforce their own rules;
 * - SIGHUP with a broken policy file keeps the previous policy set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "sys/sys.h"
#include "audit_valid.h"
#include "spawn.h"
#include "tap.h"
#include "testutil.h"

#define USER1	  "cordon-dtest1"
#define USER2	  "cordon-dtest2"
#define NSESSIONS 100

static const char *cordon;
static char attack[4096], dir[64], sock[128], rundir[128], pinroot[128], cgroot[4200];
static char poldir[128], floor_path[128], cfg[128], audit_path[128], project[128];
static pid_t daemon_pid = -1;
static uint16_t udp_port;
static int udp_fd = -1;

static int run_wait(char *const argv[])
{
	int status;
	pid_t p = fork();

	if (p == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int ensure_user(const char *name, uid_t *uid, gid_t *gid)
{
	char *useradd[] = { "/usr/sbin/useradd", "-m", "-U", "-s", "/bin/sh", (char *)name, NULL };
	struct passwd *pw = getpwnam(name);

	if (!pw && run_wait(useradd) != 0)
		return -1;
	pw = getpwnam(name);
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static void start_daemon(void)
{
	daemon_pid = fork();
	if (daemon_pid == 0) {
		char log[160];
		int fd;

		snprintf(log, sizeof(log), "%s/daemon.log", dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(cordon, cordon, "daemon", "--config", cfg, "--socket", sock, "--run-dir",
		      rundir, "--pin-root", pinroot, "--cgroup-root", cgroot, "--policy-dir",
		      poldir, "--floor", floor_path, (char *)NULL);
		_exit(127);
	}
}

/* One request as root; the reply or NULL. */
static json_t *call(json_t *req)
{
	json_t *rep = NULL;
	int fd = cordon_ctl_connect(sock);

	if (fd >= 0) {
		if (cordon_ctl_call(fd, req, &rep, 5000) < 0)
			rep = NULL;
		close(fd);
	}
	json_decref(req);
	return rep;
}

static bool hello(void)
{
	json_t *rep = call(json_pack("{s:i,s:s}", "v", 1, "op", "hello"));
	bool ok = rep && json_is_true(json_object_get(rep, "ok"));

	json_decref(rep);
	return ok;
}

static bool wait_ready(void)
{
	for (int i = 0; i < 200; i++) {
		if (hello())
			return true;
		test_sleep_ms(50);
	}
	return false;
}

static const char *daemon_log(void)
{
	static char path[160];

	snprintf(path, sizeof(path), "%s/daemon.log", dir);
	return path;
}

static bool log_has(const char *what)
{
	char line[1024];
	bool found = false;
	FILE *f;

	f = fopen(daemon_log(), "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	if (f)
		fclose(f);
	return found;
}

/*
 * Start `cordon run` (or another program, @raw) as @user with the daemon's socket, output into
 * @out. Returns the pid.
 */
static pid_t spawn_as(const char *user, const char *out, char *const argv[])
{
	struct passwd *pw = getpwnam(user);
	pid_t p;

	if (!pw)
		return -1;
	fflush(NULL);
	p = fork();
	if (p == 0) {
		char home[300], sockenv[200];
		char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", home, sockenv, NULL };
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		snprintf(home, sizeof(home), "HOME=%s", pw->pw_dir);
		snprintf(sockenv, sizeof(sockenv), "CORDON_SOCKET=%s", sock);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir(project) < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	return p;
}

/* The `cordon run` argv for an attack under @policy. */
static void run_argv(char **argv, const char *policy, const char *cmd)
{
	argv[0] = (char *)cordon;
	argv[1] = "run";
	argv[2] = "--policy";
	argv[3] = (char *)policy;
	argv[4] = "--";
	argv[5] = "/bin/sh";
	argv[6] = "-c";
	argv[7] = (char *)cmd;
	argv[8] = NULL;
}

/* Session ids that `cordon ps --json` shows to @user. */
static int ps_count(const char *user, const char *session)
{
	char out[160], *argv[] = { (char *)cordon, "ps", "--json", NULL };
	json_t *a;
	json_t *s;
	size_t i;
	int n = 0;

	snprintf(out, sizeof(out), "%s/ps-%s.json", dir, user);
	if (strcmp(user, "root")) {
		if (test_wait_exit(spawn_as(user, out, argv)) != 0)
			return -1;
	} else {
		pid_t p = fork();

		if (p == 0) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			setenv("CORDON_SOCKET", sock, 1);
			dup2(fd, 1);
			execv(cordon, argv);
			_exit(127);
		}
		if (test_wait_exit(p) != 0)
			return -1;
	}
	a = json_load_file(out, 0, NULL);
	json_array_foreach (a, i, s) {
		const char *id = json_string_value(json_object_get(s, "session"));

		n += id && (!session || !strcmp(id, session));
	}
	json_decref(a);
	return n;
}

/*
 * The same two policies in the daemon's system directory (for requests by name) and in the
 * user's own policy directory, which `cordon run` reads as the user and sends as text.
 */
static void write_policies(void)
{
	struct passwd *pw = getpwnam(USER1);
	char path[4400], udir[4200], cmd[8600];
	const char *dirs[2] = { poldir, udir };

	snprintf(udir, sizeof(udir), "%s/.config/cordon/policies",
		 pw ? pw->pw_dir : "/nonexistent");
	snprintf(cmd, sizeof(cmd), "install -d -o %s '%s/.config' '%s/.config/cordon' '%s'", USER1,
		 pw ? pw->pw_dir : "/nonexistent", pw ? pw->pw_dir : "/nonexistent", udir);
	if (system(cmd) != 0)
		fprintf(stderr, "# %s failed\n", cmd);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/t-net.yaml", dirs[i]);
		test_put(path,
			 "name: t-net\nfilesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n"
			 "network:\n  connect: [\"127.0.0.1:%u/udp\"]\n",
			 udp_port);
		snprintf(path, sizeof(path), "%s/t-deny.yaml", dirs[i]);
		test_put(path,
			 "name: t-deny\nfilesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n"
			 "secrets:\n  files: [\"%s/secret\"]\n",
			 dir);
	}
}

/*
 * A session asked for by name over the raw protocol, as @user, by a child that the daemon
 * moves into the session and that then sends one datagram: 0 sent, 1 refused (EPERM),
 * 2 the daemon refused the session, 3 anything else.
 */
static int raw_session_send(const char *user, const char *policy)
{
	struct passwd *pw = getpwnam(user);
	pid_t p;

	if (!pw)
		return 3;
	p = fork();
	if (p == 0) {
		struct sockaddr_in to = { .sin_family = AF_INET,
					  .sin_port = htons(udp_port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		json_t *rep = NULL;
		int fd, s;

		if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
			_exit(3);
		fd = cordon_ctl_connect(sock);
		if (fd < 0 || cordon_ctl_call(fd,
					      json_pack("{s:i,s:s,s:s,s:s}", "v", 1, "op", "create",
							"policy", policy, "project", project),
					      &rep, 10000) < 0)
			_exit(3);
		if (!json_is_true(json_object_get(rep, "ok")))
			_exit(2);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1)
			_exit(0);
		_exit(errno == EPERM ? 1 : 3);
	}
	return test_wait_exit(p);
}

static size_t drain_udp(void)
{
	char buf[64];
	size_t n = 0;

	while (recv(udp_fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}

static void cleanup(void)
{
	char cmd[512];

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, NULL, 0);
	}
	/* Pins hold the programs: removing them is what unloads a test daemon's programs. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pinroot);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", pinroot);
	rmdir(cgroot);
}

static void test_session_and_kill9(const char *attack_cmd_fmt)
{
	char cmd[12000], out[160], go1[160], go2[160], state[300];
	char *argv[10], *end_argv[4];
	char session[40] = "", prefix[16];
	json_t *list;
	pid_t p;
	int rc;

	snprintf(go1, sizeof(go1), "%s/go1", project);
	snprintf(go2, sizeof(go2), "%s/go2", project);
	snprintf(out, sizeof(out), "%s/long.out", dir);
	/* The agent: ready, wait, attack, wait, attack. */
	snprintf(cmd, sizeof(cmd),
		 "echo ready; while [ ! -e %s ]; do sleep 0.05; done; "	  /**/
		 "%s; while [ ! -e %s ]; do sleep 0.05; done; %s; s=$?; " /**/
		 "cat %s/secret; exit $s",
		 go1, attack_cmd_fmt, go2, attack_cmd_fmt, dir);
	run_argv(argv, "t-deny", cmd);
	p = spawn_as(USER1, out, argv);
	tap_check(test_wait_file_has(out, "ready", 10000), "session_started");

	list = call(json_pack("{s:i,s:s}", "v", 1, "op", "list"));
	if (json_array_size(json_object_get(list, "sessions")) == 1)
		snprintf(session, sizeof(session), "%s",
			 json_string_value(json_object_get(
				 json_array_get(json_object_get(list, "sessions"), 0), "session"))
				 ?: "");
	json_decref(list);
	tap_check(strlen(session) == 32, "root_lists_the_session");
	tap_check(ps_count(USER1, session) == 1, "owner_lists_own_session");
	tap_check(ps_count(USER2, NULL) == 0, "other_user_sees_nothing");
	end_argv[0] = (char *)cordon;
	end_argv[1] = "end";
	end_argv[2] = session;
	end_argv[3] = NULL;
	snprintf(cmd, sizeof(cmd), "%s/end.out", dir);
	rc = test_wait_exit(spawn_as(USER2, cmd, end_argv));
	tap_check(rc != 0 && test_file_has(cmd, "no such session"), "other_user_cannot_end");
	/* Nor with the 12 digits `cordon ps` shows: a prefix resolves among one's own sessions. */
	snprintf(prefix, sizeof(prefix), "%.12s", session);
	end_argv[2] = prefix;
	snprintf(cmd, sizeof(cmd), "%s/end-prefix.out", dir);
	rc = test_wait_exit(spawn_as(USER2, cmd, end_argv));
	tap_check(rc != 0 && test_file_has(cmd, "no such session"),
		  "other_user_cannot_end_by_prefix");
	tap_check(ps_count("root", session) == 1, "session_survives_foreign_end");

	/* The daemon dies hard: the pinned programs keep confining the session. */
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = -1;
	test_put(go1, "1");
	tap_check(test_wait_file_has(out, "result=1 ", 10000), "refused_with_eperm_after_kill9");

	start_daemon();
	tap_check(wait_ready(), "daemon_restarts");
	tap_check(log_has("adopted the BPF programs"), "restart_adopts_programs");
	tap_check(log_has("adopted session"), "restart_adopts_session");
	tap_check(ps_count("root", session) == 1, "adopted_session_listed");
	test_put(go2, "1");
	rc = test_wait_exit(p);
	/* the attack's exit status is its errno: EPERM */
	tap_diag("agent exit status %d", rc);
	tap_check(rc == EPERM, "agent_status_propagated");
	{
		FILE *f = fopen(out, "re");
		char line[512];
		int refused = 0;

		while (f && fgets(line, sizeof(line), f))
			refused += strstr(line, "result=1 ") != NULL;
		if (f)
			fclose(f);
		tap_diag("%d of 2 attacks refused", refused);
		tap_check(refused == 2, "both_attacks_refused");
	}
	snprintf(state, sizeof(state), "%s/sessions/%s.json", rundir, session);
	tap_check(test_wait_file_has(state, "\"ended\":true", 5000), "daemon_ends_empty_session");
	{
		char cg[4300];

		snprintf(cg, sizeof(cg), "%s/%s", cgroot, session);
		tap_check(access(cg, F_OK) < 0, "session_cgroup_removed");
	}
	snprintf(cmd, sizeof(cmd), "\"session\":\"%s\"", session);
	tap_check(test_file_has(audit_path, cmd) && test_file_has(audit_path, "\"session-end\""),
		  "audit_has_session_records");
	tap_check(!test_file_has(out, "secret-canary"), "secret_refused_after_restart");
	/* The refusal after the restart names its rule: the adopted session's table. */
	snprintf(cmd, sizeof(cmd), "\"rule_text\":\"secrets.files[0]: %s/secret\"", dir);
	if (!tap_check(test_file_has(audit_path, cmd), "adopted_session_refusal_names_its_rule")) {
		FILE *f = fopen(audit_path, "re");
		char line[8192];

		tap_diag("no record with %s; the records of the session:", cmd);
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, session))
				tap_diag("%.1500s", line);
		if (f)
			fclose(f);
	}
	{
		/* The owner reads the session's records through the daemon; another user cannot. */
		char *aud[] = { (char *)cordon, "audit", "--json", "--session", session, NULL };
		char aout[160];

		snprintf(aout, sizeof(aout), "%s/audit-owner.out", dir);
		tap_check(test_wait_exit(spawn_as(USER1, aout, aud)) == 0 &&
				  test_file_has(aout, cmd) &&
				  test_file_has(aout, "\"outcome\":\"failure\""),
			  "owner_reads_session_audit_through_daemon");
		snprintf(aout, sizeof(aout), "%s/audit-other.out", dir);
		tap_check(test_wait_exit(spawn_as(USER2, aout, aud)) != 0 &&
				  !test_file_has(aout, cmd),
			  "other_user_cannot_read_session_audit");
		/* The 12 digits the start line shows, after the session ended. */
		aud[4] = prefix;
		snprintf(aout, sizeof(aout), "%s/audit-prefix.out", dir);
		tap_check(test_wait_exit(spawn_as(USER1, aout, aud)) == 0 &&
				  test_file_has(aout, cmd),
			  "owner_reads_ended_session_audit_by_prefix");
	}
	unlink(go1);
	unlink(go2);
}

/* What a command printed, for the diagnosis of a failed check. */
static void diag_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		tap_diag("%s: %s", path, line);
	if (f)
		fclose(f);
}

/* Session starts the daemon recorded under policy @policy. */
static int daemon_starts(const char *policy)
{
	char line[8192], pol[128];
	FILE *f = fopen(audit_path, "r");
	int n = 0;

	snprintf(pol, sizeof(pol), "\"policy\":{\"name\":\"%s\"", policy);
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, "\"action\":\"session-start\"") && strstr(line, pol);
	if (f)
		fclose(f);
	return n;
}

/*
 * A `cordon run` inside a session gets nothing from the daemon: the daemon's socket is another
 * program's socket, refused by the session's unix rules (or, reached anyway, the daemon refuses
 * a caller inside a session). What it runs stays inside the outer session.
 */
static void test_nested(void)
{
	char cmd[4200], out[160], *argv[10];
	int rc, before = daemon_starts("t-net");

	snprintf(out, sizeof(out), "%s/nested.out", dir);
	snprintf(cmd, sizeof(cmd),
		 "%s run --policy t-net -- sh -c 'grep ^0:: /proc/self/cgroup'; echo nested=$?",
		 cordon);
	run_argv(argv, "t-deny", cmd);
	rc = test_wait_exit(spawn_as(USER1, out, argv));
	if (!tap_check(rc == 0 && test_file_has(out, "nested=") && daemon_starts("t-net") == before,
		       "no_session_from_inside_a_session"))
		diag_file(out);
	/* Whatever ran nested ran in the outer session's cgroup (or did not run at all). */
	snprintf(cmd, sizeof(cmd), "0::%s/", strrchr(cgroot, '/'));
	tap_check(!test_file_has(out, "0::/") || test_file_has(out, cmd),
		  "nested_run_stays_in_the_outer_session");
}

/* `cordon run --audit-log` with the daemon: our records and the daemon's, in one file. */
static void test_client_audit_log(void)
{
	char cmd[4200], out[160], log[200], *argv[12];
	int rc;

	snprintf(out, sizeof(out), "%s/clog.out", dir);
	/* Outside the project: a log in a write tree of the session is refused at start. */
	snprintf(log, sizeof(log), "%s/clog", dir);
	mkdir(log, 0777);
	chmod(log, 01777);
	snprintf(log, sizeof(log), "%s/clog/client.jsonl", dir);
	snprintf(cmd, sizeof(cmd), "%s udp_sendto 127.0.0.1 %u", attack, udp_port);
	argv[0] = (char *)cordon;
	argv[1] = "run";
	argv[2] = "--audit-log";
	argv[3] = log;
	argv[4] = "--policy";
	argv[5] = "t-deny";
	argv[6] = "--";
	argv[7] = "/bin/sh";
	argv[8] = "-c";
	argv[9] = cmd;
	argv[10] = NULL;
	rc = test_wait_exit(spawn_as(USER1, out, argv));
	tap_check(rc == EPERM && test_file_has(out, "result=1 "), "client_log_session_refused");
	tap_check(test_file_has(log, "\"action\":\"session-start\"") &&
			  test_file_has(log, "\"action\":\"session-end\""),
		  "client_log_has_own_session_records");
	if (!tap_check(test_file_has(log, "\"daemon\":true"),
		       "client_log_has_daemon_session_start")) {
		diag_file(out);
		diag_file(log);
	}
	tap_check(test_file_has(log, "\"outcome\":\"failure\"") &&
			  test_file_has(log, "\"layer\":\"cgroup_bpf\""),
		  "client_log_has_the_kernel_refusal");
}

static void test_concurrent(void)
{
	pid_t pids[NSESSIONS];
	char cmd[4200], out[NSESSIONS][160], *argv[10];
	int good = 0, bad = 0;
	struct timespec t0, t1;
	size_t got;

	drain_udp();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(cmd, sizeof(cmd), "%s udp_sendto 127.0.0.1 %u", attack, udp_port);
	for (int i = 0; i < NSESSIONS; i++) {
		snprintf(out[i], sizeof(out[i]), "%s/c%d.out", dir, i);
		run_argv(argv, i % 2 ? "t-deny" : "t-net", cmd);
		pids[i] = spawn_as(USER1, out[i], argv);
	}
	for (int i = 0; i < NSESSIONS; i++) {
		int rc = test_wait_exit(pids[i]);
		bool allowed = test_file_has(out[i], "result=0 "),
		     refused = test_file_has(out[i], "result=1 ");

		if (rc == (i % 2 ? EPERM : 0) && (i % 2 ? refused : allowed))
			good++;
		else if (bad++ < 3) {
			fprintf(stderr, "# session %d (rc %d) got the wrong verdict\n", i, rc);
			diag_file(out[i]);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	got = drain_udp();
	tap_diag("%d/%d sessions right, %zu datagrams arrived, in %.1f s", good, NSESSIONS, got,
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	tap_check(good == NSESSIONS, "concurrent_sessions_each_enforce_own_policy");
	tap_check(got == NSESSIONS / 2, "only_allowed_sessions_delivered");
}

static void test_sighup(void)
{
	char path[256];

	drain_udp();
	/* Everything below needs the daemon that served the sessions above. */
	if (!tap_check(kill(daemon_pid, 0) == 0 && waitpid(daemon_pid, NULL, WNOHANG) == 0 &&
			       hello(),
		       "daemon_alive_after_sessions"))
		diag_file(daemon_log());
	tap_check(raw_session_send(USER1, "t-net") == 0, "by_name_allowed_send");
	tap_check(raw_session_send(USER1, "t-deny") == 1, "by_name_refused_send");
	snprintf(path, sizeof(path), "%s/t-net.yaml", poldir);
	test_put(path, "name: t-net\nfilesystem:\n  read: [/]\n  bogus_key: 1\n");
	snprintf(path, sizeof(path), "%s/t-new.yaml", poldir);
	test_put(path, "name: t-new\nfilesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n");
	kill(daemon_pid, SIGHUP);
	for (int i = 0; i < 100 && !log_has("keeping the previous one"); i++)
		test_sleep_ms(50);
	tap_check(log_has("keeping the previous one"), "sighup_refuses_broken_set");
	tap_check(log_has("t-net.yaml:4:3: unknown key"), "sighup_says_where");
	tap_check(raw_session_send(USER1, "t-net") == 0, "old_policy_still_served");
	tap_check(raw_session_send(USER1, "t-new") == 2, "new_policy_not_yet_served");

	write_policies();
	kill(daemon_pid, SIGHUP);
	for (int i = 0; i < 100 && !log_has("policy set 2 in use"); i++)
		test_sleep_ms(50);
	tap_check(raw_session_send(USER1, "t-new") == 1, "fixed_set_served_after_sighup");
	tap_check(drain_udp() == 2, "only_allowed_datagrams_arrived");

	/*
	 * The daemon keeps policies it resolved while their set is in use: a policy edited and
	 * reloaded must be served as it is now, never as it was. t-net is served (and kept)
	 * twice, then loses its connect rule: after SIGHUP its session's datagram is refused.
	 */
	tap_check(raw_session_send(USER1, "t-net") == 0 && raw_session_send(USER1, "t-net") == 0,
		  "kept_policy_served_again");
	snprintf(path, sizeof(path), "%s/t-net.yaml", poldir);
	test_put(path, "name: t-net\nfilesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n");
	kill(daemon_pid, SIGHUP);
	for (int i = 0; i < 100 && !log_has("policy set 3 in use"); i++)
		test_sleep_ms(50);
	tap_check(log_has("policy set 3 in use"), "edited_set_loaded");
	tap_check(raw_session_send(USER1, "t-net") == 1, "edited_policy_served_as_it_is_now");
	tap_check(drain_udp() == 2, "only_datagrams_of_the_policy_as_it_was");
	write_policies();
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sa);
	char mnt[4096], cmd[4200], out[160], *argv[10];
	uid_t u1, u2;
	gid_t g;
	int status;

	static char cordon_abs[4096];
	char attack_rel[4096];

	cordon = getenv("CORDON_BIN");
	if (geteuid() != 0 || !cordon || access(cordon, X_OK)) {
		tap_skip("needs root and CORDON_BIN", "daemon");
		return 0;
	}
	/* Absolute: the agents run in the project directory. */
	if (realpath(cordon, cordon_abs))
		cordon = cordon_abs;
	snprintf(attack, sizeof(attack), "%.500s/tests/escape/attack", getenv("O") ?: "build");
	if (access(attack, X_OK)) {
		char *slash;

		snprintf(attack, sizeof(attack), "%.500s", cordon);
		slash = strrchr(attack, '/');
		if (slash)
			snprintf(slash, sizeof(attack) - (size_t)(slash - attack),
				 "/tests/escape/attack");
	}
	snprintf(attack_rel, sizeof(attack_rel), "%s", attack);
	if (!realpath(attack_rel, attack))
		attack[0] = '\0';
	if (!tap_check(access(attack, X_OK) == 0, "attack_binary") ||
	    !tap_check(ensure_user(USER1, &u1, &g) == 0 && ensure_user(USER2, &u2, &g) == 0,
		       "test_users") ||
	    !tap_check(cordon_cgroup2_mount(mnt, sizeof(mnt) - 64) == 0, "cgroup2"))
		return 1;
	if (access("/sys/kernel/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	/* Not in /tmp: the session has a /tmp of its own, where the agent would find no attack. */
	snprintf(dir, sizeof(dir), "/opt/cordon-dtest-%d", (int)getpid());
	mkdir(dir, 0755);
	snprintf(sock, sizeof(sock), "%s/cordon.sock", dir);
	snprintf(rundir, sizeof(rundir), "%s/run", dir);
	snprintf(pinroot, sizeof(pinroot), "/sys/fs/bpf/cordon-dtest-%d", (int)getpid());
	snprintf(cgroot, sizeof(cgroot), "%s/cordon-dtest-%d", mnt, (int)getpid());
	snprintf(poldir, sizeof(poldir), "%s/policies", dir);
	snprintf(floor_path, sizeof(floor_path), "%s/floor.yaml", dir);
	snprintf(cfg, sizeof(cfg), "%s/cordon.yaml", dir);
	snprintf(audit_path, sizeof(audit_path), "%s/audit.jsonl", dir);
	snprintf(project, sizeof(project), "%s/project", dir);
	/*
	 * The users run copies: the build tree may sit below a directory they cannot enter (a
	 * clone in a mktemp -d directory, mode 0700).
	 */
	{
		static char cordon_copy[200];
		char bindir[128], attack_copy[160];
		char *inst[] = {
			"/usr/bin/install", "-m", "0755", (char *)cordon, attack, bindir, NULL
		};

		snprintf(bindir, sizeof(bindir), "%s/bin", dir);
		mkdir(bindir, 0755);
		if (!tap_check(run_wait(inst) == 0, "binaries_copied"))
			return 1;
		snprintf(cordon_copy, sizeof(cordon_copy), "%s/cordon", bindir);
		snprintf(attack_copy, sizeof(attack_copy), "%s/attack", bindir);
		cordon = cordon_copy;
		snprintf(attack, sizeof(attack), "%s", attack_copy);
	}
	mkdir(poldir, 0755);
	mkdir(project, 0777);
	snprintf(cmd, sizeof(cmd), "%s/secret", dir);
	test_put(cmd, "secret-canary\n");
	chmod(cmd, 0644);
	chmod(project, 01777);
	test_put(cfg, "audit:\n  file: %s\n", audit_path);

	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!tap_check(udp_fd >= 0 && bind(udp_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
			       getsockname(udp_fd, (struct sockaddr *)&sa, &slen) == 0,
		       "udp_listener"))
		return 1;
	udp_port = ntohs(sa.sin_port);
	write_policies();
	atexit(cleanup);

	/* Outside cordon the attack works, so a refusal below proves something. */
	snprintf(out, sizeof(out), "%s/outside.out", dir);
	argv[0] = attack;
	argv[1] = "udp_sendto";
	argv[2] = "127.0.0.1";
	snprintf(cmd, sizeof(cmd), "%u", udp_port);
	argv[3] = cmd;
	argv[4] = NULL;
	tap_check(test_wait_exit(spawn_as(USER1, out, argv)) == 0 &&
			  test_file_has(out, "result=0 "),
		  "outside_udp_send_works");
	tap_check(drain_udp() == 1, "outside_datagram_arrived");

	start_daemon();
	if (!tap_check(wait_ready(), "daemon_ready"))
		return 1;
	tap_check(log_has("loaded and pinned"), "first_start_loads_and_pins");

	snprintf(cmd, sizeof(cmd), "%s udp_sendto 127.0.0.1 %u", attack, udp_port);
	test_session_and_kill9(cmd);
	test_nested();
	test_client_audit_log();
	test_concurrent();
	test_sighup();

	/* Every line the daemon wrote, for all these sessions, validates against the schema. */
	{
		json_t *schema = json_load_file("docs/audit-schema.json", 0, NULL);
		FILE *f = fopen(audit_path, "re");
		char line[65536], err[512];
		int valid = 0, bad = 0;

		while (schema && f && fgets(line, sizeof(line), f)) {
			json_t *j = json_loads(line, 0, NULL);

			if (j && audit_schema_validate(j, err, sizeof(err)) == 0) {
				valid++;
			} else if (bad++ < 3) {
				tap_diag("invalid: %s", err);
				tap_diag("%.300s", line);
			}
			json_decref(j);
		}
		if (f)
			fclose(f);
		json_decref(schema);
		tap_diag("%d valid audit lines, %d invalid", valid, bad);
		tap_check(valid > 0 && bad == 0, "daemon_audit_validates_against_schema");
	}

	/* SIGTERM: the daemon stops, its pins stay (and are removed by cleanup). */
	kill(daemon_pid, SIGTERM);
	tap_check(waitpid(daemon_pid, &status, 0) == daemon_pid && WIFEXITED(status) &&
			  WEXITSTATUS(status) == 0,
		  "sigterm_stops_cleanly");
	daemon_pid = -1;
	tap_check(log_has("stay confined by the pinned programs"), "stop_leaves_pins");
	/* Under the sanitizers (tests/run-suite.sh), a report the daemon printed fails the run. */
	tap_check(!log_has("Sanitizer") && !log_has("runtime error:"),
		  "daemon_no_sanitizer_report");
	if (tap_status() != 0)
		diag_file(daemon_log());
	{
		char *rm[] = { "/bin/rm", "-rf", dir, NULL };

		test_run(rm);
	}
	return tap_status();
}
