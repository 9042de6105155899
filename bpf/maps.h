/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The single definition of every BPF map key and value cordon uses, shared by the BPF programs
 * and the userspace loader. Layouts are ABI: fields are fixed-width, padding is explicit, and new
 * flags or fields are appended, never renumbered.
 */
#ifndef CORDON_MAPS_H
#define CORDON_MAPS_H

#include "abi_types.h"

#define CORDON_MAX_SESSIONS    1024
#define CORDON_MAX_INODE_RULES 65536
#define CORDON_MAX_NET_RULES   16384
#define CORDON_MAX_UNIX_RULES  4096
/*
 * Each ring (the shared one, and one per root `cordon run`) is this much unswappable kernel
 * memory (memlock 4,223,304 bytes at 4 MiB). Not raised for floods: a refused connect puts one
 * record on it (no syscall-exit echo, capture_recorded()), so a 500,000/s flood of half connects
 * and half opens fills 120 MB/s, 35 ms of a reader's stall in 4 MiB (the longest measured, 28 ms),
 * 17 ms under the shared ring's pressure mark. Doubling would cost 4 MiB per ring, up to 1 GiB
 * with CORDON_MAX_SESSION_RINGS rings (docs/architecture.md, "What priority cannot do").
 */
#define CORDON_RINGBUF_BYTES (4u << 20)
/*
 * session_events: key = a ring slot (__u32, cordon_session.ring - 1), value = a ring buffer of
 * CORDON_RINGBUF_BYTES read by the process that holds the slot (root's `cordon run` on pinned
 * programs, which shares them with other launchers and the daemon: one ring buffer has one
 * reader, so a session whose records someone else reads gets its own). The slots are a pool:
 * an entry is made once and kept, because every update of a map of maps waits for an RCU grace
 * period (synchronize_rcu: ~8 ms here, at both ends of every launch when each session made and
 * deleted its own). A launcher holds its slot with a lock (loader.c), and drops what an earlier
 * holder's sessions left there by the session id in each record. A session with ring 0 writes
 * to the shared `events` ring buffer.
 */
#define CORDON_MAX_SESSION_RINGS 256

/*
 * ring_use: key = cordon_session.id. A session's share of the shared `events` ring buffer (the
 * daemon's, which every session without a ring of its own writes to), so that one session's
 * flood cannot push another session's records out. While the ring holds more than
 * CORDON_RING_PRESSURE unread bytes, a session whose records still waiting there (at most
 * @window bytes) exceed CORDON_RING_SHARE loses its new records (counted in @lost) instead of
 * taking the room the quiet sessions need. Below the pressure mark every session writes freely,
 * so a consumer that keeps up loses nothing. Made by the programs at a session's first record,
 * read and deleted by userspace when the session ends.
 */
#define CORDON_RING_PRESSURE (CORDON_RINGBUF_BYTES / 2)
#define CORDON_RING_SHARE    (CORDON_RINGBUF_BYTES / 16)

struct cordon_ring_use {
	/*
	 * Bytes of records the session put on the shared ring since the reader last had all of
	 * them (an upper bound of what it holds there unread): reset once the consumer position
	 * passes @last_end.
	 */
	__u64 window;
	__u64 last_end; /* the ring's producer position after the session's latest record */
	/*
	 * Records of the session that were not delivered, on whichever ring (its own, or the
	 * shared one): over its share, or the ring full. Exact: every failed record adds one.
	 */
	__u64 lost;
	__u64 over_share; /* of @lost, those refused for exceeding the share */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_ring_use) == 32, "cordon_ring_use layout");

/* Session flags: which rule families the BPF side enforces for the session. */
#define CORDON_SESSION_NET  (1u << 0) /* connect4/6: default deny, allow by net_rules */
#define CORDON_SESSION_FILE (1u << 1) /* LSM file hooks: inode_rules and name_patterns */
#define CORDON_SESSION_SELF (1u << 2) /* LSM self-protection: ptrace, signals, bpf, mount, ... */
#define CORDON_SESSION_BIND (1u << 3) /* bind4/6: default deny, allow by bind_rules */
/* connect4/6 also record allowed connects (policy audit.record has `connect`): off by default,
 * so a session whose policy does not ask for them does not flood the stream. */
