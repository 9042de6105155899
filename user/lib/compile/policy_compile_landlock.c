// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resolved policy -> Landlock rules for one ABI, and the rules Landlock cannot express there:
 * deny-within-allow (secrets, protect, exec_deny inside allowed trees), name patterns,
 * address-specific or UDP network rules, unix-socket denies, signal scoping before ABI 6.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sys.h"
#include "compile/compile.h"

uint64_t cordon_landlock_fs_rights(int abi)
{
	uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return abi >= 1 ? r : 0;
}

uint64_t cordon_landlock_net_rights(int abi)
{
	return abi >= 4 ? LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP : 0;
}

uint64_t cordon_landlock_scopes(int abi)
{
	return abi >= 6 ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0;
}

void pol_gaps_free(struct pol_gaps *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].rule);
		free(g->v[i].reason);
	}
	free(g->v);
	memset(g, 0, sizeof(*g));
}

__attribute__((format(printf, 4, 5))) static int gap(struct pol_gaps *g, uint32_t layers,
						     const char *reason, const char *fmt, ...)
{
	struct pol_gap *v = realloc(g->v, (g->n + 1) * sizeof(*v));
	va_list ap;
	int r;

	if (!v)
		return -ENOMEM;
	g->v = v;
	v = &g->v[g->n];
	v->layers = layers;
	v->needs = cordon_plan_needs_name(layers);
	v->reason = strdup(reason);
	va_start(ap, fmt);
	r = vasprintf(&v->rule, fmt, ap);
	va_end(ap);
	if (r < 0 || !v->reason) {
		free(v->reason);
		if (r >= 0)
			free(v->rule);
		return -ENOMEM;
	}
	g->n++;
	return 0;
}

