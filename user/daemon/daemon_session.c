// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sessions the daemon runs: created on a client's request (or for auto-confinement), ended
 * when their cgroup empties or their owner asks, and persisted under <run_dir>/sessions so a
 * restarted daemon adopts the ones still running. The kernel enforces a session from its
 * sessions-map entry, which lives in a pinned map: the daemon's own bookkeeping is only needed
 * to end sessions and to label their audit records.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "audit/audit.h"
#include "cli.h"
#include "enforce/enforce.h"
#include "sys/sys.h"
#include "daemon.h"
#include "loader/loader.h"
#include "policy/policy.h"
#include "compile/compile.h"

/* The state file of session @name (allocated; NULL when out of memory). */
static char *state_path(const struct daemon *d, const char *name)
{
	return cordon_strdup_printf("%s/sessions/%s.json", d->o.run_dir, name);
}

/* Written to a temporary file and renamed: a crash never leaves half a state file. */
int daemon_session_persist(struct daemon *d, const struct dsession *s, bool ended)
{
	_cleanup_free_ char *dir = cordon_path_join(d->o.run_dir, "sessions");
	_cleanup_free_ char *path = state_path(d, s->s.name);
	_cleanup_free_ char *tmp = path ? cordon_strdup_printf("%s.tmp", path) : NULL;
	json_t *o;
	int r = 0;

	if (!dir || !tmp)
		return -ENOMEM;
	mkdir(dir, 0700);
	o = json_pack("{s:s,s:I,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:b,s:b,s:b}", "name", s->s.name,
		      "id", (json_int_t)s->s.id, "cgroup", s->s.cgroup, "cgroup_id",
		      (json_int_t)s->s.cgroup_id, "uid", (json_int_t)s->uid, "user", s->user,
		      "policy", s->policy, "sha256", s->sha256, "project", s->project, "started_ns",
		      (json_int_t)s->started_ns, "lsm", s->lsm, "auto", s->auto_confine, "ended",
		      ended);
	if (o && s->observe)
		json_object_set_new(o, "observe", json_true());
	if (o && s->detach)
		json_object_set_new(o, "detach", json_true());
	if (o && s->detached)
		json_object_set_new(o, "detached", json_true());
	if (!o)
		return -ENOMEM;
	if (s->exec[0])
		json_object_set_new(o, "exec", json_string(s->exec));
	json_object_set_new(o, "pid", json_integer(s->pid));
	/* The names of its rules, for a daemon that adopts it after a restart. */
	if (!ended)
		json_object_set_new(o, "rules", cordon_audit_rules_to_json(&s->rules));
	if (!ended && s->actx.known)
		json_object_set_new(o, "attrib", cordon_attrib_to_json(&s->actx));
	if (json_dump_file(o, tmp, JSON_COMPACT) < 0 || rename(tmp, path) < 0)
		r = -EIO;
	json_decref(o);
	return r;
}

static void audit_session(struct daemon *d, struct dsession *s, const char *action, const char *why,
			  const struct policy *pol)
{
	struct cordon_audit_session as = {
		.ctx = &s->audit,
		.start_ns = s->started_ns,
		.project = s->project,
		.layers = POL_NEEDS_CGROUP_BPF | (s->lsm ? POL_NEEDS_BPF_LSM : 0),
		/* Landlock, seccomp and the view are the client's: it reports them itself. */
		.layers_reported = POL_NEEDS_CGROUP_BPF | POL_NEEDS_BPF_LSM,
		.daemon = true,
		.auto_confine = s->auto_confine,
		.observe = s->observe,
		.observe_files = s->observe_files,
		.detached = s->detached,
		.reason = why,
		.pid = s->pid,
		.has_user = true,
		.uid = s->uid,
		.user = s->user,
		.policy = pol,
	};
	uint64_t now = cordon_realtime_ns();
	bool end = !strcmp(action, "session-end");
	json_t *rec;

	if (!d->stream.sink)
		return;
	/* Folded refusals summarised before the end; the start repeated atop every rotated
	 * file while the session lives. */
	if (end) {
		struct cordon_ring_use u;

		cordon_audit_stream_tick(&d->stream, UINT64_MAX);
		/* Its own lost records, exactly: a flood of another session's is not its loss. */
		if (s->s.id && cordon_bpf_ring_use(d->bpf, s->s.id, &u) == 0) {
			as.has_lost = true;
			as.lost = u.lost;
			as.lost_over_share = u.over_share;
		}
		as.memory_kills = cordon_cgroup_v1_oom_kills(&s->s);
	}
	rec = end ? cordon_audit_session_end(&as, now) : cordon_audit_session_start(&as, now);
	cordon_audit_sink_keep_first(d->stream.sink, s->s.name, end ? NULL : rec);
	cordon_audit_sink_emit(d->stream.sink, rec);
	cordon_audit_sink_flush(d->stream.sink);
}

