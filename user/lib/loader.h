/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading and attaching cordon's BPF programs (one skeleton for all of them) and filling the
 * session maps. The layouts of keys and values come from bpf/maps.h.
 */
#ifndef CORDON_LOADER_H
#define CORDON_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "maps.h"
#include "events.h"

struct cordon_bpf;
struct ring_buffer;

struct cordon_bpf_opts {
	/* cordon's root cgroup (absolute path under the cgroup v2 mount); created if missing */
	const char *cgroup_root;
	/* load and attach the BPF LSM programs; false on kernels that refuse them */
	bool lsm;
	/* leave out the tracing programs (exec/exit and syscall-refusal audit): benchmarks */
	bool no_trace;
	/*
	 * The daemon: a bpffs directory where maps and links are pinned, so enforcement outlives
	 * the process (fail closed). When it already holds a link for every program this build
	 * would attach, and maps compatible with this build, they are adopted without loading
	 * anything; otherwise the programs are loaded and attached first and only then do their
	 * pins replace the old ones, so nothing goes unenforced in between. NULL: nothing pinned,
	 * everything goes away with the process.
	 */
	const char *pin_dir;
};

/* Open, configure, load and attach. Returns 0 and sets *out, or -errno; nothing is left behind. */
int cordon_bpf_start(const struct cordon_bpf_opts *opts, struct cordon_bpf **out);
void cordon_bpf_stop(struct cordon_bpf *b);

/* True when cordon_bpf_start() adopted pinned programs instead of loading them. */
bool cordon_bpf_adopted(const struct cordon_bpf *b);

/*
 * The pin directory name of this build for @cgroup_root: 16 hex digits of the SHA-256 of the
 * BPF object and the root, so an upgraded binary never adopts programs or maps of another
 * layout, and the programs of the old build keep enforcing their sessions beside it.
 */
void cordon_bpf_pin_name(const char *cgroup_root, char out[17]);

/* Delete every rule of session number @id from the rule maps (its sessions entry stays). */
int cordon_bpf_purge_session(struct cordon_bpf *b, uint32_t id);

/* Call @fn for each sessions-map entry; stops early when @fn returns non-zero. */
int cordon_bpf_sessions_each(struct cordon_bpf *b,
			     int (*fn)(void *ctx, uint64_t cgroup_id,
				       const struct cordon_session *s),
			     void *ctx);

/* Level of session cgroups (cordon's root cgroup level + 1), as the programs were loaded with. */
uint32_t cordon_bpf_session_level(const struct cordon_bpf *b);

int cordon_bpf_session_add(struct cordon_bpf *b, uint64_t cgroup_id,
			   const struct cordon_session *s);
int cordon_bpf_session_del(struct cordon_bpf *b, uint64_t cgroup_id);
int cordon_bpf_inode_rule_add(struct cordon_bpf *b, const struct cordon_inode_key *k,
			      const struct cordon_inode_rule *r);
int cordon_bpf_bind_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			     const struct cordon_net_rule *r);
int cordon_bpf_pattern_add(struct cordon_bpf *b, const struct cordon_pattern_key *k,
			   const struct cordon_name_pattern *p);

/* Call @fn for each loaded program with its name and the instructions the verifier processed. */
int cordon_bpf_prog_stats(struct cordon_bpf *b,
			  void (*fn)(void *ctx, const char *name, uint32_t verified_insns),
			  void *ctx);

/* LSM hooks of cordon's programs that this kernel lacks (left unloaded), comma-separated. */
const char *cordon_bpf_skipped_hooks(const struct cordon_bpf *b);

/* A per-CPU counter of the stats map (CORDON_STAT_*), summed. */
int cordon_bpf_stat(struct cordon_bpf *b, uint32_t idx, uint64_t *total);

int cordon_bpf_net_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			    const struct cordon_net_rule *r);

/* A ring buffer reader calling @cb for each record (see user/lib/event.h for decoding). */
typedef int (*cordon_event_cb)(void *ctx, void *data, size_t size);
struct ring_buffer *cordon_bpf_events(struct cordon_bpf *b, cordon_event_cb cb, void *ctx);

/* A stat() st_dev in the kernel's internal encoding (MAJOR << 20 | MINOR), as BPF sees s_dev. */
uint32_t cordon_kernel_dev(uint64_t st_dev);

/* Sum of the per-CPU counters of records the ring buffer could not take. */
int cordon_bpf_drops(struct cordon_bpf *b, uint64_t *total);

/* Auto-confinement (user/lib/auto_confine.h is the API to use). */

/* Both auto-confinement programs are loaded and attached (BPF LSM active, hooks present). */
bool cordon_bpf_auto_ready(const struct cordon_bpf *b);
int cordon_bpf_auto_exec_add(struct cordon_bpf *b, const struct cordon_auto_key *k,
			     const struct cordon_auto_exec *v);
int cordon_bpf_auto_exec_del(struct cordon_bpf *b, const struct cordon_auto_key *k);
/*
 * The session cgroup id a task is tagged with (task_tags, looked up by a pidfd of the task):
 * 0 and *cgroup_id set, -ENOENT when the task carries no tag, or -errno.
 */
int cordon_bpf_task_tag(struct cordon_bpf *b, int pidfd, uint64_t *cgroup_id);

#endif /* CORDON_LOADER_H */
