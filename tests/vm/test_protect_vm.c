// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protected paths that do not exist at start, on the VM kernels (6.1 and 6.12, BPF LSM on), as
 * tests/host/test_protect_new.sh checks them on the host: the notification group the watch needs
 * is there (FAN_REPORT_DFID_NAME, FAN_REPORT_PIDFD), and a file renamed into `.mcp.json` and a
 * symlink made at `.cursor` work outside, and inside are renamed to NAME.cordon-quarantined
 * while the session runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "tap.h"
#include "testutil.h"

#define PROJ  "/srv/pproj"
#define AGENT PROJ "/protect-agent"

static bool there(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", PROJ, rel);
	return lstat(p, &st) == 0;
}

/* Gone within 2 s: 0, else 1. */
static int gone(const char *name)
{
	struct stat st;

	for (int i = 0; i < 200; i++) {
		if (lstat(name, &st) < 0)
			return 0;
		test_sleep_ms(10);
	}
	return 1;
}

/* The two attacks in the current directory: 0 when both worked. */
static int plant(int *mv, int *sl)
{
	test_put("y", "{\"mcpServers\": {}}\n");
	*mv = rename("y", ".mcp.json") < 0 ? errno : 0;
	*sl = symlink("notes.json", ".cursor") < 0 ? errno : 0;
	return *mv || *sl;
}

/* `self plant`, inside: the attacks, then whether each name went away, "NAME STATUS" lines. */
static int plant_main(void)
{
	int mv, sl;

	plant(&mv, &sl);
	printf("ran\nmv_errno %d\nsymlink_errno %d\n", mv, sl);
	printf("mv_gone %d\n", gone(".mcp.json"));
	printf("symlink_gone %d\n", gone(".cursor"));
	fflush(stdout);
	return 0;
}

static int result(const char *out, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(out, key);
	return p ? atoi(p + strlen(key)) : -1;
}

int main(int argc, char **argv)
{
	char self[256], out[8192];
	char *argv_in[] = { getenv("CORDON_BIN") ?: "/bin/cordon",
			    "run",
			    "--user",
			    "root",
			    "--policy",
			    "offline",
			    "--allow-degraded",
			    "--project",
			    PROJ,
			    "--",
			    AGENT,
			    "plant",
			    NULL };
	struct test_cmd c = { .argv = argv_in }; /* run from PROJ: the agent starts there */
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd, status, mv, sl;

	if (n <= 0)
		return 1;
	self[n] = '\0';
	if (argc == 2 && !strcmp(argv[1], "plant"))
		return plant_main();
	fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_PIDFD | FAN_CLOEXEC,
			   O_RDONLY);
	tap_check(fd >= 0, "fanotify_dfid_name_pidfd_group");
	if (fd >= 0)
		close(fd);
	mkdir("/srv", 0755);
	mkdir(PROJ, 0755);
	if (!tap_check(test_copy_file(self, AGENT) == 0 && chmod(AGENT, 0755) == 0,
		       "agent_program_in_project"))
		return tap_status();
	/* Outside: both land under the protected names. */
	tap_check(chdir(PROJ) == 0 && plant(&mv, &sl) == 0 && there(".mcp.json") &&
			  there(".cursor"),
		  "outside_rename_and_symlink_land");
	unlink(PROJ "/.mcp.json");
	unlink(PROJ "/.cursor");
	if (test_spawn(&c, out, sizeof(out), &status) < 0 || !WIFEXITED(status))
		status = -1;
	if (!tap_check(status == 0 && strstr(out, "ran\n"), "inside_ran"))
		tap_diag("status %d: %s", status, out);
	tap_check(result(out, "mv_errno") == 0 && result(out, "symlink_errno") == 0,
		  "inside_rename_and_symlink_succeed");
	tap_check(result(out, "mv_gone") == 0, "inside_renamed_file_quarantined_within_2s");
	tap_check(result(out, "symlink_gone") == 0, "inside_symlink_quarantined_within_2s");
	tap_check(!there(".mcp.json") && there(".mcp.json.cordon-quarantined"),
		  "renamed_file_kept_quarantined");
	tap_check(!there(".cursor") && there(".cursor.cordon-quarantined"),
		  "symlink_kept_quarantined");
	return tap_status();
}
