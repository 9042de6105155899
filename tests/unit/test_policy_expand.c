// SPDX-License-Identifier: GPL-2.0-only
/* Variable expansion and lexical path normalisation, from an explicit context (deterministic). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sys/sys.h"
#include "policy/policy.h"

static const struct policy_vars vars = {
	.home = "/home/ada",
	.project = "/src/proj/",
	.tmpdir = "/tmp",
	.user = "ada",
	.xdg_config_home = "/home/ada/.config",
	.xdg_cache_home = "/var/cache/ada",
	.ssh_auth_sock = NULL,
};

static struct policy *parse(const char *s)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	assert_int_equal(policy_parse("t.yaml", s, strlen(s), &p, &errs), 0);
	policy_errors_free(&errs);
	return p;
}

static void test_policy_expand__normalise_is_lexical(void **state)
{
	const struct {
		const char *in, *out;
		int r;
	} cases[] = {
		{ "/", "/", 0 },
		{ "//usr///lib/", "/usr/lib", 0 },
		{ "/usr/./lib/.", "/usr/lib", 0 },
		{ "/a/b/..", NULL, -EPERM },
		{ "/a/../b", NULL, -EPERM },
		{ "/a/..b/c", "/a/..b/c", 0 },
		{ "/a/...", "/a/...", 0 },
		{ "relative", NULL, -EINVAL },
		{ "", NULL, -EINVAL },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(policy_path_normalise(cases[i].in, out, sizeof(out)), cases[i].r);
		if (cases[i].out)
			assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(policy_path_normalise("/0123456789", out, 8), -ENAMETOOLONG);
}

static void test_policy_expand__inside_is_component_wise(void **state)
{
	(void)state;
	assert_true(policy_path_inside("/a/b", "/a/b"));
	assert_true(policy_path_inside("/a/b/c", "/a/b"));
	assert_false(policy_path_inside("/a/bc", "/a/b"));
	assert_false(policy_path_inside("/a", "/a/b"));
	assert_true(policy_path_inside("/anything", "/"));
}

static void test_policy_expand__variables_from_context(void **state)
{
	struct policy *p =
		parse("name: t\nfilesystem:\n"
		      "  read: [\"${HOME}/.cache\", \"${PROJECT}\", \"${XDG_CACHE_HOME}/x\","
		      " \"/srv/$${USER}\", \"${XDG_CONFIG_HOME}/./gh//\"]\n"
		      "  write: [\"${TMPDIR}/${USER}\"]\n");
	struct policy_errors errs = { 0 };

	(void)state;
	assert_int_equal(policy_expand(p, &vars, &errs), 0);
	assert_int_equal(p->fs_read.n, 5);
	assert_string_equal(p->fs_read.v[0].s, "/home/ada/.cache");
	assert_string_equal(p->fs_read.v[1].s, "/src/proj");
	assert_string_equal(p->fs_read.v[2].s, "/var/cache/ada/x");
	assert_string_equal(p->fs_read.v[3].s, "/srv/${USER}");
	assert_string_equal(p->fs_read.v[4].s, "/home/ada/.config/gh");
	assert_string_equal(p->fs_write.v[0].s, "/tmp/ada");
	policy_free(p);
}

static void test_policy_expand__unset_ssh_auth_sock_drops_the_entry(void **state)
{
	struct policy *p = parse("name: t\nnetwork:\n  unix:\n    deny: [/run/docker.sock, "
				 "\"${SSH_AUTH_SOCK}\"]\n");
	struct policy_errors errs = { 0 };

	(void)state;
	assert_int_equal(policy_expand(p, &vars, &errs), 0);
	assert_int_equal(p->unix_deny.n, 1);
	assert_string_equal(p->unix_deny.v[0].s, "/run/docker.sock");
	policy_free(p);
}

static void test_policy_expand__unset_variable_is_error_with_position(void **state)
{
	struct policy_vars v = vars;
	struct policy *p =
		parse("name: t\nfilesystem:\n  read:\n    - /usr\n    - \"${HOME}/x\"\n");
	struct policy_errors errs = { 0 };

	(void)state;
	v.home = NULL;
	assert_int_equal(policy_expand(p, &v, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 5);
	assert_int_equal(errs.v[0].col, 7);
	assert_string_equal(errs.v[0].msg, "variable '${HOME}' is not set");
	assert_int_equal(p->fs_read.n, 1);
	policy_free(p);
	policy_errors_free(&errs);
}

static void test_policy_expand__dotdot_from_a_variable_is_refused(void **state)
{
	struct policy_vars v = vars;
	struct policy *p = parse("name: t\nfilesystem:\n  write: [\"${PROJECT}/out\"]\n");
	struct policy_errors errs = { 0 };

	(void)state;
	v.project = "/src/proj/../../etc";
	assert_int_equal(policy_expand(p, &v, &errs), -EINVAL);
	assert_string_equal(
		errs.v[0].msg,
		"'..' is not allowed in paths ('/src/proj/../../etc/out' after expansion)");
	policy_free(p);
	policy_errors_free(&errs);
}

static void test_policy_expand__relative_after_expansion_is_error(void **state)
{
	struct policy_vars v = vars;
	struct policy *p = parse("name: t\nfilesystem:\n  write: [\"${PROJECT}\"]\n");
	struct policy_errors errs = { 0 };

	(void)state;
	v.project = "proj";
	assert_int_equal(policy_expand(p, &v, &errs), -EINVAL);
	assert_int_equal(errs.v[0].line, 3);
	assert_int_equal(errs.v[0].col, 11);
	policy_free(p);
	policy_errors_free(&errs);
}

static void test_policy_expand__control_characters_in_values_are_refused(void **state)
{
	struct policy_vars v = vars;
	struct policy *p = parse("name: t\nfilesystem:\n  write: [\"${HOME}\"]\n");
	struct policy_errors errs = { 0 };

	(void)state;
	v.home = "/home/a\nb";
	assert_int_equal(policy_expand(p, &v, &errs), -EINVAL);
	assert_string_equal(errs.v[0].msg, "path contains a control character after expansion");
	policy_free(p);
	policy_errors_free(&errs);
}

static void test_policy_expand__duplicates_after_expansion_collapse(void **state)
{
	struct policy *p = parse("name: t\nsecrets:\n  files: [\"${XDG_CONFIG_HOME}/gh\", "
				 "\"${HOME}/.config/gh\"]\n");
	struct policy_errors errs = { 0 };

	(void)state;
	assert_int_equal(policy_expand(p, &vars, &errs), 0);
	assert_int_equal(p->sec_files.n, 1);
	policy_free(p);
}

static void test_policy_expand__vars_from_env_defaults(void **state)
{
	struct policy_vars v;
	struct policy_vars_buf buf;

	(void)state;
	setenv("HOME", "/home/zed", 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_CACHE_HOME");
	setenv("TMPDIR", "", 1);
	assert_int_equal(policy_vars_from_env(&v, "/p", &buf), 0);
	assert_string_equal(v.project, "/p");
	assert_string_equal(v.xdg_config_home, "/home/zed/.config");
	assert_string_equal(v.xdg_cache_home, "/home/zed/.cache");
	assert_string_equal(v.tmpdir, "/tmp");
	assert_int_equal(policy_vars_from_env(&v, NULL, &buf), 0);
	assert_true(v.project[0] == '/');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_expand__normalise_is_lexical),
		cmocka_unit_test(test_policy_expand__inside_is_component_wise),
		cmocka_unit_test(test_policy_expand__variables_from_context),
		cmocka_unit_test(test_policy_expand__unset_ssh_auth_sock_drops_the_entry),
		cmocka_unit_test(test_policy_expand__unset_variable_is_error_with_position),
		cmocka_unit_test(test_policy_expand__dotdot_from_a_variable_is_refused),
		cmocka_unit_test(test_policy_expand__relative_after_expansion_is_error),
		cmocka_unit_test(test_policy_expand__control_characters_in_values_are_refused),
		cmocka_unit_test(test_policy_expand__duplicates_after_expansion_collapse),
		cmocka_unit_test(test_policy_expand__vars_from_env_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
