/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Audit records as JSON objects (field names from Elastic Common Schema where one fits, plus
 * cordon.*), and the JSON-lines file sink. Every string an agent controls goes through jansson,
 * never through a hand-written escaper, so it cannot forge or split a record.
 */
#ifndef CORDON_AUDIT_RECORD_H
#define CORDON_AUDIT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CORDON_AUDIT_SCHEMA 1

struct cordon_audit_ctx {
	const char *session; /* session name */
	const char *policy;  /* policy name */
	const char *host;    /* host name */
};

/* The common part of every record: a new object, or NULL. @action is event.action. */
json_t *cordon_audit_base(const struct cordon_audit_ctx *c, const char *action, const char *outcome,
			  uint64_t realtime_ns);

/* A ring-buffer record (already checked by cordon_event_check), or NULL for types not
 * reported. */
json_t *cordon_audit_from_event(const struct cordon_audit_ctx *c, const void *data, size_t size);

/* CLOCK_REALTIME ns for a CLOCK_BOOTTIME ns stamp from BPF. */
uint64_t cordon_boot_to_realtime(uint64_t boot_ns);
uint64_t cordon_realtime_ns(void);

/* Append @rec as one line to @fd (one write of the whole line, O_APPEND). Consumes @rec. */
int cordon_audit_write(int fd, json_t *rec);

#endif /* CORDON_AUDIT_RECORD_H */
