// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's cgroup boundary: a session task that lands in a cgroup outside its session's
 * subtree (cgroup.procs written by systemd or root, or clone3 into another cgroup) is reported
 * at once, for its supervisor to kill. Session tasks are known by their task tag, not by their
 * cgroup, because the cgroup is exactly what the move changed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"

/* Deeper cgroup trees than this below a session are not walked (and count as outside). */
#define CGROUP_MAX_DEPTH 32

/*
 * The id of @cg's ancestor at the session level, in the cgroup v2 hierarchy; 0 when @cg is a
 * cgroup v1 one (their ids are another numbering: a hybrid host's net_cls move is no escape) or
 * lies above the session level. Walks up through cgroup.self.parent: self is the first member
 * of struct cgroup in every kernel, so the css pointer is the cgroup's.
 */
static __always_inline __u64 session_ancestor(struct cgroup *cg)
{
	__u32 level;

	if (!cg || BPF_CORE_READ(cg, root, hierarchy_id) != 0)
		return 0;
	level = (__u32)BPF_CORE_READ(cg, level);
	if (level < cordon_session_level || level - cordon_session_level > CGROUP_MAX_DEPTH)
		return 0;
	for (int i = 0; i < CGROUP_MAX_DEPTH && level > cordon_session_level; i++, level--)
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	return cg ? BPF_CORE_READ(cg, kn, id) : 0;
}

/* The record, its header naming @task (the moved one), not current (the mover). */
static __always_inline void emit_escape(const struct cordon_session *s, __u64 cgroup_id,
					struct task_struct *task, __u64 dst_id, const char *path,
					__u16 hook, __u32 flags)
{
	struct cordon_event_cgroup_escape *ev = session_ring_reserve(s, sizeof(*ev));

	if (!ev) {
		count_drop();
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->hdr.type = CORDON_EV_CGROUP_ESCAPE;
	ev->hdr.version = CORDON_EVENT_VERSION;
	ev->hdr.size = sizeof(*ev);
	ev->hdr.ts_ns = bpf_ktime_get_boot_ns();
	ev->hdr.cgroup_id = cgroup_id;
	ev->hdr.session = s->id;
	ev->hdr.pid = BPF_CORE_READ(task, tgid);
	ev->hdr.tid = BPF_CORE_READ(task, pid);
	ev->hdr.uid = BPF_CORE_READ(task, cred, uid.val);
	ev->hdr.verdict = -1; /* -EPERM: the process is killed */
	ev->hdr.hook = hook;
	ev->hdr.layer = CORDON_LAYER_SESSION_CGROUP;
	BPF_CORE_READ_STR_INTO(&ev->hdr.comm, task, comm);
	ev->dst_cgroup_id = dst_id;
	ev->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	ev->mover_pid = bpf_get_current_pid_tgid() >> 32;
	ev->flags = flags;
	bpf_get_current_comm(ev->mover_comm, sizeof(ev->mover_comm));
	if (path)
		bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), path);
	/* The supervisor's kill closes the window: wake it now, not at the next batch. */
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
}

/*
 * @task is now in cgroup @dst. A task tagged with a session and outside that session's subtree
 * is reported; an untagged task entering a session cgroup is tagged with it (the launcher's
 * own move, or a process cordon moves in), so that it is known wherever it goes next.
 */
static __always_inline void check_task(struct task_struct *task, struct cgroup *dst,
				       const char *path, __u16 hook, __u32 flags)
{
	__u64 dst_id = session_ancestor(dst);
	struct cordon_task_tag *tag = bpf_task_storage_get(&task_tags, task, 0, 0);
	struct cordon_session *s;

	if (!tag) {
		if (!dst_id || !bpf_map_lookup_elem(&sessions, &dst_id))
			return;
		tag = bpf_task_storage_get(&task_tags, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (tag && !tag->cgroup_id)
			tag->cgroup_id = dst_id;
		return;
	}
	if (tag->cgroup_id == dst_id)
		return; /* a move inside the session's own subtree */
	s = bpf_map_lookup_elem(&sessions, &tag->cgroup_id);
	if (!s)
		return; /* the session has ended: its tags are stale */
	emit_escape(s, tag->cgroup_id, task, BPF_CORE_READ(dst, kn, id), path, hook, flags);
}

/*
 * After a successful write to cgroup.procs or cgroup.threads (of any hierarchy). current is the
 * writer (PID 1 for systemd's StartTransientUnit on a user's behalf): it is never signalled.
 * @task is the thread group leader when @threadgroup. The kernel has no helper before 6.13 that
 * signals another task from BPF, hence the record and the supervisor's pidfd kill.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cordon_trace_cgroup_attach, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	check_task(task, dst, path, CORDON_HOOK_CGROUP_ATTACH_TASK,
		   threadgroup ? CORDON_ESCAPE_THREADGROUP : 0);
	return 0;
}

/*
 * Every new task or thread: the child of a tagged parent carries the parent's tag (the BPF LSM
 * tier's task_alloc did it already, then this leaves it), and a child created in a session
 * cgroup by clone3(CLONE_INTO_CGROUP) is tagged with it (the daemon's spawn). A tagged parent's
 * child born in a cgroup outside its session is reported like a move.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(cordon_trace_fork, struct task_struct *parent, struct task_struct *child)
{
	struct cordon_task_tag *ptag = bpf_task_storage_get(&task_tags, parent, 0, 0);
	struct cgroup *cg = BPF_CORE_READ(child, cgroups, dfl_cgrp);
	struct cordon_task_tag *tag;
	__u64 id;

	if (!ptag) {
		check_task(child, cg, NULL, CORDON_HOOK_SCHED_FORK, CORDON_ESCAPE_FORK);
		return 0;
	}
	tag = bpf_task_storage_get(&task_tags, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tag)
		return 0;
	if (!tag->cgroup_id) {
		tag->cgroup_id = ptag->cgroup_id;
		tag->armed = ptag->armed;
	}
	id = session_ancestor(cg);
	if (id != tag->cgroup_id)
		check_task(child, cg, NULL, CORDON_HOOK_SCHED_FORK, CORDON_ESCAPE_FORK);
	return 0;
}
