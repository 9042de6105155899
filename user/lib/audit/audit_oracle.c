// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test oracle: ring-buffer records as json_t objects, built field by field with jansson by
 * code written apart from event.c's descriptions. Production writes lines with audit_format.c;
 * the unit tests require its lines to parse to exactly these objects. Only tests call this
 * file, so a binary linking libcordon.a as an archive never contains it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "audit/audit.h"
#include "maps.h"
#include "compile/compile.h"

/* user.name for @uid, through a one-entry cache: getpwuid_r may read files or ask NSS. */
static const char *user_name(struct cordon_audit_ctx *c, uint32_t uid)
{
	if (!c->uid_cached || c->cached_uid != uid) {
		c->uid_cached = true;
		c->cached_uid = uid;
		cordon_audit_user_lookup(uid, c->cached_name, sizeof(c->cached_name));
	}
	return c->cached_name[0] ? c->cached_name : NULL;
}

/* IPv6 or IPv4-mapped address into destination.ip and network.type. */
static void set_destination(json_t *rec, const __u8 addr[16], unsigned int port,
			    const char *transport)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = !memcmp(addr, mapped, sizeof(mapped));
	char ip[INET6_ADDRSTRLEN];

	if (v4)
		inet_ntop(AF_INET, &addr[12], ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, addr, ip, sizeof(ip));
	json_object_set_new(rec, "destination", json_pack("{s:s,s:i}", "ip", ip, "port", port));
	json_object_set_new(
		rec, "network",
		json_pack("{s:s,s:s}", "type", v4 ? "ipv4" : "ipv6", "transport", transport));
}

/* network.transport of an IPPROTO_* number. */
static const char *transport_of(unsigned int protocol)
{
	return protocol == IPPROTO_UDP ? "udp" : protocol == IPPROTO_TCP ? "tcp" : "other";
}

/* event.action of an enforcement record, from the hook that decided. */
static const char *file_action(unsigned int hook)
{
	switch (hook) {
	case CORDON_HOOK_FILE_OPEN:
		return "file-open";
	case CORDON_HOOK_PATH_MKNOD:
		return "file-create";
	case CORDON_HOOK_PATH_MKDIR:
		return "file-mkdir";
	case CORDON_HOOK_PATH_SYMLINK:
		return "file-symlink";
	case CORDON_HOOK_PATH_LINK:
		return "file-link";
	case CORDON_HOOK_PATH_RENAME:
		return "file-rename";
	case CORDON_HOOK_PATH_UNLINK:
		return "file-unlink";
	case CORDON_HOOK_PATH_RMDIR:
		return "file-rmdir";
	case CORDON_HOOK_PATH_TRUNCATE:
	case CORDON_HOOK_FILE_TRUNCATE:
		return "file-truncate";
	case CORDON_HOOK_PATH_CHMOD:
		return "file-chmod";
	case CORDON_HOOK_FILE_RECEIVE:
		return "file-receive";
	case CORDON_HOOK_FILE_PERMISSION:
	case CORDON_HOOK_MMAP_FILE_INHERITED:
		return "file-inherit";
	case CORDON_HOOK_PATH_CHOWN:
		return "file-chown";
	case CORDON_HOOK_INODE_SETATTR:
		return "file-setattr";
	case CORDON_HOOK_INODE_SETXATTR:
		return "file-setxattr";
	case CORDON_HOOK_INODE_REMOVEXATTR:
		return "file-removexattr";
	case CORDON_HOOK_INODE_SET_ACL:
		return "file-set-acl";
	case CORDON_HOOK_INODE_REMOVE_ACL:
		return "file-remove-acl";
	case CORDON_HOOK_BPRM_CHECK:
		return "file-exec";
	case CORDON_HOOK_MMAP_FILE:
	case CORDON_HOOK_FILE_MPROTECT:
		return "file-map-exec";
	/* A denied pathname unix socket (its inode's rule): docker.sock, the SSH agent. */
	case CORDON_HOOK_UNIX_STREAM_CONNECT:
		return "unix-connect";
	case CORDON_HOOK_UNIX_MAY_SEND:
		return "unix-send";
	case CORDON_HOOK_FANOTIFY_PERM:
		return "file-open";
	case CORDON_HOOK_GIT_SWEEP:
		return "git-neutralize";
	case CORDON_HOOK_PROTECT_QUARANTINE:
		return "protect-quarantine";
	case CORDON_HOOK_GIT_CONFIG_WRITE:
		return "git-config-write";
	default:
		return "file-access";
	}
}

