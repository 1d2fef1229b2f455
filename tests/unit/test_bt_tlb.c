/* Unit tests for engine/bt_tlb (and the window calls it uses): fills noted
 * from real walks of page tables built in guest RAM, then CR3 loads. A new
 * address space with copies of the tables at other physical pages keeps
 * every fill (xv6's per-process kernel tables); a changed entry drops only
 * its own fill; an absent or different directory entry drops the range;
 * the other view is checked only when entered; large pages are kept only
 * for the very same entry; a fill through a new directory entry drops the
 * range's older fills; PAE tables work alike; win_paging_drop_run drops in
 * one call; the fill budget empties a full view. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "engine/bt_tlb.h"
#include "engine/window.h"
#include "monitor/machine.h"
#include "monitor/paging.h"

#define RAM (64ull << 20)
#define PD1 0x10000u
#define PT1 0x11000u
#define PD2 0x20000u
#define PT2 0x21000u
#define LIN 0x00400000u   /* the range of PDE 1 */
#define FRAME 0x00100000u

static struct machine M;
static struct win W;
static struct bt_tlb T;
static struct pg_phys RAMP;

static void put32(uint32_t pa, uint32_t v)
{
	ck_assert_int_eq(gmem_write(&M.mem, pa, &v, 4), 0);
}

static uint32_t get32(uint32_t pa)
{
	uint32_t v;
	ck_assert_int_eq(gmem_read(&M.mem, pa, &v, 4), 0);
	return v;
}

/* 32-bit tables at pd/pt: LIN + i*4K -> FRAME + i*4K, user, writable. */
static void tables32(uint32_t pd, uint32_t pt)
{
	for (uint32_t i = 0; i < 1024; i++) {
		put32(pd + 4 * i, 0);
		put32(pt + 4 * i, i < 16 ? (FRAME + (i << 12)) | 7 : 0);
	}
	put32(pd + 4 * (LIN >> 22), pt | 7);
}

static struct pg_mode mode32(uint32_t cr3, uint32_t cr4)
{
	return (struct pg_mode){ .cr0 = CR0_PG | CR0_PE, .cr3 = cr3, .cr4 = cr4 };
}

/* What bt_paging_fault does for a read (or write) of lin. */
static void fill(const struct pg_mode *mode, uint32_t lin, bool write, bool user)
{
	struct pg_result r;
	ck_assert_int_eq(pg_translate(&RAMP, mode, lin, write ? PG_WRITE : PG_READ,
				      PG_SET_AD | (user ? PG_USER : 0), &r), PG_OK);
	ck_assert_int_eq(bt_tlb_fill(&T, &W, mode, lin >> 12, &r), 0);
	ck_assert_int_eq(win_paging_fill(&W, lin >> 12, (uint32_t)(r.pa >> 12), r.writable && (write || r.dirty)), 0);
}

static bool filled(uint32_t lin)
{
	return W.l2p[lin >> 12] != 0;
}

