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
 * Bytes of argv an exec record carries: the whole record stays within the 1 KiB that clang can
 * zero inline in BPF.
 */
#define CORDON_ARGS_LEN 640

/*
 * Numbering (append only): enforcement records (cgroup and LSM programs) use types 1-31 and
 * hooks 1-63; activity and denial records from tracepoints use types 32-63 and hooks 64-127.
 *
 * Each list below is an X-macro, X(NAME, number, "name"): it makes the constants CORDON_EV_NAME,
 * CORDON_HOOK_NAME and CORDON_LAYER_NAME here, and userspace's name tables (the "name" is what
 * audit records carry), so a number and its name are written once. Lists are in numeric order.
 */

/* hdr.type; the struct of each type is named in its comment */
#define CORDON_EVENT_TYPES(X)                                                                      \
	/* enforcement records (cgroup and LSM programs) */                                        \
	X(FILE, 1, "file")	 /* struct cordon_event_file */                                    \
	X(CONNECT, 2, "connect") /* struct cordon_event_connect */                                 \
	/* struct cordon_event_task: ptrace or signal of another task */                           \
	X(TASK, 3, "task")                                                                         \
	/* struct cordon_event_op: bpf, mount, userns, ioctl, socket */                            \
	X(OP, 4, "operation")                                                                      \
	/* struct cordon_event_auto: a task tagged at exec (auto_exec, issue 7) */                 \
	X(AUTO_CONFINE, 5, "auto-confine")                                                         \
	/* A connect the session's rules allowed (struct cordon_event_connect, verdict 0, */       \
	/* rule_id the allowing rule), from cgroup/connect4/6 when the session's policy records */ \
	/* connects (CORDON_SESSION_AUDIT_CONNECT). A type of its own so that no consumer */       \
	/* counting CORDON_EV_CONNECT as refusals miscounts it. sendmsg is not reported: one */    \
	/* record per datagram. (Issue 6.) */                                                      \
	X(NET_ALLOWED, 6, "connect-allowed")                                                       \
	/* struct cordon_event_unix: a refused connect/sendmsg to a pathname unix socket */        \
	X(UNIX, 7, "unix")                                                                         \
	/* struct cordon_event_auto_user: the exec of a registered executable refused because */   \
	/* the auto session holds no rules for the caller's uid yet (issue 17) */                  \
	X(AUTO_USER, 8, "auto-user")                                                               \
	/* activity and denial records from tracepoints */                                         \
	/* struct cordon_event_exec: a session task executed a program */                          \
	X(EXEC, 32, "exec")                                                                        \
	/* struct cordon_event_exit: the last thread of a process ended */                         \
	X(EXIT, 33, "exit")                                                                        \
	/* struct cordon_event_syscall: a syscall refused with EACCES/EPERM */                     \
	X(SYSCALL, 34, "syscall")                                                                  \
	/* seccomp killed the task (SIGSYS with si_code SYS_SECCOMP) instead of returning an */    \
	/* errno, e.g. for a syscall of an architecture the filter does not allow (the i386 */     \
	/* table, int $0x80). The record is a struct cordon_event_syscall: nr is the syscall */    \
	/* number in that architecture's table, arg its AUDIT_ARCH_* value */                      \
	/* (CORDON_SYSCALL_ARG), verdict -ENOSYS as a stand-in (no errno reached the task: */      \
	/* userspace reports SIGSYS), layer seccomp and not inferred: the kernel lets no */        \
	/* process send that si_code to another, and a task faking it to itself only reports */    \
	/* on itself. */                                                                           \
	X(SECCOMP_KILL, 35, "seccomp-kill")                                                        \
	/* struct cordon_event_cgroup_escape: a session task was found in a cgroup outside its */  \
	/* session's subtree (moved there by another process, or forked into it) and is killed */  \
	X(CGROUP_ESCAPE, 36, "cgroup-escape")

