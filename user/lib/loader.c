// SPDX-License-Identifier: GPL-2.0-only
/* Loading, attaching and filling cordon's BPF objects through the generated skeleton. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "cleanup.h"
#include "loader.h"
#include "mountinfo.h"
#include "cordon.skel.h"

struct cordon_bpf {
	struct cordon *skel;
	int root_fd; /* cordon's root cgroup, where the cgroup programs hang */
	uint32_t session_level;
	struct bpf_link *links[64];
	int nlinks;
	char skipped[256]; /* LSM hooks this kernel lacks, comma-separated */
};

void cordon_bpf_stop(struct cordon_bpf *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	cordon__destroy(b->skel);
	if (b->root_fd >= 0)
		close(b->root_fd);
	free(b);
}

static int attach(struct cordon_bpf *b, struct bpf_program *p)
{
	struct bpf_link *l;

	if (!bpf_program__autoload(p))
		return 0;
	if ((size_t)b->nlinks >= ARRAY_SIZE(b->links))
		return -E2BIG;
	if (bpf_program__type(p) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
		l = bpf_program__attach_cgroup(p, b->root_fd);
	else
		l = bpf_program__attach(p);
	if (!l)
		return -errno;
	b->links[b->nlinks++] = l;
	return 0;
}

static int ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return 0;
}

static int session_level(const char *root, uint32_t *level)
{
	_cleanup_free_ struct cordon_mount *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = cordon_mount_find("cgroup2", m);
	if (r < 0)
		return r;
	r = cordon_cgroup_level(m, root);
	if (r < 0)
		return r;
	*level = (uint32_t)r + 1;
	return 0;
}

int cordon_bpf_start(const struct cordon_bpf_opts *opts, struct cordon_bpf **out)
{
	struct btf *vmlinux = NULL;
	struct cordon_bpf *b;
	struct bpf_program *p;
	int r;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->root_fd = -1;

	/* Syscall tracepoints are attached through tracefs, which some hosts do not mount. */
	r = ensure_tracefs();
	if (r < 0)
		goto fail;
	r = cordon_cgroup_create(opts->cgroup_root);
	if (r < 0)
		goto fail;
	r = session_level(opts->cgroup_root, &b->session_level);
	if (r < 0)
		goto fail;
	b->root_fd = open(opts->cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->root_fd < 0) {
		r = -errno;
		goto fail;
	}

	b->skel = cordon__open();
	if (!b->skel) {
		r = -errno;
		goto fail;
	}
	b->skel->rodata->cordon_session_level = b->session_level;
	/*
	 * The same object serves kernels without BPF LSM (its LSM programs are simply not loaded)
	 * and kernels that lack a hook (file_truncate appeared in 6.2): such a program is left out
	 * and named, and what covers it instead is documented with the hook.
	 */
	vmlinux = opts->lsm ? btf__load_vmlinux_btf() : NULL;
	bpf_object__for_each_program(p, b->skel->obj)
	{
		const char *sec = bpf_program__section_name(p);
		char fn[128];

		if (opts->no_trace && (bpf_program__type(p) == BPF_PROG_TYPE_TRACING ||
				       bpf_program__type(p) == BPF_PROG_TYPE_TRACEPOINT)) {
			bpf_program__set_autoload(p, false);
			continue;
		}
		if (bpf_program__type(p) != BPF_PROG_TYPE_LSM)
			continue;
		if (!opts->lsm) {
			bpf_program__set_autoload(p, false);
			continue;
		}
		snprintf(fn, sizeof(fn), "bpf_lsm_%s",
			 strchr(sec, '/') ? strchr(sec, '/') + 1 : sec);
		if (vmlinux && btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) < 0) {
			bpf_program__set_autoload(p, false);
			snprintf(b->skipped + strlen(b->skipped),
				 sizeof(b->skipped) - strlen(b->skipped), "%s%s",
				 b->skipped[0] ? "," : "", fn + strlen("bpf_lsm_"));
		}
	}
	btf__free(vmlinux);
	r = cordon__load(b->skel);
	if (r < 0)
		goto fail;
	bpf_object__for_each_program(p, b->skel->obj)
	{
		r = attach(b, p);
		if (r < 0)
			goto fail;
	}
	*out = b;
	return 0;
