// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM socket hooks, complementing the cgroup programs (which keep the IP rules): connects
 * to pathname unix sockets on the deny-list (docker.sock, the SSH agent, D-Bus), decided on the
 * socket's inode and its parents; pathname unix sockets default-deny by path where the cgroup
 * unix programs do not judge them (kernels before 6.7), with the session's own listeners let
 * through; socket kinds no allow-list covers; and the IP rules for the sockets of session tasks
 * that no cgroup program judges (auto-confined before their move).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"
#include "lib/fs.bpf.h"
#include "lib/net.bpf.h"
#include "lib/capture.bpf.h"

/* The cgroup ancestor at the session level of @sk's cgroup, 0 when it is not that deep. */
static __always_inline __u64 sk_session_cgroup(struct sock *sk)
{
	struct cgroup *cg = sk ? BPF_CORE_READ(sk, sk_cgrp_data.cgroup) : NULL;
	int level;

	if (!cg)
		return 0;
	level = BPF_CORE_READ(cg, level);
	if (level < (int)cordon_session_level)
		return 0;
	/* Sessions may hold nested cgroups; 16 levels below a session is far beyond any use. */
	for (int i = 0; i < 16 && level > (int)cordon_session_level; i++) {
		cg = BPF_CORE_READ(cg, self.parent, cgroup);
		if (!cg)
			return 0;
		level--;
	}
	if (level != (int)cordon_session_level)
		return 0;
	return BPF_CORE_READ(cg, kn, id);
}

/*
 * The session that made a unix socket: the session cgroup id of the task that created it,
 * kept with the socket (socket_post_create) for as long as it lives. "Own" is decided by this,
 * not by the socket's cgroup: a server in a cgroup the agent made below the session's, or
 * started before an auto-confined agent's move into it, is the session's all the same.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} unix_owner SEC(".maps");

SEC("lsm/socket_post_create")
int BPF_PROG(cordon_socket_post_create, struct socket *sock, int family, int type, int protocol,
	     int kern, int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0, *owner;
	struct sock *sk;

	if (ret || family != AF_UNIX)
		return ret;
	s = lsm_session(&cgroup_id);
	sk = sock->sk;
	if (!s || !sk)
		return 0;
	owner = bpf_sk_storage_get(&unix_owner, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (owner)
		*owner = cgroup_id;
	return 0;
}

/*
 * Is @sk (a unix socket) the session's, the one of session cgroup @cgroup_id? By the session
 * recorded at its creation; a socket made before the programs were attached, or whose record
 * could not be allocated, by its cgroup's ancestor at the session level.
 */
static __always_inline bool sk_in_session(struct sock *sk, __u64 cgroup_id)
{
	__u64 *owner;

	if (!sk)
		return false;
	owner = bpf_sk_storage_get(&unix_owner, sk, 0, 0);
	if (owner)
		return *owner == cgroup_id;
	return sk_session_cgroup(sk) == cgroup_id;
}

/*
 * Pathname unix sockets by path, where the cgroup unix programs do not judge them: kernels
 * before 6.7 (cordon_unix_cgroup 0), and sockets those programs never see (created outside
 * the session cgroup, or used by a task not yet moved into it), as for the IP rules below.
 * The verdict is unix_judge()'s, shared with the cgroup programs: the same string, the same
 * answer on both tiers.
 *
 * A stream connect that the path refuses is not refused here but in unix_stream_connect, which
 * runs after the kernel resolved the path and gives the listening sock: when that sock was
 * created in the session's own cgroup, the connect reaches nothing outside the session and is
 * let through whatever its path (a dev server's socket in the project, a relative name). The
 * refusal waits in task storage: connect is one system call of one task, socket_connect always
 * runs before unix_stream_connect in it, and every unix connect of a session task rewrites the
 * state, so a refusal left by a connect that failed later (no such file) is never read by
 * another. Datagram sockets have no listener to ask before the send: decided here.
 */
