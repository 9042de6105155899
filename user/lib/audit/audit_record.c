// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building audit records (docs/audit-schema.md) from ring-buffer records and session facts, and
 * the RFC 3339 time stamps they carry. Strings from the kernel are bounded, then jansson escapes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "maps.h"
#include "compile/compile.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t cordon_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t cordon_boot_to_realtime(uint64_t boot_ns)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME) + boot_ns;
}

void cordon_audit_rfc3339(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(ns % 1000000000ull));
}

int cordon_audit_parse_time(const char *s, uint64_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	uint64_t frac = 0, scale = 1000000000ull;
	time_t sec;

	if (!p)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
		}
	}
	if (*p != 'Z' || p[1])
		return -EINVAL;
	sec = timegm(&tm);
	if (sec < 0)
		return -EINVAL;
	*out = (uint64_t)sec * 1000000000ull + frac;
	return 0;
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and code points beyond U+10FFFF are invalid */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static json_t *hex_object(json_t *rec)
{
	json_t *cordon = json_object_get(rec, "cordon");
	json_t *hex = json_object_get(cordon, "hex");

	if (!hex && cordon) {
		hex = json_object();
		json_object_set_new(cordon, "hex", hex);
	}
	return hex;
}

bool cordon_utf8_valid(const void *str, size_t n)
{
	const unsigned char *s = str;

	for (size_t i = 0, l; i < n; i += l) {
		if (s[i] < 0x80) {
			l = 1;
			continue;
		}
		l = utf8_seq(s + i, n - i);
		if (!l)
			return false;
	}
	return true;
}

size_t cordon_utf8_repair(const void *str, size_t n, char *clean, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = str;
	size_t i, k;

	for (i = 0, k = 0; i < n;) {
		size_t l = utf8_seq(s + i, n - i);

		if (l) {
			memcpy(clean + k, s + i, l);
			k += l;
			i += l;
		} else {
			memcpy(clean + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		}
	}
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[s[i] >> 4];
		hex[2 * i + 1] = digits[s[i] & 15];
	}
	hex[2 * n] = '\0';
	return k;
}

int cordon_audit_set_str(json_t *rec, json_t *obj, const char *key, const char *field,
			 const void *str, size_t len)
{
	size_t n = strnlen(str, len), k;
	char *clean, *hex;
	json_t *j;

	j = json_stringn(str, n);
	if (j)
		return json_object_set_new(obj, key, j) ? -ENOMEM : 0;

	/* Not UTF-8: a readable form with U+FFFD, and the exact bytes beside it in hex. */
	clean = malloc(3 * n + 1);
	hex = malloc(2 * n + 1);
	if (!clean || !hex) {
		free(clean);
		free(hex);
		return -ENOMEM;
	}
	k = cordon_utf8_repair(str, n, clean, hex);
	json_object_set_new(obj, key, json_stringn(clean, k));
	if (rec && field)
		json_object_set_new(hex_object(rec), field, json_string(hex));
	free(clean);
	free(hex);
	return 0;
}

/* A single ECS keyword as a one-element array, or NULL. */
static json_t *one(const char *v)
{
	return v ? json_pack("[s]", v) : NULL;
}

json_t *cordon_audit_record(const struct cordon_audit_ctx *c, const char *action,
			    const char *category, const char *type, const char *outcome,
			    uint64_t realtime_ns)
{
	json_t *rec, *event, *cordon;
	char ts[40];

	cordon_audit_rfc3339(realtime_ns, ts, sizeof(ts));
	rec = json_object();
	event = json_object();
	cordon = json_object();
	if (!rec || !event || !cordon) {
		json_decref(rec);
		json_decref(event);
		json_decref(cordon);
		return NULL;
	}
	json_object_set_new(rec, "@timestamp", json_string(ts));
	json_object_set_new(event, "kind", json_string("event"));
	if (category)
		json_object_set_new(event, "category", one(category));
	if (type)
		json_object_set_new(event, "type", one(type));
	json_object_set_new(event, "action", json_string(action));
	if (outcome)
		json_object_set_new(event, "outcome", json_string(outcome));
	json_object_set_new(rec, "event", event);
	json_object_set_new(rec, "host", json_pack("{s:s}", "name", c->host ? c->host : ""));
	json_object_set_new(cordon, "schema", json_integer(CORDON_AUDIT_SCHEMA));
	json_object_set_new(cordon, "session", json_string(c->session ? c->session : ""));
	if (c->policy)
		json_object_set_new(cordon, "policy", json_string(c->policy));
	if (c->policy_sha256)
		json_object_set_new(cordon, "policy_sha256", json_string(c->policy_sha256));
	json_object_set_new(rec, "cordon", cordon);
	return rec;
}

