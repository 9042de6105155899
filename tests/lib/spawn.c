// SPDX-License-Identifier: GPL-2.0-only
/* Run a command from a test: its output captured, its exit status returned (see spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

extern char **environ;

static _Noreturn void child(const struct test_cmd *c, int out)
{
	int null = open("/dev/null", O_RDONLY);

	dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	if (!c->keep_stderr)
		dup2(out, STDERR_FILENO);
	if (c->setup && c->setup(c->arg))
		_exit(126);
	execvpe(c->argv[0], c->argv, c->envp ? c->envp : environ);
	_exit(127);
}

int test_spawn(const struct test_cmd *c, char *out, size_t len, int *status)
{
	size_t n = 0;
	int pfd[2];
	ssize_t k;
	pid_t p;

	*status = -1;
	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	p = fork();
	if (p == 0)
		child(c, pfd[1]);
	close(pfd[1]);
	while (n < len - 1 && (k = read(pfd[0], out + n, len - 1 - n)) > 0)
		n += (size_t)k;
	close(pfd[0]);
	out[n] = '\0';
	if (p < 0)
		return -EAGAIN;
	if (waitpid(p, status, 0) < 0) {
		*status = -1;
		return -errno;
	}
	return (int)n;
}

int test_run(char *const argv[])
{
	int status;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
