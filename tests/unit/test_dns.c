// SPDX-License-Identifier: GPL-2.0-only
/* The session resolver's decisions on messages, without sockets: what is refused, what goes
 * upstream, which answered addresses are allowed (before the reply exists) and what is relayed;
 * and, on its loopback sockets, what a closed connection leaves in its epoll set. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/dns.h"
#include "dns/dns_internal.h"

struct seen {
	int allowed;
	uint8_t addr[8][16];
	uint64_t expires[8];
	uint32_t ranges;
	int refused;
	enum cordon_dns_reason why;
	char name[256];
};

static int on_allow(void *ctx, const struct cordon_dns_key *k, const struct cordon_dns_addr *a)
{
	struct seen *s = ctx;

	if (s->allowed < 8) {
		memcpy(s->addr[s->allowed], k->addr, 16);
		s->expires[s->allowed] = a->expires_ns;
	}
	s->ranges = a->rule.count;
	s->allowed++;
	return 0;
}

static void on_refused(void *ctx, const char *name, uint16_t qtype, enum cordon_dns_reason why)
{
	struct seen *s = ctx;

	(void)qtype;
	s->refused++;
	s->why = why;
	snprintf(s->name, sizeof(s->name), "%s", name);
}

static struct pol_dns_name names[2];
static char resolv[] = "/tmp/cordon-test-dns-resolv.XXXXXX";

static struct cordon_dns *open_resolver(struct seen *s)
{
	struct cordon_dns_opts o = {
		.session = 7,
		.names = names,
		.nnames = 2,
		.resolv_conf = resolv,
		.no_sockets = true,
		.hooks = { .allow = on_allow, .map_ctx = s, .refused = on_refused, .ctx = s }
	};
	struct cordon_dns *d = NULL;

	names[0] = (struct pol_dns_name){ .name = "allowed.test",
					  .rule = { .count = 1,
						    .ranges = {
							    { .rule_id = 1,
							      .lo = 443,
							      .hi = 443,
							      .protocols = CORDON_PROTO_TCP } } } };
	names[1] = (struct pol_dns_name){ .name = "wild.test",
					  .wildcard = true,
					  .rule = names[0].rule };
	assert_int_equal(cordon_dns_open(&o, &d), 0);
	return d;
}

static size_t query(const char *name, ldns_rr_type t, uint16_t id, bool edns, uint8_t **w)
{
	ldns_pkt *q =
		ldns_pkt_query_new(ldns_dname_new_frm_str(name), t, LDNS_RR_CLASS_IN, LDNS_RD);
	size_t len;

	ldns_pkt_set_id(q, id);
	if (edns)
		ldns_pkt_set_edns_udp_size(q, 4096);
	assert_int_equal(ldns_pkt2wire(w, q, &len), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	return len;
}

static ldns_pkt_rcode rcode_of(const uint8_t *w, size_t len, ldns_pkt **keep)
{
	ldns_pkt *p = NULL;
	ldns_pkt_rcode rc;

	assert_int_equal(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
	rc = ldns_pkt_get_rcode(p);
	if (keep)
		*keep = p;
	else
		ldns_pkt_free(p);
	return rc;
}

static int setup(void **state)
{
	int fd = mkstemp(resolv);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "nameserver 192.0.2.53\n", 22), 22);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(resolv);
	return 0;
}

static void test_dns__refuses_unlisted_names_types_and_tunnels(void **state)
{
	static const struct {
		const char *name;
		ldns_rr_type type;
		enum cordon_dns_reason why;
	} cases[] = {
		{ "evil.test.", LDNS_RR_TYPE_A, CORDON_DNS_NOT_ALLOWED },
		{ "allowed.test.evil.", LDNS_RR_TYPE_A, CORDON_DNS_NOT_ALLOWED },
		{ "wild.test.", LDNS_RR_TYPE_A, CORDON_DNS_NOT_ALLOWED }, /* the suffix itself */
		{ "allowed.test.", LDNS_RR_TYPE_TXT, CORDON_DNS_TYPE },
		{ "allowed.test.", LDNS_RR_TYPE_NULL, CORDON_DNS_TYPE },
		{ "allowed.test.", LDNS_RR_TYPE_ANY, CORDON_DNS_TYPE },
		{ "a.wild.test.", LDNS_RR_TYPE_TXT, CORDON_DNS_TYPE },
		{ "0123456789abcdef0123456789abcdef0.wild.test.", LDNS_RR_TYPE_A,
		  CORDON_DNS_LABEL_LENGTH },
		{ "a.b.c.d.e.wild.test.", LDNS_RR_TYPE_A, CORDON_DNS_LABEL_COUNT },
		{ "dns.google.", LDNS_RR_TYPE_A, CORDON_DNS_NOT_ALLOWED },
	};
	struct seen s = { 0 };
	struct cordon_dns *d = open_resolver(&s);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *q = NULL, *out = NULL;
		size_t len = query(cases[i].name, cases[i].type, 0x1234, false, &q), outlen = 0;

		s.refused = 0;
		assert_int_equal(cordon_dns_handle_query(d, q, len, false, &out, &outlen), 0);
		assert_int_equal(rcode_of(out, outlen, NULL), LDNS_RCODE_REFUSED);
		assert_int_equal(s.refused, 1);
		assert_int_equal(s.why, cases[i].why);
		free(q);
		free(out);
	}
	assert_int_equal(cordon_dns_last_id(d), 0); /* nothing went upstream */
	assert_int_equal(s.allowed, 0);
	cordon_dns_close(d);
}

