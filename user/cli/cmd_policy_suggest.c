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

enum list {
	L_READ,
	L_WRITE,
	L_EXEC,
	L_CONNECT,
	L_BIND,
	L_UNIX,
	L_SKIPPED,
	L_N
};

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

/* An address as a connect or bind rule: "host:port", "[v6]:port", "/udp" for UDP. */
static int net_entry(json_t *rec, char *buf, size_t len)
{
	const char *ip = sget(rec, "destination", "ip");
	const char *domain = sget(rec, "destination", "domain");
	json_t *port = json_object_get(json_object_get(rec, "destination"), "port");
	const char *transport = sget(rec, "network", "transport");
	const char *host = domain ?: ip;

	if (!host || !json_is_integer(port))
		return -EINVAL;
	snprintf(buf, len, "%s%s%s:%lld%s", !domain && strchr(host, ':') ? "[" : "", host,
		 !domain && strchr(host, ':') ? "]" : "", json_integer_value(port),
		 transport && !strcmp(transport, "udp") ? "/udp" : "");
	return 0;
}

/*
 * The list a refusal's object goes to (and the object in @buf), or L_SKIPPED with the reason
 * in @buf: what an entry decided (a deny list), a built-in rule or an unknown object.
 */
static enum list classify(json_t *rec, char *buf, size_t len)
{
	json_t *c = json_object_get(rec, "cordon");
	const char *action = sget(rec, "event", "action") ?: "";
	const char *path = sget(rec, "file", "path");
	const char *layer = json_string_value(json_object_get(c, "layer")) ?: "";
	uint32_t kind = (uint32_t)(json_integer_value(json_object_get(c, "rule")) >> 16);
	json_t *arg = json_object_get(c, "arg");
	long long flags = json_integer_value(arg);

	if (kind && kind != POL_RULE_CONNECT && kind != POL_RULE_BIND &&
	    kind != POL_RULE_UNIX_ALLOW)
		return snprintf(buf, len, "refused by a deny entry"), L_SKIPPED;
	/* The view refuses with EROFS outside the write trees (a write entry lifts that);
	 * its EACCES is a mask (a secret), its EBUSY a mount point: never allowed here. */
	if (!strcmp(layer, "seccomp") ||
	    (!strcmp(layer, "mount_ns") && strcmp(sget(rec, "error", "code") ?: "", "EROFS")))
		return snprintf(buf, len, "refused by the %s layer", layer), L_SKIPPED;
	if (!strcmp(action, "connect") || !strcmp(action, "syscall-connect") ||
	    !strcmp(action, "bind"))
		return net_entry(rec, buf, len) < 0 ? (snprintf(buf, len, "no address"), L_SKIPPED)
		       : !strcmp(action, "bind")    ? L_BIND
						    : L_CONNECT;
	if (!path || path[0] != '/' || strchr(path, '$') || json_object_get(c, "hex"))
		return snprintf(buf, len, "no absolute path cordon can write back"), L_SKIPPED;
	if (!strncmp(action, "unix-", 5))
		return snprintf(buf, len, "%s", path), L_UNIX;
	if (!strcmp(action, "syscall-execve") || !strcmp(action, "syscall-execveat") ||
	    !strcmp(action, "file-exec"))
		return snprintf(buf, len, "%s", path), L_EXEC;
	if (!strncmp(action, "syscall-open", 12) || !strcmp(action, "file-open")) {
		/* A file created needs the right on its directory; the rest on the file. */
		if (json_is_integer(arg) && (flags & O_CREAT)) {
			const char *slash = strrchr(path, '/');

			snprintf(buf, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
			return L_WRITE;
		}
		snprintf(buf, len, "%s", path);
		return json_is_integer(arg) && ((flags & O_ACCMODE) != O_RDONLY || flags & O_TRUNC)
			       ? L_WRITE
			       : L_READ;
	}
	return snprintf(buf, len, "%s is not something a policy entry allows", action), L_SKIPPED;
}

/* One record of the log. Returns 0, or -ENOMEM. */
static int take(struct suggest *s, json_t *rec)
{
	const char *session = sget(rec, "cordon", "session");
	const char *policy = sget(rec, "cordon", "policy");
	const char *action = sget(rec, "event", "action") ?: "", *outcome;
	char obj[4200], why[4200 + 1024 + 8], desc[1024];
	enum list l;

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
	    strcmp(sget(rec, "event", "kind") ?: "", "event") || !sget(rec, "cordon", "hook"))
		return 0;
	s->refusals++;
	l = classify(rec, obj, sizeof(obj));
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

/* A YAML scalar for @s: JSON's double-quoted string is one (valid UTF-8, escapes included). */
static void put_scalar(const char *s)
{
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	printf("%s", q ?: "\"\"");
	free(q);
	json_decref(j);
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
		put_list(&s->l[L_READ], "  ", "read");
		put_list(&s->l[L_WRITE], "  ", "write");
		put_list(&s->l[L_EXEC], "  ", "exec");
	}
	if (s->l[L_CONNECT].n || s->l[L_BIND].n || s->l[L_UNIX].n) {
		printf("network:\n");
		put_list(&s->l[L_CONNECT], "  ", "connect");
		put_list(&s->l[L_BIND], "  ", "bind");
		if (s->l[L_UNIX].n) {
			printf("  unix:\n");
			put_list(&s->l[L_UNIX], "    ", "allow");
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