static void fill_audit_ctx(struct daemon *d, struct dsession *s)
{
	s->audit = (struct cordon_audit_ctx){ .session = s->s.name,
					      .policy = s->policy,
					      .policy_sha256 = s->sha256[0] ? s->sha256 : NULL,
					      .host = d->hostname,
					      .rules = &s->rules };
}

static int open_events(struct dsession *s)
{
	_cleanup_free_ char *path = cordon_path_join(s->s.cgroup, "cgroup.events");

	if (!path)
		return -ENOMEM;
	s->events_fd = open(path, O_RDONLY | O_CLOEXEC);
	return s->events_fd < 0 ? -errno : 0;
}

static void user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = cordon_getpw(NULL, uid);

	snprintf(buf, len, "%s", pw ? pw->pw_name : "");
}

/* No lookup here: host names are answered by the session's resolver when the agent asks. */
static int compile(const struct policy *pol, const char *project, struct pol_maps *maps,
		   struct policy_errors *errs)
{
	int r = policy_compile_maps(pol, 1, cordon_resolve, NULL, maps, errs);

	if (r == 0)
		r = policy_compile_unix(pol, project, maps);
	return r;
}

static void dns_refused(void *ctx, const char *name, uint16_t qtype, enum cordon_dns_reason why)
{
	struct dsession_dns *w = ctx;
	char type[32];

	if (!w->d->stream.sink)
		return;
	cordon_dns_type_name(qtype, type, sizeof(type));
	cordon_audit_sink_emit(w->d->stream.sink,
			       cordon_audit_dns_refused(&w->s->audit, name, type,
							cordon_dns_reason_name(why),
							cordon_realtime_ns()));
}

int daemon_session_dns_start(struct daemon *d, struct dsession *s, const struct pol_maps *maps)
{
	struct cordon_dns_opts o = { .hooks = { .refused = dns_refused, .ctx = &s->dns } };
	int r;

	s->dns = (struct dsession_dns){ .watch = WATCH_DNS, .s = s, .d = d };
	r = cordon_session_dns_open(&s->s, maps, &o, &s->dns.r);
	if (r == 0) {
		r = daemon_watch_add(d, cordon_dns_fd(s->dns.r), EPOLLIN, &s->dns);
		if (r < 0)
			daemon_session_dns_stop(d, s);
	}
	return r;
}

void daemon_session_dns_serve(struct dsession_dns *w)
{
	if (w->r && !w->s->dead)
		cordon_dns_serve(w->r);
}

void daemon_session_dns_stop(struct daemon *d, struct dsession *s)
{
	if (!s->dns.r)
		return;
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, cordon_dns_fd(s->dns.r), NULL);
	cordon_dns_close(s->dns.r);
	s->dns.r = NULL;
}

int daemon_session_add_rules(struct daemon *d, struct dsession *s, const struct policy *pol)
{
	struct policy_errors errs = { 0 };
	struct pol_maps maps = { 0 };
	const char *failed = NULL;
	int r;

	r = compile(pol, s->project[0] ? s->project : NULL, &maps, &errs);
	if (r == 0)
		r = cordon_session_fill(&s->s, &maps, d->lsm, &failed);
	if (r < 0)
		daemon_log("session %s: rules of policy '%s'%s%s: %s", s->s.name, pol->name,
			   failed ? " at " : "", failed ? failed : "", strerror(-r));
	pol_maps_free(&maps);
	policy_errors_free(&errs);
	return r;
}

