/* Linux/x86 boot protocol loader (see linuxboot.h). Field offsets and rules
 * follow the kernel's Documentation/arch/x86/boot.rst and zero-page.rst. */
#include "monitor/linuxboot.h"
#include "monitor/pcmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LB_SECTOR        512u
#define LB_PAGE          0x1000u
#define LB_HDR_LIMIT     0x290u   /* struct setup_header ends here in boot_params */
#define LB_HEAP_END      0xfe00u  /* heap_end_ptr: the setup's heap end less 0x200, as QEMU sets it */
#define LB_KEEP_SEGMENTS 0x40     /* loadflags: obsolete, and wrong for a 32-bit entry */
#define LB_SETUP_DATA    0x250
#define LB_CMDLINE_ROOM  (PC_EBDA_BASE - LINUXBOOT_CMDLINE_ADDR)
#define LB_OLD_INITRD_MAX 0x37ffffffu   /* initrd_addr_max before protocol 2.03 */

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

bool linuxboot_detect(const uint8_t *img, size_t len)
{
	return len >= LB_HEADER + 4 && rd16(img + LB_BOOT_FLAG) == 0xaa55 && memcmp(img + LB_HEADER, "HdrS", 4) == 0;
}

/* The usable top of RAM: the end of the memory map's RAM run at 1 MiB. */
static uint64_t lb_ram_top(const struct guestmem *gm)
{
	struct mb_map_entry map[MB_MAP_ENTRIES];
	mb_memory_map(gm->size, map);
	return map[3].base + map[3].len;
}

/* Where the kernel will run, from a load at 1 MiB: a relocatable kernel
 * moves itself up to its kernel_alignment, but never below its
 * LOAD_PHYSICAL_ADDR (pref_address), as arch/x86/boot/compressed/head_32.S
 * computes it; a fixed one runs at pref_address. It needs init_size bytes
 * there; before protocol 2.10 neither is known and the image is all. */
static void lb_run_area(const uint8_t *img, uint16_t proto, uint32_t kernel_len, uint64_t *start, uint64_t *end)
{
	uint64_t at = LINUXBOOT_KERNEL_ADDR, need = kernel_len;
	uint64_t pref = proto >= 0x20a ? (uint64_t)rd32(img + LB_PREF_ADDRESS) : LINUXBOOT_KERNEL_ADDR;
	uint32_t align = proto >= 0x205 ? rd32(img + LB_KERNEL_ALIGN) : 0;

	if (proto >= 0x20a)
		need = rd32(img + LB_INIT_SIZE);
	if (proto >= 0x205 && img[LB_RELOCATABLE] && align && (align & (align - 1)) == 0) {
		at = (at + align - 1) & ~(uint64_t)(align - 1);
		if (at < pref)
			at = pref;
	} else {
		at = pref;
	}
	*start = at;
	*end = at + need;
}

