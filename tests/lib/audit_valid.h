/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Audit records checked against docs/audit-schema.json by a maintained validator (Debian's
 * python3-jsonschema, through tests/lib/validate-audit.py), for the unit and host tests.
 */
#ifndef CORDON_TEST_AUDIT_VALID_H
#define CORDON_TEST_AUDIT_VALID_H

#include <stddef.h>

#include <jansson.h>

/*
 * Validate one record. 0 when valid; -EBADMSG with the first violation ("/path: message") in
 * @err; another -errno (message in @err) when the validator cannot run. The first call starts
 * one validator process that later calls reuse; it runs from the repository root, like the
 * tests (CORDON_PYTHON names another interpreter than /usr/bin/python3, Debian's).
 */
int audit_schema_validate(json_t *rec, char *err, size_t errlen);

/* End the validator process (it also ends by itself when the test exits). */
void audit_schema_stop(void);

/*
 * In a record matcher `bool f(json_t *rec, ..., const char **why)`: unless @cond holds, name
 * the field @what in *why and return false.
 */
#define MUST(cond, what)               \
	do {                           \
		if (!(cond)) {         \
			*why = (what); \
			return false;  \
		}                      \
	} while (0)

#endif /* CORDON_TEST_AUDIT_VALID_H */
