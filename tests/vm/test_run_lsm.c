// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run` on a kernel with BPF LSM: a strict policy whose secret name patterns Landlock
 * cannot express starts without --allow-degraded (BPF LSM covers them, no mount-namespace
 * masks), reports bpf_lsm on, and the agent's reads of a secret and of a .env are refused by
 * BPF LSM with records in the audit log; the same reads succeed outside cordon. Observe mode
 * (--observe): a UDP send and a unix datagram outside the network rules work and are recorded
 * as would-refuse while the secret stays refused by BPF LSM; without it they are refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "enforce/enforce.h"
#include "loader/loader.h"
#include "maps.h"

#include "spawn.h"
#include "tap.h"
#include "testutil.h"

#define CANARY "canary-run-lsm"
#define POLICY "/tmp/run-lsm.yaml"
#define AUDIT  "/tmp/run-lsm.jsonl"

static const char policy_yaml[] = "name: run-lsm\n"
				  "mode: strict\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/]\n"
				  "secrets:\n"
				  "  files: [/srv/rhome/.ssh]\n"
				  "  patterns: [.env]\n";

/* Run @argv with stdout and stderr into @out; the exit status, or -1. */
static int run(char *const argv[], char *out, size_t len)
{
	struct test_cmd c = { .argv = argv };
	int status;

	if (test_spawn(&c, out, len, &status) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The JSON start report cordon prints on stderr with --json. */
static json_t *start_report(const char *out)
{
	const char *line = strstr(out, "{\"session\"");
	json_t *o;

	if (!line)
		return NULL;
	o = json_loadb(line, strcspn(line, "\n"), 0, NULL);
	return o;
}

/* Is there an open refusal by BPF LSM for a path ending in @suffix in the audit log? */
static bool audited(const char *suffix)
{
	FILE *f = fopen(AUDIT, "r");
	char line[8192];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *layer =
			json_string_value(json_object_get(json_object_get(o, "cordon"), "layer"));
		const char *path =
			json_string_value(json_object_get(json_object_get(o, "file"), "path"));

		if (layer && path && !strcmp(layer, "bpf_lsm") && strlen(path) >= strlen(suffix) &&
		    !strcmp(path + strlen(path) - strlen(suffix), suffix))
			found = true;
		json_decref(o);
	}
	if (f)
		fclose(f);
	return found;
}

static void attempt(const char *name, const char *path, const char *suffix)
{
	char *outside[] = { "/bin/cat", (char *)path, NULL };
	char *inside[] = { "/bin/cordon", "run",	"--json",      "--policy", POLICY,
			   "--project",	  "/tmp/rproj", "--audit-log", AUDIT,	   "--",
			   "/bin/cat",	  (char *)path, NULL };
	char out[16384];
	json_t *rep;
	int st;

	st = run(outside, out, sizeof(out));
	tap_check(st == 0 && strstr(out, CANARY), "%s_outside_succeeds", name);
	unlink(AUDIT);
	st = run(inside, out, sizeof(out));
	if (!tap_check(st == 1 && !strstr(out, CANARY) && strstr(out, "Permission denied"),
		       "%s_refused_EACCES", name))
		tap_diag("exit %d: %s", st, out);
	rep = start_report(out);
	if (tap_check(rep != NULL, "%s_start_report", name)) {
		json_t *layers = json_object_get(rep, "layers");

		tap_check(json_is_true(json_object_get(layers, "bpf_lsm")) &&
				  json_integer_value(json_object_get(rep, "masks")) == 0 &&
				  json_array_size(json_object_get(rep, "unenforced")) == 0,
			  "%s_strict_policy_fully_enforced_by_bpf_lsm", name);
	}
	json_decref(rep);
	tap_check(audited(suffix), "%s_bpf_lsm_record_in_audit_log", name);
}

/* @path's text into @buf (NUL-terminated): 0, or -1 when it cannot be read. */
static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The cgroup of the one live session of root's runs in the registry, in @buf; 0 or -1. */
static int session_cgroup(pid_t launcher, char *buf, size_t len)
{
	char pat[64];
	DIR *d = opendir("/run/cordon/local");
	struct dirent *e;
	int r = -1;

	snprintf(pat, sizeof(pat), "\"pid\":%d", (int)launcher);
	while (d && r < 0 && (e = readdir(d))) {
		char path[512], text[8192] = "";
		json_t *o;

		snprintf(path, sizeof(path), "/run/cordon/local/%s", e->d_name);
		if (read_text(path, text, sizeof(text)) < 0 || !strstr(text, pat))
			continue;
		o = json_loads(text, 0, NULL);
		if (json_string_value(json_object_get(o, "cgroup"))) {
			snprintf(buf, len, "%s", json_string_value(json_object_get(o, "cgroup")));
			r = 0;
		}
		json_decref(o);
	}
	if (d)
		closedir(d);
	return r;
}

/* In a child put into @cgroup: open @path, exit with 0 or the errno. */
static int open_in_cgroup(const char *cgroup, const char *path)
{
	int status;
	pid_t p = fork();

	if (p == 0) {
		char procs[4300];
		int fd;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0\n", 2) != 2)
			_exit(100);
		close(fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd < 0 ? errno : 0);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Root's launcher SIGKILLed mid-session (issue 17's fail-open): the agent dies with it, the
 * session's BPF LSM rules stay in force for a process put into its cgroup, and the next launch
 * removes the session.
 */
static void launcher_killed(void)
{
	char *argv[] = {
		"/bin/cordon", "run", "--policy", POLICY, "--project",
		"/tmp/rproj",  "--",  "/bin/sh",  "-c",	  "touch /tmp/rproj/ready; sleep 60",
		NULL
	};
	char *next[] = { "/bin/cordon", "run", "--policy",  POLICY, "--project",
			 "/tmp/rproj",	"--",  "/bin/true", NULL };
	char cgroup[4200] = "", procs[4300], text[256] = "x";
	pid_t launcher;
	int i;

	unlink("/tmp/rproj/ready");
	launcher = fork();
	if (launcher == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 600 && access("/tmp/rproj/ready", F_OK) < 0; i++)
		usleep(100000);
	tap_check(i < 600 && session_cgroup(launcher, cgroup, sizeof(cgroup)) == 0,
		  "launcher_killed_session_started");
	kill(launcher, SIGKILL);
	waitpid(launcher, NULL, 0);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	for (i = 0; i < 100; i++) {
		text[0] = '\0';
		if (read_text(procs, text, sizeof(text)) < 0 || !text[0])
			break;
		usleep(50000);
	}
	tap_check(cgroup[0] && !text[0], "launcher_killed_agent_dies");
	tap_check(open_in_cgroup(cgroup, "/srv/rhome/.ssh/id_rsa") == EACCES,
		  "launcher_killed_secret_still_refused");
	test_run(next);
	tap_check(cgroup[0] && access(cgroup, F_OK) < 0, "launcher_killed_next_launch_sweeps");
}

#define BTRFS_KO "/lib/cordon-modules/btrfs.ko"
#define SRV_BTR	 "/srv/btr"
#define BTR_POL	 "/tmp/run-lsm-btr.yaml"

/* The device of the btrfs test_lsm_fs mounted at /tmp/btr, in @dev; 0 or -1. */
static int btrfs_device(char *dev, size_t len)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[1024], d[256], m[512], t[64];
	int r = -1;

	while (f && r < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %511s %63s", d, m, t) == 3 && !strcmp(m, "/tmp/btr") &&
		    !strcmp(t, "btrfs")) {
			snprintf(dev, len, "%s", d);
			r = 0;
		}
	if (f)
		fclose(f);
	return r;
}

/* The pin directory of root's runs on the default cgroup root (the one /bin/cordon uses). */
static void pin_dir(char *buf, size_t len)
{
	char name[17];

	cordon_bpf_pin_name("/sys/fs/cgroup/" CORDON_CGROUP_ROOT_NAME, name);
	snprintf(buf, len, "%s/%s", CORDON_PIN_ROOT, name);
}

/*
 * The flags of the load_info pinned in @dir, or -1; @clear: then zero them, as programs loaded
 * without btrfs would have left them.
 */
static long pinned_load_flags(const char *dir, bool clear)
{
	struct cordon_load_info info, none = { 0 };
	uint32_t zero = 0;
	char path[512];
	long flags = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/map-load_info", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_map_lookup_elem(fd, &zero, &info) == 0)
		flags = info.flags;
	if (clear)
		bpf_map_update_elem(fd, &zero, &none, BPF_ANY);
	close(fd);
	return flags;
}

/*
 * Empty the pinned sessions map of @dir: test_daemon_lsm's daemon (gone by now) left its
 * auto-confinement session there, which keeps the pins from being retired. The number removed.
 */
static int drop_sessions(const char *dir)
{
	char path[512];
	uint64_t key;
	int fd, n = 0;

	snprintf(path, sizeof(path), "%s/map-sessions", dir);
	fd = bpf_obj_get(path);
	while (fd >= 0 && bpf_map_get_next_key(fd, NULL, &key) == 0 &&
	       bpf_map_delete_elem(fd, &key) == 0)
		n++;
	if (fd >= 0)
		close(fd);
	return n;
}

static bool load_btrfs(void)
{
	int ko = open(BTRFS_KO, O_RDONLY | O_CLOEXEC);
	bool ok = ko >= 0 && syscall(SYS_finit_module, ko, "", 0) == 0;

	if (ko >= 0)
		close(ko);
	return ok;
}

/* Unload btrfs (its file system unmounted first): 0, or -1 when it stays (then remounted). */
static int unload_btrfs(const char *dev)
{
	if (umount("/tmp/btr") < 0)
		return -1;
	if (syscall(SYS_delete_module, "btrfs", O_NONBLOCK) == 0)
		return 0;
	tap_diag("btrfs stays loaded: %s", strerror(errno));
	mount(dev, "/tmp/btr", "btrfs", 0, NULL);
	return -1;
}

/*
 * Pinned programs loaded before btrfs was (a daemon started before the first btrfs mount), then
 * a btrfs mounted, then root's run: it must load the programs again, as a first start would,
 * not adopt programs that cannot key a btrfs inode while believing they can (issue 17: the
 * secret on btrfs was readable). Where btrfs cannot be unloaded, the pins are made to say so.
 */
static void btrfs_after_pins(void)
{
	char *plain[] = { "/bin/cordon", "run", "--policy",  BTR_POL, "--project",
			  "/tmp/rproj",	 "--",	"/bin/true", NULL };
	char *outside[] = { "/bin/cat", SRV_BTR "/a/run-secret", NULL };
	char *inside[] = { "/bin/cordon",
			   "run",
			   "--policy",
			   BTR_POL,
			   "--project",
			   "/tmp/rproj",
			   "--audit-log",
			   AUDIT,
			   "--",
			   "/bin/cat",
			   SRV_BTR "/a/run-secret",
			   NULL };
	char dev[256], out[16384], dir[256];
	bool real;
	int st, r;

	if (btrfs_device(dev, sizeof(dev)) < 0) {
		tap_skip("no btrfs mounted at /tmp/btr by test_lsm_fs", "btrfs_after_pins");
		return;
	}
	test_write_file(BTR_POL,
			"name: run-lsm-btr\nmode: strict\nfilesystem:\n  read: [/]\n"
			"  write: [/tmp]\n  exec: [/]\nsecrets:\n  files: [" SRV_BTR
			"/a/run-secret]\n",
			0600);
	pin_dir(dir, sizeof(dir));
	real = unload_btrfs(dev) == 0;
	/* Pins held by a session (of another test) are not retired: then they are marked. */
	r = real ? cordon_bpf_pins_retire(dir) : 0;
	if (r == -EBUSY) {
		tap_diag("dropped %d session(s) left in the pins by a stopped daemon",
			 drop_sessions(dir));
		r = cordon_bpf_pins_retire(dir);
	}
	if (r < 0 && r != -ENOENT) {
		tap_diag("pins %s kept (%s): marked instead", dir, strerror(-r));
		real = !load_btrfs();
	}
	st = test_run(plain);
	if (real) {
		tap_check(st == 0 && pinned_load_flags(dir, false) == 0,
			  "btrfs_after_pins_loaded_without_btrfs");
		if (!tap_check(load_btrfs(), "btrfs_after_pins_module_loaded_again"))
			return;
	} else {
		pinned_load_flags(dir, true);
		tap_check(st == 0 && pinned_load_flags(dir, false) == 0,
			  "btrfs_after_pins_marked_without_btrfs");
	}
	tap_diag("btrfs after pins: %s", real ? "btrfs unloaded at load" : "simulated");
	mkdir(SRV_BTR, 0755);
	if (!tap_check(mount(dev, SRV_BTR, "btrfs", 0, NULL) == 0, "btrfs_after_pins_mounted")) {
		tap_diag("mount %s: %s", dev, strerror(errno));
		return;
	}
	test_write_file(SRV_BTR "/a/run-secret", CANARY "\n", 0600);
	st = run(outside, out, sizeof(out));
	tap_check(st == 0 && strstr(out, CANARY), "btrfs_after_pins_outside_succeeds");
	unlink(AUDIT);
	st = run(inside, out, sizeof(out));
	if (!tap_check(st == 1 && !strstr(out, CANARY) && strstr(out, "Permission denied"),
		       "btrfs_after_pins_secret_refused_EACCES"))
		tap_diag("exit %d: %s", st, out);
	tap_check(audited("run-secret"), "btrfs_after_pins_bpf_lsm_record");
	tap_check(pinned_load_flags(dir, false) > 0 &&
			  (pinned_load_flags(dir, false) & CORDON_LOAD_BTRFS),
		  "btrfs_after_pins_loaded_again_with_btrfs");
	umount(SRV_BTR);
}

#define OBS_SOCK "/srv/obs.sock"
#define OBS_PORT 9 /* discard: a datagram needs no listener */

/* The session's work in observe(): "udp" or "unix" sends one datagram; prints NAME-ok or
 * NAME-refused ERRNO. */
static int helper(const char *what)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(OBS_PORT) };
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = OBS_SOCK };
	bool udp = !strcmp(what, "udp");
	int fd = socket(udp ? AF_INET : AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n;

	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	n = fd < 0 ? -1
	    : udp  ? sendto(fd, "x", 1, 0, (struct sockaddr *)&in, sizeof(in))
		   : sendto(fd, "x", 1, 0, (struct sockaddr *)&un, sizeof(un));
	if (n == 1)
		printf("%s-ok\n", what);
	else
		printf("%s-refused %d\n", what, errno);
	return 0;
}

