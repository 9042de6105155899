// SPDX-License-Identifier: GPL-2.0-only
/*
 * Refusals by Landlock, seccomp and the mount-namespace masks, which report nothing themselves,
 * seen at the exit of the syscalls they refuse: a result of a session task with an errno one of
 * those layers produces (EACCES, EPERM, EROFS) becomes a record with the syscall's arguments
 * read back from the task's saved registers and memory; and seccomp kills, seen as the SIGSYS
 * the kernel sends instead of returning.
 */
#include "cordon.bpf.h"

/* Layout of every syscalls/sys_exit_* tracepoint record (see its "format" file). */
struct sys_exit_args {
	__u64 common; /* struct trace_entry */
	__s32 nr;     /* __syscall_nr */
	__s32 pad;
	__s64 ret; /* the result the task gets */
};

/* Which argument of the syscall a record carries. */
enum arg_kind {
	ARG_NONE,
	ARG_PATH1,	/* pathname in argument 1 */
	ARG_PATH2,	/* pathname in argument 2, flags in argument 3 */
	ARG_SOCKADDR2,	/* struct sockaddr * in argument 2, its length in argument 3 */
	ARG_SCALAR1,	/* an integer in argument 1 */
	ARG_MOUNT,	/* mount(source, target, type, flags): target and flags */
	ARG_PATH2_ONLY, /* pathname in argument 2, nothing else (linkat: the existing file) */
	ARG_SCALAR2,	/* an integer in argument 2 (ptrace: the target pid; ioctl: the request) */
};

#define AF_UNIX	 1
#define AF_INET	 2
#define AF_INET6 10
#define EROFS	 30
#define ENOSYS	 38
#define SIGSYS	 31
/* si_code of the SIGSYS that seccomp sends; userspace cannot send it to another process. */
#define SYS_SECCOMP 1

/* The user registers the syscall was entered with: x86_64 keeps them intact until return. */
static __always_inline __u64 arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 1:
		return BPF_CORE_READ(regs, di);
	case 2:
		return BPF_CORE_READ(regs, si);
	case 3:
		return BPF_CORE_READ(regs, dx);
	default:
		return BPF_CORE_READ(regs, r10); /* the syscall ABI's fourth argument, not cx */
	}
}

/*
 * A unix socket address of @len bytes into path[]: the file name, or for the abstract namespace
 * (sun_path starting with a NUL) '@' and the name, as ss(8) shows it. An abstract name is
 * exactly its bytes up to @len, not NUL-terminated: only those are read (userspace shows it up
 * to an embedded NUL, if any).
 */
static __always_inline void read_sun_path(struct cordon_event_syscall *ev, const void *uaddr,
					  __u64 len)
{
	const __u8 *sun_path = (const __u8 *)uaddr + sizeof(__u16);
	__u8 first = 0;
	long n;

	ev->family = AF_UNIX;
	ev->flags |= CORDON_SYSCALL_ADDR;
	if (bpf_probe_read_user(&first, 1, sun_path) < 0)
		return;
	if (first) {
		n = bpf_probe_read_user_str(ev->path, sizeof(ev->path), sun_path);
	} else {
		__u64 size = len - sizeof(__u16) - 1;

		/* Room for '@' and the NUL that ends the record's string. */
		if (size > sizeof(ev->path) - 2)
			size = sizeof(ev->path) - 2;
		ev->path[0] = '@';
		n = bpf_probe_read_user(&ev->path[1], size, sun_path + 1) < 0 ? -1 : 1;
	}
	if (n > 0)
		ev->flags |= CORDON_SYSCALL_PATH;
}

static __always_inline void read_sockaddr(struct cordon_event_syscall *ev, const void *uaddr,
					  __u64 len)
{
	struct sockaddr_in6 sa = {};
	__u16 family;

	if (!uaddr || len < sizeof(__u16) + 1)
		return;
	if (bpf_probe_read_user(&family, sizeof(family), uaddr) < 0)
		return;
	if (family == AF_UNIX) {
		read_sun_path(ev, uaddr, len);
		return;
	}
	if (len < sizeof(struct sockaddr_in))
		return;
	if (len > sizeof(sa))
		len = sizeof(sa);
	if (bpf_probe_read_user(&sa, sizeof(struct sockaddr_in), uaddr) < 0)
		return;
	family = sa.sin6_family;
	ev->family = family;
	ev->flags |= CORDON_SYSCALL_ADDR;
	ev->port = bpf_ntohs(sa.sin6_port);
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;

		ev->addr[10] = 0xff;
		ev->addr[11] = 0xff;
		__builtin_memcpy(&ev->addr[12], &s4->sin_addr, 4);
	} else if (family == AF_INET6 && len >= sizeof(sa)) {
		bpf_probe_read_user(ev->addr, sizeof(ev->addr),
				    (const __u8 *)uaddr + offsetof(struct sockaddr_in6, sin6_addr));
	}
}

