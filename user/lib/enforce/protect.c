// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protected paths (filesystem.protect) that did not exist when the session started: no read-only
 * bind can cover them, so what the session puts there by rename, link or symlink (no open of
 * that path happens) is renamed out of the way: at once by a watch, and when the session ends.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

#define QUARANTINE	   ".cordon-quarantined"
#define QUARANTINE_TRIES   100
#define HANDLE_MAX	   128
#define PROTECT_SPARED_MAX 64 /* objects the developer made during the session */
#define PROTECT_DEPTH_MAX  8  /* directories marked per entry, on the way to its parent */

/* The deepest ancestor of @path (@len long) that exists: its length ("/" is 1). */
static size_t existing_base(const char *path, size_t len)
{
	char buf[PATH_MAX];
	struct stat st;

	if (len >= sizeof(buf))
		return 1;
	memcpy(buf, path, len);
	buf[len] = 0;
	for (;;) {
		char *slash = strrchr(buf, '/');

		if (!slash || slash == buf)
			return 1;
		*slash = 0;
		/* Followed, as the start's lstat of the entry itself followed its ancestors. */
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return (size_t)(slash - buf);
	}
}

/* @path has a .git component (any case: a case-insensitive file system has one name). */
static bool in_git_dir(const char *path)
{
	for (const char *p = path; (p = strchr(p, '/')); p++)
		if (!strncasecmp(p + 1, ".git", 4) && (p[5] == '/' || p[5] == 0))
			return true;
	return false;
}

/* The directory @path (@len long) is in is a git directory now (it has a HEAD). */
static bool parent_is_gitdir(const char *path, size_t len)
{
	char buf[PATH_MAX];
	const char *slash = memrchr(path, '/', len);
	size_t n = slash ? (size_t)(slash - path) : 0;
	struct stat st;

	if (!n || n + sizeof("/HEAD") > sizeof(buf))
		return false;
	memcpy(buf, path, n);
	memcpy(buf + n, "/HEAD", sizeof("/HEAD"));
	return lstat(buf, &st) == 0;
}

/*
 * Entries in a .git directory that is not a repository yet (`.git/hooks`, `.git/config` of a
 * project that had no repository) are left out: a repository made during the session is the
 * git guard's (its planted hooks refused at open, gitguard.c, and neutralized by the sweep,
 * which keeps the config's harmless keys). Refusing every open below them broke `git init`
 * (the sample hooks), and a rename would take a new repository's whole config. In a git
 * directory that exists (`.git/commondir`, `config.worktree`, a hooks directory a clone did
 * not make), the entry is kept: nothing of git's ordinary work makes those files there.
 */
int cordon_protect_missing(const struct pol_list *protect, struct cordon_protect_new **out)
{
	struct cordon_protect_new *v = calloc(protect->n ?: 1, sizeof(*v));
	size_t n = 0;

	*out = v;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < protect->n; i++) {
		const char *p = protect->v[i].s;
		size_t len = p ? strlen(p) : 0;
		struct stat st;

		while (len > 1 && p[len - 1] == '/')
			len--;
		if (!p || *p != '/' || len < 2 || (in_git_dir(p) && !parent_is_gitdir(p, len)) ||
		    lstat(p, &st) == 0 || errno != ENOENT)
			continue;
		v[n++] = (struct cordon_protect_new){
			.path = p, .len = len, .index = i, .base_len = existing_base(p, len)
		};
	}
	return (int)n;
}

