/* Unit tests for monitor/pit, the 8254 timer, with a fake clock: the tests set
 * the time to exact input clock ticks and check counter values, outputs and
 * IRQ0 requests at the PIC. Covered: mode 2 and mode 3 periods and counter
 * read-back, mode 0 terminal count (one IRQ), modes 1, 4, 5, the access modes
 * and both flip-flops, the counter latch command, the read-back command and
 * status byte (null count), count 0 = 65536 and BCD counting, channel 2 via
 * port 0x61 (gate, output bit 5, the other bits, refresh toggle) including
 * Linux's PIT calibration loop, pit_next_event_ns, coalesced missed edges, a
 * new count in mode 2 loading at the end of the period, the kick callback. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/pic.h"
#include "monitor/pit.h"

#define HZ      1193182ull
#define T0      1000000ull   /* the fake clock starts here (ticks), not at 0 */
#define VEC0    0x20         /* IRQ0's vector after the test's PIC setup */
#define CTRL    0x43
#define P61     0x61

static struct pic pic;
static struct pit pit;
static uint64_t now_ns;
static int kicks;

static uint64_t fake_clock(void *opaque)
{
	return *(uint64_t *)opaque;
}

/* The first nanosecond of tick T0 + k. */
static uint64_t tick_ns(uint64_t k)
{
	return ((T0 + k) * 1000000000ull + HZ - 1) / HZ;
}

static void at(uint64_t k)
{
	now_ns = tick_ns(k);
}

static void on_kick(void *opaque)
{
	ck_assert_ptr_eq(opaque, &kicks);
	kicks++;
}

static void pic_out(uint16_t port, uint8_t v)
{
	pic_master_io(&pic, port & 1, &v, 1, true);
}

static void setup(void)
{
	pic_init(&pic, NULL, NULL);
	pic_out(0x20, 0x11);
	pic_out(0x21, VEC0);
	pic_out(0x21, 0x04);
	pic_out(0x21, 0x01);
	pic_out(0x21, 0x00);
	at(0);
	kicks = 0;
	pit_init(&pit, &pic, fake_clock, &now_ns);
	pit_set_kick(&pit, on_kick, &kicks);
}

static void teardown(void)
{
	pit_destroy(&pit);
	pic_destroy(&pic);
}

static void outb(uint16_t port, uint8_t v)
{
	if (port == P61)
		pit_port61_io(&pit, 0, &v, 1, true);
	else
		pit_io(&pit, port - 0x40, &v, 1, true);
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = 0xee;
	if (port == P61)
		pit_port61_io(&pit, 0, &v, 1, false);
	else
		pit_io(&pit, port - 0x40, &v, 1, false);
	return v;
}

/* Control word for channel ch, LSB then MSB, mode m, then the count. */
static void program(int ch, int mode, uint16_t n)
{
	outb(CTRL, (uint8_t)(ch << 6 | 0x30 | mode << 1));
	outb((uint16_t)(0x40 + ch), n & 0xff);
	outb((uint16_t)(0x40 + ch), n >> 8);
}

/* Counter latch command, then both bytes (the channel is in LSB/MSB mode). */
static unsigned latched(int ch)
{
	outb(CTRL, (uint8_t)(ch << 6));
	unsigned lo = inb((uint16_t)(0x40 + ch));
	return lo | (unsigned)inb((uint16_t)(0x40 + ch)) << 8;
}

static uint8_t status(int ch)
{
	outb(CTRL, (uint8_t)(0xE0 | 2 << ch));   /* read-back: status only */
	return inb((uint16_t)(0x40 + ch));
}

static bool out_of(int ch)
{
	return status(ch) & 0x80;
}

/* Take IRQ0 if the PIC has it: acknowledge and EOI. */
static bool took_irq0(void)
{
	if (!pic_intr(&pic))
		return false;
	ck_assert_int_eq(pic_ack(&pic), VEC0);
	pic_out(0x20, 0x20);
	return true;
}

/* Advance to tick k, let the timer raise IRQ0, report if it did. */
static bool irq_at(uint64_t k)
{
	at(k);
	pit_update(&pit);
	return took_irq0();
}

