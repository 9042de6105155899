/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the host and VM tests: forked probes, loopback listeners, doctor checks. */
#ifndef CORDON_TESTUTIL_H
#define CORDON_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Run @fn in a forked child (which may confine itself or move into a cgroup) and return what it
 * returned: by convention 0 for success or a positive errno. -1 if the child crashed.
 * The child's pid is stored in *pid when @pid is not NULL.
 */
int run_child(int (*fn)(void *), void *arg, pid_t *pid);

/* A listening TCP socket on the loopback of @family (AF_INET/AF_INET6); its port in *port. */
int tcp_listener(int family, uint16_t *port);

/* connect() to @addr (textual, v4 or v6) port @port over TCP; 0 or the errno. */
int tcp_connect(int family, const char *addr, uint16_t port);

/* A fresh cgroup directory for a test under the cgroup v2 mount, path in @buf. */
int test_cgroup_root(char *buf, size_t len, const char *tag);

/*
 * Run `CORDON doctor --json` and check its keys and types; then check that its verdicts agree
 * with what this process can really do (load the LSM programs, attach cgroup programs,
 * Landlock ABI). @expect_bpf_lsm: 1 or 0 to require a value, -1 to only require consistency.
 */
void check_doctor(const char *cordon, int expect_bpf_lsm);

/* Sleep @ms milliseconds. */
void test_sleep_ms(long ms);

/* Write printf-formatted text to @path (created or truncated); errors are left to the checks. */
void test_put(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Does the file at @path (its first 256 KiB) contain @what? Now, or within @ms. */
bool test_file_has(const char *path, const char *what);
bool test_wait_file_has(const char *path, const char *what, int ms);

/*
 * The JSON lines of the file at @path (an audit log) as a new JSON array, in order; a line that
 * does not parse is left out, with a diagnostic. An empty array when the file cannot be opened.
 */
struct json_t;
struct json_t *test_read_jsonl(const char *path);

/* Write @data to @path (created or truncated) and give it exactly @mode. */
void test_write_file(const char *path, const char *data, mode_t mode);

/* Copy @from to @to, mode 0755 (a program the tests run). 0 or -1. */
int test_copy_file(const char *from, const char *to);

/*
 * A BPF LSM session for the policy @yaml (named @file in errors), resolved with placeholder
 * variables and without the built-in policies, under @root: created and filled. 0 or -errno,
 * with diagnostics.
 */
struct cordon_session_ctx;
int test_lsm_session(struct cordon_session_ctx *s, const char *root, const char *file,
		     const char *yaml);

/* waitpid(): the exit status, 128 + the signal that killed it, or -1. */
int test_wait_exit(pid_t p);

#endif /* CORDON_TESTUTIL_H */
