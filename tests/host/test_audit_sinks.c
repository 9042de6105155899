// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit sinks of `cordon run`, each for real: --audit-log with --audit-max-size and
 * --audit-keep rotates into FILE.1 .. FILE.N with whole lines and nothing lost (lines counted
 * against the session-end counts, and read back in order by `cordon audit`); --audit-stdout
 * carries the records without a file; --audit-journal speaks journald's native protocol to
 * /run/systemd/journal/socket and falls back to syslog on /dev/log. The journal and syslog
 * sockets are the test's own, in a private mount namespace, so no journald is needed.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"
#include "audit_valid.h"
#include "tap.h"
#include "testutil.h"

/* The agent: N refused reads (exec, refusal and exit records each), then exit 3. */
/* Refused reads of a file outside the policy (not /etc/shadow: the policy allows reading /etc,
 * so its EACCES is file permissions, not a cordon refusal). */
#define OUTSIDE "/srv/cordon-test-sinks-outside"
#define LOOP_AGENT \
	"i=0; while [ $i -lt %d ]; do cat " OUTSIDE " 2>/dev/null; i=$((i+1)); done; exit 3"

static const char *cordon;
static json_t *schema;
static char dir[] = "/tmp/cordon-sinks-XXXXXX";
static char proj[64]; /* the sessions' project: the logs beside it, never in it */

static const char *sget(json_t *r, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(r, a), b));
}

static json_int_t iget(json_t *r, const char *a, const char *b, const char *c)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(r, a), b), c));
}

/* Run `cordon run --user nobody ... OPTS -- sh -c AGENT`, stdout to @out_fd (or /dev/null). */
static pid_t spawn(char *const opts[], const char *agent, int out_fd)
{
	char *argv[32] = { (char *)cordon, "run",    "--allow-degraded", "--policy", "offline",
			   "--user",	   "nobody", "--project",	 proj };
	int n = 9;
	pid_t p;

	for (int i = 0; opts[i]; i++)
		argv[n++] = opts[i];
	argv[n++] = "--";
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = (char *)agent;
	argv[n] = NULL;
	fflush(NULL);
	p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(cordon, argv);
		_exit(127);
	}
	return p;
}

