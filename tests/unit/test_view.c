// SPDX-License-Identifier: GPL-2.0-only
/*
 * The view's plan of layered write trees (filesystem.cache): which trees become overlays, which
 * are part of another's, which Landlock rules are granted again inside them, and the refusal of a
 * cache that holds the project.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforce/enforce.h"

static char root[64];

/* ROOT/@rel as a fresh string (a directory made when @mk). */
static char *at(const char *rel, bool mk)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", root, rel) > 0);
	if (mk) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
		assert_int_equal(system(cmd), 0);
	}
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/cordon-test-view.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

struct fixture {
	struct pol_ll_path paths[8];
	struct pol_landlock ll;
	struct pol_item items[4];
	struct pol_list cache;
	struct cordon_view v;
};

static void add_path(struct fixture *f, const char *rel, uint64_t access)
{
	f->paths[f->ll.npaths] = (struct pol_ll_path){ .path = at(rel, true), .access = access };
	f->ll.npaths++;
}

static void add_cache(struct fixture *f, const char *rel)
{
	f->items[f->cache.n++] = (struct pol_item){ .s = at(rel, false) };
}

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->ll.paths = f->paths;
	f->cache.v = f->items;
}

static void fixture_free(struct fixture *f)
{
	cordon_view_free(&f->v);
	for (size_t i = 0; i < f->ll.npaths; i++)
		free(f->paths[i].path);
	for (size_t i = 0; i < f->cache.n; i++)
		free(f->items[i].s);
}

static bool layered(const struct cordon_view *v, const char *path)
{
	for (size_t i = 0; i < v->nrw; i++)
		if (!strcmp(v->rw[i], path))
			return v->rw_layered[i];
	fail_msg("%s is not a write tree", path);
	return false;
}

static void test_view__write_trees_in_a_cache_are_layered(void **state)
{
	const char *conflict;
	struct fixture f;

	(void)state;
	fixture_init(&f);
	add_path(&f, "home/proj", POL_LL_READ | POL_LL_WRITE);
	add_path(&f, "home/.cache", POL_LL_READ | POL_LL_WRITE);
	add_path(&f, "home/.cache/sub", POL_LL_READ | POL_LL_WRITE | POL_LL_EXEC);
	add_path(&f, "home/.npm", POL_LL_READ | POL_LL_WRITE | POL_LL_EXEC);
	add_cache(&f, "home/.cache");
	add_cache(&f, "home/.npm");
	assert_int_equal(cordon_view_plan(&f.ll, f.paths[0].path, true, &f.v), 0);
	assert_int_equal(cordon_view_plan_layers(&f.v, &f.ll, &f.cache, f.paths[0].path, &conflict),
			 0);
	assert_false(layered(&f.v, f.paths[0].path));
	assert_true(layered(&f.v, f.paths[1].path));
	/* inside the ~/.cache overlay: part of it, not an overlay of its own */
	assert_false(layered(&f.v, f.paths[2].path));
	assert_true(layered(&f.v, f.paths[3].path));
	assert_true(cordon_view_has_layers(&f.v));
	/* the rules at and below the layered trees, to be granted again on the overlays' inodes */
	assert_int_equal(f.v.nlayer_rules, 3);
	fixture_free(&f);
}

static void test_view__cache_inside_a_write_tree_is_a_tree_of_its_own(void **state)
{
	const char *conflict;
	struct fixture f;
	char *reg;

	(void)state;
	fixture_init(&f);
	add_path(&f, "h2/.cargo", POL_LL_READ | POL_LL_WRITE);
	reg = at("h2/.cargo/registry", true);
	free(reg);
	add_cache(&f, "h2/.cargo/registry");
	add_cache(&f, "h2/missing");
	assert_int_equal(cordon_view_plan(&f.ll, NULL, true, &f.v), 0);
	assert_int_equal(f.v.nrw, 1);
	assert_int_equal(cordon_view_plan_layers(&f.v, &f.ll, &f.cache, NULL, &conflict), 0);
	/* the registry became a write tree and the overlay goes there; a missing cache is nothing */
	assert_int_equal(f.v.nrw, 2);
	assert_false(layered(&f.v, f.paths[0].path));
	assert_true(layered(&f.v, f.items[0].s));
	fixture_free(&f);
}

static void test_view__a_cache_holding_the_project_is_refused(void **state)
{
	const char *conflict = NULL;
	struct fixture f;
	char *project;

	(void)state;
	fixture_init(&f);
	add_path(&f, "h3", POL_LL_READ | POL_LL_WRITE);
	project = at("h3/work/proj", true);
	add_cache(&f, "h3");
	assert_int_equal(cordon_view_plan(&f.ll, project, true, &f.v), 0);
	assert_int_equal(cordon_view_plan_layers(&f.v, &f.ll, &f.cache, project, &conflict),
			 -EXDEV);
	assert_non_null(conflict);
	assert_string_equal(conflict, f.paths[0].path);
	free(project);
	fixture_free(&f);
}

static void test_view__no_cache_no_layers(void **state)
{
	const char *conflict;
	struct fixture f;

	(void)state;
	fixture_init(&f);
	add_path(&f, "h4", POL_LL_READ | POL_LL_WRITE);
	assert_int_equal(cordon_view_plan(&f.ll, NULL, true, &f.v), 0);
	assert_int_equal(cordon_view_plan_layers(&f.v, &f.ll, &f.cache, NULL, &conflict), 0);
	assert_false(cordon_view_has_layers(&f.v));
	assert_int_equal(f.v.layer_lock, -1);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view__write_trees_in_a_cache_are_layered),
		cmocka_unit_test(test_view__cache_inside_a_write_tree_is_a_tree_of_its_own),
		cmocka_unit_test(test_view__a_cache_holding_the_project_is_refused),
		cmocka_unit_test(test_view__no_cache_no_layers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
