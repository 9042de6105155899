// SPDX-License-Identifier: GPL-2.0-only
/* Host-name resolution through the system resolver, in parallel, with a deadline, in a child. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "policy/policy.h"
#include "compile/compile.h"
#include "enforce/enforce.h"

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
			dup = dup || (r->v[j].host && !strcmp(r->v[j].host, l->v[i].host));
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
			cordon_addr_v4mapped(a.addr,
					     &((struct sockaddr_in *)ai->ai_addr)->sin_addr);
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

/* One answer on the pipe from the resolving child. */
struct answer {
	uint32_t index;
	uint32_t naddr;
	struct pol_addr addr[MAX_ADDRS];
};

/*
 * In a child process: glibc's asynchronous resolver runs threads, and the launcher must stay
 * single-threaded until it forks the agent (and must not share a lookup thread's memory with
 * a deadline). The child answers what it has by the deadline and exits; late lookups die with it.
 */
static _Noreturn void resolve_child(struct cordon_resolver *r, int out, int timeout_ms)
{
	struct gaicb **list = calloc(r->n, sizeof(*list));
	struct timespec tick = { .tv_nsec = 2 * 1000 * 1000 };
	int waited = 0;

	if (!list)
		_exit(1);
	for (size_t i = 0; i < r->n; i++) {
		r->v[i].hints =
			(struct addrinfo){ .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
		r->v[i].cb.ar_name = r->v[i].host;
		r->v[i].cb.ar_request = &r->v[i].hints;
		list[i] = &r->v[i].cb;
	}
	if (getaddrinfo_a(GAI_NOWAIT, list, (int)r->n, NULL) != 0)
		_exit(1);
	for (;;) {
		bool pending = false;

		for (size_t i = 0; i < r->n; i++)
			pending = pending || gai_error(&r->v[i].cb) == EAI_INPROGRESS;
		if (!pending || waited >= timeout_ms)
			break;
		nanosleep(&tick, NULL);
		waited += 2;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct answer a = { .index = (uint32_t)i };

		if (gai_error(&r->v[i].cb) != 0)
			continue;
		collect(&r->v[i]);
		a.naddr = (uint32_t)r->v[i].naddr;
		memcpy(a.addr, r->v[i].addr, sizeof(a.addr));
		if (write(out, &a, sizeof(a)) != sizeof(a))
			_exit(1);
	}
	_exit(0);
}

int cordon_resolver_prefetch(struct cordon_resolver *r, const struct policy *p, int timeout_ms)
{
	size_t max = count_hosts(&p->connect) + count_hosts(&p->bind);
	struct answer a;
	int pfd[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!max)
		return 0;
	r->v = calloc(max, sizeof(*r->v));
	if (!r->v)
		return -ENOMEM;
	add_hosts(r, &p->connect);
	add_hosts(r, &p->bind);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		cordon_resolver_free(r);
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		cordon_resolver_free(r);
		return -errno;
	}
	if (pid == 0) {
		close(pfd[0]);
		resolve_child(r, pfd[1], timeout_ms);
	}
	close(pfd[1]);
	/* The child writes whole records; a short or late one is treated as no answer. */
	for (;;) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, timeout_ms + 1000) <= 0)
			break;
		n = read(pfd[0], &a, sizeof(a));
		if (n != sizeof(a))
			break;
		if (a.index < r->n && a.naddr <= MAX_ADDRS) {
			r->v[a.index].naddr = a.naddr;
			memcpy(r->v[a.index].addr, a.addr, sizeof(a.addr));
		}
	}
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].naddr)
			r->unresolved++;
	return 0;
}

void cordon_resolver_free(struct cordon_resolver *r)
{
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