json_t *cordon_audit_base(const struct cordon_audit_ctx *c, const char *action, const char *outcome,
			  uint64_t realtime_ns)
{
	const char *type = !strcmp(action, "session-start") ? "start"
			   : !strcmp(action, "session-end") ? "end"
							    : "info";

	return cordon_audit_record(c, action, "session", type, outcome ? outcome : "success",
				   realtime_ns);
}

json_t *cordon_audit_lost(const struct cordon_audit_ctx *c, uint64_t total, uint64_t delta,
			  uint64_t realtime_ns)
{
	json_t *rec = cordon_audit_record(c, "events-lost", "host", "info", "failure", realtime_ns);

	if (!rec)
		return NULL;
	json_object_set_new(json_object_get(rec, "event"), "kind", json_string("pipeline_error"));
	json_object_set_new(
		json_object_get(rec, "cordon"), "events_lost",
		json_pack("{s:I,s:I}", "total", (json_int_t)total, "delta", (json_int_t)delta));
	return rec;
}

void cordon_audit_user_lookup(uint32_t uid, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	name[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(name, len, "%s", res->pw_name);
}

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

const char *cordon_audit_transport(unsigned int protocol)
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
	if (h->verdict || h->rule_id)
		json_object_set_new(cordon, "rule", json_integer(h->rule_id));
	if (h->verdict)
		json_object_set_new(
			rec, "error",
			json_pack("{s:s}", "code", strerrorname_np(-h->verdict) ?: "unknown"));
}

const char *cordon_audit_classify(const struct cordon_event_hdr *h, int type, const char **category,
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
	case CORDON_EV_NET_ALLOWED: /* verdict 0: event.type "allowed" */
		action = "connect";
		*category = "network";
		break;
	case CORDON_EV_TASK:
		action = h->hook == CORDON_HOOK_TASK_KILL ? "process-signal" : "process-ptrace";
		*category = "process";
		break;
	case CORDON_EV_OP:
		action = cordon_event_hook_name(h->hook);
		*category = h->hook == CORDON_HOOK_SOCKET_CREATE ? "network" : "host";
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
	default:
		return NULL;
	}
	return action;
}

