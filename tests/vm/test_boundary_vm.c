// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session boundary of `cordon run` on the VM kernels (6.1 and 6.12, BPF LSM on), as
 * tests/host/test_boundary.sh checks it on the host: an outside process (signal, prlimit,
 * setpriority, CPU affinity, its /proc/PID/cmdline), another program's socket in the host's /tmp,
 * and a setsid'ed, double-forked leftover. Each attack is made outside cordon first, where it
 * must work, then inside, where the object must be out of the agent's sight: the session has its
 * own pid namespace, /proc and /tmp. The leftover must be gone when the agent exits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "tap.h"
#include "testutil.h"

#define SOCK	 "/tmp/boundary-tool.sock" /* another program's server in the host's /tmp */
#define PROJ	 "/srv/bproj"
#define LEFTOVER "/srv/bproj/leftover.pid"

static const char *const names[] = { "kill",	 "prlimit", "setpriority",
				     "affinity", "cmdline", "tmp_socket" };
#define NATTACKS (sizeof(names) / sizeof(names[0]))

/* This program copied into the project (an exec tree of the policy), run for the attacks. */
#define AGENT PROJ "/boundary-agent"
static char self[256];

/* Attack @i on process @pid: 0 when it worked, else the errno. */
static int attack(size_t i, pid_t pid)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCK };
	char path[64], buf[64];
	cpu_set_t set;
	int fd, r = 0;

	errno = 0;
	switch (i) {
	case 0:
		return kill(pid, 0) < 0 ? errno : 0;
	case 1:
		return prlimit(pid, RLIMIT_CORE, &rl, NULL) < 0 ? errno : 0;
	case 2:
		return setpriority(PRIO_PROCESS, (id_t)pid, 5) < 0 ? errno : 0;
	case 3:
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		return sched_setaffinity(pid, sizeof(set), &set) < 0 ? errno : 0;
	case 4:
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		r = read(fd, buf, sizeof(buf)) < 0 ? errno : 0;
		close(fd);
		return r;
	default:
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
		close(fd);
		return r;
	}
}

/* `self attack PID`: every attack, one line "NAME ERRNO" each (0: it worked). */
static int attack_main(pid_t pid)
{
	printf("ran\n");
	for (size_t i = 0; i < NATTACKS; i++)
		printf("%s %d\n", names[i], attack(i, pid));
	return 0;
}

/* `self leave`: a setsid'ed, double-forked process that outlives its parent; its pid noted. */
static int leave_main(void)
{
	pid_t p = fork();

	if (p == 0) {
		setsid();
		if (fork() == 0) {
			/* Holds no pipe of the test's: it must never be what the test waits for. */
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);

			for (int fd = 0; null >= 0 && fd < 3; fd++)
				dup2(null, fd);
			/* Nor anything else inherited (a lock a test runner holds, say). */
			syscall(SYS_close_range, 3U, ~0U, 0U);
			test_put(LEFTOVER, "%d\n", (int)getpid());
			for (;;)
				pause();
		}
		_exit(0);
	}
	waitpid(p, NULL, 0);
	for (int i = 0; i < 100 && access(LEFTOVER, F_OK) < 0; i++)
		test_sleep_ms(10);
	return 0;
}

/* The result of attack @name in @out ("NAME ERRNO" lines), or -1 when absent. */
static int result(const char *out, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(out, key);
	return p ? atoi(p + strlen(key)) : -1;
}

