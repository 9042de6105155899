// SPDX-License-Identifier: GPL-2.0-only
/* Policy lookup order: a path, else /etc/cordon/policies, then the user's directory, then builtin. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "unit_fixture.h"

static char root[64], sys_dir[96], user_dir[96], xdg[96];

static void put(const char *d, const char *name, const char *body)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", d, name);
	unit_put(path, body);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/cordon-lookup-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(sys_dir, sizeof(sys_dir), "%s/sys", root);
	snprintf(xdg, sizeof(xdg), "%s/xdg", root);
	snprintf(user_dir, sizeof(user_dir), "%s/xdg/cordon/policies", root);
	mkdir(sys_dir, 0700);
	mkdir(xdg, 0700);
	snprintf(user_dir, sizeof(user_dir), "%s/xdg/cordon", root);
	mkdir(user_dir, 0700);
	snprintf(user_dir, sizeof(user_dir), "%s/xdg/cordon/policies", root);
	mkdir(user_dir, 0700);
	put(sys_dir, "both.yaml", "name: both\ndescription: system\n");
	put(user_dir, "both.yaml", "name: both\ndescription: user\nmode: best_effort\n");
	put(user_dir, "mine.yaml", "name: mine\n");
	put(user_dir, "strict.yaml", "name: strict\nfilesystem: {write: [/]}\n");
	put(sys_dir, "agent.yaml", "name: agent\nextends: builtin:agent\nlimits: {pids: 7}\n");
	put(sys_dir, ".hidden.yaml", "name: hidden\n");
	put(sys_dir, "notes.txt", "not a policy\n");
	return 0;
}

static int teardown(void **state)
{
	char p[160];
	const char *files[][2] = { { sys_dir, "both.yaml" },	{ user_dir, "both.yaml" },
				   { user_dir, "mine.yaml" },	{ sys_dir, "agent.yaml" },
				   { user_dir, "strict.yaml" }, { sys_dir, ".hidden.yaml" },
				   { sys_dir, "notes.txt" } };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", files[i][0], files[i][1]);
		unlink(p);
	}
	rmdir(user_dir);
	snprintf(p, sizeof(p), "%s/xdg/cordon", root);
	rmdir(p);
	rmdir(xdg);
	rmdir(sys_dir);
	rmdir(root);
	return 0;
}

static struct policy *load(const struct policy_search *s, const char *ref, int expect)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	assert_int_equal(policy_load_ref(ref, s, NULL, 1, 1, &p, &errs), expect);
	policy_errors_free(&errs);
	return p;
}

static void test_policy_lookup__system_before_user_before_builtin(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = user_dir };
	struct policy *p;

	(void)state;
	p = load(&s, "both", 0);
	assert_int_equal(p->mode, POL_MODE_UNSET); /* the system one */
	assert_non_null(strstr(p->file, "/sys/both.yaml"));
	policy_free(p);
	p = load(&s, "mine", 0);
	assert_non_null(strstr(p->file, "/xdg/cordon/policies/mine.yaml"));
	policy_free(p);
	p = load(&s, "offline", 0);
	assert_string_equal(p->file, "builtin:offline");
	policy_free(p);
	s.no_builtin = true;
	assert_null(load(&s, "offline", -ENOENT));
}

/* The daemon's search: "" is no user directory at all, for listing and for names alike. */
static void test_policy_lookup__empty_user_dir_means_none(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = "", .no_builtin = true };
	struct policy_entry *v = NULL;
	int n;

	(void)state;
	setenv("XDG_CONFIG_HOME", xdg, 1);
	n = policy_list(&s, &v);
	assert_int_equal(n, 2); /* agent and both, from the system directory only */
	for (int i = 0; i < n; i++)
		assert_int_equal(v[i].source, POLICY_SRC_SYSTEM);
	policy_entries_free(v, (size_t)n);
	assert_null(load(&s, "mine", -ENOENT));
	unsetenv("XDG_CONFIG_HOME");
}

static void test_policy_lookup__user_dir_defaults_to_xdg_config_home(void **state)
{
	struct policy_search s = { .system_dir = sys_dir };
	struct policy *p;

	(void)state;
	setenv("XDG_CONFIG_HOME", xdg, 1);
	p = load(&s, "mine", 0);
	policy_free(p);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/nonexistent/home", 1);
	assert_null(load(&s, "mine", -ENOENT));
}

static void test_policy_lookup__paths_and_builtin_prefix(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = user_dir };
	struct policy_errors errs = { 0 };
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = &s, .vars = &vars };
	char path[160];
	struct policy *p;

	(void)state;
	snprintf(path, sizeof(path), "%s/mine.yaml", user_dir);
	p = load(&s, path, 0);
	policy_free(p);
	/* A system "agent" that extends the built-in one of the same name is not a cycle. */
	policy_vars_placeholder(&vars);
	assert_int_equal(policy_resolve("agent", &ro, &p, &errs), 0);
	assert_int_equal(p->pids, 7);
	assert_true(p->connect.n > 0);
	policy_free(p);
	assert_null(load(&s, "builtin:nope", -ENOENT));
	assert_null(load(&s, "../etc/passwd", -ENOENT));
}

