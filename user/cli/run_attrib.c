// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run`'s side of the host tier's attribution (audit/audit_attrib.c does the work): what
 * it needs of the session, gathered once the view is planned, and for the daemon's spawn worker
 * sent to the daemon, whose stream then attributes the session's refusals the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"
#include "run_daemon.h"
#include "sys/sys.h"

/* The session's Landlock rules, secret masks and view's own trees, and its user. */
static int gather(struct run *r, struct cordon_attrib *a)
{
	int e = cordon_attrib_init(a, &r->ll, r->tu.uid, r->tu.gid, r->tu.groups,
				   r->tu.ngroups > 0 ? (size_t)r->tu.ngroups : 0);

	for (size_t i = 0; e == 0 && i < r->masks.n; i++)
		if (r->masks.v[i].kind == CORDON_MASK_SECRET)
			e = cordon_attrib_add(a, CORDON_ATTRIB_SECRET, r->masks.v[i].path);
		else if (r->masks.v[i].kind == CORDON_MASK_NOEXEC)
			e = cordon_attrib_add(a, CORDON_ATTRIB_NOEXEC, r->masks.v[i].path);
	for (size_t i = 0; e == 0 && r->l.view && i < r->view.nmounts; i++)
		if (r->view.mounts[i].kind == CORDON_VIEW_TMPFS)
			e = cordon_attrib_add(a, CORDON_ATTRIB_HIDDEN, r->view.mounts[i].path);
	for (size_t i = 0; e == 0 && r->l.view && i < r->view.nkeep; i++)
		e = cordon_attrib_add(a, CORDON_ATTRIB_KEEP, r->view.keep[i]);
	return e;
}

/*
 * To the daemon, on the listener's record channel: one message, its magic then JSON, never the
 * size of a listener record (the daemon tells them apart by it). Before the agent starts, so
 * the daemon has it before any record of the session (it reads the channel before it
 * attributes one). A message that cannot go leaves the daemon attributing without it.
 */
static void send_to_daemon(const struct run *r, const struct cordon_attrib *a)
{
	json_t *j = cordon_attrib_to_json(a);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	char *msg = text ? cordon_strdup_printf(RUN_ATTRIB_MAGIC "%s ", text) : NULL;
	size_t n = msg ? strlen(msg) - 1 : 0; /* the space only when needed */

	if (msg) {
		if (n == sizeof(struct cordon_event_file) || n == 8)
			n++;
		if (send(r->dsess.records_fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n)
			fprintf(stderr,
				"cordon: warning: the daemon cannot attribute this session's "
				"refusals against its rules: %s\n",
				strerror(errno));
	}
	free(msg);
	free(text);
	json_decref(j);
}

int run_attrib_prepare(struct run *r)
{
	int e = gather(r, &r->ev.actx);

	if (e < 0) {
		cordon_attrib_free(&r->ev.actx); /* unknown: nothing is dropped */
		cli_error("run: preparing the audit's attribution: %s", strerror(-e));
		return e;
	}
	if (r->dsess.on && r->dsess.records_fd >= 0)
		send_to_daemon(r, &r->ev.actx);
	return 0;
}

/* The fd on the channel, with the magic alone (SCM_RIGHTS). */
static void send_root(const struct run *r, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)RUN_ROOT_MAGIC, .iov_len = RUN_ATTRIB_MAGIC_LEN };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	(void)!sendmsg(r->dsess.records_fd, &m, MSG_NOSIGNAL);
}

void run_attrib_root(struct run *r)
{
	char path[64];
	int fd = r->launched.root_fd;

	/* The child's own view root (taken before the agent ran), else its init's while it lives. */
	r->launched.root_fd = -1;
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/root", (int)r->launched.pid);
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return; /* each record's task's own root, while it lives */
	if (r->dsess.on) {
		if (r->dsess.records_fd >= 0)
			send_root(r, fd);
		close(fd);
		return;
	}
	cordon_attrib_set_root(&r->ev.actx, fd);
}

int run_attribute(const struct run *r, struct cordon_event_syscall *s)
{
	return cordon_audit_attribute(&r->ev.actx, r->ev.audit.rules, s);
}
