/* Guest symbols (see symbols.h). The ELF is read again here rather than by
 * the loader, which wants only the program headers; every offset is checked
 * against the file. */
#include "monitor/symbols.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYM_MAX_FILE (256u << 20)

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

bool sym_reserve(struct symtab *t, int more)
{
	if (more <= 0 || t->n + more <= t->cap)
		return more >= 0;
	int cap = t->cap ? t->cap : 64;
	while (cap < t->n + more) {
		if (cap > (1 << 28))
			return false;
		cap *= 2;
	}
	struct sym *s = realloc(t->s, (size_t)cap * sizeof *s);
	if (!s)
		return false;
	t->s = s;
	t->cap = cap;
	return true;
}

static void sym_parse(struct symtab *t, const uint8_t *img, size_t len)
{
	Elf32_Ehdr eh;
	if (len < sizeof eh || memcmp(img, ELFMAG, SELFMAG) || img[EI_CLASS] != ELFCLASS32)
		return;
	memcpy(&eh, img, sizeof eh);
	if (eh.e_shentsize != sizeof(Elf32_Shdr) || (uint64_t)eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf32_Shdr) > len)
		return;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf32_Shdr sh, strh;
		memcpy(&sh, img + eh.e_shoff + i * sizeof sh, sizeof sh);
		if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != sizeof(Elf32_Sym) || sh.sh_link >= eh.e_shnum)
			continue;
		memcpy(&strh, img + eh.e_shoff + sh.sh_link * sizeof strh, sizeof strh);
		if ((uint64_t)sh.sh_offset + sh.sh_size > len || (uint64_t)strh.sh_offset + strh.sh_size > len)
			continue;
		unsigned n = sh.sh_size / sizeof(Elf32_Sym);
		if (!sym_reserve(t, (int)n))
			return;
		for (unsigned k = 0; k < n; k++) {
			Elf32_Sym es;
			memcpy(&es, img + sh.sh_offset + k * sizeof es, sizeof es);
			unsigned type = ELF32_ST_TYPE(es.st_info);
			if ((type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) || es.st_shndx == SHN_UNDEF ||
			    es.st_name >= strh.sh_size)
				continue;
			const char *name = (const char *)img + strh.sh_offset + es.st_name;
			size_t nl = strnlen(name, strh.sh_size - es.st_name);
			if (nl == 0 || nl == strh.sh_size - es.st_name || name[0] == '.' || name[0] == '$')
				continue;
			if (type == STT_NOTYPE && ELF32_ST_BIND(es.st_info) == STB_LOCAL && es.st_size == 0 &&
			    strchr(name, '.'))
				continue;   /* assembler-local labels */
			char *copy = strndup(name, nl);
			if (!copy)
				continue;
			t->s[t->n++] = (struct sym){ copy, es.st_value, es.st_size, type == STT_FUNC };
		}
	}
}

static void sym_sort(struct symtab *t)
{
	if (t->n > 1)
		qsort(t->s, (size_t)t->n, sizeof *t->s, sym_cmp);
}

/* The whole file, or NULL with *len 0 for an empty or oversized one. */
static uint8_t *sym_slurp(FILE *f, size_t *len)
{
	*len = 0;
	fseek(f, 0, SEEK_END);
	long l = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (l <= 0 || (unsigned long)l > SYM_MAX_FILE)
		return NULL;
	uint8_t *img = malloc((size_t)l);
	if (img && fread(img, 1, (size_t)l, f) != (size_t)l) {
		free(img);
		return NULL;
	}
	if (img)
		*len = (size_t)l;
	return img;
}

int sym_load(struct symtab *t, const char *path, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t len;
	uint8_t *img = sym_slurp(f, &len);
	if (img)
		sym_parse(t, img, len);
	free(img);
	fclose(f);
	sym_sort(t);
	return 0;
}

int sym_add_file(struct symtab *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int before = t->n, rc;
	uint8_t magic[SELFMAG];
	if (fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, ELFMAG, SELFMAG) == 0) {
		size_t len;
		uint8_t *img = sym_slurp(f, &len);
		if (img)
			sym_parse(t, img, len);
		free(img);
		rc = t->n - before;
		if (rc == 0) {
			snprintf(err, errlen, "%s: no ELF32 symbol table (a stripped or 64-bit file?)", path);
			rc = -1;
		}
	} else {
		rewind(f);
		rc = sym_load_map(t, f, path, err, errlen);
		if (rc == 0) {
			snprintf(err, errlen, "%s: no symbols (want an ELF32 file or a System.map)", path);
			rc = -1;
		}
	}
	fclose(f);
	sym_sort(t);
	return rc;
}

void sym_free(struct symtab *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->s[i].name);
	free(t->s);
	memset(t, 0, sizeof *t);
}

bool sym_lookup(const struct symtab *t, const char *name, uint32_t *addr)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->s[i].name, name) == 0) {
			*addr = t->s[i].addr;
			return true;
		}
	return false;
}

/* A linker's or the kernel's section marker rather than code or data:
 * __irqentry_text_end, __bss_start, _etext, _sdata, __begin_..._region. A System.map lists
 * them as text symbols of no size, like functions. */
static bool sym_is_marker(const char *name)
{
	size_t n = strlen(name);
	if ((n > 6 && strcmp(name + n - 6, "_start") == 0) || (n > 4 && strcmp(name + n - 4, "_end") == 0) ||
	    strncmp(name, "__begin_", 8) == 0 || strncmp(name, "__end_", 6) == 0)
		return true;
	if (name[0] != '_' || n < 5)
		return false;
	return strcmp(name + n - 4, "text") == 0 || strcmp(name + n - 4, "data") == 0;
}

/* Higher wins; between equals a name without the leading "__" of the
 * kernel's section bounds (__begin_SYSENTER_singlestep_region). */
static int sym_rank(const struct sym *s)
{
	int r = !s->size && sym_is_marker(s->name) ? 0 : s->func ? 3 : s->size ? 2 : 1;
	return r * 2 + (strncmp(s->name, "__", 2) != 0);
}

const struct sym *sym_at(const struct symtab *t, uint32_t addr, uint32_t *off)
{
	int lo = 0, hi = t->n - 1, best = -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (t->s[mid].addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	/* Among symbols at the same address prefer a function, then a sized
	 * object, over the linker's markers (__bss_start and the like). */
	if (best >= 0) {
		int pick = best;
		for (int i = best; i >= 0 && t->s[i].addr == t->s[best].addr; i--)
			if (sym_rank(&t->s[i]) > sym_rank(&t->s[pick]))
				pick = i;
		best = pick;
	}
	if (best < 0)
		return NULL;
	const struct sym *s = &t->s[best];
	if (s->size && addr >= s->addr + s->size)
		return NULL;
	if (!s->size && addr - s->addr > 0x10000)
		return NULL;
	if (off)
		*off = addr - s->addr;
	return s;
}

void sym_format(const struct symtab *t, uint32_t addr, char *buf, size_t len)
{
	uint32_t off;
	const struct sym *s = sym_at(t, addr, &off);
	if (!s)
		snprintf(buf, len, "%s", "");
	else if (off)
		snprintf(buf, len, "%s+0x%x", s->name, off);
	else
		snprintf(buf, len, "%s", s->name);
}
