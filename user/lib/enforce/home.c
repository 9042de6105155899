// SPDX-License-Identifier: GPL-2.0-only
/*
 * An agent's first run: the write trees of its policy under $HOME created when missing, and the
 * files it replaces atomically (filesystem.atomic) moved into private directories it may write.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enforce/enforce.h"
#include "policy/policy.h"
#include "sys/sys.h"

#define ATOMIC_DIR ".local/state/cordon/atomic"

static bool inside_list(const char *path, const struct pol_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (policy_path_inside(path, l->v[i].s))
			return true;
	return false;
}

static bool listed(const char *path, const struct pol_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(path, l->v[i].s))
			return true;
	return false;
}

/*
 * An atomic file's private directory: HOME/.local/state/cordon/atomic/<path below HOME, '/' as
 * '%'>. Only cordon puts anything there, so write access to it is write access to that one file
 * (and the writer's temporary siblings, which nothing reads).
 */
static char *atomic_dir(const char *home, const char *file)
{
	char *d = NULL;

	if (asprintf(&d, "%s/" ATOMIC_DIR "/%s", home, file + strlen(home) + 1) < 0)
		return NULL;
	for (char *c = d + strlen(home) + sizeof(ATOMIC_DIR) + 1; *c; c++)
		if (*c == '/')
			*c = '%';
	return d;
}

/* mkdir -p below @home (which must exist), each new directory 0700. */
static int mkdir_below(const char *home, const char *path)
{
	char buf[PATH_MAX];
	size_t hl = strlen(home);

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *c = buf + hl + 1;; c++) {
		if (*c != '/' && *c)
			continue;
		char save = *c;

		*c = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*c = save;
		if (!save)
			return 0;
	}
}

/* @file's content moves to DIR/basename, and @file becomes a symlink there (as the user). */
static int redirect(const char *home, const char *file, const char *dir)
{
	char target[PATH_MAX], link[PATH_MAX];
	struct stat st;
	ssize_t n;
	int e = mkdir_below(home, dir);

	if (e < 0)
		return e;
	snprintf(target, sizeof(target), "%s/%s", dir, strrchr(file, '/') + 1);
	if (lstat(file, &st) < 0)
		return errno == ENOENT ? (symlink(target, file) < 0 ? -errno : 0) : -errno;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(file, link, sizeof(link) - 1);
		/* another link is the user's own arrangement: left alone (the file stays read-only) */
		return n < 0 ? -errno : 0;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	/* A copy written outside a session since (a writer that replaced the link) is newer. */
	if (rename(file, target) < 0 || symlink(target, file) < 0)
		return -errno;
	return 0;
}

/* The child, as the user: what fails first is written to @fd as its path. */
static __attribute__((noreturn)) void prepare_child(const struct policy *p,
						    const struct cordon_home_user *u, int fd)
{
	const char *at = u->home;
	int e = 0;

	if (u->drop && (setgroups(u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 ||
			setuid(u->uid) < 0 || getuid() != u->uid))
		e = -EPERM;
	for (size_t i = 0; !e && i < p->fs_write.n; i++) {
		at = p->fs_write.v[i].s;
		if (policy_path_inside(at, u->home) && strcmp(at, u->home) &&
		    !listed(at, &p->fs_atomic) && access(at, F_OK) < 0 && errno == ENOENT)
			e = mkdir_below(u->home, at);
	}
	for (size_t i = 0; !e && i < p->fs_atomic.n; i++) {
		_cleanup_free_ char *dir = NULL;

		at = p->fs_atomic.v[i].s;
		if (!cordon_home_atomic_applies(p, u->home, at))
			continue;
		dir = atomic_dir(u->home, at);
		e = dir ? redirect(u->home, at, dir) : -ENOMEM;
	}
	if (e < 0 && write(fd, at, strlen(at)) < 0)
		e = -EIO;
	_exit(-e);
}

bool cordon_home_atomic_applies(const struct policy *p, const char *home, const char *file)
{
	_cleanup_free_ char *parent = strdup(file);
	char *slash = parent ? strrchr(parent, '/') : NULL;

	if (!slash || !policy_path_inside(file, home) || !strcmp(file, home))
		return false;
	*slash = '\0';
	/* Only a file the policy lets the agent write, in a directory it may not write (else the
	 * writer's siblings are allowed already and nothing needs moving). */
	return inside_list(file, &p->fs_write) && !inside_list(parent, &p->fs_write);
}

/* @path leaves @l: reached through its link, the directory's rule covers it. */
static void unlist(struct pol_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].s, path)) {
			free(l->v[i].s);
			free(l->v[i].file);
			l->v[i--] = l->v[--l->n];
		}
}

