/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A validator for the subset of JSON Schema docs/audit-schema.json uses (type, required,
 * properties, additionalProperties, items, enum, const, pattern, minimum, minItems, allOf,
 * if/then, local $ref), so tests and `cordon audit --validate` check records without Python.
 */
#ifndef CORDON_AUDIT_SCHEMA_H
#define CORDON_AUDIT_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

/*
 * Validate @inst against @schema (@root resolves "#/$defs/..." references; pass @schema).
 * Returns 0 when valid, -EBADMSG with the first violation ("/path: message") in @err, or
 * -EOPNOTSUPP for a keyword outside the subset (so a schema edit cannot silently pass).
 */
int cordon_schema_validate(json_t *root, json_t *schema, json_t *inst, char *err, size_t errlen);

#endif /* CORDON_AUDIT_SCHEMA_H */
