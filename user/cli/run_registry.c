// SPDX-License-Identifier: GPL-2.0-only
/*
 * Root's own sessions (cordon run as root, no daemon) in `cordon ps`: each registers a small
 * record in a root-owned directory while it runs. The records are informational (who, what,
 * where); enforcement never depends on them, and `ps` shows only those whose cordon still runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "run.h"
#include "sys/sys.h"

static char *record_path(const char *session)
{
	return cordon_strdup_printf("%s/%s.json", RUN_LOCAL_DIR, session);
}

int run_registry_add(const struct run *r)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	char started[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *rec;
	int e;

	if (geteuid() != 0 || r->dsess.on || !r->sess.name[0])
		return 0;
	/* Only root may write here: nothing an ordinary user wrote is ever listed as a session. */
	if ((mkdir(CORDON_CTL_RUN_DIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(RUN_LOCAL_DIR, 0755) < 0 && errno != EEXIST))
		return -errno;
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	rec = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:i,s:s}", "session", r->sess.name, "user",
			r->o.user ? r->tu.name : "root", "uid", (int)(r->o.user ? r->tu.uid : 0),
			"policy", r->pol->name, "project", r->project, "started", started, "pid",
			(int)getpid(), "cgroup", r->sess.cgroup);
	path = record_path(r->sess.name);
	tmp = path ? cordon_strdup_printf("%s.tmp", path) : NULL;
	if (!rec || !tmp) {
		json_decref(rec);
		return -ENOMEM;
	}
	e = json_dump_file(rec, tmp, JSON_COMPACT) == 0 && rename(tmp, path) == 0 ? 0 : -errno;
	json_decref(rec);
	return e;
}

void run_registry_remove(const struct run *r)
{
	_cleanup_free_ char *path = NULL;

	if (geteuid() != 0 || r->dsess.on || !r->sess.name[0])
		return;
	path = record_path(r->sess.name);
	if (path)
		unlink(path);
}

/* Is @pid a live cordon (the registered session's supervisor, not a recycled pid)? */
bool run_registry_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "cordon\n");
}