/*
 * Each redirected file's private directory joins the read and write lists and the file's own
 * name leaves them (the view would bind the link's target over the link: a mount point that
 * cannot be renamed onto, and a link the writer cannot follow).
 */
static int grant_redirects(struct policy *p, const char *home)
{
	for (size_t i = 0; i < p->fs_atomic.n; i++) {
		const struct pol_item *it = &p->fs_atomic.v[i];
		_cleanup_free_ char *dir = NULL, *real = NULL;
		char link[PATH_MAX], want[PATH_MAX];
		struct pol_item d;
		ssize_t n;

		if (!cordon_home_atomic_applies(p, home, it->s))
			continue;
		dir = atomic_dir(home, it->s);
		if (!dir)
			return -ENOMEM;
		n = readlink(it->s, link, sizeof(link) - 1);
		real = realpath(dir, NULL);
		/* No symlink on the way to the directory: the rule must name that directory only. */
		if (n < 0 || !real || strcmp(real, dir))
			continue;
		link[n] = '\0';
		snprintf(want, sizeof(want), "%s/%s", dir, strrchr(it->s, '/') + 1);
		if (strcmp(link, want))
			continue;
		d = (struct pol_item){
			.s = dir, .file = it->file, .line = it->line, .col = it->col
		};
		if (pol_list_append(&p->fs_write, &d) < 0 || pol_list_append(&p->fs_read, &d) < 0)
			return -ENOMEM;
		unlist(&p->fs_write, it->s);
		unlist(&p->fs_read, it->s);
	}
	return 0;
}

/*
 * Would the child change anything? Looked at before forking it (a fork of the launcher, page
 * tables and all, on every launch): every write tree below the home there, and each atomic
 * file's directory there with the file already a link (or not a regular file). Only a filter:
 * whenever the child might act, it runs and decides as the user.
 */
static bool home_needs_prepare(const struct policy *p, const char *home)
{
	struct stat st;

	for (size_t i = 0; i < p->fs_write.n; i++) {
		const char *at = p->fs_write.v[i].s;

		if (policy_path_inside(at, home) && strcmp(at, home) &&
		    !listed(at, &p->fs_atomic) && stat(at, &st) < 0)
			return true;
	}
	for (size_t i = 0; i < p->fs_atomic.n; i++) {
		const char *at = p->fs_atomic.v[i].s;
		_cleanup_free_ char *dir = NULL;

		if (!cordon_home_atomic_applies(p, home, at))
			continue;
		dir = atomic_dir(home, at);
		if (!dir || stat(dir, &st) < 0 || lstat(at, &st) < 0 || S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

/*
 * The path the child would name when the home itself does not exist: its first directory to
 * make, else its first redirect (each fails at its first mkdir below the home, ENOENT, since
 * mkdir_below never makes the home). NULL when there is none.
 */
static const char *homeless_first(const struct policy *p, const char *home)
{
	for (size_t i = 0; i < p->fs_write.n; i++) {
		const char *at = p->fs_write.v[i].s;

		if (policy_path_inside(at, home) && strcmp(at, home) && !listed(at, &p->fs_atomic))
			return at;
	}
	for (size_t i = 0; i < p->fs_atomic.n; i++)
		if (cordon_home_atomic_applies(p, home, p->fs_atomic.v[i].s))
			return p->fs_atomic.v[i].s;
	return NULL;
}

int cordon_home_prepare(struct policy *p, const struct cordon_home_user *u, char **failed)
{
	char buf[PATH_MAX] = "";
	int fds[2], status = 0;
	const char *first;
	struct stat st;
	ssize_t n;
	pid_t pid;

	*failed = NULL;
	if (!u->home || u->home[0] != '/')
		return 0;
	if (!home_needs_prepare(p, u->home))
		return grant_redirects(p, u->home);
	/*
	 * No home at all (a system user's /nonexistent): the child could only fail, ENOENT, at the
	 * first path it would make; said here without forking it (a fork of the launcher on every
	 * launch as such a user). A path that does not exist is missing for the user as for root
	 * (a permission answers EACCES, never ENOENT), and the child makes nothing above the home;
	 * any other answer forks the child as before. Nothing is granted either way.
	 */
	first = stat(u->home, &st) < 0 && errno == ENOENT ? homeless_first(p, u->home) : NULL;
	if (first) {
		*failed = strdup(first);
		grant_redirects(p, u->home);
		return -ENOENT;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (u->before_fork)
		u->before_fork();
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0)
		prepare_child(p, u, fds[1]);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		buf[n > 0 ? n : 0] = '\0';
		*failed = strdup(buf);
		/* the directories it could not make grant nothing; the redirects made still apply */
		grant_redirects(p, u->home);
		return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
	}
	return grant_redirects(p, u->home);
}
