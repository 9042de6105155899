/* SPDX-License-Identifier: GPL-2.0-only */
/* Enforcement: the syscalls that apply a compiled policy (Landlock, seccomp, masks, launch, cgroup, session, resolver, environment). */
#ifndef CORDON_ENFORCE_H
#define CORDON_ENFORCE_H

#include <stdint.h>

#include <linux/filter.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <termios.h>

#include "compile/compile.h"

/* ---- landlock ---- */
/* Ruleset system calls; the ABI constants and right sets are in compile/compile.h. */
/* Landlock ABI version of the running kernel: > 0, or -errno (-EOPNOTSUPP: disabled at boot). */
int cordon_landlock_abi(void);

/* A new ruleset fd, or -errno. */
int cordon_landlock_create(const struct cordon_landlock_attr *attr);

/*
 * Allow @access beneath @path (a directory, or a single file with its file rights only).
 * -ENOENT etc. when the path does not resolve: the caller decides whether that is an error.
 */
int cordon_landlock_allow_path(int ruleset_fd, const char *path, uint64_t access);

int cordon_landlock_allow_port(int ruleset_fd, uint16_t port, uint64_t access);

/* A ruleset fd holding the compiled rules of @ll (paths that do not resolve skipped), or -errno. */
int cordon_landlock_build(const struct pol_landlock *ll);

/* Enforce on the calling thread. no_new_privs (or CAP_SYS_ADMIN) must already be set. */
int cordon_landlock_restrict_self(int ruleset_fd, uint32_t flags);

/* ---- seccomp_filter ---- */
/*
 * Turning the policy's seccomp rule set into a BPF filter before fork, so the launched child
 * only has to install it (one prctl, nothing to allocate or resolve after fork).
 */

struct pol_seccomp;

/*
 * Build the filter for the native architecture; other architectures (i386 through int 0x80,
 * x32) are killed by libseccomp's bad-arch action, so they cannot bypass it. Syscalls this
 * architecture does not have are skipped. Returns 0 and fills @prog (free with
 * cordon_seccomp_free), or -errno.
 */
int cordon_seccomp_build(const struct pol_seccomp *rules, struct sock_fprog *prog);
/*
 * The same, through a cache of built filters in @cache_dir (NULL: none), keyed by the rules'
 * content (seccomp_filter.c). cordon_seccomp_build() uses CORDON_SECCOMP_CACHE_DIR as root.
 */
int cordon_seccomp_build_cached(const struct pol_seccomp *rules, struct sock_fprog *prog,
				const char *cache_dir);
#define CORDON_SECCOMP_CACHE_DIR CORDON_CTL_RUN_DIR "/seccomp"
void cordon_seccomp_free(struct sock_fprog *prog);

/* Install @prog on the calling thread (no_new_privs must be set). */
int cordon_seccomp_install(const struct sock_fprog *prog);
/* The same, returning the filter's user-notification fd (SECCOMP_FILTER_FLAG_NEW_LISTENER). */
int cordon_seccomp_install_listener(const struct sock_fprog *prog);

/* ---- env_scrub ---- */
/* The agent's environment: the caller's, minus the variables the policy names as secrets. */

struct pol_list;

/* Entries taken out of an environment (borrowed strings), to name them — never their values. */
struct cordon_env_dropped {
	const char **v;
	size_t n;
};

/*
 * A new NULL-terminated array of the entries of @envp whose names match no glob of @deny, or
 * match one of @keep (keep wins over deny within one policy; the floor has already made sure
 * keep cannot undo a site-wide deny). Strings are borrowed from @envp; the removed entries are
 * appended to @dropped (free its v). NULL on allocation failure.
 */
char **cordon_env_scrub(char *const *envp, const struct pol_list *deny, const struct pol_list *keep,
			struct cordon_env_dropped *dropped);

/*
 * Remove from @env, in place, every entry whose value names @dir or a path beneath it (alone or
 * in a colon-separated list), appending them to @dropped: root's own tool paths (PYENV_ROOT,
 * CARGO_HOME, ...) mean nothing to an agent that runs as another user. 0 or -ENOMEM.
 */
int cordon_env_drop_under(char **env, const char *dir, struct cordon_env_dropped *dropped);

/* The user an agent runs as, for what is prepared in their home before the session. */
struct cordon_home_user {
	const char *home;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	bool drop;		   /* root preparing another user's home: do it as that user */
	void (*before_fork)(void); /* when set, called before the child is forked */
};

/*
 * First runs (enforce/home.c): as the user, create the missing directories of @p's write list
 * below the home (0700), and move each filesystem.atomic file the policy lets the agent write
 * into its private directory, leaving a symlink at its name; that directory then joins @p's
 * read and write lists. 0 or -errno with *@failed (malloc'd, may be NULL) the path that failed;
 * what could not be made grants nothing, so a failure may be reported and the session go on.
 */
int cordon_home_prepare(struct policy *p, const struct cordon_home_user *u, char **failed);
/* Does the redirect apply to @file (written by @p, in a directory @p does not let it write)? */
bool cordon_home_atomic_applies(const struct policy *p, const char *home, const char *file);

/* Replace or add NAME=VALUE in an array from cordon_env_scrub (@storage holds the string). */
int cordon_env_set(char ***env, const char *name, const char *value, char **storage);

/* ---- cgroup ---- */
/* cgroup v2 helpers: locate the hierarchy, create session directories, move tasks, ids. */

/* Name of cordon's own root cgroup under the cgroup v2 mount, when not overridden. */
#define CORDON_CGROUP_ROOT_NAME "cordon"

struct cordon_mount;

/* The cgroup v2 mount point, from mountinfo. -ENOENT when cgroup v2 is not mounted. */
int cordon_cgroup2_mount(char *buf, size_t len);

/*
 * Level of the cgroup at @path (absolute, under @m's mount point) in the whole hierarchy, as
 * bpf_get_current_ancestor_cgroup_id() counts it: the root cgroup is level 0.
 */
int cordon_cgroup_level(const struct cordon_mount *m, const char *path);

/* Number of path components of @p ("/" has 0, "/a/b" has 2). */
int cordon_path_depth(const char *p);

