/* Unit tests for monitor/pic, the cascaded 8259A pair, driven through its
 * ports as kernels program it (Linux's init_8259A, xv6's picinit): the reset
 * state a multiboot kernel finds, the ICW1-ICW4 sequence in its variants and
 * the vector bases, masking, fully nested priorities, the EOI forms, rotation
 * and set-priority, spurious IRQ 7 and 15, the slave on IR2, OCW3 register
 * reads and the poll command, auto-EOI, special mask mode, special fully
 * nested mode, edge and level triggering, the notify callback (and that it
 * runs without the lock), info text, and IRQs raised from other threads. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/pic.h"

#define M_CMD  0x20   /* master command port */
#define M_DATA 0x21   /* master data (IMR) port */
#define S_CMD  0xA0
#define S_DATA 0xA1
#define M_BASE 0x30   /* the vector bases Linux uses */
#define S_BASE 0x38
#define ICW4_8086 0x01
#define ICW4_AEOI 0x03

static struct pic p;
static int notified;

static void on_notify(void *opaque)
{
	ck_assert_ptr_eq(opaque, &notified);
	/* Called without the PIC's lock: taking it again must not deadlock. */
	(void)pic_intr(&p);
	__atomic_add_fetch(&notified, 1, __ATOMIC_RELAXED);
}

static int notifications(void)
{
	return __atomic_load_n(&notified, __ATOMIC_RELAXED);
}

static void setup(void)
{
	notified = 0;
	pic_init(&p, on_notify, &notified);
}

static void teardown(void)
{
	pic_destroy(&p);
}

static void outb(uint16_t port, uint8_t v)
{
	if ((port & ~1) == M_CMD)
		pic_master_io(&p, port & 1, &v, 1, true);
	else
		pic_slave_io(&p, port & 1, &v, 1, true);
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = 0xee;
	if ((port & ~1) == M_CMD)
		pic_master_io(&p, port & 1, &v, 1, false);
	else
		pic_slave_io(&p, port & 1, &v, 1, false);
	return v;
}

/* Linux's init_8259A(auto_eoi), then everything unmasked. */
static void init_pair(uint8_t icw4)
{
	outb(M_DATA, 0xff);
	outb(S_DATA, 0xff);
	outb(M_CMD, 0x11);           /* ICW1: edge, cascade, ICW4 needed */
	outb(M_DATA, M_BASE);        /* ICW2 */
	outb(M_DATA, 1 << 2);        /* ICW3: slave on IR2 */
	outb(M_DATA, icw4);          /* ICW4 */
	outb(S_CMD, 0x11);
	outb(S_DATA, S_BASE);
	outb(S_DATA, 2);             /* ICW3: slave ID 2 */
	outb(S_DATA, icw4);
	outb(M_DATA, 0x00);
	outb(S_DATA, 0x00);
}

static void pulse(int irq)
{
	pic_set_irq(&p, irq, 1);
	pic_set_irq(&p, irq, 0);
}

static uint8_t read_isr(uint16_t cmd)
{
	outb(cmd, PIC_OCW3_READ_ISR);
	uint8_t v = inb(cmd);
	outb(cmd, PIC_OCW3_READ_IRR);
	return v;
}

static uint8_t read_irr(uint16_t cmd)
{
	outb(cmd, PIC_OCW3_READ_IRR);
	return inb(cmd);
}

static void eoi(uint16_t cmd)
{
	outb(cmd, PIC_OCW2_NSEOI);
}

START_TEST(reset_state_like_bios)
{
	ck_assert_uint_eq(inb(M_DATA), 0xfb);
	ck_assert_uint_eq(inb(S_DATA), 0xff);
	pic_set_irq(&p, 0, 1);
	ck_assert(!pic_intr(&p));                 /* masked */
	outb(M_DATA, 0xfa);
	ck_assert(pic_intr(&p));
	ck_assert_int_eq(pic_ack(&p), 0x08);
	eoi(M_CMD);
	outb(S_DATA, 0xfe);
	pulse(8);
	ck_assert(pic_intr(&p));
	ck_assert_int_eq(pic_ack(&p), 0x70);
}
END_TEST

