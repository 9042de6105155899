// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run [OPTIONS] -- CMD [ARGS...]`: resolve the policy, decide which layer enforces each
 * rule on this kernel (refusing to start in strict mode when one cannot be enforced), prepare
 * everything fallible, launch the agent confined, stay its parent, and tear the session down.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <jansson.h>
#include <linux/filter.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "sys/sys.h"
#include "cli.h"
#include "loader/loader.h"
#include "policy/policy.h"
#include "compile/compile.h"
#include "probe/probe.h"
#include "run_daemon.h"

extern char **environ;

/* Host names in the policy are resolved at session start, all at once, for at most this long. */
#define RESOLVE_TIMEOUT_MS 2000

struct run_opts {
	const char *policy;
	const char *project;
	const char *user;
	const char *audit_log;
	bool audit_stdout;  /* --audit-stdout: the records on stdout too */
	bool audit_journal; /* --audit-journal: to journald (syslog without it) */
	uint64_t audit_max_bytes;
	unsigned int audit_keep;
	enum cordon_audit_fsync audit_fsync;
	bool allow_degraded;
	bool json;
	char **cmd;
};

/* What the session saw, for the audit log and the summary at exit. */
struct run_events {
	struct cordon_audit_ctx audit;
	int audit_fd;
	struct ring_buffer *rb;
	struct cordon_bpf *bpf;		   /* for the drop counter */
	struct cordon_audit_stream stream; /* decoding, de-duplication, sinks */
	char policy_sha256[65];
	unsigned long refused_connect, refused_file, malformed;
};

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
		"                            or always (after every batch of records)\n",
		POLICY_DEFAULT, CORDON_AUDIT_MAX_KEEP, CORDON_AUDIT_DEFAULT_KEEP);
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
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
		{ "allow-degraded", no_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *file_opt = NULL; /* a file-only option given, for the error without a file */
	unsigned long keep;
	char *end;
	int c;

	o->audit_max_bytes = CORDON_AUDIT_DEFAULT_MAX_BYTES;
	o->audit_keep = CORDON_AUDIT_DEFAULT_KEEP;
	o->audit_fsync = CORDON_AUDIT_FSYNC_ROTATE;
	/* "+": stop at the first non-option, so the agent's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->policy = optarg;
			break;
		case 'P':
			o->project = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'a':
			o->audit_log = optarg;
			break;
		case 'O':
			o->audit_stdout = true;
			break;
		case 'J':
			o->audit_journal = true;
			break;
		case 'M':
			file_opt = "--audit-max-size";
			if (cordon_audit_parse_size(optarg, &o->audit_max_bytes) < 0) {
				cli_error("run: --audit-max-size '%s': not a size (bytes, or a "
					  "number with K, M or G)",
					  optarg);
				return -EINVAL;
			}
			break;
		case 'K':
			file_opt = "--audit-keep";
			errno = 0;
			keep = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' ||
			    keep > CORDON_AUDIT_MAX_KEEP) {
				cli_error("run: --audit-keep '%s': not a number from 0 to %d",
					  optarg, CORDON_AUDIT_MAX_KEEP);
				return -EINVAL;
			}
			o->audit_keep = (unsigned int)keep;
			break;
		case 'F':
			file_opt = "--audit-fsync";
			if (cordon_audit_parse_fsync(optarg, &o->audit_fsync) < 0) {
				cli_error("run: --audit-fsync '%s': none, rotate or always",
					  optarg);
				return -EINVAL;
			}
			break;
		case 'D':
			o->allow_degraded = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
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

/* --- which layer covers what ---------------------------------------------------------------- */

struct layers_use {
	bool landlock, seccomp, cgroup_bpf, bpf_lsm, mount_ns;
	const char *limits; /* "rlimits" */
};

/* Does an active layer cover a rule Landlock cannot express? */
static bool covered(const struct pol_gap *g, const struct layers_use *u)
{
	if (strstr(g->needs, "bpf-lsm") && u->bpf_lsm)
		return true;
	if (strstr(g->needs, "mount-namespace") && u->mount_ns)
		return true;
	if (strstr(g->needs, "cgroup-bpf") && u->cgroup_bpf)
		return true;
	return false;
}

/* Rules no active layer enforces: listed at start, grouped by reason, or in the JSON report. */
static void add_gap(json_t *gaps, const char *rule, const char *needs, const char *reason)
{
	json_array_append_new(
		gaps, json_pack("{s:s,s:s,s:s}", "rule", rule, "needs", needs, "reason", reason));
}

static void print_gaps(json_t *gaps)
{
	size_t n = json_array_size(gaps);
	bool *done = calloc(n ? n : 1, sizeof(*done));

	for (size_t i = 0; done && i < n; i++) {
		const char *reason =
			json_string_value(json_object_get(json_array_get(gaps, i), "reason"));

		if (done[i])
			continue;
		fprintf(stderr, "cordon: not enforced here (needs %s: %s): ",
			json_string_value(json_object_get(json_array_get(gaps, i), "needs")),
			reason);
		for (size_t j = i, first = 1; j < n; j++) {
			json_t *g = json_array_get(gaps, j);

			const char *rule = json_string_value(json_object_get(g, "rule"));
			bool seen = false;

			if (done[j] ||
			    strcmp(json_string_value(json_object_get(g, "reason")), reason))
				continue;
			done[j] = true;
			/* A host set expands to one rule per member: name the set once. */
			for (size_t k = i; k < j && !seen; k++)
				seen = done[k] &&
				       !strcmp(json_string_value(json_object_get(
						       json_array_get(gaps, k), "rule")),
					       rule) &&
				       !strcmp(json_string_value(json_object_get(
						       json_array_get(gaps, k), "reason")),
					       reason);
			if (seen)
				continue;
			fprintf(stderr, "%s%s", first ? "" : ", ", rule);
			first = 0;
		}
		fputc('\n', stderr);
	}
	free(done);
}

/* --- events ------------------------------------------------------------------------------ */

static int on_event(void *ctx, void *data, size_t size)
{
	struct run_events *ev = ctx;
	int type = cordon_event_check(data, size);

	if (type < 0) {
		ev->malformed += type == -EBADMSG;
		return 0;
	}
	if (type == CORDON_EV_CONNECT ||
	    (type == CORDON_EV_SYSCALL &&
	     ((const struct cordon_event_hdr *)data)->hook == CORDON_HOOK_SYS_CONNECT))
		ev->refused_connect++;
	else if (type == CORDON_EV_FILE ||
		 (type == CORDON_EV_SYSCALL &&
		  ((const struct cordon_event_hdr *)data)->hook == CORDON_HOOK_SYS_OPENAT))
		ev->refused_file++;
	return cordon_audit_stream_event(&ev->stream, data, size);
}

/* Drain the ring buffer, report loss as soon as the drop counter grows, write whole lines. */
static void drain(void *ctx)
{
	struct run_events *ev = ctx;
	uint64_t drops;

	ring_buffer__consume(ev->rb);
	if (ev->bpf && cordon_bpf_drops(ev->bpf, &drops) == 0)
		cordon_audit_stream_drops(&ev->stream, drops);
	if (ev->stream.sink)
		cordon_audit_sink_flush(ev->stream.sink);
}

static void emit_record(void *ctx, json_t *rec)
{
	cordon_audit_sink_emit(ctx, rec);
}

/* --- the command ---------------------------------------------------------------------------- */

struct target_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	int ngroups;
	char name[256];
	char home[4000];
};

