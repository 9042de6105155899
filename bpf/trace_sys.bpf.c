// SPDX-License-Identifier: GPL-2.0-only
/*
 * Refusals by Landlock, seccomp and the mount-namespace masks, which report nothing themselves,
 * seen at the exit of the syscalls they refuse: a result of a session task with an errno one of
 * those layers produces (EACCES, EPERM, EROFS) becomes a record with the syscall's arguments
 * read back from the task's user registers and memory; and seccomp kills, seen as the SIGSYS
 * the kernel sends instead of returning. Each traced syscall is one row of the table below.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"
#include "lib/path.bpf.h"
#include "lib/capture.bpf.h"

/*
 * How a traced syscall is reported: which results are refusals and which layer returns each,
 * and which of its arguments the record carries. Arguments are numbered from 1, as in
 * syscall(2); 0 means none.
 */
struct sys_row {
	__u16 hook;	  /* CORDON_HOOK_SYS_* */
	__u16 layer;	  /* CORDON_LAYER_* that refuses with err */
	__s32 err;	  /* the errno of a refusal */
	__u16 layer2;	  /* CORDON_LAYER_* that refuses with err2 */
	__s32 err2;	  /* another layer's errno for this syscall, or 0 */
	__u16 layer3;	  /* CORDON_LAYER_* that refuses with err3 */
	__s32 err3;	  /* a third errno for this syscall, or 0 */
	__u32 seccomp_if; /* CORDON_SESSION_* flag under which seccomp refuses instead of layer */
	__u8 path;	  /* pathname argument, copied into path[] */
	__u8 arg;	  /* scalar argument, copied into arg */
	__u8 addr;	  /* sockaddr argument (its length the next): addr, port, family */
	__u8 arg_hi;	  /* a second scalar argument, in the upper 32 bits of arg */
	__u8 dirfd;	  /* directory descriptor argument a relative path is resolved against */
};

/*
 * Argument @i (1 to 4) of the syscall the task entered. The task's user registers are intact
 * until the syscall returns; libbpf's CO-RE macros name the architecture's registers.
 */
static __always_inline __u64 sys_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 1:
		return PT_REGS_PARM1_CORE_SYSCALL(regs);
	case 2:
		return PT_REGS_PARM2_CORE_SYSCALL(regs);
	case 3:
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	case 4:
		return PT_REGS_PARM4_CORE_SYSCALL(regs);
	default:
		return PT_REGS_PARM5_CORE_SYSCALL(regs);
	}
}

/*
 * On each CPU, the thread that last took a pathname capture there, until names_free has taken
 * the kernel's copy of that name (then NAMES_DISARMED, no thread id): names_free's first test,
 * one array read, so that the slab frees of every other task on the machine, and the session
 * thread's own frees once its name is taken, leave at once.
 */
#define NAMES_DISARMED 0xffffffffu /* above PID_MAX_LIMIT (4M): never a thread id */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32); /* thread id */
} names_armed SEC(".maps");

/* A capture's and the task's memory compared a word at a time; the scratch for the re-read. */
#define CAPTURE_WORDS (CORDON_PATH_LEN / 8)
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[CAPTURE_WORDS]);
} capture_reread SEC(".maps");

/* The file open as descriptor @fd of the current task, or NULL. */
static __always_inline struct file *task_fd(__s32 fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds, *f = NULL;

	if (fd < 0 || !fdt || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0)
		return NULL;
	return f;
}

/*
 * The directory a relative path of the current task is resolved from: descriptor @fd's, or
 * with AT_FDCWD the working directory. Into @d and @mnt (NULL: none, the descriptor closed).
 */
static __always_inline void call_dir(__s32 fd, struct dentry **d, struct vfsmount **mnt)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct file *f;

	if (fd == AT_FDCWD) {
		*d = BPF_CORE_READ(t, fs, pwd.dentry);
		*mnt = BPF_CORE_READ(t, fs, pwd.mnt);
		return;
	}
	f = task_fd(fd);
	*d = f ? BPF_CORE_READ(f, f_path.dentry) : NULL;
	*mnt = f ? BPF_CORE_READ(f, f_path.mnt) : NULL;
}

