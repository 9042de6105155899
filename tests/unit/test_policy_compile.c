// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure compilation: Landlock rules per ABI with the rules each ABI cannot express, the seccomp
 * rule set, and the BPF map entries (resolver injected, covering prefixes pushed down).
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
#include "compile/compile.h"

static const struct policy_search no_dirs = { .system_dir = "/nonexistent/cordon-test",
					      .user_dir = "/nonexistent/cordon-test" };

static const char simple[] =
	"name: t\n"
	"filesystem:\n"
	"  read: [/usr, /home/user/project]\n"
	"  write: [/home/user/project]\n"
	"  exec: [/usr]\n"
	"  protect: [/home/user/project/.git/hooks, /home/user/.bashrc]\n"
	"secrets:\n"
	"  files: [/home/user/.ssh, /usr/local/secret]\n"
	"  patterns: [.env]\n"
	"network:\n"
	"  connect: [\"*:443\", \"10.0.0.0/8:8000-8001\", \"192.0.2.1:53/udp\"]\n"
	"  bind: [\"127.0.0.1:3000\"]\n"
	"  unix:\n"
	"    deny: [/run/docker.sock]\n"
	"process:\n"
	"  exec_deny: [/usr/bin/sudo]\n"
	"  signal: session\n";

static const struct pol_ll_path *ll_path(const struct pol_landlock *ll, const char *path)
{
	for (size_t i = 0; i < ll->npaths; i++)
		if (!strcmp(ll->paths[i].path, path))
			return &ll->paths[i];
	return NULL;
}

static bool has_gap(const struct pol_landlock *ll, const char *rule)
{
	for (size_t i = 0; i < ll->gaps.n; i++)
		if (!strcmp(ll->gaps.v[i].rule, rule))
			return true;
	return false;
}

static void test_policy_compile__landlock_rights_per_abi(void **state)
{
	struct policy *p = unit_resolved(&no_dirs, simple);
	struct pol_landlock ll;

	(void)state;
	assert_int_equal(policy_compile_landlock(p, 1, &ll), 0);
	assert_int_equal(ll.attr.handled_access_fs, cordon_landlock_fs_rights(1));
	assert_int_equal(ll.attr.handled_access_net, 0);
	assert_int_equal(ll.attr.scoped, 0);
	assert_int_equal(ll.npaths, 2);
	assert_int_equal(ll_path(&ll, "/usr")->access, POL_LL_READ | LANDLOCK_ACCESS_FS_EXECUTE);
	/* REFER and TRUNCATE do not exist at ABI 1. */
	assert_int_equal(ll_path(&ll, "/home/user/project")->access,
			 (POL_LL_READ | POL_LL_WRITE) & cordon_landlock_fs_rights(1));
	assert_int_equal(ll.nports, 0);
	assert_true(has_gap(&ll, "network: default deny for TCP"));
	assert_true(has_gap(&ll, "process.signal: session"));
	pol_landlock_free(&ll);

	assert_int_equal(policy_compile_landlock(p, 99, &ll), 0);
	assert_int_equal(ll.abi, CORDON_LANDLOCK_ABI_MAX);
	assert_int_equal(ll_path(&ll, "/home/user/project")->access, POL_LL_READ | POL_LL_WRITE);
	assert_int_equal(ll.attr.scoped,
			 LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET);
	assert_false(has_gap(&ll, "process.signal: session"));
	pol_landlock_free(&ll);
	assert_int_equal(policy_compile_landlock(p, 0, &ll), -EINVAL);
	policy_free(p);
}

/* What a refused open would have needed, against what the rules grant at a path. */
static void test_policy_compile__landlock_access_at_a_path(void **state)
{
	struct policy *p = unit_resolved(&no_dirs, simple);
	struct pol_landlock ll;

	(void)state;
	assert_int_equal(policy_compile_landlock(p, 99, &ll), 0);
	/* Below a rule: its rights, the union over every rule on the way. */
	assert_int_equal(pol_landlock_access_at(&ll, "/usr/bin/cat"),
			 POL_LL_READ | LANDLOCK_ACCESS_FS_EXECUTE);
	assert_int_equal(pol_landlock_access_at(&ll, "/home/user/project/src/a.c"),
			 POL_LL_READ | POL_LL_WRITE);
	assert_int_equal(pol_landlock_access_at(&ll, "/home/user/project"),
			 POL_LL_READ | POL_LL_WRITE);
	/* A sibling with a common prefix is not below the rule; outside every rule: nothing. */
	assert_int_equal(pol_landlock_access_at(&ll, "/home/user/project2/a"), 0);
	assert_int_equal(pol_landlock_access_at(&ll, "/usrx"), 0);
	assert_int_equal(pol_landlock_access_at(&ll, "/etc/shadow"), 0);
	pol_landlock_free(&ll);
	policy_free(p);
}

