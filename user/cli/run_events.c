// SPDX-License-Identifier: GPL-2.0-only
/*
 * `cordon run`'s audit stream: the session's ring-buffer records counted and written to the
 * sinks between its session-start and session-end records.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "run.h"
#include "run_daemon.h"
#include "sys/sys.h"

/* @data as a flood's key: the record without its time and process (@size fits @key). */
static void refusal_key(uint8_t *key, const void *data, size_t size)
{
	struct cordon_event_hdr *h = (struct cordon_event_hdr *)key;

	memcpy(key, data, size);
	h->ts_ns = 0;
	h->pid = h->tid = 0;
	memset(h->comm, 0, sizeof(h->comm));
}

/*
 * A refusal the stream took (written or folded): into the exit report. A flood of one refusal
 * (the same record but for its time and process) is formatted once, then counted.
 */
static void report_event(struct run_events *ev, const void *data, size_t size)
{
	struct run_report *rep = &ev->report;
	uint8_t key[sizeof(rep->last)] __attribute__((aligned(8)));
	struct cordon_audit_buf b = { 0 };
	bool keyed = size <= sizeof(rep->last);
	json_t *rec;
	long i = -ENOMEM;

	if (keyed) {
		refusal_key(key, data, size);
		if (rep->last_size == size && rep->last_item < rep->n &&
		    !memcmp(key, rep->last, size)) {
			rep->v[rep->last_item].count++;
			rep->total++;
			return;
		}
	}
	rep->last_size = 0;
	if (cordon_audit_format_event(&ev->stream.fmt, &ev->stream.ctx, data, size, &b, NULL) ==
		    0 &&
	    (rec = json_loadb(b.p, b.len, 0, NULL))) {
		i = run_report_take(rep, rec);
		json_decref(rec);
	} else {
		rep->total++;
		rep->lost++;
	}
	free(b.p);
	if (i < 0 || !keyed)
		return;
	memcpy(rep->last, key, size);
	rep->last_size = size;
	rep->last_item = (size_t)i;
}

int run_on_event(void *ctx, void *data, size_t size)
{
	struct run_events *ev = ctx;
	int type = cordon_event_check(data, size);
	const struct cordon_event_hdr *h = data;
	struct cordon_event_cgroup_escape esc;
	struct cordon_event_syscall copy;
	uint64_t before, echoes;

	if (type < 0) {
		ev->malformed += type == -EBADMSG;
		return 0;
	}
	/* A pool ring's leftovers of an earlier holder's session (loader.h ring claim). */
	if (ev->own_ring && h->session != ev->session_id)
		return 0;
	/* A task moved out of the session cgroup: killed first, then recorded with the outcome. */
	if (type == CORDON_EV_CGROUP_ESCAPE && size == sizeof(esc)) {
		memcpy(&esc, data, sizeof(esc));
		int r = cordon_escape_kill(&esc);

		if (r < 0)
			fprintf(stderr,
				"cordon: cgroup: cannot kill pid %u moved out of the session: %s\n",
				esc.hdr.pid, strerror(-r));
		return cordon_audit_stream_event(&ev->stream, &esc, sizeof(esc));
	}
	/*
	 * The tracepoint saw only an errno: checked against the policy (a copy: the ring
	 * buffer's record is read-only), every record afresh. What it is depends on state the
	 * record does not carry (the task's cwd and descriptors, where a symlink points now, the
	 * file's mode), so a cache keyed by the record reused a verdict that no longer held: a
	 * link refused as the user's own mode-000 file and then repointed at a secret had the
	 * secret's refusal dropped as not cordon's, and a name opened again after a chdir kept
	 * the old directory (tests/host/test_audit_attrib_cache.sh). Floods are folded after
	 * attribution, by the stream.
	 */
	if (type == CORDON_EV_SYSCALL && ev->run && size == sizeof(copy)) {
		memcpy(&copy, data, sizeof(copy));
		if (run_attribute(ev->run, &copy) > 0) {
			ev->not_cordon++;
			return 0;
		}
		data = &copy;
		h = data;
	}
	before = cordon_audit_stream_refusals(&ev->stream);
	echoes = ev->stream.echoes;
	cordon_audit_stream_event(&ev->stream, data, size);
	/* The syscall's exit echoing a refusal already recorded (and counted) by its hook. */
	if (ev->stream.echoes > echoes)
		return 0;
	if (cordon_event_observed(h))
		ev->observed++; /* let through: no refusal */
	else if (cordon_event_confined(h))
		; /* went ahead, narrowed: no refusal */
	else if (type == CORDON_EV_CONNECT || type == CORDON_EV_UNIX ||
		 (type == CORDON_EV_SYSCALL && h->hook == CORDON_HOOK_SYS_CONNECT))
		ev->refused_connect++;
	else if (type == CORDON_EV_FILE ||
		 (type == CORDON_EV_SYSCALL && h->hook == CORDON_HOOK_SYS_OPENAT))
		ev->refused_file++;
	if (cordon_audit_stream_refusals(&ev->stream) > before)
		report_event(ev, data, size);
	return 0;
}

