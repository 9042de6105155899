// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one writer from ring-buffer records to JSON lines, walking each type's description
 * (event.c) without building a json_t: fixed fields are printed here, each agent-controlled
 * string is encoded by jansson on its own (JSON_ENCODE_ANY), never by a hand-written escaper.
 * The unit tests require the lines to parse to what the oracle cordon_audit_from_event()
 * (audit_oracle.c) builds, for every type and on hostile strings.
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

/*
 * Scratch for the parts of a record written before cordon.hex, which they fill, is known. The
 * longest is an exec record's tail: at most 6 bytes per byte of comm, filename and argv (argv
 * twice: args and command_line), and put_json() reserves 6 bytes per byte of a repaired string,
 * 3 per invalid byte: 6 * (16 + 256 + 640) + 6 * 3 * 640 + argv's quotes and commas < 20 KiB.
 * Its hex: 2 digits per byte, and a key per argument of up to 320 (2 bytes each) < 12 KiB.
 */
#define CF_BYTES   (8u << 10) /* + a rule's name and source: 2 * 256 bytes, 6 each */
#define TAIL_BYTES (32u << 10)
#define HEX_BYTES  (16u << 10)

#define STR_(x) #x
#define STR(x)	STR_(x)

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
	size_t n = strlen(name);

	if (cordon_audit_buf_reserve(b, n + 2) < 0)
		return;
	b->p[b->len] = '"';
	memcpy(b->p + b->len + 1, name, n);
	b->p[b->len + 1 + n] = '"';
	b->len += n + 2;
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
 * bytes in hex under cordon.hex["@obj.@key"] (".@n_key" appended when not -1), collected in @hex.
 */
static void put_agent_str(struct cordon_audit_buf *b, struct cordon_audit_buf *hex, const char *obj,
			  const char *key, long n_key, const void *s, size_t len)
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
	put_str(hex, obj);
	put_lit(hex, ".");
	put_str(hex, key);
	if (n_key >= 0) {
		put_lit(hex, ".");
		put_u64(hex, (uint64_t)n_key);
	}
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
		put_agent_str(b, hex, "process", "name", -1, comm, CORDON_COMM_LEN);
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

/* {"ip":...,"port":...},"network":{...}: the value of "destination" and the key after it. */
/* One record being written: its description and the buffers its parts go to. */
struct rec {
	struct cordon_audit_format *f;
	const struct cordon_event_desc *d;
	size_t next; /* the next of d->fields to write */
	const struct cordon_event_hdr *h;
	const __u8 *p;		      /* the record's bytes */
	struct cordon_audit_buf *hex; /* ,"obj.key":"hex digits"... */
};

static void put_destination(const struct rec *r, struct cordon_audit_buf *b, const __u8 addr[16],
			    unsigned int port, const char *transport)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = !memcmp(addr, mapped, sizeof(mapped));
	const char *domain = r->f->domain_of ? r->f->domain_of(r->f->domain_arg, addr) : NULL;
	char ip[INET6_ADDRSTRLEN];

	put_lit(b, "{\"ip\":\"");
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
	/* The name the agent looked up: checked by the resolver, escaped all the same. */
	if (domain) {
		put_lit(b, ",\"domain\":");
		put_agent_str(b, r->hex, "destination", "domain", -1, domain, strlen(domain));
	}
	put_lit(b, "},\"network\":{\"type\":");
	put_name(b, v4 ? "ipv4" : "ipv6");
	put_lit(b, ",\"transport\":");
	put_name(b, transport);
	put_lit(b, "}");
}

/* Records are only as aligned as the ring buffer makes them: fields are copied out. */
static uint64_t rd16(const struct rec *r, size_t off)
{
	__u16 v;

	memcpy(&v, r->p + off, sizeof(v));
	return v;
}

static uint64_t rd32(const struct rec *r, size_t off)
{
	__u32 v;

	memcpy(&v, r->p + off, sizeof(v));
	return v;
}

static uint64_t rd64(const struct rec *r, size_t off)
{
	__u64 v;

	memcpy(&v, r->p + off, sizeof(v));
	return v;
}