/*
 * At entry of a traced syscall of a session task: argument @path_arg's string, or @addr_arg's
 * socket address (its length the next argument), into the thread's capture. Every entry
 * rewrites the capture's syscall number, pointer and flags and the whole buffer its syscall's
 * exit reads, so an exit never reads an older syscall's.
 */
static __always_inline int capture(struct syscall_trace_enter *ctx, int path_arg, int addr_arg,
				   int dirfd_arg)
{
	struct sys_capture *c;
	struct pt_regs *regs;
	__u64 cgroup_id, ptr, len;
	__u32 tid;

	/* The untagged exit first: every task on the machine runs this entry. */
	if (!current_session(&cgroup_id))
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	c = bpf_map_lookup_elem(&sys_captures, &tid);
	if (!c) {
		struct sys_capture zero = {};

		bpf_map_update_elem(&sys_captures, &tid, &zero, BPF_ANY);
		c = bpf_map_lookup_elem(&sys_captures, &tid);
		if (!c)
			return 0;
	}
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	c->nr = (__u32)ctx->nr;
	c->flags = 0;
	c->addr_len = 0;
	c->recorded = 0;
	c->dir_dentry = 0;
	c->dir_mount = 0;
	/*
	 * Zero past the bytes read: the exit compares whole words (unchanged()). Only the buffer
	 * this syscall fills: a row reads either the path or the address, and take_capture()
	 * gives an exit only a capture taken at the same syscall's entry (every open of a
	 * session task comes here: the other buffer's 112 or 256 bytes are not cleared for it).
	 */
	if (path_arg) {
		__u32 zero = 0, *armed = bpf_map_lookup_elem(&names_armed, &zero);

		__builtin_memset(c->path, 0, sizeof(c->path));
		ptr = sys_arg(regs, path_arg);
		c->ptr = ptr;
		if (bpf_probe_read_user_str(c->path, sizeof(c->path), (const void *)ptr) > 0)
			c->flags |= CAPTURE_PATH_OK;
		/* A relative name: where it starts from, for the exit to check (resolve_dir). */
		if ((c->flags & CAPTURE_PATH_OK) && c->path[0] && c->path[0] != '/') {
			struct vfsmount *mnt;
			struct dentry *d;

			call_dir(dirfd_arg ? (__s32)sys_arg(regs, dirfd_arg) : AT_FDCWD, &d, &mnt);
			c->dir_dentry = (__u64)d;
			c->dir_mount = (__u64)mnt;
		}
		if (armed)
			*armed = tid;
	} else if (addr_arg) {
		__builtin_memset(c->addr, 0, sizeof(c->addr));
		ptr = sys_arg(regs, addr_arg);
		len = sys_arg(regs, addr_arg + 1);
		c->ptr = ptr;
		if (len > sizeof(c->addr))
			len = sizeof(c->addr);
		if (ptr && len && bpf_probe_read_user(c->addr, len, (const void *)ptr) == 0) {
			c->addr_len = (__u32)len;
			c->flags |= CAPTURE_ADDR_OK;
		}
	}
	return 0;
}

/*
 * The kernel's own copy of a traced syscall's pathname. getname() copies the name from the
 * task into a struct filename (names_cache) before anything decides on it, and the syscall
 * frees it (putname(), or audit at syscall exit) before the sys_exit tracepoint runs. The
 * slab free tracepoint is the one place on a kernel without BPF trampolines or kprobes where
 * that copy is reachable: a free by the capturing thread of an object that is a struct
 * filename (its name points at its own inline buffer) made from the very user pointer the
 * capture read replaces the capture's string with the kernel's, which no thread can rewrite.
 * Names longer than the inline buffer (about 4 KiB: the record holds 256 bytes anyway) and a
 * thread that moved to another CPU during the syscall keep the string read at entry, which
 * the exit checks against the task's memory (CORDON_SYSCALL_UNCERTAIN). Attached, like every
 * tracing program, only while a session exists; other tasks' frees cost one per-CPU read.
 */
