// SPDX-License-Identifier: GPL-2.0-only
/*
 * A spawn's walk of its write trees for git repositories, off the daemon's loop.
 *
 * Every repository in a write tree is protected before the agent starts (gitrepos.c), so the
 * walk is on the launch path whatever happens; but in the daemon it must not hold the loop:
 * the loop reads every session's records from the shared ring, answers every other client and
 * ends sessions. A walk of a large tree takes 100 ms and more (6,084 directories: +97 ms here),
 * and git, asked as the user for a work tree's hooks directory, reads the user's own config,
 * which can name a FIFO that never ends. So a child of the daemon walks (as root, as the walk
 * did in the loop; git still runs as the user) and sends the entries it found through a pipe;
 * the loop takes them in as they come, and the spawn goes on when the child's last message is
 * in. The client is parked meanwhile (nothing else it sends is read). A walk that does not end
 * by its deadline fails its spawn (never a session with its repositories unprotected).
 *
 * The pipe carries NUL-terminated messages: "P" + a path to protect, then "E" + "0" or "1" (the
 * walk stopped at a bound: the gap the start line lists) + the number of work trees whose hooks
 * directory git did not say. A child that dies before its "E" fails the spawn too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon.h"
#include "enforce/enforce.h"
#include "policy/policy.h"
#include "sys/sys.h"

/*
 * The backstop: git's own answer is bounded lower (gitrepos.c), the walk by its entries. Under
 * the client's wait for its first reply (run_daemon.c: 15 s), so it hears why.
 */
#define WALK_DEADLINE_S 12
/* CORDON_GIT_REPOS_MAX repositories of 5 entries each, and their hooks paths, at most. */
#define WALK_MAX_BYTES (4u << 20)