struct unix_pending {
	__u64 sk;		    /* the connecting sock the refusal is for; 0: nothing pending */
	struct cordon_unix_key key; /* the path, zero after its end */
	struct unix_verdict v;
	__u16 sock_type;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct unix_pending);
} unix_pending SEC(".maps");

/*
 * The session whose unix rules this LSM hook applies to @sock, or NULL: the task is outside
 * every session, or the cgroup unix programs judge this socket (attached, and the socket and
 * the task both in the session's cgroup): one decision and one record per connect.
 */
static __always_inline struct cordon_session *unix_session(struct socket *sock, __u64 *cgroup_id)
{
	struct cordon_session *s = lsm_session_for(CORDON_SESSION_UNIX, cgroup_id);

	if (!s)
		return NULL;
	if (cordon_unix_cgroup && sk_session_cgroup(BPF_CORE_READ(sock, sk)) == *cgroup_id &&
	    bpf_get_current_ancestor_cgroup_id(cordon_session_level) == *cgroup_id)
		return NULL;
	return s;
}

/* Forget a refusal waiting for @sk (a connect this hook does not defer). */
static __always_inline void unix_pending_clear(struct task_struct *task)
{
	struct unix_pending *p = bpf_task_storage_get(&unix_pending, task, 0, 0);

	if (p)
		p->sk = 0;
}

/*
 * connect() or sendto() of @sock (AF_UNIX) to @addr, the kernel's copy of the caller's sockaddr
 * (a sockaddr_storage: the 108 bytes of sun_path are readable whatever @len says), @len bytes
 * long. @defer: a stream connect, whose refusal waits for unix_stream_connect.
 */
static __always_inline int unix_path_decide(struct socket *sock, void *addr, int len, __u16 hook,
					    bool defer)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct unix_verdict v = {};
	struct unix_scan sc = {};
	struct cordon_session *s;
	struct unix_pending *p;
	__u64 cgroup_id = 0;
	__u16 family = 0;
	__u16 type;

	s = unix_session(sock, &cgroup_id);
	if (!s) {
		/* Rare and cheap: a session task whose socket the cgroup programs judge. */
		if (defer && cgroup_id)
			unix_pending_clear(task);
		return 0;
	}
	if (len <= 2 || bpf_probe_read_kernel(&family, sizeof(family), addr) || family != AF_UNIX ||
	    bpf_probe_read_kernel(sc.key.path, CORDON_UNIX_PATH_MAX, addr + 2) < 0) {
		if (defer)
			unix_pending_clear(task);
		return 0;
	}
	sc.max = len - 2;
	type = BPF_CORE_READ(sock, type);
	if (!unix_judge(&sc, s, &v) || !v.reason) {
		if (defer)
			unix_pending_clear(task);
		return 0;
	}
	if (defer) {
		p = bpf_task_storage_get(&unix_pending, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (p) {
			p->sk = (__u64)BPF_CORE_READ(sock, sk);
			__builtin_memcpy(&p->key, &sc.key, sizeof(p->key));
			p->v = v;
			p->sock_type = type;
			return 0;
		}
		/* No memory for the state: refuse now, without the peer exception. */
	}
	unix_report(&sc.key, &v, s, cgroup_id, hook, CORDON_LAYER_BPF_LSM, -EPERM, type);
	return unix_lsm_verdict(s, &v, -EPERM);
}

/*
 * The refusal waiting for connecting sock @sk, decided now that the listener @other is known:
 * let through when @other was created in the session's own cgroup, else refused and reported.
 */
