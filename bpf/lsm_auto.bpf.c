// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM auto-confinement: a task outside every session that execs a registered executable
 * (auto_exec) is tagged with that executable's session after exec's point of no return and
 * before the new program's first instruction; userspace then moves it into the session cgroup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"
#include "lib/inode.bpf.h"
#include "lib/fs.bpf.h"
#include "lib/inherit.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_AUTO_EXEC);
	__type(key, struct cordon_auto_key);
	__type(value, struct cordon_auto_exec);
} auto_exec SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_AUTO_USERS);
	__type(key, struct cordon_auto_user_key);
	__type(value, struct cordon_auto_user);
} auto_users SEC(".maps") __weak;

/*
 * A match found at the start of an exec, waiting for the exec to pass its point of no return.
 * Its own map, not a field of task_tags: any task_tags entry makes lsm_session() treat the
 * task as confined, and an exec can still fail after the match.
 */
struct cordon_auto_pending {
	__u64 cgroup_id; /* the auto session; 0: nothing pending */
	__u64 ino;	 /* the registered file that matched */
	__u32 dev;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cordon_auto_pending);
} auto_pending SEC(".maps") __weak;

/*
 * Whether session @cgroup_id holds rules for @uid; when not, *@flags says whether the daemon
 * already tried and failed (CORDON_EVENT_AUTO_USER_FAILED) or never resolved it (0).
 */
static __always_inline bool user_ready(__u64 cgroup_id, __u32 uid, __u32 *flags)
{
	struct cordon_auto_user_key k = { .cgroup_id = cgroup_id, .uid = uid };
	struct cordon_auto_user *u = bpf_map_lookup_elem(&auto_users, &k);

	if (u && u->state == CORDON_AUTO_USER_READY)
		return true;
	if (u && u->state == CORDON_AUTO_USER_FAILED)
		*flags = CORDON_EVENT_AUTO_USER_FAILED;
	return false;
}

/*
 * The exec of a registered file by a user the session holds no rules for: refused, and
 * recorded so that the daemon resolves the user (the record is vital: never refused for the
 * session's ring share). Refusing is the only choice that is never open: running now would
 * mean running with no per-user rules at all, or with other users' (their ${HOME}, not this
 * one's). The caller sees EACCES; once the daemon has resolved the user, its next exec runs.
 */
static __always_inline int refuse_user(struct linux_binprm *bprm, struct task_struct *task,
				       const struct cordon_auto_key *k, __u64 cgroup_id,
				       __u32 auto_uid, __u32 euid, __u32 flags)
{
	struct cordon_event_auto_user *ev;
	struct cordon_session *s = bpf_map_lookup_elem(&sessions, &cgroup_id);

	if (!s)
		return -EACCES;
	ev = event_reserve(sizeof(*ev), CORDON_EV_AUTO_USER, CORDON_HOOK_BPRM_CREDS_FOR_EXEC,
			   CORDON_LAYER_BPF_LSM, s, cgroup_id, -EACCES, 0);
	if (!ev)
		return -EACCES; /* counted in event_drops; the daemon's sweep of users finds it */
	ev->hdr.flags = flags;
	ev->ino = k->ino;
	ev->dev = k->dev;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->auto_uid = auto_uid;
	ev->euid = euid;
	bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(ev, 0);
	return -EACCES;
}

/*
 * bprm_creds_for_exec runs once per execve, before any binary handler, with bprm->file still
 * the file the caller named. The match is made here and not at bprm_committed_creds because
 * by then a `#!` script has been replaced by its interpreter in bprm->file: agents installed
 * by npm or pip are scripts, and registering node or python would confine every program they
 * run. Every exec overwrites or clears the pending state, so a match left by an exec that
 * failed later can never be committed by the next one.
 */