#define CORDON_SESSION_AUDIT_CONNECT (1u << 4)
/* seccomp refuses ptrace (process.ptrace: none), else Landlock scopes it: names the layer of
 * the sys_exit_ptrace refusal records, which cannot see who refused. */
#define CORDON_SESSION_PTRACE_SECCOMP (1u << 5)
/* Pathname unix connect/sendmsg: default deny, allow by unix_rules (cgroup connect_unix and
 * sendmsg_unix programs, or the LSM socket hooks). */
#define CORDON_SESSION_UNIX (1u << 6)
/* Socket kinds default deny (sock_create / socket_create), IP source routes dropped at egress,
 * listeners outside the bind rules confined to loopback (sockops) or refused (socket_listen). */
#define CORDON_SESSION_SOCK (1u << 7)
/* dirent_rules hold entries of this session (file hooks look the name up only then) */
#define CORDON_SESSION_DIRENT (1u << 12)
/*
 * Observe mode (`cordon run --observe`): what the network allow-lists would refuse (connect,
 * sendmsg and bind outside their rules, unix sockets outside network.unix.allow, socket kinds,
 * listeners off loopback) is let through and recorded with CORDON_EVENT_OBSERVED. Explicit
 * denies (secrets, protect, denied programs, network.unix.deny) and self-protection still refuse.
 */
#define CORDON_SESSION_OBSERVE (1u << 13)
/*
 * Executable code only from files with a name: a file with no name left (memfd, O_TMPFILE,
 * deleted) is refused an executable mapping (mmap_file, file_mprotect). Set when the policy's
 * exec allow-list is not the whole filesystem: there a nameless file is code from no tree the
 * policy names. (Its exec is refused in every session: bprm_check_security.)
 */
#define CORDON_SESSION_EXEC_NAMED (1u << 14)
/*
 * The file allow-lists (filesystem.read / write / exec) are judged by the LSM file hooks from
 * allow_trees instead of by Landlock, which cannot let an access through and record it. Set
 * only with CORDON_SESSION_OBSERVE (`cordon run --observe` on the BPF LSM tier), where the
 * session's Landlock domain handles no filesystem right: an access the trees do not cover is
 * let through and recorded as would-refuse. Without CORDON_SESSION_OBSERVE the hooks refuse
 * it (fs.bpf.h fs_check): the flag never lets an access through on its own.
 */
#define CORDON_SESSION_FILE_ALLOW (1u << 15)

/*
 * sessions: key = cgroup id (__u64) of the session cgroup, i.e. the ancestor of the current
 * task's cgroup at the session level. A task whose ancestor has no entry is not confined: that
 * single lookup is the whole cost cordon adds to untagged tasks.
 */
struct cordon_session {
	__u32 id;	 /* session number: the first key field of every rule map */
	__u32 flags;	 /* CORDON_SESSION_* */
	__u32 policy_id; /* which policy the session runs, reported in events */
	__u32 npatterns; /* name_patterns entries 0..npatterns-1 of this session */
	__u32 ring;	 /* 1 + its slot in session_events; 0: the shared `events` ring */
	__u32 pad;	 /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_session) == 24, "cordon_session layout");

/*
 * A session task's tag (task storage, keyed by the task). Before any task of the session has
 * executed a program, only cordon's launcher runs there, building the session's view with
 * mounts and namespaces; from the first exec on (and in every task forked after it) those are
 * refused.
 */
struct cordon_task_tag {
	__u64 cgroup_id; /* key into sessions */
	__u32 armed;	 /* 1: the task, or an ancestor in the session, has executed a program */
	__u32 pad;	 /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_task_tag) == 16, "cordon_task_tag layout");

/* Access bits, used in inode rules and in file events. */
#define CORDON_ACCESS_READ  (1u << 0)
#define CORDON_ACCESS_WRITE (1u << 1)
#define CORDON_ACCESS_EXEC  (1u << 2)

/*
 * inode_rules: a rule hangs on an inode resolved at session start, as in Landlock, so a rename
 * or a hard link of the file does not escape it.
 */