/* Every check before anything is written, so a refused image leaves RAM as it was. */
static int lb_check(const struct guestmem *gm, const uint8_t *img, size_t len, const char *cmdline,
		    struct linuxboot *b, char *err, size_t errlen)
{
	if (len < LB_HDR_LIMIT) {
		snprintf(err, errlen, "truncated bzImage: %zu bytes, the setup header alone needs %u", len, LB_HDR_LIMIT);
		return -1;
	}
	uint16_t proto = rd16(img + LB_VERSION);
	if (proto < LINUXBOOT_MIN_PROTOCOL) {
		snprintf(err, errlen, "kernel too old: boot protocol %u.%02u, need 2.02 or later", proto >> 8, proto & 0xff);
		return -1;
	}
	if (!(img[LB_LOADFLAGS] & LB_LOADED_HIGH)) {
		snprintf(err, errlen, "not a bzImage: loadflags 0x%02x has no LOADED_HIGH (a zImage loads at 0x10000, which bt86 does not do)",
			 img[LB_LOADFLAGS]);
		return -1;
	}
	if (proto >= 0x20c && (rd16(img + LB_XLOADFLAGS) & LB_XLF_KERNEL_64)) {
		snprintf(err, errlen, "64-bit kernel: bt86 runs 32-bit guests");
		return -1;
	}
	uint32_t sects = img[LB_SETUP_SECTS] ? img[LB_SETUP_SECTS] : 4;   /* 0 means 4, for old kernels */
	size_t setup_len = (sects + 1) * LB_SECTOR;
	if (setup_len >= len) {
		snprintf(err, errlen, "truncated bzImage: %u setup sectors and the kernel after them need more than the file's %zu bytes",
			 sects, len);
		return -1;
	}
	uint32_t hdr_end = LB_HEADER + img[LB_JUMP + 1];
	if (img[LB_JUMP] != 0xeb || hdr_end > LB_HDR_LIMIT || hdr_end < LB_CMD_LINE_PTR + 4) {
		snprintf(err, errlen, "malformed setup header: the jump at 0x200 (%02x %02x) must end it between 0x%x and 0x%x",
			 img[LB_JUMP], img[LB_JUMP + 1], LB_CMD_LINE_PTR + 4, LB_HDR_LIMIT);
		return -1;
	}
	uint64_t kernel_len = len - setup_len;
	uint64_t syssize = (uint64_t)(proto >= 0x204 ? rd32(img + LB_SYSSIZE) : rd16(img + LB_SYSSIZE)) * 16;
	if (syssize > kernel_len) {
		snprintf(err, errlen, "truncated bzImage: the header says %llu bytes of protected-mode kernel (syssize), the file has %llu",
			 (unsigned long long)syssize, (unsigned long long)kernel_len);
		return -1;
	}
	if (gm->size < GMEM_MIN_SIZE) {
		snprintf(err, errlen, "guest RAM is too small");
		return -1;
	}
	uint64_t top = lb_ram_top(gm), run_start, run_end;
	lb_run_area(img, proto, (uint32_t)kernel_len, &run_start, &run_end);
	uint64_t need_end = run_end > LINUXBOOT_KERNEL_ADDR + kernel_len ? run_end : LINUXBOOT_KERNEL_ADDR + kernel_len;
	if (need_end > top) {
		snprintf(err, errlen, "kernel does not fit in RAM: it needs up to 0x%llx (loaded at 0x%x, runs at 0x%llx, init_size %llu KiB), usable RAM ends at 0x%llx (try a larger -m)",
			 (unsigned long long)need_end, LINUXBOOT_KERNEL_ADDR, (unsigned long long)run_start,
			 (unsigned long long)((run_end - run_start) >> 10), (unsigned long long)top);
		return -1;
	}
	uint32_t entry = rd32(img + LB_CODE32_START);
	if (entry < LINUXBOOT_KERNEL_ADDR || entry - LINUXBOOT_KERNEL_ADDR >= kernel_len) {
		snprintf(err, errlen, "code32_start 0x%x is outside the protected-mode kernel loaded at 0x%x-0x%llx",
			 entry, LINUXBOOT_KERNEL_ADDR, (unsigned long long)(LINUXBOOT_KERNEL_ADDR + kernel_len));
		return -1;
	}
	/* Before 2.06 the limit is 255 characters; cmdline_size excludes the NUL. */
	uint64_t max = proto >= 0x206 ? rd32(img + LB_CMDLINE_SIZE) : 255;
	if (max > LB_CMDLINE_ROOM - 1)
		max = LB_CMDLINE_ROOM - 1;
	if (strlen(cmdline) > max) {
		snprintf(err, errlen, "command line is too long (%zu bytes; the kernel takes at most %llu)", strlen(cmdline),
			 (unsigned long long)max);
		return -1;
	}
	*b = (struct linuxboot){
		.entry = entry,
		.params = LINUXBOOT_PARAMS_ADDR,
		.protocol = proto,
		.header_end = hdr_end,
		.kernel_end = (uint32_t)(LINUXBOOT_KERNEL_ADDR + kernel_len),
		.run_start = (uint32_t)run_start,
		.run_end = (uint32_t)run_end,
		.cmdline = LINUXBOOT_CMDLINE_ADDR,
	};
	return 0;
}

