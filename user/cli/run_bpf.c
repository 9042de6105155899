// SPDX-License-Identifier: GPL-2.0-only
/*
 * Root's own session on pinned programs (the daemon's, or those an earlier run pinned): no
 * verifier run per launch, and rules that outlive a killed launcher; the sweep of the sessions
 * such launchers left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "run.h"
#include "run_daemon.h"
#include "sys/sys.h"

/* The session number of a session named @name (its first 8 hex digits, as new_id() made it). */
static uint32_t id_of_name(const char *name)
{
	uint8_t b[4];
	uint32_t id;

	for (int i = 0; i < 4; i++) {
		char hex[3] = { name[2 * i], name[2 * i + 1], '\0' };
		char *end;

		b[i] = (uint8_t)strtoul(hex, &end, 16);
		if (end != hex + 2)
			return 0;
	}
	memcpy(&id, b, sizeof(id));
	return id ?: 1;
}

struct find_id {
	uint32_t id;
	uint64_t cgroup_id;
};

static int match_id(void *ctx, uint64_t cgroup_id, const struct cordon_session *s)
{
	struct find_id *f = ctx;

	if (s->id != f->id)
		return 0;
	f->cgroup_id = cgroup_id;
	return 1;
}

/*
 * End the session of one registry record whose cordon is gone: kill what is left in its cgroup,
 * remove it, then drop its entry and rules (only once the cgroup is gone: fail closed).
 */
static void sweep_record(struct cordon_bpf *b, const char *root, json_t *rec)
{
	const char *name = json_string_value(json_object_get(rec, "session"));
	const char *cgroup = json_string_value(json_object_get(rec, "cgroup"));
	struct cordon_session_ctx s = { .procs_fd = -1, .bpf = b, .bpf_shared = true };
	size_t rl = strlen(root);
	struct find_id f;

	/* Only a session cgroup below cordon's root is ever killed or removed. */
	if (!name || strlen(name) != 32 || !cgroup || strncmp(cgroup, root, rl) ||
	    cgroup[rl] != '/' || strchr(cgroup + rl + 1, '/') || strstr(cgroup, ".."))
		return;
	f = (struct find_id){ .id = id_of_name(name) };
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.cgroup, sizeof(s.cgroup), "%s", cgroup);
	s.id = f.id;
	if (cordon_bpf_sessions_each(b, match_id, &f) > 0)
		s.cgroup_id = f.cgroup_id;
	cordon_session_destroy(&s);
}

void run_bpf_sweep(struct cordon_bpf *b, const char *root)
{
	DIR *d = opendir(RUN_LOCAL_DIR);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		size_t n = strlen(e->d_name);
		struct stat st;
		json_t *rec;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		path = cordon_path_join(RUN_LOCAL_DIR, e->d_name);
		rec = path ? json_load_file(path, 0, NULL) : NULL;
		if (json_is_object(rec) &&
		    !run_registry_alive((pid_t)json_integer_value(json_object_get(rec, "pid")))) {
			sweep_record(b, root, rec);
			/* The record goes once its cgroup has (else the next launch tries again). */
			if (stat(json_string_value(json_object_get(rec, "cgroup")) ?: "/", &st) < 0)
				unlink(path);
		}
		json_decref(rec);
	}
	if (d)
		closedir(d);
}

/*
 * Other builds' programs (an upgrade, a rebuild) that nothing uses and that hold no session
 * are detached. With a daemon running it is the daemon's to do: one of an older build would
 * not hold the lock that says its pins are in use.
 */
static void retire_others(const char *mine)
{
	_cleanup_close_ int dfd = run_daemon_connect();
	DIR *d = dfd < 0 ? opendir(CORDON_PIN_ROOT) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		_cleanup_free_ char *path = NULL;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, mine))
			continue;
		path = cordon_path_join(CORDON_PIN_ROOT, e->d_name);
		if (path)
			cordon_bpf_pins_retire(path);
	}
	if (d)
		closedir(d);
}

/*
 * The programs of this build pinned under CORDON_PIN_ROOT: adopted when pinned already, else
 * loaded and pinned (under a lock, so concurrent launchers load once). 0, or -errno.
 */
static int start_pinned(struct run *r, const char *root)
{
	/* Every LSM program the kernel takes: the same pins serve every policy and the daemon. */
	struct cordon_bpf_opts o = { .cgroup_root = root, .lsm = r->kern.bpf_lsm };
	const char *grace = getenv("CORDON_TRACE_GRACE");
	_cleanup_free_ char *dir = NULL;
	char name[17];
	int e = cordon_bpffs_ensure(CORDON_PIN_ROOT);

	if (e < 0)
		return e;
	cordon_bpf_pin_name(root, name);
	dir = cordon_path_join(CORDON_PIN_ROOT, name);
	if (!dir)
		return -ENOMEM;
	o.pin_dir = dir;
	/* Root may shorten the tracing programs' grace period (seconds; 0: none), for tests. */
	if (grace && getuid() == 0)
		o.trace_grace_s =
			(int)strtol(grace, NULL, 10) > 0 ? (int)strtol(grace, NULL, 10) : -1;
	e = cordon_bpf_start(&o, &r->bpf);
	if (e == 0)
		retire_others(name);
	return e;
}

int run_bpf_session(struct run *r, const char *root, bool lsm, uint32_t flags)
{
	int e = start_pinned(r, root);

	if (e == -ENOENT) {
		/* No bpffs that outlives us: programs of our own (the agent dies with cordon). */
		fprintf(stderr,
			"cordon: warning: no bpffs at %s: the session's programs are not "
			"pinned\n",
			CORDON_PIN_ROOT);
		return cordon_session_create(&r->sess, root, lsm, flags);
	}
	if (e < 0)
		return e;
	run_bpf_sweep(r->bpf, root);
	/* Our own ring buffer: the shared one is the daemon's to read. */
	e = cordon_bpf_ring_claim(r->bpf, &r->ring);
	if (e == 0)
		e = cordon_session_create_shared(&r->sess, r->bpf, root, flags, r->ring.slot + 1);
	/* Registered: the session entry keeps the pins from being retired now. */
	cordon_bpf_pins_unlock(r->bpf);
	return e;
}

void run_bpf_free(struct run *r)
{
	if (!r->bpf) {
		/* Programs of our own, detached by a child so the status reaches the user at once. */
		if (r->sess.bpf)
			cordon_session_destroy_detached(&r->sess);
		return;
	}
	/*
	 * Pinned: the session's cgroup, entry, rules and ring go; the programs stay. run_free()
	 * is the last thing before cordon exits: the object is left to the exit to close.
	 */
	cordon_session_destroy(&r->sess);
	cordon_bpf_stop_exiting(r->bpf);
	r->bpf = NULL;
	cordon_bpf_ring_release(&r->ring);
}