static int lookup_user(const char *name, struct target_user *t)
{
	struct passwd *pw = cordon_getpw(name, 0);

	if (!pw)
		return -ENOENT;
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	snprintf(t->name, sizeof(t->name), "%s", pw->pw_name);
	snprintf(t->home, sizeof(t->home), "%s", pw->pw_dir);
	t->ngroups = (int)ARRAY_SIZE(t->groups);
	if (getgrouplist(t->name, t->gid, t->groups, &t->ngroups) < 0)
		return -E2BIG;
	return 0;
}

static void print_errors(const struct policy_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s:%d:%d: %s\n", errs->v[i].file, errs->v[i].line, errs->v[i].col,
			errs->v[i].msg);
}

static int build_landlock(const struct pol_landlock *ll)
{
	int fd = cordon_landlock_create(&ll->attr);

	if (fd < 0)
		return fd;
	for (size_t i = 0; i < ll->npaths; i++) {
		int r = cordon_landlock_allow_path(fd, ll->paths[i].path, ll->paths[i].access);

		/* An allowed path that does not exist grants nothing: skipping it is exact. */
		if (r < 0 && r != -ENOENT && r != -ENOTDIR && r != -EACCES) {
			close(fd);
			return r;
		}
	}
	for (size_t i = 0; i < ll->nports; i++) {
		int r = cordon_landlock_allow_port(fd, ll->ports[i].port, ll->ports[i].access);

		if (r < 0) {
			close(fd);
			return r;
		}
	}
	return fd;
}

