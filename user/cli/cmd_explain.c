// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon explain [--policy P] [--project DIR] [--write|--exec] PATH|HOST:PORT|unix:SOCKET`:
 * would a session allow it, by which rule (text and file:line), enforced by which layer on this
 * kernel, and the entry that would allow it. A refusal is described by the record the session
 * would write, so its rule text and suggested entry are the exit report's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "run.h"
#include "sys/sys.h"

enum access {
	A_READ,
	A_WRITE,
	A_EXEC,
};

struct explain {
	struct run r;
	const char *what; /* the operand */
	enum access access;
	bool json;
	/* the answer */
	bool allowed;
	char object[PATH_MAX]; /* the path (absolute), "host:port" or the socket path */
	const char *kind;      /* "read", "write", "exec", "connect", "unix" */
	char rule[1024];       /* the entry that decided, as a record names it */
	char source[PATH_MAX]; /* its file:line, or "" */
	char layers[256];      /* what enforces it here, or why nothing does */
	bool gap;	       /* no active layer enforces the rule */
	json_t *rec;	       /* a refusal: the record the session would write */
};

/* Layer names of @bits, "a, b" (plan.layers bits). */
static void layer_names(uint32_t bits, int abi, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK), "landlock" },
		{ POL_NEEDS_BPF_LSM, "bpf-lsm" },
		{ POL_NEEDS_CGROUP_BPF, "cgroup-bpf" },
		{ POL_NEEDS_MOUNT_NS, "mount-namespace view" },
		{ POL_NEEDS_FANOTIFY, "fanotify" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(bits & names[i].bit) || n >= len)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", names[i].name);
		if (names[i].bit == CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK) && n < len)
			n += (size_t)snprintf(buf + n, len - n, " (ABI %d)", abi);
	}
}

/*
 * The layers that enforce @rule ("secrets.files: /h/.ssh", as the Landlock compiler names its
 * gaps) here: those of its gap that are active, or the reason none is. Not a gap: @dflt.
 */
static void rule_layers(struct explain *x, const char *rule, uint32_t dflt)
{
	const struct pol_landlock *ll = &x->r.ll;

	for (size_t i = 0; rule && i < ll->gaps.n; i++) {
		uint32_t on = ll->gaps.v[i].layers & x->r.plan.layers;

		if (strcmp(ll->gaps.v[i].rule, rule))
			continue;
		if (on) {
			layer_names(on, x->r.ll.abi, x->layers, sizeof(x->layers));
			return;
		}
		x->gap = true;
		snprintf(x->layers, sizeof(x->layers), "NOT enforced on this kernel (needs %s: %s)",
			 ll->gaps.v[i].needs, ll->gaps.v[i].reason);
		return;
	}
	layer_names(dflt & x->r.plan.layers, x->r.ll.abi, x->layers, sizeof(x->layers));
}

/* The allow entry of @l covering @path (the longest), as "LIST[i]: PATH" with its source. */
static bool allow_entry(struct explain *x, const char *list, const struct pol_list *l,
			const char *path)
{
	size_t best = SIZE_MAX, blen = 0;

	for (size_t i = 0; i < l->n; i++) {
		const char *e = l->v[i].s;
		size_t n = e ? strlen(e) : 0;

		if (n && !strncmp(path, e, n) && (path[n] == '/' || !path[n] || n == 1) &&
		    n >= blen) {
			best = i;
			blen = n;
		}
	}
	if (best == SIZE_MAX)
		return false;
	snprintf(x->rule, sizeof(x->rule), "%s[%zu]: %s", list, best, l->v[best].s);
	if (l->v[best].file)
		snprintf(x->source, sizeof(x->source), "%s:%d", l->v[best].file, l->v[best].line);
	return true;
}