struct cordon_inode_key {
	__u64 ino; /* inode number */
	__u32 dev; /* superblock s_dev, in the kernel's internal encoding (MAJOR << 20 | MINOR) */
	__u32 session; /* cordon_session.id */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_inode_key) == 16, "cordon_inode_key layout");

struct cordon_inode_rule {
	__u32 rule_id; /* policy rule that produced the entry, reported in events */
	__u32 deny;    /* CORDON_ACCESS_* bits refused on this inode */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_inode_rule) == 8, "cordon_inode_rule layout");

/*
 * allow_trees: the roots of the policy's read, write and exec trees by inode (keyed as
 * inode_rules), for a session with CORDON_SESSION_FILE_ALLOW. A walk ORs the @allow bits of
 * every ancestor it passes, as Landlock unites the rights of the rules on a path's ancestors:
 * a read tree grants READ, a write tree READ and WRITE, an exec tree READ and EXEC.
 */
#define CORDON_MAX_ALLOW_TREES 16384

struct cordon_inode_allow {
	__u32 rule_id; /* policy rule that produced the entry (0: none is reported) */
	__u32 allow;   /* CORDON_ACCESS_* bits granted beneath this inode */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_inode_allow) == 8, "cordon_inode_allow layout");

/*
 * dirent_rules: a secret named by its place, (parent directory's inode, name), beside the
 * rule on its inode: a file replaced atomically (a temporary file renamed over it, as `cargo
 * login` and `docker login` write their credentials) is a new inode under the same name, and
 * stays refused. The value is a cordon_inode_rule.
 */
#define CORDON_MAX_DIRENT_RULES 16384
#define CORDON_DIRENT_NAME	256 /* NAME_MAX and a NUL */

struct cordon_dirent_key {
	__u64 ino;		       /* the parent directory, keyed as in cordon_inode_key */
	__u32 dev;		       /* its device, as in cordon_inode_key */
	__u32 session;		       /* cordon_session.id */
	__u8 name[CORDON_DIRENT_NAME]; /* the entry's name, NUL-padded */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_dirent_key) == 272, "cordon_dirent_key layout");

/*
 * File hooks walk from the file up through its parents (crossing mount points) until an inode
 * rule decides; a walk longer than this is refused and counted (CORDON_STAT_WALK_OVERFLOW).
 *
 * Why 4096. The walk must reach the root: a rule hangs on any directory above the object, and
 * a walk that stopped short and allowed would let depth hide a secret (a tree under a secret
 * directory that is deeper than the bound; a tree the agent builds inside an exec_deny
 * directory, which it may write). So a walk that does not finish is refused, never allowed,
 * and the bound must lie beyond every depth a legitimate program reaches. Programs name files
 * by path, and a path is at most PATH_MAX (4096) bytes: at most 2048 components ("a/" each).
 * The walk takes one step per component, one per mount it crosses and, at the root of a bind
 * mount of a subtree, one per directory of the hidden part above it; 4096 steps leave as many
 * again for those. A deeper object is reachable only step by step through descriptors or
 * chdir, never by a name a tool passes (node_modules nests far less: its paths are absolute).
 * The steps are bpf_loop() iterations (the verifier checks the callback once, whatever the
 * bound), paid only by deep objects: one hash lookup each, so a 100-deep file costs about a
 * hundred lookups per check.
 */
#define CORDON_WALK_MAX 4096

/*
 * name_patterns: basename globs (".env", ".env.*", "*.pem", "id_rsa*"), matched on the final
 * component in the hooks, so a secret created after the session started is refused too. A
 * pattern is a prefix and a suffix around at most one '*' (exact when there is no '*').
 */
#define CORDON_MAX_PATTERNS   32
#define CORDON_PATTERN_PART   24
#define CORDON_PATTERN_EXACT  (1u << 0) /* no '*': the name equals prefix */
#define CORDON_PATTERN_NOCASE (1u << 1) /* prefix/suffix lower case; A-Z in names folded */
#define CORDON_PATTERN_EXCEPT \
	(1u << 2) /* "!name": a name it matches is no secret; these
					 * entries come first, so the first match decides */

