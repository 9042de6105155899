// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-tier attribution of `cordon run`'s syscall-exit refusals: the tracepoint sees only an
 * errno, so the record is checked against the compiled policy. A relative path is made
 * absolute, a secret mask is named as the layer that refused, and an EACCES the policy would
 * have allowed (file permissions) is not reported as cordon's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"

/* The Landlock rights an open with @flags (or an exec) needs on the file itself. */
static uint64_t needed(const struct cordon_event_syscall *s, bool exists)
{
	unsigned int acc = (unsigned int)s->arg & O_ACCMODE;
	uint64_t a = 0;

	if (s->hdr.hook == CORDON_HOOK_SYS_EXECVE)
		return LANDLOCK_ACCESS_FS_EXECUTE;
	if (!exists && (s->arg & O_CREAT))
		return LANDLOCK_ACCESS_FS_MAKE_REG; /* on the parent */
	if (acc == O_RDONLY || acc == O_RDWR)
		a |= LANDLOCK_ACCESS_FS_READ_FILE;
	if (acc == O_WRONLY || acc == O_RDWR)
		a |= LANDLOCK_ACCESS_FS_WRITE_FILE;
	if (s->arg & O_TRUNC)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

static bool path_in(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0 || n == 1);
}

/* A secret mask the path is under, or NULL. */
static const struct cordon_mask *masked(const struct run *r, const char *path)
{
	for (size_t i = 0; i < r->masks.n; i++)
		if (r->masks.v[i].kind == CORDON_MASK_SECRET && path_in(path, r->masks.v[i].path))
			return &r->masks.v[i];
	return NULL;
}

/*
 * Is some directory on the way to @abs (as it exists outside the session, away from the view's
 * own trees) one @uid may not search? Then the walk's EACCES is file permissions: Landlock
 * judges the file an open or exec reaches, never the directories on the way. Undecided (the
 * task's groups are unknown here) counts as no.
 */
static bool walk_refused(const struct run *r, const char *abs, uint32_t uid)
{
	char dir[PATH_MAX];
	struct stat st;

	if (!uid || run_hidden_by_view(r, abs))
		return false;
	snprintf(dir, sizeof(dir), "%s", abs);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			*slash = '/';
			return false;
		}
		if (st.st_uid == uid ? !(st.st_mode & S_IXUSR)
				     : !(st.st_mode & (S_IXGRP | S_IXOTH)))
			return true;
		*slash = '/';
	}
	return false;
}

/*
 * Would the policy have allowed @s on @abs? Landlock judges the file the path reaches, so
 * symlinks are resolved (from outside the session: its private /tmp is granted whole).
 */
static bool policy_allows(const struct run *r, const struct cordon_event_syscall *s,
			  const char *abs)
{
	char real[PATH_MAX], parent[PATH_MAX], *slash;
	bool exists = realpath(abs, real) != NULL;
	uint64_t need = needed(s, exists), granted;
	const char *at = exists ? real : abs;

	if (!exists && need == LANDLOCK_ACCESS_FS_MAKE_REG) {
		snprintf(parent, sizeof(parent), "%s", abs);
		slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		at = realpath(parent, real) ? real : parent;
	} else if (!exists) {
		/*
		 * No such file outside: the session's own (its /tmp: Landlock refused it), or one
		 * a directory on the way hides from the task. That walk's EACCES is permissions
		 * (Landlock never judges a walk's directories), and not cordon's only when the
		 * policy would have allowed the file: root's 0700 home on $PATH once allowed.
		 */
		need = needed(s, true) & r->ll.attr.handled_access_fs;
		granted = pol_landlock_access_at(&r->ll, abs);
		return need && !(need & ~granted) && walk_refused(r, abs, s->hdr.uid);
	}
	need &= r->ll.attr.handled_access_fs;
	granted = pol_landlock_access_at(&r->ll, at);
	if (run_hidden_by_view(r, at))
		granted |= POL_LL_READ | POL_LL_WRITE;
	return need && !(need & ~granted);
}

/*
 * The Landlock right a delete or creation (@s, one of the unlink, rmdir, mkdir, symlink, mknod
 * rows) needs on the directory that holds its path; 0 for any other record.
 */