int cordon_cgroup_create(const char *path);
int cordon_cgroup_remove(const char *path);
int cordon_cgroup_id(const char *path, uint64_t *id);
int cordon_cgroup_enter(const char *path, pid_t pid);

/* Read a small cgroup file (e.g. "cgroup.controllers") into @buf, newline stripped. */
int cordon_cgroup_read(const char *path, const char *file, char *buf, size_t len);

/*
 * Kill the process a CORDON_EV_CGROUP_ESCAPE record names (a session task found outside its
 * session's cgroup subtree) with SIGKILL through a pidfd, only when its start time is the
 * record's, so a reused pid is never hit. Sets CORDON_ESCAPE_KILLED or CORDON_ESCAPE_GONE in
 * @ev->flags (the caller's copy of the record, then written to the audit stream). 0 or -errno.
 */
struct cordon_event_cgroup_escape;
int cordon_escape_kill(struct cordon_event_cgroup_escape *ev);

/* ---- masks ---- */
/*
 * Mount-namespace masks, used when BPF LSM is absent: secret files and directories inside
 * allowed trees become unreadable, protected paths read-only, denied unix sockets unreachable.
 * Only paths that exist at session start can be masked; the launcher reports that limit.
 */

struct policy;

struct cordon_masks {
	struct cordon_mask *v;
	size_t n;
	size_t cap;
	size_t walked; /* directory entries visited looking for secret name patterns */
	int truncated; /* the walk hit its bound: some pattern matches may be missed */
};

/* Entries visited at most when matching secret name patterns in the project. */
#define CORDON_MASK_WALK_MAX 200000

/*
 * Plan the masks of policy @p (resolved) for project @project. Returns 0 or -errno.
 */
int cordon_masks_plan(const struct policy *p, const char *project, struct cordon_masks *m);
void cordon_masks_free(struct cordon_masks *m);

/* ---- view ---- */
/*
 * The session's own view: private scratch places and terminals in its mount namespace, with the
 * policy's allowed paths below them bound back in (planned by view.c, built by the launch).
 */

enum cordon_view_kind {
	CORDON_VIEW_TMPFS,  /* an empty tmpfs, mode 1777, nosuid, nodev */
	CORDON_VIEW_DEVPTS, /* a new devpts instance: only the session's own terminals */
	CORDON_VIEW_PROC,   /* the procfs of the session's pid namespace: only its processes */
	/* an empty read-only tmpfs hiding the host's tree (/run/user: the session bus,
	 * gpg-agent, systemd --user, ...); allowed paths below it come back as binds */
	CORDON_VIEW_EMPTY,
};

struct cordon_view_mount {
	const char *path;
	enum cordon_view_kind kind;
	uint64_t landlock_access; /* granted again on the new root (Landlock skips hidden ones) */
};

#define CORDON_VIEW_MAX_MOUNTS 6
#define CORDON_VIEW_MAX_KEEP   64 /* bound of the launched child's fixed table */
#define CORDON_VIEW_MAX_RW     64 /* write trees made writable bind mounts */

struct cordon_view {
	struct cordon_view_mount mounts[CORDON_VIEW_MAX_MOUNTS];
	size_t nmounts;
	char **keep; /* allowed host paths below a mount, bound back at the same place */
	size_t nkeep;
	/*
	 * The write trees, shortest first: everything else in the view is read-only (chmod,
	 * chown, utimes, xattrs are not Landlock rights: EROFS refuses them), and each of these
	 * is a writable bind mount of the session's own.
	 */
	char **rw;
	size_t nrw;
	/*
	 * filesystem.cache: rw[i] is an overlay of the host's tree with the project's upper
	 * directory (layers.c) instead of a writable clone. A write tree inside a layered one is
	 * part of its overlay. The O_PATH upper and work directories come from
	 * cordon_layers_open(); layer_lock holds the project's slot for the session, and
	 * layer_drain is the slot's draining lock, taken when its overlays are let go after the
	 * session (layers.c).
	 */
	bool rw_layered[CORDON_VIEW_MAX_RW];
	int layer_upper[CORDON_VIEW_MAX_RW];
	int layer_work[CORDON_VIEW_MAX_RW];
	/* their paths: overlayfs takes only directories of the mounting namespace, so the child
	 * opens them again there and checks they are the same inodes */
	char *layer_upper_path[CORDON_VIEW_MAX_RW];
	char *layer_work_path[CORDON_VIEW_MAX_RW];
	int layer_lock;
	int layer_drain;
	/* Landlock rules at or below a layered tree: the overlay's inodes are new ones, so they
	 * are granted again inside it (Landlock skips the hidden mount point). */
	struct cordon_view_rule {
		char *path;
		uint64_t access;
	} * layer_rules;
	size_t nlayer_rules;
};

/*
 * Plan the view for the compiled Landlock rules @ll and the project directory; @pidns: the
 * session has a pid namespace of its own, whose /proc replaces the host's.
 */
int cordon_view_plan(const struct pol_landlock *ll, const char *project, bool pidns,
		     struct cordon_view *v);
/*
 * Mark the write trees inside a filesystem.cache entry of @cache (and the cache entries that are
 * directories inside a write tree, added as write trees of their own) as layered. A layered tree
 * that holds the project is refused (-EXDEV, @conflict names it): the project's writes must
 * reach the project.
 */
int cordon_view_plan_layers(struct cordon_view *v, const struct pol_landlock *ll,
			    const struct pol_list *cache, const char *project,
			    const char **conflict);
/* Is any write tree of @v layered? */
bool cordon_view_has_layers(const struct cordon_view *v);
/* Close the layers' descriptors (their locks): the directories', the draining, the slot's last. */
void cordon_view_close_layers(struct cordon_view *v);
void cordon_view_free(struct cordon_view *v);

/* ---- layers ---- */
struct cordon_home_user;
/*
 * Make and open, as @u, the project's upper and work directories of each layered tree of @v
 * in the layer store below @u's home (layers.c), each checked to be a directory @u owns, and
 * take a free slot of the project's (-EBUSY: all taken by running sessions).
 */