static void test_policy_compile__landlock_reports_what_it_cannot_express(void **state)
{
	struct policy *p = unit_resolved(&no_dirs, simple);
	struct pol_landlock ll;

	(void)state;
	assert_int_equal(policy_compile_landlock(p, 4, &ll), 0);
	/* Secret inside an allowed tree: deny-within-allow. Outside: default deny suffices. */
	assert_true(has_gap(&ll, "secrets.files: /usr/local/secret"));
	assert_false(has_gap(&ll, "secrets.files: /home/user/.ssh"));
	assert_true(has_gap(&ll, "secrets.patterns: .env"));
	assert_true(has_gap(&ll, "filesystem.protect: /home/user/project/.git/hooks"));
	assert_false(has_gap(&ll, "filesystem.protect: /home/user/.bashrc"));
	assert_true(has_gap(&ll, "process.exec_deny: /usr/bin/sudo"));
	assert_true(has_gap(&ll, "network.unix.deny: /run/docker.sock"));
	assert_true(has_gap(&ll, "network: default deny for UDP"));
	assert_true(has_gap(&ll, "network.connect: 192.0.2.1:53/udp"));
	assert_true(has_gap(&ll, "network.connect: 10.0.0.0/8:8000-8001"));
	assert_false(has_gap(&ll, "network.connect: *:443"));
	assert_true(has_gap(&ll, "network.bind: 127.0.0.1:3000"));
	/* TCP ports: 443, 8000, 8001 for connect; 3000 and 0 (ephemeral) for bind; no UDP 53. */
	assert_int_equal(ll.attr.handled_access_net, cordon_landlock_net_rights(4));
	assert_int_equal(ll.nports, 5);
	assert_int_equal(ll.ports[0].port, 0);
	assert_int_equal(ll.ports[0].access, LANDLOCK_ACCESS_NET_BIND_TCP);
	assert_int_equal(ll.ports[1].port, 443);
	assert_int_equal(ll.ports[1].access, LANDLOCK_ACCESS_NET_CONNECT_TCP);
	assert_int_equal(ll.ports[2].port, 3000);
	assert_int_equal(ll.ports[2].access, LANDLOCK_ACCESS_NET_BIND_TCP);
	for (size_t i = 0; i < ll.gaps.n; i++)
		assert_non_null(ll.gaps.v[i].needs);
	pol_landlock_free(&ll);
	policy_free(p);
}

static void test_policy_compile__landlock_too_many_ports_left_to_bpf(void **state)
{
	struct policy *p =
		unit_resolved(&no_dirs, "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
					"network:\n  connect: [\"*:1-65535\"]\n");
	struct pol_landlock ll;

	(void)state;
	assert_int_equal(policy_compile_landlock(p, 4, &ll), 0);
	assert_int_equal(ll.attr.handled_access_net, 0);
	assert_int_equal(ll.nports, 0);
	assert_true(has_gap(&ll, "network: TCP rules"));
	pol_landlock_free(&ll);
	policy_free(p);
}

