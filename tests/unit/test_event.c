// SPDX-License-Identifier: GPL-2.0-only
/* Ring-buffer record validation: truncated, lying, unknown and newer records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "unit_fixture.h"

static struct cordon_event_file file_event(void)
{
	struct cordon_event_file e;

	unit_event_hdr(&e.hdr, CORDON_EV_FILE, sizeof(e));
	return e;
}

static void test_event_check__well_formed_record_is_accepted(void **state)
{
	struct cordon_event_file e = file_event();

	(void)state;
	assert_int_equal(cordon_event_check(&e, sizeof(e)), CORDON_EV_FILE);
}

static void test_event_check__truncated_header_is_rejected(void **state)
{
	struct cordon_event_file e = file_event();

	(void)state;
	assert_int_equal(cordon_event_check(&e, sizeof(e.hdr) - 1), -EBADMSG);
	assert_int_equal(cordon_event_check(NULL, 0), -EBADMSG);
}

static void test_event_check__size_beyond_received_bytes_is_rejected(void **state)
{
	struct cordon_event_file e = file_event();

	(void)state;
	assert_int_equal(cordon_event_check(&e, sizeof(e) - 1), -EBADMSG);
}

static void test_event_check__record_shorter_than_its_type_is_rejected(void **state)
{
	struct cordon_event_file e = file_event();

	(void)state;
	e.hdr.size = sizeof(e.hdr) + 8;
	assert_int_equal(cordon_event_check(&e, sizeof(e)), -EBADMSG);
	e.hdr.size = 4; /* smaller than the header itself */
	assert_int_equal(cordon_event_check(&e, sizeof(e)), -EBADMSG);
}

static void test_event_check__unknown_type_is_skipped(void **state)
{
	struct cordon_event_file e = file_event();

	(void)state;
	e.hdr.type = 999;
	assert_int_equal(cordon_event_check(&e, sizeof(e)), -EOPNOTSUPP);
	e.hdr.type = 0;
	assert_int_equal(cordon_event_check(&e, sizeof(e)), -EOPNOTSUPP);
}

static void test_event_check__longer_record_of_newer_version_is_accepted(void **state)
{
	unsigned char buf[sizeof(struct cordon_event_file) + 32] = { 0 };
	struct cordon_event_file e = file_event();

	(void)state;
	e.hdr.version = CORDON_EVENT_VERSION + 1;
	e.hdr.size = sizeof(buf);
	memcpy(buf, &e, sizeof(e));
	assert_int_equal(cordon_event_check(buf, sizeof(buf)), CORDON_EV_FILE);
}

static void test_event_str__unterminated_kernel_string_is_bounded(void **state)
{
	__u8 comm[CORDON_COMM_LEN];
	char out[8];

	(void)state;
	memset(comm, 'A', sizeof(comm));
	cordon_event_str(out, sizeof(out), comm, sizeof(comm));
	assert_string_equal(out, "AAAAAAA");
}

static void test_event_names__unknown_numbers_have_a_name(void **state)
{
	(void)state;
	assert_string_equal(cordon_event_type_name(CORDON_EV_CONNECT), "connect");
	assert_string_equal(cordon_event_hook_name(CORDON_HOOK_FILE_OPEN), "file_open");
	assert_string_equal(cordon_event_layer_name(CORDON_LAYER_BPF_LSM), "bpf_lsm");
	assert_string_equal(cordon_event_type_name(12345), "unknown");
	assert_string_equal(cordon_event_hook_name(0), "unknown");
}

#define TYPE_NR(name, nr, str)	nr,
#define TYPE_STR(name, nr, str) str,

static void test_event_desc__every_type_of_events_h_is_described(void **state)
{
	static const unsigned int types[] = { CORDON_EVENT_TYPES(TYPE_NR) };
	static const char *const names[] = { CORDON_EVENT_TYPES(TYPE_STR) };
	unsigned char buf[4096] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct cordon_event_desc *d = cordon_event_desc(types[i]);
		struct cordon_event_hdr *h = (struct cordon_event_hdr *)buf;

		assert_non_null(d);
		assert_true(d->size > sizeof(*h) && d->size <= sizeof(buf));
		assert_true(d->n_fields > 0);
		for (size_t k = 0; k < d->n_fields; k++) {
			const struct cordon_event_field *fd = &d->fields[k];

			assert_true(fd->off + fd->len <= d->size);
			/* the writer walks the fields once, object by object */
			if (k)
				assert_true(fd[-1].obj <= fd->obj);
			assert_int_equal(fd->json_len, strlen(fd->key) + 4);
		}
		assert_string_equal(cordon_event_type_name(types[i]), names[i]);
		h->type = (__u16)types[i];
		h->size = (__u32)d->size;
		assert_int_equal(cordon_event_check(buf, d->size), (int)types[i]);
		assert_int_equal(cordon_event_min_size(types[i]), d->size);
	}
	assert_null(cordon_event_desc(0));
	assert_null(cordon_event_desc(63));
	assert_null(cordon_event_desc(1u << 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_check__well_formed_record_is_accepted),
		cmocka_unit_test(test_event_check__truncated_header_is_rejected),
		cmocka_unit_test(test_event_check__size_beyond_received_bytes_is_rejected),
		cmocka_unit_test(test_event_check__record_shorter_than_its_type_is_rejected),
		cmocka_unit_test(test_event_check__unknown_type_is_skipped),
		cmocka_unit_test(test_event_check__longer_record_of_newer_version_is_accepted),
		cmocka_unit_test(test_event_str__unterminated_kernel_string_is_bounded),
		cmocka_unit_test(test_event_names__unknown_numbers_have_a_name),
		cmocka_unit_test(test_event_desc__every_type_of_events_h_is_described),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
