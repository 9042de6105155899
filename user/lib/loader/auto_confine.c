// SPDX-License-Identifier: GPL-2.0-only
/* Auto-confinement: registering executables by inode, and moving tagged processes in. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loader/loader.h"
#include "enforce/enforce.h"
#include "sys/sys.h"
#include "audit/audit.h"

/* Rounds of the /proc scan: each catches what the stragglers of the last one forked. */
#define SCAN_ROUNDS 8

int cordon_auto_register(struct cordon_bpf *b, const char *path, uint64_t cgroup_id,
			 struct cordon_auto_key *key)
{
	struct cordon_auto_exec v = { .cgroup_id = cgroup_id };
	struct cordon_auto_key k = { 0 };
	struct cordon_kinode ki;
	struct stat st;
	int r;

	/*
	 * Without the two LSM programs nothing would tag the process: registering would look
	 * like protection and be none.
	 */
	if (!cordon_bpf_auto_ready(b))
		return -EOPNOTSUPP;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	/* The key the exec hook reads (i_ino, s_dev), not stat()'s: they differ on btrfs. */
	r = cordon_kinode_at(AT_FDCWD, path, 0, NULL, &ki);
	if (r < 0)
		return r;
	if (ki.btrfs && !cordon_bpf_btrfs_ready(b))
		return -EOPNOTSUPP;
	k.ino = ki.ino;
	k.dev = ki.dev;
	r = cordon_bpf_auto_exec_add(b, &k, &v);
	if (r < 0)
		return r;
	if (key)
		*key = k;
	return 0;
}

int cordon_auto_unregister(struct cordon_bpf *b, const struct cordon_auto_key *key)
{
	return cordon_bpf_auto_exec_del(b, key);
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static bool alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/* Where a process is, as far as a move is concerned. */
enum where {
	OUTSIDE,
	IN_SESSION,
	IN_OTHER_SESSION
};

struct place {
	const char *cgroup; /* the session cgroup, absolute */
	const char *name;   /* its last component: 32 random hex digits */
	char *root;	    /* cordon's root cgroup relative to the cgroup2 mount, or "" */
};

static void place_clear(struct place *pl)
{
	free(pl->root);
}

/*
 * From /proc/PID/cgroup's v2 line. A process in another session under cordon's root (a
 * second cordon instance: `cordon run` as root beside the daemon) is left there: moving it
 * would take it out of the cgroup its own session's programs key on.
 */
static enum where where_is(pid_t pid, const struct place *pl)
{
	char path[64];
	_cleanup_free_ char *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t n = strlen(pl->name), rn = strlen(pl->root), cap = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	while (f && getline(&line, &cap, f) >= 0) {
		const char *rel = line + 3;

		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* A component match is exact: session names are random. */
		for (const char *p = strstr(rel, pl->name); p; p = strstr(p + 1, pl->name))
			if (p[-1] == '/' && (p[n] == '\0' || p[n] == '/'))
				return IN_SESSION;
		if (rn && !strncmp(rel, pl->root, rn) && rel[rn] == '/')
			return IN_OTHER_SESSION;
		return OUTSIDE;
	}
	return OUTSIDE;
}

/*
 * Move @pid into @cgroup if the kernel says it belongs to session @cgroup_id. 1 when moved,
 * 0 when it is not (or no longer) ours to move, -errno when the move failed.
 */
static int move_tagged(struct cordon_bpf *b, pid_t pid, uint64_t cgroup_id, const struct place *pl,
		       const struct cordon_event_auto *untagged)
{
	_cleanup_close_ int pidfd = pidfd_open(pid);
	uint64_t tag = 0;
	int r;

	if (pidfd < 0)
		return 0; /* exited */
	r = cordon_bpf_task_tag(b, pidfd, &tag);
	if (r == 0 && tag != cgroup_id)
		return 0;
	if (r < 0) {
		struct cordon_kinode ki;
		char exe[64];

		/*
		 * No tag: the kernel could not allocate it (the record says so) and the cgroup
		 * is all that will confine the process. Then the executable must still be the
		 * registered file; a pid recycled since, or a process that exec'd on, is left.
		 */
		if (r != -ENOENT || !untagged)
			return r == -ENOENT ? 0 : r;
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
		if (cordon_kinode_at(AT_FDCWD, exe, 0, NULL, &ki) < 0 || ki.ino != untagged->ino ||
		    ki.dev != untagged->dev)
			return 0;
	}
	if (where_is(pid, pl) != OUTSIDE)
		return 0;
	r = cordon_cgroup_enter(pl->cgroup, pid);
	if (r < 0)
		return alive(pidfd) ? r : 0;
	/*
	 * The pid was checked through the pidfd, then moved by number. If the process is still
	 * alive now, the number was still its own at the write. If it died in between, the
	 * number could only have been reused after a full wrap of the pid space within those
	 * microseconds; it is then not counted.
	 */
	return alive(pidfd) ? 1 : 0;
}

/* One pass over every process: move the tagged ones still outside the cgroup. */
static int scan(struct cordon_bpf *b, uint64_t cgroup_id, const struct place *pl)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int moved = 0, r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		r = move_tagged(b, (pid_t)pid, cgroup_id, pl, NULL);
		if (r < 0)
			break;
		moved += r;
	}
	closedir(d);
	return r < 0 ? r : moved;
}

