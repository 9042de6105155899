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
/* socket()'s type argument carries SOCK_NONBLOCK/SOCK_CLOEXEC above the type itself. */
#define SOCK_TYPE_MASK 0xf

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

#define EPERM_ACT SCMP_ACT_ERRNO(EPERM)

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
	/*
	 * Socket kinds no allow-list covers: Landlock's TCP rules do not see MPTCP or SCTP, and
	 * raw, packet and ICMP sockets reach the network below the connect hooks. Refused at
	 * socket() on every kernel, with or without cgroup BPF.
	 */
	{ "socket",
	  EPERM_ACT,
	  1,
	  { { 2, SCMP_CMP_MASKED_EQ, 0xffffffffu, IPPROTO_MPTCP } },
	  "MPTCP socket" },
	{ "socket",
	  EPERM_ACT,
	  1,
	  { { 2, SCMP_CMP_MASKED_EQ, 0xffffffffu, IPPROTO_SCTP } },
	  "SCTP socket" },
	{ "socket",
	  EPERM_ACT,
	  1,
	  { { 2, SCMP_CMP_MASKED_EQ, 0xffffffffu, IPPROTO_ICMP } },
	  "ICMP socket" },
	{ "socket",
	  EPERM_ACT,
	  1,
	  { { 2, SCMP_CMP_MASKED_EQ, 0xffffffffu, IPPROTO_ICMPV6 } },
	  "ICMPv6 socket" },
	{ "socket",
	  EPERM_ACT,
	  1,
	  { { 1, SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_RAW } },
	  "raw socket" },
	/* The kernel reads int arguments as 32 bits: compare those only, or a value with high
	 * bits set would pass the filter and still mean AF_PACKET. */
	{ "socket",
	  EPERM_ACT,
	  1,
	  { { 0, SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_PACKET } },
	  "packet socket" },
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

/* Refused with `ptrace: none`; with `session`, Landlock confines ptrace to the session. */
static const struct pol_seccomp_rule no_ptrace[] = {
	{ "ptrace", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
	{ "process_vm_readv", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
	{ "process_vm_writev", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
	{ "pidfd_getfd", EPERM_ACT, 0, { { 0 } }, "process.ptrace: none" },
};

int policy_compile_seccomp(const struct policy *p, struct pol_seccomp *out)
{
	size_t n = ARRAY_SIZE(always);

	memset(out, 0, sizeof(*out));
	if (p->ptrace == POL_PTRACE_NONE)
		n += ARRAY_SIZE(no_ptrace);
	out->rules = calloc(n, sizeof(*out->rules));
	if (!out->rules)
		return -ENOMEM;
	out->default_action = SCMP_ACT_ALLOW;
	memcpy(out->rules, always, sizeof(always));
	if (p->ptrace == POL_PTRACE_NONE)
		memcpy(out->rules + ARRAY_SIZE(always), no_ptrace, sizeof(no_ptrace));
	out->n = n;
	return 0;
}

void pol_seccomp_free(struct pol_seccomp *s)
{
	free(s->rules);
	memset(s, 0, sizeof(*s));
}
