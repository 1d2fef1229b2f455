/* Unit tests for monitor/i8042 and monitor/ps2kbd, driven through the io_fns
 * as Linux's i8042 driver and xv6's kbd.c do: the status register, the
 * self tests, the command byte, the AUX port with nothing plugged in, the
 * keyboard's command replies, set 2 generation and the controller's
 * translation to set 1, typed text to scancodes, IRQ 1 per byte, the reset
 * line (0xFE, the output port, port 0x92) and the A20 gate; and the device
 * in a whole machine (its ports, lines, reset request, unsupported A20 off). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/i8042.h"
#include "monitor/machine.h"

static struct i8042 c;
static int irq1, irq12, irq1_rises;
static int resets, a20_calls;
static bool a20_on;
static int events;

static void on_irq(void *o, int line, int level)
{
	ck_assert_ptr_eq(o, &c);
	if (line == 1) {
		if (level && !irq1)
			irq1_rises++;
		irq1 = level;
	} else {
		ck_assert_int_eq(line, 12);
		irq12 = level;
	}
}

static void on_reset(void *o, const char *why)
{
	(void)o;
	ck_assert_ptr_nonnull(why);
	resets++;
}

static void on_a20(void *o, bool on)
{
	(void)o;
	a20_calls++;
	a20_on = on;
}

static void on_event(void *o, const char *what)
{
	(void)o;
	ck_assert_ptr_nonnull(strstr(what, "unknown command"));
	events++;
}

static const struct i8042_ops ops = { on_irq, on_reset, on_a20, on_event };

static void setup(void)
{
	irq1 = irq12 = irq1_rises = resets = a20_calls = events = 0;
	a20_on = true;
	i8042_init(&c, &ops, &c);
}

static void teardown(void)
{
	i8042_destroy(&c);
}

static uint8_t st(void)
{
	uint8_t v;
	i8042_io_cmd(&c, 0, &v, 1, false);
	return v;
}

static void cmd(uint8_t v)
{
	i8042_io_cmd(&c, 0, &v, 1, true);
}

static void out60(uint8_t v)
{
	i8042_io_data(&c, 0, &v, 1, true);
}

static uint8_t in60(void)
{
	uint8_t v;
	i8042_io_data(&c, 0, &v, 1, false);
	return v;
}

/* The next byte, which must be there (as i8042_wait_read would see it). */
static uint8_t next(void)
{
	ck_assert(st() & I8042_STR_OBF);
	return in60();
}

static void empty(void)
{
	ck_assert_uint_eq(st() & I8042_STR_OBF, 0);
}

START_TEST(status_idle)
{
	uint8_t s = st();
	ck_assert_uint_eq(s & (I8042_STR_OBF | I8042_STR_IBF | I8042_STR_AUXOBF), 0);
	ck_assert(s & I8042_STR_SYS);
	ck_assert(s & I8042_STR_UNLOCK);
	cmd(0xAA);
	ck_assert(st() & I8042_STR_CMD);
	in60();
	out60(0xF4);
	ck_assert_uint_eq(st() & I8042_STR_CMD, 0);
}
END_TEST

START_TEST(self_tests)
{
	cmd(0xAA);
	ck_assert_uint_eq(next(), 0x55);
	cmd(0xAB);
	ck_assert_uint_eq(next(), 0x00);
	cmd(0xA9);
	ck_assert_uint_eq(next(), 0x00);
	empty();
}
END_TEST

START_TEST(command_byte)
{
	cmd(0x20);
	ck_assert_uint_eq(next(), I8042_CB_RESET);
	cmd(0x60);
	out60(0x00);   /* no interrupts, no translation, system flag off */
	cmd(0x20);
	ck_assert_uint_eq(next(), 0x00);
	ck_assert_uint_eq(st() & I8042_STR_SYS, 0);
	cmd(0xAD);
	cmd(0xA7);
	cmd(0x20);
	ck_assert_uint_eq(next(), I8042_CB_KBDDIS | I8042_CB_AUXDIS);
	cmd(0xAE);
	cmd(0xA8);
	cmd(0x20);
	ck_assert_uint_eq(next(), 0x00);
	cmd(0xAA);   /* the self test sets the system flag */
	ck_assert_uint_eq(next(), 0x55);
	ck_assert(st() & I8042_STR_SYS);
	ck_assert_uint_eq(i8042_cmdbyte(&c), I8042_CB_SYS);
}
END_TEST