static __always_inline int unix_pending_decide(struct sock *sk, struct sock *other)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct unix_pending *p = bpf_task_storage_get(&unix_pending, task, 0, 0);
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (!p || !p->sk || p->sk != (__u64)sk)
		return 0;
	p->sk = 0;
	s = lsm_session(&cgroup_id);
	/* The task was in a session at socket_connect: it still is (a task never leaves). */
	if (!s)
		return -EPERM;
	if (sk_in_session(other, cgroup_id))
		return 0;
	unix_report(&p->key, &p->v, s, cgroup_id, CORDON_HOOK_UNIX_STREAM_CONNECT,
		    CORDON_LAYER_BPF_LSM, -EPERM, p->sock_type);
	return unix_lsm_verdict(s, &p->v, -EPERM);
}

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
		__u64 peer;

		/*
		 * An abstract socket has no file to judge: a session may reach only its own,
		 * whichever of the session's cgroups its creator was in (sk_in_session).
		 * Landlock scopes this from ABI 6; on older kernels this is what enforces it.
		 * Unnamed sockets (socketpair) cannot be connected to.
		 */
		if (!(s->flags & CORDON_SESSION_SELF) || !BPF_CORE_READ(u, addr))
			return 0;
		if (sk_in_session(other, cgroup_id))
			return 0;
		peer = BPF_CORE_READ(other, sk_cgrp_data.cgroup, kn, id);
		emit_op(s, cgroup_id, hook, -EPERM, peer, 0, 0);
		return -EPERM;
	}
	if (!(s->flags & CORDON_SESSION_FILE))
		return 0;
	/*
	 * connect() needs write permission on the socket: unix denials are WRITE rules. Its
	 * name in its directory too: a daemon that re-creates its socket makes a new inode.
	 */
	/* Landlock does not judge a connect to a socket file: no allow-list here. */
	return fs_check(s, cgroup_id, hook, d, BPF_CORE_READ(u, path.mnt), NULL,
			CORDON_ACCESS_WRITE, FS_NAMES_DIRENT, 0);
}

/* The hook gets the socks themselves here, but sockets in unix_may_send. */
SEC("lsm/unix_stream_connect")
int BPF_PROG(cordon_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	/* A deny entry's own rule (by inode, EACCES) first; then the path's default deny. */
	ret = check_unix_peer(other, CORDON_HOOK_UNIX_STREAM_CONNECT);
	if (ret)
		return ret;
	return unix_pending_decide(sock, other);
}

SEC("lsm/unix_may_send")
int BPF_PROG(cordon_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	/* other->sk read directly: the socket storage helpers take the kernel's own pointer. */
	return check_unix_peer(other->sk, CORDON_HOOK_UNIX_MAY_SEND);
}

/*
 * Socket kinds default deny: only those the network rules judge (sock_kind_allowed(), shared
 * with cgroup/sock_create). seccomp refuses the other families first on every tier; this is
 * the decision with the caller's own (family, type, protocol), for sessions whose seccomp
 * filter a kernel could not load too, and reports them.
 */
SEC("lsm/socket_create")
int BPF_PROG(cordon_socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (ret || kern)
		return ret;
	s = lsm_session_for(CORDON_SESSION_SOCK, &cgroup_id);
	if (!s || sock_kind_allowed(family, type, protocol))
		return 0;
	emit_sock_kind(s, cgroup_id, CORDON_HOOK_SOCKET_CREATE, CORDON_LAYER_BPF_LSM, family, type,
		       protocol);
	return observe_verdict(s, -EACCES);
}

/*
 * Source routes as socket options: IPv4 options (LSRR/SSRR), IPv6 routing headers (segment
 * routing, type 4, needs no privilege) and the other IPv6 option headers, in their RFC 2292
 * forms too (IPV6_2292PKTOPTIONS carries any of them); and a device binding, which would undo
 * the loopback binding sockops gives a listener outside the bind rules. seccomp refuses the
 * same list in `cordon run`; an auto-confined agent has no seccomp filter, and cgroup_skb/egress
 * drops a routed packet only for sockets made in a session's cgroup (not those made before an
 * auto-confined agent's move, nor at all while the daemon is down), so here every session task
 * is refused setting them on any socket, whatever its cgroup. Refused in observe mode too, as
 * the egress program drops such packets there.
 */
