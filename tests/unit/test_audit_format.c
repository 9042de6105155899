// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON writer (audit_format.c) against the test oracle (audit_oracle.c): every record type
 * of bpf/events.h, hook, layer and verdict, hostile and invalid strings, cut and oversize
 * records give lines that parse to identical objects and validate against
 * docs/audit-schema.json. Also the stream's per-session lookup, and the file sink's exact
 * rotation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema_fixture.h"

#include "audit/audit.h"
#include "maps.h"
#include "unit_fixture.h"

static const char *const fragments[] = {
	"/home/dev/.aws/credentials",
	"\"",
	"\\",
	"\n{\"event\":{\"action\":\"forged\"}}\n",
	"\r\t\b\f\x01\x1f\x7f",
	"\x1b[31m",
	"d\xc3\xa9j\xc3\xa0",		/* valid two-byte sequences */
	"\xe2\x82\xac\xf0\x9f\x92\xa9", /* euro sign, a four-byte emoji */
	"\xe2\x80\xa8",			/* U+2028 */
	"\xff\xfe",			/* never valid */
	"\xc3",				/* a sequence cut short */
	"\xc0\xaf",			/* overlong '/' */
	"\xed\xa0\x80",			/* a UTF-16 surrogate */
	"\xf4\x90\x80\x80",		/* beyond U+10FFFF */
	"\xe2\x82",			/* cut three-byte sequence */
	" ",
	"a",
	"",
};

/* Every type bpf/events.h lists. */
#define TYPE_NR(name, nr, str) nr,

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

/* Fill @len bytes with hostile fragments; sometimes no NUL at all, sometimes empty. */
static void hostile(__u8 *s, size_t len)
{
	size_t k = 0;

	memset(s, 0, len);
	switch (rnd(8)) {
	case 0:
		return;
	case 1:
		memset(s, 'A' + (int)rnd(26), len); /* fills the array: no terminator */
		return;
	case 2:
		for (size_t i = 0; i < len; i++)
			s[i] = (__u8)(1 + rnd(255)); /* any byte but NUL */
		return;
	}
	while (k < len) {
		const char *f = fragments[rnd(sizeof(fragments) / sizeof(fragments[0]))];
		size_t n = strlen(f);

		if (k + n > len)
			n = len - k;
		memcpy(s + k, f, n);
		k += n;
		if (!rnd(6))
			break;
	}
}

static void fill_hdr(struct cordon_event_hdr *h, unsigned int type, size_t size)
{
	static const __s32 verdicts[] = { 0, 0, -EACCES, -EPERM, -EROFS, -ENOENT, -4095 };

	memset(h, 0, size);
	h->type = (__u16)type;
	h->version = CORDON_EVENT_VERSION;
	h->size = (__u32)size;
	h->ts_ns = (__u64)rnd(1000000) * 1000003ull;
	h->session = rnd(40);
	h->pid = rnd(5) ? rnd(4000000) : 0xffffffffu;
	h->tid = h->pid + rnd(3);
	h->uid = rnd(4) ? 0 : rnd(3) ? 65534 : 4000000000u;
	h->verdict = verdicts[rnd(sizeof(verdicts) / sizeof(verdicts[0]))];
	/* none, an unknown kind, every bit, or an entry of a table (tests/unit's rules0) */
	h->rule_id = rnd(3)   ? 0
		     : rnd(4) ? (1 + rnd(10)) << 16 | rnd(12)
		     : rnd(2) ? rnd(100)
			      : 0xffffffffu;
	h->hook = (__u16)rnd(132);
	h->layer = (__u16)rnd(5); /* the layers docs/audit-schema.json knows */
	/* observe mode: a would-refuse record (and the flag on a record without a verdict,
	 * which a producer never writes: it must change nothing) */
	h->flags = rnd(4) ? 0 : CORDON_EVENT_OBSERVED;
	hostile(h->comm, sizeof(h->comm));
}

static __u64 big(void)
{
	return rnd(2) ? rnd(1000) : ~0ull - rnd(1000);
}

static void fill_addr(__u8 addr[16])
{
	memset(addr, 0, 16);
	if (rnd(2)) {
		addr[10] = addr[11] = 0xff;
		addr[12] = (__u8)rnd(256);
		addr[15] = (__u8)rnd(256);
	} else {
		for (int i = 0; i < 16; i++)
			addr[i] = rnd(3) ? 0 : (__u8)rnd(256);
	}
}