static const char *syscall_action(unsigned int hook, const char **category)
{
	*category = "file";
	switch (hook) {
	case CORDON_HOOK_SYS_OPENAT:
		return "syscall-openat";
	case CORDON_HOOK_SYS_OPEN:
		return "syscall-open";
	case CORDON_HOOK_SYS_OPENAT2:
		return "syscall-openat2";
	case CORDON_HOOK_SYS_EXECVE:
		*category = "process";
		return "syscall-execve";
	case CORDON_HOOK_SYS_CONNECT:
		*category = "network";
		return "syscall-connect";
	case CORDON_HOOK_SYS_SOCKET:
		*category = "network";
		return "syscall-socket";
	case CORDON_HOOK_SYS_UNSHARE:
		*category = "process";
		return "syscall-unshare";
	case CORDON_HOOK_SYS_MOUNT:
		*category = "host";
		return "syscall-mount";
	case CORDON_HOOK_SYS_BPF:
		*category = "host";
		return "syscall-bpf";
	case CORDON_HOOK_SYS_LINK:
		return "syscall-link";
	case CORDON_HOOK_SYS_LINKAT:
		return "syscall-linkat";
	case CORDON_HOOK_SYS_PTRACE:
		*category = "process";
		return "syscall-ptrace";
	case CORDON_HOOK_SYS_KILL:
		*category = "process";
		return "syscall-kill";
	case CORDON_HOOK_SYS_IOCTL:
		*category = "host";
		return "syscall-ioctl";
	case CORDON_HOOK_SYS_IO_URING_SETUP:
		*category = "host";
		return "syscall-io_uring_setup";
	case CORDON_HOOK_SECCOMP_KILL:
		*category = "process";
		return "seccomp-kill";
	case CORDON_HOOK_SYS_CHMOD:
		return "syscall-chmod";
	case CORDON_HOOK_SYS_FCHMODAT:
		return "syscall-fchmodat";
	case CORDON_HOOK_SYS_FCHMOD:
		return "syscall-fchmod";
	case CORDON_HOOK_SYS_MEMFD_CREATE:
		*category = "process";
		return "syscall-memfd_create";
	case CORDON_HOOK_SYS_EXECVEAT:
		*category = "process";
		return "syscall-execveat";
	case CORDON_HOOK_SYS_RENAME:
		return "syscall-rename";
	case CORDON_HOOK_SYS_RENAMEAT:
		return "syscall-renameat";
	case CORDON_HOOK_SYS_RENAMEAT2:
		return "syscall-renameat2";
	case CORDON_HOOK_SYS_BIND:
		*category = "network";
		return "syscall-bind";
	case CORDON_HOOK_SYS_SETSOCKOPT:
		*category = "network";
		return "syscall-setsockopt";
	case CORDON_HOOK_SYS_UNLINK:
		return "syscall-unlink";
	case CORDON_HOOK_SYS_UNLINKAT:
		return "syscall-unlinkat";
	case CORDON_HOOK_SYS_RMDIR:
		return "syscall-rmdir";
	case CORDON_HOOK_SYS_MKDIR:
		return "syscall-mkdir";
	case CORDON_HOOK_SYS_MKDIRAT:
		return "syscall-mkdirat";
	case CORDON_HOOK_SYS_SYMLINK:
		return "syscall-symlink";
	case CORDON_HOOK_SYS_SYMLINKAT:
		return "syscall-symlinkat";
	case CORDON_HOOK_SYS_MKNOD:
		return "syscall-mknod";
	case CORDON_HOOK_SYS_MKNODAT:
		return "syscall-mknodat";
	default:
		*category = "process";
		return "syscall";
	}
}

/* process.args, process.args_count and process.command_line from NUL-separated argv. */
static void set_args(json_t *rec, json_t *proc, const __u8 *args, size_t len, unsigned int argc)
{
	json_t *arr = json_array();
	char *line = malloc(len + 1);
	size_t off = 0, k = 0;
	char field[40];

	if (!arr || !line) {
		json_decref(arr);
		free(line);
		return;
	}
	while (off < len) {
		size_t n = strnlen((const char *)args + off, len - off);
		json_t *tmp = json_object();

		snprintf(field, sizeof(field), "process.args.%zu", json_array_size(arr));
		cordon_audit_set_str(rec, tmp, "v", field, args + off, n);
		json_array_append(arr, json_object_get(tmp, "v"));
		json_decref(tmp);
		if (k)
			line[k++] = ' ';
		memcpy(line + k, args + off, n);
		k += n;
		off += n + 1;
	}
	line[k] = '\0';
	json_object_set_new(proc, "args", arr);
	json_object_set_new(proc, "args_count", json_integer(argc));
	cordon_audit_set_str(rec, proc, "command_line", "process.command_line", line, k + 1);
	free(line);
}

