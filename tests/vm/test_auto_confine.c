// SPDX-License-Identifier: GPL-2.0-only
/*
 * Auto-confinement inside the VM: a copy of this very program is registered for a session,
 * then exec'd by processes outside every session. The registered copy is refused the secret
 * (and the network) from its first instruction while an unregistered copy of the same bytes is
 * not; its record arrives; the handler moves it and the children it forked into the session
 * cgroup, and never moves a process the kernel did not tag.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "attack.h"
#include "loader/loader.h"
#include "enforce/enforce.h"
#include "events_collect.h"
#include "policy/policy.h"
#include "compile/compile.h"
#include "tap.h"
#include "testutil.h"

#define DIR_	"/tmp/auto"
#define SECRET	DIR_ "/home/.ssh/id_rsa"
#define ALLOWED DIR_ "/proj/notes.txt"
#define AGENT	"/tmp/agent-bin"
#define LINKED	"/tmp/agent-link"
#define PLAIN	"/tmp/plain-bin"
#define SCRIPT	"/tmp/agent.sh"
#define PSCRIPT "/tmp/plain.sh"

static const char policy_yaml[] = "name: vm-auto\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/]\n"
				  "secrets:\n"
				  "  files: [" DIR_ "/home/.ssh]\n";

/* --- the program as the "agent": modes selected by argv[1] ------------------------------- */

static int connect_to(int fd, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
}

static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : EIO;
}

/*
 * --read PATH | --connect PORT | --unlink PATH | --rename PATH | --write PATH (open for writing)
 * | --fork-wait RFD WFD PATH | --sock-wait RFD WFD PORT.
 * Exit status: 0 when the action succeeded, else its errno.
 */
static int agent(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--read"))
		return attack_open_read(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--connect")) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		return fd < 0 ? errno : connect_to(fd, (uint16_t)atoi(argv[2]));
	}
	if (argc == 5 && !strcmp(argv[1], "--fork-wait")) {
		int rfd = atoi(argv[2]), wfd = atoi(argv[3]), status, mine;
		pid_t child = fork();
		char line[32];

		/* Forked before the move: the child carries the tag but not the cgroup. */
		if (child == 0) {
			if (wait_byte(rfd))
				_exit(EIO);
			_exit(attack_open_read(argv[4]));
		}
		snprintf(line, sizeof(line), "%d\n", (int)child);
		(void)!write(wfd, line, strlen(line));
		if (child < 0 || wait_byte(rfd))
			return EIO;
		mine = attack_open_read(argv[4]);
		if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
			return EIO;
		/* Both refused the same way, or a status no errno has. */
		return WEXITSTATUS(status) == mine ? mine : 200;
	}
	if (argc == 3 && !strcmp(argv[1], "--unlink"))
		return unlink(argv[2]) < 0 ? errno : 0;
	if (argc == 3 && !strcmp(argv[1], "--rename"))
		return rename(argv[2], DIR_ "/bpffs/moved") < 0 ? errno : 0;
	if (argc == 3 && !strcmp(argv[1], "--write")) {
		int fd = open(argv[2], O_WRONLY | O_CLOEXEC);

		return fd < 0 ? errno : (close(fd), 0);
	}
	if (argc == 5 && !strcmp(argv[1], "--sock-wait")) {
		int rfd = atoi(argv[2]), wfd = atoi(argv[3]);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		/* A socket made before the move is not under cordon's root: no cgroup program. */
		(void)!write(wfd, "s", 1);
		if (fd < 0 || wait_byte(rfd))
			return EIO;
		return connect_to(fd, (uint16_t)atoi(argv[4]));
	}
	return 250;
}

/* --- the bench ---------------------------------------------------------------------------- */

struct exec_arg {
	const char *path;
	char *argv[6];
	const char *cgroup; /* join first: a process already in a session */
};

static int exec_child(void *p)
{
	struct exec_arg *a = p;

	if (a->cgroup && cordon_cgroup_enter(a->cgroup, 0) < 0)
		return 251;
	execv(a->path, a->argv);
	return 252;
}

