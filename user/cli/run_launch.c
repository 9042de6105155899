// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run`'s launch stage: what may cross into the session on stdio, everything fallible
 * prepared before fork (Landlock, seccomp, environment, the session's view, the terminal), the
 * launch itself and the wait, relaying the agent's terminal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "run.h"
#include "sys/sys.h"

extern char **environ;

/* Sockets made outside the session never pass its hooks: refused on stdio at once. */
int run_check_stdio(void)
{
	static const char *const names[] = { "standard input", "standard output",
					     "standard error" };

	for (int fd = 0; fd <= 2; fd++) {
		int e = cordon_stdio_check(fd);

		if (e < 0) {
			cli_error("run: %s is %s", names[fd], cordon_stdio_reason(e));
			fprintf(stderr, "Hint: connect it through a pipe (cmd | cordon run ...)\n");
			return e;
		}
	}
	return 0;
}

struct cordon_home_user run_home_user(const struct run *r)
{
	return (struct cordon_home_user){
		.home = r->o.user ? r->tu.home : getenv("HOME"),
		.uid = r->o.user ? r->tu.uid : getuid(),
		.gid = r->o.user ? r->tu.gid : getgid(),
		.groups = r->tu.groups,
		.ngroups = r->o.user ? (size_t)r->tu.ngroups : 0,
		.drop = r->o.user && geteuid() == 0,
	};
}

/*
 * The project's layers over its cache trees (filesystem.cache), opened as the user whose home
 * holds the store: the agent's writes there never reach the host's tree (enforce/layers.c).
 */
static int run_open_layers(struct run *r)
{
	struct cordon_home_user u = run_home_user(r);
	const char *conflict;
	int e;

	/* No overlays here: the plan lists filesystem.cache as not enforced, never silently. */
	if (!r->kern.overlayfs)
		return 0;
	e = cordon_view_plan_layers(&r->view, &r->ll, &r->pol->fs_cache, r->project, &conflict);

	if (e == -EXDEV) {
		cli_error("run: filesystem.cache: '%s' holds the project '%s': the project's "
			  "writes must reach it",
			  conflict, r->project);
		fprintf(stderr, "Hint: run from a project outside it, or remove the entry from "
				"the policy's filesystem.cache\n");
		return e;
	}
	if (e == 0)
		e = cordon_layers_open(&r->view, &u, r->project);
	if (e == -EBUSY)
		cli_error("run: filesystem.cache: every layer slot of project '%s' is taken by a "
			  "running session",
			  r->project);
	else if (e == -EADDRINUSE)
		cli_error("run: filesystem.cache: a layer directory of project '%s' in %s/.local/"
			  "state/cordon/layers is held by another session or process (moved there "
			  "from another slot?): it is never mounted twice",
			  r->project, u.home ?: "$HOME");
	else if (e < 0)
		cli_error("run: filesystem.cache: the project's layer store in %s/.local/state/"
			  "cordon/layers: %s",
			  u.home ?: "$HOME", strerror(-e));
	return e;
}

/*
 * The roots of the session's view as allow_trees entries (an observing session's file hooks
 * judge the allow-lists): its private /tmp, /var/tmp, /dev/shm and terminals are new inodes no
 * host path names. Each gets what Landlock grants it there (enforce/view.c view_access: read
 * and write on the scratch mounts and terminals, and the policy's entry for that very path),
 * and each layered write tree (an overlay: other inodes than the host's) its tree's rights.
 */
static int view_root_allows(void *ctx, int root_fd)
{
	struct run *r = ctx;
	const struct cordon_view *v = &r->view;
	/* Through the daemon: its session, in its programs (this worker is the daemon's fork). */
	struct cordon_session_ctx *s = r->dsess.on ? r->dsess.ctx : &r->sess;
	int e = 0;

	if (!s)
		return -ENOENT;
	for (size_t i = 0; !e && i < v->nmounts; i++) {
		const struct cordon_view_mount *m = &v->mounts[i];
		uint32_t a = pol_maps_allow_exact(&r->maps, m->path);

		if (m->kind == CORDON_VIEW_TMPFS || m->kind == CORDON_VIEW_DEVPTS)
			a |= CORDON_ACCESS_READ | CORDON_ACCESS_WRITE;
		e = cordon_session_allow_at(s, root_fd, m->path + 1, a);
	}
	for (size_t i = 0; !e && i < v->nlayer_rules; i++)
		e = cordon_session_allow_at(s, root_fd, v->layer_rules[i].path + 1,
					    pol_maps_allow_exact(&r->maps, v->layer_rules[i].path));
	if (e < 0)
		cli_error("run: the allowed trees of the session's view: %s", strerror(-e));
	return e;
}

/*
 * The reader of the session's records, opened in cordon while the child builds the view: the
 * programs write into the kernel's ring whether a reader has it mapped or not (nothing is lost
 * meanwhile: the supervisor reads from where the ring's consumer position stands), and the ring
 * is read only once the agent runs (run_wait_agent). Mapping it (4 MiB mapped twice, every
 * page table entry filled at the mmap) took ~0.5 ms on the launch path, and with it mapped every
 * fork of the launch (the session's init, the agent) copied those entries and the agent's exec
 * tore them down again: the session's processes now never have the ring mapped at all.
 * A reader that cannot be opened leaves ev.rb NULL, as it did before (the supervisor has no
 * ring to watch).
 */
static void open_ring_reader(void *ctx)
{
	struct run *r = ctx;

	r->ev.rb = r->ev.own_ring ? ring_buffer__new(r->ring.fd, run_on_event, &r->ev, NULL)
				  : cordon_bpf_events(r->sess.bpf, run_on_event, &r->ev);
}

/* Everything fallible happens here, before fork. */
int run_prepare_launch(struct run *r)
{
	struct cordon_launch *l = &r->l;
	/* Observing files with BPF LSM on a kernel without Landlock scopes (before 6.12): the
	 * ruleset would handle nothing at all, which Landlock refuses; there is none to apply. */
	bool handled =
		r->ll.attr.handled_access_fs || r->ll.attr.handled_access_net || r->ll.attr.scoped;
	int e;

	l->landlock_fd = handled ? cordon_landlock_build(&r->ll) : -1;
	if (handled && l->landlock_fd < 0) {
		cli_error("run: Landlock ruleset: %s", strerror(-l->landlock_fd));
		return l->landlock_fd;
	}
	/* No pid namespace (see below): other processes are named by pid only to be refused. */
	e = r->kern.mount_ns ? 0 : policy_compile_seccomp_no_pidns(&r->sc);
	if (e == 0)
		e = run_gitwrite_prepare(r);
	if (e == 0)
		e = cordon_seccomp_build(&r->sc, &r->prog);
	if (e < 0) {
		cli_error("run: seccomp filter: %s", strerror(-e));
		return e;
	}
	e = run_build_env(r);
	if (e < 0)
		return e;
	for (size_t i = 0; i < r->plan.nrlimits; i++)
		r->rl[i] = (struct cordon_rlimit){ r->plan.rlimits[i].resource,
						   { r->plan.rlimits[i].value,
						     r->plan.rlimits[i].value } };
	*l = (struct cordon_launch){ .argv = r->o.cmd,
				     .envp = r->env,
				     .cwd = r->cwd ?: r->project,
				     .drop_privileges = r->o.user != NULL,
				     .uid = r->tu.uid,
				     .gid = r->tu.gid,
				     .groups = r->tu.groups,
				     .ngroups = r->o.user ? (size_t)r->tu.ngroups : 0,
				     .userns = (r->masks.n || r->kern.mount_ns) && !r->kern.root,
				     .masks = r->masks.v,
				     .nmasks = r->masks.n,
				     .rlimits = r->rl,
				     .nrlimits = r->plan.nrlimits,
				     .landlock_fd = l->landlock_fd,
				     .fan_fd = r->kern.fanotify ? r->fan.fd : -1,
				     .fan_serve = cordon_fan_serve,
				     .fan_ctx = &r->fan,
				     .cgroup_procs_fd = l->cgroup_procs_fd,
				     .nv1_procs = l->nv1_procs,
				     .v1_procs_fd = l->v1_procs_fd,
				     .clone_into_cgroup = r->cgroup_fd >= 0,
				     .cgroup_fd = r->cgroup_fd,
				     .seccomp = &r->prog,
				     .seccomp_listener = r->gw.n > 0,
				     /* root's own run: its exit ends the session (the daemon's
				      * spawn worker is the daemon's to end) */
				     .die_with_parent = !r->dsess.on,
				     .detach = r->pol->lifetime == POL_LIFETIME_DETACHED,
				     .observe_files = r->observe_files,
				     .while_child_sets_up =
					     r->ring_reader ? open_ring_reader : NULL,
				     .while_child_ctx = r };
	/* The session's own view wherever a mount namespace can be had (root, or a user one). */
	if (r->kern.mount_ns) {
		e = cordon_view_plan(&r->ll, r->project, true, &r->view);
		if (e < 0) {
			cli_error("run: planning the session's view: %s", strerror(-e));
			return e;
		}
		l->view = &r->view;
		if (r->observe_files) {
			l->on_view_root = view_root_allows;
			l->view_root_ctx = r;
		}
		e = run_open_layers(r);
		if (e < 0)
			return e;
		/* Its own pid namespace too: outside processes are out of its sight and reach. */
		l->pidns = true;
		/* BPF LSM refuses exec of a memfd itself, and its record names the file. */
		l->memfd_noexec = r->kern.memfd_noexec &&
				  !(r->plan.layers & CORDON_LAYER_BIT(CORDON_LAYER_ID_BPF_LSM));
	}
	/*
	 * A terminal of its own whenever any of stdin, stdout and stderr is the developer's
	 * terminal; it stands in for those, and a pipe or a file stays what it is. Never the
	 * terminal itself: the agent runs in a session of its own (setsid), out of the terminal's
	 * job control, so a descriptor of it (even stdout, opened read-write) would read what
	 * the developer types into the shell meanwhile (`echo task | cordon run agent &`).
	 */
	for (int fd = 0; fd <= 2; fd++)
		if (isatty(fd))
			l->pty_fds |= 1u << fd;
	for (int fd = 0; fd <= 2 && l->pty_fds && !l->pty; fd++)
		if ((l->pty_fds & (1u << fd)) && tcgetattr(fd, &r->tio) == 0) {
			l->pty = true;
			l->pty_termios = &r->tio;
			if (ioctl(fd, TIOCGWINSZ, &r->ws) == 0)
				l->pty_winsize = &r->ws;
		}
	return run_open_audit_log(r);
}

static void on_fan_refusal(void *ctx, const void *ev, size_t size)
{
	run_on_event(ctx, (void *)ev, size);
}

/*
 * In the daemon's spawn worker: to the daemon, whose stream is the session's authoritative log
 * (and whose copy the caller's own log receives at the end). A record that cannot be delivered
 * is counted: the refusal itself stands.
 */
static void send_fan_refusal(void *ctx, const void *ev, size_t size)
{
	struct run *r = ctx;

	if (send(r->dsess.records_fd, ev, size, MSG_NOSIGNAL) != (ssize_t)size)
		r->fan.errors++;
}

/* The listener's guard, before there is an agent to protect: fail closed from the start. */
static int start_fanotify(struct run *r)
{
	int e;

	r->fan.on_refuse = r->dsess.on ? send_fan_refusal : on_fan_refusal;
	r->fan.ctx = r->dsess.on ? (void *)r : (void *)&r->ev;
	r->fan.session_id = r->sess.id;
	r->fan.cgroup_id = r->sess.cgroup_id;
	r->fan.uid = r->o.user ? r->tu.uid : getuid();
	/* The same instant the sweep at the end counts from (run_git_note). */
	r->fan.since = r->git_since;
	/* The devices under the session's layers: a secret's other name seen through one. */
	for (size_t i = 0; i < r->view.nrw && r->fan.nlayer_devs < CORDON_FAN_MAX_LAYER_DEVS; i++) {
		struct stat st;

		if (r->view.rw_layered[i] && stat(r->view.rw[i], &st) == 0)
			r->fan.layer_devs[r->fan.nlayer_devs++] = st.st_dev;
	}
	e = cordon_fan_guard(&r->fan, r->sess.cgroup);
	if (e < 0)
		cli_error("run: fanotify guard: %s", strerror(-e));
	return e;
}

/* Fork and exec the agent confined: 0, or -errno with the failed step printed. */
int run_launch(struct run *r)
{
	struct cordon_launch_failure fail;
	int e = r->kern.fanotify ? start_fanotify(r) : 0;

	if (e == 0 && r->plan.memory_watch && r->sess.cgroup[0]) {
		e = cordon_memwatch_open(&r->mw, r->sess.cgroup, r->plan.memory_watch);
		if (e < 0)
			cli_error("run: limits.memory: %s", strerror(-e));
	}
	if (e < 0)
		return e;
	e = cordon_launch(&r->l, &r->launched, &fail);

	if (e < 0) {
		cli_error("run: %s failed: %s", cordon_launch_step_name(fail.step),
			  strerror(fail.err));
		if (fail.step == CORDON_STEP_MASK && (size_t)fail.index < r->masks.n)
			fprintf(stderr, "cordon: while masking '%s'\n",
				r->masks.v[fail.index].path);
		if (fail.step == CORDON_STEP_VIEW && (size_t)fail.index < r->view.nmounts)
			fprintf(stderr, "cordon: while mounting '%s'\n",
				r->view.mounts[fail.index].path);
		else if (fail.step == CORDON_STEP_VIEW &&
			 (size_t)fail.index < r->view.nmounts + r->view.nkeep)
			fprintf(stderr, "cordon: while bringing '%s' into the view\n",
				r->view.keep[fail.index - r->view.nmounts]);
		if (fail.step == CORDON_STEP_READONLY && fail.index >= 0 &&
		    (size_t)fail.index < r->view.nrw)
			fprintf(stderr, "cordon: while making '%s' writable\n",
				r->view.rw[fail.index]);
		if (fail.step == CORDON_STEP_LAYER && fail.index >= 0 &&
		    (size_t)fail.index < r->view.nrw)
			fprintf(stderr,
				"cordon: while mounting the project's layer on '%s' (Hint: the "
				"policy's filesystem.cache lists it)\n",
				r->view.rw[fail.index]);
		return e;
	}
	r->as.pid = r->launched.pid;
	run_hold_view(r);
	run_gitwrite_start(r);
	/* The agent runs at its starter's priority; its records go ahead of it (enforce.h). */
	if (geteuid() == 0 && setpriority(PRIO_PROCESS, 0, CORDON_SUPERVISOR_NICE) < 0)
		cli_error("run: warning: cannot raise the supervisor's priority: %s",
			  strerror(errno));
	return 0;
}

static void serve_dns(void *ctx)
{
	cordon_dns_serve(ctx);
}

uint64_t run_memory_kills(const struct run *r)
{
	/* Through the daemon the groups are the daemon's session's (this worker is its fork). */
	if (r->dsess.on)
		return r->dsess.ctx ? cordon_cgroup_v1_oom_kills(r->dsess.ctx) : 0;
	return cordon_cgroup_v1_oom_kills(&r->sess);
}

/* Stay the agent's parent, writing the session's records, until it exits: its status. */
int run_wait_agent(struct run *r)
{
	struct cordon_supervise s = {
		.pid = r->launched.pid,
		.pty_master = r->launched.pty_master,
		.pty_fds = r->l.pty_fds,
		.stop_fd = r->launched.stop_fd,
		.watch[0] = { r->ev.rb ? ring_buffer__epoll_fd(r->ev.rb) : -1, run_drain, &r->ev,
			      &r->ev.pace.hold_until_ns },
		.watch[1] = { r->kern.fanotify ? r->fan.fd : -1, cordon_fan_serve, &r->fan },
		.watch[2] = r->watch,
		.watch[3] = { r->dns ? cordon_dns_fd(r->dns) : -1, serve_dns, r->dns },
		.watch[4] = { r->mw.fd, cordon_memwatch_check, &r->mw },
		.watch[5] = { r->pw.fd, cordon_protect_watch_serve, &r->pw },
		.watch[6] = { r->gw.fd, cordon_gitwrite_serve, &r->gw },
		.suspend = r->suspend,
		.detached = &r->detached,
	};
	int status = cordon_supervise(&s);

	if (status < 0) {
		cli_error("run: supervising: %s", strerror(-status));
		status = EXIT_FAIL;
	}
	if (run_memory_kills(r))
		fprintf(stderr,
			"cordon: the session reached limits.memory (%llu MiB): the kernel killed "
			"%llu of its processes\n",
			(unsigned long long)(r->pol->memory >> 20),
			(unsigned long long)run_memory_kills(r));
	else if (r->mw.fired)
		fprintf(stderr,
			"cordon: the session used more than limits.memory (%llu MiB resident, "
			"limit %llu MiB): every process of it was killed\n",
			(unsigned long long)(r->mw.peak >> 20),
			(unsigned long long)(r->mw.limit >> 20));
	return status;
}

/*
 * Only the daemon can keep a detached session: it owns the session's cgroup, maps and resolver
 * and outlives any client. Root's own `cordon run` holds them in this process, and an unprivileged
 * run's session is its pid namespace: both end with the agent, so a policy asking for more is
 * refused at the start rather than silently cut short. A terminal of the developer's that is not
 * relayed through a pty of the session's would be kept by what the agent leaves: refused too.
 */
int run_check_detach(struct run *r)
{
	if (r->pol->lifetime != POL_LIFETIME_DETACHED)
		return 0;
	if (!r->dsess.on) {
		cli_error("run: policy '%s' asks for a detached session (process.lifetime: "
			  "detached), which only the daemon keeps; %s",
			  r->pol->name,
			  geteuid() == 0 ? "root's own `cordon run` ends its session with the agent"
					 : "without the daemon the session ends with the agent");
		fprintf(stderr, "Hint: run it as an ordinary user with the daemon running "
				"(`systemctl start cordon`), or use a policy without "
				"process.lifetime: detached\n");
		return -EOPNOTSUPP;
	}
	if (!r->l.pidns) {
		cli_error("run: a detached session needs the session's own pid namespace");
		return -EOPNOTSUPP;
	}
	for (int fd = 0; fd <= 2 && !r->l.pty; fd++)
		if (isatty(fd)) {
			cli_error("run: a detached session's processes would keep your terminal "
				  "(standard %s is one, but not both standard input and output)",
				  fd == 0   ? "input"
				  : fd == 1 ? "output"
					    : "error");
			fprintf(stderr, "Hint: run it on a terminal, or with none (< /dev/null, "
					"> file)\n");
			return -EOPNOTSUPP;
		}
	return 0;
}

/* Processes in the session cgroup besides its init. */
static unsigned int leftovers(const struct run *r)
{
	_cleanup_free_ char *path = cordon_path_join(r->sess.cgroup, "cgroup.procs");
	_cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
	unsigned int n = 0;
	char line[32];

	while (f && fgets(line, sizeof(line), f))
		n++;
	return n ? n - 1 : 0;
}

/*
 * The agent exited and left processes in a detached session: the caller is let go (its status,
 * the one line saying so), the agent's terminal hung up (a leftover reads EOF, never the
 * developer's later keys), and this process stays as the session's listener and memory watch
 * until the session's init exits — the last leftover gone, or `cordon end` killed them.
 */
void run_wait_leftovers(struct run *r, int status)
{
	struct cordon_supervise s = {
		.pid = r->launched.pid,
		.pty_master = -1,
		.stop_fd = -1,
		.watch[0] = { r->ev.rb ? ring_buffer__epoll_fd(r->ev.rb) : -1, run_drain, &r->ev,
			      &r->ev.pace.hold_until_ns },
		.watch[1] = { r->kern.fanotify ? r->fan.fd : -1, cordon_fan_serve, &r->fan },
		.watch[3] = { r->dns ? cordon_dns_fd(r->dns) : -1, serve_dns, r->dns },
		.watch[4] = { r->mw.fd, cordon_memwatch_check, &r->mw },
		.watch[5] = { r->pw.fd, cordon_protect_watch_serve, &r->pw },
		.watch[6] = { r->gw.fd, cordon_gitwrite_serve, &r->gw },
	};
	unsigned int left = leftovers(r);

	fprintf(stderr,
		"cordon: session %.12s is detached: %u process(es) left running, confined; "
		"`cordon ps` lists it, `cordon end %.12s` ends it\n",
		r->sess.name, left, r->sess.name);
	fflush(stderr);
	if (r->launched.pty_master >= 0)
		close(r->launched.pty_master);
	r->launched.pty_master = -1;
	if (r->launched.stop_fd >= 0)
		close(r->launched.stop_fd);
	r->launched.stop_fd = -1;
	if (r->on_detach)
		r->on_detach(r, status, left);
	(void)cordon_supervise(&s);
}
