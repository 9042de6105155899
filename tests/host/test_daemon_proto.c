// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's control socket under abuse (issue 7, part 2): a daemon of the test's own (socket,
 * run dir, pins, cgroup root, policies, floor) takes malformed, oversize and random messages,
 * hundreds of connections and clients that never send or never read, from an ordinary user and
 * from root. After every batch it must still answer `hello`, and an agent confined before the
 * barrage must still be refused its forbidden UDP send. Also: users see and end only their own
 * sessions. The parent process only starts the daemon and cleans up; the checks run in a child,
 * so a crash of the checks still removes the daemon, its pins and its cgroups.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "enforce/enforce.h"
#include "sys/sys.h"
#include "rmtree.h"
#include "tap.h"

#define TIMEOUT_MS 5000
#define NRANDOM	   10000
#define NCONNS	   600

static char dir[64], sock_path[128], pin_root[64], cg_root[4200], run_dir[128];
static char cordon[PATH_MAX], attack[128], project[128];
static pid_t daemon_pid = -1;
static uid_t user_a = 65534; /* nobody */
static uid_t user_b = 1;     /* daemon */

/* --- set-up and clean-up (parent) -------------------------------------------------------------- */

static int put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	close(out);
	return n < 0 ? -EIO : 0;
}

static void cleanup(void)
{
	char kill_path[4300];
	int status;

	if (getenv("DP_KEEP")) /* debugging: leave the daemon's files for a look */
		(void)!system("cat /opt/cordon-dp-*/agent.log /opt/cordon-dp-*/daemon.log | sed "
			      "'s/^/# /'");

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		for (int i = 0; i < 100 && waitpid(daemon_pid, &status, WNOHANG) == 0; i++)
			usleep(20000);
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, &status, 0);
		daemon_pid = -1;
	}
	/* Kill whatever is left in the test's cgroup tree, then remove it, deepest first. */
	if (cg_root[0]) {
		snprintf(kill_path, sizeof(kill_path), "%s/cgroup.kill", cg_root);
		put(kill_path, "1", 0644);
		test_rm_cgroups(cg_root);
	}
	if (pin_root[0])
		test_rm_rf(pin_root);
	if (dir[0])
		test_rm_rf(dir);
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup();
	_exit(1);
}

/* Start the daemon and wait for READY=1 on a notify socket of ours (sd_notify(3)). */
static int start_daemon(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char notify[100], buf[256], log[128], mnt[4096];
	int nfd, r;
	ssize_t n;

	r = cordon_cgroup2_mount(mnt, sizeof(mnt));
	if (r < 0)
		return r;
	snprintf(cg_root, sizeof(cg_root), "%s/cordon-t-%d", mnt, (int)getpid());
	snprintf(notify, sizeof(notify), "%s/notify", dir);
	snprintf(log, sizeof(log), "%s/daemon.log", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", notify);
	nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nfd < 0 || bind(nfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	fflush(NULL);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		char config[128], pdir[128], floor[128];
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		snprintf(config, sizeof(config), "%s/cordon.yaml", dir);
		snprintf(pdir, sizeof(pdir), "%s/policies", dir);
		snprintf(floor, sizeof(floor), "%s/floor.yaml", dir);
		setpgid(0, 0);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		setenv("NOTIFY_SOCKET", notify, 1);
		execl(cordon, cordon, "daemon", "--config", config, "--socket", sock_path,
		      "--run-dir", run_dir, "--pin-root", pin_root, "--cgroup-root", cg_root,
		      "--policy-dir", pdir, "--floor", floor, (char *)NULL);
		_exit(127);
	}
	if (daemon_pid < 0)
		return -errno;
	for (int i = 0; i < 300; i++) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		int status;

		if (poll(&p, 1, 100) == 1) {
			n = recv(nfd, buf, sizeof(buf) - 1, 0);
			if (n > 0) {
				buf[n] = '\0';
				if (strstr(buf, "READY=1")) {
					close(nfd);
					return 0;
				}
			}
		}
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			daemon_pid = -1;
			close(nfd);
			return -ECHILD;
		}
	}
	close(nfd);
	return -ETIMEDOUT;
}

