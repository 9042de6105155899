// SPDX-License-Identifier: GPL-2.0-only
/*
 * The resolver's decisions on messages, parsed and built by ldns: which queries are answered
 * (allowed names, record types, limits under wildcards), what goes upstream (a fresh query
 * holding only the name and type), and which answered addresses enter the allow map before the
 * answer is relayed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns_internal.h"

#define CNAME_CHAIN_MAX 8

uint64_t dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t dns_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *cordon_dns_reason_name(enum cordon_dns_reason r)
{
	static const char *const names[] = {
		[CORDON_DNS_NOT_ALLOWED] = "not-allowed",
		[CORDON_DNS_TYPE] = "record-type",
		[CORDON_DNS_LABEL_LENGTH] = "label-length",
		[CORDON_DNS_LABEL_COUNT] = "label-count",
		[CORDON_DNS_BAD_NAME] = "bad-name",
		[CORDON_DNS_NO_UPSTREAM] = "no-upstream",
		[CORDON_DNS_UPSTREAM_FAILED] = "upstream-failed",
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) && names[r] ? names[r] : "unknown";
}

/*
 * A wire-format name (ldns's rdf) as lowercase dotted text, without the root's dot. Only the
 * bytes of host names (letters, digits, '-', '_') pass: anything else is refused, so a label
 * cannot smuggle binary data or a '.' inside it. 0, or -EINVAL.
 */
static int name_text(const ldns_rdf *rdf, char *out, size_t outsz, size_t *labels)
{
	const uint8_t *w = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf), i = 0, o = 0;

	*labels = 0;
	if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -EINVAL;
	while (i < n && w[i]) {
		size_t len = w[i++];

		if (len > 63 || i + len > n || o + len + 2 > outsz)
			return -EINVAL;
		if (o)
			out[o++] = '.';
		for (size_t k = 0; k < len; k++) {
			uint8_t c = w[i + k];

			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_'))
				return -EINVAL;
			out[o++] = (char)c;
		}
		i += len;
		(*labels)++;
	}
	if (i >= n || !o)
		return -EINVAL;
	out[o] = 0;
	return 0;
}

/* Labels left of a wildcard's suffix: none longer than max_label, at most max_labels. */
static int check_wildcard(const struct cordon_dns *d, const char *name, const char *suffix,
			  enum cordon_dns_reason *why)
{
	size_t n = strlen(name), s = strlen(suffix), labels = 1, len = 0;

	/* pol_dns_match() matched: @name is "<below>.<suffix>", <below> not empty. */
	if (n <= s + 1)
		return 0;
	for (size_t i = 0; i < n - s - 1; i++) {
		if (name[i] != '.') {
			if (++len > d->max_label) {
				*why = CORDON_DNS_LABEL_LENGTH;
				return -EPERM;
			}
			continue;
		}
		labels++;
		len = 0;
	}
	if (labels > d->max_labels) {
		*why = CORDON_DNS_LABEL_COUNT;
		return -EPERM;
	}
	return 0;
}

/* Record types a connect needs: addresses and the aliases leading to them. */
static bool type_allowed(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA || t == LDNS_RR_TYPE_CNAME;
}

static int wire(ldns_pkt *p, uint8_t **out, size_t *outlen)
{
	return ldns_pkt2wire(out, p, outlen) == LDNS_STATUS_OK ? 0 : -ENOMEM;
}

/* A reply of our own to @q (its id, question and flags) with @rcode. */
static int reply_rcode(const ldns_pkt *q, uint8_t rcode, uint8_t **out, size_t *outlen)
{
	ldns_pkt *r = ldns_pkt_new();
	const ldns_rr_list *ql = ldns_pkt_question(q);
	int e;

	if (!r)
		return -ENOMEM;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, rcode);
	if (ql && ldns_rr_list_rr_count(ql) == 1)
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(ql, 0)));
	if (ldns_pkt_edns(q))
		ldns_pkt_set_edns_udp_size(r, DNS_UPSTREAM_EDNS);
	e = wire(r, out, outlen);
	ldns_pkt_free(r);
	return e;
}

