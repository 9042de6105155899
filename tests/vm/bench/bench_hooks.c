// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hook costs inside the VM (`make bench`, second part): open/close, stat, connect and exec
 * loops with cordon not loaded, loaded with the process untagged, and tagged in a session with
 * a realistic policy. Software emulation makes absolute times meaningless: ratios only.
 * Also prints the instructions the verifier processed for each program.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforce/enforce.h"
#include "loader/loader.h"
#include "policy/policy.h"
#include "compile/compile.h"
#include "tap.h"
#include "testutil.h"

#define FILE_PATH "/tmp/proj/src/main.c"

static const char policy_yaml[] =
	"name: bench\n"
	"filesystem:\n"
	"  read: [/]\n"
	"  write: [/tmp]\n"
	"  exec: [/]\n"
	"  protect: [/tmp/proj/.git/hooks]\n"
	"secrets:\n"
	"  files: [/tmp/home/.ssh]\n"
	"  patterns: [.env, \".env.*\", \"*.pem\", \"*.key\", \"id_rsa*\"]\n"
	"network:\n"
	"  connect: [\"127.0.0.1:1-65535\"]\n"
	"process:\n"
	"  exec_deny: [/tmp/deny-nothing]\n";

static uint16_t port;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double loop_open(int n)
{
	double t = now();

	for (int i = 0; i < n; i++)
		close(open(FILE_PATH, O_RDONLY | O_CLOEXEC));
	return now() - t;
}

/* Reads of an open file: file_permission runs on each (inherited descriptors, issue 17). */
static double loop_read(int n)
{
	int fd = open(FILE_PATH, O_RDONLY | O_CLOEXEC);
	char c;
	double t = now();

	for (int i = 0; i < n; i++)
		(void)!pread(fd, &c, 1, 0);
	t = now() - t;
	close(fd);
	return t;
}

static double loop_stat(int n)
{
	struct stat st;
	double t = now();

	for (int i = 0; i < n; i++)
		stat(FILE_PATH, &st);
	return now() - t;
}

static double loop_connect(int n)
{
	double t = now();

	for (int i = 0; i < n; i++)
		tcp_connect(AF_INET, "127.0.0.1", port);
	return now() - t;
}

static double loop_exec(int n)
{
	char *argv[] = { "true", NULL };
	double t = now();

	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			execv("/bin/busybox", argv);
			_exit(127);
		}
		waitpid(p, NULL, 0);
	}
	return now() - t;
}

struct loops {
	double open, stat, connect, exec, read;
};

/* Run every loop in a child (which joins @cgroup first when given); times come back on a pipe. */
static int measure(const char *cgroup, struct loops *out)
{
	int pfd[2], status;
	pid_t p;

	if (pipe(pfd) < 0)
		return -1;
	p = fork();
	if (p == 0) {
		struct loops l;

		if (cgroup && cordon_cgroup_enter(cgroup, 0) < 0)
			_exit(1);
		loop_open(200); /* warm the dentry cache and the task tag */
		l.open = loop_open(20000);
		l.stat = loop_stat(20000);
		l.connect = loop_connect(1000);
		l.exec = loop_exec(100);
		l.read = loop_read(20000);
		(void)!write(pfd[1], &l, sizeof(l));
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], out, sizeof(*out)) != sizeof(*out))
		return -1;
	close(pfd[0]);
	waitpid(p, &status, 0);
	return 0;
}

/* One program's run time so far (kernel.bpf_stats_enabled: run_time_ns, run_cnt). */
struct prog_time {
	uint32_t id;
	char name[16];
	uint64_t ns, runs;
};

#define MAX_PROG_TIMES 512
/* Few: the whole benchmark must end within the VM's BENCH_TIMEOUT under emulation. */
#define PROFILE_PAIRS 3000
/* Emulation makes one round noisy: each program's figure is the median of the rounds. */
#define PROFILE_ROUNDS 5
#define PROFILE_SHOWN  8

