// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ring-buffer records to JSON lines without building a json_t: fixed fields are printed here,
 * each agent-controlled string is encoded by jansson on its own (JSON_ENCODE_ANY), never by a
 * hand-written escaper. The lines must parse to what cordon_audit_from_event() builds; the
 * unit tests compare the two on every record kind and on hostile strings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "audit/audit.h"
#include "maps.h"
#include "compile/compile.h"

/* The most one input byte grows to in jansson's output: a control character is \u00XX. */
#define JSON_ESC_MAX 6

/* Scratch for the parts of a record written before the fields they depend on are known. */
#define SCRATCH_BYTES (16u << 10)

#define STR_(x) #x
#define STR(x)	STR_(x)

int cordon_audit_buf_grow(struct cordon_audit_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->fixed)
		goto overflow;
	for (cap = b->cap ? b->cap : 4096; cap - b->len < n; cap *= 2)
		;
	p = realloc(b->p, cap);
	if (!p)
		goto overflow;
	b->p = p;
	b->cap = cap;
	return 0;
overflow:
	b->overflow = true;
	return -ENOMEM;
}

/*
 * The realtime of a CLOCK_BOOTTIME stamp, as cordon_boot_to_realtime() computes it, with the
 * offset between the clocks read once every CORDON_AUDIT_CLOCK_EVERY records instead of twice
 * a record: it moves only when the wall clock is set or slewed.
 */
static uint64_t realtime_of(struct cordon_audit_format *f, uint64_t boot_ns)
{
	if (f->clock_uses++ % CORDON_AUDIT_CLOCK_EVERY == 0)
		f->boot_offset = cordon_boot_to_realtime(0);
	return f->boot_offset + boot_ns;
}

#define put		  cordon_audit_buf_put
#define put_lit(b, lit)	  put(b, lit, sizeof(lit) - 1)
#define put_str(b, s)	  put(b, s, strlen(s))
#define put_bool(b, v)	  ((v) ? put_lit(b, "true") : put_lit(b, "false"))
#define put_field(b, key) put_lit(b, ",\"" key "\":")

