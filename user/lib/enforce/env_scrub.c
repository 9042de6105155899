// SPDX-License-Identifier: GPL-2.0-only
/* Environment scrubbing: secrets in variables (tokens, keys) never reach the agent. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/enforce.h"
#include "policy/policy.h"

/*
 * Deny globs match without regard to case (a tool reads "database_url" as readily as
 * "DATABASE_URL"); keep globs match exactly, so an exception stays as narrow as written.
 */
static int name_matches(const char *entry, const struct pol_list *globs, int flags)
{
	const char *eq = strchr(entry, '=');
	size_t len = eq ? (size_t)(eq - entry) : strlen(entry);
	char name[256];

	/* A name too long to copy is matched against its prefix: it can only widen a deny. */
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, entry, len);
	name[len] = '\0';
	for (size_t i = 0; globs && i < globs->n; i++)
		if (fnmatch(globs->v[i].s, name, flags) == 0)
			return 1;
	return 0;
}

static int add_dropped(struct cordon_env_dropped *d, const char *entry)
{
	const char **v = realloc(d->v, (d->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	v[d->n++] = entry;
	d->v = v;
	return 0;
}

char **cordon_env_scrub(char *const *envp, const struct pol_list *deny, const struct pol_list *keep,
			struct cordon_env_dropped *dropped)
{
	size_t n = 0, k = 0;
	char **out;

	while (envp && envp[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		/* An entry without '=' is malformed; it is dropped rather than guessed at. */
		if (!strchr(envp[i], '=') || (name_matches(envp[i], deny, FNM_CASEFOLD) &&
					      !name_matches(envp[i], keep, 0))) {
			if (add_dropped(dropped, envp[i]) < 0) {
				free(out);
				return NULL;
			}
			continue;
		}
		out[k++] = envp[i];
	}
	return out;
}

/* Does one of the colon-separated paths of @value name @dir or something beneath it? */
static bool names_dir(const char *value, const char *dir)
{
	size_t dl = strlen(dir);
	const char *p = value;

	while (p) {
		if (!strncmp(p, dir, dl) && (p[dl] == '\0' || p[dl] == '/' || p[dl] == ':'))
			return true;
		p = strchr(p, ':');
		if (p)
			p++;
	}
	return false;
}

int cordon_env_drop_under(char **env, const char *dir, struct cordon_env_dropped *dropped)
{
	size_t k = 0;

	/* "/" would name everything: nothing is under root's home then but root's home. */
	if (!dir || dir[0] != '/' || !dir[1])
		return 0;
	for (size_t i = 0; env[i]; i++) {
		const char *eq = strchr(env[i], '=');

		if (eq && names_dir(eq + 1, dir)) {
			if (add_dropped(dropped, env[i]) < 0)
				return -ENOMEM;
			continue;
		}
		env[k++] = env[i];
	}
	env[k] = NULL;
	return 0;
}

int cordon_env_set(char ***env, const char *name, const char *value, char **storage)
{
	size_t len = strlen(name), n = 0;
	char **v;

	if (asprintf(storage, "%s=%s", name, value) < 0)
		return -ENOMEM;
	for (n = 0; (*env)[n]; n++)
		if (!strncmp((*env)[n], name, len) && (*env)[n][len] == '=') {
			(*env)[n] = *storage;
			return 0;
		}
	v = realloc(*env, (n + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[n] = *storage;
	v[n + 1] = NULL;
	*env = v;
	return 0;
}