/* Every loaded program named cordon_* (the kernel keeps 15 characters of a name). */
static int prog_times(struct prog_time *t)
{
	uint32_t id = 0;
	int n = 0;

	while (n < MAX_PROG_TIMES && bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    !strncmp(info.name, "cordon_", 7)) {
			t[n].id = id;
			memcpy(t[n].name, info.name, sizeof(t[n].name));
			t[n].name[15] = '\0';
			t[n].ns = info.run_time_ns;
			t[n++].runs = info.run_cnt;
		}
		close(fd);
	}
	return n;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One program over the rounds: its run time and runs in each (0 in a round it did not run). */
struct prog_rounds {
	uint32_t id;
	char name[16];
	double ns[PROFILE_ROUNDS], runs[PROFILE_ROUNDS];
	double med_ns, med_per_run;
};

static int by_med_ns_desc(const void *a, const void *b)
{
	const struct prog_rounds *x = a, *y = b;

	return x->med_ns < y->med_ns ? 1 : x->med_ns > y->med_ns ? -1 : 0;
}

/*
 * Which programs an open/close loop runs, and for how long: run_time_ns per program over
 * PROFILE_PAIRS open/close pairs in a child (in @cgroup when given), PROFILE_ROUNDS times, each
 * program's ns/run the median of the rounds, with the kernel's run statistics on for this pass
 * only (they add two clock reads per run, so the ratios are measured without them).
 */
