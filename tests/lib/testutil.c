// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the host and VM tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "enforce/enforce.h"
#include "sys/sys.h"
#include "loader/loader.h"
#include "probe/probe.h"
#include "compile/compile.h"
#include "policy/policy.h"
#include "spawn.h"
#include "tap.h"
#include "testutil.h"

int run_child(int (*fn)(void *), void *arg, pid_t *pid)
{
	int status;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p < 0)
		return -1;
	if (p == 0)
		_exit(fn(arg) & 0xff);
	if (pid)
		*pid = p;
	if (waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static socklen_t loopback(int family, const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr ? addr : "127.0.0.1", &s4->sin_addr);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	inet_pton(AF_INET6, addr ? addr : "::1", &s6->sin6_addr);
	return sizeof(*s6);
}

int tcp_listener(int family, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, NULL, 0, &ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

int tcp_connect(int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, addr, port, &ss);
	_cleanup_close_ int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	return connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
}

int test_cgroup_root(char *buf, size_t len, const char *tag)
{
	char mnt[4096];
	int r = cordon_cgroup2_mount(mnt, sizeof(mnt));

	if (r < 0)
		return r;
	if ((size_t)snprintf(buf, len, "%s/cordon-test-%s.%d", mnt, tag, (int)getpid()) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Run @argv, capture its stdout (up to 64 KiB) into a new string. */
static char *capture(char *const argv[], int *status)
{
	struct test_cmd c = { .argv = argv, .keep_stderr = true };
	char *buf = calloc(1, 65536);

	if (buf && test_spawn(&c, buf, 65536, status) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static bool has(json_t *o, const char *key, json_type type)
{
	json_t *v = json_object_get(o, key);

	return tap_check(v && (json_typeof(v) == type ||
			       (type == JSON_TRUE && json_typeof(v) == JSON_FALSE)),
			 "doctor_json_has_%s", key);
}

/* Can this process really load and attach the programs? The independent check of the probe. */
static bool really_loads(bool lsm)
{
	struct cordon_bpf_opts o = { .lsm = lsm };
	struct cordon_bpf *b = NULL;
	char root[4200];
	int r;

	if (test_cgroup_root(root, sizeof(root), lsm ? "lsm" : "cg") < 0)
		return false;
	o.cgroup_root = root;
	r = cordon_bpf_start(&o, &b);
	if (r < 0)
		tap_diag("loading the skeleton (lsm=%d): %s", lsm, strerror(-r));
	cordon_bpf_stop(b);
	cordon_cgroup_remove(root);
	return r == 0;
}

void check_doctor(const char *cordon, int expect_bpf_lsm)
{
	char *argv[] = { (char *)cordon, "doctor", "--json", NULL };
	_cleanup_free_ char *out = NULL;
	struct cordon_features f;
	json_error_t err;
	json_t *o, *v;
	bool lsm_real, cg_real;
	char lsms[256] = "";
	int status = -1;

	out = capture(argv, &status);
	if (!tap_check(out && WIFEXITED(status) && WEXITSTATUS(status) == 0, "doctor_json_exits_0"))
		return;
	o = json_loads(out, 0, &err);
	/* json_is_object() is false for NULL too. */
	if (!tap_check(json_is_object(o), "doctor_json_parses")) {
		tap_diag("%s", err.text);
		return;
	}
	{
		/* The whole report, on one line, for the record of what each kernel said. */
		char *compact = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

		tap_diag("doctor-json: %s", compact ? compact : "?");
		free(compact);
	}
	has(o, "kernel", JSON_STRING);
	has(o, "lsms", JSON_ARRAY);
	has(o, "bpf_lsm", JSON_TRUE);
	has(o, "cgroup_bpf", JSON_TRUE);
	has(o, "landlock_abi", JSON_INTEGER);
	has(o, "seccomp", JSON_TRUE);
	has(o, "layers", JSON_OBJECT);
	v = json_object_get(o, "cgroup2");
	tap_check(v && (json_is_string(v) || json_is_null(v)), "doctor_json_has_cgroup2");

	/* Compare each verdict with what really happens on this kernel. */
	cordon_features_probe(&f);
	for (size_t i = 0; i < json_array_size(json_object_get(o, "lsms")); i++) {
		const char *s = json_string_value(json_array_get(json_object_get(o, "lsms"), i));

		if (s && strlen(lsms) + strlen(s) + 2 < sizeof(lsms)) {
			strcat(lsms, lsms[0] ? "," : "");
			strcat(lsms, s);
		}
	}
	lsm_real = really_loads(true) && cordon_lsm_listed(lsms, "bpf");
	cg_real = really_loads(false);
	tap_diag("doctor: bpf_lsm=%d cgroup_bpf=%d landlock_abi=%lld; real: lsm=%d cgroup=%d",
		 json_is_true(json_object_get(o, "bpf_lsm")),
		 json_is_true(json_object_get(o, "cgroup_bpf")),
		 json_integer_value(json_object_get(o, "landlock_abi")), lsm_real, cg_real);
	tap_check(json_is_true(json_object_get(o, "bpf_lsm")) == lsm_real,
		  "doctor_bpf_lsm_matches_a_real_load");
	tap_check(json_is_true(json_object_get(o, "cgroup_bpf")) == cg_real,
		  "doctor_cgroup_bpf_matches_a_real_attach");
	tap_check(json_integer_value(json_object_get(o, "landlock_abi")) ==
			  (f.landlock_abi > 0 ? f.landlock_abi : 0),
		  "doctor_landlock_abi_matches");
	tap_check(json_is_true(json_object_get(json_object_get(o, "layers"), "bpf_lsm")) ==
			  lsm_real,
		  "doctor_layers_bpf_lsm_matches");
	if (expect_bpf_lsm >= 0)
		tap_check(json_is_true(json_object_get(o, "bpf_lsm")) == (expect_bpf_lsm == 1),
			  "doctor_reports_bpf_lsm_%s", expect_bpf_lsm ? "true" : "false");
	json_decref(o);
}

void test_sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 },
		  NULL);
}

json_t *test_read_jsonl(const char *path)
{
	json_t *all = json_array();
	char line[16384];
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);

		if (o)
			json_array_append_new(all, o);
		else
			tap_diag("unparsable line: %s", line);
	}
	if (f)
		fclose(f);
	return all;
}

