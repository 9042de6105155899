/* SPDX-License-Identifier: GPL-2.0-only */
/* Audit: ring-buffer record checks, records, their JSON formats, sinks and the stream that joins them. */
#ifndef CORDON_AUDIT_H
#define CORDON_AUDIT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <string.h>

#include "events.h"
#include "policy/policy.h"

/* ---- event ---- */
/*
 * Validation and naming of ring-buffer records (bpf/events.h). Records come from the kernel but
 * describe an agent's actions: every length is checked before a field is read.
 */

/*
 * Check a record of @size bytes. Returns its type (> 0) when it is well formed (a longer record
 * of a newer version is accepted: fields are only ever appended), -EOPNOTSUPP for an unknown
 * type (skip it), -EBADMSG when it is truncated or its header lies about its size.
 */
int cordon_event_check(const void *data, size_t size);

/* Minimum size of a record of @type, 0 if the type is unknown. */
size_t cordon_event_min_size(unsigned int type);

const char *cordon_event_type_name(unsigned int type);
const char *cordon_event_hook_name(unsigned int hook);
const char *cordon_event_layer_name(unsigned int layer);

/* Copy a fixed-size, possibly unterminated kernel string into @out (always terminated). */
void cordon_event_str(char *out, size_t outlen, const __u8 *in, size_t inlen);

/* ---- audit_record ---- */
/*
 * Audit records as JSON objects, schema docs/audit-schema.md (field names from Elastic Common
 * Schema where one fits, plus cordon.*). Every string an agent controls goes through jansson,
 * never through a hand-written escaper, so it cannot forge or split a record.
 */

/* cordon.schema: bumped when a field changes meaning or type; new fields do not bump it. */
#define CORDON_AUDIT_SCHEMA 2

struct cordon_audit_ctx {
	const char *session;	   /* session name (32 hex digits) */
	const char *policy;	   /* policy name */
	const char *policy_sha256; /* hex digest of the policy source, NULL if unknown */
	const char *host;	   /* host name */
	/* one-entry cache of uid -> user name: a session is nearly always one user */
	bool uid_cached;
	uint32_t cached_uid;
	char cached_name[64];
};

/*
 * The common part of every record: a new object, or NULL. @action is event.action, @outcome
 * event.outcome (NULL: omitted), @category and @type single ECS values for event.category and
 * event.type (NULL: omitted).
 */
json_t *cordon_audit_record(const struct cordon_audit_ctx *c, const char *action,
			    const char *category, const char *type, const char *outcome,
			    uint64_t realtime_ns);

/* Older name of cordon_audit_record() for session records: event.category "session". */
json_t *cordon_audit_base(const struct cordon_audit_ctx *c, const char *action, const char *outcome,
			  uint64_t realtime_ns);

/*
 * A ring-buffer record as an audit record, or NULL when the record is malformed (the caller
 * counts it) or of a type not reported. @size is what the ring buffer delivered.
 */
json_t *cordon_audit_from_event(struct cordon_audit_ctx *c, const void *data, size_t size);

/*
 * The events-lost record: @total records lost since the programs were loaded, @delta of them
 * since the previous such record.
 */
json_t *cordon_audit_lost(const struct cordon_audit_ctx *c, uint64_t total, uint64_t delta,
			  uint64_t realtime_ns);

/*
 * Set @key of @obj to the string @s of @len bytes (stopping at a NUL). Valid UTF-8 is stored as
 * is; otherwise invalid bytes become U+FFFD and the exact bytes are kept, hex-encoded, under
 * cordon.hex[@field] of @rec (when @rec is not NULL). Returns 0 or -ENOMEM.
 */
int cordon_audit_set_str(json_t *rec, json_t *obj, const char *key, const char *field,
			 const void *s, size_t len);

/*
 * event.action of a ring-buffer record of @type (checked by cordon_event_check()), with its
 * event.category and event.type in *@category and *@etype; NULL for a type not reported. The
 * one classification both formatters (json_t here, audit_format.c) use.
 */
const char *cordon_audit_classify(const struct cordon_event_hdr *h, int type, const char **category,
				  const char **etype);

/* network.transport of an IPPROTO_* number: "tcp", "udp" or "other". */
const char *cordon_audit_transport(unsigned int protocol);

