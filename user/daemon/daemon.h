/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `cordon daemon`: loads (or adopts) the pinned BPF programs once, serves the control socket,
 * creates and ends sessions for local users, and writes the audit stream of every session.
 * One thread, one epoll loop over the ring buffer, a signalfd, the listening socket, its
 * clients and the cgroup.events file of each session.
 */
#ifndef CORDON_DAEMON_H
#define CORDON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "dns/dns.h"
#include "loader/loader.h"

#define DAEMON_CONFIG_PATH  "/etc/cordon/cordon.yaml"
#define DAEMON_RUN_DIR	    "/run/cordon"
#define DAEMON_PIN_ROOT	    "/sys/fs/bpf/cordon"
#define DAEMON_AUDIT_FILE   "/var/log/cordon/audit.jsonl"
#define DAEMON_MAX_CLIENTS  512 /* connections of ordinary users, all together */
#define DAEMON_MAX_PER_UID  64	/* connections of one ordinary user */
#define DAEMON_ROOT_CLIENTS 64	/* kept for root beyond the others' cap */
#define DAEMON_CLIENT_IDLE  30	/* seconds a connection may wait between requests */
#define DAEMON_MAX_READERS  8	/* `audit` replies being written at once */
#define DAEMON_MAX_CONFINE  32
#define DAEMON_MAX_SESSIONS 1000 /* below the sessions map's size: auto sessions fit too */

struct daemon_confine {
	char *exec;   /* absolute path of the executable */
	char *policy; /* policy name */
};

struct daemon_config {
	char *audit_file; /* NULL: no file sink */
	uint64_t audit_max_bytes;
	unsigned int audit_keep;
	enum cordon_audit_fsync audit_fsync;
	enum cordon_audit_format_kind audit_format; /* audit.format: ecs or ocsf */
	bool audit_journal;
	bool audit_stdout;
	bool allow_observe; /* allow_observe: spawn requests may ask for observe mode */
	struct daemon_confine confine[DAEMON_MAX_CONFINE];
	size_t nconfine;
};

/* Parse @path (a missing file gives the defaults). Errors are printed as FILE:LINE:COL. */
int daemon_config_load(const char *path, struct daemon_config *c);
void daemon_config_free(struct daemon_config *c);

/* What the epoll loop watches: every registered pointer starts with one of these. */
enum daemon_watch {
	WATCH_SIGNAL,
	WATCH_LISTEN,
	WATCH_RINGBUF,
	WATCH_CLIENT,
	WATCH_SESSION,
	WATCH_DNS,
	WATCH_RECORDS,
	WATCH_WALK,
};

struct dsession {
	enum daemon_watch watch; /* WATCH_SESSION: its cgroup.events */
	struct cordon_session_ctx s;
	int events_fd;
	uid_t uid;
	pid_t pid;    /* the client that asked for it (the daemon, for auto sessions) */
	pid_t worker; /* spawn: the worker supervising its agent, until reaped; else 0 */
	char user[64];
	char policy[65];
	char sha256[65];
	char project[4096];
	uint64_t started_ns;
	bool lsm;	   /* BPF LSM rules filled */
	bool auto_confine; /* an auto-confinement session (root-owned, long-lived) */
	bool observe;	   /* observe mode: network refusals let through and recorded */
	/* ... and, with BPF LSM, the file allow-lists judged by the file hooks, which let through
	 * and record (maps.h CORDON_SESSION_FILE_ALLOW; the spawn worker leaves them to it) */
	bool observe_files;
	bool detach;	 /* its policy's process.lifetime is detached */
	bool detached;	 /* its agent exited and left processes running (until it ends) */
	char exec[4096]; /* auto-confinement: the executable it confines */
	bool dead;	 /* ended: freed after the current batch of events */
	struct cordon_audit_ctx audit;
	/* Where the audit file stood before its first record: `audit` reads from here (known). */
	struct cordon_audit_pos audit_from;
	bool audit_from_known;
	/* Names of the rules of the policy it was created with (audit.rules); a session adopted
	 * from a previous daemon gets them back from its state file (validated: none if not). */
	struct cordon_audit_rules rules;
	/* What attributing its syscall-exit refusals needs of it (audit/audit.h): sent by its
	 * spawn worker, kept in its state file; unknown (nothing dropped) for the others. */
	struct cordon_attrib actx;
	/* The session's resolver, served by the epoll loop (WATCH_DNS); r NULL: none. */
	struct dsession_dns {
		enum daemon_watch watch;
		struct cordon_dns *r;
		struct dsession *s;
		struct daemon *d;
	} dns;
	/*
	 * Records of the spawn worker's fanotify listener (refusals decided in userspace), one
	 * datagram each, written into the daemon's stream (WATCH_RECORDS); fd -1: none.
	 */
	struct dsession_records {
		enum daemon_watch watch;
		int fd;
		struct dsession *s;
	} rec;
	struct dsession *next;
};

