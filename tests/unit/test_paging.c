/* Unit tests for monitor/paging: the guest page-table walk against page tables
 * built in a real 64 MiB guestmem, checked against the Intel SDM vol. 3A ch. 4:
 * paging off; 32-bit paging with not-present PDEs and PTEs and their exact
 * #PF error codes, 4 MiB pages with CR4.PSE (PSE-36 high bits, reserved bits
 * by MAXPHYADDR) and the PS bit ignored without it; user and supervisor
 * rights, CR0.WP, SMEP; A and D bits set as hardware does (and not on a
 * fault or without PG_SET_AD); PAE 4 KiB and 2 MiB pages, XD with and without
 * EFER.NXE, the I/D bit, reserved bits giving RSVD; PG_FORCE; linear copies
 * across a page boundary that fail without a partial copy; tables outside RAM. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/guestmem.h"
#include "monitor/paging.h"

#define MIB (1ull << 20)

#define P   0x001u
#define RW  0x002u
#define US  0x004u
#define A   0x020u
#define D   0x040u
#define PS  0x080u
#define XD  (1ull << 63)

/* 32-bit paging: the page directory and two page tables. */
#define PD   0x10000u
#define PT0  0x11000u   /* maps 0x00000000..0x003fffff (PDE 0) */
#define PT1  0x12000u   /* maps 0x00400000..0x007fffff (PDE 1) */
/* PAE: a PDPT at a 32-byte aligned, not 4 KiB aligned address, a directory, a table. */
#define PDPT 0x30020u
#define PAE_PD 0x31000u
#define PAE_PT 0x32000u
/* Data pages. */
#define FRAME1 0x20000u
#define FRAME2 0x50000u

static struct guestmem gm;
static struct pg_phys ram;

static void setup(void)
{
	char err[256];
	ck_assert_int_eq(gmem_init(&gm, 64 * MIB, err, sizeof err), 0);
	ram = pg_phys_ram(&gm);
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

static void put32(uint64_t pa, uint32_t v)
{
	ck_assert_int_eq(gmem_write(&gm, pa, &v, 4), 0);
}

static uint32_t get32(uint64_t pa)
{
	uint32_t v = 0;
	ck_assert_int_eq(gmem_read(&gm, pa, &v, 4), 0);
	return v;
}

static void put64(uint64_t pa, uint64_t v)
{
	ck_assert_int_eq(gmem_write(&gm, pa, &v, 8), 0);
}

static uint64_t get64(uint64_t pa)
{
	uint64_t v = 0;
	ck_assert_int_eq(gmem_read(&gm, pa, &v, 8), 0);
	return v;
}

static struct pg_mode mode32(uint32_t cr4, bool wp)
{
	return (struct pg_mode){ .cr0 = CR0_PG | CR0_PE | (wp ? CR0_WP : 0), .cr3 = PD, .cr4 = cr4,
				 .maxphyaddr = 36 };
}

static struct pg_mode mode_pae(bool nxe, unsigned maxphyaddr)
{
	return (struct pg_mode){ .cr0 = CR0_PG | CR0_PE | CR0_WP, .cr3 = PDPT, .cr4 = PG_CR4_PAE,
				 .efer = nxe ? PG_EFER_NXE : 0, .maxphyaddr = maxphyaddr };
}

/* 32-bit: PDE 0 -> PT0, PDE 1 -> PT1, with the given rights on the PDEs. */
static void tables32(uint32_t pde_bits)
{
	put32(PD + 0, PT0 | pde_bits);
	put32(PD + 4, PT1 | pde_bits);
}

/* PAE: PDPTE 0 -> PAE_PD, PDE 0 -> PAE_PT. */
static void tables_pae(uint64_t pde_bits)
{
	put64(PDPT, PAE_PD | P);
	put64(PAE_PD, PAE_PT | pde_bits);
}

static enum pg_status walk(const struct pg_mode *m, uint32_t lin, enum pg_access acc, unsigned flags,
			   struct pg_result *r)
{
	return pg_translate(&ram, m, lin, acc, flags, r);
}

/* Expect a #PF with exactly this error code, CR2 = lin. */
static void expect_fault(const struct pg_mode *m, uint32_t lin, enum pg_access acc, unsigned flags,
			 uint32_t error)
{
	struct pg_result r;
	enum pg_status s = walk(m, lin, acc, flags, &r);
	ck_assert_msg(s == PG_FAULT, "lin %#x acc %d flags %#x: status %d, not a fault", lin, acc, flags, s);
	ck_assert_msg(r.error == error, "lin %#x acc %d flags %#x: error %#x, want %#x", lin, acc, flags,
		      r.error, error);
	ck_assert_uint_eq(r.lin, lin);
}

static uint64_t expect_ok(const struct pg_mode *m, uint32_t lin, enum pg_access acc, unsigned flags,
			  struct pg_result *r)
{
	enum pg_status s = walk(m, lin, acc, flags, r);
	ck_assert_msg(s == PG_OK, "lin %#x acc %d flags %#x: status %d error %#x", lin, acc, flags, s, r->error);
	return r->pa;
}

/* ---- paging off ---- */

START_TEST(paging_off)
{
	/* CR3 and CR4 are junk that must not be looked at. */
	struct pg_mode m = { .cr0 = CR0_PE, .cr3 = 0xfffff000u, .cr4 = PG_CR4_PAE };
	struct pg_result r;
	ck_assert_uint_eq(expect_ok(&m, 0x12345678u, PG_WRITE, PG_USER | PG_SET_AD, &r), 0x12345678u);
	ck_assert(r.writable && r.user && r.exec);
	ck_assert_uint_eq(r.size, 4096);
	ck_assert_uint_eq(expect_ok(&m, 0xfffffffcu, PG_EXEC, 0, &r), 0xfffffffcu);

	uint8_t buf[4] = { 1, 2, 3, 4 }, back[4];
	ck_assert_int_eq(pg_write_lin(&ram, &m, 0x4ffe, buf, 4, 0, NULL), PG_OK);
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x4ffe, back, 4, 0, NULL), PG_OK);
	ck_assert_mem_eq(back, buf, 4);
	ck_assert_uint_eq(gm.phys[0x5001], 4);
}
END_TEST

