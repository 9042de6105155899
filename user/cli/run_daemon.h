/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `cordon run` as an ordinary user with the daemon running: the daemon creates the session
 * (cgroup, BPF rules, limits) and moves this process into it; the launcher then confines the
 * agent with Landlock, seccomp and no_new_privs itself, exactly as without the daemon.
 */
#ifndef CORDON_RUN_DAEMON_H
#define CORDON_RUN_DAEMON_H

#include <stdbool.h>

struct run_daemon_session {
	bool on; /* the daemon created the session */
	char name[33];
	bool bpf_lsm;
	unsigned int limits; /* CORDON_LIMIT_* applied through the cgroup */
	char sha256[65];
};

/*
 * Connect to the daemon ($CORDON_SOCKET or the default socket). -errno when there is none:
 * the caller then runs without it.
 */
int run_daemon_connect(void);

/*
 * Ask for a session for policy @ref in @project. A policy the daemon can look up itself (system
 * or built-in) is sent by name; one from the user's own directory or a path is read here, as
 * the user, and sent as text, as is the user's hosts.yaml (@x; their host sets apply through
 * the daemon as without it). Prints the daemon's diagnostics. 0 or -errno.
 */
struct run_daemon_extra {
	const char *hosts_path;		  /* the user's hosts.yaml, sent as text; NULL: none */
	const char *const *allow_connect; /* --allow-connect rules */
	size_t nallow_connect;
};
int run_daemon_create(int fd, const char *ref, const char *project,
		      const struct run_daemon_extra *x, struct run_daemon_session *out);

/* The session's audit records as the daemon wrote them, oldest first: @fn consumes each. */
struct json_t;
int run_daemon_fetch_audit(const char *session, void (*fn)(void *ctx, struct json_t *rec),
			   void *ctx);

#endif /* CORDON_RUN_DAEMON_H */
