// SPDX-License-Identifier: GPL-2.0-only
/* SHA-256 digests (policy digest in audit records, BPF build ids) through Debian's nettle. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nettle/sha2.h>

#include "audit/audit.h"

void cordon_sha256_hex(const void *data, size_t len, char hex[65])
{
	struct sha256_ctx ctx;
	uint8_t md[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(md), md);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int cordon_policy_sha256(const struct policy *p, char hex[65])
{
	json_t *j = policy_to_json(p);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(j);
	if (!s)
		return -ENOMEM;
	cordon_sha256_hex(s, strlen(s), hex);
	free(s);
	return 0;
}