/* One random record of @type in @buf; returns its size. */
static size_t make_event(unsigned int type, void *buf)
{
	switch (type) {
	case CORDON_EV_FILE: {
		struct cordon_event_file *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		/* jansson has no unsigned 64-bit integers: an inode past INT64_MAX would print
		 * negative (both ways), which the schema refuses; real ones stay below. */
		e->ino = big() >> 1;
		e->access = rnd(8);
		hostile(e->path, sizeof(e->path));
		return sizeof(*e);
	}
	case CORDON_EV_CONNECT: {
		struct cordon_event_connect *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		fill_addr(e->addr);
		e->port = (__u16)rnd(65536);
		e->protocol = (__u8)(rnd(3) ? 6 : rnd(2) ? 17 : rnd(256));
		return sizeof(*e);
	}
	case CORDON_EV_TASK: {
		struct cordon_event_task *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		e->target_pid = rnd(100000);
		e->detail = rnd(2) ? rnd(65) : 0xffffffffu;
		hostile(e->target_comm, sizeof(e->target_comm));
		return sizeof(*e);
	}
	case CORDON_EV_OP: {
		struct cordon_event_op *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		e->arg0 = big();
		e->arg1 = big();
		e->arg2 = big();
		return sizeof(*e);
	}
	case CORDON_EV_EXEC: {
		struct cordon_event_exec *e = buf;
		size_t off = 0;

		fill_hdr(&e->hdr, type, sizeof(*e));
		e->ppid = rnd(100000);
		e->old_pid = rnd(2) ? e->hdr.pid : rnd(100000);
		e->euid = rnd(2) ? e->hdr.uid : 0;
		e->flags = rnd(4);
		hostile(e->filename, sizeof(e->filename));
		/* argv: several hostile strings back to back, the last one maybe cut */
		while (off < sizeof(e->args) && rnd(12)) {
			__u8 tmp[64];
			size_t n;

			hostile(tmp, sizeof(tmp) - 1);
			tmp[sizeof(tmp) - 1] = 0;
			n = strlen((char *)tmp) + 1;
			if (off + n > sizeof(e->args))
				n = sizeof(e->args) - off;
			memcpy(e->args + off, tmp, n);
			off += n;
			e->argc++;
		}
		e->args_len = rnd(8) ? (__u32)off : rnd(2) ? 1u << 31 : (__u32)sizeof(e->args);
		if (!rnd(8))
			hostile(e->args, sizeof(e->args));
		return sizeof(*e);
	}
	case CORDON_EV_EXIT: {
		struct cordon_event_exit *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		e->ppid = rnd(100000);
		e->exit_code = rnd(2) ? rnd(256) << 8 : rnd(2) ? rnd(65) : rnd(65536);
		e->start_ns = rnd(4) ? e->hdr.ts_ns - rnd(1000000) : big();
		return sizeof(*e);
	}
	case CORDON_EV_AUTO_CONFINE: {
		struct cordon_event_auto *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		e->hdr.layer = CORDON_LAYER_BPF_LSM; /* as the producer always sets it */
		e->ino = big() >> 1;
		e->dev = rnd(1000);
		e->ppid = rnd(100000);
		hostile(e->path, sizeof(e->path));
		return sizeof(*e);
	}
	case CORDON_EV_AUTO_USER: {
		struct cordon_event_auto_user *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		e->hdr.layer = CORDON_LAYER_BPF_LSM; /* as the producer always sets it */
		e->hdr.flags = rnd(2) ? CORDON_EVENT_AUTO_USER_FAILED : 0;
		e->ino = big() >> 1;
		e->dev = rnd(1000);
		e->ppid = rnd(100000);
		e->auto_uid = rnd(2) ? e->hdr.uid : (__u32)big();
		e->euid = rnd(2) ? e->hdr.uid : 0;
		hostile(e->path, sizeof(e->path));
		return sizeof(*e);
	}
	case CORDON_EV_CGROUP_ESCAPE: {
		struct cordon_event_cgroup_escape *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		/* as the producer always sets them */
		e->hdr.layer = CORDON_LAYER_SESSION_CGROUP;
		e->hdr.hook = rnd(2) ? CORDON_HOOK_CGROUP_ATTACH_TASK : CORDON_HOOK_SCHED_FORK;
		e->dst_cgroup_id = big() >> 1;
		e->start_ns = big();
		e->mover_pid = rnd(100000);
		e->flags = rnd(1024);
		hostile(e->mover_comm, sizeof(e->mover_comm));
		hostile(e->path, sizeof(e->path));
		return sizeof(*e);
	}
	case CORDON_EV_NET_ALLOWED: {
		size_t n = make_event(CORDON_EV_CONNECT, buf);

		((struct cordon_event_hdr *)buf)->type = CORDON_EV_NET_ALLOWED;
		return n;
	}
	default: { /* CORDON_EV_SYSCALL, CORDON_EV_SECCOMP_KILL */
		struct cordon_event_syscall *e = buf;

		fill_hdr(&e->hdr, type, sizeof(*e));
		e->nr = rnd(500);
		e->flags = rnd(8) | (rnd(4) ? 0 : CORDON_SYSCALL_EXACT) |
			   (rnd(4) ? 0 : CORDON_SYSCALL_UNCERTAIN) |
			   (rnd(4) ? 0 : CORDON_SYSCALL_RESOLVED) |
			   (rnd(4) ? 0 : CORDON_SYSCALL_RESOLVED_PROC) |
			   (rnd(4) ? 0 : CORDON_SYSCALL_DIR_TOO_LONG) |
			   (rnd(4) ? 0 : CORDON_SYSCALL_DIR_UNREACHABLE) |
			   (rnd(4) ? 0 : CORDON_SYSCALL_DIR_CHANGED);
		e->arg = big();
		fill_addr(e->addr);
		e->port = (__u16)rnd(65536);
		e->family = (__u16)(rnd(3) ? AF_INET : rnd(2) ? AF_INET6 : rnd(50));
		hostile(e->path, sizeof(e->path));
		return sizeof(*e);
	}
	}
}

/* The names of a policy whose entries and file names are the hostile fragments. */
static struct cordon_audit_rules rules0;

static const struct cordon_audit_ctx sessions[] = {
	{ .session = "0123456789abcdef0123456789abcdef",
	  .policy = "agent",
	  .policy_sha256 = "c78f281af1cfe4a8a5fc71b41b6523a5c2793e1f1d9a791a53a5e58fd4c1a45a",
	  .host = "testhost",
	  .rules = &rules0 },
	{ .session = "fedcba9876543210fedcba9876543210",
	  .policy = "offline",
	  .host = "h\"\n",
	  .rules = &rules0 },
	{ .session = "00000000000000000000000000000001", .host = "" },
};

/*
 * Format @data both ways and require the same object, one line, schema-valid. The time stamps
 * are read from the clock separately by each path: compared for form, not value.
 */
/*
 * The OCSF serialisation of @ecs: one line, parsing back to itself, valid against the OCSF
 * schema subset, carrying the agent-controlled path exactly.
 */
