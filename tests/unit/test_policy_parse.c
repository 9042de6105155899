// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy parsing and validation: every shipped policy is valid, and every malformed file in
 * tests/unit/policies/ yields its exact FILE:LINE:COL message, all errors reported, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/sys.h"
#include "policy/policy.h"

/* Test data lives next to this file; tests run from the repository root. */
#define POLICY_DIR "tests/unit/policies"

static const struct policy_search no_dirs = { .system_dir = "/nonexistent/cordon-test",
					      .user_dir = "/nonexistent/cordon-test" };

/* Parse a file and resolve it the way `cordon policy check` does. */
static int check_file(const char *path, struct policy_errors *errs)
{
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = &no_dirs, .vars = &vars, .fragment_ok = true };
	struct policy *p = NULL, *out = NULL;
	int r;

	policy_vars_placeholder(&vars);
	r = policy_parse_file(path, &p, errs);
	if (r == 0)
		r = policy_resolve_parsed(p, &ro, &out, errs);
	policy_free(out);
	return r;
}

static int parse_str(const char *s, struct policy **p, struct policy_errors *errs)
{
	return policy_parse("t.yaml", s, strlen(s), p, errs);
}

static const struct malformed {
	const char *file;
	int line, col;
	size_t nerrors;	 /* every error of the file is reported */
	const char *msg; /* the first one, exactly */
} malformed[] = {
	{ "bad-alias.yaml", 4, 12, 2,
	  "YAML anchors are not allowed in policies (compose with 'extends')" },
	{ "bad-bad-audit.yaml", 4, 18, 1,
	  "unknown audit record 'everything' (expected deny, exec, connect, file, secret, process, "
	  "all)" },
	{ "bad-bad-cidr.yaml", 4, 13, 1, "bad CIDR '10.0.0.0/33': prefix length must be 0-32" },
	/* refused before libfyaml 0.8 unescapes it, which leaks (see policy_yaml.c) */
	{ "bad-single-quote-escape.yaml", 3, 14, 1,
	  "an escaped quote ('') in a single-quoted string is not accepted: write the string in "
	  "double quotes" },
	{ "bad-pattern-two-stars.yaml", 4, 14, 1,
	  "pattern '*.tar.*': only one '*' and no other wildcard can be matched in the kernel" },
	{ "bad-bad-cpu.yaml", 4, 8, 1,
	  "bad value 'lots' for 'limits.cpu' (expected a percentage such as 200%)" },
	{ "bad-bad-dollar.yaml", 4, 11, 1,
	  "'$' must start a ${VARIABLE} (write $$ for a literal '$')" },
	{ "bad-bad-env-pattern.yaml", 5, 12, 1,
	  "bad environment variable pattern 'AWS-*' (letters, digits, '_', '*', '?')" },
	{ "bad-bad-hostname.yaml", 4, 13, 1, "bad host name or address 'bad_host.example'" },
	{ "bad-bad-ipv4.yaml", 4, 13, 1, "bad host name or address '300.1.1.1'" },
	{ "bad-bad-wildcard.yaml", 4, 13, 1,
	  "bad wildcard '*.com' (expected \"*.example.com\": '*.' then a name of at least two "
	  "labels)" },
	{ "bad-bad-wildcard-middle.yaml", 4, 13, 1, "bad host name or address 'api.*.example'" },
	{ "bad-bad-memory.yaml", 4, 11, 1,
	  "bad value '8X' for 'limits.memory' (expected a size such as 512M or 8G)" },
	{ "bad-bad-mode.yaml", 3, 7, 1,
	  "bad value 'lenient' for 'mode' (expected strict or best_effort)" },
	{ "bad-bad-name.yaml", 2, 7, 1,
	  "bad policy name 'Agent!' (lowercase letters, digits, '-', '_', '.'; at most 64)" },
	{ "bad-bad-protocol.yaml", 4, 13, 1, "unknown protocol 'icmp' (expected tcp or udp)" },
	{ "bad-bad-ptrace.yaml", 4, 11, 1,
	  "bad value 'all' for 'process.ptrace' (expected none or session)" },
	{ "bad-bad-lifetime.yaml", 4, 13, 1,
	  "bad value 'forever' for 'process.lifetime' (expected agent or detached)" },
	{ "bad-bad-signal.yaml", 4, 11, 1,
	  "'process.signal' must be one of session or any, not a list" },
	{ "bad-bad-v6.yaml", 4, 13, 1, "bad IPv6 address 'fe80::zz'" },
	{ "bad-billion-laughs.yaml", 3, 7, 34,
	  "YAML anchors are not allowed in policies (compose with 'extends')" },
	{ "bad-bind-hostname.yaml", 4, 10, 1,
	  "bind entries take an address or '*', not a host name" },
	{ "bad-cidr-host-bits.yaml", 4, 13, 1,
	  "bad CIDR '10.0.0.1/8': address has bits set past the prefix" },
	{ "bad-control-char-path.yaml", 4, 10, 1, "a path contains a control character" },
	{ "bad-dotdot-path.yaml", 4, 10, 1, "'..' is not allowed in paths ('/usr/../etc')" },
	{ "bad-duplicate-key.yaml", 6, 3, 1, "duplicate key 'read' (first at line 4)" },
	{ "bad-duplicate-top-key.yaml", 3, 1, 1, "duplicate key 'name' (first at line 2)" },
	{ "bad-empty.yaml", 1, 1, 1, "empty policy: expected a mapping with at least 'name'" },
	{ "bad-extends-missing.yaml", 3, 10, 1,
	  "policy 'no-such-policy-anywhere' not found in /nonexistent/cordon-test, "
	  "/nonexistent/cordon-test or the built-in set" },
	{ "bad-filesystem-is-list.yaml", 3, 13, 1, "'filesystem' must be a mapping, not a list" },
	{ "bad-hosts-bad-name.yaml", 5, 5, 1,
	  "bad host set name 'Models' (lowercase, digits, '-', '_'; 'dns' is reserved)" },
	{ "bad-hosts-member-port.yaml", 5, 14, 1,
	  "host set members take no port ('a.example:443'): put the port in the rule "
	  "(\"@set:443\")" },
	{ "bad-missing-name.yaml", 2, 1, 1, "missing required key 'name'" },
	{ "bad-missing-port.yaml", 4, 13, 1, "missing ':PORT' in 'a.example'" },
	{ "bad-multi-error.yaml", 4, 10, 4,
	  "relative path 'relative': paths must be absolute or start with ${VARIABLE}" },
	{ "bad-name-is-list.yaml", 2, 7, 1, "'name' must be a string, not a list" },
	{ "bad-nofile-too-big.yaml", 4, 11, 1, "'limits.nofile' is too large (max 1048576)" },
	{ "bad-non-utf8.yaml", 4, 16, 1, "invalid UTF-8 byte 0xff" },
	{ "bad-not-a-mapping.yaml", 2, 1, 1, "a policy must be a mapping, not a list" },
	{ "bad-nul-in-path.yaml", 4, 10, 1, "a path contains a NUL byte" },
	{ "bad-pattern-with-slash.yaml", 4, 14, 1,
	  "pattern '**/.env' contains '/': patterns match a file's name; put paths in "
	  "secrets.files" },
	{ "bad-port-too-big.yaml", 4, 13, 1, "port 65536 out of range (1-65535)" },
	{ "bad-port-zero.yaml", 4, 13, 1, "port 0 is not allowed (ports are 1-65535)" },
	{ "bad-protect-empty.yaml", 4, 12, 1, "empty list 'filesystem.protect': remove the key" },
	{ "bad-protect-replace.yaml", 4, 12, 1,
	  "'filesystem.protect' must be a list, not a mapping (deny lists cannot be replaced)" },
	{ "bad-read-empty.yaml", 4, 9, 1,
	  "empty list 'filesystem.read': remove the key, or write {replace: []} to clear an "
	  "inherited list" },
	{ "bad-read-is-null.yaml", 4, 3, 1,
	  "'filesystem.read' is empty: give a list or remove the key" },
	{ "bad-read-is-scalar.yaml", 4, 9, 1,
	  "'filesystem.read' must be a list, not a scalar (write [/usr])" },
	{ "bad-relative-path.yaml", 6, 7, 1,
	  "relative path 'usr/local': paths must be absolute or start with ${VARIABLE}" },
	{ "bad-replace-bad-key.yaml", 4, 9, 1,
	  "'filesystem.read' must be a list, or a mapping with the single key 'replace'" },
	{ "bad-reversed-range.yaml", 4, 13, 1, "reversed port range 4000-3000" },
	{ "bad-tab-indent.yaml", 4, 1, 1, "YAML: tab character may not be used as indentation" },
	{ "bad-tag.yaml", 2, 13, 1, "YAML tags are not allowed in policies" },
	{ "bad-tilde-path.yaml", 4, 11, 1, "'~' is not expanded in policies: write ${HOME}" },
	{ "bad-two-documents.yaml", 3, 1, 1, "a policy file holds a single YAML document" },
	{ "bad-unclosed-flow.yaml", 5, 1, 1, "YAML: flow sequence without a closing bracket" },
	{ "bad-unknown-fs-key.yaml", 4, 3, 1,
	  "unknown key 'raed' in filesystem (expected read, write, exec, protect, atomic, cache)" },
	{ "bad-unknown-hostset.yaml", 7, 13, 1,
	  "unknown host set '@nosuch' (define it under network.hosts)" },
	{ "bad-unknown-limits-key.yaml", 4, 3, 1,
	  "unknown key 'procs' in limits (expected pids, memory, cpu, nofile)" },
	{ "bad-unknown-network-key.yaml", 4, 3, 1,
	  "unknown key 'connects' in network (expected connect, bind, unix, hosts, dns)" },
	{ "bad-unknown-process-key.yaml", 5, 3, 1,
	  "unknown key 'exec' in process (expected exec_deny, ptrace, signal, lifetime)" },
	{ "bad-unknown-secrets-key.yaml", 4, 3, 1,
	  "unknown key 'file' in secrets (expected files, patterns, env)" },
	{ "bad-unknown-top-key.yaml", 5, 1, 1,
	  "unknown key 'netwrok' (expected name, description, extends, mode, filesystem, secrets, "
	  "network, process, limits, audit)" },
	{ "bad-unknown-variable.yaml", 4, 11, 1,
	  "unknown variable '${HOMEDIR}' (known: HOME, PROJECT, TMPDIR, USER, XDG_CONFIG_HOME, "
	  "XDG_CACHE_HOME, SSH_AUTH_SOCK)" },
	{ "bad-unterminated-variable.yaml", 4, 11, 1, "unterminated '${' in '${HOME/x'" },
	{ "bad-user-var-relative.yaml", 4, 11, 1,
	  "relative path 'user/x' after expansion of '${USER}/x': paths must be absolute" },
	{ "bad-unix-allow-dot.yaml", 5, 13, 1,
	  "network.unix.allow: '/run/./app.sock' has a '.', '..' or empty component: write the "
	  "socket's canonical path" },
	{ "bad-unix-allow-empty.yaml", 5, 13, 1,
	  "network.unix.allow: '/run/app//x.sock' has a '.', '..' or empty component: write the "
	  "socket's canonical path" },
	{ "bad-unix-allow-relative.yaml", 6, 9, 1,
	  "relative path 'run/app.sock': paths must be absolute or start with ${VARIABLE}" },
	{ "bad-v6-no-brackets.yaml", 4, 13, 1, "IPv6 addresses need brackets: [ADDR]:PORT" },
	{ "bad-zero-pids.yaml", 4, 9, 1, "'limits.pids' must be greater than 0" },
};

