/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef CORDON_COMPILE_H
#define CORDON_COMPILE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/landlock.h>
#include <seccomp.h>

#include "maps.h"
#include "policy/policy.h"
#include "probe/probe.h"

/* A set of enforcement layers: one bit per enum cordon_layer_id. */
#define CORDON_LAYER_BIT(id) (1u << (id))
#define POL_NEEDS_BPF_LSM    CORDON_LAYER_BIT(CORDON_LAYER_ID_BPF_LSM)
#define POL_NEEDS_MOUNT_NS   CORDON_LAYER_BIT(CORDON_LAYER_ID_MOUNT_NS)
#define POL_NEEDS_CGROUP_BPF CORDON_LAYER_BIT(CORDON_LAYER_ID_CGROUP_BPF)
/* The fanotify listener over the session's own mounts (root-mode parent): a plan bit past the
 * probed layers, since it is a property of the session's launcher, not of the kernel alone. */
#define POL_NEEDS_FANOTIFY CORDON_LAYER_BIT(CORDON_LAYER_ID_COUNT)

/* ---- Landlock ABI ---- */
/*
 * Landlock: ABI probing and the ruleset calls. Debian 12's <linux/landlock.h> stops at ABI 3,
 * so the newer constants are defined here, each with the ABI that introduced it.
 */

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

/* Every filesystem / network right / scope the given ABI can handle. */
uint64_t cordon_landlock_fs_rights(int abi);
uint64_t cordon_landlock_net_rights(int abi);
uint64_t cordon_landlock_scopes(int abi);

/* Rights that make sense on a regular file (the others are refused for non-directories). */
#define CORDON_LANDLOCK_FILE_RIGHTS                                   \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* ---- policy_compile ---- */
/*
 * Pure compilation of a resolved policy into what each enforcement layer consumes: Landlock
 * rules for an ABI (plus what that ABI cannot express), the seccomp rule set, and the BPF map
 * entries of a session. Nothing here touches the kernel, so it is unit-tested anywhere.
 */

/*
 * A rule a layer cannot express, and what can: the launcher turns these into "not enforced"
 * lines and, in strict mode, a refusal to start unless another layer covers them.
 */
struct pol_gap {
	char *rule;	   /* the policy rule, e.g. "secrets.files: /home/u/.ssh" */
	char *reason;	   /* why this layer cannot */
	uint32_t layers;   /* CORDON_LAYER_BIT()s: any one of them enforces the rule */
	const char *needs; /* @layers by name: "bpf-lsm", "bpf-lsm or mount-namespace", ... */
};

struct pol_gaps {
	struct pol_gap *v;
	size_t n;
};
void pol_gaps_free(struct pol_gaps *g);

/* --- Landlock ------------------------------------------------------------------------------ */

/* Allow @access beneath @path. The launcher masks to CORDON_LANDLOCK_FILE_RIGHTS for files
 * (cordon_landlock_allow_path does) and skips paths that do not exist. */
struct pol_ll_path {
	char *path;
	uint64_t access;
};

/* Landlock port rules name one port each: a range becomes one rule per port. */
struct pol_ll_port {
	uint16_t port;
	uint64_t access; /* LANDLOCK_ACCESS_NET_CONNECT_TCP and/or _BIND_TCP */
};

struct pol_landlock {
	int abi;
	struct cordon_landlock_attr attr; /* handled rights and scopes for this ABI */
	struct pol_ll_path *paths;
	size_t npaths;
	struct pol_ll_port *ports;
	size_t nports;
	struct pol_gaps gaps;
};

#define POL_LL_MAX_PORTS 8192 /* more port rules than this: TCP is left to cgroup BPF */

/* Landlock access rights granted by each allow-list (write and exec imply read). */
#define POL_LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define POL_LL_WRITE                                                                             \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                         \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                          \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define POL_LL_EXEC LANDLOCK_ACCESS_FS_EXECUTE

/* Compile for Landlock ABI @abi (1..CORDON_LANDLOCK_ABI_MAX; larger is clamped). */
int policy_compile_landlock(const struct policy *p, int abi, struct pol_landlock *out);
void pol_landlock_free(struct pol_landlock *ll);

/*
 * Allow TCP connects to port 53 in @ll (ABI >= 4; nothing below): for a session whose DNS the
 * cgroup programs steer to cordon's resolver, where every such connect, whatever its address,
 * reaches that resolver. Landlock judges the port before the cgroup program rewrites it, so
 * without this a policy not naming port 53 would have UDP DNS but no TCP DNS. 0 or -ENOMEM.
 */
