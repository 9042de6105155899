// SPDX-License-Identifier: GPL-2.0-only
/*
 * A git config file the session wrote, defused: every variable outside a short list of keys
 * that only describe the repository (remotes, branches, format) is commented out.
 *
 * An allowlist, not a denylist: git grows keys that run programs (core.fsmonitor,
 * core.sshCommand, core.pager, filter.*.process, diff.*.textconv, merge.*.driver,
 * include.path, alias.*, credential.helper, remote.*.uploadpack, gpg.program, ...) faster than
 * a list of them can follow, and a key that is not understood here must not survive. What git
 * does not parse (a malformed header, text after a section header) is commented out too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "enforce/enforce.h"

#define GIT_CONFIG_MAX (1 << 20)
#define COMMENT	       "# cordon: "

/* Keys of a section (NULL-terminated); a section with subsections when .sub. */
struct safe_section {
	const char *name;
	bool sub;
	const char *const *keys;
};

static const char *const core_keys[] = { "repositoryformatversion",
					 "filemode",
					 "bare",
					 "logallrefupdates",
					 "ignorecase",
					 "precomposeunicode",
					 "symlinks",
					 "autocrlf",
					 "eol",
					 "safecrlf",
					 "quotepath",
					 "abbrev",
					 "compression",
					 "checkstat",
					 "trustctime",
					 "untrackedcache",
					 "splitindex",
					 "preloadindex",
					 "multipackindex",
					 "commitgraph",
					 "protecthfs",
					 "protectntfs",
					 NULL };
static const char *const remote_keys[] = { "url",
					   "pushurl",
					   "fetch",
					   "push",
					   "mirror",
					   "tagopt",
					   "prune",
					   "prunetags",
					   "skipdefaultupdate",
					   "skipfetchall",
					   "promisor",
					   "partialclonefilter",
					   NULL };
static const char *const branch_keys[] = { "remote",	 "merge",	"rebase",
					   "pushremote", "description", NULL };
static const char *const user_keys[] = { "name", "email", NULL };
static const char *const extensions_keys[] = {
	"objectformat", "worktreeconfig", "refstorage", "preciousobjects",
	"partialclone", "noop",		  NULL
};
static const char *const submodule_keys[] = {
	"url", "path", "active", "branch", "ignore", "shallow", "fetchrecursesubmodules", NULL
};
static const char *const init_keys[] = { "defaultbranch", NULL };
static const char *const pull_keys[] = { "rebase", "ff", NULL };
static const char *const push_keys[] = { "default", "autosetupremote", NULL };
static const char *const fetch_keys[] = { "prune", "prunetags", NULL };
static const char *const gc_keys[] = { "auto", "autopacklimit", "autodetach", NULL };
static const char *const index_keys[] = { "version", NULL };

static const struct safe_section safe[] = {
	{ "core", false, core_keys },
	{ "remote", true, remote_keys },
	{ "branch", true, branch_keys },
	{ "user", false, user_keys },
	{ "extensions", false, extensions_keys },
	{ "submodule", true, submodule_keys },
	{ "init", false, init_keys },
	{ "pull", false, pull_keys },
	{ "push", false, push_keys },
	{ "fetch", false, fetch_keys },
	{ "gc", false, gc_keys },
	{ "index", false, index_keys },
};

/* The section the lines below a header belong to; NULL: none is safe. */
struct state {
	const struct safe_section *sec;
	bool continued;	 /* the previous line ended in an unescaped backslash */
	bool drop_value; /* ... and it was commented out, so this one is too */
};

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/*
 * "[name]", "[name \"sub\"]" or "[name.sub]", and nothing after it but a comment: 0, with
 * @sec the safe section or NULL; -1 for anything else (dropped, with the lines below it).
 */
static int header(const char *s, size_t n, const struct safe_section **sec)
{
	size_t i = 1, name_end;
	bool sub = false;

	*sec = NULL;
	while (i < n && (is_key_char(s[i]) || s[i] == '.'))
		i++;
	name_end = i;
	if (i < n && s[i] == ' ') {
		/* a quoted subsection: anything but a newline, escapes allowed */
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n || s[i++] != '"')
			return -1;
		while (i < n && s[i] != '"')
			i += s[i] == '\\' ? 2 : 1;
		if (i++ >= n)
			return -1;
		sub = true;
	}
	if (i >= n || s[i++] != ']')
		return -1;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] != '#' && s[i] != ';')
		return -1; /* a variable on the header's line: not worth parsing */
	for (size_t k = 0; k < ARRAY_SIZE(safe); k++) {
		size_t m = strlen(safe[k].name);
		/* "[remote.origin]": the old subsection syntax */
		bool dotted = name_end > 1 + m && s[1 + m] == '.';

		if (name_end - 1 < m || strncasecmp(s + 1, safe[k].name, m))
			continue;
		if ((name_end - 1 == m && sub == safe[k].sub) || (dotted && !sub && safe[k].sub)) {
			*sec = &safe[k];
			break;
		}
	}
	return 0;
}