/* Fields every ring-buffer record has: process, user, cordon rule/layer/hook, error. */
static void set_common(struct cordon_audit_ctx *c, json_t *rec, const struct cordon_event_hdr *h)
{
	json_t *proc = json_object(), *user, *cordon = json_object_get(rec, "cordon");
	const char *name = user_name(c, h->uid);
	char uid[16];

	json_object_set_new(proc, "pid", json_integer(h->pid));
	json_object_set_new(proc, "thread", json_pack("{s:I}", "id", (json_int_t)h->tid));
	cordon_audit_set_str(rec, proc, "name", "process.name", h->comm, sizeof(h->comm));
	json_object_set_new(rec, "process", proc);
	snprintf(uid, sizeof(uid), "%u", h->uid);
	user = json_pack("{s:s}", "id", uid);
	if (name)
		json_object_set_new(user, "name", json_string(name));
	json_object_set_new(rec, "user", user);
	if (h->layer)
		json_object_set_new(cordon, "layer",
				    json_string(cordon_event_layer_name(h->layer)));
	json_object_set_new(cordon, "hook", json_string(cordon_event_hook_name(h->hook)));
	if (cordon_event_observed(h))
		json_object_set_new(cordon, "observed", json_true());
	if (cordon_event_confined(h))
		json_object_set_new(cordon, "confined_to", json_string("lo"));
	if (h->verdict || h->rule_id) {
		const struct cordon_audit_rule *e = cordon_audit_rule_find(c->rules, h->rule_id);
		const char *def = cordon_audit_default_rule(h, h->type);

		json_object_set_new(cordon, "rule", json_integer(h->rule_id));
		if (e) {
			json_object_set_new(cordon, "rule_text", json_string(e->name));
			if (e->source)
				json_object_set_new(cordon, "rule_source", json_string(e->source));
		} else if (def) {
			json_object_set_new(cordon, "rule_text", json_string(def));
		}
	}
	if (h->verdict)
		json_object_set_new(
			rec, "error",
			json_pack("{s:s}", "code", strerrorname_np(-h->verdict) ?: "unknown"));
}

/* event.action, event.category and event.type, as event.c's descriptions say them. */
static const char *classify(const struct cordon_event_hdr *h, int type, const char **category,
			    const char **etype)
{
	const char *action;

	*category = NULL;
	*etype = h->verdict ? "denied" : "allowed";
	switch (type) {
	case CORDON_EV_FILE:
		action = file_action(h->hook);
		*category = "file";
		break;
	case CORDON_EV_CONNECT:
		/* A refused bind, a listener, a source-routed packet; else a connect. */
		action = h->hook == CORDON_HOOK_BIND4 || h->hook == CORDON_HOOK_BIND6 ||
					 h->hook == CORDON_HOOK_SOCKET_BIND
				 ? "bind"
			 : h->hook == CORDON_HOOK_TCP_LISTEN || h->hook == CORDON_HOOK_SOCKET_LISTEN
				 ? "listen"
			 : h->hook == CORDON_HOOK_EGRESS ? "source-route"
							 : "connect";
		*category = "network";
		if (h->hook == CORDON_HOOK_TCP_LISTEN && h->verdict)
			*etype = "error"; /* the binding failed: the listener is unconfined */
		break;
	case CORDON_EV_NET_ALLOWED: /* verdict 0: event.type "allowed"; only connects are so */
		action = "connect";
		*category = "network";
		break;
	case CORDON_EV_UNIX:
		action =
			h->hook == CORDON_HOOK_SENDMSG_UNIX || h->hook == CORDON_HOOK_SOCKET_SENDMSG
				? "unix-send"
				: "unix-connect";
		*category = "network";
		break;
	case CORDON_EV_TASK:
		action = h->hook == CORDON_HOOK_TASK_KILL ||
					 h->hook == CORDON_HOOK_FILE_SEND_SIGIOTASK
				 ? "process-signal"
				 : "process-ptrace";
		*category = "process";
		break;
	case CORDON_EV_OP:
		action = cordon_event_hook_name(h->hook);
		*category = h->hook == CORDON_HOOK_SOCKET_CREATE ||
					    h->hook == CORDON_HOOK_SOCK_CREATE ||
					    h->hook == CORDON_HOOK_SOCKET_SETSOCKOPT ||
					    h->hook == CORDON_HOOK_SOCKET_SENDMSG
				    ? "network"
				    : "host";
		break;
	case CORDON_EV_EXEC:
		action = "process-exec";
		*category = "process";
		*etype = "start";
		break;
	case CORDON_EV_EXIT:
		action = "process-exit";
		*category = "process";
		*etype = "end";
		break;
	case CORDON_EV_SYSCALL:
	case CORDON_EV_SECCOMP_KILL:
		action = syscall_action(h->hook, category);
		break;
	case CORDON_EV_AUTO_CONFINE:
		action = "auto-confine";
		*category = "process";
		*etype = "info";
		break;
	case CORDON_EV_AUTO_USER:
		action = "auto-user";
		*category = "process";
		break;
	case CORDON_EV_CGROUP_ESCAPE:
		action = "cgroup-escape";
		*category = "process";
		break;
	default:
		return NULL;
	}
	return action;
}

