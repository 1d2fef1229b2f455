/* Unit tests for monitor/fwcfg: the selector and data ports through the
 * machine's port bus, each standard item's bytes, rewinding on a selector
 * write, zeros past an item's end and for unknown selectors, ignored data
 * writes, and the command line machine_load gives it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/fwcfg.h"
#include "monitor/machine.h"

static struct machine m;
static char err[256];

static void setup(void)
{
	struct machine_config cfg = { .ram_size = 48ull << 20 };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static void select_item(uint16_t key)
{
	machine_pio(&m, 0, 0x510, &key, 2, true);
}

static uint8_t data(void)
{
	uint8_t b;
	machine_pio(&m, 0, 0x511, &b, 1, false);
	return b;
}

static uint64_t read_le(uint16_t key, unsigned n)
{
	select_item(key);
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)data() << (8 * i);
	return v;
}

START_TEST(standard_items)
{
	select_item(FW_CFG_SIGNATURE);
	char sig[5] = { 0 };
	for (int i = 0; i < 4; i++)
		sig[i] = (char)data();
	ck_assert_str_eq(sig, "QEMU");
	ck_assert_uint_eq(data(), 0);   /* past the end */
	ck_assert_uint_eq(read_le(FW_CFG_ID, 4), 1);
	ck_assert_uint_eq(read_le(FW_CFG_RAM_SIZE, 8), 48ull << 20);
	ck_assert_uint_eq(read_le(FW_CFG_NB_CPUS, 2), 1);
	ck_assert_uint_eq(read_le(FW_CFG_MAX_CPUS, 2), 1);
	ck_assert_uint_eq(read_le(FW_CFG_CMDLINE_SIZE, 4), 1);
	ck_assert_uint_eq(read_le(FW_CFG_FILE_DIR, 4), 0);
	ck_assert_uint_eq(read_le(0x1234, 4), 0);     /* unknown */
	ck_assert_uint_eq(read_le(0x8003, 4), 0);
	/* A selector write rewinds; a data write is ignored. */
	select_item(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(data(), 'Q');
	uint8_t w = 'X';
	machine_pio(&m, 0, 0x511, &w, 1, true);
	ck_assert_uint_eq(data(), 'E');
	select_item(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(data(), 'Q');
	/* A byte read at the selector port reads data, as QEMU's combined port. */
	uint8_t b;
	machine_pio(&m, 0, 0x510, &b, 1, false);
	ck_assert_uint_eq(b, 'E');
}
END_TEST

START_TEST(cmdline_items)
{
	struct fwcfg *f = machine_device(&m, "fw_cfg");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwcfg_set_cmdline(f, "kernel.elf console=ttyS0"), 0);
	ck_assert_uint_eq(read_le(FW_CFG_CMDLINE_SIZE, 4), 25);
	select_item(FW_CFG_CMDLINE_DATA);
	char text[32];
	for (int i = 0; i < 25; i++)
		text[i] = (char)data();
	ck_assert_str_eq(text, "kernel.elf console=ttyS0");
	/* A reset deselects but keeps the items. */
	machine_reset(&m);
	ck_assert_uint_eq(read_le(FW_CFG_CMDLINE_SIZE, 4), 25);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fwcfg");
	TCase *tc = tcase_create("fwcfg");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, standard_items);
	tcase_add_test(tc, cmdline_items);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
