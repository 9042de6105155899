/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Filesystem decisions for the LSM programs, Landlock-style: rules hang on inodes resolved at
 * session start, and a hook walks from the object up through its parents, crossing mount
 * points, until a rule denies the access asked for; the final component is also matched against
 * the session's name patterns. Every rule here is a deny: allow-lists are Landlock's job,
 * except in an observing session on this tier (CORDON_SESSION_FILE_ALLOW), where the same walk
 * also unites the allow bits of the trees it passes and an access they do not cover is let
 * through and recorded (fs_check).
 */
#ifndef CORDON_FS_BPF_H
#define CORDON_FS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "maps.h"
#include "consts.bpf.h"
#include "event.bpf.h"
#include "pattern.h"
#include "casefold.h"
#include "inode.bpf.h"
#include "path.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_INODE_RULES);
	__type(key, struct cordon_inode_key);
	__type(value, struct cordon_inode_rule);
} inode_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_SESSIONS *CORDON_MAX_PATTERNS);
	__type(key, struct cordon_pattern_key);
	__type(value, struct cordon_name_pattern);
} name_patterns SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_DIRENT_RULES);
	__type(key, struct cordon_dirent_key);
	__type(value, struct cordon_inode_rule);
} dirent_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_ALLOW_TREES);
	__type(key, struct cordon_inode_key);
	__type(value, struct cordon_inode_allow);
} allow_trees SEC(".maps") __weak;

/* The key is too large for the BPF stack: built in a per-CPU slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cordon_dirent_key);
} dirent_scratch SEC(".maps") __weak;

/*
 * The casefold rewrite's position (casefold.h), in a map and not on the stack: 6.1's verifier
 * checks a bpf_loop() callback as if it ran once, from the caller's state, so a position kept
 * on the stack reads as the constant 0 there and the branches that only a second step takes
 * (the end reached after a byte was written, the clearing of what the rewrite freed) are
 * hard-wired away; a map value's contents are unknown to it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cordon_casefold_pos);
} casefold_scratch SEC(".maps") __weak;

/* What decided a refusal. */
struct fs_verdict {
	__u32 rule_id;
	__u32 deny; /* the CORDON_ACCESS_* bits the rule refuses */
};

/*
 * The walk and the name match run as bpf_loop() callbacks: the verifier checks a callback
 * once, not once per iteration and call site, which keeps every hook far below its
 * instruction limit. Kernel pointers travel through the loop context as plain numbers; they
 * are only ever read with BPF_CORE_READ (probe reads).
 */
struct walk_ctx {
	__u64 dentry; /* struct dentry * */
	__u64 mount;  /* struct mount *, 0 when the hook has no mount (inode_* hooks) */
	__u32 session;
	__u32 access;
	__u32 rule_id;
	__u32 deny;
	__u32 found; /* a rule denies */
	__u32 done;  /* reached the root */
	__u32 above; /* climbing above the root of a mount of a subtree, inside its filesystem */
	__u32 want_allow; /* also unite the allow_trees bits of the path (observe mode) */
	__u32 allowed;	  /* those bits, CORDON_ACCESS_* */
	__u32 hidden;	  /* the dentry is a mount point the walk came up through */
};

static long walk_step(__u32 i, struct walk_ctx *c)
{
	struct dentry *d = (struct dentry *)c->dentry, *parent;
	struct mount *m = (struct mount *)c->mount;
	struct cordon_inode_key k = {};
	struct cordon_inode_rule *rule;
	struct inode *inode = BPF_CORE_READ(d, d_inode);

	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = inode_key_dev(inode);
	k.session = c->session;
	rule = bpf_map_lookup_elem(&inode_rules, &k);
	if (rule && (rule->deny & c->access)) {
		c->rule_id = rule->rule_id;
		c->deny = rule->deny;
		c->found = 1;
		return 1;
	}
	/*
	 * Landlock unites the rights of the rules on the path as the task sees it: from the root
	 * of a mount on from the parent of where it is attached (the mount point itself, hidden
	 * by the mount, is skipped), never through the hidden part of a bind-mounted subtree's
	 * filesystem above it (those steps judge denies only).
	 */
	if (c->want_allow && !c->above && !c->hidden) {
		struct cordon_inode_allow *a = bpf_map_lookup_elem(&allow_trees, &k);

		if (a)
			c->allowed |= a->allow;
	}
	c->hidden = 0;
	parent = BPF_CORE_READ(d, d_parent);
	if (m && (c->above || d == BPF_CORE_READ(m, mnt.mnt_root))) {
		struct mount *up = BPF_CORE_READ(m, mnt_parent);

		/*
		 * A bind mount of a subtree (or of one file) of a denied directory made before
		 * the session shows the secret under another path: the file still lies below
		 * the directory in its filesystem, so the walk climbs to the filesystem's root
		 * first, and only then continues from where the mount is attached.
		 */
		if (parent != d) {
			c->above = 1;
			c->dentry = (__u64)parent;
			return 0;
		}
		c->above = 0;
		if (up == m) {
			c->done = 1;
			return 1;
		}
		c->dentry = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
		c->mount = (__u64)up;
		c->hidden = 1;
		return 0;
	}
	if (parent == d) {
		c->done = 1;
		return 1;
	}
	c->dentry = (__u64)parent;
	return 0;
}

