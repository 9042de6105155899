// SPDX-License-Identifier: GPL-2.0-only
/*
 * One attack an agent would try, per subcommand: `attack NAME [ARGS]` performs exactly one
 * forbidden action, prints "attack NAME result=ERRNO (ENAME) [details]" and exits with the errno
 * (0: the action succeeded). tests/host/test_run_attacks.c runs it outside and inside cordon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "attack.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define PAYLOAD "cordon-attack\n"

static const char *name;
static char detail[512];

static int report(int err)
{
	printf("attack %s result=%d (%s)%s%s\n", name, err, err ? strerrorname_np(err) : "ok",
	       detail[0] ? " " : "", detail);
	fflush(stdout);
	return err & 0xff;
}

/* The start of what was read, in the details (newlines as '|'): the driver looks for its canary. */
static int show_content(int err, char *buf, ssize_t n)
{
	if (err)
		return err;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\0')
			buf[i] = '|';
	snprintf(detail, sizeof(detail), "bytes=%zd content=%s", n, buf);
	return 0;
}

/* @fd: an inherited descriptor, read from its start. */
static int read_fd(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return errno;
	buf[n] = '\0';
	return show_content(0, buf, n);
}

static int read_path(const char *path)
{
	char buf[256];
	ssize_t n;
	int err = attack_read(path, buf, sizeof(buf), &n);

	return show_content(err, buf, n);
}

static int write_path(const char *path)
{
	return attack_write(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644, PAYLOAD);
}

static socklen_t sockaddr_of(const char *addr, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(port));
		return sizeof(*s6);
	}
	return 0;
}

/*
 * @how: "connect" (TCP, MPTCP), "udp_connect" (connect then send) or "udp_sendto"; or
 * "udp_sendto_unspec" (an IPv4 destination whose family says AF_UNSPEC: udp_sendmsg() sends to
 * it all the same) and "udp_sendto_short" (an IPv6 destination 24 bytes long, without the scope
 * id, which the kernel takes).
 */
static int net(const char *how, int proto, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(addr, port, &ss);
	int type = strncmp(how, "udp", 3) ? SOCK_STREAM : SOCK_DGRAM;
	int fd, r = 0;

	if (!len)
		return EINVAL;
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		snprintf(detail, sizeof(detail), "step=socket");
		return errno;
	}
	if (!strcmp(how, "bind")) {
		if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1) < 0) {
			snprintf(detail, sizeof(detail), "step=bind");
			r = errno;
		}
	} else if (!strncmp(how, "udp_sendto", 10)) {
		if (!strcmp(how, "udp_sendto_unspec") && ss.ss_family == AF_INET)
			ss.ss_family = AF_UNSPEC;
		if (!strcmp(how, "udp_sendto_short") && ss.ss_family == AF_INET6)
			len = 24; /* SIN6_LEN_RFC2133 */
		if (sendto(fd, PAYLOAD, strlen(PAYLOAD), 0, (struct sockaddr *)&ss, len) < 0)
			r = errno;
	} else if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		snprintf(detail, sizeof(detail), "step=connect");
		r = errno;
	} else if (type == SOCK_DGRAM && send(fd, PAYLOAD, strlen(PAYLOAD), 0) < 0) {
		r = errno;
	}
	close(fd);
	return r;
}

/* An ICMP echo request from an unprivileged ICMP ("ping") socket: egress without TCP/UDP. */
static int icmp(const char *addr)
{
	struct icmphdr h = { .type = ICMP_ECHO, .un.echo.sequence = htons(1) };
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(addr, "0", &ss);
	int fd, r = 0;

	if (!len)
		return EINVAL;
	if (ss.ss_family == AF_INET6)
		h.type = 128; /* ICMPV6_ECHO_REQUEST */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC,
		    ss.ss_family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0) {
		snprintf(detail, sizeof(detail), "step=socket");
		return errno;
	}
	if (sendto(fd, &h, sizeof(h), 0, (struct sockaddr *)&ss, len) < 0)
		r = errno;
	close(fd);
	return r;
}

