/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fast path from a ring-buffer record to its JSON line: fixed fields (numbers, names from
 * cordon's tables, the time stamp) are written straight into the sink's line buffer, every
 * string an agent controls is encoded by jansson, and the per-session fields are encoded once.
 * cordon_audit_from_event() (audit_record.c) is the reference the lines must equal.
 */
#ifndef CORDON_AUDIT_FORMAT_H
#define CORDON_AUDIT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "audit_record.h"

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

#endif /* CORDON_AUDIT_FORMAT_H */
