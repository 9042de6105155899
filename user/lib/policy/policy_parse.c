// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy schema: the YAML tree checked key by key into struct policy. Every problem is
 * reported with the position of the offending node and parsing goes on, so one run lists them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "compile/compile.h"
#include "policy/policy_internal.h"

struct pctx {
	const char *file;
	struct policy_errors *errs;
	struct policy *p;
	int fatal; /* -ENOMEM */
	bool bad;
};

__attribute__((format(printf, 3, 4))) static void perr(struct pctx *c, const struct ynode *n,
						       const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int r;

	c->bad = true;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->fatal = -ENOMEM;
		return;
	}
	if (policy_errorf(c->errs, c->file, n ? n->line : 1, n ? n->col : 1, "%s", msg) == -ENOMEM)
		c->fatal = -ENOMEM;
	free(msg);
}

enum kind {
	K_PATH,
	K_PATTERN,
	K_ENV,
	K_AUDIT
};

/* A scalar that is a usable string: not null, no NUL byte, no control characters. */
static bool want_string(struct pctx *c, const struct ynode *n, const char *what)
{
	if (n->type != YN_SCALAR || ynode_is_null(n)) {
		perr(c, n, "%s must be a string, not %s", what, ynode_type_name(n));
		return false;
	}
	if (memchr(n->str, 0, n->len)) {
		perr(c, n, "%s contains a NUL byte", what);
		return false;
	}
	if (pol_has_control(n->str, n->len)) {
		perr(c, n, "%s contains a control character", what);
		return false;
	}
	return true;
}

/* Check the ${VARIABLE} references of a path; 1 if it has any. */
static int check_vars(struct pctx *c, const struct ynode *n)
{
	const char *s = n->str;
	int has = 0;

	for (const char *p = s; *p; p++) {
		const char *end;

		if (*p != '$')
			continue;
		if (p[1] == '$') {
			p++;
			continue;
		}
		if (p[1] != '{') {
			perr(c, n, "'$' must start a ${VARIABLE} (write $$ for a literal '$')");
			return -1;
		}
		end = strchr(p + 2, '}');
		if (!end) {
			perr(c, n, "unterminated '${' in '%s'", s);
			return -1;
		}
		if (!policy_var_known(p + 2, (size_t)(end - p - 2))) {
			perr(c, n,
			     "unknown variable '${%.*s}' (known: HOME, PROJECT, TMPDIR, USER, "
			     "XDG_CONFIG_HOME, XDG_CACHE_HOME, SSH_AUTH_SOCK)",
			     (int)(end - p - 2), p + 2);
			return -1;
		}
		has = 1;
		p = end;
	}
	return has;
}

static bool check_path(struct pctx *c, const struct ynode *n, const char *what)
{
	char buf[POLICY_MAX_PATH + 1];
	int vars, r;

	if (!want_string(c, n, what))
		return false;
	if (n->len > POLICY_MAX_PATH) {
		perr(c, n, "path too long (max %d bytes)", POLICY_MAX_PATH);
		return false;
	}
	if (n->str[0] == '~') {
		perr(c, n, "'~' is not expanded in policies: write ${HOME}");
		return false;
	}
	if (n->str[0] != '/' && strncmp(n->str, "${", 2) != 0) {
		perr(c, n, "relative path '%s': paths must be absolute or start with ${VARIABLE}",
		     n->str);
		return false;
	}
	vars = check_vars(c, n);
	if (vars < 0)
		return false;
	if (vars == 0 && !strstr(n->str, "$$")) {
		/* No variable: check the lexical form now rather than at session start. */
		r = policy_path_normalise(n->str, buf, sizeof(buf));
		if (r == -EPERM) {
			perr(c, n, "'..' is not allowed in paths ('%s')", n->str);
			return false;
		}
		if (r < 0) {
			perr(c, n, "bad path '%s'", n->str);
			return false;
		}
	}
	return true;
}

