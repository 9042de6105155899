// SPDX-License-Identifier: GPL-2.0-only
/*
 * The launch pipeline. The order in the child is the security argument, so it is fixed here:
 *   cgroup -> setsid -> user namespace -> mount namespace -> view (private /tmp, /var/tmp,
 *   /dev/shm, devpts) -> masks -> all read-only but the write trees -> terminal (a pty from the session's own devpts, needing the
 *   privilege still held) -> rlimits
 *   -> drop privileges -> chdir (as the agent's user) -> mark inherited fds close-on-exec -> no_new_privs -> Landlock
 *   -> seccomp (last: it forbids mount/unshare that the earlier steps need) -> exec; with a pid
 *   namespace (cordon's child is cloned into it) the child is the namespace's init, confined
 *   like the agent, and forks the agent, which execs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <linux/sched.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

/* Set before the clone: the child was cloned into the session cgroup (spawn()). */
static bool born_in_cgroup;

static const char *const step_names[] = {
	[CORDON_STEP_NONE] = "none",
	[CORDON_STEP_CGROUP] = "join the session cgroup",
	[CORDON_STEP_SETSID] = "new session (setsid)",
	[CORDON_STEP_USERNS] = "user namespace",
	[CORDON_STEP_MOUNTNS] = "mount and IPC namespaces",
	[CORDON_STEP_VIEW] = "the session's view (private /tmp, /dev/pts, ...)",
	[CORDON_STEP_MASK] = "mask a path",
	[CORDON_STEP_TERMINAL] = "the agent's terminal (pty)",
	[CORDON_STEP_RLIMIT] = "resource limit",
	[CORDON_STEP_CHDIR] = "enter the project directory",
	[CORDON_STEP_PRIVILEGES] = "drop privileges",
	[CORDON_STEP_FDS] = "close inherited file descriptors",
	[CORDON_STEP_NO_NEW_PRIVS] = "no_new_privs",
	[CORDON_STEP_LANDLOCK] = "Landlock",
	[CORDON_STEP_SECCOMP] = "seccomp",
	[CORDON_STEP_INIT] = "start the session's init (pid namespace)",
	[CORDON_STEP_EXEC] = "exec",
	[CORDON_STEP_READONLY] = "the view read-only but for the write trees",
	[CORDON_STEP_MEMFD_NOEXEC] = "vm.memfd_noexec in the session's pid namespace",
	[CORDON_STEP_DIE_WITH_PARENT] = "die with cordon (PR_SET_PDEATHSIG)",
	[CORDON_STEP_LAYER] = "the project's layer over a cache tree (overlayfs)",
};

const char *cordon_launch_step_name(int step)
{
	if (step < 0 || (size_t)step >= ARRAY_SIZE(step_names) || !step_names[step])
		return "unknown step";
	return step_names[step];
}

/* --- in the child: async-signal-safe calls only, nothing allocated ------------------------ */

static _Noreturn void fail(int report, int step, int err, int index)
{
	struct cordon_launch_failure f = { .step = step, .err = err, .index = index };

	(void)!write(report, &f, sizeof(f));
	_exit(127);
}

static int write_all(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = (ssize_t)strlen(data);

	if (fd < 0)
		return -1;
	n = write(fd, data, (size_t)len);
	close(fd);
	return n == len ? 0 : -1;
}

/* vm.memfd_noexec at least 1 in our pid namespace (it may be 2 already: never lowered). */
static int memfd_noexec(void)
{
	static const char knob[] = "/proc/sys/vm/memfd_noexec";
	char cur[8] = "";
	int fd = open(knob, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, cur, sizeof(cur) - 1);
	close(fd);
	if (n > 0 && cur[0] >= '1' && cur[0] <= '9')
		return 0;
	return write_all(knob, "1\n");
}

/*
 * The ids cordon runs with, read before the fork: a child cloned into a new user namespace sees
 * only the overflow ids until its maps are written.
 */
static uid_t outer_uid;
static gid_t outer_gid;

/* Map our own uid/gid to themselves: the agent is not root in the namespace, so it gains no
 * capability over anything, and the namespace only serves to own the mount namespace. */
