// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flood: a session refuses a million connects (cgroup/connect4, EPERM) and opens (Landlock,
 * EACCES, seen at sys_exit_openat) issued as fast as two processes can. Enforcement must stay
 * total, and every attempt must be either a record in the JSON file, counted in a summary's
 * cordon.repeated (identical refusals folded, as `cordon run` does), or counted as lost
 * (delivered + lost == generated). Throughput is measured and printed, never asserted.
 *
 * The bench varies the flood through the environment (the checks are the same for every shape):
 * CORDON_FLOOD_PROCS generators of each kind (default 1), CORDON_FLOOD_RATE refusals per second
 * offered by all of them together (default 0: as fast as they can), CORDON_FLOOD_DISTINCT=1
 * every refusal of a different object (connects to other ports, opens of other names), so that
 * nothing folds and every record is formatted and written; CORDON_FLOOD_NO_PACE=1 the reader
 * woken for every catch-up, without the pace `cordon run` keeps in a flood (for comparison);
 * CORDON_FLOOD_NICE the generators' nice value (0 to 19); CORDON_FLOOD_READER_NICE=0 the reader
 * at the generators' default priority, where it otherwise runs ahead of them at
 * CORDON_SUPERVISOR_NICE, as `cordon run` and the daemon do (enforce.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/libbpf.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "loader/loader.h"
#include "tap.h"
#include "testutil.h"

#define PER_KIND  500000ul
#define MAX_PROCS 16
/* Distinct opens: this many files, each named with 0..63 "./" steps (65536 names). */
#define DISTINCT_FILES 1024

struct counts {
	unsigned long attempts, refused;
};

/* The flood's shape (see the top comment). */
static struct {
	unsigned long procs, rate;
	bool distinct, no_pace;
	int nice, reader_nice;
	char dir[64];
} shape = { .procs = 1 };

static unsigned long env_ul(const char *name, unsigned long def, unsigned long max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	return *end || n > max ? def : n;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/*
 * The generator's pace: attempt @i of one process is due at @t0 + @i / rate-per-process. Checked
 * every 64 attempts; ahead of time, the process sleeps until the next batch is due.
 */
static void pace(double t0, unsigned long i)
{
	double per = (double)shape.rate / (double)(2 * shape.procs), due;
	struct timespec ts;

	if (!shape.rate || (i & 63))
		return;
	due = t0 + (double)i / per;
	if (due <= now())
		return;
	ts.tv_sec = (time_t)due;
	ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* The name of distinct open @i: file i % DISTINCT_FILES behind (i / DISTINCT_FILES) % 64 "./". */
static void distinct_name(char *buf, size_t len, unsigned long i)
{
	int n = snprintf(buf, len, "%s/", shape.dir);

	for (unsigned long k = (i / DISTINCT_FILES) % 64; k; k--)
		n += snprintf(buf + n, len - (size_t)n, "./");
	snprintf(buf + n, len - (size_t)n, "f%lu", i % DISTINCT_FILES);
}

/*
 * In the session: @n connects to a listener an untagged process can reach (distinct: to other
 * ports of 127.0.0.1 too, refused all the same).
 */
static void connects(const char *sess, uint16_t port, unsigned long n, int out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct counts c = { 0 };
	double t0 = now();
	int fd;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (cordon_cgroup_enter(sess, 0) < 0 || setpriority(PRIO_PROCESS, 0, shape.nice) < 0)
		_exit(2);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	for (unsigned long i = 0; i < n; i++) {
		pace(t0, i);
		if (shape.distinct)
			sa.sin_port = htons((uint16_t)(1 + (getpid() * 7919ul + i) % 65535));
		c.attempts++;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EPERM)
			c.refused++;
		else if (errno != EPERM) {
			close(fd); /* connected: enforcement failed; keep counting */
			fd = socket(AF_INET, SOCK_STREAM, 0);
		}
	}
	if (write(out, &c, sizeof(c)) != sizeof(c))
		_exit(3);
	_exit(0);
}

/* In the session, under a Landlock ruleset that allows reading nothing: @n opens. */
static void opens(const char *sess, unsigned long n, int out)
{
	struct cordon_landlock_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE };
	struct counts c = { 0 };
	double t0 = now();
	char name[256];
	int rs;

	if (cordon_cgroup_enter(sess, 0) < 0 || setpriority(PRIO_PROCESS, 0, shape.nice) < 0)
		_exit(2);
	rs = cordon_landlock_create(&attr);
	if (rs < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    cordon_landlock_restrict_self(rs, 0) < 0)
		_exit(4);
	for (unsigned long i = 0; i < n; i++) {
		int fd;

		pace(t0, i);
		if (shape.distinct)
			distinct_name(name, sizeof(name), getpid() * 7919ul + i);
		fd = open(shape.distinct ? name : "/etc/hostname", O_RDONLY);
		c.attempts++;
		if (fd < 0 && errno == EACCES)
			c.refused++;
		else if (fd >= 0)
			close(fd);
	}
	if (write(out, &c, sizeof(c)) != sizeof(c))
		_exit(3);
	_exit(0);
}

/* Bytes of records that reached the reader, and the last connect record among them. */
static uint64_t ring_bytes;
static struct cordon_event_connect last_connect;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct cordon_event_hdr *h = data;

	ring_bytes += size;
	if (size == sizeof(last_connect) && h->type == CORDON_EV_CONNECT)
		memcpy(&last_connect, data, size);
	return cordon_audit_stream_event(ctx, data, size);
}

