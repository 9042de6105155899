// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's view of the filesystem, planned before the launch: private /tmp, /var/tmp and
 * /dev/shm (empty tmpfs of the session's own), a private devpts, the /proc of the session's pid
 * namespace, and the policy's allowed paths that live under those brought back in by bind mounts
 * (a project in /tmp stays the project); everything read-only but the write trees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

/* What the session gets in place of the host's shared scratch places and terminals. */
static const struct {
	const char *path;
	enum cordon_view_kind kind;
} view_mounts[] = {
	{ "/tmp", CORDON_VIEW_TMPFS },	   { "/var/tmp", CORDON_VIEW_TMPFS },
	{ "/dev/shm", CORDON_VIEW_TMPFS }, { "/dev/pts", CORDON_VIEW_DEVPTS },
	{ "/proc", CORDON_VIEW_PROC },	   { "/run/user", CORDON_VIEW_EMPTY },
};

/* Is @path @dir itself or below it? */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

/*
 * Rights on a private mount's root. Landlock skips a mount point hidden by a mount, so the
 * policy's rule on the host's /tmp does not reach the new /tmp: it is granted again on the new
 * root. The session's scratch space and its own terminals are always readable and writable
 * (they hold nothing of the host's and vanish with the session); execution there is the
 * policy's to allow, as it was on the host's.
 */
static uint64_t view_access(const struct pol_landlock *ll, const struct cordon_view_mount *m)
{
	uint64_t a = m->kind == CORDON_VIEW_PROC || m->kind == CORDON_VIEW_EMPTY
			     ? 0
			     : POL_LL_READ | POL_LL_WRITE;
	const char *path = m->path;

	for (size_t i = 0; i < ll->npaths; i++)
		if (!strcmp(ll->paths[i].path, path))
			a |= ll->paths[i].access;
	/*
	 * No symlinks in the private scratch trees: unix sockets there are allowed by path
	 * (policy_compile_unix.c), and the cgroup program sees only the string, so a link
	 * /tmp/x -> /run/user/UID/bus would pass for the bus. A symlink made elsewhere cannot be
	 * renamed in (another file system: EXDEV), nor a socket hard-linked in.
	 */
	if (m->kind == CORDON_VIEW_TMPFS)
		a &= ~(uint64_t)LANDLOCK_ACCESS_FS_MAKE_SYM;
	return a & ll->attr.handled_access_fs;
}

static int add_keep(struct cordon_view *v, const char *path)
{
	char **n;

	/* A path below one kept already comes along with it (recursive bind). */
	for (size_t i = 0; i < v->nkeep; i++)
		if (path_under(path, v->keep[i]))
			return 0;
	n = realloc(v->keep, (v->nkeep + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	v->keep = n;
	v->keep[v->nkeep] = strdup(path);
	if (!v->keep[v->nkeep])
		return -ENOMEM;
	v->nkeep++;
	return 0;
}

/* Allowed paths below a private mount, shortest first so that ancestors absorb descendants. */
static int plan_keeps(struct cordon_view *v, const struct pol_landlock *ll, const char *project)
{
	size_t n = ll->npaths + 1;
	_cleanup_free_ const char **c = calloc(n, sizeof(*c));
	size_t k = 0;
	int r;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < ll->npaths; i++)
		c[k++] = ll->paths[i].path;
	if (project)
		c[k++] = project;
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++)
			if (strlen(c[j]) < strlen(c[i])) {
				const char *t = c[i];

				c[i] = c[j];
				c[j] = t;
			}
	for (size_t i = 0; i < k; i++) {
		struct stat st;
		bool below = false;

		for (size_t m = 0; m < v->nmounts; m++)
			below |= path_under(c[i], v->mounts[m].path) &&
				 strcmp(c[i], v->mounts[m].path);
		if (!below || lstat(c[i], &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			continue;
		r = add_keep(v, c[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_rw(struct cordon_view *v, const char *path)
{
	char **n;

	for (size_t i = 0; i < v->nrw; i++)
		if (!strcmp(v->rw[i], path))
			return 0;
	if (v->nrw >= CORDON_VIEW_MAX_RW)
		return -E2BIG;
	n = realloc(v->rw, (v->nrw + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	v->rw = n;
	v->rw[v->nrw] = strdup(path);
	if (!v->rw[v->nrw])
		return -ENOMEM;
	v->nrw++;
	return 0;
}

/* Shortest first: a tree below another gets its mount after (on top of) its parent's. */
static void sort_rw(struct cordon_view *v)
{
	for (size_t i = 0; i < v->nrw; i++)
		for (size_t j = i + 1; j < v->nrw; j++)
			if (strlen(v->rw[j]) < strlen(v->rw[i])) {
				char *t = v->rw[i];

				v->rw[i] = v->rw[j];
				v->rw[j] = t;
			}
}

/*
 * The write trees that exist now (Landlock cannot grant a missing one either), shortest first:
 * a tree below another gets its own writable mount on top of the clone of its parent's.
 */
static int plan_rw(struct cordon_view *v, const struct pol_landlock *ll)
{
	const uint64_t w = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG;
	int r = 0;

	for (size_t i = 0; !r && i < ll->npaths; i++) {
		struct stat st;

		if ((ll->paths[i].access & w) && stat(ll->paths[i].path, &st) == 0 &&
		    (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			r = add_rw(v, ll->paths[i].path);
	}
	sort_rw(v);
	return r;
}

int cordon_view_plan(const struct pol_landlock *ll, const char *project, bool pidns,
		     struct cordon_view *v)
{
	struct stat st;
	int r;

	memset(v, 0, sizeof(*v));
	v->layer_lock = v->layer_drain = -1;
	for (size_t i = 0; i < CORDON_VIEW_MAX_RW; i++)
		v->layer_upper[i] = v->layer_work[i] = -1;
	for (size_t i = 0; i < ARRAY_SIZE(view_mounts); i++) {
		struct cordon_view_mount *m = &v->mounts[v->nmounts];

		/* Only what the host has: a missing /var/tmp is not created in the host's tree. */
		if (lstat(view_mounts[i].path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (view_mounts[i].kind == CORDON_VIEW_PROC && !pidns)
			continue;
		/* A project that is /tmp (or holds it) stays the project: that place is not hidden. */
		if (project && view_mounts[i].kind == CORDON_VIEW_TMPFS &&
		    path_under(view_mounts[i].path, project))
			continue;
		m->path = view_mounts[i].path;
		m->kind = view_mounts[i].kind;
		m->landlock_access = view_access(ll, m);
		v->nmounts++;
	}
	r = plan_keeps(v, ll, project);
	if (r == 0 && v->nkeep > CORDON_VIEW_MAX_KEEP)
		r = -E2BIG;
	if (r == 0)
		r = plan_rw(v, ll);
	return r;
}

static bool listed_inside(const char *path, const struct pol_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (path_under(path, l->v[i].s))
			return true;
	return false;
}

int cordon_view_plan_layers(struct cordon_view *v, const struct pol_landlock *ll,
			    const struct pol_list *cache, const char *project,
			    const char **conflict)
{
	int r = 0;

	*conflict = NULL;
	if (!cache || !cache->n)
		return 0;
	/* A cache entry inside a write tree is a write tree of its own: its overlay goes there. */
	for (size_t i = 0; !r && i < cache->n; i++) {
		const char *c = cache->v[i].s;
		struct stat st;
		bool inside = false;

		for (size_t k = 0; k < v->nrw; k++)
			inside |= path_under(c, v->rw[k]);
		if (inside && stat(c, &st) == 0 && S_ISDIR(st.st_mode))
			r = add_rw(v, c);
	}
	if (r < 0)
		return r;
	sort_rw(v);
	for (size_t i = 0; i < v->nrw; i++) {
		bool outer = false;

		if (!listed_inside(v->rw[i], cache))
			continue;
		/* Only the outermost: a tree inside a layered one is in its overlay already. */
		for (size_t k = 0; k < i; k++)
			outer |= v->rw_layered[k] && path_under(v->rw[i], v->rw[k]);
		if (outer)
			continue;
		if (project && path_under(project, v->rw[i])) {
			*conflict = v->rw[i];
			return -EXDEV;
		}
		/* Only directories: a file cannot be the root of an overlay. */
		struct stat st;

		if (stat(v->rw[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		v->rw_layered[i] = true;
	}
	/* The Landlock rules at or below each layered tree, granted again inside its overlay. */
	for (size_t i = 0; i < ll->npaths; i++) {
		bool in = false;
		struct cordon_view_rule *n;

		for (size_t k = 0; k < v->nrw; k++)
			in |= v->rw_layered[k] && path_under(ll->paths[i].path, v->rw[k]);
		if (!in)
			continue;
		n = realloc(v->layer_rules, (v->nlayer_rules + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		v->layer_rules = n;
		n[v->nlayer_rules].path = strdup(ll->paths[i].path);
		if (!n[v->nlayer_rules].path)
			return -ENOMEM;
		/* The handled rights only (none when BPF LSM judges an observing session's files;
		 * the path stays listed for its allow_trees entry). */
		n[v->nlayer_rules++].access = ll->paths[i].access & ll->attr.handled_access_fs;
	}
	return 0;
}

bool cordon_view_has_layers(const struct cordon_view *v)
{
	for (size_t i = 0; v && i < v->nrw; i++)
		if (v->rw_layered[i])
			return true;
	return false;
}

bool cordon_view_has_devpts(const struct cordon_view *v)
{
	for (size_t i = 0; v && i < v->nmounts; i++)
		if (v->mounts[i].kind == CORDON_VIEW_DEVPTS)
			return true;
	return false;
}

void cordon_view_close_layers(struct cordon_view *v)
{
	/* Descriptors only where a layer was planned (a view never planned is all zeros). */
	if (!cordon_view_has_layers(v))
		return;
	/* The directories' locks, then the draining lock, the slot's lock last (layers.c): a
	 * session that has the slot's lock finds its directories free. */
	for (size_t i = 0; i < v->nrw && i < CORDON_VIEW_MAX_RW; i++) {
		if (!v->rw_layered[i])
			continue;
		if (v->layer_upper[i] >= 0)
			close(v->layer_upper[i]);
		if (v->layer_work[i] >= 0)
			close(v->layer_work[i]);
		v->layer_upper[i] = v->layer_work[i] = -1;
	}
	if (v->layer_drain >= 0)
		close(v->layer_drain);
	if (v->layer_lock >= 0)
		close(v->layer_lock);
	v->layer_drain = v->layer_lock = -1;
}

void cordon_view_free(struct cordon_view *v)
{
	for (size_t i = 0; i < v->nkeep; i++)
		free(v->keep[i]);
	free(v->keep);
	cordon_view_close_layers(v);
	for (size_t i = 0; i < v->nrw && i < CORDON_VIEW_MAX_RW; i++) {
		if (!v->rw_layered[i])
			continue;
		free(v->layer_upper_path[i]);
		free(v->layer_work_path[i]);
	}
	for (size_t i = 0; i < v->nrw; i++)
		free(v->rw[i]);
	free(v->rw);
	for (size_t i = 0; i < v->nlayer_rules; i++)
		free(v->layer_rules[i].path);
	free(v->layer_rules);
	memset(v, 0, sizeof(*v));
	v->layer_lock = v->layer_drain = -1;
	for (size_t i = 0; i < CORDON_VIEW_MAX_RW; i++)
		v->layer_upper[i] = v->layer_work[i] = -1;
}
