// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host tier's attribution (audit_attrib.c): a secret reached through a symlink or
 * /proc/self/root names the mask; an EACCES the rules allow is not cordon's, and neither is a
 * walk the user may not make (whose symlinks are then never followed); a task gone or an
 * unknown session drops nothing; the context survives the daemon's JSON, a malformed one whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "compile/compile.h"

#define OTHER_UID 54321 /* a user who owns nothing here */

static char dir[] = "/tmp/cordon-attrib-XXXXXX";
static struct cordon_audit_rules no_rules;

static void put(const char *rel, const char *link_to)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (link_to)
		assert_int_equal(symlink(link_to, p), 0);
	else
		assert_int_equal(close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
}

static int setup(void **state)
{
	char p[256];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	chmod(dir, 0755);
	snprintf(p, sizeof(p), "%s/secret", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/allowed", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/allowed/closed", dir);
	mkdir(p, 0700);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Rules: read under allowed/, binds of port 8080; the secret/ directory masked. */
static void context(struct cordon_attrib *a)
{
	char allowed[256], secret[256];
	struct pol_ll_path paths[] = { { allowed, POL_LL_READ } };
	struct pol_ll_port ports[] = { { 8080, LANDLOCK_ACCESS_NET_BIND_TCP } };
	struct pol_landlock ll = { .abi = 4,
				   .attr = { .handled_access_fs = POL_LL_READ | POL_LL_WRITE,
					     .handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP },
				   .paths = paths,
				   .npaths = 1,
				   .ports = ports,
				   .nports = 1 };

	snprintf(allowed, sizeof(allowed), "%s/allowed", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	assert_int_equal(cordon_attrib_init(a, &ll, OTHER_UID, OTHER_UID, NULL, 0), 0);
	assert_int_equal(cordon_attrib_add(a, CORDON_ATTRIB_SECRET, secret), 0);
}

/* An open of @prefix, the test directory, then @rel, refused with EACCES for @uid. */
static struct cordon_event_syscall open_rec(const char *prefix, const char *rel, uint32_t uid)
{
	struct cordon_event_syscall s = { .hdr = { .type = CORDON_EV_SYSCALL,
						   .verdict = -EACCES,
						   .hook = CORDON_HOOK_SYS_OPENAT,
						   .layer = CORDON_LAYER_LANDLOCK,
						   .pid = (__u32)getpid(),
						   .uid = uid },
					  .flags = CORDON_SYSCALL_PATH | CORDON_SYSCALL_ARG,
					  .arg = O_RDONLY };

	snprintf((char *)s.path, sizeof(s.path), "%s%s%s", prefix, dir, rel);
	return s;
}

static void test_audit_attrib__secret_through_a_link_names_the_mask(void **state)
{
	struct cordon_attrib a;
	struct cordon_event_syscall s;
	char target[256];

	(void)state;
	context(&a);
	snprintf(target, sizeof(target), "%s/secret/key", dir);
	put("secret/key", NULL);
	put("allowed/key-link", target);
	s = open_rec("", "/allowed/key-link", OTHER_UID);
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	assert_int_equal(s.hdr.layer, CORDON_LAYER_MOUNT_NS);
	s = open_rec("/proc/self/root", "/secret/key", OTHER_UID);
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	assert_int_equal(s.hdr.layer, CORDON_LAYER_MOUNT_NS);
	cordon_attrib_free(&a);
}

static void test_audit_attrib__permission_errors_are_not_cordons(void **state)
{
	struct cordon_attrib a;
	struct cordon_event_syscall s;
	char target[256];

	(void)state;
	context(&a);
	put("allowed/file", NULL);
	put("outside", NULL);
	/* the rules allow reading it: its permissions refused */
	s = open_rec("", "/allowed/file", OTHER_UID);
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 1);
	/* outside every rule: Landlock's */
	s = open_rec("", "/outside", OTHER_UID);
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	assert_int_equal(s.hdr.layer, CORDON_LAYER_LANDLOCK);
	/* a walk through a directory the user may not search: permissions, and the link in it
	 * (to the secret) is never followed on the user's behalf */
	snprintf(target, sizeof(target), "%s/secret/key", dir);
	put("allowed/closed/link", target);
	s = open_rec("", "/allowed/closed/link", OTHER_UID);
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 1);
	assert_int_equal(s.hdr.layer, CORDON_LAYER_LANDLOCK);
	/* its owner may search it: the link leads to the secret, the mask refused */
	s = open_rec("", "/allowed/closed/link", (uint32_t)getuid());
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	assert_int_equal(s.hdr.layer, CORDON_LAYER_MOUNT_NS);
	cordon_attrib_free(&a);
}

/* The read-only view's EROFS for a mkdir: not cordon's where the directory refuses the user. */
static void test_audit_attrib__erofs_where_permissions_refuse_anyway(void **state)
{
	struct cordon_attrib a;
	struct cordon_event_syscall s;
	char p[256];

	(void)state;
	context(&a);
	snprintf(p, sizeof(p), "%s/mine", dir);
	mkdir(p, 0755);
	s = open_rec("", "/allowed/__pycache__", OTHER_UID);
	s.hdr.verdict = -EROFS;
	s.hdr.hook = CORDON_HOOK_SYS_MKDIR;
	s.hdr.layer = CORDON_LAYER_MOUNT_NS;
	/* allowed/ is root's, mode 0755: the user could not make it outside either */
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 1);
	/* the user's own directory: the view refused what the user could do (root can hand it) */
	if (chown(p, OTHER_UID, OTHER_UID) == 0) {
		snprintf((char *)s.path, sizeof(s.path), "%s/mine/__pycache__", dir);
		assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	}
	/* root may write anywhere: the view's refusal */
	snprintf((char *)s.path, sizeof(s.path), "%s/allowed/__pycache__", dir);
	s.hdr.uid = 0;
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	/* an open for writing is not a creation in a directory: kept */
	s = open_rec("", "/allowed/file", OTHER_UID);
	s.hdr.verdict = -EROFS;
	s.arg = O_WRONLY;
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	cordon_attrib_free(&a);
}

