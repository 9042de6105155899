// SPDX-License-Identifier: GPL-2.0-only
/*
 * Audit records from ring-buffer records: agent-controlled strings cannot forge or split a
 * line, malformed and oversize records are bounded or refused, every record fits the schema,
 * and the file sink rotates on whole lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema_fixture.h"

#include "audit/audit.h"
#include "maps.h"
#include "unit_fixture.h"

/* A name with everything a forger would try: quotes, a newline and a fake record after it,
 * control characters, and bytes that are not UTF-8. */
static const char evil[] =
	"/tmp/a\"b\\c\n{\"event\":{\"action\":\"forged\"}}\r\x1b[31m\x01\xff\xfe.env";

static struct cordon_audit_ctx ctx = { .session = "0123456789abcdef0123456789abcdef",
				       .policy = "agent",
				       .host = "testhost" };

static void hdr(struct cordon_event_hdr *h, unsigned int type, size_t size)
{
	unit_event_hdr(h, type, size);
	h->ts_ns = 1000;
	h->pid = 42;
	h->tid = 42;
	h->uid = 1000;
	memcpy(h->comm, "agent", 5);
}

/* A refusal: what @layer's @hook answered, as its verdict. */
static void refused(struct cordon_event_hdr *h, int verdict, unsigned int layer, unsigned int hook)
{
	h->verdict = verdict;
	h->layer = (__u16)layer;
	h->hook = (__u16)hook;
}

/* Serialise as the sink does and check it is exactly one line that parses back. */
static json_t *one_line(json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_error_t e;
	json_t *back;
	char err[512];

	assert_non_null(s);
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\r'));
	back = json_loads(s, 0, &e);
	assert_non_null(back);
	if (audit_schema_validate(back, err, sizeof(err)))
		fail_msg("schema: %s in %s", err, s);
	free(s);
	json_decref(rec);
	return back;
}

/*
 * The record as production writes it (cordon_audit_format_event()): one line, schema-valid,
 * parsing to exactly the test oracle's object (time stamps aside: each reads the clock).
 */
static json_t *render(const void *e, size_t size)
{
	struct cordon_audit_ctx oc = ctx;
	struct cordon_audit_format *f = calloc(1, sizeof(*f));
	struct cordon_audit_buf out = { 0 };
	json_t *ref = one_line(cordon_audit_from_event(&oc, e, size)), *rec;
	char *line;

	assert_non_null(f);
	assert_int_equal(cordon_audit_format_event(f, &ctx, e, size, &out, NULL), 0);
	line = strndup(out.p, out.len);
	assert_non_null(line);
	rec = one_line(json_loads(line, 0, NULL));
	json_object_del(ref, "@timestamp");
	json_object_del(rec, "@timestamp");
	if (!json_equal(ref, rec))
		fail_msg("the writer and the oracle differ on %s", line);
	json_decref(ref);
	free(line);
	free(out.p);
	free(f);
	return rec;
}

static const char *path_of(json_t *rec, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(rec, a), b));
}

static void unhex(const char *hex, char *out, size_t *len)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (char)v;
	}
	*len = n;
}

static void test_audit__hostile_file_name_is_one_line_and_round_trips(void **state)
{
	struct cordon_event_syscall e;
	json_t *rec;
	const char *hex;
	char raw[512];
	size_t n;

	(void)state;
	hdr(&e.hdr, CORDON_EV_SYSCALL, sizeof(e));
	refused(&e.hdr, -EACCES, CORDON_LAYER_LANDLOCK, CORDON_HOOK_SYS_OPENAT);
	e.flags = CORDON_SYSCALL_PATH;
	memcpy(e.path, evil, sizeof(evil));
	rec = render(&e, sizeof(e));
	assert_string_equal(path_of(rec, "event", "action"), "syscall-openat");
	/* The readable form keeps every valid byte; invalid ones are U+FFFD... */
	assert_non_null(strstr(path_of(rec, "file", "path"), "\n{\"event\""));
	assert_non_null(strstr(path_of(rec, "file", "path"), "\xef\xbf\xbd"));
	/* ...and the exact bytes are in cordon.hex, losslessly. */
	hex = json_string_value(json_object_get(
		json_object_get(json_object_get(rec, "cordon"), "hex"), "file.path"));
	assert_non_null(hex);
	unhex(hex, raw, &n);
	assert_int_equal(n, strlen(evil));
	assert_memory_equal(raw, evil, n);
	json_decref(rec);
}

