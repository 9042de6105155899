// SPDX-License-Identifier: GPL-2.0-only
/*
 * Composition: `extends` chains (child adds to or replaces its parent's lists), host-set
 * expansion, and the site floor, which a user policy can only narrow. docs/policy.md has the rules.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "policy/policy_internal.h"

static bool list_has(const struct pol_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].s, s))
			return true;
	return false;
}

static int list_add_unique(struct pol_list *l, const struct pol_item *it)
{
	if (list_has(l, it->s))
		return 0;
	return pol_list_append(l, it);
}

/* Child over parent: a set list adds to the inherited one, a {replace: ...} one discards it. */
static int merge_list(struct pol_list *acc, const struct pol_list *child)
{
	int r = 0;

	if (!child->set)
		return 0;
	if (child->replace)
		pol_list_clear(acc);
	acc->set = true;
	for (size_t i = 0; !r && i < child->n; i++)
		r = list_add_unique(acc, &child->v[i]);
	return r;
}

static bool net_same(const struct pol_net *a, const struct pol_net *b)
{
	if (!!a->host != !!b->host || !!a->hostset != !!b->hostset)
		return false;
	if (a->host && strcmp(a->host, b->host))
		return false;
	if (a->hostset && strcmp(a->hostset, b->hostset))
		return false;
	if (!a->host && !a->hostset && (a->plen != b->plen || memcmp(a->addr, b->addr, 16)))
		return false;
	return a->lo == b->lo && a->hi == b->hi && a->protos == b->protos;
}

static int net_add_unique(struct pol_net_list *l, const struct pol_net *n)
{
	for (size_t i = 0; i < l->n; i++)
		if (net_same(&l->v[i], n))
			return 0;
	return pol_net_list_append(l, n);
}

static int merge_net(struct pol_net_list *acc, const struct pol_net_list *child)
{
	int r = 0;

	if (!child->set)
		return 0;
	if (child->replace)
		pol_net_list_clear(acc);
	acc->set = true;
	for (size_t i = 0; !r && i < child->n; i++)
		r = net_add_unique(acc, &child->v[i]);
	return r;
}

static struct pol_hostset *find_set(const struct policy *p, const char *name)
{
	for (size_t i = 0; p && i < p->nhosts; i++)
		if (!strcmp(p->hosts[i].name, name))
			return &p->hosts[i];
	return NULL;
}