SEC("raw_tp/kmem_cache_free")
int cordon_names_free(struct bpf_raw_tracepoint_args *ctx)
{
	/* raw_tp, not tp_btf: the verifier refuses a BTF read of the `const void *` argument. */
	const void *ptr = (const void *)ctx->args[1];
	__u32 zero = 0, *armed = bpf_map_lookup_elem(&names_armed, &zero), tid;
	struct sys_capture *c;
	struct {
		__u64 name; /* struct filename.name */
		__u64 uptr; /* struct filename.uptr */
	} f;

	/* A disarmed CPU (most, most of the time) leaves before asking whose free this is. */
	if (!armed || *armed == NAMES_DISARMED)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (*armed != tid)
		return 0;
	c = bpf_map_lookup_elem(&sys_captures, &tid);
	if (!c || (c->flags & (CAPTURE_PATH_OK | CAPTURE_KERNEL)) != CAPTURE_PATH_OK) {
		/*
		 * Nothing left to take until this thread's next capture arms the CPU again: its
		 * later frees (the file at close, the open's other objects: about five per
		 * open/close) leave at the first test instead of a capture lookup each.
		 */
		*armed = NAMES_DISARMED;
		return 0;
	}
	if (bpf_probe_read_kernel(&f, sizeof(f), ptr) < 0 || f.uptr != c->ptr ||
	    f.name != (__u64)ptr + bpf_core_field_offset(struct filename, iname))
		return 0;
	if (bpf_core_field_offset(struct filename, name) != 0 ||
	    bpf_core_field_offset(struct filename, uptr) != 8)
		return 0; /* another layout: the string read at entry stays */
	if (bpf_probe_read_kernel_str(c->path, sizeof(c->path), (const void *)f.name) > 0)
		c->flags |= CAPTURE_KERNEL;
	else
		c->flags &= ~CAPTURE_PATH_OK;
	*armed = NAMES_DISARMED;
	return 0;
}

/*
 * Whether the task's memory at @ptr still holds the @len bytes @have (a string: up to and
 * with its NUL, @len 0) now, at syscall exit, compared over @words words of @have (zero past
 * the capture's bytes). Unreadable counts as changed.
 */
static __always_inline bool unchanged(__u64 ptr, const __u8 *have, __u32 len, const int words)
{
	__u32 zero = 0;
	__u64 *now = bpf_map_lookup_elem(&capture_reread, &zero);
	const __u64 *was = (const __u64 *)have;
	long n;

	if (!now)
		return false;
	__builtin_memset(now, 0, CAPTURE_WORDS * 8);
	if (len) {
		if (len > CAPTURE_ADDR)
			len = CAPTURE_ADDR;
		n = bpf_probe_read_user(now, len, (const void *)ptr) == 0 ? (long)len : -1;
	} else {
		n = bpf_probe_read_user_str(now, CORDON_PATH_LEN, (const void *)ptr);
	}
	if (n <= 0)
		return false;
	/* Bytes past the string or the address are zero on both sides (captures are zeroed). */
	for (int i = 0; i < words; i++)
		if (now[i] != was[i])
			return false;
	return true;
}

/* The calling thread's capture for syscall @nr read from @ptr, or NULL (taken away). */
static __always_inline struct sys_capture *take_capture(__u32 nr, __u64 ptr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sys_capture *c = bpf_map_lookup_elem(&sys_captures, &tid);

	/* Another syscall's, or another pointer's: nothing is better than a wrong name. */
	if (!c || c->nr != nr || c->ptr != ptr)
		return NULL;
	return c;
}

/*
 * A unix socket address of @len bytes into path[]: the file name, or for the abstract namespace
 * (sun_path starting with a NUL) '@' and the name, as ss(8) shows it. An abstract name is
 * exactly its bytes up to @len, not NUL-terminated: only those are read (userspace shows it up
 * to an embedded NUL, if any).
 */
static __always_inline void read_sun_path(struct cordon_event_syscall *ev, const __u8 *addr,
					  __u64 len)
{
	const __u8 *sun_path = addr + sizeof(__u16);
	__u8 first = sun_path[0];
	long n;

	ev->family = AF_UNIX;
	ev->flags |= CORDON_SYSCALL_ADDR;
	if (first) {
		n = bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), sun_path);
	} else {
		__u64 size = len - sizeof(__u16) - 1;

		/* Room for '@' and the NUL that ends the record's string. */
		if (size > CAPTURE_ADDR - sizeof(__u16) - 1)
			size = CAPTURE_ADDR - sizeof(__u16) - 1;
		ev->path[0] = '@';
		n = bpf_probe_read_kernel(&ev->path[1], size, sun_path + 1) < 0 ? -1 : 1;
	}
	if (n > 0)
		ev->flags |= CORDON_SYSCALL_PATH;
}

