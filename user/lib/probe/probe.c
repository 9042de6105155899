// SPDX-License-Identifier: GPL-2.0-only
/* Kernel feature probes and the layer decisions derived from them. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "enforce/enforce.h"
#include "sys/sys.h"
#include "probe/probe.h"

#define SECURITYFS "/sys/kernel/security"

/* r0 = @ret; exit */
#define PROBE_INSNS(ret)                                                                     \
	{                                                                                    \
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = (ret) }, \
			{ .code = BPF_JMP | BPF_EXIT },                                      \
	}

bool cordon_lsm_listed(const char *lsms, const char *name)
{
	size_t n = strlen(name);
	const char *p = lsms;

	while (p && *p) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* A sysctl's integer value; -1 when it is missing or not a number (a sysctl never holds -1). */
static int read_int(const char *path)
{
	char buf[32], *end;
	long v;

	if (cordon_read_line_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno || v < INT_MIN || v > INT_MAX)
		return -1;
	return (int)v;
}

static void probe_lsms(struct cordon_features *f)
{
	int r = cordon_read_line_at(AT_FDCWD, SECURITYFS "/lsm", f->lsms, sizeof(f->lsms));

	/* securityfs is not mounted at boot on some hosts; mounting it changes nothing else. */
	if (r == -ENOENT && f->root &&
	    mount("securityfs", SECURITYFS, "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ==
		    0) {
		f->securityfs_mounted = true;
		r = cordon_read_line_at(AT_FDCWD, SECURITYFS "/lsm", f->lsms, sizeof(f->lsms));
	}
	f->lsms_err = r;
	if (r < 0)
		f->lsms[0] = '\0';
}

/*
 * Load a no-op lsm/file_open program and attach it for an instant: some kernels list "bpf" as an
 * active LSM and still refuse the load (EPERM before verification), so only this tells.
 */
static int probe_bpf_lsm(void)
{
	struct bpf_insn insns[] = PROBE_INSNS(0);
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_LSM_MAC);
	_cleanup_close_ int prog = -1, link = -1;
	struct btf *vmlinux;
	int id;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	id = btf__find_by_name_kind(vmlinux, "bpf_lsm_file_open", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0)
		return -EOPNOTSUPP;
	o.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_LSM, "cordon_probe", "GPL", insns, ARRAY_SIZE(insns),
			     &o);
	if (prog < 0)
		return -errno;
	link = bpf_link_create(prog, 0, BPF_LSM_MAC, NULL);
	if (link < 0)
		return -errno;
	return 0;
}

/* Load a connect4 program that allows everything and attach it to a throwaway cgroup. */
static int probe_cgroup_bpf(const char *cgroup2)
{
	struct bpf_insn insns[] = PROBE_INSNS(1);
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_CGROUP_INET4_CONNECT);
	_cleanup_close_ int prog = -1, cg = -1, link = -1;
	_cleanup_free_ char *dir = NULL;
	int r;

	if (!cgroup2[0])
		return -ENOENT;
	prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "cordon_probe", "GPL", insns,
			     ARRAY_SIZE(insns), &o);
	if (prog < 0)
		return -errno;
	dir = cordon_strdup_printf("%s/cordon-probe.%d", cgroup2, (int)getpid());
	if (!dir)
		return -ENOMEM;
	r = cordon_cgroup_create(dir);
	if (r < 0)
		return r;
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		r = -errno;
	} else {
		link = bpf_link_create(prog, cg, BPF_CGROUP_INET4_CONNECT, NULL);
		r = link < 0 ? -errno : 0;
	}
	if (link >= 0)
		close(TAKE_FD(link));
	if (cg >= 0)
		close(TAKE_FD(cg));
	cordon_cgroup_remove(dir);
	return r;
}

static bool filesystem_listed(const char *name)
{
	char line[128];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "re");

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *t = strrchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		found = t && !strcmp(t + 1, name);
	}
	if (f)
		fclose(f);
	return found;
}

int cordon_probe_overlayfs(void)
{
	int fd;

	if (filesystem_listed("overlay"))
		return 0;
	/* fsopen loads fs-overlay through the kernel's modprobe, as a mount would. */
	fd = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return filesystem_listed("overlay") ? 0 : -ENODEV;
}

