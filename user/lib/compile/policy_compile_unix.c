// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pathname unix socket rules: network.unix.allow and .deny, and the session's private scratch
 * trees, as unix_rules entries (bpf/maps.h) for the cgroup unix programs and the LSM hooks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile/compile.h"
#include "policy/policy.h"
#include "sys/sys.h"

/*
 * The session's private tmpfs instances (enforce/view.c): they hold only the session's own
 * sockets (test suites and dev servers listen there), so they are allowed by default.
 */
static const char *const private_roots[] = { "/tmp", "/var/tmp", "/dev/shm" };

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

/* @path (NUL-terminated key) as an exact entry, or with @slash the directory prefix "path/". */
static int add(struct pol_maps *m, const char *path, bool slash, uint32_t verdict, uint32_t rule_id)
{
	struct pol_map_unix e = { .rule = { .rule_id = rule_id, .verdict = verdict } };
	size_t len = strlen(path), bytes;
	struct pol_map_unix *v;

	/* "/" itself: only the prefix form, "/" (a socket cannot be named "/"). */
	if (len == 1)
		slash = true, len = 0;
	bytes = len + 1; /* the '/' of a prefix, or the NUL of an exact name */
	/* A path longer than sun_path names no socket anyone can connect to: nothing to add. */
	if (bytes > CORDON_UNIX_PATH_MAX)
		return 0;
	memcpy(e.key.path, path, len);
	e.key.path[len] = slash ? '/' : 0;
	e.key.prefixlen = CORDON_NET_KEY_SESSION_BITS + 8 * (uint32_t)bytes;
	for (size_t i = 0; i < m->nunix; i++)
		if (!memcmp(&m->unix_rules[i].key, &e.key, sizeof(e.key))) {
			/* deny wins over allow for the same key */
			if (verdict == CORDON_UNIX_DENY)
				m->unix_rules[i].rule = e.rule;
			return 0;
		}
	v = realloc(m->unix_rules, (m->nunix + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->unix_rules = v;
	v[m->nunix++] = e;
	return 0;
}

/* A socket path entry covers the socket itself and, for a directory, every socket below it. */
static int add_both(struct pol_maps *m, const char *path, uint32_t verdict, uint32_t rule_id)
{
	int r = add(m, path, false, verdict, rule_id);

	return r ? r : add(m, path, true, verdict, rule_id);
}

static bool denied(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->unix_deny.n; i++)
		if (under(path, p->unix_deny.v[i].s))
			return true;
	return false;
}

/* Host trees brought back below a private root (view.c keeps them): not the session's own. */
static int deny_kept(const struct policy *p, const char *root, const char *project,
		     struct pol_maps *m)
{
	const struct pol_list *lists[] = { &p->fs_read, &p->fs_write, &p->fs_exec };
	int r = 0;

	if (project && under(project, root) && strcmp(project, root))
		r = add_both(m, project, CORDON_UNIX_DENY, POL_RULE_ID(POL_RULE_UNIX_VIEW, 0));
	for (size_t l = 0; !r && l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; !r && i < lists[l]->n; i++) {
			const char *s = lists[l]->v[i].s;

			if (under(s, root) && strcmp(s, root))
				r = add_both(m, s, CORDON_UNIX_DENY,
					     POL_RULE_ID(POL_RULE_UNIX_VIEW, 0));
		}
	return r;
}

int policy_compile_unix(const struct policy *p, const char *project, struct pol_maps *m)
{
	int r = 0;

	m->session_flags |= CORDON_SESSION_UNIX;
	for (size_t i = 0; !r && i < p->unix_deny.n; i++)
		r = add_both(m, p->unix_deny.v[i].s, CORDON_UNIX_DENY,
			     POL_RULE_ID(POL_RULE_UNIX, i));
	/* Deny wins: an allow entry inside a denied tree is left out, so the deny entry above it
	 * is the longest match. */
	for (size_t i = 0; !r && i < p->unix_allow.n; i++)
		if (!denied(p, p->unix_allow.v[i].s))
			r = add_both(m, p->unix_allow.v[i].s, CORDON_UNIX_ALLOW,
				     POL_RULE_ID(POL_RULE_UNIX_ALLOW, i));
	for (size_t i = 0; !r && i < ARRAY_SIZE(private_roots); i++) {
		const char *root = private_roots[i];

		/* A project that is (or holds) the root keeps the host's tree there (view.c). */
		if (project && under(root, project))
			continue;
		if (!denied(p, root))
			r = add(m, root, true, CORDON_UNIX_ALLOW,
				POL_RULE_ID(POL_RULE_UNIX_VIEW, i + 1));
		if (!r)
			r = deny_kept(p, root, project, m);
	}
	return r;
}