int cordon_quarantine_at(int dfd, const char *name)
{
	char to[NAME_MAX + 1];

	for (int i = 1; i <= QUARANTINE_TRIES; i++) {
		int n = i == 1 ? snprintf(to, sizeof(to), "%s" QUARANTINE, name)
			       : snprintf(to, sizeof(to), "%s" QUARANTINE ".%d", name, i);

		if (n < 0 || (size_t)n >= sizeof(to))
			return -ENAMETOOLONG;
		/* Never over an earlier quarantined copy: each one stays for the developer. */
		if (renameat2(dfd, name, dfd, to, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EINVAL)
			return renameat(dfd, name, dfd, to) < 0 ? -errno : 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* The next component of @e's path from @off (past slashes): its start, @n its length. */
static const char *component(const struct cordon_protect_new *e, size_t *off, size_t *n)
{
	const char *c;

	while (*off < e->len && e->path[*off] == '/')
		(*off)++;
	c = e->path + *off;
	for (*n = 0; *off + *n < e->len && c[*n] != '/'; (*n)++)
		;
	*off += *n;
	return c;
}

/*
 * One entry: from its deepest ancestor that existed at start, down without following links. A
 * symlink on the way (made during the session: nothing below the base existed) or whatever is
 * at the entry itself is quarantined; a directory made on the way is descended, not removed
 * (the agent may make .config/ for other files; only the protected path is not its to make).
 */
static int sweep_one(const struct cordon_protect_new *e, const struct cordon_protect_report *o,
		     const struct cordon_protect_obj *spared, size_t nspared)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	size_t off = e->base_len, n;
	struct stat st;
	int dfd, r = 0;

	if (e->len >= sizeof(path))
		return 0;
	memcpy(path, e->path, e->len);
	path[e->base_len ?: 1] = 0;
	dfd = open(e->base_len ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	while (off < e->len) {
		const char *c = component(e, &off, &n);
		int sub;

		if (!n || n > NAME_MAX)
			break;
		memcpy(name, c, n);
		name[n] = 0;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		if (off >= e->len || S_ISLNK(st.st_mode)) {
			for (size_t i = 0; i < nspared; i++)
				if (spared[i].dev == st.st_dev && spared[i].ino == st.st_ino)
					goto out;
			memcpy(path, e->path, off);
			path[off] = 0;
			r = cordon_quarantine_at(dfd, name);
			o->on_quarantine(o->ctx, e, path, &st, r, 0);
			r = r < 0 ? r : 1;
			break;
		}
		sub = S_ISDIR(st.st_mode)
			      ? openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			      : -1;
		close(dfd);
		dfd = sub;
		if (dfd < 0)
			return 0;
	}
out:
	close(dfd);
	return r;
}

int cordon_protect_sweep(const struct cordon_protect_new *v, size_t n,
			 const struct cordon_protect_report *o,
			 const struct cordon_protect_obj *spared, size_t nspared)
{
	int count = 0;

	for (size_t i = 0; i < n; i++)
		count += sweep_one(&v[i], o, spared, nspared) > 0;
	return count;
}

/* ---- during the session: a notification group on the parent directories ---------------- */

struct cordon_protect_dir {
	int dfd; /* O_PATH: the directory itself, whatever its path becomes */
	/* -1: a parent, only the entries' names count; else a directory at entry @entry that
	 * the developer made during the session: every name made in it counts */
	int entry;
	__kernel_fsid_t fsid;
	unsigned int hbytes;
	int htype;
	unsigned char handle[HANDLE_MAX];
};

static int add_dir(struct cordon_protect_watch *w, const char *path, int entry)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[HANDLE_MAX];
	} h = { .fh.handle_bytes = HANDLE_MAX };
	struct cordon_protect_dir *d = &w->dirs[w->ndirs];
	struct statfs sfs;
	int mount_id;

	if (w->ndirs >= w->ndirs_max)
		return -E2BIG;
	for (size_t i = 0; i < w->ndirs; i++) {
		struct stat a, b;

		if (fstat(w->dirs[i].dfd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return (int)i;
	}
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, AT_SYMLINK_FOLLOW) < 0 ||
	    h.fh.handle_bytes > HANDLE_MAX || statfs(path, &sfs) < 0)
		return -errno;
	/* Inode marks: every creation in the directory, by anyone (provenance is decided later). */
	if (fanotify_mark(w->fd, FAN_MARK_ADD, FAN_CREATE | FAN_MOVED_TO | FAN_ONDIR, AT_FDCWD,
			  path) < 0)
		return -errno;
	d->dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->dfd < 0)
		return -errno;
	d->entry = entry;
	memcpy(&d->fsid, &sfs.f_fsid, sizeof(d->fsid));
	d->hbytes = h.fh.handle_bytes;
	d->htype = h.fh.handle_type;
	memcpy(d->handle, h.fh.f_handle, d->hbytes);
	return (int)w->ndirs++;
}