static void setup(void)
{
	char err[256] = "";
	ck_assert_msg(machine_init(&M, &(struct machine_config){ .ram_size = RAM }, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(win_init(&W, &M.mem, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(win_set_paging(&W, true), 0);
	memset(&T, 0, sizeof T);
	RAMP = pg_phys_ram(&M.mem);
}

static void teardown(void)
{
	bt_tlb_destroy(&T);
	win_destroy(&W);
	machine_destroy(&M);
}

START_TEST(copy_of_tables_keeps_all)
{
	tables32(PD1, PT1);
	struct pg_mode a = mode32(PD1, 0);
	for (uint32_t i = 0; i < 8; i++)
		fill(&a, LIN + (i << 12), i & 1, false);
	/* Another address space whose tables are copies, A/D bits and all. */
	for (uint32_t i = 0; i < 1024; i++) {
		put32(PD2 + 4 * i, get32(PD1 + 4 * i));
		put32(PT2 + 4 * i, get32(PT1 + 4 * i));
	}
	put32(PD2 + 4 * (LIN >> 22), (get32(PD1 + 4 * (LIN >> 22)) & 0xfff) | PT2);
	struct pg_mode b = mode32(PD2, 0);
	bt_tlb_recheck(&T, &W, &RAMP, &b, &M.mem);   /* the first check copies the table */
	bt_tlb_recheck(&T, &W, &RAMP, &b, &M.mem);   /* then it is the same */
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_msg(filled(LIN + (i << 12)), "page %u dropped", i);
	ck_assert_uint_eq(T.kept_tables, 1);
	ck_assert_uint_eq(T.diffed_tables, 1);
	ck_assert_uint_eq(W.nlive, 8);
}
END_TEST

START_TEST(changed_entry_drops_only_it)
{
	tables32(PD1, PT1);
	struct pg_mode a = mode32(PD1, 0);
	for (uint32_t i = 0; i < 8; i++)
		fill(&a, LIN + (i << 12), false, false);
	put32(PT1 + 4 * 3, (FRAME + (40u << 12)) | 0x27);   /* another frame, A set */
	put32(PT1 + 4 * 5, get32(PT1 + 4 * 5) & ~0x20u);       /* A cleared: a refill must set it */
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_msg(filled(LIN + (i << 12)) == (i != 3 && i != 5), "page %u", i);
	ck_assert_uint_eq(W.nlive, 6);
	/* A new entry for a page never filled changes nothing filled. */
	put32(PT1 + 4 * 20, (FRAME + (20u << 12)) | 7);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert_uint_eq(W.nlive, 6);
}
END_TEST

START_TEST(dir_entry_absent_or_changed_drops_range)
{
	tables32(PD1, PT1);
	struct pg_mode a = mode32(PD1, 0);
	for (uint32_t i = 0; i < 4; i++)
		fill(&a, LIN + (i << 12), false, false);
	put32(PD1 + 4 * (LIN >> 22), get32(PD1 + 4 * (LIN >> 22)) & ~2u);   /* read-only now */
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert_uint_eq(W.nlive, 0);
	ck_assert_uint_eq(T.dropped_tables, 1);
	fill(&a, LIN, false, false);
	put32(PD1 + 4 * (LIN >> 22), 0);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert(!filled(LIN));
	ck_assert_uint_eq(T.view[0].nactive, 0);
}
END_TEST

START_TEST(other_view_checked_when_entered)
{
	tables32(PD1, PT1);
	struct pg_mode a = mode32(PD1, 0);
	ck_assert_int_eq(win_switch_view(&W, 1), 1);
	fill(&a, LIN, false, true);
	fill(&a, LIN + 0x1000, false, true);
	ck_assert_int_eq(win_switch_view(&W, 0), 1);
	/* A kernel-only address space: nothing user is mapped there. */
	put32(PD2 + 4 * (LIN >> 22), 0);
	struct pg_mode k = mode32(PD2, 0);
	bt_tlb_recheck(&T, &W, &RAMP, &k, &M.mem);
	ck_assert_uint_eq(W.other.nlive, 2);   /* not looked at yet */
	/* Back to the first space, one entry changed, then to user mode. */
	put32(PT1 + 4, (FRAME + (50u << 12)) | 0x27);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert_int_eq(win_switch_view(&W, 1), 1);
	bt_tlb_entered(&T, &W, &RAMP, &a, &M.mem);
	ck_assert(filled(LIN));
	ck_assert(!filled(LIN + 0x1000));
	ck_assert_uint_eq(W.nlive, 1);
}
END_TEST

START_TEST(large_page_kept_only_if_same)
{
	for (uint32_t i = 0; i < 1024; i++)
		put32(PD1 + 4 * i, 0);
	put32(PD1 + 4 * (LIN >> 22), 0x00800000u | 0x87);   /* 4 MiB page at 8 MiB */
	struct pg_mode a = mode32(PD1, PG_CR4_PSE);
	fill(&a, LIN, false, false);
	fill(&a, LIN + 0x5000, false, false);
	ck_assert_uint_eq(W.l2p[LIN >> 12] - 1, 0x800u);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert_uint_eq(W.nlive, 2);
	ck_assert_uint_eq(T.kept_tables, 1);
	put32(PD1 + 4 * (LIN >> 22), 0x00c00000u | 0xa7);   /* another frame */
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert_uint_eq(W.nlive, 0);
}
END_TEST

START_TEST(new_dir_entry_drops_older_fills)
{
	tables32(PD1, PT1);
	struct pg_mode a = mode32(PD1, 0);
	fill(&a, LIN, false, false);
	fill(&a, LIN + 0x1000, false, false);
	/* The PDE is made supervisor-only without a CR3 load (stale TLB
	 * entries are allowed), then another page is filled through it. */
	put32(PD1 + 4 * (LIN >> 22), get32(PD1 + 4 * (LIN >> 22)) & ~4u);
	fill(&a, LIN + 0x2000, false, false);
	ck_assert(!filled(LIN));
	ck_assert(!filled(LIN + 0x1000));
	ck_assert(filled(LIN + 0x2000));
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert(filled(LIN + 0x2000));
}
END_TEST

START_TEST(pae_tables)
{
	/* PDPT at PD1, one directory at PT1, a table at PT2: 2 MiB ranges. */
	uint64_t pdpt[4] = { 0 }, z = 0;
	for (uint32_t i = 0; i < 512; i++) {
		ck_assert_int_eq(gmem_write(&M.mem, PT1 + 8 * i, &z, 8), 0);
		uint64_t e = i < 16 ? (FRAME + (i << 12)) | 7 | (1ull << 63) : 0;
		ck_assert_int_eq(gmem_write(&M.mem, PT2 + 8 * i, &e, 8), 0);
	}
	pdpt[0] = PT1 | 1;
	ck_assert_int_eq(gmem_write(&M.mem, PD1, pdpt, sizeof pdpt), 0);
	uint64_t pde = PT2 | 7;
	ck_assert_int_eq(gmem_write(&M.mem, PT1 + 8 * (LIN >> 21), &pde, 8), 0);
	struct pg_mode a = mode32(PD1, PG_CR4_PAE);
	a.efer = PG_EFER_NXE;
	fill(&a, LIN, false, false);
	fill(&a, LIN + 0x1000, true, false);
	ck_assert_uint_eq(pg_dir_shift(&a), 21);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert_uint_eq(W.nlive, 2);
	ck_assert_uint_eq(T.kept_tables, 1);
	/* Clearing XD (the high dword) is a change too. */
	uint64_t e;
	ck_assert_int_eq(gmem_read(&M.mem, PT2 + 8, &e, 8), 0);
	e &= ~(1ull << 63);
	ck_assert_int_eq(gmem_write(&M.mem, PT2 + 8, &e, 8), 0);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert(filled(LIN));
	ck_assert(!filled(LIN + 0x1000));
	/* A PDPTE gone: the range goes. */
	pdpt[0] = 0;
	ck_assert_int_eq(gmem_write(&M.mem, PD1, pdpt, sizeof pdpt), 0);
	bt_tlb_recheck(&T, &W, &RAMP, &a, &M.mem);
	ck_assert_uint_eq(W.nlive, 0);
}
END_TEST

START_TEST(drop_run_and_budget)
{
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_int_eq(win_paging_fill(&W, 0x100 + 2 * i, 0x300 + 5 * i, true), 0);
	ck_assert_uint_eq(W.nmaps, 8);   /* nothing adjacent */
	ck_assert_uint_eq(win_paging_drop_run(&W, 0x100, 7), 4);
	ck_assert_uint_eq(W.nlive, 4);
	ck_assert(W.l2p[0x108] && !W.l2p[0x106]);
	/* Adjacent pages of adjacent frames are one host mapping. */
	uint32_t before = W.nmaps;
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_int_eq(win_paging_fill(&W, 0x200 + i, 0x400 + i, true), 0);
	ck_assert_uint_eq(W.nmaps, before + 1);
	/* A full view is emptied at the next fill. */
	W.fill_max = W.nmaps;
	ck_assert_int_eq(win_paging_fill(&W, 0x500, 0x600, true), 0);
	ck_assert_uint_eq(W.nlive, 1);
	ck_assert(!W.l2p[0x200] && W.l2p[0x500]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bt_tlb");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, copy_of_tables_keeps_all);
	tcase_add_test(tc, changed_entry_drops_only_it);
	tcase_add_test(tc, dir_entry_absent_or_changed_drops_range);
	tcase_add_test(tc, other_view_checked_when_entered);
	tcase_add_test(tc, large_page_kept_only_if_same);
	tcase_add_test(tc, new_dir_entry_drops_older_fills);
	tcase_add_test(tc, pae_tables);
	tcase_add_test(tc, drop_run_and_budget);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
