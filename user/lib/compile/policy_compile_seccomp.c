// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resolved policy -> the seccomp rule set, as data (the launcher loads it last, just before
 * exec): syscalls a coding agent never needs and that would let it escape or reach the kernel.
 */
#include <errno.h>
#include <linux/sched.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "sys/sys.h"
#include "compile/compile.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef IPPROTO_L2TP
#define IPPROTO_L2TP 115
#endif
#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif
#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef IPV6_2292PKTOPTIONS
#define IPV6_2292PKTOPTIONS 6
#endif
#define NETLINK_ROUTE 0
/* socket()'s type argument carries SOCK_NONBLOCK/SOCK_CLOEXEC above the type itself. */
#define SOCK_TYPE_MASK 0xf

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

#define EPERM_ACT SCMP_ACT_ERRNO(EPERM)

/* setsockopt(fd, level, optname, ...): int arguments, compared as the kernel reads them. */
#define SOL_LEVEL(l) SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, l)
#define OPTNAME(o)   SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, o)
#define IPV6_OPT(o)                                                                  \
	{                                                                            \
		"setsockopt", EPERM_ACT, 2, { SOL_LEVEL(IPPROTO_IPV6), OPTNAME(o) }, \
			"IPv6 routing or option header"                              \
	}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Refused for every policy. */
static const struct pol_seccomp_rule always[] = {
	/* Terminal injection: push keystrokes into the developer's shell after the agent exits. */
	{ "ioctl", EPERM_ACT, 1, { { 1, SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI } }, "TIOCSTI" },
	{ "ioctl",
	  EPERM_ACT,
	  1,
	  { { 1, SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX } },
	  "TIOCLINUX" },
	/* New user namespaces: the usual first step of kernel exploits and mount tricks. */
	{ "unshare",
	  EPERM_ACT,
	  1,
	  { { 0, SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER } },
	  "new user namespace" },
	{ "clone",
	  EPERM_ACT,
	  1,
	  { { 0, SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER } },
	  "new user namespace" },
	/* clone3 passes flags in memory seccomp cannot read: ENOSYS makes libc fall back to
	 * clone, whose flags are checked above. */
	{ "clone3", SCMP_ACT_ERRNO(ENOSYS), 0, { { 0 } }, "flags unreadable by seccomp" },
	{ "setns", EPERM_ACT, 0, { { 0 } }, "joining namespaces" },
	/* An executable memory file: with vm.memfd_noexec (launch.c) the only way to get one. */
	{ "memfd_create",
	  EPERM_ACT,
	  1,
	  { { 1, SCMP_CMP_MASKED_EQ, MFD_EXEC, MFD_EXEC } },
	  "executable memfd (MFD_EXEC)" },
	/* io_uring performs file and network operations that bypass syscall filters. */
	{ "io_uring_setup", EPERM_ACT, 0, { { 0 } }, "bypasses syscall filtering" },
	{ "io_uring_enter", EPERM_ACT, 0, { { 0 } }, "bypasses syscall filtering" },
	{ "io_uring_register", EPERM_ACT, 0, { { 0 } }, "bypasses syscall filtering" },
	{ "bpf", EPERM_ACT, 0, { { 0 } }, "kernel attack surface; cordon's own maps" },
	{ "perf_event_open", EPERM_ACT, 0, { { 0 } }, "kernel attack surface, side channels" },
	{ "userfaultfd", EPERM_ACT, 0, { { 0 } }, "race amplifier for kernel exploits" },
	{ "keyctl", EPERM_ACT, 0, { { 0 } }, "kernel keyrings hold credentials" },
	{ "add_key", EPERM_ACT, 0, { { 0 } }, "kernel keyrings" },
	{ "request_key", EPERM_ACT, 0, { { 0 } }, "kernel keyrings" },
	{ "personality", EPERM_ACT, 0, { { 0 } }, "disables ASLR and other hardening" },
	{ "mount", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "umount2", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "pivot_root", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "chroot", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "move_mount", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "open_tree", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "fsopen", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "fsconfig", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "fsmount", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "fspick", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "mount_setattr", EPERM_ACT, 0, { { 0 } }, "mount family" },
	{ "kexec_load", EPERM_ACT, 0, { { 0 } }, "replaces the kernel" },
	{ "kexec_file_load", EPERM_ACT, 0, { { 0 } }, "replaces the kernel" },
	{ "init_module", EPERM_ACT, 0, { { 0 } }, "kernel modules" },
	{ "finit_module", EPERM_ACT, 0, { { 0 } }, "kernel modules" },
	{ "delete_module", EPERM_ACT, 0, { { 0 } }, "kernel modules" },
	{ "swapon", EPERM_ACT, 0, { { 0 } }, "system administration" },
	{ "swapoff", EPERM_ACT, 0, { { 0 } }, "system administration" },
	{ "reboot", EPERM_ACT, 0, { { 0 } }, "system administration" },
	{ "acct", EPERM_ACT, 0, { { 0 } }, "system administration" },
	{ "quotactl", EPERM_ACT, 0, { { 0 } }, "system administration" },
};

