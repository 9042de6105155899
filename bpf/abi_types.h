/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fixed-width types for the headers shared by BPF and userspace: BPF code gets them from
 * vmlinux.h, userspace from <linux/types.h>.
 */
#ifndef CORDON_ABI_TYPES_H
#define CORDON_ABI_TYPES_H

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

/* Checked by both compilers so the two sides can never disagree on a layout. */
#define CORDON_ABI_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif /* CORDON_ABI_TYPES_H */
