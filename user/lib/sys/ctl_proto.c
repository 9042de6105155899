// SPDX-License-Identifier: GPL-2.0-only
/* The control protocol: strict request validation, framing over SOCK_SEQPACKET. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sys/sys.h"

static const char *const op_names[] = {
	[CORDON_CTL_HELLO] = "hello", [CORDON_CTL_CREATE] = "create", [CORDON_CTL_LIST] = "list",
	[CORDON_CTL_END] = "end",     [CORDON_CTL_AUDIT] = "audit",   [CORDON_CTL_SPAWN] = "spawn",
};

/* Keys each op accepts besides "v" and "op". */
static const char *const op_keys[][20] = {
	[CORDON_CTL_HELLO] = { NULL },
	[CORDON_CTL_CREATE] = { "policy", "policy_text", "policy_file", "project", "ssh_auth_sock",
				"hosts_text", "allow_connect", "allow", NULL },
	[CORDON_CTL_LIST] = { NULL },
	[CORDON_CTL_END] = { "session", NULL },
	[CORDON_CTL_AUDIT] = { "session", NULL },
	[CORDON_CTL_SPAWN] = { "policy", "policy_text", "policy_file", "project", "cwd", "argv",
			       "env", "allow_degraded", "json", "audit_stdout", "audit_journal",
			       "hosts_text", "allow_connect", "allow", "quiet", "verbose",
			       "observe", NULL },
};

const char *cordon_ctl_op_name(enum cordon_ctl_op op)
{
	return (size_t)op < ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t len, int r, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r;
}

static bool key_allowed(enum cordon_ctl_op op, const char *key)
{
	if (!strcmp(key, "v") || !strcmp(key, "op"))
		return true;
	for (const char *const *k = op_keys[op]; *k; k++)
		if (!strcmp(*k, key))
			return true;
	return false;
}

/* An optional string member: absent is fine, anything but a string is not. */
static int get_str(json_t *o, const char *key, size_t max, const char **out, size_t *len, char *err,
		   size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return fail(err, errlen, -EINVAL, "'%s' must be a string", key);
	if (json_string_length(v) > max)
		return fail(err, errlen, -EMSGSIZE, "'%s' is longer than %zu bytes", key, max);
	*out = json_string_value(v);
	if (len)
		*len = json_string_length(v);
	return 0;
}

static bool is_abs_path(const char *p)
{
	return p[0] == '/' && !strchr(p, '\n');
}

