/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The launch pipeline: fork a child that confines itself in a fixed order and execs the agent.
 * Everything fallible that can be prepared before fork is (Landlock ruleset, seccomp program,
 * open cgroup files, resolved masks); the child reports {step, errno} over a pipe and _exits
 * on the first failure, so an agent never runs half-confined.
 */
#ifndef CORDON_LAUNCH_H
#define CORDON_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

struct sock_fprog;

enum cordon_mask_kind {
	CORDON_MASK_SECRET, /* unreadable: /dev/null on a nodev mount, or an empty mode-000 tmpfs */
	CORDON_MASK_READONLY, /* a read-only bind of itself */
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

struct cordon_launch {
	char *const *argv;    /* argv[0] is looked up in PATH of @envp */
	char *const *envp;    /* the scrubbed environment */
	const char *cwd;      /* the project directory */
	int cgroup_procs_fd;  /* the session's cgroup.procs opened O_WRONLY, or -1 */
	bool drop_privileges; /* setresgid/setresuid to @uid/@gid with @groups */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	bool userns; /* unprivileged: a user namespace mapping our ids to themselves */
	const struct cordon_mask *masks; /* applied in a private mount namespace */
	size_t nmasks;
	const struct cordon_rlimit *rlimits;
	size_t nrlimits;
	int landlock_fd; /* ruleset to enforce, or -1 */
	unsigned int landlock_flags;
	const struct sock_fprog *seccomp; /* NULL: none */
};

/* Child steps, in the order they run; reported on failure. */
enum cordon_launch_step {
	CORDON_STEP_NONE,
	CORDON_STEP_CGROUP,
	CORDON_STEP_SETSID,
	CORDON_STEP_USERNS,
	CORDON_STEP_MOUNTNS,
	CORDON_STEP_MASK,
	CORDON_STEP_RLIMIT,
	CORDON_STEP_CHDIR,
	CORDON_STEP_PRIVILEGES,
	CORDON_STEP_FDS,
	CORDON_STEP_NO_NEW_PRIVS,
	CORDON_STEP_LANDLOCK,
	CORDON_STEP_SECCOMP,
	CORDON_STEP_EXEC,
};

struct cordon_launch_failure {
	int step;  /* enum cordon_launch_step */
	int err;   /* positive errno */
	int index; /* for CORDON_STEP_MASK / _RLIMIT: which entry */
};

const char *cordon_launch_step_name(int step);

/*
 * Start the child. Returns 0 with *pid once the agent has been exec'd, or -errno with @fail
 * filled when a step failed (the child has then been reaped).
 */
int cordon_launch(const struct cordon_launch *l, pid_t *pid, struct cordon_launch_failure *fail);

/*
 * Stay the parent: forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGUSR1/2, SIGTSTP and
 * SIGCONT to @pid until it exits, calling @on_extra whenever @extra_fd (-1: none) is readable
 * (the ring buffer's epoll fd, so events are drained while the agent runs). Returns the status to exit with: the agent's code, or 128+N
 * when a signal killed it; -errno on failure.
 */
int cordon_launch_supervise(pid_t pid, int extra_fd, void (*on_extra)(void *ctx), void *ctx);

#endif /* CORDON_LAUNCH_H */
