// SPDX-License-Identifier: GPL-2.0-only
/* `cordon daemon [--config FILE] [...]`: the privileged session service (user/daemon/). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sys/sys.h"
#include "daemon.h"
#include "policy/policy.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cordon daemon [--config FILE] [--socket PATH] [--run-dir DIR]\n"
		"                     [--pin-root DIR] [--cgroup-root DIR] [--policy-dir DIR]\n"
		"                     [--floor FILE]\n"
		"Load cordon's BPF programs once (pinned, so enforcement survives the daemon),\n"
		"serve sessions to local users on the control socket and write the audit "
		"stream.\n"
		"SIGHUP reloads the configuration, the policies and the floor; SIGTERM stops\n"
		"the daemon and leaves running sessions confined.\n");
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "pin-root", required_argument, NULL, 'b' },
		{ "cgroup-root", required_argument, NULL, 'g' },
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "floor", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct daemon_opts o = {
		.config = DAEMON_CONFIG_PATH,
		.socket = CORDON_CTL_SOCKET,
		.run_dir = DAEMON_RUN_DIR,
		.pin_root = DAEMON_PIN_ROOT,
		.policy_dir = POLICY_SYSTEM_DIR,
		.floor = POLICY_FLOOR_PATH,
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'r':
			o.run_dir = optarg;
			break;
		case 'b':
			o.pin_root = optarg;
			break;
		case 'g':
			o.cgroup_root = optarg;
			break;
		case 'p':
			o.policy_dir = optarg;
			break;
		case 'f':
			o.floor = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return daemon_main(&o) < 0 ? EXIT_FAIL : EXIT_OK;
}
