/* SPDX-License-Identifier: GPL-2.0-only */
/* Audit: ring-buffer record checks, records, their JSON formats, sinks and the stream that joins them. */
#ifndef CORDON_AUDIT_H
#define CORDON_AUDIT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <string.h>
#include <sys/types.h>

#include "events.h"
#include "maps.h"
#include "compile/compile.h"
#include "policy/policy.h"

/* ---- event ---- */
/*
 * Validation and naming of ring-buffer records (bpf/events.h). Records come from the kernel but
 * describe an agent's actions: every length is checked before a field is read.
 */

/*
 * Check a record of @size bytes. Returns its type (> 0) when it is well formed (a longer record
 * of a newer version is accepted: fields are only ever appended), -EOPNOTSUPP for an unknown
 * type (skip it), -EBADMSG when it is truncated or its header lies about its size.
 */
int cordon_event_check(const void *data, size_t size);

/*
 * An operation cordon let go ahead narrowed rather than refused (CORDON_EVENT_CONFINED, verdict
 * 0). The only one is a listener bound to loopback (tcp_listen); the flag means nothing on
 * another record. Its record says cordon.confined_to and is no refusal.
 */
static inline bool cordon_event_confined(const struct cordon_event_hdr *h)
{
	return !h->verdict && (h->flags & CORDON_EVENT_CONFINED) && h->type == CORDON_EV_CONNECT &&
	       h->hook == CORDON_HOOK_TCP_LISTEN;
}

/*
 * Observe mode: a refusal (a verdict) or a confinement (CONFINED) the session let through and
 * recorded (CORDON_EVENT_OBSERVED). Its record says event.outcome "unknown" and
 * cordon.observed true; every other record's outcome is "failure" with a verdict, else
 * "success".
 */
static inline bool cordon_event_observed(const struct cordon_event_hdr *h)
{
	return (h->verdict || cordon_event_confined(h)) && (h->flags & CORDON_EVENT_OBSERVED);
}

static inline const char *cordon_event_outcome(const struct cordon_event_hdr *h)
{
	return cordon_event_observed(h) ? "unknown" : h->verdict ? "failure" : "success";
}

/* Minimum size of a record of @type, 0 if the type is unknown. */
size_t cordon_event_min_size(unsigned int type);

/* Names from bpf/events.h's lists; "unknown" for a number not listed. */
const char *cordon_event_type_name(unsigned int type);
const char *cordon_event_hook_name(unsigned int hook);
const char *cordon_event_layer_name(unsigned int layer);

/*
 * Each record type is described once (event.c): its size, how it is reported and its fields.
 * cordon_event_check() and the JSON writer (audit_format.c) walk the description; the header's
 * fields (process, user, hook, layer, rule, error), common to every type, are not listed.
 */

/* How a field is read from the record and written. Offsets are bytes from the record's start. */
enum cordon_field_kind {
	CORDON_FIELD_U16,     /* __u16 at off: a number */
	CORDON_FIELD_U32,     /* __u32 at off: a number */
	CORDON_FIELD_I64,     /* __u64 at off: a number, signed as jansson's json_int_t prints it */
	CORDON_FIELD_I64S,    /* len / 8 __u64s at off: an array of I64 */
	CORDON_FIELD_ID,      /* __u32 at off: {"id":"<decimal>"} (ECS ids are strings) */
	CORDON_FIELD_STR,     /* agent-controlled: len bytes at off, up to a NUL: a string */
	CORDON_FIELD_ARGV,    /* agent-controlled: NUL-separated strings at off, at most len bytes
				 * and __u32 at aux of them in use: an array of strings */
	CORDON_FIELD_CMDLINE, /* the same strings joined by spaces: one string */
	CORDON_FIELD_BOOL,    /* (__u32 at off) & arg: true or false */
	CORDON_FIELD_TRUE,    /* the constant true */
	CORDON_FIELD_FALSE,   /* the constant false */
	CORDON_FIELD_CONST,   /* the constant number arg */
	CORDON_FIELD_ACCESS,  /* CORDON_ACCESS_* bits, __u32 at off: {"read","write","exec"} */
	CORDON_FIELD_TID,     /* __u32 at off: a number, only when it differs from hdr.pid */
	CORDON_FIELD_SECRET,  /* true, only when hdr.rule_id is a secret or pattern rule */
	CORDON_FIELD_EXIT_CODE, /* wait status, __u32 at off: the exit status, or 128 + signal */
	CORDON_FIELD_SIGNAL,	/* wait status, __u32 at off: its signal, only when killed by one */
	CORDON_FIELD_DURATION,	/* hdr.ts_ns - start (__u64 at off), only when start is set and
				 * not later */
	CORDON_FIELD_ADDR,	/* address (16 bytes at off, IPv6 or IPv4-mapped), __u16 port at
				 * aux, __u8 IPPROTO_* at aux2: "destination" and "network" */
	CORDON_FIELD_ADDR_TCP,	/* the same with transport "tcp", only when the __u16 family at
				 * aux2 is AF_INET or AF_INET6 */
	CORDON_FIELD_SOCKET,	/* a socket's kind, only when hdr.hook is arg: {"family":
				 * "AF_INET6"} from the __u64 at off, and when aux is set
				 * "type" ("SOCK_RAW", __u64 at aux) and "protocol" (__u64 at
				 * aux2, a number) */
};

/*
 * The object a field's key is in, in the order they appear on a line (cordon.target before
 * the type's other cordon fields). A type's fields are listed in this order.
 */