static void put_u64(struct cordon_audit_buf *b, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* jansson prints json_int_t (long long): 64-bit values above INT64_MAX come out negative. */
static void put_i64(struct cordon_audit_buf *b, int64_t v)
{
	if (v < 0) {
		put_lit(b, "-");
		put_u64(b, -(uint64_t)v);
	} else {
		put_u64(b, (uint64_t)v);
	}
}

/*
 * A name from cordon's own tables (actions, hooks, layers, errno names): identifiers compiled
 * into the binary, never agent-controlled, so they are quoted without an encoder.
 */
static void put_name(struct cordon_audit_buf *b, const char *name)
{
	put_lit(b, "\"");
	put_str(b, name);
	put_lit(b, "\"");
}

/* @s (@n bytes of valid UTF-8) as a JSON string, encoded by jansson. */
static void put_json(struct cordon_audit_buf *b, const char *s, size_t n)
{
	size_t w;
	json_t *j;

	if (cordon_audit_buf_reserve(b, JSON_ESC_MAX * n + 2) < 0)
		return;
	j = json_stringn_nocheck(s, n);
	w = j ? json_dumpb(j, b->p + b->len, b->cap - b->len, JSON_ENCODE_ANY | JSON_COMPACT) : 0;
	json_decref(j);
	if (!w || w > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	b->len += w;
}

/* A C string the writer chose (host, session, policy): jansson leaves an invalid one out. */
static bool put_cstr_field(struct cordon_audit_buf *b, const char *key, const char *s)
{
	size_t n = strlen(s);

	if (!cordon_utf8_valid(s, n))
		return false;
	put_str(b, key);
	put_json(b, s, n);
	return true;
}

/*
 * An agent-controlled string: @s up to its first NUL within @len bytes. Invalid UTF-8 is
 * written as cordon_audit_set_str() writes it: U+FFFD for each invalid byte, and the exact
 * bytes in hex under cordon.hex[@field] (@field_n appended when not -1), collected in @hex.
 */
static void put_agent_str(struct cordon_audit_buf *b, struct cordon_audit_buf *hex,
			  const char *field, long field_n, const void *s, size_t len)
{
	char clean[3 * CORDON_ARGS_LEN], digits[2 * CORDON_ARGS_LEN + 1];
	size_t n = strnlen(s, len), k;

	if (cordon_utf8_valid(s, n)) {
		put_json(b, s, n);
		return;
	}
	if (n > CORDON_ARGS_LEN) {
		b->overflow = true;
		return;
	}
	k = cordon_utf8_repair(s, n, clean, digits);
	put_json(b, clean, k);
	put_lit(hex, ",\"");
	put_str(hex, field);
	if (field_n >= 0)
		put_u64(hex, (uint64_t)field_n);
	put_lit(hex, "\":\"");
	put(hex, digits, 2 * n);
	put_lit(hex, "\"");
}

void cordon_audit_format_time(struct cordon_audit_format *f, uint64_t ns,
			      struct cordon_audit_buf *out)
{
	uint64_t sec = ns / 1000000000ull, frac = ns % 1000000000ull;
	char digits[9];

	if (!f->time_valid || f->time_sec != sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		int n;

		gmtime_r(&t, &tm);
		n = snprintf(f->date, sizeof(f->date), "%04d-%02d-%02dT%02d:%02d:%02d.",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec);
		f->date_len = n > 0 && (size_t)n < sizeof(f->date) ? (size_t)n : 0;
		f->time_sec = sec;
		f->time_valid = true;
	}
	for (int i = 8; i >= 0; i--, frac /= 10)
		digits[i] = (char)('0' + frac % 10);
	put(out, f->date, f->date_len);
	put(out, digits, sizeof(digits));
	put_lit(out, "Z");
}

/* The per-session fields, as cordon_audit_record() writes them; ends inside "cordon". */
static void put_session(struct cordon_audit_buf *b, const struct cordon_audit_ctx *c)
{
	if (put_cstr_field(b, "\"host\":{\"name\":", c->host ? c->host : ""))
		put_lit(b, "},");
	put_lit(b, "\"cordon\":{\"schema\":" STR(CORDON_AUDIT_SCHEMA));
	put_cstr_field(b, ",\"session\":", c->session ? c->session : "");
	if (c->policy)
		put_cstr_field(b, ",\"policy\":", c->policy);
	if (c->policy_sha256)
		put_cstr_field(b, ",\"policy_sha256\":", c->policy_sha256);
}

/* What a cached prefix was made from: each string as a presence byte, its bytes, a NUL. */
static size_t session_key(const struct cordon_audit_ctx *c, char *key, size_t cap)
{
	const char *v[] = { c->session, c->policy, c->policy_sha256, c->host };
	size_t k = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = v[i] ? strlen(v[i]) : 0;

		if (k + n + 2 > cap)
			return 0;
		key[k++] = v[i] ? 1 : 0;
		memcpy(key + k, v[i] ? v[i] : "", n);
		k += n;
		key[k++] = '\0';
	}
	return k;
}

static void put_session_cached(struct cordon_audit_format *f, struct cordon_audit_buf *b,
			       const struct cordon_audit_ctx *c, uint32_t session_id)
{
	typeof(f->prefix[0]) *e = &f->prefix[session_id % CORDON_AUDIT_PREFIX_SLOTS];
	char key[sizeof(e->key)];
	size_t klen = session_key(c, key, sizeof(key));
	struct cordon_audit_buf tmp = { .p = e->json, .cap = sizeof(e->json), .fixed = true };

	if (klen && e->used && e->key_len == klen && !memcmp(e->key, key, klen)) {
		put(b, e->json, e->len);
		return;
	}
	e->used = false;
	if (klen) {
		put_session(&tmp, c);
		if (!tmp.overflow) {
			memcpy(e->key, key, klen);
			e->key_len = klen;
			e->len = tmp.len;
			e->used = true;
			put(b, e->json, e->len);
			return;
		}
	}
	put_session(b, c); /* too long to cache: encoded every time */
}

/* ,"user":{"id":"UID"[,"name":NAME]  (left open: exec records add user.effective) */
static void put_user(struct cordon_audit_format *f, struct cordon_audit_buf *b, uint32_t uid)
{
	typeof(f->uid[0]) *e = &f->uid[uid % CORDON_AUDIT_UID_SLOTS];
	struct cordon_audit_buf tmp = { .p = e->json, .cap = sizeof(e->json), .fixed = true };
	char name[64];

	if (!e->used || e->uid != uid) {
		cordon_audit_user_lookup(uid, name, sizeof(name));
		put_lit(&tmp, ",\"user\":{\"id\":\"");
		put_u64(&tmp, uid);
		put_lit(&tmp, "\"");
		if (name[0])
			put_cstr_field(&tmp, ",\"name\":", name);
		e->used = !tmp.overflow;
		e->uid = uid;
		e->len = tmp.len;
		if (!e->used) {
			b->overflow = true;
			return;
		}
	}
	put(b, e->json, e->len);
}

/* process.name: comm repeats from record to record, so its encoding is kept. */
static void put_comm(struct cordon_audit_format *f, struct cordon_audit_buf *b,
		     struct cordon_audit_buf *hex, const __u8 comm[CORDON_COMM_LEN])
{
	struct cordon_audit_buf tmp = { .p = f->comm_json,
					.cap = sizeof(f->comm_json),
					.fixed = true };
	size_t n = strnlen((const char *)comm, CORDON_COMM_LEN);

	if (f->comm_used && !memcmp(f->comm, comm, CORDON_COMM_LEN)) {
		put(b, f->comm_json, f->comm_len);
		return;
	}
	f->comm_used = false;
	if (!cordon_utf8_valid(comm, n)) {
		put_lit(b, ",\"name\":");
		put_agent_str(b, hex, "process.name", -1, comm, CORDON_COMM_LEN);
		return;
	}
	put_lit(&tmp, ",\"name\":");
	put_json(&tmp, (const char *)comm, n);
	if (tmp.overflow) {
		b->overflow = true;
		return;
	}
	memcpy(f->comm, comm, CORDON_COMM_LEN);
	f->comm_len = tmp.len;
	f->comm_used = true;
	put(b, f->comm_json, f->comm_len);
}

/* ,"destination":{...},"network":{...} for an IPv6 or IPv4-mapped address. */
static void put_destination(struct cordon_audit_buf *b, const __u8 addr[16], unsigned int port,
			    const char *transport)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = !memcmp(addr, mapped, sizeof(mapped));
	char ip[INET6_ADDRSTRLEN];

	put_lit(b, ",\"destination\":{\"ip\":\"");
	if (v4) {
		for (int i = 12; i < 16; i++) {
			put_u64(b, addr[i]);
			if (i < 15)
				put_lit(b, ".");
		}
	} else {
		inet_ntop(AF_INET6, addr, ip, sizeof(ip));
		put_str(b, ip);
	}
	put_lit(b, "\",\"port\":");
	put_u64(b, port);
	put_lit(b, "},\"network\":{\"type\":");
	put_name(b, v4 ? "ipv4" : "ipv6");
	put_lit(b, ",\"transport\":");
	put_name(b, transport);
	put_lit(b, "}");
}