START_TEST(reset_state)
{
	ck_assert_uint_eq(pit_next_event_ns(&pit), UINT64_MAX);
	at(1000000);
	pit_update(&pit);
	ck_assert(!took_irq0());
	ck_assert_uint_eq(inb(0x43), 0xff);         /* write-only */
	ck_assert_uint_eq(inb(P61) & 0x21, 0x20);   /* gate 2 low, output high */
	ck_assert_uint_eq(status(0), 0x80 | 0x40 | 0x36);   /* out, null count, lohi, mode 3 */
	/* Mode 0 drives OUT low; a control word for mode 2 then raises it: an edge. */
	outb(CTRL, 0x30);
	ck_assert(!out_of(0));
	ck_assert(!irq_at(1000010));
	outb(CTRL, 0x34);
	ck_assert(took_irq0());
	ck_assert_uint_eq(pit_next_event_ns(&pit), UINT64_MAX);
}
END_TEST

START_TEST(mode2_rate_generator)
{
	program(0, 2, 1000);
	ck_assert_int_eq(kicks, 3);                 /* control word and count bytes */
	ck_assert_uint_eq(latched(0), 1000);
	at(1);    ck_assert_uint_eq(latched(0), 999);
	at(500);  ck_assert_uint_eq(latched(0), 500);
	ck_assert(out_of(0));
	at(999);  ck_assert_uint_eq(latched(0), 1);
	ck_assert(!out_of(0));                       /* low for the last tick */
	ck_assert(!irq_at(999));
	ck_assert(irq_at(1000));
	ck_assert_uint_eq(latched(0), 1000);
	ck_assert(out_of(0));
	ck_assert(!irq_at(1500));
	ck_assert_uint_eq(latched(0), 500);
	ck_assert(!irq_at(1999));
	ck_assert(irq_at(2000));
	ck_assert(irq_at(3000));
	ck_assert_uint_eq(pit.edges, 3);
	/* Mode 6 is mode 2 (status keeps the bits as written). */
	outb(CTRL, 0x3C);
	outb(0x40, 100);
	outb(0x40, 0);
	ck_assert_uint_eq(status(0) & 0x0e, 0x0c);
	ck_assert(irq_at(3100));
}
END_TEST

START_TEST(mode3_square_wave)
{
	program(0, 3, 1000);
	ck_assert(out_of(0));
	ck_assert_uint_eq(latched(0), 1000);
	at(100);  ck_assert_uint_eq(latched(0), 800);   /* counts down by two */
	at(499);  ck_assert(out_of(0));
	ck_assert_uint_eq(latched(0), 2);
	at(500);  ck_assert(!out_of(0));                 /* second half: low */
	ck_assert_uint_eq(latched(0), 1000);
	at(600);  ck_assert_uint_eq(latched(0), 800);
	ck_assert(!irq_at(999));
	ck_assert(irq_at(1000));                         /* rising edge */
	ck_assert(out_of(0));
	ck_assert(!irq_at(1500));
	ck_assert(irq_at(2000));
	/* Odd count: high for (N + 1) / 2, low for (N - 1) / 2. */
	at(2000);
	program(0, 3, 5);
	at(2002); ck_assert(out_of(0));
	at(2003); ck_assert(!out_of(0));
	at(2004); ck_assert(!out_of(0));
	ck_assert(irq_at(2005));
	ck_assert(out_of(0));
}
END_TEST

START_TEST(mode0_terminal_count_once)
{
	program(0, 0, 100);
	ck_assert(!out_of(0));
	ck_assert(!irq_at(50));
	ck_assert_uint_eq(latched(0), 50);
	ck_assert(!irq_at(99));
	ck_assert(irq_at(100));
	ck_assert(out_of(0));
	ck_assert_uint_eq(latched(0), 0);
	at(101);
	ck_assert_uint_eq(latched(0), 0xffff);          /* keeps counting, wraps */
	ck_assert(!irq_at(200));
	ck_assert(!irq_at(70000));
	ck_assert(!irq_at(200000));
	ck_assert_uint_eq(pit_next_event_ns(&pit), UINT64_MAX);
	ck_assert_uint_eq(pit.irqs, 1);
	/* Rewriting the count restarts it; the first byte stops it, output low. */
	at(200000);
	outb(0x40, 10);
	ck_assert(!out_of(0));
	at(200050);
	ck_assert_uint_eq(latched(0) & 0xff, 0xff & (0xffff - (200000 - 101)));
	outb(0x40, 0);
	ck_assert(!irq_at(200059));
	ck_assert(irq_at(200060));
}
END_TEST

