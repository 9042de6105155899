// SPDX-License-Identifier: GPL-2.0-only
/*
 * The enforcement plan: every layer/gap combination of a strict and a best-effort policy on a
 * kernel with and without BPF LSM, Landlock ABI 1 to 7, as root, an ordinary user (with and
 * without user namespaces) and through the daemon. No kernel involved.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "compile/compile.h"
#include "enforce/enforce.h"
#include "policy/policy.h"
#include "unit_fixture.h"

static const struct policy_search no_dirs = { .system_dir = "/nonexistent/cordon-test",
					      .user_dir = "/nonexistent/cordon-test" };

/* Rules each needing a different layer beyond Landlock, and limits for every controller. */
#define POLICY_BODY                                      \
	"filesystem:\n"                                  \
	"  read: [/usr, /home/user/project]\n"           \
	"  write: [/home/user/project]\n"                \
	"  exec: [/usr]\n"                               \
	"secrets:\n"                                     \
	"  patterns: [.env]\n"                           \
	"network:\n"                                     \
	"  connect: [\"*:443\", \"192.0.2.1:53/udp\"]\n" \
	"process:\n"                                     \
	"  exec_deny: [/usr/bin/sudo]\n"                 \
	"  signal: session\n"                            \
	"limits:\n"                                      \
	"  pids: 512\n"                                  \
	"  memory: 4G\n"                                 \
	"  cpu: 200%\n"                                  \
	"  nofile: 2048\n"

static const char strict_policy[] = "name: s\nmode: strict\n" POLICY_BODY;
static const char best_effort_policy[] = "name: b\nmode: best_effort\n" POLICY_BODY;

enum privilege {
	PRIV_ROOT,	  /* euid 0: our own BPF programs and a mount namespace */
	PRIV_USER_USERNS, /* ordinary user, unprivileged user namespaces allowed */
	PRIV_USER,	  /* ordinary user, no user namespace */
	PRIV_DAEMON,	  /* ordinary user through the daemon (cgroup BPF, its BPF LSM) */
	PRIV_COUNT,
};

static struct cordon_plan_kernel kernel(int abi, bool bpf_lsm, enum privilege priv)
{
	return (struct cordon_plan_kernel){
		.landlock_abi = abi,
		.seccomp = true,
		.cgroup_bpf = true,
		.cgroup_unix = true,
		.bpf_lsm = bpf_lsm,
		.mount_ns = priv == PRIV_ROOT || priv == PRIV_USER_USERNS || priv == PRIV_DAEMON,
		.cpu_controller = true,
		.root = priv == PRIV_ROOT,
		.daemon = priv == PRIV_DAEMON,
		.daemon_bpf_lsm = priv == PRIV_DAEMON && bpf_lsm,
		/* This machine's kernel has the knob: root sets it in the session's pid namespace. */
		.memfd_noexec = priv == PRIV_ROOT,
		.overlayfs = priv == PRIV_ROOT || priv == PRIV_USER_USERNS || priv == PRIV_DAEMON,
		.cgroup_bpf_detail = "cgroup BPF detail",
	};
}

/* Plan @text on @k; the Landlock compilation is kept in @ll for the plan's borrowed strings. */
static struct cordon_plan plan_of(const char *text, const struct cordon_plan_kernel *k,
				  bool allow_degraded, struct pol_landlock *ll, struct policy **pol)
{
	struct cordon_plan plan;

	*pol = unit_resolved(&no_dirs, text);
	assert_int_equal(policy_compile_landlock(*pol, k->landlock_abi, ll), 0);
	assert_int_equal(cordon_plan(*pol, ll, k, allow_degraded, &plan), 0);
	return plan;
}

static void done(struct cordon_plan *plan, struct pol_landlock *ll, struct policy *pol)
{
	cordon_plan_free(plan);
	pol_landlock_free(ll);
	policy_free(pol);
}

