/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where audit records go: a JSON-lines file (O_APPEND writes of whole lines, size-based
 * rotation FILE -> FILE.1 -> ..., optional fsync), stdout, and journald (native protocol, the
 * record as MESSAGE plus key fields) with syslog(3) as the fallback. Several at once.
 */
#ifndef CORDON_AUDIT_SINK_H
#define CORDON_AUDIT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "audit_format.h"

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

#endif /* CORDON_AUDIT_SINK_H */