static void test_policy_parse__malformed_files_report_exact_position(void **state)
{
	(void)state;
	assert_true(ARRAY_SIZE(malformed) >= 40);
	for (size_t i = 0; i < ARRAY_SIZE(malformed); i++) {
		const struct malformed *m = &malformed[i];
		struct policy_errors errs = { 0 };
		char path[256];
		int r;

		snprintf(path, sizeof(path), POLICY_DIR "/%s", m->file);
		r = check_file(path, &errs);
		if (r >= 0 || errs.n == 0 || errs.v[0].line != m->line || errs.v[0].col != m->col ||
		    strcmp(errs.v[0].msg, m->msg) || strcmp(errs.v[0].file, path) ||
		    errs.n + errs.dropped != m->nerrors) {
			print_error("%s: r=%d, %zu errors, first %s:%d:%d: %s\n", m->file, r,
				    errs.n, errs.n ? errs.v[0].file : "-",
				    errs.n ? errs.v[0].line : 0, errs.n ? errs.v[0].col : 0,
				    errs.n ? errs.v[0].msg : "-");
			fail();
		}
		policy_errors_free(&errs);
	}
}

static void test_policy_parse__all_errors_in_a_file_are_reported(void **state)
{
	struct policy_errors errs = { 0 };

	(void)state;
	assert_int_equal(check_file(POLICY_DIR "/bad-multi-error.yaml", &errs), -EINVAL);
	assert_int_equal(errs.n, 4);
	assert_int_equal(errs.v[0].line, 4);
	assert_int_equal(errs.v[1].line, 6);
	assert_string_equal(errs.v[1].msg, "port 0 is not allowed (ports are 1-65535)");
	assert_int_equal(errs.v[2].line, 8);
	assert_int_equal(errs.v[3].line, 9);
	assert_int_equal(errs.v[3].col, 1);
	policy_errors_free(&errs);
}

