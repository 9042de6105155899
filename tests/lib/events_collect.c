// SPDX-License-Identifier: GPL-2.0-only
/* Ring-buffer collection for tests, through the same validation the daemon uses. */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "audit/audit.h"
#include "events_collect.h"
#include "loader/loader.h"

static int on_event(void *ctx, void *data, size_t size)
{
	struct collected *c = ctx;

	if (cordon_event_check(data, size) < 0) {
		c->malformed++;
		return 0;
	}
	if (c->n < COLLECT_MAX) {
		size_t n = size < sizeof(c->ev[0]) ? size : sizeof(c->ev[0]);

		memset(&c->ev[c->n], 0, sizeof(c->ev[0]));
		memcpy(&c->ev[c->n], data, n);
		c->n++;
	}
	return 0;
}

int collect_events(struct cordon_bpf *b, struct collected *c, int timeout_ms)
{
	struct ring_buffer *rb = cordon_bpf_events(b, on_event, c);
	int r;

	if (!rb)
		return -errno;
	r = ring_buffer__poll(rb, timeout_ms);
	if (r >= 0)
		r = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return r < 0 ? r : 0;
}

const struct cordon_event_hdr *find_event(const struct collected *c, unsigned int type, pid_t pid)
{
	for (int i = 0; i < c->n; i++)
		if (c->ev[i].hdr.type == type && c->ev[i].hdr.pid == (uint32_t)pid)
			return &c->ev[i].hdr;
	return NULL;
}
