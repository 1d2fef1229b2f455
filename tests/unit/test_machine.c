/* Unit tests for monitor/machine, the assembled virtual machine: init/destroy
 * with the default and a given RAM size, a bad RAM size, machine_load of an
 * elfgen image (the guest command line "PATH ARGS", the boot state) and of bad
 * files, machine_pio reaching COM1's console callback, an unclaimed port
 * logging an io event and reading all ones, the debug-exit port leaving a
 * pending exit that machine_take_exit reports exactly once, MMIO to the
 * VGA window landing in the vgamem buffer; the device table (every row's
 * ranges on the buses and in its record, lookups by name, overlapping
 * ranges and shared IRQ lines refused, a failing init undone, hooks walked
 * in order and destroy backwards) and machine_reset returning the devices
 * to their power-on state. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/imcr.h"
#include "monitor/machine.h"
#include "monitor/pc_absent.h"
#include "monitor/postcode.h"
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
	machine_pio(&m, 0x100123, 0xe0, &b, 1, false);      /* nothing at all: open bus */
	ck_assert_uint_eq(b, 0xff);
	ck_assert_uint_eq(count_io_events(), 1);
	struct ev e[4];
	ck_assert_uint_eq(evlog_tail(&m.events, e, 4), 1);
	ck_assert_int_eq(e[0].kind, EV_IO);
	ck_assert_uint_eq(e[0].eip, 0x100123);
	ck_assert_msg(strstr(e[0].desc, "0xe0"), "%s", e[0].desc);

	uint32_t w = 0;
	machine_pio(&m, 0x100200, 0x378, &w, 4, false);     /* LPT1: a PC without one */
	ck_assert_uint_eq(w, 0xffffffffu);
	uint16_t h = 0x1234;
	machine_pio(&m, 0x100300, 0x2e, &h, 2, true);       /* a Super I/O index: dropped */
	ck_assert_uint_eq(count_io_events(), 3);
	ck_assert_uint_eq(evlog_tail(&m.events, e, 4), 3);
	ck_assert_msg(strstr(e[1].desc, "0x378") && strstr(e[1].desc, "(parallel port LPT1: absent)"), "%s",
		      e[1].desc);
	ck_assert_msg(strstr(e[2].desc, "0x2e") && strstr(e[2].desc, "0x1234"), "%s", e[2].desc);
	ck_assert_uint_eq(console_len, 0);
	ck_assert(!atomic_load(&m.exit_pending));
}
END_TEST

/* A PC device bt86 does not model stops the run, naming the port or address
 * and the EIP, with status 4. */
START_TEST(pio_unsupported_stops)
{
	struct stop_info s;
	uint8_t b = 0;
	machine_pio(&m, 0x100400, 0x1ce, &b, 1, false);
	ck_assert_uint_eq(b, 0xff);
	ck_assert(machine_take_exit(&m, 0x100400, &s));
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_int_eq(s.status, 4);
	ck_assert_str_eq(s.msg, "unsupported: read of port 0x1ce (Bochs VBE display interface, not modelled) at EIP "
				"0x00100400");
	/* The 8237 is modelled but moves no data: unmasking channel 0 is
	 * fine, a software request on it stops. */
	b = 0x00;
	machine_pio(&m, 0x100408, 0x0a, &b, 1, true);
	ck_assert(!machine_take_exit(&m, 0x100408, &s));
	b = 0x04;
	machine_pio(&m, 0x100410, 0x09, &b, 1, true);
	ck_assert(machine_take_exit(&m, 0x100410, &s));
	ck_assert_str_eq(s.msg, "unsupported: DMA software request on channel 0 (8237 transfers are not modelled) at "
				"EIP 0x00100410");
	uint32_t v = 0;
	machine_mmio(&m, 0x100420, 0xfed000f0u, &v, 4, false);
	ck_assert(machine_take_exit(&m, 0x100420, &s));
	ck_assert_int_eq(s.status, 4);
	ck_assert_str_eq(s.msg, "unsupported: read of address 0xfed000f0 (HPET, not modelled) at EIP 0x00100420");
	ck_assert_uint_eq(count_io_events(), 0);
}
END_TEST