static const struct cordon_plan_gap *gap_of(const struct cordon_plan *plan, const char *prefix)
{
	for (size_t i = 0; i < plan->ngaps; i++)
		if (!strncmp(plan->gaps[i].rule, prefix, strlen(prefix)))
			return &plan->gaps[i];
	return NULL;
}

static bool has(uint32_t layers, enum cordon_layer_id id)
{
	return layers & CORDON_LAYER_BIT(id);
}

static void test_plan__strict_without_bpf_lsm_refuses_exec_deny(void **state)
{
	struct cordon_plan_kernel k = kernel(7, false, PRIV_USER);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(strict_policy, &k, false, &ll, &pol);
	const struct cordon_plan_gap *g = gap_of(&plan, "process.exec_deny: /usr/bin/sudo");

	(void)state;
	assert_non_null(g);
	assert_int_equal(g->kind, CORDON_GAP_LANDLOCK);
	assert_string_equal(g->needs, "bpf-lsm or mount-namespace");
	assert_true(plan.strict);
	assert_true(plan.refuse);
	done(&plan, &ll, pol);
}

static void test_plan__strict_with_mount_ns_enforces_exec_deny_by_masks(void **state)
{
	struct cordon_plan_kernel k = kernel(7, false, PRIV_USER_USERNS);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(strict_policy, &k, false, &ll, &pol);

	(void)state;
	assert_null(gap_of(&plan, "process.exec_deny"));
	assert_true(plan.masks);
	assert_true(plan.userns);
	/* Name patterns are BPF LSM's alone: still a gap, so strict still refuses. */
	assert_non_null(gap_of(&plan, "secrets.patterns: .env"));
	assert_true(plan.refuse);
	done(&plan, &ll, pol);
}

/* Exec from a memfd escapes Landlock's exec rules: BPF LSM, or vm.memfd_noexec (root). */
static void test_plan__memfd_exec_needs_bpf_lsm_or_memfd_noexec(void **state)
{
	struct cordon_plan_kernel k = kernel(7, false, PRIV_USER_USERNS);
	const char *rule = "process: exec of a memory file";
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(strict_policy, &k, false, &ll, &pol);
	const struct cordon_plan_gap *g = gap_of(&plan, rule);

	(void)state;
	assert_non_null(g);
	assert_string_equal(g->needs, "bpf-lsm or vm.memfd_noexec (root)");
	assert_true(plan.refuse);
	done(&plan, &ll, pol);
	k = kernel(7, false, PRIV_ROOT);
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	assert_null(gap_of(&plan, rule));
	done(&plan, &ll, pol);
	k.memfd_noexec = false;
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	assert_non_null(gap_of(&plan, rule));
	done(&plan, &ll, pol);
	k = kernel(7, true, PRIV_ROOT);
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	assert_null(gap_of(&plan, rule));
	done(&plan, &ll, pol);
}

/* filesystem.cache's layers are overlays in the session's mount namespace: both are needed. */
static void test_plan__cache_needs_a_mount_namespace_and_overlayfs(void **state)
{
	static const char cache_policy[] = "name: c\nmode: strict\n"
					   "filesystem:\n  read: [/usr]\n  exec: [/usr]\n"
					   "  write: [/tmp/c]\n  cache: [/tmp/c]\n";
	const char *rule = "filesystem.cache";
	struct cordon_plan_kernel k = kernel(7, true, PRIV_ROOT);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(cache_policy, &k, false, &ll, &pol);
	const struct cordon_plan_gap *g;

	(void)state;
	assert_null(gap_of(&plan, rule));
	done(&plan, &ll, pol);
	k.overlayfs = false;
	plan = plan_of(cache_policy, &k, false, &ll, &pol);
	g = gap_of(&plan, rule);
	assert_non_null(g);
	assert_string_equal(g->needs, "overlayfs");
	assert_true(plan.refuse);
	done(&plan, &ll, pol);
	k = kernel(7, false, PRIV_USER);
	plan = plan_of(cache_policy, &k, false, &ll, &pol);
	g = gap_of(&plan, rule);
	assert_non_null(g);
	assert_string_equal(g->needs, "mount-ns");
	done(&plan, &ll, pol);
}