static bool key_safe(const struct safe_section *sec, const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && is_key_char(s[k]))
		k++;
	if (!sec || !k)
		return false;
	for (const char *const *key = sec->keys; *key; key++)
		if (strlen(*key) == k && !strncasecmp(s, *key, k))
			return true;
	return false;
}

static bool ends_continued(const char *s, size_t n)
{
	size_t b = 0;

	while (b < n && s[n - 1 - b] == '\\')
		b++;
	return b % 2 == 1;
}

/* One line (without its newline): keep it (true) or comment it out. */
static bool keep_line(struct state *st, const char *s, size_t n)
{
	bool was_continued = st->continued, keep;
	size_t i = 0;

	if (n && s[n - 1] == '\r')
		n--;
	st->continued = ends_continued(s, n);
	if (was_continued) {
		keep = !st->drop_value;
	} else {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n || s[i] == '#' || s[i] == ';') {
			st->continued = false; /* a comment never continues */
			return true;
		}
		if (s[i] == '[') {
			/* An unsafe section's header is harmless alone (its keys go). */
			st->continued = false;
			return header(s + i, n - i, &st->sec) == 0;
		}
		keep = key_safe(st->sec, s + i, n - i);
	}
	st->drop_value = !keep;
	return keep;
}

int cordon_git_config_defuse(const char *in, size_t len, char **out, size_t *out_len)
{
	struct state st = { 0 };
	size_t cap = len + len / 4 + 64, o = 0;
	char *buf = malloc(cap);
	int dropped = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(in + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (in + at)) : len - at;
		bool keep = keep_line(&st, in + at, n);
		size_t need = o + n + sizeof(COMMENT) + 2; /* a newline, a NUL */

		if (need > cap) {
			char *b;

			cap = need * 2;
			b = realloc(buf, cap);
			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
		}
		if (!keep) {
			memcpy(buf + o, COMMENT, sizeof(COMMENT) - 1);
			o += sizeof(COMMENT) - 1;
			dropped++;
		}
		memcpy(buf + o, in + at, n);
		o += n;
		if (nl)
			buf[o++] = '\n';
		at += n + (nl ? 1 : 0);
	}
	buf[o] = 0;
	*out = buf;
	*out_len = o;
	return dropped;
}

static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + *len, cap - *len);

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		*len += (size_t)n;
		if (*len == cap)
			return -EFBIG;
	}
}

int cordon_git_config_defuse_at(int dfd, const char *name)
{
	_cleanup_free_ char *in = malloc(GIT_CONFIG_MAX + 1), *out = NULL;
	char tmp[NAME_MAX + 1];
	size_t len, out_len;
	int fd, r, wfd;

	if (!in)
		return -ENOMEM;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_all(fd, in, GIT_CONFIG_MAX + 1, &len);
	close(fd);
	if (r < 0)
		return r;
	r = cordon_git_config_defuse(in, len, &out, &out_len);
	if (r <= 0)
		return r;
	/* Replaced whole (rename): git never reads half of it. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.cordon-tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	wfd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (wfd < 0)
		return -errno;
	if (write(wfd, out, out_len) != (ssize_t)out_len || fsync(wfd) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0) {
		int e = errno ? -errno : -EIO;

		close(wfd);
		unlinkat(dfd, tmp, 0);
		return e;
	}
	close(wfd);
	return r;
}

/* ---- a write of a protected config, judged against the current file ------------------------ */

/*
 * One variable as git reads it (config.c: git_parse_source, get_base_var, get_value,
 * parse_value): section and key lower-cased, a quoted subsection as written, the dotted old
 * form lower-cased whole; the value with git's escapes and quotes decoded (NULL: a bare key).
 * Parsed the way git parses it, not line by line: a backslash inside a comment does not
 * continue the line, a variable may follow a section header on its line, and a newline in a
 * value exists only as the escape "\n" inside one logical line.
 */
struct git_var {
	char *section, *sub, *key, *value; /* sub, value: NULL when absent */
};

struct git_vars {
	struct git_var *v;
	size_t n, cap;
};

struct git_src {
	const char *s;
	size_t len, at;
};

#define GIT_EOF (-1)

static int src_next(struct git_src *p)
{
	int c;

	if (p->at >= p->len)
		return GIT_EOF;
	c = (unsigned char)p->s[p->at++];
	if (c == '\r' && p->at < p->len && p->s[p->at] == '\n') {
		c = '\n';
		p->at++;
	}
	return c;
}

struct strbuf_ {
	char *s;
	size_t n, cap;
};

static int sb_add(struct strbuf_ *b, char c)
{
	if (!b->s || b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *s = realloc(b->s, cap);

		if (!s)
			return -ENOMEM;
		b->s = s;
		b->cap = cap;
	}
	b->s[b->n++] = c;
	b->s[b->n] = 0;
	return 0;
}

static char *sb_take(struct strbuf_ *b)
{
	char *s = b->s ? b->s : strdup("");

	*b = (struct strbuf_){ 0 };
	return s;
}

static void git_vars_free(struct git_vars *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].section);
		free(vs->v[i].sub);
		free(vs->v[i].key);
		free(vs->v[i].value);
	}
	free(vs->v);
	*vs = (struct git_vars){ 0 };
}

