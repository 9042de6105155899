// SPDX-License-Identifier: GPL-2.0-only
/* Allocating path and string builders: no hand-sized buffers, so nothing is ever truncated. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "sys/sys.h"

char *cordon_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	while (*name == '/')
		name++;
	if (!*name)
		return strndup(dir, dl);
	return cordon_strdup_printf("%.*s%s%s", (int)dl, dir, dl && dir[dl - 1] == '/' ? "" : "/",
				    name);
}

char *cordon_strdup_printf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return s;
}
