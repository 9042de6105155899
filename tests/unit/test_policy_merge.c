// SPDX-License-Identifier: GPL-2.0-only
/*
 * Composition and the site floor: extends adds or replaces, cycles and depth are refused, host
 * sets expand (the floor's definitions win), and a floor can only be narrowed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "unit_fixture.h"

static char dir[64];
static struct policy_search search;
static struct policy_vars vars;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/cordon-merge-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	search.system_dir = dir;
	search.user_dir = "/nonexistent/cordon-test";
	policy_vars_placeholder(&vars);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	/* Only files this test wrote, in its own mkdtemp directory. */
	for (int i = 0; i < 16; i++) {
		snprintf(cmd, sizeof(cmd), "%s/p%d.yaml", dir, i);
		unlink(cmd);
	}
	snprintf(cmd, sizeof(cmd), "%s/floor.yaml", dir);
	unlink(cmd);
	rmdir(dir);
	return 0;
}

static void put(const char *name, const char *body)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
	unit_put(path, body);
}

static struct policy *parse(const char *s)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	assert_int_equal(policy_parse("t.yaml", s, strlen(s), &p, &errs), 0);
	return p;
}

/* Parse, compose, expand and expand host sets: a policy ready for the floor. */
static struct policy *ready(const char *s, const struct policy *floor)
{
	struct policy_errors errs = { 0 };
	struct policy *c = NULL;

	assert_int_equal(policy_compose(parse(s), &search, &c, &errs), 0);
	assert_int_equal(policy_expand(c, &vars, &errs), 0);
	assert_int_equal(policy_expand_hostsets(c, floor, &errs), 0);
	assert_int_equal(errs.n, 0);
	return c;
}

static bool has(const struct pol_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].s, s))
			return true;
	return false;
}

static void test_policy_merge__extends_adds_and_replace_discards(void **state)
{
	struct policy *p;

	(void)state;
	put("p0",
	    "name: p0\nmode: best_effort\nfilesystem:\n  read: [/usr]\n  write: [/tmp]\n"
	    "  protect: [/etc/x]\nlimits: {pids: 10}\nnetwork:\n  connect: [\"a.example:443\"]\n");
	p = ready("name: child\nextends: p0\nfilesystem:\n  read: [/opt]\n"
		  "  write: {replace: [/srv]}\n  protect: [/etc/y]\nlimits: {memory: 1G}\n"
		  "network:\n  connect: {replace: []}\n",
		  NULL);
	assert_string_equal(p->name, "child");
	assert_null(p->extends.s);
	assert_int_equal(p->mode, POL_MODE_BEST_EFFORT);
	assert_int_equal(p->fs_read.n, 2);
	assert_true(has(&p->fs_read, "/usr") && has(&p->fs_read, "/opt"));
	assert_int_equal(p->fs_write.n, 1);
	assert_true(has(&p->fs_write, "/srv"));
	assert_int_equal(p->fs_protect.n, 2);
	assert_int_equal(p->pids, 10);
	assert_int_equal(p->memory, 1ull << 30);
	assert_true(p->connect.set);
	assert_int_equal(p->connect.n, 0);
	policy_free(p);
}

/*
 * network.dns limits set by the first policy of an extends chain (the one the others build on)
 * are kept by every policy that extends it, and a child's own setting wins. They were lost:
 * the chain starts from a copy of that policy, and the copy left them out (0 = the defaults,
 * 63 bytes a label: a looser exfiltration limit than the policy asked for).
 */
static void test_policy_merge__dns_limits_of_the_extended_policy_kept(void **state)
{
	struct policy *p, *q;

	(void)state;
	put("pdns", "name: pdns\nnetwork:\n  dns:\n    max_label_length: 20\n    max_labels: 4\n");
	p = ready("name: c\nextends: pdns\n", NULL);
	assert_int_equal(p->dns_max_label, 20);
	assert_int_equal(p->dns_max_labels, 4);
	q = ready("name: c2\nextends: pdns\nnetwork:\n  dns:\n    max_labels: 3\n", NULL);
	assert_int_equal(q->dns_max_label, 20);
	assert_int_equal(q->dns_max_labels, 3);
	policy_free(p);
	policy_free(q);
}