static int wait_status(pid_t p)
{
	int status;

	if (p < 0 || waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int run(char *const opts[], const char *agent)
{
	return wait_status(spawn(opts, agent, -1));
}

/* Every line of @path: whole, JSON, schema-valid. Appends the records to @recs. */
static bool read_file(const char *path, json_t *recs, long *bytes)
{
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t n;
	bool ok = true;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *j = json_loads(line, 0, NULL);

		if (line[n - 1] != '\n' || !j || audit_schema_validate(j, err, 512)) {
			tap_diag("%s: bad line: %.200s", path, line);
			ok = false;
		}
		if (j)
			json_array_append_new(recs, j);
	}
	*bytes = ftell(f);
	fclose(f);
	free(line);
	return ok;
}

static void test_rotation(void)
{
	char log[128], path[160], agent[256], size_opt[] = "16K", cmd[512];
	char *opts[] = { "--audit-log",
			 log,
			 "--audit-max-size",
			 size_opt,
			 "--audit-keep",
			 "99",
			 "--audit-fsync",
			 "always",
			 NULL };
	json_t *recs = json_array(), *end;
	bool whole = true, within = true;
	long bytes = 0, exec, exits, refusals, lost_lines = 0, represented = 0, copies = 0;
	int files = 0, shown = -1, first = -1;
	FILE *p;

	snprintf(log, sizeof(log), "%s/rot.jsonl", dir);
	snprintf(agent, sizeof(agent), LOOP_AGENT, 300);
	tap_check(run(opts, agent) == 3, "rotation_run_returns_the_agent_status");
	/* Oldest first: FILE.N .. FILE.1, then FILE. */
	for (int i = 99; i >= 0; i--) {
		if (i)
			snprintf(path, sizeof(path), "%s.%d", log, i);
		else
			snprintf(path, sizeof(path), "%s", log);
		if (access(path, F_OK))
			continue;
		files++;
		whole = read_file(path, recs, &bytes) && whole;
		within = within && bytes <= 16 * 1024;
	}
	snprintf(path, sizeof(path), "%s.%d", log, files - 1); /* files counts FILE too */
	tap_check(files >= 3 && access(path, F_OK) == 0, "rotation_made_file_1_to_N (%d files)",
		  files);
	tap_check(whole, "every_line_of_every_file_is_a_whole_valid_record");
	tap_check(within, "no_file_exceeds_audit_max_size");
	end = json_array_get(recs, json_array_size(recs) - 1);
	tap_check(json_array_size(recs) > 0 &&
			  !strcmp(sget(json_array_get(recs, 0), "event", "action") ?: "",
				  "session-start") &&
			  !strcmp(sget(end, "event", "action") ?: "", "session-end"),
		  "oldest_file_starts_with_session_start_newest_ends_with_session_end");
	for (size_t i = 0; i < json_array_size(recs); i++) {
		json_t *c = json_object_get(json_array_get(recs, i), "cordon");

		lost_lines += !strcmp(sget(json_array_get(recs, i), "event", "action") ?: "",
				      "events-lost");
		/* A summary line stands for cordon.repeated refusals; a session-start copy for
		 * none. */
		if (json_is_integer(json_object_get(c, "repeated")))
			represented += json_integer_value(json_object_get(c, "repeated")) - 1;
		copies += json_is_true(json_object_get(c, "rotation_copy"));
	}
	exec = (long)iget(end, "cordon", "counts", "exec");
	exits = (long)iget(end, "cordon", "counts", "exit");
	refusals = (long)iget(end, "cordon", "counts", "refusals");
	tap_check(refusals >= 300 && (long)json_array_size(recs) - copies + represented ==
					     2 + exec + exits + refusals + lost_lines,
		  "nothing_lost_across_files (%zu lines == 2 + %ld exec + %ld exit + %ld refusals "
		  "+ %ld loss records)",
		  json_array_size(recs), exec, exits, refusals, lost_lines);
	/* `cordon audit` reads the rotated files back in order. */
	snprintf(cmd, sizeof(cmd),
		 "%s audit --json %s | head -1 | grep -c session-start; %s audit "
		 "--json %s | wc -l",
		 cordon, log, cordon, log);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%d %d", &first, &shown) != 2)
		first = shown = -1;
	tap_check(first == 1 && shown == (int)json_array_size(recs),
		  "cordon_audit_reads_every_rotated_file_in_order (%d lines)", shown);
	if (p)
		pclose(p);
	snprintf(cmd, sizeof(cmd), "%s audit --json %s | tail -1 | grep -c session-end", cordon,
		 log);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%d", &shown) != 1)
		shown = -1;
	tap_check(shown == 1, "cordon_audit_ends_with_the_newest_record");
	if (p)
		pclose(p);
	for (int i = 0; i <= files; i++) {
		if (i)
			snprintf(path, sizeof(path), "%s.%d", log, i);
		else
			snprintf(path, sizeof(path), "%s", log);
		unlink(path);
	}
	json_decref(recs);
}

static void test_keep(void)
{
	char log[128], path[160], agent[256];
	char *opts[] = { "--audit-log", log, "--audit-max-size", "8K", "--audit-keep", "2", NULL };

	snprintf(log, sizeof(log), "%s/keep.jsonl", dir);
	snprintf(agent, sizeof(agent), LOOP_AGENT, 100);
	run(opts, agent);
	snprintf(path, sizeof(path), "%s.2", log);
	tap_check(access(log, F_OK) == 0 && access(path, F_OK) == 0, "keep_2_keeps_file_1_and_2");
	unlink(path);
	snprintf(path, sizeof(path), "%s.3", log);
	tap_check(access(path, F_OK) != 0, "keep_2_removes_file_3");
	snprintf(path, sizeof(path), "%s.1", log);
	unlink(path);
	unlink(log);
}

static void test_bad_values(void)
{
	static const char *const bad[][2] = {
		{ "--audit-max-size", "12Q" }, { "--audit-max-size", "-5" },
		{ "--audit-keep", "100" },     { "--audit-keep", "x" },
		{ "--audit-fsync", "often" },
	};
	char log[128];

	snprintf(log, sizeof(log), "%s/bad.jsonl", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *opts[] = { "--audit-log", log, (char *)bad[i][0], (char *)bad[i][1], NULL };

		tap_check(run(opts, "exit 0") == 2 && access(log, F_OK) != 0,
			  "bad_value_%s_%s_is_usage_error_before_anything_starts", bad[i][0] + 2,
			  bad[i][1]);
	}
	{
		char *opts[] = { "--audit-keep", "3", NULL };

		tap_check(run(opts, "exit 0") == 2, "file_option_without_audit_log_is_usage_error");
	}
}

static void test_stdout(void)
{
	char *opts[] = { "--audit-stdout", NULL };
	char *line = NULL;
	size_t cap = 0;
	int pfd[2], records = 0, start = 0, end = 0, refusal = 0, agent_line = 0, status;
	json_t *last = NULL;
	pid_t p;
	FILE *f;

	if (pipe(pfd) < 0)
		return;
	p = spawn(opts, "cat " OUTSIDE "; echo agent-says-hello; exit 5", pfd[1]);
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (f && getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		const char *action = sget(j, "event", "action");

		if (!j) {
			agent_line += !strcmp(line, "agent-says-hello\n");
			continue;
		}
		records++;
		start += records == 1 && action && !strcmp(action, "session-start");
		refusal += action && !strcmp(action, "syscall-openat") &&
			   !strcmp(sget(j, "file", "path") ?: "", OUTSIDE);
		json_decref(last);
		last = j;
	}
	end = last && !strcmp(sget(last, "event", "action") ?: "", "session-end");
	status = wait_status(p);
	tap_check(status == 5, "stdout_run_returns_the_agent_status");
	tap_check(start && end && refusal == 1 && records >= 5,
		  "stdout_carries_the_records_without_a_file (%d records)", records);
	tap_check(agent_line == 1, "stdout_still_carries_the_agent_output");
	json_decref(last);
	free(line);
	if (f)
		fclose(f);
}

/* A datagram socket of our own at @path; the parent dir must exist. */
static int dgram_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

/*
 * In a private mount namespace (a child): our own journald socket, or no journald and our own
 * /dev/log (an overlay on /dev); run cordon with --audit-journal and store every datagram in
 * @out as a 4-byte length and the bytes.
 */
static void collect(bool journal, const char *out)
{
	char *opts[] = { "--audit-journal", NULL };
	char upper[160], work[160], data[400];
	int fd, o;
	pid_t p;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0)
		_exit(10);
	if (journal) {
		if (mkdir("/run/systemd", 0755) < 0 || mkdir("/run/systemd/journal", 0755) < 0)
			_exit(11);
		fd = dgram_at("/run/systemd/journal/socket");
	} else {
		/* /dev with a writable layer of our own on top, for a /dev/log of ours. */
		snprintf(upper, sizeof(upper), "%s/upper", dir);
		snprintf(work, sizeof(work), "%s/work", dir);
		snprintf(data, sizeof(data), "lowerdir=/dev,upperdir=%s,workdir=%s", upper, work);
		if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0 ||
		    mount("overlay", "/dev", "overlay", 0, data) < 0)
			_exit(12);
		unlink("/dev/log");
		fd = dgram_at("/dev/log");
	}
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || o < 0)
		_exit(13);
	p = spawn(opts, "cat " OUTSIDE "; exit 4", -1);
	for (bool done = false; !done;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		char buf[65536];
		int status;

		/* Read while cordon runs: a datagram queue is short and cordon never blocks. */
		if (poll(&pf, 1, 50) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			uint32_t len = n > 0 ? (uint32_t)n : 0;

			if (n > 0 && (write(o, &len, 4) != 4 || write(o, buf, len) != (ssize_t)len))
				_exit(14);
			continue;
		}
		done = waitpid(p, &status, WNOHANG) == p;
	}
	close(o);
	_exit(0);
}