/* A session record for @uid, not yet live: no cgroup, no rules. */
static struct dsession *new_session(struct daemon *d, const struct policy *pol, uid_t uid,
				    pid_t pid, const char *project, bool auto_confine)
{
	/* The daemon is root and loaded the programs: cgroup BPF always, BPF LSM if it runs. */
	const struct cordon_plan_kernel k = { .root = true,
					      .cgroup_bpf = true,
					      .cgroup_unix = cordon_bpf_unix_ready(d->bpf),
					      .bpf_lsm = d->lsm };
	struct dsession *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->watch = WATCH_SESSION;
	s->events_fd = -1;
	s->rec.fd = -1;
	s->s.procs_fd = -1;
	s->uid = uid;
	s->pid = pid;
	s->lsm = cordon_plan_layers(&k) & POL_NEEDS_BPF_LSM;
	s->auto_confine = auto_confine;
	s->started_ns = cordon_realtime_ns();
	user_name(uid, s->user, sizeof(s->user));
	snprintf(s->policy, sizeof(s->policy), "%s", pol->name);
	snprintf(s->project, sizeof(s->project), "%s", project);
	if (cordon_policy_sha256(pol, s->sha256) < 0)
		s->sha256[0] = '\0';
	return s;
}

/* A session out of the list and gone, with nothing recorded (its making failed). */
static void discard(struct daemon *d, struct dsession *s)
{
	struct dsession **pp;

	for (pp = &d->sessions; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = s->next;
		d->nsessions--;
	}
	daemon_spawn_records_close(d, s);
	daemon_session_dns_stop(d, s);
	if (s->events_fd >= 0)
		close(s->events_fd);
	if (s->s.cgroup[0] || s->s.bpf)
		cordon_session_destroy(&s->s);
	/* A spawn's state file is written while its walk runs (daemon_walk.c): a session that
	 * never started leaves none. */
	if (s->s.name[0]) {
		_cleanup_free_ char *path = state_path(d, s->s.name);

		if (path)
			unlink(path);
	}
	cordon_audit_rules_free(&s->rules);
	cordon_attrib_free(&s->actx);
	free(s);
}

int daemon_session_publish(struct daemon *d, struct dsession *s, const struct policy *pol,
			   char *err, size_t errlen)
{
	int r;

	/* Records name the rules of the policy the session was made with; without the names
	 * (no memory) they still carry the rule ids. Built before the state file, which keeps
	 * them for a daemon that adopts the session after a restart. */
	if (cordon_audit_rules_build(pol, &s->rules) < 0)
		memset(&s->rules, 0, sizeof(s->rules));
	cli_phase("daemon: session rule names");
	r = open_events(s);
	if (r == 0)
		r = daemon_session_persist(d, s, false);
	cli_phase("daemon: session persisted");
	if (r < 0) {
		snprintf(err, errlen, "session state: %s", strerror(-r));
		return r;
	}
	audit_session(d, s, "session-start", NULL, pol);
	cli_phase("daemon: session start audited");
	return 0;
}

