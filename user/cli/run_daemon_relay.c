// SPDX-License-Identifier: GPL-2.0-only
/*
 * The client's half of a session the daemon spawned: the developer's shell knows this process,
 * so signals sent to it (kill, a terminal's keys when there is no pty, SIGWINCH) are passed to
 * the daemon's worker, which forwards them to the agent; when the agent stops, this process
 * stops, so the shell's job control sees it; the agent's exit status is ours.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "enforce/enforce.h"
#include "run_daemon.h"
#include "sys/sys.h"

static int send_msg(int fd, const char *key, int value)
{
	json_t *m = json_pack("{s:i,s:i}", "v", CORDON_CTL_VERSION, key, value);
	int r = m ? cordon_ctl_send(fd, m) : -ENOMEM;

	json_decref(m);
	return r;
}

/*
 * The agent stopped: the worker gave the terminal back; stop here too, and when the shell
 * resumes us (fg, bg, kill -CONT), tell the worker to resume the agent.
 */
static int follow_stop(int fd)
{
	raise(SIGSTOP);
	return send_msg(fd, RUN_DAEMON_MSG_CONT, 1);
}

/* One message from the worker: 1 and @status when the agent exited, 0 to go on, -errno. */
static int on_message(int fd, int *status)
{
	json_t *m = NULL;
	const char *ev;
	int r = cordon_ctl_recv(fd, &m, 0);

	if (r < 0)
		return r == -ETIMEDOUT ? 0 : r;
	ev = json_string_value(json_object_get(m, RUN_DAEMON_MSG_EVENT));
	if (ev && !strcmp(ev, "exit")) {
		*status = (int)json_integer_value(json_object_get(m, "status"));
		r = 1;
	} else if (ev && !strcmp(ev, "stopped")) {
		r = follow_stop(fd);
	}
	json_decref(m);
	return r;
}

int run_daemon_relay(int fd, const struct termios *saved)
{
	struct signalfd_siginfo si;
	sigset_t set;
	int sfd, status = EXIT_FAIL, r = 0;

	cordon_supervised_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		cli_error("run: signalfd: %s", strerror(errno));
		return EXIT_FAIL;
	}
	while (r == 0) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si))
			if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGCONT)
				send_msg(fd, RUN_DAEMON_MSG_SIGNAL, (int)si.ssi_signo);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			r = on_message(fd, &status);
	}
	close(sfd);
	/* The worker restores the terminal; should it have died, do it here. */
	if (saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, saved);
	if (r < 0) {
		cli_error("run: the daemon ended the session without the agent's status: %s",
			  strerror(-r));
		return EXIT_FAIL;
	}
	return status;
}
