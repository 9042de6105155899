// SPDX-License-Identifier: GPL-2.0-only
/* Removing what a test or benchmark left behind: file trees and cgroup trees. No cordon library. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmtree.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void test_rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int rm_cgroup(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		for (int i = 0; i < 50 && rmdir(path) < 0 && errno == EBUSY; i++)
			usleep(20000);
	return 0;
}

void test_rm_cgroups(const char *path)
{
	nftw(path, rm_cgroup, 16, FTW_DEPTH | FTW_PHYS);
}
