// SPDX-License-Identifier: GPL-2.0-only
/* The policy's seccomp rule set -> a classic BPF program, via libseccomp. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "sys/sys.h"
#include "audit/audit.h"
#include "compile/compile.h"
#include "enforce/enforce.h"

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int build_filter(const struct pol_seccomp *rules, struct sock_fprog *prog)
{
	__attribute__((cleanup(seccomp_releasep))) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	void *buf;
	int r;

	ctx = seccomp_init(rules->default_action);
	if (!ctx)
		return -ENOMEM;
	/* no_new_privs is set by the launcher itself, in its documented place in the order. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rules->n; i++) {
		const struct pol_seccomp_rule *rule = &rules->rules[i];
		int nr = seccomp_syscall_resolve_name(rule->syscall);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall of this architecture: nothing to refuse */
		r = seccomp_rule_add_array(ctx, rule->action, nr, rule->nargs, rule->args);
		if (r < 0)
			return r;
	}
	fd = memfd_create("cordon-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return -EIO;
	}
	prog->filter = buf;
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}

/*
 * The built filters, cached (issue 18: built once per policy, reused while it is unchanged):
 * libseccomp's build was ~0.35 ms of every launch, the cache's read ~0.03. Keyed by content,
 * never by a path: the name of a cached filter is the SHA-256 of everything its build reads
 * (the rules as compiled, default action, each rule's syscall name, action and argument
 * comparisons; the native architecture; libseccomp's version and the kernel API level it
 * generates for; the build IDs of cordon and libseccomp; this format), so a changed policy,
 * another build of cordon or of libseccomp, or another kernel is another name, and a filter is never applied to rules it was not built from. The
 * directory is the caller's, made 0700, and used only when the open descriptor says it is
 * owned by this effective user (root: CORDON_SECCOMP_CACHE_DIR on /run, a tmpfs) and nobody
 * else may write in it; a cached file is read only when it is a regular file of that owner
 * that nobody else may write, with one link, of a filter's size. Files are written under a
 * temporary name and renamed into place, so no reader sees one half written. Any doubt is
 * a miss: the filter is built as before (and a failure to store it costs nothing but time).
 */
#define SECCOMP_CACHE_FORMAT "cordon-seccomp-cache 1"

struct key_buf {
	char *p;
	size_t n, cap;
	bool failed;
};

static void key_add(struct key_buf *k, const void *data, size_t len)
{
	if (k->failed)
		return;
	if (k->n + len > k->cap) {
		size_t cap = (k->cap ? k->cap * 2 : 4096) + len;
		char *p = realloc(k->p, cap);

		if (!p) {
			k->failed = true;
			return;
		}
		k->p = p;
		k->cap = cap;
	}
	memcpy(k->p + k->n, data, len);
	k->n += len;
}

static void key_u64(struct key_buf *k, uint64_t v)
{
	key_add(k, &v, sizeof(v));
}

/*
 * The build IDs (NT_GNU_BUILD_ID) of the code that makes a filter: cordon itself (the first
 * object dl_iterate_phdr reports), which turns the rules into libseccomp's calls and sets its
 * attributes, and libseccomp, which generates the program. Their version numbers are not
 * enough: a fixed cordon, or a security update of libseccomp that keeps its version, must never
 * get a filter the old code made (the cache lives until reboot). In a static program
 * libseccomp is part of cordon's own. Each found is added to @k; how many were.
 */
struct build_ids {
	struct key_buf *k;
	int wanted, found;
	bool first;
};

static void add_build_id(struct build_ids *b, const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		/* The notes as loaded: the object's base plus their address in its own layout. */
		uintptr_t at = info->dlpi_addr + ph->p_vaddr;
		const char *p = (const char *)at; /* NOLINT(performance-no-int-to-ptr) */
		const char *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*n);
			const char *desc = name + ((n->n_namesz + 3) & ~3u);

			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && n->n_descsz) {
				key_add(b->k, desc, n->n_descsz);
				b->found++;
				return;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
}

static int build_id_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_ids *b = arg;

	(void)size;
	if (b->first || strstr(info->dlpi_name, "/libseccomp.so")) {
		b->wanted++;
		add_build_id(b, info);
	}
	b->first = false;
	return 0;
}

