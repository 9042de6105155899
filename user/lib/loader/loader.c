// SPDX-License-Identifier: GPL-2.0-only
/* Loading, attaching and filling cordon's BPF objects through the generated skeleton. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <linux/perf_event.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "sys/sys.h"
#include "loader/loader.h"

#define CORDON_MAX_LINKS 128
#include "probe/probe.h"
#include "cordon.skel.h"
#include "cordon_digest.h"
#include "cordon_objtable.h"

/*
 * The object's programs and maps by name, as the build found them in the object itself
 * (tools/gen/objtable.c): adopting pins needs their names, sections and types, not the object.
 * PROG_x and MAP_x index them; load_info's bitmap counts programs in this order.
 */
#define OBJ_PROG_ENUM(name, sec, type)	     PROG_##name,
#define OBJ_MAP_ENUM(name, type, key, value) MAP_##name,
enum {
	CORDON_OBJ_PROGS(OBJ_PROG_ENUM) PROG_COUNT
};
enum {
	CORDON_OBJ_MAPS(OBJ_MAP_ENUM) MAP_COUNT
};

static const struct obj_prog {
	const char *name, *sec;
	enum bpf_prog_type type;
} obj_progs[] = {
#define OBJ_PROG_ROW(n, s, t) { #n, s, (enum bpf_prog_type)(t) },
	CORDON_OBJ_PROGS(OBJ_PROG_ROW)
};

static const struct obj_map {
	const char *name;
	enum bpf_map_type type;
	uint32_t key_size, value_size;
} obj_maps[] = {
#define OBJ_MAP_ROW(n, t, k, v) { #n, (enum bpf_map_type)(t), k, v },
	CORDON_OBJ_MAPS(OBJ_MAP_ROW)
};

_Static_assert(PROG_COUNT == CORDON_OBJ_NPROGS && MAP_COUNT == CORDON_OBJ_NMAPS, "object table");
_Static_assert(PROG_COUNT <= CORDON_LOAD_MAX_PROGS, "a load_info bit for every program");

struct cordon_bpf {
	/* The object, opened to load (or to adopt pins the table could not): NULL when adopted. */
	struct cordon *skel;
	/* The skeleton's programs by table index (PROG_x), when it is open. */
	struct bpf_program *progs[PROG_COUNT];
	/* The programs loaded, by table index: this process's choices, or load_info's. */
	uint64_t loaded[CORDON_LOAD_MAX_PROGS / 64];
	/* Every map by table index (MAP_x): the skeleton's, or pins of our own when adopted. */
	int map_fds[MAP_COUNT];
	int root_fd;	    /* cordon's root cgroup, where the cgroup programs hang */
	uint64_t root_cgid; /* its id, which its cgroup programs' links name */
	uint32_t session_level;
	/*
	 * One per attached program: every program of the object fits (asserted below; 6.12
	 * attaches more than 64), and attach() refuses past the end, never overruns.
	 */
	struct bpf_link *links[CORDON_MAX_LINKS];
	int link_progs[CORDON_MAX_LINKS]; /* table index (PROG_x) */
	int nlinks;
	char skipped[256]; /* LSM hooks this kernel lacks, comma-separated */
	bool adopted;	   /* the programs are pinned ones, not loaded by this process */
	bool auto_ready;   /* both auto-confinement programs are attached (loaded or adopted) */
	bool unix_ready;   /* the cgroup unix connect/sendmsg programs are attached */
	bool escape_kill;  /* the cgroup-escape programs kill in the kernel (6.13+) */
	bool btrfs_ready;  /* btrfs's BTF was there at load: the hooks key btrfs by subvolume */
	char *pin_dir;	   /* where the pins are (NULL: programs of our own) */
	/*
	 * The pinned links of the enforcing programs, held open while we run (held[i] for
	 * held_progs[i]): a pin removed from outside then detaches nothing, and
	 * cordon_bpf_pins_repair() pins the same link again.
	 */
	int held[CORDON_MAX_LINKS];
	int held_progs[CORDON_MAX_LINKS]; /* table index (PROG_x) */
	int nheld;
	/*
	 * The links of the BPF LSM programs, open (-1: not) while this process holds a session
	 * (cordon_bpf_trace_hold to the release that finds none left): their pins removed from
	 * outside then detach nothing, and cordon_bpf_pins_repair() pins them again.
	 */
	int hold_fds[PROG_COUNT];
	int pins_lock; /* the pin directory, flock'd from start until cordon_bpf_pins_unlock() */
	int trace_grace_s; /* the tracing programs' grace period (opts.trace_grace_s) */
};

_Static_assert(sizeof(((struct cordon *)0)->progs) / sizeof(struct bpf_program *) <=
		       CORDON_MAX_LINKS,
	       "a link slot for every program of the object");

void cordon_bpf_stop(struct cordon_bpf *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	for (int i = 0; i < b->nheld; i++)
		close(b->held[i]);
	for (int i = 0; i < PROG_COUNT; i++)
		if (b->hold_fds[i] >= 0)
			close(b->hold_fds[i]);
	for (int i = 0; !b->skel && i < MAP_COUNT; i++)
		if (b->map_fds[i] >= 0)
			close(b->map_fds[i]);
	cordon__destroy(b->skel);
	if (b->root_fd >= 0)
		close(b->root_fd);
	if (b->pins_lock >= 0)
		close(b->pins_lock);
	free(b->pin_dir);
	free(b);
}

void cordon_bpf_stop_exiting(struct cordon_bpf *b)
{
	/*
	 * The pin lock is the only state others wait on: released now. Every other descriptor
	 * the kernel closes at the exit that follows, links of our own detached with them, and
	 * freeing libbpf's object (BTF, programs, maps: ~3 ms of a launch) would be undone by it.
	 */
	if (b && b->pins_lock >= 0) {
		close(b->pins_lock);
		b->pins_lock = -1;
	}
}

static int attach(struct cordon_bpf *b, int i)
{
	struct bpf_program *p = b->progs[i];
	struct bpf_link *l;

	if (!bpf_program__autoload(p))
		return 0;
	if ((size_t)b->nlinks >= ARRAY_SIZE(b->links))
		return -E2BIG;
	switch (bpf_program__type(p)) {
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_CGROUP_SKB:
		l = bpf_program__attach_cgroup(p, b->root_fd);
		break;
	default:
		l = bpf_program__attach(p);
		break;
	}
	if (!l)
		return -errno;
	b->link_progs[b->nlinks] = i;
	b->links[b->nlinks++] = l;
	return 0;
}

static int ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return 0;
}

static int session_level(const char *root, uint32_t *level)
{
	_cleanup_free_ struct cordon_mount *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = cordon_mount_find("cgroup2", m);
	if (r < 0)
		return r;
	r = cordon_cgroup_level(m, root);
	if (r < 0)
		return r;
	*level = (uint32_t)r + 1;
	return 0;
}

/*
 * The object's digest (computed at build time, Makefile: $(SKEL)) with the cgroup root: hashing
 * the embedded object itself cost a ~900 KB copy and its page faults on every launch.
 */