SEC("lsm/bprm_creds_for_exec")
int BPF_PROG(cordon_auto_match, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cordon_auto_pending *p;
	struct cordon_auto_key k = {};
	struct cordon_auto_exec *a;
	struct dentry *d;
	__u64 cgroup_id = 0;
	__u32 uid, euid, flags = 0;

	if (ret)
		return ret;
	/*
	 * No session on the machine: no exec can match (the match needs its session's entry),
	 * and a pending state left by an earlier exec names a session that has ended, which
	 * auto_commit looks up and does not find (a cgroup id is never reused).
	 */
	if (!sessions_any())
		return 0;
	p = bpf_task_storage_get(&auto_pending, task, 0, 0);
	if (p)
		p->cgroup_id = 0;
	/* A task already in a session keeps it: its own policy, which may be stricter. */
	if (lsm_session(&cgroup_id))
		return 0;
	d = BPF_CORE_READ(bprm, file, f_path.dentry);
	if (!d)
		return 0;
	k.ino = BPF_CORE_READ(d, d_inode, i_ino);
	k.dev = inode_key_dev(BPF_CORE_READ(d, d_inode));
	a = bpf_map_lookup_elem(&auto_exec, &k);
	if (!a || !bpf_map_lookup_elem(&sessions, &a->cgroup_id))
		return 0;
	/* The user's rules: the real uid's (whose ${HOME}), and the effective uid's (whose files). */
	uid = (__u32)bpf_get_current_uid_gid();
	euid = BPF_CORE_READ(task, cred, euid.val);
	if (!user_ready(a->cgroup_id, uid, &flags))
		return refuse_user(bprm, task, &k, a->cgroup_id, uid, euid, flags);
	if (euid != uid && !user_ready(a->cgroup_id, euid, &flags))
		return refuse_user(bprm, task, &k, a->cgroup_id, euid, euid, flags);
	p = bpf_task_storage_get(&auto_pending, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p)
		return -ENOMEM; /* no memory to remember the match: refused, never unconfined */
	p->cgroup_id = a->cgroup_id;
	p->ino = k.ino;
	p->dev = k.dev;
	return 0;
}

/* judge_step's state: the tagged task's descriptor table and its session. */
struct judge_ctx {
	__u64 fds;	 /* struct file ** of the task's fdtable */
	__u64 cgroup_id; /* the session */
	__u32 max;	 /* slots to look at */
	__u32 pad;
};

/* Keep @file in inherited_files with @v's rule; 0, or -errno when it cannot be kept. */
static __always_inline int keep_inherited(struct file *file, __u64 cgroup_id,
					  const struct fs_verdict *v)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct cordon_inherited_file e = {
		.cgroup_id = cgroup_id,
		.ino = BPF_CORE_READ(inode, i_ino),
		.dev = inode_key_dev(inode),
		.rule_id = v->rule_id,
		.deny = v->deny,
	};
	__u64 key = (__u64)file, *n;
	__u32 zero = 0;

	/* Already there (the same open file inherited by an earlier tag): the newer judgment. */
	if (!bpf_map_update_elem(&inherited_files, &key, &e, BPF_EXIST))
		return 0;
	if (bpf_map_update_elem(&inherited_files, &key, &e, BPF_NOEXIST))
		return -ENOSPC;
	n = bpf_map_lookup_elem(&inherited_live, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

/*
 * @file_addr (a struct file *) judged as if the session of @cgroup_id had opened it with the
 * descriptor's mode (the denies only: an auto-confined task has no allow-lists,
 * docs/architecture.md), and kept in inherited_files when refused. 1 to stop the walk of
 * the table, else 0. A global function: the verifier checks it once, on its own, rather than
 * once per state of the loop that calls it (inlined, the walk, name and casefold loops nested
 * in the descriptor loop cost 6.12's verifier over 650000 instructions).
 */
__noinline int cordon_judge_inherited(__u64 file_addr, __u64 cgroup_id)
{
	struct fs_verdict v = { .deny = CORDON_ACCESS_WRITE };
	struct file *file = (struct file *)file_addr;
	struct cordon_session *s;
	__u64 key = cgroup_id;
	struct dentry *d;
	__u32 access;

	s = bpf_map_lookup_elem(&sessions, &key);
	if (!s)
		return 1;
	access = file_access(file) & (CORDON_ACCESS_READ | CORDON_ACCESS_WRITE);
	d = BPF_CORE_READ(file, f_path.dentry);
	if (!access || !BPF_CORE_READ(d, d_inode))
		return 0;
	/* A control filesystem open for writing (cgroup.procs: the way out of the session). */
	if (!((access & CORDON_ACCESS_WRITE) && (s->flags & CORDON_SESSION_SELF) &&
	      on_control_fs(d)) &&
	    !((s->flags & CORDON_SESSION_FILE) &&
	      fs_denied(s, d, BPF_CORE_READ(file, f_path.mnt), access, &v)))
		return 0;
	if (keep_inherited(file, cgroup_id, &v) < 0) {
		/*
		 * No room to remember it: the agent would read a secret unjudged. It has run
		 * no instruction yet; it dies instead, with the refusal's record.
		 */
		emit_file_at(s, cgroup_id, CORDON_HOOK_FILE_PERMISSION, d, NULL, NULL, access, &v,
			     -ENOSPC, 0);
		bpf_send_signal(SIGKILL);
		return 1;
	}
	return 0;
}

/* Descriptor slot @i of the tagged task's table. */
static long judge_step(__u32 i, struct judge_ctx *c)
{
	__u64 file = 0;

	if (i >= c->max)
		return 1;
	bpf_probe_read_kernel(&file, sizeof(file), (void *)(c->fds + (__u64)i * sizeof(file)));
	if (!file)
		return 0;
	/* A callback returns 0 or 1, and the verifier must see it: a global function is opaque. */
	return cordon_judge_inherited(file, c->cgroup_id) ? 1 : 0;
}

/*
 * Every descriptor the task holds as the exec that tagged it commits: what it inherited (the
 * close-on-exec ones are already closed by now, in begin_new_exec). Descriptor slots past
 * CORDON_INHERIT_FDS_MAX exist only where fs.nr_open was raised beyond its default ceiling:
 * the task is killed there rather than let hold files nobody judged.
 */
static __always_inline void judge_inherited(struct task_struct *task, __u64 cgroup_id)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct judge_ctx c = {
		.fds = (__u64)BPF_CORE_READ(fdt, fd),
		.cgroup_id = cgroup_id,
		.max = BPF_CORE_READ(fdt, max_fds),
	};

	if (!fdt)
		return;
	if (c.max > CORDON_INHERIT_FDS_MAX) {
		bpf_send_signal(SIGKILL);
		return;
	}
	bpf_loop(CORDON_INHERIT_FDS_MAX, judge_step, &c, 0);
}

