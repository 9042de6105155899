// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host tier's file decisions that Landlock cannot make: a fanotify permission listener over
 * the session's own writable mounts refuses opens of secret names (files created later too) and
 * of secret inodes reached by any name (hard links), and a guard keeps it fail-closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "sys/sys.h"
#include "enforce/enforce.h"
#include "compile/compile.h"
#include "events.h"
#include "lib/pattern.h"

#define FAN_EVENTS	   (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)
#define FAN_MAX_INODES	   4096
#define FAN_MAX_IGNORED	   65536 /* ignore marks pin inodes: past this, every open is decided */
#define FAN_SECRET_DEPTH   6
#define FAN_CACHE_DEPTH	   16
#define FAN_CACHE_WALK_MAX 100000 /* entries of the cache trees looked at, all trees together */

static int add_inode(struct cordon_fan *f, const struct stat *st, uint32_t rule)
{
	if (f->ninodes >= FAN_MAX_INODES)
		return -E2BIG;
	f->inodes[f->ninodes++] =
		(struct cordon_fan_inode){ .dev = st->st_dev, .ino = st->st_ino, .rule = rule };
	return 0;
}

/* Every regular file of a secret (a directory: its files, bounded in depth). */
static int collect(struct cordon_fan *f, const char *path, uint32_t rule, int depth)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int r = 0;

	if (stat(path, &st) < 0 || depth > FAN_SECRET_DEPTH)
		return 0;
	if (S_ISREG(st.st_mode))
		return add_inode(f, &st, rule);
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return 0;
	while (!r && (e = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < sizeof(sub))
			r = collect(f, sub, rule, depth + 1);
	}
	closedir(d);
	return r;
}

/*
 * A layered cache tree (filesystem.cache), walked for secret names: the session writes there
 * through an overlay, and a rename or link in the overlay copies the file up into the layer, a
 * new name no pattern matches and no mask covers. Seen through the overlay the copy keeps the
 * lower file's inode number (one file system under the layers), so the inode found here is
 * refused under any name the session gives it. Symlinked directories are not followed. Past
 * the walk's bound, the start lists the gap (cache_truncated).
 */
static void walk_cache(struct cordon_fan *f, char *path, size_t len, int depth, size_t *budget)
{
	struct dirent *e;
	DIR *d;

	if (depth > FAN_CACHE_DEPTH) {
		f->cache_truncated = true;
		return;
	}
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		long hit;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!*budget) {
			f->cache_truncated = true;
			break;
		}
		(*budget)--;
		if (len + 1 + n + 1 > PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		hit = cordon_patterns_secret(f->names, f->nnames, e->d_name);
		if (hit >= 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (add_inode(f, &st, f->names[hit].rule_id) < 0)
				f->cache_truncated = true;
		} else if (hit < 0 && e->d_type == DT_DIR) {
			walk_cache(f, path, len + 1 + n, depth + 1, budget);
		}
		path[len] = 0;
	}
	closedir(d);
}

int cordon_fan_create(const struct policy *p, struct cordon_fan *f)
{
	size_t budget = FAN_CACHE_WALK_MAX;
	struct timespec now;
	char msg[160];
	int r = 0;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->names = calloc(p->sec_patterns.n ?: 1, sizeof(*f->names));
	f->inodes = calloc(FAN_MAX_INODES, sizeof(*f->inodes));
	if (!f->names || !f->inodes)
		r = -ENOMEM;
	for (size_t i = 0; !r && i < p->sec_patterns.n; i++) {
		r = policy_compile_pattern(p->sec_patterns.v[i].s, &f->names[i], msg, sizeof(msg));
		f->names[i].rule_id = POL_RULE_ID(POL_RULE_PATTERN, i);
		f->nnames += r == 0;
	}
	for (size_t i = 0; !r && i < p->sec_files.n; i++)
		r = collect(f, p->sec_files.v[i].s, POL_RULE_ID(POL_RULE_SECRET, i), 0);
	for (size_t i = 0; !r && i < p->exec_deny.n; i++)
		r = collect(f, p->exec_deny.v[i].s, POL_RULE_ID(POL_RULE_EXEC, i), 0);
	for (size_t i = 0; !r && f->nnames && i < p->fs_cache.n; i++) {
		char path[PATH_MAX];
		const char *c = p->fs_cache.v[i].s;

		if (c && *c == '/' && strlen(c) < sizeof(path)) {
			strcpy(path, c);
			walk_cache(f, path, strlen(path), 0, &budget);
		}
	}
	f->exec_deny = &p->exec_deny;
	f->protect = &p->fs_protect;
	if (!r) {
		int n = cordon_protect_missing(&p->fs_protect, &f->protect_new);

		if (n < 0)
			r = n;
		else
			f->nprotect_new = (size_t)n;
	}
	/* Until the caller sets the session's start: inode times come from a coarse clock,
	 * 100 ms of margin err toward refusing. */
	clock_gettime(CLOCK_REALTIME, &now);
	f->since = (int64_t)now.tv_sec * 1000000000ll + now.tv_nsec - 100000000ll;
	/* Content class: permission events, answered before the open completes. The event's
	 * descriptor is opened for us without raising events of its own. */
	if (!r) {
		f->fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK |
					      FAN_UNLIMITED_MARKS,
				      O_RDONLY | O_LARGEFILE | O_CLOEXEC);
		if (f->fd < 0)
			r = -errno;
	}
	if (r < 0)
		cordon_fan_free(f);
	return r;
}

