// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon policy suggest AUDIT.jsonl [--session ID]`: the narrowest policy, extending the one a
 * session used, that would have allowed what its audit log shows refused by a default deny.
 * A refusal by a deny entry (secrets, protect, exec_deny, unix deny) or a built-in rule is
 * never turned into an allow; each suggested entry is commented with the event that asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "audit/audit.h"
#include "compile/compile.h"
#include "sys/sys.h"

/* The lists of cordon_audit_suggest(), and the refusals no entry can allow. */
#define L_READ	  CORDON_SUGGEST_READ
#define L_WRITE	  CORDON_SUGGEST_WRITE
#define L_EXEC	  CORDON_SUGGEST_EXEC
#define L_CONNECT CORDON_SUGGEST_CONNECT
#define L_BIND	  CORDON_SUGGEST_BIND
#define L_UNIX	  CORDON_SUGGEST_UNIX
#define L_SKIPPED CORDON_SUGGEST_NONE
#define L_N	  (CORDON_SUGGEST_NONE + 1)

/* The entries of one list, each with the comment of the first event that asked for it. */
struct entries {
	char **v, **why;
	size_t n;
};

struct suggest {
	const char *file, *session;
	char policy[65]; /* the policy the sessions used (extends) */
	bool mixed;	 /* more than one policy among them */
	unsigned long refusals;
	struct entries l[L_N];
};

