// SPDX-License-Identifier: GPL-2.0-only
/* `cordon doctor [--json]`: every kernel feature cordon uses, probed, and the layers it allows. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "probe/probe.h"

static const char *yes_no_err(int err)
{
	return err == 0 ? "yes" : strerror(-err);
}

static void print_sysctl(const char *name, int v, const char *absent)
{
	if (v < 0)
		printf("  %-22s %s\n", name, absent);
	else
		printf("  %-22s %d\n", name, v);
}

static void print_text(const struct cordon_features *f, const struct cordon_layer *layers)
{
	bool color = isatty(STDOUT_FILENO);
	const char *on = color ? "\033[32m" : "", *off = color ? "\033[31m" : "",
		   *reset = color ? "\033[0m" : "";

	printf("Kernel features\n");
	printf("  %-22s %s\n", "kernel", f->kernel);
	printf("  %-22s %s%s\n", "active LSMs", f->lsms[0] ? f->lsms : strerror(-f->lsms_err),
	       f->securityfs_mounted ? " (securityfs mounted by cordon)" : "");
	printf("  %-22s %s\n", "BPF LSM program load", yes_no_err(f->bpf_lsm_load));
	printf("  %-22s %s\n", "cgroup BPF attach", yes_no_err(f->cgroup_bpf));
	if (f->landlock_abi > 0)
		printf("  %-22s ABI %d\n", "Landlock", f->landlock_abi);
	else
		printf("  %-22s %s\n", "Landlock", strerror(-f->landlock_abi));
	printf("  %-22s %s\n", "seccomp filters", yes_no_err(f->seccomp));
	printf("  %-22s %s\n", "cgroup v2", f->cgroup2[0] ? f->cgroup2 : "not mounted");
	printf("  %-22s %s\n", "cgroup v2 controllers",
	       f->cgroup2_controllers[0] ? f->cgroup2_controllers : "none");
	printf("  %-22s %s\n", "bpffs", f->bpffs[0] ? f->bpffs : "not mounted");
	printf("  %-22s %s\n", "BTF", f->btf ? "/sys/kernel/btf/vmlinux" : "missing");
	printf("  %-22s %s\n", "BPF ring buffer", f->ringbuf ? "yes" : "no");
	printf("  %-22s %s\n", "BPF task storage", f->task_storage ? "yes" : "no");
	printf("  %-22s %s\n", "user namespaces", yes_no_err(f->userns));
	print_sysctl("dev.tty.legacy_tiocsti", f->legacy_tiocsti, "absent (TIOCSTI allowed)");
	print_sysctl("kernel.io_uring_disabled", f->io_uring_disabled, "absent (io_uring allowed)");
	if (!f->root)
		printf("  (not root: probes that need privileges report EPERM)\n");

	printf("\nEnforcement layers\n");
	for (int i = 0; i < CORDON_LAYER_ID_COUNT; i++) {
		const struct cordon_layer *l = &layers[i];

		printf("  %-12s %s%-8s%s %s\n", l->name, l->active ? on : off,
		       l->active ? "active" : "inactive", reset, l->detail);
		if (l->hint[0])
			printf("  %-12s Hint: %s\n", "", l->hint);
	}
}

int cmd_doctor(int argc, char **argv)
{
	struct cordon_layer layers[CORDON_LAYER_ID_COUNT];
	struct cordon_features f;
	int json = 0, c;

	c = cli_json_opts(argc, argv,
			  "Usage: cordon doctor [--json]\n"
			  "Probe the kernel features cordon uses and report which enforcement "
			  "layers will be active.\n",
			  &json);
	if (c >= 0)
		return c;
	if (optind != argc) {
		cli_error("doctor: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}

	cordon_features_probe(&f);
	cordon_layers(&f, layers);
	if (json) {
		json_t *o = cordon_features_json(&f, layers);

		if (!o || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
			json_decref(o);
			cli_error("doctor: cannot format JSON");
			return EXIT_FAIL;
		}
		json_decref(o);
		putchar('\n');
	} else {
		print_text(&f, layers);
	}
	return EXIT_OK;
}
