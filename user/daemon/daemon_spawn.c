// SPDX-License-Identifier: GPL-2.0-only
/*
 * `spawn`: the daemon starts an ordinary user's agent itself, as run0 does. The daemon makes
 * the session (policy with the floor, cgroup, BPF rules); a worker it forks does what root's
 * `cordon run --user` does in-process — the session's view, pid namespace and terminal, the
 * user's credentials, Landlock, seccomp, exec — on the caller's own descriptors, relays the
 * agent's terminal, and reports stops and the exit status on the caller's connection.
 *
 * The agent's view is built from the daemon's mount namespace: the daemon runs in the host's
 * (its unit has no mount-namespace sandboxing, see packaging/cordon.service.in).
 *
 * Why the daemon and not the caller: an ordinary user cannot build a mount or pid namespace
 * without unprivileged user namespaces (refused on Ubuntu), and a launcher of the user's own
 * is a process the agent could reach; the worker runs as root, outside the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "daemon.h"
#include "policy/policy.h"
#include "run.h"
#include "sys/sys.h"

/* The worker's state, for the supervisor's callbacks. */
struct worker {
	int conn;     /* the caller's connection */
	pid_t *agent; /* the session's init, once launched */
	bool gone;    /* the caller went away */
};

static struct worker W;

/* The first message: the session exists and the worker owns the connection. */
static int send_started(const char *session)
{
	json_t *m = cordon_ctl_ok();
	int r;

	if (!m)
		return -ENOMEM;
	json_object_set_new(m, "session", json_string(session));
	r = cordon_ctl_send(W.conn, m);
	json_decref(m);
	return r;
}

static int send_event(const char *ev, int status)
{
	json_t *m = json_pack("{s:i,s:s,s:i}", "v", CORDON_CTL_VERSION, RUN_DAEMON_MSG_EVENT, ev,
			      "status", status);
	int r = m ? cordon_ctl_send(W.conn, m) : -ENOMEM;

	json_decref(m);
	return r;
}

/*
 * The caller went away (its terminal closed, it was killed): nobody waits for the agent, and
 * a session nobody supervises must not run on — kill its init, and the kernel kills the rest
 * of its pid namespace.
 */
static void caller_gone(void)
{
	W.gone = true;
	if (W.agent && *W.agent > 0)
		kill(*W.agent, SIGKILL);
}

/* Signals the caller may pass on: those a shell or terminal sends a foreground job. */
static bool forwardable(long sig)
{
	switch (sig) {
	case SIGINT:
	case SIGTERM:
	case SIGHUP:
	case SIGQUIT:
	case SIGWINCH:
	case SIGUSR1:
	case SIGUSR2:
	case SIGTSTP:
		return true;
	}
	return false;
}

/*
 * One message from the caller: 1 for "cont", 0 otherwise. A signal is raised here, where it
 * is blocked: the supervisor reads it from its signalfd and forwards it as if the terminal had
 * sent it to a local cordon. Anything else the caller sends is ignored.
 */
static int read_caller(void)
{
	json_t *m = NULL, *v;
	int r = cordon_ctl_recv(W.conn, &m, 0);

	if (r == -ETIMEDOUT)
		return 0;
	if (r < 0) {
		if (r != -EPROTO && r != -EMSGSIZE)
			caller_gone();
		return 0;
	}
	v = json_object_get(m, RUN_DAEMON_MSG_SIGNAL);
	if (json_is_integer(v) && forwardable((long)json_integer_value(v)))
		raise((int)json_integer_value(v));
	r = json_is_true(json_object_get(m, RUN_DAEMON_MSG_CONT)) ||
	    json_integer_value(json_object_get(m, RUN_DAEMON_MSG_CONT)) == 1;
	json_decref(m);
	return r;
}

/*
 * The session's end is recorded: the caller gets the status and goes now, its connection and
 * its standard descriptors closed here, so that nothing after (the view's release, this
 * worker's exit and the last closes of its notification groups, an SRCU grace period each)
 * keeps it waiting, nor a pipe it reads our stderr through (`out=$(cordon run ... 2>&1)`).
 * The order the caller relies on is kept: the status, the git sweep and the session-end
 * record are all done before.
 */
