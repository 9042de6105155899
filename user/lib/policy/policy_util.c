// SPDX-License-Identifier: GPL-2.0-only
/* Ownership of policy objects: list append, deep copy and free. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/policy_internal.h"

const struct pol_path_field pol_path_fields[] = {
	{ "filesystem.read", offsetof(struct policy, fs_read), true },
	{ "filesystem.write", offsetof(struct policy, fs_write), true },
	{ "filesystem.exec", offsetof(struct policy, fs_exec), true },
	{ "filesystem.protect", offsetof(struct policy, fs_protect), false },
	/* united with the floor: it grants nothing fs_write does not (enforce/home.c) */
	{ "filesystem.atomic", offsetof(struct policy, fs_atomic), false },
	/* united with the floor too: a floor can keep a site's caches out of a session's reach */
	{ "filesystem.cache", offsetof(struct policy, fs_cache), false },
	{ "secrets.files", offsetof(struct policy, sec_files), false },
	{ "network.unix.deny", offsetof(struct policy, unix_deny), false },
	{ "network.unix.allow", offsetof(struct policy, unix_allow), true },
	{ "process.exec_deny", offsetof(struct policy, exec_deny), false },
};
const size_t pol_path_fields_n = sizeof(pol_path_fields) / sizeof(pol_path_fields[0]);

bool pol_has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

int pol_item_set(struct pol_item *it, const char *s, const char *file, int line, int col)
{
	it->s = strdup(s);
	it->file = strdup(file ? file : "<input>");
	it->line = line;
	it->col = col;
	if (!it->s || !it->file) {
		pol_item_clear(it);
		return -ENOMEM;
	}
	return 0;
}

void pol_item_clear(struct pol_item *it)
{
	free(it->s);
	free(it->file);
	it->s = it->file = NULL;
}

/*
 * @v (of @n elements of @size bytes) reallocated with room for one more, or NULL with errno
 * E2BIG (the list is at POLICY_MAX_LIST) or ENOMEM.
 */
static void *list_grow(void *v, size_t n, size_t size)
{
	if (n >= POLICY_MAX_LIST) {
		errno = E2BIG;
		return NULL;
	}
	return realloc(v, (n + 1) * size);
}

int pol_list_append(struct pol_list *l, const struct pol_item *it)
{
	struct pol_item *v = list_grow(l->v, l->n, sizeof(*v));
	int r;

	if (!v)
		return -errno;
	l->v = v;
	r = pol_item_set(&v[l->n], it->s, it->file, it->line, it->col);
	l->n += !r;
	return r;
}