/* The object names cordon.hex keys start with. */
static const char *const obj_paths[] = {
	[CORDON_OBJ_EVENT] = "event",
	[CORDON_OBJ_CORDON] = "cordon",
	[CORDON_OBJ_TARGET] = "cordon.target",
	[CORDON_OBJ_PROCESS] = "process",
	[CORDON_OBJ_USER] = "user",
	[CORDON_OBJ_FILE] = "file",
	[CORDON_OBJ_TOP] = "",
};

/* Is field @fd written for this record? Its flag, and what its kind says. */
static bool present(const struct rec *r, const struct cordon_event_field *fd)
{
	uint64_t v;

	if (fd->when_bit && !(rd32(r, fd->when_off) & fd->when_bit))
		return false;
	switch (fd->kind) {
	case CORDON_FIELD_TID:
		return rd32(r, fd->off) != r->h->pid;
	case CORDON_FIELD_SECRET:
		/* The rule id's kind (POL_RULE_ID) says when the file was refused as a secret. */
		return r->h->rule_id >> 16 == POL_RULE_SECRET ||
		       r->h->rule_id >> 16 == POL_RULE_PATTERN;
	case CORDON_FIELD_SIGNAL:
		return rd32(r, fd->off) & 0x7f;
	case CORDON_FIELD_DURATION:
		v = rd64(r, fd->off);
		return v && v <= r->h->ts_ns;
	case CORDON_FIELD_ADDR_TCP:
		v = rd16(r, fd->aux2);
		return v == AF_INET || v == AF_INET6;
	case CORDON_FIELD_SOCKET:
		return r->h->hook == fd->arg;
	default:
		return true;
	}
}

/* Bytes of an argv field in use: what the record says, within its array. */
static size_t argv_len(const struct rec *r, const struct cordon_event_field *fd)
{
	uint64_t used = rd32(r, fd->aux);

	return used < fd->len ? (size_t)used : fd->len;
}

/* process.args: each NUL-terminated string of the argv field, the last one maybe cut. */
static void put_argv(const struct rec *r, struct cordon_audit_buf *b,
		     const struct cordon_event_field *fd)
{
	size_t len = argv_len(r, fd), off = 0;
	long i = 0;

	put_lit(b, "[");
	while (off < len) {
		const char *a = (const char *)r->p + fd->off + off;
		size_t n = strnlen(a, len - off);

		if (i)
			put_lit(b, ",");
		put_agent_str(b, r->hex, obj_paths[fd->obj], fd->key, i++, a, n);
		off += n + 1;
	}
	put_lit(b, "]");
}

/* process.command_line: the same strings joined by spaces. */
static void put_cmdline(const struct rec *r, struct cordon_audit_buf *b,
			const struct cordon_event_field *fd)
{
	size_t len = argv_len(r, fd), off = 0, k = 0;
	char line[CORDON_ARGS_LEN + 1];

	if (len > CORDON_ARGS_LEN) {
		b->overflow = true;
		return;
	}
	while (off < len) {
		const char *a = (const char *)r->p + fd->off + off;
		size_t n = strnlen(a, len - off);

		if (k)
			line[k++] = ' ';
		memcpy(line + k, a, n);
		k += n;
		off += n + 1;
	}
	put_agent_str(b, r->hex, obj_paths[fd->obj], fd->key, -1, line, k);
}

static void put_access(struct cordon_audit_buf *b, uint64_t access)
{
	put_lit(b, "{\"read\":");
	put_bool(b, access & CORDON_ACCESS_READ);
	put_field(b, "write");
	put_bool(b, access & CORDON_ACCESS_WRITE);
	put_field(b, "exec");
	put_bool(b, access & CORDON_ACCESS_EXEC);
	put_lit(b, "}");
}

/* {"family":"AF_INET6","type":"SOCK_RAW","protocol":255}: names from cordon's tables. */
static void put_socket(const struct rec *r, struct cordon_audit_buf *b,
		       const struct cordon_event_field *fd)
{
	char name[32];

	put_lit(b, "{\"family\":");
	put_name(b, cordon_socket_family_name(rd64(r, fd->off), name, sizeof(name)));
	if (fd->aux) {
		put_field(b, "type");
		put_name(b, cordon_socket_type_name(rd64(r, fd->aux), name, sizeof(name)));
		put_field(b, "protocol");
		put_i64(b, (int64_t)rd64(r, fd->aux2));
	}
	put_lit(b, "}");
}

