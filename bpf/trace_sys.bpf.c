// SPDX-License-Identifier: GPL-2.0-only
/*
 * Refusals by Landlock and seccomp, which report nothing themselves, seen at the exit of the
 * syscalls they refuse: an EACCES/EPERM result of a session task becomes a record with the
 * syscall's arguments read back from the task's saved registers and memory.
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
	ARG_PATH1,     /* pathname in argument 1 */
	ARG_PATH2,     /* pathname in argument 2, flags in argument 3 */
	ARG_SOCKADDR2, /* struct sockaddr * in argument 2, its length in argument 3 */
	ARG_SCALAR1,   /* an integer in argument 1 */
	ARG_MOUNT,     /* mount(source, target, type, flags): target and flags */
};

#define AF_INET	 2
#define AF_INET6 10

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

static __always_inline void read_sockaddr(struct cordon_event_syscall *ev, const void *uaddr,
					  __u64 len)
{
	struct sockaddr_in6 sa = {};
	__u16 family;

	if (!uaddr || len < sizeof(struct sockaddr_in))
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
 * process succeeds and must leave at once; then the one session lookup.
 */
static __always_inline int refused(struct sys_exit_args *ctx, __u16 hook, __s64 want, __u16 layer,
				   enum arg_kind kind)
{
	struct cordon_event_syscall *ev;
	struct cordon_session *s;
	struct pt_regs *regs;
	__u64 cgroup_id = 0;

	if (ctx->ret != -want)
		return 0;
	s = current_session(&cgroup_id);
	if (!s)
		return 0;
	ev = event_reserve(sizeof(*ev), CORDON_EV_SYSCALL, hook, layer, s, cgroup_id,
			   (__s32)ctx->ret, 0);
	if (!ev)
		return 0;
	ev->nr = (__u32)ctx->nr;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	switch (kind) {
	case ARG_PATH1:
	case ARG_PATH2:
	case ARG_MOUNT:
		if (bpf_probe_read_user_str(ev->path, sizeof(ev->path),
					    (const void *)arg(regs, kind == ARG_PATH1 ? 1 : 2)) > 0)
			ev->flags |= CORDON_SYSCALL_PATH;
		if (kind != ARG_PATH1) {
			/* openat: the open flags; mount: the mount flags */
			ev->arg = arg(regs, kind == ARG_MOUNT ? 4 : 3);
			ev->flags |= CORDON_SYSCALL_ARG;
		}
		break;
	case ARG_SOCKADDR2:
		read_sockaddr(ev, (const void *)arg(regs, 2), arg(regs, 3));
		break;
	case ARG_SCALAR1:
		ev->arg = arg(regs, 1);
		ev->flags |= CORDON_SYSCALL_ARG;
		break;
	default:
		break;
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * Landlock refuses path access with EACCES (so do file permissions: the layer is inferred).
 * EPERM on opens comes from BPF LSM, which records its own decisions.
 */
SEC("tracepoint/syscalls/sys_exit_openat")
int cordon_sys_openat(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_OPENAT, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH2);
}

SEC("tracepoint/syscalls/sys_exit_open")
int cordon_sys_open(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_OPEN, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH1);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int cordon_sys_openat2(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_OPENAT2, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH2);
}

/* Landlock refuses executing outside the exec hierarchies with EACCES. */
SEC("tracepoint/syscalls/sys_exit_execve")
int cordon_sys_execve(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_EXECVE, EACCES, CORDON_LAYER_LANDLOCK, ARG_PATH1);
}

/* Landlock refuses TCP connect with EACCES; EPERM comes from cgroup/connect4/6 (recorded). */
SEC("tracepoint/syscalls/sys_exit_connect")
int cordon_sys_connect(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_CONNECT, EACCES, CORDON_LAYER_LANDLOCK, ARG_SOCKADDR2);
}

/*
 * Syscalls cordon's seccomp filter refuses with EPERM: new user namespaces, the mount family,
 * socket kinds no allow-list covers, bpf. (An unprivileged task gets EPERM from mount and bpf
 * anyway; with BPF LSM active its own record comes first and userspace keeps that one.)
 */
SEC("tracepoint/syscalls/sys_exit_unshare")
int cordon_sys_unshare(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_UNSHARE, EPERM, CORDON_LAYER_SECCOMP, ARG_SCALAR1);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int cordon_sys_mount(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_MOUNT, EPERM, CORDON_LAYER_SECCOMP, ARG_MOUNT);
}

SEC("tracepoint/syscalls/sys_exit_socket")
int cordon_sys_socket(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_SOCKET, EPERM, CORDON_LAYER_SECCOMP, ARG_SCALAR1);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int cordon_sys_bpf(struct sys_exit_args *ctx)
{
	return refused(ctx, CORDON_HOOK_SYS_BPF, EPERM, CORDON_LAYER_SECCOMP, ARG_SCALAR1);
}
