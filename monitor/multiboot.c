/* Multiboot v1 loader (see multiboot.h). Offsets of the information structure
 * and header fields follow the Multiboot Specification 0.6.96, section 3. */
#include "config.h"
#include "monitor/multiboot.h"
#include "monitor/pcmap.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MB_MAX_IMAGE (1u << 30)   /* refuse to read files larger than any RAM we allow */

/* Information structure flags (mbi.flags). */
#define MBI_MEM         0x001    /* mem_lower, mem_upper */
#define MBI_CMDLINE     0x004
#define MBI_MODS        0x008
#define MBI_MMAP        0x040
#define MBI_LOADER_NAME 0x200

/* Information structure field offsets. */
#define MBI_FLAGS       0
#define MBI_MEM_LOWER   4
#define MBI_MEM_UPPER   8
#define MBI_CMDLINE_OFF 16
#define MBI_MODS_COUNT  20
#define MBI_MODS_ADDR   24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR   48
#define MBI_LOADER_OFF  64
#define MBI_SIZE        88

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Offset of a valid-magic header in the first 8 KiB, or -1. */
static long mb_find_header(const uint8_t *img, size_t len)
{
	size_t lim = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;
	for (size_t off = 0; off + 12 <= lim; off += 4)
		if (rd32(img + off) == MB_HEADER_MAGIC)
			return (long)off;
	return -1;
}

