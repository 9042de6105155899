/* SPDX-License-Identifier: GPL-2.0-only */
/* BPF loader: the skeleton, pinned programs and maps, session registration, auto-confinement. */
#ifndef CORDON_LOADER_H
#define CORDON_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "maps.h"
#include "events.h"

/* ---- loader ---- */
/*
 * Loading and attaching cordon's BPF programs (one skeleton for all of them) and filling the
 * session maps. The layouts of keys and values come from bpf/maps.h.
 */

struct cordon_bpf;
struct ring_buffer;

struct cordon_bpf_opts {
	/* cordon's root cgroup (absolute path under the cgroup v2 mount); created if missing */
	const char *cgroup_root;
	/* load and attach the BPF LSM programs; false on kernels that refuse them */
	bool lsm;
	/* leave out the tracing programs (exec/exit and syscall-refusal audit): benchmarks */
	bool no_trace;
	/*
	 * The daemon: a bpffs directory where maps and links are pinned, so enforcement outlives
	 * the process (fail closed). When it already holds a link for every program this build
	 * would attach, each still attached, and maps compatible with this build, they are adopted
	 * without loading anything, and without opening the BPF object (the build's table of it
	 * names every pin); otherwise the programs are loaded and attached first and only then do
	 * their pins replace the old ones, so nothing goes unenforced in between. NULL: nothing
	 * pinned, everything goes away with the process.
	 */
	const char *pin_dir;
	/* Seconds the tracing programs stay attached after the last session (0:
	 * CORDON_TRACE_GRACE_S; negative: none). See cordon_bpf_trace_release(). */
	int trace_grace_s;
};

#define CORDON_TRACE_GRACE_S 5

/* Open, configure, load and attach. Returns 0 and sets *out, or -errno; nothing is left behind. */
int cordon_bpf_start(const struct cordon_bpf_opts *opts, struct cordon_bpf **out);
void cordon_bpf_stop(struct cordon_bpf *b);
/* For a process about to exit: the pin lock released, nothing else (exit closes and frees). */
void cordon_bpf_stop_exiting(struct cordon_bpf *b);

/* True when cordon_bpf_start() adopted pinned programs instead of loading them. */
bool cordon_bpf_adopted(const struct cordon_bpf *b);

/*
 * The pin directory name of this build for @cgroup_root: 16 hex digits of the SHA-256 of the
 * BPF object and the root, so an upgraded binary never adopts programs or maps of another
 * layout, and the programs of the old build keep enforcing their sessions beside it.
 */
void cordon_bpf_pin_name(const char *cgroup_root, char out[17]);

/*
 * Where pins live: the daemon's default, and root's `cordon run` (which shares them with the
 * daemon when its cgroup root is the default one).
 */
#define CORDON_PIN_ROOT "/sys/fs/bpf/cordon"

/*
 * bpffs at the parent of @pin_root, mounted when the host has none (as systemd does at boot) and
 * this is the host's mount namespace; -ENOENT in another one (its pins would die with it).
 */
int cordon_bpffs_ensure(const char *pin_root);

/*
 * Remove the pins in @dir (another build's directory), which detaches its programs: refused
 * with -EBUSY while a process starts on them (cordon_bpf_start() locks the directory until
 * cordon_bpf_pins_unlock()) or its sessions map holds a session (a launcher killed
 * mid-session: its rules stay in force).
 */
int cordon_bpf_pins_retire(const char *dir);

/*
 * Let others start on or retire the pins again: after the caller's session is registered (a
 * launcher), at once (the daemon). Idempotent; cordon_bpf_stop() does it too. The lock must not
 * reach a forked child that outlives the caller's need of it.
 */
void cordon_bpf_pins_unlock(struct cordon_bpf *b);

/*
 * Pin again, in place, every enforcing program's link whose pin was removed from outside (the
 * loader holds each link open while it runs, so nothing was detached meanwhile); @cb (may be
 * NULL) is told each pin path restored. A pin that now names another link (a later load
 * replaced it) is adopted as the one to hold. The count restored, or -errno.
 */
typedef void (*cordon_pin_cb)(void *ctx, const char *pin);
int cordon_bpf_pins_repair(struct cordon_bpf *b, cordon_pin_cb cb, void *ctx);

