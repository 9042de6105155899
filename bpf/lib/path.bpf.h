/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Naming a dentry the way d_path() does, for programs that may not call bpf_d_path: from the
 * object up through its parents, at a mount's root on from where it is mounted, bounded and
 * built backwards in a per-CPU slot. Used for observed file records (LSM) and for the
 * directory a refused syscall's relative path was resolved against (trace_sys).
 */
#ifndef CORDON_PATH_BPF_H
#define CORDON_PATH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

/*
 * A path built from its last component backwards (path_step): twice CORDON_PATH_LEN so that a
 * name of up to CORDON_PATH_LEN - 1 bytes read at any offset below CORDON_PATH_LEN stays inside
 * the slot, as the verifier checks. The result is buf[pos .. CORDON_PATH_LEN - 1], NUL last.
 */
struct path_slot {
	char buf[2 * CORDON_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_slot);
} path_scratch SEC(".maps") __weak;

static __always_inline struct mount *real_mount(struct vfsmount *mnt)
{
	return (struct mount *)((void *)mnt - bpf_core_field_offset(struct mount, mnt));
}

/* How a walk ended (path_ctx.done); 0 means the step bound ran out first. */
#define PATH_DONE	 1 /* reached the root: the path is complete */
#define PATH_LONG	 2 /* the path does not fit CORDON_PATH_LEN bytes */
#define PATH_UNREACHABLE 3 /* not below the root (another namespace, detached, disconnected) */

/* path_step's state: the dentry and mount reached, where the path built so far starts. */
struct path_ctx {
	__u64 dentry;	   /* struct dentry * */
	__u64 mount;	   /* struct mount * */
	__u64 root_dentry; /* the task's root (task->fs->root); 0: the top of the mount tree */
	__u64 root_mount;  /* struct mount * of that root */
	__u32 pos;	   /* the path so far is path_slot.buf[pos .. CORDON_PATH_LEN - 1] */
	__u32 done;	   /* PATH_* */
};

/* One component of the path, prepended as "/name"; at a mount's root, on to its mount point. */
static long path_step(__u32 i, struct path_ctx *c)
{
	struct dentry *d = (struct dentry *)c->dentry, *parent;
	struct mount *m = (struct mount *)c->mount;
	struct path_slot *slot;
	__u32 zero = 0, len;

	/* A chrooted task names paths from its root, as d_path does: nothing above it. */
	if (c->root_dentry && c->dentry == c->root_dentry && c->mount == c->root_mount) {
		c->done = PATH_DONE;
		return 1;
	}
	if (d == BPF_CORE_READ(m, mnt.mnt_root)) {
		struct mount *up = BPF_CORE_READ(m, mnt_parent);

		/*
		 * The top of the mount tree (or a detached mount). With a root to reach, reaching
		 * this instead means the object is outside it: a descriptor of another mount
		 * namespace or from outside a chroot, or a mount lazily unmounted since. d_path
		 * would name it from a root the task cannot see: no name is better than that one.
		 */
		if (up == m) {
			c->done = c->root_dentry ? PATH_UNREACHABLE : PATH_DONE;
			return 1;
		}
		c->dentry = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
		c->mount = (__u64)up;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	/* A disconnected dentry (parent == d off any mount's root) has no path to name. */
	if (parent == d) {
		c->done = PATH_UNREACHABLE;
		return 1;
	}
	len = BPF_CORE_READ(d, d_name.len);
	slot = bpf_map_lookup_elem(&path_scratch, &zero);
	if (len + 1 > c->pos || !slot) {
		c->done = PATH_LONG;
		return 1;
	}
	c->pos -= len + 1;
	slot->buf[c->pos & (CORDON_PATH_LEN - 1)] = '/';
	bpf_probe_read_kernel(slot->buf + ((c->pos + 1) & (CORDON_PATH_LEN - 1)),
			      len & (CORDON_PATH_LEN - 1), BPF_CORE_READ(d, d_name.name));
	c->dentry = (__u64)parent;
	return 0;
}

/*
 * Walk @c from its dentry up, prepending to what path_scratch already holds from c->pos on,
 * and copy the result into @out (CORDON_PATH_LEN bytes) when complete. PATH_DONE, or why not
 * (PATH_LONG also when the step bound ran out: mounts stacked deeper than the bound); @out is
 * then left alone, so that no partial path that would name another directory is recorded.
 */
static __always_inline __u32 walk_path(struct path_ctx *c, __u8 *out)
{
	struct path_slot *slot;
	__u32 zero = 0, pos;

	slot = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!slot)
		return PATH_LONG;
	/* Every component takes two bytes at least: the slot bounds the steps, mounts aside. */
	bpf_loop(2 * CORDON_PATH_LEN, path_step, c, 0);
	if (c->done != PATH_DONE)
		return c->done ? c->done : PATH_LONG;
	pos = c->pos & (CORDON_PATH_LEN - 1);
	if (pos == CORDON_PATH_LEN - 1) {
		out[0] = '/';
		out[1] = 0;
		return PATH_DONE;
	}
	bpf_probe_read_kernel(out, CORDON_PATH_LEN - pos, slot->buf + pos);
	return PATH_DONE;
}