static void check_ocsf(json_t *ecs)
{
	json_t *o = cordon_audit_to_ocsf(ecs), *back, *file;
	const char *path = json_string_value(json_object_get(json_object_get(ecs, "file"), "path"));
	char *line, err[512];

	assert_non_null(o);
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(line);
	assert_null(strchr(line, '\n'));
	assert_null(strchr(line, '\r'));
	back = json_loads(line, 0, NULL);
	assert_true(json_equal(back, o));
	if (audit_schema_validate(back, err, sizeof(err)))
		fail_msg("OCSF schema: %s in %s", err, line);
	file = json_object_get(back, "file")
		       ?: json_object_get(json_array_get(json_object_get(back, "evidences"), 0),
					  "file");
	if (path)
		assert_string_equal(json_string_value(json_object_get(file, "path")), path);
	json_decref(back);
	json_decref(o);
	free(line);
}

static void both_ways(struct cordon_audit_format *f, const struct cordon_audit_ctx *c,
		      const void *data, size_t size)
{
	struct cordon_audit_ctx rc = { .session = c->session,
				       .policy = c->policy,
				       .policy_sha256 = c->policy_sha256,
				       .host = c->host,
				       .rules = c->rules };
	struct cordon_audit_buf out = { 0 };
	json_t *ref = cordon_audit_from_event(&rc, data, size), *fast;
	json_error_t e;
	char err[512];
	int r;

	r = cordon_audit_format_event(f, c, data, size, &out, NULL);
	if (!ref) {
		/* The oracle writes nothing only for records it refuses. */
		assert_true(r == -EBADMSG || r == -EOPNOTSUPP);
		assert_int_equal(out.len, 0);
		free(out.p);
		return;
	}
	if (r)
		fail_msg("fast formatter: %d on a record the reference formats (type %u)", r,
			 ((const struct cordon_event_hdr *)data)->type);
	assert_null(memchr(out.p, '\n', out.len));
	assert_null(memchr(out.p, '\r', out.len));
	fast = json_loadb(out.p, out.len, 0, &e);
	if (!fast)
		fail_msg("fast line does not parse: %s: %.*s", e.text, (int)out.len, out.p);
	if (audit_schema_validate(fast, err, sizeof(err)))
		fail_msg("schema: %s in %.*s", err, (int)out.len, out.p);
	check_ocsf(fast);
	json_object_del(ref, "@timestamp");
	json_object_del(fast, "@timestamp");
	if (!json_equal(ref, fast)) {
		char *a = json_dumps(ref, JSON_COMPACT | JSON_SORT_KEYS);
		char *b = json_dumps(fast, JSON_COMPACT | JSON_SORT_KEYS);

		fail_msg("differ:\nreference %s\nfast      %s", a, b);
	}
	json_decref(ref);
	json_decref(fast);
	free(out.p);
}

static void test_audit_format__equals_the_oracle_on_every_type(void **state)
{
	static const unsigned int types[] = { CORDON_EVENT_TYPES(TYPE_NR) };
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	union {
		struct cordon_event_exec exec;
		__u8 raw[4096];
	} buf;

	(void)state;
	for (int i = 0; i < 30000; i++) {
		unsigned int type = types[i % (sizeof(types) / sizeof(types[0]))];
		const struct cordon_audit_ctx *c = &sessions[rnd(3)];
		size_t size = make_event(type, &buf);

		both_ways(f, c, &buf, size);
		if (i % 50 == 0) {
			/* A longer record of a newer producer, and cut ones: same verdict both ways. */
			((struct cordon_event_hdr *)&buf)->size = (__u32)(size + 64);
			both_ways(f, c, &buf, size + 64);
			both_ways(f, c, &buf, size - 1 - rnd((unsigned int)size));
			((struct cordon_event_hdr *)&buf)->size = (__u32)rnd((unsigned int)size);
			both_ways(f, c, &buf, size);
		}
	}
	free(f);
}

/* Strings an agent chooses, each put in every string field of every type. */
static const char *const hostile_strings[] = {
	"/home/dev/project/src/main.c",
	"\"quoted\" and \\back\\slashed\\\"",
	"line\nbreak\r{\"event\":{\"action\":\"forged\"}}\n",
	"\x01\x02\x1b[31mred\x1b[0m\x7f\t\b\f",
	"\xff\xfe\xc3\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82",
	"mixed \xe2\x82\xac valid and \xff invalid \"\x01\"",
	"",
	NULL, /* fills every array to its end, no NUL: the longest name */
};

/* Put @s (NULL: the longest hostile name) in the @len bytes at @p. */
static void put_hostile(__u8 *p, size_t len, const char *s)
{
	memset(p, 0, len);
	if (!s) {
		for (size_t i = 0; i < len; i++)
			p[i] = (__u8) "\"\\\n\x01\xff\xe2\x82\xac-A"[i % 10];
		return;
	}
	memcpy(p, s, strlen(s) < len ? strlen(s) : len - 1);
}

/* A record of @type with @s in each of its strings and every optional field present. */
static size_t hostile_record(unsigned int type, __u8 *buf, size_t cap, const char *s, int v)
{
	const struct cordon_event_desc *d = cordon_event_desc(type);
	struct cordon_event_hdr *h = (struct cordon_event_hdr *)buf;

	assert_non_null(d);
	assert_true(d->size <= cap);
	memset(buf, 0, cap);
	*h = (struct cordon_event_hdr){ .type = (__u16)type,
					.version = CORDON_EVENT_VERSION,
					.size = (__u32)d->size,
					.ts_ns = 5000000000ull,
					.pid = 42,
					.tid = 43,
					.uid = 1000,
					.verdict = v ? -EACCES : 0,
					.rule_id = v ? 3u << 16 | 1 : 0,
					.hook = (__u16)(v ? CORDON_HOOK_FILE_OPEN
							  : CORDON_HOOK_SYS_CONNECT),
					.layer = CORDON_LAYER_LANDLOCK };
	put_hostile(h->comm, sizeof(h->comm), s);
	for (size_t i = 0; i < d->n_fields; i++) {
		const struct cordon_event_field *fd = &d->fields[i];
		__u32 flags, used = 0;

		memcpy(&flags, buf + fd->when_off, sizeof(flags));
		flags |= fd->when_bit;
		memcpy(buf + fd->when_off, &flags, sizeof(flags));
		if (fd->kind == CORDON_FIELD_STR)
			put_hostile(buf + fd->off, fd->len, s);
		if (fd->kind != CORDON_FIELD_ARGV)
			continue;
		/* argv: the string three times, then cut where the array ends */
		memset(buf + fd->off, 0, fd->len);
		for (int k = 0; k < 3 && s; k++) {
			size_t n = strlen(s) + 1 < fd->len - used ? strlen(s) + 1 : fd->len - used;

			memcpy(buf + fd->off + used, s, n);
			used += (__u32)n;
		}
		if (!s) {
			put_hostile(buf + fd->off, fd->len, s);
			used = fd->len;
		}
		memcpy(buf + fd->aux, &used, sizeof(used));
	}
	return d->size;
}

