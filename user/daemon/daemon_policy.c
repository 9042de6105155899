// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy set the daemon decides with. At start and on SIGHUP the system policies and the
 * floor are copied into a fresh directory under the run directory and every one is checked
 * (parsed, composed, merged with the floor); only when all are valid does the daemon switch to
 * the new copy. A broken file under /etc therefore never half-applies, and an edit made while a
 * session is being created cannot change the rules under it.
 *
 * The daemon never reads a policy file of a user's choosing: a client sends the text of its own
 * policy, which may extend system and built-in policies only. Reading user-named paths as root
 * would make the daemon a file-disclosure oracle through its error messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "daemon.h"
#include "policy/policy.h"

static int copy_file(const char *from, const char *to)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;
	size_t total = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		total += (size_t)n;
		if (total > POLICY_MAX_FILE_BYTES)
			return -EFBIG;
		if (write(out, buf, (size_t)n) != n)
			return -EIO;
	}
	return n < 0 ? -errno : 0;
}

static void remove_tree(const char *dir)
{
	_cleanup_free_ char *sub = cordon_path_join(dir, "policies");
	_cleanup_free_ char *floor = cordon_path_join(dir, "floor.yaml");
	DIR *dp = sub ? opendir(sub) : NULL;
	struct dirent *e;

	while (dp && (e = readdir(dp))) {
		_cleanup_free_ char *path = NULL;

		if (e->d_name[0] == '.')
			continue;
		path = cordon_path_join(sub, e->d_name);
		if (path)
			unlink(path);
	}
	if (dp)
		closedir(dp);
	if (sub)
		rmdir(sub);
	if (floor)
		unlink(floor);
	rmdir(dir);
}

static void print_errors(const struct policy_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		daemon_log("%s:%d:%d: %s", errs->v[i].file, errs->v[i].line, errs->v[i].col,
			   errs->v[i].msg);
}

/* Every policy of the copy must resolve (as a building block) against the copied floor. */
static int validate(const char *dir)
{
	_cleanup_free_ char *pdir = cordon_path_join(dir, "policies");
	_cleanup_free_ char *floor = cordon_path_join(dir, "floor.yaml");
	struct policy_search search = { .system_dir = pdir, .user_dir = "" };
	struct policy_vars vars;
	struct policy_resolve_opts ro = {
		.search = &search, .vars = &vars, .floor_path = floor, .fragment_ok = true
	};
	struct policy_entry *list = NULL;
	int n, bad = 0;

	if (!pdir || !floor)
		return -ENOMEM;
	policy_vars_placeholder(&vars);
	n = policy_list(&search, &list);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct policy_errors errs = { 0 };
		struct policy *p = NULL;

		if (list[i].source != POLICY_SRC_SYSTEM)
			continue;
		if (policy_resolve(list[i].path, &ro, &p, &errs) < 0) {
			print_errors(&errs);
			bad = 1;
		}
		if (p)
			policy_free(p);
		policy_errors_free(&errs);
	}
	policy_entries_free(list, (size_t)n);
	return bad ? -EINVAL : 0;
}

/* The *.yaml files of @from copied into @to (0 or the first -errno, logged). */
static int copy_policies(const char *from, const char *to)
{
	DIR *dp = opendir(from);
	struct dirent *e;
	int r = 0;

	while (r == 0 && dp && (e = readdir(dp))) {
		size_t n = strlen(e->d_name);
		_cleanup_free_ char *src = NULL, *dst = NULL;

		if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		src = cordon_path_join(from, e->d_name);
		dst = cordon_path_join(to, e->d_name);
		r = src && dst ? copy_file(src, dst) : -ENOMEM;
		if (r < 0)
			daemon_log("%s: %s", src ?: e->d_name, strerror(-r));
	}
	if (dp)
		closedir(dp);
	return r;
}

int daemon_policy_snapshot(struct daemon *d)
{
	_cleanup_free_ char *dir =
		cordon_strdup_printf("%s/policy-set.%u", d->o.run_dir, d->generation + 1);
	_cleanup_free_ char *pdir = dir ? cordon_path_join(dir, "policies") : NULL;
	int r = 0;

	if (!pdir)
		return -ENOMEM;
	remove_tree(dir);
	if (mkdir(dir, 0700) < 0)
		return -errno;
	if (mkdir(pdir, 0700) < 0) {
		r = -errno;
		goto fail;
	}
	r = copy_policies(d->o.policy_dir, pdir);
	if (r == 0 && d->o.floor && access(d->o.floor, F_OK) == 0) {
		_cleanup_free_ char *path = cordon_path_join(dir, "floor.yaml");

		r = path ? copy_file(d->o.floor, path) : -ENOMEM;
		if (r < 0)
			daemon_log("%s: %s", d->o.floor, strerror(-r));
	}
	if (r == 0)
		r = validate(dir);
	if (r < 0)
		goto fail;
	if (d->snapshot)
		remove_tree(d->snapshot);
	free(d->snapshot);
	d->snapshot = TAKE_PTR(dir);
	d->generation++;
	daemon_policy_cache_clear(d);
	daemon_log("policy set %u in use (%s, floor %s)", d->generation, d->o.policy_dir,
		   d->o.floor && access(d->o.floor, F_OK) == 0 ? d->o.floor : "none");
	return 0;
fail:
	remove_tree(dir);
	return r;
}

