// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BPF LSM programs are attached only while a session exists (issue 18: a machine with no
 * session pays nothing for them), on pinned programs of a pin directory of the test's own:
 * - with no session, no link of the file_open program exists in the kernel and an untagged
 *   open of the secret works;
 * - a session's creation attaches them before it returns: a process in it is refused the
 *   secret (EACCES) with the record of the rule, while an untagged one still reads it;
 * - removing their link pins from outside mid-session detaches nothing (the holder has them
 *   open) and the pin repair puts them back;
 * - the last session's end detaches them, and the next session attaches them again and is
 *   refused again (the re-attach of a program whose old link is still in its teardown).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "sys/sys.h"
#include "tap.h"
#include "testutil.h"

#define SECRET	"/tmp/cordon-hold-secret"
#define PIN_DIR CORDON_PIN_ROOT "/test-lsm-hold"
#define RULE_ID 4242

static int attempt_open(void *arg)
{
	const char *cgroup = arg;
	int fd;

	if (cgroup && cordon_cgroup_enter(cgroup, 0) < 0)
		return 200;
	fd = open(SECRET, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* How many links in the kernel run the program pinned as PIN_DIR/prog-@name (-1: no pin). */
static int links_of(const char *name)
{
	struct bpf_prog_info pinfo = { 0 };
	__u32 plen = sizeof(pinfo), id = 0;
	char path[256];
	int prog, n = 0;

	snprintf(path, sizeof(path), "%s/prog-%s", PIN_DIR, name);
	prog = bpf_obj_get(path);
	if (prog < 0 || bpf_obj_get_info_by_fd(prog, &pinfo, &plen) < 0)
		return -1;
	close(prog);
	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.prog_id == pinfo.id)
			n++;
		close(fd);
	}
	return n;
}

