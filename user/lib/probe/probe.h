/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel feature probes (what `cordon doctor` prints) and their JSON form. */
#ifndef CORDON_PROBE_H
#define CORDON_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* ---- probe ---- */
/*
 * Kernel feature probes: each one tries the real thing (load a program, create a ruleset,
 * unshare) instead of inferring from a version number. `cordon doctor` prints them; the launcher
 * decides which enforcement layers it can use from them.
 */

struct cordon_features {
	char kernel[65];	 /* uname release */
	char lsms[256];		 /* active LSMs, comma-separated, from securityfs ("" if unknown) */
	int lsms_err;		 /* 0, or -errno reading them */
	bool securityfs_mounted; /* the probe mounted securityfs itself */
	int bpf_lsm_load;	 /* 0: an lsm/ program loaded and attached; else -errno */
	int cgroup_bpf;		 /* 0: a cgroup/connect4 program loaded and attached; else -errno */
	int cgroup_unix; /* 0: sock_addr programs for unix connect/sendmsg load (6.7+); else -errno */
	int landlock_abi;   /* > 0, or -errno */
	int seccomp;	    /* 0: seccomp filters with SECCOMP_RET_ERRNO available; else -errno */
	char cgroup2[4096]; /* cgroup v2 mount point, "" if none */
	char cgroup2_controllers[256]; /* controllers at its root, space-separated */
	char bpffs[4096];	       /* a bpffs mount point, "" if none */
	bool btf;		       /* /sys/kernel/btf/vmlinux */
	bool ringbuf;		       /* BPF_MAP_TYPE_RINGBUF */
	bool task_storage;	       /* BPF_MAP_TYPE_TASK_STORAGE */
	/* 0: an unprivileged process can unshare(CLONE_NEWUSER); else -errno (-ENODATA: not
	 * probed, by cordon_features_probe_launch() as root) */
	int userns;
	int legacy_tiocsti;    /* dev.tty.legacy_tiocsti, -1 when the sysctl is absent */
	int io_uring_disabled; /* kernel.io_uring_disabled, -1 when the sysctl is absent */
	bool root;	       /* probes ran with euid 0 */
};

/* Run every probe. Never fails: a probe that cannot run records its -errno. */
void cordon_features_probe(struct cordon_features *f);
/* The same for a launch: what decides nothing for it is left out (root: userns -ENODATA). */
void cordon_features_probe_launch(struct cordon_features *f);

/*
 * Does the kernel load cgroup sock_addr programs for pathname unix connect/sendmsg
 * (BPF_CGROUP_UNIX_CONNECT/SENDMSG, 6.7+)? 0, or -errno (-EINVAL: an older kernel).
 */
int cordon_probe_cgroup_unix(void);

/*
 * Can overlays be mounted (filesystem.cache's layers)? "overlay" in /proc/filesystems, after
 * asking the kernel to load the module where that is ours to do (root: fsopen). 0 or -ENODEV.
 */
int cordon_probe_overlayfs(void);

/* Is @name in the comma-separated LSM list @lsms? */
bool cordon_lsm_listed(const char *lsms, const char *name);

enum cordon_layer_id {
	CORDON_LAYER_ID_LANDLOCK,
	CORDON_LAYER_ID_SECCOMP,
	CORDON_LAYER_ID_CGROUP_BPF,
	CORDON_LAYER_ID_BPF_LSM,
	CORDON_LAYER_ID_MOUNT_NS,
	CORDON_LAYER_ID_LIMITS,
	CORDON_LAYER_ID_COUNT,
};

struct cordon_layer {
	const char *name; /* stable key, used in JSON */
	bool active;	  /* the layer will enforce on this kernel */
	char detail[160]; /* what it will do, or why it will not */
	char hint[256];	  /* how to enable it; "" when active or nothing helps */
};

/* Decide each enforcement layer from probe results (pure: unit-tested without a kernel). */
void cordon_layers(const struct cordon_features *f, struct cordon_layer out[CORDON_LAYER_ID_COUNT]);

/* ---- probe_json ---- */
/* The JSON form of probe results and layer decisions (`cordon doctor --json`, session records). */

/* A new reference, or NULL on allocation failure. */
json_t *cordon_features_json(const struct cordon_features *f,
			     const struct cordon_layer layers[CORDON_LAYER_ID_COUNT]);

#endif /* CORDON_PROBE_H */