int cordon_layers_open(struct cordon_view *v, const struct cordon_home_user *u,
		       const char *project);
/*
 * Mark @v's slot as being let go (its draining lock, taken exclusively on the descriptor the
 * releaser keeps): 0, or -errno (-EWOULDBLOCK: something else holds it).
 */
int cordon_layers_draining(const struct cordon_view *v);

/* ---- the session's mount namespace, let go off the caller's path (mountns.c) ---- */
/*
 * An nsfs descriptor of the mount namespace of @pid (the session's init, not yet reaped), which
 * keeps the namespace and its mounts after the init's exit; -errno, -ENOENT when @pid shares
 * this process's mount namespace.
 */
int cordon_mountns_hold(pid_t pid);
/*
 * Let the namespace of @nsfd go in a detached process that holds nothing else but @locks (closed
 * in their order once the namespace and its mounts are gone), and close @nsfd here. If no process
 * can be made, the namespace is let go here. The caller's copies of @locks stay its own.
 */
void cordon_mountns_release(int nsfd, const int *locks, size_t nlocks);

/* Does the view give the session a devpts of its own? */
bool cordon_view_has_devpts(const struct cordon_view *v);

/* ---- launch ---- */
/*
 * The launch pipeline: fork a child that confines itself in a fixed order and execs the agent.
 * Everything fallible that can be prepared before fork is (Landlock ruleset, seccomp program,
 * open cgroup files, resolved masks); the child reports {step, errno} over a pipe and _exits
 * on the first failure, so an agent never runs half-confined.
 */

struct sock_fprog;

enum cordon_mask_kind {
	CORDON_MASK_SECRET, /* unreadable: /dev/null on a nodev mount, or an empty mode-000 tmpfs */
	CORDON_MASK_READONLY, /* a read-only bind of itself */
	CORDON_MASK_PIN,      /* a bind of itself, writable inside a write tree: as a mount point
			       * it cannot be renamed, removed or replaced (EBUSY) */
	CORDON_MASK_NOEXEC,   /* a read-only, noexec bind of itself: exec and executable mappings
			       * (ld.so's) of a process.exec_deny program fail with EACCES */
};

struct cordon_mask {
	const char *path;
	enum cordon_mask_kind kind;
	bool is_dir;
};

struct cordon_rlimit {
	int resource;
	struct rlimit limit;
};

#define CORDON_V1_MAX  3 /* cgroup v1 controllers a session may join: memory, pids, cpu */
#define CORDON_V1_PATH 512

/*
 * The nice value of cordon's own processes that read and write a session's records (root's
 * `cordon run` once its agent runs, the daemon, the daemon's spawn workers once theirs runs).
 * Under a flood the session's processes and the reader compete for the CPU; at an equal
 * priority the reader got a third of it on a 2-CPU machine and the ring buffer overflowed
 * (records lost, counted). Ahead of them, the kernel slows the session, not its audit. It
 * costs nothing otherwise: the reader sleeps unless there is something to read, and the
 * agent keeps the priority of whoever started it (the child sets it back before anything runs).
 */
#define CORDON_SUPERVISOR_NICE (-10)

struct cordon_launch {
	char *const *argv; /* argv[0] is looked up in PATH of @envp */
	char *const *envp; /* the scrubbed environment */
	const char *cwd;   /* the project directory */
	/* cgroup v1 groups' cgroup.procs the child joins first (cordon_cgroup_v1_limits) */
	size_t nv1_procs;
	const int *v1_procs_fd;
	int cgroup_procs_fd; /* the session's cgroup.procs opened O_WRONLY, or -1 */
	/*
	 * The child is cloned straight into the session cgroup (clone3 CLONE_INTO_CGROUP, 5.7) with
	 * this directory fd; cgroup.procs is written only where the kernel lacks it.
	 */
	bool clone_into_cgroup;
	int cgroup_fd;
	bool drop_privileges; /* setresgid/setresuid to @uid/@gid with @groups */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	bool userns; /* unprivileged: a user namespace mapping our ids to themselves */
	const struct cordon_view *view;	 /* NULL: the host's (no mount namespace for it) */
	const struct cordon_mask *masks; /* applied in a private mount namespace */
	size_t nmasks;
	const struct cordon_rlimit *rlimits;
	size_t nrlimits;
	int landlock_fd; /* ruleset to enforce, or -1 */
	int fan_fd;	 /* fanotify group whose marks go on the writable mounts, or -1 (0: none) */
	void (*fan_serve)(void *ctx); /* answers its events while the launch is awaited */
	void *fan_ctx;
	unsigned int landlock_flags;
	const struct sock_fprog *seccomp; /* NULL: none */
	/* @seccomp has user-notification rules: its listener fd goes to cordon (tag 'N') */
	bool seccomp_listener;
	bool pidns; /* a pid namespace of its own; its init is cordon's child (needs the view) */
	bool memfd_noexec; /* vm.memfd_noexec=1 in that pid namespace (root, the knob probed) */
	/*
	 * SIGKILL the child (the pid namespace's init, and with it the whole namespace; or the
	 * agent) when cordon dies: a killed launcher never leaves an agent running unsupervised.
	 */
	bool die_with_parent;
	/* process.lifetime: detached: the pid namespace's init outlives the agent (init.c) */
	bool detach;
	bool pty; /* a terminal of its own: stdio on a new pty, the master relayed by cordon */
	/* which of fds 0, 1, 2 (bits 0..2) were terminals: those the pty replaces, the others
	 * (a pipe, a file) reach the agent as they are */
	unsigned int pty_fds;
	const struct termios *pty_termios; /* the developer's terminal settings, copied */
	const struct winsize *pty_winsize; /* and its size */
	/*
	 * An observing session whose BPF LSM file hooks judge the allow-lists (maps.h
	 * CORDON_SESSION_FILE_ALLOW): the view is not sealed read-only outside the write trees
	 * (a read-only mount refuses with EROFS, which cannot be observed; the hooks judge
	 * writes, chmod and chown against the write trees instead).
	 */
	bool observe_files;
	/*
	 * Called in cordon with the finished view's root (O_PATH) before anything of the agent
	 * runs: the child waits for it (with observe_files, the roots of the view's private
	 * mounts become allow_trees entries). Non-zero fails the launch. NULL: not waited for.
	 */
	int (*on_view_root)(void *ctx, int root_fd);
	void *view_root_ctx;
	/*
	 * Called in cordon right after the child is spawned, while the child builds its view and
	 * confines itself (its time, on another CPU): work of cordon's own that nothing of the
	 * session waits for. It runs before the child's reports are read, so nothing it does may
	 * be a step the agent must not start before (the child does not wait for it). NULL: none.
	 */
	void (*while_child_sets_up)(void *ctx);
	void *while_child_ctx;
};

