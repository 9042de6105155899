// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM file rules where stat() and the hooks name inodes differently (btrfs, an overlayfs over
 * two filesystems), bind mounts of part of a secret directory, owner/times/xattrs/ACLs of
 * protected files, terminal injection through the 32-bit ioctl, SIGIO aimed outside, and secret
 * descriptors brought in from another process (SCM_RIGHTS, pidfd_getfd).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "attack.h"
#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "sys/sys.h"
#include "tap.h"
#include "testutil.h"

#define BTR   "/tmp/btr"
#define OVL   "/tmp/ovl"
#define HOME  "/tmp/fshome"
#define PROJ  "/tmp/fsproj"
#define HOOK  PROJ "/.git/hooks/pre-commit"
#define IMAGE "/images/btrfs.img"
/* replaced by a rename over it during the session, as `cargo login` writes it */
#define CARGO HOME "/.cargo/credentials.toml"
/* made only during the session, as a first `docker login` does */
#define DOCKER HOME "/.docker/config.json"

static const char policy_yaml[] =
	"name: vm-lsm-fs\n"
	"mode: strict\n"
	"filesystem:\n"
	"  read: [/]\n"
	"  write: [/tmp]\n"
	"  exec: [/]\n"
	"  protect: [" PROJ "/.git/hooks]\n"
	"secrets:\n"
	"  files: [" HOME "/.ssh, " BTR "/a/cred.toml, " BTR "/a/keys, " OVL
	"/merged/cred.toml, " OVL "/merged/keys, " CARGO ", " DOCKER "]\n";

static bool have_btrfs, have_ovl;
static pid_t outsider; /* outside every session: the target of F_SETOWN */
/*
 * Outside every session too: hands out the secret HOME/.ssh/id_ed25519 over an inherited
 * socket (SCM_RIGHTS) on request, and holds it open at fd_server_fd for pidfd_getfd.
 */
static pid_t fd_server;
static int fd_sock = -1, fd_server_fd = -1;
/* The secret opened outside and inherited by the attack (a descriptor the session never opened). */
static int held_fd = -1;

#define SERVED HOME "/.ssh/id_ed25519"

/* --- attacks: 0 when the action succeeded, else the errno ----------------------------------- */

static int rd(const char *path)
{
	return attack_open_read(path);
}

static int a_btrfs_file(void)
{
	return rd(BTR "/a/cred.toml");
}

static int a_btrfs_dir(void)
{
	return rd(BTR "/a/keys/id");
}

static int a_ovl_file(void)
{
	return rd(OVL "/merged/cred.toml");
}

static int a_ovl_dir(void)
{
	return rd(OVL "/merged/keys/id");
}

static int a_bind_subdir(void)
{
	return rd("/tmp/ssh-sub/deploy_key");
}

static int a_bind_file(void)
{
	return rd("/tmp/ssh-file");
}

static int a_replaced(void)
{
	return rd(CARGO);
}

static int a_created_later(void)
{
	return rd(DOCKER);
}

static int a_chown(void)
{
	return chown(HOOK, 0, 0) < 0 ? errno : 0;
}

static int a_utimes(void)
{
	return utimensat(AT_FDCWD, HOOK, NULL, 0) < 0 ? errno : 0;
}

static int a_setxattr(void)
{
	return setxattr(HOOK, "trusted.cordon", "x", 1, 0) < 0 ? errno : 0;
}

static int a_removexattr(void)
{
	return removexattr(HOOK, "trusted.keep") < 0 ? errno : 0;
}

/* A POSIX ACL: version 2, then (tag, perm, id) for the owner, group and others. */
static int a_set_acl(void)
{
	static const unsigned char acl[] = { 2, 0,    0,    0,	  0x01, 0,    7,
					     0, 0xff, 0xff, 0xff, 0xff, 0x04, 0,
					     5, 0,    0xff, 0xff, 0xff, 0xff, 0x20,
					     0, 5,    0,    0xff, 0xff, 0xff, 0xff };

	return setxattr(HOOK, "system.posix_acl_access", acl, sizeof(acl), 0) < 0 ? errno : 0;
}

/* 0 when one byte could be read from @fd, else the errno (EIO at end of file). */
static int read_byte(int fd)
{
	char b;
	ssize_t n = read(fd, &b, 1);

	return n == 1 ? 0 : n < 0 ? errno : EIO;
}

/*
 * The secret opened outside, sent in over a socket. A refused descriptor is dropped by the
 * kernel, which sets MSG_CTRUNC and lets recvmsg succeed: reported as EACCES.
 */
