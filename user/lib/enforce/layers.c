// SPDX-License-Identifier: GPL-2.0-only
/*
 * The project's layers over cache trees (filesystem.cache): the upper and work directories of
 * the overlays the launch mounts on those write trees, in a store in the user's home:
 *
 *   HOME/.local/state/cordon/layers/<project name>-<16 hex of SHA-256(project)>/<slot>/<tree>
 *
 * with <tree> the tree's path, '/' as '%'. A cache the developer's own tools run from later
 * (npx from ~/.npm/_npx, Maven from ~/.m2, cargo from ~/.cargo/registry/src, pre-commit from
 * ~/.cache/pre-commit) never holds what a session wrote: the host's tree is the overlay's lower
 * layer, read-only, and everything the session writes lands in the project's upper directory,
 * which the next session of the same project sees again and nothing outside a session reads.
 *
 * Why it is opened by the user and checked: the overlay is mounted by root, and overlayfs
 * writes to its upper directory with the mounter's credentials. A directory named by a path the
 * user controls (a symlink at .local, say) would let a session write as root wherever the link
 * points. So a child running as the user makes and opens every directory, one component at a
 * time without following symlinks, hands the descriptors over, and each one must be a directory
 * the user owns. Two sessions of one project at once take different slots (flock): overlayfs
 * leaves an upper directory shared by two mounts undefined (with index=off, as mounted here, a
 * second mount on an upper directory in use succeeds with only a kernel warning).
 *
 * A slot's lock is held from the open here until the slot's overlays are unmounted, which can be
 * after cordon has returned: the session's mount namespace is let go by a detached process
 * (enforce/mountns.c), which holds the slot's lock and its "draining" lock, <slot>/.draining,
 * until the namespace is gone. A slot whose lock is taken and whose draining lock is held is
 * being let go: the next session waits for it (bounded) rather than taking a cold slot. Both
 * locks are taken with flock on directories the user owns, so the user's own processes can hold
 * either: holding a slot's lock makes sessions skip it (EBUSY when all are held), holding its
 * draining lock makes a session wait DRAIN_WAIT_MS at most and then skip it. Neither makes two
 * sessions share a slot: a slot is only ever used with its own lock taken here, by the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "sys/sys.h"

#define STORE	  ".local/state/cordon/layers"
#define MAX_SLOTS 8
#define DRAINING  ".draining"
/* How long a session waits for a slot being let go before it takes the next one. */
#define DRAIN_WAIT_MS 5000
#define DRAIN_POLL_MS 2

/* The project's directory name in the store: a readable prefix and a digest of the path. */
static void project_dir(const char *project, char *out, size_t len)
{
	const char *base = strrchr(project, '/');
	char hex[65], name[33];
	size_t k = 0;

	base = base && base[1] ? base + 1 : "root";
	for (; *base && k < sizeof(name) - 1; base++)
		name[k++] = (*base >= 'a' && *base <= 'z') || (*base >= 'A' && *base <= 'Z') ||
					    (*base >= '0' && *base <= '9') || *base == '-' ||
					    *base == '_' || *base == '.'
				    ? *base
				    : '_';
	name[k] = '\0';
	cordon_sha256_hex(project, strlen(project), hex);
	snprintf(out, len, "%s-%.16s", name[0] == '.' ? "_" : name, hex);
}

/* A tree's directory name in the project's slot: its path, '/' as '%' (NAME_MAX bounds it). */
static int tree_dir(const char *tree, char *out, size_t len)
{
	size_t n = strlen(tree);

	if (n >= len || n > 200)
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		out[i] = tree[i] == '/' ? '%' : tree[i];
	return 0;
}

