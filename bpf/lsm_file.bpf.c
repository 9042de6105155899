// SPDX-License-Identifier: GPL-2.0-only
/* BPF LSM file hooks: deny-within-allow on inodes resolved at session start. */
#include "cordon.bpf.h"

#define FMODE_READ  0x1
#define FMODE_WRITE 0x2

SEC("lsm/file_open")
int BPF_PROG(cordon_file_open, struct file *file, int ret)
{
	struct cordon_inode_key key = {};
	struct cordon_inode_rule *rule;
	struct cordon_event_file *ev;
	struct cordon_session *s;
	__u64 cgroup_id = 0;
	__u32 access = 0;
	fmode_t mode;

	/* Another LSM already refused: never turn a denial into an allow. */
	if (ret)
		return ret;
	s = current_session(&cgroup_id);
	if (!s || !(s->flags & CORDON_SESSION_FILE))
		return 0;

	key.ino = BPF_CORE_READ(file, f_inode, i_ino);
	key.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	key.session = s->id;
	rule = bpf_map_lookup_elem(&inode_rules, &key);
	if (!rule)
		return 0;

	mode = BPF_CORE_READ(file, f_mode);
	if (mode & FMODE_READ)
		access |= CORDON_ACCESS_READ;
	if (mode & FMODE_WRITE)
		access |= CORDON_ACCESS_WRITE;
	if (!(rule->deny & access))
		return 0;

	/* The decision stands whether or not the event fits in the ring buffer. */
	ev = event_reserve(sizeof(*ev), CORDON_EV_FILE, CORDON_HOOK_FILE_OPEN, CORDON_LAYER_BPF_LSM,
			   s, cgroup_id, -EACCES, rule->rule_id);
	if (ev) {
		ev->ino = key.ino;
		ev->dev = key.dev;
		ev->access = access;
		/* f_path is const in the hook's prototype; bpf_d_path does not modify it. */
		bpf_d_path((struct path *)&file->f_path, (char *)ev->path, sizeof(ev->path));
		bpf_ringbuf_submit(ev, 0);
	}
	return -EACCES;
}
