// SPDX-License-Identifier: GPL-2.0-only
/*
 * Launch latency: run each command line N times (fork + exec + wait) and print the median wall
 * time and its ratio to the first (the bare command), all measured in this one run.
 * Usage: bench_launch N NAME -- CMD... [ -- NAME -- CMD... ]...  (a lone ";;" separates entries)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "bench.h"

/* Median wall time of @n runs of @argv, in microseconds; -1 if a run failed. */
static double median(int n, char **argv)
{
	double *t = calloc((size_t)n, sizeof(*t)), m;

	for (int i = 0; i < n; i++) {
		double start = now_us();
		pid_t p = fork();

		if (p == 0) {
			bench_quiet();
			execvp(argv[0], argv);
			_exit(127);
		}
		t[i] = bench_waited_us(p, start);
		if (t[i] < 0) {
			free(t);
			return -1;
		}
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	m = t[n / 2];
	free(t);
	return m;
}

int main(int argc, char **argv)
{
	double base = 0;
	int n;

	if (argc < 4)
		return 2;
	n = atoi(argv[1]);
	printf("%-34s %12s %10s %12s\n", "launch (median of runs)", "median", "ratio", "added");
	for (int i = 2; i < argc;) {
		const char *name = argv[i];
		int j = i + 2; /* skip NAME -- */
		int k = j;
		double m;

		while (k < argc && strcmp(argv[k], ";;") != 0)
			k++;
		argv[k < argc ? k : argc] = NULL;
		m = median(n, argv + j);
		if (m < 0) {
			printf("%-34s %12s\n", name, "failed");
		} else {
			if (base == 0)
				base = m;
			printf("%-34s %9.0f us %9.1fx %9.0f us\n", name, m, m / base, m - base);
		}
		i = k + 1;
	}
	return 0;
}
