// SPDX-License-Identifier: GPL-2.0-only
/*
 * Auto-confinement (BPF LSM kernels): one long-lived session per `confine:` entry, its
 * executable registered in auto_exec, and the records of tagged processes turned into moves
 * into the session's cgroup (the BPF side and the move are in bpf/lsm_auto.bpf.c and
 * user/lib/auto_confine.c; see docs/architecture.md).
 *
 * Whose ${HOME}? An auto-confined agent may be started by any user, and the kernel tags it
 * before anyone knows which. The session therefore carries the policy's rules resolved for
 * root, for every user getpwent() lists with a home directory, and for every other user that
 * ran the agent: the denials (secrets, protected paths) of each user's home hold for whoever
 * runs it. The kernel refuses the exec of a registered file by a uid whose rules are not in
 * the session (auto_users, bpf/maps.h), with a CORDON_EV_AUTO_USER record; on that record the
 * user is resolved here through NSS (getpwuid(): SSSD and LDAP accounts, which getpwent() does
 * not list, and accounts made since the start) and the next exec runs. A user whose rules
 * cannot be resolved stays refused, and each refused exec is recorded. Allow-lists are
 * Landlock's and do not apply to auto-confined processes at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "loader/loader.h"
#include "sys/sys.h"
#include "daemon.h"
#include "events.h"
#include "policy/policy.h"

#define AUTO_MAX_USERS 256
/* A user whose resolution failed is tried again on a refusal record at most this often. */
#define AUTO_RETRY_NS 1000000000ull

static struct dsession *find_auto(struct daemon *d, const char *exec, const char *policy)
{
	for (struct dsession *s = d->sessions; s; s = s->next)
		if (s->auto_confine && !strcmp(s->exec, exec) &&
		    (!policy || !strcmp(s->policy, policy)))
			return s;
	return NULL;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* @uid has no rules in @s and was not tried in the last AUTO_RETRY_NS. */
static bool user_due(struct daemon *d, struct dsession *s, uid_t uid)
{
	struct cordon_auto_user u = { 0 };

	if (cordon_bpf_auto_user_get(d->bpf, s->s.cgroup_id, uid, &u) < 0)
		return true;
	return u.state != CORDON_AUTO_USER_READY && monotonic_ns() - u.tried_ns >= AUTO_RETRY_NS;
}

/*
 * Mark @uid in session @s: READY once its rules are in, else FAILED (refused, and tried again
 * on a later record). A mark that does not reach the map leaves the uid refused: fail closed.
 */
static int mark_user(struct daemon *d, struct dsession *s, uid_t uid, bool ready)
{
	struct cordon_auto_user u = { .state = ready ? CORDON_AUTO_USER_READY
						     : CORDON_AUTO_USER_FAILED,
				      .tried_ns = ready ? 0 : monotonic_ns() };
	int r = cordon_bpf_auto_user_set(d->bpf, s->s.cgroup_id, uid, &u);

	if (r < 0)
		daemon_log("confine %s: uid %u: cannot record its state (%s): its agent stays "
			   "refused",
			   s->exec, (unsigned)uid, strerror(-r));
	return r;
}

/* The rules of @policy for user @uid (resolved through NSS), added to @s and marked. */
static int add_user(struct daemon *d, struct dsession *s, const char *policy, uid_t uid)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;
	struct passwd *pw = cordon_getpw(NULL, uid);
	char name[64];
	int r;

	if (!pw) {
		daemon_log("confine %s: uid %u: no such user: its agent stays refused", s->exec,
			   (unsigned)uid);
		mark_user(d, s, uid, false);
		return -ENOENT;
	}
	snprintf(name, sizeof(name), "%s", pw->pw_name);
	r = daemon_policy_resolve(d, policy, NULL, 0, NULL, uid, "/", NULL, NULL, &p, &errs);
	if (r == 0)
		r = daemon_session_add_rules(d, s, p);
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			daemon_log("%s:%d:%d: %s", errs.v[i].file, errs.v[i].line, errs.v[i].col,
				   errs.v[i].msg);
		daemon_log("confine %s: uid %u (%s): not resolved (%s): its agent stays refused",
			   s->exec, (unsigned)uid, name, strerror(-r));
	} else {
		daemon_log("confine %s: uid %u (%s): rules resolved", s->exec, (unsigned)uid, name);
	}
	if (p)
		policy_free(p);
	policy_errors_free(&errs);
	mark_user(d, s, uid, r == 0);
	return r;
}

/*
 * The rules of @policy for every local user getpwent() lists with a home and that @s does not
 * hold yet, added to @s: at start, on SIGHUP and on every refusal record, so that accounts
 * listed since are covered before they run the agent themselves.
 */
static void add_users(struct daemon *d, struct dsession *s, const char *policy)
{
	uid_t uids[AUTO_MAX_USERS];
	struct passwd *pw;
	size_t n = 0;

	/* The list first: resolving a user looks it up again, which must not disturb the walk. */
	setpwent();
	while ((pw = getpwent()) && n < AUTO_MAX_USERS) {
		struct stat st;

		if (pw->pw_uid < 1000 || pw->pw_uid >= 65534 || !pw->pw_dir ||
		    stat(pw->pw_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		uids[n++] = pw->pw_uid;
	}
	endpwent();
	for (size_t i = 0; i < n; i++)
		if (user_due(d, s, uids[i]))
			add_user(d, s, policy, uids[i]);
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
	/* Root's rules are the session's own (resolved above). */
	mark_user(d, s, 0, true);
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
		/* Users listed since the last look (the pinned auto_users entries survive). */
		add_users(d, s, e->policy);
		daemon_session_persist(d, s, false);
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

void daemon_auto_user_event(struct daemon *d, const void *data, size_t size)
{
	const struct cordon_event_auto_user *ev = data;
	struct dsession *s;

	if (cordon_event_check(data, size) != CORDON_EV_AUTO_USER)
		return;
	for (s = d->sessions; s; s = s->next)
		if (s->auto_confine && s->s.cgroup_id == ev->hdr.cgroup_id)
			break;
	if (!s) {
		daemon_log("auto-confine: a refused user's record for an unknown session (cgroup "
			   "%llu)",
			   (unsigned long long)ev->hdr.cgroup_id);
		return;
	}
	/* Resolved since (a second exec raced the first), or failed a moment ago. */
	if (!user_due(d, s, ev->auto_uid))
		return;
	add_user(d, s, s->policy, ev->auto_uid);
	add_users(d, s, s->policy);
	daemon_session_persist(d, s, false);
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
