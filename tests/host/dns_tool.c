// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS for the resolver's tests, with ldns: `serve ADDR ZONE LOG` is an upstream on ADDR:53
 * answering from ZONE (re-read on every query, so a test can change an address mid-session)
 * and logging each query; `query SERVER NAME TYPE [tcp] [PORT]` asks once and prints the rcode
 * and the answers; `connect ADDR PORT` exits with the errno of a TCP connect (0: connected);
 * `bench SERVER NAME N [PORT]` asks N times in turn over UDP and prints the median round trip
 * in µs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

/* Answers of ZONE for (name, type): lines "name type value ttl". */
static void fill(ldns_pkt *r, const char *zone, const ldns_rr *q)
{
	char *qn = ldns_rdf2str(ldns_rr_owner(q)), line[512];
	FILE *f = fopen(zone, "re");
	bool name_known = false;

	while (f && qn && fgets(line, sizeof(line), f)) {
		char name[256], type[16], value[256], rrtext[800];
		unsigned ttl;
		ldns_rr *rr = NULL;

		if (sscanf(line, "%255s %15s %255s %u", name, type, value, &ttl) != 4)
			continue;
		if (strcasecmp(name, qn) != 0)
			continue;
		name_known = true;
		if (strcasecmp(type, "CNAME") &&
		    ldns_get_rr_type_by_name(type) != ldns_rr_get_type(q))
			continue;
		snprintf(rrtext, sizeof(rrtext), "%s %u IN %s %s", name, ttl, type, value);
		if (ldns_rr_new_frm_str(&rr, rrtext, 0, NULL, NULL) == LDNS_STATUS_OK)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
		/* follow a CNAME to its target's records, one level */
		if (!strcasecmp(type, "CNAME")) {
			ldns_rr *t = ldns_rr_new();

			ldns_rr_set_owner(t, ldns_dname_new_frm_str(value));
			ldns_rr_set_type(t, ldns_rr_get_type(q));
			fill(r, zone, t);
			ldns_rr_free(t);
		}
	}
	if (!name_known && ldns_pkt_ancount(r) == 0)
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
	if (f)
		fclose(f);
	free(qn);
}

/* The answer to query @q (@n bytes) into *out; NULL when it is not a query. */
static void answer(const uint8_t *buf, size_t n, const char *zone, const char *log, bool tcp,
		   uint8_t **out, size_t *outlen)
{
	ldns_pkt *q = NULL, *r;
	FILE *l;

	*out = NULL;
	if (ldns_wire2pkt(&q, buf, n) != LDNS_STATUS_OK)
		return;
	if (ldns_pkt_qdcount(q) != 1) {
		ldns_pkt_free(q);
		return;
	}
	l = fopen(log, "ae");
	if (l) {
		char *s = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(q), 0));

		fprintf(l, "%s%s", tcp ? "tcp " : "", s ? s : "?\n");
		free(s);
		fclose(l);
	}
	r = ldns_pkt_new();
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
			 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
	fill(r, zone, ldns_rr_list_rr(ldns_pkt_question(q), 0));
	if (ldns_pkt2wire(out, r, outlen) == LDNS_STATUS_OK && !tcp &&
	    *outlen > (ldns_pkt_edns(q) ? ldns_pkt_edns_udp_size(q) : 512)) {
		/* Too big for the datagram: truncated, as a server does. */
		free(*out);
		ldns_rr_list_deep_free(ldns_pkt_answer(r));
		ldns_pkt_set_answer(r, ldns_rr_list_new());
		ldns_pkt_set_ancount(r, 0);
		ldns_pkt_set_tc(r, true);
		ldns_pkt2wire(out, r, outlen);
	}
	ldns_pkt_free(q);
	ldns_pkt_free(r);
}

static void serve_tcp(int lfd, const char *zone, const char *log)
{
	uint8_t buf[65538], *out = NULL;
	size_t n = 0, outlen;
	int c = accept(lfd, NULL, NULL);

	if (c < 0)
		return;
	while (n < 2 || n < 2 + (size_t)(buf[0] << 8 | buf[1])) {
		ssize_t k = read(c, buf + n, sizeof(buf) - n);

		if (k <= 0)
			break;
		n += (size_t)k;
	}
	if (n >= 2) {
		answer(buf + 2, n - 2, zone, log, true, &out, &outlen);
		if (out) {
			uint8_t hdr[2] = { (uint8_t)(outlen >> 8), (uint8_t)outlen };

			if (write(c, hdr, 2) == 2 && write(c, out, outlen) < 0)
				perror("serve: write");
		}
		free(out);
	}
	close(c);
}