/* A child's host set replaces the parent's of the same name: sets are defined once. */
static int merge_hosts(struct policy *acc, const struct policy *child)
{
	for (size_t i = 0; i < child->nhosts; i++) {
		struct pol_hostset *old = find_set(acc, child->hosts[i].name), *grown;

		if (old) {
			pol_hostset_clear(old);
			if (pol_hostset_copy(old, &child->hosts[i]) < 0)
				return -ENOMEM;
			continue;
		}
		grown = realloc(acc->hosts, (acc->nhosts + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		acc->hosts = grown;
		if (pol_hostset_copy(&acc->hosts[acc->nhosts], &child->hosts[i]) < 0)
			return -ENOMEM;
		acc->nhosts++;
	}
	return 0;
}

static int merge_child(struct policy *acc, const struct policy *c)
{
	int r = 0;

	free(acc->name);
	free(acc->file);
	acc->name = strdup(c->name);
	acc->file = strdup(c->file);
	if (!acc->name || !acc->file)
		return -ENOMEM;
	if (c->mode)
		acc->mode = c->mode;
	if (c->ptrace)
		acc->ptrace = c->ptrace;
	if (c->signal)
		acc->signal = c->signal;
	if (c->lifetime)
		acc->lifetime = c->lifetime;
	if (c->pids)
		acc->pids = c->pids;
	if (c->memory)
		acc->memory = c->memory;
	if (c->cpu)
		acc->cpu = c->cpu;
	if (c->nofile)
		acc->nofile = c->nofile;
	if (c->dns_max_label)
		acc->dns_max_label = c->dns_max_label;
	if (c->dns_max_labels)
		acc->dns_max_labels = c->dns_max_labels;
	if (c->audit_set) {
		acc->audit |= c->audit;
		acc->audit_set = true;
	}
	for (size_t i = 0; !r && i < pol_path_fields_n; i++)
		r = merge_list(pol_field(acc, &pol_path_fields[i]),
			       pol_field_c(c, &pol_path_fields[i]));
	if (!r)
		r = merge_list(&acc->sec_patterns, &c->sec_patterns);
	if (!r)
		r = merge_list(&acc->env_deny, &c->env_deny);
	if (!r)
		r = merge_list(&acc->env_keep, &c->env_keep);
	if (!r)
		r = merge_net(&acc->connect, &c->connect);
	if (!r)
		r = merge_net(&acc->bind, &c->bind);
	if (!r)
		r = merge_hosts(acc, c);
	return r;
}

/* "A (note), extends B, extends C": the start line's account of where the policy came from. */
static char *chain_origin(struct policy *const *chain, size_t n)
{
	char *acc = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *o = chain[i]->origin ?: chain[i]->file;
		char *next = acc ? cordon_strdup_printf("%s, extends %s", acc, o) : strdup(o);

		free(acc);
		acc = next;
		if (!acc)
			return NULL;
	}
	return acc;
}

int policy_compose(struct policy *p, const struct policy_search *search, struct policy **out,
		   struct policy_errors *errs)
{
	struct policy *chain[POLICY_MAX_EXTENDS + 1] = { p };
	size_t n = 1;
	struct policy *acc = NULL;
	int r = 0;

	*out = NULL;
	while (chain[n - 1]->extends.s) {
		const struct pol_item *ext = &chain[n - 1]->extends;
		struct policy *parent = NULL;

		if (n > POLICY_MAX_EXTENDS) {
			r = policy_errorf(errs, ext->file, ext->line, ext->col,
					  "extends chain deeper than %d levels",
					  POLICY_MAX_EXTENDS);
			goto out;
		}
		r = policy_load_ref(ext->s, search, ext->file, ext->line, ext->col, &parent, errs);
		if (r < 0)
			goto out;
		/* A policy is identified by where it was read from: a name can resolve to a
		 * system file that itself extends the built-in of the same name. */
		for (size_t i = 0; i < n; i++)
			if (!strcmp(chain[i]->file, parent->file)) {
				r = policy_errorf(errs, ext->file, ext->line, ext->col,
						  "extends cycle: '%s' is already in the chain "
						  "('%s' extends '%s')",
						  parent->file, chain[n - 1]->name, ext->s);
				policy_free(parent);
				goto out;
			}
		chain[n++] = parent;
	}
	acc = policy_dup(chain[n - 1]);
	if (!acc) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = n - 1; i-- > 0;) {
		r = merge_child(acc, chain[i]);
		if (r == -E2BIG)
			policy_errorf(errs, chain[i]->file, 1, 1,
				      "a list has more than %d entries once '%s' is merged",
				      POLICY_MAX_LIST, chain[i]->extends.s);
		if (r < 0)
			goto out;
	}
	pol_item_clear(&acc->extends);
	free(acc->origin);
	acc->origin = chain_origin(chain, n);
	if (!acc->origin) {
		r = -ENOMEM;
		goto out;
	}
	*out = acc;
	acc = NULL;
out:
	policy_free(acc);
	for (size_t i = 0; i < n; i++)
		policy_free(chain[i]);
	return r < 0 ? r : 0;
}

