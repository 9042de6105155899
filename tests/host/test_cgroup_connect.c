// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup/connect4 and connect6 from bpf/ on the host kernel: a process in a session cgroup is
 * refused a TCP connect with EPERM and the refusal arrives as a ring-buffer record, an untagged
 * process connects to the same listener, and an allow rule opens exactly its address and port
 * (also through an IPv4-mapped IPv6 address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "tap.h"
#include "testutil.h"

struct attempt {
	const char *cgroup; /* join this cgroup first; NULL: stay untagged */
	int family;
	const char *addr;
	uint16_t port;
};

static int attempt_connect(void *arg)
{
	const struct attempt *a = arg;

	if (a->cgroup && cordon_cgroup_enter(a->cgroup, 0) < 0)
		return 200;
	return tcp_connect(a->family, a->addr, a->port);
}

static void allow_v4(struct cordon_bpf *b, uint32_t session, const char *addr, uint16_t port)
{
	struct cordon_net_key k = { .prefixlen = CORDON_NET_KEY_SESSION_BITS + 128,
				    .session = session };
	struct cordon_net_rule r = { .count = 1 };

	k.addr[10] = 0xff;
	k.addr[11] = 0xff;
	inet_pton(AF_INET, addr, &k.addr[12]);
	r.ranges[0] = (struct cordon_port_range){
		.rule_id = 7, .lo = port, .hi = port, .protocols = CORDON_PROTO_TCP
	};
	tap_check(cordon_bpf_net_rule_add(b, &k, &r) == 0, "net_rule_add");
}

int main(void)
{
	struct cordon_bpf_opts o = { .lsm = false };
	const struct cordon_event_connect *ev;
	struct cordon_session s = { .id = 1, .flags = CORDON_SESSION_NET };
	struct collected c = { 0 };
	struct cordon_bpf *b = NULL;
	char root[4200], sess[4300];
	uint16_t port4 = 0, port6 = 0;
	int l4, l6, r;
	uint64_t cgid, drops = 1;
	pid_t pid;

	if (geteuid() != 0) {
		tap_skip("needs root", "cgroup_connect");
		return 0;
	}
	if (test_cgroup_root(root, sizeof(root), "net") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	o.cgroup_root = root;
	r = cordon_bpf_start(&o, &b);
	if (!tap_check(r == 0, "bpf_load_and_attach_cgroup_programs")) {
		tap_diag("cordon_bpf_start: %s", strerror(-r));
		return 1;
	}
	snprintf(sess, sizeof(sess), "%s/session", root);
	tap_check(cordon_cgroup_create(sess) == 0 && cordon_cgroup_id(sess, &cgid) == 0,
		  "session_cgroup_created");
	tap_check(cordon_bpf_session_add(b, cgid, &s) == 0, "session_registered");

	l4 = tcp_listener(AF_INET, &port4);
	l6 = tcp_listener(AF_INET6, &port6);
	if (!tap_check(l4 >= 0 && l6 >= 0, "loopback_listeners"))
		return 1;

	/* Untagged: the listener is reachable, so a refusal below is cordon's doing. */
	struct attempt out4 = { NULL, AF_INET, "127.0.0.1", port4 };
	struct attempt out6 = { NULL, AF_INET6, "::1", port6 };
	tap_check(run_child(attempt_connect, &out4, NULL) == 0, "untagged_connect4_succeeds");
	tap_check(run_child(attempt_connect, &out6, NULL) == 0, "untagged_connect6_succeeds");

	struct attempt in4 = { sess, AF_INET, "127.0.0.1", port4 };
	r = run_child(attempt_connect, &in4, &pid);
	tap_check(r == EPERM, "session_connect4_refused_with_EPERM");
	collect_events(b, &c, 1000);
	ev = (const void *)find_event(&c, CORDON_EV_CONNECT, pid);
	if (tap_check(ev != NULL, "session_connect4_refusal_is_a_ringbuf_event")) {
		tap_check(ev->hdr.verdict == -EPERM && ev->hdr.layer == CORDON_LAYER_CGROUP_BPF &&
				  ev->hdr.hook == CORDON_HOOK_CONNECT4 && ev->port == port4 &&
				  ev->addr[12] == 127 && ev->hdr.session == 1 &&
				  ev->hdr.cgroup_id == cgid,
			  "connect4_event_fields");
	}

	struct attempt in6 = { sess, AF_INET6, "::1", port6 };
	tap_check(run_child(attempt_connect, &in6, NULL) == EPERM,
		  "session_connect6_refused_with_EPERM");

	/* One rule opens exactly 127.0.0.1:port4/tcp, for v4 and v4-mapped v6 alike. */
	allow_v4(b, s.id, "127.0.0.1", port4);
	tap_check(run_child(attempt_connect, &in4, NULL) == 0, "session_connect4_allowed_by_rule");
	struct attempt mapped = { sess, AF_INET6, "::ffff:127.0.0.1", port4 };
	tap_check(run_child(attempt_connect, &mapped, NULL) == 0,
		  "session_v4_mapped_connect6_allowed_by_v4_rule");
	struct attempt other_port = { sess, AF_INET, "127.0.0.1", port6 };
	tap_check(run_child(attempt_connect, &other_port, NULL) == EPERM,
		  "session_connect4_other_port_still_refused");
	tap_check(run_child(attempt_connect, &in6, NULL) == EPERM,
		  "session_connect6_still_refused");

	/* A second session at the same time, with its own rules: session 1's allow rule is not
	 * its own, and its rule is not session 1's. */
	{
		struct cordon_session s2 = { .id = 2, .flags = CORDON_SESSION_NET };
		char sess2[4300];
		uint64_t cgid2;
		uint16_t port4b = 0;
		int l4b = tcp_listener(AF_INET, &port4b);

		snprintf(sess2, sizeof(sess2), "%s/session2", root);
		tap_check(cordon_cgroup_create(sess2) == 0 &&
				  cordon_cgroup_id(sess2, &cgid2) == 0 &&
				  cordon_bpf_session_add(b, cgid2, &s2) == 0,
			  "second_session_registered");
		struct attempt s2_port4 = { sess2, AF_INET, "127.0.0.1", port4 };
		struct attempt s2_port4b = { sess2, AF_INET, "127.0.0.1", port4b };
		struct attempt s1_port4b = { sess, AF_INET, "127.0.0.1", port4b };

		tap_check(run_child(attempt_connect, &s2_port4, NULL) == EPERM,
			  "second_session_not_allowed_by_first_sessions_rule");
		allow_v4(b, s2.id, "127.0.0.1", port4b);
		tap_check(l4b >= 0 && run_child(attempt_connect, &s2_port4b, NULL) == 0,
			  "second_session_allowed_by_its_own_rule");
		tap_check(run_child(attempt_connect, &s1_port4b, NULL) == EPERM,
			  "first_session_not_allowed_by_second_sessions_rule");
		tap_check(run_child(attempt_connect, &in4, NULL) == 0,
			  "first_session_still_allowed_by_its_rule");
		cordon_bpf_session_del(b, cgid2);
		cordon_cgroup_remove(sess2);
		if (l4b >= 0)
			close(l4b);
	}

	tap_check(cordon_bpf_drops(b, &drops) == 0 && drops == 0, "no_events_dropped");
	tap_check(c.malformed == 0, "no_malformed_events");

	close(l4);
	close(l6);
	cordon_bpf_stop(b);
	cordon_cgroup_remove(sess);
	cordon_cgroup_remove(root);
	return tap_status();
}