/* The cache name of @rules' filter (64 hex digits): 0, or -errno. Field by field: no padding. */
static int cache_key(const struct pol_seccomp *rules, char hex[65])
{
	const struct scmp_version *v = seccomp_version();
	struct key_buf k = { 0 };
	struct build_ids ids = { .k = &k, .first = true };

	key_add(&k, SECCOMP_CACHE_FORMAT, sizeof(SECCOMP_CACHE_FORMAT));
	dl_iterate_phdr(build_id_cb, &ids);
	/* Each one's, or the code that made a cached filter is unknown: no cache. */
	if (ids.found < 1 || ids.found != ids.wanted) {
		free(k.p);
		return -ENOENT;
	}
	key_u64(&k, seccomp_arch_native());
	key_u64(&k, v ? v->major : UINT64_MAX);
	key_u64(&k, v ? v->minor : UINT64_MAX);
	key_u64(&k, v ? v->micro : UINT64_MAX);
	key_u64(&k, seccomp_api_get());
	key_u64(&k, rules->default_action);
	key_u64(&k, rules->n);
	for (size_t i = 0; i < rules->n; i++) {
		const struct pol_seccomp_rule *r = &rules->rules[i];

		if (!r->syscall || r->nargs > ARRAY_SIZE(r->args)) {
			free(k.p);
			return -EINVAL;
		}
		key_add(&k, r->syscall, strlen(r->syscall) + 1);
		key_u64(&k, r->action);
		key_u64(&k, r->nargs);
		for (unsigned int a = 0; a < r->nargs; a++) {
			key_u64(&k, r->args[a].arg);
			key_u64(&k, (uint64_t)r->args[a].op);
			key_u64(&k, r->args[a].datum_a);
			key_u64(&k, r->args[a].datum_b);
		}
	}
	if (k.failed) {
		free(k.p);
		return -ENOMEM;
	}
	cordon_sha256_hex(k.p, k.n, hex);
	free(k.p);
	return 0;
}

/* Owned by us and writable by nobody else: else it is not our cache. */
static bool ours(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The cache directory @dir (made 0700 when missing), opened: a descriptor, or -1. */
static int cache_dir_open(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !ours(&st) || (st.st_mode & 077)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool filter_size_ok(off_t size)
{
	return size > 0 && size % (off_t)sizeof(struct sock_filter) == 0 &&
	       size / (off_t)sizeof(struct sock_filter) <= BPF_MAXINSNS;
}

/* The cached filter @name in @dfd: 0 and @prog filled, or -1 (a miss). */
static int cache_read(int dfd, const char *name, struct sock_fprog *prog)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	void *buf;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !ours(&st) ||
	    st.st_nlink != 1 || !filter_size_ok(st.st_size))
		return -1;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -1;
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return -1;
	}
	prog->filter = buf;
	prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	return 0;
}

/* Store @prog as @name in @dfd: a temporary file renamed into place. Best effort. */
static void cache_write(int dfd, const char *name, const struct sock_fprog *prog)
{
	size_t len = (size_t)prog->len * sizeof(struct sock_filter);
	uint64_t rnd = 0;
	char tmp[96];
	int fd;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd ^= (uint64_t)getpid();
	snprintf(tmp, sizeof(tmp), ".tmp-%016llx", (unsigned long long)rnd);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, prog->filter, len) != (ssize_t)len || close(fd) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0)
		unlinkat(dfd, tmp, 0);
}

int cordon_seccomp_build_cached(const struct pol_seccomp *rules, struct sock_fprog *prog,
				const char *cache_dir)
{
	_cleanup_close_ int dfd = -1;
	char name[65];
	int r;

	if (!cache_dir || cache_key(rules, name) < 0)
		return build_filter(rules, prog);
	dfd = cache_dir_open(cache_dir);
	if (dfd >= 0 && cache_read(dfd, name, prog) == 0)
		return 0;
	r = build_filter(rules, prog);
	if (r == 0 && dfd >= 0)
		cache_write(dfd, name, prog);
	return r;
}

int cordon_seccomp_build(const struct pol_seccomp *rules, struct sock_fprog *prog)
{
	/* Root's only: a cache an ordinary user could write would be theirs to fill. */
	return cordon_seccomp_build_cached(rules, prog,
					   geteuid() == 0 ? CORDON_SECCOMP_CACHE_DIR : NULL);
}

void cordon_seccomp_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}

int cordon_seccomp_install_listener(const struct sock_fprog *prog)
{
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  prog);

	return fd < 0 ? -errno : (int)fd;
}

int cordon_seccomp_install(const struct sock_fprog *prog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return -errno;
	return 0;
}