struct cordon_pattern_key {
	__u32 session; /* cordon_session.id */
	__u32 index;   /* 0 .. cordon_session.npatterns - 1 */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_pattern_key) == 8, "cordon_pattern_key layout");

struct cordon_name_pattern {
	__u8 prefix[CORDON_PATTERN_PART]; /* bytes before the '*', not NUL-terminated */
	__u8 suffix[CORDON_PATTERN_PART]; /* bytes after the '*' */
	__u8 prefix_len;
	__u8 suffix_len;
	__u8 flags;    /* CORDON_PATTERN_* */
	__u8 pad;      /* zero */
	__u32 rule_id; /* reported in events */
	__u32 deny;    /* CORDON_ACCESS_* refused on matching names */
	__u32 pad2;    /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_name_pattern) == 64, "cordon_name_pattern layout");

/* stats: per-CPU counters, index = CORDON_STAT_* */
#define CORDON_STAT_WALK_OVERFLOW 0 /* path walks refused for exceeding CORDON_WALK_MAX */
#define CORDON_STAT_MAX		  4

/*
 * net_rules: an LPM trie over (session, IPv6 address). IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d), so a v4 rule also matches a v4-mapped connect on an AF_INET6 socket.
 * prefixlen counts the 32 session bits plus the address bits. Because a lookup returns only the
 * longest matching prefix, userspace pushes the port ranges of every covering prefix down into
 * the more specific entries when it fills the map. bind_rules has the same layout, for the
 * local address and port a session may bind.
 */
#define CORDON_NET_KEY_SESSION_BITS 32
#define CORDON_NET_PORT_RANGES	    8

struct cordon_net_key {
	__u32 prefixlen; /* LPM prefix length: 32 + address prefix (v4: 32 + 96 + plen) */
	__u32 session;	 /* cordon_session.id; always matched in full, so byte order is moot */
	__u8 addr[16];	 /* IPv6 address, or IPv4-mapped */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_net_key) == 24, "cordon_net_key layout");

/* The one builder of an IPv4-mapped address: @addr := ::ffff:a.b.c.d from the 4 bytes at @ip4. */
static inline __attribute__((always_inline)) void cordon_addr_v4mapped(__u8 addr[16],
								       const void *ip4)
{
	__builtin_memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	__builtin_memcpy(&addr[12], ip4, 4);
}

#define CORDON_PROTO_TCP (1u << 0)
#define CORDON_PROTO_UDP (1u << 1)

/*
 * Range flags. DoT (port 853) is allowed only by a range whose rule names the destination
 * itself (one address, or a host name through the resolver), never by a CIDR that happens to
 * cover a public resolver.
 */
#define CORDON_RANGE_NAMED (1u << 0)

struct cordon_port_range {
	__u32 rule_id;	/* policy rule, reported in events */
	__u16 lo;	/* first port, host byte order */
	__u16 hi;	/* last port, inclusive */
	__u8 protocols; /* CORDON_PROTO_* */
	__u8 flags;	/* CORDON_RANGE_* */
	__u8 pad[2];	/* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_port_range) == 12, "cordon_port_range layout");

struct cordon_net_rule {
	struct cordon_port_range ranges[CORDON_NET_PORT_RANGES];
	__u32 count; /* ranges in use */
	__u32 pad;   /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_net_rule) == 104, "cordon_net_rule layout");

/*
 * unix_rules: an LPM trie over (session, socket path bytes), for pathname unix sockets. A
 * directory entry ends in '/' and covers every path below it; an exact entry ends in its NUL
 * byte (counted in prefixlen), so "/run/a.sock" never matches "/run/a.sockX". Lookups use the
 * full key (the path, then zeros). Deny entries win: userspace drops any allow entry below a
 * deny entry when it fills the map, since a lookup returns only the longest match.
 */
#define CORDON_UNIX_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */
#define CORDON_UNIX_KEY_PATH 112 /* path bytes in the key: sun_path and a NUL, padded */