/* The values computed from the record rather than copied out of it. */
static void put_value_derived(const struct rec *r, struct cordon_audit_buf *b,
			      const struct cordon_event_field *fd)
{
	uint64_t v;

	switch (fd->kind) {
	case CORDON_FIELD_BOOL:
		put_bool(b, rd32(r, fd->off) & fd->arg);
		break;
	case CORDON_FIELD_TRUE:
	case CORDON_FIELD_SECRET:
		put_lit(b, "true");
		break;
	case CORDON_FIELD_FALSE:
		put_lit(b, "false");
		break;
	case CORDON_FIELD_CONST:
		put_u64(b, fd->arg);
		break;
	case CORDON_FIELD_ACCESS:
		put_access(b, rd32(r, fd->off));
		break;
	case CORDON_FIELD_EXIT_CODE:
		v = rd32(r, fd->off);
		put_u64(b, v & 0x7f ? 128 + (v & 0x7f) : (v >> 8) & 0xff);
		break;
	case CORDON_FIELD_SIGNAL:
		put_u64(b, rd32(r, fd->off) & 0x7f);
		break;
	case CORDON_FIELD_DURATION:
		put_i64(b, (int64_t)(r->h->ts_ns - rd64(r, fd->off)));
		break;
	case CORDON_FIELD_ADDR:
		put_destination(r, b, r->p + fd->off, rd16(r, fd->aux),
				cordon_audit_transport(r->p[fd->aux2]));
		break;
	case CORDON_FIELD_ADDR_TCP:
		put_destination(r, b, r->p + fd->off, rd16(r, fd->aux), "tcp");
		break;
	case CORDON_FIELD_SOCKET:
		put_socket(r, b, fd);
		break;
	}
}

/* The value of field @fd (its key is written). */
static void put_value(const struct rec *r, struct cordon_audit_buf *b,
		      const struct cordon_event_field *fd)
{
	switch (fd->kind) {
	case CORDON_FIELD_U16:
		put_u64(b, rd16(r, fd->off));
		break;
	case CORDON_FIELD_U32:
	case CORDON_FIELD_TID:
		put_u64(b, rd32(r, fd->off));
		break;
	case CORDON_FIELD_I64:
		put_i64(b, (int64_t)rd64(r, fd->off));
		break;
	case CORDON_FIELD_I64S:
		for (size_t i = 0; i < fd->len / 8; i++) {
			put_str(b, i ? "," : "[");
			put_i64(b, (int64_t)rd64(r, fd->off + 8 * i));
		}
		put_lit(b, "]");
		break;
	case CORDON_FIELD_ID:
		put_lit(b, "{\"id\":\"");
		put_u64(b, rd32(r, fd->off));
		put_lit(b, "\"}");
		break;
	case CORDON_FIELD_STR:
		put_agent_str(b, r->hex, obj_paths[fd->obj], fd->key, -1, r->p + fd->off, fd->len);
		break;
	case CORDON_FIELD_ARGV:
		put_argv(r, b, fd);
		break;
	case CORDON_FIELD_CMDLINE:
		put_cmdline(r, b, fd);
		break;
	default:
		put_value_derived(r, b, fd);
		break;
	}
}

/* An object opened at its first field: the literal and its length. */
#define OPEN(lit) lit, sizeof(lit) - 1

/*
 * The fields of object @obj: the type's fields from r->next on, as long as they are in @obj
 * (they are listed in object order). @open (",\"file\":{") opens the object at its first field
 * and is closed after the last; NULL: the object is open and has a member, every key takes a
 * comma.
 */
static void put_fields_of(struct rec *r, struct cordon_audit_buf *b, unsigned int obj,
			  const char *open, size_t open_len)
{
	const struct cordon_event_field *fd = r->d->fields + r->next;
	const struct cordon_event_field *end = r->d->fields + r->d->n_fields;
	bool opened = open == NULL;

	for (; fd < end && fd->obj == obj; fd++) {
		if (!present(r, fd))
			continue;
		if (!opened) {
			put(b, open, open_len);
			put(b, fd->json + 1, fd->json_len - 1u); /* the first key: no comma */
			opened = true;
		} else if (cordon_audit_buf_reserve(b, sizeof(fd->json)) == 0) {
			memcpy(b->p + b->len, fd->json, sizeof(fd->json));
			b->len += fd->json_len;
		}
		put_value(r, b, fd);
	}
	r->next = (size_t)(fd - r->d->fields);
	if (open && opened)
		put_lit(b, "}");
}

