// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protected paths missing at start: which entries count (and from which ancestor), the
 * quarantine rename (never over an earlier copy, directories too), the end-of-session sweep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys/sys.h"
#include "enforce/enforce.h"
#include "unit_fixture.h"

struct seen {
	int n;
	char path[8][512];
};

static void on_quarantine(void *ctx, const struct cordon_protect_new *e, const char *path,
			  const struct stat *st, int err, pid_t pid)
{
	struct seen *s = ctx;

	(void)e;
	(void)st;
	(void)pid;
	assert_int_equal(err, 0);
	if (s->n < 8)
		snprintf(s->path[s->n++], sizeof(s->path[0]), "%s", path);
}

static bool exists(const char *root, const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

static void rm_root(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

/* Missing entries only, each with the length of its deepest existing ancestor. */
static void test_missing__entries_and_bases(void **state)
{
	char root[] = "/tmp/cordon-unit-protect.XXXXXX", s[4][512];
	struct pol_item items[4] = { 0 };
	struct pol_list l = { .v = items, .n = 4 };
	_cleanup_free_ struct cordon_protect_new *v = NULL;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(s[0], sizeof(s[0]), "%s/.vscode", root);	     /* missing, parent exists */
	snprintf(s[1], sizeof(s[1]), "%s", root);		     /* exists */
	snprintf(s[2], sizeof(s[2]), "%s/.config/git/config", root); /* missing, two deep */
	snprintf(s[3], sizeof(s[3]), "%s/.mcp.json/", root);	     /* trailing slash cut */
	for (int i = 0; i < 4; i++)
		items[i].s = s[i];
	assert_int_equal(cordon_protect_missing(&l, &v), 3);
	assert_int_equal(v[0].index, 0);
	assert_int_equal(v[0].base_len, strlen(root));
	assert_int_equal(v[1].index, 2);
	assert_int_equal(v[1].base_len, strlen(root));
	assert_int_equal(v[2].index, 3);
	assert_int_equal(v[2].len, strlen(s[3]) - 1);
	rm_root(root);
}

/* Renamed aside, never over an earlier copy; a directory whole. */
static void test_quarantine__numbered_never_over(void **state)
{
	char root[] = "/tmp/cordon-unit-protect.XXXXXX", p[512];
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(root));
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	snprintf(p, sizeof(p), "%s/.mcp.json", root);
	unit_put(p, "1");
	assert_int_equal(cordon_quarantine_at(dfd, ".mcp.json"), 0);
	unit_put(p, "2");
	assert_int_equal(cordon_quarantine_at(dfd, ".mcp.json"), 0);
	assert_false(exists(root, ".mcp.json"));
	assert_true(exists(root, ".mcp.json.cordon-quarantined"));
	assert_true(exists(root, ".mcp.json.cordon-quarantined.2"));
	snprintf(p, sizeof(p), "%s/.vscode", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/.vscode/tasks.json", root);
	unit_put(p, "{}");
	assert_int_equal(cordon_quarantine_at(dfd, ".vscode"), 0);
	assert_true(exists(root, ".vscode.cordon-quarantined/tasks.json"));
	assert_int_equal(cordon_quarantine_at(dfd, "absent"), -ENOENT);
	close(dfd);
	rm_root(root);
}

/* The sweep: the object at an entry, a symlink on the way; nothing else; a spared one stays. */
static void test_sweep__planted_and_spared(void **state)
{
	char root[] = "/tmp/cordon-unit-protect.XXXXXX", s[3][512], p[512];
	struct pol_item items[3] = { 0 };
	struct pol_list l = { .v = items, .n = 3 };
	_cleanup_free_ struct cordon_protect_new *v = NULL;
	struct seen seen = { 0 };
	struct cordon_protect_report o = { .on_quarantine = on_quarantine, .ctx = &seen };
	struct cordon_protect_obj spared;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(s[0], sizeof(s[0]), "%s/.mcp.json", root);
	snprintf(s[1], sizeof(s[1]), "%s/.config/git/config", root);
	snprintf(s[2], sizeof(s[2]), "%s/.idea", root);
	for (int i = 0; i < 3; i++)
		items[i].s = s[i];
	assert_int_equal(cordon_protect_missing(&l, &v), 3);
	/* The session: a symlink at one entry, a directory then a symlink on the way to another. */
	assert_int_equal(symlink("notes.json", s[0]), 0);
	snprintf(p, sizeof(p), "%s/.config", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/.config/git", root);
	assert_int_equal(symlink("/tmp", p), 0);
	/* The developer's own .idea, spared by the watch. */
	assert_int_equal(mkdir(s[2], 0755), 0);
	assert_int_equal(lstat(s[2], &st), 0);
	spared = (struct cordon_protect_obj){ .dev = st.st_dev, .ino = st.st_ino };
	assert_int_equal(cordon_protect_sweep(v, 3, &o, &spared, 1), 2);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.path[0], s[0]);
	snprintf(p, sizeof(p), "%s/.config/git", root);
	assert_string_equal(seen.path[1], p);
	assert_true(exists(root, ".mcp.json.cordon-quarantined"));
	assert_true(exists(root, ".config/git.cordon-quarantined"));
	assert_true(exists(root, ".config")); /* a directory on the way stays */
	assert_true(exists(root, ".idea"));
	/* Again: nothing left to do. */
	assert_int_equal(cordon_protect_sweep(v, 3, &o, &spared, 1), 0);
	rm_root(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing__entries_and_bases),
		cmocka_unit_test(test_quarantine__numbered_never_over),
		cmocka_unit_test(test_sweep__planted_and_spared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
