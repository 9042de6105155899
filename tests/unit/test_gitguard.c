// SPDX-License-Identifier: GPL-2.0-only
/*
 * The end-of-session check of git repositories: config keys outside the allowlist commented
 * out (every way git spells a section), hooks quarantined, the project's own .git exempt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/sys.h"
#include "enforce/enforce.h"
#include "unit_fixture.h"

static int defuse(const char *in, char **out)
{
	size_t n;

	return cordon_git_config_defuse(in, strlen(in), out, &n);
}

static void expect_kept(const char *in)
{
	_cleanup_free_ char *out = NULL;

	assert_int_equal(defuse(in, &out), 0);
	assert_string_equal(out, in);
}

/* Every line of @in that holds @needle is commented out, and @n lines in all. */
static void expect_dropped(const char *in, int n, const char *needle)
{
	_cleanup_free_ char *out = NULL;
	char want[256];

	assert_int_equal(defuse(in, &out), n);
	snprintf(want, sizeof(want), "# cordon: %s", needle);
	assert_non_null(strstr(out, want));
}

static void test_defuse__what_init_and_clone_write_is_kept(void **state)
{
	(void)state;
	expect_kept("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
		    "\tlogallrefupdates = true\n[remote \"origin\"]\n\turl = /srv/up.git\n"
		    "\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n"
		    "\tremote = origin\n\tmerge = refs/heads/main\n");
	expect_kept("# a comment\n; another\n\n[user]\n\temail = a@b.invalid\n");
	expect_kept("[remote.origin]\n\turl = x\n"); /* the old subsection syntax */
}

static void test_defuse__keys_that_run_programs_go(void **state)
{
	(void)state;
	expect_dropped("[core]\n\thooksPath = /tmp/h\n", 1, "\thooksPath");
	expect_dropped("[Core]\n\tHOOKSPATH=/tmp/h\n", 1, "\tHOOKSPATH");
	expect_dropped("[core]\n\tfsmonitor = sh -c evil\n", 1, "\tfsmonitor");
	expect_dropped("[core]\n\tsshCommand = evil\n\tpager = evil\n", 2, "\tpager");
	expect_dropped("[filter \"x\"]\n\tclean = evil\n\tsmudge = evil\n", 2, "\tsmudge");
	expect_dropped("[diff \"x\"]\n\ttextconv = evil\n", 1, "\ttextconv");
	expect_dropped("[include]\n\tpath = /tmp/c\n", 1, "\tpath");
	expect_dropped("[includeIf \"gitdir:/\"]\n\tpath = /tmp/c\n", 1, "\tpath");
	expect_dropped("[alias]\n\tst = !evil\n", 1, "\tst");
	expect_dropped("[remote \"o\"]\n\turl = x\n\tuploadpack = evil\n", 1, "\tuploadpack");
	expect_dropped("[core]\n\tworktree = /home/u\n", 1, "\tworktree");
	/* a section named like a safe one, but not it */
	expect_dropped("[core \"x\"]\n\tbare = true\n", 1, "\tbare");
	expect_dropped("[coreX]\n\tbare = true\n", 1, "\tbare");
}

static void test_defuse__what_git_parses_unusually(void **state)
{
	(void)state;
	/* a variable on the header's line, and the header with it */
	expect_dropped("[core] hooksPath = /tmp/h\n", 1, "[core] hooksPath");
	/* a value continued: every line of it */
	expect_dropped("[core]\n\tpager = ev\\\nil\n\tbare = true\n", 2, "il");
	/* a safe key's value continued stays whole */
	expect_kept("[remote \"o\"]\n\turl = a\\\nb\n");
	/* an escaped backslash ends the value */
	expect_dropped("[core]\n\tbare = \\\\\n\tpager = evil\n", 1, "\tpager");
	/* CRLF lines */
	expect_dropped("[core]\r\n\tpager = evil\r\n", 1, "\tpager");
	/* a malformed header: its lines and those below go */
	expect_dropped("[core\n\tbare = true\n", 2, "\tbare");
	/* a quoted subsection with an escaped quote and a bracket */
	expect_dropped("[filter \"a\\\"]\"]\n\tclean = evil\n", 1, "\tclean");
}

