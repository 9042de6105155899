/* SPDX-License-Identifier: GPL-2.0-only */
/* Plumbing shared by every stage: scope-based cleanup, paths, mountinfo, users, the control protocol. */
#ifndef CORDON_SYS_H
#define CORDON_SYS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdbool.h>
#include <stddef.h>
#include <pwd.h>
#include <sys/types.h>
#include <stdint.h>
#include <jansson.h>

/* ---- cleanup ---- */
/* Scope-based cleanup helpers: declare with the attribute and initialise at declaration. */

static inline void cordon_freep(void *p)
{
	free(*(void **)p);
}

static inline void cordon_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void cordon_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_	 __attribute__((cleanup(cordon_freep)))
#define _cleanup_close_	 __attribute__((cleanup(cordon_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cordon_fclosep)))

/* Hand ownership out of a cleanup variable. */
#define TAKE_FD(fd)              \
	({                       \
		int _fd_ = (fd); \
		(fd) = -1;       \
		_fd_;            \
	})
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _p_ = (p); \
		(p) = NULL;              \
		_p_;                     \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- paths ---- */

/*
 * Join @dir and @name with exactly one '/' between them, into a new allocation the caller frees
 * (declare it _cleanup_free_). An empty @name gives @dir itself; @name must be relative. NULL
 * when out of memory, with errno set. No fixed-size buffer: a long path is never truncated into
 * another, existing one.
 */
char *cordon_path_join(const char *dir, const char *name);

/*
 * The project a session starting in @start works on: the enclosing git work tree (the nearest
 * directory above with a .git), else @start itself; never @home or / (a dotfiles repository is
 * not a project). Canonical and malloc'd; NULL with errno set.
 */
char *cordon_project_root(const char *start, const char *home);

/* printf into a new allocation the caller frees; NULL when out of memory, with errno set. */
char *cordon_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The first line of @file (relative to @dfd, or AT_FDCWD) without its newline, NUL-terminated in
 * @buf; one read(), which is whole for the kernel's small text files. 0 or -errno.
 */
int cordon_read_line_at(int dfd, const char *file, char *buf, size_t len);

/* ---- mountinfo ---- */
/* Parsing of /proc/self/mountinfo: find where a filesystem type is mounted, never assume it. */

struct cordon_mount {
	char root[4096];   /* root of the mount within its filesystem (field 4), unescaped */
	char target[4096]; /* mount point (field 5), unescaped */
};

/*
 * Find the first mount of filesystem type @fstype in a mountinfo stream. Returns 0 and fills @m,
 * -ENOENT when there is none, -EINVAL on a malformed line.
 */
int cordon_mountinfo_find(FILE *f, const char *fstype, struct cordon_mount *m);

/* Same, reading /proc/self/mountinfo. */
int cordon_mount_find(const char *fstype, struct cordon_mount *m);

/*
 * The first mount of @fstype whose superblock options hold @opt ("memory": the cgroup v1
 * hierarchy of that controller). @opt NULL: any, as cordon_mountinfo_find.
 */
int cordon_mountinfo_find_opt(FILE *f, const char *fstype, const char *opt, struct cordon_mount *m);
int cordon_mount_find_opt(const char *fstype, const char *opt, struct cordon_mount *m);

/* Decode mountinfo's octal escapes (\040 for space, ...) in place. Returns -EINVAL on a bad one. */
int cordon_mountinfo_unescape(char *s);

/* ---- inodes as the kernel names them ---- */
/*
 * The BPF LSM hooks key inode rules by (i_ino, i_sb->s_dev). stat() reports what the filesystem's
 * getattr chooses instead: btrfs a per-subvolume device, overlayfs the device of a lower layer
 * (and sometimes another inode number). These read what the kernel itself holds: i_ino from
 * /proc/self/fdinfo and the superblock's s_dev from the mount's line of /proc/self/mountinfo,
 * encoded as the kernel encodes it (MAJOR << 20 | MINOR). btrfs is the exception, by design:
 * its subvolumes share a superblock but not inode numbers, so there both sides use the
 * subvolume's device, which stat() reports (bpf/lib/inode.bpf.h).
 */
