// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket. Who is asking comes from SO_PEERCRED, never from the message; every
 * message is validated by cordon_ctl_parse_request() before anything acts on it. A user may
 * create sessions, and list, read and end their own; root may do so for all. A process that is
 * itself inside a session may not create or end one: otherwise an agent could ask for a
 * looser session and be moved out of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "audit/audit.h"
#include "sys/sys.h"
#include "cli.h"
#include "daemon.h"
#include "loader/loader.h"
#include "policy/policy.h"

int daemon_ctl_listen(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_free_ char *dir = strdup(d->o.socket);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	struct stat st;

	if (strlen(d->o.socket) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	/* A stale socket of a previous instance is replaced; anything else at the path is not. */
	if (lstat(d->o.socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			daemon_log("%s exists and is not a socket", d->o.socket);
			return -EEXIST;
		}
		unlink(d->o.socket);
	}
	strcpy(sa.sun_path, d->o.socket);
	d->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->lfd < 0)
		return -errno;
	if (bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(d->o.socket, 0666) < 0 ||
	    listen(d->lfd, 128) < 0) {
		daemon_log("%s: %s", d->o.socket, strerror(errno));
		return -errno;
	}
	return 0;
}

static void drop_client(struct daemon *d, struct dclient *c)
{
	struct dclient **pp;

	for (pp = &d->clients; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	d->nclients--;
	/*
	 * Out of the epoll set before the close: a registration belongs to the open file, not
	 * to the descriptor, and a forked child (a spawn worker, an audit reader) holding a copy
	 * of this connection would keep it alive after close(), delivering its events to this
	 * client after it is freed.
	 */
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	c->next = d->dead_clients;
	d->dead_clients = c;
}

/*
 * Parked, a client stays in the list: it counts against its user's connections (admit()), so
 * a user cannot have more walks running than connections, but it is neither read, expired nor
 * reaped until its walk is done (the walk holds it).
 */
void daemon_client_park(struct daemon *d, struct dclient *c)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
}

void daemon_client_done(struct daemon *d, struct dclient *c, json_t *rep)
{
	struct dclient **pp;

	for (pp = &d->clients; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = c->next;
		d->nclients--;
	}
	if (rep)
		(void)cordon_ctl_send(c->fd, rep);
	json_decref(rep);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	c->next = d->dead_clients;
	d->dead_clients = c;
}

/*
 * In a child of the daemon (a spawn worker, an audit reader): the daemon's loop descriptors
 * and the other clients' connections are not the child's. Held, they would keep another
 * caller's connection open after the daemon dropped it, and with it that connection's epoll
 * registration in the daemon's (shared) epoll instance.
 */