void cordon_bpf_pin_name(const char *cgroup_root, char out[17])
{
	_cleanup_free_ char *buf = cordon_strdup_printf("%s %s", CORDON_OBJ_SHA256, cgroup_root);
	char hex[65];

	if (!buf) {
		/* No memory for the digest: a name that can never match a real build. */
		snprintf(out, 17, "%s", "0000000000000000");
		return;
	}
	cordon_sha256_hex(buf, strlen(buf) + 1, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

static int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *tmp = strdup(path);

	if (!tmp)
		return -ENOMEM;
	/* No length check of our own: mkdir(2) refuses a path over PATH_MAX with -ENAMETOOLONG. */
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Maps are pinned as <dir>/map-<name>; libbpf reuses a compatible pinned map at load. */
static int set_map_pins(struct cordon_bpf *b, const char *dir)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, b->skel->obj)
	{
		_cleanup_free_ char *path = NULL;
		int r;

		if (bpf_map__is_internal(m))
			continue;
		path = cordon_strdup_printf("%s/map-%s", dir, bpf_map__name(m));
		if (!path)
			return -ENOMEM;
		r = bpf_map__set_pin_path(m, path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* <dir>/link-<program @i>, allocated (NULL without memory). */
static char *link_pin_path(const char *dir, int i)
{
	return cordon_strdup_printf("%s/link-%s", dir, obj_progs[i].name);
}

/* Program @i is loaded (pinned, when adopted): load_info's bit, or this process's choice. */
static bool prog_loaded(const struct cordon_bpf *b, int i)
{
	return b->loaded[i / 64] & (1ull << (i % 64));
}

/*
 * The programs attached only while some session exists (cordon_bpf_trace_hold), detached after
 * the last (cordon_bpf_trace_release); their programs are pinned so attaching again needs no
 * verifier run:
 * - the tracing programs: they run for every task on the machine (syscall exits, exec, exit,
 *   signals) and only ever report;
 * - the BPF LSM programs: every call of their hooks on the machine enters the hook's trampoline
 *   first, session or not (file_open ~150 ns, file_free ~100 ns a call under the VM's TCG, with
 *   the untagged exit one array load after it), so a machine with no session pays for them only
 *   while they are attached. They enforce, so they may go only when no session can need them:
 *   trace_unpin() runs under the pin lock once no session is live (a session registers under
 *   that lock before its hold, and stays live while its cgroup exists: its tasks cannot leave
 *   it), and a holder keeps their links open by descriptor while it holds (hold_fds).
 * The cgroup programs stay attached: they hang at cordon's root cgroup and run only for tasks
 * below it, which are the sessions' (and attaching them walks every cgroup below it).
 */
static bool is_trace(int i)
{
	enum bpf_prog_type t = obj_progs[i].type;

	return t == BPF_PROG_TYPE_TRACING || t == BPF_PROG_TYPE_TRACEPOINT ||
	       t == BPF_PROG_TYPE_RAW_TRACEPOINT;
}

static bool with_sessions(int i)
{
	return is_trace(i) || obj_progs[i].type == BPF_PROG_TYPE_LSM;
}

/* <dir>/prog-<program @i>, allocated (NULL without memory). */
static char *prog_pin_path(const char *dir, int i)
{
	return cordon_strdup_printf("%s/prog-%s", dir, obj_progs[i].name);
}

/*
 * Is <dir>/<@kind>-<program @i> pinned? 1 or 0, or -ENOMEM. Looked up relative to @dfd, a
 * descriptor of @dir (the pin directory's lock), when there is one: one path component rather
 * than the whole path through /sys/fs/bpf each time (~0.6 us instead of ~2.3 here, and a
 * launch asks ~100 times). The lock's descriptor is the directory the pins are judged under;
 * a program or link opened afterwards by path (bpf_obj_get) that is not there after all fails
 * as a missing pin does. Else by path.
 */
static int pinned_at(int dfd, const char *dir, const char *kind, int i)
{
	_cleanup_free_ char *path = NULL;
	char name[256];

	if (dfd >= 0 &&
	    snprintf(name, sizeof(name), "%s-%s", kind, obj_progs[i].name) < (int)sizeof(name))
		return faccessat(dfd, name, F_OK, 0) == 0;
	path = cordon_strdup_printf("%s/%s-%s", dir, kind, obj_progs[i].name);
	if (!path)
		return -ENOMEM;
	return access(path, F_OK) == 0;
}

/*
 * Every program this build attaches has a pinned link (one of with_sessions(): a pinned
 * program, its link comes and goes with the sessions): adopt instead of loading. 1 or 0, or
 * -ENOMEM.
 */
static int links_pinned(struct cordon_bpf *b, const char *dir)
{
	for (int i = 0; i < PROG_COUNT; i++) {
		int r;

		if (!prog_loaded(b, i))
			continue;
		r = pinned_at(b->pins_lock, dir, with_sessions(i) ? "prog" : "link", i);
		if (r <= 0)
			return r;
	}
	return 1;
}

/*
 * Pin each new link in place of the old one. The new link is attached already, so dropping
 * the old pin (which detaches the old program) never leaves a hook unenforced. After pinning,
 * the link is disconnected: closing our descriptor no longer detaches it.
 */
static int pin_links(struct cordon_bpf *b, const char *dir)
{
	for (int i = 0; i < b->nlinks; i++) {
		_cleanup_free_ char *path = link_pin_path(dir, b->link_progs[i]);
		int r;

		if (!path)
			return -ENOMEM;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		r = bpf_link__pin(b->links[i], path);
		if (r < 0)
			return r;
		if (with_sessions(b->link_progs[i])) {
			_cleanup_free_ char *pp = prog_pin_path(dir, b->link_progs[i]);

			if (!pp)
				return -ENOMEM;
			if (unlink(pp) < 0 && errno != ENOENT)
				return -errno;
			r = bpf_program__pin(b->progs[b->link_progs[i]], pp);
			if (r < 0)
				return r;
			/*
			 * Our descriptors closed now (the pin holds the link): else they keep
			 * it attached after a release unpins it, and the next hold's attach
			 * of the same program is refused (EEXIST for a raw tracepoint).
			 */
			bpf_link__destroy(b->links[i]);
			b->links[i] = NULL;
			continue;
		}
		/*
		 * The pin alone holds the link: a later start that loads again (use_pins) and
		 * replaces the pin detaches this program, rather than leaving it attached beside
		 * the new one for as long as we run (every refusal recorded twice).
		 */
		bpf_link__disconnect(b->links[i]);
		bpf_link__destroy(b->links[i]);
		b->links[i] = NULL;
	}
	return 0;
}

/*
 * Hold every always-attached program's pinned link open (not those of with_sessions(): they
 * come and go with the sessions, and a holder of a session holds them, hold_fds). A link
 * lives while a pin or a descriptor holds it, so while this process runs, removing pins from
 * outside (root's `rm -r /sys/fs/bpf/cordon`) leaves enforcement in place.
 */
static int lock_pins(const char *dir);

static bool link_attached(const struct cordon_bpf *b, int fd);

/*
 * Open the pinned link of every enforcing program loaded and hold it. 1 when each is pinned and
 * still attached; 0 when one is gone or detached (`bpftool link detach` leaves a cgroup link
 * pinned but attached to nothing): adopting then would leave its hook unenforced, so the
 * caller loads the programs again and its new links replace these pins. -errno on failure.
 */
static int hold_links(struct cordon_bpf *b, const char *dir)
{
	for (int i = 0; i < PROG_COUNT; i++) {
		_cleanup_free_ char *path = NULL;
		int fd;

		if (!prog_loaded(b, i) || with_sessions(i))
			continue;
		if (b->nheld >= CORDON_MAX_LINKS)
			return -E2BIG;
		path = link_pin_path(dir, i);
		if (!path)
			return -ENOMEM;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return errno == ENOENT ? 0 : -errno;
		b->held_progs[b->nheld] = i;
		b->held[b->nheld++] = fd;
		if (!link_attached(b, fd))
			return 0;
	}
	return 1;
}

/* Let go of the links hold_links() took (adoption given up: the programs are loaded again). */
static void release_links(struct cordon_bpf *b)
{
	for (int i = 0; i < b->nheld; i++)
		close(b->held[i]);
	b->nheld = 0;
}

static uint32_t link_id(int fd)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ? 0 : info.id;
}

/*
 * Is the link @fd still attached where it was? A cgroup link detached from outside stays
 * pinned with no cgroup (cgroup_id 0), and one on another cgroup than cordon's root is not
 * ours to adopt. A link whose information cannot be read is taken as detached (load again).
 */
static bool link_attached(const struct cordon_bpf *b, int fd)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || !info.prog_id)
		return false;
	if (info.type == BPF_LINK_TYPE_CGROUP)
		return info.cgroup.cgroup_id == b->root_cgid;
	return true;
}

/*
 * Pin the link we hold open in *@fd (of program @p) again if its pin is gone: 1 when pinned
 * again, 0 when it is pinned (a later load's link pinned there instead is the one kept).
 */