/*
 * A refusal is reported (a dns-refused record) at most DNS_REPORTS_PER_S times a second: a
 * session looping over names cannot flood the audit log; what is cut is counted.
 */
static void report(struct cordon_dns *d, const char *name, uint16_t type,
		   enum cordon_dns_reason why)
{
	uint64_t s = dns_now_ms() / 1000;

	if (!d->hooks.refused)
		return;
	if (s != d->report_s) {
		d->report_s = s;
		d->reported = 0;
	}
	if (d->reported >= DNS_REPORTS_PER_S) {
		d->st.unreported++;
		return;
	}
	d->reported++;
	d->hooks.refused(d->hooks.ctx, name, type, why);
}

static int refuse(struct cordon_dns *d, const ldns_pkt *q, const char *name, uint16_t type,
		  enum cordon_dns_reason why, uint8_t **out, size_t *outlen)
{
	bool fail = why == CORDON_DNS_NO_UPSTREAM || why == CORDON_DNS_UPSTREAM_FAILED;

	if (fail)
		d->st.servfail++;
	else
		d->st.refused++;
	report(d, name, type, why);
	return reply_rcode(q, fail ? LDNS_RCODE_SERVFAIL : LDNS_RCODE_REFUSED, out, outlen);
}

/* Does @name end in the labels of @zone (or is it @zone)? */
static bool in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), l = strlen(zone);

	return n >= l && !strcmp(name + n - l, zone) && (n == l || name[n - l - 1] == '.');
}

/* The reverse name of ::1 (RFC 6303's locally served zone), lowercase, without the root. */
#define DNS_V6_LOOPBACK_PTR \
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"

/*
 * Names the resolver answers itself: "localhost" and every name below it (RFC 6761, 6.3), and
 * the reverse names of the loopback addresses (RFC 6303), which *ptr is set for.
 */
static bool is_localhost(const char *name, bool *ptr)
{
	*ptr = in_zone(name, "127.in-addr.arpa") || !strcmp(name, DNS_V6_LOOPBACK_PTR);
	return *ptr || in_zone(name, "localhost");
}

/* The answer's data for a localhost question of type @t, or NULL (no data). */
static ldns_rdf *localhost_rdata(ldns_rr_type t, bool ptr)
{
	static const uint8_t v4[4] = { 127, 0, 0, 1 };
	static const uint8_t v6[16] = { [15] = 1 };

	if (ptr)
		return t == LDNS_RR_TYPE_PTR ? ldns_dname_new_frm_str("localhost.") : NULL;
	if (t == LDNS_RR_TYPE_A)
		return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, sizeof(v4), v4);
	if (t == LDNS_RR_TYPE_AAAA)
		return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, sizeof(v6), v6);
	return NULL;
}

/*
 * RFC 6761 and 6303: a resolver answers localhost names and loopback reverse names itself,
 * never upstream — A 127.0.0.1, AAAA ::1, PTR localhost, and no data for other types. Refusing
 * them (the policy names no such host) made every getaddrinfo("localhost") whose /etc/hosts
 * lacks a line for ::1, and every getfqdn("::1") (`python3 -m http.server`), a refusal at exit.
 * Nothing enters the allow map: a connect to loopback is still judged by the policy's own
 * loopback rules, so the answer opens no port. 0 with the reply in *out, or -ENOMEM.
 */