static void set_file(json_t *rec, json_t *cordon, const struct cordon_event_file *e)
{
	json_t *file = json_pack("{s:I}", "inode", (json_int_t)e->ino);

	cordon_audit_set_str(rec, file, "path", "file.path", e->path, sizeof(e->path));
	json_object_set_new(rec, "file", file);
	/* The rule id's kind (POL_RULE_ID) says when the file was refused as a secret. */
	if (e->hdr.rule_id >> 16 == POL_RULE_SECRET || e->hdr.rule_id >> 16 == POL_RULE_PATTERN)
		json_object_set_new(cordon, "secret", json_true());
	if (e->hdr.flags & CORDON_EVENT_GIT_KEY)
		cordon_audit_set_str(rec, cordon, "git_key", "cordon.git_key",
				     e->path + CORDON_GIT_KEY_OFF,
				     sizeof(e->path) - CORDON_GIT_KEY_OFF);
	json_object_set_new(cordon, "access",
			    json_pack("{s:b,s:b,s:b}", "read", !!(e->access & CORDON_ACCESS_READ),
				      "write", !!(e->access & CORDON_ACCESS_WRITE), "exec",
				      !!(e->access & CORDON_ACCESS_EXEC)));
}

static void set_task(json_t *rec, json_t *cordon, const struct cordon_event_task *e)
{
	json_t *target = json_pack("{s:I}", "pid", (json_int_t)e->target_pid);

	cordon_audit_set_str(rec, target, "name", "cordon.target.name", e->target_comm,
			     sizeof(e->target_comm));
	json_object_set_new(cordon, "target", target);
	json_object_set_new(cordon, "detail", json_integer(e->detail));
}

static void set_exec(json_t *rec, json_t *proc, json_t *cordon, const struct cordon_event_exec *e)
{
	size_t len = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);

	json_object_set_new(proc, "ppid", json_integer(e->ppid));
	cordon_audit_set_str(rec, proc, "executable", "process.executable", e->filename,
			     sizeof(e->filename));
	set_args(rec, proc, e->args, len, e->argc);
	json_object_set_new(cordon, "args_truncated",
			    json_boolean(e->flags & CORDON_EXEC_ARGS_TRUNCATED));
	if (e->flags & CORDON_EXEC_ARGS_UNREADABLE)
		json_object_set_new(cordon, "args_unreadable", json_true());
	if (e->old_pid != e->hdr.pid)
		json_object_set_new(cordon, "exec_tid", json_integer(e->old_pid));
	json_object_set_new(json_object_get(rec, "user"), "effective",
			    json_pack("{s:o}", "id", json_sprintf("%u", e->euid)));
}

