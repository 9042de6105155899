// SPDX-License-Identifier: GPL-2.0-only
/* Session set-up and tear-down: its cgroup, BPF maps and rules (cordon run and the daemon). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "enforce/enforce.h"
#include "sys/sys.h"
#include "loader/loader.h"
#include "compile/compile.h"

static int new_id(struct cordon_session_ctx *s)
{
	uint8_t rnd[16];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(s->name + 2 * i, 3, "%02x", rnd[i]);
	memcpy(&s->id, rnd, sizeof(s->id));
	if (!s->id)
		s->id = 1;
	return 0;
}

int cordon_session_create(struct cordon_session_ctx *s, const char *cgroup_root, bool lsm,
			  uint32_t flags)
{
	struct cordon_bpf_opts o = { .cgroup_root = cgroup_root, .lsm = lsm };

	return cordon_session_create_opts(s, &o, flags);
}

static int id_taken(void *ctx, uint64_t cgroup_id, const struct cordon_session *e)
{
	(void)cgroup_id;
	return e->id == *(uint32_t *)ctx;
}

static int make_cgroup(struct cordon_session_ctx *s, const char *cgroup_root)
{
	_cleanup_close_ int dfd = -1;
	int r;

	/* A fixed field: the daemon keeps it in its session table and restores it from its snapshot. */
	if ((size_t)snprintf(s->cgroup, sizeof(s->cgroup), "%s/%s", cgroup_root, s->name) >=
	    sizeof(s->cgroup))
		return -ENAMETOOLONG;
	r = cordon_cgroup_create(s->cgroup);
	if (r < 0)
		return r;
	r = cordon_cgroup_id(s->cgroup, &s->cgroup_id);
	if (r < 0)
		return r;
	dfd = open(s->cgroup, O_PATH | O_DIRECTORY | O_CLOEXEC);
	s->procs_fd = dfd < 0 ? -1 : openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	return s->procs_fd < 0 ? -errno : 0;
}

/* The session's cgroup, then its sessions-map entry: from then on the programs confine it. */
static int register_session(struct cordon_session_ctx *s, const char *cgroup_root, uint32_t flags)
{
	struct cordon_session entry = { .id = s->id, .flags = flags, .ring = s->ring };
	int r = make_cgroup(s, cgroup_root);

	if (r < 0)
		return r;
	s->flags = flags;
	return cordon_bpf_session_add(s->bpf, s->cgroup_id, &entry);
}

int cordon_session_create_shared(struct cordon_session_ctx *s, struct cordon_bpf *bpf,
				 const char *cgroup_root, uint32_t flags, uint32_t ring)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->procs_fd = -1;
	s->bpf = bpf;
	s->bpf_shared = true;
	s->ring = ring;
	/* Rules are keyed by the number: two live sessions must never share one. */
	for (int tries = 0;; tries++) {
		r = new_id(s);
		if (r < 0)
			return r;
		r = cordon_bpf_sessions_each(bpf, id_taken, &s->id);
		if (r == 0)
			break;
		if (r < 0 || tries == 16)
			return r < 0 ? r : -EEXIST;
	}
	/*
	 * No purge of leftovers: the number is in no entry (id_taken, above), and every entry is
	 * removed only after its rules are (cordon_session_destroy, sessions_prune, the daemon's
	 * adoption), so no rule of that number is left to leak into this session. (That purge was
	 * half of a daemon `create` at 100 sessions: a walk of every rule map, ~2.5 ms.)
	 */
	r = register_session(s, cgroup_root, flags);
	/* Registered first: a release racing with us sees the entry and keeps the tracing. */
	if (r == 0)
		r = cordon_bpf_trace_hold(bpf);
	if (r < 0)
		cordon_session_destroy(s);
	return r;
}

int cordon_session_create_opts(struct cordon_session_ctx *s, const struct cordon_bpf_opts *o,
			       uint32_t flags)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->procs_fd = -1;
	r = new_id(s);
	if (r < 0)
		return r;
	r = cordon_bpf_start(o, &s->bpf);
	if (r < 0)
		return r;
	r = register_session(s, o->cgroup_root, flags);
	if (r < 0)
		cordon_session_destroy(s);
	return r;
}