/* Child steps, in the order they run; reported on failure. */
enum cordon_launch_step {
	CORDON_STEP_NONE,
	CORDON_STEP_CGROUP,
	CORDON_STEP_SETSID,
	CORDON_STEP_USERNS,
	CORDON_STEP_MOUNTNS,
	CORDON_STEP_VIEW,
	CORDON_STEP_MASK,
	CORDON_STEP_TERMINAL,
	CORDON_STEP_RLIMIT,
	CORDON_STEP_CHDIR,
	CORDON_STEP_PRIVILEGES,
	CORDON_STEP_FDS,
	CORDON_STEP_NO_NEW_PRIVS,
	CORDON_STEP_LANDLOCK,
	CORDON_STEP_SECCOMP,
	CORDON_STEP_INIT,
	CORDON_STEP_EXEC,
	CORDON_STEP_READONLY, /* the view read-only but for the write trees (index: which one) */
	CORDON_STEP_MEMFD_NOEXEC,    /* vm.memfd_noexec in the session's pid namespace */
	CORDON_STEP_DIE_WITH_PARENT, /* PR_SET_PDEATHSIG */
	CORDON_STEP_LAYER, /* the project's overlay on a cache tree (index: which write tree) */
};

struct cordon_launch_failure {
	int step;  /* enum cordon_launch_step */
	int err;   /* positive errno */
	int index; /* for CORDON_STEP_VIEW (mounts, then keeps) / _MASK / _RLIMIT: which entry */
};

const char *cordon_launch_step_name(int step);

struct cordon_launched {
	pid_t pid;	/* cordon's child: the agent, or the session's init (pid namespace) */
	int pty_master; /* the agent's terminal, close-on-exec; -1: none */
	int stop_fd;	/* readable when the session's init saw the agent stop; -1: none */
	/* The session's root directory as its tasks see it (O_PATH, the view's), handed over by
	 * the child before the agent runs; -1: none (no mount namespace) */
	int root_fd;
	/* The session filter's user-notification fd (seccomp_listener); -1: none */
	int notify_fd;
};

/*
 * Start the child. Returns 0 with @out filled once the agent has been exec'd, or -errno with
 * @fail filled when a step failed (the child has then been reaped).
 */
int cordon_launch(const struct cordon_launch *l, struct cordon_launched *out,
		  struct cordon_launch_failure *fail);

/*
 * In the launched child, as init of the session's pid namespace (fully confined already): fork
 * the agent, and return 0 in it (the caller execs it) or -errno when fork failed. Init itself
 * never returns: it forwards signals to the agent's process group, reaps orphans, tells
 * @stop_fd when the agent stops, and exits with the agent's status. When init exits, the kernel
 * kills every process left in the namespace: nothing of the session outlives its agent.
 * @detach (process.lifetime: detached): when the agent exits leaving processes, init writes "E"
 * and the agent's status byte on @stop_fd and stays until the last of them has exited.
 */
int cordon_init_start(int report, int stop_fd, bool detach);

/* ---- fanotify ---- */
/*
 * The host tier's file listener (fanotify.c): a permission group created by the root-mode parent
 * (or the daemon), whose marks the launched child places on the session's own writable mounts
 * (so outside processes raise no events), served from the supervisor's loop, kept fail-closed
 * by a guard process that kills the session when the listener goes away.
 */
struct cordon_name_pattern;

struct cordon_fan_inode {
	uint64_t dev;
	uint64_t ino;
	uint32_t rule; /* POL_RULE_ID of the secret or exec_deny entry */
};

#define CORDON_FAN_MAX_LAYER_DEVS 8

struct cordon_fan {
	int fd; /* the group: poll it, then cordon_fan_serve(); -1: none */
	struct cordon_name_pattern *names; /* secrets.patterns, the BPF matcher's form */
	size_t nnames;
	struct cordon_fan_inode *inodes; /* files of secrets.files and exec_deny, any name */
	size_t ninodes;
	const struct pol_list *exec_deny; /* borrowed: process.exec_deny, by path for exec opens */
	/*
	 * filesystem.protect entries that did not exist at start (borrowed list, indexes of it):
	 * no read-only bind covers them, so any open at or below one is refused by path.
	 */
	const struct pol_list *protect;
	struct cordon_protect_new *protect_new;
	size_t nprotect_new;
	size_t nignored;	       /* ignore marks placed on allowed inodes */
	unsigned long refused, errors; /* opens refused; responses that failed */
	pid_t guard_pid;	       /* kills the session cgroup when this process exits */
	/* Refusals as CORDON_EV_FILE records (layer fanotify) for the audit stream. */
	void (*on_refuse)(void *ctx, const void *ev, size_t size);
	void *ctx;
	uint32_t session_id, uid;
	uint64_t cgroup_id;
	/* CLOCK_REALTIME ns: inodes changed since are the session's (git hooks it may not write) */
	int64_t since;
	/*
	 * Devices of the trees under the session's layers (filesystem.cache): a file seen through
	 * an overlay has the overlay's st_dev but its own st_ino (one file system under it), so a
	 * secret's other name there is known by the inode number on these devices.
	 */
	dev_t layer_devs[CORDON_FAN_MAX_LAYER_DEVS];
	size_t nlayer_devs;
	/*
	 * Called after a batch of permission events is read and before any is answered: the
	 * notifications queued before those opens (a secret name made, hookwatch.c) are taken in
	 * first, so an open that follows a rename or link of a secret is judged knowing it.
	 */
	void (*sync)(void *ctx);
	void *sync_ctx;
	unsigned long learned; /* secret inodes learned during the session */
	/* The walk of the cache trees for secret names stopped at its bound (or the inode set
	 * filled): secrets beyond are refused by name only, a rename in the layer reads them. */
	bool cache_truncated;
};