/*
 * Walk from @d (reached through @mnt; NULL: within its filesystem only) to the root. 1 and @v
 * filled when a rule denies @access, 0 when none does, -1 when the walk is deeper than
 * CORDON_WALK_MAX: that is refused, and counted, rather than allowed unexamined (a rule could
 * hang on a directory above: bpf/maps.h says why the bound lies beyond any nameable path).
 */
static __always_inline int walk_rules(const struct cordon_session *s, struct dentry *d,
				      struct vfsmount *mnt, __u32 access, struct fs_verdict *v,
				      __u32 want_allow, __u32 *allowed)
{
	struct walk_ctx c = {
		.dentry = (__u64)d,
		.mount = mnt ? (__u64)real_mount(mnt) : 0,
		.session = s->id,
		.access = access,
		.want_allow = want_allow,
	};

	bpf_loop(CORDON_WALK_MAX, walk_step, &c, 0);
	*allowed = c.allowed;
	if (c.found) {
		v->rule_id = c.rule_id;
		v->deny = c.deny;
		return 1;
	}
	if (c.done)
		return 0;
	count_stat(CORDON_STAT_WALK_OVERFLOW);
	v->rule_id = 0;
	v->deny = access;
	return -1;
}

struct name_ctx {
	struct cordon_pattern_name name;
	__u32 session;
	__u32 npatterns;
	__u32 access;
	__u32 rule_id;
	__u32 deny;
	__u32 found;
};

static long name_step(__u32 i, struct name_ctx *c)
{
	struct cordon_pattern_key k = { .session = c->session, .index = i };
	struct cordon_name_pattern *p;

	if (i >= c->npatterns)
		return 1;
	p = bpf_map_lookup_elem(&name_patterns, &k);
	if (!p || !(p->deny & c->access) || !cordon_pattern_match(p, &c->name))
		return 0;
	/* Exceptions come first (policy_compile_maps): one that matches ends the search. */
	if (p->flags & CORDON_PATTERN_EXCEPT)
		return 1;
	c->rule_id = p->rule_id;
	c->deny = p->deny;
	c->found = 1;
	return 1;
}

/* One step of the casefold rewrite of the name in dirent_scratch (casefold.h). */
static long casefold_step(__u32 i, void *unused)
{
	struct cordon_casefold_pos *p;
	struct cordon_dirent_key *k;
	__u32 zero = 0;

	k = bpf_map_lookup_elem(&dirent_scratch, &zero);
	p = bpf_map_lookup_elem(&casefold_scratch, &zero);
	if (!k || !p)
		return 1;
	return cordon_casefold_step(k->name, p);
}

/*
 * Is @d's parent a case-insensitive directory (ext4/f2fs casefold, chattr +F)? There the
 * dentry carries the name of the lookup that made it, in the caller's spelling, and every
 * spelling the kernel's casefold makes equal opens the same file (casefold.h).
 */
static __always_inline bool in_casefold_dir(struct dentry *d)
{
	struct dentry *parent = BPF_CORE_READ(d, d_parent);

	return parent && parent != d && (BPF_CORE_READ(parent, d_inode, i_flags) & S_CASEFOLD);
}

/*
 * @d's name into dirent_scratch's name, NUL-padded, rewritten to the ASCII spelling the
 * kernel's casefold compares it by when @casefold. Its length, or -1 (no slot, no name).
 */
