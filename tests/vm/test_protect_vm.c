// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protected paths that do not exist at start, on the VM kernels (6.1 and 6.12, BPF LSM on), as
 * tests/host/test_protect_new.sh checks them on the host: the notification group the watch needs
 * is there (FAN_REPORT_DFID_NAME, FAN_REPORT_PIDFD), and a file renamed into `.mcp.json` and a
 * symlink made at `.cursor` work outside; inside each is refused by BPF LSM (its path rules
 * know protected names whether or not they exist) or, where it is let through, renamed to
 * NAME.cordon-quarantined while the session runs. And the protected `.git/config` written the
 * way git writes it (config.lock renamed onto it): an added remote goes through cordon's
 * supervisor into the file, a planted core.fsmonitor is refused.
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

/*
 * What the watch reads, from this kernel: a rename, a symlink and a mkdir in a marked directory
 * each raise an event with the directory's handle and the new name, and the creator's pidfd.
 */
static void kernel_events(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	const struct fanotify_event_metadata *m = (const void *)buf;
	int fd, names = 0, pidfds = 0;
	ssize_t n;

	fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_PIDFD | FAN_CLOEXEC |
				   FAN_NONBLOCK,
			   O_RDONLY);
	if (!tap_check(fd >= 0, "fanotify_dfid_name_pidfd_group"))
		return;
	mkdir("/srv/fan", 0755);
	tap_check(fanotify_mark(fd, FAN_MARK_ADD, FAN_CREATE | FAN_MOVED_TO | FAN_ONDIR, AT_FDCWD,
				"/srv/fan") == 0,
		  "fanotify_inode_mark_create_moved_to");
	test_put("/srv/y", "x\n");
	rename("/srv/y", "/srv/fan/.mcp.json");
	if (symlink("x", "/srv/fan/.cursor") < 0)
		tap_diag("symlink: %s", strerror(errno));
	mkdir("/srv/fan/.vscode", 0755);
	n = read(fd, buf, sizeof(buf));
	for (; n > 0 && FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
		const char *p = (const char *)m + m->metadata_len,
			   *end = (const char *)m + m->event_len;

		while (p + sizeof(struct fanotify_event_info_header) <= end) {
			const struct fanotify_event_info_header *h = (const void *)p;

			if (h->len < sizeof(*h))
				break;
			if (h->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
				const struct fanotify_event_info_fid *fid = (const void *)p;
				const struct file_handle *fh = (const void *)fid->handle;
				const char *name = (const char *)fh->f_handle + fh->handle_bytes;

				names += !strcmp(name, ".mcp.json") || !strcmp(name, ".cursor") ||
					 !strcmp(name, ".vscode");
			} else if (h->info_type == FAN_EVENT_INFO_TYPE_PIDFD) {
				int pfd =
					((const struct fanotify_event_info_pidfd *)(const void *)p)
						->pidfd;

				pidfds += pfd >= 0;
				if (pfd >= 0)
					close(pfd);
			}
			p += h->len;
		}
	}
	tap_check(names == 3, "rename_symlink_mkdir_events_name_the_entry");
	tap_check(pidfds == 3, "events_carry_the_creators_pidfd");
	close(fd);
}

static int result(const char *out, const char *name);

/*
 * `self gitcfg`, inside, in the project: git's own way of writing its config (the new content in
 * config.lock, renamed onto config), once adding a remote (allowed: cordon writes it in place),
 * once planting core.fsmonitor (refused, EPERM). "NAME ERRNO" lines.
 */
static void gitcfg_write(int *remote, int *fsmonitor)
{
	char cur[2048] = "";
	int fd = open(".git/config", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, cur, sizeof(cur) - 1) : -1;

	if (fd >= 0)
		close(fd);
	cur[n > 0 ? n : 0] = 0;
	test_put(".git/config.lock", "%s[remote \"up\"]\n\turl = /srv/up.git\n", cur);
	*remote = rename(".git/config.lock", ".git/config") < 0 ? errno : 0;
	test_put(".git/config.lock", "%s[core]\n\tfsmonitor = touch /srv/pwned\n", cur);
	*fsmonitor = rename(".git/config.lock", ".git/config") < 0 ? errno : 0;
	unlink(".git/config.lock");
}

static int gitcfg_main(void)
{
	int remote, fsmonitor;

	gitcfg_write(&remote, &fsmonitor);
	printf("ran\nremote_errno %d\nfsmonitor_errno %d\n", remote, fsmonitor);
	fflush(stdout);
	return 0;
}

