// SPDX-License-Identifier: GPL-2.0-only
/*
 * Auto-confinement on a kernel whose BPF LSM is refused (the build host): nothing could tag a
 * process at exec, so registering must fail with -EOPNOTSUPP rather than look like protection,
 * and nothing may be left in the map. The real enforcement is tests/vm/test_auto_confine.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loader/loader.h"
#include "enforce/enforce.h"
#include "tap.h"
#include "testutil.h"

int main(void)
{
	struct cordon_bpf_opts o = { .lsm = false };
	struct cordon_session s = { .id = 1, .flags = CORDON_SESSION_FILE };
	struct cordon_auto_key key = { 0 };
	struct cordon_bpf *b = NULL;
	char root[4200], sess[4300];
	uint64_t cgid = 0;
	int r;

	if (geteuid() != 0) {
		tap_skip("needs root", "auto_confine");
		return 0;
	}
	if (test_cgroup_root(root, sizeof(root), "auto") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	o.cgroup_root = root;
	/* What cordon does on a kernel that refuses BPF LSM: the cgroup programs only. */
	r = cordon_bpf_start(&o, &b);
	if (!tap_check(r == 0, "bpf_load_without_lsm")) {
		tap_diag("cordon_bpf_start: %s", strerror(-r));
		return 1;
	}
	snprintf(sess, sizeof(sess), "%s/session", root);
	tap_check(cordon_cgroup_create(sess) == 0 && cordon_cgroup_id(sess, &cgid) == 0 &&
			  cordon_bpf_session_add(b, cgid, &s) == 0,
		  "session_registered");
	tap_check(!cordon_bpf_auto_ready(b), "auto_confinement_not_ready_without_lsm");
	r = cordon_auto_register(b, "/proc/self/exe", cgid, &key);
	if (!tap_check(r == -EOPNOTSUPP, "register_without_lsm_is_EOPNOTSUPP"))
		tap_diag("cordon_auto_register: %d (%s)", r, strerror(-r));
	/* Refused before looking at the file: a directory gets the same answer. */
	tap_check(cordon_auto_register(b, "/", cgid, &key) == -EOPNOTSUPP,
		  "register_checks_lsm_first");
	tap_check(cordon_auto_unregister(b, &key) == -ENOENT, "nothing_left_in_auto_exec");

	cordon_bpf_session_del(b, cgid);
	cordon_bpf_stop(b);
	cordon_cgroup_remove(sess);
	cordon_cgroup_remove(root);
	return tap_status();
}