/* screen_info as the setup code leaves it on a VGA in mode 3 (its
 * video-vga.c probe): 80x25 colour text, 16-line font, EGA/VGA BX = 0x0003
 * (colour, 256 KiB), isVGA. */
static void lb_put_screen(uint8_t *bp)
{
	bp[0x06] = 3;          /* orig_video_mode */
	bp[0x07] = 80;         /* orig_video_cols */
	wr16(bp + 0x0a, 0x0003);   /* orig_video_ega_bx */
	bp[0x0e] = 25;         /* orig_video_lines */
	bp[0x0f] = 1;          /* orig_video_isVGA (VIDEO_TYPE_VGAC) */
	wr16(bp + 0x10, 16);   /* orig_video_points */
}

static void lb_put_memory(uint8_t *bp, uint64_t ram_size)
{
	struct mb_map_entry map[MB_MAP_ENTRIES];
	mb_memory_map(ram_size, map);
	_Static_assert(MB_MAP_ENTRIES <= LB_E820_MAX, "the map fits the E820 table");
	for (int i = 0; i < MB_MAP_ENTRIES; i++) {
		uint8_t *e = bp + LB_E820_TABLE + 20 * i;
		wr64(e, map[i].base);
		wr64(e + 8, map[i].len);
		wr32(e + 16, map[i].type);
	}
	bp[LB_E820_ENTRIES] = MB_MAP_ENTRIES;
	/* The BIOS calls' answers the setup code would have stored: E801's KiB
	 * above 1 MiB, and INT 15h AX=88h's, which stops at 63 MiB. */
	uint64_t kib = (map[3].base + map[3].len - MB_BIOS_END) >> 10;
	wr32(bp + LB_ALT_MEM_K, (uint32_t)kib);
	wr16(bp + LB_EXT_MEM_K, (uint16_t)(kib > 0xfc00 ? 0xfc00 : kib));
}

int linuxboot_load(struct guestmem *gm, const uint8_t *img, size_t len, const char *cmdline,
		   struct linuxboot *out, char *err, size_t errlen)
{
	struct linuxboot b;
	if (!cmdline)
		cmdline = "";
	if (!linuxboot_detect(img, len)) {
		snprintf(err, errlen, "not a Linux bzImage (no \"HdrS\" at 0x202)");
		return -1;
	}
	if (lb_check(gm, img, len, cmdline, &b, err, errlen) < 0)
		return -1;
	size_t setup_len = ((img[LB_SETUP_SECTS] ? img[LB_SETUP_SECTS] : 4) + 1) * LB_SECTOR;
	memcpy(gmem_ptr(gm, LINUXBOOT_KERNEL_ADDR, len - setup_len), img + setup_len, len - setup_len);

	/* The zero page: the image's setup header, then what a loader fills. */
	uint8_t *bp = gmem_ptr(gm, b.params, LINUXBOOT_PARAMS_SIZE);
	memset(bp, 0, LINUXBOOT_PARAMS_SIZE);
	memcpy(bp + LB_SETUP_SECTS, img + LB_SETUP_SECTS, b.header_end - LB_SETUP_SECTS);
	bp[LB_TYPE_OF_LOADER] = LINUXBOOT_LOADER_TYPE;
	bp[LB_LOADFLAGS] = (uint8_t)((bp[LB_LOADFLAGS] | LB_CAN_USE_HEAP) & ~LB_KEEP_SEGMENTS);
	wr16(bp + LB_HEAP_END_PTR, LB_HEAP_END);
	wr32(bp + LB_CMD_LINE_PTR, b.cmdline);
	wr32(bp + LB_RAMDISK_IMAGE, 0);
	wr32(bp + LB_RAMDISK_SIZE, 0);
	if (b.header_end >= LB_SETUP_DATA + 8)
		wr64(bp + LB_SETUP_DATA, 0);   /* a loader's list, and we give none */
	lb_put_memory(bp, gm->size);
	lb_put_screen(bp);
	memcpy(gmem_ptr(gm, b.cmdline, strlen(cmdline) + 1), cmdline, strlen(cmdline) + 1);