/*
 * The absolute path of @d reached through @mnt, up to the top of the task's mount tree, into
 * @out (CORDON_PATH_LEN bytes). 0, or -1 when it does not fit or cannot be named (@out left
 * alone).
 */
static __always_inline int build_path(struct dentry *d, struct vfsmount *mnt, __u8 *out)
{
	struct path_ctx c = {
		.dentry = (__u64)d,
		.mount = (__u64)real_mount(mnt),
		.pos = CORDON_PATH_LEN - 1,
	};
	struct path_slot *slot;
	__u32 zero = 0;

	slot = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!slot)
		return -1;
	slot->buf[CORDON_PATH_LEN - 1] = 0;
	return walk_path(&c, out) == PATH_DONE ? 0 : -1;
}

/*
 * @name (a relative path, @len bytes without its NUL) made absolute against the directory
 * @d reached through @mnt, as the current task names it from its root (task->fs->root): into
 * @out when the whole "/dir/.../name" fits in CORDON_PATH_LEN bytes. PATH_DONE, or why not
 * (@out left alone). @name may be @out: it is copied into the slot first.
 */
static __always_inline __u32 absolute_path(struct dentry *d, struct vfsmount *mnt, const __u8 *name,
					   __u32 len, __u8 *out)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct path_ctx c = {
		.dentry = (__u64)d,
		.mount = (__u64)real_mount(mnt),
		.root_dentry = (__u64)BPF_CORE_READ(t, fs, root.dentry),
		.root_mount = (__u64)real_mount(BPF_CORE_READ(t, fs, root.mnt)),
	};
	struct path_slot *slot;
	__u32 zero = 0, pos;

	slot = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!slot || !c.root_dentry)
		return PATH_UNREACHABLE;
	/* "/name" and the NUL end at CORDON_PATH_LEN - 1; the walk prepends the directories. */
	if (len + 2 > CORDON_PATH_LEN)
		return PATH_LONG;
	pos = CORDON_PATH_LEN - 2 - len;
	/*
	 * The compiler knows pos is below CORDON_PATH_LEN and would drop the masks below; 6.1's
	 * and 6.12's verifiers do not follow it there: the masks must reach them.
	 */
	asm volatile("" : "+r"(pos));
	c.pos = pos;
	slot->buf[pos & (CORDON_PATH_LEN - 1)] = '/';
	if (bpf_probe_read_kernel_str(slot->buf + ((pos + 1) & (CORDON_PATH_LEN - 1)),
				      CORDON_PATH_LEN, name) != (long)len + 1)
		return PATH_LONG;
	return walk_path(&c, out);
}

#endif /* CORDON_PATH_BPF_H */