static int expand_sets_in(struct pol_net_list *l, const struct policy *p,
			  const struct policy *floor, struct policy_errors *errs)
{
	struct pol_net_list out = { .set = l->set, .replace = l->replace };
	int ret = 0, r = 0;

	for (size_t i = 0; !r && i < l->n; i++) {
		const struct pol_net *e = &l->v[i];
		const struct pol_hostset *hs;

		if (!e->hostset || !strcmp(e->hostset, "dns")) {
			r = net_add_unique(&out, e);
			continue;
		}
		/* The floor's definition of a set wins: a user cannot widen a set it names. */
		hs = find_set(floor, e->hostset);
		if (!hs)
			hs = find_set(p, e->hostset);
		if (!hs) {
			ret = policy_errorf(
				errs, e->file, e->line, e->col,
				"unknown host set '@%s' (define it under network.hosts)",
				e->hostset);
			if (ret == -ENOMEM)
				r = ret;
			continue;
		}
		for (size_t m = 0; !r && m < hs->members.n; m++) {
			struct pol_net x;

			r = pol_net_copy(&x, &hs->members.v[m]);
			if (r)
				break;
			x.lo = e->lo;
			x.hi = e->hi;
			x.protos = e->protos;
			free(x.file);
			free(x.text);
			x.text = strdup(e->text);
			x.file = strdup(e->file);
			x.line = e->line;
			x.col = e->col;
			if (!x.text || !x.file)
				r = -ENOMEM;
			if (!r)
				r = net_add_unique(&out, &x);
			pol_net_clear(&x);
		}
	}
	if (r == -E2BIG)
		policy_errorf(errs, l->v[0].file, l->v[0].line, l->v[0].col,
			      "host sets expand to more than %d rules", POLICY_MAX_LIST);
	if (r) {
		pol_net_list_clear(&out);
		return r;
	}
	pol_net_list_clear(l);
	*l = out;
	return ret;
}

int policy_expand_hostsets(struct policy *p, const struct policy *floor, struct policy_errors *errs)
{
	int r1 = expand_sets_in(&p->connect, p, floor, errs);
	int r2 = expand_sets_in(&p->bind, p, floor, errs);

	if (r1 == -ENOMEM || r2 == -ENOMEM)
		return -ENOMEM;
	return r1 < 0 ? r1 : r2;
}

/*
 * Path trees intersect: a user path is kept if it lies inside a floor path; a floor path is
 * kept if it lies inside a user path. The result allows exactly what both allow.
 */
static int intersect_paths(struct pol_list *u, const struct pol_list *f)
{
	struct pol_list out = { .set = true };
	int r = 0;

	if (!f->set)
		return 0;
	for (size_t i = 0; !r && i < u->n; i++)
		for (size_t j = 0; j < f->n; j++)
			if (policy_path_inside(u->v[i].s, f->v[j].s)) {
				r = list_add_unique(&out, &u->v[i]);
				break;
			}
	for (size_t j = 0; !r && j < f->n; j++)
		for (size_t i = 0; i < u->n; i++)
			if (policy_path_inside(f->v[j].s, u->v[i].s)) {
				r = list_add_unique(&out, &f->v[j]);
				break;
			}
	if (r) {
		pol_list_clear(&out);
		return r;
	}
	pol_list_clear(u);
	*u = out;
	return 0;
}

static int unite(struct pol_list *u, const struct pol_list *f)
{
	int r = 0;

	if (f->set)
		u->set = true;
	for (size_t i = 0; !r && i < f->n; i++)
		r = list_add_unique(u, &f->v[i]);
	return r;
}

/*
 * Does wildcard host @w ("*.example.com") cover host @h: a name below its suffix, or a wildcard
 * whose suffix is (at or) below it?
 */
static bool wildcard_covers(const char *w, const char *h)
{
	bool h_wild = h[0] == '*' && h[1] == '.';
	const char *suffix, *name = h_wild ? h + 2 : h;
	size_t n, s;

	/* Only "*.suffix" is a wildcard here: a lone "*" (or "*x") has no suffix to read past. */
	if (w[0] != '*' || w[1] != '.')
		return false;
	suffix = w + 2;
	n = strlen(name);
	s = strlen(suffix);
	if (n == s)
		return h_wild && !strcmp(name, suffix);
	return n > s && name[n - s - 1] == '.' && !strcmp(name + n - s, suffix);
}

/*
 * Does @a's address space contain @b's? Host names are only covered by the same name, a
 * wildcard above them, or '*'.
 */
static bool net_covers(const struct pol_net *a, const struct pol_net *b)
{
	if (!a->host && !a->hostset && a->plen == 0)
		return true;
	if (a->host)
		return b->host && (!strcmp(a->host, b->host) || wildcard_covers(a->host, b->host));
	if (a->hostset)
		return b->hostset && !strcmp(a->hostset, b->hostset);
	if (b->host || b->hostset || b->plen < a->plen)
		return false;
	for (unsigned bit = 0; bit < a->plen; bit++) {
		uint8_t mask = (uint8_t)(0x80 >> (bit % 8));

		if ((a->addr[bit / 8] & mask) != (b->addr[bit / 8] & mask))
			return false;
	}
	return true;
}