START_TEST(icw_sequence_and_vector_base)
{
	init_pair(ICW4_8086);
	ck_assert_uint_eq(inb(M_DATA), 0);
	for (int irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		pulse(irq);
		ck_assert_msg(pic_intr(&p), "irq %d", irq);
		ck_assert_int_eq(pic_ack(&p), (irq < 8 ? M_BASE : S_BASE) + (irq & 7));
		if (irq >= 8)
			eoi(S_CMD);
		eoi(M_CMD);
		ck_assert(!pic_intr(&p));
	}
	/* ICW2's low three bits are ignored. */
	outb(M_CMD, 0x11);
	outb(M_DATA, 0x47);
	outb(M_DATA, 0x04);
	outb(M_DATA, ICW4_8086);
	pulse(1);
	ck_assert_int_eq(pic_ack(&p), 0x41);
}
END_TEST

START_TEST(icw1_resets_imr_isr_and_edge_sense)
{
	init_pair(ICW4_8086);
	outb(M_DATA, 0x55);
	pic_set_irq(&p, 3, 1);                  /* line stays high */
	pulse(1);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 1);
	outb(M_CMD, 0x11);
	ck_assert_uint_eq(inb(M_DATA), 0);      /* ICW1 clears the IMR; reads still work */
	outb(M_DATA, M_BASE);
	outb(M_DATA, 0x04);
	outb(M_DATA, ICW4_8086);
	ck_assert_uint_eq(read_isr(M_CMD), 0);
	ck_assert_uint_eq(read_irr(M_CMD), 0);  /* the high line must rise again */
	ck_assert(!pic_intr(&p));
	pic_set_irq(&p, 3, 0);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
}
END_TEST

START_TEST(icw_single_mode_and_no_icw4)
{
	/* Single, ICW4: ICW2 then ICW4, no ICW3. */
	outb(M_CMD, 0x13);
	outb(M_DATA, 0x20);
	outb(M_DATA, ICW4_AEOI);                /* ICW4, not ICW3 */
	outb(M_DATA, 0xf0);                     /* OCW1 */
	ck_assert_uint_eq(inb(M_DATA), 0xf0);
	pulse(3);
	ck_assert_int_eq(pic_ack(&p), 0x23);
	ck_assert_uint_eq(read_isr(M_CMD), 0);  /* auto-EOI took effect */
	/* Single mode: IR2 is a plain input, the slave is not asked. */
	outb(M_DATA, 0x00);
	outb(S_DATA, 0x00);
	pulse(9);
	ck_assert(pic_intr(&p));
	ck_assert_int_eq(pic_ack(&p), 0x22);

	/* Single, no ICW4: ICW2 only; ICW4 functions are all cleared. */
	outb(M_CMD, 0x12);
	outb(M_DATA, 0x48);
	outb(M_DATA, 0xfe);                     /* OCW1 */
	ck_assert_uint_eq(inb(M_DATA), 0xfe);
	pic_set_irq(&p, 0, 0);
	pulse(0);
	ck_assert_int_eq(pic_ack(&p), 0x48);
	ck_assert_uint_eq(read_isr(M_CMD), 0x01);   /* no auto-EOI now */
}
END_TEST

START_TEST(masking)
{
	init_pair(ICW4_8086);
	outb(M_DATA, 0x08);
	pulse(3);
	ck_assert(!pic_intr(&p));
	ck_assert_uint_eq(read_irr(M_CMD), 0x08);   /* requested but masked */
	outb(M_DATA, 0x00);
	ck_assert(pic_intr(&p));
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	eoi(M_CMD);
	/* Masking the cascade input blocks the whole slave. */
	outb(M_DATA, 0x04);
	pulse(12);
	ck_assert(!pic_intr(&p));
	outb(M_DATA, 0x00);
	ck_assert_int_eq(pic_ack(&p), S_BASE + 4);
}
END_TEST