static void test_policy_parse__unknown_key_is_error(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	(void)state;
	assert_int_equal(
		parse_str("name: t\nfilesystem:\n  read: [/usr]\n  wirte: [/tmp]\n", &p, &errs),
		-EINVAL);
	assert_null(p);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 4);
	assert_int_equal(errs.v[0].col, 3);
	assert_string_equal(errs.v[0].msg, "unknown key 'wirte' in filesystem (expected read, "
					   "write, exec, protect, atomic, cache)");
	policy_errors_free(&errs);
}

static void test_policy_parse__good_policy_fields(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	(void)state;
	assert_int_equal(policy_parse_file(POLICY_DIR "/good-full.yaml", &p, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_string_equal(p->name, "full");
	assert_int_equal(p->mode, POL_MODE_BEST_EFFORT);
	assert_int_equal(p->fs_read.n, 3);
	assert_string_equal(p->fs_read.v[2].s, "${HOME}/.cache");
	assert_true(p->fs_write.replace);
	assert_int_equal(p->connect.n, 6);
	/* "10.0.0.0/8:1-1024/udp" */
	assert_int_equal(p->connect.v[1].plen, 96 + 8);
	assert_int_equal(p->connect.v[1].addr[12], 10);
	assert_int_equal(p->connect.v[1].addr[10], 0xff);
	assert_int_equal(p->connect.v[1].lo, 1);
	assert_int_equal(p->connect.v[1].hi, 1024);
	assert_int_equal(p->connect.v[1].protos, POL_PROTO_UDP);
	/* "[2001:db8::/32]:443" */
	assert_int_equal(p->connect.v[2].plen, 32);
	assert_int_equal(p->connect.v[2].addr[0], 0x20);
	/* "@models:443" and "*:22" */
	assert_string_equal(p->connect.v[3].hostset, "models");
	assert_int_equal(p->connect.v[4].plen, 0);
	assert_null(p->connect.v[4].host);
	assert_string_equal(p->connect.v[5].host, "example.org");
	assert_int_equal(p->bind.n, 2);
	assert_int_equal(p->bind.v[0].plen, 0);
	assert_int_equal(p->bind.v[0].lo, 8080);
	assert_int_equal(p->nhosts, 2);
	assert_int_equal(p->hosts[1].members.n, 0);
	assert_int_equal(p->ptrace, POL_PTRACE_NONE);
	assert_int_equal(p->signal, POL_SIGNAL_SESSION);
	assert_int_equal(p->lifetime, POL_LIFETIME_DETACHED);
	assert_int_equal(p->pids, 100);
	assert_int_equal(p->memory, 512ull << 20);
	assert_int_equal(p->cpu, 150);
	assert_int_equal(p->nofile, 1024);
	assert_int_equal(p->audit, POL_AUDIT_DENY | POL_AUDIT_EXEC);
	policy_free(p);
}

static void test_policy_parse__shipped_policies_are_valid(void **state)
{
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = &no_dirs, .vars = &vars };

	(void)state;
	policy_vars_placeholder(&vars);
	assert_true(policy_embedded_count() >= 8);
	for (size_t i = 0; i < policy_embedded_count(); i++) {
		const struct policy_embedded *e = policy_embedded_get(i);
		struct policy_errors errs = { 0 };
		struct policy *p = NULL;
		char ref[96];
		int r;

		/* hosts and base are building blocks: no project access of their own. */
		ro.fragment_ok = !strcmp(e->name, "hosts");
		snprintf(ref, sizeof(ref), "builtin:%s", e->name);
		r = policy_resolve(ref, &ro, &p, &errs);
		for (size_t k = 0; k < errs.n; k++)
			print_error("%s:%d:%d: %s\n", errs.v[k].file, errs.v[k].line, errs.v[k].col,
				    errs.v[k].msg);
		assert_int_equal(r, 0);
		assert_string_equal(p->name, e->name);
		policy_free(p);
		policy_errors_free(&errs);
	}
}

/* The embedded copies are the files in policies/: a stale build would ship old rules. */
static void test_policy_parse__embedded_policies_match_the_tree(void **state)
{
	(void)state;
	for (size_t i = 0; i < policy_embedded_count(); i++) {
		const struct policy_embedded *e = policy_embedded_get(i);
		_cleanup_free_ char *buf = malloc(e->len + 1);
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "policies/%s.yaml", e->name);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_int_equal(fread(buf, 1, e->len + 1, f), e->len);
		fclose(f);
		assert_memory_equal(buf, e->data, e->len);
	}
}