static int reply_localhost(struct cordon_dns *d, const ldns_pkt *q, const ldns_rr *question,
			   bool ptr, uint8_t **out, size_t *outlen)
{
	ldns_rr_type t = ldns_rr_get_type(question);
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr *rr = NULL;
	ldns_rdf *rd = NULL;
	int e = -ENOMEM;

	if (!r)
		return -ENOMEM;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, LDNS_RCODE_NOERROR);
	rr = ldns_rr_clone(question);
	if (!rr || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, rr))
		goto out;
	rr = NULL;
	if (ldns_pkt_edns(q))
		ldns_pkt_set_edns_udp_size(r, DNS_UPSTREAM_EDNS);
	if (ldns_rr_get_class(question) == LDNS_RR_CLASS_IN && (rd = localhost_rdata(t, ptr))) {
		rr = ldns_rr_new();
		if (!rr)
			goto out;
		ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(question)));
		ldns_rr_set_type(rr, t);
		ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
		ldns_rr_set_ttl(rr, 0);
		if (!ldns_rr_owner(rr) || !ldns_rr_push_rdf(rr, rd))
			goto out;
		rd = NULL;
		if (!ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr))
			goto out;
		rr = NULL;
	}
	e = wire(r, out, outlen);
	if (!e)
		d->st.local++;
out:
	ldns_rdf_deep_free(rd);
	ldns_rr_free(rr);
	ldns_pkt_free(r);
	return e;
}

static struct dns_pending *pending_new(struct cordon_dns *d)
{
	for (size_t i = 0; i < DNS_MAX_PENDING; i++)
		if (!d->pending[i].used)
			return &d->pending[i];
	return NULL;
}

void dns_pending_free(struct cordon_dns *d, struct dns_pending *p)
{
	if (p->question)
		ldns_rr_free(p->question);
	if (p->up_tcp)
		dns_close_watched(d, &p->up_fd);
	free(p->up_buf);
	memset(p, 0, sizeof(*p));
}

/* A well-formed query: one question, opcode QUERY, no records of its own. */
static bool query_shape_ok(const ldns_pkt *q)
{
	return !ldns_pkt_qr(q) && ldns_pkt_get_opcode(q) == LDNS_PACKET_QUERY &&
	       ldns_pkt_qdcount(q) == 1 && ldns_pkt_ancount(q) == 0 && ldns_pkt_nscount(q) == 0 &&
	       ldns_rr_list_rr_count(ldns_pkt_question(q)) == 1;
}

/* The policy's verdict on a question; the rule that allows it in *rule. */
static int judge(struct cordon_dns *d, const char *name, ldns_rr_type type, ldns_rr_class cls,
		 size_t *rule, enum cordon_dns_reason *why)
{
	const struct pol_dns_name *e;
	bool wild = false;

	e = pol_dns_match(d->names, d->nnames, name, &wild);
	/* A public DoH service is reached only by a rule naming it, never through a wildcard. */
	if (!e || (wild && pol_dns_is_doh_name(name))) {
		*why = CORDON_DNS_NOT_ALLOWED;
		return -EPERM;
	}
	if (cls != LDNS_RR_CLASS_IN || !type_allowed(type)) {
		*why = CORDON_DNS_TYPE;
		return -EPERM;
	}
	if (wild && check_wildcard(d, name, e->name, why) < 0)
		return -EPERM;
	*rule = (size_t)(e - d->names);
	return 0;
}

/* Fill @p from query @q and send it upstream. 1, or 0 with a reply in *out (failure). */
static int forward(struct cordon_dns *d, const ldns_pkt *q, struct dns_pending *p,
		   const struct dns_client *c, uint8_t **out, size_t *outlen)
{
	const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	uint16_t size = ldns_pkt_edns_udp_size(q);

	p->used = true;
	p->client = *c;
	p->client_id = ldns_pkt_id(q);
	p->qtype = (uint16_t)ldns_rr_get_type(rr);
	p->rd = ldns_pkt_rd(q);
	p->cd = ldns_pkt_cd(q);
	p->edns = ldns_pkt_edns(q);
	p->client_size = p->edns ? (size < 512 ? 512 : size) : 512;
	p->question = ldns_rr_clone(rr);
	if (!p->question || getrandom(&p->up_id, sizeof(p->up_id), 0) != sizeof(p->up_id)) {
		dns_pending_free(d, p);
		return reply_rcode(q, LDNS_RCODE_SERVFAIL, out, outlen);
	}
	p->upstream = 0;
	p->deadline_ms = dns_now_ms() + DNS_UPSTREAM_MS;
	d->last_id = p->up_id;
	d->st.forwarded++;
	/* A send that fails now is retried on the next upstream by the timer. */
	dns_send_upstream(d, p);
	return 1;
}