/* Compile the policy's secret names, collect the inodes of its secrets and exec denials, create
 * the group. 0 or -errno (-EPERM without CAP_SYS_ADMIN). */
int cordon_fan_create(const struct policy *p, struct cordon_fan *f);
/* In the session's mount namespace: mark the mount at @path (the session's own bind). */
int cordon_fan_mark_mount(int fd, const char *path);
/* Answer every pending permission event (a struct cordon_watch handler). */
void cordon_fan_serve(void *ctx);
struct stat;
/* The secrets.patterns rule @name matches, or 0. */
uint32_t cordon_fan_secret_rule(const struct cordon_fan *f, const char *name);
/* File @fd (O_PATH, @st) got a secret name during the session: refused by inode from now on,
 * whatever its name becomes (a rename, a hard link). 0 or -errno (-E2BIG: the set is full). */
int cordon_fan_learn(struct cordon_fan *f, int fd, const struct stat *st, uint32_t rule);
/* Start the guard for the session cgroup @cgroup (before the launch). 0 or -errno. */
int cordon_fan_guard(struct cordon_fan *f, const char *cgroup);
void cordon_fan_free(struct cordon_fan *f);
void cordon_fan_close_detached(int fd);

/* ---- the git repositories of the write trees, at the start (gitrepos.c) ---- */
#define CORDON_GIT_REPOS_MAX	  64	 /* repositories protected; past it, a gap */
#define CORDON_GIT_REPOS_WALK_MAX 100000 /* directory entries looked at, all trees together */

struct cordon_git_repos_opts {
	const char *project;
	/* git is asked for each work tree's hooks directory as this user (@drop: switch to it) */
	bool drop;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	const char *home, *xdg_config; /* their ~/.gitconfig and ${XDG_CONFIG_HOME}/git/config */
	void (*before_fork)(void);     /* when set, called before git's child is forked */
};

struct cordon_git_repos_stat {
	size_t repos;	      /* git directories found (the project's included) */
	size_t hooks_paths;   /* hooks directories elsewhere (core.hooksPath) in a write tree */
	size_t hooks_unknown; /* work trees whose hooks directory git did not say */
	size_t walked;	      /* directory entries looked at */
};

/*
 * Find the git repositories of @p's write trees (the project's included, bounded: see above)
 * and append to @p->fs_protect each one's config, hooks, commondir, config.worktree and info,
 * and the hooks directory core.hooksPath names when it lies in a write tree. 0 or -errno.
 */
int cordon_git_repos_protect(struct policy *p, const struct cordon_git_repos_opts *o,
			     struct cordon_git_repos_stat *st);
/* One entry as the walk appends it (its source says so), unless @p lists it already. */
int cordon_git_repos_add(struct policy *p, const char *path);

/* ---- protected paths missing at start (protect.c) ---- */
/*
 * A filesystem.protect entry that did not exist when the session started: the listener refuses
 * opens at or below it, the watch and the end-of-session sweep rename away what the session put
 * there without an open (a rename, a link, a symlink, a directory moved in).
 */
struct cordon_protect_new {
	const char *path; /* borrowed: the entry (absolute) */
	size_t len;	  /* of path, trailing slashes cut */
	size_t index;	  /* in filesystem.protect: POL_RULE_ID(POL_RULE_PROTECT, index) */
	size_t base_len;  /* of its deepest ancestor that existed at start (1: "/") */
};

struct stat;

/* What was quarantined: @path (before the rename), its stat, 0 or the -errno of the rename,
 * the creator's pid when a watch event named one. */
struct cordon_protect_report {
	void (*on_quarantine)(void *ctx, const struct cordon_protect_new *e, const char *path,
			      const struct stat *st, int err, pid_t pid);
	/* The git watch (hookwatch.c): @what CORDON_GIT_HOOK (renamed away) or CORDON_GIT_CONFIG
	 * (its keys that run programs commented out), @err 0 or the -errno that prevented it. */
	void (*on_git)(void *ctx, const char *path, const struct stat *st, uint32_t what, int err,
		       pid_t pid);
	/* Defuse config @name of directory @dfd as the session's user (never as root: the new
	 * file is the user's). >0 changed, 0 nothing to change, or -errno. */
	int (*git_config_defuse)(void *ctx, int dfd, const char *name);
	/* A file made or moved in under a name: its secrets.patterns rule (0: none), and the
	 * file (O_PATH @fd, @st) with such a name, to be refused by inode from now on. */
	uint32_t (*secret_rule)(void *ctx, const char *name);
	void (*secret_made)(void *ctx, int fd, const struct stat *st, uint32_t rule);
	void *ctx;
};

/* An object by inode. */
struct cordon_protect_obj {
	dev_t dev;
	ino_t ino;
};

/* The entries of @protect missing now, in *@out (malloc'ed, also on error): count or -errno. */
int cordon_protect_missing(const struct pol_list *protect, struct cordon_protect_new **out);
/* Rename @name of @dfd to NAME.cordon-quarantined (.2, .3 ... when taken), never following it,
 * never over an earlier copy. 0 or -errno. */
int cordon_quarantine_at(int dfd, const char *name);
/* At the session's end, as its user: what now exists at each entry (or a symlink on the way
 * below the part that existed) quarantined, each reported, but for the @nspared objects the
 * watch left to the developer. The count. */
int cordon_protect_sweep(const struct cordon_protect_new *v, size_t n,
			 const struct cordon_protect_report *o,
			 const struct cordon_protect_obj *spared, size_t nspared);

struct cordon_protect_dir;
struct cordon_git_tree;

#define CORDON_PROTECT_CHAIN_MAX 9 /* directories watched per entry on the way to its parent */
struct cordon_protect_chain {
	int dir[CORDON_PROTECT_CHAIN_MAX];   /* index in the watch's directories */
	size_t at[CORDON_PROTECT_CHAIN_MAX]; /* length of that directory's path in the entry's */
	size_t n;
};