static void test_defuse__no_newline_at_end(void **state)
{
	_cleanup_free_ char *out = NULL;

	(void)state;
	assert_int_equal(defuse("[core]\n\tpager = evil", &out), 1);
	assert_string_equal(out, "[core]\n# cordon: \tpager = evil");
}

struct seen {
	int hooks, configs;
};

static void on_change(void *ctx, const char *path, const struct stat *st, uint32_t what)
{
	struct seen *s = ctx;

	(void)path;
	(void)st;
	s->hooks += what == CORDON_GIT_HOOK;
	s->configs += what == CORDON_GIT_CONFIG;
}

static void make_repo(const char *root, const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/objects", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/refs", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/hooks", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%s/HEAD", root, name);
	unit_put(p, "ref: refs/heads/main\n");
	snprintf(p, sizeof(p), "%s/%s/config", root, name);
	unit_put(p, "[core]\n\tbare = false\n\thooksPath = /tmp/h\n");
	snprintf(p, sizeof(p), "%s/%s/hooks/pre-commit", root, name);
	unit_put(p, "#!/bin/sh\n");
	snprintf(p, sizeof(p), "%s/%s/hooks/pre-commit.sample", root, name);
	unit_put(p, "#!/bin/sh\n");
}

static void test_sweep__new_repositories_are_defused(void **state)
{
	char root[] = "/tmp/cordon-unit-git.XXXXXX", p[512];
	const char *trees[1] = { root };
	struct seen seen = { 0 };
	struct cordon_git_sweep o = { .trees = trees,
				      .ntrees = 1,
				      .since = 0,
				      .max_entries = 1000,
				      .on_change = on_change,
				      .ctx = &seen };
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(root));
	make_repo(root, ".git");
	assert_int_equal(mkdir(strcat(strcpy(p, root), "/sub"), 0755), 0);
	make_repo(p, ".GIT"); /* any case: casefold trees */
	make_repo(root, "bare.git");
	snprintf(p, sizeof(p), "%s/.git", root);
	assert_int_equal(stat(p, &st), 0);
	o.trusted_dev = st.st_dev;
	o.trusted_ino = st.st_ino;
	/* Nothing changed since "now + 1 h": nothing is touched. */
	o.since = (int64_t)(time(NULL) + 3600) * 1000000000ll;
	cordon_git_sweep(&o);
	assert_int_equal(seen.hooks + seen.configs, 0);
	/* Everything changed: all three repositories' hooks and configs, samples aside. */
	o.since = 0;
	cordon_git_sweep(&o);
	assert_int_equal(seen.hooks, 3);
	assert_int_equal(seen.configs, 3);
	snprintf(p, sizeof(p), "%s/sub/.GIT/hooks/pre-commit.cordon-quarantined", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(p, sizeof(p), "%s/bare.git/hooks/pre-commit.sample", root);
	assert_int_equal(stat(p, &st), 0);
	/* Idempotent: a second sweep finds nothing left to do. */
	seen = (struct seen){ 0 };
	cordon_git_sweep(&o);
	assert_int_equal(seen.hooks + seen.configs, 0);
	assert_int_equal(system(strcat(strcpy(p, "rm -rf "), root)), 0);
}

static void test_hook_planted__by_path(void **state)
{
	char root[] = "/tmp/cordon-unit-git.XXXXXX", p[512];
	struct stat st = { 0 };

	(void)state;
	assert_non_null(mkdtemp(root));
	make_repo(root, "r.git");
	st.st_ctim.tv_sec = 100;
	snprintf(p, sizeof(p), "%s/r.git/hooks/post-checkout", root);
	assert_true(cordon_git_hook_planted(p, &st, 0));
	assert_false(cordon_git_hook_planted(p, &st, 200ll * 1000000000ll)); /* older */
	snprintf(p, sizeof(p), "%s/r.git/hooks/post-checkout.sample", root);
	assert_false(cordon_git_hook_planted(p, &st, 0));
	snprintf(p, sizeof(p), "%s/hooks/post-checkout", root); /* not in a git directory */
	assert_false(cordon_git_hook_planted(p, &st, 0));
	assert_int_equal(system(strcat(strcpy(p, "rm -rf "), root)), 0);
}

