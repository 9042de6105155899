// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's renames onto a protected repository's `.git/config`, mediated: git writes its
 * config as `config.lock` and renames it onto `config`, which the session's read-only bind (or
 * BPF LSM's inode rule) refuses. The session's seccomp filter hands rename, renameat and
 * renameat2 to this supervisor outside the session (a user notification). A rename whose
 * destination is not the protected file goes on at once (SECCOMP_USER_NOTIF_FLAG_CONTINUE):
 * the kernel then decides as without mediation, and since the bind mount (or the LSM hook)
 * still refuses a rename onto the protected file, a thread that rewrote the path after it was
 * read here gains nothing. Only the allowance is decided here, so every error lets the kernel
 * refuse as before (fail closed).
 *
 * A rename onto the protected file, from a regular file in the same .git directory, is carried
 * out here only when every variable the new file has that the current one lacks is on the
 * allowlist of gitconfig.c (keys that only describe the repository); the developer's own keys
 * stay. The new content is written into the existing config inode in place, through the host's
 * path of the repository, as the session's user (a forked child with the user's credentials:
 * no privilege of cordon's that a symlink could borrow), and the source is unlinked. Never a
 * rename from outside: vfs_rename detaches the mounts on the replaced dentry in every mount
 * namespace, which would drop the session's read-only bind of the file. Anything else is
 * refused with EPERM and a record naming the protect rule and the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

#define CONFIG_MAX (1 << 20)
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	   SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

/*
 * A protect entry naming a repository's config: `.git/config` (any case of ".git"), or the
 * config of another git directory (one with a HEAD: a submodule's `.git/modules/X`, a bare
 * repository found in a write tree). Its length before "/config".
 */
static size_t git_config_entry(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	char head[PATH_MAX];

	if (n < sizeof("/x/config") - 1 || *p != '/' || strcmp(p + n - 7, "/config"))
		return 0;
	if (n >= sizeof("/.git/config") - 1 && !strncasecmp(p + n - 12, "/.git", 5))
		return n - 7;
	if (n - 7 + sizeof("/HEAD") > sizeof(head))
		return 0;
	memcpy(head, p, n - 7);
	memcpy(head + n - 7, "/HEAD", sizeof("/HEAD"));
	return access(head, F_OK) == 0 ? n - 7 : 0;
}