int pol_landlock_allow_dns_tcp(struct pol_landlock *ll);

/*
 * The rights @ll grants on the absolute, normalised @path: the union over the rules on it and
 * its ancestors, as Landlock computes them (the caller resolves symlinks, as Landlock sees the
 * file it reaches). For telling a refusal the policy would not have made (file permissions).
 */
uint64_t pol_landlock_access_at(const struct pol_landlock *ll, const char *path);

/* --- seccomp ------------------------------------------------------------------------------- */

/* One filter rule in libseccomp's terms: seccomp_rule_add_array(ctx, action, nr, nargs, args). */
struct pol_seccomp_rule {
	const char *syscall; /* resolved with seccomp_syscall_resolve_name() by the loader */
	uint32_t action;     /* SCMP_ACT_ERRNO(EPERM), ... */
	unsigned int nargs;
	struct scmp_arg_cmp args[2];
	const char *why;
};

struct pol_seccomp {
	uint32_t default_action; /* SCMP_ACT_ALLOW: this is a deny-list of what agents never need */
	struct pol_seccomp_rule *rules;
	size_t n;
};

int policy_compile_seccomp(const struct policy *p, struct pol_seccomp *out);
/* Rules for a session without its own pid namespace: other processes named by pid refused. */
int policy_compile_seccomp_no_pidns(struct pol_seccomp *s);
/* rename, renameat and renameat2 handed to the supervisor (a user notification): a protected
 * .git/config is written through it (enforce/gitwrite.c). */
int policy_compile_seccomp_rename_notify(struct pol_seccomp *s);
void pol_seccomp_free(struct pol_seccomp *s);

/* --- BPF maps ------------------------------------------------------------------------------ */

/* An address from resolution: IPv6 or IPv4-mapped, always a full /128. */
struct pol_addr {
	uint8_t addr[16];
};

/*
 * Resolve @host (a DNS name, or "@dns" for the system resolvers) into at most @max addresses.
 * Returns the count (0: nothing, the rule is skipped) or -errno.
 */
typedef int (*pol_resolve_fn)(void *ctx, const char *host, struct pol_addr *out, size_t max);

/* The nameservers of a resolv.conf, for "@dns" (count or -errno). */
int policy_system_resolvers(const char *resolv_conf, struct pol_addr *out, size_t max);

struct pol_map_net {
	struct cordon_net_key key;
	struct cordon_net_rule rule;
};

/* A path whose inode becomes a cordon_inode_key at session start (dev/ino resolved then). */
struct pol_inode_path {
	char *path;
	uint32_t deny; /* CORDON_ACCESS_* */
	uint32_t rule_id;
};

/*
 * A tree of the allow-lists whose inode becomes an allow_trees entry at session start, for an
 * observing session on the BPF LSM tier (CORDON_SESSION_FILE_ALLOW).
 */
struct pol_allow_path {
	char *path;
	uint32_t allow; /* CORDON_ACCESS_*: read tree R, write tree R|W, exec tree R|X */
};

/* rule_id: the kind in the high 16 bits, the index of the entry in its list in the low 16. */
#define POL_RULE_CONNECT    1u
#define POL_RULE_BIND	    2u
#define POL_RULE_SECRET	    3u
#define POL_RULE_PROTECT    4u
#define POL_RULE_EXEC	    5u
#define POL_RULE_UNIX	    6u
#define POL_RULE_PATTERN    7u
#define POL_RULE_UNIX_ALLOW 8u /* network.unix.allow */
#define POL_RULE_UNIX_VIEW \
	9u /* the session's private /tmp (1), /var/tmp (2), /dev/shm (3); 0:
				  * a host tree kept below one of them (the project, ...) */
/* git repositories in the write trees: hooks (1), config keys that run programs (2) */
#define POL_RULE_GIT	     10u
#define POL_RULE_ID(kind, i) (((kind) << 16) | ((uint32_t)(i)&0xffff))

struct pol_map_unix {
	struct cordon_unix_key key; /* session 0: keyed to the session when the map is filled */
	struct cordon_unix_rule rule;
};

/*
 * A host name the session's resolver answers (the policy's connect rules naming it): exact, or
 * "*.suffix" for every name below the suffix. The ports of every rule naming it are merged,
 * and a wildcard's are pushed down into the names and narrower wildcards it covers, so the
 * best match alone carries all the ports (as the LPM entries do).
 */
struct pol_dns_name {
	char *name;		     /* lowercase, no trailing dot; a wildcard's suffix only */
	bool wildcard;		     /* names strictly below @name */
	struct cordon_net_rule rule; /* ports and protocols, for dns_addrs entries */
};

