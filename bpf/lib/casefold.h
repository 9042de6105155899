/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A name in a case-insensitive directory reduced to the ASCII spelling the kernel's casefold
 * makes it equal to: plain C compiled into the BPF file hooks and the unit tests, so both
 * judge a name alike.
 */
#ifndef CORDON_CASEFOLD_H
#define CORDON_CASEFOLD_H

#include "maps.h"

/*
 * In a casefold directory (ext4/f2fs, chattr +F) the kernel compares names by their "nfdicf"
 * form (fs/unicode: canonical decomposition, then the C+F case folding of CaseFolding.txt, to
 * a fixed point, over the Unicode 12.1 tables), and default-ignorable code points fold to
 * nothing. So more spellings than ASCII case open a secret named in ASCII: "id_r\u017Fa" (LONG
 * S) is id_rsa, "\u212A" (KELVIN SIGN) is k, "\u00DF" is ss, U+FB01 is fi, and ".e\u200Bnv" is
 * .env. A name rule that compares bytes must first take the name to that form.
 *
 * The code points whose nfdicf is ASCII were derived with tools/casefold_ascii.pl (decompose,
 * fold fully, repeat until stable, keep what is ASCII; Perl's Unicode 14 tables, the same result
 * as Python's unicodedata.normalize("NFD", s.casefold()) iterated): the thirteen below. No code
 * point added after 12.1 folds to ASCII, so the kernel's older tables give the same set. The
 * unit test (tests/unit/test_casefold.c) runs the script and checks this code against it for
 * every code point.
 *
 * Default-ignorable code points (U+00AD, U+200B..U+200F, U+FE00..U+FE0F, U+E0000..U+E0FFF...):
 * mkutf8data gives them an empty decomposition. Commit 5c26d2f1d3f5 ("unicode: Don't special
 * case ignorable code points", 6.12-rc, backported to the stable series) stopped that, and
 * 231825b2e1ff (6.13-rc3, also in the stable series) reverted it: the 6.1 and 6.12 kernels of
 * today drop them again (tests/vm/test_lsm_edges checks it on both). They are dropped here
 * always: on a kernel of that window, where a name holding one is another file, refusing it
 * is a false refusal of a name nobody types, never a secret let through. The ranges are
 * Unicode 14's (a superset of 12.1's: U+180F was added), for the same reason.
 *
 * What is not ASCII and not in the table is kept as it is, byte for byte (an accented letter
 * decomposes to a letter and a combining mark: never equal to an ASCII name), and so is a
 * malformed or overlong sequence (the kernel compares those bytewise). ASCII letters are
 * lowered. Each rewrite is no longer than what it replaces, so the name is rewritten in place.
 */

#ifdef __bpf__
#define CORDON_CASEFOLD_FN static __always_inline
#else
#define CORDON_CASEFOLD_FN static inline
#endif

/* Where the in-place rewrite of a name stands. */
struct cordon_casefold_pos {
	__u32 in;   /* next byte to read */
	__u32 out;  /* next byte to write; out <= in */
	__u32 done; /* the name's end was reached; bytes out..in-1 are being cleared */
	__u32 len;  /* then: the length of the rewritten name */
};

/* Is @cp default-ignorable (DerivedCoreProperties.txt, Unicode 14)? */
CORDON_CASEFOLD_FN int cordon_casefold_ignorable(__u32 cp)
{
	return cp == 0x00AD || cp == 0x034F || cp == 0x061C || (cp >= 0x115F && cp <= 0x1160) ||
	       (cp >= 0x17B4 && cp <= 0x17B5) || (cp >= 0x180B && cp <= 0x180F) ||
	       (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2060 && cp <= 0x206F) || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) ||
	       cp == 0xFEFF || cp == 0xFFA0 || (cp >= 0xFFF0 && cp <= 0xFFF8) ||
	       (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A) ||
	       (cp >= 0xE0000 && cp <= 0xE0FFF);
}

/*
 * The ASCII that @cp folds to: its bytes in *@out, first byte lowest, and their count (0 for
 * an ignorable code point); -1 when @cp folds to no ASCII spelling.
 */