/* process.lifetime: a child's setting wins over its parent's; a floor's agent forbids detached. */
static void test_policy_merge__lifetime_extends_and_floor(void **state)
{
	struct policy *floor = ready("name: f\nprocess:\n  lifetime: agent\n", NULL);
	struct policy *p, *q;

	(void)state;
	put("pd", "name: pd\nprocess:\n  lifetime: detached\n");
	p = ready("name: c\nextends: pd\n", NULL);
	assert_int_equal(p->lifetime, POL_LIFETIME_DETACHED);
	q = ready("name: c2\nextends: pd\nprocess:\n  lifetime: agent\n", NULL);
	assert_int_equal(q->lifetime, POL_LIFETIME_AGENT);
	/* unset stays unset: the agent's default, and the policy's digest does not change */
	policy_free(q);
	q = ready("name: c3\n", NULL);
	assert_int_equal(q->lifetime, POL_LIFETIME_UNSET);
	assert_int_equal(policy_apply_floor(p, floor), 0);
	assert_int_equal(p->lifetime, POL_LIFETIME_AGENT);
	policy_free(p);
	policy_free(q);
	policy_free(floor);
}

static void test_policy_merge__extends_cycle_is_error(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy *c = NULL;

	(void)state;
	put("p1", "name: p1\nextends: p2\n");
	put("p2", "name: p2\nextends: p1\n");
	assert_int_equal(policy_compose(parse("name: t\nextends: p1\n"), &search, &c, &errs),
			 -EINVAL);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0].msg, "extends cycle"));
	assert_int_equal(errs.v[0].line, 2);
	assert_int_equal(errs.v[0].col, 10);
	assert_non_null(strstr(errs.v[0].file, "/p2.yaml"));
	policy_errors_free(&errs);
}

static void test_policy_merge__self_extends_is_a_cycle(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL, *c = NULL;
	char path[128];

	(void)state;
	put("p3", "name: p3\nextends: p3\n");
	snprintf(path, sizeof(path), "%s/p3.yaml", dir);
	assert_int_equal(policy_parse_file(path, &p, &errs), 0);
	assert_int_equal(policy_compose(p, &search, &c, &errs), -EINVAL);
	assert_non_null(strstr(errs.v[0].msg, "extends cycle"));
	policy_errors_free(&errs);
}

static void test_policy_merge__extends_depth_is_limited(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy *c = NULL;
	char body[64], name[16];

	(void)state;
	for (int i = 4; i < 15; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		snprintf(body, sizeof(body), "name: p%d\nextends: p%d\n", i, i + 1);
		put(name, body);
	}
	put("p15", "name: p15\n");
	assert_int_equal(policy_compose(parse("name: t\nextends: p4\n"), &search, &c, &errs),
			 -EINVAL);
	assert_string_equal(errs.v[0].msg, "extends chain deeper than 8 levels");
	policy_errors_free(&errs);
	/* Eight levels are fine. */
	assert_int_equal(policy_compose(parse("name: t\nextends: p8\n"), &search, &c, &errs), 0);
	policy_free(c);
}

static void test_policy_merge__floor_host_sets_win(void **state)
{
	struct policy *floor =
		parse("name: floor\nnetwork:\n  hosts:\n    reg: [mirror.example]\n");
	struct policy *p = ready("name: t\nnetwork:\n  hosts:\n    reg: [evil.example]\n"
				 "  connect: [\"@reg:443\", \"@dns:53/udp\"]\n",
				 floor);

	(void)state;
	assert_int_equal(p->connect.n, 2);
	assert_string_equal(p->connect.v[0].host, "mirror.example");
	assert_int_equal(p->connect.v[0].lo, 443);
	assert_string_equal(p->connect.v[1].hostset, "dns");
	policy_free(p);
	policy_free(floor);
}

