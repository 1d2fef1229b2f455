/* Unit tests for monitor/multiboot, the multiboot v1 loader, with images made
 * by elfgen: good ELF images (code at 1 MiB, bss zeroed, several segments,
 * higher-half entry mapping), the information structure (flags, memory sizes,
 * command line, memory map, loader name), the boot GDT, mb_boot_state, a.out
 * kludge images (good and each bad field), every malformed ELF or header case
 * failing with a one-line message that names the problem, boundaries of RAM,
 * the VGA hole and the boot area, RAM left untouched by a refused image,
 * mb_load_file on missing, directory and empty files, and a fixed-seed fuzz of
 * a few thousand mutated images that must load or fail cleanly. */
#include <check.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/guestmem.h"
#include "monitor/multiboot.h"
#include "monitor/vcpu.h"
#include "tests/unit/elfgen.h"

#define MIB (1u << 20)

/* cli; hlt; jmp .-2 : a tiny kernel body (fa f4 eb fd) and some marker bytes. */
static const uint8_t code[] = { 0xfa, 0xf4, 0xeb, 0xfd, 'B', 'T', '8', '6', 1, 2, 3, 4, 5, 6, 7, 8 };

static struct guestmem gm;
static char err[512];

static void setup(void)
{
	char e[256];
	ck_assert_int_eq(gmem_init(&gm, 64 * MIB, e, sizeof e), 0);
	memset(err, 0, sizeof err);
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

static uint32_t rd32(uint32_t pa)
{
	uint32_t v;
	ck_assert_int_eq(gmem_read(&gm, pa, &v, 4), 0);
	return v;
}

static uint64_t rd64(uint32_t pa)
{
	uint64_t v;
	ck_assert_int_eq(gmem_read(&gm, pa, &v, 8), 0);
	return v;
}

/* mem_upper in KiB for a RAM size (docs/machine.md): from 1 MiB to the top
 * 128 KiB, which the memory map reserves for firmware tables as QEMU's does. */
static uint32_t expected_mem_upper(uint64_t ram)
{
	return (uint32_t)((ram - 0x20000 - 0x100000) >> 10);
}

/* Load an image from a buffer of exactly len bytes (so ASan sees any over-read). */
static int load_bytes(struct guestmem *g, const uint8_t *img, size_t len, const char *cmdline,
		      struct mb_boot *b)
{
	uint8_t *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	if (len)
		memcpy(copy, img, len);
	err[0] = 0;
	int rc = mb_load(g, copy, len, cmdline, b, err, sizeof err);
	free(copy);
	return rc;
}

static int load_spec(const struct eg_spec *s, const char *cmdline, struct mb_boot *b)
{
	size_t len;
	uint8_t *img = eg_build(s, &len);
	int rc = load_bytes(&gm, img, len, cmdline, b);
	free(img);
	return rc;
}

/* A failing load: -1, a one-line message with keyword, *b and RAM untouched. */
static void expect_fail_spec(const struct eg_spec *s, const char *keyword)
{
	struct mb_boot b;
	memset(&b, 0xa5, sizeof b);
	struct mb_boot before = b;
	memset(gm.phys + MB_AREA_BASE, 0x5c, MB_AREA_END - MB_AREA_BASE);
	int rc = load_spec(s, "x", &b);
	ck_assert_msg(rc == -1, "image loaded, expected a failure about '%s'", keyword);
	ck_assert_msg(strstr(err, keyword) != NULL, "message '%s' lacks '%s'", err, keyword);
	ck_assert_msg(strchr(err, '\n') == NULL, "message '%s' has a newline", err);
	ck_assert_mem_eq(&b, &before, sizeof b);
	for (uint32_t a = MB_AREA_BASE; a < MB_AREA_END; a++)
		ck_assert_msg(gm.phys[a] == 0x5c, "boot area byte 0x%x written by a failed load", a);
}

static void expect_fail_bytes(const uint8_t *img, size_t len, const char *keyword)
{
	struct mb_boot b;
	int rc = load_bytes(&gm, img, len, "", &b);
	ck_assert_msg(rc == -1, "image loaded, expected a failure about '%s'", keyword);
	ck_assert_msg(strstr(err, keyword) != NULL, "message '%s' lacks '%s'", err, keyword);
	ck_assert_msg(strchr(err, '\n') == NULL, "message '%s' has a newline", err);
}

static void expect_ok_spec(const struct eg_spec *s, struct mb_boot *b)
{
	int rc = load_spec(s, "k", b);
	ck_assert_msg(rc == 0, "load failed: %s", err);
}

/* ---------------- good ELF images ---------------- */

START_TEST(good_elf)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(b.entry, 0x100000);
	ck_assert_uint_eq(b.mbi, MB_INFO_ADDR);
	ck_assert_uint_eq(b.image_lo, 0x100000);
	ck_assert_uint_eq(b.image_hi, 0x100000 + sizeof code);
	ck_assert_uint_eq(b.header_flags, 0x3);
	ck_assert(!b.aout_kludge);
	ck_assert_int_eq(b.nsegs, 1);
	ck_assert_mem_eq(gm.phys + 0x100000, code, sizeof code);
}
END_TEST

START_TEST(bss_zeroed)
{
	struct eg_spec s;
	struct mb_boot b;
	memset(gm.phys + 0x100000, 0xaa, 0x4000);
	eg_simple(&s, code, sizeof code);
	s.seg[0].memsz = 0x2000;
	expect_ok_spec(&s, &b);
	ck_assert_mem_eq(gm.phys + 0x100000, code, sizeof code);
	for (uint32_t i = sizeof code; i < 0x2000; i++)
		ck_assert_msg(gm.phys[0x100000 + i] == 0, "bss byte 0x%x not zeroed", i);
	ck_assert_uint_eq(gm.phys[0x102000], 0xaa);   /* nothing past memsz */
	ck_assert_uint_eq(b.image_hi, 0x102000);
}
END_TEST

