// SPDX-License-Identifier: GPL-2.0-only
/*
 * Landlock on the host kernel: a ruleset allowing reads beneath one directory refuses a read
 * beneath another with EACCES, while the same read outside the ruleset succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"
#include "tap.h"
#include "testutil.h"

static char dir[64] = "/tmp/cordon-landlock.XXXXXX";
static char allowed[128], denied[128];

static int open_errno(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* In the child: confine, then report the errno of the denied read (0 if it succeeded). */
static int confined_read(void *which)
{
	int abi = cordon_landlock_abi();
	struct cordon_landlock_attr attr = { .handled_access_fs = cordon_landlock_fs_rights(abi) };
	char sub[160];
	int fd, r;

	snprintf(sub, sizeof(sub), "%s/allowed", dir);
	fd = cordon_landlock_create(&attr);
	if (fd < 0)
		return 100;
	r = cordon_landlock_allow_path(fd, sub,
				       LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR);
	if (r < 0)
		return 101;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cordon_landlock_restrict_self(fd, 0) < 0)
		return 102;
	return open_errno((const char *)which);
}

static void write_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs("canary\n", f);
		fclose(f);
	}
}

int main(void)
{
	int abi = cordon_landlock_abi();
	char sub[160];

	if (abi <= 0) {
		tap_skip("Landlock unavailable", "landlock_denies_read");
		return 0;
	}
	tap_diag("Landlock ABI %d", abi);
	if (!mkdtemp(dir))
		return tap_check(false, "mkdtemp"), 1;
	snprintf(sub, sizeof(sub), "%s/allowed", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/denied", dir);
	mkdir(sub, 0755);
	snprintf(allowed, sizeof(allowed), "%s/allowed/file", dir);
	snprintf(denied, sizeof(denied), "%s/denied/secret", dir);
	write_file(allowed);
	write_file(denied);

	/* Outside any ruleset both reads succeed, so a refusal below is Landlock's doing. */
	tap_check(open_errno(denied) == 0, "landlock_unconfined_read_succeeds");
	tap_check(run_child(confined_read, denied, NULL) == EACCES,
		  "landlock_denies_read_outside_allowed_tree_with_EACCES");
	tap_check(run_child(confined_read, allowed, NULL) == 0,
		  "landlock_allows_read_inside_allowed_tree");

	unlink(allowed);
	unlink(denied);
	snprintf(sub, sizeof(sub), "%s/allowed", dir);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/denied", dir);
	rmdir(sub);
	rmdir(dir);
	return tap_status();
}