static void set_exit(json_t *rec, json_t *proc, json_t *cordon, const struct cordon_event_exit *e)
{
	json_object_set_new(proc, "ppid", json_integer(e->ppid));
	if (e->exit_code & 0x7f) {
		json_object_set_new(proc, "exit_code", json_integer(128 + (e->exit_code & 0x7f)));
		json_object_set_new(cordon, "signal", json_integer(e->exit_code & 0x7f));
	} else {
		json_object_set_new(proc, "exit_code", json_integer((e->exit_code >> 8) & 0xff));
	}
	if (e->start_ns && e->start_ns <= e->hdr.ts_ns)
		json_object_set_new(json_object_get(rec, "event"), "duration",
				    json_integer((json_int_t)(e->hdr.ts_ns - e->start_ns)));
}

static void set_syscall(json_t *rec, json_t *cordon, const struct cordon_event_syscall *e)
{
	json_object_set_new(cordon, "syscall", json_integer(e->nr));
	json_object_set_new(cordon, "layer_inferred", json_true());
	if (e->flags & CORDON_SYSCALL_PATH) {
		json_t *file = json_object();

		cordon_audit_set_str(rec, file, "path", "file.path", e->path, sizeof(e->path));
		json_object_set_new(rec, "file", file);
	}
	if (e->flags & CORDON_SYSCALL_ADDR) {
		if (e->family == AF_INET || e->family == AF_INET6)
			set_destination(rec, e->addr, e->port, "tcp");
		json_object_set_new(cordon, "family", json_integer(e->family));
	}
	if (e->flags & CORDON_SYSCALL_ARG)
		json_object_set_new(cordon, "arg", json_integer((json_int_t)e->arg));
	if (e->flags & CORDON_SYSCALL_EXACT)
		json_object_set_new(cordon, "arg_exact", json_true());
	if (e->flags & CORDON_SYSCALL_UNCERTAIN)
		json_object_set_new(cordon, "arg_uncertain", json_true());
	if (e->flags & CORDON_SYSCALL_RESOLVED)
		json_object_set_new(cordon, "dir_kernel", json_true());
	if (e->flags & CORDON_SYSCALL_RESOLVED_PROC)
		json_object_set_new(cordon, "dir_proc", json_true());
	if (e->flags & CORDON_SYSCALL_DIR_TOO_LONG)
		json_object_set_new(cordon, "dir_too_long", json_true());
	if (e->flags & CORDON_SYSCALL_DIR_UNREACHABLE)
		json_object_set_new(cordon, "dir_unreachable", json_true());
	if (e->flags & CORDON_SYSCALL_DIR_CHANGED)
		json_object_set_new(cordon, "dir_changed", json_true());
	if ((e->flags & CORDON_SYSCALL_ARG) && e->hdr.hook == CORDON_HOOK_SYS_SOCKET) {
		char fam[32];

		json_object_set_new(cordon, "socket",
				    json_pack("{s:s}", "family",
					      cordon_socket_family_name(e->arg, fam, sizeof(fam))));
	}
}

/* Seen as seccomp's own signal, not inferred; no errno reached the task. */
static void set_seccomp_kill(json_t *rec, json_t *cordon, const struct cordon_event_syscall *e)
{
	json_object_set_new(cordon, "syscall", json_integer(e->nr));
	json_object_set_new(cordon, "layer_inferred", json_false());
	json_object_set_new(cordon, "arg", json_integer((json_int_t)e->arg));
	json_object_set_new(cordon, "signal", json_integer(SIGSYS));
	json_object_set_new(rec, "error", json_pack("{s:s}", "code", "SIGSYS"));
}

static void set_auto(json_t *rec, json_t *proc, const struct cordon_event_auto *e)
{
	json_object_set_new(proc, "ppid", json_integer(e->ppid));
	cordon_audit_set_str(rec, proc, "executable", "process.executable", e->path,
			     sizeof(e->path));
	json_object_set_new(rec, "file", json_pack("{s:I}", "inode", (json_int_t)e->ino));
}

static void set_auto_user(json_t *rec, json_t *proc, json_t *cordon,
			  const struct cordon_event_auto_user *e)
{
	json_object_set_new(cordon, "auto_uid", json_integer(e->auto_uid));
	json_object_set_new(cordon, "auto_user_failed",
			    json_boolean(e->hdr.flags & CORDON_EVENT_AUTO_USER_FAILED));
	json_object_set_new(cordon, "euid", json_integer(e->euid));
	json_object_set_new(proc, "ppid", json_integer(e->ppid));
	cordon_audit_set_str(rec, proc, "executable", "process.executable", e->path,
			     sizeof(e->path));
	json_object_set_new(rec, "file", json_pack("{s:I}", "inode", (json_int_t)e->ino));
}

