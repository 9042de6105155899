// SPDX-License-Identifier: GPL-2.0-only
/*
 * What policy entry would have allowed a refusal: an audit record's object as the narrowest
 * entry (read, write, exec, connect, bind, unix allow), or why none can, and that entry as YAML.
 * The one implementation behind `cordon policy suggest`, the exit report and `cordon explain`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "compile/compile.h"
#include "sys/sys.h"

static const char *sget(json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

/* An address as a connect or bind rule: "host:port", "[v6]:port", "/udp" for UDP. */
static int net_entry(json_t *rec, char *buf, size_t len)
{
	const char *ip = sget(rec, "destination", "ip");
	const char *domain = sget(rec, "destination", "domain");
	json_t *port = json_object_get(json_object_get(rec, "destination"), "port");
	const char *transport = sget(rec, "network", "transport");
	const char *host = domain ?: ip;

	if (!host || !json_is_integer(port))
		return -EINVAL;
	snprintf(buf, len, "%s%s%s:%lld%s", !domain && strchr(host, ':') ? "[" : "", host,
		 !domain && strchr(host, ':') ? "]" : "", json_integer_value(port),
		 transport && !strcmp(transport, "udp") ? "/udp" : "");
	return 0;
}

/* What a deny entry of @kind is, to say why no allow can lift it. */
static const char *deny_kind(uint32_t kind)
{
	switch (kind) {
	case POL_RULE_SECRET:
	case POL_RULE_PATTERN:
		return "a secret";
	case POL_RULE_PROTECT:
		return "a protected path";
	case POL_RULE_EXEC:
		return "a denied program";
	case POL_RULE_UNIX:
		return "a denied socket";
	default:
		return "a deny entry";
	}
}

/* Why a deny entry refused: "a secret (secrets.files[0]: ~/.ssh at F:L, the site floor)". */
static enum cordon_suggest_list denied(json_t *c, uint32_t kind, char *buf, size_t len)
{
	const char *text = json_string_value(json_object_get(c, "rule_text"));
	const char *src = json_string_value(json_object_get(c, "rule_source"));
	const char *base = src ? strrchr(src, '/') : NULL;
	/* The floor's deny lists are united into every policy: its file names it. */
	bool floor = base && !strncmp(base, "/floor.yaml:", 12);
	char rule[1024] = "";

	if (text)
		snprintf(rule, sizeof(rule), " (%s%s%s%s)", text, src ? " at " : "", src ?: "",
			 floor ? ", the site floor" : "");
	snprintf(buf, len, "%s%s: no allow entry lifts it", deny_kind(kind), rule);
	return CORDON_SUGGEST_NONE;
}

/* An open's object: the file, or the directory of a file it would have created. */
static enum cordon_suggest_list open_entry(json_t *arg, const char *path, char *buf, size_t len)
{
	long long flags = json_integer_value(arg);

	/* A file created needs the right on its directory; the rest on the file. */
	if (json_is_integer(arg) && (flags & O_CREAT)) {
		const char *slash = strrchr(path, '/');

		snprintf(buf, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
		return CORDON_SUGGEST_WRITE;
	}
	snprintf(buf, len, "%s", path);
	return json_is_integer(arg) && ((flags & O_ACCMODE) != O_RDONLY || flags & O_TRUNC)
		       ? CORDON_SUGGEST_WRITE
		       : CORDON_SUGGEST_READ;
}

/* The syscall-exit records of deletes and creations (unlink, rmdir, mkdir, symlink, mknod). */
static bool dir_action(const char *action)
{
	static const char *const names[] = { "unlink",	"unlinkat",  "rmdir", "mkdir",	"mkdirat",
					     "symlink", "symlinkat", "mknod", "mknodat" };

	if (strncmp(action, "syscall-", 8))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(action + 8, names[i]))
			return true;
	return false;
}

enum cordon_suggest_list cordon_audit_suggest(json_t *rec, char *buf, size_t len)
{
	json_t *c = json_object_get(rec, "cordon");
	const char *action = sget(rec, "event", "action") ?: "";
	const char *path = sget(rec, "file", "path");
	const char *layer = json_string_value(json_object_get(c, "layer")) ?: "";
	const char *code = sget(rec, "error", "code") ?: "";
	uint32_t kind = (uint32_t)(json_integer_value(json_object_get(c, "rule")) >> 16);