int cordon_fan_mark_mount(int fd, const char *path)
{
	return fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_EVENTS, AT_FDCWD, path) < 0
		       ? -errno
		       : 0;
}

/* @path is @dir or beneath it. */
static bool at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

/*
 * Is the file @st one of the collected inodes @in? Through one of the session's layers the
 * device is the overlay's: the inode number then counts on the devices under the layers.
 */
static bool same_inode(const struct cordon_fan *f, const struct cordon_fan_inode *in,
		       const struct stat *st, bool overlay)
{
	if (in->ino != st->st_ino)
		return false;
	if (in->dev == st->st_dev)
		return true;
	for (size_t i = 0; overlay && i < f->nlayer_devs; i++)
		if (in->dev == f->layer_devs[i])
			return true;
	return false;
}

/*
 * The rule that refuses this open, or 0. An exec is also judged by the path it names: a denied
 * program put in place during the session (a write tree is where that can happen) is refused
 * although its inode was unknown at start.
 */
static uint32_t decide(const struct cordon_fan *f, const struct stat *st, const char *path,
		       bool exec, bool overlay)
{
	const char *name = strrchr(path, '/');
	long hit;

	for (size_t i = 0; exec && f->exec_deny && i < f->exec_deny->n; i++)
		if (at_or_under(path, f->exec_deny->v[i].s))
			return POL_RULE_ID(POL_RULE_EXEC, i);
	/*
	 * A protected path that did not exist at start (.vscode/, .mcp.json, an rc file): made
	 * during the session, so whatever is opened there is refused, the open that created it
	 * included (it stays empty). A rename or link puts a file there without an open: the
	 * watch (protect.c) renames it away at once, the sweep at the session's end again.
	 */
	for (size_t i = 0; i < f->nprotect_new; i++)
		if (at_or_under(path, f->protect_new[i].path))
			return POL_RULE_ID(POL_RULE_PROTECT, f->protect_new[i].index);
	for (size_t i = 0; i < f->ninodes; i++)
		if (same_inode(f, &f->inodes[i], st, overlay))
			return f->inodes[i].rule;
	/*
	 * A git hook made during the session, in any repository (one made or cloned now too):
	 * refused before its content is written. Creating it happens before this event, so an
	 * empty file may stay; renames place hooks without an open at all, which is why the
	 * sweep at the session's end (gitguard.c) is what guarantees none survives.
	 */
	if (cordon_git_hook_planted(path, st, f->since))
		return POL_RULE_ID(POL_RULE_GIT, CORDON_GIT_HOOK);
	name = name ? name + 1 : path;
	hit = cordon_patterns_secret(f->names, f->nnames, name);
	return hit >= 0 ? f->names[hit].rule_id : 0;
}

/*
 * A name cordon's watch gave the file, or a directory above it, while this open waited
 * (NAME.cordon-quarantined, .2, ...; the listener syncs with the watch before it answers):
 * judged and reported under the name the open was made for. Every component is mapped, not only
 * the last: `mkdir -p .vscode` then an open of `.vscode/tasks.json` may find the directory
 * renamed to `.vscode.cordon-quarantined` by then, and a write into it must be refused like one
 * into `.vscode/`. A name the agent chose that looks the same is judged as the shorter one:
 * never more lenient.
 */
static void unquarantined(char *path)
{
	static const char q[] = ".cordon-quarantined";
	char *c = path;

	while (*c) {
		char *end = strchrnul(c, '/'), *at = NULL;
		const char *rest;

		/* The last occurrence in this component, with a name before it. */
		for (char *h = c; (h = memmem(h, (size_t)(end - h), q, sizeof(q) - 1)); h++)
			at = h;
		if (at && at > c && at[-1] != '/') {
			rest = at + sizeof(q) - 1;
			if (*rest == '.')
				rest += 1 + strspn(rest + 1, "0123456789");
			if (rest == end) {
				memmove(at, end, strlen(end) + 1);
				end = at;
			}
		}
		c = *end ? end + 1 : end;
	}
}