/* process.executable, process.args, process.args_count, process.command_line of an exec. */
static void put_exec_process(struct cordon_audit_buf *b, struct cordon_audit_buf *hex,
			     const struct cordon_event_exec *e)
{
	size_t len = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);
	char line[CORDON_ARGS_LEN + 1];
	size_t off = 0, k = 0;
	long i = 0;

	put_field(b, "ppid");
	put_u64(b, e->ppid);
	put_field(b, "executable");
	put_agent_str(b, hex, "process.executable", -1, e->filename, sizeof(e->filename));
	put_field(b, "args");
	put_lit(b, "[");
	while (off < len) {
		const char *a = (const char *)e->args + off;
		size_t n = strnlen(a, len - off);

		if (i)
			put_lit(b, ",");
		put_agent_str(b, hex, "process.args.", i++, a, n);
		if (k)
			line[k++] = ' ';
		memcpy(line + k, a, n);
		k += n;
		off += n + 1;
	}
	put_lit(b, "]");
	put_field(b, "args_count");
	put_u64(b, e->argc);
	put_field(b, "command_line");
	put_agent_str(b, hex, "process.command_line", -1, line, k);
}

static bool formatted_here(int type)
{
	switch (type) {
	case CORDON_EV_FILE:
	case CORDON_EV_CONNECT:
	case CORDON_EV_TASK:
	case CORDON_EV_OP:
	case CORDON_EV_EXEC:
	case CORDON_EV_EXIT:
	case CORDON_EV_SYSCALL:
		return true;
	default:
		return false;
	}
}

/*
 * The record's own fields: those under "cordon" into @cf, the rest (process, user, error,
 * file, destination) into @tail, strings that were not UTF-8 into @hex.
 */