/* The record a refused open or exec of @s would be written as; its rule text and source. */
static int refusal_record(struct explain *x, const struct cordon_event_syscall *s)
{
	struct cordon_audit_buf b = { 0 };
	struct cordon_audit_format fmt = { 0 };
	json_t *c;
	int e = cordon_audit_format_event(&fmt, &x->r.ev.audit, s, sizeof(*s), &b, NULL);

	x->rec = e == 0 ? json_loadb(b.p, b.len, 0, NULL) : NULL;
	free(b.p);
	if (!x->rec)
		return e < 0 ? e : -ENOMEM;
	c = json_object_get(x->rec, "cordon");
	snprintf(x->rule, sizeof(x->rule), "%s",
		 json_string_value(json_object_get(c, "rule_text")) ?: "");
	snprintf(x->source, sizeof(x->source), "%s",
		 json_string_value(json_object_get(c, "rule_source")) ?: "");
	return 0;
}

/* "secrets.files[0]: /h/.ssh" as the Landlock compiler names its gap: "secrets.files: /h/.ssh". */
static void gap_name(const char *rule_text, char *buf, size_t len)
{
	const char *open = strchr(rule_text, '['), *close = open ? strstr(open, "]: ") : NULL;

	if (!close) {
		snprintf(buf, len, "%s", rule_text);
		return;
	}
	snprintf(buf, len, "%.*s%s", (int)(open - rule_text), rule_text, close + 1);
}

/* The fake syscall-exit refusal of an open (or exec) of @abs: what a session would record. */
static void syscall_of(const struct explain *x, const char *abs, bool exists,
		       struct cordon_event_syscall *s)
{
	*s = (struct cordon_event_syscall){
		.hdr = { .type = CORDON_EV_SYSCALL,
			 .version = CORDON_EVENT_VERSION,
			 .size = sizeof(*s),
			 .pid = (uint32_t)getpid(),
			 .tid = (uint32_t)getpid(),
			 .uid = (uint32_t)getuid(),
			 .verdict = -EACCES,
			 .hook = x->access == A_EXEC ? CORDON_HOOK_SYS_EXECVE
						     : CORDON_HOOK_SYS_OPENAT,
			 .layer = CORDON_LAYER_LANDLOCK },
		.flags = CORDON_SYSCALL_PATH | CORDON_SYSCALL_ARG,
		.arg = x->access == A_WRITE ? (exists ? O_WRONLY : O_WRONLY | O_CREAT) : O_RDONLY,
	};
	/* A record holds CORDON_PATH_LEN bytes of a path, as a session's would. */
	memcpy(s->path, abs, strnlen(abs, sizeof(s->path) - 1));
}

static int explain_path(struct explain *x)
{
	static const char *const lists[] = { "filesystem.read", "filesystem.write",
					     "filesystem.exec" };
	static const uint64_t need_of[] = { LANDLOCK_ACCESS_FS_READ_FILE,
					    LANDLOCK_ACCESS_FS_WRITE_FILE,
					    LANDLOCK_ACCESS_FS_EXECUTE };
	const struct pol_list *l[] = { &x->r.pol->fs_read, &x->r.pol->fs_write,
				       &x->r.pol->fs_exec };
	char real[PATH_MAX], at[PATH_MAX], reached[PATH_MAX], gap[1024], *slash;
	_cleanup_free_ char *cwd = x->what[0] == '/' ? NULL : getcwd(NULL, 0);
	struct cordon_event_syscall s;
	uint64_t need = need_of[x->access];
	bool exists;

	snprintf(x->object, sizeof(x->object), "%s%s%s", cwd ?: "", cwd ? "/" : "", x->what);
	exists = realpath(x->object, real) != NULL;
	/* Landlock judges the file a path reaches; a file created, the directory it goes in. */
	snprintf(at, sizeof(at), "%s", exists ? real : x->object);
	if (!exists && x->access == A_WRITE) {
		need = LANDLOCK_ACCESS_FS_MAKE_REG;
		slash = strrchr(at, '/');
		if (slash)
			*(slash == at ? slash + 1 : slash) = '\0';
		if (realpath(at, real))
			snprintf(at, sizeof(at), "%s", real);
	}
	syscall_of(x, x->object, exists, &s);
	if (cordon_audit_attribute_syscall(&x->r.ev.rules, &s, reached, sizeof(reached)) == 0 &&
	    s.hdr.rule_id) {
		/* A deny entry (a secret, a protected path, a denied program): never allowed. */
		int e = refusal_record(x, &s);

		gap_name(x->rule, gap, sizeof(gap));
		rule_layers(x, gap, CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK));
		return e;
	}
	x->allowed = !(need & ~pol_landlock_access_at(&x->r.ll, at));
	rule_layers(x, NULL,
		    CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK) |
			    (x->access == A_WRITE ? POL_NEEDS_MOUNT_NS : 0));
	if (!x->allowed)
		return refusal_record(x, &s);
	if (!allow_entry(x, lists[x->access], l[x->access], at) &&
	    !allow_entry(x, lists[x->access], l[x->access], x->object))
		snprintf(x->rule, sizeof(x->rule),
			 "a tree every session is given (the project, its own /tmp)");
	return 0;
}