uint32_t cordon_session_flags(const struct pol_maps *m, bool lsm)
{
	if (lsm)
		return m->session_flags;
	return CORDON_SESSION_NET | CORDON_SESSION_BIND | CORDON_SESSION_SOCK |
	       (m->session_flags & (CORDON_SESSION_AUDIT_CONNECT | CORDON_SESSION_PTRACE_SECCOMP |
				    CORDON_SESSION_UNIX));
}

/*
 * Below a denied directory every file with other names (hard links made before the session)
 * gets an inode rule of its own. The scan is complete or the session does not start: a tree
 * larger or deeper than this is refused with -E2BIG naming the directory, never half-scanned.
 */
#define HARDLINK_WALK_MAX  (1u << 20)
#define HARDLINK_DEPTH_MAX 64

static int pin(struct cordon_session_ctx *s, int *fd);

/*
 * A rule on @path (relative to @dfd) under the key the hooks compute: never stat()'s st_dev,
 * which on btrfs and overlayfs names another device than the superblock the hooks read. An
 * inode_rules entry, or with @allow an allow_trees entry (@rule then NULL).
 */
static int add_key(struct cordon_session_ctx *s, int dfd, const char *path, int flags,
		   struct cordon_kinode_cache *c, const struct cordon_inode_rule *rule,
		   const struct cordon_inode_allow *allow)
{
	struct cordon_inode_key k = { .session = s->id };
	_cleanup_close_ int fd = openat(dfd, path, O_PATH | O_CLOEXEC | flags);
	struct cordon_kinode ki;
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	r = cordon_kinode_fd(fd, c, &ki);
	if (r < 0)
		return r;
	if (ki.btrfs && !cordon_bpf_btrfs_ready(s->bpf))
		return -EOPNOTSUPP;
	k.ino = ki.ino;
	k.dev = ki.dev;
	r = allow ? cordon_bpf_allow_tree_add(s->bpf, &k, allow)
		  : cordon_bpf_inode_rule_add(s->bpf, &k, rule);
	if (r < 0 || !ki.overlay || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return r;
	return pin(s, &fd);
}

static int add_inode(struct cordon_session_ctx *s, int dfd, const char *path, int flags,
		     struct cordon_kinode_cache *c, const struct cordon_inode_rule *rule)
{
	return add_key(s, dfd, path, flags, c, rule, NULL);
}

int cordon_session_allow_at(struct cordon_session_ctx *s, int dfd, const char *path, uint32_t allow)
{
	struct cordon_inode_allow a = { .allow = allow };
	int r;

	if (!allow)
		return 0;
	r = add_key(s, dfd, path, 0, NULL, NULL, &a);
	/* A tree that does not exist grants nothing, as Landlock skips it (landlock.c). */
	return r == -ENOENT || r == -ENOTDIR || r == -EACCES ? 0 : r;
}

/* Keep *@fd open for the session (cordon_session_ctx.pins). */
static int pin(struct cordon_session_ctx *s, int *fd)
{
	int *v = realloc(s->pins, (s->npins + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->pins = v;
	s->pins[s->npins++] = *fd;
	*fd = -1;
	return 0;
}

/* Rules for the regular files below @dir that could have hard links elsewhere. */
static int add_tree(struct cordon_session_ctx *s, const char *dir,
		    const struct cordon_inode_rule *rule, int depth, size_t *budget)
{
	struct cordon_kinode_cache c = { 0 };
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > HARDLINK_DEPTH_MAX)
		return -E2BIG;
	/* Unreadable to the launcher: unreadable to the agent, which runs as the same user. */
	d = opendir(dir);
	if (!d)
		return 0;
	while (!r && (e = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path = cordon_path_join(dir, e->d_name);
		if (!path) {
			r = -ENOMEM;
			break;
		}
		/* A path too long for the kernel fails here (-ENAMETOOLONG) and is skipped. */
		if (lstat(path, &st) < 0)
			continue;
		if (!*budget) {
			r = -E2BIG;
			break;
		}
		(*budget)--;
		if (S_ISREG(st.st_mode) && st.st_nlink > 1)
			r = add_inode(s, dirfd(d), e->d_name, O_NOFOLLOW, &c, rule);
		else if (S_ISDIR(st.st_mode))
			r = add_tree(s, path, rule, depth + 1, budget);
		/* Gone since readdir: nothing left to link. */
		if (r == -ENOENT)
			r = 0;
	}
	closedir(d);
	return r;
}

/* Is @dir a case-insensitive directory (chattr +F on ext4 or f2fs)? */
static bool dir_casefolded(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int flags = 0;

	return fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_CASEFOLD_FL);
}

/*
 * The rule again by its place: (the parent directory, the name). A file replaced by a rename
 * over it, or created only later, is refused under that name too. The parent must exist.
 */
static int add_dirent(struct cordon_session_ctx *s, const char *path,
		      const struct cordon_inode_rule *rule)
{
	_cleanup_free_ char *real = realpath(path, NULL), *dir = NULL;
	struct cordon_dirent_key k = { .session = s->id };
	const char *p = real ? real : path, *slash = strrchr(p, '/'), *name;
	_cleanup_close_ int fd = -1;
	struct cordon_kinode ki;
	int r;

	if (!slash || !slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return 0;
	name = slash + 1;
	if (strlen(name) >= sizeof(k.name))
		return -ENAMETOOLONG;
	dir = slash == p ? strdup("/") : strndup(p, (size_t)(slash - p));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	r = cordon_kinode_fd(fd, NULL, &ki);
	if (r < 0)
		return r;
	if (ki.btrfs && !cordon_bpf_btrfs_ready(s->bpf))
		return -EOPNOTSUPP;
	k.ino = ki.ino;
	k.dev = ki.dev;
	memcpy(k.name, name, strlen(name));
	/*
	 * A case-insensitive directory: the hooks fold the name they see (fs.bpf.h dirent_rule),
	 * A-Z only, whatever the locale.
	 */
	if (dir_casefolded(dir))
		for (size_t i = 0; k.name[i]; i++)
			if (k.name[i] >= 'A' && k.name[i] <= 'Z')
				k.name[i] = (uint8_t)(k.name[i] + ('a' - 'A'));
	r = cordon_bpf_dirent_rule_add(s->bpf, &k, rule);
	if (r < 0)
		return r;
	s->flags |= CORDON_SESSION_DIRENT;
	return ki.overlay ? pin(s, &fd) : 0;
}

int cordon_session_fill(struct cordon_session_ctx *s, const struct pol_maps *m, bool lsm,
			const char **failed_path)
{
	struct cordon_session entry = { .id = s->id, .flags = s->flags, .ring = s->ring };
	int r;

	for (size_t i = 0; i < m->nconnect; i++) {
		struct cordon_net_key k = m->connect[i].key;

		/* Entries were compiled before the session existed: key them to it now. */
		k.session = s->id;
		r = cordon_bpf_net_rule_add(s->bpf, &k, &m->connect[i].rule);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m->nbind; i++) {
		struct cordon_net_key k = m->bind[i].key;

		k.session = s->id;
		r = cordon_bpf_bind_rule_add(s->bpf, &k, &m->bind[i].rule);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m->nunix; i++) {
		struct cordon_unix_key k = m->unix_rules[i].key;

		k.session = s->id;
		r = cordon_bpf_unix_rule_add(s->bpf, &k, &m->unix_rules[i].rule);
		if (r < 0)
			return r;
	}
	if (!lsm)
		return 0;
	for (size_t i = 0; i < m->ninodes; i++) {
		struct cordon_inode_rule rule = { .rule_id = m->inodes[i].rule_id,
						  .deny = m->inodes[i].deny };
		size_t budget = HARDLINK_WALK_MAX;
		struct stat st;

		r = add_dirent(s, m->inodes[i].path, &rule);
		if (r < 0) {
			*failed_path = m->inodes[i].path;
			return r;
		}
		/* A path that does not exist yet has no inode to hang a rule on. */
		if (stat(m->inodes[i].path, &st) < 0)
			continue;
		r = add_inode(s, AT_FDCWD, m->inodes[i].path, 0, NULL, &rule);
		if (r == 0 && S_ISDIR(st.st_mode))
			r = add_tree(s, m->inodes[i].path, &rule, 0, &budget);
		if (r < 0) {
			*failed_path = m->inodes[i].path;
			return r;
		}
	}
	/* An observing session's file hooks judge the allow-lists (maps.h allow_trees). */
	for (size_t i = 0; (s->flags & CORDON_SESSION_FILE_ALLOW) && i < m->nallows; i++) {
		r = cordon_session_allow_at(s, AT_FDCWD, m->allows[i].path, m->allows[i].allow);
		if (r < 0) {
			*failed_path = m->allows[i].path;
			return r;
		}
	}
	for (size_t i = 0; i < m->npatterns; i++) {
		struct cordon_pattern_key k = { .session = s->id, .index = (uint32_t)i };

		r = cordon_bpf_pattern_add(s->bpf, &k, &m->patterns[i]);
		if (r < 0)
			return r;
	}
	/* Last: the hooks read npatterns to know how many entries are there. */
	entry.npatterns = (uint32_t)m->npatterns;
	entry.flags = s->flags;
	return cordon_bpf_session_update(s->bpf, s->cgroup_id, &entry);
}

static int write_at(const char *dir, const char *file, const char *val)
{
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = dfd < 0 ? -1 : openat(dfd, file, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);

	if (fd < 0)
		return -errno;
	return write(fd, val, len) == (ssize_t)len ? 0 : -errno;
}

/* Enable @ctl for the children of the session's parent (cordon's root) and of its parent. */
static bool enable_controller(const char *session, const char *ctl)
{
	const char *ps = strrchr(session, '/'), *gs = NULL;
	_cleanup_free_ char *parent = NULL, *grand = NULL;
	char buf[512], plus[32];

	if (ps)
		parent = strndup(session, (size_t)(ps - session));
	if (parent && (gs = strrchr(parent, '/')))
		grand = strndup(parent, (size_t)(gs - parent));
	if (!grand)
		return false;
	snprintf(plus, sizeof(plus), "+%s", ctl);
	/* Already delegated down to cordon's root, or enabled now at its parent. */
	if (cordon_cgroup_read(parent, "cgroup.controllers", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, ctl))
		write_at(grand, "cgroup.subtree_control", plus);
	return write_at(parent, "cgroup.subtree_control", plus) == 0;
}

unsigned int cordon_session_limits(struct cordon_session_ctx *s, uint64_t pids, uint64_t memory,
				   uint64_t cpu_percent)
{
	unsigned int applied = 0;
	char v[64];

	if (pids && enable_controller(s->cgroup, "pids")) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)pids);
		if (write_at(s->cgroup, "pids.max", v) == 0)
			applied |= CORDON_LIMIT_PIDS;
	}
	if (memory && enable_controller(s->cgroup, "memory")) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)memory);
		if (write_at(s->cgroup, "memory.max", v) == 0)
			applied |= CORDON_LIMIT_MEMORY;
	}
	if (cpu_percent && enable_controller(s->cgroup, "cpu")) {
		/* quota per 100 ms period: 200% is two CPUs' worth of time */
		snprintf(v, sizeof(v), "%llu 100000", (unsigned long long)cpu_percent * 1000);
		if (write_at(s->cgroup, "cpu.max", v) == 0)
			applied |= CORDON_LIMIT_CPU;
	}
	return applied | cordon_cgroup_v1_limits(s, pids, memory, cpu_percent, applied);
}

