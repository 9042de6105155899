/* SPDX-License-Identifier: GPL-2.0-only */
/* Host-name resolution at session start, for the policy's network rules. */
#ifndef CORDON_RESOLVE_H
#define CORDON_RESOLVE_H

#include <stddef.h>

struct pol_addr;

/*
 * A pol_resolve_fn (see policy_compile.h): "@dns" gives the nameservers of /etc/resolv.conf,
 * anything else goes through getaddrinfo(). IPv4 answers come back IPv4-mapped. A name that
 * does not resolve gives 0 addresses (the rule allows nothing), not an error. @ctx is unused.
 */
int cordon_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max);

#endif /* CORDON_RESOLVE_H */