/* hdr.hook: the kernel hook that decided */
#define CORDON_HOOKS(X)                                                                             \
	/* enforcement hooks (cgroup and LSM programs) */                                           \
	X(FILE_OPEN, 1, "file_open") /* lsm/file_open */                                            \
	X(CONNECT4, 2, "connect4")   /* cgroup/connect4 */                                          \
	X(CONNECT6, 3, "connect6")   /* cgroup/connect6 */                                          \
	/* lsm/path_mknod: creating a file (open O_CREAT too) */                                    \
	X(PATH_MKNOD, 4, "path_mknod")                                                              \
	X(PATH_MKDIR, 5, "path_mkdir")			  /* lsm/path_mkdir */                      \
	X(PATH_SYMLINK, 6, "path_symlink")		  /* lsm/path_symlink */                    \
	X(PATH_LINK, 7, "path_link")			  /* lsm/path_link: either end */           \
	X(PATH_RENAME, 8, "path_rename")		  /* lsm/path_rename: either end */         \
	X(PATH_UNLINK, 9, "path_unlink")		  /* lsm/path_unlink */                     \
	X(PATH_RMDIR, 10, "path_rmdir")			  /* lsm/path_rmdir */                      \
	X(PATH_TRUNCATE, 11, "path_truncate")		  /* lsm/path_truncate */                   \
	X(PATH_CHMOD, 12, "path_chmod")			  /* lsm/path_chmod */                      \
	X(FILE_TRUNCATE, 13, "file_truncate")		  /* lsm/file_truncate (6.2+) */            \
	X(BPRM_CHECK, 14, "bprm_check_security")	  /* lsm/bprm_check_security */             \
	X(MMAP_FILE, 15, "mmap_file")			  /* lsm/mmap_file with PROT_EXEC */        \
	X(FILE_MPROTECT, 16, "file_mprotect")		  /* lsm/file_mprotect to PROT_EXEC */      \
	X(UNIX_STREAM_CONNECT, 17, "unix_stream_connect") /* lsm/unix_stream_connect */             \
	X(UNIX_MAY_SEND, 18, "unix_may_send")		  /* lsm/unix_may_send */                   \
	X(SOCKET_CREATE, 19, "socket_create")		  /* lsm/socket_create */                   \
	X(PTRACE, 20, "ptrace_access_check")		  /* lsm/ptrace_access_check */             \
	X(TASK_KILL, 21, "task_kill")			  /* lsm/task_kill */                       \
	X(BPF, 22, "bpf")				  /* lsm/bpf */                             \
	X(SB_MOUNT, 23, "sb_mount")			  /* lsm/sb_mount */                        \
	X(USERNS_CREATE, 24, "userns_create")		  /* lsm/userns_create */                   \
	X(FILE_IOCTL, 25, "file_ioctl")			  /* lsm/file_ioctl: TIOCSTI, TIOCLINUX */  \
	X(SENDMSG4, 26, "sendmsg4") /* cgroup/sendmsg4: UDP without connect() */                    \
	X(SENDMSG6, 27, "sendmsg6") /* cgroup/sendmsg6 */                                           \
	X(BIND4, 28, "bind4")	    /* cgroup/bind4 */                                              \
	X(BIND6, 29, "bind6")	    /* cgroup/bind6 */                                              \
	/* lsm/bprm_committed_creds: auto-confinement (issue 7) */                                  \
	X(BPRM_COMMITTED_CREDS, 30, "bprm_committed_creds")                                         \
	/* IP rules for the sockets of session tasks that no cgroup program judges (a task */       \
	/* tagged at exec before its move into the session cgroup, or a socket made outside */      \
	/* it): struct cordon_event_connect records, layer bpf_lsm. */                              \
	X(SOCKET_CONNECT, 31, "socket_connect") /* lsm/socket_connect */                            \
	X(SOCKET_SENDMSG, 32, "socket_sendmsg") /* lsm/socket_sendmsg with a destination */         \
	/* (socket_sendmsg also refuses a source route as ancillary data in any session: a */       \
	/* struct cordon_event_op record, layer bpf_lsm: cmsg level, type, index; see */            \
	/* CORDON_CMSG_UNJUDGED) */                                                                 \
	X(SOCKET_BIND, 33, "socket_bind") /* lsm/socket_bind */                                     \
	/* pathname unix sockets by path (struct cordon_event_unix) */                              \
	X(CONNECT_UNIX, 34, "connect_unix") /* cgroup sock_addr, attach type 49 (6.7+) */           \
	X(SENDMSG_UNIX, 35, "sendmsg_unix") /* cgroup sock_addr, attach type 50 (6.7+) */           \
	/* socket kinds no network rule judges (struct cordon_event_op: family, type, protocol) */  \
	X(SOCK_CREATE, 36, "sock_create") /* cgroup/sock_create (inet and inet6 sockets) */         \
	/* a listener outside the bind rules (struct cordon_event_connect: its local address): */   \
	/* tcp_listen confined it to loopback (SO_BINDTODEVICE lo: verdict 0, CONFINED; the */      \
	/* binding failed: its -errno); */                                                          \
	/* socket_listen refused it (-EACCES) */                                                    \
	X(TCP_LISTEN, 37, "tcp_listen")	      /* sockops BPF_SOCK_OPS_TCP_LISTEN_CB */              \
	X(SOCKET_LISTEN, 38, "socket_listen") /* lsm/socket_listen */                               \
	/* a packet carrying IP options or an IPv6 routing header, dropped (struct */               \
	/* cordon_event_connect: its destination) */                                                \
	X(EGRESS, 39, "cgroup_skb_egress") /* cgroup_skb/egress */                                  \
	/* IP options and IPv6 routing/option headers set through setsockopt (struct */             \
	/* cordon_event_op: level, optname) */                                                      \
	X(SOCKET_SETSOCKOPT, 49, "socket_setsockopt") /* lsm/socket_setsockopt */                   \
	/* owner, times, xattrs and ACLs of protected files (struct cordon_event_file) */           \
	X(PATH_CHOWN, 40, "path_chown")		      /* lsm/path_chown */                          \
	X(INODE_SETATTR, 41, "inode_setattr")	      /* lsm/inode_setattr: utimes, ... */          \
	X(INODE_SETXATTR, 42, "inode_setxattr")	      /* lsm/inode_setxattr */                      \
	X(INODE_REMOVEXATTR, 43, "inode_removexattr") /* lsm/inode_removexattr */                   \
	X(INODE_SET_ACL, 44, "inode_set_acl")	      /* lsm/inode_set_acl (6.2+) */                \
	X(INODE_REMOVE_ACL, 45, "inode_remove_acl")   /* lsm/inode_remove_acl (6.2+) */             \
	/* terminal injection through the 32-bit ioctl entry (struct cordon_event_op) */            \
	X(FILE_IOCTL_COMPAT, 46, "file_ioctl_compat") /* lsm/file_ioctl_compat */                   \
	/* SIGIO aimed outside the session (struct cordon_event_op; struct cordon_event_task) */    \
	X(FILE_FCNTL, 47, "file_fcntl") /* lsm/file_fcntl: F_SETOWN, F_SETSIG, ... */               \
	X(FILE_SEND_SIGIOTASK, 48, "file_send_sigiotask") /* lsm/file_send_sigiotask */             \
	/* a descriptor received from another process (SCM_RIGHTS, pidfd_getfd): its file */        \
	/* judged as if opened here (struct cordon_event_file) */                                   \
	X(FILE_RECEIVE, 50, "file_receive") /* lsm/file_receive */                                  \
	/* lsm/bprm_creds_for_exec: auto-confinement's match, and its refusal of a user */          \
	/* without resolved rules (struct cordon_event_auto_user) */                                \
	X(BPRM_CREDS_FOR_EXEC, 51, "bprm_creds_for_exec")                                           \
	/* a read or write (52) or a mapping (53) of a descriptor an auto-confined task */          \
	/* inherited across the exec that tagged it, whose file a rule denies (maps.h */            \
	/* inherited_files; struct cordon_event_file) */                                            \
	X(FILE_PERMISSION, 52, "file_permission")	  /* lsm/file_permission */                 \
	X(MMAP_FILE_INHERITED, 53, "mmap_file_inherited") /* lsm/mmap_file, any protection */       \
	/* mounts through the 5.2 mount API and unmounts (struct cordon_event_op; sb_umount: */     \
	/* the flags) */                                                                            \
	X(MOVE_MOUNT, 54, "move_mount") /* lsm/move_mount */                                        \
	X(SB_UMOUNT, 55, "sb_umount")	/* lsm/sb_umount */                                         \
	/* tracepoint hooks */                                                                      \
	X(SCHED_EXEC, 64, "sched_process_exec") /* tp_btf/sched_process_exec */                     \
	X(SCHED_EXIT, 65, "sched_process_exit") /* tp_btf/sched_process_exit */                     \
	/* CORDON_EV_SYSCALL records: tracepoint/syscalls/sys_exit_<syscall> */                     \
	X(SYS_OPENAT, 66, "sys_exit_openat")                                                        \
	X(SYS_OPEN, 67, "sys_exit_open")                                                            \
	X(SYS_OPENAT2, 68, "sys_exit_openat2")                                                      \
	X(SYS_EXECVE, 69, "sys_exit_execve")                                                        \
	X(SYS_CONNECT, 70, "sys_exit_connect")                                                      \
	X(SYS_UNSHARE, 71, "sys_exit_unshare")                                                      \
	X(SYS_MOUNT, 72, "sys_exit_mount")                                                          \
	X(SYS_SOCKET, 73, "sys_exit_socket")                                                        \
	X(SYS_BPF, 74, "sys_exit_bpf")                                                              \
	X(SYS_LINK, 75, "sys_exit_link")                                                            \
	X(SYS_LINKAT, 76, "sys_exit_linkat")                                                        \
	X(SYS_PTRACE, 77, "sys_exit_ptrace")                                                        \
	X(SYS_KILL, 78, "sys_exit_kill")                                                            \
	X(SYS_IOCTL, 79, "sys_exit_ioctl")                                                          \
	X(SYS_IO_URING_SETUP, 80, "sys_exit_io_uring_setup")                                        \
	/* tp_btf/signal_generate: CORDON_EV_SECCOMP_KILL records */                                \
	X(SECCOMP_KILL, 81, "signal_generate")                                                      \
	/* chmod family refused by the read-only view outside the write trees (EROFS) */            \
	X(SYS_CHMOD, 82, "sys_exit_chmod")                                                          \
	X(SYS_FCHMODAT, 83, "sys_exit_fchmodat")                                                    \
	X(SYS_FCHMOD, 84, "sys_exit_fchmod")                                                        \
	/* userspace: the fanotify listener's refusals (CORDON_EV_FILE records) */                  \
	X(FANOTIFY_PERM, 85, "fanotify_perm")                                                       \
	/* exec from a memory file: MFD_EXEC refused by seccomp (EPERM), a sealed non-executable */ \
	/* memfd (vm.memfd_noexec) or a file outside the exec trees refused at execveat (EACCES) */ \
	X(SYS_MEMFD_CREATE, 86, "sys_exit_memfd_create")                                            \
	X(SYS_EXECVEAT, 87, "sys_exit_execveat")                                                    \
	/* renames refused by a mount point of the view (EBUSY): a pinned .git, protected files */  \
	X(SYS_RENAME, 88, "sys_exit_rename")                                                        \
	X(SYS_RENAMEAT, 89, "sys_exit_renameat")                                                    \
	X(SYS_RENAMEAT2, 90, "sys_exit_renameat2")                                                  \
	/* bind refused by Landlock's TCP port rules (EACCES) or its unix socket creation */        \
	X(SYS_BIND, 91, "sys_exit_bind")                                                            \
	/* socket options refused by seccomp: arg is optname | level << 32 */                       \
	X(SYS_SETSOCKOPT, 92, "sys_exit_setsockopt")                                                \
	/* CORDON_EV_CGROUP_ESCAPE records */                                                       \
	X(CGROUP_ATTACH_TASK, 93, "cgroup_attach_task") /* tp_btf/cgroup_attach_task */             \
	X(SCHED_FORK, 94, "sched_process_fork")		/* tp_btf/sched_process_fork */             \
	/* userspace, at the session's end: a git hook or config the session planted in a */        \
	/* repository of a write tree, made inert (CORDON_EV_FILE records, layer git_sweep) */      \
	X(GIT_SWEEP, 95, "git_sweep")                                                               \
	/* deletes and creations refused by the view (EROFS outside the write trees, EBUSY for */   \
	/* a mount point: a protected file, the pinned .git), Landlock or a secret's mask */        \
	/* (EACCES); the record carries the path, made absolute against the dirfd of the *at() */   \
	/* calls. EPERM is BPF LSM's (path_unlink, path_mkdir, ...), which records its own. */      \
	X(SYS_UNLINK, 96, "sys_exit_unlink")                                                        \
	X(SYS_UNLINKAT, 97, "sys_exit_unlinkat")                                                    \
	X(SYS_RMDIR, 98, "sys_exit_rmdir")                                                          \
	X(SYS_MKDIR, 99, "sys_exit_mkdir")                                                          \
	X(SYS_MKDIRAT, 100, "sys_exit_mkdirat")                                                     \
	X(SYS_SYMLINK, 101, "sys_exit_symlink")                                                     \
	X(SYS_SYMLINKAT, 102, "sys_exit_symlinkat")                                                 \
	X(SYS_MKNOD, 103, "sys_exit_mknod")                                                         \
	X(SYS_MKNODAT, 104, "sys_exit_mknodat")                                                     \
	/* userspace: a protected path missing at start, which the session made by rename, */       \
	/* link or symlink, renamed to NAME.cordon-quarantined (CORDON_EV_FILE records): at once */ \
	/* by the watch (layer fanotify), or when the session ends (layer git_sweep) */             \
	X(PROTECT_QUARANTINE, 105, "protect_quarantine")                                            \
	/* userspace: a rename onto a protected .git/config, handed to the supervisor by the */     \
	/* session's seccomp filter (user notification) and refused: a key off the allowlist */     \
	/* (CORDON_EV_FILE records, layer seccomp, CORDON_EVENT_GIT_KEY) */                         \
	X(GIT_CONFIG_WRITE, 106, "git_config_write")

