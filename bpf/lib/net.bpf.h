/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IP rules: looking up net_rules/bind_rules (IPv4 stored IPv4-mapped: cordon_addr_v4mapped() in
 * maps.h) and matching a destination's port and protocol. Shared by the cgroup programs and the
 * LSM socket hooks that judge the sockets no cgroup program sees.
 */
#ifndef CORDON_NET_BPF_H
#define CORDON_NET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.h"

/* connect/sendmsg rules and bind rules: two maps of one layout (maps.h), one definition. */
struct cordon_net_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CORDON_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_net_key);
	__type(value, struct cordon_net_rule);
};

struct cordon_net_trie net_rules SEC(".maps") __weak;
struct cordon_net_trie bind_rules SEC(".maps") __weak;

/* Addresses the session's resolver answered (maps.h), each with its expiry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_DNS_ADDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_dns_key);
	__type(value, struct cordon_dns_addr);
} dns_addrs SEC(".maps") __weak;

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
		if (!(pr->protocols & proto) || port < pr->lo || port > pr->hi)
			continue;
		/* DoT only where a rule names the server, not through a covering CIDR. */
		if (port == CORDON_DOT_PORT && !(pr->flags & CORDON_RANGE_NAMED))
			continue;
		return pr->rule_id ? pr->rule_id : 1;
	}
	return 0;
}

/*
 * Rule id of the entry of @rules (net_rules or bind_rules) allowing session @s to reach the
 * address in @key->addr on @port with @proto (CORDON_PROTO_*, 0 for any other protocol), or 0
 * when none does. Completes @key with the session and a full-length prefix.
 */
static __always_inline __u32 net_allowed(void *rules, struct cordon_net_key *key,
					 const struct cordon_session *s, __u16 port, __u8 proto)
{
	struct cordon_net_rule *rule;

	key->prefixlen = CORDON_NET_KEY_SESSION_BITS + 128;
	key->session = s->id;
	rule = bpf_map_lookup_elem(rules, key);
	return rule && proto ? net_match(rule, port, proto) : 0;
}

/*
 * Rule id allowing session @s to reach @key->addr (completed by net_allowed()) on @port with
 * @proto because its resolver answered that address for an allowed name, or 0: no entry, or
 * one past its expiry. The clock is CLOCK_BOOTTIME, as userspace's expiry: suspend counts.
 */
static __always_inline __u32 dns_allowed(const struct cordon_net_key *key,
					 const struct cordon_session *s, __u16 port, __u8 proto)
{
	struct cordon_dns_key k = { .session = s->id };
	struct cordon_dns_addr *a;

	if (!proto)
		return 0;
	__builtin_memcpy(k.addr, key->addr, sizeof(k.addr));
	a = bpf_map_lookup_elem(&dns_addrs, &k);
	if (!a || bpf_ktime_get_boot_ns() >= a->expires_ns)
		return 0;
	return net_match(&a->rule, port, proto);
}

#endif /* CORDON_NET_BPF_H */
