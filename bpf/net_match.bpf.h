/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Matching a destination's port and protocol against a net_rules/bind_rules entry: shared by
 * the cgroup programs and the LSM socket hooks that judge the sockets no cgroup program sees.
 */
#ifndef CORDON_NET_MATCH_BPF_H
#define CORDON_NET_MATCH_BPF_H

#include "cordon.bpf.h"

static __always_inline __u8 proto_bit(__u32 protocol)
{
	if (protocol == IPPROTO_TCP)
		return CORDON_PROTO_TCP;
	if (protocol == IPPROTO_UDP)
		return CORDON_PROTO_UDP;
	return 0;
}

/* Rule id of the first range allowing (port, protocol), or 0 when none does. */
static __always_inline __u32 net_match(const struct cordon_net_rule *r, __u16 port, __u8 proto)
{
	for (int i = 0; i < CORDON_NET_PORT_RANGES; i++) {
		const struct cordon_port_range *pr = &r->ranges[i];

		if (i >= r->count)
			break;
		if ((pr->protocols & proto) && port >= pr->lo && port <= pr->hi)
			return pr->rule_id ? pr->rule_id : 1;
	}
	return 0;
}

#endif /* CORDON_NET_MATCH_BPF_H */
