/* Unit tests for monitor/cga, the VGA's text-mode registers: mode 3 after
 * reset (misc 0x67, the CRTC's cursor shape), CRTC index/data with the
 * cursor and start address read back and seen by cga_cursor, 16-bit index
 * writes, input status 1's timing bits (and that they toggle in real time),
 * the attribute controller's flip-flop reset by 0x3DA, sequencer, graphics
 * controller and DAC storage, the absent MDA, and graphics or monochrome
 * modes reported unsupported; and the device in a machine. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/cga.h"
#include "monitor/machine.h"

static struct cga v;
static int unsupported;
static char what[128];

static void on_unsupported(void *o, const char *w)
{
	(void)o;
	unsupported++;
	snprintf(what, sizeof what, "%s", w);
}

static void setup(void)
{
	unsupported = 0;
	what[0] = 0;
	cga_init(&v, on_unsupported, NULL);
}

static void teardown(void)
{
	cga_destroy(&v);
}

static void out(uint16_t port, uint8_t b)
{
	if (port >= 0x3C0 && port <= 0x3CF)
		cga_io_3c0(&v, port - 0x3C0, &b, 1, true);
	else if (port == 0x3D4 || port == 0x3D5)
		cga_io_crtc(&v, port - 0x3D4, &b, 1, true);
	else if (port == 0x3DA)
		cga_io_status(&v, 0, &b, 1, true);
	else
		cga_io_mono(&v, 0, &b, 1, true);
}

static uint8_t in(uint16_t port)
{
	uint8_t b = 0;
	if (port >= 0x3C0 && port <= 0x3CF)
		cga_io_3c0(&v, port - 0x3C0, &b, 1, false);
	else if (port == 0x3D4 || port == 0x3D5)
		cga_io_crtc(&v, port - 0x3D4, &b, 1, false);
	else if (port == 0x3DA)
		cga_io_status(&v, 0, &b, 1, false);
	else
		cga_io_mono(&v, 0, &b, 1, false);
	return b;
}

START_TEST(mode3_after_reset)
{
	ck_assert_uint_eq(in(0x3CC), 0x67);
	out(0x3D4, 0x0A);
	ck_assert_uint_eq(in(0x3D5), 0x0D);
	out(0x3D4, 0x0B);
	ck_assert_uint_eq(in(0x3D5), 0x0E);
	struct cga_cursor c;
	cga_cursor(&v, &c);
	ck_assert_uint_eq(c.pos, 0);
	ck_assert_uint_eq(c.start, 0);
	ck_assert(c.visible);
	ck_assert_uint_eq(c.first_line, 13);
	ck_assert_uint_eq(c.last_line, 14);
}
END_TEST

START_TEST(crtc_cursor_and_start)
{
	/* As xv6's cgaputc and Linux's vgacon move the cursor. */
	out(0x3D4, 0x0E);
	out(0x3D5, 0x01);
	out(0x3D4, 0x0F);
	out(0x3D5, 0x42);
	out(0x3D4, 0x0C);
	out(0x3D5, 0x00);
	out(0x3D4, 0x0D);
	out(0x3D5, 0x50);
	out(0x3D4, 0x0E);
	ck_assert_uint_eq(in(0x3D4), 0x0E);
	ck_assert_uint_eq(in(0x3D5), 0x01);
	out(0x3D4, 0x0F);
	ck_assert_uint_eq(in(0x3D5), 0x42);
	struct cga_cursor c;
	cga_cursor(&v, &c);
	ck_assert_uint_eq(c.pos, 0x142);
	ck_assert_uint_eq(c.start, 0x50);
	/* A 16-bit OUT: index in the low byte, data in the high. */
	uint16_t w = 0x200A;   /* cursor start 0x20: hidden */
	cga_io_crtc(&v, 0, &w, 2, true);
	cga_cursor(&v, &c);
	ck_assert(!c.visible);
	for (uint8_t r = 0; r < CGA_CRTC_REGS; r++) {
		out(0x3D4, r);
		out(0x3D5, (uint8_t)(0x80 | r));
		ck_assert_uint_eq(in(0x3D5), 0x80 | r);
	}
	out(0x3D4, 0x30);   /* past the last register */
	out(0x3D5, 0x12);
	ck_assert_uint_eq(in(0x3D5), 0xFF);
}
END_TEST

START_TEST(status1_timing)
{
	ck_assert_uint_eq(cga_status1_at(0), 0x00);                /* displaying */
	ck_assert_uint_eq(cga_status1_at(26000), 0x01);            /* horizontal blank */
	ck_assert_uint_eq(cga_status1_at(412ull * 31778 + 10), 0x09);   /* vertical retrace */
	ck_assert_uint_eq(cga_status1_at(405ull * 31778), 0x01);   /* vertical blank, no retrace */
	/* Real time: a guest polling for retrace sees it come and go. */
	int seen_on = 0, seen_off = 0;
	for (long i = 0; i < 5000000 && !(seen_on && seen_off); i++) {
		if (in(0x3DA) & 0x08)
			seen_on = 1;
		else if (seen_on)
			seen_off = 1;
	}
	ck_assert(seen_on);
	ck_assert(seen_off);
}
END_TEST

