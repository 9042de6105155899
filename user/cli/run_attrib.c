// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-tier attribution of `cordon run`'s syscall-exit refusals: the tracepoint sees only an
 * errno, so the record is checked against the compiled policy. A relative path is made
 * absolute, a secret mask is named as the layer that refused, and an EACCES the policy would
 * have allowed (file permissions) is not reported as cordon's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"
#include "lib/pattern.h"

/* Lexically normalise the absolute @p in place: no ".", "..", empty or trailing components. */
static void normalise(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		char *seg;
		size_t n;

		while (*in == '/')
			in++;
		seg = in;
		while (*in && *in != '/')
			in++;
		n = (size_t)(in - seg);
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/*
 * @path as the task named it, made absolute against its working directory, read now from
 * /proc/PID/cwd: a task that changed directory (or exited) since the call makes this wrong (or
 * impossible, then -ESRCH), and openat() relative to a directory descriptor other than
 * AT_FDCWD is resolved against the working directory too (the record carries no dirfd).
 */
static int absolute(uint32_t pid, const char *path, char *out, size_t len)
{
	char link[64], cwd[PATH_MAX];
	ssize_t n;

	if (path[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", path) >= len)
			return -ENAMETOOLONG;
		normalise(out);
		return 0;
	}
	snprintf(link, sizeof(link), "/proc/%u/cwd", pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return -ESRCH;
	cwd[n] = '\0';
	if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		return -ENAMETOOLONG;
	normalise(out);
	return 0;
}

/* The Landlock rights an open with @flags (or an exec) needs on the file itself. */
static uint64_t needed(const struct cordon_event_syscall *s, bool exists)
{
	unsigned int acc = (unsigned int)s->arg & O_ACCMODE;
	uint64_t a = 0;

	if (s->hdr.hook == CORDON_HOOK_SYS_EXECVE)
		return LANDLOCK_ACCESS_FS_EXECUTE;
	if (!exists && (s->arg & O_CREAT))
		return LANDLOCK_ACCESS_FS_MAKE_REG; /* on the parent */
	if (acc == O_RDONLY || acc == O_RDWR)
		a |= LANDLOCK_ACCESS_FS_READ_FILE;
	if (acc == O_WRONLY || acc == O_RDWR)
		a |= LANDLOCK_ACCESS_FS_WRITE_FILE;
	if (s->arg & O_TRUNC)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

static bool path_in(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0 || n == 1);
}

/* A secret mask the path is under, or NULL. */
static const struct cordon_mask *masked(const struct run *r, const char *path)
{
	for (size_t i = 0; i < r->masks.n; i++)
		if (r->masks.v[i].kind == CORDON_MASK_SECRET && path_in(path, r->masks.v[i].path))
			return &r->masks.v[i];
	return NULL;
}

/*
 * Would the policy have allowed @s on @abs? Landlock judges the file the path reaches, so
 * symlinks are resolved (from outside the session: its private /tmp is granted whole).
 */
static bool policy_allows(const struct run *r, const struct cordon_event_syscall *s,
			  const char *abs)
{
	char real[PATH_MAX], parent[PATH_MAX], *slash;
	bool exists = realpath(abs, real) != NULL;
	uint64_t need = needed(s, exists), granted;
	const char *at = exists ? real : abs;

	if (!exists && need == LANDLOCK_ACCESS_FS_MAKE_REG) {
		snprintf(parent, sizeof(parent), "%s", abs);
		slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		at = realpath(parent, real) ? real : parent;
	} else if (!exists) {
		return false; /* no such file: Landlock did refuse the walk or the open */
	}
	need &= r->ll.attr.handled_access_fs;
	granted = pol_landlock_access_at(&r->ll, at);
	if (run_hidden_by_view(r, at))
		granted |= POL_LL_READ | POL_LL_WRITE;
	return need && !(need & ~granted);
}

/* The secrets.patterns entry @name (a file name) matches, as the view's planner judged it. */
static uint32_t pattern_rule(const struct policy *p, const char *name)
{
	struct cordon_name_pattern pat;
	char msg[160];
	long hit = -1;

	/* A name an exception matches, wherever it stands, is no pattern's secret. */
	for (size_t i = 0; i < p->sec_patterns.n && i < 0x10000; i++) {
		if (policy_compile_pattern(p->sec_patterns.v[i].s, &pat, msg, sizeof(msg)) < 0)
			continue;
		if (!cordon_pattern_match_name(&pat, name))
			continue;
		if (pat.flags & CORDON_PATTERN_EXCEPT)
			return 0;
		if (hit < 0)
			hit = (long)i;
	}
	return hit >= 0 ? POL_RULE_ID(POL_RULE_PATTERN, hit) : 0;
}

/* The first entry of @l @path is at or below, as POL_RULE_ID(@kind, index); 0: none. */
static uint32_t list_rule(const struct pol_list *l, unsigned int kind, const char *path)
{
	for (size_t i = 0; i < l->n && i < 0x10000; i++)
		if (path_in(path, l->v[i].s))
			return POL_RULE_ID(kind, i);
	return 0;
}

/*
 * The policy entry that refused @path (absolute; @real: the file it reaches, or NULL): a
 * secret (file, unix socket, name pattern) whatever the access, a protected tree for a write,
 * a denied program for an exec. 0: no entry, the refusal is a default deny.
 */
static uint32_t rule_of(const struct policy *p, const char *path, const char *real, bool write,
			bool exec)
{
	const char *names[2] = { path, real };
	uint32_t id = 0;

	for (size_t k = 0; k < 2 && !id; k++) {
		const char *at = names[k], *base;

		if (!at)
			continue;
		base = strrchr(at, '/');
		id = list_rule(&p->sec_files, POL_RULE_SECRET, at);
		if (!id)
			id = list_rule(&p->unix_deny, POL_RULE_UNIX, at);
		if (!id)
			id = pattern_rule(p, base ? base + 1 : at);
		if (!id && write)
			id = list_rule(&p->fs_protect, POL_RULE_PROTECT, at);
		if (!id && exec)
			id = list_rule(&p->exec_deny, POL_RULE_EXEC, at);
	}
	return id;
}

static bool is_open(unsigned int hook)
{
	return hook == CORDON_HOOK_SYS_OPENAT || hook == CORDON_HOOK_SYS_OPEN ||
	       hook == CORDON_HOOK_SYS_OPENAT2;
}

static bool is_exec(unsigned int hook)
{
	return hook == CORDON_HOOK_SYS_EXECVE || hook == CORDON_HOOK_SYS_EXECVEAT;
}

/* Does the refused call @s change the file system at its path (write, create, link, ...)? */
static bool writes(const struct cordon_event_syscall *s)
{
	if (is_exec(s->hdr.hook))
		return false;
	if (!is_open(s->hdr.hook))
		return true; /* link, rename, chmod */
	return (s->arg & O_ACCMODE) != O_RDONLY || (s->arg & (O_CREAT | O_TRUNC));
}

int run_attribute(const struct run *r, struct cordon_event_syscall *s)
{
	char abs[PATH_MAX], real[PATH_MAX];
	const char *path = (const char *)s->path, *reached;

	if (!(s->flags & CORDON_SYSCALL_PATH) || !memchr(s->path, 0, sizeof(s->path)))
		return 0;
	if (absolute(s->hdr.pid, path, abs, sizeof(abs)) < 0)
		return 0; /* unknowable: reported as it came */
	if (strlen(abs) < sizeof(s->path))
		memcpy(s->path, abs, strlen(abs) + 1);
	reached = realpath(abs, real) ? real : NULL;
	if (!s->hdr.rule_id)
		s->hdr.rule_id = rule_of(r->pol, abs, reached, writes(s), is_exec(s->hdr.hook));
	if (s->hdr.verdict != -EACCES ||
	    (!is_open(s->hdr.hook) && s->hdr.hook != CORDON_HOOK_SYS_EXECVE))
		return 0;
	/* The view's mask refused it (before Landlock's open hook): by its name, or by the file a
	 * symlink or /proc/self/root reaches. */
	if (masked(r, abs) || (reached && masked(r, reached))) {
		s->hdr.layer = CORDON_LAYER_MOUNT_NS;
		return 0;
	}
	/* /proc/PID/...: Landlock's ptrace restriction refuses what the path rules allow. */
	if (!strncmp(abs, "/proc/", 6) &&
	    ((abs[6] >= '0' && abs[6] <= '9') || !strncmp(abs + 6, "self/", 5) ||
	     !strncmp(abs + 6, "thread-self/", 12)))
		return 0;
	return policy_allows(r, s, abs) ? 1 : 0;
}