START_TEST(several_segments)
{
	static const uint8_t data[] = "data segment";
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	s.nsegs = 5;
	s.seg[1] = (struct eg_seg){ .paddr = 0x200000, .vaddr = 0x200000, .data = data,
				    .filesz = sizeof data, .memsz = 0x1000 };
	s.seg[2] = (struct eg_seg){ .paddr = 0x0, .vaddr = 0x0, .data = data,      /* PT_NOTE: skipped */
				    .filesz = sizeof data, .type = PT_NOTE };
	s.seg[3] = (struct eg_seg){ .paddr = 0xb8000, .vaddr = 0xb8000, .memsz = 0, .filesz = 0 }; /* empty: skipped */
	s.seg[4] = (struct eg_seg){ .paddr = 0x20000, .vaddr = 0x20000, .data = data,  /* below 1 MiB, outside the boot area */
				    .filesz = 4, .memsz = 16 };
	expect_ok_spec(&s, &b);
	ck_assert_int_eq(b.nsegs, 3);
	ck_assert_uint_eq(b.image_lo, 0x20000);
	ck_assert_uint_eq(b.image_hi, 0x201000);
	ck_assert_mem_eq(gm.phys + 0x200000, data, sizeof data);
	ck_assert_mem_eq(gm.phys + 0x20000, data, 4);
	ck_assert_uint_eq(gm.phys[0x20004], 0);
	ck_assert_uint_eq(gm.phys[0], 0);   /* the note was not loaded */
	ck_assert_uint_eq(b.entry, 0x100000);
}
END_TEST

START_TEST(entry_in_second_segment)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	s.nsegs = 2;
	s.seg[1] = (struct eg_seg){ .paddr = 0x300000, .vaddr = 0x300000, .data = code, .filesz = 8 };
	s.entry = 0x300007;    /* the last byte of the segment */
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(b.entry, 0x300007);
}
END_TEST

START_TEST(higher_half_entry)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	s.seg[0].vaddr = 0xC0100000u;     /* linked at 3 GiB + 1 MiB, loaded at 1 MiB */
	s.entry = 0xC0100004u;
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(b.entry, 0x100004);
	ck_assert_uint_eq(b.image_lo, 0x100000);
	ck_assert_mem_eq(gm.phys + 0x100000, code, sizeof code);
}
END_TEST

START_TEST(segment_at_end_of_ram)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	s.seg[0].paddr = s.seg[0].vaddr = 64 * MIB - 0x1000;
	s.seg[0].memsz = 0x1000;
	s.entry = 64 * MIB - 0x1000;
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(b.image_hi, 64 * MIB);
	s.seg[0].memsz = 0x1001;
	expect_fail_spec(&s, "outside guest RAM");
}
END_TEST

START_TEST(boundaries_vga_and_boot_area)
{
	struct eg_spec s;
	struct mb_boot b;
	static const struct { uint32_t pa, len; int ok; const char *kw; } cases[] = {
		{ 0x9ec00, 0x1000, 1, NULL },              /* ends at the EBDA */
		{ 0x9ec00, 0x1001, 0, "EBDA" },
		{ 0x9fc00, 0x10, 0, "EBDA" },              /* the firmware's: 0x9fc00-0x9ffff */
		{ 0x9ffff, 0x1, 0, "EBDA" },
		{ 0x9f000, 0x1001, 0, "EBDA" },
		{ 0xa0000, 0x10, 0, "VGA" },
		{ 0xb8000, 0x10, 0, "VGA" },
		{ 0xbffff, 0x1, 0, "VGA" },
		{ 0xa0000, 0x20000, 0, "VGA" },            /* the whole hole */
		{ 0xc0000, 0x1000, 1, NULL },              /* starts right after it */
		{ 0x8000, 0x1000, 1, NULL },               /* low memory is the kernel's: xv6 loads here */
		{ 0x0, 0x10000, 0, "BIOS data area" },     /* the IVT and BDA: firmware data */
		{ 0x4ff, 0x1, 0, "BIOS data area" },
		{ 0x500, 0x10000, 1, NULL },               /* the first byte that is the kernel's */
		{ 0xef000, 0x1000, 1, NULL },              /* ends at the BIOS area */
		{ 0xef000, 0x1001, 0, "BIOS area" },
		{ 0xf8000, 0x10, 0, "BIOS area" },        /* the boot information */
		{ 0xfffff, 0x1, 0, "BIOS area" },
		{ 0xc0000, 0x40000, 0, "BIOS area" },
		{ 0x100000, 0x1000, 1, NULL },             /* starts right after it */
		{ 0x1000, 0x10, 1, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		eg_simple(&s, code, 4);
		s.seg[0].paddr = s.seg[0].vaddr = cases[i].pa;
		s.seg[0].memsz = cases[i].len;
		s.seg[0].filesz = cases[i].len < 4 ? cases[i].len : 4;
		s.entry = cases[i].pa;
		if (cases[i].ok) {
			ck_assert_msg(load_spec(&s, "", &b) == 0, "case %zu (0x%x+0x%x): %s", i,
				      cases[i].pa, cases[i].len, err);
			ck_assert_uint_eq(b.image_lo, cases[i].pa);
		} else {
			expect_fail_spec(&s, cases[i].kw);
		}
	}
}
END_TEST

START_TEST(optional_flags_accepted)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	s.mb_flags = 0x4;                    /* video mode wanted: accepted, none given */
	expect_ok_spec(&s, &b);
	s.mb_flags = 0x0;
	expect_ok_spec(&s, &b);
	s.mb_flags = 0x7 | 0x00020000u;      /* an unknown optional bit (above 15) */
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(b.header_flags, 0x00020007u);
}
END_TEST

START_TEST(header_position)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	s.mb_offset = 8180;          /* last place a 12-byte header fits in 8 KiB */
	expect_ok_spec(&s, &b);
	ck_assert_mem_eq(gm.phys + 0x100000, code, sizeof code);
	s.mb_offset = 8184;          /* runs past the first 8 KiB */
	expect_fail_spec(&s, "no multiboot header");
	s.mb_offset = 8192;
	expect_fail_spec(&s, "no multiboot header");
	s.mb_offset = 102;           /* not 4-aligned: not a header */
	expect_fail_spec(&s, "no multiboot header");
}
END_TEST

/* ---------------- information structure, GDT, boot state ---------------- */

