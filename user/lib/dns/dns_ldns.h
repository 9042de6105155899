/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libldns, loaded when the first resolver opens rather than by the dynamic loader at every start.
 *
 * Why: libldns brings libssl and libcrypto (DNSSEC), whose relocations cost ~1 ms before main()
 * in every cordon process, and most never parse a DNS message: the client of the daemon, `ps`,
 * `audit`, `doctor`. The library stays shared (a security update of it applies without a rebuild:
 * it parses what an agent sends), and is found the way the dynamic loader finds a needed one.
 *
 * The resolver's code calls ldns_* as usual: below, each name is redirected to the table that
 * cordon_ldns_load() fills (dlopen and dlsym; or, in a static program, the linked symbols that
 * dns_ldns_linked.c provides). Every entry point of the resolver loads it first and fails closed:
 * no library, no resolver, no session.
 */
#ifndef CORDON_DNS_LDNS_H
#define CORDON_DNS_LDNS_H

#include <ldns/ldns.h>

/* Every libldns function the resolver calls. */
#define CORDON_LDNS_FUNCS(X)          \
	X(ldns_dname_compare)         \
	X(ldns_dname_new_frm_str)     \
	X(ldns_pkt2wire)              \
	X(ldns_pkt_ancount)           \
	X(ldns_pkt_answer)            \
	X(ldns_pkt_cd)                \
	X(ldns_pkt_edns)              \
	X(ldns_pkt_edns_udp_size)     \
	X(ldns_pkt_free)              \
	X(ldns_pkt_get_opcode)        \
	X(ldns_pkt_get_rcode)         \
	X(ldns_pkt_id)                \
	X(ldns_pkt_new)               \
	X(ldns_pkt_nscount)           \
	X(ldns_pkt_push_rr)           \
	X(ldns_pkt_qdcount)           \
	X(ldns_pkt_qr)                \
	X(ldns_pkt_query_new)         \
	X(ldns_pkt_question)          \
	X(ldns_pkt_rd)                \
	X(ldns_pkt_set_aa)            \
	X(ldns_pkt_set_ancount)       \
	X(ldns_pkt_set_answer)        \
	X(ldns_pkt_set_cd)            \
	X(ldns_pkt_set_edns_udp_size) \
	X(ldns_pkt_set_id)            \
	X(ldns_pkt_set_qr)            \
	X(ldns_pkt_set_ra)            \
	X(ldns_pkt_set_rcode)         \
	X(ldns_pkt_set_rd)            \
	X(ldns_pkt_set_tc)            \
	X(ldns_pkt_tc)                \
	X(ldns_rdf_clone)             \
	X(ldns_rdf_data)              \
	X(ldns_rdf_deep_free)         \
	X(ldns_rdf_get_type)          \
	X(ldns_rdf_new_frm_data)      \
	X(ldns_rdf_size)              \
	X(ldns_rr_clone)              \
	X(ldns_rr_free)               \
	X(ldns_rr_get_class)          \
	X(ldns_rr_get_type)           \
	X(ldns_rr_list_deep_free)     \
	X(ldns_rr_list_new)           \
	X(ldns_rr_list_rr)            \
	X(ldns_rr_list_rr_count)      \
	X(ldns_rr_new)                \
	X(ldns_rr_owner)              \
	X(ldns_rr_push_rdf)           \
	X(ldns_rr_rdf)                \
	X(ldns_rr_set_class)          \
	X(ldns_rr_set_owner)          \
	X(ldns_rr_set_ttl)            \
	X(ldns_rr_set_type)           \
	X(ldns_rr_ttl)                \
	X(ldns_rr_type2str)           \
	X(ldns_wire2pkt)

struct cordon_ldns_funcs {
#define CORDON_LDNS_MEMBER(f) \
	__typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses): a declarator */
	CORDON_LDNS_FUNCS(CORDON_LDNS_MEMBER)
#undef CORDON_LDNS_MEMBER
};

extern struct cordon_ldns_funcs cordon_ldns;

/* 0 once the table is filled (idempotent); -ELIBACC, with the reason on stderr, otherwise. */
int cordon_ldns_load(void);

/* cordon_ldns_preload(), cordon_ldns_preload_wait(): dns.h (a caller needs no ldns header). */