/*
 * The whole program: the errno test comes first, because nearly every syscall of every
 * process succeeds and must leave at once; then the one session lookup. A syscall may be
 * refused by two layers with two errnos (@want2 0: only one), each reported with its layer.
 */
static __always_inline int refused(struct sys_exit_args *ctx, __u16 hook, __s64 want, __u16 layer,
				   enum arg_kind kind, __s64 want2, __u16 layer2)
{
	struct cordon_event_syscall *ev;
	struct cordon_session *s;
	struct pt_regs *regs;
	__u64 cgroup_id = 0;

	if (ctx->ret == -want2 && want2)
		layer = layer2;
	else if (ctx->ret != -want)
		return 0;
	s = current_session(&cgroup_id);
	if (!s)
		return 0;
	/* ptrace: Landlock scopes it, unless the policy has seccomp refuse it outright. */
	if (hook == CORDON_HOOK_SYS_PTRACE && (s->flags & CORDON_SESSION_PTRACE_SECCOMP))
		layer = CORDON_LAYER_SECCOMP;
	ev = event_reserve(sizeof(*ev), CORDON_EV_SYSCALL, hook, layer, s, cgroup_id,
			   (__s32)ctx->ret, 0);
	if (!ev)
		return 0;
	ev->nr = (__u32)ctx->nr;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	switch (kind) {
	case ARG_PATH1:
	case ARG_PATH2:
	case ARG_PATH2_ONLY:
	case ARG_MOUNT:
		if (bpf_probe_read_user_str(ev->path, sizeof(ev->path),
					    (const void *)arg(regs, kind == ARG_PATH1 ? 1 : 2)) > 0)
			ev->flags |= CORDON_SYSCALL_PATH;
		if (kind == ARG_PATH2 || kind == ARG_MOUNT) {
			/* openat: the open flags; mount: the mount flags */
			ev->arg = arg(regs, kind == ARG_MOUNT ? 4 : 3);
			ev->flags |= CORDON_SYSCALL_ARG;
		}
		break;
	case ARG_SOCKADDR2:
		read_sockaddr(ev, (const void *)arg(regs, 2), arg(regs, 3));
		/* EPERM on an IP connect is the cgroup program's (whose own record normally comes
		 * first and makes this one an echo); on a unix socket, Landlock's scoping. */
		if (ev->hdr.verdict == -EPERM && (ev->family == AF_INET || ev->family == AF_INET6))
			ev->hdr.layer = CORDON_LAYER_CGROUP_BPF;
		break;
	case ARG_SCALAR1:
	case ARG_SCALAR2:
		ev->arg = arg(regs, kind == ARG_SCALAR1 ? 1 : 2);
		ev->flags |= CORDON_SYSCALL_ARG;
		break;
	default:
		break;
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * Opens: Landlock refuses path access with EACCES (so do file permissions and the secret
 * masks: the layer is inferred); the read-only binds of protected paths refuse writes with
 * EROFS (so does any read-only mount). EPERM comes from BPF LSM, which records its own.
 */
SEC("tracepoint/syscalls/sys_exit_openat")
int cordon_sys_openat(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_OPENAT, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH2, EROFS,
		       CORDON_LAYER_MOUNT_NS);
}

SEC("tracepoint/syscalls/sys_exit_open")
int cordon_sys_open(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_OPEN, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH1, EROFS,
		       CORDON_LAYER_MOUNT_NS);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int cordon_sys_openat2(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_OPENAT2, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH2,
		       EROFS, CORDON_LAYER_MOUNT_NS);
}

/* Landlock refuses executing outside the exec hierarchies with EACCES. */
SEC("tracepoint/syscalls/sys_exit_execve")
int cordon_sys_execve(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_EXECVE, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH1, 0, 0);
}

/*
 * Landlock refuses TCP connects with EACCES, and abstract unix sockets outside the session
 * (scoping, ABI 6) with EPERM; EPERM on an IP socket is the cgroup program's (see refused()).
 */
SEC("tracepoint/syscalls/sys_exit_connect")
int cordon_sys_connect(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_CONNECT, EACCES, CORDON_LAYER_LANDLOCK, ARG_SOCKADDR2,
		       EPERM, CORDON_LAYER_LANDLOCK);
}