static void test_plan__root_with_bpf_lsm_enforces_everything_at_every_abi(void **state)
{
	(void)state;
	for (int abi = 1; abi <= CORDON_LANDLOCK_ABI_MAX; abi++) {
		struct cordon_plan_kernel k = kernel(abi, true, PRIV_ROOT);
		struct pol_landlock ll;
		struct policy *pol;
		struct cordon_plan plan;

		k.fanotify = true; /* root's listener and its git watch */
		plan = plan_of(strict_policy, &k, false, &ll, &pol);
		assert_int_equal(plan.ngaps, 0);
		assert_false(plan.refuse);
		assert_false(plan.masks); /* BPF LSM denies secrets: no view needed */
		assert_int_equal(plan.missing, 0);
		for (int id = 0; id < CORDON_LAYER_ID_COUNT; id++)
			assert_true(has(plan.layers, id));
		done(&plan, &ll, pol);
	}
}

/* The model each combination is checked against: which rule needs which layer. */
static void check_combination(const char *text, bool strict, int abi, bool bpf_lsm,
			      enum privilege priv)
{
	struct cordon_plan_kernel k = kernel(abi, bpf_lsm, priv);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(text, &k, false, &ll, &pol);
	bool cg = priv == PRIV_ROOT || priv == PRIV_DAEMON;
	bool lsm = bpf_lsm && cg;
	bool mnt = priv != PRIV_USER;
	size_t expect = 0;

	assert_int_equal(has(plan.layers, CORDON_LAYER_ID_CGROUP_BPF), cg);
	assert_int_equal(has(plan.layers, CORDON_LAYER_ID_BPF_LSM), lsm);
	assert_int_equal(has(plan.layers, CORDON_LAYER_ID_MOUNT_NS), mnt);
	assert_true(has(plan.layers, CORDON_LAYER_ID_LANDLOCK));
	assert_true(has(plan.layers, CORDON_LAYER_ID_SECCOMP));
	assert_int_equal(plan.landlock_abi, abi);
	assert_int_equal(plan.masks, mnt && !lsm);
	assert_int_equal(plan.userns, mnt && !lsm && priv != PRIV_ROOT);

	expect += !(lsm || mnt);
	assert_int_equal(gap_of(&plan, "process.exec_deny") != NULL, !(lsm || mnt));
	expect += !lsm;
	assert_int_equal(gap_of(&plan, "secrets.patterns") != NULL, !lsm);
	/* UDP default deny, the UDP rule (Landlock ABI < 4 compiles no network rule at all), and
	 * the per-address rule summary: cgroup BPF's. */
	expect += cg ? 0 : 2 + (abi >= 4);
	assert_int_equal(gap_of(&plan, "network: default deny for UDP") != NULL, !cg);
	assert_int_equal(gap_of(&plan, "network.connect: 192.0.2.1:53/udp") != NULL,
			 !cg && abi >= 4);
	assert_int_equal(gap_of(&plan, "network: UDP and per-address rules") != NULL, !cg);
	expect += abi < 4 && !cg;
	assert_int_equal(gap_of(&plan, "network: default deny for TCP") != NULL, abi < 4 && !cg);
	expect += abi < 6 && !lsm ? 2 : 0;
	assert_int_equal(gap_of(&plan, "process.signal: session") != NULL, abi < 6 && !lsm);
	assert_int_equal(gap_of(&plan, "network: abstract unix") != NULL, abi < 6 && !lsm);
	expect += !cg;
	assert_int_equal(gap_of(&plan, "limits.cpu") != NULL, !cg);
	/* Memory is counted in the session cgroup (controller or the supervisor's watch). */
	expect += !cg;
	assert_int_equal(gap_of(&plan, "limits.memory") != NULL, !cg);
	/* Listeners without bind(), source routes as cmsg, exact socket kinds. */
	expect += !cg && !lsm;
	assert_int_equal(gap_of(&plan, "network: listeners on every interface") != NULL,
			 !cg && !lsm);
	expect += !mnt;
	assert_int_equal(gap_of(&plan, "session: its own /tmp") != NULL, !mnt);
	expect += !mnt;
	assert_int_equal(gap_of(&plan, "filesystem: permission changes") != NULL, !mnt);
	/* Pathname unix sockets: the cgroup unix programs (this model's kernel has them), or the
	 * BPF LSM socket hooks. */
	expect += !cg && !lsm;
	assert_int_equal(gap_of(&plan, "network.unix") != NULL, !cg && !lsm);
	expect += !lsm && priv != PRIV_ROOT;
	assert_int_equal(gap_of(&plan, "process: exec of a memory file") != NULL,
			 !lsm && priv != PRIV_ROOT);
	/* This model's kernel has no fanotify listener: nothing watches the write trees'
	 * repositories while the session runs (BPF LSM does not refuse a hook renamed in). */
	expect += 1;
	assert_non_null(gap_of(&plan, "git: hooks and config placed in a repository"));

