// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM rules at their edges (issue 17): files with no name mapped executable (memfd,
 * O_TMPFILE, unlinked), abstract unix sockets between a session's own cgroups, trees deeper
 * than the old 64-step walk, and secret names in a case-insensitive (ext4 casefold) directory.
 * Each attack runs outside every session (it must succeed) and inside (the exact errno and the
 * record naming hook, layer and rule); what must keep working inside is run inside too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "compile/compile.h"
#include "enforce/enforce.h"
#include "attack.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "rmtree.h"
#include "tap.h"
#include "testutil.h"

#define HOME	"/tmp/edhome"
#define PROJ	"/tmp/edproj"
#define DENYDIR "/tmp/eddeny"
#define HOOKS	PROJ "/.git/hooks"
/* A directory with chattr +F on the casefold ext4 image, and a secret made there later. */
#define CF	 "/tmp/edcf"
#define CI	 CF "/ci"
#define CI_CRED	 CI "/config.json"
#define CI_KUBE	 CI "/kubeconfig"
#define CF_IMAGE "/images/casefold.img"
/* Levels of the deep trees: well past the old bound of 64 walk steps. */
#define DEPTH 100

/* Exec restricted to named trees (not "/"): nameless files may not be mapped executable. */
static const char policy_yaml[] = "name: vm-lsm-edges\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/bin, /tests, /tmp]\n"
				  "  protect: [" HOOKS "]\n"
				  "secrets:\n"
				  "  files: [" HOME "/.ssh, " CI_CRED ", " CI_KUBE "]\n"
				  "  patterns: [.env, \"*.pem\", \"id_rsa*\"]\n"
				  "process:\n"
				  "  exec_deny: [" DENYDIR "]\n";

/* Every file executable: a JIT's double mapping of a memfd stays allowed there. */
static const char open_yaml[] = "name: vm-lsm-edges-open\n"
				"filesystem:\n  read: [/]\n  write: [/tmp]\n  exec: [/]\n";

/* --- attacks: 0 when the action succeeded, else the errno ----------------------------------- */

/* A memory file holding one page (of zeros: mapping is the act, not running it). */
static int memfd_page(void)
{
	int fd = memfd_create("payload", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return -1;
	return fd;
}

static int map_exec(int fd)
{
	void *p;

	if (fd < 0)
		return EIO;
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

static int a_memfd_mmap_exec(void)
{
	return map_exec(memfd_page());
}

/* Mapped for reading first, made executable after: judged at mprotect. */
static int a_memfd_mprotect_exec(void)
{
	int fd = memfd_page(), r = 0;
	void *p;

	if (fd < 0)
		return EIO;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return EIO;
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
		r = errno;
	munmap(p, 4096);
	return r;
}

/* What dlopen("/proc/self/fd/N") does: open the memfd again through its magic link, map it. */
static int a_memfd_dlopen_proc_fd(void)
{
	int fd = memfd_page(), fd2;
	char path[64];

	if (fd < 0)
		return EIO;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd2 = open(path, O_RDONLY | O_CLOEXEC);
	close(fd);
	return fd2 < 0 ? EIO : map_exec(fd2);
}

static int a_tmpfile_mmap_exec(void)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);

	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return EIO;
	return map_exec(fd);
}

/* A file in an exec tree, unlinked once open: it no longer has the name the rules judged. */
static int a_unlinked_mmap_exec(void)
{
	int fd = open("/tmp/edges-unlinked.so", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);

	if (fd < 0 || ftruncate(fd, 4096) < 0 || unlink("/tmp/edges-unlinked.so") < 0)
		return EIO;
	return map_exec(fd);
}

/* Kept inside: a named file in an exec tree, a memfd mapped without exec, shared memory. */
static int a_named_mmap_exec(void)
{
	int fd = open("/tmp/edges-named.so", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0700), r;

	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return EIO;
	r = map_exec(fd);
	unlink("/tmp/edges-named.so");
	return r;
}

static int a_memfd_mmap_write(void)
{
	int fd = memfd_page();
	void *p;

	if (fd < 0)
		return EIO;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

/* MAP_SHARED|MAP_ANONYMOUS is backed by a kernel-private shmem file: anonymous memory. */
static int a_shared_anon_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int r = 0;

	if (p == MAP_FAILED)
		return EIO;
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
		r = errno;
	munmap(p, 4096);
	return r;
}

