// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for what a local user or a site file can feed the daemon: every input goes
 * through cordon_ctl_parse_request() (the control socket's whole attack surface) and through
 * daemon_config_load() (cordon.yaml; a JSON request is YAML too, so one corpus serves both).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "sys/sys.h"
#include "daemon.h"

/* daemon.c is not linked: the configuration parser reports its errors here, quietly. */
void daemon_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

/* A session id or a prefix of one: what the daemon resolves, never a path or anything else. */
static bool is_hex_id(const char *s)
{
	size_t n = strlen(s);

	if (n < CORDON_CTL_SESSION_MIN || n > CORDON_CTL_SESSION_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* What the daemon relies on once the parser said yes, and what an error must look like. */
static void ctl(const uint8_t *data, size_t size)
{
	struct cordon_ctl_request q;
	char err[256] = "";
	json_t *rep;
	int r = cordon_ctl_parse_request(data, size, &q, err, sizeof(err));

	if (r < 0) {
		if (q.root || !err[0] ||
		    (r != -EINVAL && r != -EPROTO && r != -EMSGSIZE && r != -ENOMEM))
			__builtin_trap();
		/* The error reply is built from @err exactly as the daemon does. */
		rep = cordon_ctl_error(r, "%s", err);
		free(json_dumps(rep, JSON_COMPACT));
		json_decref(rep);
		return;
	}
	if (!q.root || (size_t)q.op > CORDON_CTL_AUDIT)
		__builtin_trap();
	switch (q.op) {
	case CORDON_CTL_CREATE:
		if (!q.project || q.project[0] != '/' || !q.policy == !q.policy_text ||
		    (q.policy &&
		     (!q.policy[0] || strchr(q.policy, '/') || strlen(q.policy) > 64)) ||
		    (q.policy_text && (!q.policy_file || strlen(q.policy_text) != q.policy_len ||
				       q.policy_len > CORDON_CTL_MAX_POLICY)) ||
		    strlen(q.project) > CORDON_CTL_MAX_PATH ||
		    (q.ssh_auth_sock && q.ssh_auth_sock[0] != '/') || q.session)
			__builtin_trap();
		break;
	case CORDON_CTL_END:
	case CORDON_CTL_AUDIT:
		if (!q.session || !is_hex_id(q.session) || q.policy || q.project)
			__builtin_trap();
		break;
	default:
		if (q.policy || q.policy_text || q.project || q.session)
			__builtin_trap();
	}
	cordon_ctl_request_free(&q);
	if (q.root)
		__builtin_trap();
}

/* The configuration parser reads a file: the input goes to a memfd it opens by path. */
static void config(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct daemon_config c;

	if (fd < 0) {
		fd = memfd_create("cordon.yaml", MFD_CLOEXEC);
		if (fd < 0)
			__builtin_trap();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		__builtin_trap();
	if (daemon_config_load(path, &c) == 0) {
		if (c.nconfine > DAEMON_MAX_CONFINE || (c.audit_file && c.audit_file[0] != '/') ||
		    c.audit_keep > 100)
			__builtin_trap();
		for (size_t i = 0; i < c.nconfine; i++)
			if (!c.confine[i].exec || c.confine[i].exec[0] != '/' ||
			    !c.confine[i].policy)
				__builtin_trap();
		daemon_config_free(&c);
	} else if (c.audit_file || c.nconfine) {
		__builtin_trap(); /* a refused file leaves nothing allocated behind */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ctl(data, size);
	config(data, size);
	return 0;
}
