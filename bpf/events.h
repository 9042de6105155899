/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The single definition of every record the BPF programs put on the ring buffer. Every record
 * starts with struct cordon_event_hdr; the consumer checks hdr.size against the bytes it
 * received and skips types it does not know. Type, hook and layer numbers are ABI: append only.
 */
#ifndef CORDON_EVENTS_H
#define CORDON_EVENTS_H

#include "abi_types.h"

#define CORDON_EVENT_VERSION 1
#define CORDON_COMM_LEN	     16
#define CORDON_PATH_LEN	     256

/*
 * Numbering (append only): enforcement records (cgroup and LSM programs) use types 1-31 and
 * hooks 1-63; activity and denial records from tracepoints use types 32-63 and hooks 64-127.
 */

/* hdr.type */
#define CORDON_EV_FILE	  1 /* struct cordon_event_file */
#define CORDON_EV_CONNECT 2 /* struct cordon_event_connect */
#define CORDON_EV_TASK	  3 /* struct cordon_event_task: ptrace or signal of another task */
#define CORDON_EV_OP	  4 /* struct cordon_event_op: bpf, mount, userns, ioctl, socket */

/* hdr.hook: the kernel hook that decided */
#define CORDON_HOOK_FILE_OPEN		1  /* lsm/file_open */
#define CORDON_HOOK_CONNECT4		2  /* cgroup/connect4 */
#define CORDON_HOOK_CONNECT6		3  /* cgroup/connect6 */
#define CORDON_HOOK_PATH_MKNOD		4  /* lsm/path_mknod: creating a file (open O_CREAT too) */
#define CORDON_HOOK_PATH_MKDIR		5  /* lsm/path_mkdir */
#define CORDON_HOOK_PATH_SYMLINK	6  /* lsm/path_symlink */
#define CORDON_HOOK_PATH_LINK		7  /* lsm/path_link: either end */
#define CORDON_HOOK_PATH_RENAME		8  /* lsm/path_rename: either end */
#define CORDON_HOOK_PATH_UNLINK		9  /* lsm/path_unlink */
#define CORDON_HOOK_PATH_RMDIR		10 /* lsm/path_rmdir */
#define CORDON_HOOK_PATH_TRUNCATE	11 /* lsm/path_truncate */
#define CORDON_HOOK_PATH_CHMOD		12 /* lsm/path_chmod */
#define CORDON_HOOK_FILE_TRUNCATE	13 /* lsm/file_truncate (6.2+) */
#define CORDON_HOOK_BPRM_CHECK		14 /* lsm/bprm_check_security */
#define CORDON_HOOK_MMAP_FILE		15 /* lsm/mmap_file with PROT_EXEC */
#define CORDON_HOOK_FILE_MPROTECT	16 /* lsm/file_mprotect to PROT_EXEC */
#define CORDON_HOOK_UNIX_STREAM_CONNECT 17 /* lsm/unix_stream_connect */
#define CORDON_HOOK_UNIX_MAY_SEND	18 /* lsm/unix_may_send */
#define CORDON_HOOK_SOCKET_CREATE	19 /* lsm/socket_create */
#define CORDON_HOOK_PTRACE		20 /* lsm/ptrace_access_check */
#define CORDON_HOOK_TASK_KILL		21 /* lsm/task_kill */
#define CORDON_HOOK_BPF			22 /* lsm/bpf */
#define CORDON_HOOK_SB_MOUNT		23 /* lsm/sb_mount */
#define CORDON_HOOK_USERNS_CREATE	24 /* lsm/userns_create */
#define CORDON_HOOK_FILE_IOCTL		25 /* lsm/file_ioctl: TIOCSTI, TIOCLINUX */
#define CORDON_HOOK_SENDMSG4		26 /* cgroup/sendmsg4: UDP without connect() */
#define CORDON_HOOK_SENDMSG6		27 /* cgroup/sendmsg6 */
#define CORDON_HOOK_BIND4		28 /* cgroup/bind4 */
#define CORDON_HOOK_BIND6		29 /* cgroup/bind6 */

