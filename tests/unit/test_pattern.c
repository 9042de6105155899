// SPDX-License-Identifier: GPL-2.0-only
/*
 * The secret-name pattern matcher (bpf/lib/pattern.h, the code the BPF file hooks run) and the
 * compiler in front of it: what users expect of `.env`, `*.pem`, `id_rsa*`, and what is refused.
 */
#include <errno.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "compile/compile.h"
#include "sys/sys.h"
#include "lib/pattern.h"

static bool matches(const char *glob, const char *name)
{
	struct cordon_name_pattern p;
	char msg[160];

	assert_int_equal(policy_compile_pattern(glob, &p, msg, sizeof(msg)), 0);
	return cordon_pattern_match_name(&p, name);
}

static void refused(const char *glob, const char *why)
{
	struct cordon_name_pattern p;
	char msg[160] = "";

	assert_int_equal(policy_compile_pattern(glob, &p, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, why));
}

static void test_pattern__exact_name_matches_only_itself(void **state)
{
	(void)state;
	assert_true(matches(".env", ".env"));
	assert_false(matches(".env", ".env2"));
	assert_false(matches(".env", "a.env"));
	assert_false(matches(".env", ".en"));
}

static void test_pattern__prefix_star(void **state)
{
	(void)state;
	assert_true(matches(".env.*", ".env.local"));
	assert_true(matches(".env.*", ".env."));
	assert_false(matches(".env.*", ".env"));
	assert_true(matches("id_rsa*", "id_rsa"));
	assert_true(matches("id_rsa*", "id_rsa.pub"));
	assert_false(matches("id_rsa*", "my_id_rsa"));
}

static void test_pattern__star_suffix_matches_leading_dot(void **state)
{
	(void)state;
	assert_true(matches("*.pem", "key.pem"));
	/* '*' matches a leading '.' too: a hidden ".pem" file is a secret as well. */
	assert_true(matches("*.pem", ".pem"));
	assert_true(matches("*.pem", "a.b.pem"));
	assert_false(matches("*.pem", "pem"));
	assert_false(matches("*.pem", "key.pem.json"));
}

/* Secret names in any case: a case-preserving file system keeps "SERVER.PEM" apart. */
static void test_pattern__secret_names_match_in_any_case(void **state)
{
	(void)state;
	assert_true(matches(".env", ".ENV"));
	assert_true(matches("*.pem", "SERVER.PEM"));
	assert_true(matches("*.PEM", "server.pem"));
	assert_true(matches("id_rsa*", "ID_RSA"));
	assert_true(matches("*.key", "Deploy.Key"));
	assert_true(matches(".env.*", ".Env.Local"));
	assert_false(matches("*.pem", "SERVER.PEN"));
	/* Only A-Z fold: other bytes are compared as they are. */
	assert_false(matches("*.pem", "x.p\xc9m"));
}

/* A secret's backup copies are secrets: "~", ".bak", ".old", ".orig", ".save", in any case. */
static void test_pattern__backup_copies_match(void **state)
{
	static const char *const copies[] = {
		"key.pem~",    "key.pem.bak",  "key.pem.BAK",
		"key.pem.old", "key.pem.orig", "key.pem.save",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(copies); i++)
		if (!matches("*.pem", copies[i]))
			fail_msg("'%s' is a copy of a certificate", copies[i]);
	assert_true(matches(".env", ".env~"));
	assert_true(matches(".env", ".env.bak"));
	assert_true(matches("*.env", "prod.env.orig"));
	assert_true(matches(".netrc", ".NETRC.save"));
	/* One suffix, not a list of them; a suffix alone is not a copy of an empty name. */
	assert_false(matches("*.pem", "key.pem.bak.json"));
	assert_false(matches(".env", ".env.bak~"));
	assert_true(matches(".bak", ".bak.bak"));
}

/* "!name": an exact exception, case included, never widened to backup copies. */
static void test_pattern__exceptions(void **state)
{
	struct cordon_name_pattern v[3];
	char msg[160];

	(void)state;
	assert_int_equal(policy_compile_pattern(".env.*", &v[0], msg, sizeof(msg)), 0);
	assert_int_equal(policy_compile_pattern("!.env.example", &v[1], msg, sizeof(msg)), 0);
	assert_int_equal(policy_compile_pattern("*.env", &v[2], msg, sizeof(msg)), 0);
	assert_true(v[1].flags & CORDON_PATTERN_EXCEPT);
	assert_false(v[1].flags & CORDON_PATTERN_NOCASE);
	assert_int_equal(cordon_patterns_secret(v, 3, ".env.example"), -1);
	assert_int_equal(cordon_patterns_secret(v, 3, ".env.local"), 0);
	assert_int_equal(cordon_patterns_secret(v, 3, "prod.env"), 2);
	assert_int_equal(cordon_patterns_secret(v, 3, ".ENV.EXAMPLE"), 0);
	assert_int_equal(cordon_patterns_secret(v, 3, ".env.example~"), 0);
	assert_int_equal(cordon_patterns_secret(v, 3, ".env.example.bak"), 0);
	assert_int_equal(cordon_patterns_secret(v, 3, "notes.txt"), -1);
	/* The exception wins wherever it stands. */
	assert_int_equal(cordon_patterns_secret(&v[1], 1, ".env.example"), -1);
	refused("!", "without '/'");
	refused("!a/b", "without '/'");
}

static void test_pattern__prefix_and_suffix_never_overlap(void **state)
{
	(void)state;
	assert_true(matches("ab*ba", "abba"));
	assert_true(matches("ab*ba", "ab-ba"));
	assert_false(matches("ab*ba", "aba"));
	assert_true(matches("*", "anything"));
	assert_true(matches("*", ".hidden"));
}