static int a_scm_rights(void)
{
	char data, ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &data, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *c;
	int fd;

	errno = 0;
	if (write(fd_sock, "?", 1) != 1 || recvmsg(fd_sock, &m, 0) != 1)
		return errno ? errno : EIO;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return m.msg_flags & MSG_CTRUNC ? EACCES : EIO;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return read_byte(fd);
}

/* The secret taken out of a process outside with pidfd_getfd (refused by the ptrace hook). */
static int a_pidfd_getfd_outside(void)
{
	int pfd = (int)syscall(SYS_pidfd_open, fd_server, 0), fd;

	if (pfd < 0)
		return errno;
	fd = (int)syscall(SYS_pidfd_getfd, pfd, fd_server_fd, 0);
	return fd < 0 ? errno : read_byte(fd);
}

/* The same from a process of the session that holds an inherited secret descriptor. */
static int a_pidfd_getfd_sibling(void)
{
	pid_t kid = fork();
	int pfd, fd, r;

	if (kid < 0)
		return errno;
	if (kid == 0) {
		pause();
		_exit(0);
	}
	pfd = (int)syscall(SYS_pidfd_open, kid, 0);
	fd = pfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pfd, held_fd, 0);
	r = fd < 0 ? errno : read_byte(fd);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	return r;
}

/* ioctl through the 32-bit entry, which an x86-64 process reaches with int $0x80. */
static long ioctl32(int fd, unsigned int cmd, unsigned int arg)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(54), "b"(fd), "c"(cmd), "d"(arg)
			 : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
	return ret;
}