/* The quiet ones: port 0x80 keeps the POST code, the FPU ports take writes,
 * the IMCR keeps its value. */
START_TEST(pio_post_fpu_imcr)
{
	uint8_t b = 0x42;
	machine_pio(&m, 0x100500, 0x80, &b, 1, true);
	struct postcode *pc = machine_device(&m, "post");
	ck_assert_ptr_nonnull(pc);
	ck_assert_uint_eq(atomic_load(&pc->last), 0x42);
	b = 0;
	machine_pio(&m, 0x100500, 0xf0, &b, 1, true);
	ck_assert_uint_eq(count_io_events(), 0);
	ck_assert(!atomic_load(&m.exit_pending));
	machine_pio(&m, 0x100500, 0xf0, &b, 1, false);   /* write-only: a read is an event */
	ck_assert_uint_eq(b, 0xff);
	ck_assert_uint_eq(count_io_events(), 1);
	b = IMCR_SELECT;
	machine_pio(&m, 0x100500, 0x22, &b, 1, true);
	b = 0x01;
	machine_pio(&m, 0x100500, 0x23, &b, 1, true);
	b = 0;
	machine_pio(&m, 0x100500, 0x23, &b, 1, false);
	ck_assert_uint_eq(b, 0x01);
	b = 0xC3;   /* a Cyrix configuration index: nothing */
	machine_pio(&m, 0x100500, 0x22, &b, 1, true);
	machine_pio(&m, 0x100500, 0x23, &b, 1, false);
	ck_assert_uint_eq(b, 0xff);
	ck_assert(!atomic_load(&m.exit_pending));
}
END_TEST

/* The table lists none of the ranges the PC's devices claim. */
START_TEST(absent_table_avoids_devices)
{
	size_t n;
	const struct pc_absent *t = pc_absent_table(&n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_gt(t[i].len, 0);
		for (uint64_t a = t[i].base; a < t[i].base + t[i].len && t[i].bus == MACHINE_BUS_PIO; a++)
			ck_assert_msg(!iobus_find(&m.pio, a), "port 0x%llx of %s is claimed", (unsigned long long)a,
				      t[i].name);
		if (t[i].bus == MACHINE_BUS_MMIO)
			ck_assert(!iobus_find(&m.mmio, t[i].base));
	}
	ck_assert_ptr_null(pc_absent_find(MACHINE_BUS_PIO, 0x3f6, 1));   /* IDE's */
	ck_assert_ptr_null(pc_absent_find(MACHINE_BUS_PIO, 0x92, 1));    /* port A's */
	ck_assert_str_eq(pc_absent_find(MACHINE_BUS_PIO, 0x3f7, 1)->name, "floppy controller");
	ck_assert_str_eq(pc_absent_policy_name(pc_absent_find(MACHINE_BUS_PIO, 0x3b0, 1)->policy), "absent");
	ck_assert_str_eq(pc_absent_policy_name(pc_absent_find(MACHINE_BUS_PIO, 0x3f2, 1)->policy), "absent");
	ck_assert_ptr_null(pc_absent_find(MACHINE_BUS_PIO, 0x87, 1));    /* the DMA page registers' */
}
END_TEST

/* A rise of an ISA line is an irq event only while a catch irq waits, and
 * the catch fires on it. */
START_TEST(irq_rise_catch)
{
	machine_set_irq(&m, 8, 1);
	machine_set_irq(&m, 8, 0);
	ck_assert_uint_eq(evlog_count(&m.events, EV_IRQ), 0);
	ck_assert_int_gt(dbg_catch_add(&m.debug, EV_IRQ, "irq 8 raised", false), 0);
	machine_sync_catches(&m);
	machine_set_irq(&m, 1, 1);       /* another line: logged, not caught */
	ck_assert_uint_eq(evlog_count(&m.events, EV_IRQ), 1);
	char msg[160];
	ck_assert(!machine_take_catch(&m, msg, sizeof msg));
	machine_set_irq(&m, 8, 1);
	machine_set_irq(&m, 8, 1);       /* no rise: no event */
	ck_assert_uint_eq(evlog_count(&m.events, EV_IRQ), 2);
	ck_assert(machine_take_catch(&m, msg, sizeof msg));
	ck_assert_str_eq(msg, "caught irq: irq 8 raised (rtc)");
}
END_TEST