START_TEST(info_structure)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	ck_assert_int_eq(load_spec(&s, "kernel.elf verbose=1 n=3", &b), 0);
	uint32_t mbi = b.mbi;
	ck_assert_uint_eq(mbi, MB_INFO_ADDR);
	uint32_t flags = rd32(mbi + 0);
	ck_assert_uint_eq(flags & 0x001, 0x001);   /* mem_lower/mem_upper */
	ck_assert_uint_eq(flags & 0x004, 0x004);   /* cmdline */
	ck_assert_uint_eq(flags & 0x040, 0x040);   /* mmap */
	ck_assert_uint_eq(flags & 0x200, 0x200);   /* boot loader name */
	ck_assert_uint_eq(flags & 0x002, 0);       /* no boot device */
	ck_assert_uint_eq(flags & 0x800, 0);       /* no VBE */
	/* docs/machine.md: QEMU's sizes, mem_lower 639 KiB and mem_upper the RAM
	 * from 1 MiB up to the top 128 KiB that the map reserves for firmware. */
	ck_assert_uint_eq(rd32(mbi + 4), 639);
	ck_assert_uint_eq(rd32(mbi + 8), expected_mem_upper(64ull * MIB));   /* 64384 */

	uint32_t cmd = rd32(mbi + 16);
	ck_assert_uint_eq(cmd, MB_CMDLINE_ADDR);
	ck_assert_str_eq((const char *)gm.phys + cmd, "kernel.elf verbose=1 n=3");

	if (flags & 0x008)                         /* modules: none */
		ck_assert_uint_eq(rd32(mbi + 20), 0);

	uint32_t mmap_len = rd32(mbi + 44), mmap = rd32(mbi + 48);
	ck_assert_uint_eq(mmap, MB_MMAP_ADDR);
	ck_assert_uint_eq(mmap_len % 24, 0);
	ck_assert_uint_ge(mmap_len, 2 * 24);
	ck_assert_uint_le(MB_MMAP_ADDR + mmap_len, MB_NAME_ADDR);   /* does not run into the name */
	/* Walk the map as a kernel does: size field, then base, length, type. */
	uint64_t base_of[32], end_of[32];
	uint32_t type_of[32];
	int entries = 0;
	uint64_t upper_run = 0, lower_run = 0;
	for (uint32_t p = mmap; p < mmap + mmap_len; p += rd32(p) + 4) {
		ck_assert_int_lt(entries, 32);
		ck_assert_uint_eq(rd32(p), 20);
		uint64_t base = rd64(p + 4), len = rd64(p + 12);
		uint32_t type = rd32(p + 20);
		ck_assert_uint_gt(len, 0);
		ck_assert(type == 1 || type == 2);
		if (type == 1) {
			/* RAM never covers the VGA window or the BIOS, nor lies past RAM */
			ck_assert(base + len <= 0xa0000 || base >= 0x100000);
			ck_assert_uint_le(base + len, 64ull * MIB);
			if (base == 0)
				lower_run = len;
			if (base == 0x100000)
				upper_run = len;
		}
		base_of[entries] = base;
		end_of[entries] = base + len;
		type_of[entries] = type;
		entries++;
	}
	ck_assert_int_eq(entries, (int)(mmap_len / 24));
	/* entries do not overlap */
	for (int i = 0; i < entries; i++)
		for (int j = 0; j < i; j++)
			ck_assert_msg(end_of[i] <= base_of[j] || end_of[j] <= base_of[i],
				      "map entries %d and %d overlap", j, i);
	/* GRUB's rule: mem_lower/upper are the RAM runs at 0 and at 1 MiB */
	ck_assert_uint_eq(lower_run >> 10, rd32(mbi + 4));
	ck_assert_uint_eq(upper_run >> 10, rd32(mbi + 8));
	ck_assert_uint_eq(rd32(mmap + 20), 1);
	/* the top of RAM above the run at 1 MiB is reserved, not free RAM */
	int top_reserved = 0;
	for (int i = 0; i < entries; i++)
		if (type_of[i] == 2 && base_of[i] == 0x100000 + upper_run && end_of[i] == 64ull * MIB)
			top_reserved = 1;
	ck_assert(top_reserved);

	uint32_t name = rd32(mbi + 64);
	ck_assert_uint_eq(name, MB_NAME_ADDR);
	ck_assert_int_eq(strncmp((const char *)gm.phys + name, "bt86", 4), 0);
	ck_assert_uint_lt(strlen((const char *)gm.phys + name), MB_CMDLINE_ADDR - MB_NAME_ADDR);
}
END_TEST

START_TEST(info_other_ram_size)
{
	struct guestmem g2;
	struct eg_spec s;
	struct mb_boot b;
	size_t len;
	char e[256];
	ck_assert_int_eq(gmem_init(&g2, 128 * MIB, e, sizeof e), 0);
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	ck_assert_int_eq(load_bytes(&g2, img, len, NULL, &b), 0);
	free(img);
	uint32_t v;
	memcpy(&v, g2.phys + MB_INFO_ADDR + 8, 4);
	ck_assert_uint_eq(v, expected_mem_upper(128ull * MIB));   /* 129920 */
	ck_assert_str_eq((const char *)g2.phys + MB_CMDLINE_ADDR, "");   /* NULL cmdline */
	gmem_destroy(&g2);
}
END_TEST

START_TEST(info_min_ram)
{
	struct guestmem g2;
	struct eg_spec s;
	struct mb_boot b;
	size_t len;
	char e[256];
	ck_assert_int_eq(gmem_init(&g2, GMEM_MIN_SIZE, e, sizeof e), 0);
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	ck_assert_int_eq(load_bytes(&g2, img, len, "", &b), 0);
	free(img);
	uint32_t v;
	memcpy(&v, g2.phys + MB_INFO_ADDR + 8, 4);
	ck_assert_uint_eq(v, expected_mem_upper(GMEM_MIN_SIZE));   /* 896 */
	gmem_destroy(&g2);
}
END_TEST

START_TEST(cmdline_lengths)
{
	struct eg_spec s;
	struct mb_boot b;
	char *cl = malloc(MB_CMDLINE_MAX + 2);
	ck_assert_ptr_nonnull(cl);
	eg_simple(&s, code, sizeof code);

	memset(cl, 'a', MB_CMDLINE_MAX - 1);       /* the longest that fits with its NUL */
	cl[MB_CMDLINE_MAX - 1] = 0;
	ck_assert_msg(load_spec(&s, cl, &b) == 0, "%s", err);
	ck_assert_str_eq((const char *)gm.phys + MB_CMDLINE_ADDR, cl);
	ck_assert_uint_eq(MB_CMDLINE_ADDR + MB_CMDLINE_MAX, MB_AREA_END);

	memset(cl, 'b', MB_CMDLINE_MAX);            /* one too many */
	cl[MB_CMDLINE_MAX] = 0;
	memset(gm.phys + MB_AREA_BASE, 0x5c, MB_AREA_END - MB_AREA_BASE);
	ck_assert_int_eq(load_spec(&s, cl, &b), -1);
	ck_assert_msg(strstr(err, "too long"), "%s", err);
	ck_assert_uint_eq(gm.phys[MB_CMDLINE_ADDR], 0x5c);
	ck_assert_uint_eq(gm.phys[0xa000], 0);      /* nothing spilled past the area */
	free(cl);
}
END_TEST