START_TEST(aux_port_without_device)
{
	cmd(0x60);
	out60(0x47);   /* both interrupts on, like Linux after its probe */
	cmd(0xD3);     /* AUX loopback: the byte comes back from the AUX side */
	out60(0x5A);
	ck_assert(st() & I8042_STR_AUXOBF);
	ck_assert_int_eq(irq12, 1);
	ck_assert_int_eq(irq1, 0);
	ck_assert_uint_eq(in60(), 0x5A);
	ck_assert_int_eq(irq12, 0);
	cmd(0xD4);     /* to the mouse: nobody answers */
	out60(0xFF);
	uint8_t s = st();
	ck_assert(s & I8042_STR_AUXOBF);
	ck_assert(s & I8042_STR_TIMEOUT);
	ck_assert_uint_eq(in60(), 0xFE);
	ck_assert_uint_eq(st() & I8042_STR_TIMEOUT, 0);
	cmd(0xD2);     /* as if from the keyboard */
	out60(0x1E);
	ck_assert_uint_eq(st() & I8042_STR_AUXOBF, 0);
	ck_assert_int_eq(irq1, 1);
	ck_assert_uint_eq(in60(), 0x1E);
}
END_TEST

START_TEST(keyboard_commands)
{
	out60(0xFF);
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert_uint_eq(next(), 0xAA);
	out60(0xF2);   /* identify; translated, 0x83 reads 0x41 */
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert_uint_eq(next(), 0xAB);
	ck_assert_uint_eq(next(), 0x41);
	cmd(0x60);
	out60(0x05);   /* no translation */
	out60(0xF2);
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert_uint_eq(next(), 0xAB);
	ck_assert_uint_eq(next(), 0x83);
	out60(0xED);
	ck_assert_uint_eq(next(), 0xFA);
	out60(0x07);
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert_uint_eq(c.kbd.leds, 7);
	out60(0xF3);
	ck_assert_uint_eq(next(), 0xFA);
	out60(0x20);
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert_uint_eq(c.kbd.typematic, 0x20);
	out60(0xF0);
	ck_assert_uint_eq(next(), 0xFA);
	out60(0x00);   /* get the set */
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert_uint_eq(next(), 2);
	out60(0xEE);
	ck_assert_uint_eq(next(), 0xEE);
	out60(0xFE);   /* resend the last byte */
	ck_assert_uint_eq(next(), 0xEE);
	out60(0xF5);
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert(!i8042_kbd_enabled(&c));
	ck_assert_uint_eq(i8042_type(&c, "a", 1), 1);
	empty();       /* disabled: no scancodes */
	out60(0xF4);
	ck_assert_uint_eq(next(), 0xFA);
	ck_assert(i8042_kbd_enabled(&c));
	out60(0xF6);
	ck_assert_uint_eq(next(), 0xFA);
	out60(0x42);   /* not a command */
	ck_assert_uint_eq(next(), 0xFE);
	empty();
}
END_TEST

START_TEST(typed_text_translated)
{
	/* xv6's kbd.c: set 1 with the BIOS's command byte. */
	ck_assert_uint_eq(i8042_type(&c, "aA\n", 3), 3);
	static const uint8_t want[] = { 0x1E, 0x9E, 0x2A, 0x1E, 0x9E, 0xAA, 0x1C, 0x9C };
	for (size_t i = 0; i < sizeof want; i++)
		ck_assert_uint_eq(next(), want[i]);
	empty();
	ck_assert_uint_eq(i8042_type(&c, "\b\t\x1b\x03 1!", 7), 7);
	static const uint8_t want2[] = { 0x0E, 0x8E, 0x0F, 0x8F, 0x01, 0x81, 0x1D, 0x2E, 0xAE, 0x9D,
					 0x39, 0xB9, 0x02, 0x82, 0x2A, 0x02, 0x82, 0xAA };
	for (size_t i = 0; i < sizeof want2; i++)
		ck_assert_uint_eq(next(), want2[i]);
	empty();
	ck_assert_uint_eq(i8042_type(&c, "\x80", 1), 0);   /* no key types it */
	empty();
}
END_TEST

START_TEST(set2_untranslated)
{
	cmd(0x60);
	out60(0x05);
	i8042_type(&c, "z", 1);
	ck_assert_uint_eq(next(), 0x1A);
	ck_assert_uint_eq(next(), 0xF0);
	ck_assert_uint_eq(next(), 0x1A);
	i8042_push_key(&c, 0x75, true, true);   /* up arrow */
	i8042_push_key(&c, 0x75, true, false);
	ck_assert_uint_eq(next(), 0xE0);
	ck_assert_uint_eq(next(), 0x75);
	ck_assert_uint_eq(next(), 0xE0);
	ck_assert_uint_eq(next(), 0xF0);
	ck_assert_uint_eq(next(), 0x75);
	/* Set 1 asked of the keyboard itself. */
	out60(0xF0);
	ck_assert_uint_eq(next(), 0xFA);
	out60(0x01);
	ck_assert_uint_eq(next(), 0xFA);
	i8042_type(&c, "z", 1);
	ck_assert_uint_eq(next(), 0x2C);
	ck_assert_uint_eq(next(), 0xAC);
}
END_TEST