static void report(struct cordon_fan *f, const struct fanotify_event_metadata *m,
		   const struct stat *st, const char *path, uint32_t rule)
{
	struct cordon_event_file ev;
	struct timespec ts;
	char proc[64];
	int fd;

	if (!f->on_refuse)
		return;
	memset(&ev, 0, sizeof(ev));
	clock_gettime(CLOCK_BOOTTIME, &ts);
	ev.hdr = (struct cordon_event_hdr){ .type = CORDON_EV_FILE,
					    .version = CORDON_EVENT_VERSION,
					    .size = sizeof(ev),
					    .ts_ns = (uint64_t)ts.tv_sec * 1000000000ull +
						     (uint64_t)ts.tv_nsec,
					    .cgroup_id = f->cgroup_id,
					    .session = f->session_id,
					    .pid = (uint32_t)m->pid,
					    .tid = (uint32_t)m->pid,
					    .uid = f->uid,
					    .verdict = -EPERM,
					    .rule_id = rule,
					    .hook = CORDON_HOOK_FANOTIFY_PERM,
					    .layer = CORDON_LAYER_FANOTIFY };
	snprintf(proc, sizeof(proc), "/proc/%d/comm", (int)m->pid);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, ev.hdr.comm, sizeof(ev.hdr.comm) - 1);

		if (n > 0 && ev.hdr.comm[n - 1] == '\n')
			ev.hdr.comm[n - 1] = 0;
		close(fd);
	}
	ev.ino = st->st_ino;
	ev.dev = (uint32_t)st->st_dev;
	ev.access = m->mask & FAN_OPEN_EXEC_PERM ? CORDON_ACCESS_EXEC : CORDON_ACCESS_READ;
	/* Truncated like d_path in the BPF records: the record says the path is cut. */
	memcpy(ev.path, path, strnlen(path, sizeof(ev.path) - 1));
	f->on_refuse(f->ctx, &ev, sizeof(ev));
}

/*
 * One permission event. An allowed inode gets an ignore mark: its later opens cost nothing. That
 * stays sound across renames: the agent could read the file when it was allowed, and new
 * content clears the mark (no FAN_MARK_IGNORED_SURV_MODIFY), so a file renamed into a secret
 * name later is decided again as soon as anything is written to it.
 */
static void answer(struct cordon_fan *f, const struct fanotify_event_metadata *m)
{
	struct fanotify_response resp = { .fd = m->fd, .response = FAN_DENY };
	/* Execs are never ignored when exec_deny names paths: a rename can put a file there. */
	uint64_t ignore = f->exec_deny && f->exec_deny->n ? FAN_OPEN_PERM : FAN_EVENTS;
	char fd_path[64], target[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	uint32_t rule = 0;
	ssize_t n;

	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", m->fd);
	n = readlink(fd_path, target, sizeof(target) - 1);
	/* Undecidable (no path, no inode): refused, never let through. */
	if (n > 0 && fstat(m->fd, &st) == 0 && fstatfs(m->fd, &sfs) == 0) {
		target[n] = 0;
		unquarantined(target);
		rule = decide(f, &st, target, m->mask & FAN_OPEN_EXEC_PERM,
			      sfs.f_type == OVERLAYFS_SUPER_MAGIC);
		if (!rule)
			resp.response = FAN_ALLOW;
	} else {
		target[0] = 0;
		memset(&st, 0, sizeof(st));
	}
	if (write(f->fd, &resp, sizeof(resp)) != sizeof(resp))
		f->errors++;
	if (resp.response == FAN_ALLOW && f->nignored < FAN_MAX_IGNORED &&
	    fanotify_mark(f->fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, ignore, m->fd, NULL) == 0)
		f->nignored++;
	if (resp.response == FAN_DENY) {
		f->refused++;
		report(f, m, &st, target, rule);
	}
}

uint32_t cordon_fan_secret_rule(const struct cordon_fan *f, const char *name)
{
	long hit = cordon_patterns_secret(f->names, f->nnames, name);

	return hit >= 0 ? f->names[hit].rule_id : 0;
}

int cordon_fan_learn(struct cordon_fan *f, int fd, const struct stat *st, uint32_t rule)
{
	char proc[64];

	for (size_t i = 0; i < f->ninodes; i++)
		if (f->inodes[i].dev == st->st_dev && f->inodes[i].ino == st->st_ino)
			return 0;
	if (add_inode(f, st, rule) < 0)
		return -E2BIG;
	f->learned++;
	/* Allowed once under another name: its ignore mark goes, the next open is decided. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	fanotify_mark(f->fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_EVENTS, AT_FDCWD, proc);
	return 0;
}

void cordon_fan_serve(void *ctx)
{
	struct cordon_fan *f = ctx;
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));

	for (;;) {
		const struct fanotify_event_metadata *m = (const void *)buf;
		ssize_t n = read(f->fd, buf, sizeof(buf));

		if (n <= 0)
			return;
		/* Read, then synced: a rename or link that came before these opens is known. */
		if (f->sync)
			f->sync(f->sync_ctx);
		/* Read in place, unlike the protect watch's: this group reports no info records
		 * (no FID, name or pidfd flags), so every event is a bare header, 24 bytes, and
		 * each starts 8-aligned like the buffer. */
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->fd < 0)
				continue;
			if (m->vers == FANOTIFY_METADATA_VERSION && (m->mask & FAN_EVENTS))
				answer(f, m);
			close(m->fd);
		}
	}
}