/* hdr.layer: the enforcement layer that decided */
#define CORDON_LAYERS(X)                                                                         \
	X(BPF_LSM, 1, "bpf_lsm")                                                                 \
	X(CGROUP_BPF, 2, "cgroup_bpf")                                                           \
	X(LANDLOCK, 3, "landlock")                                                               \
	X(SECCOMP, 4, "seccomp")                                                                 \
	/* The session's private mount namespace, whose read-only binds of protected paths */    \
	/* refuse writes with EROFS (without BPF LSM). Inferred at syscall exit like the */      \
	/* others. (Issue 6.) */                                                                 \
	X(MOUNT_NS, 5, "mount_ns")                                                               \
	/* The host tier's fanotify permission listener over the session's own mounts. */        \
	X(FANOTIFY, 6, "fanotify")                                                               \
	/* The session's cgroup boundary: a task found outside it is killed by its supervisor */ \
	X(SESSION_CGROUP, 7, "session_cgroup")                                                   \
	/* The check of the write trees when the session ends: git repositories, protected */    \
	/* paths made during the session. */                                                     \
	X(GIT_SWEEP, 8, "git_sweep")

/* The constants: enumerators, so the same list serves the BPF programs and userspace. */
#define CORDON_EV_ENUM_(name, nr, str)	  CORDON_EV_##name = nr,
#define CORDON_HOOK_ENUM_(name, nr, str)  CORDON_HOOK_##name = nr,
#define CORDON_LAYER_ENUM_(name, nr, str) CORDON_LAYER_##name = nr,
enum cordon_event_type {
	CORDON_EVENT_TYPES(CORDON_EV_ENUM_)
};
enum cordon_event_hook {
	CORDON_HOOKS(CORDON_HOOK_ENUM_)
};
enum cordon_event_layer {
	CORDON_LAYERS(CORDON_LAYER_ENUM_)
};