/* The user's hosts.yaml and --allow-connect apply over the policy, under the floor. */
static void test_policy_merge__user_hosts_and_allow_connect_overlay(void **state)
{
	static const char *const allow[] = { "one.example:8443", "*.cdn.example:443" };
	static const char *const bad[] = { "ok.example:1", "bad_name:443" };
	const char *y = "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
			"network:\n  hosts:\n    reg: [shipped.example]\n"
			"  connect: [\"@reg:443\"]\n";
	struct policy *hosts = parse("name: hosts\nnetwork:\n  hosts:\n    reg: [mine.example]\n");
	struct policy_resolve_opts ro = { .search = &search,
					  .vars = &vars,
					  .user_hosts = hosts,
					  .allow_connect = allow,
					  .nallow_connect = 2 };
	struct policy_errors errs = { 0 };
	struct policy *p = NULL, *out = NULL;

	(void)state;
	assert_int_equal(policy_parse("t.yaml", y, strlen(y), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), 0);
	assert_int_equal(out->connect.n, 3);
	assert_string_equal(out->connect.v[0].host, "mine.example");
	assert_string_equal(out->connect.v[1].host, "one.example");
	assert_int_equal(out->connect.v[1].lo, 8443);
	assert_string_equal(out->connect.v[2].host, "*.cdn.example");
	policy_free(out);
	/* a bad rule on the command line is an error naming it, and nothing is resolved */
	ro.allow_connect = bad;
	assert_int_equal(policy_parse("t.yaml", y, strlen(y), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), -EINVAL);
	assert_null(out);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].file, "--allow-connect");
	assert_int_equal(errs.v[0].col, 2);
	policy_errors_free(&errs);
	policy_free(hosts);
}

/* A floor wildcard covers the names and narrower wildcards below it, not look-alikes. */
static void test_policy_merge__floor_wildcard_covers_names_below(void **state)
{
	struct policy *floor =
		ready("name: f\nnetwork:\n  connect: [\"*.example.com:443\"]\n", NULL);
	struct policy *p = ready("name: t\nnetwork:\n  connect: [\"api.example.com:443\", "
				 "\"*.x.example.com:443\", \"example.com:443\", "
				 "\"evilexample.com:443\", \"*.example.com:80\"]\n",
				 NULL);

	(void)state;
	assert_int_equal(policy_apply_floor(p, floor), 0);
	assert_int_equal(p->connect.n, 2);
	assert_string_equal(p->connect.v[0].host, "api.example.com");
	assert_string_equal(p->connect.v[1].host, "*.x.example.com");
	policy_free(p);
	policy_free(floor);
}

static void test_policy_merge__floor_intersects_path_trees(void **state)
{
	/* Floor: read /usr and the home directory. User: /usr/lib (inside /usr: kept),
	 * /opt (outside everything: dropped), / (contains the floor's trees: they are kept). */
	struct policy *floor = ready("name: f\nfilesystem:\n  read: [/usr, /home/user]\n", NULL);
	struct policy *p = ready("name: t\nfilesystem:\n  read: [/usr/lib, /opt]\n"
				 "  write: [/tmp]\n",
				 NULL);
	struct policy *q = ready("name: q\nfilesystem:\n  read: [/]\n", NULL);

	(void)state;
	assert_int_equal(policy_apply_floor(p, floor), 0);
	assert_int_equal(p->fs_read.n, 1);
	assert_true(has(&p->fs_read, "/usr/lib"));
	/* The floor says nothing about write: the user's list stands. */
	assert_true(has(&p->fs_write, "/tmp"));
	assert_int_equal(policy_apply_floor(q, floor), 0);
	assert_int_equal(q->fs_read.n, 2);
	assert_true(has(&q->fs_read, "/usr") && has(&q->fs_read, "/home/user"));
	policy_free(p);
	policy_free(q);
	policy_free(floor);
}