/* Exec @path with @mode and @arg from a child outside every session; its status. */
static int run(const char *path, const char *mode, const char *arg, pid_t *pid)
{
	struct exec_arg a = { path, { (char *)path, (char *)mode, (char *)arg, NULL }, NULL };

	return run_child(exec_child, &a, pid);
}

/* Start @path with the two pipes of a waiting mode; returns its pid, -1 on failure. */
static pid_t start(const char *path, const char *mode, int rfd, int wfd, const char *arg)
{
	char r[16], w[16];
	pid_t p;

	snprintf(r, sizeof(r), "%d", rfd);
	snprintf(w, sizeof(w), "%d", wfd);
	fflush(NULL);
	p = fork();
	if (p == 0) {
		char *argv[] = { (char *)path, (char *)mode, r, w, (char *)arg, NULL };

		execv(path, argv);
		_exit(252);
	}
	return p;
}

static int status_of(pid_t p)
{
	int status;

	if (waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The last collected record of @type and @hook from @pid (hook 0: any), or NULL. */
static const struct cordon_event_hdr *find(const struct collected *c, unsigned int type,
					   unsigned int hook, pid_t pid)
{
	const struct cordon_event_hdr *h = NULL;

	for (int i = 0; i < c->n; i++)
		if (c->ev[i].hdr.type == type && c->ev[i].hdr.pid == (uint32_t)pid &&
		    (!hook || c->ev[i].hdr.hook == hook))
			h = &c->ev[i].hdr;
	return h;
}

static bool in_cgroup(pid_t pid, const char *name)
{
	char path[64], line[4400];
	FILE *f;
	bool in = false;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3) && strstr(line, name))
			in = true;
	if (f)
		fclose(f);
	return in;
}

static void check_refusal_record(struct cordon_session_ctx *s, pid_t pid, unsigned int type,
				 unsigned int hook, int verdict, const char *name)
{
	struct collected c = { 0 };
	const struct cordon_event_hdr *h;

	collect_events(s->bpf, &c, 200);
	h = find(&c, type, hook, pid);
	tap_check(h && h->session == s->id && h->verdict == verdict, "%s_record", name);
}