/* The socket address captured at entry (@c->addr_len bytes), into the record. */
static __always_inline void read_sockaddr(struct cordon_event_syscall *ev,
					  const struct sys_capture *c)
{
	__u64 len = c->addr_len;
	const struct sockaddr_in6 *sa = (const void *)c->addr;
	__u16 family;

	if (!(c->flags & CAPTURE_ADDR_OK) || len < sizeof(__u16) + 1)
		return;
	family = sa->sin6_family;
	if (family == AF_UNIX) {
		read_sun_path(ev, c->addr, len);
		return;
	}
	if (len < sizeof(struct sockaddr_in))
		return;
	ev->family = family;
	ev->flags |= CORDON_SYSCALL_ADDR;
	ev->port = bpf_ntohs(sa->sin6_port);
	if (family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)c->addr;

		cordon_addr_v4mapped(ev->addr, &s4->sin_addr);
	} else if (family == AF_INET6 && len >= sizeof(*sa)) {
		__builtin_memcpy(ev->addr, &sa->sin6_addr, sizeof(ev->addr));
	}
}

/*
 * A refused call's relative path[] (@len bytes) made absolute against the directory the kernel
 * resolved it from: descriptor @fd's, or with AT_FDCWD the task's working directory, named
 * from the task's root in its own mount namespace (as /proc would show it to the task). Done
 * now, at the exit of the call that was refused: reading /proc when the record is consumed
 * comes too late for a command that exits at once and can name another directory by then.
 * Only refusals pay for it. A directory that cannot be named in the record keeps the path as
 * passed, and the record says why (CORDON_SYSCALL_DIR_*).
 */
static __always_inline void resolve_dir(struct cordon_event_syscall *ev, __s32 fd, __u32 len,
					const struct sys_capture *c)
{
	struct vfsmount *mnt;
	struct dentry *d;
	__u32 how;

	/* A descriptor closed by another thread since: nothing names the directory any more. */
	call_dir(fd, &d, &mnt);
	/*
	 * Another thread of the task (sharing its fs_struct or its descriptor table) can chdir,
	 * or dup2 another directory onto dirfd, while the call runs: the directory now need not be
	 * the one the kernel resolved the name from. The one at entry is compared (the kernel's
	 * lookup lies between the two); a change is flagged, and the path named from the directory
	 * now, as with a name rewritten during the call (CORDON_SYSCALL_UNCERTAIN). Changed and
	 * changed back before the exit is not seen. A seccomp refusal has no capture: it came
	 * before any lookup, so no directory decided anything.
	 */
	if (c && (c->dir_dentry != (__u64)d || c->dir_mount != (__u64)mnt))
		ev->flags |= CORDON_SYSCALL_DIR_CHANGED;
	how = d && mnt ? absolute_path(d, mnt, ev->path, len, ev->path) : PATH_UNREACHABLE;
	if (how == PATH_DONE)
		ev->flags |= CORDON_SYSCALL_RESOLVED;
	else if (how == PATH_LONG)
		ev->flags |= CORDON_SYSCALL_DIR_TOO_LONG;
	else
		ev->flags |= CORDON_SYSCALL_DIR_UNREACHABLE;
}

/*
 * The whole program of a row: the errno test comes first, because nearly every syscall of
 * every process succeeds and must leave at once; then the one session lookup.
 */