/*
 * Close every descriptor but the @n in @keep (ascending). The guard outlives the launcher by
 * its own exit, which waits for the group's teardown (~20 ms here: the kernel's wait for the
 * marks to go); a pipe it kept (the caller's stdout or stderr, `out=$(cordon run ...)`) held
 * the caller's read open that long after cordon had exited.
 */
static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void close_all_but(const int *keep, int n)
{
	unsigned int lo = 0;

	for (int i = 0; i <= n; i++) {
		unsigned int hi = i < n ? (unsigned int)keep[i] : ~0U;

		if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0U) < 0)
			for (unsigned int fd = lo; fd < hi && fd < 1024; fd++)
				close((int)fd);
		lo = hi + 1;
	}
}

/*
 * The guard: a process of its own session that holds a second descriptor of the group, so the
 * group outlives the listener (when its last descriptor closes, the kernel lets pending and
 * later opens through). When the listener exits for any reason (its pidfd turns readable), the
 * guard kills every process of the session cgroup (cgroup.kill: atomic, forks in flight
 * included), and only then lets the group go. Started before the agent exists. (A pidfd, not a
 * pipe: the launched child would inherit a pipe's write end and keep it open.)
 */
int cordon_fan_guard(struct cordon_fan *f, const char *cgroup)
{
	char path[PATH_MAX];
	int kfd, pidfd;
	pid_t g;

	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.kill", cgroup) >= sizeof(path))
		return -ENAMETOOLONG;
	kfd = open(path, O_WRONLY | O_CLOEXEC);
	if (kfd < 0)
		return -errno;
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0) {
		close(kfd);
		return -errno;
	}
	g = fork();
	if (g == 0) {
		struct pollfd pf = { .fd = pidfd, .events = POLLIN };
		int keep[] = { f->fd, kfd, pidfd };

		setsid();
		qsort(keep, ARRAY_SIZE(keep), sizeof(keep[0]), cmp_int);
		close_all_but(keep, (int)ARRAY_SIZE(keep));
		for (int s = 1; s < NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_IGN);
		while (poll(&pf, 1, -1) <= 0)
			;
		if (write(kfd, "1", 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(kfd);
	close(pidfd);
	if (g < 0)
		return -errno;
	f->guard_pid = g;
	return 0;
}

/*
 * Close a notification group's descriptor off the caller's path. The last close of a fanotify
 * group waits for the kernel to free its marks (an SRCU grace period: 4-21 ms measured on the
 * 6.18 host for the git watch's group), and the launcher's caller waits for the launcher's
 * exit. A child keeping only that descriptor (never the caller's stdout or stderr: see
 * close_all_but) makes the last close: it waits for the end of a pipe only this process holds,
 * which goes right after this process closed its own copy, so the child's close comes second
 * (without that order the child, quick to start, closed first and the caller paid anyway).
 * Nothing waits for the child, which the launcher's exit soon leaves to init. Only for groups
 * whose events no longer matter: the session is over when this is called. Without a child
 * (pipe or fork failed), closed here.
 */
void cordon_fan_close_detached(int fd)
{
	int p[2];
	pid_t c;

	if (fd < 0)
		return;
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(fd);
		return;
	}
	c = fork();
	if (c == 0) {
		int keep[] = { fd, p[0] };
		char b;

		qsort(keep, ARRAY_SIZE(keep), sizeof(keep[0]), cmp_int);
		close_all_but(keep, (int)ARRAY_SIZE(keep));
		/* EOF once the parent closed its copy of the group and then the pipe */
		while (read(p[0], &b, 1) < 0 && errno == EINTR)
			;
		close(fd);
		_exit(0);
	}
	close(fd);
	close(p[0]);
	close(p[1]);
}

void cordon_fan_free(struct cordon_fan *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->names);
	free(f->inodes);
	free(f->protect_new);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}