static int resolve(struct daemon *d, const char *ref, const char *text, size_t len,
		   const char *file, const char *home, const char *user, const char *project,
		   const char *ssh_sock, const struct daemon_overlay *ov,
		   const struct policy *hosts, struct policy **out, struct policy_errors *errs);

/*
 * Resolved policies, kept while the snapshot they were read from is in use. Resolving reads
 * only the snapshot (root's copy under the run directory, written once and replaced, never
 * changed, when the set is reloaded: the cache is emptied then), the built-in policies and what
 * the request and the passwd entry give; the key is all of that, byte for byte (not a hash, so
 * no two inputs share an entry), so a hit is the policy a fresh resolve would give. A caller
 * gets a copy of its own (a spawn's walk adds to it): policy_dup must copy every field of the
 * policy (it did not copy the DNS limits until this cache was written). Only successes are
 * kept: a refusal is resolved again, with its messages.
 */
struct daemon_policy_cached {
	unsigned int generation;
	char *key;
	size_t klen;
	struct policy *pol;
};

#define POLICY_CACHE_KEY_MAX (256 * 1024)

struct keybuf {
	char *v;
	size_t n, cap;
	bool bad;
};

/* One field: its length, then its bytes (NULL and "" differ), so fields never run together. */
static void key_put(struct keybuf *k, const char *s, size_t len)
{
	uint64_t hdr = s ? (uint64_t)len : UINT64_MAX;
	size_t need = sizeof(hdr) + (s ? len : 0);

	if (k->bad)
		return;
	if (k->n + need > POLICY_CACHE_KEY_MAX) {
		k->bad = true;
		return;
	}
	if (k->n + need > k->cap) {
		size_t cap = (k->n + need) * 2;
		char *v = realloc(k->v, cap);

		if (!v) {
			k->bad = true;
			return;
		}
		k->v = v;
		k->cap = cap;
	}
	memcpy(k->v + k->n, &hdr, sizeof(hdr));
	k->n += sizeof(hdr);
	if (s && len) {
		memcpy(k->v + k->n, s, len);
		k->n += len;
	}
}

static void key_str(struct keybuf *k, const char *s)
{
	key_put(k, s, s ? strlen(s) : 0);
}

static void key_strv(struct keybuf *k, const char *const *v, size_t n)
{
	key_put(k, (const char *)&n, sizeof(n));
	for (size_t i = 0; i < n; i++)
		key_str(k, v[i]);
}

void daemon_policy_cache_clear(struct daemon *d)
{
	for (size_t i = 0; i < DAEMON_POLICY_CACHE; i++) {
		struct daemon_policy_cached *c = d->policy_cache[i];

		if (!c)
			continue;
		free(c->key);
		policy_free(c->pol);
		free(c);
		d->policy_cache[i] = NULL;
	}
}

/* A copy of the cached policy for @k, or NULL (a miss: none, or no memory for the copy). */
static struct policy *cache_find(struct daemon *d, const struct keybuf *k)
{
	for (size_t i = 0; i < DAEMON_POLICY_CACHE; i++) {
		struct daemon_policy_cached *c = d->policy_cache[i];

		if (!c || c->generation != d->generation || c->klen != k->n ||
		    memcmp(c->key, k->v, k->n))
			continue;
		/* Most recently used first: the last slot is the one given up. */
		memmove(&d->policy_cache[1], &d->policy_cache[0], i * sizeof(c));
		d->policy_cache[0] = c;
		return policy_dup(c->pol);
	}
	return NULL;
}

/* Keep a copy of @p under @k (taking @k's buffer); nothing when there is no memory. */
static void cache_add(struct daemon *d, struct keybuf *k, const struct policy *p)
{
	struct daemon_policy_cached *c = calloc(1, sizeof(*c)),
				    *last = d->policy_cache[DAEMON_POLICY_CACHE - 1];

	if (!c || !(c->pol = policy_dup(p))) {
		free(c);
		return;
	}
	c->generation = d->generation;
	c->key = TAKE_PTR(k->v);
	c->klen = k->n;
	if (last) {
		free(last->key);
		policy_free(last->pol);
		free(last);
	}
	memmove(&d->policy_cache[1], &d->policy_cache[0],
		(DAEMON_POLICY_CACHE - 1) * sizeof(d->policy_cache[0]));
	d->policy_cache[0] = c;
}

