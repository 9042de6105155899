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
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

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

/* The project's own config changed in the session: kept when it only gained allowed keys. */
static void test_sweep__trusted_config_judged_against_its_start(void **state)
{
	static const char start[] = "[core]\n\tbare = false\n[alias]\n\tst = status\n";
	char root[] = "/tmp/cordon-unit-git.XXXXXX", p[512];
	const char *trees[1] = { root };
	struct seen seen = { 0 };
	struct cordon_git_sweep o = { .trees = trees,
				      .ntrees = 1,
				      .since = 0,
				      .max_entries = 1000,
				      .on_change = on_change,
				      .ctx = &seen,
				      .trusted_config = start,
				      .trusted_config_len = sizeof(start) - 1 };
	struct stat st;
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(root));
	make_repo(root, ".git");
	snprintf(p, sizeof(p), "%s/.git/hooks/pre-commit", root);
	assert_int_equal(unlink(p), 0);
	snprintf(p, sizeof(p), "%s/.git", root);
	assert_int_equal(stat(p, &st), 0);
	o.trusted_dev = st.st_dev;
	o.trusted_ino = st.st_ino;
	snprintf(p, sizeof(p), "%s/.git/config", root);
	unit_put(p, "[core]\n\tbare = false\n[alias]\n\tst = status\n[remote \"up\"]\n\turl = x\n");
	cordon_git_sweep(&o);
	assert_int_equal(seen.configs, 0); /* the developer's alias stays */
	unit_put(p, "[core]\n\tbare = false\n\tfsmonitor = x\n[alias]\n\tst = status\n");
	cordon_git_sweep(&o);
	assert_int_equal(seen.configs, 1);
	f = fopen(p, "r");
	assert_non_null(f);
	n = fread(p, 1, sizeof(p) - 1, f);
	fclose(f);
	p[n] = 0;
	assert_non_null(strstr(p, "# cordon: \tfsmonitor = x"));
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

/* What a served rename did (rename_under_filter). */
struct served {
	int child; /* the rename's result in the task: 0 or errno */
	unsigned long continued, written, refused;
	char key[CORDON_GITWRITE_KEY_LEN];
};

