/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IP rules: looking up net_rules/bind_rules (IPv4 stored IPv4-mapped: cordon_addr_v4mapped() in
 * maps.h) and matching a destination's port and protocol. Shared by the cgroup programs and the
 * LSM socket hooks that judge the sockets no cgroup program sees. Pathname unix sockets: the
 * unix_rules lookup and the canonical-path check, shared by the cgroup unix programs and the
 * LSM socket hooks so that both tiers decide alike.
 */
#ifndef CORDON_NET_BPF_H
#define CORDON_NET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "events.h"
#include "event.bpf.h"
#include "consts.bpf.h"

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

/* Defined once, in settings.bpf.c. */
extern const volatile __u32 cordon_unix_cgroup;

/* Pathname unix socket rules (maps.h): one trie, shared by the cgroup unix programs and the LSM. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CORDON_MAX_UNIX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_unix_key);
	__type(value, struct cordon_unix_rule);
} unix_rules SEC(".maps") __weak;

/* A unix verdict: 0 allowed, else a CORDON_UNIX_REASON_* with the deciding rule. */
struct unix_verdict {
	__u32 reason;
	__u32 rule_id;
	__u32 len; /* bytes of the path */
};

/* The state of one scan of a socket path (bpf_loop callback context). */
struct unix_scan {
	struct cordon_unix_key key;
	__u32 max; /* bytes the address holds */
	__u32 len; /* bytes before the first NUL (or max) */
	__u32 win; /* the last four bytes seen, newest in the low byte */
	__u32 bad; /* a "//", "/./" or "/../" seen */
};

#define UNIX_W2(a, b)	    (((__u32)(a) << 8) | (b))
#define UNIX_W3(a, b, c)    ((UNIX_W2(a, b) << 8) | (c))
#define UNIX_W4(a, b, c, d) ((UNIX_W3(a, b, c) << 8) | (d))

/* "//", "/./" or "/../" ends at the newest byte of @w (a '/'). */
static __always_inline bool unix_odd_tail(__u32 w)
{
	return (w & 0xffff) == UNIX_W2('/', '/') || (w & 0xffffff) == UNIX_W3('/', '.', '/') ||
	       w == UNIX_W4('/', '.', '.', '/');
}

/*
 * One byte of the path: bpf_loop runs this once per byte, and the verifier checks the body
 * once, where an unrolled scan with its carried state exceeds the verifier's budget.
 */
static long unix_scan_byte(__u32 i, void *ctx)
{
	struct unix_scan *sc = ctx;
	__u8 c;

	if (i >= CORDON_UNIX_KEY_PATH)
		return 1;
	c = sc->key.path[i];
	if (i >= sc->max || i >= sc->len || !c) {
		/* The path ends at its first NUL or at the end of the address: zero the rest. */
		sc->key.path[i] = 0;
		if (i < sc->len)
			sc->len = i;
		return 0;
	}
	sc->win = (sc->win << 8) | c;
	if (c == '/' && unix_odd_tail(sc->win))
		sc->bad = 1;
	return 0;
}

/*
 * Judge the socket path in @sc->key.path (sun_path bytes as the task passed them; @sc->max of
 * them belong to the address) for session @s. The kernel resolves the path itself, after this
 * program; the program sees only the string. So only an absolute path in canonical form is
 * matched (a relative one depends on the working directory, and "..", "." or "//" let one
 * spelling pass a prefix that the resolved path is not below); everything else is refused.
 * Returns 0 for an abstract or unnamed address (sun_path[0] == 0: Landlock's scoping and the
 * LSM's peer check are what judge those), else fills @v and returns 1.
 */
static __always_inline int unix_judge(struct unix_scan *sc, const struct cordon_session *s,
				      struct unix_verdict *v)
{
	struct cordon_unix_rule *rule;
	__u32 w;

	if (sc->max > CORDON_UNIX_PATH_MAX)
		sc->max = CORDON_UNIX_PATH_MAX;
	if (!sc->max || !sc->key.path[0])
		return 0;
	sc->len = sc->max;
	sc->win = 0;
	sc->bad = 0;
	bpf_loop(CORDON_UNIX_KEY_PATH, unix_scan_byte, sc, 0);
	v->len = sc->len;
	v->rule_id = 0;
	/* A trailing "/", "/." or "/..": names a directory, or resolves elsewhere. */
	w = sc->win;
	if ((w & 0xff) == '/' || (w & 0xffff) == UNIX_W2('/', '.') ||
	    (w & 0xffffff) == UNIX_W3('/', '.', '.'))
		sc->bad = 1;
	if (sc->key.path[0] != '/') {
		v->reason = CORDON_UNIX_REASON_RELATIVE;
		return 1;
	}
	if (sc->bad) {
		v->reason = CORDON_UNIX_REASON_NONCANON;
		return 1;
	}
	sc->key.prefixlen = CORDON_NET_KEY_SESSION_BITS + 8 * CORDON_UNIX_KEY_PATH;
	sc->key.session = s->id;
	rule = bpf_map_lookup_elem(&unix_rules, &sc->key);
	if (!rule) {
		v->reason = CORDON_UNIX_REASON_DEFAULT;
		return 1;
	}
	v->rule_id = rule->rule_id;
	v->reason = rule->verdict == CORDON_UNIX_ALLOW ? 0 : CORDON_UNIX_REASON_DENY;
	return 1;
}

/*
 * Whether session @s lets the unix refusal @v through, observing it: a default deny (no allow
 * entry, a path the program cannot judge) is observed; a network.unix.deny entry never is.
 */
static __always_inline bool unix_observed(const struct cordon_session *s,
					  const struct unix_verdict *v)
{
	return observing(s) && v->reason != CORDON_UNIX_REASON_DENY;
}

