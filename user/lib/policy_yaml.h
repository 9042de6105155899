/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The YAML layer of the policy parser: libfyaml's event stream turned into a small tree whose
 * every node knows its 1-based line and column. Refuses what a policy never needs and an
 * attacker could abuse: aliases, anchors, tags, several documents, duplicate keys, bad UTF-8.
 */
#ifndef CORDON_POLICY_YAML_H
#define CORDON_POLICY_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP
};

struct ynode {
	enum ynode_type type;
	int line;
	int col;
	bool plain; /* scalar written without quotes (so "null" / "~" / "" may mean null) */
	bool alias; /* placeholder for a refused alias: already reported, skipped by the schema */
	char *str;  /* scalar text, NUL-terminated */
	size_t len; /* scalar length (may contain a NUL written as "\0": callers refuse it) */
	struct ynode **kids; /* sequence items; mapping: kids[2i] key, kids[2i+1] value */
	size_t n;	     /* items, or kids for a mapping (2 per pair) */
	size_t cap;
};

/*
 * Parse @buf into a tree. Returns 0 and *root (NULL for an empty document), or -EINVAL with
 * errors appended, or -ENOMEM. *refused is set when the tree is complete but used something a
 * policy may not (alias, anchor, tag, duplicate key): errors are appended and the tree is still
 * returned, so the schema checks can report the rest of the file's problems too.
 */
int yaml_tree_parse(const char *file, const char *buf, size_t len, struct ynode **root,
		    bool *refused, struct policy_errors *errs);
void yaml_tree_free(struct ynode *n);

/* A plain null: "~", "null", or nothing. */
bool ynode_is_null(const struct ynode *n);
const char *ynode_type_name(const struct ynode *n);

#endif /* CORDON_POLICY_YAML_H */
