/* SPDX-License-Identifier: GPL-2.0-only */
/* Collect ring-buffer records in tests and look for the one a forbidden action produced. */
#ifndef CORDON_EVENTS_COLLECT_H
#define CORDON_EVENTS_COLLECT_H

#include <stdint.h>
#include <sys/types.h>

#include "events.h"

struct cordon_bpf;

#define COLLECT_MAX 64

struct collected {
	union {
		struct cordon_event_hdr hdr;
		struct cordon_event_file file;
		struct cordon_event_connect conn;
		struct cordon_event_unix unx;
		struct cordon_event_auto_user au;
	} ev[COLLECT_MAX];
	int n;
	int malformed; /* records that failed cordon_event_check() */
};

/* Drain everything the ring buffer holds now into @c (waiting up to @timeout_ms for the first). */
int collect_events(struct cordon_bpf *b, struct collected *c, int timeout_ms);

/* The first record of @type from @pid, or NULL. */
const struct cordon_event_hdr *find_event(const struct collected *c, unsigned int type, pid_t pid);

#endif /* CORDON_EVENTS_COLLECT_H */
