/* Unit tests for monitor/linuxboot, the Linux/x86 boot protocol loader, with
 * synthetic bzImages written to a temp dir (setup sectors with a valid
 * header, a tiny protected-mode payload): the entry state (EIP =
 * code32_start, ESI = boot_params, flat CS 0x10 and DS 0x18 whose hidden
 * state matches the loader's GDT, IF and paging off), the setup header copy
 * by the jump rule, the loader's fields (type_of_loader, heap, cmd_line_ptr
 * and its text), the E820 table against multiboot's memory map, the memory
 * sizes and screen_info, initrd placement, size and contents under the RAM
 * top and initrd_addr_max, every refusal's one line (old protocol, not
 * loaded high, 64-bit, truncated setup or kernel, too little RAM, initrd that
 * does not fit) with RAM untouched, and machine_load choosing the loader
 * (fw_cfg's command line, --initrd for a multiboot kernel, --module for a
 * bzImage, a reboot loading the bzImage again). */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/fwcfg.h"
#include "monitor/guestmem.h"
#include "monitor/linuxboot.h"
#include "monitor/machine.h"
#include "monitor/multiboot.h"
#include "monitor/vcpu.h"
#include "tests/unit/elfgen.h"

#define MIB (1u << 20)
#define BP  LINUXBOOT_PARAMS_ADDR

/* cli; hlt; jmp .-2 and a marker */
static const uint8_t code[] = { 0xfa, 0xf4, 0xeb, 0xfd, 'L', 'I', 'N', 'U', 'X' };

static struct guestmem gm;
static char err[512];
static char tmpdir[] = "/tmp/test_linuxboot.XXXXXX";

/* What a synthetic bzImage says in its header. */
struct bz {
	uint16_t proto;
	uint8_t setup_sects;
	uint8_t loadflags;
	uint8_t jump;              /* the jump's offset: header end = 0x202 + jump */
	uint16_t xloadflags;
	uint32_t code32;
	uint32_t kernel_len;       /* bytes after the setup sectors */
	uint32_t syssize;          /* 0: kernel_len / 16, rounded up */
	uint32_t initrd_max;
	uint32_t align;
	uint8_t reloc;
	uint32_t cmdline_size;
	uint32_t pref;
	uint32_t init_size;
};