	/* The boot area holds only the GDT now: no multiboot information is left
	 * there from an earlier load to confuse anyone reading it. */
	uint8_t *area = gmem_ptr(gm, MB_AREA_BASE, MB_AREA_END - MB_AREA_BASE);
	memset(area, 0, MB_AREA_END - MB_AREA_BASE);
	wr64(area + LINUXBOOT_CODE_SEL, mb_flat_desc(0x9b));
	wr64(area + LINUXBOOT_DATA_SEL, mb_flat_desc(0x93));
	*out = b;
	return 0;
}

int linuxboot_load_initrd(struct guestmem *gm, const char *path, struct linuxboot *b, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *bp = gmem_ptr(gm, b->params, LINUXBOOT_PARAMS_SIZE);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "initrd %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "initrd %s: not a regular file", path);
		fclose(f);
		return -1;
	}
	/* As QEMU: as high as it goes, page aligned, below initrd_addr_max (the
	 * last byte it may take) and the usable top of RAM. */
	uint64_t limit = (uint64_t)(b->protocol >= 0x203 ? rd32(bp + LB_INITRD_MAX) : LB_OLD_INITRD_MAX) + 1;
	uint64_t top = lb_ram_top(gm), size = (uint64_t)st.st_size;
	uint64_t floor = b->run_end > b->kernel_end ? b->run_end : b->kernel_end;
	if (limit > top)
		limit = top;
	uint64_t at = size <= limit ? (limit - size) & ~(uint64_t)(LB_PAGE - 1) : 0;
	if (size > limit || at < floor) {
		snprintf(err, errlen, "initrd %s (%llu bytes) does not fit in guest RAM between the kernel's end 0x%llx and 0x%llx (try a larger -m)",
			 path, (unsigned long long)size, (unsigned long long)floor, (unsigned long long)limit);
		fclose(f);
		return -1;
	}
	uint8_t *dst = gmem_ptr(gm, at, size ? size : 1);
	if (!dst || fread(dst, 1, size, f) != size) {
		snprintf(err, errlen, "initrd %s: cannot read: %s", path, dst ? strerror(errno) : "not in RAM");
		fclose(f);
		return -1;
	}
	fclose(f);
	b->initrd_addr = (uint32_t)at;
	b->initrd_size = (uint32_t)size;
	wr32(bp + LB_RAMDISK_IMAGE, b->initrd_addr);
	wr32(bp + LB_RAMDISK_SIZE, b->initrd_size);
	return 0;
}

void linuxboot_boot_state(const struct linuxboot *b, struct vcpu_state *s)
{
	memset(s, 0, sizeof *s);
	s->gpr[R_ESI] = b->params;
	s->gpr[R_ESP] = MB_BOOT_STACK;   /* the protocol names none; the kernel sets its own at once */
	s->eip = b->entry;
	s->eflags = EFLAGS_FIXED;
	for (int i = 0; i < S_COUNT; i++)
		s->seg[i] = vcpu_flat_seg(LINUXBOOT_DATA_SEL, SEG_TYPE_DATA_RW_ACC);
	s->seg[S_CS] = vcpu_flat_seg(LINUXBOOT_CODE_SEL, SEG_TYPE_CODE_RX_ACC);
	s->gdtr = (struct vcpu_dtr){ LINUXBOOT_GDT_ADDR, 4 * 8 - 1 };
	s->idtr = (struct vcpu_dtr){ 0, 0x3ff };
	s->ldtr = (struct vcpu_seg){ .attr = SEG_TYPE_LDT | SEG_P, .limit = 0xffff };
	s->tr = (struct vcpu_seg){ .attr = SEG_TYPE_TSS32_BUSY | SEG_P, .limit = 0xffff };
	s->cr0 = CR0_PE | CR0_ET;
	s->dr[6] = 0xffff0ff0u;
	s->dr[7] = 0x00000400u;
}
