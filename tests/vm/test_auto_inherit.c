// SPDX-License-Identifier: GPL-2.0-only
/*
 * Descriptors an auto-confined agent inherits (issue 17): the shell that starts a registered
 * agent opened a secret first (`exec 3<~/.ssh/id_rsa`), and the agent uses fd 3 instead of
 * opening the file. Each way to use it — read, sendfile, a mapping, a forked child's dup, a
 * write — done by an unregistered copy of this program (must succeed) and by the registered
 * one (refused EACCES, with a file_permission or mmap_file_inherited record naming the rule);
 * a secret named by a pattern and made during the session, a control file (cgroup.procs)
 * opened for writing; an allowed file stays readable; the parent outside keeps reading the
 * same open file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compile/compile.h"
#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "policy/policy.h"
#include "tap.h"
#include "rmtree.h"
#include "testutil.h"

#define DIR_	"/tmp/inh"
#define SECRET	DIR_ "/home/.ssh/id_rsa"
#define ENVFILE DIR_ "/proj/.env"
#define ALLOWED DIR_ "/proj/notes.txt"
#define AGENT	"/tmp/inh-agent"
#define PLAIN	"/tmp/inh-plain"
#define POLICY	DIR_ "/vm-auto-inherit.yaml"
#define FD	3

static const char policy_yaml[] = "name: vm-auto-inherit\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/]\n"
				  "secrets:\n"
				  "  files: [" DIR_ "/home/.ssh]\n"
				  "  patterns: [.env]\n";

/* --- the program as the "agent": argv[1] the use of fd 3; 0 when it worked, else errno --- */

static int use_fd(const char *how)
{
	char buf[64];
	ssize_t n;

	if (!strcmp(how, "read")) {
		n = read(FD, buf, sizeof(buf));
		return n > 0 ? 0 : n == 0 ? EIO : errno;
	}
	if (!strcmp(how, "pread")) {
		n = pread(FD, buf, sizeof(buf), 0);
		return n > 0 ? 0 : n == 0 ? EIO : errno;
	}
	if (!strcmp(how, "sendfile")) {
		int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		off_t off = 0;

		n = out < 0 ? -1 : sendfile(out, FD, &off, sizeof(buf));
		return n > 0 ? 0 : n == 0 ? EIO : errno;
	}
	if (!strcmp(how, "mmap")) {
		volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, FD, 0);

		if (p == MAP_FAILED)
			return errno;
		n = p[0];
		munmap((void *)p, 4096);
		return n ? 0 : EIO;
	}
	if (!strcmp(how, "fork-dup")) {
		/* A child of the agent, through another descriptor number for the same file. */
		int fd = dup(FD), status;
		pid_t c = fork();

		if (c == 0) {
			n = read(fd, buf, sizeof(buf));
			_exit(n > 0 ? 0 : n == 0 ? EIO : errno);
		}
		if (c < 0 || waitpid(c, &status, 0) < 0 || !WIFEXITED(status))
			return EIO;
		return WEXITSTATUS(status);
	}
	if (!strcmp(how, "write")) {
		n = write(FD, "x", 1);
		return n == 1 ? 0 : errno;
	}
	if (!strcmp(how, "write-pid")) {
		snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		n = write(FD, buf, strlen(buf));
		return n > 0 ? 0 : errno;
	}
	return 250;
}

/* --- the bench ------------------------------------------------------------------------------ */

struct inherit_arg {
	const char *prog; /* AGENT or PLAIN */
	const char *file; /* opened as fd 3 before the exec */
	int flags;	  /* its open flags */
	const char *how;  /* the agent's use of it */
};

/* The shell's part: fd 3 opened (inheritable), then the exec of the program. */
static int exec_with_fd(void *p)
{
	const struct inherit_arg *a = p;
	int fd = open(a->file, a->flags);

	if (fd < 0)
		return 240;
	if (fd != FD && (dup2(fd, FD) < 0 || close(fd) < 0))
		return 241;
	execl(a->prog, a->prog, a->how, (char *)NULL);
	return 252;
}

static int run(const char *prog, const char *file, int flags, const char *how, pid_t *pid)
{
	struct inherit_arg a = { prog, file, flags, how };

	return run_child(exec_with_fd, &a, pid);
}

/*
 * The last file record of @hook in @s's stream (drained before the run): from the agent, or
 * from the child it forked.
 */
