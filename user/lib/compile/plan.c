// SPDX-License-Identifier: GPL-2.0-only
/*
 * The enforcement plan: from a compiled policy and what the kernel offers, the layers of a
 * session, the rules none of them enforces, the rlimits and masks, and the strict-mode refusal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "compile/compile.h"
#include "enforce/enforce.h"

#define REQUIRED_LAYERS \
	(CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK) | CORDON_LAYER_BIT(CORDON_LAYER_ID_SECCOMP))

const char *cordon_plan_needs_name(uint32_t layers)
{
	switch (layers) {
	case POL_NEEDS_BPF_LSM:
		return "bpf-lsm";
	case POL_NEEDS_BPF_LSM | POL_NEEDS_MOUNT_NS:
		return "bpf-lsm or mount-namespace";
	case POL_NEEDS_CGROUP_BPF:
		return "cgroup-bpf";
	case POL_NEEDS_BPF_LSM | POL_NEEDS_FANOTIFY:
		return "bpf-lsm or fanotify (root)";
	default:
		return "another layer";
	}
}

uint32_t cordon_plan_layers(const struct cordon_plan_kernel *k)
{
	uint32_t l = CORDON_LAYER_BIT(CORDON_LAYER_ID_LIMITS);

	if (k->landlock_abi > 0)
		l |= CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK);
	if (k->seccomp)
		l |= CORDON_LAYER_BIT(CORDON_LAYER_ID_SECCOMP);
	/* The session's BPF programs are loaded by root: us, or the daemon for an ordinary user. */
	if (k->daemon || (k->root && k->cgroup_bpf))
		l |= CORDON_LAYER_BIT(CORDON_LAYER_ID_CGROUP_BPF);
	if (k->daemon ? k->daemon_bpf_lsm : k->root && k->bpf_lsm)
		l |= CORDON_LAYER_BIT(CORDON_LAYER_ID_BPF_LSM);
	if (k->mount_ns)
		l |= CORDON_LAYER_BIT(CORDON_LAYER_ID_MOUNT_NS);
	if (k->fanotify && k->mount_ns)
		l |= POL_NEEDS_FANOTIFY;
	return l;
}

/* A write tree that can hold a git repository (device trees such as /dev/pts cannot). */
static bool repository_trees(const struct policy *p)
{
	for (size_t i = 0; i < p->fs_write.n; i++)
		if (p->fs_write.v[i].s && strncmp(p->fs_write.v[i].s, "/dev/", 5) &&
		    strcmp(p->fs_write.v[i].s, "/dev"))
			return true;
	return false;
}

