// SPDX-License-Identifier: GPL-2.0-only
/*
 * The init of a session's pid namespace. An agent as pid 1 would ignore every signal it has no
 * handler for (Ctrl-C to `sleep`, cordon's SIGTERM), and would have to reap orphans it never
 * expects: so pid 1 is this small loop, already confined like the agent, and the agent its child.
 * Its exit ends the session: the kernel kills whatever is left in the namespace. In a detached
 * session it outlives the agent while anything the agent left runs (see cordon_init_start).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

static volatile pid_t agent_pgrp;

/* cordon signals init's own process group; the agent's job gets the signal. */
static void forward(int sig)
{
	if (agent_pgrp > 0)
		kill(-agent_pgrp, sig);
}

/* In the agent: a process group of its own, in the terminal's foreground, signals as at start. */
static void start_agent(int stop_fd)
{
	sigset_t set;

	close(stop_fd);
	setpgid(0, 0);
	/* From a background group tcsetpgrp() raises SIGTTOU: blocked here, as shells do. */
	cordon_supervised_signals(&set);
	sigaddset(&set, SIGTTOU);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* The session's pty, on whichever of stdin, stdout, stderr it stands for. */
	for (int fd = 0; fd <= 2; fd++)
		if (isatty(fd)) {
			(void)tcsetpgrp(fd, getpid());
			break;
		}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void install_forwarding(void)
{
	static const int sigs[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1,
				    SIGUSR2, SIGTSTP, SIGCONT, SIGWINCH };
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * The agent exited with @code. Non-detached: init exits, and the kernel kills the namespace.
 * Detached, with processes left (every one of them is init's descendant: orphans are reparented
 * to it before the agent's exit is reported): cordon learns the status on @stop_fd ("E" and the
 * code) and init stays to reap them; it exits, ending the namespace, when the last has gone.
 */
static void agent_exited(int stop_fd, bool detach, int code)
{
	unsigned char msg[2] = { 'E', (unsigned char)code };
	int status;

	if (!detach || waitpid(-1, &status, WNOHANG) < 0 ||
	    write(stop_fd, msg, sizeof(msg)) != sizeof(msg))
		_exit(code);
	agent_pgrp = 0;
	close(stop_fd);
	for (;;)
		if (waitpid(-1, &status, 0) < 0 && errno == ECHILD)
			_exit(code);
}

int cordon_init_start(int report, int stop_fd, bool detach)
{
	sigset_t set;
	int status;
	pid_t a, w;

	/* Signals wait until the agent's group exists to receive them. */
	cordon_supervised_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	a = fork();
	if (a < 0)
		return -errno;
	if (a == 0) {
		start_agent(stop_fd);
		return 0;
	}
	/* The agent's exec closes the last copy: cordon then knows it started. */
	close(report);
	/* Whatever the mode, the agent can never trace or read the memory of its init. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setpgid(a, a);
	agent_pgrp = a;
	install_forwarding();
	for (;;) {
		w = waitpid(-1, &status, WUNTRACED);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			_exit(127);
		}
		if (w != a)
			continue; /* an orphan of the session, reaped */
		if (WIFSTOPPED(status)) {
			/* cordon gives the developer's terminal back and stops with the agent. */
			(void)!write(stop_fd, "S", 1);
			continue;
		}
		agent_exited(stop_fd, detach,
			     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
}
