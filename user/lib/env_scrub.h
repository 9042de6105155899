/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's environment: the caller's, minus the variables the policy names as secrets. */
#ifndef CORDON_ENV_SCRUB_H
#define CORDON_ENV_SCRUB_H

#include <stddef.h>

struct pol_list;

/*
 * A new NULL-terminated array of the entries of @envp whose names match no glob of @deny, or
 * match one of @keep (keep wins over deny within one policy; the floor has already made sure
 * keep cannot undo a site-wide deny). Strings are borrowed from @envp. *@dropped counts the
 * removed entries. NULL on allocation failure.
 */
char **cordon_env_scrub(char *const *envp, const struct pol_list *deny, const struct pol_list *keep,
			size_t *dropped);

/* Replace or add NAME=VALUE in an array from cordon_env_scrub (@storage holds the string). */
int cordon_env_set(char ***env, const char *name, const char *value, char **storage);

#endif /* CORDON_ENV_SCRUB_H */
