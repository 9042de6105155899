// SPDX-License-Identifier: GPL-2.0-only
/* TAP output shared by the host and VM test programs. */
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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

int tap_fork(const char *name, void (*body)(void *arg), void *arg)
{
	int status;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		failures = 0;
		body(arg);
		fflush(NULL);
		_exit(failures ? 1 : 0);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return tap_check(false, "%s_child_ran", name) ? 0 : -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		tap_check(false, "%s_child_killed_by_signal_%d", name, WTERMSIG(status));
	else
		failures++; /* the child printed its "not ok" lines */
	return -1;
}
