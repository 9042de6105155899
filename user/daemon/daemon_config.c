// SPDX-License-Identifier: GPL-2.0-only
/*
 * /etc/cordon/cordon.yaml, the daemon's own settings:
 *
 *   audit:
 *     file: /var/log/cordon/audit.jsonl   # "" for none
 *     max_size: 67108864                  # bytes before rotation; 0: never
 *     keep: 5                             # rotated files kept
 *     fsync: rotate                       # none | rotate | always
 *     journal: false                      # also send every record to journald
 *   allow_observe: true                   # may users run `cordon run --observe`?
 *   confine:                              # auto-confinement (BPF LSM kernels)
 *     - exec: /usr/local/bin/claude
 *       policy: claude-code
 *
 * Same rules as policies: unknown keys, wrong types and bad values are FILE:LINE:COL errors,
 * and a file with any error is not used at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/sys.h"
#include "daemon.h"
#include "policy/policy.h"

struct cctx {
	const char *file;
	struct policy_errors *errs;
	struct daemon_config *c;
};

static void err(struct cctx *x, const struct ynode *n, const char *what)
{
	policy_errorf(x->errs, x->file, n ? n->line : 1, n ? n->col : 1, "%s", what);
}

static bool scalar(struct cctx *x, const struct ynode *n, const char *what)
{
	char msg[160];

	if (n && n->type == YN_SCALAR && strlen(n->str) == n->len)
		return true;
	snprintf(msg, sizeof(msg), "'%s' must be a string", what);
	err(x, n, msg);
	return false;
}

static bool number(struct cctx *x, const struct ynode *n, const char *what, uint64_t max,
		   uint64_t *out)
{
	char *end;
	char msg[160];

	if (scalar(x, n, what) && n->str[0] >= '0' && n->str[0] <= '9') {
		errno = 0;
		*out = strtoull(n->str, &end, 10);
		if (!errno && !*end && *out <= max)
			return true;
	}
	snprintf(msg, sizeof(msg), "'%s' must be a number from 0 to %llu", what,
		 (unsigned long long)max);
	err(x, n, msg);
	return false;
}

/* Keys are plain strings; a mapping or a list used as a key is refused before any strcmp. */
static bool key_ok(struct cctx *x, const struct ynode *k)
{
	if (k && k->type == YN_SCALAR && k->str && strlen(k->str) == k->len)
		return true;
	err(x, k, "a key must be a string");
	return false;
}

static void boolean(struct cctx *x, const struct ynode *v, bool *out)
{
	if (v && v->type == YN_SCALAR && !strcmp(v->str, "true"))
		*out = true;
	else if (v && v->type == YN_SCALAR && !strcmp(v->str, "false"))
		*out = false;
	else
		err(x, v, "expected true or false");
}

static void parse_audit(struct cctx *x, const struct ynode *m)
{
	if (m->type != YN_MAP) {
		err(x, m, "'audit' must be a mapping");
		return;
	}
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->kids[i], *v = m->kids[i + 1];
		uint64_t n;

		if (!key_ok(x, k))
			continue;
		if (!strcmp(k->str, "file")) {
			if (!scalar(x, v, "file"))
				continue;
			if (v->str[0] && v->str[0] != '/') {
				err(x, v, "'file' must be an absolute path, or \"\" for none");
				continue;
			}
			free(x->c->audit_file);
			x->c->audit_file = v->str[0] ? strdup(v->str) : NULL;
		} else if (!strcmp(k->str, "max_size")) {
			if (number(x, v, "max_size", UINT64_MAX >> 1, &n))
				x->c->audit_max_bytes = n;
		} else if (!strcmp(k->str, "keep")) {
			if (number(x, v, "keep", 100, &n))
				x->c->audit_keep = (unsigned int)n;
		} else if (!strcmp(k->str, "fsync")) {
			if (!scalar(x, v, "fsync"))
				continue;
			if (!strcmp(v->str, "none"))
				x->c->audit_fsync = CORDON_AUDIT_FSYNC_NONE;
			else if (!strcmp(v->str, "rotate"))
				x->c->audit_fsync = CORDON_AUDIT_FSYNC_ROTATE;
			else if (!strcmp(v->str, "always"))
				x->c->audit_fsync = CORDON_AUDIT_FSYNC_ALWAYS;
			else
				err(x, v, "'fsync' must be none, rotate or always");
		} else if (!strcmp(k->str, "format")) {
			if (scalar(x, v, "format") &&
			    cordon_audit_parse_format(v->str, &x->c->audit_format) < 0)
				err(x, v, "'format' must be ecs or ocsf");
		} else if (!strcmp(k->str, "journal") || !strcmp(k->str, "stdout")) {
			bool *b = k->str[0] == 'j' ? &x->c->audit_journal : &x->c->audit_stdout;

			if (scalar(x, v, k->str) && !strcmp(v->str, "true"))
				*b = true;
			else if (v->type == YN_SCALAR && !strcmp(v->str, "false"))
				*b = false;
			else
				err(x, v, "expected true or false");
		} else {
			err(x, k,
			    "unknown key (expected file, max_size, keep, fsync, journal, stdout)");
		}
	}
}

