// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF LSM file_open inside the VM: a process in a session with a deny rule on a file's inode is
 * refused open() with EACCES and the refusal arrives as a ring-buffer record; an untagged
 * process and a process in another session (different policy) open the same file fine.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforce/enforce.h"
#include "events_collect.h"
#include "loader/loader.h"
#include "sys/sys.h"
#include "tap.h"
#include "testutil.h"

#define SECRET "/tmp/cordon-secret"

struct attempt {
	const char *cgroup; /* join this cgroup first; NULL: stay untagged */
	int flags;
};

static int attempt_open(void *arg)
{
	const struct attempt *a = arg;
	int fd;

	if (a->cgroup && cordon_cgroup_enter(a->cgroup, 0) < 0)
		return 200;
	fd = open(SECRET, a->flags | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int session(struct cordon_bpf *b, const char *root, const char *name, uint32_t id,
		   char *path, size_t len)
{
	struct cordon_session s = { .id = id, .flags = CORDON_SESSION_FILE };
	uint64_t cgid;

	snprintf(path, len, "%s/%s", root, name);
	if (cordon_cgroup_create(path) < 0 || cordon_cgroup_id(path, &cgid) < 0)
		return -1;
	return cordon_bpf_session_add(b, cgid, &s);
}

int main(void)
{
	struct cordon_bpf_opts o = { .lsm = true };
	struct cordon_inode_key k = { .session = 1 };
	struct cordon_inode_rule rule = { .rule_id = 42,
					  .deny = CORDON_ACCESS_READ | CORDON_ACCESS_WRITE };
	const struct cordon_event_file *ev;
	struct collected c = { 0 };
	struct cordon_bpf *b = NULL;
	char root[4200], s1[4300], s2[4300];
	uint64_t drops = 1;
	struct cordon_kinode ki;
	struct stat st;
	pid_t pid;
	int r, fd;

	if (test_cgroup_root(root, sizeof(root), "lsm") < 0)
		return tap_check(false, "cgroup2_mounted"), 1;
	o.cgroup_root = root;
	r = cordon_bpf_start(&o, &b);
	if (!tap_check(r == 0, "bpf_lsm_programs_load_and_attach")) {
		tap_diag("cordon_bpf_start: %s", strerror(-r));
		return 1;
	}
	fd = open(SECRET, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	tap_check(fd >= 0 && write(fd, "canary\n", 7) == 7 && fstat(fd, &st) == 0,
		  "secret_file_created");
	close(fd);
	tap_check(session(b, root, "s1", 1, s1, sizeof(s1)) == 0, "session_1_registered");
	tap_check(session(b, root, "s2", 2, s2, sizeof(s2)) == 0, "session_2_registered");
	tap_check(cordon_kinode_at(AT_FDCWD, SECRET, 0, NULL, &ki) == 0,
		  "secret_inode_as_the_kernel_names_it");
	k.ino = ki.ino;
	k.dev = ki.dev;
	tap_check(cordon_bpf_inode_rule_add(b, &k, &rule) == 0, "inode_rule_added");

	struct attempt out = { NULL, O_RDONLY }, in_r = { s1, O_RDONLY }, in_w = { s1, O_WRONLY },
		       other = { s2, O_RDONLY };
	tap_check(run_child(attempt_open, &out, NULL) == 0, "untagged_open_succeeds");
	r = run_child(attempt_open, &in_r, &pid);
	tap_check(r == EACCES, "session_open_read_refused_with_EACCES");
	if (r != EACCES)
		tap_diag("open in session returned %d (%s)", r, strerror(r));
	tap_check(run_child(attempt_open, &in_w, NULL) == EACCES,
		  "session_open_write_refused_with_EACCES");
	tap_check(run_child(attempt_open, &other, NULL) == 0, "other_session_open_succeeds");

	collect_events(b, &c, 1000);
	ev = (const void *)find_event(&c, CORDON_EV_FILE, pid);
	if (tap_check(ev != NULL, "session_open_refusal_is_a_ringbuf_event")) {
		tap_check(ev->hdr.verdict == -EACCES && ev->hdr.layer == CORDON_LAYER_BPF_LSM &&
				  ev->hdr.hook == CORDON_HOOK_FILE_OPEN && ev->hdr.rule_id == 42 &&
				  ev->hdr.session == 1 && ev->ino == st.st_ino &&
				  ev->access == CORDON_ACCESS_READ,
			  "file_event_fields");
		tap_check(strcmp((const char *)ev->path, SECRET) == 0, "file_event_path_is_d_path");
	}
	tap_check(cordon_bpf_drops(b, &drops) == 0 && drops == 0, "no_events_dropped");
	tap_check(c.malformed == 0, "no_malformed_events");

	cordon_bpf_stop(b);
	unlink(SECRET);
	cordon_cgroup_remove(s1);
	cordon_cgroup_remove(s2);
	cordon_cgroup_remove(root);
	return tap_status();
}
