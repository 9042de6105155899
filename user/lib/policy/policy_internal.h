/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the policy stages (parse, expand, merge, lookup) and not part of the API. */
#ifndef CORDON_POLICY_INTERNAL_H
#define CORDON_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

bool pol_hostset_name_valid(const char *s, size_t len);

/* Every path list of a policy, with its YAML name, for stages that treat them alike. */
struct pol_path_field {
	const char *name;
	size_t off; /* offsetof(struct policy, list) */
	bool allow; /* allow-list (intersected with the floor) or deny list (united) */
};
extern const struct pol_path_field pol_path_fields[];
extern const size_t pol_path_fields_n;

static inline struct pol_list *pol_field(struct policy *p, const struct pol_path_field *f)
{
	return (struct pol_list *)((char *)p + f->off);
}

static inline const struct pol_list *pol_field_c(const struct policy *p,
						 const struct pol_path_field *f)
{
	return (const struct pol_list *)((const char *)p + f->off);
}

/* Copy @s into a new string; a struct pol_item with a copied position. */
int pol_item_set(struct pol_item *it, const char *s, const char *file, int line, int col);
void pol_item_clear(struct pol_item *it);

/* 1 if @s (of @len) contains a byte < 0x20 or 0x7f: never allowed in a path or name. */
bool pol_has_control(const char *s, size_t len);

/* The value of the known variable @name (of @len, without ${}) in @v; NULL if unset or unknown. */
const char *pol_var_value(const struct policy_vars *v, const char *name, size_t len);

int pol_hostset_copy(struct pol_hostset *dst, const struct pol_hostset *src);
void pol_hostset_clear(struct pol_hostset *h);

#endif /* CORDON_POLICY_INTERNAL_H */