static void put_fields(struct cordon_audit_format *f, const void *data, int type,
		       struct cordon_audit_buf *cf, struct cordon_audit_buf *tail,
		       struct cordon_audit_buf *hex)
{
	const struct cordon_event_hdr *h = data;

	if (h->layer) {
		put_field(cf, "layer");
		put_name(cf, cordon_event_layer_name(h->layer));
	}
	put_field(cf, "hook");
	put_name(cf, cordon_event_hook_name(h->hook));
	if (h->verdict || h->rule_id) {
		put_field(cf, "rule");
		put_u64(cf, h->rule_id);
	}

	put_lit(tail, ",\"process\":{\"pid\":");
	put_u64(tail, h->pid);
	put_lit(tail, ",\"thread\":{\"id\":");
	put_u64(tail, h->tid);
	put_lit(tail, "}");
	put_comm(f, tail, hex, h->comm);
	if (type == CORDON_EV_EXEC)
		put_exec_process(tail, hex, data);
	if (type == CORDON_EV_EXIT) {
		const struct cordon_event_exit *e = data;

		put_field(tail, "ppid");
		put_u64(tail, e->ppid);
		put_field(tail, "exit_code");
		if (e->exit_code & 0x7f) {
			put_u64(tail, 128 + (e->exit_code & 0x7f));
			put_field(cf, "signal");
			put_u64(cf, e->exit_code & 0x7f);
		} else {
			put_u64(tail, (e->exit_code >> 8) & 0xff);
		}
	}
	put_lit(tail, "}");
	put_user(f, tail, h->uid);
	if (type == CORDON_EV_EXEC) {
		put_lit(tail, ",\"effective\":{\"id\":\"");
		put_u64(tail, ((const struct cordon_event_exec *)data)->euid);
		put_lit(tail, "\"}");
	}
	put_lit(tail, "}");
	if (h->verdict) {
		put_lit(tail, ",\"error\":{\"code\":");
		put_name(tail, strerrorname_np(-h->verdict) ?: "unknown");
		put_lit(tail, "}");
	}

	switch (type) {
	case CORDON_EV_FILE: {
		const struct cordon_event_file *e = data;

		put_lit(tail, ",\"file\":{\"inode\":");
		put_i64(tail, (int64_t)e->ino);
		put_field(tail, "path");
		put_agent_str(tail, hex, "file.path", -1, e->path, sizeof(e->path));
		put_lit(tail, "}");
		/* As audit_record.c: a refusal by a secret rule says so. */
		if (h->rule_id >> 16 == POL_RULE_SECRET || h->rule_id >> 16 == POL_RULE_PATTERN)
			put_lit(cf, ",\"secret\":true");
		put_lit(cf, ",\"access\":{\"read\":");
		put_bool(cf, e->access & CORDON_ACCESS_READ);
		put_field(cf, "write");
		put_bool(cf, e->access & CORDON_ACCESS_WRITE);
		put_field(cf, "exec");
		put_bool(cf, e->access & CORDON_ACCESS_EXEC);
		put_lit(cf, "}");
		break;
	}
	case CORDON_EV_CONNECT: {
		const struct cordon_event_connect *e = data;

		put_destination(tail, e->addr, e->port, cordon_audit_transport(e->protocol));
		break;
	}
	case CORDON_EV_TASK: {
		const struct cordon_event_task *e = data;

		put_lit(cf, ",\"target\":{\"pid\":");
		put_u64(cf, e->target_pid);
		put_field(cf, "name");
		put_agent_str(cf, hex, "cordon.target.name", -1, e->target_comm,
			      sizeof(e->target_comm));
		put_lit(cf, "}");
		put_field(cf, "detail");
		put_u64(cf, e->detail);
		break;
	}
	case CORDON_EV_OP: {
		const struct cordon_event_op *e = data;

		put_lit(cf, ",\"args\":[");
		put_i64(cf, (int64_t)e->arg0);
		put_lit(cf, ",");
		put_i64(cf, (int64_t)e->arg1);
		put_lit(cf, ",");
		put_i64(cf, (int64_t)e->arg2);
		put_lit(cf, "]");
		break;
	}
	case CORDON_EV_EXEC: {
		const struct cordon_event_exec *e = data;

		put_field(cf, "args_truncated");
		put_bool(cf, e->flags & CORDON_EXEC_ARGS_TRUNCATED);
		if (e->flags & CORDON_EXEC_ARGS_UNREADABLE)
			put_lit(cf, ",\"args_unreadable\":true");
		if (e->old_pid != e->hdr.pid) {
			put_field(cf, "exec_tid");
			put_u64(cf, e->old_pid);
		}
		break;
	}
	case CORDON_EV_SYSCALL: {
		const struct cordon_event_syscall *e = data;

		put_field(cf, "syscall");
		put_u64(cf, e->nr);
		put_lit(cf, ",\"layer_inferred\":true");
		if (e->flags & CORDON_SYSCALL_PATH) {
			put_lit(tail, ",\"file\":{\"path\":");
			put_agent_str(tail, hex, "file.path", -1, e->path, sizeof(e->path));
			put_lit(tail, "}");
		}
		if (e->flags & CORDON_SYSCALL_ADDR) {
			if (e->family == AF_INET || e->family == AF_INET6)
				put_destination(tail, e->addr, e->port, "tcp");
			put_field(cf, "family");
			put_u64(cf, e->family);
		}
		if (e->flags & CORDON_SYSCALL_ARG) {
			put_field(cf, "arg");
			put_i64(cf, (int64_t)e->arg);
		}
		break;
	}
	}
}