int run_lost(struct run_events *ev, uint64_t *lost)
{
	struct cordon_ring_use u;
	int r;

	if (!ev->bpf)
		return -ENOENT;
	r = cordon_bpf_ring_use(ev->bpf, ev->session_id, &u);
	if (r == 0)
		*lost = u.lost;
	return r;
}

/*
 * Drain the ring buffer, report loss as soon as the session's count grows, write whole lines.
 * In a flood, the supervisor then leaves the ring alone for a pace (ev->pace.hold_until_ns).
 */
void run_drain(void *ctx)
{
	struct run_events *ev = ctx;
	uint64_t drops;
	int n = ring_buffer__consume(ev->rb);

	cordon_ring_pace_drained(&ev->pace, cordon_boottime_ns(), n);
	if (run_lost(ev, &drops) == 0)
		cordon_audit_stream_drops(&ev->stream, drops);
	/* Floods folded into a count: their summaries once their window is over. */
	cordon_audit_stream_tick(&ev->stream, cordon_boottime_ns());
	if (ev->stream.sink)
		cordon_audit_sink_flush(ev->stream.sink);
}

/* Is @path @dir itself or below it? */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

/* The session's own /tmp (and the like) hide the host's: a host path there is out of its
 * reach unless the view brings it back. */
bool run_hidden_by_view(const struct run *r, const char *file)
{
	if (!r->l.view)
		return false;
	for (size_t i = 0; i < r->view.nkeep; i++)
		if (path_under(file, r->view.keep[i]))
			return false;
	for (size_t i = 0; i < r->view.nmounts; i++)
		if (r->view.mounts[i].kind == CORDON_VIEW_TMPFS &&
		    path_under(file, r->view.mounts[i].path))
			return true;
	return false;
}

/* The write tree of the session that holds @file (a real path): its Landlock path, or NULL. */
static const char *write_tree_of(const struct run *r, const char *file)
{
	const uint64_t write = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE |
			       LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (run_hidden_by_view(r, file))
		return NULL;
	for (size_t i = 0; i < r->ll.npaths; i++) {
		const char *w = r->ll.paths[i].path;
		char real[PATH_MAX];

		if (!(r->ll.paths[i].access & write))
			continue;
		/* Landlock follows the rule's symlinks: so does the comparison. */
		if (path_under(file, w) || (realpath(w, real) && path_under(file, real)))
			return w;
	}
	return NULL;
}

/* Refuse a log the session could write: name the tree and the policy entry that grants it. */
static int refuse_in_write_tree(const struct run *r, const char *file, const char *tree)
{
	const struct pol_item *it = NULL;

	for (size_t i = 0; i < r->pol->fs_write.n; i++)
		if (!strcmp(r->pol->fs_write.v[i].s, tree))
			it = &r->pol->fs_write.v[i];
	cli_error("run: audit log '%s' is inside '%s', a write tree of the session: the agent "
		  "could delete or forge it",
		  file, tree);
	if (it)
		fprintf(stderr, "cordon: granted by fs.write '%s' at %s:%d:%d\n", it->s,
			it->file ?: "?", it->line, it->col);
	else
		fprintf(stderr, "cordon: granted by the policy's defaults (its floor or a "
				"built-in write tree)\n");
	fprintf(stderr, "Hint: write the log outside the session's reach, e.g. "
			"--audit-log /var/log/cordon/run.jsonl (root) or ~/.local/state/cordon/\n");
	return -EPERM;
}

