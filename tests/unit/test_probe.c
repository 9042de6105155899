// SPDX-License-Identifier: GPL-2.0-only
/* Layer decisions from probe results, and their JSON form, without touching the kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "probe/probe.h"

/* What the build host reports: bpf listed, LSM load refused, hybrid cgroups. */
static struct cordon_features host(void)
{
	struct cordon_features f;

	memset(&f, 0, sizeof(f));
	strcpy(f.kernel, "6.18.0");
	strcpy(f.lsms, "lockdown,capability,landlock,bpf");
	strcpy(f.cgroup2, "/sys/fs/cgroup/unified");
	f.bpf_lsm_load = -EPERM;
	f.landlock_abi = 7;
	f.legacy_tiocsti = 1;
	f.io_uring_disabled = -1;
	f.root = true;
	return f;
}

static void test_lsm_listed__matches_whole_names_only(void **state)
{
	(void)state;
	assert_true(cordon_lsm_listed("lockdown,capability,bpf", "bpf"));
	assert_true(cordon_lsm_listed("bpf,landlock", "bpf"));
	assert_true(cordon_lsm_listed("landlock,bpf\n", "bpf"));
	assert_false(cordon_lsm_listed("lockdown,bpfx,xbpf", "bpf"));
	assert_false(cordon_lsm_listed("", "bpf"));
}

static void test_layers__bpf_listed_but_load_refused_is_inactive_with_hint(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];

	(void)state;
	cordon_layers(&f, l);
	assert_false(l[CORDON_LAYER_ID_BPF_LSM].active);
	assert_non_null(strstr(l[CORDON_LAYER_ID_BPF_LSM].detail, "refuses"));
	assert_true(l[CORDON_LAYER_ID_BPF_LSM].hint[0] != '\0');
	assert_true(l[CORDON_LAYER_ID_LANDLOCK].active);
	assert_true(l[CORDON_LAYER_ID_CGROUP_BPF].active);
}

static void test_layers__bpf_not_listed_hints_at_lsm_parameter(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];

	(void)state;
	strcpy(f.lsms, "lockdown,capability,landlock");
	f.bpf_lsm_load = 0;
	cordon_layers(&f, l);
	assert_false(l[CORDON_LAYER_ID_BPF_LSM].active);
	assert_non_null(strstr(l[CORDON_LAYER_ID_BPF_LSM].hint, "lsm="));
}

static void test_layers__bpf_listed_and_loadable_is_active(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];

	(void)state;
	f.bpf_lsm_load = 0;
	cordon_layers(&f, l);
	assert_true(l[CORDON_LAYER_ID_BPF_LSM].active);
	assert_string_equal(l[CORDON_LAYER_ID_BPF_LSM].hint, "");
}

static void test_layers__no_cgroup2_disables_cgroup_bpf(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];

	(void)state;
	f.cgroup2[0] = '\0';
	f.cgroup_bpf = -ENOENT;
	cordon_layers(&f, l);
	assert_false(l[CORDON_LAYER_ID_CGROUP_BPF].active);
	assert_true(l[CORDON_LAYER_ID_CGROUP_BPF].hint[0] != '\0');
}

static void test_layers__landlock_disabled_at_boot_hints_at_lsm_parameter(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];

	(void)state;
	f.landlock_abi = -EOPNOTSUPP;
	cordon_layers(&f, l);
	assert_false(l[CORDON_LAYER_ID_LANDLOCK].active);
	assert_non_null(strstr(l[CORDON_LAYER_ID_LANDLOCK].hint, "lsm="));
}

static void test_layers__limits_fall_back_to_rlimits(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];

	(void)state;
	cordon_layers(&f, l);
	assert_true(l[CORDON_LAYER_ID_LIMITS].active);
	assert_non_null(strstr(l[CORDON_LAYER_ID_LIMITS].detail, "rlimits"));
	strcpy(f.cgroup2_controllers, "cpu memory pids");
	cordon_layers(&f, l);
	assert_non_null(strstr(l[CORDON_LAYER_ID_LIMITS].detail, "cgroup"));
}

static void test_probe_json__documented_keys_and_types(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];
	json_t *o, *layers;

	(void)state;
	cordon_layers(&f, l);
	o = cordon_features_json(&f, l);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "kernel")), "6.18.0");
	assert_int_equal(json_array_size(json_object_get(o, "lsms")), 4);
	assert_true(json_is_false(json_object_get(o, "bpf_lsm")));
	assert_true(json_is_true(json_object_get(o, "cgroup_bpf")));
	assert_int_equal(json_integer_value(json_object_get(o, "landlock_abi")), 7);
	assert_true(json_is_true(json_object_get(o, "seccomp")));
	assert_string_equal(json_string_value(json_object_get(o, "cgroup2")),
			    "/sys/fs/cgroup/unified");
	assert_true(json_is_null(json_object_get(o, "io_uring_disabled")));
	assert_int_equal(json_integer_value(json_object_get(o, "legacy_tiocsti")), 1);
	layers = json_object_get(o, "layers");
	assert_true(json_is_object(layers));
	assert_int_equal(json_object_size(layers), CORDON_LAYER_ID_COUNT);
	assert_true(json_is_false(json_object_get(layers, "bpf_lsm")));
	json_decref(o);
}

static void test_probe_json__missing_landlock_and_cgroup2(void **state)
{
	struct cordon_features f = host();
	struct cordon_layer l[CORDON_LAYER_ID_COUNT];
	json_t *o;

	(void)state;
	f.landlock_abi = -ENOSYS;
	f.cgroup2[0] = '\0';
	cordon_layers(&f, l);
	o = cordon_features_json(&f, l);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "landlock_abi")), 0);
	assert_true(json_is_null(json_object_get(o, "cgroup2")));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lsm_listed__matches_whole_names_only),
		cmocka_unit_test(test_layers__bpf_listed_but_load_refused_is_inactive_with_hint),
		cmocka_unit_test(test_layers__bpf_not_listed_hints_at_lsm_parameter),
		cmocka_unit_test(test_layers__bpf_listed_and_loadable_is_active),
		cmocka_unit_test(test_layers__no_cgroup2_disables_cgroup_bpf),
		cmocka_unit_test(test_layers__landlock_disabled_at_boot_hints_at_lsm_parameter),
		cmocka_unit_test(test_layers__limits_fall_back_to_rlimits),
		cmocka_unit_test(test_probe_json__documented_keys_and_types),
		cmocka_unit_test(test_probe_json__missing_landlock_and_cgroup2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
