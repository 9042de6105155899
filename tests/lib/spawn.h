/* SPDX-License-Identifier: GPL-2.0-only */
/* Run a command from a test: its output captured, its exit status returned. */
#ifndef CORDON_TEST_SPAWN_H
#define CORDON_TEST_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

struct test_cmd {
	char *const *argv; /* argv[0] is looked up in PATH when it holds no '/' */
	char *const *envp; /* NULL: this process's environment */
	bool keep_stderr;  /* stderr stays this process's, else it is captured with stdout */
	/* In the child, after the redirections, before exec: nonzero makes it exit 126. */
	int (*setup)(void *arg);
	void *arg;
};

/*
 * Run @c to completion, stdin from /dev/null, its output into @out (NUL-terminated, truncated
 * to @len - 1 bytes). The wait status in *@status, -1 when it could not be started or waited
 * for. Returns the number of bytes captured, or -errno.
 */
int test_spawn(const struct test_cmd *c, char *out, size_t len, int *status);

/* Run @argv (a path) with stdin and stdout on /dev/null: its exit code, or -1. */
int test_run(char *const argv[]);

#endif /* CORDON_TEST_SPAWN_H */
