// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup sock_addr programs, attached once at cordon's root cgroup and inherited by every
 * session below it: default-deny egress by (address, port, protocol) from the session's rules
 * and its resolver's answers, the session's DNS steered to that resolver, and default-deny
 * pathname unix connect/sendmsg by socket path (kernel 6.7+).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"
#include "lib/net.bpf.h"
#include "lib/capture.bpf.h"

/* Where each session's resolver listens (maps.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct cordon_dns_steer);
} dns_steer SEC(".maps") __weak;

/* Where a steered socket's DNS was addressed, for its replies' source. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cordon_dns_orig);
} dns_orig SEC(".maps") __weak;

static __always_inline bool is_v4mapped(const __u8 a[16])
{
	for (int i = 0; i < 10; i++)
		if (a[i])
			return false;
	return a[10] == 0xff && a[11] == 0xff;
}

/*
 * DNS of a session with a resolver goes to that resolver, whatever address the agent named:
 * the resolver answers only the names the policy allows, so no query can carry data to a
 * server of the agent's choosing. 1: @ctx was rewritten (allow it); 0: not steered (no
 * resolver, or not DNS: judge it by the rules); -1: refuse (no listener of the family, or no
 * socket storage to remember the destination in: never leak it to the address asked).
 * The agent's own destination is kept with the socket for the replies (recvmsg4/6).
 */
static __always_inline int steer_dns(struct bpf_sock_addr *ctx, const struct cordon_net_key *key,
				     const struct cordon_session *s, __u16 port, bool v6)
{
	struct cordon_dns_orig *o;
	struct cordon_dns_steer *st;
	bool via4 = !v6 || is_v4mapped(key->addr);
	__u32 id = s->id;

	if (port != CORDON_DNS_PORT || !proto_bit(ctx->protocol))
		return 0;
	st = bpf_map_lookup_elem(&dns_steer, &id);
	if (!st)
		return 0;
	if (!ctx->sk || !(via4 ? st->port4 : st->port6))
		return -1;
	o = bpf_sk_storage_get(&dns_orig, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return -1;
	__builtin_memcpy(o->addr, key->addr, sizeof(o->addr));
	o->port = (__u16)ctx->user_port;
	if (!v6) {
		ctx->user_ip4 = st->addr4;
	} else if (via4) {
		/* A dual-stack socket addressing an IPv4 server: the IPv4 listener, v4-mapped. */
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0xffff);
		ctx->user_ip6[3] = st->addr4;
	} else {
		__u32 w[4];

		__builtin_memcpy(w, st->addr6, 16);
		ctx->user_ip6[0] = w[0];
		ctx->user_ip6[1] = w[1];
		ctx->user_ip6[2] = w[2];
		ctx->user_ip6[3] = w[3];
	}
	ctx->user_port = via4 ? st->port4 : st->port6;
	return 1;
}

/*
 * One connect record: a refusal (CORDON_EV_CONNECT) or an allowed connect (NET_ALLOWED).
 * @observed: a refusal the session observes (let through, recorded as would-refuse).
 */
static __always_inline void report(struct bpf_sock_addr *ctx, struct cordon_net_key *key,
				   const struct cordon_session *s, __u64 cgroup_id, __u16 type,
				   __u16 hook, __s32 verdict, __u32 rule_id, __u16 port,
				   bool observed)
{
	struct cordon_event_connect *ev;

	ev = event_reserve(sizeof(*ev), type, hook, CORDON_LAYER_CGROUP_BPF, s, cgroup_id, verdict,
			   rule_id);
	if (!ev)
		return;
	if (observed)
		mark_observed(ev, s);
	/* A connect refused here: its syscall's exit makes no echo of this record. */
	if (verdict && !(ev->hdr.flags & CORDON_EVENT_OBSERVED) &&
	    (hook == CORDON_HOOK_CONNECT4 || hook == CORDON_HOOK_CONNECT6))
		capture_recorded(verdict);
	__builtin_memcpy(ev->addr, key->addr, sizeof(ev->addr));
	ev->port = port;
	ev->family = ctx->user_family;
	ev->protocol = ctx->protocol;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * The session cgroup an inet socket was created in, set by cordon_sock_create below in the
 * creating task's context: the sockops program has no task to ask, and a socket outlives its
 * creator's membership of the session (addr_session()).
 */
struct sock_mark {
	__u64 cgroup_id; /* the session cgroup the socket was created in */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_mark);
} sock_marks SEC(".maps");

