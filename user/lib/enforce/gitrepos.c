// SPDX-License-Identifier: GPL-2.0-only
/*
 * The git repositories of the write trees, found when a session starts: each one's hooks,
 * config and the files git reads to look elsewhere (commondir, config.worktree, info/), and
 * the directory its effective core.hooksPath names when that lies in a write tree, become
 * filesystem.protect entries of the session, protected as the project's own `.git/hooks` and
 * `.git/config` are (read-only binds, git's config writes through the supervisor, the listener
 * and the watch for what does not exist yet, the sweep at the end).
 *
 * Why at the start and not only at the end: the developer's own git (a prompt's `git status`,
 * an editor polling every repository of the folder) reads these files while the session runs,
 * and runs what they name (core.fsmonitor, a hook). A sweep at the end comes too late for that.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"
#include "policy/policy.h"

#define REPOS_TREES_MAX 64
#define REPOS_DEPTH	24
#define REPOS_SOURCE	"(a repository found at the start)"
/*
 * How long git may take to say a work tree's hooks directory. It reads the user's config, which
 * may include a file that never ends (an include.path naming a FIFO): unbounded, that would
 * hang every launch, and the daemon's walk for everyone's sessions.
 */
#define REPOS_GIT_TIMEOUT_MS 3000

/* What git reads in a git directory that makes it run a program or look elsewhere. */
static const char *const repo_files[] = { "config", "hooks", "commondir", "config.worktree",
					  "info" };

struct found {
	const struct cordon_git_repos_opts *o;
	struct policy *p;
	struct cordon_git_repos_stat *st;
	const char *trees[REPOS_TREES_MAX];
	size_t ntrees;
	struct {
		dev_t dev;
		ino_t ino;
	} seen[CORDON_GIT_REPOS_MAX];
	size_t nseen;
	char *worktrees[CORDON_GIT_REPOS_MAX + 1];
	size_t nworktrees;
	int err;
};

static bool at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/' || n == 1);
}

static bool in_trees(const struct found *f, const char *path)
{
	for (size_t i = 0; i < f->ntrees; i++)
		if (at_or_under(path, f->trees[i]))
			return true;
	return false;
}

/*
 * The trees the session writes on the host: the project and the write entries, less the
 * layered caches (the session writes into a layer of its own there, which the developer's git
 * never reads) and the session's private /tmp, /var/tmp and /dev.
 */
static void pick_trees(struct found *f)
{
	const struct policy *p = f->p;

	if (f->o->project)
		f->trees[f->ntrees++] = f->o->project;
	for (size_t i = 0; i < p->fs_write.n && f->ntrees < REPOS_TREES_MAX; i++) {
		const char *t = p->fs_write.v[i].s;
		bool skip = !t || *t != '/' || at_or_under(t, "/tmp") ||
			    at_or_under(t, "/var/tmp") || at_or_under(t, "/dev");

		for (size_t k = 0; !skip && k < p->fs_cache.n; k++)
			skip = p->fs_cache.v[k].s && at_or_under(t, p->fs_cache.v[k].s);
		for (size_t k = 0; !skip && k < f->ntrees; k++)
			skip = at_or_under(t, f->trees[k]);
		if (!skip)
			f->trees[f->ntrees++] = t;
	}
}

static bool listed(const struct pol_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].s && !strcmp(l->v[i].s, path))
			return true;
	return false;
}

int cordon_git_repos_add(struct policy *p, const char *path)
{
	struct pol_item it = { .s = (char *)path, .file = (char *)REPOS_SOURCE };

	if (listed(&p->fs_protect, path))
		return 0;
	p->protect_found++;
	return pol_list_append(&p->fs_protect, &it);
}

static int protect(struct found *f, const char *path)
{
	return cordon_git_repos_add(f->p, path);
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

/* Git directory @path (open as @dfd): its files protected, once. */
static void repo(struct found *f, int dfd, const char *path)
{
	char sub[PATH_MAX];
	struct stat st;

	if (fstat(dfd, &st) < 0)
		return;
	for (size_t i = 0; i < f->nseen; i++)
		if (f->seen[i].dev == st.st_dev && f->seen[i].ino == st.st_ino)
			return;
	if (f->nseen >= CORDON_GIT_REPOS_MAX) {
		f->p->protect_search_cut = true;
		return;
	}
	f->seen[f->nseen].dev = st.st_dev;
	f->seen[f->nseen++].ino = st.st_ino;
	f->st->repos++;
	for (size_t i = 0; !f->err && i < sizeof(repo_files) / sizeof(repo_files[0]); i++)
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, repo_files[i]) < sizeof(sub))
			f->err = protect(f, sub);
}

/*
 * A work tree @path whose `.git` is a file ("gitdir: DIR", a submodule's or a linked work
 * tree's): the directory it names, when it lies in a write tree (elsewhere the agent cannot
 * write it), is a repository too. A `.git` directory is met by the walk itself.
 */
static void gitfile(struct found *f, int dfd, const char *path)
{
	char buf[PATH_MAX + 16], dir[PATH_MAX * 2], *real;
	ssize_t n;
	int fd = openat(dfd, ".git", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 8 || strncmp(buf, "gitdir: ", 8))
		return;
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	if (buf[8] == '/')
		snprintf(dir, sizeof(dir), "%s", buf + 8);
	else
		snprintf(dir, sizeof(dir), "%s/%s", path, buf + 8);
	real = realpath(dir, NULL);
	if (real && in_trees(f, real)) {
		fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && is_gitdir(fd))
			repo(f, fd, real);
		if (fd >= 0)
			close(fd);
	}
	free(real);
}