static void profile_open(const char *what, const char *cgroup)
{
	static struct prog_time before[MAX_PROG_TIMES], after[MAX_PROG_TIMES];
	static struct prog_rounds progs[MAX_PROG_TIMES];
	int stats = bpf_enable_stats(BPF_STATS_RUN_TIME), np = 0, nb, na, status;
	double pair[PROFILE_ROUNDS], v[PROFILE_ROUNDS];

	if (stats < 0) {
		printf("# bench: profile %s: no run statistics (%s)\n", what, strerror(errno));
		return;
	}
	memset(progs, 0, sizeof(progs));
	for (int r = 0; r < PROFILE_ROUNDS; r++) {
		uint64_t total = 0;
		pid_t p;

		nb = prog_times(before);
		p = fork();
		if (p == 0) {
			if (cgroup && cordon_cgroup_enter(cgroup, 0) < 0)
				_exit(1);
			loop_open(200);
			loop_open(PROFILE_PAIRS);
			_exit(0);
		}
		waitpid(p, &status, 0);
		na = prog_times(after);
		for (int i = 0; i < na; i++) {
			int k;

			for (int j = 0; j < nb; j++) {
				if (before[j].id != after[i].id)
					continue;
				after[i].ns -= before[j].ns;
				after[i].runs -= before[j].runs;
				break;
			}
			total += after[i].ns;
			for (k = 0; k < np && progs[k].id != after[i].id; k++)
				;
			if (k == np) {
				if (np == MAX_PROG_TIMES)
					continue;
				progs[np].id = after[i].id;
				memcpy(progs[np++].name, after[i].name, sizeof(after[i].name));
			}
			progs[k].ns[r] = (double)after[i].ns;
			progs[k].runs[r] = (double)after[i].runs;
		}
		pair[r] = (double)total / PROFILE_PAIRS;
	}
	close(stats);
	for (int k = 0; k < np; k++) {
		int n = 0;

		for (int r = 0; r < PROFILE_ROUNDS; r++)
			if (progs[k].runs[r] > 0)
				v[n++] = progs[k].ns[r] / progs[k].runs[r];
		progs[k].med_per_run = n ? median(v, n) : 0;
		memcpy(v, progs[k].ns, sizeof(v));
		progs[k].med_ns = median(v, PROFILE_ROUNDS);
	}
	qsort(progs, (size_t)np, sizeof(progs[0]), by_med_ns_desc);
	printf("# bench: profile %s open/close (%d pairs, median of %d rounds): BPF %.0f ns per "
	       "pair (rounds:",
	       what, PROFILE_PAIRS, PROFILE_ROUNDS, median(pair, PROFILE_ROUNDS));
	for (int r = 0; r < PROFILE_ROUNDS; r++)
		printf(" %.0f", pair[r]);
	printf(")\n");
	for (int k = 0; k < np && k < PROFILE_SHOWN && progs[k].med_ns > 0; k++) {
		memcpy(v, progs[k].runs, sizeof(v));
		printf("# bench:   %-16s %6.0f runs %7.0f ns/run (rounds:", progs[k].name,
		       median(v, PROFILE_ROUNDS), progs[k].med_per_run);
		for (int r = 0; r < PROFILE_ROUNDS; r++)
			printf(" %.0f",
			       progs[k].runs[r] > 0 ? progs[k].ns[r] / progs[k].runs[r] : 0.0);
		printf(")\n");
	}
	fflush(stdout);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* How many links in the kernel run a program pinned in @dir (prog-*). */
static int pinned_links(const char *dir)
{
	__u32 ids[256], id = 0;
	int nids = 0, n = 0;
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && nids < 256 && (e = readdir(d))) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		if (strncmp(e->d_name, "prog-", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = bpf_obj_get(path);
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			ids[nids++] = info.id;
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			for (int i = 0; i < nids; i++)
				n += info.prog_id == ids[i];
		close(fd);
	}
	return n;
}

/*
 * Whether ftrace still has a BPF LSM hook patched (enabled_functions lists each function an
 * ftrace user holds: a BPF trampoline is one). Not the run statistics: toggling them patches
 * every program run site of the kernel (a static key), which the 6.12 VM's TCG once did not
 * survive while the slab-free tracepoint ran (an int3 oops in bpf_trace_run3).
 */
static bool lsm_hook_patched(void)
{
	FILE *f = fopen("/sys/kernel/tracing/enabled_functions", "r");
	char line[512];
	bool found = false;

	if (!f)
		f = fopen("/sys/kernel/debug/tracing/enabled_functions", "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "bpf_lsm_", 8);
	if (f)
		fclose(f);
	return found;
}

/*
 * Wait (up to 60 s) until no link of @dir's programs is left and no LSM hook's trampoline
 * either (a link leaves the kernel's list before its trampoline is taken down): the ms it took.
 */
static double detached_after(const char *dir)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((pinned_links(dir) > 0 || lsm_hook_patched()) && ms_since(&t0) < 60000)
		nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
	return ms_since(&t0);
}

/*
 * What the programs that come and go with the sessions cost a session's creation: a session
 * made with none alive (it attaches them: the LSM programs' trampolines, the tracing programs'
 * perf events) against one made beside it (they are attached), median of 5 rounds, each
 * after the last session's end detached them. 0 or -errno.
 */
static int session_create_cost(struct cordon_bpf *b, const char *root, const char *dir,
			       uint32_t flags)
{
	double cold[5], warm[5], gone[5];
	int r = 0;

	for (int i = 0; i < 5 && r == 0; i++) {
		struct cordon_session_ctx s = { .procs_fd = -1 }, beside = { .procs_fd = -1 };
		struct timespec t0;

		/* The last end's detach finishes in a workqueue: waited for, and timed. */
		gone[i] = detached_after(dir);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = cordon_session_create_shared(&s, b, root, flags ?: CORDON_SESSION_NET, 0);
		cold[i] = ms_since(&t0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (r == 0)
			r = cordon_session_create_shared(&beside, b, root,
							 flags ?: CORDON_SESSION_NET, 0);
		warm[i] = ms_since(&t0);
		if (r == 0)
			cordon_session_destroy(&beside);
		cordon_session_destroy(&s);
	}
	if (r == 0)
		printf("# bench: session creation, programs detached (attached by it) %.2f ms, "
		       "attached (beside a session) %.2f ms; the last end's detach done %.0f ms "
		       "after the release (medians of 5)\n",
		       median(cold, 5), median(warm, 5), median(gone, 5));
	fflush(stdout);
	return r;
}

/*
 * Pinned programs (the daemon's, root's `cordon run`) once their last session has ended: the
 * LSM and tracing programs are detached then, so this is the untagged cost with cordon idle.
 * 0 or -1.
 */
static int measure_idle_pinned(struct cordon_bpf_opts o, const struct pol_maps *maps, bool lsm,
			       struct loops *idle)
{
	struct cordon_session_ctx s = { .procs_fd = -1 };
	struct cordon_bpf *b = NULL;
	const char *failed = NULL;
	int r;

	o.pin_dir = "/sys/fs/bpf/cordon-bench";
	/* Detached at the release, not after the grace period (5 s: the loops would run inside it
	 * with the tracing programs still attached, and measure them). */
	o.trace_grace_s = -1;
	if (cordon_bpffs_ensure(o.pin_dir) < 0 || cordon_bpf_start(&o, &b) < 0)
		return -1;
	cordon_bpf_pins_unlock(b);
	r = cordon_bpf_trace_release(b, false);
	if (r == 0)
		r = session_create_cost(b, o.cgroup_root, o.pin_dir, lsm ? maps->session_flags : 0);
	if (r == 0)
		r = cordon_session_create_shared(&s, b, o.cgroup_root,
						 lsm ? maps->session_flags : CORDON_SESSION_NET, 0);
	if (r == 0)
		r = cordon_session_fill(&s, maps, lsm, &failed);
	/* The last session ends: its release detaches the programs (their links' teardown runs
	 * from a workqueue: waited for, so the loops meet none of them). */
	cordon_session_destroy(&s);
	printf("# bench: the last session's programs detached %.0f ms after its end\n",
	       detached_after(o.pin_dir));
	if (r == 0)
		r = measure(NULL, idle);
	if (r == 0)
		profile_open("no session (pinned)", NULL);
	cordon_bpf_stop(b);
	cordon_bpf_pins_retire(o.pin_dir);
	return r;
}

/*
 * Pretend an auto-confined agent somewhere holds an inherited denied file (inherited_live
 * non-zero): file_permission then looks each read's file up in inherited_files. 0 or -1.
 */
static int set_inherited_live(__u64 v)
{
	__u32 id = 0, zero = 0;
	int r = -1;

	while (bpf_map_get_next_id(id, &id) == 0) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    !strcmp(info.name, "inherited_live") &&
		    bpf_map_update_elem(fd, &zero, &v, 0) == 0)
			r = 0;
		close(fd);
	}
	return r;
}

