// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon audit [FILE] [--follow] [--session ID] [--since TIME] [--type TYPE] [--json]`: read an
 * audit log (its rotated files first, oldest to newest) and show what was refused, by which
 * rule and layer, as aligned text (coloured on a terminal) or as the raw JSON lines.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"
#include "cli.h"
#include "run_daemon.h"
#include "sys/sys.h"

#define AUDIT_DEFAULT_FILE "/var/log/cordon/audit.jsonl"

struct audit_opts {
	const char *file;
	const char *session;
	const char *type;
	uint64_t since_ns;
	bool follow, json, color, verify;
	char **files; /* --verify: the files, in order */
	int nfiles;
	unsigned long shown, malformed;
	bool header_done;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cordon audit [FILE] [--follow] [--session ID] [--since TIME] [--type TYPE] "
		"[--json]\n"
		"Show an audit log (default %s, with its rotated FILE.N files, oldest first).\n"
		"  --session ID  only this session (a prefix of its id is enough)\n"
		"  --since TIME  RFC 3339 time (2026-11-23T10:00:00Z) or an age: 30s, 10m, 2h, 1d\n"
		"  --type TYPE   an event.action (process-exec), a prefix of one (syscall), a\n"
		"                category (file, network, process, session), or 'denied'\n"
		"  --follow      keep reading as records are appended (and across rotation)\n"
		"  --json        print the matching records as they are, one JSON object a line\n"
		"       cordon audit --verify FILE...\n"
		"Check the hash chain (cordon.prev) through the FILEs in the order given (one "
		"FILE:\n"
		"its rotated files first); report the first record where it breaks, exit 1.\n",
		AUDIT_DEFAULT_FILE);
}

static int parse_since(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long n;
	uint64_t unit;

	if (cordon_audit_parse_time(s, out) == 0)
		return 0;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (end[1])
		return -EINVAL;
	*out = cordon_realtime_ns() - (uint64_t)n * unit * 1000000000ull;
	return 0;
}

static const char *str_at(json_t *rec, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(rec, obj), key));
}

static bool array_has(json_t *arr, const char *v)
{
	size_t i;
	json_t *e;

	json_array_foreach (arr, i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), v))
			return true;
	return false;
}

static bool wanted(const struct audit_opts *o, json_t *rec)
{
	const char *session = str_at(rec, "cordon", "session");
	const char *action = str_at(rec, "event", "action");
	json_t *event = json_object_get(rec, "event");

	if (o->session && (!session || strncmp(session, o->session, strlen(o->session))))
		return false;
	if (o->since_ns) {
		const char *ts = json_string_value(json_object_get(rec, "@timestamp"));
		uint64_t ns;

		if (!ts || cordon_audit_parse_time(ts, &ns) < 0 || ns < o->since_ns)
			return false;
	}
	if (o->type &&
	    !(action && (!strcmp(action, o->type) || !strncmp(action, o->type, strlen(o->type)))) &&
	    !array_has(json_object_get(event, "category"), o->type) &&
	    !array_has(json_object_get(event, "type"), o->type))
		return false;
	return true;
}