static int enter_userns(const struct cordon_launch *l, int report)
{
	char map[64];
	uid_t uid = outer_uid;
	gid_t gid = outer_gid;

	/* With a pid namespace, clone() made the user namespace already (it owns the pid one). */
	if (!l->pidns && unshare(CLONE_NEWUSER) < 0)
		fail(report, CORDON_STEP_USERNS, errno, 0);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_all("/proc/self/uid_map", map) < 0 ||
	    write_all("/proc/self/setgroups", "deny\n") < 0)
		fail(report, CORDON_STEP_USERNS, errno, 0);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_all("/proc/self/gid_map", map) < 0)
		fail(report, CORDON_STEP_USERNS, errno, 0);
	return 0;
}

/* Flags a remount must keep: in a user namespace, dropping a locked one is refused. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	return f;
}

static int apply_mask(const struct cordon_mask *m)
{
	const unsigned long hard = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (m->kind == CORDON_MASK_PIN)
		return mount(m->path, m->path, NULL, MS_BIND | MS_REC, NULL);
	if (m->kind == CORDON_MASK_READONLY || m->kind == CORDON_MASK_NOEXEC) {
		unsigned long keep = locked_flags(m->path);

		if (m->kind == CORDON_MASK_NOEXEC)
			keep |= MS_NOEXEC | MS_NOSUID;
		if (mount(m->path, m->path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -1;
		return mount(NULL, m->path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL);
	}
	if (m->is_dir) {
		/* An empty, read-only, mode-000 directory: lookups inside fail with EACCES. */
		return mount("tmpfs", m->path, "tmpfs", MS_RDONLY | hard, "mode=000,size=4k");
	}
	/* /dev/null on a nodev mount: open() of the secret fails with EACCES. */
	if (mount("/dev/null", m->path, NULL, MS_BIND, NULL) < 0)
		return -1;
	return mount(NULL, m->path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | hard, NULL);
}

/* Create the directories of @path below @root's mount and the mount point itself. */
static int make_mountpoint(const char *path, bool dir)
{
	char buf[4096];
	size_t n = strlen(path);
	int fd;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (dir)
		return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
	fd = open(buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/';
}

/* Bind the kept host paths below @m back at their own place, from fds opened before @m hid them. */
static void keep_paths(const struct cordon_view *v, const struct cordon_view_mount *m,
		       const int *kfd, int report)
{
	char src[64];
	struct stat st;

	for (size_t k = 0; k < v->nkeep; k++) {
		if (kfd[k] < 0 || !under(v->keep[k], m->path))
			continue;
		if (fstat(kfd[k], &st) < 0 || make_mountpoint(v->keep[k], S_ISDIR(st.st_mode)) < 0)
			fail(report, CORDON_STEP_VIEW, errno, (int)(v->nmounts + k));
		snprintf(src, sizeof(src), "/proc/self/fd/%d", kfd[k]);
		if (mount(src, v->keep[k], NULL, MS_BIND | MS_REC, NULL) < 0)
			fail(report, CORDON_STEP_VIEW, errno, (int)(v->nmounts + k));
	}
}

static int mount_view(const struct cordon_view_mount *m)
{
	const unsigned long flags = MS_NOSUID | MS_NODEV;

	if (m->kind == CORDON_VIEW_DEVPTS)
		return cordon_pty_mount_devpts();
	if (m->kind == CORDON_VIEW_PROC)
		return mount("proc", m->path, "proc", flags | MS_NOEXEC, NULL) < 0 ? -errno : 0;
	if (m->kind == CORDON_VIEW_EMPTY)
		return mount("tmpfs", m->path, "tmpfs", flags | MS_NOEXEC, "mode=0755,size=4k") < 0
			       ? -errno
			       : 0;
	return mount("tmpfs", m->path, "tmpfs", flags, "mode=1777") < 0 ? -errno : 0;
}

/*
 * The session's view, in the new mount namespace: each private mount hides the host's, the
 * allowed paths below it come back by bind mounts of fds opened before it was hidden (no path
 * lookup in the new tree an agent could have raced: it does not run yet), and the new roots get
 * their Landlock rights (see view.c).
 */
static void build_view(const struct cordon_launch *l, int report)
{
	const struct cordon_view *v = l->view;
	int kfd[CORDON_VIEW_MAX_KEEP];
	int r;

	if (v->nkeep > CORDON_VIEW_MAX_KEEP)
		fail(report, CORDON_STEP_VIEW, E2BIG, 0);
	for (size_t k = 0; k < v->nkeep; k++)
		kfd[k] = open(v->keep[k], O_PATH | O_CLOEXEC | O_NOFOLLOW);
	for (size_t i = 0; i < v->nmounts; i++) {
		const struct cordon_view_mount *m = &v->mounts[i];

		r = mount_view(m);
		if (r < 0)
			fail(report, CORDON_STEP_VIEW, -r, (int)i);
		keep_paths(v, m, kfd, report);
		if (l->landlock_fd >= 0 && m->landlock_access) {
			r = cordon_landlock_allow_path(l->landlock_fd, m->path, m->landlock_access);
			if (r < 0)
				fail(report, CORDON_STEP_VIEW, -r, (int)i);
		}
	}
	for (size_t k = 0; k < v->nkeep; k++)
		if (kfd[k] >= 0)
			close(kfd[k]);
}

/* Is @path a protected path (a read-only mask) or below one? Such a write tree stays read-only:
 * protect overrides every allow. */
static bool protected_path(const struct cordon_launch *l, const char *path)
{
	for (size_t i = 0; i < l->nmasks; i++)
		if (l->masks[i].kind == CORDON_MASK_READONLY &&
		    (!strcmp(path, l->masks[i].path) || under(path, l->masks[i].path)))
			return true;
	return false;
}

static bool in_write_tree(const struct cordon_view *v, const char *path)
{
	for (size_t i = 0; i < v->nrw; i++)
		if (!strcmp(path, v->rw[i]) || under(path, v->rw[i]))
			return true;
	return false;
}

/* A writable clone of the tree at @path, with its submounts (masks stay as they are), put on top
 * of it: the session's own mount, which no process outside the namespace uses. */
static int rebind_writable(const char *path)
{
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
	int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &rw, sizeof(rw)) < 0 ||
	    move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	/*
	 * A mount stacked on "/" is not seen by lookups that start at this process's root (the
	 * mount below, which chdir("/") would find again): enter the new one through its own
	 * descriptor and make it the root (`write: [/]`).
	 */
	if (r == 0 && !strcmp(path, "/") && (fchdir(fd) < 0 || chroot(".") < 0))
		r = -errno;
	close(fd);
	return r;
}