static void test_audit__valid_utf8_round_trips_without_hex(void **state)
{
	static const char name[] = "/home/dév/\"quoted\"\tand\\slash\x7f\xe2\x82\xac";
	struct cordon_event_file e;
	json_t *rec;

	(void)state;
	hdr(&e.hdr, CORDON_EV_FILE, sizeof(e));
	refused(&e.hdr, -EACCES, CORDON_LAYER_BPF_LSM, CORDON_HOOK_FILE_OPEN);
	e.hdr.rule_id = 7;
	e.access = CORDON_ACCESS_READ;
	memcpy(e.path, name, sizeof(name));
	rec = render(&e, sizeof(e));
	assert_string_equal(path_of(rec, "file", "path"), name);
	assert_null(json_object_get(json_object_get(rec, "cordon"), "hex"));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(rec, "cordon"), "rule")), 7);
	assert_string_equal(path_of(rec, "cordon", "layer"), "bpf_lsm");
	assert_string_equal(path_of(rec, "error", "code"), "EACCES");
	json_decref(rec);
}

static void test_audit__hostile_argv_round_trips(void **state)
{
	static const char *argv[] = { "sh", "-c", "echo \"}\n{\"x\":1}\" \x1b]0;t\x07", evil };
	struct cordon_event_exec e;
	json_t *rec, *args;
	size_t off = 0;
	const char *hex;
	char raw[512];
	size_t n;

	(void)state;
	hdr(&e.hdr, CORDON_EV_EXEC, sizeof(e));
	e.hdr.hook = CORDON_HOOK_SCHED_EXEC;
	for (size_t i = 0; i < 4; i++) {
		memcpy(e.args + off, argv[i], strlen(argv[i]) + 1);
		off += strlen(argv[i]) + 1;
	}
	e.args_len = (__u32)off;
	e.argc = 4;
	e.ppid = 1;
	memcpy(e.filename, "/bin/sh", 8);
	rec = render(&e, sizeof(e));
	args = json_object_get(json_object_get(rec, "process"), "args");
	assert_int_equal(json_array_size(args), 4);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_array_get(args, i)), argv[i]);
	hex = json_string_value(json_object_get(
		json_object_get(json_object_get(rec, "cordon"), "hex"), "process.args.3"));
	assert_non_null(hex);
	unhex(hex, raw, &n);
	assert_memory_equal(raw, evil, strlen(evil));
	assert_false(
		json_is_true(json_object_get(json_object_get(rec, "cordon"), "args_truncated")));
	json_decref(rec);
}

static void test_audit__oversize_fields_are_bounded(void **state)
{
	struct cordon_event_exec e;
	json_t *rec, *args;

	(void)state;
	hdr(&e.hdr, CORDON_EV_EXEC, sizeof(e));
	/* No NUL anywhere: strings must stop at their arrays, and args_len lies. */
	memset(e.filename, 'A', sizeof(e.filename));
	memset(e.args, 'B', sizeof(e.args));
	memset(e.hdr.comm, 'C', sizeof(e.hdr.comm));
	e.args_len = 1u << 30;
	e.argc = 1000;
	e.flags = CORDON_EXEC_ARGS_TRUNCATED;
	rec = render(&e, sizeof(e));
	assert_int_equal(strlen(path_of(rec, "process", "executable")), CORDON_PATH_LEN);
	assert_int_equal(strlen(path_of(rec, "process", "name")), CORDON_COMM_LEN);
	args = json_object_get(json_object_get(rec, "process"), "args");
	assert_int_equal(json_array_size(args), 1);
	assert_int_equal(strlen(json_string_value(json_array_get(args, 0))), CORDON_ARGS_LEN);
	assert_true(
		json_is_true(json_object_get(json_object_get(rec, "cordon"), "args_truncated")));
	json_decref(rec);
}

