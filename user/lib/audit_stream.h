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

#include "audit_record.h"
#include "audit_sink.h"

#define CORDON_AUDIT_TID_SLOTS 256

struct cordon_audit_stream {
	struct cordon_audit_ctx ctx;
	struct cordon_audit_sink *sink; /* NULL: count only */
	/* per record type: delivered by the ring buffer / written as records */
	uint64_t seen[64], written[64];
	uint64_t malformed, unknown, echoes, write_errors;
	uint64_t lost_reported; /* drop counter value of the last events-lost record */
	/*
	 * Last record of each thread (hashed): a tracepoint refusal right after an enforcement
	 * record of the same thread and errno is the same refusal seen twice.
	 */
	struct {
		uint32_t tid;
		int32_t verdict;
		uint16_t type;
	} last[CORDON_AUDIT_TID_SLOTS];
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