static void on_refuse(void *ctx, const struct cordon_gitwrite_target *t, pid_t pid, const char *key)
{
	struct served *s = ctx;

	(void)t;
	(void)pid;
	snprintf(s->key, sizeof(s->key), "%s", key);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/*
 * The session's filter with its rename notifications, in a child that renames @from onto @to:
 * @serve keeps the listener and answers it with @protect's targets; without it, the listener
 * is closed as when the supervisor is gone.
 */
static struct served rename_under_filter(bool serve, const char *from, const char *to,
					 char *protect)
{
	struct pol_item item = { .s = protect };
	struct pol_list list = { .v = &item, .n = protect ? 1 : 0 };
	struct pol_seccomp sc = { .default_action = SCMP_ACT_ALLOW };
	struct served out = { 0 };
	struct sock_fprog prog;
	int sv[2], status, fd = -1;
	pid_t p;

	assert_int_equal(policy_compile_seccomp_rename_notify(&sc), 0);
	assert_int_equal(cordon_seccomp_build(&sc, &prog), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		int lfd, r;

		close(sv[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		lfd = cordon_seccomp_install_listener(&prog);
		if (lfd < 0)
			_exit(101);
		if (serve && cordon_fd_send(sv[1], lfd, 'N') < 0)
			_exit(102);
		close(lfd);
		r = rename(from, to);
		_exit(r == 0 ? 0 : errno);
	}
	close(sv[1]);
	if (serve) {
		struct cordon_gitwrite g = { .fd = -1, .on_refuse = on_refuse, .ctx = &out };
		char tag;
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		struct pollfd pf;

		assert_true(cordon_gitwrite_targets(&list, &g) >= 0);
		assert_int_equal(recvmsg(sv[0], &msg, 0), 1);
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
		g.fd = fd;
		pf = (struct pollfd){ .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&pf, 1, 5000), 1);
		cordon_gitwrite_serve(&g);
		assert_int_equal(g.errors, 0);
		out.continued = g.continued;
		out.written = g.written;
		out.refused = g.refused;
		cordon_gitwrite_free(&g);
	}
	close(sv[0]);
	assert_int_equal(waitpid(p, &status, 0), p);
	assert_true(WIFEXITED(status));
	out.child = WEXITSTATUS(status);
	cordon_seccomp_free(&prog);
	pol_seccomp_free(&sc);
	return out;
}

static void test_notify__a_served_rename_goes_on(void **state)
{
	char dir[] = "/tmp/cordon-unit-notify.XXXXXX", a[64], b[64];
	struct served s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	write_file(a, "x");
	s = rename_under_filter(true, a, b, NULL);
	assert_int_equal(s.child, 0);
	assert_int_equal(s.continued, 1);
	assert_int_equal(access(b, F_OK), 0);
	unlink(b);
	rmdir(dir);
}

/* The supervisor gone (its listener closed): the kernel fails the rename, never lets it by. */
static void test_notify__no_supervisor_fails_closed(void **state)
{
	char dir[] = "/tmp/cordon-unit-notify.XXXXXX", a[64], b[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	write_file(a, "x");
	assert_int_equal(rename_under_filter(false, a, b, NULL).child, ENOSYS);
	assert_int_equal(access(b, F_OK), -1);
	unlink(a);
	rmdir(dir);
}

/*
 * A rename of config.lock onto a protected config: written in place (the same inode) when it
 * only adds allowed keys, the lock removed; refused with EPERM and the key when it plants one.
 */
static void test_notify__protected_config_written_in_place_or_refused(void **state)
{
	char dir[] = "/tmp/cordon-unit-notify.XXXXXX", git[64], cfg[80], lock[80], buf[256];
	struct stat before, after;
	struct served s;
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(git, sizeof(git), "%s/.git", dir);
	snprintf(cfg, sizeof(cfg), "%s/config", git);
	snprintf(lock, sizeof(lock), "%s/config.lock", git);
	assert_int_equal(mkdir(git, 0755), 0);
	write_file(cfg, "[core]\n\tbare = false\n[alias]\n\tst = status\n");
	assert_int_equal(stat(cfg, &before), 0);

	write_file(lock, "[core]\n\tbare = false\n[alias]\n\tst = status\n"
			 "[remote \"up\"]\n\turl = /srv/up.git\n");
	s = rename_under_filter(true, lock, cfg, cfg);
	assert_int_equal(s.child, 0);
	assert_int_equal(s.written, 1);
	assert_int_equal(access(lock, F_OK), -1);
	assert_int_equal(stat(cfg, &after), 0);
	assert_true(after.st_ino == before.st_ino);
	f = fopen(cfg, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	assert_non_null(strstr(buf, "url = /srv/up.git"));

	write_file(lock, "[core]\n\tbare = false\n\tfsmonitor = touch /tmp/pwned\n");
	s = rename_under_filter(true, lock, cfg, cfg);
	assert_int_equal(s.child, EPERM);
	assert_int_equal(s.refused, 1);
	assert_string_equal(s.key, "core.fsmonitor");
	f = fopen(cfg, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	assert_null(strstr(buf, "fsmonitor"));

	unlink(lock);
	unlink(cfg);
	rmdir(git);
	rmdir(dir);
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
		cmocka_unit_test(test_sweep__trusted_config_judged_against_its_start),
		cmocka_unit_test(test_check__what_git_writes_for_legitimate_commands),
		cmocka_unit_test(test_check__planted_keys_are_named),
		cmocka_unit_test(test_check__a_newline_in_an_allowed_value_stays_in_it),
		cmocka_unit_test(test_notify__a_served_rename_goes_on),
		cmocka_unit_test(test_notify__no_supervisor_fails_closed),
		cmocka_unit_test(test_notify__protected_config_written_in_place_or_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