static bool check_pattern(struct pctx *c, const struct ynode *n, const char *what)
{
	if (!want_string(c, n, what))
		return false;
	if (strchr(n->str, '/')) {
		perr(c, n,
		     "pattern '%s' contains '/': patterns match a file's name; put paths in "
		     "secrets.files",
		     n->str);
		return false;
	}
	if (!strcmp(n->str, ".") || !strcmp(n->str, "..") || n->len > 255) {
		perr(c, n, "bad file name pattern '%s'", n->str);
		return false;
	}
	{
		/* What the kernel side can match, checked here so `policy check` says it. */
		struct cordon_name_pattern pat;
		char msg[200];

		if (policy_compile_pattern(n->str, &pat, msg, sizeof(msg)) < 0) {
			perr(c, n, "%s", msg);
			return false;
		}
	}
	return true;
}

static bool check_env(struct pctx *c, const struct ynode *n, const char *what)
{
	if (!want_string(c, n, what))
		return false;
	for (size_t i = 0; i < n->len; i++) {
		char ch = n->str[i];

		if (!(ch == '_' || ch == '*' || ch == '?' || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) {
			perr(c, n,
			     "bad environment variable pattern '%s' (letters, digits, '_', '*', "
			     "'?')",
			     n->str);
			return false;
		}
	}
	return true;
}

static const struct {
	const char *name;
	uint32_t bit;
} audit_names[] = {
	{ "deny", POL_AUDIT_DENY },	  { "exec", POL_AUDIT_EXEC },
	{ "connect", POL_AUDIT_CONNECT }, { "file", POL_AUDIT_FILE },
	{ "secret", POL_AUDIT_SECRET },	  { "process", POL_AUDIT_PROCESS },
	{ "all", POL_AUDIT_ALL },
};

static bool check_audit(struct pctx *c, const struct ynode *n, const char *what)
{
	if (!want_string(c, n, what))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(audit_names); i++)
		if (!strcmp(n->str, audit_names[i].name)) {
			c->p->audit |= audit_names[i].bit;
			return true;
		}
	perr(c, n,
	     "unknown audit record '%s' (expected deny, exec, connect, file, secret, process, "
	     "all)",
	     n->str);
	return false;
}

/*
 * The items of a list: a sequence, or {replace: [...]} when @allow_replace. An empty
 * sequence is refused unless it is a replace: "read: []" is nearly always a mistake.
 */
static const struct ynode *list_items(struct pctx *c, const struct ynode *val, const char *what,
				      bool allow_replace, bool allow_empty, bool *replace)
{
	*replace = false;
	if (val->type == YN_MAP && allow_replace) {
		if (val->n != 2 || val->kids[0]->type != YN_SCALAR ||
		    strcmp(val->kids[0]->str, "replace") != 0) {
			perr(c, val,
			     "'%s' must be a list, or a mapping with the single key 'replace'",
			     what);
			return NULL;
		}
		*replace = true;
		val = val->kids[1];
		if (val->type != YN_SEQ) {
			perr(c, val, "'%s.replace' must be a list, not %s", what,
			     ynode_type_name(val));
			return NULL;
		}
		return val;
	}
	if (val->type != YN_SEQ) {
		if (val->type == YN_MAP)
			perr(c, val,
			     "'%s' must be a list, not a mapping (deny lists cannot be replaced)",
			     what);
		else if (ynode_is_null(val))
			perr(c, val, "'%s' is empty: give a list or remove the key", what);
		else
			perr(c, val, "'%s' must be a list, not a scalar (write [%s])", what,
			     val->str);
		return NULL;
	}
	if (val->n == 0 && !allow_empty) {
		if (allow_replace)
			perr(c, val,
			     "empty list '%s': remove the key, or write {replace: []} to clear "
			     "an inherited list",
			     what);
		else
			perr(c, val, "empty list '%s': remove the key", what);
		return NULL;
	}
	if (val->n > POLICY_MAX_LIST) {
		perr(c, val, "too many entries in '%s' (max %d)", what, POLICY_MAX_LIST);
		return NULL;
	}
	return val;
}

