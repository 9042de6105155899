/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `cordon run` as an ordinary user with the daemon running: the daemon spawns the agent, as
 * run0 does — it creates the session (cgroup, BPF rules, view, pid namespace, terminal) and
 * starts the agent confined with this user's credentials, on the descriptors sent with the
 * request. This process relays its signals and returns the agent's status.
 */
#ifndef CORDON_RUN_DAEMON_H
#define CORDON_RUN_DAEMON_H

#include <stdbool.h>

struct cordon_session_ctx;

struct run_daemon_session {
	bool on; /* the daemon created the session (in its spawn worker) */
	char name[33];
	int procs_fd; /* the session's cgroup.procs, or -1 */
	/* its cgroup v1 groups' cgroup.procs (the daemon's cordon_session_ctx) */
	size_t nv1_procs;
	const int *v1_procs_fd;
	/* the daemon's own (its limits' groups, its programs' maps for an observing session's
	 * view roots), or NULL */
	struct cordon_session_ctx *ctx;
	bool bpf_lsm;
	bool cgroup_unix;    /* the daemon's cgroup unix connect/sendmsg programs are attached */
	unsigned int limits; /* CORDON_LIMIT_* applied through the cgroup */
	char sha256[65];
	/* For the fanotify listener the worker runs: the session's cgroup and its map key. */
	char cgroup[4200];
	unsigned long long cgroup_id;
	unsigned int id;
	int records_fd; /* the listener's refusals go to the daemon's stream here, or -1 */
};

/*
 * Connect to the daemon ($CORDON_SOCKET or the default socket). -errno when there is none:
 * the caller then runs without it.
 */
int run_daemon_connect(void);
/* Set by the daemon's spawn worker: its daemon's socket (else $CORDON_SOCKET or the default). */
extern const char *run_daemon_socket;

/*
 * Ask the daemon on @fd to spawn @o->cmd under policy @o->policy. A policy the daemon can look
 * up itself (system or built-in) is sent by name; one from the user's own directory or a path
 * is read here, as the user, and sent as text. Prints the daemon's diagnostics. Returns the
 * agent's exit status (128+N for signal N), or EXIT_FAIL.
 */
struct run_opts;
int run_daemon_spawn(int fd, const struct run_opts *o);

/*
 * run_daemon_relay.c: after the daemon accepted, follow the session on @fd — signals sent to
 * this process go to the agent (through the daemon), the agent's stops stop this process, and
 * the agent's exit status is returned (EXIT_FAIL when the daemon went away first). @saved: the
 * terminal's settings from before the request, put back at the end, or NULL.
 */
struct termios;
int run_daemon_relay(int fd, const struct termios *saved);

/* The daemon's spawn worker: messages on the connection (JSON objects, "v" and one of these). */
#define RUN_DAEMON_MSG_SIGNAL "signal" /* client -> worker: a signal number to forward */
#define RUN_DAEMON_MSG_CONT   "cont"   /* client -> worker: resumed after a stop */
#define RUN_DAEMON_MSG_EVENT  "event"  /* worker -> client: "stopped" or "exit" (+ "status") */

/*
 * On the listener's record channel, the worker's attribution context (cordon_attrib_to_json()):
 * this magic, then the JSON text.
 */
#define RUN_ATTRIB_MAGIC     "catt"
#define RUN_ATTRIB_MAGIC_LEN 4
/* Then, once the agent runs, this magic alone with the session's root directory (SCM_RIGHTS). */
#define RUN_ROOT_MAGIC "croo"

/* The session's audit records as the daemon wrote them, oldest first: @fn consumes each. */
struct json_t;
int run_daemon_fetch_audit(const char *session, void (*fn)(void *ctx, struct json_t *rec),
			   void *ctx);

#endif /* CORDON_RUN_DAEMON_H */