/* The length of the parent of entry @e's path. */
static size_t parent_len(const struct cordon_protect_new *e)
{
	const char *slash = memrchr(e->path, '/', e->len);

	return slash ? (size_t)(slash - e->path) : 0;
}

static void descend(struct cordon_protect_watch *w, size_t i, int pidfd, pid_t pid);

int cordon_protect_watch_create(struct cordon_protect_watch *w, const struct cordon_protect_new *v,
				size_t n)
{
	/*
	 * Unlimited queue: the git watch marks whole file systems, and an overflow (which a
	 * session could provoke by making files fast) would lose the event of a hook planted in
	 * that instant. The events are read as they come; their memory is this process's.
	 */
	unsigned int flags = FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC | FAN_NONBLOCK |
			     FAN_UNLIMITED_QUEUE;
	int watched = 0;

	w->fd = -1;
	w->v = v;
	w->n = n;
	/* a directory per component below the deepest that existed, for each entry */
	w->ndirs_max = n * PROTECT_DEPTH_MAX + PROTECT_SPARED_MAX;
	w->dirs = calloc(w->ndirs_max, sizeof(*w->dirs));
	w->dir_of = calloc(n ?: 1, sizeof(*w->dir_of));
	w->spared = calloc(PROTECT_SPARED_MAX, sizeof(*w->spared));
	w->chain = calloc(n ?: 1, sizeof(*w->chain));
	if (!w->dirs || !w->dir_of || !w->spared || !w->chain)
		return -ENOMEM;
	/* The creator's pidfd (5.15): a creator alive outside the session is the developer's. */
	w->fd = fanotify_init(flags | FAN_REPORT_PIDFD, O_RDONLY | O_CLOEXEC);
	w->pidfd = w->fd >= 0;
	if (w->fd < 0)
		w->fd = fanotify_init(flags, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		char base[PATH_MAX];
		size_t blen = v[i].base_len;

		w->dir_of[i] = -1;
		if (!memrchr(v[i].path, '/', v[i].len) || blen >= sizeof(base))
			continue;
		/* The deepest directory that existed: the parent, or an ancestor whose mark moves
		 * down as the directories on the way appear (descend()). */
		memcpy(base, v[i].path, blen ?: 1);
		base[blen ?: 1] = 0;
		w->dir_of[i] = add_dir(w, base, -1);
		w->chain[i] = (struct cordon_protect_chain){ .dir[0] = w->dir_of[i],
							     .at[0] = blen,
							     .n = w->dir_of[i] >= 0 };
		watched += w->dir_of[i] >= 0;
		if (w->dir_of[i] >= 0 && blen < parent_len(&v[i]))
			descend(w, i, -1, 0);
	}
	return watched;
}

/* @path is @dir or beneath it. */
static bool at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/' || n == 1);
}

/*
 * The creator is alive in a cgroup outside the session: the developer's own editor or shell.
 * Everything else counts as the session's: a creator that already exited (a short `mv`), no
 * pidfd (before 5.15), a cgroup not readable. Checked through the pidfd the event holds: the
 * process is still the same one after its cgroup was read (its pid was not reused).
 */
bool cordon_protect_outside_creator(const struct cordon_protect_watch *w, int pidfd, pid_t pid)
{
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };
	char p[64], line[PATH_MAX];
	bool outside = false;
	FILE *f;

	if (pidfd < 0 || pid <= 0 || !w->cgroup)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	f = fopen(p, "re");
	if (!f)
		return false;
	/* The v2 line (after v1 ones on a hybrid hierarchy). */
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::/", 4)) {
			line[strcspn(line, "\n")] = 0;
			outside = !at_or_under(line + 3, w->cgroup);
			break;
		}
	fclose(f);
	return outside && poll(&pf, 1, 0) == 0;
}

