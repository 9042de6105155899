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
		"                  [--allow-read|--allow-write|--allow-exec PATH]...\n"
		"                  [--allow-connect HOST:PORT]... [--allow-bind PORT]...\n"
		"                  [--allow-degraded] [--dry-run] [--observe]\n"
		"                  [--quiet|--verbose] [--json] [AUDIT OPTIONS] -- CMD [ARGS...]\n"
		"Run CMD confined by a policy (default: %s) in the project directory (default: "
		"the\n"
		"current one). --user (root only, and required as root: --user root runs a\n"
		"root agent on purpose) drops to that user before exec. --allow-degraded\n"
		"accepts running when a rule cannot be enforced on this kernel. --dry-run prints\n"
		"the plan (layers, unenforced rules, filesystem and port rules, the view) and\n"
		"runs nothing. --allow-read, --allow-write, --allow-exec, --allow-connect and\n"
		"--allow-bind add one rule for this run: one the site floor narrows away, or a\n"
		"secret, protected path or denied program, is refused and nothing runs. --quiet "
		"prints no start line (only a count of\n"
		"unenforced rules, when there are any); --verbose lists every unenforced rule\n"
		"instead of a few per reason. Defaults for --policy, --allow-degraded and --quiet\n"
		"come from ~/.config/cordon/cordon.yaml (policy:, allow_degraded:, quiet:).\n"
		"--observe (learn mode) lets through and records as would-refuse what the network\n"
		"rules would refuse (connect, send, bind, unix sockets, socket kinds, listeners);\n"
		"Landlock, seccomp, the mount view, fanotify, secrets and protected paths still\n"
		"refuse. Refused when a site floor is in effect. `cordon policy suggest` turns "
		"the\n"
		"log into a policy.\n"
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