static void test_audit_attrib__unknowable_is_kept(void **state)
{
	struct cordon_attrib a, unknown = { 0 };
	struct cordon_event_syscall s;

	(void)state;
	context(&a);
	put("allowed/kept", NULL);
	s = open_rec("", "/allowed/kept", OTHER_UID);
	s.hdr.pid = 0x7ffffff0; /* gone, and no session root held */
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	s = open_rec("", "/allowed/kept", OTHER_UID);
	assert_int_equal(cordon_audit_attribute(&unknown, &no_rules, &s), 0);
	/* with the session's root held, a task gone is resolved there */
	cordon_attrib_set_root(&a, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	s.hdr.pid = 0x7ffffff0;
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 1);
	cordon_attrib_free(&a);
}

static void test_audit_attrib__bind_is_landlocks_only_when_it_judges_the_port(void **state)
{
	struct cordon_attrib a;
	struct cordon_event_syscall s = { .hdr = { .type = CORDON_EV_SYSCALL,
						   .verdict = -EACCES,
						   .hook = CORDON_HOOK_SYS_BIND },
					  .flags = CORDON_SYSCALL_ADDR,
					  .family = AF_INET,
					  .port = 80 };

	(void)state;
	context(&a);
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 0);
	s.port = 8080; /* granted: the kernel's own (a low port, say) */
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 1);
	a.ll.attr.handled_access_net = 0;
	s.port = 80;
	assert_int_equal(cordon_audit_attribute(&a, &no_rules, &s), 1);
	cordon_attrib_free(&a);
}

static void test_audit_attrib__context_round_trips_and_bad_is_refused_whole(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"abi\":4,\"fs\":1,\"net\":0,\"paths\":[[\"rel\",1]],\"ports\":[],\"secrets\":[],"
		"\"hidden\":[],\"keep\":[],\"uid\":1,\"gid\":1,\"groups\":[]}",
		"{\"abi\":4,\"fs\":1,\"net\":0,\"paths\":[],\"ports\":[[70000,1]],\"secrets\":[],"
		"\"hidden\":[],\"keep\":[],\"uid\":1,\"gid\":1,\"groups\":[]}",
		"{\"abi\":4,\"fs\":1,\"net\":0,\"paths\":[],\"ports\":[],\"secrets\":[\"x\"],"
		"\"hidden\":[],\"keep\":[],\"uid\":1,\"gid\":1,\"groups\":[]}",
		"{\"abi\":4,\"fs\":1,\"net\":0,\"paths\":[],\"ports\":[],\"secrets\":[],"
		"\"hidden\":[],\"keep\":[],\"uid\":-1,\"gid\":1,\"groups\":[]}",
		"{\"abi\":4,\"fs\":1,\"net\":0,\"paths\":[],\"ports\":[],\"secrets\":[],"
		"\"hidden\":[5],\"keep\":[],\"uid\":1,\"gid\":1,\"groups\":[]}",
		"{\"abi\":4,\"fs\":1,\"net\":0,\"paths\":[],\"ports\":[],\"secrets\":[],"
		"\"hidden\":[],\"keep\":[],\"uid\":1,\"gid\":1,\"groups\":[\"0\"]}",
	};
	struct cordon_attrib a, back;
	json_t *j;

	(void)state;
	context(&a);
	assert_int_equal(cordon_attrib_add(&a, CORDON_ATTRIB_HIDDEN, "/tmp"), 0);
	assert_int_equal(cordon_attrib_add(&a, CORDON_ATTRIB_KEEP, "/tmp/p"), 0);
	j = cordon_attrib_to_json(&a);
	assert_non_null(j);
	assert_int_equal(cordon_attrib_from_json(j, &back), 0);
	json_decref(j);
	assert_true(back.known);
	assert_int_equal(back.uid, OTHER_UID);
	assert_int_equal(back.ll.npaths, 1);
	assert_string_equal(back.ll.paths[0].path, a.ll.paths[0].path);
	assert_int_equal(back.ll.nports, 1);
	assert_int_equal(back.ll.ports[0].port, 8080);
	assert_int_equal(back.ll.attr.handled_access_net, a.ll.attr.handled_access_net);
	assert_int_equal(back.nsecrets, 1);
	assert_int_equal(back.nhidden, 1);
	assert_string_equal(back.keep[0], "/tmp/p");
	cordon_attrib_free(&back);
	cordon_attrib_free(&a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		back = (struct cordon_attrib){ 0 };
		if (cordon_attrib_from_json(j, &back) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_false(back.known);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_attrib__secret_through_a_link_names_the_mask),
		cmocka_unit_test(test_audit_attrib__permission_errors_are_not_cordons),
		cmocka_unit_test(test_audit_attrib__erofs_where_permissions_refuse_anyway),
		cmocka_unit_test(test_audit_attrib__unknowable_is_kept),
		cmocka_unit_test(test_audit_attrib__bind_is_landlocks_only_when_it_judges_the_port),
		cmocka_unit_test(test_audit_attrib__context_round_trips_and_bad_is_refused_whole),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