/* localhost names (RFC 6761): answered here with loopback, nothing upstream, nothing allowed. */
static void test_dns__answers_localhost_itself(void **state)
{
	static const struct {
		const char *name;
		ldns_rr_type type;
		const char *want; /* the answer's address, NULL: no answer (NOERROR, no data) */
	} cases[] = {
		{ "localhost.", LDNS_RR_TYPE_A, "127.0.0.1" },
		{ "LocalHost.", LDNS_RR_TYPE_AAAA, "::1" },
		{ "app.localhost.", LDNS_RR_TYPE_A, "127.0.0.1" },
		{ "localhost.", LDNS_RR_TYPE_TXT, NULL },
		{ "1.0.0.127.in-addr.arpa.", LDNS_RR_TYPE_PTR, "localhost." },
		{ "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
		  LDNS_RR_TYPE_PTR, "localhost." },
		{ "1.0.0.127.in-addr.arpa.", LDNS_RR_TYPE_A, NULL },
	};
	struct seen s = { 0 };
	struct cordon_dns *d = open_resolver(&s);
	struct cordon_dns_stats st;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *q = NULL, *out = NULL;
		size_t len = query(cases[i].name, cases[i].type, 0x2a2a, true, &q), outlen = 0;
		ldns_pkt *p = NULL;
		char *addr;

		assert_int_equal(cordon_dns_handle_query(d, q, len, false, &out, &outlen), 0);
		assert_int_equal(rcode_of(out, outlen, &p), LDNS_RCODE_NOERROR);
		assert_int_equal(ldns_pkt_id(p), 0x2a2a);
		assert_int_equal(ldns_pkt_ancount(p), cases[i].want ? 1 : 0);
		if (cases[i].want) {
			ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);

			assert_int_equal(ldns_rr_get_type(rr), cases[i].type);
			addr = ldns_rdf2str(ldns_rr_rdf(rr, 0));
			assert_string_equal(addr, cases[i].want);
			free(addr);
		}
		ldns_pkt_free(p);
		free(q);
		free(out);
	}
	/* Not a localhost name, nor a loopback reverse name: still the policy's to judge. */
	static const char *const other[] = { "notlocalhost.", "1.0.0.10.in-addr.arpa.",
					     "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
					     "0.0.0.0.0.0.0.ip6.arpa." };
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		uint8_t *q = NULL, *out = NULL;
		size_t len = query(other[i], LDNS_RR_TYPE_PTR, 1, false, &q), outlen = 0;

		assert_int_equal(cordon_dns_handle_query(d, q, len, false, &out, &outlen), 0);
		assert_int_equal(rcode_of(out, outlen, NULL), LDNS_RCODE_REFUSED);
		free(q);
		free(out);
	}
	assert_int_equal(cordon_dns_last_id(d), 0); /* nothing went upstream */
	assert_int_equal(s.allowed, 0);		    /* and no address entered the allow map */
	assert_int_equal(s.refused, 3);
	cordon_dns_get_stats(d, &st);
	assert_int_equal(st.local, 7);
	cordon_dns_close(d);
}