void daemon_child_close(struct daemon *d, int keep)
{
	for (struct dclient *c = d->clients; c; c = c->next)
		if (c->fd >= 0 && c->fd != keep)
			close(c->fd);
	daemon_walk_child_close(d);
	/*
	 * And every session's own (the child's included: the daemon watches them): held, a
	 * session's resolver kept its port bound and its TCP clients connected after the session
	 * ended, and its record channel open to a worker whose daemon end had closed.
	 */
	for (struct dsession *s = d->sessions; s; s = s->next) {
		if (s->events_fd >= 0)
			close(s->events_fd);
		if (s->rec.fd >= 0)
			close(s->rec.fd);
		if (s->dns.r)
			cordon_dns_forget(s->dns.r);
	}
	if (d->lfd >= 0)
		close(d->lfd);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * One user must not be able to lock the others (or root) out by holding connections: a cap per
 * user, a cap for all ordinary users together with room kept for root, and an idle timeout.
 */
/* Connections of @uid whose peer has gone (closed before we read them): dropped now. */
static void reap_gone(struct daemon *d, uid_t uid)
{
	struct dclient *c, *next;

	for (c = d->clients; c; c = next) {
		struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };

		next = c->next;
		if (c->uid == uid && !c->pending && poll(&p, 1, 0) == 1 &&
		    (p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
			drop_client(d, c);
	}
}

static bool admit(struct daemon *d, uid_t uid)
{
	size_t mine = 0, others = 0;

	reap_gone(d, uid);
	for (struct dclient *c = d->clients; c; c = c->next) {
		mine += c->uid == uid;
		others += c->uid != 0;
	}
	if (uid == 0)
		return d->nclients < DAEMON_MAX_CLIENTS + DAEMON_ROOT_CLIENTS;
	return mine < DAEMON_MAX_PER_UID && others < DAEMON_MAX_CLIENTS;
}

void daemon_ctl_expire(struct daemon *d)
{
	uint64_t now = now_ns();
	struct dclient *c, *next;

	for (c = d->clients; c; c = next) {
		next = c->next;
		if (!c->pending && now - c->last_ns > DAEMON_CLIENT_IDLE * 1000000000ull)
			drop_client(d, c);
	}
}

void daemon_ctl_accept(struct daemon *d)
{
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct dclient *c;
		int fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    !admit(d, cred.uid) || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->last_ns = now_ns();
		c->watch = WATCH_CLIENT;
		c->fd = fd;
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
		if (daemon_watch_add(d, fd, EPOLLIN, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = d->clients;
		d->clients = c;
		d->nclients++;
	}
}

/* Is @pid inside a cordon session (any cgroup below cordon's root)? Unknown counts as yes. */
bool daemon_pid_in_session(struct daemon *d, pid_t pid)
{
	size_t rl = strlen(d->cgroup_rel);
	char path[64], line[4300];
	bool inside = true;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	/* cgroup v2 only: "0::/relative/path" */
	while (fgets(line, sizeof(line), f)) {
		const char *cg = line + 3;

		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		inside = !strncmp(cg, d->cgroup_rel, rl) && (cg[rl] == '/' || cg[rl] == '\0');
		break;
	}
	fclose(f);
	return inside;
}

/* The peer's real uid as /proc says now: the pid from SO_PEERCRED still names that peer. */
static bool peer_alive_as(pid_t pid, uid_t uid)
{
	char path[64], line[256];
	FILE *f;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long ruid;

		if (strncmp(line, "Uid:\t", 5))
			continue;
		errno = 0;
		ruid = strtoul(line + 5, &end, 10);
		ok = !errno && end != line + 5 && ruid == uid;
		break;
	}
	fclose(f);
	return ok;
}

json_t *daemon_errors_json(const struct policy_errors *errs)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < errs->n; i++)
		json_array_append_new(a,
				      json_sprintf("%s:%d:%d: %s", errs->v[i].file, errs->v[i].line,
						   errs->v[i].col, errs->v[i].msg));
	return a;
}

json_t *daemon_policy_refusal(int err, const struct cordon_ctl_request *q,
			      struct policy_errors *errs)
{
	json_t *rep = cordon_ctl_error(err, "policy '%s' is not usable",
				       q->policy ? q->policy : q->policy_file);

	if (rep)
		json_object_set_new(rep, "errors", daemon_errors_json(errs));
	policy_errors_free(errs);
	return rep;
}

