/* rtc.c — the PC's MC146818A real-time clock on IRQ 8.
 *
 * The sample reads the time the way a kernel does (wait until UIP is clear,
 * read the BCD fields), checks that every field is in range and that UIP
 * and the seconds behave: UIP is seen set before an update, and the seconds
 * have moved once it clears. Then it programs the 8259 pair (IRQ 8 on the
 * slave at vector 0x28, through the cascade on IRQ 2), enables the periodic
 * interrupt at 1024 Hz and counts IRQ 8s (the handler reads register C,
 * which acknowledges the chip) while PIT channel 0 measures 200 ms with
 * twenty 100 Hz ticks; the count (205 at 1024 Hz) must be between the
 * neighbouring rates' (512 and 2048 Hz), room for a loaded host that
 * coalesces interrupts as a late CPU would (the exact rates are checked in
 * tests/unit/test_rtc.c on a fake clock). Last, the
 * update-ended interrupt: two of them, one second apart on the RTC's own
 * seconds.
 *
 * Only facts are printed, never the time itself, so QEMU, KVM and the
 * translator print the same lines.
 */
#include "rt.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define NMI_OFF    0x80         /* index bit 7: keep NMI disabled while we are at it */
#define REG_SEC    0x00
#define REG_MIN    0x02
#define REG_HOUR   0x04
#define REG_DOW    0x06
#define REG_DAY    0x07
#define REG_MONTH  0x08
#define REG_YEAR   0x09
#define REG_A      0x0A
#define REG_B      0x0B
#define REG_C      0x0C
#define REG_D      0x0D
#define REG_CENTURY 0x32
#define A_UIP      0x80
#define A_1024HZ   0x26         /* 32.768 kHz time base, rate select 6 */
#define B_PIE      0x40
#define B_UIE      0x10
#define B_24H      0x02
#define C_IRQF     0x80
#define C_PF       0x40
#define C_UF       0x10
#define D_VRT      0x80

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xA0
#define PIC2_DATA  0xA1
#define OCW2_EOI   0x20
#define PIC1_VECTOR 0x20
#define PIC2_VECTOR 0x28        /* IRQ 8 is the slave's first line */
#define PIT_CH0    0x40
#define PIT_CMD    0x43
#define PIT_DIVISOR 11932       /* 100 Hz */

#define TICKS      20           /* 200 ms of PIT ticks */
#define EXPECT     205          /* 1024 Hz for 200 ms */
#define SPIN_LIMIT 100000000

static volatile unsigned pit_ticks, rtc_irqs, rtc_no_pf, rtc_updates, rtc_sec_at_update[2];

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(CMOS_INDEX, NMI_OFF | reg);
	outb(CMOS_DATA, v);
}

static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 15);
}

static bool bcd_ok(uint8_t v, unsigned lo, unsigned hi)
{
	return (v & 15) < 10 && (v >> 4) < 10 && bcd(v) >= lo && bcd(v) <= hi;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void on_pit(struct rt_trap_frame *f)
{
	(void)f;
	pit_ticks++;
	outb(PIC1_CMD, OCW2_EOI);
}

static void on_rtc(struct rt_trap_frame *f)
{
	(void)f;
	uint8_t c = cmos_read(REG_C);   /* acknowledges: IRQ 8 drops */
	if (c & C_PF)
		rtc_irqs++;
	else if (!(c & C_UF))
		rtc_no_pf++;
	if (c & C_UF) {
		if (rtc_updates < 2)
			rtc_sec_at_update[rtc_updates] = bcd(cmos_read(REG_SEC));
		rtc_updates++;
	}
	outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, PIC1_VECTOR);
	outb(PIC2_DATA, PIC2_VECTOR);
	outb(PIC1_DATA, 0x04);
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xFA);   /* IRQ 0 and the cascade */
	outb(PIC2_DATA, 0xFE);   /* IRQ 8 */
}