/* The session cgroup's name, and cordon's root relative to the cgroup2 mount when known. */
static int place_of(const char *cgroup, struct place *pl)
{
	const char *slash = strrchr(cgroup, '/');
	_cleanup_free_ struct cordon_mount *m = calloc(1, sizeof(*m));
	size_t mlen;

	pl->cgroup = cgroup;
	pl->name = slash ? slash + 1 : cgroup;
	pl->root = NULL;
	if (!m)
		return -ENOMEM;
	if (!*pl->name || !slash)
		return -EINVAL;
	/* No cgroup2 mount found, or the session lies outside it: the root stays unknown (""). */
	if (cordon_mount_find("cgroup2", m) < 0)
		return (pl->root = strdup("")) ? 0 : -ENOMEM;
	mlen = strlen(m->target);
	if (strncmp(cgroup, m->target, mlen) || cgroup[mlen] != '/' || slash <= cgroup + mlen)
		return (pl->root = strdup("")) ? 0 : -ENOMEM;
	pl->root = strndup(cgroup + mlen, (size_t)(slash - (cgroup + mlen)));
	return pl->root ? 0 : -ENOMEM;
}

/*
 * Children forked before the move carry the tag (task_alloc) but stayed in the old cgroup; so
 * do processes that were reparented since. The tag finds them all, whoever their parent is
 * now. A round that moves nothing ends it: whatever a moved process forks from then on is born
 * in the session cgroup.
 */
static int sweep(struct cordon_bpf *b, uint64_t cgroup_id, const struct place *pl)
{
	int moved = 0;

	for (int round = 0; round < SCAN_ROUNDS; round++) {
		int r = scan(b, cgroup_id, pl);

		if (r < 0)
			return r;
		if (!r)
			break;
		moved += r;
	}
	return moved;
}

int cordon_auto_sweep(struct cordon_bpf *b, uint64_t cgroup_id, const char *cgroup)
{
	_cleanup_free_ struct place *pl = calloc(1, sizeof(*pl));
	int r;

	if (!pl)
		return -ENOMEM;
	r = place_of(cgroup, pl);
	if (r == 0)
		r = sweep(b, cgroup_id, pl);
	place_clear(pl);
	return r;
}

int cordon_auto_handle(struct cordon_bpf *b, const void *data, size_t size, const char *cgroup)
{
	const struct cordon_event_auto *ev = data;
	_cleanup_free_ struct place *pl = calloc(1, sizeof(*pl));
	int r, moved;

	if (!pl)
		return -ENOMEM;
	if (cordon_event_check(data, size) != CORDON_EV_AUTO_CONFINE)
		return -EBADMSG;
	r = place_of(cgroup, pl);
	if (r == 0)
		r = move_tagged(b, (pid_t)ev->hdr.pid, ev->hdr.cgroup_id, pl,
				ev->hdr.verdict ? ev : NULL);
	moved = r;
	if (r >= 0)
		r = sweep(b, ev->hdr.cgroup_id, pl);
	place_clear(pl);
	return r < 0 ? r : moved + r;
}