static uint64_t sum(const uint64_t v[64])
{
	uint64_t n = 0;

	for (int i = 0; i < 64; i++)
		n += v[i];
	return n;
}

/*
 * Ring-buffer records one refused connect produces: the cgroup program's record, and no
 * syscall-exit echo of it (the program marks the refusal recorded, sys_exit_connect makes no
 * record of it: capture_recorded()). Checked on one connect before the flood: that record is
 * complete (verdict, hook, layer, destination) and is the only one the connect put on the ring.
 */
static uint64_t records_per_connect(struct cordon_audit_stream *st, struct ring_buffer *rb,
				    const char *sess, uint16_t port)
{
	uint64_t before = sum(st->seen), exits = st->seen[CORDON_EV_EXIT];
	uint64_t bytes = ring_bytes, exit_bytes = st->seen[CORDON_EV_EXIT];
	uint64_t conns = st->seen[CORDON_EV_CONNECT], syscalls = st->seen[CORDON_EV_SYSCALL];
	struct counts cn = { 0 };
	char comm[16] = "";
	ssize_t got;
	int p[2], status;
	pid_t c;

	if (pipe(p) < 0)
		return 0;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		/* To the listener's own port, whatever the flood's shape: the record must name it. */
		shape.distinct = false;
		connects(sess, port, 1, p[1]);
	}
	waitpid(c, &status, 0);
	ring_buffer__consume(rb);
	got = read(p[0], &cn, sizeof(cn));
	tap_check(got == sizeof(cn) && cn.attempts == 1 && cn.refused == 1,
		  "the_calibrating_connect_ran_and_was_refused (%lu of %lu)", cn.refused,
		  cn.attempts);
	close(p[0]);
	close(p[1]);
	prctl(PR_GET_NAME, comm);
	exit_bytes = (st->seen[CORDON_EV_EXIT] - exit_bytes) * sizeof(struct cordon_event_exit);
	tap_check(st->seen[CORDON_EV_CONNECT] - conns == 1 &&
			  st->seen[CORDON_EV_SYSCALL] - syscalls == 0 && st->echoes == 0,
		  "a_refused_connect_puts_its_cgroup_record_and_no_syscall_echo_on_the_ring "
		  "(connect %llu, syscall %llu, echoes dropped %llu)",
		  (unsigned long long)(st->seen[CORDON_EV_CONNECT] - conns),
		  (unsigned long long)(st->seen[CORDON_EV_SYSCALL] - syscalls),
		  (unsigned long long)st->echoes);
	tap_check(last_connect.hdr.verdict == -EPERM &&
			  last_connect.hdr.hook == CORDON_HOOK_CONNECT4 &&
			  last_connect.hdr.layer == CORDON_LAYER_CGROUP_BPF &&
			  last_connect.port == port && last_connect.family == AF_INET &&
			  last_connect.protocol == IPPROTO_TCP && last_connect.addr[12] == 127 &&
			  last_connect.addr[15] == 1 &&
			  !strncmp((const char *)last_connect.hdr.comm, comm, sizeof(comm)),
		  "the_refusal_record_is_complete (verdict %d, hook %u, layer %u, port %u of %u, "
		  "comm %.16s)",
		  last_connect.hdr.verdict, last_connect.hdr.hook, last_connect.hdr.layer,
		  last_connect.port, port, last_connect.hdr.comm);
	tap_check(ring_bytes - bytes - exit_bytes == sizeof(struct cordon_event_connect),
		  "the_refused_connect_took_%zu_bytes_of_records_not_%zu (%llu)",
		  sizeof(struct cordon_event_connect),
		  sizeof(struct cordon_event_connect) + sizeof(struct cordon_event_syscall),
		  (unsigned long long)(ring_bytes - bytes - exit_bytes));
	return sum(st->seen) - before - (st->seen[CORDON_EV_EXIT] - exits);
}