static void test_dns__drops_garbage_and_mismatched_answers(void **state)
{
	static const uint8_t junk[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0xff,
					0xff, 0,    0,	  0,	0,    3 };
	struct seen s = { 0 };
	struct cordon_dns *d = open_resolver(&s);
	struct cordon_dns_stats st;
	uint8_t *out = NULL, *q = NULL;
	size_t outlen = 0, len;

	(void)state;
	assert_int_equal(cordon_dns_handle_query(d, junk, sizeof(junk), false, &out, &outlen),
			 -EBADMSG);
	assert_null(out);
	/* an answer no query asked for */
	len = query("allowed.test.", LDNS_RR_TYPE_A, 0x4242, false, &q);
	q[2] |= 0x80;
	assert_int_equal(cordon_dns_handle_answer(d, q, len, &out, &outlen), -EBADMSG);
	/* a "query" with the QR bit is not a query */
	assert_int_equal(cordon_dns_handle_query(d, q, len, false, &out, &outlen), -EBADMSG);
	cordon_dns_get_stats(d, &st);
	assert_int_equal(st.dropped_agent, 2);
	assert_int_equal(st.dropped_upstream, 1);
	free(q);
	cordon_dns_close(d);
}

/* An upstream answer: a CNAME chain to an address, a record off the chain, and a TXT. */
static size_t answer(uint16_t id, bool tc, int extra, uint8_t **w)
{
	ldns_pkt *a = ldns_pkt_new();
	ldns_rr *rr = NULL;
	size_t len;

	ldns_pkt_set_id(a, id);
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_tc(a, tc);
	ldns_rr_new_frm_str(&rr, "allowed.test. 0 IN A 0.0.0.0", 0, NULL, NULL);
	ldns_rr_set_question(rr, true);
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, rr);
	ldns_rr_new_frm_str(&rr, "allowed.test. 300 IN CNAME cdn.test.", 0, NULL, NULL);
	ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	ldns_rr_new_frm_str(&rr, "cdn.test. 0 IN A 192.0.2.7", 0, NULL, NULL);
	ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	ldns_rr_new_frm_str(&rr, "other.test. 60 IN A 192.0.2.8", 0, NULL, NULL);
	ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	ldns_rr_new_frm_str(&rr, "cdn.test. 60 IN TXT \"data\"", 0, NULL, NULL);
	ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	for (int i = 0; i < extra; i++) {
		char s[64];

		snprintf(s, sizeof(s), "cdn.test. 60 IN A 198.51.100.%d", i + 1);
		ldns_rr_new_frm_str(&rr, s, 0, NULL, NULL);
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	}
	assert_int_equal(ldns_pkt2wire(w, a, &len), LDNS_STATUS_OK);
	ldns_pkt_free(a);
	return len;
}