/* journald native protocol: KEY=value lines, or KEY\n, 64-bit LE length, bytes, \n. */
static bool journal_field(const char *d, size_t n, const char *key, char *val, size_t vlen)
{
	size_t klen = strlen(key), i = 0;

	while (i < n) {
		const char *eol = memchr(d + i, '\n', n - i), *eq;
		size_t l;

		if (!eol)
			return false;
		eq = memchr(d + i, '=', (size_t)(eol - d - i));
		if (eq) {
			l = (size_t)(eol - eq - 1);
			if ((size_t)(eq - d - i) == klen && !memcmp(d + i, key, klen)) {
				snprintf(val, vlen, "%.*s", (int)l, eq + 1);
				return true;
			}
			i = (size_t)(eol - d) + 1;
			continue;
		}
		{
			uint64_t le;
			size_t name = (size_t)(eol - d - i);

			if ((size_t)(eol - d) + 9 > n)
				return false;
			memcpy(&le, eol + 1, 8);
			l = (size_t)le64toh(le);
			if (name == klen && !memcmp(d + i, key, klen)) {
				snprintf(val, vlen, "%.*s", (int)l, eol + 9);
				return true;
			}
			i = (size_t)(eol - d) + 9 + l + 1;
		}
	}
	return false;
}

static void test_journal(bool journal)
{
	char out[160], msg[65536], v[256];
	int total = 0, start = 0, end = 0, refusal = 0, keys_ok = 1, status;
	uint32_t len;
	pid_t p;
	FILE *f;

	snprintf(out, sizeof(out), "%s/%s.bin", dir, journal ? "journal" : "syslog");
	fflush(NULL);
	p = fork();
	if (p == 0)
		collect(journal, out);
	status = wait_status(p);
	if (!tap_check(status == 0, "%s_socket_set_up (status %d)", journal ? "journal" : "syslog",
		       status))
		return;
	f = fopen(out, "r");
	while (f && fread(&len, 4, 1, f) == 1 && len < sizeof(msg) && fread(msg, len, 1, f) == 1) {
		char line[65536];
		const char *json = line;
		json_t *j;

		total++;
		if (journal) {
			if (!journal_field(msg, len, "MESSAGE", line, sizeof(line)))
				continue;
		} else {
			/* "<PRI>TIMESTAMP cordon[PID]: JSON" */
			char *c;

			snprintf(line, sizeof(line), "%.*s", (int)len, msg);
			c = strstr(line, "cordon[");
			json = c ? strchr(c, '{') : NULL;
			if (!json)
				continue;
		}
		j = json_loads(json, 0, NULL);
		if (!j)
			continue;
		start += !strcmp(sget(j, "event", "action") ?: "", "session-start");
		end += !strcmp(sget(j, "event", "action") ?: "", "session-end");
		if (!strcmp(sget(j, "event", "action") ?: "", "syscall-openat")) {
			refusal++;
			if (journal)
				keys_ok = keys_ok &&
					  journal_field(msg, len, "PRIORITY", v, sizeof(v)) &&
					  !strcmp(v, "4") &&
					  journal_field(msg, len, "CORDON_SESSION", v, sizeof(v)) &&
					  !strcmp(v, sget(j, "cordon", "session") ?: "") &&
					  journal_field(msg, len, "CORDON_LAYER", v, sizeof(v)) &&
					  !strcmp(v, "landlock") &&
					  journal_field(msg, len, "SYSLOG_IDENTIFIER", v,
							sizeof(v)) &&
					  !strcmp(v, "cordon");
			else /* authpriv (10) * 8 + warning (4) */
				keys_ok = keys_ok && !strncmp(line, "<84>", 4);
		}
		json_decref(j);
	}
	if (f)
		fclose(f);
	unlink(out);
	tap_check(start == 1 && end == 1 && refusal == 1,
		  "%s_receives_the_session_records (%d messages)", journal ? "journald" : "syslog",
		  total);
	tap_check(keys_ok, "%s_refusal_has_its_priority_and_fields",
		  journal ? "journald" : "syslog");
}

int main(void)
{
	char path[160];
	json_error_t je;

	cordon = getenv("CORDON_BIN");
	if (geteuid() != 0 || !cordon || access(cordon, X_OK)) {
		tap_skip("needs root and CORDON_BIN", "audit_sinks");
		return 0;
	}
	if (access("/sys/kernel/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	schema = json_load_file("docs/audit-schema.json", 0, &je);
	if (!tap_check(schema && mkdtemp(dir), "setup"))
		return 1;
	chmod(dir, 0755);
	snprintf(proj, sizeof(proj), "%s/proj", dir);
	mkdir(proj, 0755);
	mkdir("/srv", 0755);
	test_put(OUTSIDE, "x\n");
	chmod(OUTSIDE, 0644);
	test_bad_values();
	test_rotation();
	test_keep();
	test_stdout();
	test_journal(true);
	test_journal(false);
	json_decref(schema);
	unlink(OUTSIDE);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		tap_diag("could not remove %s", dir);
	return tap_status();
}
