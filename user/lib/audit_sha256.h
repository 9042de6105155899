/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cordon.policy_sha256: SHA-256 (FIPS 180-4) of the effective policy, so a SIEM can tell which
 * exact rules a session ran under. No crypto library is linked for this one digest.
 */
#ifndef CORDON_AUDIT_SHA256_H
#define CORDON_AUDIT_SHA256_H

#include <stddef.h>

#include "policy.h"

/* Lower-case hex SHA-256 of @len bytes at @data into @hex (65 bytes). */
void cordon_sha256_hex(const void *data, size_t len, char hex[65]);

/*
 * Digest of the effective policy (extends and floor merged, variables expanded): its canonical
 * JSON, as `cordon policy show --json` prints it, with sorted keys. 0 or -ENOMEM.
 */
int cordon_policy_sha256(const struct policy *p, char hex[65]);

#endif /* CORDON_AUDIT_SHA256_H */