START_TEST(fully_nested_priorities)
{
	init_pair(ICW4_8086);
	pulse(5);
	pulse(3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	ck_assert(!pic_intr(&p));                  /* 5 waits for 3 */
	pulse(1);
	ck_assert(pic_intr(&p));                   /* 1 nests inside 3 */
	ck_assert_int_eq(pic_ack(&p), M_BASE + 1);
	ck_assert_uint_eq(read_isr(M_CMD), 0x0a);
	pulse(4);
	eoi(M_CMD);                                /* ends 1 */
	ck_assert_uint_eq(read_isr(M_CMD), 0x08);
	ck_assert(!pic_intr(&p));
	eoi(M_CMD);                                /* ends 3 */
	ck_assert_int_eq(pic_ack(&p), M_BASE + 4);
	eoi(M_CMD);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 5);
	eoi(M_CMD);
	ck_assert(!pic_intr(&p));
	ck_assert_uint_eq(read_irr(M_CMD), 0);
}
END_TEST

START_TEST(eoi_forms)
{
	init_pair(ICW4_8086);
	pulse(6);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 6);
	pulse(3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	pulse(0);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 0);
	ck_assert_uint_eq(read_isr(M_CMD), 0x49);
	outb(M_CMD, PIC_OCW2_SEOI | 6);            /* specific: 6, not the highest */
	ck_assert_uint_eq(read_isr(M_CMD), 0x09);
	outb(M_CMD, PIC_OCW2_SEOI | 5);            /* not in service: no effect */
	ck_assert_uint_eq(read_isr(M_CMD), 0x09);
	outb(M_CMD, PIC_OCW2_NOP);
	ck_assert_uint_eq(read_isr(M_CMD), 0x09);
	eoi(M_CMD);                                /* non-specific: the highest, 0 */
	ck_assert_uint_eq(read_isr(M_CMD), 0x08);
	eoi(M_CMD);
	ck_assert_uint_eq(read_isr(M_CMD), 0x00);
	eoi(M_CMD);                                /* nothing in service: harmless */
	ck_assert_uint_eq(read_isr(M_CMD), 0x00);
}
END_TEST

START_TEST(rotation_and_set_priority)
{
	init_pair(ICW4_8086);
	/* Set priority: IR4 lowest, so IR5 highest. */
	outb(M_CMD, PIC_OCW2_SET_PRIO | 4);
	pulse(3);
	pulse(6);
	pulse(4);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 6);
	outb(M_CMD, PIC_OCW2_SEOI | 6);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	outb(M_CMD, PIC_OCW2_SEOI | 3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 4);
	outb(M_CMD, PIC_OCW2_SEOI | 4);

	/* Rotate on non-specific EOI: equal devices take turns. */
	outb(M_CMD, PIC_OCW2_SET_PRIO | 7);        /* back to IR0 highest */
	int order[8];
	for (int irq = 0; irq < 8; irq++)
		if (irq != 2)
			pulse(irq);
	for (int i = 0; i < 7; i++) {
		order[i] = pic_ack(&p) - M_BASE;
		outb(M_CMD, PIC_OCW2_ROT_NSEOI);
		if (i == 0)
			pulse(0);                  /* 0 is now the lowest: served last */
	}
	int want[7] = { 0, 1, 3, 4, 5, 6, 7 };
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(order[i], want[i]);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 0);
	outb(M_CMD, PIC_OCW2_ROT_SEOI | 0);        /* rotate on specific EOI: 0 lowest */
	pulse(0);
	pulse(1);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 1);
	eoi(M_CMD);
}
END_TEST

START_TEST(rotate_in_auto_eoi)
{
	init_pair(ICW4_AEOI);
	outb(M_CMD, PIC_OCW2_ROT_AEOI_SET);
	pulse(1);
	pulse(3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 1);   /* IR1 now lowest, IR2 highest */
	pulse(1);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 1);
	ck_assert_uint_eq(read_isr(M_CMD), 0);
	outb(M_CMD, PIC_OCW2_ROT_AEOI_CLR);
	outb(M_CMD, PIC_OCW2_SET_PRIO | 7);
	pulse(5);
	pulse(4);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 4);
	pulse(4);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 4);   /* no rotation: 4 still beats 5 */
}
END_TEST

