/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mount-namespace masks, used when BPF LSM is absent: secret files and directories inside
 * allowed trees become unreadable, protected paths read-only, denied unix sockets unreachable.
 * Only paths that exist at session start can be masked; the launcher reports that limit.
 */
#ifndef CORDON_MASKS_H
#define CORDON_MASKS_H

#include <stddef.h>

#include "launch.h"

struct policy;

struct cordon_masks {
	struct cordon_mask *v;
	size_t n;
	size_t cap;
	size_t walked; /* directory entries visited looking for secret name patterns */
	int truncated; /* the walk hit its bound: some pattern matches may be missed */
};

/* Entries visited at most when matching secret name patterns in the project. */
#define CORDON_MASK_WALK_MAX 200000

/*
 * Plan the masks of policy @p (resolved) for project @project. Returns 0 or -errno.
 */
int cordon_masks_plan(const struct policy *p, const char *project, struct cordon_masks *m);
void cordon_masks_free(struct cordon_masks *m);

#endif /* CORDON_MASKS_H */
