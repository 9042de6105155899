// SPDX-License-Identifier: GPL-2.0-only
/*
 * Audit sinks: buffered whole-line appends to a rotating JSON-lines file, stdout, and journald's
 * native datagram protocol (syslog(3) when its socket is absent).
 */
#include <errno.h>
#include <fcntl.h>
#include <endian.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "audit_sink.h"

#define SINK_BUF     (256u << 10)
#define JOURNAL_SOCK "/run/systemd/journal/socket"

struct cordon_audit_sink {
	struct cordon_audit_sink_opts o;
	char *path;
	int fd;	     /* the file, or -1 */
	int journal; /* datagram socket to journald, or -1 */
	bool syslog_open;
	uint64_t size; /* of the file, as we know it */
	uint64_t lines;
	char *buf;
	size_t len;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int open_file(struct cordon_audit_sink *s)
{
	struct stat st;

	/* Root writes here: never through a symlink someone planted, never into a device. */
	s->fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->fd < 0)
		return -errno;
	if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(s->fd);
		s->fd = -1;
		return -EINVAL;
	}
	s->size = (uint64_t)st.st_size;
	return 0;
}

int cordon_audit_rotate(const char *path, unsigned int keep)
{
	char from[PATH_MAX], to[PATH_MAX];

	if (!keep)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	/* Oldest first, so no name is overwritten before it has moved on. */
	for (unsigned int i = keep; i >= 1; i--) {
		if ((size_t)snprintf(to, sizeof(to), "%s.%u", path, i) >= sizeof(to))
			return -ENAMETOOLONG;
		if (i == 1)
			snprintf(from, sizeof(from), "%s", path);
		else
			snprintf(from, sizeof(from), "%s.%u", path, i - 1);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int cordon_audit_sink_open(const struct cordon_audit_sink_opts *o, struct cordon_audit_sink **out)
{
	struct cordon_audit_sink *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->o = *o;
	s->fd = -1;
	s->journal = -1;
	s->buf = malloc(SINK_BUF);
	if (!s->buf) {
		r = -ENOMEM;
		goto fail;
	}
	if (o->path) {
		s->path = strdup(o->path);
		if (!s->path) {
			r = -ENOMEM;
			goto fail;
		}
		if (o->fd >= 0) {
			struct stat st;

			s->fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 3);
			if (s->fd < 0) {
				r = -errno;
				goto fail;
			}
			s->size = fstat(s->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
		} else {
			r = open_file(s);
			if (r < 0)
				goto fail;
		}
	}
	if (o->to_journal) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCK };

		s->journal = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->journal >= 0 &&
		    connect(s->journal, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(s->journal);
			s->journal = -1;
		}
		if (s->journal < 0) {
			openlog("cordon", LOG_PID, LOG_AUTHPRIV);
			s->syslog_open = true;
		}
	}
	*out = s;
	return 0;
fail:
	cordon_audit_sink_close(s);
	return r;
}

/*
 * One journald entry: KEY=value lines; a value that may hold a newline uses the binary form
 * (KEY\n, 64-bit little-endian length, bytes, \n). The record itself is MESSAGE, so a reader of
 * the journal gets the same JSON line as the file.
 */
static void journal_field(struct iovec *iov, int *n, char *lenbuf, const char *key, const char *val,
			  size_t vlen)
{
	uint64_t le = htole64(vlen);

	memcpy(lenbuf, &le, 8);
	iov[(*n)++] = (struct iovec){ (void *)key, strlen(key) };
	iov[(*n)++] = (struct iovec){ (void *)"\n", 1 };
	iov[(*n)++] = (struct iovec){ lenbuf, 8 };
	iov[(*n)++] = (struct iovec){ (void *)val, vlen };
	iov[(*n)++] = (struct iovec){ (void *)"\n", 1 };
}

static const char *get_path(json_t *rec, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(rec, a), b));
}