/*
 * Make @depth levels below @top ("node_modules/pkg" pairs, as npm nests them) by their full
 * names (a directory under an exec_deny entry cannot be opened, only made); 0 or the errno.
 * @path gets the deepest one's name.
 */
static int deep_tree(const char *top, int depth, char *path, size_t len)
{
	size_t n = (size_t)snprintf(path, len, "%s", top);

	for (int i = 0; i < depth; i++) {
		n += (size_t)snprintf(path + n, len - n, "/%s", i % 2 ? "pkg" : "node_modules");
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return errno;
	}
	return 0;
}

static char deep_path[4096];

/* A dependency 100 levels down in the project: made, written, read back by its full path. */
static int a_deep_project(void)
{
	char file[4200];
	int r = deep_tree(PROJ "/app", DEPTH, deep_path, sizeof(deep_path));

	if (r)
		return r;
	snprintf(file, sizeof(file), "%s/index.js", deep_path);
	r = attack_write(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644, "exports = 1;\n");
	return r ? r : attack_open_read(file);
}

/* A secret 100 levels below the secret directory (the developer's, made before the session). */
static int a_deep_secret(void)
{
	char file[4200];

	snprintf(file, sizeof(file), "%s/id_deep", deep_path);
	return attack_open_read(file);
}

/* A hook script 100 levels below the protected hooks directory, written. */
static int a_deep_protected(void)
{
	char file[4200];
	int fd;

	snprintf(file, sizeof(file), "%s/hook", deep_path);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/*
 * State made during the session: a tree 100 deep inside the exec_deny directory (which the
 * session may write), a program copied to its bottom and run.
 */
static int a_deep_exec_denied(void)
{
	char file[4200];
	int r = deep_tree(DENYDIR, DEPTH, deep_path, sizeof(deep_path)), status;
	pid_t p;

	if (r)
		return r;
	snprintf(file, sizeof(file), "%s/true", deep_path);
	if (test_copy_file("/bin/busybox", file) < 0 || chmod(file, 0755) < 0)
		return EIO;
	p = fork();
	if (p == 0) {
		execl(file, "true", (char *)NULL);
		_exit(errno);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return EIO;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

/*
 * In the case-insensitive directory, names the developer wrote in lower case, opened in the
 * case the agent chooses (the test drops the dentry cache first, so the agent's lookup makes
 * the dentry and its name is the agent's spelling).
 */
static int a_ci_pem(void)
{
	return attack_open_read(CI "/SERVER.PEM");
}

static int a_ci_env(void)
{
	return attack_open_read(CI "/.ENV");
}

/* secrets.files entry made only during the session (a first `docker login`), read as CONFIG. */
static int a_ci_cred(void)
{
	return attack_open_read(CI "/CONFIG.JSON");
}

/*
 * Unicode spellings the kernel's casefold makes equal to the ASCII name (bpf/lib/casefold.h):
 * LONG S for s under the pattern id_rsa*, a ZERO WIDTH SPACE (default-ignorable: the 6.1 and
 * 6.12 kernels drop it when comparing) inside .env, the LIGATURE FI in a secrets.files entry
 * made during the session, and the KELVIN SIGN for k in another.
 */
static int a_ci_long_s(void)
{
	return attack_open_read(CI "/id_r\xC5\xBF"
				   "a");
}

static int a_ci_zwsp_env(void)
{
	return attack_open_read(CI "/.e\xE2\x80\x8Bnv");
}

static int a_ci_ligature_cred(void)
{
	return attack_open_read(CI "/con\xEF\xAC\x81g.json");
}

static int a_ci_kelvin_cred(void)
{
	return attack_open_read(CI "/\xE2\x84\xAA"
				   "ubeconfig");
}

/* Not a secret: an accented letter makes another name for the kernel too (no false refusal). */
static int a_ci_accented_kept(void)
{
	return attack_open_read(CI "/.\xC3\xA9nv");
}

static bool have_casefold;

static bool casefold_attack(int (*fn)(void))
{
	return fn == a_ci_pem || fn == a_ci_env || fn == a_ci_cred || fn == a_ci_long_s ||
	       fn == a_ci_zwsp_env || fn == a_ci_ligature_cred || fn == a_ci_kelvin_cred ||
	       fn == a_ci_accented_kept;
}

struct attack {
	const char *name;
	int (*fn)(void);
	int expect;	   /* errno inside the session */
	unsigned int hook; /* CORDON_HOOK_* of the file record */
	uint32_t rule;	   /* rule id the record names (0: the session's own exec rule) */
};

static const struct attack attacks[] = {
	{ "memfd_mmap_exec", a_memfd_mmap_exec, EACCES, CORDON_HOOK_MMAP_FILE, 0 },
	{ "memfd_mprotect_exec_after_read", a_memfd_mprotect_exec, EACCES,
	  CORDON_HOOK_FILE_MPROTECT, 0 },
	{ "memfd_dlopen_proc_self_fd", a_memfd_dlopen_proc_fd, EACCES, CORDON_HOOK_MMAP_FILE, 0 },
	{ "o_tmpfile_mmap_exec", a_tmpfile_mmap_exec, EACCES, CORDON_HOOK_MMAP_FILE, 0 },
	{ "unlinked_after_open_mmap_exec", a_unlinked_mmap_exec, EACCES, CORDON_HOOK_MMAP_FILE, 0 },
	{ "read_secret_100_levels_below", a_deep_secret, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_SECRET, 0) },
	{ "write_protected_100_levels_below", a_deep_protected, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_PROTECT, 0) },
	{ "exec_denied_dir_tree_made_in_session", a_deep_exec_denied, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_EXEC, 0) },
	{ "casefold_dir_pattern_upper_case_pem", a_ci_pem, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_PATTERN, 1) },
	{ "casefold_dir_pattern_upper_case_env", a_ci_env, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_PATTERN, 0) },
	{ "casefold_dir_secret_made_later_upper_case", a_ci_cred, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_SECRET, 1) },
	{ "casefold_dir_pattern_long_s_id_rsa", a_ci_long_s, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_PATTERN, 2) },
	{ "casefold_dir_pattern_zero_width_space_env", a_ci_zwsp_env, EACCES, CORDON_HOOK_FILE_OPEN,
	  POL_RULE_ID(POL_RULE_PATTERN, 0) },
	{ "casefold_dir_secret_made_later_ligature_fi", a_ci_ligature_cred, EACCES,
	  CORDON_HOOK_FILE_OPEN, POL_RULE_ID(POL_RULE_SECRET, 1) },
	{ "casefold_dir_secret_made_later_kelvin_sign", a_ci_kelvin_cred, EACCES,
	  CORDON_HOOK_FILE_OPEN, POL_RULE_ID(POL_RULE_SECRET, 2) },
};