struct cordon_unix_key {
	__u32 prefixlen; /* LPM prefix length: 32 session bits + 8 * path bytes matched */
	__u32 session;	 /* cordon_session.id; always matched in full */
	__u8 path[CORDON_UNIX_KEY_PATH]; /* absolute, canonical path; zero after its end */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_unix_key) == 120, "cordon_unix_key layout");

#define CORDON_UNIX_ALLOW 0u /* cordon_unix_rule.verdict: connect and send */
#define CORDON_UNIX_DENY  1u /* refuse (network.unix.deny, or a tree kept in a private one) */

struct cordon_unix_rule {
	__u32 rule_id; /* policy rule, reported in events */
	__u32 verdict; /* CORDON_UNIX_ALLOW or CORDON_UNIX_DENY */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_unix_rule) == 8, "cordon_unix_rule layout");

/*
 * dns_addrs: addresses the session's resolver answered for a name the policy allows, written
 * before the answer reaches the agent. connect/sendmsg consult it when net_rules allow nothing;
 * an entry past its expiry (the record's TTL, with a floor, plus a grace period) allows nothing
 * and is swept by userspace. Established connections are never cut: only new connects and
 * datagrams are judged.
 */
#define CORDON_MAX_DNS_ADDRS 65536
#define CORDON_DNS_PORT	     53
#define CORDON_DOT_PORT	     853

struct cordon_dns_key {
	__u32 session; /* cordon_session.id */
	__u8 addr[16]; /* IPv6 address, or IPv4-mapped */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_dns_key) == 20, "cordon_dns_key layout");

struct cordon_dns_addr {
	struct cordon_net_rule rule; /* ports and protocols of the rules naming the host */
	__u64 expires_ns;	     /* CLOCK_BOOTTIME (bpf_ktime_get_boot_ns) of expiry */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_dns_addr) == 112, "cordon_dns_addr layout");

/*
 * dns_steer: key = cordon_session.id. Where the session's resolver listens: every connect and
 * datagram of the session to port 53 (any address, UDP or TCP) is rewritten to it, and the
 * replies' source rewritten back to the address the agent asked (recvmsg4/6). A session with
 * no entry has no resolver of cordon's: port 53 is judged by net_rules like any other.
 */
struct cordon_dns_steer {
	__u32 addr4;	/* IPv4 address, network byte order (127.0.0.1) */
	__u16 port4;	/* its UDP and TCP port, network byte order; 0: none */
	__u16 port6;	/* the IPv6 listener's port, network byte order; 0: none */
	__u8 addr6[16]; /* IPv6 address (::1) */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_dns_steer) == 24, "cordon_dns_steer layout");

/* Per-socket (sk_storage): where the agent addressed its DNS before it was steered. */
struct cordon_dns_orig {
	__u8 addr[16]; /* IPv6 address, or IPv4-mapped */
	__u16 port;    /* network byte order (always 53 today) */
	__u16 pad;     /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_dns_orig) == 20, "cordon_dns_orig layout");

/*
 * auto_exec: executables confined at exec even when started without `cordon run`
 * (auto-confinement, BPF LSM only). The key is the inode of the file exec'd (the script itself
 * for a `#!` script, not its interpreter), resolved when the daemon registers it, so a rename or
 * a hard link still matches while a copy (a new inode) does not. The value names the
 * long-lived session every instance joins.
 */
#define CORDON_MAX_AUTO_EXEC 256

struct cordon_auto_key {
	__u64 ino; /* inode number */
	__u32 dev; /* superblock s_dev, in the kernel's internal encoding (MAJOR << 20 | MINOR) */
	__u32 pad; /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_auto_key) == 16, "cordon_auto_key layout");

struct cordon_auto_exec {
	__u64 cgroup_id; /* the auto session's cgroup id: its key in sessions */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_auto_exec) == 8, "cordon_auto_exec layout");

/*
 * auto_users: the users an auto session holds rules for. A policy's rules depend on the user
 * (${HOME}, ${USER}), and the kernel tags an agent before anyone knows who started it, so the
 * daemon resolves the policy for each user and adds the rules to the one session; an exec of a
 * registered file by a uid (real or effective) without an entry in state READY is refused
 * (lsm/bprm_creds_for_exec, a CORDON_EV_AUTO_USER record) instead of running with no rules or
 * only other users'. The daemon fills it at start for every user getpwent() lists, and on
 * the record for any other uid (getpwuid(): SSSD, LDAP).
 */