/* links_of(@name) == @want within 5 s (a detach's teardown runs from a workqueue). */
static bool links_become(const char *name, int want)
{
	for (int i = 0; i < 500; i++) {
		if (links_of(name) == want)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	tap_diag("%s: %d link(s), want %d", name, links_of(name), want);
	return false;
}

static bool pinned(const char *kind, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s-%s", PIN_DIR, kind, name);
	return access(path, F_OK) == 0;
}

/* Remove every LSM program's link pin (link-cordon_* whose program pin exists and is LSM). */
static int unpin_lsm_links(void)
{
	DIR *d = opendir(PIN_DIR);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[512];
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		if (strncmp(e->d_name, "prog-", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", PIN_DIR, e->d_name);
		fd = bpf_obj_get(path);
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == BPF_PROG_TYPE_LSM) {
			snprintf(path, sizeof(path), "%s/link-%s", PIN_DIR, e->d_name + 5);
			n += unlink(path) == 0;
		}
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	return n;
}

/* A session of @b with the deny rule on the secret: 0, or -errno. */
static int session_with_rule(struct cordon_session_ctx *s, struct cordon_bpf *b, const char *root)
{
	struct cordon_inode_rule rule = { .rule_id = RULE_ID,
					  .deny = CORDON_ACCESS_READ | CORDON_ACCESS_WRITE };
	struct cordon_inode_key k = { 0 };
	struct cordon_kinode ki;
	int r = cordon_session_create_shared(s, b, root, CORDON_SESSION_FILE, 0);

	if (r == 0)
		r = cordon_kinode_at(AT_FDCWD, SECRET, 0, NULL, &ki);
	if (r < 0)
		return r;
	k.session = s->id;
	k.ino = ki.ino;
	k.dev = ki.dev;
	return cordon_bpf_inode_rule_add(b, &k, &rule);
}

/* In @s: the secret is refused with EACCES and the record names the rule; untagged reads it. */
static void refused_in(struct cordon_bpf *b, const struct cordon_session_ctx *s, const char *tag)
{
	const struct cordon_event_hdr *h;
	struct collected c = { 0 };
	pid_t pid;
	int r;

	collect_events(b, &c, 0);
	memset(&c, 0, sizeof(c));
	tap_check(run_child(attempt_open, NULL, NULL) == 0, "%s_untagged_reads_secret", tag);
	r = run_child(attempt_open, (void *)s->cgroup, &pid);
	if (!tap_check(r == EACCES, "%s_session_refused_EACCES", tag))
		tap_diag("open in session: %d (%s)", r, strerror(r));
	collect_events(b, &c, 1000);
	h = find_event(&c, CORDON_EV_FILE, pid);
	tap_check(h && h->verdict == -EACCES && h->layer == CORDON_LAYER_BPF_LSM &&
			  h->hook == CORDON_HOOK_FILE_OPEN && h->rule_id == RULE_ID &&
			  h->session == s->id,
		  "%s_record_names_rule", tag);
}

int main(void)
{
	struct cordon_bpf_opts o = { .lsm = true, .pin_dir = PIN_DIR, .trace_grace_s = -1 };
	struct cordon_session_ctx s = { .procs_fd = -1 }, next = { .procs_fd = -1 };
	struct cordon_bpf *b = NULL;
	char root[4200];
	int r;

	if (test_cgroup_root(root, sizeof(root), "hold") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	test_write_file(SECRET, "canary\n", 0644);
	o.cgroup_root = root;
	cordon_bpf_pins_retire(PIN_DIR); /* a previous run's */
	r = cordon_bpffs_ensure(CORDON_PIN_ROOT);
	if (r == 0)
		r = cordon_bpf_start(&o, &b);
	if (!tap_check(r == 0, "programs_loaded_and_pinned")) {
		tap_diag("cordon_bpf_start: %s", strerror(-r));
		return 1;
	}
	cordon_bpf_pins_unlock(b);
	/* As the daemon does after its start: no session, nothing attached. */
	tap_check(cordon_bpf_trace_release(b, false) == 0, "release_without_session");
	tap_check(pinned("prog", "cordon_file_open") && !pinned("link", "cordon_file_open"),
		  "no_session_program_pinned_link_not");
	tap_check(links_become("cordon_file_open", 0) && links_become("cordon_task_alloc", 0),
		  "no_session_lsm_programs_detached");
	tap_check(run_child(attempt_open, NULL, NULL) == 0, "no_session_untagged_reads_secret");

	r = session_with_rule(&s, b, root);
	if (!tap_check(r == 0, "session_created"))
		tap_diag("session: %s", strerror(-r));
	tap_check(links_of("cordon_file_open") == 1 && pinned("link", "cordon_file_open") &&
			  links_of("cordon_task_alloc") == 1,
		  "session_lsm_programs_attached_once");
	refused_in(b, &s, "first");

	/* Root outside removes the pins (`rm -r` of a pin directory, say): nothing detaches. */
	tap_check(unpin_lsm_links() > 10, "lsm_link_pins_removed_from_outside");
	tap_check(links_of("cordon_file_open") == 1, "link_kept_by_holder");
	refused_in(b, &s, "pins_removed");
	r = cordon_bpf_pins_repair(b, NULL, NULL);
	tap_check(r > 10 && pinned("link", "cordon_file_open") && links_of("cordon_file_open") == 1,
		  "repair_pins_held_links_again");
	if (r <= 10)
		tap_diag("repaired %d", r);

	cordon_session_destroy(&s);
	tap_check(!pinned("link", "cordon_file_open") && links_become("cordon_file_open", 0),
		  "last_session_end_detaches");
	tap_check(run_child(attempt_open, NULL, NULL) == 0, "after_end_untagged_reads_secret");

	/* At once: the old links may still be in their teardown. */
	r = session_with_rule(&next, b, root);
	if (!tap_check(r == 0, "next_session_created"))
		tap_diag("session: %s", strerror(-r));
	tap_check(links_of("cordon_file_open") == 1, "next_session_attached_again");
	refused_in(b, &next, "next");
	cordon_session_destroy(&next);
	tap_check(links_become("cordon_file_open", 0), "next_session_end_detaches");

	cordon_bpf_stop(b);
	cordon_bpf_pins_retire(PIN_DIR);
	unlink(SECRET);
	cordon_cgroup_remove(root);
	return tap_status();
}
