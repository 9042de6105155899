// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM process hooks: tagging (a task's session is inherited at fork, so it survives any
 * attempted cgroup move) and self-protection: a session may not ptrace or signal tasks outside
 * it, use bpf(), mount or unmount, create user namespaces, or inject keystrokes into a terminal.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"

/* The new task belongs to its parent's session, before its first instruction runs. */
SEC("lsm/task_alloc")
int BPF_PROG(cordon_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct cordon_task_tag *tag, *parent;
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (ret)
		return ret;
	s = lsm_session(&cgroup_id);
	if (!s)
		return 0;
	parent = bpf_task_storage_get(&task_tags, bpf_get_current_task_btf(), 0, 0);
	tag = bpf_task_storage_get(&task_tags, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (tag) {
		tag->cgroup_id = cgroup_id;
		/* Armed is inherited; a parent without its tag counts as armed (fail closed). */
		tag->armed = parent ? parent->armed : 1;
	}
	return 0;
}

/*
 * The session's own set-up is over once a task in it executes a program: from then on, in it
 * and in every task it forks, mounts and new user namespaces are refused (deny_op). Until then
 * only cordon's launcher and the session's init run there (no program of the agent's).
 */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(cordon_exec_arm, struct linux_binprm *bprm)
{
	struct cordon_task_tag *tag;
	__u64 cgroup_id = 0;

	if (!lsm_session(&cgroup_id))
		return 0;
	tag = bpf_task_storage_get(&task_tags, bpf_get_current_task_btf(), 0, 0);
	if (tag)
		tag->armed = 1;
	return 0;
}

/*
 * Has the current task's session started running the agent's programs? Outside every session:
 * yes (deny_op then finds no session). lsm_session() tags a task found by its cgroup, so the
 * launcher's first hook finds its tag; no tag at all (no memory for it): yes, fail closed.
 */
static __always_inline bool armed(void)
{
	struct cordon_task_tag *tag;
	__u64 cgroup_id = 0;

	if (!lsm_session(&cgroup_id))
		return true;
	tag = bpf_task_storage_get(&task_tags, bpf_get_current_task_btf(), 0, 0);
	return !tag || tag->armed;
}

/* Is @t in the session whose cgroup is @cgroup_id (by its tag, or by its own cgroup)? */
static __always_inline bool in_session(struct task_struct *t, __u64 cgroup_id)
{
	struct cordon_task_tag *tag = bpf_task_storage_get(&task_tags, t, 0, 0);

	if (tag)
		return tag->cgroup_id == cgroup_id;
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id) == cgroup_id;
}

static __always_inline int deny_task(const struct cordon_session *s, __u64 cgroup_id, __u16 hook,
				     struct task_struct *target, __u32 detail)
{
	struct cordon_event_task *ev;

	ev = event_reserve(sizeof(*ev), CORDON_EV_TASK, hook, CORDON_LAYER_BPF_LSM, s, cgroup_id,
			   -EPERM, 0);
	if (ev) {
		ev->target_pid = BPF_CORE_READ(target, tgid);
		ev->detail = detail;
		BPF_CORE_READ_STR_INTO(&ev->target_comm, target, comm);
		bpf_ringbuf_submit(ev, 0);
	}
	return -EPERM;
}

/* ptrace, and /proc/PID/mem, environ, fd...: all go through ptrace_may_access(). */
SEC("lsm/ptrace_access_check")
int BPF_PROG(cordon_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (ret)
		return ret;
	s = lsm_session_for(CORDON_SESSION_SELF, &cgroup_id);
	if (!s || in_session(child, cgroup_id))
		return 0;
	return deny_task(s, cgroup_id, CORDON_HOOK_PTRACE, child, mode);
}

SEC("lsm/task_kill")
int BPF_PROG(cordon_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (ret)
		return ret;
	/* sig 0 only probes for existence. */
	if (!sig)
		return 0;
	s = lsm_session_for(CORDON_SESSION_SELF, &cgroup_id);
	if (!s || in_session(p, cgroup_id))
		return 0;
	return deny_task(s, cgroup_id, CORDON_HOOK_TASK_KILL, p, sig);
}

static __always_inline int deny_op(__u16 hook, __u64 arg0)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	s = lsm_session_for(CORDON_SESSION_SELF, &cgroup_id);
	if (!s)
		return 0;
	emit_op(s, cgroup_id, hook, -EPERM, arg0, 0, 0);
	return -EPERM;
}

/*
 * The bpf() hook gained arguments over time; only the command (argument 0) is read, and not
 * ret (lib/session.bpf.h).
 */
SEC("lsm/bpf")
int BPF_PROG(cordon_bpf, int cmd)
{
	return deny_op(CORDON_HOOK_BPF, (__u64)cmd);
}

