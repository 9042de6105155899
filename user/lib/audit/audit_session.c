// SPDX-License-Identifier: GPL-2.0-only
/*
 * Session-start and session-end records: the one builder `cordon run` and the daemon share, so
 * both write the same field names for what they know.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "compile/compile.h"
#include "sys/sys.h"

json_t *cordon_audit_plan_gaps(const struct cordon_plan *plan)
{
	json_t *a = json_array();

	for (size_t i = 0; a && plan && i < plan->ngaps; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "rule", plan->gaps[i].rule,
						   "needs", plan->gaps[i].needs, "reason",
						   plan->gaps[i].reason));
	return a;
}

static json_t *layers_json(const struct cordon_audit_session *s)
{
	json_t *o = json_object();

	for (int id = 0; o && id < CORDON_LAYER_ID_COUNT; id++) {
		static const char *const names[CORDON_LAYER_ID_COUNT] = {
			[CORDON_LAYER_ID_LANDLOCK] = "landlock",
			[CORDON_LAYER_ID_SECCOMP] = "seccomp",
			[CORDON_LAYER_ID_CGROUP_BPF] = "cgroup_bpf",
			[CORDON_LAYER_ID_BPF_LSM] = "bpf_lsm",
			[CORDON_LAYER_ID_MOUNT_NS] = "mount_ns",
		};

		if (names[id] && (s->layers_reported & CORDON_LAYER_BIT(id)))
			json_object_set_new(o, names[id],
					    json_boolean(s->layers & CORDON_LAYER_BIT(id)));
	}
	return o;
}

static json_t *args_json(json_t *rec, char *const *args)
{
	json_t *a = json_array();

	for (; a && *args; args++) {
		json_t *tmp = json_object();

		/* As every string of a record: invalid UTF-8 is escaped and kept in cordon.hex. */
		cordon_audit_set_str(rec, tmp, "v", NULL, *args, strlen(*args) + 1);
		json_array_append(a, json_object_get(tmp, "v"));
		json_decref(tmp);
	}
	return a;
}

/* The fields both records carry: where, what enforced it, who. */
static json_t *session_record(const struct cordon_audit_session *s, const char *action,
			      uint64_t now_ns)
{
	json_t *rec = cordon_audit_base(s->ctx, action, NULL, now_ns);
	json_t *c = json_object_get(rec, "cordon");

	if (!rec)
		return NULL;
	if (s->layers_reported)
		json_object_set_new(c, "layers", layers_json(s));
	if (s->landlock_abi > 0)
		json_object_set_new(c, "landlock_abi", json_integer(s->landlock_abi));
	if (s->project)
		json_object_set_new(c, "project", json_string(s->project));
	if (s->daemon)
		json_object_set_new(c, "daemon", json_true());
	if (s->auto_confine)
		json_object_set_new(c, "auto_confine", json_true());
	if (s->has_user)
		json_object_set_new(rec, "user",
				    json_pack("{s:o,s:s}", "id", json_sprintf("%u", s->uid), "name",
					      s->user ?: ""));
	return rec;
}

static const char *const still_refused[] = {
	"landlock",	 /* files outside the allowed trees */
	"seccomp",	 /* filtered syscalls and socket families */
	"mount_ns",	 /* the view: masked secrets, read-only trees, private /tmp */
	"fanotify",	 /* the host tier's explicit denies (secrets, protect, hooks, exec deny) */
	"bpf_lsm_files", /* secrets, protect, exec deny (explicit denies, never learnt) */
	"bpf_lsm_self",	 /* self-protection: ptrace, signals, bpf, mount, cgroupfs */
	"unix_deny",	 /* network.unix.deny entries */
	"source_routes", /* IP options and routing headers dropped at egress */
	"dns_steer_failed", /* port 53 when the session's resolver cannot be reached */
	NULL,
};

/* The same with the file allow-lists observed by BPF LSM. */
static const char *const still_refused_files_observed[] = {
	"landlock_scopes", /* abstract unix sockets and signals outside the session (6.12) */
	"seccomp",	   "mount_ns_masks", /* the view: masked secrets, private /tmp (nothing read-only) */
	"fanotify",	   "bpf_lsm_files",    "bpf_lsm_self", "unix_deny",
	"source_routes",   "dns_steer_failed", NULL,
};

const char *const *cordon_observe_still_refused(bool files)
{
	return files ? still_refused_files_observed : still_refused;
}

/* cordon.observe: what is observed (let through, recorded) and what still refuses. */
static json_t *observe_json(bool files)
{
	const char *const *still = cordon_observe_still_refused(files);
	json_t *o = json_pack("{s:[s,s]}", "observed", "cgroup_bpf", "bpf_lsm_network");
	json_t *a = json_array();

	if (o && files)
		json_array_append_new(json_object_get(o, "observed"),
				      json_string("bpf_lsm_file_allow"));
	for (size_t i = 0; a && still[i]; i++)
		json_array_append_new(a, json_string(still[i]));
	if (o && a)
		json_object_set_new(o, "still_refused", a);
	else
		json_decref(a);
	return o;
}