int dns_query(struct cordon_dns *d, const uint8_t *q, size_t len, const struct dns_client *c,
	      uint8_t **out, size_t *outlen)
{
	enum cordon_dns_reason why = CORDON_DNS_NOT_ALLOWED;
	ldns_pkt *pkt = NULL;
	struct dns_pending *p;
	const ldns_rr *rr;
	char name[256] = { 0 };
	size_t labels, rule = 0;
	bool ptr = false;
	int r;

	*out = NULL;
	if (len < 12 || ldns_wire2pkt(&pkt, q, len) != LDNS_STATUS_OK) {
		d->st.dropped_agent++;
		return -EBADMSG;
	}
	if (!query_shape_ok(pkt)) {
		d->st.dropped_agent++;
		ldns_pkt_free(pkt);
		return -EBADMSG;
	}
	d->st.queries++;
	rr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (name_text(ldns_rr_owner(rr), name, sizeof(name), &labels) < 0) {
		/* The name is not printable as it is: the record says so, not what it was. */
		r = refuse(d, pkt, "(not a host name)", (uint16_t)ldns_rr_get_type(rr),
			   CORDON_DNS_BAD_NAME, out, outlen);
	} else if (is_localhost(name, &ptr)) {
		r = reply_localhost(d, pkt, rr, ptr, out, outlen);
	} else if (judge(d, name, ldns_rr_get_type(rr), ldns_rr_get_class(rr), &rule, &why) < 0) {
		r = refuse(d, pkt, name, (uint16_t)ldns_rr_get_type(rr), why, out, outlen);
	} else if (!d->nup) {
		r = refuse(d, pkt, name, (uint16_t)ldns_rr_get_type(rr), CORDON_DNS_NO_UPSTREAM,
			   out, outlen);
	} else if (!(p = pending_new(d))) {
		d->st.servfail++;
		r = reply_rcode(pkt, LDNS_RCODE_SERVFAIL, out, outlen);
	} else {
		memcpy(p->name, name, sizeof(p->name));
		p->rule = rule;
		r = forward(d, pkt, p, c, out, outlen);
	}
	ldns_pkt_free(pkt);
	return r;
}

int dns_upstream_query(const struct dns_pending *p, uint8_t **out, size_t *len)
{
	ldns_rdf *qname = ldns_rdf_clone(ldns_rr_owner(p->question));
	ldns_pkt *q;
	int e;

	if (!qname)
		return -ENOMEM;
	/* A fresh query: the name and type only, nothing else the agent put in its own. */
	q = ldns_pkt_query_new(qname, (ldns_rr_type)p->qtype, LDNS_RR_CLASS_IN, LDNS_RD);
	if (!q)
		return -ENOMEM;
	ldns_pkt_set_id(q, p->up_id);
	ldns_pkt_set_cd(q, p->cd);
	ldns_pkt_set_edns_udp_size(q, DNS_UPSTREAM_EDNS);
	e = wire(q, out, len);
	ldns_pkt_free(q);
	return e;
}

int dns_send_upstream(struct cordon_dns *d, struct dns_pending *p)
{
	const struct sockaddr_storage *to = &d->upstream[p->upstream];
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = to->ss_family == AF_INET6 ? d->up6 : d->up4;

	if (dns_upstream_query(p, &buf, &len) < 0)
		return -ENOMEM;
	if (fd < 0) {
		free(buf);
		return -EAFNOSUPPORT;
	}
	n = sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)to, d->uplen[p->upstream]);
	free(buf);
	return n < 0 ? -errno : 0;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

