/* SPDX-License-Identifier: GPL-2.0-only */
/* Host-name resolution at session start, for the policy's network rules. */
#ifndef CORDON_RESOLVE_H
#define CORDON_RESOLVE_H

#include <stddef.h>

struct pol_addr;
struct policy;

/* Answers for every host name of a policy, looked up in parallel with one deadline. */
struct cordon_resolver {
	struct cordon_resolved *v;
	size_t n;
	size_t unresolved; /* names with no answer by the deadline, or no address at all */
};

/*
 * Resolve every host name of @p's connect and bind rules at once, waiting at most @timeout_ms
 * for all of them: a slow or broken resolver delays a session start by that much at most.
 */
int cordon_resolver_prefetch(struct cordon_resolver *r, const struct policy *p, int timeout_ms);
void cordon_resolver_free(struct cordon_resolver *r);

/*
 * A pol_resolve_fn (see policy_compile.h) with @ctx a prefetched struct cordon_resolver:
 * "@dns" gives the nameservers of /etc/resolv.conf; other names come from the prefetch. IPv4
 * answers come back IPv4-mapped. A name without an answer gives 0 addresses (the rule then
 * allows nothing), not an error: failing closed.
 */
int cordon_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max);

#endif /* CORDON_RESOLVE_H */