static json_t *op_create(struct daemon *d, struct dclient *c, const struct cordon_ctl_request *q)
{
	struct policy_errors errs = { 0 };
	struct policy *pol = NULL;
	struct dsession *s = NULL;
	unsigned int limits = 0;
	char err[512], pid[32];
	struct daemon_overlay ov = { .hosts_text = q->hosts_text,
				     .hosts_len = q->hosts_len,
				     .allow_connect = q->allow_connect,
				     .nallow_connect = q->nallow_connect,
				     .allow = q->allow,
				     .nallow = q->nallow };
	json_t *rep;
	int r;

	if (daemon_pid_in_session(d, c->pid))
		return cordon_ctl_error(EPERM, "a process inside a session cannot start another");
	cli_phase("daemon: create checked");
	r = daemon_policy_resolve(d, q->policy, q->policy_text, q->policy_len, q->policy_file,
				  c->uid, q->project, q->ssh_auth_sock, &ov, &pol, &errs);
	if (r < 0)
		return daemon_policy_refusal(r, q, &errs);
	policy_errors_free(&errs);
	cli_phase("daemon: create policy resolved");
	r = daemon_session_create(d, pol, c->uid, c->pid, q->project, false, false, &s, &limits,
				  err, sizeof(err));
	if (r < 0) {
		policy_free(pol);
		return cordon_ctl_error(r, "%s", err);
	}
	/*
	 * Move the caller in. The pid is the one that connected; it must still be a process of
	 * the same user, so a recycled pid of someone else is never moved.
	 */
	snprintf(pid, sizeof(pid), "%d", (int)c->pid);
	if (!peer_alive_as(c->pid, c->uid) ||
	    write(s->s.procs_fd, pid, strlen(pid)) != (ssize_t)strlen(pid)) {
		r = errno ? -errno : -ESRCH;
		daemon_session_end(d, s, "the client could not be moved in");
		policy_free(pol);
		return cordon_ctl_error(r, "moving the client into the session: %s", strerror(-r));
	}
	cli_phase("daemon: create moved in");
	daemon_watch_add(d, s->events_fd, EPOLLPRI, s);
	daemon_log("session %s: policy %s for uid %u (pid %d), project %s", s->s.name, s->policy,
		   (unsigned)c->uid, (int)c->pid, s->project);
	rep = cordon_ctl_ok();
	if (rep) {
		json_object_set_new(rep, "session", json_string(s->s.name));
		json_object_set_new(rep, "cgroup", json_string(s->s.cgroup));
		json_object_set_new(rep, "policy", json_string(s->policy));
		json_object_set_new(rep, "policy_sha256", json_string(s->sha256));
		json_object_set_new(rep, "layers",
				    json_pack("{s:b,s:b,s:b}", "cgroup_bpf", 1, "bpf_lsm", s->lsm,
					      "cgroup_unix", cordon_bpf_unix_ready(d->bpf)));
		json_object_set_new(rep, "limits", json_integer(limits));
	}
	policy_free(pol);
	return rep;
}

static json_t *op_list(struct daemon *d, struct dclient *c)
{
	json_t *rep = cordon_ctl_ok(), *a = json_array();

	for (struct dsession *s = d->sessions; rep && a && s; s = s->next) {
		char ts[40];

		if (c->uid != 0 && c->uid != s->uid)
			continue;
		cordon_audit_rfc3339(s->started_ns, ts, sizeof(ts));
		json_array_append_new(
			a, json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:o,s:{s:b,s:b},s:b,s:b,s:b,s:I}",
				     "session", s->s.name, "uid", (json_int_t)s->uid, "user",
				     s->user, "policy", s->policy, "project", s->project, "started",
				     ts, "pids", cordon_cgroup_pids_json(s->s.cgroup), "layers",
				     "cgroup_bpf", 1, "bpf_lsm", s->lsm, "auto", s->auto_confine,
				     "detach", s->detach, "detached", s->detached, "age_s",
				     (json_int_t)((cordon_realtime_ns() - s->started_ns) /
						  1000000000ull)));
	}
	if (rep)
		json_object_set_new(rep, "sessions", a ? a : json_array());
	else
		json_decref(a);
	return rep;
}

/* @name: the id @prefix names among the caller's sessions (root: all). */
static bool may(struct daemon *d, struct dclient *c, const char *prefix, char name[33], int *err)
{
	uid_t owner;
	int r = daemon_session_resolve(d, c->uid, prefix, name);

	if (r < 0 || daemon_session_owner(d, name, &owner) < 0) {
		*err = r == -EEXIST ? EEXIST : ENOENT;
		return false;
	}
	/* Not "permission denied" for someone else's session: do not confirm it exists. */
	if (c->uid != 0 && c->uid != owner) {
		*err = ENOENT;
		return false;
	}
	return true;
}

static json_t *no_session(int err)
{
	return err == EEXIST
		       ? cordon_ctl_error(EEXIST, "several sessions start so: give more digits")
		       : cordon_ctl_error(ENOENT, "no such session");
}

static json_t *op_end(struct daemon *d, struct dclient *c, const struct cordon_ctl_request *q)
{
	struct dsession *s;
	char why[64], name[CORDON_CTL_SESSION_LEN + 1];
	int err;

	if (daemon_pid_in_session(d, c->pid))
		return cordon_ctl_error(EPERM, "a process inside a session cannot end one");
	if (!may(d, c, q->session, name, &err))
		return no_session(err);
	s = daemon_session_find(d, name);
	if (!s)
		return cordon_ctl_error(ENOENT, "no such session");
	snprintf(why, sizeof(why), "ended by uid %u", (unsigned)c->uid);
	daemon_session_end(d, s, why);
	return cordon_ctl_ok();
}

