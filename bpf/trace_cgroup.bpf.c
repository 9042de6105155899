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

/*
 * Signal another task from BPF (kernel 6.13+). Weak: the programs that call it are loaded only
 * where vmlinux has it (loader.c), the record-only ones elsewhere.
 */
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type,
				__u64 value) __ksym __weak;

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
	struct cordon_event_cgroup_escape *ev = session_ring_reserve(s, sizeof(*ev), true);

	if (!ev)
		return;
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
 *
 * With @kill, its whole thread group gets SIGKILL here, before the write to cgroup.procs (or
 * the fork) returns: SIGKILL cannot be blocked or caught, a task running on another CPU is
 * interrupted, and a new child dies before its first instruction. That leaves the moved task
 * only what it was already doing in the kernel at the move. Without it (before 6.13) the
 * window lasts until the supervisor's pidfd kill: on the BPF LSM tier the socket hooks still
 * judge the task by its tag (lsm_net), on the host tier it can reach the network meanwhile.
 */
static __always_inline void check_task(struct task_struct *task, struct cgroup *dst,
				       const char *path, __u16 hook, __u32 flags, bool kill)
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
	/*
	 * @task, never current as such: current is the mover (PID 1, root's shell), which is the
	 * moved task itself only when a session task moved itself out.
	 */
	if (kill && bpf_send_signal_task(task, 9 /* SIGKILL */, PIDTYPE_TGID, 0) == 0)
		flags |= CORDON_ESCAPE_KILLED_BPF;
	emit_escape(s, tag->cgroup_id, task, BPF_CORE_READ(dst, kn, id), path, hook, flags);
}

/*
 * After a successful write to cgroup.procs or cgroup.threads (of any hierarchy). current is the
 * writer (PID 1 for systemd's StartTransientUnit on a user's behalf): it is never signalled.
 * @task is the thread group leader when @threadgroup.
 */
static __always_inline void on_attach(struct cgroup *dst, const char *path,
				      struct task_struct *task, bool threadgroup, bool kill)
{
	/*
	 * Only the default (v2) hierarchy, id 0, holds sessions. A move in a v1 hierarchy (the
	 * session's own limits group on a hybrid host, cgroup_v1.c) leaves the task's v2 cgroup,
	 * and so its session, as it was; and v1 cgroup ids are another kernfs's numbers, which
	 * must never be looked up as sessions.
	 */
	if (BPF_CORE_READ(dst, root, hierarchy_id) != 0)
		return;
	check_task(task, dst, path, CORDON_HOOK_CGROUP_ATTACH_TASK,
		   threadgroup ? CORDON_ESCAPE_THREADGROUP : 0, kill);
}

/*
 * Every new task or thread: the child of a tagged parent carries the parent's tag (the BPF LSM
 * tier's task_alloc did it already, then this leaves it), and a child created in a session
 * cgroup by clone3(CLONE_INTO_CGROUP) is tagged with it (the daemon's spawn). A tagged parent's
 * child born by CLONE_INTO_CGROUP in a cgroup outside its session is reported like a move.
 */
static __always_inline void on_fork(struct task_struct *parent, struct task_struct *child,
				    bool kill)
{
	struct cordon_task_tag *ptag = bpf_task_storage_get(&task_tags, parent, 0, 0);
	struct cgroup *cg = BPF_CORE_READ(child, cgroups, dfl_cgrp);
	struct cordon_task_tag *tag;

	if (!ptag) {
		check_task(child, cg, NULL, CORDON_HOOK_SCHED_FORK, CORDON_ESCAPE_FORK, kill);
		return;
	}
	tag = bpf_task_storage_get(&task_tags, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tag)
		return;
	if (!tag->cgroup_id) {
		tag->cgroup_id = ptag->cgroup_id;
		tag->armed = ptag->armed;
	}
	/*
	 * Born where its parent is, the child moved nowhere: an auto-confined process forks
	 * before the daemon moves it into its session's cgroup, and its children follow it in.
	 */
	if (cg != BPF_CORE_READ(parent, cgroups, dfl_cgrp) &&
	    session_ancestor(cg) != tag->cgroup_id)
		check_task(child, cg, NULL, CORDON_HOOK_SCHED_FORK, CORDON_ESCAPE_FORK, kill);
}

/* Each hook twice: with the in-kernel kill (6.13+) or without; the loader keeps one of each. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cordon_trace_cgroup_attach, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	on_attach(dst, path, task, threadgroup, false);
	return 0;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cordon_trace_cgroup_attach_kill, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	on_attach(dst, path, task, threadgroup, true);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(cordon_trace_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(parent, child, false);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(cordon_trace_fork_kill, struct task_struct *parent, struct task_struct *child)
{
	on_fork(parent, child, true);
	return 0;
}
