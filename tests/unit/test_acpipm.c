/* Unit tests for monitor/acpipm: the PM timer's rate (a fake clock, and the
 * real one within slack), 24-bit wrap, TMR_STS latched when bit 23 toggles
 * and cleared by writing 1, the SCI on IRQ 9 following enabled status bits
 * (level), SCI_EN reading 1, SLP_EN with SLP_TYP S5 asking for a power-off
 * and another SLP_TYP stopping as unsupported, and the FADT's reset register (port 0xcf9)
 * asking for a reset only with RST_CPU set. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/acpipm.h"
#include "monitor/machine.h"

static struct machine m;
static char err[256];
static uint64_t fake_ns;
static int sci_level = -1;

static uint64_t fake_now(void *opaque)
{
	(void)opaque;
	return fake_ns;
}

static void sink(void *ctx, int line, int level)
{
	(void)ctx;
	if (line == PC_ACPI_SCI_IRQ)
		sci_level = level;
}

static void setup(void)
{
	struct machine_config cfg = { .ram_size = 16ull << 20 };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(machine_irq_sink_add(&m, sink, NULL), 0);
	sci_level = -1;
	fake_ns = 1000;
}

static void teardown(void)
{
	machine_destroy(&m);
}

static uint32_t in(struct acpipm *pm, unsigned off, unsigned size)
{
	uint32_t v = 0;
	acpipm_io(pm, off, &v, size, false);
	return v;
}

static void out(struct acpipm *pm, unsigned off, uint32_t v, unsigned size)
{
	acpipm_io(pm, off, &v, size, true);
}

START_TEST(timer_rate_fake_clock)
{
	struct acpipm pm;
	acpipm_init(&pm, &m, fake_now, NULL);
	ck_assert_uint_eq(in(&pm, 8, 4), 0);
	fake_ns += 1000000000ull;   /* one second */
	ck_assert_uint_eq(in(&pm, 8, 4), PC_ACPI_PM_TMR_HZ);
	fake_ns += 4000000000ull;   /* five seconds: 17897725 wraps at 2^24 */
	ck_assert_uint_eq(in(&pm, 8, 4), (5ull * PC_ACPI_PM_TMR_HZ) & 0xffffff);
	ck_assert_uint_eq(in(&pm, 8, 4) >> 24, 0);
	ck_assert_uint_eq(in(&pm, 8, 1), in(&pm, 8, 4) & 0xff);
	acpipm_destroy(&pm);
}
END_TEST

START_TEST(timer_rate_real_clock)
{
	struct acpipm *pm = machine_device(&m, "acpi-pm");
	uint32_t a;
	machine_pio(&m, 0, PC_ACPI_PM_TMR, &a, 4, false);
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	uint32_t b;
	machine_pio(&m, 0, PC_ACPI_PM_TMR, &b, 4, false);
	uint32_t ticks = (b - a) & 0xffffff;
	/* 200 ms is 715909 ticks; a loaded host may sleep longer, never shorter. */
	ck_assert_uint_ge(ticks, 715909 - 2000);
	ck_assert_uint_le(ticks, 715909 * 3);
	(void)pm;
}
END_TEST

START_TEST(tmr_sts_and_sci)
{
	struct acpipm pm;
	acpipm_init(&pm, &m, fake_now, NULL);
	ck_assert_uint_eq(in(&pm, 0, 2) & ACPIPM_STS_TMR, 0);
	fake_ns += 2400000000ull;   /* past 2^23 ticks (2.34 s) */
	ck_assert_uint_eq(in(&pm, 0, 2) & ACPIPM_STS_TMR, ACPIPM_STS_TMR);
	ck_assert_int_eq(sci_level, -1);   /* not enabled: no SCI */
	out(&pm, 2, ACPIPM_STS_TMR, 2);    /* TMR_EN */
	ck_assert_int_eq(sci_level, 1);
	ck_assert_uint_ne(acpipm_clock_next(&pm), UINT64_MAX);
	out(&pm, 0, ACPIPM_STS_TMR, 2);    /* write 1 to clear */
	ck_assert_uint_eq(in(&pm, 0, 2) & ACPIPM_STS_TMR, 0);
	ck_assert_int_eq(sci_level, 0);
	/* The clock thread's update latches the next toggle. */
	fake_ns = acpipm_clock_next(&pm);
	acpipm_clock_update(&pm);
	ck_assert_int_eq(sci_level, 1);
	out(&pm, 2, 0, 2);
	ck_assert_int_eq(sci_level, 0);
	ck_assert_uint_eq(acpipm_clock_next(&pm), UINT64_MAX);
	/* A GPE with its enable bit raises it too. */
	out(&pm, 0x22, 1, 1);
	acpipm_gpe_set(&pm, 0);
	ck_assert_int_eq(sci_level, 1);
	out(&pm, 0x20, 1, 1);
	ck_assert_int_eq(sci_level, 0);
	acpipm_destroy(&pm);
}
END_TEST

