// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's own terminal. The launched child opens a pseudo-terminal from the session's private
 * devpts instance, makes its peer the controlling terminal and stdio, and hands the master to
 * cordon over the launch socket; cordon relays bytes (supervise.c). The developer's terminal is
 * never the agent's: no TIOCSTI into it, no reading other terminals through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41) /* Linux 4.13 */
#endif

/*
 * A new devpts instance over /dev/pts of the (already private) mount namespace: the host's
 * terminals are no longer visible to the session, and ptys opened from it are the session's own.
 * Async-signal-safe.
 */
int cordon_pty_mount_devpts(void)
{
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		return -errno;
	/*
	 * No bind over /dev/ptmx: since Linux 4.7 it opens the instance mounted at "pts" beside
	 * it, and it keeps the inode the policy's Landlock rules were resolved on.
	 */
	return 0;
}

/*
 * Open a pseudo-terminal pair: @ptmx is "/dev/pts/ptmx" of a private instance, or "/dev/ptmx".
 * The peer is opened through the master (TIOCGPTPEER), never by a path an agent could have
 * raced. The peer gets @tio and @ws and belongs to @uid (as grantpt does). Async-signal-safe.
 */
int cordon_pty_open(const char *ptmx, const struct termios *tio, const struct winsize *ws,
		    uid_t uid, int *master, int *peer)
{
	int unlock = 0, m, s;

	m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		goto fail;
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (s < 0)
		goto fail;
	if ((tio && tcsetattr(s, TCSANOW, tio) < 0) || (ws && ioctl(s, TIOCSWINSZ, ws) < 0) ||
	    (uid != (uid_t)-1 && fchown(s, uid, (gid_t)-1) < 0)) {
		int e = -errno;

		close(s);
		close(m);
		return e;
	}
	*master = m;
	*peer = s;
	return 0;
fail:
	s = -errno;
	close(m);
	return s;
}

/*
 * After setsid(): @peer becomes the controlling terminal and each of fds 0..2 whose bit is in
 * @fds (those that were the developer's terminal; a pipe or a file stays). Async-signal-safe.
 */
int cordon_pty_attach(int peer, unsigned int fds)
{
	if (ioctl(peer, TIOCSCTTY, 0) < 0)
		return -errno;
	for (int fd = 0; fd <= 2; fd++)
		if ((fds & (1u << fd)) && dup2(peer, fd) < 0)
			return -errno;
	if (peer > 2)
		close(peer);
	return 0;
}

/* Send @fd with a one-byte tag over a unix socket. Async-signal-safe. */
int cordon_fd_send(int sock, int fd, char tag)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}
