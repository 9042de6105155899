/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Landlock: ABI probing and the ruleset calls. Debian 12's <linux/landlock.h> stops at ABI 3,
 * so the newer constants are defined here, each with the ABI that introduced it.
 */
#ifndef CORDON_LANDLOCK_H
#define CORDON_LANDLOCK_H

#include <stdint.h>
#include <linux/landlock.h>

/* ABI 1 rights are in every header; later ones are guarded. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13) /* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP	(1ULL << 0) /* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#endif
#ifndef LANDLOCK_RULE_NET_PORT
#define LANDLOCK_RULE_NET_PORT 2 /* ABI 4 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL		    (1ULL << 1) /* ABI 6 */
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF  (1U << 0) /* ABI 7 */
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON	  (1U << 1) /* ABI 7 */
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2) /* ABI 7 */
#endif

/* The newest ABI cordon knows; a newer kernel is used at this level. */
#define CORDON_LANDLOCK_ABI_MAX 7

/* struct landlock_ruleset_attr as of ABI 6; the kernel accepts it whole (zeros past its size). */
struct cordon_landlock_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct cordon_landlock_port {
	uint64_t allowed_access;
	uint64_t port;
};

/* Landlock ABI version of the running kernel: > 0, or -errno (-EOPNOTSUPP: disabled at boot). */
int cordon_landlock_abi(void);

/* Every filesystem / network right / scope the given ABI can handle. */
uint64_t cordon_landlock_fs_rights(int abi);
uint64_t cordon_landlock_net_rights(int abi);
uint64_t cordon_landlock_scopes(int abi);

/* Rights that make sense on a regular file (the others are refused for non-directories). */
#define CORDON_LANDLOCK_FILE_RIGHTS                                   \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* A new ruleset fd, or -errno. */
int cordon_landlock_create(const struct cordon_landlock_attr *attr);

/*
 * Allow @access beneath @path (a directory, or a single file with its file rights only).
 * -ENOENT etc. when the path does not resolve: the caller decides whether that is an error.
 */
int cordon_landlock_allow_path(int ruleset_fd, const char *path, uint64_t access);

int cordon_landlock_allow_port(int ruleset_fd, uint16_t port, uint64_t access);

/* Enforce on the calling thread. no_new_privs (or CAP_SYS_ADMIN) must already be set. */
int cordon_landlock_restrict_self(int ruleset_fd, uint32_t flags);

#endif /* CORDON_LANDLOCK_H */