/*
 * The tracing programs (syscall-exit refusals, exec, exit, seccomp kills: records only) run for
 * every task on the machine, so on pinned programs they are attached only while a session
 * exists, and a few seconds after (loader.c: the grace period): hold after registering a
 * session, release after deleting one (when the sessions map is empty: detached @now, or by a
 * detached waiter once the grace period has passed with no session). No-ops on programs of
 * one's own. 0 or -errno.
 */
int cordon_bpf_trace_hold(struct cordon_bpf *b);
int cordon_bpf_trace_release(struct cordon_bpf *b, bool now);

/*
 * A ring buffer of one's own for a reader that shares pinned programs with others (maps.h
 * session_events): a slot of the pool, held until cordon_bpf_ring_release() or exit. Its
 * ring may hold records an earlier holder's sessions left: the reader keeps only its own
 * session's (cordon_event_hdr.session). The session entry names it: cordon_session.ring =
 * slot + 1. 0, or -errno (-EBUSY: every slot is held).
 */
struct cordon_ring_claim {
	int fd;	  /* the ring buffer map */
	int lock; /* the slot's lock file, flock'd */
	uint32_t slot;
};
int cordon_bpf_ring_claim(struct cordon_bpf *b, struct cordon_ring_claim *c);
void cordon_bpf_ring_release(struct cordon_ring_claim *c);

/* Delete every rule of session number @id from the rule maps (its sessions entry stays). */
int cordon_bpf_purge_session(struct cordon_bpf *b, uint32_t id);

/* Call @fn for each sessions-map entry; stops early when @fn returns non-zero. */
int cordon_bpf_sessions_each(struct cordon_bpf *b,
			     int (*fn)(void *ctx, uint64_t cgroup_id,
				       const struct cordon_session *s),
			     void *ctx);

/* Level of session cgroups (cordon's root cgroup level + 1), as the programs were loaded with. */
uint32_t cordon_bpf_session_level(const struct cordon_bpf *b);

int cordon_bpf_session_add(struct cordon_bpf *b, uint64_t cgroup_id,
			   const struct cordon_session *s);
/* The entry of a session added before (its rule count, flags): -ENOENT when there is none. */
int cordon_bpf_session_update(struct cordon_bpf *b, uint64_t cgroup_id,
			      const struct cordon_session *s);
int cordon_bpf_session_del(struct cordon_bpf *b, uint64_t cgroup_id);
int cordon_bpf_inode_rule_add(struct cordon_bpf *b, const struct cordon_inode_key *k,
			      const struct cordon_inode_rule *r);
int cordon_bpf_allow_tree_add(struct cordon_bpf *b, const struct cordon_inode_key *k,
			      const struct cordon_inode_allow *a);
int cordon_bpf_dirent_rule_add(struct cordon_bpf *b, const struct cordon_dirent_key *k,
			       const struct cordon_inode_rule *r);
int cordon_bpf_bind_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			     const struct cordon_net_rule *r);
int cordon_bpf_pattern_add(struct cordon_bpf *b, const struct cordon_pattern_key *k,
			   const struct cordon_name_pattern *p);

/* Call @fn for each loaded program with its name and the instructions the verifier processed. */
int cordon_bpf_prog_stats(struct cordon_bpf *b,
			  void (*fn)(void *ctx, const char *name, uint32_t verified_insns),
			  void *ctx);

/* LSM hooks of cordon's programs that this kernel lacks (left unloaded), comma-separated. */
const char *cordon_bpf_skipped_hooks(const struct cordon_bpf *b);

/* A per-CPU counter of the stats map (CORDON_STAT_*), summed. */
int cordon_bpf_stat(struct cordon_bpf *b, uint32_t idx, uint64_t *total);

/*
 * The resolver's answers (maps.h dns_addrs): set or drop one address of a session; and where
 * the session's resolver listens (dns_steer), which turns the steering of its DNS on.
 */
int cordon_bpf_dns_addr_set(struct cordon_bpf *b, const struct cordon_dns_key *k,
			    const struct cordon_dns_addr *a);
int cordon_bpf_dns_addr_del(struct cordon_bpf *b, const struct cordon_dns_key *k);
int cordon_bpf_dns_steer_set(struct cordon_bpf *b, uint32_t session,
			     const struct cordon_dns_steer *st);
int cordon_bpf_net_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			    const struct cordon_net_rule *r);

