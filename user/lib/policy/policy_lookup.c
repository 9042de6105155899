// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where policies come from: a path, or a name searched in /etc/cordon/policies, then the user's
 * ${XDG_CONFIG_HOME:-$HOME/.config}/cordon/policies, then the set embedded in the binary.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "policy/policy.h"

const char *policy_source_name(enum policy_source src)
{
	switch (src) {
	case POLICY_SRC_SYSTEM:
		return "system";
	case POLICY_SRC_USER:
		return "user";
	case POLICY_SRC_BUILTIN:
		return "builtin";
	default:
		return "path";
	}
}

static const char *system_dir(const struct policy_search *s)
{
	return s && s->system_dir ? s->system_dir : POLICY_SYSTEM_DIR;
}

/*
 * The user directory, allocated into *@out; *@out is NULL when neither XDG_CONFIG_HOME nor
 * HOME is usable. 0 or -ENOMEM.
 */
static int user_dir(const struct policy_search *s, char **out)
{
	const char *x;

	*out = NULL;
	/* "" means no user directory at all (the daemon never reads users' files). */
	if (s && s->user_dir) {
		if (!s->user_dir[0])
			return 0;
		*out = strdup(s->user_dir);
	} else if ((x = getenv("XDG_CONFIG_HOME")) && x[0] == '/') {
		*out = cordon_path_join(x, "cordon/policies");
	} else if ((x = getenv("HOME")) && x[0] == '/') {
		*out = cordon_path_join(x, ".config/cordon/policies");
	} else {
		return 0;
	}
	return *out ? 0 : -ENOMEM;
}

static bool is_path_ref(const char *ref)
{
	size_t n = strlen(ref);

	return strchr(ref, '/') || (n >= 5 && !strcmp(ref + n - 5, ".yaml"));
}

