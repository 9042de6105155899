// SPDX-License-Identifier: GPL-2.0-only
/*
 * The git watch: while the session runs, what it puts in the hooks of any git directory of its
 * write trees (by rename, hard link, symlink or creation) is renamed away at once, and a config
 * it renames into one is defused, so that git run outside the session meanwhile runs nothing of
 * the agent's. The end-of-session sweep (gitguard.c) stays the guarantee; this shortens the
 * window from the session's length to the time an event takes to reach the supervisor.
 *
 * Why filesystem marks: a repository may appear anywhere in a write tree during the session
 * (`git init`, `git clone`, a directory made elsewhere and moved in), and fanotify reports
 * directory entry events only for inode and filesystem marks, never for the session's mount.
 * So the group marks the file systems of the write trees for creations and moves (a
 * notification, not a permission event: nobody waits for it), looks only at the names git acts
 * on, and resolves the directory of those alone. Other processes' creations on those file
 * systems raise events too while the session runs (their cost: the event's allocation and this
 * process reading it; outside the write trees nothing more is done).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#define QUARANTINE	 ".cordon-quarantined"
#define GIT_TREES_MAX	 64
#define MOVED_WALK_DIRS	 4096 /* directories looked at below one moved into a write tree */
#define MOVED_WALK_DEPTH 16

struct cordon_git_tree {
	const char *path; /* borrowed */
	int fd;		  /* the mount to open handles through (not O_PATH: refused there) */
	__kernel_fsid_t fsid;
};

/* What a name means to git, in the directory it was made in. */
enum git_name {
	GIT_NONE,
	GIT_HOOK,     /* a name git runs from a hooks directory */
	GIT_HOOKS,    /* the hooks directory itself (made, moved in, or a symlink) */
	GIT_MARKER,   /* its parent may have just become a git directory */
	GIT_CONFIG,   /* config, config.worktree */
	GIT_DIR_MOVED /* a directory moved in: repositories may be inside */
};

/*
 * The hooks git runs (githooks(5), git 2.39-2.47), by exact name: only these are judged at
 * once (the directory of a creation is resolved only for these names); every other name in
 * a hooks directory is the sweep's at the end, which takes any name.
 */
static const char *const hook_names[] = {
	"applypatch-msg",
	"pre-applypatch",
	"post-applypatch",
	"pre-commit",
	"pre-merge-commit",
	"prepare-commit-msg",
	"commit-msg",
	"post-commit",
	"pre-rebase",
	"post-checkout",
	"post-merge",
	"pre-push",
	"pre-receive",
	"update",
	"proc-receive",
	"post-receive",
	"post-update",
	"reference-transaction",
	"push-to-checkout",
	"pre-auto-gc",
	"post-rewrite",
	"sendemail-validate",
	"fsmonitor-watchman",
	"p4-changelist",
	"p4-prepare-changelist",
	"p4-post-changelist",
	"p4-pre-submit",
	"post-index-change",
};

static enum git_name classify(const char *name, uint64_t mask)
{
	/* A case-insensitive file system has one name for all cases: compare without case. */
	if (!strcasecmp(name, "hooks"))
		return GIT_HOOKS;
	if ((mask & FAN_ONDIR) && (mask & FAN_MOVED_TO))
		return GIT_DIR_MOVED;
	if (!strcasecmp(name, ".git"))
		return GIT_DIR_MOVED; /* a .git file or directory: looked at like a moved tree */
	if (!strcasecmp(name, "HEAD") || !strcasecmp(name, "objects") ||
	    !strcasecmp(name, "refs") || !strcasecmp(name, "commondir"))
		return GIT_MARKER;
	if (!(mask & FAN_ONDIR) &&
	    (!strcasecmp(name, "config") || !strcasecmp(name, "config.worktree")))
		return GIT_CONFIG;
	for (size_t i = 0; i < sizeof(hook_names) / sizeof(hook_names[0]); i++)
		if (!strcasecmp(name, hook_names[i]))
			return GIT_HOOK;
	return GIT_NONE;
}

static bool changed(const struct stat *st, int64_t since)
{
	return (int64_t)st->st_ctim.tv_sec * 1000000000ll + st->st_ctim.tv_nsec >= since;
}

