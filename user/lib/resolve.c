// SPDX-License-Identifier: GPL-2.0-only
/* Host-name resolution through the system resolver, in parallel, with a deadline. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "policy.h"
#include "policy_compile.h"
#include "resolve.h"

#define MAX_ADDRS 16

struct cordon_resolved {
	const char *host; /* borrowed from the policy */
	struct gaicb cb;
	struct addrinfo hints;
	struct pol_addr addr[MAX_ADDRS];
	size_t naddr;
};

static size_t count_hosts(const struct pol_net_list *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].host != NULL;
	return n;
}

static void add_hosts(struct cordon_resolver *r, const struct pol_net_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		bool dup = false;

		if (!l->v[i].host)
			continue;
		for (size_t j = 0; j < r->n; j++)
			dup = dup || !strcmp(r->v[j].host, l->v[i].host);
		if (!dup)
			r->v[r->n++].host = l->v[i].host;
	}
}

static void collect(struct cordon_resolved *e)
{
	struct addrinfo *ai;

	for (ai = e->cb.ar_result; ai && e->naddr < MAX_ADDRS; ai = ai->ai_next) {
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
		for (size_t i = 0; i < e->naddr; i++)
			dup = dup || !memcmp(e->addr[i].addr, a.addr, 16);
		if (!dup)
			e->addr[e->naddr++] = a;
	}
}

int cordon_resolver_prefetch(struct cordon_resolver *r, const struct policy *p, int timeout_ms)
{
	size_t max = count_hosts(&p->connect) + count_hosts(&p->bind);
	struct gaicb **list;
	struct timespec deadline, now;

	memset(r, 0, sizeof(*r));
	if (!max)
		return 0;
	r->v = calloc(max, sizeof(*r->v));
	list = calloc(max, sizeof(*list));
	if (!r->v || !list) {
		free(list);
		cordon_resolver_free(r);
		return -ENOMEM;
	}
	add_hosts(r, &p->connect);
	add_hosts(r, &p->bind);
	for (size_t i = 0; i < r->n; i++) {
		r->v[i].hints =
			(struct addrinfo){ .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
		r->v[i].cb.ar_name = r->v[i].host;
		r->v[i].cb.ar_request = &r->v[i].hints;
		list[i] = &r->v[i].cb;
	}
	if (getaddrinfo_a(GAI_NOWAIT, list, (int)r->n, NULL) != 0) {
		free(list);
		cordon_resolver_free(r);
		return -EAGAIN;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		struct timespec left;
		bool pending = false;

		for (size_t i = 0; i < r->n; i++)
			pending = pending || gai_error(&r->v[i].cb) == EAI_INPROGRESS;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!pending || now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
			break;
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		gai_suspend((const struct gaicb *const *)list, (int)r->n, &left);
	}
	for (size_t i = 0; i < r->n; i++) {
		if (gai_error(&r->v[i].cb) == EAI_INPROGRESS)
			gai_cancel(&r->v[i].cb);
		if (gai_error(&r->v[i].cb) == 0)
			collect(&r->v[i]);
		if (!r->v[i].naddr)
			r->unresolved++;
	}
	free(list);
	return 0;
}

void cordon_resolver_free(struct cordon_resolver *r)
{
	for (size_t i = 0; i < r->n; i++) {
		/* A request still running when cancelled may not be freed: leak it, never race. */
		if (gai_error(&r->v[i].cb) != EAI_INPROGRESS && r->v[i].cb.ar_result)
			freeaddrinfo(r->v[i].cb.ar_result);
	}
	if (r->n && r->v) {
		bool running = false;

		for (size_t i = 0; i < r->n; i++)
			running = running || gai_error(&r->v[i].cb) == EAI_INPROGRESS;
		if (running)
			return; /* the resolver thread still points into r->v */
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int cordon_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max)
{
	const struct cordon_resolver *r = ctx;

	if (!strcmp(host, "@dns"))
		return policy_system_resolvers(NULL, out, max);
	for (size_t i = 0; r && i < r->n; i++) {
		if (strcmp(r->v[i].host, host) != 0)
			continue;
		if (r->v[i].naddr < max)
			max = r->v[i].naddr;
		memcpy(out, r->v[i].addr, max * sizeof(*out));
		return (int)max;
	}
	return 0;
}
