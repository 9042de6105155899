// SPDX-License-Identifier: GPL-2.0-only
/* Ring-buffer records to audit records: decoding, de-duplication, counting, loss records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"

/* Is @type an enforcement record (a program that decided and reported itself)? */
static bool enforcement(unsigned int type)
{
	return type >= 1 && type < CORDON_EV_EXEC;
}

struct unknown_ctx {
	struct cordon_audit_ctx c;
	char name[sizeof(CORDON_AUDIT_UNKNOWN_SESSION) + 10];
};

/* The context of @h's session (@u holds it when the lookup does not know the session). */
static const struct cordon_audit_ctx *session_of(struct cordon_audit_stream *st,
						 const struct cordon_event_hdr *h,
						 struct unknown_ctx *u)
{
	const struct cordon_audit_ctx *c = &st->ctx;

	if (st->session_ctx) {
		c = st->session_ctx(st->session_arg, h->session, h->cgroup_id);
		if (!c) {
			/* Never dropped: written under the session number, for an operator to find. */
			snprintf(u->name, sizeof(u->name), CORDON_AUDIT_UNKNOWN_SESSION "%u",
				 h->session);
			u->c = (struct cordon_audit_ctx){ .session = u->name,
							  .host = st->ctx.host };
			c = &u->c;
			st->unknown_sessions++;
		}
	}
	return c;
}

/* Format @data for its session into the sink's line buffer. */
static int write_record(struct cordon_audit_stream *st, const void *data, size_t size)
{
	struct unknown_ctx u;
	const struct cordon_audit_ctx *c = session_of(st, data, &u);
	struct cordon_audit_keys keys;
	struct cordon_audit_buf *b;
	size_t start;
	int r;

	b = cordon_audit_sink_line(st->sink);
	start = b->len;
	r = cordon_audit_format_event(&st->fmt, c, data, size, b, &keys);
	if (r < 0)
		return r;
	return cordon_audit_sink_commit(st->sink, start, &keys);
}

/* The identity of a refusal: the header without time, process, thread and name, and the rest. */
static bool same_refusal(const struct cordon_event_hdr *a, const struct cordon_event_hdr *b,
			 size_t size)
{
	return a->type == b->type && a->size == b->size && a->cgroup_id == b->cgroup_id &&
	       a->session == b->session && a->uid == b->uid && a->verdict == b->verdict &&
	       a->rule_id == b->rule_id && a->hook == b->hook && a->layer == b->layer &&
	       a->flags == b->flags &&
	       !memcmp((const uint8_t *)a + sizeof(*a), (const uint8_t *)b + sizeof(*b),
		       size - sizeof(*a));
}

static uint64_t refusal_hash(const struct cordon_event_hdr *h, size_t size)
{
	const uint8_t *p = (const uint8_t *)h + sizeof(*h);
	size_t n = size - sizeof(*h), i;
	uint64_t x = 0x9e3779b97f4a7c15ull, w;

	x = (x ^ h->type ^ ((uint64_t)h->hook << 16) ^ ((uint64_t)h->session << 32)) *
	    0xff51afd7ed558ccdull;
	x = (x ^ h->rule_id ^ ((uint64_t)(uint32_t)h->verdict << 32)) * 0xff51afd7ed558ccdull;
	/* A word at a time: this runs for every refusal of a flood. */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		x = (x ^ w) * 0xff51afd7ed558ccdull;
		x ^= x >> 32;
	}
	for (; i < n; i++)
		x = (x ^ p[i]) * 0x100000001b3ull;
	return x ^ (x >> 29);
}

