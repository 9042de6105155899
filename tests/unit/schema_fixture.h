/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit JSON schema as a cmocka group fixture, for the unit tests that validate records:
 * cmocka_run_group_tests(tests, schema_setup, schema_teardown), then use `schema`.
 */
#ifndef CORDON_TEST_SCHEMA_FIXTURE_H
#define CORDON_TEST_SCHEMA_FIXTURE_H

#include <stdio.h>

#include <jansson.h>

static json_t *schema;

static int schema_setup(void **state)
{
	json_error_t e;

	(void)state;
	schema = json_load_file("docs/audit-schema.json", 0, &e);
	if (!schema)
		fprintf(stderr, "docs/audit-schema.json: %s\n", e.text);
	return schema ? 0 : -1;
}

static int schema_teardown(void **state)
{
	(void)state;
	json_decref(schema);
	return 0;
}

#endif /* CORDON_TEST_SCHEMA_FIXTURE_H */
