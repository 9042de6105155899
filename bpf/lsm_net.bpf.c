// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM socket hooks, complementing the cgroup programs (which keep the IP rules): connects
 * to pathname unix sockets on the deny-list (docker.sock, the SSH agent, D-Bus), decided on the
 * socket's inode and its parents; and socket kinds no allow-list covers.
 */
#include "fs_rules.bpf.h"

#define AF_UNIX	  1
#define AF_INET	  2
#define AF_INET6  10
#define AF_PACKET 17

#define SOCK_RAW       3
#define SOCK_TYPE_MASK 0xf

#define IPPROTO_ICMP   1
#define IPPROTO_SCTP   132
#define IPPROTO_ICMPV6 58
#define IPPROTO_MPTCP  262

/*
 * Pathname sockets are judged by their file (and its parents); abstract ones by whose they
 * are.
 */
static __always_inline int check_unix_peer(struct sock *other, __u16 hook)
{
	struct unix_sock *u = (struct unix_sock *)other;
	struct cordon_session *s;
	struct dentry *d;
	__u64 cgroup_id = 0;

	s = lsm_session(&cgroup_id);
	if (!s || !u)
		return 0;
	d = BPF_CORE_READ(u, path.dentry);
	if (!d) {
		struct cordon_event_op *ev;
		__u64 peer;

		/*
		 * An abstract socket has no file to judge: a session may reach only its own.
		 * Landlock scopes this from ABI 6; on older kernels this is what enforces it.
		 * Unnamed sockets (socketpair) cannot be connected to.
		 */
		if (!(s->flags & CORDON_SESSION_SELF) || !BPF_CORE_READ(u, addr))
			return 0;
		peer = BPF_CORE_READ(other, sk_cgrp_data.cgroup, kn, id);
		if (peer == cgroup_id)
			return 0;
		ev = event_reserve(sizeof(*ev), CORDON_EV_OP, hook, CORDON_LAYER_BPF_LSM, s,
				   cgroup_id, -EPERM, 0);
		if (ev) {
			ev->arg0 = peer;
			bpf_ringbuf_submit(ev, 0);
		}
		return -EPERM;
	}
	if (!(s->flags & CORDON_SESSION_FILE))
		return 0;
	/* connect() needs write permission on the socket: unix denials are WRITE rules. */
	return fs_check(s, cgroup_id, hook, d, BPF_CORE_READ(u, path.mnt), NULL,
			CORDON_ACCESS_WRITE, false);
}

/* The hook gets the socks themselves here, but sockets in unix_may_send. */
SEC("lsm/unix_stream_connect")
int BPF_PROG(cordon_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return check_unix_peer(other, CORDON_HOOK_UNIX_STREAM_CONNECT);
}

SEC("lsm/unix_may_send")
int BPF_PROG(cordon_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	return check_unix_peer(BPF_CORE_READ(other, sk), CORDON_HOOK_UNIX_MAY_SEND);
}

/*
 * MPTCP and SCTP escape Landlock's TCP rules; raw, packet and ICMP sockets reach the network
 * below the connect hooks. (seccomp refuses them too; this also covers sessions whose
 * seccomp filter a kernel could not load, and reports them.)
 */
SEC("lsm/socket_create")
int BPF_PROG(cordon_socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct cordon_event_op *ev;
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	bool refuse;

	if (ret || kern)
		return ret;
	s = lsm_session(&cgroup_id);
	if (!s || !(s->flags & CORDON_SESSION_SELF))
		return 0;
	refuse = family == AF_PACKET || ((family == AF_INET || family == AF_INET6) &&
					 ((type & SOCK_TYPE_MASK) == SOCK_RAW ||
					  protocol == IPPROTO_MPTCP || protocol == IPPROTO_SCTP ||
					  protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6));
	if (!refuse)
		return 0;
	ev = event_reserve(sizeof(*ev), CORDON_EV_OP, CORDON_HOOK_SOCKET_CREATE,
			   CORDON_LAYER_BPF_LSM, s, cgroup_id, -EACCES, 0);
	if (ev) {
		ev->arg0 = family;
		ev->arg1 = type;
		ev->arg2 = protocol;
		bpf_ringbuf_submit(ev, 0);
	}
	return -EACCES;
}
