/* Unit tests for monitor/rtc, the MC146818A, against its datasheet, with a
 * fake clock: the chip's divider chain starts at T0 (an update instant) and
 * the guest's time is U = 2023-11-14 22:13:20 UTC (a Tuesday) then. Covered:
 * power-on registers, BCD and binary, 12 and 24 hour, the SET bit (held time,
 * UIE cleared, leap day rollover, day of week), writing the time while it
 * runs, UIP's 244 us window, register C (read clears, IRQ 8 drops), the
 * periodic rates with the clock thread's deadlines, alarm (exact and don't
 * care) and update-ended interrupts, the divider reset's half second,
 * daylight saving, the NMI bit, the RESET pin, the CMOS memory bytes and
 * checksum. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/rtc.h"
#include "monitor/rtc_calendar.h"

#define T0  1000000000000ull    /* ns: the fake clock's start */
#define U   1700000000          /* 2023-11-14 22:13:20 UTC */
#define SEC 1000000000ull
#define MIB (1ull << 20)

static struct rtc rtc;
static uint64_t now_ns;
static int level, rises, kicks;

static uint64_t fake_clock(void *opaque)
{
	return *(uint64_t *)opaque;
}

static void on_line(void *opaque, int l)
{
	(void)opaque;
	if (l && !level)
		rises++;
	level = l;
}

static void on_kick(void *opaque)
{
	(void)opaque;
	kicks++;
}

static void setup(void)
{
	now_ns = T0;
	level = rises = kicks = 0;
	rtc_init(&rtc, fake_clock, &now_ns, U, 64 * MIB);
	rtc_set_line(&rtc, on_line, NULL);
	rtc_set_kick(&rtc, on_kick, NULL);
}

static void teardown(void)
{
	rtc_destroy(&rtc);
}

static void at(uint64_t ns)
{
	now_ns = T0 + ns;
	rtc_update(&rtc);   /* what the clock thread would do */
}

static uint8_t rd(uint8_t reg)
{
	uint8_t v = reg;
	rtc_io(&rtc, 0, &v, 1, true);
	rtc_io(&rtc, 1, &v, 1, false);
	return v;
}

static void wr(uint8_t reg, uint8_t val)
{
	uint8_t v = reg;
	rtc_io(&rtc, 0, &v, 1, true);
	rtc_io(&rtc, 1, &val, 1, true);
}

START_TEST(power_on_registers)
{
	ck_assert_uint_eq(rd(RTC_REG_A), 0x26);
	ck_assert_uint_eq(rd(RTC_REG_B), 0x02);
	ck_assert_uint_eq(rd(RTC_REG_C), 0x00);
	ck_assert_uint_eq(rd(RTC_REG_D), 0x80);
	wr(RTC_REG_D, 0x00);   /* read-only */
	ck_assert_uint_eq(rd(RTC_REG_D), 0x80);
	uint8_t v = 0;
	rtc_io(&rtc, 0, &v, 1, false);
	ck_assert_uint_eq(v, 0xFF);   /* the index port is write-only */
	ck_assert_int_eq(rtc_time(&rtc), U);
}
END_TEST

START_TEST(bcd_24_hour)
{
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x20);
	ck_assert_uint_eq(rd(RTC_MINUTES), 0x13);
	ck_assert_uint_eq(rd(RTC_HOURS), 0x22);
	ck_assert_uint_eq(rd(RTC_DOW), 3);   /* Tuesday, Sunday = 1 */
	ck_assert_uint_eq(rd(RTC_DAY), 0x14);
	ck_assert_uint_eq(rd(RTC_MONTH), 0x11);
	ck_assert_uint_eq(rd(RTC_YEAR), 0x23);
	ck_assert_uint_eq(rd(RTC_CENTURY), 0x20);
	at(SEC - 1);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x20);
	at(SEC);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x21);
	at(40 * SEC);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x00);
	ck_assert_uint_eq(rd(RTC_MINUTES), 0x14);
}
END_TEST

