/* Unit tests for monitor/lapic, register by register against the SDM
 * (vol. 3, ch. 10 / 11), with fake hooks and a fake clock: the reset state
 * (SeaBIOS's), ID/version, TPR -> PPR and APR, IRR -> ISR on acknowledge in
 * priority-class order, EOI clearing the highest ISR bit and broadcasting
 * only level-triggered (TMR) vectors, ESR write-then-read and illegal
 * vectors, ICR self-IPI, shorthands, physical/logical (flat, cluster)
 * destinations, INIT/SIPI to nobody dropped, NMI unsupported, ExtINT
 * through LINT0, software disable masking the LVT, the APIC-base MSR
 * (global disable, reserved bits, relocation), and the timer: one-shot,
 * periodic, divide configuration, masked, reprogramming; the io events. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/evlog.h"
#include "monitor/lapic.h"

static struct lapic a;
static uint64_t now_ns;
static int notifies, extint_level, extint_acks, kicks;
static int eois[8], neoi;
static char unsupported[128];

static void h_notify(void *c) { (void)c; notifies++; }
static bool h_extint_pending(void *c) { (void)c; return extint_level; }
static int h_extint_ack(void *c) { (void)c; extint_acks++; extint_level = 0; return 0x20; }
static void h_eoi(void *c, int v) { (void)c; if (neoi < 8) eois[neoi++] = v; }
static void h_unsupported(void *c, const char *w) { (void)c; snprintf(unsupported, sizeof unsupported, "%s", w); }
static void h_kick(void *c) { (void)c; kicks++; }
static uint64_t h_clock(void *c) { (void)c; return now_ns; }

static void setup_n(unsigned n)
{
	now_ns = 1000000000ull;
	notifies = extint_level = extint_acks = kicks = neoi = 0;
	unsupported[0] = 0;
	lapic_init(&a, n, &(struct lapic_hooks){ h_notify, h_extint_pending, h_extint_ack, h_eoi, h_unsupported, h_kick,
						  h_clock, NULL, NULL });
}

static void setup(void) { setup_n(1); }
static void setup2(void) { setup_n(2); }
static void teardown(void) { lapic_destroy(&a); }

static void wr(unsigned cpu, unsigned off, uint32_t v) { lapic_mmio(&a, cpu, off, &v, 4, true); }
static uint32_t rd(unsigned cpu, unsigned off)
{
	uint32_t v = 0xdeadbeef;
	lapic_mmio(&a, cpu, off, &v, 4, false);
	return v;
}

static bool irr(unsigned cpu, unsigned v) { return (rd(cpu, LAPIC_IRR + (v >> 5) * 16) >> (v & 31)) & 1; }
static bool isr(unsigned cpu, unsigned v) { return (rd(cpu, LAPIC_ISR + (v >> 5) * 16) >> (v & 31)) & 1; }
static bool tmr(unsigned cpu, unsigned v) { return (rd(cpu, LAPIC_TMR + (v >> 5) * 16) >> (v & 31)) & 1; }

static void fixed(unsigned vector, uint8_t dest, bool level)
{
	lapic_deliver(&a, &(struct lapic_msg){ .vector = (uint8_t)vector, .dest = dest, .level = level, .from = -1 });
}

START_TEST(reset_state)
{
	ck_assert_uint_eq(rd(0, LAPIC_ID), 0);
	ck_assert_uint_eq(rd(0, LAPIC_VER), 0x00050014);
	ck_assert_uint_eq(rd(0, LAPIC_SVR), 0x1ff);
	ck_assert_uint_eq(rd(0, LAPIC_LVT_LINT0), 0x700);    /* ExtINT, unmasked */
	ck_assert_uint_eq(rd(0, LAPIC_LVT_LINT1), 0x400);    /* NMI */
	ck_assert_uint_eq(rd(0, LAPIC_LVT_TIMER), 0x10000);
	ck_assert_uint_eq(rd(0, LAPIC_LVT_ERROR), 0x10000);
	ck_assert_uint_eq(rd(0, LAPIC_DFR), 0xffffffff);
	ck_assert_uint_eq(rd(0, LAPIC_TPR), 0);
	uint64_t base;
	ck_assert_int_eq(lapic_msr(&a, 0, &base, false), 0);
	ck_assert_uint_eq(base, 0xfee00900u);   /* BSP, enabled */
	ck_assert(!lapic_intc_pending(&a, 0));
	/* ID is 8 bits at 31:24 */
	wr(0, LAPIC_ID, 0x05123456);
	ck_assert_uint_eq(rd(0, LAPIC_ID), 0x05000000);
}
END_TEST

/* PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4; a vector is
 * delivered only if its class is above PPR's. */
START_TEST(priority_classes)
{
	wr(0, LAPIC_TPR, 0x45);
	ck_assert_uint_eq(rd(0, LAPIC_PPR), 0x45);
	fixed(0x43, 0, false);                  /* class 4 = TPR class: held */
	ck_assert(irr(0, 0x43));
	ck_assert(!lapic_intc_pending(&a, 0));
	fixed(0x51, 0, false);
	ck_assert(lapic_intc_pending(&a, 0));
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x51);
	ck_assert(isr(0, 0x51) && !irr(0, 0x51));
	ck_assert_uint_eq(rd(0, LAPIC_PPR), 0x50);   /* the in-service class wins */
	wr(0, LAPIC_TPR, 0);
	ck_assert_uint_eq(rd(0, LAPIC_PPR), 0x50);
	ck_assert(!lapic_intc_pending(&a, 0));        /* 0x43 is below the 0x51 in service */
	fixed(0x61, 0, false);                        /* nests above it */
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x61);
	wr(0, LAPIC_EOI, 0);                           /* clears the highest: 0x61 */
	ck_assert(!isr(0, 0x61) && isr(0, 0x51));
	wr(0, LAPIC_EOI, 0);
	ck_assert_uint_eq(rd(0, LAPIC_PPR), 0);
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x43);
	ck_assert_int_eq(neoi, 0);                     /* edge vectors: no broadcast */
	/* nothing left: the spurious vector, nothing in service */
	wr(0, LAPIC_EOI, 0);
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0xff);
	ck_assert_uint_eq(rd(0, LAPIC_ISR + 0x70), 0);
}
END_TEST

START_TEST(apr_follows_tpr_and_irr)
{
	wr(0, LAPIC_TPR, 0x30);
	ck_assert_uint_eq(rd(0, LAPIC_APR), 0x30);
	fixed(0x81, 0, false);
	ck_assert_uint_eq(rd(0, LAPIC_APR), 0x80);
}
END_TEST

/* The TMR records level triggering; its EOI is broadcast (to the IOAPIC). */
START_TEST(tmr_and_eoi_broadcast)
{
	fixed(0x31, 0, true);
	fixed(0x32, 0, false);
	ck_assert(tmr(0, 0x31) && !tmr(0, 0x32));
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x32);
	wr(0, LAPIC_EOI, 0);
	ck_assert_int_eq(neoi, 0);
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x31);
	wr(0, LAPIC_EOI, 0);
	ck_assert_int_eq(neoi, 1);
	ck_assert_int_eq(eois[0], 0x31);
}
END_TEST

/* ESR: errors accumulate unseen until the ESR is written. */
START_TEST(esr_write_then_read)
{
	fixed(0x05, 0, false);                      /* vectors 0-15 are illegal */
	ck_assert(!irr(0, 0x05));
	ck_assert_uint_eq(rd(0, LAPIC_ESR), 0);
	wr(0, LAPIC_ESR, 0);
	ck_assert_uint_eq(rd(0, LAPIC_ESR), LAPIC_ESR_RECV_ILLEGAL);
	wr(0, LAPIC_ESR, 0);
	ck_assert_uint_eq(rd(0, LAPIC_ESR), 0);
	/* a send of an illegal vector, and an illegal register, with the error LVT on */
	wr(0, LAPIC_LVT_ERROR, 0xfe);
	wr(0, LAPIC_ICR_LO, 0x00040003);            /* self, fixed, vector 3 */
	rd(0, 0x2f0);                               /* no CMCI LVT with max LVT 5 */
	wr(0, LAPIC_ESR, 0);
	ck_assert_uint_eq(rd(0, LAPIC_ESR), LAPIC_ESR_SEND_ILLEGAL | LAPIC_ESR_ILLEGAL_REG);
	ck_assert(irr(0, 0xfe));                    /* the error interrupt */
}
END_TEST