/* ---- 32-bit paging ---- */

START_TEST(pde_not_present)
{
	struct pg_mode m = mode32(0, true);
	/* The PD is all zero. Error bits say what the access was, P=0. */
	expect_fault(&m, 0x00001234u, PG_READ, 0, 0);
	expect_fault(&m, 0x00001234u, PG_WRITE, 0, PG_PF_W);
	expect_fault(&m, 0x80001234u, PG_READ, PG_USER, PG_PF_U);
	expect_fault(&m, 0x80001234u, PG_WRITE, PG_USER, PG_PF_W | PG_PF_U);
	/* No I/D bit for fetches in 32-bit paging without SMEP. */
	expect_fault(&m, 0x00001234u, PG_EXEC, PG_USER, PG_PF_U);
	/* A not-present PDE with other bits set is still just not present. */
	put32(PD, 0xfffffffeu);
	expect_fault(&m, 0x00001234u, PG_WRITE, PG_USER, PG_PF_W | PG_PF_U);
}
END_TEST

START_TEST(pte_not_present)
{
	struct pg_mode m = mode32(0, true);
	tables32(P | RW | US);
	expect_fault(&m, 0x00003000u, PG_READ, 0, 0);
	expect_fault(&m, 0x00003000u, PG_WRITE, PG_USER, PG_PF_W | PG_PF_U);
	/* The PDE was used on the way: with PG_SET_AD it is marked accessed. */
	ck_assert_uint_eq(get32(PD) & A, 0);
	expect_fault(&m, 0x00003000u, PG_READ, PG_SET_AD, 0);
	ck_assert_uint_eq(get32(PD) & (A | D), A);
}
END_TEST

START_TEST(page_4k)
{
	struct pg_mode m = mode32(0, true);
	struct pg_result r;
	tables32(P | RW | US);
	put32(PT0 + 4 * 3, FRAME1 | P | RW | US);        /* 0x00003000 -> FRAME1 */
	put32(PT1 + 4 * 0x3ff, FRAME2 | P | RW | US);    /* 0x007ff000 -> FRAME2 */
	ck_assert_uint_eq(expect_ok(&m, 0x00003abcu, PG_READ, 0, &r), FRAME1 + 0xabc);
	ck_assert_uint_eq(r.size, 4096);
	ck_assert(r.writable && r.user && r.exec);
	ck_assert_uint_eq(expect_ok(&m, 0x007fffffu, PG_WRITE, PG_USER, &r), FRAME2 + 0xfff);
	ck_assert_uint_eq(r.lin, 0x007fffffu);
	/* The neighbours are not mapped. */
	expect_fault(&m, 0x00002fffu, PG_READ, 0, 0);
	expect_fault(&m, 0x00004000u, PG_READ, 0, 0);
	expect_fault(&m, 0x00800000u, PG_READ, 0, 0);
	/* Without PG_SET_AD nothing is written. */
	ck_assert_uint_eq(get32(PD) & (A | D), 0);
	ck_assert_uint_eq(get32(PT0 + 12) & (A | D), 0);
}
END_TEST