static void test_policy_compile__seccomp_rules_resolve_and_follow_ptrace(void **state)
{
	struct policy *p = unit_resolved(&no_dirs, simple);
	struct pol_seccomp sc;
	bool tiocsti = false, newuser = false, ptrace = false;
	size_t base;

	(void)state;
	assert_int_equal(policy_compile_seccomp(p, &sc), 0);
	assert_int_equal(sc.default_action, SCMP_ACT_ALLOW);
	for (size_t i = 0; i < sc.n; i++) {
		const struct pol_seccomp_rule *r = &sc.rules[i];

		/* Every name is one libseccomp knows on this architecture. */
		if (seccomp_syscall_resolve_name(r->syscall) == __NR_SCMP_ERROR)
			print_error("unknown syscall %s\n", r->syscall);
		assert_int_not_equal(seccomp_syscall_resolve_name(r->syscall), __NR_SCMP_ERROR);
		tiocsti |= !strcmp(r->syscall, "ioctl") && r->nargs == 1 && r->args[0].arg == 1 &&
			   r->args[0].datum_b == 0x5412;
		newuser |= !strcmp(r->syscall, "unshare") && r->args[0].datum_a == 0x10000000;
		ptrace |= !strcmp(r->syscall, "ptrace");
	}
	assert_true(tiocsti && newuser);
	assert_false(ptrace); /* ptrace: session is Landlock's job */
	base = sc.n;
	pol_seccomp_free(&sc);
	p->ptrace = POL_PTRACE_NONE;
	assert_int_equal(policy_compile_seccomp(p, &sc), 0);
	assert_int_equal(sc.n, base + 4);
	assert_string_equal(sc.rules[base].syscall, "ptrace");
	/* Without a pid namespace: any pid but 0 (the caller) refused for prlimit and friends. */
	base = sc.n;
	assert_int_equal(policy_compile_seccomp_no_pidns(&sc), 0);
	assert_true(sc.n > base);
	for (size_t i = base; i < sc.n; i++) {
		assert_int_not_equal(seccomp_syscall_resolve_name(sc.rules[i].syscall),
				     __NR_SCMP_ERROR);
		assert_int_equal(sc.rules[i].nargs, 1);
		assert_int_equal(sc.rules[i].args[0].op, SCMP_CMP_NE);
	}
	assert_string_equal(sc.rules[base].syscall, "prlimit64");
	assert_int_equal(sc.rules[base].args[0].arg, 0);
	assert_int_equal(sc.rules[base].args[0].datum_a, 0);
	pol_seccomp_free(&sc);
	policy_free(p);
}

/* Test resolver: every name is 198.51.100.N (N = length of the name), "@dns" is 127.0.0.53. */
static int fake_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max)
{
	int *calls = ctx;

	(*calls)++;
	assert_true(max >= 1);
	memset(out, 0, sizeof(*out));
	out->addr[10] = out->addr[11] = 0xff;
	if (!strcmp(host, "@dns")) {
		out->addr[12] = 127, out->addr[15] = 53;
		return 1;
	}
	out->addr[12] = 198, out->addr[13] = 51, out->addr[14] = 100;
	out->addr[15] = (uint8_t)strlen(host);
	return 1;
}

static const struct pol_map_net *find(const struct pol_maps *m, uint32_t plen, uint8_t a, uint8_t d)
{
	for (size_t i = 0; i < m->nconnect; i++)
		if (m->connect[i].key.prefixlen == plen && m->connect[i].key.addr[12] == a &&
		    m->connect[i].key.addr[15] == d)
			return &m->connect[i];
	return NULL;
}

/* An exec tree at "/" lets every file run: a memfd mapped executable adds nothing there. */
static void test_policy_compile__maps_exec_named_only_when_exec_is_restricted(void **state)
{
	static const char *const yaml[] = {
		"name: t\nfilesystem: {read: [/], exec: [/]}\n",
		"name: t\nfilesystem: {read: [/], exec: [/usr, /tmp]}\n",
		"name: t\nfilesystem: {read: [/], exec: [/usr, /]}\n",
	};
	static const bool named[] = { false, true, false };

	(void)state;
	for (size_t i = 0; i < sizeof(yaml) / sizeof(yaml[0]); i++) {
		struct policy *p = unit_resolved(&no_dirs, yaml[i]);
		struct policy_errors errs = { 0 };
		struct pol_maps m;

		assert_int_equal(policy_compile_maps(p, 1, NULL, NULL, &m, &errs), 0);
		assert_int_equal(!!(m.session_flags & CORDON_SESSION_EXEC_NAMED), named[i]);
		pol_maps_free(&m);
		policy_errors_free(&errs);
		policy_free(p);
	}
}

