// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM exec hooks: the policy's exec denials by inode (so a copy keeps its name but not its
 * inode, while a hard link keeps both), executable mappings of denied files (the
 * `ld-linux-x86-64.so.2 /usr/bin/sudo` trick maps instead of exec'ing), and exec from memfd.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/consts.bpf.h"
#include "lib/session.bpf.h"
#include "lib/fs.bpf.h"

static __always_inline int check_exec(struct file *file, __u16 hook)
{
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	if (!file)
		return 0;
	s = lsm_session_for(CORDON_SESSION_FILE, &cgroup_id);
	if (!s)
		return 0;
	return fs_check(s, cgroup_id, hook, BPF_CORE_READ(file, f_path.dentry),
			BPF_CORE_READ(file, f_path.mnt), NULL, CORDON_ACCESS_EXEC, FS_NAMES_ALL);
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
	if (BPF_CORE_READ(file, f_inode, i_nlink) == 0) {
		struct fs_verdict v = { .deny = CORDON_ACCESS_EXEC };
		struct dentry *d = BPF_CORE_READ(file, f_path.dentry);

		emit_file(s, cgroup_id, CORDON_HOOK_BPRM_CHECK, d, NULL, CORDON_ACCESS_EXEC, &v,
			  -EACCES);
		return -EACCES;
	}
	return check_exec(file, CORDON_HOOK_BPRM_CHECK);
}

/*
 * reqprot is what the caller asked for, prot what the kernel will map: with the
 * READ_IMPLIES_EXEC personality a PROT_READ mapping is executable, so prot is the one that
 * counts (both are tested). The arguments are (file, reqprot, prot, flags) on every kernel
 * from 6.1 on; ret is not read (lib/session.bpf.h).
 */
SEC("lsm/mmap_file")
int BPF_PROG(cordon_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot)
{
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