CORDON_CASEFOLD_FN int cordon_casefold_ascii(__u32 cp, __u32 *out)
{
	switch (cp) {
	case 0x00DF: /* LATIN SMALL LETTER SHARP S */
	case 0x1E9E: /* LATIN CAPITAL LETTER SHARP S */
		*out = 's' | 's' << 8;
		return 2;
	case 0x017F: /* LATIN SMALL LETTER LONG S */
		*out = 's';
		return 1;
	case 0x037E: /* GREEK QUESTION MARK: decomposes to ';' */
		*out = ';';
		return 1;
	case 0x1FEF: /* GREEK VARIA: decomposes to '`' */
		*out = '`';
		return 1;
	case 0x212A: /* KELVIN SIGN: decomposes to 'K' */
		*out = 'k';
		return 1;
	case 0xFB00: /* LATIN SMALL LIGATURE FF */
		*out = 'f' | 'f' << 8;
		return 2;
	case 0xFB01: /* FI */
		*out = 'f' | 'i' << 8;
		return 2;
	case 0xFB02: /* FL */
		*out = 'f' | 'l' << 8;
		return 2;
	case 0xFB03: /* FFI */
		*out = 'f' | 'f' << 8 | 'i' << 16;
		return 3;
	case 0xFB04: /* FFL */
		*out = 'f' | 'f' << 8 | 'l' << 16;
		return 3;
	case 0xFB05: /* LONG S T */
	case 0xFB06: /* ST */
		*out = 's' | 't' << 8;
		return 2;
	}
	*out = 0;
	return cordon_casefold_ignorable(cp) ? 0 : -1;
}

/* Byte @i of the name buffer (CORDON_DIRENT_NAME bytes, NUL-padded). */
#define CORDON_CF_AT(name, i) ((name)[(i) & (CORDON_DIRENT_NAME - 1)])

/*
 * One step of the rewrite of @name (CORDON_DIRENT_NAME bytes, NUL-terminated, NUL-padded) in
 * place: one code point read at p->in, its folded form written at p->out; once the end is
 * reached, one byte of what the rewrite freed cleared. 1 when all is done (so the name stays
 * NUL-padded, as a dirent_rules key must be), else 0. At most 2 * CORDON_DIRENT_NAME steps.
 */
CORDON_CASEFOLD_FN int cordon_casefold_step(__u8 *name, struct cordon_casefold_pos *p)
{
	__u32 cp, n, ascii = 0;
	__u8 b0, b1, b2, b3;
	int k;

	if (p->done) {
		if (p->out >= p->in || p->out >= CORDON_DIRENT_NAME)
			return 1;
		CORDON_CF_AT(name, p->out) = 0;
		p->out++;
		return 0;
	}
	if (p->in >= CORDON_DIRENT_NAME - 1 || !CORDON_CF_AT(name, p->in)) {
		p->done = 1;
		p->len = p->out;
		return 0;
	}
	b0 = CORDON_CF_AT(name, p->in);
	if (b0 < 0x80) {
		CORDON_CF_AT(name, p->out) = b0 >= 'A' && b0 <= 'Z' ? b0 + ('a' - 'A') : b0;
		p->in++;
		p->out++;
		return 0;
	}
	/* A NUL ends a continuation too: the reads stay within the name. */
	b1 = CORDON_CF_AT(name, p->in + 1);
	b2 = (b1 & 0xC0) == 0x80 ? CORDON_CF_AT(name, p->in + 2) : 0;
	b3 = (b2 & 0xC0) == 0x80 ? CORDON_CF_AT(name, p->in + 3) : 0;
	n = 1;
	cp = 0;
	if (b0 >= 0xC2 && b0 <= 0xDF && (b1 & 0xC0) == 0x80) {
		n = 2;
		cp = (__u32)(b0 & 0x1F) << 6 | (b1 & 0x3F);
	} else if (b0 >= 0xE0 && b0 <= 0xEF && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80) {
		n = 3;
		cp = (__u32)(b0 & 0x0F) << 12 | (__u32)(b1 & 0x3F) << 6 | (b2 & 0x3F);
		if (cp < 0x800)
			n = 1; /* overlong */
	} else if (b0 >= 0xF0 && b0 <= 0xF4 && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 &&
		   (b3 & 0xC0) == 0x80) {
		n = 4;
		cp = (__u32)(b0 & 0x07) << 18 | (__u32)(b1 & 0x3F) << 12 | (__u32)(b2 & 0x3F) << 6 |
		     (b3 & 0x3F);
		if (cp < 0x10000 || cp > 0x10FFFF)
			n = 1; /* overlong or beyond Unicode */
	}
	k = n > 1 ? cordon_casefold_ascii(cp, &ascii) : -1;
	if (k < 0) {
		/* Kept as it is: the lead byte now, the rest as the next steps' own bytes. */
		CORDON_CF_AT(name, p->out) = b0;
		p->in++;
		p->out++;
		return 0;
	}
	for (int j = 0; j < 3; j++)
		if (j < k)
			CORDON_CF_AT(name, p->out + j) = (__u8)(ascii >> (8 * j));
	p->in += n;
	p->out += k;
	return 0;
}

#ifndef __bpf__
/* Userspace: @name (CORDON_DIRENT_NAME bytes, NUL-padded) rewritten as the BPF hooks do. */
static inline void cordon_casefold_name(__u8 *name)
{
	struct cordon_casefold_pos p = { 0 };

	for (int i = 0; i < 2 * CORDON_DIRENT_NAME; i++)
		if (cordon_casefold_step(name, &p))
			break;
}
#endif

#endif /* CORDON_CASEFOLD_H */