START_TEST(self_ipi_and_shorthands)
{
	wr(0, LAPIC_ICR_HI, 0x0f000000);            /* ignored with a shorthand */
	wr(0, LAPIC_ICR_LO, 0x00040040);            /* self, fixed, 0x40 */
	ck_assert(irr(0, 0x40));
	ck_assert_uint_eq(rd(0, LAPIC_ICR_LO) & LAPIC_ICR_BUSY, 0);   /* idle at once */
	ck_assert_int_eq(notifies > 0, 1);
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x40);
	wr(0, LAPIC_EOI, 0);
	wr(0, LAPIC_ICR_LO, 0x000C0041);            /* all but self: nobody here */
	ck_assert(!irr(0, 0x41));
	wr(0, LAPIC_ICR_LO, 0x00080042);            /* all including self */
	ck_assert(irr(0, 0x42));
	/* physical destination: our ID, then someone else's */
	wr(0, LAPIC_ICR_HI, 0);
	wr(0, LAPIC_ICR_LO, 0x00000043);
	ck_assert(irr(0, 0x43));
	wr(0, LAPIC_ICR_HI, 0x03000000);
	wr(0, LAPIC_ICR_LO, 0x00000044);
	ck_assert(!irr(0, 0x44));
	ck_assert_str_eq(unsupported, "");
}
END_TEST

START_TEST(logical_destinations)
{
	wr(0, LAPIC_LDR, 0x01000000);     /* flat: bit 0 */
	wr(1, LAPIC_LDR, 0x02000000);     /* flat: bit 1 */
	fixed(0x50, 0x02, false);
	lapic_deliver(&a, &(struct lapic_msg){ .vector = 0x51, .logical = true, .dest = 0x02, .from = -1 });
	ck_assert(!irr(0, 0x51) && irr(1, 0x51));
	lapic_deliver(&a, &(struct lapic_msg){ .vector = 0x52, .logical = true, .dest = 0x03, .from = -1 });
	ck_assert(irr(0, 0x52) && irr(1, 0x52));
	ck_assert(!irr(0, 0x50) && !irr(1, 0x50));   /* physical 2: nobody */
	/* cluster: cluster 1 member bit 0 vs cluster 2 member bit 0 */
	wr(0, LAPIC_DFR, 0x0fffffff);
	wr(1, LAPIC_DFR, 0x0fffffff);
	ck_assert_uint_eq(rd(0, LAPIC_DFR), 0x0fffffff);
	wr(0, LAPIC_LDR, 0x11000000);
	wr(1, LAPIC_LDR, 0x21000000);
	lapic_deliver(&a, &(struct lapic_msg){ .vector = 0x53, .logical = true, .dest = 0x21, .from = -1 });
	ck_assert(!irr(0, 0x53) && irr(1, 0x53));
	/* lowest priority: the APIC with the lower arbitration priority */
	wr(1, LAPIC_TPR, 0x90);   /* APR 0x90 against CPU 0's 0x50 */
	lapic_deliver(&a, &(struct lapic_msg){ .vector = 0x60, .mode = LAPIC_DM_LOWEST, .dest = 0xff, .from = -1 });
	ck_assert(irr(0, 0x60) && !irr(1, 0x60));
	/* the other CPU's self IPI stays there */
	wr(1, LAPIC_ICR_LO, 0x00040070);
	ck_assert(irr(1, 0x70) && !irr(0, 0x70));
	ck_assert_uint_eq(rd(1, LAPIC_ID), 0x01000000);
}
END_TEST

START_TEST(init_sipi_nmi)
{
	wr(0, LAPIC_ICR_HI, 0x05000000);
	wr(0, LAPIC_ICR_LO, 0x00004500);            /* INIT assert to APIC 5: nobody */
	wr(0, LAPIC_ICR_LO, 0x00008500);            /* INIT level de-assert */
	wr(0, LAPIC_ICR_LO, 0x00004608);            /* SIPI vector 8 */
	wr(0, LAPIC_ICR_LO, 0x000C4608);            /* SIPI to all but self */
	ck_assert_str_eq(unsupported, "");
	ck_assert_uint_eq(a.inits, 1);
	ck_assert_uint_eq(a.sipis, 2);
	ck_assert_uint_eq(a.last_sipi_vector, 8);
	wr(0, LAPIC_ICR_LO, 0x00044400);            /* NMI to self */
	ck_assert_str_eq(unsupported, "NMI delivery");
}
END_TEST

