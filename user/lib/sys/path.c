// SPDX-License-Identifier: GPL-2.0-only
/* Allocating path and string builders: no hand-sized buffers, so nothing is ever truncated. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

char *cordon_project_root(const char *start, const char *home)
{
	char *dir = realpath(start, NULL);
	_cleanup_free_ char *home_real = home ? realpath(home, NULL) : NULL;
	size_t len;

	if (!dir)
		return NULL;
	for (len = strlen(dir); len > 1;) {
		char git[PATH_MAX];
		char *slash;

		/* A .git directory, or the file a worktree or submodule has. */
		if (snprintf(git, sizeof(git), "%.*s/.git", (int)len, dir) < (int)sizeof(git) &&
		    access(git, F_OK) == 0) {
			/* A repository of the whole home (dotfiles) or of / is no project: the
			 * start directory stays the project rather than $HOME becoming writable. */
			if (home_real && strlen(home_real) == len && !strncmp(home_real, dir, len))
				return dir;
			dir[len] = '\0';
			return dir;
		}
		slash = memrchr(dir, '/', len);
		len = slash && slash != dir ? (size_t)(slash - dir) : 1;
	}
	return dir;
}
