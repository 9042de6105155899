// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM exec hooks: the policy's exec denials by inode (so a copy keeps its name but not its
 * inode, while a hard link keeps both), executable mappings of denied files (the
 * `ld-linux-x86-64.so.2 /usr/bin/sudo` trick maps instead of exec'ing), exec from memfd, and
 * executable mappings of files with no name where the policy restricts exec.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/fs.bpf.h"
#include "lib/inherit.bpf.h"

/*
 * Has @file no name left that a rule could hang on? Unlinked (a memfd, O_TMPFILE before
 * linkat, a file deleted after open: i_nlink 0), or on a mount of the kernel's own that no
 * namespace holds (MNT_NS_INTERNAL: a hugetlbfs memfd, whose inode keeps its link). The
 * kernel's shared anonymous and SysV memory (S_PRIVATE) is anonymous memory, judged nowhere.
 */
static __always_inline bool file_nameless(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct mount *m = real_mount(BPF_CORE_READ(file, f_path.mnt));

	if (BPF_CORE_READ(inode, i_flags) & S_PRIVATE)
		return false;
	return BPF_CORE_READ(inode, i_nlink) == 0 || (long)BPF_CORE_READ(m, mnt_ns) == -EINVAL;
}

/* Refuse running @file, which has no name left: the record names its dentry ("memfd:x"). */
static __always_inline int deny_nameless(const struct cordon_session *s, __u64 cgroup_id,
					 __u16 hook, struct file *file)
{
	struct fs_verdict v = { .deny = CORDON_ACCESS_EXEC };

	emit_file(s, cgroup_id, hook, BPF_CORE_READ(file, f_path.dentry), NULL, CORDON_ACCESS_EXEC,
		  &v, -EACCES);
	return -EACCES;
}

/*
 * An executable mapping of @file. A file with no name left has no rule a walk could find and
 * lies in no tree the exec allow-list names: `dlopen("/proc/self/fd/N")` of a memfd, or
 * mmap/mprotect with PROT_EXEC, would run code the policy never let be executed. Refused where
 * the policy restricts exec (CORDON_SESSION_EXEC_NAMED); the check is on the inode, so a
 * PROT_READ mapping made first and mprotect()ed later is refused the same. A named file is
 * judged by its rules (a denied program mapped by ld.so).
 */
static __always_inline int check_exec(struct file *file, __u16 hook)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (!file)
		return 0;
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	if ((s->flags & CORDON_SESSION_EXEC_NAMED) && file_nameless(file))
		return deny_nameless(s, cgroup_id, hook, file);
	return fs_check(s, cgroup_id, hook, BPF_CORE_READ(file, f_path.dentry),
			BPF_CORE_READ(file, f_path.mnt), NULL, CORDON_ACCESS_EXEC, FS_NAMES_ALL, 0);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(cordon_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct cordon_session *s;
	struct file *file;
	__u64 cgroup_id = 0;

	if (ret)
		return ret;
	file = BPF_CORE_READ(bprm, file);
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s || !file)
		return 0;
	/*
	 * A file with no name left (memfd, O_TMPFILE, deleted) is code no path rule can judge:
	 * Landlock does not stop fexecve() of a memfd, so it is refused here.
	 */
	if (file_nameless(file))
		return deny_nameless(s, cgroup_id, CORDON_HOOK_BPRM_CHECK, file);
	return check_exec(file, CORDON_HOOK_BPRM_CHECK);
}

/*
 * reqprot is what the caller asked for, prot what the kernel will map: with the
 * READ_IMPLIES_EXEC personality a PROT_READ mapping is executable, so prot is the one that
 * counts (both are tested). The arguments are (file, reqprot, prot, flags) on every kernel
 * from 6.1 on; ret is not read (lib/session.bpf.h).
 */
SEC("lsm/mmap_file")
int BPF_PROG(cordon_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags)
{
	__u32 access = CORDON_ACCESS_READ;
	int r;

	/* An inherited denied file mapped, to read it without read(2) (inherit.bpf.h). */
	if (file) {
		if ((flags & MAP_SHARED) && ((reqprot | prot) & PROT_WRITE))
			access |= CORDON_ACCESS_WRITE;
		r = inherited_refusal(file, access, CORDON_HOOK_MMAP_FILE_INHERITED);
		if (r)
			return r;
	}
	if (!((reqprot | prot) & PROT_EXEC))
		return 0;
	return check_exec(file, CORDON_HOOK_MMAP_FILE);
}

SEC("lsm/file_mprotect")
int BPF_PROG(cordon_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot)
{
	if (!((reqprot | prot) & PROT_EXEC))
		return 0;
	return check_exec(BPF_CORE_READ(vma, vm_file), CORDON_HOOK_FILE_MPROTECT);
}