static __always_inline bool source_route_option(int level, int optname)
{
	if (level == IPPROTO_IP)
		return optname == IP_OPTIONS;
	if (level == SOL_SOCKET)
		return optname == SO_BINDTODEVICE;
	if (level != IPPROTO_IPV6)
		return false;
	return optname == IPV6_RTHDR || optname == IPV6_2292RTHDR ||
	       optname == IPV6_2292PKTOPTIONS || optname == IPV6_HOPOPTS ||
	       optname == IPV6_2292HOPOPTS || optname == IPV6_DSTOPTS ||
	       optname == IPV6_2292DSTOPTS || optname == IPV6_RTHDRDSTOPTS;
}

SEC("lsm/socket_setsockopt")
int BPF_PROG(cordon_socket_setsockopt, struct socket *sock, int level, int optname, int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (ret || !source_route_option(level, optname))
		return ret;
	s = lsm_session_for(CORDON_SESSION_SOCK, &cgroup_id);
	if (!s)
		return 0;
	emit_op(s, cgroup_id, CORDON_HOOK_SOCKET_SETSOCKOPT, -EPERM, level, optname, 0);
	return -EPERM;
}

/*
 * IP rules for sockets the cgroup programs do not judge. Those programs hang at cordon's root
 * cgroup and run only for sockets created below it (the kernel runs sock_addr programs of the
 * socket's cgroup, fixed at socket creation), then find the session from the current task's
 * cgroup. A tagged task is outside that when it was auto-confined at exec and not yet moved into
 * the session cgroup, or when it uses a socket created elsewhere (made before the move, or
 * received over a unix socket). Here the tag decides, with the same rules, so the window
 * between the exec and the move is closed. Sockets the cgroup programs do judge are left to
 * them: one decision and one record per connect.
 */

/*
 * The session whose IP rules this LSM hook must apply to @sock for the current task, or NULL
 * when the task is outside every session, the session has no such rules (@flag), or the cgroup
 * programs will decide (the socket and the task both in the tagged session's cgroup).
 */
static __always_inline struct cordon_session *ip_session(struct socket *sock, __u32 flag,
							 __u64 *cgroup_id)
{
	struct cordon_session *s = lsm_session_for(flag, cgroup_id);

	if (!s)
		return NULL;
	if (sk_session_cgroup(BPF_CORE_READ(sock, sk)) == *cgroup_id &&
	    bpf_get_current_ancestor_cgroup_id(cordon_session_level) == *cgroup_id)
		return NULL;
	return s;
}

/*
 * The verdict for destination (or local address) @addr: a kernel copy of the caller's
 * sockaddr (connect, bind and sendmsg all copy it in before the hook), of @len bytes.
 */
