// SPDX-License-Identifier: GPL-2.0-only
/* The JSON Schema subset the audit schema is written in; unknown keywords are errors. */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"

struct vctx {
	json_t *root;
	char *err;
	size_t errlen;
	char path[512];
};

static int __attribute__((format(printf, 3, 4))) fail(struct vctx *v, int r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!v->err || v->err[0])
		return r;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(v->err, v->errlen, "%s: %s", v->path[0] ? v->path : "/", msg);
	return r;
}

static bool type_is(json_t *inst, const char *t)
{
	if (!strcmp(t, "object"))
		return json_is_object(inst);
	if (!strcmp(t, "array"))
		return json_is_array(inst);
	if (!strcmp(t, "string"))
		return json_is_string(inst);
	if (!strcmp(t, "integer"))
		return json_is_integer(inst);
	if (!strcmp(t, "number"))
		return json_is_number(inst);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(inst);
	if (!strcmp(t, "null"))
		return json_is_null(inst);
	return false;
}

static int validate(struct vctx *v, json_t *schema, json_t *inst);

static int child(struct vctx *v, json_t *schema, json_t *inst, const char *key, size_t idx)
{
	size_t len = strlen(v->path);
	int r;

	if (key)
		snprintf(v->path + len, sizeof(v->path) - len, "/%s", key);
	else
		snprintf(v->path + len, sizeof(v->path) - len, "/%zu", idx);
	r = validate(v, schema, inst);
	v->path[len] = '\0';
	return r;
}

/* Does @inst match @schema? Without recording an error (for "if"). */
static int matches(struct vctx *v, json_t *schema, json_t *inst)
{
	struct vctx q = { .root = v->root };
	int r = validate(&q, schema, inst);

	return r == -EOPNOTSUPP ? r : r == 0;
}

static int validate(struct vctx *v, json_t *schema, json_t *inst)
{
	static const char *const known[] = {
		"$schema", "$id",      "title",	     "description",
		"type",	   "required", "properties", "additionalProperties",
		"items",   "enum",     "const",	     "pattern",
		"minimum", "minItems", "allOf",	     "if",
		"then",	   "$ref",     "$defs"
	};
	const char *key;
	json_t *val, *props, *addl;
	int r;

	if (json_is_true(schema))
		return 0;
	if (json_is_false(schema))
		return fail(v, -EBADMSG, "not allowed here");
	if (!json_is_object(schema))
		return fail(v, -EOPNOTSUPP, "%s", "schema is not an object");
	json_object_foreach (schema, key, val) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || !strcmp(key, known[i]);
		if (!ok)
			return fail(v, -EOPNOTSUPP, "unsupported schema keyword '%s'", key);
	}
	if ((val = json_object_get(schema, "$ref"))) {
		const char *ref = json_string_value(val);

		if (!ref || strncmp(ref, "#/$defs/", 8))
			return fail(v, -EOPNOTSUPP, "unsupported $ref '%s'", ref ? ref : "");
		val = json_object_get(json_object_get(v->root, "$defs"), ref + 8);
		if (!val)
			return fail(v, -EOPNOTSUPP, "unresolved $ref '%s'", ref);
		r = validate(v, val, inst);
		if (r)
			return r;
	}
	if ((val = json_object_get(schema, "type")) && !type_is(inst, json_string_value(val)))
		return fail(v, -EBADMSG, "expected %s", json_string_value(val));
	if ((val = json_object_get(schema, "const")) && !json_equal(val, inst))
		return fail(v, -EBADMSG, "%s", "not the constant value");
	if ((val = json_object_get(schema, "enum"))) {
		size_t i;
		json_t *e;
		bool found = false;

		json_array_foreach (val, i, e)
			found = found || json_equal(e, inst);
		if (!found)
			return fail(v, -EBADMSG, "%s", "not one of the enumerated values");
	}
	if ((val = json_object_get(schema, "pattern")) && json_is_string(inst)) {
		regex_t re;

		if (regcomp(&re, json_string_value(val), REG_EXTENDED | REG_NOSUB))
			return fail(v, -EOPNOTSUPP, "bad pattern '%s'", json_string_value(val));
		r = regexec(&re, json_string_value(inst), 0, NULL, 0);
		regfree(&re);
		if (r)
			return fail(v, -EBADMSG, "does not match %s", json_string_value(val));
	}
	if ((val = json_object_get(schema, "minimum")) && json_is_number(inst) &&
	    json_number_value(inst) < json_number_value(val))
		return fail(v, -EBADMSG, "%s", "below the minimum");
	if ((val = json_object_get(schema, "minItems")) && json_is_array(inst) &&
	    json_array_size(inst) < (size_t)json_integer_value(val))
		return fail(v, -EBADMSG, "%s", "too few items");
	if ((val = json_object_get(schema, "items")) && json_is_array(inst)) {
		size_t i;
		json_t *e;

		json_array_foreach (inst, i, e) {
			r = child(v, val, e, NULL, i);
			if (r)
				return r;
		}
	}
	if (json_is_object(inst)) {
		size_t i;
		json_t *e;

		json_array_foreach (json_object_get(schema, "required"), i, e) {
			if (!json_object_get(inst, json_string_value(e)))
				return fail(v, -EBADMSG, "missing required '%s'",
					    json_string_value(e));
		}
		props = json_object_get(schema, "properties");
		addl = json_object_get(schema, "additionalProperties");
		json_object_foreach (inst, key, val) {
			json_t *ps = json_object_get(props, key);

			if (ps)
				r = child(v, ps, val, key, 0);
			else if (addl)
				r = child(v, addl, val, key, 0);
			else
				r = 0;
			if (r)
				return r;
		}
	}
	if ((val = json_object_get(schema, "allOf"))) {
		size_t i;
		json_t *e;

		json_array_foreach (val, i, e) {
			r = validate(v, e, inst);
			if (r)
				return r;
		}
	}
	if ((val = json_object_get(schema, "if"))) {
		r = matches(v, val, inst);
		if (r < 0)
			return r;
		if (r && json_object_get(schema, "then")) {
			r = validate(v, json_object_get(schema, "then"), inst);
			if (r)
				return r;
		}
	}
	return 0;
}

int cordon_schema_validate(json_t *root, json_t *schema, json_t *inst, char *err, size_t errlen)
{
	struct vctx v = { .root = root, .err = err, .errlen = errlen };

	if (err && errlen)
		err[0] = '\0';
	return validate(&v, schema, inst);
}