START_TEST(mode1_oneshot_on_gate)
{
	outb(P61, 0x00);
	outb(CTRL, 0xB2);                   /* ch2, LSB/MSB, mode 1 */
	outb(0x42, 100);
	outb(0x42, 0);
	ck_assert(inb(P61) & 0x20);         /* waiting: output high */
	ck_assert(status(2) & 0x40);        /* null count until triggered */
	at(50);
	ck_assert(inb(P61) & 0x20);
	outb(P61, 0x01);                    /* gate rising edge triggers */
	ck_assert(!(inb(P61) & 0x20));
	ck_assert(!(status(2) & 0x40));
	at(149); ck_assert(!(inb(P61) & 0x20));
	at(150); ck_assert(inb(P61) & 0x20);
	/* Retrigger: a new count waits for the next trigger. */
	outb(0x42, 10);
	outb(0x42, 0);
	at(160); ck_assert(inb(P61) & 0x20);
	outb(P61, 0x00);
	outb(P61, 0x01);
	ck_assert(!(inb(P61) & 0x20));
	at(169); ck_assert(!(inb(P61) & 0x20));
	at(170); ck_assert(inb(P61) & 0x20);
}
END_TEST

START_TEST(mode4_and_mode5_strobes)
{
	program(0, 4, 100);
	ck_assert(out_of(0));
	at(100); ck_assert(!out_of(0));     /* one tick low */
	ck_assert(!irq_at(100));
	ck_assert(irq_at(101));
	ck_assert(!irq_at(100000));
	/* Mode 5 on channel 2: started by the gate. */
	outb(CTRL, 0xBA);
	outb(0x42, 20);
	outb(0x42, 0);
	outb(P61, 0x01);
	at(100019); ck_assert(inb(P61) & 0x20);
	at(100020); ck_assert(!(inb(P61) & 0x20));   /* the strobe */
	at(100021); ck_assert(inb(P61) & 0x20);
}
END_TEST

START_TEST(access_modes_and_flip_flops)
{
	/* LSB only. */
	outb(CTRL, 0x14);                   /* ch0, LSB, mode 2 */
	outb(0x40, 200);
	at(50);
	ck_assert_uint_eq(inb(0x40), 150);
	ck_assert_uint_eq(inb(0x40), 150);  /* no flip-flop: always the LSB */
	ck_assert(irq_at(200));
	/* MSB only. */
	outb(CTRL, 0x24);
	outb(0x40, 0x02);                   /* count 0x200 */
	at(200 + 0x100);
	ck_assert_uint_eq(inb(0x40), 0x01);
	ck_assert_uint_eq(latched(0) & 0xff, 0x01);   /* latch in MSB mode: one byte */
	ck_assert(irq_at(200 + 0x200));
	/* LSB then MSB, with unlatched reads; the read and write flip-flops are
	 * separate, so reads and writes may interleave (8254 datasheet). */
	at(1000);
	outb(CTRL, 0x34);
	outb(0x40, 0x34);
	outb(0x40, 0x12);                   /* 0x1234 */
	at(1000 + 0x34);
	ck_assert_uint_eq(inb(0x40), 0x00);   /* LSB of 0x1200 */
	outb(0x40, 0x00);                   /* new count LSB (loads at period end) */
	ck_assert_uint_eq(inb(0x40), 0x12);   /* MSB */
	outb(0x40, 0x10);                   /* new count MSB: 0x1000 pending */
	ck_assert(status(0) & 0x40);        /* null count */
	ck_assert_uint_eq(inb(0x40), 0x00);   /* LSB again */
	ck_assert_uint_eq(inb(0x40), 0x12);
	/* A control word resets the flip-flops. */
	inb(0x40);
	outb(CTRL, 0x34);
	outb(0x40, 0x00);
	outb(0x40, 0x01);                   /* 0x100, both bytes taken in order */
	ck_assert_uint_eq(inb(0x40), 0x00);   /* and the reads start at the LSB */
	ck_assert_uint_eq(inb(0x40), 0x01);
	ck_assert_uint_eq(latched(0), 0x100);
}
END_TEST

