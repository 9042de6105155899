/* SPDX-License-Identifier: GPL-2.0-only */
/* `cordon run`'s pieces: options (run_opts.c), the audit stream (run_events.c), the flow (cmd_run.c). */
#ifndef CORDON_RUN_H
#define CORDON_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "audit/audit.h"
#include "loader/loader.h"
#include "compile/compile.h"
#include "enforce/enforce.h"
#include "dns/dns.h"
#include "policy/policy.h"
#include "probe/probe.h"
#include "run_daemon.h"
#include <linux/filter.h>

struct run_opts {
	const char *policy;
	const char *project;
	const char *user;
	const char *audit_log;
	bool audit_stdout;  /* --audit-stdout: the records on stdout too */
	bool audit_journal; /* --audit-journal: to journald (syslog without it) */
	uint64_t audit_max_bytes;
	unsigned int audit_keep;
	enum cordon_audit_fsync audit_fsync;
	enum cordon_audit_format_kind audit_format; /* --audit-format */
	bool allow_degraded;
	bool json;
	bool quiet;		       /* --quiet: no start line; a count of unenforced rules */
	bool verbose;		       /* --verbose: every unenforced rule, not grouped */
	bool dry_run;		       /* --dry-run: print the plan, run nothing */
	bool observe;		       /* --observe: network refusals recorded, not made */
	const char *allow_connect[16]; /* --allow-connect HOST:PORT, one-off connect rules */
	size_t nallow_connect;
	/* --allow-read/write/exec/bind, "KIND ARGUMENT" (owned: freed by run_free()) */
	char *allow[16];
	size_t nallow;
	char **cmd;
};

/* 0: run; 1: --help printed; -EINVAL: usage error (printed). */
int run_parse_opts(int argc, char **argv, struct run_opts *o);

struct run_target_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	int ngroups;
	char name[256];
	char *home;
	char *shell; /* the login shell, as su - sets $SHELL */
};

/* The passwd entry and groups of --user (0 or -errno; free home). */
int run_lookup_user(const char *name, struct run_target_user *t);

/* run_report.c: the exit report's objects, each refused @count times. */
struct run_report_item {
	enum cordon_suggest_list list; /* the list an entry allowing it goes to, or NONE */
	char *object;		       /* that entry's object, or (NONE) why none can allow it */
	char *shown;		       /* what was refused: a path, "name:port (address)" */
	char *action, *rule_text, *rule_source; /* of its first refusal */
	uint64_t count;
};

struct run_report {
	struct run_report_item *v;
	size_t n;
	uint64_t total, lost; /* refusals; those not listed (no memory for their object) */
	/* the last ring-buffer refusal taken, its time and process zeroed: a flood formats once */
	uint8_t last[CORDON_AUDIT_AGG_REC];
	size_t last_size, last_item;
	const struct policy *pol; /* the session's: which refusals are expected probes */
};

/* An ECS record: counted under its object when it is a refusal. The item's index, -ENOENT
 * (not a refusal) or -ENOMEM (counted as unlisted). */
long run_report_take(struct run_report *rep, json_t *rec);
/* At exit, on stderr: nothing when nothing was refused; one line with @quiet; one JSON line. */
void run_report_print(struct run_report *rep, const char *session, bool quiet, bool json);
void run_report_free(struct run_report *rep);

/* What the session saw, for the audit log and the summary at exit. */
struct run_events {
	struct cordon_audit_ctx audit;
	struct cordon_audit_rules rules; /* audit.rules: the names of the policy's entries */
	int audit_fd;
	bool audit_fd_passed; /* audit_fd is the caller's (daemon spawn): no name to rotate */
	struct ring_buffer *rb;
	struct cordon_bpf *bpf; /* for the session's lost-record counter */
	uint32_t session_id;	/* its key there (cordon_session.id) */
	bool own_ring; /* @rb is a pool ring: records of other (earlier) sessions are dropped */
	struct cordon_audit_stream stream; /* decoding, de-duplication, sinks */
	char policy_sha256[65];
	const char *log_untrusted; /* why the log cannot be trusted; NULL: it can */
	const struct run *run;	   /* the policy and view, to attribute syscall-exit refusals */
	unsigned long not_cordon;  /* EACCES the policy would have allowed: not reported */
	struct cordon_attrib actx; /* what attributing them needs of the session */
	unsigned long refused_connect, refused_file, refused_dns, malformed;
	unsigned long observed; /* would-be refusals an observing session let through */
	uint64_t drops;
	struct cordon_ring_pace pace; /* the drain's pace in a flood (the supervisor's hold) */
	struct run_report report;     /* the exit report */
};

