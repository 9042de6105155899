// SPDX-License-Identifier: GPL-2.0-only
/* One validate-audit.py process per test, asked one record at a time over a socket pair. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit_valid.h"

#define VALIDATOR "tests/lib/validate-audit.py"

static int sock = -1;
static pid_t child = -1;

static int start(void)
{
	const char *py = getenv("CORDON_PYTHON") ?: "/usr/bin/python3";
	int sv[2];

	/* A socket, not pipes: send(MSG_NOSIGNAL) reports a dead validator instead of SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (child == 0) {
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(127);
		execl(py, py, VALIDATOR, "--each", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	sock = sv[0];
	return 0;
}

void audit_schema_stop(void)
{
	if (sock >= 0)
		close(sock);
	if (child > 0)
		waitpid(child, NULL, 0);
	sock = -1;
	child = -1;
}

static int send_all(const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(sock, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One answer line ("ok" or "invalid: ..."), without its newline, into @buf. Only one question
 * is ever outstanding, so whatever arrives belongs to this answer.
 */
static int read_line(char *buf, size_t len)
{
	size_t o = 0;

	for (;;) {
		ssize_t n = read(sock, buf + o, len - 1 - o);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		o += (size_t)n;
		buf[o] = '\0';
		nl = strchr(buf, '\n');
		if (nl) {
			*nl = '\0';
			return 0;
		}
		if (o + 1 >= len)
			return -EMSGSIZE;
	}
}

int audit_schema_validate(json_t *rec, char *err, size_t errlen)
{
	char *line = json_dumps(rec, JSON_COMPACT | JSON_ENCODE_ANY);
	char answer[4096];
	int r = 0;

	if (!line)
		return -ENOMEM;
	if (sock < 0)
		r = start();
	if (r == 0) {
		/* The record and its newline in one write: one message for the validator to read. */
		size_t len = strlen(line);

		line[len] = '\n';
		r = send_all(line, len + 1);
	}
	free(line);
	if (r == 0)
		r = read_line(answer, sizeof(answer));
	if (r < 0) {
		snprintf(err, errlen, "%s did not answer (python3-jsonschema installed?): %s",
			 VALIDATOR, strerror(-r));
		audit_schema_stop();
		return r;
	}
	if (!strcmp(answer, "ok"))
		return 0;
	snprintf(err, errlen, "%s", strncmp(answer, "invalid: ", 9) ? answer : answer + 9);
	return -EBADMSG;
}