START_TEST(page_4m_pse)
{
	struct pg_mode m = mode32(PG_CR4_PSE, true);
	struct pg_result r;
	put32(PD + 4 * 3, 0x00800000u | PS | P | RW);    /* 0x00c00000 -> 0x00800000, 4 MiB */
	ck_assert_uint_eq(expect_ok(&m, 0x00d23456u, PG_READ, 0, &r), 0x00923456u);
	ck_assert_uint_eq(r.size, 4u << 20);
	ck_assert(r.writable && !r.user);
	/* PSE-36: PDE bits 16:13 are physical address bits 35:32 ... */
	put32(PD + 4 * 3, 0x00800000u | (0x5u << 13) | PS | P | RW);
	ck_assert_uint_eq(expect_ok(&m, 0x00d23456u, PG_READ, 0, &r), 0x500923456ull);
	/* ... the PAT bit (12) is not an address bit ... */
	put32(PD + 4 * 3, 0x00800000u | 0x1000u | PS | P | RW);
	ck_assert_uint_eq(expect_ok(&m, 0x00d23456u, PG_READ, 0, &r), 0x00923456u);
	/* ... and with MAXPHYADDR 36, bits 21:17 are reserved. */
	put32(PD + 4 * 3, 0x00800000u | (1u << 17) | PS | P | RW);
	expect_fault(&m, 0x00d23456u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	expect_fault(&m, 0x00d23456u, PG_WRITE, PG_USER, PG_PF_P | PG_PF_RSVD | PG_PF_W | PG_PF_U);
	/* maxphyaddr 0 means 36. */
	m.maxphyaddr = 0;
	expect_fault(&m, 0x00d23456u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	/* With MAXPHYADDR 40 (and more: PSE-36 stops at 40) bits 20:13 are
	 * address bits 39:32, and only bit 21 is reserved. */
	m.maxphyaddr = 46;
	put32(PD + 4 * 3, 0x00800000u | (0xffu << 13) | PS | P | RW);
	ck_assert_uint_eq(expect_ok(&m, 0x00d23456u, PG_READ, 0, &r), 0xff00923456ull);
	put32(PD + 4 * 3, 0x00800000u | (1u << 21) | PS | P | RW);
	expect_fault(&m, 0x00d23456u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	/* With MAXPHYADDR 32 bits 21:13 are all reserved. */
	m.maxphyaddr = 32;
	put32(PD + 4 * 3, 0x00800000u | (1u << 13) | PS | P | RW);
	expect_fault(&m, 0x00d23456u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	/* Reserved bits in a not-present PDE are not looked at. */
	put32(PD + 4 * 3, 0x00800000u | (1u << 21) | PS | RW);
	expect_fault(&m, 0x00d23456u, PG_READ, 0, 0);
}
END_TEST

START_TEST(ps_ignored_without_pse)
{
	struct pg_mode m = mode32(0, true);
	struct pg_result r;
	/* PS set, but CR4.PSE=0: the PDE points to a page table. */
	put32(PD, PT0 | PS | P | RW);
	put32(PT0 + 4 * 5, FRAME1 | P | RW);
	ck_assert_uint_eq(expect_ok(&m, 0x00005010u, PG_READ, 0, &r), FRAME1 + 0x10);
	ck_assert_uint_eq(r.size, 4096);
	expect_fault(&m, 0x00006000u, PG_READ, 0, 0);
	/* The same PDE with CR4.PSE is a 4 MiB page; PT0's bit 16 is then
	 * PSE-36's physical address bit 35. */
	m.cr4 = PG_CR4_PSE;
	ck_assert_uint_eq(expect_ok(&m, 0x00005010u, PG_READ, 0, &r), (1ull << 35) | 0x5010u);
	ck_assert_uint_eq(r.size, 4u << 20);
	/* Without CR4.PSE nothing is reserved in 32-bit paging: bit 21 is a
	 * table address bit (the table there is empty); with it, reserved. */
	put32(PD, 0x00400000u | (1u << 21) | PS | P | RW);
	m.cr4 = 0;
	expect_fault(&m, 0x00005010u, PG_READ, 0, 0);
	m.cr4 = PG_CR4_PSE;
	expect_fault(&m, 0x00005010u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
}
END_TEST

START_TEST(user_supervisor)
{
	struct pg_mode m = mode32(0, true);
	struct pg_result r;
	/* U/S=0 in the PTE only. */
	tables32(P | RW | US);
	put32(PT0 + 4 * 1, FRAME1 | P | RW);
	expect_fault(&m, 0x1000u, PG_READ, PG_USER, PG_PF_P | PG_PF_U);
	expect_fault(&m, 0x1000u, PG_WRITE, PG_USER, PG_PF_P | PG_PF_W | PG_PF_U);
	expect_fault(&m, 0x1000u, PG_EXEC, PG_USER, PG_PF_P | PG_PF_U);
	expect_ok(&m, 0x1000u, PG_WRITE, 0, &r);
	ck_assert(!r.user && r.writable && r.exec);
	/* U/S=0 in the PDE only. */
	tables32(P | RW);
	put32(PT0 + 4 * 1, FRAME1 | P | RW | US);
	expect_fault(&m, 0x1000u, PG_READ, PG_USER, PG_PF_P | PG_PF_U);
	expect_ok(&m, 0x1000u, PG_READ, 0, &r);
	ck_assert(!r.user);
	/* User page, read-only in the PDE: user reads, no user writes. */
	tables32(P | US);
	expect_ok(&m, 0x1000u, PG_READ, PG_USER, &r);
	ck_assert(r.user && !r.writable && r.exec);
	expect_fault(&m, 0x1000u, PG_WRITE, PG_USER, PG_PF_P | PG_PF_W | PG_PF_U);
	/* User writes ignore CR0.WP: still refused with WP=0. */
	m = mode32(0, false);
	expect_fault(&m, 0x1000u, PG_WRITE, PG_USER, PG_PF_P | PG_PF_W | PG_PF_U);
	/* PG_FORCE (a debugger) passes every permission check. */
	tables32(P);
	put32(PT0 + 4 * 1, FRAME1 | P);
	m = mode32(0, true);
	ck_assert_uint_eq(expect_ok(&m, 0x1004u, PG_WRITE, PG_USER | PG_FORCE, &r), FRAME1 + 4);
	ck_assert(!r.user && !r.writable && !r.exec);   /* the rights are still told */
	expect_fault(&m, 0x2000u, PG_READ, PG_FORCE, 0);   /* but not what is not there */
}
END_TEST

START_TEST(write_protect)
{
	struct pg_result r;
	tables32(P | RW);
	put32(PT0 + 4 * 1, FRAME1 | P);   /* read-only supervisor page */
	struct pg_mode m = mode32(0, false);
	ck_assert_uint_eq(expect_ok(&m, 0x1008u, PG_WRITE, 0, &r), FRAME1 + 8);
	ck_assert(r.writable);
	m = mode32(0, true);
	expect_fault(&m, 0x1008u, PG_WRITE, 0, PG_PF_P | PG_PF_W);
	expect_ok(&m, 0x1008u, PG_READ, 0, &r);
	ck_assert(!r.writable);
	/* Read-only in the PDE is as good as in the PTE. */
	tables32(P);
	put32(PT0 + 4 * 1, FRAME1 | P | RW);
	expect_fault(&m, 0x1008u, PG_WRITE, 0, PG_PF_P | PG_PF_W);
	m = mode32(0, false);
	expect_ok(&m, 0x1008u, PG_WRITE, 0, &r);
}
END_TEST

START_TEST(accessed_dirty)
{
	struct pg_mode m = mode32(PG_CR4_PSE, true);
	struct pg_result r;
	tables32(P | RW);
	put32(PT0 + 4 * 1, FRAME1 | P | RW);
	put32(PT0 + 4 * 2, FRAME2 | P);   /* read-only */

	/* A read sets A in the PDE and the PTE, no D. */
	expect_ok(&m, 0x1000u, PG_READ, PG_SET_AD, &r);
	ck_assert(!r.dirty);
	ck_assert_uint_eq(get32(PD), PT0 | P | RW | A);
	ck_assert_uint_eq(get32(PT0 + 4), FRAME1 | P | RW | A);
	/* A write sets D in the PTE only. */
	expect_ok(&m, 0x1000u, PG_WRITE, PG_SET_AD, &r);
	ck_assert(r.dirty);
	ck_assert_uint_eq(get32(PD), PT0 | P | RW | A);
	ck_assert_uint_eq(get32(PT0 + 4), FRAME1 | P | RW | A | D);
	/* A write that faults: the PDE (used) gets A, the PTE neither. */
	put32(PD, PT0 | P | RW);
	expect_fault(&m, 0x2000u, PG_WRITE, PG_SET_AD, PG_PF_P | PG_PF_W);
	ck_assert_uint_eq(get32(PD), PT0 | P | RW | A);
	ck_assert_uint_eq(get32(PT0 + 8), FRAME2 | P);
	/* Other bits of the entries survive, and a set D reads back as dirty. */
	put32(PT0 + 4 * 3, FRAME2 | P | RW | D | 0xe00u);
	expect_ok(&m, 0x3000u, PG_READ, PG_SET_AD, &r);
	ck_assert(r.dirty);
	ck_assert_uint_eq(get32(PT0 + 12), FRAME2 | P | RW | A | D | 0xe00u);
	/* A 4 MiB page: A and D in the PDE, which is the final entry. */
	put32(PD + 4 * 2, 0x00800000u | PS | P | RW);
	expect_ok(&m, 0x00812345u, PG_WRITE, PG_SET_AD, &r);
	ck_assert_uint_eq(get32(PD + 8), 0x00800000u | PS | P | RW | A | D);
}
END_TEST

START_TEST(smep)
{
	struct pg_mode m = mode32(PG_CR4_SMEP, true);
	struct pg_result r;
	tables32(P | RW | US);
	put32(PT0 + 4 * 1, FRAME1 | P | RW | US);
	put32(PT0 + 4 * 2, FRAME2 | P | RW);
	/* No supervisor fetch from a user page; I/D set with SMEP even without PAE. */
	expect_fault(&m, 0x1000u, PG_EXEC, 0, PG_PF_P | PG_PF_ID);
	expect_ok(&m, 0x1000u, PG_READ, 0, &r);
	ck_assert(!r.exec);
	expect_ok(&m, 0x1000u, PG_EXEC, PG_USER, &r);
	expect_ok(&m, 0x2000u, PG_EXEC, 0, &r);
	expect_fault(&m, 0x3000u, PG_EXEC, 0, PG_PF_ID);   /* not present, a fetch */
	m.cr4 = 0;
	expect_ok(&m, 0x1000u, PG_EXEC, 0, &r);
	ck_assert(r.exec);
}
END_TEST

/* ---- PAE ---- */

START_TEST(pae_4k_2m)
{
	struct pg_mode m = mode_pae(false, 36);
	struct pg_result r;
	tables_pae(P | RW | US);
	put64(PAE_PT + 8 * 7, FRAME1 | P | RW | US);                /* 0x00007000 */
	put64(PAE_PT + 8 * 8, 0x923456000ull | P | RW | US);        /* above 4 GiB */
	put64(PAE_PD + 8 * 3, 0x01400000u | PS | P | RW | 0x1000u); /* 0x00600000, 2 MiB, PAT */
	ck_assert_uint_eq(expect_ok(&m, 0x00007123u, PG_WRITE, PG_USER, &r), FRAME1 + 0x123);
	ck_assert_uint_eq(r.size, 4096);
	ck_assert(r.writable && r.user && r.exec);
	ck_assert_uint_eq(expect_ok(&m, 0x00008fffu, PG_READ, 0, &r), 0x923456fffull);
	ck_assert_uint_eq(expect_ok(&m, 0x007abcdeu, PG_READ, 0, &r), 0x015abcdeu);
	ck_assert_uint_eq(r.size, 2u << 20);
	ck_assert(!r.user);
	expect_fault(&m, 0x007abcdeu, PG_READ, PG_USER, PG_PF_P | PG_PF_U);
	/* Other PDPTEs are not present: no I/D without NXE. */
	expect_fault(&m, 0x40000000u, PG_EXEC, 0, 0);
	expect_fault(&m, 0xc0000000u, PG_WRITE, PG_USER, PG_PF_W | PG_PF_U);
	/* The PDPT is at CR3[31:5]: PDPTE 3 is at PDPT + 24. */
	put64(PDPT + 24, PAE_PD | P);
	ck_assert_uint_eq(expect_ok(&m, 0xc0007000u, PG_READ, 0, &r), FRAME1);
	/* A and D: PDE and PTE, never the PDPTE (no A bit there in PAE). */
	expect_ok(&m, 0x00007000u, PG_WRITE, PG_SET_AD, &r);
	ck_assert_uint_eq(get64(PDPT), PAE_PD | P);
	ck_assert_uint_eq(get64(PAE_PD), PAE_PT | P | RW | US | A);
	ck_assert_uint_eq(get64(PAE_PT + 56), FRAME1 | P | RW | US | A | D);
	m.efer = PG_EFER_NXE;   /* XD is then no reserved bit */
	put64(PAE_PT + 8 * 9, 0xf00000000ull | XD | 0x2000u | P);   /* the high dword is kept */
	expect_ok(&m, 0x00009000u, PG_READ, PG_SET_AD, &r);
	ck_assert_uint_eq(get64(PAE_PT + 72), 0xf00000000ull | XD | 0x2000u | P | A);
}
END_TEST

START_TEST(pae_xd)
{
	struct pg_mode m = mode_pae(true, 36);
	struct pg_result r;
	tables_pae(P | RW | US);
	put64(PAE_PT + 8 * 1, FRAME1 | P | RW | US | XD);
	put64(PAE_PT + 8 * 2, FRAME2 | P | RW | US);
	/* XD with NXE: no fetch, at any privilege, with I/D; data is fine. */
	expect_fault(&m, 0x1000u, PG_EXEC, 0, PG_PF_P | PG_PF_ID);
	expect_fault(&m, 0x1000u, PG_EXEC, PG_USER, PG_PF_P | PG_PF_U | PG_PF_ID);
	expect_ok(&m, 0x1000u, PG_WRITE, PG_USER, &r);
	ck_assert(r.writable && r.user && !r.exec);
	expect_ok(&m, 0x2000u, PG_EXEC, PG_USER, &r);
	ck_assert(r.exec);
	/* With PAE and NXE every faulting fetch has I/D, a not-present one too;
	 * data accesses never. */
	expect_fault(&m, 0x3000u, PG_EXEC, 0, PG_PF_ID);
	expect_fault(&m, 0x3000u, PG_READ, 0, 0);
	/* XD in the PDE covers the whole table. */
	put64(PAE_PD, PAE_PT | P | RW | US | XD);
	expect_fault(&m, 0x2000u, PG_EXEC, 0, PG_PF_P | PG_PF_ID);
	/* ... and a 2 MiB page. */
	put64(PAE_PD + 8, 0x00400000u | PS | P | RW | XD);
	expect_fault(&m, 0x00200000u, PG_EXEC, 0, PG_PF_P | PG_PF_ID);
	/* Without NXE, bit 63 is reserved, fetch or not, and there is no I/D. */
	m = mode_pae(false, 36);
	put64(PAE_PD, PAE_PT | P | RW | US);
	expect_fault(&m, 0x1000u, PG_EXEC, 0, PG_PF_P | PG_PF_RSVD);
	expect_fault(&m, 0x1000u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	expect_ok(&m, 0x2000u, PG_EXEC, 0, &r);
	ck_assert(r.exec);
}
END_TEST

START_TEST(pae_reserved)
{
	struct pg_mode m = mode_pae(true, 36);
	struct pg_result r;
	tables_pae(P | RW | US);
	put64(PAE_PT + 8 * 1, FRAME1 | P | RW | US);
	expect_ok(&m, 0x1000u, PG_READ, 0, &r);

	/* PDPTE: bits 2:1 and 8:5 reserved, and 63 even with NXE. */
	static const uint64_t pdpte_bad[] = { RW, US, A, D, PS, 0x100u, XD, 1ull << 36 };
	for (size_t i = 0; i < sizeof pdpte_bad / sizeof pdpte_bad[0]; i++) {
		put64(PDPT, PAE_PD | P | pdpte_bad[i]);
		expect_fault(&m, 0x1000u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	}
	put64(PDPT, PAE_PD | P | 0x018u | 0xe00u);   /* PWT, PCD and the ignored bits are fine */
	expect_ok(&m, 0x1000u, PG_READ, 0, &r);
	put64(PDPT, PAE_PD | P | RW);
	expect_fault(&m, 0x1000u, PG_WRITE, PG_USER, PG_PF_P | PG_PF_W | PG_PF_U | PG_PF_RSVD);
	expect_fault(&m, 0x1000u, PG_EXEC, 0, PG_PF_P | PG_PF_RSVD | PG_PF_ID);
	put64(PDPT, PAE_PD | RW);   /* not present: reserved bits not checked */
	expect_fault(&m, 0x1000u, PG_READ, 0, 0);
	put64(PDPT, PAE_PD | P);

	/* PDE and PTE: bits 62:MAXPHYADDR. */
	put64(PAE_PD, PAE_PT | P | RW | US | (1ull << 40));
	expect_fault(&m, 0x1000u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	put64(PAE_PD, PAE_PT | P | RW | US);
	put64(PAE_PT + 8, FRAME1 | P | RW | US | (1ull << 36));
	expect_fault(&m, 0x1000u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	/* With a wider MAXPHYADDR the same bit is an address bit. */
	m.maxphyaddr = 46;
	ck_assert_uint_eq(expect_ok(&m, 0x1000u, PG_READ, 0, &r), FRAME1 | (1ull << 36));
	put64(PAE_PT + 8, FRAME1 | P | RW | US | (1ull << 46));
	expect_fault(&m, 0x1000u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	m.maxphyaddr = 36;
	put64(PAE_PT + 8, FRAME1 | P | RW | US);

	/* 2 MiB PDE: bits 20:13 reserved too, bit 12 (PAT) not. */
	put64(PAE_PD + 8, 0x00400000u | PS | P | RW | (1u << 13));
	expect_fault(&m, 0x00200000u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	put64(PAE_PD + 8, 0x00400000u | PS | P | RW | (1u << 20));
	expect_fault(&m, 0x00200000u, PG_READ, 0, PG_PF_P | PG_PF_RSVD);
	put64(PAE_PD + 8, 0x00400000u | PS | P | RW | (1u << 12));
	ck_assert_uint_eq(expect_ok(&m, 0x00212345u, PG_READ, 0, &r), 0x00412345u);

	/* A reserved-bit fault sets no A bits in the faulting entry. */
	put64(PAE_PT + 8, FRAME1 | P | RW | US | (1ull << 40));
	expect_fault(&m, 0x1000u, PG_READ, PG_SET_AD, PG_PF_P | PG_PF_RSVD);
	ck_assert_uint_eq(get64(PAE_PT + 8), FRAME1 | P | RW | US | (1ull << 40));
}
END_TEST

/* ---- Linear copies ---- */

START_TEST(lin_copy_across_pages)
{
	struct pg_mode m = mode32(0, true);
	struct pg_result r;
	tables32(P | RW | US);
	put32(PT1 + 0, FRAME1 | P | RW | US);   /* 0x00400000; 0x00401000 not mapped */
	for (int i = 0; i < 16; i++)
		gm.phys[FRAME1 + 0xff8 + i] = (uint8_t)(0x10 + i);

	/* Reading 16 bytes from 8 before the end of the page: fails at the
	 * unmapped page, CR2 = its first byte, and copies nothing. */
	uint8_t buf[16];
	memset(buf, 0xaa, sizeof buf);
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x00400ff8u, buf, 16, PG_SET_AD, &r), PG_FAULT);
	ck_assert_uint_eq(r.lin, 0x00401000u);
	ck_assert_uint_eq(r.error, 0);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(buf[i], 0xaa);
	ck_assert_uint_eq(get32(PT1) & A, 0);   /* and set no A bit */
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x00400ff8u, buf, 16, PG_USER, NULL), PG_FAULT);

	/* A write the same: the first page keeps its bytes. */
	uint8_t w[16];
	memset(w, 0x55, sizeof w);
	ck_assert_int_eq(pg_write_lin(&ram, &m, 0x00400ff8u, w, 16, PG_USER, &r), PG_FAULT);
	ck_assert_uint_eq(r.lin, 0x00401000u);
	ck_assert_uint_eq(r.error, PG_PF_W | PG_PF_U);
	ck_assert_uint_eq(gm.phys[FRAME1 + 0xff8], 0x10);
	ck_assert_uint_eq(gm.phys[FRAME1 + 0xfff], 0x17);

	/* Map the second page read-only elsewhere: reads go through both. */
	put32(PT1 + 4, FRAME2 | P | US);
	for (int i = 0; i < 8; i++)
		gm.phys[FRAME2 + i] = (uint8_t)(0x20 + i);
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x00400ff8u, buf, 16, PG_USER | PG_SET_AD, &r), PG_OK);
	for (int i = 0; i < 8; i++) {
		ck_assert_uint_eq(buf[i], 0x10 + i);
		ck_assert_uint_eq(buf[8 + i], 0x20 + i);
	}
	ck_assert_uint_eq(get32(PT1) & (A | D), A);
	ck_assert_uint_eq(get32(PT1 + 4) & (A | D), A);
	/* A user write fails on the read-only page, before writing the first. */
	ck_assert_int_eq(pg_write_lin(&ram, &m, 0x00400ff8u, w, 16, PG_USER | PG_SET_AD, &r), PG_FAULT);
	ck_assert_uint_eq(r.lin, 0x00401000u);
	ck_assert_uint_eq(r.error, PG_PF_P | PG_PF_W | PG_PF_U);
	ck_assert_uint_eq(gm.phys[FRAME1 + 0xff8], 0x10);
	ck_assert_uint_eq(get32(PT1) & D, 0);
	/* A debugger's forced write goes through and sets D in both. */
	ck_assert_int_eq(pg_write_lin(&ram, &m, 0x00400ff8u, w, 16, PG_FORCE | PG_SET_AD, &r), PG_OK);
	ck_assert_uint_eq(gm.phys[FRAME1 + 0xff8], 0x55);
	ck_assert_uint_eq(gm.phys[FRAME2 + 7], 0x55);
	ck_assert_uint_eq(gm.phys[FRAME2 + 8], 0);
	ck_assert_uint_eq(get32(PT1) & D, D);
	ck_assert_uint_eq(get32(PT1 + 4) & D, D);
	/* Nothing to copy is a success. */
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x00900000u, buf, 0, 0, NULL), PG_OK);
}
END_TEST

/* ---- Memory that is not there ---- */

START_TEST(tables_outside_ram)
{
	struct pg_mode m = mode32(0, true);
	struct pg_result r;
	/* The page directory beyond the end of RAM. */
	m.cr3 = 0x10000000u;   /* 256 MiB, RAM is 64 */
	ck_assert_int_eq(walk(&m, 0x00c01000u, PG_READ, 0, &r), PG_BAD_PHYS);
	ck_assert_uint_eq(r.bad_pa, 0x10000000u + 4 * 3);
	/* A page table in the VGA window, which is not RAM. */
	m.cr3 = PD;
	put32(PD, 0xa0000u | P | RW);
	ck_assert_int_eq(walk(&m, 0x00001000u, PG_READ, 0, &r), PG_BAD_PHYS);
	ck_assert_uint_eq(r.bad_pa, 0xa0000u + 4);
	/* A PAE PDPT out of RAM. */
	struct pg_mode mp = mode_pae(false, 36);
	mp.cr3 = 0xfffff000u;
	ck_assert_int_eq(walk(&mp, 0x80000000u, PG_READ, 0, &r), PG_BAD_PHYS);
	ck_assert_uint_eq(r.bad_pa, 0xfffff000u + 16);
	/* A page outside RAM translates (it may be MMIO), but a copy refuses it. */
	put32(PD, PT0 | P | RW);
	put32(PT0 + 4, 0xfee00000u | P | RW);
	put32(PT0 + 8, FRAME1 | P | RW);
	ck_assert_uint_eq(expect_ok(&m, 0x1010u, PG_READ, 0, &r), 0xfee00010u);
	uint8_t buf[8];
	memset(buf, 0xaa, sizeof buf);
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x0ffcu, buf, 8, 0, &r), PG_FAULT);   /* page 0 unmapped */
	ck_assert_uint_eq(r.lin, 0x0ffcu);
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x2ffcu, buf, 8, 0, &r), PG_FAULT);
	ck_assert_uint_eq(r.lin, 0x3000u);
	ck_assert_int_eq(pg_read_lin(&ram, &m, 0x1ffcu, buf, 8, 0, &r), PG_BAD_PHYS);
	ck_assert_uint_eq(r.bad_pa, 0xfee00ffcu);
	ck_assert_int_eq(pg_write_lin(&ram, &m, 0x1ffcu, buf, 8, 0, &r), PG_BAD_PHYS);
	ck_assert_uint_eq(gm.phys[FRAME1], 0);
	ck_assert_uint_eq(buf[0], 0xaa);
}
END_TEST

