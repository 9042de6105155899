// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run` at the session's end: the git repositories of its write trees checked for what
 * the session planted (enforce/gitguard.c), and protected paths it made (enforce/protect.c),
 * as the session's user, with a record of each; during the session, root's watch of the latter.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"
#include "sys/sys.h"

#define GIT_SWEEP_ENTRIES 1000000 /* directory entries: about half a second, warm */
#define GIT_SWEEP_TREES	  64

#define PROTECT_MADE 3u /* git_change.what: a protected path quarantined (index: its entry) */
#define SWEEP_DONE   0xffffffffu /* git_change.what: the child's last record, all done */

/* From the sweeping child to cordon: one neutralized file. */
struct git_change {
	uint32_t what; /* CORDON_GIT_*, PROTECT_MADE; 0: the walk was cut short */
	uint32_t dev;
	uint64_t ino;
	uint32_t index; /* PROTECT_MADE: in filesystem.protect */
	int32_t err;	/* PROTECT_MADE: the rename's -errno (it failed) */
	char path[CORDON_PATH_LEN];
};

static void on_change(void *ctx, const char *path, const struct stat *st, uint32_t what)
{
	struct git_change c = { .what = what, .dev = (uint32_t)st->st_dev, .ino = st->st_ino };
	int fd = *(int *)ctx;

	memcpy(c.path, path, strnlen(path, sizeof(c.path) - 1));
	if (write(fd, &c, sizeof(c)) != sizeof(c))
		_exit(2);
}

/* What was quarantined at protect entry @e (the sweep's and the watch's reports alike). */
static struct git_change protect_change(const struct cordon_protect_new *e, const char *path,
					const struct stat *st, int err)
{
	struct git_change c = { .what = PROTECT_MADE,
				.dev = (uint32_t)st->st_dev,
				.ino = st->st_ino,
				.index = (uint32_t)e->index,
				.err = err };

	memcpy(c.path, path, strnlen(path, sizeof(c.path) - 1));
	return c;
}

static void on_protect(void *ctx, const struct cordon_protect_new *e, const char *path,
		       const struct stat *st, int err, pid_t pid)
{
	struct git_change c = protect_change(e, path, st, err);
	int fd = *(int *)ctx;

	(void)pid;
	if (write(fd, &c, sizeof(c)) != sizeof(c))
		_exit(2);
}

/* The session's own /tmp, /var/tmp and /dev/shm vanish with it: nothing there runs later. */
static bool private_tree(const struct run *r, const char *path)
{
	const char *tmpdir = getenv("TMPDIR");

	if (!r->kern.mount_ns)
		return false;
	return !strcmp(path, "/tmp") || !strcmp(path, "/var/tmp") || !strcmp(path, "/dev/shm") ||
	       (tmpdir && !strcmp(path, tmpdir));
}

/* @path is @dir or below it. */
static bool at_or_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/' || n == 1);
}

/*
 * A write tree in a layered cache (filesystem.cache): the session wrote to the project's own
 * layer, never to the host's tree, so nothing it planted there can run outside a session of
 * the project. Walking the host's tree (~/.npm, ~/.cache: the largest trees a developer has)
 * would cost every exit its size, and would take the developer's own concurrent changes there
 * (a pre-commit cache updated meanwhile) for the session's.
 */
static bool layered_tree(const struct run *r, const char *path)
{
	for (size_t i = 0; i < r->view.nrw; i++)
		if (r->view.rw_layered[i] && at_or_under(path, r->view.rw[i]))
			return true;
	return false;
}

/* The project and the write trees, each walked once (a tree inside another is not listed). */
static size_t trees(const struct run *r, const char **v)
{
	size_t n = 0;

	if (r->project)
		v[n++] = r->project;
	for (size_t i = 0; i < r->pol->fs_write.n && n < GIT_SWEEP_TREES; i++) {
		const char *t = r->pol->fs_write.v[i].s;
		bool seen = !t || *t != '/' || private_tree(r, t) || layered_tree(r, t);

		for (size_t k = 0; k < n && !seen; k++)
			seen = at_or_under(t, v[k]);
		if (!seen)
			v[n++] = t;
	}
	/* A project inside a write tree (not a private one) is walked with it. */
	for (size_t k = 1; r->project && k < n; k++)
		if (at_or_under(r->project, v[k])) {
			v[0] = v[--n];
			break;
		}
	return n;
}