/* What the record is about, in a few words: the path, the destination, the command. */
static void detail(json_t *rec, char *buf, size_t len)
{
	const char *path = str_at(rec, "file", "path");
	const char *ip = str_at(rec, "destination", "ip");
	const char *domain = str_at(rec, "destination", "domain");
	const char *qname = json_string_value(
		json_object_get(json_object_get(json_object_get(rec, "dns"), "question"), "name"));
	const char *qtype = json_string_value(
		json_object_get(json_object_get(json_object_get(rec, "dns"), "question"), "type"));
	const char *cmd = str_at(rec, "process", "command_line");
	const char *action = str_at(rec, "event", "action");
	const char *rule_text = str_at(rec, "cordon", "rule_text");
	const char *rule_source = str_at(rec, "cordon", "rule_source");
	json_t *sock = json_object_get(json_object_get(rec, "cordon"), "socket");
	json_t *cordon = json_object_get(rec, "cordon");
	json_t *repeated = json_object_get(cordon, "repeated");
	size_t n;

	if (path)
		snprintf(buf, len, "%s", path);
	else if (ip)
		snprintf(buf, len, "%s%s%s%s%s:%lld%s", domain ?: "", domain ? " (" : "",
			 strchr(ip, ':') ? "[" : "", ip, strchr(ip, ':') ? "]" : "",
			 json_integer_value(
				 json_object_get(json_object_get(rec, "destination"), "port")),
			 domain ? ")" : "");
	else if (qname)
		snprintf(buf, len, "%s %s (%s)", qname, qtype ?: "?",
			 str_at(rec, "cordon", "reason") ?: "?");
	else if (cmd && action && !strcmp(action, "process-exec"))
		snprintf(buf, len, "%s%s", cmd,
			 json_is_true(json_object_get(cordon, "args_truncated")) ? " [...]" : "");
	else if (action && !strcmp(action, "process-exit"))
		snprintf(buf, len, "exit %lld",
			 json_integer_value(
				 json_object_get(json_object_get(rec, "process"), "exit_code")));
	else if (action && !strcmp(action, "events-lost"))
		snprintf(buf, len, "%lld records lost (%lld in all)",
			 json_integer_value(
				 json_object_get(json_object_get(cordon, "events_lost"), "delta")),
			 json_integer_value(
				 json_object_get(json_object_get(cordon, "events_lost"), "total")));
	else if (sock)
		snprintf(buf, len, "%s%s%s",
			 json_string_value(json_object_get(sock, "family")) ?: "?",
			 json_object_get(sock, "type") ? " " : "",
			 json_string_value(json_object_get(sock, "type")) ?: "");
	else if (action && !strncmp(action, "session-", 8))
		snprintf(buf, len, "policy %s", str_at(rec, "cordon", "policy") ?: "?");
	else
		buf[0] = '\0';
	n = strlen(buf);
	if (rule_text && n < len)
		snprintf(buf + n, len - n, "%s(rule: %s%s%s)", n ? " " : "", rule_text,
			 rule_source ? " at " : "", rule_source ?: "");
	n = strlen(buf);
	if (json_is_integer(repeated) && n < len)
		snprintf(buf + n, len - n, " (x%lld more until %s)", json_integer_value(repeated),
			 str_at(rec, "event", "end") ?: "?");
	/* Agent-controlled text on a terminal: no control characters reach it. */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static void show(struct audit_opts *o, json_t *rec, const char *line)
{
	const char *ts = json_string_value(json_object_get(rec, "@timestamp")) ?: "";
	const char *outcome = str_at(rec, "event", "outcome") ?: "";
	const char *layer = str_at(rec, "cordon", "layer");
	const char *session = str_at(rec, "cordon", "session") ?: "";
	json_t *rule = json_object_get(json_object_get(rec, "cordon"), "rule");
	json_t *pid = json_object_get(json_object_get(rec, "process"), "pid");
	bool failed = !strcmp(outcome, "failure");
	char what[512], rulebuf[16] = "-", pidbuf[16] = "-", layerbuf[24];

	o->shown++;
	if (o->json) {
		fputs(line, stdout);
		if (!strchr(line, '\n'))
			fputc('\n', stdout);
		return;
	}
	detail(rec, what, sizeof(what));
	if (!o->header_done) {
		printf("%s%-23s  %-8s  %7s  %-18s %-7s  %-11s %4s  %s%s\n",
		       o->color ? "\033[1m" : "", "TIME", "SESSION", "PID", "ACTION", "OUTCOME",
		       "LAYER", "RULE", "WHAT", o->color ? "\033[0m" : "");
		o->header_done = true;
	}
	if (json_is_integer(rule))
		snprintf(rulebuf, sizeof(rulebuf), "%lld", json_integer_value(rule));
	if (json_is_integer(pid))
		snprintf(pidbuf, sizeof(pidbuf), "%lld", json_integer_value(pid));
	snprintf(layerbuf, sizeof(layerbuf), "%s%s", layer ? layer : "-",
		 json_is_true(json_object_get(json_object_get(rec, "cordon"), "layer_inferred"))
			 ? "?"
			 : "");
	printf("%s%.23s  %.8s  %7s  %-18s %-7s  %-11s %4s  %s%s\n",
	       o->color ? (failed ? "\033[31m" : "\033[2m") : "", ts, session, pidbuf,
	       str_at(rec, "event", "action") ?: "?", failed ? "DENIED" : outcome, layerbuf,
	       rulebuf, what, o->color ? "\033[0m" : "");
}

/* Read @f from where it is to its end; lines without their newline yet are left for later. */
static void read_lines(struct audit_opts *o, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	for (;;) {
		long pos = ftell(f);
		json_error_t e;
		json_t *rec;

		n = getline(&line, &cap, f);
		if (n <= 0)
			break;
		if (line[n - 1] != '\n' && o->follow) {
			fseek(f, pos, SEEK_SET); /* a writer is mid-line: read it whole later */
			break;
		}
		rec = json_loads(line, JSON_DISABLE_EOF_CHECK, &e);
		if (!json_is_object(rec)) {
			o->malformed++;
			json_decref(rec);
			continue;
		}
		if (wanted(o, rec))
			show(o, rec, line);
		json_decref(rec);
	}
	clearerr(f);
	free(line);
	fflush(stdout);
}

static int follow(struct audit_opts *o, FILE *f)
{
	struct stat a, b;

	for (;;) {
		read_lines(o, f);
		usleep(200 * 1000);
		/* Rotated away: finish the old file, continue with the new one. */
		if (fstat(fileno(f), &a) == 0 && stat(o->file, &b) == 0 &&
		    (a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
			FILE *nf = fopen(o->file, "re");

			if (nf) {
				read_lines(o, f);
				fclose(f);
				f = nf;
			}
		}
	}
	return 0;
}

static void to_file(void *ctx, json_t *rec)
{
	json_dumpf(rec, ctx, JSON_COMPACT);
	fputc('\n', ctx);
	json_decref(rec);
}

/* The records of @session, as the daemon gives them to their owner, in a temporary file. */
static FILE *from_daemon(const char *session)
{
	FILE *f = tmpfile();
	int r;

	if (!f)
		return NULL;
	r = run_daemon_fetch_audit(session, to_file, f);
	if (r < 0) {
		fclose(f);
		errno = -r;
		return NULL;
	}
	rewind(f);
	return f;
}

/* Does @t name something a record can be: an action (or a prefix of one), a category, a type? */
static bool known_type(const char *t)
{
	static const char *const fixed[] = { "session-start", "session-end", "events-lost", "file",
					     "network",	      "process",     "session",	    "host",
					     "denied",	      "allowed",     "start",	    "end",
					     "info" };
	size_t n = strlen(t);

	if (!n)
		return false;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strncmp(fixed[i], t, n))
			return true;
	/* Every action a ring-buffer record of any type and hook is written with. */
	for (unsigned int type = 1; type < 64; type++) {
		for (unsigned int hook = 0; cordon_event_desc(type) && hook < 256; hook++) {
			struct cordon_event_hdr h = { .type = (__u16)type, .hook = (__u16)hook };
			const char *cat, *et, *a = cordon_audit_classify(&h, (int)type, &cat, &et);

			if (a && strcmp(a, "unknown") && !strncmp(a, t, n))
				return true;
			if (cat && !strcmp(cat, t))
				return true;
		}
	}
	return false;
}

/* 0, 1 (--help printed) or -EINVAL (usage printed). */
static int parse_opts(int argc, char **argv, struct audit_opts *o)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "session", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verify", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "fs:S:t:j", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->follow = true;
			break;
		case 's':
			o->session = optarg;
			break;
		case 'S':
			if (parse_since(optarg, &o->since_ns) < 0) {
				cli_error("audit: --since '%s': not a time or an age", optarg);
				return -EINVAL;
			}
			break;
		case 't':
			if (!known_type(optarg)) {
				cli_error("audit: --type '%s': no record has that action, category "
					  "or type",
					  optarg);
				fprintf(stderr, "Hint: e.g. --type denied, --type file, --type "
						"process-exec, --type syscall\n");
				return -EINVAL;
			}
			o->type = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'V':
			o->verify = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (o->verify) {
		o->files = argv + optind;
		o->nfiles = argc - optind;
		if (!o->nfiles || o->follow || o->json || o->session || o->since_ns || o->type) {
			usage(stderr);
			return -EINVAL;
		}
		return 0;
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* The rotated files, FILE.N .. FILE.1: oldest first. */
static void read_rotated(struct audit_opts *o)
{
	for (int i = CORDON_AUDIT_MAX_KEEP; i >= 1; i--) {
		_cleanup_free_ char *path = cordon_strdup_printf("%s.%d", o->file, i);
		FILE *r = path ? fopen(path, "re") : NULL;

		if (!r)
			continue;
		read_lines(o, r);
		fclose(r);
	}
}

/* Check one file's lines on the chain @v: 0, or 1 with the break printed. */
static int verify_file(struct cordon_audit_verify *v, const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	unsigned long n = 0;
	ssize_t len;

	if (!f) {
		cli_error("audit: '%s': %s", path, strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		const char *why;

		n++;
		if (line[len - 1] != '\n') {
			fprintf(stderr,
				"%s:%lu: the record is cut short (no end of line): the file "
				"was truncated\n",
				path, n);
			return 1;
		}
		if (cordon_audit_verify_line(v, line, (size_t)len - 1, &why) < 0) {
			fprintf(stderr, "%s:%lu: %s\n", path, n, why);
			return 1;
		}
	}
	return 0;
}

/* --verify: the files in order, as one chain. */
static int verify(const struct audit_opts *o)
{
	struct cordon_audit_verify v = { 0 };
	static const char zeros[] =
		"0000000000000000000000000000000000000000000000000000000000000000";

	for (int i = 0; o->nfiles == 1 && i < CORDON_AUDIT_MAX_KEEP; i++) {
		_cleanup_free_ char *path =
			cordon_strdup_printf("%s.%d", o->files[0], CORDON_AUDIT_MAX_KEEP - i);

		if (path && access(path, F_OK) == 0 && verify_file(&v, path))
			return EXIT_FAIL;
	}
	for (int i = 0; i < o->nfiles; i++)
		if (verify_file(&v, o->files[i]))
			return EXIT_FAIL;
	if (!v.records) {
		cli_error("audit: no records to verify");
		return EXIT_FAIL;
	}
	printf("%llu records: the chain is intact; it %s; the newest record's hash is %s\n",
	       (unsigned long long)v.records,
	       strcmp(v.first_prev, zeros) ? "continues from an earlier record not given"
					   : "starts at the log's first record",
	       v.head);
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts o = { .file = AUDIT_DEFAULT_FILE };
	FILE *f = NULL;
	int r = parse_opts(argc, argv, &o);

	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (o.verify)
		return verify(&o);
	o.color = !o.json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	read_rotated(&o);
	f = fopen(o.file, "re");
	/*
	 * The daemon's log is root's. An ordinary user reads the records of their own sessions
	 * through the daemon, which checks who is asking.
	 */
	if (!f && (errno == EACCES || errno == ENOENT) && o.session && !o.follow &&
	    !strcmp(o.file, AUDIT_DEFAULT_FILE))
		f = from_daemon(o.session);
	if (!f) {
		cli_error("audit: '%s': %s", o.file, strerror(errno));
		if (errno == EACCES && !o.session)
			fprintf(stderr, "Hint: --session ID shows a session of yours through the "
					"daemon\n");
		return EXIT_FAIL;
	}
	if (o.follow)
		return follow(&o, f);
	read_lines(&o, f);
	fclose(f);
	if (o.malformed)
		fprintf(stderr, "cordon: audit: %lu line(s) are not JSON records (skipped)\n",
			o.malformed);
	return EXIT_OK;
}
