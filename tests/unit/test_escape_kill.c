// SPDX-License-Identifier: GPL-2.0-only
/*
 * The supervisor's kill of a process a cgroup-escape record names: only the process whose start
 * time is the record's is killed (a reused pid is left alone), and the outcome is in the flags.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"
#include "enforce/enforce.h"
#include "sys/sys.h"

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
	pid_t p = fork();

	if (p == 0) {
		pause();
		_exit(0);
	}
	assert_true(p > 0);
	return p;
}

/* @pid's start time as the kernel's record gives it (ns), from /proc/PID/stat's clock ticks. */
static uint64_t start_ns_of(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long ticks = 0;
	const char *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	assert_non_null(p);
	for (int field = 3; field <= 22; field++) {
		p = strchr(p + 1, ' ');
		assert_non_null(p);
	}
	ticks = strtoull(p + 1, NULL, 10);
	/* Within the tick: the kernel's ns value is cut to ticks the same way. */
	return ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK)) + 1234;
}

static struct cordon_event_cgroup_escape record_of(pid_t pid, uint64_t start_ns)
{
	struct cordon_event_cgroup_escape ev = { 0 };

	ev.hdr.type = CORDON_EV_CGROUP_ESCAPE;
	ev.hdr.size = sizeof(ev);
	ev.hdr.pid = (uint32_t)pid;
	ev.start_ns = start_ns;
	return ev;
}

static void test_escape_kill__kills_the_process_of_the_record(void **state)
{
	pid_t p = sleeper();
	struct cordon_event_cgroup_escape ev = record_of(p, start_ns_of(p));
	int status;

	(void)state;
	assert_int_equal(cordon_escape_kill(&ev), 0);
	assert_true(ev.flags & CORDON_ESCAPE_KILLED);
	assert_false(ev.flags & CORDON_ESCAPE_GONE);
	assert_int_equal(waitpid(p, &status, 0), p);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_escape_kill__another_start_time_is_a_reused_pid(void **state)
{
	pid_t p = sleeper();
	/* Started a second earlier: not this process. */
	struct cordon_event_cgroup_escape ev = record_of(p, start_ns_of(p) - 1000000000ull);

	(void)state;
	assert_int_equal(cordon_escape_kill(&ev), 0);
	assert_false(ev.flags & CORDON_ESCAPE_KILLED);
	assert_true(ev.flags & CORDON_ESCAPE_GONE);
	assert_int_equal(kill(p, 0), 0); /* alive */
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

static void test_escape_kill__exited_process_is_gone(void **state)
{
	pid_t p = sleeper();
	uint64_t start = start_ns_of(p);
	struct cordon_event_cgroup_escape ev = record_of(p, start);

	(void)state;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	assert_int_equal(cordon_escape_kill(&ev), 0);
	assert_int_equal(ev.flags, CORDON_ESCAPE_GONE);
}

static void test_escape_kill__killed_in_kernel_is_left_alone(void **state)
{
	pid_t p = sleeper();
	struct cordon_event_cgroup_escape ev = record_of(p, start_ns_of(p));

	(void)state;
	ev.flags = CORDON_ESCAPE_KILLED_BPF;
	assert_int_equal(cordon_escape_kill(&ev), 0);
	assert_int_equal(ev.flags, CORDON_ESCAPE_KILLED_BPF);
	assert_int_equal(kill(p, 0), 0);
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_kill__kills_the_process_of_the_record),
		cmocka_unit_test(test_escape_kill__another_start_time_is_a_reused_pid),
		cmocka_unit_test(test_escape_kill__exited_process_is_gone),
		cmocka_unit_test(test_escape_kill__killed_in_kernel_is_left_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
