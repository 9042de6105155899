// SPDX-License-Identifier: GPL-2.0-only
/* User database lookups with a plain /etc/passwd fallback (declared in sys/sys.h). */
#include <stdio.h>
#include <string.h>

#include "sys/sys.h"

struct passwd *cordon_getpw(const char *name, uid_t uid)
{
	struct passwd *pw = name ? getpwnam(name) : getpwuid(uid);
	FILE *f;

	if (pw)
		return pw;
	f = fopen("/etc/passwd", "re");
	while (f && (pw = fgetpwent(f)))
		if (name ? !strcmp(pw->pw_name, name) : pw->pw_uid == uid)
			break;
	if (f)
		fclose(f);
	return pw;
}
