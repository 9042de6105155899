/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef CORDON_POLICY_H
#define CORDON_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- policy ---- */
/*
 * The policy model: what a parsed, composed and resolved policy holds, the error list every
 * stage fills with FILE:LINE:COL messages, and the entry points of parse / expand / merge / lookup.
 */

#define POLICY_MAX_FILE_BYTES (1u << 20) /* bigger files are refused before parsing */
#define POLICY_MAX_LIST	      4096	 /* entries per list: bounds every merge to O(n*m) */
#define POLICY_MAX_ERRORS     100	 /* errors kept per run; the rest are counted */
#define POLICY_MAX_EXTENDS    8		 /* depth of the extends chain */
#define POLICY_MAX_PATH	      4095

/* One diagnostic: 1-based line and column of the offending node. */
struct policy_error {
	char *file;
	int line;
	int col;
	char *msg;
};

struct policy_errors {
	struct policy_error *v;
	size_t n;
	size_t cap;
	size_t dropped; /* errors past POLICY_MAX_ERRORS, counted not kept */
};

int policy_errorf(struct policy_errors *errs, const char *file, int line, int col, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));
void policy_errors_free(struct policy_errors *errs);

/* A string value with the place it was written, so later stages can still point at it. */
struct pol_item {
	char *s;
	char *file;
	int line;
	int col;
};

/*
 * A list as written. @set: the key was present. @replace: written as {replace: [...]}, so it
 * discards what extends inherited instead of adding to it (allow-lists only).
 */
struct pol_list {
	struct pol_item *v;
	size_t n;
	bool set;
	bool replace;
};

#define POL_PROTO_TCP (1u << 0)
#define POL_PROTO_UDP (1u << 1)

/*
 * One network rule. Exactly one of: @host (a DNS name), @hostset (a "@name" reference, expanded
 * away during resolution except the dynamic set "dns"), or an address: @addr is IPv6 or
 * IPv4-mapped, @plen counts bits of that 128-bit form (an IPv4 /24 is 96 + 24).
 * Host-set members carry no ports (lo = hi = 0, protos = 0).
 */
struct pol_net {
	char *text; /* the entry as written, for messages and `policy show` */
	char *host;
	char *hostset;
	uint8_t addr[16];
	uint8_t plen;
	uint16_t lo;
	uint16_t hi;
	uint8_t protos;
	char *file;
	int line;
	int col;
};

struct pol_net_list {
	struct pol_net *v;
	size_t n;
	bool set;
	bool replace;
};

struct pol_hostset {
	char *name;
	struct pol_net_list members;
};

enum pol_mode {
	POL_MODE_UNSET,
	POL_MODE_BEST_EFFORT,
	POL_MODE_STRICT
};
enum pol_ptrace {
	POL_PTRACE_UNSET,
	POL_PTRACE_SESSION,
	POL_PTRACE_NONE
};
enum pol_signal {
	POL_SIGNAL_UNSET,
	POL_SIGNAL_ANY,
	POL_SIGNAL_SESSION
};
/*
 * process.lifetime: whether processes the agent leaves may outlive it. Ordered like the other
 * enums, from unset to strictest: a floor's `agent` forbids detached sessions.
 */
enum pol_lifetime {
	POL_LIFETIME_UNSET,
	POL_LIFETIME_DETACHED, /* they run on, confined, until the last exits or `cordon end` */
	POL_LIFETIME_AGENT     /* everything left is killed when the agent's main process exits */
};

/* audit.record values */
#define POL_AUDIT_DENY	  (1u << 0)
#define POL_AUDIT_EXEC	  (1u << 1)
#define POL_AUDIT_CONNECT (1u << 2)
#define POL_AUDIT_FILE	  (1u << 3)
#define POL_AUDIT_SECRET  (1u << 4)
#define POL_AUDIT_PROCESS (1u << 5)
#define POL_AUDIT_ALL	  ((1u << 6) - 1)

struct policy {
	char *name;
	char *file; /* where it was read from ("builtin:agent" for embedded ones) */
	/* Provenance for the start line: every file of the extends chain (and the floor), with a
	 * note where a user file shadows, or was refused the right to shadow, another. NULL: @file. */
	char *origin;
	struct pol_item extends; /* .s == NULL: none */
	enum pol_mode mode;

