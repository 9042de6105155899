// SPDX-License-Identifier: GPL-2.0-only
/*
 * Root's own session after its end is recorded: what is left is handed to one detached cleanup
 * process, made once (clone_cleanup, below), and cordon exits at once with the agent's status. Measured before this
 * (6.18, 2 CPUs): 1.3-2.3 ms of cleanup and 0.5-1.3 ms of exit between "end recorded" and the
 * caller's waitpid, with two forks of their own (the namespace's releaser, the git watch's
 * closer).
 *
 * What the caller needs is done before: the agent's status, the git sweep (a planted hook made
 * inert before the developer's next git command), the session-end record written and flushed.
 * What is left serves nobody any more, because every process of the session is gone: the
 * session's processes are all in its pid namespace (the launched child is its init, and
 * everything it starts descends from it; nothing can enter it from outside: setns into it needs
 * root's CAP_SYS_ADMIN over its user namespace, which seccomp and BPF LSM refuse the session),
 * and the init's exit kills every other task of the namespace and waits until they are all
 * reaped (zap_pid_ns_processes) before the launcher's waitpid returns. So when this runs, the
 * session cgroup holds no task, and nothing relies on its entry, rules or ring. A session
 * without its own pid namespace does not qualify: run_free() kills its leftovers on the path,
 * as before.
 *
 * The cleanup does what run_free() did, in the same order: the cgroup killed (nothing to kill:
 * kept as the fail-closed check) and removed, and only once it is gone the session's entry and
 * rules (cordon_session_destroy), then the registry record (a cleanup killed before leaves the
 * record, and the next run's sweep (run_bpf.c) ends the session as it ends a killed
 * launcher's). Then, once the launcher has exited (its pidfd readable: the kernel signals it
 * after the exit closed every descriptor), the last references: the mount namespace (its
 * unmounts and the cache overlays' syncs run here) and the layer slot's locks in their order
 * (run_let_view_go), the notification groups (each last close waits for an SRCU grace period),
 * the pin lock and the ring's slot. Before the launcher's exit every close of these is not the
 * last (this process holds a copy), so the launcher's own exit waits for none of them.
 *
 * Unreachable from the session: a clone of the launcher (root, in the caller's cgroup, never the
 * session's), made not dumpable, out of the caller's terminal session, and holding none of the
 * caller's descriptors (each one without close-on-exec is closed: cordon opens all of its own
 * close-on-exec, so those are the ones it was given) nor any the agent holds (the agent is
 * gone). `cordon ps` stops listing the session when cordon exits (its record names cordon's
 * pid), when its processes are already gone.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"
#include "sys/sys.h"

/* Every descriptor without close-on-exec (the caller's: stdio, a lock, a pipe) closed;
 * standard input, output and error on /dev/null. */
static void close_callers(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int null;

	while (d && (e = readdir(d))) {
		char *endp;
		long fd = strtol(e->d_name, &endp, 10);
		int fl;

		if (*endp || endp == e->d_name || fd < 0 || fd > INT_MAX || fd == dirfd(d))
			continue;
		fl = fcntl((int)fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			close((int)fd);
	}
	if (d)
		closedir(d);
	else
		/* No /proc: at least the three the caller surely gave. */
		for (int fd = 0; fd <= 2; fd++)
			close(fd);
	null = open("/dev/null", O_RDWR);
	for (int fd = 0; null >= 0 && fd <= 2; fd++)
		if (fd != null)
			dup2(null, fd);
	if (null > 2)
		close(null);
}

static __attribute__((noreturn)) void cleanup(struct run *r, int pidfd)
{
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };

	setsid();
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_NAME, "cordon-end");
	signal(SIGPIPE, SIG_IGN);
	close_callers();
	/* Empty (see above); removed, then its entry and rules; then the record. */
	cordon_session_destroy(&r->sess);
	run_registry_remove(r);
	/* The launcher's exit: bounded, else a stopped launcher would hold the slot. */
	while (pidfd >= 0 && poll(&pf, 1, 5000) < 0)
		;
	run_let_view_go(r);
	/* The groups' last closes (an SRCU grace period each). */
	if (r->pw.fd >= 0)
		close(r->pw.fd);
	r->pw.fd = -1;
	cordon_protect_watch_free(&r->pw);
	cordon_gitwrite_free(&r->gw);
	if (r->kern.fanotify)
		cordon_fan_free(&r->fan);
	cordon_bpf_stop_exiting(r->bpf);
	cordon_bpf_ring_release(&r->ring);
	_exit(0);
}

/* For the cleanup's entry point: what clone() passes is one pointer. */
static struct {
	struct run *r;
	int pidfd;
} end;

static int cleanup_entry(void *arg)
{
	(void)arg;
	cleanup(end.r, end.pidfd);
}

#define END_STACK (1u << 20) /* the cleanup's stack, a guard page below it */

/*
 * The cleanup, sharing this process's memory (CLONE_VM): no page table copied at the clone,
 * and this process's exit drops a reference to the memory instead of tearing it down, which
 * the cleanup does at its own exit. Measured, interleaved (11 runs each): "end recorded" to the
 * caller's status 1.03 ms median with fork(), 0.52 with this.
 *
 * Safe because this process does nothing after the clone but two system calls: it never
 * touches the memory (heap, stack, stdio, TLS) the cleanup now uses alone, which is all it
 * would race on. The cleanup runs on a stack of its own, with this thread's TLS (errno,
 * malloc's cache: this process no longer uses them). set_tid_address(NULL) first: otherwise
 * this thread's exit would write 0 to its tid in that shared TLS (CLONE_CHILD_CLEARTID).
 * -1 when it could not be made (then fork()).
 */
static pid_t clone_cleanup(struct run *r, int pidfd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *stack = NULL;

#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer cannot follow a process on a stack it did not make (it reports each
	 * noreturn call there): the sanitizer build takes fork(), which runs the same cleanup. */
	(void)page;
	(void)stack;
	(void)r;
	(void)pidfd;
	return -1;
#endif
	/* Never freed: the cleanup runs on it until its exit. */
	if (posix_memalign(&stack, page, END_STACK) != 0)
		return -1;
	if (mprotect(stack, page, PROT_NONE) < 0) {
		free(stack);
		return -1;
	}
	end.r = r;
	end.pidfd = pidfd;
	return clone(cleanup_entry, (char *)stack + END_STACK, CLONE_VM | SIGCHLD, NULL);
}

void run_end_off_path(struct run *r, int status)
{
	int pidfd;
	pid_t p;

	if (!r->ended || r->dsess.on || !r->bpf || !r->l.pidns || geteuid() != 0)
		return;
	/* The session-end record on disk first (flushed, synced as configured): the caller's. */
	cordon_audit_stream_release(&r->ev.stream);
	if (r->ev.stream.sink)
		cordon_audit_sink_close(r->ev.stream.sink);
	r->ev.stream.sink = NULL;
	if (r->ev.audit_fd >= 0)
		close(r->ev.audit_fd);
	r->ev.audit_fd = -1;
	/* False: the namespace was let go here (the old path); the rest goes on as planned. */
	(void)run_view_draining(r);
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	cli_phase("handed off");
	fflush(NULL);
	p = clone_cleanup(r, pidfd);
	if (p > 0) {
		syscall(SYS_set_tid_address, NULL);
		_exit(status);
	}
	p = fork();
	if (p == 0)
		cleanup(r, pidfd);
	if (p > 0)
		_exit(status); /* the memory and descriptors left go with the exit */
	/* Neither: run_release_view() and run_free() do it all here, as before. */
	if (pidfd >= 0)
		close(pidfd);
}