enum cordon_field_obj {
	CORDON_OBJ_EVENT,   /* event */
	CORDON_OBJ_TARGET,  /* cordon.target */
	CORDON_OBJ_CORDON,  /* cordon */
	CORDON_OBJ_PROCESS, /* process */
	CORDON_OBJ_USER,    /* user */
	CORDON_OBJ_FILE,    /* file (written only when one of its fields is) */
	CORDON_OBJ_TOP,	    /* the record itself */
};

struct cordon_event_field {
	const char *key; /* JSON key; an invalid string's bytes go to cordon.hex["obj.key"] */
	char json[24];	 /* the key as written, ,"key": (copied whole: a fixed-size copy) */
	uint8_t json_len;
	uint8_t obj;	   /* enum cordon_field_obj */
	uint8_t kind;	   /* enum cordon_field_kind */
	uint16_t off, len; /* the value: offset and size */
	uint16_t aux;	   /* ARGV, CMDLINE: bytes in use; ADDR*: the port */
	uint16_t aux2;	   /* ADDR: protocol; ADDR_TCP: family */
	uint32_t arg;	   /* BOOL: the bit; CONST: the number */
	uint16_t when_off; /* present only when the __u32 at when_off has when_bit... */
	uint32_t when_bit; /* ...; 0: always (as far as the kind says) */
};

/* event.action and event.category of a type's records for one hook; NULL: the type's own. */
struct cordon_hook_class {
	const char *action, *category;
};

struct cordon_event_desc {
	size_t size;	      /* its struct: the smallest record of the type */
	const char *action;   /* event.action; NULL: the hook's name */
	const char *category; /* event.category (one value) */
	const char *etype;    /* event.type; NULL: "denied" or "allowed" after the verdict */
	const char *error;    /* error.code whatever the verdict; NULL: the verdict's errno name */
	const struct cordon_hook_class *by_hook; /* indexed by hdr.hook: exceptions to the above */
	size_t n_by_hook;
	const struct cordon_event_field *fields; /* in the order they are written */
	size_t n_fields;
};

/* The description of @type, NULL when it is unknown. */
const struct cordon_event_desc *cordon_event_desc(unsigned int type);

/*
 * event.action of a ring-buffer record of @type (checked by cordon_event_check()), with its
 * event.category and event.type in *@category and *@etype, from the type's description; NULL
 * for an unknown type.
 */
const char *cordon_audit_classify(const struct cordon_event_hdr *h, int type, const char **category,
				  const char **etype);

/*
 * The name of socket family @family ("AF_INET6") and of socket type @type ("SOCK_RAW", its
 * SOCK_NONBLOCK and SOCK_CLOEXEC bits ignored) into @buf: "AF_<n>" / "SOCK_<n>" for a number
 * without a name. Returns @buf.
 */
const char *cordon_socket_family_name(uint64_t family, char *buf, size_t len);
const char *cordon_socket_type_name(uint64_t type, char *buf, size_t len);

/* Copy a fixed-size, possibly unterminated kernel string into @out (always terminated). */
void cordon_event_str(char *out, size_t outlen, const __u8 *in, size_t inlen);

/* ---- audit_record ---- */
/*
 * Audit records as JSON objects, schema docs/audit-schema.md (field names from Elastic Common
 * Schema where one fits, plus cordon.*). Every string an agent controls goes through jansson,
 * never through a hand-written escaper, so it cannot forge or split a record.
 */

/* cordon.schema: bumped when a field changes meaning or type; new fields do not bump it. */
#define CORDON_AUDIT_SCHEMA 2

struct cordon_audit_ctx {
	const char *session;	   /* session name (32 hex digits) */
	const char *policy;	   /* policy name */
	const char *policy_sha256; /* hex digest of the policy source, NULL if unknown */
	const char *host;	   /* host name */
	/* the session's rules by id, for cordon.rule_text and rule_source; NULL: not named */
	const struct cordon_audit_rules *rules;
	/* one-entry cache of uid -> user name for cordon_audit_from_event() (the oracle) */
	bool uid_cached;
	uint32_t cached_uid;
	char cached_name[64];
};

/* ---- audit_rules ---- */
/*
 * The names of a session's rules, from its resolved policy: what a record's cordon.rule id
 * (POL_RULE_ID: kind << 16 | index) stands for, as "secrets.files[3]: /home/u/.ssh" with the
 * "FILE:LINE" it was written at, and the name of the default deny a record with rule 0 met.
 */
struct cordon_audit_rule {
	char *path;   /* a path list's entry as expanded (secrets, protect, exec_deny, unix) */
	bool pattern; /* a secrets.patterns entry, compiled in @pat */
	struct cordon_name_pattern pat;
	char *name;   /* "secrets.files[3]: /home/u/.ssh" (paths expanded); NULL: no such rule */
	char *source; /* "FILE:LINE" of the entry; NULL when it has no place (a built-in) */
	char *json;   /* ,"rule_text":...,"rule_source":... as written (jansson-encoded) */
	size_t json_len;
};

#define CORDON_AUDIT_RULE_KINDS 16

struct cordon_audit_rules {
	struct cordon_audit_rule *v[CORDON_AUDIT_RULE_KINDS]; /* by kind, then index */
	size_t n[CORDON_AUDIT_RULE_KINDS];
};

/* Name every entry of @p's deny and network lists. 0 or -ENOMEM (nothing left allocated). */
int cordon_audit_rules_build(const struct policy *p, struct cordon_audit_rules *out);
void cordon_audit_rules_free(struct cordon_audit_rules *r);

/*
 * @r as JSON, to be kept with a session that outlives its writer (the daemon's session registry:
 * a restarted daemon names the rules of the sessions it adopts): [[kind, index, name, source,
 * text], ...], text being the path or pattern an entry matches (null for network entries). A new
 * reference, NULL on allocation failure.
 */