/* The summary of a slot's folded refusals: its record in full, counted, with their times. */
static void summarise(struct cordon_audit_stream *st, struct cordon_audit_agg *a)
{
	struct cordon_audit_buf b = { 0 };
	struct unknown_ctx u;
	char t[40];
	json_t *rec, *ev;

	if (!a->count)
		return;
	st->agg_pending--;
	if (st->sink &&
	    cordon_audit_format_event(&st->fmt, session_of(st, (const void *)a->rec, &u), a->rec,
				      a->size, &b, NULL) == 0) {
		rec = json_loadb(b.p, b.len, 0, NULL);
		ev = json_object_get(rec, "event");
		cordon_audit_rfc3339(cordon_boot_to_realtime(a->last_ns), t, sizeof(t));
		json_object_set_new(rec, "@timestamp", json_string(t));
		cordon_audit_rfc3339(cordon_boot_to_realtime(a->first_ns), t, sizeof(t));
		json_object_set_new(ev, "start", json_string(t));
		cordon_audit_rfc3339(cordon_boot_to_realtime(a->last_ns), t, sizeof(t));
		json_object_set_new(ev, "end", json_string(t));
		json_object_set_new(json_object_get(rec, "cordon"), "repeated",
				    json_integer((json_int_t)a->count));
		if (rec && cordon_audit_sink_emit(st->sink, rec) == 0)
			st->summaries++;
		else
			st->write_errors++;
	}
	free(b.p);
	a->count = 0;
}

/*
 * Fold @h into its slot's window: true when it is a repeat (counted, not written). Otherwise
 * the slot (summarised first) starts a new window with it.
 */
static bool fold(struct cordon_audit_stream *st, const struct cordon_event_hdr *h, size_t size,
		 int type)
{
	struct cordon_audit_agg *a;

	/* Each killed process is a record of its own. */
	if (st->no_aggregate || !h->verdict || size > CORDON_AUDIT_AGG_REC ||
	    type == CORDON_EV_EXEC || type == CORDON_EV_EXIT || type == CORDON_EV_AUTO_CONFINE ||
	    type == CORDON_EV_CGROUP_ESCAPE)
		return false;
	if (!st->agg) {
		st->agg = calloc(CORDON_AUDIT_AGG_SLOTS, sizeof(*st->agg));
		if (!st->agg)
			return false;
	}
	a = &st->agg[refusal_hash(h, size) % CORDON_AUDIT_AGG_SLOTS];
	if (a->size == size && h->ts_ns >= a->start_ns &&
	    h->ts_ns - a->start_ns < CORDON_AUDIT_AGG_WINDOW_NS &&
	    same_refusal((const void *)a->rec, h, size)) {
		if (!a->count++) {
			st->agg_pending++;
			a->first_ns = h->ts_ns;
		}
		a->last_ns = h->ts_ns;
		st->folded[type & 63]++;
		return true;
	}
	summarise(st, a);
	memcpy(a->rec, h, size);
	a->size = (uint32_t)size;
	a->start_ns = h->ts_ns;
	return false;
}

int cordon_audit_stream_tick(struct cordon_audit_stream *st, uint64_t now_boot_ns)
{
	uint64_t before = st->summaries;

	for (unsigned int i = 0; st->agg && st->agg_pending && i < CORDON_AUDIT_AGG_SLOTS; i++) {
		struct cordon_audit_agg *a = &st->agg[i];

		if (a->count && (now_boot_ns == UINT64_MAX ||
				 now_boot_ns - a->start_ns >= CORDON_AUDIT_AGG_WINDOW_NS))
			summarise(st, a);
	}
	return (int)(st->summaries - before);
}

void cordon_audit_stream_release(struct cordon_audit_stream *st)
{
	cordon_audit_stream_tick(st, UINT64_MAX);
	free(st->agg);
	st->agg = NULL;
	st->agg_pending = 0;
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
	if (fold(st, h, size, type))
		return 0;
	if (st->sink && write_record(st, data, size) < 0) {
		st->write_errors++;
		return 0;
	}
	st->written[type & 63]++;
	st->confined += cordon_event_confined(h);
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
			n += st->written[t] + st->folded[t];
	return n - st->confined;
}