	struct pol_list fs_read, fs_write, fs_exec, fs_protect;
	/* Files the agent replaces atomically (temp file + rename): kept in a private directory
	 * with a symlink at their name (enforce/home.c). Grants nothing beyond fs_write. */
	struct pol_list fs_atomic;
	/* Write trees whose writes stay with the project: an overlay with an upper directory of
	 * the project's own (enforce/layers.c), so a cache the developer's own tools later run
	 * from (~/.npm/_npx, ~/.m2, ~/.cargo/registry) never holds what a session planted. Grants
	 * nothing fs_write does not. */
	struct pol_list fs_cache;
	struct pol_list sec_files, sec_patterns, env_deny, env_keep;

	struct pol_net_list connect, bind;
	struct pol_list unix_deny;
	struct pol_list unix_allow; /* pathname unix sockets reachable (default deny) */
	struct pol_hostset *hosts;
	size_t nhosts;

	struct pol_list exec_deny;
	enum pol_ptrace ptrace;
	enum pol_signal signal;
	enum pol_lifetime lifetime;

	/* 0 = not set (no limit). memory in bytes, cpu in percent of one CPU. */
	uint64_t pids, memory, cpu, nofile;

	/* network.dns: exfiltration limits on names allowed through a wildcard; 0 = default. */
	uint64_t dns_max_label, dns_max_labels;

	uint32_t audit;
	bool audit_set;

	/*
	 * Not from YAML: set when a session starts (enforce/gitrepos.c), which appends to
	 * fs_protect the files of the git repositories it finds in the write trees. @protect_found:
	 * how many entries it appended; @protect_search_cut: it stopped at a bound, so
	 * repositories beyond are protected only by the sweep at the end (a listed gap).
	 */
	size_t protect_found;
	bool protect_search_cut;
	/* work trees whose hooks directory git did not say (core.hooksPath left to the sweep) */
	size_t protect_hooks_unknown;
};

void policy_free(struct policy *p);
static inline void policy_freep(struct policy **p)
{
	if (*p)
		policy_free(*p);
}
#define _cleanup_policy_ __attribute__((cleanup(policy_freep)))

/*
 * Parse one policy from memory. @file names it in errors. Returns 0 and *out, or -EINVAL with
 * every problem found appended to @errs (never just the first), or -ENOMEM.
 * The result is unexpanded and unmerged: ${VARIABLES} are checked for being known, not replaced.
 */
int policy_parse(const char *file, const char *buf, size_t len, struct policy **out,
		 struct policy_errors *errs);

/* Read @path (refusing > POLICY_MAX_FILE_BYTES) and parse it. */
int policy_parse_file(const char *path, struct policy **out, struct policy_errors *errs);

/* The variables ${NAME} may refer to. A NULL value is "not set". */
struct policy_vars {
	const char *home;
	const char *project;
	const char *tmpdir;
	const char *user;
	const char *xdg_config_home;
	const char *xdg_cache_home;
	const char *ssh_auth_sock;
};

/* 1 if @name (without ${}) is a known variable. */
bool policy_var_known(const char *name, size_t len);

/* Storage for values policy_vars_from_env() computes (cwd, XDG defaults). */
struct policy_vars_buf {
	char project[4096];
	char config[4096];
	char cache[4096];
};

/*
 * Fill @vars from the process environment and @project (cwd when NULL). XDG_CONFIG_HOME and
 * XDG_CACHE_HOME default to $HOME/.config and $HOME/.cache. Strings are borrowed from the
 * environment or from @buf. -ENAMETOOLONG when a default does not fit in @buf.
 */
int policy_vars_from_env(struct policy_vars *vars, const char *project,
			 struct policy_vars_buf *buf);

/* Placeholder absolute values for validation (`policy check`): results do not depend on the
 * caller's environment. */
void policy_vars_placeholder(struct policy_vars *vars);

/*
 * Expand ${VAR} in every path list and normalise lexically: absolute, no "." or "..",
 * no duplicate or trailing slash. An entry whose only content is an unset ${SSH_AUTH_SOCK} is
 * dropped (there is no agent socket to protect). Errors point at the entry.
 */