int cordon_gitwrite_targets(const struct pol_list *protect, struct cordon_gitwrite *g)
{
	g->n = 0;
	g->t = calloc(protect->n ?: 1, sizeof(*g->t));
	if (!g->t)
		return -ENOMEM;
	for (size_t i = 0; i < protect->n; i++) {
		const char *p = protect->v[i].s;
		size_t dlen = git_config_entry(p);
		struct cordon_gitwrite_target *t = &g->t[g->n];
		struct stat st, dst;
		char dir[PATH_MAX];

		if (!dlen || dlen >= sizeof(dir) || lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		memcpy(dir, p, dlen);
		dir[dlen] = 0;
		if (lstat(dir, &dst) < 0 || !S_ISDIR(dst.st_mode))
			continue;
		*t = (struct cordon_gitwrite_target){ .path = p,
						      .dir_len = dlen,
						      .index = i,
						      .dev = st.st_dev,
						      .ino = st.st_ino,
						      .dir_dev = dst.st_dev,
						      .dir_ino = dst.st_ino };
		g->n++;
	}
	return (int)g->n;
}

void cordon_gitwrite_free(struct cordon_gitwrite *g)
{
	free(g->t);
	g->t = NULL;
	g->n = 0;
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

/*
 * A NUL-terminated string of the task's at @addr, read once from its memory (the same ptrace
 * access check as /proc/PID/mem, without a descriptor to open per rename).
 */
static int read_str(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		/* up to the end of the page: the next one may not be mapped */
		size_t page = 4096 - (size_t)((addr + got) & 4095), want = size - got;
		struct iovec local, remote;
		ssize_t n;

		if (want > page)
			want = page;
		local = (struct iovec){ buf + got, want };
		/* an address in the task, never dereferenced here */
		remote = (struct iovec){
			(void *)(uintptr_t)(addr + got), /* NOLINT(performance-no-int-to-ptr) */
			want
		};
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return n < 0 ? -errno : -EFAULT;
		if (memchr(buf + got, 0, (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

/* What a rename's arguments name: the directory fd and path of each side, and its flags. */
struct rename_args {
	int olddfd, newdfd;
	uint64_t oldp, newp;
	unsigned int flags;
};

static bool rename_args(const struct seccomp_data *d, struct rename_args *a)
{
	*a = (struct rename_args){ .olddfd = AT_FDCWD, .newdfd = AT_FDCWD };
	switch (d->nr) {
#ifdef __NR_rename
	case __NR_rename:
		a->oldp = d->args[0];
		a->newp = d->args[1];
		return true;
#endif
#ifdef __NR_renameat
	case __NR_renameat:
#endif
	case __NR_renameat2:
		a->olddfd = (int)d->args[0];
		a->oldp = d->args[1];
		a->newdfd = (int)d->args[2];
		a->newp = d->args[3];
		a->flags = d->nr == __NR_renameat2 ? (unsigned int)d->args[4] : 0;
		return true;
	default:
		return false;
	}
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/*
 * The directory holding @path as the task sees it (O_PATH, opened as root: only its identity
 * is used, nothing is read through it). Absolute paths resolve in the task's root.
 */
static int task_parent(pid_t pid, int dfd, const char *path)
{
	char proc[64], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_NO_MAGICLINKS };
	_cleanup_close_ int base = -1;
	int fd;

	if (*path == '/') {
		snprintf(proc, sizeof(proc), "/proc/%d/root", (int)pid);
		how.resolve |= RESOLVE_IN_ROOT;
	} else if (dfd == AT_FDCWD) {
		snprintf(proc, sizeof(proc), "/proc/%d/cwd", (int)pid);
	} else {
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)pid, dfd);
	}
	base = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return -errno;
	if (!slash) {
		strcpy(dir, ".");
	} else if (slash == path) {
		strcpy(dir, "/");
	} else {
		if ((size_t)(slash - path) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = 0;
	}
	fd = (int)syscall(SYS_openat2, base, dir, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* What the task's path names: its directory's and (when it exists) its own identity. */
struct named {
	struct stat dir, obj;
	bool exists;
	char name[NAME_MAX + 1];
};

static int task_lookup(pid_t pid, int dfd, const char *path, struct named *n)
{
	_cleanup_close_ int dir = task_parent(pid, dfd, path);
	const char *b = base_name(path);

	if (dir < 0)
		return dir;
	if (!*b || strlen(b) > NAME_MAX || !strcmp(b, ".") || !strcmp(b, ".."))
		return -EINVAL;
	strcpy(n->name, b);
	if (fstat(dir, &n->dir) < 0)
		return -errno;
	n->exists = fstatat(dir, b, &n->obj, AT_SYMLINK_NOFOLLOW) == 0;
	return 0;
}

static const struct cordon_gitwrite_target *target_of(const struct cordon_gitwrite *g,
						      const struct named *n)
{
	for (size_t i = 0; n->exists && i < g->n; i++)
		if (n->obj.st_dev == g->t[i].dev && n->obj.st_ino == g->t[i].ino &&
		    n->dir.st_dev == g->t[i].dir_dev && n->dir.st_ino == g->t[i].dir_ino)
			return &g->t[i];
	return NULL;
}

static int read_fd(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + *len, cap - *len);

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		*len += (size_t)n;
		if (*len == cap)
			return -EFBIG;
	}
}

/* What the child reports: 0 written, 1 refused (with the key), or -errno. */
struct verdict {
	int r;
	char key[CORDON_GITWRITE_KEY_LEN];
};

/*
 * In the child, as the session's user, in cordon's own mount namespace (no fanotify mark of the
 * session's, no read-only bind): the source (same inode as the task named) read once, judged
 * against the current config, written into the config inode in place, the source unlinked.
 */
static int apply(const struct cordon_gitwrite_target *t, const struct named *src, struct verdict *v)
{
	_cleanup_free_ char *cur = malloc(CONFIG_MAX + 1), *next = malloc(CONFIG_MAX + 1);
	char dir[PATH_MAX];
	_cleanup_close_ int dfd = -1, sfd = -1, cfd = -1;
	size_t cur_len = 0, next_len = 0;
	struct stat st;
	int r;

	if (!cur || !next)
		return -ENOMEM;
	memcpy(dir, t->path, t->dir_len);
	dir[t->dir_len] = 0;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) < 0 || st.st_dev != t->dir_dev || st.st_ino != t->dir_ino)
		return -ESTALE;
	sfd = openat(dfd, src->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	if (fstat(sfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != src->obj.st_dev ||
	    st.st_ino != src->obj.st_ino)
		return -ESTALE;
	cfd = openat(dfd, "config", O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (cfd < 0)
		return -errno;
	if (fstat(cfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != t->dev ||
	    st.st_ino != t->ino)
		return -ESTALE;
	r = read_fd(sfd, next, CONFIG_MAX + 1, &next_len);
	if (r == 0)
		r = read_fd(cfd, cur, CONFIG_MAX + 1, &cur_len);
	if (r < 0)
		return r;
	r = cordon_git_config_check(cur, cur_len, next, next_len, v->key, sizeof(v->key));
	if (r != 0)
		return r;
	/* In place: the inode the session's read-only bind shows keeps its name and its mount. */
	if (ftruncate(cfd, 0) < 0 || pwrite(cfd, next, next_len, 0) != (ssize_t)next_len ||
	    fsync(cfd) < 0) {
		r = errno ? -errno : -EIO;
		/* the developer's content back, as far as the disk lets us */
		if (ftruncate(cfd, 0) == 0 && pwrite(cfd, cur, cur_len, 0) == (ssize_t)cur_len)
			(void)fsync(cfd);
		return r;
	}
	/* The source, if it is still the file that was read (else the task's own to remove) */
	if (fstatat(dfd, src->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == src->obj.st_dev && st.st_ino == src->obj.st_ino)
		(void)unlinkat(dfd, src->name, 0);
	return 0;
}

static int run_as_user(const struct cordon_gitwrite *g, const struct cordon_gitwrite_target *t,
		       const struct named *src, struct verdict *v)
{
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		struct verdict out = { 0 };

		close(p[0]);
		if (g->drop &&
		    (setgroups(g->ngroups, g->groups) < 0 ||
		     setresgid(g->gid, g->gid, g->gid) < 0 ||
		     setresuid(g->uid, g->uid, g->uid) < 0 || (g->uid != 0 && setuid(0) == 0)))
			out.r = -EPERM;
		else
			out.r = apply(t, src, &out);
		(void)!write(p[1], &out, sizeof(out));
		_exit(0);
	}
	close(p[1]);
	do
		n = read(p[0], v, sizeof(*v));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(*v))
		return -EIO;
	v->key[sizeof(v->key) - 1] = 0;
	return v->r;
}

static void answer(struct cordon_gitwrite *g, const struct seccomp_notif *req, int err, bool cont)
{
	struct seccomp_notif_resp resp = { .id = req->id };

	if (cont) {
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		g->continued++;
	} else {
		resp.error = err;
	}
	/* ENOENT: the task is gone (killed), nothing waits for the answer any more */
	if (ioctl(g->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		g->errors++;
}

static void refuse(struct cordon_gitwrite *g, const struct seccomp_notif *req,
		   const struct cordon_gitwrite_target *t, const char *key)
{
	g->refused++;
	if (g->on_refuse)
		g->on_refuse(g->ctx, t, (pid_t)req->pid, key);
	answer(g, req, -EPERM, false);
}

static void one(struct cordon_gitwrite *g, const struct seccomp_notif *req)
{
	char oldp[PATH_MAX], newp[PATH_MAX];
	const struct cordon_gitwrite_target *t, *t_old;
	struct named src = { 0 }, dst = { 0 };
	struct rename_args a;
	struct verdict v = { 0 };
	int r;

	if (!rename_args(&req->data, &a)) {
		answer(g, req, 0, true);
		return;
	}
	if (read_str((pid_t)req->pid, a.newp, newp, sizeof(newp)) < 0 ||
	    read_str((pid_t)req->pid, a.oldp, oldp, sizeof(oldp)) < 0 ||
	    ioctl(g->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
		answer(g, req, 0, true); /* the kernel reads them again, and decides */
		return;
	}
	/* Only a name "config" can be the protected file's dentry (a hard link cannot be made
	 * across the bind, and renaming onto another name of it replaces that name only). */
	if (strcmp(base_name(newp), "config") &&
	    (!(a.flags & RENAME_EXCHANGE) || strcmp(base_name(oldp), "config"))) {
		answer(g, req, 0, true);
		return;
	}
	t = task_lookup((pid_t)req->pid, a.newdfd, newp, &dst) == 0 ? target_of(g, &dst) : NULL;
	t_old = task_lookup((pid_t)req->pid, a.olddfd, oldp, &src) == 0 ? target_of(g, &src) : NULL;
	if (!t && t_old && (a.flags & RENAME_EXCHANGE)) {
		refuse(g, req, t_old, "(rename exchange)");
		return;
	}
	/* RENAME_NOREPLACE onto an existing file: the kernel's EEXIST (or the bind's EBUSY) */
	if (!t || (a.flags & RENAME_NOREPLACE) ||
	    ioctl(g->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
		answer(g, req, 0, true);
		return;
	}
	if (a.flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) {
		refuse(g, req, t, "(rename exchange)");
		return;
	}
	if (!src.exists || !S_ISREG(src.obj.st_mode) || src.dir.st_dev != t->dir_dev ||
	    src.dir.st_ino != t->dir_ino) {
		refuse(g, req, t, "(source not a file of the same .git)");
		return;
	}
	r = run_as_user(g, t, &src, &v);
	if (r == 1) {
		refuse(g, req, t, v.key);
		return;
	}
	if (r < 0) {
		g->errors++;
		snprintf(v.key, sizeof(v.key), "(failed: %s)", strerror(-r));
		refuse(g, req, t, v.key);
		return;
	}
	g->written++;
	answer(g, req, 0, false);
}

void cordon_gitwrite_sync_wakeup(int fd)
{
	/*
	 * 6.6+: the task waiting for an answer and this supervisor hand the CPU to each other
	 * directly (a rename is a round trip); an older kernel refuses it, and nothing else changes.
	 */
	(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

void cordon_gitwrite_serve(void *ctx)
{
	struct cordon_gitwrite *g = ctx;
	struct pollfd pf = { .fd = g->fd, .events = POLLIN };

	/* Every pending notification; the supervisor's loop calls again when more arrive. */
	while (g->fd >= 0 && poll(&pf, 1, 0) > 0 && (pf.revents & POLLIN)) {
		struct seccomp_notif req;

		memset(&req, 0, sizeof(req));
		if (ioctl(g->fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			g->errors++;
			return;
		}
		one(g, &req);
	}
}