static void test_audit_format__every_type_with_hostile_strings_equals_the_oracle(void **state)
{
	static const unsigned int types[] = { CORDON_EVENT_TYPES(TYPE_NR) };
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	__u8 buf[4096] __attribute__((aligned(8)));

	(void)state;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (size_t i = 0; i < sizeof(hostile_strings) / sizeof(hostile_strings[0]); i++)
			for (int v = 0; v < 2; v++) {
				size_t n = hostile_record(types[t], buf, sizeof(buf),
							  hostile_strings[i], v);

				both_ways(f, &sessions[v], buf, n);
			}
	free(f);
}

static void test_audit_format__longest_exec_records_fit_the_scratch(void **state)
{
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	struct cordon_event_exec e;

	(void)state;
	for (int shape = 0; shape < 3; shape++) {
		hostile_record(CORDON_EV_EXEC, (__u8 *)&e, sizeof(e), "", 1);
		/* control characters grow 6 times, invalid bytes 3 times plus their hex */
		memset(e.hdr.comm, shape ? 0x01 : 0xff, sizeof(e.hdr.comm));
		memset(e.filename, shape ? 0x01 : 0xff, sizeof(e.filename));
		for (size_t i = 0; i < sizeof(e.args); i++)
			e.args[i] = shape == 2 ? 0x01 : i % 2 ? 0 : 0xff; /* 320 one-byte args */
		e.args_len = sizeof(e.args);
		both_ways(f, &sessions[0], &e, sizeof(e));
	}
	free(f);
}

static void test_audit_format__every_hook_and_layer_name_is_a_plain_identifier(void **state)
{
	(void)state;
	/* Names from cordon's tables are quoted without an encoder: they must need none. */
	for (unsigned int i = 0; i < 200; i++) {
		const char *names[] = { cordon_event_hook_name(i), cordon_event_layer_name(i) };

		for (size_t k = 0; k < 2; k++)
			for (const char *p = names[k]; *p; p++)
				assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
					    *p == '_' || *p == '-');
	}
}

static void test_audit_format__time_stamp_equals_rfc3339(void **state)
{
	struct cordon_audit_format f = { 0 };
	static const uint64_t at[] = { 0,
				       999999999,
				       1000000000,
				       951782400000000000ull, /* 2000-02-29 */
				       1795000000123456789ull,
				       1795000000999999999ull,
				       1795000001000000000ull,
				       4102444799999999999ull };

	(void)state;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]) * 3; i++) {
		uint64_t ns = at[i % (sizeof(at) / sizeof(at[0]))] + (i / 8) * 7;
		struct cordon_audit_buf out = { 0 };
		char ref[40];

		cordon_audit_rfc3339(ns, ref, sizeof(ref));
		cordon_audit_format_time(&f, ns, &out);
		assert_int_equal(out.len, strlen(ref));
		assert_memory_equal(out.p, ref, out.len);
		free(out.p);
	}
}

/* --- many sessions on one stream ---------------------------------------------------------- */

struct lookup {
	struct cordon_audit_ctx a, b;
	unsigned int calls;
};

static const struct cordon_audit_ctx *lookup(void *arg, uint32_t session_id, uint64_t cgroup_id)
{
	struct lookup *l = arg;

	l->calls++;
	if (session_id == 1 && cgroup_id == 100)
		return &l->a;
	if (session_id == 2)
		return &l->b;
	return NULL;
}

static json_t *read_lines(const char *path, size_t *n)
{
	json_t *arr = json_array();
	char line[65536];
	FILE *f = fopen(path, "r");
	char err[512];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);

		assert_non_null(j);
		if (audit_schema_validate(j, err, sizeof(err)))
			fail_msg("schema: %s in %s", err, line);
		json_array_append_new(arr, j);
	}
	fclose(f);
	*n = json_array_size(arr);
	return arr;
}

static const char *sget(json_t *r, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(r, a), b));
}

/* A stream whose sink writes to DIR/audit.jsonl in the fresh directory @dir (its name in @path). */
static struct cordon_audit_stream *file_stream(char *dir, char *path, size_t len)
{
	struct cordon_audit_sink_opts so = { .fd = -1, .path = path };
	struct cordon_audit_stream *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/audit.jsonl", dir);
	assert_int_equal(cordon_audit_sink_open(&so, &st->sink), 0);
	return st;
}