START_TEST(extint_through_lint0)
{
	extint_level = 1;
	ck_assert(lapic_intc_pending(&a, 0));
	wr(0, LAPIC_TPR, 0xf0);                      /* ExtINT ignores the TPR */
	ck_assert(lapic_intc_pending(&a, 0));
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x20);
	ck_assert_int_eq(extint_acks, 1);
	ck_assert_uint_eq(rd(0, LAPIC_ISR + 0x10), 0);   /* not in the APIC's ISR */
	extint_level = 1;
	wr(0, LAPIC_LVT_LINT0, 0x10700);             /* masked */
	ck_assert(!lapic_intc_pending(&a, 0));
	wr(0, LAPIC_LVT_LINT0, 0x00700);
	ck_assert(lapic_intc_pending(&a, 0));
	/* software disable masks every LVT entry, and they stay masked */
	wr(0, LAPIC_SVR, 0x0ff);
	ck_assert_uint_eq(rd(0, LAPIC_LVT_LINT0), 0x10700);
	wr(0, LAPIC_LVT_LINT0, 0x00700);
	ck_assert_uint_eq(rd(0, LAPIC_LVT_LINT0), 0x10700);
	ck_assert(!lapic_intc_pending(&a, 0));
}
END_TEST

START_TEST(base_msr)
{
	uint64_t v = 0xfee00900u | 1u << 10;         /* x2APIC enable: reserved here */
	ck_assert_int_eq(lapic_msr(&a, 0, &v, true), -1);
	fixed(0x40, 0, false);
	v = 0xfee00100u;                              /* globally disabled */
	ck_assert_int_eq(lapic_msr(&a, 0, &v, true), 0);
	ck_assert(!lapic_hw_enabled(&a, 0));
	ck_assert(!lapic_intc_pending(&a, 0));
	v = 0xfee00900u;
	ck_assert_int_eq(lapic_msr(&a, 0, &v, true), 0);
	ck_assert(lapic_hw_enabled(&a, 0));
	ck_assert_uint_eq(rd(0, LAPIC_SVR), 0xff);    /* the power-up state */
	ck_assert_uint_eq(rd(0, LAPIC_LVT_LINT0), 0x10000);
	ck_assert(!irr(0, 0x40));
	ck_assert_str_eq(unsupported, "");
	v = 0xfed00900u;
	lapic_msr(&a, 0, &v, true);
	ck_assert_str_eq(unsupported, "moving the local APIC to 0xfed00000");
}
END_TEST

/* Timer: the count falls by one every divide-value bus cycles (1 ns each). */
START_TEST(timer_oneshot)
{
	wr(0, LAPIC_TIMER_DCR, 0x3);                 /* divide by 16 */
	wr(0, LAPIC_LVT_TIMER, 0x30);                /* one-shot, vector 0x30 */
	int k = kicks;
	wr(0, LAPIC_TIMER_ICR, 1000);
	ck_assert_int_gt(kicks, k);
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 1000);
	ck_assert_uint_eq(lapic_clock_next(&a), now_ns + 16000);
	now_ns += 16 * 250;
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 750);
	lapic_clock_update(&a);
	ck_assert(!irr(0, 0x30));
	now_ns += 16 * 750;
	lapic_clock_update(&a);
	ck_assert(irr(0, 0x30));
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 0);
	ck_assert_uint_eq(lapic_clock_next(&a), UINT64_MAX);   /* once */
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_ICR), 1000);
	/* divide by 1 (0xB) and by 128 (0xA) */
	wr(0, LAPIC_TIMER_DCR, 0xB);
	wr(0, LAPIC_TIMER_ICR, 100);
	now_ns += 40;
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 60);
	wr(0, LAPIC_TIMER_DCR, 0xA);                 /* goes on from 60, slower */
	now_ns += 128 * 10;
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 50);
	/* writing 0 stops it */
	wr(0, LAPIC_TIMER_ICR, 0);
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 0);
	ck_assert_uint_eq(lapic_clock_next(&a), UINT64_MAX);
}
END_TEST