/* The RAM check shared by every loaded range, with a message that says why. */
static int mb_check_range(const struct guestmem *gm, uint64_t lo, uint64_t len, const char *what,
			  char *err, size_t errlen)
{
	uint64_t hi = lo + len;
	if (len == 0)
		return 0;
	if (hi > 0x100000000ull || hi > gm->size) {
		snprintf(err, errlen, "%s at 0x%llx-0x%llx is outside guest RAM (%llu MiB; try a larger -m)",
			 what, (unsigned long long)lo, (unsigned long long)hi,
			 (unsigned long long)(gm->size >> 20));
		return -1;
	}
	if (lo < PC_BDA_BASE + 0x100) {
		snprintf(err, errlen, "%s at 0x%llx-0x%llx overlaps the interrupt vector table and BIOS data area 0x0-0x%x (firmware data)",
			 what, (unsigned long long)lo, (unsigned long long)hi, PC_BDA_BASE + 0xff);
		return -1;
	}
	if (lo < PC_EBDA_BASE + PC_EBDA_SIZE && hi > PC_EBDA_BASE) {
		snprintf(err, errlen, "%s at 0x%llx-0x%llx overlaps the EBDA 0x%x-0x%x (firmware tables)",
			 what, (unsigned long long)lo, (unsigned long long)hi, PC_EBDA_BASE, PC_EBDA_BASE + PC_EBDA_SIZE - 1);
		return -1;
	}
	if (lo < GMEM_VGA_END && hi > GMEM_VGA_BASE) {
		snprintf(err, errlen, "%s at 0x%llx-0x%llx overlaps the VGA hole 0xa0000-0xbffff",
			 what, (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	if (lo < MB_BIOS_END && hi > MB_BIOS_BASE) {
		snprintf(err, errlen, "%s at 0x%llx-0x%llx overlaps the BIOS area 0x%x-0x%x (firmware and boot information)",
			 what, (unsigned long long)lo, (unsigned long long)hi, MB_BIOS_BASE, MB_BIOS_END - 1);
		return -1;
	}
	return 0;
}

static void mb_note_range(struct mb_boot *b, uint32_t lo, uint32_t hi)
{
	if (b->nsegs == 0 || lo < b->image_lo)
		b->image_lo = lo;
	if (b->nsegs == 0 || hi > b->image_hi)
		b->image_hi = hi;
	b->nsegs++;
}

static int mb_load_elf(struct guestmem *gm, const uint8_t *img, size_t len, struct mb_boot *b,
		       char *err, size_t errlen)
{
	Elf32_Ehdr eh;
	bool entry_found = false;
	memcpy(&eh, img, sizeof eh);   /* caller checked len >= sizeof eh */

	if (eh.e_type != ET_EXEC) {
		snprintf(err, errlen, "ELF type %u is not an executable (ET_EXEC)", eh.e_type);
		return -1;
	}
	if (eh.e_phnum == 0 || eh.e_phentsize != sizeof(Elf32_Phdr) ||
	    (uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > len) {
		snprintf(err, errlen, "malformed ELF: program header table (offset %u, %u entries of %u bytes) does not fit the %zu-byte file",
			 eh.e_phoff, eh.e_phnum, eh.e_phentsize, len);
		return -1;
	}
	/* Check every segment before writing any, so a bad image leaves RAM untouched. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf32_Phdr ph;
			char what[32];
			memcpy(&ph, img + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
			if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
				continue;
			snprintf(what, sizeof what, "segment %u", i);
			if (pass == 0) {
				if (ph.p_filesz > ph.p_memsz ||
				    (uint64_t)ph.p_offset + ph.p_filesz > len) {
					snprintf(err, errlen, "malformed ELF: %s (offset %u, %u bytes in file, %u in memory) does not fit the %zu-byte file",
						 what, ph.p_offset, ph.p_filesz, ph.p_memsz, len);
					return -1;
				}
				if (mb_check_range(gm, ph.p_paddr, ph.p_memsz, what, err, errlen) < 0)
					return -1;
				continue;
			}
			uint8_t *dst = gmem_ptr(gm, ph.p_paddr, ph.p_memsz);
			memcpy(dst, img + ph.p_offset, ph.p_filesz);
			memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
			mb_note_range(b, ph.p_paddr, ph.p_paddr + ph.p_memsz);
			/* The entry is a virtual address; higher-half kernels link above
			 * their load address, so map it through its segment as GRUB does. */
			if (!entry_found && eh.e_entry >= ph.p_vaddr &&
			    eh.e_entry - ph.p_vaddr < ph.p_memsz) {
				b->entry = eh.e_entry - ph.p_vaddr + ph.p_paddr;
				entry_found = true;
			}
		}
	}
	/* Kernels such as xv6 give a physical entry (0x10000c) beside segments
	 * linked high: QEMU's -kernel jumps there as it is, and so do we. */
	for (unsigned i = 0; !entry_found && i < eh.e_phnum; i++) {
		Elf32_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + (size_t)i * sizeof ph, sizeof ph);
		if (ph.p_type == PT_LOAD && ph.p_memsz && eh.e_entry >= ph.p_paddr && eh.e_entry - ph.p_paddr < ph.p_memsz) {
			b->entry = eh.e_entry;
			b->entry_physical = entry_found = true;
		}
	}
	if (b->nsegs == 0) {
		snprintf(err, errlen, "malformed ELF: no loadable segments");
		return -1;
	}
	if (!entry_found) {
		snprintf(err, errlen, "ELF entry point 0x%x is outside every loaded segment", eh.e_entry);
		return -1;
	}
	return 0;
}

static int mb_load_aout(struct guestmem *gm, const uint8_t *img, size_t len, long hoff,
			struct mb_boot *b, char *err, size_t errlen)
{
	if ((size_t)hoff + 32 > len) {
		snprintf(err, errlen, "multiboot header is truncated (flag 16 needs its address fields)");
		return -1;
	}
	uint32_t header_addr = rd32(img + hoff + 12);
	uint32_t load_addr = rd32(img + hoff + 16);
	uint32_t load_end = rd32(img + hoff + 20);
	uint32_t bss_end = rd32(img + hoff + 24);
	uint32_t entry = rd32(img + hoff + 28);

	if (load_addr > header_addr || header_addr - load_addr > (uint32_t)hoff) {
		snprintf(err, errlen, "multiboot header: load_addr 0x%x and header_addr 0x%x put the image before the file's start",
			 load_addr, header_addr);
		return -1;
	}
	size_t foff = (size_t)hoff - (header_addr - load_addr);
	uint64_t fsize = load_end ? (uint64_t)load_end - load_addr : len - foff;
	if (load_end && load_end < load_addr) {
		snprintf(err, errlen, "multiboot header: load_end_addr 0x%x is below load_addr 0x%x", load_end, load_addr);
		return -1;
	}
	if (foff + fsize > len) {
		snprintf(err, errlen, "multiboot header: %llu bytes to load from offset %zu, but the file has %zu",
			 (unsigned long long)fsize, foff, len);
		return -1;
	}
	uint64_t msize = fsize;
	if (bss_end) {
		if (bss_end < load_addr + fsize) {
			snprintf(err, errlen, "multiboot header: bss_end_addr 0x%x is below the end of the loaded image", bss_end);
			return -1;
		}
		msize = (uint64_t)bss_end - load_addr;
	}
	if (mb_check_range(gm, load_addr, msize, "image", err, errlen) < 0)
		return -1;
	if (entry < load_addr || entry >= load_addr + msize) {
		snprintf(err, errlen, "multiboot header: entry_addr 0x%x is outside the image 0x%x-0x%llx",
			 entry, load_addr, (unsigned long long)(load_addr + msize));
		return -1;
	}
	uint8_t *dst = gmem_ptr(gm, load_addr, msize);
	memcpy(dst, img + foff, fsize);
	memset(dst + fsize, 0, msize - fsize);
	mb_note_range(b, load_addr, (uint32_t)(load_addr + msize));
	b->entry = entry;
	b->aout_kludge = true;
	return 0;
}

void mb_memory_map(uint64_t ram_size, struct mb_map_entry map[MB_MAP_ENTRIES])
{
	/* A PC's map, as QEMU's firmware reports it: conventional memory up to the
	 * EBDA, the BIOS area, RAM from 1 MiB up to the top 128 KiB (kept for
	 * firmware tables), and the BIOS ROM below 4 GiB. */
	uint64_t top = ram_size - MB_FW_RESERVED;
	map[0] = (struct mb_map_entry){ 0, PC_EBDA_BASE, MB_MAP_RAM };
	map[1] = (struct mb_map_entry){ PC_EBDA_BASE, PC_EBDA_SIZE, MB_MAP_RESERVED };
	map[2] = (struct mb_map_entry){ MB_BIOS_BASE, MB_BIOS_END - MB_BIOS_BASE, MB_MAP_RESERVED };
	map[3] = (struct mb_map_entry){ MB_BIOS_END, top - MB_BIOS_END, MB_MAP_RAM };
	map[4] = (struct mb_map_entry){ top, MB_FW_RESERVED, MB_MAP_RESERVED };
	map[5] = (struct mb_map_entry){ 0xfffc0000, 0x40000, MB_MAP_RESERVED };
}

static void mb_put_mmap(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
	wr32(p, 20);   /* size of the entry, not counting this field */
	wr64(p + 4, base);
	wr64(p + 12, len);
	wr32(p + 20, type);
}

/* GDT entry for a flat 4 GiB segment: base 0, limit 0xfffff pages, G and D set. */
uint64_t mb_flat_desc(uint8_t access)
{
	return 0x00cf000000000000ull | ((uint64_t)access << 40) | 0xffffull;
}

static void mb_write_info(struct guestmem *gm, const char *cmdline, struct mb_boot *b)
{
	uint8_t *area = gmem_ptr(gm, MB_AREA_BASE, MB_AREA_END - MB_AREA_BASE);
	uint8_t *info = area + (MB_INFO_ADDR - MB_AREA_BASE);
	uint8_t *mmap = area + (MB_MMAP_ADDR - MB_AREA_BASE);
	static const char name[] = "bt86 " PACKAGE_VERSION;

	memset(area, 0, MB_AREA_END - MB_AREA_BASE);
	wr64(area + 8, mb_flat_desc(0x9b));    /* 0x08: present ring-0 code, exec/read, accessed */
	wr64(area + 16, mb_flat_desc(0x93));   /* 0x10: present ring-0 data, read/write, accessed */

	struct mb_map_entry map[MB_MAP_ENTRIES];
	mb_memory_map(gm->size, map);
	for (int i = 0; i < MB_MAP_ENTRIES; i++)
		mb_put_mmap(mmap + 24 * i, map[i].base, map[i].len, map[i].type);
	uint64_t top = map[3].base + map[3].len;

	/* GRUB's rule: mem_lower is the RAM at 0, mem_upper the RAM run at 1 MiB. */
	wr32(info + MBI_FLAGS, MBI_MEM | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
	wr32(info + MBI_MEM_LOWER, 0x9fc00 >> 10);
	wr32(info + MBI_MEM_UPPER, (uint32_t)((top - 0x100000) >> 10));
	wr32(info + MBI_CMDLINE_OFF, MB_CMDLINE_ADDR);
	wr32(info + MBI_MODS_COUNT, 0);
	wr32(info + MBI_MODS_ADDR, MB_MODS_ADDR);
	wr32(info + MBI_MMAP_LENGTH, MB_MAP_ENTRIES * 24);
	wr32(info + MBI_MMAP_ADDR, MB_MMAP_ADDR);
	wr32(info + MBI_LOADER_OFF, MB_NAME_ADDR);
	memcpy(area + (MB_NAME_ADDR - MB_AREA_BASE), name, sizeof name);
	memcpy(area + (MB_CMDLINE_ADDR - MB_AREA_BASE), cmdline, strlen(cmdline) + 1);
	b->mbi = MB_INFO_ADDR;
}

int mb_load(struct guestmem *gm, const uint8_t *img, size_t len, const char *cmdline,
	    struct mb_boot *out, char *err, size_t errlen)
{
	struct mb_boot b = { 0 };
	bool is_elf = len >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;

	if (!cmdline)
		cmdline = "";
	if (strlen(cmdline) >= MB_CMDLINE_MAX) {
		snprintf(err, errlen, "command line is too long (%zu bytes; at most %u)",
			 strlen(cmdline), MB_CMDLINE_MAX - 1);
		return -1;
	}
	if (gm->size < GMEM_MIN_SIZE) {
		snprintf(err, errlen, "guest RAM is too small");
		return -1;
	}
	if (is_elf) {
		if (len < sizeof(Elf32_Ehdr)) {
			snprintf(err, errlen, "malformed ELF: truncated header (%zu bytes)", len);
			return -1;
		}
		if (img[EI_CLASS] == ELFCLASS64) {
			snprintf(err, errlen, "64-bit ELF: bt86 runs 32-bit (i386) multiboot kernels");
			return -1;
		}
		if (img[EI_CLASS] != ELFCLASS32 || img[EI_DATA] != ELFDATA2LSB) {
			snprintf(err, errlen, "malformed ELF: class %u, data encoding %u (want 32-bit little-endian)",
				 img[EI_CLASS], img[EI_DATA]);
			return -1;
		}
		uint16_t machine;
		memcpy(&machine, img + offsetof(Elf32_Ehdr, e_machine), 2);
		if (machine != EM_386) {
			snprintf(err, errlen, "ELF for machine %u, not i386 (%u)", machine, EM_386);
			return -1;
		}
	}
	long hoff = mb_find_header(img, len);
	if (hoff < 0) {
		snprintf(err, errlen, is_elf ? "no multiboot header in the first 8 KiB (magic 0x1badb002)"
					     : "not an ELF file, a multiboot kernel (no header in its first 8 KiB) or a Linux bzImage (no \"HdrS\" at 0x202)");
		return -1;
	}
	uint32_t flags = rd32(img + hoff + 4);
	if (MB_HEADER_MAGIC + flags + rd32(img + hoff + 8) != 0) {
		snprintf(err, errlen, "multiboot header at offset %ld has a bad checksum", hoff);
		return -1;
	}
	uint32_t unknown = flags & 0xffffu & ~(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_VIDEO);
	if (unknown) {
		snprintf(err, errlen, "multiboot header requires features bt86 does not know (flags 0x%x)", unknown);
		return -1;
	}
	b.header_flags = flags;
	int rc;
	if (flags & MB_FLAG_AOUT)
		rc = mb_load_aout(gm, img, len, hoff, &b, err, errlen);
	else if (is_elf)
		rc = mb_load_elf(gm, img, len, &b, err, errlen);
	else {
		snprintf(err, errlen, "not an ELF file, and the multiboot header has no address fields (flag 16)");
		rc = -1;
	}
	if (rc < 0)
		return -1;
	mb_write_info(gm, cmdline, &b);
	*out = b;
	return 0;
}

int mb_read_file(const char *path, uint8_t **img, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -1;
	}
	if (st.st_size == 0 || st.st_size > MB_MAX_IMAGE) {
		snprintf(err, errlen, "%s: %s", path, st.st_size ? "file is too large to be a kernel" : "file is empty");
		fclose(f);
		return -1;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n);
	if (!buf || fread(buf, 1, n, f) != n) {
		snprintf(err, errlen, "%s: cannot read: %s", path, buf ? strerror(errno) : "out of memory");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*img = buf;
	*len = n;
	return 0;
}

int mb_load_file(struct guestmem *gm, const char *path, const char *cmdline,
		 struct mb_boot *out, char *err, size_t errlen)
{
	char why[200];
	uint8_t *img;
	size_t len;

	if (mb_read_file(path, &img, &len, err, errlen) < 0)
		return -1;
	int rc = mb_load(gm, img, len, cmdline, out, why, sizeof why);
	free(img);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	return rc;
}

void mb_boot_state(const struct mb_boot *b, struct vcpu_state *s)
{
	memset(s, 0, sizeof *s);
	s->gpr[R_EAX] = MB_BOOT_MAGIC;
	s->gpr[R_EBX] = b->mbi;
	s->gpr[R_ESP] = MB_BOOT_STACK;
	s->eip = b->entry;
	s->eflags = EFLAGS_FIXED;
	for (int i = 0; i < S_COUNT; i++)
		s->seg[i] = vcpu_flat_seg(MB_DATA_SEL, SEG_TYPE_DATA_RW_ACC);
	s->seg[S_CS] = vcpu_flat_seg(MB_CODE_SEL, SEG_TYPE_CODE_RX_ACC);
	s->gdtr = (struct vcpu_dtr){ MB_GDT_ADDR, 3 * 8 - 1 };
	s->idtr = (struct vcpu_dtr){ 0, 0x3ff };   /* the reset value */
	s->ldtr = (struct vcpu_seg){ .attr = SEG_TYPE_LDT | SEG_P, .limit = 0xffff };
	s->tr = (struct vcpu_seg){ .attr = SEG_TYPE_TSS32_BUSY | SEG_P, .limit = 0xffff };
	s->cr0 = CR0_PE | CR0_ET;
	s->dr[6] = 0xffff0ff0u;   /* reset values of DR6 and DR7 */
	s->dr[7] = 0x00000400u;
}