START_TEST(boot_gdt)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(rd64(MB_GDT_ADDR + 0), 0);
	/* flat 4 GiB, G and D/B set: code 0x9b (present ring 0 exec/read accessed),
	 * data 0x93 (present ring 0 read/write accessed) */
	ck_assert_uint_eq(rd64(MB_GDT_ADDR + MB_CODE_SEL), 0x00cf9b000000ffffull);
	ck_assert_uint_eq(rd64(MB_GDT_ADDR + MB_DATA_SEL), 0x00cf93000000ffffull);
}
END_TEST

START_TEST(boot_state)
{
	struct eg_spec s;
	struct mb_boot b;
	struct vcpu_state st;
	eg_simple(&s, code, sizeof code);
	s.entry = 0x100002;
	expect_ok_spec(&s, &b);
	memset(&st, 0xcc, sizeof st);
	mb_boot_state(&b, &st);
	ck_assert_uint_eq(st.gpr[R_EAX], 0x2BADB002u);
	ck_assert_uint_eq(st.gpr[R_EBX], b.mbi);
	ck_assert_uint_eq(st.gpr[R_ECX], 0);
	ck_assert_uint_eq(st.eip, 0x100002);
	ck_assert_uint_eq(st.eflags & EFLAGS_IF, 0);
	ck_assert_uint_eq(st.eflags & EFLAGS_FIXED, EFLAGS_FIXED);
	ck_assert_uint_eq(st.eflags & (EFLAGS_VM | EFLAGS_TF), 0);
	ck_assert_uint_eq(st.cr0, CR0_PE | CR0_ET);
	ck_assert_uint_eq(st.cr0 & CR0_PG, 0);
	ck_assert_uint_eq(st.efer, 0);
	ck_assert_uint_eq(st.seg[S_CS].sel, 0x08);
	ck_assert_uint_eq(st.seg[S_CS].attr & SEG_TYPE_MASK, SEG_TYPE_CODE_RX_ACC);
	uint64_t code_desc = rd64(MB_GDT_ADDR + MB_CODE_SEL);
	uint64_t data_desc = rd64(MB_GDT_ADDR + MB_DATA_SEL);
	/* the hidden state matches the GDT descriptors (bits 40..55 without limit 19:16) */
	ck_assert_uint_eq(st.seg[S_CS].attr, (uint16_t)((code_desc >> 40) & 0xf0ff));
	for (int i = 0; i < S_COUNT; i++) {
		ck_assert_uint_eq(st.seg[i].base, 0);
		ck_assert_uint_eq(st.seg[i].limit, 0xffffffffu);
		ck_assert(st.seg[i].attr & SEG_P);
		ck_assert(st.seg[i].attr & SEG_DB);
		ck_assert(st.seg[i].attr & SEG_G);
		ck_assert_uint_eq((st.seg[i].attr >> SEG_DPL_SHIFT) & 3, 0);
		if (i == S_CS)
			continue;
		ck_assert_uint_eq(st.seg[i].sel, 0x10);
		ck_assert_uint_eq(st.seg[i].attr, (uint16_t)((data_desc >> 40) & 0xf0ff));
	}
	ck_assert_uint_eq(st.gdtr.base, MB_GDT_ADDR);
	ck_assert_uint_eq(st.gdtr.limit, 23);
	ck_assert_uint_eq(st.idtr.limit, 0x3ff);
	ck_assert(st.tr.attr & SEG_P);
}
END_TEST

/* ---------------- a.out kludge ---------------- */

START_TEST(aout_good)
{
	struct eg_spec s;
	struct mb_boot b;
	memset(gm.phys + 0x100000, 0xaa, 0x2000);
	eg_aout(&s, 0x100000, code, sizeof code, 0x1000);
	expect_ok_spec(&s, &b);
	ck_assert(b.aout_kludge);
	ck_assert_uint_eq(b.entry, 0x100000 + EG_MBH_SIZE);
	ck_assert_uint_eq(b.image_lo, 0x100000);
	ck_assert_uint_eq(b.image_hi, 0x100000 + EG_MBH_SIZE + sizeof code + 0x1000);
	ck_assert_uint_eq(rd32(0x100000), MB_HEADER_MAGIC);   /* the header is loaded too */
	ck_assert_mem_eq(gm.phys + 0x100000 + EG_MBH_SIZE, code, sizeof code);
	for (uint32_t i = 0; i < 0x1000; i++)
		ck_assert_uint_eq(gm.phys[0x100000 + EG_MBH_SIZE + sizeof code + i], 0);
	ck_assert_uint_eq(gm.phys[b.image_hi], 0xaa);
	ck_assert_uint_eq(rd32(MB_INFO_ADDR + 4), 639);
}
END_TEST

START_TEST(aout_load_to_eof_no_bss)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_aout(&s, 0x200000, code, sizeof code, 0);
	s.load_end_addr = 0;      /* 0: load the rest of the file */
	s.bss_end_addr = 0;
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(b.image_hi, 0x200000 + EG_MBH_SIZE + sizeof code);
	ck_assert_mem_eq(gm.phys + 0x200000 + EG_MBH_SIZE, code, sizeof code);
}
END_TEST

START_TEST(aout_header_not_at_file_start)
{
	/* header at file offset 64: header_addr - load_addr must be 64 */
	struct eg_spec s;
	struct mb_boot b;
	eg_aout(&s, 0x100000, code, sizeof code, 0);
	s.mb_offset = 64;
	s.header_addr = 0x100040;
	s.load_end_addr = 0x100000 + 64 + EG_MBH_SIZE + sizeof code;
	s.entry_addr = 0x100000 + 64 + EG_MBH_SIZE;
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(rd32(0x100040), MB_HEADER_MAGIC);
	ck_assert_mem_eq(gm.phys + 0x100000 + 64 + EG_MBH_SIZE, code, sizeof code);
	ck_assert_uint_eq(b.entry, 0x100000 + 64 + EG_MBH_SIZE);
}
END_TEST