/* rlimits for what the session cgroup's controllers (@cg: CORDON_LIMIT_* applied) do not do. */
static size_t plan_rlimits(const struct policy *p, unsigned int cg, struct cordon_rlimit *out)
{
	size_t n = 0;

	if (p->nofile)
		out[n++] = (struct cordon_rlimit){ RLIMIT_NOFILE, { p->nofile, p->nofile } };
	/* Without cgroup controllers: the data segment bounds memory, RLIMIT_NPROC (counted per
	 * user, not per session) bounds fork bombs. */
	if (p->memory && !(cg & CORDON_LIMIT_MEMORY))
		out[n++] = (struct cordon_rlimit){ RLIMIT_DATA, { p->memory, p->memory } };
	if (p->pids && !(cg & CORDON_LIMIT_PIDS))
		out[n++] = (struct cordon_rlimit){ RLIMIT_NPROC, { p->pids, p->pids } };
	return n;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .policy = POLICY_DEFAULT };
	struct policy_errors errs = { 0 };
	struct policy_vars vars;
	struct policy_vars_buf vbuf;
	struct policy_search search = { 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars };
	struct policy *pol = NULL;
	struct cordon_features feat;
	struct cordon_layer layers[CORDON_LAYER_ID_COUNT];
	struct layers_use use = { .limits = "rlimits" };
	struct pol_landlock ll = { 0 };
	struct pol_seccomp sc = { 0 };
	struct pol_maps maps = { 0 };
	struct cordon_resolver res = { 0 };
	json_t *gaps = json_array();
	struct cordon_masks masks = { 0 };
	struct sock_fprog prog = { 0 };
	struct cordon_session_ctx sess = { .procs_fd = -1 };
	struct run_daemon_session dsess = { 0 };
	struct cordon_rlimit rl[4];
	struct cordon_launch l = { .cgroup_procs_fd = -1, .landlock_fd = -1 };
	struct cordon_launch_failure fail;
	struct cordon_supervise sup;
	struct cordon_view view = { 0 };
	struct termios tio;
	struct winsize ws;
	int pty_master = -1;
	struct run_events ev = { .audit_fd = -1 };
	struct target_user tu;
	char project[PATH_MAX], user_dir[PATH_MAX + 64], hostname[256] = "";
	char *home_env = NULL, *user_env = NULL, *logname_env = NULL;
	char **env = NULL;
	const char *floor = POLICY_FLOOR_PATH, *failed_path = NULL;
	size_t dropped = 0, uncovered = 0;
	unsigned int cg_limits = 0;
	uint64_t start_ns, drops = 0;
	int r, status = EXIT_FAIL;
	pid_t pid;

	r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (!realpath(o.project ? o.project : ".", project)) {
		cli_error("run: project directory '%s': %s", o.project ? o.project : ".",
			  strerror(errno));
		return EXIT_FAIL;
	}
	gethostname(hostname, sizeof(hostname) - 1);
	start_ns = cordon_realtime_ns();

	/* Variables describe the user the agent runs as, never root's environment. */
	if (o.user) {
		if (geteuid() != 0) {
			cli_error("run: --user needs root");
			return EXIT_USAGE;
		}
		r = lookup_user(o.user, &tu);
		if (r < 0) {
			cli_error("run: user '%s': %s", o.user, strerror(-r));
			return EXIT_FAIL;
		}
		memset(&vars, 0, sizeof(vars));
		vars.home = tu.home;
		vars.user = tu.name;
		vars.project = project;
		vars.tmpdir = "/tmp";
		if ((size_t)snprintf(vbuf.config, sizeof(vbuf.config), "%.4000s/.config",
				     tu.home) >= sizeof(vbuf.config) ||
		    (size_t)snprintf(vbuf.cache, sizeof(vbuf.cache), "%.4000s/.cache", tu.home) >=
			    sizeof(vbuf.cache)) {
			cli_error("run: home directory of '%s' is too long", o.user);
			return EXIT_FAIL;
		}
		vars.xdg_config_home = vbuf.config;
		vars.xdg_cache_home = vbuf.cache;
		snprintf(user_dir, sizeof(user_dir), "%s/cordon/policies", vbuf.config);
		search.user_dir = user_dir;
	} else {
		r = policy_vars_from_env(&vars, project, &vbuf);
		if (r < 0) {
			cli_error("run: %s", strerror(-r));
			return EXIT_FAIL;
		}
	}
	/* Only root may point at another floor (tests); for anyone else it is the site's. */
	if (getuid() == 0 && getenv("CORDON_FLOOR"))
		floor = *getenv("CORDON_FLOOR") ? getenv("CORDON_FLOOR") : NULL;
	ro.floor_path = floor;
	r = policy_resolve(o.policy, &ro, &pol, &errs);
	if (r < 0) {
		print_errors(&errs);
		cli_error("run: policy '%s' is not usable", o.policy);
		goto out;
	}

	/* Sockets made outside the session never pass its hooks: refused on stdio at once. */
	for (int fd = 0; fd <= 2; fd++) {
		static const char *const names[] = { "standard input", "standard output",
						     "standard error" };

		r = cordon_stdio_check(fd);
		if (r < 0) {
			cli_error("run: %s is %s", names[fd], cordon_stdio_reason(r));
			fprintf(stderr, "Hint: connect it through a pipe (cmd | cordon run ...)\n");
			goto out;
		}
	}

	/* Which layers this kernel and these privileges give us. */
	cordon_features_probe(&feat);
	cordon_layers(&feat, layers);
	use.landlock = layers[CORDON_LAYER_ID_LANDLOCK].active;
	use.seccomp = layers[CORDON_LAYER_ID_SECCOMP].active;
	use.cgroup_bpf = geteuid() == 0 && layers[CORDON_LAYER_ID_CGROUP_BPF].active;
	use.bpf_lsm = geteuid() == 0 && layers[CORDON_LAYER_ID_BPF_LSM].active;
	use.mount_ns = layers[CORDON_LAYER_ID_MOUNT_NS].active;

	/*
	 * An ordinary user with the daemon running: the daemon checks the policy against the
	 * floor, builds the session's cgroup and BPF rules and moves this process in, so the agent
	 * forked below starts inside. Landlock, seccomp and the rest stay ours, as without it.
	 */
	if (geteuid() != 0) {
		int dfd = run_daemon_connect();

		if (dfd >= 0) {
			r = run_daemon_create(dfd, o.policy, project, &dsess);
			/* The session lives as long as its cgroup holds a process, not this socket. */
			close(dfd);
			if (r < 0)
				goto out;
			use.cgroup_bpf = true;
			use.bpf_lsm = dsess.bpf_lsm;
		}
	}

	if (!use.landlock || !use.seccomp) {
		cli_error("run: %s is not available: %s", use.landlock ? "seccomp" : "Landlock",
			  layers[use.landlock ? CORDON_LAYER_ID_SECCOMP : CORDON_LAYER_ID_LANDLOCK]
				  .detail);
		fprintf(stderr, "Hint: %s\n",
			layers[use.landlock ? CORDON_LAYER_ID_SECCOMP : CORDON_LAYER_ID_LANDLOCK]
				.hint);
		goto out;
	}
	r = policy_compile_landlock(pol, feat.landlock_abi, &ll);
	if (r == 0)
		r = policy_compile_seccomp(pol, &sc);
	if (r == 0 && use.cgroup_bpf && !dsess.on) {
		r = cordon_resolver_prefetch(&res, pol, RESOLVE_TIMEOUT_MS);
		if (r == 0 && res.unresolved)
			fprintf(stderr,
				"cordon: %zu host name(s) of the policy did not resolve within %d "
				"ms: "
				"their rules allow nothing this session\n",
				res.unresolved, RESOLVE_TIMEOUT_MS);
		if (r == 0)
			r = policy_compile_maps(pol, 1, cordon_resolve, &res, &maps, &errs);
	}
	if (r < 0) {
		print_errors(&errs);
		cli_error("run: cannot compile policy '%s': %s", o.policy, strerror(-r));
		goto out;
	}

	/* Every rule is enforced by some layer, or reported; strict mode refuses to run. */
	for (size_t i = 0; i < ll.gaps.n; i++)
		if (!covered(&ll.gaps.v[i], &use))
			add_gap(gaps, ll.gaps.v[i].rule, ll.gaps.v[i].needs, ll.gaps.v[i].reason);
	if (pol->cpu && !(use.cgroup_bpf && strstr(feat.cgroup2_controllers, "cpu")))
		add_gap(gaps, "limits.cpu", "cgroup-cpu", "no cpu controller on cgroup v2");
	if (!use.cgroup_bpf && (pol->connect.n || pol->bind.n))
		add_gap(gaps, "network: UDP and per-address rules", "cgroup-bpf",
			geteuid() ? "cgroup programs need root or the daemon"
				  : layers[CORDON_LAYER_ID_CGROUP_BPF].detail);
	if (use.mount_ns && !use.bpf_lsm) {
		r = cordon_masks_plan(pol, project, &masks);
		if (r < 0) {
			cli_error("run: planning masks: %s", strerror(-r));
			goto out;
		}
		if (masks.truncated)
			add_gap(gaps, "secrets.patterns in the project", "bpf-lsm",
				"the project is too large to search completely");
	}
	uncovered = json_array_size(gaps);
	if (!o.json)
		print_gaps(gaps);
	if (uncovered && pol->mode == POL_MODE_STRICT && !o.allow_degraded) {
		cli_error("run: %zu rule(s) of policy '%s' cannot be enforced on this kernel; "
			  "refusing to start (strict mode)",
			  uncovered, pol->name);
		fprintf(stderr, "Hint: `cordon doctor` says how to enable the missing layers; "
				"--allow-degraded runs anyway\n");
		goto out;
	}

	/* Everything fallible happens here, before fork. */
	if (dsess.on) {
		snprintf(sess.name, sizeof(sess.name), "%s", dsess.name);
		cg_limits = dsess.limits;
		if (cg_limits)
			use.limits = "cgroup+rlimits";
	} else if (use.cgroup_bpf) {
		char root[4200];

		r = cordon_cgroup2_mount(root, sizeof(root) - 16);
		if (r == 0) {
			strcat(root, "/" CORDON_CGROUP_ROOT_NAME);
			r = cordon_session_create(&sess, root, use.bpf_lsm,
						  cordon_session_flags(&maps, use.bpf_lsm));
		}
		if (r == 0)
			r = cordon_session_fill(&sess, &maps, use.bpf_lsm, &failed_path);
		if (r < 0) {
			cli_error("run: session: %s%s%s", strerror(-r), failed_path ? " at " : "",
				  failed_path ? failed_path : "");
			goto out;
		}
		cg_limits = cordon_session_limits(&sess, pol->pids, pol->memory, pol->cpu);
		/* nofile is always an rlimit; the others are rlimits where no controller did it. */
		if (cg_limits)
			use.limits = "cgroup+rlimits";
		ev.rb = cordon_bpf_events(sess.bpf, on_event, &ev);
		l.cgroup_procs_fd = sess.procs_fd;
	} else {
		snprintf(sess.name, sizeof(sess.name), "%016llx%016llx",
			 (unsigned long long)start_ns, (unsigned long long)getpid());
	}
	l.landlock_fd = build_landlock(&ll);
	if (l.landlock_fd < 0) {
		cli_error("run: Landlock ruleset: %s", strerror(-l.landlock_fd));
		goto out;
	}
	r = cordon_seccomp_build(&sc, &prog);
	if (r < 0) {
		cli_error("run: seccomp filter: %s", strerror(-r));
		goto out;
	}
	env = cordon_env_scrub(environ, &pol->env_deny, &pol->env_keep, &dropped);
	if (!env)
		goto out;
	if (o.user && (cordon_env_set(&env, "HOME", tu.home, &home_env) < 0 ||
		       cordon_env_set(&env, "USER", tu.name, &user_env) < 0 ||
		       cordon_env_set(&env, "LOGNAME", tu.name, &logname_env) < 0))
		goto out;
	if (o.audit_log) {
		struct stat st;

		/* Opened as the caller (root with --user): not through a planted symlink, and
		 * only a regular file. */
		ev.audit_fd = open(o.audit_log,
				   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (ev.audit_fd >= 0 && (fstat(ev.audit_fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			close(ev.audit_fd);
			ev.audit_fd = -1;
			errno = EINVAL;
		}
		if (ev.audit_fd < 0) {
			cli_error("run: audit log '%s': %s", o.audit_log, strerror(errno));
			goto out;
		}
	}
	ev.audit = (struct cordon_audit_ctx){ .session = sess.name,
					      .policy = pol->name,
					      .host = hostname };

	l.argv = o.cmd;
	l.envp = env;
	l.cwd = project;
	l.drop_privileges = o.user != NULL;
	if (o.user) {
		l.uid = tu.uid;
		l.gid = tu.gid;
		l.groups = tu.groups;
		l.ngroups = (size_t)tu.ngroups;
	}
	/* The session's own view wherever a mount namespace can be had (root, or a user one). */
	if (use.mount_ns) {
		cordon_view_plan(&ll, &view);
		l.view = &view;
	}
	l.userns = (masks.n || l.view) && geteuid() != 0;
	l.masks = masks.v;
	l.nmasks = masks.n;
	l.rlimits = rl;
	l.nrlimits = plan_rlimits(pol, cg_limits, rl);
	l.seccomp = &prog;

	if (o.json) {
		json_t *rep =
			json_pack("{s:s,s:s,s:s,s:{s:b,s:b,s:b,s:b,s:b},s:I,s:O}", "session",
				  sess.name, "policy", pol->name, "project", project, "layers",
				  "landlock", use.landlock, "seccomp", use.seccomp, "cgroup_bpf",
				  use.cgroup_bpf, "bpf_lsm", use.bpf_lsm, "mount_ns", masks.n > 0,
				  "masks", (json_int_t)masks.n, "unenforced", gaps);

		if (rep)
			json_dumpf(rep, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stderr);
		json_decref(rep);
	} else {
		fprintf(stderr,
			"cordon: session %.12s policy %s: landlock=ABI%d seccomp=on cgroup_bpf=%s "
			"bpf_lsm=%s masks=%zu limits=%s%s\n",
			sess.name, pol->name, ll.abi, use.cgroup_bpf ? "on" : "off",
			use.bpf_lsm ? "on" : "off", masks.n, use.limits,
			uncovered ? " (degraded: see above)" : "");
	}
	ev.bpf = sess.bpf;
	if (cordon_policy_sha256(pol, ev.policy_sha256) == 0)
		ev.audit.policy_sha256 = ev.policy_sha256;
	ev.stream.ctx = ev.audit;
	/* Any sink, a file or not: the session's records, its start and end included. */
	if (ev.audit_fd >= 0 || o.audit_stdout || o.audit_journal) {
		struct cordon_audit_sink_opts so = { .path = o.audit_log,
						     .fd = ev.audit_fd,
						     .max_bytes = o.audit_max_bytes,
						     .keep = o.audit_keep,
						     .fsync = o.audit_fsync,
						     .to_stdout = o.audit_stdout,
						     .to_journal = o.audit_journal };
		json_t *rec = cordon_audit_base(&ev.audit, "session-start", NULL, start_ns);
		json_t *cordon = json_object_get(rec, "cordon"), *args = json_array();

		r = cordon_audit_sink_open(&so, &ev.stream.sink);
		if (r < 0) {
			json_decref(rec);
			json_decref(args);
			cli_error("run: audit %s%s%s: %s", o.audit_log ? "log '" : "sink",
				  o.audit_log ?: "", o.audit_log ? "'" : "", strerror(-r));
			goto out;
		}
		json_object_set_new(cordon, "layers",
				    json_pack("{s:b,s:b,s:b,s:b,s:b}", "landlock", use.landlock,
					      "seccomp", use.seccomp, "cgroup_bpf", use.cgroup_bpf,
					      "bpf_lsm", use.bpf_lsm, "mount_ns", masks.n > 0));
		json_object_set_new(cordon, "landlock_abi", json_integer(ll.abi));
		json_object_set_new(cordon, "unenforced", json_integer((json_int_t)uncovered));
		json_object_set_new(cordon, "unenforced_rules", json_deep_copy(gaps));
		json_object_set_new(cordon, "project", json_string(project));
		for (char **a = o.cmd; *a; a++) {
			json_t *tmp = json_object();

			cordon_audit_set_str(rec, tmp, "v", NULL, *a, strlen(*a) + 1);
			json_array_append(args, json_object_get(tmp, "v"));
			json_decref(tmp);
		}
		json_object_set_new(rec, "process",
				    json_pack("{s:i,s:o}", "pid", (int)getpid(), "args", args));
		json_object_set_new(rec, "user",
				    json_pack("{s:o,s:s}", "id",
					      json_sprintf("%u", o.user ? tu.uid : getuid()),
					      "name", o.user ? tu.name : ""));
		/* Written at once: a launch that fails below still leaves its session-start. */
		cordon_audit_sink_emit(ev.stream.sink, rec);
		cordon_audit_sink_flush(ev.stream.sink);
	}

	/* A terminal of its own when cordon runs on one (both ends: a pipe stays a pipe). */
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && tcgetattr(STDIN_FILENO, &tio) == 0) {
		l.pty = true;
		l.pty_termios = &tio;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			l.pty_winsize = &ws;
	}
	r = cordon_launch(&l, &pid, &pty_master, &fail);
	if (r < 0) {
		cli_error("run: %s failed: %s", cordon_launch_step_name(fail.step),
			  strerror(fail.err));
		if (fail.step == CORDON_STEP_MASK && (size_t)fail.index < masks.n)
			fprintf(stderr, "cordon: while masking '%s'\n", masks.v[fail.index].path);
		if (fail.step == CORDON_STEP_VIEW && (size_t)fail.index < view.nmounts)
			fprintf(stderr, "cordon: while mounting '%s'\n",
				view.mounts[fail.index].path);

		goto out;
	}
	sup = (struct cordon_supervise){ .pid = pid,
					 .pty_master = pty_master,
					 .extra_fd = ev.rb ? ring_buffer__epoll_fd(ev.rb) : -1,
					 .on_extra = drain,
					 .ctx = &ev };
	status = cordon_supervise(&sup);
	if (pty_master >= 0)
		close(pty_master);
	if (status < 0) {
		cli_error("run: supervising: %s", strerror(-status));
		status = EXIT_FAIL;
	}
	if (sess.bpf)
		cordon_bpf_drops(sess.bpf, &drops);
	if (ev.refused_connect || ev.refused_file || drops)
		fprintf(stderr, "cordon: refused %lu connect(s), %lu file open(s)%s%s\n",
			ev.refused_connect, ev.refused_file, drops ? "; events lost: " : "",
			drops ? "yes (counted in the audit log)" : "");
	if (ev.stream.sink) {
		uint64_t end_ns = cordon_realtime_ns();
		json_t *rec;

		/*
		 * With the daemon, the kernel's records of this session are in the daemon's
		 * stream: copied here, between our own session-start and session-end.
		 */
		if (dsess.on) {
			r = run_daemon_fetch_audit(dsess.name, emit_record, ev.stream.sink);
			if (r < 0)
				cli_error("run: the daemon's records of this session: %s",
					  strerror(-r));
		}
		cordon_audit_stream_drops(&ev.stream, drops);
		rec = cordon_audit_base(&ev.audit, "session-end", NULL, end_ns);
		json_object_set_new(json_object_get(rec, "event"), "duration",
				    json_integer((json_int_t)(end_ns - start_ns)));
		json_object_set_new(rec, "process",
				    json_pack("{s:i,s:i}", "pid", (int)pid, "exit_code", status));
		json_object_set_new(json_object_get(rec, "cordon"), "counts",
				    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "refused_connect",
					      (json_int_t)ev.refused_connect, "refused_file",
					      (json_int_t)ev.refused_file, "refusals",
					      (json_int_t)cordon_audit_stream_refusals(&ev.stream),
					      "exec", (json_int_t)ev.stream.written[CORDON_EV_EXEC],
					      "exit", (json_int_t)ev.stream.written[CORDON_EV_EXIT],
					      "events_lost", (json_int_t)drops, "malformed",
					      (json_int_t)ev.malformed));
		cordon_audit_sink_emit(ev.stream.sink, rec);
		r = cordon_audit_sink_close(ev.stream.sink);
		ev.stream.sink = NULL;
		if (r < 0)
			cli_error("run: audit log '%s': %s", o.audit_log, strerror(-r));
	}
out:
	if (ev.rb)
		ring_buffer__free(ev.rb);
	if (sess.bpf)
		cordon_session_destroy_detached(&sess);
	if (ev.audit_fd >= 0)
		close(ev.audit_fd);
	if (l.landlock_fd >= 0)
		close(l.landlock_fd);
	free(env);
	free(home_env);
	free(user_env);
	free(logname_env);
	cordon_seccomp_free(&prog);
	cordon_masks_free(&masks);
	pol_maps_free(&maps);
	cordon_resolver_free(&res);
	pol_seccomp_free(&sc);
	pol_landlock_free(&ll);
	if (pol)
		policy_free(pol);
	policy_errors_free(&errs);
	json_decref(gaps);
	return status;
}
