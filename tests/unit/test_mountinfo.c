// SPDX-License-Identifier: GPL-2.0-only
/* mountinfo parsing and cgroup levels: where cgroup v2 is found, never where it is assumed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "enforce/enforce.h"
#include "sys/sys.h"

static const char hybrid[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime shared:9 - cgroup cgroup rw,pids\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:4 master:1 - cgroup2 cgroup2 rw\n";

static int find(const char *text, const char *type, struct cordon_mount *m)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = cordon_mountinfo_find(f, type, m);
	fclose(f);
	return r;
}

static void test_mountinfo__finds_cgroup2_on_hybrid_host(void **state)
{
	struct cordon_mount m;

	(void)state;
	assert_int_equal(find(hybrid, "cgroup2", &m), 0);
	assert_string_equal(m.target, "/sys/fs/cgroup/unified");
	assert_string_equal(m.root, "/");
}

static void test_mountinfo__cgroup_v1_is_not_cgroup2(void **state)
{
	static const char v1_only[] =
		"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n";
	struct cordon_mount m;

	(void)state;
	assert_int_equal(find(v1_only, "cgroup2", &m), -ENOENT);
}

static void test_mountinfo__optional_fields_are_skipped(void **state)
{
	static const char text[] =
		"41 31 0:38 / /a rw shared:4 master:1 propagate_from:2 unbindable"
		" - bpf bpf rw\n";
	struct cordon_mount m;

	(void)state;
	assert_int_equal(find(text, "bpf", &m), 0);
	assert_string_equal(m.target, "/a");
}

static void test_mountinfo__escaped_mount_point_is_decoded(void **state)
{
	static const char text[] =
		"41 31 0:38 /x\\040y /mnt/my\\040cg\\011tab rw - cgroup2 none rw\n";
	struct cordon_mount m;

	(void)state;
	assert_int_equal(find(text, "cgroup2", &m), 0);
	assert_string_equal(m.target, "/mnt/my cg\ttab");
	assert_string_equal(m.root, "/x y");
}

static void test_mountinfo__malformed_line_is_error(void **state)
{
	struct cordon_mount m;

	(void)state;
	assert_int_equal(find("41 31 0:38 / /a rw no-separator cgroup2\n", "cgroup2", &m), -EINVAL);
	assert_int_equal(find("41 31\n", "cgroup2", &m), -EINVAL);
	assert_int_equal(find("41 31 0:38 / /a rw -\n", "cgroup2", &m), -EINVAL);
}

static void test_mountinfo__bad_escape_is_error(void **state)
{
	char s1[] = "/a\\09", s2[] = "/a\\", s3[] = "/a\\400", ok[] = "/a\\134b";

	(void)state;
	assert_int_equal(cordon_mountinfo_unescape(s1), -EINVAL);
	assert_int_equal(cordon_mountinfo_unescape(s2), -EINVAL);
	assert_int_equal(cordon_mountinfo_unescape(s3), -EINVAL);
	assert_int_equal(cordon_mountinfo_unescape(ok), 0);
	assert_string_equal(ok, "/a\\b");
}

static void test_cgroup_level__counts_from_hierarchy_root(void **state)
{
	struct cordon_mount m = { .root = "/", .target = "/sys/fs/cgroup/unified" };

	(void)state;
	assert_int_equal(cordon_cgroup_level(&m, "/sys/fs/cgroup/unified"), 0);
	assert_int_equal(cordon_cgroup_level(&m, "/sys/fs/cgroup/unified/cordon"), 1);
	assert_int_equal(cordon_cgroup_level(&m, "/sys/fs/cgroup/unified//cordon/s1/"), 2);
}

static void test_cgroup_level__mount_of_a_subtree_adds_its_depth(void **state)
{
	struct cordon_mount m = { .root = "/system.slice/x", .target = "/sys/fs/cgroup" };

	(void)state;
	assert_int_equal(cordon_cgroup_level(&m, "/sys/fs/cgroup/cordon"), 3);
}

static void test_cgroup_level__path_outside_mount_is_error(void **state)
{
	struct cordon_mount m = { .root = "/", .target = "/sys/fs/cgroup" };

	(void)state;
	assert_int_equal(cordon_cgroup_level(&m, "/sys/fs/cgroupX/cordon"), -EINVAL);
	assert_int_equal(cordon_cgroup_level(&m, "/tmp/cordon"), -EINVAL);
}

static int sb_dev(const char *text, int mnt_id, uint32_t *dev)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = cordon_mountinfo_sb_dev(f, mnt_id, dev);
	fclose(f);
	return r;
}

/* The superblock's device, encoded as the kernel does (MAJOR << 20 | MINOR), as BPF reads it. */
static void test_mountinfo_sb_dev__kernel_encoding_of_the_mount(void **state)
{
	static const char text[] = "25 1 259:3 / / rw - ext4 /dev/nvme0n1p3 rw\n"
				   "90 25 0:52 /@home /home rw - btrfs /dev/sda2 rw\n";
	uint32_t dev = 0;

	(void)state;
	assert_int_equal(sb_dev(text, 25, &dev), 0);
	assert_int_equal(dev, 259u << 20 | 3);
	assert_int_equal(sb_dev(text, 90, &dev), 0);
	assert_int_equal(dev, 52);
	assert_int_equal(sb_dev(text, 7, &dev), -ENOENT);
	assert_int_equal(sb_dev("garbage\n", 1, &dev), -EINVAL);
}

/* A file on this machine: the hooks' device is its mount's, whatever stat() says. */
static void test_kinode__names_a_file_by_its_mount(void **state)
{
	struct cordon_kinode k = { 0 };
	struct stat st;

	(void)state;
	assert_int_equal(cordon_kinode_at(AT_FDCWD, "/proc/self/exe", 0, NULL, &k), 0);
	assert_int_equal(stat("/proc/self/exe", &st), 0);
	assert_true(k.ino == (uint64_t)st.st_ino || k.btrfs);
	assert_int_equal(cordon_kinode_at(AT_FDCWD, "/nonexistent/x", 0, NULL, &k), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo__finds_cgroup2_on_hybrid_host),
		cmocka_unit_test(test_mountinfo__cgroup_v1_is_not_cgroup2),
		cmocka_unit_test(test_mountinfo__optional_fields_are_skipped),
		cmocka_unit_test(test_mountinfo__escaped_mount_point_is_decoded),
		cmocka_unit_test(test_mountinfo__malformed_line_is_error),
		cmocka_unit_test(test_mountinfo__bad_escape_is_error),
		cmocka_unit_test(test_cgroup_level__counts_from_hierarchy_root),
		cmocka_unit_test(test_cgroup_level__mount_of_a_subtree_adds_its_depth),
		cmocka_unit_test(test_cgroup_level__path_outside_mount_is_error),
		cmocka_unit_test(test_mountinfo_sb_dev__kernel_encoding_of_the_mount),
		cmocka_unit_test(test_kinode__names_a_file_by_its_mount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