START_TEST(aout_in_elf_takes_precedence)
{
	/* An ELF whose header sets flag 16 loads by the header's fields, as GRUB does. */
	struct eg_spec s;
	struct mb_boot b;
	size_t len;
	eg_simple(&s, code, sizeof code);
	uint32_t hoff = sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr);       /* elfgen's default place */
	s.mb_flags = 0x00010003u;
	s.load_addr = 0x300000;                                        /* file offset 0 goes here */
	s.header_addr = 0x300000 + hoff;
	s.load_end_addr = 0;
	s.bss_end_addr = 0;
	uint8_t *img = eg_build(&s, &len);
	Elf32_Phdr ph;
	eg_get_phdr(img, 0, &ph);
	s.entry_addr = 0x300000 + ph.p_offset;
	free(img);
	expect_ok_spec(&s, &b);
	ck_assert(b.aout_kludge);
	ck_assert_uint_eq(b.entry, 0x300000 + ph.p_offset);
	ck_assert_mem_eq(gm.phys + 0x300000, ELFMAG, SELFMAG);
	ck_assert_mem_eq(gm.phys + b.entry, code, sizeof code);
	ck_assert_uint_eq(gm.phys[0x100000], 0);   /* the program headers were not used */
}
END_TEST

START_TEST(aout_bad_fields)
{
	struct eg_spec s;

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.load_addr = 0x100004;                 /* above header_addr */
	expect_fail_spec(&s, "load_addr");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.load_addr = 0x0ffff0;                 /* header would be 16 bytes into the file; it is at 0 */
	expect_fail_spec(&s, "load_addr");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.load_end_addr = 0x0ff000;             /* below load_addr */
	s.bss_end_addr = 0;
	expect_fail_spec(&s, "load_end_addr");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.load_end_addr += 1;                   /* one byte more than the file has */
	s.bss_end_addr = 0;
	expect_fail_spec(&s, "file has");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.load_end_addr = 0xffffffffu;          /* hostile: 4 GiB to load */
	s.bss_end_addr = 0;
	expect_fail_spec(&s, "file has");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.bss_end_addr = s.load_end_addr - 1;   /* bss ends inside the image */
	expect_fail_spec(&s, "bss_end_addr");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.bss_end_addr = 0xfffffff0u;           /* bss up to 4 GiB: not RAM */
	expect_fail_spec(&s, "outside guest RAM");

	eg_aout(&s, 64 * MIB - 0x20, code, sizeof code, 0);   /* runs off the end of RAM */
	expect_fail_spec(&s, "outside guest RAM");

	eg_aout(&s, 0xb8000, code, sizeof code, 0);          /* VGA hole */
	expect_fail_spec(&s, "VGA");

	eg_aout(&s, 0xf8000, code, sizeof code, 0);          /* the BIOS area, boot information */
	expect_fail_spec(&s, "BIOS area");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.entry_addr = 0x0fffff;                /* before the image */
	expect_fail_spec(&s, "entry_addr");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.entry_addr = s.bss_end_addr;          /* one past its end */
	expect_fail_spec(&s, "entry_addr");

	eg_aout(&s, 0x100000, code, sizeof code, 0x100);
	s.entry_addr = s.bss_end_addr - 1;      /* the last byte is fine */
	struct mb_boot b;
	expect_ok_spec(&s, &b);
}
END_TEST

START_TEST(aout_truncated_header)
{
	/* flag 16 set but the file ends 12 bytes into the header */
	struct eg_spec s;
	eg_aout(&s, 0x100000, code, sizeof code, 0);
	s.mb_offset = 16;
	s.truncate = 16 + 12;
	expect_fail_spec(&s, "truncated");
	s.truncate = 16 + 31;           /* one byte short of the address fields */
	expect_fail_spec(&s, "truncated");
}
END_TEST

START_TEST(raw_without_aout_flag)
{
	struct eg_spec s;
	eg_aout(&s, 0x100000, code, sizeof code, 0);
	s.mb_flags = 0x3;               /* no address fields, and not an ELF */
	expect_fail_spec(&s, "flag 16");
}
END_TEST

/* ---------------- malformed images ---------------- */

START_TEST(not_elf_no_header)
{
	static const uint8_t text[] = "hello, this is not a kernel\n";
	expect_fail_bytes(text, sizeof text, "not an ELF");
	expect_fail_bytes(text, 0, "not an ELF");
	expect_fail_bytes(text, 3, "not an ELF");
	uint8_t *zeros = calloc(1, 64 * 1024);
	ck_assert_ptr_nonnull(zeros);
	expect_fail_bytes(zeros, 64 * 1024, "not an ELF");
	free(zeros);
	/* an ELF with a broken magic byte is "not ELF" too */
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.corrupt = EG_NO_ELF_MAGIC;
	expect_fail_spec(&s, "not an ELF");
}
END_TEST

START_TEST(elf_truncated_header)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.truncate = 40;
	expect_fail_spec(&s, "truncated");
	s.truncate = 4;                  /* just the magic */
	expect_fail_spec(&s, "truncated");
	s.truncate = sizeof(Elf32_Ehdr) - 1;
	expect_fail_spec(&s, "truncated");
}
END_TEST

START_TEST(elf_class_data_machine_type)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.corrupt = EG_CLASS64;
	expect_fail_spec(&s, "64-bit");
	s.corrupt = EG_BIG_ENDIAN;
	expect_fail_spec(&s, "little-endian");
	s.corrupt = EG_WRONG_MACHINE;
	expect_fail_spec(&s, "machine");
	s.corrupt = EG_NOT_EXEC;
	expect_fail_spec(&s, "ET_EXEC");

	/* EI_CLASS 0 (none) and 3 (invalid) */
	size_t len;
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	img[EI_CLASS] = ELFCLASSNONE;
	expect_fail_bytes(img, len, "class");
	img[EI_CLASS] = 3;
	expect_fail_bytes(img, len, "class");
	free(img);
}
END_TEST

START_TEST(header_missing_bad_flags_checksum)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.corrupt = EG_NO_MBHEADER;
	expect_fail_spec(&s, "no multiboot header");

	eg_simple(&s, code, sizeof code);
	s.corrupt = EG_BAD_CHECKSUM;
	expect_fail_spec(&s, "checksum");

	static const uint32_t required[] = { 0x8, 0x10, 0x100, 0x8000, 0xfff8 };
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		eg_simple(&s, code, sizeof code);
		s.mb_flags = 0x3 | required[i];
		expect_fail_spec(&s, "flags");
	}
}
END_TEST

