// SPDX-License-Identifier: GPL-2.0-only
/*
 * no_userns CMD [ARGS...]: run CMD where user namespaces are refused, as on Ubuntu (AppArmor's
 * restriction), in many containers and with user.max_user_namespaces=0, none of which a test
 * can set here: unshare() and clone() with CLONE_NEWUSER fail with EPERM, clone3() (flags
 * seccomp cannot read) with ENOSYS so that libc falls back to clone().
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <seccomp.h>

static int refuse_userns(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct scmp_arg_cmp newuser = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
	int r;

	if (!ctx)
		return -ENOMEM;
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1, newuser);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, newuser);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

int main(int argc, char **argv)
{
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: no_userns CMD [ARGS...]\n");
		return 2;
	}
	r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : refuse_userns();
	if (r < 0) {
		fprintf(stderr, "no_userns: seccomp: %s\n", strerror(-r));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no_userns: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