START_TEST(spurious_irq7)
{
	init_pair(ICW4_8086);
	pulse(3);
	ck_assert(pic_intr(&p));
	outb(M_DATA, 0x08);                        /* the request vanishes */
	ck_assert(!pic_intr(&p));
	ck_assert_int_eq(pic_ack(&p), M_BASE + 7);
	ck_assert_uint_eq(read_isr(M_CMD), 0);      /* nothing in service */
	ck_assert_uint_eq(p.spurious[PIC_MASTER], 1);
	/* Nothing at all pending reads the same. */
	outb(M_DATA, 0xff);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 7);
	ck_assert_uint_eq(p.spurious[PIC_MASTER], 2);
	/* The masked request is still there once unmasked. */
	outb(M_DATA, 0x00);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	eoi(M_CMD);
	/* A real IRQ 7 is not spurious: it is in service. */
	pulse(7);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 7);
	ck_assert_uint_eq(read_isr(M_CMD), 0x80);
	ck_assert_uint_eq(p.spurious[PIC_MASTER], 2);
}
END_TEST

START_TEST(spurious_irq7_level_line_drops)
{
	outb(M_CMD, 0x19);                         /* level triggered */
	outb(M_DATA, M_BASE);
	outb(M_DATA, 0x04);
	outb(M_DATA, ICW4_8086);
	outb(M_DATA, 0x00);
	pic_set_irq(&p, 5, 1);
	ck_assert(pic_intr(&p));
	pic_set_irq(&p, 5, 0);
	ck_assert(!pic_intr(&p));
	ck_assert_int_eq(pic_ack(&p), M_BASE + 7);
}
END_TEST

START_TEST(spurious_irq15)
{
	init_pair(ICW4_8086);
	pulse(10);
	ck_assert(pic_intr(&p));
	outb(S_DATA, 0x04);                        /* the slave's request vanishes */
	ck_assert(pic_intr(&p));                   /* but the master latched IR2 */
	ck_assert_int_eq(pic_ack(&p), S_BASE + 7);
	ck_assert_uint_eq(read_isr(M_CMD), 0x04);  /* IR2 in service on the master */
	ck_assert_uint_eq(read_isr(S_CMD), 0x00);
	ck_assert_uint_eq(p.spurious[PIC_SLAVE], 1);
	ck_assert_uint_eq(p.spurious[PIC_MASTER], 0);
	eoi(M_CMD);                                /* what Linux does for IRQ 15 */
	ck_assert_uint_eq(read_isr(M_CMD), 0x00);
	ck_assert(!pic_intr(&p));
}
END_TEST

START_TEST(slave_cascade)
{
	init_pair(ICW4_8086);
	pulse(3);
	pulse(9);
	ck_assert_int_eq(pic_ack(&p), S_BASE + 1);  /* IR2 (the slave) outranks IR3 */
	ck_assert_uint_eq(read_isr(M_CMD), 0x04);
	ck_assert_uint_eq(read_isr(S_CMD), 0x02);
	ck_assert(!pic_intr(&p));
	pulse(1);                                   /* outranks the cascade */
	ck_assert_int_eq(pic_ack(&p), M_BASE + 1);
	eoi(M_CMD);
	pulse(8);                                   /* outranks 9 on the slave, but IR2 is busy */
	ck_assert(!pic_intr(&p));
	/* Linux's order: specific EOI to the slave, then the cascade on the master. */
	outb(S_CMD, PIC_OCW2_SEOI | 1);
	outb(M_CMD, PIC_OCW2_SEOI | 2);
	ck_assert_int_eq(pic_ack(&p), S_BASE + 0);
	outb(S_CMD, PIC_OCW2_SEOI | 0);
	outb(M_CMD, PIC_OCW2_SEOI | 2);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	eoi(M_CMD);
	ck_assert(!pic_intr(&p));
	ck_assert_uint_eq(read_irr(M_CMD), 0);
	ck_assert_uint_eq(read_irr(S_CMD), 0);
}
END_TEST

