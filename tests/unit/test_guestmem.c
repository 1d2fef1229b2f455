/* Unit tests for monitor/guestmem: RAM size limits in gmem_init, the RAM test
 * gmem_is_ram (VGA hole, end of RAM, overflowing and empty ranges), gmem_ptr,
 * the gmem_read/gmem_write round trip and refusal, the shared memfd view, and
 * the -m size parser gmem_parse_size with good and malformed text. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor/guestmem.h"

#define MIB (1ull << 20)

static struct guestmem gm;

static void setup_64m(void)
{
	char err[256];
	ck_assert_int_eq(gmem_init(&gm, 64 * MIB, err, sizeof err), 0);
}

static void teardown_64m(void)
{
	gmem_destroy(&gm);
}

/* ---- gmem_init ---- */

static void expect_init_fails(uint64_t size, const char *keyword)
{
	struct guestmem g;
	char err[256] = "";
	ck_assert_int_eq(gmem_init(&g, size, err, sizeof err), -1);
	ck_assert_msg(strstr(err, keyword), "size %llu: message '%s' lacks '%s'",
		      (unsigned long long)size, err, keyword);
	ck_assert_ptr_null(g.phys);
	ck_assert_int_eq(g.fd, -1);
	ck_assert_uint_eq(g.size, 0);
	gmem_destroy(&g);   /* harmless after a failure */
}

START_TEST(init_too_small)
{
	expect_init_fails(0, "out of range");
	expect_init_fails(1, "out of range");
	expect_init_fails(GMEM_MIN_SIZE - 4096, "out of range");
}
END_TEST

START_TEST(init_too_large)
{
	expect_init_fails(GMEM_MAX_SIZE + 4096, "out of range");
	expect_init_fails(UINT64_MAX, "out of range");
	expect_init_fails(1ull << 40, "out of range");
}
END_TEST

START_TEST(init_not_page_multiple)
{
	expect_init_fails(GMEM_MIN_SIZE + 1, "4 KiB");
	expect_init_fails(64 * MIB + 2048, "4 KiB");
}
END_TEST

START_TEST(init_ok_sizes)
{
	static const uint64_t sizes[] = { GMEM_MIN_SIZE, 64 * MIB, 64 * MIB + 4096 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct guestmem g;
		char err[256] = "";
		ck_assert_msg(gmem_init(&g, sizes[i], err, sizeof err) == 0, "size %llu: %s",
			      (unsigned long long)sizes[i], err);
		ck_assert_ptr_nonnull(g.phys);
		ck_assert_int_ge(g.fd, 0);
		ck_assert_uint_eq(g.size, sizes[i]);
		/* fresh RAM is zero, first and last byte writable */
		ck_assert_uint_eq(g.phys[0], 0);
		ck_assert_uint_eq(g.phys[sizes[i] - 1], 0);
		g.phys[sizes[i] - 1] = 0x5a;
		ck_assert_uint_eq(g.phys[sizes[i] - 1], 0x5a);
		gmem_destroy(&g);
		ck_assert_ptr_null(g.phys);
		ck_assert_int_eq(g.fd, -1);
		ck_assert_uint_eq(g.size, 0);
	}
}
END_TEST