json_t *cordon_audit_rules_to_json(const struct cordon_audit_rules *r);
/*
 * The table back from cordon_audit_rules_to_json()'s @j, validated whole: every entry an array of
 * a known kind, an index below 0x10000 (at most CORDON_AUDIT_RULES_MAX entries in all), a name,
 * and strings or nulls for the rest. 0, -EINVAL (nothing kept) or -ENOMEM.
 */
#define CORDON_AUDIT_RULES_MAX 65536
int cordon_audit_rules_from_json(json_t *j, struct cordon_audit_rules *out);

/* The rule @id of @r, NULL when @r is NULL or has no such entry. */
const struct cordon_audit_rule *cordon_audit_rule_find(const struct cordon_audit_rules *r,
						       uint32_t id);

/*
 * The entry of @r that refuses @path (absolute; @real: the file it reaches, or NULL), as a
 * rule id: a secret (files, unix deny, name patterns with their exceptions) for any access, a
 * protected tree when @write, a denied program when @exec; 0: none (a default deny).
 */
uint32_t cordon_audit_rule_of_path(const struct cordon_audit_rules *r, const char *path,
				   const char *real, bool write, bool exec);

/*
 * Attribute the syscall-exit refusal @s (the tracepoint saw an errno, not a rule) against the
 * session's rules @r: its pathname argument made absolute against the task's working directory
 * (read now from /proc/PID/cwd), or the directory descriptor of an *at() call (the record's
 * dirfd, read now from /proc/PID/task/TID/fd: racy, see audit_rules.c), lexically normalised,
 * and the entry that
 * covers it as hdr.rule_id. @real gets the file the path reaches now (empty when it does not
 * resolve). Returns 0, or -ESRCH / -ENAMETOOLONG when the path could not be made absolute (the
 * record is then unchanged).
 */
int cordon_audit_attribute_syscall(const struct cordon_audit_rules *r,
				   struct cordon_event_syscall *s, char *real, size_t real_len);

/*
 * The host tier's attribution of one session's syscall-exit refusals, shared by root's `cordon
 * run` and the daemon so both write the same record for the same event (audit_attrib.c). What
 * it needs of the session besides its rules: the Landlock rules it runs under, the secret masks
 * and own trees of its view, and the user it runs as (for the permission checks of a walk).
 */
struct cordon_attrib {
	bool known;		/* the session's rules below are known; else nothing is dropped */
	struct pol_landlock ll; /* handled rights, path and port rules (abi 0: no Landlock) */
	char **secrets;		/* CORDON_ATTRIB_SECRET: masked unreadable in the view */
	size_t nsecrets;
	char **hidden; /* CORDON_ATTRIB_HIDDEN: trees of the view's own (its /tmp) */
	size_t nhidden;
	char **keep; /* CORDON_ATTRIB_KEEP: host paths the view binds back into those */
	size_t nkeep;
	char **noexec; /* CORDON_ATTRIB_NOEXEC: exec_deny programs masked noexec in the view */
	size_t nnoexec;
	uid_t uid; /* the session's user, with its groups (permission checks of a walk) */
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	/* The session's root (/proc/INIT/root, its view), held: a record whose task has exited
	 * is still resolved in it. 0 or less: none yet (the record's task's own is used). */
	int root_fd;
};

enum cordon_attrib_list {
	CORDON_ATTRIB_SECRET,
	CORDON_ATTRIB_HIDDEN,
	CORDON_ATTRIB_KEEP,
	CORDON_ATTRIB_NOEXEC
};

/* @a known, with a copy of @ll and the user. 0 or -ENOMEM (cordon_attrib_free() anyway). */
int cordon_attrib_init(struct cordon_attrib *a, const struct pol_landlock *ll, uid_t uid, gid_t gid,
		       const gid_t *groups, size_t ngroups);
/* Add a copy of the absolute @path to list @which. 0 or -ENOMEM. */
int cordon_attrib_add(struct cordon_attrib *a, enum cordon_attrib_list which, const char *path);
void cordon_attrib_free(struct cordon_attrib *a);
/* Hold @fd (O_PATH, the session's root directory as its tasks see it; taken) in @a. */
void cordon_attrib_set_root(struct cordon_attrib *a, int fd);
/*
 * @a as JSON, for the daemon from its spawn worker (which computed it), and back, validated
 * whole (absolute paths, known keys' types, bounded counts): 0, -EINVAL (nothing kept) or
 * -ENOMEM.
 */
json_t *cordon_attrib_to_json(const struct cordon_attrib *a);
int cordon_attrib_from_json(json_t *j, struct cordon_attrib *out);

/*
 * Attribute the syscall-exit refusal @s of a session: cordon_audit_attribute_syscall()'s
 * absolute path and rule id, the file the path reaches resolved as the task sees it (in its
 * root, /proc/PID/root: its view) and as its user may (never past a directory the user cannot
 * search, never out of that root); a secret mask named as the layer (mount_ns); an EACCES the
 * session's rules would have allowed (file permissions, a TCP bind Landlock does not judge) is
 * not cordon's, nor the read-only view's EROFS for a creation or delete in a directory whose
 * permissions refuse the user anyway. Returns 1 when not cordon's, else 0 (the record kept, attributed as far as it
 * could be: a task gone or an unknown session is never dropped).
 */
int cordon_audit_attribute(const struct cordon_attrib *a, const struct cordon_audit_rules *r,
			   struct cordon_event_syscall *s);