/* Records of the audit log for @action: with cordon.observed (@observed) or refusals. */
static int count_records(const char *action, bool observed, char *layer, size_t len)
{
	FILE *f = fopen(AUDIT, "r");
	char line[8192];
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, NULL);
		json_t *c = json_object_get(o, "cordon");
		const char *a =
			json_string_value(json_object_get(json_object_get(o, "event"), "action"));
		const char *out =
			json_string_value(json_object_get(json_object_get(o, "event"), "outcome"));

		if (a && out && !strcmp(a, action) &&
		    json_is_true(json_object_get(c, "observed")) == observed &&
		    !strcmp(out, observed ? "unknown" : "failure") &&
		    json_string_value(json_object_get(c, "rule_text"))) {
			n++;
			snprintf(layer, len, "%s",
				 json_string_value(json_object_get(c, "layer")) ?: "?");
		}
		json_decref(o);
	}
	if (f)
		fclose(f);
	return n;
}

static void observe(const char *self)
{
	char *outside[] = { (char *)self, "udp", NULL };
	char *outside_unix[] = { (char *)self, "unix", NULL };
	char script[8400];
	char *in_observe[] = { "/bin/cordon", "run",	    "--observe",   "--policy", POLICY,
			       "--project",   "/tmp/rproj", "--audit-log", AUDIT,      "--",
			       "/bin/sh",     "-c",	    script,	   NULL };
	char *in_enforce[] = { "/bin/cordon", "run",	     "--policy", POLICY, "--project",
			       "/tmp/rproj",  "--audit-log", AUDIT,	 "--",	 "/bin/sh",
			       "-c",	      script,	     NULL };
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = OBS_SOCK };
	char out[16384], layer[32] = "";
	int lfd, st;

	unlink(OBS_SOCK);
	lfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&un, sizeof(un)) < 0)
		tap_diag("unix listener: %s", strerror(errno));
	chmod(OBS_SOCK, 0777);
	snprintf(script, sizeof(script), "%s udp; %s unix; cat /srv/rhome/.ssh/id_rsa; echo ran",
		 self, self);

	st = run(outside, out, sizeof(out));
	tap_check(st == 0 && strstr(out, "udp-ok"), "observe_udp_outside_succeeds");
	st = run(outside_unix, out, sizeof(out));
	tap_check(st == 0 && strstr(out, "unix-ok"), "observe_unix_outside_succeeds");

	unlink(AUDIT);
	st = run(in_observe, out, sizeof(out));
	if (!tap_check(strstr(out, "ran") && strstr(out, "udp-ok") && strstr(out, "unix-ok"),
		       "observe_sends_work"))
		tap_diag("exit %d: %s", st, out);
	tap_check(!strstr(out, CANARY) && strstr(out, "observe mode"),
		  "observe_secret_still_refused_by_bpf_lsm");
	tap_check(audited("id_rsa"), "observe_secret_bpf_lsm_record");
	tap_check(count_records("connect", true, layer, sizeof(layer)) >= 1,
		  "observe_udp_recorded_would_refuse");
	tap_check(count_records("unix-send", true, layer, sizeof(layer)) >= 1,
		  "observe_unix_recorded_would_refuse");
	tap_diag("unix observed by %s", layer);

	unlink(AUDIT);
	st = run(in_enforce, out, sizeof(out));
	if (!tap_check(strstr(out, "ran") && strstr(out, "udp-refused 1") &&
			       strstr(out, "unix-refused 1"),
		       "enforced_sends_refused_EPERM"))
		tap_diag("exit %d: %s", st, out);
	tap_check(count_records("connect", false, layer, sizeof(layer)) >= 1 &&
			  count_records("unix-send", false, layer, sizeof(layer)) >= 1 &&
			  count_records("connect", true, layer, sizeof(layer)) == 0,
		  "enforced_sends_recorded_refused");
	if (lfd >= 0)
		close(lfd);
	unlink(OBS_SOCK);
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n;

	if (argc > 1)
		return helper(argv[1]);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';

	/* The home is outside /tmp: the session has a /tmp of its own. */
	mkdir("/srv", 0755);
	mkdir("/srv/rhome", 0755);
	mkdir("/srv/rhome/.ssh", 0700);
	mkdir("/tmp/rproj", 0755);
	test_write_file("/srv/rhome/.ssh/id_rsa", CANARY "\n", 0600);
	test_write_file("/tmp/rproj/.env", CANARY "\n", 0600);
	test_write_file(POLICY, policy_yaml, 0600);

	attempt("run_read_secret", "/srv/rhome/.ssh/id_rsa", "id_rsa");
	attempt("run_read_dotenv", "/tmp/rproj/.env", ".env");
	launcher_killed();
	btrfs_after_pins();
	observe(self);
	return tap_status();
}