struct cordon_kinode_cache {
	bool valid;
	int mnt_id;
	uint32_t dev;
}; /* the last mount looked up: files below one directory share it */

struct cordon_kinode {
	uint64_t ino; /* inode->i_ino */
	uint32_t dev; /* inode->i_sb->s_dev; on btrfs the subvolume's device (st_dev) */
	bool btrfs;   /* on btrfs, where the hooks need btrfs's BTF to compute dev alike */
	bool overlay; /* on overlayfs, where a directory's i_ino can change once evicted */
};

/* @path (relative to @dfd; @flags O_NOFOLLOW or 0). 0 or -errno. @c may be NULL. */
int cordon_kinode_at(int dfd, const char *path, int flags, struct cordon_kinode_cache *c,
		     struct cordon_kinode *k);
int cordon_kinode_fd(int fd, struct cordon_kinode_cache *c, struct cordon_kinode *k);
/* The s_dev of mount @mnt_id in a mountinfo stream: 0, -ENOENT, -EINVAL. */
int cordon_mountinfo_sb_dev(FILE *f, int mnt_id, uint32_t *dev);

/* ---- users ---- */
/* User database lookups that also work in the static VM build, where NSS cannot load. */

/*
 * The passwd entry of @name, or of @uid when @name is NULL: through NSS, else read from
 * /etc/passwd directly. Static storage, as getpwnam(3); NULL when unknown.
 */
struct passwd *cordon_getpw(const char *name, uid_t uid);

/* ---- ctl_proto ---- */
/*
 * The daemon's control protocol: one JSON object per SOCK_SEQPACKET message on
 * /run/cordon/cordon.sock, peers identified by SO_PEERCRED, never by what they say.
 *
 * Request:  {"v": 1, "op": OP, ...}     Reply: {"v": 1, "ok": true, ...}
 *                                              {"v": 1, "ok": false, "error": MSG, "errno": N}
 * OPs and their fields (anything else is refused, as are wrong types and oversize values):
 *   hello                                  -> daemon version, layers
 *   create  policy | policy_text+policy_file, project, [ssh_auth_sock], [hosts_text],
 *           [allow_connect], [allow] ("read PATH", "write PATH", "exec PATH", "bind PORT")
 *                                          -> session, cgroup, layers, limits; the caller has
 *                                             been moved into the session cgroup
 *   list                                   -> sessions the caller may see
 *   end     session                        -> ends a session of the caller's (root: any)
 *   audit   session                        -> records of that session, several messages, the
 *                                             last with "done": true
 * Every field is checked here, once, before the daemon acts on a request: the parser is the
 * whole attack surface a local user has on the daemon, and it is fuzzed.
 */

#define CORDON_CTL_VERSION     1
#define CORDON_CTL_RUN_DIR     "/run/cordon"
#define CORDON_CTL_SOCKET      "/run/cordon/cordon.sock"
#define CORDON_CTL_MAX_MSG     (128u * 1024) /* a request or reply message, bytes */
#define CORDON_CTL_MAX_POLICY  (96u * 1024)  /* policy_text, bytes */
#define CORDON_CTL_MAX_PATH    4095
#define CORDON_CTL_MAX_ALLOW   16 /* allow_connect entries, allow entries */
#define CORDON_CTL_SESSION_LEN 32 /* lower-case hex digits */
#define CORDON_CTL_SESSION_MIN 4  /* end and audit take a unique prefix this long or longer */

enum cordon_ctl_op {
	CORDON_CTL_HELLO,
	CORDON_CTL_CREATE,
	CORDON_CTL_LIST,
	CORDON_CTL_END,
	CORDON_CTL_AUDIT,
	CORDON_CTL_SPAWN,
};

/*
 * spawn: the descriptors that come with the request (SCM_RIGHTS), in this order: the agent's
 * stdin, stdout and stderr, an O_PATH descriptor of the project (proof the caller reaches it),
 * and optionally the caller's own audit log, opened by the caller.
 */
enum {
	CORDON_SPAWN_FD_STDIN,
	CORDON_SPAWN_FD_STDOUT,
	CORDON_SPAWN_FD_STDERR,
	CORDON_SPAWN_FD_PROJECT,
	CORDON_SPAWN_FD_AUDIT,
	CORDON_SPAWN_FDS
};
#define CORDON_SPAWN_MAX_ARGS 4096 /* argv or env entries */

