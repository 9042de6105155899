// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pathname unix sockets default-deny inside the VM: on 6.1 the BPF LSM socket hooks judge them by
 * path (with the session's own listeners let through), on 6.12 the cgroup unix programs do. Each
 * attack runs outside any session first (where it must succeed), then in a session (refused with
 * EPERM and a unix record naming the path, the reason and the layer that refused it).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "tap.h"
#include "testutil.h"

/* Not in /tmp: the policy compiler allows the session's /tmp by default (its own, private). */
#define TOOLDIR "/srv/utool"
#define TOOL	TOOLDIR "/tool.sock"	      /* another program's server (tmux, a dev tool) */
#define CRED	"/srv/uhome/.cache/cred.sock" /* a credential cache answering a token */
#define DGRAM	"/srv/udgram.sock"	      /* a datagram receiver (syslog-like) */
#define ALLOWD	"/srv/uallow"
#define ALLOWED ALLOWD "/ok.sock"	  /* below a network.unix.allow entry */
#define DENIED	ALLOWD "/deny-dgram.sock" /* below it too, but a deny entry wins */
#define PROJ	"/srv/uproj"		  /* a write tree: the session's own sockets */
#define TOKEN	"token-cordon-vm\n"

static const char policy_yaml[] = "name: vm-unix\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp, " PROJ "]\n"
				  "  exec: [/]\n"
				  "network:\n"
				  "  unix:\n"
				  "    allow: [" ALLOWD "/]\n"
				  "    deny: [" DENIED "]\n";

/* --- attacks: each returns 0 when the action succeeded, else the errno ------------------ */

static socklen_t unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* Every path here is short: what does not fit is cut (and then fails visibly). */
	memcpy(sa->sun_path, path, strnlen(path, sizeof(sa->sun_path) - 1));
	return sizeof(*sa);
}

static int connect_to(const char *path, int type)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(&sa, path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		r = errno;
	close(fd);
	return r;
}

static int a_tool(void)
{
	return connect_to(TOOL, SOCK_STREAM);
}

/* Connect and read what the server says: the token proves the connection worked. */
static int a_cred(void)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(&sa, CRED);
	char buf[64] = { 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		r = errno;
	else if (read(fd, buf, sizeof(buf) - 1) <= 0 || strcmp(buf, TOKEN))
		r = EIO;
	close(fd);
	return r;
}

static int send_to(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(&sa, path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return errno;
	if (sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&sa, len) < 0)
		r = errno;
	close(fd);
	return r;
}

static int a_dgram_sendto(void)
{
	return send_to(DGRAM);
}

static int a_dgram_connect(void)
{
	return connect_to(DGRAM, SOCK_DGRAM);
}

static int a_deny_entry(void)
{
	return send_to(DENIED);
}

/* The name next to the socket, relative to the working directory. */
static int a_relative(void)
{
	if (chdir(TOOLDIR) < 0)
		return errno;
	return connect_to("tool.sock", SOCK_STREAM);
}

static int a_double_slash(void)
{
	return connect_to("/srv//utool/tool.sock", SOCK_STREAM);
}

static int a_dot(void)
{
	return connect_to("/srv/./utool/tool.sock", SOCK_STREAM);
}

/* Below the allowed prefix by its string, outside it once resolved. */
static int a_dotdot(void)
{
	return connect_to(ALLOWD "/../utool/tool.sock", SOCK_STREAM);
}

/* A symlink the agent makes in its write tree, to another program's socket. */
static int a_symlink(void)
{
	int r;

	unlink(PROJ "/link.sock");
	if (symlink(TOOL, PROJ "/link.sock") < 0)
		return errno;
	r = connect_to(PROJ "/link.sock", SOCK_STREAM);
	unlink(PROJ "/link.sock");
	return r;
}

static int a_allowed(void)
{
	return connect_to(ALLOWED, SOCK_STREAM);
}

/*
 * A server and its client, both of this process: in the session they are the session's own.
 * @relative: connect by the name next to it too.
 */
static int own_pair(const char *dir, const char *name, bool relative)
{
	struct sockaddr_un sa;
	socklen_t len;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	len = unix_addr(&sa, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 8) < 0) {
		r = errno;
		close(fd);
		return r;
	}
	r = connect_to(path, SOCK_STREAM);
	if (!r && relative)
		r = chdir(dir) < 0 ? errno : connect_to(name, SOCK_STREAM);
	close(fd);
	unlink(path);
	return r;
}

static int a_own_tmp(void)
{
	return own_pair("/tmp", "uown.sock", false);
}