/* Exfiltration limits on names allowed only through a wildcard (docs/policy.md). */
#define POL_DNS_MAX_LABEL_DEFAULT  32 /* bytes in one label left of the wildcard's suffix */
#define POL_DNS_MAX_LABELS_DEFAULT 4  /* labels left of the wildcard's suffix */

struct pol_maps {
	uint32_t session_flags;	    /* CORDON_SESSION_* */
	struct pol_dns_name *names; /* for the session's resolver */
	size_t nnames;
	uint32_t dns_max_label, dns_max_labels;
	struct pol_map_net *connect;
	size_t nconnect;
	struct pol_map_net *bind; /* same layout, for the bind hooks */
	size_t nbind;
	struct pol_inode_path *inodes;
	size_t ninodes;
	struct pol_allow_path *allows; /* filesystem.read / write / exec, as Landlock grants them */
	size_t nallows;
	struct cordon_name_pattern *patterns; /* secrets.patterns, for the name_patterns map */
	size_t npatterns;
	struct pol_map_unix *unix_rules; /* pathname unix sockets, for the unix_rules map */
	size_t nunix;
};

/*
 * One secrets.patterns entry as the BPF side matches it: at most one '*', no other wildcard,
 * at most CORDON_PATTERN_PART bytes on each side; a leading '!' makes it an exception.
 * -EINVAL with @msg otherwise.
 */
int policy_compile_pattern(const char *pattern, struct cordon_name_pattern *out, char *msg,
			   size_t msgsz);

/*
 * Build the map entries for session @session. "@dns" goes through @resolve (the system's
 * nameservers, from a file: no network); host names are never resolved here: they become
 * @out->names, answered by the session's resolver when the agent looks them up.
 * Covering prefixes' port ranges are pushed down into more specific entries (an LPM lookup
 * returns only the longest match). -E2BIG, with an error naming the rule, when an address
 * needs more than CORDON_NET_PORT_RANGES ranges.
 */
int policy_compile_maps(const struct policy *p, uint32_t session, pol_resolve_fn resolve, void *ctx,
			struct pol_maps *out, struct policy_errors *errs);
void pol_maps_free(struct pol_maps *m);

/* The CORDON_ACCESS_* bits @m's allow-lists name for exactly @path (0: none). */
uint32_t pol_maps_allow_exact(const struct pol_maps *m, const char *path);

/*
 * Add the pathname unix socket rules to @m and turn on CORDON_SESSION_UNIX (default deny):
 * network.unix.deny (winning over allow), network.unix.allow, and the session's private /tmp,
 * /var/tmp and /dev/shm except the host trees kept below them (the project, allowed paths).
 * @project: the session's project (a project that is or holds /tmp keeps the host's /tmp), or
 * NULL. Each entry covers the path itself and everything below it. 0 or -ENOMEM.
 */
int policy_compile_unix(const struct policy *p, const char *project, struct pol_maps *m);
/* The names of @p's connect rules into @m->names (policy_compile_maps() calls it). */
int policy_compile_dns_names(const struct policy *p, struct pol_maps *m,
			     struct policy_errors *errs);

/*
 * The entry of @names that answers @qname (lowercase, no trailing dot): an exact name first,
 * else the wildcard with the longest suffix. NULL when none does. *@via_wildcard says which.
 */
const struct pol_dns_name *pol_dns_match(const struct pol_dns_name *names, size_t n,
					 const char *qname, bool *via_wildcard);

/*
 * Well-known public DNS-over-HTTPS/TLS services: their addresses are refused even under a
 * covering CIDR unless a rule names the address itself, and their names are answered only when
 * a rule names them exactly (never through a wildcard).
 */
bool pol_dns_is_doh_name(const char *name);
extern const char *const pol_doh_addrs[];

/* ---- plan ---- */
/*
 * The enforcement plan: which layer enforces which rule on this kernel with these privileges,
 * what no layer enforces (a gap), which rlimits stand in for cgroup controllers, whether the
 * mount-namespace view masks secrets, and whether strict mode must refuse to start. Pure: the
 * probe results come in as a plain struct, so every combination is unit-tested.
 */