static int repin(struct cordon_bpf *b, int p, int *fd, cordon_pin_cb cb, void *ctx)
{
	_cleanup_free_ char *path = link_pin_path(b->pin_dir, p);
	int pinned;

	if (!path)
		return -ENOMEM;
	pinned = bpf_obj_get(path);
	if (pinned >= 0) {
		/* Pinned again by a later load: that link is the one to keep. */
		if (link_id(pinned) != link_id(*fd)) {
			close(*fd);
			*fd = pinned;
		} else {
			close(pinned);
		}
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
	if (bpf_obj_pin(*fd, path) < 0)
		return -errno;
	if (cb)
		cb(ctx, path);
	return 1;
}

int cordon_bpf_pins_repair(struct cordon_bpf *b, cordon_pin_cb cb, void *ctx)
{
	_cleanup_close_ int lock = -1;
	int repaired = 0, r, held = b->nheld;

	for (int p = 0; p < PROG_COUNT; p++)
		held += b->hold_fds[p] >= 0;
	if (!b->pin_dir || !held)
		return 0;
	/* Not while a load replaces pins; -1: this process holds the lock already. */
	lock = b->pins_lock >= 0 ? -1 : lock_pins(b->pin_dir);
	if (lock < -1)
		return lock;
	for (int i = 0; i < b->nheld; i++) {
		r = repin(b, b->held_progs[i], &b->held[i], cb, ctx);
		if (r < 0)
			return r;
		repaired += r;
	}
	/* Held only while a session of ours is (the release lets go first, under this lock). */
	for (int p = 0; p < PROG_COUNT; p++) {
		r = b->hold_fds[p] >= 0 ? repin(b, p, &b->hold_fds[p], cb, ctx) : 0;
		if (r < 0)
			return r;
		repaired += r;
	}
	return repaired;
}

bool cordon_bpf_adopted(const struct cordon_bpf *b)
{
	return b->adopted;
}

/* cordon's root cgroup exists, its fd is open and the session level below it is known. */
static int open_cgroup_root(struct cordon_bpf *b, const char *cgroup_root)
{
	int r = cordon_cgroup_create(cgroup_root);

	if (r == 0)
		r = session_level(cgroup_root, &b->session_level);
	if (r < 0)
		return r;
	b->root_fd = open(cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->root_fd < 0)
		return -errno;
	return cordon_cgroup_id(cgroup_root, &b->root_cgid);
}

/* Leave out an LSM program whose hook this kernel lacks, and name it in b->skipped. */
static void skip_missing_hook(struct cordon_bpf *b, struct bpf_program *p,
			      const struct btf *vmlinux)
{
	const char *sec = bpf_program__section_name(p);
	char fn[128];

	snprintf(fn, sizeof(fn), "bpf_lsm_%s", strchr(sec, '/') ? strchr(sec, '/') + 1 : sec);
	if (vmlinux && btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) < 0) {
		bpf_program__set_autoload(p, false);
		snprintf(b->skipped + strlen(b->skipped), sizeof(b->skipped) - strlen(b->skipped),
			 "%s%s", b->skipped[0] ? "," : "", fn + strlen("bpf_lsm_"));
	}
}

/* Attach types of kernel 6.7 that Debian 12's libbpf and uapi headers do not name. */
#define CORDON_CGROUP_UNIX_CONNECT 49 /* BPF_CGROUP_UNIX_CONNECT */
#define CORDON_CGROUP_UNIX_SENDMSG 50 /* BPF_CGROUP_UNIX_SENDMSG */

/*
 * The pathname unix programs are declared as connect4/sendmsg4 programs (the only section names
 * libbpf 1.1 has for sock_addr programs) and get their real attach type here, by number,
 * before load; attach_cgroup() attaches with the expected attach type. On a kernel without the
 * types (before 6.7) they are left out and everything else loads.
 */
static void choose_unix_programs(struct cordon_bpf *b, bool ready)
{
	struct bpf_program *conn = b->skel->progs.cordon_connect_unix;
	struct bpf_program *send = b->skel->progs.cordon_sendmsg_unix;

	b->unix_ready = ready;
	if (!b->unix_ready) {
		bpf_program__set_autoload(conn, false);
		bpf_program__set_autoload(send, false);
		return;
	}
	bpf_program__set_expected_attach_type(conn,
					      (enum bpf_attach_type)CORDON_CGROUP_UNIX_CONNECT);
	bpf_program__set_expected_attach_type(send,
					      (enum bpf_attach_type)CORDON_CGROUP_UNIX_SENDMSG);
	/* The LSM socket hooks leave the unix sockets these programs judge to them. */
	b->skel->rodata->cordon_unix_cgroup = 1;
}

/*
 * The cgroup-escape programs (trace_cgroup.bpf.c) come in two variants: the one that kills the
 * moved task in the kernel where vmlinux has bpf_send_signal_task (6.13+), else the one that
 * only records it for the supervisor's pidfd kill.
 */
static void choose_escape_programs(struct cordon_bpf *b, const struct btf *vmlinux)
{
	bool kill = vmlinux &&
		    btf__find_by_name_kind(vmlinux, "bpf_send_signal_task", BTF_KIND_FUNC) >= 0;

	b->escape_kill = kill;
	bpf_program__set_autoload(b->skel->progs.cordon_trace_cgroup_attach, !kill);
	bpf_program__set_autoload(b->skel->progs.cordon_trace_fork, !kill);
	bpf_program__set_autoload(b->skel->progs.cordon_trace_cgroup_attach_kill, kill);
	bpf_program__set_autoload(b->skel->progs.cordon_trace_fork_kill, kill);
}

/*
 * The same object serves kernels without BPF LSM (its LSM programs are simply not loaded)
 * and kernels that lack a hook (file_truncate appeared in 6.2): such a program is left out
 * and named, and what covers it instead is documented with the hook.
 */
static void choose_programs(struct cordon_bpf *b, const struct cordon_bpf_opts *opts)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct bpf_program *p;

	if (!opts->no_trace)
		choose_escape_programs(b, vmlinux);

	bpf_object__for_each_program(p, b->skel->obj)
	{
		enum bpf_prog_type t = bpf_program__type(p);

		bool trace = t == BPF_PROG_TYPE_TRACING || t == BPF_PROG_TYPE_TRACEPOINT ||
			     t == BPF_PROG_TYPE_RAW_TRACEPOINT;

		if ((opts->no_trace && trace) || (t == BPF_PROG_TYPE_LSM && !opts->lsm))
			bpf_program__set_autoload(p, false);
		else if (t == BPF_PROG_TYPE_LSM)
			skip_missing_hook(b, p, vmlinux);
	}
	btf__free(vmlinux);
	choose_unix_programs(b, cordon_probe_cgroup_unix() == 0);
}

/* The load_info pinned in @dir (maps.h): 0, or -errno (-ENOENT: no such pin). */
static int pinned_load_info(const char *dir, struct cordon_load_info *info)
{
	_cleanup_free_ char *path = cordon_strdup_printf("%s/map-load_info", dir);
	_cleanup_close_ int fd = path ? bpf_obj_get(path) : -1;
	uint32_t zero = 0;

	if (!path)
		return -ENOMEM;
	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, info) < 0)
		return -errno;
	return 0;
}

/* The load_info flags of a load with @opts: what an adopter must have asked for too. */
static uint32_t load_kind(const struct cordon_bpf_opts *opts)
{
	return (opts->lsm ? CORDON_LOAD_LSM : 0) | (opts->no_trace ? 0 : CORDON_LOAD_TRACE);
}

/*
 * The choices recorded in @info, when they are of a load asked for the same way (LSM, tracing)
 * as @opts: the programs loaded, the LSM hooks left out (named as the loader found them), the
 * variants chosen. 1 when taken, 0 when they are to be made again.
 */
static int take_choices(struct cordon_bpf *b, const struct cordon_bpf_opts *opts,
			const struct cordon_load_info *info)
{
	const uint32_t kind = CORDON_LOAD_LSM | CORDON_LOAD_TRACE;

	if (!(info->flags & CORDON_LOAD_CHOICES) || (info->flags & kind) != load_kind(opts) ||
	    info->nprogs != PROG_COUNT)
		return 0;
	memcpy(b->loaded, info->loaded, sizeof(b->loaded));
	b->skipped[0] = '\0';
	for (int i = 0; i < PROG_COUNT; i++) {
		const char *hook = strchr(obj_progs[i].sec, '/');

		if (!prog_loaded(b, i) && opts->lsm && obj_progs[i].type == BPF_PROG_TYPE_LSM &&
		    hook)
			snprintf(b->skipped + strlen(b->skipped),
				 sizeof(b->skipped) - strlen(b->skipped), "%s%s",
				 b->skipped[0] ? "," : "", hook + 1);
	}
	b->escape_kill = info->flags & CORDON_LOAD_ESCAPE_KILL;
	b->unix_ready = info->flags & CORDON_LOAD_UNIX;
	return 1;
}

/* The skeleton's choices by table index (b->loaded), once they are made or taken. */
static void note_loaded(struct cordon_bpf *b)
{
	memset(b->loaded, 0, sizeof(b->loaded));
	for (int i = 0; i < PROG_COUNT; i++)
		if (bpf_program__autoload(b->progs[i]))
			b->loaded[i / 64] |= 1ull << (i % 64);
}

/*
 * Take the choices of the load whose pins are in @dir instead of making them again: the
 * kernel's BTF (several MB parsed, most of a launch) and the unix probe are the loader's, once.
 * Only a load asked for the same way (LSM, tracing) is taken; btrfs loaded since is a reason
 * to load again (use_pins). 1 when taken, 0 when the choices are to be made here.
 */
static int adopt_choices(struct cordon_bpf *b, const struct cordon_bpf_opts *opts, const char *dir)
{
	struct cordon_load_info info = { 0 };

	if (pinned_load_info(dir, &info) < 0 || !take_choices(b, opts, &info))
		return 0;
	for (int i = 0; i < PROG_COUNT; i++)
		bpf_program__set_autoload(b->progs[i], prog_loaded(b, i));
	choose_unix_programs(b, b->unix_ready);
	return 1;
}

