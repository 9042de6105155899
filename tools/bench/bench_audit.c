// SPDX-License-Identifier: GPL-2.0-only
/*
 * Audit throughput without the kernel: ring-buffer records (connect and openat refusals, as a
 * flood produces them) decoded, aggregated, formatted, hash-chained and written to the
 * JSON-lines file sink. Two runs: every record distinct (each one formatted and written), and
 * one object refused over and over (folded into summaries). Each refusal names its rule (a
 * session's table, or the default). Prints records per second;
 * tests/host/test_audit_flood.c measures the whole path with BPF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A session's rule names, as `cordon run` makes them: the syscall records name a secret. */
static struct cordon_audit_rules rules;

static int make_rules(void)
{
	struct pol_item secret = { .s = (char *)"/home/dev/.aws",
				   .file = (char *)"builtin:base",
				   .line = 94 };
	struct policy p = { .sec_files = { .v = &secret, .n = 1, .set = true } };

	return cordon_audit_rules_build(&p, &rules);
}

static int run(unsigned long n, const char *path, bool distinct)
{
	struct cordon_audit_sink_opts so = { .path = path, .fd = -1 };
	struct cordon_audit_stream *st = calloc(1, sizeof(*st));
	uint64_t lines;
	struct cordon_event_connect c;
	struct cordon_event_syscall s;
	double t0, t1, cpu0, cpu1;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.hdr = (struct cordon_event_hdr){ .type = CORDON_EV_CONNECT,
					   .size = sizeof(c),
					   .pid = 1234,
					   .tid = 1234,
					   .verdict = -EPERM,
					   .hook = CORDON_HOOK_CONNECT4,
					   .layer = CORDON_LAYER_CGROUP_BPF };
	memcpy(c.hdr.comm, "flood", 5);
	c.addr[10] = c.addr[11] = 0xff;
	c.addr[12] = 127;
	c.addr[15] = 1;
	c.port = 443;
	c.protocol = 6;
	s.hdr = c.hdr;
	s.hdr.type = CORDON_EV_SYSCALL;
	s.hdr.size = sizeof(s);
	s.hdr.verdict = -EACCES;
	s.hdr.hook = CORDON_HOOK_SYS_OPENAT;
	s.hdr.layer = CORDON_LAYER_LANDLOCK;
	s.flags = CORDON_SYSCALL_PATH | CORDON_SYSCALL_ARG;
	s.hdr.rule_id = 3u << 16; /* secrets.files[0] (POL_RULE_ID(POL_RULE_SECRET, 0)) */
	memcpy(s.path, "/home/dev/.aws/credentials", 27);
	unlink(path);
	st->ctx = (struct cordon_audit_ctx){ .session = "0123456789abcdef0123456789abcdef",
					     .policy = "bench",
					     .host = "host",
					     .rules = &rules };
	if (!st || cordon_audit_sink_open(&so, &st->sink) < 0)
		return 1;
	t0 = clock_s(CLOCK_MONOTONIC);
	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned long i = 0; i < n; i++) {
		s.hdr.ts_ns = c.hdr.ts_ns = i;
		if (distinct) {
			snprintf((char *)s.path + 26, sizeof(s.path) - 26, "%lu", i);
			c.port = (uint16_t)i;
			c.addr[14] = (uint8_t)(i >> 16);
		}
		if (i & 1)
			cordon_audit_stream_event(st, &s, sizeof(s));
		else
			cordon_audit_stream_event(st, &c, sizeof(c));
		if ((i & 255) == 255)
			cordon_audit_sink_flush(st->sink);
	}
	cordon_audit_stream_release(st);
	lines = cordon_audit_sink_lines(st->sink);
	cordon_audit_sink_close(st->sink);
	t1 = clock_s(CLOCK_MONOTONIC);
	cpu1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	/* Per CPU second too: on a shared machine the wall clock also counts other work. */
	printf("audit (%s): %lu records decoded, aggregated, formatted and appended to %s as %llu "
	       "lines in %.3f s: %.0f records/s (one core, no kernel); %.0f records per CPU "
	       "second\n",
	       distinct ? "every record distinct" : "one refusal repeated", n, path,
	       (unsigned long long)lines, t1 - t0, (double)n / (t1 - t0),
	       (double)n / (cpu1 - cpu0));
	unlink(path);
	free(st);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	const char *path = argc > 2 ? argv[2] : "/tmp/cordon-bench-audit.jsonl";

	if (make_rules() < 0)
		return 1;
	return run(n, path, true) || run(n, path, false);
}