static void protect_note(struct run *r);

/* The project's config as the developer left it: what the session's writes are judged against. */
static void note_config(struct run *r, const char *git)
{
	_cleanup_free_ char *path = cordon_path_join(git, "config");
	int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
	size_t cap = 1 << 20;
	ssize_t n = 0;

	if (fd < 0)
		return;
	r->git_config0 = malloc(cap + 1);
	while (r->git_config0 && r->git_config0_len <= cap &&
	       (n = read(fd, r->git_config0 + r->git_config0_len, cap + 1 - r->git_config0_len)) >
		       0)
		r->git_config0_len += (size_t)n;
	close(fd);
	if (n != 0 || r->git_config0_len > cap) {
		/* unreadable or too big: every key of a changed config is judged */
		free(r->git_config0);
		r->git_config0 = NULL;
		r->git_config0_len = 0;
	}
}

/* The project's .git before the agent ran: the developer's repository, not one it made. */
void run_git_note(struct run *r)
{
	char path[4096];
	struct stat st;

	/*
	 * Just before the launch: what changed from here on is the session's. Inode times come
	 * from the coarse clock (a tick behind at most): 100 ms of margin err toward the session.
	 */
	r->git_since = (int64_t)cordon_realtime_ns() - 100000000ll;
	if (r->project &&
	    (size_t)snprintf(path, sizeof(path), "%s/.git", r->project) < sizeof(path) &&
	    lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		r->git_dev = st.st_dev;
		r->git_ino = st.st_ino;
		note_config(r, path);
	}
	protect_note(r);
}

void run_git_repos(struct policy *pol, const char *project, const struct run_target_user *tu,
		   const char *xdg_config)
{
	struct cordon_git_repos_opts o = {
		.project = project,
		.drop = tu && geteuid() == 0,
		.uid = tu ? tu->uid : getuid(),
		.gid = tu ? tu->gid : getgid(),
		.groups = tu ? tu->groups : NULL,
		.ngroups = tu && tu->ngroups > 0 ? (size_t)tu->ngroups : 0,
		.home = tu ? tu->home : getenv("HOME"),
		.xdg_config = tu ? xdg_config : getenv("XDG_CONFIG_HOME"),
		/* No fork while the resolver's library may be loading (dns.h). */
		.before_fork = cordon_ldns_preload_wait,
	};
	struct cordon_git_repos_stat st;
	int e = cordon_git_repos_protect(pol, &o, &st);

	if (e < 0)
		fprintf(stderr,
			"cordon: git: the repositories of the write trees could not all be "
			"protected (%s): what the session plants there is made inert when it "
			"ends\n",
			strerror(-e));
	run_git_repos_warn(pol);
}

void run_git_repos_warn(const struct policy *pol)
{
	if (pol->protect_hooks_unknown)
		fprintf(stderr,
			"cordon: git: %zu work tree(s) of the write trees did not say their hooks "
			"directory (git rev-parse failed or did not answer in time): a "
			"core.hooksPath there is checked only when the session ends\n",
			pol->protect_hooks_unknown);
}

static __attribute__((noreturn)) void sweep_child(const struct run *r, int fd)
{
	const char *v[GIT_SWEEP_TREES + 1];
	struct cordon_git_sweep o = {
		.trees = v,
		.ntrees = trees(r, v),
		.trusted_dev = r->git_dev,
		.trusted_ino = r->git_ino,
		.trusted_config = r->git_config0,
		.trusted_config_len = r->git_config0_len,
		.since = r->git_since,
		.max_entries = GIT_SWEEP_ENTRIES,
		.on_change = on_change,
		.ctx = &fd,
		.spared = r->pw.spared,
		.nspared = r->pw.nspared,
	};
	struct cordon_protect_report pr = { .on_quarantine = on_protect, .ctx = &fd };

	/* The session's user: a link the agent left cannot lend root's rights to the sweep. */
	if (geteuid() == 0 && r->o.user &&
	    (setgroups((size_t)r->tu.ngroups, r->tu.groups) < 0 ||
	     setresgid(r->tu.gid, r->tu.gid, r->tu.gid) < 0 ||
	     setresuid(r->tu.uid, r->tu.uid, r->tu.uid) < 0))
		_exit(1);
	cordon_protect_sweep(r->pkeep, r->npkeep, &pr, r->pw.spared, r->pw.nspared);
	cordon_git_sweep(&o);
	if (o.truncated) {
		struct stat st = { 0 };

		on_change(&fd, "", &st, 0);
	}
	/*
	 * Done: every rename and rewrite has returned. Said before the exit, which the caller
	 * does not wait for (this copy of the launcher's address space takes 0.3-0.4 ms to go).
	 */
	on_change(&fd, "", &(struct stat){ 0 }, SWEEP_DONE);
	_exit(0);
}