static void test_audit_format__stream_formats_each_record_with_its_session(void **state)
{
	char dir[] = "/tmp/cordon-fmt-XXXXXX", path[64];
	struct cordon_audit_stream *st = file_stream(dir, path, sizeof(path));
	struct lookup l = {
		.a = { .session = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", .policy = "pa", .host = "h" },
		.b = { .session = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", .policy = "pb", .host = "h" },
	};
	struct cordon_event_file e;
	json_t *recs;
	size_t n;

	(void)state;
	st->ctx.host = "thehost";
	st->session_ctx = lookup;
	st->session_arg = &l;
	memset(&e, 0, sizeof(e));
	e.hdr = (struct cordon_event_hdr){ .type = CORDON_EV_FILE,
					   .size = sizeof(e),
					   .pid = 5,
					   .tid = 5,
					   .verdict = -EACCES,
					   .hook = CORDON_HOOK_FILE_OPEN,
					   .layer = CORDON_LAYER_BPF_LSM };
	memcpy(e.path, "/etc/shadow", 12);
	for (uint32_t id = 1; id <= 3; id++) {
		e.hdr.session = id;
		e.hdr.cgroup_id = 100;
		e.hdr.tid = 10 + id; /* distinct threads: no echo suppression */
		cordon_audit_stream_event(st, &e, sizeof(e));
	}
	/* The daemon reuses a context for another session: its new fields, never the old ones. */
	l.a.session = "cccccccccccccccccccccccccccccccc";
	l.a.policy = "pc";
	e.hdr.session = 1;
	e.hdr.tid = 20;
	e.hdr.ts_ns = CORDON_AUDIT_AGG_WINDOW_NS; /* not a repeat of the first: a new window */
	cordon_audit_stream_event(st, &e, sizeof(e));
	cordon_audit_stream_release(st);
	assert_int_equal(cordon_audit_sink_close(st->sink), 0);
	assert_int_equal(l.calls, 4);
	assert_int_equal(st->unknown_sessions, 1);
	assert_int_equal(st->write_errors, 0);

	recs = read_lines(path, &n);
	assert_int_equal(n, 4);
	assert_string_equal(sget(json_array_get(recs, 0), "cordon", "session"),
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_string_equal(sget(json_array_get(recs, 0), "cordon", "policy"), "pa");
	assert_string_equal(sget(json_array_get(recs, 1), "cordon", "session"), l.b.session);
	assert_string_equal(sget(json_array_get(recs, 1), "cordon", "policy"), "pb");
	assert_string_equal(sget(json_array_get(recs, 2), "cordon", "session"), "unknown-3");
	assert_null(json_object_get(json_object_get(json_array_get(recs, 2), "cordon"), "policy"));
	assert_string_equal(sget(json_array_get(recs, 2), "host", "name"), "thehost");
	assert_string_equal(sget(json_array_get(recs, 2), "file", "path"), "/etc/shadow");
	assert_string_equal(sget(json_array_get(recs, 3), "cordon", "session"),
			    "cccccccccccccccccccccccccccccccc");
	assert_string_equal(sget(json_array_get(recs, 3), "cordon", "policy"), "pc");
	json_decref(recs);
	unlink(path);
	rmdir(dir);
	free(st);
}

static void test_audit_format__single_session_stream_uses_ctx(void **state)
{
	char dir[] = "/tmp/cordon-fmt-XXXXXX", path[64];
	struct cordon_audit_stream *st = file_stream(dir, path, sizeof(path));
	struct cordon_event_exit x;
	json_t *recs;
	size_t n;

	(void)state;
	st->ctx = sessions[0];
	memset(&x, 0, sizeof(x));
	x.hdr = (struct cordon_event_hdr){ .type = CORDON_EV_EXIT,
					   .size = sizeof(x),
					   .session = 99, /* not looked up: there is no lookup */
					   .pid = 7,
					   .tid = 7,
					   .hook = CORDON_HOOK_SCHED_EXIT };
	cordon_audit_stream_event(st, &x, sizeof(x));
	cordon_audit_stream_drops(st, 3);
	cordon_audit_stream_release(st);
	assert_int_equal(cordon_audit_sink_close(st->sink), 0);
	recs = read_lines(path, &n);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(sget(json_array_get(recs, i), "cordon", "session"),
				    sessions[0].session);
		assert_string_equal(sget(json_array_get(recs, i), "cordon", "policy_sha256"),
				    sessions[0].policy_sha256);
	}
	assert_int_equal(st->unknown_sessions, 0);
	json_decref(recs);
	unlink(path);
	rmdir(dir);
	free(st);
}

/* --- the file sink: exact rotation ---------------------------------------------------------- */

static void test_audit_format__rotation_keeps_files_within_the_limit(void **state)
{
	char dir[] = "/tmp/cordon-rot-XXXXXX", path[64], rot[80];
	struct cordon_audit_sink_opts o = { .fd = -1, .max_bytes = 8192, .keep = 50 };
	struct cordon_audit_ctx c = sessions[0];
	struct cordon_audit_sink *s = NULL;
	unsigned long total = 0, files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	o.path = path;
	assert_int_equal(cordon_audit_sink_open(&o, &s), 0);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(cordon_audit_sink_emit(s, cordon_audit_lost(&c, 1 + i, 1, 5)), 0);
		if (i % 37 == 36) /* flushes of many lines at once, as after a drain */
			assert_int_equal(cordon_audit_sink_flush(s), 0);
	}
	assert_int_equal(cordon_audit_sink_close(s), 0);
	for (int i = 0; i <= 50; i++) {
		long size;
		FILE *f;

		unit_rotated(rot, sizeof(rot), path, i);
		f = fopen(rot, "r");
		if (!f)
			break;
		files++;
		total += unit_whole_records(f);
		size = ftell(f);
		assert_true(size > 0 && size <= 8192);
		fclose(f);
		unlink(rot);
	}
	assert_true(files > 5);
	assert_int_equal(total, 500); /* nothing lost: keep was large enough */
	rmdir(dir);
}

/* A refused open of @path by @pid at @ts, as the tracepoint reports it. */
static void flood_record(struct cordon_event_syscall *s, const char *path, uint32_t pid,
			 uint64_t ts)
{
	memset(s, 0, sizeof(*s));
	s->hdr = (struct cordon_event_hdr){ .type = CORDON_EV_SYSCALL,
					    .size = sizeof(*s),
					    .ts_ns = ts,
					    .pid = pid,
					    .tid = pid,
					    .verdict = -EACCES,
					    .hook = CORDON_HOOK_SYS_OPENAT,
					    .layer = CORDON_LAYER_LANDLOCK };
	s->flags = CORDON_SYSCALL_PATH;
	snprintf((char *)s->path, sizeof(s->path), "%s", path);
}

/* The refusals a log's lines stand for: one each, plus what a summary counts. */
static uint64_t represented(json_t *recs, const char *path)
{
	uint64_t n = 0;
	size_t i;
	json_t *r;

	json_array_foreach (recs, i, r) {
		const char *p = sget(r, "file", "path");
		json_t *rep = json_object_get(json_object_get(r, "cordon"), "repeated");

		if (p && !strcmp(p, path))
			n += json_is_integer(rep) ? (uint64_t)json_integer_value(rep) : 1;
	}
	return n;
}

static void test_audit_format__identical_refusals_fold_into_a_count(void **state)
{
	char dir[] = "/tmp/cordon-agg-XXXXXX", path[64];
	struct cordon_audit_stream *st = file_stream(dir, path, sizeof(path));
	const char *evil = "/p/\"x\n{\"forged\":1}\r.env";
	struct cordon_event_syscall s;
	json_t *recs, *sum;
	size_t n;

	(void)state;
	st->ctx = sessions[0];
	/* 1000 identical refusals in one window from several processes, and 3 of another file. */
	for (uint64_t i = 0; i < 1000; i++) {
		flood_record(&s, evil, 100 + (uint32_t)(i % 7), 1000 + i * 1000);
		cordon_audit_stream_event(st, &s, sizeof(s));
	}
	for (uint64_t i = 0; i < 3; i++) {
		flood_record(&s, "/p/other", 100 + (uint32_t)i, 5000 + i);
		cordon_audit_stream_event(st, &s, sizeof(s));
	}
	/* The window is not over: no summary yet. Then it is. */
	assert_int_equal(cordon_audit_stream_tick(st, 1000 + CORDON_AUDIT_AGG_WINDOW_NS / 2), 0);
	assert_int_equal(cordon_audit_stream_tick(st, 5000 + CORDON_AUDIT_AGG_WINDOW_NS), 2);
	/* The same again after the window: written in full again. */
	flood_record(&s, evil, 100, 2 * CORDON_AUDIT_AGG_WINDOW_NS);
	cordon_audit_stream_event(st, &s, sizeof(s));
	assert_int_equal(cordon_audit_stream_refusals(st), 1004);
	cordon_audit_stream_release(st);
	assert_int_equal(cordon_audit_sink_close(st->sink), 0);
	recs = read_lines(path, &n); /* every line valid against the schema */
	assert_int_equal(n, 5);
	assert_int_equal(represented(recs, evil), 1001);
	assert_int_equal(represented(recs, "/p/other"), 3);
	sum = json_array_get(recs, 2);
	if (strcmp(sget(sum, "file", "path"), evil))
		sum = json_array_get(recs, 3);
	assert_string_equal(sget(sum, "file", "path"), evil);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(sum, "cordon"), "repeated")),
		999);
	assert_non_null(sget(sum, "event", "start"));
	assert_non_null(sget(sum, "event", "end"));
	assert_null(
		json_object_get(json_object_get(json_array_get(recs, 0), "cordon"), "repeated"));
	json_decref(recs);
	unlink(path);
	rmdir(dir);
	free(st);
}