START_TEST(program_headers_bad)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.corrupt = EG_PHOFF_PAST_END;
	expect_fail_spec(&s, "program header");
	s.corrupt = EG_HUGE_PHNUM;
	expect_fail_spec(&s, "program header");
	s.corrupt = EG_BAD_PHENTSIZE;
	expect_fail_spec(&s, "program header");
	s.corrupt = 0;
	s.nsegs = 0;                     /* e_phnum 0 */
	expect_fail_spec(&s, "program header");

	/* e_phoff near 4 GiB must not wrap around to a small offset */
	size_t len;
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	uint32_t phoff = 0xffffffe0u;
	memcpy(img + offsetof(Elf32_Ehdr, e_phoff), &phoff, 4);
	expect_fail_bytes(img, len, "program header");
	free(img);
}
END_TEST

START_TEST(segment_data_bad)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.corrupt = EG_SEG_PAST_EOF;
	expect_fail_spec(&s, "segment 0");
	s.corrupt = EG_FILESZ_GT_MEMSZ;
	expect_fail_spec(&s, "segment 0");

	/* p_offset + p_filesz wrapping 32 bits */
	size_t len;
	Elf32_Phdr ph;
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	eg_get_phdr(img, 0, &ph);
	ph.p_offset = 0xfffffff8u;
	ph.p_filesz = 0x10;
	ph.p_memsz = 0x10;
	eg_set_phdr(img, 0, &ph);
	expect_fail_bytes(img, len, "segment 0");
	/* huge filesz and memsz */
	eg_get_phdr(img, 0, &ph);
	ph.p_offset = 0x100;
	ph.p_filesz = 0xffffffffu;
	ph.p_memsz = 0xffffffffu;
	eg_set_phdr(img, 0, &ph);
	expect_fail_bytes(img, len, "segment 0");
	free(img);
}
END_TEST

START_TEST(segment_outside_ram)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.seg[0].paddr = s.seg[0].vaddr = 0x8000000;   /* 128 MiB with 64 MiB of RAM */
	s.entry = 0x8000000;
	expect_fail_spec(&s, "outside guest RAM");

	eg_simple(&s, code, sizeof code);
	s.seg[0].paddr = 0xfffff000u;                  /* wraps past 4 GiB */
	s.seg[0].memsz = 0x2000;
	expect_fail_spec(&s, "outside guest RAM");

	eg_simple(&s, code, sizeof code);
	s.seg[0].memsz = 0xffffffffu;                  /* bss of 4 GiB */
	expect_fail_spec(&s, "outside guest RAM");
}
END_TEST

START_TEST(refused_image_leaves_ram_untouched)
{
	/* segment 0 is fine, segment 1 is not: nothing may be written */
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.nsegs = 2;
	s.seg[1] = (struct eg_seg){ .paddr = 0xa0000, .vaddr = 0xa0000, .data = code, .filesz = 4 };
	memset(gm.phys + 0x100000, 0x77, 0x100);
	expect_fail_spec(&s, "VGA");
	for (int i = 0; i < 0x100; i++)
		ck_assert_uint_eq(gm.phys[0x100000 + i], 0x77);
	s.seg[1].paddr = 0x7fff000;
	s.seg[1].memsz = 0x2000;
	expect_fail_spec(&s, "outside guest RAM");
	for (int i = 0; i < 0x100; i++)
		ck_assert_uint_eq(gm.phys[0x100000 + i], 0x77);
}
END_TEST

START_TEST(no_loadable_segments)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.seg[0].type = PT_NOTE;
	expect_fail_spec(&s, "no loadable");
	eg_simple(&s, code, sizeof code);
	s.seg[0].filesz = 0;
	s.seg[0].memsz = 0;
	expect_fail_spec(&s, "no loadable");
}
END_TEST

START_TEST(entry_outside_segments)
{
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	s.entry = 0x100000 + sizeof code;        /* one past the end */
	expect_fail_spec(&s, "entry");
	s.entry = 0x0fffff;                      /* one before */
	expect_fail_spec(&s, "entry");
	s.entry = 0;
	expect_fail_spec(&s, "entry");
	/* linked high, an entry that is neither virtual nor physical */
	eg_simple(&s, code, sizeof code);
	s.seg[0].vaddr = 0xC0100000u;
	s.entry = 0x200000;
	expect_fail_spec(&s, "entry");
}
END_TEST

/* A higher-half kernel whose entry is given as a physical address (xv6:
 * 0x10000c beside segments linked at 0x80100000) is entered there, as
 * QEMU's -kernel does. */
START_TEST(entry_physical_as_qemu)
{
	struct eg_spec s;
	struct mb_boot b;
	size_t len;
	eg_simple(&s, code, sizeof code);
	s.seg[0].vaddr = 0x80100000u;
	s.entry = 0x100000 + 2;
	uint8_t *img = eg_build(&s, &len);
	ck_assert_msg(mb_load(&gm, img, len, "", &b, err, sizeof err) == 0, "%s", err);
	free(img);
	ck_assert_uint_eq(b.entry, 0x100002);
	ck_assert(b.entry_physical);
	/* a virtual entry still goes through its segment */
	eg_simple(&s, code, sizeof code);
	s.seg[0].vaddr = 0x80100000u;
	s.entry = 0x80100002u;
	img = eg_build(&s, &len);
	ck_assert_msg(mb_load(&gm, img, len, "", &b, err, sizeof err) == 0, "%s", err);
	free(img);
	ck_assert_uint_eq(b.entry, 0x100002);
	ck_assert(!b.entry_physical);
}
END_TEST

/* A kernel loaded low, as xv6's boot sector is: a PT_LOAD at 0x8000 linked
 * high with a physical entry, loaded by p_paddr and entered there. */
START_TEST(low_segment_at_0x8000)
{
	struct eg_spec s;
	struct mb_boot b;
	eg_simple(&s, code, sizeof code);
	s.seg[0].paddr = 0x8000;
	s.seg[0].vaddr = 0x80008000u;
	s.seg[0].memsz = 0x2000;
	s.entry = 0x8000;
	expect_ok_spec(&s, &b);
	ck_assert_uint_eq(b.entry, 0x8000);
	ck_assert(b.entry_physical);
	ck_assert_uint_eq(b.image_lo, 0x8000);
	ck_assert_uint_eq(b.image_hi, 0xa000);
	ck_assert_mem_eq(gm.phys + 0x8000, code, sizeof code);
	ck_assert_uint_eq(gm.phys[0x8000 + sizeof code], 0);
}
END_TEST