static struct bz bz_default(void)
{
	return (struct bz){ .proto = 0x20f, .setup_sects = 2, .loadflags = LB_LOADED_HIGH, .jump = 0x6a,
			    .code32 = 0x100000, .kernel_len = 8192, .initrd_max = 0x7fffffff, .align = 0x100000,
			    .reloc = 1, .cmdline_size = 2047, .pref = 0x100000, .init_size = 0x40000 };
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static uint8_t *bz_build(const struct bz *z, size_t *len)
{
	size_t setup = ((size_t)z->setup_sects + 1) * 512;
	*len = setup + z->kernel_len;
	uint8_t *img = calloc(1, *len);
	ck_assert_ptr_nonnull(img);
	for (size_t i = 0x290; i < setup; i++)
		img[i] = (uint8_t)(i * 13);   /* setup code: must not reach boot_params */
	for (size_t i = 0x26c; i < 0x290; i++)
		img[i] = 0xcc;                /* past the 2.15 header: must not be copied */
	img[LB_SETUP_SECTS] = z->setup_sects;
	put32(img + LB_SYSSIZE, z->syssize ? z->syssize : (z->kernel_len + 15) / 16);
	put16(img + 0x1fa, 0xffff);       /* vid_mode: normal */
	put16(img + LB_BOOT_FLAG, 0xaa55);
	img[LB_JUMP] = 0xeb;
	img[LB_JUMP + 1] = z->jump;
	memcpy(img + LB_HEADER, "HdrS", 4);
	put16(img + LB_VERSION, z->proto);
	put16(img + 0x20e, 0x0200);       /* kernel_version pointer */
	img[LB_LOADFLAGS] = z->loadflags;
	put32(img + LB_CODE32_START, z->code32);
	put32(img + LB_INITRD_MAX, z->initrd_max);
	put32(img + LB_KERNEL_ALIGN, z->align);
	img[LB_RELOCATABLE] = z->reloc;
	put16(img + LB_XLOADFLAGS, z->xloadflags);
	put32(img + LB_CMDLINE_SIZE, z->cmdline_size);
	put32(img + LB_PREF_ADDRESS, z->pref);
	put32(img + LB_INIT_SIZE, z->init_size);
	memcpy(img + setup, code, sizeof code < z->kernel_len ? sizeof code : z->kernel_len);
	for (size_t i = sizeof code; i < z->kernel_len; i++)
		img[setup + i] = (uint8_t)(i * 7 + 1);
	return img;
}

/* Write bytes to a file in the temp dir. */
static void write_file(const char *name, const uint8_t *buf, size_t len, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_bz(const struct bz *z, const char *name, char *path, size_t pathlen)
{
	size_t len;
	uint8_t *img = bz_build(z, &len);
	write_file(name, img, len, path, pathlen);
	free(img);
}

/* Load a bzImage read back from its file, as machine_load reads it. */
static int load_bz(const struct bz *z, const char *cmdline, struct linuxboot *b)
{
	char path[256];
	uint8_t *img;
	size_t len;
	write_bz(z, "kernel", path, sizeof path);
	ck_assert_int_eq(mb_read_file(path, &img, &len, err, sizeof err), 0);
	err[0] = 0;
	int rc = linuxboot_load(&gm, img, len, cmdline, b, err, sizeof err);
	free(img);
	return rc;
}

static void expect_refused(const struct bz *z, const char *want)
{
	struct linuxboot b;
	memset(gm.phys, 0, 2 * MIB);
	ck_assert_int_eq(load_bz(z, "", &b), -1);
	ck_assert_msg(strstr(err, want), "error '%s' does not say '%s'", err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
	/* Nothing written: kernel, boot_params, GDT. */
	static const uint8_t zero[64];
	ck_assert_mem_eq(gm.phys + LINUXBOOT_KERNEL_ADDR, zero, sizeof zero);
	ck_assert_mem_eq(gm.phys + BP + 0x1f0, zero, sizeof zero);
	ck_assert_mem_eq(gm.phys + LINUXBOOT_GDT_ADDR, zero, 32);
}

static uint8_t b8(uint32_t pa) { return gm.phys[pa]; }
static uint16_t b16(uint32_t pa) { uint16_t v; memcpy(&v, gm.phys + pa, 2); return v; }
static uint32_t b32(uint32_t pa) { uint32_t v; memcpy(&v, gm.phys + pa, 4); return v; }
static uint64_t b64(uint32_t pa) { uint64_t v; memcpy(&v, gm.phys + pa, 8); return v; }

static void setup(void)
{
	char e[256];
	ck_assert_int_eq(gmem_init(&gm, 64 * MIB, e, sizeof e), 0);
	memset(err, 0, sizeof err);
	strcpy(tmpdir, "/tmp/test_linuxboot.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	gmem_destroy(&gm);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(detect)
{
	struct bz z = bz_default();
	size_t len;
	uint8_t *img = bz_build(&z, &len);
	ck_assert(linuxboot_detect(img, len));
	ck_assert(!linuxboot_detect(img, 0x205));
	img[LB_BOOT_FLAG] = 0;
	ck_assert(!linuxboot_detect(img, len));
	img[LB_BOOT_FLAG] = 0x55;
	img[LB_HEADER] = 'h';
	ck_assert(!linuxboot_detect(img, len));
	free(img);
	/* An ELF is not one, and the loader says so if asked. */
	struct eg_spec s;
	eg_simple(&s, code, sizeof code);
	img = eg_build(&s, &len);
	ck_assert(!linuxboot_detect(img, len));
	struct linuxboot b;
	ck_assert_int_eq(linuxboot_load(&gm, img, len, "", &b, err, sizeof err), -1);
	ck_assert_str_eq(err, "not a Linux bzImage (no \"HdrS\" at 0x202)");
	free(img);
}
END_TEST

START_TEST(entry_state)
{
	struct bz z = bz_default();
	struct linuxboot b;
	struct vcpu_state s;
	z.code32 = 0x100000;
	ck_assert_msg(load_bz(&z, "console=ttyS0", &b) == 0, "%s", err);
	ck_assert_mem_eq(gm.phys + LINUXBOOT_KERNEL_ADDR, code, sizeof code);
	ck_assert_uint_eq(b8(LINUXBOOT_KERNEL_ADDR + 100), (uint8_t)(100 * 7 + 1));
	ck_assert_uint_eq(b.kernel_end, LINUXBOOT_KERNEL_ADDR + 8192);
	linuxboot_boot_state(&b, &s);
	ck_assert_uint_eq(s.eip, 0x100000);
	ck_assert_uint_eq(s.gpr[R_ESI], BP);
	ck_assert_uint_eq(s.gpr[R_EBX], 0);
	ck_assert_uint_eq(s.gpr[R_EBP], 0);
	ck_assert_uint_eq(s.gpr[R_EDI], 0);
	ck_assert_uint_eq(s.eflags & EFLAGS_IF, 0);
	ck_assert_uint_eq(s.cr0 & (CR0_PE | CR0_PG), CR0_PE);
	ck_assert_uint_eq(s.seg[S_CS].sel, 0x10);
	for (int i = 0; i < S_COUNT; i++) {
		ck_assert_uint_eq(s.seg[i].base, 0);
		ck_assert_uint_eq(s.seg[i].limit, 0xffffffffu);
		if (i != S_CS)
			ck_assert_uint_eq(s.seg[i].sel, 0x18);
	}
	/* The hidden state is what the GDT in RAM says for those selectors. */
	ck_assert_uint_eq(s.gdtr.base, LINUXBOOT_GDT_ADDR);
	ck_assert_uint_ge(s.gdtr.limit, 0x1f);
	struct vcpu_seg cs = vcpu_seg_from_desc(0x10, b64(s.gdtr.base + 0x10));
	struct vcpu_seg ds = vcpu_seg_from_desc(0x18, b64(s.gdtr.base + 0x18));
	ck_assert_mem_eq(&cs, &s.seg[S_CS], sizeof cs);
	ck_assert_mem_eq(&ds, &s.seg[S_DS], sizeof ds);
	ck_assert_mem_eq(&ds, &s.seg[S_SS], sizeof ds);
	ck_assert_mem_eq(&ds, &s.seg[S_ES], sizeof ds);

	/* A code32_start past the image's start is entered there. */
	z.code32 = 0x100004;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	linuxboot_boot_state(&b, &s);
	ck_assert_uint_eq(s.eip, 0x100004);
}
END_TEST

START_TEST(header_and_loader_fields)
{
	struct bz z = bz_default();
	struct linuxboot b;
	size_t len;
	uint8_t *img = bz_build(&z, &len);
	memset(gm.phys + BP, 0x5a, LINUXBOOT_PARAMS_SIZE);   /* stale bytes must go */
	ck_assert_msg(load_bz(&z, "root=/dev/sda1 quiet", &b) == 0, "%s", err);
	ck_assert_uint_eq(b.params, BP);
	ck_assert_uint_eq(b.header_end, 0x26c);
	ck_assert_uint_eq(b.protocol, 0x20f);
	/* The header by the jump rule, 0x1f1 to 0x202 + 0x6a, less the loader's fields. */
	for (uint32_t off = 0x1f1; off < 0x26c; off++) {
		if ((off >= LB_TYPE_OF_LOADER && off <= LB_LOADFLAGS) || (off >= LB_RAMDISK_IMAGE && off < LB_RAMDISK_IMAGE + 8) ||
		    (off >= LB_HEAP_END_PTR && off < LB_HEAP_END_PTR + 2) || (off >= LB_CMD_LINE_PTR && off < LB_CMD_LINE_PTR + 4) ||
		    (off >= 0x250 && off < 0x258))
			continue;
		ck_assert_msg(b8(BP + off) == img[off], "header byte 0x%x: 0x%02x, image 0x%02x", off, b8(BP + off), img[off]);
	}
	for (uint32_t off = 0x26c; off < 0x290; off++)
		ck_assert_uint_eq(b8(BP + off), 0);
	ck_assert_uint_eq(b8(BP + 0x1ef), 0);   /* the sentinel: the kernel keeps the fields */
	ck_assert_uint_eq(b8(BP + LB_TYPE_OF_LOADER), 0xff);
	ck_assert_uint_eq(b8(BP + LB_LOADFLAGS), LB_LOADED_HIGH | LB_CAN_USE_HEAP);
	ck_assert_uint_eq(b16(BP + LB_HEAP_END_PTR), 0xfe00);
	ck_assert_uint_eq(b32(BP + LB_CMD_LINE_PTR), LINUXBOOT_CMDLINE_ADDR);
	ck_assert_str_eq((const char *)gm.phys + b32(BP + LB_CMD_LINE_PTR), "root=/dev/sda1 quiet");
	ck_assert_uint_eq(b32(BP + LB_RAMDISK_IMAGE), 0);
	ck_assert_uint_eq(b32(BP + LB_RAMDISK_SIZE), 0);
	ck_assert_uint_eq(b32(BP + LB_CODE32_START), 0x100000);
	free(img);

	/* A protocol 2.02 header is shorter (0x202 + 0x2a = 0x22c): nothing after it. */
	z = bz_default();
	z.proto = 0x202;
	z.jump = 0x2a;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	ck_assert_uint_eq(b.header_end, 0x22c);
	ck_assert_uint_eq(b32(BP + LB_INITRD_MAX), 0);
	ck_assert_str_eq((const char *)gm.phys + LINUXBOOT_CMDLINE_ADDR, "");
}
END_TEST

START_TEST(cmdline_limits)
{
	struct bz z = bz_default();
	struct linuxboot b;
	char line[2100];
	memset(line, 'a', sizeof line);
	line[2047] = 0;
	ck_assert_msg(load_bz(&z, line, &b) == 0, "%s", err);
	ck_assert_uint_eq(strlen((const char *)gm.phys + LINUXBOOT_CMDLINE_ADDR), 2047);
	line[2047] = 'a';
	line[2048] = 0;
	ck_assert_int_eq(load_bz(&z, line, &b), -1);
	ck_assert_str_eq(err, "command line is too long (2048 bytes; the kernel takes at most 2047)");
	/* Before 2.06 no cmdline_size: 255. */
	z.proto = 0x205;
	line[256] = 0;
	ck_assert_int_eq(load_bz(&z, line, &b), -1);
	ck_assert_ptr_nonnull(strstr(err, "at most 255"));
	line[255] = 0;
	ck_assert_msg(load_bz(&z, line, &b) == 0, "%s", err);
}
END_TEST

/* The E820 table is multiboot's memory map, entry for entry. */
START_TEST(e820_matches_multiboot)
{
	struct bz z = bz_default();
	struct linuxboot b;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	uint32_t top = 64 * MIB - MB_FW_RESERVED;
	static const struct { uint64_t base, len; uint32_t type; } want[] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
		{ 0x100000, 64 * MIB - MB_FW_RESERVED - 0x100000, 1 }, { 64 * MIB - MB_FW_RESERVED, MB_FW_RESERVED, 2 },
		{ 0xfffc0000, 0x40000, 2 },
	};
	ck_assert_uint_eq(b8(BP + LB_E820_ENTRIES), 6);
	for (int i = 0; i < 6; i++) {
		uint32_t e = BP + LB_E820_TABLE + 20 * (uint32_t)i;
		ck_assert_uint_eq(b64(e), want[i].base);
		ck_assert_uint_eq(b64(e + 8), want[i].len);
		ck_assert_uint_eq(b32(e + 16), want[i].type);
	}
	ck_assert_uint_eq(b32(BP + LB_ALT_MEM_K), (top - 0x100000) >> 10);
	ck_assert_uint_eq(b16(BP + LB_EXT_MEM_K), 0xfc00 < ((top - 0x100000) >> 10) ? 0xfc00 : (top - 0x100000) >> 10);

	/* A multiboot kernel loaded into the same RAM sees the same map. */
	uint8_t e820[6 * 20];
	memcpy(e820, gm.phys + BP + LB_E820_TABLE, sizeof e820);
	struct eg_spec s;
	struct mb_boot mb;
	size_t len;
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	ck_assert_msg(mb_load(&gm, img, len, "k", &mb, err, sizeof err) == 0, "%s", err);
	free(img);
	ck_assert_uint_eq(b32(mb.mbi + 44), 6 * 24);
	for (int i = 0; i < 6; i++) {
		uint32_t at = b32(mb.mbi + 48) + 24 * (uint32_t)i;
		ck_assert_mem_eq(gm.phys + at + 4, e820 + 20 * i, 20);
	}
}
END_TEST

START_TEST(screen_info)
{
	struct bz z = bz_default();
	struct linuxboot b;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	ck_assert_uint_eq(b8(BP + 0x06), 3);     /* orig_video_mode */
	ck_assert_uint_eq(b8(BP + 0x07), 80);    /* orig_video_cols */
	ck_assert_uint_eq(b8(BP + 0x0e), 25);    /* orig_video_lines */
	ck_assert_uint_eq(b8(BP + 0x0f), 1);     /* orig_video_isVGA */
	ck_assert_uint_eq(b16(BP + 0x10), 16);   /* orig_video_points */
	ck_assert_uint_ne(b16(BP + 0x0a) & 0xff, 0x10);   /* ega_bx: an EGA/VGA answered */
}
END_TEST

START_TEST(initrd_placement)
{
	struct bz z = bz_default();
	struct linuxboot b;
	char path[256];
	uint8_t data[10000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 31 + 5);
	write_file("initrd", data, sizeof data, path, sizeof path);
	uint32_t top = 64 * MIB - MB_FW_RESERVED;

	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	ck_assert_msg(linuxboot_load_initrd(&gm, path, &b, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(b.initrd_addr, (top - sizeof data) & ~0xfffu);
	ck_assert_uint_eq(b.initrd_addr % 4096, 0);
	ck_assert_uint_le(b.initrd_addr + sizeof data, top);
	ck_assert_uint_eq(b.initrd_size, sizeof data);
	ck_assert_uint_eq(b32(BP + LB_RAMDISK_IMAGE), b.initrd_addr);
	ck_assert_uint_eq(b32(BP + LB_RAMDISK_SIZE), sizeof data);
	ck_assert_mem_eq(gm.phys + b.initrd_addr, data, sizeof data);

	/* initrd_addr_max is the last byte it may take. */
	z.initrd_max = 0x1ffffff;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	ck_assert_msg(linuxboot_load_initrd(&gm, path, &b, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(b.initrd_addr, (0x2000000 - sizeof data) & ~0xfffu);
	ck_assert_mem_eq(gm.phys + b.initrd_addr, data, sizeof data);
	/* Before 2.03 the limit is 0x37ffffff: the RAM top decides. */
	z.proto = 0x202;
	z.jump = 0x2a;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	ck_assert_msg(linuxboot_load_initrd(&gm, path, &b, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(b.initrd_addr, (top - sizeof data) & ~0xfffu);
}
END_TEST

START_TEST(initrd_refused)
{
	struct bz z = bz_default();
	struct linuxboot b;
	char path[256], big[256];
	uint8_t data[10000] = { 1 };
	write_file("initrd", data, sizeof data, path, sizeof path);
	snprintf(big, sizeof big, "%s/big", tmpdir);
	int fd = open(big, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 63 * MIB), 0);   /* sparse: RAM is 64 MiB */
	close(fd);

	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	ck_assert_int_eq(linuxboot_load_initrd(&gm, big, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "does not fit") && strstr(err, big), "%s", err);
	ck_assert_int_eq(b32(BP + LB_RAMDISK_SIZE), 0);
	/* Below initrd_addr_max there is only the kernel's own memory. */
	z.initrd_max = 0x100000 + 0x40000 + 0x1000;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
	ck_assert_int_eq(linuxboot_load_initrd(&gm, path, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "does not fit in guest RAM between the kernel's end 0x140000"), "%s", err);
	/* Missing and not regular. */
	char missing[300];
	snprintf(missing, sizeof missing, "%s/none", tmpdir);
	ck_assert_int_eq(linuxboot_load_initrd(&gm, missing, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "initrd ") && strstr(err, "No such file"), "%s", err);
	ck_assert_int_eq(linuxboot_load_initrd(&gm, tmpdir, &b, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
}
END_TEST

START_TEST(refusals)
{
	struct bz z = bz_default();
	z.proto = 0x201;
	expect_refused(&z, "kernel too old: boot protocol 2.01, need 2.02 or later");
	z.proto = 0x104;
	expect_refused(&z, "kernel too old: boot protocol 1.04, need 2.02 or later");

	z = bz_default();
	z.loadflags = 0;
	expect_refused(&z, "LOADED_HIGH");

	z = bz_default();
	z.xloadflags = LB_XLF_KERNEL_64 | 0x2;
	expect_refused(&z, "64-bit kernel: bt86 runs 32-bit guests");

	z = bz_default();
	z.setup_sects = 40;
	z.kernel_len = 0;
	z.syssize = 1;
	expect_refused(&z, "truncated bzImage");   /* setup sectors beyond the file */

	z = bz_default();
	z.syssize = 8192 / 16 + 1;
	expect_refused(&z, "truncated bzImage: the header says 8208 bytes of protected-mode kernel (syssize), the file has 8192");

	z = bz_default();
	z.init_size = 63 * MIB;
	expect_refused(&z, "kernel does not fit in RAM");
	/* A relocatable kernel runs at its alignment above 1 MiB, at least at pref_address. */
	z = bz_default();
	z.align = 16 * MIB;
	z.pref = 16 * MIB;
	z.init_size = 48 * MIB;
	expect_refused(&z, "runs at 0x1000000");

	z = bz_default();
	z.code32 = 0x200000;
	expect_refused(&z, "code32_start 0x200000 is outside");

	z = bz_default();
	z.jump = 0x10;
	expect_refused(&z, "malformed setup header");
}
END_TEST

START_TEST(refusals_short_files)
{
	struct bz z = bz_default();
	size_t len;
	uint8_t *img = bz_build(&z, &len);
	struct linuxboot b;
	/* A file cut anywhere after "HdrS" is refused as truncated, never read past. */
	for (size_t cut = 0x206; cut < len; cut += (cut < 0x300 ? 1 : 509)) {
		uint8_t *copy = malloc(cut);
		memcpy(copy, img, cut);
		ck_assert_int_eq(linuxboot_load(&gm, copy, cut, "", &b, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "truncated bzImage"), "cut at %zu: %s", cut, err);
		free(copy);
	}
	free(img);
	/* xloadflags means nothing before 2.12. */
	z.proto = 0x20b;
	z.xloadflags = LB_XLF_KERNEL_64;
	ck_assert_msg(load_bz(&z, "", &b) == 0, "%s", err);
}
END_TEST

/* A fixed-seed fuzz: header bytes and the length mutated, every image loads
 * (its entry inside the kernel, its initrd below the top) or fails with one line. */
START_TEST(mutations)
{
	struct bz z = bz_default();
	size_t len;
	uint8_t *img = bz_build(&z, &len);
	uint32_t seed = 12345;
	int loaded = 0;
	for (int round = 0; round < 3000; round++) {
		uint8_t *copy = malloc(len);
		memcpy(copy, img, len);
		int n = 1 + round % 6;
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t off = 0x1f1 + (seed >> 8) % (0x270 - 0x1f1);
			seed = seed * 1103515245u + 12345u;
			copy[off] = (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		size_t cut = round % 5 == 0 ? 0x206 + (seed >> 8) % (len - 0x206) : len;
		struct linuxboot b;
		err[0] = 0;
		int rc = linuxboot_load(&gm, copy, cut, "x", &b, err, sizeof err);
		if (rc == 0) {
			loaded++;
			ck_assert_uint_ge(b.entry, LINUXBOOT_KERNEL_ADDR);
			ck_assert_uint_lt(b.entry, b.kernel_end);
			ck_assert_uint_le(b.run_end, 64 * MIB - MB_FW_RESERVED);
		} else {
			ck_assert_msg(err[0] && !strchr(err, '\n'), "round %d: '%s'", round, err);
		}
		free(copy);
	}
	ck_assert_int_gt(loaded, 100);
	free(img);
}
END_TEST

/* machine_load: the loader chosen by the image, the command line in fw_cfg too. */
static struct machine m;

static uint64_t fwcfg_read(uint16_t key, char *buf, size_t n)
{
	machine_pio(&m, 0, 0x510, &key, 2, true);
	for (size_t i = 0; i < n; i++)
		machine_pio(&m, 0, 0x511, &buf[i], 1, false);
	return n;
}

START_TEST(machine_chooses_loader)
{
	char kpath[256], ipath[256], elf[256];
	struct bz z = bz_default();
	uint8_t rd[300] = { 'R', 'D' };
	write_bz(&z, "bzImage", kpath, sizeof kpath);
	write_file("initrd", rd, sizeof rd, ipath, sizeof ipath);
	struct machine_config cfg = { .ram_size = 64ull << 20, .initrd = ipath };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(machine_load(&m, kpath, "console=ttyS0", err, sizeof err) == 0, "%s", err);
	ck_assert(m.linux_boot);
	ck_assert_uint_eq(m.boot_state.eip, 0x100000);
	ck_assert_uint_eq(m.boot_state.gpr[R_ESI], BP);
	ck_assert_uint_eq(m.boot_state.seg[S_CS].sel, 0x10);
	ck_assert_str_eq((const char *)m.mem.phys + LINUXBOOT_CMDLINE_ADDR, "console=ttyS0");
	ck_assert_uint_eq(m.lboot.initrd_size, sizeof rd);
	ck_assert_mem_eq(m.mem.phys + m.lboot.initrd_addr, rd, sizeof rd);
	uint32_t size;
	fwcfg_read(FW_CFG_CMDLINE_SIZE, (char *)&size, 4);
	ck_assert_uint_eq(size, sizeof "console=ttyS0");
	char text[32] = "";
	fwcfg_read(FW_CFG_CMDLINE_DATA, text, size);
	ck_assert_str_eq(text, "console=ttyS0");
	/* A reboot loads it again the same way. */
	memset(m.mem.phys + BP, 0, LINUXBOOT_PARAMS_SIZE);
	ck_assert_msg(machine_reboot(&m, err, sizeof err) == 0, "%s", err);
	ck_assert(m.linux_boot);
	ck_assert_uint_eq(m.mem.phys[BP + LB_TYPE_OF_LOADER], 0xff);
	ck_assert_uint_eq(m.boot_state.gpr[R_ESI], BP);

	/* --initrd with a multiboot kernel is an error. */
	struct eg_spec s;
	size_t len;
	eg_simple(&s, code, sizeof code);
	uint8_t *img = eg_build(&s, &len);
	write_file("k.elf", img, len, elf, sizeof elf);
	free(img);
	ck_assert_int_eq(machine_load(&m, elf, "", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "--initrd is for a Linux bzImage"), "%s", err);
	machine_destroy(&m);

	/* Without it, the ELF is multiboot's; modules with a bzImage are an error. */
	struct mb_module mod = { ipath, NULL };
	cfg = (struct machine_config){ .ram_size = 64ull << 20, .modules = &mod, .nmodules = 1 };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(machine_load(&m, elf, "a=1", err, sizeof err) == 0, "%s", err);
	ck_assert(!m.linux_boot);
	ck_assert_uint_eq(m.boot_state.gpr[R_EAX], MB_BOOT_MAGIC);
	ck_assert_int_eq(machine_load(&m, kpath, "", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "takes no --module"), "%s", err);
	machine_destroy(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("linuxboot");
	TCase *tc = tcase_create("linuxboot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, detect);
	tcase_add_test(tc, entry_state);
	tcase_add_test(tc, header_and_loader_fields);
	tcase_add_test(tc, cmdline_limits);
	tcase_add_test(tc, e820_matches_multiboot);
	tcase_add_test(tc, screen_info);
	tcase_add_test(tc, initrd_placement);
	tcase_add_test(tc, initrd_refused);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, refusals_short_files);
	tcase_add_test(tc, mutations);
	tcase_add_test(tc, machine_chooses_loader);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
