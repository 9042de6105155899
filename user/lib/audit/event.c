// SPDX-License-Identifier: GPL-2.0-only
/*
 * The description of every ring-buffer record type (its size, how it is reported, its fields)
 * that validation and the JSON writer walk, and the names of types, hooks and layers, made
 * from bpf/events.h's lists.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sys/sys.h"
#include "audit/audit.h"

#define NAME_ENTRY(name, nr, str) [(nr)] = (str),

/* A number listed twice in events.h is a -Woverride-init error here. */
static const char *const type_names[] = { CORDON_EVENT_TYPES(NAME_ENTRY) };
static const char *const hook_names[] = { CORDON_HOOKS(NAME_ENTRY) };
static const char *const layer_names[] = { CORDON_LAYERS(NAME_ENTRY) };

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

/* ---- the fields of each type ------------------------------------------------------------ */

/* A field @m of struct cordon_event_@st: its offset and size. */
#define AT(st, m)                                     \
	.off = offsetof(struct cordon_event_##st, m), \
	.len = sizeof(((struct cordon_event_##st *)0)->m)
#define OFF(st, m) offsetof(struct cordon_event_##st, m)
/* Present only when the __u32 flags word @m has @bit. */
#define WHEN(st, m, bit) .when_off = OFF(st, m), .when_bit = (bit)
/* The key, and as the writer puts it: ,"key": */
/* The key is pasted into string literals, so it cannot be parenthesised. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define FIELD(o, k, kind_)               \
	.obj = CORDON_OBJ_##o, .key = k, \
	.json = ",\"" k "\":", .json_len = sizeof(",\"" k "\":") - 1, .kind = CORDON_FIELD_##kind_
/* NOLINTEND(bugprone-macro-parentheses) */

static const struct cordon_event_field file_fields[] = {
	{ FIELD(CORDON, "secret", SECRET) },
	{ FIELD(CORDON, "access", ACCESS), AT(file, access) },
	/* a refused write of a protected git config: the key that decided */
	{ FIELD(CORDON, "git_key", STR), .off = OFF(file, path) + CORDON_GIT_KEY_OFF,
	  .len = CORDON_PATH_LEN - CORDON_GIT_KEY_OFF,
	  WHEN(file, hdr.flags, CORDON_EVENT_GIT_KEY) },
	{ FIELD(FILE, "inode", I64), AT(file, ino) },
	{ FIELD(FILE, "path", STR), AT(file, path) },
};

static const struct cordon_event_field connect_fields[] = {
	{ FIELD(TOP, "destination", ADDR), AT(connect, addr), .aux = OFF(connect, port),
	  .aux2 = OFF(connect, protocol) },
};

static const struct cordon_event_field unix_fields[] = {
	{ FIELD(CORDON, "unix_reason", U32), AT(unix, reason) },
	{ FIELD(CORDON, "socket_type", U16), AT(unix, sock_type) },
	{ FIELD(FILE, "path", STR), AT(unix, path) },
};

static const struct cordon_event_field task_fields[] = {
	{ FIELD(TARGET, "pid", U32), AT(task, target_pid) },
	{ FIELD(TARGET, "name", STR), AT(task, target_comm) },
	{ FIELD(CORDON, "detail", U32), AT(task, detail) },
};

static const struct cordon_event_field op_fields[] = {
	/* arg0, arg1, arg2 */
	{ FIELD(CORDON, "args", I64S), .off = OFF(op, arg0), .len = 3 * sizeof(__u64) },
	/* socket_create: family, type, protocol (the same arguments, named) */
	{ FIELD(CORDON, "socket", SOCKET), .off = OFF(op, arg0), .aux = OFF(op, arg1),
	  .aux2 = OFF(op, arg2), .arg = CORDON_HOOK_SOCKET_CREATE },
};

static const struct cordon_event_field auto_fields[] = {
	{ FIELD(PROCESS, "ppid", U32), AT(auto, ppid) },
	{ FIELD(PROCESS, "executable", STR), AT(auto, path) },
	{ FIELD(FILE, "inode", I64), AT(auto, ino) },
};

static const struct cordon_event_field auto_user_fields[] = {
	{ FIELD(CORDON, "auto_uid", U32), AT(auto_user, auto_uid) },
	{ FIELD(CORDON, "auto_user_failed", BOOL), AT(auto_user, hdr.flags),
	  .arg = CORDON_EVENT_AUTO_USER_FAILED },
	{ FIELD(CORDON, "euid", U32), AT(auto_user, euid) },
	{ FIELD(PROCESS, "ppid", U32), AT(auto_user, ppid) },
	{ FIELD(PROCESS, "executable", STR), AT(auto_user, path) },
	{ FIELD(FILE, "inode", I64), AT(auto_user, ino) },
};

static const struct cordon_event_field exec_fields[] = {
	{ FIELD(CORDON, "args_truncated", BOOL), AT(exec, flags),
	  .arg = CORDON_EXEC_ARGS_TRUNCATED },
	{ FIELD(CORDON, "args_unreadable", TRUE), WHEN(exec, flags, CORDON_EXEC_ARGS_UNREADABLE) },
	{ FIELD(CORDON, "exec_tid", TID), AT(exec, old_pid) },
	{ FIELD(PROCESS, "ppid", U32), AT(exec, ppid) },
	{ FIELD(PROCESS, "executable", STR), AT(exec, filename) },
	{ FIELD(PROCESS, "args", ARGV), AT(exec, args), .aux = OFF(exec, args_len) },
	{ FIELD(PROCESS, "args_count", U32), AT(exec, argc) },
	{ FIELD(PROCESS, "command_line", CMDLINE), AT(exec, args), .aux = OFF(exec, args_len) },
	{ FIELD(USER, "effective", ID), AT(exec, euid) },
};

static const struct cordon_event_field exit_fields[] = {
	{ FIELD(EVENT, "duration", DURATION), AT(exit, start_ns) },
	{ FIELD(CORDON, "signal", SIGNAL), AT(exit, exit_code) },
	{ FIELD(PROCESS, "ppid", U32), AT(exit, ppid) },
	{ FIELD(PROCESS, "exit_code", EXIT_CODE), AT(exit, exit_code) },
};

static const struct cordon_event_field syscall_fields[] = {
	{ FIELD(CORDON, "syscall", U32), AT(syscall, nr) },
	{ FIELD(CORDON, "layer_inferred", TRUE) },
	{ FIELD(CORDON, "family", U16), AT(syscall, family),
	  WHEN(syscall, flags, CORDON_SYSCALL_ADDR) },
	{ FIELD(CORDON, "arg", I64), AT(syscall, arg), WHEN(syscall, flags, CORDON_SYSCALL_ARG) },
	/* socket(): the exit tracepoint records the family only */
	{ FIELD(CORDON, "socket", SOCKET), AT(syscall, arg),
	  WHEN(syscall, flags, CORDON_SYSCALL_ARG), .arg = CORDON_HOOK_SYS_SOCKET },
	/* the path is the kernel's own copy; or the task's memory changed during the syscall */
	{ FIELD(CORDON, "arg_exact", TRUE), WHEN(syscall, flags, CORDON_SYSCALL_EXACT) },
	{ FIELD(CORDON, "arg_uncertain", TRUE), WHEN(syscall, flags, CORDON_SYSCALL_UNCERTAIN) },
	/* a relative path made absolute: by the kernel at the call, or later from /proc; or why
	 * the kernel could not name its directory */
	{ FIELD(CORDON, "dir_kernel", TRUE), WHEN(syscall, flags, CORDON_SYSCALL_RESOLVED) },
	{ FIELD(CORDON, "dir_proc", TRUE), WHEN(syscall, flags, CORDON_SYSCALL_RESOLVED_PROC) },
	{ FIELD(CORDON, "dir_too_long", TRUE), WHEN(syscall, flags, CORDON_SYSCALL_DIR_TOO_LONG) },
	{ FIELD(CORDON, "dir_unreachable", TRUE),
	  WHEN(syscall, flags, CORDON_SYSCALL_DIR_UNREACHABLE) },
	{ FIELD(CORDON, "dir_changed", TRUE), WHEN(syscall, flags, CORDON_SYSCALL_DIR_CHANGED) },
	{ FIELD(FILE, "path", STR), AT(syscall, path), WHEN(syscall, flags, CORDON_SYSCALL_PATH) },
	{ FIELD(TOP, "destination", ADDR_TCP), AT(syscall, addr), .aux = OFF(syscall, port),
	  .aux2 = OFF(syscall, family), WHEN(syscall, flags, CORDON_SYSCALL_ADDR) },
};

/* Seen as seccomp's own signal, not inferred; no errno reached the task (error.code SIGSYS). */
static const struct cordon_event_field seccomp_kill_fields[] = {
	{ FIELD(CORDON, "syscall", U32), AT(syscall, nr) },
	{ FIELD(CORDON, "layer_inferred", FALSE) },
	{ FIELD(CORDON, "arg", I64), AT(syscall, arg) },
	{ FIELD(CORDON, "signal", CONST), .arg = SIGSYS },
};

/*
 * A session task outside its session's cgroup subtree: where it went, who moved it, and what
 * its supervisor did (the flags it set on its copy of the record).
 */
static const struct cordon_event_field cgroup_escape_fields[] = {
	{ FIELD(CORDON, "cgroup_path", STR), AT(cgroup_escape, path) },
	{ FIELD(CORDON, "cgroup_id", I64), AT(cgroup_escape, dst_cgroup_id) },
	{ FIELD(CORDON, "mover_pid", U32), AT(cgroup_escape, mover_pid) },
	{ FIELD(CORDON, "mover_name", STR), AT(cgroup_escape, mover_comm) },
	{ FIELD(CORDON, "threadgroup", BOOL), AT(cgroup_escape, flags),
	  .arg = CORDON_ESCAPE_THREADGROUP },
	{ FIELD(CORDON, "forked", TRUE), WHEN(cgroup_escape, flags, CORDON_ESCAPE_FORK) },
	{ FIELD(CORDON, "killed", BOOL), AT(cgroup_escape, flags),
	  .arg = CORDON_ESCAPE_KILLED | CORDON_ESCAPE_KILLED_BPF },
	{ FIELD(CORDON, "killed_in_kernel", TRUE),
	  WHEN(cgroup_escape, flags, CORDON_ESCAPE_KILLED_BPF) },
	{ FIELD(CORDON, "exited", TRUE), WHEN(cgroup_escape, flags, CORDON_ESCAPE_GONE) },
};

/* ---- event.action and event.category of the types reported by hook --------------------- */

static const struct cordon_hook_class file_by_hook[] = {
	[CORDON_HOOK_FILE_OPEN] = { .action = "file-open" },
	[CORDON_HOOK_FANOTIFY_PERM] = { .action = "file-open" },
	[CORDON_HOOK_GIT_SWEEP] = { .action = "git-neutralize" },
	[CORDON_HOOK_PROTECT_QUARANTINE] = { .action = "protect-quarantine" },
	[CORDON_HOOK_GIT_CONFIG_WRITE] = { .action = "git-config-write" },
	[CORDON_HOOK_PATH_MKNOD] = { .action = "file-create" },
	[CORDON_HOOK_PATH_MKDIR] = { .action = "file-mkdir" },
	[CORDON_HOOK_PATH_SYMLINK] = { .action = "file-symlink" },
	[CORDON_HOOK_PATH_LINK] = { .action = "file-link" },
	[CORDON_HOOK_PATH_RENAME] = { .action = "file-rename" },
	[CORDON_HOOK_PATH_UNLINK] = { .action = "file-unlink" },
	[CORDON_HOOK_PATH_RMDIR] = { .action = "file-rmdir" },
	[CORDON_HOOK_PATH_TRUNCATE] = { .action = "file-truncate" },
	[CORDON_HOOK_FILE_TRUNCATE] = { .action = "file-truncate" },
	[CORDON_HOOK_FILE_RECEIVE] = { .action = "file-receive" },
	[CORDON_HOOK_FILE_PERMISSION] = { .action = "file-inherit" },
	[CORDON_HOOK_MMAP_FILE_INHERITED] = { .action = "file-inherit" },
	[CORDON_HOOK_PATH_CHMOD] = { .action = "file-chmod" },
	[CORDON_HOOK_PATH_CHOWN] = { .action = "file-chown" },
	[CORDON_HOOK_INODE_SETATTR] = { .action = "file-setattr" },
	[CORDON_HOOK_INODE_SETXATTR] = { .action = "file-setxattr" },
	[CORDON_HOOK_INODE_REMOVEXATTR] = { .action = "file-removexattr" },
	[CORDON_HOOK_INODE_SET_ACL] = { .action = "file-set-acl" },
	[CORDON_HOOK_INODE_REMOVE_ACL] = { .action = "file-remove-acl" },
	[CORDON_HOOK_BPRM_CHECK] = { .action = "file-exec" },
	[CORDON_HOOK_MMAP_FILE] = { .action = "file-map-exec" },
	[CORDON_HOOK_FILE_MPROTECT] = { .action = "file-map-exec" },
	/* A denied pathname unix socket (its inode's rule): docker.sock, the SSH agent. */
	[CORDON_HOOK_UNIX_STREAM_CONNECT] = { .action = "unix-connect" },
	[CORDON_HOOK_UNIX_MAY_SEND] = { .action = "unix-send" },
};

/* A pathname unix socket refused by its path (default deny or a deny entry). */
static const struct cordon_hook_class unix_by_hook[] = {
	[CORDON_HOOK_CONNECT_UNIX] = { .action = "unix-connect" },
	[CORDON_HOOK_SOCKET_CONNECT] = { .action = "unix-connect" },
	[CORDON_HOOK_UNIX_STREAM_CONNECT] = { .action = "unix-connect" },
	[CORDON_HOOK_SENDMSG_UNIX] = { .action = "unix-send" },
	[CORDON_HOOK_SOCKET_SENDMSG] = { .action = "unix-send" },
};

/* Records of the connect layout that are no connect: a bind (the address is the one the
 * task asked to listen on), a listener, a source-routed packet. */
static const struct cordon_hook_class connect_by_hook[] = {
	[CORDON_HOOK_BIND4] = { .action = "bind" },
	[CORDON_HOOK_BIND6] = { .action = "bind" },
	[CORDON_HOOK_SOCKET_BIND] = { .action = "bind" },
	[CORDON_HOOK_TCP_LISTEN] = { .action = "listen" },
	[CORDON_HOOK_SOCKET_LISTEN] = { .action = "listen" },
	[CORDON_HOOK_EGRESS] = { .action = "source-route" },
};

static const struct cordon_hook_class task_by_hook[] = {
	[CORDON_HOOK_TASK_KILL] = { .action = "process-signal" },
	[CORDON_HOOK_FILE_SEND_SIGIOTASK] = { .action = "process-signal" },
};

/* The action of an operation record is its hook's name. */
static const struct cordon_hook_class op_by_hook[] = {
	[CORDON_HOOK_SOCKET_CREATE] = { NULL, "network" },
	[CORDON_HOOK_SOCK_CREATE] = { NULL, "network" },
	[CORDON_HOOK_SOCKET_SETSOCKOPT] = { NULL, "network" },
	/* A source route as ancillary data (issue 17); its other records are connect ones. */
	[CORDON_HOOK_SOCKET_SENDMSG] = { NULL, "network" },
};

static const struct cordon_hook_class syscall_by_hook[] = {
	[CORDON_HOOK_SYS_OPENAT] = { "syscall-openat", "file" },
	[CORDON_HOOK_SYS_OPEN] = { "syscall-open", "file" },
	[CORDON_HOOK_SYS_OPENAT2] = { "syscall-openat2", "file" },
	[CORDON_HOOK_SYS_EXECVE] = { "syscall-execve", "process" },
	[CORDON_HOOK_SYS_CONNECT] = { "syscall-connect", "network" },
	[CORDON_HOOK_SYS_UNSHARE] = { "syscall-unshare", "process" },
	[CORDON_HOOK_SYS_MOUNT] = { "syscall-mount", "host" },
	[CORDON_HOOK_SYS_SOCKET] = { "syscall-socket", "network" },
	[CORDON_HOOK_SYS_BPF] = { "syscall-bpf", "host" },
	[CORDON_HOOK_SYS_LINK] = { "syscall-link", "file" },
	[CORDON_HOOK_SYS_LINKAT] = { "syscall-linkat", "file" },
	[CORDON_HOOK_SYS_PTRACE] = { "syscall-ptrace", "process" },
	[CORDON_HOOK_SYS_KILL] = { "syscall-kill", "process" },
	[CORDON_HOOK_SYS_IOCTL] = { "syscall-ioctl", "host" },
	[CORDON_HOOK_SYS_IO_URING_SETUP] = { "syscall-io_uring_setup", "host" },
	[CORDON_HOOK_SECCOMP_KILL] = { "seccomp-kill", "process" },
	[CORDON_HOOK_SYS_CHMOD] = { "syscall-chmod", "file" },
	[CORDON_HOOK_SYS_FCHMODAT] = { "syscall-fchmodat", "file" },
	[CORDON_HOOK_SYS_FCHMOD] = { "syscall-fchmod", "file" },
	[CORDON_HOOK_SYS_MEMFD_CREATE] = { "syscall-memfd_create", "process" },
	[CORDON_HOOK_SYS_EXECVEAT] = { "syscall-execveat", "process" },
	[CORDON_HOOK_SYS_RENAME] = { "syscall-rename", "file" },
	[CORDON_HOOK_SYS_RENAMEAT] = { "syscall-renameat", "file" },
	[CORDON_HOOK_SYS_RENAMEAT2] = { "syscall-renameat2", "file" },
	[CORDON_HOOK_SYS_BIND] = { "syscall-bind", "network" },
	[CORDON_HOOK_SYS_SETSOCKOPT] = { "syscall-setsockopt", "network" },
	[CORDON_HOOK_SYS_UNLINK] = { "syscall-unlink", "file" },
	[CORDON_HOOK_SYS_UNLINKAT] = { "syscall-unlinkat", "file" },
	[CORDON_HOOK_SYS_RMDIR] = { "syscall-rmdir", "file" },
	[CORDON_HOOK_SYS_MKDIR] = { "syscall-mkdir", "file" },
	[CORDON_HOOK_SYS_MKDIRAT] = { "syscall-mkdirat", "file" },
	[CORDON_HOOK_SYS_SYMLINK] = { "syscall-symlink", "file" },
	[CORDON_HOOK_SYS_SYMLINKAT] = { "syscall-symlinkat", "file" },
	[CORDON_HOOK_SYS_MKNOD] = { "syscall-mknod", "file" },
	[CORDON_HOOK_SYS_MKNODAT] = { "syscall-mknodat", "file" },
};

/* ---- the types --------------------------------------------------------------------------- */

#define FIELDS(a)  .fields = (a), .n_fields = ARRAY_SIZE(a)
#define BY_HOOK(a) .by_hook = (a), .n_by_hook = ARRAY_SIZE(a)

static const struct cordon_event_desc descs[] = {
	[CORDON_EV_FILE] = { .size = sizeof(struct cordon_event_file),
			     .action = "file-access",
			     .category = "file",
			     BY_HOOK(file_by_hook),
			     FIELDS(file_fields) },
	[CORDON_EV_CONNECT] = { .size = sizeof(struct cordon_event_connect),
				.action = "connect",
				.category = "network",
				BY_HOOK(connect_by_hook),
				FIELDS(connect_fields) },
	[CORDON_EV_TASK] = { .size = sizeof(struct cordon_event_task),
			     .action = "process-ptrace",
			     .category = "process",
			     BY_HOOK(task_by_hook),
			     FIELDS(task_fields) },
	[CORDON_EV_OP] = { .size = sizeof(struct cordon_event_op),
			   .action = NULL,
			   .category = "host",
			   BY_HOOK(op_by_hook),
			   FIELDS(op_fields) },
	[CORDON_EV_AUTO_CONFINE] = { .size = sizeof(struct cordon_event_auto),
				     .action = "auto-confine",
				     .category = "process",
				     .etype = "info",
				     FIELDS(auto_fields) },
	/* an exec refused until the daemon resolved the user's rules */
	[CORDON_EV_AUTO_USER] = { .size = sizeof(struct cordon_event_auto_user),
				  .action = "auto-user",
				  .category = "process",
				  FIELDS(auto_user_fields) },
	/* verdict 0: event.type "allowed" */
	[CORDON_EV_NET_ALLOWED] = { .size = sizeof(struct cordon_event_connect),
				    .action = "connect",
				    .category = "network",
				    FIELDS(connect_fields) },
	[CORDON_EV_UNIX] = { .size = sizeof(struct cordon_event_unix),
			     .action = "unix-connect",
			     .category = "network",
			     BY_HOOK(unix_by_hook),
			     FIELDS(unix_fields) },
	[CORDON_EV_EXEC] = { .size = sizeof(struct cordon_event_exec),
			     .action = "process-exec",
			     .category = "process",
			     .etype = "start",
			     FIELDS(exec_fields) },
	[CORDON_EV_EXIT] = { .size = sizeof(struct cordon_event_exit),
			     .action = "process-exit",
			     .category = "process",
			     .etype = "end",
			     FIELDS(exit_fields) },
	[CORDON_EV_SYSCALL] = { .size = sizeof(struct cordon_event_syscall),
				.action = "syscall",
				.category = "process",
				BY_HOOK(syscall_by_hook),
				FIELDS(syscall_fields) },
	[CORDON_EV_SECCOMP_KILL] = { .size = sizeof(struct cordon_event_syscall),
				     .action = "syscall",
				     .category = "process",
				     .error = "SIGSYS",
				     BY_HOOK(syscall_by_hook),
				     FIELDS(seccomp_kill_fields) },
	[CORDON_EV_CGROUP_ESCAPE] = { .size = sizeof(struct cordon_event_cgroup_escape),
				      .action = "cgroup-escape",
				      .category = "process",
				      FIELDS(cgroup_escape_fields) },
};

const struct cordon_event_desc *cordon_event_desc(unsigned int type)
{
	return type < ARRAY_SIZE(descs) && descs[type].size ? &descs[type] : NULL;
}

size_t cordon_event_min_size(unsigned int type)
{
	const struct cordon_event_desc *d = cordon_event_desc(type);

	return d ? d->size : 0;
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

const char *cordon_audit_classify(const struct cordon_event_hdr *h, int type, const char **category,
				  const char **etype)
{
	const struct cordon_event_desc *d = cordon_event_desc((unsigned int)type);
	const struct cordon_hook_class *k = NULL;
	const char *action;

	*category = NULL;
	*etype = NULL;
	if (!d)
		return NULL;
	if (h->hook < d->n_by_hook)
		k = &d->by_hook[h->hook];
	action = k && k->action ? k->action : d->action;
	*category = k && k->category ? k->category : d->category;
	*etype = d->etype ? d->etype : h->verdict ? "denied" : "allowed";
	/* A listener whose binding to loopback failed was not refused: it listens unconfined. */
	if (type == CORDON_EV_CONNECT && h->hook == CORDON_HOOK_TCP_LISTEN && h->verdict)
		*etype = "error";
	return action ? action : cordon_event_hook_name(h->hook);
}

/* Families by number (linux/socket.h); a gap is a number with no family. */
static const char *const families[] = {
	"AF_UNSPEC",	 "AF_UNIX",	 "AF_INET",	"AF_AX25",  "AF_IPX",	  "AF_APPLETALK",
	"AF_NETROM",	 "AF_BRIDGE",	 "AF_ATMPVC",	"AF_X25",   "AF_INET6",	  "AF_ROSE",
	"AF_DECnet",	 "AF_NETBEUI",	 "AF_SECURITY", "AF_KEY",   "AF_NETLINK", "AF_PACKET",
	"AF_ASH",	 "AF_ECONET",	 "AF_ATMSVC",	"AF_RDS",   "AF_SNA",	  "AF_IRDA",
	"AF_PPPOX",	 "AF_WANPIPE",	 "AF_LLC",	"AF_IB",    "AF_MPLS",	  "AF_CAN",
	"AF_TIPC",	 "AF_BLUETOOTH", "AF_IUCV",	"AF_RXRPC", "AF_ISDN",	  "AF_PHONET",
	"AF_IEEE802154", "AF_CAIF",	 "AF_ALG",	"AF_NFC",   "AF_VSOCK",	  "AF_KCM",
	"AF_QIPCRTR",	 "AF_SMC",	 "AF_XDP",	"AF_MCTP",
};

static const char *const sock_types[] = {
	[1] = "SOCK_STREAM",	[2] = "SOCK_DGRAM", [3] = "SOCK_RAW",	  [4] = "SOCK_RDM",
	[5] = "SOCK_SEQPACKET", [6] = "SOCK_DCCP",  [10] = "SOCK_PACKET",
};

const char *cordon_socket_family_name(uint64_t family, char *buf, size_t len)
{
	if (family < ARRAY_SIZE(families))
		snprintf(buf, len, "%s", families[family]);
	else
		snprintf(buf, len, "AF_%llu", (unsigned long long)family);
	return buf;
}

const char *cordon_socket_type_name(uint64_t type, char *buf, size_t len)
{
	uint64_t t = type & 0xf; /* SOCK_TYPE_MASK: without SOCK_NONBLOCK, SOCK_CLOEXEC */

	if (t < ARRAY_SIZE(sock_types) && sock_types[t] && !(type >> 32))
		snprintf(buf, len, "%s", sock_types[t]);
	else
		snprintf(buf, len, "SOCK_%llu", (unsigned long long)type);
	return buf;
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
