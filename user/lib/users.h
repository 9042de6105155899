/* SPDX-License-Identifier: GPL-2.0-only */
/* User database lookups that also work in the static VM build, where NSS cannot load. */
#ifndef CORDON_USERS_H
#define CORDON_USERS_H

#include <pwd.h>
#include <sys/types.h>

/*
 * The passwd entry of @name, or of @uid when @name is NULL: through NSS, else read from
 * /etc/passwd directly. Static storage, as getpwnam(3); NULL when unknown.
 */
struct passwd *cordon_getpw(const char *name, uid_t uid);

#endif /* CORDON_USERS_H */