int policy_expand(struct policy *p, const struct policy_vars *vars, struct policy_errors *errs);

/* Lexical normalisation of an absolute path into @out; -EINVAL on "..", relative, too long. */
int policy_path_normalise(const char *in, char *out, size_t outsz);

/* 1 if @path equals @tree or lies beneath it (component-wise: /a/bc is not inside /a/b). */
bool policy_path_inside(const char *path, const char *tree);

/* Policy lookup: where names are searched. NULL members take the defaults. */
struct policy_search {
	const char *system_dir; /* default /etc/cordon/policies */
	const char
		*user_dir; /* default ${XDG_CONFIG_HOME:-$HOME/.config}/cordon/policies; "": none */
	bool no_builtin;   /* tests: skip the embedded set */
	/* refuse references by path: the daemon, as root, must not open files a user names */
	bool names_only;
	/*
	 * Root-launched sessions: a name resolves in the system directory, then the built-in set,
	 * and only then the user directory, so a user's file never shadows a system or built-in
	 * policy of the same name (one escape must not weaken every later session). The opt-in is
	 * to name the user's file by path.
	 */
	bool user_last;
};

enum policy_source {
	POLICY_SRC_PATH,
	POLICY_SRC_SYSTEM,
	POLICY_SRC_USER,
	POLICY_SRC_BUILTIN
};
const char *policy_source_name(enum policy_source src);

/*
 * Load (parse only) the policy @ref: a path when it contains '/' or ends in ".yaml", "builtin:NAME"
 * for the embedded one, otherwise a name searched in system_dir, user_dir, then the embedded set.
 * -ENOENT when not found (an error is appended with @file/@line/@col as position).
 */
int policy_load_ref(const char *ref, const struct policy_search *search, const char *file, int line,
		    int col, struct policy **out, struct policy_errors *errs);

/* A listed policy. */
struct policy_entry {
	char *name;
	enum policy_source source;
	char *path;    /* file path, or "builtin:NAME" */
	bool shadowed; /* another source with the same name wins over this one */
	bool shadows;  /* this one wins over another source with the same name */
};

/* Every policy available, system first, then user, then builtin; shadowing follows the order
 * names resolve in (@search->user_last). Returns the count or -errno. */
int policy_list(const struct policy_search *search, struct policy_entry **out);
void policy_entries_free(struct policy_entry *v, size_t n);

/* Embedded policies compiled into the binary. */
struct policy_embedded {
	const char *name;
	const char *data;
	size_t len;
};
size_t policy_embedded_count(void);
const struct policy_embedded *policy_embedded_get(size_t i);
const struct policy_embedded *policy_embedded_find(const char *name);

#define POLICY_DEFAULT	  "agent"
#define POLICY_FLOOR_PATH "/etc/cordon/floor.yaml"
#define POLICY_SYSTEM_DIR "/etc/cordon/policies"

/*
 * Compose @p with its extends chain (loaded through @search; cycles and depth > 8 refused), so
 * that *out has no extends left. @p is consumed.
 */
int policy_compose(struct policy *p, const struct policy_search *search, struct policy **out,
		   struct policy_errors *errs);

/* Replace "@set" references in connect/bind by the members of the set (floor's sets win). */
int policy_expand_hostsets(struct policy *p, const struct policy *floor,
			   struct policy_errors *errs);

/*
 * Narrow @p by @floor (both composed, expanded and host-set expanded): allow-lists intersected,
 * deny lists united, limits minimum, mode/ptrace/signal stricter. See docs/policy.md.
 */
int policy_apply_floor(struct policy *p, const struct policy *floor);

/* Checks that need the whole resolved policy (non-empty read/exec allow-lists). */
int policy_validate_resolved(const struct policy *p, struct policy_errors *errs);

/*
 * The whole pipeline: load @ref, compose, expand with @vars, expand host sets, merge the floor
 * at @floor_path (NULL: no floor; a missing file is not an error), validate.
 */
