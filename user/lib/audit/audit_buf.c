// SPDX-License-Identifier: GPL-2.0-only
/* The audit line buffer's slow path: growing it (the appends are inline in audit/audit.h). */
#include <errno.h>
#include <stdlib.h>

#include "audit/audit.h"

int cordon_audit_buf_grow(struct cordon_audit_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->fixed)
		goto overflow;
	for (cap = b->cap ? b->cap : 4096; cap - b->len < n; cap *= 2)
		;
	p = realloc(b->p, cap);
	if (!p)
		goto overflow;
	b->p = p;
	b->cap = cap;
	return 0;
overflow:
	b->overflow = true;
	return -ENOMEM;
}