	assert_int_equal(plan.ngaps, expect);
	assert_int_equal(plan.strict, strict);
	assert_int_equal(plan.refuse, strict && expect > 0);
	done(&plan, &ll, pol);
}

static void test_plan__every_layer_and_gap_combination(void **state)
{
	(void)state;
	for (int strict = 0; strict < 2; strict++)
		for (int abi = 1; abi <= CORDON_LANDLOCK_ABI_MAX; abi++)
			for (int lsm = 0; lsm < 2; lsm++)
				for (int priv = 0; priv < PRIV_COUNT; priv++)
					check_combination(strict ? strict_policy
								 : best_effort_policy,
							  strict, abi, lsm, priv);
}

/* Root on a kernel before 6.7: without BPF LSM nothing makes pathname unix sockets default deny;
 * with it the LSM socket hooks do, as the cgroup unix programs do on 6.7+. */
static void test_plan__unix_without_cgroup_unix_or_lsm_is_a_gap(void **state)
{
	struct cordon_plan_kernel k = kernel(7, false, PRIV_ROOT);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan;

	(void)state;
	k.cgroup_unix = false;
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	assert_non_null(gap_of(&plan, "network.unix"));
	assert_true(plan.refuse);
	done(&plan, &ll, pol);
	k.bpf_lsm = true;
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	assert_null(gap_of(&plan, "network.unix"));
	done(&plan, &ll, pol);
	k.bpf_lsm = false;
	k.cgroup_unix = true;
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	assert_null(gap_of(&plan, "network.unix"));
	done(&plan, &ll, pol);
}

static void test_plan__best_effort_never_refuses(void **state)
{
	struct cordon_plan_kernel k = kernel(1, false, PRIV_USER);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(best_effort_policy, &k, false, &ll, &pol);

	(void)state;
	assert_true(plan.ngaps > 0);
	assert_false(plan.strict);
	assert_false(plan.refuse);
	done(&plan, &ll, pol);
}

static void test_plan__allow_degraded_keeps_gaps_but_does_not_refuse(void **state)
{
	struct cordon_plan_kernel k = kernel(7, false, PRIV_USER);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(strict_policy, &k, true, &ll, &pol);

	(void)state;
	assert_non_null(gap_of(&plan, "process.exec_deny"));
	assert_false(plan.strict);
	assert_false(plan.refuse);
	done(&plan, &ll, pol);
}