static void test_pattern__long_names_use_both_ends(void **state)
{
	char name[256];

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	memcpy(name + sizeof(name) - 5, ".pem", 4);
	assert_true(matches("*.pem", name));
	memcpy(name, "id_rsa", 6);
	assert_true(matches("id_rsa*", name));
	assert_true(matches("id_rsa*.pem", name));
	assert_false(matches("id_rsa*.key", name));
	/* 24 bytes on each side: the longest parts the kernel side keeps. */
	assert_true(matches("id_rsaxxxxxxxxxxxxxxxxxx*xxxxxxxxxxxxxxxxxxx.pem", name));
	assert_false(matches("id_rsaxxxxxxxxxxxxxxxxxy*", name));
	assert_true(matches("exactly-twenty-four-byte", "exactly-twenty-four-byte"));
	assert_false(matches("exactly-twenty-four-byte", "exactly-twenty-four-bytes"));
}

/* What fnmatch(3) with FNM_CASEFOLD says of @name or of @name without one backup suffix. */
static bool fnmatch_secret(const char *glob, const char *name)
{
	static const char *const backups[] = { "~", ".bak", ".old", ".orig", ".save" };
	size_t len = strlen(name);

	if (fnmatch(glob, name, FNM_CASEFOLD) == 0)
		return true;
	for (size_t b = 0; b < ARRAY_SIZE(backups); b++) {
		size_t k = strlen(backups[b]);
		char stem[256];

		if (len > k && len < sizeof(stem) && !strcasecmp(name + len - k, backups[b])) {
			memcpy(stem, name, len - k);
			stem[len - k] = 0;
			return fnmatch(glob, stem, FNM_CASEFOLD) == 0;
		}
	}
	return false;
}

/* Every accepted pattern means what fnmatch(3) says it means (FNM_CASEFOLD, and backup copies). */
static void test_pattern__agrees_with_fnmatch(void **state)
{
	static const char *const globs[] = {
		".env",	   ".env.*", "*.pem", "*.key", "*.p12",	      "id_rsa*",  "id_ed25519*",
		".netrc",  "*",	     "a*",    "*a",    "ab*ba",	      "*.tar.gz", ".*",
		"secret*", "*~",     "*-",    ".",     "credentials", "*.env",
	};
	static const char *const names[] = {
		".env",
		".env.local",
		".env.",
		"env",
		"a.env",
		"key.pem",
		".pem",
		"pem",
		"id_rsa",
		"id_rsa.pub",
		"x",
		"a",
		"aa",
		"aba",
		"abba",
		"abxba",
		".netrc",
		".netrc~",
		"backup.tar.gz",
		".tar.gz",
		"secret",
		"secrets",
		"-",
		"credentials",
		"credentials.json",
		"id_ed25519-long-name-beyond-the-thirty-two-bytes-of-head.pub",
		"a-very-long-file-name-that-ends-in-a-certificate.pem",
		"SERVER.PEM",
		"Key.Pem.Bak",
		".ENV~",
		"id_RSA.orig",
		".env.local.old",
		"~",
		".save",
		"a-very-long-file-name-that-ends-in-a-certificate.PEM.orig",
	};

	(void)state;
	for (size_t g = 0; g < ARRAY_SIZE(globs); g++)
		for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
			bool want = fnmatch_secret(globs[g], names[n]);

			if (matches(globs[g], names[n]) != want)
				fail_msg("'%s' on '%s': fnmatch says %d", globs[g], names[n], want);
		}
}

static void test_pattern__kernel_unmatchable_patterns_are_refused(void **state)
{
	(void)state;
	refused("", "without '/'");
	refused("keys/id_rsa", "without '/'");
	refused("*.p?m", "only one '*'");
	refused("[ab].pem", "only one '*'");
	refused("\\*.pem", "only one '*'");
	refused("*.tar.*", "only one '*'");
	refused("a-prefix-of-twenty-five-b*", "at most 24 characters");
	refused("*a-suffix-of-twenty-five-b", "at most 24 characters");
	refused("an-exact-name-of-25-bytes", "at most 24 characters");
}

/* The name parts the BPF side reads: head NUL-terminated, tail right-aligned. */
static void test_pattern__name_parts(void **state)
{
	struct cordon_pattern_name n;

	(void)state;
	cordon_pattern_name_set(&n, "key.pem");
	assert_int_equal(n.len, 7);
	assert_string_equal((const char *)n.head, "key.pem");
	assert_memory_equal(n.tail + CORDON_PATTERN_PART - 7, "key.pem", 7);
	cordon_pattern_name_set(&n, "0123456789abcdefghijklmnopqrstuvwxyz");
	assert_int_equal(n.len, 36);
	assert_int_equal(strlen((const char *)n.head), CORDON_PATTERN_BUF - 1);
	assert_memory_equal(n.tail, "cdefghijklmnopqrstuvwxyz", CORDON_PATTERN_PART);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern__exact_name_matches_only_itself),
		cmocka_unit_test(test_pattern__prefix_star),
		cmocka_unit_test(test_pattern__star_suffix_matches_leading_dot),
		cmocka_unit_test(test_pattern__prefix_and_suffix_never_overlap),
		cmocka_unit_test(test_pattern__secret_names_match_in_any_case),
		cmocka_unit_test(test_pattern__backup_copies_match),
		cmocka_unit_test(test_pattern__exceptions),
		cmocka_unit_test(test_pattern__long_names_use_both_ends),
		cmocka_unit_test(test_pattern__agrees_with_fnmatch),
		cmocka_unit_test(test_pattern__kernel_unmatchable_patterns_are_refused),
		cmocka_unit_test(test_pattern__name_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