/* A map pinned at @path in the bpffs the test mounted: 0 or -errno. */
static int pin_map(const char *path)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cordon_vm_pin", 4, 4, 1, NULL), r = 0;

	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * The escapes of a root agent run without `cordon run` (no view, no Landlock, no seccomp): the
 * BPF LSM tier alone refuses unlinking or renaming a bpffs pin (cordon's links live there) and
 * writing a sysctl (kernel.core_pattern runs a program as root outside). Each done by an
 * unregistered copy first, which must succeed.
 */
static void control_fs(struct cordon_session_ctx *s)
{
	static const char pin[] = DIR_ "/bpffs/link-x", core[] = "/proc/sys/kernel/core_pattern";
	pid_t pid;
	int r;

	mkdir(DIR_ "/bpffs", 0700);
	if (mount("bpf", DIR_ "/bpffs", "bpf", 0, NULL) < 0 || pin_map(pin) < 0) {
		tap_check(false, "bpffs_pin_made");
		tap_diag("bpffs: %s", strerror(errno));
		return;
	}
	r = run(PLAIN, "--unlink", pin, &pid);
	tap_check(r == 0 && access(pin, F_OK) < 0, "unregistered_copy_unlinks_pin");
	pin_map(pin);
	r = run(AGENT, "--unlink", pin, &pid);
	if (!tap_check(r == EPERM && access(pin, F_OK) == 0, "registered_binary_unlink_pin_EPERM"))
		tap_diag("unlink: %d", r);
	check_refusal_record(s, pid, CORDON_EV_FILE, CORDON_HOOK_PATH_UNLINK, -EPERM, "unlink_pin");
	r = run(AGENT, "--rename", pin, &pid);
	if (!tap_check(r == EPERM && access(pin, F_OK) == 0, "registered_binary_rename_pin_EPERM"))
		tap_diag("rename: %d", r);
	check_refusal_record(s, pid, CORDON_EV_FILE, CORDON_HOOK_PATH_RENAME, -EPERM, "rename_pin");
	unlink(pin);
	umount(DIR_ "/bpffs");

	r = run(PLAIN, "--write", core, &pid);
	tap_check(r == 0, "unregistered_copy_opens_core_pattern_for_writing");
	r = run(AGENT, "--write", core, &pid);
	if (!tap_check(r == EPERM, "registered_binary_core_pattern_write_EPERM"))
		tap_diag("core_pattern: %d", r);
	check_refusal_record(s, pid, CORDON_EV_FILE, CORDON_HOOK_FILE_OPEN, -EPERM,
			     "core_pattern_write");
	/* Reading stays allowed: many tools read sysctls. */
	r = run(AGENT, "--read", core, &pid);
	tap_check(r == 0, "registered_binary_reads_core_pattern");
	r = run(AGENT, "--write", "/sys/kernel/uevent_helper", &pid);
	tap_check(r == EPERM || r == ENOENT, "registered_binary_uevent_helper_write_refused");
}

int main(int argc, char **argv)
{
	struct cordon_session_ctx s = { .procs_fd = -1 };
	struct cordon_auto_key key = { 0 }, skey = { 0 }, k2;
	char root[4200], other[4400], port_s[16];
	struct collected c = { 0 };
	const struct cordon_event_auto *ev;
	uint64_t other_id = 0, drops = 1;
	uint16_t port = 0;
	int lfd, r, st;
	pid_t pid, kid, idle;

	if (argc > 1)
		return agent(argc, argv);

	if (test_cgroup_root(root, sizeof(root), "auto") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	mkdir(DIR_, 0755);
	mkdir(DIR_ "/home", 0755);
	mkdir(DIR_ "/home/.ssh", 0700);
	mkdir(DIR_ "/proj", 0755);
	test_write_file(SECRET, "canary-secret\n", 0600);
	test_write_file(ALLOWED, "notes\n", 0644);
	if (!tap_check(test_copy_file("/proc/self/exe", AGENT) == 0 &&
			       test_copy_file("/proc/self/exe", PLAIN) == 0,
		       "copies_of_the_test_binary"))
		return 1;
	unlink(LINKED);
	if (link(AGENT, LINKED) < 0)
		tap_diag("link: %s", strerror(errno));
	test_write_file(SCRIPT, "#!/bin/busybox sh\n/bin/busybox cat " SECRET " >/dev/null\n",
			0755);
	test_write_file(PSCRIPT, "#!/bin/busybox sh\n/bin/busybox cat " SECRET " >/dev/null\n",
			0755);
	lfd = tcp_listener(AF_INET, &port);
	snprintf(port_s, sizeof(port_s), "%u", port);

	if (!tap_check(test_lsm_session(&s, root, "vm-auto.yaml", policy_yaml) == 0,
		       "session_from_yaml_policy"))
		return 1;

	/* --- registration ------------------------------------------------------------------ */
	r = cordon_auto_register(s.bpf, AGENT, s.cgroup_id, &key);
	if (!tap_check(r == 0, "register_executable"))
		tap_diag("register: %s", strerror(-r));
	tap_check(cordon_auto_register(s.bpf, SCRIPT, s.cgroup_id, &skey) == 0, "register_script");
	tap_check(cordon_auto_register(s.bpf, "/tmp", s.cgroup_id, &k2) == -EINVAL,
		  "register_directory_refused_EINVAL");
	tap_check(cordon_auto_register(s.bpf, "/tmp/none", s.cgroup_id, &k2) == -ENOENT,
		  "register_missing_file_ENOENT");
	tap_check(cordon_auto_register(s.bpf, LINKED, s.cgroup_id, &k2) == -EEXIST,
		  "register_same_inode_twice_EEXIST");
	collect_events(s.bpf, &c, 0); /* drain */

	/*
	 * --- users: the session holds no rules for root yet (no daemon resolved any): the exec
	 * is refused and recorded, never run with no per-user rules ---------------------------
	 */
	for (int state = 0; state <= CORDON_AUTO_USER_FAILED; state += CORDON_AUTO_USER_FAILED) {
		const struct cordon_event_auto_user *u;
		struct cordon_auto_user au = { .state = (uint32_t)state };

		if (state)
			tap_check(cordon_bpf_auto_user_set(s.bpf, s.cgroup_id, 0, &au) == 0,
				  "user_marked_failed");
		r = run(AGENT, "--read", ALLOWED, &pid);
		tap_check(r == 252, "%s_user_exec_refused (status %d)",
			  state ? "failed" : "unresolved", r);
		memset(&c, 0, sizeof(c));
		collect_events(s.bpf, &c, 200);
		u = (const void *)find(&c, CORDON_EV_AUTO_USER, 0, pid);
		tap_check(u && u->hdr.session == s.id && u->hdr.cgroup_id == s.cgroup_id &&
				  u->hdr.verdict == -EACCES &&
				  u->hdr.layer == CORDON_LAYER_BPF_LSM &&
				  u->hdr.hook == CORDON_HOOK_BPRM_CREDS_FOR_EXEC &&
				  u->auto_uid == 0 && u->euid == 0 && u->ino == key.ino &&
				  !!(u->hdr.flags & CORDON_EVENT_AUTO_USER_FAILED) == !!state &&
				  !strcmp((const char *)u->path, AGENT),
			  "%s_user_record_names_uid_and_file", state ? "failed" : "unresolved");
		tap_check(!find(&c, CORDON_EV_AUTO_CONFINE, 0, pid), "%s_user_not_tagged",
			  state ? "failed" : "unresolved");
	}
	{
		struct cordon_auto_user au = { .state = CORDON_AUTO_USER_READY };

		tap_check(cordon_bpf_auto_user_set(s.bpf, s.cgroup_id, 0, &au) == 0,
			  "user_marked_ready");
	}

	control_fs(&s);
	collect_events(s.bpf, &c, 0); /* drain */

	/* --- confined from the first instruction ------------------------------------------ */
	r = run(PLAIN, "--read", SECRET, NULL);
	if (!tap_check(r == 0, "unregistered_copy_reads_secret"))
		tap_diag("plain copy: %d", r);
	r = run(AGENT, "--read", SECRET, &pid);
	if (!tap_check(r == EACCES, "registered_binary_refused_secret_EACCES"))
		tap_diag("agent: %d", r);
	memset(&c, 0, sizeof(c));
	collect_events(s.bpf, &c, 200);
	ev = (const struct cordon_event_auto *)find(&c, CORDON_EV_AUTO_CONFINE, 0, pid);
	if (tap_check(ev != NULL, "auto_confine_record")) {
		tap_check(ev->hdr.session == s.id && ev->hdr.cgroup_id == s.cgroup_id &&
				  ev->hdr.verdict == 0 && ev->hdr.layer == CORDON_LAYER_BPF_LSM &&
				  ev->hdr.hook == CORDON_HOOK_BPRM_COMMITTED_CREDS,
			  "auto_confine_record_names_session");
		tap_check(ev->ino == key.ino && ev->dev == key.dev &&
				  ev->ppid == (uint32_t)getpid() &&
				  !strcmp((const char *)ev->path, AGENT),
			  "auto_confine_record_file");
	}
	tap_check(find(&c, CORDON_EV_FILE, CORDON_HOOK_FILE_OPEN, pid) != NULL,
		  "secret_refusal_record");
	r = run(AGENT, "--read", ALLOWED, NULL);
	tap_check(r == 0, "registered_binary_reads_allowed_file");
	r = run(LINKED, "--read", SECRET, NULL);
	tap_check(r == EACCES, "hard_link_of_registered_binary_refused_EACCES");
	r = run(PSCRIPT, NULL, NULL, NULL);
	tap_check(r == 0, "unregistered_script_reads_secret");
	r = run(SCRIPT, NULL, NULL, &pid);
	if (!tap_check(r != 0, "registered_script_refused_secret"))
		tap_diag("script: %d", r);
	memset(&c, 0, sizeof(c));
	collect_events(s.bpf, &c, 200);
	ev = (const struct cordon_event_auto *)find(&c, CORDON_EV_AUTO_CONFINE, 0, pid);
	tap_check(ev && ev->ino == skey.ino, "registered_script_record_names_the_script");

	/* Not moved yet, so no cgroup program sees its sockets: the LSM hook judges them. */
	r = run(PLAIN, "--connect", port_s, NULL);
	tap_check(r == 0, "unregistered_copy_connects");
	r = run(AGENT, "--connect", port_s, &pid);
	if (!tap_check(r == EPERM, "registered_binary_refused_connect_before_move_EPERM"))
		tap_diag("connect: %d", r);
	check_refusal_record(&s, pid, CORDON_EV_CONNECT, CORDON_HOOK_SOCKET_CONNECT, -EPERM,
			     "connect_before_move");

	/* A process already in a session keeps its session. */
	snprintf(other, sizeof(other), "%s/other", root);
	if (cordon_cgroup_create(other) == 0 && cordon_cgroup_id(other, &other_id) == 0) {
		struct cordon_session o = { .id = 4242, .flags = CORDON_SESSION_FILE };
		struct exec_arg a = { AGENT, { AGENT, "--read", SECRET, NULL }, other };

		cordon_bpf_session_add(s.bpf, other_id, &o);
		memset(&c, 0, sizeof(c));
		r = run_child(exec_child, &a, &pid);
		collect_events(s.bpf, &c, 100);
		tap_check(r == 0 && !find(&c, CORDON_EV_AUTO_CONFINE, 0, pid),
			  "session_task_keeps_its_own_session");
		cordon_bpf_session_del(s.bpf, other_id);
	}

	/* --- the move: the process and the child it forked before it ------------------------ */
	{
		int in[2], out[2];
		char line[32] = "";
		ssize_t n;

		if (pipe(in) < 0 || pipe(out) < 0)
			return tap_check(false, "pipes"), 1;
		memset(&c, 0, sizeof(c));
		pid = start(AGENT, "--fork-wait", in[0], out[1], SECRET);
		n = read(out[0], line, sizeof(line) - 1);
		kid = n > 0 ? atoi(line) : -1;
		collect_events(s.bpf, &c, 200);
		ev = (const struct cordon_event_auto *)find(&c, CORDON_EV_AUTO_CONFINE, 0, pid);
		tap_check(ev && kid > 0 && !in_cgroup(pid, s.name) && !in_cgroup(kid, s.name),
			  "before_move_outside_session_cgroup");
		/* A record naming an untagged process (a recycled pid): never moved. */
		idle = fork();
		if (idle == 0) {
			pause();
			_exit(0);
		}
		if (ev) {
			struct cordon_event_auto fake = *ev;

			fake.hdr.pid = (uint32_t)idle;
			fake.hdr.tid = (uint32_t)idle;
			r = cordon_auto_handle(s.bpf, &fake, sizeof(fake), s.cgroup);
			/* The scan still moves the tagged ones: the agent and its child. */
			tap_check(r == 2 && !in_cgroup(idle, s.name),
				  "handler_never_moves_an_untagged_pid");
			if (r != 2)
				tap_diag("handler with a recycled pid: %d", r);
			r = cordon_auto_handle(s.bpf, ev, sizeof(*ev), s.cgroup);
			tap_check(r == 0, "handler_again_moves_nothing");
		}
		kill(idle, SIGKILL);
		waitpid(idle, NULL, 0);
		tap_check(in_cgroup(pid, s.name), "handler_moved_process");
		tap_check(kid > 0 && in_cgroup(kid, s.name), "handler_moved_child_forked_before");
		tap_check(cordon_auto_handle(s.bpf, "x", 1, s.cgroup) == -EBADMSG,
			  "handler_refuses_malformed_record");
		(void)!write(in[1], "xx", 2);
		st = status_of(pid);
		if (!tap_check(st == EACCES, "confined_process_and_its_child_refused_EACCES"))
			tap_diag("fork-wait: %d", st);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
	}

	/* A record never read (ring buffer full, daemon down): the sweep finds them by tag. */
	{
		int in[2], out[2];
		char line[32] = "";
		ssize_t n;

		if (pipe(in) < 0 || pipe(out) < 0)
			return tap_check(false, "pipes"), 1;
		pid = start(AGENT, "--fork-wait", in[0], out[1], ALLOWED);
		n = read(out[0], line, sizeof(line) - 1);
		kid = n > 0 ? atoi(line) : -1;
		r = cordon_auto_sweep(s.bpf, s.cgroup_id, s.cgroup);
		if (!tap_check(r == 2 && in_cgroup(pid, s.name) && kid > 0 &&
				       in_cgroup(kid, s.name),
			       "sweep_moves_tagged_processes_without_a_record"))
			tap_diag("sweep: %d", r);
		(void)!write(in[1], "xx", 2);
		st = status_of(pid);
		tap_check(st == 0, "swept_process_reads_allowed_file");
		collect_events(s.bpf, &c, 0); /* drain */
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
	}

	/* A socket made before the move, connected after: still judged, by the LSM hook. */
	{
		int in[2], out[2];
		char ch;

		if (pipe(in) < 0 || pipe(out) < 0)
			return tap_check(false, "pipes"), 1;
		memset(&c, 0, sizeof(c));
		pid = start(AGENT, "--sock-wait", in[0], out[1], port_s);
		(void)!read(out[0], &ch, 1);
		collect_events(s.bpf, &c, 200);
		ev = (const struct cordon_event_auto *)find(&c, CORDON_EV_AUTO_CONFINE, 0, pid);
		r = ev ? cordon_auto_handle(s.bpf, ev, sizeof(*ev), s.cgroup) : -1;
		tap_check(r == 1 && in_cgroup(pid, s.name), "socket_owner_moved");
		(void)!write(in[1], "x", 1);
		st = status_of(pid);
		if (!tap_check(st == EPERM, "socket_made_before_move_refused_connect_EPERM"))
			tap_diag("sock-wait: %d", st);
		check_refusal_record(&s, pid, CORDON_EV_CONNECT, CORDON_HOOK_SOCKET_CONNECT, -EPERM,
				     "socket_made_before_move");
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
	}

	/* After the move a new socket is the cgroup programs' (one decision, one record). */
	{
		struct exec_arg a = { PLAIN, { PLAIN, "--connect", port_s, NULL }, s.cgroup };

		memset(&c, 0, sizeof(c));
		r = run_child(exec_child, &a, &pid);
		collect_events(s.bpf, &c, 200);
		tap_check(r == EPERM && find(&c, CORDON_EV_CONNECT, CORDON_HOOK_CONNECT4, pid) &&
				  !find(&c, CORDON_EV_CONNECT, CORDON_HOOK_SOCKET_CONNECT, pid),
			  "in_session_cgroup_connect_left_to_cgroup_program");
	}

	/* Unregistered: the next exec runs as an ordinary program. */
	tap_check(cordon_auto_unregister(s.bpf, &key) == 0, "unregister");
	r = run(AGENT, "--read", SECRET, NULL);
	tap_check(r == 0, "unregistered_binary_reads_secret_again");
	tap_check(cordon_auto_unregister(s.bpf, &key) == -ENOENT, "unregister_twice_ENOENT");
	tap_check(cordon_bpf_drops(s.bpf, &drops) == 0 && drops == 0, "no_events_dropped");

	close(lfd);
	cordon_session_destroy(&s);
	cordon_cgroup_remove(other);
	cordon_cgroup_remove(root);
	return tap_status();
}