/*
 * A directory git takes for a repository (HEAD, objects + refs) or for a worktree's common
 * directory (objects + refs, or a commondir file): its hooks are run from there.
 */
static bool gitdir_like(int dfd)
{
	struct stat st;

	if (fstatat(dfd, "commondir", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	if (fstatat(dfd, "objects", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
	    fstatat(dfd, "refs", &st, 0) == 0 && S_ISDIR(st.st_mode))
		return true;
	return fstatat(dfd, "HEAD", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (fstatat(dfd, "objects", &st, 0) == 0 || fstatat(dfd, "refs", &st, 0) == 0);
}

static bool at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/' || n == 1);
}

static int fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, size - 1);
	if (n <= 0)
		return -EINVAL;
	buf[n] = 0;
	return buf[0] == '/' ? 0 : -EINVAL;
}

int cordon_git_watch_add(struct cordon_protect_watch *w, const char *const *trees, size_t n)
{
	int marked = 0;

	w->git_trees = calloc(n ?: 1, sizeof(*w->git_trees));
	if (!w->git_trees)
		return -ENOMEM;
	for (size_t i = 0; i < n && i < GIT_TREES_MAX; i++) {
		struct cordon_git_tree *t = &w->git_trees[w->ngit_trees];
		bool seen = false;
		struct statfs sfs;

		/* Device trees (/dev/pts, /dev/shm's own instance) hold no repository. */
		if (!strncmp(trees[i], "/dev/", 5))
			continue;
		t->fd = open(trees[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (t->fd < 0)
			continue; /* a tree that does not exist holds no repository yet: its
				   * parent's file system is marked with another tree or not at
				   * all, and the sweep covers it at the end */
		if (fstatfs(t->fd, &sfs) < 0) {
			close(t->fd);
			continue;
		}
		t->path = trees[i];
		memcpy(&t->fsid, &sfs.f_fsid, sizeof(t->fsid));
		for (size_t k = 0; k < w->ngit_trees; k++)
			seen |= !memcmp(&w->git_trees[k].fsid, &t->fsid, sizeof(t->fsid));
		w->ngit_trees++;
		if (seen)
			continue;
		if (fanotify_mark(w->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				  FAN_CREATE | FAN_MOVED_TO | FAN_ONDIR, AT_FDCWD, t->path) < 0) {
			/* Said by the caller: what is put there is the sweep's at the end. */
			if (!w->git_unwatched) {
				w->git_unwatched = t->path;
				w->git_unwatched_err = -errno;
			}
			continue;
		}
		marked++;
	}
	return marked;
}

void cordon_git_watch_free(struct cordon_protect_watch *w)
{
	for (size_t i = 0; w->git_trees && i < w->ngit_trees; i++)
		close(w->git_trees[i].fd);
	free(w->git_trees);
	w->git_trees = NULL;
	w->ngit_trees = 0;
}

/* The directory an event names, opened (O_PATH) through the write tree it lies in, or -1. */
static int resolve(struct cordon_protect_watch *w, const struct fanotify_event_info_fid *fid,
		   char *path, size_t size)
{
	const struct file_handle *h = (const void *)fid->handle;
	struct {
		struct file_handle fh;
		unsigned char bytes[128];
	} copy;

	if (h->handle_bytes > sizeof(copy.bytes))
		return -1;
	memcpy(&copy.fh, h, sizeof(*h) + h->handle_bytes);
	for (size_t i = 0; i < w->ngit_trees; i++) {
		const struct cordon_git_tree *t = &w->git_trees[i];
		int fd;

		if (memcmp(&t->fsid, &fid->fsid, sizeof(t->fsid)))
			continue;
		fd = open_by_handle_at(t->fd, &copy.fh, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fd_path(fd, path, size) == 0 && at_or_under(path, t->path))
			return fd;
		close(fd);
	}
	return -1;
}

static void report(struct cordon_protect_watch *w, const char *dir, const char *name,
		   const struct stat *st, uint32_t what, int err, pid_t pid)
{
	char path[PATH_MAX];

	if (!w->report.on_git)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	w->report.on_git(w->report.ctx, path, st, what, err, pid);
}

/*
 * The hook's mode bits taken too (as the sweep does): never through a link, and only a file of
 * one name (another name of it is no hook: protected_hardlinks keeps others' files out).
 * Through the O_PATH descriptor's /proc name: the very inode looked at, no path walked again.
 */
static void take_mode(int hfd, const char *name, const struct stat *st)
{
	char proc[64];
	struct stat now;
	int fd = openat(hfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fstat(fd, &now) == 0 && now.st_ino == st->st_ino && now.st_dev == st->st_dev &&
	    S_ISREG(now.st_mode) && now.st_nlink == 1)
		chmod(proc, 0600);
	close(fd);
}

/* Root renames within the held directory: the name is never followed, the hook never opened. */
static void take_hook(struct cordon_protect_watch *w, int hfd, const char *dir, const char *name,
		      pid_t pid)
{
	struct stat st;
	int r;

	if (fstatat(hfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode) ||
	    cordon_protect_is_spared(w, &st))
		return;
	take_mode(hfd, name, &st);
	r = cordon_quarantine_at(hfd, name);
	w->quarantined += r == 0;
	w->errors += r < 0;
	report(w, dir, name, &st, CORDON_GIT_HOOK, r, pid);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

static bool trusted(const struct cordon_protect_watch *w, int gfd)
{
	struct stat st;

	return w->git_ino && fstat(gfd, &st) == 0 && st.st_ino == w->git_ino &&
	       st.st_dev == w->git_dev;
}

/*
 * The hooks of git directory @gfd (at @gpath): a hooks symlink, and each hook changed during
 * the session (@all: every one, the directory came from elsewhere), taken away. Run right after
 * a repository appears: what was placed in it before it became one raised no event we judged.
 */
static void scan_hooks(struct cordon_protect_watch *w, int gfd, const char *gpath, bool all,
		       pid_t pid)
{
	char dir[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int hfd;

	if (fstatat(gfd, "hooks", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if ((all || changed(&st, w->git_since)) && !cordon_protect_is_spared(w, &st))
			take_hook(w, gfd, gpath, "hooks", pid);
		return;
	}
	/* Made, moved in or changed during the session: nothing in it counts as the developer's
	 * by its age. Not the project's own .git (read-only hooks in the view): a change there
	 * is the developer's own, and their older hooks stay. */
	if (changed(&st, w->git_since) && !cordon_protect_is_spared(w, &st) && !trusted(w, gfd))
		all = true;
	hfd = openat(gfd, "hooks", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = hfd >= 0 ? fdopendir(hfd) : NULL;
	if (!d) {
		if (hfd >= 0)
			close(hfd);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/hooks", gpath);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !ends_with(e->d_name, ".sample") &&
		    !strstr(e->d_name, QUARANTINE) &&
		    fstatat(hfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (all || changed(&st, w->git_since)))
			take_hook(w, hfd, dir, e->d_name, pid);
	closedir(d);
}

/* A config the session put in git directory @gfd: its keys that run programs commented out. */
static void take_config(struct cordon_protect_watch *w, int gfd, const char *gpath,
			const char *name, pid_t pid)
{
	struct stat st;
	int r;

	/*
	 * The project's own config is never replaced by the session (a read-only bind; git's
	 * writes go through the supervisor, gitwrite.c): a rename onto it is the developer's.
	 */
	if (trusted(w, gfd) || fstatat(gfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    cordon_protect_is_spared(w, &st))
		return;
	if (!S_ISREG(st.st_mode)) {
		r = cordon_quarantine_at(gfd, name); /* a link or a fifo: git gets none */
		report(w, gpath, name, &st, CORDON_GIT_CONFIG, r, pid);
		return;
	}
	r = w->report.git_config_defuse ? w->report.git_config_defuse(w->report.ctx, gfd, name)
					: -ENOSYS;
	if (r != 0)
		report(w, gpath, name, &st, CORDON_GIT_CONFIG, r < 0 ? r : 0, pid);
}

/* A git directory that appeared (made, or moved in with @all): its hooks and config judged. */
static void take_gitdir(struct cordon_protect_watch *w, int gfd, const char *gpath, bool all,
			pid_t pid)
{
	struct stat st;

	/* Moved in, made during the session or used by it (as the sweep judges): not the
	 * developer's, old times inside or not (an earlier session may have prepared it). */
	if (!trusted(w, gfd) && fstat(gfd, &st) == 0 && changed(&st, w->git_since))
		all = true;
	scan_hooks(w, gfd, gpath, all, pid);
	if (all) {
		take_config(w, gfd, gpath, "config", pid);
		take_config(w, gfd, gpath, "config.worktree", pid);
	}
}

/* Below a directory moved into a write tree: every git directory (bounded), taken. */
static void walk_moved(struct cordon_protect_watch *w, int dfd, char *path, size_t len, int depth,
		       size_t *budget, pid_t pid)
{
	struct dirent *e;
	DIR *d;
	int fd;

	if (gitdir_like(dfd))
		take_gitdir(w, dfd, path, true, pid);
	if (depth >= MOVED_WALK_DEPTH)
		return;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) && *budget) {
		size_t n = strlen(e->d_name);
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
		    !strcmp(e->d_name, "objects") || len + 1 + n >= PATH_MAX)
			continue;
		sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		(*budget)--;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		walk_moved(w, sub, path, len + 1 + n, depth + 1, budget, pid);
		path[len] = 0;
		close(sub);
	}
	closedir(d);
}

/*
 * A file that got a secret name in a write tree (the developer's new .env, or one the session
 * made): its inode is the secret, whatever name it gets next. The listener refuses opens by
 * name only, and a rename or a hard link to an innocent name raises no permission event, so
 * the inode is handed to the listener now; its next permission batch syncs with this queue
 * first (cordon_fan serve), so an open that follows the rename is judged knowing it.
 */
static void secret_made(struct cordon_protect_watch *w, const struct fanotify_event_info_fid *fid,
			const char *name, uint64_t mask)
{
	uint32_t rule = !(mask & FAN_ONDIR) && w->report.secret_rule
				? w->report.secret_rule(w->report.ctx, name)
				: 0;
	char path[PATH_MAX];
	struct stat st;
	int dfd, fd;

	if (!rule || (dfd = resolve(w, fid, path, sizeof(path))) < 0)
		return;
	fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		w->report.secret_made(w->report.ctx, fd, &st, rule);
	if (fd >= 0)
		close(fd);
	close(dfd);
}

void cordon_git_watch_event(struct cordon_protect_watch *w,
			    const struct fanotify_event_info_fid *fid, const char *name,
			    uint64_t mask, int pidfd, pid_t pid)
{
	enum git_name kind = w->ngit_trees ? classify(name, mask) : GIT_NONE;
	char path[PATH_MAX];
	struct stat st;
	int dfd, up;

	if (w->ngit_trees)
		secret_made(w, fid, name, mask);
	if (kind == GIT_NONE || strstr(name, QUARANTINE))
		return;
	dfd = resolve(w, fid, path, sizeof(path));
	if (dfd < 0)
		return;
	/* The developer's own (a creator alive outside the session): left, now and at the end. */
	if (cordon_protect_outside_creator(w, pidfd, pid)) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			cordon_protect_spare_obj(w, &st);
		goto out;
	}
	switch (kind) {
	case GIT_HOOK: {
		const char *base = strrchr(path, '/');

		/* .../<git directory>/hooks/<name> */
		up = base && !strcasecmp(base + 1, "hooks")
			     ? openat(dfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)
			     : -1;
		if (up >= 0 && gitdir_like(up))
			take_hook(w, dfd, path, name, pid);
		if (up >= 0)
			close(up);
		break;
	}
	case GIT_HOOKS:
		if (gitdir_like(dfd))
			scan_hooks(w, dfd, path, true, pid);
		break;
	case GIT_MARKER:
		if (gitdir_like(dfd))
			take_gitdir(w, dfd, path, false, pid);
		break;
	case GIT_CONFIG:
		if (gitdir_like(dfd))
			take_config(w, dfd, path, name, pid);
		break;
	case GIT_DIR_MOVED: {
		size_t budget = MOVED_WALK_DIRS, len = strlen(path), n = strlen(name);
		int sub;

		if (len + 1 + n >= sizeof(path))
			break;
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			break; /* a .git file or link: it names a directory judged where it lies */
		path[len] = '/';
		memcpy(path + len + 1, name, n + 1);
		walk_moved(w, sub, path, len + 1 + n, 0, &budget, pid);
		close(sub);
		break;
	}
	case GIT_NONE:
		break;
	}
out:
	close(dfd);
}