/* One CORDON_EV_FILE record of what was made inert, to the daemon or to our stream. */
static void record(struct run *r, const struct git_change *c, uint32_t rule, uint16_t hook,
		   uint8_t layer, pid_t pid)
{
	struct cordon_event_file ev;
	struct timespec ts;

	memset(&ev, 0, sizeof(ev));
	clock_gettime(CLOCK_BOOTTIME, &ts);
	ev.hdr = (struct cordon_event_hdr){ .type = CORDON_EV_FILE,
					    .version = CORDON_EVENT_VERSION,
					    .size = sizeof(ev),
					    .ts_ns = (uint64_t)ts.tv_sec * 1000000000ull +
						     (uint64_t)ts.tv_nsec,
					    .cgroup_id = r->sess.cgroup_id,
					    .session = r->sess.id,
					    .pid = (uint32_t)(pid ?: getpid()),
					    .tid = (uint32_t)(pid ?: getpid()),
					    .uid = r->o.user ? r->tu.uid : getuid(),
					    .verdict = -EPERM,
					    .rule_id = rule,
					    .hook = hook,
					    .layer = layer };
	memcpy(ev.hdr.comm, "cordon", sizeof("cordon"));
	ev.ino = c->ino;
	ev.dev = c->dev;
	ev.access = CORDON_ACCESS_WRITE;
	memcpy(ev.path, c->path, sizeof(ev.path));
	ev.path[sizeof(ev.path) - 1] = 0;
	if (r->dsess.on)
		send(r->dsess.records_fd, &ev, sizeof(ev), MSG_NOSIGNAL);
	else
		cordon_audit_stream_event(&r->ev.stream, &ev, sizeof(ev));
}

/* A protected path made during the session: quarantined (recorded), or said why not. */
static void protect_made(struct run *r, const struct git_change *c, uint8_t layer, pid_t pid)
{
	if (c->err) {
		fprintf(stderr,
			"cordon: '%s' (filesystem.protect) was made during the session and could "
			"not be renamed away: %s\n",
			c->path, strerror(-c->err));
		return;
	}
	record(r, c, POL_RULE_ID(POL_RULE_PROTECT, c->index), CORDON_HOOK_PROTECT_QUARANTINE, layer,
	       pid);
	fprintf(stderr,
		"cordon: '%s' (filesystem.protect) was made during the session: renamed to "
		"'%s.cordon-quarantined' (see the audit log)\n",
		c->path, c->path);
}

/*
 * Counts: [0] walk cut short, [CORDON_GIT_HOOK], [CORDON_GIT_CONFIG], [PROTECT_MADE]. True once
 * the child said it is done (a child that died before has not checked everything).
 */
static bool collect(struct run *r, int fd, unsigned long *count)
{
	struct git_change c;

	while (read(fd, &c, sizeof(c)) == sizeof(c)) {
		c.path[sizeof(c.path) - 1] = 0;
		if (c.what == SWEEP_DONE)
			return true;
		if (c.what > PROTECT_MADE)
			continue;
		count[c.what]++;
		if (c.what == PROTECT_MADE)
			protect_made(r, &c, CORDON_LAYER_GIT_SWEEP, 0);
		else if (c.what)
			record(r, &c, POL_RULE_ID(POL_RULE_GIT, c.what), CORDON_HOOK_GIT_SWEEP,
			       CORDON_LAYER_GIT_SWEEP, 0);
	}
	return false;
}