/* ---- Helpers ---- */

START_TEST(mode_and_cpu)
{
	struct vcpu_state st = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1234000u, .cr4 = PG_CR4_PAE,
				 .efer = PG_EFER_NXE };
	struct pg_mode m = pg_mode_of(&st, 39);
	ck_assert_uint_eq(m.cr0, st.cr0);
	ck_assert_uint_eq(m.cr3, st.cr3);
	ck_assert_uint_eq(m.cr4, st.cr4);
	ck_assert_uint_eq(m.efer, st.efer);
	ck_assert_uint_eq(m.maxphyaddr, 39);
	unsigned w = pg_cpu_maxphyaddr();
	ck_assert_uint_ge(w, 32);
	ck_assert_uint_le(w, 52);
}
END_TEST

static Suite *paging_suite(void)
{
	Suite *s = suite_create("paging");
	TCase *tc = tcase_create("walk32");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, paging_off);
	tcase_add_test(tc, pde_not_present);
	tcase_add_test(tc, pte_not_present);
	tcase_add_test(tc, page_4k);
	tcase_add_test(tc, page_4m_pse);
	tcase_add_test(tc, ps_ignored_without_pse);
	tcase_add_test(tc, user_supervisor);
	tcase_add_test(tc, write_protect);
	tcase_add_test(tc, accessed_dirty);
	tcase_add_test(tc, smep);
	suite_add_tcase(s, tc);

	tc = tcase_create("pae");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pae_4k_2m);
	tcase_add_test(tc, pae_xd);
	tcase_add_test(tc, pae_reserved);
	suite_add_tcase(s, tc);

	tc = tcase_create("copy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lin_copy_across_pages);
	tcase_add_test(tc, tables_outside_ram);
	tcase_add_test(tc, mode_and_cpu);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(paging_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
