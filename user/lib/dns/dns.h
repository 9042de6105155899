/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The session's resolver: the only DNS server a session's DNS reaches (the cgroup programs
 * steer it here). It answers only the names the policy allows, forwards them upstream, and
 * writes each answered address into the session's allow map before the agent sees the answer.
 */
#ifndef CORDON_DNS_H
#define CORDON_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps.h"
#include "compile/compile.h"

/* Why a query was not answered from upstream: dns-refused records carry it (cordon.reason). */
enum cordon_dns_reason {
	CORDON_DNS_NOT_ALLOWED,	 /* no rule names the host, nor a wildcard above it */
	CORDON_DNS_TYPE,	 /* a record type the policy does not need (TXT, NULL, ANY, ...) */
	CORDON_DNS_LABEL_LENGTH, /* a label under a wildcard longer than allowed */
	CORDON_DNS_LABEL_COUNT,	 /* more labels under a wildcard than allowed */
	CORDON_DNS_BAD_NAME,	 /* bytes no host name has */
	CORDON_DNS_NO_UPSTREAM,	 /* no nameserver configured: resolv.conf missing or empty */
	CORDON_DNS_UPSTREAM_FAILED, /* no upstream answered in time */
};

const char *cordon_dns_reason_name(enum cordon_dns_reason r);

/* The callbacks' context: how the resolver reaches the BPF maps and the audit stream. */
struct cordon_dns_hooks {
	/* Allow @k until a->expires_ns (CLOCK_BOOTTIME): 0 or -errno (then the answer is not
	 * relayed: an address the agent could not connect to is not handed out). */
	int (*allow)(void *ctx, const struct cordon_dns_key *k, const struct cordon_dns_addr *a);
	/* The entry of @k expired: drop it (best effort). */
	void (*forget)(void *ctx, const struct cordon_dns_key *k);
	void *map_ctx; /* of allow and forget */
	/* A query not answered from upstream: @name (printable, lowercase), its type. */
	void (*refused)(void *ctx, const char *name, uint16_t qtype, enum cordon_dns_reason why);
	void *ctx; /* of refused */
};

struct cordon_dns_opts {
	uint32_t session;		  /* cordon_session.id: the dns_addrs key */
	const struct pol_dns_name *names; /* copied */
	size_t nnames;
	uint32_t max_label, max_labels; /* limits under wildcards; 0: the defaults */
	const char *resolv_conf;	/* NULL: cordon_resolv_conf() */
	uint32_t ttl_floor_s;		/* 0: CORDON_DNS_TTL_FLOOR_S */
	uint32_t grace_s;		/* 0: CORDON_DNS_GRACE_S */
	bool no_sockets;		/* tests and fuzzing: no listeners, no upstream sockets */
	struct cordon_dns_hooks hooks;
};

#define CORDON_DNS_TTL_FLOOR_S 5    /* a 0-second TTL still lets the connect that follows through */
#define CORDON_DNS_GRACE_S     10   /* after the TTL: a client may connect just as it expires */
#define CORDON_DNS_TTL_MAX_S   3600 /* longer TTLs are shortened, in the map and in the answer */

struct cordon_dns_stats {
	uint64_t queries;	   /* well-formed queries from the session */
	uint64_t forwarded;	   /* sent upstream */
	uint64_t answered;	   /* upstream answers relayed */
	uint64_t refused;	   /* REFUSED locally (each also a refused hook call) */
	uint64_t local;		   /* answered locally: localhost names (RFC 6761, 6303) */
	uint64_t servfail;	   /* SERVFAIL: no upstream, or none answered */
	uint64_t dropped_agent;	   /* unparsable or hostile packets from the session */
	uint64_t dropped_upstream; /* unparsable, unexpected or mismatched upstream packets */
	uint64_t addrs;		   /* addresses written to the allow map */
	uint64_t expired;	   /* entries swept after their expiry */
	uint64_t unreported;	   /* refusals past the records' rate limit (a flood) */
};

struct cordon_dns;

/*
 * libldns (dns_ldns.h), the resolver's library, loaded ahead in a thread of its own, so that it
 * overlaps the caller's other work (a launch: ~1 ms of libcrypto's relocations, on the other CPU). Its result is the one
 * cordon_ldns_load() returns later, which waits for it: a library that cannot be loaded still
 * fails the resolver, and the session, where it did before. 0 when started (or nothing to do),
 * -errno when no thread could be made (the load then happens at first use, as without this).
 *
 * The caller must call cordon_ldns_preload_wait() (or cordon_ldns_load) before it forks: a child
 * forked while the thread is in the dynamic loader would inherit the loader's lock held by a
 * thread it does not have, and deadlock at its first dlopen (NSS loads modules that way).
 */
int cordon_ldns_preload(void);
void cordon_ldns_preload_wait(void);

/*
 * The resolver of one session: listeners on 127.0.0.1 (and ::1 where it exists), UDP and TCP
 * on one port each, and sockets to the upstreams of the resolv.conf. A missing or empty
 * resolv.conf is not an error: every allowed name then fails with a record. 0 or -errno.
 */
int cordon_dns_open(const struct cordon_dns_opts *o, struct cordon_dns **out);
void cordon_dns_close(struct cordon_dns *d);
/* In a forked child of the resolver's owner: close its descriptors only (see dns.c). */
void cordon_dns_forget(struct cordon_dns *d);

/* One descriptor, readable when the resolver has work: poll/epoll it, then serve. */
int cordon_dns_fd(const struct cordon_dns *d);

/* Do all the work that is ready, without blocking (a supervisor's or epoll loop's callback). */
void cordon_dns_serve(struct cordon_dns *d);

/* Where it listens, for the session's dns_steer entry. */
void cordon_dns_steer(const struct cordon_dns *d, struct cordon_dns_steer *out);

/* The name whose answer allowed @addr (IPv6 or IPv4-mapped), NULL when none did. */
const char *cordon_dns_name_of(const struct cordon_dns *d, const uint8_t addr[16]);

void cordon_dns_get_stats(const struct cordon_dns *d, struct cordon_dns_stats *out);

/* The resolv.conf cordon forwards to: $CORDON_RESOLV_CONF for root (tests), else /etc's. */
const char *cordon_resolv_conf(void);

/* A record type's name ("A", "TXT", "TYPE65534") into @buf. */
void cordon_dns_type_name(uint16_t type, char *buf, size_t len);

struct cordon_session_ctx;
struct pol_maps;

/*
 * The resolver of session @s (programs of its own or the daemon's): its names and limits from
 * @m, hooks writing s->bpf's dns_addrs, the rest of @base (refused hook, times). The session's
 * dns_steer entry is written once it listens: from then on its DNS comes here. 0 or -errno.
 */
int cordon_session_dns_open(struct cordon_session_ctx *s, const struct pol_maps *m,
			    const struct cordon_dns_opts *base, struct cordon_dns **out);

/*
 * Message handling without sockets (tests, fuzzing): a query from the session in @q, the
 * reply to send back (if any) in @out (caller frees with free()), and an upstream answer.
 * cordon_dns_last_id() is the id of the newest query sent upstream (0: none pending).
 */
int cordon_dns_handle_query(struct cordon_dns *d, const uint8_t *q, size_t len, bool tcp,
			    uint8_t **out, size_t *outlen);
int cordon_dns_handle_answer(struct cordon_dns *d, const uint8_t *a, size_t len, uint8_t **out,
			     size_t *outlen);
uint16_t cordon_dns_last_id(const struct cordon_dns *d);

#endif /* CORDON_DNS_H */
