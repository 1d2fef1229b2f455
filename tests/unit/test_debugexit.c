/* Unit tests for monitor/debugexit, the isa-debug-exit compatible port: the
 * status mapping (v << 1) | 1 truncated to 8 bits, writes of 1, 2 and 4 bytes
 * (and a wider one clamped to 4), the callback's status and raw value, reads
 * returning all ones without ending the run, and a NULL callback. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/debugexit.h"

struct seen {
	int calls;
	int status;
	uint32_t value;
};

static void on_exit_cb(void *opaque, int status, uint32_t value)
{
	struct seen *s = opaque;
	s->calls++;
	s->status = status;
	s->value = value;
}

START_TEST(status_mapping)
{
	ck_assert_int_eq(dbgexit_status(0), 1);
	ck_assert_int_eq(dbgexit_status(1), 3);
	ck_assert_int_eq(dbgexit_status(0x10), 0x21);
	ck_assert_int_eq(dbgexit_status(0x7f), 0xff);
	ck_assert_int_eq(dbgexit_status(0x80), 0x01);         /* 0x101 truncated */
	ck_assert_int_eq(dbgexit_status(0xff), 0xff);         /* 0x1ff truncated */
	ck_assert_int_eq(dbgexit_status(0x12345678), 0xf1);   /* low byte of 0x2468acf1 */
	ck_assert_int_eq(dbgexit_status(0xffffffffu), 0xff);
	/* always odd, so never one of bt86's own (even) statuses */
	for (uint32_t v = 0; v < 4096; v++)
		ck_assert_int_eq(dbgexit_status(v) & 1, 1);
}
END_TEST

static void write_sized(struct dbgexit *d, uint32_t v, unsigned size)
{
	uint8_t buf[8] = { 0 };
	memcpy(buf, &v, 4);
	dbgexit_io(d, 0, buf, size, true);
}

START_TEST(write_sizes)
{
	struct seen s = { 0 };
	struct dbgexit d;
	dbgexit_init(&d, on_exit_cb, &s);
	ck_assert_ptr_eq(d.opaque, &s);

	write_sized(&d, 0x10, 1);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_int_eq(s.status, 0x21);
	ck_assert_uint_eq(s.value, 0x10);

	write_sized(&d, 0xaa01, 1);          /* only the byte written counts */
	ck_assert_uint_eq(s.value, 0x01);
	ck_assert_int_eq(s.status, 3);

	write_sized(&d, 0x1234, 2);
	ck_assert_uint_eq(s.value, 0x1234);
	ck_assert_int_eq(s.status, 0x69);    /* 0x2469 & 0xff */

	write_sized(&d, 0xdeadbe7f, 4);
	ck_assert_uint_eq(s.value, 0xdeadbe7fu);
	ck_assert_int_eq(s.status, 0xff);

	write_sized(&d, 0, 4);
	ck_assert_int_eq(s.status, 1);
	ck_assert_int_eq(s.calls, 5);

	/* an 8-byte (MMIO-style) write takes the first 4 bytes and does not overrun */
	uint8_t eight[8] = { 0x05, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	dbgexit_io(&d, 0, eight, 8, true);
	ck_assert_uint_eq(s.value, 5);
	ck_assert_int_eq(s.status, 11);
	ck_assert_int_eq(s.calls, 6);
}
END_TEST

START_TEST(write_at_other_offsets)
{
	/* The device spans 4 ports; any of them ends the run with the value. */
	struct seen s = { 0 };
	struct dbgexit d;
	dbgexit_init(&d, on_exit_cb, &s);
	for (unsigned off = 0; off < DBGEXIT_SIZE; off++) {
		uint8_t v = (uint8_t)(0x20 + off);
		dbgexit_io(&d, off, &v, 1, true);
		ck_assert_uint_eq(s.value, 0x20 + off);
	}
	ck_assert_int_eq(s.calls, DBGEXIT_SIZE);
}
END_TEST

START_TEST(reads_are_all_ones)
{
	struct seen s = { 0 };
	struct dbgexit d;
	dbgexit_init(&d, on_exit_cb, &s);
	uint8_t b = 0;
	uint16_t h = 0;
	uint32_t w = 0;
	dbgexit_io(&d, 0, &b, 1, false);
	dbgexit_io(&d, 0, &h, 2, false);
	dbgexit_io(&d, 0, &w, 4, false);
	ck_assert_uint_eq(b, 0xff);
	ck_assert_uint_eq(h, 0xffff);
	ck_assert_uint_eq(w, 0xffffffffu);
	ck_assert_int_eq(s.calls, 0);   /* a read does not exit */
}
END_TEST

START_TEST(null_callback)
{
	struct dbgexit d;
	dbgexit_init(&d, NULL, NULL);
	uint32_t v = 3;
	dbgexit_io(&d, 0, &v, 4, true);   /* must not crash */
	ck_assert_uint_eq(v, 3);
}
END_TEST

static Suite *debugexit_suite(void)
{
	Suite *s = suite_create("debugexit");
	TCase *tc = tcase_create("debugexit");
	tcase_add_test(tc, status_mapping);
	tcase_add_test(tc, write_sizes);
	tcase_add_test(tc, write_at_other_offsets);
	tcase_add_test(tc, reads_are_all_ones);
	tcase_add_test(tc, null_callback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(debugexit_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
