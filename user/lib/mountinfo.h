/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsing of /proc/self/mountinfo: find where a filesystem type is mounted, never assume it. */
#ifndef CORDON_MOUNTINFO_H
#define CORDON_MOUNTINFO_H

#include <stddef.h>
#include <stdio.h>

struct cordon_mount {
	char root[4096];   /* root of the mount within its filesystem (field 4), unescaped */
	char target[4096]; /* mount point (field 5), unescaped */
};

/*
 * Find the first mount of filesystem type @fstype in a mountinfo stream. Returns 0 and fills @m,
 * -ENOENT when there is none, -EINVAL on a malformed line.
 */
int cordon_mountinfo_find(FILE *f, const char *fstype, struct cordon_mount *m);

/* Same, reading /proc/self/mountinfo. */
int cordon_mount_find(const char *fstype, struct cordon_mount *m);

/* Decode mountinfo's octal escapes (\040 for space, ...) in place. Returns -EINVAL on a bad one. */
int cordon_mountinfo_unescape(char *s);

#endif /* CORDON_MOUNTINFO_H */