static void to_journal(struct cordon_audit_sink *s, json_t *rec, const char *line, size_t len)
{
	static const struct {
		const char *key, *obj, *field;
	} keys[] = {
		{ "CORDON_SESSION", "cordon", "session" }, { "CORDON_LAYER", "cordon", "layer" },
		{ "CORDON_ACTION", "event", "action" },	   { "CORDON_OUTCOME", "event", "outcome" },
		{ "CORDON_POLICY", "cordon", "policy" },
	};
	const char *outcome = get_path(rec, "event", "outcome");
	bool failed = outcome && !strcmp(outcome, "failure");
	char lens[8][8], prio[16];
	struct iovec iov[5 * 8];
	struct msghdr mh = { 0 };
	int n = 0, k = 0;

	if (s->journal < 0) {
		syslog(failed ? LOG_WARNING : LOG_INFO, "%.*s", (int)len, line);
		return;
	}
	snprintf(prio, sizeof(prio), "%d", failed ? LOG_WARNING : LOG_INFO);
	journal_field(iov, &n, lens[k++], "MESSAGE", line, len);
	journal_field(iov, &n, lens[k++], "PRIORITY", prio, strlen(prio));
	journal_field(iov, &n, lens[k++], "SYSLOG_IDENTIFIER", "cordon", 6);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = get_path(rec, keys[i].obj, keys[i].field);

		if (v)
			journal_field(iov, &n, lens[k++], keys[i].key, v, strlen(v));
	}
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	/* Best effort: a full journal must not stall enforcement's reader; the file is the record. */
	sendmsg(s->journal, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int cordon_audit_sink_emit(struct cordon_audit_sink *s, json_t *rec)
{
	char *line;
	size_t len;
	int r = 0;

	if (!rec)
		return -ENOMEM;
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line) {
		json_decref(rec);
		return -ENOMEM;
	}
	len = strlen(line);
	if (s->o.to_journal)
		to_journal(s, rec, line, len);
	json_decref(rec);
	s->lines++;
	if (s->fd < 0 && !s->o.to_stdout) {
		free(line);
		return 0;
	}
	if (s->len + len + 1 > SINK_BUF) {
		r = cordon_audit_sink_flush(s);
		if (r == 0 && len + 1 > SINK_BUF) {
			/* A line larger than the buffer is written on its own, still whole. */
			line[len] = '\n';
			if (s->fd >= 0)
				r = write_all(s->fd, line, len + 1);
			if (r == 0 && s->o.to_stdout)
				r = write_all(STDOUT_FILENO, line, len + 1);
			s->size += len + 1;
			free(line);
			return r;
		}
	}
	memcpy(s->buf + s->len, line, len);
	s->buf[s->len + len] = '\n';
	s->len += len + 1;
	free(line);
	return r;
}

static int rotate(struct cordon_audit_sink *s)
{
	int r;

	if (s->o.fsync != CORDON_AUDIT_FSYNC_NONE)
		fsync(s->fd);
	r = cordon_audit_rotate(s->path, s->o.keep);
	if (r < 0)
		return r;
	close(s->fd);
	return open_file(s);
}

int cordon_audit_sink_flush(struct cordon_audit_sink *s)
{
	int r = 0;

	if (!s->len)
		return 0;
	if (s->fd >= 0) {
		struct stat st;

		/* Another writer may share the file: rotate on its real size. */
		if (s->o.max_bytes && fstat(s->fd, &st) == 0)
			s->size = (uint64_t)st.st_size;
		if (s->o.max_bytes && s->size && s->size + s->len > s->o.max_bytes)
			r = rotate(s);
		if (r == 0)
			r = write_all(s->fd, s->buf, s->len);
		if (r == 0 && s->o.fsync == CORDON_AUDIT_FSYNC_ALWAYS)
			fsync(s->fd);
		s->size += s->len;
	}
	if (r == 0 && s->o.to_stdout)
		r = write_all(STDOUT_FILENO, s->buf, s->len);
	s->len = 0;
	return r;
}

uint64_t cordon_audit_sink_lines(const struct cordon_audit_sink *s)
{
	return s->lines;
}

int cordon_audit_sink_close(struct cordon_audit_sink *s)
{
	int r;

	if (!s)
		return 0;
	r = s->buf ? cordon_audit_sink_flush(s) : 0;
	if (s->fd >= 0) {
		if (s->o.fsync != CORDON_AUDIT_FSYNC_NONE && fsync(s->fd) < 0 && r == 0)
			r = -errno;
		close(s->fd);
	}
	if (s->journal >= 0)
		close(s->journal);
	if (s->syslog_open)
		closelog();
	free(s->path);
	free(s->buf);
	free(s);
	return r;
}