START_TEST(binary_and_12_hour)
{
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM);
	ck_assert_uint_eq(rd(RTC_SECONDS), 20);
	ck_assert_uint_eq(rd(RTC_HOURS), 22);
	ck_assert_uint_eq(rd(RTC_YEAR), 23);
	ck_assert_uint_eq(rd(RTC_CENTURY), 20);
	wr(RTC_REG_B, RTC_B_DM);   /* 12 hour, binary: 10 PM */
	ck_assert_uint_eq(rd(RTC_HOURS), 0x80 | 10);
	wr(RTC_REG_B, 0);          /* 12 hour, BCD */
	ck_assert_uint_eq(rd(RTC_HOURS), 0x90);
	at(2 * 3600 * SEC);        /* 00:13 is 12 AM */
	ck_assert_uint_eq(rd(RTC_HOURS), 0x12);
	at(14 * 3600 * SEC);       /* 12:13 is 12 PM */
	ck_assert_uint_eq(rd(RTC_HOURS), 0x92);
}
END_TEST

START_TEST(set_bit_holds_and_takes_the_time)
{
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	at(SEC / 2);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE);
	ck_assert_uint_eq(rd(RTC_REG_B), RTC_B_SET | RTC_B_24H);   /* SET clears UIE */
	wr(RTC_YEAR, 0x00);
	wr(RTC_CENTURY, 0x20);
	wr(RTC_MONTH, 0x02);
	wr(RTC_DAY, 0x28);
	wr(RTC_DOW, 2);            /* 2000-02-28 was a Monday */
	wr(RTC_HOURS, 0x23);
	wr(RTC_MINUTES, 0x59);
	wr(RTC_SECONDS, 0x58);
	at(10 * SEC + SEC / 2);    /* no updates while SET */
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x58);
	ck_assert_uint_eq(rd(RTC_REG_C) & RTC_C_UF, 0);
	wr(RTC_REG_B, RTC_B_24H);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x58);
	at(11 * SEC);              /* the chain's next update */
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x59);
	at(12 * SEC);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x00);
	ck_assert_uint_eq(rd(RTC_HOURS), 0x00);
	ck_assert_uint_eq(rd(RTC_DAY), 0x29);   /* a leap year */
	ck_assert_uint_eq(rd(RTC_MONTH), 0x02);
	ck_assert_uint_eq(rd(RTC_DOW), 3);
	ck_assert_uint_eq(rd(RTC_YEAR), 0x00);
	ck_assert_uint_eq(rd(RTC_CENTURY), 0x20);
	ck_assert_uint_eq(rtc.time_sets, 1);
}
END_TEST

START_TEST(write_while_running)
{
	wr(RTC_MINUTES, 0x45);
	ck_assert_uint_eq(rd(RTC_MINUTES), 0x45);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x20);
	ck_assert_uint_eq(rd(RTC_HOURS), 0x22);
	ck_assert_int_eq(rtc_time(&rtc), U + 32 * 60);
}
END_TEST

START_TEST(uip_before_each_update)
{
	/* 244.14 us = 8 ticks of 32.768 kHz before the update at T0 + 1 s. */
	at(999755859);
	ck_assert_uint_eq(rd(RTC_REG_A) & RTC_A_UIP, 0);
	at(999755860);
	ck_assert_uint_eq(rd(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x20);   /* not yet updated */
	at(SEC - 1);
	ck_assert_uint_eq(rd(RTC_REG_A), 0x26 | RTC_A_UIP);
	at(SEC);
	ck_assert_uint_eq(rd(RTC_REG_A) & RTC_A_UIP, 0);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x21);
	at(2 * SEC - 1000);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	ck_assert_uint_eq(rd(RTC_REG_A) & RTC_A_UIP, 0);   /* SET: no update cycle */
	wr(RTC_REG_A, 0xA6);                               /* UIP is read-only */
	ck_assert_uint_eq(rd(RTC_REG_A), 0x26);
}
END_TEST

START_TEST(register_c_read_clears_and_lowers_irq8)
{
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);   /* RS = 6: 1024 Hz */
	at(1000000);                             /* 1 ms: one period has passed */
	ck_assert_int_eq(level, 1);
	ck_assert_int_eq(rises, 1);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(rd(RTC_REG_C), 0);
	/* PF without PIE: set, but no IRQF and no IRQ. */
	wr(RTC_REG_B, RTC_B_24H);
	at(3000000);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_PF);
	ck_assert_int_eq(rises, 1);
	/* Enabling PIE with PF pending asserts IRQ 8 at once. */
	at(5000000);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	ck_assert_int_eq(level, 1);
	ck_assert_int_eq(rises, 2);
}
END_TEST