struct dclient {
	enum daemon_watch watch; /* WATCH_CLIENT */
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint64_t last_ns; /* CLOCK_MONOTONIC of the connection's last request */
	bool dead;	  /* dropped: freed after the current batch of events */
	/* its spawn waits for the repository walk: out of the epoll set (still counted) until then */
	bool pending;
	struct dclient *next;
};

struct daemon_opts {
	const char *config;	 /* DAEMON_CONFIG_PATH */
	const char *socket;	 /* CORDON_CTL_SOCKET */
	const char *run_dir;	 /* DAEMON_RUN_DIR: state and the policy snapshot */
	const char *pin_root;	 /* DAEMON_PIN_ROOT */
	const char *cgroup_root; /* <cgroup2>/cordon */
	const char *policy_dir;	 /* POLICY_SYSTEM_DIR */
	const char *floor;	 /* POLICY_FLOOR_PATH */
};

#define DAEMON_POLICY_CACHE 8
struct daemon_policy_cached;

struct daemon {
	struct daemon_opts o;
	struct daemon_config cfg;
	struct cordon_bpf *bpf;
	struct ring_buffer *rb;
	bool lsm;
	int landlock_abi;
	char *pin_dir;
	char *cgroup_root;
	const char *
		cgroup_rel; /* in cgroup_root: relative to the cgroup2 mount, as /proc/PID/cgroup */
	char hostname[256];
	/* the validated policy set in use: copies, so edits under /etc take effect on SIGHUP */
	char *snapshot; /* NULL until the first snapshot */
	unsigned int generation;
	/* Policies resolved from this snapshot, by everything they were resolved from
	 * (daemon_policy.c); emptied when the snapshot changes. */
	struct daemon_policy_cached *policy_cache[DAEMON_POLICY_CACHE];
	int epfd, sigfd, lfd;
	enum daemon_watch w_signal, w_listen, w_ringbuf;
	/* The shared ring's reader in a flood: out of the epoll set while ring_held (loader.h). */
	struct cordon_ring_pace ring_pace;
	bool ring_held;
	struct dsession *sessions;
	size_t nsessions;
	struct dclient *clients;
	size_t nclients;
	/* Dropped clients and ended sessions: an event of the same epoll batch may still name
	 * them, so they are freed only once the batch is done. */
	struct dclient *dead_clients;
	struct dsession *dead_sessions;
	size_t nreaders;     /* children writing `audit` replies */
	struct dwalk *walks; /* spawns waiting for their repository walk (daemon_walk.c) */
	/* Walkers whose last message is in, exiting: reaped by the loop's SIGCHLD (daemon_walk.c). */
	pid_t *walk_exiting;
	size_t nwalk_exiting, walk_exiting_cap;
	struct cordon_audit_stream stream;
	struct cordon_audit_ctx unknown_ctx;
	uint64_t drops_seen;
	uint64_t pins_checked; /* boot time of the last cordon_bpf_pins_repair() */
	bool stop;
};

/* daemon_policy.c: copy and validate the policy set; on failure the old one stays. */
int daemon_policy_snapshot(struct daemon *d);
void daemon_policy_cache_clear(struct daemon *d);
/* Resolve a policy for a session of @uid (its passwd entry gives ${HOME} and ${USER}). */
struct policy;
struct policy_errors;
/* What a client adds to its policy: its own host sets (hosts.yaml) and --allow-connect rules. */
struct daemon_overlay {
	const char *hosts_text; /* NULL: none */
	size_t hosts_len;
	const char *const *allow_connect;
	size_t nallow_connect;
	const char *const *allow; /* --allow-read/write/exec/bind, "KIND ARG" */
	size_t nallow;
};

