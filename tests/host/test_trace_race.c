// SPDX-License-Identifier: GPL-2.0-only
/*
 * A refusal record names what was refused, not what another thread wrote afterwards (issue 17).
 * On the tracepoint tier the record's path is the one sys_enter_openat captured, not a read of
 * the task's memory at sys_exit_openat. The attack: a thread of the confined process rewrites
 * the path buffer from a refused name (a chain of symlinks to a file Landlock does not let it
 * read, so the kernel's walk is long) to an allowed one while the open is in the kernel. A
 * read at exit names the allowed file whenever the flip lands after the kernel's copy; the
 * record must never name it. The flip goes one way (refused -> allowed) within an open, so a
 * refused open means the kernel copied the refused name, and so did the capture before it.
 *
 * What remains (measured below, asserted nothing): a thread flipping both ways in a loop can
 * change the bytes between the capture at entry and the kernel's copy; the record reflects the
 * bytes at syscall entry. Only an LSM hook sees what the kernel decided on: built as
 * tests/vm/test_trace_race.c (TRACE_RACE_LSM), BPF LSM refuses the file by an inode rule
 * instead of Landlock, and its records (the path of the file it refused, bpf_d_path) must never
 * name the allowed file under either attack.
 *
 * The directory of a relative name (host only): openat(dirfd, "f") while another thread puts
 * an allowed directory and a refused one on dirfd in turn. A refusal was resolved in the
 * refused directory; the record names the directory on dirfd at the call's exit, and says the
 * directory changed during the call (CORDON_SYSCALL_DIR_CHANGED) when dirfd at exit is not
 * what it was at entry. A flip there and back within the call is not seen: measured below.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "compile/compile.h"
#include "enforce/enforce.h"
#include "loader/loader.h"
#include "sys/sys.h"
#include "tap.h"
#include "testutil.h"

#define ATTEMPTS 20000
#define LINKS	 30 /* symlinks on the refused name's walk (the kernel follows 40) */
#define LOOP_MS	 1000

#ifndef TRACE_RACE_LSM
#define TRACE_RACE_LSM false
#endif

struct counts {
	unsigned long refused, opened, other, flipped_before_exit;
};

static char dir[] = "/tmp/cordon-race-XXXXXX";
static char path[256]; /* the buffer both threads use: DIR/l0 or DIR/ok */
static uint16_t *name; /* its last two bytes */
static uint16_t refused_name, allowed_name;
static volatile int go, done, quit; /* one-way flip handshake */
static volatile unsigned long spin_max;

static void *flip_once(void *arg)
{
	unsigned int seed = 1;

	(void)arg;
	while (!quit) {
		unsigned long n;

		while (!go && !quit)
			;
		if (quit)
			break;
		go = 0;
		n = spin_max ? (unsigned long)rand_r(&seed) % spin_max : 0;
		for (volatile unsigned long i = 0; i < n; i++)
			;
		__atomic_store_n(name, allowed_name, __ATOMIC_SEQ_CST);
		done = 1;
	}
	return NULL;
}