START_TEST(translation_table)
{
	ck_assert_uint_eq(ps2kbd_set2_to_set1(0x1C), 0x1E);   /* A */
	ck_assert_uint_eq(ps2kbd_set2_to_set1(0x5A), 0x1C);   /* Enter */
	ck_assert_uint_eq(ps2kbd_set2_to_set1(0x76), 0x01);   /* Escape */
	ck_assert_uint_eq(ps2kbd_set2_to_set1(0x83), 0x41);   /* F7 */
	ck_assert_uint_eq(ps2kbd_set2_to_set1(0xFA), 0xFA);   /* ACK passes */
	/* Every ASCII key round-trips to the set 1 code xv6's table expects. */
	static const char set1_row[] = "1234567890-=";
	for (int i = 0; set1_row[i]; i++) {
		uint8_t code;
		bool shift;
		ck_assert(ps2kbd_ascii_key(set1_row[i], &code, &shift));
		ck_assert(!shift);
		ck_assert_uint_eq(ps2kbd_set2_to_set1(code), 0x02 + i);
	}
	static const char qrow[] = "qwertyuiop[]";
	for (int i = 0; qrow[i]; i++) {
		uint8_t code;
		bool shift;
		ck_assert(ps2kbd_ascii_key(qrow[i], &code, &shift));
		ck_assert_uint_eq(ps2kbd_set2_to_set1(code), 0x10 + i);
	}
	static const char arow[] = "asdfghjkl;'`";
	for (int i = 0; arow[i]; i++) {
		uint8_t code;
		bool shift;
		ck_assert(ps2kbd_ascii_key(arow[i], &code, &shift));
		ck_assert_uint_eq(ps2kbd_set2_to_set1(code), 0x1E + i);
	}
	static const char zrow[] = "\\zxcvbnm,./";
	for (int i = 0; zrow[i]; i++) {
		uint8_t code;
		bool shift;
		ck_assert(ps2kbd_ascii_key(zrow[i], &code, &shift));
		ck_assert_uint_eq(ps2kbd_set2_to_set1(code), 0x2B + i);
	}
}
END_TEST

START_TEST(irq1_per_byte)
{
	i8042_type(&c, "ab", 2);   /* four bytes */
	ck_assert_int_eq(irq1, 1);
	ck_assert_int_eq(irq1_rises, 1);
	for (int i = 0; i < 4; i++)
		in60();
	ck_assert_int_eq(irq1, 0);
	ck_assert_int_eq(irq1_rises, 4);   /* an edge for every byte */
	/* Interrupts off: bytes wait without the line. */
	cmd(0x60);
	out60(0x64);
	i8042_type(&c, "a", 1);
	ck_assert_int_eq(irq1, 0);
	ck_assert(st() & I8042_STR_OBF);
	cmd(0x60);
	out60(0x65);   /* on again: the waiting byte raises it */
	ck_assert_int_eq(irq1, 1);
	/* The keyboard interface disabled holds the keyboard's bytes back. */
	in60();
	in60();
	cmd(0xAD);
	i8042_type(&c, "a", 1);
	empty();
	cmd(0xAE);
	ck_assert_uint_eq(next(), 0x1E);
}
END_TEST

START_TEST(reset_lines)
{
	cmd(0xFF);   /* pulses nothing */
	ck_assert_int_eq(resets, 0);
	cmd(0xFE);
	ck_assert_int_eq(resets, 1);
	cmd(0xF0);
	ck_assert_int_eq(resets, 2);
	cmd(0xD0);
	uint8_t op = next();
	ck_assert_uint_eq(op & (I8042_OP_RESET | I8042_OP_A20), I8042_OP_RESET | I8042_OP_A20);
	cmd(0xD1);
	out60(op & (uint8_t)~I8042_OP_RESET);   /* reset held low */
	ck_assert_int_eq(resets, 3);
	uint8_t pa = 0;
	i8042_io_porta(&c, 0, &pa, 1, false);
	ck_assert_uint_eq(pa, 0);
	pa = I8042_PA_RESET;
	i8042_io_porta(&c, 0, &pa, 1, true);
	ck_assert_int_eq(resets, 4);
	i8042_io_porta(&c, 0, &pa, 1, true);   /* already high: no new edge */
	ck_assert_int_eq(resets, 4);
}
END_TEST

