// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM file hooks: deny-within-allow. Secrets are refused whatever the access, protected
 * trees refuse every modification (open for write, create, link, rename, unlink, truncate,
 * chmod), and the filesystems that control the machine (cgroupfs, bpffs, sysctls, sysfs, ...:
 * on_control_fs) are never writable from a session, so a task can neither leave its cgroup, end
 * enforcement by unlinking cordon's pins, nor have root run a program of its choosing outside.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/fs.bpf.h"
#include "lib/inherit.bpf.h"

#define RW (CORDON_ACCESS_READ | CORDON_ACCESS_WRITE)

static __always_inline int deny_control_fs(const struct cordon_session *s, __u64 cgroup_id,
					   __u16 hook, struct dentry *d, struct path *path)
{
	struct fs_verdict v = { .deny = CORDON_ACCESS_WRITE };

	if (!(s->flags & CORDON_SESSION_SELF) || !on_control_fs(d))
		return 0;
	emit_file(s, cgroup_id, hook, d, path, CORDON_ACCESS_WRITE, &v, -EPERM);
	return -EPERM;
}

SEC("lsm/file_open")
int BPF_PROG(cordon_file_open, struct file *file, int ret)
{
	struct cordon_session *s;
	struct dentry *d;
	__u64 cgroup_id = 0;
	__u32 access;

	if (ret)
		return ret;
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	access = file_access(file);
	d = BPF_CORE_READ(file, f_path.dentry);
	/* f_path is const in the hook's prototype; the helpers do not modify it. */
	if (access & CORDON_ACCESS_WRITE) {
		ret = deny_control_fs(s, cgroup_id, CORDON_HOOK_FILE_OPEN, d,
				      (struct path *)&file->f_path);
		if (ret)
			return ret;
	}
	/* Landlock's file_open: read, write, and execute (an exec opens with FMODE_EXEC). */
	return fs_check(s, cgroup_id, CORDON_HOOK_FILE_OPEN, d, BPF_CORE_READ(file, f_path.mnt),
			(struct path *)&file->f_path, access, FS_NAMES_ALL, access);
}

/*
 * A descriptor passed in from another process (SCM_RIGHTS; pidfd_getfd, whose target the
 * ptrace hook already confines to the session): the file is judged as if the session had opened
 * it with the descriptor's mode, so a secret opened outside does not come in through a socket.
 * No bpf_d_path here (not a hook it may be called from): the record names the final component.
 */
SEC("lsm/file_receive")
int BPF_PROG(cordon_file_receive, struct file *file, int ret)
{
	struct cordon_session *s;
	struct dentry *d;
	__u64 cgroup_id = 0;
	__u32 access;

	if (ret)
		return ret;
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	/* Execution is judged when it happens (bprm hooks), not for a descriptor held. */
	access = file_access(file) & RW;
	d = BPF_CORE_READ(file, f_path.dentry);
	if (!BPF_CORE_READ(d, d_inode))
		return 0;
	if (access & CORDON_ACCESS_WRITE) {
		ret = deny_control_fs(s, cgroup_id, CORDON_HOOK_FILE_RECEIVE, d, NULL);
		if (ret)
			return ret;
	}
	/* Landlock does not judge a received descriptor: no allow-list here. */
	return fs_check(s, cgroup_id, CORDON_HOOK_FILE_RECEIVE, d, BPF_CORE_READ(file, f_path.mnt),
			NULL, access, FS_NAMES_ALL, 0);
}

/*
 * A read or write through a descriptor: refused only for one an auto-confined task inherited
 * across the exec that tagged it and whose file a rule denies (judged at the tag,
 * lsm_auto.bpf.c; inherit.bpf.h). Every other descriptor of a session was judged when it was
 * opened (file_open) or received (file_receive). Every read and write on the machine runs
 * this: while no inherited file is denied anywhere, it ends at one array load.
 */
SEC("lsm/file_permission")
int BPF_PROG(cordon_file_permission, struct file *file, int mask, int ret)
{
	__u32 access = 0;

	if (ret)
		return ret;
	if (mask & MAY_READ)
		access |= CORDON_ACCESS_READ;
	if (mask & (MAY_WRITE | MAY_APPEND))
		access |= CORDON_ACCESS_WRITE;
	return inherited_refusal(file, access, CORDON_HOOK_FILE_PERMISSION);
}

/* The open file goes: its inherited_files entry with it (a later file may reuse the address). */
SEC("lsm/file_free_security")
int BPF_PROG(cordon_file_free, struct file *file)
{
	__u64 key = (__u64)file, *n;
	__u32 zero = 0;

	if (!inherited_any() || bpf_map_delete_elem(&inherited_files, &key))
		return 0;
	n = bpf_map_lookup_elem(&inherited_live, &zero);
	if (n)
		__sync_fetch_and_add(n, -1);
	return 0;
}

/*
 * Creating @dentry in @dir: the directory must not be protected, the name not a secret's; the
 * allow-lists (observe mode) must grant write on the directory, as Landlock's MAKE_* rights.
 */
