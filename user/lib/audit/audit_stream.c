// SPDX-License-Identifier: GPL-2.0-only
/* Ring-buffer records to audit records: decoding, de-duplication, counting, loss records. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"

/* Is @type an enforcement record (a program that decided and reported itself)? */
static bool enforcement(unsigned int type)
{
	return type >= 1 && type < CORDON_EV_EXEC;
}

/* Format @data for its session into the sink's line buffer. */
static int write_record(struct cordon_audit_stream *st, const void *data, size_t size)
{
	const struct cordon_event_hdr *h = data;
	const struct cordon_audit_ctx *c = &st->ctx;
	struct cordon_audit_ctx unknown;
	char name[sizeof(CORDON_AUDIT_UNKNOWN_SESSION) + 10];
	struct cordon_audit_keys keys;
	struct cordon_audit_buf *b;
	size_t start;
	int r;

	if (st->session_ctx) {
		c = st->session_ctx(st->session_arg, h->session, h->cgroup_id);
		if (!c) {
			/* Never dropped: written under the session number, for an operator to find. */
			snprintf(name, sizeof(name), CORDON_AUDIT_UNKNOWN_SESSION "%u", h->session);
			unknown =
				(struct cordon_audit_ctx){ .session = name, .host = st->ctx.host };
			c = &unknown;
			st->unknown_sessions++;
		}
	}
	b = cordon_audit_sink_line(st->sink);
	start = b->len;
	r = cordon_audit_format_event(&st->fmt, c, data, size, b, &keys);
	if (r < 0)
		return r;
	return cordon_audit_sink_commit(st->sink, start, &keys);
}

int cordon_audit_stream_event(struct cordon_audit_stream *st, const void *data, size_t size)
{
	const struct cordon_event_hdr *h = data;
	int type = cordon_event_check(data, size);
	unsigned int slot;

	if (type < 0) {
		if (type == -EOPNOTSUPP)
			st->unknown++;
		else
			st->malformed++;
		return 0;
	}
	st->seen[type & 63]++;
	slot = h->tid % CORDON_AUDIT_TID_SLOTS;
	if (type == CORDON_EV_SYSCALL && st->last[slot].tid == h->tid &&
	    enforcement(st->last[slot].type) && st->last[slot].verdict == h->verdict) {
		/* BPF LSM refused inside this syscall and said so: keep its exact record. */
		st->echoes++;
		st->last[slot].type = (uint16_t)type;
		return 0;
	}
	st->last[slot].tid = h->tid;
	st->last[slot].type = (uint16_t)type;
	st->last[slot].verdict = h->verdict;
	if (!st->sink) {
		st->written[type & 63]++;
		return 0;
	}
	if (write_record(st, data, size) < 0)
		st->write_errors++;
	else
		st->written[type & 63]++;
	return 0;
}

int cordon_audit_stream_drops(struct cordon_audit_stream *st, uint64_t total)
{
	uint64_t delta;

	if (total <= st->lost_reported)
		return 0;
	delta = total - st->lost_reported;
	st->lost_reported = total;
	if (st->sink &&
	    cordon_audit_sink_emit(
		    st->sink, cordon_audit_lost(&st->ctx, total, delta, cordon_realtime_ns())) < 0)
		st->write_errors++;
	return 1;
}

uint64_t cordon_audit_stream_refusals(const struct cordon_audit_stream *st)
{
	uint64_t n = 0;

	for (unsigned int t = 1; t < 64; t++)
		if (t != CORDON_EV_EXEC && t != CORDON_EV_EXIT && t != CORDON_EV_NET_ALLOWED)
			n += st->written[t];
	return n;
}
