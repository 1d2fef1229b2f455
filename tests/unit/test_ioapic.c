/* Unit tests for monitor/ioapic against the 82093AA datasheet, with the
 * messages it sends recorded: IOREGSEL/IOWIN, ID, version and arbitration
 * registers, reset (every entry masked), the writable and read-only bits of
 * an entry, edge pins (a rising edge sends once; an edge while masked is
 * lost), level pins (remote IRR set on delivery, no resend while set,
 * cleared by the EOI broadcast for its vector and resent if still
 * asserted; unmasking an asserted pin sends), polarity, and the message
 * fields (destination, modes). Then the pair together: a level interrupt
 * through a real local APIC and its EOI back to the IOAPIC. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/ioapic.h"

static struct ioapic io;
static struct lapic_msg sent[16];
static int nsent;

static void h_deliver(void *c, const struct lapic_msg *m)
{
	(void)c;
	if (nsent < 16)
		sent[nsent] = *m;
	nsent++;
}

static void setup(void)
{
	nsent = 0;
	ioapic_init(&io, 1, &(struct ioapic_hooks){ h_deliver, NULL, NULL });
}

static void teardown(void) { ioapic_destroy(&io); }

static void wr(unsigned index, uint32_t v)
{
	uint32_t sel = index;
	ioapic_mmio(&io, IOAPIC_REGSEL, &sel, 4, true);
	ioapic_mmio(&io, IOAPIC_WIN, &v, 4, true);
}

static uint32_t rd(unsigned index)
{
	uint32_t sel = index, v = 0;
	ioapic_mmio(&io, IOAPIC_REGSEL, &sel, 4, true);
	ioapic_mmio(&io, IOAPIC_WIN, &v, 4, false);
	return v;
}

START_TEST(registers_and_reset)
{
	ck_assert_uint_eq(rd(IOAPIC_REG_ID), 0x01000000);
	ck_assert_uint_eq(rd(IOAPIC_REG_VER), 0x00170011);
	ck_assert_uint_eq(rd(IOAPIC_REG_ARB), 0x01000000);
	wr(IOAPIC_REG_ID, 0x0f0000ff);
	ck_assert_uint_eq(rd(IOAPIC_REG_ID), 0x0f000000);   /* 4 bits at 27:24 */
	wr(IOAPIC_REG_VER, 0);
	ck_assert_uint_eq(rd(IOAPIC_REG_VER), 0x00170011);
	for (unsigned p = 0; p < 24; p++) {
		ck_assert_uint_eq(rd(0x10 + 2 * p), 0x10000);
		ck_assert_uint_eq(rd(0x11 + 2 * p), 0);
	}
	uint32_t sel = 0x12;
	ioapic_mmio(&io, IOAPIC_REGSEL, &sel, 4, true);
	sel = 0;
	ioapic_mmio(&io, IOAPIC_REGSEL, &sel, 4, false);
	ck_assert_uint_eq(sel, 0x12);   /* IOREGSEL reads back */
	/* delivery status and remote IRR are read-only */
	wr(0x10, 0x0001ffff);
	ck_assert_uint_eq(rd(0x10), 0x0001afff);
	wr(0x11, 0xffffffff);
	ck_assert_uint_eq(rd(0x11), 0xff000000);
	ioapic_reset(&io);
	ck_assert_uint_eq(rd(0x10), 0x10000);
	ck_assert_uint_eq(rd(IOAPIC_REG_ID), 0x01000000);
}
END_TEST

START_TEST(edge_pins)
{
	ioapic_set_irq(&io, 4, 1);           /* masked: the edge is lost */
	ioapic_set_irq(&io, 4, 0);
	wr(0x10 + 8, 0x00000834);            /* pin 4: vector 0x34, fixed, logical, edge */
	wr(0x11 + 8, 0x03000000);
	ck_assert_int_eq(nsent, 0);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_int_eq(nsent, 1);
	ck_assert_uint_eq(sent[0].vector, 0x34);
	ck_assert(sent[0].logical && !sent[0].level);
	ck_assert_uint_eq(sent[0].dest, 3);
	ck_assert_uint_eq(sent[0].mode, LAPIC_DM_FIXED);
	ck_assert_int_eq(sent[0].from, -1);
	ioapic_set_irq(&io, 4, 1);           /* no new edge */
	ck_assert_int_eq(nsent, 1);
	ioapic_set_irq(&io, 4, 0);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_int_eq(nsent, 2);
	ck_assert_uint_eq(rd(0x10 + 8) & IOAPIC_RTE_REMOTE, 0);
	/* active low: the falling edge is the assertion */
	wr(0x10 + 8, 0x00002834);
	ioapic_set_irq(&io, 4, 0);
	ck_assert_int_eq(nsent, 3);
	/* lowest priority is passed on as such */
	wr(0x10 + 10, 0x00000135);
	ioapic_set_irq(&io, 5, 1);
	ck_assert_uint_eq(sent[3].mode, LAPIC_DM_LOWEST);
}
END_TEST

