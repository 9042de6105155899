/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Descriptors an auto-confined task inherited across the exec that tagged it (maps.h
 * inherited_files): judged once at the tag, refused at every use by a session task.
 */
#ifndef CORDON_INHERIT_BPF_H
#define CORDON_INHERIT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "maps.h"
#include "consts.bpf.h"
#include "session.bpf.h"
#include "fs.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_INHERITED_FILES);
	__type(key, __u64); /* struct file * */
	__type(value, struct cordon_inherited_file);
} inherited_files SEC(".maps") __weak;

/*
 * How many entries inherited_files holds: while 0 (no auto-confined task inherited a denied
 * file), file_permission and file_free_security, which run for every read, write and close on
 * the machine, stop at this one array load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inherited_live SEC(".maps") __weak;

static __always_inline bool inherited_any(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&inherited_live, &zero);

	return n && *n;
}

/*
 * A session task using @file (@access, CORDON_ACCESS_*) that the tag found inherited and
 * denied: the refusal's record (@hook) and -EACCES; else 0. The parent outside, which shares
 * the same open file, is not a session task and is let through.
 */
static __always_inline int inherited_refusal(struct file *file, __u32 access, __u16 hook)
{
	struct cordon_inherited_file *e;
	struct fs_verdict v = {};
	struct cordon_session *s;
	struct inode *inode;
	__u64 key = (__u64)file, cgroup_id = 0;

	if (!inherited_any())
		return 0;
	e = bpf_map_lookup_elem(&inherited_files, &key);
	if (!e || !(e->deny & access))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	/* An entry file_free_security missed (it cannot fail): not this file. */
	if (BPF_CORE_READ(inode, i_ino) != e->ino || inode_key_dev(inode) != e->dev)
		return 0;
	s = lsm_session(&cgroup_id);
	if (!s)
		return 0;
	v.rule_id = e->rule_id;
	v.deny = e->deny;
	emit_file_at(s, cgroup_id, hook, BPF_CORE_READ(file, f_path.dentry), NULL, NULL, access, &v,
		     -EACCES, 0);
	return -EACCES;
}

#endif /* CORDON_INHERIT_BPF_H */