/* Run the rest of the command line as our child, letting it ptrace us (Yama, if present). */
static int as_parent(char **argv)
{
	int status;
	pid_t p;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	fflush(NULL);
	p = fork();
	if (p < 0)
		return errno;
	if (p == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (waitpid(p, &status, 0) < 0)
		return errno;
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

static int write_file(const char *path, const char *data)
{
	return attack_write(path, O_WRONLY | O_CLOEXEC, 0, data);
}

/* A new user and mount namespace, then mount a tmpfs on @dir: what `unshare -rm mount` does. */
static int do_mount(const char *dir)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		snprintf(detail, sizeof(detail), "unshare=%s", strerrorname_np(errno));
	} else {
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_file("/proc/self/uid_map", map);
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0)
		return errno;
	umount2(dir, MNT_DETACH);
	return 0;
}

/*
 * unshare(CLONE_NEWUSER) through the i386 system-call table (int $0x80 from a 64-bit process): a
 * seccomp filter written for x86_64 only must not be bypassed this way.
 */
static int compat_unshare(void)
{
#if defined(__x86_64__)
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(310L /* i386 unshare */), "b"(CLONE_NEWUSER)
			 : "memory");
	return ret < 0 ? (int)-ret : 0;
#else
	return ENOSYS;
#endif
}

static int io_uring(void)
{
	struct io_uring_params p = { 0 };
	long fd = syscall(SYS_io_uring_setup, 4, &p);

	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

/* Our cgroup v2 directory: the cgroup2 mount point (mountinfo) + our path (/proc/self/cgroup). */
static int own_cgroup(char *buf, size_t len)
{
	char line[4096], mnt[PATH_MAX] = "", rel[PATH_MAX] = "";
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		char mp[PATH_MAX];

		if (sep && !strncmp(sep, " - cgroup2 ", 11) &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1) {
			snprintf(mnt, sizeof(mnt), "%s", mp);
			break;
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(rel, sizeof(rel), "%s", line + 3);
		}
	}
	if (f)
		fclose(f);
	if (!mnt[0] || !rel[0])
		return ENOENT;
	if ((size_t)snprintf(buf, len, "%s%s", mnt, strcmp(rel, "/") ? rel : "") >= len)
		return ENAMETOOLONG;
	return 0;
}

/* Move ourselves into "self" (our own cgroup, e.g. the session's), "parent", or a directory. */
static int cgroup_move(const char *where)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int r = own_cgroup(dir, sizeof(dir));

	if (r)
		return r;
	if (!strcmp(where, "parent")) {
		char *slash = strrchr(dir, '/');

		if (slash)
			*slash = '\0';
	} else if (strcmp(where, "self")) {
		snprintf(dir, sizeof(dir), "%s", where);
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(detail, sizeof(detail), "path=%.400s", path);
	return write_file(path, "0\n");
}

/*
 * Copy @exe (this program: /proc/self/exe) into an anonymous memory file and execute that, as
 * `attack memfd_payload`: code that no file-system rule names.
 */
static int memfd_exec(const char *exe, char **envp)
{
	char *argv[] = { "attack", "memfd_payload", NULL };
	const char *step = "";
	int err = attack_memfd_exec(exe, argv, envp, &step);

	snprintf(detail, sizeof(detail), "step=%s", step);
	return err;
}

