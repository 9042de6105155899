// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where an audit log may live: its directory and every ancestor out of reach of the user a
 * session runs as, so the agent can neither delete, replace nor pre-claim the log's names.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "sys/sys.h"

static bool in_group(gid_t gid, const struct cordon_audit_who *who)
{
	if (who->anyone)
		return gid != 0;
	if (gid == who->gid)
		return true;
	for (size_t i = 0; i < who->ngroups; i++)
		if (who->groups[i] == gid)
			return true;
	return false;
}

/* Does @who own @st (and so may chmod it, or rename it out of a sticky directory)? */
static bool owned_by(const struct stat *st, const struct cordon_audit_who *who)
{
	return who->anyone ? st->st_uid != 0 : st->st_uid == who->uid;
}

/* Can @who write @st (a directory: create, rename, delete its entries)? Its owner can always
 * chmod it writable. */
static bool writable(const struct stat *st, const struct cordon_audit_who *who)
{
	return (st->st_mode & S_IWOTH) || owned_by(st, who) ||
	       ((st->st_mode & S_IWGRP) && in_group(st->st_gid, who));
}

int cordon_audit_path_split(const char *path, char *dir, size_t dirlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *d = NULL, *real = NULL;

	*base = slash ? slash + 1 : path;
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, ".."))
		return -EISDIR;
	if (!slash)
		d = strdup(".");
	else
		d = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!d)
		return -ENOMEM;
	real = realpath(d, NULL);
	if (!real)
		return -errno;
	if ((size_t)snprintf(dir, dirlen, "%s", real) >= dirlen)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Walk from @dir up to '/': the directory itself must not be writable by @who; an ancestor
 * may be writable only when it is sticky and the entry below it is not @who's (then @who can
 * neither rename nor delete that entry: /tmp/root-owned-dir/log is safe, /tmp/log is not).
 */
static int walk_up(char *dir, const struct cordon_audit_who *who, char *bad, size_t badlen)
{
	struct stat st, child;
	bool first = true;

	for (;;) {
		char *slash;

		if (lstat(dir, &st) < 0)
			return -errno;
		if (writable(&st, who) &&
		    (first || !(st.st_mode & S_ISVTX) || owned_by(&child, who))) {
			snprintf(bad, badlen, "%s", dir);
			return -EPERM;
		}
		if (!strcmp(dir, "/"))
			return 0;
		child = st;
		first = false;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

int cordon_audit_path_check(const char *path, const struct cordon_audit_who *who, char *bad,
			    size_t badlen)
{
	char dir[PATH_MAX], file[PATH_MAX + NAME_MAX + 2];
	const char *base;
	struct stat st;
	int r = cordon_audit_path_split(path, dir, sizeof(dir), &base);

	if (r < 0) {
		snprintf(bad, badlen, "%s", path);
		return r;
	}
	snprintf(file, sizeof(file), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base);
	/* An existing log @who owns or may write is theirs to rewrite, whatever the directory. */
	if (lstat(file, &st) == 0 && writable(&st, who)) {
		snprintf(bad, badlen, "%s", file);
		return -EPERM;
	}
	return walk_up(dir, who, bad, badlen);
}
