// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's set-up and its one epoll loop. Security model in short: enforcement lives in
 * the kernel, pinned in bpffs, and never depends on this process being alive; what the daemon
 * adds is creating and ending sessions on behalf of local users and writing the audit stream.
 * Stopping it (SIGTERM, a crash, kill -9) leaves every session confined.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "enforce/enforce.h"
#include "sys/sys.h"
#include "daemon.h"
#include "loader/loader.h"
#include "events.h"
#include "probe/probe.h"

/* systemd's readiness protocol (sd_notify(3)): one datagram to $NOTIFY_SOCKET. */
static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)!sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

/* bpffs at the parent of the pin root, mounted when the host has none (as systemd would). */
static int ensure_bpffs(const char *pin_root)
{
	_cleanup_free_ char *parent = strdup(pin_root);
	struct statfs sf;
	char *slash = parent ? strrchr(parent, '/') : NULL;

	if (!slash || slash == parent)
		return -EINVAL;
	*slash = '\0';
	if (statfs(parent, &sf) == 0 && sf.f_type == BPF_FS_MAGIC)
		return 0;
	/*
	 * A bpffs mounted in a private mount namespace (systemd's PrivateMounts=, a container)
	 * dies with the namespace, and the pins in it: enforcement would end with the daemon.
	 * Only mount one where it outlives us.
	 */
	{
		struct stat self, init;

		if (stat("/proc/self/ns/mnt", &self) == 0 && stat("/proc/1/ns/mnt", &init) == 0) {
			if (self.st_ino != init.st_ino) {
				daemon_log(
					"no bpffs at %s, and this is not the host's mount "
					"namespace: mount one on the host (systemd does at boot)",
					parent);
				return -ENOENT;
			}
		} else {
			daemon_log("no bpffs at %s: mounting one; if this mount namespace is not "
				   "the host's, enforcement will not outlive the daemon",
				   parent);
		}
	}
	if (mount("bpf", parent, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	return 0;
}

/*
 * Programs of another build (an upgrade) keep enforcing the sessions they hold, and stay while
 * a process uses them (root's `cordon run` of that build); otherwise their pins are removed,
 * which detaches them.
 */
static void retire_old_builds(struct daemon *d)
{
	_cleanup_free_ char *mine = strdup(d->pin_dir);
	const char *base = mine ? strrchr(mine, '/') + 1 : NULL;
	DIR *dir = opendir(d->o.pin_root);
	struct dirent *e;
	int r;

	while (base && dir && (e = readdir(dir))) {
		_cleanup_free_ char *path = NULL;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, base))
			continue;
		path = cordon_path_join(d->o.pin_root, e->d_name);
		if (!path)
			continue;
		r = cordon_bpf_pins_retire(path);
		if (r == -EBUSY)
			daemon_log("programs of another build (%s) are in use or hold sessions: "
				   "kept",
				   e->d_name);
		else if (r < 0)
			daemon_log("retiring the programs of another build (%s): %s", e->d_name,
				   strerror(-r));
		else
			daemon_log("retired the programs of an older build (%s)", e->d_name);
	}
	if (dir)
		closedir(dir);
}

/* destination.domain: the name the record's session resolver answered for the address. */
static const char *domain_of(void *arg, const uint8_t addr[16])
{
	return arg ? cordon_dns_name_of(arg, addr) : NULL;
}

/* The record's session; its resolver names the addresses of the record being formatted. */
static const struct cordon_audit_ctx *session_ctx(void *arg, uint32_t id, uint64_t cgroup_id)
{
	struct daemon *d = arg;

	(void)id;
	d->stream.fmt.domain_arg = NULL;
	for (struct dsession *s = d->sessions; s; s = s->next)
		if (s->s.cgroup_id == cgroup_id) {
			d->stream.fmt.domain_arg = s->dns.r;
			return &s->audit;
		}
	return NULL;
}

