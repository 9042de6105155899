// SPDX-License-Identifier: GPL-2.0-only
/* `cordon policy check|show|list` (suggest: cmd_policy_suggest.c): validate policy files, print a resolved policy, list them. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "policy/policy.h"

static void print_errors(const struct policy_errors *errs, const char *file)
{
	for (size_t i = 0; i < errs->n; i++) {
		/* No file to point at (a name given on the command line). */
		if (!strcmp(errs->v[i].file, "<input>"))
			cli_error("policy: %s", errs->v[i].msg);
		else
			fprintf(stderr, "%s:%d:%d: %s\n", errs->v[i].file, errs->v[i].line,
				errs->v[i].col, errs->v[i].msg);
	}
	if (errs->dropped)
		fprintf(stderr, "%s:1:1: %zu more errors not shown\n", file, errs->dropped);
}

static json_t *errors_json(const struct policy_errors *errs)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < errs->n; i++)
		json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:s}", "file", errs->v[i].file,
						   "line", errs->v[i].line, "column",
						   errs->v[i].col, "message", errs->v[i].msg));
	return a;
}

static int dump_json(json_t *o)
{
	int r;

	if (!o)
		return EXIT_FAIL;
	r = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	putchar('\n');
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

/* The floor for `show`: --floor, else $CORDON_FLOOR, else the site default. Display only:
 * the session's floor is chosen by the privileged side and ignores the caller's environment. */
static const char *floor_path(const char *opt)
{
	const char *env = getenv("CORDON_FLOOR");

	if (opt)
		return *opt ? opt : NULL;
	if (env)
		return *env ? env : NULL;
	return POLICY_FLOOR_PATH;
}

static int policy_check(int argc, char **argv)
{
	struct policy_vars vars = { 0 };
	struct policy_search search = { 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars, .fragment_ok = true };
	json_t *report = NULL;
	int json = 0, c, ret = EXIT_OK;

	c = cli_json_opts(argc, argv, "Usage: cordon policy check [--json] FILE...\n", &json);
	if (c >= 0)
		return c;
	if (optind == argc) {
		cli_error("policy check: no file given");
		return EXIT_USAGE;
	}
	/* Fixed placeholder values: validity must not depend on who runs the check. */
	policy_vars_placeholder(&vars);
	if (json)
		report = json_array();
	for (int i = optind; i < argc; i++) {
		struct policy_errors errs = { 0 };
		struct policy *p = NULL, *resolved = NULL;
		int r;

		r = policy_parse_file(argv[i], &p, &errs);
		if (r == 0)
			r = policy_resolve_parsed(p, &ro, &resolved, &errs);
		if (r == -ENOMEM) {
			cli_error("policy: out of memory");
			policy_errors_free(&errs);
			json_decref(report);
			return EXIT_FAIL;
		}
		if (r < 0) {
			if (!errs.n)
				fprintf(stderr, "%s:1:1: %s\n", argv[i], strerror(-r));
			print_errors(&errs, argv[i]);
			ret = EXIT_FAIL;
		}
		if (report)
			json_array_append_new(report,
					      json_pack("{s:s,s:b,s:o}", "file", argv[i], "valid",
							r == 0, "errors", errors_json(&errs)));
		policy_free(resolved);
		policy_errors_free(&errs);
	}
	if (report && dump_json(report) != EXIT_OK)
		return EXIT_FAIL;
	return ret;
}

/* Human form of the resolved policy: the JSON tree printed as indented YAML-ish text. */
static void print_human(json_t *v, int indent, const char *key)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		if (key)
			printf("%*s%s:\n", indent, "", key);
		json_object_foreach (v, k, x)
			print_human(x, key ? indent + 2 : indent, k);
	} else if (json_is_array(v)) {
		printf("%*s%s:%s\n", indent, "", key, json_array_size(v) ? "" : " []");
		json_array_foreach (v, i, x) {
			if (json_is_object(x)) {
				const char *a = json_string_value(json_object_get(x, "address"));
				json_int_t lo = json_integer_value(json_object_get(x, "port_lo"));
				json_int_t hi = json_integer_value(json_object_get(x, "port_hi"));
				bool v6 = a && strchr(a, ':');
				char ports[32];

				if (lo == hi)
					snprintf(ports, sizeof(ports), "%" JSON_INTEGER_FORMAT, lo);
				else
					snprintf(ports, sizeof(ports),
						 "%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT,
						 lo, hi);
				printf("%*s- %s%s%s:%s/%s   # %s\n", indent + 2, "", v6 ? "[" : "",
				       a ? a : "", v6 ? "]" : "", ports,
				       json_string_value(json_object_get(x, "protocol")),
				       json_string_value(json_object_get(x, "rule")));
			} else {
				printf("%*s- %s\n", indent + 2, "", json_string_value(x));
			}
		}
	} else if (json_is_string(v)) {
		printf("%*s%s: %s\n", indent, "", key, json_string_value(v));
	} else if (json_is_integer(v)) {
		printf("%*s%s: %" JSON_INTEGER_FORMAT "\n", indent, "", key, json_integer_value(v));
	} else {
		printf("%*s%s: unset\n", indent, "", key);
	}
}