/* The user name of @uid into @name (empty when it does not resolve). May read files or ask NSS. */
void cordon_audit_user_lookup(uint32_t uid, char *name, size_t len);

/* Is @s (@n bytes) valid UTF-8, as jansson checks it? */
bool cordon_utf8_valid(const void *s, size_t n);

/*
 * Invalid UTF-8 made readable: @clean (room for 3 * @n bytes) gets @s with each invalid byte
 * replaced by U+FFFD, @hex (room for 2 * @n + 1) the exact bytes in lowercase hex. Returns the
 * length of @clean.
 */
size_t cordon_utf8_repair(const void *s, size_t n, char *clean, char *hex);

/* CLOCK_REALTIME ns for a CLOCK_BOOTTIME ns stamp from BPF. */
uint64_t cordon_boot_to_realtime(uint64_t boot_ns);
uint64_t cordon_realtime_ns(void);

/* RFC 3339 UTC with nanoseconds ("2026-11-23T10:00:00.123456789Z") into @buf (>= 32 bytes). */
void cordon_audit_rfc3339(uint64_t realtime_ns, char *buf, size_t len);

/* Parse cordon_audit_rfc3339()'s format (also without fraction); 0 or -EINVAL. */
int cordon_audit_parse_time(const char *s, uint64_t *realtime_ns);

/* Append @rec as one line to @fd (one write of the whole line, O_APPEND). Consumes @rec. */
int cordon_audit_write(int fd, json_t *rec);

/* ---- audit_format ---- */
/*
 * The fast path from a ring-buffer record to its JSON line: fixed fields (numbers, names from
 * cordon's tables, the time stamp) are written straight into the sink's line buffer, every
 * string an agent controls is encoded by jansson, and the per-session fields are encoded once.
 * cordon_audit_from_event() (audit_record.c) is the reference the lines must equal.
 */

/* A byte buffer lines are appended to: grown with realloc, or a caller's fixed array. */
struct cordon_audit_buf {
	char *p;
	size_t len, cap;
	bool fixed;    /* a caller's array: never reallocated */
	bool overflow; /* an append did not fit (fixed) or memory ran out: the content is cut */
};

int cordon_audit_buf_grow(struct cordon_audit_buf *b, size_t n);

/* Make room for @n more bytes. Returns 0, or -ENOMEM (and sets overflow). */
static inline int cordon_audit_buf_reserve(struct cordon_audit_buf *b, size_t n)
{
	return b->cap - b->len >= n ? 0 : cordon_audit_buf_grow(b, n);
}