static void test_dns__allows_chain_addresses_before_relaying_them(void **state)
{
	struct seen s = { 0 };
	struct cordon_dns *d = open_resolver(&s);
	uint8_t *q = NULL, *a = NULL, *out = NULL, v4[16];
	size_t len = query("Allowed.TEST.", LDNS_RR_TYPE_A, 0x7777, true, &q), outlen = 0;
	ldns_pkt *r = NULL;

	(void)state;
	assert_int_equal(cordon_dns_handle_query(d, q, len, false, &out, &outlen), 1);
	assert_null(out);
	assert_int_not_equal(cordon_dns_last_id(d), 0);
	len = answer(cordon_dns_last_id(d), false, 0, &a);
	assert_int_equal(cordon_dns_handle_answer(d, a, len, &out, &outlen), 0);
	/* only the chain's address, with the rule's ports, for at least the floor */
	assert_int_equal(s.allowed, 1);
	cordon_addr_v4mapped(v4, (const uint8_t[]){ 192, 0, 2, 7 });
	assert_memory_equal(s.addr[0], v4, 16);
	assert_int_equal(s.ranges, 1);
	assert_string_equal(cordon_dns_name_of(d, v4), "allowed.test");
	assert_int_equal(rcode_of(out, outlen, &r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_id(r), 0x7777);
	assert_int_equal(ldns_pkt_ancount(r), 2); /* the CNAME and the A; not other.test, no TXT */
	assert_true(ldns_pkt_edns(r));
	ldns_pkt_free(r);
	free(out);
	/* a second answer to the same query is not expected any more */
	assert_int_equal(cordon_dns_handle_answer(d, a, len, &out, &outlen), -EBADMSG);
	free(a);
	free(q);
	cordon_dns_close(d);
}

static void test_dns__oversized_udp_answer_truncated(void **state)
{
	struct seen s = { 0 };
	struct cordon_dns *d = open_resolver(&s);
	uint8_t *q = NULL, *a = NULL, *out = NULL;
	size_t len = query("allowed.test.", LDNS_RR_TYPE_A, 1, false, &q), outlen = 0;
	ldns_pkt *r = NULL;

	(void)state;
	assert_int_equal(cordon_dns_handle_query(d, q, len, false, &out, &outlen), 1);
	len = answer(cordon_dns_last_id(d), false, 60, &a);
	assert_int_equal(cordon_dns_handle_answer(d, a, len, &out, &outlen), 0);
	assert_true(outlen <= 512);
	assert_int_equal(rcode_of(out, outlen, &r), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_tc(r)); /* the client asks again over TCP */
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	free(out);
	free(a);
	free(q);
	cordon_dns_close(d);
}

/* Wait for the resolver's descriptor to be readable, then serve what is ready. */
static void serve_ready(struct cordon_dns *d)
{
	struct pollfd p = { .fd = cordon_dns_fd(d), .events = POLLIN };

	assert_int_equal(poll(&p, 1, 5000), 1);
	cordon_dns_serve(d);
}

/*
 * A TCP client's connection, closed by the resolver while a forked child (the daemon forks its
 * spawn workers and audit readers at any time) holds a copy of it: an epoll registration
 * belongs to the open file, not to the descriptor, so a close() without EPOLL_CTL_DEL left it
 * in the resolver's epoll set, ready for good once the client hung up (a busy loop of the
 * daemon for the rest of the session, an event naming a slot another connection may hold).
 */
static void test_dns__closed_connection_leaves_epoll_set_despite_forked_copy(void **state)
{
	struct cordon_dns_opts o = { .session = 7, .resolv_conf = resolv };
	struct cordon_dns_steer st;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct epoll_event ev[16];
	struct cordon_dns *d = NULL;
	int c, hold[2], status, n;
	char b;
	pid_t child;

	(void)state;
	assert_int_equal(cordon_dns_open(&o, &d), 0);
	cordon_dns_steer(d, &st);
	to.sin_addr.s_addr = st.addr4;
	to.sin_port = st.port4;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
	serve_ready(d); /* the connection accepted and watched */
	assert_int_equal(pipe(hold), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* Holds every descriptor of the resolver, like a forked worker, until told (not
		 * the client's end, which is the agent's). */
		close(c);
		close(hold[1]);
		_exit(read(hold[0], &b, 1) < 0);
	}
	close(hold[0]);
	close(c); /* the client hangs up: the resolver reads the end and closes its side */
	serve_ready(d);
	/* Nothing of the closed connection is left ready: at most the resolver's own tick. */
	n = epoll_wait(cordon_dns_fd(d), ev, 16, 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(ev[i].data.u64, DNS_EV(DNS_EV_TIMER, 0));
	close(hold[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cordon_dns_close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns__refuses_unlisted_names_types_and_tunnels),
		cmocka_unit_test(test_dns__answers_localhost_itself),
		cmocka_unit_test(test_dns__drops_garbage_and_mismatched_answers),
		cmocka_unit_test(test_dns__allows_chain_addresses_before_relaying_them),
		cmocka_unit_test(test_dns__oversized_udp_answer_truncated),
		cmocka_unit_test(test_dns__closed_connection_leaves_epoll_set_despite_forked_copy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