bool pol_net_covers(const struct pol_net *a, const struct pol_net *b)
{
	return net_covers(a, b);
}

static int intersect_net(struct pol_net_list *u, const struct pol_net_list *f)
{
	struct pol_net_list out = { .set = true };
	int r = 0;

	if (!f->set)
		return 0;
	for (size_t i = 0; !r && i < u->n; i++)
		for (size_t j = 0; !r && j < f->n; j++) {
			const struct pol_net *a = &u->v[i], *b = &f->v[j], *narrow;
			struct pol_net x;

			if (net_covers(b, a))
				narrow = a;
			else if (net_covers(a, b))
				narrow = b;
			else
				continue;
			if (!(a->protos & b->protos) || (a->lo > b->hi) || (b->lo > a->hi))
				continue;
			r = pol_net_copy(&x, narrow);
			if (r)
				break;
			x.lo = a->lo > b->lo ? a->lo : b->lo;
			x.hi = a->hi < b->hi ? a->hi : b->hi;
			x.protos = a->protos & b->protos;
			r = net_add_unique(&out, &x);
			pol_net_clear(&x);
		}
	if (r) {
		pol_net_list_clear(&out);
		return r;
	}
	pol_net_list_clear(u);
	*u = out;
	return 0;
}

static bool env_matches(const struct pol_list *deny, const char *name)
{
	for (size_t i = 0; i < deny->n; i++)
		if (fnmatch(deny->v[i].s, name, 0) == 0 || !strcmp(deny->v[i].s, name))
			return true;
	return false;
}

/* keep is an exception to deny: a user keep survives only if the floor would keep it too. */
static int narrow_keep(struct pol_list *keep, const struct policy *f)
{
	size_t n = 0;

	for (size_t i = 0; i < keep->n; i++) {
		bool in_floor_keep = list_has(&f->env_keep, keep->v[i].s);

		if ((f->env_keep.set && !in_floor_keep) ||
		    (env_matches(&f->env_deny, keep->v[i].s) && !in_floor_keep)) {
			pol_item_clear(&keep->v[i]);
			continue;
		}
		keep->v[n++] = keep->v[i];
	}
	keep->n = n;
	return 0;
}

/*
 * A secret-name exception ("!.env.example") of the user's policy survives only if the floor has
 * it too: an exception narrows the floor's deny patterns, which a user policy may never do.
 */
static int narrow_exceptions(struct pol_list *patterns, const struct policy *f)
{
	size_t n = 0;

	for (size_t i = 0; i < patterns->n; i++) {
		if (patterns->v[i].s[0] == '!' && !list_has(&f->sec_patterns, patterns->v[i].s)) {
			pol_item_clear(&patterns->v[i]);
			continue;
		}
		patterns->v[n++] = patterns->v[i];
	}
	patterns->n = n;
	return 0;
}