static __always_inline int check_create(const struct path *dir, struct dentry *dentry, __u16 hook)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	struct dentry *dd;
	int r;

	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	dd = BPF_CORE_READ(dir, dentry);
	r = deny_control_fs(s, cgroup_id, hook, dd, NULL);
	if (r)
		return r;
	r = fs_check(s, cgroup_id, hook, dd, BPF_CORE_READ(dir, mnt), NULL, CORDON_ACCESS_WRITE,
		     FS_NAMES_NONE, CORDON_ACCESS_WRITE);
	if (r)
		return r;
	return fs_check(s, cgroup_id, hook, dentry, BPF_CORE_READ(dir, mnt), NULL,
			CORDON_ACCESS_WRITE, FS_NAMES_ALL, 0);
}

SEC("lsm/path_mknod")
int BPF_PROG(cordon_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return check_create(dir, dentry, CORDON_HOOK_PATH_MKNOD);
}

SEC("lsm/path_mkdir")
int BPF_PROG(cordon_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode,
	     int ret)
{
	if (ret)
		return ret;
	return check_create(dir, dentry, CORDON_HOOK_PATH_MKDIR);
}

SEC("lsm/path_symlink")
int BPF_PROG(cordon_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	return check_create(dir, dentry, CORDON_HOOK_PATH_SYMLINK);
}

/*
 * Removing or replacing @dentry (in @mnt): refused inside a protected tree, and a secret or
 * protected file may not be moved or linked elsewhere, where its old rules would not reach it.
 */
static __always_inline int check_existing(const struct cordon_session *s, __u64 cgroup_id,
					  __u16 hook, struct dentry *dentry, struct vfsmount *mnt,
					  __u32 access)
{
	if (!BPF_CORE_READ(dentry, d_inode))
		return 0;
	return fs_check(s, cgroup_id, hook, dentry, mnt, NULL, access, FS_NAMES_ALL, 0);
}

SEC("lsm/path_link")
int BPF_PROG(cordon_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (ret)
		return ret;
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	/* link(2) never crosses mounts: the source is in new_dir's mount. */
	ret = check_existing(s, cgroup_id, CORDON_HOOK_PATH_LINK, old_dentry,
			     BPF_CORE_READ(new_dir, mnt), RW);
	if (ret)
		return ret;
	return check_create(new_dir, new_dentry, CORDON_HOOK_PATH_LINK);
}

SEC("lsm/path_rename")
int BPF_PROG(cordon_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	struct vfsmount *mnt;

	if (ret)
		return ret;
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	mnt = BPF_CORE_READ(old_dir, mnt);
	ret = check_existing(s, cgroup_id, CORDON_HOOK_PATH_RENAME, old_dentry, mnt, RW);
	if (ret)
		return ret;
	/* The entry being replaced (or exchanged) is modified too. */
	ret = check_existing(s, cgroup_id, CORDON_HOOK_PATH_RENAME, new_dentry, mnt, RW);
	if (ret)
		return ret;
	ret = check_create(old_dir, old_dentry, CORDON_HOOK_PATH_RENAME);
	if (ret)
		return ret;
	return check_create(new_dir, new_dentry, CORDON_HOOK_PATH_RENAME);
}

static __always_inline int check_remove(const struct path *dir, struct dentry *dentry, __u16 hook)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	int r;

	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	r = deny_control_fs(s, cgroup_id, hook, dentry, NULL);
	if (r)
		return r;
	r = check_existing(s, cgroup_id, hook, dentry, BPF_CORE_READ(dir, mnt),
			   CORDON_ACCESS_WRITE);
	if (r || !(s->flags & CORDON_SESSION_FILE_ALLOW))
		return r;
	/* Landlock's REMOVE_* rights are the directory's: the allow-lists judge it there. */
	return fs_check(s, cgroup_id, hook, BPF_CORE_READ(dir, dentry), BPF_CORE_READ(dir, mnt),
			NULL, 0, FS_NAMES_NONE, CORDON_ACCESS_WRITE);
}

SEC("lsm/path_unlink")
int BPF_PROG(cordon_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return check_remove(dir, dentry, CORDON_HOOK_PATH_UNLINK);
}

SEC("lsm/path_rmdir")
int BPF_PROG(cordon_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return check_remove(dir, dentry, CORDON_HOOK_PATH_RMDIR);
}

/*
 * Truncation (Landlock's TRUNCATE, a write tree's), chmod and chown: an observing session's
 * allow-lists ask write on the file. chmod and chown are no Landlock rights; the view's
 * read-only seal refuses them outside the write trees, and with the seal left out for an
 * observing session (launch.c seal_readonly) they are judged here, so never let through
 * unrecorded.
 */
static __always_inline int check_modify(const struct path *path, __u16 hook)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	return fs_check(s, cgroup_id, hook, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt),
			NULL, CORDON_ACCESS_WRITE, FS_NAMES_ALL, CORDON_ACCESS_WRITE);
}

