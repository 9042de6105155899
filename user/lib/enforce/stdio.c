// SPDX-License-Identifier: GPL-2.0-only
/*
 * What may cross into a session on stdin, stdout and stderr. A socket created outside the
 * session belongs to the launcher's cgroup, so the session's cgroup programs never judge what
 * is sent through it: an inherited UDP socket would reach any address. Terminals, pipes, files,
 * character devices and connected unix sockets (the stdio of programs started by Node.js and
 * other event loops) carry nothing further; anything else is refused before the agent starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

static int check_socket(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int domain = 0;
	socklen_t dl = sizeof(domain);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0)
		return -errno;
	if (domain != AF_UNIX)
		return -EPROTONOSUPPORT;
	/* Connected: it reaches its peer only, which the launcher chose. */
	if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
		return errno == ENOTCONN ? -EDESTADDRREQ : -errno;
	return 0;
}

int cordon_stdio_check(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return errno == EBADF ? 0 : -errno; /* closed: nothing crosses */
	if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
		return 0;
	if (S_ISSOCK(st.st_mode))
		return check_socket(fd);
	return -EBADFD; /* a directory, a block device, an O_PATH descriptor... */
}

const char *cordon_stdio_reason(int err)
{
	switch (err) {
	case -EPROTONOSUPPORT:
		return "a network socket: what the agent sends through it would bypass the "
		       "session's network rules";
	case -EDESTADDRREQ:
		return "an unconnected socket: the agent could send through it to any address";
	case -EBADFD:
		return "neither a terminal, a pipe, a file nor a connected unix socket";
	default:
		return "cannot be examined";
	}
}
