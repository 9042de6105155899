// SPDX-License-Identifier: GPL-2.0-only
/*
 * One record per connect refused by BPF LSM (issue 16): the socket_connect hook judges the IP
 * rules for sockets no cgroup program sees (made outside cordon's cgroups: before an
 * auto-confined agent's move, or passed in), and marks the thread's syscall capture when its
 * record is on the ring (capture_recorded()), so that sys_exit_connect makes no second record
 * of the same refusal. Each connect runs outside every session first, where it must succeed,
 * then from a session task on a socket made outside, where BPF LSM must refuse it with EPERM:
 * the ring then holds exactly one refusal of that process (socket_connect, bpf_lsm) and no
 * syscall record, and the audit stream writes exactly one refusal naming the rule. The control:
 * a unix datagram connect the same hook refuses by its path without that mark still makes its
 * syscall-exit echo (seen on the ring, dropped by the reader), so a test that sees no echo
 * for the IP connects can see one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "audit/audit.h"
#include "enforce/enforce.h"
#include "loader/loader.h"
#include "tap.h"
#include "testutil.h"

/* Not in /tmp: the policy compiler lets a session reach unix sockets under /tmp. */
#define DIR_  "/srv/echo"
#define DGRAM DIR_ "/dgram.sock" /* a datagram receiver outside the session (syslog-like) */
#define LOG   "/tmp/connect-echo.jsonl"

/* No network entry: every IP connect is refused, and so is every unix socket outside /tmp. */
static const char policy_yaml[] = "name: connect-echo\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/]\n";

#define NO_ENTRY ": no entry allows it (default deny)"

enum kind {
	TCP4,
	TCP6,
	UDP4,
	UNIX_DGRAM
};

struct probe {
	const char *name;
	enum kind kind;
	bool marked; /* the refusal's record marks the capture: no syscall-exit echo */
	const char *action, *hook, *rule_text;
	const char *ip; /* destination.ip of the record; NULL: none (unix) */
};

static const struct probe probes[] = {
	{ "tcp4", TCP4, true, "connect", "socket_connect", "network.connect" NO_ENTRY,
	  "127.0.0.1" },
	/* The other family and the other protocol: the same hook, the same mark. */
	{ "tcp6", TCP6, true, "connect", "socket_connect", "network.connect" NO_ENTRY, "::1" },
	{ "udp4", UDP4, true, "connect", "socket_connect", "network.connect" NO_ENTRY,
	  "127.0.0.1" },
	/* The control: refused by the same hook (unix_path_decide()), which sets no mark. */
	{ "unix_dgram_control", UNIX_DGRAM, false, "unix-connect", "socket_connect",
	  "network.unix.allow" NO_ENTRY, NULL },
};

static uint16_t tcp4_port, tcp6_port, udp4_port;

/* --- the connect, in a forked child --------------------------------------------------- */

struct run {
	const struct probe *p;
	const char *cgroup; /* NULL: outside every session */
};

static socklen_t address(enum kind k, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un *su = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof(*ss));
	switch (k) {
	case TCP6:
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(tcp6_port);
		inet_pton(AF_INET6, "::1", &s6->sin6_addr);
		return sizeof(*s6);
	case UNIX_DGRAM:
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, DGRAM, sizeof(DGRAM));
		return sizeof(*su);
	default:
		s4->sin_family = AF_INET;
		s4->sin_port = htons(k == UDP4 ? udp4_port : tcp4_port);
		inet_pton(AF_INET, "127.0.0.1", &s4->sin_addr);
		return sizeof(*s4);
	}
}

/*
 * The socket is made first, here, in this test's own cgroup: outside cordon's root, so no
 * cgroup program ever runs for it. Then the task joins the session (as an auto-confined agent
 * is moved after its socket was made) and connects. 0, or the connect's errno (250: no join).
 */