SEC("lsm/sb_mount")
int BPF_PROG(cordon_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	/* The launcher builds the session's view (mount namespace, private mounts) before exec. */
	if (!armed())
		return 0;
	return deny_op(CORDON_HOOK_SB_MOUNT, flags);
}

/*
 * The mount API of 5.2 (open_tree, fsopen/fsmount, then move_mount) attaches a mount without
 * calling sb_mount: a root agent with no seccomp filter (auto-confined) would mount over any
 * path of the machine's namespace with it. Refused as mount() is, once armed.
 */
SEC("lsm/move_mount")
int BPF_PROG(cordon_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	if (!armed())
		return 0;
	return deny_op(CORDON_HOOK_MOVE_MOUNT, 0);
}

/*
 * umount: a root agent could take a mount away from the whole machine, bpffs among them (a
 * link held only by its pin goes with the pin: enforcement would end while the daemon is
 * down). The launcher's own unmounts happen before the agent's exec (not armed).
 */
SEC("lsm/sb_umount")
int BPF_PROG(cordon_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	if (!armed())
		return 0;
	return deny_op(CORDON_HOOK_SB_UMOUNT, (__u64)flags);
}

SEC("lsm/userns_create")
int BPF_PROG(cordon_userns_create, const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	/* An unprivileged launcher's session is owned by a user namespace it creates before exec. */
	if (!armed())
		return 0;
	return deny_op(CORDON_HOOK_USERNS_CREATE, 0);
}

static __always_inline int check_ioctl(unsigned int cmd, __u16 hook)
{
	/* FIOSETOWN and SIOCSPGRP are F_SETOWN by ioctl, with the pid behind a pointer. */
	if (cmd != TIOCSTI && cmd != TIOCLINUX && cmd != FIOSETOWN && cmd != SIOCSPGRP)
		return 0;
	return deny_op(hook, cmd);
}

SEC("lsm/file_ioctl")
int BPF_PROG(cordon_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return check_ioctl(cmd, CORDON_HOOK_FILE_IOCTL);
}

/*
 * The same ioctls through the 32-bit entry (int $0x80 works from any x86-64 process), which
 * does not call file_ioctl. 6.1.74 and later stable kernels have this hook too.
 */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(cordon_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	if (ret)
		return ret;
	return check_ioctl(cmd, CORDON_HOOK_FILE_IOCTL_COMPAT);
}

/* The number of @pid in the pid namespace it was created in (what the task itself calls it). */
static __always_inline __u32 ns_nr(struct pid *pid)
{
	unsigned int level = BPF_CORE_READ(pid, level);
	__u32 nr = 0;

	bpf_probe_read_kernel(&nr, sizeof(nr),
			      (void *)pid + bpf_core_field_offset(struct pid, numbers) +
				      (__u64)level * bpf_core_type_size(struct upid) +
				      bpf_core_field_offset(struct upid, nr));
	return nr;
}

/*
 * SIGIO: a file's owner gets a signal (any signal, with F_SETSIG) whenever I/O is ready, sent
 * with the credentials of whoever set the owner and without task_kill. A session may make only
 * itself the owner: F_SETOWN with its own pid (or 0); F_SETOWN_EX (the pid behind a pointer,
 * which another thread could rewrite after this check) and F_SETSIG are refused.
 */
SEC("lsm/file_fcntl")
int BPF_PROG(cordon_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct task_struct *t;
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	long who = (long)arg;

	if (ret)
		return ret;
	if (cmd != F_SETOWN && cmd != F_SETOWN_EX && cmd != F_SETSIG)
		return 0;
	s = lsm_session_for(CORDON_SESSION_SELF, &cgroup_id);
	if (!s)
		return 0;
	if (cmd == F_SETOWN) {
		t = bpf_get_current_task_btf();
		if (who == 0 || who == ns_nr(BPF_CORE_READ(t, group_leader, thread_pid)) ||
		    who == ns_nr(BPF_CORE_READ(t, thread_pid)))
			return 0;
	}
	emit_op(s, cgroup_id, CORDON_HOOK_FILE_FCNTL, -EPERM, cmd, arg, 0);
	return -EPERM;
}

/*
 * The delivery itself, for owners set before the session (an inherited descriptor): I/O a
 * session task causes may not signal a task outside it. (I/O completing in interrupt context
 * runs in no session's task and is not judged here.)
 */
SEC("lsm/file_send_sigiotask")
int BPF_PROG(cordon_file_send_sigiotask, struct task_struct *tsk, struct fown_struct *fown, int sig,
	     int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (ret)
		return ret;
	s = lsm_session_for(CORDON_SESSION_SELF, &cgroup_id);
	if (!s || in_session(tsk, cgroup_id))
		return 0;
	return deny_task(s, cgroup_id, CORDON_HOOK_FILE_SEND_SIGIOTASK, tsk, sig ? sig : SIGIO);
}