static void test_audit_format__aggregation_off_writes_every_refusal(void **state)
{
	char dir[] = "/tmp/cordon-agg-XXXXXX", path[64];
	struct cordon_audit_stream *st = file_stream(dir, path, sizeof(path));
	struct cordon_event_syscall s;
	json_t *recs;
	size_t n;

	(void)state;
	st->ctx = sessions[0];
	st->no_aggregate = true;
	for (uint64_t i = 0; i < 50; i++) {
		flood_record(&s, "/p/x", 100 + (uint32_t)i, 1000 + i);
		cordon_audit_stream_event(st, &s, sizeof(s));
	}
	cordon_audit_stream_release(st);
	assert_int_equal(cordon_audit_sink_close(st->sink), 0);
	recs = read_lines(path, &n);
	assert_int_equal(n, 50);
	json_decref(recs);
	unlink(path);
	rmdir(dir);
	free(st);
}

/*
 * rules0: every list a rule id names, each entry a hostile fragment written in a file whose
 * name is another one (a policy path may hold any byte but NUL; its file name too).
 */
static int rules_setup(void **state)
{
	enum {
		N = sizeof(fragments) / sizeof(fragments[0])
	};
	static struct pol_item items[N];
	static struct pol_net nets[N];
	struct policy *p = calloc(1, sizeof(*p));
	struct pol_list l = { .v = items, .n = N, .set = true };
	int r;

	if (!p)
		return -1;
	for (size_t i = 0; i < N; i++) {
		items[i] = (struct pol_item){ .s = (char *)fragments[i],
					      .file = (char *)fragments[(i + 3) % N],
					      .line = (int)i + 1,
					      .col = 3 };
		nets[i] = (struct pol_net){ .text = (char *)fragments[i],
					    .file = i % 2 ? (char *)fragments[i] : NULL,
					    .line = (int)i * 7 };
	}
	p->sec_files = p->sec_patterns = p->fs_protect = p->exec_deny = l;
	p->unix_deny = p->unix_allow = l;
	p->connect = p->bind = (struct pol_net_list){ .v = nets, .n = N, .set = true };
	r = cordon_audit_rules_build(p, &rules0);
	free(p);
	return r < 0 ? -1 : schema_setup(state);
}

static int rules_teardown(void **state)
{
	cordon_audit_rules_free(&rules0);
	return schema_teardown(state);
}