/*
 * Pin the maps under @dir; when every link is pinned too, adopt them instead of loading. The
 * pinned programs are what they were loaded with: btrfs loaded since (a btrfs file system
 * mounted after the daemon started) has them loaded again, as a first start would have, rather
 * than adopted unable to key btrfs rules. @must_load: adoption without the skeleton found a pin
 * detached (load again, whatever the pins say).
 */
static int use_pins(struct cordon_bpf *b, const char *dir, bool must_load)
{
	struct cordon_load_info info = { 0 };
	int r = mkdir_p(dir, 0700);

	if (r == 0)
		r = set_map_pins(b, dir);
	if (r == 0 && !must_load)
		r = links_pinned(b, dir);
	if (r <= 0 || must_load)
		return r;
	r = pinned_load_info(dir, &info);
	if (r == -ENOENT || (r == 0 && b->btrfs_ready && !(info.flags & CORDON_LOAD_BTRFS)))
		return 0;
	if (r < 0)
		return r;
	b->btrfs_ready = info.flags & CORDON_LOAD_BTRFS;
	/* Only the pinned maps are opened: no verifier run, nothing attached. */
	for (int i = 0; i < PROG_COUNT; i++)
		bpf_program__set_autoload(b->progs[i], false);
	b->adopted = true;
	return 0;
}

/*
 * Adoption opens the pinned maps and nothing else: no load, so libbpf neither reads the
 * kernel's BTF (several MB, most of a launch) nor probes features. The pins are this build's
 * (the directory is named by the object's hash); a map of another shape is refused all the same.
 */
static int adopt_maps(struct cordon_bpf *b)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, b->skel->obj)
	{
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		_cleanup_close_ int fd = -1;
		int r;

		if (bpf_map__is_internal(m))
			continue;
		fd = bpf_obj_get(bpf_map__pin_path(m));
		if (fd < 0)
			return -errno;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
			return -errno;
		if (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
		    info.value_size != bpf_map__value_size(m))
			return -EINVAL;
		r = bpf_map__reuse_fd(m, fd);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The same, without the skeleton: each map of the table from its pin, checked against the
 * table's shape (the object's, read at build time). Ours to close (cordon_bpf_stop).
 */
static int adopt_map_fds(struct cordon_bpf *b, const char *dir)
{
	for (int i = 0; i < MAP_COUNT; i++) {
		_cleanup_free_ char *path =
			cordon_strdup_printf("%s/map-%s", dir, obj_maps[i].name);
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		if (!path)
			return -ENOMEM;
		b->map_fds[i] = bpf_obj_get(path);
		if (b->map_fds[i] < 0)
			return -errno;
		if (bpf_obj_get_info_by_fd(b->map_fds[i], &info, &len) < 0)
			return -errno;
		if (info.type != obj_maps[i].type || info.key_size != obj_maps[i].key_size ||
		    info.value_size != obj_maps[i].value_size)
			return -EINVAL;
	}
	return 0;
}

/* The skeleton's map descriptors by table index, once loaded or adopted (the object's own). */
static int note_map_fds(struct cordon_bpf *b)
{
	for (int i = 0; i < MAP_COUNT; i++) {
		b->map_fds[i] = bpf_object__find_map_fd_by_name(b->skel->obj, obj_maps[i].name);
		if (b->map_fds[i] < 0)
			return -EINVAL;
	}
	return 0;
}

/*
 * The skeleton's programs by table index. The table is read from the same object at build
 * time, so a program missing from it, or one more, is a broken build: refused.
 */
static int note_progs(struct cordon_bpf *b)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, b->skel->obj) n++;
	if (n != PROG_COUNT)
		return -EINVAL;
	for (int i = 0; i < PROG_COUNT; i++) {
		b->progs[i] = bpf_object__find_program_by_name(b->skel->obj, obj_progs[i].name);
		if (!b->progs[i])
			return -EINVAL;
	}
	return 0;
}

static int attach_all(struct cordon_bpf *b)
{
	for (int i = 0; i < PROG_COUNT; i++) {
		int r = attach(b, i);

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Launchers and the daemon may start on the same pins at once: one loads and pins while the
 * others wait, then adopt. Without it two would both create a map and one would fail to pin it.
 */
static int lock_pins(const char *dir)
{
	int r = mkdir_p(dir, 0700), fd;

	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int start_locked(struct cordon_bpf *b, const struct cordon_bpf_opts *opts);
static int update(int fd, const void *key, const void *val);

/*
 * The pin directory stays locked until cordon_bpf_pins_unlock(): a launcher keeps it until its
 * session is registered, so cordon_bpf_pins_retire() never detaches pins between adoption and
 * the session entry that then keeps them.
 */
static int start(struct cordon_bpf *b, const struct cordon_bpf_opts *opts)
{
	if (!opts->pin_dir)
		return start_locked(b, opts);
	b->pin_dir = strdup(opts->pin_dir);
	if (!b->pin_dir)
		return -ENOMEM;
	b->pins_lock = lock_pins(opts->pin_dir);
	if (b->pins_lock < 0)
		return b->pins_lock;
	return start_locked(b, opts);
}

void cordon_bpf_pins_unlock(struct cordon_bpf *b)
{
	if (b->pins_lock >= 0)
		close(b->pins_lock);
	b->pins_lock = -1;
}

/*
 * Is the cgroup whose id is @id gone? Its id is its kernfs file handle on the cgroup2 mount,
 * and ids are never reused, so ESTALE is final. Anything else (no cgroup2, no
 * open_by_handle_at) answers "not known to be gone".
 */
static bool cgroup_gone(int mnt_fd, uint64_t id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = 0xfe /* FILEID_KERNFS */ },
		.id = id };
	int fd;

	if (mnt_fd < 0)
		return false;
	fd = open_by_handle_at(mnt_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == ESTALE;
}

/*
 * Add @delta to the count of sessions-map entries in @fd (the sessions_live array,
 * bpf/lib/session.bpf.h), through a shared mapping of it: launchers and the daemon counting at
 * once on the same pinned map lose no update. 0 or -errno. The count only has to stay at or
 * above the number of entries: a count taken below 0 wraps to a huge one, which the programs
 * read as "sessions exist" (they do their lookups), never as none.
 */
static int sessions_live_add(int fd, int64_t delta)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t *n;

	if (fd < 0)
		return -EBADF;
	n = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (n == MAP_FAILED)
		return -errno;
	__atomic_add_fetch(n, (uint64_t)delta, __ATOMIC_SEQ_CST);
	munmap(n, page);
	return 0;
}

/*
 * Drop the entries of the sessions map @fd whose session cgroup no longer exists: nothing can
 * run in a removed cgroup, so such an entry enforces nothing. They are left when a launcher is
 * killed and its session swept by a launcher of another build (which clears its own maps, not
 * these), and would keep the machine-wide tracepoints attached and an old build's programs
 * pinned for ever. Returns whether a live session remains.
 */
static bool sessions_prune(int fd, int live_fd, struct cordon_bpf *b)
{
	char mnt[PATH_MAX];
	_cleanup_close_ int mnt_fd = -1;
	uint64_t key, next, *prev = NULL;
	bool live = false;

	if (cordon_cgroup2_mount(mnt, sizeof(mnt)) == 0)
		mnt_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		struct cordon_session sess;

		if (!cgroup_gone(mnt_fd, key)) {
			live = true;
			continue;
		}
		/*
		 * Its rules first, the entry after: a session number without an entry has no
		 * rules left, which a new session's creation relies on (it purges nothing). So
		 * without the rule maps (@b NULL: a grace waiter's look) the entry stays, not
		 * live, for the next prune that has them; a purge that fails keeps it too.
		 */
		if (!b || bpf_map_lookup_elem(fd, &key, &sess) < 0 ||
		    (sess.id && cordon_bpf_purge_session(b, sess.id) < 0) ||
		    bpf_map_delete_elem(fd, &key) < 0)
			continue;
		/* Uncounted after the delete (a count left high only costs the lookups). */
		sessions_live_add(live_fd, -1);
		prev = NULL; /* the walk starts over: the deleted key cannot lead it on */
	}
	return live;
}

/* Does the sessions map pinned in @dir still hold a live session? */
static bool pins_hold_sessions(const char *dir)
{
	_cleanup_free_ char *path = cordon_strdup_printf("%s/map-sessions", dir);
	_cleanup_free_ char *live = cordon_strdup_printf("%s/map-sessions_live", dir);
	int fd = path ? bpf_obj_get(path) : -1;
	int live_fd = fd >= 0 && live ? bpf_obj_get(live) : -1;
	bool held = fd >= 0 && sessions_prune(fd, live_fd, NULL);

	if (fd >= 0)
		close(fd);
	if (live_fd >= 0)
		close(live_fd);
	return held;
}

/*
 * The files in CORDON_CTL_RUN_DIR named after retired pins: the grace stamp, the ring slots'
 * locks. Under the pin lock with no session held: no launcher holds a slot of these pins (it
 * claims one under the same lock and registers its session before letting go of it).
 */
