// SPDX-License-Identifier: GPL-2.0-only
/*
 * The resolver's sockets and loop: loopback listeners (UDP and TCP) the session's DNS is
 * steered to, UDP sockets to the upstreams of resolv.conf, a timer for upstream time-outs,
 * idle TCP clients and expired allow entries, all behind one epoll descriptor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sys/sys.h"
#include "dns/dns_internal.h"

const char *cordon_resolv_conf(void)
{
	const char *env = getenv("CORDON_RESOLV_CONF");

	/* Only root may point at another file (tests); for anyone else it is the system's. */
	if (env && *env && getuid() == 0)
		return env;
	return "/etc/resolv.conf";
}

static int watch(struct cordon_dns *d, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int sock(int family, int type)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/* Bind @fd to @family's loopback on @port (0: any); the port bound, or -errno. */
static int bind_loopback(int fd, int family, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;

	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	return ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A UDP and a TCP listener on one loopback port of @family: the port, or -errno. */
static int listen_pair(int family, int *udp, int *tcp)
{
	int r = -EADDRINUSE;

	for (int tries = 0; tries < 16 && r == -EADDRINUSE; tries++) {
		int u = sock(family, SOCK_DGRAM), t, port;

		if (u < 0)
			return u;
		if (family == AF_INET6)
			setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
		port = bind_loopback(u, family, 0);
		t = port < 0 ? port : sock(family, SOCK_STREAM);
		if (t >= 0) {
			setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
			if (family == AF_INET6)
				setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
			r = bind_loopback(t, family, (uint16_t)port);
			if (r >= 0 && listen(t, 16) < 0)
				r = -errno;
		} else {
			r = t;
		}
		if (r >= 0) {
			*udp = u;
			*tcp = t;
			return port;
		}
		close(u);
		if (t >= 0)
			close(t);
	}
	return r;
}

/* The upstreams: resolv.conf's nameservers on port 53, at most DNS_MAX_UPSTREAMS. */
static void read_upstreams(struct cordon_dns *d, const char *path)
{
	struct pol_addr a[DNS_MAX_UPSTREAMS];
	int n = policy_system_resolvers(path, a, DNS_MAX_UPSTREAMS);

	for (int i = 0; i < n; i++) {
		struct sockaddr_storage *ss = &d->upstream[d->nup];
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		memset(ss, 0, sizeof(*ss));
		if (!memcmp(a[i].addr, mapped, 12)) {
			struct sockaddr_in *s4 = (void *)ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(CORDON_DNS_PORT);
			memcpy(&s4->sin_addr, &a[i].addr[12], 4);
			d->uplen[d->nup++] = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (void *)ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(CORDON_DNS_PORT);
			memcpy(&s6->sin6_addr, a[i].addr, 16);
			d->uplen[d->nup++] = sizeof(*s6);
		}
	}
}

static int open_sockets(struct cordon_dns *d)
{
	struct itimerspec tick = { .it_interval = { .tv_nsec = 250 * 1000 * 1000 },
				   .it_value = { .tv_nsec = 250 * 1000 * 1000 } };
	int r;

	r = listen_pair(AF_INET, &d->udp4, &d->tcp4);
	if (r < 0)
		return r;
	d->port4 = (uint16_t)r;
	/* No IPv6 loopback (disabled): IPv6 DNS of the session is refused instead. */
	r = listen_pair(AF_INET6, &d->udp6, &d->tcp6);
	d->port6 = r > 0 ? (uint16_t)r : 0;
	d->up4 = sock(AF_INET, SOCK_DGRAM);
	d->up6 = sock(AF_INET6, SOCK_DGRAM);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->timerfd < 0 || timerfd_settime(d->timerfd, 0, &tick, NULL) < 0)
		return -errno;
	if ((r = watch(d, d->udp4, DNS_EV(DNS_EV_UDP4, 0))) < 0 ||
	    (r = watch(d, d->tcp4, DNS_EV(DNS_EV_TCP4, 0))) < 0 ||
	    (r = watch(d, d->timerfd, DNS_EV(DNS_EV_TIMER, 0))) < 0)
		return r;
	if (d->udp6 >= 0 && ((r = watch(d, d->udp6, DNS_EV(DNS_EV_UDP6, 0))) < 0 ||
			     (r = watch(d, d->tcp6, DNS_EV(DNS_EV_TCP6, 0))) < 0))
		return r;
	if (d->up4 >= 0 && (r = watch(d, d->up4, DNS_EV(DNS_EV_UP4, 0))) < 0)
		return r;
	if (d->up6 >= 0 && (r = watch(d, d->up6, DNS_EV(DNS_EV_UP6, 0))) < 0)
		return r;
	return 0;
}

static int copy_names(struct cordon_dns *d, const struct pol_dns_name *names, size_t n)
{
	d->names = calloc(n ? n : 1, sizeof(*d->names));
	if (!d->names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		d->names[i] = names[i];
		d->names[i].name = strdup(names[i].name);
		if (!d->names[i].name)
			return -ENOMEM;
		d->nnames++;
	}
	return 0;
}

int cordon_dns_open(const struct cordon_dns_opts *o, struct cordon_dns **out)
{
	struct cordon_dns *d;
	int r;

	*out = NULL;
	/* No DNS library, no resolver (and so no session): never a resolver that cannot parse. */
	r = cordon_ldns_load();
	if (r < 0)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->epfd = d->timerfd = d->udp4 = d->tcp4 = d->udp6 = d->tcp6 = d->up4 = d->up6 = -1;
	for (int i = 0; i < DNS_MAX_TCP; i++)
		d->conns[i].fd = -1;
	d->session = o->session;
	d->max_label = o->max_label ?: POL_DNS_MAX_LABEL_DEFAULT;
	d->max_labels = o->max_labels ?: POL_DNS_MAX_LABELS_DEFAULT;
	d->ttl_floor_s = o->ttl_floor_s ?: CORDON_DNS_TTL_FLOOR_S;
	d->grace_s = o->grace_s ?: CORDON_DNS_GRACE_S;
	d->hooks = o->hooks;
	r = copy_names(d, o->names, o->nnames);
	if (r == 0)
		read_upstreams(d, o->resolv_conf ?: cordon_resolv_conf());
	if (r == 0 && !o->no_sockets) {
		d->epfd = epoll_create1(EPOLL_CLOEXEC);
		r = d->epfd < 0 ? -errno : open_sockets(d);
	}
	if (r < 0) {
		cordon_dns_close(d);
		return r;
	}
	*out = d;
	return 0;
}

/*
 * Out of the epoll set before the close: a registration belongs to the open file, not to the
 * descriptor, and the daemon forks (spawn workers, audit readers) while its sessions' resolvers
 * hold connections. A child's copy would keep the closed file, and with it its registration,
 * alive: its events (a hung-up client's, ready for good) would name a slot that is free or
 * another's, and keep the resolver's descriptor ready, a busy loop of the daemon. Only the
 * resolver's owner closes it so: a child shares the epoll instance, and its DEL would remove
 * the owner's registration.
 */
void dns_close_watched(struct cordon_dns *d, int *fd)
{
	if (*fd < 0)
		return;
	if (d->epfd >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void conn_close(struct cordon_dns *d, struct dns_conn *c)
{
	dns_close_watched(d, &c->fd);
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
	c->gen++;
}

void cordon_dns_close(struct cordon_dns *d)
{
	if (!d)
		return;
	for (int i = 0; i < DNS_MAX_TCP; i++)
		conn_close(d, &d->conns[i]);
	for (int i = 0; i < DNS_MAX_PENDING; i++)
		dns_pending_free(d, &d->pending[i]);
	dns_close_watched(d, &d->udp4);
	dns_close_watched(d, &d->tcp4);
	dns_close_watched(d, &d->udp6);
	dns_close_watched(d, &d->tcp6);
	dns_close_watched(d, &d->up4);
	dns_close_watched(d, &d->up6);
	dns_close_watched(d, &d->timerfd);
	if (d->epfd >= 0)
		close(d->epfd);
	for (size_t i = 0; i < d->nnames; i++)
		free(d->names[i].name);
	free(d->names);
	free(d->addrs);
	free(d);
}

/*
 * In a forked child of the resolver's owner: its descriptors closed, and nothing else. Never
 * dns_close_watched() here: the epoll instance is the owner's too, and a DEL from the child
 * would take the owner's registration away. The memory is the child's copy, left alone.
 */
void cordon_dns_forget(struct cordon_dns *d)
{
	int *fds[] = { &d->udp4, &d->tcp4, &d->udp6,	&d->tcp6,
		       &d->up4,	 &d->up6,  &d->timerfd, &d->epfd };

	if (!d)
		return;
	for (int i = 0; i < DNS_MAX_TCP; i++)
		if (d->conns[i].fd >= 0)
			close(d->conns[i].fd);
	for (int i = 0; i < DNS_MAX_PENDING; i++)
		if (d->pending[i].up_tcp && d->pending[i].up_fd >= 0)
			close(d->pending[i].up_fd);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

int cordon_dns_fd(const struct cordon_dns *d)
{
	return d->epfd;
}

void cordon_dns_steer(const struct cordon_dns *d, struct cordon_dns_steer *out)
{
	memset(out, 0, sizeof(*out));
	out->addr4 = htonl(INADDR_LOOPBACK);
	out->port4 = htons(d->port4);
	if (d->udp6 >= 0) {
		memcpy(out->addr6, &in6addr_loopback, 16);
		out->port6 = htons(d->port6);
	}
}

void cordon_dns_get_stats(const struct cordon_dns *d, struct cordon_dns_stats *out)
{
	*out = d->st;
}

uint16_t cordon_dns_last_id(const struct cordon_dns *d)
{
	return d->last_id;
}

/* The reply to @c: a datagram back to its sender, or a length-prefixed TCP message. */
static void send_reply(struct cordon_dns *d, const struct dns_client *c, const uint8_t *buf,
		       size_t len)
{
	if (!c->tcp) {
		sendto(c->fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&c->addr, c->alen);
		return;
	}
	if (c->conn < 0 || c->conn >= DNS_MAX_TCP || d->conns[c->conn].fd < 0 ||
	    d->conns[c->conn].gen != c->gen || len > DNS_TCP_MSG_MAX)
		return;
	{
		uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
		struct iovec iov[2] = { { hdr, 2 }, { (void *)buf, len } };
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

		/* A client that does not read its replies loses its connection. */
		if (sendmsg(d->conns[c->conn].fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) !=
		    (ssize_t)(len + 2))
			conn_close(d, &d->conns[c->conn]);
	}
}

static void serve_query(struct cordon_dns *d, const uint8_t *q, size_t len,
			const struct dns_client *c)
{
	uint8_t *out = NULL;
	size_t outlen = 0;

	if (dns_query(d, q, len, c, &out, &outlen) == 0 && out)
		send_reply(d, c, out, outlen);
	free(out);
}

static void on_udp(struct cordon_dns *d, int fd)
{
	uint8_t buf[DNS_TCP_MSG_MAX];

	for (int i = 0; i < 64; i++) {
		struct dns_client c = { .fd = fd, .alen = sizeof(c.addr) };
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&c.addr,
				     &c.alen);

		if (n < 0)
			return;
		serve_query(d, buf, (size_t)n, &c);
	}
}

static void on_upstream(struct cordon_dns *d, int fd)
{
	uint8_t buf[DNS_TCP_MSG_MAX];

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t alen = sizeof(from);
		struct dns_client c;
		uint8_t *out = NULL;
		size_t outlen = 0;
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &alen);

		if (n < 0)
			return;
		if (dns_answer(d, buf, (size_t)n, &from, &c, &out, &outlen) == 0 && out)
			send_reply(d, &c, out, outlen);
		free(out);
	}
}

static void on_accept(struct cordon_dns *d, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int slot = -1;

	if (fd < 0)
		return;
	for (int i = 0; i < DNS_MAX_TCP && slot < 0; i++)
		if (d->conns[i].fd < 0)
			slot = i;
	/* Full: the newest client waits for nothing (it retries); the others keep theirs. */
	if (slot < 0 || watch(d, fd, DNS_EV(DNS_EV_CONN, slot)) < 0) {
		close(fd);
		d->st.dropped_agent++;
		return;
	}
	d->conns[slot].buf = malloc(2 + DNS_TCP_MSG_MAX);
	if (!d->conns[slot].buf) {
		dns_close_watched(d, &fd);
		return;
	}
	d->conns[slot].fd = fd;
	d->conns[slot].len = 0;
	d->conns[slot].idle_deadline_ms = dns_now_ms() + DNS_TCP_IDLE_MS;
}

/* Whole length-prefixed messages, each answered; a partial one waits for more. */
static void on_conn(struct cordon_dns *d, int slot)
{
	struct dns_conn *c = &d->conns[slot];
	ssize_t n;

	if (c->fd < 0)
		return;
	n = read(c->fd, c->buf + c->len, 2 + DNS_TCP_MSG_MAX - c->len);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(d, c);
		return;
	}
	c->len += (size_t)n;
	c->idle_deadline_ms = dns_now_ms() + DNS_TCP_IDLE_MS;
	while (c->fd >= 0 && c->len >= 2) {
		size_t mlen = (size_t)c->buf[0] << 8 | c->buf[1];
		struct dns_client cl = { .tcp = true, .conn = slot, .gen = c->gen };

		if (c->len < 2 + mlen)
			break;
		serve_query(d, c->buf + 2, mlen, &cl);
		if (c->fd < 0)
			break;
		memmove(c->buf, c->buf + 2 + mlen, c->len - 2 - mlen);
		c->len -= 2 + mlen;
	}
}