struct cordon_ctl_request {
	enum cordon_ctl_op op;
	const char *policy;	   /* create: a policy name the daemon looks up, or NULL */
	const char *policy_text;   /* create: YAML the client read itself, or NULL */
	size_t policy_len;	   /* bytes of policy_text */
	const char *policy_file;   /* create: where policy_text came from, for diagnostics */
	const char *project;	   /* create: absolute, normalised by the client */
	const char *ssh_auth_sock; /* create: the caller's agent socket, or NULL */
	const char *hosts_text; /* create: the caller's own hosts.yaml (its host sets), or NULL */
	size_t hosts_len;
	const char *allow_connect[CORDON_CTL_MAX_ALLOW]; /* create: --allow-connect rules */
	size_t nallow_connect;
	const char *allow[CORDON_CTL_MAX_ALLOW]; /* --allow-read/write/exec/bind, "KIND ARG" */
	size_t nallow;
	const char *session; /* end, audit: a prefix of CORDON_CTL_SESSION_MIN or more digits */
	const char *cwd;     /* spawn: where the agent starts (entered as its user) */
	const char **argv;   /* spawn: NULL-terminated, at least one entry */
	const char **env;    /* spawn: NULL-terminated "NAME=value" entries */
	bool allow_degraded; /* spawn: run with rules no layer enforces */
	bool json;	     /* spawn: the start report as JSON */
	bool audit_stdout;   /* spawn: the session's records on stdout too */
	bool audit_journal;  /* spawn: and to journald */
	bool quiet;	     /* spawn: no start line (a count of unenforced rules still) */
	bool verbose;	     /* spawn: every unenforced rule listed, not grouped */
	bool observe;	     /* spawn: observe mode (cordon run --observe) */
	json_t *root;	     /* owns every string above */
};

/*
 * Parse and validate one message. Returns 0, or -EINVAL / -EPROTO / -EMSGSIZE / -ENOMEM with
 * a reason in @err (for the reply; never echoes the message's bytes).
 */
int cordon_ctl_parse_request(const void *buf, size_t len, struct cordon_ctl_request *req, char *err,
			     size_t errlen);
void cordon_ctl_request_free(struct cordon_ctl_request *req);

const char *cordon_ctl_op_name(enum cordon_ctl_op op);

/* A reply skeleton {"v":1,"ok":true} or an error reply; NULL on ENOMEM. */
json_t *cordon_ctl_ok(void);
json_t *cordon_ctl_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send @msg (not consumed) as one message; 0 or -errno (-EMSGSIZE when too big). */
int cordon_ctl_send(int fd, const json_t *msg);

/*
 * Receive one message into a new object, waiting at most @timeout_ms (-1: forever). -EPIPE when
 * the peer closed, -EPROTO for a message that is not a JSON object, -EMSGSIZE when truncated.
 */
int cordon_ctl_recv(int fd, json_t **out, int timeout_ms);

/* The pids in cgroup @cgroup (its cgroup.procs) as a JSON array; empty when unreadable. */
json_t *cordon_cgroup_pids_json(const char *cgroup);

/* Connect to the daemon at @path (NULL: CORDON_CTL_SOCKET). A descriptor, or -errno. */
int cordon_ctl_connect(const char *path);

/*
 * Send @msg with descriptors @fds[0..@nfds) attached (SCM_RIGHTS); 0 or -errno.
 * Receive one message and up to @max descriptors (close-on-exec) into @fds, their count in
 * @nfds: 0, -EPIPE when the peer closed, -EMSGSIZE or -EPROTO (then nothing is kept open).
 */
int cordon_ctl_send_fds(int fd, const json_t *msg, const int *fds, size_t nfds);
int cordon_ctl_recv_fds(int fd, void *buf, size_t bufsize, size_t *len, int *fds, size_t max,
			size_t *nfds);

/* One request and its reply (replies with ok=false are returned as 0 too). */
int cordon_ctl_call(int fd, const json_t *req, json_t **reply, int timeout_ms);

#endif /* CORDON_SYS_H */