/* Is rw[@i] inside a layered write tree before it (so part of that overlay)? */
static bool in_layer(const struct cordon_view *v, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (v->rw_layered[k] && under(v->rw[i], v->rw[k]))
			return true;
	return false;
}

/*
 * A cache tree (filesystem.cache): an overlay whose lower layer is the tree as the view has it
 * (read-only) and whose upper layer is the project's directory in the layer store (layers.c),
 * mounted on the tree. Every write lands in the upper layer; the host's tree is never written.
 * The paths are /proc/self/fd links of descriptors (the view's /proc is this pid namespace's),
 * so no name in them needs escaping for the option parser. No redirects, metacopy or index:
 * nothing in an upper directory may point the overlay anywhere else. An overlay shows none of
 * the lower tree's submounts: the masks below the tree are applied again on top of it, and the
 * Landlock rules at or below it are granted again on its new inodes.
 */
/*
 * The store directory of each layered tree (the parent of its upper and work directories),
 * opened in the session's mount namespace before the view is built: the view may hide it (a
 * home in /tmp lies under the session's own /tmp), and overlayfs takes only directories of the
 * mounting namespace, never the launcher's descriptors. No symlink on the way; that these are
 * the directories the user handed over is checked on their upper and work (mount_layer).
 */
static void open_layer_stores(const struct cordon_launch *l, int *store, int report)
{
	const struct cordon_view *v = l->view;

	for (size_t i = 0; i < CORDON_VIEW_MAX_RW; i++)
		store[i] = -1;
	for (size_t i = 0; v && i < v->nrw && i < CORDON_VIEW_MAX_RW; i++) {
		struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
					.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
		char dir[PATH_MAX], *slash;

		if (!v->rw_layered[i])
			continue;
		snprintf(dir, sizeof(dir), "%s", v->layer_upper_path[i] ?: "");
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			fail(report, CORDON_STEP_LAYER, EBADF, (int)i);
		*slash = '\0';
		store[i] = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
		if (store[i] < 0)
			fail(report, CORDON_STEP_LAYER, errno, (int)i);
	}
}