START_TEST(attribute_flipflop)
{
	in(0x3DA);          /* reset: the next write is an index */
	out(0x3C0, 0x31);   /* index 0x11 (overscan), PAS set */
	out(0x3C0, 0x05);
	ck_assert_uint_eq(in(0x3C0), 0x31);
	ck_assert_uint_eq(in(0x3C1), 0x05);
	out(0x3C0, 0x32);   /* the flip-flop is back at index */
	out(0x3C0, 0x0A);
	ck_assert_uint_eq(in(0x3C1), 0x0A);
	out(0x3C0, 0x33);   /* index, then 0x3DA resets: this is an index again */
	in(0x3DA);
	out(0x3C0, 0x34);
	out(0x3C0, 0x07);
	ck_assert_uint_eq(in(0x3C0), 0x34);
	ck_assert_uint_eq(in(0x3C1), 0x07);
	ck_assert_int_eq(unsupported, 0);
}
END_TEST

START_TEST(seq_gc_dac_store)
{
	out(0x3C4, 0x02);
	out(0x3C5, 0x0F);
	ck_assert_uint_eq(in(0x3C5), 0x0F);
	out(0x3CE, 0x05);
	out(0x3CF, 0x00);
	ck_assert_uint_eq(in(0x3CF), 0x00);
	out(0x3C8, 0x07);
	out(0x3C9, 0x3F);
	out(0x3C9, 0x20);
	out(0x3C9, 0x10);
	ck_assert_uint_eq(in(0x3C8), 0x08);
	out(0x3C7, 0x07);
	ck_assert_uint_eq(in(0x3C7), 0x03);
	ck_assert_uint_eq(in(0x3C9), 0x3F);
	ck_assert_uint_eq(in(0x3C9), 0x20);
	ck_assert_uint_eq(in(0x3C9), 0x10);
	out(0x3C6, 0x0F);
	ck_assert_uint_eq(in(0x3C6), 0x0F);
	ck_assert_uint_eq(in(0x3B4), 0xFF);   /* no MDA */
	ck_assert_uint_eq(in(0x3BA), 0xFF);
	ck_assert_int_eq(unsupported, 0);
}
END_TEST

START_TEST(graphics_unsupported)
{
	out(0x3CE, 0x06);
	out(0x3CF, 0x05);   /* graphics, A0000 64K */
	ck_assert_int_eq(unsupported, 1);
	ck_assert_str_eq(what, "VGA graphics mode");
	in(0x3DA);
	out(0x3C0, 0x10);
	out(0x3C0, 0x41);   /* attribute mode control: graphics */
	ck_assert_int_eq(unsupported, 2);
	out(0x3C2, 0x66);   /* monochrome addresses */
	ck_assert_int_eq(unsupported, 3);
	ck_assert_ptr_nonnull(strstr(what, "monochrome"));
	cga_reset(&v);
	ck_assert_uint_eq(in(0x3CC), 0x67);
}
END_TEST

START_TEST(in_a_machine)
{
	static struct machine m;
	char err[256];
	ck_assert_int_eq(machine_init(&m, &(struct machine_config){ .ram_size = 4 << 20 }, err, sizeof err), 0);
	struct cga *c = machine_device(&m, "vga-regs");
	ck_assert_ptr_nonnull(c);
	uint8_t b = 0x0F;
	machine_pio(&m, 0, 0x3D4, &b, 1, true);
	b = 0x21;
	machine_pio(&m, 0, 0x3D5, &b, 1, true);
	struct cga_cursor cur;
	cga_cursor(c, &cur);
	ck_assert_uint_eq(cur.pos, 0x21);
	ck_assert_uint_eq(evlog_count(&m.events, EV_IO), 0);   /* all claimed */
	b = 0x01;   /* GC misc graphics: the run stops */
	uint8_t idx = 0x06;
	machine_pio(&m, 0, 0x3CE, &idx, 1, true);
	machine_pio(&m, 0x4321, 0x3CF, &b, 1, true);
	struct stop_info s;
	ck_assert(machine_take_exit(&m, 0x4321, &s));
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_ptr_nonnull(strstr(s.msg, "unsupported: VGA graphics mode"));
	machine_reset(&m);
	cga_cursor(c, &cur);
	ck_assert_uint_eq(cur.pos, 0);
	machine_destroy(&m);
}
END_TEST

static Suite *cga_suite(void)
{
	Suite *s = suite_create("cga");
	TCase *tc = tcase_create("cga");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, mode3_after_reset);
	tcase_add_test(tc, crtc_cursor_and_start);
	tcase_add_test(tc, status1_timing);
	tcase_add_test(tc, attribute_flipflop);
	tcase_add_test(tc, seq_gc_dac_store);
	tcase_add_test(tc, graphics_unsupported);
	tcase_add_test(tc, in_a_machine);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cga_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