static const char *base_name(const struct cordon_protect_new *e, size_t *n)
{
	const char *s = memrchr(e->path, '/', e->len);

	s = s ? s + 1 : e->path;
	*n = e->len - (size_t)(s - e->path);
	return s;
}

static void recheck_dir(struct cordon_protect_watch *w, int d);

/*
 * The developer's own object at a protected path: it stays, remembered (the sweep at the end
 * leaves it), and a directory is watched in turn: what the session moves or links into it is
 * quarantined (its opens there are the listener's). A directory that cannot be watched, or
 * that changed under us, is not spared.
 */
static int spare(struct cordon_protect_watch *w, int dfd, const char *name, const struct stat *st,
		 int entry)
{
	char fdpath[64];
	struct stat now;
	int fd, d = -1;

	if (w->nspared >= PROTECT_SPARED_MAX)
		return -E2BIG;
	if (S_ISDIR(st->st_mode)) {
		fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		d = fstat(fd, &now) == 0 && now.st_ino == st->st_ino && now.st_dev == st->st_dev
			    ? add_dir(w, fdpath, entry)
			    : -ESTALE;
		close(fd);
		if (d < 0)
			return d;
	}
	w->spared[w->nspared++] =
		(struct cordon_protect_obj){ .dev = st->st_dev, .ino = st->st_ino };
	if (S_ISDIR(st->st_mode))
		recheck_dir(w, d);
	return 0;
}

int cordon_protect_spare_obj(struct cordon_protect_watch *w, const struct stat *st)
{
	if (cordon_protect_is_spared(w, st))
		return 0;
	if (w->nspared >= PROTECT_SPARED_MAX)
		return -E2BIG;
	w->spared[w->nspared++] =
		(struct cordon_protect_obj){ .dev = st->st_dev, .ino = st->st_ino };
	return 0;
}

bool cordon_protect_is_spared(const struct cordon_protect_watch *w, const struct stat *st)
{
	for (size_t i = 0; i < w->nspared; i++)
		if (w->spared[i].dev == st->st_dev && w->spared[i].ino == st->st_ino)
			return true;
	return false;
}

