/* Unit tests for monitor/clock, the clock thread, in real time: with the PIT
 * in mode 2 at 1000 Hz it raises IRQ0 many times in 200 ms (a loose lower
 * bound only, hosts are busy); with the timer off it raises nothing and does
 * not wake; reprogramming wakes it (the PIT's kick); a mode 0 one-shot gives
 * exactly one IRQ; stopping joins the thread promptly, also while it sleeps
 * with no deadline; start/stop can repeat. clock_tsc_khz measures the host
 * TSC: two readings agree to 0.5% (loose: hosts are busy) and a 10 ms one
 * takes about 10 ms. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "monitor/clock.h"
#include "monitor/pic.h"
#include "monitor/pit.h"

#define VEC0     0x20
#define MS       1000000ull          /* ns */
#define LATCH_1K 1193                /* 1193182 / 1000 */

static struct pic pic;
static struct pit pit;
static struct clock clk;
static int wakes;

static void on_notify(void *opaque)
{
	__atomic_add_fetch((int *)opaque, 1, __ATOMIC_RELAXED);
}

static void pic_out(uint16_t port, uint8_t v)
{
	pic_master_io(&pic, port & 1, &v, 1, true);
}

static void pit_out(uint16_t port, uint8_t v)
{
	pit_io(&pit, port - 0x40, &v, 1, true);
}

/* Start the thread with the PIT as its one client, kicked on reprogramming. */
static void clock_up(void)
{
	char err[128];
	ck_assert_msg(clock_start(&clk, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(clock_add(&clk, "pit", pit_clock_next, pit_clock_update, &pit), 0);
	pit_set_kick(&pit, clock_kick_cb, &clk);
}

static void clock_down(void)
{
	pit_set_kick(&pit, NULL, NULL);
	clock_stop(&clk);
}

static void setup(void)
{
	wakes = 0;
	pic_init(&pic, on_notify, &wakes);
	pic_out(0x20, 0x11);
	pic_out(0x21, VEC0);
	pic_out(0x21, 0x04);
	pic_out(0x21, 0x01);
	pic_out(0x21, 0x00);
	pit_init(&pit, &pic, clock_monotonic_ns, NULL);
	clock_up();
}

static void teardown(void)
{
	clock_down();
	pit_destroy(&pit);
	pic_destroy(&pic);
}

static void program(int mode, uint16_t n)
{
	pit_out(0x43, (uint8_t)(0x30 | mode << 1));
	pit_out(0x40, n & 0xff);
	pit_out(0x40, n >> 8);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Play the CPU for `ns`: acknowledge and EOI every IRQ0; returns how many. */
static int take_irqs_for(uint64_t ns)
{
	uint64_t end = clock_monotonic_ns(NULL) + ns;
	int n = 0;
	while (clock_monotonic_ns(NULL) < end) {
		if (pic_intr(&pic)) {
			ck_assert_int_eq(pic_ack(&pic), VEC0);
			pic_out(0x20, 0x20);
			n++;
		}
		sleep_ns(100000);
	}
	return n;
}

static uint64_t pit_irqs(void)
{
	pthread_mutex_lock(&pit.lock);
	uint64_t n = pit.irqs;
	pthread_mutex_unlock(&pit.lock);
	return n;
}

static uint64_t wakeups(void)
{
	return __atomic_load_n(&clk.wakeups, __ATOMIC_RELAXED);
}

START_TEST(periodic_1000hz)
{
	program(2, LATCH_1K);
	int n = take_irqs_for(200 * MS);
	ck_assert_int_ge(n, 20);
	ck_assert_int_le(n, 260);            /* no more than the edges there were */
	ck_assert_int_ge(__atomic_load_n(&wakes, __ATOMIC_RELAXED), 20);
	uint64_t t0 = clock_monotonic_ns(NULL);
	clock_stop(&clk);
	ck_assert_uint_lt(clock_monotonic_ns(NULL) - t0, 100 * MS);
	ck_assert_uint_ge(pit.irqs, 20);
}
END_TEST

START_TEST(timer_off_is_quiet)
{
	int n = take_irqs_for(100 * MS);
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(pit_irqs(), 0);
	ck_assert_uint_le(wakeups(), 1);     /* asleep, not polling (1: clock_add's kick) */
	uint64_t t0 = clock_monotonic_ns(NULL);
	clock_stop(&clk);                    /* wakes a thread with no deadline */
	ck_assert_uint_lt(clock_monotonic_ns(NULL) - t0, 100 * MS);
}
END_TEST

START_TEST(reprogramming_kicks_the_thread)
{
	sleep_ns(20 * MS);                   /* the thread is asleep with no deadline */
	program(3, LATCH_1K);
	ck_assert_int_ge(take_irqs_for(100 * MS), 10);
	/* Turning it off: a control word alone stops channel 0. */
	pit_out(0x43, 0x30);
	take_irqs_for(5 * MS);               /* drain what was already raised */
	uint64_t before = wakeups();
	ck_assert_int_eq(take_irqs_for(100 * MS), 0);
	ck_assert_uint_le(wakeups() - before, 1);
}
END_TEST

START_TEST(one_shot_gives_one_irq)
{
	program(0, 11932);                   /* 10 ms */
	ck_assert_int_eq(take_irqs_for(60 * MS), 1);
	ck_assert_int_eq(take_irqs_for(40 * MS), 0);
	ck_assert_uint_eq(pit_irqs(), 1);
}
END_TEST

START_TEST(absurd_rate_does_not_spin)
{
	program(2, 2);                       /* ~600 kHz */
	sleep_ns(50 * MS);
	uint64_t w = wakeups();
	/* At most one wakeup per CLOCK_MIN_PERIOD_NS (plus slack). */
	ck_assert_uint_le(w, 50 * MS / CLOCK_MIN_PERIOD_NS + 50);
	ck_assert_uint_ge(w, 5);
	ck_assert(pic_intr(&pic));
}
END_TEST

START_TEST(restart)
{
	for (int i = 0; i < 20; i++) {
		clock_down();
		clock_stop(&clk);                /* a second stop is a no-op */
		clock_up();
	}
	program(2, LATCH_1K);
	ck_assert_int_ge(take_irqs_for(50 * MS), 5);
}
END_TEST

START_TEST(tsc_rate)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	uint32_t k1 = clock_tsc_khz(10);
	clock_gettime(CLOCK_MONOTONIC, &b);
	uint32_t k2 = clock_tsc_khz(10);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_uint_gt(k1, 10000);   /* above 10 MHz: any TSC of a host that runs bt86 */
	uint32_t d = k1 > k2 ? k1 - k2 : k2 - k1;
	ck_assert_msg(d * 200u < k1, "two readings differ: %u and %u kHz", k1, k2);
	ck_assert_int_ge(ms, 10);
	ck_assert_int_lt(ms, 1000);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("clock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, periodic_1000hz);
	tcase_add_test(tc, timer_off_is_quiet);
	tcase_add_test(tc, reprogramming_kicks_the_thread);
	tcase_add_test(tc, one_shot_gives_one_irq);
	tcase_add_test(tc, absurd_rate_does_not_spin);
	tcase_add_test(tc, restart);
	tcase_add_test(tc, tsc_rate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(clock_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