static int connect_child(void *arg)
{
	const struct run *r = arg;
	static const int family[] = { AF_INET, AF_INET6, AF_INET, AF_UNIX };
	static const int type[] = { SOCK_STREAM, SOCK_STREAM, SOCK_DGRAM, SOCK_DGRAM };
	struct sockaddr_storage ss;
	socklen_t len = address(r->p->kind, &ss);
	int fd = socket(family[r->p->kind], type[r->p->kind] | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 251;
	if (r->cgroup && cordon_cgroup_enter(r->cgroup, 0) < 0)
		return 250;
	return connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
}

/* --- the ring, as the reader sees it --------------------------------------------------- */

/* What one process (@pid) put on the ring, counted before the stream takes each record. */
struct tally {
	pid_t pid;
	unsigned int refusals;	      /* records with a verdict, of any type */
	unsigned int syscalls;	      /* syscall-exit records (an echo, here) */
	unsigned int enforcement;     /* refusals by an enforcement program (not a tracepoint) */
	struct cordon_event_hdr last; /* the last enforcement refusal's header */
	struct cordon_audit_stream *st;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct tally *t = ctx;
	const struct cordon_event_hdr *h = data;

	if (size >= sizeof(*h) && t->pid && h->pid == (uint32_t)t->pid && h->verdict) {
		t->refusals++;
		if (h->type == CORDON_EV_SYSCALL) {
			t->syscalls++;
		} else {
			t->enforcement++;
			t->last = *h;
		}
	}
	return cordon_audit_stream_event(t->st, data, size);
}

static json_t *jget(json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static const char *jstr(json_t *o, const char *a, const char *b)
{
	return json_string_value(jget(o, a, b)) ?: "";
}

/* The refusal records of process @pid in the log, as a new array. */
static json_t *refusals_of(pid_t pid)
{
	json_t *all = test_read_jsonl(LOG), *out = json_array(), *o;
	size_t i;

	json_array_foreach (all, i, o)
		if (json_integer_value(jget(o, "process", "pid")) == pid &&
		    !strcmp(jstr(o, "event", "outcome"), "failure"))
			json_array_append(out, o);
	json_decref(all);
	return out;
}

static void check_probe(const struct probe *p, const char *cgroup, struct ring_buffer *rb,
			struct tally *t)
{
	struct cordon_audit_stream *st = t->st;
	struct run r = { p, NULL };
	uint64_t echoes;
	json_t *recs, *o;
	pid_t pid = 0;
	int got;

	got = run_child(connect_child, &r, NULL);
	if (!tap_check(got == 0, "%s_connect_outside_succeeds", p->name))
		tap_diag("outside: %d (%s)", got, got > 0 ? strerror(got) : "crashed");
	ring_buffer__consume(rb);

	/* In the session: everything of the child counted from its first record on. */
	echoes = st->echoes;
	memset(&t->last, 0, sizeof(t->last));
	t->refusals = t->syscalls = t->enforcement = 0;
	r.cgroup = cgroup;
	/* Nothing is read while the child runs: its records wait on the ring for its pid. */
	got = run_child(connect_child, &r, &pid);
	t->pid = pid;
	ring_buffer__poll(rb, 200);
	ring_buffer__consume(rb);
	cordon_audit_sink_flush(st->sink);
	if (!tap_check(got == EPERM && pid > 0, "%s_session_task_refused_EPERM", p->name))
		tap_diag("inside: %d (%s)", got, got > 0 ? strerror(got) : "crashed");

	tap_check(t->enforcement == 1 && t->last.verdict == -EPERM &&
			  t->last.layer == CORDON_LAYER_BPF_LSM &&
			  t->last.hook == CORDON_HOOK_SOCKET_CONNECT &&
			  t->last.type ==
				  (p->kind == UNIX_DGRAM ? CORDON_EV_UNIX : CORDON_EV_CONNECT),
		  "%s_one_bpf_lsm_socket_connect_record_on_the_ring (%u; layer %s, hook %s, "
		  "verdict %d)",
		  p->name, t->enforcement, cordon_event_layer_name(t->last.layer),
		  cordon_event_hook_name(t->last.hook), t->last.verdict);
	if (p->marked)
		tap_check(t->syscalls == 0 && st->echoes == echoes,
			  "%s_no_syscall_exit_echo_on_the_ring (%u syscall records, %llu echoes "
			  "dropped)",
			  p->name, t->syscalls, (unsigned long long)(st->echoes - echoes));
	else
		tap_check(t->syscalls == 1 && st->echoes == echoes + 1,
			  "%s_unmarked_refusal_makes_its_echo_and_the_reader_drops_it (%u syscall "
			  "records, %llu echoes dropped)",
			  p->name, t->syscalls, (unsigned long long)(st->echoes - echoes));

	/* The log: one refusal of that process, the LSM's, naming the rule and the layer. */
	recs = refusals_of(pid);
	o = json_array_get(recs, 0);
	if (!tap_check(json_array_size(recs) == 1 &&
			       !strcmp(jstr(o, "event", "action"), p->action) &&
			       !strcmp(jstr(o, "cordon", "layer"), "bpf_lsm") &&
			       !strcmp(jstr(o, "cordon", "hook"), p->hook) &&
			       !strcmp(jstr(o, "error", "code"), "EPERM") &&
			       !strcmp(jstr(o, "cordon", "rule_text"), p->rule_text) &&
			       (!p->ip || !strcmp(jstr(o, "destination", "ip"), p->ip)),
		       "%s_log_holds_exactly_one_refusal_bpf_lsm_rule_named (%zu)", p->name,
		       json_array_size(recs))) {
		size_t i;

		json_array_foreach (recs, i, o) {
			char *d = json_dumps(o, JSON_COMPACT);

			tap_diag("  %s", d ?: "?");
			free(d);
		}
	}
	json_decref(recs);
}

/* --- set-up ------------------------------------------------------------------------------- */

static int udp_receiver(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static int unix_receiver(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = DGRAM };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	unlink(DGRAM);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

int main(void)
{
	struct cordon_session_ctx s = { .procs_fd = -1 };
	struct cordon_audit_stream *st = calloc(1, sizeof(*st));
	struct cordon_audit_sink_opts so = { .path = LOG, .fd = -1 };
	struct tally t = { .st = st };
	struct ring_buffer *rb = NULL;
	int l4, l6, u4, ux;
	uint64_t drops = 1;
	char root[4200];

	mkdir("/srv", 0755);
	mkdir(DIR_, 0755);
	l4 = tcp_listener(AF_INET, &tcp4_port);
	l6 = tcp_listener(AF_INET6, &tcp6_port);
	u4 = udp_receiver(&udp4_port);
	ux = unix_receiver();
	if (!tap_check(st && l4 >= 0 && l6 >= 0 && u4 >= 0 && ux >= 0, "listeners"))
		return tap_status();
	if (test_cgroup_root(root, sizeof(root), "echo") < 0 ||
	    !tap_check(test_lsm_session(&s, root, "connect-echo.yaml", policy_yaml) == 0,
		       "bpf_lsm_session"))
		return tap_status();
	unlink(LOG);
	st->ctx = (struct cordon_audit_ctx){ .session = "0123456789abcdef0123456789abcdef",
					     .policy = "connect-echo",
					     .host = "vm" };
	if (tap_check(cordon_audit_sink_open(&so, &st->sink) == 0, "json_file_sink_open"))
		rb = cordon_bpf_events(s.bpf, on_event, &t);
	if (tap_check(rb != NULL, "ring_buffer_reader")) {
		/*
		 * Each refusal is the first of its object in the stream: written in full, never
		 * folded into a later summary.
		 */
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			check_probe(&probes[i], s.cgroup, rb, &t);
		ring_buffer__free(rb);
	}
	tap_check(cordon_bpf_drops(s.bpf, &drops) == 0 && drops == 0, "no_records_lost");
	cordon_audit_stream_release(st);
	if (st->sink)
		cordon_audit_sink_close(st->sink);
	tap_check(st->malformed == 0 && st->write_errors == 0,
		  "no_malformed_records_or_write_errors");
	free(st);
	cordon_session_destroy(&s);
	cordon_cgroup_remove(root);
	close(l4);
	close(l6);
	close(u4);
	close(ux);
	unlink(DGRAM);
	return tap_status();
}
