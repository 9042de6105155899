// SPDX-License-Identifier: GPL-2.0-only
/*
 * A session's resolver wired to its BPF maps: answers go into dns_addrs, expiries out of it,
 * and the dns_steer entry that sends the session's DNS to the resolver is written last, once
 * the resolver listens (and removed first when it closes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns/dns_ldns.h"

#include "dns/dns.h"
#include "enforce/enforce.h"
#include "loader/loader.h"

static int allow(void *ctx, const struct cordon_dns_key *k, const struct cordon_dns_addr *a)
{
	return cordon_bpf_dns_addr_set(ctx, k, a);
}

static void forget(void *ctx, const struct cordon_dns_key *k)
{
	cordon_bpf_dns_addr_del(ctx, k);
}

int cordon_session_dns_open(struct cordon_session_ctx *s, const struct pol_maps *m,
			    const struct cordon_dns_opts *base, struct cordon_dns **out)
{
	struct cordon_dns_opts o = *base;
	struct cordon_dns_steer st;
	int r;

	*out = NULL;
	o.session = s->id;
	o.names = m->names;
	o.nnames = m->nnames;
	if (!o.max_label)
		o.max_label = m->dns_max_label;
	if (!o.max_labels)
		o.max_labels = m->dns_max_labels;
	o.hooks.allow = allow;
	o.hooks.forget = forget;
	o.hooks.map_ctx = s->bpf;
	r = cordon_dns_open(&o, out);
	if (r < 0)
		return r;
	cordon_dns_steer(*out, &st);
	r = cordon_bpf_dns_steer_set(s->bpf, s->id, &st);
	if (r < 0) {
		cordon_dns_close(*out);
		*out = NULL;
	}
	return r;
}

void cordon_dns_type_name(uint16_t type, char *buf, size_t len)
{
	char *s = cordon_ldns_load() == 0 ? ldns_rr_type2str((ldns_rr_type)type) : NULL;

	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "TYPE%u", (unsigned)type); /* RFC 3597's name for any type */
	free(s);
}