/*
 * Where the reader's time went in the flood, and what preceded each loss: measured around every
 * pass of the consumer loop (wait, drain, tick, flush), with the session's lost count read
 * after each pass, as `cordon run` does. Printed, never asserted.
 */
struct reader_obs {
	uint64_t last_done;		 /* end of the previous pass */
	uint64_t lost, over_share;	 /* the session's ring_use so far */
	uint64_t flush_ns, flush_max_ns; /* in cordon_audit_sink_flush(): write() */
	uint64_t sleep_max_ns;		 /* in one poll(), woken or held */
	/* A held pass's sleep (a timer of one pace): the longest, and how many over 5 ms. */
	uint64_t held_max_ns, held_late;
	uint64_t drain_ns, drain_max_ns; /* in ring_buffer__consume() */
	uint64_t gap_max_ns;		 /* between passes (child reaping) */
	uint64_t passes, held;
	int max_drained;
	unsigned long episodes;
	char first[400]; /* the first loss episode's context */
	/*
	 * The reader's time runnable but not running (schedstat run_delay, read after each
	 * pass): a pass whose sleep returned late with little of it here was not kept waiting
	 * by this kernel's scheduler (the generators, other work), but by a late timer or the
	 * host not running the virtual CPU.
	 */
	int sched_fd;
	uint64_t delay_last, delay_max_ns;
};

#define MAX_OF(m, v) ((m) = (v) > (m) ? (v) : (m))

/* The 1-minute load average (other engineers' work shares this machine), -1 unknown. */
static double load1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* The calling thread's time on a run queue, waiting for a CPU (ns); 0 when unknown. */
static uint64_t run_delay_ns(int fd)
{
	unsigned long long on_cpu, delay;
	char buf[96];
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return sscanf(buf, "%llu %llu", &on_cpu, &delay) == 2 ? delay : 0;
}

/* The machine's steal time, all CPUs (ns): its virtual CPUs ready but not run by the host. */
static uint64_t steal_ns(void)
{
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int got = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			     &v[3], &v[4], &v[5], &v[6], &v[7])
		    : 0;

	if (f)
		fclose(f);
	return got == 8 && hz > 0 ? v[7] * (1000000000ull / (unsigned long long)hz) : 0;
}

