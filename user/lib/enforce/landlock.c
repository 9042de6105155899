// SPDX-License-Identifier: GPL-2.0-only
/* Landlock system calls (no libc wrappers on Debian 12). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

int cordon_landlock_abi(void)
{
	long r = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return r < 0 ? -errno : (int)r;
}

int cordon_landlock_create(const struct cordon_landlock_attr *attr)
{
	long r = syscall(SYS_landlock_create_ruleset, attr, sizeof(*attr), 0);

	return r < 0 ? -errno : (int)r;
}

int cordon_landlock_allow_path(int ruleset_fd, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { 0 };
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		access &= CORDON_LANDLOCK_FILE_RIGHTS;
	if (!access)
		return 0;
	pb.allowed_access = access;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		return -errno;
	return 0;
}

int cordon_landlock_allow_port(int ruleset_fd, uint16_t port, uint64_t access)
{
	struct cordon_landlock_port np = { .allowed_access = access, .port = port };

	if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_NET_PORT, &np, 0) < 0)
		return -errno;
	return 0;
}

int cordon_landlock_restrict_self(int ruleset_fd, uint32_t flags)
{
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, flags) < 0)
		return -errno;
	return 0;
}

int cordon_landlock_build(const struct pol_landlock *ll)
{
	_cleanup_close_ int fd = cordon_landlock_create(&ll->attr);
	int e = 0;

	if (fd < 0)
		return fd;
	/* An allowed path that does not exist grants nothing: skipping it is exact. Only the
	 * handled rights (none when an observing session's BPF LSM judges the files). */
	for (size_t i = 0; !e && i < ll->npaths; i++) {
		e = cordon_landlock_allow_path(fd, ll->paths[i].path,
					       ll->paths[i].access & ll->attr.handled_access_fs);
		if (e == -ENOENT || e == -ENOTDIR || e == -EACCES)
			e = 0;
	}
	for (size_t i = 0; !e && i < ll->nports; i++)
		e = cordon_landlock_allow_port(fd, ll->ports[i].port, ll->ports[i].access);
	return e < 0 ? e : TAKE_FD(fd);
}
