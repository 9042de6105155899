// SPDX-License-Identifier: GPL-2.0-only
/*
 * An inode named the way the BPF LSM hooks name it: (i_ino, i_sb->s_dev). stat() answers with
 * what the filesystem's getattr chooses, which differs on btrfs and overlayfs; see sys.h.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/sys.h"

/* "NAME<white space>NUMBER\n": true and *@v set when @line is that field. */
static bool field(const char *line, const char *name, unsigned long long *v)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(line, name, n) != 0)
		return false;
	errno = 0;
	*v = strtoull(line + n, &end, 10);
	return errno == 0 && end != line + n && (*end == '\n' || *end == '\0');
}

/* "mnt_id:" and "ino:" of /proc/self/fdinfo/@fd ("ino:" appeared in Linux 5.14). */
static int fdinfo_ids(int fd, int *mnt_id, uint64_t *ino, bool *has_ino)
{
	char path[64], line[256];
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*mnt_id = -1;
	*has_ino = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (field(line, "mnt_id:", &v) && v <= INT_MAX) {
			*mnt_id = (int)v;
		} else if (field(line, "ino:", &v)) {
			*ino = v;
			*has_ino = true;
		}
	}
	return *mnt_id < 0 ? -ENOTSUP : 0;
}

/* The leading "ID PARENT MAJ:MIN " of a mountinfo line. 0 or -EINVAL. */
static int mount_ids(const char *line, long *id, unsigned long *maj, unsigned long *min)
{
	const char *p = line;
	char *end;

	*id = strtol(p, &end, 10);
	if (end == p || *end != ' ')
		return -EINVAL;
	p = end;
	(void)strtol(p, &end, 10); /* the parent */
	if (end == p || *end != ' ')
		return -EINVAL;
	p = end;
	*maj = strtoul(p, &end, 10);
	if (end == p || *end != ':')
		return -EINVAL;
	p = end + 1;
	*min = strtoul(p, &end, 10);
	return end == p || *end != ' ' ? -EINVAL : 0;
}

/* MAJ:MIN of mount @mnt_id in /proc/self/mountinfo: the superblock's s_dev (show_mountinfo). */
int cordon_mountinfo_sb_dev(FILE *f, int mnt_id, uint32_t *dev)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	/* getline(): a line is as long as its mount point, which has no bound here. */
	while (getline(&line, &cap, f) >= 0) {
		unsigned long maj, min;
		long id;

		if (mount_ids(line, &id, &maj, &min) < 0)
			return -EINVAL;
		if (id == mnt_id) {
			*dev = (uint32_t)(maj << 20 | min);
			return 0;
		}
	}
	return -ENOENT;
}

static int sb_dev(struct cordon_kinode_cache *c, int mnt_id, uint32_t *dev)
{
	_cleanup_fclose_ FILE *f = NULL;
	int r;

	if (c && c->valid && c->mnt_id == mnt_id) {
		*dev = c->dev;
		return 0;
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	r = cordon_mountinfo_sb_dev(f, mnt_id, dev);
	if (r == 0 && c) {
		c->valid = true;
		c->mnt_id = mnt_id;
		c->dev = *dev;
	}
	return r;
}

int cordon_kinode_fd(int fd, struct cordon_kinode_cache *c, struct cordon_kinode *k)
{
	struct statfs sfs;
	struct stat st;
	bool has_ino = false;
	int mnt_id = -1, r;

	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	k->btrfs = sfs.f_type == BTRFS_SUPER_MAGIC;
	k->overlay = sfs.f_type == OVERLAYFS_SUPER_MAGIC;
	if (k->btrfs) {
		/* btrfs_getattr(): the subvolume's anonymous device and i_ino. */
		if (fstat(fd, &st) < 0)
			return -errno;
		k->ino = st.st_ino;
		k->dev = major(st.st_dev) << 20 | minor(st.st_dev);
		return 0;
	}
	r = fdinfo_ids(fd, &mnt_id, &k->ino, &has_ino);
	if (r < 0)
		return r;
	if (!has_ino) {
		/* Before 5.14: st_ino, which is i_ino everywhere but on overlayfs with xino. */
		if (fstat(fd, &st) < 0)
			return -errno;
		k->ino = st.st_ino;
	}
	return sb_dev(c, mnt_id, &k->dev);
}

int cordon_kinode_at(int dfd, const char *path, int flags, struct cordon_kinode_cache *c,
		     struct cordon_kinode *k)
{
	_cleanup_close_ int fd = openat(dfd, path, O_PATH | O_CLOEXEC | flags);

	if (fd < 0)
		return -errno;
	return cordon_kinode_fd(fd, c, k);
}
