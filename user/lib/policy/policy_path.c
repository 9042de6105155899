// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vocabulary of policy paths, below both parsing and expansion: the ${VARIABLE} names and
 * where their values live, lexical normalisation (absolute, no ".", ".." or "//"), containment.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "policy/policy_internal.h"

/* One table for the names the parser accepts and the values expansion substitutes. */
static const struct {
	const char *name;
	size_t off; /* offsetof(struct policy_vars, field) */
} vars[] = {
	{ "HOME", offsetof(struct policy_vars, home) },
	{ "PROJECT", offsetof(struct policy_vars, project) },
	{ "TMPDIR", offsetof(struct policy_vars, tmpdir) },
	{ "USER", offsetof(struct policy_vars, user) },
	{ "XDG_CONFIG_HOME", offsetof(struct policy_vars, xdg_config_home) },
	{ "XDG_CACHE_HOME", offsetof(struct policy_vars, xdg_cache_home) },
	{ "SSH_AUTH_SOCK", offsetof(struct policy_vars, ssh_auth_sock) },
};

static int var_index(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

bool policy_var_known(const char *name, size_t len)
{
	return var_index(name, len) >= 0;
}

const char *pol_var_value(const struct policy_vars *v, const char *name, size_t len)
{
	int i = var_index(name, len);

	if (i < 0)
		return NULL;
	return *(const char *const *)((const char *)v + vars[i].off);
}

/*
 * ".." is refused rather than resolved: resolving it lexically is wrong across symlinks, and
 * resolving it on disk would make the policy depend on the filesystem at parse time.
 */
int policy_path_normalise(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	const char *p = in;

	if (!in || in[0] != '/')
		return -EINVAL;
	if (outsz < 2)
		return -ENAMETOOLONG;
	while (*p) {
		const char *start;
		size_t len;

		while (*p == '/')
			p++;
		start = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - start);
		if (len == 0 || (len == 1 && start[0] == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.')
			return -EPERM;
		if (o + 1 + len + 1 > outsz)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, start, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return 0;
}

bool policy_path_inside(const char *path, const char *tree)
{
	size_t n = strlen(tree);

	if (n == 1 && tree[0] == '/')
		return path[0] == '/';
	return strncmp(path, tree, n) == 0 && (path[n] == 0 || path[n] == '/');
}
