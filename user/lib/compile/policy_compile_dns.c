// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host names of a policy as its session's resolver answers them: exact names and "*.suffix"
 * wildcards with the ports of the rules naming them, the best-match lookup, and the shipped
 * list of public DNS-over-HTTPS/TLS services that no wildcard or covering CIDR opens.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sys.h"
#include "compile/compile.h"

/* Resolvers an agent could tunnel DNS through over HTTPS (443) or TLS (853). */
const char *const pol_doh_addrs[] = {
	"8.8.8.8",
	"8.8.4.4",
	"1.1.1.1",
	"1.0.0.1",
	"9.9.9.9",
	"149.112.112.112",
	"208.67.222.222",
	"208.67.220.220",
	"94.140.14.14",
	"94.140.15.15",
	"185.228.168.9",
	"76.76.2.0",
	"2001:4860:4860::8888",
	"2001:4860:4860::8844",
	"2606:4700:4700::1111",
	"2606:4700:4700::1001",
	"2620:fe::fe",
	"2620:fe::9",
	NULL,
};

static const char *const doh_names[] = {
	"dns.google",	       "dns.google.com", "cloudflare-dns.com",
	"one.one.one.one",     "dns.quad9.net",	 "doh.opendns.com",
	"dns.adguard-dns.com", "dns.nextdns.io", "doh.cleanbrowsing.org",
	"doh.mullvad.net",     "dns.sb",	 NULL,
};

/* @name equals @suffix or lies below it (@name, @suffix: lowercase, no trailing dot). */
static bool at_or_below(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n == s)
		return !strcmp(name, suffix);
	return n > s && name[n - s - 1] == '.' && !strcmp(name + n - s, suffix);
}

bool pol_dns_is_doh_name(const char *name)
{
	for (size_t i = 0; doh_names[i]; i++)
		if (at_or_below(name, doh_names[i]))
			return true;
	return false;
}

const struct pol_dns_name *pol_dns_match(const struct pol_dns_name *names, size_t n,
					 const char *qname, bool *via_wildcard)
{
	const struct pol_dns_name *best = NULL;
	size_t qlen = strlen(qname);

	for (size_t i = 0; i < n; i++) {
		const struct pol_dns_name *e = &names[i];

		if (!e->wildcard) {
			if (!strcmp(e->name, qname)) {
				*via_wildcard = false;
				return e;
			}
			continue;
		}
		if (strlen(e->name) < qlen && at_or_below(qname, e->name) &&
		    (!best || strlen(e->name) > strlen(best->name)))
			best = e;
	}
	*via_wildcard = best != NULL;
	return best;
}

static struct pol_dns_name *find_or_add(struct pol_maps *m, const char *host)
{
	bool wildcard = host[0] == '*';
	const char *name = wildcard ? host + 2 : host;
	struct pol_dns_name *v;

	for (size_t i = 0; i < m->nnames; i++)
		if (m->names[i].wildcard == wildcard && !strcmp(m->names[i].name, name))
			return &m->names[i];
	v = realloc(m->names, (m->nnames + 1) * sizeof(*v));
	if (!v)
		return NULL;
	m->names = v;
	v = &v[m->nnames];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	if (!v->name)
		return NULL;
	v->wildcard = wildcard;
	m->nnames++;
	return v;
}

/* Add @r to @e unless it is there already; -E2BIG past the value's ranges. */
static int add_range(struct pol_dns_name *e, const struct cordon_port_range *r)
{
	for (uint32_t i = 0; i < e->rule.count; i++) {
		const struct cordon_port_range *x = &e->rule.ranges[i];

		if (x->lo == r->lo && x->hi == r->hi && x->protocols == r->protocols)
			return 0;
	}
	if (e->rule.count >= CORDON_NET_PORT_RANGES)
		return -E2BIG;
	e->rule.ranges[e->rule.count++] = *r;
	return 0;
}

/* A wildcard's ports hold for everything it covers: push them into those entries. */
static int push_down_wildcards(struct pol_maps *m, size_t *bad)
{
	for (size_t i = 0; i < m->nnames; i++) {
		const struct pol_dns_name *w = &m->names[i];

		if (!w->wildcard)
			continue;
		for (size_t j = 0; j < m->nnames; j++) {
			struct pol_dns_name *e = &m->names[j];

			if (i == j || !at_or_below(e->name, w->name) ||
			    (e->wildcard && !strcmp(e->name, w->name)) ||
			    (!e->wildcard && !strcmp(e->name, w->name)))
				continue;
			for (uint32_t k = 0; k < w->rule.count; k++)
				if (add_range(e, &w->rule.ranges[k]) < 0) {
					*bad = j;
					return -E2BIG;
				}
		}
	}
	return 0;
}

int policy_compile_dns_names(const struct policy *p, struct pol_maps *m, struct policy_errors *errs)
{
	const struct pol_net_list *l = &p->connect;
	size_t bad = 0;
	int r;

	m->dns_max_label =
		p->dns_max_label ? (uint32_t)p->dns_max_label : POL_DNS_MAX_LABEL_DEFAULT;
	m->dns_max_labels =
		p->dns_max_labels ? (uint32_t)p->dns_max_labels : POL_DNS_MAX_LABELS_DEFAULT;
	for (size_t i = 0; i < l->n; i++) {
		const struct pol_net *n = &l->v[i];
		struct cordon_port_range pr = {
			.rule_id = POL_RULE_ID(POL_RULE_CONNECT, i),
			.lo = n->lo,
			.hi = n->hi,
			.protocols = (uint8_t)((n->protos & POL_PROTO_TCP ? CORDON_PROTO_TCP : 0) |
					       (n->protos & POL_PROTO_UDP ? CORDON_PROTO_UDP : 0)),
			/* a host name names its server: DoT to it is what the rule says */
			.flags = CORDON_RANGE_NAMED,
		};
		struct pol_dns_name *e;

		if (!n->host)
			continue;
		e = find_or_add(m, n->host);
		if (!e)
			return -ENOMEM;
		if (add_range(e, &pr) < 0) {
			policy_errorf(errs, n->file, n->line, n->col,
				      "'%s' needs more than %d port ranges on one name", n->text,
				      CORDON_NET_PORT_RANGES);
			return -E2BIG;
		}
	}
	r = push_down_wildcards(m, &bad);
	if (r == -E2BIG)
		policy_errorf(errs, p->file, 1, 1,
			      "host name '%s' needs more than %d port ranges once its wildcards' "
			      "are added",
			      m->names[bad].name, CORDON_NET_PORT_RANGES);
	return r;
}
