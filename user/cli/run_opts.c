// SPDX-License-Identifier: GPL-2.0-only
/* `cordon run`'s command line, the user --user names, and the policy for that user, compiled. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy/policy.h"
#include "run.h"
#include "sys/sys.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cordon run [--policy NAME|FILE] [--project DIR] [--user NAME]\n"
		"                  [--allow-degraded] [--json] [AUDIT OPTIONS] -- CMD "
		"[ARGS...]\n"
		"Run CMD confined by a policy (default: %s) in the project directory (default: "
		"the\n"
		"current one). --user (root only) drops to that user before exec. "
		"--allow-degraded\n"
		"accepts running when a rule cannot be enforced on this kernel.\n"
		"Audit records (JSON lines), to any of:\n"
		"  --audit-log FILE          append to FILE, rotated by size\n"
		"  --audit-stdout            write to stdout (with the agent's own output)\n"
		"  --audit-journal           send to journald (syslog when journald is absent)\n"
		"  --audit-max-size BYTES    rotate FILE before it passes BYTES (K, M, G; 0: "
		"never;\n"
		"                            default 64M)\n"
		"  --audit-keep N            rotated files kept, FILE.1 .. FILE.N (0-%d; "
		"default %d)\n"
		"  --audit-fsync POLICY      none, rotate (default: before rotating and at the "
		"end)\n"
		"                            or always (after every batch of records)\n"
		"  --audit-format FORMAT     ecs (default: Elastic Common Schema names) or ocsf\n",
		POLICY_DEFAULT, CORDON_AUDIT_MAX_KEEP, CORDON_AUDIT_DEFAULT_KEEP);
}

/* The options that shape the audit file: 0, or -EINVAL with the error printed. */
static int parse_audit_file_opt(int c, const char *arg, struct run_opts *o)
{
	unsigned long keep;
	char *end;

	switch (c) {
	case 'M':
		if (cordon_audit_parse_size(arg, &o->audit_max_bytes) < 0) {
			cli_error("run: --audit-max-size '%s': not a size (bytes, or a "
				  "number with K, M or G)",
				  arg);
			return -EINVAL;
		}
		return 0;
	case 'K':
		errno = 0;
		keep = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-' || keep > CORDON_AUDIT_MAX_KEEP) {
			cli_error("run: --audit-keep '%s': not a number from 0 to %d", arg,
				  CORDON_AUDIT_MAX_KEEP);
			return -EINVAL;
		}
		o->audit_keep = (unsigned int)keep;
		return 0;
	case 'T':
		if (cordon_audit_parse_format(arg, &o->audit_format) < 0) {
			cli_error("run: --audit-format '%s': ecs or ocsf", arg);
			return -EINVAL;
		}
		return 0;
	default: /* 'F' */
		if (cordon_audit_parse_fsync(arg, &o->audit_fsync) < 0) {
			cli_error("run: --audit-fsync '%s': none, rotate or always", arg);
			return -EINVAL;
		}
		return 0;
	}
}

/* One option other than the audit file's: 0, 1 (--help) or -EINVAL. */
static int parse_opt(int c, const char *arg, struct run_opts *o)
{
	switch (c) {
	case 'p':
		o->policy = arg;
		return 0;
	case 'P':
		o->project = arg;
		return 0;
	case 'u':
		o->user = arg;
		return 0;
	case 'a':
		o->audit_log = arg;
		return 0;
	case 'O':
		o->audit_stdout = true;
		return 0;
	case 'J':
		o->audit_journal = true;
		return 0;
	case 'D':
		o->allow_degraded = true;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'h':
		usage(stdout);
		return 1;
	default:
		usage(stderr);
		return -EINVAL;
	}
}

int run_parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "project", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "audit-log", required_argument, NULL, 'a' },
		{ "audit-stdout", no_argument, NULL, 'O' },
		{ "audit-journal", no_argument, NULL, 'J' },
		{ "audit-max-size", required_argument, NULL, 'M' },
		{ "audit-keep", required_argument, NULL, 'K' },
		{ "audit-fsync", required_argument, NULL, 'F' },
		{ "audit-format", required_argument, NULL, 'T' },
		{ "allow-degraded", no_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *file_opt = NULL; /* a file-only option given, for the error without a file */
	int c, r;

	o->audit_max_bytes = CORDON_AUDIT_DEFAULT_MAX_BYTES;
	o->audit_keep = CORDON_AUDIT_DEFAULT_KEEP;
	o->audit_fsync = CORDON_AUDIT_FSYNC_ROTATE;
	/* "+": stop at the first non-option, so the agent's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'T') {
			r = parse_audit_file_opt(c, optarg, o); /* any sink: not a file option */
		} else if (c == 'M' || c == 'K' || c == 'F') {
			file_opt = c == 'M'   ? "--audit-max-size"
				   : c == 'K' ? "--audit-keep"
					      : "--audit-fsync";
			r = parse_audit_file_opt(c, optarg, o);
		} else {
			r = parse_opt(c, optarg, o);
		}
		if (r)
			return r;
	}
	if (file_opt && !o->audit_log) {
		cli_error("run: %s applies to the audit file: give --audit-log FILE too", file_opt);
		return -EINVAL;
	}
	if (optind >= argc) {
		cli_error("run: no command given");
		usage(stderr);
		return -EINVAL;
	}
	o->cmd = argv + optind;
	return 0;
}