/*
 * The session a socket operation is judged for: the current task's; else, for a task in no
 * session, the session the socket was made in. A session task that another process moves out
 * of the session cgroup (root; systemd, on the agent's own D-Bus request) is killed at the move
 * (trace_cgroup.bpf.c), but the kill lands later (the tracepoint fires after the move, and
 * before 6.13 the supervisor sends it): until then its sockets made inside stay under the
 * session's rules. A socket made outside and received by a session task is the task's.
 */
static __always_inline struct cordon_session *addr_session(struct bpf_sock_addr *ctx,
							   __u64 *cgroup_id)
{
	struct cordon_session *s;
	struct sock_mark *m;

	if (!sessions_any())
		return NULL;
	s = cgroup_session(cgroup_id);
	if (s || !ctx->sk)
		return s;
	m = bpf_sk_storage_get(&sock_marks, ctx->sk, 0, 0);
	if (!m)
		return NULL;
	*cgroup_id = m->cgroup_id;
	return bpf_map_lookup_elem(&sessions, &m->cgroup_id);
}

/*
 * The verdict for the address in @key and the port/protocol of @ctx against @rules, for the
 * session of the current task. Refusals are reported; so are allowed connects when the
 * session's policy asks for them (CORDON_SESSION_AUDIT_CONNECT). The event never decides.
 */
static __always_inline int net_decide(struct bpf_sock_addr *ctx, struct cordon_net_key *key,
				      void *rules, __u32 flag, __u16 hook)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	__u32 rule_id;
	__u16 port;

	s = addr_session(ctx, &cgroup_id);
	if (!s || !(s->flags & flag))
		return CGROUP_ALLOW;

	port = bpf_ntohs((__u16)ctx->user_port);
	if (hook != CORDON_HOOK_BIND4 && hook != CORDON_HOOK_BIND6) {
		int steered =
			steer_dns(ctx, key, s, port,
				  hook == CORDON_HOOK_CONNECT6 || hook == CORDON_HOOK_SENDMSG6);

		if (steered > 0)
			return CGROUP_ALLOW;
		if (steered < 0) {
			/* The resolver cannot be reached: refused even when observing. */
			report(ctx, key, s, cgroup_id, CORDON_EV_CONNECT, hook, -EPERM, 0, port,
			       false);
			return CGROUP_DENY;
		}
	}
	/* To the wildcard address is to this machine: judged (and recorded) as loopback. */
	if (flag == CORDON_SESSION_NET) {
		__u8 lo[16];

		if (addr_any_loopback(key->addr, lo))
			__builtin_memcpy(key->addr, lo, 16);
	}
	rule_id = net_allowed(rules, key, s, port, proto_bit(ctx->protocol));
	if (!rule_id && flag == CORDON_SESSION_NET)
		rule_id = dns_allowed(key, s, port, proto_bit(ctx->protocol));
	if (rule_id) {
		/* connect() only: sendmsg would make one record per datagram, and bind is not
		 * egress. */
		if ((hook == CORDON_HOOK_CONNECT4 || hook == CORDON_HOOK_CONNECT6) &&
		    (s->flags & CORDON_SESSION_AUDIT_CONNECT))
			report(ctx, key, s, cgroup_id, CORDON_EV_NET_ALLOWED, hook, 0, rule_id,
			       port, false);
		return CGROUP_ALLOW;
	}
	/* bind to port 0 asks for an ephemeral port, as clients do: egress is judged at connect
	 * and sendmsg, so only listening on a chosen port is restricted. */
	if (!port && (hook == CORDON_HOOK_BIND4 || hook == CORDON_HOOK_BIND6))
		return CGROUP_ALLOW;

	report(ctx, key, s, cgroup_id, CORDON_EV_CONNECT, hook, -EPERM, 0, port, true);
	return observing(s) ? CGROUP_ALLOW : CGROUP_DENY;
}

