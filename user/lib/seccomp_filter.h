/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turning the policy's seccomp rule set into a BPF filter before fork, so the launched child
 * only has to install it (one prctl, nothing to allocate or resolve after fork).
 */
#ifndef CORDON_SECCOMP_FILTER_H
#define CORDON_SECCOMP_FILTER_H

#include <linux/filter.h>

struct pol_seccomp;

/*
 * Build the filter for the native architecture; other architectures (i386 through int 0x80,
 * x32) are killed by libseccomp's bad-arch action, so they cannot bypass it. Syscalls this
 * architecture does not have are skipped. Returns 0 and fills @prog (free with
 * cordon_seccomp_free), or -errno.
 */
int cordon_seccomp_build(const struct pol_seccomp *rules, struct sock_fprog *prog);
void cordon_seccomp_free(struct sock_fprog *prog);

/* Install @prog on the calling thread (no_new_privs must be set). */
int cordon_seccomp_install(const struct sock_fprog *prog);

#endif /* CORDON_SECCOMP_FILTER_H */
