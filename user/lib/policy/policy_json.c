// SPDX-License-Identifier: GPL-2.0-only
/* A policy rendered as JSON for `cordon policy show --json` (and the human form built from it). */
#include <inttypes.h>
#include <stdio.h>

#include <jansson.h>

#include "policy/policy.h"
#include "policy/policy_internal.h"

static json_t *str_list(const struct pol_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i].s));
	return a;
}

static json_t *net_entry(const struct pol_net *n)
{
	char addr[96];

	pol_net_format_addr(n, addr, sizeof(addr));
	if (!n->protos) /* a host-set member */
		return json_string(addr);
	return json_pack("{s:s,s:i,s:i,s:s,s:s}", "address", addr, "port_lo", (int)n->lo, "port_hi",
			 (int)n->hi, "protocol",
			 n->protos == POL_PROTO_UDP   ? "udp"
			 : n->protos == POL_PROTO_TCP ? "tcp"
						      : "tcp+udp",
			 "rule", n->text ? n->text : "");
}

static json_t *net_list(const struct pol_net_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++)
		json_array_append_new(a, net_entry(&l->v[i]));
	return a;
}

static json_t *limit(uint64_t v)
{
	return v ? json_integer((json_int_t)v) : json_null();
}

void *policy_to_json(const struct policy *p)
{
	static const char *const audit_names[] = { "deny", "exec",   "connect",
						   "file", "secret", "process" };
	static const char *const modes[] = { NULL, "best_effort", "strict" };
	static const char *const ptraces[] = { NULL, "session", "none" };
	static const char *const signals[] = { NULL, "any", "session" };
	static const char *const lifetimes[] = { NULL, "detached", "agent" };
	json_t *hosts = json_object(), *audit = json_array(), *o;

	for (size_t i = 0; hosts && i < p->nhosts; i++)
		json_object_set_new(hosts, p->hosts[i].name, net_list(&p->hosts[i].members));
	for (size_t i = 0; audit && i < 6; i++)
		if (p->audit & (1u << i))
			json_array_append_new(audit, json_string(audit_names[i]));

	o = json_pack("{s:s?,s:s?,s:s?,"
		      "s:{s:o,s:o,s:o,s:o,s:o,s:o},"
		      "s:{s:o,s:o,s:{s:o,s:o}},"
		      "s:{s:o,s:o,s:{s:o,s:o},s:o,s:{s:o,s:o}},"
		      "s:{s:o,s:s?,s:s?},"
		      "s:{s:o,s:o,s:o,s:o},"
		      "s:{s:o}}",
		      "name", p->name, "source", p->file, "mode", modes[p->mode], "filesystem",
		      "read", str_list(&p->fs_read), "write", str_list(&p->fs_write), "exec",
		      str_list(&p->fs_exec), "protect", str_list(&p->fs_protect), "atomic",
		      str_list(&p->fs_atomic), "cache", str_list(&p->fs_cache), "secrets", "files",
		      str_list(&p->sec_files), "patterns", str_list(&p->sec_patterns), "env",
		      "deny", str_list(&p->env_deny), "keep", str_list(&p->env_keep), "network",
		      "connect", net_list(&p->connect), "bind", net_list(&p->bind), "unix", "deny",
		      str_list(&p->unix_deny), "allow", str_list(&p->unix_allow), "hosts", hosts,
		      "dns", "max_label_length", limit(p->dns_max_label), "max_labels",
		      limit(p->dns_max_labels), "process", "exec_deny", str_list(&p->exec_deny),
		      "ptrace", ptraces[p->ptrace], "signal", signals[p->signal], "limits", "pids",
		      limit(p->pids), "memory", limit(p->memory), "cpu", limit(p->cpu), "nofile",
		      limit(p->nofile), "audit", "record", audit);
	/* Only when set: the policies that never name it keep the same digest (policy_sha256). */
	if (o && p->lifetime)
		json_object_set_new(json_object_get(o, "process"), "lifetime",
				    json_string(lifetimes[p->lifetime]));
	return o;
}