static const struct attack kept[] = {
	{ "named_file_mmap_exec", a_named_mmap_exec, 0, 0, 0 },
	{ "memfd_mmap_read_write", a_memfd_mmap_write, 0, 0, 0 },
	{ "shared_anonymous_mprotect_exec", a_shared_anon_mprotect_exec, 0, 0, 0 },
	{ "deep_project_tree_100_levels", a_deep_project, 0, 0, 0 },
	{ "casefold_dir_accented_name_not_a_secret", a_ci_accented_kept, 0, 0, 0 },
};

static int (*attack_fn(const char *name))(void)
{
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (!strcmp(attacks[i].name, name))
			return attacks[i].fn;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strcmp(kept[i].name, name))
			return kept[i].fn;
	return NULL;
}

/* --- the bench ------------------------------------------------------------------------------ */

struct run_arg {
	const char *name;
	const char *cgroup;
	int (*fn)(void);
};

/* Inside: a program executed in the session, as the agent runs (`test_lsm_edges attack NAME`). */
static int in_child(void *p)
{
	const struct run_arg *ra = p;

	if (!ra->cgroup)
		return ra->fn();
	if (cordon_cgroup_enter(ra->cgroup, 0) < 0)
		return 250;
	setenv("CORDON_TEST_DEEP", deep_path, 1);
	execl("/tests/vm/test_lsm_edges", "test_lsm_edges", "attack", ra->name, (char *)NULL);
	return 251;
}