START_TEST(counter_latch_holds)
{
	program(0, 2, 1000);
	at(100);
	outb(CTRL, 0x00);                   /* latch ch0 */
	at(400);
	outb(CTRL, 0x00);                   /* a second latch is ignored */
	ck_assert_uint_eq(inb(0x40), 900 & 0xff);
	at(700);
	ck_assert_uint_eq(inb(0x40), 900 >> 8);
	ck_assert_uint_eq(latched(0), 300);  /* released: a new latch works */
	at(800);
	ck_assert_uint_eq(inb(0x40), 200);   /* unlatched reads follow time */
	ck_assert_uint_eq(inb(0x40), 0);
	/* Latching channel 1 does not disturb channel 0. */
	program(1, 2, 50);
	at(810);
	outb(CTRL, 0x40);
	ck_assert_uint_eq(inb(0x41), 40);
	ck_assert_uint_eq(inb(0x41), 0);
}
END_TEST

START_TEST(read_back_command)
{
	outb(CTRL, 0x34);                   /* ch0 LSB/MSB mode 2 binary */
	ck_assert_uint_eq(status(0), 0x80 | 0x40 | 0x34);   /* out high, null count */
	outb(0x40, 0xe8);
	outb(0x40, 0x03);                   /* 1000 */
	ck_assert_uint_eq(status(0), 0x80 | 0x34);
	at(250);
	outb(CTRL, 0xC2);                   /* count and status of ch0 */
	at(600);
	ck_assert_uint_eq(inb(0x40), 0x80 | 0x34);   /* status first */
	ck_assert_uint_eq(inb(0x40), 750 & 0xff);
	ck_assert_uint_eq(inb(0x40), 750 >> 8);
	outb(CTRL, 0xD2);                   /* count only */
	ck_assert_uint_eq(inb(0x40), 400 & 0xff);
	ck_assert_uint_eq(inb(0x40), 400 >> 8);
	/* Several counters at once; mode 0 BCD status on channel 1. */
	outb(CTRL, 0x71);                   /* ch1, LSB/MSB, mode 0, BCD */
	ck_assert_uint_eq(status(1), 0x40 | 0x31);   /* out low, null count */
	outb(0x41, 0x00);
	outb(0x41, 0x05);                   /* 500 in BCD */
	at(700);
	outb(CTRL, 0xC6);                   /* count + status of ch0 and ch1 */
	ck_assert_uint_eq(inb(0x41), 0x31);
	ck_assert_uint_eq(inb(0x41), 0x00);  /* 0400 BCD */
	ck_assert_uint_eq(inb(0x41), 0x04);
	ck_assert_uint_eq(inb(0x40), 0x80 | 0x34);
	ck_assert_uint_eq(inb(0x40), 300 & 0xff);
	ck_assert_uint_eq(inb(0x40), 300 >> 8);
	/* A count latch survives a later read-back of the same counter. */
	outb(CTRL, 0x00);
	at(710);
	outb(CTRL, 0xD2);
	ck_assert_uint_eq(inb(0x40), 300 & 0xff);
	ck_assert_uint_eq(inb(0x40), 300 >> 8);
}
END_TEST

START_TEST(count_zero_is_65536)
{
	program(0, 2, 0);
	ck_assert_uint_eq(latched(0), 0);
	at(1);
	ck_assert_uint_eq(latched(0), 65535);
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(65536));
	ck_assert(!irq_at(65535));
	ck_assert(irq_at(65536));
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(2 * 65536));
	/* BCD: 0 is 10000. */
	outb(CTRL, 0x35);
	outb(0x40, 0);
	outb(0x40, 0);
	at(65537);
	ck_assert_uint_eq(latched(0), 0x9999);
	at(65536 + 1234);
	ck_assert_uint_eq(latched(0), 0x8766);
	ck_assert(irq_at(65536 + 10000));
	ck_assert_uint_eq(latched(0), 0x0000);
}
END_TEST