/*
 * A hard link to a file the task may not read: Landlock, or the secret masks (a mode-000
 * directory), refuse it with EACCES. The record names the existing file, not the new name.
 * (EXDEV, Landlock's refusal of a link across hierarchies, is also what any link across
 * mounts gets, so it is not reported.)
 */
SEC("tracepoint/syscalls/sys_exit_link")
int cordon_sys_link(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_LINK, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH1, EROFS,
		       CORDON_LAYER_MOUNT_NS);
}

SEC("tracepoint/syscalls/sys_exit_linkat")
int cordon_sys_linkat(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_LINKAT, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH2_ONLY,
		       EROFS, CORDON_LAYER_MOUNT_NS);
}

/*
 * Syscalls cordon's seccomp filter refuses with EPERM: new user namespaces, the mount family,
 * socket kinds no allow-list covers, bpf. (An unprivileged task gets EPERM from mount and bpf
 * anyway; with BPF LSM active its own record comes first and userspace keeps that one.)
 */
SEC("tracepoint/syscalls/sys_exit_unshare")
int cordon_sys_unshare(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_UNSHARE, EPERM, CORDON_LAYER_SECCOMP, ARG_SCALAR1, 0,
		       0);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int cordon_sys_mount(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_MOUNT, EPERM, CORDON_LAYER_SECCOMP, ARG_MOUNT, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_socket")
int cordon_sys_socket(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_SOCKET, EPERM, CORDON_LAYER_SECCOMP, ARG_SCALAR1, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int cordon_sys_bpf(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_BPF, EPERM, CORDON_LAYER_SECCOMP, ARG_SCALAR1, 0, 0);
}

/* io_uring would perform file and network operations no syscall filter sees: seccomp. */
SEC("tracepoint/syscalls/sys_exit_io_uring_setup")
int cordon_sys_io_uring_setup(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_IO_URING_SETUP, EPERM, CORDON_LAYER_SECCOMP, ARG_NONE,
		       0, 0);
}

/*
 * TIOCSTI/TIOCLINUX (terminal injection): seccomp, EPERM; the record carries the request.
 * ioctl is frequent, but the errno test comes first and EPERM from an ioctl is rare.
 */
SEC("tracepoint/syscalls/sys_exit_ioctl")
int cordon_sys_ioctl(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_IOCTL, EPERM, CORDON_LAYER_SECCOMP, ARG_SCALAR2, 0, 0);
}

/*
 * ptrace of a process outside the session: Landlock (EPERM; or seccomp with `ptrace: none`,
 * from the session's flags). The record carries the target pid. With BPF LSM active on a
 * kernel where Landlock lets it through, the LSM's own record comes first.
 */
SEC("tracepoint/syscalls/sys_exit_ptrace")
int cordon_sys_ptrace(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_PTRACE, EPERM, CORDON_LAYER_LANDLOCK, ARG_SCALAR2, 0,
		       0);
}

/* A signal to a process outside the session: Landlock's signal scoping (ABI 6), EPERM. */
SEC("tracepoint/syscalls/sys_exit_kill")
int cordon_sys_kill(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_KILL, EPERM, CORDON_LAYER_LANDLOCK, ARG_SCALAR1, 0, 0);
}

/*
 * seccomp's kill actions return nothing to the task: the kernel sends it SIGSYS with si_code
 * SYS_SECCOMP (what the filter does to a syscall of an architecture it does not allow, such as
 * the i386 table entered with int $0x80). signal_generate sees that signal, on the current task.
 * A task may send itself such a siginfo with rt_sigqueueinfo: that only makes a refusal record
 * about itself, which it could have had by trying any refused syscall. A thread killed while
 * other threads of its process live exits without a signal (do_exit): its process-exit record
 * then is all there is.
 */
SEC("tp_btf/signal_generate")
int BPF_PROG(cordon_seccomp_kill, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct cordon_event_syscall *ev;
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (sig != SIGSYS || !info || BPF_CORE_READ(info, si_code) != SYS_SECCOMP)
		return 0;
	if (BPF_CORE_READ(task, pid) != (__u32)bpf_get_current_pid_tgid())
		return 0;
	s = current_session(&cgroup_id);
	if (!s)
		return 0;
	ev = event_reserve(sizeof(*ev), CORDON_EV_SECCOMP_KILL, CORDON_HOOK_SECCOMP_KILL,
			   CORDON_LAYER_SECCOMP, s, cgroup_id, -ENOSYS, 0);
	if (!ev)
		return 0;
	ev->nr = (__u32)BPF_CORE_READ(info, _sifields._sigsys._syscall);
	ev->arg = BPF_CORE_READ(info, _sifields._sigsys._arch);
	ev->flags = CORDON_SYSCALL_ARG;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