static int run_cordon(char *const inner[], char *out, size_t len)
{
	char *argv[18] = { getenv("CORDON_BIN") ?: "/bin/cordon",
			   "run",
			   "--user",
			   "root",
			   "--policy",
			   "offline",
			   "--allow-degraded",
			   "--project",
			   PROJ,
			   "--" };
	struct test_cmd c = { .argv = argv };
	int status, n = 10;

	for (int i = 0; inner[i] && n < 17; i++)
		argv[n++] = inner[i];
	argv[n] = NULL;
	if (test_spawn(&c, out, len, &status) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A unix stream server in the host's /tmp: another program (a tmux server, a dev tool). */
static int tool_server(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCK };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	unlink(SOCK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0)
		return -1;
	return fd;
}

static void outside_processes(pid_t victim)
{
	char pidarg[16], out[8192], *inner[] = { self, "attack", pidarg, NULL };
	int rc;

	snprintf(pidarg, sizeof(pidarg), "%d", (int)victim);
	for (size_t i = 0; i < NATTACKS; i++)
		tap_check(attack(i, victim) == 0, "%s_outside_works", names[i]);
	rc = run_cordon(inner, out, sizeof(out));
	if (!tap_check(rc == 0 && strstr(out, "ran\n"), "inside_ran"))
		tap_diag("exit %d: %s", rc, out);
	for (size_t i = 0; i < 4; i++)
		tap_check(result(out, names[i]) == ESRCH, "%s_of_outside_process_inside_ESRCH",
			  names[i]);
	tap_check(result(out, "cmdline") == ENOENT, "cmdline_of_outside_process_inside_ENOENT");
	tap_check(result(out, "tmp_socket") == ENOENT, "host_tmp_socket_does_not_exist_inside");
	tap_check(kill(victim, 0) == 0, "victim_unharmed");
}

/* Processes whose command line is `self leave`: the leftovers alive now. */
static int leftovers(pid_t *one)
{
	char want[sizeof(self) + sizeof("leave")];
	size_t wl = strlen(self) + 1 + sizeof("leave"); /* both NUL-terminated */
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	memcpy(want, self, strlen(self) + 1);
	memcpy(want + strlen(self) + 1, "leave", sizeof("leave"));
	while (d && (e = readdir(d))) {
		char path[300], buf[sizeof(want)];
		ssize_t len;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		len = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		if (fd >= 0)
			close(fd);
		if (len == (ssize_t)wl && !memcmp(buf, want, wl)) {
			*one = (pid_t)atoi(e->d_name);
			n++;
		}
	}
	if (d)
		closedir(d);
	return n;
}

static void leftover(void)
{
	char out[8192], *inner[] = { self, "leave", NULL };
	pid_t left = 0;

	unlink(LEFTOVER);
	tap_check(test_run(inner) == 0, "leftover_outside_started");
	tap_check(leftovers(&left) == 1 && kill(left, 0) == 0, "leftover_outside_survives");
	if (left > 0)
		kill(left, SIGKILL);
	for (int i = 0; i < 100 && leftovers(&left); i++)
		test_sleep_ms(10);
	unlink(LEFTOVER);
	tap_check(run_cordon(inner, out, sizeof(out)) == 0 && access(LEFTOVER, F_OK) == 0,
		  "leftover_inside_started");
	for (int i = 0; i < 100 && leftovers(&left); i++)
		test_sleep_ms(10);
	tap_check(leftovers(&left) == 0, "leftover_killed_when_the_agent_exits");
	/* Whatever happened above: nothing of this test outlives it. */
	while (leftovers(&left) && kill(left, SIGKILL) == 0)
		test_sleep_ms(10);
}

int main(int argc, char **argv)
{
	pid_t victim;
	int srv;

	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return 1;
	self[n] = '\0';
	if (argc == 3 && !strcmp(argv[1], "attack"))
		return attack_main((pid_t)atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "leave"))
		return leave_main();
	mkdir("/srv", 0755);
	mkdir(PROJ, 0755);
	if (!tap_check(test_copy_file(self, AGENT) == 0 && chmod(AGENT, 0755) == 0,
		       "agent_program_in_project"))
		return tap_status();
	snprintf(self, sizeof(self), "%s", AGENT);
	srv = tool_server();
	tap_check(srv >= 0, "tool_server_in_host_tmp");
	victim = fork();
	if (victim == 0) {
		for (;;)
			pause();
	}
	outside_processes(victim);
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	leftover();
	if (srv >= 0)
		close(srv);
	unlink(SOCK);
	return tap_status();
}