/* An entry of @file (its option, "--allow-read") as "--allow-read /x" into @a. */
static void one_off(json_t *a, const char *file, const char *text)
{
	char *e;

	if (!file || strncmp(file, "--allow-", 8) || !text)
		return;
	e = cordon_strdup_printf("%s %s", file, text);
	if (e)
		json_array_append_new(a, json_string(e));
	free(e);
}

/* The policy's entries a one-off allow of the command line added (their file is the option). */
static json_t *one_off_allows(const struct policy *p)
{
	const struct pol_list *l[] = { &p->fs_read, &p->fs_write, &p->fs_exec };
	const struct pol_net_list *n[] = { &p->connect, &p->bind };
	json_t *a = json_array();

	for (size_t k = 0; a && k < 3; k++)
		for (size_t i = 0; i < l[k]->n; i++)
			one_off(a, l[k]->v[i].file, l[k]->v[i].s);
	for (size_t k = 0; a && k < 2; k++)
		for (size_t i = 0; i < n[k]->n; i++)
			one_off(a, n[k]->v[i].file, n[k]->v[i].text);
	return a;
}

json_t *cordon_audit_session_start(const struct cordon_audit_session *s, uint64_t now_ns)
{
	json_t *rec = session_record(s, "session-start", now_ns);
	json_t *c = json_object_get(rec, "cordon"), *p;

	if (!rec)
		return NULL;
	if (s->log_untrusted) {
		json_object_set_new(c, "log_trusted", json_false());
		json_object_set_new(c, "log_untrusted_reason", json_string(s->log_untrusted));
	}
	if (s->observe)
		json_object_set_new(c, "observe", observe_json(s->observe_files));
	if (s->plan) {
		json_object_set_new(c, "unenforced", json_integer((json_int_t)s->plan->ngaps));
		json_object_set_new(c, "unenforced_rules", cordon_audit_plan_gaps(s->plan));
	}
	if (s->policy)
		json_object_set_new(c, "one_off_allows", one_off_allows(s->policy));
	p = json_pack("{s:i}", "pid", (int)s->pid);
	if (p && s->args)
		json_object_set_new(p, "args", args_json(rec, s->args));
	json_object_set_new(rec, "process", p);
	return rec;
}

json_t *cordon_audit_session_end(const struct cordon_audit_session *s, uint64_t now_ns)
{
	json_t *rec = session_record(s, "session-end", now_ns);
	const struct cordon_audit_session_counts *n = s->counts;
	json_t *p;

	if (!rec)
		return NULL;
	if (s->reason)
		json_object_set_new(json_object_get(rec, "cordon"), "reason",
				    json_string(s->reason));
	if (s->detached)
		json_object_set_new(json_object_get(rec, "cordon"), "detached", json_true());
	json_object_set_new(json_object_get(rec, "event"), "duration",
			    json_integer((json_int_t)(now_ns - s->start_ns)));
	p = json_pack("{s:i}", "pid", (int)s->pid);
	if (p && s->has_exit)
		json_object_set_new(p, "exit_code", json_integer(s->exit_code));
	json_object_set_new(rec, "process", p);
	if (n)
		json_object_set_new(json_object_get(rec, "cordon"), "counts",
				    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
					      "refused_connect", (json_int_t)n->refused_connect,
					      "refused_file", (json_int_t)n->refused_file,
					      "refusals", (json_int_t)n->refusals, "exec",
					      (json_int_t)n->exec, "exit", (json_int_t)n->exit,
					      "events_lost", (json_int_t)n->events_lost,
					      "malformed", (json_int_t)n->malformed, "not_cordon",
					      (json_int_t)n->not_cordon));
	if (s->has_lost) {
		json_t *c = json_object_get(json_object_get(rec, "cordon"), "counts");

		if (!c) {
			c = json_object();
			json_object_set_new(json_object_get(rec, "cordon"), "counts", c);
		}
		json_object_set_new(c, "events_lost", json_integer((json_int_t)s->lost));
		json_object_set_new(c, "events_over_share",
				    json_integer((json_int_t)s->lost_over_share));
	}
	if (s->memory_kills)
		json_object_set_new(json_object_get(rec, "cordon"), "limits",
				    json_pack("{s:s,s:I}", "rule", "limits.memory", "memory_kills",
					      (json_int_t)s->memory_kills));
	if (n && s->observe)
		json_object_set_new(json_object_get(json_object_get(rec, "cordon"), "counts"),
				    "observed", json_integer((json_int_t)n->observed));
	return rec;
}
