// SPDX-License-Identifier: GPL-2.0-only
/* The client half of a daemon session (see run_daemon.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sys/sys.h"
#include "cli.h"
#include "policy/policy.h"
#include "run_daemon.h"

#define CTL_TIMEOUT_MS 15000

int run_daemon_connect(void)
{
	const char *path = getenv("CORDON_SOCKET");

	return cordon_ctl_connect(path && *path ? path : NULL);
}

static bool is_path_ref(const char *ref)
{
	size_t n = strlen(ref);

	return strchr(ref, '/') || (n > 5 && !strcmp(ref + n - 5, ".yaml"));
}

/*
 * The file the daemon cannot see for itself: a path, or a name found only in the user's dir.
 * Allocated; NULL when the daemon resolves @ref itself (or out of memory).
 */
static char *policy_file_of(const char *ref)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	_cleanup_free_ char *sys = NULL, *path = NULL;

	if (is_path_ref(ref))
		return strdup(ref);
	if (!strncmp(ref, "builtin:", 8))
		return NULL;
	sys = cordon_strdup_printf("%s/%s.yaml", POLICY_SYSTEM_DIR, ref);
	if (!sys || access(sys, F_OK) == 0)
		return NULL;
	if (x && x[0] == '/')
		path = cordon_strdup_printf("%s/cordon/policies/%s.yaml", x, ref);
	else if (home && home[0] == '/')
		path = cordon_strdup_printf("%s/.config/cordon/policies/%s.yaml", home, ref);
	if (!path || access(path, F_OK) < 0)
		return NULL;
	return TAKE_PTR(path);
}

static char *read_text(const char *path, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = malloc(CORDON_CTL_MAX_POLICY + 1);
	ssize_t n;
	size_t got = 0;

	if (fd < 0 || !buf) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + got, CORDON_CTL_MAX_POLICY + 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0 || got > CORDON_CTL_MAX_POLICY) {
		errno = n < 0 ? errno : EFBIG;
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* The user's hosts.yaml and --allow-connect rules into the create request. */
static int add_extra(json_t *req, const struct run_daemon_extra *x)
{
	json_t *a = json_array();
	size_t len = 0;

	for (size_t i = 0; a && i < x->nallow_connect; i++)
		json_array_append_new(a, json_string(x->allow_connect[i]));
	if (!a)
		return -ENOMEM;
	/* Only when given: a daemon of an older version refuses keys it does not know. */
	if (x->nallow_connect && json_object_set_new(req, "allow_connect", a) < 0)
		return -ENOMEM;
	if (!x->nallow_connect)
		json_decref(a);
	if (x->hosts_path) {
		_cleanup_free_ char *text = read_text(x->hosts_path, &len);

		if (!text) {
			cli_error("run: host sets '%s': %s", x->hosts_path, strerror(errno));
			return -errno;
		}
		json_object_set_new(req, "hosts_text", json_stringn(text, len));
		if (!json_object_get(req, "hosts_text")) {
			cli_error("run: host sets '%s' are not UTF-8", x->hosts_path);
			return -EINVAL;
		}
	}
	return 0;
}

int run_daemon_create(int fd, const char *ref, const char *project,
		      const struct run_daemon_extra *x, struct run_daemon_session *out)
{
	const char *sock = getenv("SSH_AUTH_SOCK");
	json_t *req, *rep = NULL, *e;
	_cleanup_free_ char *path = policy_file_of(ref);
	size_t i, len = 0;
	int r;

	req = json_pack("{s:i,s:s,s:s}", "v", CORDON_CTL_VERSION, "op", "create", "project",
			project);
	if (!req)
		return -ENOMEM;
	if (sock && sock[0] == '/')
		json_object_set_new(req, "ssh_auth_sock", json_string(sock));
	r = add_extra(req, x);
	if (r < 0) {
		json_decref(req);
		return r;
	}
	if (path) {
		_cleanup_free_ char *text = read_text(path, &len);

		if (!text) {
			r = -errno;
			cli_error("run: policy '%s': %s", path, strerror(errno));
			json_decref(req);
			return r;
		}
		json_object_set_new(req, "policy_text", json_stringn(text, len));
		json_object_set_new(req, "policy_file", json_string(path));
		if (!json_object_get(req, "policy_text")) {
			cli_error("run: policy '%s' is not UTF-8", path);
			json_decref(req);
			return -EINVAL;
		}
	} else {
		json_object_set_new(req, "policy", json_string(ref));
	}
	r = cordon_ctl_call(fd, req, &rep, CTL_TIMEOUT_MS);
	/*
	 * A daemon at its connection limit closes new connections at once: try again on a new
	 * one for a while (many agents started together), then give up.
	 */
	for (int tries = 0; (r == -EPIPE || r == -ECONNRESET) && tries < 50; tries++) {
		int nfd;

		nanosleep(&(struct timespec){ .tv_nsec = (tries + 1) * 20 * 1000 * 1000 }, NULL);
		nfd = run_daemon_connect();
		if (nfd < 0)
			break;
		dup3(nfd, fd, O_CLOEXEC);
		close(nfd);
		r = cordon_ctl_call(fd, req, &rep, CTL_TIMEOUT_MS);
	}
	json_decref(req);
	if (r < 0) {
		cli_error("run: daemon: %s", strerror(-r));
		return r;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		json_array_foreach (json_object_get(rep, "errors"), i, e)
			fprintf(stderr, "%s\n", json_string_value(e));
		cli_error("run: daemon: %s",
			  json_string_value(json_object_get(rep, "error")) ?: "refused");
		r = -(int)json_integer_value(json_object_get(rep, "errno"));
		json_decref(rep);
		return r < 0 ? r : -EPERM;
	}
	out->on = true;
	snprintf(out->name, sizeof(out->name), "%s",
		 json_string_value(json_object_get(rep, "session")) ?: "");
	snprintf(out->sha256, sizeof(out->sha256), "%s",
		 json_string_value(json_object_get(rep, "policy_sha256")) ?: "");
	out->bpf_lsm = json_is_true(json_object_get(json_object_get(rep, "layers"), "bpf_lsm"));
	out->limits = (unsigned int)json_integer_value(json_object_get(rep, "limits"));
	json_decref(rep);
	return 0;
}

int run_daemon_fetch_audit(const char *session, void (*fn)(void *ctx, json_t *rec), void *ctx)
{
	json_t *req = json_pack("{s:i,s:s,s:s}", "v", CORDON_CTL_VERSION, "op", "audit", "session",
				session);
	_cleanup_close_ int fd = run_daemon_connect();
	int r;

	if (!req || fd < 0) {
		json_decref(req);
		return fd < 0 ? fd : -ENOMEM;
	}
	r = cordon_ctl_send(fd, req);
	json_decref(req);
	while (r == 0) {
		json_t *rep = NULL, *l;
		size_t i;

		r = cordon_ctl_recv(fd, &rep, CTL_TIMEOUT_MS);
		if (r < 0)
			break;
		if (!json_is_true(json_object_get(rep, "ok"))) {
			r = -(int)json_integer_value(json_object_get(rep, "errno"));
			json_decref(rep);
			return r < 0 ? r : -EIO;
		}
		json_array_foreach (json_object_get(rep, "lines"), i, l) {
			const char *s = json_string_value(l);
			json_t *rec = s ? json_loads(s, 0, NULL) : NULL;

			if (rec)
				fn(ctx, rec);
		}
		if (json_is_true(json_object_get(rep, "done"))) {
			json_decref(rep);
			break;
		}
		json_decref(rep);
	}
	return r;
}
