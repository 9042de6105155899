// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ring buffer reader's pace in a flood (loader.h cordon_ring_pace): how long a reader that
 * keeps being woken leaves the ring alone so that records are drained together.
 */
#include <stdint.h>

#include "loader/loader.h"

uint64_t cordon_ring_pace_drained(struct cordon_ring_pace *p, uint64_t now_ns, int records)
{
	/*
	 * Drained again within two paces of the last drain, and only a few records: the reader is
	 * being woken for a handful at a time. Hold one pace; the next drain (at its end) takes
	 * everything queued meanwhile. A drain of many records is a reader that is busy, maybe
	 * behind: it is not held, since a sleep would give its CPU to the flood.
	 */
	bool flood = p->last_ns && now_ns - p->last_ns < 2 * CORDON_RING_PACE_NS &&
		     records < CORDON_RING_PACE_FEW;

	p->last_ns = now_ns;
	p->hold_until_ns = flood ? now_ns + CORDON_RING_PACE_NS : 0;
	return p->hold_until_ns;
}

bool cordon_ring_pace_held(const struct cordon_ring_pace *p, uint64_t now_ns)
{
	return p->hold_until_ns && now_ns < p->hold_until_ns;
}

int cordon_ring_pace_timeout_ms(const struct cordon_ring_pace *p, uint64_t now_ns, int timeout_ms)
{
	uint64_t left;
	int ms;

	if (!cordon_ring_pace_held(p, now_ns))
		return timeout_ms;
	left = p->hold_until_ns - now_ns;
	/* Rounded up: a wait that ends before the hold would find the ring still held. */
	ms = (int)((left + 999999) / 1000000);
	return timeout_ms < 0 || ms < timeout_ms ? ms : timeout_ms;
}