/* hdr.layer: the enforcement layer that decided */
#define CORDON_LAYER_BPF_LSM	1
#define CORDON_LAYER_CGROUP_BPF 2
#define CORDON_LAYER_LANDLOCK	3
#define CORDON_LAYER_SECCOMP	4

struct cordon_event_hdr {
	__u16 type;		    /* CORDON_EV_* */
	__u16 version;		    /* CORDON_EVENT_VERSION of the producer */
	__u32 size;		    /* bytes of the whole record, header included */
	__u64 ts_ns;		    /* CLOCK_BOOTTIME, ns: bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;	    /* the session cgroup */
	__u32 session;		    /* cordon_session.id */
	__u32 pid;		    /* thread group id (userspace pid) */
	__u32 tid;		    /* thread id */
	__u32 uid;		    /* real uid */
	__s32 verdict;		    /* 0 allowed, else the -errno returned to the task */
	__u32 rule_id;		    /* policy rule that decided; 0 for the default */
	__u16 hook;		    /* CORDON_HOOK_* */
	__u16 layer;		    /* CORDON_LAYER_* */
	__u32 pad;		    /* zero */
	__u8 comm[CORDON_COMM_LEN]; /* task comm, NUL-padded; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_hdr) == 72, "cordon_event_hdr layout");

struct cordon_event_file {
	struct cordon_event_hdr hdr;
	__u64 ino;		    /* inode of the file */
	__u32 dev;		    /* its superblock s_dev (kernel encoding) */
	__u32 access;		    /* CORDON_ACCESS_* bits requested */
	__u8 path[CORDON_PATH_LEN]; /* d_path, NUL-terminated, may be truncated; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_file) == 72 + 16 + CORDON_PATH_LEN,
		  "cordon_event_file layout");

struct cordon_event_connect {
	struct cordon_event_hdr hdr;
	__u8 addr[16]; /* destination, IPv6 or IPv4-mapped */
	__u16 port;    /* destination port, host byte order */
	__u16 family;  /* AF_INET or AF_INET6 (the socket's) */
	__u8 protocol; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 pad[3];   /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_connect) == 72 + 24, "cordon_event_connect layout");

/* A task in a session acting on a task outside it (ptrace, /proc/PID/mem, signals). */
struct cordon_event_task {
	struct cordon_event_hdr hdr;
	__u32 target_pid;		   /* thread group id of the target */
	__u32 detail;			   /* signal number, or the ptrace access mode */
	__u8 target_comm[CORDON_COMM_LEN]; /* agent-influenced (any process name) */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_task) == 72 + 24, "cordon_event_task layout");

/* An operation refused outright; the arguments depend on hdr.hook. */
struct cordon_event_op {
	struct cordon_event_hdr hdr;
	__u64 arg0; /* bpf: cmd; ioctl: cmd; socket: family; mount: flags; unix: peer cgroup */
	__u64 arg1; /* socket: type */
	__u64 arg2; /* socket: protocol */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_op) == 72 + 24, "cordon_event_op layout");

/*
 * A task outside every session exec'd a registered executable (auto_exec) and was tagged with
 * the auto session at bprm_committed_creds, after exec's point of no return and before the new
 * program's first instruction. hdr.verdict is 0; hdr.cgroup_id/session name the auto session,
 * which the task is not yet a member of: userspace moves it into that cgroup on this record.
 */
struct cordon_event_auto {
	struct cordon_event_hdr hdr; /* pid: the process, already running the new program */
	__u64 ino;		     /* inode of the registered file that matched */
	__u32 dev;		     /* its superblock s_dev (kernel encoding) */
	__u32 ppid;		     /* parent's thread group id */
	__u8 path[CORDON_PATH_LEN];  /* the file name given to exec (as passed, may be relative
				      * or /dev/fd/N), NUL-terminated, may be cut */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_auto) == 72 + 16 + CORDON_PATH_LEN,
		  "cordon_event_auto layout");

/*
 * Activity and denial records from tracepoints (types 32-63, hooks 64-127). They need no BPF
 * LSM: exec and exit come from the scheduler's BTF tracepoints, and refusals by Landlock and
 * seccomp are seen as EACCES/EPERM results at per-syscall exit tracepoints of session tasks.
 */