int daemon_policy_resolve(struct daemon *d, const char *ref, const char *text, size_t len,
			  const char *file, uid_t uid, const char *project, const char *ssh_sock,
			  const struct daemon_overlay *ov, struct policy **out,
			  struct policy_errors *errs);

/* daemon_session.c */
int daemon_session_create(struct daemon *d, const struct policy *pol, uid_t uid, pid_t pid,
			  const char *project, bool auto_confine, bool observe,
			  struct dsession **out, unsigned int *limits, char *err, size_t errlen);
/*
 * The same in two steps, for a spawn: made (cgroup, rules, resolver, limits: everything the
 * agent's confinement needs; in the list) and then published (its state file, its rule names,
 * its cgroup.events, the audit record of its start: nothing the agent's confinement waits for),
 * which may be done after the worker is forked. A session whose publishing failed is discarded
 * (nothing recorded, its cgroup killed and removed, its rules gone).
 */
/*
 * daemon_session_make in two steps, for a spawn whose repository walk runs meanwhile: begun
 * (its cgroup and its sessions-map entry with its flags, with @persist its state file, its
 * limits; out of the list, nothing in the cgroup) and completed with the policy the walk completed (its rules filled, its resolver
 * started, in the list). A failed completion discards the session.
 */
int daemon_session_begin(struct daemon *d, const struct policy *pol, uid_t uid, pid_t pid,
			 const char *project, bool auto_confine, bool observe, bool persist,
			 struct dsession **out, unsigned int *limits, char *err, size_t errlen);
int daemon_session_complete(struct daemon *d, struct dsession *s, const struct policy *pol,
			    char *err, size_t errlen);
int daemon_session_make(struct daemon *d, const struct policy *pol, uid_t uid, pid_t pid,
			const char *project, bool auto_confine, bool observe, struct dsession **out,
			unsigned int *limits, char *err, size_t errlen);
int daemon_session_publish(struct daemon *d, struct dsession *s, const struct policy *pol,
			   char *err, size_t errlen);
void daemon_session_discard(struct daemon *d, struct dsession *s);
void daemon_session_end(struct daemon *d, struct dsession *s, const char *why);
/* Write the session's state file (write and rename). */
int daemon_session_persist(struct daemon *d, const struct dsession *s, bool ended);
/* Add the rules of another resolution of a policy (auto sessions: one per local user). */
int daemon_session_add_rules(struct daemon *d, struct dsession *s, const struct policy *pol);
/* cgroup.events changed: end the session when its cgroup is empty. */
void daemon_session_check(struct daemon *d, struct dsession *s);

/*
 * The session's resolver (dns/dns.h): started once its rules are filled, served from the epoll
 * loop, closed when it ends. The API the daemon's session life cycle needs, nothing more.
 */
int daemon_session_dns_start(struct daemon *d, struct dsession *s, const struct pol_maps *maps);
void daemon_session_dns_serve(struct dsession_dns *w);
void daemon_session_dns_stop(struct daemon *d, struct dsession *s);
struct dsession *daemon_session_find(struct daemon *d, const char *name);
/* Sessions a previous instance left running: persisted state plus live cgroups. */
int daemon_sessions_adopt(struct daemon *d);
/* The owner of session @name (live or ended this boot); -ENOENT when unknown. */
int daemon_session_owner(struct daemon *d, const char *name, uid_t *uid);
/* The one session @uid may see whose id starts with @prefix: 0, -ENOENT or -EEXIST. */
int daemon_session_resolve(struct daemon *d, uid_t uid, const char *prefix, char out[33]);

/* daemon_auto.c: auto-confinement sessions from the `confine:` list (BPF LSM kernels) */
void daemon_auto_apply(struct daemon *d);
/* A CORDON_EV_AUTO_CONFINE record: move the process into its session's cgroup. */
void daemon_auto_event(struct daemon *d, const void *data, size_t size);
/* Move tagged processes whose records were never read (after drops, or a restart). */
void daemon_auto_sweep(struct daemon *d);
/*
 * A CORDON_EV_AUTO_USER record (an exec refused for a user the session holds no rules for):
 * resolve that user through NSS and add their rules, so that the next exec runs.
 */
