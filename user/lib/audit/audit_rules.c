// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a record's rule id stands for: each entry of a session's deny and network lists named
 * as the policy reference spells it, with the file and line it came from, and the default
 * deny a refusal with no rule met. Names are encoded by jansson once per session.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "audit_internal.h"
#include "compile/compile.h"
#include "lib/pattern.h"

/*
 * @s as valid UTF-8 (each invalid byte U+FFFD): a path in a policy, or the name of the file it
 * was read from, may hold any byte but NUL. Frees @s; NULL on allocation failure.
 */
static char *valid_utf8(char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *clean, *hex;

	if (!s || cordon_utf8_valid(s, n))
		return s;
	clean = malloc(3 * n + 1);
	hex = malloc(2 * n + 1);
	if (clean && hex)
		clean[cordon_utf8_repair(s, n, clean, hex)] = '\0';
	free(hex);
	free(s);
	return clean;
}

/* ,"rule_text":...,"rule_source":... of @e, encoded by jansson. */
static int encode(struct cordon_audit_rule *e)
{
	json_t *o;
	char *s;
	size_t n;

	o = json_pack("{s:s}", "rule_text", e->name);
	if (o && e->source && json_object_set_new(o, "rule_source", json_string(e->source)) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (!o)
		return -ENOMEM;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return -ENOMEM;
	n = strlen(s); /* {"rule_text":...}: the braces become a leading comma */
	s[0] = ',';
	s[n - 1] = '\0';
	e->json = s;
	e->json_len = n - 1;
	return 0;
}

/*
 * Bytes of a path or file name kept in a rule's name and source: a record's cordon object has
 * bounded room (the formatter's scratch), and six bytes per byte is the worst escape.
 */
#define RULE_TEXT_MAX 256

static int name_one(struct cordon_audit_rule *e, const char *list, size_t i, const char *text,
		    const char *file, int line)
{
	if (asprintf(&e->name, "%s[%zu]: %.*s", list, i, RULE_TEXT_MAX, text ? text : "") < 0) {
		e->name = NULL;
		return -ENOMEM;
	}
	if (file && line > 0 && asprintf(&e->source, "%.*s:%d", RULE_TEXT_MAX, file, line) < 0) {
		e->source = NULL;
		return -ENOMEM;
	}
	e->name = valid_utf8(e->name);
	if (e->source)
		e->source = valid_utf8(e->source);
	if (!e->name || (file && line > 0 && !e->source))
		return -ENOMEM;
	return encode(e);
}

static int name_list(struct cordon_audit_rules *out, unsigned int kind, const char *list,
		     const struct pol_list *l)
{
	size_t n = l->n < 0x10000 ? l->n : 0x10000;
	char msg[160];

	out->v[kind] = calloc(n ? n : 1, sizeof(*out->v[kind]));
	if (!out->v[kind])
		return -ENOMEM;
	out->n[kind] = n;
	for (size_t i = 0; i < n; i++) {
		struct cordon_audit_rule *e = &out->v[kind][i];
		int r = name_one(e, list, i, l->v[i].s, l->v[i].file, l->v[i].line);

		if (r < 0)
			return r;
		if (!l->v[i].s)
			continue;
		/* What a refused path is matched against: the pattern, compiled as the view's
		 * planner and the BPF side compile it, or the path itself. */
		if (kind == POL_RULE_PATTERN)
			e->pattern =
				policy_compile_pattern(l->v[i].s, &e->pat, msg, sizeof(msg)) == 0;
		else if (!(e->path = strdup(l->v[i].s)))
			return -ENOMEM;
	}
	return 0;
}

static int name_net(struct cordon_audit_rules *out, unsigned int kind, const char *list,
		    const struct pol_net_list *l)
{
	size_t n = l->n < 0x10000 ? l->n : 0x10000;

	out->v[kind] = calloc(n ? n : 1, sizeof(*out->v[kind]));
	if (!out->v[kind])
		return -ENOMEM;
	out->n[kind] = n;
	for (size_t i = 0; i < n; i++) {
		int r = name_one(&out->v[kind][i], list, i, l->v[i].text, l->v[i].file,
				 l->v[i].line);

		if (r < 0)
			return r;
	}
	return 0;
}

/* The session's own temporary trees, which allow their unix sockets (POL_RULE_UNIX_VIEW). */
static int name_view(struct cordon_audit_rules *out)
{
	static const char *const trees[] = { "a host tree below the session's own /tmp",
					     "the session's own /tmp", "the session's own /var/tmp",
					     "the session's own /dev/shm" };
	struct cordon_audit_rule *v = calloc(4, sizeof(*v));

	if (!v)
		return -ENOMEM;
	out->v[POL_RULE_UNIX_VIEW] = v;
	out->n[POL_RULE_UNIX_VIEW] = 4;
	for (size_t i = 0; i < 4; i++) {
		v[i].name = strdup(trees[i]);
		if (!v[i].name || encode(&v[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The repositories of the write trees (POL_RULE_GIT): no policy entry, cordon's own rule. */
static int name_git(struct cordon_audit_rules *out)
{
	static const char *const what[] = {
		NULL, "git: hooks of a repository in a write tree",
		"git: config keys that run programs, in a repository of a write tree"
	};
	struct cordon_audit_rule *v = calloc(3, sizeof(*v));

	if (!v)
		return -ENOMEM;
	out->v[POL_RULE_GIT] = v;
	out->n[POL_RULE_GIT] = 3;
	for (size_t i = 1; i < 3; i++) {
		v[i].name = strdup(what[i]);
		if (!v[i].name || encode(&v[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cordon_audit_rules_build(const struct policy *p, struct cordon_audit_rules *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = name_net(out, POL_RULE_CONNECT, "network.connect", &p->connect);
	if (!r)
		r = name_net(out, POL_RULE_BIND, "network.bind", &p->bind);
	if (!r)
		r = name_list(out, POL_RULE_SECRET, "secrets.files", &p->sec_files);
	if (!r)
		r = name_list(out, POL_RULE_PROTECT, "filesystem.protect", &p->fs_protect);
	if (!r)
		r = name_list(out, POL_RULE_EXEC, "process.exec_deny", &p->exec_deny);
	if (!r)
		r = name_list(out, POL_RULE_UNIX, "network.unix.deny", &p->unix_deny);
	if (!r)
		r = name_list(out, POL_RULE_PATTERN, "secrets.patterns", &p->sec_patterns);
	if (!r)
		r = name_list(out, POL_RULE_UNIX_ALLOW, "network.unix.allow", &p->unix_allow);
	if (!r)
		r = name_view(out);
	if (!r)
		r = name_git(out);
	if (r)
		cordon_audit_rules_free(out);
	return r;
}

void cordon_audit_rules_free(struct cordon_audit_rules *r)
{
	for (size_t k = 0; k < CORDON_AUDIT_RULE_KINDS; k++) {
		for (size_t i = 0; r->v[k] && i < r->n[k]; i++) {
			free(r->v[k][i].path);
			free(r->v[k][i].name);
			free(r->v[k][i].source);
			free(r->v[k][i].json);
		}
		free(r->v[k]);
		r->v[k] = NULL;
		r->n[k] = 0;
	}
}

/* The entry's text: what it matches (its path, or its pattern back from the name). */
static const char *rule_text_of(const struct cordon_audit_rule *e)
{
	const char *t;

	if (e->path)
		return e->path;
	if (!e->pattern || !e->name || !(t = strstr(e->name, "]: ")))
		return NULL;
	return t + 3;
}

json_t *cordon_audit_rules_to_json(const struct cordon_audit_rules *r)
{
	json_t *a = json_array();

	for (unsigned int k = 0; a && k < CORDON_AUDIT_RULE_KINDS; k++)
		for (size_t i = 0; i < r->n[k]; i++) {
			const struct cordon_audit_rule *e = &r->v[k][i];
			const char *text = rule_text_of(e);

			if (!e->name)
				continue;
			if (json_array_append_new(a,
						  json_pack("[i,I,s,s?,s?]", (int)k, (json_int_t)i,
							    e->name, e->source, text)) < 0) {
				json_decref(a);
				return NULL;
			}
		}
	return a;
}

/* One entry of cordon_audit_rules_from_json(): its kind and index checked by the caller. */
static int rule_from_json(json_t *v, unsigned int kind, struct cordon_audit_rule *e)
{
	json_t *src = json_array_get(v, 3), *text = json_array_get(v, 4);
	char msg[160];

	if (!json_is_string(json_array_get(v, 2)) || !(json_is_string(src) || json_is_null(src)) ||
	    !(json_is_string(text) || json_is_null(text)) || e->name)
		return -EINVAL;
	e->name = valid_utf8(strdup(json_string_value(json_array_get(v, 2))));
	if (json_is_string(src))
		e->source = valid_utf8(strdup(json_string_value(src)));
	if (!e->name || (json_is_string(src) && !e->source))
		return -ENOMEM;
	if (json_is_string(text) && kind == POL_RULE_PATTERN)
		e->pattern = policy_compile_pattern(json_string_value(text), &e->pat, msg,
						    sizeof(msg)) == 0;
	else if (json_is_string(text) && !(e->path = strdup(json_string_value(text))))
		return -ENOMEM;
	return encode(e);
}

int cordon_audit_rules_from_json(json_t *j, struct cordon_audit_rules *out)
{
	size_t i, n = json_array_size(j);
	json_t *v;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(j) || n > CORDON_AUDIT_RULES_MAX)
		return -EINVAL;
	/* First the size of each kind's table, from the largest index. */
	json_array_foreach (j, i, v) {
		json_int_t k = json_integer_value(json_array_get(v, 0));
		json_int_t x = json_integer_value(json_array_get(v, 1));

		if (!json_is_array(v) || json_array_size(v) != 5 ||
		    !json_is_integer(json_array_get(v, 0)) ||
		    !json_is_integer(json_array_get(v, 1)) || k < 0 ||
		    k >= CORDON_AUDIT_RULE_KINDS || x < 0 || x >= 0x10000)
			return -EINVAL;
		if ((size_t)x >= out->n[k])
			out->n[k] = (size_t)x + 1;
	}
	for (unsigned int k = 0; k < CORDON_AUDIT_RULE_KINDS; k++)
		if (out->n[k] && !(out->v[k] = calloc(out->n[k], sizeof(*out->v[k])))) {
			cordon_audit_rules_free(out);
			return -ENOMEM;
		}
	json_array_foreach (j, i, v) {
		unsigned int k = (unsigned int)json_integer_value(json_array_get(v, 0));

		r = rule_from_json(v, k, &out->v[k][json_integer_value(json_array_get(v, 1))]);
		if (r < 0)
			break;
	}
	if (r < 0)
		cordon_audit_rules_free(out);
	return r;
}

const struct cordon_audit_rule *cordon_audit_rule_find(const struct cordon_audit_rules *r,
						       uint32_t id)
{
	uint32_t kind = id >> 16, i = id & 0xffff;

	if (!r || !id || kind >= CORDON_AUDIT_RULE_KINDS || i >= r->n[kind] || !r->v[kind][i].json)
		return NULL;
	return &r->v[kind][i];
}

static bool path_in(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0 || n == 1);
}

/* The first entry of kind @kind @path is at or below; 0: none. */
static uint32_t list_rule(const struct cordon_audit_rules *r, unsigned int kind, const char *path)
{
	for (size_t i = 0; i < r->n[kind]; i++)
		if (r->v[kind][i].path && path_in(path, r->v[kind][i].path))
			return POL_RULE_ID(kind, i);
	return 0;
}

/* The secrets.patterns entry the file name @name matches, unless an exception does. */
static uint32_t pattern_rule(const struct cordon_audit_rules *r, const char *name)
{
	const struct cordon_audit_rule *v = r->v[POL_RULE_PATTERN];
	long hit = -1;

	for (size_t i = 0; i < r->n[POL_RULE_PATTERN]; i++) {
		if (!v[i].pattern || !cordon_pattern_match_name(&v[i].pat, name))
			continue;
		if (v[i].pat.flags & CORDON_PATTERN_EXCEPT)
			return 0; /* wherever it stands: an exception wins */
		if (hit < 0)
			hit = (long)i;
	}
	return hit >= 0 ? POL_RULE_ID(POL_RULE_PATTERN, hit) : 0;
}

/* The first of @kinds that has an entry covering @path or @real (a list, or the patterns). */
static uint32_t first_rule(const struct cordon_audit_rules *r, const unsigned int *kinds,
			   size_t nkinds, const char *path, const char *real)
{
	const char *names[2] = { path, real };

	for (size_t k = 0; k < nkinds; k++)
		for (size_t i = 0; i < 2; i++) {
			const char *at = names[i], *base;
			uint32_t id;

			if (!at || !*at)
				continue;
			base = strrchr(at, '/');
			id = kinds[k] == POL_RULE_PATTERN ? pattern_rule(r, base ? base + 1 : at)
							  : list_rule(r, kinds[k], at);
			if (id)
				return id;
		}
	return 0;
}

uint32_t cordon_audit_rule_of_path(const struct cordon_audit_rules *r, const char *path,
				   const char *real, bool write, bool exec)
{
	/* The entry that names the tree before a name pattern: the view masks by tree first. */
	static const unsigned int secret[] = { POL_RULE_SECRET, POL_RULE_UNIX, POL_RULE_PATTERN };
	static const unsigned int protect[] = { POL_RULE_PROTECT };
	static const unsigned int exec_deny[] = { POL_RULE_EXEC };
	uint32_t id;

	if (!r)
		return 0;
	id = first_rule(r, secret, 3, path, real);
	if (!id && write)
		id = first_rule(r, protect, 1, path, real);
	if (!id && exec)
		id = first_rule(r, exec_deny, 1, path, real);
	return id;
}

/* Lexically normalise the absolute @p in place: no ".", "..", empty or trailing components. */
static void normalise(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		char *seg;
		size_t n;

		while (*in == '/')
			in++;
		seg = in;
		while (*in && *in != '/')
			in++;
		n = (size_t)(in - seg);
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/*
 * @s's path made absolute. The kernel does it at the refused call (CORDON_SYSCALL_RESOLVED: the
 * path is absolute already). Else, for a record whose directory the kernel could not name
 * (CORDON_SYSCALL_DIR_*) or from a producer that does not name it: against the working
 * directory of its task, or against the directory descriptor of an *at() call
 * (CORDON_SYSCALL_DIRFD), read now from /proc, and the caller marks the record so
 * (CORDON_SYSCALL_RESOLVED_PROC). Racy by nature: the
 * task may have exited, closed or replaced the descriptor, or the directory moved, since the
 * call; a descriptor that names no directory (a deleted one: "(deleted)") is -ESRCH and
 * the record keeps the path as passed. A directory renamed *before* the call is named as it was
 * then: the descriptor follows it.
 */
static int absolute(const struct cordon_event_syscall *s, char *out, size_t len)
{
	const char *path = (const char *)s->path;
	char link[96], cwd[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (path[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", path) >= len)
			return -ENAMETOOLONG;
		normalise(out);
		return 0;
	}
	if (s->flags & CORDON_SYSCALL_DIRFD)
		snprintf(link, sizeof(link), "/proc/%u/task/%u/fd/%d", s->hdr.pid, s->hdr.tid,
			 s->dirfd);
	else
		snprintf(link, sizeof(link), "/proc/%u/cwd", s->hdr.pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0 || cwd[0] != '/')
		return -ESRCH;
	cwd[n] = '\0';
	if ((s->flags & CORDON_SYSCALL_DIRFD) &&
	    (stat(link, &st) < 0 || !S_ISDIR(st.st_mode) || !st.st_nlink))
		return -ESRCH;
	if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		return -ENAMETOOLONG;
	normalise(out);
	return 0;
}

static bool hook_opens(unsigned int hook)
{
	return hook == CORDON_HOOK_SYS_OPENAT || hook == CORDON_HOOK_SYS_OPEN ||
	       hook == CORDON_HOOK_SYS_OPENAT2;
}

static bool hook_execs(unsigned int hook)
{
	return hook == CORDON_HOOK_SYS_EXECVE || hook == CORDON_HOOK_SYS_EXECVEAT;
}

/* Does the refused call change the file system at its path (write, create, link, ...)? */
static bool writes(const struct cordon_event_syscall *s)
{
	if (hook_execs(s->hdr.hook))
		return false;
	if (!hook_opens(s->hdr.hook))
		return true; /* link, rename, chmod */
	return (s->arg & O_ACCMODE) != O_RDONLY || (s->arg & (O_CREAT | O_TRUNC));
}

int audit_syscall_absolute(struct cordon_event_syscall *s, char *abs, size_t len)
{
	size_t n;
	int ret;

	if (!(s->flags & CORDON_SYSCALL_PATH) || !memchr(s->path, 0, sizeof(s->path)))
		return 0;
	/* An empty path (fexecve: execveat with AT_EMPTY_PATH) names the descriptor's file, and
	 * an abstract unix socket's "@name" no file: nothing to resolve or match. */
	if (!s->path[0])
		return 0;
	if ((s->hdr.hook == CORDON_HOOK_SYS_CONNECT || s->hdr.hook == CORDON_HOOK_SYS_BIND) &&
	    s->path[0] == '@')
		return 0;
	ret = absolute(s, abs, len);
	if (ret < 0)
		return ret;
	n = strlen(abs);
	if (n < sizeof(s->path)) {
		if (s->path[0] != '/')
			s->flags |= CORDON_SYSCALL_RESOLVED_PROC;
		memcpy(s->path, abs, n + 1);
	}
	return 1;
}

void audit_normalise(char *p)
{
	normalise(p);
}

bool audit_syscall_writes(const struct cordon_event_syscall *s)
{
	return writes(s);
}

bool audit_hook_execs(unsigned int hook)
{
	return hook_execs(hook);
}

int cordon_audit_attribute_syscall(const struct cordon_audit_rules *r,
				   struct cordon_event_syscall *s, char *real, size_t real_len)
{
	char abs[PATH_MAX], rp[PATH_MAX];
	int ret;

	if (real_len)
		real[0] = '\0';
	ret = audit_syscall_absolute(s, abs, sizeof(abs));
	if (ret <= 0)
		return ret;
	/* From outside the session's view: a symlink, or /proc/self/root, to a secret. */
	if (!realpath(abs, rp))
		rp[0] = '\0';
	if (real_len)
		snprintf(real, real_len, "%s", rp);
	if (!s->hdr.rule_id)
		s->hdr.rule_id =
			cordon_audit_rule_of_path(r, abs, rp, writes(s), hook_execs(s->hdr.hook));
	return 0;
}

#define NO_ENTRY ": no entry allows it (default deny)"

/* Syscall-exit refusals: the default of the layer that returns that errno for that call. */
static const char *default_syscall(const struct cordon_event_hdr *h)
{
	if (h->hook == CORDON_HOOK_SYS_SOCKET)
		return "network: socket family not allowed";
	if (h->layer == CORDON_LAYER_SECCOMP)
		return "built-in: seccomp filter";
	/* EACCES: a mask (a secret's other name: a hard link made before the session);
	 * EROFS, EBUSY: the read-only view outside the write trees. */
	if (h->layer == CORDON_LAYER_MOUNT_NS)
		return h->verdict == -EACCES ? "secrets: masked in the session's view"
					     : "view: read-only outside filesystem.write";
	switch (h->hook) {
	case CORDON_HOOK_SYS_OPEN:
	case CORDON_HOOK_SYS_OPENAT:
	case CORDON_HOOK_SYS_OPENAT2:
		return "filesystem.read/write" NO_ENTRY;
	case CORDON_HOOK_SYS_EXECVE:
	case CORDON_HOOK_SYS_EXECVEAT:
		return "filesystem.exec" NO_ENTRY;
	case CORDON_HOOK_SYS_LINK:
	case CORDON_HOOK_SYS_LINKAT:
	case CORDON_HOOK_SYS_RENAME:
	case CORDON_HOOK_SYS_RENAMEAT:
	case CORDON_HOOK_SYS_RENAMEAT2:
	case CORDON_HOOK_SYS_UNLINK:
	case CORDON_HOOK_SYS_UNLINKAT:
	case CORDON_HOOK_SYS_RMDIR:
	case CORDON_HOOK_SYS_MKDIR:
	case CORDON_HOOK_SYS_MKDIRAT:
	case CORDON_HOOK_SYS_SYMLINK:
	case CORDON_HOOK_SYS_SYMLINKAT:
	case CORDON_HOOK_SYS_MKNOD:
	case CORDON_HOOK_SYS_MKNODAT:
		return "filesystem.write" NO_ENTRY;
	case CORDON_HOOK_SYS_BIND:
		return "network.bind" NO_ENTRY;
	case CORDON_HOOK_SYS_CONNECT:
		/* EPERM: Landlock's abstract unix socket scope; EACCES: its TCP rules */
		return h->verdict == -EPERM ? "network.unix: abstract sockets of the session only"
					    : "network.connect" NO_ENTRY;
	case CORDON_HOOK_SYS_KILL:
		return "process.signal: session";
	case CORDON_HOOK_SYS_PTRACE:
		return "process.ptrace";
	default:
		return "built-in: the layer in cordon.layer";
	}
}

/* BPF LSM file refusals without an entry: the rules the programs hold themselves. */
static const char *default_file(const struct cordon_event_hdr *h)
{
	/* Observed by an observing session's file hooks: no tree granted the access recorded. */
	if (cordon_event_observed(h) && h->layer == CORDON_LAYER_BPF_LSM &&
	    h->size >= sizeof(struct cordon_event_file)) {
		uint32_t access = ((const struct cordon_event_file *)h)->access;

		if (access & CORDON_ACCESS_EXEC)
			return "filesystem.exec" NO_ENTRY;
		return access & CORDON_ACCESS_WRITE ? "filesystem.write" NO_ENTRY
						    : "filesystem.read" NO_ENTRY;
	}
	if (h->hook == CORDON_HOOK_BPRM_CHECK)
		return "built-in: exec of a file with no name (memfd, O_TMPFILE, deleted)";
	/* CORDON_SESSION_EXEC_NAMED: the policy's exec allow-list names no such file. */
	if (h->hook == CORDON_HOOK_MMAP_FILE || h->hook == CORDON_HOOK_FILE_MPROTECT)
		return "filesystem.exec: executable mapping of a file with no name (memfd, "
		       "O_TMPFILE, deleted)";
	if (h->verdict == -EPERM)
		return "built-in: the session's own cgroup";
	return "built-in: BPF LSM file rule";
}

/* Refusals by cordon's fixed rules (no policy entry): the hook names what was refused. */
static const char *default_op(const struct cordon_event_hdr *h)
{
	switch (h->hook) {
	case CORDON_HOOK_SOCKET_CREATE:
		return "network: socket family not allowed";
	case CORDON_HOOK_SOCKET_SETSOCKOPT:
		return "network: source route or device binding as a socket option";
	case CORDON_HOOK_SOCKET_SENDMSG:
		return "network: source route as sendmsg ancillary data";
	case CORDON_HOOK_BPF:
		return "built-in: bpf()";
	case CORDON_HOOK_SB_MOUNT:
	case CORDON_HOOK_MOVE_MOUNT:
	case CORDON_HOOK_SB_UMOUNT:
		return "built-in: mount";
	case CORDON_HOOK_USERNS_CREATE:
		return "built-in: user namespaces";
	case CORDON_HOOK_FILE_IOCTL:
		return "built-in: terminal input injection";
	default:
		return "built-in: BPF LSM operation rule";
	}
}

const char *cordon_audit_default_rule(const struct cordon_event_hdr *h, int type)
{
	if (!h->verdict || h->rule_id)
		return NULL;
	switch (type) {
	case CORDON_EV_FILE:
		return default_file(h);
	case CORDON_EV_CONNECT:
		if (h->hook == CORDON_HOOK_BIND4 || h->hook == CORDON_HOOK_BIND6 ||
		    h->hook == CORDON_HOOK_SOCKET_BIND)
			return "network.bind" NO_ENTRY;
		return "network.connect" NO_ENTRY;
	case CORDON_EV_UNIX:
		return "network.unix.allow" NO_ENTRY;
	case CORDON_EV_TASK:
		return h->hook == CORDON_HOOK_TASK_KILL ? "process.signal: session"
							: "process.ptrace";
	case CORDON_EV_OP:
		return default_op(h);
	case CORDON_EV_SYSCALL:
		return default_syscall(h);
	case CORDON_EV_SECCOMP_KILL:
		return "built-in: seccomp filter (foreign architecture)";
	default:
		return NULL;
	}
}
