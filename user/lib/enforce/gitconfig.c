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