static uint64_t min_set(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

int policy_apply_floor(struct policy *p, const struct policy *f)
{
	int r = 0;

	if (!f)
		return 0;
	/* The enums are ordered from unset to strictest. */
	if (f->mode > p->mode)
		p->mode = f->mode;
	if (f->ptrace > p->ptrace)
		p->ptrace = f->ptrace;
	if (f->signal > p->signal)
		p->signal = f->signal;
	if (f->lifetime > p->lifetime)
		p->lifetime = f->lifetime;
	p->pids = min_set(p->pids, f->pids);
	p->memory = min_set(p->memory, f->memory);
	p->cpu = min_set(p->cpu, f->cpu);
	p->nofile = min_set(p->nofile, f->nofile);
	p->dns_max_label = min_set(p->dns_max_label, f->dns_max_label);
	p->dns_max_labels = min_set(p->dns_max_labels, f->dns_max_labels);
	p->audit |= f->audit;
	p->audit_set |= f->audit_set;
	for (size_t i = 0; !r && i < pol_path_fields_n; i++) {
		const struct pol_path_field *fld = &pol_path_fields[i];

		if (fld->allow)
			r = intersect_paths(pol_field(p, fld), pol_field_c(f, fld));
		else
			r = unite(pol_field(p, fld), pol_field_c(f, fld));
	}
	if (!r)
		r = narrow_exceptions(&p->sec_patterns, f);
	if (!r)
		r = unite(&p->sec_patterns, &f->sec_patterns);
	if (!r)
		r = unite(&p->env_deny, &f->env_deny);
	if (!r)
		r = narrow_keep(&p->env_keep, f);
	if (!r)
		r = intersect_net(&p->connect, &f->connect);
	if (!r)
		r = intersect_net(&p->bind, &f->bind);
	return r;
}

/*
 * network.unix.allow inside a write tree: the agent could put a symlink (or a socket of its
 * own choosing) at an allowed name, and the cgroup program sees only the string it connects to.
 */
static int unix_allow_in_write_tree(const struct policy *p, struct policy_errors *errs)
{
	int r = 0;

	for (size_t i = 0; i < p->unix_allow.n; i++)
		for (size_t j = 0; j < p->fs_write.n; j++) {
			const struct pol_item *it = &p->unix_allow.v[i];

			if (!policy_path_inside(it->s, p->fs_write.v[j].s))
				continue;
			r = policy_errorf(errs, it->file, it->line, it->col,
					  "network.unix.allow: '%s' is inside the write tree '%s': "
					  "the agent could replace it with a symlink to any socket",
					  it->s, p->fs_write.v[j].s);
			break;
		}
	return r;
}

int policy_validate_resolved(const struct policy *p, struct policy_errors *errs)
{
	int r = unix_allow_in_write_tree(p, errs);

	/* Without read and exec nothing can start: an empty list here is a mistake (or a
	 * floor that shares no tree with the policy), not a useful sandbox. */
	if (!p->fs_read.n)
		r = policy_errorf(errs, p->file, 1, 1,
				  "policy '%s' resolves to an empty filesystem.read allow-list",
				  p->name);
	if (!p->fs_exec.n)
		r = policy_errorf(errs, p->file, 1, 1,
				  "policy '%s' resolves to an empty filesystem.exec allow-list",
				  p->name);
	return r;
}

/* The one-off allow kinds: the option, and the list of a policy it adds to. */
static const struct {
	const char *kind, *option;
} oneoff_kinds[] = {
	{ "read", "--allow-read" },
	{ "write", "--allow-write" },
	{ "exec", "--allow-exec" },
	{ "bind", "--allow-bind" },
};

/* The kind of one-off @a ("read /x"): its index in oneoff_kinds, @arg after the space; -1. */
static int oneoff_kind(const char *a, const char **arg)
{
	const char *sp = strchr(a, ' ');

	for (int k = 0; sp && k < (int)(sizeof(oneoff_kinds) / sizeof(oneoff_kinds[0])); k++)
		if ((size_t)(sp - a) == strlen(oneoff_kinds[k].kind) &&
		    !strncmp(a, oneoff_kinds[k].kind, (size_t)(sp - a))) {
			*arg = sp + 1;
			return k;
		}
	return -1;
}

static struct pol_list *oneoff_list(struct policy *c, int k)
{
	return k == 0 ? &c->fs_read : k == 1 ? &c->fs_write : &c->fs_exec;
}

/* One --allow-read/write/exec/bind into @c, as an entry of its own (file: the option). */
static int add_oneoff(struct policy *c, const char *a, int col, struct policy_errors *errs)
{
	const char *arg = NULL;
	int k = oneoff_kind(a, &arg), r;
	struct pol_item it = { .line = 1, .col = col };
	struct pol_net n;
	char msg[256];

	if (k < 0)
		return policy_errorf(errs, "command line", 1, col, "unknown one-off allow '%s'", a);
	if (k == 3) {
		r = pol_net_parse(arg, false, true, &n, msg, sizeof(msg));
		if (r == -EINVAL)
			return policy_errorf(errs, oneoff_kinds[k].option, 1, col, "%s", msg);
		if (r < 0)
			return r;
		free(n.file);
		n.file = strdup(oneoff_kinds[k].option);
		n.line = 1;
		n.col = col;
		r = n.file ? net_add_unique(&c->bind, &n) : -ENOMEM;
		c->bind.set = true;
		pol_net_clear(&n);
		return r;
	}
	/* A path as the agent would name it: absolute, no control characters, no '..'. */
	if (arg[0] != '/' || pol_has_control(arg, strlen(arg)) || strstr(arg, "/../") ||
	    (strlen(arg) >= 3 && !strcmp(arg + strlen(arg) - 3, "/..")))
		return policy_errorf(errs, oneoff_kinds[k].option, 1, col,
				     "'%s' is not an absolute path without '..'", arg);
	it.s = (char *)arg;
	it.file = (char *)oneoff_kinds[k].option;
	r = pol_list_append(oneoff_list(c, k), &it);
	oneoff_list(c, k)->set = true;
	return r;
}

/* The user's host sets and the command line's connect rules, over the composed policy. */
static int apply_overlay(struct policy *c, const struct policy_resolve_opts *opts,
			 struct policy_errors *errs)
{
	int r = opts->user_hosts ? merge_hosts(c, opts->user_hosts) : 0, bad = 0;

	for (size_t i = 0; !r && i < opts->nallow_connect; i++) {
		struct pol_net n;
		char msg[256];

		r = pol_net_parse(opts->allow_connect[i], false, false, &n, msg, sizeof(msg));
		if (r == -EINVAL) {
			r = policy_errorf(errs, "--allow-connect", 1, (int)i + 1, "%s", msg);
			bad = r == -ENOMEM ? 0 : 1;
			r = r == -ENOMEM ? r : 0;
			continue;
		}
		if (r < 0)
			break;
		free(n.file);
		n.file = strdup("--allow-connect");
		n.line = 1;
		n.col = (int)i + 1;
		r = n.file ? net_add_unique(&c->connect, &n) : -ENOMEM;
		c->connect.set = true;
		pol_net_clear(&n);
	}
	for (size_t i = 0; !r && i < opts->nallow; i++) {
		r = add_oneoff(c, opts->allow[i], (int)i + 1, errs);
		bad |= r == -EINVAL;
		r = r == -EINVAL ? 0 : r;
	}
	return r < 0 ? r : bad ? -EINVAL : 0;
}

/* Is @path @dir or below it? */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n] || (n == 1 && dir[0] == '/'));
}