/* During the session (root): a fanotify notification group with inode marks on the parents. */
struct cordon_protect_watch {
	int fd; /* poll it, then cordon_protect_watch_serve(); -1: none */
	struct cordon_protect_dir *dirs;
	size_t ndirs;
	const struct cordon_protect_new *v; /* borrowed */
	int *dir_of;			    /* per entry: its watched parent, -1: none */
	size_t n;
	struct cordon_protect_report report;
	/* The session's cgroup, as /proc/PID/cgroup names it: a creator alive outside is spared. */
	const char *cgroup;
	bool pidfd; /* the group reports creators' pidfds (5.15) */
	size_t ndirs_max;
	/* made by a creator alive outside the session (the developer's): left, also at the end */
	struct cordon_protect_obj *spared;
	size_t nspared;
	unsigned long quarantined, errors;
	/* per entry: the directories watched for it, from the deepest that existed at start down
	 * to its parent once every directory on the way exists (the last is dir_of's) */
	struct cordon_protect_chain *chain;
	/* The git watch (hookwatch.c): filesystem marks on the write trees' file systems. */
	struct cordon_git_tree *git_trees;
	size_t ngit_trees;
	int64_t git_since; /* CLOCK_REALTIME ns: inodes changed since are the session's */
	dev_t git_dev;	   /* the project's own .git at the start (ino 0: none) */
	ino_t git_ino;
	const char *git_unwatched; /* a write tree whose file system could not be marked */
	int git_unwatched_err;
};

struct fanotify_event_info_fid;
/* What the info records of one event say (fan_info.c); NULL and -1 for what they do not. */
struct cordon_fan_info {
	const struct fanotify_event_info_fid *fid; /* DFID_NAME: the directory's handle ... */
	const char *name;			   /* ... and the entry's name, ending in it */
	int pidfd;				   /* PIDFD: the creator's, the caller's to close */
};
/* The records from @p to @end (after the header, in the buffer read from the group). */
void cordon_fan_info_parse(const char *p, const char *end, struct cordon_fan_info *out);

/* Entries whose parent existed at start are watched: their count, or -errno (no group). */
int cordon_protect_watch_create(struct cordon_protect_watch *w, const struct cordon_protect_new *v,
				size_t n);
void cordon_protect_watch_serve(void *ctx);
void cordon_protect_watch_free(struct cordon_protect_watch *w);
/* The creator of an event (its pidfd, pid) is alive in a cgroup outside the session. */
bool cordon_protect_outside_creator(const struct cordon_protect_watch *w, int pidfd, pid_t pid);
/* Remember @st as the developer's (left by the watch and by the sweeps). 0 or -E2BIG. */
int cordon_protect_spare_obj(struct cordon_protect_watch *w, const struct stat *st);
bool cordon_protect_is_spared(const struct cordon_protect_watch *w, const struct stat *st);

/*
 * The git watch (hookwatch.c), in the same group: every git directory of the write trees, also
 * one made, cloned or moved in during the session, has what the session puts in its hooks
 * renamed away at once and its new config defused. Marks the file systems of @trees (absolute
 * paths, borrowed). The count of file systems marked, or -errno.
 */
int cordon_git_watch_add(struct cordon_protect_watch *w, const char *const *trees, size_t n);
void cordon_git_watch_free(struct cordon_protect_watch *w);
struct fanotify_event_info_fid;
/* One creation or move (@mask) of @name in the directory @fid names, in no watched entry's. */
void cordon_git_watch_event(struct cordon_protect_watch *w,
			    const struct fanotify_event_info_fid *fid, const char *name,
			    uint64_t mask, int pidfd, pid_t pid);

/* ---- git repositories in the write trees (gitguard.c, gitconfig.c) ---- */

struct stat;

/* What a sweep neutralized (the index of the POL_RULE_GIT rule that names it). */
#define CORDON_GIT_HOOK	  1u /* a hook (or the hooks directory) made inert */
#define CORDON_GIT_CONFIG 2u /* config keys that could run programs commented out */

struct cordon_git_sweep {
	const char *const *trees; /* the write trees to look for repositories in */
	size_t ntrees;
	/* The project's .git as it was at the start (st_ino 0: none): its own config and hooks
	 * are judged by what changed in them, not as a repository the session made. */
	dev_t trusted_dev;
	ino_t trusted_ino;
	/* Its config's content at the start (NULL: unknown): a changed config that only gained
	 * allowlisted keys is left as is, else defused. */
	const char *trusted_config;
	size_t trusted_config_len;
	int64_t since;	    /* CLOCK_REALTIME ns: ctimes from here on are the session's */
	size_t max_entries; /* directory entries looked at, at most */
	void (*on_change)(void *ctx, const char *path, const struct stat *st, uint32_t what);
	void *ctx;
	/* hooks the developer made outside the session while it ran (the watch saw): left */
	const struct cordon_protect_obj *spared;
	size_t nspared;
	bool truncated; /* out: the walk stopped at max_entries or its depth */
};

/*
 * After the session (all its processes gone), as its user: in every repository found below the
 * trees, hooks and config the session could have changed are made inert (see gitguard.c).
 * Returns the entries walked.
 */
int cordon_git_sweep(struct cordon_git_sweep *o);
/* @path is a hook (not a *.sample) of a git directory, changed since @since: the listener's. */
bool cordon_git_hook_planted(const char *path, const struct stat *st, int64_t since);
/*
 * Comment out every line of a git config not on the allowlist: the count (0: @out is a copy),
 * or -errno. @out is malloc'ed and NUL-terminated.
 */
int cordon_git_config_defuse(const char *in, size_t len, char **out, size_t *out_len);
/* The same on the file @name in @dfd, replaced by rename: the count, 0 or -errno. */
int cordon_git_config_defuse_at(int dfd, const char *name);
/*
 * A write of a protected config, @next replacing @cur: 0 when every variable of @next is in
 * @cur already (the developer's own) or on the allowlist; 1 when not, with @bad the first such
 * key ("core.fsmonitor", or why git could not read the file); -errno. Parsed as git parses it.
 */