static void end_caller(struct run *r, int status)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	(void)r;
	if (!W.gone)
		send_event("exit", status);
	W.gone = true;
	W.agent = NULL;
	close(W.conn);
	W.conn = -1;
	for (int fd = 0; fd <= 2 && null >= 0; fd++)
		dup2(null, fd);
	if (null > 2)
		close(null);
}

/*
 * The agent of a detached session exited leaving processes: the caller gets its status now and
 * goes (its descriptors closed here: nothing of the session's keeps its terminal through this
 * worker), and the daemon is told the session runs on without it.
 */
static void detach_caller(struct run *r, int status, unsigned int left)
{
	struct daemon_detached_msg m = { .magic = DAEMON_DETACHED_MAGIC, .left = left };

	if (r->dsess.records_fd >= 0)
		(void)!send(r->dsess.records_fd, &m, sizeof(m), MSG_NOSIGNAL);
	end_caller(r, status);
	r->watch = (struct cordon_watch){ .fd = -1 };
}

static void on_caller(void *ctx)
{
	(void)ctx;
	if (!W.gone)
		read_caller();
}

/* The agent stopped: the caller stops too, and the agent resumes when the caller does. */
static void suspend(void *ctx)
{
	(void)ctx;
	if (W.gone || send_event("stopped", 0) < 0)
		return;
	while (!W.gone) {
		struct pollfd p = { .fd = W.conn, .events = POLLIN };

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return;
		if (read_caller() == 1)
			return;
	}
}

static int take_stdio(const int *fds)
{
	for (int i = 0; i <= 2; i++)
		if (dup2(fds[i], i) < 0)
			return -errno;
	for (size_t i = 0; i < CORDON_SPAWN_FDS; i++)
		if (fds[i] > 2 && i != CORDON_SPAWN_FD_AUDIT)
			close(fds[i]);
	return 0;
}

struct spawn {
	const struct cordon_ctl_request *q;
	struct dsession *s;
	struct policy *pol;
	unsigned int limits;
	int audit_fd;
	const char *socket; /* the daemon's control socket */
	bool cgroup_unix;   /* its cgroup unix programs are attached */
	int records_fd;	    /* the worker's end of the listener's record channel */
	bool pol_detach;    /* its process.lifetime is detached */
};