static void test_policy_merge__floor_unites_denies_and_tightens_scalars(void **state)
{
	struct policy *floor = ready("name: f\nmode: strict\nsecrets:\n  files: [/etc/secret]\n"
				     "  patterns: [\"*.pem\", \"!ca.pem\"]\n"
				     "  env:\n    deny: [\"AWS_*\"]\n"
				     "filesystem:\n  protect: [/etc/hosts]\n"
				     "process:\n  exec_deny: [/usr/bin/sudo]\n  ptrace: none\n"
				     "limits: {pids: 100, memory: 8G}\naudit: {record: [exec]}\n",
				     NULL);
	struct policy *p =
		ready("name: t\nmode: best_effort\nsecrets:\n  files: [/home/user/.ssh]\n"
		      "  patterns: [\"!ca.pem\", \"!server.pem\"]\n"
		      "  env:\n    keep: [AWS_PROFILE, TERM]\n"
		      "process:\n  ptrace: session\n  signal: any\n"
		      "limits: {pids: 1000, memory: 1G, nofile: 64}\naudit: {record: [deny]}\n",
		      NULL);

	(void)state;
	assert_int_equal(policy_apply_floor(p, floor), 0);
	assert_int_equal(p->mode, POL_MODE_STRICT);
	assert_int_equal(p->ptrace, POL_PTRACE_NONE);
	assert_int_equal(p->signal, POL_SIGNAL_ANY);
	assert_true(has(&p->sec_files, "/etc/secret") && has(&p->sec_files, "/home/user/.ssh"));
	assert_true(has(&p->sec_patterns, "*.pem"));
	/* A user exception cannot narrow the floor's patterns, unless the floor excepts it too. */
	assert_true(has(&p->sec_patterns, "!ca.pem"));
	assert_false(has(&p->sec_patterns, "!server.pem"));
	assert_true(has(&p->fs_protect, "/etc/hosts"));
	assert_true(has(&p->exec_deny, "/usr/bin/sudo"));
	assert_int_equal(p->pids, 100);
	assert_int_equal(p->memory, 1ull << 30);
	assert_int_equal(p->nofile, 64);
	assert_int_equal(p->audit, POL_AUDIT_DENY | POL_AUDIT_EXEC);
	/* A user keep cannot undo a floor deny. */
	assert_int_equal(p->env_keep.n, 1);
	assert_true(has(&p->env_keep, "TERM"));
	policy_free(p);
	policy_free(floor);
}

static void test_policy_merge__floor_intersects_network(void **state)
{
	struct policy *floor = ready("name: f\nnetwork:\n  connect:\n"
				     "    - \"10.0.0.0/8:1-1024\"\n    - \"api.example:443\"\n"
				     "    - \"*:53/udp\"\n",
				     NULL);
	struct policy *p = ready("name: t\nnetwork:\n  connect:\n"
				 "    - \"10.1.0.0/16:80-8080\"\n" /* narrowed to 80-1024 */
				 "    - \"0.0.0.0/0:22\"\n"	   /* covers 10/8: 10/8 port 22 */
				 "    - \"api.example:443\"\n"	   /* same host: kept */
				 "    - \"other.example:443\"\n"   /* not in floor: dropped */
				 "    - \"192.0.2.1:53/udp\"\n"	   /* inside '*' for udp: kept */
				 "    - \"192.0.2.1:53/tcp\"\n",   /* '*' is udp only: dropped */
				 NULL);
	char a[64];

	(void)state;
	assert_int_equal(policy_apply_floor(p, floor), 0);
	assert_int_equal(p->connect.n, 4);
	pol_net_format_addr(&p->connect.v[0], a, sizeof(a));
	assert_string_equal(a, "10.1.0.0/16");
	assert_int_equal(p->connect.v[0].lo, 80);
	assert_int_equal(p->connect.v[0].hi, 1024);
	pol_net_format_addr(&p->connect.v[1], a, sizeof(a));
	assert_string_equal(a, "10.0.0.0/8");
	assert_int_equal(p->connect.v[1].lo, 22);
	assert_string_equal(p->connect.v[2].host, "api.example");
	assert_int_equal(p->connect.v[3].protos, POL_PROTO_UDP);
	policy_free(p);
	policy_free(floor);
}