/* The session resolver's refused hook: a dns-refused record. */
void run_dns_refused(void *ctx, const char *name, uint16_t qtype, enum cordon_dns_reason why);

/* The session's records lost so far (the kernel's exact count of its own): 0 or -errno. */
int run_lost(struct run_events *ev, uint64_t *lost);
/* Ring-buffer callback and the supervisor's drain hook. */
int run_on_event(void *ctx, void *data, size_t size);
void run_drain(void *ctx);

struct run;
/*
 * Open --audit-log as the caller: not through a planted symlink, only a regular file, never in
 * a write tree of the session, and (root running the agent as another user) only where that
 * user can neither write nor rename anything on the way. An ordinary user's own log is marked
 * untrusted. 0, or -errno with the reason printed.
 */
int run_open_audit_log(struct run *r);
/* Open the sinks and write the session-start record (0 or -errno). */
int run_audit_start(const struct run_opts *o, struct run_events *ev,
		    const struct cordon_audit_session *s);
/*
 * The daemon's records of @daemon_session: into the exit report, and copied to the sinks
 * between our own session-start and session-end. 0 or -errno.
 */
int run_fetch_daemon_records(struct run_events *ev, const char *daemon_session);
/* Write session-end, close the sinks. */
int run_audit_end(struct run_events *ev, struct cordon_audit_session *s);

/* Everything a run holds, released by run_free() alone. */
struct run {
	struct run_opts o;
	struct run_target_user tu;
	char *project, *cwd, *xdg_config, *xdg_cache, *user_dir, hostname[256];
	char *config_policy; /* policy: of the user's cordon.yaml (owns what o.policy names) */
	struct policy_errors errs;
	struct policy *pol;
	char *hosts_path; /* the user's own hosts.yaml, when there is one */
	struct cordon_features feat;
	struct cordon_layer layers[CORDON_LAYER_ID_COUNT];
	struct cordon_plan_kernel kern;
	struct run_daemon_session dsess;
	struct pol_landlock ll;
	struct pol_seccomp sc;
	struct pol_maps maps;
	struct cordon_dns *dns; /* the session's resolver (root, programs of our own) */
	struct cordon_plan plan;
	struct cordon_masks masks;
	struct cordon_session_ctx sess;
	/* root's session on pinned programs (run_bpf.c): they, and its ring buffer */
	struct cordon_bpf *bpf;
	struct cordon_ring_claim ring;
	int cgroup_fd; /* the session cgroup, for the clone into it (root's own session) */
	struct sock_fprog prog;
	struct cordon_rlimit rl[3];
	struct cordon_launch l;
	struct cordon_view view;
	struct cordon_fan fan;	   /* valid when kern.fanotify */
	struct cordon_memwatch mw; /* limits.memory without a controller (fd -1: none) */
	struct termios tio;	   /* the developer's terminal, copied to the agent's */
	struct winsize ws;
	struct cordon_launched launched; /* the child, its pty, its init's stop reports */
	int mntns_fd; /* the session's mount namespace, held past its init (run_release_view) */
	char **env, *home_env, *user_env, *logname_env, *shell_env, *path_env;
	struct cordon_env_dropped env_dropped; /* named (never valued) in the start line */
	struct run_events ev;
	struct cordon_audit_session as;
	uint64_t start_ns;
	dev_t git_dev; /* the project's .git at the start (git_ino 0: none) */
	ino_t git_ino;
	char *git_config0; /* its config's content then (NULL: none read) */
	size_t git_config0_len;
	int64_t git_since; /* CLOCK_REALTIME ns: inode changes from here on are the session's */
	pid_t sweep_pid;   /* the git sweep's child, done but not reaped yet (-1: none) */
	/*
	 * filesystem.protect entries missing at start: the listener's list (borrowed) or, without
	 * one, the same computation's (pnew_own); those in the write trees (pkeep) are watched
	 * (root: pw) and swept at the end.
	 */
	const struct cordon_protect_new *pnew;
	size_t npnew, npkeep;
	struct cordon_protect_new *pnew_own, *pkeep;
	struct cordon_protect_watch pw;
	struct cordon_gitwrite gw; /* the protected .git/config written through us (fd -1: none) */
	/* the daemon's spawn worker: its caller's connection, and how a stop is followed */
	struct cordon_watch watch;
	void (*suspend)(void *ctx);
	void (*on_detach)(struct run *r, int status, unsigned int left);
	/*
	 * The daemon's spawn worker: the session's end is recorded (not detached): its caller is
	 * given the status and let go before what is left (the view's release, this exit).
	 */
	void (*on_end)(struct run *r, int status);
	/*
	 * process.lifetime: detached: the agent exited and processes run on in the session
	 * (the worker then lets its caller go: its status sent, its descriptors closed; on_detach
	 * is told how many are left).
	 */
	bool detached;
	bool ended; /* the session ran to its end and that end is recorded */
	/* Root's own session: the resolver's library loads ahead (run_load_policy, dns.h). */
	bool preload_dns;
	/* the session's records are read here: ev.rb is opened once the child is spawned */
	bool ring_reader;
	/*
	 * --observe with BPF LSM on our own programs: the file hooks judge the allow-lists
	 * (maps.h CORDON_SESSION_FILE_ALLOW) and Landlock handles no filesystem right.
	 */
	bool observe_files;
};