/* Periodic edges in one second at rate select rs, taking each interrupt. */
static unsigned periodic_in_a_second(unsigned rs)
{
	unsigned n = 0;
	wr(RTC_REG_A, (uint8_t)(RTC_A_DV_32K | rs));
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	rd(RTC_REG_C);
	uint64_t start = now_ns - T0, t = start;
	for (;;) {
		uint64_t next = rtc_next_event_ns(&rtc);
		ck_assert_uint_ne(next, RTC_NO_EVENT);
		ck_assert_uint_gt(next, T0 + t);
		/* Nothing is due before the deadline. */
		at(next - T0 - 1);
		ck_assert_int_eq(level, 0);
		t = next - T0;
		if (t > start + SEC)
			break;
		at(t);
		ck_assert_int_eq(level, 1);
		ck_assert_uint_eq(rtc_next_event_ns(&rtc), RTC_NO_EVENT);   /* PF pending: nothing to wake for */
		ck_assert_uint_eq(rd(RTC_REG_C) & ~RTC_C_UF, RTC_C_IRQF | RTC_C_PF);
		n++;
	}
	return n;
}

START_TEST(periodic_rates)
{
	ck_assert_uint_eq(periodic_in_a_second(15), 2);
	ck_assert_uint_eq(periodic_in_a_second(13), 8);
	ck_assert_uint_eq(periodic_in_a_second(6), 1024);
	ck_assert_uint_eq(periodic_in_a_second(1), 256);   /* 1 and 2 repeat 8 and 9 */
	ck_assert_uint_eq(periodic_in_a_second(2), 128);
	/* RS = 0: none, and nothing for the clock thread. */
	wr(RTC_REG_A, RTC_A_DV_32K);
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), RTC_NO_EVENT);
	/* 8192 Hz: 122.07 us; counted, not taken one by one. */
	wr(RTC_REG_A, RTC_A_DV_32K | 3);
	uint64_t before = rtc.periodic, t = now_ns - T0;
	at(t + SEC);
	ck_assert_uint_eq(rtc.periodic - before, 8192);
}
END_TEST

START_TEST(alarm_interrupt)
{
	wr(RTC_REG_A, RTC_A_DV_32K);   /* no periodic flag in the way */
	wr(RTC_SEC_ALARM, 0x25);
	wr(RTC_MIN_ALARM, 0x13);
	wr(RTC_HOUR_ALARM, 0x22);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), T0 + SEC);   /* each update is compared */
	at(4 * SEC);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_UF);   /* updates, no alarm */
	ck_assert_int_eq(level, 0);
	at(5 * SEC);
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	at(65 * SEC);   /* 22:14:25: the minutes do not match */
	ck_assert_uint_eq(rd(RTC_REG_C) & RTC_C_AF, 0);
	/* Don't care in all three: every second. */
	wr(RTC_SEC_ALARM, 0xC0);
	wr(RTC_MIN_ALARM, 0xFF);
	wr(RTC_HOUR_ALARM, 0xD5);
	at(66 * SEC);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* Once an hour at xx:30:00 (hours don't care), found over a long gap. */
	wr(RTC_SEC_ALARM, 0x00);
	wr(RTC_MIN_ALARM, 0x30);
	wr(RTC_REG_B, RTC_B_24H);
	at(66 * SEC + 1000 * SEC);   /* 22:14:26 + 1000 s = 22:31:06 */
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_AF | RTC_C_UF);
	ck_assert_uint_eq(rtc.alarms, 3);
}
END_TEST

START_TEST(update_ended_interrupt)
{
	wr(RTC_REG_A, RTC_A_DV_32K);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	ck_assert_int_gt(kicks, 0);
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), T0 + SEC);
	at(SEC - 1);
	ck_assert_int_eq(level, 0);
	at(SEC);
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), RTC_NO_EVENT);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), T0 + 2 * SEC);
	/* Nothing enabled: no deadline at all. */
	wr(RTC_REG_B, RTC_B_24H);
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), RTC_NO_EVENT);
}
END_TEST