/* Names are file stems: nothing that could walk out of the search directory. */
static bool valid_ref_name(const char *s)
{
	if (!*s || strlen(s) > 64 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return false;
	return true;
}

static int load_builtin(const char *name, struct policy **out, struct policy_errors *errs)
{
	const struct policy_embedded *e = policy_embedded_find(name);
	char label[96];

	if (!e)
		return -ENOENT;
	snprintf(label, sizeof(label), "builtin:%s", name);
	return policy_parse(label, e->data, e->len, out, errs);
}

/* A path reference; a relative one is relative to the file that names it. */
static int load_path_ref(const char *ref, const char *file, struct policy **out,
			 struct policy_errors *errs)
{
	_cleanup_free_ char *path = NULL;

	if (ref[0] != '/' && file && strncmp(file, "builtin:", 8) && strchr(file, '/'))
		path = cordon_strdup_printf("%.*s/%s", (int)(strrchr(file, '/') - file), file, ref);
	else
		path = strdup(ref);
	if (!path)
		return -ENOMEM;
	return policy_parse_file(path, out, errs);
}

/* @dir/@name.yaml into *@path when it exists: 1, 0 when not, -ENOMEM. */
static int named_file(const char *dir, const char *name, char **path)
{
	*path = NULL;
	if (!dir)
		return 0;
	*path = cordon_strdup_printf("%s/%s.yaml", dir, name);
	if (!*path)
		return -ENOMEM;
	if (access(*path, F_OK) == 0)
		return 1;
	free(*path);
	*path = NULL;
	return 0;
}

/* Record where @p came from, and what it shadows or what was not allowed to shadow it. */
static int set_origin(struct policy *p, const char *note, const char *other)
{
	if (!note)
		return 0;
	free(p->origin);
	p->origin = cordon_strdup_printf("%s (%s %s)", p->file, note, other);
	return p->origin ? 0 : -ENOMEM;
}

/*
 * A name: the system directory, the user's, then the built-in set; with @search->user_last the
 * user's last, so that a user's file never shadows a system or built-in policy.
 */
static int load_named_ref(const char *ref, const struct policy_search *search, const char *file,
			  int line, int col, struct policy **out, struct policy_errors *errs)
{
	_cleanup_free_ char *udir = NULL, *spath = NULL, *upath = NULL;
	bool builtin = !(search && search->no_builtin) && policy_embedded_find(ref);
	bool user_last = search && search->user_last;
	char blabel[96];
	int r = user_dir(search, &udir);

	if (r >= 0)
		r = named_file(system_dir(search), ref, &spath);
	if (r >= 0)
		r = named_file(udir, ref, &upath);
	if (r < 0)
		return r;
	snprintf(blabel, sizeof(blabel), "builtin:%s", ref);
	if (spath)
		r = policy_parse_file(spath, out, errs);
	else if (upath && !(user_last && builtin))
		r = policy_parse_file(upath, out, errs);
	else if (builtin)
		r = load_builtin(ref, out, errs);
	else
		r = -ENOENT;
	if (r == -ENOENT) {
		policy_errorf(errs, file, line, col,
			      "policy '%s' not found in %s, %s or the built-in set", ref,
			      system_dir(search), udir ? udir : "(no user directory)");
		return r;
	}
	if (r < 0)
		return r;
	if (spath)
		r = set_origin(*out, upath || builtin ? "shadows" : NULL, builtin ? blabel : upath);
	else if (upath && !(user_last && builtin))
		r = set_origin(*out, builtin ? "user file, shadows" : NULL, blabel);
	else if (upath)
		r = set_origin(*out, "root-launched: ignored the user's", upath);
	if (r < 0) {
		policy_free(*out);
		*out = NULL;
	}
	return r;
}

int policy_load_ref(const char *ref, const struct policy_search *search, const char *file, int line,
		    int col, struct policy **out, struct policy_errors *errs)
{
	int r;

	*out = NULL;
	if (!strncmp(ref, "builtin:", 8)) {
		r = search && search->no_builtin ? -ENOENT : load_builtin(ref + 8, out, errs);
		if (r == -ENOENT)
			policy_errorf(errs, file, line, col, "no built-in policy '%s'", ref + 8);
		return r;
	}
	if (is_path_ref(ref) && search && search->names_only)
		return policy_errorf(errs, file, line, col,
				     "'%s': only policy names may be referred to here, not paths",
				     ref);
	if (is_path_ref(ref))
		return load_path_ref(ref, file, out, errs);
	if (!valid_ref_name(ref))
		return policy_errorf(errs, file, line, col,
				     "bad policy name '%s' (a name, 'builtin:NAME' or a path)",
				     ref);
	return load_named_ref(ref, search, file, line, col, out, errs);
}

static int add_entry(struct policy_entry **v, size_t *n, const char *name, enum policy_source src,
		     const char *path)
{
	struct policy_entry *grown = realloc(*v, (*n + 1) * sizeof(**v));
	struct policy_entry *e;

	if (!grown)
		return -ENOMEM;
	*v = grown;
	e = &(*v)[*n];
	memset(e, 0, sizeof(*e));
	e->source = src;
	e->name = strdup(name);
	e->path = strdup(path);
	if (!e->name || !e->path) {
		free(e->name);
		free(e->path);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/* The order names resolve in (load_named_ref): lower wins. */
static int precedence(enum policy_source src, bool user_last)
{
	switch (src) {
	case POLICY_SRC_SYSTEM:
		return 0;
	case POLICY_SRC_USER:
		return user_last ? 2 : 1;
	default:
		return user_last ? 1 : 2;
	}
}

static void mark_shadowing(struct policy_entry *v, size_t n, bool user_last)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			if (i == j || strcmp(v[i].name, v[j].name))
				continue;
			if (precedence(v[i].source, user_last) < precedence(v[j].source, user_last))
				v[i].shadows = true;
			else
				v[i].shadowed = true;
		}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int scan_dir(const char *dir, enum policy_source src, struct policy_entry **v, size_t *n)
{
	_cleanup_free_ char **names = NULL;
	size_t nn = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!dir)
		return 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") || de->d_name[0] == '.')
			continue;
		grown = realloc(names, (nn + 1) * sizeof(*names));
		if (!grown || !(grown[nn] = strndup(de->d_name, len - 5))) {
			if (grown)
				names = grown;
			r = -ENOMEM;
			break;
		}
		names = grown;
		nn++;
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		_cleanup_free_ char *path = cordon_strdup_printf("%s/%s.yaml", dir, names[i]);
		struct stat st;

		if (!path && !r)
			r = -ENOMEM;
		if (!r && valid_ref_name(names[i]) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			r = add_entry(v, n, names[i], src, path);
		free(names[i]);
	}
	return r;
}

int policy_list(const struct policy_search *search, struct policy_entry **out)
{
	struct policy_entry *v = NULL;
	_cleanup_free_ char *udir = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	r = scan_dir(system_dir(search), POLICY_SRC_SYSTEM, &v, &n);
	if (!r)
		r = user_dir(search, &udir);
	if (!r)
		r = scan_dir(udir, POLICY_SRC_USER, &v, &n);
	for (size_t i = 0; !r && !(search && search->no_builtin) && i < policy_embedded_count();
	     i++) {
		const struct policy_embedded *e = policy_embedded_get(i);
		char label[96];

		snprintf(label, sizeof(label), "builtin:%s", e->name);
		r = add_entry(&v, &n, e->name, POLICY_SRC_BUILTIN, label);
	}
	if (r < 0) {
		policy_entries_free(v, n);
		return r;
	}
	mark_shadowing(v, n, search && search->user_last);
	*out = v;
	return (int)n;
}

void policy_entries_free(struct policy_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}