/*
 * After commit_creds() and de_thread(): the exec can no longer fail, the process has one
 * thread, and no instruction of the new program has run. Every LSM program finds the session
 * through task_tags before the cgroup (lsm_session()), so from here on the task is confined by
 * the session's BPF LSM rules; task_alloc copies the tag to every thread and child.
 */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(cordon_auto_commit, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cordon_auto_pending *p;
	struct cordon_event_auto *ev;
	struct cordon_task_tag *tag;
	struct cordon_session *s;
	__u64 cgroup_id;

	/* No session: a pending state could only name one that has ended (auto_match). */
	if (!sessions_any())
		return 0;
	p = bpf_task_storage_get(&auto_pending, task, 0, 0);
	if (!p || !p->cgroup_id)
		return 0;
	cgroup_id = p->cgroup_id;
	p->cgroup_id = 0;
	/* Unregistered between the two hooks: nothing to join. */
	s = bpf_map_lookup_elem(&sessions, &cgroup_id);
	if (!s)
		return 0;
	tag = bpf_task_storage_get(&task_tags, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tag) {
		/*
		 * No memory for the tag: the agent would run unconfined. The record still goes
		 * out (with the error) so that the move into the cgroup confines it by cgroup.
		 */
		ev = event_reserve(sizeof(*ev), CORDON_EV_AUTO_CONFINE,
				   CORDON_HOOK_BPRM_COMMITTED_CREDS, CORDON_LAYER_BPF_LSM, s,
				   cgroup_id, -ENOMEM, 0);
	} else {
		tag->cgroup_id = cgroup_id;
		tag->armed = 1; /* this exec is the agent's first instruction */
		judge_inherited(task, cgroup_id);
		ev = event_reserve(sizeof(*ev), CORDON_EV_AUTO_CONFINE,
				   CORDON_HOOK_BPRM_COMMITTED_CREDS, CORDON_LAYER_BPF_LSM, s,
				   cgroup_id, 0, 0);
	}
	if (!ev)
		return 0; /* counted in event_drops; the tag alone still confines (LSM rules) */
	ev->ino = p->ino;
	ev->dev = p->dev;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