static const struct cordon_event_hdr *find(const struct collected *c,
					   const struct cordon_session_ctx *s, unsigned int hook)
{
	const struct cordon_event_hdr *h = NULL;

	for (int i = 0; i < c->n; i++)
		if (c->ev[i].hdr.type == CORDON_EV_FILE && c->ev[i].hdr.hook == hook &&
		    c->ev[i].hdr.session == s->id)
			h = &c->ev[i].hdr;
	return h;
}

/*
 * One use @how of @file: the unregistered copy must succeed, the registered agent be refused
 * EACCES with a record of @hook naming @rule, in the session, layer BPF LSM.
 */
static void attack(struct cordon_session_ctx *s, const char *name, const char *file, int flags,
		   const char *how, unsigned int hook, uint32_t rule)
{
	struct collected c = { 0 };
	const struct cordon_event_hdr *h;
	int r;

	r = run(PLAIN, file, flags, how, NULL);
	if (!tap_check(r == 0, "%s_outside_succeeds", name))
		tap_diag("%s outside: %d", name, r);
	collect_events(s->bpf, &c, 0); /* drain */
	memset(&c, 0, sizeof(c));
	r = run(AGENT, file, flags, how, NULL);
	if (!tap_check(r == EACCES, "%s_refused_EACCES", name))
		tap_diag("%s inside: %d (%s)", name, r, strerror(r));
	collect_events(s->bpf, &c, 200);
	h = find(&c, s, hook);
	if (!tap_check(h != NULL, "%s_record", name)) {
		for (int j = 0; j < c.n; j++)
			tap_diag("got type=%u hook=%u verdict=%d rule=%#x pid=%u", c.ev[j].hdr.type,
				 c.ev[j].hdr.hook, c.ev[j].hdr.verdict, c.ev[j].hdr.rule_id,
				 c.ev[j].hdr.pid);
		return;
	}
	if (!tap_check(h->session == s->id && h->verdict == -EACCES &&
			       h->layer == CORDON_LAYER_BPF_LSM && h->rule_id == rule,
		       "%s_record_names_rule", name))
		tap_diag("session %u verdict %d layer %u rule %#x (want %#x)", h->session,
			 h->verdict, h->layer, h->rule_id, rule);
}

/* The parent outside shares the open file the agent was refused: it keeps reading it. */
static void parent_keeps_file(void)
{
	int fd = open(SECRET, O_RDONLY), status, r = -1;
	char buf[16];
	pid_t p;

	if (fd < 0 || dup2(fd, FD) < 0) {
		tap_check(false, "parent_opened_secret");
		return;
	}
	fflush(NULL);
	p = fork();
	if (p == 0) {
		execl(AGENT, AGENT, "read", (char *)NULL);
		_exit(252);
	}
	if (p > 0 && waitpid(p, &status, 0) == p && WIFEXITED(status))
		r = WEXITSTATUS(status);
	tap_check(r == EACCES, "agent_refused_fd_shared_with_parent_EACCES");
	tap_check(pread(FD, buf, sizeof(buf), 0) > 0, "parent_outside_still_reads_it");
	close(FD);
	close(fd);
}

/*
 * `cordon run` (root, no daemon) started with fd 3 open on the secret: the launcher marks every
 * descriptor above 2 close-on-exec before the agent's exec (enforce/launch.c confine), so the
 * agent finds no fd 3 at all (EBADF) rather than one nothing judged.
 */
static void cordon_run_closes_fd(void)
{
	int fd = open(SECRET, O_RDONLY), status, r = -1;
	char self[4096] = "";
	pid_t p;

	/* This program where it was staged: the session's /tmp is its own (no copy there). */
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0) {
		tap_check(false, "cordon_run_self");
		return;
	}

	test_write_file(POLICY, policy_yaml, 0644);
	if (fd < 0) {
		tap_check(false, "cordon_run_setup");
		return;
	}
	fflush(NULL);
	p = fork();
	if (p == 0) {
		if (dup2(fd, FD) < 0)
			_exit(241);
		execl("/bin/cordon", "cordon", "run", "--user", "root", "--policy", POLICY,
		      "--project", DIR_ "/proj", "--audit-log", DIR_ "/audit.log", "--", self,
		      "read", (char *)NULL);
		_exit(252);
	}
	close(fd);
	if (p > 0 && waitpid(p, &status, 0) == p && WIFEXITED(status))
		r = WEXITSTATUS(status);
	if (!tap_check(r == EBADF, "cordon_run_agent_has_no_inherited_fd_EBADF"))
		tap_diag("cordon run: status %d", r);
}

