// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run [OPTIONS] -- CMD [ARGS...]`: load the policy, plan which layer enforces each rule
 * on this kernel (refusing in strict mode when one cannot be enforced), prepare everything
 * fallible, launch the agent confined, stay its parent, and tear the session down.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/filter.h>

#include "cli.h"
#include "compile/compile.h"
#include "enforce/enforce.h"
#include "probe/probe.h"
#include "run.h"
#include "run_daemon.h"
#include "sys/sys.h"

int run_probe_kernel(struct run *r)
{
	struct cordon_plan_kernel *k = &r->kern;
	uint32_t missing;

	cordon_features_probe_launch(&r->feat);
	cordon_layers(&r->feat, r->layers);
	*k = (struct cordon_plan_kernel){
		.landlock_abi =
			r->layers[CORDON_LAYER_ID_LANDLOCK].active ? r->feat.landlock_abi : 0,
		.seccomp = r->layers[CORDON_LAYER_ID_SECCOMP].active,
		.cgroup_bpf = r->layers[CORDON_LAYER_ID_CGROUP_BPF].active,
		.cgroup_unix = r->feat.cgroup_unix == 0,
		.bpf_lsm = r->layers[CORDON_LAYER_ID_BPF_LSM].active,
		.mount_ns = r->layers[CORDON_LAYER_ID_MOUNT_NS].active,
		/* cgroup v2's, or (root) a v1 hierarchy's on a hybrid host (cgroup_v1.c) */
		.cpu_controller = strstr(r->feat.cgroup2_controllers, "cpu") != NULL ||
				  (r->pol->cpu && geteuid() == 0 && cordon_cgroup_v1_has("cpu")),
		.root = geteuid() == 0,
		.cgroup_bpf_detail = r->layers[CORDON_LAYER_ID_CGROUP_BPF].detail,
	};
	/* In a session the daemon spawns, the daemon made its cgroup and rules. */
	k->daemon = r->dsess.on;
	k->daemon_bpf_lsm = r->dsess.bpf_lsm;
	if (k->daemon)
		k->cpu_controller = r->dsess.limits & CORDON_LIMIT_CPU;
	k->cgroup_unix = k->daemon ? r->dsess.cgroup_unix : k->cgroup_unix;
	/*
	 * The fanotify listener: ours as root with a mount namespace (the marks go on the
	 * session's own mounts) and a session cgroup (the guard kills through it). Created here,
	 * so the plan knows whether name patterns and secret inodes are enforced. In the daemon's
	 * spawn worker its refusals go to the daemon's stream.
	 */
	if (k->root && k->mount_ns && k->cgroup_bpf && (!k->daemon || r->dsess.records_fd >= 0))
		k->fanotify = cordon_fan_create(r->pol, &r->fan) == 0;
	if (run_protect_missing(r) < 0)
		return -ENOMEM;
	k->overlayfs = k->mount_ns && r->pol->fs_cache.n && cordon_probe_overlayfs() == 0;
	/* A per-pid-namespace knob (6.3): the session has its own pid namespace with the view. */
	k->memfd_noexec = k->root && k->mount_ns && access("/proc/sys/vm/memfd_noexec", W_OK) == 0;
	missing = ~cordon_plan_layers(k) & (CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK) |
					    CORDON_LAYER_BIT(CORDON_LAYER_ID_SECCOMP));
	if (missing) {
		int id = missing & CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK)
				 ? CORDON_LAYER_ID_LANDLOCK
				 : CORDON_LAYER_ID_SECCOMP;

		cli_error("run: %s is not available: %s",
			  id == CORDON_LAYER_ID_LANDLOCK ? "Landlock" : "seccomp",
			  r->layers[id].detail);
		fprintf(stderr, "Hint: %s\n", r->layers[id].hint);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * An agent's first run: its write trees under $HOME made and its atomically replaced files set
 * up, as the user, before the Landlock ruleset names them (a missing path grants nothing).
 */