/* --allow-read/write/exec/bind as the policy resolver takes them: "KIND ARGUMENT". */
static int add_oneoff(struct run_opts *o, int c, const char *arg)
{
	const char *kind = c == 'R' ? "read" : c == 'W' ? "write" : c == 'X' ? "exec" : "bind";

	if (o->nallow >= sizeof(o->allow) / sizeof(o->allow[0])) {
		cli_error("run: at most %zu one-off allows (--allow-read, -write, -exec, -bind)",
			  sizeof(o->allow) / sizeof(o->allow[0]));
		return -EINVAL;
	}
	o->allow[o->nallow] = cordon_strdup_printf("%s %s", kind, arg);
	if (!o->allow[o->nallow])
		return -ENOMEM;
	o->nallow++;
	return 0;
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
	case 'C':
		if (o->nallow_connect >= sizeof(o->allow_connect) / sizeof(o->allow_connect[0])) {
			cli_error("run: at most 16 --allow-connect rules");
			return -EINVAL;
		}
		o->allow_connect[o->nallow_connect++] = arg;
		return 0;
	case 'R':
	case 'W':
	case 'X':
	case 'B':
		return add_oneoff(o, c, arg);
	case 'j':
		o->json = true;
		return 0;
	case 'n':
		o->dry_run = true;
		return 0;
	case 'o':
		o->observe = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'v':
		o->verbose = true;
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
		{ "allow-connect", required_argument, NULL, 'C' },
		{ "allow-read", required_argument, NULL, 'R' },
		{ "allow-write", required_argument, NULL, 'W' },
		{ "allow-exec", required_argument, NULL, 'X' },
		{ "allow-bind", required_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "observe", no_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
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
	t->shell = strdup(pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");
	if (!t->home || !t->shell) {
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

/* --project, else the enclosing git work tree (the agent still starts where it was run). */
static char *project_dir(struct run *r)
{
	struct passwd *pw = r->o.user ? cordon_getpw(r->o.user, 0) : NULL;

	if (r->o.project)
		return realpath(r->o.project, NULL);
	r->cwd = realpath(".", NULL);
	return cordon_project_root(".", pw ? pw->pw_dir : getenv("HOME"));
}

/* The user's own hosts.yaml (their host sets), when their policy directory has one. */
static int user_hosts(struct run *r, const struct policy_search *search, struct policy **out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	*out = NULL;
	if (search->user_dir)
		r->hosts_path = cordon_path_join(search->user_dir, "hosts.yaml");
	else if (xdg && xdg[0] == '/')
		r->hosts_path = cordon_strdup_printf("%s/cordon/policies/hosts.yaml", xdg);
	else if (home && home[0] == '/')
		r->hosts_path = cordon_strdup_printf("%s/.config/cordon/policies/hosts.yaml", home);
	if (!r->hosts_path || access(r->hosts_path, F_OK) < 0) {
		free(r->hosts_path);
		r->hosts_path = NULL;
		return 0;
	}
	return policy_parse_file(r->hosts_path, out, &r->errs);
}

int run_load_policy(struct run *r)
{
	_cleanup_policy_ struct policy *hosts = NULL;
	struct policy_vars vars;
	struct policy_vars_buf vbuf;
	struct policy_search search = { 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars };
	const char *env_floor = getenv("CORDON_FLOOR");
	int e;

	r->project = project_dir(r);
	if (!r->project) {
		cli_error("run: project directory '%s': %s", r->o.project ?: ".", strerror(errno));
		return -errno;
	}
	if (r->pol) /* resolved by the daemon, floor included */
		return r->o.user ? run_lookup_user(r->o.user, &r->tu) : 0;
	/* A root-launched session never takes a user's file for a system or built-in name (the
	 * user's file is used when named by path: the explicit opt-in). */
	search.user_last = geteuid() == 0;
	e = user_vars(r, &vars, &vbuf, &search);
	if (e < 0) {
		if (!r->o.user) /* the user's lookup said what failed */
			cli_error("run: %s", strerror(-e));
		return e;
	}
	/* After the user's groups (getgrouplist loads NSS modules: one load at a time). */
	if (r->preload_dns)
		cordon_ldns_preload();
	/* Only root may point at another floor (tests); for anyone else it is the site's. */
	ro.floor_path = POLICY_FLOOR_PATH;
	if (getuid() == 0 && env_floor)
		ro.floor_path = *env_floor ? env_floor : NULL;
	e = user_hosts(r, &search, &hosts);
	ro.user_hosts = hosts;
	ro.allow_connect = r->o.allow_connect;
	ro.nallow_connect = r->o.nallow_connect;
	ro.allow = (const char *const *)r->o.allow;
	ro.nallow = r->o.nallow;
	if (e == 0)
		e = policy_resolve(r->o.policy, &ro, &r->pol, &r->errs);
	if (e < 0) {
		print_errors(&r->errs);
		cli_error("run: policy '%s' is not usable", r->o.policy);
		return e;
	}
	/* Observe mode lets through what the network allow-lists refuse, and the floor narrows
	 * those lists: the floor is never relaxed, so a session under one does not observe. */
	if (r->o.observe && ro.floor_path && access(ro.floor_path, F_OK) == 0) {
		cli_error("run: --observe: the site floor %s is in effect and observe mode would "
			  "relax its network rules; refused",
			  ro.floor_path);
		return -EPERM;
	}
	return 0;
}

int run_compile(struct run *r)
{
	/* Through the daemon its maps are the daemon's; an observing worker still reads the
	 * allow-lists from them for the view's roots (run_launch.c view_root_allows). */
	bool observe_files =
		r->o.observe &&
		(r->dsess.on ? r->dsess.bpf_lsm
			     : (cordon_plan_layers(&r->kern) & POL_NEEDS_BPF_LSM) != 0);
	bool maps = (cordon_plan_layers(&r->kern) & POL_NEEDS_CGROUP_BPF) &&
		    (!r->dsess.on || observe_files);
	int e = policy_compile_landlock(r->pol, r->feat.landlock_abi, &r->ll);

	/* cordon's resolver answers the session's DNS (own programs or the daemon's): TCP to
	 * port 53 is steered to it, so Landlock must let the connect through to the program. */
	if (e == 0 && (cordon_plan_layers(&r->kern) & POL_NEEDS_CGROUP_BPF))
		e = pol_landlock_allow_dns_tcp(&r->ll);
	/* Observing: Landlock's TCP port rules would refuse before the cgroup programs could
	 * let through and record; those programs judge every address and port Landlock would
	 * (without them --observe is refused), so Landlock leaves TCP to them. */
	if (e == 0 && r->o.observe && (cordon_plan_layers(&r->kern) & POL_NEEDS_CGROUP_BPF)) {
		r->ll.attr.handled_access_net = 0;
		r->ll.nports = 0;
	}
	/*
	 * Observing with BPF LSM (our own programs): Landlock would refuse the first file outside
	 * the allowed trees, and cannot record and let it through. The file hooks judge the same
	 * allow-lists instead (allow_trees, CORDON_SESSION_FILE_ALLOW), so Landlock handles no
	 * filesystem right here; its paths stay for the view's plan (which trees are writable).
	 * Through the daemon likewise: the daemon made the session with the same flag
	 * (daemon_session.c) and filled the allow-lists.
	 */
	if (e == 0 && observe_files) {
		r->observe_files = true;
		r->ll.attr.handled_access_fs = 0;
	}
	if (e == 0)
		e = policy_compile_seccomp(r->pol, &r->sc);
	/* No DNS here: the session's resolver answers host names when the agent asks. */
	if (e == 0 && maps)
		e = policy_compile_maps(r->pol, 1, cordon_resolve, (void *)cordon_resolv_conf(),
					&r->maps, &r->errs);
	if (e == 0 && maps)
		e = policy_compile_unix(r->pol, r->project, &r->maps);
	if (e < 0) {
		print_errors(&r->errs);
		cli_error("run: cannot compile policy '%s': %s", r->o.policy, strerror(-e));
	}
	return e;
}
