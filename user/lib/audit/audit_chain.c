// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit log's hash chain, checked: every line ends with "cordon.prev", the SHA-256 of the
 * line before it, so an edit, an insertion, a deletion or a reordering breaks it at one line.
 */
#include <errno.h>
#include <string.h>

#include <nettle/sha2.h>

#include "audit/audit.h"

#define SUFFIX_KEY ",\"" CORDON_AUDIT_PREV_KEY "\":\""

static void to_hex(const uint8_t *d, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[CORDON_AUDIT_PREV_HEX] = '\0';
}

/* The hex digest a line ends with (its last member), or NULL. */
static const char *line_prev(const char *line, size_t len)
{
	size_t tail = sizeof(SUFFIX_KEY) - 1 + CORDON_AUDIT_PREV_HEX + 2;
	const char *hex;

	if (len < tail + 1 || line[0] != '{' || memcmp(line + len - 2, "\"}", 2))
		return NULL;
	hex = line + len - 2 - CORDON_AUDIT_PREV_HEX;
	if (memcmp(hex - (sizeof(SUFFIX_KEY) - 1), SUFFIX_KEY, sizeof(SUFFIX_KEY) - 1))
		return NULL;
	for (size_t i = 0; i < CORDON_AUDIT_PREV_HEX; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return NULL;
	return hex;
}

int cordon_audit_verify_line(struct cordon_audit_verify *v, const char *line, size_t len,
			     const char **why)
{
	const char *hex = line_prev(line, len);
	struct sha256_ctx ctx;
	json_error_t e;
	json_t *rec;
	bool same;

	if (!hex) {
		*why = "no " CORDON_AUDIT_PREV_KEY " as its last member: not a record of the chain "
		       "(inserted, cut or edited)";
		return -EBADMSG;
	}
	/* One JSON object whose "cordon.prev" is the one found: a second key of the same name
	 * (which a reader might take instead) is refused. */
	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
	same = json_is_object(rec) &&
	       !strncmp(json_string_value(json_object_get(rec, CORDON_AUDIT_PREV_KEY)) ?: "", hex,
			CORDON_AUDIT_PREV_HEX);
	json_decref(rec);
	if (!same) {
		*why = "not one JSON object with a single " CORDON_AUDIT_PREV_KEY;
		return -EBADMSG;
	}
	if (v->records == 0)
		memcpy(v->first_prev, hex, CORDON_AUDIT_PREV_HEX);
	if (v->records && memcmp(hex, v->head, CORDON_AUDIT_PREV_HEX)) {
		*why = "the chain breaks: " CORDON_AUDIT_PREV_KEY " is not the hash of the record "
		       "before it (a record was edited, inserted, removed or moved here)";
		return -EBADMSG;
	}
	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)line);
	{
		uint8_t d[SHA256_DIGEST_SIZE];

		sha256_digest(&ctx, sizeof(d), d);
		to_hex(d, v->head);
	}
	v->records++;
	return 0;
}
