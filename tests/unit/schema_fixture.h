/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit-schema validator as a cmocka group fixture, for the unit tests that validate
 * records: cmocka_run_group_tests(tests, schema_setup, schema_teardown), then use
 * audit_schema_validate() (tests/lib/audit_valid.h, python3-jsonschema behind it).
 */
#ifndef CORDON_TEST_SCHEMA_FIXTURE_H
#define CORDON_TEST_SCHEMA_FIXTURE_H

#include <stdio.h>

#include "audit_valid.h"

/* The validator runs from the repository root: fail the group at once when it is elsewhere. */
static int schema_setup(void **state)
{
	FILE *f = fopen("docs/audit-schema.json", "re");

	(void)state;
	if (!f)
		fprintf(stderr,
			"docs/audit-schema.json: not found (run from the repository root)\n");
	else
		fclose(f);
	return f ? 0 : -1;
}

static int schema_teardown(void **state)
{
	(void)state;
	audit_schema_stop();
	return 0;
}

#endif /* CORDON_TEST_SCHEMA_FIXTURE_H */