/*
 * Socket kinds: the families and kinds no network rule judges, refused at socket() on every
 * kernel, with or without cgroup BPF (which judges the exact (family, type, protocol) of inet
 * sockets at sock_create, as BPF LSM does at socket_create: sock_kind_allowed() in
 * bpf/lib/net.bpf.h). Families are an allow-list: unix, inet, inet6 and netlink (route only).
 * libseccomp compares an argument once per rule, so the allow-list is written as refusals: the
 * families below 16 one by one, and everything from 17 on (AF_PACKET, AF_VSOCK, AF_ALG, ...)
 * by one unmasked comparison, so a value with high bits set (which the kernel would truncate
 * to an int) is refused too, never let through.
 */
#define SOCK_RULE1(a0, why)                         \
	{                                           \
		"socket", EPERM_ACT, 1, { a0 }, why \
	}
#define SOCK_RULE2(a0, a1, why)                         \
	{                                               \
		"socket", EPERM_ACT, 2, { a0, a1 }, why \
	}
#define FAMILY_IS(f)	SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, f)
#define OTHER_FAMILY(f) SOCK_RULE1(FAMILY_IS(f), "socket family no rule judges")
#define INET_TYPE(f, t)                                                          \
	SOCK_RULE2(FAMILY_IS(f), SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, t), \
		   "inet socket type other than stream and datagram")
#define INET_PROTO(f, p, why) \
	SOCK_RULE2(FAMILY_IS(f), SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, p), why)
#define INET_KIND(f)                                                                           \
	INET_TYPE(f, 0), INET_TYPE(f, SOCK_RAW), INET_TYPE(f, SOCK_RDM),                       \
		INET_TYPE(f, SOCK_SEQPACKET), INET_TYPE(f, SOCK_DCCP), INET_TYPE(f, 7),        \
		INET_TYPE(f, 8), INET_TYPE(f, 9), INET_TYPE(f, SOCK_PACKET), INET_TYPE(f, 11), \
		INET_TYPE(f, 12), INET_TYPE(f, 13), INET_TYPE(f, 14), INET_TYPE(f, 15),        \
		INET_PROTO(f, IPPROTO_MPTCP, "MPTCP socket"),                                  \
		INET_PROTO(f, IPPROTO_SCTP, "SCTP socket"),                                    \
		INET_PROTO(f, IPPROTO_ICMP, "ICMP socket"),                                    \
		INET_PROTO(f, IPPROTO_ICMPV6, "ICMPv6 socket"),                                \
		INET_PROTO(f, IPPROTO_UDPLITE, "UDP-Lite socket (no connect hook)"),           \
		INET_PROTO(f, IPPROTO_L2TP, "L2TP/IP socket (no connect hook)"),               \
		INET_PROTO(f, IPPROTO_DCCP, "DCCP socket")