/* @name in @dir, a directory reached without a symlink, and only if it is still @held's inode. */
static int reopen_at(int dir, const char *name, int held)
{
	struct stat a, b;
	int fd;

	if (held < 0 || fstat(held, &a) < 0)
		return -EBADF;
	fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * A cache tree (filesystem.cache): an overlay whose lower layer is the tree as the view has it
 * (read-only) and whose upper layer is the project's directory in the layer store (layers.c),
 * mounted on the tree. Every write lands in the upper layer; the host's tree is never written.
 *
 * The view is read-only by now, and overlayfs refuses a read-only upper mount: a writable clone
 * of the one store directory, @store, is attached on it for the overlay's mount (which takes a
 * private clone of its own) and detached right after, so the view never shows the store
 * writable. The paths are /proc/self/fd links of descriptors (the view's /proc is this pid
 * namespace's), so no name needs escaping for the option parser. No redirects, metacopy or
 * index: nothing in an upper directory may point the overlay anywhere else. An overlay shows
 * none of the lower tree's submounts: the masks below the tree are applied again on top of it,
 * and the Landlock rules at or below it are granted again on its new inodes.
 */
static int mount_layer(const struct cordon_launch *l, size_t i, int store)
{
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
	const struct cordon_view *v = l->view;
	const char *path = v->rw[i];
	int lower, clone, upper = -1, work = -1, r = 0;
	char opts[192], at[64];

	clone = open_tree(store, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (clone < 0 || mount_setattr(clone, "", AT_EMPTY_PATH, &rw, sizeof(rw)) < 0 ||
	    move_mount(clone, "", store, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
		    0) {
		r = -errno;
		if (clone >= 0)
			close(clone);
		return r;
	}
	/* Through a symlink, as the writable clone does: ~/.cache may be a link to another disk. */
	lower = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	upper = reopen_at(clone, "upper", v->layer_upper[i]);
	work = reopen_at(clone, "work", v->layer_work[i]);
	if (lower < 0)
		r = -errno;
	else if (upper < 0 || work < 0)
		r = upper < 0 ? upper : work;
	snprintf(opts, sizeof(opts),
		 "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d,"
		 "redirect_dir=nofollow,metacopy=off,index=off%s",
		 lower, upper, work, l->userns ? ",userxattr" : "");
	if (!r && mount("overlay", path, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		r = -errno;
	if (lower >= 0)
		close(lower);
	if (upper >= 0)
		close(upper);
	if (work >= 0)
		close(work);
	/* The overlay holds its own clone: the writable store leaves the view again. */
	snprintf(at, sizeof(at), "/proc/self/fd/%d", clone);
	if (umount2(at, MNT_DETACH) < 0 && !r)
		r = -errno;
	close(clone);
	for (size_t m = 0; !r && m < l->nmasks; m++)
		if ((!strcmp(l->masks[m].path, path) || under(l->masks[m].path, path)) &&
		    apply_mask(&l->masks[m]) < 0)
			r = -errno;
	for (size_t k = 0; !r && l->landlock_fd >= 0 && k < v->nlayer_rules; k++) {
		const struct cordon_view_rule *lr = &v->layer_rules[k];

		if (strcmp(lr->path, path) && !under(lr->path, path))
			continue;
		r = cordon_landlock_allow_path(l->landlock_fd, lr->path, lr->access);
		/* A path below that is not there grants nothing, as when the ruleset was built. */
		if (r == -ENOENT || r == -ENOTDIR || r == -EACCES)
			r = 0;
	}
	return r;
}

/*
 * Everything read-only, then the session's scratch mounts and the write trees writable again.
 * Landlock decides opens, but chmod, chown, utimes and xattrs are no Landlock rights: without
 * this the agent could make the developer's home world-writable. A read-only mount refuses them
 * all (EROFS) outside the write trees, for every name of the file (hard links included).
 */
static void seal_readonly(const struct cordon_launch *l, const int *store, int report)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
	const struct cordon_view *v = l->view;
	int r;

	if (!l->observe_files && mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		fail(report, CORDON_STEP_READONLY, errno, -1);
	for (size_t i = 0; i < v->nmounts; i++)
		if (mount_setattr(AT_FDCWD, v->mounts[i].path, 0, &rw, sizeof(rw)) < 0)
			fail(report, CORDON_STEP_READONLY, errno, -1);
	for (size_t i = 0; i < v->nrw; i++) {
		if (protected_path(l, v->rw[i]) || in_layer(v, i))
			continue;
		r = v->rw_layered[i] ? mount_layer(l, i, store[i]) : rebind_writable(v->rw[i]);
		/* Marks on the session's own mounts: outside processes raise no events. */
		if (r == 0 && l->fan_fd > 0)
			r = cordon_fan_mark_mount(l->fan_fd, v->rw[i]);
		if (r < 0)
			fail(report, v->rw_layered[i] ? CORDON_STEP_LAYER : CORDON_STEP_READONLY,
			     -r, (int)i);
	}
	/* Pins inside a write tree are writable again (the clone kept them read-only), and are
	 * mounts of their own for the listener to mark. */
	for (size_t i = 0; i < l->nmasks; i++) {
		const char *pin = l->masks[i].path;

		if (l->masks[i].kind != CORDON_MASK_PIN || !in_write_tree(v, pin) ||
		    protected_path(l, pin))
			continue;
		r = mount_setattr(AT_FDCWD, pin, 0, &rw, sizeof(rw)) < 0 ? -errno : 0;
		if (r == 0 && l->fan_fd > 0)
			r = cordon_fan_mark_mount(l->fan_fd, pin);
		if (r < 0)
			fail(report, CORDON_STEP_READONLY, -r, (int)(v->nrw + i));
	}
	/*
	 * Host paths kept below a write tree of the view (a project in /tmp when /tmp is
	 * written): bind mounts of their own that the clone kept read-only; writable as the tree
	 * around them (Landlock still decides each open; masks inside stay as they are).
	 */
	for (size_t i = 0; i < v->nkeep; i++) {
		const char *k = v->keep[i];

		if (!in_write_tree(v, k) || protected_path(l, k))
			continue;
		r = mount_setattr(AT_FDCWD, k, 0, &rw, sizeof(rw)) < 0 ? -errno : 0;
		if (r == 0 && l->fan_fd > 0)
			r = cordon_fan_mark_mount(l->fan_fd, k);
		if (r < 0)
			fail(report, CORDON_STEP_READONLY, -r, (int)(v->nrw + l->nmasks + i));
	}
	/* The group is the listener's alone: the agent must never answer its own events. */
	if (l->fan_fd > 0)
		close(l->fan_fd);
}

/*
 * The agent's terminal: a pty whose peer becomes the controlling terminal and stdio, and whose
 * master goes to cordon for relaying. It comes from the session's own devpts when the view has
 * one; else (unprivileged, without user namespaces) from the host's: still the agent's own
 * terminal, but the host's other terminals stay visible (a declared gap of that mode).
 */
static void open_terminal(const struct cordon_launch *l, int report)
{
	const char *ptmx = cordon_view_has_devpts(l->view) ? "/dev/pts/ptmx" : "/dev/ptmx";
	int r, master, peer;

	r = cordon_pty_open(ptmx, l->pty_termios, l->pty_winsize,
			    l->drop_privileges ? l->uid : (uid_t)-1, &master, &peer);
	if (r < 0)
		fail(report, CORDON_STEP_TERMINAL, -r, 0);
	r = cordon_fd_send(report, master, 'T');
	close(master);
	if (r < 0)
		fail(report, CORDON_STEP_TERMINAL, -r, 0);
	r = cordon_pty_attach(peer, l->pty_fds);
	if (r < 0)
		fail(report, CORDON_STEP_TERMINAL, -r, 0);
}

/*
 * The finished view's root to cordon (tag 'R'): its audit attribution resolves the paths of
 * records in it, also after the task, or the whole session, has gone (/proc/PID/root is gone
 * with the process; a quick agent could exit before cordon opened it). Best effort: without
 * it, attribution uses each record's task's own root while it lives.
 */
static void send_root(int report)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)cordon_fd_send(report, fd, 'R');
		close(fd);
	}
}

/* Wait until cordon has taken in the view's root (cordon_launch.on_view_root): 'A' or fail. */
static void await_root_taken(const struct cordon_launch *l, int report)
{
	char c = 0;

	if (!l->on_view_root)
		return;
	if (read(report, &c, 1) != 1 || c != 'A')
		fail(report, CORDON_STEP_VIEW, EPROTO, -1);
}

/* Namespaces and the filesystem view: everything that needs the privilege still held. */
static void isolate(const struct cordon_launch *l, int report)
{
	int store[CORDON_VIEW_MAX_RW];

	if (l->userns)
		enter_userns(l, report);
	if (l->nmasks || l->view) {
		/*
		 * With the mount namespace, an IPC namespace of the session's own: System V shared
		 * memory, message queues and semaphores (and POSIX message queues) are keyed per IPC
		 * namespace, not by path, so without one the agent attaches to the developer's
		 * segments (an X server's MIT-SHM pixels), reads and sends on their queues, and
		 * leaves segments behind that outlive the session and its memory limit.
		 */
		if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0)
			fail(report, CORDON_STEP_MOUNTNS, errno, 0);
		/* Our masks must not propagate back to the host's mount namespace. */
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			fail(report, CORDON_STEP_MOUNTNS, errno, 0);
		open_layer_stores(l, store, report);
		if (l->view)
			build_view(l, report);
		for (size_t i = 0; i < l->nmasks; i++)
			if (apply_mask(&l->masks[i]) < 0)
				fail(report, CORDON_STEP_MASK, errno, (int)i);
		/* After the view and the masks: their mounts are cloned into the write trees. */
		if (l->view)
			seal_readonly(l, store, report);
		for (size_t i = 0; i < CORDON_VIEW_MAX_RW; i++)
			if (store[i] >= 0)
				close(store[i]);
		send_root(report);
		await_root_taken(l, report);
	}
	if (l->pty)
		open_terminal(l, report);
	for (size_t i = 0; i < l->nrlimits; i++)
		if (setrlimit(l->rlimits[i].resource, &l->rlimits[i].limit) < 0)
			fail(report, CORDON_STEP_RLIMIT, errno, (int)i);
}

/* Credentials, then the restrictions that hold for good: no_new_privs, Landlock, seccomp. */
static void confine(const struct cordon_launch *l, int report)
{
	if (l->drop_privileges) {
		if (setgroups(l->ngroups, l->groups) < 0 || setresgid(l->gid, l->gid, l->gid) < 0 ||
		    setresuid(l->uid, l->uid, l->uid) < 0)
			fail(report, CORDON_STEP_PRIVILEGES, errno, 0);
		/* Paranoia: a failed drop must never go unnoticed. */
		if (setuid(0) == 0 && l->uid != 0)
			fail(report, CORDON_STEP_PRIVILEGES, EPERM, 0);
	}
	/*
	 * With the agent's own credentials: a project its user cannot enter (a directory inside
	 * root's 0700 home, named by a caller of the daemon) is refused here by the kernel, where
	 * a working directory entered as root would have let the agent read below it.
	 */
	if (l->cwd && chdir(l->cwd) < 0)
		fail(report, CORDON_STEP_CHDIR, errno, 0);

	/* Descriptors the caller leaked to us must not reach the agent. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 65536; fd++)
			if (fd != report)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
	}

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(report, CORDON_STEP_NO_NEW_PRIVS, errno, 0);
	if (l->landlock_fd >= 0) {
		int r = cordon_landlock_restrict_self(l->landlock_fd, l->landlock_flags);

		if (r < 0)
			fail(report, CORDON_STEP_LANDLOCK, -r, 0);
	}
	if (l->seccomp && l->seccomp_listener) {
		/*
		 * The listener answers the session's renames: it goes to cordon and is closed
		 * here, before anything of the agent's runs (a task holding it could answer its
		 * own notifications). A filter without its listener would fail every rename.
		 */
		int fd = cordon_seccomp_install_listener(l->seccomp), r;

		if (fd < 0)
			fail(report, CORDON_STEP_SECCOMP, -fd, 0);
		r = cordon_fd_send(report, fd, 'N');
		close(fd);
		if (r < 0)
			fail(report, CORDON_STEP_SECCOMP, -r, 0);
	} else if (l->seccomp) {
		int r = cordon_seccomp_install(l->seccomp);

		if (r < 0)
			fail(report, CORDON_STEP_SECCOMP, -r, 0);
	}
}