/*
 * A syscall-exit refusal saw an errno, not a rule: attributed in a copy (the ring buffer's
 * record is read-only) exactly as root's `cordon run` does (cordon_audit_attribute()), with
 * what its spawn worker sent of the session, read first: it was sent before the agent started
 * (and its root, held, once the agent ran).
 * Returns @data, @copy attributed, or NULL when the refusal is not cordon's (file permissions).
 */
static const void *attribute(struct daemon *d, const void *data, size_t size,
			     struct cordon_event_syscall *copy)
{
	const struct cordon_event_hdr *h = data;

	if (size != sizeof(*copy) || h->type != CORDON_EV_SYSCALL)
		return data;
	for (struct dsession *s = d->sessions; s; s = s->next)
		if (s->s.cgroup_id == h->cgroup_id) {
			if ((!s->actx.known || s->actx.root_fd <= 0) && s->rec.fd >= 0)
				daemon_spawn_records_read(d, &s->rec);
			memcpy(copy, data, sizeof(*copy));
			return cordon_audit_attribute(&s->actx, &s->rules, copy) > 0 ? NULL : copy;
		}
	return data;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;
	const struct cordon_event_hdr *h = data;
	struct cordon_event_cgroup_escape esc;
	struct cordon_event_syscall copy;

	/* A session task moved out of its session cgroup: killed first, recorded with the outcome. */
	if (size == sizeof(esc) && h->type == CORDON_EV_CGROUP_ESCAPE) {
		memcpy(&esc, data, sizeof(esc));
		int r = cordon_escape_kill(&esc);

		if (r < 0)
			daemon_log("cgroup: cannot kill pid %u moved out of its session: %s",
				   esc.hdr.pid, strerror(-r));
		return cordon_audit_stream_event(&d->stream, &esc, sizeof(esc));
	}
	/* The move first: the process runs tagged but outside its cgroup until then. */
	if (size >= sizeof(*h) && h->type == CORDON_EV_AUTO_CONFINE)
		daemon_auto_event(d, data, size);
	if (size >= sizeof(*h) && h->type == CORDON_EV_AUTO_USER)
		daemon_auto_user_event(d, data, size);
	data = (void *)attribute(d, data, size, &copy);
	return data ? cordon_audit_stream_event(&d->stream, data, size) : 0;
}

static int open_audit(struct daemon *d)
{
	struct cordon_audit_sink_opts so = {
		.path = d->cfg.audit_file,
		.fd = -1,
		.max_bytes = d->cfg.audit_max_bytes,
		.keep = d->cfg.audit_keep,
		.fsync = d->cfg.audit_fsync,
		.format = d->cfg.audit_format,
		.to_stdout = d->cfg.audit_stdout,
		.to_journal = d->cfg.audit_journal,
	};
	struct cordon_audit_sink *sink = NULL;
	int r;

	if (d->cfg.audit_file) {
		_cleanup_free_ char *dir = strdup(d->cfg.audit_file);
		char *slash = dir ? strrchr(dir, '/') : NULL;

		char bad[PATH_MAX];

		if (slash && slash != dir) {
			*slash = '\0';
			mkdir(dir, 0750);
		}
		/* Every session's records: nobody but root may write, rename or pre-claim them. */
		r = cordon_audit_path_check(d->cfg.audit_file,
					    &(struct cordon_audit_who){ .anyone = true }, bad,
					    sizeof(bad));
		if (r == -EPERM)
			daemon_log("audit file %s: %s is writable (or renamable) by a user other "
				   "than root",
				   d->cfg.audit_file, bad);
		else if (r < 0)
			daemon_log("audit file %s: %s: %s", d->cfg.audit_file, bad, strerror(-r));
		if (r < 0)
			return r;
	}
	r = cordon_audit_sink_open(&so, &sink);
	if (r < 0)
		return r;
	if (d->stream.sink)
		cordon_audit_sink_close(d->stream.sink);
	d->stream.sink = sink;
	return 0;
}

