// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user's own defaults for `cordon run`: $XDG_CONFIG_HOME/cordon/cordon.yaml (else
 * ~/.config/cordon/cordon.yaml) of the user who runs the command, never of the agent's user:
 *
 *   policy: claude-code     # what --policy names when it is not given
 *   allow_degraded: false   # --allow-degraded
 *   quiet: false            # --quiet
 *
 * Read before the command line, which overrides it. Same rules as policies: unknown keys and
 * bad values are FILE:LINE:COL errors and nothing runs. Nothing here can widen a policy: the
 * policy is still looked up with the usual provenance rules and narrowed by the site floor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy/policy.h"
#include "run.h"
#include "sys/sys.h"

static char *config_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (x && x[0] == '/')
		return cordon_strdup_printf("%s/cordon/cordon.yaml", x);
	if (home && home[0] == '/')
		return cordon_strdup_printf("%s/.config/cordon/cordon.yaml", home);
	return NULL;
}

static bool is_scalar(const struct ynode *n)
{
	return n && n->type == YN_SCALAR && n->str && strlen(n->str) == n->len;
}

static void boolean(const char *file, const struct ynode *v, bool *out, struct policy_errors *errs)
{
	if (is_scalar(v) && (!strcmp(v->str, "true") || !strcmp(v->str, "false"))) {
		*out = !strcmp(v->str, "true");
		return;
	}
	policy_errorf(errs, file, v->line, v->col, "must be true or false");
}

static void apply(const char *file, const struct ynode *root, struct run *r,
		  struct policy_errors *errs)
{
	if (root->type != YN_MAP) {
		policy_errorf(errs, file, root->line, root->col, "the configuration is a mapping");
		return;
	}
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *k = root->kids[i], *v = root->kids[i + 1];

		if (!is_scalar(k)) {
			policy_errorf(errs, file, k->line, k->col, "a key must be a string");
		} else if (!strcmp(k->str, "policy")) {
			if (!is_scalar(v) || !v->len) {
				policy_errorf(errs, file, v->line, v->col,
					      "'policy' must be a policy name or file");
				continue;
			}
			free(r->config_policy);
			r->config_policy = strdup(v->str);
			r->o.policy = r->config_policy ?: r->o.policy;
		} else if (!strcmp(k->str, "allow_degraded")) {
			boolean(file, v, &r->o.allow_degraded, errs);
		} else if (!strcmp(k->str, "quiet")) {
			boolean(file, v, &r->o.quiet, errs);
		} else {
			policy_errorf(errs, file, k->line, k->col,
				      "unknown key (expected policy, allow_degraded, quiet)");
		}
	}
}

int run_load_config(struct run *r)
{
	_cleanup_free_ char *path = config_path(), *buf = NULL;
	struct policy_errors errs = { 0 };
	struct ynode *root = NULL;
	bool refused = false;
	size_t len = 0;
	FILE *f;
	int e;

	f = path ? fopen(path, "re") : NULL;
	if (!f) {
		if (!path || errno == ENOENT || errno == ENOTDIR)
			return 0;
		e = -errno;
		cli_error("run: %s: %s", path, strerror(-e));
		return e;
	}
	buf = malloc(POLICY_MAX_FILE_BYTES + 1);
	if (buf)
		len = fread(buf, 1, POLICY_MAX_FILE_BYTES + 1, f);
	fclose(f);
	if (!buf)
		return -ENOMEM;
	if (len > POLICY_MAX_FILE_BYTES) {
		cli_error("%s:1:1: larger than %u bytes", path, POLICY_MAX_FILE_BYTES);
		return -EFBIG;
	}
	e = yaml_tree_parse(path, buf, len, &root, &refused, &errs);
	if (e == 0 && root)
		apply(path, root, r, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s:%d:%d: %s\n", errs.v[i].file, errs.v[i].line, errs.v[i].col,
			errs.v[i].msg);
	if (e == 0 && (refused || errs.n))
		e = -EINVAL;
	policy_errors_free(&errs);
	yaml_tree_free(root);
	return e;
}