SEC("lsm/path_truncate")
int BPF_PROG(cordon_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return check_modify(path, CORDON_HOOK_PATH_TRUNCATE);
}

/* chmod +x of a hook script is how a planted hook becomes runnable. */
SEC("lsm/path_chmod")
int BPF_PROG(cordon_path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return check_modify(path, CORDON_HOOK_PATH_CHMOD);
}

/* ftruncate(2) of a descriptor (6.2+; older kernels check only at open for write). */
SEC("lsm/file_truncate")
int BPF_PROG(cordon_file_truncate, struct file *file, int ret)
{
	if (ret)
		return ret;
	return check_modify(&file->f_path, CORDON_HOOK_FILE_TRUNCATE);
}

/*
 * Ownership, timestamps, extended attributes and ACLs of a protected file. chown has a path
 * hook; utimes and the like reach only inode_setattr, and xattrs (ACLs are xattrs on 6.1, their
 * own hooks from 6.2 on) only inode hooks, which carry no mount: their walk climbs the file's
 * own filesystem and does not cross to where it is mounted (docs/architecture.md).
 */
SEC("lsm/path_chown")
int BPF_PROG(cordon_path_chown, const struct path *path)
{
	/* kuid_t and kgid_t are passed by value; ret is not read (lib/session.bpf.h). */
	return check_modify(path, CORDON_HOOK_PATH_CHOWN);
}

/*
 * Like check_modify (timestamps, xattrs, ACLs: refused by the seal outside the write trees,
 * judged here for an observing session), but with no mount: the allow walk stays in the
 * file's filesystem, and the record names the final component only (nothing `policy suggest`
 * writes back). A write tree whose root lies above the filesystem's mount point is not seen
 * from here: such a change is recorded though a tree allows it, never let through unrecorded.
 */
static __always_inline int check_inode_in(const struct cordon_session *s, __u64 cgroup_id,
					  struct dentry *dentry, __u16 hook, __u32 allow)
{
	return fs_check(s, cgroup_id, hook, dentry, NULL, NULL, CORDON_ACCESS_WRITE, FS_NAMES_ALL,
			allow);
}

static __always_inline int check_inode(struct dentry *dentry, __u16 hook, __u32 allow)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	return check_inode_in(s, cgroup_id, dentry, hook, allow);
}

/* 6.3 put a struct mnt_idmap * before the dentry: the arguments are read by position. */
SEC("lsm/inode_setattr")
int cordon_inode_setattr(unsigned long long *ctx)
{
	__u64 a0 = ctx[0], a1 = ctx[1], a2 = ctx[2], cgroup_id = 0;
	bool idmap = bpf_core_type_exists(struct mnt_idmap);
	struct cordon_session *s;
	struct iattr *attr;
	unsigned int valid;

	/* The untagged exit first: the attribute is read only for a session's task. */
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	/*
	 * All loaded at fixed offsets: an index chosen by the relocation would have the
	 * compiler add it to the context pointer, which the verifier refuses. (On 6.1 ctx[2] is
	 * the return value's slot, read and not used.)
	 */
	asm volatile("" : "+r"(a0), "+r"(a1), "+r"(a2));
	attr = (struct iattr *)(idmap ? a2 : a1);
	valid = BPF_CORE_READ(attr, ia_valid);
	/*
	 * A mode, owner or size change is judged against the allow-lists by its path hook
	 * (path_chmod, path_chown, path_truncate), whose record names the whole path: here only
	 * what no path hook sees (timestamps), so one change makes one record.
	 */
	return check_inode_in(
		s, cgroup_id, (struct dentry *)(idmap ? a1 : a0), CORDON_HOOK_INODE_SETATTR,
		valid & (ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE) ? 0 : CORDON_ACCESS_WRITE);
}

/* The first argument is a user namespace (6.1) or an idmap (6.3+): the dentry is the second. */
SEC("lsm/inode_setxattr")
int BPF_PROG(cordon_inode_setxattr, void *idmap, struct dentry *dentry)
{
	return check_inode(dentry, CORDON_HOOK_INODE_SETXATTR, CORDON_ACCESS_WRITE);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(cordon_inode_removexattr, void *idmap, struct dentry *dentry)
{
	return check_inode(dentry, CORDON_HOOK_INODE_REMOVEXATTR, CORDON_ACCESS_WRITE);
}

/* POSIX ACLs from 6.2 on (before, setxattr of system.posix_acl_* above). */
SEC("lsm/inode_set_acl")
int BPF_PROG(cordon_inode_set_acl, void *idmap, struct dentry *dentry)
{
	return check_inode(dentry, CORDON_HOOK_INODE_SET_ACL, CORDON_ACCESS_WRITE);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(cordon_inode_remove_acl, void *idmap, struct dentry *dentry)
{
	return check_inode(dentry, CORDON_HOOK_INODE_REMOVE_ACL, CORDON_ACCESS_WRITE);
}