#ifndef CORDON_LDNS_NO_REDIRECT
#define ldns_dname_compare	   (*cordon_ldns.ldns_dname_compare)
#define ldns_dname_new_frm_str	   (*cordon_ldns.ldns_dname_new_frm_str)
#define ldns_pkt2wire		   (*cordon_ldns.ldns_pkt2wire)
#define ldns_pkt_ancount	   (*cordon_ldns.ldns_pkt_ancount)
#define ldns_pkt_answer		   (*cordon_ldns.ldns_pkt_answer)
#define ldns_pkt_cd		   (*cordon_ldns.ldns_pkt_cd)
#define ldns_pkt_edns		   (*cordon_ldns.ldns_pkt_edns)
#define ldns_pkt_edns_udp_size	   (*cordon_ldns.ldns_pkt_edns_udp_size)
#define ldns_pkt_free		   (*cordon_ldns.ldns_pkt_free)
#define ldns_pkt_get_opcode	   (*cordon_ldns.ldns_pkt_get_opcode)
#define ldns_pkt_get_rcode	   (*cordon_ldns.ldns_pkt_get_rcode)
#define ldns_pkt_id		   (*cordon_ldns.ldns_pkt_id)
#define ldns_pkt_new		   (*cordon_ldns.ldns_pkt_new)
#define ldns_pkt_nscount	   (*cordon_ldns.ldns_pkt_nscount)
#define ldns_pkt_push_rr	   (*cordon_ldns.ldns_pkt_push_rr)
#define ldns_pkt_qdcount	   (*cordon_ldns.ldns_pkt_qdcount)
#define ldns_pkt_qr		   (*cordon_ldns.ldns_pkt_qr)
#define ldns_pkt_query_new	   (*cordon_ldns.ldns_pkt_query_new)
#define ldns_pkt_question	   (*cordon_ldns.ldns_pkt_question)
#define ldns_pkt_rd		   (*cordon_ldns.ldns_pkt_rd)
#define ldns_pkt_set_aa		   (*cordon_ldns.ldns_pkt_set_aa)
#define ldns_pkt_set_ancount	   (*cordon_ldns.ldns_pkt_set_ancount)
#define ldns_pkt_set_answer	   (*cordon_ldns.ldns_pkt_set_answer)
#define ldns_pkt_set_cd		   (*cordon_ldns.ldns_pkt_set_cd)
#define ldns_pkt_set_edns_udp_size (*cordon_ldns.ldns_pkt_set_edns_udp_size)
#define ldns_pkt_set_id		   (*cordon_ldns.ldns_pkt_set_id)
#define ldns_pkt_set_qr		   (*cordon_ldns.ldns_pkt_set_qr)
#define ldns_pkt_set_ra		   (*cordon_ldns.ldns_pkt_set_ra)
#define ldns_pkt_set_rcode	   (*cordon_ldns.ldns_pkt_set_rcode)
#define ldns_pkt_set_rd		   (*cordon_ldns.ldns_pkt_set_rd)
#define ldns_pkt_set_tc		   (*cordon_ldns.ldns_pkt_set_tc)
#define ldns_pkt_tc		   (*cordon_ldns.ldns_pkt_tc)
#define ldns_rdf_clone		   (*cordon_ldns.ldns_rdf_clone)
#define ldns_rdf_data		   (*cordon_ldns.ldns_rdf_data)
#define ldns_rdf_deep_free	   (*cordon_ldns.ldns_rdf_deep_free)
#define ldns_rdf_get_type	   (*cordon_ldns.ldns_rdf_get_type)
#define ldns_rdf_new_frm_data	   (*cordon_ldns.ldns_rdf_new_frm_data)
#define ldns_rdf_size		   (*cordon_ldns.ldns_rdf_size)
#define ldns_rr_clone		   (*cordon_ldns.ldns_rr_clone)
#define ldns_rr_free		   (*cordon_ldns.ldns_rr_free)
#define ldns_rr_get_class	   (*cordon_ldns.ldns_rr_get_class)
#define ldns_rr_get_type	   (*cordon_ldns.ldns_rr_get_type)
#define ldns_rr_list_deep_free	   (*cordon_ldns.ldns_rr_list_deep_free)
#define ldns_rr_list_new	   (*cordon_ldns.ldns_rr_list_new)
#define ldns_rr_list_rr		   (*cordon_ldns.ldns_rr_list_rr)
#define ldns_rr_list_rr_count	   (*cordon_ldns.ldns_rr_list_rr_count)
#define ldns_rr_new		   (*cordon_ldns.ldns_rr_new)
#define ldns_rr_owner		   (*cordon_ldns.ldns_rr_owner)
#define ldns_rr_push_rdf	   (*cordon_ldns.ldns_rr_push_rdf)
#define ldns_rr_rdf		   (*cordon_ldns.ldns_rr_rdf)
#define ldns_rr_set_class	   (*cordon_ldns.ldns_rr_set_class)
#define ldns_rr_set_owner	   (*cordon_ldns.ldns_rr_set_owner)
#define ldns_rr_set_ttl		   (*cordon_ldns.ldns_rr_set_ttl)
#define ldns_rr_set_type	   (*cordon_ldns.ldns_rr_set_type)
#define ldns_rr_ttl		   (*cordon_ldns.ldns_rr_ttl)
#define ldns_rr_type2str	   (*cordon_ldns.ldns_rr_type2str)
#define ldns_wire2pkt		   (*cordon_ldns.ldns_wire2pkt)
#endif

#endif