static void test_policy_merge__resolve_with_floor_file(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars };
	struct policy *p = NULL;
	char floor[128];

	(void)state;
	snprintf(floor, sizeof(floor), "%s/floor.yaml", dir);
	put("floor", "name: site-floor\nfilesystem:\n  read: [/usr, \"${HOME}\"]\n"
		     "  exec: [/usr]\nlimits: {pids: 50}\n");
	ro.floor_path = floor;
	assert_int_equal(policy_resolve("builtin:agent", &ro, &p, &errs), 0);
	assert_int_equal(p->pids, 50);
	assert_true(has(&p->fs_read, "/usr"));
	assert_true(has(&p->fs_read, "/home/user/project"));
	assert_false(has(&p->fs_read, "/etc"));
	assert_false(has(&p->fs_exec, "/home/user/project"));
	policy_free(p);
	/* A floor sharing no exec tree with the policy leaves nothing to run: refused. */
	put("floor", "name: site-floor\nfilesystem:\n  exec: [/nowhere]\n");
	assert_int_equal(policy_resolve("builtin:agent", &ro, &p, &errs), -EINVAL);
	assert_string_equal(errs.v[0].msg,
			    "policy 'agent' resolves to an empty filesystem.exec allow-list");
	policy_errors_free(&errs);
	/* A missing floor file is no floor. */
	ro.floor_path = "/nonexistent/floor.yaml";
	assert_int_equal(policy_resolve("builtin:agent", &ro, &p, &errs), 0);
	policy_free(p);
}

/* One-off allows join their lists (file: the option) and never lift the floor or a deny entry. */
static void test_policy_merge__one_off_allows(void **state)
{
	static const char *const ok[] = { "read /srv/a", "write /srv/out", "exec /opt/t",
					  "bind 9000" };
	static const char *const secret[] = { "read /srv/a", "read /home/u/.ssh/id" };
	static const char *const denied[] = { "exec /usr/bin/sudo" };
	static const char *const outside[] = { "read /elsewhere/x" };
	static const char *const far[] = { "far.example:443" };
	const char *y = "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
			"secrets: {files: [/home/u/.ssh]}\nprocess: {exec_deny: [/usr/bin/sudo]}\n";
	struct policy_resolve_opts ro = {
		.search = &search, .vars = &vars, .allow = ok, .nallow = 4
	};
	struct policy_errors errs = { 0 };
	struct policy *p = NULL, *out = NULL;
	char floor[128];

	(void)state;
	assert_int_equal(policy_parse("t.yaml", y, strlen(y), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), 0);
	assert_true(has(&out->fs_read, "/srv/a"));
	assert_string_equal(out->fs_read.v[out->fs_read.n - 1].file, "--allow-read");
	assert_true(has(&out->fs_write, "/srv/out"));
	assert_true(has(&out->fs_exec, "/opt/t"));
	assert_int_equal(out->bind.n, 1);
	assert_int_equal(out->bind.v[0].lo, 9000);
	assert_string_equal(out->bind.v[0].file, "--allow-bind");
	policy_free(out);
	/* A secret, a denied program: -EPERM, the option and the entry named, nothing resolved. */
	ro.allow = secret;
	ro.nallow = 2;
	assert_int_equal(policy_parse("t.yaml", y, strlen(y), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), -EPERM);
	assert_null(out);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].file, "--allow-read");
	assert_int_equal(errs.v[0].col, 2);
	assert_non_null(strstr(errs.v[0].msg, "is a secret (secrets.files): '/home/u/.ssh'"));
	policy_errors_free(&errs);
	ro.allow = denied;
	ro.nallow = 1;
	assert_int_equal(policy_parse("t.yaml", y, strlen(y), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), -EPERM);
	assert_non_null(strstr(errs.v[0].msg, "is a denied program"));
	policy_errors_free(&errs);
	/* The floor narrows a one-off allow away: refused, not silently dropped. */
	snprintf(floor, sizeof(floor), "%s/floor.yaml", dir);
	put("floor", "name: site-floor\nfilesystem:\n  read: [/usr, /srv]\n"
		     "network:\n  connect: [\"near.example:443\"]\n");
	ro.floor_path = floor;
	ro.allow = outside;
	assert_int_equal(policy_parse("t.yaml", y, strlen(y), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), -EPERM);
	assert_non_null(strstr(errs.v[0].msg, "outside what the site floor allows"));
	policy_errors_free(&errs);
	ro.allow = NULL;
	ro.nallow = 0;
	ro.allow_connect = far;
	ro.nallow_connect = 1;
	assert_int_equal(policy_parse("t.yaml", y, strlen(y), &p, &errs), 0);
	assert_int_equal(policy_resolve_parsed(p, &ro, &out, &errs), -EPERM);
	assert_string_equal(errs.v[0].file, "--allow-connect");
	policy_errors_free(&errs);
}

