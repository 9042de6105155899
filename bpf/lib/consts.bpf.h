/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel and libc constants the BPF programs need: vmlinux.h carries the kernel's types and
 * enums (SOCK_RAW, IPPROTO_TCP, ...) but none of its #defines, so their uapi values live here, once.
 */
#ifndef CORDON_CONSTS_BPF_H
#define CORDON_CONSTS_BPF_H

/* errno values, returned negated */
#define EPERM		1
#define ENOMEM		12
#define EACCES		13
#define EBUSY		16
#define EINVAL		22
#define ENOSPC		28
#define EROFS		30
#define ENOSYS		38
#define EPROTONOSUPPORT 93

/* Address families */
#define AF_UNSPEC  0
#define AF_UNIX	   1
#define AF_INET	   2
#define AF_INET6   10
#define AF_NETLINK 16
#define AF_PACKET  17

/* A sockaddr_in6 without sin6_scope_id: the shortest the kernel's IPv6 sockets take */
#define CORDON_SIN6_LEN_RFC2133 24

/* Netlink protocols (NETLINK_ROUTE: getifaddrs, `ip addr`) */
#define NETLINK_ROUTE 0

/* Socket options the programs set or refuse */
#define SOL_SOCKET	    1
#define SO_BINDTODEVICE	    25
#define IP_OPTIONS	    4
#define IP_RETOPTS	    7 /* IP options as sendmsg ancillary data */
#define IPV6_2292HOPOPTS    3
#define IPV6_2292DSTOPTS    4
#define IPV6_2292RTHDR	    5
#define IPV6_2292PKTOPTIONS 6
#define IPV6_HOPOPTS	    54
#define IPV6_RTHDR	    57
#define IPV6_RTHDRDSTOPTS   58
#define IPV6_DSTOPTS	    59

/* IPv6 extension headers (next-header values) */
#define NEXTHDR_HOP	0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_DEST	60

/* sockops callbacks (enum values of uapi bpf.h that vmlinux.h names too) */
#define CORDON_SOCK_OPS_TCP_LISTEN_CB 11

/* Socket types and protocols that are #defines, not enumerators */
#define SOCK_TYPE_MASK 0xf
#define IPPROTO_ICMPV6 58

/* struct file f_mode bits */
#define FMODE_READ  0x1
#define FMODE_WRITE 0x2
#define FMODE_EXEC  0x20

/* mmap/mprotect protection */
#define PROT_EXEC  0x4
#define PROT_WRITE 0x2
#define MAP_SHARED 0x01

/* include/linux/fs.h: the mask of security_file_permission() */
#define MAY_WRITE  0x2
#define MAY_READ   0x4
#define MAY_APPEND 0x8

#define SIGKILL 9

/* iattr->ia_valid (include/linux/fs.h), the same from 6.1 to 6.12 */
#define ATTR_MODE (1u << 0)
#define ATTR_UID  (1u << 1)
#define ATTR_GID  (1u << 2)
#define ATTR_SIZE (1u << 3)

/* task_struct->atomic_flags: PR_SET_NO_NEW_PRIVS was set (include/linux/sched.h PFA_*) */
#define PFA_NO_NEW_PRIVS 0

/* super_block->s_flags: a kernel-internal mount (pipes, sockets, memfds), 6.1 to 6.12 */
#define SB_NOUSER (1ul << 31)

/* inode->i_flags (include/linux/fs.h), the same from 6.1 to 6.12 */
#define S_PRIVATE  (1u << 9)  /* the kernel's own: shared anonymous and SysV memory */
#define S_CASEFOLD (1u << 15) /* a directory whose names compare case-insensitively */

/* Terminal ioctls that inject input or drive the console */
#define TIOCSTI	  0x5412
#define TIOCLINUX 0x541C

/* Setting a file's SIGIO owner: by fcntl, and by ioctl on sockets and terminals */
#define F_SETOWN    8
#define F_SETSIG    10
#define F_SETOWN_EX 15
#define FIOSETOWN   0x8901
#define SIOCSPGRP   0x8902
#define SIGIO	    29

/* seccomp's kill: SIGSYS with si_code SYS_SECCOMP, which no process can send to another */
#define SIGSYS	    31
#define SYS_SECCOMP 1

/* Superblock magics of cgroupfs (v1 and v2) and the other filesystems that control the machine */
#define CGROUP_SUPER_MAGIC  0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define BPF_FS_MAGIC	    0xcafe4a11
#define SYSFS_MAGIC	    0x62656572
#define SECURITYFS_MAGIC    0x73636673
#define DEBUGFS_MAGIC	    0x64626720
#define TRACEFS_MAGIC	    0x74726163
#define BINFMTFS_MAGIC	    0x42494e4d
#define PROC_SUPER_MAGIC    0x9fa0

/* cgroup sock_addr programs: 1 lets the syscall proceed, 0 fails it with EPERM. */
#define CGROUP_ALLOW 1
#define CGROUP_DENY  0

/* openat(2) and friends: the working directory instead of a descriptor */
#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif

#endif /* CORDON_CONSTS_BPF_H */