/* Most objects have no fields of the record's type: that is seen without a call. */
static inline void put_object(struct rec *r, struct cordon_audit_buf *b, unsigned int obj,
			      const char *open, size_t open_len)
{
	if (r->next < r->d->n_fields && r->d->fields[r->next].obj == obj)
		put_fields_of(r, b, obj, open, open_len);
}

/* ,"category":[...],"type":[...],"action":...,"outcome":... of event */
static void put_event_class(struct cordon_audit_buf *b, const char *category, const char *etype,
			    const char *action, const char *outcome)
{
	if (category) {
		put_lit(b, ",\"category\":[");
		put_name(b, category);
		put_lit(b, "]");
	}
	if (etype) {
		put_lit(b, ",\"type\":[");
		put_name(b, etype);
		put_lit(b, "]");
	}
	put_field(b, "action");
	put_name(b, action);
	put_field(b, "outcome");
	put_name(b, outcome);
}

/* ,"layer":...,"hook":... of cordon */
static void put_cordon_class(struct cordon_audit_buf *b, const struct cordon_event_hdr *h)
{
	if (h->layer) {
		put_field(b, "layer");
		put_name(b, cordon_event_layer_name(h->layer));
	}
	put_field(b, "hook");
	put_name(b, cordon_event_hook_name(h->hook));
	if (cordon_event_observed(h))
		put_lit(b, ",\"observed\":true");
	/* The only confinement is tcp_listen's: the listener bound to the loopback device. */
	if (cordon_event_confined(h))
		put_lit(b, ",\"confined_to\":\"lo\"");
}

typedef typeof(((struct cordon_audit_format *)0)->cls[0]) class_entry;

/*
 * The classification of the record and its JSON (event's and cordon's parts), through @f's
 * cache: the names are looked up and measured once per type, hook, layer and verdict.
 */
static const class_entry *classify(struct cordon_audit_format *f, const struct cordon_event_hdr *h,
				   int type)
{
	uint64_t key = (uint64_t)type | (uint64_t)h->hook << 8 | (uint64_t)h->layer << 24 |
		       (uint64_t)(h->verdict != 0) << 40 |
		       (uint64_t)cordon_event_observed(h) << 41 |
		       (uint64_t)cordon_event_confined(h) << 42;
	class_entry *e = &f->cls[((key * 0x9e3779b97f4a7c15ull) >> 32) % CORDON_AUDIT_CLASS_SLOTS];
	struct cordon_audit_buf ev = { .p = e->event, .cap = sizeof(e->event), .fixed = true };
	struct cordon_audit_buf co = { .p = e->cordon, .cap = sizeof(e->cordon), .fixed = true };
	const char *category, *etype;

	if (e->used && e->key == key)
		return e;
	e->action = cordon_audit_classify(h, type, &category, &etype);
	e->outcome = cordon_event_outcome(h);
	e->layer = h->layer ? cordon_event_layer_name(h->layer) : NULL;
	put_event_class(&ev, category, etype, e->action, e->outcome);
	put_cordon_class(&co, h);
	e->event_len = ev.len;
	e->cordon_len = co.len;
	e->key = key;
	/* Names are short identifiers: they always fit; if one did not, the line says so. */
	e->used = !ev.overflow && !co.overflow;
	return e->used ? e : NULL;
}

/*
 * cordon.rule_text and rule_source: the session's entry of that id (encoded once, when the
 * session started), or the default a refusal without a rule met (compiled-in ASCII).
 */
static void put_rule_text(struct cordon_audit_buf *cf, const struct cordon_audit_ctx *c,
			  const struct cordon_event_hdr *h, int type)
{
	const struct cordon_audit_rule *e = cordon_audit_rule_find(c->rules, h->rule_id);
	const char *def;

	if (e) {
		put(cf, e->json, e->json_len);
	} else if ((def = cordon_audit_default_rule(h, type))) {
		put_field(cf, "rule_text");
		put_name(cf, def);
	}
}