START_TEST(slave_auto_eoi_keeps_cascade_request)
{
	init_pair(ICW4_AEOI);
	pulse(13);
	pulse(12);
	ck_assert_int_eq(pic_ack(&p), S_BASE + 4);
	ck_assert(pic_intr(&p));                    /* 13 still pending on the slave */
	ck_assert_int_eq(pic_ack(&p), S_BASE + 5);
	ck_assert(!pic_intr(&p));
	ck_assert_uint_eq(p.spurious[PIC_SLAVE], 0);
}
END_TEST

START_TEST(ocw3_reads_and_poll)
{
	init_pair(ICW4_8086);
	outb(M_DATA, 0x10);
	pulse(4);
	pulse(6);
	ck_assert_uint_eq(inb(M_CMD), 0x50);       /* IRR is the default */
	ck_assert_uint_eq(inb(M_DATA), 0x10);      /* data port: IMR */
	ck_assert_int_eq(pic_ack(&p), M_BASE + 6);
	outb(M_CMD, PIC_OCW3_READ_ISR);
	ck_assert_uint_eq(inb(M_CMD), 0x40);
	ck_assert_uint_eq(inb(M_CMD), 0x40);       /* the selection sticks */
	ck_assert_uint_eq(inb(M_DATA), 0x10);
	outb(M_CMD, 0x08);                         /* OCW3 without RR: no change */
	ck_assert_uint_eq(inb(M_CMD), 0x40);
	outb(M_CMD, PIC_OCW3_READ_IRR);
	ck_assert_uint_eq(inb(M_CMD), 0x10);
	eoi(M_CMD);

	/* Poll: the read is the acknowledge. */
	outb(M_DATA, 0x00);
	outb(M_CMD, PIC_OCW3_POLL);
	ck_assert_uint_eq(inb(M_CMD), PIC_POLL_INT | 4);
	ck_assert_uint_eq(read_isr(M_CMD), 0x10);
	ck_assert_uint_eq(read_irr(M_CMD), 0x00);
	eoi(M_CMD);
	outb(M_CMD, PIC_OCW3_POLL);
	ck_assert_uint_eq(inb(M_CMD), 0x00);       /* nothing pending */
	ck_assert_uint_eq(inb(M_CMD), 0x00);       /* and the poll was one read only: IRR */

	/* Polling the slave. */
	pulse(11);
	outb(S_CMD, PIC_OCW3_POLL);
	ck_assert_uint_eq(inb(S_CMD), PIC_POLL_INT | 3);
	ck_assert_uint_eq(read_isr(S_CMD), 0x08);
	ck_assert_uint_eq(read_irr(M_CMD), 0x00);  /* the master's latch was consumed */
	ck_assert(!pic_intr(&p));
}
END_TEST

