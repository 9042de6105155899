// SPDX-License-Identifier: GPL-2.0-only
/* Parsing of /proc/self/mountinfo (see proc(5)): the fields cordon needs and nothing else. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sys/sys.h"

int cordon_mountinfo_unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (*s != '\\') {
			*out++ = *s++;
			continue;
		}
		if (s[1] < '0' || s[1] > '3' || s[2] < '0' || s[2] > '7' || s[3] < '0' ||
		    s[3] > '7')
			return -EINVAL;
		*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
		s += 4;
	}
	*out = '\0';
	return 0;
}

static int copy_field(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return -ENAMETOOLONG;
	strcpy(dst, src);
	return cordon_mountinfo_unescape(dst);
}

/*
 * A line: ID PARENT MAJ:MIN ROOT TARGET OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS.
 * The optional fields end at a lone "-", so the type is found after it, not at a fixed index.
 */
/* Whether the comma-separated @list holds the option @opt exactly. */
static bool has_option(const char *list, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static int parse_line(char *line, const char *fstype, const char *opt, struct cordon_mount *m)
{
	char *field[6], *save = NULL, *tok;
	int n = 0, r;

	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field[n++] = tok;
		if (n == 6)
			break;
	}
	if (n < 6)
		return -EINVAL;
	for (tok = strtok_r(NULL, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, "-") == 0)
			break;
	if (!tok)
		return -EINVAL;
	tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return -EINVAL;
	if (strcmp(tok, fstype) != 0)
		return 0;
	if (opt) {
		strtok_r(NULL, " ", &save); /* the source */
		tok = strtok_r(NULL, " ", &save);
		if (!tok || !has_option(tok, opt))
			return 0;
	}
	r = copy_field(m->root, sizeof(m->root), field[3]);
	if (r < 0)
		return r;
	r = copy_field(m->target, sizeof(m->target), field[4]);
	if (r < 0)
		return r;
	return 1;
}

int cordon_mountinfo_find_opt(FILE *f, const char *fstype, const char *opt, struct cordon_mount *m)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int r;

	while (getline(&line, &cap, f) > 0) {
		r = parse_line(line, fstype, opt, m);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return -ENOENT;
}

int cordon_mountinfo_find(FILE *f, const char *fstype, struct cordon_mount *m)
{
	return cordon_mountinfo_find_opt(f, fstype, NULL, m);
}

int cordon_mount_find_opt(const char *fstype, const char *opt, struct cordon_mount *m)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	return cordon_mountinfo_find_opt(f, fstype, opt, m);
}

int cordon_mount_find(const char *fstype, struct cordon_mount *m)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	return cordon_mountinfo_find(f, fstype, m);
}