START_TEST(a20_gate)
{
	ck_assert(i8042_a20(&c));
	uint8_t pa = I8042_PA_A20;
	i8042_io_porta(&c, 0, &pa, 1, true);
	i8042_io_porta(&c, 0, &pa, 1, false);
	ck_assert_uint_eq(pa, I8042_PA_A20);
	cmd(0xD1);
	out60(I8042_OP_RESETVAL & (uint8_t)~I8042_OP_A20);   /* port 0x92 still holds it on */
	ck_assert_int_eq(a20_calls, 0);
	cmd(0xD0);
	ck_assert_uint_eq(next() & I8042_OP_A20, 0);
	pa = 0;
	i8042_io_porta(&c, 0, &pa, 1, true);   /* now both are off */
	ck_assert_int_eq(a20_calls, 1);
	ck_assert(!a20_on);
	ck_assert(!i8042_a20(&c));
	cmd(0xDF);
	ck_assert_int_eq(a20_calls, 2);
	ck_assert(a20_on);
	ck_assert_int_eq(resets, 0);
}
END_TEST

START_TEST(unknown_command_ignored)
{
	cmd(0xA1);
	ck_assert_int_eq(events, 1);
	empty();
	ck_assert_uint_eq(c.ignored, 1);
}
END_TEST

START_TEST(reset_state)
{
	cmd(0x60);
	out60(0x00);
	i8042_type(&c, "abc", 3);
	i8042_reset(&c);
	ck_assert_uint_eq(i8042_cmdbyte(&c), I8042_CB_RESET);
	empty();
	ck_assert_int_eq(irq1, 0);
}
END_TEST

/* The device in a machine: the table row, ports, IRQs and the requests. */
START_TEST(in_a_machine)
{
	static struct machine m;
	char err[256];
	ck_assert_int_eq(machine_init(&m, &(struct machine_config){ .ram_size = 4 << 20 }, err, sizeof err), 0);
	struct i8042 *k = machine_device(&m, "i8042");
	ck_assert_ptr_nonnull(k);
	struct machine_dev *d = machine_dev_find(&m, "i8042");
	ck_assert_uint_eq(d->nirqs, 2);
	ck_assert_int_eq(d->irq[0].line, 1);
	ck_assert_int_eq(d->irq[1].line, 12);
	uint8_t v = 0xAA;
	machine_pio(&m, 0, 0x64, &v, 1, true);
	machine_pio(&m, 0, 0x60, &v, 1, false);
	ck_assert_uint_eq(v, 0x55);
	struct stop_info s;
	ck_assert(!machine_take_exit(&m, 0, &s));
	v = 0xFE;
	machine_pio(&m, 0x1234, 0x64, &v, 1, true);
	ck_assert(machine_take_exit(&m, 0x1234, &s));
	ck_assert_int_eq(s.reason, STOP_RESET);
	ck_assert_ptr_nonnull(strstr(s.msg, "8042 reset line"));
	m.no_reboot = true;
	v = 0x01;
	machine_pio(&m, 0, 0x92, &v, 1, true);
	ck_assert(machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.reason, STOP_EXIT);
	ck_assert_int_eq(s.status, 0);
	ck_assert_ptr_nonnull(strstr(s.msg, "--no-reboot"));
	v = 0xDD;   /* A20 off through the 8042 (port 0x92 has it off): unsupported */
	machine_pio(&m, 0, 0x64, &v, 1, true);
	ck_assert(machine_take_exit(&m, 0, &s));
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_ptr_nonnull(strstr(s.msg, "A20 gate disabled"));
	machine_reset(&m);
	ck_assert(i8042_a20(k));
	machine_destroy(&m);
}
END_TEST

static Suite *i8042_suite(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("i8042");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, status_idle);
	tcase_add_test(tc, self_tests);
	tcase_add_test(tc, command_byte);
	tcase_add_test(tc, aux_port_without_device);
	tcase_add_test(tc, keyboard_commands);
	tcase_add_test(tc, typed_text_translated);
	tcase_add_test(tc, set2_untranslated);
	tcase_add_test(tc, translation_table);
	tcase_add_test(tc, irq1_per_byte);
	tcase_add_test(tc, reset_lines);
	tcase_add_test(tc, a20_gate);
	tcase_add_test(tc, unknown_command_ignored);
	tcase_add_test(tc, reset_state);
	tcase_add_test(tc, in_a_machine);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(i8042_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
