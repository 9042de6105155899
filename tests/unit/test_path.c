// SPDX-License-Identifier: GPL-2.0-only
/* The allocating path builders: one separator, no truncation, whatever the lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sys/sys.h"

static void expect_join(const char *dir, const char *name, const char *want)
{
	_cleanup_free_ char *p = cordon_path_join(dir, name);

	assert_non_null(p);
	assert_string_equal(p, want);
}

static void test_path_join__one_separator(void **state)
{
	(void)state;
	expect_join("/a", "b", "/a/b");
	expect_join("/a/", "b", "/a/b");
	expect_join("/a//", "/b", "/a/b");
	expect_join("/", "b", "/b");
	expect_join("/", "/", "/");
	expect_join("/a", "", "/a");
	expect_join("a", "b/c", "a/b/c");
}

static void test_path_join__long_paths_are_not_truncated(void **state)
{
	char dir[9000], name[9000];
	_cleanup_free_ char *p = NULL;

	(void)state;
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = 0;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	p = cordon_path_join(dir, name);
	assert_non_null(p);
	assert_int_equal(strlen(p), strlen(dir) + 1 + strlen(name));
	assert_int_equal(p[strlen(dir)], '/');
}

static void test_strdup_printf__formats(void **state)
{
	_cleanup_free_ char *s = cordon_strdup_printf("%s-%d", "x", 42);

	(void)state;
	assert_string_equal(s, "x-42");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_join__one_separator),
		cmocka_unit_test(test_path_join__long_paths_are_not_truncated),
		cmocka_unit_test(test_strdup_printf__formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