static int attack_by_name(const char *name)
{
	int (*fn)(void) = attack_fn(name);
	const char *d = getenv("CORDON_TEST_DEEP");

	snprintf(deep_path, sizeof(deep_path), "%s", d ? d : "");
	return fn ? fn() : 252;
}

/* The record of @hook in @s's stream: a file refusal naming @rule, else NULL. */
static void check_file_record(const struct cordon_session_ctx *s, const char *name,
			      unsigned int hook, int expect, uint32_t rule)
{
	const struct cordon_event_hdr *h = NULL;
	struct collected c = { 0 };

	collect_events(s->bpf, &c, 200);
	for (int j = 0; j < c.n; j++)
		if (c.ev[j].hdr.type == CORDON_EV_FILE && c.ev[j].hdr.hook == hook &&
		    c.ev[j].hdr.session == s->id)
			h = &c.ev[j].hdr;
	if (!tap_check(h != NULL, "%s_event", name)) {
		for (int j = 0; j < c.n; j++)
			tap_diag("got event type=%u hook=%u verdict=%d rule=%#x", c.ev[j].hdr.type,
				 c.ev[j].hdr.hook, c.ev[j].hdr.verdict, c.ev[j].hdr.rule_id);
		return;
	}
	if (!tap_check(h->verdict == -expect && h->layer == CORDON_LAYER_BPF_LSM &&
			       h->rule_id == rule,
		       "%s_event_verdict_layer_rule", name))
		tap_diag("verdict %d layer %u rule %#x (want %#x)", h->verdict, h->layer,
			 h->rule_id, rule);
}

/* Make what an attack reads, as the developer had it before the session. */
static void prepare(const struct attack *a)
{
	char file[4200];
	int r;

	if (a->fn == a_deep_secret || a->fn == a_deep_protected) {
		bool secret = a->fn == a_deep_secret;

		r = deep_tree(secret ? HOME "/.ssh" : HOOKS, DEPTH, deep_path, sizeof(deep_path));
		if (r) {
			tap_diag("deep tree: %s", strerror(r));
			return;
		}
		snprintf(file, sizeof(file), "%s/%s", deep_path, secret ? "id_deep" : "hook");
		test_write_file(file, "canary\n", 0600);
	}
	if (casefold_attack(a->fn)) {
		test_write_file(CI "/server.pem", "canary\n", 0600);
		test_write_file(CI "/.env", "canary\n", 0600);
		test_write_file(CI "/id_rsa", "canary\n", 0600);
		test_write_file(CI_CRED, "canary\n", 0600);
		test_write_file(CI_KUBE, "canary\n", 0600);
		test_write_file(CI "/.\xC3\xA9nv", "canary\n", 0600);
		/* Unused dentries go: the next lookup names the dentry as the caller spelt it. */
		test_write_file("/proc/sys/vm/drop_caches", "2", 0644);
	}
	if (a->fn == a_deep_exec_denied || a->fn == a_deep_project) {
		test_rm_rf(a->fn == a_deep_project ? PROJ "/app" : DENYDIR "/node_modules");
		mkdir(PROJ "/app", 0755);
	}
}

static void run_attack(const struct cordon_session_ctx *s, const struct attack *a)
{
	struct run_arg out = { a->name, NULL, a->fn }, in = { a->name, s->cgroup, a->fn };
	struct collected c = { 0 };
	int r;

	if (casefold_attack(a->fn) && !have_casefold) {
		tap_skip("no case-insensitive directory could be made", "%s", a->name);
		return;
	}
	prepare(a);
	r = run_child(in_child, &out, NULL);
	if (!tap_check(r == 0, "%s_outside_succeeds", a->name))
		tap_diag("%s outside: %d (%s)", a->name, r, strerror(r));
	prepare(a);
	collect_events(s->bpf, &c, 0);
	r = run_child(in_child, &in, NULL);
	if (!tap_check(r == a->expect, "%s_refused_%s", a->name, strerrorname_np(a->expect)))
		tap_diag("%s inside: %d (%s)", a->name, r, strerror(r));
	check_file_record(s, a->name, a->hook, a->expect, a->rule);
}