void pol_list_clear(struct pol_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pol_item_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void pol_net_clear(struct pol_net *n)
{
	free(n->text);
	free(n->host);
	free(n->hostset);
	free(n->file);
	memset(n, 0, sizeof(*n));
}

int pol_net_copy(struct pol_net *dst, const struct pol_net *src)
{
	*dst = *src;
	dst->text = src->text ? strdup(src->text) : NULL;
	dst->host = src->host ? strdup(src->host) : NULL;
	dst->hostset = src->hostset ? strdup(src->hostset) : NULL;
	dst->file = src->file ? strdup(src->file) : NULL;
	if ((src->text && !dst->text) || (src->host && !dst->host) ||
	    (src->hostset && !dst->hostset) || (src->file && !dst->file)) {
		pol_net_clear(dst);
		return -ENOMEM;
	}
	return 0;
}

int pol_net_list_append(struct pol_net_list *l, const struct pol_net *n)
{
	struct pol_net *v = list_grow(l->v, l->n, sizeof(*v));
	int r;

	if (!v)
		return -errno;
	l->v = v;
	r = pol_net_copy(&v[l->n], n);
	l->n += !r;
	return r;
}

void pol_net_list_clear(struct pol_net_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pol_net_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void pol_hostset_clear(struct pol_hostset *h)
{
	free(h->name);
	pol_net_list_clear(&h->members);
	memset(h, 0, sizeof(*h));
}

int pol_hostset_copy(struct pol_hostset *dst, const struct pol_hostset *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->name = strdup(src->name);
	if (!dst->name)
		return -ENOMEM;
	dst->members.set = src->members.set;
	for (size_t i = 0; i < src->members.n; i++)
		if (pol_net_list_append(&dst->members, &src->members.v[i]) < 0) {
			pol_hostset_clear(dst);
			return -ENOMEM;
		}
	return 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->file);
	free(p->origin);
	pol_item_clear(&p->extends);
	for (size_t i = 0; i < pol_path_fields_n; i++)
		pol_list_clear(pol_field(p, &pol_path_fields[i]));
	pol_list_clear(&p->sec_patterns);
	pol_list_clear(&p->env_deny);
	pol_list_clear(&p->env_keep);
	pol_net_list_clear(&p->connect);
	pol_net_list_clear(&p->bind);
	for (size_t i = 0; i < p->nhosts; i++)
		pol_hostset_clear(&p->hosts[i]);
	free(p->hosts);
	free(p);
}

static int list_copy(struct pol_list *dst, const struct pol_list *src)
{
	dst->set = src->set;
	dst->replace = src->replace;
	for (size_t i = 0; i < src->n; i++)
		if (pol_list_append(dst, &src->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int net_list_copy(struct pol_net_list *dst, const struct pol_net_list *src)
{
	dst->set = src->set;
	dst->replace = src->replace;
	for (size_t i = 0; i < src->n; i++)
		if (pol_net_list_append(dst, &src->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

struct policy *policy_dup(const struct policy *p)
{
	struct policy *d = calloc(1, sizeof(*d));
	int r = 0;

	if (!d)
		return NULL;
	d->mode = p->mode;
	d->ptrace = p->ptrace;
	d->signal = p->signal;
	d->lifetime = p->lifetime;
	d->pids = p->pids;
	d->memory = p->memory;
	d->cpu = p->cpu;
	d->nofile = p->nofile;
	/* The first policy of an extends chain is copied: without these its limits were lost. */
	d->dns_max_label = p->dns_max_label;
	d->dns_max_labels = p->dns_max_labels;
	d->audit = p->audit;
	d->audit_set = p->audit_set;
	d->protect_found = p->protect_found;
	d->protect_search_cut = p->protect_search_cut;
	d->protect_hooks_unknown = p->protect_hooks_unknown;
	if ((p->name && !(d->name = strdup(p->name))) ||
	    (p->file && !(d->file = strdup(p->file))) ||
	    (p->origin && !(d->origin = strdup(p->origin))))
		r = -ENOMEM;
	if (!r && p->extends.s &&
	    pol_item_set(&d->extends, p->extends.s, p->extends.file, p->extends.line,
			 p->extends.col) < 0)
		r = -ENOMEM;
	for (size_t i = 0; !r && i < pol_path_fields_n; i++)
		r = list_copy(pol_field(d, &pol_path_fields[i]),
			      pol_field_c(p, &pol_path_fields[i]));
	if (!r)
		r = list_copy(&d->sec_patterns, &p->sec_patterns);
	if (!r)
		r = list_copy(&d->env_deny, &p->env_deny);
	if (!r)
		r = list_copy(&d->env_keep, &p->env_keep);
	if (!r)
		r = net_list_copy(&d->connect, &p->connect);
	if (!r)
		r = net_list_copy(&d->bind, &p->bind);
	if (!r && p->nhosts) {
		d->hosts = calloc(p->nhosts, sizeof(*d->hosts));
		if (!d->hosts)
			r = -ENOMEM;
		for (size_t i = 0; !r && i < p->nhosts; i++) {
			r = pol_hostset_copy(&d->hosts[i], &p->hosts[i]);
			if (!r)
				d->nhosts++;
		}
	}
	if (r) {
		policy_free(d);
		return NULL;
	}
	return d;
}