/* openat of one component below @dirfd, made (0700) when missing; never through a symlink. */
static int step(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
			return -errno;
		fd = openat(dirfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

/* mkdir -p of the relative @path below @dirfd, component by component: the last one (O_PATH). */
static int walk(int dirfd, const char *path)
{
	char buf[PATH_MAX], *c = buf;
	int fd = dup(dirfd);

	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		char *slash = strchr(c, '/');
		int next;

		if (slash)
			*slash = '\0';
		if (*c) {
			next = step(fd, c, O_PATH);
			close(fd);
			if (next < 0)
				return next;
			fd = next;
		}
		if (!slash)
			return fd;
		c = slash + 1;
	}
}

static int recv_fd(int sock, char *tag)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = tag, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	int fd = -1;

	if (n <= 0)
		return n < 0 ? -errno : -EPIPE;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Is @slot being let go: its draining lock held (by a releaser, or by any process of the user)? */
static bool slot_draining(int drain)
{
	if (flock(drain, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	flock(drain, LOCK_UN);
	return false;
}

/* Wait for @slot's lock while its overlays are let go: true once taken, false after the bound. */
static bool wait_drained(int slot, int i)
{
	const struct timespec pause = { .tv_nsec = DRAIN_POLL_MS * 1000000L };

	for (int ms = 0; ms < DRAIN_WAIT_MS; ms += DRAIN_POLL_MS) {
		nanosleep(&pause, NULL);
		if (flock(slot, LOCK_EX | LOCK_NB) == 0)
			return true;
	}
	dprintf(STDERR_FILENO,
		"cordon: filesystem.cache: layer slot %d of the project is still being let go "
		"after "
		"%d ms (or a process of yours holds its %s lock): taking another slot\n",
		i, DRAIN_WAIT_MS, DRAINING);
	return false;
}

/*
 * The child, as the user: the slot's lock ('L') and its draining lock ('D'), then upper ('U') and
 * work ('W') per tree. A slot in use by a running session is skipped; one being let go is waited
 * for, so the next session of the project finds its layer again.
 */
static __attribute__((noreturn)) void open_child(const struct cordon_home_user *u,
						 const char *project, char *const *trees,
						 size_t ntrees, int sock)
{
	char dir[PATH_MAX], name[256];
	int home, store, slot = -1, drain = -1, e = 0;

	if (u->drop && (setgroups(u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 ||
			setuid(u->uid) < 0 || getuid() != u->uid))
		_exit(EPERM);
	home = open(u->home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (home < 0)
		_exit(errno);
	project_dir(project, name, sizeof(name));
	snprintf(dir, sizeof(dir), STORE "/%s", name);
	store = walk(home, dir);
	if (store < 0)
		_exit(-store);
	for (int i = 0; i < MAX_SLOTS && slot < 0; i++) {
		snprintf(name, sizeof(name), "%d", i);
		slot = step(store, name, O_RDONLY);
		if (slot < 0)
			_exit(-slot);
		drain = step(slot, DRAINING, O_RDONLY);
		if (drain < 0)
			_exit(-drain);
		if (flock(slot, LOCK_EX | LOCK_NB) == 0 ||
		    (slot_draining(drain) && wait_drained(slot, i)))
			break;
		close(slot);
		close(drain);
		slot = drain = -1;
	}
	if (slot < 0)
		_exit(EBUSY);
	if (cordon_fd_send(sock, slot, 'L') < 0 || cordon_fd_send(sock, drain, 'D') < 0)
		_exit(EPIPE);
	for (size_t i = 0; !e && i < ntrees; i++) {
		int t, up, wk;

		e = tree_dir(trees[i], name, sizeof(name));
		if (e < 0)
			break;
		t = step(slot, name, O_PATH);
		if (t < 0) {
			e = t;
			break;
		}
		/* readable, not O_PATH: root takes each one's lock (cordon_layers_open) */
		up = step(t, "upper", O_RDONLY);
		wk = step(t, "work", O_RDONLY);
		close(t);
		if (up < 0 || wk < 0)
			e = up < 0 ? up : wk;
		else if (cordon_fd_send(sock, up, 'U') < 0 || cordon_fd_send(sock, wk, 'W') < 0)
			e = -EPIPE;
		if (up >= 0)
			close(up);
		if (wk >= 0)
			close(wk);
	}
	_exit(-e);
}

/* The path of @fd in this mount namespace. */
static char *fd_path(int fd)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* A descriptor from the child must be a directory of the user's own, not reached by a link. */
static int check_dir(int fd, uid_t uid)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) && st.st_uid == uid ? 0 : -EPERM;
}

/*
 * An upper or work directory is this session's alone while its overlay can be mounted: the lock
 * is on the directory itself, not on a name, so one moved from another slot (the user owns the
 * store and can rename in it) while its overlay is still mounted, by a running session or one
 * being let go, is refused here (overlayfs with index=off would mount it a second time). Held
 * by root's descriptor until the overlay is gone (the releaser keeps it, enforce/mountns.c).
 */
static int take_dir(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	return errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
}

int cordon_layers_open(struct cordon_view *v, const struct cordon_home_user *u, const char *project)
{
	char *trees[CORDON_VIEW_MAX_RW];
	size_t n = 0;
	int sv[2], status = 0, e = 0;
	pid_t pid;

	v->layer_lock = v->layer_drain = -1;
	for (size_t i = 0; i < v->nrw; i++)
		if (v->rw_layered[i])
			trees[n++] = v->rw[i];
	if (!n)
		return 0;
	if (!u->home || u->home[0] != '/')
		return -ENOENT;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = -errno;
		close(sv[0]);
		close(sv[1]);
		return e;
	}
	if (pid == 0) {
		close(sv[0]);
		open_child(u, project, trees, n, sv[1]);
	}
	close(sv[1]);
	e = 0;
	for (size_t i = 0, k = 0; !e && k <= n + 1; k++) {
		char tag = 0, want = k == 0 ? 'L' : k == 1 ? 'D' : 'U';
		int fd = recv_fd(sv[0], &tag);

		if (fd < 0) {
			e = fd;
			break;
		}
		if (tag != want || check_dir(fd, u->uid) < 0) {
			close(fd);
			e = -EPERM;
			break;
		}
		if (k == 0) {
			v->layer_lock = fd;
			continue;
		}
		if (k == 1) {
			v->layer_drain = fd;
			continue;
		}
		while (!v->rw_layered[i])
			i++;
		v->layer_upper[i] = fd;
		e = take_dir(fd);
		if (e < 0)
			break;
		fd = recv_fd(sv[0], &tag);
		if (fd < 0 || tag != 'W' || check_dir(fd, u->uid) < 0) {
			if (fd >= 0)
				close(fd);
			e = fd < 0 ? fd : -EPERM;
			break;
		}
		v->layer_work[i] = fd;
		e = take_dir(fd);
		if (e < 0)
			break;
		v->layer_upper_path[i] = fd_path(v->layer_upper[i]);
		v->layer_work_path[i] = fd_path(fd);
		if (!v->layer_upper_path[i] || !v->layer_work_path[i])
			e = -ENOMEM;
		i++;
	}
	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 && !e)
		e = -errno;
	/* The child's own errno wins: it says what went wrong first (EBUSY: every slot taken). */
	if (e != -EADDRINUSE && WIFEXITED(status) && WEXITSTATUS(status))
		e = -WEXITSTATUS(status);
	else if (!WIFEXITED(status) && !e)
		e = -ECHILD;
	return e;
}

/*
 * The session is over and its overlays are about to be let go off the caller's path: mark the
 * slot as being let go (its draining lock, held by whoever holds this descriptor until the
 * namespace is gone). A next session probing it holds the lock shared for an instant: a few
 * tries. -EWOULDBLOCK: held by something else (a process of the user's); the caller then lets
 * the overlays go itself before the slot's lock is released.
 */
int cordon_layers_draining(const struct cordon_view *v)
{
	const struct timespec pause = { .tv_nsec = 1000000L };

	if (v->layer_lock < 0 || v->layer_drain < 0)
		return -EBADF;
	for (int i = 0; i < 20; i++) {
		if (flock(v->layer_drain, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		nanosleep(&pause, NULL);
	}
	return -EWOULDBLOCK;
}