START_TEST(next_event)
{
	ck_assert_uint_eq(pit_next_event_ns(&pit), UINT64_MAX);
	at(10);
	program(0, 2, 1000);
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(1010));
	at(1500);                            /* late: the event is in the past */
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(1010));
	pit_update(&pit);
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(2010));
	/* A control word alone stops the counter. */
	outb(CTRL, 0x34);
	ck_assert_uint_eq(pit_next_event_ns(&pit), UINT64_MAX);
	ck_assert(took_irq0());              /* the edge at 1010 */
	ck_assert(!irq_at(100000));
	/* Mode 0 one-shot: one event, then none. */
	program(0, 0, 50);
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(100050));
	ck_assert(irq_at(100050));
	ck_assert_uint_eq(pit_next_event_ns(&pit), UINT64_MAX);
	/* Channel 2 does not drive IRQ0. */
	outb(P61, 0x01);
	program(2, 2, 10);
	ck_assert_uint_eq(pit_next_event_ns(&pit), UINT64_MAX);
	ck_assert(!irq_at(200000));
}
END_TEST

START_TEST(coalesced_missed_edges)
{
	program(0, 2, 100);
	at(1050);
	pit_update(&pit);
	ck_assert_uint_eq(pit.edges, 10);
	ck_assert_uint_eq(pit.irqs, 1);
	ck_assert(took_irq0());
	ck_assert(!took_irq0());             /* one request for ten edges */
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(1100));
	/* Edges while IRQ0 is still pending are absorbed by the IRR bit. */
	ck_assert(pic_intr(&pic) == false);
	at(1100); pit_update(&pit);
	at(1200); pit_update(&pit);
	ck_assert(took_irq0());
	ck_assert(!took_irq0());
	ck_assert_uint_eq(pit.edges, 12);
}
END_TEST

START_TEST(mode2_new_count_at_period_end)
{
	program(0, 2, 1000);
	at(300);
	outb(0x40, 500 & 0xff);
	outb(0x40, 500 >> 8);
	ck_assert(status(0) & 0x40);         /* written, not yet loaded */
	at(400);
	ck_assert_uint_eq(latched(0), 600);  /* the old count runs on */
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(1000));
	ck_assert(irq_at(1000));
	ck_assert(!(status(0) & 0x40));
	at(1200);
	ck_assert_uint_eq(latched(0), 300);
	ck_assert_uint_eq(pit_next_event_ns(&pit), tick_ns(1500));
	ck_assert(irq_at(1500));
	/* Missed edges across the switch are all counted. */
	at(1600);
	outb(0x40, 100);
	outb(0x40, 0);                       /* loads at 2000 */
	at(2350);
	pit_update(&pit);
	ck_assert_uint_eq(pit.edges, 2 + 1 + 3);   /* 1000, 1500, 2000, 2100-2300 */
}
END_TEST

START_TEST(gate_stops_modes_0_and_2)
{
	/* Mode 0 on channel 2 with the gate low: holds until the gate rises. */
	outb(CTRL, 0xB0);
	outb(0x42, 100);
	outb(0x42, 0);
	at(500);
	ck_assert_uint_eq(latched(2), 100);
	ck_assert(!(inb(P61) & 0x20));
	outb(P61, 0x01);
	at(550);
	ck_assert_uint_eq(latched(2), 50);
	outb(P61, 0x00);                     /* suspends counting */
	at(900);
	ck_assert_uint_eq(latched(2), 50);
	outb(P61, 0x01);                     /* resumes */
	at(949); ck_assert(!(inb(P61) & 0x20));
	at(950); ck_assert(inb(P61) & 0x20);
	/* Mode 2: gate low forces OUT high and stops; rising reloads. */
	outb(CTRL, 0xB4);
	outb(0x42, 10);
	outb(0x42, 0);
	at(959);
	ck_assert(!(inb(P61) & 0x20));       /* the low tick */
	outb(P61, 0x00);
	ck_assert(inb(P61) & 0x20);
	at(1000);
	outb(P61, 0x01);
	ck_assert_uint_eq(latched(2), 10);
	at(1003);
	ck_assert_uint_eq(latched(2), 7);
}
END_TEST

