// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OCSF 1.1 serialisation: an audit record (ECS names, docs/audit-schema.md) as an OCSF event
 * of the class that fits: Detection Finding for refusals, File System, Network or Process
 * Activity otherwise, Base Event for session and pipeline records.
 */
#include <errno.h>
#include <string.h>

#include "audit/audit.h"

#define OCSF_VERSION "1.1.0"

enum {
	CLASS_BASE = 0,
	CLASS_FILE = 1001,
	CLASS_PROCESS = 1007,
	CLASS_FINDING = 2004,
	CLASS_NETWORK = 4001,
};

static json_t *get(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static const char *sget(json_t *o, const char *a, const char *b)
{
	return json_string_value(get(o, a, b));
}

/* Copy @v (when present) into @o under @key: strings stay jansson's, never re-escaped here. */
static void copy(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set(o, key, v);
}

static int category_of(int class_uid)
{
	return class_uid / 1000;
}

/* The acting process and user, as OCSF's actor. */
static json_t *actor(json_t *ecs)
{
	json_t *a = json_object(), *p = json_object(), *u = json_object();
	json_t *proc = json_object_get(ecs, "process"), *user = json_object_get(ecs, "user");

	copy(p, "pid", json_object_get(proc, "pid"));
	copy(p, "name", json_object_get(proc, "name"));
	copy(p, "cmd_line", json_object_get(proc, "command_line"));
	copy(u, "uid", json_object_get(user, "id"));
	copy(u, "name", json_object_get(user, "name"));
	if (json_object_size(p))
		json_object_set(a, "process", p);
	if (json_object_size(u))
		json_object_set(a, "user", u);
	json_decref(p);
	json_decref(u);
	return a;
}

/* What the record is about: a file, an endpoint, a process (for findings' evidences too). */
static void objects(json_t *o, json_t *ecs)
{
	const char *path = sget(ecs, "file", "path");
	json_t *dst = json_object_get(ecs, "destination");

	if (path) {
		const char *slash = strrchr(path, '/');

		json_object_set_new(o, "file",
				    json_pack("{s:O,s:s,s:i}", "path", get(ecs, "file", "path"),
					      "name", slash ? slash + 1 : path, "type_id", 0));
	}
	if (dst) {
		json_t *e = json_object();

		copy(e, "ip", json_object_get(dst, "ip"));
		copy(e, "port", json_object_get(dst, "port"));
		json_object_set_new(o, "dst_endpoint", e);
		if (sget(ecs, "network", "transport"))
			json_object_set_new(o, "connection_info",
					    json_pack("{s:O}", "protocol_name",
						      get(ecs, "network", "transport")));
	}
}

/* Observe mode: a refusal let through and recorded (cordon.observed). */
static bool observed(json_t *ecs)
{
	return json_is_true(json_object_get(json_object_get(ecs, "cordon"), "observed"));
}

/* The class and activity of @ecs (outcome @failed). */
static int classify(json_t *ecs, bool failed, const char *action, int *activity)
{
	const char *cat = json_string_value(json_array_get(get(ecs, "event", "category"), 0));

	*activity = 99; /* Other */
	if ((failed || observed(ecs)) &&
	    strcmp(sget(ecs, "event", "kind") ?: "", "pipeline_error") &&
	    json_object_get(json_object_get(ecs, "cordon"), "hook")) {
		*activity = 1; /* Create: a new finding */
		return CLASS_FINDING;
	}
	if (!strcmp(action, "process-exec") || !strcmp(action, "process-exit")) {
		*activity = !strcmp(action, "process-exec") ? 1 : 2; /* Launch, Terminate */
		return CLASS_PROCESS;
	}
	/* The activity classes need their object; without it, a base event. */
	if (cat && !strcmp(cat, "network") && json_object_get(ecs, "destination")) {
		*activity = 1; /* Open */
		return CLASS_NETWORK;
	}
	if (cat && !strcmp(cat, "file") && get(ecs, "file", "path"))
		return CLASS_FILE;
	return CLASS_BASE;
}

/*
 * The rule that refused, as the finding's analytic (type Rule): its name, its id, and where
 * the policy says it ("defined at FILE:LINE"). Strings stay jansson's.
 */
static void analytic(json_t *fi, json_t *c)
{
	json_t *name = json_object_get(c, "rule_text"), *a;
	const char *src = json_string_value(json_object_get(c, "rule_source"));

	if (!json_is_string(name))
		return;
	a = json_pack("{s:O,s:o,s:i,s:s}", "name", name, "uid",
		      json_sprintf("%" JSON_INTEGER_FORMAT,
				   json_integer_value(json_object_get(c, "rule"))),
		      "type_id", 1, "type", "Rule");
	if (a && src)
		json_object_set_new(a, "desc", json_sprintf("defined at %s", src));
	if (a)
		json_object_set_new(fi, "analytic", a);
}

/* Detection Finding: what was refused, by which layer and rule, as the finding. */
static void finding(json_t *o, json_t *ecs, const char *action)
{
	json_t *c = json_object_get(ecs, "cordon");
	json_t *fi = json_object(), *ev = json_object();
	const char *layer = json_string_value(json_object_get(c, "layer"));

	const char *confined = json_string_value(json_object_get(c, "confined_to"));

	const char *etype = json_string_value(json_array_get(get(ecs, "event", "type"), 0));

	json_object_set_new(
		fi, "title",
		confined ? json_sprintf("cordon would confine %s to %s", action, confined)
		: etype && !strcmp(etype, "error")
			? json_sprintf("cordon could not confine %s", action)
			: json_sprintf(observed(ecs) ? "cordon would refuse %s"
						     : "cordon refused %s",
				       action));
	json_object_set_new(
		fi, "uid",
		json_sprintf("%s-%s", sget(ecs, "cordon", "session") ?: "",
			     json_string_value(json_object_get(ecs, "@timestamp")) ?: ""));
	json_object_set_new(fi, "types", json_pack("[s]", layer ? layer : "unknown"));
	analytic(fi, c);
	json_object_set_new(o, "finding_info", fi);
	objects(ev, ecs);
	json_object_set_new(o, "evidences", json_pack("[o]", ev));
	/* Denied and Blocked; observed: Allowed and Detected. */
	json_object_set_new(o, "action_id", json_integer(observed(ecs) ? 1 : 2));
	json_object_set_new(o, "disposition_id", json_integer(observed(ecs) ? 15 : 2));
	copy(o, "status_detail", get(ecs, "error", "code"));
}

json_t *cordon_audit_to_ocsf(json_t *ecs)
{
	const char *action = sget(ecs, "event", "action") ?: "unknown";
	const char *ts = json_string_value(json_object_get(ecs, "@timestamp"));
	bool failed = !strcmp(sget(ecs, "event", "outcome") ?: "", "failure");
	uint64_t ns = 0;
	int activity, cls;
	json_t *o;

	if (!json_is_object(ecs))
		return NULL;
	if (ts)
		cordon_audit_parse_time(ts, &ns);
	cls = classify(ecs, failed, action, &activity);
	o = json_pack("{s:i,s:i,s:i,s:i,s:I,s:i,s:i,s:s,s:{s:s,s:{s:s,s:s}}}", "class_uid", cls,
		      "category_uid", category_of(cls), "activity_id", activity, "type_uid",
		      cls * 100 + activity, "time", (json_int_t)(ns / 1000000), "severity_id",
		      failed ? 3 : 1, "status_id", failed ? 2 : 1, "message", action, "metadata",
		      "version", OCSF_VERSION, "product", "name", "cordon", "vendor_name",
		      "cordon");
	if (!o)
		return NULL;
	json_object_set_new(o, "device", json_pack("{s:O}", "hostname", get(ecs, "host", "name")));
	json_object_set_new(o, "actor", actor(ecs));
	if (cls == CLASS_FINDING) {
		finding(o, ecs, action);
	} else if (cls == CLASS_PROCESS) {
		json_t *p = json_object_get(json_object_get(o, "actor"), "process");

		json_object_set(o, "process", p ?: json_object());
		copy(json_object_get(o, "process"), "exit_code", get(ecs, "process", "exit_code"));
	} else {
		objects(o, ecs);
	}
	/* Everything of cordon's own, unchanged: OCSF's place for what it does not model. */
	json_object_set_new(o, "unmapped",
			    json_pack("{s:O,s:O}", "cordon",
				      json_object_get(ecs, "cordon") ?: json_null(), "event",
				      json_object_get(ecs, "event") ?: json_null()));
	return o;
}

int cordon_audit_parse_format(const char *s, enum cordon_audit_format_kind *out)
{
	if (!strcmp(s, "ecs"))
		*out = CORDON_AUDIT_FORMAT_ECS;
	else if (!strcmp(s, "ocsf"))
		*out = CORDON_AUDIT_FORMAT_OCSF;
	else
		return -EINVAL;
	return 0;
}
