// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every subcommand shares, kept out of main.c so commands never call back into the file
 * that dispatches to them.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cordon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_phase(const char *phase)
{
	static int on = -1;
	static struct timespec t0;
	struct timespec t;

	if (on < 0) {
		const char *v = getenv("CORDON_LAUNCH_TIMING");

		on = !v ? 0 : !strcmp(v, "1") ? 1 : !strcmp(v, "abs") ? 2 : 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
	}
	if (!on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	/* abs: one clock for the client, the daemon and its worker, so their lines interleave. */
	if (on == 2)
		fprintf(stderr, "cordon: timing: %s @%.3f ms\n", phase,
			(double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6);
	else
		fprintf(stderr, "cordon: timing: %s +%.3f ms\n", phase,
			(double)(t.tv_sec - t0.tv_sec) * 1e3 +
				(double)(t.tv_nsec - t0.tv_nsec) / 1e6);
}

int cli_json_opts(int argc, char **argv, const char *usage, int *json)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j') {
			*json = 1;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		} else {
			return EXIT_USAGE;
		}
	}
	return -1;
}
