// SPDX-License-Identifier: GPL-2.0-only
/*
 * Auto-confinement (BPF LSM kernels): one long-lived session per `confine:` entry, its
 * executable registered in auto_exec, and the records of tagged processes turned into moves
 * into the session's cgroup (the BPF side and the move are in bpf/lsm_auto.bpf.c and
 * user/lib/auto_confine.c; see docs/architecture.md).
 *
 * Whose ${HOME}? An auto-confined agent may be started by any local user, and the kernel tags
 * it before anyone knows which. The session therefore carries the policy's rules resolved for
 * root and for every local user with a home directory: the denials (secrets, protected paths)
 * of each user's home hold for whoever runs the agent. Allow-lists are Landlock's and do not
 * apply to auto-confined processes at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"
#include "sys/sys.h"
#include "daemon.h"
#include "events.h"
#include "policy/policy.h"

#define AUTO_MAX_USERS 256

static struct dsession *find_auto(struct daemon *d, const char *exec, const char *policy)
{
	for (struct dsession *s = d->sessions; s; s = s->next)
		if (s->auto_confine && !strcmp(s->exec, exec) &&
		    (!policy || !strcmp(s->policy, policy)))
			return s;
	return NULL;
}

/* The rules of @policy for every local user with a home, added to @s. */
static void add_users(struct daemon *d, struct dsession *s, const char *policy)
{
	struct passwd *pw;
	int n = 0;

	setpwent();
	while ((pw = getpwent()) && n < AUTO_MAX_USERS) {
		struct policy_errors errs = { 0 };
		struct policy *p = NULL;
		struct stat st;

		if (pw->pw_uid < 1000 || pw->pw_uid >= 65534 || !pw->pw_dir ||
		    stat(pw->pw_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (daemon_policy_resolve(d, policy, NULL, 0, NULL, pw->pw_uid, "/", NULL, NULL, &p,
					  &errs) == 0) {
			daemon_session_add_rules(d, s, p);
			n++;
		}
		if (p)
			policy_free(p);
		policy_errors_free(&errs);
	}
	endpwent();
}

static void create_one(struct daemon *d, const struct daemon_confine *e)
{
	struct policy_errors errs = { 0 };
	struct policy *pol = NULL;
	struct dsession *s = NULL;
	unsigned int limits;
	char err[512];
	int r;

	r = daemon_policy_resolve(d, e->policy, NULL, 0, NULL, 0, "/", NULL, NULL, &pol, &errs);
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			daemon_log("%s:%d:%d: %s", errs.v[i].file, errs.v[i].line, errs.v[i].col,
				   errs.v[i].msg);
		daemon_log("confine %s: policy '%s' is not usable: not confined", e->exec,
			   e->policy);
		goto out;
	}
	r = daemon_session_create(d, pol, 0, getpid(), "/", true, false, &s, &limits, err,
				  sizeof(err));
	if (r < 0) {
		daemon_log("confine %s: %s", e->exec, err);
		goto out;
	}
	snprintf(s->exec, sizeof(s->exec), "%s", e->exec);
	add_users(d, s, e->policy);
	daemon_session_persist(d, s, false);
	r = cordon_auto_register(d->bpf, e->exec, s->s.cgroup_id, NULL);
	if (r < 0) {
		daemon_log("confine %s: %s", e->exec, strerror(-r));
		daemon_session_end(d, s, "the executable could not be registered");
		goto out;
	}
	daemon_log("confine %s: policy %s, session %s", e->exec, e->policy, s->s.name);
out:
	if (pol)
		policy_free(pol);
	policy_errors_free(&errs);
}

static bool configured(struct daemon *d, const struct dsession *s)
{
	for (size_t i = 0; i < d->cfg.nconfine; i++)
		if (!strcmp(d->cfg.confine[i].exec, s->exec) &&
		    !strcmp(d->cfg.confine[i].policy, s->policy))
			return true;
	return false;
}

static void unregister(struct daemon *d, struct dsession *s)
{
	struct cordon_kinode ki;

	if (cordon_kinode_at(AT_FDCWD, s->exec, 0, NULL, &ki) == 0) {
		struct cordon_auto_key k = { .ino = ki.ino, .dev = ki.dev };

		cordon_auto_unregister(d->bpf, &k);
	}
}

void daemon_auto_apply(struct daemon *d)
{
	struct dsession *s, *next;

	if (d->cfg.nconfine && !d->lsm) {
		/* Loud, not fatal: `cordon run` sessions still work without BPF LSM. */
		daemon_log(
			"auto-confinement needs BPF LSM, which this kernel does not run: the %zu "
			"'confine' entr%s NOT enforced",
			d->cfg.nconfine, d->cfg.nconfine == 1 ? "y is" : "ies are");
		return;
	}
	/* Entries gone from the configuration: no new processes join; the session ends when empty. */
	for (s = d->sessions; s; s = next) {
		next = s->next;
		if (!s->auto_confine || configured(d, s))
			continue;
		unregister(d, s);
		s->auto_confine = false;
		daemon_session_persist(d, s, false);
		daemon_log("confine %s: removed from the configuration", s->exec);
		daemon_session_check(d, s);
	}
	for (size_t i = 0; i < d->cfg.nconfine; i++) {
		const struct daemon_confine *e = &d->cfg.confine[i];

		s = find_auto(d, e->exec, e->policy);
		if (!s) {
			create_one(d, e);
			continue;
		}
		/* Adopted: the pinned auto_exec entry normally survives; registered again if not. */
		if (cordon_auto_register(d->bpf, e->exec, s->s.cgroup_id, NULL) == 0)
			daemon_log("confine %s: registered again for session %s", e->exec,
				   s->s.name);
	}
}

void daemon_auto_event(struct daemon *d, const void *data, size_t size)
{
	const struct cordon_event_hdr *h = data;
	int r;

	for (struct dsession *s = d->sessions; s; s = s->next) {
		if (s->s.cgroup_id != h->cgroup_id)
			continue;
		r = cordon_auto_handle(d->bpf, data, size, s->s.cgroup);
		if (r < 0)
			daemon_log("auto-confine pid %u into %s: %s", h->pid, s->s.name,
				   strerror(-r));
		return;
	}
	daemon_log("auto-confine record for an unknown session (cgroup %llu)",
		   (unsigned long long)h->cgroup_id);
}

void daemon_auto_sweep(struct daemon *d)
{
	for (struct dsession *s = d->sessions; s; s = s->next) {
		int r;

		if (!s->auto_confine)
			continue;
		r = cordon_auto_sweep(d->bpf, s->s.cgroup_id, s->s.cgroup);
		if (r > 0)
			daemon_log(
				"session %s: moved %d tagged process(es) whose records were lost",
				s->s.name, r);
	}
}
