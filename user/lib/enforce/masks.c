// SPDX-License-Identifier: GPL-2.0-only
/* Planning the mount-namespace masks of a session from its resolved policy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"
#include "policy/policy.h"
#include "lib/pattern.h"

#define WALK_DEPTH 32

/*
 * Is @path below a directory masked as a secret already? Nothing there is reachable in the
 * session (the mask hides the whole tree), and a mount on it would fail: the path no longer
 * exists once its secret parent is masked (`--project ~` walks ~/.ssh and finds id_rsa).
 */
static bool covered(const struct cordon_masks *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++) {
		size_t n = strlen(m->v[i].path);

		if (m->v[i].kind == CORDON_MASK_SECRET && m->v[i].is_dir &&
		    !strncmp(path, m->v[i].path, n) && path[n] == '/')
			return true;
	}
	return false;
}

static int add(struct cordon_masks *m, const char *path, enum cordon_mask_kind kind, bool is_dir)
{
	char *copy;

	if (covered(m, path))
		return 0;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].path, path)) {
			/* Unreadable beats not executable, which beats read-only. */
			if (kind == CORDON_MASK_SECRET ||
			    (kind == CORDON_MASK_NOEXEC && m->v[i].kind == CORDON_MASK_READONLY))
				m->v[i].kind = kind;
			return 0;
		}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct cordon_mask *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	m->v[m->n++] = (struct cordon_mask){ .path = copy, .kind = kind, .is_dir = is_dir };
	return 0;
}

/* Mask @path if it exists now (following symlinks: a mount lands on the target). */
static int add_existing(struct cordon_masks *m, const char *path, enum cordon_mask_kind kind,
			bool sockets_only)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	/* A denied unix socket, or a directory of them (D-Bus, /run/user). */
	if (sockets_only && !S_ISSOCK(st.st_mode) && !S_ISDIR(st.st_mode))
		return 0;
	return add(m, path, kind, S_ISDIR(st.st_mode));
}

/*
 * secrets.patterns, compiled as the BPF file hooks match them: the view masks exactly the
 * existing names that BPF LSM would refuse, with the same matcher (lib/pattern.h).
 */
struct secret_names {
	struct cordon_name_pattern *v;
	size_t n;
};

static int secret_names_compile(const struct pol_list *patterns, struct secret_names *out)
{
	char msg[160];

	out->n = 0;
	out->v = calloc(patterns->n ? patterns->n : 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (; out->n < patterns->n; out->n++) {
		/* Refused at parse time already (policy check), so never expected here. */
		int r = policy_compile_pattern(patterns->v[out->n].s, &out->v[out->n], msg,
					       sizeof(msg));

		if (r < 0)
			return r;
	}
	return 0;
}

static bool pattern_match(const struct secret_names *names, const char *name)
{
	return cordon_patterns_secret(names->v, names->n, name) >= 0;
}

/*
 * Secret files that have other names (st_nlink > 1): a hard link made before the session, in
 * the project under an innocent name, is the same file. Found by inode during the walk.
 */
struct linked {
	struct {
		dev_t dev;
		ino_t ino;
	} v[256];
	size_t n;
};

static void find_linked(struct linked *l, const char *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) < 0 || depth > 8)
		return;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1 && l->n < ARRAY_SIZE(l->v)) {
		l->v[l->n].dev = st.st_dev;
		l->v[l->n++].ino = st.st_ino;
		return;
	}
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return;
	while ((e = readdir(d)) && l->n < ARRAY_SIZE(l->v)) {
		char sub[4096];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < sizeof(sub))
			find_linked(l, sub, depth + 1);
	}
	closedir(d);
}

static bool is_linked_secret(const struct linked *l, const char *path)
{
	struct stat st;

	if (!l->n || lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink < 2)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dev == st.st_dev && l->v[i].ino == st.st_ino)
			return true;
	return false;
}

/* Walk @dir (bounded in depth and entries) for names matching the secret patterns. */
static int walk(struct cordon_masks *m, const struct secret_names *names,
		const struct linked *linked, char *path, size_t len, int depth)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > WALK_DEPTH) {
		m->truncated = 1;
		return 0;
	}
	d = opendir(path);
	if (!d)
		return 0;
	while (!r && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++m->walked > CORDON_MASK_WALK_MAX) {
			m->truncated = 1;
			break;
		}
		if (len + 1 + n + 1 > 4096)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		if (pattern_match(names, e->d_name) || is_linked_secret(linked, path)) {
			r = add_existing(m, path, CORDON_MASK_SECRET, false);
		} else if (e->d_type == DT_DIR && !covered(m, path)) {
			/* Symlinked directories are not followed: no loops, no escape. */
			r = walk(m, names, linked, path, len + 1 + n, depth + 1);
		}
		path[len] = '\0';
	}
	closedir(d);
	return r;
}