/* The RTC's glue logs the guest setting the time, at the EIP of the access. */
START_TEST(rtc_time_set_event)
{
	static const uint8_t seq[][2] = {
		{ 0x0B, 0x82 }, { 0x32, 0x20 }, { 0x09, 0x00 }, { 0x08, 0x02 }, { 0x07, 0x28 },
		{ 0x04, 0x23 }, { 0x02, 0x59 }, { 0x00, 0x58 }, { 0x0B, 0x02 },
	};
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		uint8_t ix = seq[i][0], v = seq[i][1];
		machine_pio(&m, 0x100600, 0x70, &ix, 1, true);
		machine_pio(&m, 0x100604, 0x71, &v, 1, true);
	}
	struct ev e[2];
	ck_assert_uint_eq(evlog_tail(&m.events, e, 2), 2);
	ck_assert_msg(strstr(e[0].desc, "rtc: the guest set the time to 2000-02-28 23:59:5"), "%s", e[0].desc);
	ck_assert_uint_eq(e[0].eip, 0x100604);
	ck_assert_str_eq(e[1].desc, "rtc: register A 0x26, B 0x02");
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
	machine_mmio(&m, 0x100000, 0xfe000000u, &r, 4, false);
	ck_assert_uint_eq(r, 0xffffffffu);
	ck_assert_uint_eq(count_io_events(), 1);
}
END_TEST

/* Every row of the PC table became a device, in order, with its ranges on
 * the buses exactly as its record lists them. */
START_TEST(devices_table_registered)
{
	size_t n;
	const struct machine_devtype *t = machine_devtable(&n);
	ck_assert_uint_eq(m.ndev, n);
	int regions = 0;
	for (size_t i = 0; i < n; i++) {
		struct machine_dev *d = machine_dev_find(&m, t[i].name);
		ck_assert_ptr_eq(d, &m.dev[i]);
		ck_assert_ptr_eq(d->type, &t[i]);
		ck_assert_ptr_eq(d->m, &m);
		ck_assert_ptr_nonnull(d->state);
		if (strcmp(t[i].name, "firmware") != 0)   /* it only writes RAM */
			ck_assert_uint_gt(d->nranges, 0);
		for (unsigned k = 0; k < d->nranges; k++) {
			const struct machine_devrange *r = &d->range[k];
			const struct iobus *bus = r->bus == MACHINE_BUS_PIO ? &m.pio : &m.mmio;
			const struct io_region *lo = iobus_find(bus, r->base), *hi = iobus_find(bus, r->base + r->len - 1);
			ck_assert_ptr_nonnull(lo);
			ck_assert_ptr_eq(lo, hi);
			ck_assert_uint_eq(lo->base, r->base);
			ck_assert_uint_eq(lo->len, r->len);
			ck_assert_str_eq(lo->name, r->label);
			regions++;
		}
	}
	ck_assert_int_eq(m.pio.n + m.mmio.n, regions);   /* nothing registered behind the table's back */

	/* The PC's map, claim by claim. */
	struct machine_dev *d = machine_dev_find(&m, "pic");
	ck_assert_uint_eq(d->nranges, 2);
	ck_assert_uint_eq(d->range[0].base, 0x20);
	ck_assert_uint_eq(d->range[1].base, 0xa0);
	ck_assert_uint_eq(d->nirqs, 1);
	ck_assert_int_eq(d->irq[0].line, 2);
	d = machine_dev_find(&m, "pit");
	ck_assert_uint_eq(d->range[0].base, 0x40);
	ck_assert_uint_eq(d->range[0].len, 4);
	ck_assert_uint_eq(d->range[1].base, 0x61);
	ck_assert_int_eq(d->irq[0].line, 0);
	d = machine_dev_find(&m, "com1");
	ck_assert_uint_eq(d->range[0].base, 0x3f8);
	ck_assert_uint_eq(d->range[0].len, 8);
	ck_assert_int_eq(d->irq[0].line, 4);
	d = machine_dev_find(&m, "vga");
	ck_assert_int_eq(d->range[0].bus, MACHINE_BUS_MMIO);
	ck_assert_uint_eq(d->range[0].base, 0xa0000);
	ck_assert_uint_eq(d->range[0].len, 0x20000);

	/* Front ends and engines still reach the states by field or by name. */
	ck_assert_ptr_eq(machine_device(&m, "com1"), &m.com1);
	ck_assert_ptr_eq(machine_device(&m, "pic"), &m.pic);
	ck_assert_ptr_eq(machine_device(&m, "pit"), &m.pit);
	ck_assert_ptr_eq(machine_device(&m, "debug-exit"), &m.dexit);
	ck_assert_ptr_eq(machine_device(&m, "vga"), m.vga);
	ck_assert_ptr_null(machine_device(&m, "ide0"));
	ck_assert_ptr_null(machine_dev_find(&m, ""));
}
END_TEST