static int a_own_project(void)
{
	return own_pair(PROJ, "own.sock", true);
}

/* --- the table ---------------------------------------------------------------------------- */

struct attack {
	const char *name;
	int (*fn)(void);
	int expect;	  /* errno inside the session; 0: must work there too */
	const char *path; /* the record's path (as the agent passed it) */
	__u32 reason;	  /* CORDON_UNIX_REASON_* */
	__u16 lsm_hook;	  /* the hook that refuses it on the BPF LSM tier */
	__u16 cg_hook;	  /* ... and on the cgroup tier */
	bool lsm_allows;  /* allowed on the BPF LSM tier (the session's own listener) */
};

#define STREAM CORDON_HOOK_UNIX_STREAM_CONNECT, CORDON_HOOK_CONNECT_UNIX
#define R(x)   CORDON_UNIX_REASON_##x

static const struct attack attacks[] = {
	{ "connect_tool_socket", a_tool, EPERM, TOOL, R(DEFAULT), STREAM, false },
	{ "credential_cache_token", a_cred, EPERM, CRED, R(DEFAULT), STREAM, false },
	{ "dgram_sendto", a_dgram_sendto, EPERM, DGRAM, R(DEFAULT), CORDON_HOOK_SOCKET_SENDMSG,
	  CORDON_HOOK_SENDMSG_UNIX, false },
	{ "dgram_connect", a_dgram_connect, EPERM, DGRAM, R(DEFAULT), CORDON_HOOK_SOCKET_CONNECT,
	  CORDON_HOOK_CONNECT_UNIX, false },
	{ "dgram_deny_entry_in_allowed_tree", a_deny_entry, EPERM, DENIED, R(DENY),
	  CORDON_HOOK_SOCKET_SENDMSG, CORDON_HOOK_SENDMSG_UNIX, false },
	{ "relative_path", a_relative, EPERM, "tool.sock", R(RELATIVE), STREAM, false },
	{ "double_slash", a_double_slash, EPERM, "/srv//utool/tool.sock", R(NONCANON), STREAM,
	  false },
	{ "dot_component", a_dot, EPERM, "/srv/./utool/tool.sock", R(NONCANON), STREAM, false },
	{ "dotdot_out_of_allowed_tree", a_dotdot, EPERM, ALLOWD "/../utool/tool.sock", R(NONCANON),
	  STREAM, false },
	{ "symlink_in_write_tree", a_symlink, EPERM, PROJ "/link.sock", R(DEFAULT), STREAM, false },
	{ "allowed_socket_works", a_allowed, 0, NULL, 0, 0, 0, false },
	{ "own_server_in_tmp_works", a_own_tmp, 0, NULL, 0, 0, 0, false },
	/* The LSM tier asks whose the listener is; the cgroup programs see only the path. */
	{ "own_server_in_project", a_own_project, EPERM, PROJ "/own.sock", R(DEFAULT), STREAM,
	  true },
};

/* --- the bench ---------------------------------------------------------------------------- */

struct run_arg {
	const struct attack *a;
	const char *cgroup;
};

/* In a session the attack runs as the agent would: this program executed there. */
static int in_child(void *p)
{
	const struct run_arg *ra = p;

	if (!ra->cgroup)
		return ra->a->fn();
	if (cordon_cgroup_enter(ra->cgroup, 0) < 0)
		return 250;
	execl("/tests/vm/test_unix", "test_unix", "attack", ra->a->name, (char *)NULL);
	return 251;
}

static int attack_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (!strcmp(attacks[i].name, name))
			return attacks[i].fn();
	return 252;
}

static int listen_at(const char *path, int type)
{
	struct sockaddr_un sa;
	socklen_t len = unix_addr(&sa, path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    (type != SOCK_DGRAM && listen(fd, 64) < 0)) {
		tap_diag("listener %s: %s", path, strerror(errno));
		return -1;
	}
	return fd;
}

/* The credential cache: a process outside every session that hands each client the token. */
static pid_t start_cred_server(void)
{
	int fd = listen_at(CRED, SOCK_STREAM);
	pid_t p;

	if (fd < 0)
		return -1;
	p = fork();
	if (p == 0) {
		for (;;) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && write(c, TOKEN, strlen(TOKEN)) < 0)
				_exit(1);
			if (c >= 0)
				close(c);
		}
	}
	close(fd);
	return p;
}

/* The record @a left in @c for session @sid, or NULL. */
static const struct cordon_event_unix *find_unix(const struct collected *c, __u16 hook, __u32 sid)
{
	for (int j = 0; j < c->n; j++)
		if (c->ev[j].hdr.type == CORDON_EV_UNIX && c->ev[j].hdr.hook == hook &&
		    c->ev[j].hdr.session == sid)
			return &c->ev[j].unx;
	return NULL;
}

