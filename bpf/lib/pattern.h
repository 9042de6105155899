/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The secret-name pattern matcher, the only one: plain C compiled into the BPF file hooks, the
 * userspace view planner (enforce/masks.c) and the unit tests, so all three judge a name alike.
 */
#ifndef CORDON_PATTERN_H
#define CORDON_PATTERN_H

#include "maps.h"

/*
 * A pattern (struct cordon_name_pattern, compiled by policy_compile_pattern()) is a prefix and
 * a suffix of at most CORDON_PATTERN_PART bytes around at most one '*'. A name matches when
 * it starts with the prefix and ends with the suffix, the two not overlapping, and, for a
 * pattern without '*', when it is exactly the prefix: fnmatch(3) with flags 0 on such a
 * pattern ('*' matches any bytes, a leading '.' included). So only a name's first and last
 * CORDON_PATTERN_PART bytes and its length are needed: the BPF side reads just those from
 * the kernel's dentry name.
 */

/* Bytes kept of each end of a name; a power of two, so an index masked with it is in bounds. */
#define CORDON_PATTERN_BUF 32
CORDON_ABI_ASSERT(CORDON_PATTERN_PART < CORDON_PATTERN_BUF, "a pattern part fits the buffers");
CORDON_ABI_ASSERT((CORDON_PATTERN_BUF & (CORDON_PATTERN_BUF - 1)) == 0, "power of two");

/* The parts of a name a pattern looks at. */
struct cordon_pattern_name {
	__u8 head[CORDON_PATTERN_BUF]; /* the name's first bytes, NUL-terminated */
	__u8 tail[CORDON_PATTERN_BUF]; /* its last CORDON_PATTERN_PART bytes at 0..PART-1,
					* right-aligned: tail[PART - 1] is its last byte */
	__u32 len;		       /* length of the whole name */
};

#ifdef __bpf__
#define CORDON_PATTERN_FN static __always_inline
#else
#define CORDON_PATTERN_FN static inline
#endif

/*
 * tail[] from head[], for a name shorter than CORDON_PATTERN_PART bytes (wholly in head). The
 * length is read once: the loop must close on a jump for 6.1's verifier, which rejects a loop
 * whose back edge is a fall-through (as when clang reloads n->len at the loop's head).
 */
CORDON_PATTERN_FN void cordon_pattern_tail_from_head(struct cordon_pattern_name *n)
{
	__u32 gap = CORDON_PATTERN_PART - n->len;

	for (int j = 0; j < CORDON_PATTERN_PART; j++)
		if ((__u32)j >= gap)
			n->tail[j & (CORDON_PATTERN_BUF - 1)] =
				n->head[(j - gap) & (CORDON_PATTERN_BUF - 1)];
}

/* 1 when the name @n matches the pattern @p, else 0. Bounded loops only: BPF runs it. */
CORDON_PATTERN_FN int cordon_pattern_match(const struct cordon_name_pattern *p,
					   const struct cordon_pattern_name *n)
{
	if (p->flags & CORDON_PATTERN_EXACT) {
		if (n->len != p->prefix_len)
			return 0;
	} else if (n->len < (__u32)p->prefix_len + p->suffix_len) {
		return 0;
	}
	for (__u32 j = 0; j < CORDON_PATTERN_PART; j++)
		if (j < p->prefix_len && n->head[j] != p->prefix[j])
			return 0;
	for (__u32 j = 0; j < CORDON_PATTERN_PART; j++)
		if (j < p->suffix_len &&
		    n->tail[(CORDON_PATTERN_PART - p->suffix_len + j) & (CORDON_PATTERN_BUF - 1)] !=
			    p->suffix[j])
			return 0;
	return 1;
}

#ifndef __bpf__
/* Userspace: @n from the NUL-terminated @name in its own memory. */
static inline void cordon_pattern_name_set(struct cordon_pattern_name *n, const char *name)
{
	__u32 len = (__u32)__builtin_strlen(name); /* a file name: at most NAME_MAX bytes */

	__builtin_memset(n, 0, sizeof(*n));
	__builtin_memcpy(n->head, name,
			 len < CORDON_PATTERN_BUF - 1 ? len : CORDON_PATTERN_BUF - 1);
	n->len = len;
	if (len >= CORDON_PATTERN_PART)
		__builtin_memcpy(n->tail, name + len - CORDON_PATTERN_PART, CORDON_PATTERN_PART);
	else
		cordon_pattern_tail_from_head(n);
}

/* Userspace: does the file name @name match @p? */
static inline int cordon_pattern_match_name(const struct cordon_name_pattern *p, const char *name)
{
	struct cordon_pattern_name n;

	cordon_pattern_name_set(&n, name);
	return cordon_pattern_match(p, &n);
}
#endif

#endif /* CORDON_PATTERN_H */
