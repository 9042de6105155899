// SPDX-License-Identifier: GPL-2.0-only
/*
 * The names of a session's rules (audit_rules.c): each id names its entry and source line, and
 * a refused path is attributed to the entry that covers it, the way the view and BPF judge it;
 * a path relative to a directory descriptor is made absolute against it; the table survives
 * the JSON a restarted daemon reads back, and a malformed one is refused whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "compile/compile.h"

#define ITEM(path, l)                                                                  \
	{                                                                              \
		.s = (char *)(path), .file = (char *)"/etc/cordon/p.yaml", .line = (l) \
	}

static struct pol_item secrets[] = { ITEM("/home/u/.ssh", 10), ITEM("/home/u/.aws", 11) };
static struct pol_item patterns[] = { ITEM("*.env", 20), ITEM(".env.*", 21),
				      ITEM("!.env.example", 22) };
static struct pol_item protect[] = { ITEM("/home/u/.bashrc", 30), ITEM("/p/.git/hooks", 31) };
static struct pol_item exec_deny[] = { ITEM("/usr/bin/sudo", 40) };

#define LIST(a)                                                        \
	{                                                              \
		.v = (a), .n = sizeof(a) / sizeof((a)[0]), .set = true \
	}

static int setup(void **state)
{
	struct policy p = { .sec_files = LIST(secrets),
			    .sec_patterns = LIST(patterns),
			    .fs_protect = LIST(protect),
			    .exec_deny = LIST(exec_deny) };
	struct cordon_audit_rules *r = calloc(1, sizeof(*r));

	if (!r || cordon_audit_rules_build(&p, r) < 0)
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	cordon_audit_rules_free(*state);
	free(*state);
	return 0;
}

static void test_audit_rules__id_names_entry_and_line(void **state)
{
	const struct cordon_audit_rule *e;

	e = cordon_audit_rule_find(*state, POL_RULE_ID(POL_RULE_SECRET, 1));
	assert_non_null(e);
	assert_string_equal(e->name, "secrets.files[1]: /home/u/.aws");
	assert_string_equal(e->source, "/etc/cordon/p.yaml:11");
	e = cordon_audit_rule_find(*state, POL_RULE_ID(POL_RULE_PROTECT, 1));
	assert_string_equal(e->name, "filesystem.protect[1]: /p/.git/hooks");
	assert_null(cordon_audit_rule_find(*state, POL_RULE_ID(POL_RULE_SECRET, 2)));
	assert_null(cordon_audit_rule_find(*state, 0));
	assert_null(cordon_audit_rule_find(NULL, POL_RULE_ID(POL_RULE_SECRET, 0)));
}

static void test_audit_rules__path_finds_the_entry_that_covers_it(void **state)
{
	const struct cordon_audit_rules *r = *state;

	assert_int_equal(cordon_audit_rule_of_path(r, "/home/u/.ssh/id_rsa", NULL, false, false),
			 POL_RULE_ID(POL_RULE_SECRET, 0));
	/* another name for it: the file a symlink reaches */
	assert_int_equal(cordon_audit_rule_of_path(r, "/p/key-link", "/home/u/.aws/credentials",
						   false, false),
			 POL_RULE_ID(POL_RULE_SECRET, 1));
	/* a prefix is not a parent */
	assert_int_equal(cordon_audit_rule_of_path(r, "/home/u/.sshx", NULL, true, true), 0);
	/* names anywhere, case and backup suffixes as the view judges them; exceptions win */
	assert_int_equal(cordon_audit_rule_of_path(r, "/p/sub/.env", NULL, false, false),
			 POL_RULE_ID(POL_RULE_PATTERN, 0));
	assert_int_equal(cordon_audit_rule_of_path(r, "/p/PROD.ENV.bak", NULL, false, false),
			 POL_RULE_ID(POL_RULE_PATTERN, 0));
	assert_int_equal(cordon_audit_rule_of_path(r, "/p/.env.local", NULL, false, false),
			 POL_RULE_ID(POL_RULE_PATTERN, 1));
	assert_int_equal(cordon_audit_rule_of_path(r, "/p/.env.example", NULL, false, false), 0);
	/* protect refuses writes only; exec_deny execs only */
	assert_int_equal(
		cordon_audit_rule_of_path(r, "/p/.git/hooks/pre-commit", NULL, false, false), 0);
	assert_int_equal(
		cordon_audit_rule_of_path(r, "/p/.git/hooks/pre-commit", NULL, true, false),
		POL_RULE_ID(POL_RULE_PROTECT, 1));
	assert_int_equal(cordon_audit_rule_of_path(r, "/usr/bin/sudo", NULL, false, true),
			 POL_RULE_ID(POL_RULE_EXEC, 0));
	assert_int_equal(cordon_audit_rule_of_path(r, "/usr/bin/sudo", NULL, false, false), 0);
}

