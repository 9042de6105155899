// SPDX-License-Identifier: GPL-2.0-only
/*
 * One session's flood cannot silence another (issue 17): on the shared ring buffer, session A
 * floods refused opens (Landlock, EACCES, seen at sys_exit_openat) while the reader is stalled,
 * until A's records are being lost; session B then makes N refused opens of distinct files.
 * Every one of B's records must reach the reader and the JSON log, B must lose nothing, and A's
 * loss must be exact: A's records received + A's lost == what A did. Without the per-session
 * share, A fills the whole ring and B's refusals are all lost (the test fails).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "loader/loader.h"
#include "tap.h"
#include "testutil.h"

#define N_B	 200 /* B's refusals, each of its own file */
#define ID_A	 81
#define ID_B	 82
#define NAME_A	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NAME_B	 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define MAX_WAIT 30 /* seconds for A to overflow its share */

/* tests/vm/test_ring_share.c: the same test with the BPF LSM programs loaded (6.1, 6.12). */
#ifndef RING_SHARE_LSM
#define RING_SHARE_LSM false
#endif

struct counts {
	unsigned long attempts, refused;
};

/* Shared with the flooder: set by the parent to end the flood. */
static volatile int *stop;
static char flood_path[300]; /* the file A opens (made by the test: the VM has no /etc/hostname) */

struct tally {
	struct cordon_audit_stream *st;
	unsigned long records[2], opens[2]; /* per session (A, B): all records, openat refusals */
	unsigned long other;		    /* records of neither session */
};

static int sess_index(uint32_t id)
{
	return id == ID_A ? 0 : id == ID_B ? 1 : -1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tally *t = ctx;
	const struct cordon_event_hdr *h = data;
	int i = size >= sizeof(*h) ? sess_index(h->session) : -1;

	if (i < 0) {
		t->other++;
	} else {
		t->records[i]++;
		if (h->type == CORDON_EV_SYSCALL && h->hook == CORDON_HOOK_SYS_OPENAT)
			t->opens[i]++;
	}
	return cordon_audit_stream_event(t->st, data, size);
}

static const struct cordon_audit_ctx *ctx_of(void *arg, uint32_t id, uint64_t cgroup_id)
{
	static const struct cordon_audit_ctx a = { .session = NAME_A,
						   .policy = "flood",
						   .host = "host" },
					     b = { .session = NAME_B,
						   .policy = "quiet",
						   .host = "host" };

	(void)arg;
	(void)cgroup_id;
	return id == ID_A ? &a : id == ID_B ? &b : NULL;
}

/* In session @cg under a Landlock ruleset that allows reading nothing (never returns). */
static void confine(const char *cg)
{
	struct cordon_landlock_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE };
	int rs;

	if (cordon_cgroup_enter(cg, 0) < 0)
		_exit(2);
	rs = cordon_landlock_create(&attr);
	if (rs < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    cordon_landlock_restrict_self(rs, 0) < 0)
		_exit(4);
}

/* Session A: refused opens of one file until told to stop. */
static void flood(const char *cg, int out)
{
	struct counts c = { 0 };

	confine(cg);
	while (!*stop) {
		int fd = open(flood_path, O_RDONLY);

		c.attempts++;
		if (fd < 0 && errno == EACCES)
			c.refused++;
		else if (fd >= 0)
			close(fd);
	}
	_exit(write(out, &c, sizeof(c)) == sizeof(c) ? 0 : 3);
}

