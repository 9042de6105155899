// SPDX-License-Identifier: GPL-2.0-only
/*
 * A session task moved out of its session cgroup on a kernel with BPF LSM (6.1, 6.12: no
 * in-kernel kill, the supervisor kills through a pidfd): a UDP sender moved out mid-loop gets at
 * most a datagram in flight through the window (the LSM socket hooks judge it by its tag) and dies, and so
 * does the agent's main process, each with a cgroup-escape record. Outside cordon the same move
 * leaves the process alive and its datagrams arrive.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "testutil.h"

#define AUDIT "/tmp/cgroup-move.jsonl"
#define PROJ  "/tmp/cgproj"

/*
 * The cgroup v2 mount: the VM's; $CGROUP2 for a run elsewhere (a hybrid host's unified one),
 * with $CORDON the binary.
 */
static const char *cg2(void)
{
	return getenv("CGROUP2") ?: "/sys/fs/cgroup";
}

/* The sender: UDP datagrams to 127.0.0.1:@port as fast as it can, errors ignored. */
static int sender(const char *port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (fd >= 0)
		sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	return 1;
}

/* Datagrams waiting on @fd, drained. */
static int drain(int fd)
{
	char b[16];
	int n = 0;

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

static int move_to(const char *cgroup, pid_t pid)
{
	char path[256], buf[32];
	int fd, n, r;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	r = write(fd, buf, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

/* Gone or a zombie (its parent, `sleep`, reaps nothing) within @ms. */
static bool dies(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		char path[64], st[256] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "re");
		if (!f || !fgets(st, sizeof(st), f) || strstr(st, ") Z ")) {
			if (f)
				fclose(f);
			return true;
		}
		fclose(f);
		test_sleep_ms(10);
	}
	return false;
}

/* The pid in @cgroup whose command line starts with @prefix, or 0. */
static pid_t find_in(const char *cgroup, const char *prefix)
{
	char path[256], line[32];
	pid_t found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char cmd[256] = "", cp[64];
		int fd;
		ssize_t n;

		snprintf(cp, sizeof(cp), "/proc/%d/cmdline", atoi(line));
		fd = open(cp, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, cmd, sizeof(cmd) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0 && !strncmp(cmd, prefix, strlen(prefix)))
			found = atoi(line);
	}
	if (f)
		fclose(f);
	return found;
}

/* The session cgroup under cordon's root that holds a process starting with @prefix: 0 or -1. */
static int session_cgroup(const char *prefix, char *buf, size_t len)
{
	char root[128];
	DIR *d;
	struct dirent *e;
	int r = -1;

	snprintf(root, sizeof(root), "%s/cordon", cg2());
	d = opendir(root);
	while (d && r < 0 && (e = readdir(d)))
		if (e->d_type == DT_DIR && strlen(e->d_name) == 32) {
			snprintf(buf, len, "%s/%s", root, e->d_name);
			if (find_in(buf, prefix))
				r = 0;
		}
	if (d)
		closedir(d);
	return r;
}