START_TEST(pm1_cnt_sleep)
{
	struct stop_info s;
	uint16_t v;
	machine_pio(&m, 0, PC_ACPI_PM1A_CNT, &v, 2, false);
	ck_assert_uint_eq(v & ACPIPM_CNT_SCI_EN, 1);
	ck_assert(!machine_take_exit(&m, 0, &s));
	/* SLP_TYP 1 without SLP_EN: nothing. */
	v = 1 << 10;
	machine_pio(&m, 0, PC_ACPI_PM1A_CNT, &v, 2, true);
	ck_assert(!machine_take_exit(&m, 0, &s));
	v = (uint16_t)((PC_ACPI_S5_TYP << 10) | ACPIPM_CNT_SLP_EN);
	machine_pio(&m, 0, PC_ACPI_PM1A_CNT, &v, 2, true);
	ck_assert(machine_take_exit(&m, 0x1234, &s));
	ck_assert_int_eq(s.reason, STOP_EXIT);
	ck_assert_int_eq(s.status, 0);
	ck_assert_ptr_nonnull(strstr(s.msg, "powered off"));
	v = (uint16_t)((5 << 10) | ACPIPM_CNT_SLP_EN);
	machine_pio(&m, 0, PC_ACPI_PM1A_CNT, &v, 2, true);
	ck_assert(machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_int_eq(s.status, STATUS_GUEST_ERROR);
	ck_assert_ptr_nonnull(strstr(s.msg, "SLP_TYP 5"));
	/* SLP_EN is write-only. */
	machine_pio(&m, 0, PC_ACPI_PM1A_CNT, &v, 2, false);
	ck_assert_uint_eq(v & ACPIPM_CNT_SLP_EN, 0);
}
END_TEST

/* The FADT's RESET_REG: a byte write to port 0xcf9 (the PIIX's reset
 * control register, decoded by monitor/pci.c). */
static void rcr_write(uint8_t v)
{
	machine_pio(&m, 0, PC_RESET_PORT, &v, 1, true);
}

static uint8_t rcr_read(void)
{
	uint8_t v = 0;
	machine_pio(&m, 0, PC_RESET_PORT, &v, 1, false);
	return v;
}

START_TEST(reset_control)
{
	struct stop_info s;
	rcr_write(0x02);   /* SYS_RST alone: no reset */
	ck_assert(!machine_take_exit(&m, 0, &s));
	ck_assert_uint_eq(rcr_read(), 0x02);
	rcr_write(PC_RESET_VALUE);
	ck_assert(machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.reason, STOP_RESET);
	ck_assert_ptr_nonnull(strstr(s.msg, "0xcf9"));
	rcr_write(0x0e);
	ck_assert(machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.reason, STOP_RESET);
	m.no_reboot = true;
	rcr_write(PC_RESET_VALUE);
	ck_assert(machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.reason, STOP_EXIT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acpipm");
	TCase *tc = tcase_create("acpipm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timer_rate_fake_clock);
	tcase_add_test(tc, timer_rate_real_clock);
	tcase_add_test(tc, tmr_sts_and_sci);
	tcase_add_test(tc, pm1_cnt_sleep);
	tcase_add_test(tc, reset_control);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