/* Send one batch of lines; the client reassembles. */
static int flush_lines(int fd, json_t *lines)
{
	json_t *m = cordon_ctl_ok();
	int r;

	if (!m)
		return -ENOMEM;
	json_object_set(m, "lines", lines);
	r = cordon_ctl_send(fd, m);
	json_decref(m);
	json_array_clear(lines);
	return r;
}

static void audit_path(const struct daemon_config *cfg, int i, char *path, size_t len)
{
	if (i)
		snprintf(path, len, "%s.%d", cfg->audit_file, i);
	else
		snprintf(path, len, "%s", cfg->audit_file);
}

/*
 * The rotation (FILE.N .. FILE.1, FILE) that holds @from, or -1 when none does any more (rotated
 * out: every file left is newer, all are read). Files are renamed by rotation, never rewritten,
 * so the inode is where the session's first record went, and the offset still holds in it.
 */
static int audit_start(const struct daemon_config *cfg, const struct cordon_audit_pos *from)
{
	char path[4200];
	struct stat st;

	for (int i = 0; from && i <= (int)cfg->audit_keep; i++) {
		audit_path(cfg, i, path, sizeof(path));
		if (stat(path, &st) == 0 && (uint64_t)st.st_dev == from->dev &&
		    (uint64_t)st.st_ino == from->ino)
			return i;
	}
	return -1;
}

/*
 * In a child of the daemon: the records of @session, oldest file first, then "done". With @from
 * (where the file stood before the session's first record), the files rotated before it are
 * skipped and its own is read from there: a session's end no longer reads the whole log (10-15
 * ms with a 29 MB log, measured; it grows with the log).
 */
static int send_records(const struct daemon_config *cfg, const char *session,
			const struct cordon_audit_pos *from, int fd)
{
	char needle[64], path[4200];
	json_t *lines = json_array(), *done;
	int start = audit_start(cfg, from);
	size_t bytes = 0;
	int r = 0;

	if (!lines)
		return -ENOMEM;
	snprintf(needle, sizeof(needle), "\"session\":\"%s\"", session);
	for (int i = start >= 0 ? start : (int)cfg->audit_keep; r == 0 && i >= 0; i--) {
		_cleanup_free_ char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		FILE *f;

		audit_path(cfg, i, path, sizeof(path));
		f = fopen(path, "re");
		/* The same inode as audit_start() found (a rotation between: read it whole). */
		if (f && from && i == start) {
			struct stat st;

			if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_dev == from->dev &&
			    (uint64_t)st.st_ino == from->ino && (uint64_t)st.st_size >= from->off)
				fseeko(f, (off_t)from->off, SEEK_SET);
		}
		while (r == 0 && f && (n = getline(&line, &cap, f)) > 0) {
			json_t *rec;

			if (!strstr(line, needle))
				continue;
			/* The substring is a hint; the parsed field decides. */
			rec = json_loadb(line, (size_t)n, 0, NULL);
			if (rec && !strcmp(json_string_value(json_object_get(
						   json_object_get(rec, "cordon"), "session"))
						   ?: "",
					   session)) {
				if (bytes + (size_t)n > CORDON_CTL_MAX_MSG / 2) {
					r = flush_lines(fd, lines);
					bytes = 0;
				}
				line[strcspn(line, "\n")] = '\0';
				json_array_append_new(lines, json_string(line));
				bytes += (size_t)n + 8;
			}
			json_decref(rec);
		}
		if (f)
			fclose(f);
	}
	if (r == 0 && json_array_size(lines))
		r = flush_lines(fd, lines);
	json_decref(lines);
	done = r == 0 ? cordon_ctl_ok() : NULL;
	if (done) {
		json_object_set_new(done, "done", json_true());
		r = cordon_ctl_send(fd, done);
		json_decref(done);
	}
	return r;
}

/*
 * Records of one session from the audit file and its rotations. The reply can be large and
 * the client slow: a child writes it, so the daemon's loop never waits on a client.
 */