/*
 * cmd_run.c: a whole session, from the policy to the agent's exit status; used by `cordon run`
 * as root or unprivileged, and by the daemon's spawn worker (with r->pol and r->dsess set).
 */
void run_init(struct run *r);
/* What this kernel and these privileges offer (r->kern; the fanotify listener for root).
 * -EOPNOTSUPP, printed, without Landlock or seccomp. */
int run_probe_kernel(struct run *r);
int run_session(struct run *r);
/* Called right before the process exits: the BPF object is left to the exit (see run_bpf_free). */
void run_free(struct run *r);

/*
 * run_registry.c: root's own sessions (no daemon) register in RUN_LOCAL_DIR while they run, so
 * `cordon ps` lists them too. 0 or -errno; removal is best effort.
 */
#define RUN_LOCAL_DIR CORDON_CTL_RUN_DIR "/local"
int run_registry_add(const struct run *r);
void run_registry_remove(const struct run *r);
/* Is @pid a live cordon (a registered session's supervisor, not a recycled pid)? */
bool run_registry_alive(pid_t pid);
/* cmd_ps.c: the registered sessions the caller may see whose cordon still runs. */
json_t *run_registry_list(void);

/*
 * run_bpf.c: root's session on the pinned programs of this build (loaded and pinned when none
 * are), with a ring buffer of its own, after sweeping the sessions of killed launchers; without
 * a bpffs, on programs of its own. 0 or -errno. run_bpf_free() ends it.
 */
int run_bpf_session(struct run *r, const char *root, bool lsm, uint32_t flags);
void run_bpf_free(struct run *r);
/* End the sessions of registry records whose cordon is no longer running. */
void run_bpf_sweep(struct cordon_bpf *b, const char *root);

/* run_opts.c: resolve the policy --policy names for the user the agent runs as (a policy the
 * daemon resolved already is kept; only the project and the user are looked up). */
int run_load_policy(struct run *r);
/* Compile it for Landlock, seccomp and (when the session's BPF is ours) the maps. */
int run_compile(struct run *r);

/*
 * run_attrib.c: gather what attribution needs of the session (once the view is planned; the
 * daemon's spawn worker sends it to the daemon). 0 or -errno, printed.
 */
int run_attrib_prepare(struct run *r);
/* Once the agent runs: hold the session's root (its view) for records whose task has exited
 * (the daemon's spawn worker sends it to the daemon). Best effort. */
void run_attrib_root(struct run *r);
/* 1 when the syscall-exit refusal @s is not cordon's (the policy allows it: file permissions
 * refused); else 0, with its path made absolute, the policy entry that refused it as its rule
 * id (a secret, protect, exec_deny; 0: a default deny) and a mask named as its layer
 * (cordon_audit_attribute()). */