#define PROBE_CGROUP_UNIX_CONNECT 49 /* BPF_CGROUP_UNIX_CONNECT, kernel 6.7; not in 6.1's uapi */

int cordon_probe_cgroup_unix(void)
{
	struct bpf_insn insns[] = PROBE_INSNS(1);
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = (enum bpf_attach_type)PROBE_CGROUP_UNIX_CONNECT);
	int prog;

	/* An older kernel refuses the unknown expected attach type with EINVAL at load. */
	prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "cordon_probe", "GPL", insns,
			     ARRAY_SIZE(insns), &o);
	if (prog < 0)
		return -errno;
	close(prog);
	return 0;
}

static int probe_seccomp(void)
{
	__u32 action = SECCOMP_RET_ERRNO;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0)
		return -errno;
	return 0;
}

/* Can an unprivileged process create a user namespace? Probed as nobody when we are root. */
static int probe_userns(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
			_exit(errno & 0xff);
		_exit(unshare(CLONE_NEWUSER) < 0 ? errno & 0xff : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/*
 * The BPF probes answer for the running kernel, fixed for a boot: root keeps their results per
 * boot id, since the BPF LSM probe alone parses the kernel's BTF (several MB, most of a launch
 * on pinned programs). Only a root-owned file no one else could have written is believed, and
 * a refusal that could pass (no memory, busy) is never kept.
 */
#define PROBE_CACHE CORDON_CTL_RUN_DIR "/probe-bpf"

static bool probe_lasting(int r)
{
	return r == 0 || r == -EPERM || r == -EOPNOTSUPP || r == -EINVAL || r == -ENOENT;
}

/* "<boot id> <cgroup2 mount> <lsms>": what the kept results were probed under. */
static int probe_key(const struct cordon_features *f, char *key, size_t size)
{
	char boot[64];
	int r = cordon_read_line_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", boot,
				    sizeof(boot));

	if (r < 0)
		return r;
	boot[strcspn(boot, "\n")] = '\0';
	r = snprintf(key, size, "%s %s %s", boot, f->cgroup2, f->lsms);
	return r > 0 && (size_t)r < size ? 0 : -ENAMETOOLONG;
}

static bool cache_read(struct cordon_features *f, const char *key)
{
	_cleanup_close_ int fd = open(PROBE_CACHE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[1024], *nl, *p, *end;
	struct stat st;
	long v[5];
	int ts, rb;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) ||
	    !S_ISREG(st.st_mode))
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (!nl || (size_t)(nl - buf) != strlen(key) || strncmp(buf, key, strlen(key)))
		return false;
	p = nl + 1;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		errno = 0;
		v[i] = strtol(p, &end, 10);
		if (end == p || errno || v[i] < INT_MIN || v[i] > INT_MAX)
			return false;
		p = end;
	}
	f->bpf_lsm_load = (int)v[0];
	f->cgroup_bpf = (int)v[1];
	f->cgroup_unix = (int)v[2];
	rb = (int)v[3];
	ts = (int)v[4];
	f->ringbuf = rb;
	f->task_storage = ts;
	return true;
}