static const struct pol_seccomp_rule sockets[] = {
	OTHER_FAMILY(AF_UNSPEC),
	OTHER_FAMILY(3),
	OTHER_FAMILY(4),
	OTHER_FAMILY(5),
	OTHER_FAMILY(6),
	OTHER_FAMILY(7),
	OTHER_FAMILY(8),
	OTHER_FAMILY(9),
	OTHER_FAMILY(11),
	OTHER_FAMILY(12),
	OTHER_FAMILY(13),
	OTHER_FAMILY(14),
	OTHER_FAMILY(15),
	SOCK_RULE1(SCMP_A0(SCMP_CMP_GT, AF_NETLINK, 0), "socket family no rule judges"),
	/* Netlink reaches no network; NETLINK_ROUTE (0) is what getifaddrs and `ip` use. */
	SOCK_RULE2(FAMILY_IS(AF_NETLINK), SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE, 0),
		   "netlink protocol other than NETLINK_ROUTE"),
	INET_KIND(AF_INET),
	INET_KIND(AF_INET6),
	/* Only unix sockets come in pairs that reach nothing else (AF_TIPC pairs exist too). */
	{ "socketpair",
	  EPERM_ACT,
	  1,
	  { SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0) },
	  "socket pair of a family other than unix" },
	/*
	 * Source routes: IPv6 routing headers (segment routing, type 4) and IPv4 options
	 * (LSRR/SSRR) send a packet "to" an allowed address that the network delivers to
	 * another. Refused as socket options here, with the other IPv6 option headers and the
	 * RFC 2292 forms (IPV6_2292PKTOPTIONS carries any of them); as sendmsg ancillary data,
	 * which seccomp cannot read, the packets are dropped by cgroup_skb/egress.
	 */
	{ "setsockopt",
	  EPERM_ACT,
	  2,
	  { SOL_LEVEL(IPPROTO_IP), OPTNAME(IP_OPTIONS) },
	  "IP options" },
	IPV6_OPT(IPV6_RTHDR),
	IPV6_OPT(IPV6_2292RTHDR),
	IPV6_OPT(IPV6_2292PKTOPTIONS),
	IPV6_OPT(IPV6_HOPOPTS),
	IPV6_OPT(IPV6_2292HOPOPTS),
	IPV6_OPT(IPV6_DSTOPTS),
	IPV6_OPT(IPV6_2292DSTOPTS),
	IPV6_OPT(IPV6_RTHDRDSTOPTS),
	/*
	 * A device binding: cordon binds listeners outside the bind rules to loopback (the sockops
	 * program); an agent that bound a socket to a device first, or unbound one, would undo
	 * that. The connect and bind rules judge addresses, so no agent needs either.
	 */
	{ "setsockopt",
	  EPERM_ACT,
	  2,
	  { SOL_LEVEL(SOL_SOCKET), OPTNAME(SO_BINDTODEVICE) },
	  "socket bound to a device" },
	{ "setsockopt",
	  EPERM_ACT,
	  2,
	  { SOL_LEVEL(SOL_SOCKET), OPTNAME(SO_BINDTOIFINDEX) },
	  "socket bound to a device" },
};