static void test_audit__truncated_and_unknown_records_give_no_record(void **state)
{
	struct cordon_event_exec e;
	struct cordon_audit_stream st = { .ctx = ctx };
	struct cordon_audit_buf out = { 0 };

	(void)state;
	hdr(&e.hdr, CORDON_EV_EXEC, sizeof(e));
	assert_null(cordon_audit_from_event(&ctx, &e, sizeof(e) - 1));
	assert_null(cordon_audit_from_event(&ctx, &e, sizeof(e.hdr) - 1));
	e.hdr.size = sizeof(e.hdr) + 8; /* header claims less than an exec record */
	assert_null(cordon_audit_from_event(&ctx, &e, sizeof(e)));
	hdr(&e.hdr, 63, sizeof(e)); /* a type of a newer producer */
	assert_null(cordon_audit_from_event(&ctx, &e, sizeof(e)));
	assert_int_equal(cordon_audit_format_event(&st.fmt, &ctx, &e, sizeof(e), &out, NULL),
			 -EOPNOTSUPP);
	hdr(&e.hdr, CORDON_EV_EXEC, sizeof(e));
	assert_int_equal(cordon_audit_format_event(&st.fmt, &ctx, &e, sizeof(e) - 1, &out, NULL),
			 -EBADMSG);
	assert_int_equal(out.len, 0);
	hdr(&e.hdr, 63, sizeof(e));
	cordon_audit_stream_event(&st, &e, sizeof(e));
	hdr(&e.hdr, CORDON_EV_EXEC, sizeof(e));
	cordon_audit_stream_event(&st, &e, sizeof(e) - 1);
	assert_int_equal(st.unknown, 1);
	assert_int_equal(st.malformed, 1);
	/* A newer, longer record of a known type is accepted (fields are only appended). */
	cordon_audit_stream_event(&st, &e, sizeof(e));
	assert_int_equal(st.written[CORDON_EV_EXEC], 1);
	cordon_audit_stream_release(&st);
}

static void test_audit__tracepoint_echo_of_an_lsm_refusal_is_dropped(void **state)
{
	struct cordon_event_file f;
	struct cordon_event_syscall s;
	struct cordon_audit_stream st = { .ctx = ctx };

	(void)state;
	hdr(&f.hdr, CORDON_EV_FILE, sizeof(f));
	f.hdr.verdict = -EACCES;
	hdr(&s.hdr, CORDON_EV_SYSCALL, sizeof(s));
	s.hdr.verdict = -EACCES;
	cordon_audit_stream_event(&st, &f, sizeof(f));
	cordon_audit_stream_event(&st, &s, sizeof(s)); /* same thread, same errno: the echo */
	cordon_audit_stream_event(&st, &s, sizeof(s)); /* a second refusal: Landlock's own */
	assert_int_equal(st.echoes, 1);
	assert_int_equal(st.written[CORDON_EV_FILE], 1);
	assert_int_equal(st.written[CORDON_EV_SYSCALL], 1);
	cordon_audit_stream_release(&st);
}

static void test_audit__every_record_kind_fits_the_schema(void **state)
{
	struct cordon_event_connect c;
	struct cordon_event_exit x;
	struct cordon_event_syscall s;
	json_t *rec;

	(void)state;
	hdr(&c.hdr, CORDON_EV_CONNECT, sizeof(c));
	refused(&c.hdr, -EPERM, CORDON_LAYER_CGROUP_BPF, CORDON_HOOK_CONNECT4);
	c.addr[10] = c.addr[11] = 0xff;
	c.addr[12] = 10;
	c.addr[15] = 1;
	c.port = 443;
	c.protocol = 6;
	rec = render(&c, sizeof(c));
	assert_string_equal(path_of(rec, "destination", "ip"), "10.0.0.1");
	assert_string_equal(path_of(rec, "network", "transport"), "tcp");
	json_decref(rec);

	hdr(&x.hdr, CORDON_EV_EXIT, sizeof(x));
	x.exit_code = 9; /* killed by SIGKILL */
	x.start_ns = 10;
	json_decref(render(&x, sizeof(x)));

	hdr(&s.hdr, CORDON_EV_SYSCALL, sizeof(s));
	refused(&s.hdr, -EACCES, CORDON_LAYER_LANDLOCK, CORDON_HOOK_SYS_CONNECT);
	s.flags = CORDON_SYSCALL_ADDR;
	s.family = 10;
	s.addr[15] = 1;
	s.port = 22;
	rec = render(&s, sizeof(s));
	assert_string_equal(path_of(rec, "destination", "ip"), "::1");
	json_decref(rec);

	json_decref(one_line(cordon_audit_lost(&ctx, 10, 3, 5)));
}