static void test_plan__masks_truncated_is_a_pattern_gap_that_refuses(void **state)
{
	struct cordon_plan_kernel k = kernel(7, false, PRIV_ROOT);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan;
	const struct cordon_plan_gap *g;

	(void)state;
	/* Root without BPF LSM and a policy without patterns: everything covered... */
	pol = unit_resolved(&no_dirs,
			    "name: s\nmode: strict\nfilesystem: {read: [/usr], exec: [/usr]}\n");
	assert_int_equal(policy_compile_landlock(pol, 7, &ll), 0);
	assert_int_equal(cordon_plan(pol, &ll, &k, false, &plan), 0);
	assert_int_equal(plan.ngaps, 0);
	assert_false(plan.refuse);
	assert_true(plan.masks);
	assert_false(plan.userns);
	/* ... until the mask search stops short. */
	assert_int_equal(cordon_plan_masks_truncated(&plan), 0);
	g = gap_of(&plan, "secrets.patterns in the project");
	assert_non_null(g);
	assert_int_equal(g->kind, CORDON_GAP_MASKS_TRUNCATED);
	assert_string_equal(g->needs, "bpf-lsm");
	assert_true(plan.refuse);
	done(&plan, &ll, pol);
}

static void test_plan__network_gap_says_why_cgroup_bpf_is_missing(void **state)
{
	struct cordon_plan_kernel k = kernel(7, true, PRIV_USER);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(strict_policy, &k, false, &ll, &pol);
	const struct cordon_plan_gap *g = gap_of(&plan, "network: UDP and per-address rules");

	(void)state;
	assert_non_null(g);
	assert_int_equal(g->kind, CORDON_GAP_NETWORK);
	assert_string_equal(g->reason, "cgroup programs need root or the daemon");
	done(&plan, &ll, pol);

	k = kernel(7, true, PRIV_ROOT);
	k.cgroup_bpf = false;
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	g = gap_of(&plan, "network: UDP and per-address rules");
	assert_non_null(g);
	assert_string_equal(g->reason, "cgroup BPF detail");
	/* Without cgroup BPF there is no session cgroup to run BPF LSM rules in either. */
	assert_true(has(plan.layers, CORDON_LAYER_ID_BPF_LSM));
	done(&plan, &ll, pol);
}

static void test_plan__cpu_needs_the_cpu_controller(void **state)
{
	struct cordon_plan_kernel k = kernel(7, true, PRIV_ROOT);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan;
	const struct cordon_plan_gap *g;

	(void)state;
	k.cpu_controller = false;
	k.fanotify = true;
	plan = plan_of(strict_policy, &k, false, &ll, &pol);
	g = gap_of(&plan, "limits.cpu");
	assert_non_null(g);
	assert_int_equal(g->kind, CORDON_GAP_CPU);
	assert_string_equal(g->needs, "cgroup-cpu");
	assert_int_equal(plan.ngaps, 1);
	done(&plan, &ll, pol);
}

