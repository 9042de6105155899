// SPDX-License-Identifier: GPL-2.0-only
/* The policy error list: FILE:LINE:COL diagnostics collected by every stage, printed by the CLI. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int policy_errorf(struct policy_errors *errs, const char *file, int line, int col, const char *fmt,
		  ...)
{
	struct policy_error *e;
	va_list ap;
	int r;

	if (!errs)
		return -EINVAL;
	/* A hostile file can produce one error per line: keep a bounded number. */
	if (errs->n >= POLICY_MAX_ERRORS) {
		errs->dropped++;
		return -EINVAL;
	}
	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? errs->cap * 2 : 8;
		struct policy_error *v = realloc(errs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		errs->v = v;
		errs->cap = cap;
	}
	e = &errs->v[errs->n];
	e->file = strdup(file ? file : "<input>");
	e->line = line > 0 ? line : 1;
	e->col = col > 0 ? col : 1;
	va_start(ap, fmt);
	r = vasprintf(&e->msg, fmt, ap);
	va_end(ap);
	if (r < 0 || !e->file) {
		free(e->file);
		if (r >= 0)
			free(e->msg);
		return -ENOMEM;
	}
	errs->n++;
	return -EINVAL;
}

void policy_errors_free(struct policy_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++) {
		free(errs->v[i].file);
		free(errs->v[i].msg);
	}
	free(errs->v);
	memset(errs, 0, sizeof(*errs));
}