/* IPv4-mapped, so one trie serves both families. */
static __always_inline void key4(struct bpf_sock_addr *ctx, struct cordon_net_key *key)
{
	__u32 ip = ctx->user_ip4;

	cordon_addr_v4mapped(key->addr, &ip);
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

/*
 * A bind to the wildcard address on a port the bind rules allow on loopback: bound to loopback
 * instead (the bind programs may rewrite the address), so `python3 -m http.server`, which binds
 * every interface by default, serves this machine and never the LAN. 0.0.0.0 becomes
 * 127.0.0.1, :: becomes ::1, ::ffff:0.0.0.0 becomes ::ffff:127.0.0.1. The rule that allowed it
 * is the loopback one; recorded as an allowed bind when the session records allowed connects.
 * 1 when rewritten, else 0 (then judged as it is).
 */
static __always_inline int bind_any_to_loopback(struct bpf_sock_addr *ctx,
						const struct cordon_net_key *key, __u16 hook)
{
	struct cordon_net_key lo = {};
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	__u32 rule_id;
	__u16 port;
	int any;

	s = addr_session(ctx, &cgroup_id);
	if (!s || !(s->flags & CORDON_SESSION_BIND))
		return 0;
	port = bpf_ntohs((__u16)ctx->user_port);
	if (!port)
		return 0;
	any = addr_any_loopback(key->addr, lo.addr);
	if (!any)
		return 0;
	rule_id = net_allowed(&bind_rules, &lo, s, port, proto_bit(ctx->protocol));
	if (!rule_id)
		return 0;
	if (hook == CORDON_HOOK_BIND4) {
		ctx->user_ip4 = bpf_htonl(0x7f000001);
	} else {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = any == 1 ? bpf_htonl(0xffff) : 0;
		ctx->user_ip6[3] = any == 1 ? bpf_htonl(0x7f000001) : bpf_htonl(1);
	}
	if (s->flags & CORDON_SESSION_AUDIT_CONNECT)
		report(ctx, &lo, s, cgroup_id, CORDON_EV_NET_ALLOWED, hook, 0, rule_id, port,
		       false);
	return 1;
}

/* A dev server may listen only where the policy says (loopback), never on the LAN. */
SEC("cgroup/bind4")
int cordon_bind4(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key4(ctx, &key);
	if (bind_any_to_loopback(ctx, &key, CORDON_HOOK_BIND4))
		return CGROUP_ALLOW;
	return net_decide(ctx, &key, &bind_rules, CORDON_SESSION_BIND, CORDON_HOOK_BIND4);
}

SEC("cgroup/bind6")
int cordon_bind6(struct bpf_sock_addr *ctx)
{
	struct cordon_net_key key = {};

	key6(ctx, &key);
	if (bind_any_to_loopback(ctx, &key, CORDON_HOOK_BIND6))
		return CGROUP_ALLOW;
	return net_decide(ctx, &key, &bind_rules, CORDON_SESSION_BIND, CORDON_HOOK_BIND6);
}

/*
 * Pathname unix sockets (attach types BPF_CGROUP_UNIX_CONNECT = 49 and BPF_CGROUP_UNIX_SENDMSG
 * = 50, kernel 6.7+). Debian 12's libbpf knows neither section name: these are declared as
 * sock_addr programs and the loader sets their expected attach type by number (loader.c). The
 * address is only reachable through the kernel's context (bpf_sock_addr_kern.uaddr); the kfunc
 * is weak so that the object still loads on kernels without it (the programs are then left out).
 */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;

static __always_inline int unix_decide(struct bpf_sock_addr *ctx, __u16 hook)
{
	struct bpf_sock_addr_kern *sa;
	struct unix_scan sc = {};
	struct unix_verdict v = {};
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	__u32 ulen;
	void *uaddr;

	s = addr_session(ctx, &cgroup_id);
	if (!s || !(s->flags & CORDON_SESSION_UNIX))
		return CGROUP_ALLOW;
	sa = bpf_cast_to_kern_ctx(ctx);
	uaddr = BPF_CORE_READ(sa, uaddr);
	ulen = BPF_CORE_READ(sa, uaddrlen);
	/* sun_path follows the 2-byte family; the kernel copied a whole sockaddr_storage in. */
	if (!uaddr || ulen <= 2 ||
	    bpf_probe_read_kernel(sc.key.path, CORDON_UNIX_PATH_MAX, uaddr + 2) < 0)
		return CGROUP_ALLOW;
	sc.max = ulen - 2;
	if (!unix_judge(&sc, s, &v) || !v.reason)
		return CGROUP_ALLOW;
	unix_report(&sc.key, &v, s, cgroup_id, hook, CORDON_LAYER_CGROUP_BPF, -EPERM,
		    (__u16)ctx->type);
	return unix_observed(s, &v) ? CGROUP_ALLOW : CGROUP_DENY;
}

SEC("cgroup/connect4")
int cordon_connect_unix(struct bpf_sock_addr *ctx)
{
	return unix_decide(ctx, CORDON_HOOK_CONNECT_UNIX);
}

SEC("cgroup/sendmsg4")
int cordon_sendmsg_unix(struct bpf_sock_addr *ctx)
{
	return unix_decide(ctx, CORDON_HOOK_SENDMSG_UNIX);
}

/*
 * Replies to steered DNS come from the resolver; an unconnected UDP client (glibc, musl)
 * checks that a reply comes from the server it asked, so the source becomes that server again.
 */
static __always_inline void unsteer(struct bpf_sock_addr *ctx, bool v6)
{
	struct cordon_dns_orig *o;
	struct cordon_dns_steer *st;
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	__u32 id;

	s = addr_session(ctx, &cgroup_id);
	if (!s || !ctx->sk)
		return;
	id = s->id;
	st = bpf_map_lookup_elem(&dns_steer, &id);
	if (!st)
		return;
	o = bpf_sk_storage_get(&dns_orig, ctx->sk, 0, 0);
	if (!o)
		return;
	if (!v6) {
		__u32 ip;

		if (ctx->user_ip4 != st->addr4 || (__u16)ctx->user_port != st->port4 ||
		    !is_v4mapped(o->addr))
			return;
		__builtin_memcpy(&ip, &o->addr[12], 4);
		ctx->user_ip4 = ip;
		ctx->user_port = o->port;
		return;
	}
	if ((__u16)ctx->user_port == st->port4 || (__u16)ctx->user_port == st->port6) {
		__u32 w[4];

		__builtin_memcpy(w, o->addr, 16);
		ctx->user_ip6[0] = w[0];
		ctx->user_ip6[1] = w[1];
		ctx->user_ip6[2] = w[2];
		ctx->user_ip6[3] = w[3];
		ctx->user_port = o->port;
	}
}

SEC("cgroup/recvmsg4")
int cordon_recvmsg4(struct bpf_sock_addr *ctx)
{
	unsteer(ctx, false);
	return 1; /* recvmsg programs must allow */
}

SEC("cgroup/recvmsg6")
int cordon_recvmsg6(struct bpf_sock_addr *ctx)
{
	unsteer(ctx, true);
	return 1;
}

/*
 * Socket kinds (sock_kind_allowed()): inet and inet6 sockets of session tasks, as the kernel
 * resolved them (protocol 0 is already the default protocol here). Other families never reach
 * this hook: seccomp refuses them by family (policy_compile_seccomp.c), BPF LSM at
 * socket_create. The refusal is EACCES, as Landlock's and the LSM's, set through the retval so
 * that the syscall-exit echo (EPERM is seccomp's) does not double it.
 *
 * Every socket it lets through is marked with its session (sock_marks).
 */
SEC("cgroup/sock_create")
int cordon_sock_create(struct bpf_sock *ctx)
{
	struct cordon_session *s;
	struct sock_mark *m;
	__u64 cgroup_id = 0;
	__u32 family = ctx->family, type = ctx->type, protocol = ctx->protocol;

	s = current_session(&cgroup_id);
	if (!s || !(s->flags & CORDON_SESSION_SOCK))
		return CGROUP_ALLOW;
	if (!sock_kind_allowed(family, type, protocol)) {
		emit_sock_kind(s, cgroup_id, CORDON_HOOK_SOCK_CREATE, CORDON_LAYER_CGROUP_BPF,
			       family, type, protocol);
		if (observing(s))
			goto mark; /* let through: its listener is still judged below */
		bpf_set_retval(-EACCES);
		return CGROUP_DENY;
	}
mark:
	m = bpf_sk_storage_get(&sock_marks, ctx, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!m) {
		/* Unmarked, its listener could not be confined below: refuse, never fail open. */
		bpf_set_retval(-ENOMEM);
		return CGROUP_DENY;
	}
	m->cgroup_id = cgroup_id;
	return CGROUP_ALLOW;
}

/*
 * listen() without bind(), or after a bind to port 0 (which the bind programs let through as
 * clients do), listens on a port the kernel chose, on every interface unless bound to one
 * address: no bind program sees it, and connections accepted there carry data past every
 * connect check. When the listener is neither on loopback nor named by the bind rules
 * (listen_allowed()), it is bound to the loopback device: only this machine reaches it.
 *
 * The callback runs after the listener is hashed. A SYN arriving in between gets a request
 * sock, but its child is cloned from the listener when the handshake completes, a round trip
 * later, and inherits the device binding then: its packets from another interface no longer
 * match it. The agent cannot undo the binding: seccomp refuses SO_BINDTODEVICE and
 * SO_BINDTOIFINDEX in sessions, and an unprivileged task cannot change a bound device.
 */
SEC("sockops")
int cordon_sockops(struct bpf_sock_ops *ctx)
{
	struct cordon_net_key key = {};
	struct cordon_event_connect *ev;
	struct cordon_session *s;
	struct sock_mark *m;
	struct bpf_sock *sk;
	char lo[] = "lo";
	__u16 port;
	int r;

	if (ctx->op != CORDON_SOCK_OPS_TCP_LISTEN_CB)
		return 1;
	sk = ctx->sk;
	if (!sk)
		return 1;
	m = bpf_sk_storage_get(&sock_marks, sk, 0, 0);
	if (!m)
		return 1;
	s = bpf_map_lookup_elem(&sessions, &m->cgroup_id);
	if (!s || !(s->flags & CORDON_SESSION_SOCK))
		return 1;
	if (ctx->family == AF_INET) {
		__u32 ip = ctx->local_ip4;

		cordon_addr_v4mapped(key.addr, &ip);
	} else {
		__u32 w[4] = { ctx->local_ip6[0], ctx->local_ip6[1], ctx->local_ip6[2],
			       ctx->local_ip6[3] };

		__builtin_memcpy(key.addr, w, 16);
	}
	port = (__u16)ctx->local_port;
	if (listen_allowed(&key, s, port))
		return 1;
	/* Observing: the listener stays on every interface; the record says it would not. */
	r = observing(s) ? 0 : bpf_setsockopt(ctx, SOL_SOCKET, SO_BINDTODEVICE, lo, sizeof(lo));
	/*
	 * The listen succeeded either way: the record says what was done to it (verdict 0,
	 * CONFINED), never a refusal; a failed binding leaves the listener on every interface and
	 * its record carries that errno (no CONFINED).
	 */
	ev = event_reserve_sk(sizeof(*ev), CORDON_EV_CONNECT, CORDON_HOOK_TCP_LISTEN, s,
			      m->cgroup_id, r);
	if (ev) {
		if (!r)
			ev->hdr.flags |= CORDON_EVENT_CONFINED;
		mark_observed(ev, s);
		__builtin_memcpy(ev->addr, key.addr, sizeof(ev->addr));
		ev->port = port;
		ev->family = ctx->family;
		ev->protocol = IPPROTO_TCP;
		bpf_ringbuf_submit(ev, 0);
	}
	return 1;
}

/*
 * Source routing: an IPv6 routing header (RFC 8754 segment routing, type 4; mobile IPv6,
 * type 2) or IPv4 options (LSRR/SSRR) name the hops a packet takes, so a packet "to" an
 * allowed address is delivered to another. seccomp refuses setting them with setsockopt; as
 * ancillary data of sendmsg (IPV6_RTHDR, IP_RETOPTS cmsgs) no syscall filter sees them, so
 * the packets themselves are dropped here, whichever way they were made: IPv4 with any
 * option, IPv6 with a routing header after at most three hop-by-hop or destination-option
 * headers. A drop fails the send with EPERM.
 */
static __always_inline bool ip6_routed(struct __sk_buff *skb, __u8 nexthdr)
{
	__u32 off = 40;

	for (int i = 0; i < 3; i++) {
		__u8 h[2];

		if (nexthdr == NEXTHDR_ROUTING)
			return true;
		if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_DEST)
			return false;
		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)) < 0)
			return true; /* an extension header cut short: refuse */
		nexthdr = h[0];
		off += ((__u32)h[1] + 1) * 8;
	}
	return nexthdr == NEXTHDR_ROUTING || nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_DEST;
}

