/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation and naming of ring-buffer records (bpf/events.h). Records come from the kernel but
 * describe an agent's actions: every length is checked before a field is read.
 */
#ifndef CORDON_EVENT_H
#define CORDON_EVENT_H

#include <stddef.h>

#include "events.h"

/*
 * Check a record of @size bytes. Returns its type (> 0) when it is well formed (a longer record
 * of a newer version is accepted: fields are only ever appended), -EOPNOTSUPP for an unknown
 * type (skip it), -EBADMSG when it is truncated or its header lies about its size.
 */
int cordon_event_check(const void *data, size_t size);

/* Minimum size of a record of @type, 0 if the type is unknown. */
size_t cordon_event_min_size(unsigned int type);

const char *cordon_event_type_name(unsigned int type);
const char *cordon_event_hook_name(unsigned int hook);
const char *cordon_event_layer_name(unsigned int layer);

/* Copy a fixed-size, possibly unterminated kernel string into @out (always terminated). */
void cordon_event_str(char *out, size_t outlen, const __u8 *in, size_t inlen);

#endif /* CORDON_EVENT_H */