int run_lookup_user(const char *name, struct run_target_user *t)
{
	struct passwd *pw = cordon_getpw(name, 0);

	if (!pw) {
		cli_error("run: user '%s': %s", name, strerror(ENOENT));
		return -ENOENT;
	}
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	snprintf(t->name, sizeof(t->name), "%s", pw->pw_name);
	t->home = strdup(pw->pw_dir);
	if (!t->home) {
		cli_error("run: user '%s': %s", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	t->ngroups = (int)ARRAY_SIZE(t->groups);
	if (getgrouplist(t->name, t->gid, t->groups, &t->ngroups) < 0) {
		cli_error("run: user '%s': %s", name, strerror(E2BIG));
		return -E2BIG;
	}
	return 0;
}

/* Host names in the policy are resolved at session start, all at once, for at most this long. */
#define RESOLVE_TIMEOUT_MS 2000

static void print_errors(const struct policy_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s:%d:%d: %s\n", errs->v[i].file, errs->v[i].line, errs->v[i].col,
			errs->v[i].msg);
}

/* Variables describe the user the agent runs as, never root's environment. */
static int user_vars(struct run *r, struct policy_vars *vars, struct policy_vars_buf *vbuf,
		     struct policy_search *search)
{
	int e;

	if (!r->o.user)
		return policy_vars_from_env(vars, r->project, vbuf);
	e = run_lookup_user(r->o.user, &r->tu);
	if (e < 0)
		return e;
	r->xdg_config = cordon_path_join(r->tu.home, ".config");
	r->xdg_cache = cordon_path_join(r->tu.home, ".cache");
	r->user_dir = r->xdg_config ? cordon_path_join(r->xdg_config, "cordon/policies") : NULL;
	if (!r->xdg_cache || !r->user_dir)
		return -ENOMEM;
	*vars = (struct policy_vars){ .home = r->tu.home,
				      .user = r->tu.name,
				      .project = r->project,
				      .tmpdir = "/tmp",
				      .xdg_config_home = r->xdg_config,
				      .xdg_cache_home = r->xdg_cache };
	search->user_dir = r->user_dir;
	return 0;
}

int run_load_policy(struct run *r)
{
	struct policy_vars vars;
	struct policy_vars_buf vbuf;
	struct policy_search search = { 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars };
	const char *env_floor = getenv("CORDON_FLOOR");
	int e;

	r->project = realpath(r->o.project ?: ".", NULL);
	if (!r->project) {
		cli_error("run: project directory '%s': %s", r->o.project ?: ".", strerror(errno));
		return -errno;
	}
	e = user_vars(r, &vars, &vbuf, &search);
	if (e < 0) {
		if (!r->o.user) /* the user's lookup said what failed */
			cli_error("run: %s", strerror(-e));
		return e;
	}
	/* Only root may point at another floor (tests); for anyone else it is the site's. */
	ro.floor_path = POLICY_FLOOR_PATH;
	if (getuid() == 0 && env_floor)
		ro.floor_path = *env_floor ? env_floor : NULL;
	e = policy_resolve(r->o.policy, &ro, &r->pol, &r->errs);
	if (e < 0) {
		print_errors(&r->errs);
		cli_error("run: policy '%s' is not usable", r->o.policy);
	}
	return e;
}

int run_compile(struct run *r)
{
	bool maps = (cordon_plan_layers(&r->kern) & POL_NEEDS_CGROUP_BPF) && !r->dsess.on;
	int e = policy_compile_landlock(r->pol, r->feat.landlock_abi, &r->ll);

	if (e == 0)
		e = policy_compile_seccomp(r->pol, &r->sc);
	if (e == 0 && maps) {
		e = cordon_resolver_prefetch(&r->res, r->pol, RESOLVE_TIMEOUT_MS);
		if (e == 0 && r->res.unresolved)
			fprintf(stderr,
				"cordon: %zu host name(s) of the policy did not resolve within %d "
				"ms: their rules allow nothing this session\n",
				r->res.unresolved, RESOLVE_TIMEOUT_MS);
		if (e == 0)
			e = policy_compile_maps(r->pol, 1, cordon_resolve, &r->res, &r->maps,
						&r->errs);
	}
	if (e < 0) {
		print_errors(&r->errs);
		cli_error("run: cannot compile policy '%s': %s", r->o.policy, strerror(-e));
	}
	return e;
}