/* Write bytes to a temporary module file. */
static void write_module(const void *data, size_t len, char *path, size_t pathlen)
{
	ck_assert_int_eq(eg_write_temp(data, len, path, pathlen), 0);
}

/* Modules go after the kernel, page aligned, listed with "PATH ARGS". */
START_TEST(modules_loaded_after_kernel)
{
	struct eg_spec s;
	struct mb_boot b;
	char p1[64], p2[64], want[96];
	static const uint8_t m1[] = "first module";
	uint8_t m2[5000];
	for (size_t i = 0; i < sizeof m2; i++)
		m2[i] = (uint8_t)i;
	write_module(m1, sizeof m1, p1, sizeof p1);
	write_module(m2, sizeof m2, p2, sizeof p2);
	eg_simple(&s, code, sizeof code);
	expect_ok_spec(&s, &b);   /* command line "k" */
	struct mb_module mods[2] = { { p1, "a=1 b" }, { p2, NULL } };
	ck_assert_msg(mb_load_modules(&gm, mods, 2, &b, err, sizeof err) == 0, "%s", err);
	uint32_t mbi = b.mbi;
	ck_assert_uint_eq(rd32(mbi + 0) & 0x008, 0x008);
	ck_assert_uint_eq(rd32(mbi + 20), 2);
	uint32_t list = rd32(mbi + 24);
	ck_assert_uint_eq(list, MB_MODS_ADDR);
	uint32_t s1 = rd32(list), e1 = rd32(list + 4), s2 = rd32(list + 16), e2 = rd32(list + 20);
	ck_assert_uint_eq(s1, 0x101000);   /* the kernel ends at 0x100010: the next page */
	ck_assert_uint_eq(e1, s1 + sizeof m1);
	ck_assert_uint_eq(s2 & 0xfff, 0);
	ck_assert_uint_ge(s2, e1);
	ck_assert_uint_eq(e2, s2 + sizeof m2);
	ck_assert_mem_eq(gm.phys + s1, m1, sizeof m1);
	ck_assert_mem_eq(gm.phys + s2, m2, sizeof m2);
	snprintf(want, sizeof want, "%s a=1 b", p1);
	ck_assert_str_eq((const char *)gm.phys + rd32(list + 8), want);
	ck_assert_str_eq((const char *)gm.phys + rd32(list + 24), p2);
	ck_assert_str_eq((const char *)gm.phys + rd32(mbi + 16), "k");   /* the command line stays */
	ck_assert_uint_gt(rd32(list + 8), MB_CMDLINE_ADDR);
	ck_assert_uint_eq(b.nmods, 2);
	ck_assert_uint_eq(b.mods_hi, e2);
	unlink(p1);
	unlink(p2);
}
END_TEST