START_TEST(init_max_size)
{
	/* The biggest allowed RAM: only address space, the memfd is sparse. */
	struct guestmem g;
	char err[256] = "";
	ck_assert_msg(gmem_init(&g, GMEM_MAX_SIZE, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(g.size, GMEM_MAX_SIZE);
	ck_assert(gmem_is_ram(&g, GMEM_MAX_SIZE - 1, 1));
	ck_assert(!gmem_is_ram(&g, GMEM_MAX_SIZE, 1));
	gmem_destroy(&g);
}
END_TEST

START_TEST(fd_view_is_shared)
{
	/* A second mapping of the memfd (as engines make) sees the same bytes. */
	uint8_t *view = mmap(NULL, 64 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, gm.fd, 0);
	ck_assert_ptr_ne(view, MAP_FAILED);
	ck_assert_int_eq(gmem_write(&gm, 0x123456, "abc", 3), 0);
	ck_assert_mem_eq(view + 0x123456, "abc", 3);
	view[0x200000] = 0x77;
	ck_assert_uint_eq(gm.phys[0x200000], 0x77);
	munmap(view, 64 * MIB);
}
END_TEST

/* ---- gmem_is_ram / gmem_ptr ---- */

START_TEST(is_ram_basic)
{
	ck_assert(gmem_is_ram(&gm, 0, 1));
	ck_assert(gmem_is_ram(&gm, 0, GMEM_VGA_BASE));
	ck_assert(gmem_is_ram(&gm, 0x100000, 0x1000));
	ck_assert(gmem_is_ram(&gm, GMEM_VGA_END, 64 * MIB - GMEM_VGA_END));
}
END_TEST

START_TEST(is_ram_vga_hole)
{
	ck_assert(gmem_is_ram(&gm, GMEM_VGA_BASE - 1, 1));     /* last byte before */
	ck_assert(!gmem_is_ram(&gm, GMEM_VGA_BASE - 1, 2));    /* straddles the start */
	ck_assert(!gmem_is_ram(&gm, GMEM_VGA_BASE, 1));
	ck_assert(!gmem_is_ram(&gm, 0xB8000, 2));               /* CGA text */
	ck_assert(!gmem_is_ram(&gm, GMEM_VGA_END - 1, 1));
	ck_assert(!gmem_is_ram(&gm, GMEM_VGA_END - 1, 2));      /* straddles the end */
	ck_assert(gmem_is_ram(&gm, GMEM_VGA_END, 1));           /* first byte after */
	ck_assert(!gmem_is_ram(&gm, 0, 64 * MIB));              /* all of it covers the hole */
	ck_assert(!gmem_is_ram(&gm, 0x9F000, 0x22000));         /* spans the whole hole */
	ck_assert_ptr_null(gmem_ptr(&gm, 0xB8000, 1));
}
END_TEST

START_TEST(is_ram_end)
{
	uint64_t end = 64 * MIB;
	ck_assert(gmem_is_ram(&gm, end - 1, 1));
	ck_assert(gmem_is_ram(&gm, end - 4096, 4096));
	ck_assert(!gmem_is_ram(&gm, end - 1, 2));
	ck_assert(!gmem_is_ram(&gm, end, 1));
	ck_assert(!gmem_is_ram(&gm, end + 4096, 1));
	ck_assert(!gmem_is_ram(&gm, 0x100000, end));            /* runs past the end */
	ck_assert_ptr_eq(gmem_ptr(&gm, end - 1, 1), gm.phys + end - 1);
	ck_assert_ptr_null(gmem_ptr(&gm, end, 1));
}
END_TEST

START_TEST(is_ram_overflow)
{
	/* pa + len would wrap around 2^64 and look small. */
	ck_assert(!gmem_is_ram(&gm, UINT64_MAX, 1));
	ck_assert(!gmem_is_ram(&gm, UINT64_MAX, 2));
	ck_assert(!gmem_is_ram(&gm, UINT64_MAX - 0xfff, 0x2000));
	ck_assert(!gmem_is_ram(&gm, 0x100000, UINT64_MAX));
	ck_assert(!gmem_is_ram(&gm, 0x100000, UINT64_MAX - 0xfffff));   /* sum wraps to 0 */
	ck_assert(!gmem_is_ram(&gm, 1, UINT64_MAX));
	ck_assert_ptr_null(gmem_ptr(&gm, UINT64_MAX - 3, 8));
	ck_assert_ptr_null(gmem_ptr(&gm, 0x100000, UINT64_MAX - 0xfffff));
}
END_TEST

START_TEST(is_ram_zero_length)
{
	ck_assert(!gmem_is_ram(&gm, 0x100000, 0));
	ck_assert(!gmem_is_ram(&gm, 0, 0));
	ck_assert_ptr_null(gmem_ptr(&gm, 0x100000, 0));
	uint8_t b = 0;
	ck_assert_int_eq(gmem_read(&gm, 0x100000, &b, 0), -1);
}
END_TEST

/* ---- gmem_read / gmem_write ---- */

START_TEST(rw_round_trip)
{
	uint8_t out[256], in[256];
	for (int i = 0; i < 256; i++)
		out[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(gmem_write(&gm, 0x100000, out, sizeof out), 0);
	memset(in, 0, sizeof in);
	ck_assert_int_eq(gmem_read(&gm, 0x100000, in, sizeof in), 0);
	ck_assert_mem_eq(in, out, sizeof out);
	ck_assert_mem_eq(gm.phys + 0x100000, out, sizeof out);

	/* last bytes of RAM and of low memory */
	ck_assert_int_eq(gmem_write(&gm, 64 * MIB - 4, "WXYZ", 4), 0);
	ck_assert_int_eq(gmem_read(&gm, 64 * MIB - 4, in, 4), 0);
	ck_assert_mem_eq(in, "WXYZ", 4);
	ck_assert_int_eq(gmem_write(&gm, GMEM_VGA_BASE - 2, "lo", 2), 0);
	ck_assert_mem_eq(gm.phys + GMEM_VGA_BASE - 2, "lo", 2);
}
END_TEST

START_TEST(rw_refusal)
{
	uint8_t buf[16];
	memset(buf, 0xcc, sizeof buf);
	/* nothing is copied when the range is not all RAM */
	ck_assert_int_eq(gmem_write(&gm, 64 * MIB - 8, buf, 16), -1);
	for (int i = 8; i > 0; i--)
		ck_assert_uint_eq(gm.phys[64 * MIB - i], 0);
	ck_assert_int_eq(gmem_write(&gm, GMEM_VGA_BASE - 8, buf, 16), -1);
	for (int i = 8; i > 0; i--)
		ck_assert_uint_eq(gm.phys[GMEM_VGA_BASE - i], 0);
	ck_assert_int_eq(gmem_write(&gm, 0xB8000, buf, 2), -1);
	ck_assert_uint_eq(gm.phys[0xB8000], 0);   /* the memfd behind the hole is untouched */
	ck_assert_int_eq(gmem_write(&gm, UINT64_MAX - 3, buf, 8), -1);

	memset(buf, 0xcc, sizeof buf);
	ck_assert_int_eq(gmem_read(&gm, 64 * MIB - 8, buf, 16), -1);
	ck_assert_int_eq(gmem_read(&gm, 0xA0000, buf, 1), -1);
	ck_assert_int_eq(gmem_read(&gm, UINT64_MAX, buf, 1), -1);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(buf[i], 0xcc);
}
END_TEST

/* ---- gmem_parse_size ---- */

static void expect_size(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	ck_assert_msg(gmem_parse_size(s, &v) == 0, "'%s' was refused", s);
	ck_assert_msg(v == want, "'%s' parsed as %llu, want %llu", s,
		      (unsigned long long)v, (unsigned long long)want);
}

static void expect_bad_size(const char *s)
{
	uint64_t v = 0xdeadbeef;
	ck_assert_msg(gmem_parse_size(s, &v) == -1, "'%s' was accepted as %llu", s ? s : "(null)",
		      (unsigned long long)v);
	ck_assert_msg(v == 0xdeadbeef, "'%s' changed the output on failure", s ? s : "(null)");
}

START_TEST(parse_good)
{
	expect_size("64", 64 * MIB);
	expect_size("64M", 64 * MIB);
	expect_size("64m", 64 * MIB);
	expect_size("65536K", 64 * MIB);
	expect_size("65536k", 64 * MIB);
	expect_size("1G", 1ull << 30);
	expect_size("1g", 1ull << 30);
	expect_size("64MiB", 64 * MIB);
	expect_size("64MB", 64 * MIB);
	expect_size("2048KiB", 2 * MIB);
	expect_size("3G", 3ull << 30);
	expect_size("0", 0);   /* syntax only: the size check belongs to gmem_init */
}
END_TEST

START_TEST(parse_bad)
{
	expect_bad_size("");
	expect_bad_size(NULL);
	expect_bad_size("-1");
	expect_bad_size("-64M");
	expect_bad_size("12Q");
	expect_bad_size("99999999999999999999G");   /* does not fit 64 bits */
	expect_bad_size("99999999999999999999");
	expect_bad_size("17179869184G");             /* 2^34 GiB = 2^64 bytes */
	expect_bad_size("M");
	expect_bad_size("64 M");
	expect_bad_size("64MM");
	expect_bad_size("64MiBx");
	expect_bad_size("64KBB");
	expect_bad_size("0x40");
	expect_bad_size("64.5M");
	expect_bad_size("64T");
}
END_TEST

START_TEST(parse_negative_after_blank)
{
	/* strtoull accepts a sign after leading blanks and negates modulo 2^64, so
	 * a '-' that is not the first character must be refused too: these are
	 * negative sizes, not 0 or 1 MiB. */
	expect_bad_size(" -1");
	expect_bad_size("\t-1G");
	expect_bad_size(" -18446744073709551615");   /* -(2^64 - 1) wraps to 1 */
	expect_bad_size(" -0");
}
END_TEST

START_TEST(parse_largest)
{
	/* 2^44 - 1 MiB still fits 64 bits; 2^44 MiB does not. */
	expect_size("17592186044415", (17592186044415ull) << 20);
	expect_bad_size("17592186044416");
	expect_size("17179869183G", 17179869183ull << 30);
}
END_TEST

static Suite *guestmem_suite(void)
{
	Suite *s = suite_create("guestmem");
	TCase *tc = tcase_create("init");
	tcase_add_test(tc, init_too_small);
	tcase_add_test(tc, init_too_large);
	tcase_add_test(tc, init_not_page_multiple);
	tcase_add_test(tc, init_ok_sizes);
	tcase_add_test(tc, init_max_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("ram");
	tcase_add_checked_fixture(tc, setup_64m, teardown_64m);
	tcase_add_test(tc, fd_view_is_shared);
	tcase_add_test(tc, is_ram_basic);
	tcase_add_test(tc, is_ram_vga_hole);
	tcase_add_test(tc, is_ram_end);
	tcase_add_test(tc, is_ram_overflow);
	tcase_add_test(tc, is_ram_zero_length);
	tcase_add_test(tc, rw_round_trip);
	tcase_add_test(tc, rw_refusal);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse_size");
	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, parse_negative_after_blank);
	tcase_add_test(tc, parse_largest);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(guestmem_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
