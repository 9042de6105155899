// SPDX-License-Identifier: GPL-2.0-only
/*
 * The launch pipeline. The order in the child is the security argument, so it is fixed here:
 *   cgroup -> setsid -> user namespace -> mount namespace + masks -> rlimits -> chdir ->
 *   drop privileges -> mark inherited fds close-on-exec -> no_new_privs -> Landlock ->
 *   seccomp (last: it forbids mount/unshare that the earlier steps need) -> exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

static const char *const step_names[] = {
	[CORDON_STEP_NONE] = "none",
	[CORDON_STEP_CGROUP] = "join the session cgroup",
	[CORDON_STEP_SETSID] = "new session (setsid)",
	[CORDON_STEP_USERNS] = "user namespace",
	[CORDON_STEP_MOUNTNS] = "mount namespace",
	[CORDON_STEP_MASK] = "mask a path",
	[CORDON_STEP_RLIMIT] = "resource limit",
	[CORDON_STEP_CHDIR] = "enter the project directory",
	[CORDON_STEP_PRIVILEGES] = "drop privileges",
	[CORDON_STEP_FDS] = "close inherited file descriptors",
	[CORDON_STEP_NO_NEW_PRIVS] = "no_new_privs",
	[CORDON_STEP_LANDLOCK] = "Landlock",
	[CORDON_STEP_SECCOMP] = "seccomp",
	[CORDON_STEP_EXEC] = "exec",
};

const char *cordon_launch_step_name(int step)
{
	if (step < 0 || (size_t)step >= ARRAY_SIZE(step_names) || !step_names[step])
		return "unknown step";
	return step_names[step];
}

/* The signals the parent forwards; blocked in the parent, unblocked in the child. */
static void forwarded_signals(sigset_t *set)
{
	static const int sigs[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGWINCH,
				    SIGUSR1, SIGUSR2, SIGTSTP, SIGCONT, SIGCHLD };

	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(set, sigs[i]);
}

/* --- in the child: async-signal-safe calls only, nothing allocated ------------------------ */

static _Noreturn void fail(int report, int step, int err, int index)
{
	struct cordon_launch_failure f = { .step = step, .err = err, .index = index };

	(void)!write(report, &f, sizeof(f));
	_exit(127);
}

static int write_all(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = (ssize_t)strlen(data);

	if (fd < 0)
		return -1;
	n = write(fd, data, (size_t)len);
	close(fd);
	return n == len ? 0 : -1;
}

/* Map our own uid/gid to themselves: the agent is not root in the namespace, so it gains no
 * capability over anything, and the namespace only serves to own the mount namespace. */
static int enter_userns(int report)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER) < 0)
		fail(report, CORDON_STEP_USERNS, errno, 0);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_all("/proc/self/uid_map", map) < 0 ||
	    write_all("/proc/self/setgroups", "deny\n") < 0)
		fail(report, CORDON_STEP_USERNS, errno, 0);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_all("/proc/self/gid_map", map) < 0)
		fail(report, CORDON_STEP_USERNS, errno, 0);
	return 0;
}

/* Flags a remount must keep: in a user namespace, dropping a locked one is refused. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	return f;
}

static int apply_mask(const struct cordon_mask *m)
{
	const unsigned long hard = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (m->kind == CORDON_MASK_READONLY) {
		unsigned long keep = locked_flags(m->path);

		if (mount(m->path, m->path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -1;
		return mount(NULL, m->path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL);
	}
	if (m->is_dir) {
		/* An empty, read-only, mode-000 directory: lookups inside fail with EACCES. */
		return mount("tmpfs", m->path, "tmpfs", MS_RDONLY | hard, "mode=000,size=4k");
	}
	/* /dev/null on a nodev mount: open() of the secret fails with EACCES. */
	if (mount("/dev/null", m->path, NULL, MS_BIND, NULL) < 0)
		return -1;
	return mount(NULL, m->path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | hard, NULL);
}