/* The address of "HOST:PORT" or "[V6]:PORT" as written, into @buf. */
static void host_part(const char *text, char *buf, size_t len)
{
	const char *end = text[0] == '[' ? strchr(text, ']') : strrchr(text, ':');
	const char *start = text[0] == '[' ? text + 1 : text;

	snprintf(buf, len, "%.*s", end ? (int)(end - start) : 0, start);
}

/* Does Landlock let a TCP connect to @port through (to any address)? */
static bool landlock_port_open(const struct pol_landlock *ll, uint16_t port)
{
	if (!(ll->attr.handled_access_net & LANDLOCK_ACCESS_NET_CONNECT_TCP))
		return true;
	for (size_t i = 0; i < ll->nports; i++)
		if (ll->ports[i].port == port &&
		    (ll->ports[i].access & LANDLOCK_ACCESS_NET_CONNECT_TCP))
			return true;
	return false;
}

/*
 * The layers that decide a connect to @t here. Without cgroup BPF, Landlock judges the port
 * alone: an address the policy refuses on a port it allows elsewhere is reachable (a gap).
 */
static void net_layers(struct explain *x, const struct pol_net *t, bool any_addr)
{
	bool landlock = x->r.ll.attr.handled_access_net & LANDLOCK_ACCESS_NET_CONNECT_TCP;

	if (x->r.plan.layers & POL_NEEDS_CGROUP_BPF) {
		snprintf(x->layers, sizeof(x->layers), "cgroup-bpf (address and port)%s",
			 landlock ? ", landlock (the port)" : "");
		return;
	}
	x->gap = !landlock || (t->protos & POL_PROTO_UDP) ||
		 (x->allowed ? !any_addr : landlock_port_open(&x->r.ll, t->lo));
	snprintf(x->layers, sizeof(x->layers), "%s",
		 !x->gap ? "landlock (the port: nothing else is allowed on it)"
		 : landlock && !(t->protos & POL_PROTO_UDP)
			 ? "NOT enforced on this kernel for the address: Landlock judges the port "
			   "alone (needs cgroup-bpf: root or the daemon)"
			 : "NOT enforced on this kernel (needs cgroup-bpf: root or the daemon)");
}