static void test_policy_parse__agent_is_strict_and_denies_secrets(void **state)
{
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = &no_dirs, .vars = &vars };
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;
	const char *need[] = { "/home/user/.ssh",
			       "/home/user/.aws",
			       "/home/user/.gnupg",
			       "/home/user/.netrc",
			       "/home/user/.docker/config.json",
			       "/home/user/.kube/config",
			       "/home/user/.config/gh",
			       "/home/user/.git-credentials" };
	const char *protect[] = { "/home/user/project/.git/hooks",
				  "/home/user/project/.git/config",
				  "/home/user/.bashrc",
				  "/home/user/.config/autostart",
				  "/home/user/.config/systemd",
				  "/var/spool/cron",
				  "/home/user/project/.vscode",
				  "/home/user/project/.idea",
				  "/home/user/project/.claude",
				  "/home/user/project/.cursor",
				  "/home/user/project/.mcp.json" };

	(void)state;
	policy_vars_placeholder(&vars);
	assert_int_equal(policy_resolve(POLICY_DEFAULT, &ro, &p, &errs), 0);
	assert_int_equal(p->mode, POL_MODE_STRICT);
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		bool found = false;

		for (size_t k = 0; k < p->sec_files.n; k++)
			found |= !strcmp(p->sec_files.v[k].s, need[i]);
		if (!found)
			print_error("secret %s missing\n", need[i]);
		assert_true(found);
	}
	for (size_t i = 0; i < ARRAY_SIZE(protect); i++) {
		bool found = false;

		for (size_t k = 0; k < p->fs_protect.n; k++)
			found |= !strcmp(p->fs_protect.v[k].s, protect[i]);
		if (!found)
			print_error("protect %s missing\n", protect[i]);
		assert_true(found);
	}
	/* Loopback is reachable only on the named dev-server ports. */
	for (size_t i = 0; i < p->connect.n; i++) {
		const struct pol_net *n = &p->connect.v[i];

		assert_true(n->host || n->hostset || n->plen != 0);
		if (!n->host && !n->hostset && n->addr[15] == 1 && n->plen == 128)
			assert_true(n->lo >= 3000);
	}
	policy_free(p);
	policy_errors_free(&errs);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_policy_parse__file_over_1mib_is_refused(void **state)
{
	char path[] = "/tmp/cordon-policy-XXXXXX";
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;
	size_t len = POLICY_MAX_FILE_BYTES + 1;
	_cleanup_free_ char *big = malloc(len);
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	memset(big, '#', len);
	write_file(path, big, len);
	assert_int_equal(policy_parse_file(path, &p, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].msg, "policy file is larger than 1048576 bytes");
	unlink(path);
	policy_errors_free(&errs);
	/* The in-memory entry point refuses it too. */
	assert_int_equal(policy_parse("big", big, len, &p, &errs), -EINVAL);
	policy_errors_free(&errs);
}