/* A rule's name and source line: the entry as the policy holds it, exactly, in both formats. */
static void test_audit_format__rule_texts_its_entry_and_line(void **state)
{
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	struct cordon_event_file e;
	struct cordon_audit_buf out = { 0 };
	json_t *rec, *c, *ocsf;

	(void)state;
	hostile_record(CORDON_EV_FILE, (__u8 *)&e, sizeof(e), "/p/.env", 1);
	e.hdr.rule_id = 3u << 16 | 0; /* secrets.files[0] */
	assert_int_equal(cordon_audit_format_event(f, &sessions[0], &e, sizeof(e), &out, NULL), 0);
	rec = json_loadb(out.p, out.len, 0, NULL);
	c = json_object_get(rec, "cordon");
	assert_string_equal(json_string_value(json_object_get(c, "rule_text")),
			    "secrets.files[0]: /home/dev/.aws/credentials");
	assert_string_equal(json_string_value(json_object_get(c, "rule_source")),
			    "\n{\"event\":{\"action\":\"forged\"}}\n:1");
	ocsf = cordon_audit_to_ocsf(rec);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(ocsf, "finding_info"), "analytic"),
			"name")),
		"secrets.files[0]: /home/dev/.aws/credentials");
	json_decref(ocsf);
	json_decref(rec);
	/* A default deny: named without a source. */
	out.len = 0;
	e.hdr.type = CORDON_EV_CONNECT;
	e.hdr.size = sizeof(struct cordon_event_connect);
	e.hdr.hook = CORDON_HOOK_BIND4;
	e.hdr.rule_id = 0;
	assert_int_equal(cordon_audit_format_event(f, &sessions[0], &e, e.hdr.size, &out, NULL), 0);
	rec = json_loadb(out.p, out.len, 0, NULL);
	c = json_object_get(rec, "cordon");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "event"), "action")),
		"bind");
	assert_string_equal(json_string_value(json_object_get(c, "rule_text")),
			    "network.bind: no entry allows it (default deny)");
	assert_null(json_object_get(c, "rule_source"));
	json_decref(rec);
	free(out.p);
	free(f);
}

/*
 * Observe mode: a refusal let through says so (outcome unknown, cordon.observed) with its rule
 * and would-be errno, and is an allowed, detected finding in OCSF.
 */
static void test_audit_format__observed_refusal_says_would_refuse(void **state)
{
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	struct cordon_event_connect e;
	struct cordon_audit_buf out = { 0 };
	json_t *rec, *c, *ocsf;

	(void)state;
	hostile_record(CORDON_EV_CONNECT, (__u8 *)&e, sizeof(e), "", 1);
	e.hdr.hook = CORDON_HOOK_CONNECT4;
	e.hdr.layer = CORDON_LAYER_CGROUP_BPF;
	e.hdr.verdict = -EPERM;
	e.hdr.rule_id = 0;
	e.hdr.flags = CORDON_EVENT_OBSERVED;
	assert_int_equal(cordon_audit_format_event(f, &sessions[0], &e, sizeof(e), &out, NULL), 0);
	rec = json_loadb(out.p, out.len, 0, NULL);
	c = json_object_get(rec, "cordon");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "event"), "outcome")),
		"unknown");
	assert_true(json_is_true(json_object_get(c, "observed")));
	assert_string_equal(json_string_value(json_object_get(c, "rule_text")),
			    "network.connect: no entry allows it (default deny)");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "error"), "code")), "EPERM");
	ocsf = cordon_audit_to_ocsf(rec);
	assert_int_equal(json_integer_value(json_object_get(ocsf, "class_uid")), 2004);
	assert_int_equal(json_integer_value(json_object_get(ocsf, "action_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(ocsf, "disposition_id")), 15);
	assert_int_equal(json_integer_value(json_object_get(ocsf, "status_id")), 1);
	json_decref(ocsf);
	json_decref(rec);
	/* The same refusal enforced: a failure, not observed. */
	out.len = 0;
	e.hdr.flags = 0;
	assert_int_equal(cordon_audit_format_event(f, &sessions[0], &e, sizeof(e), &out, NULL), 0);
	rec = json_loadb(out.p, out.len, 0, NULL);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "event"), "outcome")),
		"failure");
	assert_null(json_object_get(json_object_get(rec, "cordon"), "observed"));
	json_decref(rec);
	free(out.p);
	free(f);
}

/*
 * Observe mode on the BPF LSM tier: a file access no allow-list covered names the access kind
 * and that no entry allows it, record by record (the class cache is per hook, the rule not).
 */
static void test_audit_format__observed_file_names_the_access(void **state)
{
	static const struct {
		__u32 access;
		const char *rule;
	} cases[] = {
		{ CORDON_ACCESS_READ, "filesystem.read: no entry allows it (default deny)" },
		{ CORDON_ACCESS_WRITE, "filesystem.write: no entry allows it (default deny)" },
		{ CORDON_ACCESS_READ | CORDON_ACCESS_EXEC,
		  "filesystem.exec: no entry allows it (default deny)" },
	};
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	struct cordon_event_file e;
	struct cordon_audit_buf out = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *rec, *c;

		hostile_record(CORDON_EV_FILE, (__u8 *)&e, sizeof(e), "", 1);
		e.hdr.hook = CORDON_HOOK_FILE_OPEN;
		e.hdr.layer = CORDON_LAYER_BPF_LSM;
		e.hdr.verdict = -EACCES;
		e.hdr.rule_id = 0;
		e.hdr.flags = CORDON_EVENT_OBSERVED;
		e.access = cases[i].access;
		snprintf((char *)e.path, sizeof(e.path), "/srv/obs/f");
		out.len = 0;
		assert_int_equal(
			cordon_audit_format_event(f, &sessions[0], &e, sizeof(e), &out, NULL), 0);
		rec = json_loadb(out.p, out.len, 0, NULL);
		assert_non_null(rec);
		c = json_object_get(rec, "cordon");
		assert_true(json_is_true(json_object_get(c, "observed")));
		assert_string_equal(json_string_value(json_object_get(c, "rule_text")),
				    cases[i].rule);
		json_decref(rec);
	}
	/* Enforced (not observed), the same record keeps the BPF LSM default. */
	e.hdr.flags = 0;
	out.len = 0;
	assert_int_equal(cordon_audit_format_event(f, &sessions[0], &e, sizeof(e), &out, NULL), 0);
	assert_non_null(strstr(out.p, "built-in: BPF LSM file rule"));
	free(out.p);
	free(f);
}