static void test_plan__rlimits_where_no_controller_applies(void **state)
{
	struct cordon_plan_kernel k = kernel(7, true, PRIV_ROOT);
	struct pol_landlock ll;
	struct policy *pol;
	struct cordon_plan plan = plan_of(strict_policy, &k, false, &ll, &pol);

	(void)state;
	/*
	 * Before any controller: nofile and RLIMIT_NPROC; memory is watched by the supervisor,
	 * never an address-space rlimit (it would kill sanitizer builds).
	 */
	assert_int_equal(plan.nrlimits, 2);
	assert_int_equal(plan.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(plan.rlimits[0].value, 2048);
	assert_int_equal(plan.rlimits[1].resource, RLIMIT_NPROC);
	assert_int_equal(plan.rlimits[1].value, 512);
	assert_int_equal(plan.memory_watch, 4ull << 30);
	assert_string_equal(cordon_plan_limits_name(&plan), "rlimits+rss-watch");

	cordon_plan_limits(&plan, pol, CORDON_LIMIT_MEMORY | CORDON_LIMIT_PIDS);
	assert_int_equal(plan.nrlimits, 1);
	assert_int_equal(plan.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(plan.memory_watch, 0);
	assert_string_equal(cordon_plan_limits_name(&plan), "cgroup+rlimits");

	cordon_plan_limits(&plan, pol, CORDON_LIMIT_PIDS);
	assert_int_equal(plan.nrlimits, 1);
	assert_int_equal(plan.memory_watch, 4ull << 30);
	done(&plan, &ll, pol);
}

static void test_plan__landlock_and_seccomp_are_required(void **state)
{
	struct cordon_plan_kernel k = kernel(0, true, PRIV_ROOT);

	(void)state;
	assert_false(has(cordon_plan_layers(&k), CORDON_LAYER_ID_LANDLOCK));
	k = kernel(7, true, PRIV_ROOT);
	k.seccomp = false;
	assert_false(has(cordon_plan_layers(&k), CORDON_LAYER_ID_SECCOMP));
	assert_true(has(cordon_plan_layers(&k), CORDON_LAYER_ID_LANDLOCK));
}

static void test_plan__daemon_lends_cgroup_bpf_and_its_bpf_lsm(void **state)
{
	struct cordon_plan_kernel k = kernel(7, false, PRIV_DAEMON);

	(void)state;
	/* The daemon decides BPF LSM from its own probe, never from ours. */
	k.bpf_lsm = true;
	k.daemon_bpf_lsm = false;
	assert_true(has(cordon_plan_layers(&k), CORDON_LAYER_ID_CGROUP_BPF));
	assert_false(has(cordon_plan_layers(&k), CORDON_LAYER_ID_BPF_LSM));
	k.daemon_bpf_lsm = true;
	assert_true(has(cordon_plan_layers(&k), CORDON_LAYER_ID_BPF_LSM));
	/* Unprivileged without the daemon: the probe's BPF is root's, not ours. */
	k = kernel(7, true, PRIV_USER);
	assert_false(has(cordon_plan_layers(&k), CORDON_LAYER_ID_CGROUP_BPF));
	assert_false(has(cordon_plan_layers(&k), CORDON_LAYER_ID_BPF_LSM));
}

static void test_plan__gaps_are_typed_by_layer(void **state)
{
	(void)state;
	assert_string_equal(cordon_plan_needs_name(POL_NEEDS_BPF_LSM), "bpf-lsm");
	assert_string_equal(cordon_plan_needs_name(POL_NEEDS_BPF_LSM | POL_NEEDS_MOUNT_NS),
			    "bpf-lsm or mount-namespace");
	assert_string_equal(cordon_plan_needs_name(POL_NEEDS_CGROUP_BPF), "cgroup-bpf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan__strict_without_bpf_lsm_refuses_exec_deny),
		cmocka_unit_test(test_plan__strict_with_mount_ns_enforces_exec_deny_by_masks),
		cmocka_unit_test(test_plan__memfd_exec_needs_bpf_lsm_or_memfd_noexec),
		cmocka_unit_test(test_plan__cache_needs_a_mount_namespace_and_overlayfs),
		cmocka_unit_test(test_plan__root_with_bpf_lsm_enforces_everything_at_every_abi),
		cmocka_unit_test(test_plan__every_layer_and_gap_combination),
		cmocka_unit_test(test_plan__best_effort_never_refuses),
		cmocka_unit_test(test_plan__unix_without_cgroup_unix_or_lsm_is_a_gap),
		cmocka_unit_test(test_plan__allow_degraded_keeps_gaps_but_does_not_refuse),
		cmocka_unit_test(test_plan__masks_truncated_is_a_pattern_gap_that_refuses),
		cmocka_unit_test(test_plan__network_gap_says_why_cgroup_bpf_is_missing),
		cmocka_unit_test(test_plan__cpu_needs_the_cpu_controller),
		cmocka_unit_test(test_plan__rlimits_where_no_controller_applies),
		cmocka_unit_test(test_plan__landlock_and_seccomp_are_required),
		cmocka_unit_test(test_plan__daemon_lends_cgroup_bpf_and_its_bpf_lsm),
		cmocka_unit_test(test_plan__gaps_are_typed_by_layer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