int run_attribute(const struct run *r, struct cordon_event_syscall *s);
/* run_events.c: does the session's own /tmp (or the like) hide @file from it? */
bool run_hidden_by_view(const struct run *r, const char *file);

/* run_launch.c: stdio that may cross into a session; everything fallible before fork (the
 * Landlock ruleset, seccomp, the environment, the view, the terminal); fork and exec; the wait. */
int run_check_stdio(void);
int run_prepare_launch(struct run *r);
/* Whose home the session's first-run directories and cache layers are made in, and as whom:
 * --user's, else the caller's own (root preparing another user's drops to that user). */
struct cordon_home_user run_home_user(const struct run *r);
int run_launch(struct run *r);
int run_wait_agent(struct run *r);
/* Processes the session's cgroup v1 memory limit killed (cgroup_v1.c), for the end report. */
uint64_t run_memory_kills(const struct run *r);
/*
 * A detached session (run_launch.c): whether this mode can keep one (0, or -EOPNOTSUPP with the
 * reason printed); and after the agent exited, the wait for what it left.
 */
int run_check_detach(struct run *r);
void run_wait_leftovers(struct run *r, int status);
/*
 * run_view_release.c: root's hold on the session's mount namespace, taken after the launch, and
 * its release once the session's end is recorded, off the caller's path (the teardown of the
 * session's mounts, its cache overlays' syncs among them, runs in a detached process).
 */
void run_hold_view(struct run *r);
void run_release_view(struct run *r);
/*
 * For run_end.c's one cleanup process: the slot's draining lock taken in the launcher before
 * the fork (true; false: not to be had, the namespace let go here, before the slot's lock),
 * then, in the cleanup process, the namespace and the layer locks let go in their order.
 */
bool run_view_draining(struct run *r);
void run_let_view_go(struct run *r);
/*
 * run_end.c: root's own session, its end recorded: what is left of it (its empty cgroup, entry
 * and rules, the namespace's teardown, the notification groups' last closes, the tracing
 * programs' release) handed to one detached process, and cordon exits with @status at once
 * (no return). Returns when this session does not qualify or no process could be made:
 * run_release_view() and run_free() then do it all, as before.
 */
void run_end_off_path(struct run *r, int status);
/* run_gitwrite.c: the policy's protected .git/config files, written through this process (the
 * session's renames handed to it by seccomp); after the launch, its listener taken over. */
int run_gitwrite_prepare(struct run *r);
void run_gitwrite_start(struct run *r);
/* run_git.c: after the session, what it planted in the write trees' repositories made inert
 * (the project's own .git noted before the launch). */
void run_git_note(struct run *r);
/*
 * The git repositories of @pol's write trees (enforce/gitrepos.c) protected as the project's
 * .git is, before anything is planned: @tu the session's user (NULL: ourselves). Says on
 * stderr what it could not do.
 */
void run_git_repos(struct policy *pol, const char *project, const struct run_target_user *tu,
		   const char *xdg_config);
/* Say on stderr what the walk could not learn (git did not name a work tree's hooks). */
void run_git_repos_warn(const struct policy *pol);
void run_git_sweep(struct run *r);
/* The protect entries missing at start (plan time, with the listener's list): 0 or -errno. */
int run_protect_missing(struct run *r);

/*
 * run_env.c: the agent's environment — the caller's, scrubbed by the policy; with root's
 * --user, that user's as `su -` gives it (HOME, USER, LOGNAME, SHELL, a login PATH, nothing
 * naming root's home). 0 or -ENOMEM.
 */
int run_build_env(struct run *r);
/* "cordon: environment: not passed on: NAME, ..." (names only), when anything was dropped. */
void run_print_env_dropped(const struct run *r);

/*
 * run_config.c: the defaults of the calling user's cordon.yaml into @r->o (before the command
 * line). 0, or -errno with FILE:LINE:COL errors printed.
 */
int run_load_config(struct run *r);

/* run_events.c: the rules not enforced, grouped by reason, and the line describing the session. */
void run_print_gaps(const struct cordon_plan *plan, bool quiet, bool verbose);
void run_report_start(const struct run *r);
/* --dry-run: the layers, the rules as Landlock gets them, the view (on stdout). */
void run_print_plan(struct run *r);

#endif /* CORDON_RUN_H */