START_TEST(port61_bits)
{
	outb(P61, 0x0C | 0x02);              /* parity/IOCHK enables, speaker on */
	uint8_t v = inb(P61);
	ck_assert_uint_eq(v & 0x0f, 0x0e);
	ck_assert_uint_eq(v & 0x20, 0x20);   /* channel 2 idle: output high */
	/* Refresh toggles every 15.085 us. */
	int toggles = 0;
	uint8_t prev = inb(P61) & 0x10;
	for (int i = 0; i < 100; i++) {
		now_ns += 15085;
		uint8_t r = inb(P61) & 0x10;
		toggles += r != prev;
		prev = r;
	}
	ck_assert_int_eq(toggles, 100);
	/* Channel 2 never reaches the PIC. */
	outb(P61, 0x01);
	program(2, 2, 10);
	at(100000);
	pit_update(&pit);
	ck_assert(!pic_intr(&pic));
	ck_assert_int_eq(kicks, 0);          /* nor kicks the clock thread */
}
END_TEST

/* Linux's pit_calibrate_tsc(): channel 2, mode 0, gate high, poll bit 5. */
START_TEST(linux_calibration_loop)
{
	const unsigned latch = 1193182 / (1000 / 50);   /* 50 ms */
	outb(P61, (uint8_t)((inb(P61) & ~0x02) | 0x01));
	outb(CTRL, 0xb0);
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	unsigned loops = 0;
	while (!(inb(P61) & 0x20) && loops < 1000000) {
		now_ns += 1000;                  /* each poll costs 1 us */
		loops++;
	}
	ck_assert_uint_ge(loops, 49990);
	ck_assert_uint_le(loops, 50010);
	ck_assert(!pic_intr(&pic));
}
END_TEST

START_TEST(describe_text)
{
	program(0, 2, 1193);
	at(100);
	char buf[1024];
	pit_describe(&pit, buf, sizeof buf);
	ck_assert_msg(strstr(buf, "ch0: mode 2 lohi bin count=1193"), "%s", buf);
	ck_assert_msg(strstr(buf, "value=1093"), "%s", buf);
	ck_assert_msg(strstr(buf, "ch2:") && strstr(buf, "next="), "%s", buf);
	char small[10];
	pit_describe(&pit, small, sizeof small);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

START_TEST(wide_access_and_no_pic)
{
	/* A 2-byte read at 0x40 reads counters 0 and 1. */
	program(0, 2, 1000);
	program(1, 2, 2000);
	uint8_t two[2] = { 0, 0 };
	pit_io(&pit, 0, two, 2, false);
	ck_assert_uint_eq(two[0], 1000 & 0xff);
	ck_assert_uint_eq(two[1], 2000 & 0xff);
	/* A pit without a PIC counts and raises nothing. */
	struct pit lone;
	pit_init(&lone, NULL, fake_clock, &now_ns);
	uint8_t cw = 0x34, lo = 10, hi = 0;
	pit_io(&lone, 3, &cw, 1, true);
	pit_io(&lone, 0, &lo, 1, true);
	pit_io(&lone, 0, &hi, 1, true);
	at(1000);
	pit_update(&lone);
	ck_assert_uint_ge(lone.edges, 99);
	pit_destroy(&lone);
}
END_TEST

static Suite *pit_suite(void)
{
	Suite *s = suite_create("pit");
	TCase *tc = tcase_create("pit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reset_state);
	tcase_add_test(tc, mode2_rate_generator);
	tcase_add_test(tc, mode3_square_wave);
	tcase_add_test(tc, mode0_terminal_count_once);
	tcase_add_test(tc, mode1_oneshot_on_gate);
	tcase_add_test(tc, mode4_and_mode5_strobes);
	tcase_add_test(tc, access_modes_and_flip_flops);
	tcase_add_test(tc, counter_latch_holds);
	tcase_add_test(tc, read_back_command);
	tcase_add_test(tc, count_zero_is_65536);
	tcase_add_test(tc, next_event);
	tcase_add_test(tc, coalesced_missed_edges);
	tcase_add_test(tc, mode2_new_count_at_period_end);
	tcase_add_test(tc, gate_stops_modes_0_and_2);
	tcase_add_test(tc, port61_bits);
	tcase_add_test(tc, linux_calibration_loop);
	tcase_add_test(tc, describe_text);
	tcase_add_test(tc, wide_access_and_no_pic);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pit_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
