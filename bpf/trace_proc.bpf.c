// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process activity of session tasks from the scheduler's BTF tracepoints: every exec (program,
 * bounded argv) and the end of every process. No BPF LSM needed; tasks outside sessions leave
 * after one map lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lib/session.bpf.h"
#include "lib/event.bpf.h"

SEC("tp_btf/sched_process_exec")
int BPF_PROG(cordon_trace_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cordon_event_exec *ev;
	struct cordon_session *s;
	__u64 cgroup_id = 0, start, end, len;
	long n;

	s = current_session(&cgroup_id);
	if (!s)
		return 0;
	ev = event_reserve(sizeof(*ev), CORDON_EV_EXEC, CORDON_HOOK_SCHED_EXEC, 0, s, cgroup_id, 0,
			   0);
	if (!ev)
		return 0;
	ev->ppid = BPF_CORE_READ(p, real_parent, tgid);
	ev->old_pid = (__u32)old_pid;
	ev->argc = (__u32)BPF_CORE_READ(bprm, argc);
	ev->euid = BPF_CORE_READ(p, cred, euid.val);
	bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename),
				  BPF_CORE_READ(bprm, filename));

	/*
	 * The new image's argv was just copied onto its stack by exec itself, so the pages are
	 * resident and readable here without sleeping.
	 */
	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > CORDON_ARGS_LEN) {
		len = CORDON_ARGS_LEN;
		ev->flags |= CORDON_EXEC_ARGS_TRUNCATED;
	}
	/* Keep the verifier's bound on len through the compiler's reshuffling. */
	asm volatile("" : "+r"(len));
	if (len > CORDON_ARGS_LEN)
		len = 0;
	n = bpf_probe_read_user(ev->args, len, (const void *)start);
	if (n < 0) {
		ev->flags |= CORDON_EXEC_ARGS_UNREADABLE;
		ev->flags &= ~CORDON_EXEC_ARGS_TRUNCATED;
		len = 0;
	}
	ev->args_len = (__u32)len;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(cordon_trace_exit, struct task_struct *p)
{
	struct cordon_event_exit *ev;
	struct cordon_session *s;
	__u64 cgroup_id = 0;

	/*
	 * One record per process, not per thread: do_exit() has already decremented
	 * signal->live when the tracepoint fires, so 0 means this is the last thread.
	 */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	s = current_session(&cgroup_id);
	if (!s)
		return 0;
	ev = event_reserve(sizeof(*ev), CORDON_EV_EXIT, CORDON_HOOK_SCHED_EXIT, 0, s, cgroup_id, 0,
			   0);
	if (!ev)
		return 0;
	ev->ppid = BPF_CORE_READ(p, real_parent, tgid);
	ev->exit_code = (__u32)BPF_CORE_READ(p, exit_code);
	ev->start_ns = BPF_CORE_READ(p, group_leader, start_boottime);
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