static const char *sget(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

/* Add @value to @l unless it is there; @why describes the event. Returns 0 or -ENOMEM. */
static int add(struct entries *l, const char *value, const char *why)
{
	char **v, **w;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], value))
			return 0;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	w = realloc(l->why, (l->n + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	l->why = w;
	l->v[l->n] = strdup(value);
	l->why[l->n] = strdup(why);
	if (!l->v[l->n] || !l->why[l->n]) {
		free(l->v[l->n]);
		free(l->why[l->n]);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

/* "2026-...Z syscall-openat by cat (pid 12): EACCES, layer landlock": printable ASCII only. */
static void describe(json_t *rec, char *buf, size_t len)
{
	bool observed = json_is_true(json_object_get(json_object_get(rec, "cordon"), "observed"));

	snprintf(buf, len, "%s %s by %s (pid %lld): %s%s, layer %s%s%s",
		 json_string_value(json_object_get(rec, "@timestamp")) ?: "?",
		 sget(rec, "event", "action") ?: "?", sget(rec, "process", "name") ?: "?",
		 json_integer_value(json_object_get(json_object_get(rec, "process"), "pid")),
		 observed ? "observed, would be " : "", sget(rec, "error", "code") ?: "?",
		 sget(rec, "cordon", "layer") ?: "?",
		 sget(rec, "cordon", "rule_text") ? ", rule " : "",
		 sget(rec, "cordon", "rule_text") ?: "");
	/* A comment ends at the line's end: an agent's names cannot add a line to the policy. */
	for (char *p = buf; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

/* One record of the log. Returns 0, or -ENOMEM. */
static int take(struct suggest *s, json_t *rec)
{
	const char *session = sget(rec, "cordon", "session");
	const char *policy = sget(rec, "cordon", "policy");
	const char *action = sget(rec, "event", "action") ?: "", *outcome;
	char obj[4200], why[4200 + 1024 + 8], desc[1024];
	enum cordon_suggest_list l;

	if (s->session && (!session || strncmp(session, s->session, strlen(s->session))))
		return 0;
	if (!strcmp(action, "session-start") && policy) {
		if (s->policy[0] && strcmp(s->policy, policy))
			s->mixed = true;
		snprintf(s->policy, sizeof(s->policy), "%s", policy);
		return 0;
	}
	/* Refusals, and what an observing session let through that would have been refused. */
	outcome = sget(rec, "event", "outcome") ?: "";
	if ((strcmp(outcome, "failure") &&
	     !(!strcmp(outcome, "unknown") &&
	       json_is_true(json_object_get(json_object_get(rec, "cordon"), "observed")))) ||
	    strcmp(sget(rec, "event", "kind") ?: "", "event") || !sget(rec, "cordon", "hook") ||
	    sget(rec, "cordon", "confined_to")) /* narrowed, not refused: nothing to allow */
		return 0;
	s->refusals++;
	l = cordon_audit_suggest(rec, obj, sizeof(obj));
	describe(rec, desc, sizeof(desc));
	if (l != L_SKIPPED)
		return add(&s->l[l], obj, desc);
	snprintf(why, sizeof(why), "%s: %s", desc, obj);
	for (char *p = why; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return add(&s->l[L_SKIPPED], why, "");
}

/* Read @s->file, a line at a time; a line that is no JSON object is an error naming it. */
static int read_log(struct suggest *s)
{
	FILE *f = fopen(s->file, "re");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	int r = 0;

	if (!f) {
		cli_error("policy suggest: '%s': %s", s->file, strerror(errno));
		return -errno;
	}
	while (r == 0 && (len = getline(&line, &cap, f)) >= 0) {
		json_error_t e;
		json_t *rec;

		n++;
		if (len <= 1)
			continue;
		rec = json_loadb(line, (size_t)len, 0, &e);
		if (!json_is_object(rec) || json_object_get(rec, "class_uid")) {
			fprintf(stderr, "%s:%zu:%d: %s\n", s->file, n, rec ? 1 : e.column,
				!rec		      ? e.text
				: json_is_object(rec) ? "an OCSF record: suggest reads ECS lines"
						      : "not a JSON object");
			r = -EINVAL;
		} else {
			r = take(s, rec);
		}
		json_decref(rec);
	}
	free(line);
	fclose(f);
	return r;
}

/* A YAML scalar for @s: the quoting every cordon output of an agent's names shares. */
static void put_scalar(const char *s)
{
	_cleanup_free_ char *q = cordon_audit_quote(s);

	printf("%s", q ?: "\"\"");
}

static void put_list(const struct entries *l, const char *indent, const char *key)
{
	if (!l->n)
		return;
	printf("%s%s:\n", indent, key);
	for (size_t i = 0; i < l->n; i++) {
		printf("%s  # %s\n%s  - ", indent, l->why[i], indent);
		put_scalar(l->v[i]);
		printf("\n");
	}
}

static void print_policy(const struct suggest *s)
{
	char name[65];
	size_t k = 0;

	/* A policy name is [a-z0-9][a-z0-9._-]*: the used one's, with a suffix. */
	for (const char *p = s->policy; *p && k < 40; p++)
		name[k++] = *p;
	snprintf(name + k, sizeof(name) - k, "%ssuggested", k ? "-" : "");
	printf("# Suggested by `cordon policy suggest` from %s%s%s: what %lu refusal(s) asked\n"
	       "# for, as the narrowest entries. Secrets, protected paths, denied programs and\n"
	       "# built-in rules are never allowed here. Review each entry before using it.\n",
	       s->file, s->session ? ", session " : "", s->session ?: "", s->refusals);
	printf("name: %s\n", name);
	if (s->policy[0])
		printf("extends: %s\n", s->policy);
	if (s->l[L_READ].n || s->l[L_WRITE].n || s->l[L_EXEC].n) {
		printf("filesystem:\n");
		put_list(&s->l[L_READ], "  ", cordon_audit_suggest_keys(L_READ)[1]);
		put_list(&s->l[L_WRITE], "  ", cordon_audit_suggest_keys(L_WRITE)[1]);
		put_list(&s->l[L_EXEC], "  ", cordon_audit_suggest_keys(L_EXEC)[1]);
	}
	if (s->l[L_CONNECT].n || s->l[L_BIND].n || s->l[L_UNIX].n) {
		printf("network:\n");
		put_list(&s->l[L_CONNECT], "  ", cordon_audit_suggest_keys(L_CONNECT)[1]);
		put_list(&s->l[L_BIND], "  ", cordon_audit_suggest_keys(L_BIND)[1]);
		if (s->l[L_UNIX].n) {
			printf("  %s:\n", cordon_audit_suggest_keys(L_UNIX)[1]);
			put_list(&s->l[L_UNIX], "    ", cordon_audit_suggest_keys(L_UNIX)[2]);
		}
	}
	for (size_t i = 0; i < s->l[L_SKIPPED].n; i++)
		printf("%s# not suggested: %s\n", i ? "" : "\n", s->l[L_SKIPPED].v[i]);
}

int policy_suggest(int argc, char **argv)
{
	static const struct option opts[] = { { "session", required_argument, NULL, 's' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	static const char usage[] = "Usage: cordon policy suggest AUDIT.jsonl [--session ID]\n";
	struct suggest s = { 0 };
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (c == 's') {
			s.session = optarg;
		} else {
			fputs(usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	s.file = argv[optind];
	r = read_log(&s);
	if (r == 0 && s.mixed) {
		cli_error("policy suggest: '%s' holds sessions of several policies", s.file);
		fprintf(stderr, "Hint: choose one with --session ID\n");
		r = -EINVAL;
	}
	if (r == -ENOMEM)
		cli_error("policy suggest: %s", strerror(ENOMEM));
	if (r == 0)
		print_policy(&s);
	for (int i = 0; i < L_N; i++) {
		for (size_t k = 0; k < s.l[i].n; k++) {
			free(s.l[i].v[k]);
			free(s.l[i].why[k]);
		}
		free(s.l[i].v);
		free(s.l[i].why);
	}
	return r ? EXIT_FAIL : EXIT_OK;
}