/* cordon_event_exec.flags */
#define CORDON_EXEC_ARGS_TRUNCATED  (1u << 0) /* argv was longer than CORDON_ARGS_LEN: cut */
#define CORDON_EXEC_ARGS_UNREADABLE (1u << 1) /* argv could not be read: args_len is 0 */

/*
 * cordon_event_hdr.flags. OBSERVED: the session observes (CORDON_SESSION_OBSERVE) and the
 * operation was let through; hdr.verdict is the -errno it would have been refused with, or 0
 * with CONFINED: what would have been done to it. CONFINED (verdict 0): the operation went
 * ahead, narrowed by cordon rather than refused (tcp_listen: the listener bound to the
 * loopback device); a record of what was done, not a refusal.
 */
#define CORDON_EVENT_OBSERVED (1u << 0)
#define CORDON_EVENT_CONFINED (1u << 1)
/*
 * A CORDON_EV_FILE record whose path[] holds a NUL-terminated path in its first
 * CORDON_GIT_KEY_OFF bytes and, from there, the git config key that decided (NUL-terminated).
 */
#define CORDON_EVENT_GIT_KEY (1u << 2)
#define CORDON_GIT_KEY_OFF   192

/* cordon_event_syscall.flags: which argument fields are filled */
#define CORDON_SYSCALL_PATH (1u << 0) /* path[] holds the pathname argument */
#define CORDON_SYSCALL_ADDR (1u << 1) /* addr/port/family hold the destination */
#define CORDON_SYSCALL_ARG  (1u << 2) /* arg holds a scalar argument */
/* dirfd holds the directory descriptor a relative path[] is resolved against (openat, ...;
 * not AT_FDCWD, which is the working directory) */
