/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which session the current task belongs to: the one lookup every program starts with, by the
 * task's cgroup (cgroup programs, tracepoints) or by its tag first (LSM programs).
 */
#ifndef CORDON_SESSION_BPF_H
#define CORDON_SESSION_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.h"

/*
 * Level of session cgroups in the cgroup v2 hierarchy (cordon's root cgroup level + 1). Set by
 * the loader before load; 0 would match the root cgroup, which never holds a session entry.
 * Defined once, in settings.bpf.c.
 */
extern const volatile __u32 cordon_session_level;

/*
 * Maps are __weak: each object declares the maps it uses and the BPF linker keeps one instance
 * in the combined object.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct cordon_session);
} sessions SEC(".maps") __weak;

/*
 * The session a task was tagged with (struct cordon_task_tag, bpf/maps.h). Set at its first
 * confined hook or inherited at task_alloc, it outlives an (attempted) move to another cgroup: a
 * task never leaves its session. Only LSM programs use it; the cgroup programs have the cgroup
 * itself.
 */

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cordon_task_tag);
} task_tags SEC(".maps") __weak;

/* The session of the current task's cgroup, or NULL: the untagged fast path is this one lookup. */
static __always_inline struct cordon_session *current_session(__u64 *cgroup_id)
{
	__u64 id = bpf_get_current_ancestor_cgroup_id(cordon_session_level);

	if (!id)
		return NULL;
	*cgroup_id = id;
	return bpf_map_lookup_elem(&sessions, &id);
}

/*
 * LSM programs. Each one starts with
 *
 *	if (ret)
 *		return ret;
 *
 * where ret, the hook's last argument, is the verdict of the BPF LSM programs that ran before
 * this one on the same hook: a refusal stays a refusal, never turned into an allow. (The kernel
 * calls the BPF LSM only while the LSMs before it allowed, and the trampoline runs a program
 * only while the programs before it returned 0, so ret is 0 in practice: the test keeps the
 * rule true without relying on that.) The hooks whose argument lists changed between kernels
 * (mmap_file, file_mprotect, bpf, inode_setattr, the xattr and ACL hooks) or that take structs
 * by value (path_chown) cannot name ret at a fixed position and do not read it.
 */

/*
 * The session of the current task, for LSM programs: by its tag when it has one, else by its
 * cgroup, tagging it then. An untagged task outside every session costs a task-storage lookup
 * and a session lookup.
 */
static __always_inline struct cordon_session *lsm_session(__u64 *cgroup_id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cordon_task_tag *tag = bpf_task_storage_get(&task_tags, task, 0, 0);
	struct cordon_session *s;

	if (tag) {
		*cgroup_id = tag->cgroup_id;
		return bpf_map_lookup_elem(&sessions, &tag->cgroup_id);
	}
	s = current_session(cgroup_id);
	if (s) {
		tag = bpf_task_storage_get(&task_tags, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (tag)
			tag->cgroup_id = *cgroup_id;
	}
	return s;
}

/* lsm_session() when the session enforces the rule family @flag (CORDON_SESSION_*), else NULL. */
static __always_inline struct cordon_session *lsm_session_for(__u32 flag, __u64 *cgroup_id)
{
	struct cordon_session *s = lsm_session(cgroup_id);

	return s && (s->flags & flag) ? s : NULL;
}

#endif /* CORDON_SESSION_BPF_H */