static void run_kept(const struct cordon_session_ctx *s, const struct attack *a)
{
	struct run_arg out = { a->name, NULL, a->fn }, in = { a->name, s->cgroup, a->fn };
	int r;

	if (casefold_attack(a->fn) && !have_casefold) {
		tap_skip("no case-insensitive directory could be made", "%s", a->name);
		return;
	}
	prepare(a);
	r = run_child(in_child, &out, NULL);
	if (!tap_check(r == 0, "%s_outside_succeeds", a->name))
		tap_diag("%s outside: %d (%s)", a->name, r, strerror(r));
	prepare(a);
	r = run_child(in_child, &in, NULL);
	if (!tap_check(r == 0, "%s_works_inside", a->name))
		tap_diag("%s inside: %d (%s)", a->name, r, strerror(r));
}

/* --- abstract unix sockets between the session's own cgroups -------------------------------- */

#define ABSTRACT_OUT "cordon-edges-outside"

/* An abstract address for @name: sun_path[0] == '\0'. */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

/*
 * A server for abstract @name of @type in cgroup @cg (NULL: where the test runs), answering
 * each stream connection with one byte. Returns its pid once it is bound; *ready_fd is closed.
 */
static pid_t start_server(const char *cg, const char *name, int type)
{
	int ready[2];
	pid_t p;
	char b;

	if (pipe(ready) < 0)
		return -1;
	p = fork();
	if (p == 0) {
		struct sockaddr_un a;
		socklen_t len = abstract_addr(&a, name);
		int fd;

		close(ready[0]);
		if (cg && cordon_cgroup_enter(cg, 0) < 0)
			_exit(1);
		fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) < 0 ||
		    (type == SOCK_STREAM && listen(fd, 16) < 0))
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		close(ready[1]);
		for (;;) {
			char x;
			int c = type == SOCK_STREAM ? accept(fd, NULL, NULL) : fd;

			if (c < 0)
				_exit(4);
			if (type == SOCK_STREAM) {
				(void)!write(c, "k", 1);
				close(c);
			} else {
				(void)!read(c, &x, 1);
			}
		}
	}
	close(ready[1]);
	if (p < 0 || read(ready[0], &b, 1) != 1) {
		close(ready[0]);
		if (p > 0) {
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
		}
		return -1;
	}
	close(ready[0]);
	return p;
}

struct client_arg {
	const char *cg; /* NULL: outside */
	const char *name;
	int type;
};