/* daemon_session_begin, leaving the policy's compiled maps in @maps (the caller frees them). */
static int begin(struct daemon *d, const struct policy *pol, uid_t uid, pid_t pid,
		 const char *project, bool auto_confine, bool observe, bool persist,
		 struct dsession **out, unsigned int *limits, struct pol_maps *maps, char *err,
		 size_t errlen)
{
	struct policy_errors errs = { 0 };
	struct dsession *s;
	uint32_t flags;
	int r;

	*out = NULL;
	if (d->nsessions >= DAEMON_MAX_SESSIONS) {
		snprintf(err, errlen, "too many sessions (%d)", DAEMON_MAX_SESSIONS);
		return -EAGAIN;
	}
	s = new_session(d, pol, uid, pid, project, auto_confine);
	if (!s)
		return -ENOMEM;
	s->observe = observe;
	cli_phase("daemon: session record");
	/* Compiled here for the session's flags; daemon_session_complete compiles again (the
	 * walk may have added protected paths) and checks that they are the same. */
	r = compile(pol, s->project[0] ? s->project : NULL, maps, &errs);
	if (r < 0) {
		snprintf(err, errlen, "cannot compile policy '%s': %s", pol->name, strerror(-r));
		goto fail;
	}
	cli_phase("daemon: session compiled");
	/*
	 * observe: the network programs let through and record (maps.h CORDON_SESSION_OBSERVE);
	 * with BPF LSM the file hooks judge the allow-lists too, and the spawn worker gives
	 * Landlock no filesystem right (run_opts.c run_compile), as root's own run does.
	 */
	s->observe_files = observe && s->lsm && !auto_confine;
	flags = cordon_session_flags(maps, s->lsm) | (observe ? CORDON_SESSION_OBSERVE : 0) |
		(s->observe_files ? CORDON_SESSION_FILE_ALLOW : 0);
	r = cordon_session_create_shared(&s->s, d->bpf, d->cgroup_root, flags, 0);
	if (r < 0) {
		snprintf(err, errlen, "session cgroup: %s", strerror(-r));
		goto fail;
	}
	cli_phase("daemon: session cgroup made");
	/*
	 * @persist (a spawn: its walk runs meanwhile): the state file at once, before anything
	 * slower, so that a daemon that dies before the session is complete leaves one the next
	 * daemon adopts and ends (its cgroup found empty), not a cgroup and a sessions-map entry
	 * nobody knows of. The window left is the one cordon_session_create_shared has inside.
	 */
	if (persist && daemon_session_persist(d, s, false) < 0) {
		r = -EIO;
		snprintf(err, errlen, "session state: %s", strerror(EIO));
		goto fail;
	}
	*limits = cordon_session_limits(&s->s, pol->pids, pol->memory, pol->cpu);
	cli_phase("daemon: session limits");
	*out = s;
	r = 0;
	goto out;
fail:
	discard(d, s);
out:
	policy_errors_free(&errs);
	return r;
}

int daemon_session_begin(struct daemon *d, const struct policy *pol, uid_t uid, pid_t pid,
			 const char *project, bool auto_confine, bool observe, bool persist,
			 struct dsession **out, unsigned int *limits, char *err, size_t errlen)
{
	struct pol_maps maps = { 0 };
	int r = begin(d, pol, uid, pid, project, auto_confine, observe, persist, out, limits, &maps,
		      err, errlen);

	pol_maps_free(&maps);
	return r;
}

/*
 * daemon_session_complete with the policy as it is now compiled into @maps by the caller (and
 * its hash in s->sha256).
 */
static int complete(struct daemon *d, struct dsession *s, const struct pol_maps *maps, char *err,
		    size_t errlen)
{
	const char *failed = NULL;
	uint32_t flags;
	int r;

	/* Counted again: sessions begun while others walked are not in the count. */
	if (d->nsessions >= DAEMON_MAX_SESSIONS) {
		r = -EAGAIN;
		snprintf(err, errlen, "too many sessions (%d)", DAEMON_MAX_SESSIONS);
		goto fail;
	}
	flags = cordon_session_flags(maps, s->lsm) | (s->observe ? CORDON_SESSION_OBSERVE : 0) |
		(s->observe_files ? CORDON_SESSION_FILE_ALLOW : 0);
	/* Never a session whose registered flags are not its policy's (none of them depends on
	 * the protected paths a walk adds today: this keeps it so). */
	if (flags != s->s.flags) {
		r = -EPROTO;
		snprintf(err, errlen, "session flags changed with the repository walk (%#x, %#x)",
			 (unsigned)s->s.flags, (unsigned)flags);
		goto fail;
	}
	r = cordon_session_fill(&s->s, maps, d->lsm, &failed);
	if (r < 0) {
		snprintf(err, errlen, "session rules: %s%s%s", strerror(-r), failed ? " at " : "",
			 failed ? failed : "");
		goto fail;
	}
	cli_phase("daemon: session rules filled");
	/* Host names work only through the session's resolver: no resolver, no session. */
	r = daemon_session_dns_start(d, s, maps);
	if (r < 0) {
		snprintf(err, errlen, "session resolver: %s", strerror(-r));
		goto fail;
	}
	cli_phase("daemon: session resolver");
	fill_audit_ctx(d, s);
	s->next = d->sessions;
	d->sessions = s;
	d->nsessions++;
	/* Before its first record (no task and no rule of it yet; its session-start comes when it
	 * is published): none of the session's is written earlier in the file. */
	s->audit_from_known =
		d->stream.sink && cordon_audit_sink_position(d->stream.sink, &s->audit_from) == 0;
	return 0;
fail:
	discard(d, s);
	return r;
}