int cordon_audit_format_event(struct cordon_audit_format *f, const struct cordon_audit_ctx *c,
			      const void *data, size_t size, struct cordon_audit_buf *out,
			      struct cordon_audit_keys *keys)
{
	const struct cordon_event_hdr *h = data;
	int type = cordon_event_check(data, size);
	const char *action, *category, *etype, *outcome;
	char cf_mem[SCRATCH_BYTES], tail_mem[SCRATCH_BYTES], hex_mem[SCRATCH_BYTES];
	struct cordon_audit_buf cf = { .p = cf_mem, .cap = sizeof(cf_mem), .fixed = true };
	struct cordon_audit_buf tail = { .p = tail_mem, .cap = sizeof(tail_mem), .fixed = true };
	struct cordon_audit_buf hex = { .p = hex_mem, .cap = sizeof(hex_mem), .fixed = true };
	size_t start = out->len;

	if (type < 0)
		return type;
	action = cordon_audit_classify(h, type, &category, &etype);
	if (!action || !formatted_here(type))
		return -ENOSYS;
	outcome = h->verdict ? "failure" : "success";

	/* cordon.hex is known only once every string is encoded: fields first, then the line. */
	put_fields(f, data, type, &cf, &tail, &hex);
	if (cf.overflow || tail.overflow || hex.overflow)
		return -ENOSYS; /* beyond the scratch space: the json_t path has no such bound */

	put_lit(out, "{\"@timestamp\":\"");
	cordon_audit_format_time(f, realtime_of(f, h->ts_ns), out);
	put_lit(out, "\",\"event\":{\"kind\":\"event\"");
	if (category) {
		put_lit(out, ",\"category\":[");
		put_name(out, category);
		put_lit(out, "]");
	}
	if (etype) {
		put_lit(out, ",\"type\":[");
		put_name(out, etype);
		put_lit(out, "]");
	}
	put_field(out, "action");
	put_name(out, action);
	put_field(out, "outcome");
	put_name(out, outcome);
	if (type == CORDON_EV_EXIT) {
		const struct cordon_event_exit *e = data;

		if (e->start_ns && e->start_ns <= e->hdr.ts_ns) {
			put_field(out, "duration");
			put_i64(out, (int64_t)(e->hdr.ts_ns - e->start_ns));
		}
	}
	put_lit(out, "},");
	put_session_cached(f, out, c, h->session);
	put(out, cf.p, cf.len);
	if (hex.len) {
		put_lit(out, ",\"hex\":{");
		put(out, hex.p + 1, hex.len - 1); /* without the leading comma */
		put_lit(out, "}");
	}
	put_lit(out, "}");
	put(out, tail.p, tail.len);
	put_lit(out, "}");
	if (out->overflow) {
		out->len = start;
		out->overflow = false;
		return -ENOMEM;
	}
	if (keys)
		*keys = (struct cordon_audit_keys){
			.session = c->session,
			.policy = c->policy,
			.action = action,
			.outcome = outcome,
			.layer = h->layer ? cordon_event_layer_name(h->layer) : NULL,
		};
	return 0;
}
