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
 *
 * Secret patterns are case-insensitive (CORDON_PATTERN_NOCASE: "SERVER.PEM" is "*.pem" on a
 * case-preserving file system) and cover a secret's backup copies: a name ending in one of the
 * suffixes editors and tools leave ("~", ".bak", ".old", ".orig", ".save") matches when the name
 * without it does ("key.pem~", ".env.bak", "id_rsa.orig"). Exceptions ("!.env.example",
 * CORDON_PATTERN_EXCEPT) match the exact name only, case included: an exception stays narrow.
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
	__u32 backup;		       /* length of its backup suffix ("~", ".bak"), or 0 */
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

/* @c in lower case when @nocase: A-Z only, as file names are bytes, not text. */
CORDON_PATTERN_FN __u8 cordon_pattern_fold(__u8 c, __u32 nocase)
{
	return nocase && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Does the name end in the @k (1..5) lower-case bytes c0..c4 (case folded), with more before? */
CORDON_PATTERN_FN int cordon_pattern_ends(const struct cordon_pattern_name *n, __u32 k, __u8 c0,
					  __u8 c1, __u8 c2, __u8 c3, __u8 c4)
{
	__u8 want[5] = { c0, c1, c2, c3, c4 };

	if (n->len <= k)
		return 0;
	for (__u32 j = 0; j < 5; j++)
		if (j < k &&
		    cordon_pattern_fold(
			    n->tail[(CORDON_PATTERN_PART - k + j) & (CORDON_PATTERN_BUF - 1)], 1) !=
			    want[j])
			return 0;
	return 1;
}

/* The length of the name's backup suffix, or 0. Byte by byte: no string constants in BPF. */
CORDON_PATTERN_FN __u32 cordon_pattern_backup_len(const struct cordon_pattern_name *n)
{
	if (cordon_pattern_ends(n, 1, '~', 0, 0, 0, 0))
		return 1;
	if (cordon_pattern_ends(n, 4, '.', 'b', 'a', 'k', 0) ||
	    cordon_pattern_ends(n, 4, '.', 'o', 'l', 'd', 0))
		return 4;
	if (cordon_pattern_ends(n, 5, '.', 'o', 'r', 'i', 'g') ||
	    cordon_pattern_ends(n, 5, '.', 's', 'a', 'v', 'e'))
		return 5;
	return 0;
}

/*
 * 1 when the name @n without its last @k bytes matches @p. A suffix that, with @k, reaches
 * beyond the CORDON_PATTERN_PART bytes kept of the name cannot be checked: no match (only for
 * backup copies, k > 0, of patterns with suffixes over 19 bytes).
 */
CORDON_PATTERN_FN int cordon_pattern_match_at(const struct cordon_name_pattern *p,
					      const struct cordon_pattern_name *n, __u32 k)
{
	__u32 nocase = p->flags & CORDON_PATTERN_NOCASE, len = n->len - k;

	if (k >= n->len || (__u32)p->suffix_len + k > CORDON_PATTERN_PART)
		return 0;
	if (p->flags & CORDON_PATTERN_EXACT) {
		if (len != p->prefix_len)
			return 0;
	} else if (len < (__u32)p->prefix_len + p->suffix_len) {
		return 0;
	}
	for (__u32 j = 0; j < CORDON_PATTERN_PART; j++)
		if (j < p->prefix_len && cordon_pattern_fold(n->head[j], nocase) != p->prefix[j])
			return 0;
	for (__u32 j = 0; j < CORDON_PATTERN_PART; j++)
		if (j < p->suffix_len &&
		    cordon_pattern_fold(n->tail[(CORDON_PATTERN_PART - k - p->suffix_len + j) &
						(CORDON_PATTERN_BUF - 1)],
					nocase) != p->suffix[j])
			return 0;
	return 1;
}

/* 1 when the name @n matches the pattern @p, else 0. Bounded loops only: BPF runs it. */
CORDON_PATTERN_FN int cordon_pattern_match(const struct cordon_name_pattern *p,
					   const struct cordon_pattern_name *n)
{
	if (cordon_pattern_match_at(p, n, 0))
		return 1;
	if (p->flags & CORDON_PATTERN_EXCEPT)
		return 0;
	return n->backup && cordon_pattern_match_at(p, n, n->backup);
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
	n->backup = cordon_pattern_backup_len(n);
}

/* Userspace: does the file name @name match @p? */
static inline int cordon_pattern_match_name(const struct cordon_name_pattern *p, const char *name)
{
	struct cordon_pattern_name n;

	cordon_pattern_name_set(&n, name);
	return cordon_pattern_match(p, &n);
}

/*
 * Userspace: the index of the pattern of @v[0..@n) that makes @name a secret, or -1 when none
 * does or an exception ("!.env.example") matches it, wherever the exception stands in @v.
 */
static inline long cordon_patterns_secret(const struct cordon_name_pattern *v, __u64 n,
					  const char *name)
{
	struct cordon_pattern_name pn;
	long hit = -1;

	cordon_pattern_name_set(&pn, name);
	for (__u64 i = 0; i < n; i++) {
		if (!cordon_pattern_match(&v[i], &pn))
			continue;
		if (v[i].flags & CORDON_PATTERN_EXCEPT)
			return -1;
		if (hit < 0)
			hit = (long)i;
	}
	return hit;
}
#endif

#endif /* CORDON_PATTERN_H */