#define CORDON_SYSCALL_DIRFD (1u << 3)
/*
 * path[] is the kernel's own copy of the name (the struct filename that getname() made and
 * the syscall decided on), taken when the syscall released it: exact, whatever another thread
 * of the task wrote to its buffer meanwhile.
 */
#define CORDON_SYSCALL_EXACT (1u << 4)
/*
 * Not exact, and the task's memory at syscall exit no longer held the name or address the
 * record carries (read at sys_enter): another thread rewrote it during the syscall, and the
 * kernel may have decided on other bytes. A record without EXACT and without UNCERTAIN can still
 * name another object: a buffer changed and changed back before the exit is not seen.
 */
#define CORDON_SYSCALL_UNCERTAIN (1u << 5)
/*
 * path[] was relative and has been made absolute in the kernel, at the exit of the refused
 * call: the directory it was resolved against (the task's working directory, or dirfd's
 * directory with CORDON_SYSCALL_DIRFD), named from the task's root in its own mount namespace,
 * then "/" and the name as passed (".." and symlinks in the name are left as passed).
 */
#define CORDON_SYSCALL_RESOLVED (1u << 6)
/* path[] is relative and stays so: the absolute path would not fit in path[] (or the mounts
 * above the directory are stacked deeper than the walk's bound) */