/* The cgroup programs for pathname unix connect/sendmsg are attached (kernel 6.7+). */
/*
 * The hooks tell btrfs subvolumes apart (btrfs's BTF was loaded with the programs): without
 * it, a rule on a btrfs inode cannot be keyed the way the hooks see it and is refused.
 */
bool cordon_bpf_btrfs_ready(const struct cordon_bpf *b);
bool cordon_bpf_unix_ready(const struct cordon_bpf *b);
int cordon_bpf_unix_rule_add(struct cordon_bpf *b, const struct cordon_unix_key *k,
			     const struct cordon_unix_rule *r);

/* A ring buffer reader calling @cb for each record (see user/lib/event.h for decoding). */
typedef int (*cordon_event_cb)(void *ctx, void *data, size_t size);
struct ring_buffer *cordon_bpf_events(struct cordon_bpf *b, cordon_event_cb cb, void *ctx);

/*
 * The reader's pace in a flood. A record submitted to a ring whose reader has caught up makes
 * the submitting task wake the reader (irq_work: a self-interrupt, an APIC write that exits to
 * the hypervisor in a VM); a reader faster than the flood catches up after every few records,
 * so the flooding task paid that on a large share of its refusals (perf: a third of a flooding
 * task's samples, in bpf_ringbuf_submit -> irq_work_queue -> native_write_msr) and the reader
 * most of its time in wake-ups. A reader drained twice within two paces, the second time of
 * fewer than CORDON_RING_PACE_FEW records, stops watching the ring for one pace: while it is
 * behind, no wake-up is raised, and its next drain takes the pace's records at once. A drain of
 * more is a busy reader, never held (a sleep would give its CPU to the flood). Outside floods (drains more than 2 ms apart) it is woken as before; in one,
 * a record waits at most one pace, a vital one (a task escaping its cgroup) included. One pace
 * of the fastest flood measured (700k records/s of at most 376 bytes) fills 6% of the ring.
 */
#define CORDON_RING_PACE_NS  1000000ull
#define CORDON_RING_PACE_FEW 64

struct cordon_ring_pace {
	uint64_t last_ns;	/* the last drain (CLOCK_BOOTTIME), 0: none yet */
	uint64_t hold_until_ns; /* leave the ring alone until then (0: watch it) */
};

/* A drain of @records ended at @now_ns: until when to leave the ring alone (0: watch it now). */
uint64_t cordon_ring_pace_drained(struct cordon_ring_pace *p, uint64_t now_ns, int records);
/* Is the ring left alone at @now_ns? */
bool cordon_ring_pace_held(const struct cordon_ring_pace *p, uint64_t now_ns);
/* @timeout_ms (a poll timeout, -1: none) shortened to end when the hold does. */
int cordon_ring_pace_timeout_ms(const struct cordon_ring_pace *p, uint64_t now_ns, int timeout_ms);

/* Sum of the per-CPU counters of records the ring buffer could not take. */
int cordon_bpf_drops(struct cordon_bpf *b, uint64_t *total);
/*
 * Session @id's use of the ring buffers (bpf/maps.h ring_use): its lost records, exactly,
 * whichever ring it writes to. All zero when it made no record yet. 0 or -errno.
 */
int cordon_bpf_ring_use(struct cordon_bpf *b, uint32_t id, struct cordon_ring_use *u);

/* Auto-confinement (user/lib/auto_confine.h is the API to use). */

/* Both auto-confinement programs are loaded and attached (BPF LSM active, hooks present). */
bool cordon_bpf_auto_ready(const struct cordon_bpf *b);
int cordon_bpf_auto_exec_add(struct cordon_bpf *b, const struct cordon_auto_key *k,
			     const struct cordon_auto_exec *v);
int cordon_bpf_auto_exec_del(struct cordon_bpf *b, const struct cordon_auto_key *k);
/*
 * auto_users (bpf/maps.h): whether auto session @cgroup_id holds rules for @uid. get: 0, or
 * -ENOENT when the uid was never resolved; set: 0 or -errno (-E2BIG: the map is full); purge:
 * every entry of the session removed, their count or -errno.
 */
int cordon_bpf_auto_user_get(struct cordon_bpf *b, uint64_t cgroup_id, uint32_t uid,
			     struct cordon_auto_user *v);
