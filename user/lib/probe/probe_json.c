// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe results as JSON. The keys kernel, lsms, bpf_lsm, cgroup_bpf, landlock_abi, seccomp,
 * cgroup2, cgroup_unix and layers are a stable interface (documented in docs/doctor.md); add, never rename.
 */
#include <string.h>

#include "probe/probe.h"

static json_t *errno_or_null(int err)
{
	return err < 0 ? json_string(strerror(-err)) : json_null();
}

static json_t *int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *split(const char *s, const char *sep)
{
	json_t *a = json_array();
	char *copy = strdup(s), *save = NULL;

	if (!a || !copy) {
		json_decref(a);
		free(copy);
		return NULL;
	}
	for (char *t = strtok_r(copy, sep, &save); t; t = strtok_r(NULL, sep, &save))
		json_array_append_new(a, json_string(t));
	free(copy);
	return a;
}

json_t *cordon_features_json(const struct cordon_features *f,
			     const struct cordon_layer layers[CORDON_LAYER_ID_COUNT])
{
	json_t *o, *lay, *detail;

	lay = json_object();
	detail = json_object();
	for (int i = 0; lay && detail && i < CORDON_LAYER_ID_COUNT; i++) {
		json_object_set_new(lay, layers[i].name, json_boolean(layers[i].active));
		json_object_set_new(detail, layers[i].name,
				    json_pack("{s:b,s:s,s:s?}", "active", layers[i].active,
					      "detail", layers[i].detail, "hint",
					      layers[i].hint[0] ? layers[i].hint : NULL));
	}
	o = json_pack("{s:s,s:o*,s:b,s:b,s:i,s:b,s:s?,s:o*,s:s?,s:b,s:b,s:b,s:b,s:o,s:o,s:b,s:o*,"
		      "s:{s:o,s:o,s:o,s:o,s:o,s:o,s:o},s:o*,s:o*,s:b}",
		      "kernel", f->kernel, "lsms", split(f->lsms, ",\n"), "bpf_lsm",
		      layers[CORDON_LAYER_ID_BPF_LSM].active, "cgroup_bpf",
		      layers[CORDON_LAYER_ID_CGROUP_BPF].active, "landlock_abi",
		      f->landlock_abi > 0 ? f->landlock_abi : 0, "seccomp", f->seccomp == 0,
		      "cgroup2", f->cgroup2[0] ? f->cgroup2 : NULL, "cgroup2_controllers",
		      split(f->cgroup2_controllers, " "), "bpffs", f->bpffs[0] ? f->bpffs : NULL,
		      "btf", f->btf, "ringbuf", f->ringbuf, "task_storage", f->task_storage,
		      "userns", f->userns == 0, "legacy_tiocsti", int_or_null(f->legacy_tiocsti),
		      "io_uring_disabled", int_or_null(f->io_uring_disabled), "root", f->root,
		      "securityfs_mounted", f->securityfs_mounted ? json_true() : json_false(),
		      "errors", "lsms", errno_or_null(f->lsms_err), "bpf_lsm",
		      errno_or_null(f->bpf_lsm_load), "cgroup_bpf", errno_or_null(f->cgroup_bpf),
		      "cgroup_unix", errno_or_null(f->cgroup_unix), "landlock",
		      errno_or_null(f->landlock_abi), "seccomp", errno_or_null(f->seccomp),
		      "userns", errno_or_null(f->userns), "layers", lay, "layer_details", detail,
		      "cgroup_unix", f->cgroup_unix == 0);
	return o;
}