static void test_policy_parse__alias_bomb_is_bounded(void **state)
{
	size_t cap = 900 * 1024, o = 0;
	_cleanup_free_ char *s = malloc(cap);
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;
	clock_t t0 = clock();

	(void)state;
	o += (size_t)snprintf(s + o, cap - o, "name: t\na0: &a0 [lol]\n");
	for (int i = 1; i < 40; i++) {
		o += (size_t)snprintf(s + o, cap - o, "a%d: &a%d [", i, i);
		for (int k = 0; k < 10; k++)
			o += (size_t)snprintf(s + o, cap - o, "*a%d,", i - 1);
		o += (size_t)snprintf(s + o, cap - o, "*a%d]\n", i - 1);
	}
	assert_int_equal(policy_parse("bomb", s, o, &p, &errs), -EINVAL);
	/* Reported, capped, and fast: nothing was ever expanded. */
	assert_int_equal(errs.n, POLICY_MAX_ERRORS);
	assert_true(errs.dropped > 0);
	assert_true((clock() - t0) < 5 * CLOCKS_PER_SEC);
	policy_errors_free(&errs);
}

static void test_policy_parse__deep_nesting_is_error(void **state)
{
	char s[512] = "name: t\nx: ";
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;

	(void)state;
	for (int i = 0; i < 100; i++)
		strcat(s, "[");
	for (int i = 0; i < 100; i++)
		strcat(s, "]");
	assert_int_equal(parse_str(s, &p, &errs), -EINVAL);
	assert_true(errs.n >= 1);
	policy_errors_free(&errs);
}