/* What the kernel and the caller's privileges offer (from cordon_features_probe). */
struct cordon_plan_kernel {
	int landlock_abi;    /* > 0, or 0 when Landlock is not available */
	bool seccomp;	     /* seccomp filters with SECCOMP_RET_ERRNO */
	bool cgroup_bpf;     /* cgroup programs load and attach (probed as root) */
	bool cgroup_unix;    /* ... and the unix connect/sendmsg ones too (6.7+) */
	bool bpf_lsm;	     /* LSM programs load and attach (probed as root) */
	bool mount_ns;	     /* a mount namespace for the masks: root, or user namespaces */
	bool cpu_controller; /* "cpu" among the cgroup v2 root's controllers */
	bool root;	     /* euid 0: the session's BPF programs are ours to load */
	bool daemon;	     /* the daemon made the session: cgroup BPF is its */
	bool daemon_bpf_lsm; /* ... and it fills BPF LSM rules */
	bool fanotify;	     /* our fanotify permission group exists (root, own mount namespace) */
	bool memfd_noexec;  /* vm.memfd_noexec, ours to set in the session's pid namespace (root) */
	bool overlayfs;	    /* overlays mount here (filesystem.cache's layers) */
	size_t protect_new; /* filesystem.protect entries in a write tree missing at start */
	const char *cgroup_bpf_detail; /* why cgroup BPF is not active, for the gap's reason */
};

/* Why a rule is not enforced here. */
enum cordon_gap_kind {
	CORDON_GAP_LANDLOCK, /* Landlock cannot express it and no layer covering it is active */
	CORDON_GAP_CPU,	     /* limits.cpu without a cpu controller in the session cgroup */
	CORDON_GAP_NETWORK,  /* UDP and per-address rules without cgroup BPF */
	CORDON_GAP_MASKS_TRUNCATED, /* secrets.patterns masked by a search that did not finish */
	CORDON_GAP_VIEW,   /* no mount namespace: no view or pid namespace of the session's own */
	CORDON_GAP_UNIX,   /* pathname unix sockets: neither cgroup unix programs nor BPF LSM */
	CORDON_GAP_MEMORY, /* limits.memory without a session cgroup to count it in */
};

struct cordon_plan_gap {
	enum cordon_gap_kind kind;
	const char *rule;   /* borrowed: from the pol_landlock gap, or a constant */
	const char *needs;  /* the layers that would enforce it, by name */
	const char *reason; /* borrowed or constant */
};

struct cordon_plan {
	uint32_t layers;  /* CORDON_LAYER_BIT()s that enforce this session */
	uint32_t missing; /* required layers (Landlock, seccomp) that are not available */
	int landlock_abi;
	bool masks;  /* mask secrets in a mount namespace (no BPF LSM to deny them) */
	bool userns; /* ... from an unprivileged user namespace */
	struct cordon_plan_gap *gaps;
	size_t ngaps;
	bool strict;		/* strict policy, --allow-degraded not given */
	bool refuse;		/* strict and a gap: refuse to start */
	unsigned int cg_limits; /* CORDON_LIMIT_* the session cgroup applies */
	struct cordon_rlimit_plan {
		int resource;	/* RLIMIT_* */
		uint64_t value; /* soft and hard */
	} rlimits[3];
	size_t nrlimits;
	/* limits.memory with no controller: the supervisor's watch of resident memory (0: none) */
	uint64_t memory_watch;
};

/* "bpf-lsm", "bpf-lsm or mount-namespace", "cgroup-bpf", ... for a set of layers. */
const char *cordon_plan_needs_name(uint32_t layers);

/* The layers available to a session before the policy is looked at. */
uint32_t cordon_plan_layers(const struct cordon_plan_kernel *k);

/*
 * Plan policy @p, compiled for Landlock as @ll, on kernel @k. @allow_degraded: strict mode
 * does not refuse. 0 or -ENOMEM; free with cordon_plan_free().
 */
int cordon_plan(const struct policy *p, const struct pol_landlock *ll,
		const struct cordon_plan_kernel *k, bool allow_degraded, struct cordon_plan *out);

/* The mask search stopped short: secrets.patterns in the project are a gap (0 or -ENOMEM). */
int cordon_plan_masks_truncated(struct cordon_plan *plan);
/* The search for git repositories in the write trees stopped short (0 or -ENOMEM). */
int cordon_plan_repos_cut(struct cordon_plan *plan);
/* The listener's search of the cache trees for secret names stopped short (0 or -ENOMEM). */
int cordon_plan_cache_secrets_truncated(struct cordon_plan *plan);

/* The session cgroup applied @cg_limits (CORDON_LIMIT_*): rlimits bound the rest. */
void cordon_plan_limits(struct cordon_plan *plan, const struct policy *p, unsigned int cg_limits);

/* "cgroup+rlimits" or "rlimits": what bounds the session's resources. */
const char *cordon_plan_limits_name(const struct cordon_plan *plan);

void cordon_plan_free(struct cordon_plan *plan);

#endif /* CORDON_COMPILE_H */
