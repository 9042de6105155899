// SPDX-License-Identifier: GPL-2.0-only
/*
 * Repositories in the write trees that the session created, cloned or touched: what the agent
 * planted there to run later outside the session (hooks, config keys that name programs) is
 * neutralized when the session ends, and the listener refuses the direct writes meanwhile.
 *
 * Why a sweep and not a refusal alone: on the host tier nothing decides a rename or a link by
 * name (fanotify has no permission event for them, Landlock rules are per tree, seccomp cannot
 * read the path safely), and git itself writes its config through config.lock + rename. So a
 * hook or a config key can always be *placed* in a repository the session may write; what
 * cordon guarantees is that none of it survives the session: once every process of it is gone,
 * each repository found in the write trees is checked, as the session's user (no privilege a
 * symlink could borrow), and what changed during the session is made inert, with a record.
 * The inode's ctime says what changed: no unprivileged call sets it (utimensat sets it to now;
 * rename, link, chmod and writes all update it), so a planted file cannot look old.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

#define GIT_WALK_DEPTH 24
#define GIT_CONFIG_MAX (1 << 20)
#define QUARANTINE     ".cordon-quarantined"

static bool changed(const struct stat *st, int64_t since)
{
	return (int64_t)st->st_ctim.tv_sec * 1000000000ll + st->st_ctim.tv_nsec >= since;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* A directory git takes for a repository: HEAD, and objects + refs (or a commondir file). */