/* attack_tiocsti() through ioctl32: the byte must sit below 4 GiB. */
static int a_tiocsti_compat(void)
{
	int status;
	pid_t p = fork();

	if (p < 0)
		return errno;
	if (p == 0) {
		char *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		int m, s;
		long r;

		if (c == MAP_FAILED || setsid() < 0)
			_exit(EIO);
		*c = 'x';
		m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
			_exit(errno);
		s = open(ptsname(m), O_RDWR);
		if (s < 0)
			_exit(errno);
		r = ioctl32(s, TIOCSTI, (unsigned int)(unsigned long)c);
		_exit(r < 0 ? (int)-r : 0);
	}
	if (waitpid(p, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

static int a_setown(void)
{
	int fds[2], r = 0;

	if (pipe(fds) < 0)
		return errno;
	if (fcntl(fds[0], F_SETOWN, outsider) < 0)
		r = errno;
	close(fds[0]);
	close(fds[1]);
	return r;
}

static int a_setsig(void)
{
	int fds[2], r = 0;

	if (pipe(fds) < 0)
		return errno;
	if (fcntl(fds[0], F_SETSIG, SIGKILL) < 0)
		r = errno;
	close(fds[0]);
	close(fds[1]);
	return r;
}

/* F_SETOWN to itself stays allowed (SIGIO for its own I/O). */
static int a_setown_self(void)
{
	int fds[2], r = 0;

	if (pipe(fds) < 0)
		return errno;
	if (fcntl(fds[0], F_SETOWN, getpid()) < 0)
		r = errno;
	close(fds[0]);
	close(fds[1]);
	return r;
}

struct attack {
	const char *name;
	int (*fn)(void);
	bool *needs;	   /* the filesystem it runs on was made, else skipped */
	int expect;	   /* errno inside the session */
	unsigned int type; /* CORDON_EV_* of the record */
	unsigned int hook; /* CORDON_HOOK_* of the record */
	bool rule;	   /* the record names a rule of the policy */
};

#define FILE_OPEN CORDON_EV_FILE, CORDON_HOOK_FILE_OPEN
#define FILE_EV	  CORDON_EV_FILE

static struct attack attacks[] = {
	{ "btrfs_secret_file", a_btrfs_file, &have_btrfs, EACCES, FILE_OPEN, true },
	{ "btrfs_secret_dir", a_btrfs_dir, &have_btrfs, EACCES, FILE_OPEN, true },
	{ "overlayfs_secret_file", a_ovl_file, &have_ovl, EACCES, FILE_OPEN, true },
	{ "overlayfs_secret_dir", a_ovl_dir, &have_ovl, EACCES, FILE_OPEN, true },
	{ "read_secret_via_bind_mount_of_subdir", a_bind_subdir, NULL, EACCES, FILE_OPEN, true },
	{ "read_secret_via_bind_mount_of_file", a_bind_file, NULL, EACCES, FILE_OPEN, true },
	{ "read_secret_replaced_by_rename", a_replaced, NULL, EACCES, FILE_OPEN, true },
	{ "read_secret_created_after_start", a_created_later, NULL, EACCES, FILE_OPEN, true },
	{ "chown_protected", a_chown, NULL, EACCES, FILE_EV, CORDON_HOOK_PATH_CHOWN, true },
	{ "utimes_protected", a_utimes, NULL, EACCES, FILE_EV, CORDON_HOOK_INODE_SETATTR, true },
	{ "setxattr_protected", a_setxattr, NULL, EACCES, FILE_EV, CORDON_HOOK_INODE_SETXATTR,
	  true },
	{ "removexattr_protected", a_removexattr, NULL, EACCES, FILE_EV,
	  CORDON_HOOK_INODE_REMOVEXATTR, true },
	/* inode_set_acl from 6.2, inode_setxattr before (main) */
	{ "set_acl_protected", a_set_acl, NULL, EACCES, FILE_EV, CORDON_HOOK_INODE_SET_ACL, true },
	{ "tiocsti_compat_ioctl", a_tiocsti_compat, NULL, EPERM, CORDON_EV_OP,
	  CORDON_HOOK_FILE_IOCTL_COMPAT, false },
	{ "fcntl_setown_outside", a_setown, NULL, EPERM, CORDON_EV_OP, CORDON_HOOK_FILE_FCNTL,
	  false },
	{ "fcntl_setsig", a_setsig, NULL, EPERM, CORDON_EV_OP, CORDON_HOOK_FILE_FCNTL, false },
	{ "secret_received_by_scm_rights", a_scm_rights, NULL, EACCES, FILE_EV,
	  CORDON_HOOK_FILE_RECEIVE, true },
	{ "secret_by_pidfd_getfd_from_outside", a_pidfd_getfd_outside, NULL, EPERM, CORDON_EV_TASK,
	  CORDON_HOOK_PTRACE, false },
	{ "secret_by_pidfd_getfd_from_session_task", a_pidfd_getfd_sibling, NULL, EACCES, FILE_EV,
	  CORDON_HOOK_FILE_RECEIVE, true },
};

/* Rows that must succeed inside too (no record). */
static const struct attack allowed[] = {
	{ "btrfs_other_subvolume_same_inode_number", NULL, &have_btrfs, 0, 0, 0, false },
	{ "fcntl_setown_self", a_setown_self, NULL, 0, 0, 0, false },
};

static int a_btrfs_other(void)
{
	return rd(BTR "/b/cred.toml") || rd(BTR "/b/keys/id");
}

/* --- the bench ------------------------------------------------------------------------------ */

static char session_cgroup[4300];

struct run_arg {
	const char *name;
	const char *cgroup;
	int (*fn)(void);
};

static int in_child(void *p)
{
	const struct run_arg *ra = p;
	char pid[64];

	if (!ra->cgroup)
		return ra->fn();
	if (cordon_cgroup_enter(ra->cgroup, 0) < 0)
		return 250;
	snprintf(pid, sizeof(pid), "%d", (int)outsider);
	setenv("CORDON_TEST_OUTSIDER", pid, 1);
	snprintf(pid, sizeof(pid), "%d %d %d %d", (int)fd_server, fd_sock, fd_server_fd, held_fd);
	setenv("CORDON_TEST_FDS", pid, 1);
	execl("/tests/vm/test_lsm_fs", "test_lsm_fs", "attack", ra->name, (char *)NULL);
	return 251;
}

static int (*attack_fn(const char *name))(void)
{
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (!strcmp(attacks[i].name, name))
			return attacks[i].fn;
	if (!strcmp(name, allowed[0].name))
		return a_btrfs_other;
	if (!strcmp(name, allowed[1].name))
		return a_setown_self;
	return NULL;
}

static int attack_by_name(const char *name)
{
	const char *o = getenv("CORDON_TEST_OUTSIDER"), *fds = getenv("CORDON_TEST_FDS");
	int (*fn)(void) = attack_fn(name);
	int server = -1;

	outsider = o ? (pid_t)strtol(o, NULL, 10) : -1;
	if (fds && sscanf(fds, "%d %d %d %d", &server, &fd_sock, &fd_server_fd, &held_fd) == 4)
		fd_server = server;
	return fn ? fn() : 252;
}

/* A loop device over IMAGE mounted at BTR, with subvolumes a and b made alike. */
static bool setup_btrfs(void)
{
	struct loop_info64 info = { 0 };
	char dev[32];
	int ctl, n, lfd, img;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	n = ctl < 0 ? -1 : ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0) {
		tap_diag("no loop device: %s", strerror(errno));
		return false;
	}
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	img = open(IMAGE, O_RDWR | O_CLOEXEC);
	if (lfd < 0 || img < 0 || ioctl(lfd, LOOP_SET_FD, img) < 0 ||
	    ioctl(lfd, LOOP_SET_STATUS64, &info) < 0) {
		tap_diag("loop %s over %s: %s", dev, IMAGE, strerror(errno));
		return false;
	}
	mkdir(BTR, 0755);
	if (mount(dev, BTR, "btrfs", 0, NULL) < 0) {
		tap_diag("mount btrfs: %s", strerror(errno));
		return false;
	}
	/* Two subvolumes, filled in the same order: their files get the same inode numbers. */
	for (const char *sv = "a"; sv; sv = *sv == 'a' ? "b" : NULL) {
		struct btrfs_ioctl_vol_args va = { 0 };
		int dfd = open(BTR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char p[64];

		snprintf(va.name, sizeof(va.name), "%s", sv);
		if (dfd < 0 || ioctl(dfd, BTRFS_IOC_SUBVOL_CREATE, &va) < 0) {
			tap_diag("subvolume %s: %s", sv, strerror(errno));
			return false;
		}
		close(dfd);
		snprintf(p, sizeof(p), BTR "/%s/cred.toml", sv);
		test_write_file(p, "token = \"canary\"\n", 0600);
		snprintf(p, sizeof(p), BTR "/%s/keys", sv);
		mkdir(p, 0700);
		snprintf(p, sizeof(p), BTR "/%s/keys/id", sv);
		test_write_file(p, "canary\n", 0600);
	}
	return true;
}

/* An overlay whose lower layer is one tmpfs and upper another: not "samefs", no xino. */
static bool setup_overlay(void)
{
	mkdir(OVL, 0755);
	mkdir(OVL "/lower", 0755);
	mkdir(OVL "/upper", 0755);
	mkdir(OVL "/work", 0755);
	mkdir(OVL "/merged", 0755);
	if (mount("tmpfs", OVL "/lower", "tmpfs", 0, NULL) < 0) {
		tap_diag("tmpfs: %s", strerror(errno));
		return false;
	}
	test_write_file(OVL "/lower/cred.toml", "token = \"canary\"\n", 0600);
	mkdir(OVL "/lower/keys", 0700);
	test_write_file(OVL "/lower/keys/id", "canary\n", 0600);
	if (mount("overlay", OVL "/merged", "overlay", 0,
		  "lowerdir=" OVL "/lower,upperdir=" OVL "/upper,workdir=" OVL "/work") < 0) {
		tap_diag("mount overlay: %s", strerror(errno));
		return false;
	}
	return true;
}

/* What made the bypass: stat()'s device is not the one the hooks read. */
static void show_devices(const char *fs, const char *path)
{
	struct cordon_kinode k;
	struct stat st;

	if (stat(path, &st) < 0 || cordon_kinode_at(AT_FDCWD, path, 0, NULL, &k) < 0)
		return;
	if (k.btrfs)
		tap_check(true, "%s_keyed_by_subvolume", fs);
	else
		tap_check((major(st.st_dev) << 20 | minor(st.st_dev)) != k.dev ||
				  (uint64_t)st.st_ino != k.ino,
			  "%s_stat_names_another_inode_than_the_hooks", fs);
}

static void setup_files(void)
{
	mkdir(HOME, 0755);
	mkdir(HOME "/.ssh", 0700);
	mkdir(HOME "/.ssh/sub", 0700);
	test_write_file(HOME "/.ssh/sub/deploy_key", "canary\n", 0600);
	test_write_file(HOME "/.ssh/id_ed25519", "canary\n", 0600);
	test_write_file("/tmp/ssh-file", "", 0600);
	mkdir("/tmp/ssh-sub", 0700);
	if (mount(HOME "/.ssh/sub", "/tmp/ssh-sub", NULL, MS_BIND, NULL) < 0 ||
	    mount(HOME "/.ssh/id_ed25519", "/tmp/ssh-file", NULL, MS_BIND, NULL) < 0)
		tap_diag("bind mounts: %s", strerror(errno));
	mkdir(HOME "/.cargo", 0700);
	test_write_file(CARGO, "token = \"old\"\n", 0600);
	mkdir(HOME "/.docker", 0700);
	unlink(DOCKER);
	mkdir(PROJ, 0755);
	mkdir(PROJ "/.git", 0755);
	mkdir(PROJ "/.git/hooks", 0755);
	test_write_file(HOOK, "#!/bin/sh\n", 0755);
	have_btrfs = setup_btrfs();
	have_ovl = setup_overlay();
	if (have_btrfs)
		show_devices("btrfs", BTR "/a/cred.toml");
	if (have_ovl)
		show_devices("overlayfs", OVL "/merged/cred.toml");
}

/* Restore what the attack outside removed or changed; replace what the user replaces. */
static void prepare(const struct attack *a)
{
	if (a->fn == a_replaced) {
		test_write_file(HOME "/.cargo/.tmp-credentials", "token = \"new\"\n", 0600);
		if (rename(HOME "/.cargo/.tmp-credentials", CARGO) < 0)
			tap_diag("rename over %s: %s", CARGO, strerror(errno));
	}
	if (a->fn == a_created_later)
		test_write_file(DOCKER, "{\"auths\":{}}\n", 0600);
	if (a->fn == a_removexattr && setxattr(HOOK, "trusted.keep", "1", 1, 0) < 0)
		tap_diag("setxattr trusted.keep: %s", strerror(errno));
}

static void check_record(const struct cordon_session_ctx *s, const struct attack *a)
{
	const struct cordon_event_hdr *h = NULL;
	struct collected c = { 0 };

	collect_events(s->bpf, &c, 200);
	for (int j = 0; j < c.n; j++)
		if (c.ev[j].hdr.type == a->type && c.ev[j].hdr.hook == a->hook &&
		    c.ev[j].hdr.session == s->id)
			h = &c.ev[j].hdr;
	if (!tap_check(h != NULL, "%s_event", a->name)) {
		for (int j = 0; j < c.n; j++)
			tap_diag("got event type=%u hook=%u verdict=%d session=%u",
				 c.ev[j].hdr.type, c.ev[j].hdr.hook, c.ev[j].hdr.verdict,
				 c.ev[j].hdr.session);
		return;
	}
	tap_check(h->verdict == -a->expect && h->layer == CORDON_LAYER_BPF_LSM &&
			  (!a->rule || h->rule_id != 0),
		  "%s_event_verdict_layer_rule", a->name);
}

static void run_attack(const struct cordon_session_ctx *s, const struct attack *a)
{
	struct run_arg out = { a->name, NULL, a->fn }, in = { a->name, s->cgroup, a->fn };
	struct collected c = { 0 };
	int r;

	if (a->needs && !*a->needs) {
		tap_skip("the filesystem could not be made", "%s", a->name);
		return;
	}
	prepare(a);
	r = run_child(in_child, &out, NULL);
	if (!tap_check(r == 0, "%s_outside_succeeds", a->name))
		tap_diag("%s outside: %d (%s)", a->name, r, strerror(r));
	prepare(a);
	collect_events(s->bpf, &c, 0);
	r = run_child(in_child, &in, NULL);
	if (!tap_check(r == a->expect, "%s_refused_%s", a->name, strerrorname_np(a->expect)))
		tap_diag("%s inside: %d (%s)", a->name, r, strerror(r));
	check_record(s, a);
}

/* The outsider counts the signals it gets on a pipe: SIGCONT by SIGIO (F_SETSIG). */
static int sigio_pipe[2];

static void on_sig(int sig)
{
	char b = (char)sig;

	(void)!write(sigio_pipe[1], &b, 1);
}

static int sigio_count(int ms)
{
	int n = 0;
	char b;

	test_sleep_ms(ms);
	while (read(sigio_pipe[0], &b, 1) == 1)
		n++;
	return n;
}

/*
 * An owner set before the session (an inherited descriptor): writing into the pipe would signal
 * the outsider. Outside it does; a session's write is let through, its signal is not.
 */
static void test_sigio_delivery(const struct cordon_session_ctx *s)
{
	struct attack a = { "sigio_to_outside_owner",	     NULL, NULL, EPERM, CORDON_EV_TASK,
			    CORDON_HOOK_FILE_SEND_SIGIOTASK, false };
	int p[2], status;
	pid_t w;

	if (pipe(p) < 0 || fcntl(p[0], F_SETOWN, outsider) < 0 ||
	    fcntl(p[0], F_SETSIG, SIGCONT) < 0 ||
	    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC) < 0) {
		tap_check(false, "sigio_setup (%s)", strerror(errno));
		return;
	}
	sigio_count(100);
	if (write(p[1], "x", 1) != 1)
		tap_diag("write: %s", strerror(errno));
	tap_check(sigio_count(300) > 0, "sigio_to_outside_owner_outside_delivered");
	w = fork();
	if (w == 0) {
		if (cordon_cgroup_enter(s->cgroup, 0) < 0)
			_exit(250);
		_exit(write(p[1], "y", 1) == 1 ? 0 : errno);
	}
	tap_check(w > 0 && waitpid(w, &status, 0) == w && WIFEXITED(status) &&
			  WEXITSTATUS(status) == 0,
		  "sigio_to_outside_owner_session_write_succeeds");
	tap_check(sigio_count(300) == 0, "sigio_to_outside_owner_refused_inside");
	check_record(s, &a);
	close(p[0]);
	close(p[1]);
}

/* Sends SERVED over @sock for each byte read from it. */
static void serve_fds(int sock)
{
	char b, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &b, 1 };

	while (read(sock, &b, 1) == 1) {
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		int fd = open(SERVED, O_RDONLY | O_CLOEXEC);

		memset(ctl, 0, sizeof(ctl));
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(fd));
		if (sendmsg(sock, &m, 0) < 0)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

/* The fd server outside every session, and the secret descriptor the attacks inherit. */
static void start_fd_server(void)
{
	int sv[2];

	held_fd = open(SERVED, O_RDONLY);
	fd_server_fd = held_fd;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || held_fd < 0) {
		tap_diag("fd server: %s", strerror(errno));
		return;
	}
	fd_server = fork();
	if (fd_server == 0) {
		close(sv[0]);
		serve_fds(sv[1]);
	}
	close(sv[1]);
	fd_sock = sv[0];
}

int main(int argc, char **argv)
{
	struct cordon_session_ctx s = { .procs_fd = -1 };
	char root[4200];

	if (argc == 3 && !strcmp(argv[1], "attack"))
		return attack_by_name(argv[2]);
	if (test_cgroup_root(root, sizeof(root), "fs") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	setup_files();
	if (pipe2(sigio_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return tap_check(false, "pipe"), 1;
	outsider = fork();
	if (outsider == 0) {
		signal(SIGCONT, on_sig);
		for (;;)
			pause();
	}
	start_fd_server();
	if (!tap_check(test_lsm_session(&s, root, "vm-lsm-fs.yaml", policy_yaml) == 0,
		       "session_from_yaml_policy"))
		return 1;
	snprintf(session_cgroup, sizeof(session_cgroup), "%s", s.cgroup);
	/* Before 6.2 an ACL is set as an xattr. */
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (attacks[i].fn == a_set_acl &&
		    strstr(cordon_bpf_skipped_hooks(s.bpf), "inode_set_acl"))
			attacks[i].hook = CORDON_HOOK_INODE_SETXATTR;
	/*
	 * Before file_ioctl_compat (6.1.74, 6.8), the 32-bit ioctl entry called file_ioctl with
	 * the same command number: refused there, recorded under that hook.
	 */
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (attacks[i].fn == a_tiocsti_compat &&
		    strstr(cordon_bpf_skipped_hooks(s.bpf), "file_ioctl_compat"))
			attacks[i].hook = CORDON_HOOK_FILE_IOCTL;
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		run_attack(&s, &attacks[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		struct run_arg in = { allowed[i].name, s.cgroup, NULL };
		int r;

		if (allowed[i].needs && !*allowed[i].needs) {
			tap_skip("the filesystem could not be made", "%s", allowed[i].name);
			continue;
		}
		r = run_child(in_child, &in, NULL);
		if (!tap_check(r == 0, "%s_allowed_inside", allowed[i].name))
			tap_diag("%s inside: %d (%s)", allowed[i].name, r, strerror(r));
	}
	test_sigio_delivery(&s);

	kill(outsider, SIGKILL);
	waitpid(outsider, NULL, 0);
	if (fd_server > 0) {
		kill(fd_server, SIGKILL);
		waitpid(fd_server, NULL, 0);
	}
	umount("/tmp/ssh-sub");
	umount("/tmp/ssh-file");
	cordon_session_destroy(&s);
	cordon_cgroup_remove(root);
	return tap_status();
}