int main(int argc, char **argv)
{
	struct cordon_session_ctx s = { .procs_fd = -1 };
	struct cordon_auto_key key = { 0 };
	char root[4200], procs[4400];
	uint64_t drops = 1;
	int r;

	if (argc == 2)
		return use_fd(argv[1]);

	if (test_cgroup_root(root, sizeof(root), "inherit") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	mkdir(DIR_, 0755);
	mkdir(DIR_ "/home", 0755);
	mkdir(DIR_ "/home/.ssh", 0700);
	mkdir(DIR_ "/proj", 0755);
	test_write_file(SECRET, "canary-secret\n", 0600);
	test_write_file(ALLOWED, "notes\n", 0644);
	if (!tap_check(test_copy_file("/proc/self/exe", AGENT) == 0 &&
			       test_copy_file("/proc/self/exe", PLAIN) == 0,
		       "copies_of_the_test_binary"))
		return 1;
	if (!tap_check(test_lsm_session(&s, root, "vm-auto-inherit.yaml", policy_yaml) == 0,
		       "session_from_yaml_policy"))
		return 1;
	r = cordon_auto_register(s.bpf, AGENT, s.cgroup_id, &key);
	if (!tap_check(r == 0, "register_executable"))
		tap_diag("register: %s", strerror(-r));
	/* The agent runs as root here: its rules are the session's (the daemon marks a user ready
	 * once it has filled that user's rules; an unresolved uid's exec is refused). */
	r = cordon_bpf_auto_user_set(s.bpf, s.cgroup_id, 0,
				     &(struct cordon_auto_user){ .state = CORDON_AUTO_USER_READY });
	if (!tap_check(r == 0, "root_marked_ready"))
		tap_diag("auto_users: %s", strerror(-r));
	/* Made during the session: no inode rule, only the pattern names it. */
	test_write_file(ENVFILE, "canary-env\n", 0600);

	attack(&s, "inherited_secret_read", SECRET, O_RDONLY, "read", CORDON_HOOK_FILE_PERMISSION,
	       POL_RULE_ID(POL_RULE_SECRET, 0));
	attack(&s, "inherited_secret_pread", SECRET, O_RDONLY, "pread", CORDON_HOOK_FILE_PERMISSION,
	       POL_RULE_ID(POL_RULE_SECRET, 0));
	attack(&s, "inherited_secret_sendfile", SECRET, O_RDONLY, "sendfile",
	       CORDON_HOOK_FILE_PERMISSION, POL_RULE_ID(POL_RULE_SECRET, 0));
	attack(&s, "inherited_secret_mmap", SECRET, O_RDONLY, "mmap",
	       CORDON_HOOK_MMAP_FILE_INHERITED, POL_RULE_ID(POL_RULE_SECRET, 0));
	attack(&s, "inherited_secret_dup_in_forked_child", SECRET, O_RDONLY, "fork-dup",
	       CORDON_HOOK_FILE_PERMISSION, POL_RULE_ID(POL_RULE_SECRET, 0));
	attack(&s, "inherited_secret_write", SECRET, O_RDWR, "write", CORDON_HOOK_FILE_PERMISSION,
	       POL_RULE_ID(POL_RULE_SECRET, 0));
	attack(&s, "inherited_pattern_secret_made_in_session_read", ENVFILE, O_RDONLY, "read",
	       CORDON_HOOK_FILE_PERMISSION, POL_RULE_ID(POL_RULE_PATTERN, 0));
	test_write_file(SECRET, "canary-secret\n", 0600);

	/* cgroup.procs of the root, opened for writing by the shell: the way out of the session. */
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", root);
	attack(&s, "inherited_cgroup_procs_write", procs, O_WRONLY, "write-pid",
	       CORDON_HOOK_FILE_PERMISSION, 0);

	r = run(AGENT, ALLOWED, O_RDONLY, "read", NULL);
	if (!tap_check(r == 0, "inherited_allowed_file_read_inside"))
		tap_diag("allowed: %d", r);
	parent_keeps_file();
	cordon_run_closes_fd();
	tap_check(cordon_bpf_drops(s.bpf, &drops) == 0 && drops == 0, "no_events_dropped");

	cordon_session_destroy(&s);
	test_rm_cgroups(root);
	test_rm_rf(DIR_);
	unlink(AGENT);
	unlink(PLAIN);
	return tap_status();
}