/*
 * Die with cordon. Armed again after the credentials change (the kernel clears it then); and
 * cordon may have died before it was armed: its end of the report socket is then closed.
 */
static void die_with_parent(const struct cordon_launch *l, int report)
{
	struct pollfd pf = { .fd = report, .events = POLLIN };

	if (!l->die_with_parent)
		return;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(report, CORDON_STEP_DIE_WITH_PARENT, errno, 0);
	if (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLHUP | POLLERR)))
		_exit(127);
}

static _Noreturn void exec_agent(const struct cordon_launch *l, int report)
{
	/*
	 * execvpe() searches the PATH of the calling process's environment, not of @envp: root's
	 * `--user NAME` would find the command in root's PATH (~/.pyenv/shims, ~/.cargo/bin) where
	 * the agent may not even exec. The agent's own environment decides, as it will for every
	 * exec after this one (this is the child of a fork: nothing else reads environ now).
	 */
	environ = (char **)l->envp;
	execvpe(l->argv[0], l->argv, l->envp);
	fail(report, CORDON_STEP_EXEC, errno, 0);
}

static _Noreturn void child(const struct cordon_launch *l, int report, int stop_fd)
{
	sigset_t set;

	/* First: from here on everything, our own set-up included, belongs to the session. */
	if (!born_in_cgroup && l->cgroup_procs_fd >= 0 && write(l->cgroup_procs_fd, "0\n", 2) != 2)
		fail(report, CORDON_STEP_CGROUP, errno, 0);
	/* The v1 groups of the limits v2 cannot apply, while still root: by their tasks files, this
	 * process being its only thread yet (cgroup_v1.c hold). */
	for (size_t i = 0; i < l->nv1_procs; i++)
		if (write(l->v1_procs_fd[i], "0\n", 2) != 2)
			fail(report, CORDON_STEP_CGROUP, errno, (int)i + 1);
	die_with_parent(l, report);
	cordon_supervised_signals(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/*
	 * Not the developer's terminal's session: TIOCSTI on it is refused by the kernel itself, and
	 * its keyboard signals never reach the agent directly (a pty of its own carries them).
	 */
	if (setsid() < 0)
		fail(report, CORDON_STEP_SETSID, errno, 0);
	/*
	 * Landlock has no say over a memfd (no path), so an exec-restricted agent could run any
	 * bytes it writes into one. Memory files of this pid namespace are made non-executable and
	 * sealed so (1: as if MFD_NOEXEC_SEAL; seccomp refuses MFD_EXEC). Not 2: before 6.7 that
	 * also refused every memfd_create() without MFD_NOEXEC_SEAL, which ordinary programs use.
	 * The knob is per pid namespace and never below the host's: while we are its root.
	 */
	if (l->memfd_noexec && memfd_noexec() < 0)
		fail(report, CORDON_STEP_MEMFD_NOEXEC, errno, 0);
	isolate(l, report);
	confine(l, report);
	die_with_parent(l, report);
	/* With a pid namespace this process is its init; the agent is its child (init.c). */
	if (l->pidns) {
		int e = cordon_init_start(report, stop_fd, l->detach);

		if (e < 0)
			fail(report, CORDON_STEP_INIT, -e, 0);
	}
	exec_agent(l, report);
}

/* --- in the parent ------------------------------------------------------------------------ */

/*
 * One message from the child: a failure report, or the pty master (tag 'T' with SCM_RIGHTS).
 * Returns the bytes received (0: the child exec'd or died) or -errno.
 */
static ssize_t recv_report(int sock, struct cordon_launch_failure *got, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = got, .iov_len = sizeof(*got) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/*
 * Wait for the child's next report, answering the file listener meanwhile: once the child has
 * marked its mounts, its own opens (the exec of the agent) wait for the listener's answer.
 */
static void serve_until_report(const struct cordon_launch *l, int sock)
{
	struct pollfd pf[2] = { { .fd = sock, .events = POLLIN },
				{ .fd = l->fan_fd, .events = POLLIN } };

	if (!l->fan_serve || l->fan_fd <= 0)
		return;
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return;
		if (pf[1].revents & POLLIN)
			l->fan_serve(l->fan_ctx);
		if (pf[0].revents)
			return;
	}
}

/* Read the child's reports until it execs (EOF) or fails. */
static int await_exec(const struct cordon_launch *l, int sock, pid_t p, int *pty_master,
		      int *root_fd, int *notify_fd, struct cordon_launch_failure *f)
{
	struct cordon_launch_failure got;
	int fd, status;
	ssize_t n;

	for (;;) {
		serve_until_report(l, sock);
		fd = -1;
		memset(&got, 0, sizeof(got));
		n = recv_report(sock, &got, &fd);
		if (n == 1 && fd >= 0 && *(const char *)&got == 'R' && *root_fd < 0) {
			*root_fd = fd; /* the view's root, for attribution */
			if (l->on_view_root) {
				/* The child waits for this answer before it goes on (launch.c
				 * await_root_taken); a failure stops it there. */
				char a = l->on_view_root(l->view_root_ctx, fd) == 0 ? 'A' : 'F';

				if (send(sock, &a, 1, MSG_NOSIGNAL) != 1)
					break;
			}
			continue;
		}
		if (n == 1 && fd >= 0 && *(const char *)&got == 'N' && *notify_fd < 0) {
			*notify_fd = fd; /* the session's renames, to be answered */
			continue;
		}
		if (n == 1 && fd >= 0 && *(const char *)&got == 'T' && pty_master &&
		    *pty_master < 0) {
			*pty_master = fd; /* the agent's terminal; its exec is still to come */
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (n == 0)
			return 0;
		break;
	}
	waitpid(p, &status, 0);
	if (pty_master && *pty_master >= 0) {
		close(*pty_master);
		*pty_master = -1;
	}
	if (*root_fd >= 0) {
		close(*root_fd);
		*root_fd = -1;
	}
	if (*notify_fd >= 0) {
		close(*notify_fd);
		*notify_fd = -1;
	}
	if (n != sizeof(got)) {
		f->step = CORDON_STEP_NONE;
		f->err = n < 0 ? (int)-n : EPROTO;
		return -f->err;
	}
	*f = got;
	return -(got.err ? got.err : EPROTO);
}

/*
 * clone3() into the session cgroup: the child never runs a single instruction outside it, and
 * the kernel skips the migration a write to cgroup.procs costs. -1 with errno when this kernel
 * (before 5.7) or a seccomp filter around cordon refuses clone3.
 */
static pid_t clone_into_cgroup(const struct cordon_launch *l, unsigned long flags)
{
	struct clone_args ca = { .flags = flags | CLONE_INTO_CGROUP,
				 .exit_signal = SIGCHLD,
				 .cgroup = (__u64)l->cgroup_fd };

	born_in_cgroup = true;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* fork(), or a clone() into a new pid namespace (and the user namespace that owns it). */
static pid_t spawn(const struct cordon_launch *l)
{
	unsigned long flags = CLONE_NEWPID | (l->userns ? CLONE_NEWUSER : 0);

	if (l->clone_into_cgroup) {
		pid_t p = clone_into_cgroup(l, l->pidns ? flags : 0);

		if (p >= 0 || (errno != ENOSYS && errno != EINVAL && errno != E2BIG))
			return p;
		born_in_cgroup = false;
	}
	if (!l->pidns)
		return fork();
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int cordon_launch(const struct cordon_launch *l, struct cordon_launched *out,
		  struct cordon_launch_failure *f)
{
	int sv[2], stop[2] = { -1, -1 }, r;
	sigset_t set, old;
	pid_t p;

	memset(f, 0, sizeof(*f));
	*out = (struct cordon_launched){
		.pid = -1, .pty_master = -1, .stop_fd = -1, .root_fd = -1, .notify_fd = -1
	};
	/* A socket, not a pipe: the child also hands over its terminal's master (SCM_RIGHTS). */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* The session's init says "the agent stopped" here (cordon cannot wait for a grandchild). */
	if (l->pidns && pipe2(stop, O_CLOEXEC) < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	/* Block the forwarded signals before fork so none is lost between fork and supervise. */
	cordon_supervised_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	fflush(NULL);
	outer_uid = geteuid();
	outer_gid = getegid();
	p = spawn(l);
	if (p == 0) {
		close(sv[0]);
		if (stop[0] >= 0)
			close(stop[0]);
		child(l, sv[1], stop[1]);
	}
	r = p < 0 ? -errno : 0;
	close(sv[1]);
	if (stop[1] >= 0)
		close(stop[1]);
	if (r == 0 && l->while_child_sets_up)
		l->while_child_sets_up(l->while_child_ctx);
	/* EOF: the child's end closed on a successful exec. */
	if (r == 0)
		r = await_exec(l, sv[0], p, l->pty ? &out->pty_master : NULL, &out->root_fd,
			       &out->notify_fd, f);
	close(sv[0]);
	if (r == 0) {
		out->pid = p;
		out->stop_fd = stop[0];
		return 0;
	}
	if (stop[0] >= 0)
		close(stop[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