static void dummy_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	(void)opaque, (void)off, (void)is_write;
	memset(data, 0x5a, size);
}

START_TEST(devices_overlaps_rejected)
{
	struct machine_dev *d = machine_dev_find(&m, "vga");
	int pio = m.pio.n, mmio = m.mmio.n;
	ck_assert_int_eq(machine_dev_pio(d, 0x3fc, 2, NULL, dummy_io, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "overlaps 0x3f8-0x3ff of com1"), "%s", err);
	ck_assert_int_eq(machine_dev_pio(d, 0x1e, 4, NULL, dummy_io, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "of pic"), "%s", err);
	ck_assert_int_eq(machine_dev_mmio(d, 0xbfff0, 0x20, NULL, dummy_io, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "of vga"), "%s", err);
	ck_assert_int_eq(machine_dev_pio(d, 0x300, 0, NULL, dummy_io, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "empty"), "%s", err);
	ck_assert_int_eq(machine_dev_pio(d, 0xfff0, 0x20, NULL, dummy_io, NULL, err, sizeof err), -1);
	ck_assert_int_eq(machine_dev_irq(d, 4, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "IRQ 4 is already wired to com1"), "%s", err);
	ck_assert_int_eq(machine_dev_irq(d, 16, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "IRQ 16"), "%s", err);
	ck_assert_int_eq(machine_dev_irq(d, -1, NULL, err, sizeof err), -1);
	/* Nothing of that was recorded or registered. */
	ck_assert_uint_eq(d->nranges, 1);
	ck_assert_uint_eq(d->nirqs, 0);
	ck_assert_int_eq(m.pio.n, pio);
	ck_assert_int_eq(m.mmio.n, mmio);

	/* A free range next door is fine, and recorded; until the record is full. */
	ck_assert_int_eq(machine_dev_pio(d, 0x300, 0x20, "vga-extra", dummy_io, NULL, err, sizeof err), 0);
	ck_assert_uint_eq(d->nranges, 2);
	ck_assert_str_eq(iobus_find(&m.pio, 0x31f)->name, "vga-extra");
	ck_assert_int_eq(machine_dev_irq(d, 10, NULL, err, sizeof err), 0);
	ck_assert_str_eq(d->irq[0].label, "vga");
	for (unsigned i = d->nranges; i < MACHINE_DEV_RANGES; i++)
		ck_assert_int_eq(machine_dev_pio(d, (uint16_t)(0x500 + i), 1, NULL, dummy_io, NULL, err, sizeof err), 0);
	ck_assert_int_eq(machine_dev_pio(d, 0x700, 1, NULL, dummy_io, NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "more than"), "%s", err);
}
END_TEST

/* A table of test devices: each hook logs "<event><device>". */
static char hook_log[64];

static void hook_note(char what, const struct machine_dev *d)
{
	size_t n = strlen(hook_log);
	if (n + 2 < sizeof hook_log) {
		hook_log[n] = what;
		hook_log[n + 1] = d->type->name[0];
		hook_log[n + 2] = 0;
	}
}

