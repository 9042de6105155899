// SPDX-License-Identifier: GPL-2.0-only
/*
 * Session-start and session-end records from the one builder `cordon run` and the daemon share:
 * each caller's fields, and every record valid against docs/audit-schema.json.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "compile/compile.h"
#include "schema_fixture.h"

static struct cordon_audit_ctx ctx = { .session = "0123456789abcdef0123456789abcdef",
				       .policy = "agent",
				       .host = "h" };

static void valid(json_t *rec)
{
	char err[256];

	assert_non_null(rec);
	if (audit_schema_validate(rec, err, sizeof(err)))
		fail_msg("schema: %s", err);
}

static json_t *at(json_t *rec, const char *a, const char *b)
{
	return json_object_get(json_object_get(rec, a), b);
}

static void test_audit_session__run_start_and_end(void **state)
{
	char *args[] = { "/bin/echo", "hi", NULL };
	struct cordon_plan_gap gaps[] = { { CORDON_GAP_CPU, "limits.cpu", "cgroup-cpu",
					    "no cpu" } };
	struct cordon_plan plan = { .gaps = gaps, .ngaps = 1 };
	struct cordon_audit_session_counts n = { .refused_connect = 2, .exec = 1 };
	struct cordon_audit_session s = {
		.ctx = &ctx,
		.start_ns = 1000,
		.project = "/p",
		.layers = CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK) | POL_NEEDS_CGROUP_BPF,
		.layers_reported = CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK) |
				   POL_NEEDS_CGROUP_BPF | POL_NEEDS_BPF_LSM,
		.landlock_abi = 6,
		.plan = &plan,
		.pid = 42,
		.args = args,
		.has_user = true,
		.uid = 1000,
		.user = "u",
	};
	json_t *rec = cordon_audit_session_start(&s, 2000);

	(void)state;
	valid(rec);
	assert_string_equal(json_string_value(at(rec, "event", "action")), "session-start");
	assert_true(json_is_true(json_object_get(at(rec, "cordon", "layers"), "landlock")));
	assert_true(json_is_false(json_object_get(at(rec, "cordon", "layers"), "bpf_lsm")));
	assert_null(json_object_get(at(rec, "cordon", "layers"), "seccomp"));
	assert_int_equal(json_integer_value(at(rec, "cordon", "landlock_abi")), 6);
	assert_int_equal(json_integer_value(at(rec, "cordon", "unenforced")), 1);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(at(rec, "cordon", "unenforced_rules"), 0), "needs")),
		"cgroup-cpu");
	assert_int_equal(json_array_size(at(rec, "process", "args")), 2);
	assert_string_equal(json_string_value(at(rec, "user", "id")), "1000");
	assert_null(at(rec, "cordon", "daemon"));
	json_decref(rec);

	s.has_exit = true;
	s.exit_code = 3;
	s.counts = &n;
	rec = cordon_audit_session_end(&s, 5000);
	valid(rec);
	assert_int_equal(json_integer_value(at(rec, "event", "duration")), 4000);
	assert_int_equal(json_integer_value(at(rec, "process", "exit_code")), 3);
	assert_int_equal(
		json_integer_value(json_object_get(at(rec, "cordon", "counts"), "refused_connect")),
		2);
	assert_null(at(rec, "process", "args"));
	assert_null(at(rec, "cordon", "unenforced"));
	json_decref(rec);
}

static void test_audit_session__daemon_start_and_end(void **state)
{
	struct cordon_audit_session s = {
		.ctx = &ctx,
		.start_ns = 1000,
		.project = "/p",
		.layers = POL_NEEDS_CGROUP_BPF,
		.layers_reported = POL_NEEDS_CGROUP_BPF | POL_NEEDS_BPF_LSM,
		.daemon = true,
		.auto_confine = true,
		.pid = 7,
		.has_user = true,
		.uid = 0,
		.user = "root",
	};
	json_t *rec = cordon_audit_session_start(&s, 2000);

	(void)state;
	valid(rec);
	assert_true(json_is_true(at(rec, "cordon", "daemon")));
	assert_true(json_is_true(at(rec, "cordon", "auto_confine")));
	assert_int_equal(json_object_size(at(rec, "cordon", "layers")), 2);
	assert_null(at(rec, "cordon", "landlock_abi"));
	assert_null(at(rec, "cordon", "reason"));
	json_decref(rec);

	s.reason = "empty";
	rec = cordon_audit_session_end(&s, 3000);
	valid(rec);
	assert_string_equal(json_string_value(at(rec, "cordon", "reason")), "empty");
	assert_int_equal(json_integer_value(at(rec, "event", "duration")), 2000);
	assert_int_equal(json_integer_value(at(rec, "process", "pid")), 7);
	assert_null(at(rec, "process", "exit_code"));
	assert_null(at(rec, "cordon", "counts"));
	assert_null(at(rec, "cordon", "detached"));
	json_decref(rec);

	/* A detached session: its agent exited and what it left ran on until this end. */
	s.detached = true;
	s.reason = "ended by uid 1000";
	rec = cordon_audit_session_end(&s, 3000);
	valid(rec);
	assert_true(json_is_true(at(rec, "cordon", "detached")));
	assert_string_equal(json_string_value(at(rec, "cordon", "reason")), "ended by uid 1000");
	json_decref(rec);
}