/* connect() (stream: and read the server's byte) or sendto() @name: 0 or the errno. */
static int client(void *p)
{
	const struct client_arg *ca = p;
	struct sockaddr_un a;
	socklen_t len = abstract_addr(&a, ca->name);
	int fd;
	char b;

	if (ca->cg && cordon_cgroup_enter(ca->cg, 0) < 0)
		return 250;
	fd = socket(AF_UNIX, ca->type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return EIO;
	if (ca->type == SOCK_DGRAM)
		return sendto(fd, "d", 1, 0, (struct sockaddr *)&a, len) == 1 ? 0 : errno;
	if (connect(fd, (struct sockaddr *)&a, len) < 0)
		return errno;
	return read(fd, &b, 1) == 1 ? 0 : EIO;
}

static void stop(pid_t p)
{
	if (p > 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}

/* No refusal of @hook recorded for @s since the last collect. */
static bool no_unix_refusal(const struct cordon_session_ctx *s)
{
	struct collected c = { 0 };

	collect_events(s->bpf, &c, 100);
	for (int j = 0; j < c.n; j++)
		if (c.ev[j].hdr.session == s->id && c.ev[j].hdr.type == CORDON_EV_OP &&
		    (c.ev[j].hdr.hook == CORDON_HOOK_UNIX_STREAM_CONNECT ||
		     c.ev[j].hdr.hook == CORDON_HOOK_UNIX_MAY_SEND))
			return false;
	return true;
}

/*
 * A server in one cgroup of the session, a client in another: @srv_cg and @cli_cg inside,
 * (NULL, NULL) outside. @move_to: the server is moved there once bound (a process that moved).
 */
static int pair(const char *srv_cg, const char *cli_cg, const char *move_to, int type,
		const char *name)
{
	struct client_arg ca = { cli_cg, name, type };
	pid_t srv = start_server(srv_cg, name, type);
	int r;

	if (srv < 0)
		return EIO;
	if (move_to && cordon_cgroup_enter(move_to, srv) < 0) {
		stop(srv);
		return EIO;
	}
	r = run_child(client, &ca, NULL);
	stop(srv);
	return r;
}

static void test_abstract(const struct cordon_session_ctx *s)
{
	static const struct {
		const char *name;
		int type;
		int srv, cli, move; /* 0: the session cgroup, 1: child a, 2: child b, -1: none */
	} rows[] = {
		{ "abstract_stream_between_child_cgroups", SOCK_STREAM, 1, 2, -1 },
		{ "abstract_stream_child_to_session_cgroup", SOCK_STREAM, 1, 0, -1 },
		{ "abstract_dgram_between_child_cgroups", SOCK_DGRAM, 1, 2, -1 },
		{ "abstract_stream_server_moved_after_bind", SOCK_STREAM, 1, 0, 2 },
	};
	char a[4400], b[4400];
	const char *cg[3] = { s->cgroup, a, b };
	struct collected c = { 0 };

	snprintf(a, sizeof(a), "%s/agent-a", s->cgroup);
	snprintf(b, sizeof(b), "%s/agent-b", s->cgroup);
	if (!tap_check(cordon_cgroup_create(a) == 0 && cordon_cgroup_create(b) == 0,
		       "session_child_cgroups_made"))
		return;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char name[64];
		int r;

		snprintf(name, sizeof(name), "cordon-edges-%zu", i);
		r = pair(NULL, NULL, NULL, rows[i].type, name);
		if (!tap_check(r == 0, "%s_outside_succeeds", rows[i].name))
			tap_diag("outside: %d (%s)", r, strerror(r));
		collect_events(s->bpf, &c, 0);
		r = pair(cg[rows[i].srv], cg[rows[i].cli],
			 rows[i].move < 0 ? NULL : cg[rows[i].move], rows[i].type, name);
		if (!tap_check(r == 0, "%s_inside_succeeds", rows[i].name))
			tap_diag("inside: %d (%s)", r, strerror(r));
		tap_check(no_unix_refusal(s), "%s_no_refusal_recorded", rows[i].name);
	}

	/* A server outside the session stays unreachable from every cgroup of it. */
	{
		pid_t srv = start_server(NULL, ABSTRACT_OUT, SOCK_STREAM);
		struct client_arg out = { NULL, ABSTRACT_OUT, SOCK_STREAM };
		struct client_arg in = { b, ABSTRACT_OUT, SOCK_STREAM };
		const struct cordon_event_hdr *h = NULL;
		int r;

		r = run_child(client, &out, NULL);
		tap_check(r == 0, "abstract_server_outside_reached_from_outside");
		collect_events(s->bpf, &c, 0);
		r = run_child(client, &in, NULL);
		if (!tap_check(r == EPERM,
			       "abstract_server_outside_refused_from_child_cgroup_EPERM"))
			tap_diag("inside: %d (%s)", r, strerror(r));
		memset(&c, 0, sizeof(c));
		collect_events(s->bpf, &c, 200);
		for (int j = 0; j < c.n; j++)
			if (c.ev[j].hdr.type == CORDON_EV_OP &&
			    c.ev[j].hdr.hook == CORDON_HOOK_UNIX_STREAM_CONNECT &&
			    c.ev[j].hdr.session == s->id)
				h = &c.ev[j].hdr;
		tap_check(h && h->verdict == -EPERM && h->layer == CORDON_LAYER_BPF_LSM,
			  "abstract_server_outside_event_verdict_layer");
		stop(srv);
	}
	/* A server made outside and moved into the session afterwards is not the session's. */
	{
		struct client_arg in = { s->cgroup, "cordon-edges-moved-in", SOCK_STREAM };
		pid_t srv = start_server(NULL, "cordon-edges-moved-in", SOCK_STREAM);
		int r = EIO;

		if (srv > 0 && cordon_cgroup_enter(a, srv) == 0)
			r = run_child(client, &in, NULL);
		if (!tap_check(r == EPERM, "abstract_socket_made_outside_moved_in_refused_EPERM"))
			tap_diag("inside: %d (%s)", r, strerror(r));
		stop(srv);
	}
}

/* --- the test -------------------------------------------------------------------------------- */

/*
 * The verifier's work on the hooks that judge names (the casefold rewrite runs in their
 * bpf_loop callbacks): instructions processed per program, for the report.
 */
static void show_verified(void)
{
	__u32 id = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == BPF_PROG_TYPE_LSM && !strncmp(info.name, "cordon_", 7))
			tap_diag("verified %s: %u insns", info.name, info.verified_insns);
		close(fd);
	}
}

