// SPDX-License-Identifier: GPL-2.0-only
/*
 * The auto-confinement record in userspace: validation, its audit rendering against
 * docs/audit-schema.json, and the handler refusing records that are not well formed before
 * touching any process. (Enforcement: tests/vm/test_auto_confine.c.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "schema_fixture.h"
#include <jansson.h>

#include "audit/audit.h"
#include "loader/loader.h"
#include "unit_fixture.h"

static struct cordon_event_auto auto_event(void)
{
	struct cordon_event_auto e;

	unit_event_hdr(&e.hdr, CORDON_EV_AUTO_CONFINE, sizeof(e));
	e.hdr.pid = e.hdr.tid = 4242;
	e.hdr.session = 7;
	e.hdr.hook = CORDON_HOOK_BPRM_COMMITTED_CREDS;
	e.hdr.layer = CORDON_LAYER_BPF_LSM;
	memcpy(e.hdr.comm, "claude", 6);
	e.ino = 1234;
	e.dev = 8 << 20 | 1;
	e.ppid = 1000;
	snprintf((char *)e.path, sizeof(e.path), "%s", "/usr/local/bin/claude\n\"forged\":1");
	return e;
}

static json_t *render(const struct cordon_event_auto *e)
{
	struct cordon_audit_ctx c = { .session = "0123456789abcdef0123456789abcdef",
				      .policy = "agent",
				      .host = "h" };

	return cordon_audit_from_event(&c, e, sizeof(*e));
}

static void test_auto_record__renders_as_auto_confine_and_fits_the_schema(void **state)
{
	struct cordon_event_auto e = auto_event();
	json_t *rec = render(&e), *proc;
	char err[256] = "";

	(void)state;
	assert_non_null(rec);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "event"), "action")),
		"auto-confine");
	proc = json_object_get(rec, "process");
	assert_int_equal(json_integer_value(json_object_get(proc, "pid")), 4242);
	assert_int_equal(json_integer_value(json_object_get(proc, "ppid")), 1000);
	/* The agent-influenced path stays one JSON string, newline and quote included. */
	assert_string_equal(json_string_value(json_object_get(proc, "executable")),
			    "/usr/local/bin/claude\n\"forged\":1");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "file"), "inode")),
			 1234);
	assert_int_equal(audit_schema_validate(rec, err, sizeof(err)), 0);
	json_decref(rec);
}

static void test_auto_record__untagged_failure_fits_the_schema(void **state)
{
	struct cordon_event_auto e = auto_event();
	json_t *rec;
	char err[256] = "";

	(void)state;
	e.hdr.verdict = -ENOMEM;
	rec = render(&e);
	assert_non_null(rec);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "error"), "code")),
		"ENOMEM");
	assert_int_equal(audit_schema_validate(rec, err, sizeof(err)), 0);
	json_decref(rec);
}

static void test_auto_record__short_record_is_rejected(void **state)
{
	struct cordon_event_auto e = auto_event();

	(void)state;
	e.hdr.size = sizeof(e.hdr) + 8;
	assert_int_equal(cordon_event_check(&e, sizeof(e)), -EBADMSG);
	assert_null(render(&e));
}

static void test_auto_handle__malformed_record_moves_nothing(void **state)
{
	struct cordon_event_auto e = auto_event();
	struct cordon_event_file f;

	(void)state;
	/* Checked before the BPF object is ever used: NULL stands for it here. */
	assert_int_equal(cordon_auto_handle(NULL, &e, sizeof(e) - 1, "/sys/fs/cgroup/cordon/x"),
			 -EBADMSG);
	memset(&f, 0, sizeof(f));
	f.hdr.type = CORDON_EV_FILE;
	f.hdr.size = sizeof(f);
	assert_int_equal(cordon_auto_handle(NULL, &f, sizeof(f), "/sys/fs/cgroup/cordon/x"),
			 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_record__renders_as_auto_confine_and_fits_the_schema),
		cmocka_unit_test(test_auto_record__untagged_failure_fits_the_schema),
		cmocka_unit_test(test_auto_record__short_record_is_rejected),
		cmocka_unit_test(test_auto_handle__malformed_record_moves_nothing),
	};

	return cmocka_run_group_tests(tests, schema_setup, schema_teardown);
}
