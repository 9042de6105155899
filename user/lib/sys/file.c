// SPDX-License-Identifier: GPL-2.0-only
/* One-line reads of the small text files the kernel provides (procfs, sysfs, cgroupfs). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sys/sys.h"

int cordon_read_line_at(int dfd, const char *file, char *buf, size_t len)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (len == 0)
		return -EINVAL;
	fd = openat(dfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}
