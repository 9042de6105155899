// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one name a policy's rules resolve at session start: "@dns", the nameservers of a
 * resolv.conf (a file read, never a lookup). Host names are the session resolver's (dns/).
 */
#include <errno.h>
#include <string.h>

#include "policy/policy.h"
#include "compile/compile.h"
#include "enforce/enforce.h"

int cordon_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max)
{
	int r;

	if (strcmp(host, "@dns") != 0)
		return 0;
	r = policy_system_resolvers(ctx, out, max);
	/* No resolv.conf: no nameserver to allow, not a policy that cannot compile. */
	return r == -ENOENT ? 0 : r;
}
