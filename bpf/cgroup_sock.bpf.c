// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup sock_addr programs, attached once at cordon's root cgroup and inherited by every
 * session below it: default-deny egress by (address, port, protocol) from the session's rules.
 */
#include "cordon.bpf.h"

#define AF_INET	 2
#define AF_INET6 10

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

/*
 * The verdict for the address in @key and the port/protocol of @ctx against @rules, for the
 * session of the current task. Refusals are reported; the event never decides.
 */
static __always_inline int net_decide(struct bpf_sock_addr *ctx, struct cordon_net_key *key,
				      void *rules, __u32 flag, __u16 hook)
{
	struct cordon_event_connect *ev;
	struct cordon_net_rule *rule;
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	__u16 port;
	__u8 proto;

	s = current_session(&cgroup_id);
	if (!s || !(s->flags & flag))
		return CGROUP_ALLOW;

	key->prefixlen = CORDON_NET_KEY_SESSION_BITS + 128;
	key->session = s->id;
	port = bpf_ntohs((__u16)ctx->user_port);
	proto = proto_bit(ctx->protocol);

	rule = bpf_map_lookup_elem(rules, key);
	if (rule && proto && net_match(rule, port, proto))
		return CGROUP_ALLOW;
	/* bind to port 0 asks for an ephemeral port, as clients do: egress is judged at connect
	 * and sendmsg, so only listening on a chosen port is restricted. */
	if (!port && (hook == CORDON_HOOK_BIND4 || hook == CORDON_HOOK_BIND6))
		return CGROUP_ALLOW;

	ev = event_reserve(sizeof(*ev), CORDON_EV_CONNECT, hook, CORDON_LAYER_CGROUP_BPF, s,
			   cgroup_id, -EPERM, 0);
	if (ev) {
		__builtin_memcpy(ev->addr, key->addr, sizeof(ev->addr));
		ev->port = port;
		ev->family = ctx->user_family;
		ev->protocol = ctx->protocol;
		bpf_ringbuf_submit(ev, 0);
	}
	return CGROUP_DENY;
}

/* IPv4-mapped: ::ffff:a.b.c.d, so one trie serves both families. */
static __always_inline void key4(struct bpf_sock_addr *ctx, struct cordon_net_key *key)
{
	__u32 ip = ctx->user_ip4;

	key->addr[10] = 0xff;
	key->addr[11] = 0xff;
	__builtin_memcpy(&key->addr[12], &ip, 4);
}

/* ctx fields must be read one 32-bit word at a time. */
static __always_inline void key6(struct bpf_sock_addr *ctx, struct cordon_net_key *key)
{
	__u32 w;

	w = ctx->user_ip6[0];
	__builtin_memcpy(&key->addr[0], &w, 4);
	w = ctx->user_ip6[1];
	__builtin_memcpy(&key->addr[4], &w, 4);
	w = ctx->user_ip6[2];
	__builtin_memcpy(&key->addr[8], &w, 4);
	w = ctx->user_ip6[3];
	__builtin_memcpy(&key->addr[12], &w, 4);
}

SEC("cgroup/connect4")
int cordon_connect4(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key4(ctx, &key);
	return net_decide(ctx, &key, &net_rules, CORDON_SESSION_NET, CORDON_HOOK_CONNECT4);
}

SEC("cgroup/connect6")
int cordon_connect6(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key6(ctx, &key);
	return net_decide(ctx, &key, &net_rules, CORDON_SESSION_NET, CORDON_HOOK_CONNECT6);
}

/* UDP sendto()/sendmsg() with a destination, which never passes through connect(). */
SEC("cgroup/sendmsg4")
int cordon_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key4(ctx, &key);
	return net_decide(ctx, &key, &net_rules, CORDON_SESSION_NET, CORDON_HOOK_SENDMSG4);
}

SEC("cgroup/sendmsg6")
int cordon_sendmsg6(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key6(ctx, &key);
	return net_decide(ctx, &key, &net_rules, CORDON_SESSION_NET, CORDON_HOOK_SENDMSG6);
}

/* A dev server may listen only where the policy says (loopback), never on the LAN. */
SEC("cgroup/bind4")
int cordon_bind4(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key4(ctx, &key);
	return net_decide(ctx, &key, &bind_rules, CORDON_SESSION_BIND, CORDON_HOOK_BIND4);
}

SEC("cgroup/bind6")
int cordon_bind6(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key6(ctx, &key);
	return net_decide(ctx, &key, &bind_rules, CORDON_SESSION_BIND, CORDON_HOOK_BIND6);
}