START_TEST(modules_bad)
{
	struct eg_spec s;
	struct mb_boot b;
	char p1[64];
	static const uint8_t m1[] = "x";
	write_module(m1, sizeof m1, p1, sizeof p1);
	eg_simple(&s, code, sizeof code);
	expect_ok_spec(&s, &b);
	struct mb_module missing = { "/nonexistent/module.bin", NULL };
	ck_assert_int_eq(mb_load_modules(&gm, &missing, 1, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "module /nonexistent/module.bin") && strstr(err, "No such file"), "%s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	struct mb_module many[MB_MAX_MODULES + 1];
	for (int i = 0; i <= MB_MAX_MODULES; i++)
		many[i] = (struct mb_module){ p1, NULL };
	ck_assert_int_eq(mb_load_modules(&gm, many, MB_MAX_MODULES + 1, &b, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "at most"));
	/* A module past the usable top of RAM (a kernel loaded right below it). */
	struct mb_boot high = b;
	high.image_hi = (uint32_t)(gm.size - 0x20000);
	ck_assert_int_eq(mb_load_modules(&gm, many, 1, &high, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "does not fit"), "%s", err);
	/* No modules: nothing changes, the count stays 0. */
	ck_assert_int_eq(mb_load_modules(&gm, NULL, 0, &b, err, sizeof err), 0);
	ck_assert_uint_eq(rd32(b.mbi + 20), 0);
	unlink(p1);
}
END_TEST

START_TEST(small_guest_ram)
{
	/* gm.size below the minimum (a hand-built guestmem) is refused, not overrun */
	struct guestmem tiny = { .fd = -1, .phys = NULL, .size = 0x10000 };
	struct eg_spec s;
	struct mb_boot b;
	size_t len;
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	ck_assert_int_eq(load_bytes(&tiny, img, len, "", &b), -1);
	ck_assert_msg(strstr(err, "small"), "%s", err);
	free(img);
}
END_TEST

/* ---------------- mb_load_file ---------------- */

START_TEST(load_file_cases)
{
	struct mb_boot b;
	char path[256];
	struct eg_spec s;
	size_t len;

	ck_assert_int_eq(mb_load_file(&gm, "/nonexistent/bt86/kernel.elf", "", &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "/nonexistent/bt86/kernel.elf") && strstr(err, "No such file"), "%s", err);

	ck_assert_int_eq(mb_load_file(&gm, "/tmp", "", &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "/tmp") && strstr(err, "not a regular file"), "%s", err);

	ck_assert_int_eq(eg_write_temp((const uint8_t *)"", 0, path, sizeof path), 0);
	ck_assert_int_eq(mb_load_file(&gm, path, "", &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, path) && strstr(err, "empty"), "%s", err);
	unlink(path);

	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	ck_assert_int_eq(eg_write_temp(img, len, path, sizeof path), 0);
	ck_assert_msg(mb_load_file(&gm, path, "a b", &b, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(b.entry, 0x100000);
	ck_assert_str_eq((const char *)gm.phys + MB_CMDLINE_ADDR, "a b");
	unlink(path);
	free(img);

	s.corrupt = EG_BAD_CHECKSUM;                   /* errors name the file */
	img = eg_build(&s, &len);
	ck_assert_int_eq(eg_write_temp(img, len, path, sizeof path), 0);
	ck_assert_int_eq(mb_load_file(&gm, path, "", &b, err, sizeof err), -1);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0 && strstr(err, "checksum"), "%s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	unlink(path);
	free(img);

	/* a tiny error buffer is not overrun and stays terminated */
	char small[8];
	memset(small, 'Z', sizeof small);
	ck_assert_int_eq(mb_load_file(&gm, "/nonexistent/x", "", &b, small, sizeof small), -1);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

/* ---------------- fuzz ---------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static void mutate(uint8_t *img, size_t *len)
{
	static const uint32_t interesting[] = {
		0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000u, 0xffffffffu,
		0xfffffff0u, 0x100000, 0xa0000, 0x8000, 0x1BADB002u, 0x00010000u, 0x4000000,
	};
	int n = 1 + (int)(rng() % 4);
	for (int k = 0; k < n; k++) {
		switch (rng() % 5) {
		case 0:   /* flip a bit */
		case 1:
			img[rng() % *len] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 2:   /* random byte */
			img[rng() % *len] = (uint8_t)rng();
			break;
		case 3:   /* an interesting 32-bit value at an aligned place in the headers */
			if (*len >= 4) {
				size_t lim = *len < 256 ? *len : 256;
				size_t off = (rng() % (lim - 3)) & ~(size_t)3;
				uint32_t v = interesting[rng() % (sizeof interesting / sizeof interesting[0])];
				if (rng() % 3 == 0)
					v += rng() % 64 - 32;
				memcpy(img + off, &v, 4);
			}
			break;
		case 4:   /* truncate */
			if (rng() % 4 == 0 && *len > 1)
				*len = 1 + rng() % *len;
			break;
		}
	}
}

static void fuzz_base(const struct eg_spec *s, int iterations, int *loaded, int *refused)
{
	size_t base_len;
	uint8_t *base = eg_build(s, &base_len);
	struct guestmem g4;
	char e[256];
	ck_assert_int_eq(gmem_init(&g4, 4 * MIB, e, sizeof e), 0);
	for (int i = 0; i < iterations; i++) {
		size_t len = base_len;
		uint8_t *img = malloc(base_len);
		ck_assert_ptr_nonnull(img);
		memcpy(img, base, base_len);
		mutate(img, &len);
		struct mb_boot b;
		int rc = load_bytes(&g4, img, len, "fuzz", &b);
		free(img);
		if (rc == 0) {
			(*loaded)++;
			ck_assert_uint_le(b.image_lo, b.entry);
			ck_assert_uint_lt(b.entry, b.image_hi);
			ck_assert_uint_le(b.image_hi, g4.size);
			ck_assert_uint_eq(b.mbi, MB_INFO_ADDR);
			ck_assert_int_ge(b.nsegs, 1);
			ck_assert_str_eq((const char *)g4.phys + MB_CMDLINE_ADDR, "fuzz");
		} else {
			ck_assert_int_eq(rc, -1);
			(*refused)++;
			ck_assert_msg(err[0] != 0, "iteration %d: failure without a message", i);
			ck_assert_msg(strchr(err, '\n') == NULL, "iteration %d: '%s'", i, err);
		}
	}
	gmem_destroy(&g4);
	free(base);
}

START_TEST(fuzz_mutations)
{
	static const uint8_t data[] = "fuzzdata";
	struct eg_spec s;
	int loaded = 0, refused = 0;
	rng_state = 0xb786u ^ 0x9e3779b97f4a7c15ull;   /* fixed seed: reproducible */

	eg_simple(&s, code, sizeof code);
	s.nsegs = 2;
	s.seg[0].memsz = 0x100;
	s.seg[1] = (struct eg_seg){ .paddr = 0x200000, .vaddr = 0x200000, .data = data,
				    .filesz = sizeof data, .memsz = 0x40 };
	fuzz_base(&s, 2500, &loaded, &refused);

	eg_aout(&s, 0x100000, code, sizeof code, 0x80);
	fuzz_base(&s, 1000, &loaded, &refused);

	eg_simple(&s, code, sizeof code);
	s.seg[0].vaddr = 0xC0100000u;
	s.entry = 0xC0100000u;
	fuzz_base(&s, 500, &loaded, &refused);

	/* both outcomes must be common, or the fuzzing is not exercising anything */
	ck_assert_int_gt(loaded, 100);
	ck_assert_int_gt(refused, 100);
}
END_TEST

static Suite *multiboot_suite(void)
{
	Suite *s = suite_create("multiboot");
	TCase *tc = tcase_create("elf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_elf);
	tcase_add_test(tc, bss_zeroed);
	tcase_add_test(tc, several_segments);
	tcase_add_test(tc, entry_in_second_segment);
	tcase_add_test(tc, higher_half_entry);
	tcase_add_test(tc, segment_at_end_of_ram);
	tcase_add_test(tc, boundaries_vga_and_boot_area);
	tcase_add_test(tc, optional_flags_accepted);
	tcase_add_test(tc, header_position);
	suite_add_tcase(s, tc);

	tc = tcase_create("info");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, info_structure);
	tcase_add_test(tc, info_other_ram_size);
	tcase_add_test(tc, info_min_ram);
	tcase_add_test(tc, cmdline_lengths);
	tcase_add_test(tc, boot_gdt);
	tcase_add_test(tc, boot_state);
	suite_add_tcase(s, tc);

	tc = tcase_create("aout");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, aout_good);
	tcase_add_test(tc, aout_load_to_eof_no_bss);
	tcase_add_test(tc, aout_header_not_at_file_start);
	tcase_add_test(tc, aout_in_elf_takes_precedence);
	tcase_add_test(tc, aout_bad_fields);
	tcase_add_test(tc, aout_truncated_header);
	tcase_add_test(tc, raw_without_aout_flag);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, not_elf_no_header);
	tcase_add_test(tc, elf_truncated_header);
	tcase_add_test(tc, elf_class_data_machine_type);
	tcase_add_test(tc, header_missing_bad_flags_checksum);
	tcase_add_test(tc, program_headers_bad);
	tcase_add_test(tc, segment_data_bad);
	tcase_add_test(tc, segment_outside_ram);
	tcase_add_test(tc, refused_image_leaves_ram_untouched);
	tcase_add_test(tc, no_loadable_segments);
	tcase_add_test(tc, entry_outside_segments);
	tcase_add_test(tc, entry_physical_as_qemu);
	tcase_add_test(tc, low_segment_at_0x8000);
	tcase_add_test(tc, modules_loaded_after_kernel);
	tcase_add_test(tc, modules_bad);
	tcase_add_test(tc, small_guest_ram);
	tcase_add_test(tc, load_file_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("fuzz");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fuzz_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(multiboot_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
