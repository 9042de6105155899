// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resolved policy -> BPF map entries of one session: net_rules LPM entries (host names resolved
 * through a callback, covering prefixes' port ranges pushed down), and the paths whose inodes
 * become inode_rules at session start.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sys.h"
#include "compile/compile.h"

#define MAX_RESOLVED 16 /* addresses kept per host name */

/* A prefix and its ranges while the table is built; ranges beyond the map's 8 are counted. */
struct prefix {
	uint8_t addr[16];
	uint8_t plen;
	struct cordon_port_range *ranges;
	size_t n;
	const struct pol_net *first; /* for error positions */
};

struct table {
	struct prefix *v;
	size_t n;
};

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].ranges);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static bool prefix_covers(const struct prefix *a, const uint8_t *addr, uint8_t plen)
{
	if (plen < a->plen)
		return false;
	for (unsigned bit = 0; bit < a->plen; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));

		if ((a->addr[bit / 8] & m) != (addr[bit / 8] & m))
			return false;
	}
	return true;
}

static int add_range(struct prefix *p, const struct cordon_port_range *r)
{
	struct cordon_port_range *v = realloc(p->ranges, (p->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->ranges = v;
	v[p->n++] = *r;
	return 0;
}

static int table_add(struct table *t, const uint8_t *addr, uint8_t plen,
		     const struct cordon_port_range *r, const struct pol_net *src)
{
	struct prefix *v;
	uint8_t masked[16] = { 0 };

	/* Only the prefix bits are kept: the LPM key must not carry host bits. */
	for (unsigned bit = 0; bit < plen; bit++)
		masked[bit / 8] |= addr[bit / 8] & (0x80 >> (bit % 8));
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].plen == plen && !memcmp(t->v[i].addr, masked, 16))
			return add_range(&t->v[i], r);
	v = realloc(t->v, (t->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->v = v;
	memset(&v[t->n], 0, sizeof(v[t->n]));
	memcpy(v[t->n].addr, masked, 16);
	v[t->n].plen = plen;
	v[t->n].first = src;
	t->n++;
	return add_range(&v[t->n - 1], r);
}

static int cmp_range(const void *a, const void *b)
{
	const struct cordon_port_range *x = a, *y = b;

	if (x->protocols != y->protocols)
		return x->protocols - y->protocols;
	if (x->flags != y->flags)
		return x->flags - y->flags;
	if (x->lo != y->lo)
		return x->lo - y->lo;
	return x->hi - y->hi;
}

/* Sort and merge overlapping or adjacent ranges of the same protocols. */
static void normalise_ranges(struct prefix *p)
{
	size_t o = 0;

	if (!p->n)
		return;
	qsort(p->ranges, p->n, sizeof(*p->ranges), cmp_range);
	for (size_t i = 1; i < p->n; i++) {
		struct cordon_port_range *last = &p->ranges[o];

		/* Ranges of a rule naming the address keep their flag (DoT) apart. */
		if (p->ranges[i].protocols == last->protocols &&
		    p->ranges[i].flags == last->flags &&
		    (uint32_t)p->ranges[i].lo <= (uint32_t)last->hi + 1) {
			if (p->ranges[i].hi > last->hi)
				last->hi = p->ranges[i].hi;
			continue;
		}
		p->ranges[++o] = p->ranges[i];
	}
	p->n = o + 1;
}

static int build_table(const struct pol_net_list *l, uint32_t kind, pol_resolve_fn resolve,
		       void *ctx, struct table *t)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct pol_net *n = &l->v[i];
		struct cordon_port_range r = {
			.rule_id = POL_RULE_ID(kind, i),
			.lo = n->lo,
			.hi = n->hi,
			.protocols = (uint8_t)((n->protos & POL_PROTO_TCP ? CORDON_PROTO_TCP : 0) |
					       (n->protos & POL_PROTO_UDP ? CORDON_PROTO_UDP : 0)),
		};
		int ret;

		/* Names are the resolver's (policy_compile_dns.c), answered when looked up. */
		if (n->host)
			continue;
		/* An exact address names its server (DoT allowed); a CIDR does not. */
		if (n->plen == 128)
			r.flags = CORDON_RANGE_NAMED;
		if (n->hostset) {
			struct pol_addr addrs[MAX_RESOLVED];
			char name[80];
			int cnt;

			if (!resolve)
				return -EINVAL;
			snprintf(name, sizeof(name), "@%s", n->hostset);
			cnt = resolve(ctx, name, addrs, MAX_RESOLVED);
			if (cnt < 0)
				return cnt;
			r.flags = CORDON_RANGE_NAMED;
			for (int a = 0; a < cnt && a < MAX_RESOLVED; a++) {
				ret = table_add(t, addrs[a].addr, 128, &r, n);
				if (ret < 0)
					return ret;
			}
			continue;
		}
		ret = table_add(t, n->addr, n->plen, &r, n);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * An LPM lookup returns the longest matching prefix only: each entry must also carry the
 * ranges of every shorter prefix that covers it, or a /32 rule would hide a /8 rule's ports.
 */
static int push_down(struct table *t)
{
	size_t n = t->n, *orig = calloc(n ? n : 1, sizeof(*orig));
	int r = 0;

	if (!orig)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		orig[i] = t->v[i].n; /* push only a prefix's own ranges, not inherited ones */
	for (size_t i = 0; !r && i < n; i++)
		for (size_t j = 0; !r && j < n; j++) {
			if (i == j || t->v[j].plen >= t->v[i].plen ||
			    !prefix_covers(&t->v[j], t->v[i].addr, t->v[i].plen))
				continue;
			for (size_t k = 0; !r && k < orig[j]; k++)
				r = add_range(&t->v[i], &t->v[j].ranges[k]);
		}
	free(orig);
	return r;
}

/*
 * Public DoH/DoT resolvers under a covering prefix ("0.0.0.0/0:443") get an entry of their own
 * allowing nothing, so that only a rule naming one of them reaches it.
 */
static int shadow_doh(struct table *t)
{
	for (size_t i = 0; pol_doh_addrs[i]; i++) {
		uint8_t a[16], b[16];
		bool covered = false, own = false;

		if (inet_pton(AF_INET, pol_doh_addrs[i], b) == 1)
			cordon_addr_v4mapped(a, b);
		else if (inet_pton(AF_INET6, pol_doh_addrs[i], a) != 1)
			continue;
		for (size_t j = 0; j < t->n; j++) {
			own = own || (t->v[j].plen == 128 && !memcmp(t->v[j].addr, a, 16));
			covered = covered || prefix_covers(&t->v[j], a, 128);
		}
		if (covered && !own) {
			struct prefix *v = realloc(t->v, (t->n + 1) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			t->v = v;
			memset(&v[t->n], 0, sizeof(v[t->n]));
			memcpy(v[t->n].addr, a, 16);
			v[t->n].plen = 128;
			t->n++;
		}
	}
	return 0;
}

static int emit(struct table *t, uint32_t session, struct pol_map_net **out, size_t *nout,
		struct policy_errors *errs)
{
	int ret = 0;

	*out = calloc(t->n ? t->n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		struct prefix *p = &t->v[i];
		struct pol_map_net *e = &(*out)[*nout];

		normalise_ranges(p);
		if (p->n > CORDON_NET_PORT_RANGES && p->first) {
			ret = policy_errorf(errs, p->first->file, p->first->line, p->first->col,
					    "'%s' needs %zu port ranges on one address (max %d)",
					    p->first->text, p->n, CORDON_NET_PORT_RANGES);
			ret = ret == -ENOMEM ? ret : -E2BIG;
			continue;
		}
		e->key.prefixlen = CORDON_NET_KEY_SESSION_BITS + p->plen;
		e->key.session = session;
		memcpy(e->key.addr, p->addr, 16);
		if (p->n)
			memcpy(e->rule.ranges, p->ranges, p->n * sizeof(*p->ranges));
		e->rule.count = (uint32_t)p->n;
		(*nout)++;
	}
	return ret;
}

static int compile_net(const struct pol_net_list *l, uint32_t kind, uint32_t session,
		       pol_resolve_fn resolve, void *ctx, struct pol_map_net **out, size_t *nout,
		       struct policy_errors *errs)
{
	struct table t = { 0 };
	int r;

	r = build_table(l, kind, resolve, ctx, &t);
	if (!r)
		r = push_down(&t);
	if (!r && kind == POL_RULE_CONNECT)
		r = shadow_doh(&t);
	if (!r)
		r = emit(&t, session, out, nout, errs);
	table_free(&t);
	return r;
}

/* One tree of the allow-lists: a path in several (read and write) gets the union. */
static int add_allow(struct pol_maps *m, const char *path, uint32_t allow)
{
	struct pol_allow_path *v;

	for (size_t i = 0; i < m->nallows; i++)
		if (!strcmp(m->allows[i].path, path)) {
			m->allows[i].allow |= allow;
			return 0;
		}
	v = realloc(m->allows, (m->nallows + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->allows = v;
	v[m->nallows].path = strdup(path);
	if (!v[m->nallows].path)
		return -ENOMEM;
	v[m->nallows++].allow = allow;
	return 0;
}

uint32_t pol_maps_allow_exact(const struct pol_maps *m, const char *path)
{
	for (size_t i = 0; i < m->nallows; i++)
		if (!strcmp(m->allows[i].path, path))
			return m->allows[i].allow;
	return 0;
}

static int add_inode(struct pol_maps *m, const char *path, uint32_t deny, uint32_t rule_id)
{
	struct pol_inode_path *v;

	/* One path, several lists (a secret that is also protected): the denials add up. */
	for (size_t i = 0; i < m->ninodes; i++)
		if (!strcmp(m->inodes[i].path, path)) {
			m->inodes[i].deny |= deny;
			return 0;
		}
	v = realloc(m->inodes, (m->ninodes + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->inodes = v;
	v[m->ninodes].path = strdup(path);
	if (!v[m->ninodes].path)
		return -ENOMEM;
	v[m->ninodes].deny = deny;
	v[m->ninodes++].rule_id = rule_id;
	return 0;
}

/*
 * secrets.patterns into the name_patterns entries: exceptions ("!.env.example") first, so the
 * hooks stop at the first pattern that matches a name and an exception still wins.
 */
static int compile_patterns(const struct policy *p, struct pol_maps *out,
			    struct policy_errors *errs)
{
	if (p->sec_patterns.n > CORDON_MAX_PATTERNS) {
		const struct pol_item *it = &p->sec_patterns.v[CORDON_MAX_PATTERNS];

		policy_errorf(errs, it->file, it->line, it->col,
			      "more than %d secret name patterns", CORDON_MAX_PATTERNS);
		return -E2BIG;
	}
	if (!p->sec_patterns.n)
		return 0;
	out->patterns = calloc(p->sec_patterns.n, sizeof(*out->patterns));
	if (!out->patterns)
		return -ENOMEM;
	for (int except = 1; except >= 0; except--)
		for (size_t i = 0; i < p->sec_patterns.n; i++) {
			const struct pol_item *it = &p->sec_patterns.v[i];
			struct cordon_name_pattern *pat = &out->patterns[out->npatterns];
			char msg[160];
			int r;

			if ((it->s[0] == '!') != except)
				continue;
			r = policy_compile_pattern(it->s, pat, msg, sizeof(msg));
			if (r < 0) {
				policy_errorf(errs, it->file, it->line, it->col, "%s", msg);
				return r;
			}
			pat->rule_id = POL_RULE_ID(POL_RULE_PATTERN, i);
			pat->deny = CORDON_ACCESS_READ | CORDON_ACCESS_WRITE | CORDON_ACCESS_EXEC;
			out->npatterns++;
		}
	return 0;
}

/*
 * Does the policy let every file be executed (an exec tree at "/")? Then a memfd mapped
 * executable runs nothing a file written to a write tree could not, and the JITs that map a
 * memory file twice (writable, then executable: .NET's W^X) keep working. Anywhere else a
 * nameless file is code from no tree the policy names: CORDON_SESSION_EXEC_NAMED.
 */
static bool exec_everywhere(const struct policy *p)
{
	for (size_t i = 0; i < p->fs_exec.n; i++)
		if (policy_path_inside("/", p->fs_exec.v[i].s))
			return true;
	return false;
}

int policy_compile_maps(const struct policy *p, uint32_t session, pol_resolve_fn resolve, void *ctx,
			struct pol_maps *out, struct policy_errors *errs)
{
	const struct {
		const struct pol_list *l;
		uint32_t deny, kind;
	} inode_lists[] = {
		{ &p->sec_files, CORDON_ACCESS_READ | CORDON_ACCESS_WRITE | CORDON_ACCESS_EXEC,
		  POL_RULE_SECRET },
		{ &p->fs_protect, CORDON_ACCESS_WRITE, POL_RULE_PROTECT },
		/* Not readable either: a copy (a new inode) or ld.so mapping it would run it. */
		{ &p->exec_deny, CORDON_ACCESS_EXEC | CORDON_ACCESS_READ, POL_RULE_EXEC },
		/* connect() on a unix socket needs write permission on its inode. */
		{ &p->unix_deny, CORDON_ACCESS_WRITE, POL_RULE_UNIX },
	};
	const struct {
		const struct pol_list *l;
		uint32_t allow;
	} allow_lists[] = {
		{ &p->fs_read, CORDON_ACCESS_READ },
		{ &p->fs_write, CORDON_ACCESS_READ | CORDON_ACCESS_WRITE },
		{ &p->fs_exec, CORDON_ACCESS_READ | CORDON_ACCESS_EXEC },
	};
	int r;

	memset(out, 0, sizeof(*out));
	out->session_flags = CORDON_SESSION_NET | CORDON_SESSION_BIND | CORDON_SESSION_FILE |
			     CORDON_SESSION_SOCK;
	r = compile_net(&p->connect, POL_RULE_CONNECT, session, resolve, ctx, &out->connect,
			&out->nconnect, errs);
	if (!r)
		r = compile_net(&p->bind, POL_RULE_BIND, session, resolve, ctx, &out->bind,
				&out->nbind, errs);
	if (!r)
		r = policy_compile_dns_names(p, out, errs);
	out->session_flags |= CORDON_SESSION_SELF;
	/* Allowed connects are recorded only when asked for: a build can make thousands. */
	if (p->audit & POL_AUDIT_CONNECT)
		out->session_flags |= CORDON_SESSION_AUDIT_CONNECT;
	if (p->ptrace == POL_PTRACE_NONE)
		out->session_flags |= CORDON_SESSION_PTRACE_SECCOMP;
	if (!exec_everywhere(p))
		out->session_flags |= CORDON_SESSION_EXEC_NAMED;
	if (!r)
		r = compile_patterns(p, out, errs);
	for (size_t k = 0; !r && k < ARRAY_SIZE(inode_lists); k++)
		for (size_t i = 0; !r && i < inode_lists[k].l->n; i++)
			r = add_inode(out, inode_lists[k].l->v[i].s, inode_lists[k].deny,
				      POL_RULE_ID(inode_lists[k].kind, i));
	/*
	 * The allow-lists as Landlock grants them (policy_compile_landlock: POL_LL_READ on read
	 * trees, READ and WRITE on write trees, READ and EXECUTE on exec trees), filled only for
	 * an observing session whose file hooks judge them (CORDON_SESSION_FILE_ALLOW).
	 */
	for (size_t k = 0; !r && k < ARRAY_SIZE(allow_lists); k++)
		for (size_t i = 0; !r && i < allow_lists[k].l->n; i++)
			r = add_allow(out, allow_lists[k].l->v[i].s, allow_lists[k].allow);
	if (r < 0)
		pol_maps_free(out);
	return r;
}

/*
 * Secret names are matched without regard to case (a case-preserving file system keeps
 * "SERVER.PEM" apart from "server.pem", but both are certificates). An exception ("!name") is
 * matched exactly, case included, so that it stays as narrow as written.
 */
int policy_compile_pattern(const char *pattern, struct cordon_name_pattern *out, char *msg,
			   size_t msgsz)
{
	bool except = pattern[0] == '!';
	const char *glob = pattern + except;
	const char *star = strchr(glob, '*');
	size_t plen = star ? (size_t)(star - glob) : strlen(glob);
	size_t slen = star ? strlen(star + 1) : 0;

	memset(out, 0, sizeof(*out));
	if (!*glob || strchr(glob, '/')) {
		snprintf(msg, msgsz, "pattern '%s': a pattern matches one file name, without '/'",
			 glob);
		return -EINVAL;
	}
	if (strpbrk(glob, "?[]\\") || (star && strchr(star + 1, '*'))) {
		snprintf(msg, msgsz,
			 "pattern '%s': only one '*' and no other wildcard can be matched in the "
			 "kernel",
			 glob);
		return -EINVAL;
	}
	if (plen > CORDON_PATTERN_PART || slen > CORDON_PATTERN_PART) {
		snprintf(msg, msgsz, "pattern '%s': at most %d characters on each side of '*'",
			 glob, CORDON_PATTERN_PART);
		return -EINVAL;
	}
	memcpy(out->prefix, glob, plen);
	out->prefix_len = (uint8_t)plen;
	if (star) {
		memcpy(out->suffix, star + 1, slen);
		out->suffix_len = (uint8_t)slen;
	} else {
		out->flags = CORDON_PATTERN_EXACT;
	}
	if (except) {
		out->flags |= CORDON_PATTERN_EXCEPT;
		return 0;
	}
	out->flags |= CORDON_PATTERN_NOCASE;
	for (size_t i = 0; i < plen; i++)
		out->prefix[i] = (uint8_t)tolower(out->prefix[i]);
	for (size_t i = 0; i < slen; i++)
		out->suffix[i] = (uint8_t)tolower(out->suffix[i]);
	return 0;
}

void pol_maps_free(struct pol_maps *m)
{
	for (size_t i = 0; i < m->nnames; i++)
		free(m->names[i].name);
	free(m->names);
	free(m->patterns);
	free(m->unix_rules);
	free(m->connect);
	free(m->bind);
	for (size_t i = 0; i < m->ninodes; i++)
		free(m->inodes[i].path);
	free(m->inodes);
	for (size_t i = 0; i < m->nallows; i++)
		free(m->allows[i].path);
	free(m->allows);
	memset(m, 0, sizeof(*m));
}

int policy_system_resolvers(const char *resolv_conf, struct pol_addr *out, size_t max)
{
	_cleanup_fclose_ FILE *f = fopen(resolv_conf ? resolv_conf : "/etc/resolv.conf", "re");
	char line[512];
	size_t n = 0;

	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *s = line, *addr, *end;
		uint8_t b[16];

		while (isspace((unsigned char)*s))
			s++;
		if (strncmp(s, "nameserver", 10) || !isspace((unsigned char)s[10]))
			continue;
		addr = s + 10;
		while (isspace((unsigned char)*addr))
			addr++;
		for (end = addr; *end && !isspace((unsigned char)*end) && *end != '%'; end++)
			;
		*end = 0;
		memset(&out[n], 0, sizeof(out[n]));
		if (inet_pton(AF_INET, addr, b) == 1) {
			cordon_addr_v4mapped(out[n].addr, b);
			n++;
		} else if (inet_pton(AF_INET6, addr, b) == 1) {
			memcpy(out[n].addr, b, 16);
			n++;
		}
	}
	return (int)n;
}
