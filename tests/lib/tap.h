/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal TAP output for the host and VM test programs: one "ok - NAME" / "not ok - NAME" /
 * "ok - NAME # SKIP reason" line per check, diagnostics prefixed with "# ".
 */
#ifndef CORDON_TAP_H
#define CORDON_TAP_H

#include <stdbool.h>

/* Report one check; returns @ok so callers can chain. */
bool tap_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run @body in a forked child, as Landlock's selftests do with TEST_F_FORK: the body may restrict
 * itself for good (Landlock, seccomp, a cgroup) and its checks print as usual; a failed check in
 * it, or its death, fails this process too. 0 when the child passed, -1 otherwise.
 */
int tap_fork(const char *name, void (*body)(void *arg), void *arg);

/* Exit status for main(): 1 if any check failed. */
int tap_status(void);

#endif /* CORDON_TAP_H */