static int setup(void)
{
	const char *bin = getenv("CORDON_BIN") ?: "build/cordon";
	const char *o = getenv("O") ?: "build";
	char path[256], from[PATH_MAX];
	int r = 0;

	if (!realpath(bin, cordon))
		return -errno;
	/* Not in /tmp: the session has a /tmp of its own, where the agent would find no attack. */
	snprintf(dir, sizeof(dir), "/opt/cordon-dp-%d", (int)getpid());
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/cordon-t-%d", (int)getpid());
	snprintf(attack, sizeof(attack), "%s/attack", dir);
	snprintf(project, sizeof(project), "%s/project", dir);
	test_rm_rf(dir);
	if (mkdir(dir, 0755) < 0 || chmod(dir, 0755) < 0 || mkdir(project, 0777) < 0 ||
	    chmod(project, 0777) < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/policies", dir);
	if (mkdir(path, 0755) < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/policies/dp-test.yaml", dir);
	r = put(path, "name: dp-test\ndescription: test policy\nextends: offline\n", 0644);
	snprintf(path, sizeof(path), "%s/floor.yaml", dir);
	if (r == 0)
		r = put(path,
			"name: dp-floor\ndescription: test floor\n"
			"process:\n  exec_deny: [/usr/bin/pkexec]\n",
			0644);
	snprintf(path, sizeof(path), "%s/cordon.yaml", dir);
	if (r == 0) {
		char text[256];

		snprintf(text, sizeof(text), "audit:\n  file: %s/audit.jsonl\n  keep: 1\n", dir);
		r = put(path, text, 0644);
	}
	/* The agent policy lets the user execute from /tmp, not from the build tree. dp-test is
	 * known to the daemon only (the client resolves the agent's policy itself first). */
	snprintf(from, sizeof(from), "%s/tests/escape/attack", o);
	if (r == 0)
		r = copy(from, attack);
	/* cordon too: the build tree may sit below a directory other users cannot enter. */
	snprintf(path, sizeof(path), "%s/cordon", dir);
	if (r == 0)
		r = copy(cordon, path);
	if (r == 0)
		snprintf(cordon, sizeof(cordon), "%s", path);
	return r;
}

/* --- helpers (test child) ---------------------------------------------------------------------- */

/* Run @fn as @uid (groups dropped) in a child: its exit status, or 255 when it crashed. */
static int as_user(uid_t uid, int (*fn)(void *), void *arg)
{
	int status;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		struct passwd *pw = getpwuid(uid);
		gid_t gid = pw ? pw->pw_gid : uid;

		if (uid && (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
			    setresuid(uid, uid, uid) < 0))
			_exit(254);
		_exit(fn(arg) & 0xff);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return 255;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* Send @len raw bytes as one message; the reply, or -errno (-EPIPE: closed without one). */
static int raw_call(int fd, const void *buf, size_t len, json_t **rep)
{
	*rep = NULL;
	if (send(fd, buf, len, MSG_NOSIGNAL) < 0)
		return -errno;
	return cordon_ctl_recv(fd, rep, TIMEOUT_MS);
}

/* The errno of a reply: 0 for ok:true, -1 for a reply without ok or errno. */
static int reply_errno(const json_t *rep)
{
	json_t *ok = json_object_get(rep, "ok"), *e = json_object_get(rep, "errno");

	if (json_is_true(ok))
		return 0;
	if (!json_is_false(ok) || !json_is_integer(e) ||
	    !json_is_string(json_object_get(rep, "error")))
		return -1;
	return (int)json_integer_value(e);
}

static json_t *call(json_t *req)
{
	json_t *rep = NULL;
	int fd = cordon_ctl_connect(sock_path);

	if (fd >= 0) {
		if (cordon_ctl_call(fd, req, &rep, TIMEOUT_MS) < 0)
			rep = NULL;
		close(fd);
	}
	json_decref(req);
	return rep;
}

static json_t *call_op(const char *op, const char *session)
{
	json_t *req = json_pack("{s:i,s:s}", "v", CORDON_CTL_VERSION, "op", op);

	if (session)
		json_object_set_new(req, "session", json_string(session));
	return call(req);
}

static int hello_fn(void *arg)
{
	json_t *rep = call_op("hello", NULL);
	int ok = rep && reply_errno(rep) == 0 &&
		 json_integer_value(json_object_get(json_object_get(rep, "daemon"), "pid")) ==
			 (json_int_t)daemon_pid;

	(void)arg;
	json_decref(rep);
	return ok ? 0 : 1;
}

/* --- the confined agent: a shell that runs the forbidden send once per line it reads ----------- */

static pid_t agent_pid = -1;
static int agent_in = -1, agent_out = -1;

static int start_agent(void)
{
	int in[2], out[2];
	char loop[512], log[128];

	snprintf(loop, sizeof(loop), "while read l; do %s udp_sendto 192.0.2.1 9; done", attack);
	snprintf(log, sizeof(log), "%s/agent.log", dir);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	agent_pid = fork();
	if (agent_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (chdir(project) < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(65534, 65534, 65534) < 0 || setresuid(user_a, user_a, user_a) < 0)
			_exit(126);
		setenv("CORDON_SOCKET", sock_path, 1);
		execl(cordon, cordon, "run", "--allow-degraded", "--policy", "offline", "--", "sh",
		      "-c", loop, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	agent_in = in[1];
	agent_out = out[0];
	return agent_pid < 0 ? -errno : 0;
}

/* "attack udp_sendto result=N (NAME)" -> N, or -1 when nothing came within the timeout. */
static int read_result(int fd)
{
	char line[512];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, TIMEOUT_MS) != 1 || read(fd, line + n, 1) != 1)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return strstr(line, "result=") ? atoi(strstr(line, "result=") + 7) : -1;
}

static int agent_attack(void)
{
	if (write(agent_in, "x\n", 2) != 2)
		return -1;
	return read_result(agent_out);
}

static int outside_attack_fn(void *arg)
{
	int p[2], status;
	pid_t pid;

	(void)arg;
	if (pipe(p) < 0)
		return 250;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execl(attack, attack, "udp_sendto", "192.0.2.1", "9", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	status = read_result(p[0]);
	close(p[0]);
	waitpid(pid, NULL, 0);
	return status < 0 ? 251 : status;
}

/* After every batch: the daemon answers both users, and the agent is still refused. */
static void still_serving(const char *batch)
{
	int err;

	tap_check(as_user(0, hello_fn, NULL) == 0 && as_user(user_a, hello_fn, NULL) == 0,
		  "after_%s/daemon_answers_hello", batch);
	err = agent_attack();
	tap_check(err == EPERM, "after_%s/agent_udp_sendto_still_refused (got %d)", batch, err);
}

/* --- sessions and ownership -------------------------------------------------------------------- */

static char session_a[40], session_b[40];
static pid_t holder_b = -1;

/* The sessions a user sees; *uids_ok when every one is theirs (root: always). */
static int list_fn(void *arg)
{
	const char *want = arg; /* "A", "B" or "AB": which sessions must be listed */
	json_t *rep = call_op("list", NULL), *s;
	bool a = false, b = false;
	size_t i;
	uid_t me = getuid();
	int bad = 0;

	if (!rep || reply_errno(rep) != 0)
		return 1;
	json_array_foreach (json_object_get(rep, "sessions"), i, s) {
		const char *name = json_string_value(json_object_get(s, "session")) ?: "";
		json_int_t uid = json_integer_value(json_object_get(s, "uid"));

		a |= !strcmp(name, session_a);
		b |= !strcmp(name, session_b);
		if (me && uid != (json_int_t)me)
			bad = 2;
	}
	json_decref(rep);
	if (a != !!strchr(want, 'A') || b != !!strchr(want, 'B'))
		bad = 3;
	return bad;
}

struct op_arg {
	const char *op;
	const char *session;
};

/* The errno the daemon answers @op on a session with (0: ok). */
static int op_fn(void *arg)
{
	const struct op_arg *o = arg;
	json_t *req = json_pack("{s:i,s:s,s:s}", "v", CORDON_CTL_VERSION, "op", o->op, "session",
				o->session);
	int fd = cordon_ctl_connect(sock_path), r = 200;
	json_t *rep = NULL;

	/* audit answers in several messages: read up to the one with "done" */
	if (fd >= 0 && cordon_ctl_send(fd, req) == 0) {
		while (cordon_ctl_recv(fd, &rep, TIMEOUT_MS) == 0) {
			r = reply_errno(rep);
			if (r || strcmp(o->op, "audit") ||
			    json_is_true(json_object_get(rep, "done"))) {
				json_decref(rep);
				break;
			}
			json_decref(rep);
		}
	}
	json_decref(req);
	if (fd >= 0)
		close(fd);
	return r < 0 ? 201 : r;
}

/* User B's session: a child that asks for it (and is moved in) and then waits to be killed. */
static int start_session_b(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	holder_b = fork();
	if (holder_b == 0) {
		struct passwd *pw = getpwuid(user_b);
		json_t *rep;
		const char *name;

		close(p[0]);
		close(agent_in); /* the agent's shell must see its input end */
		if (!pw || setgroups(0, NULL) < 0 ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
		    setresuid(user_b, user_b, user_b) < 0)
			_exit(1);
		rep = call(json_pack("{s:i,s:s,s:s,s:s}", "v", CORDON_CTL_VERSION, "op", "create",
				     "policy", "dp-test", "project", project));
		name = json_string_value(json_object_get(rep, "session"));
		if (!name)
			tap_diag("user B create: %s",
				 json_string_value(json_object_get(rep, "error")) ?: "no reply");
		dprintf(p[1], "%s\n", name ?: "");
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	{
		ssize_t n = read(p[0], session_b, sizeof(session_b) - 1);

		session_b[n > 0 ? n : 0] = '\0';
		session_b[strcspn(session_b, "\n")] = '\0';
	}
	close(p[0]);
	return strlen(session_b) == CORDON_CTL_SESSION_LEN ? 0 : -EIO;
}

static int find_session_a_fn(void *arg)
{
	json_t *rep = call_op("list", NULL), *s;
	size_t i;
	int fd = *(int *)arg;

	json_array_foreach (json_object_get(rep, "sessions"), i, s)
		dprintf(fd, "%s\n", json_string_value(json_object_get(s, "session")) ?: "");
	json_decref(rep);
	return 0;
}

static int find_session_a(void)
{
	int p[2];
	ssize_t n;

	for (int i = 0; i < 100; i++) {
		if (pipe(p) < 0)
			return -errno;
		as_user(user_a, find_session_a_fn, &p[1]);
		close(p[1]);
		n = read(p[0], session_a, sizeof(session_a) - 1);
		close(p[0]);
		session_a[n > 0 ? n : 0] = '\0';
		session_a[strcspn(session_a, "\n")] = '\0';
		if (strlen(session_a) == CORDON_CTL_SESSION_LEN)
			return 0;
		usleep(20000);
	}
	return -ENOENT;
}

static void test_ownership(void)
{
	struct op_arg end_b = { "end", session_b }, audit_b = { "audit", session_b };
	struct op_arg end_a = { "end", session_a }, audit_a = { "audit", session_a };
	struct op_arg end_none = { "end", "00000000000000000000000000000000" };
	int r;

	tap_check(as_user(user_a, list_fn, "A") == 0, "ownership/user_lists_only_own_session");
	tap_check(as_user(user_b, list_fn, "B") == 0, "ownership/other_user_lists_only_own");
	tap_check(as_user(0, list_fn, "AB") == 0, "ownership/root_lists_all_sessions");
	r = as_user(user_a, op_fn, &end_b);
	tap_check(r == ENOENT, "ownership/user_cannot_end_other_users_session (errno %d)", r);
	r = as_user(user_a, op_fn, &audit_b);
	tap_check(r == ENOENT, "ownership/user_cannot_audit_other_users_session (errno %d)", r);
	r = as_user(user_b, op_fn, &end_a);
	tap_check(r == ENOENT, "ownership/other_user_cannot_end_agent_session (errno %d)", r);
	r = as_user(user_a, op_fn, &end_none);
	tap_check(r == ENOENT, "ownership/end_of_unknown_session_is_enoent (errno %d)", r);
	r = as_user(user_a, op_fn, &audit_a);
	tap_check(r == 0, "ownership/user_audits_own_session (errno %d)", r);
	r = as_user(0, op_fn, &audit_b);
	tap_check(r == 0, "ownership/root_audits_any_session (errno %d)", r);
	tap_check(as_user(user_b, list_fn, "B") == 0 && as_user(user_a, list_fn, "A") == 0,
		  "ownership/sessions_survive_refused_ends");
}

/* --- batches ----------------------------------------------------------------------------------- */

struct bad_msg {
	const char *name;
	const char *text;
	size_t len; /* 0: strlen(text) */
	int expect; /* errno of the reply */
};

static const struct bad_msg bad_msgs[] = {
	{ "not_json", "hello daemon", 0, EPROTO },
	{ "truncated_json", "{\"v\":1,\"op\":\"hel", 0, EPROTO },
	{ "truncated_after_key", "{\"v\":1,\"op\"", 0, EPROTO },
	{ "json_array", "[{\"v\":1,\"op\":\"hello\"}]", 0, EPROTO },
	{ "json_string", "\"hello\"", 0, EPROTO },
	{ "json_number", "1", 0, EPROTO },
	{ "json_null", "null", 0, EPROTO },
	{ "two_values", "{\"v\":1,\"op\":\"hello\"}{\"v\":1,\"op\":\"hello\"}", 0, EPROTO },
	{ "duplicate_key", "{\"v\":1,\"op\":\"hello\",\"op\":\"list\"}", 0, EPROTO },
	{ "bad_utf8", "{\"v\":1,\"op\":\"h\xff\xfello\"}", 0, EPROTO },
	{ "version_2", "{\"v\":2,\"op\":\"hello\"}", 0, EPROTO },
	{ "version_0", "{\"v\":0,\"op\":\"hello\"}", 0, EPROTO },
	{ "version_string", "{\"v\":\"1\",\"op\":\"hello\"}", 0, EPROTO },
	{ "version_real", "{\"v\":1.0,\"op\":\"hello\"}", 0, EPROTO },
	{ "version_missing", "{\"op\":\"hello\"}", 0, EPROTO },
	{ "unknown_op", "{\"v\":1,\"op\":\"shutdown\"}", 0, EINVAL },
	{ "op_number", "{\"v\":1,\"op\":1}", 0, EINVAL },
	{ "op_missing", "{\"v\":1}", 0, EINVAL },
	{ "unknown_field", "{\"v\":1,\"op\":\"hello\",\"uid\":0}", 0, EINVAL },
	{ "field_of_other_op",
	  "{\"v\":1,\"op\":\"list\",\"session\":\"0123456789abcdef0123456789abcdef\"}", 0, EINVAL },
	{ "create_unknown_field",
	  "{\"v\":1,\"op\":\"create\",\"policy\":\"offline\",\"project\":\"/tmp\",\"pid\":1}", 0,
	  EINVAL },
	{ "session_number", "{\"v\":1,\"op\":\"end\",\"session\":12}", 0, EINVAL },
	{ "session_short", "{\"v\":1,\"op\":\"end\",\"session\":\"012\"}", 0, EINVAL },
	{ "session_long",
	  "{\"v\":1,\"op\":\"end\",\"session\":\"0123456789abcdef0123456789abcdef0\"}", 0,
	  EMSGSIZE },
	{ "session_prefix_of_none", "{\"v\":1,\"op\":\"end\",\"session\":\"0123\"}", 0, ENOENT },
	{ "session_upper",
	  "{\"v\":1,\"op\":\"audit\",\"session\":\"0123456789ABCDEF0123456789ABCDEF\"}", 0,
	  EINVAL },
	{ "session_traversal",
	  "{\"v\":1,\"op\":\"audit\",\"session\":\"../../../../../../../etc/passwd\"}", 0, EINVAL },
	{ "project_array", "{\"v\":1,\"op\":\"create\",\"policy\":\"offline\",\"project\":[]}", 0,
	  EINVAL },
	{ "policy_object", "{\"v\":1,\"op\":\"create\",\"policy\":{},\"project\":\"/tmp\"}", 0,
	  EINVAL },
	{ "policy_path",
	  "{\"v\":1,\"op\":\"create\",\"policy\":\"/etc/shadow\",\"project\":\"/tmp\"}", 0,
	  EINVAL },
	{ "project_relative",
	  "{\"v\":1,\"op\":\"create\",\"policy\":\"offline\",\"project\":\"tmp\"}", 0, EINVAL },
	{ "policy_and_text",
	  "{\"v\":1,\"op\":\"create\",\"policy\":\"offline\",\"policy_text\":\"name: x\\n\","
	  "\"policy_file\":\"/x.yaml\",\"project\":\"/tmp\"}",
	  0, EINVAL },
	{ "text_without_file",
	  "{\"v\":1,\"op\":\"create\",\"policy_text\":\"name: x\\n\",\"project\":\"/tmp\"}", 0,
	  EINVAL },
	{ "escaped_nul_in_session",
	  "{\"v\":1,\"op\":\"end\",\"session\":\"0123456789abcdef\\u00000123456789abcde\"}", 0,
	  EPROTO },
	{ "escaped_nul_in_policy_text",
	  "{\"v\":1,\"op\":\"create\",\"policy_text\":\"name: x\\u0000\",\"policy_file\":\"/x\","
	  "\"project\":\"/tmp\"}",
	  0, EPROTO },
	{ "raw_nul_after_object", "{\"v\":1,\"op\":\"hello\"}\0", 21, EPROTO },
	{ "raw_nul_in_string", "{\"v\":1,\"op\":\"hel\0lo\"}", 22, EPROTO },
	{ "raw_nul_only", "\0\0\0\0", 4, EPROTO },
};

/* Each message on a fresh connection: the reply and its errno, and nothing else. */
static int malformed_fn(void *arg)
{
	int bad = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(bad_msgs) / sizeof(bad_msgs[0]); i++) {
		const struct bad_msg *m = &bad_msgs[i];
		int fd = cordon_ctl_connect(sock_path), r, e = -100;
		json_t *rep = NULL;

		if (fd < 0)
			return 100;
		r = raw_call(fd, m->text, m->len ? m->len : strlen(m->text), &rep);
		if (r == 0)
			e = reply_errno(rep);
		if (e != m->expect) {
			tap_diag("malformed %s (uid %u): recv %d, errno %d, expected %d", m->name,
				 (unsigned)getuid(), r, e, m->expect);
			bad = 1;
		}
		json_decref(rep);
		close(fd);
	}
	/* A 100 kB nest of arrays: refused by the JSON parser's depth limit, not the stack. */
	{
		size_t n = 100000;
		char *deep = malloc(n);
		int fd = cordon_ctl_connect(sock_path), r;
		json_t *rep = NULL;

		memset(deep, '[', n);
		r = raw_call(fd, deep, n, &rep);
		if (r != 0 || reply_errno(rep) != EPROTO) {
			tap_diag("deep nesting: recv %d, errno %d", r,
				 rep ? reply_errno(rep) : -100);
			bad = 1;
		}
		free(deep);
		json_decref(rep);
		close(fd);
	}
	/* An empty message reads as end-of-file on SOCK_SEQPACKET: the daemon hangs up. */
	{
		int fd = cordon_ctl_connect(sock_path), r;
		json_t *rep = NULL;

		r = raw_call(fd, "", 0, &rep);
		if (r != -EPIPE && r != -ECONNRESET) {
			tap_diag("empty message: recv %d", r);
			bad = 1;
		}
		json_decref(rep);
		close(fd);
	}
	return bad;
}

/* Oversize: refused whole (send fails) or answered with EMSGSIZE; exactly the limit works. */
static int oversize_fn(void *arg)
{
	size_t sizes[] = { CORDON_CTL_MAX_MSG + 1, CORDON_CTL_MAX_MSG + 4096, 200 * 1024,
			   1024 * 1024, 8 * 1024 * 1024 };
	char *buf = malloc(8 * 1024 * 1024);
	int bad = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int fd = cordon_ctl_connect(sock_path), r;
		json_t *rep = NULL;

		/* a valid hello followed by blanks: only its size is wrong */
		memset(buf, ' ', sizes[i]);
		memcpy(buf, "{\"v\":1,\"op\":\"hello\"}", 20);
		r = raw_call(fd, buf, sizes[i], &rep);
		if (!(r == -EMSGSIZE || r == -ENOBUFS ||
		      (r == 0 && reply_errno(rep) == EMSGSIZE))) {
			tap_diag("oversize %zu bytes: recv %d, errno %d", sizes[i], r,
				 rep ? reply_errno(rep) : -100);
			bad = 1;
		}
		json_decref(rep);
		close(fd);
	}
	{
		int fd = cordon_ctl_connect(sock_path), r;
		json_t *rep = NULL;

		memset(buf, ' ', CORDON_CTL_MAX_MSG);
		memcpy(buf, "{\"v\":1,\"op\":\"hello\"}", 20);
		r = raw_call(fd, buf, CORDON_CTL_MAX_MSG, &rep);
		if (r != 0 || reply_errno(rep) != 0) {
			tap_diag("exactly %u bytes: recv %d, errno %d", CORDON_CTL_MAX_MSG, r,
				 rep ? reply_errno(rep) : -100);
			bad = 1;
		}
		json_decref(rep);
		close(fd);
	}
	free(buf);
	return bad;
}

static const char *const templates[] = {
	"{\"v\":1,\"op\":\"hello\"}",
	"{\"v\":1,\"op\":\"list\"}",
	"{\"v\":1,\"op\":\"end\",\"session\":\"0123456789abcdef0123456789abcdef\"}",
	"{\"v\":1,\"op\":\"audit\",\"session\":\"0123456789abcdef0123456789abcdef\"}",
	"{\"v\":1,\"op\":\"create\",\"policy\":\"nonexistent-policy\",\"project\":\"/tmp\"}",
};

/* NRANDOM messages, random bytes or mutated requests: every one gets a well-formed reply. */
static int random_fn(void *arg)
{
	unsigned int seed = *(unsigned int *)arg;
	int fd = cordon_ctl_connect(sock_path), noreply = 0, malformed = 0, ok = 0, refused = 0;
	char buf[1024];

	for (int i = 0; i < NRANDOM && fd >= 0; i++) {
		size_t len;
		json_t *rep = NULL;
		int r, e;

		if (rand_r(&seed) % 2) {
			len = 1 + (size_t)rand_r(&seed) % 512;
			for (size_t j = 0; j < len; j++)
				buf[j] = (char)rand_r(&seed);
		} else {
			const char *t = templates[(size_t)rand_r(&seed) %
						  (sizeof(templates) / sizeof(templates[0]))];
			int k = 1 + rand_r(&seed) % 4;

			len = strlen(t);
			memcpy(buf, t, len);
			while (k--) {
				size_t at = (size_t)rand_r(&seed) % len;

				switch (rand_r(&seed) % 4) {
				case 0: /* flip a byte */
					buf[at] = (char)rand_r(&seed);
					break;
				case 1: /* cut */
					len = at ? at : 1;
					break;
				case 2: /* duplicate a chunk */
					if (len + (len - at) < sizeof(buf)) {
						memmove(buf + len, buf + at, len - at);
						len += len - at;
					}
					break;
				default: /* one of the JSON's structural characters */
					buf[at] = "{}[]\":,\\0 "[rand_r(&seed) % 11];
				}
			}
		}
		r = raw_call(fd, buf, len, &rep);
		if (r < 0 && r != -EPROTO) {
			noreply++;
			close(fd);
			fd = cordon_ctl_connect(sock_path);
			continue;
		}
		e = r == 0 ? reply_errno(rep) : -1;
		if (r < 0 || e < 0)
			malformed++;
		else if (e == 0)
			ok++;
		else
			refused++;
		json_decref(rep);
	}
	if (fd >= 0)
		close(fd);
	tap_diag("random: %d messages, %d ok, %d refused, %d without reply, %d bad replies",
		 NRANDOM, ok, refused, noreply, malformed);
	return fd < 0 ? 100 : noreply || malformed ? 1 : 0;
}

/* Connected as root before conns_fn's process drops to the user (the check of root's slots). */
static int root_fd = -1;

/* NCONNS connections at once: the ones over the cap are closed, the rest answered. */
static int conns_fn(void *arg)
{
	static int fds[NCONNS];
	int answered = 0, closed = 0, hung = 0, opened = 0;
	struct rlimit rl = { NCONNS + 64, NCONNS + 64 };
	int *others_served = arg;

	setrlimit(RLIMIT_NOFILE, &rl);
	for (int i = 0; i < NCONNS; i++) {
		fds[i] = cordon_ctl_connect(sock_path);
		opened += fds[i] >= 0;
	}
	for (int i = 0; i < NCONNS; i++) {
		json_t *rep = NULL;
		int r;

		if (fds[i] < 0)
			continue;
		r = raw_call(fds[i], "{\"v\":1,\"op\":\"hello\"}", 20, &rep);
		if (r == 0 && reply_errno(rep) == 0)
			answered++;
		else if (r == -EPIPE || r == -ECONNRESET)
			closed++;
		else
			hung++;
		json_decref(rep);
	}
	/*
	 * While this user holds every slot it may, is root still served? root_fd was connected
	 * by root before this process dropped to the user: SO_PEERCRED says root.
	 */
	{
		json_t *rep = NULL;

		*others_served = raw_call(root_fd, "{\"v\":1,\"op\":\"hello\"}", 20, &rep) == 0 &&
				 reply_errno(rep) == 0;
		json_decref(rep);
	}
	for (int i = 0; i < NCONNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	tap_diag("%d connections: %d opened, %d answered, %d closed by the daemon, %d hung; root "
		 "served meanwhile: %s",
		 NCONNS, opened, answered, closed, hung, *others_served ? "yes" : "no");
	return hung ? 1 : answered > 512 ? 2 : answered == 0 ? 3 : *others_served ? 0 : 4;
}

/* A client that never sends, one that never reads its replies, one that leaves mid-request. */
static int idle_fn(void *arg)
{
	int silent = cordon_ctl_connect(sock_path), deaf = cordon_ctl_connect(sock_path);
	int bad = 0, sent = 0;

	(void)arg;
	if (silent < 0 || deaf < 0)
		return 100;
	fcntl(deaf, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 5000; i++) {
		if (send(deaf, "{\"v\":1,\"op\":\"list\"}", 19, MSG_NOSIGNAL) < 0)
			break;
		sent++;
	}
	if (hello_fn(NULL) != 0) {
		tap_diag("hello failed while a client is silent and another deaf");
		bad = 1;
	}
	for (int i = 0; i < 100; i++) {
		int fd = cordon_ctl_connect(sock_path);

		if (fd >= 0 && send(fd, "{\"v\":1,\"op\":\"list\"}", 19, MSG_NOSIGNAL) == 19)
			close(fd); /* gone before the reply */
		else if (fd >= 0)
			close(fd);
	}
	if (hello_fn(NULL) != 0) {
		tap_diag("hello failed after 100 clients left mid-request");
		bad = 1;
	}
	tap_diag("deaf client sent %d requests without reading", sent);
	close(deaf);
	close(silent);
	return bad;
}

static void run_batches(void)
{
	unsigned int seed = (unsigned int)time(NULL);
	int others = 0, r;

	r = as_user(user_a, malformed_fn, NULL);
	tap_check(r == 0, "malformed/as_user_each_refused_with_its_errno");
	r = as_user(0, malformed_fn, NULL);
	tap_check(r == 0, "malformed/as_root_each_refused_with_its_errno");
	still_serving("malformed");

	r = as_user(user_a, oversize_fn, NULL);
	tap_check(r == 0, "oversize/as_user_refused_whole");
	r = as_user(0, oversize_fn, NULL);
	tap_check(r == 0, "oversize/as_root_refused_whole");
	still_serving("oversize");

	tap_diag("random seed %u", seed);
	r = as_user(user_a, random_fn, &seed);
	tap_check(r == 0, "random/%d_messages_each_answered", NRANDOM);
	still_serving("random");

	root_fd = cordon_ctl_connect(sock_path);
	r = as_user(user_a, conns_fn, &others);
	if (root_fd >= 0)
		close(root_fd);
	tap_check(r == 0 || r == 4, "connections/%d_at_once_capped_and_none_hung", NCONNS);
	/* One user holding all the connections they may must not lock root out. */
	tap_check(r != 4, "connections/root_served_while_a_user_holds_its_cap");
	still_serving("connections");

	r = as_user(user_a, idle_fn, NULL);
	tap_check(r == 0, "idle/silent_deaf_and_vanishing_clients_do_not_block");
	still_serving("idle");
}

static int checks(void)
{
	int r;

	setpgid(0, 0);
	tap_check(as_user(0, hello_fn, NULL) == 0, "hello/as_root");
	tap_check(as_user(user_a, hello_fn, NULL) == 0, "hello/as_user");
	r = as_user(user_a, outside_attack_fn, NULL);
	tap_check(r == 0, "outside/udp_sendto_192.0.2.1_9_works (result %d)", r);
	if (!tap_check(start_agent() == 0 && find_session_a() == 0, "session/agent_started"))
		return tap_status();
	r = agent_attack();
	tap_check(r == EPERM, "session/agent_udp_sendto_refused (got %d)", r);
	if (tap_check(start_session_b() == 0, "session/second_user_session_created"))
		test_ownership();

	run_batches();

	tap_check(as_user(user_a, list_fn, "A") == 0, "end/agent_session_still_listed");
	if (holder_b > 0) {
		kill(holder_b, SIGKILL);
		waitpid(holder_b, NULL, 0);
	}
	/* The agent's shell ends with its input: the session ends when its cgroup empties. */
	close(agent_in);
	for (int i = 0; i < 250 && waitpid(agent_pid, NULL, WNOHANG) == 0; i++)
		usleep(20000);
	r = 1;
	for (int i = 0; i < 100 && r; i++) {
		r = as_user(user_a, list_fn, "");
		if (r)
			usleep(20000);
	}
	tap_check(r == 0, "end/session_ended_when_agent_exited");
	return tap_status();
}

int main(void)
{
	int status, r;
	pid_t child;

	if (geteuid() != 0) {
		tap_skip("needs root", "daemon_proto");
		return 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r = setup();
	if (r == 0)
		r = start_daemon();
	if (!tap_check(r == 0, "setup/daemon_ready (%s)", r ? strerror(-r) : "READY=1")) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s/daemon.log", dir);
		if (system(cmd) < 0)
			tap_diag("no daemon log");
		cleanup();
		return 1;
	}
	fflush(NULL);
	child = fork();
	if (child == 0)
		_exit(checks());
	r = waitpid(child, &status, 0) == child && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	/* Anything the checks left behind: their process group, the daemon, its cgroups. */
	kill(-child, SIGKILL);
	if (!tap_check(daemon_pid > 0 && waitpid(daemon_pid, NULL, WNOHANG) == 0,
		       "daemon/alive_at_the_end")) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "tail -20 %s/daemon.log | sed 's/^/# /'", dir);
		if (system(cmd) < 0)
			tap_diag("no daemon log");
	}
	if (r < 0)
		tap_check(false, "checks/exited_normally (status 0x%x)", status);
	/* Under the sanitizers (tests/run-suite.sh), a report the daemon printed fails the run. */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "! grep -E 'Sanitizer|runtime error:' %s/daemon.log | sed 's/^/# /' | "
			 "grep -q .",
			 dir);
		tap_check(system(cmd) == 0, "daemon/no_sanitizer_report");
	}
	cleanup();
	return r == 0 ? tap_status() : 1;
}
