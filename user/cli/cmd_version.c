// SPDX-License-Identifier: GPL-2.0-only
/* `cordon version [--json]` */
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"

int cmd_version(int argc, char **argv)
{
	int json = 0, c;

	c = cli_json_opts(argc, argv, "Usage: cordon version [--json]\n", &json);
	if (c >= 0)
		return c;
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