static __always_inline int ip_decide(struct socket *sock, void *addr, int len, void *rules,
				     __u32 flag, __u16 hook)
{
	struct cordon_net_key key = {};
	struct cordon_event_connect *ev;
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	__u16 family, sfamily, port;
	__u8 proto;

	if (!sock || !addr || len < (int)sizeof(struct sockaddr_in))
		return 0;
	sfamily = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	if (sfamily != AF_INET && sfamily != AF_INET6)
		return 0;
	if (bpf_probe_read_kernel(&family, sizeof(family), addr))
		return 0;
	/*
	 * AF_UNSPEC is no address family of its own to an IPv4 socket: udp_sendmsg() sends to the
	 * sockaddr_in it carries, and bind() takes it as AF_INET for INADDR_ANY, so both are judged
	 * as AF_INET. A connect() with it disconnects (reaches nothing) and an IPv6 socket's send
	 * with it goes to the connected peer (judged at its connect): those are left alone. Other
	 * families are refused by the socket itself.
	 */
	if (family == AF_UNSPEC && sfamily == AF_INET && hook != CORDON_HOOK_SOCKET_CONNECT)
		family = AF_INET;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	s = ip_session(sock, flag, &cgroup_id);
	if (!s)
		return 0;

	if (family == AF_INET) {
		struct sockaddr_in sa = {};

		bpf_probe_read_kernel(&sa, sizeof(sa), addr);
		port = bpf_ntohs(sa.sin_port);
		cordon_addr_v4mapped(key.addr, &sa.sin_addr);
	} else {
		struct sockaddr_in6 sa = {};

		/*
		 * The kernel takes a sockaddr_in6 without its scope id (SIN6_LEN_RFC2133, 24
		 * bytes) for connect, sendmsg and bind: judged the same; shorter ones it refuses.
		 * Only the bytes the caller gave are read (the scope id stays zero).
		 */
		if (len < CORDON_SIN6_LEN_RFC2133)
			return 0;
		bpf_probe_read_kernel(&sa, CORDON_SIN6_LEN_RFC2133, addr);
		port = bpf_ntohs(sa.sin6_port);
		__builtin_memcpy(key.addr, &sa.sin6_addr, 16);
	}
	proto = proto_bit(BPF_CORE_READ(sock, sk, sk_protocol));
	/* As in the cgroup programs: to the wildcard address is to this machine. */
	if (flag == CORDON_SESSION_NET) {
		__u8 lo[16];

		if (addr_any_loopback(key.addr, lo))
			__builtin_memcpy(key.addr, lo, 16);
	}
	if (net_allowed(rules, &key, s, port, proto))
		return 0;
	/* Connects only: the resolver's answers never widen what a session may bind. */
	if (flag == CORDON_SESSION_NET && dns_allowed(&key, s, port, proto))
		return 0;
	/* As in the cgroup programs: bind to port 0 asks for an ephemeral port. */
	if (!port && hook == CORDON_HOOK_SOCKET_BIND)
		return 0;
	ev = event_reserve(sizeof(*ev), CORDON_EV_CONNECT, hook, CORDON_LAYER_BPF_LSM, s, cgroup_id,
			   -EPERM, 0);
	if (ev) {
		mark_observed(ev, s);
		/* A connect refused here: its syscall's exit makes no echo of this record. */
		if (hook == CORDON_HOOK_SOCKET_CONNECT && !observing(s))
			capture_recorded(-EPERM);
		__builtin_memcpy(ev->addr, key.addr, sizeof(ev->addr));
		ev->port = port;
		ev->family = family;
		ev->protocol = BPF_CORE_READ(sock, sk, sk_protocol);
		bpf_ringbuf_submit(ev, 0);
	}
	/* EPERM, as the cgroup programs refuse. */
	return observe_verdict(s, -EPERM);
}

SEC("lsm/socket_connect")
int BPF_PROG(cordon_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	if (BPF_CORE_READ(sock, sk, __sk_common.skc_family) == AF_UNIX)
		return unix_path_decide(sock, address, addrlen, CORDON_HOOK_SOCKET_CONNECT,
					BPF_CORE_READ(sock, type) != SOCK_DGRAM);
	return ip_decide(sock, address, addrlen, &net_rules, CORDON_SESSION_NET,
			 CORDON_HOOK_SOCKET_CONNECT);
}

/*
 * Source routes as sendmsg ancillary data, per packet: IP_RETOPTS (IPv4 options: LSRR, SSRR)
 * and the IPv6 routing and option headers, the same list as the socket options above (as
 * ancillary data the kernel takes a type 2 routing header, whose address becomes the packet's
 * destination; type 4 only as a socket option). cgroup_skb/egress drops such packets only for
 * sockets made in a session's cgroup; a socket made before an auto-confined agent's move, made
 * outside and passed in, or used while the daemon is down reaches only this hook. So every
 * session task is refused such a send on any IP socket, whatever its cgroup, in observe mode
 * too (as the egress program drops them there).
 *
 * The control data is the kernel's copy: ____sys_sendmsg() (sendmsg, sendmmsg, io_uring's
 * sendmsg) copies it from the caller, converting a 32-bit caller's layout to the native one,
 * and clears msg_control_is_user before sock_sendmsg() calls this hook; the protocol reads
 * that copy after the hook, so what is judged is what is sent. Control data still in user
 * memory here would be the caller's to change after the check: refused, as are more headers
 * than CORDON_CMSG_MAX and a header that cannot be read. The walk is the kernel's
 * for_each_cmsghdr(): a header starts at a CMSG_ALIGN()ed offset and only where a whole
 * struct cmsghdr fits; a header whose length is shorter than its own header or longer than
 * what remains fails every protocol's CMSG_OK() check (the send fails with EINVAL), and the
 * walk stops there.
 */
