// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run --audit-log` runs as root: a symlink planted at the log's path (to /etc/passwd,
 * say) must not be followed, and a device is refused; a plain file works. (A log inside the
 * project is refused too: tests/host/test_audit_integrity.sh.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

static char project[] = "/tmp/cordon-auditpath-proj.XXXXXX";

static int run_cordon(const char *cordon, const char *log)
{
	char *argv[] = { (char *)cordon, "run",	 "--allow-degraded", "--policy", "offline",
			 "--user",	 "root", "--project",	     project,	 "--audit-log",
			 (char *)log,	 "--",	 "/bin/true",	     NULL };
	int status, null;
	pid_t p = fork();

	if (p == 0) {
		null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(cordon, argv);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	const char *cordon = getenv("CORDON_BIN") ? getenv("CORDON_BIN") : "build/cordon";
	char dir[] = "/tmp/cordon-auditpath.XXXXXX", link_path[64], victim[64], plain[64];
	struct stat st;

	if (geteuid() != 0) {
		tap_skip("needs root", "audit_log_path");
		return 0;
	}
	if (!mkdtemp(dir) || !mkdtemp(project))
		return tap_check(false, "mkdtemp"), 1;
	snprintf(link_path, sizeof(link_path), "%s/audit.jsonl", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(plain, sizeof(plain), "%s/plain.jsonl", dir);
	if (symlink(victim, link_path) < 0)
		return tap_check(false, "symlink"), 1;

	tap_check(run_cordon(cordon, link_path) == 1, "audit_log_symlink_refused");
	tap_check(lstat(victim, &st) < 0 && errno == ENOENT, "audit_log_symlink_target_untouched");
	tap_check(run_cordon(cordon, "/dev/null") == 1, "audit_log_device_refused");
	tap_check(run_cordon(cordon, plain) == 0 && stat(plain, &st) == 0 && st.st_size > 0 &&
			  (st.st_mode & 0777) == 0600,
		  "audit_log_plain_file_written_0600");

	unlink(plain);
	unlink(link_path);
	rmdir(dir);
	rmdir(project);
	return tap_status();
}