START_TEST(auto_eoi)
{
	init_pair(ICW4_AEOI);
	pulse(3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	ck_assert_uint_eq(read_isr(M_CMD), 0);
	pulse(5);
	ck_assert(pic_intr(&p));                   /* nothing in service blocks 5 */
	ck_assert_int_eq(pic_ack(&p), M_BASE + 5);
	pulse(10);
	ck_assert_int_eq(pic_ack(&p), S_BASE + 2);
	ck_assert_uint_eq(read_isr(M_CMD), 0);
	ck_assert_uint_eq(read_isr(S_CMD), 0);
}
END_TEST

START_TEST(special_mask_mode)
{
	init_pair(ICW4_8086);
	pulse(3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	pulse(5);
	ck_assert(!pic_intr(&p));
	outb(M_DATA, 0x08);                        /* mask the level in service */
	outb(M_CMD, 0x68);                         /* ESMM | SMM | OCW3 */
	ck_assert(pic_intr(&p));                   /* lower levels are enabled */
	ck_assert_int_eq(pic_ack(&p), M_BASE + 5);
	ck_assert_uint_eq(read_isr(M_CMD), 0x28);
	eoi(M_CMD);                                /* skips masked 3: ends 5 */
	ck_assert_uint_eq(read_isr(M_CMD), 0x08);
	outb(M_CMD, 0x48);                         /* ESMM: reset special mask */
	outb(M_DATA, 0x00);
	pulse(6);
	ck_assert(!pic_intr(&p));                  /* fully nested again */
	outb(M_CMD, PIC_OCW2_SEOI | 3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 6);
}
END_TEST

START_TEST(special_fully_nested_mode)
{
	/* Without SFNM a higher slave request waits for the master's IR2. */
	init_pair(ICW4_8086);
	pulse(10);
	ck_assert_int_eq(pic_ack(&p), S_BASE + 2);
	pulse(8);
	ck_assert(!pic_intr(&p));
	ck_assert_uint_eq(read_irr(M_CMD), 0x04);

	/* With SFNM on the master it nests. */
	outb(M_CMD, 0x11);
	outb(M_DATA, M_BASE);
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x11);                        /* SFNM | 8086 */
	outb(M_DATA, 0x00);
	outb(S_CMD, 0x11);
	outb(S_DATA, S_BASE);
	outb(S_DATA, 0x02);
	outb(S_DATA, ICW4_8086);
	outb(S_DATA, 0x00);
	pulse(10);
	ck_assert_int_eq(pic_ack(&p), S_BASE + 2);
	pulse(8);
	ck_assert(pic_intr(&p));
	ck_assert_int_eq(pic_ack(&p), S_BASE + 0);
	ck_assert_uint_eq(read_isr(S_CMD), 0x05);
	pulse(11);                                 /* lower than both: waits */
	ck_assert(!pic_intr(&p));
}
END_TEST

START_TEST(edge_needs_a_rising_edge)
{
	init_pair(ICW4_8086);
	pic_set_irq(&p, 4, 1);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 4);
	eoi(M_CMD);
	pic_set_irq(&p, 4, 1);                     /* still high: no new edge */
	ck_assert(!pic_intr(&p));
	pic_set_irq(&p, 4, 0);
	ck_assert(!pic_intr(&p));
	pic_set_irq(&p, 4, 1);
	ck_assert(pic_intr(&p));
	/* An edge request survives the line dropping before INTA. */
	pic_set_irq(&p, 4, 0);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 4);
	/* Out-of-range lines are ignored. */
	pic_set_irq(&p, -1, 1);
	pic_set_irq(&p, 16, 1);
}
END_TEST

START_TEST(level_triggered)
{
	outb(M_CMD, 0x19);
	outb(M_DATA, M_BASE);
	outb(M_DATA, 0x04);
	outb(M_DATA, ICW4_8086);
	outb(M_DATA, 0x00);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	ck_assert_uint_eq(read_irr(M_CMD), 0x08);  /* still requesting */
	eoi(M_CMD);
	ck_assert(pic_intr(&p));                   /* and interrupts again */
	ck_assert_int_eq(pic_ack(&p), M_BASE + 3);
	pic_set_irq(&p, 3, 0);
	eoi(M_CMD);
	ck_assert(!pic_intr(&p));
}
END_TEST

START_TEST(notify_callback)
{
	init_pair(ICW4_8086);
	notified = 0;
	outb(M_DATA, 0x02);
	pulse(1);                                  /* masked: INTR stays low */
	ck_assert_int_eq(notifications(), 0);
	outb(M_DATA, 0x00);                        /* unmask: INTR rises */
	ck_assert_int_eq(notifications(), 1);
	pulse(5);                                  /* a new request while INTR is high */
	ck_assert_int_eq(notifications(), 2);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 1);
	eoi(M_CMD);                                /* EOI reveals 5 */
	ck_assert_int_eq(notifications(), 3);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 5);
	pulse(6);                                  /* blocked by 5 in service */
	ck_assert_int_eq(notifications(), 3);
	eoi(M_CMD);
	ck_assert_int_eq(notifications(), 4);
	ck_assert_int_eq(pic_ack(&p), M_BASE + 6);
	eoi(M_CMD);
	pulse(12);                                 /* through the slave */
	ck_assert_int_eq(notifications(), 5);
}
END_TEST

