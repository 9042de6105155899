#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-only
#
# The code points a casefold directory's name comparison makes equal to ASCII, derived the way
# the kernel's fs/unicode/mkutf8data.c builds its "nfdicf" table: canonical decomposition, then
# full case folding (CaseFolding.txt statuses C and F), repeated until nothing changes; and
# Default_Ignorable_Code_Point characters decompose to nothing. One line per code point, hex:
# "CP ASCII" when it folds to that ASCII text, "CP" alone when it is ignorable. Read by
# tests/unit/test_casefold.c, which checks bpf/lib/casefold.h against every line and every other
# code point. Perl's Unicode tables are newer than the kernel's 12.1: the unit test's comment
# says what that changes (nothing for the ASCII folds; U+180F among the ignorables).
use strict;
use warnings;
use feature 'fc';
use Unicode::Normalize qw(NFD);

for my $cp (0x80 .. 0x10FFFF) {
	next if $cp >= 0xD800 && $cp <= 0xDFFF;
	my $c = chr($cp);
	if ($c =~ /\p{Default_Ignorable_Code_Point}/) {
		printf "%X\n", $cp;
		next;
	}
	next if $c =~ /\p{Unassigned}/;
	my $s = NFD($c);
	for (;;) {
		my $t = NFD(fc($s));
		last if $t eq $s;
		$s = $t;
	}
	printf "%X %s\n", $cp, $s if $s =~ /^[\x00-\x7f]+$/;
}