static void parse_list(struct pctx *c, const struct ynode *val, const char *what, enum kind kind,
		       bool allow_replace, struct pol_list *out)
{
	const struct ynode *seq;
	bool replace;

	out->set = true;
	seq = list_items(c, val, what, allow_replace, false, &replace);
	if (!seq)
		return;
	out->replace = replace;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *n = seq->kids[i];
		struct pol_item it = {
			.s = n->str, .file = (char *)c->file, .line = n->line, .col = n->col
		};
		bool ok;

		if (n->alias)
			continue;
		if (kind == K_PATH)
			ok = check_path(c, n, "a path");
		else if (kind == K_PATTERN)
			ok = check_pattern(c, n, "a file name pattern");
		else if (kind == K_ENV)
			ok = check_env(c, n, "an environment variable pattern");
		else
			ok = check_audit(c, n, "an audit record");
		if (ok && pol_list_append(out, &it) == -ENOMEM)
			c->fatal = -ENOMEM;
	}
}

/* One network entry (or host-set member, @member) at @n, appended to @out with its position. */
static void parse_net_entry(struct pctx *c, const struct ynode *n, bool member, bool bind,
			    struct pol_net_list *out)
{
	struct pol_net net;
	char msg[256];
	int r;

	if (n->alias || !want_string(c, n, member ? "a host set member" : "a network entry"))
		return;
	r = pol_net_parse(n->str, member, bind, &net, msg, sizeof(msg));
	if (r == -ENOMEM) {
		c->fatal = r;
		return;
	}
	if (r < 0) {
		perr(c, n, "%s", msg);
		return;
	}
	if (bind && (net.host || net.hostset)) {
		perr(c, n, "bind entries take an address or '*', not a host name");
		pol_net_clear(&net);
		return;
	}
	net.file = strdup(c->file);
	net.line = n->line;
	net.col = n->col;
	if (!net.file || pol_net_list_append(out, &net) == -ENOMEM)
		c->fatal = -ENOMEM;
	pol_net_clear(&net);
}

static void parse_net_list(struct pctx *c, const struct ynode *val, const char *what, bool bind,
			   struct pol_net_list *out)
{
	const struct ynode *seq;
	bool replace;

	out->set = true;
	seq = list_items(c, val, what, true, false, &replace);
	if (!seq)
		return;
	out->replace = replace;
	for (size_t i = 0; i < seq->n && !c->fatal; i++)
		parse_net_entry(c, seq->kids[i], false, bind, out);
}

struct key {
	const char *name;
	void (*fn)(struct pctx *c, const struct ynode *key, const struct ynode *val);
};

/* Walk a mapping against its key table; @section names it in messages ("" for the top). */
static void walk(struct pctx *c, const struct ynode *map, const char *section,
		 const struct key *keys, size_t nkeys)
{
	char expected[256] = "";

	if (map->type != YN_MAP) {
		perr(c, map, "'%s' must be a mapping, not %s", section, ynode_type_name(map));
		return;
	}
	for (size_t k = 0; k < nkeys; k++) {
		strncat(expected, keys[k].name, sizeof(expected) - strlen(expected) - 1);
		if (k + 1 < nkeys)
			strncat(expected, ", ", sizeof(expected) - strlen(expected) - 1);
	}
	for (size_t i = 0; i + 1 < map->n && !c->fatal; i += 2) {
		const struct ynode *key = map->kids[i], *val = map->kids[i + 1];
		size_t k;

		if (key->alias || val->alias)
			continue;
		if (key->type != YN_SCALAR) {
			perr(c, key, "mapping keys must be strings, not %s", ynode_type_name(key));
			continue;
		}
		for (k = 0; k < nkeys; k++)
			if (strlen(keys[k].name) == key->len && !strcmp(keys[k].name, key->str))
				break;
		if (k == nkeys) {
			if (pol_has_control(key->str, key->len) || memchr(key->str, 0, key->len))
				perr(c, key, "unknown key in '%s' (expected %s)",
				     *section ? section : "policy", expected);
			else
				perr(c, key, "unknown key '%s'%s%s (expected %s)", key->str,
				     *section ? " in " : "", section, expected);
			continue;
		}
		keys[k].fn(c, key, val);
	}
}

