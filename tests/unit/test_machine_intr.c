/* Unit tests for monitor/machine_intr.c, the interrupt seam: controllers
 * asked in priority order, the first pending one acknowledged, none pending
 * gives -1, a full table refused, the 8259 pair registered by machine_init
 * and reached only through the seam, and a vCPU asleep in
 * machine_wait_for_interrupt woken by an IRQ edge and by machine_wake. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/machine.h"

static struct machine m;
static char err[256];

static void console_out(void *opaque, uint8_t b)
{
	(void)opaque;
	(void)b;
}

static void setup(void)
{
	struct machine_config cfg = { .ram_size = 4u << 20, .console_out = console_out };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	machine_destroy(&m);
}

/* A controller for tests: pending while level is set, acks with vector. */
struct fake_intc {
	bool level;
	int vector;
	unsigned last_cpu;
	int acks;
};

static bool fake_pending(void *ctx, unsigned cpu)
{
	struct fake_intc *f = ctx;
	f->last_cpu = cpu;
	return f->level;
}

static int fake_ack(void *ctx, unsigned cpu)
{
	struct fake_intc *f = ctx;
	f->last_cpu = cpu;
	f->acks++;
	f->level = false;
	return f->vector;
}

START_TEST(pic_behind_the_seam)
{
	/* the local APIC first: the 8259 reaches the CPU through its LINT0 */
	ck_assert_int_eq(m.nintc, 2);
	ck_assert_str_eq(m.intc[0].name, "lapic");
	ck_assert_str_eq(m.intc[1].name, "pic");
	ck_assert(!machine_intr_pending(&m, 0));
	ck_assert_int_eq(machine_intr_ack(&m, 0), -1);
	/* ICW1-4 on the master: vectors 0x20-0x27; unmask IRQ 0 */
	uint8_t v;
	v = 0x11; machine_pio(&m, 0, 0x20, &v, 1, true);
	v = 0x20; machine_pio(&m, 0, 0x21, &v, 1, true);
	v = 0x04; machine_pio(&m, 0, 0x21, &v, 1, true);
	v = 0x01; machine_pio(&m, 0, 0x21, &v, 1, true);
	v = 0xfe; machine_pio(&m, 0, 0x21, &v, 1, true);
	pic_set_irq(&m.pic, 0, 1);
	ck_assert(machine_intr_pending(&m, 0));
	ck_assert_int_eq(machine_intr_ack(&m, 0), 0x20);
	ck_assert(!machine_intr_pending(&m, 0));   /* in service until EOI */
}
END_TEST

/* One path: ExtINT through the APIC's LINT0, or, with the APIC globally
 * disabled (APIC-base MSR bit 11), the 8259's own entry; never both. */
START_TEST(pic_one_path)
{
	uint8_t v;
	v = 0xfe; machine_pio(&m, 0, 0x21, &v, 1, true);   /* unmask IRQ 0 (reset vectors 0x08) */
	pic_set_irq(&m.pic, 0, 1);
	ck_assert(m.intc[0].pending(m.intc[0].ctx, 0));    /* the LAPIC sees it on LINT0 */
	ck_assert(!m.intc[1].pending(m.intc[1].ctx, 0));   /* the PIC's entry stands aside */
	uint64_t base = 0;
	ck_assert_int_eq(machine_msr(&m, 0, 0x1b, &base, false), 1);
	ck_assert_uint_eq(base, 0xfee00900u);
	base &= ~(1ull << 11);
	ck_assert_int_eq(machine_msr(&m, 0, 0x1b, &base, true), 1);
	ck_assert(!m.intc[0].pending(m.intc[0].ctx, 0));
	ck_assert(m.intc[1].pending(m.intc[1].ctx, 0));
	ck_assert_int_eq(machine_intr_ack(&m, 0), 0x08);
}
END_TEST

START_TEST(priority_order)
{
	struct fake_intc hi = { .vector = 0x41 }, lo = { .vector = 0x42 };
	m.nintc = 0;   /* without the PIC, to see the order alone */
	ck_assert_int_eq(machine_intc_add(&m, &(struct machine_intc){ "hi", fake_pending, fake_ack, &hi }), 0);
	ck_assert_int_eq(machine_intc_add(&m, &(struct machine_intc){ "lo", fake_pending, fake_ack, &lo }), 0);
	lo.level = true;
	ck_assert(machine_intr_pending(&m, 3));
	ck_assert_uint_eq(lo.last_cpu, 3);
	hi.level = true;
	ck_assert_int_eq(machine_intr_ack(&m, 3), 0x41);   /* the first pending one */
	ck_assert_int_eq(hi.acks, 1);
	ck_assert_int_eq(lo.acks, 0);
	ck_assert_int_eq(machine_intr_ack(&m, 3), 0x42);
	ck_assert_int_eq(machine_intr_ack(&m, 3), -1);
	ck_assert_int_eq(lo.acks, 1);
}
END_TEST

START_TEST(table_full)
{
	struct fake_intc f = { 0 };
	int added = 0;
	while (machine_intc_add(&m, &(struct machine_intc){ "f", fake_pending, fake_ack, &f }) == 0)
		added++;
	ck_assert_int_eq(m.nintc, MACHINE_MAX_INTC);
	ck_assert_int_eq(added, MACHINE_MAX_INTC - 2);   /* the LAPIC and the PIC hold two */
}
END_TEST

struct waiter {
	pthread_t t;
	bool woke_by_intr;
	volatile bool done;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	w->woke_by_intr = machine_wait_for_interrupt(&m, 0);
	w->done = true;
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

START_TEST(wait_wakes)
{
	struct fake_intc f = { .vector = 0x30 };
	ck_assert_int_eq(machine_intc_add(&m, &(struct machine_intc){ "f", fake_pending, fake_ack, &f }), 0);
	struct waiter w = { 0 };
	/* machine_wake: a stop request, not an interrupt */
	pthread_create(&w.t, NULL, wait_thread, &w);
	sleep_ms(50);
	ck_assert(!w.done);
	machine_wake(&m);
	pthread_join(w.t, NULL);
	ck_assert(!w.woke_by_intr);
	/* a controller's INTR edge */
	memset(&w, 0, sizeof w);
	pthread_create(&w.t, NULL, wait_thread, &w);
	sleep_ms(50);
	ck_assert(!w.done);
	f.level = true;
	machine_intr_notify(&m);
	pthread_join(w.t, NULL);
	ck_assert(w.woke_by_intr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("machine_intr");
	TCase *tc = tcase_create("seam");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pic_behind_the_seam);
	tcase_add_test(tc, pic_one_path);
	tcase_add_test(tc, priority_order);
	tcase_add_test(tc, table_full);
	tcase_add_test(tc, wait_wakes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
