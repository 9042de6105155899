/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Putting records on the ring buffer: reserve a zeroed record with its common header filled,
 * let the caller fill the rest and submit; a record that does not fit is counted, never silent.
 */
#ifndef CORDON_EVENT_BPF_H
#define CORDON_EVENT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"
#include "maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CORDON_RINGBUF_BYTES);
} events SEC(".maps") __weak;

/* A session's own ring buffer (maps.h session_events), when its reader made one. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, CORDON_MAX_SESSION_RINGS);
	__type(key, __u32);
	__array(
		values, struct {
			__uint(type, BPF_MAP_TYPE_RINGBUF);
			__uint(max_entries, CORDON_RINGBUF_BYTES);
		});
} session_events SEC(".maps") __weak;

/* Records that did not fit in the ring buffer, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} event_drops SEC(".maps") __weak;

/* Per-CPU counters, index CORDON_STAT_*. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CORDON_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps") __weak;

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

/* Each session's use of the shared ring and its lost records (maps.h ring_use). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct cordon_ring_use);
} ring_use SEC(".maps") __weak;

/* The session's ring_use entry, made at its first record; NULL only when the map is full. */
static __always_inline struct cordon_ring_use *ring_use_of(__u32 id)
{
	struct cordon_ring_use *u = bpf_map_lookup_elem(&ring_use, &id), zero = {};

	if (u)
		return u;
	bpf_map_update_elem(&ring_use, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ring_use, &id);
}

/* A record of the session that was not delivered: counted for it and in the machine's total. */
static __always_inline void count_lost(struct cordon_ring_use *u, bool over_share)
{
	count_drop();
	if (!u)
		return;
	__sync_fetch_and_add(&u->lost, 1);
	if (over_share)
		__sync_fetch_and_add(&u->over_share, 1);
}

/*
 * Is the session over its share of the shared ring while the ring is under pressure (maps.h
 * ring_use)? Its window restarts once the reader has consumed past its latest record. The
 * fields are updated without a lock by concurrent programs of the session: a lost update
 * only misjudges the window by a record, never the count of lost records.
 */
static __always_inline bool over_share(struct cordon_ring_use *u)
{
	if (bpf_ringbuf_query(&events, BPF_RB_CONS_POS) >= u->last_end)
		u->window = 0;
	if (u->window <= CORDON_RING_SHARE)
		return false;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > CORDON_RING_PRESSURE;
}

/*
 * @size bytes in the session's own ring when it has one (a root run reads only that), else in
 * the shared one within the session's share. @vital: a record userspace acts on (a task to
 * kill, a task to move into its session), never refused for the share, so that a flood of the
 * session's own cannot make it lose the record that stops it (it still needs room in the ring,
 * which the share keeps for it). Two call sites: each reserve names one map the verifier knows.
 */
static __always_inline void *session_ring_reserve(const struct cordon_session *s, __u32 size,
						  bool vital)
{
	__u32 slot = s->ring - 1;
	void *ring = s->ring ? bpf_map_lookup_elem(&session_events, &slot) : NULL;
	struct cordon_ring_use *u = ring_use_of(s->id);
	void *rec;

	if (ring) {
		/* Its own ring: no other session to make room for. */
		rec = bpf_ringbuf_reserve(ring, size, 0);
		if (!rec)
			count_lost(u, false);
		return rec;
	}
	if (u && !vital && over_share(u)) {
		count_lost(u, true);
		return NULL;
	}
	rec = bpf_ringbuf_reserve(&events, size, 0);
	if (!rec) {
		count_lost(u, false);
		return NULL;
	}
	if (u) {
		/* The ring's own 8-byte header, and the record rounded up to 8 bytes. */
		__sync_fetch_and_add(&u->window, ((size + 7) & ~7u) + 8);
		u->last_end = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);
	}
	return rec;
}

/*
 * Reserve a zeroed record of @size bytes and fill the common header; the caller fills the rest
 * and calls bpf_ringbuf_submit(). Zeroing first guarantees no stale kernel memory reaches
 * userspace through padding or short strings. NULL (counted in event_drops and in the
 * session's ring_use) when the ring buffer is full or the session over its share: the
 * caller's verdict never depends on whether its record fitted.
 */
static __always_inline void *event_reserve(__u32 size, __u16 type, __u16 hook, __u16 layer,
					   const struct cordon_session *s, __u64 cgroup_id,
					   __s32 verdict, __u32 rule_id)
{
	struct cordon_event_hdr *h = session_ring_reserve(
		s, size, type == CORDON_EV_AUTO_CONFINE || type == CORDON_EV_AUTO_USER);
	__u64 pid_tgid, uid_gid;

	if (!h)
		return NULL;
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

/*
 * event_reserve() for programs that cannot name the current task (cgroup_skb runs in softirq
 * for retransmits; sockops has no task helpers): pid, uid and comm stay zero, the session and
 * cgroup come from the socket.
 */
static __always_inline void *event_reserve_sk(__u32 size, __u16 type, __u16 hook,
					      const struct cordon_session *s, __u64 cgroup_id,
					      __s32 verdict)
{
	struct cordon_event_hdr *h = session_ring_reserve(s, size, false);

	if (!h)
		return NULL;
	__builtin_memset(h, 0, size);
	h->type = type;
	h->version = CORDON_EVENT_VERSION;
	h->size = size;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = cgroup_id;
	h->session = s->id;
	h->verdict = verdict;
	h->hook = hook;
	h->layer = CORDON_LAYER_CGROUP_BPF;
	return h;
}

/*
 * Observe mode (CORDON_SESSION_OBSERVE): a refusal of an allow-list the session only observes
 * is let through. observe_verdict() is what the program returns instead of @verdict;
 * mark_observed() flags the refusal's record so that it says "would refuse". The record's
 * verdict stays the errno the operation would have met.
 */
static __always_inline bool observing(const struct cordon_session *s)
{
	return s->flags & CORDON_SESSION_OBSERVE;
}

static __always_inline int observe_verdict(const struct cordon_session *s, int verdict)
{
	if (observing(s)) {
		/*
		 * A branch the compiler keeps (a volatile asm cannot be speculated): folded into
		 * arithmetic ("0 or -1" as the negation of a bit), the return value is a scalar
		 * the verifier cannot bound, and 6.12 refuses an LSM program whose return may
		 * leave [-4095, 0]. Each path returns its constant.
		 */
		asm volatile("" ::: "memory");
		return 0;
	}
	return verdict;
}

static __always_inline void mark_observed(void *ev, const struct cordon_session *s)
{
	if (ev && observing(s))
		((struct cordon_event_hdr *)ev)->flags |= CORDON_EVENT_OBSERVED;
}

/* A refused operation (struct cordon_event_op, BPF LSM): the arguments depend on @hook. */
static __always_inline void emit_op(const struct cordon_session *s, __u64 cgroup_id, __u16 hook,
				    __s32 verdict, __u64 arg0, __u64 arg1, __u64 arg2)
{
	struct cordon_event_op *ev;

	ev = event_reserve(sizeof(*ev), CORDON_EV_OP, hook, CORDON_LAYER_BPF_LSM, s, cgroup_id,
			   verdict, 0);
	if (!ev)
		return;
	ev->arg0 = arg0;
	ev->arg1 = arg1;
	ev->arg2 = arg2;
	bpf_ringbuf_submit(ev, 0);
}

#endif /* CORDON_EVENT_BPF_H */