/* An LSM hook's verdict on the unix refusal @v: 0 when observed, else @err (see observe_verdict). */
static __always_inline int unix_lsm_verdict(const struct cordon_session *s,
					    const struct unix_verdict *v, int err)
{
	if (unix_observed(s, v)) {
		asm volatile("" ::: "memory");
		return 0;
	}
	return err;
}

/* The record of a refused unix path (the key still holds the path, zero-terminated). */
static __always_inline void unix_report(const struct cordon_unix_key *key,
					const struct unix_verdict *v,
					const struct cordon_session *s, __u64 cgroup_id, __u16 hook,
					__u16 layer, __s32 verdict, __u16 sock_type)
{
	struct cordon_event_unix *ev;

	ev = event_reserve(sizeof(*ev), CORDON_EV_UNIX, hook, layer, s, cgroup_id, verdict,
			   v->rule_id);
	if (!ev)
		return;
	if (unix_observed(s, v))
		mark_observed(ev, s);
	ev->reason = v->reason;
	ev->sock_type = sock_type;
	ev->path_len = v->len < CORDON_UNIX_PATH_MAX ? v->len : CORDON_UNIX_PATH_MAX;
	/* key->path holds at most CORDON_UNIX_PATH_MAX bytes, then zeros: a NUL-terminated copy. */
	__builtin_memcpy(ev->path, key->path, sizeof(ev->path));
	bpf_ringbuf_submit(ev, 0);
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

/*
 * Socket kinds the network rules can judge, the allow-list of socket creation in sessions
 * (lsm/socket_create with the caller's arguments, cgroup/sock_create with the kernel's
 * resolved ones): TCP and UDP over IPv4/IPv6 (protocol 0 or the explicit one), whose
 * connect, sendmsg and bind pass the cgroup sock_addr programs and the LSM socket hooks;
 * unix sockets (pathname ones judged by path, abstract ones by whose they are); netlink
 * route (getifaddrs, `ip addr`), which reaches no network. Everything else, by default:
 * UDP-Lite and L2TP/IP (no pre_connect: a connect no program sees), SCTP, DCCP, MPTCP (no
 * Landlock rule), raw, ICMP, packet, vsock, AF_ALG, every other family.
 */
static __always_inline bool sock_kind_allowed(int family, int type, int protocol)
{
	type &= SOCK_TYPE_MASK;
	if (family == AF_UNIX)
		return protocol == 0;
	if (family == AF_NETLINK)
		return protocol == NETLINK_ROUTE && (type == SOCK_RAW || type == SOCK_DGRAM);
	if (family != AF_INET && family != AF_INET6)
		return false;
	if (type == SOCK_STREAM)
		return protocol == 0 || protocol == IPPROTO_TCP;
	if (type == SOCK_DGRAM)
		return protocol == 0 || protocol == IPPROTO_UDP;
	return false;
}

/* The record of a socket kind refused (or, observing, let through) at creation by @hook. */
static __always_inline void emit_sock_kind(const struct cordon_session *s, __u64 cgroup_id,
					   __u16 hook, __u8 layer, int family, int type,
					   int protocol)
{
	struct cordon_event_op *ev;

	ev = event_reserve(sizeof(*ev), CORDON_EV_OP, hook, layer, s, cgroup_id, -EACCES, 0);
	if (!ev)
		return;
	mark_observed(ev, s);
	ev->arg0 = family;
	ev->arg1 = type;
	ev->arg2 = protocol;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * @a is the wildcard address: 0.0.0.0 (held IPv4-mapped, as ::ffff:0.0.0.0) or ::. Then @lo
 * gets the loopback address of the same form (::ffff:127.0.0.1 or ::1), and the result is 1
 * (mapped) or 2 (::); else 0. A connect or send to the wildcard address goes to this machine
 * (the kernel routes it to loopback), and a bind there listens on every interface.
 */
static __always_inline int addr_any_loopback(const __u8 a[16], __u8 lo[16])
{
	bool mapped = a[10] == 0xff && a[11] == 0xff;
	__u32 ip = bpf_htonl(0x7f000001);

	for (int i = 0; i < 16; i++)
		if ((i < 10 || i >= 12) && a[i])
			return 0;
	if (!mapped && (a[10] || a[11]))
		return 0;
	__builtin_memset(lo, 0, 16);
	if (!mapped) {
		lo[15] = 1;
		return 2;
	}
	cordon_addr_v4mapped(lo, &ip);
	return 1;
}

/* @a, IPv6 or IPv4-mapped, is a loopback address (::1 or 127.0.0.0/8). */
static __always_inline bool addr_loopback(const __u8 a[16])
{
	for (int i = 0; i < 10; i++)
		if (a[i])
			return false;
	if (a[10] == 0xff && a[11] == 0xff)
		return a[12] == 127;
	return !a[10] && !a[11] && !a[12] && !a[13] && !a[14] && a[15] == 1;
}

/*
 * A TCP listener of session @s on (@key->addr, @port) is one the policy allows: the bind rules
 * name it, or it is on loopback (only this machine reaches it, as an ephemeral loopback port
 * bound with port 0 always could). A listener on every interface, or on another address with a
 * port the kernel chose (listen() without bind(), bind to port 0), is not.
 */
static __always_inline bool listen_allowed(struct cordon_net_key *key,
					   const struct cordon_session *s, __u16 port)
{
	if (addr_loopback(key->addr))
		return true;
	return net_allowed(&bind_rules, key, s, port, CORDON_PROTO_TCP) != 0;
}

#endif /* CORDON_NET_BPF_H */