#define LIST_HANDLER(fn, field, what, kind, replace)                                     \
	static void fn(struct pctx *c, const struct ynode *key, const struct ynode *val) \
	{                                                                                \
		(void)key;                                                               \
		parse_list(c, val, what, kind, replace, &c->p->field);                   \
	}

LIST_HANDLER(fs_read, fs_read, "filesystem.read", K_PATH, true)
LIST_HANDLER(fs_write, fs_write, "filesystem.write", K_PATH, true)
LIST_HANDLER(fs_exec, fs_exec, "filesystem.exec", K_PATH, true)
LIST_HANDLER(fs_protect, fs_protect, "filesystem.protect", K_PATH, false)
LIST_HANDLER(fs_atomic, fs_atomic, "filesystem.atomic", K_PATH, false)
LIST_HANDLER(fs_cache, fs_cache, "filesystem.cache", K_PATH, false)
LIST_HANDLER(sec_files, sec_files, "secrets.files", K_PATH, false)
LIST_HANDLER(sec_patterns, sec_patterns, "secrets.patterns", K_PATTERN, false)
LIST_HANDLER(env_deny, env_deny, "secrets.env.deny", K_ENV, false)
LIST_HANDLER(env_keep, env_keep, "secrets.env.keep", K_ENV, true)
LIST_HANDLER(unix_deny, unix_deny, "network.unix.deny", K_PATH, false)
LIST_HANDLER(exec_deny, exec_deny, "process.exec_deny", K_PATH, false)

static void audit_record(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	struct pol_list tmp = { 0 };

	(void)key;
	c->p->audit_set = true;
	parse_list(c, val, "audit.record", K_AUDIT, false, &tmp);
	pol_list_clear(&tmp);
}

static void net_connect(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	parse_net_list(c, val, "network.connect", false, &c->p->connect);
}

static void net_bind(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	parse_net_list(c, val, "network.bind", true, &c->p->bind);
}

static void net_hosts(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	if (val->type != YN_MAP) {
		perr(c, val, "'network.hosts' must be a mapping of set name to list, not %s",
		     ynode_type_name(val));
		return;
	}
	for (size_t i = 0; i + 1 < val->n && !c->fatal; i += 2) {
		const struct ynode *k = val->kids[i], *v = val->kids[i + 1], *seq;
		struct pol_hostset *hs, *grown;
		bool replace;

		if (!want_string(c, k, "a host set name"))
			continue;
		if (!pol_hostset_name_valid(k->str, k->len) || !strcmp(k->str, "dns")) {
			perr(c, k,
			     "bad host set name '%s' (lowercase, digits, '-', '_'; 'dns' is "
			     "reserved)",
			     k->str);
			continue;
		}
		/* Empty sets are allowed: they are the placeholders a site fills in. */
		seq = list_items(c, v, "network.hosts entry", false, true, &replace);
		if (!seq)
			continue;
		grown = realloc(c->p->hosts, (c->p->nhosts + 1) * sizeof(*grown));
		if (!grown) {
			c->fatal = -ENOMEM;
			return;
		}
		c->p->hosts = grown;
		hs = &c->p->hosts[c->p->nhosts];
		memset(hs, 0, sizeof(*hs));
		hs->name = strdup(k->str);
		if (!hs->name) {
			c->fatal = -ENOMEM;
			return;
		}
		hs->members.set = true;
		c->p->nhosts++;
		for (size_t j = 0; j < seq->n && !c->fatal; j++)
			parse_net_entry(c, seq->kids[j], true, false, &hs->members);
	}
}