static void prepare_home(struct run *r)
{
	struct cordon_home_user u = run_home_user(r);
	_cleanup_free_ char *failed = NULL;
	int e;

	u.before_fork = cordon_ldns_preload_wait; /* no fork while it may be loading (dns.h) */
	e = cordon_home_prepare(r->pol, &u, &failed);

	if (e < 0)
		fprintf(stderr,
			"cordon: warning: preparing the agent's home%s%s%s: %s (that rule "
			"allows nothing this session)\n",
			failed && *failed ? " at '" : "", failed ?: "",
			failed && *failed ? "'" : "", strerror(-e));
}

/* Which layer enforces what; the masks when the view must hide secrets. */
static int plan(struct run *r)
{
	int e = cordon_plan(r->pol, &r->ll, &r->kern, r->o.allow_degraded, &r->plan);

	if (e == 0 && r->plan.masks) {
		e = cordon_masks_plan(r->pol, r->project, &r->masks);
		if (e < 0)
			cli_error("run: planning masks: %s", strerror(-e));
		else if (r->masks.truncated)
			e = cordon_plan_masks_truncated(&r->plan);
	}
	if (e == 0 && r->pol->protect_search_cut)
		e = cordon_plan_repos_cut(&r->plan);
	if (e == 0 && r->kern.fanotify && r->fan.cache_truncated)
		e = cordon_plan_cache_secrets_truncated(&r->plan);
	return e;
}

/* Every rule is enforced by some layer, or reported; strict mode refuses to run. */
static int report_gaps(const struct run *r)
{
	if (!r->o.json)
		run_print_gaps(&r->plan, r->o.quiet, r->o.verbose);
	if (!r->plan.refuse)
		return 0;
	cli_error("run: %zu rule(s) of policy '%s' cannot be enforced on this kernel; "
		  "refusing to start (strict mode)",
		  r->plan.ngaps, r->pol->name);
	fprintf(stderr, "Hint: `cordon doctor` says how to enable the missing layers; "
			"--allow-degraded runs anyway\n");
	return -EPERM;
}

/* destination.domain of connect records: the name the resolver answered the address for. */
static const char *domain_of(void *arg, const uint8_t addr[16])
{
	return cordon_dns_name_of(arg, addr);
}

/*
 * The session's resolver, in this process (it stays the agent's parent and serves it in its
 * supervisor loop), listening before the agent exists. Root may shorten the grace period
 * (CORDON_DNS_GRACE, seconds) for tests of expiry.
 */
static int start_resolver(struct run *r)
{
	const char *grace = getenv("CORDON_DNS_GRACE");
	struct cordon_dns_opts o = { .hooks = { .refused = run_dns_refused, .ctx = &r->ev } };
	int e;

	if (grace && getuid() == 0)
		o.grace_s = (uint32_t)strtoul(grace, NULL, 10);
	cli_phase("session made");
	cordon_ldns_preload_wait(); /* its result is cordon_ldns_load()'s, below */
	cli_phase("resolver's library loaded");
	e = cordon_session_dns_open(&r->sess, &r->maps, &o, &r->dns);
	if (e < 0) {
		cli_error("run: the session's resolver: %s", strerror(-e));
		return e;
	}
	r->ev.stream.fmt.domain_of = domain_of;
	r->ev.stream.fmt.domain_arg = r->dns;
	return 0;
}