static void test_policy_lookup__bad_names_are_refused(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = user_dir };
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	(void)state;
	assert_int_equal(policy_load_ref(".hidden", &s, "x.yaml", 3, 10, &p, &errs), -EINVAL);
	assert_int_equal(errs.v[0].line, 3);
	assert_int_equal(errs.v[0].col, 10);
	policy_errors_free(&errs);
}

static void test_policy_lookup__list_in_order_with_shadowing(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = user_dir };
	struct policy_entry *v = NULL;
	int n;

	(void)state;
	n = policy_list(&s, &v);
	assert_int_equal(n, 2 + 3 + (int)policy_embedded_count());
	assert_string_equal(v[0].name, "agent");
	assert_int_equal(v[0].source, POLICY_SRC_SYSTEM);
	assert_string_equal(v[1].name, "both");
	assert_string_equal(v[2].name, "both");
	assert_int_equal(v[2].source, POLICY_SRC_USER);
	assert_true(v[2].shadowed);
	assert_string_equal(v[3].name, "mine");
	assert_string_equal(v[4].name, "strict");
	assert_int_equal(v[4].source, POLICY_SRC_USER);
	assert_true(v[4].shadows);
	assert_int_equal(v[5].source, POLICY_SRC_BUILTIN);
	for (int i = 4; i < n; i++)
		if (!strcmp(v[i].name, "agent"))
			assert_true(v[i].shadowed);
	policy_entries_free(v, (size_t)n);
}

/* A root-launched session: the user's "strict" (write: /) never replaces the built-in. */
static void test_policy_lookup__user_last_never_shadows_builtin(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = user_dir };
	struct policy *p;

	(void)state;
	p = load(&s, "strict", 0);
	assert_non_null(strstr(p->file, "/xdg/cordon/policies/strict.yaml"));
	assert_non_null(strstr(p->origin, "user file, shadows builtin:strict"));
	policy_free(p);
	s.user_last = true;
	p = load(&s, "strict", 0);
	assert_string_equal(p->file, "builtin:strict");
	assert_non_null(strstr(p->origin, "root-launched: ignored the user's"));
	assert_non_null(strstr(p->origin, "/strict.yaml"));
	policy_free(p);
	/* A name only the user has still resolves; the system directory still comes first. */
	p = load(&s, "mine", 0);
	assert_null(p->origin);
	policy_free(p);
	p = load(&s, "both", 0);
	assert_non_null(strstr(p->file, "/sys/both.yaml"));
	policy_free(p);
}

/* The start line's account: every file of the chain, the shadowing noted. */
static void test_policy_lookup__origin_names_the_chain(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = user_dir };
	struct policy_errors errs = { 0 };
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = &s, .vars = &vars };
	struct policy *p;

	(void)state;
	policy_vars_placeholder(&vars);
	assert_int_equal(policy_resolve("agent", &ro, &p, &errs), 0);
	assert_non_null(strstr(p->origin, "/sys/agent.yaml (shadows builtin:agent), extends "
					  "builtin:agent, extends builtin:base"));
	policy_free(p);
}

static void test_policy_lookup__list_marks_shadowing_as_root_resolves(void **state)
{
	struct policy_search s = { .system_dir = sys_dir, .user_dir = user_dir, .user_last = true };
	struct policy_entry *v = NULL;
	int n, seen = 0;

	(void)state;
	n = policy_list(&s, &v);
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i].name, "strict"))
			continue;
		seen++;
		assert_int_equal(v[i].shadowed, v[i].source == POLICY_SRC_USER);
		assert_int_equal(v[i].shadows, v[i].source == POLICY_SRC_BUILTIN);
	}
	assert_int_equal(seen, 2);
	policy_entries_free(v, (size_t)n);
	s.user_last = false;
	n = policy_list(&s, &v);
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].name, "strict"))
			assert_int_equal(v[i].shadows, v[i].source == POLICY_SRC_USER);
	policy_entries_free(v, (size_t)n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_lookup__system_before_user_before_builtin),
		cmocka_unit_test(test_policy_lookup__user_dir_defaults_to_xdg_config_home),
		cmocka_unit_test(test_policy_lookup__empty_user_dir_means_none),
		cmocka_unit_test(test_policy_lookup__paths_and_builtin_prefix),
		cmocka_unit_test(test_policy_lookup__bad_names_are_refused),
		cmocka_unit_test(test_policy_lookup__list_in_order_with_shadowing),
		cmocka_unit_test(test_policy_lookup__user_last_never_shadows_builtin),
		cmocka_unit_test(test_policy_lookup__origin_names_the_chain),
		cmocka_unit_test(test_policy_lookup__list_marks_shadowing_as_root_resolves),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
