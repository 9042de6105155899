// SPDX-License-Identifier: GPL-2.0-only
/* cgroup v2 helpers. Every function returns 0 (or a count) on success and -errno on failure. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "events.h"
#include "enforce/enforce.h"
#include "sys/sys.h"

int cordon_cgroup2_mount(char *buf, size_t len)
{
	struct cordon_mount *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = cordon_mount_find("cgroup2", m);
	if (r == 0 && (size_t)snprintf(buf, len, "%s", m->target) >= len)
		r = -ENAMETOOLONG;
	free(m);
	return r;
}

int cordon_path_depth(const char *p)
{
	int n = 0;

	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		n++;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

int cordon_cgroup_level(const struct cordon_mount *m, const char *path)
{
	size_t tl = strlen(m->target);

	/* "/" as the mount point is a prefix of everything; otherwise require a component match. */
	if (strcmp(m->target, "/") != 0 &&
	    (strncmp(path, m->target, tl) != 0 || (path[tl] != '/' && path[tl] != '\0')))
		return -EINVAL;
	if (strcmp(m->target, "/") == 0)
		tl = 0;
	return cordon_path_depth(m->root) + cordon_path_depth(path + tl);
}

int cordon_cgroup_create(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Remove the child cgroups below @dfd, deepest first. The session's processes may make child
 * cgroups of their own (a nested cordon, a container tool): the session cgroup cannot go
 * before they do, and a session whose cgroup never goes keeps its entry (fail closed), its
 * pins and the machine-wide tracepoints for ever. cgroupfs holds no symlinks and the walk
 * takes no name twice (O_NOFOLLOW); the depth is bounded like the kernel's nesting.
 */
static int remove_children(int dfd, int depth)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > 64)
		return -ELOOP;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((e = readdir(d))) {
		int cfd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0)
			r = remove_children(cfd, depth + 1);
		if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && !r)
			r = -errno;
	}
	closedir(d);
	return r;
}

int cordon_cgroup_remove(const char *path)
{
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	remove_children(dfd, 0);
	if (rmdir(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* On cgroup v2 the file handle of a cgroup directory is its 64-bit id. */
int cordon_cgroup_id(const char *path, uint64_t *id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0)
		return -errno;
	if (h.fh.handle_bytes != sizeof(uint64_t))
		return -EPROTO;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

static int write_file(const char *dir, const char *file, const char *data)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(data);
	ssize_t n;

	if (dfd < 0)
		return -errno;
	fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int cordon_cgroup_enter(const char *path, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	return write_file(path, "cgroup.procs", buf);
}

int cordon_cgroup_read(const char *path, const char *file, char *buf, size_t len)
{
	_cleanup_close_ int dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	return cordon_read_line_at(dfd, file, buf, len);
}

/*
 * The start time /proc/PID/stat reports (field 22), in clock ticks since boot. Its comm
 * (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
 */
static int proc_start_ticks(pid_t pid, unsigned long long *ticks)
{
	char path[32], buf[1024], *end;
	const char *p;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	r = cordon_read_line_at(AT_FDCWD, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	p = strrchr(buf, ')');
	/* Fields 3 (state) to 21 (itrealvalue) come first; 22 is starttime. */
	for (int field = 3; p && field <= 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EBADMSG;
	errno = 0;
	*ticks = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EBADMSG;
	return 0;
}

int cordon_escape_kill(struct cordon_event_cgroup_escape *ev)
{
	_cleanup_close_ int pidfd = -1;
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long ticks;
	int r;

	/* SIGKILL is queued already: it cannot be blocked, caught or undone. */
	if (ev->flags & CORDON_ESCAPE_KILLED_BPF)
		return 0;
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)ev->hdr.pid, 0);
	if (pidfd < 0) {
		ev->flags |= CORDON_ESCAPE_GONE;
		return errno == ESRCH ? 0 : -errno;
	}
	/*
	 * The pidfd pins the process it was opened on; its /proc start time, read after, tells
	 * whether that is the one the record names (the kernel's clock ticks are start_ns cut to
	 * USER_HZ). Read before the pidfd existed, a reused pid could pass the check.
	 */
	r = proc_start_ticks((pid_t)ev->hdr.pid, &ticks);
	if (r == -ENOENT || (r == 0 && hz > 0 && ticks != ev->start_ns / (1000000000ull / hz))) {
		ev->flags |= CORDON_ESCAPE_GONE;
		return 0;
	}
	if (r < 0)
		return r;
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0) {
		if (errno != ESRCH)
			return -errno;
		ev->flags |= CORDON_ESCAPE_GONE;
		return 0;
	}
	ev->flags |= CORDON_ESCAPE_KILLED;
	return 0;
}
