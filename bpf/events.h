/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The single definition of every record the BPF programs put on the ring buffer. Every record
 * starts with struct cordon_event_hdr; the consumer checks hdr.size against the bytes it
 * received and skips types it does not know. Type, hook and layer numbers are ABI: append only.
 */
#ifndef CORDON_EVENTS_H
#define CORDON_EVENTS_H

#include "abi_types.h"

#define CORDON_EVENT_VERSION 1
#define CORDON_COMM_LEN	     16
#define CORDON_PATH_LEN	     256

/*
 * Numbering (append only): enforcement records (cgroup and LSM programs) use types 1-31 and
 * hooks 1-63; activity and denial records from tracepoints use types 32-63 and hooks 64-127.
 */

/* hdr.type */
#define CORDON_EV_FILE	  1 /* struct cordon_event_file */
#define CORDON_EV_CONNECT 2 /* struct cordon_event_connect */

/* hdr.hook: the kernel hook that decided */
#define CORDON_HOOK_FILE_OPEN 1 /* lsm/file_open */
#define CORDON_HOOK_CONNECT4  2 /* cgroup/connect4 */
#define CORDON_HOOK_CONNECT6  3 /* cgroup/connect6 */

/* hdr.layer: the enforcement layer that decided */
#define CORDON_LAYER_BPF_LSM	1
#define CORDON_LAYER_CGROUP_BPF 2
#define CORDON_LAYER_LANDLOCK	3
#define CORDON_LAYER_SECCOMP	4

struct cordon_event_hdr {
	__u16 type;		    /* CORDON_EV_* */
	__u16 version;		    /* CORDON_EVENT_VERSION of the producer */
	__u32 size;		    /* bytes of the whole record, header included */
	__u64 ts_ns;		    /* CLOCK_BOOTTIME, ns: bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;	    /* the session cgroup */
	__u32 session;		    /* cordon_session.id */
	__u32 pid;		    /* thread group id (userspace pid) */
	__u32 tid;		    /* thread id */
	__u32 uid;		    /* real uid */
	__s32 verdict;		    /* 0 allowed, else the -errno returned to the task */
	__u32 rule_id;		    /* policy rule that decided; 0 for the default */
	__u16 hook;		    /* CORDON_HOOK_* */
	__u16 layer;		    /* CORDON_LAYER_* */
	__u32 pad;		    /* zero */
	__u8 comm[CORDON_COMM_LEN]; /* task comm, NUL-padded; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_hdr) == 72, "cordon_event_hdr layout");

struct cordon_event_file {
	struct cordon_event_hdr hdr;
	__u64 ino;		    /* inode of the file */
	__u32 dev;		    /* its superblock s_dev (kernel encoding) */
	__u32 access;		    /* CORDON_ACCESS_* bits requested */
	__u8 path[CORDON_PATH_LEN]; /* d_path, NUL-terminated, may be truncated; agent-controlled */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_file) == 72 + 16 + CORDON_PATH_LEN,
		  "cordon_event_file layout");

struct cordon_event_connect {
	struct cordon_event_hdr hdr;
	__u8 addr[16]; /* destination, IPv6 or IPv4-mapped */
	__u16 port;    /* destination port, host byte order */
	__u16 family;  /* AF_INET or AF_INET6 (the socket's) */
	__u8 protocol; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 pad[3];   /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_event_connect) == 72 + 24, "cordon_event_connect layout");

#endif /* CORDON_EVENTS_H */