/* Session B: one refused open of each of its N_B files. */
static void quiet(const char *cg, const char *dir, int out)
{
	struct counts c = { 0 };
	char path[256];

	confine(cg);
	for (int i = 0; i < N_B; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/b-%d", dir, i);
		fd = open(path, O_RDONLY);
		c.attempts++;
		if (fd < 0 && errno == EACCES)
			c.refused++;
		else if (fd >= 0)
			close(fd);
	}
	_exit(write(out, &c, sizeof(c)) == sizeof(c) ? 0 : 3);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* B's refusal records in the log @path: lines of session B naming one of its files. */
static unsigned long b_lines(const char *path, const char *dir)
{
	FILE *f = fopen(path, "r");
	char line[8192], prefix[300];
	unsigned long n = 0;

	snprintf(prefix, sizeof(prefix), "%s/b-", dir);
	while (f && fgets(line, sizeof(line), f)) {
		json_t *rec = json_loads(line, 0, NULL);
		const char *sess = json_string_value(
			json_object_get(json_object_get(rec, "cordon"), "session"));
		const char *fp =
			json_string_value(json_object_get(json_object_get(rec, "file"), "path"));

		if (sess && !strcmp(sess, NAME_B) && fp && !strncmp(fp, prefix, strlen(prefix)))
			n++;
		json_decref(rec);
	}
	if (f)
		fclose(f);
	return n;
}

int main(void)
{
	struct cordon_bpf_opts o = { .lsm = RING_SHARE_LSM };
	struct cordon_session sa = { .id = ID_A }, sb = { .id = ID_B };
	struct cordon_audit_stream *st = calloc(1, sizeof(*st));
	struct cordon_audit_sink_opts so = { .fd = -1 };
	char root[4200], cga[4300], cgb[4300], dir[] = "/tmp/cordon-share-XXXXXX", log[64], p[300];
	struct cordon_ring_use ua = { 0 }, ub = { 0 };
	struct counts ca = { 0 }, cb = { 0 };
	struct tally t = { .st = st };
	unsigned long in_log;
	uint64_t cgid;
	struct cordon_bpf *b = NULL;
	struct ring_buffer *rb;
	int pa[2], pb[2], status, r;
	pid_t fa, fb;
	double t0;

	if (geteuid() != 0) {
		tap_skip("needs root", "ring_share");
		return 0;
	}
	if (access("/sys/kernel/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stop == MAP_FAILED || test_cgroup_root(root, sizeof(root), "share") < 0 ||
	    !mkdtemp(dir))
		return tap_check(false, "setup"), 1;
	for (int i = 0; i < N_B; i++) {
		snprintf(p, sizeof(p), "%s/b-%d", dir, i);
		close(open(p, O_WRONLY | O_CREAT, 0644));
	}
	snprintf(flood_path, sizeof(flood_path), "%s/flood", dir);
	close(open(flood_path, O_WRONLY | O_CREAT, 0644));
	o.cgroup_root = root;
	r = cordon_bpf_start(&o, &b);
	if (!tap_check(r == 0, "bpf_loaded"))
		return 1;
	snprintf(cga, sizeof(cga), "%s/a", root);
	snprintf(cgb, sizeof(cgb), "%s/b", root);
	tap_check(cordon_cgroup_create(cga) == 0 && cordon_cgroup_id(cga, &cgid) == 0 &&
			  cordon_bpf_session_add(b, cgid, &sa) == 0 &&
			  cordon_cgroup_create(cgb) == 0 && cordon_cgroup_id(cgb, &cgid) == 0 &&
			  cordon_bpf_session_add(b, cgid, &sb) == 0,
		  "two_sessions_on_the_shared_ring");
	snprintf(log, sizeof(log), "%s/audit.jsonl", dir);
	so.path = log;
	st->ctx = (struct cordon_audit_ctx){ .session = "daemon", .host = "host" };
	st->session_ctx = ctx_of;
	if (!tap_check(cordon_audit_sink_open(&so, &st->sink) == 0, "json_file_sink_open"))
		return 1;
	rb = cordon_bpf_events(b, on_event, &t);
	if (pipe(pa) < 0 || pipe(pb) < 0)
		return 1;

	/* The reader stalls: A floods until the kernel refuses its records. */
	fflush(NULL);
	fa = fork();
	if (fa == 0)
		flood(cga, pa[1]);
	t0 = now();
	while (cordon_bpf_ring_use(b, ID_A, &ua) == 0 && !ua.over_share && now() - t0 < MAX_WAIT)
		usleep(10000);
	tap_check(ua.over_share > 0, "flooder_over_its_share_while_the_reader_stalls (%llu lost)",
		  (unsigned long long)ua.over_share);

	/* B refuses N_B times while A goes on flooding and nobody reads. */
	fb = fork();
	if (fb == 0)
		quiet(cgb, dir, pb[1]);
	waitpid(fb, &status, 0);
	r = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    read(pb[0], &cb, sizeof(cb)) == sizeof(cb);
	tap_check(r && cb.refused == N_B && cb.attempts == N_B,
		  "quiet_session_refused_%d_times (%lu of %lu)", N_B, cb.refused, cb.attempts);
	*stop = 1;
	waitpid(fa, &status, 0);
	r = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    read(pa[0], &ca, sizeof(ca)) == sizeof(ca);
	tap_check(r && ca.refused == ca.attempts && ca.attempts > 0,
		  "every_flooded_open_refused (%lu of %lu)", ca.refused, ca.attempts);

	/* Now read everything. */
	while (ring_buffer__consume(rb) > 0)
		;
	cordon_audit_stream_release(st);
	cordon_audit_sink_close(st->sink);
	st->sink = NULL;
	cordon_bpf_ring_use(b, ID_A, &ua);
	cordon_bpf_ring_use(b, ID_B, &ub);

	tap_check(t.opens[1] == N_B,
		  "every_refusal_of_the_quiet_session_reached_the_reader (%lu "
		  "of %d)",
		  t.opens[1], N_B);
	tap_check(ub.lost == 0, "quiet_session_lost_nothing (%llu)", (unsigned long long)ub.lost);
	in_log = b_lines(log, dir);
	tap_check(in_log == N_B, "every_refusal_of_the_quiet_session_is_in_the_log (%lu of %d)",
		  in_log, N_B);
	/*
	 * A's records: its refused opens and its flooder's exit. Each one reached the reader or
	 * was counted lost for A: nothing vanished, nothing was counted twice.
	 */
	tap_check(t.records[0] + ua.lost == ca.refused + 1,
		  "flooder_received_plus_lost_equals_what_it_did (%lu + %llu == %lu + 1 exit)",
		  t.records[0], (unsigned long long)ua.lost, ca.refused);
	tap_check(ua.lost >= ua.over_share && ua.lost > 0, "flooder_lost_its_own_records");
	tap_check(t.other == 0, "no_records_of_other_sessions (%lu)", t.other);
	tap_diag("ring share: A made %lu refusals, %lu reached the reader, %llu lost (%llu over "
		 "its share); B made %lu, %lu reached the reader",
		 ca.refused, t.opens[0], (unsigned long long)ua.lost,
		 (unsigned long long)ua.over_share, cb.refused, t.opens[1]);

	ring_buffer__free(rb);
	cordon_bpf_stop(b);
	cordon_cgroup_remove(cga);
	cordon_cgroup_remove(cgb);
	cordon_cgroup_remove(root);
	for (int i = 0; i < N_B; i++) {
		snprintf(p, sizeof(p), "%s/b-%d", dir, i);
		unlink(p);
	}
	unlink(log);
	unlink(flood_path);
	rmdir(dir);
	free(st);
	return tap_status();
}