	if (kind && kind != POL_RULE_CONNECT && kind != POL_RULE_BIND &&
	    kind != POL_RULE_UNIX_ALLOW)
		return denied(c, kind, buf, len);
	/* The view refuses with EROFS outside the write trees (a write entry lifts that);
	 * its EACCES is a mask (a secret), its EBUSY a mount point: never allowed here. */
	if (!strcmp(layer, "mount_ns") && !strcmp(code, "EACCES"))
		return snprintf(buf, len, "hidden by the view's mask: a secret"),
		       CORDON_SUGGEST_NONE;
	if (!strcmp(layer, "seccomp") || (!strcmp(layer, "mount_ns") && strcmp(code, "EROFS")))
		return snprintf(buf, len, "refused by the %s layer: a built-in rule", layer),
		       CORDON_SUGGEST_NONE;
	if (!strcmp(action, "connect") || !strcmp(action, "syscall-connect") ||
	    !strcmp(action, "bind"))
		return net_entry(rec, buf, len) < 0
			       ? (snprintf(buf, len, "no address"), CORDON_SUGGEST_NONE)
		       : !strcmp(action, "bind") ? CORDON_SUGGEST_BIND
						 : CORDON_SUGGEST_CONNECT;
	if (!path || path[0] != '/' || strchr(path, '$') || json_object_get(c, "hex"))
		return snprintf(buf, len, "no absolute path cordon can write back"),
		       CORDON_SUGGEST_NONE;
	if (!strncmp(action, "unix-", 5))
		return snprintf(buf, len, "%s", path), CORDON_SUGGEST_UNIX;
	/*
	 * What an observing session's BPF LSM let through outside the allow-lists (maps.h
	 * CORDON_SESSION_FILE_ALLOW; deny entries returned above): the path is the object Landlock
	 * would have judged (the file opened or truncated, the directory an entry is made in or
	 * removed from), cordon.access the rights no tree granted there.
	 */
	if (!strcmp(layer, "bpf_lsm") && json_is_true(json_object_get(c, "observed")) &&
	    !strncmp(action, "file-", 5)) {
		json_t *acc = json_object_get(c, "access");

		snprintf(buf, len, "%s", path);
		if (json_is_true(json_object_get(acc, "exec")))
			return CORDON_SUGGEST_EXEC;
		return json_is_true(json_object_get(acc, "write")) ? CORDON_SUGGEST_WRITE
								   : CORDON_SUGGEST_READ;
	}
	if (!strcmp(action, "syscall-execve") || !strcmp(action, "syscall-execveat") ||
	    !strcmp(action, "file-exec"))
		return snprintf(buf, len, "%s", path), CORDON_SUGGEST_EXEC;
	if (!strncmp(action, "syscall-open", 12) || !strcmp(action, "file-open"))
		return open_entry(json_object_get(c, "arg"), path, buf, len);
	/* A name deleted or made needs the write right on the directory that holds it. */
	if (dir_action(action)) {
		const char *slash = strrchr(path, '/');

		snprintf(buf, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
		return CORDON_SUGGEST_WRITE;
	}
	return snprintf(buf, len, "%s is not something a policy entry allows", action),
	       CORDON_SUGGEST_NONE;
}

static const char *const keys[CORDON_SUGGEST_NONE][3] = {
	[CORDON_SUGGEST_READ] = { "filesystem", "read" },
	[CORDON_SUGGEST_WRITE] = { "filesystem", "write" },
	[CORDON_SUGGEST_EXEC] = { "filesystem", "exec" },
	[CORDON_SUGGEST_CONNECT] = { "network", "connect" },
	[CORDON_SUGGEST_BIND] = { "network", "bind" },
	[CORDON_SUGGEST_UNIX] = { "network", "unix", "allow" },
};

const char *const *cordon_audit_suggest_keys(enum cordon_suggest_list l)
{
	return l < CORDON_SUGGEST_NONE ? keys[l] : NULL;
}

const char *cordon_audit_suggest_flag(enum cordon_suggest_list l)
{
	static const char *const flags[CORDON_SUGGEST_NONE] = {
		[CORDON_SUGGEST_READ] = "--allow-read",
		[CORDON_SUGGEST_WRITE] = "--allow-write",
		[CORDON_SUGGEST_EXEC] = "--allow-exec",
		[CORDON_SUGGEST_CONNECT] = "--allow-connect",
		[CORDON_SUGGEST_BIND] = "--allow-bind",
	};

	return l < CORDON_SUGGEST_NONE ? flags[l] : NULL;
}

char *cordon_audit_quote(const char *s)
{
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL, *d;
	size_t dels = 0;

	json_decref(j);
	/* Not UTF-8 (records repair theirs; a caller's argument may not be): never printed raw. */
	if (!j)
		return strdup("\"?\"");
	for (const char *p = q; p && (p = strchr(p, 0x7f)); p++)
		dels++;
	if (!q || !dels)
		return q;
	/* The one control byte JSON leaves alone, and YAML may not hold raw: escaped too. */
	d = malloc(strlen(q) + 5 * dels + 1);
	if (d) {
		char *o = d;

		for (const char *p = q; *p; p++)
			o = *p == 0x7f ? stpcpy(o, "\\u007F") : (*o = *p, o + 1);
		*o = '\0';
	}
	free(q);
	return d;
}

int cordon_audit_suggest_yaml(enum cordon_suggest_list l, const char *object, const char *indent,
			      char **out)
{
	const char *const *k = cordon_audit_suggest_keys(l);
	_cleanup_free_ char *q = NULL;
	size_t n = 0, len = 0;
	FILE *f;

	*out = NULL;
	if (!k)
		return -EINVAL;
	q = cordon_audit_quote(object);
	f = q ? open_memstream(out, &len) : NULL;
	if (!f)
		return -ENOMEM;
	/* filesystem:\n  read:\n    - "PATH"\n: each key a level deeper, the item below them. */
	for (; n < 3 && k[n]; n++)
		fprintf(f, "%s%*s%s:\n", indent, (int)(2 * n), "", k[n]);
	fprintf(f, "%s%*s- %s\n", indent, (int)(2 * n), "", q);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
