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
	char sub[4400], path[4700];
	DIR *dp;
	struct dirent *e;

	snprintf(sub, sizeof(sub), "%s/policies", dir);
	dp = opendir(sub);
	while (dp && (e = readdir(dp)))
		if (e->d_name[0] != '.' &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", sub, e->d_name) < sizeof(path))
			unlink(path);
	if (dp)
		closedir(dp);
	rmdir(sub);
	snprintf(path, sizeof(path), "%s/floor.yaml", dir);
	unlink(path);
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
	char pdir[4400], floor[4400];
	struct policy_search search = { .system_dir = pdir, .user_dir = "" };
	struct policy_vars vars;
	struct policy_resolve_opts ro = {
		.search = &search, .vars = &vars, .floor_path = floor, .fragment_ok = true
	};
	struct policy_entry *list = NULL;
	int n, bad = 0;

	snprintf(pdir, sizeof(pdir), "%s/policies", dir);
	snprintf(floor, sizeof(floor), "%s/floor.yaml", dir);
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

int daemon_policy_snapshot(struct daemon *d)
{
	char dir[4300], pdir[4400], path[4700], from[4700];
	DIR *dp;
	struct dirent *e;
	int r = 0;

	snprintf(dir, sizeof(dir), "%s/policy-set.%u", d->o.run_dir, d->generation + 1);
	remove_tree(dir);
	if (mkdir(dir, 0700) < 0)
		return -errno;
	snprintf(pdir, sizeof(pdir), "%s/policies", dir);
	if (mkdir(pdir, 0700) < 0) {
		r = -errno;
		goto fail;
	}
	dp = opendir(d->o.policy_dir);
	while (r == 0 && dp && (e = readdir(dp))) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		snprintf(from, sizeof(from), "%s/%s", d->o.policy_dir, e->d_name);
		snprintf(path, sizeof(path), "%s/%s", pdir, e->d_name);
		r = copy_file(from, path);
		if (r < 0)
			daemon_log("%s: %s", from, strerror(-r));
	}
	if (dp)
		closedir(dp);
	if (r == 0 && d->o.floor && access(d->o.floor, F_OK) == 0) {
		snprintf(path, sizeof(path), "%s/floor.yaml", dir);
		r = copy_file(d->o.floor, path);
		if (r < 0)
			daemon_log("%s: %s", d->o.floor, strerror(-r));
	}
	if (r == 0)
		r = validate(dir);
	if (r < 0)
		goto fail;
	if (d->snapshot[0])
		remove_tree(d->snapshot);
	d->generation++;
	snprintf(d->snapshot, sizeof(d->snapshot), "%s", dir);
	daemon_log("policy set %u in use (%s, floor %s)", d->generation, d->o.policy_dir,
		   d->o.floor && access(d->o.floor, F_OK) == 0 ? d->o.floor : "none");
	return 0;
fail:
	remove_tree(dir);
	return r;
}

int daemon_policy_resolve(struct daemon *d, const char *ref, const char *text, size_t len,
			  const char *file, uid_t uid, const char *project, const char *ssh_sock,
			  struct policy **out, struct policy_errors *errs)
{
	char pdir[4400], floor[4400], config[4200], cache[4200], norm[4096];
	struct policy_search search = { .system_dir = pdir, .user_dir = "", .names_only = true };
	struct policy_vars vars = { 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars, .floor_path = floor };
	struct passwd *pw = cordon_getpw(NULL, uid);
	struct policy *p = NULL;
	int r;

	*out = NULL;
	if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
		return policy_errorf(errs, "daemon", 1, 1, "uid %u has no home directory",
				     (unsigned)uid);
	if (policy_path_normalise(project, norm, sizeof(norm)) < 0)
		return policy_errorf(errs, "daemon", 1, 1, "the project path is not usable");
	snprintf(pdir, sizeof(pdir), "%s/policies", d->snapshot);
	snprintf(floor, sizeof(floor), "%s/floor.yaml", d->snapshot);
	snprintf(config, sizeof(config), "%s/.config", pw->pw_dir);
	snprintf(cache, sizeof(cache), "%s/.cache", pw->pw_dir);
	/* ${HOME} and ${USER} are the peer's, from its uid: never what the client claims. */
	vars.home = pw->pw_dir;
	vars.user = pw->pw_name;
	vars.project = norm;
	vars.tmpdir = "/tmp";
	vars.xdg_config_home = config;
	vars.xdg_cache_home = cache;
	vars.ssh_auth_sock = ssh_sock;
	if (text) {
		char name[4200];

		snprintf(name, sizeof(name), "%s", file);
		r = policy_parse(name, text, len, &p, errs);
		if (r < 0)
			return r;
		return policy_resolve_parsed(p, &ro, out, errs);
	}
	return policy_resolve(ref, &ro, out, errs);
}
