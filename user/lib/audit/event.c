// SPDX-License-Identifier: GPL-2.0-only
/* Validation and naming of ring-buffer records. */
#include <errno.h>
#include <string.h>

#include "sys/sys.h"
#include "audit/audit.h"

size_t cordon_event_min_size(unsigned int type)
{
	switch (type) {
	case CORDON_EV_FILE:
		return sizeof(struct cordon_event_file);
	case CORDON_EV_CONNECT:
	case CORDON_EV_NET_ALLOWED:
		return sizeof(struct cordon_event_connect);
	case CORDON_EV_TASK:
		return sizeof(struct cordon_event_task);
	case CORDON_EV_OP:
		return sizeof(struct cordon_event_op);
	case CORDON_EV_EXEC:
		return sizeof(struct cordon_event_exec);
	case CORDON_EV_EXIT:
		return sizeof(struct cordon_event_exit);
	case CORDON_EV_SYSCALL:
	case CORDON_EV_SECCOMP_KILL:
		return sizeof(struct cordon_event_syscall);
	case CORDON_EV_AUTO_CONFINE:
		return sizeof(struct cordon_event_auto);
	default:
		return 0;
	}
}

int cordon_event_check(const void *data, size_t size)
{
	struct cordon_event_hdr h;
	size_t min;

	if (!data || size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, data, sizeof(h));
	if (h.size < sizeof(h) || h.size > size)
		return -EBADMSG;
	min = cordon_event_min_size(h.type);
	if (!min)
		return -EOPNOTSUPP;
	if (h.size < min)
		return -EBADMSG;
	return h.type;
}

static const char *const type_names[] = {
	[CORDON_EV_FILE] = "file",
	[CORDON_EV_CONNECT] = "connect",
	[CORDON_EV_TASK] = "task",
	[CORDON_EV_OP] = "operation",
	[CORDON_EV_EXEC] = "exec",
	[CORDON_EV_EXIT] = "exit",
	[CORDON_EV_SYSCALL] = "syscall",
	[CORDON_EV_NET_ALLOWED] = "connect-allowed",
	[CORDON_EV_SECCOMP_KILL] = "seccomp-kill",
	[CORDON_EV_AUTO_CONFINE] = "auto-confine",
};

static const char *const hook_names[] = {
	[CORDON_HOOK_FILE_OPEN] = "file_open",
	[CORDON_HOOK_CONNECT4] = "connect4",
	[CORDON_HOOK_CONNECT6] = "connect6",
	[CORDON_HOOK_PATH_MKNOD] = "path_mknod",
	[CORDON_HOOK_PATH_MKDIR] = "path_mkdir",
	[CORDON_HOOK_PATH_SYMLINK] = "path_symlink",
	[CORDON_HOOK_PATH_LINK] = "path_link",
	[CORDON_HOOK_PATH_RENAME] = "path_rename",
	[CORDON_HOOK_PATH_UNLINK] = "path_unlink",
	[CORDON_HOOK_PATH_RMDIR] = "path_rmdir",
	[CORDON_HOOK_PATH_TRUNCATE] = "path_truncate",
	[CORDON_HOOK_PATH_CHMOD] = "path_chmod",
	[CORDON_HOOK_FILE_TRUNCATE] = "file_truncate",
	[CORDON_HOOK_BPRM_CHECK] = "bprm_check_security",
	[CORDON_HOOK_MMAP_FILE] = "mmap_file",
	[CORDON_HOOK_FILE_MPROTECT] = "file_mprotect",
	[CORDON_HOOK_UNIX_STREAM_CONNECT] = "unix_stream_connect",
	[CORDON_HOOK_UNIX_MAY_SEND] = "unix_may_send",
	[CORDON_HOOK_SOCKET_CREATE] = "socket_create",
	[CORDON_HOOK_PTRACE] = "ptrace_access_check",
	[CORDON_HOOK_TASK_KILL] = "task_kill",
	[CORDON_HOOK_BPF] = "bpf",
	[CORDON_HOOK_SB_MOUNT] = "sb_mount",
	[CORDON_HOOK_USERNS_CREATE] = "userns_create",
	[CORDON_HOOK_FILE_IOCTL] = "file_ioctl",
	[CORDON_HOOK_SCHED_EXEC] = "sched_process_exec",
	[CORDON_HOOK_SCHED_EXIT] = "sched_process_exit",
	[CORDON_HOOK_SYS_OPENAT] = "sys_exit_openat",
	[CORDON_HOOK_SYS_OPEN] = "sys_exit_open",
	[CORDON_HOOK_SYS_OPENAT2] = "sys_exit_openat2",
	[CORDON_HOOK_SYS_EXECVE] = "sys_exit_execve",
	[CORDON_HOOK_SYS_CONNECT] = "sys_exit_connect",
	[CORDON_HOOK_SYS_UNSHARE] = "sys_exit_unshare",
	[CORDON_HOOK_SYS_MOUNT] = "sys_exit_mount",
	[CORDON_HOOK_SYS_SOCKET] = "sys_exit_socket",
	[CORDON_HOOK_SYS_BPF] = "sys_exit_bpf",
	[CORDON_HOOK_SENDMSG4] = "sendmsg4",
	[CORDON_HOOK_SENDMSG6] = "sendmsg6",
	[CORDON_HOOK_BIND4] = "bind4",
	[CORDON_HOOK_BIND6] = "bind6",
	[CORDON_HOOK_SYS_LINK] = "sys_exit_link",
	[CORDON_HOOK_SYS_LINKAT] = "sys_exit_linkat",
	[CORDON_HOOK_SYS_PTRACE] = "sys_exit_ptrace",
	[CORDON_HOOK_SYS_KILL] = "sys_exit_kill",
	[CORDON_HOOK_SYS_IOCTL] = "sys_exit_ioctl",
	[CORDON_HOOK_SYS_IO_URING_SETUP] = "sys_exit_io_uring_setup",
	[CORDON_HOOK_SECCOMP_KILL] = "signal_generate",
	[CORDON_HOOK_BPRM_COMMITTED_CREDS] = "bprm_committed_creds",
	[CORDON_HOOK_SOCKET_CONNECT] = "socket_connect",
	[CORDON_HOOK_SOCKET_SENDMSG] = "socket_sendmsg",
	[CORDON_HOOK_SOCKET_BIND] = "socket_bind",
};

static const char *const layer_names[] = {
	[CORDON_LAYER_BPF_LSM] = "bpf_lsm",   [CORDON_LAYER_CGROUP_BPF] = "cgroup_bpf",
	[CORDON_LAYER_LANDLOCK] = "landlock", [CORDON_LAYER_SECCOMP] = "seccomp",
	[CORDON_LAYER_MOUNT_NS] = "mount_ns",
};

#define NAME(table, i) ((i) < ARRAY_SIZE(table) && (table)[i] ? (table)[i] : "unknown")

const char *cordon_event_type_name(unsigned int type)
{
	return NAME(type_names, type);
}

const char *cordon_event_hook_name(unsigned int hook)
{
	return NAME(hook_names, hook);
}

const char *cordon_event_layer_name(unsigned int layer)
{
	return NAME(layer_names, layer);
}

void cordon_event_str(char *out, size_t outlen, const __u8 *in, size_t inlen)
{
	size_t n = strnlen((const char *)in, inlen);

	if (!outlen)
		return;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}
