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

#include "audit/audit.h"

/*
 * Lines are written when a drain ends or when the buffer holds SINK_FLUSH bytes: one write()
 * carries thousands of records. A record is at most a few tens of KiB (argv escaped), so the
 * buffer rarely has to grow past SINK_FLUSH + one record.
 */
#define SINK_FLUSH   (1u << 20)
#define JOURNAL_SOCK "/run/systemd/journal/socket"

struct cordon_audit_sink {
	struct cordon_audit_sink_opts o;
	char *path;
	int fd;	     /* the file, or -1 */
	int journal; /* datagram socket to journald, or -1 */
	bool syslog_open;
	uint64_t size; /* of the file, as we know it */
	uint64_t lines;
	struct cordon_audit_buf buf; /* whole lines, each ending in '\n' */
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

int cordon_audit_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*p && p[1])
		return -EINVAL;
	if (v > (UINT64_MAX >> 1) >> shift)
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

int cordon_audit_parse_fsync(const char *s, enum cordon_audit_fsync *out)
{
	static const char *const names[] = {
		[CORDON_AUDIT_FSYNC_NONE] = "none",
		[CORDON_AUDIT_FSYNC_ROTATE] = "rotate",
		[CORDON_AUDIT_FSYNC_ALWAYS] = "always",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum cordon_audit_fsync)i;
			return 0;
		}
	}
	return -EINVAL;
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
	if (cordon_audit_buf_reserve(&s->buf, SINK_FLUSH + (64u << 10)) < 0) {
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

static void to_journal(struct cordon_audit_sink *s, const struct cordon_audit_keys *k,
		       const char *line, size_t len)
{
	const struct {
		const char *key, *val;
	} fields[] = {
		{ "CORDON_SESSION", k->session }, { "CORDON_LAYER", k->layer },
		{ "CORDON_ACTION", k->action },	  { "CORDON_OUTCOME", k->outcome },
		{ "CORDON_POLICY", k->policy },
	};
	bool failed = k->outcome && !strcmp(k->outcome, "failure");
	char lens[8][8], prio[16];
	struct iovec iov[5 * 8];
	struct msghdr mh = { 0 };
	int n = 0, l = 0;

	if (s->journal < 0) {
		syslog(failed ? LOG_WARNING : LOG_INFO, "%.*s", (int)len, line);
		return;
	}
	snprintf(prio, sizeof(prio), "%d", failed ? LOG_WARNING : LOG_INFO);
	journal_field(iov, &n, lens[l++], "MESSAGE", line, len);
	journal_field(iov, &n, lens[l++], "PRIORITY", prio, strlen(prio));
	journal_field(iov, &n, lens[l++], "SYSLOG_IDENTIFIER", "cordon", 6);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].val)
			journal_field(iov, &n, lens[l++], fields[i].key, fields[i].val,
				      strlen(fields[i].val));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	/* Best effort: a full journal must not stall enforcement's reader; the file is the record. */
	sendmsg(s->journal, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

struct cordon_audit_buf *cordon_audit_sink_line(struct cordon_audit_sink *s)
{
	if (s->buf.len >= SINK_FLUSH)
		cordon_audit_sink_flush(s);
	return &s->buf;
}

int cordon_audit_sink_commit(struct cordon_audit_sink *s, size_t start,
			     const struct cordon_audit_keys *keys)
{
	cordon_audit_buf_put(&s->buf, "\n", 1);
	if (s->buf.overflow) {
		s->buf.len = start;
		s->buf.overflow = false;
		return -ENOMEM;
	}
	s->lines++;
	if (s->o.to_journal)
		to_journal(s, keys, s->buf.p + start, s->buf.len - start - 1);
	if (s->fd < 0 && !s->o.to_stdout)
		s->buf.len = start; /* journald only: nothing to keep */
	return 0;
}

static const char *get_path(json_t *rec, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(rec, a), b));
}

int cordon_audit_sink_emit(struct cordon_audit_sink *s, json_t *rec)
{
	struct cordon_audit_keys keys;
	struct cordon_audit_buf *b;
	size_t start;
	char *line;
	int r;

	if (!rec)
		return -ENOMEM;
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	keys = (struct cordon_audit_keys){
		.session = get_path(rec, "cordon", "session"),
		.policy = get_path(rec, "cordon", "policy"),
		.action = get_path(rec, "event", "action"),
		.outcome = get_path(rec, "event", "outcome"),
		.layer = get_path(rec, "cordon", "layer"),
	};
	b = cordon_audit_sink_line(s);
	start = b->len;
	if (line)
		cordon_audit_buf_put(b, line, strlen(line));
	r = line ? cordon_audit_sink_commit(s, start, &keys) : -ENOMEM;
	free(line);
	json_decref(rec); /* after commit: the keys point into it */
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

/* Bytes of whole lines at @p (@n bytes) that keep the file within max_bytes, 0 if none. */
static size_t fitting(const struct cordon_audit_sink *s, const char *p, size_t n)
{
	uint64_t room;
	const char *nl;

	if (!s->o.max_bytes)
		return n;
	room = s->size < s->o.max_bytes ? s->o.max_bytes - s->size : 0;
	if (n <= room)
		return n;
	nl = room ? memrchr(p, '\n', (size_t)room) : NULL;
	return nl ? (size_t)(nl - p) + 1 : 0;
}

static int write_file(struct cordon_audit_sink *s)
{
	const char *p = s->buf.p;
	size_t left = s->buf.len;
	bool rotated = false;
	struct stat st;
	int r = 0, err = 0;

	/* Another writer may share the file: rotate on its real size. */
	if (s->o.max_bytes && fstat(s->fd, &st) == 0)
		s->size = (uint64_t)st.st_size;
	while (left && r == 0) {
		size_t n = fitting(s, p, left);

		if (!n && s->size && !rotated) {
			/* A failed rotation keeps writing to the file it has: records come first. */
			err = rotate(s);
			rotated = true;
			if (s->fd < 0)
				return err;
			continue;
		}
		if (!n) /* an empty file, or just rotated: the next line goes whole even if large */
			n = (size_t)((const char *)memchr(p, '\n', left) - p) + 1;
		r = write_all(s->fd, p, n);
		s->size += n;
		p += n;
		left -= n;
		rotated = false;
	}
	if (r == 0 && s->o.fsync == CORDON_AUDIT_FSYNC_ALWAYS)
		fsync(s->fd);
	return r ? r : err;
}

int cordon_audit_sink_flush(struct cordon_audit_sink *s)
{
	int r = 0;

	if (!s->buf.len)
		return 0;
	if (s->fd >= 0)
		r = write_file(s);
	if (r == 0 && s->o.to_stdout)
		r = write_all(STDOUT_FILENO, s->buf.p, s->buf.len);
	s->buf.len = 0;
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
	r = cordon_audit_sink_flush(s);
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
	free(s->buf.p);
	free(s);
	return r;
}