void run_git_sweep(struct run *r)
{
	unsigned long count[4] = { 0 };
	bool done = false;
	int fds[2];
	pid_t p;

	/* A detached session's second sweep: the first child is long gone. */
	if (r->sweep_pid > 0)
		waitpid(r->sweep_pid, NULL, 0);
	r->sweep_pid = -1;
	if (!r->pol || pipe2(fds, O_CLOEXEC) < 0)
		return;
	/* What the watch has not read yet: the session is gone, so its creators are too. */
	if (r->pw.fd >= 0)
		cordon_protect_watch_serve(&r->pw);
	p = fork();
	if (p == 0) {
		close(fds[0]);
		sweep_child(r, fds[1]);
	}
	close(fds[1]);
	if (p > 0)
		done = collect(r, fds[0], count);
	close(fds[0]);
	/*
	 * Its exit is not waited for: reaped when it is over already, else left to init when we
	 * exit (or the next sweep). Nothing of it matters any more: the walk is done.
	 */
	if (p > 0 && waitpid(p, NULL, WNOHANG) == 0)
		r->sweep_pid = p;
	if (!done) {
		fprintf(stderr, "cordon: the git repositories of the write trees could not be "
				"checked for planted hooks and config\n");
		return;
	}
	if (count[CORDON_GIT_HOOK] || count[CORDON_GIT_CONFIG])
		fprintf(stderr,
			"cordon: git: %lu hook(s) and %lu config file(s) the session changed in "
			"repositories of its write trees were made inert (*.cordon-quarantined, "
			"'# cordon:' lines; see the audit log)\n",
			count[CORDON_GIT_HOOK], count[CORDON_GIT_CONFIG]);
	if (count[0])
		fprintf(stderr,
			"cordon: git: the check of the write trees stopped after %d "
			"entries: repositories beyond were not checked\n",
			GIT_SWEEP_ENTRIES);
}

/* A path with a .git component: a repository's own file (any case: casefold trees). */
/*
 * Only entries in the write trees are watched and swept: elsewhere nothing of the session can
 * create them (Landlock, the read-only view), and the developer's own new ~/.bashrc is not the
 * session's. (Entries in a .git directory are never in the list: cordon_protect_missing().)
 */
int run_protect_missing(struct run *r)
{
	const char *v[GIT_SWEEP_TREES + 1];
	size_t nt;
	int n;

	/* The listener's own list when there is one: both judge the same paths. */
	if (r->kern.fanotify) {
		r->pnew = r->fan.protect_new;
		r->npnew = r->fan.nprotect_new;
	} else {
		n = cordon_protect_missing(&r->pol->fs_protect, &r->pnew_own);
		if (n < 0)
			return n;
		r->pnew = r->pnew_own;
		r->npnew = (size_t)n;
	}
	r->pkeep = calloc(r->npnew ?: 1, sizeof(*r->pkeep));
	if (!r->pkeep)
		return -ENOMEM;
	nt = trees(r, v);
	for (size_t i = 0; i < r->npnew; i++)
		for (size_t k = 0; k < nt; k++)
			if (at_or_under(r->pnew[i].path, v[k])) {
				r->pkeep[r->npkeep++] = r->pnew[i];
				break;
			}
	r->kern.protect_new = r->npkeep;
	return 0;
}

/* The watch's report: quarantined at once, recorded as the listener's (layer fanotify). */
static void on_watch(void *ctx, const struct cordon_protect_new *e, const char *path,
		     const struct stat *st, int err, pid_t pid)
{
	struct git_change c = protect_change(e, path, st, err);

	(void)pid; /* the record names cordon, which renamed it, as git-neutralize does */
	protect_made(ctx, &c, CORDON_LAYER_FANOTIFY, 0);
}

/* The git watch's report: a hook or config made inert at once (layer fanotify). */
static void on_git_watch(void *ctx, const char *path, const struct stat *st, uint32_t what, int err,
			 pid_t pid)
{
	struct git_change c = { .what = what, .dev = (uint32_t)st->st_dev, .ino = st->st_ino };

	(void)pid; /* the record names cordon, which renamed it, as the sweep's do */
	memcpy(c.path, path, strnlen(path, sizeof(c.path) - 1));
	if (err) {
		fprintf(stderr,
			"cordon: git: '%s' was placed by the session and could not be made inert "
			"at once (%s): the sweep at the end tries again\n",
			c.path, strerror(-err));
		return;
	}
	record(ctx, &c, POL_RULE_ID(POL_RULE_GIT, what), CORDON_HOOK_GIT_SWEEP,
	       CORDON_LAYER_FANOTIFY, 0);
	fprintf(stderr, "cordon: git: '%s' placed by the session was made inert (%s)\n", c.path,
		what == CORDON_GIT_HOOK ? "renamed to *.cordon-quarantined"
					: "keys that run programs commented out");
}

