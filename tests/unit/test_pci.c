/* Unit tests for monitor/pci: configuration mechanism #1 through a machine
 * whose only device is the PCI bus (so the reset and unsupported requests
 * are the machine's). Covered: CONFIG_ADDRESS (enable bit, reserved bits,
 * part-dword accesses), reads of the host bridge, ISA bridge and IDE
 * function, absent functions reading all ones, byte and word offsets in
 * CONFIG_DATA, read-only fields, write-one-to-clear status bits, BAR sizing
 * on a test function with its hooks, the reset control register at 0xCF9,
 * mechanism #2 stopping, the ELCR, reset and info pci's text. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/pci.h"

static const struct machine_devtype only_pci[] = {
	{ "pci", pci_dev_init, pci_dev_reset, pci_dev_destroy },
};

static struct machine m;
static struct pci *bus;

static void setup(void)
{
	char err[256];
	struct machine_config cfg = { .ram_size = 2ull << 20, .devices = only_pci, .ndevices = 1 };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	bus = machine_device(&m, "pci");
	ck_assert_ptr_nonnull(bus);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static void out(uint16_t port, uint32_t v, unsigned size)
{
	machine_pio(&m, 0x1000, port, &v, size, true);
}

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0;
	machine_pio(&m, 0x1000, port, &v, size, false);
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static uint32_t addr(unsigned b, unsigned d, unsigned f, unsigned reg)
{
	return 0x80000000u | b << 16 | d << 11 | f << 8 | (reg & 0xFC);
}

static uint32_t cfg_read(unsigned d, unsigned f, unsigned reg, unsigned size)
{
	out(0xCF8, addr(0, d, f, reg), 4);
	return in((uint16_t)(0xCFC + (reg & 3)), size);
}

static void cfg_write(unsigned d, unsigned f, unsigned reg, uint32_t v, unsigned size)
{
	out(0xCF8, addr(0, d, f, reg), 4);
	out((uint16_t)(0xCFC + (reg & 3)), v, size);
}

START_TEST(config_address_register)
{
	out(0xCF8, 0x80000000u, 4);
	ck_assert_uint_eq(in(0xCF8, 4), 0x80000000u);   /* Linux's type 1 probe */
	out(0xCF8, 0xFFFFFFFFu, 4);
	ck_assert_uint_eq(in(0xCF8, 4), 0x80FFFFFCu);   /* reserved bits read 0 */
	out(0xCFB, 0x01, 1);                            /* the probe's byte write: ignored */
	ck_assert_uint_eq(in(0xCF8, 4), 0x80FFFFFCu);
	ck_assert_uint_eq(in(0xCFA, 1), 0xFF);
	ck_assert(!atomic_load(&m.exit_pending));
	/* Without the enable bit there is no configuration cycle. */
	out(0xCF8, 0x00000000u, 4);
	ck_assert_uint_eq(in(0xCFC, 4), 0xFFFFFFFFu);
}
END_TEST

START_TEST(pc_functions)
{
	ck_assert_uint_eq(cfg_read(0, 0, 0x00, 4), 0x12378086u);
	ck_assert_uint_eq(cfg_read(0, 0, 0x08, 4) >> 8, 0x060000u);
	ck_assert_uint_eq(cfg_read(0, 0, 0x0E, 1), 0x00);
	ck_assert_uint_eq(cfg_read(1, 0, 0x00, 4), 0x70008086u);
	ck_assert_uint_eq(cfg_read(1, 0, 0x08, 4) >> 8, 0x060100u);
	ck_assert_uint_eq(cfg_read(1, 0, 0x0E, 1), 0x80);   /* multi-function */
	ck_assert_uint_eq(cfg_read(1, 0, 0x60, 4), 0x80808080u);
	ck_assert_uint_eq(cfg_read(1, 1, 0x00, 4), 0x70108086u);
	ck_assert_uint_eq(cfg_read(1, 1, 0x08, 4) >> 8, 0x010180u);
	ck_assert_uint_eq(cfg_read(1, 1, 0x41, 1) & 0x80, 0x80);   /* channels decode */
	ck_assert_uint_eq(cfg_read(1, 1, 0x20, 4), 0);            /* no BMIBA */
}
END_TEST