/* Where the log is: out of the session's reach, or (ordinary users) marked untrusted. */
static int check_log_place(struct run *r, const char *path)
{
	char dir[PATH_MAX], file[PATH_MAX + NAME_MAX + 2], bad[PATH_MAX];
	const char *base, *tree;
	int e = cordon_audit_path_split(path, dir, sizeof(dir), &base);

	if (e < 0) {
		cli_error("run: audit log '%s': %s", path, strerror(-e));
		return e;
	}
	snprintf(file, sizeof(file), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base);
	tree = write_tree_of(r, file);
	if (tree)
		return refuse_in_write_tree(r, file, tree);
	if (geteuid() != 0) {
		r->ev.log_untrusted =
			r->dsess.on
				? "written by the session's own user, who can rewrite it: the "
				  "daemon's log is authoritative"
				: "written by the session's own user without the daemon: that user "
				  "can rewrite it";
		return 0;
	}
	/* The agent is root (no --user, or --user root): only the write trees bound it. */
	if (!r->o.user || r->tu.uid == 0)
		return 0;
	e = cordon_audit_path_check(file,
				    &(struct cordon_audit_who){ .uid = r->tu.uid,
								.gid = r->tu.gid,
								.groups = r->tu.groups,
								.ngroups = (size_t)r->tu.ngroups },
				    bad, sizeof(bad));
	if (e < 0) {
		cli_error("run: audit log '%s': '%s' is %s by %s, who could delete, replace or "
			  "pre-claim the log",
			  file, bad, e == -EPERM ? "writable (or renamable)" : strerror(-e),
			  r->tu.name);
		fprintf(stderr, "Hint: a directory only root can write, e.g. /var/log/cordon\n");
		return -EPERM;
	}
	return 0;
}

/*
 * The daemon's worker writes the log its caller opened (as that user, so untrusted by
 * nature): still never one inside a write tree of the session, which the agent could rewrite.
 */
static int check_passed_log(struct run *r)
{
	char link[64], real[PATH_MAX];
	const char *tree;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", r->ev.audit_fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0)
		return -EBADF;
	real[n] = '\0';
	tree = write_tree_of(r, real);
	if (tree)
		return refuse_in_write_tree(r, real, tree);
	r->ev.log_untrusted = "written by the session's own user, who can rewrite it: the "
			      "daemon's log is authoritative";
	fprintf(stderr, "cordon: audit log '%s' is not tamper-proof: %s\n", real,
		r->ev.log_untrusted);
	return 0;
}