/* An executable memfd asked for by name (MFD_EXEC, 6.3): EINVAL on kernels without it. */
static int memfd_mfd_exec(void)
{
	int fd = (int)syscall(SYS_memfd_create, "payload", 0x0010U /* MFD_EXEC */);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int env(char **names)
{
	size_t off = 0;

	for (; *names && off < sizeof(detail) - 1; names++)
		off += (size_t)snprintf(detail + off, sizeof(detail) - off, "%s%s=%s",
					off ? " " : "", *names, getenv(*names) ? "set" : "unset");
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: attack NAME [ARGS...] (see tests/escape/attack.c)\n");
	return 2;
}

int main(int argc, char **argv, char **envp)
{
	const char *a1 = argc > 2 ? argv[2] : NULL, *a2 = argc > 3 ? argv[3] : NULL;

	if (argc < 2)
		return usage();
	name = argv[1];
	/* Checked before this process opens anything that could take the descriptor's number. */
	if (!strcmp(name, "fd") && a1) {
		int fd = atoi(a1);

		return report(fcntl(fd, F_GETFD) < 0 ? errno : read_fd(fd));
	}
	if (!strcmp(name, "read") && a1)
		return report(read_path(a1));
	if (!strcmp(name, "symlink_read") && a2) {
		if (symlink(a2, a1) < 0 && errno != EEXIST)
			return snprintf(detail, sizeof(detail), "step=symlink"), report(errno);
		return report(read_path(a1));
	}
	if (!strcmp(name, "hardlink_read") && a2) {
		if (link(a2, a1) < 0)
			return snprintf(detail, sizeof(detail), "step=link"), report(errno);
		return report(read_path(a1));
	}
	if (!strcmp(name, "write") && a1)
		return report(write_path(a1));
	if (!strcmp(name, "tcp") && a2)
		return report(net("connect", 0, a1, a2));
	if (!strcmp(name, "tcp_bind") && a2)
		return report(net("bind", 0, a1, a2));
	if (!strcmp(name, "mptcp") && a2)
		return report(net("connect", IPPROTO_MPTCP, a1, a2));
	if ((!strcmp(name, "udp_connect") || !strcmp(name, "udp_sendto") ||
	     !strcmp(name, "udp_sendto_unspec") || !strcmp(name, "udp_sendto_short")) &&
	    a2)
		return report(net(name, 0, a1, a2));
	if (!strcmp(name, "icmp") && a1)
		return report(icmp(a1));
	if (!strcmp(name, "ptrace"))
		return report(attack_ptrace(a1 ? atoi(a1) : getppid()));
	if (!strcmp(name, "environ")) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/environ", a1 ? atoi(a1) : (int)getppid());
		return report(read_path(path));
	}
	if (!strcmp(name, "as_parent") && a1)
		return report(as_parent(argv + 1)); /* the child's argv[1] is the subcommand */
	if (!strcmp(name, "tiocsti"))
		return report(attack_tiocsti());
	if (!strcmp(name, "unshare_user"))
		return report(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
	if (!strcmp(name, "compat_unshare_user"))
		return report(compat_unshare());
	if (!strcmp(name, "mount") && a1)
		return report(do_mount(a1));
	if (!strcmp(name, "io_uring_setup"))
		return report(io_uring());
	if (!strcmp(name, "bpf_map_create"))
		return report(
			attack_bpf_map_create(a1 ? (unsigned int)atoi(a1) : BPF_MAP_TYPE_ARRAY));
	if (!strcmp(name, "cgroup_move") && a1)
		return report(cgroup_move(a1));
	if (!strcmp(name, "kill") && a2)
		return report(attack_kill(atoi(a1), atoi(a2)));
	if (!strcmp(name, "abstract_unix") && a1)
		return report(attack_unix_connect(a1, true));
	if (!strcmp(name, "memfd_exec") && a1)
		return report(memfd_exec(a1, envp));
	if (!strcmp(name, "memfd_mfd_exec"))
		return report(memfd_mfd_exec());
	if (!strcmp(name, "memfd_payload"))
		return snprintf(detail, sizeof(detail), "running-from-memfd"), report(0);
	if (!strcmp(name, "env"))
		return report(env(argv + 2));
	if (!strcmp(name, "exit") && a1)
		return atoi(a1);
	if (!strcmp(name, "signal") && a1) {
		sigset_t all;

		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		signal(atoi(a1), SIG_DFL);
		raise(atoi(a1));
		return report(EINTR); /* still alive: the signal did not kill us */
	}
	if (!strcmp(name, "sleep")) {
		/* A process outside the session for kill/ptrace/environ; any tracer may attach. */
		prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
		printf("attack sleep ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return usage();
}