void daemon_auto_user_event(struct daemon *d, const void *data, size_t size);

/* daemon_ctl.c */
struct cordon_ctl_request;
/* daemon_spawn.c: `spawn` (the fds came with the request; the worker takes them). */
struct json_t;
struct json_t *daemon_op_spawn(struct daemon *d, struct dclient *c, struct cordon_ctl_request *q,
			       int *fds, size_t *nfds);
/* @s: the session begun while the walk ran (daemon_session_begin), completed here or discarded. */
struct json_t *daemon_spawn_finish(struct daemon *d, struct dclient *c,
				   const struct cordon_ctl_request *q, const int *fds, size_t nfds,
				   struct policy *pol, struct dsession *s, unsigned int limits,
				   bool *handed_off);
/* The repositories of the caller's write trees become protect entries of @pol (as the caller). */
void daemon_spawn_git_repos(struct policy *pol, uid_t uid, const char *project);

/*
 * daemon_walk.c: a spawn's walk of its write trees for git repositories, in a child of the
 * daemon, so that a large tree (or a git that hangs on the user's config) never holds the loop
 * that reads every session's records. The request waits meanwhile, then daemon_spawn_finish().
 */
struct dwalk;
int daemon_walk_start(struct daemon *d, struct dclient *c, struct cordon_ctl_request *q, int *fds,
		      size_t *nfds, struct policy *pol, char *err, size_t errlen);
void daemon_walk_read(struct daemon *d, struct dwalk *w);
/* A child was reaped: was it a walker (then true)? */
bool daemon_walk_reaped(struct daemon *d, pid_t pid);
/* Walks past their deadline fail their spawn; at shutdown (@all) every walk does. */
void daemon_walk_expire(struct daemon *d, bool all);
/* In a child of the daemon: the walks' descriptors and parked connections are not its own. */
void daemon_walk_child_close(struct daemon *d);
/* A child was reaped: is it a session's worker, and then its session is checked. */
bool daemon_spawn_is_worker(const struct daemon *d, pid_t pid);
void daemon_spawn_reaped(struct daemon *d, pid_t pid);
/*
 * On the record channel, the worker's one other message: the agent of a detached session exited
 * and @left processes run on. Its size tells it from a listener's record.
 */
#define DAEMON_DETACHED_MAGIC 0x63646574u /* "cdet" */
struct daemon_detached_msg {
	uint32_t magic;
	uint32_t left;
};
/* Write the worker's pending listener records into the stream; close the channel at the end. */
void daemon_spawn_records_read(struct daemon *d, struct dsession_records *rec);
void daemon_spawn_records_close(struct daemon *d, struct dsession *s);

/* daemon_ctl.c */
bool daemon_pid_in_session(struct daemon *d, pid_t pid);
struct json_t *daemon_errors_json(const struct policy_errors *errs);
/* The reply to a request whose policy did not resolve: FILE:LINE:COL errors (@errs freed). */
struct json_t *daemon_policy_refusal(int err, const struct cordon_ctl_request *q,
				     struct policy_errors *errs);
int daemon_ctl_listen(struct daemon *d);
void daemon_ctl_accept(struct daemon *d);
void daemon_ctl_client(struct daemon *d, struct dclient *c);
void daemon_child_close(struct daemon *d, int keep);
/* A client whose spawn waits (c->pending): out of the epoll set, still open and counted. */
void daemon_client_park(struct daemon *d, struct dclient *c);
/* A parked client's end: @rep (consumed, may be NULL) sent, the connection closed, freed later. */
void daemon_client_done(struct daemon *d, struct dclient *c, struct json_t *rep);
/* Drop connections idle for longer than DAEMON_CLIENT_IDLE. */
void daemon_ctl_expire(struct daemon *d);

/*
 * daemon_log.c: the leaves every daemon file uses, calling none of them back (so no file calls
 * into one that calls it: daemon.c drives, the others serve).
 */
/* "cordon-daemon: <msg>" on stderr (journald under systemd). */
void daemon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Register @fd with the epoll loop; @ptr starts with an enum daemon_watch. */
int daemon_watch_add(struct daemon *d, int fd, uint32_t events, void *ptr);

/* daemon.c */
int daemon_main(const struct daemon_opts *o);

#endif /* CORDON_DAEMON_H */