/* A work tree: its effective hooks directory is asked of git later. */
static void worktree(struct found *f, const char *path)
{
	if (f->nworktrees >= CORDON_GIT_REPOS_MAX + 1) {
		f->p->protect_search_cut = true;
		return;
	}
	f->worktrees[f->nworktrees] = strdup(path);
	f->nworktrees += f->worktrees[f->nworktrees] != NULL;
}

/* Symlinks are not followed: a repository reached by a link lies in a tree walked anyway. */
static void walk(struct found *f, int dfd, char *path, size_t len, int depth)
{
	bool gitdir = is_gitdir(dfd);
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	if (gitdir)
		repo(f, dfd, path);
	if (fstatat(dfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		worktree(f, path);
		if (S_ISREG(st.st_mode))
			gitfile(f, dfd, path);
	}
	if (depth > REPOS_DEPTH) {
		f->p->protect_search_cut = true;
		return;
	}
	fd = dup(dfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (!f->err && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++f->st->walked > CORDON_GIT_REPOS_WALK_MAX) {
			f->p->protect_search_cut = true;
			break;
		}
		/* A repository's objects hold no code git runs, only many files. */
		if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
		    (gitdir && !strcmp(e->d_name, "objects")) || len + 1 + n >= PATH_MAX)
			continue;
		sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		walk(f, sub, path, len + 1 + n, depth + 1);
		path[len] = 0;
		close(sub);
	}
	closedir(d);
}

/*
 * The hooks directory git uses in work tree @wt (core.hooksPath from any of git's config
 * files, includes and `~/` resolved, relative ones taken from the top of the work tree), as git
 * itself says: `git rev-parse --git-path hooks`, run as the session's user (their
 * ~/.gitconfig, no privilege of ours) with a clean environment. Into @out; 0 or -errno.
 */
static int hooks_dir(const struct cordon_git_repos_opts *o, const char *wt, char *out, size_t size)
{
	char home[PATH_MAX + 8], xdg[PATH_MAX + 24];
	char *envp[] = { home, "PATH=/usr/bin:/bin", "LC_ALL=C", o->xdg_config ? xdg : NULL, NULL };
	char *argv[] = { "git",	       "-C",	(char *)wt, "rev-parse", "--path-format=absolute",
			 "--git-path", "hooks", NULL };
	int fds[2], status;
	struct timespec t0;
	bool timed_out = false;
	size_t len = 0;
	ssize_t n = 0;
	pid_t pid;

	snprintf(home, sizeof(home), "HOME=%s", o->home ?: "/");
	if (o->xdg_config)
		snprintf(xdg, sizeof(xdg), "XDG_CONFIG_HOME=%s", o->xdg_config);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (o->before_fork)
		o->before_fork();
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (o->drop && (setgroups(o->ngroups, o->groups) < 0 ||
				setresgid(o->gid, o->gid, o->gid) < 0 ||
				setresuid(o->uid, o->uid, o->uid) < 0))
			_exit(126);
		if (dup2(fds[1], STDOUT_FILENO) < 0 ||
		    (null >= 0 && (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)))
			_exit(126);
		execve("/usr/bin/git", argv, envp);
		execve("/bin/git", argv, envp);
		_exit(127);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		struct timespec t;
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = REPOS_GIT_TIMEOUT_MS -
		       ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			/* Its answer is unknown: the hooks path is then the sweep's, at the end. */
			kill(pid, SIGKILL);
			timed_out = true;
			break;
		}
		if (len + 1 >= size || (n = read(fds[0], out + len, size - 1 - len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (timed_out)
		return -ETIMEDOUT;
	out[len] = 0;
	out[strcspn(out, "\n")] = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || out[0] != '/')
		return -ENOENT;
	return 0;
}

int cordon_git_repos_protect(struct policy *p, const struct cordon_git_repos_opts *o,
			     struct cordon_git_repos_stat *st)
{
	struct found *f = calloc(1, sizeof(*f));
	char path[PATH_MAX], hooks[PATH_MAX];
	int r;

	memset(st, 0, sizeof(*st));
	if (!f)
		return -ENOMEM;
	f->o = o;
	f->p = p;
	f->st = st;
	pick_trees(f);
	for (size_t i = 0; !f->err && i < f->ntrees; i++) {
		int fd = open(f->trees[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || strlen(f->trees[i]) >= sizeof(path)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		strcpy(path, f->trees[i]);
		walk(f, fd, path, strlen(path), 0);
		close(fd);
	}
	/* Each work tree's hooks directory, when git takes it from a write tree. */
	for (size_t i = 0; !f->err && i < f->nworktrees; i++) {
		if (hooks_dir(o, f->worktrees[i], hooks, sizeof(hooks)) < 0) {
			st->hooks_unknown++;
			continue;
		}
		if (in_trees(f, hooks) && !listed(&p->fs_protect, hooks)) {
			st->hooks_paths++;
			f->err = protect(f, hooks);
		}
	}
	p->protect_hooks_unknown = st->hooks_unknown;
	r = f->err;
	for (size_t i = 0; i < f->nworktrees; i++)
		free(f->worktrees[i]);
	free(f);
	return r;
}
