// SPDX-License-Identifier: GPL-2.0-only
/*
 * libfyaml events -> a position-carrying tree. The event API is used (not fy_document) because
 * it exposes every node's start mark and never resolves aliases, so billion-laughs input stays
 * as small as the file: aliases are refused here, before anything could expand them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "sys/sys.h"
#include "policy/policy_internal.h"
#include "policy/policy.h"

#define YAML_MAX_DEPTH 32     /* policies are 4 levels deep; deeper is hostile */
#define YAML_MAX_NODES 200000 /* bounds memory on a 1 MiB flow sequence of 1-char items */

void yaml_tree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		yaml_tree_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

bool ynode_is_null(const struct ynode *n)
{
	return n->type == YN_SCALAR && n->plain &&
	       (n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0);
}

const char *ynode_type_name(const struct ynode *n)
{
	if (n->type == YN_MAP)
		return "a mapping";
	if (n->type == YN_SEQ)
		return "a list";
	return ynode_is_null(n) ? "null" : "a scalar";
}

static int ynode_add(struct ynode *parent, struct ynode *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		struct ynode **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

/*
 * Validate UTF-8 ourselves, before libfyaml sees the bytes: its checks depend on the scalar
 * style, and a policy path with an invalid sequence must never reach a later stage.
 * Overlongs, surrogates and code points past U+10FFFF are refused; NUL bytes too.
 */
static int check_utf8(const char *file, const unsigned char *s, size_t len,
		      struct policy_errors *errs)
{
	int line = 1, col = 1;

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t need;
		uint32_t cp, min;

		if (c == 0)
			return policy_errorf(errs, file, line, col, "NUL byte in policy file");
		if (c < 0x80) {
			i++;
			if (c == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return policy_errorf(errs, file, line, col, "invalid UTF-8 byte 0x%02x", c);
		}
		if (i + need >= len)
			return policy_errorf(errs, file, line, col, "truncated UTF-8 sequence");
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return policy_errorf(errs, file, line, col,
						     "invalid UTF-8 sequence");
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return policy_errorf(errs, file, line, col, "invalid UTF-8 sequence");
		i += need + 1;
		col++;
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct ynode *x = *(const struct ynode *const *)a;
	const struct ynode *y = *(const struct ynode *const *)b;
	int r;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	r = memcmp(x->str, y->str, x->len);
	if (r)
		return r;
	/* Equal keys: order by position so the later one is reported. */
	if (x->line != y->line)
		return x->line - y->line;
	return x->col - y->col;
}

/* Duplicate keys are refused: with "last one wins", a second `write:` could hide in a long file. */
static int check_duplicates(const char *file, struct ynode *map, struct policy_errors *errs)
{
	size_t npairs = map->n / 2, nscalar = 0;
	_cleanup_free_ struct ynode **keys = NULL;
	int r = 0, dups = 0;

	if (npairs < 2)
		return 0;
	keys = calloc(npairs, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < npairs; i++)
		if (map->kids[2 * i]->type == YN_SCALAR)
			keys[nscalar++] = map->kids[2 * i];
	qsort(keys, nscalar, sizeof(*keys), cmp_key);
	for (size_t i = 1; i < nscalar; i++)
		if (keys[i]->len == keys[i - 1]->len &&
		    memcmp(keys[i]->str, keys[i - 1]->str, keys[i]->len) == 0) {
			if (pol_has_control(keys[i]->str, keys[i]->len))
				r = policy_errorf(errs, file, keys[i]->line, keys[i]->col,
						  "duplicate key (first at line %d)",
						  keys[i - 1]->line);
			else
				r = policy_errorf(errs, file, keys[i]->line, keys[i]->col,
						  "duplicate key '%s' (first at line %d)",
						  keys[i]->str, keys[i - 1]->line);
			dups++;
		}
	return r == -ENOMEM ? r : dups;
}

static struct ynode *ynode_new(enum ynode_type type, const struct fy_mark *m)
{
	struct ynode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->type = type;
	/* 0: no mark (an empty value); attach() then points at its key. */
	n->line = m ? m->line + 1 : 0;
	n->col = m ? m->column + 1 : 0;
	return n;
}

struct builder {
	const char *file;
	const char *buf; /* the document, for the raw text of single-quoted scalars */
	size_t len;
	struct policy_errors *errs;
	struct ynode *stack[YAML_MAX_DEPTH + 1];
	int depth;
	size_t nodes;
	struct ynode *root;
	int docs;
	bool failed;
};

/* Attach a finished node to its parent (or make it the root). Takes ownership. */
static int attach(struct builder *b, struct ynode *n)
{
	int r;

	if (++b->nodes > YAML_MAX_NODES) {
		yaml_tree_free(n);
		policy_errorf(b->errs, b->file, 1, 1, "too many YAML nodes (max %d)",
			      YAML_MAX_NODES);
		return -EINVAL;
	}
	if (n->line == 0) {
		struct ynode *parent = b->depth ? b->stack[b->depth - 1] : NULL;

		if (parent && parent->type == YN_MAP && parent->n % 2 == 1) {
			n->line = parent->kids[parent->n - 1]->line;
			n->col = parent->kids[parent->n - 1]->col;
		} else if (parent) {
			n->line = parent->line;
			n->col = parent->col;
		} else {
			n->line = n->col = 1;
		}
	}
	if (b->depth == 0) {
		yaml_tree_free(b->root);
		b->root = n;
		return 0;
	}
	r = ynode_add(b->stack[b->depth - 1], n);
	if (r < 0)
		yaml_tree_free(n);
	return r;
}

static void refuse_props(struct builder *b, struct fy_token *anchor, struct fy_token *tag,
			 const struct fy_mark *m)
{
	int line = m ? m->line + 1 : 1, col = m ? m->column + 1 : 1;

	if (anchor)
		policy_errorf(b->errs, b->file, line, col,
			      "YAML anchors are not allowed in policies (compose with 'extends')");
	if (tag)
		policy_errorf(b->errs, b->file, line, col, "YAML tags are not allowed in policies");
	if (anchor || tag)
		b->failed = true;
}

/* A single-quoted scalar whose source holds an escaped quote (''), from its raw bytes. */
static bool escaped_single_quote(const struct builder *b, struct fy_token *t)
{
	const struct fy_mark *sm = fy_token_start_mark(t), *em = fy_token_end_mark(t);

	if (fy_token_scalar_style(t) != FYSS_SINGLE_QUOTED || !sm || !em ||
	    em->input_pos > b->len || sm->input_pos + 2 > em->input_pos)
		return false;
	/* Between the outer quotes. */
	return memmem(b->buf + sm->input_pos + 1, em->input_pos - sm->input_pos - 2, "''", 2);
}

static int on_document_start(struct builder *b, const struct fy_mark *m)
{
	if (++b->docs > 1) {
		policy_errorf(b->errs, b->file, m ? m->line + 1 : 1, 1,
			      "a policy file holds a single YAML document");
		return -EINVAL;
	}
	return 0;
}

static int on_alias(struct builder *b, const struct fy_mark *m)
{
	struct ynode *n;

	/* Refused outright: an alias is how billion laughs multiplies memory. */
	policy_errorf(b->errs, b->file, m ? m->line + 1 : 1, m ? m->column + 1 : 1,
		      "YAML aliases are not allowed in policies (compose with 'extends')");
	b->failed = true;
	n = ynode_new(YN_SCALAR, m);
	if (!n || !(n->str = strdup(""))) {
		yaml_tree_free(n);
		return -ENOMEM;
	}
	n->plain = true;
	n->alias = true;
	return attach(b, n);
}

/* The text of scalar token @t for node @n (NULL/0 when refused), with style and position. */
static const char *scalar_text(struct builder *b, struct fy_token *t, struct ynode *n, size_t *len)
{
	const char *s;
	enum fy_scalar_style st;

	*len = 0;
	if (!t) {
		n->plain = true;
		return NULL;
	}
	if (escaped_single_quote(b, t)) {
		/*
		 * Debian 12's libfyaml (0.8) leaks memory (512 bytes and up) when it unescapes a
		 * single-quoted scalar with a run of '' escapes, and the daemon parses policies
		 * any local user sends: such a scalar is refused before libfyaml is asked for its
		 * text. No policy value needs one.
		 */
		if (n->col > 1)
			n->col--; /* at the opening quote, as for any quoted scalar */
		policy_errorf(b->errs, b->file, n->line, n->col,
			      "an escaped quote ('') in a single-quoted string is not "
			      "accepted: write the string in double quotes");
		b->failed = true;
		return NULL;
	}
	s = fy_token_get_text(t, len);
	if (!s)
		*len = 0;
	st = fy_token_scalar_style(t);
	n->plain = st == FYSS_PLAIN;
	/* A quoted scalar's mark is past its quote: point at the quote. */
	if ((st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED) && n->col > 1)
		n->col--;
	return s;
}

static int on_scalar(struct builder *b, struct fy_event *ev, const struct fy_mark *m)
{
	struct ynode *n;
	const char *s;
	size_t len;

	refuse_props(b, ev->scalar.anchor, ev->scalar.tag, m);
	n = ynode_new(YN_SCALAR, m);
	if (!n)
		return -ENOMEM;
	s = scalar_text(b, ev->scalar.value, n, &len);
	n->str = malloc(len + 1);
	if (!n->str) {
		yaml_tree_free(n);
		return -ENOMEM;
	}
	if (len)
		memcpy(n->str, s, len);
	n->str[len] = 0;
	n->len = len;
	return attach(b, n);
}

static int on_collection_start(struct builder *b, struct fy_event *ev, const struct fy_mark *m)
{
	bool seq = ev->type == FYET_SEQUENCE_START;
	struct ynode *n;

	if (seq)
		refuse_props(b, ev->sequence_start.anchor, ev->sequence_start.tag, m);
	else
		refuse_props(b, ev->mapping_start.anchor, ev->mapping_start.tag, m);
	if (b->depth >= YAML_MAX_DEPTH) {
		policy_errorf(b->errs, b->file, m ? m->line + 1 : 1, m ? m->column + 1 : 1,
			      "nesting too deep (max %d levels)", YAML_MAX_DEPTH);
		return -EINVAL;
	}
	n = ynode_new(seq ? YN_SEQ : YN_MAP, m);
	if (!n)
		return -ENOMEM;
	b->stack[b->depth++] = n;
	return 0;
}

static int on_collection_end(struct builder *b)
{
	struct ynode *n;
	int r;

	if (b->depth == 0)
		return -EINVAL;
	n = b->stack[--b->depth];
	if (n->type == YN_MAP) {
		r = check_duplicates(b->file, n, b->errs);
		if (r < 0) {
			yaml_tree_free(n);
			return r;
		}
		if (r > 0)
			b->failed = true;
	}
	return attach(b, n);
}

static int on_event(struct builder *b, struct fy_event *ev)
{
	const struct fy_mark *m = fy_event_start_mark(ev);

	switch (ev->type) {
	case FYET_DOCUMENT_START:
		return on_document_start(b, m);
	case FYET_ALIAS:
		return on_alias(b, m);
	case FYET_SCALAR:
		return on_scalar(b, ev, m);
	case FYET_SEQUENCE_START:
	case FYET_MAPPING_START:
		return on_collection_start(b, ev, m);
	case FYET_SEQUENCE_END:
	case FYET_MAPPING_END:
		return on_collection_end(b);
	default:
		return 0;
	}
}

static void collect_diag(struct builder *b, struct fy_diag *diag)
{
	struct fy_diag_error *de;
	void *it = NULL;
	bool any = false;

	while ((de = fy_diag_errors_iterate(diag, &it))) {
		if (de->type < FYET_ERROR)
			continue;
		/* libfyaml's collected positions are already 1-based. */
		policy_errorf(b->errs, b->file, de->line, de->column, "YAML: %s",
			      de->msg ? de->msg : "syntax error");
		any = true;
	}
	if (!any)
		policy_errorf(b->errs, b->file, 1, 1, "YAML: syntax error");
}

/*
 * libfyaml over @buf, building the tree. The stream is always parsed to its end (an error of
 * ours stops the building, not the parser). Returns 0, -EINVAL on a YAML error (diagnostics
 * appended to b->errs), -ENOMEM.
 */
static int run_parser(struct builder *b, const char *buf, size_t len)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_parser *fyp;
	struct fy_event *ev;
	int r = 0;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return -ENOMEM;
	/* Collect instead of printing: library code never writes to stderr. */
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg cfg = {
		.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DEFAULT_VERSION_1_2 |
			 FYPCF_JSON_NONE,
		.diag = diag,
	};
	fyp = fy_parser_create(&cfg);
	if (!fyp) {
		fy_diag_destroy(diag);
		return -ENOMEM;
	}
	if (fy_parser_set_string(fyp, len ? buf : "", len) < 0) {
		r = -ENOMEM;
		goto out;
	}
	while ((ev = fy_parser_parse(fyp))) {
		if (r == 0)
			r = on_event(b, ev);
		fy_parser_event_free(fyp, ev);
	}
	if (r == 0 && fy_parser_get_stream_error(fyp)) {
		collect_diag(b, diag);
		r = -EINVAL;
	}
out:
	fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	return r;
}

int yaml_tree_parse(const char *file, const char *buf, size_t len, struct ynode **root,
		    bool *refused, struct policy_errors *errs)
{
	struct builder b = { .file = file, .errs = errs, .buf = buf, .len = len };
	int r;

	*root = NULL;
	*refused = false;
	if (len > POLICY_MAX_FILE_BYTES)
		return policy_errorf(errs, file, 1, 1, "policy file is larger than %u bytes",
				     POLICY_MAX_FILE_BYTES);
	r = check_utf8(file, (const unsigned char *)buf, len, errs);
	if (r < 0)
		return r;
	r = run_parser(&b, buf, len);
	*refused = b.failed;
	while (b.depth > 0)
		yaml_tree_free(b.stack[--b.depth]);
	if (r < 0) {
		yaml_tree_free(b.root);
		b.root = NULL;
	}
	*root = b.root;
	return r;
}