int run_open_audit_log(struct run *r)
{
	struct run_events *ev = &r->ev;
	const char *path = r->o.audit_log;
	struct stat st;
	int e;

	if (!path)
		return 0;
	if (ev->audit_fd >= 0)
		return check_passed_log(r);
	e = check_log_place(r, path);
	if (e < 0)
		return e;
	/* Opened as the caller (root with --user): not through a planted symlink, and only a
	 * regular file. */
	ev->audit_fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (ev->audit_fd >= 0 && (fstat(ev->audit_fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(ev->audit_fd);
		ev->audit_fd = -1;
		errno = EINVAL;
	}
	if (ev->audit_fd < 0) {
		cli_error("run: audit log '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (ev->log_untrusted)
		fprintf(stderr, "cordon: audit log '%s' is not tamper-proof: %s\n", path,
			ev->log_untrusted);
	return 0;
}

int run_audit_start(const struct run_opts *o, struct run_events *ev,
		    const struct cordon_audit_session *s)
{
	struct cordon_audit_sink_opts so = { .path = ev->audit_fd_passed ? NULL : o->audit_log,
					     .fd = ev->audit_fd,
					     .max_bytes = o->audit_max_bytes,
					     .keep = o->audit_keep,
					     .fsync = o->audit_fsync,
					     .format = o->audit_format,
					     .to_stdout = o->audit_stdout,
					     .to_journal = o->audit_journal };
	json_t *rec;
	int r;

	/* Any sink, a file or not: the session's records, its start and end included. */
	if (ev->audit_fd < 0 && !o->audit_stdout && !o->audit_journal)
		return 0;
	r = cordon_audit_sink_open(&so, &ev->stream.sink);
	if (r < 0) {
		cli_error("run: audit %s%s%s: %s", o->audit_log ? "log '" : "sink",
			  o->audit_log ?: "", o->audit_log ? "'" : "", strerror(-r));
		return r;
	}
	/* Written at once: a launch that fails later still leaves its session-start, and
	 * repeated atop every file rotation starts, so no flood pushes it out of retention. */
	rec = cordon_audit_session_start(s, s->start_ns);
	if (rec)
		cordon_audit_sink_keep_first(ev->stream.sink, s->ctx->session, rec);
	cordon_audit_sink_emit(ev->stream.sink, rec);
	cordon_audit_sink_flush(ev->stream.sink);
	return 0;
}

void run_dns_refused(void *ctx, const char *name, uint16_t qtype, enum cordon_dns_reason why)
{
	struct run_events *ev = ctx;
	char type[32];

	ev->refused_dns++;
	if (!ev->stream.sink)
		return;
	cordon_dns_type_name(qtype, type, sizeof(type));
	cordon_audit_sink_emit(ev->stream.sink,
			       cordon_audit_dns_refused(&ev->audit, name, type,
							cordon_dns_reason_name(why),
							cordon_realtime_ns()));
}

static void daemon_record(void *ctx, json_t *rec)
{
	struct run_events *ev = ctx;
	json_t *c = json_object_get(rec, "cordon"), *n = json_object_get(c, "repeated");

	/* What an observing session let through, as root's run counts it from the ring buffer:
	 * a summary of folded repeats stands for its count. */
	if (json_is_true(json_object_get(c, "observed")))
		ev->observed += json_is_integer(n) && json_integer_value(n) > 0
					? (unsigned long)json_integer_value(n)
					: 1;
	run_report_take(&ev->report, rec);
	if (ev->stream.sink)
		cordon_audit_sink_emit(ev->stream.sink, rec);
	else
		json_decref(rec);
}

int run_fetch_daemon_records(struct run_events *ev, const char *daemon_session)
{
	int r = run_daemon_fetch_audit(daemon_session, daemon_record, ev);

	if (r < 0)
		cli_error("run: the daemon's records of this session: %s", strerror(-r));
	return r;
}

int run_audit_end(struct run_events *ev, struct cordon_audit_session *s)
{
	struct cordon_audit_session_counts n = {
		.refused_connect = ev->refused_connect,
		.refused_file = ev->refused_file,
		.refusals = cordon_audit_stream_refusals(&ev->stream),
		.exec = ev->stream.written[CORDON_EV_EXEC],
		.exit = ev->stream.written[CORDON_EV_EXIT],
		.events_lost = ev->drops,
		.malformed = ev->malformed,
		.not_cordon = ev->not_cordon,
		.observed = ev->observed,
	};
	int r;

	/* Every folded refusal summarised before the counts are taken. */
	cordon_audit_stream_release(&ev->stream);
	n.refusals = cordon_audit_stream_refusals(&ev->stream);
	if (!ev->stream.sink)
		return 0;
	cordon_audit_stream_drops(&ev->stream, ev->drops);
	s->counts = &n;
	cordon_audit_sink_emit(ev->stream.sink, cordon_audit_session_end(s, cordon_realtime_ns()));
	s->counts = NULL;
	r = cordon_audit_sink_close(ev->stream.sink);
	ev->stream.sink = NULL;
	return r;
}

/* Was gap @j already named, by rule and reason, among those from @i on? A host set expands to
 * one rule per member: the set is named once. */
static bool named_before(const struct cordon_plan *plan, const bool *done, size_t i, size_t j)
{
	for (size_t k = i; k < j; k++)
		if (done[k] && !strcmp(plan->gaps[k].rule, plan->gaps[j].rule) &&
		    !strcmp(plan->gaps[k].reason, plan->gaps[j].reason))
			return true;
	return false;
}

/* Rules named per reason before "and N more" (--verbose names them all). */
#define GAPS_NAMED 3

/* The distinct rules of the gaps from @i on with @i's reason, marked done; named up to @limit. */
static size_t print_reason(const struct cordon_plan *plan, bool *done, size_t i, size_t limit)
{
	const char *reason = plan->gaps[i].reason;
	size_t n = 0;

	for (size_t j = i; j < plan->ngaps; j++) {
		if (done[j] || strcmp(plan->gaps[j].reason, reason))
			continue;
		done[j] = true;
		if (named_before(plan, done, i, j))
			continue;
		if (n < limit)
			fprintf(stderr, "%s%s", n ? ", " : "", plan->gaps[j].rule);
		n++;
	}
	return n;
}

/*
 * Rules no active layer enforces, one line per reason with its count: a few named, the rest
 * counted (all named with @verbose; every one is in the session-start record). @quiet: one line
 * with the total — never nothing, a degraded session is never silent.
 */
void run_print_gaps(const struct cordon_plan *plan, bool quiet, bool verbose)
{
	_cleanup_free_ bool *done = calloc(plan->ngaps ?: 1, sizeof(*done));
	size_t limit = verbose ? SIZE_MAX : GAPS_NAMED;

	if (quiet && plan->ngaps) {
		fprintf(stderr,
			"cordon: %zu rule(s) of the policy not enforced on this kernel "
			"(--verbose or --dry-run lists them)\n",
			plan->ngaps);
		return;
	}
	for (size_t i = 0; done && i < plan->ngaps; i++) {
		size_t n;

		if (done[i])
			continue;
		fprintf(stderr, "cordon: not enforced here (needs %s: %s): ", plan->gaps[i].needs,
			plan->gaps[i].reason);
		n = print_reason(plan, done, i, limit);
		if (n > limit)
			fprintf(stderr, " and %zu more (--verbose lists them)", n - limit);
		fputc('\n', stderr);
	}
}

/* The second start line of an observing session: what it lets through, what it still refuses. */
static void print_observe_line(bool files)
{
	const char *const *still = cordon_observe_still_refused(files);

	fprintf(stderr,
		"cordon: observe mode: network refusals (connect, send, bind, unix sockets, socket "
		"kinds, listeners)%s are let through and recorded as would-refuse; still refused:",
		files ? " and files outside filesystem.read/write/exec (BPF LSM)" : "");
	for (size_t i = 0; still[i]; i++)
		fprintf(stderr, "%s%s", i ? ", " : " ", still[i]);
	fputc('\n', stderr);
}

/* Who launched the session: the daemon for an ordinary user, root, or the user alone. */
static const char *run_mode_name(const struct run *r)
{
	if (r->dsess.on)
		return "daemon";
	return r->kern.root ? "root" : "unprivileged";
}

void run_report_start(const struct run *r)
{
	const struct cordon_audit_session *s = &r->as;
	json_t *rep;

	if (!r->o.json && r->o.quiet)
		return;
	if (!r->o.json) {
		run_print_env_dropped(r);
		fprintf(stderr,
			"cordon: session %.12s (%s) policy %s from %s: landlock=ABI%d seccomp=on "
			"cgroup_bpf=%s bpf_lsm=%s fanotify=%s masks=%zu limits=%s%s%s\n",
			r->sess.name, run_mode_name(r), r->pol->name,
			r->pol->origin ?: r->pol->file, r->ll.abi,
			s->layers & POL_NEEDS_CGROUP_BPF ? "on" : "off",
			s->layers & POL_NEEDS_BPF_LSM ? "on" : "off",
			r->kern.fanotify ? "on" : "off", r->masks.n,
			cordon_plan_limits_name(&r->plan),
			/* what the agent leaves may outlive it (process.lifetime) */
			r->pol->lifetime == POL_LIFETIME_DETACHED ? " lifetime=detached" : "",
			r->plan.ngaps ? " (degraded: see above)" : "");
		if (r->o.observe)
			print_observe_line(r->observe_files);
		return;
	}
	rep = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:{s:b,s:b,s:b,s:b,s:b,s:b},s:I,s:o}", "session",
		r->sess.name, "mode", run_mode_name(r), "policy", r->pol->name, "policy_origin",
		r->pol->origin ?: r->pol->file, "project", r->project, "layers", "landlock",
		!!(s->layers & CORDON_LAYER_BIT(CORDON_LAYER_ID_LANDLOCK)), "seccomp",
		!!(s->layers & CORDON_LAYER_BIT(CORDON_LAYER_ID_SECCOMP)), "cgroup_bpf",
		!!(s->layers & POL_NEEDS_CGROUP_BPF), "bpf_lsm", !!(s->layers & POL_NEEDS_BPF_LSM),
		"mount_ns", !!(s->layers & POL_NEEDS_MOUNT_NS), "fanotify", r->kern.fanotify,
		"masks", (json_int_t)r->masks.n, "unenforced", cordon_audit_plan_gaps(&r->plan));
	if (rep && r->o.observe)
		json_object_set_new(rep, "observe", json_true());
	if (rep && r->pol->lifetime == POL_LIFETIME_DETACHED)
		json_object_set_new(rep, "detach", json_true());
	if (rep)
		json_dumpf(rep, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', stderr);
	json_decref(rep);
}

static const char *rights(uint64_t a)
{
	static char buf[4];

	snprintf(buf, sizeof(buf), "%c%c%c", a & LANDLOCK_ACCESS_FS_READ_FILE ? 'r' : '-',
		 a & LANDLOCK_ACCESS_FS_WRITE_FILE ? 'w' : '-',
		 a & LANDLOCK_ACCESS_FS_EXECUTE ? 'x' : '-');
	return buf;
}

void run_print_plan(struct run *r)
{
	printf("policy %s from %s\nproject %s\nlayers: landlock=ABI%d seccomp=on cgroup_bpf=%s "
	       "bpf_lsm=%s mount_ns=%s fanotify=%s\n",
	       r->pol->name, r->pol->origin ?: r->pol->file, r->project, r->ll.abi,
	       r->plan.layers & POL_NEEDS_CGROUP_BPF ? "on" : "off",
	       r->plan.layers & POL_NEEDS_BPF_LSM ? "on" : "off", r->kern.mount_ns ? "on" : "off",
	       r->kern.fanotify ? "on" : "off");
	printf("unenforced rules: %zu%s\n", r->plan.ngaps,
	       r->plan.ngaps ? (r->plan.refuse ? " (strict mode: the run would be refused)"
					       : " (listed on stderr)")
			     : "");
	printf("filesystem (Landlock; a missing path grants nothing):\n");
	for (size_t i = 0; i < r->ll.npaths; i++)
		printf("  %s %s%s\n", rights(r->ll.paths[i].access), r->ll.paths[i].path,
		       access(r->ll.paths[i].path, F_OK) ? " (missing)" : "");
	printf("tcp ports (Landlock):");
	for (size_t i = 0, j; i < r->ll.nports; i = j) {
		/* consecutive ports with the same rights as one range */
		for (j = i + 1;
		     j < r->ll.nports && r->ll.ports[j].access == r->ll.ports[i].access &&
		     r->ll.ports[j].port == r->ll.ports[j - 1].port + 1;
		     j++)
			;
		printf(" %s%u", r->ll.ports[i].access & LANDLOCK_ACCESS_NET_BIND_TCP ? "bind:" : "",
		       r->ll.ports[i].port);
		if (j - i > 1)
			printf("-%u", r->ll.ports[j - 1].port);
	}
	printf("%s\n", r->ll.nports ? "" : " none");
	if (!r->kern.mount_ns || cordon_view_plan(&r->ll, r->project, true, &r->view) < 0) {
		printf("view: none (no mount namespace)\n");
		return;
	}
	printf("view: the host's, read-only but for the write trees; session-private:");
	for (size_t i = 0; i < r->view.nmounts; i++)
		printf(" %s", r->view.mounts[i].path);
	printf("\n");
	const char *conflict = NULL;
	int e = r->kern.overlayfs ? cordon_view_plan_layers(&r->view, &r->ll, &r->pol->fs_cache,
							    r->project, &conflict)
				  : 0;

	for (size_t i = 0; i < r->view.nrw; i++)
		printf("  %s: %s\n",
		       r->view.rw_layered[i] ? "writable, the project's layer (filesystem.cache)"
					     : "writable",
		       r->view.rw[i]);
	if (e == -EXDEV)
		printf("  refused: filesystem.cache '%s' holds the project\n", conflict);
}