START_TEST(level_pins_remote_irr)
{
	wr(0x10 + 2 * 9, 0x00018040);        /* pin 9: vector 0x40, level, masked */
	ioapic_set_irq(&io, 9, 1);
	ck_assert_int_eq(nsent, 0);
	wr(0x10 + 2 * 9, 0x00008040);        /* unmasking an asserted pin sends */
	ck_assert_int_eq(nsent, 1);
	ck_assert(sent[0].level);
	ck_assert(rd(0x10 + 2 * 9) & IOAPIC_RTE_REMOTE);
	ioapic_set_irq(&io, 9, 0);
	ioapic_set_irq(&io, 9, 1);           /* remote IRR set: no second message */
	ck_assert_int_eq(nsent, 1);
	ioapic_eoi(&io, 0x41);               /* another vector: nothing */
	ck_assert(rd(0x10 + 2 * 9) & IOAPIC_RTE_REMOTE);
	ioapic_eoi(&io, 0x40);               /* still asserted: sent again */
	ck_assert_int_eq(nsent, 2);
	ck_assert(rd(0x10 + 2 * 9) & IOAPIC_RTE_REMOTE);
	ioapic_set_irq(&io, 9, 0);
	ioapic_eoi(&io, 0x40);               /* released: remote IRR clears, quiet */
	ck_assert_int_eq(nsent, 2);
	ck_assert_uint_eq(rd(0x10 + 2 * 9) & IOAPIC_RTE_REMOTE, 0);
	/* the remote IRR bit survives a rewrite of the entry */
	ioapic_set_irq(&io, 9, 1);
	ck_assert_int_eq(nsent, 3);
	wr(0x10 + 2 * 9, 0x00008040);
	ck_assert(rd(0x10 + 2 * 9) & IOAPIC_RTE_REMOTE);
	ck_assert_int_eq(nsent, 3);
	char buf[1024];
	ioapic_describe(&io, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "pin  9:"));
	ck_assert_ptr_nonnull(strstr(buf, "remote-irr"));
}
END_TEST

/* Through a real local APIC: the TMR bit, and the EOI coming back. */
static struct lapic apic;

static void to_apic(void *c, const struct lapic_msg *m) { (void)c; lapic_deliver(&apic, m); }
static void apic_eoi(void *c, int v) { (void)c; ioapic_eoi(&io, v); }

START_TEST(with_a_local_apic)
{
	lapic_init(&apic, 1, &(struct lapic_hooks){ .eoi = apic_eoi });
	ioapic_destroy(&io);
	ioapic_init(&io, 1, &(struct ioapic_hooks){ to_apic, NULL, NULL });
	wr(0x10 + 2 * 2, 0x00000030);        /* pin 2 (the PIT's IRQ0): edge, 0x30, APIC 0 */
	wr(0x10 + 2 * 11, 0x00008051);       /* pin 11: level, 0x51 */
	ioapic_set_irq(&io, 2, 1);
	ioapic_set_irq(&io, 11, 1);
	ck_assert_int_eq(lapic_intc_ack(&apic, 0), 0x51);
	ck_assert((lapic_read_reg(&apic, 0, LAPIC_TMR + 0x20) >> 17) & 1);   /* 0x51 level */
	uint32_t z = 0;
	ioapic_set_irq(&io, 11, 0);          /* the device was serviced */
	lapic_mmio(&apic, 0, LAPIC_EOI, &z, 4, true);
	ck_assert_uint_eq(ioapic_entry(&io, 11) & IOAPIC_RTE_REMOTE, 0);
	ck_assert_int_eq(lapic_intc_ack(&apic, 0), 0x30);
	lapic_mmio(&apic, 0, LAPIC_EOI, &z, 4, true);
	ck_assert(!lapic_intc_pending(&apic, 0));
	lapic_destroy(&apic);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ioapic");
	TCase *tc = tcase_create("ioapic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, registers_and_reset);
	tcase_add_test(tc, edge_pins);
	tcase_add_test(tc, level_pins_remote_irr);
	tcase_add_test(tc, with_a_local_apic);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
