// SPDX-License-Identifier: GPL-2.0-only
/*
 * ${VARIABLE} expansion of policy paths from an explicit context (the process environment or
 * placeholders): every path that reaches the compiler is absolute, with no ".", ".." or "//".
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "policy/policy_internal.h"

/*
 * Expand one entry. Returns 0 with *out set, 1 when the entry is to be dropped (an unset
 * SSH_AUTH_SOCK), or -errno after an error was reported.
 */
static int expand_one(const struct pol_item *it, const struct policy_vars *vars, char **out,
		      struct policy_errors *errs)
{
	char buf[POLICY_MAX_PATH + 1], norm[POLICY_MAX_PATH + 1];
	size_t o = 0;
	int r;

	for (const char *p = it->s; *p; p++) {
		const char *val = NULL, *end;
		size_t vlen;

		if (p[0] == '$' && p[1] == '$') {
			val = "$";
			end = p + 1;
		} else if (p[0] == '$' && p[1] == '{' && (end = strchr(p + 2, '}'))) {
			if (!policy_var_known(p + 2, (size_t)(end - p - 2)))
				return policy_errorf(errs, it->file, it->line, it->col,
						     "unknown variable '${%.*s}'",
						     (int)(end - p - 2), p + 2);
			val = pol_var_value(vars, p + 2, (size_t)(end - p - 2));
			if (!val || !*val) {
				/* No SSH agent: nothing to protect, the entry goes. */
				if (end - p - 2 == 13 && !memcmp(p + 2, "SSH_AUTH_SOCK", 13))
					return 1;
				return policy_errorf(errs, it->file, it->line, it->col,
						     "variable '${%.*s}' is not set",
						     (int)(end - p - 2), p + 2);
			}
		} else if (p[0] == '$') {
			return policy_errorf(errs, it->file, it->line, it->col,
					     "'$' must start a ${VARIABLE}");
		} else {
			val = p;
			end = p;
			vlen = 1;
			goto copy;
		}
		vlen = strlen(val);
copy:
		if (o + vlen >= sizeof(buf))
			return policy_errorf(errs, it->file, it->line, it->col,
					     "path too long after expansion");
		memcpy(buf + o, val, vlen);
		o += vlen;
		p = end;
	}
	buf[o] = 0;
	if (pol_has_control(buf, o))
		return policy_errorf(errs, it->file, it->line, it->col,
				     "path contains a control character after expansion");
	r = policy_path_normalise(buf, norm, sizeof(norm));
	if (r == -EINVAL)
		return policy_errorf(errs, it->file, it->line, it->col,
				     "relative path '%s' after expansion of '%s': paths must be "
				     "absolute",
				     buf, it->s);
	if (r == -EPERM)
		return policy_errorf(errs, it->file, it->line, it->col,
				     "'..' is not allowed in paths ('%s' after expansion)", buf);
	if (r < 0)
		return policy_errorf(errs, it->file, it->line, it->col,
				     "path too long after expansion");
	*out = strdup(norm);
	return *out ? 0 : -ENOMEM;
}

int policy_expand(struct policy *p, const struct policy_vars *vars, struct policy_errors *errs)
{
	int ret = 0;

	for (size_t f = 0; f < pol_path_fields_n; f++) {
		struct pol_list *l = pol_field(p, &pol_path_fields[f]);
		size_t keep = 0;

		for (size_t i = 0; i < l->n; i++) {
			char *s = NULL;
			int r = expand_one(&l->v[i], vars, &s, errs);

			if (r == -ENOMEM)
				return r;
			if (r != 0) {
				if (r < 0)
					ret = -EINVAL;
				pol_item_clear(&l->v[i]);
				continue;
			}
			free(l->v[i].s);
			l->v[i].s = s;
			/* Two spellings of one path ("${XDG_CONFIG_HOME}/gh", "${HOME}/.config/gh")
			 * become one entry. */
			for (size_t j = 0; j < keep; j++)
				if (!strcmp(l->v[j].s, s)) {
					pol_item_clear(&l->v[i]);
					s = NULL;
					break;
				}
			if (s)
				l->v[keep++] = l->v[i];
		}
		l->n = keep;
	}
	return ret;
}

int policy_vars_from_env(struct policy_vars *vars, const char *project, struct policy_vars_buf *buf)
{
	memset(vars, 0, sizeof(*vars));
	vars->home = getenv("HOME");
	vars->user = getenv("USER");
	if (!vars->home || !vars->user) {
		struct passwd *pw = getpwuid(getuid());

		if (pw && !vars->home)
			vars->home = pw->pw_dir;
		if (pw && !vars->user)
			vars->user = pw->pw_name;
	}
	vars->tmpdir = getenv("TMPDIR");
	if (!vars->tmpdir || !*vars->tmpdir)
		vars->tmpdir = "/tmp";
	vars->xdg_config_home = getenv("XDG_CONFIG_HOME");
	vars->xdg_cache_home = getenv("XDG_CACHE_HOME");
	vars->ssh_auth_sock = getenv("SSH_AUTH_SOCK");
	if (project) {
		vars->project = project;
	} else {
		if (!getcwd(buf->project, sizeof(buf->project)))
			return -errno;
		vars->project = buf->project;
	}
	/* A truncated default would name another directory: refused instead. */
	if ((!vars->xdg_config_home || !*vars->xdg_config_home) && vars->home) {
		if ((size_t)snprintf(buf->config, sizeof(buf->config), "%s/.config", vars->home) >=
		    sizeof(buf->config))
			return -ENAMETOOLONG;
		vars->xdg_config_home = buf->config;
	}
	if ((!vars->xdg_cache_home || !*vars->xdg_cache_home) && vars->home) {
		if ((size_t)snprintf(buf->cache, sizeof(buf->cache), "%s/.cache", vars->home) >=
		    sizeof(buf->cache))
			return -ENAMETOOLONG;
		vars->xdg_cache_home = buf->cache;
	}
	return 0;
}

void policy_vars_placeholder(struct policy_vars *vars)
{
	vars->home = "/home/user";
	vars->project = "/home/user/project";
	vars->tmpdir = "/tmp";
	vars->user = "user";
	vars->xdg_config_home = "/home/user/.config";
	vars->xdg_cache_home = "/home/user/.cache";
	vars->ssh_auth_sock = "/run/user/1000/ssh-agent.socket";
}
