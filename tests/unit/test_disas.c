/* Unit tests for session/disas: disas_one on a few 32-bit encodings (lengths and
 * Intel-syntax text, relative targets from the address, system instructions),
 * undecodable bytes ("(bad)", length 0: invalid opcodes, LOCK on a register,
 * truncated instructions, empty input, 16-byte instructions), output
 * truncated to small buffers, and disas_guest over a 64 MiB machine's RAM (an
 * instruction, the last bytes before the VGA hole and at the end of RAM, where
 * it takes what there is, and "(not in RAM)" in the VGA hole, past RAM and at
 * the top of the address space). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/guestmem.h"
#include "session/disas.h"

#define RAM (64ull << 20)

static size_t hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		unsigned v;
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		ck_assert_uint_lt(n, max);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

START_TEST(good_encodings)
{
	static const struct {
		const char *bytes;
		uint32_t addr;
		size_t len;
		const char *text;
	} cases[] = {
		{ "90", 0, 1, "nop" },
		{ "b8 78 56 34 12", 0, 5, "mov eax, 0x12345678" },
		{ "8b 44 24 04", 0, 4, "mov eax, dword ptr [esp + 4]" },
		{ "0f 01 15 00 10 00 00", 0, 7, "lgdt [0x1000]" },
		{ "e8 fb ff ff ff", 0x1000, 5, "call 0x1000" },           /* rel32 from the given address */
		{ "eb fe", 0x100000, 2, "jmp 0x100000" },
		{ "cd 80", 0, 2, "int 0x80" },
		{ "f4", 0, 1, "hlt" },
		{ "fa", 0, 1, "cli" },
		{ "0f 22 c0", 0, 3, "mov cr0, eax" },
		{ "ea 00 10 00 00 08 00", 0, 7, "ljmp 8:0x1000" },
		{ "0f 00 d8", 0, 3, "ltr ax" },
		{ "f3 a5", 0, 2, "rep movsd dword ptr es:[edi], dword ptr [esi]" },
		{ "66 9d", 0, 2, "popf" },
		{ "3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 90", 0, 15, "nop" },   /* 15 bytes: the maximum */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[32];
		char out[128];
		size_t n = hex(cases[i].bytes, b, sizeof b);
		size_t len = disas_one(b, n, cases[i].addr, out, sizeof out);
		ck_assert_msg(len == cases[i].len, "%s: length %zu, expected %zu", cases[i].bytes, len, cases[i].len);
		ck_assert_msg(!strcmp(out, cases[i].text), "%s: '%s', expected '%s'", cases[i].bytes, out,
			      cases[i].text);
	}
}
END_TEST

START_TEST(first_instruction_only)
{
	uint8_t b[8];
	char out[64];
	size_t n = hex("90 f4 cc", b, sizeof b);
	ck_assert_uint_eq(disas_one(b, n, 0, out, sizeof out), 1);
	ck_assert_str_eq(out, "nop");
	ck_assert_uint_eq(disas_one(b + 1, n - 1, 1, out, sizeof out), 1);
	ck_assert_str_eq(out, "hlt");
}
END_TEST

START_TEST(bad_bytes)
{
	static const char *const bad[] = {
		"0f 04",                                              /* invalid opcode */
		"fe f8",                                              /* group 4 /7 */
		"ff ff",                                              /* group 5 /7 */
		"f0 01 c0",                                           /* LOCK with a register destination */
		"b8 78 56",                                           /* truncated immediate */
		"0f",                                                 /* truncated opcode */
		"3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 90",    /* 16 bytes: longer than x86 allows */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t b[32];
		char out[64] = "junk";
		size_t n = hex(bad[i], b, sizeof b);
		size_t len = disas_one(b, n, 0, out, sizeof out);
		ck_assert_msg(len == 0, "%s: length %zu ('%s')", bad[i], len, out);
		ck_assert_msg(!strcmp(out, "(bad)"), "%s: '%s'", bad[i], out);
	}
	char out[16] = "junk";
	ck_assert_uint_eq(disas_one((const uint8_t *)"", 0, 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "(bad)");
}
END_TEST

START_TEST(small_output_buffer)
{
	uint8_t b[8];
	size_t n = hex("b8 78 56 34 12", b, sizeof b);
	char out[8];
	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(disas_one(b, n, 0, out, 4), 5);   /* the length is still right */
	ck_assert_str_eq(out, "mov");
	ck_assert_uint_eq((uint8_t)out[4], 'x');
	ck_assert_uint_eq(disas_one((const uint8_t *)"\x0f\x04", 2, 0, out, 3), 0);
	ck_assert_str_eq(out, "(b");
}
END_TEST

/* ---- guest memory ---- */

static struct guestmem G;

static void setup(void)
{
	char err[256] = "";
	ck_assert_msg(gmem_init(&G, RAM, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	gmem_destroy(&G);
}

START_TEST(guest_ram)
{
	uint8_t b[8];
	char out[64];
	size_t n = hex("e8 fb ff ff ff", b, sizeof b);
	ck_assert_int_eq(gmem_write(&G, 0x100000, b, n), 0);
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, 0x100000, out, sizeof out), 5);
	ck_assert_str_eq(out, "call 0x100000");   /* the guest address is the instruction's */
	/* zeroed RAM decodes as add [eax], al */
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, 0x200000, out, sizeof out), 2);
	ck_assert_str_eq(out, "add byte ptr [eax], al");
}
END_TEST