static int explain_net(struct explain *x)
{
	const struct pol_net_list *l = &x->r.pol->connect;
	struct pol_net t;
	char msg[256], host[256];
	const struct cordon_event_hdr h = { .verdict = -EACCES, .hook = CORDON_HOOK_CONNECT4 };
	int e = pol_net_parse(x->what, false, false, &t, msg, sizeof(msg));

	if (e < 0 || t.hostset || t.lo != t.hi) {
		cli_error("explain: '%s': %s", x->what,
			  e < 0 ? msg : "give one host (or address) and one port");
		if (e == 0)
			pol_net_clear(&t);
		return -EINVAL;
	}
	x->kind = "connect";
	snprintf(x->object, sizeof(x->object), "%s", x->what);
	bool any_addr = false;

	for (size_t i = 0; i < l->n && !x->allowed; i++) {
		if (!pol_net_covers(&l->v[i], &t) || l->v[i].lo > t.lo || l->v[i].hi < t.hi ||
		    (l->v[i].protos & t.protos) != t.protos)
			continue;
		x->allowed = true;
		any_addr = !l->v[i].host && !l->v[i].hostset && !l->v[i].plen;
		snprintf(x->rule, sizeof(x->rule), "network.connect[%zu]: %s", i, l->v[i].text);
		if (l->v[i].file)
			snprintf(x->source, sizeof(x->source), "%s:%d", l->v[i].file, l->v[i].line);
	}
	net_layers(x, &t, any_addr);
	if (!x->allowed) {
		host_part(x->what, host, sizeof(host));
		snprintf(x->rule, sizeof(x->rule), "%s",
			 cordon_audit_default_rule(&h, CORDON_EV_CONNECT));
		x->rec = json_pack("{s:{s:s},s:{s:s,s:i},s:{s:s},s:{s:s}}", "event", "action",
				   "connect", "destination", t.host ? "domain" : "ip", host, "port",
				   (int)t.lo, "network", "transport",
				   t.protos & POL_PROTO_UDP ? "udp" : "tcp", "cordon", "layer",
				   "cgroup_bpf");
	}
	pol_net_clear(&t);
	return x->allowed || x->rec ? 0 : -ENOMEM;
}

/* Is @path @dir or below it? */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n] || n == 1);
}

static int explain_unix(struct explain *x)
{
	const struct policy *p = x->r.pol;
	const struct cordon_event_hdr h = { .verdict = -EACCES, .hook = CORDON_HOOK_CONNECT4 };
	bool on = (x->r.plan.layers & POL_NEEDS_BPF_LSM) ||
		  ((x->r.plan.layers & POL_NEEDS_CGROUP_BPF) && x->r.kern.cgroup_unix);

	x->kind = "unix";
	snprintf(x->object, sizeof(x->object), "%s", x->what + 5);
	if (x->object[0] != '/') {
		cli_error("explain: '%s': a pathname socket is unix:/ABSOLUTE/PATH", x->what);
		return -EINVAL;
	}
	snprintf(x->layers, sizeof(x->layers), "%s",
		 x->r.plan.layers & POL_NEEDS_BPF_LSM ? "bpf-lsm"
		 : on ? "cgroup-bpf (unix connect and sendmsg programs)"
		      : "NOT enforced on this kernel (needs cgroup-bpf with unix programs, 6.7+, "
			"or bpf-lsm)");
	x->gap = !on;
	for (size_t i = 0; i < p->unix_deny.n; i++)
		if (under(x->object, p->unix_deny.v[i].s)) {
			snprintf(x->rule, sizeof(x->rule), "network.unix.deny[%zu]: %s", i,
				 p->unix_deny.v[i].s);
			if (p->unix_deny.v[i].file)
				snprintf(x->source, sizeof(x->source), "%s:%d",
					 p->unix_deny.v[i].file, p->unix_deny.v[i].line);
			x->rec = json_pack("{s:{s:s},s:{s:s},s:{s:I}}", "event", "action",
					   "unix-connect", "file", "path", x->object, "cordon",
					   "rule", (json_int_t)POL_RULE_ID(POL_RULE_UNIX, i));
			return x->rec ? 0 : -ENOMEM;
		}
	for (size_t i = 0; i < p->unix_allow.n; i++)
		if (under(x->object, p->unix_allow.v[i].s)) {
			x->allowed = true;
			snprintf(x->rule, sizeof(x->rule), "network.unix.allow[%zu]: %s", i,
				 p->unix_allow.v[i].s);
			if (p->unix_allow.v[i].file)
				snprintf(x->source, sizeof(x->source), "%s:%d",
					 p->unix_allow.v[i].file, p->unix_allow.v[i].line);
			return 0;
		}
	snprintf(x->rule, sizeof(x->rule), "%s", cordon_audit_default_rule(&h, CORDON_EV_UNIX));
	x->rec = json_pack("{s:{s:s},s:{s:s},s:{s:s}}", "event", "action", "unix-connect", "file",
			   "path", x->object, "cordon", "layer", "bpf_lsm");
	return x->rec ? 0 : -ENOMEM;
}