/* A session id, or a prefix of one as `cordon ps` and the start line show it. */
static bool is_session_id(const char *s)
{
	size_t n = strlen(s);

	if (n < CORDON_CTL_SESSION_MIN || n > CORDON_CTL_SESSION_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* @key (allow_connect, allow): an array of at most CORDON_CTL_MAX_ALLOW short strings without
 * NULs, into @v. */
static int get_allow(struct cordon_ctl_request *q, const char *key, const char **v, size_t *n,
		     char *err, size_t errlen)
{
	json_t *a = json_object_get(q->root, key), *e;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > CORDON_CTL_MAX_ALLOW)
		return fail(err, errlen, -EINVAL, "'%s' must be an array of at most %d strings",
			    key, CORDON_CTL_MAX_ALLOW);
	json_array_foreach (a, i, e) {
		if (!json_is_string(e) || json_string_length(e) > CORDON_CTL_MAX_PATH + 8 ||
		    strlen(json_string_value(e)) != json_string_length(e))
			return fail(err, errlen, -EINVAL, "'%s' entries must be strings", key);
		v[(*n)++] = json_string_value(e);
	}
	return 0;
}

static int check_create(struct cordon_ctl_request *q, char *err, size_t errlen)
{
	size_t plen = 0, hlen = 0;
	int r;

	r = get_str(q->root, "policy", 64, &q->policy, NULL, err, errlen);
	if (r == 0)
		r = get_str(q->root, "policy_text", CORDON_CTL_MAX_POLICY, &q->policy_text, &plen,
			    err, errlen);
	if (r == 0)
		r = get_str(q->root, "policy_file", CORDON_CTL_MAX_PATH, &q->policy_file, NULL, err,
			    errlen);
	if (r == 0)
		r = get_str(q->root, "project", CORDON_CTL_MAX_PATH, &q->project, NULL, err,
			    errlen);
	if (r == 0)
		r = get_str(q->root, "ssh_auth_sock", CORDON_CTL_MAX_PATH, &q->ssh_auth_sock, NULL,
			    err, errlen);
	if (r == 0)
		r = get_str(q->root, "hosts_text", CORDON_CTL_MAX_POLICY, &q->hosts_text, &hlen,
			    err, errlen);
	if (r == 0)
		r = get_allow(q, "allow_connect", q->allow_connect, &q->nallow_connect, err,
			      errlen);
	if (r == 0)
		r = get_allow(q, "allow", q->allow, &q->nallow, err, errlen);
	if (r < 0)
		return r;
	q->policy_len = plen;
	q->hosts_len = hlen;
	if (q->hosts_text && strlen(q->hosts_text) != hlen)
		return fail(err, errlen, -EINVAL, "'hosts_text' contains a NUL byte");
	if (!q->policy == !q->policy_text)
		return fail(err, errlen, -EINVAL, "exactly one of 'policy' and 'policy_text'");
	if (q->policy_text && !q->policy_file)
		return fail(err, errlen, -EINVAL, "'policy_text' needs 'policy_file'");
	if (q->policy && (!q->policy[0] || strchr(q->policy, '/')))
		return fail(err, errlen, -EINVAL, "'policy' must be a policy name");
	if (!q->project || !is_abs_path(q->project))
		return fail(err, errlen, -EINVAL, "'project' must be an absolute path");
	if (q->ssh_auth_sock && !is_abs_path(q->ssh_auth_sock))
		return fail(err, errlen, -EINVAL, "'ssh_auth_sock' must be an absolute path");
	/* policy_text must not carry a NUL: the parser would see less than the daemon checked. */
	if (q->policy_text && strlen(q->policy_text) != plen)
		return fail(err, errlen, -EINVAL, "'policy_text' contains a NUL byte");
	return 0;
}

/* An optional boolean member. */
static int get_bool(json_t *o, const char *key, bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail(err, errlen, -EINVAL, "'%s' must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

/*
 * A required array of strings into a NULL-terminated vector pointing into the request. An
 * entry with a NUL byte would be cut short where the caller checked the whole: refused.
 */
static int get_strv(json_t *o, const char *key, bool need_eq, const char ***out, char *err,
		    size_t errlen)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i, n = json_array_size(a);

	if (!json_is_array(a) || n > CORDON_SPAWN_MAX_ARGS)
		return fail(err, errlen, -EINVAL, "'%s' must be an array of at most %d strings",
			    key, CORDON_SPAWN_MAX_ARGS);
	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return fail(err, errlen, -ENOMEM, "out of memory");
	json_array_foreach (a, i, v) {
		const char *str = json_string_value(v);

		if (!str || strlen(str) != json_string_length(v) ||
		    (need_eq && (!strchr(str, '=') || str[0] == '=')))
			return fail(err, errlen, -EINVAL, "'%s'[%zu] is not a valid entry", key, i);
		(*out)[i] = str;
	}
	return 0;
}

static int check_spawn(struct cordon_ctl_request *q, char *err, size_t errlen)
{
	int r = check_create(q, err, errlen);

	if (r == 0)
		r = get_str(q->root, "cwd", CORDON_CTL_MAX_PATH, &q->cwd, NULL, err, errlen);
	if (r == 0 && q->cwd && !is_abs_path(q->cwd))
		r = fail(err, errlen, -EINVAL, "'cwd' must be an absolute path");
	if (r == 0)
		r = get_strv(q->root, "argv", false, &q->argv, err, errlen);
	if (r == 0 && !q->argv[0])
		r = fail(err, errlen, -EINVAL, "'argv' must not be empty");
	if (r == 0)
		r = get_strv(q->root, "env", true, &q->env, err, errlen);
	if (r == 0)
		r = get_bool(q->root, "allow_degraded", &q->allow_degraded, err, errlen);
	if (r == 0)
		r = get_bool(q->root, "json", &q->json, err, errlen);
	if (r == 0)
		r = get_bool(q->root, "audit_stdout", &q->audit_stdout, err, errlen);
	if (r == 0)
		r = get_bool(q->root, "audit_journal", &q->audit_journal, err, errlen);
	if (r == 0)
		r = get_bool(q->root, "quiet", &q->quiet, err, errlen);
	if (r == 0)
		r = get_bool(q->root, "verbose", &q->verbose, err, errlen);
	if (r == 0)
		r = get_bool(q->root, "observe", &q->observe, err, errlen);
	return r;
}

int cordon_ctl_parse_request(const void *buf, size_t len, struct cordon_ctl_request *q, char *err,
			     size_t errlen)
{
	json_error_t jerr;
	json_t *v, *op;
	const char *key;
	int r;

	memset(q, 0, sizeof(*q));
	if (len > CORDON_CTL_MAX_MSG)
		return fail(err, errlen, -EMSGSIZE, "message larger than %u bytes",
			    CORDON_CTL_MAX_MSG);
	/* No NUL inside strings, no duplicate keys, one value and nothing after it. */
	q->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!q->root)
		/* jansson's text quotes the offending token: only the position goes back. */
		return fail(err, errlen, -EPROTO, "not a JSON object (error at byte %d)",
			    jerr.position);
	if (!json_is_object(q->root)) {
		r = fail(err, errlen, -EPROTO, "a request is a JSON object");
		goto bad;
	}
	v = json_object_get(q->root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != CORDON_CTL_VERSION) {
		r = fail(err, errlen, -EPROTO,
			 "unsupported protocol version (this daemon speaks %d)",
			 CORDON_CTL_VERSION);
		goto bad;
	}
	op = json_object_get(q->root, "op");
	if (!json_is_string(op)) {
		r = fail(err, errlen, -EINVAL, "'op' must be a string");
		goto bad;
	}
	r = -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(op_names); i++)
		if (!strcmp(json_string_value(op), op_names[i])) {
			q->op = (enum cordon_ctl_op)i;
			r = 0;
		}
	if (r < 0) {
		fail(err, errlen, r, "unknown op");
		goto bad;
	}
	json_object_foreach (q->root, key, v) {
		if (!key_allowed(q->op, key)) {
			/* The key is the client's: say which op, not what it sent. */
			r = fail(err, errlen, -EINVAL, "unknown field for op '%s'",
				 op_names[q->op]);
			goto bad;
		}
	}
	switch (q->op) {
	case CORDON_CTL_CREATE:
		r = check_create(q, err, errlen);
		break;
	case CORDON_CTL_SPAWN:
		r = check_spawn(q, err, errlen);
		break;
	case CORDON_CTL_END:
	case CORDON_CTL_AUDIT:
		r = get_str(q->root, "session", CORDON_CTL_SESSION_LEN, &q->session, NULL, err,
			    errlen);
		if (r == 0 && (!q->session || !is_session_id(q->session)))
			r = fail(err, errlen, -EINVAL, "'session' must be %d to %d hex digits",
				 CORDON_CTL_SESSION_MIN, CORDON_CTL_SESSION_LEN);
		break;
	default:
		r = 0;
	}
	if (r == 0)
		return 0;
bad:
	cordon_ctl_request_free(q);
	return r;
}

