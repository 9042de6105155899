// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every subcommand shares, kept out of main.c so commands never call back into the file
 * that dispatches to them.
 */
#include <stdarg.h>
#include <stdio.h>

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