static void check_drops(struct daemon *d)
{
	uint64_t drops = 0;

	if (cordon_bpf_drops(d->bpf, &drops) == 0) {
		/* Lost records may have been auto-confinement ones: find their processes. */
		if (drops != d->drops_seen)
			daemon_auto_sweep(d);
		d->drops_seen = drops;
		cordon_audit_stream_drops(&d->stream, drops);
	}
	/* Floods folded into a count: their summaries once their window is over. */
	cordon_audit_stream_tick(&d->stream, cordon_boottime_ns());
	if (d->stream.sink)
		cordon_audit_sink_flush(d->stream.sink);
}

static void on_pin_restored(void *ctx, const char *pin)
{
	struct daemon *d = ctx;

	daemon_log("%s was removed from outside: pinned again (the daemon held the link, so its "
		   "program stayed attached)",
		   pin);
	if (d->stream.sink &&
	    cordon_audit_sink_emit(
		    d->stream.sink,
		    cordon_audit_pin_restored(&d->unknown_ctx, pin, cordon_realtime_ns())) < 0)
		d->stream.write_errors++;
}

/*
 * Once a second: the enforcing programs' pins are all there. A removed one is pinned again
 * from the link the daemon holds, and recorded: enforcement never lapsed, and it survives the
 * daemon's own exit again.
 */
static void check_pins(struct daemon *d)
{
	uint64_t now = cordon_boottime_ns();
	int r;

	if (!d->bpf || now - d->pins_checked < 1000000000ull)
		return;
	d->pins_checked = now;
	r = cordon_bpf_pins_repair(d->bpf, on_pin_restored, d);
	if (r < 0)
		daemon_log("checking the pins in %s: %s", d->pin_dir, strerror(-r));
}

static void reload(struct daemon *d)
{
	struct daemon_config c = { 0 };

	daemon_log("SIGHUP: reloading %s, the policies and the floor", d->o.config);
	if (daemon_config_load(d->o.config, &c) < 0) {
		daemon_log("%s is not valid: keeping the running configuration", d->o.config);
	} else {
		daemon_config_free(&d->cfg);
		d->cfg = c;
	}
	/* Reopened so that a rotation by logrotate or by hand takes effect. */
	if (open_audit(d) < 0)
		daemon_log("audit sink: cannot reopen, keeping the old one");
	if (daemon_policy_snapshot(d) < 0)
		daemon_log("the policy set is not valid: keeping the previous one");
	daemon_auto_apply(d);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			/* Spawn workers and `audit` writers. */
			pid_t p;

			while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
				if (daemon_spawn_is_worker(d, p))
					daemon_spawn_reaped(d, p);
				else if (daemon_walk_reaped(d, p))
					continue;
				else if (d->nreaders)
					d->nreaders--;
		} else if (si.ssi_signo == SIGHUP)
			reload(d);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			d->stop = true;
	}
}

/* The session cgroups' parent, under the cgroup v2 mount, and its path as /proc/PID/cgroup. */
static int setup_cgroup(struct daemon *d)
{
	char mnt[4096];
	size_t ml;
	int r = cordon_cgroup2_mount(mnt, sizeof(mnt));

	if (r < 0) {
		daemon_log("no cgroup v2 hierarchy: %s", strerror(-r));
		return r;
	}
	d->cgroup_root = d->o.cgroup_root ? strdup(d->o.cgroup_root)
					  : cordon_path_join(mnt, CORDON_CGROUP_ROOT_NAME);
	if (!d->cgroup_root)
		return -ENOMEM;
	ml = strlen(mnt);
	if (strncmp(d->cgroup_root, mnt, ml) || d->cgroup_root[ml] != '/') {
		daemon_log("%s is not under the cgroup v2 mount %s", d->cgroup_root, mnt);
		return -EINVAL;
	}
	d->cgroup_rel = d->cgroup_root + ml;
	return 0;
}

/*
 * The shared ring buffer's mapping (libbpf maps its data pages twice: 2 x the ring's size,
 * 8 MiB here) is not inherited by the daemon's children: a fork copies the page table entries of
 * such a mapping (a map's pages are inserted one by one, VM_MIXEDMAP), and every spawn forks
 * twice (its walker, its worker). No child reads the ring: the daemon alone drains it, before
 * it forks when a child depends on what it held (`audit`). libbpf does not say where it mapped
 * the ring: the daemon's own map of its memory does (the bpf map mappings of 1 MiB or more; the
 * skeleton's data sections are a page or a few).
 */
