// SPDX-License-Identifier: GPL-2.0-only
/* cordon's entry point: the command table and dispatch, one cmd_<verb>.c per subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "audit", cmd_audit, "show the audit log: what ran, what was refused, by which rule" },
	{ "daemon", cmd_daemon, "serve sessions to local users (root; systemd's cordon.service)" },
	{ "doctor", cmd_doctor, "probe the kernel and report which enforcement layers will work" },
	{ "end", cmd_end, "end a session of the daemon" },
	{ "explain", cmd_explain, "would a session allow a path, host:port or socket, and why" },
	{ "policy", cmd_policy, "check, show and list policies" },
	{ "ps", cmd_ps, "list the daemon's sessions" },
	{ "run", cmd_run, "run an agent confined by a policy" },
	{ "version", cmd_version, "print the version" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cordon COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nEvery command accepts --json and --help.\n");
}

int main(int argc, char **argv)
{
	cli_phase("main");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	cli_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