static int serve(const char *addr, const char *zone, const char *log)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), tfd = socket(AF_INET, SOCK_STREAM, 0);
	uint8_t buf[4096];

	inet_pton(AF_INET, addr, &sa.sin_addr);
	setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || tfd < 0 ||
	    bind(tfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(tfd, 16) < 0) {
		perror("serve: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd pf[2] = { { .fd = fd, .events = POLLIN },
					{ .fd = tfd, .events = POLLIN } };
		struct sockaddr_storage from;
		socklen_t alen = sizeof(from);
		uint8_t *out = NULL;
		size_t outlen = 0;
		ssize_t n;

		if (poll(pf, 2, -1) <= 0)
			continue;
		if (pf[1].revents & POLLIN)
			serve_tcp(tfd, zone, log);
		if (!(pf[0].revents & POLLIN))
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &alen);
		if (n <= 0)
			continue;
		answer(buf, (size_t)n, zone, log, false, &out, &outlen);
		if (out)
			sendto(fd, out, outlen, 0, (struct sockaddr *)&from, alen);
		free(out);
	}
}

/* One query through a plain socket (so that the session's steering applies to it). */
static int query(const char *server, const char *name, const char *type, bool tcp, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	ldns_rdf *dn = ldns_dname_new_frm_str(name);
	ldns_pkt *q, *r = NULL;
	uint8_t *w = NULL, buf[65536];
	size_t wlen;
	ssize_t n;
	int fd;

	inet_pton(AF_INET, server, &sa.sin_addr);
	q = ldns_pkt_query_new(dn, ldns_get_rr_type_by_name(type), LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_pkt_set_random_id(q);
	ldns_pkt2wire(&w, q, &wlen);
	fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 4 },
		   sizeof(struct timeval));
	if (tcp) {
		uint8_t hdr[2] = { (uint8_t)(wlen >> 8), (uint8_t)wlen };

		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			printf("connect: %s\n", strerror(errno));
			return 3;
		}
		if (write(fd, hdr, 2) != 2 || write(fd, w, wlen) != (ssize_t)wlen)
			return 3;
		n = 0;
		while (n < 2 || n < 2 + (buf[0] << 8 | buf[1])) {
			ssize_t k = read(fd, buf + n, sizeof(buf) - (size_t)n);

			if (k <= 0)
				break;
			n += k;
		}
		memmove(buf, buf + 2, n > 2 ? (size_t)n - 2 : 0);
		n -= 2;
	} else {
		if (sendto(fd, w, wlen, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			printf("send: %s\n", strerror(errno));
			return 3;
		}
		n = recv(fd, buf, sizeof(buf), 0);
	}
	if (n <= 0 || ldns_wire2pkt(&r, buf, (size_t)n) != LDNS_STATUS_OK) {
		printf("no answer: %s\n", n < 0 ? strerror(errno) : "short");
		return 2;
	}
	{
		char *rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(r));
		ldns_rr_list *an = ldns_pkt_answer(r);

		printf("%s\n", rc);
		free(rc);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
			char *s = ldns_rr2str(ldns_rr_list_rr(an, i));

			printf("%s", s);
			free(s);
		}
	}
	return 0;
}

static int do_connect(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sequential queries on one unconnected socket: the median round trip. */
static int bench(const char *server, const char *name, int n, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), LDNS_RR_TYPE_A,
					 LDNS_RR_CLASS_IN, LDNS_RD);
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	uint8_t *w = NULL, buf[4096];
	size_t wlen;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ok = 0;

	inet_pton(AF_INET, server, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 2 },
		   sizeof(struct timeval));
	for (int i = 0; t && i < n; i++) {
		uint64_t s;

		ldns_pkt_set_id(q, (uint16_t)i);
		free(w);
		w = NULL;
		ldns_pkt2wire(&w, q, &wlen);
		s = now_ns();
		if (sendto(fd, w, wlen, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    recv(fd, buf, sizeof(buf), 0) <= 0)
			continue;
		t[ok++] = now_ns() - s;
	}
	if (!ok) {
		printf("bench: no answers\n");
		return 1;
	}
	qsort(t, (size_t)ok, sizeof(*t), cmp_u64);
	printf("%.1f\n", (double)t[ok / 2] / 1000.0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "bench"))
		return bench(argv[2], argv[3], atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 53);
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3], argv[4]);
	if (argc >= 5 && !strcmp(argv[1], "query"))
		return query(argv[2], argv[3], argv[4], argc > 5 && !strcmp(argv[5], "tcp"),
			     argc > 6 ? atoi(argv[6]) : 53);
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: dns_tool serve ADDR ZONE LOG | query SERVER NAME TYPE [tcp|udp "
			"[PORT]] | connect ADDR PORT\n");
	return 2;
}