static void run_files_remove(const char *pin_dir)
{
	const char *name = strrchr(pin_dir, '/');
	_cleanup_free_ char *grace = NULL, *ring = NULL;
	DIR *d;
	struct dirent *e;

	name = name ? name + 1 : pin_dir;
	grace = cordon_strdup_printf("trace-grace-%s", name);
	ring = cordon_strdup_printf("ring-%s-", name);
	d = grace && ring ? opendir(CORDON_CTL_RUN_DIR) : NULL;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, grace) || !strncmp(e->d_name, ring, strlen(ring)))
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d)
		closedir(d);
}

int cordon_bpf_pins_retire(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return -errno;
	/* Being started on, or holding sessions (a killed launcher's too): kept. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	if (pins_hold_sessions(dir))
		return -EBUSY;
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] != '.')
			unlinkat(fd, e->d_name, 0);
	}
	if (d)
		closedir(d);
	run_files_remove(dir);
	return rmdir(dir) < 0 ? -errno : 0;
}

/* What these programs were loaded with, before their pins can be adopted (maps.h load_info). */
static int write_load_info(struct cordon_bpf *b, const struct cordon_bpf_opts *opts)
{
	struct cordon_load_info info = { .flags = CORDON_LOAD_CHOICES | load_kind(opts),
					 .nprogs = PROG_COUNT };
	uint32_t zero = 0;

	if (b->btrfs_ready)
		info.flags |= CORDON_LOAD_BTRFS;
	if (b->unix_ready)
		info.flags |= CORDON_LOAD_UNIX;
	if (b->escape_kill)
		info.flags |= CORDON_LOAD_ESCAPE_KILL;
	memcpy(info.loaded, b->loaded, sizeof(info.loaded));
	return update(b->map_fds[MAP_load_info], &zero, &info);
}

/*
 * Adopt this build's pins without opening the object: the table names every map and link,
 * load_info says which programs were loaded and how. Everything the skeleton's adoption
 * checks is checked here: the load asked for the same way, btrfs not loaded since, a pin for
 * every program loaded, every enforcing link still attached, every map of the table's shape.
 * 1 adopted; 0 not (the skeleton's path decides, as before; *@must_load when a pin was found
 * detached: the programs are loaded again and replace it); -errno.
 */
static int adopt_pins(struct cordon_bpf *b, const struct cordon_bpf_opts *opts, bool *must_load)
{
	struct cordon_load_info info = { 0 };
	int r;

	if (pinned_load_info(opts->pin_dir, &info) < 0 || !take_choices(b, opts, &info))
		return 0;
	if (!(info.flags & CORDON_LOAD_BTRFS) && access("/sys/kernel/btf/btrfs", F_OK) == 0)
		return 0;
	r = links_pinned(b, opts->pin_dir);
	if (r <= 0)
		return r;
	r = hold_links(b, opts->pin_dir);
	if (r <= 0) {
		release_links(b);
		*must_load = r == 0;
		return r;
	}
	r = adopt_map_fds(b, opts->pin_dir);
	if (r < 0)
		return r;
	b->btrfs_ready = info.flags & CORDON_LOAD_BTRFS;
	b->auto_ready =
		prog_loaded(b, PROG_cordon_auto_match) && prog_loaded(b, PROG_cordon_auto_commit);
	b->adopted = true;
	return 1;
}

/* Open the object and load it, or adopt pins through it (what adopt_pins() did not take). */
static int start_skeleton(struct cordon_bpf *b, const struct cordon_bpf_opts *opts, bool must_load)
{
	int r;

	b->skipped[0] = '\0';
	b->escape_kill = false;
	b->skel = cordon__open();
	if (!b->skel)
		return -errno;
	r = note_progs(b);
	if (r < 0)
		return r;
	b->skel->rodata->cordon_session_level = b->session_level;
	if (!opts->pin_dir || !adopt_choices(b, opts, opts->pin_dir))
		choose_programs(b, opts);
	note_loaded(b);
	/*
	 * lib/inode.bpf.h reads a btrfs inode's subvolume only when btrfs's types were there to
	 * relocate against at load. Checked before the load: a module loaded in between makes
	 * btrfs paths refused (closed), never keyed in a way the hooks do not compute. Adopted
	 * pins replace it with what they were loaded with (use_pins).
	 */
	b->btrfs_ready = access("/sys/kernel/btf/btrfs", F_OK) == 0;
	/* Decided before adoption turns autoload off: a pinned link exists for each then. */
	/*
	 * The descriptors an agent inherits are judged at the tag and refused at their use: an
	 * auto-confined agent without those hooks would read what its parent opened for it.
	 */
	b->auto_ready =
		prog_loaded(b, PROG_cordon_auto_match) && prog_loaded(b, PROG_cordon_auto_commit) &&
		prog_loaded(b, PROG_cordon_file_permission) &&
		prog_loaded(b, PROG_cordon_file_free) && prog_loaded(b, PROG_cordon_mmap_file);
	if (opts->pin_dir) {
		r = use_pins(b, opts->pin_dir, must_load);
		if (r < 0)
			return r;
	}
	if (b->adopted) {
		r = hold_links(b, opts->pin_dir);
		if (r > 0) {
			r = adopt_maps(b);
			return r < 0 ? r : note_map_fds(b);
		}
		if (r < 0)
			return r;
		/* A pin gone or detached meanwhile: load after all, and replace it. */
		release_links(b);
		b->adopted = false;
		for (int i = 0; i < PROG_COUNT; i++)
			bpf_program__set_autoload(b->progs[i], prog_loaded(b, i));
	}
	r = cordon__load(b->skel);
	if (r == 0)
		r = note_map_fds(b);
	if (r == 0)
		r = write_load_info(b, opts);
	if (r == 0)
		r = attach_all(b);
	if (r == 0 && opts->pin_dir)
		r = pin_links(b, opts->pin_dir);
	if (r == 0 && opts->pin_dir) {
		r = hold_links(b, opts->pin_dir);
		/* Our own links, just pinned, gone already: not adopted, not enforced. */
		if (r == 0)
			r = -ESTALE;
	}
	return r < 0 ? r : 0;
}

static int start_locked(struct cordon_bpf *b, const struct cordon_bpf_opts *opts)
{
	/* Syscall tracepoints are attached through tracefs, which some hosts do not mount. */
	int r = ensure_tracefs();
	bool must_load = false;

	if (r == 0)
		r = open_cgroup_root(b, opts->cgroup_root);
	if (r == 0 && opts->pin_dir)
		r = adopt_pins(b, opts, &must_load);
	if (r != 0)
		return r < 0 ? r : 0;
	return start_skeleton(b, opts, must_load);
}

int cordon_bpf_start(const struct cordon_bpf_opts *opts, struct cordon_bpf **out)
{
	struct cordon_bpf *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->root_fd = -1;
	b->pins_lock = -1;
	for (int i = 0; i < MAP_COUNT; i++)
		b->map_fds[i] = -1;
	for (int i = 0; i < PROG_COUNT; i++)
		b->hold_fds[i] = -1;
	b->trace_grace_s = opts->trace_grace_s ?: CORDON_TRACE_GRACE_S;
	r = start(b, opts);
	if (r < 0) {
		cordon_bpf_stop(b);
		return r;
	}
	*out = b;
	return 0;
}

uint32_t cordon_bpf_session_level(const struct cordon_bpf *b)
{
	return b->session_level;
}

/* Map @name's descriptor (MAP_x of the table): the skeleton's, or a pin's when adopted. */
#define MAP_FD(b, name) ((b)->map_fds[MAP_##name])

static int update(int fd, const void *key, const void *val)
{
	return bpf_map_update_elem(fd, key, val, BPF_ANY);
}

/*
 * A new entry is counted before it is inserted (from then on the programs look sessions up),
 * and uncounted only when the insert failed. Overwriting an entry (a stale one with the same
 * cgroup id) leaves the count one too high: only the lookups' cost.
 */
int cordon_bpf_session_add(struct cordon_bpf *b, uint64_t cgroup_id, const struct cordon_session *s)
{
	int r = sessions_live_add(MAP_FD(b, sessions_live), 1);

	if (r < 0)
		return r;
	r = update(MAP_FD(b, sessions), &cgroup_id, s);
	if (r < 0)
		sessions_live_add(MAP_FD(b, sessions_live), -1);
	return r;
}

int cordon_bpf_session_update(struct cordon_bpf *b, uint64_t cgroup_id,
			      const struct cordon_session *s)
{
	return bpf_map_update_elem(MAP_FD(b, sessions), &cgroup_id, s, BPF_EXIST);
}

/* Uncounted after the delete, and only for an entry this call removed. */
int cordon_bpf_session_del(struct cordon_bpf *b, uint64_t cgroup_id)
{
	int r = bpf_map_delete_elem(MAP_FD(b, sessions), &cgroup_id);

	if (r == 0)
		sessions_live_add(MAP_FD(b, sessions_live), -1);
	return r;
}

int cordon_bpf_inode_rule_add(struct cordon_bpf *b, const struct cordon_inode_key *k,
			      const struct cordon_inode_rule *r)
{
	return update(MAP_FD(b, inode_rules), k, r);
}

int cordon_bpf_allow_tree_add(struct cordon_bpf *b, const struct cordon_inode_key *k,
			      const struct cordon_inode_allow *a)
{
	return update(MAP_FD(b, allow_trees), k, a);
}

int cordon_bpf_dirent_rule_add(struct cordon_bpf *b, const struct cordon_dirent_key *k,
			       const struct cordon_inode_rule *r)
{
	return update(MAP_FD(b, dirent_rules), k, r);
}

int cordon_bpf_pattern_add(struct cordon_bpf *b, const struct cordon_pattern_key *k,
			   const struct cordon_name_pattern *p)
{
	return update(MAP_FD(b, name_patterns), k, p);
}

int cordon_bpf_prog_stats(struct cordon_bpf *b,
			  void (*fn)(void *ctx, const char *name, uint32_t verified_insns),
			  void *ctx)
{
	/* Adopted: no program of our own to describe. */
	for (int i = 0; b->skel && i < PROG_COUNT; i++) {
		struct bpf_program *p = b->progs[i];
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (bpf_program__fd(p) < 0)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0)
			return -errno;
		fn(ctx, bpf_program__name(p), info.verified_insns);
	}
	return 0;
}