void test_put(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "we");
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

bool test_file_has(const char *path, const char *what)
{
	static char buf[262144];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, what) != NULL;
}

bool test_wait_file_has(const char *path, const char *what, int ms)
{
	for (int i = 0; i < ms / 20; i++) {
		if (test_file_has(path, what))
			return true;
		test_sleep_ms(20);
	}
	return false;
}

int test_wait_exit(pid_t p)
{
	int status;

	if (p < 0 || waitpid(p, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void test_write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd >= 0) {
		(void)!write(fd, data, strlen(data));
		close(fd);
	}
	chmod(path, mode);
}

int test_copy_file(const char *from, const char *to)
{
	static char buf[1 << 20];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ssize_t n;
	int r = 0;

	if (in < 0 || out < 0)
		r = -1;
	while (!r && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			r = -1;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		r = -1;
	return r;
}

int test_lsm_session(struct cordon_session_ctx *s, const char *root, const char *file,
		     const char *yaml)
{
	struct policy_errors errs = { 0 };
	struct policy_search search = { .no_builtin = true };
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars };
	struct policy *p = NULL, *resolved = NULL;
	struct pol_maps maps = { 0 };
	const char *failed = NULL;
	int r;

	policy_vars_placeholder(&vars);
	r = policy_parse(file, yaml, strlen(yaml), &p, &errs);
	if (r == 0)
		r = policy_resolve_parsed(p, &ro, &resolved, &errs);
	if (r == 0)
		r = policy_compile_maps(resolved, 1, NULL, NULL, &maps, &errs);
	if (r == 0)
		r = policy_compile_unix(resolved, NULL, &maps);
	for (size_t i = 0; i < errs.n; i++)
		tap_diag("%s:%d:%d: %s", errs.v[i].file, errs.v[i].line, errs.v[i].col,
			 errs.v[i].msg);
	if (r == 0)
		r = cordon_session_create(s, root, true, maps.session_flags);
	if (r == 0)
		r = cordon_session_fill(s, &maps, true, &failed);
	if (r < 0)
		tap_diag("session: %s %s", strerror(-r), failed ? failed : "");
	pol_maps_free(&maps);
	if (resolved)
		policy_free(resolved);
	policy_errors_free(&errs);
	return r;
}
