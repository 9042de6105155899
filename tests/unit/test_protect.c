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
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

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

/*
 * A DFID_NAME record (@hbytes of handle, claimed @claimed) with @name (@nul: its terminator),
 * then a pidfd record, in a heap buffer of exactly their size: a read past the records is an
 * ASan report. Its end in *end.
 */
static char *dfid_name(uint32_t hbytes, uint32_t claimed, const char *name, bool nul,
		       const char **end)
{
	size_t nl = strlen(name) + nul, flen = sizeof(struct fanotify_event_info_fid) +
					       sizeof(struct file_handle) + hbytes + nl;
	/* Padded to 4 like the kernel's, with the padding the name's when it has no end. */
	if (flen % 4)
		nl += 4 - flen % 4, flen += 4 - flen % 4;
	struct fanotify_event_info_pidfd pid = {
		.hdr = { .info_type = FAN_EVENT_INFO_TYPE_PIDFD, .len = sizeof(pid) }, .pidfd = 9
	};
	struct fanotify_event_info_fid fid = { .hdr = { .info_type = FAN_EVENT_INFO_TYPE_DFID_NAME,
							.len = (uint16_t)flen } };
	struct file_handle fh = { .handle_bytes = claimed, .handle_type = 1 };
	char *b = calloc(1, flen + sizeof(pid)), *p = b;

	assert_non_null(b);
	memcpy(p, &fid, sizeof(fid));
	p += sizeof(fid);
	memcpy(p, &fh, sizeof(fh));
	p += sizeof(fh) + hbytes;
	memset(p, 'x', nl);
	memcpy(p, name, strlen(name) + nul);
	memcpy(b + flen, &pid, sizeof(pid));
	*end = b + flen + sizeof(pid);
	return b;
}

/* The records of a protect-watch event: the lengths in them are the kernel's, each checked. */
static void test_fan_info__lengths_bounded_by_records(void **state)
{
	struct cordon_fan_info in;
	const char *end;
	char *b;

	(void)state;
	b = dfid_name(8, 8, "hook", true, &end);
	cordon_fan_info_parse(b, end, &in);
	assert_ptr_equal(in.fid, b);
	assert_string_equal(in.name, "hook");
	assert_int_equal(in.pidfd, 9);
	/* Cut short: the pidfd record is not read past the end; the name stays. */
	cordon_fan_info_parse(b, end - 1, &in);
	assert_string_equal(in.name, "hook");
	assert_int_equal(in.pidfd, -1);
	free(b);
	/* A handle larger than its record (a pointer far past the buffer): no name. */
	b = dfid_name(8, UINT32_MAX, "hook", true, &end);
	cordon_fan_info_parse(b, end, &in);
	assert_null(in.fid);
	assert_null(in.name);
	assert_int_equal(in.pidfd, 9);
	free(b);
	/* A handle that eats the name's terminator, and a name without one: no name. */
	b = dfid_name(8, 8 + 5, "hook", true, &end);
	cordon_fan_info_parse(b, end, &in);
	assert_null(in.name);
	free(b);
	b = dfid_name(8, 8, "hook", false, &end);
	cordon_fan_info_parse(b, end, &in);
	assert_null(in.name);
	assert_int_equal(in.pidfd, 9);
	free(b);
	/* A record claiming more than is left, or less than its header: nothing after it. */
	b = dfid_name(8, 8, "hook", true, &end);
	cordon_fan_info_parse(b, end - sizeof(struct fanotify_event_info_pidfd) - 1, &in);
	assert_null(in.name);
	((struct fanotify_event_info_header *)(void *)b)->len = 2;
	cordon_fan_info_parse(b, end, &in);
	assert_null(in.name);
	assert_int_equal(in.pidfd, -1);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing__entries_and_bases),
		cmocka_unit_test(test_quarantine__numbered_never_over),
		cmocka_unit_test(test_sweep__planted_and_spared),
		cmocka_unit_test(test_fan_info__lengths_bounded_by_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