const char *cordon_bpf_skipped_hooks(const struct cordon_bpf *b)
{
	return b->skipped;
}

/* Sum over CPUs of entry @idx of a per-CPU array map. */
static int percpu_sum(int map, uint32_t idx, uint64_t *total)
{
	int ncpu = libbpf_num_possible_cpus();
	_cleanup_free_ uint64_t *v = NULL;
	int r;

	if (ncpu < 0)
		return ncpu;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r = bpf_map_lookup_elem(map, &idx, v);
	if (r < 0)
		return r;
	*total = 0;
	for (int i = 0; i < ncpu; i++)
		*total += v[i];
	return 0;
}

int cordon_bpf_stat(struct cordon_bpf *b, uint32_t idx, uint64_t *total)
{
	return percpu_sum(MAP_FD(b, stats), idx, total);
}

int cordon_bpf_bind_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			     const struct cordon_net_rule *r)
{
	return update(MAP_FD(b, bind_rules), k, r);
}

int cordon_bpf_net_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			    const struct cordon_net_rule *r)
{
	return update(MAP_FD(b, net_rules), k, r);
}

struct ring_buffer *cordon_bpf_events(struct cordon_bpf *b, cordon_event_cb cb, void *ctx)
{
	return ring_buffer__new(MAP_FD(b, events), cb, ctx, NULL);
}

int cordon_bpf_drops(struct cordon_bpf *b, uint64_t *total)
{
	return percpu_sum(MAP_FD(b, event_drops), 0, total);
}

int cordon_bpf_ring_use(struct cordon_bpf *b, uint32_t id, struct cordon_ring_use *u)
{
	int r = bpf_map_lookup_elem(MAP_FD(b, ring_use), &id, u);

	if (r == -ENOENT) {
		/* No record made yet: nothing lost either. */
		*u = (struct cordon_ring_use){ 0 };
		return 0;
	}
	return r;
}

/* Delete the keys of @map whose session field (at @off, a __u32) is @id. */
/* Room for the largest rule key (cordon_unix_key: a whole socket path). */
#define PURGE_KEY_MAX 272
_Static_assert(sizeof(struct cordon_unix_key) <= PURGE_KEY_MAX, "purge_map key buffer");
_Static_assert(sizeof(struct cordon_dirent_key) <= PURGE_KEY_MAX, "purge_map key buffer");

/*
 * One walk of the map, the matching keys collected (never deleted under the walk's cursor), then
 * deleted. Deleting while walking made the walk start over from the first key after every delete
 * (get_next_key of a deleted key returns the first): with other sessions' rules in the map that
 * was quadratic (with 100 live sessions, a session's end held the daemon's loop up to ~110 ms).
 * The memory is the session's own keys, not the map's. One walk finds every key of @id: nothing
 * adds one any more (its cgroup is gone or never held a task, its resolver is closed), and what
 * other sessions add or delete meanwhile cannot hide one (a hash map's new elements go to the
 * head of their bucket, behind the cursor; a deleted cursor restarts the walk at the first key;
 * a trie's next key is computed from the cursor's).
 */
static int purge_map(int fd, size_t klen, size_t off, uint32_t id)
{
	uint8_t key[PURGE_KEY_MAX], next[PURGE_KEY_MAX], *prev = NULL;
	_cleanup_free_ uint8_t *found = NULL;
	size_t n = 0, cap = 0;

	if (klen > sizeof(key))
		return -E2BIG;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		uint32_t s;

		memcpy(&s, next + off, sizeof(s));
		if (s == id) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				uint8_t *m = realloc(found, ncap * klen);

				if (!m)
					return -ENOMEM;
				found = m;
				cap = ncap;
			}
			memcpy(found + n++ * klen, next, klen);
		}
		memcpy(key, next, klen);
		prev = key;
	}
	if (errno != ENOENT)
		return -errno;
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, found + i * klen) < 0 && errno != ENOENT)
			return -errno;
	return 0;
}

int cordon_bpf_dns_addr_set(struct cordon_bpf *b, const struct cordon_dns_key *k,
			    const struct cordon_dns_addr *a)
{
	return update(MAP_FD(b, dns_addrs), k, a);
}

int cordon_bpf_dns_addr_del(struct cordon_bpf *b, const struct cordon_dns_key *k)
{
	if (bpf_map_delete_elem(MAP_FD(b, dns_addrs), k) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int cordon_bpf_dns_steer_set(struct cordon_bpf *b, uint32_t session,
			     const struct cordon_dns_steer *st)
{
	return update(MAP_FD(b, dns_steer), &session, st);
}

int cordon_bpf_purge_session(struct cordon_bpf *b, uint32_t id)
{
	/* Every rule map, by where its key holds the session number. */
	const struct {
		int map;
		size_t klen, off;
	} maps[] = {
		{ MAP_FD(b, net_rules), sizeof(struct cordon_net_key),
		  offsetof(struct cordon_net_key, session) },
		{ MAP_FD(b, bind_rules), sizeof(struct cordon_net_key),
		  offsetof(struct cordon_net_key, session) },
		{ MAP_FD(b, inode_rules), sizeof(struct cordon_inode_key),
		  offsetof(struct cordon_inode_key, session) },
		{ MAP_FD(b, dirent_rules), sizeof(struct cordon_dirent_key),
		  offsetof(struct cordon_dirent_key, session) },
		{ MAP_FD(b, allow_trees), sizeof(struct cordon_inode_key),
		  offsetof(struct cordon_inode_key, session) },
		{ MAP_FD(b, unix_rules), sizeof(struct cordon_unix_key),
		  offsetof(struct cordon_unix_key, session) },
		{ MAP_FD(b, name_patterns), sizeof(struct cordon_pattern_key),
		  offsetof(struct cordon_pattern_key, session) },
		{ MAP_FD(b, dns_addrs), sizeof(struct cordon_dns_key),
		  offsetof(struct cordon_dns_key, session) },
		{ MAP_FD(b, dns_steer), sizeof(uint32_t), 0 },
		{ MAP_FD(b, ring_use), sizeof(uint32_t), 0 },
	};

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		int r = purge_map(maps[i].map, maps[i].klen, maps[i].off, id);

		if (r < 0)
			return r;
	}
	/* session_events is keyed by slot, not by session: its rings stay in the pool. */
	return 0;
}

int cordon_bpf_sessions_each(struct cordon_bpf *b,
			     int (*fn)(void *ctx, uint64_t cgroup_id,
				       const struct cordon_session *s),
			     void *ctx)
{
	int fd = MAP_FD(b, sessions);
	uint64_t key, next, *prev = NULL;

	for (;;) {
		struct cordon_session s;
		int r;

		if (bpf_map_get_next_key(fd, prev, &next) < 0)
			return errno == ENOENT ? 0 : -errno;
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &s) < 0)
			continue; /* deleted meanwhile */
		r = fn(ctx, key, &s);
		if (r)
			return r;
	}
}

bool cordon_bpf_btrfs_ready(const struct cordon_bpf *b)
{
	return b->btrfs_ready;
}

bool cordon_bpf_unix_ready(const struct cordon_bpf *b)
{
	return b->unix_ready;
}