#define CORDON_MAX_AUTO_USERS 16384

#define CORDON_AUTO_USER_READY	1 /* the user's rules are in the session's maps */
#define CORDON_AUTO_USER_FAILED 2 /* resolving them failed: refused, recorded as failed */

struct cordon_auto_user_key {
	__u64 cgroup_id; /* the auto session's cgroup id */
	__u32 uid;
	__u32 pad; /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_auto_user_key) == 16, "cordon_auto_user_key layout");

struct cordon_auto_user {
	__u32 state;	/* CORDON_AUTO_USER_* */
	__u32 pad;	/* zero */
	__u64 tried_ns; /* CLOCK_MONOTONIC ns of the last failed resolution (userspace only) */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_auto_user) == 16, "cordon_auto_user layout");

/*
 * inherited_files: descriptors an auto-confined task already held when the exec tagged it
 * (opened before, by its parent: `exec 3<~/.ssh/id_rsa` in the shell that starts the agent).
 * No open of the session's made them, so file_open never judged them: bprm_committed_creds
 * judges each one as if the session had opened it with the descriptor's mode, and keys those
 * a rule denies here by their open file (struct file *, which dup(), fork and SCM_RIGHTS
 * share). file_permission and mmap_file then refuse a session task's reads, writes and
 * mappings of them; file_free_security removes the entry when the file goes. The parent
 * outside keeps using the same file: only session tasks are refused.
 */
#define CORDON_MAX_INHERITED_FILES 4096
/* Descriptor slots looked at per tag: fs.nr_open's default ceiling (no table is larger). */
#define CORDON_INHERIT_FDS_MAX (1u << 20)

struct cordon_inherited_file {
	__u64 cgroup_id; /* the session whose rule denies it (its key in sessions) */
	__u64 ino;	 /* the file's inode when judged: a recycled struct file is not it */
	__u32 dev;	 /* its device, as in cordon_inode_key */
	__u32 rule_id;	 /* the rule that denies it, reported in refusals */
	__u32 deny;	 /* the CORDON_ACCESS_* bits that rule refuses */
	__u32 pad;	 /* zero */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_inherited_file) == 32, "cordon_inherited_file layout");

/*
 * load_info: one entry (key 0) that the process which loaded the programs writes after the load
 * and before it pins their links, naming what they were loaded with. Whoever adopts the pins
 * later reads it there instead of judging the machine as it is by then (btrfs loaded since).
 * The programs never read it.
 */
#define CORDON_LOAD_BTRFS (1u << 0) /* btrfs's BTF was there: the hooks key btrfs by subvolume */
/*
 * The loader's choices, so that an adopter makes none of its own (no kernel BTF parse, no
 * probe on the launch path): which programs were loaded (@loaded, a bit per program in the
 * object's order, which the pin directory's name, the object's hash, fixes) and why.
 */
#define CORDON_LOAD_CHOICES	(1u << 1) /* @nprogs and @loaded are filled in */
#define CORDON_LOAD_LSM		(1u << 2) /* loaded with the LSM programs the kernel has */
#define CORDON_LOAD_TRACE	(1u << 3) /* loaded with the tracing programs */
#define CORDON_LOAD_UNIX	(1u << 4) /* the cgroup unix connect/sendmsg programs (6.7+) */
#define CORDON_LOAD_ESCAPE_KILL (1u << 5) /* the cgroup-escape programs kill in the kernel */

#define CORDON_LOAD_MAX_PROGS 128

struct cordon_load_info {
	__u32 flags;				  /* CORDON_LOAD_* */
	__u32 nprogs;				  /* programs in the object */
	__u64 loaded[CORDON_LOAD_MAX_PROGS / 64]; /* bit i: program i was loaded */
};
CORDON_ABI_ASSERT(sizeof(struct cordon_load_info) == 24, "cordon_load_info layout");

#endif /* CORDON_MAPS_H */