int dns_tcp_upstream(struct cordon_dns *d, struct dns_pending *p)
{
	const struct sockaddr_storage *to = &d->upstream[p->upstream];
	struct epoll_event ev = { .events = EPOLLOUT,
				  .data.u64 = DNS_EV(DNS_EV_UPTCP, (uint32_t)(p - d->pending)) };
	int fd;

	if (d->epfd < 0)
		return -EOPNOTSUPP;
	fd = sock(to->ss_family, SOCK_STREAM);
	if (fd < 0)
		return fd;
	p->up_buf = malloc(2 + DNS_TCP_MSG_MAX);
	if (!p->up_buf ||
	    (connect(fd, (const struct sockaddr *)to, d->uplen[p->upstream]) < 0 &&
	     errno != EINPROGRESS) ||
	    epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(p->up_buf);
		p->up_buf = NULL;
		return -errno;
	}
	p->up_fd = fd;
	p->up_tcp = true;
	p->up_len = 0;
	p->up_sent = false;
	p->deadline_ms = dns_now_ms() + DNS_UPSTREAM_MS;
	return 0;
}

/* The TCP exchange with an upstream: write the query once connected, then read one answer. */
static void on_upstream_tcp(struct cordon_dns *d, uint32_t slot)
{
	struct dns_pending *p = slot < DNS_MAX_PENDING ? &d->pending[slot] : NULL;
	struct dns_client c;
	uint8_t *q = NULL, *out = NULL;
	size_t qlen = 0, outlen = 0, want;
	ssize_t n;

	if (!p || !p->used || !p->up_tcp)
		return;
	if (!p->up_sent) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u64 = DNS_EV(DNS_EV_UPTCP, slot) };
		uint8_t hdr[2];

		if (dns_upstream_query(p, &q, &qlen) < 0)
			return;
		hdr[0] = (uint8_t)(qlen >> 8);
		hdr[1] = (uint8_t)qlen;
		n = send(p->up_fd, hdr, 2, MSG_NOSIGNAL | MSG_MORE);
		if (n == 2)
			n = send(p->up_fd, q, qlen, MSG_NOSIGNAL);
		free(q);
		/* A failed connect or write: the timer moves on to the next upstream. */
		if (n != (ssize_t)qlen || epoll_ctl(d->epfd, EPOLL_CTL_MOD, p->up_fd, &ev) < 0)
			return;
		p->up_sent = true;
		return;
	}
	n = read(p->up_fd, p->up_buf + p->up_len, 2 + DNS_TCP_MSG_MAX - p->up_len);
	if (n <= 0)
		return;
	p->up_len += (size_t)n;
	if (p->up_len < 2)
		return;
	want = (size_t)p->up_buf[0] << 8 | p->up_buf[1];
	if (p->up_len < 2 + want)
		return;
	/* The connection is to the upstream asked: no source to check. */
	if (dns_answer(d, p->up_buf + 2, want, NULL, &c, &out, &outlen) == 0 && out)
		send_reply(d, &c, out, outlen);
	free(out);
}