/* The pending query this upstream packet answers, or NULL. */
static struct dns_pending *match_pending(struct cordon_dns *d, const ldns_pkt *a,
					 const struct sockaddr_storage *from)
{
	const ldns_rr_list *ql = ldns_pkt_question(a);
	const ldns_rr *rr;

	if (!ldns_pkt_qr(a) || ldns_pkt_qdcount(a) != 1 || !ql || ldns_rr_list_rr_count(ql) != 1)
		return NULL;
	rr = ldns_rr_list_rr(ql, 0);
	for (size_t i = 0; i < DNS_MAX_PENDING; i++) {
		struct dns_pending *p = &d->pending[i];

		if (!p->used || p->up_id != ldns_pkt_id(a) ||
		    (uint16_t)ldns_rr_get_type(rr) != p->qtype ||
		    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(p->question)) != 0)
			continue;
		if (from && !same_addr(from, &d->upstream[p->upstream]))
			continue;
		return p;
	}
	return NULL;
}

static struct dns_addr *addr_slot(struct cordon_dns *d, const uint8_t a[16])
{
	struct dns_addr *v;

	for (size_t i = 0; i < d->naddrs; i++)
		if (!memcmp(d->addrs[i].addr, a, 16))
			return &d->addrs[i];
	if (d->naddrs >= DNS_MAX_ADDRS) {
		/* Full: an expired entry (kept only to name its address) makes room. */
		for (size_t i = 0; i < d->naddrs; i++)
			if (!d->addrs[i].expires_ns) {
				memset(&d->addrs[i], 0, sizeof(d->addrs[i]));
				memcpy(d->addrs[i].addr, a, 16);
				return &d->addrs[i];
			}
		return NULL;
	}
	v = realloc(d->addrs, (d->naddrs + 1) * sizeof(*v));
	if (!v)
		return NULL;
	d->addrs = v;
	v = &v[d->naddrs++];
	memset(v, 0, sizeof(*v));
	memcpy(v->addr, a, 16);
	return v;
}

/* Union of port ranges (two names on one address keep both their ports), at most the map's. */
static void merge_rule(struct cordon_net_rule *into, const struct cordon_net_rule *from)
{
	for (uint32_t i = 0; i < from->count && i < CORDON_NET_PORT_RANGES; i++) {
		bool have = false;

		for (uint32_t j = 0; j < into->count; j++)
			have = have ||
			       !memcmp(&into->ranges[j], &from->ranges[i], sizeof(from->ranges[i]));
		if (!have && into->count < CORDON_NET_PORT_RANGES)
			into->ranges[into->count++] = from->ranges[i];
	}
}

/* Allow @addr for the ports of @p's rule until its TTL (floored, capped) plus grace. */
static int allow_addr(struct cordon_dns *d, const struct dns_pending *p, const uint8_t addr[16],
		      uint32_t ttl)
{
	struct cordon_dns_key k = { .session = d->session };
	struct cordon_dns_addr v = { 0 };
	struct dns_addr *e = addr_slot(d, addr);
	uint64_t exp;
	int r;

	if (!e)
		return -ENOSPC;
	if (ttl < d->ttl_floor_s)
		ttl = d->ttl_floor_s;
	exp = dns_boot_ns() + (uint64_t)(ttl + d->grace_s) * 1000000000ull;
	if (exp > e->expires_ns)
		e->expires_ns = exp;
	merge_rule(&e->rule, &d->names[p->rule].rule);
	snprintf(e->name, sizeof(e->name), "%s", p->name);
	memcpy(k.addr, addr, 16);
	v.rule = e->rule;
	v.expires_ns = e->expires_ns;
	r = d->hooks.allow ? d->hooks.allow(d->hooks.map_ctx, &k, &v) : 0;
	if (r == 0)
		d->st.addrs++;
	return r;
}

