// SPDX-License-Identifier: GPL-2.0-only
/*
 * Audit sinks: buffered whole-line appends to a rotating JSON-lines file, stdout, and journald's
 * native datagram protocol (syslog(3) when its socket is absent). Every line carries the hash of
 * the line before it (cordon.prev), a chain that continues across rotation.
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
#include <sys/random.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "audit/audit.h"
#include "sys/sys.h"

/*
 * Lines are written when a drain ends or when the buffer holds SINK_FLUSH bytes: one write()
 * carries thousands of records. A record is at most a few tens of KiB (argv escaped), so the
 * buffer rarely has to grow past SINK_FLUSH + one record.
 */
#define SINK_FLUSH   (1u << 20)
#define JOURNAL_SOCK "/run/systemd/journal/socket"

/* Records repeated at the top of every new file (session-start): at most this many at once. */
#define SINK_FIRST_MAX 1024

struct cordon_audit_sink {
	struct cordon_audit_sink_opts o;
	char *path;
	/*
	 * The log's directory, held open: rotation renames and re-creates names relative to it,
	 * so a directory renamed or replaced under the path after open is never written to.
	 */
	int dirfd;
	const char *name; /* the log's last component, in path */
	int fd;		  /* the file, or -1 */
	int journal;	  /* datagram socket to journald, or -1 */
	bool syslog_open;
	uint64_t size; /* of the file, as we know it */
	uint64_t lines;
	uint64_t rotate_errors;	     /* rotations that failed: writing went on in the old file */
	struct cordon_audit_buf buf; /* whole lines, each ending in '\n' */
	uint8_t prev[SHA256_DIGEST_SIZE]; /* hash of the last line (zeros: none yet) */
	struct {
		char *key;
		json_t *rec;
	} first[SINK_FIRST_MAX];
	size_t nfirst;
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

/*
 * Open the log in the held directory. Root writes here: never through a symlink someone
 * planted, never into a device. Read too: the chain goes on from its last line.
 */
static int open_file(struct cordon_audit_sink *s)
{
	struct stat st;

	s->fd = openat(s->dirfd, s->name, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		       0600);
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

/* Hash @n bytes of @fd from @off into @ctx. */
static int hash_range(int fd, off_t off, uint64_t n, struct sha256_ctx *ctx)
{
	char chunk[1 << 16];

	while (n) {
		ssize_t r = pread(fd, chunk, n < sizeof(chunk) ? n : sizeof(chunk), off);

		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		sha256_update(ctx, (size_t)r, (const uint8_t *)chunk);
		off += r;
		n -= (uint64_t)r;
	}
	return 0;
}

/*
 * The chain goes on from the file's last line: its hash into prev. A last line cut short (a
 * writer that died mid-line) is ended, so the next record starts a line of its own; the
 * verifier reports the cut one.
 */
static int chain_from_file(struct cordon_audit_sink *s)
{
	struct sha256_ctx ctx;
	char chunk[1 << 16], last;
	off_t end, start = 0;

	memset(s->prev, 0, sizeof(s->prev));
	if (!s->size)
		return 0;
	end = (off_t)s->size;
	if (pread(s->fd, &last, 1, end - 1) != 1)
		return -EIO;
	if (last == '\n')
		end--;
	/* Back from the end to the newline before the last line. */
	for (off_t pos = end; pos > 0 && !start;) {
		size_t n = pos < (off_t)sizeof(chunk) ? (size_t)pos : sizeof(chunk);
		const char *nl;

		pos -= (off_t)n;
		if (pread(s->fd, chunk, n, pos) != (ssize_t)n)
			return -EIO;
		nl = memrchr(chunk, '\n', n);
		if (nl)
			start = pos + (nl - chunk) + 1;
	}
	sha256_init(&ctx);
	if (hash_range(s->fd, start, (uint64_t)(end - start), &ctx) < 0)
		return -EIO;
	sha256_digest(&ctx, sizeof(s->prev), s->prev);
	if (last != '\n') {
		if (write(s->fd, "\n", 1) != 1)
			return -EIO;
		s->size++;
	}
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

int cordon_audit_rotate(int dirfd, const char *name, unsigned int keep)
{
	char from[NAME_MAX + 1], to[NAME_MAX + 1];

	if (!keep)
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	/* Oldest first, so no name is overwritten before it has moved on. */
	for (unsigned int i = keep; i >= 1; i--) {
		if ((size_t)snprintf(to, sizeof(to), "%s.%u", name, i) >= sizeof(to))
			return -ENAMETOOLONG;
		if (i == 1)
			snprintf(from, sizeof(from), "%s", name);
		else
			snprintf(from, sizeof(from), "%s.%u", name, i - 1);
		/* rename() replaces whatever holds the name (a planted file or symlink itself, never
		 * what a symlink points to). */
		if (renameat(dirfd, from, dirfd, to) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* The descriptor the caller opened: appended to, chained on from its last line. */
static int adopt_fd(struct cordon_audit_sink *s)
{
	struct stat st;

	s->fd = fcntl(s->o.fd, F_DUPFD_CLOEXEC, 3);
	if (s->fd < 0)
		return -errno;
	s->size = fstat(s->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return chain_from_file(s);
}

/* Hold the directory of @path and open the log in it (appending to what is there). */
static int open_dir_and_file(struct cordon_audit_sink *s)
{
	char dir[PATH_MAX];
	int r = cordon_audit_path_split(s->path, dir, sizeof(dir), &s->name);

	if (r < 0)
		return r;
	s->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return -errno;
	if (s->o.fd >= 0)
		return adopt_fd(s);
	r = open_file(s);
	return r < 0 ? r : chain_from_file(s);
}

int cordon_audit_sink_open(const struct cordon_audit_sink_opts *o, struct cordon_audit_sink **out)
{
	struct cordon_audit_sink *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->o = *o;
	s->fd = -1;
	s->dirfd = -1;
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
		r = open_dir_and_file(s);
		if (r < 0)
			goto fail;
	} else if (o->fd >= 0) {
		/*
		 * A descriptor without a name (another process's file, passed in): written to,
		 * never rotated, since rotating renames and recreates a name, which this sink
		 * has none of (a daemon once resolved a made-up one in its own directory).
		 */
		s->o.max_bytes = 0;
		r = adopt_fd(s);
		if (r < 0)
			goto fail;
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

/*
 * End the record at @start (one JSON object, no newline) with the hash of the line before it,
 * then remember its own hash: "...}" becomes "...,\"cordon.prev\":\"<hex>\"}".
 */
static int chain_line(struct cordon_audit_sink *s, size_t start)
{
	static const char key[] = ",\"cordon.prev\":\"";
	static const char digits[] = "0123456789abcdef";
	struct cordon_audit_buf *b = &s->buf;
	char hex[2 * SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	if (b->len - start < 2 || b->p[b->len - 1] != '}' || b->p[start] != '{')
		return -EINVAL;
	for (size_t i = 0; i < sizeof(s->prev); i++) {
		hex[2 * i] = digits[s->prev[i] >> 4];
		hex[2 * i + 1] = digits[s->prev[i] & 15];
	}
	b->len--;
	/* An empty object gets no comma. */
	cordon_audit_buf_put(b, key + (b->len - start == 1),
			     sizeof(key) - 1 - (b->len - start == 1));
	cordon_audit_buf_put(b, hex, sizeof(hex));
	cordon_audit_buf_put(b, "\"}", 2);
	if (b->overflow)
		return -ENOMEM;
	sha256_init(&ctx);
	sha256_update(&ctx, b->len - start, (const uint8_t *)b->p + start);
	sha256_digest(&ctx, sizeof(s->prev), s->prev);
	return 0;
}

/* The repeated records (session-start), marked as copies, at the top of a new file. */
static void put_first(struct cordon_audit_sink *s)
{
	for (size_t i = 0; i < s->nfirst; i++) {
		json_t *c = json_object_get(s->first[i].rec, "cordon");
		char *line;
		size_t start = s->buf.len;

		json_t *o;

		json_object_set_new(c, "rotation_copy", json_true());
		o = s->o.format == CORDON_AUDIT_FORMAT_OCSF ? cordon_audit_to_ocsf(s->first[i].rec)
							    : json_incref(s->first[i].rec);
		line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		json_object_del(c, "rotation_copy");
		if (!line)
			continue;
		cordon_audit_buf_put(&s->buf, line, strlen(line));
		free(line);
		if (chain_line(s, start) < 0) {
			s->buf.len = start;
			s->buf.overflow = false;
			continue;
		}
		cordon_audit_buf_put(&s->buf, "\n", 1);
		s->lines++;
	}
}

static int rotate(struct cordon_audit_sink *s);

/*
 * The record at @start would take the file past max_bytes: what is buffered before it goes to
 * the old file, the file is rotated, and the new one starts with the repeated records. A
 * record alone in an empty file goes whole, however large.
 */
static int rotate_before(struct cordon_audit_sink *s, size_t *startp)
{
	size_t start = *startp, len = s->buf.len - start;
	uint64_t before = s->size + start, n = len + 80;
	_cleanup_free_ char *line = NULL;

	if (s->fd < 0 || !s->o.max_bytes || !before || before + n <= s->o.max_bytes)
		return 0;
	line = malloc(len);
	if (!line)
		return -ENOMEM;
	memcpy(line, s->buf.p + start, len);
	s->buf.len = start;
	cordon_audit_sink_flush(s);
	rotate(s);
	put_first(s);
	*startp = s->buf.len;
	cordon_audit_buf_put(&s->buf, line, len);
	return 0;
}

/*
 * The record at @start as OCSF: parsed back and re-encoded by jansson (a slower path than ECS,
 * which the formatter writes directly).
 */
static int to_ocsf(struct cordon_audit_sink *s, size_t start)
{
	json_t *ecs = json_loadb(s->buf.p + start, s->buf.len - start, 0, NULL);
	json_t *o = cordon_audit_to_ocsf(ecs);
	char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(ecs);
	json_decref(o);
	if (!line)
		return -ENOMEM;
	s->buf.len = start;
	cordon_audit_buf_put(&s->buf, line, strlen(line));
	free(line);
	return s->buf.overflow ? -ENOMEM : 0;
}

int cordon_audit_sink_commit(struct cordon_audit_sink *s, size_t start,
			     const struct cordon_audit_keys *keys)
{
	int r = s->o.format == CORDON_AUDIT_FORMAT_OCSF ? to_ocsf(s, start) : 0;

	if (r < 0) {
		s->buf.len = start;
		s->buf.overflow = false;
		return r;
	}
	r = rotate_before(s, &start);

	if (r < 0 || s->buf.overflow || chain_line(s, start) < 0) {
		s->buf.len = start;
		s->buf.overflow = false;
		return r < 0 ? r : -ENOMEM;
	}
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

int cordon_audit_sink_keep_first(struct cordon_audit_sink *s, const char *key, json_t *rec)
{
	size_t i;

	for (i = 0; i < s->nfirst; i++)
		if (!strcmp(s->first[i].key, key))
			break;
	if (i < s->nfirst) {
		json_decref(s->first[i].rec);
		free(s->first[i].key);
		s->first[i] = s->first[--s->nfirst];
	}
	if (!rec)
		return 0;
	if (s->nfirst == SINK_FIRST_MAX || !json_is_object(json_object_get(rec, "cordon")))
		return -ENOSPC;
	s->first[s->nfirst].key = strdup(key);
	if (!s->first[s->nfirst].key)
		return -ENOMEM;
	s->first[s->nfirst++].rec = json_deep_copy(rec);
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

/*
 * The new file for @name: made under a fresh unpredictable name (O_EXCL, O_NOFOLLOW), then
 * renamed onto @name, which replaces whatever someone placed there since the old file moved
 * on (a symlink, a file of theirs) instead of opening it. Never a window in which the log's
 * name is open to be claimed and then adopted.
 */
static int create_fresh(struct cordon_audit_sink *s)
{
	char tmp[NAME_MAX + 1];
	struct stat st;

	for (int i = 0; i < 16; i++) {
		uint64_t rnd = 0;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = cordon_realtime_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)i;
		if ((size_t)snprintf(tmp, sizeof(tmp), ".%.200s.%016llx", s->name,
				     (unsigned long long)rnd) >= sizeof(tmp))
			return -ENAMETOOLONG;
		s->fd = openat(s->dirfd, tmp,
			       O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (s->fd >= 0)
			break;
		if (errno != EEXIST)
			return -errno;
	}
	if (s->fd < 0)
		return -EEXIST;
	if (renameat(s->dirfd, tmp, s->dirfd, s->name) < 0 || fstat(s->fd, &st) < 0) {
		int e = -errno;

		unlinkat(s->dirfd, tmp, 0);
		close(s->fd);
		s->fd = -1;
		return e;
	}
	s->size = 0;
	return 0;
}

/*
 * Rotate within the held directory: FILE -> FILE.1 -> ..., then a new FILE (create_fresh()).
 * rename() moves or replaces names, never what a planted symlink points to. A rotation that
 * fails keeps writing to the file it has (records come first) and is tried again max_bytes
 * later.
 */
static int rotate(struct cordon_audit_sink *s)
{
	int old = s->fd, r;

	if (s->o.fsync != CORDON_AUDIT_FSYNC_NONE)
		fsync(old);
	r = cordon_audit_rotate(s->dirfd, s->name, s->o.keep);
	if (r == 0)
		r = create_fresh(s);
	if (r < 0) {
		s->fd = old;
		s->size = 0;
		s->rotate_errors++;
		return r;
	}
	close(old);
	return 0;
}

static int write_file(struct cordon_audit_sink *s)
{
	struct stat st;
	int r;

	r = write_all(s->fd, s->buf.p, s->buf.len);
	/* Another writer may share the file: the next rotation goes by its real size. */
	if (s->o.max_bytes && fstat(s->fd, &st) == 0)
		s->size = (uint64_t)st.st_size;
	else
		s->size += s->buf.len;
	if (r == 0 && s->o.fsync == CORDON_AUDIT_FSYNC_ALWAYS)
		fsync(s->fd);
	return r;
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

int cordon_audit_sink_position(const struct cordon_audit_sink *s, struct cordon_audit_pos *pos)
{
	struct stat st;

	if (!s || s->fd < 0)
		return -ENOENT;
	if (fstat(s->fd, &st) < 0)
		return -errno;
	/* size: what this sink wrote to the file, itself included in st_size (another writer's
	 * bytes would only move the next line later). */
	*pos = (struct cordon_audit_pos){ .dev = st.st_dev, .ino = st.st_ino, .off = s->size };
	return 0;
}

uint64_t cordon_audit_sink_rotate_errors(const struct cordon_audit_sink *s)
{
	return s->rotate_errors;
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
	if (s->dirfd >= 0)
		close(s->dirfd);
	for (size_t i = 0; i < s->nfirst; i++) {
		free(s->first[i].key);
		json_decref(s->first[i].rec);
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
