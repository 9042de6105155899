// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run`'s exit report: the session's refusals grouped by object, each with the rule that
 * refused it and the policy entry that would allow it (or why none can), on stderr at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "run.h"
#include "sys/sys.h"

/* Objects named in full before "and N more" (--json lists them all). */
#define REPORT_NAMED 10

static const char *sget(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

/* What was refused, as a person knows it: a path, "name:port (address)", "address:port". */
static void shown_object(json_t *rec, char *buf, size_t len)
{
	const char *path = sget(rec, "file", "path");
	const char *key = sget(rec, "cordon", "git_key");
	const char *ip = sget(rec, "destination", "ip");
	const char *domain = sget(rec, "destination", "domain");
	json_int_t port =
		json_integer_value(json_object_get(json_object_get(rec, "destination"), "port"));

	if (ip && domain)
		snprintf(buf, len, "%s:%lld (%s)", domain, (long long)port, ip);
	else if (ip)
		snprintf(buf, len, "%s%s%s:%lld", strchr(ip, ':') ? "[" : "", ip,
			 strchr(ip, ':') ? "]" : "", (long long)port);
	else if (key)
		snprintf(buf, len, "%s (key %s)", path ?: "(no object)", key);
	else
		snprintf(buf, len, "%s", path ?: "(no object)");
}

static void item_free(struct run_report_item *it)
{
	free(it->object);
	free(it->shown);
	free(it->action);
	free(it->rule_text);
	free(it->rule_source);
}

/* The item of @list/@object/@shown, made when new; NULL on ENOMEM. */
static struct run_report_item *item_of(struct run_report *rep, enum cordon_suggest_list list,
				       const char *object, const char *shown)
{
	struct run_report_item *v, *it;

	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].list == list && !strcmp(rep->v[i].object, object) &&
		    !strcmp(rep->v[i].shown, shown))
			return &rep->v[i];
	v = realloc(rep->v, (rep->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	rep->v = v;
	it = &v[rep->n];
	*it = (struct run_report_item){ .list = list,
					.object = strdup(object),
					.shown = strdup(shown) };
	if (!it->object || !it->shown) {
		item_free(it);
		return NULL;
	}
	rep->n++;
	return it;
}

/*
 * glibc's getaddrinfo() sorts the addresses it found (RFC 6724) by connecting a UDP socket to
 * each, sending nothing, to learn the source address it would use. For a connected UDP socket
 * the connect is the only check, so it stays refused (and audited); but when the policy allows
 * the same destination and port over TCP it is the sort's probe for the TCP connection that
 * follows, not a use of UDP, and nothing needs allowing.
 */
static bool sort_probe(const struct run_report *rep, json_t *rec)
{
	const char *ip = sget(rec, "destination", "ip"), *dom = sget(rec, "destination", "domain");
	json_int_t port =
		json_integer_value(json_object_get(json_object_get(rec, "destination"), "port"));
	char text[300], msg[128];
	struct pol_net t;
	bool tcp = false;

	if (!rep->pol || strcmp(sget(rec, "event", "action") ?: "", "connect") ||
	    strcmp(sget(rec, "network", "transport") ?: "", "udp") || !ip || port <= 0 ||
	    port > 65535)
		return false;
	snprintf(text, sizeof(text), "%s%s%s:%lld", !dom && strchr(ip, ':') ? "[" : "", dom ?: ip,
		 !dom && strchr(ip, ':') ? "]" : "", (long long)port);
	if (pol_net_parse(text, false, false, &t, msg, sizeof(msg)) < 0)
		return false;
	for (size_t i = 0; !tcp && i < rep->pol->connect.n; i++) {
		const struct pol_net *n = &rep->pol->connect.v[i];

		tcp = (n->protos & POL_PROTO_TCP) && n->lo <= port && port <= n->hi &&
		      pol_net_covers(n, &t);
	}
	pol_net_clear(&t);
	return tcp;
}

/* /proc/self/mem, /proc/PID/mem, /proc/PID/task/TID/mem. */
static bool proc_mem(const char *path)
{
	const char *p = path + strlen("/proc/");

	if (strncmp(path, "/proc/", 6))
		return false;
	if (!strncmp(p, "self/", 5))
		p += 5;
	else if (!strncmp(p, "thread-self/", 12))
		p += 12;
	else {
		p += strspn(p, "0123456789");
		if (*p++ != '/')
			return false;
		if (!strncmp(p, "task/", 5)) {
			p += 5 + strspn(p + 5, "0123456789");
			if (*p++ != '/')
				return false;
		}
	}
	return !strcmp(p, "mem");
}

/*
 * Refusals that ordinary work makes every day and that no entry should allow; each stays
 * refused and in the audit stream (`cordon audit --session`), but a line for it after every
 * command would teach people to skip the report:
 * - glibc asks nscd first on every passwd, group and hosts lookup (`id`, `ls -l`, git, ssh) and
 *   answers from its own sources when the connect fails (nscd's hosts cache would answer names
 *   past the session's resolver);
 * - getaddrinfo's address-sorting UDP connects (sort_probe());
 * - reads of the cgroup file system (node reads its memory limit at every start, other
 *   runtimes their CPU quota): it shows every user's units and processes, which the session's
 *   pid namespace hides, so it stays unreadable; node then sizes its heap by the machine;
 * - a debugger's write to /proc/PID/mem (gdb tries it first, then pokes through ptrace, which
 *   `ptrace: session` allows): /proc is never writable.
 */
static bool expected_probe(const struct run_report *rep, json_t *rec)
{
	static const char *const nscd[] = { "/var/run/nscd/socket", "/run/nscd/socket" };
	const char *path = sget(rec, "file", "path"), *action = sget(rec, "event", "action") ?: "";
	char object[4200];

	if (sort_probe(rep, rec))
		return true;
	if (!path)
		return false;
	/* A read (what would allow it is a read entry): a write there is no probe. */
	if (!strncmp(path, "/sys/fs/cgroup/", 15) &&
	    cordon_audit_suggest(rec, object, sizeof(object)) == CORDON_SUGGEST_READ)
		return true;
	if (proc_mem(path))
		return true;
	if (strncmp(action, "unix-", 5))
		return false;
	for (size_t i = 0; i < sizeof(nscd) / sizeof(nscd[0]); i++)
		if (!strcmp(path, nscd[i]))
			return true;
	return false;
}

long run_report_take(struct run_report *rep, json_t *rec)
{
	json_t *c = json_object_get(rec, "cordon"), *rep_n = json_object_get(c, "repeated");
	uint64_t n = json_is_integer(rep_n) ? (uint64_t)json_integer_value(rep_n) : 1;
	char object[4200], shown[4300];
	struct run_report_item *it;
	enum cordon_suggest_list l;

	/* Refusals only: a failed event with the hook that refused it. */
	if (strcmp(sget(rec, "event", "outcome") ?: "", "failure") ||
	    strcmp(sget(rec, "event", "kind") ?: "", "event") || !sget(rec, "cordon", "hook"))
		return -ENOENT;
	if (expected_probe(rep, rec))
		return -ENOENT;
	rep->total += n;
	l = cordon_audit_suggest(rec, object, sizeof(object));
	shown_object(rec, shown, sizeof(shown));
	it = item_of(rep, l, object, shown);
	if (!it) {
		rep->lost += n;
		return -ENOMEM;
	}
	it->count += n;
	if (it->action)
		return it - rep->v;
	/* The first refusal of the object names the action and the rule. */
	it->action = strdup(sget(rec, "event", "action") ?: "?");
	it->rule_text = strdup(json_string_value(json_object_get(c, "rule_text")) ?: "");
	if (json_string_value(json_object_get(c, "rule_source")))
		it->rule_source = strdup(json_string_value(json_object_get(c, "rule_source")));
	return it - rep->v;
}

/* Most refused first: what a person most likely wants to allow. */
static int by_count(const void *a, const void *b)
{
	const struct run_report_item *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* @s escaped as cordon_audit_quote() escapes it, without the quotes: text of a sentence. */
static void put_text(const char *s)
{
	_cleanup_free_ char *q = cordon_audit_quote(s);
	size_t n = q ? strlen(q) : 0;

	fprintf(stderr, "%.*s", n >= 2 ? (int)(n - 2) : 0, n >= 2 ? q + 1 : "");
}

/* The word of list @l: what was refused ("read", "connect"), for the head of an item. */
static const char *verb(const struct run_report_item *it)
{
	const char *const *k = cordon_audit_suggest_keys(it->list);

	return !k ? it->action : k[2] ? "unix" : k[1];
}

/*
 * One object: what, how often, by which rule, and the entry that allows it. Lines without a
 * prefix, so the YAML pastes as it is; every name escaped (an agent chose them).
 */
static void print_item(const struct run_report_item *it)
{
	_cleanup_free_ char *shown = cordon_audit_quote(it->shown);
	_cleanup_free_ char *yaml = NULL, *obj = NULL;
	const char *flag = cordon_audit_suggest_flag(it->list);

	fprintf(stderr, "  %s %s (%llu time(s)%s%s): ", verb(it), shown ?: "?",
		(unsigned long long)it->count, it->list == CORDON_SUGGEST_NONE ? "" : ", ",
		it->list == CORDON_SUGGEST_NONE ? "" : it->action ?: "?");
	if (it->list == CORDON_SUGGEST_NONE) {
		fputs("cannot be allowed: ", stderr);
		put_text(it->object);
		fputc('\n', stderr);
		return;
	}
	put_text(it->rule_text ?: "");
	if (it->rule_source) {
		fputs(" at ", stderr);
		put_text(it->rule_source);
	}
	fputc('\n', stderr);
	if (cordon_audit_suggest_yaml(it->list, it->object, "      ", &yaml) < 0)
		return;
	obj = cordon_audit_quote(it->object);
	if (flag && obj)
		fprintf(stderr, "    allow it with %s %s, or in the policy:\n%s", flag, obj, yaml);
	else
		fprintf(stderr, "    allow it in the policy:\n%s", yaml);
}

static json_t *item_json(const struct run_report_item *it)
{
	_cleanup_free_ char *yaml = NULL;
	const char *flag = cordon_audit_suggest_flag(it->list);
	const char *const *k = cordon_audit_suggest_keys(it->list);
	json_t *o = json_pack("{s:s,s:s,s:I,s:s*,s:s*}", "action", it->action ?: "?", "object",
			      it->shown, "count", (json_int_t)it->count, "rule_text", it->rule_text,
			      "rule_source", it->rule_source);

	if (!o)
		return NULL;
	if (it->list == CORDON_SUGGEST_NONE) {
		json_object_set_new(o, "not_allowed", json_string(it->object));
		return o;
	}
	if (cordon_audit_suggest_yaml(it->list, it->object, "", &yaml) == 0)
		json_object_set_new(o, "allow_yaml", json_string(yaml));
	json_object_set_new(o, "allow_list", json_string(k[2] ? "network.unix.allow" : k[1]));
	json_object_set_new(o, "allow_entry", json_string(it->object));
	if (flag)
		json_object_set_new(o, "allow_flag", json_string(flag));
	return o;
}

static void print_json(const struct run_report *rep, const char *session)
{
	json_t *a = json_array(), *o;

	for (size_t i = 0; a && i < rep->n; i++)
		json_array_append_new(a, item_json(&rep->v[i]));
	o = json_pack("{s:s,s:s,s:I,s:I,s:o*}", "report", "refusals", "session", session,
		      "refusals", (json_int_t)rep->total, "unlisted", (json_int_t)rep->lost,
		      "objects", a);
	if (o)
		json_dumpf(o, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', stderr);
	json_decref(o);
}

void run_report_print(struct run_report *rep, const char *session, bool quiet, bool json)
{
	size_t named = rep->n < REPORT_NAMED ? rep->n : REPORT_NAMED;

	if (!rep->total)
		return; /* nothing refused: nothing said */
	qsort(rep->v, rep->n, sizeof(*rep->v), by_count);
	if (json) {
		print_json(rep, session);
		return;
	}
	fprintf(stderr, "cordon: refused %llu time(s), %zu object(s), in session %.12s",
		(unsigned long long)rep->total, rep->n, session);
	if (quiet) {
		fprintf(stderr, ": see `cordon audit --session %.12s`\n", session);
		return;
	}
	fputs(":\n", stderr);
	for (size_t i = 0; i < named; i++)
		print_item(&rep->v[i]);
	if (rep->n > named || rep->lost)
		fprintf(stderr, "  and %zu more object(s); see `cordon audit --session %.12s`\n",
			rep->n - named + (rep->lost ? 1 : 0), session);
}

void run_report_free(struct run_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		item_free(&rep->v[i]);
	free(rep->v);
	*rep = (struct run_report){ 0 };
}