/* @rr's address as IPv6 or IPv4-mapped; false when it has none. */
static bool rr_addr(const ldns_rr *rr, uint8_t out[16])
{
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);

	if (!rd)
		return false;
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(rd) == 4) {
		cordon_addr_v4mapped(out, ldns_rdf_data(rd));
		return true;
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(rd) == 16) {
		memcpy(out, ldns_rdf_data(rd), 16);
		return true;
	}
	return false;
}

/*
 * The records of the answer that answer the question: the CNAME chain from the asked name and
 * the addresses at its names, each address allowed before the reply exists. Other records
 * (other owners, other types, the authority and additional sections) are not relayed.
 */
static int copy_answers(struct cordon_dns *d, const struct dns_pending *p, const ldns_pkt *a,
			ldns_pkt *r)
{
	const ldns_rr_list *an = ldns_pkt_answer(a);
	const ldns_rdf *chain[CNAME_CHAIN_MAX + 1] = { ldns_rr_owner(p->question) };
	size_t nchain = 1, n = an ? ldns_rr_list_rr_count(an) : 0;
	bool grew = true;
	int e = 0;

	/* Chains may come in any order: walk until no new alias is found. */
	while (grew && nchain <= CNAME_CHAIN_MAX) {
		grew = false;
		for (size_t i = 0; i < n && nchain <= CNAME_CHAIN_MAX; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);
			const ldns_rdf *target = ldns_rr_rdf(rr, 0);
			bool seen = false;

			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || !target ||
			    ldns_dname_compare(ldns_rr_owner(rr), chain[nchain - 1]) != 0)
				continue;
			for (size_t c = 0; c < nchain; c++)
				seen = seen || !ldns_dname_compare(chain[c], target);
			if (!seen) {
				chain[nchain++] = target;
				grew = true;
			}
		}
	}
	for (size_t i = 0; !e && i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		bool on_chain = false;
		uint8_t addr[16];
		uint32_t ttl = ldns_rr_ttl(rr);
		ldns_rr *copy;

		for (size_t c = 0; c < nchain; c++)
			on_chain = on_chain || !ldns_dname_compare(ldns_rr_owner(rr), chain[c]);
		if (!on_chain || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    (t != LDNS_RR_TYPE_CNAME && t != (ldns_rr_type)p->qtype))
			continue;
		if (ttl > CORDON_DNS_TTL_MAX_S)
			ttl = CORDON_DNS_TTL_MAX_S;
		if (t != LDNS_RR_TYPE_CNAME) {
			if (!rr_addr(rr, addr))
				continue;
			e = allow_addr(d, p, addr, ttl);
			if (e < 0)
				break;
		}
		copy = ldns_rr_clone(rr);
		if (!copy)
			return -ENOMEM;
		ldns_rr_set_ttl(copy, ttl);
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, copy);
	}
	return e;
}

/* The client's reply to @a: its id and question, the answers that may pass, sized for it. */
static int build_reply(struct cordon_dns *d, const struct dns_pending *p, const ldns_pkt *a,
		       uint8_t **out, size_t *outlen)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(a);
	ldns_pkt *r = ldns_pkt_new();
	int e = 0;

	if (!r)
		return -ENOMEM;
	ldns_pkt_set_id(r, p->client_id);
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_rd(r, p->rd);
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_tc(r, ldns_pkt_tc(a));
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(p->question));
	if (p->edns)
		ldns_pkt_set_edns_udp_size(r, DNS_UPSTREAM_EDNS);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
		rc = LDNS_RCODE_SERVFAIL;
	if (rc == LDNS_RCODE_NOERROR)
		e = copy_answers(d, p, a, r);
	/* An address that could not be allowed is not handed out: the lookup fails instead. */
	if (e < 0) {
		ldns_rr_list_deep_free(ldns_pkt_answer(r));
		ldns_pkt_set_answer(r, ldns_rr_list_new());
		ldns_pkt_set_ancount(r, 0);
		rc = LDNS_RCODE_SERVFAIL;
	}
	ldns_pkt_set_rcode(r, (uint8_t)rc);
	e = wire(r, out, outlen);
	/* Too big for the client's datagram: truncated, so that it asks again over TCP. */
	if (e == 0 && !p->client.tcp && *outlen > p->client_size) {
		free(*out);
		*out = NULL;
		ldns_rr_list_deep_free(ldns_pkt_answer(r));
		ldns_pkt_set_answer(r, ldns_rr_list_new());
		ldns_pkt_set_ancount(r, 0);
		ldns_pkt_set_tc(r, true);
		e = wire(r, out, outlen);
	}
	ldns_pkt_free(r);
	return e;
}