/* The fields under "cordon": the header's, then the type's. */
static void put_cordon(struct rec *r, struct cordon_audit_buf *cf, const class_entry *k,
		       const struct cordon_audit_ctx *c, int type)
{
	const struct cordon_event_hdr *h = r->h;

	put(cf, k->cordon, k->cordon_len);
	if (h->verdict || h->rule_id) {
		put_field(cf, "rule");
		put_u64(cf, h->rule_id);
		put_rule_text(cf, c, h, type);
	}
	put_object(r, cf, CORDON_OBJ_TARGET, OPEN(",\"target\":{"));
	put_object(r, cf, CORDON_OBJ_CORDON, NULL, 0);
}

/* process, user and error (the header's and the type's fields), then file and the rest. */
static void put_tail(struct rec *r, struct cordon_audit_buf *tail)
{
	const struct cordon_event_hdr *h = r->h;

	put_lit(tail, ",\"process\":{\"pid\":");
	put_u64(tail, h->pid);
	put_lit(tail, ",\"thread\":{\"id\":");
	put_u64(tail, h->tid);
	put_lit(tail, "}");
	put_comm(r->f, tail, r->hex, h->comm);
	put_object(r, tail, CORDON_OBJ_PROCESS, NULL, 0);
	put_lit(tail, "}");
	put_user(r->f, tail, h->uid);
	put_object(r, tail, CORDON_OBJ_USER, NULL, 0);
	put_lit(tail, "}");
	if (r->d->error || h->verdict) {
		put_lit(tail, ",\"error\":{\"code\":");
		put_name(tail, r->d->error ?: strerrorname_np(-h->verdict) ?: "unknown");
		put_lit(tail, "}");
	}
	put_object(r, tail, CORDON_OBJ_FILE, OPEN(",\"file\":{"));
	put_object(r, tail, CORDON_OBJ_TOP, NULL, 0);
}

/* "@timestamp" and "event": what the record is. */
static void put_event(struct rec *r, struct cordon_audit_buf *out, const class_entry *k)
{
	put_lit(out, "{\"@timestamp\":\"");
	cordon_audit_format_time(r->f, realtime_of(r->f, r->h->ts_ns), out);
	put_lit(out, "\",\"event\":{\"kind\":\"event\"");
	put(out, k->event, k->event_len);
	r->next = 0;
	put_object(r, out, CORDON_OBJ_EVENT, NULL, 0);
	put_lit(out, "},");
}

int cordon_audit_format_event(struct cordon_audit_format *f, const struct cordon_audit_ctx *c,
			      const void *data, size_t size, struct cordon_audit_buf *out,
			      struct cordon_audit_keys *keys)
{
	const struct cordon_event_hdr *h = data;
	int type = cordon_event_check(data, size);
	char cf_mem[CF_BYTES], tail_mem[TAIL_BYTES], hex_mem[HEX_BYTES];
	struct cordon_audit_buf cf = { .p = cf_mem, .cap = sizeof(cf_mem), .fixed = true };
	struct cordon_audit_buf tail = { .p = tail_mem, .cap = sizeof(tail_mem), .fixed = true };
	struct cordon_audit_buf hex = { .p = hex_mem, .cap = sizeof(hex_mem), .fixed = true };
	struct rec r = { .f = f, .h = h, .p = data, .hex = &hex };
	const class_entry *k;
	size_t start = out->len;

	if (type < 0)
		return type;
	r.d = cordon_event_desc((unsigned int)type);
	k = classify(f, h, type);
	if (!k)
		return -ENOBUFS;

	/* cordon.hex is known only once every string is encoded: fields first, then the line. */
	while (r.next < r.d->n_fields && r.d->fields[r.next].obj == CORDON_OBJ_EVENT)
		r.next++; /* "event" is written last, before the rest */
	put_cordon(&r, &cf, k, c, type);
	put_tail(&r, &tail);
	if (cf.overflow || tail.overflow || hex.overflow)
		return -ENOBUFS; /* cannot happen: the scratch sizes bound the longest record */

	put_event(&r, out, k);
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
			.action = k->action,
			.outcome = k->outcome,
			.layer = k->layer,
		};
	return 0;
}