static __always_inline int scratch_name(struct dentry *d, bool casefold)
{
	struct cordon_casefold_pos *p;
	struct cordon_dirent_key *k;
	__u32 zero = 0;
	long n;

	k = bpf_map_lookup_elem(&dirent_scratch, &zero);
	p = bpf_map_lookup_elem(&casefold_scratch, &zero);
	if (!k || !p)
		return -1;
	__builtin_memset(k, 0, sizeof(*k));
	n = bpf_probe_read_kernel_str(k->name, sizeof(k->name), BPF_CORE_READ(d, d_name.name));
	if (n <= 0)
		return -1;
	if (!casefold)
		return n - 1;
	/* 2 steps a byte at most: always done; should it not be, no name (the caller's choice). */
	__builtin_memset(p, 0, sizeof(*p));
	bpf_loop(2 * CORDON_DIRENT_NAME, casefold_step, NULL, 0);
	return p->done ? (int)p->len : -1;
}

/*
 * Does the name of @d match a pattern of @s that denies @access? In a casefold directory the
 * name matched is its casefold ASCII spelling (casefold.h): "id_r\u017Fa" is id_rsa there.
 */
static __always_inline int name_rule(const struct cordon_session *s, struct dentry *d, __u32 access,
				     struct fs_verdict *v)
{
	struct name_ctx c = { .session = s->id, .npatterns = s->npatterns, .access = access };
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	struct cordon_dirent_key *k;
	__u32 zero = 0;
	int len;

	c.name.len = BPF_CORE_READ(d, d_name.len);
	if (!c.npatterns || !name || !c.name.len)
		return 0;
	if (in_casefold_dir(d)) {
		len = scratch_name(d, true);
		k = bpf_map_lookup_elem(&dirent_scratch, &zero);
		/*
		 * No slot: the name is judged as spelt. A name of ignorable code points only
		 * (len 0) is the empty name to the kernel, never a file: nothing to match.
		 */
		if (len >= 0 && k) {
			if (!len)
				return 0;
			name = k->name;
			c.name.len = len;
		}
	}
	/* Only the ends of the name and its length are needed (pattern.h). */
	bpf_probe_read_kernel_str(c.name.head, sizeof(c.name.head), name);
	if (c.name.len >= CORDON_PATTERN_PART)
		bpf_probe_read_kernel(c.name.tail, CORDON_PATTERN_PART,
				      name + c.name.len - CORDON_PATTERN_PART);
	else
		cordon_pattern_tail_from_head(&c.name);
	c.name.backup = cordon_pattern_backup_len(&c.name);
	bpf_loop(CORDON_MAX_PATTERNS, name_step, &c, 0);
	if (!c.found)
		return 0;
	v->rule_id = c.rule_id;
	v->deny = c.deny;
	return 1;
}

/* Is @d, by its name in its parent directory, a secret of @s that denies @access? */
static __always_inline int dirent_rule(const struct cordon_session *s, struct dentry *d,
				       __u32 access, struct fs_verdict *v)
{
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct cordon_inode_rule *rule;
	struct cordon_dirent_key *k;
	struct inode *pi;
	__u32 zero = 0;

	if (!(s->flags & CORDON_SESSION_DIRENT) || !parent || parent == d)
		return 0;
	pi = BPF_CORE_READ(parent, d_inode);
	/*
	 * In a case-insensitive directory "CONFIG.JSON" and "config.j\u017Fon" open config.json:
	 * the entry is keyed in lower case there (session.c add_dirent) and the name taken to
	 * its casefold ASCII spelling alike (casefold.h).
	 */
	if (scratch_name(d, BPF_CORE_READ(pi, i_flags) & S_CASEFOLD) < 0)
		return 0;
	k = bpf_map_lookup_elem(&dirent_scratch, &zero);
	if (!k)
		return 0;
	k->ino = BPF_CORE_READ(pi, i_ino);
	k->dev = inode_key_dev(pi);
	k->session = s->id;
	rule = bpf_map_lookup_elem(&dirent_rules, k);
	if (!rule || !(rule->deny & access))
		return 0;
	v->rule_id = rule->rule_id;
	v->deny = rule->deny;
	return 1;
}

/*
 * Is @d (on procfs) a sysctl other than vm.memfd_noexec? That one is written by the launcher
 * itself, inside the session cgroup, for the session's own pid namespace, and can only be raised
 * there; every other sysctl is the machine's (kernel.core_pattern: a program root runs outside).
 */
