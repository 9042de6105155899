// SPDX-License-Identifier: GPL-2.0-only
/*
 * cordon stays the agent's parent: it relays the agent's terminal (when it has one), forwards
 * signals to the agent's process group, drains the ring buffer, and returns the agent's status.
 * The developer's terminal is put in raw mode while a pty is relayed, so Ctrl-C, Ctrl-Z and the
 * other special characters reach the agent's own line discipline, which signals the agent's
 * foreground job, never cordon. This is the model of sudo's use_pty and systemd-run --pty.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

/* Bytes in flight in one direction; reading stops while it is full, so nothing is dropped. */
struct relay_buf {
	char data[16384];
	size_t len;
};

struct supervisor {
	const struct cordon_supervise *s;
	int sfd;
	int tty;      /* the developer's terminal: its settings and size (stdin when it is one) */
	int out;      /* where the pty's output goes: stdout, else stderr, else the terminal */
	bool in_open; /* stdin not at EOF */
	bool master_open; /* the pty has not hung up */
	bool raw;	  /* the developer's terminal is in raw mode */
	struct termios saved;
	struct relay_buf to_agent, to_user;
};

void cordon_supervised_signals(sigset_t *set)
{
	static const int sigs[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGWINCH,
				    SIGUSR1, SIGUSR2, SIGTSTP, SIGCONT, SIGCHLD };

	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(set, sigs[i]);
}

static void term_raw(struct supervisor *v)
{
	struct termios t = v->saved;

	/* Keys are relayed only from a terminal that is stdin; else it stays as it is. */
	if (v->tty != STDIN_FILENO)
		return;
	cfmakeraw(&t);
	/* TCSADRAIN: what cordon printed before (its start line) is not cut. */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		v->raw = true;
}

static void term_restore(struct supervisor *v)
{
	if (v->raw && tcsetattr(STDIN_FILENO, TCSADRAIN, &v->saved) == 0)
		v->raw = false;
}

