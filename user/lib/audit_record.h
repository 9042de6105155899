/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Audit records as JSON objects, schema docs/audit-schema.md (field names from Elastic Common
 * Schema where one fits, plus cordon.*). Every string an agent controls goes through jansson,
 * never through a hand-written escaper, so it cannot forge or split a record.
 */
#ifndef CORDON_AUDIT_RECORD_H
#define CORDON_AUDIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "events.h"

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

#endif /* CORDON_AUDIT_RECORD_H */