/* The developer's config the session's writes are judged against. */
static const char dev_config[] = "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
				 "[alias]\n\tst = status\n[branch \"old\"]\n\tremote = origin\n"
				 "\tmerge = refs/heads/old\n";

static int check(const char *next, char *bad)
{
	return cordon_git_config_check(dev_config, strlen(dev_config), next, strlen(next), bad, 64);
}

static void test_check__what_git_writes_for_legitimate_commands(void **state)
{
	char bad[64];
	char *next;

	(void)state;
	assert_int_equal(check(dev_config, bad), 0);
	/* git remote add, git config user.email */
	assert_int_equal(asprintf(&next,
				  "%s[remote \"up\"]\n\turl = /srv/up.git\n\tfetch = "
				  "+refs/heads/*:refs/remotes/up/*\n[user]\n\temail = a@b\n",
				  dev_config),
			 (int)strlen(dev_config) + 94);
	assert_int_equal(check(next, bad), 0);
	free(next);
	/* git branch -m old new: the developer's section renamed, the alias (theirs) kept */
	assert_int_equal(check("[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
			       "[alias]\n\tst = status\n[branch \"new\"]\n\tremote = origin\n"
			       "\tmerge = refs/heads/new\n",
			       bad),
			 0);
	/* keys removed are not the agent's additions */
	assert_int_equal(check("[core]\n\tbare = false\n", bad), 0);
}

static void test_check__planted_keys_are_named(void **state)
{
	static const struct {
		const char *text, *key;
	} v[] = {
		{ "[core]\n\tfsmonitor = touch /tmp/pwned\n", "core.fsmonitor" },
		{ "[core]\n\thooksPath = /tmp/h\n", "core.hookspath" },
		{ "[alias]\n\tst = !sh -c id\n", "alias.st" }, /* a changed value of theirs */
		{ "[include]\n\tpath = /tmp/x\n", "include.path" },
		{ "[includeIf \"gitdir:/\"]\n\tpath = /tmp/x\n", "includeif.gitdir:/.path" },
		{ "[filter \"x\"]\n\tclean = sh\n", "filter.x.clean" },
		/* odd case, old dotted form, quoting: what git reads, not what it looks like */
		{ "[CoRe]\n\tFSMonitor = x\n", "core.fsmonitor" },
		{ "[core.x]\n\tfsmonitor = x\n", "core.x.fsmonitor" },
		{ "[core \"\"]\n\tfsmonitor = x\n", "core..fsmonitor" },
		{ "[remote \"o\\\"]\"]\n\tuploadpack = x\n", "remote.o\"].uploadpack" },
		/* a key on the header's line */
		{ "[user] name = a\n[core] sshCommand = x\n", "core.sshcommand" },
		/* a backslash in a comment does not continue the line */
		{ "[user]\n\tname = a ; \\\n[core] pager = x\n", "core.pager" },
		/* a continued value does not hide the next line: it is one value */
		{ "[user]\n\tname = a \\\n\tb\n[core]\n\teditor = x\n", "core.editor" },
		/* git cannot read it: refused as such */
		{ "[user]\n\tname = \"a\n[core]\nfsmonitor = x\"\n", "(a line git cannot parse)" },
	};
	char bad[64];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(check(v[i].text, bad), 1);
		assert_string_equal(bad, v[i].key);
	}
}

static void test_check__a_newline_in_an_allowed_value_stays_in_it(void **state)
{
	char bad[64];

	(void)state;
	/* what `git config user.name "$(printf 'x\n[core]\nfsmonitor=y')"` writes */
	assert_int_equal(check("[user]\n\tname = \"x\\n[core]\\nfsmonitor=y\"\n", bad), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defuse__what_init_and_clone_write_is_kept),
		cmocka_unit_test(test_defuse__keys_that_run_programs_go),
		cmocka_unit_test(test_defuse__what_git_parses_unusually),
		cmocka_unit_test(test_defuse__no_newline_at_end),
		cmocka_unit_test(test_sweep__new_repositories_are_defused),
		cmocka_unit_test(test_hook_planted__by_path),
		cmocka_unit_test(test_check__what_git_writes_for_legitimate_commands),
		cmocka_unit_test(test_check__planted_keys_are_named),
		cmocka_unit_test(test_check__a_newline_in_an_allowed_value_stays_in_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