struct policy_resolve_opts {
	const struct policy_search *search;
	const struct policy_vars *vars;
	const char *floor_path;
	bool fragment_ok; /* `check`: a building block need not have read/exec lists of its own */
	/*
	 * A user's own host sets (network.hosts of the hosts.yaml in their policy directory):
	 * they replace the composed policy's sets of the same name, and the floor's still replace
	 * theirs. The same whether the policy is resolved by `cordon run` or by the daemon.
	 */
	const struct policy *user_hosts;
	/* One-off connect rules (`cordon run --allow-connect HOST:PORT`), added before the floor
	 * narrows the policy, as any rule of its own. Errors name "--allow-connect". */
	const char *const *allow_connect;
	size_t nallow_connect;
	/*
	 * One-off allows of `cordon run` ("read PATH", "write PATH", "exec PATH", "bind PORT":
	 * the option's kind, a space, its argument), added the same way. Once the floor narrowed
	 * the policy, each one (and each allow_connect) must still be allowed as given: one the
	 * floor narrowed away, or a secret, protected path or denied program it names, fails the
	 * resolve with -EPERM and an error naming the option ("--allow-read").
	 */
	const char *const *allow;
	size_t nallow;
};
int policy_resolve(const char *ref, const struct policy_resolve_opts *opts, struct policy **out,
		   struct policy_errors *errs);

/* Same, for an already parsed policy (consumed). */
int policy_resolve_parsed(struct policy *p, const struct policy_resolve_opts *opts,
			  struct policy **out, struct policy_errors *errs);

/* Deep copies and list helpers shared by the stages. */
struct policy *policy_dup(const struct policy *p);
int pol_list_append(struct pol_list *l, const struct pol_item *it);
int pol_net_list_append(struct pol_net_list *l, const struct pol_net *n);
void pol_list_clear(struct pol_list *l);
void pol_net_list_clear(struct pol_net_list *l);
void pol_net_clear(struct pol_net *n);
int pol_net_copy(struct pol_net *dst, const struct pol_net *src);

/* Parse a network entry ("host:443", "10.0.0.0/8:1-1024/udp", "[::1]:80", "@set:443", and for
 * @member a bare host/address/CIDR). Returns 0 or -EINVAL with a message in @msg. */
int pol_net_parse(const char *text, bool member, bool bind, struct pol_net *out, char *msg,
		  size_t msgsz);
/* Does entry @a's address space hold @b's (a name: the same, or a wildcard above it)? Ports and
 * protocols are not compared. */
bool pol_net_covers(const struct pol_net *a, const struct pol_net *b);
/* Render an address rule's address part ("10.0.0.0/8", "::1", ...) into @buf. */
void pol_net_format_addr(const struct pol_net *n, char *buf, size_t bufsz);

/* The resolved policy as JSON (jansson json_t *, returned as void * to keep jansson out of
 * this header). */
void *policy_to_json(const struct policy *p);

/* ---- policy_yaml ---- */
/*
 * The YAML layer of the policy parser: libfyaml's event stream turned into a small tree whose
 * every node knows its 1-based line and column. Refuses what a policy never needs and an
 * attacker could abuse: aliases, anchors, tags, several documents, duplicate keys, bad UTF-8.
 */

enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP
};

struct ynode {
	enum ynode_type type;
	int line;
	int col;
	bool plain; /* scalar written without quotes (so "null" / "~" / "" may mean null) */
	bool alias; /* placeholder for a refused alias: already reported, skipped by the schema */
	char *str;  /* scalar text, NUL-terminated */
	size_t len; /* scalar length (may contain a NUL written as "\0": callers refuse it) */
	struct ynode **kids; /* sequence items; mapping: kids[2i] key, kids[2i+1] value */
	size_t n;	     /* items, or kids for a mapping (2 per pair) */
	size_t cap;
};

/*
 * Parse @buf into a tree. Returns 0 and *root (NULL for an empty document), or -EINVAL with
 * errors appended, or -ENOMEM. *refused is set when the tree is complete but used something a
 * policy may not (alias, anchor, tag, duplicate key): errors are appended and the tree is still
 * returned, so the schema checks can report the rest of the file's problems too.
 */
int yaml_tree_parse(const char *file, const char *buf, size_t len, struct ynode **root,
		    bool *refused, struct policy_errors *errs);
void yaml_tree_free(struct ynode *n);

/* A plain null: "~", "null", or nothing. */
bool ynode_is_null(const struct ynode *n);
const char *ynode_type_name(const struct ynode *n);

#endif /* CORDON_POLICY_H */
