/* SPDX-License-Identifier: GPL-2.0-only */
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
#ifndef CORDON_AUTO_CONFINE_H
#define CORDON_AUTO_CONFINE_H

#include <stddef.h>
#include <stdint.h>

#include "maps.h"

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

#endif /* CORDON_AUTO_CONFINE_H */