/* Append @n bytes (overflow is set when they do not fit). */
static inline void cordon_audit_buf_put(struct cordon_audit_buf *b, const void *s, size_t n)
{
	if (cordon_audit_buf_reserve(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

/* The fields of a record journald indexes (CORDON_SESSION, ...); NULL when absent. */
struct cordon_audit_keys {
	const char *session, *policy, *action, *outcome, *layer;
};

#define CORDON_AUDIT_CLOCK_EVERY  64
#define CORDON_AUDIT_PREFIX_SLOTS 16
#define CORDON_AUDIT_UID_SLOTS	  8

/*
 * Caches of the formatter; zero-initialised is ready, nothing to free. Entries are checked
 * against what they were made from on every use, so a session context that was freed and
 * reused for another session can never lend its fields to a record.
 */
struct cordon_audit_format {
	/* CLOCK_REALTIME - CLOCK_BOOTTIME, read again every CORDON_AUDIT_CLOCK_EVERY records */
	uint64_t boot_offset;
	unsigned int clock_uses;
	/* "YYYY-MM-DDTHH:MM:SS." of the second last formatted */
	bool time_valid;
	uint64_t time_sec;
	char date[40];
	size_t date_len;
	/* "host":{...},"cordon":{"schema":2,"session":...,"policy":...,"policy_sha256":... */
	struct {
		bool used;
		size_t key_len, len;
		char key[384]; /* session, policy, sha256, host: flag byte + string + NUL each */
		char json[1024];
	} prefix[CORDON_AUDIT_PREFIX_SLOTS];
	/* ,"user":{"id":"N","name":...  (closed by the caller: exec adds user.effective) */
	struct {
		bool used;
		uint32_t uid;
		size_t len;
		char json[160];
	} uid[CORDON_AUDIT_UID_SLOTS];
	/* "name":... of the last valid UTF-8 comm */
	bool comm_used;
	uint8_t comm[16];
	size_t comm_len;
	char comm_json[112];
};

/*
 * Append the JSON line (without its newline) of the ring-buffer record @data of @size bytes,
 * for session @c, to @out, and fill @keys (may be NULL). Returns 0; -EBADMSG or -EOPNOTSUPP as
 * cordon_event_check() for a malformed or unknown record; -ENOSYS for a type this formatter
 * does not know the fields of (format it with cordon_audit_from_event()); -ENOMEM. On error,
 * @out->len is unchanged.
 */
int cordon_audit_format_event(struct cordon_audit_format *f, const struct cordon_audit_ctx *c,
			      const void *data, size_t size, struct cordon_audit_buf *out,
			      struct cordon_audit_keys *keys);

/* RFC 3339 time stamp as cordon_audit_rfc3339() writes it, through @f's per-second cache. */
void cordon_audit_format_time(struct cordon_audit_format *f, uint64_t realtime_ns,
			      struct cordon_audit_buf *out);

/* ---- audit_sink ---- */
/*
 * Where audit records go: a JSON-lines file (O_APPEND writes of whole lines, size-based
 * rotation FILE -> FILE.1 -> ..., optional fsync), stdout, and journald (native protocol, the
 * record as MESSAGE plus key fields) with syslog(3) as the fallback. Several at once.
 */

enum cordon_audit_fsync {
	CORDON_AUDIT_FSYNC_NONE,   /* leave it to the page cache */
	CORDON_AUDIT_FSYNC_ROTATE, /* before rotating and at close */
	CORDON_AUDIT_FSYNC_ALWAYS, /* after every flush (one per ring-buffer drain) */
};

#define CORDON_AUDIT_DEFAULT_MAX_BYTES (64ull << 20)
#define CORDON_AUDIT_DEFAULT_KEEP      5

struct cordon_audit_sink_opts {
	const char *path;   /* JSON-lines file, NULL for none */
	int fd;		    /* an already open descriptor of @path to adopt (dup'ed), or -1 */
	uint64_t max_bytes; /* rotate before a write would pass this size; 0: never */
	unsigned int keep;  /* rotated files kept: FILE.1 (newest) .. FILE.keep */
	enum cordon_audit_fsync fsync;
	bool to_stdout;	 /* also write the lines to stdout */
	bool to_journal; /* also send each record to journald (syslog when journald is absent) */
};

struct cordon_audit_sink;

/* Open the sinks. Returns 0 and *out, or -errno (nothing left open). */
int cordon_audit_sink_open(const struct cordon_audit_sink_opts *o, struct cordon_audit_sink **out);

/*
 * Queue @rec (consumed) as one line. Lines are buffered and written whole by
 * cordon_audit_sink_flush(), which this calls itself when the buffer is full. Journald gets the
 * record at once. Returns 0 or -errno.
 */
int cordon_audit_sink_emit(struct cordon_audit_sink *s, json_t *rec);

/*
 * The fast path: the sink's line buffer, for a formatter to append one record to (JSON, no
 * newline) from its current length. Flushes first when the buffer is nearly full.
 */
struct cordon_audit_buf *cordon_audit_sink_line(struct cordon_audit_sink *s);

/*
 * The record appended to the line buffer from offset @start is complete: end its line, hand it
 * to journald (with @keys) and count it. Returns 0 or -errno.
 */
int cordon_audit_sink_commit(struct cordon_audit_sink *s, size_t start,
			     const struct cordon_audit_keys *keys);

/*
 * Write what is buffered, whole lines only. A file is rotated before a line would take it past
 * max_bytes, so no file is larger than that unless a single line is.
 */
int cordon_audit_sink_flush(struct cordon_audit_sink *s);

/* Flush, fsync per policy, close. */
int cordon_audit_sink_close(struct cordon_audit_sink *s);

/* Lines written (or handed to journald) and bytes written to the file, since open. */
uint64_t cordon_audit_sink_lines(const struct cordon_audit_sink *s);

/* The most rotated files `cordon audit` reads back (FILE.1 .. FILE.99). */
#define CORDON_AUDIT_MAX_KEEP 99

/*
 * Parse a size for max_bytes: decimal digits with an optional K, M or G suffix (powers of
 * 1024). Returns 0, or -EINVAL (not a size) or -ERANGE (above 2^63).
 */
int cordon_audit_parse_size(const char *s, uint64_t *bytes);

/* Parse "none", "rotate" or "always". Returns 0 or -EINVAL. */
int cordon_audit_parse_fsync(const char *s, enum cordon_audit_fsync *out);

/* Rotate FILE -> FILE.1 -> ... -> FILE.@keep (the oldest is removed). Returns 0 or -errno. */
int cordon_audit_rotate(const char *path, unsigned int keep);

/* ---- audit_stream ---- */
/*
 * The consumer between the ring buffer and the sinks: decodes each record, drops the
 * tracepoint echo of a refusal an enforcement program already reported, counts what it saw,
 * and turns growth of the BPF drop counter into events-lost records.
 */

#define CORDON_AUDIT_TID_SLOTS 256

/* cordon.session of a record whose session the lookup did not know: "unknown-" + hdr.session */
#define CORDON_AUDIT_UNKNOWN_SESSION "unknown-"

struct cordon_audit_stream {
	/*
	 * The session of every record when session_ctx is NULL (`cordon run`). With session_ctx,
	 * only ctx.host is used: for records of sessions the lookup does not know, and for
	 * events-lost records (which belong to the ring buffer, not to a session).
	 */
	struct cordon_audit_ctx ctx;
	/*
	 * Several sessions on one ring buffer (the daemon): the context of the record's session
	 * (hdr.session, hdr.cgroup_id), valid until the next call. NULL when unknown: the record
	 * is still written, with cordon.session "unknown-<hdr.session>" and no policy.
	 */
	const struct cordon_audit_ctx *(*session_ctx)(void *arg, uint32_t session_id,
						      uint64_t cgroup_id);
	void *session_arg;
	struct cordon_audit_sink *sink; /* NULL: count only */
	/* per record type: delivered by the ring buffer / written as records */
	uint64_t seen[64], written[64];
	uint64_t malformed, unknown, echoes, write_errors;
	uint64_t unknown_sessions; /* records written under "unknown-<id>" */
	uint64_t lost_reported;	   /* drop counter value of the last events-lost record */
	/*
	 * Last record of each thread (hashed): a tracepoint refusal right after an enforcement
	 * record of the same thread and errno is the same refusal seen twice.
	 */
	struct {
		uint32_t tid;
		int32_t verdict;
		uint16_t type;
	} last[CORDON_AUDIT_TID_SLOTS];
	struct cordon_audit_format fmt; /* the fast formatter's caches */
};

/* One ring-buffer record. Never fails: problems are counted. Returns 0 (libbpf callback form). */
int cordon_audit_stream_event(struct cordon_audit_stream *st, const void *data, size_t size);

/*
 * The BPF drop counter now reads @total: emit an events-lost record when it grew since the
 * last one. Returns 1 when a record was emitted, else 0.
 */
int cordon_audit_stream_drops(struct cordon_audit_stream *st, uint64_t total);

/* Refusals seen so far (records with a non-zero verdict, echoes excluded). */
uint64_t cordon_audit_stream_refusals(const struct cordon_audit_stream *st);

/* ---- audit_sha256 ---- */
/*
 * cordon.policy_sha256: SHA-256 (FIPS 180-4) of the effective policy, so a SIEM can tell which
 * exact rules a session ran under. The digest itself is nettle's (Debian's libnettle): small,
 * and linked statically into the VM's binaries without pulling in a TLS stack.
 */

/* Lower-case hex SHA-256 of @len bytes at @data into @hex (65 bytes). */
void cordon_sha256_hex(const void *data, size_t len, char hex[65]);

/*
 * Digest of the effective policy (extends and floor merged, variables expanded): its canonical
 * JSON, as `cordon policy show --json` prints it, with sorted keys. 0 or -ENOMEM.
 */
int cordon_policy_sha256(const struct policy *p, char hex[65]);

#endif /* CORDON_AUDIT_H */