static int policy_show(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "project", required_argument, NULL, 'p' },
					      { "floor", required_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *project = NULL, *floor_opt = NULL, *name = POLICY_DEFAULT;
	struct policy_vars_buf vbuf;
	struct policy_vars vars;
	struct policy_search search = { .user_last = geteuid() == 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars };
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;
	json_t *o;
	int json = 0, c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
		} else if (c == 'p') {
			project = optarg;
		} else if (c == 'f') {
			floor_opt = optarg;
		} else if (c == 'h') {
			printf("Usage: cordon policy show [NAME|PATH] [--json] [--project DIR] "
			       "[--floor PATH]\n");
			return EXIT_OK;
		} else {
			return EXIT_USAGE;
		}
	}
	if (optind + 1 < argc) {
		cli_error("policy show: one policy at a time");
		return EXIT_USAGE;
	}
	if (optind < argc)
		name = argv[optind];
	if (project && project[0] != '/') {
		cli_error("policy show: --project must be an absolute path, not '%s'", project);
		return EXIT_USAGE;
	}
	r = policy_vars_from_env(&vars, project, &vbuf);
	if (r < 0) {
		cli_error("policy show: cannot determine the project directory: %s", strerror(-r));
		return EXIT_FAIL;
	}
	ro.floor_path = floor_path(floor_opt);
	r = policy_resolve(name, &ro, &p, &errs);
	if (r < 0) {
		print_errors(&errs, name);
		if (!errs.n)
			cli_error("policy show: '%s': %s", name, strerror(-r));
		policy_errors_free(&errs);
		return EXIT_FAIL;
	}
	policy_errors_free(&errs);
	o = policy_to_json(p);
	if (o && ro.floor_path)
		json_object_set_new(o, "floor", json_string(ro.floor_path));
	policy_free(p);
	if (json)
		return dump_json(o);
	if (!o)
		return EXIT_FAIL;
	print_human(o, 0, NULL);
	json_decref(o);
	return EXIT_OK;
}

static int policy_list_cmd(int argc, char **argv)
{
	/* Shadowing as `cordon run` by this user would resolve names. */
	struct policy_search search = { .user_last = geteuid() == 0 };
	struct policy_entry *v = NULL;
	int json = 0, c, n;

	c = cli_json_opts(argc, argv, "Usage: cordon policy list [--json]\n", &json);
	if (c >= 0)
		return c;
	if (optind != argc) {
		cli_error("policy list: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	n = policy_list(&search, &v);
	if (n < 0) {
		cli_error("policy list: %s", strerror(-n));
		return EXIT_FAIL;
	}
	if (json) {
		json_t *a = json_array();

		for (int i = 0; a && i < n; i++)
			json_array_append_new(
				a, json_pack("{s:s,s:s,s:s,s:b,s:b}", "name", v[i].name, "source",
					     policy_source_name(v[i].source), "path", v[i].path,
					     "shadowed", v[i].shadowed, "shadows", v[i].shadows));
		policy_entries_free(v, (size_t)n);
		return dump_json(a);
	}
	printf("%-16s %-8s %s\n", "NAME", "SOURCE", "PATH");
	for (int i = 0; i < n; i++)
		printf("%-16s %-8s %s%s%s\n", v[i].name, policy_source_name(v[i].source), v[i].path,
		       v[i].shadowed ? " (shadowed)" : "",
		       v[i].shadows ? " (shadows another)" : "");
	policy_entries_free(v, (size_t)n);
	return EXIT_OK;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"Usage: cordon policy check [--json] FILE...\n"
			"       cordon policy show [NAME|PATH] [--json] [--project DIR] [--floor "
			"PATH]\n"
			"       cordon policy list [--json]\n"
			"       cordon policy suggest AUDIT.jsonl [--session ID]\n");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return policy_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return policy_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return policy_list_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "suggest"))
		return policy_suggest(argc - 1, argv + 1);
	cli_error("policy: unknown subcommand '%s' (check, show, list, suggest)", argv[1]);
	return EXIT_USAGE;
}