START_TEST(absent_functions_read_all_ones)
{
	ck_assert_uint_eq(cfg_read(2, 0, 0x00, 4), 0xFFFFFFFFu);
	ck_assert_uint_eq(cfg_read(0, 1, 0x00, 4), 0xFFFFFFFFu);
	ck_assert_uint_eq(cfg_read(1, 2, 0x00, 2), 0xFFFF);
	ck_assert_uint_eq(cfg_read(31, 7, 0xFC, 1), 0xFF);
	out(0xCF8, addr(5, 0, 0, 0), 4);
	ck_assert_uint_eq(in(0xCFC, 4), 0xFFFFFFFFu);
	cfg_write(2, 0, 0x04, 0x7, 2);   /* dropped, no stop */
	ck_assert(!atomic_load(&m.exit_pending));
	ck_assert_uint_ge(bus->absent_reads, 5);
}
END_TEST

START_TEST(byte_and_word_offsets)
{
	ck_assert_uint_eq(cfg_read(0, 0, 0x00, 1), 0x86);
	ck_assert_uint_eq(cfg_read(0, 0, 0x01, 1), 0x80);
	ck_assert_uint_eq(cfg_read(0, 0, 0x02, 2), 0x1237);
	ck_assert_uint_eq(cfg_read(0, 0, 0x03, 1), 0x12);
	ck_assert_uint_eq(cfg_read(0, 0, 0x0B, 1), 0x06);
	/* Read-only fields: the IDs and class do not change. */
	cfg_write(0, 0, 0x00, 0xDEADBEEF, 4);
	cfg_write(0, 0, 0x09, 0xAA, 1);
	ck_assert_uint_eq(cfg_read(0, 0, 0x00, 4), 0x12378086u);
	ck_assert_uint_eq(cfg_read(0, 0, 0x08, 4) >> 8, 0x060000u);
	/* Writable: interrupt line, a PAM register by byte and by word. */
	cfg_write(1, 0, 0x3C, 0x0B, 1);
	ck_assert_uint_eq(cfg_read(1, 0, 0x3C, 1), 0x0B);
	cfg_write(0, 0, 0x5A, 0x3311, 2);
	ck_assert_uint_eq(cfg_read(0, 0, 0x58, 4) >> 16, 0x3311);
	ck_assert_uint_eq(cfg_read(0, 0, 0x5B, 1), 0x33);
}
END_TEST

/* A test device: a memory BAR of 4 KiB, an I/O BAR of 32 bytes, a live
 * register its read hook refreshes and a write hook that sees the change. */
struct testdev {
	unsigned reads, writes;
	unsigned last_off;
	uint32_t last_old;
};

static void td_read(void *ctx, struct pci_function *f, unsigned off, unsigned size)
{
	struct testdev *t = ctx;
	(void)size;
	t->reads++;
	if (off >= 0x40)
		f->cfg[0x40] = (uint8_t)t->reads;
}

static void td_write(void *ctx, struct pci_function *f, unsigned off, unsigned size, uint32_t old)
{
	struct testdev *t = ctx;
	(void)f;
	(void)size;
	t->writes++;
	t->last_off = off;
	t->last_old = old;
}

static const struct pci_function_ops td_ops = { "test device", td_read, td_write };

START_TEST(bar_sizing_and_hooks)
{
	struct testdev t = { 0 };
	struct pci_function *f = pci_add_function(bus, 0, 3, 0, &td_ops, &t);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(pci_add_function(bus, 0, 3, 0, &td_ops, &t));   /* taken */
	pci_set_ids(f, 0x1234, 0x5678, 0x020000, 1, PCI_HEADER_NORMAL);
	pci_set_bar(f, 0, PCI_BAR_MEM32 | PCI_BAR_PREFETCH, 0x1000);
	pci_set_bar(f, 1, PCI_BAR_IO, 0x20);
	ck_assert_uint_eq(cfg_read(3, 0, 0x00, 4), 0x56781234u);
	ck_assert_uint_eq(cfg_read(3, 0, 0x10, 4), 0x8);
	cfg_write(3, 0, 0x10, 0xFFFFFFFFu, 4);
	ck_assert_uint_eq(cfg_read(3, 0, 0x10, 4), 0xFFFFF008u);   /* size 4 KiB, prefetchable */
	cfg_write(3, 0, 0x14, 0xFFFFFFFFu, 4);
	ck_assert_uint_eq(cfg_read(3, 0, 0x14, 4), 0xFFFFFFE1u);   /* 32 bytes of I/O */
	cfg_write(3, 0, 0x10, 0xFEB01234u, 4);
	ck_assert_uint_eq(cfg_read(3, 0, 0x10, 4), 0xFEB01008u);   /* aligned to its size */
	ck_assert_uint_eq(t.last_off, 0x10);
	ck_assert_uint_eq(t.last_old, 0xFFFFF008u);
	cfg_write(3, 0, 0x18, 0xFFFFFFFFu, 4);
	ck_assert_uint_eq(cfg_read(3, 0, 0x18, 4), 0);              /* no BAR 2 */
	unsigned r = t.reads;
	ck_assert_uint_eq(cfg_read(3, 0, 0x40, 1), (uint8_t)(r + 1));
	/* Status: error bits are write-one-to-clear. */
	f->cfg[PCI_STATUS + 1] = 0xF2;
	cfg_write(3, 0, 0x06, 0x2000, 2);
	ck_assert_uint_eq(cfg_read(3, 0, 0x07, 1), 0xD2);
	/* Command: only the defined bits. */
	cfg_write(3, 0, 0x04, 0xFFFF, 2);
	ck_assert_uint_eq(cfg_read(3, 0, 0x04, 2), 0x0547);
}
END_TEST

