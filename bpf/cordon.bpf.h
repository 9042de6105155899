/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF-only helpers shared by every program: the maps, the load-time settings, session lookup
 * and event emission. Maps are __weak so each object can declare them and the BPF linker keeps
 * one instance in the combined object.
 */
#ifndef CORDON_BPF_H
#define CORDON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "events.h"

#define EPERM  1
#define EACCES 13

/* cgroup sock_addr programs: 1 lets the syscall proceed, 0 fails it with EPERM. */
#define CGROUP_ALLOW 1
#define CGROUP_DENY  0

/*
 * Level of session cgroups in the cgroup v2 hierarchy (cordon's root cgroup level + 1). Set by
 * the loader before load; 0 would match the root cgroup, which never holds a session entry.
 */
extern const volatile __u32 cordon_session_level;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct cordon_session);
} sessions SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_INODE_RULES);
	__type(key, struct cordon_inode_key);
	__type(value, struct cordon_inode_rule);
} inode_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CORDON_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_net_key);
	__type(value, struct cordon_net_rule);
} net_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CORDON_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_net_key);
	__type(value, struct cordon_net_rule);
} bind_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CORDON_RINGBUF_BYTES);
} events SEC(".maps") __weak;

/* Records that did not fit in the ring buffer, per CPU: loss is counted, never silent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} event_drops SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_SESSIONS *CORDON_MAX_PATTERNS);
	__type(key, struct cordon_pattern_key);
	__type(value, struct cordon_name_pattern);
} name_patterns SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CORDON_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps") __weak;

/*
 * The session a task was tagged with. Set at its first confined hook or inherited at
 * task_alloc, it outlives an (attempted) move to another cgroup: a task never leaves its
 * session. Only LSM programs use it; the cgroup programs have the cgroup itself.
 */
struct cordon_task_tag {
	__u64 cgroup_id; /* key into sessions */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cordon_task_tag);
} task_tags SEC(".maps") __weak;

/* The session of the current task, or NULL: the untagged fast path is this one lookup. */
static __always_inline struct cordon_session *current_session(__u64 *cgroup_id)
{
	__u64 id = bpf_get_current_ancestor_cgroup_id(cordon_session_level);

	if (!id)
		return NULL;
	*cgroup_id = id;
	return bpf_map_lookup_elem(&sessions, &id);
}

/*
 * The session of the current task, for LSM programs: by its tag when it has one, else by its
 * cgroup, tagging it then. An untagged task outside every session costs a task-storage lookup
 * and a session lookup.
 */
static __always_inline struct cordon_session *lsm_session(__u64 *cgroup_id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cordon_task_tag *tag = bpf_task_storage_get(&task_tags, task, 0, 0);
	struct cordon_session *s;

	if (tag) {
		*cgroup_id = tag->cgroup_id;
		return bpf_map_lookup_elem(&sessions, &tag->cgroup_id);
	}
	s = current_session(cgroup_id);
	if (s) {
		tag = bpf_task_storage_get(&task_tags, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (tag)
			tag->cgroup_id = *cgroup_id;
	}
	return s;
}

static __always_inline void count_stat(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &idx);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&event_drops, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/*
 * Reserve a zeroed record and fill the common header. The caller submits it. Zeroing first
 * guarantees no stale kernel memory reaches userspace through padding or short strings.
 */
static __always_inline void *event_reserve(__u32 size, __u16 type, __u16 hook, __u16 layer,
					   const struct cordon_session *s, __u64 cgroup_id,
					   __s32 verdict, __u32 rule_id)
{
	struct cordon_event_hdr *h = bpf_ringbuf_reserve(&events, size, 0);
	__u64 pid_tgid, uid_gid;

	if (!h) {
		count_drop();
		return NULL;
	}
	__builtin_memset(h, 0, size);
	pid_tgid = bpf_get_current_pid_tgid();
	uid_gid = bpf_get_current_uid_gid();
	h->type = type;
	h->version = CORDON_EVENT_VERSION;
	h->size = size;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = cgroup_id;
	h->session = s->id;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->uid = (__u32)uid_gid;
	h->verdict = verdict;
	h->rule_id = rule_id;
	h->hook = hook;
	h->layer = layer;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	return h;
}

#endif /* CORDON_BPF_H */
