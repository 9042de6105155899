// SPDX-License-Identifier: GPL-2.0-only
/* libldns loaded at the first resolver rather than at every start (dns_ldns.h says why). */
#define CORDON_LDNS_NO_REDIRECT
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
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

static int state; /* 0: not tried; 1: loaded; < 0: failed, and stays so */

/* A load started ahead (cordon_ldns_preload) and not joined yet. */
static pthread_t preloader;
static bool preloading;

static int load(void)
{
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

static void *preload_thread(void *arg)
{
	(void)arg;
	load();
	return NULL;
}

int cordon_ldns_preload(void)
{
	sigset_t all, old;
	int e;

	if (state || preloading)
		return 0;
	if (&cordon_ldns_linked)
		return load(); /* linked in (a static program): a copy, nothing to load */
	/* Every signal blocked in the thread: the process's signals stay the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&preloader, NULL, preload_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	preloading = e == 0;
	return -e;
}

void cordon_ldns_preload_wait(void)
{
	if (!preloading)
		return;
	pthread_join(preloader, NULL);
	preloading = false;
}

int cordon_ldns_load(void)
{
	/* A load under way ahead is waited for: one load, its result (and its message) kept. */
	cordon_ldns_preload_wait();
	return load();
}