SEC("cgroup_skb/egress")
int cordon_egress(struct __sk_buff *skb)
{
	struct cordon_net_key key = {};
	struct cordon_event_connect *ev;
	struct cordon_session *s;
	__u64 cgroup_id;
	__u8 hdr[40];
	__u16 family;
	__u8 proto;

	cgroup_id = bpf_skb_ancestor_cgroup_id(skb, cordon_session_level);
	if (!cgroup_id)
		return CGROUP_ALLOW;
	s = bpf_map_lookup_elem(&sessions, &cgroup_id);
	if (!s || !(s->flags & CORDON_SESSION_SOCK))
		return CGROUP_ALLOW;
	if (bpf_skb_load_bytes(skb, 0, hdr, 20) < 0)
		return CGROUP_ALLOW;
	if ((hdr[0] >> 4) == 4) {
		if ((hdr[0] & 0xf) <= 5)
			return CGROUP_ALLOW;
		family = AF_INET;
		proto = hdr[9];
		cordon_addr_v4mapped(key.addr, &hdr[16]);
	} else if ((hdr[0] >> 4) == 6) {
		if (bpf_skb_load_bytes(skb, 0, hdr, 40) < 0 || !ip6_routed(skb, hdr[6]))
			return CGROUP_ALLOW;
		family = AF_INET6;
		proto = hdr[6];
		__builtin_memcpy(key.addr, &hdr[24], 16);
	} else {
		return CGROUP_ALLOW;
	}
	ev = event_reserve_sk(sizeof(*ev), CORDON_EV_CONNECT, CORDON_HOOK_EGRESS, s, cgroup_id,
			      -EPERM);
	if (ev) {
		__builtin_memcpy(ev->addr, key.addr, sizeof(ev->addr));
		ev->family = family;
		ev->protocol = proto;
		bpf_ringbuf_submit(ev, 0);
	}
	return CGROUP_DENY;
}