static void ring_dontfork(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool start = true; /* at a line's start (a long path's rest is not one) */

	while (f && fgets(line, sizeof(line), f)) {
		char *e;
		uintptr_t a = strtoul(line, &e, 16), b = *e == '-' ? strtoul(e + 1, &e, 16) : 0;
		bool was_start = start;

		start = strchr(line, '\n') != NULL;
		if (was_start && b > a && b - a >= (1ul << 20) && strstr(e, "anon_inode:bpf-map"))
			madvise((void *)a, b - a, /* NOLINT(performance-no-int-to-ptr) */
				MADV_DONTFORK);
	}
}

/* Load and pin the programs, or adopt those a previous instance pinned. */
static int setup_bpf(struct daemon *d)
{
	struct cordon_bpf_opts bo = { 0 };
	char name[17];
	int r = ensure_bpffs(d->o.pin_root);

	if (r < 0) {
		daemon_log("bpffs: %s", strerror(-r));
		return r;
	}
	cordon_bpf_pin_name(d->cgroup_root, name);
	d->pin_dir = cordon_path_join(d->o.pin_root, name);
	if (!d->pin_dir)
		return -ENOMEM;
	bo.cgroup_root = d->cgroup_root;
	bo.lsm = d->lsm;
	bo.pin_dir = d->pin_dir;
	r = cordon_bpf_start(&bo, &d->bpf);
	if (r < 0) {
		daemon_log("loading the BPF programs: %s", strerror(-r));
		return r;
	}
	daemon_log("%s the BPF programs in %s (BPF LSM %s)",
		   cordon_bpf_adopted(d->bpf) ? "adopted" : "loaded and pinned", d->pin_dir,
		   d->lsm ? "on" : "off");
	/* Before any worker is forked: none may inherit the lock. */
	cordon_bpf_pins_unlock(d->bpf);
	/* No session yet (a restart keeps those the snapshot restores): nothing traced. */
	cordon_bpf_trace_release(d->bpf, false);
	retire_old_builds(d);
	d->rb = cordon_bpf_events(d->bpf, on_event, d);
	if (d->rb)
		ring_dontfork();
	return d->rb ? 0 : -errno;
}

static int setup_audit(struct daemon *d)
{
	int r;

	/* Records of no session (events-lost of the shared ring buffer) are the daemon's. */
	d->unknown_ctx = (struct cordon_audit_ctx){ .session = "daemon", .host = d->hostname };
	d->stream.ctx = d->unknown_ctx;
	d->stream.session_ctx = session_ctx;
	d->stream.fmt.domain_of = domain_of;
	d->stream.session_arg = d;
	r = open_audit(d);
	if (r < 0)
		daemon_log("audit sink %s: %s", d->cfg.audit_file ? d->cfg.audit_file : "",
			   strerror(-r));
	return r;
}

/* The epoll loop's sources: signals, the ring buffer, sessions' cgroup.events, the socket. */
static int setup_loop(struct daemon *d)
{
	sigset_t mask;
	int r;

	/* Made before the auto-confinement sessions, whose resolvers it already serves. */
	if (d->epfd < 0)
		d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* A client that disconnects mid-reply must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0)
		return -errno;
	d->w_signal = WATCH_SIGNAL;
	d->w_ringbuf = WATCH_RINGBUF;
	d->w_listen = WATCH_LISTEN;
	r = daemon_watch_add(d, d->sigfd, EPOLLIN, &d->w_signal);
	if (r == 0)
		r = daemon_watch_add(d, ring_buffer__epoll_fd(d->rb), EPOLLIN, &d->w_ringbuf);
	for (struct dsession *s = d->sessions; r == 0 && s; s = s->next)
		r = daemon_watch_add(d, s->events_fd, EPOLLPRI, s);
	if (r == 0)
		r = daemon_ctl_listen(d);
	if (r == 0)
		r = daemon_watch_add(d, d->lfd, EPOLLIN, &d->w_listen);
	return r;
}