json_t *cordon_audit_from_event(struct cordon_audit_ctx *c, const void *data, size_t size)
{
	const struct cordon_event_hdr *h = data;
	int type = cordon_event_check(data, size);
	const char *action, *category, *etype;
	json_t *rec, *proc, *cordon;

	if (type < 0)
		return NULL;
	action = cordon_audit_classify(h, type, &category, &etype);
	if (!action)
		return NULL;
	rec = cordon_audit_record(c, action, category, etype, h->verdict ? "failure" : "success",
				  cordon_boot_to_realtime(h->ts_ns));
	if (!rec)
		return NULL;
	set_common(c, rec, h);
	proc = json_object_get(rec, "process");
	cordon = json_object_get(rec, "cordon");

	switch (type) {
	case CORDON_EV_FILE: {
		const struct cordon_event_file *e = data;
		json_t *file = json_pack("{s:I}", "inode", (json_int_t)e->ino);

		cordon_audit_set_str(rec, file, "path", "file.path", e->path, sizeof(e->path));
		json_object_set_new(rec, "file", file);
		/* The rule id's kind (POL_RULE_ID) says when the file was refused as a secret. */
		if (h->rule_id >> 16 == POL_RULE_SECRET || h->rule_id >> 16 == POL_RULE_PATTERN)
			json_object_set_new(cordon, "secret", json_true());
		json_object_set_new(cordon, "access",
				    json_pack("{s:b,s:b,s:b}", "read",
					      !!(e->access & CORDON_ACCESS_READ), "write",
					      !!(e->access & CORDON_ACCESS_WRITE), "exec",
					      !!(e->access & CORDON_ACCESS_EXEC)));
		break;
	}
	case CORDON_EV_CONNECT:
	case CORDON_EV_NET_ALLOWED: {
		const struct cordon_event_connect *e = data;

		set_destination(rec, e->addr, e->port, cordon_audit_transport(e->protocol));
		break;
	}
	case CORDON_EV_TASK: {
		const struct cordon_event_task *e = data;
		json_t *target = json_pack("{s:I}", "pid", (json_int_t)e->target_pid);

		cordon_audit_set_str(rec, target, "name", "cordon.target.name", e->target_comm,
				     sizeof(e->target_comm));
		json_object_set_new(cordon, "target", target);
		json_object_set_new(cordon, "detail", json_integer(e->detail));
		break;
	}
	case CORDON_EV_OP: {
		const struct cordon_event_op *e = data;

		json_object_set_new(cordon, "args",
				    json_pack("[I,I,I]", (json_int_t)e->arg0, (json_int_t)e->arg1,
					      (json_int_t)e->arg2));
		break;
	}
	case CORDON_EV_EXEC: {
		const struct cordon_event_exec *e = data;
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
		break;
	}
	case CORDON_EV_EXIT: {
		const struct cordon_event_exit *e = data;

		json_object_set_new(proc, "ppid", json_integer(e->ppid));
		if (e->exit_code & 0x7f) {
			json_object_set_new(proc, "exit_code",
					    json_integer(128 + (e->exit_code & 0x7f)));
			json_object_set_new(cordon, "signal", json_integer(e->exit_code & 0x7f));
		} else {
			json_object_set_new(proc, "exit_code",
					    json_integer((e->exit_code >> 8) & 0xff));
		}
		if (e->start_ns && e->start_ns <= e->hdr.ts_ns)
			json_object_set_new(json_object_get(rec, "event"), "duration",
					    json_integer((json_int_t)(e->hdr.ts_ns - e->start_ns)));
		break;
	}
	case CORDON_EV_SYSCALL: {
		const struct cordon_event_syscall *e = data;

		json_object_set_new(cordon, "syscall", json_integer(e->nr));
		json_object_set_new(cordon, "layer_inferred", json_true());
		if (e->flags & CORDON_SYSCALL_PATH) {
			json_t *file = json_object();

			cordon_audit_set_str(rec, file, "path", "file.path", e->path,
					     sizeof(e->path));
			json_object_set_new(rec, "file", file);
		}
		if (e->flags & CORDON_SYSCALL_ADDR) {
			if (e->family == AF_INET || e->family == AF_INET6)
				set_destination(rec, e->addr, e->port, "tcp");
			json_object_set_new(cordon, "family", json_integer(e->family));
		}
		if (e->flags & CORDON_SYSCALL_ARG)
			json_object_set_new(cordon, "arg", json_integer((json_int_t)e->arg));
		break;
	}
	case CORDON_EV_SECCOMP_KILL: {
		/* Seen as seccomp's own signal, not inferred; no errno reached the task. */
		const struct cordon_event_syscall *e = data;

		json_object_set_new(cordon, "syscall", json_integer(e->nr));
		json_object_set_new(cordon, "layer_inferred", json_false());
		json_object_set_new(cordon, "arg", json_integer((json_int_t)e->arg));
		json_object_set_new(cordon, "signal", json_integer(SIGSYS));
		json_object_set_new(rec, "error", json_pack("{s:s}", "code", "SIGSYS"));
		break;
	}
	case CORDON_EV_AUTO_CONFINE: {
		const struct cordon_event_auto *e = data;
		json_t *file = json_pack("{s:I}", "inode", (json_int_t)e->ino);

		json_object_set_new(proc, "ppid", json_integer(e->ppid));
		cordon_audit_set_str(rec, proc, "executable", "process.executable", e->path,
				     sizeof(e->path));
		json_object_set_new(rec, "file", file);
		break;
	}
	}
	return rec;
}

int cordon_audit_write(int fd, json_t *rec)
{
	char *line;
	size_t len;
	ssize_t n;

	if (!rec)
		return -ENOMEM;
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (!line)
		return -ENOMEM;
	len = strlen(line);
	line[len] = '\n'; /* json_dumps leaves room: replace the NUL by the newline */
	n = write(fd, line, len + 1);
	free(line);
	if (n < 0)
		return -errno;
	return (size_t)n == len + 1 ? 0 : -EIO;
}
