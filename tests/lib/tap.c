// SPDX-License-Identifier: GPL-2.0-only
/* TAP output shared by the host and VM test programs. */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int failures;

static void line(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	fputs(prefix, stdout);
	vprintf(fmt, ap);
	fputs(suffix, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

bool tap_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line(ok ? "ok - " : "not ok - ", fmt, ap, "");
	va_end(ap);
	if (!ok)
		failures++;
	return ok;
}

void tap_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ok - ", stdout);
	vprintf(fmt, ap);
	printf(" # SKIP %s\n", reason);
	fflush(stdout);
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("# ", fmt, ap, "");
	va_end(ap);
}

int tap_status(void)
{
	return failures ? 1 : 0;
}
