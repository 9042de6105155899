// SPDX-License-Identifier: GPL-2.0-only
/*
 * limits.memory where no cgroup memory controller is the session's (cgroup v1 or hybrid hosts):
 * the supervisor adds up the resident anonymous memory of the session cgroup's processes four
 * times a second and, past the limit, kills the whole session (cgroup.kill).
 *
 * Why not RLIMIT_DATA or RLIMIT_AS: they count address space, not memory. AddressSanitizer and
 * ThreadSanitizer reserve terabytes of shadow (MAP_NORESERVE, never touched), so either rlimit
 * kills every sanitizer build at its first instruction. Resident memory is what the limit is for.
 * The price: a process can go past the limit for up to one period before it is stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "enforce/enforce.h"

#define MEMWATCH_PERIOD_NS 250000000L

int cordon_memwatch_open(struct cordon_memwatch *m, const char *cgroup, uint64_t limit)
{
	struct itimerspec its = { .it_interval = { 0, MEMWATCH_PERIOD_NS },
				  .it_value = { 0, MEMWATCH_PERIOD_NS } };

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->limit = limit;
	if ((size_t)snprintf(m->procs, sizeof(m->procs), "%s/cgroup.procs", cgroup) >=
		    sizeof(m->procs) ||
	    (size_t)snprintf(m->kill, sizeof(m->kill), "%s/cgroup.kill", cgroup) >= sizeof(m->kill))
		return -ENAMETOOLONG;
	m->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->fd < 0)
		return -errno;
	if (timerfd_settime(m->fd, 0, &its, NULL) < 0) {
		int e = -errno;

		close(m->fd);
		m->fd = -1;
		return e;
	}
	return 0;
}

/* Resident memory a process does not share with others (statm: resident - shared), bytes. */
static uint64_t anon_resident(long pid, long page)
{
	unsigned long resident, shared;
	char path[64], buf[256], *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/statm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* size resident shared text lib data dt, in pages */
	strtoul(buf, &p, 10);
	resident = strtoul(p, &end, 10);
	if (end == p)
		return 0;
	p = end;
	shared = strtoul(p, &end, 10);
	if (end == p || shared > resident)
		return 0;
	return (uint64_t)(resident - shared) * (uint64_t)page;
}

uint64_t cordon_memwatch_usage(const struct cordon_memwatch *m)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t total = 0;
	char line[32];
	FILE *f = fopen(m->procs, "re");

	while (f && fgets(line, sizeof(line), f)) {
		char *end;
		long pid = strtol(line, &end, 10);

		if (end != line && pid > 0)
			total += anon_resident(pid, page);
	}
	if (f)
		fclose(f);
	return total;
}

void cordon_memwatch_check(void *ctx)
{
	struct cordon_memwatch *m = ctx;
	uint64_t ticks, used;
	int fd;

	if (read(m->fd, &ticks, sizeof(ticks)) != sizeof(ticks) || m->fired)
		return;
	used = cordon_memwatch_usage(m);
	if (used > m->peak)
		m->peak = used;
	if (used <= m->limit)
		return;
	fd = open(m->kill, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		m->fired = write(fd, "1", 1) == 1;
		close(fd);
	}
}

void cordon_memwatch_close(struct cordon_memwatch *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
