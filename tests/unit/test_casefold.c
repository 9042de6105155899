// SPDX-License-Identifier: GPL-2.0-only
/*
 * The casefold rewrite of names (bpf/lib/casefold.h, the code the BPF file hooks run in
 * case-insensitive directories) against the kernel's casefold semantics as reproduced in
 * userspace by tools/casefold_ascii.pl, for every code point; and the spellings an agent would
 * use for a secret's name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile/compile.h"
#include "lib/casefold.h"
#include "lib/pattern.h"

#define MAX_CP 0x110000

/* What the script says each code point folds to: NULL (not ASCII), "" (ignorable), or ASCII. */
static char *expect[MAX_CP];

static size_t utf8_encode(__u32 cp, __u8 *out)
{
	if (cp < 0x80) {
		out[0] = (__u8)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (__u8)(0xC0 | cp >> 6);
		out[1] = (__u8)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (__u8)(0xE0 | cp >> 12);
		out[1] = (__u8)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (__u8)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (__u8)(0xF0 | cp >> 18);
	out[1] = (__u8)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (__u8)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (__u8)(0x80 | (cp & 0x3F));
	return 4;
}

static int load_expectations(void **state)
{
	char line[64];
	FILE *f;
	int n = 0;

	(void)state;
	f = popen("perl tools/casefold_ascii.pl", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char ascii[16] = "";
		unsigned int cp;

		if (sscanf(line, "%x %15s", &cp, ascii) < 1 || cp >= MAX_CP)
			continue;
		expect[cp] = strdup(ascii);
		n++;
	}
	/* 13 ASCII folds and 4174 ignorable code points with Perl 5.36's Unicode 14. */
	return pclose(f) == 0 && n > 4000 ? 0 : -1;
}

/* @in (NUL-terminated) rewritten; the result must be NUL-padded to the end of the buffer. */
static void folded(const char *in, char *out)
{
	__u8 name[CORDON_DIRENT_NAME] = { 0 };
	size_t len;

	memcpy(name, in, strlen(in));
	cordon_casefold_name(name);
	len = strnlen((char *)name, sizeof(name));
	assert_true(len < sizeof(name));
	for (size_t i = len; i < sizeof(name); i++)
		assert_int_equal(name[i], 0);
	memcpy(out, name, len + 1);
}

/*
 * Every code point between two ASCII letters: folded to the script's ASCII, dropped when
 * ignorable, else kept byte for byte; the letters lowered around it. Differences from the
 * kernel's 12.1 tables: U+180F (ignorable since Unicode 14, unassigned in 12.1, so compared
 * bytewise there) is dropped here too, which refuses more, never less.
 */
static void test_casefold__every_code_point_as_the_kernel_folds_it(void **state)
{
	char in[16], out[CORDON_DIRENT_NAME], want[16];
	int mapped = 0, ignorable = 0;

	(void)state;
	for (__u32 cp = 0x80; cp < MAX_CP; cp++) {
		__u8 enc[4];
		size_t n;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = utf8_encode(cp, enc);
		in[0] = 'A';
		memcpy(in + 1, enc, n);
		in[1 + n] = 'Z';
		in[2 + n] = 0;
		if (expect[cp]) {
			snprintf(want, sizeof(want), "a%sz", expect[cp]);
			*expect[cp] ? mapped++ : ignorable++;
		} else {
			want[0] = 'a';
			memcpy(want + 1, enc, n);
			want[1 + n] = 'z';
			want[2 + n] = 0;
		}
		folded(in, out);
		if (strcmp(out, want))
			fail_msg("U+%04X: folded to \"%s\", want \"%s\"", cp, out, want);
	}
	assert_int_equal(mapped, 13);
	assert_true(ignorable > 4000);
}

static void test_casefold__secret_spellings_reach_ascii(void **state)
{
	char out[CORDON_DIRENT_NAME];

	(void)state;
	folded("id_r\xC5\xBF"
	       "a",
	       out); /* LONG S */
	assert_string_equal(out, "id_rsa");
	folded("\xE2\x84\xAA"
	       "ey.pem",
	       out); /* KELVIN SIGN */
	assert_string_equal(out, "key.pem");
	folded(".e\xE2\x80\x8Bnv", out); /* ZERO WIDTH SPACE */
	assert_string_equal(out, ".env");
	folded(".\xC2\xAD"
	       "E\xEF\xB8\x8FNV",
	       out); /* SOFT HYPHEN, VARIATION SELECTOR-16 */
	assert_string_equal(out, ".env");
	folded("con\xEF\xAC\x81g.json", out); /* LIGATURE FI */
	assert_string_equal(out, "config.json");
	folded("CONFIG.JSON", out);
	assert_string_equal(out, "config.json");
	folded("\xF3\xA0\x80\x81.env", out); /* LANGUAGE TAG: 4 bytes */
	assert_string_equal(out, ".env");
}

static void test_casefold__malformed_and_overlong_kept(void **state)
{
	char out[CORDON_DIRENT_NAME];

	(void)state;
	/* Overlong "K" and a lone continuation byte: the kernel compares those bytewise. */
	folded("\xC1\x8B\x80x", out);
	assert_string_equal(out, "\xC1\x8B\x80x");
	/* A truncated LONG S at the end, and LONG S's lead before an ASCII byte. */
	folded("id_rsa\xC5", out);
	assert_string_equal(out, "id_rsa\xC5");
	folded("\xC5s", out);
	assert_string_equal(out, "\xC5s");
	/* An overlong 3-byte spelling of U+017F. */
	folded("\xE0\x85\xBF", out);
	assert_string_equal(out, "\xE0\x85\xBF");
}

/* A whole NAME_MAX name of ligatures and ignorables: shorter, NUL-padded, nothing past 255. */
static void test_casefold__longest_names(void **state)
{
	char in[CORDON_DIRENT_NAME] = "", out[CORDON_DIRENT_NAME], want[CORDON_DIRENT_NAME] = "";

	(void)state;
	for (int i = 0; i < 85; i++) {
		strcat(in, "\xEF\xAC\x83"); /* FFI: 3 bytes to 3 */
		strcat(want, "ffi");
	}
	folded(in, out);
	assert_string_equal(out, want);
	in[0] = 0;
	for (int i = 0; i < 85; i++)
		strcat(in, "\xE2\x80\x8B");
	folded(in, out);
	assert_string_equal(out, "");
}

/* What the hooks then match: the folded name against the secret patterns. */
static void test_casefold__folded_names_match_secret_patterns(void **state)
{
	struct cordon_name_pattern rsa, env;
	char msg[160], out[CORDON_DIRENT_NAME];

	(void)state;
	assert_int_equal(policy_compile_pattern("id_rsa*", &rsa, msg, sizeof(msg)), 0);
	assert_int_equal(policy_compile_pattern(".env", &env, msg, sizeof(msg)), 0);
	assert_false(cordon_pattern_match_name(&rsa, "id_r\xC5\xBF"
						     "a"));
	folded("id_r\xC5\xBF"
	       "a.pub",
	       out);
	assert_true(cordon_pattern_match_name(&rsa, out));
	assert_false(cordon_pattern_match_name(&env, ".e\xE2\x80\x8Bnv"));
	folded(".e\xE2\x80\x8Bnv", out);
	assert_true(cordon_pattern_match_name(&env, out));
	/* An accented letter is another name to the kernel too. */
	folded(".\xC3\xA9nv", out);
	assert_false(cordon_pattern_match_name(&env, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_casefold__every_code_point_as_the_kernel_folds_it),
		cmocka_unit_test(test_casefold__secret_spellings_reach_ascii),
		cmocka_unit_test(test_casefold__malformed_and_overlong_kept),
		cmocka_unit_test(test_casefold__longest_names),
		cmocka_unit_test(test_casefold__folded_names_match_secret_patterns),
	};

	return cmocka_run_group_tests(tests, load_expectations, NULL);
}
