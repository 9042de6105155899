// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's terminal on the VM kernels (6.1, 6.12), as tests/host/test_terminal.sh checks it
 * through tmux on the host: this program is the terminal. It opens a pty, starts an interactive
 * busybox shell on it (outside cordon first, then under `cordon run`), types keystrokes into the
 * master and reads the screen back: the agent's pty is not the driver's, the shell has job
 * control, Ctrl-C reaches a grandchild, Ctrl-Z stops the job and never cordon, a resize reaches
 * a grandchild, TIOCSTI is refused inside (with its record) and works outside.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "rmtree.h"
#include "tap.h"
#include "testutil.h"

#define PROJ   "/srv/termproj"
#define LOGDIR "/srv/termlog"
#define AUDIT  "/srv/termlog/audit.jsonl" /* whole literals in argv[] (clang-tidy) */
/* This program copied into the project (an exec tree of the policy): the probes inside. */
#define HELPER "/srv/termproj/term-helper"
/*
 * The shell: busybox's ash (job control, and stty, sleep and sh as applets it runs itself),
 * copied into the project. Not /bin/busybox itself: in the VM /usr/bin/su is a link to it, so
 * the base policy's process.exec_deny (by inode) refuses every applet of that file.
 */
#define SHELL "/srv/termproj/busybox"

