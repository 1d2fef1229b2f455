/* elfgen: builds multiboot kernel images in memory for the unit tests.
 *
 * An image is an ELF32 i386 ET_EXEC with up to EG_MAX_SEGS program headers and
 * a multiboot v1 header (flags, correct or deliberately wrong checksum, and the
 * a.out-kludge address fields when flag 16 is set), or with EG_NO_ELF a raw
 * "a.out kludge" file: the multiboot header followed by segment 0's bytes.
 * Corruption knobs (EG_* bits in spec.corrupt) break one thing at a time so the
 * loader's error paths can be reached on purpose.
 *
 *   static const uint8_t code[] = { 0xfa, 0xf4 };   // cli; hlt
 *   struct eg_spec s;
 *   eg_simple(&s, code, sizeof code);               // one segment at 1 MiB
 *   s.corrupt = EG_BAD_CHECKSUM;
 *   size_t len;
 *   uint8_t *img = eg_build(&s, &len);               // free() it
 *
 * File layout of an ELF image: ELF header (52 bytes), program headers at 52,
 * the multiboot header (48 bytes) right after them or at spec.mb_offset, then
 * each segment's file bytes, 16-aligned, in order.
 */
#ifndef BT86_TESTS_ELFGEN_H
#define BT86_TESTS_ELFGEN_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#define EG_MAX_SEGS   8
#define EG_LOAD_ADDR  0x100000u   /* where eg_simple() loads: 1 MiB */
#define EG_MBH_SIZE   48u         /* multiboot header bytes written (all fields) */

/* Corruption knobs, a bit mask in eg_spec.corrupt. */
#define EG_BAD_CHECKSUM    (1u << 0)   /* checksum off by one */
#define EG_NO_MBHEADER     (1u << 1)   /* no multiboot header at all */
#define EG_CLASS64         (1u << 2)   /* EI_CLASS = ELFCLASS64 */
#define EG_BIG_ENDIAN      (1u << 3)   /* EI_DATA = ELFDATA2MSB */
#define EG_WRONG_MACHINE   (1u << 4)   /* e_machine = EM_X86_64 */
#define EG_HUGE_PHNUM      (1u << 5)   /* e_phnum = 0xffff */
#define EG_PHOFF_PAST_END  (1u << 6)   /* e_phoff = file length - 8 */
#define EG_FILESZ_GT_MEMSZ (1u << 7)   /* segment 0: p_memsz = p_filesz - 1 (needs filesz >= 2) */
#define EG_SEG_PAST_EOF    (1u << 8)   /* segment 0: p_offset = file length - 1 */
#define EG_NO_ELF          (1u << 9)   /* raw file: multiboot header + segment 0 bytes */
#define EG_NOT_EXEC        (1u << 10)  /* e_type = ET_DYN */
#define EG_BAD_PHENTSIZE   (1u << 11)  /* e_phentsize = 40 */
#define EG_NO_ELF_MAGIC    (1u << 12)  /* first byte of the ELF magic changed */

struct eg_seg {
	uint32_t paddr;        /* physical (load) address */
	uint32_t vaddr;        /* virtual (link) address */
	const uint8_t *data;   /* file bytes (filesz of them); NULL = zeros */
	uint32_t filesz;
	uint32_t memsz;        /* 0 = same as filesz */
	uint32_t type;         /* 0 = PT_LOAD */
};

struct eg_spec {
	int nsegs;
	struct eg_seg seg[EG_MAX_SEGS];
	uint32_t entry;        /* e_entry (a virtual address) */
	uint32_t mb_flags;     /* multiboot header flags */
	uint32_t mb_offset;    /* file offset of the header (4-aligned); 0 = default place */
	/* a.out kludge fields, written as given (meaningful with flag 16) */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	unsigned corrupt;      /* EG_* knobs */
	size_t truncate;       /* nonzero: cut the file to this many bytes */
};

/* A good spec: one PT_LOAD of code at EG_LOAD_ADDR (paddr = vaddr), entry at
 * its start, multiboot flags MEMINFO|PAGE_ALIGN. */
void eg_simple(struct eg_spec *s, const uint8_t *code, uint32_t n);

/* A good raw a.out-kludge spec: header at file offset 0 loaded at load_addr,
 * code right after it (entry there), bss bytes of zeros after the code. */
void eg_aout(struct eg_spec *s, uint32_t load_addr, const uint8_t *code, uint32_t n, uint32_t bss);

/* Build the image; malloc'd (free it), length in *len. Never NULL (aborts on OOM). */
uint8_t *eg_build(const struct eg_spec *s, size_t *len);

/* Program header i of an image built by eg_build (ELF images only). */
void eg_get_phdr(const uint8_t *img, int i, Elf32_Phdr *ph);
void eg_set_phdr(uint8_t *img, int i, const Elf32_Phdr *ph);

/* Write the bytes to a new temporary file; its path goes to path. 0 or -1. */
int eg_write_temp(const uint8_t *img, size_t len, char *path, size_t pathlen);

#endif