int cordon_git_config_check(const char *cur, size_t cur_len, const char *next, size_t next_len,
			    char *bad, size_t bad_size);

/* ---- a protected .git/config written through the supervisor (gitwrite.c) ---- */

#define CORDON_GITWRITE_KEY_LEN 64

/* A filesystem.protect entry naming an existing `.git/config`: the file and its directory. */
struct cordon_gitwrite_target {
	const char *path; /* borrowed: the entry (absolute, cordon's own mount namespace) */
	size_t dir_len;	  /* of its .git directory's path */
	size_t index;	  /* in filesystem.protect: POL_RULE_ID(POL_RULE_PROTECT, index) */
	dev_t dev, dir_dev;
	ino_t ino, dir_ino;
};

struct cordon_gitwrite {
	int fd; /* the session filter's notification fd: poll it, then cordon_gitwrite_serve() */
	struct cordon_gitwrite_target *t;
	size_t n;
	/* The session's user: the write is made with these credentials when @drop. */
	bool drop;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	/* A refused write: the target, the task, the key (or why, in parentheses). */
	void (*on_refuse)(void *ctx, const struct cordon_gitwrite_target *t, pid_t pid,
			  const char *key);
	void *ctx;
	unsigned long continued, written, refused, errors;
};

/* The entries of @protect naming an existing `.git/config`, in @g (fd untouched): the count,
 * or -ENOMEM. */
int cordon_gitwrite_targets(const struct pol_list *protect, struct cordon_gitwrite *g);
/* Answer every pending rename notification (a struct cordon_watch handler). */
void cordon_gitwrite_serve(void *ctx);
/* Ask for synchronous wake-ups on listener @fd (6.6+; ignored before). */
void cordon_gitwrite_sync_wakeup(int fd);
void cordon_gitwrite_free(struct cordon_gitwrite *g);

/* ---- supervise ---- */

#define CORDON_SUPERVISE_WATCHES 8

struct cordon_supervise {
	pid_t pid;	/* cordon's child: the agent, or the session's init (a group leader) */
	int pty_master; /* the agent's terminal to relay with stdin/stdout, or -1 */
	unsigned int pty_fds; /* cordon_launch.pty_fds: which of 0, 1, 2 the pty stands for */
	int stop_fd;	      /* the session's init reports the agent's stops here, or -1 */
	/*
	 * Set when the agent exited but init reported processes left (a detached session): init
	 * still runs, and the returned status is the agent's. NULL: not wanted.
	 */
	bool *detached;
	/*
	 * The agent stopped and the developer's terminal is restored: wait until the developer
	 * resumes it. NULL: stop this process (SIGSTOP), as a shell's job; the daemon's worker
	 * instead tells its client and waits for the client to be resumed.
	 */
	void (*suspend)(void *ctx);
	void *suspend_ctx;
	/*
	 * Other descriptors the supervisor polls for the session (the ring buffer's epoll fd, a
	 * listener's notification fd, a resolver's socket): @on_ready runs when one is readable,
	 * and once more for each after the agent has exited (a last drain). A watch whose
	 * @hold_until_ns (CLOCK_BOOTTIME; NULL or 0: never held) is in the future is not polled
	 * until then, and @on_ready runs when that time has come (the ring buffer's reader in a
	 * flood, loader.h cordon_ring_pace).
	 */
	struct cordon_watch {
		int fd; /* -1: unused */
		void (*on_ready)(void *ctx);
		void *ctx;
		const uint64_t *hold_until_ns;
	} watch[CORDON_SUPERVISE_WATCHES];
};

/*
 * limits.memory without a memory controller of the session's: resident anonymous memory of the
 * session cgroup's processes, checked every 250 ms by the supervisor (watch @fd with
 * cordon_memwatch_check); past @limit the session cgroup is killed and @fired set.
 */
struct cordon_memwatch {
	int fd; /* a periodic timerfd, or -1 */
	uint64_t limit, peak;
	bool fired;
	char procs[4300], kill[4300];
};
int cordon_memwatch_open(struct cordon_memwatch *m, const char *cgroup, uint64_t limit);
uint64_t cordon_memwatch_usage(const struct cordon_memwatch *m);
void cordon_memwatch_check(void *ctx);
void cordon_memwatch_close(struct cordon_memwatch *m);

/* The signals cordon handles while it supervises; blocked from before the fork. */
void cordon_supervised_signals(sigset_t *set);

/*
 * Stay the agent's parent until its main process exits: relay its pty, forward signals to its
 * process group (SIGINT/SIGQUIT to the pty's foreground job), follow its stops, serve
 * the watched descriptors. Returns the agent's exit code, 128+N when signal N killed it, or -errno.
 */
int cordon_supervise(const struct cordon_supervise *s);

/* ---- stdio ---- */

/*
 * May descriptor @fd (0, 1 or 2) cross into the session? 0, or -EPROTONOSUPPORT (a network
 * socket), -EDESTADDRREQ (an unconnected socket), -EBADFD (another kind of file), -errno.
 */
int cordon_stdio_check(int fd);
/* Why cordon_stdio_check() refused, for a message. */
const char *cordon_stdio_reason(int err);

/* ---- pty ---- */

/* Mount a new devpts instance on /dev/pts of the current (private) mount namespace. */
int cordon_pty_mount_devpts(void);

/* Open a pty pair from @ptmx; the peer gets @tio, @ws (each may be NULL) and owner @uid. */
int cordon_pty_open(const char *ptmx, const struct termios *tio, const struct winsize *ws,
		    uid_t uid, int *master, int *peer);

/* After setsid(): @peer becomes the controlling terminal and each of fds 0..2 in @fds (bits). */
int cordon_pty_attach(int peer, unsigned int fds);

/* Send @fd over the unix socket @sock with a one-byte @tag. */
int cordon_fd_send(int sock, int fd, char tag);

/* ---- resolve ---- */
/* Host-name resolution at session start, for the policy's network rules. */

struct pol_addr;
struct policy;

/*
 * A pol_resolve_fn (see compile.h) with @ctx a resolv.conf path (NULL: /etc/resolv.conf):
 * "@dns" gives its nameservers (none when the file is missing); every other name gives 0
 * addresses. Nothing is looked up: host names are answered by the session's resolver.
 */