START_TEST(guest_end_of_ram)
{
	char out[64];
	uint8_t nop = 0x90, mov = 0xb8;
	ck_assert_int_eq(gmem_write(&G, RAM - 1, &nop, 1), 0);
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, (uint32_t)RAM - 1, out, sizeof out), 1);
	ck_assert_str_eq(out, "nop");
	ck_assert_int_eq(gmem_write(&G, RAM - 1, &mov, 1), 0);   /* cut off by the end of RAM */
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, (uint32_t)RAM - 1, out, sizeof out), 0);
	ck_assert_str_eq(out, "(bad)");
	/* a complete instruction in the last bytes */
	uint8_t b[5] = { 0xb8, 0x78, 0x56, 0x34, 0x12 };
	ck_assert_int_eq(gmem_write(&G, RAM - 5, b, 5), 0);
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, (uint32_t)RAM - 5, out, sizeof out), 5);
	ck_assert_str_eq(out, "mov eax, 0x12345678");
}
END_TEST

START_TEST(guest_before_vga_hole)
{
	char out[64];
	uint8_t hlt = 0xf4, mov = 0xb8;
	ck_assert_int_eq(gmem_write(&G, GMEM_VGA_BASE - 1, &hlt, 1), 0);
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, GMEM_VGA_BASE - 1, out, sizeof out), 1);
	ck_assert_str_eq(out, "hlt");
	ck_assert_int_eq(gmem_write(&G, GMEM_VGA_BASE - 1, &mov, 1), 0);   /* would read into the hole */
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, GMEM_VGA_BASE - 1, out, sizeof out), 0);
	ck_assert_str_eq(out, "(bad)");
}
END_TEST

START_TEST(guest_not_in_ram)
{
	static const uint32_t where[] = { GMEM_VGA_BASE, 0xb8000, GMEM_VGA_END - 1, (uint32_t)RAM, 0x80000000u,
					  0xfffffff0u, 0xffffffffu };
	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
		char out[64] = "junk";
		ck_assert_uint_eq(disas_guest(&G, 36, NULL, where[i], out, sizeof out), 0);
		ck_assert_msg(!strcmp(out, "(not in RAM)"), "0x%x: '%s'", where[i], out);
	}
	/* right after the hole it is RAM again */
	char out[64];
	ck_assert_uint_eq(disas_guest(&G, 36, NULL, GMEM_VGA_END, out, sizeof out), 2);
}
END_TEST

/* With paging on, addresses are linear: through the page tables, and an
 * instruction cut off by an unmapped page is cut off. */
START_TEST(guest_paged)
{
	uint32_t pd[1024] = { 0 }, pt[1024] = { 0 };
	pd[0x100] = 0x11000 | 1;             /* 0x40000000: page table at 0x11000 */
	pt[0] = 0x100000 | 1;                /* 0x40000000 -> 0x100000 */
	ck_assert_int_eq(gmem_write(&G, 0x10000, pd, sizeof pd), 0);
	ck_assert_int_eq(gmem_write(&G, 0x11000, pt, sizeof pt), 0);
	uint8_t b[5] = { 0xb8, 0x78, 0x56, 0x34, 0x12 };
	ck_assert_int_eq(gmem_write(&G, 0x100000, b, 5), 0);
	ck_assert_int_eq(gmem_write(&G, 0x100ffe, b, 2), 0);
	struct vcpu_state st = { .cr0 = 0x80000011u, .cr3 = 0x10000 };
	char out[64];
	ck_assert_uint_eq(disas_guest(&G, 36, &st, 0x40000000u, out, sizeof out), 5);
	ck_assert_str_eq(out, "mov eax, 0x12345678");
	ck_assert_uint_eq(disas_guest(&G, 36, &st, 0x40000ffeu, out, sizeof out), 0);   /* next page unmapped */
	ck_assert_str_eq(out, "(bad)");
	ck_assert_uint_eq(disas_guest(&G, 36, &st, 0x40001000u, out, sizeof out), 0);
	ck_assert_str_eq(out, "(not in RAM)");
}
END_TEST

static Suite *disas_suite(void)
{
	Suite *s = suite_create("disas");
	TCase *tc = tcase_create("disas_one");
	tcase_add_test(tc, good_encodings);
	tcase_add_test(tc, first_instruction_only);
	tcase_add_test(tc, bad_bytes);
	tcase_add_test(tc, small_output_buffer);
	suite_add_tcase(s, tc);
	TCase *tg = tcase_create("disas_guest");
	tcase_add_checked_fixture(tg, setup, teardown);
	tcase_add_test(tg, guest_ram);
	tcase_add_test(tg, guest_end_of_ram);
	tcase_add_test(tg, guest_before_vga_hole);
	tcase_add_test(tg, guest_not_in_ram);
	tcase_add_test(tg, guest_paged);
	suite_add_tcase(s, tg);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(disas_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