int daemon_policy_resolve(struct daemon *d, const char *ref, const char *text, size_t len,
			  const char *file, uid_t uid, const char *project, const char *ssh_sock,
			  const struct daemon_overlay *ov, struct policy **out,
			  struct policy_errors *errs)
{
	struct passwd *pw = cordon_getpw(NULL, uid);
	_cleanup_free_ char *home = NULL, *user = NULL;
	struct keybuf k = { 0 };
	struct policy *hosts = NULL;
	int r;

	*out = NULL;
	if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
		return policy_errorf(errs, "daemon", 1, 1, "uid %u has no home directory",
				     (unsigned)uid);
	/* ${HOME} and ${USER} are the peer's, from its uid: never what the client claims. Read
	 * once: the same for the key and for the resolve. */
	home = strdup(pw->pw_dir);
	user = pw->pw_name ? strdup(pw->pw_name) : NULL;
	if (!home || (pw->pw_name && !user))
		return -ENOMEM;
	/* The key: the snapshot (its generation, compared apart) and every input of resolve. */
	key_str(&k, ref);
	key_put(&k, text, len);
	key_str(&k, file);
	key_str(&k, home);
	key_str(&k, user);
	key_str(&k, project);
	key_str(&k, ssh_sock);
	key_put(&k, ov ? ov->hosts_text : NULL, ov ? ov->hosts_len : 0);
	key_strv(&k, ov ? ov->allow_connect : NULL, ov ? ov->nallow_connect : 0);
	key_strv(&k, ov ? ov->allow : NULL, ov ? ov->nallow : 0);
	if (!k.bad && (*out = cache_find(d, &k))) {
		free(k.v);
		return 0;
	}

	/* The client's own hosts.yaml, as `cordon run` without the daemon reads it: its sets
	 * replace the shipped ones of the same name; the floor's still win. */
	if (ov && ov->hosts_text) {
		r = policy_parse("hosts.yaml", ov->hosts_text, ov->hosts_len, &hosts, errs);
		if (r < 0) {
			free(k.v);
			return r;
		}
	}
	r = resolve(d, ref, text, len, file, home, user, project, ssh_sock, ov, hosts, out, errs);
	policy_free(hosts);
	if (r == 0 && !k.bad)
		cache_add(d, &k, *out);
	free(k.v);
	return r;
}

static int resolve(struct daemon *d, const char *ref, const char *text, size_t len,
		   const char *file, const char *home, const char *user, const char *project,
		   const char *ssh_sock, const struct daemon_overlay *ov,
		   const struct policy *hosts, struct policy **out, struct policy_errors *errs)
{
	_cleanup_free_ char *pdir = cordon_path_join(d->snapshot, "policies");
	_cleanup_free_ char *floor = cordon_path_join(d->snapshot, "floor.yaml");
	_cleanup_free_ char *config = NULL, *cache = NULL;
	char norm[4096]; /* policy_path_normalise()'s limit */
	struct policy_search search = { .system_dir = pdir, .user_dir = "", .names_only = true };
	struct policy_vars vars = { 0 };
	struct policy_resolve_opts ro = { .search = &search,
					  .vars = &vars,
					  .floor_path = floor,
					  .user_hosts = hosts,
					  .allow_connect = ov ? ov->allow_connect : NULL,
					  .nallow_connect = ov ? ov->nallow_connect : 0,
					  .allow = ov ? ov->allow : NULL,
					  .nallow = ov ? ov->nallow : 0 };
	struct policy *p = NULL;
	int r;

	*out = NULL;
	if (policy_path_normalise(project, norm, sizeof(norm)) < 0)
		return policy_errorf(errs, "daemon", 1, 1, "the project path is not usable");
	config = cordon_path_join(home, ".config");
	cache = cordon_path_join(home, ".cache");
	if (!pdir || !floor || !config || !cache)
		return -ENOMEM;
	vars.home = home;
	vars.user = user;
	vars.project = norm;
	vars.tmpdir = "/tmp";
	vars.xdg_config_home = config;
	vars.xdg_cache_home = cache;
	vars.ssh_auth_sock = ssh_sock;
	if (text) {
		r = policy_parse(file, text, len, &p, errs);
		if (r < 0)
			return r;
		return policy_resolve_parsed(p, &ro, out, errs);
	}
	return policy_resolve(ref, &ro, out, errs);
}