#define CORDON_EV_EXEC	  32 /* struct cordon_event_exec: a session task executed a program */
#define CORDON_EV_EXIT	  33 /* struct cordon_event_exit: the last thread of a process ended */
#define CORDON_EV_SYSCALL 34 /* struct cordon_event_syscall: a syscall refused with EACCES/EPERM */

#define CORDON_HOOK_SCHED_EXEC	64 /* tp_btf/sched_process_exec */
#define CORDON_HOOK_SCHED_EXIT	65 /* tp_btf/sched_process_exit */
#define CORDON_HOOK_SYS_OPENAT	66 /* tracepoint/syscalls/sys_exit_openat */
#define CORDON_HOOK_SYS_OPEN	67 /* tracepoint/syscalls/sys_exit_open */
#define CORDON_HOOK_SYS_OPENAT2 68 /* tracepoint/syscalls/sys_exit_openat2 */
#define CORDON_HOOK_SYS_EXECVE	69 /* tracepoint/syscalls/sys_exit_execve */
#define CORDON_HOOK_SYS_CONNECT 70 /* tracepoint/syscalls/sys_exit_connect */
#define CORDON_HOOK_SYS_UNSHARE 71 /* tracepoint/syscalls/sys_exit_unshare */
#define CORDON_HOOK_SYS_MOUNT	72 /* tracepoint/syscalls/sys_exit_mount */
#define CORDON_HOOK_SYS_SOCKET	73 /* tracepoint/syscalls/sys_exit_socket */
#define CORDON_HOOK_SYS_BPF	74 /* tracepoint/syscalls/sys_exit_bpf */

/*
 * Bytes of argv an exec record carries: the whole record stays within the 1 KiB that clang can
 * zero inline in BPF.
 */
#define CORDON_ARGS_LEN 640

/* cordon_event_exec.flags */
#define CORDON_EXEC_ARGS_TRUNCATED  (1u << 0) /* argv was longer than CORDON_ARGS_LEN: cut */
#define CORDON_EXEC_ARGS_UNREADABLE (1u << 1) /* argv could not be read: args_len is 0 */

struct cordon_event_exec {
	struct cordon_event_hdr hdr; /* pid: the process after exec; verdict 0 */
	__u32 ppid;		     /* parent's thread group id */
	__u32 old_pid;		     /* thread id that called exec (differs for a non-leader) */
	__u32 argc;		     /* number of arguments the program received */
	__u32 args_len;		     /* bytes of args[] in use */
	__u32 flags;		     /* CORDON_EXEC_* */
	__u32 euid; /* effective uid after exec (setuid programs differ from uid) */
	__u8 filename[CORDON_PATH_LEN]; /* path given to exec, NUL-terminated, may be cut or
					 * relative; agent-controlled */
	__u8 args[CORDON_ARGS_LEN];	/* argv strings back to back, each NUL-terminated (the last
				     * one may be cut); agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_exec) == 72 + 24 + CORDON_PATH_LEN + CORDON_ARGS_LEN,
		  "cordon_event_exec layout");

struct cordon_event_exit {
	struct cordon_event_hdr hdr; /* pid/tid: the last thread of the process to exit */
	__u32 ppid;		     /* parent's thread group id */
	__u32 exit_code;	     /* wait status: exit status << 8 | terminating signal */
	__u64 start_ns;		     /* process start, CLOCK_BOOTTIME ns (duration = ts - start) */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_exit) == 72 + 16, "cordon_event_exit layout");

/* cordon_event_syscall.flags: which argument fields are filled */
#define CORDON_SYSCALL_PATH (1u << 0) /* path[] holds the pathname argument */
#define CORDON_SYSCALL_ADDR (1u << 1) /* addr/port/family hold the destination */
#define CORDON_SYSCALL_ARG  (1u << 2) /* arg holds a scalar argument */

/*
 * hdr.verdict is the syscall's result (-EACCES or -EPERM) and hdr.layer the layer that returns
 * that errno for that syscall under a cordon policy (Landlock: EACCES on paths and TCP; seccomp:
 * EPERM on the syscalls it filters). The tracepoint sees the result, not who produced it: file
 * permissions give EACCES too. Userspace reports the layer as inferred.
 */