static uint32_t secret_rule(void *ctx, const char *name)
{
	struct run *r = ctx;

	return cordon_fan_secret_rule(&r->fan, name);
}

static void secret_made(void *ctx, int fd, const struct stat *st, uint32_t rule)
{
	struct run *r = ctx;

	static bool said;

	if (cordon_fan_learn(&r->fan, fd, st, rule) < 0 && !said) {
		said = true;
		fprintf(stderr, "cordon: secrets: too many secret files to follow by inode: a "
				"new one renamed or linked to another name is not refused\n");
	}
}

/* A config the session put in a repository, defused as the session's user (a child). */
static int defuse_as_user(void *ctx, int dfd, const char *name)
{
	struct run *r = ctx;
	int status;
	pid_t p = fork();

	if (p < 0)
		return -errno;
	if (p == 0) {
		int n;

		if (geteuid() == 0 && r->o.user &&
		    (setgroups((size_t)r->tu.ngroups, r->tu.groups) < 0 ||
		     setresgid(r->tu.gid, r->tu.gid, r->tu.gid) < 0 ||
		     setresuid(r->tu.uid, r->tu.uid, r->tu.uid) < 0))
			_exit(3);
		n = cordon_git_config_defuse_at(dfd, name);
		_exit(n < 0 ? 2 : n > 0);
	}
	if (waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status) == 1 ? 1 : WEXITSTATUS(status) ? -EIO : 0;
}

/*
 * Root (the listener's tier) watches, during the session, the protected entries of the write
 * trees that do not exist yet and every git repository of the write trees.
 */
static void protect_note(struct run *r)
{
	const char *v[GIT_SWEEP_TREES + CORDON_VIEW_MAX_RW + 1];
	char mnt[4096];
	size_t nt;
	int e;

	if (!r->kern.fanotify)
		return;
	r->pw.report = (struct cordon_protect_report){ .on_quarantine = on_watch,
						       .on_git = on_git_watch,
						       .git_config_defuse = defuse_as_user,
						       .secret_rule = secret_rule,
						       .secret_made = secret_made,
						       .ctx = r };
	if (cordon_cgroup2_mount(mnt, sizeof(mnt)) == 0 &&
	    !strncmp(r->sess.cgroup, mnt, strlen(mnt)) && r->sess.cgroup[strlen(mnt)] == '/')
		r->pw.cgroup = r->sess.cgroup + strlen(mnt);
	e = cordon_protect_watch_create(&r->pw, r->pkeep, r->npkeep);
	if (e >= 0) {
		r->pw.git_since = r->git_since;
		r->pw.git_dev = r->git_dev;
		r->pw.git_ino = r->git_ino;
		/* The write trees, and the upper layers where a cache's writes land (a secret
		 * copied up there when the session renames it in its layer). */
		nt = trees(r, v);
		for (size_t i = 0; i < CORDON_VIEW_MAX_RW; i++)
			if (r->view.layer_upper_path[i])
				v[nt++] = r->view.layer_upper_path[i];
		e = cordon_git_watch_add(&r->pw, v, nt);
		/* The listener syncs with this queue before it answers a batch. */
		r->fan.sync = cordon_protect_watch_serve;
		r->fan.sync_ctx = &r->pw;
		if (e < 0 || r->pw.git_unwatched)
			fprintf(stderr,
				"cordon: git: the repositories %s%s are not watched (%s): what the "
				"session puts in their hooks is renamed away when it ends\n",
				e < 0 ? "of the write trees" : "in ",
				e < 0 ? "" : r->pw.git_unwatched,
				strerror(e < 0 ? -e : -r->pw.git_unwatched_err));
		e = 0;
	}
	if (e < 0) {
		fprintf(stderr,
			"cordon: protected paths that do not exist yet are not watched (%s): what "
			"the session puts there is renamed away when it ends\n",
			strerror(-e));
		cordon_protect_watch_free(&r->pw);
	}
}
