/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What several unit tests build the same way: a policy resolved from YAML text, a file written
 * with its contents, an event header, rotated audit logs and their lines. Include after cmocka.h.
 */
#ifndef CORDON_TEST_UNIT_FIXTURE_H
#define CORDON_TEST_UNIT_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "events.h"
#include "policy/policy.h"

/* @yaml parsed and resolved against @search with placeholder variables; both steps must pass. */
static inline struct policy *unit_resolved(const struct policy_search *search, const char *yaml)
{
	struct policy_errors errs = { 0 };
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = search, .vars = &vars };
	struct policy *p = NULL, *out = NULL;

	policy_vars_placeholder(&vars);
	assert_int_equal(policy_parse("t.yaml", yaml, strlen(yaml), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), 0);
	policy_errors_free(&errs);
	return out;
}

/* Write @body to @path (created or truncated); the file must open. */
static inline void unit_put(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(body, f);
	fclose(f);
}

/* Zero the @size bytes of the event at @h and give it its @type, version and size. */
static inline void unit_event_hdr(struct cordon_event_hdr *h, unsigned int type, size_t size)
{
	memset(h, 0, size);
	h->type = (__u16)type;
	h->version = CORDON_EVENT_VERSION;
	h->size = (__u32)size;
}

/* The name of rotation @i of the audit log @path: @path itself for 0, else "@path.@i". */
static inline void unit_rotated(char *buf, size_t len, const char *path, int i)
{
	if (i)
		snprintf(buf, len, "%s.%d", path, i);
	else
		snprintf(buf, len, "%s", path);
}

/* Read @f to its end, each line a whole JSON record ending in a newline; the number of lines. */
static inline unsigned long unit_whole_records(FILE *f)
{
	char line[4096];
	unsigned long n = 0;

	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);

		assert_non_null(j);
		assert_non_null(strchr(line, '\n'));
		json_decref(j);
		n++;
	}
	return n;
}

#endif /* CORDON_TEST_UNIT_FIXTURE_H */