/* Has @s a "." component, an empty one ("//") or more than a socket path can hold? */
static bool unix_path_odd(const char *s)
{
	return strstr(s, "/./") || strstr(s, "//") || strstr(s, "/../") ||
	       (strlen(s) >= 2 && !strcmp(s + strlen(s) - 2, "/.")) ||
	       (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/.."));
}

/*
 * The cgroup program matches the socket path as a string: an entry must be the canonical
 * spelling the program compares with (refused paths that are not canonical never match one).
 */
static void unix_allow(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	struct pol_list *l = &c->p->unix_allow;
	size_t before = l->n;

	(void)key;
	parse_list(c, val, "network.unix.allow", K_PATH, false, l);
	for (size_t i = before; i < l->n; i++) {
		const struct pol_item *it = &l->v[i];

		if (unix_path_odd(it->s)) {
			c->bad = true;
			if (policy_errorf(c->errs, it->file, it->line, it->col,
					  "network.unix.allow: '%s' has a '.', '..' or empty "
					  "component: write the socket's canonical path",
					  it->s) == -ENOMEM)
				c->fatal = -ENOMEM;
		}
	}
}

static int parse_number(struct pctx *c, const struct ynode *val, const char *what, uint64_t max,
			const char *suffixes, const uint64_t *mult, uint64_t *out);

static void dns_max_label(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	parse_number(c, val, "network.dns.max_label_length", 63, NULL, NULL, &c->p->dns_max_label);
}

static void dns_max_labels(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	parse_number(c, val, "network.dns.max_labels", 127, NULL, NULL, &c->p->dns_max_labels);
}

static const struct key dns_keys[] = { { "max_label_length", dns_max_label },
				       { "max_labels", dns_max_labels } };

static void net_dns(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	walk(c, val, "network.dns", dns_keys, ARRAY_SIZE(dns_keys));
}

static const struct key unix_keys[] = { { "deny", unix_deny }, { "allow", unix_allow } };

static void net_unix(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	walk(c, val, "network.unix", unix_keys, ARRAY_SIZE(unix_keys));
}

static const struct key fs_keys[] = { { "read", fs_read },     { "write", fs_write },
				      { "exec", fs_exec },     { "protect", fs_protect },
				      { "atomic", fs_atomic }, { "cache", fs_cache } };
static const struct key env_keys[] = { { "deny", env_deny }, { "keep", env_keep } };

static void sec_env(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	walk(c, val, "secrets.env", env_keys, ARRAY_SIZE(env_keys));
}

static const struct key sec_keys[] = { { "files", sec_files },
				       { "patterns", sec_patterns },
				       { "env", sec_env } };
static const struct key net_keys[] = { { "connect", net_connect },
				       { "bind", net_bind },
				       { "unix", net_unix },
				       { "hosts", net_hosts },
				       { "dns", net_dns } };

/* An enumerated scalar: the index of @val in @names, or -1 after an error. */
static int parse_enum(struct pctx *c, const struct ynode *val, const char *what,
		      const char *const *names, size_t n, const char *expected)
{
	if (val->type != YN_SCALAR || ynode_is_null(val)) {
		perr(c, val, "'%s' must be one of %s, not %s", what, expected,
		     ynode_type_name(val));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(val->str, names[i]) && strlen(names[i]) == val->len)
			return (int)i;
	if (pol_has_control(val->str, val->len))
		perr(c, val, "bad value for '%s' (expected %s)", what, expected);
	else
		perr(c, val, "bad value '%s' for '%s' (expected %s)", val->str, what, expected);
	return -1;
}

static void proc_ptrace(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	static const char *const names[] = { "session", "none" };
	int i = parse_enum(c, val, "process.ptrace", names, 2, "none or session");

	(void)key;
	if (i >= 0)
		c->p->ptrace = i == 0 ? POL_PTRACE_SESSION : POL_PTRACE_NONE;
}

static void proc_signal(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	static const char *const names[] = { "any", "session" };
	int i = parse_enum(c, val, "process.signal", names, 2, "session or any");

	(void)key;
	if (i >= 0)
		c->p->signal = i == 0 ? POL_SIGNAL_ANY : POL_SIGNAL_SESSION;
}

static void proc_lifetime(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	static const char *const names[] = { "agent", "detached" };
	int i = parse_enum(c, val, "process.lifetime", names, 2, "agent or detached");

	(void)key;
	if (i >= 0)
		c->p->lifetime = i == 0 ? POL_LIFETIME_AGENT : POL_LIFETIME_DETACHED;
}

static const struct key proc_keys[] = { { "exec_deny", exec_deny },
					{ "ptrace", proc_ptrace },
					{ "signal", proc_signal },
					{ "lifetime", proc_lifetime } };

/*
 * A positive integer with an optional suffix: @suffixes lists accepted ones with their
 * multipliers. 0 and overflow are refused; -1 after an error.
 */
static int parse_number(struct pctx *c, const struct ynode *val, const char *what, uint64_t max,
			const char *suffixes, const uint64_t *mult, uint64_t *out)
{
	uint64_t v = 0, m = 1;
	size_t i = 0;

	if (val->type != YN_SCALAR || ynode_is_null(val) || val->len == 0) {
		perr(c, val, "'%s' must be a number, not %s", what, ynode_type_name(val));
		return -1;
	}
	for (; i < val->len && val->str[i] >= '0' && val->str[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10) {
			perr(c, val, "'%s' is too large", what);
			return -1;
		}
		v = v * 10 + (uint64_t)(val->str[i] - '0');
	}
	if (i == 0)
		goto bad;
	if (i < val->len) {
		const char *s = suffixes ? strchr(suffixes, val->str[i]) : NULL;

		if (!s || i + 1 != val->len)
			goto bad;
		m = mult[s - suffixes];
	}
	if (v == 0) {
		perr(c, val, "'%s' must be greater than 0", what);
		return -1;
	}
	if (v > max / m) {
		perr(c, val, "'%s' is too large (max %" PRIu64 "%s)", what, max,
		     suffixes ? " bytes" : "");
		return -1;
	}
	*out = v * m;
	return 0;
bad:
	if (pol_has_control(val->str, val->len))
		perr(c, val, "bad value for '%s'", what);
	else if (!suffixes)
		perr(c, val, "bad value '%s' for '%s' (expected a positive integer)", val->str,
		     what);
	else if (!strcmp(suffixes, "%"))
		perr(c, val, "bad value '%s' for '%s' (expected a percentage such as 200%%)",
		     val->str, what);
	else
		perr(c, val, "bad value '%s' for '%s' (expected a size such as 512M or 8G)",
		     val->str, what);
	return -1;
}

static void lim_pids(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	parse_number(c, val, "limits.pids", 4194304, NULL, NULL, &c->p->pids);
}

static void lim_nofile(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	parse_number(c, val, "limits.nofile", 1048576, NULL, NULL, &c->p->nofile);
}

static void lim_memory(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	static const uint64_t mult[] = { 1ull << 10, 1ull << 20, 1ull << 30, 1ull << 40 };

	(void)key;
	parse_number(c, val, "limits.memory", 1ull << 50, "KMGT", mult, &c->p->memory);
}

static void lim_cpu(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	static const uint64_t mult[] = { 1 };

	(void)key;
	/* Percent of one CPU; 100000% is a thousand CPUs. */
	parse_number(c, val, "limits.cpu", 100000, "%", mult, &c->p->cpu);
}

static const struct key lim_keys[] = {
	{ "pids", lim_pids }, { "memory", lim_memory }, { "cpu", lim_cpu }, { "nofile", lim_nofile }
};
static const struct key audit_keys[] = { { "record", audit_record } };

#define SECTION(fn, name, keys)                                                          \
	static void fn(struct pctx *c, const struct ynode *key, const struct ynode *val) \
	{                                                                                \
		(void)key;                                                               \
		walk(c, val, name, keys, ARRAY_SIZE(keys));                              \
	}

SECTION(sec_filesystem, "filesystem", fs_keys)
SECTION(sec_secrets, "secrets", sec_keys)
SECTION(sec_network, "network", net_keys)
SECTION(sec_process, "process", proc_keys)
SECTION(sec_limits, "limits", lim_keys)
SECTION(sec_audit, "audit", audit_keys)

static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      (i > 0 && (ch == '-' || ch == '_' || ch == '.'))))
			return false;
	}
	return true;
}