/* Every tick: upstreams that did not answer, idle TCP clients, expired addresses. */
static void on_timer(struct cordon_dns *d)
{
	uint64_t now = dns_now_ms(), ticks;

	if (read(d->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (int i = 0; i < DNS_MAX_PENDING; i++) {
		struct dns_pending *p = &d->pending[i];
		struct dns_client c;
		uint8_t *out = NULL;
		size_t outlen = 0;

		if (!p->used || p->deadline_ms > now)
			continue;
		if (p->up_tcp) {
			dns_close_watched(d, &p->up_fd);
			free(p->up_buf);
			p->up_buf = NULL;
			p->up_tcp = false;
		}
		if (p->upstream + 1 < d->nup) {
			p->upstream++;
			p->deadline_ms = now + DNS_UPSTREAM_MS;
			dns_send_upstream(d, p);
			continue;
		}
		if (dns_fail(d, p, &c, &out, &outlen) == 0 && out)
			send_reply(d, &c, out, outlen);
		free(out);
	}
	for (int i = 0; i < DNS_MAX_TCP; i++)
		if (d->conns[i].fd >= 0 && d->conns[i].idle_deadline_ms <= now)
			conn_close(d, &d->conns[i]);
	dns_sweep(d);
}

void cordon_dns_serve(struct cordon_dns *d)
{
	struct epoll_event ev[16];
	int n = epoll_wait(d->epfd, ev, 16, 0);

	for (int i = 0; i < n; i++) {
		uint32_t kind = (uint32_t)(ev[i].data.u64 >> 32), idx = (uint32_t)ev[i].data.u64;

		switch (kind) {
		case DNS_EV_UDP4:
			on_udp(d, d->udp4);
			break;
		case DNS_EV_UDP6:
			on_udp(d, d->udp6);
			break;
		case DNS_EV_TCP4:
			on_accept(d, d->tcp4);
			break;
		case DNS_EV_TCP6:
			on_accept(d, d->tcp6);
			break;
		case DNS_EV_UP4:
			on_upstream(d, d->up4);
			break;
		case DNS_EV_UP6:
			on_upstream(d, d->up6);
			break;
		case DNS_EV_TIMER:
			on_timer(d);
			break;
		case DNS_EV_CONN:
			if (idx < DNS_MAX_TCP)
				on_conn(d, (int)idx);
			break;
		case DNS_EV_UPTCP:
			on_upstream_tcp(d, idx);
			break;
		default:
			break;
		}
	}
}

int cordon_dns_handle_query(struct cordon_dns *d, const uint8_t *q, size_t len, bool tcp,
			    uint8_t **out, size_t *outlen)
{
	struct dns_client c = { .tcp = tcp, .fd = -1, .conn = -1 };

	return dns_query(d, q, len, &c, out, outlen);
}

int cordon_dns_handle_answer(struct cordon_dns *d, const uint8_t *a, size_t len, uint8_t **out,
			     size_t *outlen)
{
	struct dns_client c;

	return dns_answer(d, a, len, NULL, &c, out, outlen);
}