static void parse_confine(struct cctx *x, const struct ynode *s)
{
	if (s->type != YN_SEQ) {
		err(x, s, "'confine' must be a list");
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *m = s->kids[i], *exec = NULL, *pol = NULL;

		if (m->type != YN_MAP) {
			err(x, m, "a 'confine' entry is a mapping with exec and policy");
			continue;
		}
		for (size_t j = 0; j + 1 < m->n; j += 2) {
			if (!key_ok(x, m->kids[j]))
				continue;
			if (!strcmp(m->kids[j]->str, "exec"))
				exec = m->kids[j + 1];
			else if (!strcmp(m->kids[j]->str, "policy"))
				pol = m->kids[j + 1];
			else
				err(x, m->kids[j], "unknown key (expected exec, policy)");
		}
		if (!exec || !pol) {
			err(x, m, "a 'confine' entry needs both exec and policy");
			continue;
		}
		if (!scalar(x, exec, "exec") || !scalar(x, pol, "policy"))
			continue;
		if (exec->str[0] != '/') {
			err(x, exec, "'exec' must be an absolute path");
			continue;
		}
		if (!pol->str[0] || strchr(pol->str, '/')) {
			err(x, pol, "'policy' must be a policy name");
			continue;
		}
		if (x->c->nconfine == DAEMON_MAX_CONFINE) {
			err(x, m, "too many 'confine' entries");
			return;
		}
		x->c->confine[x->c->nconfine].exec = strdup(exec->str);
		x->c->confine[x->c->nconfine].policy = strdup(pol->str);
		x->c->nconfine++;
	}
}

static void defaults(struct daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	c->audit_file = strdup(DAEMON_AUDIT_FILE);
	c->audit_max_bytes = CORDON_AUDIT_DEFAULT_MAX_BYTES;
	c->audit_keep = CORDON_AUDIT_DEFAULT_KEEP;
	c->audit_fsync = CORDON_AUDIT_FSYNC_ROTATE;
	/* Observe mode relaxes only the user's own network rules, never the site floor (a
	 * session under a floor is refused observe mode): a site may still forbid it. */
	c->allow_observe = true;
}

int daemon_config_load(const char *path, struct daemon_config *c)
{
	struct policy_errors errs = { 0 };
	struct cctx x = { .file = path, .errs = &errs, .c = c };
	_cleanup_free_ char *buf = NULL;
	struct ynode *root = NULL;
	bool refused = false;
	size_t len = 0;
	FILE *f;
	int r;

	defaults(c);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		daemon_log("%s: %s", path, strerror(-r));
		daemon_config_free(c);
		return r;
	}
	buf = malloc(POLICY_MAX_FILE_BYTES + 1);
	if (buf)
		len = fread(buf, 1, POLICY_MAX_FILE_BYTES + 1, f);
	fclose(f);
	if (!buf) {
		daemon_config_free(c);
		return -ENOMEM;
	}
	if (len > POLICY_MAX_FILE_BYTES) {
		policy_errorf(&errs, path, 1, 1, "larger than %u bytes", POLICY_MAX_FILE_BYTES);
		r = -EFBIG;
		goto out;
	}
	r = yaml_tree_parse(path, buf, len, &root, &refused, &errs);
	if (r == 0 && root) {
		if (root->type != YN_MAP) {
			err(&x, root, "the configuration is a mapping");
		} else {
			for (size_t i = 0; i + 1 < root->n; i += 2) {
				const struct ynode *k = root->kids[i], *v = root->kids[i + 1];

				if (!key_ok(&x, k))
					continue;
				if (!strcmp(k->str, "audit"))
					parse_audit(&x, v);
				else if (!strcmp(k->str, "confine"))
					parse_confine(&x, v);
				else if (!strcmp(k->str, "allow_observe"))
					boolean(&x, v, &c->allow_observe);
				else
					err(&x, k,
					    "unknown key (expected audit, allow_observe, confine)");
			}
		}
	}
	if (r == 0 && (refused || errs.n))
		r = -EINVAL;
out:
	for (size_t i = 0; i < errs.n; i++)
		daemon_log("%s:%d:%d: %s", errs.v[i].file, errs.v[i].line, errs.v[i].col,
			   errs.v[i].msg);
	policy_errors_free(&errs);
	yaml_tree_free(root);
	if (r < 0)
		daemon_config_free(c);
	return r;
}

void daemon_config_free(struct daemon_config *c)
{
	free(c->audit_file);
	for (size_t i = 0; i < c->nconfine; i++) {
		free(c->confine[i].exec);
		free(c->confine[i].policy);
	}
	memset(c, 0, sizeof(*c));
}