static void test_policy_compile__maps_push_covering_ranges_down(void **state)
{
	struct policy *p =
		unit_resolved(&no_dirs, "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
					"network:\n  connect:\n"
					"    - \"10.0.0.0/8:1-1024\"\n"
					"    - \"10.1.2.3:443/udp\"\n"
					"    - \"10.1.2.3:1000-2000\"\n"
					"    - \"api.example:443\"\n"
					"    - \"@dns:53/udp\"\n"
					"    - \"[2001:db8::1]:80\"\n");
	struct policy_errors errs = { 0 };
	const struct pol_map_net *e;
	struct pol_maps m;
	int calls = 0;

	(void)state;
	assert_int_equal(policy_compile_maps(p, 42, fake_resolve, &calls, &m, &errs), 0);
	/* "@dns" only: host names are the session resolver's, never resolved here. */
	assert_int_equal(calls, 1);
	assert_int_equal(m.nconnect, 4);
	assert_int_equal(m.nnames, 1);
	assert_string_equal(m.names[0].name, "api.example");
	assert_false(m.names[0].wildcard);
	assert_int_equal(m.names[0].rule.count, 1);
	assert_int_equal(m.names[0].rule.ranges[0].lo, 443);
	assert_int_equal(m.names[0].rule.ranges[0].flags, CORDON_RANGE_NAMED);
	/* exec: [/usr] only: nameless files are not mapped executable (EXEC_NAMED). */
	assert_int_equal(m.session_flags, CORDON_SESSION_NET | CORDON_SESSION_BIND |
						  CORDON_SESSION_FILE | CORDON_SESSION_SELF |
						  CORDON_SESSION_SOCK | CORDON_SESSION_EXEC_NAMED);
	/* 10.0.0.0/8: 32 session bits + 96 mapped bits + 8. */
	e = find(&m, 32 + 96 + 8, 10, 0);
	assert_non_null(e);
	assert_int_equal(e->key.session, 42);
	assert_int_equal(e->key.addr[10], 0xff);
	assert_int_equal(e->rule.count, 1);
	assert_int_equal(e->rule.ranges[0].rule_id, POL_RULE_ID(POL_RULE_CONNECT, 0));
	/* 10.1.2.3: its own ranges (named: DoT to it is allowed) plus the /8's (not named),
	 * kept apart: tcp 1-1024, tcp 1000-2000 named, udp 443 named. */
	e = find(&m, 32 + 128, 10, 3);
	assert_non_null(e);
	assert_int_equal(e->rule.count, 3);
	assert_int_equal(e->rule.ranges[0].protocols, CORDON_PROTO_TCP);
	assert_int_equal(e->rule.ranges[0].lo, 1);
	assert_int_equal(e->rule.ranges[0].hi, 1024);
	assert_int_equal(e->rule.ranges[0].flags, 0);
	assert_int_equal(e->rule.ranges[1].lo, 1000);
	assert_int_equal(e->rule.ranges[1].hi, 2000);
	assert_int_equal(e->rule.ranges[1].flags, CORDON_RANGE_NAMED);
	assert_int_equal(e->rule.ranges[2].protocols, CORDON_PROTO_UDP);
	assert_int_equal(e->rule.ranges[2].lo, 443);
	assert_null(find(&m, 32 + 128, 198, 11)); /* api.example: no address at compile time */
	e = find(&m, 32 + 128, 127, 53);
	assert_non_null(e);
	assert_int_equal(e->rule.ranges[0].protocols, CORDON_PROTO_UDP);
	/* Every pad is zero: map values go to the kernel as they are. */
	for (size_t i = 0; i < m.nconnect; i++) {
		assert_int_equal(m.connect[i].rule.pad, 0);
		for (size_t r = 0; r < CORDON_NET_PORT_RANGES; r++)
			assert_int_equal(m.connect[i].rule.ranges[r].pad[0], 0);
	}
	assert_int_equal(m.nbind, 0);
	pol_maps_free(&m);
	policy_free(p);
}

static void test_policy_compile__dns_names_and_wildcards(void **state)
{
	struct policy *p =
		unit_resolved(&no_dirs, "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
					"network:\n  connect:\n"
					"    - \"*.example.com:443\"\n"
					"    - \"api.example.com:8443\"\n"
					"    - \"*.deep.example.com:80\"\n"
					"    - \"*.example.org:443\"\n");
	struct policy_errors errs = { 0 };
	const struct pol_dns_name *e;
	struct pol_maps m;
	bool wild;

	(void)state;
	assert_int_equal(policy_compile_maps(p, 1, NULL, NULL, &m, &errs), 0);
	assert_int_equal(m.nnames, 4);
	/* exact wins, and carries the wildcard's ports pushed down */
	e = pol_dns_match(m.names, m.nnames, "api.example.com", &wild);
	assert_non_null(e);
	assert_false(wild);
	assert_int_equal(e->rule.count, 2);
	/* the longest suffix wins; it carries the broader wildcard's ports too */
	e = pol_dns_match(m.names, m.nnames, "x.deep.example.com", &wild);
	assert_non_null(e);
	assert_true(wild);
	assert_string_equal(e->name, "deep.example.com");
	assert_int_equal(e->rule.count, 2);
	/* a wildcard covers names below its suffix, not the suffix, not a look-alike */
	assert_null(pol_dns_match(m.names, m.nnames, "example.com", &wild));
	assert_null(pol_dns_match(m.names, m.nnames, "evilexample.com", &wild));
	assert_null(pol_dns_match(m.names, m.nnames, "example.com.evil", &wild));
	/* public DoH names are flagged (the resolver refuses them through a wildcard) */
	assert_true(pol_dns_is_doh_name("dns.google"));
	assert_true(pol_dns_is_doh_name("x.cloudflare-dns.com"));
	assert_false(pol_dns_is_doh_name("google"));
	pol_maps_free(&m);
	policy_free(p);
}