static void reader_observe(struct reader_obs *o, struct cordon_bpf *b, uint32_t id, bool held,
			   uint64_t t, uint64_t t_woke, uint64_t t_drained, uint64_t t_flush,
			   uint64_t t_done, int n)
{
	uint64_t gap = o->last_done ? t - o->last_done : 0, sleep = t_woke - t,
		 drain = t_drained - t_woke, flush = t_done - t_flush;
	uint64_t delay = run_delay_ns(o->sched_fd), waited = delay - o->delay_last;
	struct cordon_ring_use u;

	if (!o->delay_last)
		waited = 0;
	o->delay_last = delay;
	MAX_OF(o->delay_max_ns, waited);

	o->passes++;
	o->held += held;
	if (held) {
		MAX_OF(o->held_max_ns, sleep);
		o->held_late += sleep > 5 * CORDON_RING_PACE_NS;
	}
	o->flush_ns += flush;
	o->drain_ns += drain;
	MAX_OF(o->flush_max_ns, flush);
	MAX_OF(o->drain_max_ns, drain);
	MAX_OF(o->sleep_max_ns, sleep);
	MAX_OF(o->gap_max_ns, gap);
	MAX_OF(o->max_drained, n);
	if (cordon_bpf_ring_use(b, id, &u) == 0 && u.lost > o->lost) {
		if (!o->episodes++)
			snprintf(o->first, sizeof(o->first),
				 "%llu lost (%llu over share) by the end of a pass that slept "
				 "%.2f ms (%s), drained %d records in %.2f ms, ticked %.2f ms, "
				 "flushed %.2f ms, after a gap of %.2f ms; the reader waited "
				 "%.2f ms on a run queue in that pass",
				 (unsigned long long)(u.lost - o->lost),
				 (unsigned long long)(u.over_share - o->over_share),
				 (double)sleep / 1e6, held ? "held" : "waiting for a wake-up", n,
				 (double)drain / 1e6, (double)(t_flush - t_drained) / 1e6,
				 (double)flush / 1e6, (double)gap / 1e6, (double)waited / 1e6);
		o->lost = u.lost;
		o->over_share = u.over_share;
	}
	o->last_done = t_done;
}

