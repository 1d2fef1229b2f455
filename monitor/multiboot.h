/* Multiboot v1 loader: loads a kernel image into guest RAM the way GRUB and
 * QEMU's -kernel do, builds the multiboot information structure (memory sizes,
 * memory map, command line, boot loader name) and says where to enter.
 *
 * Images are ELF32 i386 executables loaded by their program headers' physical
 * addresses, or any file whose multiboot header sets flag 16 (the "a.out
 * kludge": load/bss/entry addresses in the header itself). Every field of a
 * hostile image is range-checked against the file and against RAM.
 *
 *   struct mb_boot b;
 *   if (mb_load_file(&gm, "hello.elf", "hello.elf n=3", &b, err, sizeof err) < 0) ...
 *   mb_boot_state(&b, &vcpu);     // EAX=0x2BADB002, EBX=mbi, flat segments
 *
 * The boot area [MB_AREA_BASE, MB_AREA_END) holds a GDT with flat code and
 * data descriptors (the segment registers' shadow state matches it), the
 * information structure and its strings. It lies in the BIOS area
 * 0xF0000-0xFFFFF, which the memory map reports reserved, as a PC's ROM is.
 * A kernel may load anywhere in RAM but there, the VGA hole, the real-mode
 * IVT and BIOS data area (0-0x4FF) and the EBDA (0x9FC00-0x9FFFF): the
 * firmware tables (monitor/firmware.h) are written before the kernel is
 * loaded, and a kernel loaded over them would lose them. 0x500-0x9FBFF is
 * the kernel's, as it is under GRUB.
 */
#ifndef BT86_MONITOR_MULTIBOOT_H
#define BT86_MONITOR_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/guestmem.h"
#include "monitor/vcpu.h"

#define MB_HEADER_MAGIC   0x1BADB002u  /* in the image, first 8 KiB, 4-aligned */
#define MB_BOOT_MAGIC     0x2BADB002u  /* in EAX at entry */
#define MB_SEARCH_LEN     8192u
#define MB_FLAG_PAGE_ALIGN 0x00000001u /* modules page aligned (they always are) */
#define MB_FLAG_MEMINFO    0x00000002u /* mem_* fields wanted (always given) */
#define MB_FLAG_VIDEO      0x00000004u /* video mode wanted: accepted, none given, as QEMU */
#define MB_FLAG_AOUT       0x00010000u /* address fields in the header are valid */

/* Where the loader puts its own things: in the BIOS area, out of any
 * kernel's way (0xF0000-0xF7FFF stays free for firmware tables). */
#define MB_BIOS_BASE      0xF0000u
#define MB_BIOS_END       0x100000u
#define MB_AREA_BASE      0xF8000u
#define MB_AREA_END       0xFA000u
#define MB_GDT_ADDR       0xF8000u     /* null, code 0x08, data 0x10 */
#define MB_INFO_ADDR      0xF8100u
#define MB_MMAP_ADDR      0xF8200u
#define MB_NAME_ADDR      0xF8300u
#define MB_MODS_ADDR      0xF8380u
#define MB_CMDLINE_ADDR   0xF8400u
#define MB_CMDLINE_MAX    (MB_AREA_END - MB_CMDLINE_ADDR)
#define MB_FW_RESERVED    0x20000u     /* top of RAM kept for firmware tables, as on QEMU's PC */
#define MB_BOOT_STACK     0xF8000u     /* ESP at entry: undefined by the spec; below the boot area,
				        * in reserved memory, so a push hurts no loaded segment */
#define MB_CODE_SEL       0x08
#define MB_DATA_SEL       0x10

struct mb_boot {
	uint32_t entry;          /* physical entry point */
	bool entry_physical;     /* the ELF entry lay in no segment's virtual range, only a
				  * physical one (as xv6's 0x10000c), and was taken as is */
	uint32_t mbi;            /* physical address of the information structure */
	uint32_t image_lo;       /* lowest and one past the highest loaded address */
	uint32_t image_hi;
	uint32_t header_flags;
	bool aout_kludge;
	int nsegs;
	int nmods;               /* modules loaded (mb_load_modules) */
	uint32_t mods_hi;        /* one past the last module's byte */
};

/* A boot module (--module FILE[,ARGS]): its string is "FILE ARGS", as GRUB
 * passes a module's command line. */
#define MB_MAX_MODULES 8
struct mb_module {
	const char *path;
	const char *args;          /* NULL or "": none */
};

int mb_load(struct guestmem *gm, const uint8_t *img, size_t len, const char *cmdline,
	    struct mb_boot *out, char *err, size_t errlen);

/* Read path and mb_load() it; errors name the file. */
int mb_load_file(struct guestmem *gm, const char *path, const char *cmdline,
		 struct mb_boot *out, char *err, size_t errlen);

/* After mb_load: read the modules' files and place them after the kernel
 * (from 1 MiB at least), each page aligned, in the RAM the memory map calls
 * usable; list them in the information structure (mods_count, mods_addr,
 * their strings after the command line). Errors name the file. */
int mb_load_modules(struct guestmem *gm, const struct mb_module *mods, size_t n, struct mb_boot *b, char *err,
		    size_t errlen);

/* The PC's memory map, one layout for every loader: multiboot's mmap and
 * Linux's E820 table (monitor/linuxboot.c) are both written from it. Types
 * are the E820 ones (1 usable RAM, 2 reserved). */
#define MB_MAP_RAM      1
#define MB_MAP_RESERVED 2
#define MB_MAP_ENTRIES  6
struct mb_map_entry {
	uint64_t base, len;
	uint32_t type;
};

/* The map for a guest of ram_size bytes (at least GMEM_MIN_SIZE): conventional
 * memory up to the EBDA, the EBDA, the BIOS area, RAM from 1 MiB to the top
 * less MB_FW_RESERVED, that reserve, and the BIOS ROM below 4 GiB. */
void mb_memory_map(uint64_t ram_size, struct mb_map_entry map[MB_MAP_ENTRIES]);

/* A GDT descriptor for a flat 4 GiB segment (base 0, 4 KiB granular limit
 * 0xfffff, 32-bit) with the access byte given: 0x9b code, 0x93 data. */
uint64_t mb_flat_desc(uint8_t access);

/* Read a kernel image file whole (regular, not empty, at most 1 GiB) into a
 * malloc'd buffer the caller frees: 0, or -1 with err naming the file. */
int mb_read_file(const char *path, uint8_t **img, size_t *len, char *err, size_t errlen);

/* The vCPU state a multiboot loader leaves: protected mode, paging off,
 * flat CS/DS/ES/FS/GS/SS, EFLAGS.IF=0, EAX=0x2BADB002, EBX=mbi. */
void mb_boot_state(const struct mb_boot *b, struct vcpu_state *s);

#endif