static void print_insns(void *ctx, const char *name, uint32_t insns)
{
	(void)ctx;
	printf("# bench: verifier %-28s %u insns\n", name, insns);
}

int main(void)
{
	struct policy_errors errs = { 0 };
	struct policy_resolve_opts ro = { 0 };
	struct policy_search search = { .no_builtin = true };
	struct cordon_session_ctx s = { .procs_fd = -1 };
	struct policy *p = NULL, *resolved = NULL;
	struct pol_maps maps = { 0 };
	struct policy_vars vars;
	struct loops base, untagged, tagged, untagged_nt, tagged_nt, idle;
	struct loops hot_untagged = { 0 }, hot_tagged = { 0 };
	struct cordon_bpf_opts o = { 0 };
	const char *failed = NULL;
	bool lsm;
	pid_t acceptor;
	char root[4200], uname_r[128] = "";
	FILE *f;
	int l;

	mkdir("/tmp/proj", 0755);
	mkdir("/tmp/proj/src", 0755);
	close(open(FILE_PATH, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	l = tcp_listener(AF_INET, &port);
	if (l < 0 || test_cgroup_root(root, sizeof(root), "bench") < 0)
		return tap_check(false, "bench_setup"), 1;
	o.cgroup_root = root;
	/* An acceptor drains the backlog, so every connect of the loop completes. */
	acceptor = fork();
	if (acceptor == 0) {
		for (;;) {
			int c = accept(l, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	}
	f = fopen("/proc/sys/kernel/osrelease", "r");
	if (f && fgets(uname_r, sizeof(uname_r), f))
		uname_r[strcspn(uname_r, "\n")] = '\0';
	if (f)
		fclose(f);

	/* The first pass warms caches; the second is the baseline. */
	measure(NULL, &base);
	tap_check(measure(NULL, &base) == 0, "bench_not_loaded");

	policy_vars_placeholder(&vars);
	ro.search = &search;
	ro.vars = &vars;
	if (policy_parse("bench.yaml", policy_yaml, strlen(policy_yaml), &p, &errs) < 0 ||
	    policy_resolve_parsed(p, &ro, &resolved, &errs) < 0 ||
	    policy_compile_maps(resolved, 1, NULL, NULL, &maps, &errs) < 0)
		return tap_check(false, "bench_policy"), 1;
	/* On a kernel that refuses BPF LSM (the build host) this measures the cgroup programs. */
	libbpf_set_print(NULL);
	/* First the enforcement programs alone, then with the audit tracepoints too. */
	o.no_trace = true;
	o.lsm = true;
	lsm = cordon_session_create_opts(&s, &o, maps.session_flags) == 0;
	o.lsm = lsm;
	if (!lsm && cordon_session_create_opts(&s, &o, CORDON_SESSION_NET) < 0)
		return tap_check(false, "bench_session"), 1;
	if (cordon_session_fill(&s, &maps, lsm, &failed) < 0)
		return tap_check(false, "bench_session_rules"), 1;
	tap_check(measure(NULL, &untagged_nt) == 0, "bench_enforcement_only_untagged");
	tap_check(measure(s.cgroup, &tagged_nt) == 0, "bench_enforcement_only_tagged");
	cordon_session_destroy(&s);

	o.no_trace = false;
	if (cordon_session_create_opts(&s, &o, lsm ? maps.session_flags : CORDON_SESSION_NET) < 0 ||
	    cordon_session_fill(&s, &maps, lsm, &failed) < 0)
		return tap_check(false, "bench_session_with_audit"), 1;
	cordon_bpf_prog_stats(s.bpf, print_insns, NULL);

	tap_check(measure(NULL, &untagged) == 0, "bench_loaded_untagged");
	tap_check(measure(s.cgroup, &tagged) == 0, "bench_tagged");
	if (lsm) {
		tap_check(set_inherited_live(1) == 0 && measure(NULL, &hot_untagged) == 0 &&
				  measure(s.cgroup, &hot_tagged) == 0 && set_inherited_live(0) == 0,
			  "bench_inherited_file_held");
		/* Printed here too: the file_permission cost, whatever happens later. */
		printf("# bench: read loop (file_permission), ratios to not loaded: untagged %.2fx "
		       "tagged %.2fx; with an inherited denied file held somewhere: untagged "
		       "%.2fx tagged %.2fx\n",
		       untagged.read / base.read, tagged.read / base.read,
		       hot_untagged.read / base.read, hot_tagged.read / base.read);
		fflush(stdout);
	}
	profile_open("untagged", NULL);
	profile_open("tagged", s.cgroup);
	cordon_session_destroy(&s);
	tap_check(measure_idle_pinned(o, &maps, lsm, &idle) == 0, "bench_pinned_idle_untagged");

	printf("# bench: %s programs on %s (ratios to not loaded)\n",
	       lsm ? "BPF LSM + cgroup" : "cgroup (no BPF LSM here)", uname_r);
	printf("# bench: %-10s %22s %22s\n", "", "enforcement programs", "+ audit tracepoints");
	printf("# bench: %-10s %10s %10s %10s %10s\n", "loop", "untagged", "tagged", "untagged",
	       "tagged");
#define ROW(name, f)                                                                         \
	printf("# bench: %-10s %9.2fx %9.2fx %9.2fx %9.2fx\n", name, untagged_nt.f / base.f, \
	       tagged_nt.f / base.f, untagged.f / base.f, tagged.f / base.f)
	ROW("open/close", open);
	ROW("stat", stat);
	ROW("connect", connect);
	ROW("exec", exec);
	ROW("read", read);
#undef ROW
	if (lsm)
		printf("# bench: an inherited denied file held somewhere (file_permission looks "
		       "each read up): read untagged %.2fx tagged %.2fx\n",
		       hot_untagged.read / base.read, hot_tagged.read / base.read);
	printf("# bench: pinned programs, no session (LSM and tracing detached), untagged: "
	       "open/close "
	       "%.2fx stat %.2fx connect %.2fx exec %.2fx\n",
	       idle.open / base.open, idle.stat / base.stat, idle.connect / base.connect,
	       idle.exec / base.exec);
	cordon_cgroup_remove(root);
	pol_maps_free(&maps);
	if (resolved)
		policy_free(resolved);
	policy_errors_free(&errs);
	kill(acceptor, SIGKILL);
	waitpid(acceptor, NULL, 0);
	close(l);
	return tap_status();
}