/* A cgroup-escape record for @pid, killed, with the destination "/grab". */
static bool escape_recorded(pid_t pid)
{
	json_t *all = test_read_jsonl(AUDIT), *o;
	bool found = false;
	size_t i;

	json_array_foreach (all, i, o) {
		json_t *c = json_object_get(o, "cordon");
		const char *action =
			json_string_value(json_object_get(json_object_get(o, "event"), "action"));

		if (action && !strcmp(action, "cgroup-escape") &&
		    json_integer_value(json_object_get(json_object_get(o, "process"), "pid")) ==
			    pid &&
		    json_is_true(json_object_get(c, "killed")) &&
		    !strcmp(json_string_value(json_object_get(c, "cgroup_path")) ?: "", "/grab"))
			found = true;
	}
	json_decref(all);
	return found;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char port[16], cgroup[256] = "", self[256] = "", grab[128];
	pid_t out, run, snd = 0, main_pid = 0;
	int lfd, leaked = -1, i;

	if (argc == 3 && !strcmp(argv[1], "send"))
		return sender(argv[2]);
	/* The agent: the sender in the background, then idle (no shell: none in the VM's view). */
	if (argc == 3 && !strcmp(argv[1], "agent")) {
		if (fork() == 0) {
			execl(PROJ "/cgmove-sender", PROJ "/cgmove-sender", "send", argv[2],
			      (char *)NULL);
			_exit(127);
		}
		for (;;)
			pause();
	}
	mkdir(PROJ, 0755);
	/* The sender runs from the project: the policy's exec trees hold it, not /tests. */
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0 ||
	    test_copy_file(self, PROJ "/cgmove-sender") < 0 || chmod(PROJ "/cgmove-sender", 0755) ||
	    test_copy_file(self, PROJ "/cgmove-agent") < 0 || chmod(PROJ "/cgmove-agent", 0755))
		return tap_check(false, "sender_copied"), tap_status();
	snprintf(self, sizeof(self), "%s", PROJ "/cgmove-sender");
	snprintf(grab, sizeof(grab), "%s/grab", cg2());
	mkdir(grab, 0755);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		return tap_check(false, "udp_listener"), tap_status();
	snprintf(port, sizeof(port), "%u", ntohs(a.sin_port));

	/* Outside cordon: moved, the sender lives and its datagrams arrive. */
	out = fork();
	if (out == 0)
		return sender(port);
	tap_check(move_to(grab, out) == 0, "outside_move_works");
	test_sleep_ms(300);
	tap_check(!dies(out, 10) && drain(lfd) > 0, "outside_sender_lives_and_reaches_listener");
	kill(out, SIGKILL);
	waitpid(out, NULL, 0);
	drain(lfd);

	/* Inside: the agent (idle) with a sender in the background. */
	run = fork();
	if (run == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execl(getenv("CORDON") ?: "/bin/cordon", "cordon", "run", "--user", "root",
		      "--policy", "offline", "--allow-degraded", "--project", PROJ, "--audit-log",
		      AUDIT, "--", PROJ "/cgmove-agent", "agent", port, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300 && !(snd && main_pid); i++) {
		test_sleep_ms(100);
		if (!cgroup[0] && session_cgroup(self, cgroup, sizeof(cgroup)) < 0) {
			cgroup[0] = '\0';
			continue;
		}
		snd = snd ?: find_in(cgroup, self);
		main_pid = main_pid ?: find_in(cgroup, PROJ "/cgmove-agent");
	}
	if (!tap_check(snd && main_pid, "session_started")) {
		kill(run, SIGKILL);
		waitpid(run, NULL, 0);
		return tap_status();
	}
	test_sleep_ms(300);
	tap_check(drain(lfd) == 0, "inside_datagrams_refused");

	tap_check(move_to(grab, snd) == 0, "sender_moved_out");
	tap_check(dies(snd, 3000), "sender_moved_out_killed");
	test_sleep_ms(200);
	leaked = drain(lfd);
	/*
	 * A datagram in flight at the move can pass: the LSM hook ran while the sender was still
	 * in its cgroup (and left it to the cgroup program), the cgroup program after the move.
	 * What the window must not let through is a stream of them.
	 */
	tap_diag("%d datagram(s) reached the listener after the move", leaked);
	if (!tap_check(leaked <= 1, "at_most_an_in_flight_datagram_in_the_window"))
		tap_diag("%d datagram(s) reached the listener after the move", leaked);

	tap_check(move_to(grab, main_pid) == 0, "main_moved_out");
	tap_check(dies(main_pid, 3000), "main_moved_out_killed");
	tap_check(test_wait_exit(run) >= 0, "session_ended");
	tap_check(escape_recorded(snd), "sender_escape_recorded");
	tap_check(escape_recorded(main_pid), "main_escape_recorded");
	close(lfd);
	return tap_status();
}
