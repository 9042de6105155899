// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's view of the filesystem, planned before the launch: a private devpts (only the
 * session's own terminals) and a private /dev/shm (an empty tmpfs of its own). Private /tmp and
 * /var/tmp come next, with the policy's paths below them bound back in.
 */
#include <string.h>
#include <sys/stat.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

/* What the session gets in place of the host's shared scratch places and terminals. */
static const struct {
	const char *path;
	enum cordon_view_kind kind;
} view_mounts[] = {
	{ "/dev/shm", CORDON_VIEW_TMPFS },
	{ "/dev/pts", CORDON_VIEW_DEVPTS },
};

/*
 * Rights on a private mount's root. Landlock skips a mount point hidden by a mount, so the
 * policy's rule on the host's /dev/pts does not reach the new /dev/pts: it is granted again on
 * the new root. The session's scratch space and its own terminals are always readable and writable
 * (they hold nothing of the host's and vanish with the session); execution there is the
 * policy's to allow, as it was on the host's.
 */
static uint64_t view_access(const struct pol_landlock *ll, const char *path)
{
	uint64_t a = POL_LL_READ | POL_LL_WRITE;

	for (size_t i = 0; i < ll->npaths; i++)
		if (!strcmp(ll->paths[i].path, path))
			a |= ll->paths[i].access;
	return a & ll->attr.handled_access_fs;
}

void cordon_view_plan(const struct pol_landlock *ll, struct cordon_view *v)
{
	struct stat st;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < ARRAY_SIZE(view_mounts); i++) {
		struct cordon_view_mount *m = &v->mounts[v->nmounts];

		/* Only what the host has: a missing mount point is not created in the host's tree. */
		if (lstat(view_mounts[i].path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		m->path = view_mounts[i].path;
		m->kind = view_mounts[i].kind;
		m->landlock_access = view_access(ll, m->path);
		v->nmounts++;
	}
}

bool cordon_view_has_devpts(const struct cordon_view *v)
{
	for (size_t i = 0; v && i < v->nmounts; i++)
		if (v->mounts[i].kind == CORDON_VIEW_DEVPTS)
			return true;
	return false;
}