void cordon_ctl_request_free(struct cordon_ctl_request *q)
{
	free(q->argv);
	free(q->env);
	json_decref(q->root);
	memset(q, 0, sizeof(*q));
}

json_t *cordon_ctl_ok(void)
{
	return json_pack("{s:i,s:b}", "v", CORDON_CTL_VERSION, "ok", 1);
}

json_t *cordon_ctl_error(int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:i,s:b,s:s,s:i}", "v", CORDON_CTL_VERSION, "ok", 0, "error", msg,
			 "errno", err < 0 ? -err : err);
}

int cordon_ctl_send(int fd, const json_t *msg)
{
	_cleanup_free_ char *buf = json_dumps(msg, JSON_COMPACT);
	size_t len;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	len = strlen(buf);
	if (len > CORDON_CTL_MAX_MSG)
		return -EMSGSIZE;
	/* MSG_NOSIGNAL: a client that went away must not kill the daemon with SIGPIPE. */
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int cordon_ctl_send_fds(int fd, const json_t *msg, const int *fds, size_t nfds)
{
	_cleanup_free_ char *buf = json_dumps(msg, JSON_COMPACT);
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * CORDON_SPAWN_FDS)];
	} c = { 0 };
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	if (strlen(buf) > CORDON_CTL_MAX_MSG || nfds > CORDON_SPAWN_FDS)
		return -EMSGSIZE;
	iov = (struct iovec){ .iov_base = buf, .iov_len = strlen(buf) };
	if (nfds) {
		m.msg_control = c.b;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(&c.h), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == iov.iov_len ? 0 : -EIO;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

int cordon_ctl_recv_fds(int fd, void *buf, size_t bufsize, size_t *len, int *fds, size_t max,
			size_t *nfds)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * CORDON_SPAWN_FDS)];
	} c;
	struct iovec iov = { .iov_base = buf, .iov_len = bufsize };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b)
	};
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(fd, &m, MSG_TRUNC | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		size_t k;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = got;
			else
				close(got); /* more than the op takes: never kept */
		}
	}
	/* A cut message or cut control data is refused whole: nothing half-received is used. */
	if (n == 0 || (size_t)n > bufsize || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		close_all(fds, *nfds);
		*nfds = 0;
		return n == 0 ? -EPIPE : (m.msg_flags & MSG_CTRUNC) ? -EPROTO : -EMSGSIZE;
	}
	*len = (size_t)n;
	return 0;
}

int cordon_ctl_recv(int fd, json_t **out, int timeout_ms)
{
	_cleanup_free_ char *buf = malloc(CORDON_CTL_MAX_MSG + 1);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	json_error_t jerr;
	ssize_t n;
	int r;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	/* MSG_TRUNC: the real size comes back, so a truncated message is detected, not parsed. */
	do
		n = recv(fd, buf, CORDON_CTL_MAX_MSG + 1, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n > CORDON_CTL_MAX_MSG)
		return -EMSGSIZE;
	*out = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return -EPROTO;
	}
	return 0;
}

int cordon_ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path)
		path = CORDON_CTL_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int cordon_ctl_call(int fd, const json_t *req, json_t **reply, int timeout_ms)
{
	int r = cordon_ctl_send(fd, req);

	if (r < 0)
		return r;
	return cordon_ctl_recv(fd, reply, timeout_ms);
}

json_t *cordon_cgroup_pids_json(const char *cgroup)
{
	_cleanup_free_ char *path = cordon_path_join(cgroup, "cgroup.procs");
	char line[32];
	json_t *a = json_array();
	FILE *f = path ? fopen(path, "re") : NULL;

	while (f && a && fgets(line, sizeof(line), f))
		json_array_append_new(a, json_integer(strtol(line, NULL, 10)));
	if (f)
		fclose(f);
	return a;
}