int dns_answer(struct cordon_dns *d, const uint8_t *a, size_t len,
	       const struct sockaddr_storage *from, struct dns_client *c, uint8_t **out,
	       size_t *outlen)
{
	struct dns_pending *p;
	ldns_pkt *pkt = NULL;
	int e;

	*out = NULL;
	if (len < 12 || ldns_wire2pkt(&pkt, a, len) != LDNS_STATUS_OK) {
		d->st.dropped_upstream++;
		return -EBADMSG;
	}
	p = match_pending(d, pkt, from);
	if (!p) {
		d->st.dropped_upstream++;
		ldns_pkt_free(pkt);
		return -EBADMSG;
	}
	/* Truncated over UDP: the whole answer over TCP, as a stub resolver would ask for it. */
	if (ldns_pkt_tc(pkt) && !p->up_tcp && from && dns_tcp_upstream(d, p) == 0) {
		ldns_pkt_free(pkt);
		return 1;
	}
	e = build_reply(d, p, pkt, out, outlen);
	ldns_pkt_free(pkt);
	*c = p->client;
	d->st.answered++;
	dns_pending_free(d, p);
	return e;
}

int dns_fail(struct cordon_dns *d, struct dns_pending *p, struct dns_client *c, uint8_t **out,
	     size_t *outlen)
{
	ldns_pkt *q = ldns_pkt_new();
	int e = -ENOMEM;

	*out = NULL;
	*c = p->client;
	d->st.servfail++;
	report(d, p->name, p->qtype, CORDON_DNS_UPSTREAM_FAILED);
	if (q) {
		ldns_pkt_set_id(q, p->client_id);
		ldns_pkt_set_rd(q, p->rd);
		ldns_pkt_push_rr(q, LDNS_SECTION_QUESTION, ldns_rr_clone(p->question));
		if (p->edns)
			ldns_pkt_set_edns_udp_size(q, DNS_UPSTREAM_EDNS);
		e = reply_rcode(q, LDNS_RCODE_SERVFAIL, out, outlen);
		ldns_pkt_free(q);
	}
	dns_pending_free(d, p);
	return e;
}

void dns_sweep(struct cordon_dns *d)
{
	uint64_t now = dns_boot_ns();

	for (size_t i = 0; i < d->naddrs; i++) {
		struct cordon_dns_key k = { .session = d->session };
		struct dns_addr *e = &d->addrs[i];

		if (!e->expires_ns || e->expires_ns > now)
			continue;
		memcpy(k.addr, e->addr, 16);
		if (d->hooks.forget)
			d->hooks.forget(d->hooks.map_ctx, &k);
		d->st.expired++;
		/* The name stays: a refused connect to the old address is still named. */
		e->expires_ns = 0;
		memset(&e->rule, 0, sizeof(e->rule));
	}
}

const char *cordon_dns_name_of(const struct cordon_dns *d, const uint8_t addr[16])
{
	for (size_t i = 0; d && i < d->naddrs; i++)
		if (!memcmp(d->addrs[i].addr, addr, 16))
			return d->addrs[i].name;
	return NULL;
}
