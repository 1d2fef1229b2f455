/* session/guestview: the debugger's one reader of guest linear memory. Paging
 * off and on (4 KiB, 4 MiB with and without CR4.PSE, PAE), RAM only or with
 * the VGA window, pages split across a read, all or nothing, the 4 GiB end,
 * and a debugger's walk that sets no A/D bits. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/guestmem.h"
#include "monitor/paging.h"
#include "monitor/vgamem.h"
#include "session/guestview.h"

static struct guestmem gm;
static struct vgamem vga;
static struct vcpu_state st;

enum { PD = 0x10000, PT = 0x11000 };

static void put32(uint32_t pa, uint32_t v)
{
	ck_assert_int_eq(gmem_write(&gm, pa, &v, 4), 0);
}

static void setup(void)
{
	char err[128];
	ck_assert_int_eq(gmem_init(&gm, 8 << 20, err, sizeof err), 0);
	vgamem_init(&vga);
	memset(&st, 0, sizeof st);
	put32(PD + 0 * 4, PT | 0x3);                /* present, writable */
	put32(PD + 1 * 4, 0x00400000u | 0x83);      /* 4 MiB page at 4 MiB (with CR4.PSE) */
	put32(PT + 5 * 4, 0x00222000u | 0x1);       /* lin 0x5000 -> 0x222000 */
	put32(PT + 6 * 4, 0x00300000u | 0x1);       /* lin 0x6000 -> 0x300000 */
	put32(PT + 7 * 4, 0x000b8000u | 0x1);       /* lin 0x7000 -> the CGA text buffer */
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

static void paging_on(void)
{
	st.cr0 = CR0_PE | CR0_PG;
	st.cr3 = PD;
}

START_TEST(phys_paging_off_and_on)
{
	uint64_t pa;
	ck_assert(gv_phys(&gm, 0, &st, 0x12345, &pa));     /* paging off: identity */
	ck_assert_uint_eq(pa, 0x12345);
	ck_assert(gv_phys(&gm, 0, NULL, 0x12345, &pa));    /* no state: physical */
	ck_assert(!gv_phys(&gm, 0, &st, 0x00900000, &pa)); /* past RAM */
	paging_on();
	ck_assert(gv_phys(&gm, 0, &st, 0x5abc, &pa));
	ck_assert_uint_eq(pa, 0x222abc);
	ck_assert(!gv_phys(&gm, 0, &st, 0x8000, &pa));      /* PTE not present */
	ck_assert(!gv_phys(&gm, 0, &st, 0x00800000, &pa));  /* PDE not present */
	ck_assert(!gv_phys(&gm, 0, &st, 0x00412345, &pa));  /* PS without CR4.PSE: a table at 4 MiB, empty */
	st.cr4 = 0x10;                                       /* CR4.PSE */
	ck_assert(gv_phys(&gm, 0, &st, 0x00412345, &pa));
	ck_assert_uint_eq(pa, 0x00412345);
	st.cr4 = 0x20;                                       /* PAE: the PDPT at PD is not this layout */
	ck_assert(!gv_phys(&gm, 0, &st, 0x5abc, &pa));
	ck_assert(!gv_phys(&gm, 0, &st, 0x7000, &pa));
}
END_TEST

START_TEST(read_across_pages)
{
	paging_on();
	ck_assert_int_eq(gmem_write(&gm, 0x222ffe, "ab", 2), 0);
	ck_assert_int_eq(gmem_write(&gm, 0x300000, "cd", 2), 0);
	char b[5] = "";
	ck_assert(gv_read(&gm, 0, &st, 0x5ffe, b, 4));       /* two pages, not contiguous in RAM */
	ck_assert_str_eq(b, "abcd");
	ck_assert_uint_eq(gv_readable(&gm, 0, &st, 0x5ffe, 4), 4);
	ck_assert_uint_eq(gv_readable(&gm, 0, &st, 0x6ffe, 4), 2);  /* RAM only: 0x7000 is VGA */
	/* No A/D bits set: a debugger looks. */
	uint32_t pte;
	gmem_read(&gm, PT + 5 * 4, &pte, 4);
	ck_assert_uint_eq(pte, 0x00222001u);
}
END_TEST

START_TEST(read_all_or_nothing)
{
	paging_on();
	char b[4] = "xyz";
	ck_assert(!gv_read(&gm, 0, &st, 0x6ffe, b, 4));      /* second page VGA, RAM only */
	ck_assert(!gv_read(&gm, 0, &st, 0x7ffe, b, 4));      /* second page not mapped */
	ck_assert(!gv_read_vga(&gm, &vga, 0, &st, 0x7ffe, b, 4));
	ck_assert_str_eq(b, "xyz");
	st.cr0 = 0;
	ck_assert(!gv_read(&gm, 0, &st, 0xfffffffe, b, 4));  /* no wrap at 4 GiB */
	ck_assert(!gv_read_vga(&gm, &vga, 0, &st, 0xfffffffe, b, 4));
	ck_assert(!gv_read(&gm, 0, &st, 0x007ffffe, b, 4));  /* past the end of RAM */
	ck_assert_str_eq(b, "xyz");
}
END_TEST

START_TEST(read_vga_window)
{
	memcpy(vga.bytes + (VGAMEM_CGA_TEXT - VGAMEM_BASE), "H\x07i\x07", 4);
	char b[4];
	ck_assert(!gv_read(&gm, 0, &st, VGAMEM_CGA_TEXT, b, 4));          /* RAM only */
	ck_assert(!gv_read_vga(&gm, NULL, 0, &st, VGAMEM_CGA_TEXT, b, 4)); /* no VGA: the same */
	ck_assert(gv_read_vga(&gm, &vga, 0, &st, VGAMEM_CGA_TEXT, b, 4));  /* paging off */
	ck_assert(memcmp(b, "H\x07i\x07", 4) == 0);
	memset(b, 0, sizeof b);
	paging_on();
	ck_assert(gv_read_vga(&gm, &vga, 0, &st, 0x7000, b, 4));           /* through a mapping */
	ck_assert(memcmp(b, "H\x07i\x07", 4) == 0);
	ck_assert_int_eq(gmem_write(&gm, 0x300ffe, "ab", 2), 0);
	char c[5] = "";
	ck_assert(gv_read_vga(&gm, &vga, 0, &st, 0x6ffe, c, 4));           /* RAM then VGA */
	ck_assert_str_eq(c, "abH\x07");
}
END_TEST

static Suite *guestview_suite(void)
{
	Suite *s = suite_create("guestview");
	TCase *tc = tcase_create("guestview");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, phys_paging_off_and_on);
	tcase_add_test(tc, read_across_pages);
	tcase_add_test(tc, read_all_or_nothing);
	tcase_add_test(tc, read_vga_window);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(guestview_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