/* The casefold image on a loop device at CF, and CI made case-insensitive (chattr +F). */
static bool setup_casefold(void)
{
	struct loop_info64 info = { 0 };
	int ctl, n, lfd, img, dfd, flags = 0;
	char dev[32];

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	n = ctl < 0 ? -1 : ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0) {
		tap_diag("no loop device: %s", strerror(errno));
		return false;
	}
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	img = open(CF_IMAGE, O_RDWR | O_CLOEXEC);
	if (lfd < 0 || img < 0 || ioctl(lfd, LOOP_SET_FD, img) < 0 ||
	    ioctl(lfd, LOOP_SET_STATUS64, &info) < 0) {
		tap_diag("loop %s over %s: %s", dev, CF_IMAGE, strerror(errno));
		return false;
	}
	mkdir(CF, 0755);
	if (mount(dev, CF, "ext4", 0, NULL) < 0) {
		tap_diag("mount ext4: %s", strerror(errno));
		return false;
	}
	mkdir(CI, 0755);
	dfd = open(CI, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || ioctl(dfd, FS_IOC_GETFLAGS, &flags) < 0) {
		tap_diag("lsattr %s: %s", CI, strerror(errno));
		return false;
	}
	flags |= FS_CASEFOLD_FL;
	if (ioctl(dfd, FS_IOC_SETFLAGS, &flags) < 0) {
		tap_diag("chattr +F %s: %s", CI, strerror(errno));
		return false;
	}
	close(dfd);
	return true;
}

static void setup_files(void)
{
	mkdir(HOME, 0755);
	mkdir(HOME "/.ssh", 0700);
	mkdir(PROJ, 0755);
	mkdir(PROJ "/app", 0755);
	mkdir(PROJ "/.git", 0755);
	mkdir(HOOKS, 0755);
	mkdir(DENYDIR, 0755);
	have_casefold = setup_casefold();
	tap_check(have_casefold, "casefold_directory_made");
}

int main(int argc, char **argv)
{
	struct cordon_session_ctx s = { .procs_fd = -1 }, everywhere = { .procs_fd = -1 };
	struct run_arg in_open = { "memfd_mmap_exec", NULL, a_memfd_mmap_exec };
	char root[4200];
	uint64_t drops = 1;
	int r;

	if (argc == 3 && !strcmp(argv[1], "attack"))
		return attack_by_name(argv[2]);
	if (test_cgroup_root(root, sizeof(root), "edges") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	setup_files();
	if (!tap_check(test_lsm_session(&s, root, "vm-lsm-edges.yaml", policy_yaml) == 0,
		       "session_from_yaml_policy"))
		return 1;
	tap_check(test_lsm_session(&everywhere, root, "vm-lsm-edges-open.yaml", open_yaml) == 0,
		  "second_session_exec_everywhere");
	show_verified();
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		run_attack(&s, &attacks[i]);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		run_kept(&s, &kept[i]);
	/* exec: [/]: a memfd mapped executable runs nothing a written file could not. */
	in_open.cgroup = everywhere.cgroup;
	r = run_child(in_child, &in_open, NULL);
	if (!tap_check(r == 0, "memfd_mmap_exec_allowed_where_policy_execs_everywhere"))
		tap_diag("inside: %d (%s)", r, strerror(r));
	test_abstract(&s);
	tap_check(cordon_bpf_drops(s.bpf, &drops) == 0 && drops == 0, "no_events_dropped");

	cordon_session_destroy(&everywhere);
	cordon_session_destroy(&s);
	test_rm_cgroups(root);
	test_rm_rf(PROJ);
	test_rm_rf(DENYDIR);
	test_rm_rf(HOME);
	umount(CF);
	return tap_status();
}