/*
 * A session's own lost records (bpf/maps.h ring_use) in its session-end: the daemon's has no
 * other counts; `cordon run`'s count replaces what its counts carried.
 */
static void test_audit_session__end_carries_the_sessions_own_lost_records(void **state)
{
	struct cordon_audit_session_counts n = { .refused_file = 3, .events_lost = 99 };
	struct cordon_audit_session s = { .ctx = &ctx,
					  .start_ns = 1000,
					  .daemon = true,
					  .reason = "empty",
					  .pid = 7,
					  .has_user = true,
					  .user = "root",
					  .has_lost = true,
					  .lost = 5,
					  .lost_over_share = 4 };
	json_t *rec = cordon_audit_session_end(&s, 3000);

	(void)state;
	valid(rec);
	assert_int_equal(
		json_integer_value(json_object_get(at(rec, "cordon", "counts"), "events_lost")), 5);
	assert_int_equal(json_integer_value(
				 json_object_get(at(rec, "cordon", "counts"), "events_over_share")),
			 4);
	assert_int_equal(json_object_size(at(rec, "cordon", "counts")), 2);
	json_decref(rec);

	s.daemon = false;
	s.has_exit = true;
	s.counts = &n;
	rec = cordon_audit_session_end(&s, 3000);
	valid(rec);
	assert_int_equal(
		json_integer_value(json_object_get(at(rec, "cordon", "counts"), "events_lost")), 5);
	assert_int_equal(
		json_integer_value(json_object_get(at(rec, "cordon", "counts"), "refused_file")),
		3);
	json_decref(rec);
}

/* The kernel's kills at the session's memory limit, named by the rule, in both writers' end. */
static void test_audit_session__end_names_the_memory_limit_kills(void **state)
{
	struct cordon_audit_session s = { .ctx = &ctx,
					  .start_ns = 1000,
					  .daemon = true,
					  .reason = "empty",
					  .pid = 7,
					  .has_user = true,
					  .user = "root",
					  .memory_kills = 2 };
	json_t *rec = cordon_audit_session_end(&s, 3000);

	(void)state;
	valid(rec);
	assert_string_equal(json_string_value(json_object_get(at(rec, "cordon", "limits"), "rule")),
			    "limits.memory");
	assert_int_equal(
		json_integer_value(json_object_get(at(rec, "cordon", "limits"), "memory_kills")),
		2);
	json_decref(rec);

	s.memory_kills = 0; /* none: no field */
	rec = cordon_audit_session_end(&s, 3000);
	valid(rec);
	assert_null(at(rec, "cordon", "limits"));
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_session__run_start_and_end),
		cmocka_unit_test(test_audit_session__daemon_start_and_end),
		cmocka_unit_test(test_audit_session__end_carries_the_sessions_own_lost_records),
		cmocka_unit_test(test_audit_session__end_names_the_memory_limit_kills),
	};

	return cmocka_run_group_tests(tests, schema_setup, schema_teardown);
}
