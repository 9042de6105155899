// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run`: the project's protected `.git/config` written through the supervisor
 * (enforce/gitwrite.c). The session's renames are handed to this process by its seccomp filter
 * when the policy protects an existing git config; refused writes become records naming the
 * protect rule and the key, and so a line of the exit report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"

int run_gitwrite_prepare(struct run *r)
{
	int n = cordon_gitwrite_targets(&r->pol->fs_protect, &r->gw);

	if (n < 0) {
		cli_error("run: protected git configs: %s", strerror(-n));
		return n;
	}
	if (n == 0)
		return 0;
	n = policy_compile_seccomp_rename_notify(&r->sc);
	if (n < 0)
		cli_error("run: seccomp rename mediation: %s", strerror(-n));
	return n;
}

/* One CORDON_EV_FILE record: the write refused, its target and the key that decided. */
static void on_refuse(void *ctx, const struct cordon_gitwrite_target *t, pid_t pid, const char *key)
{
	struct run *r = ctx;
	struct cordon_event_file ev;
	struct timespec ts;
	char proc[64];
	FILE *f;

	memset(&ev, 0, sizeof(ev));
	clock_gettime(CLOCK_BOOTTIME, &ts);
	ev.hdr = (struct cordon_event_hdr){ .type = CORDON_EV_FILE,
					    .version = CORDON_EVENT_VERSION,
					    .size = sizeof(ev),
					    .ts_ns = (uint64_t)ts.tv_sec * 1000000000ull +
						     (uint64_t)ts.tv_nsec,
					    .cgroup_id = r->sess.cgroup_id,
					    .session = r->sess.id,
					    .pid = (uint32_t)pid,
					    .tid = (uint32_t)pid,
					    .uid = r->gw.uid,
					    .verdict = -EPERM,
					    .rule_id = POL_RULE_ID(POL_RULE_PROTECT, t->index),
					    .hook = CORDON_HOOK_GIT_CONFIG_WRITE,
					    .layer = CORDON_LAYER_SECCOMP,
					    .flags = CORDON_EVENT_GIT_KEY };
	snprintf(proc, sizeof(proc), "/proc/%d/comm", (int)pid);
	f = fopen(proc, "re");
	if (f) {
		if (fgets((char *)ev.hdr.comm, sizeof(ev.hdr.comm), f))
			ev.hdr.comm[strcspn((char *)ev.hdr.comm, "\n")] = 0;
		fclose(f);
	}
	ev.ino = t->ino;
	ev.dev = (uint32_t)t->dev;
	ev.access = CORDON_ACCESS_WRITE;
	memcpy(ev.path, t->path, strnlen(t->path, CORDON_GIT_KEY_OFF - 1));
	memcpy(ev.path + CORDON_GIT_KEY_OFF, key,
	       strnlen(key, sizeof(ev.path) - CORDON_GIT_KEY_OFF - 1));
	if (r->dsess.on) {
		if (send(r->dsess.records_fd, &ev, sizeof(ev), MSG_NOSIGNAL) != (ssize_t)sizeof(ev))
			r->gw.errors++;
	} else {
		run_on_event(&r->ev, &ev, sizeof(ev));
	}
}

void run_gitwrite_start(struct run *r)
{
	r->gw.fd = r->launched.notify_fd;
	r->launched.notify_fd = -1;
	if (r->gw.fd >= 0)
		cordon_gitwrite_sync_wakeup(r->gw.fd);
	r->gw.drop = geteuid() == 0 && r->o.user;
	r->gw.uid = r->o.user ? r->tu.uid : getuid();
	r->gw.gid = r->o.user ? r->tu.gid : getgid();
	r->gw.groups = r->tu.groups;
	r->gw.ngroups = r->o.user ? (size_t)r->tu.ngroups : 0;
	r->gw.on_refuse = on_refuse;
	r->gw.ctx = r;
}