int cordon_bpf_auto_user_set(struct cordon_bpf *b, uint64_t cgroup_id, uint32_t uid,
			     const struct cordon_auto_user *v);
int cordon_bpf_auto_users_purge(struct cordon_bpf *b, uint64_t cgroup_id);
/*
 * The session cgroup id a task is tagged with (task_tags, looked up by a pidfd of the task):
 * 0 and *cgroup_id set, -ENOENT when the task carries no tag, or -errno.
 */
int cordon_bpf_task_tag(struct cordon_bpf *b, int pidfd, uint64_t *cgroup_id);

/* ---- auto_confine ---- */
/*
 * Auto-confinement (BPF LSM only): executables registered here are confined at exec even when
 * started without `cordon run` — tagged with a session before their first instruction by
 * bpf/lsm_auto.bpf.c, then moved into the session's cgroup by cordon_auto_handle().
 *
 * Use (the daemon): create one long-lived session per `confine:` entry (cordon_session_create
 * and cordon_session_fill), cordon_auto_register() its executables, and pass every
 * CORDON_EV_AUTO_CONFINE record read from the ring buffer to cordon_auto_handle() with the
 * cgroup of the session the record names (hdr.cgroup_id). Unregister a session's executables
 * before destroying it (an entry whose session is gone matches nothing, but holds a slot).
 */

struct cordon_bpf;

/*
 * Confine every process outside every session that execs @path (symlinks followed: the file
 * they name) in the session whose cgroup id is @cgroup_id (its key in the sessions map; the
 * session must be registered there for an exec to match).
 *
 * The file is matched by inode: a rename or a hard link still matches, a copy does not, and a
 * file replaced on update (a new inode, as npm and pip do) must be registered again. For a `#!`
 * script the script itself is matched, not its interpreter; `python3 /path/agent.py` execs
 * python3 and does not match /path/agent.py.
 *
 * Returns 0 and fills *@key (when not NULL, for cordon_auto_unregister), or:
 * -EOPNOTSUPP: this kernel cannot auto-confine (BPF LSM refused or not active, or a hook it
 *              needs is missing): nothing was registered;
 * -EINVAL:     @path is not a regular file;
 * -EEXIST:     the file is already registered (for this or another session);
 * -errno:      from stat() or the map update (-E2BIG/-ENOSPC: CORDON_MAX_AUTO_EXEC reached).
 */
int cordon_auto_register(struct cordon_bpf *b, const char *path, uint64_t cgroup_id,
			 struct cordon_auto_key *key);

/*
 * Stop confining new execs of the file registered as @key. Processes already confined stay in
 * their session. Returns 0 or -errno (-ENOENT: not registered).
 */
int cordon_auto_unregister(struct cordon_bpf *b, const struct cordon_auto_key *key);

/*
 * Handle one CORDON_EV_AUTO_CONFINE record (@data, @size as read from the ring buffer): move
 * the process it names into @cgroup (the path of the session cgroup whose id is the record's
 * hdr.cgroup_id), then every other process tagged with that session and not yet in its
 * cgroup (children forked between the exec and the move, which carry the tag but not the
 * cgroup), until none is left.
 *
 * A process is moved only when the kernel's own tag says it belongs to the session (task_tags,
 * looked up through a pidfd): a pid that was recycled by an unrelated process is never moved.
 * The program named in the record may already have exec'd another (a script's interpreter, or
 * env exec'ing node), which is why /proc/PID/exe is not the check.
 *
 * Returns the number of processes moved (0 when the process had exited and left no tagged
 * child outside the cgroup), or -errno: -EBADMSG for a record that is not a well-formed
 * auto-confine record, else the error of reading /proc or writing cgroup.procs.
 */
int cordon_auto_handle(struct cordon_bpf *b, const void *data, size_t size, const char *cgroup);

/*
 * Move every process tagged with session @cgroup_id and not yet in @cgroup (its path) into it,
 * without a record: for the records the daemon never read (lost when the ring buffer was full,
 * counted in event_drops, or emitted while the daemon was down — the pinned programs keep
 * tagging). Call it at daemon start for each auto session and whenever the drop counter grows.
 * Returns the number of processes moved, or -errno.
 */
int cordon_auto_sweep(struct cordon_bpf *b, uint64_t cgroup_id, const char *cgroup);

#endif /* CORDON_LOADER_H */
