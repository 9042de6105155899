/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A session as root sets it up without the daemon: its cgroup under cordon's root cgroup, the
 * BPF programs loaded and attached at that root, and the session's map entries.
 */
#ifndef CORDON_SESSION_H
#define CORDON_SESSION_H

#include <stdbool.h>
#include <stdint.h>

struct cordon_bpf;
struct cordon_bpf_opts;
struct pol_maps;

struct cordon_session_ctx {
	char name[33];	   /* 32 hex digits: the session id in audit records */
	uint32_t id;	   /* key of the session's map entries */
	char cgroup[4200]; /* the session cgroup */
	uint64_t cgroup_id;
	uint32_t flags; /* CORDON_SESSION_* */
	int procs_fd;	/* its cgroup.procs, opened for the child to join */
	struct cordon_bpf *bpf;
	bool bpf_shared; /* @bpf belongs to the daemon: destroy purges rules, never unloads */
};

/*
 * Create the session cgroup under @cgroup_root (cordon's root cgroup, created if missing),
 * load and attach the programs (the LSM ones only when @lsm), and register the session with
 * @flags. On failure nothing is left behind.
 */
int cordon_session_create(struct cordon_session_ctx *s, const char *cgroup_root, bool lsm,
			  uint32_t flags);

/* The same, without the tracing (audit) programs: to measure the enforcement hooks alone. */
int cordon_session_create_opts(struct cordon_session_ctx *s, const struct cordon_bpf_opts *o,
			       uint32_t flags);

/*
 * The daemon's form: a session in programs that are already loaded (and shared by every
 * session), its cgroup named @name under @cgroup_root. The session number is chosen unused in
 * @bpf. On failure nothing is left behind.
 */
int cordon_session_create_shared(struct cordon_session_ctx *s, struct cordon_bpf *bpf,
				 const char *cgroup_root, uint32_t flags);

/*
 * The session flags the BPF side gets for compiled policy @m: all of them with BPF LSM;
 * without it the LSM rule families stay off, while the network rules and the audit flags
 * (they drive the cgroup and tracepoint programs) apply all the same.
 */
uint32_t cordon_session_flags(const struct pol_maps *m, bool lsm);

/*
 * Fill the network rules (and, with BPF LSM, the inode rules and name patterns) of the
 * compiled policy, keyed to this session whatever session number they were compiled for.
 * Files inside denied directories get rules of their own, so that a hard link made before
 * the session (same inode, another path) is refused too.
 */
int cordon_session_fill(struct cordon_session_ctx *s, const struct pol_maps *m, bool lsm,
			const char **failed_path);

/* Session limits applied through cgroup v2 controllers (bits of cordon_session_limits). */
#define CORDON_LIMIT_PIDS   (1u << 0)
#define CORDON_LIMIT_MEMORY (1u << 1)
#define CORDON_LIMIT_CPU    (1u << 2)

/*
 * Set pids.max, memory.max and cpu.max (@cpu_percent of one CPU) of the session where the
 * controllers can be enabled down to it; 0 values are left unlimited. Returns the
 * CORDON_LIMIT_* bits applied: the caller falls back to rlimits for the others.
 */
unsigned int cordon_session_limits(struct cordon_session_ctx *s, uint64_t pids, uint64_t memory,
				   uint64_t cpu_percent);

/*
 * The same, for a process about to exit: the BPF objects are released by a short-lived child
 * so that the caller does not wait for the kernel to detach them. The caller must exit soon.
 */
void cordon_session_destroy_detached(struct cordon_session_ctx *s);

/* Kill what is left in the session, remove its cgroup and map entries, unload. */
void cordon_session_destroy(struct cordon_session_ctx *s);

#endif /* CORDON_SESSION_H */