static __attribute__((noreturn)) void worker(const struct spawn *sp, int conn, const int *fds)
{
	struct passwd *pw = cordon_getpw(NULL, sp->s->uid);
	sigset_t set;
	struct run r;
	int status = EXIT_FAIL, e;

	/*
	 * The supervisor's signals arrive through its signalfd only, and nothing of the daemon's
	 * dispositions reaches the agent (an ignored SIGINT or SIGPIPE survives exec).
	 */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	cordon_supervised_signals(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	setsid();
	/*
	 * The agent starts at its caller's priority (`nice cordon run make` through the daemon),
	 * never at the daemon's raised one; run_launch raises this worker again once it runs.
	 */
	errno = 0;
	e = getpriority(PRIO_PROCESS, (id_t)sp->s->pid);
	(void)!setpriority(PRIO_PROCESS, 0, errno ? 0 : e);
	W = (struct worker){ .conn = conn };
	e = take_stdio(fds);
	if (send_started(sp->s->s.name) < 0)
		_exit(1);
	if (e < 0 || !pw) {
		dprintf(STDERR_FILENO, "cordon: run: daemon: cannot start the session: %s\n",
			strerror(e < 0 ? -e : ENOENT));
		send_event("exit", EXIT_FAIL);
		_exit(1);
	}
	run_init(&r);
	r.o = (struct run_opts){ .policy = sp->pol->name,
				 .project = sp->q->project,
				 .user = pw->pw_name,
				 .cmd = (char **)sp->q->argv,
				 .allow_degraded = sp->q->allow_degraded,
				 .json = sp->q->json,
				 .quiet = sp->q->quiet,
				 .verbose = sp->q->verbose,
				 .observe = sp->q->observe,
				 .audit_stdout = sp->q->audit_stdout,
				 .audit_journal = sp->q->audit_journal,
				 /* the caller's own file, never reopened (or rotated) by root */
				 .audit_log =
					 sp->audit_fd >= 0 ? "(the caller's audit log)" : NULL };
	r.ev.audit_fd = sp->audit_fd;
	r.ev.audit_fd_passed = sp->audit_fd >= 0;
	/* Entered after the privilege drop, as the user: the kernel decides whether it may. */
	r.cwd = sp->q->cwd ? strdup(sp->q->cwd) : NULL;
	r.pol = sp->pol;
	r.dsess = (struct run_daemon_session){ .on = true,
					       .bpf_lsm = sp->s->lsm,
					       .cgroup_unix = sp->cgroup_unix,
					       .limits = sp->limits,
					       .procs_fd = sp->s->s.procs_fd,
					       .nv1_procs = sp->s->s.nv1,
					       .v1_procs_fd = sp->s->s.v1_procs,
					       .ctx = &sp->s->s,
					       .cgroup_id = sp->s->s.cgroup_id,
					       .id = sp->s->s.id,
					       .records_fd = sp->records_fd };
	snprintf(r.dsess.name, sizeof(r.dsess.name), "%s", sp->s->s.name);
	snprintf(r.dsess.cgroup, sizeof(r.dsess.cgroup), "%s", sp->s->s.cgroup);
	r.watch = (struct cordon_watch){ .fd = conn, .on_ready = on_caller };
	r.suspend = suspend;
	r.on_detach = detach_caller;
	r.on_end = end_caller;
	W.agent = &r.launched.pid;
	environ = (char **)sp->q->env;
	run_daemon_socket = sp->socket ?: CORDON_CTL_SOCKET;
	status = run_session(&r);
	if (!W.gone)
		send_event("exit", status);
	_exit(0);
}

/* The git repositories of the caller's write trees, with git asked as the caller. */
void daemon_spawn_git_repos(struct policy *pol, uid_t uid, const char *project)
{
	struct passwd *pw = getpwuid(uid);
	struct run_target_user tu = { 0 };
	_cleanup_free_ char *xdg = NULL;

	if (!pw || run_lookup_user(pw->pw_name, &tu) < 0) {
		daemon_log("uid %u: no passwd entry: the repositories of its project are checked "
			   "only when the session ends",
			   (unsigned)uid);
		return;
	}
	xdg = cordon_path_join(tu.home, ".config");
	run_git_repos(pol, project, &tu, xdg);
	free(tu.home);
	free(tu.shell);
}

/* Is the path the caller named the directory it opened? Both are looked at by root. */
static bool same_dir(const char *path, int fd)
{
	struct stat a, b;

	return stat(path, &a) == 0 && fstat(fd, &b) == 0 && S_ISDIR(b.st_mode) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * The channel for the refusals the worker's fanotify listener decides in userspace: they belong
 * in the daemon's authoritative stream, beside the kernel's records of the session (the caller's
 * own log is the caller's to rewrite). A datagram socket: one record per message, never merged
 * or split. The worker's end is close-on-exec, so the agent never holds it.
 */
static int records_open(struct daemon *d, struct dsession *s, int *worker_fd)
{
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	s->rec = (struct dsession_records){ .watch = WATCH_RECORDS, .fd = sv[0], .s = s };
	r = daemon_watch_add(d, sv[0], EPOLLIN, &s->rec);
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		s->rec.fd = -1;
		return r;
	}
	*worker_fd = sv[1];
	return 0;
}

/* The agent of a detached session exited; @left processes run on, still confined. */
static void detached(struct daemon *d, struct dsession *s, uint32_t left)
{
	if (!s->detach || s->detached)
		return;
	s->detached = true;
	daemon_session_persist(d, s, false);
	daemon_log("session %s: its agent exited; detached with %u process(es) left", s->s.name,
		   (unsigned)left);
}

/*
 * The worker's attribution context (run_attrib.c): once per session, before its agent starts.
 * The worker is the daemon's own child, root, and the channel's other end is close-on-exec (the
 * agent never holds it); the JSON is validated whole all the same.
 */
static void attrib_read(struct daemon *d, struct dsession_records *rec, size_t size)
{
	_cleanup_free_ char *buf = size <= (16u << 20) ? malloc(size) : NULL;
	struct dsession *s = rec->s;
	ssize_t n = recv(rec->fd, buf ?: (char[1]){ 0 }, buf ? size : 1, MSG_DONTWAIT);
	json_t *j;

	if (!buf || n != (ssize_t)size || s->actx.known) {
		daemon_log("session %s: an attribution context dropped (%s)", s->s.name,
			   s->actx.known ? "it has one" : "cannot read it");
		return;
	}
	j = json_loadb(buf + RUN_ATTRIB_MAGIC_LEN, size - RUN_ATTRIB_MAGIC_LEN, 0, NULL);
	if (!j || cordon_attrib_from_json(j, &s->actx) < 0)
		daemon_log("session %s: a malformed attribution context dropped: its refusals are "
			   "written unfiltered",
			   s->s.name);
	else
		daemon_session_persist(d, s, false);
	json_decref(j);
}

/* The session's root, from the worker once the agent runs: held for records of exited tasks. */
static void root_read(struct dsession_records *rec)
{
	char magic[RUN_ATTRIB_MAGIC_LEN], buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = magic, .iov_len = sizeof(magic) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	struct cmsghdr *c;
	struct stat st;
	int fd = -1;

	if (recvmsg(rec->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
		return;
	c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0)
		return;
	/* A directory, once: anything else (or a second one) is closed. */
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || rec->s->actx.root_fd > 0) {
		close(fd);
		return;
	}
	cordon_attrib_set_root(&rec->s->actx, fd);
}

/*
 * The worker is root and outside the session, but its records are still checked for what they
 * are (a listener's file refusal) and pinned to the session the channel belongs to: nothing the
 * agent influences (a path, a name) can make one read as another session's, or as another kind.
 */
void daemon_spawn_records_read(struct daemon *d, struct dsession_records *rec)
{
	struct cordon_event_file ev;

	while (rec->fd >= 0) {
		char magic[RUN_ATTRIB_MAGIC_LEN];
		ssize_t n =
			recv(rec->fd, magic, sizeof(magic), MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == RUN_ATTRIB_MAGIC_LEN &&
		    !memcmp(magic, RUN_ROOT_MAGIC, RUN_ATTRIB_MAGIC_LEN)) {
			root_read(rec);
			continue;
		}
		if (n > RUN_ATTRIB_MAGIC_LEN && (size_t)n != sizeof(ev) &&
		    (size_t)n != sizeof(struct daemon_detached_msg) &&
		    !memcmp(magic, RUN_ATTRIB_MAGIC, RUN_ATTRIB_MAGIC_LEN)) {
			attrib_read(d, rec, (size_t)n);
			continue;
		}
		n = recv(rec->fd, &ev, sizeof(ev), MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && errno == EINTR)
			continue;
		/* The worker is gone: stop watching (a hung-up socket stays readable). */
		if (n == 0) {
			daemon_spawn_records_close(d, rec->s);
			return;
		}
		if (n < 0)
			return;
		if ((size_t)n == sizeof(struct daemon_detached_msg)) {
			struct daemon_detached_msg m;

			memcpy(&m, &ev, sizeof(m));
			if (m.magic == DAEMON_DETACHED_MAGIC)
				detached(d, rec->s, m.left);
			continue;
		}
		if ((size_t)n != sizeof(ev) || ev.hdr.type != CORDON_EV_FILE ||
		    ev.hdr.size != sizeof(ev) ||
		    (ev.hdr.layer != CORDON_LAYER_FANOTIFY &&
		     !(ev.hdr.layer == CORDON_LAYER_SECCOMP &&
		       ev.hdr.hook == CORDON_HOOK_GIT_CONFIG_WRITE) &&
		     !(ev.hdr.layer == CORDON_LAYER_GIT_SWEEP &&
		       (ev.hdr.hook == CORDON_HOOK_GIT_SWEEP ||
			ev.hdr.hook == CORDON_HOOK_PROTECT_QUARANTINE)))) {
			daemon_log("session %s: a malformed listener record (%zd bytes) dropped",
				   rec->s->s.name, n);
			continue;
		}
		ev.hdr.cgroup_id = rec->s->s.cgroup_id;
		ev.hdr.session = rec->s->s.id;
		ev.path[sizeof(ev.path) - 1] = 0;
		if (ev.hdr.flags & CORDON_EVENT_GIT_KEY)
			ev.path[CORDON_GIT_KEY_OFF - 1] = 0;
		cordon_audit_stream_event(&d->stream, &ev, sizeof(ev));
	}
}

void daemon_spawn_records_close(struct daemon *d, struct dsession *s)
{
	if (s->rec.fd < 0)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, s->rec.fd, NULL);
	close(s->rec.fd);
	s->rec.fd = -1;
}

/*
 * Whether @q may observe: 0, -EACCES (the site's configuration forbids it) or -EPERM (a site
 * floor is in effect: observe mode never relaxes it).
 */
static int observe_refusal(const struct daemon *d, const struct cordon_ctl_request *q)
{
	if (!q->observe)
		return 0;
	if (!d->cfg.allow_observe)
		return -EACCES;
	if (d->o.floor && access(d->o.floor, F_OK) == 0)
		return -EPERM;
	return 0;
}

/*
 * A spawn request, checked and its policy resolved; the walk of its write trees for git
 * repositories (daemon_walk.c) comes next, off the loop. On success the request, its descriptors
 * and the client are the walk's (@q emptied, *@nfds 0, c->pending) and NULL is returned: the
 * reply comes when the walk ends (daemon_spawn_finish).
 */
json_t *daemon_op_spawn(struct daemon *d, struct dclient *c, struct cordon_ctl_request *q, int *fds,
			size_t *nfds)
{
	struct policy_errors errs = { 0 };
	/* The user's own host sets and --allow-connect rules, narrowed by the floor. */
	struct daemon_overlay ov = { .hosts_text = q->hosts_text,
				     .hosts_len = q->hosts_len,
				     .allow_connect = q->allow_connect,
				     .nallow_connect = q->nallow_connect,
				     .allow = q->allow,
				     .nallow = q->nallow };
	struct policy *pol = NULL;
	char err[512];
	int r;

	if (*nfds != CORDON_SPAWN_FD_PROJECT + 1 && *nfds != CORDON_SPAWN_FDS)
		return cordon_ctl_error(EINVAL, "spawn takes stdin, stdout, stderr, the project "
						"and optionally an audit log, as descriptors");
	if (daemon_pid_in_session(d, c->pid))
		return cordon_ctl_error(EPERM, "a process inside a session cannot start another");
	if (!same_dir(q->project, fds[CORDON_SPAWN_FD_PROJECT]))
		return cordon_ctl_error(EINVAL, "'project' is not the directory sent with it");
	r = observe_refusal(d, q);
	if (r < 0)
		return cordon_ctl_error(-r, "%s",
					r == -EPERM
						? "observe mode: the site floor is in effect and "
						  "observe mode would relax its network rules"
						: "observe mode is not allowed on this machine "
						  "(allow_observe: false in the daemon's "
						  "configuration)");
	cli_phase("daemon: spawn checked");
	r = daemon_policy_resolve(d, q->policy, q->policy_text, q->policy_len, q->policy_file,
				  c->uid, q->project, NULL, &ov, &pol, &errs);
	if (r < 0)
		return daemon_policy_refusal(r, q, &errs);
	cli_phase("daemon: policy resolved");
	policy_errors_free(&errs);
	r = daemon_walk_start(d, c, q, fds, nfds, pol, err, sizeof(err));
	if (r < 0) {
		policy_free(pol);
		return cordon_ctl_error(-r, "%s", err);
	}
	return NULL;
}

/*
 * The walk is done: the repositories of the session's write trees are protected by entries of
 * @pol (the worker plans with this same policy). Create the session and its worker; the reply,
 * on error, or NULL when the worker owns the connection (*@handed_off).
 */
json_t *daemon_spawn_finish(struct daemon *d, struct dclient *c, const struct cordon_ctl_request *q,
			    const int *fds, size_t nfds, struct policy *pol, struct dsession *s,
			    unsigned int limits, bool *handed_off)
{
	struct spawn sp = { .q = q,
			    .pol = pol,
			    .limits = limits,
			    .audit_fd = -1,
			    .socket = d->o.socket,
			    .records_fd = -1 };
	char err[512];
	pid_t p;
	int r;

	cli_phase("daemon: walk done");
	if (nfds == CORDON_SPAWN_FDS)
		sp.audit_fd = fds[CORDON_SPAWN_FD_AUDIT];
	/* Its rules (the walk's protected repositories among them) and its resolver. */
	r = daemon_session_complete(d, s, sp.pol, err, sizeof(err));
	if (r < 0) {
		policy_free(sp.pol);
		return cordon_ctl_error(r, "%s", err);
	}
	cli_phase("daemon: session created");
	sp.s = s;
	sp.pol_detach = sp.pol->lifetime == POL_LIFETIME_DETACHED;
	sp.cgroup_unix = cordon_bpf_unix_ready(d->bpf);
	r = records_open(d, s, &sp.records_fd);
	if (r < 0) {
		daemon_session_discard(d, s);
		policy_free(sp.pol);
		return cordon_ctl_error(r, "socketpair: %s", strerror(-r));
	}
	/*
	 * The session's confinement is complete here: its cgroup, its rules in the maps, its
	 * resolver and its limits exist before the worker does, so nothing the worker starts can
	 * run without them. What is left (daemon_session_publish: the state file, the rule names
	 * for the audit records, the cgroup.events descriptor, the start record) confines nothing
	 * and is done after the fork, while the worker sets up the launch (about 0.4 ms taken off
	 * the spawn's path). Nothing of the loop runs in between: the session's records (the ring
	 * is drained by the loop) and the end of its cgroup are only looked at after this returns,
	 * when the start record and the state file exist.
	 */
	p = fork();
	if (p == 0) {
		daemon_child_close(d, c->fd);
		worker(&sp, c->fd, fds);
	}
	close(sp.records_fd);
	if (p < 0) {
		r = -errno;
		/* Recorded as before: a start, and its end saying why. */
		if (daemon_session_publish(d, s, sp.pol, err, sizeof(err)) == 0)
			daemon_session_end(d, s, "the worker could not be started");
		else
			daemon_session_discard(d, s);
		policy_free(sp.pol);
		return cordon_ctl_error(r, "fork: %s", strerror(-r));
	}
	cli_phase("daemon: forked");
	r = daemon_session_publish(d, s, sp.pol, err, sizeof(err));
	policy_free(sp.pol);
	if (r < 0) {
		/*
		 * A session the daemon could not record must not run: its worker is killed and
		 * reaped here (so the loop's SIGCHLD does not take it for another child), then the
		 * session discarded, which kills whatever the worker may have started in its cgroup
		 * before removing its rules. The caller sees its connection close.
		 */
		kill(p, SIGKILL);
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
		daemon_log("uid %u: spawn failed after its worker started: %s", (unsigned)c->uid,
			   err);
		daemon_session_discard(d, s);
		/* The caller's first reply, or (after the worker's "started") ignored before the
		 * connection closes: its client then says the session ended without a status. */
		return cordon_ctl_error(r, "%s", err);
	}
	s->worker = p;
	s->detach = sp.pol_detach;
	daemon_watch_add(d, s->events_fd, EPOLLPRI, s);
	daemon_log("session %s: policy %s for uid %u (pid %d), project %s, worker %d", s->s.name,
		   s->policy, (unsigned)c->uid, (int)c->pid, s->project, (int)p);
	/* The worker owns the connection and the replies from here on. */
	*handed_off = true;
	return NULL;
}

void daemon_spawn_reaped(struct daemon *d, pid_t pid)
{
	for (struct dsession *s = d->sessions; s; s = s->next) {
		if (s->worker != pid)
			continue;
		s->worker = 0;
		/* A launch that failed before the agent entered leaves an empty session. */
		daemon_session_check(d, s);
		return;
	}
}

bool daemon_spawn_is_worker(const struct daemon *d, pid_t pid)
{
	for (const struct dsession *s = d->sessions; s; s = s->next)
		if (s->worker == pid)
			return true;
	return false;
}