/* What allows a refused object: the YAML and the run option, or why nothing can. */
static json_t *allow_of(struct explain *x)
{
	json_t *c = json_object_get(x->rec, "cordon"), *o;
	char obj[PATH_MAX + 64];
	enum cordon_suggest_list l;
	_cleanup_free_ char *yaml = NULL;

	/* The suggestion reads the rule from the record, as it does for a session's. */
	if (!json_object_get(c, "rule_text")) {
		json_object_set_new(c, "rule_text", json_string(x->rule));
		if (x->source[0])
			json_object_set_new(c, "rule_source", json_string(x->source));
	}
	l = cordon_audit_suggest(x->rec, obj, sizeof(obj));
	if (l == CORDON_SUGGEST_NONE)
		return json_pack("{s:s}", "not_allowed", obj);
	if (cordon_audit_suggest_yaml(l, obj, "", &yaml) < 0)
		return NULL;
	o = json_pack("{s:s,s:s}", "allow_entry", obj, "allow_yaml", yaml);
	if (o && cordon_audit_suggest_flag(l))
		json_object_set_new(o, "allow_flag", json_string(cordon_audit_suggest_flag(l)));
	return o;
}

static void print_text(struct explain *x, json_t *allow)
{
	_cleanup_free_ char *obj = cordon_audit_quote(x->object);
	_cleanup_free_ char *rule = cordon_audit_quote(x->rule);
	_cleanup_free_ char *src = x->source[0] ? cordon_audit_quote(x->source) : NULL;
	const char *yaml = json_string_value(json_object_get(allow, "allow_yaml"));
	const char *flag = json_string_value(json_object_get(allow, "allow_flag"));
	const char *entry = json_string_value(json_object_get(allow, "allow_entry"));
	const char *why = json_string_value(json_object_get(allow, "not_allowed"));

	printf("%s: %s %s\n", x->allowed ? "allowed" : "refused", x->kind, obj ?: "?");
	printf("  rule: %s%s%s\n", rule ?: "?", src ? " at " : "", src ?: "");
	printf("  enforced by: %s (mode: %s)\n", x->layers,
	       x->r.dsess.on	? "daemon"
	       : x->r.kern.root ? "root"
				: "unprivileged");
	if (why) {
		_cleanup_free_ char *w = cordon_audit_quote(why);

		printf("  cannot be allowed: %s\n", w ?: "?");
	} else if (yaml) {
		_cleanup_free_ char *e = cordon_audit_quote(entry);

		if (flag)
			printf("  allow it with %s %s, or in the policy:\n", flag, e ?: "?");
		else
			printf("  allow it in the policy:\n");
		for (const char *p = yaml, *nl; *p; p = nl + 1) {
			nl = strchrnul(p, '\n');
			printf("    %.*s\n", (int)(nl - p), p);
			if (!*nl)
				break;
		}
	}
}

static int print_answer(struct explain *x)
{
	json_t *allow = x->rec ? allow_of(x) : NULL, *o;

	if (x->rec && !allow)
		return -ENOMEM;
	if (!x->json) {
		print_text(x, allow);
		json_decref(allow);
		return 0;
	}
	o = json_pack("{s:s,s:s,s:b,s:s,s:s*,s:s,s:b,s:s}", "object", x->object, "access", x->kind,
		      "allowed", x->allowed, "rule_text", x->rule, "rule_source",
		      x->source[0] ? x->source : NULL, "enforced_by", x->layers, "enforced",
		      !x->gap, "mode",
		      x->r.dsess.on    ? "daemon"
		      : x->r.kern.root ? "root"
				       : "unprivileged");
	if (o && allow)
		json_object_update(o, allow);
	json_decref(allow);
	if (!o)
		return -ENOMEM;
	json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
	return 0;
}