/* The session's cgroup and BPF rules: the daemon's, ours (root), or only a name. */
static int create_session(struct run *r)
{
	const char *failed_path = NULL;
	bool lsm = r->plan.layers & POL_NEEDS_BPF_LSM;
	unsigned int limits;
	_cleanup_free_ char *root = NULL;
	char mnt[4096];
	int e;

	if (r->dsess.on) {
		snprintf(r->sess.name, sizeof(r->sess.name), "%s", r->dsess.name);
		snprintf(r->sess.cgroup, sizeof(r->sess.cgroup), "%s", r->dsess.cgroup);
		r->sess.cgroup_id = r->dsess.cgroup_id;
		r->sess.id = r->dsess.id;
		cordon_plan_limits(&r->plan, r->pol, r->dsess.limits);
		r->l.cgroup_procs_fd = r->dsess.procs_fd;
		r->l.nv1_procs = r->dsess.nv1_procs;
		r->l.v1_procs_fd = r->dsess.v1_procs_fd;
		/*
		 * Born in it (clone3 CLONE_INTO_CGROUP), never moved: a write to cgroup.procs
		 * takes cgroup_threadgroup_rwsem for writing, an RCU grace period (tens of ms
		 * on a busy machine) on every launch through the daemon.
		 */
		r->cgroup_fd = open(r->sess.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return 0;
	}
	if (!(r->plan.layers & POL_NEEDS_CGROUP_BPF)) {
		if (r->o.observe) {
			/* Nothing would be observed: every network rule is Landlock's or a gap. */
			cli_error("run: --observe needs the cgroup BPF programs (run as root or "
				  "through the daemon)");
			return -EOPNOTSUPP;
		}
		r->plan.memory_watch = 0; /* no cgroup to count in: listed as a gap */
		snprintf(r->sess.name, sizeof(r->sess.name), "%016llx%016llx",
			 (unsigned long long)r->start_ns, (unsigned long long)getpid());
		return 0;
	}
	/*
	 * Landlock was given no filesystem right and the view will not be sealed (run_compile):
	 * without the file hooks to judge the allow-lists nothing would, unrecorded. Never so.
	 */
	if (r->observe_files && !lsm) {
		cli_error("run: --observe: the file allow-lists were left to BPF LSM, which this "
			  "session does not have; refused");
		return -EOPNOTSUPP;
	}
	e = cordon_cgroup2_mount(mnt, sizeof(mnt));
	if (e == 0) {
		root = cordon_path_join(mnt, CORDON_CGROUP_ROOT_NAME);
		e = root ? run_bpf_session(
				   r, root, lsm,
				   cordon_session_flags(&r->maps, lsm) |
					   (r->o.observe ? CORDON_SESSION_OBSERVE : 0) |
					   (r->observe_files ? CORDON_SESSION_FILE_ALLOW : 0))
			 : -ENOMEM;
	}
	if (e == 0)
		e = cordon_session_fill(&r->sess, &r->maps, lsm, &failed_path);
	if (e < 0) {
		cli_error("run: session: %s%s%s", strerror(-e), failed_path ? " at " : "",
			  failed_path ?: "");
		return e;
	}
	limits = cordon_session_limits(&r->sess, r->pol->pids, r->pol->memory, r->pol->cpu);
	/* The plan promised limits.cpu (no gap listed for it): never run without it. */
	if (r->pol->cpu && r->kern.cpu_controller && !(limits & CORDON_LIMIT_CPU)) {
		cli_error("run: limits.cpu: the session's cpu controller refused the limit");
		return -EIO;
	}
	cordon_plan_limits(&r->plan, r->pol, limits);
	r->ev.bpf = r->sess.bpf;
	r->ev.session_id = r->sess.id;
	r->ev.own_ring = r->ring.fd >= 0;
	/* Its reader is opened while the child sets up (run_launch.c: open_ring_reader). */
	r->ring_reader = true;
	r->l.cgroup_procs_fd = r->sess.procs_fd;
	r->l.nv1_procs = r->sess.nv1;
	r->l.v1_procs_fd = r->sess.v1_procs;
	r->cgroup_fd = open(r->sess.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return start_resolver(r);
}

/* The session record both audit records and the start report describe. */
static void describe_session(struct run *r)
{
	uint32_t layers = r->plan.layers & ~POL_NEEDS_MOUNT_NS;

	/* Without memory for the names, records still carry the rule ids. */
	if (cordon_audit_rules_build(r->pol, &r->ev.rules) < 0)
		memset(&r->ev.rules, 0, sizeof(r->ev.rules));
	r->ev.audit = (struct cordon_audit_ctx){ .session = r->sess.name,
						 .policy = r->pol->name,
						 .host = r->hostname,
						 .rules = &r->ev.rules };
	if (cordon_policy_sha256(r->pol, r->ev.policy_sha256) == 0)
		r->ev.audit.policy_sha256 = r->ev.policy_sha256;
	r->ev.stream.ctx = r->ev.audit;
	/* mount_ns reports masks in use, not the namespace being available. */
	if (r->masks.n)
		layers |= POL_NEEDS_MOUNT_NS;
	r->as = (struct cordon_audit_session){
		.ctx = &r->ev.audit,
		.start_ns = r->start_ns,
		.project = r->project,
		.layers = layers,
		.layers_reported = CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK) |
				   CORDON_LAYER_BIT(CORDON_LAYER_ID_SECCOMP) |
				   POL_NEEDS_CGROUP_BPF | POL_NEEDS_BPF_LSM | POL_NEEDS_MOUNT_NS,
		.landlock_abi = r->ll.abi,
		.plan = &r->plan,
		.observe = r->o.observe,
		.observe_files = r->observe_files,
		.log_untrusted = r->o.audit_log ? r->ev.log_untrusted : NULL,
		.pid = getpid(),
		.args = r->o.cmd,
		.has_user = true,
		.uid = r->o.user ? r->tu.uid : getuid(),
		.user = r->o.user ? r->tu.name : "",
		.policy = r->pol,
	};
}

/* The summary on stderr and the session-end record. */
static void end_session(struct run *r, int status)
{
	struct run_events *ev = &r->ev;
	struct cordon_ring_use u;
	int e;

	/* This session's own lost records (ring_use), not other sessions' meanwhile. */
	if (r->sess.bpf && cordon_bpf_ring_use(r->sess.bpf, r->sess.id, &u) == 0) {
		ev->drops = u.lost;
		r->as.has_lost = true;
		r->as.lost = u.lost;
		r->as.lost_over_share = u.over_share;
	}
	/* The resolver's own count: its records are rate-limited, its counters are not. */
	if (r->dns) {
		struct cordon_dns_stats st;

		cordon_dns_get_stats(r->dns, &st);
		ev->refused_dns = st.refused + st.servfail;
		if (st.dropped_agent || st.dropped_upstream)
			fprintf(stderr,
				"cordon: resolver dropped %llu malformed packet(s) from the "
				"session, %llu from upstream\n",
				(unsigned long long)st.dropped_agent,
				(unsigned long long)st.dropped_upstream);
	}
	/* With the daemon, the kernel's records of this session are in the daemon's stream. */
	if (r->dsess.on) {
		run_fetch_daemon_records(ev, r->dsess.name);
		cli_phase("daemon's records fetched");
	}
	run_report_print(&ev->report, r->sess.name, r->o.quiet, r->o.json);
	cli_phase("report printed");
	if (ev->refused_dns)
		fprintf(stderr, "cordon: refused %lu DNS lookup(s)\n", ev->refused_dns);
	if (ev->drops)
		fprintf(stderr,
			"cordon: audit records lost: %llu of this session's (the ring buffer was "
			"full or the session over its share of it; counted in the audit log)\n",
			(unsigned long long)ev->drops);
	/* Through the daemon, counted from its records of this session (fetched above). */
	if (r->o.observe)
		fprintf(stderr,
			"cordon: observe mode let through %lu operation(s) the policy would "
			"refuse (cordon.observed records; `cordon policy suggest` makes them "
			"a policy)\n",
			ev->observed);
	r->as.has_exit = true;
	r->as.exit_code = status;
	r->as.memory_kills = run_memory_kills(r);
	e = run_audit_end(ev, &r->as);
	if (e < 0)
		cli_error("run: audit log '%s': %s", r->o.audit_log, strerror(-e));
}

void run_free(struct run *r)
{
	/* Not let go off the path (a return before the end): here, before the slot's lock goes. */
	if (r->mntns_fd >= 0)
		close(r->mntns_fd);
	r->mntns_fd = -1;
	if (r->ev.rb)
		ring_buffer__free(r->ev.rb);
	run_bpf_free(r);
	/* After the session's cleanup: a record left by a crash there is swept by the next run. */
	run_registry_remove(r);
	cordon_audit_stream_release(&r->ev.stream);
	if (r->ev.stream.sink)
		cordon_audit_sink_close(r->ev.stream.sink);
	cordon_audit_rules_free(&r->ev.rules);
	run_report_free(&r->ev.report);
	if (r->ev.audit_fd >= 0)
		close(r->ev.audit_fd);
	if (r->l.landlock_fd >= 0)
		close(r->l.landlock_fd);
	if (r->cgroup_fd >= 0)
		close(r->cgroup_fd);
	if (r->launched.pty_master >= 0)
		close(r->launched.pty_master);
	if (r->launched.stop_fd >= 0)
		close(r->launched.stop_fd);
	cordon_dns_close(r->dns);
	cordon_view_free(&r->view);
	/* The guard ends with us (the session is gone already). */
	cordon_protect_watch_free(&r->pw);
	cordon_gitwrite_free(&r->gw);
	free(r->git_config0);
	free(r->pkeep);
	free(r->pnew_own);
	if (r->kern.fanotify)
		cordon_fan_free(&r->fan);
	free(r->env);
	free(r->home_env);
	free(r->user_env);
	free(r->logname_env);
	free(r->shell_env);
	free(r->path_env);
	free(r->env_dropped.v);
	cordon_seccomp_free(&r->prog);
	cordon_masks_free(&r->masks);
	cordon_attrib_free(&r->ev.actx);
	cordon_plan_free(&r->plan);
	pol_maps_free(&r->maps);
	pol_seccomp_free(&r->sc);
	pol_landlock_free(&r->ll);
	if (r->pol)
		policy_free(r->pol);
	policy_errors_free(&r->errs);
	free(r->tu.home);
	free(r->tu.shell);
	free(r->xdg_config);
	free(r->xdg_cache);
	free(r->user_dir);
	free(r->hosts_path);
	free(r->project);
	free(r->cwd);
	free(r->config_policy);
	for (size_t i = 0; i < r->o.nallow; i++)
		free(r->o.allow[i]);
	cordon_memwatch_close(&r->mw);
}

void run_init(struct run *r)
{
	*r = (struct run){ .o.policy = POLICY_DEFAULT,
			   .sess.procs_fd = -1,
			   .ring = { .fd = -1, .lock = -1 },
			   .cgroup_fd = -1,
			   .mntns_fd = -1,
			   .sweep_pid = -1,
			   .dsess.procs_fd = -1,
			   .dsess.records_fd = -1,
			   .l = { .cgroup_procs_fd = -1, .landlock_fd = -1 },
			   .launched = { .pid = -1,
					 .pty_master = -1,
					 .stop_fd = -1,
					 .root_fd = -1,
					 .notify_fd = -1 },
			   .ev.audit_fd = -1,
			   .pw.fd = -1,
			   .gw.fd = -1,
			   .mw.fd = -1 };
}

int run_session(struct run *r)
{
	int status = EXIT_FAIL, e;

	gethostname(r->hostname, sizeof(r->hostname) - 1);
	r->ev.run = r;
	r->start_ns = cordon_realtime_ns();
	if (run_check_stdio() < 0)
		return status;
	/*
	 * Root's own session starts its resolver (create_session): its library, ~1 ms of loading,
	 * loads meanwhile on the other CPU, from the policy's parse on (run_load_policy). The load
	 * is the same and its failure still fails the session at the resolver's start
	 * (start_resolver waits for it). No fork until it is waited for (the dynamic loader's
	 * lock, dns.h): git's child and the home's wait first (before_fork); probing, compiling
	 * and making the session fork nothing as root; the launch's forks come after the wait
	 * below "session created".
	 */
	r->preload_dns = !r->dsess.on && !r->o.dry_run && geteuid() == 0;
	/* A one-off allow that is malformed, or that the floor or a deny list refuses, is a
	 * usage error: the command line is wrong, not the policy. */
	e = run_load_policy(r);
	for (size_t i = 0; e < 0 && i < r->errs.n; i++)
		if (r->errs.v[i].file && !strncmp(r->errs.v[i].file, "--allow-", 8))
			return EXIT_USAGE;
	if (e < 0)
		return status;
	cli_phase("policy loaded");
	/* A daemon's worker has the policy the daemon resolved and completed (daemon_spawn.c). */
	if (!r->dsess.on && !r->o.dry_run) {
		run_git_repos(r->pol, r->project, r->o.user ? &r->tu : NULL, r->xdg_config);
		cli_phase("repositories found");
	} else if (r->dsess.on) {
		run_git_repos_warn(r->pol); /* the daemon's walk: said to the caller here */
	}
	r->ev.report.pol = r->pol; /* the exit report tells getaddrinfo's probes from uses */
	/* A dry run changes nothing, the user's home included. */
	if (!r->o.dry_run)
		prepare_home(r);
	cli_phase("home prepared");
	if (run_probe_kernel(r) < 0)
		return status;
	cli_phase("kernel probed");
	if (run_compile(r) < 0 || plan(r) < 0)
		return status;
	cli_phase("compiled and planned");
	if (r->o.dry_run) {
		if (!r->o.json)
			run_print_gaps(&r->plan, false, true);
		run_print_plan(r);
		return r->plan.refuse ? EXIT_FAIL : EXIT_OK;
	}
	e = report_gaps(r) < 0 ? -EPERM : create_session(r);
	cordon_ldns_preload_wait(); /* before the forks below (a session without a resolver) */
	if (e < 0)
		return status;
	cli_phase("session created");
	/* Listed from the start: a launcher killed from here on leaves a record to sweep. */
	if (run_registry_add(r) < 0)
		fprintf(stderr, "cordon: this session is not listed by `cordon ps`: %s\n",
			strerror(errno));
	if (run_prepare_launch(r) < 0 || run_check_detach(r) < 0 || run_attrib_prepare(r) < 0)
		return status;
	cli_phase("launch prepared");
	describe_session(r);
	run_report_start(r);
	if (run_audit_start(&r->o, &r->ev, &r->as) < 0)
		return status;
	run_git_note(r);
	cli_phase("audit started");
	if (run_launch(r) < 0)
		return status;
	cli_phase("launched");
	run_attrib_root(r);
	status = run_wait_agent(r);
	cli_phase("session ended");
	/* Every process of the session is gone: nothing can plant anew behind the sweep (a
	 * detached session's leftovers can: swept again once they are gone too). */
	run_git_sweep(r);
	cli_phase("swept");
	r->as.detached = r->detached;
	end_session(r, status);
	r->ended = !r->detached;
	cli_phase("end recorded");
	if (r->ended && r->on_end)
		r->on_end(r, status);
	if (r->detached) {
		run_wait_leftovers(r, status);
		run_git_sweep(r);
	}
	/* Root's own session: its end goes off the caller's path whole (run_end.c, no return). */
	run_end_off_path(r, status);
	run_release_view(r);
	cli_phase("view released");
	return status;
}

/*
 * Root's agent running as root is a choice made on purpose, never the default: root without
 * --user is refused before anything is set up (no session, no record, nothing run). Under sudo
 * the user meant is most likely the one who typed it.
 */
static int check_root_user(const struct run_opts *o)
{
	const char *sudo = getenv("SUDO_USER");

	if (geteuid() != 0 || o->user)
		return 0;
	cli_error("run: as root, name the user the agent runs as: --user NAME (--user root "
		  "confines an agent running as root, on purpose)");
	if (sudo && *sudo && strcmp(sudo, "root"))
		fprintf(stderr, "Hint: you ran this through sudo; did you mean --user %s?\n", sudo);
	return -EINVAL;
}

int cmd_run(int argc, char **argv)
{
	struct run r;
	int e, status, dfd;

	run_init(&r);
	/* The user's defaults first: the command line overrides them. */
	e = run_load_config(&r);
	if (e == 0)
		e = run_parse_opts(argc, argv, &r.o);
	if (e == 0)
		e = check_root_user(&r.o);
	if (e || (r.o.user && geteuid() != 0)) {
		if (r.o.user && geteuid() != 0 && !e)
			cli_error("run: --user needs root");
		free(r.config_policy);
		return e > 0 ? EXIT_OK : EXIT_USAGE;
	}
	/*
	 * An ordinary user with the daemon running: the daemon spawns the agent (its session,
	 * view, terminal and confinement made by root, as for root's --user) and this process
	 * only relays signals and returns the status.
	 */
	cli_phase("options read");
	dfd = geteuid() == 0 || r.o.dry_run ? -ENOENT : run_daemon_connect();
	cli_phase("client: connected");
	if (dfd >= 0) {
		status = run_daemon_spawn(dfd, &r.o);
		close(dfd);
		free(r.config_policy);
		return status;
	}
	/* A daemon that is installed but not running is worth a line: the run is weaker. */
	if (dfd == -ECONNREFUSED)
		fprintf(stderr, "cordon: the daemon's socket is there but nothing answers on it "
				"(is the cordon service running?); running without the daemon\n");
	status = run_session(&r);
	/* A return before the session was made: the preload is waited for before any fork. */
	cordon_ldns_preload_wait();
	run_free(&r);
	cli_phase("cleaned up");
	return status;
}
