// SPDX-License-Identifier: GPL-2.0-only
/* libldns loaded at the first resolver rather than at every start (dns_ldns.h says why). */
#define CORDON_LDNS_NO_REDIRECT
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "dns/dns_ldns.h"

/* The Makefile names the library the build compiled against (its SONAME); this default only
 * lets analysers read the file. */
#ifndef CORDON_LDNS_SONAME
#define CORDON_LDNS_SONAME "libldns.so.3"
#endif

struct cordon_ldns_funcs cordon_ldns;

/* Defined by dns/static/dns_ldns_linked.c, which only static programs (the VM's) link: they
 * cannot dlopen, and have the symbols linked in. */
extern const struct cordon_ldns_funcs cordon_ldns_linked __attribute__((weak));

int cordon_ldns_load(void)
{
	static int state; /* 0: not tried; 1: loaded; < 0: failed, and stays so */
	void *h;

	if (state)
		return state > 0 ? 0 : state;
	if (&cordon_ldns_linked) {
		cordon_ldns = cordon_ldns_linked;
		state = 1;
		return 0;
	}
	/* Found as the dynamic loader finds a needed library; RTLD_NOW: every symbol bound here,
	 * never later in the middle of an answer. Never unloaded. */
	h = dlopen(CORDON_LDNS_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		fprintf(stderr, "cordon: the DNS library: %s\n", dlerror());
		return state = -ELIBACC;
	}
#define CORDON_LDNS_BIND(f)                                                                        \
	cordon_ldns.f = (__typeof__(cordon_ldns.f))dlsym(h, #f);                                   \
	if (!cordon_ldns.f) {                                                                      \
		fprintf(stderr, "cordon: the DNS library %s has no %s\n", CORDON_LDNS_SONAME, #f); \
		return state = -ELIBACC;                                                           \
	}
	CORDON_LDNS_FUNCS(CORDON_LDNS_BIND)
#undef CORDON_LDNS_BIND
	state = 1;
	return 0;
}
