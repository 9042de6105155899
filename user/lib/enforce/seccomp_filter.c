// SPDX-License-Identifier: GPL-2.0-only
/* The policy's seccomp rule set -> a classic BPF program, via libseccomp. */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "sys/sys.h"
#include "compile/compile.h"
#include "enforce/enforce.h"

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

int cordon_seccomp_build(const struct pol_seccomp *rules, struct sock_fprog *prog)
{
	__attribute__((cleanup(seccomp_releasep))) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	void *buf;
	int r;

	ctx = seccomp_init(rules->default_action);
	if (!ctx)
		return -ENOMEM;
	/* no_new_privs is set by the launcher itself, in its documented place in the order. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rules->n; i++) {
		const struct pol_seccomp_rule *rule = &rules->rules[i];
		int nr = seccomp_syscall_resolve_name(rule->syscall);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall of this architecture: nothing to refuse */
		r = seccomp_rule_add_array(ctx, rule->action, nr, rule->nargs, rule->args);
		if (r < 0)
			return r;
	}
	fd = memfd_create("cordon-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return -EIO;
	}
	prog->filter = buf;
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}

void cordon_seccomp_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}

int cordon_seccomp_install_listener(const struct sock_fprog *prog)
{
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  prog);

	return fd < 0 ? -errno : (int)fd;
}

int cordon_seccomp_install(const struct sock_fprog *prog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return -errno;
	return 0;
}