static uint64_t dir_right(const struct cordon_event_syscall *s)
{
	switch (s->hdr.hook) {
	case CORDON_HOOK_SYS_UNLINK:
		return LANDLOCK_ACCESS_FS_REMOVE_FILE;
	case CORDON_HOOK_SYS_UNLINKAT:
		return (s->arg & AT_REMOVEDIR) ? LANDLOCK_ACCESS_FS_REMOVE_DIR
					       : LANDLOCK_ACCESS_FS_REMOVE_FILE;
	case CORDON_HOOK_SYS_RMDIR:
		return LANDLOCK_ACCESS_FS_REMOVE_DIR;
	case CORDON_HOOK_SYS_MKDIR:
	case CORDON_HOOK_SYS_MKDIRAT:
		return LANDLOCK_ACCESS_FS_MAKE_DIR;
	case CORDON_HOOK_SYS_SYMLINK:
	case CORDON_HOOK_SYS_SYMLINKAT:
		return LANDLOCK_ACCESS_FS_MAKE_SYM;
	case CORDON_HOOK_SYS_MKNOD:
	case CORDON_HOOK_SYS_MKNODAT:
		switch (s->arg & S_IFMT) {
		case S_IFIFO:
			return LANDLOCK_ACCESS_FS_MAKE_FIFO;
		case S_IFSOCK:
			return LANDLOCK_ACCESS_FS_MAKE_SOCK;
		case S_IFCHR:
			return LANDLOCK_ACCESS_FS_MAKE_CHAR;
		case S_IFBLK:
			return LANDLOCK_ACCESS_FS_MAKE_BLOCK;
		default:
			return LANDLOCK_ACCESS_FS_MAKE_REG;
		}
	default:
		return 0;
	}
}

/*
 * Would the policy have allowed the delete or creation @s of @abs? Landlock judges the
 * directory the name is in (its parent, symlinks resolved), so an EACCES there that the policy
 * grants is file permissions (a root-owned directory in the project, a sticky /tmp).
 */
static bool policy_allows_dir(const struct run *r, const struct cordon_event_syscall *s,
			      const char *abs)
{
	char parent[PATH_MAX], real[PATH_MAX], *slash;
	uint64_t need = dir_right(s) & r->ll.attr.handled_access_fs, granted;
	const char *at;

	snprintf(parent, sizeof(parent), "%s", abs);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	at = realpath(parent, real) ? real : parent;
	granted = pol_landlock_access_at(&r->ll, at);
	if (run_hidden_by_view(r, at))
		granted |= POL_LL_READ | POL_LL_WRITE;
	return need && !(need & ~granted);
}

/* A path refusal whose EACCES run_attribute() checks against the policy. */
static bool checked_hook(unsigned int hook)
{
	return hook == CORDON_HOOK_SYS_OPENAT || hook == CORDON_HOOK_SYS_OPEN ||
	       hook == CORDON_HOOK_SYS_OPENAT2 || hook == CORDON_HOOK_SYS_EXECVE;
}

/*
 * A TCP bind's EACCES is Landlock's only when it handles binds and no rule grants the port;
 * otherwise it is the kernel's own (a port below 1024 without CAP_NET_BIND_SERVICE).
 */
static bool bind_not_landlock(const struct run *r, const struct cordon_event_syscall *s)
{
	if (s->hdr.hook != CORDON_HOOK_SYS_BIND || s->hdr.verdict != -EACCES ||
	    !(s->flags & CORDON_SYSCALL_ADDR) || (s->family != AF_INET && s->family != AF_INET6))
		return false;
	if (!r->ll.abi || !(r->ll.attr.handled_access_net & LANDLOCK_ACCESS_NET_BIND_TCP))
		return true;
	for (size_t i = 0; i < r->ll.nports; i++)
		if (r->ll.ports[i].port == s->port &&
		    (r->ll.ports[i].access & LANDLOCK_ACCESS_NET_BIND_TCP))
			return true;
	return false;
}

int run_attribute(const struct run *r, struct cordon_event_syscall *s)
{
	char real[PATH_MAX];
	const char *abs = (const char *)s->path, *reached;

	if (bind_not_landlock(r, s))
		return 1;
	if (cordon_audit_attribute_syscall(r->ev.audit.rules, s, real, sizeof(real)) < 0)
		return 0; /* unknowable: reported as it came */
	reached = real[0] ? real : NULL;
	if (s->hdr.verdict != -EACCES || !(s->flags & CORDON_SYSCALL_PATH) ||
	    (!checked_hook(s->hdr.hook) && !dir_right(s)) || abs[0] != '/')
		return 0;
	/* The view's mask refused it (before Landlock's open hook): by its name, or by the file a
	 * symlink or /proc/self/root reaches. */
	if (masked(r, abs) || (reached && masked(r, reached))) {
		s->hdr.layer = CORDON_LAYER_MOUNT_NS;
		return 0;
	}
	if (dir_right(s))
		return policy_allows_dir(r, s, abs) ? 1 : 0;
	/* /proc/PID/...: Landlock's ptrace restriction refuses what the path rules allow. */
	if (!strncmp(abs, "/proc/", 6) &&
	    ((abs[6] >= '0' && abs[6] <= '9') || !strncmp(abs + 6, "self/", 5) ||
	     !strncmp(abs + 6, "thread-self/", 12)))
		return 0;
	return policy_allows(r, s, abs) ? 1 : 0;
}