START_TEST(describe_text)
{
	init_pair(ICW4_8086);
	outb(M_DATA, 0x80);
	pulse(1);
	char buf[512];
	pic_describe(&p, buf, sizeof buf);
	ck_assert_msg(strstr(buf, "master") && strstr(buf, "slave"), "%s", buf);
	ck_assert_msg(strstr(buf, "irr=02") && strstr(buf, "imr=80"), "%s", buf);
	ck_assert_msg(strstr(buf, "base=0x30") && strstr(buf, "base=0x38"), "%s", buf);
	ck_assert_msg(strstr(buf, "intr=1"), "%s", buf);
	char small[8];
	pic_describe(&p, small, sizeof small);     /* truncates, terminated */
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

START_TEST(wide_access)
{
	init_pair(ICW4_8086);
	outb(M_DATA, 0x5a);
	pulse(0);
	uint8_t two[2] = { 0, 0 };
	pic_master_io(&p, 0, two, 2, false);       /* IRR, then IMR */
	ck_assert_uint_eq(two[0], 0x01);
	ck_assert_uint_eq(two[1], 0x5a);
}
END_TEST

#define RAISES 20000

static void *raiser(void *arg)
{
	int irq = *(int *)arg;
	for (int i = 0; i < RAISES; i++) {
		pic_set_irq(&p, irq, 1);
		pic_set_irq(&p, irq, 0);
	}
	return NULL;
}

START_TEST(irqs_from_threads)
{
	init_pair(ICW4_8086);
	pthread_t t1, t2;
	int irq_a = 3, irq_b = 12;
	int got[256] = { 0 };
	ck_assert_int_eq(pthread_create(&t1, NULL, raiser, &irq_a), 0);
	ck_assert_int_eq(pthread_create(&t2, NULL, raiser, &irq_b), 0);
	for (int i = 0; i < 4 * RAISES; i++) {
		if (!pic_intr(&p))
			continue;
		int v = pic_ack(&p);
		got[v & 0xff]++;
		if (v >= S_BASE)
			eoi(S_CMD);
		eoi(M_CMD);
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	while (pic_intr(&p)) {
		int v = pic_ack(&p);
		got[v & 0xff]++;
		if (v >= S_BASE)
			eoi(S_CMD);
		eoi(M_CMD);
	}
	ck_assert_int_ge(got[M_BASE + 3], 1);
	ck_assert_int_le(got[M_BASE + 3], RAISES);
	ck_assert_int_ge(got[S_BASE + 4], 1);
	ck_assert_int_le(got[S_BASE + 4], RAISES);
	ck_assert_int_eq(got[M_BASE + 7] + got[S_BASE + 7], 0);
	ck_assert_uint_eq(read_isr(M_CMD), 0);
	ck_assert_uint_eq(read_isr(S_CMD), 0);
	ck_assert_int_ge(notifications(), 2);
}
END_TEST

static Suite *pic_suite(void)
{
	Suite *s = suite_create("pic");
	TCase *tc = tcase_create("pic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reset_state_like_bios);
	tcase_add_test(tc, icw_sequence_and_vector_base);
	tcase_add_test(tc, icw1_resets_imr_isr_and_edge_sense);
	tcase_add_test(tc, icw_single_mode_and_no_icw4);
	tcase_add_test(tc, masking);
	tcase_add_test(tc, fully_nested_priorities);
	tcase_add_test(tc, eoi_forms);
	tcase_add_test(tc, rotation_and_set_priority);
	tcase_add_test(tc, rotate_in_auto_eoi);
	tcase_add_test(tc, spurious_irq7);
	tcase_add_test(tc, spurious_irq7_level_line_drops);
	tcase_add_test(tc, spurious_irq15);
	tcase_add_test(tc, slave_cascade);
	tcase_add_test(tc, slave_auto_eoi_keeps_cascade_request);
	tcase_add_test(tc, ocw3_reads_and_poll);
	tcase_add_test(tc, auto_eoi);
	tcase_add_test(tc, special_mask_mode);
	tcase_add_test(tc, special_fully_nested_mode);
	tcase_add_test(tc, edge_needs_a_rising_edge);
	tcase_add_test(tc, level_triggered);
	tcase_add_test(tc, notify_callback);
	tcase_add_test(tc, describe_text);
	tcase_add_test(tc, wide_access);
	tcase_add_test(tc, irqs_from_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pic_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
