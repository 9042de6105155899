/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The consumer between the ring buffer and the sinks: decodes each record, drops the
 * tracepoint echo of a refusal an enforcement program already reported, counts what it saw,
 * and turns growth of the BPF drop counter into events-lost records.
 */
#ifndef CORDON_AUDIT_STREAM_H
#define CORDON_AUDIT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "audit_format.h"
#include "audit_record.h"
#include "audit_sink.h"

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

#endif /* CORDON_AUDIT_STREAM_H */