static bool git_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool git_isalnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char git_lower(int c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* After "[": the header up to "]". 0, or -EINVAL where git reports a bad config line. */
static int parse_header(struct git_src *p, struct strbuf_ *sec, struct strbuf_ *sub, bool *has_sub)
{
	int c;

	*has_sub = false;
	for (;;) {
		c = src_next(p);
		if (c == GIT_EOF || c == '\n')
			return -EINVAL;
		if (c == ']')
			return 0;
		if (git_isspace(c))
			break;
		if (!git_isalnum(c) && c != '.' && c != '-')
			return -EINVAL;
		if (sb_add(sec, git_lower(c)))
			return -ENOMEM;
	}
	/* get_extended_base_var: spaces, a quoted subsection, then "]" at once */
	do
		c = src_next(p);
	while (c == ' ' || c == '\t');
	if (c != '"')
		return -EINVAL;
	*has_sub = true;
	for (;;) {
		c = src_next(p);
		if (c == GIT_EOF || c == '\n')
			return -EINVAL;
		if (c == '"')
			break;
		if (c == '\\') {
			c = src_next(p);
			if (c == GIT_EOF || c == '\n')
				return -EINVAL;
		}
		if (sb_add(sub, (char)c))
			return -ENOMEM;
	}
	return src_next(p) == ']' ? 0 : -EINVAL;
}

/* After "=": the value to the end of its logical line, decoded as git does. */
static int parse_value(struct git_src *p, struct strbuf_ *val)
{
	bool quote = false, comment = false;
	size_t space = 0;

	if (sb_add(val, 0)) /* an empty value is "", not absent */
		return -ENOMEM;
	val->n = 0;
	for (;;) {
		int c = src_next(p);

		if (c == GIT_EOF || c == '\n')
			return quote ? -EINVAL : 0;
		if (comment)
			continue;
		if (git_isspace(c) && !quote) {
			if (val->n)
				space++;
			continue;
		}
		if (!quote && (c == ';' || c == '#')) {
			comment = true;
			continue;
		}
		for (; space; space--)
			if (sb_add(val, ' '))
				return -ENOMEM;
		if (c == '\\') {
			c = src_next(p);
			switch (c) {
			case '\n':
				continue; /* a continued line */
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'n':
				c = '\n';
				break;
			case '\\':
			case '"':
				break;
			default:
				return -EINVAL;
			}
			if (sb_add(val, (char)c))
				return -ENOMEM;
			continue;
		}
		if (c == '"') {
			quote = !quote;
			continue;
		}
		if (sb_add(val, (char)c))
			return -ENOMEM;
	}
}

static int vars_push(struct git_vars *vs, const char *section, const char *sub, bool has_sub,
		     struct strbuf_ *key, struct strbuf_ *val, bool has_val)
{
	struct git_var *v;

	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 16;

		v = realloc(vs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		vs->v = v;
		vs->cap = cap;
	}
	v = &vs->v[vs->n];
	*v = (struct git_var){ .section = strdup(section),
			       .sub = has_sub ? strdup(sub) : NULL,
			       .key = sb_take(key),
			       .value = has_val ? sb_take(val) : NULL };
	vs->n++;
	if (!v->section || (has_sub && !v->sub) || !v->key || (has_val && !v->value))
		return -ENOMEM;
	return 0;
}

/* Every variable of a config file: 0, -EINVAL where git would refuse the file, -ENOMEM. */
static int git_vars_parse(const char *s, size_t len, struct git_vars *vs)
{
	struct git_src p = { .s = s, .len = len };
	struct strbuf_ sec = { 0 }, sub = { 0 }, key = { 0 }, val = { 0 };
	bool comment = false, has_sub = false, in_section = false;
	int r = 0;

	/* git skips a UTF-8 byte order mark at the start */
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		p.at = 3;
	for (;;) {
		int c = src_next(&p);

		if (c == GIT_EOF)
			break;
		if (c == '\n') {
			comment = false;
			continue;
		}
		if (comment || git_isspace(c))
			continue;
		if (c == '#' || c == ';') {
			comment = true;
			continue;
		}
		if (c == '[') {
			free(sec.s);
			free(sub.s);
			sec = sub = (struct strbuf_){ 0 };
			r = parse_header(&p, &sec, &sub, &has_sub);
			if (r < 0)
				break;
			if (!sec.s && (r = sb_add(&sec, 0)) < 0)
				break;
			if (!sub.s && (r = sb_add(&sub, 0)) < 0)
				break;
			in_section = true;
			continue;
		}
		if (!in_section || !git_isalnum(c) || (c >= '0' && c <= '9')) {
			r = -EINVAL; /* git: a key starts with a letter, inside a section */
			break;
		}
		/* get_value: the key, blanks, then "=" and a value, or the end of the line */
		if ((r = sb_add(&key, git_lower(c))) < 0)
			break;
		for (;;) {
			c = src_next(&p);
			if (c == GIT_EOF || !(git_isalnum(c) || c == '-'))
				break;
			if ((r = sb_add(&key, git_lower(c))) < 0)
				goto out;
		}
		while (c == ' ' || c == '\t')
			c = src_next(&p);
		if (c == GIT_EOF || c == '\n') {
			r = vars_push(vs, sec.s, sub.s, has_sub, &key, &val, false);
		} else if (c != '=') {
			r = -EINVAL;
		} else {
			r = parse_value(&p, &val);
			if (r == 0)
				r = vars_push(vs, sec.s, sub.s, has_sub, &key, &val, true);
		}
		if (r < 0)
			break;
	}
out:
	free(sec.s);
	free(sub.s);
	free(key.s);
	free(val.s);
	return r;
}

/* Only describes the repository: a key of the allowlist above (dotted form: a subsection). */
static bool var_allowed(const struct git_var *v)
{
	const char *section = v->section;
	size_t slen = strlen(section);
	bool sub = v->sub != NULL;

	/* "[remote.origin]": git reads section "remote", subsection "origin" */
	if (!sub && strchr(section, '.')) {
		slen = (size_t)(strchr(section, '.') - section);
		sub = true;
	}
	for (size_t k = 0; k < ARRAY_SIZE(safe); k++) {
		if (strlen(safe[k].name) != slen || strncmp(section, safe[k].name, slen) ||
		    safe[k].sub != sub)
			continue;
		for (const char *const *key = safe[k].keys; *key; key++)
			if (!strcmp(v->key, *key))
				return true;
	}
	return false;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool var_in(const struct git_var *v, const struct git_vars *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		if (!strcmp(v->section, vs->v[i].section) && str_eq(v->sub, vs->v[i].sub) &&
		    !strcmp(v->key, vs->v[i].key) && str_eq(v->value, vs->v[i].value))
			return true;
	return false;
}

/* "section[.sub].key" of @v into @out (cut to @size, never unterminated). */
static void var_name(const struct git_var *v, char *out, size_t size)
{
	if (v->sub)
		snprintf(out, size, "%s.%s.%s", v->section, v->sub, v->key);
	else
		snprintf(out, size, "%s.%s", v->section, v->key);
}

int cordon_git_config_check(const char *cur, size_t cur_len, const char *next, size_t next_len,
			    char *bad, size_t bad_size)
{
	struct git_vars before = { 0 }, after = { 0 };
	int r;

	if (bad_size)
		bad[0] = 0;
	/* A current file git cannot read gives nothing to keep: every variable is judged. */
	r = git_vars_parse(cur, cur_len, &before);
	if (r == -EINVAL) {
		git_vars_free(&before);
		r = 0;
	}
	if (r == 0)
		r = git_vars_parse(next, next_len, &after);
	if (r == -EINVAL) {
		snprintf(bad, bad_size, "(a line git cannot parse)");
		r = 1;
	}
	for (size_t i = 0; r == 0 && i < after.n; i++) {
		if (var_in(&after.v[i], &before) || var_allowed(&after.v[i]))
			continue;
		var_name(&after.v[i], bad, bad_size);
		r = 1;
	}
	git_vars_free(&before);
	git_vars_free(&after);
	return r;
}