/* The terminal: the master side of a pty and what was read from it. */
struct term {
	int master;
	pid_t pid;	    /* the shell (outside) or cordon (inside) */
	const char *prefix; /* of the check names: "outside" or "inside" */
	char buf[1 << 16];
	size_t len, pos; /* pos: where the next expect() starts looking */
	char pts[64];	 /* the slave's name, and its device: the driver's terminal */
	dev_t dev, rdev;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what the master has within @ms: bytes read, 0 on timeout, -1 once the slave is gone. */
static int pump(struct term *t, int ms)
{
	struct pollfd p = { .fd = t->master, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	if (t->len + 4096 >= sizeof(t->buf)) {
		/* Keep the newer half: everything expected lies after pos, mostly near the end. */
		size_t drop = t->len / 2;

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
		t->pos = t->pos > drop ? t->pos - drop : 0;
	}
	n = read(t->master, t->buf + t->len, sizeof(t->buf) - 1 - t->len);
	if (n <= 0)
		return -1;
	t->len += (size_t)n;
	t->buf[t->len] = '\0';
	return (int)n;
}

/* Wait up to @ms for @needle after pos; pos moves past it. Its offset, or -1. */
static long expect(struct term *t, const char *needle, int ms)
{
	long end = now_ms() + ms;

	for (;;) {
		const char *m = memmem(t->buf + t->pos, t->len - t->pos, needle, strlen(needle));

		if (m) {
			t->pos = (size_t)(m - t->buf) + strlen(needle);
			return m - t->buf;
		}
		if (now_ms() >= end || pump(t, (int)(end - now_ms())) < 0)
			return -1;
	}
}

/* The rest of the line after @needle (a line the shell printed), into @out: 0 or -1. */
static int line_after(struct term *t, const char *needle, char *out, size_t len, int ms)
{
	long end = now_ms() + ms;
	const char *eol;

	if (expect(t, needle, ms) < 0)
		return -1;
	while (!(eol = memchr(t->buf + t->pos, '\r', t->len - t->pos)))
		if (now_ms() >= end || pump(t, (int)(end - now_ms())) < 0)
			return -1;
	snprintf(out, len, "%.*s", (int)(eol - (t->buf + t->pos)), t->buf + t->pos);
	t->pos = (size_t)(eol - t->buf);
	return 0;
}

/* Keystrokes: never blocks for long (a terminal nobody reads must fail the check, not hang). */
static void type(struct term *t, const char *s)
{
	struct pollfd p = { .fd = t->master, .events = POLLOUT };
	size_t n = strlen(s);

	while (n && poll(&p, 1, 2000) == 1 && !(p.revents & (POLLERR | POLLHUP))) {
		ssize_t w = write(t->master, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The last lines of the screen, as diagnostics. */
static void show(struct term *t)
{
	size_t from = t->len > 600 ? t->len - 600 : 0;
	char *line = t->buf + from, *next;

	for (; line && *line; line = next) {
		next = strpbrk(line, "\r\n");
		if (next)
			*next++ = '\0';
		if (*line)
			tap_diag("screen: %s", line);
	}
	t->pos = t->len;
}

/* --- processes, seen from outside every session ------------------------------------------- */

/* The pid whose command line is exactly "@a0 @a1", or 0. */
static pid_t find_proc(const char *a0, const char *a1)
{
	char want[128];
	size_t wl = (size_t)snprintf(want, sizeof(want), "%s%c%s", a0, '\0', a1) + 1;
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[300], buf[sizeof(want)];
		ssize_t n;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
		if (fd >= 0)
			close(fd);
		if (n == (ssize_t)wl && !memcmp(buf, want, wl))
			found = (pid_t)strtol(e->d_name, NULL, 10);
	}
	if (d)
		closedir(d);
	return found;
}

/* The state letter of @pid ('R', 'S', 'T', ...), its parent into @ppid; 0 when it is gone. */
static char proc_state(pid_t pid, pid_t *ppid)
{
	char path[64], st[512] = "", *p;
	FILE *f;
	pid_t pp = 0;
	char c = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	/* "PID (COMM) S PPID ...": the name may hold anything, the last ')' ends it. */
	if (f && fgets(st, sizeof(st), f) && (p = strrchr(st, ')')) && p[1] == ' ' && p[2] &&
	    p[3] == ' ') {
		c = p[2];
		pp = (pid_t)strtol(p + 4, NULL, 10);
	}
	if (f)
		fclose(f);
	if (ppid)
		*ppid = pp;
	/* A zombie has done all it will do: gone, for these checks. */
	return c == 'Z' ? 0 : c;
}

static pid_t wait_proc(const char *a0, const char *a1, int ms)
{
	pid_t p = 0;

	for (long end = now_ms() + ms; !(p = find_proc(a0, a1)) && now_ms() < end;)
		test_sleep_ms(20);
	return p;
}

/* Wait up to @ms for @pid to be stopped (@stopped) or running or gone (!@stopped). */
static bool wait_stopped(pid_t pid, bool stopped, int ms)
{
	for (long end = now_ms() + ms;; test_sleep_ms(20)) {
		char c = proc_state(pid, NULL);

		if ((c == 'T') == stopped)
			return true;
		if (now_ms() >= end)
			return false;
	}
}

static bool wait_gone(pid_t pid, int ms)
{
	for (long end = now_ms() + ms; proc_state(pid, NULL); test_sleep_ms(20))
		if (now_ms() >= end)
			return false;
	return true;
}

/* Does @pid's command line start with "@a0 @a1"? */
static bool cmdline_starts(pid_t pid, const char *a0, const char *a1)
{
	char path[64], buf[64] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	return n > 0 && !strcmp(buf, a0) && (size_t)n > strlen(a0) + 1 &&
	       !strcmp(buf + strlen(a0) + 1, a1);
}

/* --- the probes, run on the terminal under test ------------------------------------------- */

/* "same" when @fd is the terminal @dev/@rdev, "other" when it is not, "E<errno>" when @fd < 0. */
static const char *which(int fd, dev_t dev, dev_t rdev, char *buf, size_t len)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		snprintf(buf, len, "E%d", errno);
	else
		snprintf(buf, len, "%s", st.st_dev == dev && st.st_rdev == rdev ? "same" : "other");
	if (fd > 2)
		close(fd);
	return buf;
}

/*
 * `term-helper pty PATH DEV RDEV`: is our stdin the driver's terminal (PATH, device DEV:RDEV),
 * and can PATH be opened? The names alone prove nothing: the session's own
 * devpts numbers its ptys from 0 too, so device identity is what is compared.
 */
static int probe_pty(char **argv)
{
	dev_t dev = (dev_t)strtoull(argv[3], NULL, 10), rdev = (dev_t)strtoull(argv[4], NULL, 10);
	char a[16], b[16], name[64] = "none";

	if (ttyname_r(0, name, sizeof(name)))
		snprintf(name, sizeof(name), "none");
	printf("R-pty=self:%s open:%s name:%s\n", which(0, dev, rdev, a, sizeof(a)),
	       which(open(argv[2], O_RDWR | O_NOCTTY | O_CLOEXEC), dev, rdev, b, sizeof(b)), name);
	return 0;
}

/* `term-helper sti`: TIOCSTI of a space into our terminal, by fd 0 and by /dev/tty: errnos. */
static int probe_sti(void)
{
	char sp = ' ';
	int r0 = ioctl(0, TIOCSTI, &sp) < 0 ? errno : 0, r1, fd;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	r1 = fd < 0 ? -errno : ioctl(fd, TIOCSTI, &sp) < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	/* On a line of its own: outside, the injected spaces are echoed before it. */
	printf("\nR-sti=fd0:%d devtty:%d\n", r0, r1);
	return 0;
}

/* --- the driver ----------------------------------------------------------------------------- */

/* Who types at the terminal: root, or an ordinary user whose `cordon run` asks the daemon. */
struct who {
	uid_t uid;
	gid_t gid;
	char *envp[6];
};

/*
 * A new pty (40x120), @argv started on its slave as the session leader it controls, as @w:
 * 0 or -1.
 */
static int term_start(struct term *t, char *const argv[], const struct who *w)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	struct stat st;

	t->len = t->pos = 0;
	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->master < 0 || grantpt(t->master) < 0 || unlockpt(t->master) < 0 ||
	    ptsname_r(t->master, t->pts, sizeof(t->pts)) != 0 ||
	    ioctl(t->master, TIOCSWINSZ, &ws) < 0 || stat(t->pts, &st) < 0)
		return -1;
	t->dev = st.st_dev;
	t->rdev = st.st_rdev;
	fflush(NULL);
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		int s;

		/* A terminal emulator's child: its own session, the slave its controlling tty. */
		if (setsid() < 0 || (s = open(t->pts, O_RDWR)) < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(126);
		if (w->uid && (setgroups(0, NULL) < 0 || setresgid(w->gid, w->gid, w->gid) < 0 ||
			       setresuid(w->uid, w->uid, w->uid) < 0))
			_exit(126);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		execve(argv[0], argv, w->envp);
		_exit(127);
	}
	return 0;
}

/* The exit status of the terminal's process within @ms (reading its screen), or -1. */
static int term_wait(struct term *t, int ms)
{
	long end = now_ms() + ms;
	int status;

	while (waitpid(t->pid, &status, WNOHANG) == 0) {
		if (now_ms() >= end) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, &status, 0);
			return -1;
		}
		if (pump(t, 50) < 0)
			test_sleep_ms(20);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The shell answers: typed again every 3 s, since what is typed before cordon takes the
 * terminal over may be flushed. Up to @ms (a session's BPF programs load slowly under TCG). */
static bool shell_ready(struct term *t, int ms)
{
	for (long end = now_ms() + ms; now_ms() < end;) {
		type(t, "echo R-ready=$((6*7))\r");
		if (expect(t, "\nR-ready=42", 3000) >= 0)
			return true;
	}
	return false;
}

static bool check(struct term *t, bool ok, const char *name)
{
	if (!tap_check(ok, "%s_%s", t->prefix, name))
		show(t);
	return ok;
}

static void pty_identity(struct term *t, bool inside)
{
	char cmd[256], out[256] = "";

	snprintf(cmd, sizeof(cmd), HELPER " pty %s %llu %llu\r", t->pts, (unsigned long long)t->dev,
		 (unsigned long long)t->rdev);
	type(t, cmd);
	if (!check(t, line_after(t, "\nR-pty=", out, sizeof(out), 10000) == 0, "pty_probe_ran"))
		return;
	tap_diag("%s: %s (the driver's terminal: %s)", t->prefix, out, t->pts);
	if (!inside) {
		check(t, strstr(out, "self:same open:same "), "stdin_is_the_drivers_pty");
		return;
	}
	check(t, strstr(out, "self:other "), "stdin_is_a_pty_of_its_own");
	check(t, !strstr(out, "open:same"), "drivers_pty_cannot_be_opened");
	type(t, "echo \"R-pts=$(ls /dev/pts | tr '\\n' ' ')\"\r");
	check(t, line_after(t, "\nR-pts=", out, sizeof(out), 10000) == 0 && !strcmp(out, "0 ptmx "),
	      "sees_no_other_terminal");
}

static void job_control(struct term *t, const char *tag)
{
	char cmd[128], out[64] = "";
	long start = (long)t->len;
	pid_t p;

	snprintf(cmd, sizeof(cmd), "sleep 30.%s &\r", tag);
	type(t, cmd);
	type(t, "jobs; echo \"R-jobs=$-\"\r");
	check(t, line_after(t, "\nR-jobs=", out, sizeof(out), 10000) == 0 && strchr(out, 'm'),
	      "shell_has_job_control");
	check(t, memmem(t->buf + start, t->len - (size_t)start, "Running", 7),
	      "jobs_lists_the_job");
	snprintf(cmd, sizeof(cmd), "30.%s", tag);
	/* `jobs` says Running from the fork on: the exec may still be to come. */
	p = wait_proc("sleep", cmd, 10000);
	type(t, "kill %1\r");
	check(t, p && wait_gone(p, 5000), "kill_percent_1_ends_the_job");
}

/* Ctrl-C while `sleep` runs inside `sh -c`: the whole foreground job gets it, the shell lives. */
static void ctrl_c(struct term *t, const char *tag)
{
	char cmd[128], arg[32], out[16] = "";
	long start = (long)t->len;
	pid_t p, pp = 0;

	snprintf(arg, sizeof(arg), "100.%s1", tag);
	/* The marker is assembled at run time: the typed line never shows it. */
	snprintf(cmd, sizeof(cmd), "sh -c 'sleep %s; echo NOT-\"INTERRUPTED\"'\r", arg);
	type(t, cmd);
	p = wait_proc("sleep", arg, 10000);
	if (!check(t, p, "sleep_in_sh_c_started"))
		return;
	proc_state(p, &pp);
	check(t, pp && cmdline_starts(pp, "sh", "-c"), "sleep_is_a_grandchild");
	type(t, "\x03");
	check(t, wait_gone(p, 5000), "ctrl_c_stops_sleep_inside_sh_c");
	type(t, "echo \"R-c=$((2+3))\"\r");
	check(t, line_after(t, "\nR-c=", out, sizeof(out), 10000) == 0 && !strcmp(out, "5"),
	      "shell_survives_ctrl_c");
	check(t,
	      (size_t)start <= t->len &&
		      !memmem(t->buf + start, t->len - (size_t)start, "\nNOT-INTERRUPTED", 16),
	      "sh_c_did_not_go_on");
}

/* Ctrl-Z stops the foreground job and never cordon (@leader), `fg` resumes it. */
static void ctrl_z(struct term *t, const char *tag)
{
	char cmd[128], arg[32], out[16] = "";
	pid_t p;

	snprintf(arg, sizeof(arg), "100.%s2", tag);
	snprintf(cmd, sizeof(cmd), "sleep %s\r", arg);
	type(t, cmd);
	p = wait_proc("sleep", arg, 10000);
	if (!check(t, p, "foreground_sleep_started"))
		return;
	type(t, "\x1a");
	check(t, wait_stopped(p, true, 5000), "ctrl_z_stops_the_job");
	check(t, expect(t, "Stopped", 5000) >= 0, "shell_reports_it_stopped");
	type(t, "echo \"R-z=$((3+4))\"\r");
	check(t, line_after(t, "\nR-z=", out, sizeof(out), 10000) == 0 && !strcmp(out, "7"),
	      "shell_answers_while_the_job_is_stopped");
	check(t, proc_state(t->pid, NULL) != 'T', "terminal_leader_not_stopped");
	type(t, "fg\r");
	check(t, wait_stopped(p, false, 5000) && proc_state(p, NULL), "fg_resumes_the_job");
	type(t, "\x03");
	check(t, wait_gone(p, 5000), "ctrl_c_ends_the_resumed_job");
	type(t, "echo \"R-fg=$((4+4))\"\r");
	check(t, line_after(t, "\nR-fg=", out, sizeof(out), 10000) == 0 && !strcmp(out, "8"),
	      "shell_back_after_fg");
}

/*
 * A resize as a terminal makes it: TIOCSWINSZ on the master (the kernel signals the foreground
 * group), and SIGWINCH to the process it started. `stty size` in a grandchild must see it; it
 * is asked again until it does (the relay copies the size when it handles the signal).
 */
static void resize(struct term *t)
{
	struct winsize ws = { .ws_row = 27, .ws_col = 91 };
	bool seen = false;

	ioctl(t->master, TIOCSWINSZ, &ws);
	kill(t->pid, SIGWINCH);
	for (int i = 0; i < 15 && !seen; i++) {
		type(t, "sh -c 'echo \"R-size=$(sh -c \"stty size\")\"'\r");
		seen = expect(t, "\nR-size=27 91\r", 1000) >= 0;
	}
	check(t, seen, "resize_reaches_a_grandchild");
}

static void sti(struct term *t, bool inside)
{
	char out[64] = "";

	type(t, HELPER " sti\r");
	if (!check(t, line_after(t, "\nR-sti=", out, sizeof(out), 10000) == 0, "sti_probe_ran"))
		return;
	tap_diag("%s: TIOCSTI %s", t->prefix, out);
	if (!inside) {
		check(t, !strcmp(out, "fd0:0 devtty:0"), "tiocsti_works");
		return;
	}
	/* seccomp's EPERM in cordon run; EIO where the kernel refuses it first (legacy_tiocsti). */
	check(t, !strcmp(out, "fd0:1 devtty:1") || !strcmp(out, "fd0:5 devtty:5"),
	      "tiocsti_refused");
}

/* The refusal's record in @log: seccomp's, at the exit of ioctl, the request its argument. */
static void sti_record(const char *prefix, const char *log)
{
	json_t *all = test_read_jsonl(log), *o;
	bool found = false;
	size_t i;

	json_array_foreach (all, i, o) {
		json_t *c = json_object_get(o, "cordon");
		const char *action =
			json_string_value(json_object_get(json_object_get(o, "event"), "action"));

		if (action && !strcmp(action, "syscall-ioctl") &&
		    json_integer_value(json_object_get(c, "arg")) == TIOCSTI && !found) {
			found = true;
			tap_diag("%s: record: layer %s, rule_text \"%s\"", prefix,
				 json_string_value(json_object_get(c, "layer")) ?: "?",
				 json_string_value(json_object_get(c, "rule_text")) ?: "?");
		}
	}
	json_decref(all);
	tap_check(found, "%s_tiocsti_refusal_recorded", prefix);
}

/* One terminal session: the shell alone (outside) or under cordon (inside, daemon). */
static void round_(const char *prefix, char *const argv[], const struct who *w, bool inside)
{
	static struct term t;
	long start = now_ms();
	char tag[16];

	t.prefix = prefix;
	snprintf(tag, sizeof(tag), "%d%d", (int)getpid() % 10000, prefix[0]);
	if (!tap_check(term_start(&t, argv, w) == 0, "%s_pty_opened", prefix))
		return;
	if (!check(&t, shell_ready(&t, 90000), "shell_ready")) {
		term_wait(&t, 0);
		return;
	}
	tap_diag("%s: the shell answered after %.1f s", prefix, (double)(now_ms() - start) / 1000);
	pty_identity(&t, inside);
	job_control(&t, tag);
	ctrl_c(&t, tag);
	ctrl_z(&t, tag);
	resize(&t);
	sti(&t, inside);
	type(&t, "exit 7\r");
	check(&t, term_wait(&t, 20000) == 7, "exit_status_comes_back");
	close(t.master);
	tap_diag("%s: %.1f s in all", prefix, (double)(now_ms() - start) / 1000);
}

/* --- the daemon: an ordinary user's `cordon run` gets its session (and pty) from it ---------- */

#define DMN	 "/srv/termd"
#define DMN_SOCK DMN "/run/sock"
#define DMN_LOG	 DMN "/audit.jsonl"
/* No dot in the name: bpffs refuses one in a pin path. */
#define DMN_PINS "/sys/fs/bpf/cordon-termvm"

static char dmn_cgroup[256];

/* The cgroup2 mount: the VM's /sys/fs/cgroup, a hybrid host's unified one. */
static int cgroup2_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char dev[64], dir[200], type[32];
	int r = -1;

	while (f && r < 0 && fscanf(f, "%63s %199s %31s %*[^\n]", dev, dir, type) == 3)
		if (!strcmp(type, "cgroup2"))
			r = snprintf(buf, len, "%s", dir) < (int)len ? 0 : -1;
	if (f)
		fclose(f);
	return r;
}

/*
 * A daemon of the test's own (socket, log, no floor): its pid, ready, or -1. In the VM on the
 * default pins and cgroup root, which the root sessions before it pinned: it adopts them (a
 * fresh load takes ~40 s under TCG). Elsewhere (@private) on pins and a cgroup of its own, out
 * of the way of the machine's daemon.
 */
static pid_t start_daemon(const char *cordon, bool private)
{
	char cg2[200], *argv[] = { (char *)cordon,     "daemon",   "--config",
				   DMN "/cordon.yaml", "--socket", DMN_SOCK,
				   "--run-dir",	       DMN "/run", "--policy-dir",
				   DMN "/policies",    "--floor",  DMN "/no-floor.yaml",
				   "--pin-root",       DMN_PINS,   "--cgroup-root",
				   dmn_cgroup,	       NULL };
	struct stat st;
	pid_t p;

	if (private) {
		if (cgroup2_mount(cg2, sizeof(cg2)) < 0)
			return -1;
		snprintf(dmn_cgroup, sizeof(dmn_cgroup), "%s/cordon-termvm", cg2);
		test_rm_cgroups(dmn_cgroup);
		test_rm_rf(DMN_PINS);
	} else {
		argv[12] = NULL;
	}
	test_rm_rf(DMN);
	mkdir(DMN, 0755);
	mkdir(DMN "/run", 0755);
	mkdir(DMN "/policies", 0755);
	test_put(DMN "/cordon.yaml", "audit:\n  file: %s\n", DMN_LOG);
	fflush(NULL);
	p = fork();
	if (p == 0) {
		int fd = open(DMN "/daemon.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(cordon, argv);
		_exit(127);
	}
	/* The socket is made once the programs are attached: slow under TCG. */
	for (long end = now_ms() + 90000; now_ms() < end; test_sleep_ms(50))
		if (stat(DMN_SOCK, &st) == 0 && S_ISSOCK(st.st_mode))
			return p;
		else if (waitpid(p, NULL, WNOHANG) == p)
			break;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	return -1;
}

static void stop_daemon(pid_t p, bool private)
{
	kill(p, SIGTERM);
	waitpid(p, NULL, 0);
	if (private) {
		test_rm_cgroups(dmn_cgroup);
		test_rm_rf(DMN_PINS);
	}
}

/*
 * The VM's user "agent"; the host suite's terminal user elsewhere. Read from /etc/passwd
 * directly: getpwnam() in a static program would need the libraries of NSS.
 */
static bool find_user(struct who *w, char *home, size_t len)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	bool found = false;

	while (f && !found && (pw = fgetpwent(f)))
		if (!strcmp(pw->pw_name, "agent") || !strcmp(pw->pw_name, "cordon-tty")) {
			w->uid = pw->pw_uid;
			w->gid = pw->pw_gid;
			snprintf(home, len, "HOME=%s", pw->pw_dir);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

/* The same terminal, the agent spawned by the daemon for an ordinary user (run0's model). */
static void daemon_round(const char *cordon, bool private)
{
	char home[128], sock[] = "CORDON_SOCKET=" DMN_SOCK;
	char *argv[] = { (char *)cordon, "run", "--policy", "offline", "--allow-degraded",
			 "--project",	 PROJ,	"--",	    SHELL,     "sh",
			 "-i",		 NULL };
	struct who w = { .envp = { "PATH=/bin:/usr/bin:/sbin:/usr/sbin", home, "TERM=vt100",
				   "PS1=$ ", sock, NULL } };
	pid_t d;

	if (!find_user(&w, home, sizeof(home))) {
		tap_skip("no user 'agent' or 'cordon-tty'", "daemon_terminal");
		return;
	}
	if (chown(PROJ, w.uid, w.gid) < 0)
		tap_diag("chown %s: %s", PROJ, strerror(errno));
	long start = now_ms();

	d = start_daemon(cordon, private);
	tap_diag("daemon: ready after %.1f s", (double)(now_ms() - start) / 1000);
	if (!tap_check(d > 0, "daemon_ready")) {
		FILE *f = fopen(DMN "/daemon.log", "re");
		char line[512];

		while (f && fgets(line, sizeof(line), f))
			tap_diag("daemon: %s", line);
		if (f)
			fclose(f);
		return;
	}
	round_("daemon", argv, &w, true);
	stop_daemon(d, private);
	sti_record("daemon", DMN_LOG);
}

int main(int argc, char **argv)
{
	const char *cordon = getenv("CORDON_BIN") ?: "/bin/cordon";
	char self[256] = "", *outside[] = { SHELL, "sh", "-i", NULL };
	char *inside[] = { (char *)cordon,
			   "run",
			   "--user",
			   "root",
			   "--policy",
			   "offline",
			   "--allow-degraded",
			   "--project",
			   PROJ,
			   "--audit-log",
			   AUDIT,
			   "--",
			   SHELL,
			   "sh",
			   "-i",
			   NULL };
	const struct who root = { .envp = { "PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/root",
					    "TERM=vt100", "PS1=$ ", NULL } };
	long start = now_ms();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "pty"))
		return probe_pty(argv);
	if (argc == 2 && !strcmp(argv[1], "sti"))
		return probe_sti();
	mkdir("/srv", 0755);
	test_rm_rf(PROJ);
	mkdir(PROJ, 0755);
	mkdir(LOGDIR, 0755);
	unlink(AUDIT);
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0 ||
	    test_copy_file(self, HELPER) < 0 || chmod(HELPER, 0755) < 0 ||
	    test_copy_file("/bin/busybox", SHELL) < 0 || chmod(SHELL, 0755) < 0)
		return tap_check(false, "helper_copied"), tap_status();

	round_("outside", outside, &root, false);
	round_("inside", inside, &root, true);
	sti_record("inside", AUDIT);
	/* $CORDON_BIN: a run on the host tier, beside whatever else runs there. */
	daemon_round(cordon, getenv("CORDON_BIN") != NULL);
	tap_diag("test_terminal_vm: %.1f s", (double)(now_ms() - start) / 1000);
	/* What a failure leaves stays to be looked at. */
	if (tap_status() == 0) {
		test_rm_rf(PROJ);
		test_rm_rf(LOGDIR);
		test_rm_rf(DMN);
	}
	return tap_status();
}
