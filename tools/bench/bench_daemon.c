// SPDX-License-Identifier: GPL-2.0-only
/*
 * Daemon benchmarks (issue 7, part 7), all measured in one run against a daemon of our own:
 * session creation round trip against a `hello` round trip, `cordon run` with the daemon against
 * standalone and bare, daemon start cold (no pins) and warm (pins adopted), and its RSS.
 * Usage: bench_daemon CORDON [SESSIONS [RUNS]]. Figures are reported, never asserted.
 * BENCH_DAEMON_ONLY=create: one warm daemon and the creates only (a profile's or a before/after
 * comparison's loop). BENCH_DAEMON_LOG=FILE: the daemon's stderr there (with
 * CORDON_LAUNCH_TIMING=abs in the environment, its phase marks), else /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "rmtree.h"

#define NOBODY 65534

static char cordon[4096], dir[64], log_dir[64], sock_path[100], notify_path[100], pin_root[64],
	cg_root[4200], run_dir[128], config[128];
static pid_t daemon_pid = -1;

static double pct(double *t, int n, int p)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return t[(n - 1) * p / 100];
}

static void stop_daemon(void)
{
	if (daemon_pid <= 0)
		return;
	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = -1;
}

static void cleanup(void)
{
	char path[4300];
	int fd;

	stop_daemon();
	snprintf(path, sizeof(path), "%s/cgroup.kill", cg_root);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "1", 1);
		close(fd);
	}
	test_rm_cgroups(cg_root);
	test_rm_rf(pin_root);
	test_rm_rf(dir);
	test_rm_rf(log_dir);
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup();
	_exit(1);
}

static int cgroup2_mount(char *buf, size_t len)
{
	char dev[256], mnt[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");
	int r = -ENOENT;

	while (f && fscanf(f, "%255s %4095s %63s %*[^\n]", dev, mnt, type) == 3)
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", mnt);
			r = 0;
			break;
		}
	if (f)
		fclose(f);
	return r;
}

/* Start the daemon; microseconds from fork to READY=1, or -1. */
static double start_daemon(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double start;
	char buf[256];
	int nfd;

	unlink(notify_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", notify_path);
	nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nfd < 0 || bind(nfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	fflush(NULL);
	start = now_us();
	daemon_pid = fork();
	if (daemon_pid == 0) {
		const char *log = getenv("BENCH_DAEMON_LOG");
		int null = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		setenv("NOTIFY_SOCKET", notify_path, 1);
		execl(cordon, cordon, "daemon", "--config", config, "--socket", sock_path,
		      "--run-dir", run_dir, "--pin-root", pin_root, "--cgroup-root", cg_root,
		      (char *)NULL);
		_exit(127);
	}
	for (;;) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 30000) != 1)
			break;
		n = recv(nfd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, "READY=1")) {
				close(nfd);
				return now_us() - start;
			}
		}
	}
	close(nfd);
	stop_daemon();
	return -1;
}

/* The daemon stopped and started again, adopting the pins the first start left (warm). */
static double start_daemon_pins_warm(void)
{
	stop_daemon();
	return start_daemon();
}

static long status_kb(const char *key)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)daemon_pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return kb;
}

/* connect + one request + its reply: microseconds, or -1 when the reply is not ok:true. */
static double round_trip(const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[8192];
	double start = now_us();
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ssize_t n = -1;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req))
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!strstr(buf, "\"ok\":true")) {
		fprintf(stderr, "bench_daemon: %s\n", buf);
		return -1;
	}
	return now_us() - start;
}

static void become_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		_exit(126);
}

/*
 * @n sessions, each asked for by a fresh process of its own (the daemon moves the caller in, and
 * a process inside a session may not ask for another). The first @keep stay alive: RSS is read
 * with that many sessions running. Times in @t; returns how many succeeded.
 */