static __always_inline bool source_route_cmsg(int level, int type)
{
	return (level == IPPROTO_IP && type == IP_RETOPTS) || source_route_option(level, type);
}

static __always_inline int cmsg_refuse(struct cordon_session *s, __u64 cgroup_id, __u64 level,
				       __u64 type, __u64 index)
{
	emit_op(s, cgroup_id, CORDON_HOOK_SOCKET_SENDMSG, -EPERM, level, type, index);
	return -EPERM;
}

/* The state of one walk of the control data, for the bpf_loop() callback below. */
struct cmsg_walk {
	char *ctl; /* the kernel's copy */
	__u64 len; /* its length */
	__u64 off; /* the current header's offset */
	__u64 level, type;
	__u32 index;
	__u32 state; /* CMSG_WALK_* */
};

enum {
	CMSG_WALK_ON,
	CMSG_WALK_END,
	CMSG_WALK_ROUTE,
	CMSG_WALK_UNREADABLE
};

/* One header. A callback: the verifier checks it once, whatever the number of headers. */
static long cmsg_step(__u32 i, void *data)
{
	struct cmsg_walk *w = data;
	struct cmsghdr c;

	/* CMSG_FIRSTHDR, __cmsg_nxthdr: no header unless a whole one fits. */
	if (w->off + sizeof(c) > w->len) {
		w->state = CMSG_WALK_END;
		return 1;
	}
	w->index = i;
	if (bpf_probe_read_kernel(&c, sizeof(c), w->ctl + w->off)) {
		w->state = CMSG_WALK_UNREADABLE;
		return 1;
	}
	if (source_route_cmsg(c.cmsg_level, c.cmsg_type)) {
		w->level = (__u32)c.cmsg_level;
		w->type = (__u32)c.cmsg_type;
		w->state = CMSG_WALK_ROUTE;
		return 1;
	}
	/* CMSG_OK(): the kernel refuses the send (EINVAL) at this header. */
	if (c.cmsg_len < sizeof(c) || c.cmsg_len > w->len - w->off) {
		w->state = CMSG_WALK_END;
		return 1;
	}
	/* CMSG_ALIGN */
	w->off += (c.cmsg_len + sizeof(long) - 1) & ~(__u64)(sizeof(long) - 1);
	return 0;
}

static __always_inline int cmsg_decide(struct msghdr *msg)
{
	struct cmsg_walk w = { .level = CORDON_CMSG_UNJUDGED, .type = CORDON_CMSG_UNJUDGED };
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	/* Untagged tasks outside every session leave here, before any control data is read. */
	s = lsm_session_for(CORDON_SESSION_SOCK, &cgroup_id);
	if (!s)
		return 0;
	w.len = BPF_CORE_READ(msg, msg_controllen);
	w.ctl = BPF_CORE_READ(msg, msg_control);
	if (BPF_CORE_READ_BITFIELD_PROBED(msg, msg_control_is_user) || !w.ctl)
		return cmsg_refuse(s, cgroup_id, w.level, w.type, 0);
	if (bpf_loop(CORDON_CMSG_MAX, cmsg_step, &w, 0) < 0)
		return cmsg_refuse(s, cgroup_id, w.level, w.type, 0);
	if (w.state == CMSG_WALK_END)
		return 0;
	if (w.state == CMSG_WALK_ON) {
		/* CORDON_CMSG_MAX headers judged: refused unless none follows. */
		if (w.off + sizeof(struct cmsghdr) > w.len)
			return 0;
		w.index = CORDON_CMSG_MAX;
	}
	return cmsg_refuse(s, cgroup_id, w.level, w.type, w.index);
}

/*
 * Its own program on the hook, not a step of cordon_socket_sendmsg below: inlined there (then
 * as a bounded loop; the walk's several ways out each carried by the verifier through the
 * destination and unix path rules after it, we take it), test_lsm_rules no longer finished its
 * two sessions' set-up within 120 s in the VMs. The programs on one hook run in turn, each passed the verdict so
 * far (ret): a refusal by either is final, and only one record is written.
 */
