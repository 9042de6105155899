// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM deny-within-allow inside the VM, from a YAML policy through the real compiler and
 * session set-up to the hooks: every attack runs in a child outside any session (where it must
 * succeed, so the test proves something) and inside a session (where it must fail with the
 * expected errno and leave the ring-buffer record that says which hook refused it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"
#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "policy/policy.h"
#include "compile/compile.h"
#include "tap.h"
#include "testutil.h"

#define HOME   "/tmp/home"
#define PROJ   "/tmp/proj"
#define DENIED "/tmp/deny/tool"
#define SOCK   "/tmp/docker.sock"
#define SECRET HOME "/.ssh/id_rsa"
#define CANARY "canary-secret\n"

static const char policy_yaml[] = "name: vm-lsm\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp, /sys/fs/cgroup]\n"
				  "  exec: [/]\n"
				  "  protect: [" PROJ "/.git/hooks]\n"
				  "secrets:\n"
				  "  files: [" HOME "/.ssh]\n"
				  "  patterns: [.env, \"*.pem\", \"id_rsa*\"]\n"
				  "network:\n"
				  "  connect: [\"127.0.0.1:9/udp\", \"[::1]:9/udp\"]\n"
				  "  unix:\n"
				  "    deny: [" SOCK "]\n"
				  "process:\n"
				  "  exec_deny: [" DENIED "]\n";

static char session_cgroup[4300];
static pid_t outsider; /* a process outside every session, to ptrace and signal */

/* --- attacks: each returns 0 when the action succeeded, else the errno ------------------ */

static int read_file(const char *path)
{
	int r = attack_open_read(path);

	/* A directory opens (that is the check) but does not read(). */
	return r == EISDIR ? 0 : r;
}

static int write_new(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	if (fd < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

/* Run @path as busybox's `true` (busybox picks the applet from argv[0]). */
static int run_true(const char *path)
{
	char *argv[] = { "true", NULL };
	int status;
	pid_t p = fork();

	if (p == 0) {
		execv(path, argv);
		_exit(errno);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return EIO;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

struct attack {
	const char *name;
	int (*fn)(void);
	int expect;	    /* errno inside the session */
	unsigned int type;  /* CORDON_EV_* of the record */
	unsigned int hook;  /* CORDON_HOOK_* of the record */
	int verdict;	    /* the hook's return when it differs from -expect, else 0;
			     * CONFINED: verdict 0 with CORDON_EVENT_CONFINED (went ahead, narrowed) */
	bool policy;	    /* a rule of this policy (else self-protection, in every session) */
	unsigned int layer; /* CORDON_LAYER_* of the record; 0: BPF LSM */
};

#define CONFINED 1 /* no hook returns a positive verdict */

static int a_read_secret(void)
{
	return read_file(SECRET);
}

static int a_read_symlink(void)
{
	return read_file(PROJ "/key-link");
}

static int a_read_hardlink(void)
{
	return read_file(PROJ "/notes.txt");
}

static int a_read_proc_root(void)
{
	return read_file("/proc/self/root" SECRET);
}

static int a_read_bind_mount(void)
{
	return read_file("/tmp/ssh-bind/id_rsa");
}

static int a_list_secret_dir(void)
{
	return read_file(HOME "/.ssh");
}

/* A .env made after the session started (made fresh by each run, outside or in). */
static int a_read_new_env(void)
{
	return read_file(PROJ "/sub/.env");
}

static int a_write_hook(void)
{
	int fd = open(PROJ "/.git/hooks/pre-commit", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int a_create_hook(void)
{
	return write_new(PROJ "/.git/hooks/post-checkout");
}

/* Create @from outside the hooks, then move it in with @op (rename or link); both removed after. */
static int plant_hook(const char *from, const char *hook, int (*op)(const char *, const char *))
{
	int fd = open(from, O_WRONLY | O_CREAT | O_CLOEXEC, 0755), r = 0;

	if (fd < 0)
		return errno;
	close(fd);
	if (op(from, hook) < 0)
		r = errno;
	unlink(from);
	unlink(hook);
	return r;
}

static int a_rename_into_hooks(void)
{
	return plant_hook(PROJ "/evil", PROJ "/.git/hooks/pre-push", rename);
}

static int a_link_into_hooks(void)
{
	return plant_hook(PROJ "/evil2", PROJ "/.git/hooks/pre-rebase", link);
}

static int a_chmod_hook(void)
{
	return chmod(PROJ "/.git/hooks/pre-commit", 0755) < 0 ? errno : 0;
}

static int a_move_secret_out(void)
{
	if (rename(SECRET, PROJ "/stolen") < 0)
		return errno;
	rename(PROJ "/stolen", SECRET);
	return 0;
}

static int a_exec_denied(void)
{
	return run_true(DENIED);
}

/* A copy has a new inode: it is refused because the denied binary cannot be read. */
static int a_exec_copy(void)
{
	static char buf[4 << 20];
	int in = open(DENIED, O_RDONLY | O_CLOEXEC), out, r;
	ssize_t n;

	if (in < 0)
		return errno;
	out = open(PROJ "/tool-copy", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		return errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return EIO;
	close(in);
	close(out);
	r = run_true(PROJ "/tool-copy");
	unlink(PROJ "/tool-copy");
	return r;
}

/* What `ld-linux-x86-64.so.2 DENIED` does: open the binary and map it executable. */
static int a_exec_ld_so(void)
{
	int fd = open(DENIED, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return errno;
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

/*
 * A descriptor of the denied binary opened before the session (inherited), mapped PROT_READ
 * with the READ_IMPLIES_EXEC personality: the kernel maps it executable all the same, so the
 * hook must judge the protection it maps (prot), not the one asked for (reqprot).
 */
static int a_map_read_implies_exec(void)
{
	const char *e = getenv("CORDON_TEST_DENIED_FD");
	int fd = e ? atoi(e) : -1;
	void *p;

	if (fd < 0 || personality(READ_IMPLIES_EXEC) < 0)
		return EIO;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

static int a_exec_memfd(void)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	const char *step;

	return attack_memfd_exec("/bin/busybox", argv, envp, &step);
}

static int a_unix_connect(void)
{
	return attack_unix_connect(SOCK, false);
}

#define ABSTRACT "cordon-test-outside"

/* An abstract unix socket of a process outside the session (the test's own listener). */
static int a_abstract_unix(void)
{
	return attack_unix_connect(ABSTRACT, true);
}

static int a_socket(int family, int type, int proto)
{
	return attack_socket(family, type, proto);
}

static int a_mptcp(void)
{
	return a_socket(AF_INET, SOCK_STREAM, 262);
}

static int a_icmp(void)
{
	return a_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
}

static int a_udplite(void)
{
	return a_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
}

static int a_udplite6(void)
{
	return a_socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE);
}

static int a_packet(void)
{
	return a_socket(AF_PACKET, SOCK_DGRAM, 0);
}

static int a_netlink_diag(void)
{
	return a_socket(AF_NETLINK, SOCK_RAW, 4 /* NETLINK_SOCK_DIAG */);
}

/* Legitimate kinds: TCP, UDP (protocol 0 or explicit), unix, netlink route (getifaddrs). */
static int a_tcp(void)
{
	return a_socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
}

static int a_udp(void)
{
	return a_socket(AF_INET, SOCK_DGRAM, 0);
}

static int a_unix(void)
{
	return a_socket(AF_UNIX, SOCK_DGRAM, 0);
}

static int a_netlink_route(void)
{
	return a_socket(AF_NETLINK, SOCK_RAW, 0);
}

/*
 * listen() without bind(): every interface, on a port the kernel chose. ENODEV stands for
 * "confined to the loopback device" (SO_BINDTODEVICE lo), the errno of a refusal for itself.
 */
static int a_listen_nobind(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char dev[16] = "";
	socklen_t len = sizeof(dev);
	int r = 0;

	if (fd < 0)
		return errno;
	if (listen(fd, 1) < 0)
		r = errno;
	else if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) < 0)
		r = errno;
	else if (!strcmp(dev, "lo"))
		r = ENODEV;
	close(fd);
	return r;
}

/*
 * listen() on a TCP socket made outside the session (the test's own, inherited across the
 * exec): no cgroup program sees it, so BPF LSM's socket_listen judges it.
 */
static int a_listen_outside_sock(void)
{
	const char *fd = getenv("CORDON_TEST_TCP_FD");

	if (!fd)
		return EBADF;
	return listen((int)strtol(fd, NULL, 10), 1) < 0 ? errno : 0;
}

/* The descriptor the test made outside the session and left open across the exec. */
static int outside_fd(const char *env)
{
	const char *fd = getenv(env);

	return fd ? (int)strtol(fd, NULL, 10) : -1;
}

/*
 * A datagram to 127.0.0.1:7 (no rule allows it) from a UDP socket made outside the session,
 * its destination's family AF_UNSPEC: udp_sendmsg() sends to the address all the same, and no
 * cgroup program sees the socket, so BPF LSM's socket_sendmsg judges it.
 */
static int a_sendto_unspec_outside_sock(void)
{
	struct sockaddr_in sa = { .sin_family = AF_UNSPEC,
				  .sin_port = htons(7),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = outside_fd("CORDON_TEST_UDP_FD");

	if (fd < 0)
		return EBADF;
	return sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
}

/* [::1]:7 as a 24-byte sockaddr_in6 (no scope id), which the kernel takes. */
static void loopback6_short(struct sockaddr_in6 *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons(7);
	sa->sin6_addr = in6addr_loopback;
}

static int a_sendto6_short_outside_sock(void)
{
	struct sockaddr_in6 sa;
	int fd = outside_fd("CORDON_TEST_UDP6_FD");

	if (fd < 0)
		return EBADF;
	loopback6_short(&sa);
	return sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, 24) < 0 ? errno : 0;
}

static int a_connect6_short_outside_sock(void)
{
	struct sockaddr_in6 sa;
	int fd = outside_fd("CORDON_TEST_UDP6_CONNECT_FD");

	if (fd < 0)
		return EBADF;
	loopback6_short(&sa);
	return connect(fd, (struct sockaddr *)&sa, 24) < 0 ? errno : 0;
}

/* The port a connect record of @fn must name (the fallback attacks' 7), else 0: not checked. */
static __u16 record_port(int (*fn)(void))
{
	return fn == a_sendto_unspec_outside_sock || fn == a_sendto6_short_outside_sock ||
			       fn == a_connect6_short_outside_sock
		       ? 7
		       : 0;
}

/* A datagram to an allowed destination (127.0.0.1:9) with a loose source route as cmsg. */
static int a_cmsg_lsrr(void)
{
	static const unsigned char opt[8] = { 131, 7, 4, 127, 0, 0, 1, 1 };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	union {
		char buf[CMSG_SPACE(sizeof(opt))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = { .msg_name = &sa,
			    .msg_namelen = sizeof(sa),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return errno;
	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_RETOPTS;
	c->cmsg_len = CMSG_LEN(sizeof(opt));
	memcpy(CMSG_DATA(c), opt, sizeof(opt));
	if (sendmsg(fd, &m, 0) < 0)
		r = errno;
	close(fd);
	return r;
}

/*
 * One datagram to an allowed destination (@sa, @salen) from @fd with the control data @ctl of
 * @ctllen bytes (cmsg_put() fills it).
 */
static int send_with_cmsg(int fd, const void *sa, socklen_t salen, void *ctl, size_t ctllen)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = { .msg_name = (void *)sa,
			    .msg_namelen = salen,
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = ctllen };

	if (fd < 0)
		return EBADF;
	return sendmsg(fd, &m, 0) < 0 ? errno : 0;
}

/* A header of @level, @type with @len bytes of @data at @c; the next header's place. */
static struct cmsghdr *cmsg_put(struct cmsghdr *c, int level, int type, const void *data,
				size_t len)
{
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return (struct cmsghdr *)((char *)c + CMSG_SPACE(len));
}

/* The destinations the policy allows: 127.0.0.1:9 and [::1]:9. */
static int send4_with_cmsg(int fd, void *ctl, size_t ctllen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return send_with_cmsg(fd, &sa, sizeof(sa), ctl, ctllen);
}

static int send6_with_cmsg(int fd, void *ctl, size_t ctllen)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(9),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	return send_with_cmsg(fd, &sa, sizeof(sa), ctl, ctllen);
}

/*
 * A loose source route (via 127.0.0.1) as IP_RETOPTS ancillary data, after a harmless IP_TOS,
 * on a UDP socket made outside the session: no cgroup_skb program sees its packets, so BPF
 * LSM's socket_sendmsg must refuse the send.
 */
static int a_cmsg_lsrr_outside_sock(void)
{
	static const unsigned char opt[8] = { 131, 7, 4, 127, 0, 0, 1, 1 };
	int tos = 0x10;
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(opt))];
		struct cmsghdr align;
	} u;

	memset(u.buf, 0, sizeof(u.buf));
	cmsg_put(cmsg_put(&u.align, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)), IPPROTO_IP, IP_RETOPTS,
		 opt, sizeof(opt));
	return send4_with_cmsg(outside_fd("CORDON_TEST_UDP_CMSG_FD"), u.buf, sizeof(u.buf));
}

/*
 * An IPv6 routing header as IPV6_RTHDR ancillary data on a UDP socket made outside the
 * session. As ancillary data the kernel takes only type 2 (one address, segments left 1;
 * type 4 it takes as a socket option only: srh_send() below): the packet's destination becomes
 * the address in the header (fl6_update_dst), here ::1 again, not the one the send named.
 */
static int a_cmsg_rthdr_outside_sock(void)
{
	unsigned char rh[24] = { 0, 2, 2, 1, 0, 0, 0, 0 };
	union {
		char buf[CMSG_SPACE(sizeof(rh))];
		struct cmsghdr align;
	} u;

	rh[8 + 15] = 1; /* the address: ::1 */
	memset(u.buf, 0, sizeof(u.buf));
	cmsg_put(&u.align, IPPROTO_IPV6, IPV6_RTHDR, rh, sizeof(rh));
	return send6_with_cmsg(outside_fd("CORDON_TEST_UDP6_CMSG_FD"), u.buf, sizeof(u.buf));
}

/* Harmless ancillary data on the same sockets still goes: IP_PKTINFO (no route) and IP_TOS. */
static int a_cmsg_pktinfo_tos_outside_sock(void)
{
	struct in_pktinfo pi = { 0 };
	int tos = 0x10;
	union {
		char buf[CMSG_SPACE(sizeof(pi)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;

	memset(u.buf, 0, sizeof(u.buf));
	cmsg_put(cmsg_put(&u.align, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi)), IPPROTO_IP, IP_TOS,
		 &tos, sizeof(tos));
	return send4_with_cmsg(outside_fd("CORDON_TEST_UDP_CMSG_FD"), u.buf, sizeof(u.buf));
}

static int a_cmsg_tclass_outside_sock(void)
{
	int tclass = 0x10;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;

	memset(u.buf, 0, sizeof(u.buf));
	cmsg_put(&u.align, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
	return send6_with_cmsg(outside_fd("CORDON_TEST_UDP6_CMSG_FD"), u.buf, sizeof(u.buf));
}

/*
 * A segment routing header (type 4, one segment ::1) set as a socket option on @fd, then a
 * datagram to an allowed destination ([::1]:9). Refused at the option (socket_setsockopt):
 * seccomp refuses it too in `cordon run`, but an auto-confined agent has no seccomp filter,
 * and this test applies none.
 */
static int srh_send(int fd)
{
	unsigned char srh[24] = { 0, 2, 4, 0, 0, 0, 0, 0 };
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(9),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	if (fd < 0)
		return EBADF;
	srh[8 + 15] = 1; /* the segment: ::1 */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof(srh)) < 0 ||
	    sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno;
	return 0;
}

static int a_srh_send(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	r = srh_send(fd);
	if (fd >= 0)
		close(fd);
	return r;
}

/* The same on a socket made outside the session, which no cgroup_skb program would see. */
static int a_srh_send_outside_sock(void)
{
	return srh_send(outside_fd("CORDON_TEST_UDP6_SRH_FD"));
}

/* A loose source route (via 127.0.0.1) as IP options set on the socket, then a datagram. */
static int a_ip_options_send(void)
{
	static const unsigned char opt[8] = { 131, 7, 4, 127, 0, 0, 1, 1 };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return errno;
	if (setsockopt(fd, IPPROTO_IP, IP_OPTIONS, opt, sizeof(opt)) < 0 ||
	    sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = errno;
	close(fd);
	return r;
}

static int a_ptrace(void)
{
	return attack_ptrace(outsider);
}

static int a_proc_environ(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)outsider);
	return read_file(path);
}

static int a_kill(void)
{
	/* SIGCONT: harmless to the outsider, still a signal that needs permission. */
	return attack_kill(outsider, SIGCONT);
}

static int a_bpf(void)
{
	return attack_bpf_map_create(BPF_MAP_TYPE_ARRAY);
}

/* Outside: moving into a fresh cgroup works; inside: the session's cgroup.procs is refused. */
static int a_cgroup_procs(void)
{
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", session_cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int a_mount(void)
{
	mkdir("/tmp/mnt-attack", 0755);
	if (mount("none", "/tmp/mnt-attack", "tmpfs", 0, NULL) < 0)
		return errno;
	umount("/tmp/mnt-attack");
	return 0;
}

/*
 * The 5.2 mount API: a clone of a tree (open_tree) attached elsewhere with move_mount(), which
 * never calls sb_mount. Outside, the mount is made and taken away again.
 */
static int a_move_mount(void)
{
	int fd, r = 0;

	mkdir("/tmp/mnt-src", 0755);
	mkdir("/tmp/mnt-dst", 0755);
	fd = open_tree(AT_FDCWD, "/tmp/mnt-src", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return errno;
	if (move_mount(fd, "", AT_FDCWD, "/tmp/mnt-dst", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = errno;
	else
		umount2("/tmp/mnt-dst", MNT_DETACH);
	close(fd);
	return r;
}

/* Unmounting a mount of the machine's (UMOUNT_TARGET, mounted again before each run). */
#define UMOUNT_TARGET "/tmp/umount-target"

static int a_umount(void)
{
	return umount2(UMOUNT_TARGET, 0) < 0 ? errno : 0;
}

static void mount_umount_target(void)
{
	mkdir(UMOUNT_TARGET, 0755);
	if (mount("none", UMOUNT_TARGET, "tmpfs", 0, NULL) < 0)
		tap_diag("tmpfs at %s: %s", UMOUNT_TARGET, strerror(errno));
}

static int a_tiocsti(void)
{
	return attack_tiocsti();
}

static int a_userns(void)
{
	int status;
	pid_t p = fork();

	if (p == 0)
		_exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return EIO;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

#define FILE_OPEN CORDON_EV_FILE, CORDON_HOOK_FILE_OPEN

static const struct attack attacks[] = {
	{ "read_secret_by_path", a_read_secret, EACCES, FILE_OPEN, 0, true, 0 },
	{ "list_secret_directory", a_list_secret_dir, EACCES, FILE_OPEN, 0, true, 0 },
	{ "read_secret_via_symlink", a_read_symlink, EACCES, FILE_OPEN, 0, true, 0 },
	{ "read_secret_via_hardlink_made_before", a_read_hardlink, EACCES, FILE_OPEN, 0, true, 0 },
	{ "read_secret_via_proc_self_root", a_read_proc_root, EACCES, FILE_OPEN, 0, true, 0 },
	{ "read_secret_via_bind_mount_made_before", a_read_bind_mount, EACCES, FILE_OPEN, 0, true,
	  0 },
	{ "read_env_created_after_start", a_read_new_env, EACCES, FILE_OPEN, 0, true, 0 },
	{ "move_secret_out", a_move_secret_out, EACCES, CORDON_EV_FILE, CORDON_HOOK_PATH_RENAME, 0,
	  true, 0 },
	{ "write_git_hook", a_write_hook, EACCES, FILE_OPEN, 0, true, 0 },
	{ "create_git_hook", a_create_hook, EACCES, CORDON_EV_FILE, CORDON_HOOK_PATH_MKNOD, 0, true,
	  0 },
	{ "rename_into_git_hooks", a_rename_into_hooks, EACCES, CORDON_EV_FILE,
	  CORDON_HOOK_PATH_RENAME, 0, true, 0 },
	{ "hardlink_into_git_hooks", a_link_into_hooks, EACCES, CORDON_EV_FILE,
	  CORDON_HOOK_PATH_LINK, 0, true, 0 },
	{ "chmod_git_hook", a_chmod_hook, EACCES, CORDON_EV_FILE, CORDON_HOOK_PATH_CHMOD, 0, true,
	  0 },
	/* exec opens the binary with FMODE_EXEC: file_open refuses it before bprm_check. */
	{ "exec_denied_binary", a_exec_denied, EACCES, FILE_OPEN, 0, true, 0 },
	{ "exec_denied_binary_via_copy", a_exec_copy, EACCES, FILE_OPEN, 0, true, 0 },
	{ "exec_denied_binary_via_ld_so", a_exec_ld_so, EACCES, FILE_OPEN, 0, true, 0 },
	{ "map_inherited_denied_binary_read_implies_exec", a_map_read_implies_exec, EACCES,
	  CORDON_EV_FILE, CORDON_HOOK_MMAP_FILE, 0, true, 0 },
	{ "exec_from_memfd", a_exec_memfd, EACCES, CORDON_EV_FILE, CORDON_HOOK_BPRM_CHECK, 0, false,
	  0 },
	{ "connect_denied_unix_socket", a_unix_connect, EACCES, CORDON_EV_FILE,
	  CORDON_HOOK_UNIX_STREAM_CONNECT, 0, true, 0 },
	{ "connect_abstract_unix_outside", a_abstract_unix, EPERM, CORDON_EV_OP,
	  CORDON_HOOK_UNIX_STREAM_CONNECT, 0, false, 0 },
	{ "mptcp_socket", a_mptcp, EACCES, CORDON_EV_OP, CORDON_HOOK_SOCKET_CREATE, 0, false, 0 },
	{ "icmp_socket", a_icmp, EACCES, CORDON_EV_OP, CORDON_HOOK_SOCKET_CREATE, 0, false, 0 },
	/* Socket kinds default deny (issue 17): no connect hook (UDP-Lite), below the hooks. */
	{ "udplite_socket", a_udplite, EACCES, CORDON_EV_OP, CORDON_HOOK_SOCKET_CREATE, 0, false,
	  0 },
	{ "udplite6_socket", a_udplite6, EACCES, CORDON_EV_OP, CORDON_HOOK_SOCKET_CREATE, 0, false,
	  0 },
	{ "packet_socket", a_packet, EACCES, CORDON_EV_OP, CORDON_HOOK_SOCKET_CREATE, 0, false, 0 },
	{ "netlink_sock_diag_socket", a_netlink_diag, EACCES, CORDON_EV_OP,
	  CORDON_HOOK_SOCKET_CREATE, 0, false, 0 },
	/* The session's own sockets: sockops binds the listener to lo (the LSM leaves them). */
	{ "listen_without_bind", a_listen_nobind, ENODEV, CORDON_EV_CONNECT, CORDON_HOOK_TCP_LISTEN,
	  CONFINED, false, CORDON_LAYER_CGROUP_BPF },
	{ "listen_on_socket_made_outside", a_listen_outside_sock, EACCES, CORDON_EV_CONNECT,
	  CORDON_HOOK_SOCKET_LISTEN, 0, false, 0 },
	/* The IP rules' fallback for sockets no cgroup program judges (issue 17). */
	{ "sendto_unspec_family_on_socket_made_outside", a_sendto_unspec_outside_sock, EPERM,
	  CORDON_EV_CONNECT, CORDON_HOOK_SOCKET_SENDMSG, 0, false, 0 },
	{ "sendto6_24_byte_sockaddr_on_socket_made_outside", a_sendto6_short_outside_sock, EPERM,
	  CORDON_EV_CONNECT, CORDON_HOOK_SOCKET_SENDMSG, 0, false, 0 },
	{ "connect6_24_byte_sockaddr_on_socket_made_outside", a_connect6_short_outside_sock, EPERM,
	  CORDON_EV_CONNECT, CORDON_HOOK_SOCKET_CONNECT, 0, false, 0 },
	/* Source routes as socket options (issue 17): BPF LSM, whatever made the socket. */
	{ "segment_routing_header_setsockopt", a_srh_send, EPERM, CORDON_EV_OP,
	  CORDON_HOOK_SOCKET_SETSOCKOPT, 0, false, 0 },
	{ "segment_routing_header_on_socket_made_outside", a_srh_send_outside_sock, EPERM,
	  CORDON_EV_OP, CORDON_HOOK_SOCKET_SETSOCKOPT, 0, false, 0 },
	{ "ip_options_loose_source_route_setsockopt", a_ip_options_send, EPERM, CORDON_EV_OP,
	  CORDON_HOOK_SOCKET_SETSOCKOPT, 0, false, 0 },
	/* As ancillary data: BPF LSM's socket_sendmsg refuses the send in any session, before
	 * cgroup_skb/egress would drop the packet of a socket made in the session's cgroup. */
	{ "source_route_as_cmsg", a_cmsg_lsrr, EPERM, CORDON_EV_OP, CORDON_HOOK_SOCKET_SENDMSG, 0,
	  false, 0 },
	{ "source_route_as_cmsg_on_socket_made_outside", a_cmsg_lsrr_outside_sock, EPERM,
	  CORDON_EV_OP, CORDON_HOOK_SOCKET_SENDMSG, 0, false, 0 },
	{ "routing_header_as_cmsg_on_socket_made_outside", a_cmsg_rthdr_outside_sock, EPERM,
	  CORDON_EV_OP, CORDON_HOOK_SOCKET_SENDMSG, 0, false, 0 },
	{ "ptrace_outside_process", a_ptrace, EPERM, CORDON_EV_TASK, CORDON_HOOK_PTRACE, 0, false,
	  0 },
	/* procfs turns the hook's EPERM into EACCES. */
	{ "read_outside_process_environ", a_proc_environ, EACCES, CORDON_EV_TASK,
	  CORDON_HOOK_PTRACE, -EPERM, false, 0 },
	{ "kill_outside_process", a_kill, EPERM, CORDON_EV_TASK, CORDON_HOOK_TASK_KILL, 0, false,
	  0 },
	{ "bpf_syscall", a_bpf, EPERM, CORDON_EV_OP, CORDON_HOOK_BPF, 0, false, 0 },
	{ "write_cgroup_procs", a_cgroup_procs, EPERM, FILE_OPEN, 0, false, 0 },
	{ "mount", a_mount, EPERM, CORDON_EV_OP, CORDON_HOOK_SB_MOUNT, 0, false, 0 },
	/* Mounts that sb_mount never sees, and unmounts (issue 17: a root agent, no seccomp). */
	{ "move_mount_of_cloned_tree", a_move_mount, EPERM, CORDON_EV_OP, CORDON_HOOK_MOVE_MOUNT, 0,
	  false, 0 },
	{ "umount", a_umount, EPERM, CORDON_EV_OP, CORDON_HOOK_SB_UMOUNT, 0, false, 0 },
	{ "tiocsti", a_tiocsti, EPERM, CORDON_EV_OP, CORDON_HOOK_FILE_IOCTL, 0, false, 0 },
	{ "unshare_user_namespace", a_userns, EPERM, CORDON_EV_OP, CORDON_HOOK_USERNS_CREATE, 0,
	  false, 0 },
};

/* Kinds a session keeps: created inside as outside. */
static const struct attack legit[] = {
	{ "tcp6_socket", a_tcp, 0, 0, 0, 0, false, 0 },
	{ "udp_socket", a_udp, 0, 0, 0, 0, false, 0 },
	{ "unix_socket", a_unix, 0, 0, 0, 0, false, 0 },
	{ "netlink_route_socket", a_netlink_route, 0, 0, 0, 0, false, 0 },
	/* Ancillary data that routes nothing, on the sockets made outside (issue 17). */
	{ "pktinfo_and_tos_cmsg_on_socket_made_outside", a_cmsg_pktinfo_tos_outside_sock, 0, 0, 0,
	  0, false, 0 },
	{ "tclass_cmsg_on_socket_made_outside", a_cmsg_tclass_outside_sock, 0, 0, 0, 0, false, 0 },
};

/* --- the bench ---------------------------------------------------------------------------- */

struct run_arg {
	const struct attack *a;
	const char *cgroup;
};

/*
 * In a session the attack runs as the agent would: a program executed there (this one again,
 * `attack NAME`), since a session refuses mounts and user namespaces from its first exec on.
 */
static int in_child(void *p)
{
	const struct run_arg *ra = p;
	char pid[16];

	if (!ra->cgroup)
		return ra->a->fn();
	if (cordon_cgroup_enter(ra->cgroup, 0) < 0)
		return 250;
	/* What the attacks read of the test's state crosses the exec in the environment. */
	snprintf(pid, sizeof(pid), "%d", (int)outsider);
	setenv("CORDON_TEST_OUTSIDER", pid, 1);
	setenv("CORDON_TEST_SESSION_CGROUP", session_cgroup, 1);
	/* By its path, not /proc/self/exe: the task's name stays the program's. */
	execl("/tests/vm/test_lsm_rules", "test_lsm_rules", "attack", ra->a->name, (char *)NULL);
	return 251;
}

/* `test_lsm_rules attack NAME`: one attack, its result as the exit status. */
static int attack_by_name(const char *name)
{
	const char *o = getenv("CORDON_TEST_OUTSIDER"), *cg = getenv("CORDON_TEST_SESSION_CGROUP");

	outsider = o ? (pid_t)strtol(o, NULL, 10) : -1;
	snprintf(session_cgroup, sizeof(session_cgroup), "%s", cg ? cg : "");
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (!strcmp(attacks[i].name, name))
			return attacks[i].fn();
	for (size_t i = 0; i < sizeof(legit) / sizeof(legit[0]); i++)
		if (!strcmp(legit[i].name, name))
			return legit[i].fn();
	return 252;
}

static void setup_files(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCK };
	int lfd;

	mkdir(HOME, 0755);
	mkdir(HOME "/.ssh", 0700);
	{
		/* Not close-on-exec: the attack in the session gets it across its exec. */
		int tfd = socket(AF_INET, SOCK_STREAM, 0);
		char num[16];

		snprintf(num, sizeof(num), "%d", tfd);
		setenv("CORDON_TEST_TCP_FD", num, 1);
		snprintf(num, sizeof(num), "%d", socket(AF_INET, SOCK_DGRAM, 0));
		setenv("CORDON_TEST_UDP_FD", num, 1);
		snprintf(num, sizeof(num), "%d", socket(AF_INET6, SOCK_DGRAM, 0));
		setenv("CORDON_TEST_UDP6_FD", num, 1);
		snprintf(num, sizeof(num), "%d", socket(AF_INET6, SOCK_DGRAM, 0));
		setenv("CORDON_TEST_UDP6_CONNECT_FD", num, 1);
		snprintf(num, sizeof(num), "%d", socket(AF_INET6, SOCK_DGRAM, 0));
		setenv("CORDON_TEST_UDP6_SRH_FD", num, 1);
		snprintf(num, sizeof(num), "%d", socket(AF_INET, SOCK_DGRAM, 0));
		setenv("CORDON_TEST_UDP_CMSG_FD", num, 1);
		snprintf(num, sizeof(num), "%d", socket(AF_INET6, SOCK_DGRAM, 0));
		setenv("CORDON_TEST_UDP6_CMSG_FD", num, 1);
	}
	test_write_file("/proc/sys/net/ipv4/ping_group_range", "0 65535", 0644);
	test_write_file(SECRET, CANARY, 0600);
	mkdir(PROJ, 0755);
	mkdir(PROJ "/sub", 0755);
	mkdir(PROJ "/.git", 0755);
	mkdir(PROJ "/.git/hooks", 0755);
	test_write_file(PROJ "/.git/hooks/pre-commit", "#!/bin/sh\n", 0644);
	if (symlink(SECRET, PROJ "/key-link") < 0 || link(SECRET, PROJ "/notes.txt") < 0)
		tap_diag("links: %s", strerror(errno));
	mkdir("/tmp/ssh-bind", 0700);
	mount(HOME "/.ssh", "/tmp/ssh-bind", NULL, MS_BIND, NULL);
	mkdir("/tmp/deny", 0755);
	test_copy_file("/bin/busybox", DENIED);
	chmod(DENIED, 0755);
	{
		/* Opened before the session, not close-on-exec: the attack inherits it. */
		int dfd = open(DENIED, O_RDONLY);
		char num[16];

		snprintf(num, sizeof(num), "%d", dfd);
		setenv("CORDON_TEST_DENIED_FD", num, 1);
	}
	unlink(SOCK);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0)
		tap_diag("unix listener: %s", strerror(errno));
	/* The listeners stay open for the whole test (and are closed at exit). */
	{
		struct sockaddr_un ab = { .sun_family = AF_UNIX };
		int afd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		/* sun_path[0] == '\0': the abstract namespace. */
		memcpy(ab.sun_path + 1, ABSTRACT, sizeof(ABSTRACT) - 1);
		if (afd < 0 ||
		    bind(afd, (struct sockaddr *)&ab,
			 offsetof(struct sockaddr_un, sun_path) + sizeof(ABSTRACT)) < 0 ||
		    listen(afd, 64) < 0)
			tap_diag("abstract listener: %s", strerror(errno));
	}
}

int main(int argc, char **argv)
{
	static const char open_yaml[] = "name: vm-open\nfilesystem:\n  read: [/]\n  exec: [/]\n";
	struct cordon_session_ctx s = { .procs_fd = -1 }, other = { .procs_fd = -1 };
	char root[4200];
	uint64_t drops = 1;

	if (argc == 3 && !strcmp(argv[1], "attack"))
		return attack_by_name(argv[2]);
	if (test_cgroup_root(root, sizeof(root), "rules") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	setup_files();
	outsider = fork();
	if (outsider == 0) {
		for (;;)
			pause();
	}
	if (!tap_check(test_lsm_session(&s, root, "vm-lsm.yaml", policy_yaml) == 0,
		       "session_from_yaml_policy"))
		return 1;
	snprintf(session_cgroup, sizeof(session_cgroup), "%s", s.cgroup);
	tap_check(test_lsm_session(&other, root, "vm-lsm.yaml", open_yaml) == 0,
		  "second_session_other_policy");
	if (cordon_bpf_skipped_hooks(s.bpf)[0])
		tap_diag("hooks this kernel lacks: %s", cordon_bpf_skipped_hooks(s.bpf));

	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct attack *base = &attacks[i];
		/* Where the cgroup unix programs run (6.7+), they refuse the denied socket first,
		 * by its path (tests/vm/test_unix.c has the rest of the unix rules). */
		bool cg_unix = base->fn == a_unix_connect && cordon_bpf_unix_ready(s.bpf);
		const struct attack cg = {
			base->name, base->fn, EPERM, CORDON_EV_UNIX, CORDON_HOOK_CONNECT_UNIX,
			0,	    true,     0
		};
		const struct attack *a = cg_unix ? &cg : base;
		__u16 layer = cg_unix	 ? CORDON_LAYER_CGROUP_BPF
			      : a->layer ? a->layer
					 : CORDON_LAYER_BPF_LSM;
		struct run_arg out = { a, NULL }, in = { a, s.cgroup }, oth = { a, other.cgroup };
		const struct cordon_event_hdr *h;
		struct collected c = { 0 };
		int r;
		pid_t pid;

		if (a->fn == a_read_new_env)
			test_write_file(PROJ "/sub/.env", CANARY, 0644);
		if (a->fn == a_umount)
			mount_umount_target();
		r = run_child(in_child, &out, NULL);
		tap_check(r == 0, "%s_outside_succeeds", a->name);
		if (r)
			tap_diag("%s outside: %d (%s)", a->name, r, strerror(r));
		/* A session with another policy at the same time keeps its own rules. */
		if (a->policy) {
			if (a->fn == a_read_new_env)
				test_write_file(PROJ "/sub/.env", CANARY, 0644);
			r = run_child(in_child, &oth, NULL);
			tap_check(r == 0, "%s_other_session_unaffected", a->name);
			if (r)
				tap_diag("%s in the other session: %d (%s)", a->name, r,
					 strerror(r));
		}
		collect_events(other.bpf, &c, 0);
		memset(&c, 0, sizeof(c));
		if (a->fn == a_read_new_env)
			test_write_file(PROJ "/sub/.env", CANARY, 0644);
		if (a->fn == a_umount)
			mount_umount_target();

		r = run_child(in_child, &in, &pid);
		if (!tap_check(r == a->expect, "%s_refused_%s", a->name,
			       strerrorname_np(a->expect)))
			tap_diag("%s inside: %d (%s)", a->name, r, strerror(r));
		collect_events(s.bpf, &c, 200);
		h = NULL;
		for (int j = 0; j < c.n; j++)
			if (c.ev[j].hdr.type == a->type && c.ev[j].hdr.hook == a->hook &&
			    c.ev[j].hdr.session == s.id)
				h = &c.ev[j].hdr;
		if (tap_check(h != NULL, "%s_event", a->name)) {
			int want = a->verdict == CONFINED ? 0
				   : a->verdict		  ? a->verdict
							  : -a->expect;

			tap_check(h->verdict == want && h->layer == layer &&
					  !(h->flags & CORDON_EVENT_CONFINED) ==
						  (a->verdict != CONFINED),
				  "%s_event_verdict_and_layer", a->name);
			/* The record names the option refused (level, optname). */
			if (a->hook == CORDON_HOOK_SOCKET_SETSOCKOPT) {
				const struct cordon_event_op *op = (const void *)h;
				bool v4 = a->fn == a_ip_options_send;

				tap_check(op->arg0 == (v4 ? IPPROTO_IP : IPPROTO_IPV6) &&
						  op->arg1 == (v4 ? IP_OPTIONS : IPV6_RTHDR),
					  "%s_event_names_option", a->name);
			}
			/* ... or the ancillary data refused (level, type, the header's index). */
			if (a->hook == CORDON_HOOK_SOCKET_SENDMSG && a->type == CORDON_EV_OP) {
				const struct cordon_event_op *op = (const void *)h;
				bool v6 = a->fn == a_cmsg_rthdr_outside_sock;

				tap_check(op->arg0 == (v6 ? IPPROTO_IPV6 : IPPROTO_IP) &&
						  op->arg1 == (v6 ? IPV6_RTHDR : IP_RETOPTS) &&
						  op->arg2 == (a->fn == a_cmsg_lsrr_outside_sock),
					  "%s_event_names_cmsg", a->name);
			}
			/* The record names the destination no rule allowed. */
			if (record_port(a->fn))
				tap_check(h->type == CORDON_EV_CONNECT &&
						  ((const struct cordon_event_connect *)h)->port ==
							  record_port(a->fn),
					  "%s_event_names_port_%u", a->name, record_port(a->fn));
		} else {
			for (int j = 0; j < c.n; j++)
				tap_diag("got event type=%u hook=%u verdict=%d session=%u pid=%u",
					 c.ev[j].hdr.type, c.ev[j].hdr.hook, c.ev[j].hdr.verdict,
					 c.ev[j].hdr.session, c.ev[j].hdr.pid);
		}
		(void)pid;
	}
	for (size_t i = 0; i < sizeof(legit) / sizeof(legit[0]); i++) {
		struct run_arg in = { &legit[i], s.cgroup };

		tap_check(run_child(in_child, &in, NULL) == 0, "%s_works_inside", legit[i].name);
	}
	tap_check(cordon_bpf_drops(s.bpf, &drops) == 0 && drops == 0, "no_events_dropped");

	kill(outsider, SIGKILL);
	waitpid(outsider, NULL, 0);
	umount("/tmp/ssh-bind");
	umount2(UMOUNT_TARGET, MNT_DETACH);
	cordon_session_destroy(&other);
	cordon_session_destroy(&s);
	cordon_cgroup_remove(root);
	return tap_status();
}