#define CORDON_SYSCALL_DIR_TOO_LONG (1u << 7)
/* path[] is relative and stays so: the directory is not reachable from the task's root (a
 * descriptor of another mount namespace or from outside a chroot, a detached mount, a
 * descriptor closed since by another thread) */
#define CORDON_SYSCALL_DIR_UNREACHABLE (1u << 8)
/*
 * The directory a relative path[] is resolved from was another one at syscall entry: another
 * thread changed the working directory, or put another file on dirfd, during the call. The
 * kernel may have resolved the name from either; path[] (CORDON_SYSCALL_RESOLVED) names the
 * one at exit.
 */
#define CORDON_SYSCALL_DIR_CHANGED (1u << 9)
/*
 * Set by userspace, never by BPF: path[] was made absolute from /proc (the task's cwd or
 * descriptor when the record was read), because the kernel could not name the directory or the
 * producer predates CORDON_SYSCALL_RESOLVED. Racy: the task may have moved, or exited.
 */
#define CORDON_SYSCALL_RESOLVED_PROC (1u << 16)

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
	__u32 flags;		    /* CORDON_EVENT_* (was padding: zero in older producers) */
	__u8 comm[CORDON_COMM_LEN]; /* task comm, NUL-padded; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_hdr) == 72, "cordon_event_hdr layout");

/* CORDON_EV_FILE */
struct cordon_event_file {
	struct cordon_event_hdr hdr;
	__u64 ino;		    /* inode of the file */
	__u32 dev;		    /* its superblock s_dev (kernel encoding) */
	__u32 access;		    /* CORDON_ACCESS_* bits requested */
	__u8 path[CORDON_PATH_LEN]; /* d_path, NUL-terminated, may be truncated; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_file) == 72 + 16 + CORDON_PATH_LEN,
		  "cordon_event_file layout");

/* CORDON_EV_CONNECT and CORDON_EV_NET_ALLOWED */
struct cordon_event_connect {
	struct cordon_event_hdr hdr;
	__u8 addr[16]; /* destination, IPv6 or IPv4-mapped */
	__u16 port;    /* destination port, host byte order */
	__u16 family;  /* AF_INET or AF_INET6 (the socket's) */
	__u8 protocol; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 pad[3];   /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_connect) == 72 + 24, "cordon_event_connect layout");

/* Bytes of a unix socket path in records: sun_path (108) and a NUL, padded. */
#define CORDON_UNIX_EV_PATH 112

/* cordon_event_unix.reason: why a pathname unix socket was refused */
#define CORDON_UNIX_REASON_DEFAULT  1 /* no network.unix.allow entry matched (default deny) */
#define CORDON_UNIX_REASON_DENY	    2 /* a deny entry matched (hdr.rule_id names it) */
#define CORDON_UNIX_REASON_RELATIVE 3 /* a relative path: the program cannot resolve it */
#define CORDON_UNIX_REASON_NONCANON 4 /* "//", "/./", "/../", a trailing "/" or "/." */

/*
 * CORDON_EV_UNIX: a connect() or sendto()/sendmsg() to a pathname unix socket refused by its
 * path, from the cgroup unix programs (hooks CONNECT_UNIX, SENDMSG_UNIX) or the LSM socket
 * hooks (SOCKET_CONNECT, SOCKET_SENDMSG, UNIX_STREAM_CONNECT).
 */