/* The entry of @l that @path is under, or NULL. */
static const struct pol_item *under_any(const struct pol_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].s && path_under(path, l->v[i].s))
			return &l->v[i];
	return NULL;
}

/* Is @n (one host or address, its ports) allowed by some entry of @l? */
static bool net_allowed(const struct pol_net_list *l, const struct pol_net *n)
{
	for (size_t i = 0; i < l->n; i++)
		if (net_covers(&l->v[i], n) && l->v[i].lo <= n->lo && l->v[i].hi >= n->hi &&
		    (l->v[i].protos & n->protos) == n->protos)
			return true;
	return false;
}

/* A one-off network allow still in @l after the floor (a parse failure was reported before). */
static bool net_kept(const struct pol_net_list *l, const char *text, bool bind)
{
	struct pol_net n;
	char msg[256];
	bool kept;

	if (pol_net_parse(text, false, bind, &n, msg, sizeof(msg)) < 0)
		return true;
	kept = net_allowed(l, &n);
	pol_net_clear(&n);
	return kept;
}

/* What of @c refuses one-off path @arg of kind @k, by its own deny lists; NULL: nothing. */
static const struct pol_item *oneoff_denied(const struct policy *c, int k, const char *arg,
					    const char **what)
{
	const struct pol_item *it = under_any(&c->sec_files, arg);

	*what = "is a secret (secrets.files)";
	if (!it && k == 1) {
		it = under_any(&c->fs_protect, arg);
		*what = "is a protected path (filesystem.protect)";
	}
	if (!it && k == 2) {
		it = under_any(&c->exec_deny, arg);
		*what = "is a denied program (process.exec_deny)";
	}
	return it;
}

/*
 * Each one-off allow, once the floor narrowed @c: still allowed as given, and naming nothing
 * a deny list holds. A one-off allow never weakens the floor or a deny entry: it is refused,
 * and nothing runs. Returns 0 or -EPERM with the errors added.
 */
static int check_oneoffs(const struct policy *c, const struct policy_resolve_opts *opts,
			 struct policy_errors *errs)
{
	int r = 0;