int cordon_bpf_unix_rule_add(struct cordon_bpf *b, const struct cordon_unix_key *k,
			     const struct cordon_unix_rule *r)
{
	return update(MAP_FD(b, unix_rules), k, r);
}

bool cordon_bpf_auto_ready(const struct cordon_bpf *b)
{
	return b->auto_ready;
}

int cordon_bpf_auto_exec_add(struct cordon_bpf *b, const struct cordon_auto_key *k,
			     const struct cordon_auto_exec *v)
{
	/* NOEXIST: one file, one session; a second entry naming it is a configuration error. */
	return bpf_map_update_elem(MAP_FD(b, auto_exec), k, v, BPF_NOEXIST);
}

int cordon_bpf_auto_exec_del(struct cordon_bpf *b, const struct cordon_auto_key *k)
{
	return bpf_map_delete_elem(MAP_FD(b, auto_exec), k);
}

int cordon_bpf_auto_user_get(struct cordon_bpf *b, uint64_t cgroup_id, uint32_t uid,
			     struct cordon_auto_user *v)
{
	struct cordon_auto_user_key k = { .cgroup_id = cgroup_id, .uid = uid };

	return bpf_map_lookup_elem(MAP_FD(b, auto_users), &k, v);
}

int cordon_bpf_auto_user_set(struct cordon_bpf *b, uint64_t cgroup_id, uint32_t uid,
			     const struct cordon_auto_user *v)
{
	struct cordon_auto_user_key k = { .cgroup_id = cgroup_id, .uid = uid };

	return bpf_map_update_elem(MAP_FD(b, auto_users), &k, v, BPF_ANY);
}

int cordon_bpf_auto_users_purge(struct cordon_bpf *b, uint64_t cgroup_id)
{
	int fd = MAP_FD(b, auto_users);
	struct cordon_auto_user_key k, next;
	bool first = true;
	int r, n = 0;

	/* Restart after each delete: the deleted key cannot be the cursor of the next step. */
	for (;;) {
		r = bpf_map_get_next_key(fd, first ? NULL : &k, &next);
		if (r < 0)
			return r == -ENOENT ? n : r;
		first = false;
		k = next;
		if (next.cgroup_id != cgroup_id)
			continue;
		r = bpf_map_delete_elem(fd, &next);
		if (r < 0 && r != -ENOENT)
			return r;
		n++;
		first = true;
	}
}

int cordon_bpf_task_tag(struct cordon_bpf *b, int pidfd, uint64_t *cgroup_id)
{
	struct cordon_task_tag v = { 0 };
	int r = bpf_map_lookup_elem(MAP_FD(b, task_tags), &pidfd, &v);

	if (r < 0)
		return r;
	*cgroup_id = v.cgroup_id;
	return 0;
}

/* The ring of @slot: the pool's (made once), or a new one put there. The fd, or -errno. */
static int slot_ring(struct cordon_bpf *b, uint32_t slot)
{
	int outer = MAP_FD(b, session_events);

	for (int tries = 0; tries < 2; tries++) {
		uint32_t id;
		int fd;

		/* From userspace a map of maps answers with the inner map's id. */
		if (bpf_map_lookup_elem(outer, &slot, &id) == 0) {
			fd = bpf_map_get_fd_by_id(id);
			if (fd >= 0 || errno != ENOENT)
				return fd < 0 ? -errno : fd;
		} else if (errno != ENOENT) {
			return -errno;
		}
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "cordon_session", 0, 0,
				    CORDON_RINGBUF_BYTES, NULL);
		if (fd < 0)
			return -errno;
		/* The one grace-period wait this slot will ever cost (maps.h session_events). */
		if (bpf_map_update_elem(outer, &slot, &fd, BPF_NOEXIST) == 0)
			return fd;
		close(fd);
		if (errno != EEXIST)
			return -errno;
	}
	return -EAGAIN;
}

int cordon_bpf_ring_claim(struct cordon_bpf *b, struct cordon_ring_claim *c)
{
	const char *name = b->pin_dir ? strrchr(b->pin_dir, '/') : NULL;

	c->fd = c->lock = -1;
	if (!name)
		return -EINVAL;
	if (mkdir(CORDON_CTL_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	for (uint32_t slot = 0; slot < CORDON_MAX_SESSION_RINGS; slot++) {
		_cleanup_free_ char *path =
			cordon_strdup_printf("%s/ring-%s-%u", CORDON_CTL_RUN_DIR, name + 1, slot);
		int lock = path ? open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
		int fd;

		if (lock < 0)
			return path ? -errno : -ENOMEM;
		/*
		 * Held for the session's life (cordon_bpf_ring_release, or our exit): only this
		 * process consumes the slot's ring meanwhile. The lock file is root's, in a
		 * root-owned directory; a session's processes never get the descriptor
		 * (close-on-exec, and the session's init is ours).
		 */
		if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(lock);
			if (e == EWOULDBLOCK)
				continue;
			return -e;
		}
		fd = slot_ring(b, slot);
		if (fd < 0) {
			close(lock);
			return fd;
		}
		c->fd = fd;
		c->lock = lock;
		c->slot = slot;
		return 0;
	}
	return -EBUSY;
}

void cordon_bpf_ring_release(struct cordon_ring_claim *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->lock >= 0)
		close(c->lock);
	c->fd = c->lock = -1;
}

int cordon_bpffs_ensure(const char *pin_root)
{
	_cleanup_free_ char *parent = strdup(pin_root);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	struct stat self, init;
	struct statfs sf;

	if (!slash || slash == parent)
		return -EINVAL;
	*slash = '\0';
	if (statfs(parent, &sf) == 0 && sf.f_type == BPF_FS_MAGIC)
		return 0;
	/* A bpffs of a private mount namespace dies with it, and every pin in it. */
	if (stat("/proc/self/ns/mnt", &self) < 0 || stat("/proc/1/ns/mnt", &init) < 0 ||
	    self.st_ino != init.st_ino)
		return -ENOENT;
	if (mount("bpf", parent, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	return 0;
}

/* A tracepoint program's link: its perf event (section tracepoint/<category>/<name>). */
static int attach_tracepoint(int prog, const char *sec)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr) };
	_cleanup_free_ char *id_path = NULL;
	_cleanup_close_ int pfd = -1;
	const char *tp = strchr(sec, '/');
	char buf[32];
	int r, link;

	if (!tp)
		return -EINVAL;
	id_path = cordon_strdup_printf("/sys/kernel/tracing/events/%s/id", tp + 1);
	if (!id_path)
		return -ENOMEM;
	r = cordon_read_line_at(AT_FDCWD, id_path, buf, sizeof(buf));
	if (r == -ENOENT) {
		free(id_path);
		id_path = cordon_strdup_printf("/sys/kernel/debug/tracing/events/%s/id", tp + 1);
		r = id_path ? cordon_read_line_at(AT_FDCWD, id_path, buf, sizeof(buf)) : -ENOMEM;
	}
	if (r < 0)
		return r;
	attr.config = strtoull(buf, NULL, 10);
	pfd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	link = bpf_link_create(prog, pfd, BPF_PERF_EVENT, NULL);
	return link < 0 ? -errno : link;
}

/* The attached link of program @prog, found by its id (-errno: none, or none alive). */
static int live_link_of(int prog)
{
	struct bpf_prog_info pinfo = { 0 };
	__u32 plen = sizeof(pinfo), id = 0;

	if (bpf_obj_get_info_by_fd(prog, &pinfo, &plen) < 0)
		return -errno;
	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile, or in its teardown */
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.prog_id == pinfo.id)
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* Link program @prog (pinned program @p) to its hook: the new link's descriptor, or -errno. */
static int attach_pinned(int p, int prog)
{
	if (obj_progs[p].type == BPF_PROG_TYPE_TRACEPOINT)
		return attach_tracepoint(prog, obj_progs[p].sec);
	if (obj_progs[p].type == BPF_PROG_TYPE_RAW_TRACEPOINT)
		/* raw_tp/<name>: named, it has no BTF target to find it by */
		return bpf_raw_tracepoint_open(strchr(obj_progs[p].sec, '/') + 1, prog);
	return bpf_raw_tracepoint_open(NULL, prog); /* LSM, fentry, tp_btf: by BTF id */
}

/*
 * The pinned link @lp of @p, open, when it is still attached: else -1 (a link detached from
 * outside is unpinned, to be attached again), or -errno.
 */
static int pinned_link(struct cordon_bpf *b, const char *lp)
{
	int fd = bpf_obj_get(lp);

	if (fd < 0)
		return errno == ENOENT ? -1 : -errno;
	if (link_attached(b, fd))
		return fd;
	close(fd);
	return unlink(lp) < 0 && errno != ENOENT ? -errno : -1;
}

