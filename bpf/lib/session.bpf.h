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

/*
 * At least how many entries the sessions map holds. Userspace counts an entry before it inserts
 * it and uncounts one after it deleted it (loader.c, atomically through a shared mapping of
 * this array), so the count is never below the number of entries: while it is 0 the sessions
 * map is empty, and every lookup below would find no session for any task, tagged or not. A
 * count left too high (a process that died between the two steps) only costs the lookups.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sessions_live SEC(".maps") __weak;

/*
 * Does any session exist? The first test of every program that asks for the current task's
 * session: with none on the machine, a program ends here, at one array load the verifier inlines
 * (no helper call).
 */
static __always_inline bool sessions_any(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&sessions_live, &zero);

	/* No element (it cannot happen with an array): as if sessions existed, never fail open. */
	return !n || *n;
}

/* The session of the current task's cgroup, or NULL, once sessions_any() said yes. */
static __always_inline struct cordon_session *cgroup_session(__u64 *cgroup_id)
{
	__u64 id = bpf_get_current_ancestor_cgroup_id(cordon_session_level);

	if (!id)
		return NULL;
	*cgroup_id = id;
	return bpf_map_lookup_elem(&sessions, &id);
}

/*
 * The session of the current task's cgroup, or NULL: the untagged fast path is the array load
 * of sessions_any() with no session on the machine, the ancestor cgroup's id with one.
 */
static __always_inline struct cordon_session *current_session(__u64 *cgroup_id)
{
	return sessions_any() ? cgroup_session(cgroup_id) : NULL;
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
 * cgroup, tagging it then. With no session on the machine that is one array load; with one, an
 * untagged task outside it costs a task-storage lookup, its ancestor cgroup's id and (when its
 * cgroup is as deep as a session's) a session lookup.
 */
static __always_inline struct cordon_session *lsm_session(__u64 *cgroup_id)
{
	struct cordon_task_tag *tag;
	struct task_struct *task;
	struct cordon_session *s;

	if (!sessions_any())
		return NULL;
	task = bpf_get_current_task_btf();
	tag = bpf_task_storage_get(&task_tags, task, 0, 0);
	if (tag) {
		*cgroup_id = tag->cgroup_id;
		return bpf_map_lookup_elem(&sessions, &tag->cgroup_id);
	}
	s = cgroup_session(cgroup_id);
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