/*
 * The name service's modules loaded once, here: every spawn's walker and worker is a fork of
 * the daemon and looks the user up (getpwuid, getgrouplist), and glibc loads and initialises
 * the modules nsswitch.conf names (systemd's, ...) on a process's first lookup of each
 * database: 0.3-0.5 ms in every child, measured, when the daemon never looked up groups itself.
 * Loaded in the daemon (passwd and initgroups: what the children use), the children inherit
 * them. Nothing is cached: each lookup still asks the sources (a user's groups changed since
 * are seen).
 */
static void warm_nss(void)
{
	struct passwd *pw = cordon_getpw(NULL, 0);
	gid_t g[8];
	int n = (int)ARRAY_SIZE(g);

	if (pw)
		(void)getgrouplist(pw->pw_name, pw->pw_gid, g, &n);
}

static int setup(struct daemon *d)
{
	struct cordon_features feat;
	int r = daemon_config_load(d->o.config, &d->cfg);

	if (r < 0)
		return r;
	gethostname(d->hostname, sizeof(d->hostname) - 1);
	warm_nss();
	cordon_features_probe(&feat);
	d->lsm = feat.bpf_lsm_load == 0;
	d->landlock_abi = feat.landlock_abi;
	if (feat.cgroup_bpf < 0) {
		daemon_log("cgroup BPF programs cannot be attached here: %s",
			   strerror(-feat.cgroup_bpf));
		return feat.cgroup_bpf;
	}
	r = setup_cgroup(d);
	if (r == 0)
		r = setup_bpf(d);
	if (r == 0)
		r = setup_audit(d);
	if (r < 0)
		return r;
	mkdir(d->o.run_dir, 0755);
	r = daemon_policy_snapshot(d);
	if (r == 0)
		r = daemon_sessions_adopt(d);
	if (r < 0)
		return r;
	/* Sessions made from here on have a resolver, watched by the epoll loop. */
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	daemon_auto_apply(d);
	daemon_auto_sweep(d);
	return setup_loop(d);
}

static void free_dead(struct daemon *d)
{
	while (d->dead_clients) {
		struct dclient *c = d->dead_clients;

		d->dead_clients = c->next;
		free(c);
	}
	while (d->dead_sessions) {
		struct dsession *s = d->dead_sessions;

		d->dead_sessions = s->next;
		cordon_audit_rules_free(&s->rules);
		cordon_attrib_free(&s->actx);
		free(s);
	}
}

/*
 * Drain the shared ring. In a flood, the ring leaves the epoll set for a pace and the loop
 * drains it when the pace ends (loader.h cordon_ring_pace); it returns when floods stop. A
 * ring that cannot be put back stays held and is drained at every turn of the loop, each at
 * most a pace apart: never left unread.
 */
static void ringbuf_drain(struct daemon *d)
{
	int n = ring_buffer__consume(d->rb);
	bool held = cordon_ring_pace_drained(&d->ring_pace, cordon_boottime_ns(), n) != 0;

	if (held != d->ring_held) {
		struct epoll_event ev = { .events = held ? 0 : EPOLLIN, .data.ptr = &d->w_ringbuf };

		if (epoll_ctl(d->epfd, EPOLL_CTL_MOD, ring_buffer__epoll_fd(d->rb), &ev) == 0)
			d->ring_held = held;
	}
}

/* The loop's wait: at most a second; with the ring held, to the end of its pace (1 ms). */
static int loop_timeout(const struct daemon *d)
{
	if (!d->ring_held)
		return 1000;
	return cordon_ring_pace_timeout_ms(&d->ring_pace, cordon_boottime_ns(),
					   (int)(CORDON_RING_PACE_NS / 1000000));
}

