// SPDX-License-Identifier: GPL-2.0-only
/* The forbidden actions the escape program and the VM tests perform (see attack.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

int attack_read(const char *path, char *buf, size_t len, ssize_t *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	*n = 0;
	if (fd < 0)
		return errno;
	*n = pread(fd, buf, len - 1, 0);
	if (*n < 0)
		r = errno;
	buf[*n > 0 ? *n : 0] = '\0';
	close(fd);
	return r;
}

int attack_open_read(const char *path)
{
	char buf[64];
	ssize_t n;

	return attack_read(path, buf, sizeof(buf), &n);
}

int attack_write(const char *path, int flags, mode_t mode, const char *data)
{
	int fd = open(path, flags, mode), r = 0;

	if (fd < 0)
		return errno;
	if (data && write(fd, data, strlen(data)) < 0)
		r = errno;
	close(fd);
	return r;
}

int attack_ptrace(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return errno;
	waitpid(pid, &status, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

int attack_kill(pid_t pid, int sig)
{
	return kill(pid, sig) < 0 ? errno : 0;
}

int attack_bpf_map_create(unsigned int type)
{
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

int attack_socket(int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

int attack_unix_connect(const char *name, bool abstract)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	size_t n = strlen(name), off = abstract ? 1 : 0;
	int fd, r = 0;

	if (n + off >= sizeof(un.sun_path))
		return ENAMETOOLONG;
	/* sun_path[0] == '\0': the abstract namespace, whose name has no terminating NUL. */
	memcpy(un.sun_path + off, name, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&un,
		    abstract ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + n)
			     : (socklen_t)sizeof(un)) < 0)
		r = errno;
	close(fd);
	return r;
}

int attack_tiocsti(void)
{
	int status;
	pid_t p;

	fflush(NULL);
	p = fork();
	if (p < 0)
		return errno;
	if (p == 0) {
		int m, s;
		char c = 'x';

		if (setsid() < 0)
			_exit(errno);
		m = posix_openpt(O_RDWR | O_NOCTTY);
		if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
			_exit(errno);
		s = open(ptsname(m), O_RDWR); /* no O_NOCTTY: it becomes our terminal */
		if (s < 0)
			_exit(errno);
		_exit(ioctl(s, TIOCSTI, &c) < 0 ? errno : 0);
	}
	if (waitpid(p, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

int attack_memfd_exec(const char *exe, char *const argv[], char *const envp[], const char **step)
{
	static char buf[65536];
	int in = open(exe, O_RDONLY | O_CLOEXEC);
	int fd = (int)syscall(SYS_memfd_create, "payload", 0);
	ssize_t n;

	if (in < 0 || fd < 0) {
		*step = in < 0 ? "open" : "memfd_create";
		return errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			*step = "write";
			return EIO;
		}
	close(in);
	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	*step = "fexecve";
	return errno;
}
