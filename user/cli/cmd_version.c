// SPDX-License-Identifier: GPL-2.0-only
/* `cordon version [--json]` */
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"

int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	int json = 0, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			printf("Usage: cordon version [--json]\n");
			return EXIT_OK;
		} else {
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("version: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (json) {
		json_t *o = json_pack("{s:s}", "version", CORDON_VERSION);

		if (!o || json_dumpf(o, stdout, JSON_COMPACT) < 0) {
			json_decref(o);
			return EXIT_FAIL;
		}
		json_decref(o);
		putchar('\n');
	} else {
		printf("cordon %s\n", CORDON_VERSION);
	}
	return EXIT_OK;
}