/*
 * A secret's other name in a cache the session writes through its layer (filesystem.cache): an
 * overlay copies a file up on link, rename or chmod, and the copy is a new inode that no rule
 * of the secret's knows. A masked name is a mount point the overlay cannot copy up. Walked only
 * for secrets that have other names, on the caches of their file system: usually none.
 */
static int walk_caches(struct cordon_masks *m, const struct policy *p, const struct linked *linked,
		       char *path, size_t size)
{
	const struct secret_names none = { 0 };
	int r = 0;

	for (size_t i = 0; !r && linked->n && i < p->fs_cache.n; i++) {
		const char *c = p->fs_cache.v[i].s;
		struct stat st;
		bool same_fs = false;

		if (strlen(c) >= size || lstat(c, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		for (size_t k = 0; k < linked->n; k++)
			same_fs |= linked->v[k].dev == st.st_dev;
		if (!same_fs)
			continue;
		strcpy(path, c);
		r = walk(m, &none, linked, path, strlen(path), 0);
	}
	return r;
}

/* Pin @path if it is a directory now (not through a symlink: the link itself is what moves). */
static int pin_dir(struct cordon_masks *m, const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return add(m, path, CORDON_MASK_PIN, true);
}

int cordon_masks_plan(const struct policy *p, const char *project, struct cordon_masks *m)
{
	char path[4096];
	int r = 0;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; !r && i < p->sec_files.n; i++)
		r = add_existing(m, p->sec_files.v[i].s, CORDON_MASK_SECRET, false);
	for (size_t i = 0; !r && i < p->unix_deny.n; i++)
		r = add_existing(m, p->unix_deny.v[i].s, CORDON_MASK_SECRET, true);
	/*
	 * Denied programs (sudo, su, systemd-run): on the host tier nothing else refuses their
	 * exec, since they sit in an exec tree (/usr). A noexec bind refuses the exec and ld.so's
	 * executable mapping of them (`ld.so /usr/bin/su`); a hard link made before the session in
	 * a write tree is the listener's (by inode), and a copy is a new file without set-uid.
	 */
	for (size_t i = 0; !r && i < p->exec_deny.n; i++)
		r = add_existing(m, p->exec_deny.v[i].s, CORDON_MASK_NOEXEC, false);
	/*
	 * The project's repository as a unit: its .git is pinned (a mount point), so it cannot be
	 * renamed away and replaced by a directory, or by a "gitdir:" file, with hooks and config
	 * of the agent's choosing. Before the read-only binds of its hooks and config inside it.
	 */
	if (!r && project &&
	    (size_t)snprintf(path, sizeof(path), "%s/.git", project) < sizeof(path))
		r = pin_dir(m, path);
	/* So is every other repository whose config is protected (those found at the start in
	 * the write trees, gitrepos.c: nested ones, submodules' .git/modules/X). */
	for (size_t i = 0; !r && i < p->fs_protect.n; i++) {
		const char *c = p->fs_protect.v[i].s;
		size_t n = strlen(c);

		if (n > 7 && n < sizeof(path) && !strcmp(c + n - 7, "/config")) {
			memcpy(path, c, n - 7);
			strcpy(path + n - 7, "/HEAD");
			if (access(path, F_OK) == 0) {
				path[n - 7] = 0;
				r = pin_dir(m, path);
			}
		}
	}
	for (size_t i = 0; !r && i < p->fs_protect.n; i++)
		r = add_existing(m, p->fs_protect.v[i].s, CORDON_MASK_READONLY, false);
	if (!r && project && strlen(project) < sizeof(path)) {
		_cleanup_free_ struct linked *linked = calloc(1, sizeof(*linked));
		struct secret_names names = { 0 };

		if (!linked)
			r = -ENOMEM;
		else
			r = secret_names_compile(&p->sec_patterns, &names);
		if (!r) {
			for (size_t i = 0; i < p->sec_files.n; i++)
				find_linked(linked, p->sec_files.v[i].s, 0);
		}
		if (!r && (names.n || linked->n)) {
			strcpy(path, project);
			r = walk(m, &names, linked, path, strlen(path), 0);
		}
		free(names.v);
		if (!r && linked)
			r = walk_caches(m, p, linked, path, sizeof(path));
	}
	if (r < 0)
		cordon_masks_free(m);
	return r;
}

void cordon_masks_free(struct cordon_masks *m)
{
	for (size_t i = 0; i < m->n; i++)
		free((char *)m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
