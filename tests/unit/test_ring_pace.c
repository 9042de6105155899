// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ring buffer reader's pace in a flood (loader.h cordon_ring_pace) and the supervisor's hold
 * of a watch: drains close together hold the ring for one pace, drains further apart never do,
 * and a held watch is not served before its hold ends but is served when it does, readable or
 * not.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforce/enforce.h"
#include "loader/loader.h"

#define MS 1000000ull

static void test_ring_pace__first_drain_and_drains_apart_never_hold(void **state)
{
	struct cordon_ring_pace p = { 0 };

	(void)state;
	assert_int_equal(cordon_ring_pace_drained(&p, 1000 * MS, 1), 0);
	assert_false(cordon_ring_pace_held(&p, 1000 * MS));
	/* Two paces apart and more: an ordinary trickle of records, every one woken for. */
	assert_int_equal(cordon_ring_pace_drained(&p, 1000 * MS + 2 * CORDON_RING_PACE_NS, 1), 0);
	assert_int_equal(cordon_ring_pace_drained(&p, 2000 * MS, 1), 0);
	assert_int_equal(cordon_ring_pace_timeout_ms(&p, 2000 * MS, 1000), 1000);
	assert_int_equal(cordon_ring_pace_timeout_ms(&p, 2000 * MS, -1), -1);
}

static void test_ring_pace__close_drains_hold_one_pace_while_the_flood_lasts(void **state)
{
	struct cordon_ring_pace p = { 0 };
	uint64_t t = 5000 * MS;

	(void)state;
	cordon_ring_pace_drained(&p, t, 1);
	t += 10000; /* woken again 10 us later: a flood */
	assert_int_equal(cordon_ring_pace_drained(&p, t, 1), t + CORDON_RING_PACE_NS);
	assert_true(cordon_ring_pace_held(&p, t));
	assert_true(cordon_ring_pace_held(&p, t + CORDON_RING_PACE_NS - 1));
	assert_false(cordon_ring_pace_held(&p, t + CORDON_RING_PACE_NS));
	/* The hold's end drains again, and holds again: the flood goes on. */
	t += CORDON_RING_PACE_NS;
	assert_int_equal(cordon_ring_pace_drained(&p, t, 1), t + CORDON_RING_PACE_NS);
	/* It ended: the next record comes much later and is woken for at once. */
	t += 50 * MS;
	assert_int_equal(cordon_ring_pace_drained(&p, t, 1), 0);
	assert_false(cordon_ring_pace_held(&p, t));
}

static void test_ring_pace__a_busy_reader_is_never_held(void **state)
{
	struct cordon_ring_pace p = { 0 };
	uint64_t t = 7000 * MS;

	(void)state;
	cordon_ring_pace_drained(&p, t, 1);
	/* Woken at once, but the drain took many records: the reader has work, not wake-ups. */
	assert_int_equal(cordon_ring_pace_drained(&p, t + 1000, CORDON_RING_PACE_FEW), 0);
	assert_false(cordon_ring_pace_held(&p, t + 1000));
	assert_int_equal(cordon_ring_pace_drained(&p, t + 2000, 100000), 0);
	/* Then a handful again: held. */
	assert_int_equal(cordon_ring_pace_drained(&p, t + 3000, CORDON_RING_PACE_FEW - 1),
			 t + 3000 + CORDON_RING_PACE_NS);
}

static void test_ring_pace__timeout_ends_with_the_hold_rounded_up(void **state)
{
	struct cordon_ring_pace p = { 0 };
	uint64_t t = 9000 * MS;

	(void)state;
	cordon_ring_pace_drained(&p, t, 1);
	cordon_ring_pace_drained(&p, t + 1, 1);
	t += 1;
	assert_int_equal(cordon_ring_pace_timeout_ms(&p, t, 1000), 1);
	assert_int_equal(cordon_ring_pace_timeout_ms(&p, t, -1), 1);
	assert_int_equal(cordon_ring_pace_timeout_ms(&p, t, 0), 0);
	/* Half a millisecond left waits a whole one: never wakes to find the ring still held. */
	assert_int_equal(cordon_ring_pace_timeout_ms(&p, t + CORDON_RING_PACE_NS / 2, 1000), 1);
	assert_int_equal(cordon_ring_pace_timeout_ms(&p, t + CORDON_RING_PACE_NS, 1000), 1000);
}

/* A watch on an always-readable pipe that holds itself for HOLD_NS at each call. */
#define HOLD_NS (5 * MS)

struct held_watch {
	uint64_t hold_until_ns;
	int calls, early;
	bool child_alive;
	pid_t child;
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_ready(void *ctx)
{
	struct held_watch *w = ctx;
	uint64_t now = boot_ns();

	/* Served while held (the last drain after the child's exit excepted): a broken hold. */
	if (w->hold_until_ns && now < w->hold_until_ns && kill(w->child, 0) == 0)
		w->early++;
	w->calls++;
	w->hold_until_ns = now + HOLD_NS;
}

static void test_ring_pace__supervisor_serves_a_held_watch_only_when_its_hold_ends(void **state)
{
	struct held_watch w = { 0 };
	struct cordon_supervise s = { .pty_master = -1, .stop_fd = -1 };
	int p[2], status;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1); /* readable from now on: never read */
	w.child = fork();
	if (w.child == 0) {
		usleep(200000);
		_exit(7);
	}
	s.pid = w.child;
	for (int i = 0; i < CORDON_SUPERVISE_WATCHES; i++)
		s.watch[i].fd = -1;
	s.watch[0] = (struct cordon_watch){
		.fd = p[0], .on_ready = on_ready, .ctx = &w, .hold_until_ns = &w.hold_until_ns
	};
	status = cordon_supervise(&s);
	assert_int_equal(status, 7);
	assert_int_equal(w.early, 0);
	/*
	 * Readable all along yet not served in a loop: at most one call per hold while the child
	 * ran (200 ms / 5 ms, and the last drain), and more than the first: the holds ended.
	 */
	assert_in_range(w.calls, 2, 200 / 5 + 2);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_pace__first_drain_and_drains_apart_never_hold),
		cmocka_unit_test(test_ring_pace__close_drains_hold_one_pace_while_the_flood_lasts),
		cmocka_unit_test(test_ring_pace__a_busy_reader_is_never_held),
		cmocka_unit_test(test_ring_pace__timeout_ends_with_the_hold_rounded_up),
		cmocka_unit_test(
			test_ring_pace__supervisor_serves_a_held_watch_only_when_its_hold_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