int main(void)
{
	struct cordon_bpf_opts o = { .lsm = false };
	struct cordon_session s = { .id = 77, .flags = CORDON_SESSION_NET };
	struct cordon_audit_stream *st = calloc(1, sizeof(*st));
	struct cordon_audit_sink_opts so = { .fd = -1 };
	char root[4200], sess[4300], dir[] = "/tmp/cordon-flood-XXXXXX", log[64];
	struct counts cc = { 0 }, oc = { 0 };
	uint64_t cgid, drops0 = 0, drops1 = 0, delivered, lost, generated, lines = 0, per_connect,
		       calibration;
	struct cordon_bpf *b = NULL;
	struct ring_buffer *rb;
	int pc[2], po[2], listener, status, r;
	uint16_t port = 0;
	double t0, t1, tgen = 0, cpu0, cpu1, gen_cpu = 0;
	struct cordon_ring_pace pace = { 0 };
	struct reader_obs ro = { .sched_fd = -1 };
	uint64_t delay0, steal0;
	unsigned long reported = 0;
	FILE *f;

	if (geteuid() != 0) {
		tap_skip("needs root", "audit_flood");
		return 0;
	}
	if (access("/sys/kernel/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (test_cgroup_root(root, sizeof(root), "flood") < 0 || !mkdtemp(dir))
		return tap_check(false, "setup"), 1;
	shape.procs = env_ul("CORDON_FLOOD_PROCS", 1, MAX_PROCS) ?: 1;
	shape.rate = env_ul("CORDON_FLOOD_RATE", 0, 100000000);
	shape.distinct = env_ul("CORDON_FLOOD_DISTINCT", 0, 1);
	shape.no_pace = env_ul("CORDON_FLOOD_NO_PACE", 0, 1);
	shape.nice = (int)env_ul("CORDON_FLOOD_NICE", 0, 19);
	shape.reader_nice =
		env_ul("CORDON_FLOOD_READER_NICE", 1, 1) == 0 ? 0 : CORDON_SUPERVISOR_NICE;
	snprintf(shape.dir, sizeof(shape.dir), "%s", dir);
	for (unsigned long i = 0; shape.distinct && i < DISTINCT_FILES; i++) {
		char name[256];
		int fd;

		distinct_name(name, sizeof(name), i);
		fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return tap_check(false, "setup: %s: %s", name, strerror(errno)), 1;
		close(fd);
	}
	o.cgroup_root = root;
	r = cordon_bpf_start(&o, &b);
	if (!tap_check(r == 0, "bpf_loaded"))
		return 1;
	snprintf(sess, sizeof(sess), "%s/session", root);
	tap_check(cordon_cgroup_create(sess) == 0 && cordon_cgroup_id(sess, &cgid) == 0 &&
			  cordon_bpf_session_add(b, cgid, &s) == 0,
		  "session_registered");
	listener = tcp_listener(AF_INET, &port);
	snprintf(log, sizeof(log), "%s/audit.jsonl", dir);
	so.path = log;
	st->ctx = (struct cordon_audit_ctx){ .session = "0123456789abcdef0123456789abcdef",
					     .policy = "flood",
					     .host = "host" };
	if (!tap_check(cordon_audit_sink_open(&so, &st->sink) == 0, "json_file_sink_open"))
		return 1;
	rb = cordon_bpf_events(b, on_event, st);
	per_connect = records_per_connect(st, rb, sess, port);
	tap_check(per_connect == 1, "one_connect_gives_one_record (%llu)",
		  (unsigned long long)per_connect);
	calibration = sum(st->written); /* lines in the file before the flood */
	memset(st->seen, 0, sizeof(st->seen));
	memset(st->written, 0, sizeof(st->written));
	cordon_audit_stream_release(st); /* the calibration's window closed */
	memset(st->folded, 0, sizeof(st->folded));
	st->summaries = 0;
	st->echoes = 0;
	cordon_bpf_drops(b, &drops0);
	if (pipe(pc) < 0 || pipe(po) < 0)
		return 1;

	if (setpriority(PRIO_PROCESS, 0, shape.reader_nice) < 0)
		return tap_check(false, "reader_priority: %s", strerror(errno)), 1;
	ro.sched_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	delay0 = run_delay_ns(ro.sched_fd);
	steal0 = steal_ns();
	t0 = now();
	cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	fflush(NULL);
	for (unsigned long k = 0; k < shape.procs; k++) {
		/* PER_KIND attempts of each kind in all, shared out among the generators. */
		unsigned long n = PER_KIND / shape.procs + (k < PER_KIND % shape.procs);

		if (fork() == 0)
			connects(sess, port, n, pc[1]);
		if (fork() == 0)
			opens(sess, n, po[1]);
	}
	/*
	 * The consumer: the same path as `cordon run` (epoll wake-up, drain, whole-line writes;
	 * in a flood, the ring left alone for a pace between drains, as its supervisor does).
	 */
	for (unsigned long live = 2 * shape.procs; live > 0;) {
		uint64_t t = cordon_boottime_ns(), t_woke, t_drained, t_flush, t_done;
		struct rusage ru;

		int n;

		struct pollfd pfd = { .fd = ring_buffer__epoll_fd(rb), .events = POLLIN };
		bool held = cordon_ring_pace_held(&pace, t);

		/* As ring_buffer__poll() (an epoll wait, then a drain), timed apart. */
		if (held)
			poll(NULL, 0, cordon_ring_pace_timeout_ms(&pace, t, 100));
		else
			poll(&pfd, 1, 100);
		t_woke = cordon_boottime_ns();
		n = ring_buffer__consume(rb);
		t_drained = cordon_boottime_ns();
		if (!shape.no_pace)
			cordon_ring_pace_drained(&pace, t_drained, n);
		cordon_audit_stream_tick(st, cordon_boottime_ns());
		t_flush = cordon_boottime_ns();
		cordon_audit_sink_flush(st->sink);
		t_done = cordon_boottime_ns();
		reader_observe(&ro, b, s.id, held, t, t_woke, t_drained, t_flush, t_done, n);
		while (live > 0 && wait4(-1, &status, WNOHANG, &ru) > 0) {
			live--;
			tgen = now();
			gen_cpu += (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		}
	}
	ring_buffer__consume(rb);
	t1 = now();
	cpu1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	cordon_bpf_drops(b, &drops1);
	cordon_audit_stream_drops(st, drops1 - drops0);
	cordon_audit_stream_release(st);
	cordon_audit_sink_close(st->sink);
	st->sink = NULL; /* counting only from here */

	for (unsigned long k = 0; k < shape.procs; k++) {
		struct counts c1, o1;

		reported += read(pc[0], &c1, sizeof(c1)) == sizeof(c1) &&
			    read(po[0], &o1, sizeof(o1)) == sizeof(o1);
		cc.attempts += c1.attempts;
		cc.refused += c1.refused;
		oc.attempts += o1.attempts;
		oc.refused += o1.refused;
	}
	tap_check(reported == shape.procs, "generators_reported (%lu of %lu)", reported,
		  shape.procs);
	tap_check(cc.attempts == PER_KIND && cc.refused == cc.attempts,
		  "every_connect_refused (%lu of %lu)", cc.refused, cc.attempts);
	tap_check(oc.attempts == PER_KIND && oc.refused == oc.attempts,
		  "every_open_refused (%lu of %lu)", oc.refused, oc.attempts);

	/*
	 * Every record the session produced (the refusals, their echoes, the two generators'
	 * exits) reached the reader or is counted lost; every record that reached it is in the
	 * file or is a dropped echo.
	 */
	generated = per_connect * cc.refused + oc.refused + 2 * shape.procs;
	/* Written in full, or counted in a summary record's cordon.repeated. */
	delivered = sum(st->written) + sum(st->folded);
	lost = drops1 - drops0;
	tap_check(sum(st->seen) + lost == generated,
		  "received_plus_lost_equals_generated (%llu + %llu == %llu)",
		  (unsigned long long)sum(st->seen), (unsigned long long)lost,
		  (unsigned long long)generated);
	tap_check(delivered + st->echoes + lost == generated,
		  "delivered_plus_echoes_plus_lost_equals_generated (%llu + %llu + %llu == %llu)",
		  (unsigned long long)delivered, (unsigned long long)st->echoes,
		  (unsigned long long)lost, (unsigned long long)generated);
	tap_check(st->malformed == 0 && st->write_errors == 0,
		  "no_malformed_records_no_write_errors");

	/* The file holds exactly those records (plus the children's exits and a loss record). */
	f = fopen(log, "r");
	for (int ch; f && (ch = getc(f)) != EOF;)
		lines += ch == '\n';
	if (f)
		fclose(f);
	tap_check(lines == calibration + sum(st->written) + st->summaries + (lost ? 1 : 0),
		  "json_file_has_one_line_per_record_and_summary_plus_the_loss_record (%llu lines, "
		  "%llu summaries)",
		  (unsigned long long)lines, (unsigned long long)st->summaries);
	tap_diag(
		"flood: generated %llu ring-buffer records (refusals, %llu per connect, and exits) "
		"in %.2f s; delivered %llu to the JSON file, dropped %llu echoes, lost %llu "
		"(%.3f%%); %.0f records/s ring buffer -> file",
		(unsigned long long)generated, (unsigned long long)per_connect, t1 - t0,
		(unsigned long long)delivered, (unsigned long long)st->echoes,
		(unsigned long long)lost, 100.0 * (double)lost / (double)generated,
		(double)delivered / (t1 - t0));
	tap_diag("flood: %llu records written in full, %llu refusals folded into %llu summaries",
		 (unsigned long long)sum(st->written), (unsigned long long)sum(st->folded),
		 (unsigned long long)st->summaries);
	tap_diag("flood: the consumer kept up: %s", lost ? "no (see loss above)" : "yes");
	tap_diag("flood: the consumer used %.2f s of CPU in %.2f s", cpu1 - cpu0, t1 - t0);
	tap_diag("flood: reader: held sleeps (one pace asked) longest %.2f ms, %llu over 5 ms",
		 (double)ro.held_max_ns / 1e6, (unsigned long long)ro.held_late);
	tap_diag("flood: reader: %llu passes (%llu held), longest sleep %.2f ms, drain %.3f s in "
		 "all, longest %.2f ms (%d records at most), flush (write) %.3f s in all, longest "
		 "%.2f ms, longest gap %.2f ms; session lost %llu (%llu over its share) in %lu "
		 "episodes",
		 (unsigned long long)ro.passes, (unsigned long long)ro.held,
		 (double)ro.sleep_max_ns / 1e6, (double)ro.drain_ns / 1e9,
		 (double)ro.drain_max_ns / 1e6, ro.max_drained, (double)ro.flush_ns / 1e9,
		 (double)ro.flush_max_ns / 1e6, (double)ro.gap_max_ns / 1e6,
		 (unsigned long long)ro.lost, (unsigned long long)ro.over_share, ro.episodes);
	if (ro.episodes)
		tap_diag("flood: first loss: %s", ro.first);
	tap_diag("flood: reader: %.2f ms runnable but not running in all (longest in one pass "
		 "%.2f ms); the machine's steal time over the flood %.2f ms (all CPUs, in clock "
		 "ticks; 0 too where the hypervisor reports none); load average at the end %.2f",
		 (double)(run_delay_ns(ro.sched_fd) - delay0) / 1e6, (double)ro.delay_max_ns / 1e6,
		 (double)(steal_ns() - steal0) / 1e6, load1());
	if (ro.sched_fd >= 0)
		close(ro.sched_fd);
	tap_diag("flood: shape: %lu generator(s) of each kind, %s objects, offered %s, reader %s, "
		 "generators at nice %d, the reader at %d; "
		 "they made "
		 "%lu refused attempts in %.2f s: %.0f refusals/s, %.0f ns of CPU per attempt in "
		 "the enforced processes",
		 shape.procs, shape.distinct ? "distinct" : "repeated",
		 shape.rate ? "at a set rate" : "as fast as they can",
		 shape.no_pace ? "woken at every catch-up" : "paced", shape.nice, shape.reader_nice,
		 cc.refused + oc.refused, tgen - t0,
		 (double)(cc.refused + oc.refused) / (tgen - t0),
		 1e9 * gen_cpu / (double)(cc.attempts + oc.attempts ?: 1));
	if (shape.rate)
		tap_diag("flood: set rate %lu refusals/s", shape.rate);
	tap_diag("flood: ring-buffer records seen: connect %llu, syscall %llu, exit %llu; echoes "
		 "dropped %llu",
		 (unsigned long long)st->seen[CORDON_EV_CONNECT],
		 (unsigned long long)st->seen[CORDON_EV_SYSCALL],
		 (unsigned long long)st->seen[CORDON_EV_EXIT], (unsigned long long)st->echoes);

	ring_buffer__free(rb);
	close(listener);
	cordon_bpf_stop(b);
	cordon_cgroup_remove(sess);
	cordon_cgroup_remove(root);
	unlink(log);
	for (unsigned long i = 0; shape.distinct && i < DISTINCT_FILES; i++) {
		char name[256];

		distinct_name(name, sizeof(name), i);
		unlink(name);
	}
	rmdir(dir);
	free(st);
	return tap_status();
}
