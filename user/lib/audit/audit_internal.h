/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the audit room's attribution files (audit_rules.c, audit_attrib.c). */
#ifndef CORDON_AUDIT_INTERNAL_H
#define CORDON_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"

/*
 * @s's pathname made absolute (its task's cwd or dirfd, read now from /proc) and lexically
 * normalised into @abs and, when it fits, into s->path. 1 done; 0 no path to work on (none, an
 * empty one, an abstract socket name); -ESRCH or -ENAMETOOLONG (the record unchanged).
 */
int audit_syscall_absolute(struct cordon_event_syscall *s, char *abs, size_t len);
/* Lexically normalise the absolute @p in place (no ".", "..", empty components). */
void audit_normalise(char *p);
/* Does the refused call change the file system at its path? Is @hook an exec? */
bool audit_syscall_writes(const struct cordon_event_syscall *s);
bool audit_hook_execs(unsigned int hook);

#endif /* CORDON_AUDIT_INTERNAL_H */
