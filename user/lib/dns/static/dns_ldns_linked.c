// SPDX-License-Identifier: GPL-2.0-only
/*
 * For static programs only (the VM's stage; the Makefile puts this object on their link lines,
 * it is not part of libcordon.a): libldns linked in, its functions given to cordon_ldns_load()
 * instead of a dlopen a static program cannot do.
 */
#define CORDON_LDNS_NO_REDIRECT
#include "dns/dns_ldns.h"

const struct cordon_ldns_funcs cordon_ldns_linked = {
#define CORDON_LDNS_LINKED(f) .f = f,
	CORDON_LDNS_FUNCS(CORDON_LDNS_LINKED)
#undef CORDON_LDNS_LINKED
};