static void test_policy_compile__landlock_dns_tcp_added_once(void **state)
{
	struct policy *p =
		unit_resolved(&no_dirs, "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
					"network:\n  connect: [\"api.example:443\"]\n");
	struct pol_landlock ll;
	size_t n53 = 0;

	(void)state;
	assert_int_equal(policy_compile_landlock(p, 4, &ll), 0);
	assert_int_equal(pol_landlock_allow_dns_tcp(&ll), 0);
	assert_int_equal(pol_landlock_allow_dns_tcp(&ll), 0);
	for (size_t i = 0; i < ll.nports; i++)
		if (ll.ports[i].port == 53) {
			n53++;
			assert_true(ll.ports[i].access & LANDLOCK_ACCESS_NET_CONNECT_TCP);
		}
	assert_int_equal(n53, 1);
	pol_landlock_free(&ll);
	/* no network rights below ABI 4: nothing to add */
	assert_int_equal(policy_compile_landlock(p, 3, &ll), 0);
	assert_int_equal(pol_landlock_allow_dns_tcp(&ll), 0);
	assert_int_equal(ll.nports, 0);
	pol_landlock_free(&ll);
	policy_free(p);
}

static void test_policy_compile__doh_addresses_shadowed_under_cidrs(void **state)
{
	struct policy *p =
		unit_resolved(&no_dirs, "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
					"network:\n  connect:\n"
					"    - \"0.0.0.0/0:443\"\n"
					"    - \"9.9.9.9:443\"\n");
	struct policy_errors errs = { 0 };
	const struct pol_map_net *e;
	struct pol_maps m;

	(void)state;
	assert_int_equal(policy_compile_maps(p, 1, NULL, NULL, &m, &errs), 0);
	e = find(&m, 32 + 128, 8, 8); /* 8.8.8.8: covered, not named: allows nothing */
	assert_non_null(e);
	assert_int_equal(e->rule.count, 0);
	e = find(&m, 32 + 128, 9, 9); /* 9.9.9.9: named by a rule: allowed */
	assert_non_null(e);
	assert_true(e->rule.count >= 1);
	pol_maps_free(&m);
	policy_free(p);
}

static void test_policy_compile__maps_refuse_more_ranges_than_the_value_holds(void **state)
{
	struct policy *p = unit_resolved(
		&no_dirs, "name: t\nfilesystem: {read: [/usr], exec: [/usr]}\n"
			  "network:\n  connect: [\"10.0.0.1:1\", \"10.0.0.1:3\", "
			  "\"10.0.0.1:5\", \"10.0.0.1:7\", \"10.0.0.1:9\", \"10.0.0.1:11\", "
			  "\"10.0.0.1:13\", \"10.0.0.1:15\", \"10.0.0.0/8:17\"]\n");
	struct policy_errors errs = { 0 };
	struct pol_maps m;

	(void)state;
	assert_int_equal(policy_compile_maps(p, 1, NULL, NULL, &m, &errs), -E2BIG);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].msg,
			    "'10.0.0.1:1' needs 9 port ranges on one address (max 8)");
	assert_int_equal(errs.v[0].line, 4);
	policy_errors_free(&errs);
	policy_free(p);
}