static void top_name(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	if (!want_string(c, val, "'name'"))
		return;
	if (!valid_name(val->str, val->len)) {
		perr(c, val,
		     "bad policy name '%s' (lowercase letters, digits, '-', '_', '.'; at most 64)",
		     val->str);
		return;
	}
	free(c->p->name);
	c->p->name = strdup(val->str);
	if (!c->p->name)
		c->fatal = -ENOMEM;
}

static void top_description(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	if (val->type != YN_SCALAR || ynode_is_null(val))
		perr(c, val, "'description' must be a string, not %s", ynode_type_name(val));
}

static void top_extends(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	(void)key;
	if (!want_string(c, val, "'extends'"))
		return;
	if (val->len > POLICY_MAX_PATH) {
		perr(c, val, "'extends' is too long");
		return;
	}
	pol_item_clear(&c->p->extends);
	if (pol_item_set(&c->p->extends, val->str, c->file, val->line, val->col) < 0)
		c->fatal = -ENOMEM;
}

static void top_mode(struct pctx *c, const struct ynode *key, const struct ynode *val)
{
	static const char *const names[] = { "best_effort", "strict" };
	int i = parse_enum(c, val, "mode", names, 2, "strict or best_effort");

	(void)key;
	if (i >= 0)
		c->p->mode = i == 0 ? POL_MODE_BEST_EFFORT : POL_MODE_STRICT;
}