int cordon_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max);

/* ---- session ---- */
/*
 * A session as root sets it up without the daemon: its cgroup under cordon's root cgroup, the
 * BPF programs loaded and attached at that root, and the session's map entries.
 */

struct cordon_bpf;
struct cordon_bpf_opts;
struct pol_maps;

struct cordon_session_ctx {
	char name[33];	   /* 32 hex digits: the session id in audit records */
	uint32_t id;	   /* key of the session's map entries */
	char cgroup[4200]; /* the session cgroup */
	uint64_t cgroup_id;
	uint32_t flags; /* CORDON_SESSION_* */
	uint32_t ring;	/* cordon_session.ring: 1 + its ring slot, 0: the shared ring */
	int procs_fd;	/* its cgroup.procs, opened for the child to join */
	/* cgroup v1 groups holding the limits cgroup v2 has no controller for (cgroup_v1.c) */
	size_t nv1;
	int v1_procs[CORDON_V1_MAX]; /* their tasks files, for the child to join (cgroup_v1.c) */
	char v1_dir[CORDON_V1_MAX][CORDON_V1_PATH];
	struct cordon_bpf *bpf;
	bool bpf_shared; /* @bpf belongs to the daemon: destroy purges rules, never unloads */
	/*
	 * O_PATH descriptors of the overlayfs directories that carry a rule, held for the
	 * session's life: such a directory's inode number (its rule's key) is made up when the
	 * inode is read in, and would change if the inode were evicted and read again.
	 */
	int *pins;
	size_t npins;
};

/*
 * Create the session cgroup under @cgroup_root (cordon's root cgroup, created if missing),
 * load and attach the programs (the LSM ones only when @lsm), and register the session with
 * @flags. On failure nothing is left behind.
 */
int cordon_session_create(struct cordon_session_ctx *s, const char *cgroup_root, bool lsm,
			  uint32_t flags);

/* The same, without the tracing (audit) programs: to measure the enforcement hooks alone. */
int cordon_session_create_opts(struct cordon_session_ctx *s, const struct cordon_bpf_opts *o,
			       uint32_t flags);

/*
 * The daemon's form: a session in programs that are already loaded (and shared by every
 * session), its cgroup named @name under @cgroup_root. The session number is chosen unused in
 * @bpf; @ring: cordon_session.ring (1 + a slot from cordon_bpf_ring_claim, or 0 to write to
 * the shared ring). On failure nothing is left behind.
 */
int cordon_session_create_shared(struct cordon_session_ctx *s, struct cordon_bpf *bpf,
				 const char *cgroup_root, uint32_t flags, uint32_t ring);

/*
 * The session flags the BPF side gets for compiled policy @m: all of them with BPF LSM;
 * without it the LSM rule families stay off, while the network rules and the audit flags
 * (they drive the cgroup and tracepoint programs) apply all the same.
 */
uint32_t cordon_session_flags(const struct pol_maps *m, bool lsm);

/*
 * Fill the network rules (and, with BPF LSM, the inode rules and name patterns) of the
 * compiled policy, keyed to this session whatever session number they were compiled for.
 * Files inside denied directories get rules of their own, so that a hard link made before
 * the session (same inode, another path) is refused too.
 */
int cordon_session_fill(struct cordon_session_ctx *s, const struct pol_maps *m, bool lsm,
			const char **failed_path);

/*
 * An allow_trees entry granting @allow (CORDON_ACCESS_*) beneath @path (relative to @dfd) in
 * session @s: the policy's trees at fill time, and the roots of the session's view once the
 * child has built it (its private /tmp is a new inode no host path names). A path that does
 * not exist grants nothing and is skipped (0), as Landlock does. 0 or -errno.
 */
int cordon_session_allow_at(struct cordon_session_ctx *s, int dfd, const char *path,
			    uint32_t allow);

/* Session limits applied through cgroup v2 controllers (bits of cordon_session_limits). */
#define CORDON_LIMIT_PIDS   (1u << 0)
#define CORDON_LIMIT_MEMORY (1u << 1)
#define CORDON_LIMIT_CPU    (1u << 2)
#define CORDON_LIMIT_V1	    (1u << 3) /* some of them through cgroup v1 (cgroup_v1.c) */

/*
 * Set pids.max, memory.max and cpu.max (@cpu_percent of one CPU) of the session where the
 * controllers can be enabled down to it; 0 values are left unlimited. Returns the
 * CORDON_LIMIT_* bits applied: the caller falls back to rlimits for the others.
 */
unsigned int cordon_session_limits(struct cordon_session_ctx *s, uint64_t pids, uint64_t memory,
				   uint64_t cpu_percent);

/*
 * The limits not in @done (CORDON_LIMIT_*) through the cgroup v1 controllers of a hybrid host:
 * a group cordon/<session> per controller, its procs file held in @s for the child to join
 * (cordon_launch.v1_procs). Returns the bits applied, with CORDON_LIMIT_V1 if any.
 */
unsigned int cordon_cgroup_v1_limits(struct cordon_session_ctx *s, uint64_t pids, uint64_t memory,
				     uint64_t cpu_percent, unsigned int done);

/* Whether @controller has a cgroup v1 hierarchy mounted (a hybrid host). */
bool cordon_cgroup_v1_has(const char *controller);

/* Processes the session's v1 memory group's OOM killer killed (0 without one). */
uint64_t cordon_cgroup_v1_oom_kills(const struct cordon_session_ctx *s);

/* Close and remove the session's v1 groups (after its tasks are gone). */
void cordon_cgroup_v1_remove(struct cordon_session_ctx *s);

/*
 * The same, for a process about to exit: the BPF objects are released by a short-lived child
 * so that the caller does not wait for the kernel to detach them. The caller must exit soon.
 */
void cordon_session_destroy_detached(struct cordon_session_ctx *s);

/* Kill what is left in the session, remove its cgroup and map entries, unload. */
void cordon_session_destroy(struct cordon_session_ctx *s);

#endif /* CORDON_ENFORCE_H */