struct dwalk {
	enum daemon_watch watch; /* WATCH_WALK: the read end of the child's pipe */
	int fd;
	pid_t child; /* until reaped */
	uint64_t deadline_ns;
	struct dclient *c; /* parked */
	struct cordon_ctl_request q;
	int fds[CORDON_SPAWN_FDS];
	size_t nfds;
	struct policy *pol;
	/*
	 * The session, begun while the walk runs (its cgroup, its sessions-map entry and limits:
	 * daemon_session_begin): the walker is a process of its own, so the daemon makes them
	 * meanwhile instead of after it (they do not depend on what it finds; the rules, which
	 * do, are filled once it is done). Nothing runs in the cgroup before the worker, forked
	 * after the rules are in. A failed walk discards it.
	 */
	struct dsession *s;
	unsigned int limits;
	char *buf;
	size_t len, cap;
	struct dwalk *next;
};

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int put(int fd, char kind, const char *s)
{
	size_t n = strlen(s) + 1;

	if (write(fd, &kind, 1) != 1)
		return -1;
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static __attribute__((noreturn)) void walker(struct daemon *d, struct dwalk *w, int out)
{
	size_t n0 = w->pol->fs_protect.n;
	char end[32];

	daemon_child_close(d, -1);
	for (size_t i = 0; i < w->nfds; i++)
		close(w->fds[i]);
	daemon_spawn_git_repos(w->pol, w->c->uid, w->q.project);
	for (size_t i = n0; i < w->pol->fs_protect.n; i++)
		if (w->pol->fs_protect.v[i].s && put(out, 'P', w->pol->fs_protect.v[i].s) < 0)
			_exit(1);
	snprintf(end, sizeof(end), "%d%zu", w->pol->protect_search_cut,
		 w->pol->protect_hooks_unknown);
	_exit(put(out, 'E', end) < 0 ? 1 : 0);
}

static void walk_free(struct dwalk *w)
{
	for (size_t i = 0; i < w->nfds; i++)
		close(w->fds[i]);
	cordon_ctl_request_free(&w->q);
	if (w->pol)
		policy_free(w->pol);
	free(w->buf);
	free(w);
}

static bool exiting_add(struct daemon *d, pid_t pid)
{
	if (d->nwalk_exiting == d->walk_exiting_cap) {
		size_t cap = d->walk_exiting_cap ? d->walk_exiting_cap * 2 : 8;
		pid_t *v = realloc(d->walk_exiting, cap * sizeof(*v));

		if (!v)
			return false;
		d->walk_exiting = v;
		d->walk_exiting_cap = cap;
	}
	d->walk_exiting[d->nwalk_exiting++] = pid;
	return true;
}

static void unlink_walk(struct daemon *d, struct dwalk *w)
{
	struct dwalk **pp;

	for (pp = &d->walks; *pp && *pp != w; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = w->next;
	if (w->fd >= 0) {
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, w->fd, NULL);
		close(w->fd);
		w->fd = -1;
	}
	/*
	 * Out of the list, it must still be told from an `audit` reader when the loop's SIGCHLD
	 * reaps it: its pid goes on the exiting list. Killed first, so it surely ends (after its
	 * last message it only exits; one that failed is stopped here). Not waited for: the exit
	 * of a fork of the daemon (its page tables, its memory) took 0.5-0.8 ms of the spawn's
	 * path. It holds nothing of the session (made after its last message, in the loop), and
	 * as its parent, not yet having reaped it, the daemon cannot signal another process by
	 * its pid. Without memory for the list: reaped here, the old short wait.
	 */
	if (w->child > 0) {
		/* Its group: the git it may still wait on (a hung config) goes with it. */
		kill(-w->child, SIGKILL);
		kill(w->child, SIGKILL);
		if (!exiting_add(d, w->child))
			while (waitpid(w->child, NULL, 0) < 0 && errno == EINTR)
				;
		w->child = 0;
	}
}

/* The walk failed: the spawn is refused, the client told why. */
static void fail(struct daemon *d, struct dwalk *w, int err, const char *why)
{
	unlink_walk(d, w);
	if (w->s)
		daemon_session_discard(d, w->s);
	w->s = NULL;
	daemon_log("uid %u: spawn refused: %s", (unsigned)w->c->uid, why);
	daemon_client_done(d, w->c, cordon_ctl_error(err, "%s", why));
	walk_free(w);
}

/* The child's messages, whole: its entries into the policy; -EPROTO when malformed or cut. */
static int take(struct dwalk *w)
{
	size_t off = 0;

	while (off < w->len) {
		const char *m = w->buf + off;
		size_t n = strnlen(m, w->len - off);

		if (n == w->len - off || n < 1)
			return -EPROTO;
		if (m[0] == 'E') {
			char *e;

			if (m[1] != '0' && m[1] != '1')
				return -EPROTO;
			w->pol->protect_search_cut |= m[1] == '1';
			w->pol->protect_hooks_unknown = strtoul(m + 2, &e, 10);
			return off + n + 1 == w->len && e != m + 2 && !*e ? 0 : -EPROTO;
		}
		if (m[0] != 'P' || m[1] != '/')
			return -EPROTO;
		if (cordon_git_repos_add(w->pol, m + 1) < 0)
			return -ENOMEM;
		off += n + 1;
	}
	return -EPROTO; /* no end message: the child died before it */
}

static void finish(struct daemon *d, struct dwalk *w)
{
	bool handed_off = false;
	json_t *rep;
	int r = take(w);

	if (r < 0) {
		fail(d, w, -r == ENOMEM ? ENOMEM : EIO,
		     "the walk of the write trees for git repositories did not complete");
		return;
	}
	unlink_walk(d, w);
	rep = daemon_spawn_finish(d, w->c, &w->q, w->fds, w->nfds, w->pol, w->s, w->limits,
				  &handed_off);
	w->pol = NULL; /* daemon_spawn_finish's now, and the session */
	w->s = NULL;
	/* The worker has its copies of the descriptors and the connection. */
	daemon_client_done(d, w->c, handed_off ? NULL : rep);
	if (handed_off)
		json_decref(rep);
	walk_free(w);
}

int daemon_walk_start(struct daemon *d, struct dclient *c, struct cordon_ctl_request *q, int *fds,
		      size_t *nfds, struct policy *pol, char *err, size_t errlen)
{
	struct dwalk *w = calloc(1, sizeof(*w));
	int p[2], r;

	if (!w) {
		snprintf(err, errlen, "the repository walk: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		snprintf(err, errlen, "the repository walk: %s", strerror(-r));
		free(w);
		return r;
	}
	*w = (struct dwalk){ .watch = WATCH_WALK,
			     .fd = p[0],
			     .deadline_ns = mono_ns() + WALK_DEADLINE_S * 1000000000ull,
			     .c = c,
			     .q = *q,
			     .nfds = *nfds,
			     .pol = pol };
	memcpy(w->fds, fds, *nfds * sizeof(*fds));
	w->child = fork();
	if (w->child == 0) {
		/*
		 * A process group of its own (set on both sides of the fork, so it exists whoever
		 * runs first): when the walk fails (its deadline, the daemon stopping) the daemon
		 * kills the group, and a git that hangs on the user's config (a FIFO) is not left
		 * behind holding whatever it inherited. Its pid is the daemon's unreaped child's
		 * until the loop reaps it, so the group's number names no other group meanwhile.
		 */
		setpgid(0, 0);
		close(p[0]);
		walker(d, w, p[1]);
	}
	if (w->child > 0)
		setpgid(w->child, w->child);
	close(p[1]);
	r = w->child < 0 ? -errno : 0;
	if (r == 0) {
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		r = daemon_watch_add(d, p[0], EPOLLIN, w);
		if (r < 0)
			snprintf(err, errlen, "the repository walk: %s", strerror(-r));
	} else {
		snprintf(err, errlen, "the repository walk: %s", strerror(-r));
	}
	/*
	 * The session begun while the walker runs, its state file written at once (a daemon that
	 * dies before the walk ends leaves a session the next one adopts and ends).
	 */
	if (r == 0) {
		r = daemon_session_begin(d, pol, c->uid, c->pid, q->project, false, q->observe,
					 true, &w->s, &w->limits, err, errlen);
		if (r < 0)
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, p[0], NULL);
	}
	if (r < 0) {
		if (w->child > 0) {
			kill(-w->child, SIGKILL);
			kill(w->child, SIGKILL);
			while (waitpid(w->child, NULL, 0) < 0 && errno == EINTR)
				;
		}
		close(p[0]);
		free(w);
		return r; /* the caller keeps the request, the descriptors and the policy */
	}
	/* Taken: the request, its descriptors and the client are the walk's now. */
	memset(q, 0, sizeof(*q));
	*nfds = 0;
	c->pending = true;
	w->next = d->walks;
	d->walks = w;
	return 0;
}

/*
 * Whether the buffer ends with a whole "E" message (the walker's last): messages are
 * NUL-terminated and a path cannot hold a NUL, so the last one starts after the NUL before it.
 * take() checks the whole buffer all the same.
 */
static bool ended(const struct dwalk *w)
{
	size_t i;

	if (w->len < 2 || w->buf[w->len - 1])
		return false;
	for (i = w->len - 1; i > 0 && w->buf[i - 1]; i--)
		;
	return w->buf[i] == 'E';
}

void daemon_walk_read(struct daemon *d, struct dwalk *w)
{
	for (;;) {
		ssize_t n;

		if (w->len == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 4096;
			char *b = cap <= WALK_MAX_BYTES ? realloc(w->buf, cap) : NULL;

			if (!b) {
				fail(d, w, E2BIG, "the repository walk sent too much");
				return;
			}
			w->buf = b;
			w->cap = cap;
		}
		n = read(w->fd, w->buf + w->len, w->cap - w->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: more later */
		if (n == 0) {
			finish(d, w);
			return;
		}
		w->len += (size_t)n;
		/* Its last message is in: the spawn goes on now, not at its exit (unlink_walk). */
		if (ended(w)) {
			finish(d, w);
			return;
		}
	}
}

bool daemon_walk_reaped(struct daemon *d, pid_t pid)
{
	for (size_t i = 0; i < d->nwalk_exiting; i++)
		if (d->walk_exiting[i] == pid) {
			d->walk_exiting[i] = d->walk_exiting[--d->nwalk_exiting];
			return true;
		}
	for (struct dwalk *w = d->walks; w; w = w->next)
		if (w->child == pid) {
			w->child = 0;
			return true;
		}
	return false;
}

void daemon_walk_expire(struct daemon *d, bool all)
{
	uint64_t now = mono_ns();
	struct dwalk *w, *next;

	for (w = d->walks; w; w = next) {
		next = w->next;
		if (all || now > w->deadline_ns)
			fail(d, w, ETIMEDOUT,
			     all ? "the daemon is stopping"
				 : "the walk of the write trees for git repositories did not end "
				   "in time");
	}
}

void daemon_walk_child_close(struct daemon *d)
{
	/* (Their clients' connections are in the daemon's list: closed with the others.) */
	for (struct dwalk *w = d->walks; w; w = w->next) {
		close(w->fd);
		for (size_t i = 0; i < w->nfds; i++)
			close(w->fds[i]);
	}
}
