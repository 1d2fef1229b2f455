/* Unit tests for monitor/machine, the assembled virtual machine: init/destroy
 * with the default and a given RAM size, a bad RAM size, machine_load of an
 * elfgen image (the guest command line "PATH ARGS", the boot state) and of bad
 * files, machine_pio reaching COM1's console callback, an unclaimed port
 * logging an io event and reading all ones, the debug-exit port leaving a
 * pending exit that machine_take_exit reports exactly once, and MMIO to the
 * VGA window landing in the vgamem buffer. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/machine.h"
#include "tests/unit/elfgen.h"

/* cli; hlt (fa f4) */
static const uint8_t code[] = { 0xfa, 0xf4 };

static struct machine m;
static uint8_t console[256];
static size_t console_len;
static char err[512];

static void console_out(void *opaque, uint8_t b)
{
	ck_assert_ptr_eq(opaque, console);
	if (console_len < sizeof console)
		console[console_len++] = b;
}

static void setup(void)
{
	console_len = 0;
	struct machine_config cfg = { .ram_size = 0, .console_out = console_out, .console_opaque = console };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static uint64_t count_io_events(void)
{
	return evlog_count(&m.events, EV_IO);
}

/* Write an image to a temp file; returns its path in path. */
static void write_image(const struct eg_spec *s, char *path, size_t pathlen)
{
	size_t len;
	uint8_t *img = eg_build(s, &len);
	ck_assert_int_eq(eg_write_temp(img, len, path, pathlen), 0);
	free(img);
}

START_TEST(init_default_ram)
{
	ck_assert_uint_eq(m.mem.size, MACHINE_DEFAULT_RAM);
	ck_assert_uint_eq(m.mem.size, 64ull << 20);
	ck_assert_ptr_nonnull(m.vga);
	ck_assert(!m.loaded);
	ck_assert(!atomic_load(&m.exit_pending));
	ck_assert_uint_eq(evlog_total(&m.events), 0);
	ck_assert_ptr_nonnull(iobus_find(&m.pio, UART_COM1_BASE));
	ck_assert_ptr_nonnull(iobus_find(&m.pio, DBGEXIT_PORT + DBGEXIT_SIZE - 1));
	ck_assert_ptr_nonnull(iobus_find(&m.mmio, VGAMEM_CGA_TEXT));
	ck_assert_ptr_null(iobus_find(&m.mmio, 0x100000));
}
END_TEST

START_TEST(init_sizes)
{
	struct machine m2;
	struct machine_config cfg = { .ram_size = 128ull << 20 };
	ck_assert_msg(machine_init(&m2, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(m2.mem.size, 128ull << 20);
	machine_destroy(&m2);

	cfg.ram_size = 1ull << 20;                 /* below the minimum */
	ck_assert_int_eq(machine_init(&m2, &cfg, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "RAM"), "%s", err);
	cfg.ram_size = (64ull << 20) + 1;          /* not a 4 KiB multiple */
	ck_assert_int_eq(machine_init(&m2, &cfg, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "4 KiB"), "%s", err);
}
END_TEST

START_TEST(init_destroy_repeatedly)
{
	/* no fd or mapping leaks that would make this fail */
	for (int i = 0; i < 200; i++) {
		struct machine m2;
		struct machine_config cfg = { .ram_size = 2ull << 20 };
		ck_assert_msg(machine_init(&m2, &cfg, err, sizeof err) == 0, "round %d: %s", i, err);
		machine_destroy(&m2);
	}
}
END_TEST

START_TEST(load_builds_cmdline)
{
	struct eg_spec s;
	char path[256];
	eg_simple(&s, code, sizeof code);
	write_image(&s, path, sizeof path);

	ck_assert_msg(machine_load(&m, path, "verbose n=3", err, sizeof err) == 0, "%s", err);
	ck_assert(m.loaded);
	char want[300];
	snprintf(want, sizeof want, "%s verbose n=3", path);
	ck_assert_str_eq((const char *)m.mem.phys + MB_CMDLINE_ADDR, want);
	ck_assert_uint_eq(m.boot.entry, 0x100000);
	ck_assert_uint_eq(m.boot_state.eip, 0x100000);
	ck_assert_uint_eq(m.boot_state.gpr[R_EAX], MB_BOOT_MAGIC);
	ck_assert_uint_eq(m.boot_state.gpr[R_EBX], MB_INFO_ADDR);
	ck_assert_mem_eq(m.mem.phys + 0x100000, code, sizeof code);

	/* no arguments: just the path, no trailing space */
	ck_assert_int_eq(machine_load(&m, path, "", err, sizeof err), 0);
	ck_assert_str_eq((const char *)m.mem.phys + MB_CMDLINE_ADDR, path);
	ck_assert_int_eq(machine_load(&m, path, NULL, err, sizeof err), 0);
	ck_assert_str_eq((const char *)m.mem.phys + MB_CMDLINE_ADDR, path);
	unlink(path);
}
END_TEST

START_TEST(load_bad_files)
{
	struct eg_spec s;
	char path[256];

	ck_assert_int_eq(machine_load(&m, "/nonexistent/guest.elf", "", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "/nonexistent/guest.elf"), "%s", err);
	ck_assert(!m.loaded);

	eg_simple(&s, code, sizeof code);
	s.corrupt = EG_BAD_CHECKSUM;
	write_image(&s, path, sizeof path);
	ck_assert_int_eq(machine_load(&m, path, "", err, sizeof err), -1);
	ck_assert_msg(strstr(err, path) && strstr(err, "checksum"), "%s", err);
	ck_assert(!m.loaded);
	unlink(path);

	/* arguments too long for the boot area */
	eg_simple(&s, code, sizeof code);
	write_image(&s, path, sizeof path);
	char *args = malloc(MB_CMDLINE_MAX + 1);
	ck_assert_ptr_nonnull(args);
	memset(args, 'a', MB_CMDLINE_MAX);
	args[MB_CMDLINE_MAX] = 0;
	ck_assert_int_eq(machine_load(&m, path, args, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "too long"), "%s", err);
	free(args);
	unlink(path);
}
END_TEST

START_TEST(pio_com1_reaches_console)
{
	const char *msg = "Hi!\n";
	for (const char *p = msg; *p; p++) {
		uint8_t b = (uint8_t)*p;
		machine_pio(&m, 0x100000, UART_COM1_BASE, &b, 1, true);
	}
	ck_assert_uint_eq(console_len, 4);
	ck_assert_mem_eq(console, msg, 4);
	uint8_t lsr = 0;
	machine_pio(&m, 0x100000, UART_COM1_BASE + 5, &lsr, 1, false);
	ck_assert_uint_eq(lsr, 0x60);
	ck_assert_uint_eq(count_io_events(), 0);   /* claimed: no io events */
}
END_TEST

START_TEST(pio_unclaimed)
{
	uint8_t b = 0;
	machine_pio(&m, 0x100123, 0x80, &b, 1, false);
	ck_assert_uint_eq(b, 0xff);
	ck_assert_uint_eq(count_io_events(), 1);
	struct ev e[4];
	ck_assert_uint_eq(evlog_tail(&m.events, e, 4), 1);
	ck_assert_int_eq(e[0].kind, EV_IO);
	ck_assert_uint_eq(e[0].eip, 0x100123);
	ck_assert_msg(strstr(e[0].desc, "0x80"), "%s", e[0].desc);

	uint32_t w = 0;
	machine_pio(&m, 0x100200, 0xcf8, &w, 4, false);     /* PCI config: nobody here */
	ck_assert_uint_eq(w, 0xffffffffu);
	uint16_t h = 0x1234;
	machine_pio(&m, 0x100300, 0x70, &h, 2, true);       /* CMOS index: dropped */
	ck_assert_uint_eq(count_io_events(), 3);
	ck_assert_uint_eq(evlog_tail(&m.events, e, 4), 3);
	ck_assert_msg(strstr(e[2].desc, "0x70") && strstr(e[2].desc, "0x1234"), "%s", e[2].desc);
	ck_assert_uint_eq(console_len, 0);
	ck_assert(!atomic_load(&m.exit_pending));
}
END_TEST

START_TEST(debug_exit_pending_once)
{
	struct stop_info s;
	memset(&s, 0, sizeof s);
	ck_assert(!machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.reason, STOP_NONE);

	uint8_t v = 0x2a;
	machine_pio(&m, 0x100010, DBGEXIT_PORT, &v, 1, true);
	ck_assert(atomic_load(&m.exit_pending));
	ck_assert(machine_take_exit(&m, 0x100012, &s));
	ck_assert_int_eq(s.reason, STOP_EXIT);
	ck_assert_int_eq(s.status, (0x2a << 1) | 1);
	ck_assert_uint_eq(s.eip, 0x100012);
	ck_assert_int_gt(strlen(s.msg), 0);
	ck_assert_ptr_null(strchr(s.msg, '\n'));
	ck_assert_int_eq(stop_exit_status(&s), 0x55);
	ck_assert_uint_eq(evlog_count(&m.events, EV_STOP), 1);

	/* reported once */
	struct stop_info s2;
	memset(&s2, 0, sizeof s2);
	ck_assert(!machine_take_exit(&m, 0x100012, &s2));
	ck_assert_int_eq(s2.reason, STOP_NONE);
	ck_assert_uint_eq(evlog_count(&m.events, EV_STOP), 1);

	/* a 32-bit write of 0 exits with status 1; the last write before a take wins */
	uint32_t w = 7;
	machine_pio(&m, 0, DBGEXIT_PORT, &w, 4, true);
	w = 0;
	machine_pio(&m, 0, DBGEXIT_PORT, &w, 4, true);
	ck_assert(machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.status, 1);
	ck_assert(!machine_take_exit(&m, 0, &s));

	/* reading the port does not exit */
	uint8_t r = 0;
	machine_pio(&m, 0, DBGEXIT_PORT, &r, 1, false);
	ck_assert_uint_eq(r, 0xff);
	ck_assert(!machine_take_exit(&m, 0, &s));
	ck_assert_uint_eq(count_io_events(), 0);
}
END_TEST

START_TEST(mmio_vga)
{
	/* 'A' in light grey on black at the top-left cell */
	uint16_t cell = 0x0741;
	machine_mmio(&m, 0x100000, VGAMEM_CGA_TEXT, &cell, 2, true);
	ck_assert_uint_eq(m.vga->bytes[VGAMEM_CGA_TEXT - VGAMEM_BASE], 'A');
	ck_assert_uint_eq(m.vga->bytes[VGAMEM_CGA_TEXT - VGAMEM_BASE + 1], 0x07);
	ck_assert_uint_eq(m.vga->writes, 1);
	uint32_t w = 0xdeadbeef;
	machine_mmio(&m, 0x100000, VGAMEM_BASE + VGAMEM_SIZE - 4, &w, 4, true);   /* last word */
	ck_assert_mem_eq(m.vga->bytes + VGAMEM_SIZE - 4, &w, 4);
	uint16_t back = 0;
	machine_mmio(&m, 0x100000, VGAMEM_CGA_TEXT, &back, 2, false);
	ck_assert_uint_eq(back, 0x0741);
	/* the RAM behind the window is not written */
	ck_assert_uint_eq(m.mem.phys[VGAMEM_CGA_TEXT], 0);
	ck_assert_uint_eq(count_io_events(), 0);

	/* an access straddling the window's end must not run past the buffer
	 * (ASan watches m.vga, which is allocated at its exact size) */
	uint32_t straddle = 0x11223344;
	machine_mmio(&m, 0x100000, VGAMEM_BASE + VGAMEM_SIZE - 2, &straddle, 4, true);
	machine_mmio(&m, 0x100000, VGAMEM_BASE + VGAMEM_SIZE - 2, &straddle, 4, false);
	uint64_t q = 0;
	machine_mmio(&m, 0x100000, VGAMEM_BASE + VGAMEM_SIZE - 1, &q, 8, false);

	/* MMIO outside every device: an io event, reads all ones */
	uint32_t r = 0;
	machine_mmio(&m, 0x100000, 0xfee00000u, &r, 4, false);
	ck_assert_uint_eq(r, 0xffffffffu);
	ck_assert_uint_eq(count_io_events(), 1);
}
END_TEST

static Suite *machine_suite(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("machine");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, init_default_ram);
	tcase_add_test(tc, init_sizes);
	tcase_add_test(tc, init_destroy_repeatedly);
	tcase_add_test(tc, load_builds_cmdline);
	tcase_add_test(tc, load_bad_files);
	tcase_add_test(tc, pio_com1_reaches_console);
	tcase_add_test(tc, pio_unclaimed);
	tcase_add_test(tc, debug_exit_pending_once);
	tcase_add_test(tc, mmio_vga);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(machine_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