static __always_inline bool guarded_sysctl(struct dentry *d)
{
	static const char allowed[] = "memfd_noexec";
	void *pi = (void *)BPF_CORE_READ(d, d_inode) -
		   bpf_core_field_offset(struct proc_inode, vfs_inode);
	const struct ctl_table *entry = NULL;
	struct ctl_table_header *head = NULL;
	/* One byte more: a longer name reads as longer, never as a match. */
	char name[sizeof(allowed) + 1] = {};

	bpf_probe_read_kernel(&head, sizeof(head),
			      pi + bpf_core_field_offset(struct proc_inode, sysctl));
	if (!head)
		return false;
	bpf_probe_read_kernel(&entry, sizeof(entry),
			      pi + bpf_core_field_offset(struct proc_inode, sysctl_entry));
	if (!entry || bpf_probe_read_kernel_str(name, sizeof(name),
						BPF_CORE_READ(entry, procname)) != sizeof(allowed))
		return true;
	for (int i = 0; i < (int)sizeof(allowed); i++)
		if (name[i] != allowed[i])
			return true;
	return false;
}

/*
 * Filesystems that control the machine rather than hold a project's files, never written from a
 * session whatever its user: cgroupfs (the way out of its cgroup), bpffs (unlinking cordon's pins
 * ends enforcement), and what root would use to have a program of its choosing run outside:
 * sysctls (kernel.core_pattern, kernel.modprobe), sysfs (uevent_helper), binfmt_misc (an
 * interpreter for others' executables), securityfs (LSM policies), debugfs and tracefs.
 */
static __always_inline bool on_control_fs(struct dentry *d)
{
	unsigned long magic = BPF_CORE_READ(d, d_sb, s_magic);

	switch (magic) {
	case CGROUP2_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case BPF_FS_MAGIC:
	case SYSFS_MAGIC:
	case SECURITYFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case BINFMTFS_MAGIC:
		return true;
	case PROC_SUPER_MAGIC:
		return BPF_CORE_READ(d, d_inode) && guarded_sysctl(d);
	default:
		return false;
	}
}

/*
 * Emit a file record: a refusal (@flags 0) or an observed access (CORDON_EVENT_OBSERVED). @path:
 * a full path when the hook may call bpf_d_path (file_open); otherwise NULL, and the record
 * carries the final component of @d, or, for an observed access reached through @mnt, the path
 * build_path makes (what `policy suggest` turns into an entry needs the whole path).
 */
static __always_inline void emit_file_at(const struct cordon_session *s, __u64 cgroup_id,
					 __u16 hook, struct dentry *d, struct vfsmount *mnt,
					 struct path *path, __u32 access,
					 const struct fs_verdict *v, int err, __u32 flags)
{
	struct cordon_event_file *ev;

	ev = event_reserve(sizeof(*ev), CORDON_EV_FILE, hook, CORDON_LAYER_BPF_LSM, s, cgroup_id,
			   err, v->rule_id);
	if (!ev)
		return;
	ev->hdr.flags |= flags;
	ev->ino = BPF_CORE_READ(d, d_inode, i_ino);
	ev->dev = inode_key_dev(BPF_CORE_READ(d, d_inode));
	ev->access = access;
	if (path)
		bpf_d_path(path, (char *)ev->path, sizeof(ev->path));
	else if (!mnt || !(flags & CORDON_EVENT_OBSERVED) || build_path(d, mnt, ev->path) < 0)
		bpf_probe_read_kernel_str(ev->path, sizeof(ev->path),
					  BPF_CORE_READ(d, d_name.name));
	bpf_ringbuf_submit(ev, 0);
}

/* A refusal's record (see emit_file_at). */
static __always_inline void emit_file(const struct cordon_session *s, __u64 cgroup_id, __u16 hook,
				      struct dentry *d, struct path *path, __u32 access,
				      const struct fs_verdict *v, int err)
{
	emit_file_at(s, cgroup_id, hook, d, NULL, path, access, v, err, 0);
}

/*
 * Has the current task no_new_privs? The launcher sets it immediately before it applies the
 * session's Landlock domain (enforce/launch.c confine), and every task of the agent inherits
 * it. The allow-lists bind what Landlock would bind: the agent's exec and everything after,
 * not the launcher building the session's view (its mounts, the pid namespace's sysctl).
 */
