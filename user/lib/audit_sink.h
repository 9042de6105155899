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

/* Write what is buffered (whole lines only), rotating first when the file would grow too big. */
int cordon_audit_sink_flush(struct cordon_audit_sink *s);

/* Flush, fsync per policy, close. */
int cordon_audit_sink_close(struct cordon_audit_sink *s);

/* Lines written (or handed to journald) and bytes written to the file, since open. */
uint64_t cordon_audit_sink_lines(const struct cordon_audit_sink *s);

/* Rotate FILE -> FILE.1 -> ... -> FILE.@keep (the oldest is removed). Returns 0 or -errno. */
int cordon_audit_rotate(const char *path, unsigned int keep);

#endif /* CORDON_AUDIT_SINK_H */
