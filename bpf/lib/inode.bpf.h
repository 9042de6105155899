/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device half of an inode's key (maps.h cordon_inode_key, cordon_auto_key), computed the
 * way userspace computes it (user/lib/sys/kinode.c): the superblock's s_dev, except on btrfs.
 */
#ifndef CORDON_INODE_BPF_H
#define CORDON_INODE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define BTRFS_SUPER_MAGIC 0x9123683e

/*
 * btrfs numbers inodes per subvolume while every subvolume shares one superblock: (i_ino,
 * s_dev) would name many files at once (every subvolume's root is inode 256). The subvolume's
 * anonymous device, what stat() reports as st_dev there, tells them apart. btrfs is a module:
 * these types are relocated against its BTF when it is loaded with the programs; without it
 * the branch is dead code and the loader refuses btrfs paths (cordon_bpf_btrfs_ready).
 */
struct btrfs_root___cordon {
	dev_t anon_dev;
} __attribute__((preserve_access_index));

struct btrfs_inode___cordon {
	struct btrfs_root___cordon *root;
	struct inode vfs_inode;
} __attribute__((preserve_access_index));

static __always_inline __u32 inode_key_dev(struct inode *inode)
{
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);

	if (bpf_core_type_exists(struct btrfs_inode___cordon) &&
	    BPF_CORE_READ(sb, s_magic) == BTRFS_SUPER_MAGIC) {
		struct btrfs_inode___cordon *bi =
			(void *)inode -
			bpf_core_field_offset(struct btrfs_inode___cordon, vfs_inode);

		return BPF_CORE_READ(bi, root, anon_dev);
	}
	return BPF_CORE_READ(sb, s_dev);
}

#endif /* CORDON_INODE_BPF_H */