struct cordon_event_unix {
	struct cordon_event_hdr hdr;
	__u32 reason;	 /* CORDON_UNIX_REASON_* */
	__u16 sock_type; /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET; 0 when unknown */
	__u16 path_len;	 /* bytes of path[] before its NUL */
	__u8 path[CORDON_UNIX_EV_PATH]; /* sun_path as the task passed it (not resolved), NUL-
					  * terminated; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_unix) == 72 + 8 + CORDON_UNIX_EV_PATH,
		  "cordon_event_unix layout");

/* CORDON_EV_TASK: a task in a session acting on a task outside it (ptrace, /proc/PID/mem, signals). */
struct cordon_event_task {
	struct cordon_event_hdr hdr;
	__u32 target_pid;		   /* thread group id of the target */
	__u32 detail;			   /* signal number, or the ptrace access mode */
	__u8 target_comm[CORDON_COMM_LEN]; /* agent-influenced (any process name) */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_task) == 72 + 24, "cordon_event_task layout");

/* CORDON_EV_OP: an operation refused outright; the arguments depend on hdr.hook. */
struct cordon_event_op {
	struct cordon_event_hdr hdr;
	__u64 arg0; /* bpf: cmd; ioctl: cmd; socket: family; mount: flags; unix: peer cgroup;
		       fcntl: cmd; setsockopt: level; sendmsg: cmsg level */
	__u64 arg1; /* socket: type; fcntl: arg (F_SETOWN's pid, F_SETSIG's signal);
		       setsockopt: optname; sendmsg: cmsg type */
	__u64 arg2; /* socket: protocol; sendmsg: the cmsg's index */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_op) == 72 + 24, "cordon_event_op layout");

/*
 * socket_sendmsg's refusal of ancillary data it could not judge, in cordon_event_op's arg0 and
 * arg1 (level and type): more than CORDON_CMSG_MAX headers, a header it could not read, or
 * control data still in user memory. arg2 is then the number of headers judged.
 */
#define CORDON_CMSG_UNJUDGED 0xffffffffull
#define CORDON_CMSG_MAX	     32

/*
 * CORDON_EV_AUTO_CONFINE: a task outside every session exec'd a registered executable
 * (auto_exec) and was tagged with the auto session at bprm_committed_creds, after exec's point
 * of no return and before the new program's first instruction. hdr.verdict is 0;
 * hdr.cgroup_id/session name the auto session, which the task is not yet a member of:
 * userspace moves it into that cgroup on this record.
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
 * CORDON_EV_AUTO_USER: a task outside every session exec'd a registered executable, and the
 * auto session holds no usable rules for its real or effective uid (the rules of a policy
 * depend on the user: ${HOME}, ${USER}). The exec is refused (hdr.verdict -EACCES, layer
 * bpf_lsm) rather than run with no rules or another user's: the daemon resolves @auto_uid on
 * this record (NSS: getpwuid(), so SSSD and LDAP accounts too) and the next exec goes ahead.
 * With CORDON_EVENT_AUTO_USER_FAILED the daemon already tried and could not resolve it (no
 * such user, no home, rules that did not fit the maps): refused until a resolution succeeds.
 * hdr.cgroup_id/session name the auto session; hdr.uid is the real uid.
 */
#define CORDON_EVENT_AUTO_USER_FAILED (1u << 3)

struct cordon_event_auto_user {
	struct cordon_event_hdr hdr; /* pid: the process whose exec was refused */
	__u64 ino;		     /* inode of the registered file that matched */
	__u32 dev;		     /* its superblock s_dev (kernel encoding) */
	__u32 ppid;		     /* parent's thread group id */
	__u32 auto_uid;		     /* the uid without usable rules: the real uid, else the
				      * effective one */
	__u32 euid;		     /* the caller's effective uid */
	__u8 path[CORDON_PATH_LEN];  /* the file name given to exec (as passed), NUL-terminated,
				      * may be cut */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_auto_user) == 72 + 24 + CORDON_PATH_LEN,
		  "cordon_event_auto_user layout");

/*
 * Activity and denial records from tracepoints (types 32-63, hooks 64-127). They need no BPF
 * LSM: exec and exit come from the scheduler's BTF tracepoints, and refusals by Landlock and
 * seccomp are seen as EACCES/EPERM results at per-syscall exit tracepoints of session tasks.
 */

/* CORDON_EV_EXEC */
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