static void test_policy_parse__truncated_utf8_is_error(void **state)
{
	struct policy_errors errs = { 0 };
	struct policy *p = NULL;
	const char s[] = "name: t\n#\xe2\x82";

	(void)state;
	assert_int_equal(policy_parse("t", s, sizeof(s) - 1, &p, &errs), -EINVAL);
	assert_string_equal(errs.v[0].msg, "truncated UTF-8 sequence");
	assert_int_equal(errs.v[0].line, 2);
	assert_int_equal(errs.v[0].col, 2);
	policy_errors_free(&errs);
}

static void test_policy_parse__net_entry_forms(void **state)
{
	struct {
		const char *text;
		bool member, bind;
		int ok;
	} cases[] = {
		{ "api.example.com:443", false, false, 0 },
		{ "API.Example.COM:443/tcp", false, false, 0 },
		{ "192.0.2.1:53/udp", false, false, 0 },
		{ "[::1]:8080", false, false, 0 },
		{ "[fd00::/8]:1-65535", false, false, 0 },
		{ "@set:443", false, false, 0 },
		{ "3000-3999", false, true, 0 },
		{ "3000", false, false, -EINVAL },
		{ "host:1-2-3", false, false, -EINVAL },
		{ "host:", false, false, -EINVAL },
		{ ":443", false, false, -EINVAL },
		{ "[::1]443", false, false, -EINVAL },
		{ "[::1:443", false, false, -EINVAL },
		{ "@Bad:443", false, false, -EINVAL },
		{ "-bad.example:443", false, false, -EINVAL },
		{ "*.githubusercontent.com:443", false, false, 0 },
		{ "*.example.com", true, false, 0 },
		{ "*.com:443", false, false, -EINVAL },
		{ "*example.com:443", false, false, -EINVAL },
		{ "*.*.example.com:443", false, false, -EINVAL },
		{ "10.0.0.0/8", true, false, 0 },
		{ "::ffff:10.0.0.1", true, false, 0 },
		{ "@x", true, false, -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pol_net n;
		char msg[256] = "";
		int r = pol_net_parse(cases[i].text, cases[i].member, cases[i].bind, &n, msg,
				      sizeof(msg));

		if (r != cases[i].ok)
			print_error("'%s': %d %s\n", cases[i].text, r, msg);
		assert_int_equal(r, cases[i].ok);
		if (!r && i == 1)
			assert_string_equal(n.host, "api.example.com");
		pol_net_clear(&n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_parse__malformed_files_report_exact_position),
		cmocka_unit_test(test_policy_parse__all_errors_in_a_file_are_reported),
		cmocka_unit_test(test_policy_parse__unknown_key_is_error),
		cmocka_unit_test(test_policy_parse__good_policy_fields),
		cmocka_unit_test(test_policy_parse__shipped_policies_are_valid),
		cmocka_unit_test(test_policy_parse__embedded_policies_match_the_tree),
		cmocka_unit_test(test_policy_parse__agent_is_strict_and_denies_secrets),
		cmocka_unit_test(test_policy_parse__file_over_1mib_is_refused),
		cmocka_unit_test(test_policy_parse__alias_bomb_is_bounded),
		cmocka_unit_test(test_policy_parse__deep_nesting_is_error),
		cmocka_unit_test(test_policy_parse__truncated_utf8_is_error),
		cmocka_unit_test(test_policy_parse__net_entry_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