static __always_inline int refused(struct syscall_trace_exit *ctx, const struct sys_row row)
{
	struct cordon_event_syscall *ev;
	struct cordon_session *s;
	struct sys_capture *c, *pc = NULL;
	struct pt_regs *regs;
	__u64 cgroup_id = 0;
	__u16 layer = row.layer;
	long ret = ctx->ret, plen = 0;
	__s32 fd = AT_FDCWD;

	if (row.err2 && ret == -row.err2)
		layer = row.layer2;
	else if (row.err3 && ret == -row.err3)
		layer = row.layer3;
	else if (ret != -row.err)
		return 0;
	s = current_session(&cgroup_id);
	if (!s)
		return 0;
	if (s->flags & row.seccomp_if)
		layer = CORDON_LAYER_SECCOMP;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	/*
	 * A refusal the cgroup or LSM program of this very call put on the ring itself, with
	 * this errno: its record is the exact one, this one would be an echo the reader drops
	 * (capture_recorded()). Not made, so the ring's room goes to records. Consumed here.
	 */
	if (row.addr) {
		c = take_capture((__u32)ctx->nr, sys_arg(regs, row.addr));
		if (c && c->recorded && c->recorded == (__s32)ret) {
			c->recorded = 0;
			return 0;
		}
	}
	ev = event_reserve(sizeof(*ev), CORDON_EV_SYSCALL, row.hook, layer, s, cgroup_id,
			   (__s32)ret, 0);
	if (!ev)
		return 0;
	ev->nr = (__u32)ctx->nr;
	/* Strings and addresses as they were at entry (sys_captures), never re-read now. */
	if (row.path) {
		/*
		 * seccomp refuses a call before sys_enter's tracepoint runs: a capture of this
		 * thread's can only be an earlier call's. The string is read now; nothing is lost by
		 * it, since seccomp's verdict never read it (it judges the arguments' values).
		 */
		if (layer == CORDON_LAYER_SECCOMP) {
			plen = bpf_probe_read_user_str(ev->path, sizeof(ev->path),
						       (const void *)sys_arg(regs, row.path));
			if (plen > 0)
				ev->flags |= CORDON_SYSCALL_PATH;
		} else {
			c = take_capture(ev->nr, sys_arg(regs, row.path));
			if (c && (c->flags & CAPTURE_PATH_OK)) {
				pc = c;
				plen = bpf_probe_read_kernel_str(ev->path, sizeof(ev->path),
								 c->path);
			}
			if (plen > 0) {
				ev->flags |= CORDON_SYSCALL_PATH;
				if (c->flags & CAPTURE_KERNEL)
					ev->flags |= CORDON_SYSCALL_EXACT;
				else if (!unchanged(c->ptr, c->path, 0, CAPTURE_WORDS))
					ev->flags |= CORDON_SYSCALL_UNCERTAIN;
			}
		}
	}
	/*
	 * A relative path names a place below the working directory, or for an *at() call below
	 * its descriptor (the record keeps which: userspace falls back to /proc with it when the
	 * directory could not be named here). An empty path (AT_EMPTY_PATH) is the descriptor's
	 * own file, no place below it.
	 */
	if (row.path && (ev->flags & CORDON_SYSCALL_PATH) && ev->path[0] && ev->path[0] != '/') {
		if (row.dirfd)
			fd = (__s32)sys_arg(regs, row.dirfd);
		if (fd != AT_FDCWD) {
			ev->dirfd = fd;
			ev->flags |= CORDON_SYSCALL_DIRFD;
		}
		resolve_dir(ev, fd, (__u32)(plen - 1) & (CORDON_PATH_LEN - 1), pc);
	}
	if (row.arg) {
		ev->arg = sys_arg(regs, row.arg);
		if (row.arg_hi)
			ev->arg = (__u32)ev->arg | (sys_arg(regs, row.arg_hi) << 32);
		ev->flags |= CORDON_SYSCALL_ARG;
	}
	if (row.addr) {
		c = take_capture(ev->nr, sys_arg(regs, row.addr));
		if (c) {
			read_sockaddr(ev, c);
			/* An address is never the kernel's copy here (a stack buffer): checked. */
			if ((c->flags & CAPTURE_ADDR_OK) &&
			    !unchanged(c->ptr, c->addr, c->addr_len, CAPTURE_ADDR / 8))
				ev->flags |= CORDON_SYSCALL_UNCERTAIN;
		}
		/* EPERM on an IP connect is the cgroup program's (whose own record normally comes
		 * first and makes this one an echo); on a unix socket, Landlock's scoping. */
		if (ev->hdr.verdict == -EPERM && (ev->family == AF_INET || ev->family == AF_INET6))
			ev->hdr.layer = CORDON_LAYER_CGROUP_BPF;
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * The syscalls/sys_enter_NAME tracepoint of a row with a pathname (@path) or socket address
 * (@addr) argument, numbered as in the row, and the directory descriptor a relative @path
 * starts from (@dirfd; 0: the working directory): what the exit's record will carry, taken at
 * entry.
 */
#define SYS_ENTER(name, path, addr, dirfd)                           \
	SEC("tracepoint/syscalls/sys_enter_" #name)                  \
	int cordon_sys_enter_##name(struct syscall_trace_enter *ctx) \
	{                                                            \
		return capture(ctx, path, addr, dirfd);              \
	}

SYS_ENTER(openat, 2, 0, 1)
SYS_ENTER(open, 1, 0, 0)
SYS_ENTER(openat2, 2, 0, 1)
SYS_ENTER(execve, 1, 0, 0)
SYS_ENTER(execveat, 2, 0, 1)
SYS_ENTER(rename, 1, 0, 0)
SYS_ENTER(renameat, 2, 0, 1)
SYS_ENTER(renameat2, 2, 0, 1)
SYS_ENTER(connect, 0, 2, 0)
SYS_ENTER(bind, 0, 2, 0)
SYS_ENTER(link, 1, 0, 0)
SYS_ENTER(linkat, 2, 0, 1)
SYS_ENTER(unlink, 1, 0, 0)
SYS_ENTER(unlinkat, 2, 0, 1)
SYS_ENTER(rmdir, 1, 0, 0)
SYS_ENTER(mkdir, 1, 0, 0)
SYS_ENTER(mkdirat, 2, 0, 1)
SYS_ENTER(symlink, 2, 0, 0)
SYS_ENTER(symlinkat, 3, 0, 2)
SYS_ENTER(mknod, 1, 0, 0)
SYS_ENTER(mknodat, 2, 0, 1)
SYS_ENTER(mount, 2, 0, 0)
SYS_ENTER(chmod, 1, 0, 0)
SYS_ENTER(fchmodat, 2, 0, 1)

/* One program per row: the syscalls/sys_exit_NAME tracepoint, judged by the row that follows. */
#define SYS_EXIT(name, ...)                                           \
	SEC("tracepoint/syscalls/sys_exit_" #name)                    \
	int cordon_sys_##name(struct syscall_trace_exit *ctx)         \
	{                                                             \
		return refused(ctx, (struct sys_row){ __VA_ARGS__ }); \
	}

/*
 * Opens: Landlock refuses path access with EACCES (so do file permissions and the secret
 * masks: the layer is inferred); the read-only binds of protected paths refuse writes with
 * EROFS (so does any read-only mount). EPERM comes from BPF LSM, which records its own.
 * The record carries the pathname and the open flags.
 */
SYS_EXIT(openat, .hook = CORDON_HOOK_SYS_OPENAT, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .err2 = EROFS, .layer2 = CORDON_LAYER_MOUNT_NS, .path = 2, .arg = 3, .dirfd = 1)
SYS_EXIT(open, .hook = CORDON_HOOK_SYS_OPEN, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .err2 = EROFS, .layer2 = CORDON_LAYER_MOUNT_NS, .path = 1)
SYS_EXIT(openat2, .hook = CORDON_HOOK_SYS_OPENAT2, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .err2 = EROFS, .layer2 = CORDON_LAYER_MOUNT_NS, .path = 2, .arg = 3, .dirfd = 1)

/* Landlock refuses executing outside the exec hierarchies with EACCES. */
SYS_EXIT(execve, .hook = CORDON_HOOK_SYS_EXECVE, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .path = 1)
/*
 * The same by descriptor (fexecve): EACCES is Landlock's, or the kernel's for a memfd sealed
 * non-executable by vm.memfd_noexec (the path is then empty, the flags carry AT_EMPTY_PATH).
 */
SYS_EXIT(execveat, .hook = CORDON_HOOK_SYS_EXECVEAT, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .path = 2, .arg = 5, .dirfd = 1)
/*
 * Renames the session's view refuses: a mount point (the pinned .git of the project, the
 * read-only binds of its hooks and config) can be neither renamed nor replaced, EBUSY. git
 * writes its config through config.lock and a rename onto config: that is refused here too.
 * The record carries the source path; renameat2 also its flags.
 */
SYS_EXIT(rename, .hook = CORDON_HOOK_SYS_RENAME, .err = EBUSY, .layer = CORDON_LAYER_MOUNT_NS,
	 .path = 1)
SYS_EXIT(renameat, .hook = CORDON_HOOK_SYS_RENAMEAT, .err = EBUSY, .layer = CORDON_LAYER_MOUNT_NS,
	 .path = 2, .dirfd = 1)
SYS_EXIT(renameat2, .hook = CORDON_HOOK_SYS_RENAMEAT2, .err = EBUSY, .layer = CORDON_LAYER_MOUNT_NS,
	 .path = 2, .arg = 5, .dirfd = 1)
/* An executable memfd (MFD_EXEC) refused by seccomp; the record carries the flags. */
SYS_EXIT(memfd_create, .hook = CORDON_HOOK_SYS_MEMFD_CREATE, .err = EPERM,
	 .layer = CORDON_LAYER_SECCOMP, .arg = 2)

/*
 * Landlock refuses TCP connects with EACCES, and abstract unix sockets outside the session
 * (scoping, ABI 6) with EPERM; EPERM on an IP socket is the cgroup program's (see refused()).
 */
SYS_EXIT(connect, .hook = CORDON_HOOK_SYS_CONNECT, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .err2 = EPERM, .layer2 = CORDON_LAYER_LANDLOCK, .addr = 2)

/*
 * Landlock refuses a TCP bind to a port no bind rule names, and a pathname unix socket's
 * creation outside the write trees, with EACCES (so does a port below 1024 without
 * CAP_NET_BIND_SERVICE: userspace tells them apart). EPERM is the cgroup bind program's,
 * which records its own.
 */
SYS_EXIT(bind, .hook = CORDON_HOOK_SYS_BIND, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .addr = 2)

/*
 * A hard link to a file the task may not read: Landlock, or the secret masks (a mode-000
 * directory), refuse it with EACCES. The record names the existing file, not the new name.
 * (EXDEV, Landlock's refusal of a link across hierarchies, is also what any link across
 * mounts gets, so it is not reported.)
 */
SYS_EXIT(link, .hook = CORDON_HOOK_SYS_LINK, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .err2 = EROFS, .layer2 = CORDON_LAYER_MOUNT_NS, .path = 1)
SYS_EXIT(linkat, .hook = CORDON_HOOK_SYS_LINKAT, .err = EACCES, .layer = CORDON_LAYER_LANDLOCK,
	 .err2 = EROFS, .layer2 = CORDON_LAYER_MOUNT_NS, .path = 2, .dirfd = 1)

/*
 * Deletes and creations: outside the write trees the view is read-only (EROFS, checked before
 * any permission); a protected file or the pinned .git is a mount point of the view, which
 * unlink and rmdir refuse (EBUSY); Landlock's remove and make rights, or a secret's mode-000
 * mask, refuse with EACCES (so do file permissions: userspace tells them apart). EPERM is BPF
 * LSM's path hooks, which record their own. The record carries the path (the new name of a
 * symlink) and, for mkdir and mknod, the mode.
 */
#define DELETE_ROW(h)                                                              \
	.hook = (h), .err = EACCES, .layer = CORDON_LAYER_LANDLOCK, .err2 = EROFS, \
	.layer2 = CORDON_LAYER_MOUNT_NS, .err3 = EBUSY, .layer3 = CORDON_LAYER_MOUNT_NS
#define CREATE_ROW(h)                                                              \
	.hook = (h), .err = EACCES, .layer = CORDON_LAYER_LANDLOCK, .err2 = EROFS, \
	.layer2 = CORDON_LAYER_MOUNT_NS
SYS_EXIT(unlink, DELETE_ROW(CORDON_HOOK_SYS_UNLINK), .path = 1)
SYS_EXIT(unlinkat, DELETE_ROW(CORDON_HOOK_SYS_UNLINKAT), .path = 2, .arg = 3, .dirfd = 1)
SYS_EXIT(rmdir, DELETE_ROW(CORDON_HOOK_SYS_RMDIR), .path = 1)
SYS_EXIT(mkdir, CREATE_ROW(CORDON_HOOK_SYS_MKDIR), .path = 1, .arg = 2)
SYS_EXIT(mkdirat, CREATE_ROW(CORDON_HOOK_SYS_MKDIRAT), .path = 2, .arg = 3, .dirfd = 1)
SYS_EXIT(symlink, CREATE_ROW(CORDON_HOOK_SYS_SYMLINK), .path = 2)
SYS_EXIT(symlinkat, CREATE_ROW(CORDON_HOOK_SYS_SYMLINKAT), .path = 3, .dirfd = 2)
SYS_EXIT(mknod, CREATE_ROW(CORDON_HOOK_SYS_MKNOD), .path = 1, .arg = 2)
SYS_EXIT(mknodat, CREATE_ROW(CORDON_HOOK_SYS_MKNODAT), .path = 2, .arg = 3, .dirfd = 1)

/*
 * Syscalls cordon's seccomp filter refuses with EPERM: new user namespaces (the flags), the
 * mount family (target and flags), socket kinds no allow-list covers (the family, its protocol
 * in the upper 32 bits), bpf (the
 * command). (An unprivileged task gets EPERM from mount and bpf anyway; with BPF LSM active
 * its own record comes first and userspace keeps that one.)
 */
SYS_EXIT(unshare, .hook = CORDON_HOOK_SYS_UNSHARE, .err = EPERM, .layer = CORDON_LAYER_SECCOMP,
	 .arg = 1)
SYS_EXIT(mount, .hook = CORDON_HOOK_SYS_MOUNT, .err = EPERM, .layer = CORDON_LAYER_SECCOMP,
	 .path = 2, .arg = 4)
SYS_EXIT(socket, .hook = CORDON_HOOK_SYS_SOCKET, .err = EPERM, .layer = CORDON_LAYER_SECCOMP,
	 .arg = 1, .arg_hi = 3)
SYS_EXIT(bpf, .hook = CORDON_HOOK_SYS_BPF, .err = EPERM, .layer = CORDON_LAYER_SECCOMP, .arg = 1)

/*
 * Socket options seccomp refuses (EPERM): IP options, IPv6 routing and option headers, device
 * bindings. The record's arg carries the option name, its level in the upper 32 bits.
 */
SYS_EXIT(setsockopt, .hook = CORDON_HOOK_SYS_SETSOCKOPT, .err = EPERM,
	 .layer = CORDON_LAYER_SECCOMP, .arg = 3, .arg_hi = 2)

/* io_uring would perform file and network operations no syscall filter sees: seccomp. */
SYS_EXIT(io_uring_setup, .hook = CORDON_HOOK_SYS_IO_URING_SETUP, .err = EPERM,
	 .layer = CORDON_LAYER_SECCOMP)

/*
 * TIOCSTI/TIOCLINUX (terminal injection): seccomp, EPERM; the record carries the request.
 * ioctl is frequent, but the errno test comes first and EPERM from an ioctl is rare.
 */
SYS_EXIT(ioctl, .hook = CORDON_HOOK_SYS_IOCTL, .err = EPERM, .layer = CORDON_LAYER_SECCOMP,
	 .arg = 2)

/*
 * ptrace of a process outside the session: Landlock (EPERM; or seccomp with `ptrace: none`,
 * from the session's flags). The record carries the target pid. With BPF LSM active on a
 * kernel where Landlock lets it through, the LSM's own record comes first.
 */
SYS_EXIT(ptrace, .hook = CORDON_HOOK_SYS_PTRACE, .err = EPERM, .layer = CORDON_LAYER_LANDLOCK,
	 .seccomp_if = CORDON_SESSION_PTRACE_SECCOMP, .arg = 2)

/*
 * Permission changes outside the write trees: the view is read-only there (EROFS), since
 * chmod is no Landlock right. The record carries the path (none for fchmod) and the mode.
 */
SYS_EXIT(chmod, .hook = CORDON_HOOK_SYS_CHMOD, .err = EROFS, .layer = CORDON_LAYER_MOUNT_NS,
	 .path = 1, .arg = 2)
SYS_EXIT(fchmodat, .hook = CORDON_HOOK_SYS_FCHMODAT, .err = EROFS, .layer = CORDON_LAYER_MOUNT_NS,
	 .path = 2, .arg = 3, .dirfd = 1)
SYS_EXIT(fchmod, .hook = CORDON_HOOK_SYS_FCHMOD, .err = EROFS, .layer = CORDON_LAYER_MOUNT_NS,
	 .arg = 2)

/* A signal to a process outside the session: Landlock's signal scoping (ABI 6), EPERM. */
SYS_EXIT(kill, .hook = CORDON_HOOK_SYS_KILL, .err = EPERM, .layer = CORDON_LAYER_LANDLOCK, .arg = 1)

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