static void test_audit__schema_rejects_what_it_should(void **state)
{
	json_t *rec = cordon_audit_lost(&ctx, 10, 3, 5);
	char err[256];

	(void)state;
	json_object_set_new(rec, "forged", json_true());
	assert_int_equal(audit_schema_validate(rec, err, sizeof(err)), -EBADMSG);
	json_object_del(rec, "forged");
	assert_int_equal(audit_schema_validate(rec, err, sizeof(err)), 0);
	json_object_del(json_object_get(rec, "cordon"), "events_lost");
	assert_int_equal(audit_schema_validate(rec, err, sizeof(err)), -EBADMSG);
	json_decref(rec);
}

static void test_audit__time_round_trips(void **state)
{
	char buf[40];
	uint64_t ns = 1795000000123456789ull, back = 0;

	(void)state;
	cordon_audit_rfc3339(ns, buf, sizeof(buf));
	assert_int_equal(cordon_audit_parse_time(buf, &back), 0);
	assert_true(back == ns);
	assert_int_equal(cordon_audit_parse_time("2026-11-23T10:00:00Z", &back), 0);
	assert_int_equal(cordon_audit_parse_time("yesterday", &back), -EINVAL);
}

static void test_audit__sha256_known_answers(void **state)
{
	char hex[65];

	(void)state;
	cordon_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cordon_sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cordon_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_audit__file_sink_rotates_on_whole_lines(void **state)
{
	char dir[] = "/tmp/cordon-audit-XXXXXX", path[64], rot[80];
	struct cordon_audit_sink_opts o = { .fd = -1, .max_bytes = 4096, .keep = 2 };
	struct cordon_audit_sink *s = NULL;
	unsigned long total = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	o.path = path;
	assert_int_equal(cordon_audit_sink_open(&o, &s), 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(cordon_audit_sink_emit(s, cordon_audit_lost(&ctx, 1 + i, 1, 5)),
				 0);
		if (i % 10 == 9)
			assert_int_equal(cordon_audit_sink_flush(s), 0);
	}
	assert_int_equal(cordon_audit_sink_close(s), 0);
	/* FILE, FILE.1 and FILE.2 exist, FILE.3 does not; every line is a whole record. */
	for (int i = 0; i <= 3; i++) {
		FILE *f;

		unit_rotated(rot, sizeof(rot), path, i);
		f = fopen(rot, "r");
		if (i == 3) {
			assert_null(f);
			break;
		}
		assert_non_null(f);
		total += unit_whole_records(f);
		fclose(f);
		unlink(rot);
	}
	assert_true(total > 0 && total < 100); /* the oldest went beyond keep=2 */
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit__hostile_file_name_is_one_line_and_round_trips),
		cmocka_unit_test(test_audit__valid_utf8_round_trips_without_hex),
		cmocka_unit_test(test_audit__hostile_argv_round_trips),
		cmocka_unit_test(test_audit__oversize_fields_are_bounded),
		cmocka_unit_test(test_audit__truncated_and_unknown_records_give_no_record),
		cmocka_unit_test(test_audit__tracepoint_echo_of_an_lsm_refusal_is_dropped),
		cmocka_unit_test(test_audit__every_record_kind_fits_the_schema),
		cmocka_unit_test(test_audit__schema_rejects_what_it_should),
		cmocka_unit_test(test_audit__time_round_trips),
		cmocka_unit_test(test_audit__sha256_known_answers),
		cmocka_unit_test(test_audit__file_sink_rotates_on_whole_lines),
	};

	return cmocka_run_group_tests(tests, schema_setup, schema_teardown);
}