START_TEST(divider_reset_half_second)
{
	at(SEC / 4);
	wr(RTC_REG_A, 0x70);   /* DV = 111: reset */
	at(10 * SEC);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x20);   /* stopped */
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_PIE);
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), RTC_NO_EVENT);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	wr(RTC_REG_A, RTC_A_DV_32K);   /* released: the first update half a second later */
	rd(RTC_REG_C);                 /* PF from before the reset */
	ck_assert_uint_eq(rtc_next_event_ns(&rtc), T0 + 10 * SEC + SEC / 2);
	at(10 * SEC + SEC / 2 - 1);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x20);
	at(10 * SEC + SEC / 2);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x21);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
}
END_TEST

START_TEST(daylight_saving)
{
	/* 2023-04-30 was the last Sunday of April. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_DSE);
	wr(RTC_CENTURY, 0x20);
	wr(RTC_YEAR, 0x23);
	wr(RTC_MONTH, 0x04);
	wr(RTC_DAY, 0x30);
	wr(RTC_HOURS, 0x01);
	wr(RTC_MINUTES, 0x59);
	wr(RTC_SECONDS, 0x59);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DSE);
	at(SEC);
	ck_assert_uint_eq(rd(RTC_HOURS), 0x03);
	ck_assert_uint_eq(rd(RTC_MINUTES), 0x00);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x00);
	/* 2023-10-29, the last Sunday of October: 1:59:59 goes back to 1:00:00. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_DSE);
	wr(RTC_MONTH, 0x10);
	wr(RTC_DAY, 0x29);
	wr(RTC_HOURS, 0x01);
	wr(RTC_MINUTES, 0x59);
	wr(RTC_SECONDS, 0x59);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DSE);
	at(2 * SEC);
	ck_assert_uint_eq(rd(RTC_HOURS), 0x01);
	ck_assert_uint_eq(rd(RTC_MINUTES), 0x00);
	ck_assert_uint_eq(rd(RTC_SECONDS), 0x00);
}
END_TEST

START_TEST(nmi_bit_and_reset_pin)
{
	uint8_t v = 0x80 | RTC_REG_B;
	rtc_io(&rtc, 0, &v, 1, true);
	ck_assert(rtc_nmi_disabled(&rtc));
	v = RTC_B_24H | RTC_B_PIE | RTC_B_UIE | RTC_B_SQWE | RTC_B_DM;
	rtc_io(&rtc, 1, &v, 1, true);
	at(SEC);
	ck_assert_int_eq(level, 1);
	rtc_reset(&rtc);
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(rd(RTC_REG_B), RTC_B_24H | RTC_B_DM);
	ck_assert(!rtc_nmi_disabled(&rtc));
	ck_assert_uint_eq(rd(RTC_REG_C), 0);
	ck_assert_uint_eq(rd(RTC_SECONDS), 21);   /* the time survives */
}
END_TEST

START_TEST(cmos_memory)
{
	ck_assert_uint_eq(rd(RTC_FLOPPY), 0);
	ck_assert_uint_eq(rd(RTC_DISK), 0);
	ck_assert_uint_eq(rd(RTC_EQUIPMENT), 0x02);
	ck_assert_uint_eq(rd(RTC_SHUTDOWN), 0);
	ck_assert_uint_eq(rd(0x15) | rd(0x16) << 8, 640);
	ck_assert_uint_eq(rd(0x17) | rd(0x18) << 8, 63 * 1024);
	ck_assert_uint_eq(rd(0x30) | rd(0x31) << 8, 63 * 1024);
	ck_assert_uint_eq(rd(0x34) | rd(0x35) << 8, 48 * 16);
	ck_assert_uint_eq(rd(0x5B) | rd(0x5C) | rd(0x5D), 0);
	unsigned sum = 0;
	for (uint8_t i = 0x10; i < 0x2E; i++)
		sum += rd(i);
	ck_assert_uint_eq(rd(0x2E) << 8 | rd(0x2F), sum);
	rtc_cmos_set(&rtc, RTC_DISK, 0xF0);
	ck_assert_uint_eq(rd(0x2E) << 8 | rd(0x2F), sum + 0xF0);
	/* Plain storage elsewhere, and wide accesses reach index then data. */
	wr(0x7F, 0x5A);
	ck_assert_uint_eq(rd(0x7F), 0x5A);
	uint16_t w = 0x7F | 0xA5 << 8;
	rtc_io(&rtc, 0, &w, 2, true);
	ck_assert_uint_eq(rd(0x7F), 0xA5);

	/* 256 MiB: extended memory is capped at 0xFFFF KiB. */
	struct rtc big;
	rtc_init(&big, fake_clock, &now_ns, U, 256 * MIB);
	ck_assert_uint_eq(big.ram[0x17] | big.ram[0x18] << 8, 0xFFFF);
	ck_assert_uint_eq(big.ram[0x34] | big.ram[0x35] << 8, 240 * 16);
	rtc_destroy(&big);
}
END_TEST