static json_t *op_audit(struct daemon *d, struct dclient *c, const struct cordon_ctl_request *q,
			bool *handed_off)
{
	const struct cordon_audit_pos *from;
	char name[CORDON_CTL_SESSION_LEN + 1];
	struct dsession *s;
	int err;
	pid_t p;

	if (!may(d, c, q->session, name, &err))
		return no_session(err);
	if (!d->cfg.audit_file)
		return cordon_ctl_error(ENOENT, "the daemon writes no audit file");
	s = daemon_session_find(d, name);
	from = s && s->audit_from_known ? &s->audit_from : NULL;
	if (d->nreaders >= DAEMON_MAX_READERS)
		return cordon_ctl_error(EAGAIN, "busy: try again");
	/* What the kernel has recorded so far is in the file before the child reads it. */
	if (d->rb)
		ring_buffer__consume(d->rb);
	if (d->stream.sink)
		cordon_audit_sink_flush(d->stream.sink);
	p = fork();
	if (p < 0)
		return cordon_ctl_error(errno, "fork: %s", strerror(errno));
	if (p == 0) {
		daemon_child_close(d, c->fd);
		/* Blocking, bounded: a client that stops reading ends this child, not the daemon. */
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){ .tv_sec = 5 },
			   sizeof(struct timeval));
		_exit(send_records(&d->cfg, name, from, c->fd) == 0 ? 0 : 1);
	}
	d->nreaders++;
	*handed_off = true;
	return NULL;
}

static json_t *op_hello(struct daemon *d)
{
	json_t *rep = cordon_ctl_ok();

	if (rep)
		json_object_set_new(rep, "daemon",
				    json_pack("{s:i,s:b,s:i,s:i,s:I}", "pid", (int)getpid(),
					      "bpf_lsm", d->lsm, "landlock_abi", d->landlock_abi,
					      "protocol", CORDON_CTL_VERSION, "sessions",
					      (json_int_t)d->nsessions));
	return rep;
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

void daemon_ctl_client(struct daemon *d, struct dclient *c)
{
	_cleanup_free_ char *buf = malloc(CORDON_CTL_MAX_MSG + 1);
	struct cordon_ctl_request q;
	int fds[CORDON_SPAWN_FDS];
	bool handed_off = false;
	size_t n = 0, nfds = 0;
	char err[256];
	json_t *rep = NULL;
	int r;

	if (!buf)
		return;
	r = cordon_ctl_recv_fds(c->fd, buf, CORDON_CTL_MAX_MSG, &n, fds, CORDON_SPAWN_FDS, &nfds);
	cli_phase("daemon: received");
	if (r == -EAGAIN || r == -EINTR)
		return;
	if (r == -EPIPE || (r < 0 && r != -EMSGSIZE && r != -EPROTO)) {
		drop_client(d, c);
		return;
	}
	if (r == 0)
		r = cordon_ctl_parse_request(buf, n, &q, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s",
			 r == -EMSGSIZE ? "message too large" : "too many descriptors");
	/* Descriptors come with `spawn` only; any others are closed unread. */
	if (r == 0 && q.op != CORDON_CTL_SPAWN) {
		close_fds(fds, nfds);
		nfds = 0;
	}
	if (r < 0) {
		rep = cordon_ctl_error(r, "%s", err);
	} else {
		switch (q.op) {
		case CORDON_CTL_HELLO:
			rep = op_hello(d);
			break;
		case CORDON_CTL_CREATE:
			rep = op_create(d, c, &q);
			break;
		case CORDON_CTL_LIST:
			rep = op_list(d, c);
			break;
		case CORDON_CTL_END:
			rep = op_end(d, c, &q);
			break;
		case CORDON_CTL_AUDIT:
			rep = op_audit(d, c, &q, &handed_off);
			break;
		case CORDON_CTL_SPAWN:
			/* Taken by the repository walk on success (nfds 0, q emptied). */
			rep = daemon_op_spawn(d, c, &q, fds, &nfds);
			close_fds(fds, nfds);
			break;
		}
		cordon_ctl_request_free(&q);
	}
	c->last_ns = now_ns();
	if (c->pending) {
		/* Its spawn waits for the walk: no other request is read meanwhile. */
		daemon_client_park(d, c);
		return;
	}
	if (handed_off) {
		/* The child owns the reply (and its copy of the connection). */
		drop_client(d, c);
		return;
	}
	if (!rep || cordon_ctl_send(c->fd, rep) < 0)
		drop_client(d, c);
	json_decref(rep);
	cli_phase("daemon: replied");
}