struct cordon_event_syscall {
	struct cordon_event_hdr hdr;
	__u32 nr;      /* syscall number (x86_64) */
	__u32 flags;   /* CORDON_SYSCALL_* */
	__u64 arg;     /* open flags, unshare/mount flags, socket family, bpf command */
	__u8 addr[16]; /* connect: destination, IPv6 or IPv4-mapped */
	__u16 port;    /* connect: destination port, host byte order */
	__u16 family;  /* connect: the address family the task passed */
	__u32 pad;     /* zero */
	__u8 path[CORDON_PATH_LEN]; /* pathname as the task passed it (may be relative or cut),
				     * read from its memory at syscall exit; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_syscall) == 72 + 40 + CORDON_PATH_LEN,
		  "cordon_event_syscall layout");

/*
 * Appended for the audit of every refusal (issue 6). Numbers continue the ranges above.
 */

/*
 * hdr.type: a connect the session's rules allowed (struct cordon_event_connect, verdict 0,
 * rule_id the allowing rule), from cgroup/connect4/6 when the session's policy records
 * connects (CORDON_SESSION_AUDIT_CONNECT). A type of its own so that no consumer counting
 * CORDON_EV_CONNECT as refusals miscounts it. sendmsg is not reported: one record per datagram.
 */
#define CORDON_EV_NET_ALLOWED 6

/*
 * hdr.layer: the session's private mount namespace, whose read-only binds of protected paths
 * refuse writes with EROFS (without BPF LSM). Inferred at syscall exit like the others.
 */
#define CORDON_LAYER_MOUNT_NS 5

/* hdr.hook of CORDON_EV_SYSCALL records (tracepoint range). */
#define CORDON_HOOK_SYS_LINK	       75 /* tracepoint/syscalls/sys_exit_link */
#define CORDON_HOOK_SYS_LINKAT	       76 /* tracepoint/syscalls/sys_exit_linkat */
#define CORDON_HOOK_SYS_PTRACE	       77 /* tracepoint/syscalls/sys_exit_ptrace */
#define CORDON_HOOK_SYS_KILL	       78 /* tracepoint/syscalls/sys_exit_kill */
#define CORDON_HOOK_SYS_IOCTL	       79 /* tracepoint/syscalls/sys_exit_ioctl */
#define CORDON_HOOK_SYS_IO_URING_SETUP 80 /* tracepoint/syscalls/sys_exit_io_uring_setup */
/*
 * seccomp killed the task (SIGSYS with si_code SYS_SECCOMP) instead of returning an errno, e.g.
 * for a syscall of an architecture the filter does not allow (the i386 table, int $0x80). The
 * record is a struct cordon_event_syscall: nr is the syscall number in that architecture's
 * table, arg its AUDIT_ARCH_* value (CORDON_SYSCALL_ARG), verdict -ENOSYS as a stand-in (no
 * errno reached the task: userspace reports SIGSYS), layer seccomp and not inferred: the kernel
 * lets no process send that si_code to another, and a task faking it to itself only reports on
 * itself.
 */
#define CORDON_EV_SECCOMP_KILL	 35
#define CORDON_HOOK_SECCOMP_KILL 81 /* tp_btf/signal_generate */

/*
 * Auto-confinement (issue 7), BPF LSM. Numbers continue the enforcement ranges above.
 */
#define CORDON_EV_AUTO_CONFINE 5 /* struct cordon_event_auto: a task tagged at exec (auto_exec) */

#define CORDON_HOOK_BPRM_COMMITTED_CREDS 30 /* lsm/bprm_committed_creds: auto-confinement */
/*
 * IP rules for the sockets of session tasks that no cgroup program judges (a task tagged at
 * exec before its move into the session cgroup, or a socket made outside it): struct
 * cordon_event_connect records, layer bpf_lsm.
 */
#define CORDON_HOOK_SOCKET_CONNECT 31 /* lsm/socket_connect */
#define CORDON_HOOK_SOCKET_SENDMSG 32 /* lsm/socket_sendmsg with a destination */
#define CORDON_HOOK_SOCKET_BIND	   33 /* lsm/socket_bind */

#endif /* CORDON_EVENTS_H */
