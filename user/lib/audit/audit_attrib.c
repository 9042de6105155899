// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host tier's attribution of a session's syscall-exit refusals (the tracepoint sees only an
 * errno), shared by root's `cordon run` and the daemon: the same record for the same event.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/audit.h"
#include "audit_internal.h"
#include "sys/sys.h"

#define ATTRIB_MAX_LIST 65536 /* paths in one list; ports and rules alike */

static char ***list_of(struct cordon_attrib *a, enum cordon_attrib_list which, size_t **n)
{
	switch (which) {
	case CORDON_ATTRIB_SECRET:
		*n = &a->nsecrets;
		return &a->secrets;
	case CORDON_ATTRIB_HIDDEN:
		*n = &a->nhidden;
		return &a->hidden;
	case CORDON_ATTRIB_NOEXEC:
		*n = &a->nnoexec;
		return &a->noexec;
	default:
		*n = &a->nkeep;
		return &a->keep;
	}
}

int cordon_attrib_add(struct cordon_attrib *a, enum cordon_attrib_list which, const char *path)
{
	size_t *n;
	char ***v = list_of(a, which, &n), **grown;

	if (path[0] != '/' || *n >= ATTRIB_MAX_LIST)
		return -EINVAL;
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return -ENOMEM;
	*v = grown;
	grown[*n] = strdup(path);
	if (!grown[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

int cordon_attrib_init(struct cordon_attrib *a, const struct pol_landlock *ll, uid_t uid, gid_t gid,
		       const gid_t *groups, size_t ngroups)
{
	*a = (struct cordon_attrib){ .known = true, .uid = uid, .gid = gid };
	a->ll.abi = ll->abi;
	a->ll.attr = ll->attr;
	if (ngroups) {
		a->groups = malloc(ngroups * sizeof(*groups));
		if (!a->groups)
			return -ENOMEM;
		memcpy(a->groups, groups, ngroups * sizeof(*groups));
		a->ngroups = ngroups;
	}
	if (ll->nports) {
		a->ll.ports = malloc(ll->nports * sizeof(*ll->ports));
		if (!a->ll.ports)
			return -ENOMEM;
		memcpy(a->ll.ports, ll->ports, ll->nports * sizeof(*ll->ports));
		a->ll.nports = ll->nports;
	}
	if (ll->npaths) {
		a->ll.paths = calloc(ll->npaths, sizeof(*ll->paths));
		if (!a->ll.paths)
			return -ENOMEM;
		for (size_t i = 0; i < ll->npaths; i++, a->ll.npaths++) {
			a->ll.paths[i].path = strdup(ll->paths[i].path);
			a->ll.paths[i].access = ll->paths[i].access;
			if (!a->ll.paths[i].path)
				return -ENOMEM;
		}
	}
	return 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cordon_attrib_free(struct cordon_attrib *a)
{
	for (size_t i = 0; i < a->ll.npaths; i++)
		free(a->ll.paths[i].path);
	free(a->ll.paths);
	free(a->ll.ports);
	free_list(a->secrets, a->nsecrets);
	free_list(a->hidden, a->nhidden);
	free_list(a->keep, a->nkeep);
	free_list(a->noexec, a->nnoexec);
	free(a->groups);
	if (a->root_fd > 0)
		close(a->root_fd);
	*a = (struct cordon_attrib){ 0 };
}

void cordon_attrib_set_root(struct cordon_attrib *a, int fd)
{
	if (a->root_fd > 0)
		close(a->root_fd);
	a->root_fd = fd;
}

/* ---- JSON: the daemon's spawn worker computed it; the daemon attributes with it ---- */

static json_t *strings_json(char *const *v, size_t n)
{
	json_t *j = json_array();

	for (size_t i = 0; j && i < n; i++)
		json_array_append_new(j, json_string(v[i]));
	return j;
}

json_t *cordon_attrib_to_json(const struct cordon_attrib *a)
{
	json_t *paths = json_array(), *ports = json_array(), *groups = json_array();

	for (size_t i = 0; paths && i < a->ll.npaths; i++)
		json_array_append_new(paths, json_pack("[s,I]", a->ll.paths[i].path,
						       (json_int_t)a->ll.paths[i].access));
	for (size_t i = 0; ports && i < a->ll.nports; i++)
		json_array_append_new(ports, json_pack("[i,I]", a->ll.ports[i].port,
						       (json_int_t)a->ll.ports[i].access));
	for (size_t i = 0; groups && i < a->ngroups; i++)
		json_array_append_new(groups, json_integer(a->groups[i]));
	return json_pack("{s:i,s:I,s:I,s:o*,s:o*,s:o*,s:o*,s:o*,s:o*,s:I,s:I,s:o*}", "abi",
			 a->ll.abi, "fs", (json_int_t)a->ll.attr.handled_access_fs, "net",
			 (json_int_t)a->ll.attr.handled_access_net, "paths", paths, "ports", ports,
			 "secrets", strings_json(a->secrets, a->nsecrets), "hidden",
			 strings_json(a->hidden, a->nhidden), "keep",
			 strings_json(a->keep, a->nkeep), "noexec",
			 strings_json(a->noexec, a->nnoexec), "uid", (json_int_t)a->uid, "gid",
			 (json_int_t)a->gid, "groups", groups);
}

static bool id_ok(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	       json_integer_value(v) < (json_int_t)UINT32_MAX;
}

static int strings_from(json_t *j, struct cordon_attrib *a, enum cordon_attrib_list which)
{
	size_t i;
	json_t *v;
	int r;

	if (!json_is_array(j) || json_array_size(j) > ATTRIB_MAX_LIST)
		return -EINVAL;
	json_array_foreach (j, i, v) {
		if (!json_is_string(v))
			return -EINVAL;
		r = cordon_attrib_add(a, which, json_string_value(v));
		if (r < 0)
			return r;
	}
	return 0;
}

static int rules_from(json_t *paths, json_t *ports, struct cordon_attrib *a)
{
	size_t i;
	json_t *v;

	if (!json_is_array(paths) || !json_is_array(ports) ||
	    json_array_size(paths) > ATTRIB_MAX_LIST || json_array_size(ports) > ATTRIB_MAX_LIST)
		return -EINVAL;
	a->ll.paths = calloc(json_array_size(paths) + 1, sizeof(*a->ll.paths));
	a->ll.ports = calloc(json_array_size(ports) + 1, sizeof(*a->ll.ports));
	if (!a->ll.paths || !a->ll.ports)
		return -ENOMEM;
	json_array_foreach (paths, i, v) {
		json_t *p = json_array_get(v, 0), *acc = json_array_get(v, 1);

		if (json_array_size(v) != 2 || !json_is_string(p) || !id_ok(acc) ||
		    json_string_value(p)[0] != '/')
			return -EINVAL;
		a->ll.paths[i].path = strdup(json_string_value(p));
		if (!a->ll.paths[i].path)
			return -ENOMEM;
		a->ll.paths[i].access = (uint64_t)json_integer_value(acc);
		a->ll.npaths++;
	}
	json_array_foreach (ports, i, v) {
		json_t *p = json_array_get(v, 0), *acc = json_array_get(v, 1);

		if (json_array_size(v) != 2 || !id_ok(p) || json_integer_value(p) > 65535 ||
		    !id_ok(acc))
			return -EINVAL;
		a->ll.ports[i].port = (uint16_t)json_integer_value(p);
		a->ll.ports[i].access = (uint64_t)json_integer_value(acc);
		a->ll.nports++;
	}
	return 0;
}

int cordon_attrib_from_json(json_t *j, struct cordon_attrib *out)
{
	json_t *fs = json_object_get(j, "fs"), *net = json_object_get(j, "net"),
	       *abi = json_object_get(j, "abi"), *groups = json_object_get(j, "groups"), *v;
	struct cordon_attrib a = { .known = true };
	size_t i;
	int r = -EINVAL;

	if (!json_is_object(j) || !id_ok(fs) || !id_ok(net) || !json_is_integer(abi) ||
	    json_integer_value(abi) < 0 || json_integer_value(abi) > 64 ||
	    !id_ok(json_object_get(j, "uid")) || !id_ok(json_object_get(j, "gid")) ||
	    !json_is_array(groups) || json_array_size(groups) > ATTRIB_MAX_LIST)
		goto fail;
	a.ll.abi = (int)json_integer_value(abi);
	a.ll.attr.handled_access_fs = (uint64_t)json_integer_value(fs);
	a.ll.attr.handled_access_net = (uint64_t)json_integer_value(net);
	a.uid = (uid_t)json_integer_value(json_object_get(j, "uid"));
	a.gid = (gid_t)json_integer_value(json_object_get(j, "gid"));
	a.groups = calloc(json_array_size(groups) + 1, sizeof(*a.groups));
	if (!a.groups) {
		r = -ENOMEM;
		goto fail;
	}
	json_array_foreach (groups, i, v) {
		if (!id_ok(v))
			goto fail;
		a.groups[a.ngroups++] = (gid_t)json_integer_value(v);
	}
	r = rules_from(json_object_get(j, "paths"), json_object_get(j, "ports"), &a);
	if (r == 0)
		r = strings_from(json_object_get(j, "secrets"), &a, CORDON_ATTRIB_SECRET);
	if (r == 0)
		r = strings_from(json_object_get(j, "hidden"), &a, CORDON_ATTRIB_HIDDEN);
	if (r == 0)
		r = strings_from(json_object_get(j, "keep"), &a, CORDON_ATTRIB_KEEP);
	/* Optional: a context written before exec_deny had masks has none. */
	if (r == 0 && json_object_get(j, "noexec"))
		r = strings_from(json_object_get(j, "noexec"), &a, CORDON_ATTRIB_NOEXEC);
	if (r == 0) {
		*out = a;
		return 0;
	}
fail:
	cordon_attrib_free(&a);
	return r;
}

/* ---- the file a path reaches, as the task sees it and as its user may look ---- */

/*
 * May @uid search the directory @st? Its mode bits, as the kernel applies them: the owner's,
 * else the group's for a member, else the others'. Membership is known for the session's user
 * only; otherwise, and for a non-member whose group class grants search (a named ACL entry may
 * then grant it too), undecided counts as searchable: a refusal is never dropped on a guess.
 */
static bool mode_permits(const struct cordon_attrib *a, uint32_t uid, const struct stat *st,
			 mode_t usr, mode_t grp, mode_t oth)
{
	if (!uid)
		return true;
	if (st->st_uid == uid)
		return st->st_mode & usr;
	if (a->known && uid == a->uid) {
		bool member = st->st_gid == a->gid;

		for (size_t i = 0; i < a->ngroups && !member; i++)
			member = a->groups[i] == st->st_gid;
		if (member)
			return st->st_mode & grp;
	}
	return st->st_mode & (grp | oth);
}

static bool searchable(const struct cordon_attrib *a, uint32_t uid, const struct stat *st)
{
	return mode_permits(a, uid, st, S_IXUSR, S_IXGRP, S_IXOTH);
}

/* The resolved directory @out ("" the root) of the task's root @root: no symlink followed on
 * the way (there are none in @out; one swapped in since is refused), never out of that root. */
static int open_dir(int root, const char *out)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, root, out[0] ? out + 1 : ".", &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* Is @seg (@n bytes) "self", "thread-self" or a pid: /proc/@seg/root is the task's root. */
static bool proc_task(const char *seg, size_t n)
{
	if ((n == 4 && !strncmp(seg, "self", 4)) || (n == 11 && !strncmp(seg, "thread-self", 11)))
		return true;
	for (size_t i = 0; i < n; i++)
		if (seg[i] < '0' || seg[i] > '9')
			return false;
	return n > 0;
}

/* @out + "/" + @rest, lexically normalised: where the walk stopped and what it did not reach. */
static int stop(int err, char *out, size_t len, const char *rest)
{
	size_t n = strlen(out);

	if ((size_t)snprintf(out + n, len - n, "/%s", rest) >= len - n)
		return -ENAMETOOLONG;
	audit_normalise(out);
	return err;
}

/* Follow the symlink @name in @dir: its target, then @rest, to walk next (in @buf). */
static int follow(int dir, const char *name, char *out, char *buf, size_t len, const char *rest)
{
	char target[PATH_MAX], next[PATH_MAX];
	ssize_t k = readlinkat(dir, name, target, sizeof(target) - 1);

	if (k <= 0)
		return -ENOENT;
	target[k] = '\0';
	if (target[0] == '/')
		out[0] = '\0'; /* from the task's root, never the reader's */
	if ((size_t)snprintf(next, sizeof(next), "%s/%s", target, rest) >= sizeof(next) ||
	    strlen(next) >= len)
		return -ENAMETOOLONG;
	memcpy(buf, next, strlen(next) + 1);
	return 0;
}

/* A walk in the task's root: the directory resolved so far, held, and its attributes. */
struct walk {
	int root, cur; /* cur -1: the walk reached no directory */
	struct stat st;
};

/* Hold the directory @out of the walk's root anew (after "..", or a jump to the root). */
static void reopen(struct walk *w, const char *out)
{
	if (w->cur >= 0)
		close(w->cur);
	w->cur = open_dir(w->root, out);
	if (w->cur >= 0 && fstat(w->cur, &w->st) < 0) {
		close(w->cur);
		w->cur = -1;
	}
}

/* Step into @name (attributes @st, no symlink) of the held directory, appended to @out. */
static int descend(struct walk *w, const char *name, const struct stat *st, bool last, char *out,
		   size_t len)
{
	size_t o = strlen(out), n = strlen(name);
	int next = -1;

	if (o + n + 2 > len)
		return -ENAMETOOLONG;
	out[o] = '/';
	memcpy(out + o + 1, name, n + 1);
	/* No symlink followed even if one is swapped in since (O_NOFOLLOW: ENOTDIR); the last
	 * component needs no descriptor. */
	if (S_ISDIR(st->st_mode) && !last)
		next = openat(w->cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(w->cur);
	w->cur = next;
	w->st = *st;
	return 0;
}

/*
 * The absolute @path resolved as the task @s sees it, in its root (/proc/PID/root: its mount
 * namespace, with the view's masks and own trees) with its user's permissions: symlinks are
 * followed inside that root (an absolute target from the root, as RESOLVE_IN_ROOT), never past
 * a directory the user may not search, so nothing the user could not look at is looked at as
 * root on its behalf. 0 with @out the file reached; -EACCES or -ENOENT with @out where the walk
 * stopped followed by the rest (lexically); -ESRCH (the task is gone), -ELOOP, -ENAMETOOLONG.
 */
static int resolve(const struct cordon_attrib *a, const struct cordon_event_syscall *s,
		   const char *path, char *out, size_t len)
{
	char link[64], rest[PATH_MAX], name[NAME_MAX + 1];
	_cleanup_close_ int own = -1;
	struct walk w = { .root = a->root_fd, .cur = -1 };
	const char *p = rest;
	int loops = 0, r = 0;

	if (w.root <= 0) {
		snprintf(link, sizeof(link), "/proc/%u/root", s->hdr.pid);
		own = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
		w.root = own;
	}
	if (w.root < 0 || strlen(path) >= sizeof(rest) || len < 2)
		return w.root < 0 ? -ESRCH : -ENAMETOOLONG;
	snprintf(rest, sizeof(rest), "%s", path);
	out[0] = '\0';
	reopen(&w, out);
	while (*p && r == 0) {
		const char *seg;
		struct stat st;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			*(strrchr(out, '/') ?: out) = '\0';
			reopen(&w, out);
			continue;
		}
		/* /proc/self/root (or a pid's, all in the session's one view) is its root again. */
		if (!strcmp(out, "/proc") && proc_task(seg, n) && !strncmp(p, "/root", 5) &&
		    (p[5] == '/' || !p[5])) {
			out[0] = '\0';
			p += 5;
			reopen(&w, out);
			continue;
		}
		if (w.cur < 0)
			r = stop(-ENOENT, out, len, seg);
		else if (!searchable(a, s->hdr.uid, &w.st))
			r = stop(-EACCES, out, len, seg);
		else if (n > NAME_MAX)
			r = -ENAMETOOLONG;
		if (r)
			break;
		memcpy(name, seg, n);
		name[n] = '\0';
		if (fstatat(w.cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = stop(-ENOENT, out, len, seg);
		} else if (S_ISLNK(st.st_mode)) {
			r = ++loops > 40 ? -ELOOP : follow(w.cur, name, out, rest, sizeof(rest), p);
			p = rest;
			if (r == 0 && !out[0])
				reopen(&w, out); /* an absolute target: from the session's root */
		} else {
			r = descend(&w, name, &st, !p[strspn(p, "/")], out, len);
		}
	}
	if (w.cur >= 0)
		close(w.cur);
	if (r == 0 && !out[0])
		snprintf(out, len, "/");
	return r;
}

/* ---- would the session's rules have allowed it? ---- */

static bool path_in(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

static bool in_list(char *const *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (path_in(path, v[i]))
			return true;
	return false;
}

/* The view's own trees (its /tmp) hide the host's, unless it binds a path back. */
static bool hidden_by_view(const struct cordon_attrib *a, const char *path)
{
	return !in_list(a->keep, a->nkeep, path) && in_list(a->hidden, a->nhidden, path);
}

/* The rights the session's Landlock rules grant on @at (its own trees: all of them). */
static uint64_t granted(const struct cordon_attrib *a, const char *at)
{
	uint64_t g = pol_landlock_access_at(&a->ll, at);

	if (hidden_by_view(a, at))
		g |= POL_LL_READ | POL_LL_WRITE;
	return g;
}

/* The Landlock rights an open with @flags (or an exec) needs on the file itself. */
static uint64_t needed(const struct cordon_event_syscall *s, bool exists)
{
	unsigned int acc = (unsigned int)s->arg & O_ACCMODE;
	uint64_t a = 0;

	if (audit_hook_execs(s->hdr.hook))
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

/* Do the rules grant all of @need (within what Landlock handles) on @at? */
static bool grants(const struct cordon_attrib *a, uint64_t need, const char *at)
{
	need &= a->ll.attr.handled_access_fs;
	return need && !(need & ~granted(a, at));
}

/* @path's parent directory in @out (lexically; "/" for a name in the root). */
static void parent_of(const char *path, char *out, size_t len)
{
	char *slash;

	snprintf(out, len, "%s", path);
	slash = strrchr(out, '/');
	if (slash && slash != out)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
}

/*
 * Would the rules have allowed the open or exec @s of @abs, which resolved to @at with @res
 * (resolve()'s result)? Landlock judges the file the path reaches, never the directories on the
 * way: a walk's EACCES (a directory the user may not search) is file permissions, and not
 * cordon's when the rules would have allowed the file.
 */
static bool policy_allows(const struct cordon_attrib *a, const struct cordon_event_syscall *s,
			  const char *abs, const char *at, int res)
{
	char parent[PATH_MAX], real[PATH_MAX];

	if (res == -EACCES)
		return grants(a, needed(s, true), abs);
	if (res == -ENOENT && (s->arg & O_CREAT) && !audit_hook_execs(s->hdr.hook)) {
		/* A file created: Landlock judges the directory it is made in. */
		parent_of(abs, parent, sizeof(parent));
		if (resolve(a, s, parent, real, sizeof(real)) < 0)
			return false;
		return grants(a, needed(s, false), real);
	}
	return res == 0 && grants(a, needed(s, true), at);
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
 * Would the rules have allowed the delete or creation @s of @abs? Landlock judges the directory
 * the name is in (resolved as the task sees it), so an EACCES there that the rules grant is
 * file permissions (a root-owned directory in the project, a sticky /tmp).
 */
static bool policy_allows_dir(const struct cordon_attrib *a, const struct cordon_event_syscall *s,
			      const char *abs)
{
	char parent[PATH_MAX], real[PATH_MAX];
	int res;

	parent_of(abs, parent, sizeof(parent));
	res = resolve(a, s, parent, real, sizeof(real));
	if (res == -ESRCH || res == -ELOOP || res == -ENAMETOOLONG)
		return false;
	return grants(a, dir_right(s), real);
}

/*
 * A TCP bind's EACCES is Landlock's only when it handles binds and no rule grants the port;
 * otherwise it is the kernel's own (a port below 1024 without CAP_NET_BIND_SERVICE).
 */
static bool bind_not_landlock(const struct cordon_attrib *a, const struct cordon_event_syscall *s)
{
	if (!a->known || s->hdr.hook != CORDON_HOOK_SYS_BIND || s->hdr.verdict != -EACCES ||
	    !(s->flags & CORDON_SYSCALL_ADDR) || (s->family != AF_INET && s->family != AF_INET6))
		return false;
	if (!a->ll.abi || !(a->ll.attr.handled_access_net & LANDLOCK_ACCESS_NET_BIND_TCP))
		return true;
	for (size_t i = 0; i < a->ll.nports; i++)
		if (a->ll.ports[i].port == s->port &&
		    (a->ll.ports[i].access & LANDLOCK_ACCESS_NET_BIND_TCP))
			return true;
	return false;
}

/*
 * May the session's user write in the directory @st, by its mode? As searchable(): undecided
 * (another user's membership, a named ACL entry behind the group class) counts as writable, so
 * a refusal is never dropped on a guess.
 */
static bool writable(const struct cordon_attrib *a, uint32_t uid, const struct stat *st)
{
	return mode_permits(a, uid, st, S_IWUSR, S_IWGRP, S_IWOTH);
}

/*
 * The read-only view's EROFS for a creation or delete @s of @abs where the directory's own
 * permissions refuse the user anyway (gdb's Python making __pycache__ in root's /usr): the
 * kernel checks the mount before the permissions, so the errno is the view's, but the same call
 * fails outside the session too. Only a directory reached and stat'ed in the task's root counts.
 */
static bool refused_anyway(const struct cordon_attrib *a, const struct cordon_event_syscall *s,
			   const char *abs)
{
	char parent[PATH_MAX], real[PATH_MAX];
	_cleanup_close_ int own = -1, fd = -1;
	int root = a->root_fd;
	struct stat st;

	parent_of(abs, parent, sizeof(parent));
	if (resolve(a, s, parent, real, sizeof(real)) != 0)
		return false;
	if (root <= 0) {
		char link[64];

		snprintf(link, sizeof(link), "/proc/%u/root", s->hdr.pid);
		own = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
		root = own;
	}
	if (root < 0)
		return false;
	fd = open_dir(root, strcmp(real, "/") ? real : "");
	return fd >= 0 && fstat(fd, &st) == 0 && !writable(a, s->hdr.uid, &st);
}

/* A path refusal whose EACCES is checked against the rules. */
static bool checked_hook(const struct cordon_event_syscall *s)
{
	unsigned int hook = s->hdr.hook;

	return hook == CORDON_HOOK_SYS_OPENAT || hook == CORDON_HOOK_SYS_OPEN ||
	       hook == CORDON_HOOK_SYS_OPENAT2 || hook == CORDON_HOOK_SYS_EXECVE || dir_right(s);
}

/* /proc/PID/...: Landlock's ptrace restriction refuses what the path rules allow. */
static bool proc_of_task(const char *abs)
{
	return !strncmp(abs, "/proc/", 6) &&
	       ((abs[6] >= '0' && abs[6] <= '9') || !strncmp(abs + 6, "self/", 5) ||
		!strncmp(abs + 6, "thread-self/", 12));
}

int cordon_audit_attribute(const struct cordon_attrib *a, const struct cordon_audit_rules *r,
			   struct cordon_event_syscall *s)
{
	char abs[PATH_MAX], real[PATH_MAX];
	bool reached;
	int res;

	if (bind_not_landlock(a, s))
		return 1;
	if (audit_syscall_absolute(s, abs, sizeof(abs)) <= 0)
		return 0; /* no path, or unknowable: reported as it came */
	res = resolve(a, s, abs, real, sizeof(real));
	/* Where a walk stopped (a masked directory, a file not there), the rest is lexical. */
	reached = res == 0 || res == -EACCES || res == -ENOENT;
	if (!s->hdr.rule_id)
		s->hdr.rule_id = cordon_audit_rule_of_path(r, abs, reached ? real : NULL,
							   audit_syscall_writes(s),
							   audit_hook_execs(s->hdr.hook));
	if (s->hdr.verdict == -EROFS && a->known && dir_right(s) && refused_anyway(a, s, abs))
		return 1;
	if (s->hdr.verdict != -EACCES || !checked_hook(s))
		return 0;
	/* The view's mask refused it (before Landlock's open hook): by its name, or by the file
	 * a symlink or /proc/self/root reaches (or the masked directory the walk stopped at). */
	if (in_list(a->secrets, a->nsecrets, abs) ||
	    (reached && in_list(a->secrets, a->nsecrets, real))) {
		s->hdr.layer = CORDON_LAYER_MOUNT_NS;
		return 0;
	}
	/* A denied program's noexec mask refused its exec (by any name that reaches it). */
	if (audit_hook_execs(s->hdr.hook) && (in_list(a->noexec, a->nnoexec, abs) ||
					      (reached && in_list(a->noexec, a->nnoexec, real)))) {
		s->hdr.layer = CORDON_LAYER_MOUNT_NS;
		return 0;
	}
	if (!a->known)
		return 0;
	if (dir_right(s))
		return policy_allows_dir(a, s, abs) ? 1 : 0;
	if (proc_of_task(abs))
		return 0;
	return policy_allows(a, s, abs, real, res) ? 1 : 0;
}