static void test_policy_merge__unix_allow_in_write_tree_is_error(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars };
	struct policy *p = NULL;

	(void)state;
	put("ux", "name: ux\nextends: agent\nnetwork:\n  unix:\n    allow:\n"
		  "      - ${PROJECT}/dev.sock\n      - /run/app/\n");
	assert_int_equal(policy_resolve("ux", &ro, &p, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 6);
	assert_int_equal(errs.v[0].col, 9);
	assert_string_equal(
		errs.v[0].msg,
		"network.unix.allow: '/home/user/project/dev.sock' is inside the write "
		"tree '/home/user/project': the agent could replace it with a symlink to "
		"any socket");
	policy_errors_free(&errs);
	/* Outside every write tree: accepted, and merged like the other allow-lists. */
	put("ux", "name: ux\nextends: agent\nnetwork:\n  unix:\n    allow: [/run/app/]\n");
	assert_int_equal(policy_resolve("ux", &ro, &p, &errs), 0);
	assert_true(has(&p->unix_allow, "/run/app"));
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_merge__extends_adds_and_replace_discards),
		cmocka_unit_test(test_policy_merge__extends_cycle_is_error),
		cmocka_unit_test(test_policy_merge__lifetime_extends_and_floor),
		cmocka_unit_test(test_policy_merge__dns_limits_of_the_extended_policy_kept),
		cmocka_unit_test(test_policy_merge__unix_allow_in_write_tree_is_error),
		cmocka_unit_test(test_policy_merge__self_extends_is_a_cycle),
		cmocka_unit_test(test_policy_merge__extends_depth_is_limited),
		cmocka_unit_test(test_policy_merge__floor_host_sets_win),
		cmocka_unit_test(test_policy_merge__user_hosts_and_allow_connect_overlay),
		cmocka_unit_test(test_policy_merge__one_off_allows),
		cmocka_unit_test(test_policy_merge__floor_wildcard_covers_names_below),
		cmocka_unit_test(test_policy_merge__floor_intersects_path_trees),
		cmocka_unit_test(test_policy_merge__floor_unites_denies_and_tightens_scalars),
		cmocka_unit_test(test_policy_merge__floor_intersects_network),
		cmocka_unit_test(test_policy_merge__resolve_with_floor_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