static void test_policy_compile__maps_inode_paths(void **state)
{
	struct policy *p = unit_resolved(&no_dirs, simple);
	struct policy_errors errs = { 0 };
	struct pol_maps m;
	bool ssh = false, hooks = false, sudo = false, docker = false;

	(void)state;
	assert_int_equal(policy_compile_maps(p, 1, fake_resolve, &(int){ 0 }, &m, &errs), 0);
	for (size_t i = 0; i < m.ninodes; i++) {
		const struct pol_inode_path *e = &m.inodes[i];

		if (!strcmp(e->path, "/home/user/.ssh"))
			ssh = e->deny == (CORDON_ACCESS_READ | CORDON_ACCESS_WRITE |
					  CORDON_ACCESS_EXEC) &&
			      e->rule_id == POL_RULE_ID(POL_RULE_SECRET, 0);
		if (!strcmp(e->path, "/home/user/project/.git/hooks"))
			hooks = e->deny == CORDON_ACCESS_WRITE;
		if (!strcmp(e->path, "/usr/bin/sudo"))
			sudo = e->deny == (CORDON_ACCESS_EXEC | CORDON_ACCESS_READ);
		if (!strcmp(e->path, "/run/docker.sock"))
			docker = e->deny == CORDON_ACCESS_WRITE;
	}
	assert_true(ssh && hooks && sudo && docker);
	assert_int_equal(m.nbind, 1);
	assert_int_equal(m.bind[0].key.prefixlen, 32 + 128);
	pol_maps_free(&m);
	policy_free(p);
}

static void test_policy_compile__system_resolvers_from_resolv_conf(void **state)
{
	char path[] = "/tmp/cordon-resolv-XXXXXX";
	struct pol_addr a[4];
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment\nsearch example\nnameserver 127.0.0.53\n  nameserver\t::1\n"
	      "nameserver fe80::1%eth0\nnameserver bogus\nnameservers 1.1.1.1\n",
	      f);
	fclose(f);
	assert_int_equal(policy_system_resolvers(path, a, 4), 3);
	assert_int_equal(a[0].addr[12], 127);
	assert_int_equal(a[0].addr[10], 0xff);
	assert_int_equal(a[1].addr[15], 1);
	assert_int_equal(a[2].addr[0], 0xfe);
	assert_int_equal(policy_system_resolvers(path, a, 1), 1);
	unlink(path);
	assert_int_equal(policy_system_resolvers("/nonexistent/resolv.conf", a, 4), -ENOENT);
}

static void test_policy_compile__shipped_policies_compile(void **state)
{
	(void)state;
	for (size_t i = 0; i < policy_embedded_count(); i++) {
		const struct policy_embedded *e = policy_embedded_get(i);
		struct policy_errors errs = { 0 };
		struct policy_vars vars;
		struct policy_resolve_opts ro = { .search = &no_dirs,
						  .vars = &vars,
						  .fragment_ok = true };
		struct policy *p = NULL;
		struct pol_landlock ll;
		struct pol_seccomp sc;
		struct pol_maps m;
		char ref[96];

		policy_vars_placeholder(&vars);
		snprintf(ref, sizeof(ref), "builtin:%s", e->name);
		assert_int_equal(policy_resolve(ref, &ro, &p, &errs), 0);
		for (int abi = 1; abi <= CORDON_LANDLOCK_ABI_MAX; abi++) {
			assert_int_equal(policy_compile_landlock(p, abi, &ll), 0);
			pol_landlock_free(&ll);
		}
		assert_int_equal(policy_compile_seccomp(p, &sc), 0);
		pol_seccomp_free(&sc);
		assert_int_equal(policy_compile_maps(p, 1, fake_resolve, &(int){ 0 }, &m, &errs),
				 0);
		if (!strcmp(e->name, "offline"))
			assert_int_equal(m.nconnect, 0);
		pol_maps_free(&m);
		policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_compile__landlock_rights_per_abi),
		cmocka_unit_test(test_policy_compile__dns_names_and_wildcards),
		cmocka_unit_test(test_policy_compile__doh_addresses_shadowed_under_cidrs),
		cmocka_unit_test(test_policy_compile__landlock_dns_tcp_added_once),
		cmocka_unit_test(test_policy_compile__landlock_access_at_a_path),
		cmocka_unit_test(test_policy_compile__landlock_reports_what_it_cannot_express),
		cmocka_unit_test(test_policy_compile__landlock_too_many_ports_left_to_bpf),
		cmocka_unit_test(test_policy_compile__seccomp_rules_resolve_and_follow_ptrace),
		cmocka_unit_test(test_policy_compile__maps_push_covering_ranges_down),
		cmocka_unit_test(test_policy_compile__maps_exec_named_only_when_exec_is_restricted),
		cmocka_unit_test(test_policy_compile__maps_refuse_more_ranges_than_the_value_holds),
		cmocka_unit_test(test_policy_compile__maps_inode_paths),
		cmocka_unit_test(test_policy_compile__system_resolvers_from_resolv_conf),
		cmocka_unit_test(test_policy_compile__shipped_policies_compile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