static int add_gap(struct cordon_plan *plan, enum cordon_gap_kind kind, const char *rule,
		   const char *needs, const char *reason)
{
	struct cordon_plan_gap *v = realloc(plan->gaps, (plan->ngaps + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	plan->gaps = v;
	v[plan->ngaps++] = (struct cordon_plan_gap){
		.kind = kind, .rule = rule, .needs = needs, .reason = reason
	};
	plan->refuse = plan->strict;
	return 0;
}

/* Rules of the policy, beyond what Landlock expresses, that no active layer enforces. */
static int policy_gaps(struct cordon_plan *plan, const struct policy *p,
		       const struct pol_landlock *ll, const struct cordon_plan_kernel *k)
{
	bool cgroup_bpf = plan->layers & CORDON_LAYER_BIT(CORDON_LAYER_ID_CGROUP_BPF);
	int r = 0;

	for (size_t i = 0; !r && i < ll->gaps.n; i++)
		if (!(ll->gaps.v[i].layers & plan->layers))
			r = add_gap(plan, CORDON_GAP_LANDLOCK, ll->gaps.v[i].rule,
				    ll->gaps.v[i].needs, ll->gaps.v[i].reason);
	if (!r && p->cpu && !(cgroup_bpf && k->cpu_controller))
		r = add_gap(plan, CORDON_GAP_CPU, "limits.cpu", "cgroup-cpu",
			    "no cpu controller (cgroup v2, or v1 for root and the daemon)");
	if (!r && p->memory && !cgroup_bpf)
		r = add_gap(
			plan, CORDON_GAP_MEMORY, "limits.memory", "cgroup-bpf",
			"no session cgroup to count the session's memory in (root or the daemon "
			"makes one)");
	if (!r && !cgroup_bpf && (p->connect.n || p->bind.n))
		r = add_gap(plan, CORDON_GAP_NETWORK, "network: UDP and per-address rules",
			    "cgroup-bpf",
			    !k->root ? "cgroup programs need root or the daemon"
				     : k->cgroup_bpf_detail ?: "cgroup BPF is not available");
	/*
	 * What only cgroup BPF (or BPF LSM) decides about IP sockets, whatever the policy's rules:
	 * the exact socket kinds (seccomp refuses the families and the known protocols without a
	 * connect hook, not every inet protocol), a listener made without bind() (every interface:
	 * sockops binds it to lo, BPF LSM refuses it at socket_listen), and source routes sent as
	 * sendmsg ancillary data (seccomp cannot read a cmsg; cgroup_skb/egress drops the packet).
	 */
	if (!r && !cgroup_bpf && !(plan->layers & POL_NEEDS_BPF_LSM))
		r = add_gap(plan, CORDON_GAP_NETWORK,
			    "network: listeners on every interface, source routes as sendmsg "
			    "ancillary data, exact socket kinds",
			    "cgroup-bpf",
			    !k->root ? "cgroup programs need root or the daemon"
				     : k->cgroup_bpf_detail ?: "cgroup BPF is not available");
	/*
	 * Pathname unix sockets are default-deny by path in the cgroup unix programs (6.7+) or, where
	 * those are missing, in the BPF LSM socket_connect/socket_sendmsg hooks (same matcher).
	 * Without either, a socket of another program that the view shows (outside the private
	 * /tmp) is reachable whatever network.unix.allow says.
	 */
	if (!r && !(cgroup_bpf && k->cgroup_unix) && !(plan->layers & POL_NEEDS_BPF_LSM))
		r = add_gap(plan, CORDON_GAP_UNIX,
			    "network.unix: pathname unix sockets are default deny",
			    "cgroup-bpf or bpf-lsm",
			    !cgroup_bpf
				    ? "cgroup programs and BPF LSM need root or the daemon"
				    : "the kernel has neither cgroup unix connect/sendmsg programs "
				      "(6.7+) nor BPF LSM");
	/*
	 * The session boundary itself: without a mount namespace (unprivileged, without user
	 * namespaces) the host's /tmp, terminals and processes stay within the agent's reach, and
	 * nothing kills what it leaves behind. Never silent.
	 */
	if (!r && !(plan->layers & POL_NEEDS_MOUNT_NS))
		r = add_gap(plan, CORDON_GAP_VIEW, "session: its own /tmp, terminals and processes",
			    "mount-ns",
			    "no mount namespace (needs root or unprivileged user namespaces): the "
			    "host's /tmp, terminals and other processes' /proc entries stay "
			    "visible, leftovers live on (seccomp refuses prlimit, priority and "
			    "scheduling calls on any process but the caller)");
	/*
	 * A memfd has no path, so Landlock's exec rules never see it: an exec-restricted agent
	 * could run whatever it writes into one. BPF LSM refuses exec of a file without a name;
	 * else vm.memfd_noexec in the session's pid namespace (with seccomp refusing MFD_EXEC).
	 */
	if (!r && !(plan->layers & POL_NEEDS_BPF_LSM) && !k->memfd_noexec)
		r = add_gap(plan, CORDON_GAP_LANDLOCK,
			    "process: exec of a memory file (memfd_create)",
			    "bpf-lsm or vm.memfd_noexec (root)",
			    "Landlock has no path rule for a memfd, and vm.memfd_noexec is missing "
			    "or not ours to set");
	/*
	 * A protected path missing at start has nothing Landlock or a bind could cover: only the
	 * fanotify listener refuses its opens and the watch renames away what is moved in. Without
	 * them the sweep at the session's end is all there is.
	 */
	if (!r && k->protect_new && !(plan->layers & POL_NEEDS_FANOTIFY))
		r = add_gap(plan, CORDON_GAP_LANDLOCK,
			    "filesystem.protect: paths in a write tree that do not exist at start",
			    "fanotify (root)",
			    "Landlock and the view cover existing paths only: what the session "
			    "writes there stays until it ends, then is renamed to "
			    "NAME.cordon-quarantined");
	/*
	 * A hook or a config key renamed or linked into a repository of a write tree raises no
	 * open: only the git watch (the listener's notification group) makes it inert at once.
	 * Without it, git run outside the session meanwhile runs it until the sweep at the end.
	 */
	if (!r && !(plan->layers & POL_NEEDS_FANOTIFY) && repository_trees(p))
		r = add_gap(plan, CORDON_GAP_LANDLOCK,
			    "git: hooks and config placed in a repository of a write tree",
			    "fanotify (root)",
			    "nothing watches the write trees' repositories while the session runs: "
			    "what it places there is made inert when it ends");
	/*
	 * filesystem.cache needs the session's own mounts for its overlays: without them the
	 * caches are the host's, and what the session plants there reaches the developer's tools.
	 */
	if (!r && p->fs_cache.n && (!(plan->layers & POL_NEEDS_MOUNT_NS) || !k->overlayfs))
		r = add_gap(plan, CORDON_GAP_VIEW,
			    "filesystem.cache: writes stay in the project's layer",
			    plan->layers & POL_NEEDS_MOUNT_NS ? "overlayfs" : "mount-ns",
			    plan->layers & POL_NEEDS_MOUNT_NS
				    ? "the kernel mounts no overlays (overlayfs not built or its "
				      "module not installed): the session writes the host's caches "
				      "themselves"
				    : "no mount namespace for the overlays: the session writes the "
				      "host's caches themselves");
	/* chmod, chown and utimes are no Landlock rights: only the read-only view refuses them. */
	if (!r && !(plan->layers & POL_NEEDS_MOUNT_NS))
		r = add_gap(plan, CORDON_GAP_VIEW,
			    "filesystem: permission changes (chmod) outside the write trees",
			    "mount-ns",
			    "no mount namespace: the view outside the write trees cannot be made "
			    "read-only");
	return r;
}

int cordon_plan(const struct policy *p, const struct pol_landlock *ll,
		const struct cordon_plan_kernel *k, bool allow_degraded, struct cordon_plan *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->layers = cordon_plan_layers(k);
	out->missing = REQUIRED_LAYERS & ~out->layers;
	out->landlock_abi = ll->abi;
	out->strict = p->mode == POL_MODE_STRICT && !allow_degraded;
	/* Without BPF LSM to deny them, secrets inside allowed trees are hidden by the view. */
	out->masks = (out->layers & POL_NEEDS_MOUNT_NS) && !(out->layers & POL_NEEDS_BPF_LSM);
	out->userns = out->masks && !k->root;
	cordon_plan_limits(out, p, 0);
	r = policy_gaps(out, p, ll, k);
	if (r < 0)
		cordon_plan_free(out);
	return r;
}

int cordon_plan_masks_truncated(struct cordon_plan *plan)
{
	return add_gap(plan, CORDON_GAP_MASKS_TRUNCATED, "secrets.patterns in the project",
		       "bpf-lsm", "the project is too large to search completely");
}

int cordon_plan_repos_cut(struct cordon_plan *plan)
{
	return add_gap(plan, CORDON_GAP_MASKS_TRUNCATED,
		       "filesystem.protect of the git repositories in the write trees", "bpf-lsm",
		       "the write trees are too large to search completely for repositories (or "
		       "hold too many): hooks and config of those beyond are made inert only when "
		       "the session ends");
}

int cordon_plan_cache_secrets_truncated(struct cordon_plan *plan)
{
	return add_gap(plan, CORDON_GAP_MASKS_TRUNCATED,
		       "secrets.patterns renamed in a cache layer (filesystem.cache)", "bpf-lsm",
		       "the cache trees are too large to search completely for secret names");
}

void cordon_plan_limits(struct cordon_plan *plan, const struct policy *p, unsigned int cg_limits)
{
	size_t n = 0;

	plan->cg_limits = cg_limits;
	if (p->nofile)
		plan->rlimits[n++] = (struct cordon_rlimit_plan){ RLIMIT_NOFILE, p->nofile };
	/*
	 * Without cgroup controllers: the supervisor watches resident memory (an address-space
	 * rlimit would kill every sanitizer build: see memwatch.c); RLIMIT_NPROC (counted per
	 * user, not per session) bounds fork bombs.
	 */
	plan->memory_watch = cg_limits & CORDON_LIMIT_MEMORY ? 0 : p->memory;
	if (p->pids && !(cg_limits & CORDON_LIMIT_PIDS))
		plan->rlimits[n++] = (struct cordon_rlimit_plan){ RLIMIT_NPROC, p->pids };
	plan->nrlimits = n;
}

const char *cordon_plan_limits_name(const struct cordon_plan *plan)
{
	/* nofile is always an rlimit; the others are rlimits where no controller did it. */
	if (plan->memory_watch)
		return plan->cg_limits ? "cgroup+rlimits+rss-watch" : "rlimits+rss-watch";
	if (plan->cg_limits & CORDON_LIMIT_V1)
		return "cgroup-v1+rlimits";
	return plan->cg_limits ? "cgroup+rlimits" : "rlimits";
}

void cordon_plan_free(struct cordon_plan *plan)
{
	free(plan->gaps);
	plan->gaps = NULL;
	plan->ngaps = 0;
}