/*
 * The name of the default a refusal with rule id 0 met ("network.connect: no entry allows
 * it"), from its type, hook and layer; NULL when the record names nothing cordon decided.
 */
const char *cordon_audit_default_rule(const struct cordon_event_hdr *h, int type);

/*
 * The common part of every record: a new object, or NULL. @action is event.action, @outcome
 * event.outcome (NULL: omitted), @category and @type single ECS values for event.category and
 * event.type (NULL: omitted).
 */
json_t *cordon_audit_record(const struct cordon_audit_ctx *c, const char *action,
			    const char *category, const char *type, const char *outcome,
			    uint64_t realtime_ns);

/* Older name of cordon_audit_record() for session records: event.category "session". */
json_t *cordon_audit_base(const struct cordon_audit_ctx *c, const char *action, const char *outcome,
			  uint64_t realtime_ns);

/*
 * The events-lost record: @total records lost (by the session of @c when it names one: `cordon
 * run`; else by every session on the ring, since the programs were loaded: the daemon's),
 * @delta of them since the previous such record.
 */
json_t *cordon_audit_lost(const struct cordon_audit_ctx *c, uint64_t total, uint64_t delta,
			  uint64_t realtime_ns);

/*
 * The pin-restored record: the pinned link @pin of an enforcing program was removed from
 * outside (root) while the daemon held the link, so nothing was detached; the daemon pinned it
 * again. Its session is the daemon's.
 */
json_t *cordon_audit_pin_restored(const struct cordon_audit_ctx *c, const char *pin,
				  uint64_t realtime_ns);

/*
 * Set @key of @obj to the string @s of @len bytes (stopping at a NUL). Valid UTF-8 is stored as
 * is; otherwise invalid bytes become U+FFFD and the exact bytes are kept, hex-encoded, under
 * cordon.hex[@field] of @rec (when @rec is not NULL). Returns 0 or -ENOMEM.
 */
int cordon_audit_set_str(json_t *rec, json_t *obj, const char *key, const char *field,
			 const void *s, size_t len);

/* network.transport of an IPPROTO_* number: "tcp", "udp" or "other". */
const char *cordon_audit_transport(unsigned int protocol);

/*
 * A query the session's resolver did not answer from upstream (event.action dns-refused):
 * dns.question.name and .type, cordon.reason (not-allowed, record-type, label-length, ...).
 */
json_t *cordon_audit_dns_refused(const struct cordon_audit_ctx *c, const char *name,
				 const char *qtype, const char *reason, uint64_t realtime_ns);
/* The user name of @uid into @name (empty when it does not resolve). May read files or ask NSS. */
void cordon_audit_user_lookup(uint32_t uid, char *name, size_t len);

/* Is @s (@n bytes) valid UTF-8, as jansson checks it? */
bool cordon_utf8_valid(const void *s, size_t n);

/*
 * Invalid UTF-8 made readable: @clean (room for 3 * @n bytes) gets @s with each invalid byte
 * replaced by U+FFFD, @hex (room for 2 * @n + 1) the exact bytes in lowercase hex. Returns the
 * length of @clean.
 */
size_t cordon_utf8_repair(const void *s, size_t n, char *clean, char *hex);

/* CLOCK_REALTIME ns for a CLOCK_BOOTTIME ns stamp from BPF. */
uint64_t cordon_boot_to_realtime(uint64_t boot_ns);
uint64_t cordon_realtime_ns(void);
uint64_t cordon_boottime_ns(void);

/* RFC 3339 UTC with nanoseconds ("2026-11-23T10:00:00.123456789Z") into @buf (>= 32 bytes). */
void cordon_audit_rfc3339(uint64_t realtime_ns, char *buf, size_t len);

/* Parse cordon_audit_rfc3339()'s format (also without fraction); 0 or -EINVAL. */
int cordon_audit_parse_time(const char *s, uint64_t *out);

/* Append @rec as one line to @fd (one write of the whole line, O_APPEND). Consumes @rec. */
int cordon_audit_write(int fd, json_t *rec);

/* ---- audit_format ---- */
/*
 * The one writer from a ring-buffer record to its JSON line, walking the type's description
 * (cordon_event_desc()): fixed fields (numbers, names from cordon's tables, the time stamp) are
 * written straight into the sink's line buffer, every string an agent controls is encoded by
 * jansson, and the per-session fields are encoded once. The test oracle
 * cordon_audit_from_event() (audit_oracle.c) builds the objects the lines must parse to.
 */

/* A byte buffer lines are appended to: grown with realloc, or a caller's fixed array. */
struct cordon_audit_buf {
	char *p;
	size_t len, cap;
	bool fixed;    /* a caller's array: never reallocated */
	bool overflow; /* an append did not fit (fixed) or memory ran out: the content is cut */
};

int cordon_audit_buf_grow(struct cordon_audit_buf *b, size_t n);

/* Make room for @n more bytes. Returns 0, or -ENOMEM (and sets overflow). */
static inline int cordon_audit_buf_reserve(struct cordon_audit_buf *b, size_t n)
{
	return b->cap - b->len >= n ? 0 : cordon_audit_buf_grow(b, n);
}

