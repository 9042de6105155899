// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's mount namespace, let go off the caller's path. A namespace dies with its last
 * task, the session's init: its mounts go with it, and each overlay of a cache tree syncs its
 * upper file system when it goes (milliseconds, more with data written and not yet on disk),
 * all inside the init's exit, before cordon's waitpid returns. An nsfs descriptor taken by
 * cordon's root side after the launch keeps the namespace past that exit; once the session's
 * end is recorded it goes to a detached process that closes it, and the teardown runs there.
 *
 * Nothing of the session can reach it: the descriptor is taken by this process (the session's
 * init is its child, not yet reaped, so the pid names it), after the launch, close-on-exec,
 * and the releaser holds nothing but it and the layer slot's locks. When the namespace outlives
 * the session nothing runs in it any more: only its mounts are left. If the releaser is killed,
 * its descriptors go with it and the kernel tears the namespace down all the same; the slot's
 * locks (layers.c) are released by its death, never before the namespace is gone.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "enforce/enforce.h"

int cordon_mountns_hold(pid_t pid)
{
	struct stat ours, theirs;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &theirs) < 0 || stat("/proc/self/ns/mnt", &ours) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

static bool kept(int fd, int nsfd, const int *locks, size_t nlocks)
{
	if (fd == nsfd)
		return true;
	for (size_t i = 0; i < nlocks; i++)
		if (locks[i] == fd)
			return true;
	return false;
}

/* Every descriptor but @nsfd and @locks: the caller's stdio and pipes are never held. */
static void close_others(int nsfd, const int *locks, size_t nlocks)
{
	int top = nsfd;

	for (size_t i = 0; i < nlocks; i++)
		if (locks[i] > top)
			top = locks[i];
	for (int fd = 0; fd < top; fd++)
		if (!kept(fd, nsfd, locks, nlocks))
			close(fd);
	syscall(SYS_close_range, (unsigned int)top + 1, ~0U, 0);
}

void cordon_mountns_release(int nsfd, const int *locks, size_t nlocks)
{
	pid_t p;

	if (nsfd < 0)
		return;
	p = fork();
	if (p == 0) {
		/* Out of the caller's process group and terminal: its Ctrl-C is not for us. */
		setsid();
		close_others(nsfd, locks, nlocks);
		/* The namespace's last reference: its mounts are unmounted before close returns. */
		close(nsfd);
		/* Then the locks, in the caller's order (the slot's last), never before. */
		for (size_t i = 0; i < nlocks; i++)
			close(locks[i]);
		_exit(0);
	}
	/* No process (p < 0): let it go here, before the caller releases the slot's lock. */
	close(nsfd);
}