static int create_sessions(int n, int keep, double *t, long *rss, long *hwm)
{
	char req[512];
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	int ok = 0;

	snprintf(req, sizeof(req),
		 "{\"v\":1,\"op\":\"create\",\"policy\":\"offline\",\"project\":\"%s\"}", dir);
	for (int i = 0; i < n; i++) {
		int p[2];
		double us = -1;

		if (pipe(p) < 0)
			break;
		fflush(NULL);
		kids[i] = fork();
		if (kids[i] == 0) {
			close(p[0]);
			become_nobody();
			us = round_trip(req);
			(void)!write(p[1], &us, sizeof(us));
			close(p[1]);
			if (i < keep)
				pause();
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &us, sizeof(us)) == sizeof(us) && us >= 0)
			t[ok++] = us;
		close(p[0]);
		if (i >= keep)
			waitpid(kids[i], NULL, 0);
		if (i + 1 == keep) {
			usleep(100000);
			*rss = status_kb("VmRSS:");
			*hwm = status_kb("VmHWM:");
		}
	}
	for (int i = 0; i < n && i < keep; i++) {
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	}
	free(kids);
	return ok;
}

/* Median wall time of @n runs of @argv (as nobody when @user), in microseconds; -1 on failure. */
static double run_median(int n, bool user, bool with_daemon, char **argv)
{
	double *t = calloc((size_t)n, sizeof(*t)), m;

	for (int i = 0; i < n; i++) {
		double start = now_us();
		pid_t p;

		fflush(NULL);
		p = fork();
		if (p == 0) {
			bench_quiet();
			if (chdir(dir) < 0)
				_exit(125);
			if (with_daemon)
				setenv("CORDON_SOCKET", sock_path, 1);
			else
				unsetenv("CORDON_SOCKET");
			if (user)
				become_nobody();
			execv(argv[0], argv);
			_exit(127);
		}
		t[i] = bench_waited_us(p, start);
		if (t[i] < 0) {
			free(t);
			return -1;
		}
	}
	m = pct(t, n, 50);
	free(t);
	return m;
}

