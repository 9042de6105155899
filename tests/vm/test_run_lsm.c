// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run` on a kernel with BPF LSM: a strict policy whose secret name patterns Landlock
 * cannot express starts without --allow-degraded (BPF LSM covers them, no mount-namespace
 * masks), reports bpf_lsm on, and the agent's reads of a secret and of a .env are refused by
 * BPF LSM with records in the audit log; the same reads succeed outside cordon.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "spawn.h"
#include "tap.h"
#include "testutil.h"

#define CANARY "canary-run-lsm"
#define POLICY "/tmp/run-lsm.yaml"
#define AUDIT  "/tmp/run-lsm.jsonl"

static const char policy_yaml[] = "name: run-lsm\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/]\n"
				  "secrets:\n"
				  "  files: [/srv/rhome/.ssh]\n"
				  "  patterns: [.env]\n";

/* Run @argv with stdout and stderr into @out; the exit status, or -1. */
static int run(char *const argv[], char *out, size_t len)
{
	struct test_cmd c = { .argv = argv };
	int status;

	if (test_spawn(&c, out, len, &status) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The JSON start report cordon prints on stderr with --json. */
static json_t *start_report(const char *out)
{
	const char *line = strstr(out, "{\"session\"");
	json_t *o;

	if (!line)
		return NULL;
	o = json_loadb(line, strcspn(line, "\n"), 0, NULL);
	return o;
}

/* Is there an open refusal by BPF LSM for a path ending in @suffix in the audit log? */
static bool audited(const char *suffix)
{
	FILE *f = fopen(AUDIT, "r");
	char line[8192];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *layer =
			json_string_value(json_object_get(json_object_get(o, "cordon"), "layer"));
		const char *path =
			json_string_value(json_object_get(json_object_get(o, "file"), "path"));

		if (layer && path && !strcmp(layer, "bpf_lsm") && strlen(path) >= strlen(suffix) &&
		    !strcmp(path + strlen(path) - strlen(suffix), suffix))
			found = true;
		json_decref(o);
	}
	if (f)
		fclose(f);
	return found;
}

static void attempt(const char *name, const char *path, const char *suffix)
{
	char *outside[] = { "/bin/cat", (char *)path, NULL };
	char *inside[] = { "/bin/cordon", "run",	"--json",      "--policy", POLICY,
			   "--project",	  "/tmp/rproj", "--audit-log", AUDIT,	   "--",
			   "/bin/cat",	  (char *)path, NULL };
	char out[16384];
	json_t *rep;
	int st;

	st = run(outside, out, sizeof(out));
	tap_check(st == 0 && strstr(out, CANARY), "%s_outside_succeeds", name);
	unlink(AUDIT);
	st = run(inside, out, sizeof(out));
	if (!tap_check(st == 1 && !strstr(out, CANARY) && strstr(out, "Permission denied"),
		       "%s_refused_EACCES", name))
		tap_diag("exit %d: %s", st, out);
	rep = start_report(out);
	if (tap_check(rep != NULL, "%s_start_report", name)) {
		json_t *layers = json_object_get(rep, "layers");

		tap_check(json_is_true(json_object_get(layers, "bpf_lsm")) &&
				  json_integer_value(json_object_get(rep, "masks")) == 0 &&
				  json_array_size(json_object_get(rep, "unenforced")) == 0,
			  "%s_strict_policy_fully_enforced_by_bpf_lsm", name);
	}
	json_decref(rep);
	tap_check(audited(suffix), "%s_bpf_lsm_record_in_audit_log", name);
}

int main(void)
{
	/* The home is outside /tmp: the session has a /tmp of its own. */
	mkdir("/srv", 0755);
	mkdir("/srv/rhome", 0755);
	mkdir("/srv/rhome/.ssh", 0700);
	mkdir("/tmp/rproj", 0755);
	test_write_file("/srv/rhome/.ssh/id_rsa", CANARY "\n", 0600);
	test_write_file("/tmp/rproj/.env", CANARY "\n", 0600);
	test_write_file(POLICY, policy_yaml, 0600);

	attempt("run_read_secret", "/srv/rhome/.ssh/id_rsa", "id_rsa");
	attempt("run_read_dotenv", "/tmp/rproj/.env", ".env");
	return tap_status();
}
