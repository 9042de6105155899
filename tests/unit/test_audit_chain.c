// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit file's integrity: every line carries the hash of the one before it, across
 * rotation and across a reopen; each kind of tampering (edit, insertion, deletion, reordering,
 * a lost file, a cut) breaks the chain at the right line; rotation in a directory anyone can
 * write never writes into a name someone else claimed; session-start heads every file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "unit_fixture.h"

#define MAXL 4096

static struct cordon_audit_ctx ctx = { .session = "0123456789abcdef0123456789abcdef",
				       .policy = "agent",
				       .host = "testhost" };

/* The lines of a log: every file, oldest first, as one array. */
struct lines {
	char *v[MAXL];
	size_t n;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

/* Append @path's lines (without newlines) to @l; the number read. */
static size_t read_file(struct lines *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	if (!f)
		return 0;
	while ((len = getline(&line, &cap, f)) > 0 && l->n < MAXL) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		l->v[l->n++] = strdup(line);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

/* The index of the first line where the chain breaks, or -1 when it holds. */
static long first_break(char *const *v, size_t n)
{
	struct cordon_audit_verify ver = { 0 };
	const char *why;

	for (size_t i = 0; i < n; i++)
		if (cordon_audit_verify_line(&ver, v[i], strlen(v[i]), &why) < 0)
			return (long)i;
	return -1;
}

static struct cordon_audit_sink *sink_open(const char *path, uint64_t max, unsigned int keep)
{
	struct cordon_audit_sink_opts o = {
		.path = path, .fd = -1, .max_bytes = max, .keep = keep
	};
	struct cordon_audit_sink *s = NULL;

	assert_int_equal(cordon_audit_sink_open(&o, &s), 0);
	return s;
}

/* Write @n events-lost records through @s (after a session-start, @start), close it. */
static void write_to(struct cordon_audit_sink *s, int n, bool start)
{
	if (start) {
		json_t *rec = cordon_audit_base(&ctx, "session-start", "success", 1);

		assert_int_equal(cordon_audit_sink_keep_first(s, ctx.session, rec), 0);
		assert_int_equal(cordon_audit_sink_emit(s, rec), 0);
	}
	for (int i = 0; i < n; i++) {
		assert_int_equal(cordon_audit_sink_emit(s, cordon_audit_lost(&ctx, 1 + i, 1, 5)),
				 0);
		if (i % 13 == 12)
			assert_int_equal(cordon_audit_sink_flush(s), 0);
	}
	assert_int_equal(cordon_audit_sink_close(s), 0);
}

/* The same through a new sink on @path (rotating at @max, keeping @keep). */
static void write_records(const char *path, int n, uint64_t max, unsigned int keep, bool start)
{
	write_to(sink_open(path, max, keep), n, start);
}

/* All of @path's files, oldest first; how many there were in *@files. */
static void read_all(struct lines *l, const char *path, int *files)
{
	char rot[256];

	*files = 0;
	for (int i = CORDON_AUDIT_MAX_KEEP; i >= 0; i--) {
		unit_rotated(rot, sizeof(rot), path, i);
		if (read_file(l, rot))
			(*files)++;
	}
}

static void cleanup(const char *dir, const char *path)
{
	char rot[256];

	for (int i = 0; i <= CORDON_AUDIT_MAX_KEEP; i++) {
		unit_rotated(rot, sizeof(rot), path, i);
		unlink(rot);
	}
	rmdir(dir);
}

static void test_audit_chain__holds_across_rotation_and_reopen(void **state)
{
	char dir[] = "/tmp/cordon-chain-XXXXXX", path[64];
	struct lines l = { 0 };
	int files;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	write_records(path, 300, 8192, 50, true);
	write_records(path, 100, 8192, 50, false); /* a second writer later: the chain goes on */
	read_all(&l, path, &files);
	assert_true(files > 3);
	assert_int_equal(first_break(l.v, l.n), -1);
	/* The log's very first record names no predecessor: all zeros. */
	assert_non_null(strstr(l.v[0], "\"cordon.prev\":\"0000000000000000"));
	lines_free(&l);
	cleanup(dir, path);
}

static void test_audit_chain__session_start_heads_every_rotated_file(void **state)
{
	char dir[] = "/tmp/cordon-chain-XXXXXX", path[64], rot[256];
	unsigned long copies = 0, records = 0;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	write_records(path, 500, 4096, 3, true);
	for (int i = 0; i <= 3; i++) {
		struct lines l = { 0 };

		unit_rotated(rot, sizeof(rot), path, i);
		if (!read_file(&l, rot))
			continue;
		files++;
		/* Whatever was rotated away, each retained file says what the session was. */
		assert_non_null(strstr(l.v[0], "\"action\":\"session-start\""));
		copies += strstr(l.v[0], "\"rotation_copy\":true") != NULL;
		for (size_t j = 0; j < l.n; j++)
			records += strstr(l.v[j], "events-lost") != NULL;
		lines_free(&l);
	}
	assert_int_equal(files, 4);
	assert_true(copies >= 3);
	assert_true(records > 0 && records < 500); /* the oldest went beyond keep=3 */
	cleanup(dir, path);
}

/* Each kind of tampering breaks the chain where it happened. */
static void test_audit_chain__every_kind_of_tampering_is_found(void **state)
{
	char dir[] = "/tmp/cordon-chain-XXXXXX", path[64];
	struct lines l = { 0 };
	char *v[MAXL], *forged, *tmp;
	size_t n;
	int files;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	write_records(path, 40, 0, 0, true);
	read_all(&l, path, &files);
	n = l.n;
	assert_int_equal(n, 41);
	memcpy(v, l.v, n * sizeof(*v));
	assert_int_equal(first_break(v, n), -1);

	/* An edit (one digit of a count) breaks the chain at the next record. */
	tmp = strdup(v[10]);
	strstr(tmp, "\"delta\":1")[8] = '7';
	v[10] = tmp;
	assert_int_equal(first_break(v, n), 11);
	v[10] = l.v[10];
	free(tmp);

	/* An edit of the chain field itself: at that record. */
	tmp = strdup(v[10]);
	strstr(tmp, "\"cordon.prev\":\"")[20] ^= 1;
	v[10] = tmp;
	assert_int_equal(first_break(v, n), 10);
	v[10] = l.v[10];
	free(tmp);

	/* A deletion: the record after the gap. */
	memmove(v + 20, v + 21, (n - 21) * sizeof(*v));
	assert_int_equal(first_break(v, n - 1), 20);
	memcpy(v, l.v, n * sizeof(*v));

	/* A forged insertion that even carries the right predecessor: the record after it. */
	forged = strdup(v[5]);
	memmove(v + 6, v + 5, (n - 5) * sizeof(*v));
	v[5] = forged;
	assert_int_equal(first_break(v, n + 1), 6);
	free(forged);
	memcpy(v, l.v, n * sizeof(*v));

	/* A record without the chain (a forger who does not know it): at itself. */
	v[7] = "{\"event\":{\"action\":\"session-end\"}}";
	assert_int_equal(first_break(v, n), 7);
	v[7] = l.v[7];

	/* A duplicate key to make readers see another predecessor. */
	tmp = calloc(1, strlen(v[3]) + 100);
	snprintf(tmp, strlen(v[3]) + 100, "{\"cordon.prev\":\"%064d\",%s", 0, v[3] + 1);
	v[3] = tmp;
	assert_int_equal(first_break(v, n), 3);
	v[3] = l.v[3];
	free(tmp);

	/* Two records swapped. */
	v[30] = l.v[31];
	v[31] = l.v[30];
	assert_int_equal(first_break(v, n), 30);

	lines_free(&l);
	cleanup(dir, path);
}

/* A file of the rotated set gone: the first record of the next one shows it. */
static void test_audit_chain__a_missing_rotated_file_is_found(void **state)
{
	char dir[] = "/tmp/cordon-chain-XXXXXX", path[64], rot[256];
	struct lines l = { 0 }, first = { 0 };
	int files;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	write_records(path, 200, 4096, 50, true);
	unit_rotated(rot, sizeof(rot), path, 2);
	read_file(&first, rot);
	assert_true(first.n > 0);
	unlink(rot);
	read_all(&l, path, &files);
	assert_true(first_break(l.v, l.n) > 0);
	lines_free(&l);
	lines_free(&first);
	cleanup(dir, path);
}

/*
 * Rotation in a directory anyone can write, against an attacker who keeps claiming the log's
 * name (a symlink to a victim, a file of its own) and the rotated names: no record is ever
 * written into a file the attacker made, the victim is untouched, the chain holds.
 */
static void test_audit_chain__rotation_race_cannot_take_over_the_log(void **state)
{
	char dir[] = "/tmp/cordon-race-XXXXXX", path[64], victim[80], rot[256], name[300];
	struct cordon_audit_sink *s;
	struct lines l = { 0 };
	struct stat st;
	int files;
	pid_t p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 01777), 0);
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	assert_int_equal(close(open(victim, O_CREAT | O_WRONLY, 0644)), 0);
	/* Names rotation will move onto, claimed in advance. */
	for (int i = 1; i <= 4; i++) {
		unit_rotated(rot, sizeof(rot), path, i);
		assert_int_equal(symlink(victim, rot), 0);
	}
	/* The log exists first (a trusted log's directory admits no one else: cordon refuses a
	 * directory like this one at start); the race is rotation's. */
	s = sink_open(path, 4096, 4);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		for (unsigned long i = 0;; i++) {
			int fd;

			if (i & 1) {
				if (symlink(victim, path) == 0)
					continue;
			}
			fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0666);
			if (fd >= 0) {
				if (write(fd, "ATTACKER\n", 9) != 9)
					_exit(1);
				close(fd);
			}
		}
	}
	write_to(s, 3000, true);
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 0);
	unlink(path); /* what the attacker may have made after the sink closed */
	read_all(&l, path, &files);
	assert_true(files >= 4);
	for (size_t i = 0; i < l.n; i++) {
		snprintf(name, sizeof(name), "line %zu: %.60s", i, l.v[i]);
		if (strstr(l.v[i], "ATTACKER"))
			fail_msg("an attacker's file was taken for the log: %s", name);
	}
	/* Each retained file is one stretch of the chain. */
	for (int i = 4; i >= 1; i--) {
		struct lines f = { 0 };

		unit_rotated(rot, sizeof(rot), path, i);
		assert_int_equal(lstat(rot, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_true(read_file(&f, rot) > 0);
		assert_int_equal(first_break(f.v, f.n), -1);
		lines_free(&f);
	}
	lines_free(&l);
	unlink(victim);
	cleanup(dir, path);
}

/* The OCSF serialisation goes through the same sink: chained, rotated, session-start kept. */
static void test_audit_chain__ocsf_lines_are_chained_too(void **state)
{
	char dir[] = "/tmp/cordon-chain-XXXXXX", path[64], rot[256];
	struct cordon_audit_sink_opts o = {
		.fd = -1, .max_bytes = 4096, .keep = 50, .format = CORDON_AUDIT_FORMAT_OCSF
	};
	struct cordon_audit_sink *s = NULL;
	struct lines l = { 0 };
	json_t *rec;
	int files;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	o.path = path;
	assert_int_equal(cordon_audit_sink_open(&o, &s), 0);
	rec = cordon_audit_base(&ctx, "session-start", "success", 1);
	assert_int_equal(cordon_audit_sink_keep_first(s, ctx.session, rec), 0);
	assert_int_equal(cordon_audit_sink_emit(s, rec), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(cordon_audit_sink_emit(s, cordon_audit_lost(&ctx, 1 + i, 1, 5)),
				 0);
	assert_int_equal(cordon_audit_sink_close(s), 0);
	read_all(&l, path, &files);
	assert_true(files > 2);
	assert_int_equal(first_break(l.v, l.n), -1);
	for (size_t i = 0; i < l.n; i++)
		assert_non_null(strstr(l.v[i], "\"class_uid\":0,"));
	unit_rotated(rot, sizeof(rot), path, 1);
	lines_free(&l);
	read_file(&l, rot);
	assert_non_null(strstr(l.v[0], "\"action\":\"session-start\""));
	assert_non_null(strstr(l.v[0], "\"rotation_copy\":true"));
	lines_free(&l);
	cleanup(dir, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_chain__holds_across_rotation_and_reopen),
		cmocka_unit_test(test_audit_chain__session_start_heads_every_rotated_file),
		cmocka_unit_test(test_audit_chain__every_kind_of_tampering_is_found),
		cmocka_unit_test(test_audit_chain__a_missing_rotated_file_is_found),
		cmocka_unit_test(test_audit_chain__rotation_race_cannot_take_over_the_log),
		cmocka_unit_test(test_audit_chain__ocsf_lines_are_chained_too),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
