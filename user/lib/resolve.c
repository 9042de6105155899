// SPDX-License-Identifier: GPL-2.0-only
/* Host-name resolution through the system resolver. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_compile.h"
#include "resolve.h"

int cordon_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	size_t n = 0;

	(void)ctx;
	if (!strcmp(host, "@dns"))
		return policy_system_resolvers(NULL, out, max);
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai && n < max; ai = ai->ai_next) {
		struct pol_addr a = { 0 };
		bool dup = false;

		if (ai->ai_family == AF_INET) {
			a.addr[10] = 0xff;
			a.addr[11] = 0xff;
			memcpy(&a.addr[12], &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			memcpy(a.addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		for (size_t i = 0; i < n; i++)
			dup = dup || !memcmp(out[i].addr, a.addr, 16);
		if (!dup)
			out[n++] = a;
	}
	freeaddrinfo(res);
	return (int)n;
}