/*
 * Attach the pinned program of @p and pin its link, unless its link is pinned already (looked
 * up through @dfd, the pin directory's lock, when there is one: pinned_at). An LSM program's
 * link is checked attached and kept open in hold_fds; a tracing program's pin is enough (it
 * only reports). A tracing program this build did not load (no_trace) is skipped; an LSM
 * program that was loaded but whose program pin is missing fails the hold.
 */
static int trace_attach(struct cordon_bpf *b, int p, int dfd)
{
	_cleanup_free_ char *pp = prog_pin_path(b->pin_dir, p), *lp = link_pin_path(b->pin_dir, p);
	_cleanup_close_ int prog = -1, link = -1;
	bool lsm = obj_progs[p].type == BPF_PROG_TYPE_LSM;
	int r;

	if (!pp || !lp)
		return -ENOMEM;
	if (!prog_loaded(b, p))
		return 0;
	r = pinned_at(dfd, b->pin_dir, "link", p);
	if (r < 0)
		return r;
	if (r > 0 && (!lsm || b->hold_fds[p] >= 0))
		return 0;
	link = r > 0 ? pinned_link(b, lp) : -1;
	if (link < -1)
		return link;
	if (link < 0) {
		prog = bpf_obj_get(pp);
		/* A tracing program may be left out (no_trace); an LSM one loaded must be there. */
		if (prog < 0)
			return errno == ENOENT && !lsm ? 0 : -errno;
	}
	/*
	 * The kernel refuses a second attachment of one program to one hook (EEXIST: a raw
	 * tracepoint's probe, or a perf event's program array; EBUSY: a trampoline), and the last
	 * session's release unpins the old link but its teardown runs later, from a workqueue;
	 * or a process that held a session still holds the link open. A link still alive is
	 * taken (found by the program's id) and pinned; one in its teardown is waited for. A
	 * tracepoint's goes within milliseconds; a trampoline's is an ftrace unregistration per
	 * hook, one after the other: 7 s for all of them under the VM's TCG (bench_hooks'
	 * "detach done"). So wait up to 30 s rather than fail the session.
	 */
	for (int tries = 0; link < 0 && tries < 3000; tries++) {
		if (tries)
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		link = attach_pinned(p, prog);
		if (link == -EEXIST || link == -EBUSY) {
			link = live_link_of(prog);
			if (link < 0)
				link = -EBUSY;
		}
		if (link != -EBUSY)
			break;
	}
	if (link < 0)
		return link; /* -errno, from libbpf or attach_tracepoint() */
	if (pinned_at(dfd, b->pin_dir, "link", p) == 0 && bpf_obj_pin(link, lp) < 0)
		return -errno;
	if (lsm)
		b->hold_fds[p] = TAKE_FD(link);
	return 0;
}

/* The pin directory's lock for a short change: -1 when this process holds it already. */
static int trace_lock(struct cordon_bpf *b)
{
	return b->pins_lock >= 0 ? -1 : lock_pins(b->pin_dir);
}

int cordon_bpf_trace_hold(struct cordon_bpf *b)
{
	_cleanup_close_ int lock = -1;

	if (!b->pin_dir)
		return 0;
	lock = trace_lock(b);
	if (lock < -1)
		return lock;
	for (int p = 0; p < PROG_COUNT; p++) {
		int r = with_sessions(p) ? trace_attach(b, p, lock >= 0 ? lock : b->pins_lock) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Detach the programs of with_sessions(): their pinned links go (the kernel detaches a link at
 * its last reference: a holder's descriptor keeps it, see hold_fds). Only with no session live.
 */
static int trace_unpin(struct cordon_bpf *b)
{
	for (int p = 0; p < PROG_COUNT; p++) {
		_cleanup_free_ char *lp = NULL;

		if (!with_sessions(p))
			continue;
		lp = link_pin_path(b->pin_dir, p);
		if (!lp)
			return -ENOMEM;
		if (unlink(lp) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/*
 * The grace period. Attaching the programs of with_sessions() is most of a launch (perf events
 * installed on every CPU, a trampoline per LSM hook; and a detach's teardown runs later from a
 * workqueue), so they stay attached CORDON_TRACE_GRACE_S (loader.h; opts.trace_grace_s) after
 * the last session ends, and a session made meanwhile finds them attached. A process outside
 * every session then pays their untagged exit for those seconds only (the first instruction of
 * each is the untagged test). Detaching late never opens anything. Detaching early would, for
 * the LSM programs: the waiter, like the release, detaches only with no session live.
 *
 * One waiter per pin directory (flock of its stamp file under CORDON_CTL_RUN_DIR), a detached
 * grandchild reparented to init, so neither the launcher nor the daemon waits or reaps it. Each
 * release stamps the file's mtime; the waiter detaches once the newest stamp is GRACE old and
 * no session exists, judged under the pin lock: a session registers before its hold, under the
 * same lock. A waiter that finds a session gives up its flock while it still holds the pin
 * lock, so the release of that session (which takes the pin lock after) starts the next one.
 */
static char *grace_path(const struct cordon_bpf *b)
{
	const char *name = strrchr(b->pin_dir, '/');

	return cordon_strdup_printf("%s/trace-grace-%s", CORDON_CTL_RUN_DIR,
				    name ? name + 1 : b->pin_dir);
}

/* Seconds until the stamp of @fd is @grace old: 0 when it is (or cannot be read). */
static long grace_left(int fd, long grace)
{
	struct timespec now;
	struct stat st;
	long left;

	if (fstat(fd, &st) < 0 || clock_gettime(CLOCK_REALTIME, &now) < 0)
		return 0;
	left = st.st_mtim.tv_sec + grace - now.tv_sec;
	/* A stamp from the future (the clock set back): stamped again, one period from now. */
	if (left > grace && futimens(fd, NULL) == 0)
		left = grace;
	return left < 0 ? 0 : left;
}

static __attribute__((noreturn)) void grace_wait(struct cordon_bpf *b, int gfd)
{
	for (;;) {
		long left = grace_left(gfd, b->trace_grace_s);
		_cleanup_close_ int lock = -1;

		if (left > 0) {
			nanosleep(&(struct timespec){ .tv_sec = left }, NULL);
			continue;
		}
		/* Not lock_pins(): a directory retired meanwhile is not made again. */
		lock = open(b->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lock < 0 || flock(lock, LOCK_EX) < 0)
			_exit(0);
		if (pins_hold_sessions(b->pin_dir)) {
			close(gfd); /* before the pin lock: that session's release starts a waiter */
			_exit(0);
		}
		if (grace_left(gfd, b->trace_grace_s) <= 0)
			_exit(trace_unpin(b) < 0 ? 1 : 0);
	}
}

/* Stamp the grace file; start its waiter unless one is waiting. Under the pin lock. */
static int trace_release_later(struct cordon_bpf *b)
{
	_cleanup_free_ char *path = grace_path(b);
	_cleanup_close_ int gfd = -1;
	sigset_t all;
	pid_t p;

	if (!path || (mkdir(CORDON_CTL_RUN_DIR, 0755) < 0 && errno != EEXIST))
		return -ENOMEM;
	gfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (gfd < 0 || futimens(gfd, NULL) < 0)
		return trace_unpin(b); /* no grace to be had: detach now */
	/* Only a test: the waiter takes the flock itself (two racing to start one: one stays). */
	if (flock(gfd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : trace_unpin(b); /* a waiter waits */
	flock(gfd, LOCK_UN);
	p = fork();
	if (p < 0)
		return trace_unpin(b);
	if (p == 0) {
		/* Nothing of the caller's: no terminal, pipe, test lock or the pin lock kept. */
		setsid();
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (fork() != 0)
			_exit(0);
		if (syscall(SYS_close_range, 0U, ~0U, 0U) < 0)
			for (int fd = 0; fd < 1024; fd++)
				close(fd);
		gfd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (gfd < 0 || flock(gfd, LOCK_EX | LOCK_NB) < 0)
			_exit(0);
		prctl(PR_SET_NAME, "cordon-grace");
		grace_wait(b, gfd);
	}
	waitpid(p, NULL, 0);
	return 0;
}
int cordon_bpf_trace_release(struct cordon_bpf *b, bool now)
{
	_cleanup_close_ int lock = -1;

	if (!b->pin_dir)
		return 0;
	lock = trace_lock(b);
	if (lock < -1)
		return lock;
	/* Under the lock: a session registered before its hold is seen here. */
	if (sessions_prune(MAP_FD(b, sessions), MAP_FD(b, sessions_live), b))
		return 0;
	/* Ours let go (before the waiter is forked): the pins alone hold the links now. */
	for (int p = 0; p < PROG_COUNT; p++)
		if (b->hold_fds[p] >= 0) {
			close(b->hold_fds[p]);
			b->hold_fds[p] = -1;
		}
	return now || b->trace_grace_s <= 0 ? trace_unpin(b) : trace_release_later(b);
}