/* In a spared directory of entry @e: @name made there by the session is quarantined. */
static void made_in_spared(struct cordon_protect_watch *w, int d, const char *name, int pidfd,
			   pid_t pid)
{
	const struct cordon_protect_new *e = &w->v[w->dirs[d].entry];
	char path[PATH_MAX];
	struct stat st;
	int r;

	/* Our own renames raise events too; a quarantined name is inert (nothing reads it). */
	if (strstr(name, QUARANTINE) ||
	    fstatat(w->dirs[d].dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (cordon_protect_outside_creator(w, pidfd, pid) &&
	     spare(w, w->dirs[d].dfd, name, &st, w->dirs[d].entry) == 0))
		return;
	r = cordon_quarantine_at(w->dirs[d].dfd, name);
	w->quarantined += r == 0;
	w->errors += r < 0;
	snprintf(path, sizeof(path), "%.*s/%s", (int)e->len, e->path, name);
	w->report.on_quarantine(w->report.ctx, e, path, &st, r, pid);
}

static void judge_entry(struct cordon_protect_watch *w, size_t i, const char *name, int pidfd,
			pid_t pid);

/*
 * Entry @i's watch moved down: from the directory it watches now, each next component of the
 * entry's path that exists as a directory is marked in turn (and checked right after its mark:
 * what was made in it before raised no event of ours), until the entry's parent is watched;
 * then the entry itself is judged. A symlink on the way (made during the session: nothing
 * below the watched directory existed at start) would lead the entry's path elsewhere, out of
 * the listener's sight: it is quarantined, unless its creator is the developer's.
 */
static void descend(struct cordon_protect_watch *w, size_t i, int pidfd, pid_t pid)
{
	const struct cordon_protect_new *e = &w->v[i];
	size_t plen = parent_len(e);

	struct cordon_protect_chain *ch = &w->chain[i];

	while (ch->n && ch->at[ch->n - 1] < plen) {
		int dfd = w->dirs[ch->dir[ch->n - 1]].dfd, fd, d;
		size_t off = ch->at[ch->n - 1], n;
		char name[NAME_MAX + 1], fdpath[64], path[PATH_MAX];
		const char *c = component(e, &off, &n);
		struct stat st, now;

		if (!n || n > NAME_MAX || off >= sizeof(path))
			return;
		memcpy(name, c, n);
		name[n] = 0;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return; /* not there yet: its creation is an event of this directory */
		if (S_ISLNK(st.st_mode)) {
			int r;

			if (cordon_protect_is_spared(w, &st) ||
			    (cordon_protect_outside_creator(w, pidfd, pid) &&
			     cordon_protect_spare_obj(w, &st) == 0))
				return;
			memcpy(path, e->path, off);
			path[off] = 0;
			r = cordon_quarantine_at(dfd, name);
			w->quarantined += r == 0;
			w->errors += r < 0;
			w->report.on_quarantine(w->report.ctx, e, path, &st, r, pid);
			return;
		}
		if (!S_ISDIR(st.st_mode))
			return; /* a file: no entry below it until it is replaced (an event) */
		fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return;
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		d = fstat(fd, &now) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev
			    ? add_dir(w, fdpath, -1)
			    : -ESTALE;
		close(fd);
		if (d < 0 || ch->n >= CORDON_PROTECT_CHAIN_MAX) {
			w->errors++; /* left to the sweep at the end */
			return;
		}
		ch->dir[ch->n] = d;
		ch->at[ch->n++] = off;
		w->dir_of[i] = d;
	}
	if (ch->n)
		judge_entry(w, i, NULL, -1, 0);
}

/*
 * Entry @i, watched in its parent: @name made there (NULL: whatever is at the entry, after its
 * parent was marked or the queue overflowed).
 */
static void judge_entry(struct cordon_protect_watch *w, size_t i, const char *name, int pidfd,
			pid_t pid)
{
	const struct cordon_protect_new *e = &w->v[i];
	int dfd = w->dirs[w->dir_of[i]].dfd;
	char ename[NAME_MAX + 1];
	struct stat st;
	size_t n;
	const char *b = base_name(e, &n);
	int r;

	if (n > NAME_MAX)
		return;
	memcpy(ename, b, n);
	ename[n] = 0;
	/* Without a name (the queue overflowed), what the developer made stays as it is. */
	if ((name && strcmp(name, ename)) || fstatat(dfd, ename, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!name && cordon_protect_is_spared(w, &st)))
		return;
	if (name && cordon_protect_outside_creator(w, pidfd, pid) &&
	    spare(w, dfd, ename, &st, (int)i) == 0)
		return;
	/* Root renames within the held directory: the final name is never followed, and the
	 * planted object is never opened. */
	r = cordon_quarantine_at(dfd, ename);
	w->quarantined += r == 0;
	w->errors += r < 0;
	w->report.on_quarantine(w->report.ctx, e, e->path, &st, r, name ? pid : 0);
}

/* @name was made in directory @d (-1: any, the queue overflowed): quarantine what it names. */
static void created(struct cordon_protect_watch *w, int d, const char *name, int pidfd, pid_t pid)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct cordon_protect_new *e = &w->v[i];
		struct cordon_protect_chain *ch = &w->chain[i];

		/*
		 * From the deepest watched directory up: a name made at the entry (its parent is
		 * watched), or the next directory on the way appeared — also where the way was
		 * watched before (it was removed or renamed and made again): from there down.
		 */
		for (size_t k = ch->n; k-- > 0;) {
			size_t off = ch->at[k], n;
			const char *c;

			if (d >= 0 && ch->dir[k] != d)
				continue;
			if (off >= parent_len(e)) {
				judge_entry(w, i, name, pidfd, pid);
				if (name)
					break;
				continue;
			}
			c = component(e, &off, &n);
			if (name && (strlen(name) != n || strncmp(name, c, n)))
				continue;
			ch->n = k + 1;
			w->dir_of[i] = ch->dir[k];
			descend(w, i, pidfd, pid);
			break;
		}
	}
}