int daemon_session_complete(struct daemon *d, struct dsession *s, const struct policy *pol,
			    char *err, size_t errlen)
{
	struct policy_errors errs = { 0 };
	struct pol_maps maps = { 0 };
	int r;

	/* The policy as it is now (a walk's protected paths in it): its hash and its rules. */
	if (cordon_policy_sha256(pol, s->sha256) < 0)
		s->sha256[0] = '\0';
	r = compile(pol, s->project[0] ? s->project : NULL, &maps, &errs);
	if (r < 0) {
		snprintf(err, errlen, "cannot compile policy '%s': %s", pol->name, strerror(-r));
		discard(d, s);
	} else {
		cli_phase("daemon: session compiled again");
		r = complete(d, s, &maps, err, errlen);
	}
	pol_maps_free(&maps);
	policy_errors_free(&errs);
	return r;
}

int daemon_session_make(struct daemon *d, const struct policy *pol, uid_t uid, pid_t pid,
			const char *project, bool auto_confine, bool observe, struct dsession **out,
			unsigned int *limits, char *err, size_t errlen)
{
	struct pol_maps maps = { 0 };
	int r = begin(d, pol, uid, pid, project, auto_confine, observe, false, out, limits, &maps,
		      err, errlen);

	/*
	 * Compiled once: no walk runs between the two steps here, so @pol, the project and the
	 * session's hash (new_session, from the same @pol) are those begin used, and compiling
	 * again would give the same maps (what a spawn's completion checks with its flags).
	 */
	if (r == 0) {
		r = complete(d, *out, &maps, err, errlen);
		if (r < 0)
			*out = NULL;
	}
	pol_maps_free(&maps);
	return r;
}

int daemon_session_create(struct daemon *d, const struct policy *pol, uid_t uid, pid_t pid,
			  const char *project, bool auto_confine, bool observe,
			  struct dsession **out, unsigned int *limits, char *err, size_t errlen)
{
	int r = daemon_session_make(d, pol, uid, pid, project, auto_confine, observe, out, limits,
				    err, errlen);

	if (r == 0) {
		r = daemon_session_publish(d, *out, pol, err, errlen);
		if (r < 0) {
			discard(d, *out);
			*out = NULL;
		}
	}
	return r;
}

void daemon_session_discard(struct daemon *d, struct dsession *s)
{
	discard(d, s);
}

void daemon_session_end(struct daemon *d, struct dsession *s, const char *why)
{
	struct dsession **pp;

	/*
	 * Drain first, while the session is still in the list: its last records (the exit of its
	 * last task, a refusal just before it) are labelled and attributed through the list, by
	 * cgroup id; unlinked, they would be written as nobody's.
	 */
	if (d->rb)
		ring_buffer__consume(d->rb);
	daemon_spawn_records_read(d, &s->rec);
	for (pp = &d->sessions; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	d->nsessions--;
	audit_session(d, s, "session-end", why, NULL);
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, s->events_fd, NULL);
	close(s->events_fd);
	daemon_spawn_records_close(d, s);
	daemon_session_dns_stop(d, s);
	/* An auto session's users: the entries are keyed by this cgroup id, never reused. */
	if (d->lsm)
		cordon_bpf_auto_users_purge(d->bpf, s->s.cgroup_id);
	cordon_session_destroy(&s->s);
	daemon_session_persist(d, s, true);
	daemon_log("session %s (%s, uid %u) ended: %s", s->s.name, s->policy, (unsigned)s->uid,
		   why);
	s->events_fd = -1;
	s->dead = true;
	s->next = d->dead_sessions;
	d->dead_sessions = s;
}