static void set_cgroup_escape(json_t *rec, json_t *cordon,
			      const struct cordon_event_cgroup_escape *e)
{
	cordon_audit_set_str(rec, cordon, "cgroup_path", "cordon.cgroup_path", e->path,
			     sizeof(e->path));
	json_object_set_new(cordon, "cgroup_id", json_integer((json_int_t)e->dst_cgroup_id));
	json_object_set_new(cordon, "mover_pid", json_integer(e->mover_pid));
	cordon_audit_set_str(rec, cordon, "mover_name", "cordon.mover_name", e->mover_comm,
			     sizeof(e->mover_comm));
	json_object_set_new(cordon, "threadgroup",
			    json_boolean(e->flags & CORDON_ESCAPE_THREADGROUP));
	if (e->flags & CORDON_ESCAPE_FORK)
		json_object_set_new(cordon, "forked", json_true());
	json_object_set_new(
		cordon, "killed",
		json_boolean(e->flags & (CORDON_ESCAPE_KILLED | CORDON_ESCAPE_KILLED_BPF)));
	if (e->flags & CORDON_ESCAPE_KILLED_BPF)
		json_object_set_new(cordon, "killed_in_kernel", json_true());
	if (e->flags & CORDON_ESCAPE_GONE)
		json_object_set_new(cordon, "exited", json_true());
}

json_t *cordon_audit_from_event(struct cordon_audit_ctx *c, const void *data, size_t size)
{
	const struct cordon_event_hdr *h = data;
	int type = cordon_event_check(data, size);
	const char *action, *category, *etype;
	json_t *rec, *proc, *cordon;

	if (type < 0)
		return NULL;
	action = classify(h, type, &category, &etype);
	if (!action)
		return NULL;
	rec = cordon_audit_record(c, action, category, etype, cordon_event_outcome(h),
				  cordon_boot_to_realtime(h->ts_ns));
	if (!rec)
		return NULL;
	set_common(c, rec, h);
	proc = json_object_get(rec, "process");
	cordon = json_object_get(rec, "cordon");
	switch (type) {
	case CORDON_EV_FILE:
		set_file(rec, cordon, data);
		break;
	case CORDON_EV_CONNECT:
	case CORDON_EV_NET_ALLOWED: {
		const struct cordon_event_connect *e = data;

		set_destination(rec, e->addr, e->port, transport_of(e->protocol));
		break;
	}
	case CORDON_EV_UNIX: {
		const struct cordon_event_unix *e = data;

		json_object_set_new(cordon, "unix_reason", json_integer(e->reason));
		json_object_set_new(cordon, "socket_type", json_integer(e->sock_type));
		json_t *file = json_object();

		cordon_audit_set_str(rec, file, "path", "file.path", e->path, sizeof(e->path));
		json_object_set_new(rec, "file", file);
		break;
	}
	case CORDON_EV_TASK:
		set_task(rec, cordon, data);
		break;
	case CORDON_EV_OP: {
		const struct cordon_event_op *e = data;

		json_object_set_new(cordon, "args",
				    json_pack("[I,I,I]", (json_int_t)e->arg0, (json_int_t)e->arg1,
					      (json_int_t)e->arg2));
		if (h->hook == CORDON_HOOK_SOCKET_CREATE) {
			char fam[32], st[32];

			json_object_set_new(
				cordon, "socket",
				json_pack("{s:s,s:s,s:I}", "family",
					  cordon_socket_family_name(e->arg0, fam, sizeof(fam)),
					  "type", cordon_socket_type_name(e->arg1, st, sizeof(st)),
					  "protocol", (json_int_t)e->arg2));
		}
		break;
	}
	case CORDON_EV_EXEC:
		set_exec(rec, proc, cordon, data);
		break;
	case CORDON_EV_EXIT:
		set_exit(rec, proc, cordon, data);
		break;
	case CORDON_EV_SYSCALL:
		set_syscall(rec, cordon, data);
		break;
	case CORDON_EV_SECCOMP_KILL:
		set_seccomp_kill(rec, cordon, data);
		break;
	case CORDON_EV_AUTO_CONFINE:
		set_auto(rec, proc, data);
		break;
	case CORDON_EV_AUTO_USER:
		set_auto_user(rec, proc, cordon, data);
		break;
	case CORDON_EV_CGROUP_ESCAPE:
		set_cgroup_escape(rec, cordon, data);
		break;
	}
	return rec;
}
