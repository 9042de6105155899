/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A traced syscall's arguments as they were at its entry (trace_sys.bpf.c takes and reads
 * them), and whether an enforcement program already recorded the refusal the syscall returns
 * (the cgroup and LSM connect programs say so, so that the syscall's exit makes no echo).
 */
#ifndef CORDON_CAPTURE_BPF_H
#define CORDON_CAPTURE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

/*
 * What a traced syscall's pathname or socket address held when the task entered the syscall,
 * by thread: another thread of the task can rewrite that memory between the refusal and the
 * syscall's exit, so a record read at exit could name what the agent chooses. A string is
 * still read from the task's memory, at entry, just before the kernel copies it (getname(),
 * move_addr_to_kernel()): a thread that rewrites it in that window can still make the record
 * differ from what was decided. The record reflects the bytes at syscall entry. Only BPF
 * programs use this map (no userspace reader). LRU: entries of threads that died inside a
 * syscall (exit_group, exec by another thread) go by themselves.
 */
#define CAPTURE_ADDR	   112 /* sizeof(struct sockaddr_un), padded */
#define CAPTURE_PATH_OK	   (1u << 0)
#define CAPTURE_ADDR_OK	   (1u << 1)
#define CAPTURE_KERNEL	   (1u << 2) /* path[] replaced by the kernel's copy (names_free) */
#define CORDON_MAX_CAPTURE 4096

struct sys_capture {
	__u32 nr;	/* syscall number it was taken at */
	__u32 flags;	/* CAPTURE_* */
	__u64 ptr;	/* the user pointer read (the exit checks it is the one it would read) */
	__u32 addr_len; /* bytes of addr[] read */
	/*
	 * The (negative) verdict of a refusal an enforcement program put on the ring during
	 * this syscall (capture_recorded()); 0: none. Zeroed at every entry.
	 */
	__s32 recorded;
	/* A relative path's directory at entry (cwd or dirfd's): struct dentry *, struct mount * */
	__u64 dir_dentry;
	__u64 dir_mount;
	__u8 path[CORDON_PATH_LEN];
	__u8 addr[CAPTURE_ADDR];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CORDON_MAX_CAPTURE);
	__type(key, __u32); /* thread id */
	__type(value, struct sys_capture);
} sys_captures SEC(".maps") __weak;

/*
 * The current thread's syscall is refused with @verdict by the caller, whose own record of it
 * is on the ring (called only after its reservation succeeded, and never for an observed
 * refusal, which returns 0). The syscall's exit then makes no echo of it: the reader would
 * drop the echo anyway (audit_stream.c), and in a connect flood the echo is 376 of the 480
 * bytes each refusal took on the ring.
 *
 * Only a capture taken at this syscall's entry is ever read by its exit (take_capture():
 * same syscall number and pointer), and every entry zeroes the mark, so a mark left by a
 * refusal inside a syscall that is not traced (a sendmsg) never silences a later syscall's
 * record. No capture (a thread the LRU evicted, tracing not attached): no mark, the echo is
 * made and dropped by the reader as before. A record that did not fit leaves no mark, so the
 * echo, if it fits, is what the log keeps.
 */
static __always_inline void capture_recorded(__s32 verdict)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sys_capture *c = bpf_map_lookup_elem(&sys_captures, &tid);

	if (c)
		c->recorded = verdict;
}

#endif /* CORDON_CAPTURE_BPF_H */
