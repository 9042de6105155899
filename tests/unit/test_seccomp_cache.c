// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cache of built seccomp filters (enforce/seccomp_filter.c): a filter is reused only for
 * the very rules it was built from, and only from a file its owner alone could have written in
 * a directory its owner alone can write; anything else is a miss and the filter is built.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "compile/compile.h"
#include "enforce/enforce.h"

struct fixture {
	char dir[64];
	char cache[96];
	struct pol_seccomp_rule rules[2];
	struct pol_seccomp sc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cordon-sccache-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
	f->rules[0] =
		(struct pol_seccomp_rule){ .syscall = "ptrace", .action = SCMP_ACT_ERRNO(EPERM) };
	f->rules[1] = (struct pol_seccomp_rule){
		.syscall = "ioctl",
		.action = SCMP_ACT_ERRNO(EPERM),
		.nargs = 1,
		.args = { SCMP_A1(SCMP_CMP_EQ, 0x5412) }, /* TIOCSTI */
	};
	f->sc = (struct pol_seccomp){ .default_action = SCMP_ACT_ALLOW, .rules = f->rules, .n = 2 };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* The one cached file's path in @cache (a 64-digit name), or "" when there is none. */
static void cached_file(const char *cache, char *out, size_t len)
{
	DIR *d = opendir(cache);
	struct dirent *e;
	int n = 0;

	out[0] = '\0';
	while (d && (e = readdir(d)))
		if (strlen(e->d_name) == 64) {
			snprintf(out, len, "%s/%s", cache, e->d_name);
			n++;
		}
	if (d)
		closedir(d);
	assert_true(n <= 1);
}

static bool same(const struct sock_fprog *a, const struct sock_fprog *b)
{
	return a->len == b->len && !memcmp(a->filter, b->filter, a->len * sizeof(*a->filter));
}

/* A valid filter of one instruction (return ALLOW): recognisable, never what the rules make. */
static void plant(const char *path, mode_t mode)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, &allow, sizeof(allow)), sizeof(allow));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_seccomp_cache__same_rules_reuse_the_file_other_rules_never_do(void **state)
{
	struct fixture *f = *state;
	struct sock_fprog fresh, first, again, other;
	char path[256], path2[256];
	struct stat st;

	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &fresh, NULL), 0);
	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &first, f->cache), 0);
	assert_true(same(&fresh, &first));
	cached_file(f->cache, path, sizeof(path));
	assert_true(path[0]);
	assert_int_equal(stat(f->cache, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* The cached file is what the next build returns: a planted one proves it is read. */
	plant(path, 0600);
	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &again, f->cache), 0);
	assert_int_equal(again.len, 1);
	cordon_seccomp_free(&again);

	/* Another argument value is another filter: never the cached one. */
	f->rules[1].args[0].datum_a = 0x541d; /* TIOCLINUX */
	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &other, f->cache), 0);
	assert_true(other.len > 1);
	assert_false(same(&fresh, &other));
	assert_int_equal(unlink(path), 0);
	cached_file(f->cache, path2, sizeof(path2));
	assert_true(path2[0]);
	assert_string_not_equal(path, path2);
	cordon_seccomp_free(&fresh);
	cordon_seccomp_free(&first);
	cordon_seccomp_free(&other);
}

/* Build once through the cache, then plant @mode'd bytes under the cached name. */
static void cache_then_plant(struct fixture *f, char *path, size_t len, mode_t mode)
{
	struct sock_fprog p;

	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &p, f->cache), 0);
	cordon_seccomp_free(&p);
	cached_file(f->cache, path, len);
	assert_true(path[0]);
	plant(path, mode);
}

static void test_seccomp_cache__a_file_others_could_write_is_a_miss(void **state)
{
	struct fixture *f = *state;
	struct sock_fprog fresh, got;
	char path[256];
	static const mode_t modes[] = { 0620, 0602, 0666 };

	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &fresh, NULL), 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		cache_then_plant(f, path, sizeof(path), modes[i]);
		assert_int_equal(cordon_seccomp_build_cached(&f->sc, &got, f->cache), 0);
		assert_true(same(&fresh, &got));
		cordon_seccomp_free(&got);
		unlink(path);
	}
	cordon_seccomp_free(&fresh);
}

static void test_seccomp_cache__a_link_under_the_name_is_a_miss(void **state)
{
	struct fixture *f = *state;
	struct sock_fprog fresh, got;
	char path[256], other[320];

	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &fresh, NULL), 0);
	/* A symlink to a planted filter elsewhere. */
	cache_then_plant(f, path, sizeof(path), 0600);
	snprintf(other, sizeof(other), "%s/planted", f->dir);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &got, f->cache), 0);
	assert_true(same(&fresh, &got));
	cordon_seccomp_free(&got);
	/* A hard link of one (two links: it has a name outside the cache too). */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(link(other, path), 0);
	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &got, f->cache), 0);
	assert_true(same(&fresh, &got));
	cordon_seccomp_free(&got);
	cordon_seccomp_free(&fresh);
}

static void test_seccomp_cache__a_directory_others_could_write_is_not_used(void **state)
{
	struct fixture *f = *state;
	struct sock_fprog fresh, got;
	char path[256];

	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &fresh, NULL), 0);
	cache_then_plant(f, path, sizeof(path), 0600);
	assert_int_equal(chmod(f->cache, 0733), 0);
	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &got, f->cache), 0);
	assert_true(same(&fresh, &got));
	cordon_seccomp_free(&got);
	/* Nor one reached through a symlink. */
	assert_int_equal(chmod(f->cache, 0700), 0);
	snprintf(path, sizeof(path), "%s/link", f->dir);
	assert_int_equal(symlink(f->cache, path), 0);
	assert_int_equal(cordon_seccomp_build_cached(&f->sc, &got, path), 0);
	assert_true(same(&fresh, &got));
	cordon_seccomp_free(&got);
	cordon_seccomp_free(&fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_seccomp_cache__same_rules_reuse_the_file_other_rules_never_do, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_seccomp_cache__a_file_others_could_write_is_a_miss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seccomp_cache__a_link_under_the_name_is_a_miss,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_seccomp_cache__a_directory_others_could_write_is_not_used, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