SEC("lsm/socket_sendmsg")
int BPF_PROG(cordon_socket_sendmsg_cmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	__u16 family;

	if (ret)
		return ret;
	/* The common case, a send without control data, leaves here, before any map lookup. */
	if (!BPF_CORE_READ(msg, msg_controllen))
		return 0;
	family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	return cmsg_decide(msg);
}

/*
 * sendto()/sendmsg() with a destination: UDP, and TCP Fast Open (which connects). Every send
 * passes here, so the common case (no destination: a connected socket) leaves first, before
 * any map lookup.
 */
SEC("lsm/socket_sendmsg")
int BPF_PROG(cordon_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	void *name;

	if (ret)
		return ret;
	name = BPF_CORE_READ(msg, msg_name);
	if (!name)
		return 0;
	/* Only datagram sockets send to an address; the others refuse one (EOPNOTSUPP, EISCONN). */
	if (BPF_CORE_READ(sock, sk, __sk_common.skc_family) == AF_UNIX)
		return BPF_CORE_READ(sock, type) == SOCK_DGRAM
			       ? unix_path_decide(sock, name, BPF_CORE_READ(msg, msg_namelen),
						  CORDON_HOOK_SOCKET_SENDMSG, false)
			       : 0;
	return ip_decide(sock, name, BPF_CORE_READ(msg, msg_namelen), &net_rules,
			 CORDON_SESSION_NET, CORDON_HOOK_SOCKET_SENDMSG);
}

SEC("lsm/socket_bind")
int BPF_PROG(cordon_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	return ip_decide(sock, address, addrlen, &bind_rules, CORDON_SESSION_BIND,
			 CORDON_HOOK_SOCKET_BIND);
}

/*
 * listen() on an address and port the policy does not allow (listen_allowed(): not loopback,
 * not named by the bind rules), as listen() without bind() autobinds every interface. For the
 * sockets the cgroup programs judge, the sockops program confines such a listener to loopback
 * (cgroup_sock.bpf.c), the same on both tiers; here the sockets they never see (made outside
 * the session's cgroup, or by a task tagged before its move) are refused.
 */
SEC("lsm/socket_listen")
int BPF_PROG(cordon_socket_listen, struct socket *sock, int backlog, int ret)
{
	struct cordon_net_key key = {};
	struct cordon_event_connect *ev;
	struct cordon_session *s;
	struct sock *sk;
	__u64 cgroup_id = 0;
	__u16 family, port;

	if (ret)
		return ret;
	sk = BPF_CORE_READ(sock, sk);
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (!sk || (family != AF_INET && family != AF_INET6) ||
	    BPF_CORE_READ(sock, type) != SOCK_STREAM)
		return 0;
	s = ip_session(sock, CORDON_SESSION_SOCK, &cgroup_id);
	if (!s)
		return 0;
	port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family == AF_INET) {
		__u32 ip = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		cordon_addr_v4mapped(key.addr, &ip);
	} else {
		BPF_CORE_READ_INTO(&key.addr, sk, __sk_common.skc_v6_rcv_saddr);
	}
	/* Not bound yet: listen() would choose the port, on every interface. */
	if (port && listen_allowed(&key, s, port))
		return 0;
	ev = event_reserve(sizeof(*ev), CORDON_EV_CONNECT, CORDON_HOOK_SOCKET_LISTEN,
			   CORDON_LAYER_BPF_LSM, s, cgroup_id, -EACCES, 0);
	if (ev) {
		mark_observed(ev, s);
		__builtin_memcpy(ev->addr, key.addr, sizeof(ev->addr));
		ev->port = port;
		ev->family = family;
		ev->protocol = BPF_CORE_READ(sk, sk_protocol);
		bpf_ringbuf_submit(ev, 0);
	}
	return observe_verdict(s, -EACCES);
}