static bool is_gitdir(int dfd)
{
	struct stat st;

	if (fstatat(dfd, "HEAD", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (fstatat(dfd, "commondir", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	return fstatat(dfd, "objects", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
	       fstatat(dfd, "refs", &st, 0) == 0 && S_ISDIR(st.st_mode);
}

bool cordon_git_hook_planted(const char *path, const struct stat *st, int64_t since)
{
	const char *name = strrchr(path, '/'), *hooks;
	char dir[4096];
	struct stat hs;
	size_t n;

	if (!name || !changed(st, since) || ends_with(name, ".sample"))
		return false;
	/* .../<gitdir>/hooks/<name>: the parent is named hooks (any case: casefold trees) */
	for (hooks = name; hooks > path && hooks[-1] != '/'; hooks--)
		;
	if (hooks == path || (size_t)(name - hooks) != 5 || strncasecmp(hooks, "hooks", 5))
		return false;
	n = (size_t)(hooks - path);
	if (n + 5 > sizeof(dir))
		return false;
	memcpy(dir, path, n);
	memcpy(dir + n, "HEAD", 5);
	return lstat(dir, &hs) == 0;
}

struct sweep {
	struct cordon_git_sweep *o;
	size_t walked;
};

static void emit(struct sweep *s, const char *dir, const char *name, const struct stat *st,
		 uint32_t what)
{
	char path[4096];

	/* A path cut short still names the repository: the record says the path is cut. */
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return;
	s->o->on_change(s->o->ctx, path, st, what);
}

/* The entry made inert: renamed to a name git never runs, its mode bits taken. */
static int quarantine(int dfd, const char *name)
{
	char to[NAME_MAX + 1];
	int fd;

	if ((size_t)snprintf(to, sizeof(to), "%s" QUARANTINE, name) >= sizeof(to))
		return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
	if (renameat(dfd, name, dfd, to) < 0)
		return -errno;
	fd = openat(dfd, to, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;

		/* Not through another name: a link's other file is not the repository's. */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1)
			fchmod(fd, 0600);
		close(fd);
	}
	return 0;
}

/* Made by the developer outside the session while it ran (the watch saw its creator). */
static bool spared(const struct cordon_git_sweep *o, const struct stat *st)
{
	for (size_t i = 0; i < o->nspared; i++)
		if (o->spared[i].dev == st->st_dev && o->spared[i].ino == st->st_ino)
			return true;
	return false;
}

/* Every hook the session could have placed: all of them when the directory itself changed. */
static void sweep_hooks(struct sweep *s, int gfd, const char *gpath, const char *hname,
			bool suspect)
{
	char dir[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int hfd;

	hfd = openat(gfd, hname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hfd < 0)
		return;
	if (fstat(hfd, &st) == 0 && changed(&st, s->o->since))
		suspect = true;
	d = fdopendir(hfd);
	if (!d) {
		close(hfd);
		return;
	}
	if (snprintf(dir, sizeof(dir), "%s/%s", gpath, hname) < 0)
		dir[0] = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || ends_with(e->d_name, ".sample") ||
		    ends_with(e->d_name, QUARANTINE) ||
		    fstatat(hfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
			continue;
		if ((suspect || changed(&st, s->o->since)) && !spared(s->o, &st) &&
		    quarantine(hfd, e->d_name) == 0)
			emit(s, dir, e->d_name, &st, CORDON_GIT_HOOK);
	}
	closedir(d);
}

/* The hooks directory itself replaced by a symlink (to a tree of the agent's choosing). */
static void sweep_hooks_link(struct sweep *s, int gfd, const char *gpath, const char *hname,
			     bool suspect)
{
	struct stat st;

	if (fstatat(gfd, hname, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
		return;
	if ((suspect || changed(&st, s->o->since)) && quarantine(gfd, hname) == 0)
		emit(s, gpath, hname, &st, CORDON_GIT_HOOK);
}

/*
 * The project's own config, changed during the session (git writes it through cordon's
 * supervisor, gitwrite.c): what it now has beyond its content at the start must be on the
 * allowlist, else it is defused as any other. True: it only gained harmless keys, left as is.
 */
static bool trusted_config_kept(struct sweep *s, int dfd, const char *name)
{
	_cleanup_free_ char *now = malloc(GIT_CONFIG_MAX + 1);
	char bad[CORDON_GITWRITE_KEY_LEN];
	ssize_t n, len = 0;
	int fd;

	if (!now || !s->o->trusted_config)
		return false;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = read(fd, now + len, (size_t)(GIT_CONFIG_MAX + 1 - len))) > 0 &&
	       len + n <= GIT_CONFIG_MAX)
		len += n;
	close(fd);
	if (n != 0)
		return false; /* an error, or too big */
	return cordon_git_config_check(s->o->trusted_config, s->o->trusted_config_len, now,
				       (size_t)len, bad, sizeof(bad)) == 0;
}

static void sweep_config(struct sweep *s, int dfd, const char *dpath, const char *name,
			 bool suspect, bool trusted)
{
	struct stat st;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !(suspect || changed(&st, s->o->since)))
		return;
	if (trusted && S_ISREG(st.st_mode) && !strcmp(name, "config") &&
	    trusted_config_kept(s, dfd, name))
		return;
	/* A config that is a link, or too big to read, goes whole. */
	if (!S_ISREG(st.st_mode) || st.st_size > GIT_CONFIG_MAX)
		r = quarantine(dfd, name) == 0 ? 1 : 0;
	else
		r = cordon_git_config_defuse_at(dfd, name);
	if (r > 0)
		emit(s, dpath, name, &st, CORDON_GIT_CONFIG);
}

/* One repository's directory: its hooks, its config, its worktrees' config.worktree. */
static void sweep_gitdir(struct sweep *s, int gfd, const char *gpath)
{
	struct dirent *e;
	struct stat st;
	bool suspect, trusted;
	DIR *d;
	int dup_fd;

	/*
	 * A repository whose directory changed during the session (made, cloned, renamed into
	 * place, or just used) is the agent's: everything in it that runs code is suspect, old
	 * ctime or not (a directory prepared by an earlier session and moved in keeps its old
	 * times). The project's own .git as it was at the start is exempt: git's ordinary work
	 * changes it, and the developer's own hooks and keys in it are not the agent's (its
	 * hooks and config are read-only in the view; a changed one is still caught below).
	 */
	if (fstat(gfd, &st) < 0)
		return;
	trusted = s->o->trusted_ino && st.st_ino == s->o->trusted_ino &&
		  st.st_dev == s->o->trusted_dev;
	suspect = !trusted && changed(&st, s->o->since);
	dup_fd = dup(gfd);
	d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcasecmp(e->d_name, "hooks")) {
			sweep_hooks_link(s, gfd, gpath, e->d_name, suspect);
			sweep_hooks(s, gfd, gpath, e->d_name, suspect);
		} else if (!strcasecmp(e->d_name, "config") ||
			   !strcasecmp(e->d_name, "config.worktree")) {
			sweep_config(s, gfd, gpath, e->d_name, suspect, trusted);
		}
	}
	closedir(d);
}

static void walk(struct sweep *s, int dfd, char *path, size_t len, int depth);

/* The directory entry @name of @dfd (at @path, @len long), descended into. */
static void walk_entry(struct sweep *s, int dfd, char *path, size_t len, const char *name,
		       int depth)
{
	size_t n = strlen(name);
	int fd;

	if (len + 1 + n + 1 > 4096)
		return;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	path[len] = '/';
	memcpy(path + len + 1, name, n + 1);
	walk(s, fd, path, len + 1 + n, depth + 1);
	path[len] = 0;
	close(fd);
}

/* Symlinks are not followed: a repository reached by a link lies in a tree walked anyway. */
static void walk(struct sweep *s, int dfd, char *path, size_t len, int depth)
{
	bool gitdir = is_gitdir(dfd);
	struct dirent *e;
	DIR *d;
	int dup_fd;

	if (gitdir)
		sweep_gitdir(s, dfd, path);
	if (depth > GIT_WALK_DEPTH) {
		s->o->truncated = true;
		return;
	}
	dup_fd = dup(dfd);
	d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++s->walked > s->o->max_entries) {
			s->o->truncated = true;
			break;
		}
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		/* A repository's objects hold no code git runs, only many files. */
		if (gitdir && !strcmp(e->d_name, "objects"))
			continue;
		walk_entry(s, dfd, path, len, e->d_name, depth);
	}
	closedir(d);
}

int cordon_git_sweep(struct cordon_git_sweep *o)
{
	struct sweep s = { .o = o };
	char path[4096];

	o->truncated = false;
	for (size_t i = 0; i < o->ntrees; i++) {
		int fd = open(o->trees[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || strlen(o->trees[i]) >= sizeof(path)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		strcpy(path, o->trees[i]);
		walk(&s, fd, path, strlen(path), 0);
		close(fd);
	}
	return (int)(s.walked > INT32_MAX ? INT32_MAX : s.walked);
}