static bool populated(struct dsession *s)
{
	char buf[256];
	ssize_t n = pread(s->events_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return !strstr(buf, "populated 0");
}

void daemon_session_check(struct daemon *d, struct dsession *s)
{
	/*
	 * Read every time, whatever is decided: a cgroup.events change stays pending (poll
	 * says EPOLLPRI until the file is read again), so a wake left unread is a busy loop
	 * of the daemon for the rest of the session.
	 */
	bool pop = populated(s);

	/*
	 * Auto-confinement sessions wait for their next agent instead of ending; a spawned
	 * session is not over while its worker lives (its agent may not have entered yet).
	 */
	if (!s->auto_confine && !s->worker && !pop)
		daemon_session_end(d, s, "empty");
}

struct dsession *daemon_session_find(struct daemon *d, const char *name)
{
	for (struct dsession *s = d->sessions; s; s = s->next)
		if (!strcmp(s->s.name, name))
			return s;
	return NULL;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

int daemon_session_owner(struct daemon *d, const char *name, uid_t *uid)
{
	struct dsession *s = daemon_session_find(d, name);
	_cleanup_free_ char *path = NULL;
	json_t *o;

	if (s) {
		*uid = s->uid;
		return 0;
	}
	path = state_path(d, name);
	o = path ? json_load_file(path, 0, NULL) : NULL;
	if (!o)
		return -ENOENT;
	*uid = (uid_t)json_integer_value(json_object_get(o, "uid"));
	json_decref(o);
	return 0;
}

/*
 * Every session @uid may see (root: all; live ones and those the state directory remembers)
 * whose id starts with @prefix: the one id in @out, or -ENOENT (none: also when only others'
 * match, so nothing confirms they exist) or -EEXIST (several: more digits needed).
 */
int daemon_session_resolve(struct daemon *d, uid_t uid, const char *prefix,
			   char out[CORDON_CTL_SESSION_LEN + 1])
{
	_cleanup_free_ char *dir = cordon_path_join(d->o.run_dir, "sessions");
	DIR *dp = dir ? opendir(dir) : NULL;
	size_t pl = strlen(prefix), n = 0;
	struct dirent *e;
	uid_t owner;

	while (dp && (e = readdir(dp))) {
		char id[CORDON_CTL_SESSION_LEN + 1];

		if (strlen(e->d_name) != CORDON_CTL_SESSION_LEN + 5 ||
		    strcmp(e->d_name + CORDON_CTL_SESSION_LEN, ".json") ||
		    strncmp(e->d_name, prefix, pl))
			continue;
		snprintf(id, sizeof(id), "%.32s", e->d_name);
		if (daemon_session_owner(d, id, &owner) < 0 || (uid != 0 && uid != owner))
			continue;
		if (n++ == 0)
			memcpy(out, id, sizeof(id));
		else if (strcmp(out, id))
			break;
	}
	if (dp)
		closedir(dp);
	/* A live session is always in the state directory; one not yet persisted is looked at too. */
	for (struct dsession *s = d->sessions; n == 0 && s; s = s->next)
		if (!strncmp(s->s.name, prefix, pl) && (uid == 0 || uid == s->uid)) {
			snprintf(out, CORDON_CTL_SESSION_LEN + 1, "%s", s->s.name);
			n++;
		}
	return n == 1 ? 0 : n ? -EEXIST : -ENOENT;
}

/* One persisted session: re-attached when its cgroup is the same and still populated. */
static void adopt_one(struct daemon *d, const char *path)
{
	json_t *o = json_load_file(path, 0, NULL);
	struct dsession *s = NULL;
	uint64_t cg = 0;
	bool gone;
	int r;

	if (!o || json_is_true(json_object_get(o, "ended")))
		goto out;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->watch = WATCH_SESSION;
	s->events_fd = -1;
	s->rec.fd = -1;
	s->s.procs_fd = -1;
	snprintf(s->s.name, sizeof(s->s.name), "%s", jstr(o, "name"));
	snprintf(s->s.cgroup, sizeof(s->s.cgroup), "%s", jstr(o, "cgroup"));
	s->s.id = (uint32_t)json_integer_value(json_object_get(o, "id"));
	s->s.cgroup_id = (uint64_t)json_integer_value(json_object_get(o, "cgroup_id"));
	s->s.bpf = d->bpf;
	s->s.bpf_shared = true;
	s->uid = (uid_t)json_integer_value(json_object_get(o, "uid"));
	s->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	snprintf(s->user, sizeof(s->user), "%s", jstr(o, "user"));
	snprintf(s->policy, sizeof(s->policy), "%s", jstr(o, "policy"));
	snprintf(s->sha256, sizeof(s->sha256), "%s", jstr(o, "sha256"));
	snprintf(s->project, sizeof(s->project), "%s", jstr(o, "project"));
	s->started_ns = (uint64_t)json_integer_value(json_object_get(o, "started_ns"));
	s->lsm = json_is_true(json_object_get(o, "lsm"));
	s->auto_confine = json_is_true(json_object_get(o, "auto"));
	s->observe = json_is_true(json_object_get(o, "observe"));
	s->detach = json_is_true(json_object_get(o, "detach"));
	s->detached = json_is_true(json_object_get(o, "detached"));
	snprintf(s->exec, sizeof(s->exec), "%s", jstr(o, "exec"));
	/* Its rules' names, as its creator kept them; a table that fails validation names
	 * nothing (the records still carry the ids). */
	if (json_object_get(o, "rules") &&
	    cordon_audit_rules_from_json(json_object_get(o, "rules"), &s->rules) < 0)
		daemon_log("session %s: its rule names are not valid; records carry ids only",
			   s->s.name);
	if (json_object_get(o, "attrib") &&
	    cordon_attrib_from_json(json_object_get(o, "attrib"), &s->actx) < 0)
		daemon_log("session %s: its attribution context is not valid; its refusals are "
			   "written unfiltered",
			   s->s.name);
	fill_audit_ctx(d, s);
	/* Only the same cgroup (a recreated directory has another id) is this session. */
	r = cordon_cgroup_id(s->s.cgroup, &cg);
	gone = r == -ENOENT || r == -ENOTDIR || (r == 0 && cg != s->s.cgroup_id);
	if (!gone && (r < 0 || (r = open_events(s)) < 0)) {
		/*
		 * There, or not known to be gone, but not watchable now (no descriptor to spare,
		 * say): its tasks may run, so its rules and entry stay in force (fail closed),
		 * and it is not adopted; the daemon's next start tries again.
		 */
		daemon_log("session %s: its cgroup cannot be watched (%s); its rules stay in "
			   "force, not adopted",
			   s->s.name, strerror(-r));
		cordon_audit_rules_free(&s->rules);
		cordon_attrib_free(&s->actx);
		free(s);
		s = NULL;
		goto out;
	}
	if (gone) {
		/* Gone while no daemon watched: its rules go now, then its entry (a number
		 * without an entry has no rules left: session.c's creation relies on it). */
		if (!s->s.id || cordon_bpf_purge_session(d->bpf, s->s.id) == 0)
			cordon_bpf_session_del(d->bpf, s->s.cgroup_id);
		if (d->lsm)
			cordon_bpf_auto_users_purge(d->bpf, s->s.cgroup_id);
		daemon_session_persist(d, s, true);
		daemon_log("session %s ended while the daemon was away", s->s.name);
		cordon_audit_rules_free(&s->rules);
		cordon_attrib_free(&s->actx);
		free(s);
		s = NULL;
		goto out;
	}
	s->next = d->sessions;
	d->sessions = s;
	d->nsessions++;
	daemon_log("adopted session %s (%s, uid %u)", s->s.name, s->policy, (unsigned)s->uid);
	if (!s->auto_confine && !populated(s))
		daemon_session_end(d, s, "empty");
out:
	json_decref(o);
}

int daemon_sessions_adopt(struct daemon *d)
{
	_cleanup_free_ char *dir = cordon_path_join(d->o.run_dir, "sessions");
	DIR *dp = dir ? opendir(dir) : NULL;
	struct dirent *e;

	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dp))) {
		_cleanup_free_ char *path = NULL;
		size_t n = strlen(e->d_name);

		if (n != 32 + 5 || strcmp(e->d_name + 32, ".json"))
			continue;
		path = cordon_path_join(dir, e->d_name);
		if (path)
			adopt_one(d, path);
	}
	closedir(dp);
	/*
	 * Held as a session's creation holds them: the programs that come and go with the
	 * sessions attached (they are, unless detached from outside) and their links kept open
	 * by this process, so a pin removed from outside detaches nothing (loader.c: hold_fds).
	 */
	return d->nsessions ? cordon_bpf_trace_hold(d->bpf) : 0;
}