static void cache_write(const struct cordon_features *f, const char *key)
{
	_cleanup_close_ int fd = -1;
	char buf[1024];
	int n;

	if (!probe_lasting(f->bpf_lsm_load) || !probe_lasting(f->cgroup_bpf) ||
	    !probe_lasting(f->cgroup_unix))
		return;
	n = snprintf(buf, sizeof(buf), "%s\n%d %d %d %d %d\n", key, f->bpf_lsm_load, f->cgroup_bpf,
		     f->cgroup_unix, f->ringbuf, f->task_storage);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return;
	if (mkdir(CORDON_CTL_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return;
	fd = open(PROBE_CACHE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0 && write(fd, buf, (size_t)n) == n)
		rename(PROBE_CACHE ".tmp", PROBE_CACHE);
}

static void probe_bpf(struct cordon_features *f)
{
	/* libbpf would print its own warnings for the refused loads: the probes report. */
	libbpf_print_fn_t old;
	char key[600];
	bool keep = f->root && probe_key(f, key, sizeof(key)) == 0;

	if (keep && cache_read(f, key))
		return;
	old = libbpf_set_print(NULL);
	f->bpf_lsm_load = probe_bpf_lsm();
	f->cgroup_bpf = probe_cgroup_bpf(f->cgroup2);
	f->cgroup_unix = cordon_probe_cgroup_unix();
	f->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	f->task_storage = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	libbpf_set_print(old);
	if (keep)
		cache_write(f, key);
}

static void features_probe(struct cordon_features *f, bool launch);

void cordon_features_probe(struct cordon_features *f)
{
	features_probe(f, false);
}

void cordon_features_probe_launch(struct cordon_features *f)
{
	features_probe(f, true);
}

static void features_probe(struct cordon_features *f, bool launch)
{
	_cleanup_free_ struct cordon_mount *m = calloc(1, sizeof(*m));
	struct utsname u;

	memset(f, 0, sizeof(*f));
	f->root = geteuid() == 0;
	if (uname(&u) == 0)
		snprintf(f->kernel, sizeof(f->kernel), "%s", u.release);

	probe_lsms(f);
	if (m && cordon_mount_find("cgroup2", m) == 0) {
		snprintf(f->cgroup2, sizeof(f->cgroup2), "%s", m->target);
		cordon_cgroup_read(f->cgroup2, "cgroup.controllers", f->cgroup2_controllers,
				   sizeof(f->cgroup2_controllers));
	}
	if (m && cordon_mount_find("bpf", m) == 0)
		snprintf(f->bpffs, sizeof(f->bpffs), "%s", m->target);
	f->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;

	/*
	 * Without privilege, where unprivileged BPF is off (every distribution's default), every
	 * load below fails with EPERM: say so at once instead of parsing the kernel's BTF (several
	 * MB) to find it out, which was most of an unprivileged `cordon run`'s start-up.
	 */
	if (geteuid() != 0 && read_int("/proc/sys/kernel/unprivileged_bpf_disabled") != 0) {
		f->bpf_lsm_load = -EPERM;
		f->cgroup_bpf = -EPERM;
		f->cgroup_unix = -EPERM;
	} else {
		probe_bpf(f);
	}

	f->landlock_abi = cordon_landlock_abi();
	f->seccomp = probe_seccomp();
	/*
	 * A child process (a fork of the caller, page tables and all). Root's launch has its
	 * mount namespace without one (layer_mount_ns), so there the answer decides nothing.
	 */
	f->userns = launch && f->root ? -ENODATA : probe_userns();
	f->legacy_tiocsti = read_int("/proc/sys/dev/tty/legacy_tiocsti");
	f->io_uring_disabled = read_int("/proc/sys/kernel/io_uring_disabled");
}

static void set(struct cordon_layer *l, const char *name, bool active, const char *detail,
		const char *hint)
{
	l->name = name;
	l->active = active;
	snprintf(l->detail, sizeof(l->detail), "%s", detail);
	snprintf(l->hint, sizeof(l->hint), "%s", active || !hint ? "" : hint);
}

static void layer_landlock(const struct cordon_features *f, struct cordon_layer *l)
{
	char d[160];

	if (f->landlock_abi > 0) {
		snprintf(d, sizeof(d), "ABI %d", f->landlock_abi);
		set(l, "landlock", true, d, NULL);
	} else {
		snprintf(d, sizeof(d), "unavailable: %s", strerror(-f->landlock_abi));
		set(l, "landlock", false, d,
		    f->landlock_abi == -EOPNOTSUPP
			    ? "add landlock to the lsm= kernel parameter"
			    : "use a kernel built with CONFIG_SECURITY_LANDLOCK=y (5.13 or later)");
	}
}

static void layer_seccomp(const struct cordon_features *f, struct cordon_layer *l)
{
	char d[160];

	if (f->seccomp == 0) {
		set(l, "seccomp", true, "filters with SECCOMP_RET_ERRNO", NULL);
	} else {
		snprintf(d, sizeof(d), "unavailable: %s", strerror(-f->seccomp));
		set(l, "seccomp", false, d, "use a kernel built with CONFIG_SECCOMP_FILTER=y");
	}
}

static void layer_cgroup_bpf(const struct cordon_features *f, struct cordon_layer *l)
{
	char d[160];

	if (!f->cgroup2[0]) {
		set(l, "cgroup_bpf", false, "no cgroup v2 mount",
		    "mount cgroup2 (systemd does so by default; or: mount -t cgroup2 none "
		    "/sys/fs/cgroup/unified)");
	} else if (f->cgroup_bpf == 0) {
		snprintf(d, sizeof(d), "connect/bind/sendmsg programs under %.100s%s", f->cgroup2,
			 f->cgroup_unix == 0 ? ", unix too" : "");
		set(l, "cgroup_bpf", true, d, NULL);
	} else {
		snprintf(d, sizeof(d), "attach refused: %s", strerror(-f->cgroup_bpf));
		set(l, "cgroup_bpf", false, d,
		    f->root ? "use a kernel built with CONFIG_CGROUP_BPF=y"
			    : "run as root, or through the cordon daemon");
	}
}

static void layer_bpf_lsm(const struct cordon_features *f, struct cordon_layer *l)
{
	bool bpf_listed = cordon_lsm_listed(f->lsms, "bpf");
	char d[160];

	if (bpf_listed && f->bpf_lsm_load == 0) {
		set(l, "bpf_lsm", true, "lsm/ programs load and attach", NULL);
	} else if (!bpf_listed) {
		set(l, "bpf_lsm", false,
		    f->lsms_err ? "active LSMs unknown (securityfs unreadable)"
				: "bpf is not an active LSM",
		    "add bpf to the lsm= kernel parameter (e.g. lsm=landlock,lockdown,yama,bpf) "
		    "and "
		    "reboot; secrets are masked with a mount namespace meanwhile");
	} else {
		snprintf(d, sizeof(d), "bpf is listed but the kernel refuses lsm/ programs: %s",
			 strerror(-f->bpf_lsm_load));
		set(l, "bpf_lsm", false, d,
		    f->root ? "this kernel forbids BPF LSM programs (a lockdown or hypervisor "
			      "policy, or no BPF trampolines); secrets are masked with a mount "
			      "namespace instead"
			    : "run as root, or through the cordon daemon");
	}
}

static void layer_mount_ns(const struct cordon_features *f, struct cordon_layer *l)
{
	char d[160];

	if (f->root || f->userns == 0) {
		set(l, "mount_ns", true,
		    f->root ? "private mount namespace"
			    : "private mount namespace in a user namespace",
		    NULL);
	} else {
		snprintf(d, sizeof(d), "user namespaces refused: %s", strerror(-f->userns));
		set(l, "mount_ns", false, d,
		    "set kernel.unprivileged_userns_clone=1, or use the cordon daemon");
	}
}

static void layer_limits(const struct cordon_features *f, struct cordon_layer *l)
{
	bool cg_limits;

	cg_limits = f->cgroup2[0] && strstr(f->cgroup2_controllers, "pids") &&
		    strstr(f->cgroup2_controllers, "memory");
	set(l, "limits", true,
	    cg_limits ? "cgroup v2 pids/memory/cpu controllers"
		      : "rlimits (no pids/memory controllers on cgroup v2)",
	    NULL);
	if (!cg_limits)
		snprintf(l->hint, sizeof(l->hint),
			 "enable the unified cgroup hierarchy (systemd.unified_cgroup_hierarchy=1) "
			 "for per-session memory and pids limits");
}

void cordon_layers(const struct cordon_features *f, struct cordon_layer out[CORDON_LAYER_ID_COUNT])
{
	layer_landlock(f, &out[CORDON_LAYER_ID_LANDLOCK]);
	layer_seccomp(f, &out[CORDON_LAYER_ID_SECCOMP]);
	layer_cgroup_bpf(f, &out[CORDON_LAYER_ID_CGROUP_BPF]);
	layer_bpf_lsm(f, &out[CORDON_LAYER_ID_BPF_LSM]);
	layer_mount_ns(f, &out[CORDON_LAYER_ID_MOUNT_NS]);
	layer_limits(f, &out[CORDON_LAYER_ID_LIMITS]);
}