static void loop(struct daemon *d)
{
	struct epoll_event evs[32];

	while (!d->stop) {
		int n = epoll_wait(d->epfd, evs, 32, loop_timeout(d));

		if (n < 0 && errno != EINTR) {
			daemon_log("epoll: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			enum daemon_watch *w = evs[i].data.ptr;

			switch (*w) {
			case WATCH_SIGNAL:
				on_signal(d);
				break;
			case WATCH_LISTEN:
				daemon_ctl_accept(d);
				break;
			case WATCH_RINGBUF:
				ringbuf_drain(d);
				break;
			case WATCH_CLIENT:
				if (!((struct dclient *)w)->dead)
					daemon_ctl_client(d, (struct dclient *)w);
				break;
			case WATCH_SESSION:
				if (!((struct dsession *)w)->dead)
					daemon_session_check(d, (struct dsession *)w);
				break;
			case WATCH_DNS:
				daemon_session_dns_serve((struct dsession_dns *)w);
				break;
			case WATCH_RECORDS:
				daemon_spawn_records_read(d, (struct dsession_records *)w);
				break;
			case WATCH_WALK:
				daemon_walk_read(d, (struct dwalk *)w);
				break;
			}
		}
		if (d->ring_held && !cordon_ring_pace_held(&d->ring_pace, cordon_boottime_ns()))
			ringbuf_drain(d);
		check_drops(d);
		check_pins(d);
		daemon_ctl_expire(d);
		daemon_walk_expire(d, false);
		free_dead(d);
	}
	daemon_walk_expire(d, true);
}

int daemon_main(const struct daemon_opts *o)
{
	struct daemon d = { .o = *o, .epfd = -1, .sigfd = -1, .lfd = -1 };
	int r;

	if (geteuid() != 0) {
		daemon_log("must run as root");
		return -EPERM;
	}
	r = setup(&d);
	/* Its reader ahead of every session it records (enforce.h CORDON_SUPERVISOR_NICE). */
	if (r == 0 && setpriority(PRIO_PROCESS, 0, CORDON_SUPERVISOR_NICE) < 0)
		daemon_log("warning: cannot raise the daemon's priority: %s", strerror(errno));
	if (r == 0) {
		_cleanup_free_ char *ready =
			cordon_strdup_printf("READY=1\nSTATUS=serving %s", d.o.socket);

		daemon_log("serving %s (pid %d)", d.o.socket, (int)getpid());
		/* STATUS= is what `systemctl status cordon` shows on its Status: line. */
		notify(ready ?: "READY=1");
		loop(&d);
		notify("STOPPING=1\nSTATUS=stopping: running sessions stay confined");
		daemon_log("stopping: %zu session(s) stay confined by the pinned programs",
			   d.nsessions);
	}
	if (d.rb) {
		ring_buffer__consume(d.rb);
		check_drops(&d);
		ring_buffer__free(d.rb);
	}
	if (d.lfd >= 0) {
		unlink(d.o.socket);
		close(d.lfd);
	}
	while (d.clients) {
		struct dclient *c = d.clients;

		d.clients = c->next;
		close(c->fd);
		free(c);
	}
	free_dead(&d);
	while (d.sessions) {
		struct dsession *s = d.sessions;

		/* Not ended: the kernel keeps enforcing them; the next daemon adopts them. */
		d.sessions = s->next;
		if (s->s.procs_fd >= 0)
			close(s->s.procs_fd);
		close(s->events_fd);
		cordon_audit_rules_free(&s->rules);
		cordon_attrib_free(&s->actx);
		free(s);
	}
	cordon_audit_stream_release(&d.stream);
	if (d.stream.sink)
		cordon_audit_sink_close(d.stream.sink);
	if (d.bpf) {
		/* No session left: detached now, not by a waiter stopping the unit may kill. */
		cordon_bpf_trace_release(d.bpf, true);
		cordon_bpf_stop(d.bpf);
	}
	daemon_config_free(&d.cfg);
	daemon_policy_cache_clear(&d);
	free(d.snapshot);
	free(d.walk_exiting);
	free(d.pin_dir);
	free(d.cgroup_root);
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.sigfd >= 0)
		close(d.sigfd);
	return r;
}