fail:
	cordon_bpf_stop(b);
	return r;
}

uint32_t cordon_bpf_session_level(const struct cordon_bpf *b)
{
	return b->session_level;
}

static int update(struct bpf_map *map, const void *key, size_t klen, const void *val, size_t vlen)
{
	return bpf_map__update_elem(map, key, klen, val, vlen, BPF_ANY);
}

int cordon_bpf_session_add(struct cordon_bpf *b, uint64_t cgroup_id, const struct cordon_session *s)
{
	return update(b->skel->maps.sessions, &cgroup_id, sizeof(cgroup_id), s, sizeof(*s));
}

int cordon_bpf_session_del(struct cordon_bpf *b, uint64_t cgroup_id)
{
	return bpf_map__delete_elem(b->skel->maps.sessions, &cgroup_id, sizeof(cgroup_id), 0);
}

int cordon_bpf_inode_rule_add(struct cordon_bpf *b, const struct cordon_inode_key *k,
			      const struct cordon_inode_rule *r)
{
	return update(b->skel->maps.inode_rules, k, sizeof(*k), r, sizeof(*r));
}

int cordon_bpf_pattern_add(struct cordon_bpf *b, const struct cordon_pattern_key *k,
			   const struct cordon_name_pattern *p)
{
	return update(b->skel->maps.name_patterns, k, sizeof(*k), p, sizeof(*p));
}

int cordon_bpf_prog_stats(struct cordon_bpf *b,
			  void (*fn)(void *ctx, const char *name, uint32_t verified_insns),
			  void *ctx)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, b->skel->obj)
	{
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (bpf_program__fd(p) < 0)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0)
			return -errno;
		fn(ctx, bpf_program__name(p), info.verified_insns);
	}
	return 0;
}

const char *cordon_bpf_skipped_hooks(const struct cordon_bpf *b)
{
	return b->skipped;
}

/* Sum over CPUs of entry @idx of a per-CPU array map. */
static int percpu_sum(struct bpf_map *map, uint32_t idx, uint64_t *total)
{
	int ncpu = libbpf_num_possible_cpus();
	_cleanup_free_ uint64_t *v = NULL;
	int r;

	if (ncpu < 0)
		return ncpu;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r = bpf_map__lookup_elem(map, &idx, sizeof(idx), v, sizeof(*v) * (size_t)ncpu, 0);
	if (r < 0)
		return r;
	*total = 0;
	for (int i = 0; i < ncpu; i++)
		*total += v[i];
	return 0;
}

int cordon_bpf_stat(struct cordon_bpf *b, uint32_t idx, uint64_t *total)
{
	return percpu_sum(b->skel->maps.stats, idx, total);
}

int cordon_bpf_bind_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			     const struct cordon_net_rule *r)
{
	return update(b->skel->maps.bind_rules, k, sizeof(*k), r, sizeof(*r));
}

int cordon_bpf_net_rule_add(struct cordon_bpf *b, const struct cordon_net_key *k,
			    const struct cordon_net_rule *r)
{
	return update(b->skel->maps.net_rules, k, sizeof(*k), r, sizeof(*r));
}

struct ring_buffer *cordon_bpf_events(struct cordon_bpf *b, cordon_event_cb cb, void *ctx)
{
	return ring_buffer__new(bpf_map__fd(b->skel->maps.events), cb, ctx, NULL);
}

int cordon_bpf_drops(struct cordon_bpf *b, uint64_t *total)
{
	return percpu_sum(b->skel->maps.event_drops, 0, total);
}

uint32_t cordon_kernel_dev(uint64_t st_dev)
{
	return (uint32_t)(major(st_dev) << 20 | minor(st_dev));
}