/* The protected .git/config written through cordon's supervisor (gitwrite.c), BPF LSM on. */
static void git_config_write(char **argv_in)
{
	struct test_cmd c = { .argv = argv_in };
	char out[8192];
	struct stat before, after;
	int status, remote, fsmonitor;

	mkdir(PROJ "/.git", 0755);
	test_put(PROJ "/.git/config", "[core]\n\tbare = false\n");
	/* Outside: both renames land. */
	tap_check(chdir(PROJ) == 0 && (gitcfg_write(&remote, &fsmonitor), !remote && !fsmonitor) &&
			  test_file_has(PROJ "/.git/config", "fsmonitor"),
		  "outside_git_config_renames_land");
	test_put(PROJ "/.git/config", "[core]\n\tbare = false\n");
	if (stat(PROJ "/.git/config", &before) < 0)
		memset(&before, 0, sizeof(before));
	argv_in[11] = "gitcfg";
	if (test_spawn(&c, out, sizeof(out), &status) < 0 || !WIFEXITED(status))
		status = -1;
	if (!tap_check(status == 0 && strstr(out, "ran\n"), "gitcfg_inside_ran"))
		tap_diag("status %d: %s", status, out);
	tap_check(result(out, "remote_errno") == 0, "remote_add_write_allowed");
	tap_check(test_file_has(PROJ "/.git/config", "[remote \"up\"]"),
		  "remote_add_in_developers_config");
	tap_check(stat(PROJ "/.git/config", &after) == 0 && after.st_ino == before.st_ino,
		  "config_written_in_place");
	tap_check(result(out, "fsmonitor_errno") == EPERM, "fsmonitor_write_refused_EPERM");
	tap_check(!test_file_has(PROJ "/.git/config", "fsmonitor"), "fsmonitor_not_in_config");
	tap_check(access(PROJ "/.git/config.lock", F_OK) < 0, "no_lock_left");
}

/*
 * `self cache`, inside: a file planted in the cache the policy layers (filesystem.cache, root's
 * ~/.cache here) and one replaced there; "NAME ERRNO" lines and what the session reads back.
 */
static int cache_main(void)
{
	char back[64] = "";
	int fd;
	ssize_t n;

	test_put("/root/.cache/cordon-vm-planted", "planted\n");
	test_put("/root/.cache/cordon-vm-kept", "pwned\n");
	fd = open("/root/.cache/cordon-vm-kept", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, back, sizeof(back) - 1) : -1;
	if (fd >= 0)
		close(fd);
	back[n > 0 ? n : 0] = 0;
	printf("ran\nplanted_errno %d\nreads_back %s",
	       access("/root/.cache/cordon-vm-planted", F_OK) ? errno : 0, back);
	fflush(stdout);
	return 0;
}

/* The layered cache with BPF LSM on: the session writes it, the host's cache is unchanged. */
static void cache_layer(char **argv_in)
{
	struct test_cmd c = { .argv = argv_in };
	char out[8192];
	int status;

	mkdir("/root/.cache", 0700);
	test_put("/root/.cache/cordon-vm-kept", "orig\n");
	unlink("/root/.cache/cordon-vm-planted");
	argv_in[11] = "cache";
	if (test_spawn(&c, out, sizeof(out), &status) < 0 || !WIFEXITED(status))
		status = -1;
	if (!tap_check(status == 0 && strstr(out, "ran\n"), "cache_inside_ran"))
		tap_diag("status %d: %s", status, out);
	tap_check(result(out, "planted_errno") == 0 && strstr(out, "reads_back pwned"),
		  "cache_written_inside");
	tap_check(access("/root/.cache/cordon-vm-planted", F_OK) < 0,
		  "cache_nothing_planted_on_host");
	tap_check(test_file_has("/root/.cache/cordon-vm-kept", "orig"),
		  "cache_host_file_unchanged");
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
	int status, mv, sl;

	if (n <= 0)
		return 1;
	self[n] = '\0';
	if (argc == 2 && !strcmp(argv[1], "plant"))
		return plant_main();
	if (argc == 2 && !strcmp(argv[1], "gitcfg"))
		return gitcfg_main();
	if (argc == 2 && !strcmp(argv[1], "cache"))
		return cache_main();
	mkdir("/srv", 0755);
	kernel_events();
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
	tap_diag("inside: rename errno %d, symlink errno %d", result(out, "mv_errno"),
		 result(out, "symlink_errno"));
	tap_check(result(out, "mv_gone") == 0, "inside_renamed_name_gone_within_2s");
	tap_check(result(out, "symlink_gone") == 0, "inside_symlink_name_gone_within_2s");
	tap_check(!there(".mcp.json") &&
			  (result(out, "mv_errno") > 0 || there(".mcp.json.cordon-quarantined")),
		  "renamed_file_refused_or_quarantined");
	tap_check(!there(".cursor") &&
			  (result(out, "symlink_errno") > 0 || there(".cursor.cordon-quarantined")),
		  "symlink_refused_or_quarantined");
	git_config_write(argv_in);
	cache_layer(argv_in);
	return tap_status();
}
