/* SPDX-License-Identifier: GPL-2.0-only */
/* cgroup v2 helpers: locate the hierarchy, create session directories, move tasks, ids. */
#ifndef CORDON_CGROUP_H
#define CORDON_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Name of cordon's own root cgroup under the cgroup v2 mount, when not overridden. */
#define CORDON_CGROUP_ROOT_NAME "cordon"

struct cordon_mount;

/* The cgroup v2 mount point, from mountinfo. -ENOENT when cgroup v2 is not mounted. */
int cordon_cgroup2_mount(char *buf, size_t len);

/*
 * Level of the cgroup at @path (absolute, under @m's mount point) in the whole hierarchy, as
 * bpf_get_current_ancestor_cgroup_id() counts it: the root cgroup is level 0.
 */
int cordon_cgroup_level(const struct cordon_mount *m, const char *path);

/* Number of path components of @p ("/" has 0, "/a/b" has 2). */
int cordon_path_depth(const char *p);

int cordon_cgroup_create(const char *path);
int cordon_cgroup_remove(const char *path);
int cordon_cgroup_id(const char *path, uint64_t *id);
int cordon_cgroup_enter(const char *path, pid_t pid);

/* Read a small cgroup file (e.g. "cgroup.controllers") into @buf, newline stripped. */
int cordon_cgroup_read(const char *path, const char *file, char *buf, size_t len);

#endif /* CORDON_CGROUP_H */