START_TEST(timer_periodic_and_masked)
{
	wr(0, LAPIC_TIMER_DCR, 0x0);                 /* divide by 2 */
	wr(0, LAPIC_LVT_TIMER, 0x20031);             /* periodic, vector 0x31 */
	wr(0, LAPIC_TIMER_ICR, 500);                 /* a period of 1000 ns */
	uint64_t t0 = now_ns;
	for (int i = 1; i <= 3; i++) {
		ck_assert_uint_eq(lapic_clock_next(&a), t0 + 1000u * (unsigned)i);
		now_ns = t0 + 1000u * (unsigned)i;
		lapic_clock_update(&a);
		ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x31);
		wr(0, LAPIC_EOI, 0);
	}
	now_ns += 250;
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 375);
	/* late: missed periods coalesce into one request */
	now_ns += 10000;
	lapic_clock_update(&a);
	ck_assert_int_eq(lapic_intc_ack(&a, 0), 0x31);
	wr(0, LAPIC_EOI, 0);
	ck_assert(!lapic_intc_pending(&a, 0));
	ck_assert_uint_gt(lapic_clock_next(&a), now_ns);
	/* masked: it counts but does not interrupt */
	wr(0, LAPIC_LVT_TIMER, 0x30031);
	now_ns += 5000;
	lapic_clock_update(&a);
	ck_assert(!irr(0, 0x31));
	ck_assert_uint_gt(rd(0, LAPIC_TIMER_CCR), 0);
	/* mode 2 (TSC deadline) is reserved: it reads back one-shot */
	wr(0, LAPIC_LVT_TIMER, 0x40031);
	ck_assert_uint_eq(rd(0, LAPIC_LVT_TIMER), 0x00031);
}
END_TEST

/* Narrow reads, the undecoded rest of a slot, `info lapic`. */
START_TEST(byte_access_and_reserved)
{
	wr(0, LAPIC_TPR, 0x5a);
	uint8_t b = 0;
	lapic_mmio(&a, 0, LAPIC_TPR, &b, 1, false);
	ck_assert_uint_eq(b, 0x5a);
	uint32_t v = 0xdeadbeef;
	lapic_mmio(&a, 0, LAPIC_TPR + 4, &v, 4, false);   /* the rest of a slot reads 0 */
	ck_assert_uint_eq(v, 0);
	char buf[2048];
	lapic_describe(&a, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "tpr=0x5a"));
	ck_assert_ptr_nonnull(strstr(buf, "lint0=0x00700"));
}
END_TEST

/* IPIs and timer programming are io events (when a log is given). */
START_TEST(events_logged)
{
	struct evlog log;
	ck_assert_int_eq(evlog_init(&log, 16), 0);
	lapic_destroy(&a);
	lapic_init(&a, 1, &(struct lapic_hooks){ .clock = h_clock, .events = &log });
	wr(0, LAPIC_ICR_LO, 0x00040040);
	wr(0, LAPIC_LVT_TIMER, 0x20030);
	wr(0, LAPIC_TIMER_ICR, 1000);
	struct ev e[4];
	ck_assert_uint_eq(evlog_tail(&log, e, 4), 3);
	ck_assert_int_eq(e[0].kind, EV_IO);
	ck_assert_str_eq(e[0].desc, "lapic0: IPI fixed vector 0x40 to APIC ID 0x00 (self)");
	ck_assert_str_eq(e[1].desc, "lapic: LVT timer 0x20030 (periodic, vector 0x30)");
	ck_assert_str_eq(e[2].desc, "lapic0: timer armed periodic count 1000 divide 2");
	evlog_destroy(&log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lapic");
	TCase *tc = tcase_create("one");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_state);
	tcase_add_test(tc, priority_classes);
	tcase_add_test(tc, apr_follows_tpr_and_irr);
	tcase_add_test(tc, tmr_and_eoi_broadcast);
	tcase_add_test(tc, esr_write_then_read);
	tcase_add_test(tc, self_ipi_and_shorthands);
	tcase_add_test(tc, init_sipi_nmi);
	tcase_add_test(tc, extint_through_lint0);
	tcase_add_test(tc, base_msr);
	tcase_add_test(tc, timer_oneshot);
	tcase_add_test(tc, timer_periodic_and_masked);
	tcase_add_test(tc, byte_access_and_reserved);
	tcase_add_test(tc, events_logged);
	suite_add_tcase(s, tc);
	TCase *tc2 = tcase_create("two");
	tcase_add_checked_fixture(tc2, setup2, teardown);
	tcase_add_test(tc2, logical_destinations);
	suite_add_tcase(s, tc2);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