static void run_attack(const struct attack *a, struct cordon_session_ctx *s, bool cg_tier)
{
	struct run_arg out = { a, NULL }, in = { a, s->cgroup };
	bool allowed = a->expect == 0 || (a->lsm_allows && !cg_tier);
	const struct cordon_event_unix *e;
	struct collected c = { 0 };
	__u16 hook = cg_tier ? a->cg_hook : a->lsm_hook;
	int r;

	r = run_child(in_child, &out, NULL);
	if (!tap_check(r == 0, "%s_outside_succeeds", a->name))
		tap_diag("%s outside: %d (%s)", a->name, r, strerror(r));
	collect_events(s->bpf, &c, 0);
	memset(&c, 0, sizeof(c));

	r = run_child(in_child, &in, NULL);
	if (allowed) {
		if (!tap_check(r == 0, "%s_inside_works", a->name))
			tap_diag("%s inside: %d (%s)", a->name, r, strerror(r));
		collect_events(s->bpf, &c, 100);
		tap_check(!find_unix(&c, a->lsm_hook, s->id) && !find_unix(&c, a->cg_hook, s->id),
			  "%s_no_record", a->name);
		return;
	}
	if (!tap_check(r == a->expect, "%s_refused_%s", a->name, strerrorname_np(a->expect)))
		tap_diag("%s inside: %d (%s)", a->name, r, strerror(r));
	collect_events(s->bpf, &c, 200);
	e = find_unix(&c, hook, s->id);
	if (!tap_check(e != NULL, "%s_record", a->name)) {
		for (int j = 0; j < c.n; j++)
			tap_diag("got event type=%u hook=%u verdict=%d session=%u",
				 c.ev[j].hdr.type, c.ev[j].hdr.hook, c.ev[j].hdr.verdict,
				 c.ev[j].hdr.session);
		return;
	}
	tap_check(e->hdr.verdict == -a->expect && e->hdr.layer == (cg_tier ? CORDON_LAYER_CGROUP_BPF
									   : CORDON_LAYER_BPF_LSM),
		  "%s_record_verdict_and_layer", a->name);
	if (!tap_check(!strcmp((const char *)e->path, a->path) && e->reason == a->reason,
		       "%s_record_names_path_and_reason", a->name))
		tap_diag("%s: path \"%s\" reason %u", a->name, (const char *)e->path, e->reason);
}

static void setup_dirs(void)
{
	mkdir("/srv", 0755);
	mkdir(TOOLDIR, 0755);
	mkdir("/srv/uhome", 0755);
	mkdir("/srv/uhome/.cache", 0700);
	mkdir(ALLOWD, 0755);
	mkdir(PROJ, 0755);
}

int main(int argc, char **argv)
{
	struct cordon_session_ctx s = { .procs_fd = -1 };
	int tool, dgram, allowed, denied;
	char root[4200];
	pid_t cred;
	bool cg_tier;

	if (argc == 3 && !strcmp(argv[1], "attack"))
		return attack_by_name(argv[2]);
	if (test_cgroup_root(root, sizeof(root), "unix") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	setup_dirs();
	tool = listen_at(TOOL, SOCK_STREAM);
	dgram = listen_at(DGRAM, SOCK_DGRAM);
	allowed = listen_at(ALLOWED, SOCK_STREAM);
	denied = listen_at(DENIED, SOCK_DGRAM);
	cred = start_cred_server();
	tap_check(tool >= 0 && dgram >= 0 && allowed >= 0 && denied >= 0 && cred > 0,
		  "listeners_outside");
	if (!tap_check(test_lsm_session(&s, root, "vm-unix.yaml", policy_yaml) == 0,
		       "session_from_yaml_policy"))
		return 1;
	cg_tier = cordon_bpf_unix_ready(s.bpf);
	tap_diag("pathname unix sockets judged by the %s",
		 cg_tier ? "cgroup unix programs" : "BPF LSM socket hooks");

	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		char buf[64];

		run_attack(&attacks[i], &s, cg_tier);
		/* Keep the datagram queues empty: a full one would block the next send. */
		while (recv(dgram, buf, sizeof(buf), MSG_DONTWAIT) > 0 ||
		       recv(denied, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	}

	kill(cred, SIGKILL);
	waitpid(cred, NULL, 0);
	cordon_session_destroy(&s);
	cordon_cgroup_remove(root);
	return tap_status();
}