static const struct key top_keys[] = {
	{ "name", top_name },	    { "description", top_description }, { "extends", top_extends },
	{ "mode", top_mode },	    { "filesystem", sec_filesystem },	{ "secrets", sec_secrets },
	{ "network", sec_network }, { "process", sec_process },		{ "limits", sec_limits },
	{ "audit", sec_audit },
};

int policy_parse(const char *file, const char *buf, size_t len, struct policy **out,
		 struct policy_errors *errs)
{
	struct ynode *root = NULL;
	struct pctx c = { .file = file, .errs = errs };
	bool refused;
	int r;

	*out = NULL;
	r = yaml_tree_parse(file, buf, len, &root, &refused, errs);
	if (r < 0)
		return r;
	c.bad = refused;
	if (!root || ynode_is_null(root)) {
		yaml_tree_free(root);
		if (refused)
			return -EINVAL;
		return policy_errorf(errs, file, 1, 1,
				     "empty policy: expected a mapping with at "
				     "least 'name'");
	}
	c.p = calloc(1, sizeof(*c.p));
	if (!c.p || !(c.p->file = strdup(file))) {
		yaml_tree_free(root);
		policy_free(c.p);
		return -ENOMEM;
	}
	if (root->type != YN_MAP)
		perr(&c, root, "a policy must be a mapping, not %s", ynode_type_name(root));
	else
		walk(&c, root, "", top_keys, ARRAY_SIZE(top_keys));
	if (root->type == YN_MAP && !c.p->name && !c.bad && !refused)
		perr(&c, root, "missing required key 'name'");
	yaml_tree_free(root);
	if (c.fatal || c.bad) {
		policy_free(c.p);
		return c.fatal ? c.fatal : -EINVAL;
	}
	*out = c.p;
	return 0;
}

int policy_parse_file(const char *path, struct policy **out, struct policy_errors *errs)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		policy_errorf(errs, path, 1, 1, "cannot open: %s", strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	/* A FIFO or device could block or never end: policies are regular files. */
	if (!S_ISREG(st.st_mode))
		return policy_errorf(errs, path, 1, 1, "not a regular file");
	if (st.st_size > POLICY_MAX_FILE_BYTES)
		return policy_errorf(errs, path, 1, 1, "policy file is larger than %u bytes",
				     POLICY_MAX_FILE_BYTES);
	buf = malloc(POLICY_MAX_FILE_BYTES + 1);
	if (!buf)
		return -ENOMEM;
	/* Read to EOF but never past the limit, even if the file grows while we read. */
	for (;;) {
		ssize_t n = read(fd, buf + len, POLICY_MAX_FILE_BYTES + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return policy_errorf(errs, path, 1, 1, "read error: %s", strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > POLICY_MAX_FILE_BYTES)
			return policy_errorf(errs, path, 1, 1,
					     "policy file is larger than %u bytes",
					     POLICY_MAX_FILE_BYTES);
	}
	return policy_parse(path, buf, len, out, errs);
}
