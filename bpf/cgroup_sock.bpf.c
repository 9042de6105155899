// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup sock_addr programs, attached once at cordon's root cgroup and inherited by every
 * session below it: default-deny egress by (address, port, protocol) from the session's rules,
 * and default-deny pathname unix connect/sendmsg by socket path (kernel 6.7+).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"
#include "lib/net.bpf.h"

/* One connect record: a refusal (CORDON_EV_CONNECT) or an allowed connect (NET_ALLOWED). */
static __always_inline void report(struct bpf_sock_addr *ctx, struct cordon_net_key *key,
				   const struct cordon_session *s, __u64 cgroup_id, __u16 type,
				   __u16 hook, __s32 verdict, __u32 rule_id, __u16 port)
{
	struct cordon_event_connect *ev;

	ev = event_reserve(sizeof(*ev), type, hook, CORDON_LAYER_CGROUP_BPF, s, cgroup_id, verdict,
			   rule_id);
	if (!ev)
		return;
	__builtin_memcpy(ev->addr, key->addr, sizeof(ev->addr));
	ev->port = port;
	ev->family = ctx->user_family;
	ev->protocol = ctx->protocol;
	bpf_ringbuf_submit(ev, 0);
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

	s = current_session(&cgroup_id);
	if (!s || !(s->flags & flag))
		return CGROUP_ALLOW;

	port = bpf_ntohs((__u16)ctx->user_port);
	rule_id = net_allowed(rules, key, s, port, proto_bit(ctx->protocol));
	if (rule_id) {
		/* connect() only: sendmsg would make one record per datagram, and bind is not
		 * egress. */
		if ((hook == CORDON_HOOK_CONNECT4 || hook == CORDON_HOOK_CONNECT6) &&
		    (s->flags & CORDON_SESSION_AUDIT_CONNECT))
			report(ctx, key, s, cgroup_id, CORDON_EV_NET_ALLOWED, hook, 0, rule_id,
			       port);
		return CGROUP_ALLOW;
	}
	/* bind to port 0 asks for an ephemeral port, as clients do: egress is judged at connect
	 * and sendmsg, so only listening on a chosen port is restricted. */
	if (!port && (hook == CORDON_HOOK_BIND4 || hook == CORDON_HOOK_BIND6))
		return CGROUP_ALLOW;

	report(ctx, key, s, cgroup_id, CORDON_EV_CONNECT, hook, -EPERM, 0, port);
	return CGROUP_DENY;
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

	s = current_session(&cgroup_id);
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
	return CGROUP_DENY;
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