/* A relative path is made absolute against the task's working directory, ".." resolved. */
static void test_audit_rules__syscall_record_gets_absolute_path_and_rule(void **state)
{
	struct cordon_event_syscall s = { .hdr = { .type = CORDON_EV_SYSCALL,
						   .verdict = -EACCES,
						   .hook = CORDON_HOOK_SYS_OPENAT,
						   .pid = (__u32)getpid() },
					  .flags = CORDON_SYSCALL_PATH | CORDON_SYSCALL_ARG,
					  .arg = O_RDONLY };
	char cwd[4096], want[4200], real[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	strcpy((char *)s.path, "./sub/../x/.env");
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), 0);
	snprintf(want, sizeof(want), "%s/x/.env", strcmp(cwd, "/") ? cwd : "");
	assert_string_equal((char *)s.path, want);
	assert_int_equal(s.hdr.rule_id, POL_RULE_ID(POL_RULE_PATTERN, 0));
	/* a rule the kernel named is kept */
	s.hdr.rule_id = POL_RULE_ID(POL_RULE_SECRET, 1);
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), 0);
	assert_int_equal(s.hdr.rule_id, POL_RULE_ID(POL_RULE_SECRET, 1));
	/* an abstract unix socket's name is not a path */
	s.hdr.hook = CORDON_HOOK_SYS_CONNECT;
	strcpy((char *)s.path, "@agent.sock");
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), 0);
	assert_string_equal((char *)s.path, "@agent.sock");
	/* fexecve's empty path names a descriptor, not the working directory */
	s.hdr.hook = CORDON_HOOK_SYS_EXECVEAT;
	s.path[0] = '\0';
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), 0);
	assert_string_equal((char *)s.path, "");
	/* a task that is gone: unknowable, unchanged */
	s.hdr.pid = 0x7ffffff0;
	strcpy((char *)s.path, "rel");
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), -ESRCH);
	assert_string_equal((char *)s.path, "rel");
}

/* openat(dirfd, "rel"): against the descriptor's directory, by its name now (renamed since). */
static void test_audit_rules__dirfd_path_is_made_absolute(void **state)
{
	struct cordon_event_syscall s = { .hdr = { .type = CORDON_EV_SYSCALL,
						   .verdict = -EACCES,
						   .hook = CORDON_HOOK_SYS_OPENAT,
						   .pid = (__u32)getpid(),
						   .tid = (__u32)gettid() },
					  .flags = CORDON_SYSCALL_PATH | CORDON_SYSCALL_DIRFD };
	char dir[] = "/tmp/cordon-dirfd-XXXXXX", moved[64], want[128], real[4096];
	int dfd, ffd;

	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	snprintf(moved, sizeof(moved), "%s.moved", dir);
	assert_int_equal(rename(dir, moved), 0);
	s.dirfd = dfd;
	strcpy((char *)s.path, "sub/../.env");
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), 0);
	snprintf(want, sizeof(want), "%s/.env", moved);
	assert_string_equal((char *)s.path, want);
	assert_int_equal(s.hdr.rule_id, POL_RULE_ID(POL_RULE_PATTERN, 0));
	/* a descriptor that is no directory, or a deleted one: unknowable, unchanged */
	ffd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s.dirfd = ffd;
	s.hdr.rule_id = 0;
	strcpy((char *)s.path, "rel");
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), -ESRCH);
	assert_string_equal((char *)s.path, "rel");
	assert_int_equal(rmdir(moved), 0);
	s.dirfd = dfd;
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), -ESRCH);
	assert_string_equal((char *)s.path, "rel");
	close(ffd);
	close(dfd);
	/* a closed descriptor */
	assert_int_equal(cordon_audit_attribute_syscall(*state, &s, real, sizeof(real)), -ESRCH);
}

/* The table a daemon keeps in a session's state file: the same names, sources and matching. */
static void test_audit_rules__table_round_trips_through_json(void **state)
{
	struct cordon_audit_rules back;
	const struct cordon_audit_rule *e;
	json_t *j = cordon_audit_rules_to_json(*state);

	assert_non_null(j);
	assert_int_equal(cordon_audit_rules_from_json(j, &back), 0);
	e = cordon_audit_rule_find(&back, POL_RULE_ID(POL_RULE_SECRET, 1));
	assert_non_null(e);
	assert_string_equal(e->name, "secrets.files[1]: /home/u/.aws");
	assert_string_equal(e->source, "/etc/cordon/p.yaml:11");
	assert_memory_equal(e->json,
			    cordon_audit_rule_find(*state, POL_RULE_ID(POL_RULE_SECRET, 1))->json,
			    e->json_len);
	assert_int_equal(cordon_audit_rule_of_path(&back, "/p/PROD.ENV.bak", NULL, false, false),
			 POL_RULE_ID(POL_RULE_PATTERN, 0));
	assert_int_equal(cordon_audit_rule_of_path(&back, "/p/.env.example", NULL, false, false),
			 0);
	assert_int_equal(
		cordon_audit_rule_of_path(&back, "/p/.git/hooks/pre-commit", NULL, true, false),
		POL_RULE_ID(POL_RULE_PROTECT, 1));
	cordon_audit_rules_free(&back);
	json_decref(j);
}

static void test_audit_rules__malformed_table_is_refused_whole(void **state)
{
	static const char *const bad[] = {
		"{}",
		"[[3, 0, \"secrets.files[0]: /x\", null]]",
		"[[99, 0, \"x\", null, null]]",
		"[[3, -1, \"x\", null, null]]",
		"[[3, 65536, \"x\", null, null]]",
		"[[3, \"0\", \"x\", null, null]]",
		"[[3, 0, 7, null, null]]",
		"[[3, 0, \"x\", 5, null]]",
		"[[3, 0, \"a\", null, \"/a\"], [3, 0, \"b\", null, \"/b\"]]",
		"[[3, 0, \"a\", null, \"/a\"], 4]",
	};
	struct cordon_audit_rules back;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);

		assert_non_null(j);
		if (cordon_audit_rules_from_json(j, &back) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		for (size_t k = 0; k < CORDON_AUDIT_RULE_KINDS; k++)
			assert_null(back.v[k]);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_rules__id_names_entry_and_line),
		cmocka_unit_test(test_audit_rules__path_finds_the_entry_that_covers_it),
		cmocka_unit_test(test_audit_rules__syscall_record_gets_absolute_path_and_rule),
		cmocka_unit_test(test_audit_rules__dirfd_path_is_made_absolute),
		cmocka_unit_test(test_audit_rules__table_round_trips_through_json),
		cmocka_unit_test(test_audit_rules__malformed_table_is_refused_whole),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
