// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the session resolver's message handling: every input is a query from
 * the agent (over UDP and TCP), and an upstream answer to a query it forwarded (the input with
 * that query's id), so that hostile packets from either side reach the ldns parsing, the
 * policy checks, the CNAME chain walk and the reply building.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"

static int allow(void *ctx, const struct cordon_dns_key *k, const struct cordon_dns_addr *a)
{
	(void)ctx;
	(void)k;
	(void)a;
	return 0;
}

/* "allowed.test A", id 0x1234: the query each answer is matched against. */
static const uint8_t seed_query[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
				      0x00, 0x00, 7,	'a',  'l',  'l',  'o',	'w',  'e',  'd',
				      4,    't',  'e',	's',  't',  0,	  0x00, 0x01, 0x00, 0x01 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pol_dns_name names[2] = {
		{ .name = "allowed.test",
		  .rule = { .count = 1, .ranges = { { .lo = 443, .hi = 443, .protocols = 1 } } } },
		{ .name = "wild.test", .wildcard = true },
	};
	/* A nameserver that is never sent to: no sockets in this mode. */
	struct cordon_dns_opts o = { .session = 1,
				     .names = names,
				     .nnames = 2,
				     .resolv_conf = "tests/fuzz/corpus/dns-resolv.conf",
				     .no_sockets = true,
				     .hooks = { .allow = allow } };
	struct cordon_dns *d = NULL;
	uint8_t *out = NULL, *copy;
	size_t outlen = 0;

	if (cordon_dns_open(&o, &d) < 0)
		return 0;
	cordon_dns_handle_query(d, data, size, size & 1, &out, &outlen);
	free(out);
	out = NULL;
	if (cordon_dns_handle_query(d, seed_query, sizeof(seed_query), false, &out, &outlen) == 1 &&
	    size >= 2 && (copy = malloc(size))) {
		uint16_t id = cordon_dns_last_id(d);

		memcpy(copy, data, size);
		copy[0] = (uint8_t)(id >> 8);
		copy[1] = (uint8_t)id;
		cordon_dns_handle_answer(d, copy, size, &out, &outlen);
		free(copy);
	}
	free(out);
	cordon_dns_close(d);
	return 0;
}