START_TEST(reset_control_register)
{
	struct stop_info s;
	ck_assert_uint_eq(in(0xCF9, 1), 0x00);
	out(0xCF9, 0x02, 1);   /* SYS_RST alone: no reset yet */
	ck_assert(!atomic_load(&m.exit_pending));
	ck_assert_uint_eq(in(0xCF9, 1), 0x02);
	out(0xCF8, 0x80000000u, 4);
	ck_assert_uint_eq(in(0xCF8, 4), 0x80000000u);   /* the dword is still CONFIG_ADDRESS */
	out(0xCF9, 0x06, 1);
	ck_assert(machine_take_exit(&m, 0x1234, &s));
	ck_assert_int_eq(s.reason, STOP_RESET);
	ck_assert_ptr_nonnull(strstr(s.msg, "reset control register 0xcf9"));
	out(0xCF9, 0x0E, 1);
	ck_assert(machine_take_exit(&m, 0x1234, &s));
	ck_assert_int_eq(s.reason, STOP_RESET);
}
END_TEST

START_TEST(mechanism_2_stops)
{
	struct stop_info s;
	out(0xCF8, 0x00, 1);
	ck_assert(machine_take_exit(&m, 0x2000, &s));
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_int_eq(s.status, 4);
	ck_assert_str_eq(s.msg, "unsupported: PCI configuration mechanism #2 (byte write 0x00 to port 0xcf8) at EIP 0x00002000");
}
END_TEST

START_TEST(elcr_and_reset)
{
	out(0x4D0, 0xFF, 1);
	out(0x4D1, 0xFF, 1);
	ck_assert_uint_eq(in(0x4D0, 1), 0xF8);   /* IRQ 0-2 are edge only */
	ck_assert_uint_eq(in(0x4D1, 1), 0xDE);   /* IRQ 8 and 13 too */
	cfg_write(1, 0, 0x60, 0x0B, 1);
	out(0xCF8, 0x80000800u, 4);
	machine_reset(&m);
	ck_assert_uint_eq(in(0xCF8, 4), 0);
	ck_assert_uint_eq(in(0x4D0, 2), 0);
	ck_assert_uint_eq(cfg_read(1, 0, 0x60, 1), 0x80);
	ck_assert_uint_eq(cfg_read(0, 0, 0x00, 4), 0x12378086u);
}
END_TEST

START_TEST(describe_text)
{
	char buf[2048];
	pci_describe(bus, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "00:00.0 8086:1237 class 060000"));
	ck_assert_ptr_nonnull(strstr(buf, "00:01.0 8086:7000 class 060100"));
	ck_assert_ptr_nonnull(strstr(buf, "00:01.1 8086:7010 class 010180"));
}
END_TEST

static Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("pci");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, config_address_register);
	tcase_add_test(tc, pc_functions);
	tcase_add_test(tc, absent_functions_read_all_ones);
	tcase_add_test(tc, byte_and_word_offsets);
	tcase_add_test(tc, bar_sizing_and_hooks);
	tcase_add_test(tc, reset_control_register);
	tcase_add_test(tc, mechanism_2_stops);
	tcase_add_test(tc, elcr_and_reset);
	tcase_add_test(tc, describe_text);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pci_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