static __always_inline bool landlock_would_apply(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return BPF_CORE_READ(t, atomic_flags) & (1ul << PFA_NO_NEW_PRIVS);
}

/*
 * Objects Landlock never judges (security/landlock/fs.c is_nouser_or_private): files of the
 * kernel's internal mounts (pipes, sockets, memfds: SB_NOUSER) and private inodes. The allow
 * walk leaves them alone too, so an observing session records what Landlock would refuse and
 * nothing else.
 */
static __always_inline bool landlock_exempt(struct dentry *d)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);

	return (BPF_CORE_READ(d, d_sb, s_flags) & SB_NOUSER) ||
	       (inode && (BPF_CORE_READ(inode, i_flags) & S_PRIVATE));
}

/*
 * Would @s refuse @access to @d reached through @mnt by one of its denies (a rule on the path,
 * a secret's name in its directory, a name pattern)? 1 and @v filled when it would, or when
 * the walk is too deep to tell (refused, as fs_check refuses it); else 0. The allow-lists are
 * not consulted: this judges a descriptor the session did not open (lsm_auto.bpf.c).
 */
static __always_inline int fs_denied(const struct cordon_session *s, struct dentry *d,
				     struct vfsmount *mnt, __u32 access, struct fs_verdict *v)
{
	__u32 allowed = 0;

	if (walk_rules(s, d, mnt, access, v, 0, &allowed))
		return 1;
	return dirent_rule(s, d, access, v) || name_rule(s, d, access, v);
}

/* The accesses a descriptor's mode grants: what the session is judged for when it holds it. */
static __always_inline __u32 file_access(struct file *file)
{
	fmode_t mode = BPF_CORE_READ(file, f_mode);
	__u32 access = 0;

	if (mode & FMODE_READ)
		access |= CORDON_ACCESS_READ;
	if (mode & FMODE_WRITE)
		access |= CORDON_ACCESS_WRITE;
	if (mode & FMODE_EXEC)
		access |= CORDON_ACCESS_EXEC;
	return access;
}

/* fs_check's @names: what the final component is matched against besides the walk. */
#define FS_NAMES_NONE	0
#define FS_NAMES_DIRENT 1 /* dirent_rules: a secret's own name in its directory */
#define FS_NAMES_ALL	3 /* and the session's name patterns */

/*
 * The whole decision for an object @d reached through @mnt: the walk, then the name. Returns
 * 0 or -EACCES (Landlock's errno, so a refusal looks the same whichever layer made it).
 *
 * @allow: the CORDON_ACCESS_* bits the allow-lists must grant on @d, as Landlock asks them
 * (the file opened, the directory an entry is made in or removed from, the file truncated);
 * 0 where Landlock judges nothing. Looked at only for a session with CORDON_SESSION_FILE_ALLOW,
 * whose Landlock domain handles no filesystem right: the walk unites the tree bits on the path,
 * and what they do not cover is let through and recorded as observed (rule 0: the access kind
 * and no allowing entry), or refused should the session not be observing. Denies (secrets,
 * protect, exec_deny, names) are judged first and refuse whatever the mode.
 */
static __always_inline int fs_check(const struct cordon_session *s, __u64 cgroup_id, __u16 hook,
				    struct dentry *d, struct vfsmount *mnt, struct path *path,
				    __u32 access, __u32 names, __u32 allow)
{
	struct fs_verdict v = {};
	__u32 allowed = 0, flags = 0, need = 0;

	if (allow && (s->flags & CORDON_SESSION_FILE_ALLOW) && landlock_would_apply() &&
	    !landlock_exempt(d))
		need = allow;
	if (walk_rules(s, d, mnt, access, &v, need != 0, &allowed) == 0 &&
	    !((names & FS_NAMES_DIRENT) && dirent_rule(s, d, access, &v)) &&
	    !(names == FS_NAMES_ALL && name_rule(s, d, access, &v))) {
		need &= ~allowed;
		if (!need)
			return 0;
		access = need;
		v.rule_id = 0;
		v.deny = need;
		if (observing(s))
			flags = CORDON_EVENT_OBSERVED;
	}
	emit_file_at(s, cgroup_id, hook, d, mnt, path, access, &v, -EACCES, flags);
	if (flags) {
		/* Each path returns its constant (event.bpf.h observe_verdict says why). */
		asm volatile("" ::: "memory");
		return 0;
	}
	return -EACCES;
}

#endif /* CORDON_FS_BPF_H */
