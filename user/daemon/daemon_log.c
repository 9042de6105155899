// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's leaf helpers: its log line and the epoll registration. They call no other daemon
 * file, so the session, control, policy and auto-confinement files never call back into daemon.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>

#include "daemon.h"

void daemon_log(const char *fmt, ...)
{
	va_list ap;

	/* stderr: journald under systemd, the terminal otherwise. */
	fputs("cordon-daemon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int daemon_watch_add(struct daemon *d, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}