int main(int argc, char **argv)
{
	int nsess = argc > 2 ? atoi(argv[2]) : 200, runs = argc > 3 ? atoi(argv[3]) : 50;
	double *hello = calloc((size_t)nsess, sizeof(double)), *create = calloc((size_t)nsess, 8);
	double cold[5], warm[5], bare, via, alone;
	long rss0, hwm0, rss1 = -1, hwm1 = -1;
	char mnt[4096];
	int ok, nh = 0;

	if (argc < 2 || !realpath(argv[1], cordon) || geteuid() != 0) {
		fprintf(stderr, "usage: bench_daemon CORDON [SESSIONS [RUNS]] (as root)\n");
		return 2;
	}
	if (cgroup2_mount(mnt, sizeof(mnt)) < 0) {
		fprintf(stderr, "bench_daemon: no cgroup v2 mount\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/cordon-bd-%d", (int)getpid());
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	snprintf(notify_path, sizeof(notify_path), "%s/notify", dir);
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	snprintf(config, sizeof(config), "%s/cordon.yaml", dir);
	snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/cordon-b-%d", (int)getpid());
	snprintf(cg_root, sizeof(cg_root), "%s/cordon-b-%d", mnt, (int)getpid());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (mkdir(dir, 0777) < 0 || chmod(dir, 0777) < 0) {
		perror(dir);
		return 1;
	}
	/* The daemon's log in a directory only root can write (it refuses any other). */
	snprintf(log_dir, sizeof(log_dir), "/var/log/cordon-bd-%d", (int)getpid());
	if (mkdir(log_dir, 0755) < 0) {
		perror(log_dir);
		return 1;
	}
	{
		FILE *f = fopen(config, "we");

		if (!f)
			return 1;
		fprintf(f, "audit:\n  file: %s/audit.jsonl\n", log_dir);
		fclose(f);
	}

	if (getenv("BENCH_DAEMON_ONLY") && !strcmp(getenv("BENCH_DAEMON_ONLY"), "create")) {
		int kept = nsess < 100 ? nsess : 100;

		if (start_daemon() < 0 || start_daemon_pins_warm() < 0) {
			fprintf(stderr, "bench_daemon: the daemon did not start\n");
			cleanup();
			return 1;
		}
		ok = create_sessions(nsess, kept, create, &rss1, &hwm1);
		cleanup();
		if (!ok) {
			printf("  creates failed\n");
			return 1;
		}
		printf("  create, policy offline (as nobody), %d of %d (%d kept)  median %7.0f us  "
		       "p95 %7.0f us\n",
		       ok, nsess, kept, pct(create, ok, 50), pct(create, ok, 95));
		return 0;
	}

	/* (b) start: cold (pins removed before each start), then warm (pins adopted). */
	for (int i = 0; i < 5; i++) {
		test_rm_rf(pin_root);
		cold[i] = start_daemon();
		stop_daemon();
	}
	for (int i = 0; i < 5; i++) {
		warm[i] = start_daemon();
		if (i < 4)
			stop_daemon();
	}
	if (daemon_pid < 0 || cold[0] < 0 || warm[4] < 0) {
		fprintf(stderr, "bench_daemon: the daemon did not start\n");
		cleanup();
		return 1;
	}
	usleep(100000);
	rss0 = status_kb("VmRSS:");
	hwm0 = status_kb("VmHWM:");

	/* (a) hello and create round trips, in this one run; RSS with 100 sessions alive. */
	for (int i = 0; i < nsess; i++) {
		double us = round_trip("{\"v\":1,\"op\":\"hello\"}");

		if (us >= 0)
			hello[nh++] = us;
	}
	ok = create_sessions(nsess, nsess < 100 ? nsess : 100, create, &rss1, &hwm1);

	{
		char *bare_argv[] = { "/bin/true", NULL };
		char *run_argv[] = { cordon,	"run", "--allow-degraded", "--policy",
				     "offline", "--",  "/bin/true",	   NULL };
		/* Root names the agent's user (root's `cordon run` refuses without one). */
		char *root_argv[] = {
			cordon,	    "run",     "--user", "root",      "--allow-degraded",
			"--policy", "offline", "--",	 "/bin/true", NULL
		};

		bare = run_median(runs, true, false, bare_argv);
		via = run_median(runs, true, true, run_argv);
		alone = run_median(runs / 5 > 5 ? runs / 5 : 5, false, false, root_argv);
	}
	cleanup();

	printf("== daemon: %d sessions, one machine, one run (%ld CPUs)\n", nsess,
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (!nh || !ok) {
		printf("  round trips failed (hello %d/%d, create %d/%d)\n", nh, nsess, ok, nsess);
		return 1;
	}
	{
		double hm = pct(hello, nh, 50), h95 = pct(hello, nh, 95);
		double cm = pct(create, ok, 50), c95 = pct(create, ok, 95);

		printf("  %-44s %10s %10s %8s\n", "round trip (connect, request, reply)", "median",
		       "p95", "ratio");
		printf("  %-44s %7.0f us %7.0f us %7.1fx\n", "hello", hm, h95, 1.0);
		printf("  %-44s %7.0f us %7.0f us %7.1fx   (target < 1000 us)\n",
		       "create, policy offline (as nobody)", cm, c95, cm / hm);
		if (ok != nsess)
			printf("  (%d of %d creates failed)\n", nsess - ok, nsess);
	}
	printf("  %-44s %10s %8s\n", "launch of /bin/true (median)", "median", "ratio");
	printf("  %-44s %7.0f us %7.1fx\n", "bare, as nobody", bare, 1.0);
	if (via > 0)
		printf("  %-44s %7.0f us %7.1fx   (+%.0f us)\n",
		       "cordon run --policy offline, nobody+daemon", via, via / bare, via - bare);
	else
		printf("  %-44s %10s\n", "cordon run --policy offline, nobody+daemon", "failed");
	if (alone > 0)
		printf("  %-44s %7.0f us %7.1fx   (+%.0f us)\n",
		       "cordon run --policy offline, root, no daemon", alone, alone / bare,
		       alone - bare);
	else
		printf("  %-44s %10s\n", "cordon run --policy offline, root, no daemon", "failed");
	printf("  %-44s %7.1f ms %7.1f ms   (target < 200 ms)\n",
	       "daemon start to READY=1: cold / warm (med 5)", pct(cold, 5, 50) / 1000,
	       pct(warm, 5, 50) / 1000);
	printf("  %-44s %7ld kB %7ld kB\n", "daemon VmRSS / VmHWM after start", rss0, hwm0);
	printf("  %-44s %7ld kB %7ld kB\n", "daemon VmRSS / VmHWM with 100 sessions", rss1, hwm1);
	free(hello);
	free(create);
	return 0;
}
