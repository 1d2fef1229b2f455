/* elfgen: multiboot kernel images for the unit tests (see elfgen.h). */
#include "tests/unit/elfgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EG_MB_MAGIC 0x1BADB002u   /* multiboot v1 header magic */
#define EG_MB_AOUT  0x00010000u   /* flag 16: address fields valid */

static void eg_wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static size_t eg_align(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

void eg_simple(struct eg_spec *s, const uint8_t *code, uint32_t n)
{
	memset(s, 0, sizeof *s);
	s->nsegs = 1;
	s->seg[0] = (struct eg_seg){ .paddr = EG_LOAD_ADDR, .vaddr = EG_LOAD_ADDR,
				     .data = code, .filesz = n, .memsz = n };
	s->entry = EG_LOAD_ADDR;
	s->mb_flags = 0x3;   /* PAGE_ALIGN | MEMINFO, as most kernels ask */
}

void eg_aout(struct eg_spec *s, uint32_t load_addr, const uint8_t *code, uint32_t n, uint32_t bss)
{
	memset(s, 0, sizeof *s);
	s->nsegs = 1;
	s->seg[0] = (struct eg_seg){ .paddr = load_addr + EG_MBH_SIZE, .vaddr = load_addr + EG_MBH_SIZE,
				     .data = code, .filesz = n, .memsz = n };
	s->corrupt = EG_NO_ELF;
	s->mb_flags = 0x3 | EG_MB_AOUT;
	s->header_addr = load_addr;
	s->load_addr = load_addr;
	s->load_end_addr = load_addr + EG_MBH_SIZE + n;
	s->bss_end_addr = bss ? s->load_end_addr + bss : 0;
	s->entry_addr = load_addr + EG_MBH_SIZE;
	s->entry = s->entry_addr;
}

static void eg_put_mbheader(const struct eg_spec *s, uint8_t *p)
{
	uint32_t sum = 0u - EG_MB_MAGIC - s->mb_flags;
	if (s->corrupt & EG_BAD_CHECKSUM)
		sum += 1;
	eg_wr32(p + 0, EG_MB_MAGIC);
	eg_wr32(p + 4, s->mb_flags);
	eg_wr32(p + 8, sum);
	eg_wr32(p + 12, s->header_addr);
	eg_wr32(p + 16, s->load_addr);
	eg_wr32(p + 20, s->load_end_addr);
	eg_wr32(p + 24, s->bss_end_addr);
	eg_wr32(p + 28, s->entry_addr);
	/* 32..47: video mode fields, left zero */
}

static uint8_t *eg_alloc(size_t len)
{
	uint8_t *p = calloc(1, len ? len : 1);
	if (!p) {
		fprintf(stderr, "elfgen: out of memory\n");
		abort();
	}
	return p;
}

static uint8_t *eg_build_raw(const struct eg_spec *s, size_t *len)
{
	size_t hoff = s->mb_offset;
	size_t code = hoff + EG_MBH_SIZE;
	uint32_t n = s->nsegs > 0 ? s->seg[0].filesz : 0;
	size_t total = code + n;
	uint8_t *img = eg_alloc(total);

	if (!(s->corrupt & EG_NO_MBHEADER))
		eg_put_mbheader(s, img + hoff);
	if (n && s->seg[0].data)
		memcpy(img + code, s->seg[0].data, n);
	*len = total;
	return img;
}

static void eg_cut(const struct eg_spec *s, size_t *len)
{
	if (s->truncate && s->truncate < *len)
		*len = s->truncate;
}

uint8_t *eg_build(const struct eg_spec *s, size_t *len)
{
	int nsegs = s->nsegs < 0 ? 0 : s->nsegs > EG_MAX_SEGS ? EG_MAX_SEGS : s->nsegs;
	size_t data_off[EG_MAX_SEGS];
	size_t phoff = sizeof(Elf32_Ehdr);
	size_t hoff = s->mb_offset ? s->mb_offset : eg_align(phoff + (size_t)nsegs * sizeof(Elf32_Phdr), 4);
	size_t off = eg_align(hoff + EG_MBH_SIZE, 16);
	uint8_t *img;

	if (s->corrupt & EG_NO_ELF) {
		img = eg_build_raw(s, len);
		eg_cut(s, len);
		return img;
	}
	for (int i = 0; i < nsegs; i++) {
		data_off[i] = off;
		off = eg_align(off + s->seg[i].filesz, 16);
	}
	size_t total = off;
	img = eg_alloc(total);

	Elf32_Ehdr eh;
	memset(&eh, 0, sizeof eh);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = (s->corrupt & EG_CLASS64) ? ELFCLASS64 : ELFCLASS32;
	eh.e_ident[EI_DATA] = (s->corrupt & EG_BIG_ENDIAN) ? ELFDATA2MSB : ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
	if (s->corrupt & EG_NO_ELF_MAGIC)
		eh.e_ident[0] = 'X';
	eh.e_type = (s->corrupt & EG_NOT_EXEC) ? ET_DYN : ET_EXEC;
	eh.e_machine = (s->corrupt & EG_WRONG_MACHINE) ? EM_X86_64 : EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_entry = s->entry;
	eh.e_phoff = (Elf32_Off)phoff;
	eh.e_ehsize = sizeof(Elf32_Ehdr);
	eh.e_phentsize = (s->corrupt & EG_BAD_PHENTSIZE) ? 40 : sizeof(Elf32_Phdr);
	eh.e_phnum = (Elf32_Half)nsegs;
	if (s->corrupt & EG_HUGE_PHNUM)
		eh.e_phnum = 0xffff;
	if (s->corrupt & EG_PHOFF_PAST_END)
		eh.e_phoff = (Elf32_Off)(total - 8);
	memcpy(img, &eh, sizeof eh);

	for (int i = 0; i < nsegs; i++) {
		const struct eg_seg *g = &s->seg[i];
		Elf32_Phdr ph = {
			.p_type = g->type ? g->type : PT_LOAD,
			.p_offset = (Elf32_Off)data_off[i],
			.p_vaddr = g->vaddr,
			.p_paddr = g->paddr,
			.p_filesz = g->filesz,
			.p_memsz = g->memsz ? g->memsz : g->filesz,
			.p_flags = PF_R | PF_W | PF_X,
			.p_align = 16,
		};
		if (i == 0 && (s->corrupt & EG_FILESZ_GT_MEMSZ))
			ph.p_memsz = ph.p_filesz - 1;
		if (i == 0 && (s->corrupt & EG_SEG_PAST_EOF))
			ph.p_offset = (Elf32_Off)(total - 1);
		memcpy(img + phoff + (size_t)i * sizeof ph, &ph, sizeof ph);
		if (g->data && g->filesz)
			memcpy(img + data_off[i], g->data, g->filesz);
	}
	if (!(s->corrupt & EG_NO_MBHEADER))
		eg_put_mbheader(s, img + hoff);
	*len = total;
	eg_cut(s, len);
	return img;
}

void eg_get_phdr(const uint8_t *img, int i, Elf32_Phdr *ph)
{
	memcpy(ph, img + sizeof(Elf32_Ehdr) + (size_t)i * sizeof *ph, sizeof *ph);
}

void eg_set_phdr(uint8_t *img, int i, const Elf32_Phdr *ph)
{
	memcpy(img + sizeof(Elf32_Ehdr) + (size_t)i * sizeof *ph, ph, sizeof *ph);
}

int eg_write_temp(const uint8_t *img, size_t len, char *path, size_t pathlen)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, pathlen, "%s/bt86-elfgen-XXXXXX", dir) >= pathlen)
		return -1;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, img + done, len - done);
		if (w <= 0) {
			close(fd);
			unlink(path);
			return -1;
		}
		done += (size_t)w;
	}
	return close(fd);
}