START_TEST(describe_text)
{
	char buf[1024];
	rtc_describe(&rtc, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "time 2023-11-14 22:13:20"));
	ck_assert_ptr_nonnull(strstr(buf, "periodic 1024.00 Hz"));
}
END_TEST

/* monitor/rtc_calendar: dates both ways, leap years, before 1970, the DST rule. */
START_TEST(calendar)
{
	struct rtc_tm t;
	rtc_cal_tm_of(0, &t);
	ck_assert(t.year == 1970 && t.mon == 1 && t.day == 1 && t.dow == 4 && t.hour == 0);
	rtc_cal_tm_of(U, &t);
	ck_assert(t.year == 2023 && t.mon == 11 && t.day == 14 && t.hour == 22 && t.min == 13 && t.sec == 20);
	ck_assert_int_eq(t.dow, 2);
	ck_assert_int_eq(rtc_cal_secs_of(2023, 11, 14, 22, 13, 20), U);
	ck_assert_int_eq(rtc_cal_secs_of(2000, 3, 1, 0, 0, 0) - rtc_cal_secs_of(2000, 2, 28, 0, 0, 0), 2 * 86400);
	ck_assert_int_eq(rtc_cal_secs_of(1900, 3, 1, 0, 0, 0) - rtc_cal_secs_of(1900, 2, 28, 0, 0, 0), 86400);
	rtc_cal_tm_of(-1, &t);
	ck_assert(t.year == 1969 && t.mon == 12 && t.day == 31 && t.hour == 23 && t.sec == 59 && t.dow == 3);
	ck_assert_int_eq(rtc_cal_floordiv(-7, 2), -4);
	ck_assert_int_eq(rtc_cal_floordiv(7, 2), 3);
	ck_assert(!rtc_cal_dst(rtc_cal_secs_of(2023, 4, 30, 1, 59, 59)));
	ck_assert(rtc_cal_dst(rtc_cal_secs_of(2023, 4, 30, 2, 0, 0)));
	ck_assert(rtc_cal_dst(rtc_cal_secs_of(2023, 10, 29, 0, 59, 59)));
	ck_assert(!rtc_cal_dst(rtc_cal_secs_of(2023, 10, 29, 1, 0, 0)));
	ck_assert(!rtc_cal_dst(rtc_cal_secs_of(2023, 1, 15, 12, 0, 0)));
}
END_TEST

static Suite *rtc_suite(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("rtc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, power_on_registers);
	tcase_add_test(tc, bcd_24_hour);
	tcase_add_test(tc, binary_and_12_hour);
	tcase_add_test(tc, set_bit_holds_and_takes_the_time);
	tcase_add_test(tc, write_while_running);
	tcase_add_test(tc, uip_before_each_update);
	tcase_add_test(tc, register_c_read_clears_and_lowers_irq8);
	tcase_add_test(tc, periodic_rates);
	tcase_add_test(tc, alarm_interrupt);
	tcase_add_test(tc, update_ended_interrupt);
	tcase_add_test(tc, divider_reset_half_second);
	tcase_add_test(tc, daylight_saving);
	tcase_add_test(tc, nmi_bit_and_reset_pin);
	tcase_add_test(tc, cmos_memory);
	tcase_add_test(tc, describe_text);
	tcase_add_test(tc, calendar);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rtc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