/* SIGKILL every process in the cgroup; true if there was any. */
static bool kill_listed(const char *cgroup)
{
	_cleanup_free_ char *path = cordon_path_join(cgroup, "cgroup.procs");
	_cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
	char line[32];
	bool any = false;

	while (f && fgets(line, sizeof(line), f)) {
		long pid = strtol(line, NULL, 10);

		if (pid > 0) {
			kill((pid_t)pid, SIGKILL);
			any = true;
		}
	}
	return any;
}

/* Kill what the agent left behind, until the cgroup is empty (bounded: about two seconds). */
static void kill_all(const char *cgroup)
{
	_cleanup_close_ int dfd = open(cgroup, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = dfd < 0 ? -1 : openat(dfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);

	/* cgroup.kill (5.14+) kills atomically, forks in flight included. */
	if (fd >= 0)
		(void)!write(fd, "1", 1);
	for (int round = 0; round < 200 && kill_listed(cgroup); round++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
}

void cordon_session_destroy_detached(struct cordon_session_ctx *s)
{
	struct cordon_bpf *b = s->bpf;
	pid_t p, parent;

	s->bpf = NULL;
	if (b && s->cgroup_id)
		cordon_bpf_session_del(b, s->cgroup_id);
	cordon_session_destroy(s);
	if (!b)
		return;
	/*
	 * Detaching the tracing programs waits for an RCU grace period of its own (hundreds of
	 * milliseconds): a child that holds the last references does it, so the agent's status
	 * reaches the user at once. The session is already gone; nothing here enforces anymore.
	 */
	fflush(NULL);
	parent = getpid();
	p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int pidfd = (int)syscall(SYS_pidfd_open, parent, 0);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		/* Only after the parent has gone: then its exit dropped references, not the last. */
		if (pidfd >= 0) {
			struct pollfd pf = { .fd = pidfd, .events = POLLIN };

			poll(&pf, 1, 5000);
		} else {
			for (int i = 0; i < 500 && getppid() == parent; i++)
				nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		}
		cordon_bpf_stop(b);
		_exit(0);
	}
	if (p < 0)
		cordon_bpf_stop(b);
	/* else: our own references go with this process, without waiting. */
}

void cordon_session_destroy(struct cordon_session_ctx *s)
{
	bool gone = true;
	int tries = 0;

	if (s->procs_fd >= 0)
		close(s->procs_fd);
	s->procs_fd = -1;
	if (s->cgroup[0]) {
		int r;

		kill_all(s->cgroup);
		while ((r = cordon_cgroup_remove(s->cgroup)) == -EBUSY && ++tries < 100)
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		/*
		 * Fail closed: a cgroup that still holds a task keeps its session entry, so the
		 * programs keep confining what could not be killed.
		 */
		gone = r == 0 || r == -ENOENT;
	}
	if (gone)
		cordon_cgroup_v1_remove(s);
	if (s->bpf && gone) {
		/*
		 * Only after the cgroup is empty: no task of the session is left to rely on its
		 * rules. The rules go first, the entry after (a number without an entry has no
		 * rules: the creation relies on it); a purge that fails keeps the entry, whose
		 * cgroup is gone, for a later prune (loader.c: sessions_prune) to purge again.
		 */
		bool purged =
			!s->bpf_shared || !s->id || cordon_bpf_purge_session(s->bpf, s->id) == 0;

		if (s->cgroup_id && purged)
			cordon_bpf_session_del(s->bpf, s->cgroup_id);
		if (s->bpf_shared)
			cordon_bpf_trace_release(s->bpf, false);
	}
	/* The overlayfs directories' numbers must hold as long as their rules can be used. */
	if (gone) {
		for (size_t i = 0; i < s->npins; i++)
			close(s->pins[i]);
		free(s->pins);
		s->pins = NULL;
		s->npins = 0;
	}
	if (s->bpf && !s->bpf_shared)
		cordon_bpf_stop(s->bpf);
	s->bpf = NULL;
}