/* Refused with `ptrace: none`; with `session`, Landlock confines ptrace to the session. */
static const struct pol_seccomp_rule no_ptrace[] = {
	{ "ptrace", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
	{ "process_vm_readv", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
	{ "process_vm_writev", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
	{ "pidfd_getfd", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
};

int policy_compile_seccomp(const struct policy *p, struct pol_seccomp *out)
{
	size_t n = ARRAY_SIZE(always) + ARRAY_SIZE(sockets);

	memset(out, 0, sizeof(*out));
	if (p->ptrace == POL_PTRACE_NONE)
		n += ARRAY_SIZE(no_ptrace);
	out->rules = calloc(n, sizeof(*out->rules));
	if (!out->rules)
		return -ENOMEM;
	out->default_action = SCMP_ACT_ALLOW;
	memcpy(out->rules, always, sizeof(always));
	memcpy(out->rules + ARRAY_SIZE(always), sockets, sizeof(sockets));
	if (p->ptrace == POL_PTRACE_NONE)
		memcpy(out->rules + ARRAY_SIZE(always) + ARRAY_SIZE(sockets), no_ptrace,
		       sizeof(no_ptrace));
	out->n = n;
	return 0;
}

/*
 * A session without its own pid namespace (unprivileged, where user namespaces are refused)
 * sees every process of the machine. Landlock scopes signals and ptrace (so process_vm_*, kcmp,
 * pidfd_getfd and /proc/PID/mem of an outside process are refused), but not the calls that act
 * on another process of the same user by pid: prlimit (raise its core limit, then crash it into
 * the project), setpriority, scheduling, I/O priority. seccomp cannot tell the session's pids
 * from others', so only the caller itself may be named: pid 0 (what libc's setrlimit, nice and
 * sched_setaffinity(0) pass). A full 64-bit compare: junk in the upper half is refused too.
 */
#define NOT_SELF(a)	    SCMP_CMP(a, SCMP_CMP_NE, 0, 0)
#define PRIO_PROCESS_	    0
#define IOPRIO_WHO_PROCESS_ 1
static const struct pol_seccomp_rule no_pidns[] = {
	{ "prlimit64", EPERM_ACT, 1, { NOT_SELF(0) }, "another process's limits (no pid ns)" },
	{ "setpriority", EPERM_ACT, 1, { NOT_SELF(1) }, "another process's priority (no pid ns)" },
	{ "setpriority",
	  EPERM_ACT,
	  1,
	  { SCMP_A0(SCMP_CMP_NE, PRIO_PROCESS_, 0) },
	  "a group's or user's priority (no pid ns)" },
	{ "ioprio_set",
	  EPERM_ACT,
	  1,
	  { NOT_SELF(1) },
	  "another process's I/O priority (no pid ns)" },
	{ "ioprio_set",
	  EPERM_ACT,
	  1,
	  { SCMP_A0(SCMP_CMP_NE, IOPRIO_WHO_PROCESS_, 0) },
	  "a group's or user's I/O priority (no pid ns)" },
	{ "sched_setaffinity",
	  EPERM_ACT,
	  1,
	  { NOT_SELF(0) },
	  "another process's CPUs (no pid ns)" },
	{ "sched_setscheduler",
	  EPERM_ACT,
	  1,
	  { NOT_SELF(0) },
	  "another process's policy (no pid ns)" },
	{ "sched_setparam", EPERM_ACT, 1, { NOT_SELF(0) }, "another process's policy (no pid ns)" },
	{ "sched_setattr", EPERM_ACT, 1, { NOT_SELF(0) }, "another process's policy (no pid ns)" },
};

int policy_compile_seccomp_no_pidns(struct pol_seccomp *s)
{
	struct pol_seccomp_rule *v = realloc(s->rules, (s->n + ARRAY_SIZE(no_pidns)) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	memcpy(v + s->n, no_pidns, sizeof(no_pidns));
	s->rules = v;
	s->n += ARRAY_SIZE(no_pidns);
	return 0;
}

/* Every rename, whatever its arguments: seccomp cannot read the paths, the supervisor does. */
static const struct pol_seccomp_rule rename_notify[] = {
	{ "rename", SCMP_ACT_NOTIFY, 0, { { 0 } }, "a protected .git/config written by rename" },
	{ "renameat", SCMP_ACT_NOTIFY, 0, { { 0 } }, "a protected .git/config written by rename" },
	{ "renameat2", SCMP_ACT_NOTIFY, 0, { { 0 } }, "a protected .git/config written by rename" },
};

int policy_compile_seccomp_rename_notify(struct pol_seccomp *s)
{
	struct pol_seccomp_rule *v =
		realloc(s->rules, (s->n + ARRAY_SIZE(rename_notify)) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	memcpy(v + s->n, rename_notify, sizeof(rename_notify));
	s->rules = v;
	s->n += ARRAY_SIZE(rename_notify);
	return 0;
}

void pol_seccomp_free(struct pol_seccomp *s)
{
	free(s->rules);
	memset(s, 0, sizeof(*s));
}