static _Noreturn void child(const struct cordon_launch *l, int report)
{
	sigset_t set;

	/* First: from here on everything, our own set-up included, belongs to the session. */
	if (l->cgroup_procs_fd >= 0 && write(l->cgroup_procs_fd, "0\n", 2) != 2)
		fail(report, CORDON_STEP_CGROUP, errno, 0);
	forwarded_signals(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* No controlling terminal: TIOCSTI on the user's tty is refused by the kernel itself. */
	if (setsid() < 0)
		fail(report, CORDON_STEP_SETSID, errno, 0);

	if (l->userns)
		enter_userns(report);
	if (l->nmasks) {
		if (unshare(CLONE_NEWNS) < 0)
			fail(report, CORDON_STEP_MOUNTNS, errno, 0);
		/* Our masks must not propagate back to the host's mount namespace. */
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			fail(report, CORDON_STEP_MOUNTNS, errno, 0);
		for (size_t i = 0; i < l->nmasks; i++)
			if (apply_mask(&l->masks[i]) < 0)
				fail(report, CORDON_STEP_MASK, errno, (int)i);
	}
	for (size_t i = 0; i < l->nrlimits; i++)
		if (setrlimit(l->rlimits[i].resource, &l->rlimits[i].limit) < 0)
			fail(report, CORDON_STEP_RLIMIT, errno, (int)i);
	if (l->cwd && chdir(l->cwd) < 0)
		fail(report, CORDON_STEP_CHDIR, errno, 0);

	if (l->drop_privileges) {
		if (setgroups(l->ngroups, l->groups) < 0 || setresgid(l->gid, l->gid, l->gid) < 0 ||
		    setresuid(l->uid, l->uid, l->uid) < 0)
			fail(report, CORDON_STEP_PRIVILEGES, errno, 0);
		/* Paranoia: a failed drop must never go unnoticed. */
		if (setuid(0) == 0 && l->uid != 0)
			fail(report, CORDON_STEP_PRIVILEGES, EPERM, 0);
	}

	/* Descriptors the caller leaked to us must not reach the agent. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 65536; fd++)
			if (fd != report)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
	}

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(report, CORDON_STEP_NO_NEW_PRIVS, errno, 0);
	if (l->landlock_fd >= 0) {
		int r = cordon_landlock_restrict_self(l->landlock_fd, l->landlock_flags);

		if (r < 0)
			fail(report, CORDON_STEP_LANDLOCK, -r, 0);
	}
	if (l->seccomp) {
		int r = cordon_seccomp_install(l->seccomp);

		if (r < 0)
			fail(report, CORDON_STEP_SECCOMP, -r, 0);
	}
	execvpe(l->argv[0], l->argv, l->envp);
	fail(report, CORDON_STEP_EXEC, errno, 0);
}

/* --- in the parent ------------------------------------------------------------------------ */

int cordon_launch(const struct cordon_launch *l, pid_t *pid, struct cordon_launch_failure *f)
{
	struct cordon_launch_failure got = { 0 };
	sigset_t set, old;
	int pfd[2], status;
	ssize_t n;
	pid_t p;

	memset(f, 0, sizeof(*f));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	/* Block the forwarded signals before fork so none is lost between fork and supervise. */
	forwarded_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	fflush(NULL);
	p = fork();
	if (p < 0) {
		int e = -errno;

		close(pfd[0]);
		close(pfd[1]);
		return e;
	}
	if (p == 0) {
		close(pfd[0]);
		child(l, pfd[1]);
	}
	close(pfd[1]);
	/* EOF: the write end closed on a successful exec. */
	do
		n = read(pfd[0], &got, sizeof(got));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == 0) {
		*pid = p;
		return 0;
	}
	waitpid(p, &status, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (n != sizeof(got)) {
		f->step = CORDON_STEP_NONE;
		f->err = EPROTO;
		return -EPROTO;
	}
	*f = got;
	return -(got.err ? got.err : EPROTO);
}

int cordon_launch_supervise(pid_t pid, int extra_fd, void (*on_extra)(void *ctx), void *ctx)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	sigset_t set;
	int sfd, status;
	pid_t r;

	forwarded_signals(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return -errno;
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			close(sfd);
			return -errno;
		}
		/* SIGCHLD wakes us; the timeout only bounds a missed wake-up. */
		if (poll(pfd, extra_fd >= 0 ? 2 : 1, 1000) < 0 && errno != EINTR) {
			close(sfd);
			return -errno;
		}
		if (extra_fd >= 0 && (pfd[1].revents & POLLIN) && on_extra)
			on_extra(ctx);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGCHLD:
				break;
			case SIGTSTP:
				/* The agent has no terminal of its own: stop it, then ourselves. */
				kill(pid, SIGSTOP);
				raise(SIGSTOP);
				kill(pid, SIGCONT);
				break;
			default:
				kill(pid, (int)si.ssi_signo);
			}
		}
	}
	close(sfd);
	if (extra_fd >= 0 && on_extra)
		on_extra(ctx);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
