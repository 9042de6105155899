// SPDX-License-Identifier: GPL-2.0-only
/*
 * The entry that would allow a refusal (audit_suggest.c), as `cordon policy suggest`, the exit
 * report and `cordon explain` print it: the list and object of each kind of record, the reasons
 * none can, the YAML fragment, and the quoting of hostile names.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "compile/compile.h"

static enum cordon_suggest_list classify(const char *json, char *buf, size_t len)
{
	json_t *rec = json_loads(json, 0, NULL);
	enum cordon_suggest_list l;

	assert_non_null(rec);
	l = cordon_audit_suggest(rec, buf, len);
	json_decref(rec);
	return l;
}

static void test_audit_suggest__file_lists(void **state)
{
	char buf[256], json[512];

	(void)state;
	assert_int_equal(classify("{\"event\":{\"action\":\"syscall-openat\"},\"file\":{\"path\":"
				  "\"/srv/a.txt\"},\"cordon\":{\"layer\":\"landlock\",\"arg\":0}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_READ);
	assert_string_equal(buf, "/srv/a.txt");
	/* A file created: the directory it goes in. */
	snprintf(json, sizeof(json),
		 "{\"event\":{\"action\":\"syscall-openat\"},\"file\":{\"path\":\"/srv/d/new\"},"
		 "\"cordon\":{\"layer\":\"landlock\",\"arg\":%d}}",
		 O_WRONLY | O_CREAT);
	assert_int_equal(classify(json, buf, sizeof(buf)), CORDON_SUGGEST_WRITE);
	assert_string_equal(buf, "/srv/d");
	snprintf(json, sizeof(json),
		 "{\"event\":{\"action\":\"file-open\"},\"file\":{\"path\":\"/srv/x\"},"
		 "\"cordon\":{\"layer\":\"bpf_lsm\",\"arg\":%d}}",
		 O_RDWR);
	assert_int_equal(classify(json, buf, sizeof(buf)), CORDON_SUGGEST_WRITE);
	assert_int_equal(classify("{\"event\":{\"action\":\"syscall-execve\"},\"file\":{\"path\":"
				  "\"/opt/bin/tool\"},\"cordon\":{\"layer\":\"landlock\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_EXEC);
	assert_string_equal(buf, "/opt/bin/tool");
	assert_int_equal(classify("{\"event\":{\"action\":\"unix-connect\"},\"file\":{\"path\":"
				  "\"/run/x.sock\"},\"cordon\":{\"layer\":\"bpf_lsm\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_UNIX);
	assert_string_equal(buf, "/run/x.sock");
}

/* A delete or creation refused by the read-only view: the write right on its directory. */
static void test_audit_suggest__delete_and_create_name_the_directory(void **state)
{
	static const char *const actions[] = { "syscall-unlink",    "syscall-unlinkat",
					       "syscall-rmdir",	    "syscall-mkdir",
					       "syscall-mkdirat",   "syscall-symlink",
					       "syscall-symlinkat", "syscall-mknod",
					       "syscall-mknodat" };
	char buf[256], json[512];

	(void)state;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		snprintf(json, sizeof(json),
			 "{\"event\":{\"action\":\"%s\"},\"file\":{\"path\":\"/srv/d/name\"},"
			 "\"error\":{\"code\":\"EROFS\"},\"cordon\":{\"layer\":\"mount_ns\"}}",
			 actions[i]);
		assert_int_equal(classify(json, buf, sizeof(buf)), CORDON_SUGGEST_WRITE);
		assert_string_equal(buf, "/srv/d");
	}
	/* A name in the root directory: the root. */
	assert_int_equal(classify("{\"event\":{\"action\":\"syscall-mkdir\"},\"file\":{\"path\":"
				  "\"/x\"},\"error\":{\"code\":\"EROFS\"},\"cordon\":{\"layer\":"
				  "\"mount_ns\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_WRITE);
	assert_string_equal(buf, "/");
	/* A mount point of the view (EBUSY: a protected file, the pinned .git): never lifted. */
	assert_int_equal(classify("{\"event\":{\"action\":\"syscall-unlink\"},\"file\":{\"path\":"
				  "\"/p/.git/config\"},\"error\":{\"code\":\"EBUSY\"},\"cordon\":"
				  "{\"layer\":\"mount_ns\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_NONE);
	/* Not a delete: the prefix alone does not make one. */
	assert_int_equal(
		classify("{\"event\":{\"action\":\"syscall-unlinkx\"},\"file\":{\"path\":"
			 "\"/srv/d/n\"},\"error\":{\"code\":\"EROFS\"},\"cordon\":{\"layer\":"
			 "\"mount_ns\"}}",
			 buf, sizeof(buf)),
		CORDON_SUGGEST_NONE);
}

static void test_audit_suggest__network(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(classify("{\"event\":{\"action\":\"connect\"},\"destination\":{\"ip\":"
				  "\"93.184.216.34\",\"port\":443,\"domain\":\"example.com\"},"
				  "\"cordon\":{\"layer\":\"cgroup_bpf\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_CONNECT);
	assert_string_equal(buf, "example.com:443");
	assert_int_equal(classify("{\"event\":{\"action\":\"connect\"},\"destination\":{\"ip\":"
				  "\"::1\",\"port\":80},\"network\":{\"transport\":\"udp\"},"
				  "\"cordon\":{\"layer\":\"cgroup_bpf\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_CONNECT);
	assert_string_equal(buf, "[::1]:80/udp");
	assert_int_equal(classify("{\"event\":{\"action\":\"bind\"},\"destination\":{\"ip\":"
				  "\"0.0.0.0\",\"port\":9000},\"cordon\":{\"layer\":\"landlock\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_BIND);
	assert_string_equal(buf, "0.0.0.0:9000");
}

/* Deny entries, masks and built-in rules are never turned into an allow; the floor is named. */
static void test_audit_suggest__never_allowed(void **state)
{
	char buf[512], json[512];

	(void)state;
	snprintf(json, sizeof(json),
		 "{\"event\":{\"action\":\"syscall-openat\"},\"file\":{\"path\":\"/h/.ssh/id\"},"
		 "\"cordon\":{\"layer\":\"landlock\",\"rule\":%u,\"rule_text\":\"secrets.files[0]: "
		 "/h/.ssh\",\"rule_source\":\"/etc/cordon/floor.yaml:3\"}}",
		 POL_RULE_ID(POL_RULE_SECRET, 0));
	assert_int_equal(classify(json, buf, sizeof(buf)), CORDON_SUGGEST_NONE);
	assert_string_equal(buf, "a secret (secrets.files[0]: /h/.ssh at /etc/cordon/floor.yaml:3, "
				 "the site floor): no allow entry lifts it");
	snprintf(json, sizeof(json),
		 "{\"event\":{\"action\":\"syscall-execve\"},\"file\":{\"path\":\"/usr/bin/sudo\"},"
		 "\"cordon\":{\"layer\":\"landlock\",\"rule\":%u,\"rule_text\":\"process.exec_deny["
		 "0]:"
		 " /usr/bin/sudo\"}}",
		 POL_RULE_ID(POL_RULE_EXEC, 0));
	assert_int_equal(classify(json, buf, sizeof(buf)), CORDON_SUGGEST_NONE);
	assert_string_equal(buf, "a denied program (process.exec_deny[0]: /usr/bin/sudo): no allow "
				 "entry lifts it");
	assert_int_equal(classify("{\"event\":{\"action\":\"syscall-openat\"},\"file\":{\"path\":"
				  "\"/p/.env\"},\"error\":{\"code\":\"EACCES\"},\"cordon\":{"
				  "\"layer\":\"mount_ns\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_NONE);
	assert_string_equal(buf, "hidden by the view's mask: a secret");
	assert_int_equal(classify("{\"event\":{\"action\":\"syscall-ptrace\"},\"cordon\":{"
				  "\"layer\":\"seccomp\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_NONE);
	/* A path relative or with an unexpanded variable is nothing to write back. */
	assert_int_equal(classify("{\"event\":{\"action\":\"syscall-openat\"},\"file\":{\"path\":"
				  "\"rel/x\"},\"cordon\":{\"layer\":\"landlock\"}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_NONE);
}

/*
 * What an observing session's BPF LSM let through outside the allow-lists: the path is what
 * lacked the right (a file, or the directory of an entry made or removed), the access which.
 */
static void test_audit_suggest__observed_by_bpf_lsm(void **state)
{
	static const struct {
		const char *action, *path, *access;
		enum cordon_suggest_list want;
	} cases[] = {
		{ "file-open", "/srv/a.txt", "\"read\":true", CORDON_SUGGEST_READ },
		{ "file-open", "/srv/a.txt", "\"write\":true", CORDON_SUGGEST_WRITE },
		{ "file-open", "/opt/tool", "\"read\":true,\"exec\":true", CORDON_SUGGEST_EXEC },
		{ "file-create", "/srv/d", "\"write\":true", CORDON_SUGGEST_WRITE },
		{ "file-unlink", "/srv/d", "\"write\":true", CORDON_SUGGEST_WRITE },
		{ "file-rename", "/srv/e", "\"write\":true", CORDON_SUGGEST_WRITE },
		{ "file-truncate", "/srv/d/f", "\"write\":true", CORDON_SUGGEST_WRITE },
	};
	char buf[256], json[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json),
			 "{\"event\":{\"action\":\"%s\",\"outcome\":\"unknown\"},\"file\":{"
			 "\"path\":\"%s\"},\"cordon\":{\"layer\":\"bpf_lsm\",\"observed\":true,"
			 "\"rule\":0,\"access\":{%s}}}",
			 cases[i].action, cases[i].path, cases[i].access);
		assert_int_equal(classify(json, buf, sizeof(buf)), cases[i].want);
		assert_string_equal(buf, cases[i].path);
	}
	/* A secret stays a secret, observed session or not. */
	snprintf(json, sizeof(json),
		 "{\"event\":{\"action\":\"file-open\"},\"file\":{\"path\":\"/h/.ssh/id\"},"
		 "\"cordon\":{\"layer\":\"bpf_lsm\",\"rule\":%u,\"access\":{\"read\":true}}}",
		 POL_RULE_ID(POL_RULE_SECRET, 0));
	assert_int_equal(classify(json, buf, sizeof(buf)), CORDON_SUGGEST_NONE);
	/* Only a whole path is written back (build_path gives up rather than cut one short). */
	assert_int_equal(classify("{\"event\":{\"action\":\"file-create\"},\"file\":{\"path\":"
				  "\"name\"},\"cordon\":{\"layer\":\"bpf_lsm\",\"observed\":true,"
				  "\"access\":{\"write\":true}}}",
				  buf, sizeof(buf)),
			 CORDON_SUGGEST_NONE);
}

static void test_audit_suggest__yaml(void **state)
{
	char *y = NULL;

	(void)state;
	assert_int_equal(cordon_audit_suggest_yaml(CORDON_SUGGEST_READ, "/srv/a", "", &y), 0);
	assert_string_equal(y, "filesystem:\n  read:\n    - \"/srv/a\"\n");
	free(y);
	assert_int_equal(cordon_audit_suggest_yaml(CORDON_SUGGEST_UNIX, "/run/s", "  ", &y), 0);
	assert_string_equal(y, "  network:\n    unix:\n      allow:\n        - \"/run/s\"\n");
	free(y);
	assert_int_equal(cordon_audit_suggest_yaml(CORDON_SUGGEST_CONNECT, "h.example:443", "", &y),
			 0);
	assert_string_equal(y, "network:\n  connect:\n    - \"h.example:443\"\n");
	free(y);
	/* A hostile name: one line, its control bytes escaped (YAML reads them back). */
	assert_int_equal(cordon_audit_suggest_yaml(CORDON_SUGGEST_READ, "/a\nb\x1b[31m\"", "", &y),
			 0);
	assert_string_equal(y, "filesystem:\n  read:\n    - \"/a\\nb\\u001B[31m\\\"\"\n");
	free(y);
	assert_int_equal(cordon_audit_suggest_yaml(CORDON_SUGGEST_NONE, "x", "", &y), -EINVAL);
	assert_null(y);
	assert_string_equal(cordon_audit_suggest_flag(CORDON_SUGGEST_BIND), "--allow-bind");
	assert_null(cordon_audit_suggest_flag(CORDON_SUGGEST_UNIX));
}

static void test_audit_suggest__quote(void **state)
{
	char *q;

	(void)state;
	q = cordon_audit_quote("caf\xc3\xa9\x7f\xc2\x9b");
	/* Non-ASCII (C1 controls included) as \u escapes: nothing a terminal acts on. */
	assert_string_equal(q, "\"caf\\u00E9\\u007F\\u009B\"");
	free(q);
	q = cordon_audit_quote("bad\xff");
	assert_string_equal(q, "\"?\"");
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_suggest__file_lists),
		cmocka_unit_test(test_audit_suggest__delete_and_create_name_the_directory),
		cmocka_unit_test(test_audit_suggest__network),
		cmocka_unit_test(test_audit_suggest__never_allowed),
		cmocka_unit_test(test_audit_suggest__observed_by_bpf_lsm),
		cmocka_unit_test(test_audit_suggest__yaml),
		cmocka_unit_test(test_audit_suggest__quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