	for (size_t i = 0; i < opts->nallow_connect; i++)
		if (!net_kept(&c->connect, opts->allow_connect[i], false))
			r = policy_errorf(errs, "--allow-connect", 1, (int)i + 1,
					  "'%s' is outside what the site floor allows: a one-off "
					  "allow cannot widen it",
					  opts->allow_connect[i]) == -ENOMEM
				    ? -ENOMEM
				    : -EPERM;
	for (size_t i = 0; r != -ENOMEM && i < opts->nallow; i++) {
		const char *arg = NULL, *what = NULL;
		int k = oneoff_kind(opts->allow[i], &arg);
		const struct pol_item *d = k >= 0 && k < 3 ? oneoff_denied(c, k, arg, &what) : NULL;
		bool kept = k == 3   ? net_kept(&c->bind, arg, true)
			    : k >= 0 ? under_any(oneoff_list((struct policy *)c, k), arg) != NULL
				     : true;

		if (d)
			r = policy_errorf(errs, oneoff_kinds[k].option, 1, (int)i + 1,
					  "'%s' %s: '%s' at %s:%d; a one-off allow cannot lift it",
					  arg, what, d->s, d->file ?: "?", d->line);
		else if (!kept)
			r = policy_errorf(errs, oneoff_kinds[k].option, 1, (int)i + 1,
					  "'%s' is outside what the site floor allows: a one-off "
					  "allow cannot widen it",
					  arg);
		else
			continue;
		r = r == -ENOMEM ? r : -EPERM;
	}
	return r;
}

int policy_resolve_parsed(struct policy *p, const struct policy_resolve_opts *opts,
			  struct policy **out, struct policy_errors *errs)
{
	struct policy *c = NULL, *floor = NULL, *fparsed = NULL;
	int r, bad = 0;

	*out = NULL;
	r = policy_compose(p, opts->search, &c, errs);
	if (r < 0)
		return r;
	if (!c)
		return -EINVAL;
	r = policy_expand(c, opts->vars, errs);
	if (r == -ENOMEM)
		goto out;
	bad |= r < 0;
	r = apply_overlay(c, opts, errs);
	if (r == -ENOMEM)
		goto out;
	bad |= r < 0;
	if (opts->floor_path && access(opts->floor_path, F_OK) == 0) {
		r = policy_parse_file(opts->floor_path, &fparsed, errs);
		if (r == 0)
			r = policy_compose(fparsed, opts->search, &floor, errs);
		fparsed = NULL;
		if (r == 0)
			r = policy_expand(floor, opts->vars, errs);
		if (r == 0)
			r = policy_expand_hostsets(floor, NULL, errs);
		if (r == -ENOMEM)
			goto out;
		bad |= r < 0;
	}
	r = policy_expand_hostsets(c, floor, errs);
	if (r == -ENOMEM)
		goto out;
	bad |= r < 0;
	if (bad) {
		r = -EINVAL;
		goto out;
	}
	r = policy_apply_floor(c, floor);
	if (r == 0 && floor) {
		char *o = cordon_strdup_printf("%s; floor %s", c->origin ?: c->file,
					       floor->origin ?: floor->file);

		free(c->origin);
		c->origin = o;
		r = o ? 0 : -ENOMEM;
	}
	if (r == -E2BIG)
		policy_errorf(errs, floor->file, 1, 1,
			      "a list of '%s' has more than %d entries once the floor is merged",
			      c->name, POLICY_MAX_LIST);
	if (r < 0)
		goto out;
	r = check_oneoffs(c, opts, errs);
	if (r < 0)
		goto out;
	if (!opts->fragment_ok) {
		r = policy_validate_resolved(c, errs);
		if (r < 0)
			goto out;
	}
	*out = c;
	c = NULL;
out:
	policy_free(c);
	policy_free(floor);
	return r;
}

int policy_resolve(const char *ref, const struct policy_resolve_opts *opts, struct policy **out,
		   struct policy_errors *errs)
{
	struct policy *p = NULL;
	int r;

	*out = NULL;
	r = policy_load_ref(ref, opts->search, NULL, 1, 1, &p, errs);
	if (r < 0)
		return r;
	return policy_resolve_parsed(p, opts, out, errs);
}