static int add_path(struct pol_landlock *ll, const char *path, uint64_t access)
{
	struct pol_ll_path *v;

	for (size_t i = 0; i < ll->npaths; i++)
		if (!strcmp(ll->paths[i].path, path)) {
			ll->paths[i].access |= access;
			return 0;
		}
	v = realloc(ll->paths, (ll->npaths + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ll->paths = v;
	v[ll->npaths].path = strdup(path);
	if (!v[ll->npaths].path)
		return -ENOMEM;
	v[ll->npaths++].access = access;
	return 0;
}

static bool inside_any(const char *path, const struct pol_list *trees)
{
	for (size_t i = 0; i < trees->n; i++)
		if (policy_path_inside(path, trees->v[i].s))
			return true;
	return false;
}

static bool inside_allowed(const struct policy *p, const char *path)
{
	return inside_any(path, &p->fs_read) || inside_any(path, &p->fs_write) ||
	       inside_any(path, &p->fs_exec);
}

/* Turn the per-port access table into rules; -E2BIG past POL_LL_MAX_PORTS. */
static int emit_ports(struct pol_landlock *ll, const uint8_t *table)
{
	size_t n = 0;

	for (uint32_t port = 0; port <= 65535; port++)
		n += table[port] != 0;
	if (n > POL_LL_MAX_PORTS)
		return -E2BIG;
	ll->ports = calloc(n ? n : 1, sizeof(*ll->ports));
	if (!ll->ports)
		return -ENOMEM;
	for (uint32_t port = 0; port <= 65535; port++) {
		if (!table[port])
			continue;
		ll->ports[ll->nports].port = (uint16_t)port;
		ll->ports[ll->nports++].access =
			(table[port] & 1 ? LANDLOCK_ACCESS_NET_CONNECT_TCP : 0) |
			(table[port] & 2 ? LANDLOCK_ACCESS_NET_BIND_TCP : 0);
	}
	return 0;
}

static int compile_net(const struct policy *p, struct pol_landlock *ll)
{
	const struct {
		const struct pol_net_list *l;
		const char *name;
		uint8_t bit; /* in the port table: 1 connect, 2 bind */
	} lists[] = {
		{ &p->connect, "network.connect", 1 },
		{ &p->bind, "network.bind", 2 },
	};
	_cleanup_free_ uint8_t *table = NULL;
	int r;

	/* Landlock never restricts UDP or raw sockets: default deny for those is BPF's. */
	r = gap(&ll->gaps, POL_NEEDS_CGROUP_BPF,
		"Landlock does not restrict UDP or other non-TCP sockets",
		"network: default deny for UDP");
	if (r < 0 || ll->abi < 4)
		return r < 0 ? r
			     : gap(&ll->gaps, POL_NEEDS_CGROUP_BPF,
				   "Landlock ABI < 4 has no network rights",
				   "network: default deny for TCP");
	ll->attr.handled_access_net = cordon_landlock_net_rights(ll->abi);
	table = calloc(65536, 1);
	if (!table)
		return -ENOMEM;
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < lists[k].l->n; i++) {
			const struct pol_net *n = &lists[k].l->v[i];
			bool any_addr = !n->host && !n->hostset && n->plen == 0;

			if (n->protos & POL_PROTO_UDP) {
				r = gap(&ll->gaps, POL_NEEDS_CGROUP_BPF,
					"Landlock cannot express UDP rules", "%s: %s",
					lists[k].name, n->text);
				if (r < 0)
					return r;
			}
			if (!(n->protos & POL_PROTO_TCP))
				continue;
			/* Landlock allows a port to every address: the port is allowed here and
			 * the address restriction is reported for cgroup BPF to enforce. */
			if (!any_addr) {
				r = gap(&ll->gaps, POL_NEEDS_CGROUP_BPF,
					"Landlock port rules cannot restrict the address", "%s: %s",
					lists[k].name, n->text);
				if (r < 0)
					return r;
			}
			for (uint32_t port = n->lo; port <= n->hi; port++)
				table[port] |= lists[k].bit;
		}
	/*
	 * A bind to port 0 asks the kernel for an ephemeral port, as clients and test suites do
	 * (urllib3 probes IPv6 with bind(::1, 0) on every import; node's listen(0)). Landlock
	 * judges it as port 0, which no policy can name: allow it, as the cgroup and LSM bind
	 * programs do. It grants nothing listen() without bind() does not, and a listener off
	 * loopback is bound to lo by the sockops program (or listed as a gap without it).
	 */
	table[0] |= 2;
	r = emit_ports(ll, table);
	if (r == -E2BIG) {
		/* Too many port rules: leave TCP to cgroup BPF rather than half-done. */
		ll->attr.handled_access_net = 0;
		return gap(&ll->gaps, POL_NEEDS_CGROUP_BPF,
			   "too many ports for Landlock port rules", "network: TCP rules");
	}
	return r;
}

static int deny_gaps(const struct policy *p, struct pol_landlock *ll)
{
	int r = 0;

	for (size_t i = 0; !r && i < p->sec_files.n; i++)
		if (inside_allowed(p, p->sec_files.v[i].s))
			r = gap(&ll->gaps, POL_NEEDS_BPF_LSM | POL_NEEDS_MOUNT_NS,
				"a secret inside an allowed tree needs deny-within-allow",
				"secrets.files: %s", p->sec_files.v[i].s);
	for (size_t i = 0; !r && i < p->sec_patterns.n; i++)
		r = gap(&ll->gaps, POL_NEEDS_BPF_LSM | POL_NEEDS_FANOTIFY,
			"Landlock has no name patterns (a mount namespace masks only existing "
			"files)",
			"secrets.patterns: %s", p->sec_patterns.v[i].s);
	for (size_t i = 0; !r && i < p->fs_protect.n; i++)
		if (inside_any(p->fs_protect.v[i].s, &p->fs_write))
			r = gap(&ll->gaps, POL_NEEDS_BPF_LSM | POL_NEEDS_MOUNT_NS,
				"a protected path inside a write tree needs deny-within-allow",
				"filesystem.protect: %s", p->fs_protect.v[i].s);
	for (size_t i = 0; !r && i < p->exec_deny.n; i++)
		if (inside_any(p->exec_deny.v[i].s, &p->fs_exec))
			r = gap(&ll->gaps, POL_NEEDS_BPF_LSM | POL_NEEDS_MOUNT_NS,
				"an exec denial inside an exec tree needs deny-within-allow",
				"process.exec_deny: %s", p->exec_deny.v[i].s);
	for (size_t i = 0; !r && i < p->unix_deny.n; i++)
		r = gap(&ll->gaps, POL_NEEDS_BPF_LSM | POL_NEEDS_MOUNT_NS,
			"Landlock does not restrict connect() to pathname unix sockets",
			"network.unix.deny: %s", p->unix_deny.v[i].s);
	return r;
}

int policy_compile_landlock(const struct policy *p, int abi, struct pol_landlock *out)
{
	const struct {
		const struct pol_list *l;
		uint64_t access;
	} lists[] = {
		{ &p->fs_read, POL_LL_READ },
		{ &p->fs_write, POL_LL_READ | POL_LL_WRITE },
		{ &p->fs_exec, POL_LL_READ | POL_LL_EXEC },
	};
	uint64_t fs;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (abi < 1)
		return -EINVAL;
	if (abi > CORDON_LANDLOCK_ABI_MAX)
		abi = CORDON_LANDLOCK_ABI_MAX;
	out->abi = abi;
	fs = cordon_landlock_fs_rights(abi);
	/* Every right the ABI knows is handled: what no rule grants is denied everywhere. */
	out->attr.handled_access_fs = fs;
	for (size_t k = 0; !r && k < 3; k++)
		for (size_t i = 0; !r && i < lists[k].l->n; i++)
			r = add_path(out, lists[k].l->v[i].s, lists[k].access & fs);
	if (!r)
		r = deny_gaps(p, out);
	if (!r)
		r = compile_net(p, out);
	/* Scoping keeps the agent from signalling, or reaching abstract unix sockets of,
	 * processes outside its domain (ABI 6). */
	if (!r && abi >= 6) {
		out->attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
		if (p->signal == POL_SIGNAL_SESSION)
			out->attr.scoped |= LANDLOCK_SCOPE_SIGNAL;
	} else if (!r) {
		r = gap(&out->gaps, POL_NEEDS_BPF_LSM, "Landlock scoping needs ABI 6",
			"network: abstract unix sockets outside the session");
		if (!r && p->signal == POL_SIGNAL_SESSION)
			r = gap(&out->gaps, POL_NEEDS_BPF_LSM,
				"Landlock signal scoping needs ABI 6", "process.signal: session");
	}
	if (r < 0)
		pol_landlock_free(out);
	return r;
}

void pol_landlock_free(struct pol_landlock *ll)
{
	for (size_t i = 0; i < ll->npaths; i++)
		free(ll->paths[i].path);
	free(ll->paths);
	free(ll->ports);
	pol_gaps_free(&ll->gaps);
	memset(ll, 0, sizeof(*ll));
}

int pol_landlock_allow_dns_tcp(struct pol_landlock *ll)
{
	struct pol_ll_port *v;

	if (ll->abi < 4 || !ll->attr.handled_access_net)
		return 0;
	for (size_t i = 0; i < ll->nports; i++)
		if (ll->ports[i].port == CORDON_DNS_PORT) {
			ll->ports[i].access |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
			return 0;
		}
	v = realloc(ll->ports, (ll->nports + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ll->ports = v;
	v[ll->nports++] = (struct pol_ll_port){ .port = CORDON_DNS_PORT,
						.access = LANDLOCK_ACCESS_NET_CONNECT_TCP };
	return 0;
}

/* Is @path @dir itself or below it (lexically; "/" holds everything)? */
static bool ll_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

uint64_t pol_landlock_access_at(const struct pol_landlock *ll, const char *path)
{
	uint64_t a = 0;

	/* Landlock grants the union of the rights of every rule on the path's ancestors. */
	for (size_t i = 0; i < ll->npaths; i++)
		if (ll_under(path, ll->paths[i].path))
			a |= ll->paths[i].access;
	return a;
}
