// SPDX-License-Identifier: GPL-2.0-only
/*
 * SHA-256 through nettle gives the FIPS 180-4 answers (policy digests and BPF build ids keep
 * their values), across the one- and two-block padding boundaries and over a long input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit.h"

static void test_audit_sha256__fips180_vectors(void **state)
{
	char hex[65];

	(void)state;
	cordon_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cordon_sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
			  112, hex);
	assert_string_equal(hex,
			    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_audit_sha256__padding_boundaries(void **state)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[120], hex[65];

	(void)state;
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cordon_sha256_hex(a, v[i].len, hex);
		assert_string_equal(hex, v[i].hex);
	}
}

static void test_audit_sha256__million_a(void **state)
{
	char *a = malloc(1000000), hex[65];

	(void)state;
	assert_non_null(a);
	memset(a, 'a', 1000000);
	cordon_sha256_hex(a, 1000000, hex);
	free(a);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_sha256__fips180_vectors),
		cmocka_unit_test(test_audit_sha256__padding_boundaries),
		cmocka_unit_test(test_audit_sha256__million_a),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