static int tdev_init(struct machine_dev *d, char *e, size_t elen)
{
	hook_note('i', d);
	d->state = malloc(32);   /* ASan: destroy must free it */
	ck_assert_ptr_nonnull(d->state);
	uint16_t base = d->type->name[0] == 'c' ? 0x304 : (uint16_t)(0x300 + 0x10 * (d->type->name[0] - 'a'));
	if (machine_dev_pio(d, base, 8, NULL, dummy_io, d->state, e, elen) < 0) {
		free(d->state);
		return -1;
	}
	return 0;
}

static void tdev_reset(struct machine_dev *d)
{
	hook_note('r', d);
}

static void tdev_destroy(struct machine_dev *d)
{
	hook_note('d', d);
	free(d->state);
}

START_TEST(devices_hooks_in_order)
{
	static const struct machine_devtype good[] = {
		{ "a", tdev_init, tdev_reset, tdev_destroy },
		{ "b", tdev_init, NULL, tdev_destroy },
	};
	static const struct machine_devtype bad[] = {
		{ "a", tdev_init, tdev_reset, tdev_destroy },
		{ "b", tdev_init, tdev_reset, tdev_destroy },
		{ "c", tdev_init, tdev_reset, tdev_destroy },   /* 0x304: on a's ports */
	};
	struct machine m2;
	struct machine_config cfg = { .ram_size = 2ull << 20, .devices = good, .ndevices = 2 };
	memset(hook_log, 0, sizeof hook_log);
	ck_assert_msg(machine_init(&m2, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(m2.pio.n, 2);
	uint8_t v = 0;
	machine_pio(&m2, 0, 0x317, &v, 1, false);
	ck_assert_uint_eq(v, 0x5a);
	machine_reset(&m2);
	machine_destroy(&m2);
	ck_assert_str_eq(hook_log, "iaibradbda");

	memset(hook_log, 0, sizeof hook_log);
	cfg.devices = bad;
	cfg.ndevices = 3;
	ck_assert_int_eq(machine_init(&m2, &cfg, err, sizeof err), -1);
	ck_assert_str_eq(err, "device c: port range 0x304-0x30b overlaps 0x300-0x307 of a");
	ck_assert_str_eq(hook_log, "iaibicdbda");   /* c undid itself; b and a destroyed, backwards */
}
END_TEST

/* Drive every device away from its power-on state through its ports. */
static void out8(uint16_t port, uint8_t v)
{
	machine_pio(&m, 0x100000, port, &v, 1, true);
}

static uint8_t in8(uint16_t port)
{
	uint8_t v = 0;
	machine_pio(&m, 0x100000, port, &v, 1, false);
	return v;
}

START_TEST(reset_powers_on)
{
	struct machine fresh;
	struct machine_config cfg = { .ram_size = 2ull << 20 };
	ck_assert_msg(machine_init(&fresh, &cfg, err, sizeof err) == 0, "%s", err);

	out8(0x3fb, 0x83);                 /* COM1: DLAB, divisor 1, 8N1 */
	out8(0x3f8, 0x01);
	out8(0x3fb, 0x03);
	out8(0x3fa, 0x01);                 /* FIFOs on */
	out8(0x3ff, 0x5a);                 /* scratch */
	out8(0x21, 0x00);                  /* unmask the master, COM1's IRQ 4 included */
	out8(0x3fc, 0x08);                 /* OUT2 gates the line */
	out8(0x3f9, 0x02);                 /* THR-empty interrupt: the line rises */
	uart_push_input(&m.com1, (const uint8_t *)"xy", 2);
	ck_assert_int_eq(m.com1.irq_level, 1);
	ck_assert(pic_intr(&m.pic));
	out8(0xa0, 0x11);                  /* slave: ICW1-4 with vector base 0x28 */
	out8(0xa1, 0x28);
	out8(0xa1, 0x02);
	out8(0xa1, 0x01);
	out8(0xa1, 0x00);
	out8(0x43, 0x34);                  /* PIT channel 0, LSB then MSB, mode 2 */
	out8(0x40, 0x00);
	out8(0x40, 0x10);
	out8(0x43, 0xb0);                  /* channel 2, mode 0, half-written count */
	out8(0x42, 0x34);
	out8(0x61, 0x03);                  /* gate 2 and speaker on */
	uint16_t cell = 0x0741;
	machine_mmio(&m, 0, VGAMEM_CGA_TEXT, &cell, 2, true);
	out8(DBGEXIT_PORT, 1);
	ck_assert(atomic_load(&m.exit_pending));
	ck_assert_uint_ne(in8(0x21), PIC_RESET_MASTER_IMR);
	ck_assert_int_eq(m.pit.ch[0].state, PIT_RUNNING);

	machine_reset(&m);

	/* UART: the 16550A's reset registers, the buffer empty, the line low. */
	const struct uart *u = &m.com1, *f = &fresh.com1;
	ck_assert_uint_eq(u->ier, 0);
	ck_assert_uint_eq(u->lcr, 0);
	ck_assert_uint_eq(u->mcr, 0);
	ck_assert_uint_eq(u->fcr, 0);
	ck_assert_uint_eq(u->lsr, f->lsr);
	ck_assert_uint_eq(u->msr, f->msr);
	ck_assert_uint_eq(u->scr, f->scr);
	ck_assert_uint_eq(u->dll, f->dll);
	ck_assert_uint_eq(u->dlm, f->dlm);
	ck_assert(!u->thr_irq);
	ck_assert_uint_eq(u->rx_len, 0);
	ck_assert_int_eq(u->irq_level, 0);
	ck_assert_uint_eq(in8(0x3fa), 0x01);   /* IIR: nothing pending, no FIFOs */
	ck_assert_uint_eq(in8(0x3fd), 0x60);   /* LSR: THR and transmitter empty, no data */

	/* PIC: both chips as fresh, masks back, nothing to deliver. */
	ck_assert_mem_eq(m.pic.chip, fresh.pic.chip, sizeof m.pic.chip);
	ck_assert_uint_eq(in8(0x21), PIC_RESET_MASTER_IMR);
	ck_assert_uint_eq(in8(0xa1), PIC_RESET_SLAVE_IMR);
	ck_assert(!pic_intr(&m.pic));
	ck_assert_uint_eq(m.pic.acks, 0);

	/* PIT: no channel counts, port 0x61 clear. */
	ck_assert_mem_eq(m.pit.ch, fresh.pit.ch, sizeof m.pit.ch);
	ck_assert_int_eq(m.pit.ch[0].state, PIT_IDLE);
	ck_assert_uint_eq(m.pit.port61, 0);
	ck_assert(m.pit.irq_out);
	ck_assert_uint_eq(m.pit.edges, 0);
	ck_assert_uint_eq(in8(0x61) & (PIT_P61_GATE2 | PIT_P61_SPKR), 0);

	/* VGA blank, the debug-exit write forgotten. */
	ck_assert_mem_eq(m.vga->bytes, fresh.vga->bytes, VGAMEM_SIZE);
	ck_assert_uint_eq(m.vga->writes, 0);
	ck_assert(!atomic_load(&m.exit_pending));

	/* The wiring survives: COM1 still reaches the console. */
	out8(0x3f8, 'Z');
	ck_assert_uint_eq(console_len, 1);
	ck_assert_uint_eq(console[0], 'Z');
	machine_destroy(&fresh);
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
	tcase_add_test(tc, irq_rise_catch);
	tcase_add_test(tc, rtc_time_set_event);
	tcase_add_test(tc, pio_unsupported_stops);
	tcase_add_test(tc, pio_post_fpu_imcr);
	tcase_add_test(tc, absent_table_avoids_devices);
	tcase_add_test(tc, debug_exit_pending_once);
	tcase_add_test(tc, mmio_vga);
	tcase_add_test(tc, devices_table_registered);
	tcase_add_test(tc, devices_overlaps_rejected);
	tcase_add_test(tc, devices_hooks_in_order);
	tcase_add_test(tc, reset_powers_on);
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
