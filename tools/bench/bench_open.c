// SPDX-License-Identifier: GPL-2.0-only
/*
 * Open loop over a tree (`make bench`, the file listener): opens and closes every regular file
 * below DIR, PASSES times, and prints each pass's cost per open in nanoseconds: wall time on
 * the first line, the process's CPU time on the second. On this shared 2-CPU machine the wall
 * time moves with other work (a descheduled pass); the CPU time is what the kernel spent on the
 * opens themselves (Landlock, fsnotify, the tracepoints), but not the time waiting for the
 * listener's answer (off CPU): a warm pass raises no events, so there the two agree.
 * Usage: bench_open DIR PASSES
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Opens and closes every regular file below @dir; the count, or -1 on an open that failed. */
static long walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while (n >= 0 && (e = readdir(d))) {
		char path[4096];
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			long sub = walk(path);

			n = sub < 0 ? -1 : n + sub;
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(path);
			n = -1;
			continue;
		}
		close(fd);
		n++;
	}
	closedir(d);
	return n;
}

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	int passes = argc == 3 ? atoi(argv[2]) : 0;
	double cpu[256];

	if (passes <= 0 || passes > (int)(sizeof(cpu) / sizeof(cpu[0]))) {
		fprintf(stderr, "usage: bench_open DIR PASSES (1 to 256)\n");
		return 2;
	}
	for (int i = 0; i < passes; i++) {
		double t0 = now_us(), c0 = cpu_us();
		long n = walk(argv[1]);

		if (n <= 0)
			return 1;
		cpu[i] = (cpu_us() - c0) * 1000 / (double)n;
		printf("%s%.0f", i ? " " : "", (now_us() - t0) * 1000 / (double)n);
	}
	printf("\n");
	for (int i = 0; i < passes; i++)
		printf("%s%.0f", i ? " " : "", cpu[i]);
	printf("\n");
	return 0;
}