/* The policy as `cordon run` would resolve it here, compiled for Landlock and planned. */
static int load(struct explain *x)
{
	struct run *r = &x->r;
	_cleanup_close_ int dfd = geteuid() == 0 ? -ENOENT : run_daemon_connect();
	int e;

	/* An ordinary user's session goes through the daemon when one answers. */
	r->dsess.on = dfd >= 0;
	e = run_load_policy(r);
	if (e == 0)
		e = run_probe_kernel(r);
	r->dsess.bpf_lsm = r->dsess.on && r->layers[CORDON_LAYER_ID_BPF_LSM].active;
	r->kern.daemon_bpf_lsm = r->dsess.bpf_lsm;
	if (e == 0)
		e = policy_compile_landlock(r->pol, r->feat.landlock_abi, &r->ll);
	if (e == 0)
		e = cordon_plan(r->pol, &r->ll, &r->kern, true, &r->plan);
	if (e == 0)
		e = cordon_audit_rules_build(r->pol, &r->ev.rules);
	r->ev.audit = (struct cordon_audit_ctx){ .session = "explain",
						 .policy = r->pol ? r->pol->name : "",
						 .host = "",
						 .rules = &r->ev.rules };
	return e;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = { { "policy", required_argument, NULL, 'p' },
					      { "project", required_argument, NULL, 'P' },
					      { "user", required_argument, NULL, 'u' },
					      { "write", no_argument, NULL, 'w' },
					      { "exec", no_argument, NULL, 'x' },
					      { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	static const char usage[] =
		"Usage: cordon explain [--policy P] [--project DIR] [--user NAME] "
		"[--write|--exec]\n"
		"                      [--json] PATH|HOST:PORT|unix:SOCKET\n"
		"Would a session allow it (a PATH read by default), by which rule, enforced by\n"
		"which layer on this kernel, and what would allow it. Exit 0 allowed, 1 refused,\n"
		"2 bad input. --user (root): for `cordon run --user NAME`.\n";
	struct explain x = { .access = A_READ };
	int c, e;

	run_init(&x.r);
	if (run_load_config(&x.r) < 0)
		return EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'p')
			x.r.o.policy = optarg;
		else if (c == 'P')
			x.r.o.project = optarg;
		else if (c == 'u' && geteuid() == 0)
			x.r.o.user = optarg;
		else if (c == 'w' || c == 'x')
			x.access = c == 'w' ? A_WRITE : A_EXEC;
		else if (c == 'j')
			x.json = true;
		else if (c == 'u') {
			cli_error("explain: --user needs root");
			run_free(&x.r);
			return EXIT_USAGE;
		} else {
			fputs(usage, c == 'h' ? stdout : stderr);
			run_free(&x.r);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !argv[optind][0]) {
		fputs(usage, stderr);
		run_free(&x.r);
		return EXIT_USAGE;
	}
	x.what = argv[optind];
	x.kind = (const char *[]){ "read", "write", "exec" }[x.access];
	e = load(&x);
	if (e == 0 && !strncmp(x.what, "unix:", 5))
		e = explain_unix(&x);
	else if (e == 0 && x.what[0] != '/' && x.what[0] != '.' && strchr(x.what, ':'))
		e = explain_net(&x);
	else if (e == 0)
		e = explain_path(&x);
	if (e == 0)
		e = print_answer(&x);
	else if (e != -EINVAL)
		cli_error("explain: %s", strerror(-e));
	json_decref(x.rec);
	run_free(&x.r);
	return e < 0 ? EXIT_USAGE : x.allowed ? EXIT_OK : EXIT_FAIL;
}
