/* SPDX-License-Identifier: GPL-2.0-only */
/* What the benchmark programs share: the clock, a quiet child, a timed wait, sorting of samples. */
#ifndef CORDON_BENCH_H
#define CORDON_BENCH_H

#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* In a child: its output goes to /dev/null, so the terminal's speed is not measured. */
static inline void bench_quiet(void)
{
	int null = open("/dev/null", O_WRONLY);

	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
}

/* Wait for the child @p started at @start (now_us()): microseconds since, or -1 unless it exited 0. */
static inline double bench_waited_us(pid_t p, double start)
{
	int status;

	if (p < 0 || waitpid(p, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return now_us() - start;
}

/* qsort() comparison of two doubles, ascending. */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif /* CORDON_BENCH_H */
