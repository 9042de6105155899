// SPDX-License-Identifier: GPL-2.0-only
/*
 * Session limits through the cgroup v1 controllers, where cgroup v2 has none.
 *
 * On a hybrid host (cgroup2 mounted without controllers, memory/pids/cpu on v1 hierarchies)
 * the session's v2 cgroup cannot limit anything. The fallbacks used to be an rlimit and a
 * supervisor that added up resident memory, and both miss what a session can hold: shared
 * anonymous memory, a memfd and the session's own tmpfs are "shared" or mapped by nobody, so
 * 256 MiB lived under a 64 MiB limit. A v1 memory cgroup charges every page the session
 * faults in, tmpfs and memfd included, and the kernel's OOM killer acts inside it; the v1
 * pids controller counts the session's tasks rather than the user's (RLIMIT_NPROC).
 *
 * Each controller's hierarchy gets cordon/<session id>, made by root (0755: the agent, never
 * root in the session, cannot write its tasks or any other's). The child joins each
 * one first thing, while it is still root (launch.c), so everything it runs is charged; v1
 * membership is inherited at fork, and a task cannot leave without write access to another
 * v1 cgroup's tasks or procs file.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "enforce/enforce.h"
#include "sys/sys.h"

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[CORDON_V1_PATH + 64];
	int fd, r = 0;
	size_t len = strlen(val);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		r = -errno;
	close(fd);
	return r;
}

/* cordon/<session> in the v1 hierarchy of @controller, its procs file held: 0 or -errno. */
static int make_group(struct cordon_session_ctx *s, const char *controller, char *dir, size_t len)
{
	struct cordon_mount *m = calloc(1, sizeof(*m));
	char path[CORDON_V1_PATH + 32];
	int r;

	if (!m)
		return -ENOMEM;
	r = cordon_mount_find_opt("cgroup", controller, m);
	if (r == 0 && (size_t)snprintf(dir, len, "%s/%s/%s", m->target, CORDON_CGROUP_ROOT_NAME,
				       s->name) >= len)
		r = -ENAMETOOLONG;
	if (r == 0 && (size_t)snprintf(path, sizeof(path), "%s/%s", m->target,
				       CORDON_CGROUP_ROOT_NAME) >= sizeof(path))
		r = -ENAMETOOLONG;
	if (r == 0 && mkdir(path, 0755) < 0 && errno != EEXIST)
		r = -errno;
	free(m);
	if (r == 0 && mkdir(dir, 0755) < 0)
		r = -errno;
	return r;
}

/*
 * Keep @dir (made, limits written) and its tasks file for the child to join. The tasks file,
 * not cgroup.procs: the child writes "0" right after fork, when it is the only thread of its
 * process, so moving that thread moves the whole process (and, being its mm's owner, its memory
 * charges), and no thread or child exists yet to be left behind. A cgroup.procs write takes
 * cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period (4-14 ms a write
 * on the 6.18 host, most launches); the kernel skips that lock when a task moves only itself
 * (0.03 ms there). A kernel that takes it anyway costs what cgroup.procs did, same result.
 */
static int hold(struct cordon_session_ctx *s, const char *dir)
{
	char path[CORDON_V1_PATH + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/tasks", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	s->v1_procs[s->nv1] = fd;
	snprintf(s->v1_dir[s->nv1], sizeof(s->v1_dir[0]), "%s", dir);
	s->nv1++;
	return 0;
}

/* One controller: the group, its limit files in order, held. A failure leaves nothing. */
static unsigned int apply(struct cordon_session_ctx *s, const char *controller,
			  const char *const *files, const char *const *vals, unsigned int bit)
{
	char dir[CORDON_V1_PATH];

	if (s->nv1 >= CORDON_V1_MAX || make_group(s, controller, dir, sizeof(dir)) < 0)
		return 0;
	for (size_t i = 0; files[i]; i++) {
		int r = write_file(dir, files[i], vals[i]);

		/* memsw files exist only with swap accounting: without it there is no swap to limit */
		if (r == -ENOENT && strstr(files[i], ".memsw."))
			continue;
		if (r < 0) {
			rmdir(dir);
			return 0;
		}
	}
	if (hold(s, dir) < 0) {
		rmdir(dir);
		return 0;
	}
	return bit;
}

unsigned int cordon_cgroup_v1_limits(struct cordon_session_ctx *s, uint64_t pids, uint64_t memory,
				     uint64_t cpu_percent, unsigned int done)
{
	unsigned int applied = 0;
	char a[32], b[32];

	if (memory && !(done & CORDON_LIMIT_MEMORY)) {
		/* memory first, then memory+swap (which may never be below it), swap included */
		const char *files[] = { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
					NULL };
		const char *vals[] = { a, a, NULL };

		snprintf(a, sizeof(a), "%llu", (unsigned long long)memory);
		applied |= apply(s, "memory", files, vals, CORDON_LIMIT_MEMORY);
	}
	if (pids && !(done & CORDON_LIMIT_PIDS)) {
		const char *files[] = { "pids.max", NULL };
		const char *vals[] = { a, NULL };

		snprintf(a, sizeof(a), "%llu", (unsigned long long)pids);
		applied |= apply(s, "pids", files, vals, CORDON_LIMIT_PIDS);
	}
	if (cpu_percent && !(done & CORDON_LIMIT_CPU)) {
		const char *files[] = { "cpu.cfs_period_us", "cpu.cfs_quota_us", NULL };
		const char *vals[] = { a, b, NULL };

		snprintf(a, sizeof(a), "100000");
		snprintf(b, sizeof(b), "%llu", (unsigned long long)cpu_percent * 1000);
		applied |= apply(s, "cpu", files, vals, CORDON_LIMIT_CPU);
	}
	return applied ? applied | CORDON_LIMIT_V1 : 0;
}

bool cordon_cgroup_v1_has(const char *controller)
{
	struct cordon_mount *m = calloc(1, sizeof(*m));
	bool has = m && cordon_mount_find_opt("cgroup", controller, m) == 0;

	free(m);
	return has;
}

uint64_t cordon_cgroup_v1_oom_kills(const struct cordon_session_ctx *s)
{
	for (size_t i = 0; i < s->nv1; i++) {
		char path[CORDON_V1_PATH + 32], line[128];
		_cleanup_fclose_ FILE *f = NULL;

		snprintf(path, sizeof(path), "%s/memory.oom_control", s->v1_dir[i]);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "oom_kill ", 9))
				return strtoull(line + 9, NULL, 10);
	}
	return 0;
}

void cordon_cgroup_v1_remove(struct cordon_session_ctx *s)
{
	for (size_t i = 0; i < s->nv1; i++) {
		close(s->v1_procs[i]);
		/* The tasks are gone with the v2 cgroup; a dying one may hold it a moment longer. */
		for (int tries = 0; rmdir(s->v1_dir[i]) < 0 && errno == EBUSY && tries < 100;
		     tries++)
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	s->nv1 = 0;
}