/* CORDON_EV_EXIT */
struct cordon_event_exit {
	struct cordon_event_hdr hdr; /* pid/tid: the last thread of the process to exit */
	__u32 ppid;		     /* parent's thread group id */
	__u32 exit_code;	     /* wait status: exit status << 8 | terminating signal */
	__u64 start_ns;		     /* process start, CLOCK_BOOTTIME ns (duration = ts - start) */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_exit) == 72 + 16, "cordon_event_exit layout");

/*
 * CORDON_EV_SYSCALL (and CORDON_EV_SECCOMP_KILL, see its entry above). hdr.verdict is the
 * syscall's result (-EACCES or -EPERM) and hdr.layer the layer that returns that errno for that
 * syscall under a cordon policy (Landlock: EACCES on paths and TCP; seccomp: EPERM on the
 * syscalls it filters). The tracepoint sees the result, not who produced it: file permissions
 * give EACCES too. Userspace reports the layer as inferred.
 */
struct cordon_event_syscall {
	struct cordon_event_hdr hdr;
	__u32 nr;      /* syscall number (x86_64) */
	__u32 flags;   /* CORDON_SYSCALL_* */
	__u64 arg;     /* open flags, unshare/mount flags, socket family, bpf command */
	__u8 addr[16]; /* connect: destination, IPv6 or IPv4-mapped */
	__u16 port;    /* connect: destination port, host byte order */
	__u16 family;  /* connect: the address family the task passed */
	__s32 dirfd;   /* CORDON_SYSCALL_DIRFD: the *at() call's directory descriptor (was zero
			* padding) */
	__u8 path[CORDON_PATH_LEN]; /* pathname as the task passed it (may be relative or cut;
				     * CORDON_SYSCALL_RESOLVED: made absolute by the kernel):
				     * the kernel's copy (CORDON_SYSCALL_EXACT), else read from
				     * its memory at syscall entry; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_syscall) == 72 + 40 + CORDON_PATH_LEN,
		  "cordon_event_syscall layout");

/* cordon_event_cgroup_escape.flags */
#define CORDON_ESCAPE_THREADGROUP (1u << 0) /* the whole thread group moved (cgroup.procs) */
#define CORDON_ESCAPE_FORK	  (1u << 1) /* forked into the cgroup (clone3 CLONE_INTO_CGROUP) */
/* SIGKILL queued in the kernel at the move itself (bpf_send_signal_task, kernel 6.13+) */
#define CORDON_ESCAPE_KILLED_BPF (1u << 2)
/* Set by the supervisor on its copy of the record, never by BPF: */
#define CORDON_ESCAPE_KILLED (1u << 8) /* SIGKILL was sent through a pidfd of the process */
#define CORDON_ESCAPE_GONE   (1u << 9) /* the process had exited (or its pid was reused) */

/*
 * CORDON_EV_CGROUP_ESCAPE: a task of a session is in a cgroup outside the session's cgroup
 * subtree, where the session's cgroup programs (connect, sendmsg, bind, egress, sockops) and
 * limits no longer apply to it. hdr.pid/tid/uid/comm name the moved task (not the mover:
 * current is whoever wrote cgroup.procs, e.g. systemd), hdr.cgroup_id/session the session it
 * belongs to, hdr.verdict -EPERM. Where the kernel lets BPF signal another task (6.13+) the
 * process is killed at the move (CORDON_ESCAPE_KILLED_BPF); else the supervisor kills it through
 * a pidfd after checking start_ns, so a recycled pid is never hit, and reports it in flags.
 */
struct cordon_event_cgroup_escape {
	struct cordon_event_hdr hdr;
	__u64 dst_cgroup_id;		  /* the destination cgroup (cgroup v2 id) */
	__u64 start_ns;			  /* the process's start, CLOCK_BOOTTIME ns */
	__u32 mover_pid;		  /* thread group id of the task that moved it */
	__u32 flags;			  /* CORDON_ESCAPE_* */
	__u8 mover_comm[CORDON_COMM_LEN]; /* the mover's comm */
	__u8 path[CORDON_PATH_LEN];	  /* the destination's path in the mover's cgroup
					    * namespace, NUL-terminated, may be cut (empty
					    * for a fork) */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_cgroup_escape) ==
			  72 + 24 + CORDON_COMM_LEN + CORDON_PATH_LEN,
		  "cordon_event_cgroup_escape layout");

#endif /* CORDON_EVENTS_H */