/* Read the time as Linux's mc146818_get_time does: UIP clear first. */
static bool read_time(uint8_t t[8])
{
	for (long n = 0; n < SPIN_LIMIT; n++) {
		if (cmos_read(REG_A) & A_UIP)
			continue;
		t[0] = cmos_read(REG_SEC);
		t[1] = cmos_read(REG_MIN);
		t[2] = cmos_read(REG_HOUR);
		t[3] = cmos_read(REG_DOW);
		t[4] = cmos_read(REG_DAY);
		t[5] = cmos_read(REG_MONTH);
		t[6] = cmos_read(REG_YEAR);
		t[7] = cmos_read(REG_CENTURY);
		return true;
	}
	return false;
}

int sample_main(void)
{
	uint8_t t[8];

	rt_set_trap_handler(PIC1_VECTOR, on_pit, 0);
	rt_set_trap_handler(PIC2_VECTOR, on_rtc, 0);
	rt_printf("rtc: register D VRT set: %s, 24 hour BCD: %s\n", yes_no(cmos_read(REG_D) & D_VRT),
		  yes_no((cmos_read(REG_B) & 0x06) == B_24H));
	bool got = read_time(t);
	bool in_range = got && bcd_ok(t[0], 0, 59) && bcd_ok(t[1], 0, 59) && bcd_ok(t[2], 0, 23) && t[3] >= 1 &&
			t[3] <= 7 && bcd_ok(t[4], 1, 31) && bcd_ok(t[5], 1, 12) && bcd_ok(t[6], 0, 99) &&
			bcd_ok(t[7], 19, 21);
	rt_printf("rtc: time read with UIP clear, every field in range: %s, year after 2020: %s\n", yes_no(in_range),
		  yes_no(in_range && bcd(t[7]) * 100 + bcd(t[6]) > 2020));

	/* UIP rises before the seconds change, and they have changed once it falls. */
	uint8_t before = cmos_read(REG_SEC);
	bool uip = false;
	for (long n = 0; n < SPIN_LIMIT && !uip; n++)
		uip = cmos_read(REG_A) & A_UIP;
	bool seen = uip;
	for (long n = 0; n < SPIN_LIMIT && uip; n++)
		uip = cmos_read(REG_A) & A_UIP;
	bool moved = seen && !uip && cmos_read(REG_SEC) != before;
	rt_printf("rtc: UIP seen before an update: %s, the seconds moved after it: %s\n", yes_no(seen), yes_no(moved));

	/* The periodic interrupt against the PIT. */
	pic_init();
	cmos_write(REG_A, A_1024HZ);
	cmos_read(REG_C);
	outb(PIT_CMD, 0x34);
	outb(PIT_CH0, PIT_DIVISOR & 0xFF);
	outb(PIT_CH0, PIT_DIVISOR >> 8);
	__asm__ volatile("sti; hlt; cli" : : : "memory");   /* line up with a tick */
	unsigned start_ticks = pit_ticks;
	rtc_irqs = 0;
	cmos_write(REG_B, B_24H | B_PIE);
	while (pit_ticks - start_ticks < TICKS)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	cmos_write(REG_B, B_24H);
	unsigned n = rtc_irqs;
	if (rt_has_flag("verbose"))
		rt_printf("rtc: %u periodic interrupts in %u PIT ticks\n", n, pit_ticks - start_ticks);
	rt_printf("rtc: periodic interrupts at 1024 Hz in %u ms: between 512 and 2048 Hz: %s, all with PF: %s\n",
		  TICKS * 10, yes_no(n > EXPECT / 2 && n < EXPECT * 2), yes_no(!rtc_no_pf));

	/* Two update-ended interrupts: the seconds advance by one between them. */
	outb(PIC1_DATA, 0xFB);   /* the PIT's tick is not needed any more */
	cmos_read(REG_C);
	rtc_updates = 0;
	cmos_write(REG_B, B_24H | B_UIE);
	while (rtc_updates < 2)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	cmos_write(REG_B, B_24H);
	rt_printf("rtc: two update interrupts one second apart: %s\n",
		  yes_no((rtc_sec_at_update[0] + 1) % 60 == rtc_sec_at_update[1]));
	return 0;
}