static void copy_winsize(const struct supervisor *v)
{
	struct winsize ws;

	if (ioctl(v->tty, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(v->s->pty_master, TIOCSWINSZ, &ws);
}

/*
 * The agent's main process stopped (an editor's own Ctrl-Z handler stops itself): give the
 * developer's terminal back and stop cordon the same way, as sudo does; when the developer
 * resumes cordon (fg), take the terminal again and resume the agent.
 */
static void suspend_with_agent(struct supervisor *v)
{
	term_restore(v);
	if (v->s->suspend)
		v->s->suspend(v->s->suspend_ctx);
	else
		raise(SIGSTOP);
	if (v->s->pty_master >= 0) {
		term_raw(v);
		copy_winsize(v);
	}
	kill(-v->s->pid, SIGCONT);
}

/*
 * A signal sent to cordon itself (kill, or the terminal's own keys when there is no pty) goes to
 * the agent's process group, not its main process alone: `make` under `bash -c` stops too.
 * With a pty, keyboard signals come from the agent's own line discipline and never get here.
 */
static void forward(struct supervisor *v, int sig)
{
	pid_t pgrp = -1;

	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
		return;
	case SIGWINCH:
		if (v->s->pty_master >= 0)
			copy_winsize(v);
		return;
	case SIGTSTP:
		/*
		 * The agent's job stops; cordon follows when it sees that (reap(), or the
		 * session's init through stop_fd: init itself cannot be stopped by a signal it
		 * handles, so it gets SIGTSTP to forward, not SIGSTOP).
		 */
		kill(-v->s->pid, v->s->stop_fd >= 0 ? SIGTSTP : SIGSTOP);
		return;
	case SIGINT:
	case SIGQUIT:
		/* To the job in the agent's foreground, as the key would have done. */
		if (v->s->pty_master >= 0)
			pgrp = tcgetpgrp(v->s->pty_master);
		break;
	}
	if (pgrp <= 0 || kill(-pgrp, sig) < 0)
		kill(-v->s->pid, sig);
}

/* Move bytes from @fd into @b; false at EOF or hang-up (EIO from a pty master). */
static bool fill(int fd, struct relay_buf *b)
{
	ssize_t n = read(fd, b->data + b->len, sizeof(b->data) - b->len);

	if (n > 0) {
		b->len += (size_t)n;
		return true;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

/* Write what @b holds to @fd; false when @fd is gone. */
static bool drain(int fd, struct relay_buf *b)
{
	ssize_t n = write(fd, b->data, b->len);

	if (n > 0) {
		memmove(b->data, b->data + n, b->len - (size_t)n);
		b->len -= (size_t)n;
		return true;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

enum {
	P_SIG,
	P_STOP,
	P_IN,
	P_MASTER,
	P_OUT,
	P_WATCH, /* CORDON_SUPERVISE_WATCHES entries from here */
	P_N = P_WATCH + CORDON_SUPERVISE_WATCHES
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Is watch @w held at @now (not polled: its reader waits on purpose)? */
static bool watch_held(const struct cordon_watch *w, uint64_t now)
{
	return w->hold_until_ns && *w->hold_until_ns && now < *w->hold_until_ns;
}

/* Poll the watches; @timeout_ms (-1: none) shortened to end with the first hold. */
static int watch_events(const struct cordon_supervise *s, struct pollfd *p, int timeout_ms)
{
	uint64_t now = boot_ns();

	for (size_t i = 0; i < CORDON_SUPERVISE_WATCHES; i++) {
		const struct cordon_watch *w = &s->watch[i];
		bool held = w->on_ready && w->fd >= 0 && watch_held(w, now);

		p[P_WATCH + i] = (struct pollfd){ .fd = w->on_ready && !held ? w->fd : -1,
						  .events = POLLIN };
		if (held) {
			/* Rounded up: waking before the hold ends would find it still held. */
			uint64_t ms = (*w->hold_until_ns - now + 999999) / 1000000;

			if (timeout_ms < 0 || ms < (uint64_t)timeout_ms)
				timeout_ms = (int)ms;
		}
	}
	return timeout_ms;
}

/*
 * @all: call every watch (the last drain), not only the readable ones and those whose hold
 * has ended.
 */
static void watch_serve(const struct cordon_supervise *s, const struct pollfd *p, bool all)
{
	uint64_t now = boot_ns();

	for (size_t i = 0; i < CORDON_SUPERVISE_WATCHES; i++) {
		const struct cordon_watch *w = &s->watch[i];
		bool ready = p[P_WATCH + i].fd >= 0 &&
			     (p[P_WATCH + i].revents & (POLLIN | POLLHUP | POLLERR));
		bool released = p[P_WATCH + i].fd < 0 && w->on_ready && w->fd >= 0 &&
				w->hold_until_ns && *w->hold_until_ns && !watch_held(w, now);

		if (w->on_ready && w->fd >= 0 && (all || ready || released))
			w->on_ready(w->ctx);
	}
}

static void relay_events(struct supervisor *v, struct pollfd *p)
{
	int m = v->s->pty_master;

	p[P_IN] = (struct pollfd){ .fd = -1 };
	p[P_MASTER] = (struct pollfd){ .fd = -1 };
	p[P_OUT] = (struct pollfd){ .fd = -1 };
	if (m < 0)
		return;
	if (v->in_open && v->to_agent.len < sizeof(v->to_agent.data))
		p[P_IN] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	if (v->master_open) {
		short ev = 0;

		if (v->to_user.len < sizeof(v->to_user.data))
			ev |= POLLIN;
		if (v->to_agent.len)
			ev |= POLLOUT;
		p[P_MASTER] = (struct pollfd){ .fd = m, .events = ev };
	}
	if (v->to_user.len)
		p[P_OUT] = (struct pollfd){ .fd = v->out, .events = POLLOUT };
}

static void relay(struct supervisor *v, const struct pollfd *p)
{
	int m = v->s->pty_master;

	if (p[P_IN].revents & (POLLIN | POLLHUP | POLLERR))
		v->in_open = fill(STDIN_FILENO, &v->to_agent);
	if (p[P_MASTER].revents & POLLOUT)
		v->master_open = drain(m, &v->to_agent);
	if (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR))
		v->master_open = fill(m, &v->to_user);
	if (p[P_OUT].revents & (POLLOUT | POLLERR | POLLHUP) && !drain(v->out, &v->to_user))
		v->to_user.len = 0; /* stdout is gone: keep draining the pty, drop its output */
}

/* The agent has exited: what it wrote before is still in the pty; deliver it, bounded. */
static void flush_agent_output(struct supervisor *v)
{
	if (v->s->pty_master < 0)
		return;
	for (int i = 0; i < 4096 && v->master_open; i++) {
		if (!v->to_user.len && !fill(v->s->pty_master, &v->to_user))
			break;
		if (!v->to_user.len)
			break; /* EAGAIN: nothing more is buffered */
		if (!drain(v->out, &v->to_user))
			break;
	}
}

static int reap(struct supervisor *v, int *status)
{
	pid_t r = waitpid(v->s->pid, status, WNOHANG | WUNTRACED);

	if (r < 0 && errno != EINTR)
		return -errno;
	if (r == v->s->pid && WIFSTOPPED(*status)) {
		suspend_with_agent(v);
		return 0;
	}
	return r == v->s->pid;
}

/*
 * A message of the session's init: "S", the agent stopped; "E" and a status byte, the agent
 * exited and init stays for what it left (a detached session). 1 for the latter (@status set as
 * waitpid would have), else 0.
 */
static int init_message(struct supervisor *v, int *status)
{
	unsigned char c[2];

	if (read(v->s->stop_fd, c, 1) != 1)
		return 0;
	if (c[0] == 'S') {
		suspend_with_agent(v);
		return 0;
	}
	if (c[0] != 'E' || read(v->s->stop_fd, c + 1, 1) != 1)
		return 0;
	*status = (c[1] & 0xff) << 8; /* as exited with c[1]: WEXITSTATUS gives it back */
	if (v->s->detached)
		*v->s->detached = true;
	return 1;
}

static int loop(struct supervisor *v, int *status)
{
	const struct cordon_supervise *s = v->s;
	struct signalfd_siginfo si;
	struct pollfd p[P_N];
	int r, timeout;

	for (;;) {
		r = reap(v, status);
		if (r != 0)
			return r < 0 ? r : 0;
		p[P_SIG] = (struct pollfd){ .fd = v->sfd, .events = POLLIN };
		timeout = watch_events(s, p, 1000);
		p[P_STOP] = (struct pollfd){ .fd = s->stop_fd, .events = POLLIN };
		relay_events(v, p);
		/* SIGCHLD wakes us; the timeout only bounds a missed wake-up (or a held watch). */
		if (poll(p, P_N, timeout) < 0 && errno != EINTR)
			return -errno;
		watch_serve(s, p, false);
		relay(v, p);
		/* After the relay: what the agent wrote last is read before its exit is. */
		if ((p[P_STOP].revents & POLLIN) && init_message(v, status) == 1)
			return 0;
		while (read(v->sfd, &si, sizeof(si)) == sizeof(si))
			forward(v, (int)si.ssi_signo);
	}
}

int cordon_supervise(const struct cordon_supervise *s)
{
	/* Without a say (0), the pty stands for all three, as before pty_fds existed. */
	unsigned int fds = s->pty_fds ? s->pty_fds : 7u;
	struct supervisor v = {
		.s = s,
		/* stdin goes into the pty only when the pty stands for it: a pipe or a file
		 * there is the agent's own, read by it directly, never by cordon */
		.in_open = fds & 1u,
		.master_open = s->pty_master >= 0,
		.tty = fds & 1u	  ? STDIN_FILENO
		       : fds & 2u ? STDOUT_FILENO
				  : STDERR_FILENO,
		.out = fds & 2u	  ? STDOUT_FILENO
		       : fds & 4u ? STDERR_FILENO
				  : STDIN_FILENO,
	};
	struct pollfd p[P_N];
	sigset_t set;
	int status = 0, r;

	cordon_supervised_signals(&set);
	v.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (v.sfd < 0)
		return -errno;
	if (s->pty_master >= 0) {
		fcntl(s->pty_master, F_SETFL, fcntl(s->pty_master, F_GETFL) | O_NONBLOCK);
		if (tcgetattr(v.tty, &v.saved) == 0)
			term_raw(&v);
		copy_winsize(&v);
	}
	r = loop(&v, &status);
	flush_agent_output(&v);
	term_restore(&v);
	close(v.sfd);
	watch_events(s, p, -1);
	watch_serve(s, p, true);
	if (r < 0)
		return r;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