/* A refused socket() names its family, type and protocol, not bare numbers. */
static void test_audit_format__socket_refusal_names_its_kind(void **state)
{
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	struct cordon_event_op op;
	struct cordon_event_syscall sc;
	struct cordon_audit_buf out = { 0 };
	json_t *rec, *so;

	(void)state;
	hostile_record(CORDON_EV_OP, (__u8 *)&op, sizeof(op), "", 1);
	op.hdr.hook = CORDON_HOOK_SOCKET_CREATE;
	op.arg0 = AF_NETLINK;
	op.arg1 = SOCK_RAW | SOCK_CLOEXEC;
	op.arg2 = 0;
	assert_int_equal(cordon_audit_format_event(f, &sessions[0], &op, sizeof(op), &out, NULL),
			 0);
	rec = json_loadb(out.p, out.len, 0, NULL);
	so = json_object_get(json_object_get(rec, "cordon"), "socket");
	assert_string_equal(json_string_value(json_object_get(so, "family")), "AF_NETLINK");
	assert_string_equal(json_string_value(json_object_get(so, "type")), "SOCK_RAW");
	assert_int_equal(json_integer_value(json_object_get(so, "protocol")), 0);
	json_decref(rec);
	out.len = 0;
	hostile_record(CORDON_EV_SYSCALL, (__u8 *)&sc, sizeof(sc), "", 1);
	sc.hdr.hook = CORDON_HOOK_SYS_SOCKET;
	sc.hdr.layer = CORDON_LAYER_SECCOMP;
	sc.hdr.verdict = -EPERM;
	sc.hdr.rule_id = 0;
	sc.flags = CORDON_SYSCALL_ARG;
	sc.arg = 777;
	assert_int_equal(cordon_audit_format_event(f, &sessions[0], &sc, sizeof(sc), &out, NULL),
			 0);
	rec = json_loadb(out.p, out.len, 0, NULL);
	so = json_object_get(json_object_get(rec, "cordon"), "socket");
	assert_string_equal(json_string_value(json_object_get(so, "family")), "AF_777");
	assert_null(json_object_get(so, "type"));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "cordon"), "rule_text")),
		"network: socket family not allowed");
	json_decref(rec);
	free(out.p);
	free(f);
}

/*
 * A source route refused by BPF LSM, as a socket option (setsockopt) or as sendmsg ancillary
 * data: a network refusal, its action the hook's, its rule text saying which, its arguments
 * (level, option or cmsg type, the cmsg's index) kept.
 */
static void test_audit_format__source_route_refusal_is_network(void **state)
{
	static const struct {
		__u16 hook;
		__u64 arg[3];
		const char *action, *rule_text;
	} cases[] = {
		{ CORDON_HOOK_SOCKET_SETSOCKOPT,
		  { 41, 57, 0 }, /* IPPROTO_IPV6, IPV6_RTHDR */
		  "socket_setsockopt",
		  "network: source route or device binding as a socket option" },
		{ CORDON_HOOK_SOCKET_SENDMSG,
		  { 0, 7, 1 }, /* IPPROTO_IP, IP_RETOPTS, the second header */
		  "socket_sendmsg",
		  "network: source route as sendmsg ancillary data" },
	};
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	struct cordon_audit_buf out = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cordon_event_op op;
		json_t *rec, *ev, *cat, *args;

		hostile_record(CORDON_EV_OP, (__u8 *)&op, sizeof(op), "", 1);
		op.hdr.hook = cases[i].hook;
		op.hdr.layer = CORDON_LAYER_BPF_LSM;
		op.hdr.verdict = -EPERM;
		op.hdr.rule_id = 0;
		op.arg0 = cases[i].arg[0];
		op.arg1 = cases[i].arg[1];
		op.arg2 = cases[i].arg[2];
		out.len = 0;
		assert_int_equal(
			cordon_audit_format_event(f, &sessions[0], &op, sizeof(op), &out, NULL), 0);
		rec = json_loadb(out.p, out.len, 0, NULL);
		assert_non_null(rec);
		ev = json_object_get(rec, "event");
		assert_string_equal(json_string_value(json_object_get(ev, "action")),
				    cases[i].action);
		cat = json_object_get(ev, "category");
		assert_string_equal(
			json_string_value(json_is_array(cat) ? json_array_get(cat, 0) : cat),
			"network");
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(rec, "cordon"), "rule_text")),
				    cases[i].rule_text);
		args = json_object_get(json_object_get(rec, "cordon"), "args");
		for (size_t k = 0; k < 3; k++)
			assert_int_equal(json_integer_value(json_array_get(args, k)),
					 cases[i].arg[k]);
		json_decref(rec);
	}
	free(out.p);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_format__equals_the_oracle_on_every_type),
		cmocka_unit_test(
			test_audit_format__every_type_with_hostile_strings_equals_the_oracle),
		cmocka_unit_test(test_audit_format__longest_exec_records_fit_the_scratch),
		cmocka_unit_test(
			test_audit_format__every_hook_and_layer_name_is_a_plain_identifier),
		cmocka_unit_test(test_audit_format__time_stamp_equals_rfc3339),
		cmocka_unit_test(test_audit_format__stream_formats_each_record_with_its_session),
		cmocka_unit_test(test_audit_format__single_session_stream_uses_ctx),
		cmocka_unit_test(test_audit_format__rotation_keeps_files_within_the_limit),
		cmocka_unit_test(test_audit_format__identical_refusals_fold_into_a_count),
		cmocka_unit_test(test_audit_format__aggregation_off_writes_every_refusal),
		cmocka_unit_test(test_audit_format__rule_texts_its_entry_and_line),
		cmocka_unit_test(test_audit_format__socket_refusal_names_its_kind),
		cmocka_unit_test(test_audit_format__source_route_refusal_is_network),
		cmocka_unit_test(test_audit_format__observed_refusal_says_would_refuse),
		cmocka_unit_test(test_audit_format__observed_file_names_the_access),
	};

	return cmocka_run_group_tests(tests, rules_setup, rules_teardown);
}