static int find_dir(const struct cordon_protect_watch *w, const struct fanotify_event_info_fid *fid)
{
	const struct file_handle *h = (const void *)fid->handle;

	for (size_t i = 0; i < w->ndirs; i++) {
		const struct cordon_protect_dir *d = &w->dirs[i];

		if (!memcmp(&d->fsid, &fid->fsid, sizeof(d->fsid)) &&
		    d->hbytes == h->handle_bytes && d->htype == h->handle_type &&
		    !memcmp(d->handle, h->f_handle, d->hbytes))
			return (int)i;
	}
	return -1;
}

/*
 * Every name in the developer's directory @d not known as theirs is quarantined: after events
 * were lost, and when it is first watched (what was moved in before the mark raised no event
 * of ours; the developer's own first files there are judged the same, fail closed).
 */
static void recheck_dir(struct cordon_protect_watch *w, int d)
{
	struct dirent *e;
	struct stat st;
	DIR *dir;
	int fd;

	fd = openat(w->dirs[d].dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !strstr(e->d_name, QUARANTINE) &&
		    fstatat(w->dirs[d].dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !cordon_protect_is_spared(w, &st))
			made_in_spared(w, d, e->d_name, -1, 0);
	closedir(dir);
}

/* Events were lost: every entry and every directory of the developer's is judged again. */
static void overflowed(struct cordon_protect_watch *w)
{
	created(w, -1, NULL, -1, 0);
	for (size_t d = 0; d < w->ndirs; d++)
		if (w->dirs[d].entry >= 0)
			recheck_dir(w, (int)d);
}

/* @m: the event's header, copied out of @raw, where the event and its info records are. */
static void one_event(struct cordon_protect_watch *w, const struct fanotify_event_metadata *m,
		      const char *raw)
{
	struct cordon_fan_info in;
	int d = -1;

	if (m->mask & FAN_Q_OVERFLOW) {
		overflowed(w);
		return;
	}
	cordon_fan_info_parse(raw + m->metadata_len, raw + m->event_len, &in);
	if (in.fid)
		d = find_dir(w, in.fid);
	if (d >= 0 && w->dirs[d].entry >= 0)
		made_in_spared(w, d, in.name, in.pidfd, m->pid);
	else if (d >= 0)
		created(w, d, in.name, in.pidfd, m->pid);
	if (in.fid)
		cordon_git_watch_event(w, in.fid, in.name, m->mask, in.pidfd, m->pid);
	if (in.pidfd >= 0)
		close(in.pidfd);
}

void cordon_protect_watch_serve(void *ctx)
{
	struct cordon_protect_watch *w = ctx;
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		size_t off = 0;

		if (n <= 0)
			return;
		/*
		 * An event with a name is padded to 4 bytes, not to the 8 of the header's 64-bit
		 * mask: the next header may sit misaligned, so each is copied out, never read in
		 * place (FAN_EVENT_NEXT would).
		 */
		while ((size_t)n - off >= FAN_EVENT_METADATA_LEN) {
			struct fanotify_event_metadata m;

			memcpy(&m, buf + off, sizeof(m));
			if (m.event_len < FAN_EVENT_METADATA_LEN || m.event_len > (size_t)n - off)
				break;
			if (m.vers == FANOTIFY_METADATA_VERSION && m.metadata_len <= m.event_len)
				one_event(w, &m, buf + off);
			off += m.event_len;
		}
	}
}

void cordon_protect_watch_free(struct cordon_protect_watch *w)
{
	/* Its last close waits for the marks to go: not on the launcher's exit path. */
	cordon_fan_close_detached(w->fd);
	for (size_t i = 0; w->dirs && i < w->ndirs; i++)
		close(w->dirs[i].dfd);
	free(w->dirs);
	free(w->dir_of);
	free(w->spared);
	free(w->chain);
	cordon_git_watch_free(w);
	w->chain = NULL;
	w->dirs = NULL;
	w->dir_of = NULL;
	w->spared = NULL;
	w->ndirs = 0;
	w->fd = -1;
}