/* Append @n bytes (overflow is set when they do not fit). */
static inline void cordon_audit_buf_put(struct cordon_audit_buf *b, const void *s, size_t n)
{
	if (cordon_audit_buf_reserve(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

/* The fields of a record journald indexes (CORDON_SESSION, ...); NULL when absent. */
struct cordon_audit_keys {
	const char *session, *policy, *action, *outcome, *layer;
};

#define CORDON_AUDIT_CLOCK_EVERY  64
#define CORDON_AUDIT_PREFIX_SLOTS 16
#define CORDON_AUDIT_UID_SLOTS	  8
#define CORDON_AUDIT_CLASS_SLOTS  16

/*
 * Caches of the formatter; zero-initialised is ready, nothing to free. Entries are checked
 * against what they were made from on every use, so a session context that was freed and
 * reused for another session can never lend its fields to a record.
 */
struct cordon_audit_format {
	/*
	 * destination.domain of connect records: the name whose answer allowed the address
	 * (the session resolver's table, cordon_dns_name_of()); NULL: never written.
	 */
	const char *(*domain_of)(void *arg, const uint8_t addr[16]);
	void *domain_arg;
	/* CLOCK_REALTIME - CLOCK_BOOTTIME, read again every CORDON_AUDIT_CLOCK_EVERY records */
	uint64_t boot_offset;
	unsigned int clock_uses;
	/* "YYYY-MM-DDTHH:MM:SS." of the second last formatted */
	bool time_valid;
	uint64_t time_sec;
	char date[40];
	size_t date_len;
	/* "host":{...},"cordon":{"schema":2,"session":...,"policy":...,"policy_sha256":... */
	struct {
		bool used;
		size_t key_len, len;
		char key[384]; /* session, policy, sha256, host: flag byte + string + NUL each */
		char json[1024];
	} prefix[CORDON_AUDIT_PREFIX_SLOTS];
	/* ,"user":{"id":"N","name":...  (closed by the caller: exec adds user.effective) */
	struct {
		bool used;
		uint32_t uid;
		size_t len;
		char json[160];
	} uid[CORDON_AUDIT_UID_SLOTS];
	/*
	 * What the record's type, hook, layer and verdict (refused or not) make, the same for
	 * every record of those: event.category, type, action and outcome, then cordon.layer and
	 * hook. Made from static tables only: an entry never goes stale.
	 */
	struct {
		bool used;
		uint64_t key;
		const char *action, *outcome, *layer;
		size_t event_len, cordon_len;
		char event[160];
		char cordon[96];
	} cls[CORDON_AUDIT_CLASS_SLOTS];
	/* "name":... of the last valid UTF-8 comm */
	bool comm_used;
	uint8_t comm[16];
	size_t comm_len;
	char comm_json[112];
};

/*
 * Append the JSON line (without its newline) of the ring-buffer record @data of @size bytes,
 * for session @c, to @out, and fill @keys (may be NULL). Returns 0; -EBADMSG or -EOPNOTSUPP as
 * cordon_event_check() for a malformed or unknown record; -ENOMEM. On error, @out->len is
 * unchanged.
 */
int cordon_audit_format_event(struct cordon_audit_format *f, const struct cordon_audit_ctx *c,
			      const void *data, size_t size, struct cordon_audit_buf *out,
			      struct cordon_audit_keys *keys);

/* RFC 3339 time stamp as cordon_audit_rfc3339() writes it, through @f's per-second cache. */
void cordon_audit_format_time(struct cordon_audit_format *f, uint64_t realtime_ns,
			      struct cordon_audit_buf *out);

/* ---- audit_sink ---- */
/*
 * Where audit records go: a JSON-lines file (O_APPEND writes of whole lines, size-based
 * rotation FILE -> FILE.1 -> ... within the directory held open, optional fsync), stdout, and
 * journald (native protocol, the record as MESSAGE plus key fields) with syslog(3) as the
 * fallback. Several at once. Each line ends with "cordon.prev": the SHA-256 of the line before
 * it, continued from the file's last line at open and across rotation.
 */

enum cordon_audit_fsync {
	CORDON_AUDIT_FSYNC_NONE,   /* leave it to the page cache */
	CORDON_AUDIT_FSYNC_ROTATE, /* before rotating and at close */
	CORDON_AUDIT_FSYNC_ALWAYS, /* after every flush (one per ring-buffer drain) */
};

/* The serialisation of a sink's lines: ECS (docs/audit-schema.md) or OCSF (audit_ocsf). */
enum cordon_audit_format_kind {
	CORDON_AUDIT_FORMAT_ECS,
	CORDON_AUDIT_FORMAT_OCSF,
};

#define CORDON_AUDIT_DEFAULT_MAX_BYTES (64ull << 20)
#define CORDON_AUDIT_DEFAULT_KEEP      5

struct cordon_audit_sink_opts {
	const char *path;   /* JSON-lines file, NULL for none */
	int fd;		    /* an already open descriptor of @path to adopt (dup'ed), or -1; with
			     * no @path, a file written to but never rotated */
	uint64_t max_bytes; /* rotate before a write would pass this size; 0: never */
	unsigned int keep;  /* rotated files kept: FILE.1 (newest) .. FILE.keep */
	enum cordon_audit_fsync fsync;
	enum cordon_audit_format_kind format; /* ECS (the default) or OCSF lines */
	bool to_stdout;			      /* also write the lines to stdout */
	bool to_journal; /* also send each record to journald (syslog when journald is absent) */
};

struct cordon_audit_sink;

/* Open the sinks. Returns 0 and *out, or -errno (nothing left open). */
int cordon_audit_sink_open(const struct cordon_audit_sink_opts *o, struct cordon_audit_sink **out);

/*
 * Queue @rec (consumed) as one line. Lines are buffered and written whole by
 * cordon_audit_sink_flush(), which this calls itself when the buffer is full. Journald gets the
 * record at once. Returns 0 or -errno.
 */
int cordon_audit_sink_emit(struct cordon_audit_sink *s, json_t *rec);

/*
 * The fast path: the sink's line buffer, for a formatter to append one record to (JSON, no
 * newline) from its current length. Flushes first when the buffer is nearly full.
 */
struct cordon_audit_buf *cordon_audit_sink_line(struct cordon_audit_sink *s);

/*
 * The record appended to the line buffer from offset @start is complete: end its line, hand it
 * to journald (with @keys) and count it. Returns 0 or -errno.
 */
int cordon_audit_sink_commit(struct cordon_audit_sink *s, size_t start,
			     const struct cordon_audit_keys *keys);

/*
 * Write what is buffered, whole lines only. A file is rotated before a line would take it past
 * max_bytes, so no file is larger than that unless a single line is.
 */
int cordon_audit_sink_flush(struct cordon_audit_sink *s);

/* Flush, fsync per policy, close. */
int cordon_audit_sink_close(struct cordon_audit_sink *s);

/* Lines written (or handed to journald) and bytes written to the file, since open. */
uint64_t cordon_audit_sink_lines(const struct cordon_audit_sink *s);

/*
 * Where the next line goes: the file's device and inode, and an offset no later than that
 * line's (lines still buffered go at or after it). A reader looking for what is recorded from
 * now on starts there, and skips every file rotated before it. -ENOENT with no file.
 */
struct cordon_audit_pos {
	uint64_t dev, ino, off;
};
int cordon_audit_sink_position(const struct cordon_audit_sink *s, struct cordon_audit_pos *pos);

/* The most rotated files `cordon audit` reads back (FILE.1 .. FILE.99). */
#define CORDON_AUDIT_MAX_KEEP 99

/*
 * Parse a size for max_bytes: decimal digits with an optional K, M or G suffix (powers of
 * 1024). Returns 0, or -EINVAL (not a size) or -ERANGE (above 2^63).
 */
int cordon_audit_parse_size(const char *s, uint64_t *bytes);

/* Parse "none", "rotate" or "always". Returns 0 or -EINVAL. */
int cordon_audit_parse_fsync(const char *s, enum cordon_audit_fsync *out);

/*
 * Rotate @name -> @name.1 -> ... -> @name.@keep (the oldest is removed) in the directory
 * @dirfd. Returns 0 or -errno.
 */
int cordon_audit_rotate(int dirfd, const char *name, unsigned int keep);

/* Rotations that failed since open (writing went on in the old file). */
uint64_t cordon_audit_sink_rotate_errors(const struct cordon_audit_sink *s);

/*
 * Repeat @rec (copied; NULL: stop repeating @key's) as the first line of every file rotation
 * starts, marked cordon.rotation_copy: a session's start stays in the retained files however
 * many records follow it. 0, -ENOSPC (too many) or -ENOMEM.
 */
int cordon_audit_sink_keep_first(struct cordon_audit_sink *s, const char *key, json_t *rec);

/* The hash chain: the key every line of a sink ends with, and its digest's hex length. */
#define CORDON_AUDIT_PREV_KEY "cordon.prev"
#define CORDON_AUDIT_PREV_HEX 64

/* ---- audit_ocsf ---- */
/*
 * The OCSF 1.1 serialisation beside ECS (docs/audit-schema.md, "OCSF"): a record as an event of
 * Detection Finding (2004, refusals), File System Activity (1001), Network Activity (4001),
 * Process Activity (1007) or Base Event (0, session and pipeline records), cordon's own fields
 * under unmapped. Every string is carried as the json_t it was: never re-escaped by hand.
 */

/* @ecs (one audit record) in OCSF: a new reference, or NULL. */
json_t *cordon_audit_to_ocsf(json_t *ecs);

/* Parse "ecs" or "ocsf". 0 or -EINVAL. */
int cordon_audit_parse_format(const char *s, enum cordon_audit_format_kind *out);

/* ---- audit_chain ---- */
/*
 * Checking the hash chain the sinks write (cordon.prev). SHA-256 without a key: it shows a
 * change made to a file after it was written unless every later record is rewritten too, so
 * the newest hash (printed by the verifier, sent to journald with each record) is worth
 * keeping elsewhere.
 */
struct cordon_audit_verify {
	uint64_t records; /* lines checked so far */
	char first_prev[CORDON_AUDIT_PREV_HEX +
			1];		      /* cordon.prev of the first (zeros: log start) */
	char head[CORDON_AUDIT_PREV_HEX + 1]; /* hash of the last line checked */
};

/*
 * Check the next line (@len bytes, without its newline) of the chain @v (zero-initialised to
 * start). 0, or -EBADMSG with the reason in *@why.
 */
int cordon_audit_verify_line(struct cordon_audit_verify *v, const char *line, size_t len,
			     const char **why);

/* ---- audit_path ---- */
/*
 * Where a trusted audit log may be: out of reach of the user a session runs as. Whoever can
 * write the log's directory (or rename an ancestor) can delete the log, replace it, or claim
 * the name rotation is about to re-create.
 */

/* The user a session runs as; @anyone: every user but root (the daemon's log). */
struct cordon_audit_who {
	bool anyone;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

/*
 * The real directory of @path (symlinks resolved, into @dir) and its last component (*@base,
 * pointing into @path). 0, -EISDIR when @path names no file, or -errno from realpath().
 */
int cordon_audit_path_split(const char *path, char *dir, size_t dirlen, const char **base);

/*
 * 0 when @who can neither write the log @path (if it exists), nor its directory, nor rename
 * any ancestor (a sticky ancestor is fine when the entry below it is not @who's). -EPERM with
 * the offending path in @bad, or -errno when the directory cannot be resolved.
 */
int cordon_audit_path_check(const char *path, const struct cordon_audit_who *who, char *bad,
			    size_t badlen);

/* ---- audit_stream ---- */
/*
 * The consumer between the ring buffer and the sinks: decodes each record, drops the
 * tracepoint echo of a refusal an enforcement program already reported, counts what it saw,
 * and turns growth of the BPF drop counter into events-lost records.
 */

#define CORDON_AUDIT_TID_SLOTS 256

/*
 * Identical refusals (same session, type, hook, layer, rule, verdict and object: every byte of
 * the record but its time and process) within a window are one record in full and then one
 * summary, cordon.repeated counting the rest. A flood cannot push earlier records out of
 * retention, and nothing is uncounted.
 */
#define CORDON_AUDIT_AGG_SLOTS	   1024
#define CORDON_AUDIT_AGG_WINDOW_NS 1000000000ull
#define CORDON_AUDIT_AGG_REC	   512 /* larger records are never folded */

struct cordon_audit_agg {
	uint64_t start_ns;	    /* hdr.ts_ns of the record written in full: the window */
	uint64_t first_ns, last_ns; /* of the folded ones */
	uint64_t count;		    /* folded since the record in full */
	uint32_t size;		    /* of rec; 0: the slot is free */
	uint8_t rec[CORDON_AUDIT_AGG_REC] __attribute__((aligned(8))); /* read as a record */
};

/* cordon.session of a record whose session the lookup did not know: "unknown-" + hdr.session */
#define CORDON_AUDIT_UNKNOWN_SESSION "unknown-"

struct cordon_audit_stream {
	/*
	 * The session of every record when session_ctx is NULL (`cordon run`). With session_ctx,
	 * only ctx.host is used: for records of sessions the lookup does not know, and for
	 * events-lost records (which belong to the ring buffer, not to a session).
	 */
	struct cordon_audit_ctx ctx;
	/*
	 * Several sessions on one ring buffer (the daemon): the context of the record's session
	 * (hdr.session, hdr.cgroup_id), valid until the next call. NULL when unknown: the record
	 * is still written, with cordon.session "unknown-<hdr.session>" and no policy.
	 */
	const struct cordon_audit_ctx *(*session_ctx)(void *arg, uint32_t session_id,
						      uint64_t cgroup_id);
	void *session_arg;
	struct cordon_audit_sink *sink; /* NULL: count only */
	/* per record type: delivered by the ring buffer / written as records */
	uint64_t seen[64], written[64];
	uint64_t malformed, unknown, echoes, write_errors;
	uint64_t unknown_sessions; /* records written under "unknown-<id>" */
	uint64_t lost_reported;	   /* drop counter value of the last events-lost record */
	/*
	 * Last record of each thread (hashed): a tracepoint refusal right after an enforcement
	 * record of the same thread and errno is the same refusal seen twice.
	 */
	struct {
		uint32_t tid;
		int32_t verdict;
		uint16_t type;
	} last[CORDON_AUDIT_TID_SLOTS];
	struct cordon_audit_format fmt; /* the fast formatter's caches */
	bool no_aggregate;		/* write every refusal in full */
	struct cordon_audit_agg *agg;	/* CORDON_AUDIT_AGG_SLOTS, allocated on first use */
	uint64_t agg_pending;		/* slots with folded records not yet summarised */
	uint64_t folded[64];		/* per type: refusals folded into a summary's count */
	uint64_t summaries;		/* summary records written */
	uint64_t confined;		/* written records of operations narrowed, not refused */
};

/* One ring-buffer record. Never fails: problems are counted. Returns 0 (libbpf callback form). */
int cordon_audit_stream_event(struct cordon_audit_stream *st, const void *data, size_t size);

/*
 * The BPF drop counter now reads @total: emit an events-lost record when it grew since the
 * last one. Returns 1 when a record was emitted, else 0.
 */
int cordon_audit_stream_drops(struct cordon_audit_stream *st, uint64_t total);

/*
 * Refusals seen so far (records with a non-zero verdict, echoes excluded, folded included;
 * confinements, CORDON_EVENT_CONFINED, are none).
 */
uint64_t cordon_audit_stream_refusals(const struct cordon_audit_stream *st);

/*
 * Summarise the windows that ended by @now_boot_ns (CLOCK_BOOTTIME; UINT64_MAX: all of them,
 * at the end of a session). Returns the summaries written.
 */
int cordon_audit_stream_tick(struct cordon_audit_stream *st, uint64_t now_boot_ns);

/* Summarise what is pending and free what the stream allocated (it stays usable). */
void cordon_audit_stream_release(struct cordon_audit_stream *st);

/* ---- audit_suggest ---- */
/* The policy list an entry that allows a refused object goes to. */
enum cordon_suggest_list {
	CORDON_SUGGEST_READ,
	CORDON_SUGGEST_WRITE,
	CORDON_SUGGEST_EXEC,
	CORDON_SUGGEST_CONNECT,
	CORDON_SUGGEST_BIND,
	CORDON_SUGGEST_UNIX,
	CORDON_SUGGEST_NONE, /* no entry can allow it: a deny entry, a built-in rule, no object */
};

/*
 * The narrowest entry that would have allowed the refusal @rec (an ECS record): its list, and
 * the object in @buf (a path, the directory of a file created, "host:port"). Or
 * CORDON_SUGGEST_NONE with the reason in @buf: a deny entry (a secret, a protected path, a
 * denied program or socket; the site floor named) is never turned into an allow.
 */
enum cordon_suggest_list cordon_audit_suggest(json_t *rec, char *buf, size_t len);
/* The YAML keys of list @l ("filesystem", "read"; "network", "unix", "allow"), NULL-ended. */
const char *const *cordon_audit_suggest_keys(enum cordon_suggest_list l);
/* The `cordon run` option that allows an object of @l for one run, or NULL (unix). */
const char *cordon_audit_suggest_flag(enum cordon_suggest_list l);
/*
 * @s as one double-quoted scalar, valid as JSON and as YAML, ASCII only: control characters and
 * everything else a terminal could act on escaped by jansson. Malloc'ed; NULL on ENOMEM.
 */
char *cordon_audit_quote(const char *s);
/* A ready-to-paste policy fragment allowing @object in @l, each line prefixed by @indent. */
int cordon_audit_suggest_yaml(enum cordon_suggest_list l, const char *object, const char *indent,
			      char **out);

/* ---- audit_oracle (tests only) ---- */
/*
 * The test oracle for cordon_audit_format_event(): the same record built as a json_t by
 * separately written jansson code. Nothing in cordon or its daemon calls it (so they do not
 * link it); the unit tests require the writer's lines to parse to its objects.
 */

/*
 * A ring-buffer record as an audit record, or NULL when the record is malformed or of a type
 * not reported. @size is what the ring buffer delivered. @c's user name cache is updated.
 */
json_t *cordon_audit_from_event(struct cordon_audit_ctx *c, const void *data, size_t size);

/* ---- audit_sha256 ---- */
/*
 * cordon.policy_sha256: SHA-256 (FIPS 180-4) of the effective policy, so a SIEM can tell which
 * exact rules a session ran under. The digest itself is nettle's (Debian's libnettle): small,
 * and linked statically into the VM's binaries without pulling in a TLS stack.
 */

/* Lower-case hex SHA-256 of @len bytes at @data into @hex (65 bytes). */
void cordon_sha256_hex(const void *data, size_t len, char hex[65]);

/*
 * Digest of the effective policy (extends and floor merged, variables expanded): its canonical
 * JSON, as `cordon policy show --json` prints it, with sorted keys. 0 or -ENOMEM.
 */
int cordon_policy_sha256(const struct policy *p, char hex[65]);

/* ---- audit_session ---- */
/*
 * The session-start and session-end records, built in one place for `cordon run` and the
 * daemon: each fills what it knows, and a field it leaves unset is not written.
 */

struct cordon_plan;

struct cordon_audit_session_counts {
	uint64_t refused_connect, refused_file, refusals, exec, exit, events_lost, malformed;
	uint64_t not_cordon; /* refusals the policy would have allowed (file permissions) */
	uint64_t observed;   /* observe mode: would-be refusals let through (in refusals too) */
};

struct cordon_audit_session {
	struct cordon_audit_ctx *ctx;
	uint64_t start_ns; /* session start: the end record's duration is measured from it */
	const char *project;
	uint32_t layers;	  /* CORDON_LAYER_BIT()s enforcing the session ... */
	uint32_t layers_reported; /* ... and those reported, true or false, in cordon.layers */
	int landlock_abi;	  /* 0: not reported (the daemon does not apply Landlock) */
	const struct cordon_plan *plan; /* its gaps as cordon.unenforced(_rules); NULL: none */
	bool daemon;			/* the daemon writes it */
	bool auto_confine;		/* an auto-confinement session */
	bool observe;			/* --observe: cordon.observe in session-start */
	/* ... and BPF LSM judges the file allow-lists (maps.h CORDON_SESSION_FILE_ALLOW) */
	bool observe_files;
	/* session-end: the agent exited leaving processes that ran on (process.lifetime:
	 * detached), as cordon.detached true */
	bool detached;
	/* session-start: why the log it is in cannot be trusted (cordon.log_trusted false);
	 * NULL: trusted, not reported */
	const char *log_untrusted;
	const char *reason; /* why the session ended, NULL: not reported */
	pid_t pid;
	char *const *args; /* the agent's argv; NULL: not reported */
	bool has_user;
	uint32_t uid;
	const char *user;
	bool has_exit; /* session-end: the agent's exit status */
	int exit_code;
	/* session-end: processes the session's memory limit killed (cordon.limits.memory_kills) */
	uint64_t memory_kills;
	const struct cordon_audit_session_counts *counts; /* session-end; NULL: not reported */
	/*
	 * session-end: the session's own lost records, exactly (bpf/maps.h ring_use), as
	 * cordon.counts.events_lost (which overrides @counts' count) and events_over_share
	 */
	bool has_lost;
	uint64_t lost, lost_over_share;
	/* session-start: its entries from the command line (--allow-read, --allow-connect, ...)
	 * as cordon.one_off_allows; NULL: not reported */
	const struct policy *policy;
};

/*
 * What an observing session (`cordon run --observe`) still refuses, for its start line and its
 * session-start record: the layers and rules that cannot let an operation through and record
 * it. NULL-terminated. @files: BPF LSM observes the file allow-lists (CORDON_SESSION_FILE_ALLOW):
 * Landlock then refuses only what its scopes do, and the view makes no tree read-only.
 */
const char *const *cordon_observe_still_refused(bool files);

/* A new reference, or NULL on allocation failure. @now_ns: the record's time. */
json_t *cordon_audit_session_start(const struct cordon_audit_session *s, uint64_t now_ns);
json_t *cordon_audit_session_end(const struct cordon_audit_session *s, uint64_t now_ns);

/* The plan's gaps as [{rule, needs, reason}] (new reference, NULL on allocation failure). */
json_t *cordon_audit_plan_gaps(const struct cordon_plan *plan);

#endif /* CORDON_AUDIT_H */
