// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the policy pipeline: arbitrary bytes through the parser, then (when they
 * parse) extends composition, expansion, host sets, the floor merge both ways, and compilation.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "compile/compile.h"

static const struct policy_search search = { .system_dir = "/nonexistent/cordon-fuzz",
					     .user_dir = "/nonexistent/cordon-fuzz" };

static int fake_resolve(void *ctx, const char *host, struct pol_addr *out, size_t max)
{
	(void)ctx;
	if (!max)
		return 0;
	memset(out, 0, sizeof(*out));
	out->addr[10] = out->addr[11] = 0xff;
	out->addr[12] = 192;
	out->addr[15] = (uint8_t)strlen(host);
	return 1;
}

static void compile(const struct policy *p)
{
	struct policy_errors errs = { 0 };
	struct pol_landlock ll;
	struct pol_seccomp sc;
	struct pol_maps maps;

	for (int abi = 1; abi <= CORDON_LANDLOCK_ABI_MAX; abi += 3)
		if (policy_compile_landlock(p, abi, &ll) == 0)
			pol_landlock_free(&ll);
	if (policy_compile_seccomp(p, &sc) == 0)
		pol_seccomp_free(&sc);
	if (policy_compile_maps(p, 7, fake_resolve, NULL, &maps, &errs) == 0)
		pol_maps_free(&maps);
	json_decref(policy_to_json(p));
	policy_errors_free(&errs);
}

/* The default policy, resolved once: parsing it for every input would halve the exec rate. */
static struct policy *agent_once(const struct policy_resolve_opts *ro)
{
	static struct policy *agent;
	struct policy_errors errs = { 0 };

	if (!agent && policy_resolve("builtin:agent", ro, &agent, &errs) < 0)
		__builtin_trap();
	policy_errors_free(&errs);
	return agent;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_errors errs = { 0 };
	struct policy_vars vars;
	struct policy_resolve_opts ro = { .search = &search, .vars = &vars, .fragment_ok = true };
	struct policy *p = NULL, *floor = NULL, *fc = NULL, *base = NULL, *resolved = NULL;

	policy_vars_placeholder(&vars);
	if (policy_parse("fuzz.yaml", (const char *)data, size, &p, &errs) == 0) {
		floor = policy_dup(p);
		if (policy_resolve_parsed(p, &ro, &resolved, &errs) == 0) {
			compile(resolved);
			/* The input as a floor over the default policy, and the default as a
			 * floor over the input: both directions of every merge rule. */
			if (floor && (base = policy_dup(agent_once(&ro))) &&
			    policy_compose(TAKE_PTR(floor), &search, &fc, &errs) == 0 &&
			    policy_expand(fc, &vars, &errs) == 0 &&
			    policy_expand_hostsets(fc, NULL, &errs) == 0) {
				policy_apply_floor(base, fc);
				policy_apply_floor(resolved, base);
				compile(base);
				compile(resolved);
			}
		}
	}
	policy_free(floor);
	policy_free(fc);
	policy_free(base);
	policy_free(resolved);
	policy_errors_free(&errs);
	return 0;
}