static void *flip_loop(void *arg)
{
	(void)arg;
	while (!quit) {
		__atomic_store_n(name, allowed_name, __ATOMIC_RELAXED);
		__atomic_store_n(name, refused_name, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* @flipped: the buffer named the allowed file as soon as open() returned. */
static void count(struct counts *c, int fd, int err, bool flipped)
{
	if (fd >= 0) {
		c->opened++;
		close(fd);
	} else if (err == EACCES) {
		c->refused++;
		if (flipped)
			c->flipped_before_exit++;
	} else {
		c->other++;
	}
}

/*
 * In the session, Landlock allowing reads of DIR/ok only: ATTEMPTS opens of the buffer while
 * a second thread flips it once per open (@both_ways false) or in a loop; counts to @out.
 */
static void attacker(const char *cg, bool both_ways, int out)
{
	struct cordon_landlock_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE };
	struct counts c = { 0 };
	char ok[300];
	pthread_t t;
	int rs;

	snprintf(ok, sizeof(ok), "%s/ok", dir);
	if (cordon_cgroup_enter(cg, 0) < 0)
		_exit(2);
	/* With BPF LSM, its inode rule refuses the secret; else Landlock does. */
	rs = TRACE_RACE_LSM ? 0 : cordon_landlock_create(&attr);
	if (!TRACE_RACE_LSM &&
	    (rs < 0 || cordon_landlock_allow_path(rs, ok, LANDLOCK_ACCESS_FS_READ_FILE) < 0 ||
	     prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	     cordon_landlock_restrict_self(rs, 0) < 0))
		_exit(4);
	__atomic_store_n(name, refused_name, __ATOMIC_SEQ_CST);
	if (both_ways) {
		if (pthread_create(&t, NULL, flip_loop, NULL))
			_exit(5);
		for (int i = 0; i < ATTEMPTS; i++) {
			int fd = open(path, O_RDONLY), err = errno;

			count(&c, fd, err, false);
		}
	} else {
		/* The flip lands anywhere from before the syscall to well after its start. */
		spin_max = 4000;
		if (pthread_create(&t, NULL, flip_once, NULL))
			_exit(5);
		for (int i = 0; i < ATTEMPTS; i++) {
			bool flipped;
			int fd, err;

			__atomic_store_n(name, refused_name, __ATOMIC_SEQ_CST);
			done = 0;
			go = 1;
			fd = open(path, O_RDONLY);
			err = errno;
			flipped = __atomic_load_n(name, __ATOMIC_SEQ_CST) == allowed_name;
			while (!done)
				;
			count(&c, fd, err, flipped);
		}
	}
	quit = 1;
	pthread_join(t, NULL);
	_exit(write(out, &c, sizeof(c)) == sizeof(c) ? 0 : 3);
}

/*
 * The address variant (host only: Landlock's TCP rules): connect() to a sockaddr whose port
 * another thread flips both ways between an allowed and a refused one. The kernel copies an
 * address to its stack, which no tracepoint reaches, so these records are never exact; the
 * exit's re-read flags the ones whose address changed during the syscall.
 */
#define CONN_ATTEMPTS 5000
static struct sockaddr_in conn_addr; /* the buffer both threads use */
static uint16_t ok_port, bad_port;   /* network byte order */

static void *flip_port(void *arg)
{
	(void)arg;
	while (!quit) {
		__atomic_store_n(&conn_addr.sin_port, ok_port, __ATOMIC_RELAXED);
		__atomic_store_n(&conn_addr.sin_port, bad_port, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void connect_attacker(const char *cg, int out)
{
	struct cordon_landlock_attr attr = { .handled_access_net =
						     LANDLOCK_ACCESS_NET_CONNECT_TCP };
	struct counts c = { 0 };
	pthread_t t;
	int rs;

	if (cordon_cgroup_enter(cg, 0) < 0)
		_exit(2);
	rs = cordon_landlock_create(&attr);
	if (rs < 0 ||
	    cordon_landlock_allow_port(rs, ntohs(ok_port), LANDLOCK_ACCESS_NET_CONNECT_TCP) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cordon_landlock_restrict_self(rs, 0) < 0)
		_exit(4);
	conn_addr.sin_port = bad_port;
	if (pthread_create(&t, NULL, flip_port, NULL))
		_exit(5);
	for (int i = 0; i < CONN_ATTEMPTS; i++) {
		/* Non-blocking: a full accept queue must not stall the loop. */
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), r, err;

		if (fd < 0)
			_exit(6);
		r = connect(fd, (struct sockaddr *)&conn_addr, sizeof(conn_addr));
		err = errno;
		if (r == 0 || err == EINPROGRESS)
			c.opened++;
		else if (err == EACCES)
			c.refused++;
		else
			c.other++;
		close(fd);
	}
	quit = 1;
	pthread_join(t, NULL);
	_exit(write(out, &c, sizeof(c)) == sizeof(c) ? 0 : 3);
}

/*
 * The directory variant: DIR/bad/f (a symlink into the chain: a long walk, refused) and
 * DIR/good/f (allowed), opened by the name "f" relative to descriptor DIRFD_NR, which another
 * thread points at each directory in turn.
 */
#define DIR_ATTEMPTS 20000
#define DIRFD_NR     100
static int good_fd = -1, bad_fd = -1;

static void *flip_dirfd(void *arg)
{
	(void)arg;
	while (!quit) {
		dup2(good_fd, DIRFD_NR);
		dup2(bad_fd, DIRFD_NR);
	}
	return NULL;
}

static void dirfd_attacker(const char *cg, int out)
{
	struct cordon_landlock_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE };
	struct counts c = { 0 };
	char good[300];
	pthread_t t;
	int rs;

	snprintf(good, sizeof(good), "%s/good", dir);
	if (cordon_cgroup_enter(cg, 0) < 0)
		_exit(2);
	rs = cordon_landlock_create(&attr);
	if (rs < 0 || cordon_landlock_allow_path(rs, good, LANDLOCK_ACCESS_FS_READ_FILE) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || cordon_landlock_restrict_self(rs, 0) < 0)
		_exit(4);
	if (dup2(bad_fd, DIRFD_NR) < 0 || pthread_create(&t, NULL, flip_dirfd, NULL))
		_exit(5);
	for (int i = 0; i < DIR_ATTEMPTS; i++) {
		int fd = openat(DIRFD_NR, "f", O_RDONLY), err = errno;

		count(&c, fd, err, false);
	}
	quit = 1;
	pthread_join(t, NULL);
	_exit(write(out, &c, sizeof(c)) == sizeof(c) ? 0 : 3);
}

/* Run one attack in the session and read every record it made into @s. */
static bool attack(struct ring_buffer *rb, const char *cg, bool both_ways, struct counts *c)
{
	int pc[2], status;
	pid_t child;
	bool ok;

	if (pipe(pc) < 0)
		return false;
	fflush(NULL);
	child = fork();
	if (child == 0 && good_fd >= 0)
		dirfd_attacker(cg, pc[1]);
	if (child == 0 && conn_addr.sin_family)
		connect_attacker(cg, pc[1]);
	if (child == 0)
		attacker(cg, both_ways, pc[1]);
	while (waitpid(child, &status, WNOHANG) == 0)
		ring_buffer__poll(rb, 50);
	ring_buffer__consume(rb);
	ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	     read(pc[0], c, sizeof(*c)) == sizeof(*c);
	close(pc[0]);
	close(pc[1]);
	return ok;
}

struct seen {
	unsigned long refused, allowed, empty, other;	  /* syscall-exit records */
	unsigned long exact, exact_allowed;		  /* ... the kernel's copy; naming ok */
	unsigned long uncertain, allowed_uncertain;	  /* ... flagged; naming ok */
	unsigned long lsm_secret, lsm_allowed, lsm_other; /* BPF LSM file records */
	/* Landlock's connect refusals: naming the refused port, the allowed one; flagged */
	unsigned long conn_refused, conn_allowed, conn_allowed_uncertain, conn_uncertain,
		conn_exact;
	/* openat(dirfd) refusals, by the directory the kernel named: the refused one, the
	 * allowed one (flagged changed), flagged changed in all, left relative */
	unsigned long dir_bad, dir_good, dir_good_changed, dir_changed, dir_relative;
	char refused_path[300], allowed_path[300], secret_path[300];
	char bad_f[300], good_f[300];
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct seen *s = ctx;
	const struct cordon_event_syscall *ev = data;
	const struct cordon_event_file *f = data;

	if (size >= sizeof(*f) && f->hdr.type == CORDON_EV_FILE) {
		if (!strcmp((const char *)f->path, s->secret_path))
			s->lsm_secret++;
		else if (!strcmp((const char *)f->path, s->allowed_path))
			s->lsm_allowed++;
		else
			s->lsm_other++;
		return 0;
	}
	if (size >= sizeof(*ev) && ev->hdr.type == CORDON_EV_SYSCALL &&
	    ev->hdr.hook == CORDON_HOOK_SYS_CONNECT && ev->hdr.verdict == -EACCES &&
	    (ev->flags & CORDON_SYSCALL_ADDR)) {
		bool unsure = ev->flags & CORDON_SYSCALL_UNCERTAIN;

		if (ev->port == ntohs(bad_port)) {
			s->conn_refused++;
		} else if (ev->port == ntohs(ok_port)) {
			s->conn_allowed++;
			s->conn_allowed_uncertain += unsure;
		}
		s->conn_uncertain += unsure;
		s->conn_exact += !!(ev->flags & CORDON_SYSCALL_EXACT);
		return 0;
	}
	if (size < sizeof(*ev) || ev->hdr.type != CORDON_EV_SYSCALL ||
	    ev->hdr.hook != CORDON_HOOK_SYS_OPENAT)
		return 0;
	if ((ev->flags & CORDON_SYSCALL_DIRFD) && s->bad_f[0]) {
		bool changed = ev->flags & CORDON_SYSCALL_DIR_CHANGED;

		if (!(ev->flags & CORDON_SYSCALL_RESOLVED)) {
			s->dir_relative++;
		} else if (!strcmp((const char *)ev->path, s->bad_f)) {
			s->dir_bad++;
		} else if (!strcmp((const char *)ev->path, s->good_f)) {
			s->dir_good++;
			s->dir_good_changed += changed;
		}
		s->dir_changed += changed;
		return 0;
	}
	if (!(ev->flags & CORDON_SYSCALL_PATH)) {
		s->empty++;
		return 0;
	}
	if (!strcmp((const char *)ev->path, s->refused_path)) {
		s->refused++;
	} else if (!strcmp((const char *)ev->path, s->allowed_path)) {
		s->allowed++;
		s->exact_allowed += !!(ev->flags & CORDON_SYSCALL_EXACT);
		s->allowed_uncertain += !!(ev->flags & CORDON_SYSCALL_UNCERTAIN);
	} else {
		s->other++;
	}
	s->exact += !!(ev->flags & CORDON_SYSCALL_EXACT);
	s->uncertain += !!(ev->flags & CORDON_SYSCALL_UNCERTAIN);
	return 0;
}

int main(void)
{
	struct cordon_bpf_opts o = { .lsm = TRACE_RACE_LSM };
	struct cordon_session sess = { .id = 91 };
	char root[4200], cg[4300], p[300], q[300];
	struct counts one = { 0 }, loop = { 0 };
	struct seen s = { 0 }, s1;
	struct cordon_bpf *b = NULL;
	struct ring_buffer *rb;
	uint64_t cgid;
	int r, fd;

	if (geteuid() != 0) {
		tap_skip("needs root", "trace_race");
		return 0;
	}
	if (access("/sys/kernel/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (test_cgroup_root(root, sizeof(root), "race") < 0 || !mkdtemp(dir))
		return tap_check(false, "setup"), 1;
	/* DIR/secret (refused), DIR/ok (allowed), DIR/l0 -> l1 -> ... -> secret */
	snprintf(p, sizeof(p), "%s/secret", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	close(fd);
	snprintf(p, sizeof(p), "%s/ok", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	close(fd);
	for (int i = 0; i < LINKS; i++) {
		snprintf(p, sizeof(p), "%s/l%d", dir, i);
		if (i == LINKS - 1)
			snprintf(q, sizeof(q), "secret");
		else
			snprintf(q, sizeof(q), "l%d", i + 1);
		if (symlink(q, p) < 0)
			return tap_check(false, "symlink_chain"), 1;
	}
	snprintf(path, sizeof(path), "%s/l0", dir);
	name = (uint16_t *)(void *)&path[strlen(path) - 2];
	memcpy(&refused_name, "l0", 2);
	memcpy(&allowed_name, "ok", 2);
	snprintf(s.refused_path, sizeof(s.refused_path), "%s/l0", dir);
	snprintf(s.allowed_path, sizeof(s.allowed_path), "%s/ok", dir);
	snprintf(s.secret_path, sizeof(s.secret_path), "%s/secret", dir);

	/* Outside cordon both names open. */
	fd = open(s.refused_path, O_RDONLY);
	r = open(s.allowed_path, O_RDONLY);
	tap_check(fd >= 0 && r >= 0, "outside_both_names_open");
	close(fd);
	close(r);

	o.cgroup_root = root;
	r = cordon_bpf_start(&o, &b);
	if (!tap_check(r == 0, "bpf_loaded"))
		return 1;
	snprintf(cg, sizeof(cg), "%s/session", root);
	if (TRACE_RACE_LSM) {
		struct cordon_inode_key k = { .session = sess.id };
		struct cordon_inode_rule rule = { .rule_id = 7, .deny = CORDON_ACCESS_READ };
		struct cordon_kinode ki;

		sess.flags = CORDON_SESSION_FILE;
		tap_check(cordon_kinode_at(AT_FDCWD, s.secret_path, 0, NULL, &ki) == 0 &&
				  (k.ino = ki.ino, k.dev = ki.dev,
				   cordon_bpf_inode_rule_add(b, &k, &rule) == 0),
			  "secret_inode_rule_added");
	}
	tap_check(cordon_cgroup_create(cg) == 0 && cordon_cgroup_id(cg, &cgid) == 0 &&
			  cordon_bpf_session_add(b, cgid, &sess) == 0,
		  "session_registered");
	rb = cordon_bpf_events(b, on_event, &s);
	tap_check(attack(rb, cg, false, &one), "one_way_attacker_ran");
	s1 = s;
	tap_check(
		one.refused > 0 && one.opened > 0,
		"one_way_flip_both_refused_and_allowed_opens (%lu refused, %lu opened, %lu other)",
		one.refused, one.opened, one.other);
	tap_check(one.flipped_before_exit > 0,
		  "the_buffer_named_the_allowed_file_when_the_refused_open_returned (%lu times: "
		  "a read at exit would name it)",
		  one.flipped_before_exit);
	tap_check(s1.allowed == 0, "no_record_names_the_allowed_file (%lu do)", s1.allowed);
	tap_check(s1.refused == one.refused && s1.empty == 0 && s1.other == 0,
		  "one_record_naming_the_refused_file_per_refusal (%lu of %lu; %lu without a path, "
		  "%lu other)",
		  s1.refused, one.refused, s1.empty, s1.other);
	tap_diag("one-way flip: %lu refused (%lu with the buffer already flipped at return), %lu "
		 "opened; records: %lu name the refused file, %lu the allowed one; %lu exact, %lu "
		 "uncertain",
		 one.refused, one.flipped_before_exit, one.opened, s1.refused, s1.allowed, s1.exact,
		 s1.uncertain);

	if (TRACE_RACE_LSM)
		tap_check(s1.lsm_secret == one.refused && !s1.lsm_allowed && !s1.lsm_other,
			  "lsm_one_file_record_naming_the_secret_per_refusal (%lu of %lu; %lu name "
			  "the allowed file, %lu other)",
			  s1.lsm_secret, one.refused, s1.lsm_allowed, s1.lsm_other);

	tap_check(attack(rb, cg, true, &loop), "both_ways_attacker_ran");
	if (TRACE_RACE_LSM)
		tap_check(loop.refused > 0 && s.lsm_secret - s1.lsm_secret == loop.refused &&
				  !s.lsm_allowed && !s.lsm_other,
			  "lsm_both_ways_every_file_record_names_the_secret (%lu of %lu; %lu name "
			  "the allowed file)",
			  s.lsm_secret - s1.lsm_secret, loop.refused, s.lsm_allowed);
	/*
	 * Both ways: the record's path is the kernel's own copy (exact) unless the thread moved
	 * to another CPU during the open: an exact record never names the allowed file. One that
	 * is not exact is flagged uncertain when the buffer differed at exit (measured).
	 */
	tap_check(s.exact - s1.exact > 0,
		  "both_ways_records_carry_the_kernels_copy (%lu of %lu exact)", s.exact - s1.exact,
		  (s.refused + s.allowed + s.other) - (s1.refused + s1.allowed + s1.other));
	tap_check(s.exact_allowed == 0, "both_ways_no_exact_record_names_the_allowed_file (%lu do)",
		  s.exact_allowed);
	tap_diag(
		"both-ways flip loop: %lu refused, %lu opened; records: %lu name the refused file, "
		"%lu the allowed one (%lu of them uncertain), %lu no path; %lu exact, %lu "
		"uncertain",
		loop.refused, loop.opened, s.refused - s1.refused, s.allowed - s1.allowed,
		s.allowed_uncertain - s1.allowed_uncertain, s.empty - s1.empty, s.exact - s1.exact,
		s.uncertain - s1.uncertain);

	if (!TRACE_RACE_LSM) {
		struct counts cc = { 0 };
		uint16_t p1 = 0, p2 = 0;
		int l1 = tcp_listener(AF_INET, &p1), l2 = tcp_listener(AF_INET, &p2);

		ok_port = htons(p1);
		bad_port = htons(p2);
		conn_addr.sin_family = AF_INET;
		conn_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		quit = 0;
		tap_check(l1 >= 0 && l2 >= 0 && tcp_connect(AF_INET, "127.0.0.1", p1) == 0 &&
				  tcp_connect(AF_INET, "127.0.0.1", p2) == 0,
			  "outside_both_ports_connect");
		tap_check(attack(rb, cg, true, &cc), "connect_attacker_ran");
		tap_check(cc.refused > 0 && cc.opened > 0,
			  "connect_flip_both_refused_and_allowed (%lu refused, %lu connected, %lu "
			  "other)",
			  cc.refused, cc.opened, cc.other);
		tap_check(s.conn_exact == 0, "connect_records_never_claim_exact (%lu do)",
			  s.conn_exact);
		/*
		 * A record naming the allowed port names what the kernel did not judge: flagged
		 * (unless the buffer flipped back before the exit, which nothing can see). How
		 * often the flip lands inside a call at all depends on the load: none at times.
		 */
		tap_check(s.conn_allowed == 0 || s.conn_allowed_uncertain > 0,
			  "connect_records_naming_the_allowed_port_flagged_uncertain (%lu of %lu)",
			  s.conn_allowed_uncertain, s.conn_allowed);
		tap_diag(
			"connect flip both ways: %lu refused, %lu connected; records: %lu name the "
			"refused port, %lu the allowed one (%lu of those flagged uncertain); %lu "
			"uncertain in all",
			cc.refused, cc.opened, s.conn_refused, s.conn_allowed,
			s.conn_allowed_uncertain, s.conn_uncertain);
		if (l1 >= 0)
			close(l1);
		if (l2 >= 0)
			close(l2);
		conn_addr.sin_family = 0;
	}
	if (!TRACE_RACE_LSM) {
		struct counts dc = { 0 };

		/* DIR/bad/f -> ../l0 (the chain to the secret), DIR/good/f a file. */
		snprintf(p, sizeof(p), "%s/bad", dir);
		snprintf(q, sizeof(q), "%s/good", dir);
		mkdir(p, 0755);
		mkdir(q, 0755);
		bad_fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		good_fd = open(q, O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(s.bad_f, sizeof(s.bad_f), "%s/bad/f", dir);
		snprintf(s.good_f, sizeof(s.good_f), "%s/good/f", dir);
		fd = open(s.good_f, O_WRONLY | O_CREAT, 0644);
		close(fd);
		r = symlink("../l0", s.bad_f);
		fd = openat(bad_fd, "f", O_RDONLY);
		r = r == 0 && fd >= 0 ? openat(good_fd, "f", O_RDONLY) : -1;
		tap_check(r >= 0, "outside_both_directories_open");
		close(fd);
		close(r);
		quit = 0;
		tap_check(attack(rb, cg, true, &dc), "dirfd_attacker_ran");
		tap_check(
			dc.refused > 0 && dc.opened > 0,
			"dirfd_flip_both_refused_and_allowed (%lu refused, %lu opened, %lu other)",
			dc.refused, dc.opened, dc.other);
		tap_check(s.dir_bad + s.dir_good + s.dir_relative == dc.refused,
			  "dirfd_one_record_per_refusal (%lu of %lu)",
			  s.dir_bad + s.dir_good + s.dir_relative, dc.refused);
		/*
		 * Every refusal was resolved in DIR/bad, so a record naming DIR/good names the
		 * wrong directory: flagged when dirfd differed at exit from what it was at entry;
		 * flipped and flipped back in between is not seen. Measured, never asserted: how
		 * many records the race misnames at all depends on the scheduler (0 in some runs).
		 */
		tap_diag("dirfd flip both ways: %lu refused, %lu opened; records: %lu name the "
			 "refused directory, %lu the allowed one (%lu flagged changed), %lu left "
			 "relative; %lu flagged changed in all",
			 dc.refused, dc.opened, s.dir_bad, s.dir_good, s.dir_good_changed,
			 s.dir_relative, s.dir_changed);
		unlink(s.bad_f);
		unlink(s.good_f);
		rmdir(p);
		rmdir(q);
		close(bad_fd);
		close(good_fd);
	}

	ring_buffer__free(rb);
	cordon_bpf_stop(b);
	cordon_cgroup_remove(cg);
	cordon_cgroup_remove(root);
	for (int i = 0; i < LINKS; i++) {
		snprintf(p, sizeof(p), "%s/l%d", dir, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/secret", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/ok", dir);
	unlink(p);
	rmdir(dir);
	return tap_status();
}
