// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shipped policies, compiled into the binary with .incbin so `cordon run` works with no
 * file installed. The Makefile makes this object depend on the policies/ YAML files.
 */
#include <string.h>

#include "sys/sys.h"
#include "policy/policy.h"

/* Each blob is NUL-terminated and its length recorded by the assembler. */
#define EMBED(sym, file)                                                                \
	__asm__(".section .rodata\n"                                                    \
		".global " #sym "\n"                                                    \
		".type " #sym ", @object\n"                                             \
		".balign 16\n" #sym ":\n"                                               \
		".incbin \"" file "\"\n" #sym "_end:\n"                                 \
		".byte 0\n"                                                             \
		".global " #sym "_len\n"                                                \
		".balign 8\n" #sym "_len:\n"                                            \
		".quad " #sym "_end - " #sym "\n"                                       \
		".previous\n");                                                         \
	extern const char sym[]; /* NOLINT(bugprone-macro-parentheses): a declarator */ \
	extern const unsigned long sym##_len;

EMBED(cordon_policy_hosts, "policies/hosts.yaml")
EMBED(cordon_policy_base, "policies/base.yaml")
EMBED(cordon_policy_agent, "policies/agent.yaml")
EMBED(cordon_policy_claude_code, "policies/claude-code.yaml")
EMBED(cordon_policy_codex, "policies/codex.yaml")
EMBED(cordon_policy_aider, "policies/aider.yaml")
EMBED(cordon_policy_offline, "policies/offline.yaml")
EMBED(cordon_policy_strict, "policies/strict.yaml")

static struct policy_embedded table[8];

static void fill(void)
{
	/* Lengths are only known at link time, so the table is filled on first use. */
	const struct {
		const char *name;
		const char *data;
		const unsigned long *len;
	} src[] = {
		{ "hosts", cordon_policy_hosts, &cordon_policy_hosts_len },
		{ "base", cordon_policy_base, &cordon_policy_base_len },
		{ "agent", cordon_policy_agent, &cordon_policy_agent_len },
		{ "claude-code", cordon_policy_claude_code, &cordon_policy_claude_code_len },
		{ "codex", cordon_policy_codex, &cordon_policy_codex_len },
		{ "aider", cordon_policy_aider, &cordon_policy_aider_len },
		{ "offline", cordon_policy_offline, &cordon_policy_offline_len },
		{ "strict", cordon_policy_strict, &cordon_policy_strict_len },
	};

	for (size_t i = 0; i < ARRAY_SIZE(src); i++) {
		table[i].name = src[i].name;
		table[i].data = src[i].data;
		table[i].len = *src[i].len;
	}
}

size_t policy_embedded_count(void)
{
	return ARRAY_SIZE(table);
}

const struct policy_embedded *policy_embedded_get(size_t i)
{
	if (i >= ARRAY_SIZE(table))
		return NULL;
	if (!table[0].name)
		fill();
	return &table[i];
}

const struct policy_embedded *policy_embedded_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct policy_embedded *e = policy_embedded_get(i);

		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}
