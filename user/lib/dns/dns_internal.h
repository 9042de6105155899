/* SPDX-License-Identifier: GPL-2.0-only */
/* The resolver's state, shared by its message handling (dns_msg.c) and its sockets (dns.c). */
#ifndef CORDON_DNS_INTERNAL_H
#define CORDON_DNS_INTERNAL_H

#include <sys/socket.h>
#include "dns/dns_ldns.h"

#include "dns/dns.h"

#define DNS_MAX_PENDING	  256
#define DNS_MAX_TCP	  16
#define DNS_MAX_UPSTREAMS 3
#define DNS_MAX_ADDRS	  4096 /* answered addresses remembered per session */
#define DNS_UPSTREAM_MS	  1500 /* per upstream, before the next one is asked */
#define DNS_TCP_IDLE_MS	  10000
#define DNS_UPSTREAM_EDNS 1232 /* the UDP size cordon advertises: no IP fragmentation */
#define DNS_TCP_MSG_MAX	  65535
#define DNS_REPORTS_PER_S 50 /* refused hook calls a second; the rest are only counted */

/* What an event of the resolver's epoll set is about: the kind in the high half, an index
 * (a connection's or a pending query's slot) in the low half. */
enum {
	DNS_EV_UDP4 = 1,
	DNS_EV_TCP4,
	DNS_EV_UDP6,
	DNS_EV_TCP6,
	DNS_EV_UP4,
	DNS_EV_UP6,
	DNS_EV_TIMER,
	DNS_EV_CONN,
	DNS_EV_UPTCP
};

#define DNS_EV(kind, i) (((uint64_t)(kind) << 32) | (uint32_t)(i))

/* Who asked: a datagram's sender on a listener, or a TCP connection (its generation). */
struct dns_client {
	bool tcp;
	int fd; /* UDP: the listener the query came in on */
	struct sockaddr_storage addr;
	socklen_t alen;
	int conn; /* TCP: index in conns */
	uint32_t gen;
};

struct dns_pending {
	bool used;
	uint16_t up_id, client_id;
	uint16_t qtype;
	bool rd, cd, edns;
	uint16_t client_size; /* UDP: the largest reply the client takes */
	ldns_rr *question;    /* the client's question, in its case */
	char name[256];	      /* lowercase, printable */
	size_t rule;	      /* index in names */
	int upstream;	      /* index of the upstream asked */
	uint64_t deadline_ms;
	struct dns_client client;
	/* A truncated UDP answer: the question again over TCP to the same upstream. */
	bool up_tcp;  /* up_fd is open */
	bool up_sent; /* the query was written */
	int up_fd;
	uint8_t *up_buf; /* 2-byte length then the answer */
	size_t up_len;
};

/* An address the resolver answered, for expiry and for naming it in records. */
struct dns_addr {
	uint8_t addr[16];
	uint64_t expires_ns; /* CLOCK_BOOTTIME */
	struct cordon_net_rule rule;
	char name[256];
};

struct dns_conn {
	int fd; /* -1: free */
	uint32_t gen;
	uint8_t *buf; /* 2-byte length then the message */
	size_t len;
	uint64_t idle_deadline_ms;
};

struct cordon_dns {
	uint32_t session;
	struct pol_dns_name *names;
	size_t nnames;
	uint32_t max_label, max_labels, ttl_floor_s, grace_s;
	struct cordon_dns_hooks hooks;
	int epfd, timerfd;
	int udp4, tcp4, udp6, tcp6;
	uint16_t port4, port6; /* host byte order */
	int up4, up6;
	struct sockaddr_storage upstream[DNS_MAX_UPSTREAMS];
	socklen_t uplen[DNS_MAX_UPSTREAMS];
	int nup;
	struct dns_pending pending[DNS_MAX_PENDING];
	uint16_t last_id;
	struct dns_conn conns[DNS_MAX_TCP];
	struct dns_addr *addrs;
	size_t naddrs;
	struct cordon_dns_stats st;
	uint64_t report_s; /* the second the reports below were made in */
	uint32_t reported;
};

uint64_t dns_now_ms(void);
uint64_t dns_boot_ns(void);

/*
 * A query from @c: 0 with a reply in *out (refused, failed), 1 when it went upstream (the
 * reply comes with the answer), or -EBADMSG when it was dropped (counted).
 */
int dns_query(struct cordon_dns *d, const uint8_t *q, size_t len, const struct dns_client *c,
	      uint8_t **out, size_t *outlen);
/*
 * An upstream packet from @from: 0 with the reply for the pending query's client in *out
 * and its client in *c, or -EBADMSG when it was dropped (counted).
 */
int dns_answer(struct cordon_dns *d, const uint8_t *a, size_t len,
	       const struct sockaddr_storage *from, struct dns_client *c, uint8_t **out,
	       size_t *outlen);
/* SERVFAIL for pending query @p (no upstream answered), freeing it; its client in *c. */
int dns_fail(struct cordon_dns *d, struct dns_pending *p, struct dns_client *c, uint8_t **out,
	     size_t *outlen);
/* Send pending query @p to upstream p->upstream: 0 or -errno. */
int dns_send_upstream(struct cordon_dns *d, struct dns_pending *p);
/* Its wire form (allocated): a fresh query holding the name and type only. 0 or -ENOMEM. */
int dns_upstream_query(const struct dns_pending *p, uint8_t **out, size_t *len);
/* Ask p->upstream again over TCP (dns.c): 0, or -errno (then the truncated answer is relayed). */
int dns_tcp_upstream(struct cordon_dns *d, struct dns_pending *p);
void dns_pending_free(struct cordon_dns *d, struct dns_pending *p);
/* Close *@fd (then -1), out of the resolver's epoll set first (dns.c). */
void dns_close_watched(struct cordon_dns *d, int *fd);
/* Drop expired allow entries. */
void dns_sweep(struct cordon_dns *d);

#endif /* CORDON_DNS_INTERNAL_H */
