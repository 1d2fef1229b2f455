/* Unit tests for monitor/symbols: sym_load on the real samples/hello.elf
 * (every defined symbol `nm` lists is found at nm's address and nothing is
 * invented), on generated ELF32 images (FUNC/OBJECT/NOTYPE kept, UNDEF,
 * SECTION, FILE, '.'/'$' names and assembler-local labels dropped), on
 * non-ELF, empty, ELF64 and missing files (empty table, or -1 with a message),
 * and on hostile images that must not crash or read out of bounds (section
 * headers past the end, e_shnum huge, wrong e_shentsize, sh_link out of
 * range, symbol/string sections past the end, string offsets out of range,
 * unterminated strings, every truncation of a good image); sym_lookup,
 * sym_at (offsets, functions preferred over objects at one address, sized
 * symbols end, sizeless ones reach 64 KiB, below and between symbols), and
 * sym_format. Run it from the build tree (or set abs_builddir). */
#include <check.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/symbols.h"

/* ---- an ELF32 writer: header, .symtab, .strtab, .shstrtab ---- */

struct gsym {
	const char *name;
	uint32_t value, size;
	unsigned type, bind;
	uint16_t shndx;
};

struct gelf {
	uint8_t *img;
	size_t len;
	uint32_t shoff, symoff, stroff, strsize;   /* where things landed */
	int nsyms;
};

#define G_SHNUM 5   /* null, .text, .symtab, .strtab, .shstrtab */

static void gelf_build(struct gelf *g, const struct gsym *syms, int n)
{
	char strtab[4096];
	size_t sl = 1;
	strtab[0] = 0;
	Elf32_Sym es[64];
	ck_assert_int_lt(n + 1, 64);
	memset(es, 0, sizeof es);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(syms[i].name) + 1;
		ck_assert_uint_lt(sl + l, sizeof strtab);
		memcpy(strtab + sl, syms[i].name, l);
		es[i + 1].st_name = (Elf32_Word)sl;
		es[i + 1].st_value = syms[i].value;
		es[i + 1].st_size = syms[i].size;
		es[i + 1].st_info = (unsigned char)ELF32_ST_INFO(syms[i].bind, syms[i].type);
		es[i + 1].st_shndx = syms[i].shndx;
		sl += l;
	}
	static const char shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
	size_t symsz = (size_t)(n + 1) * sizeof(Elf32_Sym);
	size_t off = sizeof(Elf32_Ehdr);
	g->symoff = (uint32_t)off;
	off += symsz;
	g->stroff = (uint32_t)off;
	g->strsize = (uint32_t)sl;
	off += sl;
	size_t shstroff = off;
	off += sizeof shstr;
	off = (off + 3) & ~(size_t)3;
	g->shoff = (uint32_t)off;
	off += G_SHNUM * sizeof(Elf32_Shdr);
	g->len = off;
	g->nsyms = n;
	g->img = calloc(1, off);
	ck_assert_ptr_nonnull(g->img);

	Elf32_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof eh;
	eh.e_shoff = g->shoff;
	eh.e_shentsize = sizeof(Elf32_Shdr);
	eh.e_shnum = G_SHNUM;
	eh.e_shstrndx = 4;
	memcpy(g->img, &eh, sizeof eh);
	memcpy(g->img + g->symoff, es, symsz);
	memcpy(g->img + g->stroff, strtab, sl);
	memcpy(g->img + shstroff, shstr, sizeof shstr);

	Elf32_Shdr sh[G_SHNUM];
	memset(sh, 0, sizeof sh);
	sh[1] = (Elf32_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_addr = 0x1000, .sh_size = 0x10000 };
	sh[2] = (Elf32_Shdr){ .sh_name = 7, .sh_type = SHT_SYMTAB, .sh_offset = g->symoff, .sh_size = (Elf32_Word)symsz,
			      .sh_link = 3, .sh_info = 1, .sh_entsize = sizeof(Elf32_Sym) };
	sh[3] = (Elf32_Shdr){ .sh_name = 15, .sh_type = SHT_STRTAB, .sh_offset = g->stroff, .sh_size = (Elf32_Word)sl };
	sh[4] = (Elf32_Shdr){ .sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = (Elf32_Off)shstroff,
			      .sh_size = sizeof shstr };
	memcpy(g->img + g->shoff, sh, sizeof sh);
}

static Elf32_Shdr *gelf_sh(struct gelf *g, int i)
{
	return (Elf32_Shdr *)(void *)(g->img + g->shoff + (size_t)i * sizeof(Elf32_Shdr));
}

static Elf32_Ehdr *gelf_eh(struct gelf *g)
{
	return (Elf32_Ehdr *)(void *)g->img;
}

static Elf32_Sym *gelf_sym(struct gelf *g, int i)
{
	return (Elf32_Sym *)(void *)(g->img + g->symoff + (size_t)i * sizeof(Elf32_Sym));
}

static char tmp_path[256];

static void write_file(const void *data, size_t len)
{
	snprintf(tmp_path, sizeof tmp_path, "%s/bt86-symXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(tmp_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Load an image through a temporary file; returns sym_load's result. */
static int load_image(struct symtab *t, const void *img, size_t len)
{
	char err[256] = "";
	write_file(img, len);
	int rc = sym_load(t, tmp_path, err, sizeof err);
	unlink(tmp_path);
	return rc;
}

/* Every symbol in a table is sane (names NUL-terminated, non-empty, sorted). */
static void check_table(const struct symtab *t)
{
	ck_assert_int_ge(t->n, 0);
	for (int i = 0; i < t->n; i++) {
		ck_assert_ptr_nonnull(t->s[i].name);
		ck_assert_uint_gt(strlen(t->s[i].name), 0);
		if (i)
			ck_assert_uint_le(t->s[i - 1].addr, t->s[i].addr);
	}
}

static const struct gsym sample_syms[] = {
	{ "main", 0x1000, 0x20, STT_FUNC, STB_GLOBAL, 1 },
	{ "counter", 0x2000, 4, STT_OBJECT, STB_GLOBAL, 1 },
	{ "helper", 0x1100, 0x10, STT_FUNC, STB_LOCAL, 1 },
	{ "label", 0x3000, 0, STT_NOTYPE, STB_GLOBAL, 1 },
	{ "alias_obj", 0x1000, 0x20, STT_OBJECT, STB_GLOBAL, 1 },   /* same address as main */
	{ "undefined_fn", 0, 0, STT_FUNC, STB_GLOBAL, SHN_UNDEF },
	{ ".text", 0x1000, 0, STT_SECTION, STB_LOCAL, 1 },
	{ "hello.c", 0, 0, STT_FILE, STB_LOCAL, SHN_ABS },
	{ ".Lhidden", 0x1004, 0, STT_NOTYPE, STB_LOCAL, 1 },
	{ "$x", 0x1008, 0, STT_NOTYPE, STB_LOCAL, 1 },
	{ "loop.1", 0x100c, 0, STT_NOTYPE, STB_LOCAL, 1 },          /* assembler-local label */
	{ "static_var.0", 0x2100, 8, STT_OBJECT, STB_LOCAL, 1 },    /* gcc's renamed static: kept */
	{ "tls_thing", 0x2200, 4, STT_TLS, STB_GLOBAL, 1 },
	{ ".dotfunc", 0x1200, 4, STT_FUNC, STB_GLOBAL, 1 },          /* section-like name */
	{ "abs_const", 0x100, 0, STT_NOTYPE, STB_GLOBAL, SHN_ABS },
};
#define N_SAMPLE ((int)(sizeof sample_syms / sizeof sample_syms[0]))

static struct symtab T;

static void load_sample(void)
{
	struct gelf g;
	gelf_build(&g, sample_syms, N_SAMPLE);
	ck_assert_int_eq(load_image(&T, g.img, g.len), 0);
	free(g.img);
	check_table(&T);
}

static bool has(const struct symtab *t, const char *name, uint32_t addr)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->s[i].name, name) == 0 && t->s[i].addr == addr)
			return true;
	return false;
}

/* ---- loading ---- */

START_TEST(load_generated_filters)
{
	load_sample();
	ck_assert(has(&T, "main", 0x1000));
	ck_assert(has(&T, "counter", 0x2000));
	ck_assert(has(&T, "helper", 0x1100));
	ck_assert(has(&T, "label", 0x3000));
	ck_assert(has(&T, "alias_obj", 0x1000));
	ck_assert(has(&T, "static_var.0", 0x2100));
	ck_assert(has(&T, "abs_const", 0x100));
	ck_assert(!has(&T, "undefined_fn", 0));
	ck_assert(!has(&T, ".text", 0x1000));
	ck_assert(!has(&T, "hello.c", 0));
	ck_assert(!has(&T, ".Lhidden", 0x1004));
	ck_assert(!has(&T, "$x", 0x1008));
	ck_assert(!has(&T, "loop.1", 0x100c));
	ck_assert(!has(&T, "tls_thing", 0x2200));
	ck_assert(!has(&T, ".dotfunc", 0x1200));
	ck_assert_int_eq(T.n, 7);
	for (int i = 0; i < T.n; i++) {
		if (!strcmp(T.s[i].name, "main")) {
			ck_assert(T.s[i].func);
			ck_assert_uint_eq(T.s[i].size, 0x20);
		}
		if (!strcmp(T.s[i].name, "counter")) {
			ck_assert(!T.s[i].func);
			ck_assert_uint_eq(T.s[i].size, 4);
		}
	}
	sym_free(&T);
	ck_assert_int_eq(T.n, 0);
	ck_assert_ptr_null(T.s);
}
END_TEST

START_TEST(load_missing_file)
{
	char err[256] = "";
	struct symtab t;
	ck_assert_int_eq(sym_load(&t, "/nonexistent/dir/kernel.elf", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "/nonexistent/dir/kernel.elf"), "message '%s'", err);
	ck_assert_msg(strstr(err, "No such file"), "message '%s'", err);
	ck_assert_int_eq(t.n, 0);
	ck_assert_ptr_null(t.s);
	sym_free(&t);
}
END_TEST

START_TEST(load_not_elf)
{
	static const char text[] = "#!/bin/sh\necho this is not an ELF file\n";
	struct symtab t;
	ck_assert_int_eq(load_image(&t, text, sizeof text - 1), 0);
	ck_assert_int_eq(t.n, 0);
	sym_free(&t);
	/* empty file */
	ck_assert_int_eq(load_image(&t, "", 0), 0);
	ck_assert_int_eq(t.n, 0);
	sym_free(&t);
	/* just the magic */
	ck_assert_int_eq(load_image(&t, ELFMAG, SELFMAG), 0);
	ck_assert_int_eq(t.n, 0);
	sym_free(&t);
}
END_TEST

START_TEST(load_elf64_ignored)
{
	struct gelf g;
	gelf_build(&g, sample_syms, N_SAMPLE);
	g.img[EI_CLASS] = ELFCLASS64;
	struct symtab t;
	ck_assert_int_eq(load_image(&t, g.img, g.len), 0);
	ck_assert_int_eq(t.n, 0);
	sym_free(&t);
	free(g.img);
}
END_TEST

START_TEST(load_no_symtab)
{
	struct gelf g;
	gelf_build(&g, sample_syms, N_SAMPLE);
	gelf_sh(&g, 2)->sh_type = SHT_PROGBITS;
	struct symtab t;
	ck_assert_int_eq(load_image(&t, g.img, g.len), 0);
	ck_assert_int_eq(t.n, 0);
	sym_free(&t);
	free(g.img);
}
END_TEST

/* A hostile change to a good image: must load (0), not crash, and give a sane table. */
static int load_hostile(void (*mutate)(struct gelf *, int), int k)
{
	struct gelf g;
	gelf_build(&g, sample_syms, N_SAMPLE);
	mutate(&g, k);
	struct symtab t;
	ck_assert_int_eq(load_image(&t, g.img, g.len), 0);
	check_table(&t);
	int n = t.n;
	uint32_t a;
	sym_lookup(&t, "main", &a);
	uint32_t off;
	sym_at(&t, 0x1000, &off);
	sym_free(&t);
	free(g.img);
	return n;
}

static void mut_shoff(struct gelf *g, int k)
{
	static const uint32_t v[] = { 0xfffffff0u, 0x7fffffffu, 1u << 20 };
	gelf_eh(g)->e_shoff = k < 3 ? v[k] : (uint32_t)g->len - 4;
}

static void mut_shnum(struct gelf *g, int k)
{
	gelf_eh(g)->e_shnum = k ? 0xffff : 0;
}

static void mut_shentsize(struct gelf *g, int k)
{
	gelf_eh(g)->e_shentsize = k ? 0 : 64;
}

static void mut_link(struct gelf *g, int k)
{
	static const uint32_t v[] = { G_SHNUM, 0xffffffffu, 0x10000u };
	gelf_sh(g, 2)->sh_link = v[k];
}

static void mut_symtab(struct gelf *g, int k)
{
	Elf32_Shdr *s = gelf_sh(g, 2);
	switch (k) {
	case 0: s->sh_offset = 0xfffffff0u; break;
	case 1: s->sh_size = 0xfffffff0u; break;
	case 2: s->sh_offset = (uint32_t)g->len - 8; break;
	case 3: s->sh_offset = 0xffffffffu; s->sh_size = 0x20; break;   /* offset + size wraps in 32 bits */
	default: s->sh_entsize = 0; break;
	}
}

static void mut_strtab(struct gelf *g, int k)
{
	Elf32_Shdr *s = gelf_sh(g, 3);
	switch (k) {
	case 0: s->sh_offset = 0xfffffff0u; break;
	case 1: s->sh_size = 0xffffffffu; break;
	case 2: s->sh_offset = (uint32_t)g->len - 2; s->sh_size = 2; break;
	default: s->sh_size = 0; break;
	}
}

static void mut_names(struct gelf *g, int k)
{
	for (int i = 1; i <= g->nsyms; i++)
		gelf_sym(g, i)->st_name = k == 0 ? 0xffffffffu : k == 1 ? g->strsize : g->strsize - 1 + (uint32_t)i;
}

static void mut_unterminated(struct gelf *g, int k)
{
	/* the last byte of .strtab is no longer a NUL, and the table ends there */
	(void)k;
	g->img[g->stroff + g->strsize - 1] = 'Z';
}

START_TEST(hostile_section_headers)
{
	for (int k = 0; k < 4; k++)
		ck_assert_int_eq(load_hostile(mut_shoff, k), 0);
	for (int k = 0; k < 2; k++)
		ck_assert_int_eq(load_hostile(mut_shnum, k), 0);
	for (int k = 0; k < 2; k++)
		ck_assert_int_eq(load_hostile(mut_shentsize, k), 0);
	for (int k = 0; k < 3; k++)
		ck_assert_int_eq(load_hostile(mut_link, k), 0);
}
END_TEST

START_TEST(hostile_sections)
{
	for (int k = 0; k < 5; k++)
		ck_assert_msg(load_hostile(mut_symtab, k) == 0, "symtab mutation %d", k);
	for (int k = 0; k < 3; k++)
		ck_assert_msg(load_hostile(mut_strtab, k) == 0, "strtab mutation %d", k);
	/* an empty .strtab: no names at all */
	ck_assert_int_eq(load_hostile(mut_strtab, 3), 0);
}
END_TEST

START_TEST(hostile_names)
{
	for (int k = 0; k < 3; k++)
		ck_assert_msg(load_hostile(mut_names, k) == 0, "name mutation %d", k);
	/* the last name loses its terminator: it is dropped, the others stay */
	int n = load_hostile(mut_unterminated, 0);
	ck_assert_int_eq(n, 7 - 1);   /* abs_const is the last name in .strtab */
}
END_TEST

START_TEST(every_truncation)
{
	struct gelf g;
	gelf_build(&g, sample_syms, N_SAMPLE);
	for (size_t len = 0; len < g.len; len++) {
		struct symtab t;
		uint8_t *copy = malloc(len ? len : 1);   /* exact size so ASan sees overreads */
		memcpy(copy, g.img, len);
		ck_assert_int_eq(load_image(&t, copy, len), 0);
		check_table(&t);
		ck_assert_int_eq(t.n, 0);   /* section headers are at the end */
		sym_free(&t);
		free(copy);
	}
	free(g.img);
}
END_TEST

START_TEST(random_corruption)
{
	struct gelf g;
	gelf_build(&g, sample_syms, N_SAMPLE);
	uint32_t seed = 12345;
	for (int round = 0; round < 300; round++) {
		uint8_t *copy = malloc(g.len);
		memcpy(copy, g.img, g.len);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % g.len;
			seed = seed * 1103515245u + 12345u;
			copy[at] = (uint8_t)(seed >> 16);
		}
		struct symtab t;
		ck_assert_int_eq(load_image(&t, copy, g.len), 0);
		check_table(&t);
		sym_free(&t);
		free(copy);
	}
	free(g.img);
}
END_TEST

/* ---- lookups ---- */

START_TEST(lookup)
{
	load_sample();
	uint32_t a = 0xdeadbeef;
	ck_assert(sym_lookup(&T, "counter", &a));
	ck_assert_uint_eq(a, 0x2000);
	ck_assert(sym_lookup(&T, "helper", &a));
	ck_assert_uint_eq(a, 0x1100);
	a = 0xdeadbeef;
	ck_assert(!sym_lookup(&T, "nonexistent", &a));
	ck_assert(!sym_lookup(&T, "", &a));
	ck_assert(!sym_lookup(&T, "mai", &a));
	ck_assert(!sym_lookup(&T, "undefined_fn", &a));
	ck_assert_uint_eq(a, 0xdeadbeef);
	sym_free(&T);
}
END_TEST

START_TEST(at_offsets)
{
	load_sample();
	uint32_t off = 0x5555;
	const struct sym *s = sym_at(&T, 0x1000, &off);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "main");   /* the function, not the object at the same place */
	ck_assert_uint_eq(off, 0);
	s = sym_at(&T, 0x101f, &off);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "main");
	ck_assert_uint_eq(off, 0x1f);
	ck_assert_ptr_null(sym_at(&T, 0x1020, &off));   /* past main's size, before helper */
	s = sym_at(&T, 0x1105, &off);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "helper");
	ck_assert_uint_eq(off, 5);
	s = sym_at(&T, 0x2003, &off);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "counter");
	ck_assert(!s->func);
	ck_assert_uint_eq(off, 3);
	ck_assert_ptr_null(sym_at(&T, 0x2004, &off));
	s = sym_at(&T, 0x2107, NULL);   /* off may be NULL */
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "static_var.0");
	/* a sizeless symbol reaches up to 64 KiB */
	s = sym_at(&T, 0x3000 + 0x10000, &off);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "label");
	ck_assert_uint_eq(off, 0x10000);
	ck_assert_ptr_null(sym_at(&T, 0x3000 + 0x10001, &off));
	/* below everything but the absolute constant */
	ck_assert_ptr_null(sym_at(&T, 0x50, &off));
	ck_assert_ptr_null(sym_at(&T, 0xffffffffu, &off));
	sym_free(&T);
}
END_TEST

START_TEST(at_empty_table)
{
	struct symtab t = { 0 };
	uint32_t off = 7, a = 9;
	ck_assert_ptr_null(sym_at(&t, 0, &off));
	ck_assert_ptr_null(sym_at(&t, 0x1000, &off));
	ck_assert(!sym_lookup(&t, "main", &a));
	char buf[16] = "junk";
	sym_format(&t, 0x1000, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(format)
{
	load_sample();
	char buf[64];
	sym_format(&T, 0x1000, buf, sizeof buf);
	ck_assert_str_eq(buf, "main");
	sym_format(&T, 0x1012, buf, sizeof buf);
	ck_assert_str_eq(buf, "main+0x12");
	sym_format(&T, 0x2002, buf, sizeof buf);
	ck_assert_str_eq(buf, "counter+0x2");
	sym_format(&T, 0x1020, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	char small[6];
	sym_format(&T, 0x1012, small, sizeof small);
	ck_assert_str_eq(small, "main+");
	sym_free(&T);
}
END_TEST

/* ---- the real sample, against nm ---- */

static const char *sample_path(char *buf, size_t len)
{
	const char *dir = getenv("abs_builddir");
	if (!dir || !*dir)
		dir = getenv("builddir");
	if (!dir || !*dir)
		dir = ".";
	snprintf(buf, len, "%s/samples/hello.elf", dir);
	return buf;
}

START_TEST(hello_elf_matches_nm)
{
	char path[512], cmd[700], err[256] = "";
	sample_path(path, sizeof path);
	ck_assert_msg(access(path, R_OK) == 0, "%s is missing: build the samples, run from the build tree", path);
	struct symtab t;
	ck_assert_msg(sym_load(&t, path, err, sizeof err) == 0, "%s", err);
	check_table(&t);
	ck_assert_int_gt(t.n, 10);

	snprintf(cmd, sizeof cmd, "nm --defined-only '%s'", path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[512];
	int seen = 0, funcs = 0;
	while (fgets(line, sizeof line, p)) {
		unsigned long addr;
		char type, name[256];
		if (sscanf(line, "%lx %c %255s", &addr, &type, name) != 3)
			continue;
		/* text, data, bss, rodata and absolute symbols */
		if (!strchr("TtDdBbRra", type) || name[0] == '.' || name[0] == '$')
			continue;
		ck_assert_msg(has(&t, name, (uint32_t)addr), "nm: %s at 0x%lx (%c) not loaded", name, addr, type);
		uint32_t a;
		ck_assert(sym_lookup(&t, name, &a));
		seen++;
		if (type == 'T' || type == 't') {
			uint32_t off = 1;
			const struct sym *s = sym_at(&t, (uint32_t)addr, &off);
			ck_assert_ptr_nonnull(s);
			ck_assert_uint_eq(s->addr, addr);
			ck_assert_uint_eq(off, 0);
			funcs++;
		}
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_int_gt(funcs, 5);
	/* nothing invented: every loaded symbol is one nm knows */
	ck_assert_int_eq(t.n, seen);

	uint32_t a = 0;
	ck_assert(sym_lookup(&t, "sample_main", &a));
	const struct sym *s = sym_at(&t, a + 3, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "sample_main");
	ck_assert(s->func);
	ck_assert_uint_gt(s->size, 3);
	char buf[64];
	sym_format(&t, a + 3, buf, sizeof buf);
	ck_assert_str_eq(buf, "sample_main+0x3");
	ck_assert(sym_lookup(&t, "rt_gdt", &a));
	s = sym_at(&t, a, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert(!s->func);
	sym_free(&t);
}
END_TEST

/* ---- --symbols FILE: System.map / kallsyms text, and strict ELF ---- */

static int add_text(struct symtab *t, const char *text, char *err, size_t errlen)
{
	write_file(text, strlen(text));
	int rc = sym_add_file(t, tmp_path, err, errlen);
	unlink(tmp_path);
	return rc;
}

START_TEST(map_kinds_and_order)
{
	struct symtab t = { 0 };
	char err[256] = "";
	/* a System.map's kinds, out of order, a kallsyms module suffix, CRLF */
	const char *map = "c1000078 T start_cpu0\n"
			  "c1000000 T startup_32\n"
			  "c1000000 A _absolute\n"
			  "c1d929c1 T start_kernel\n"
			  "c12d08b0 T __ia32_sys_write\n"
			  "c12d07d0 t ksys_write\r\n"
			  "c2000000 D init_task\n"
			  "c2100000 b some_bss\n"
			  "00000000 U undefined_thing\n"
			  "\n"
			  "f8001000 t e1000_probe\t[e1000]\n"
			  "c1000100 W weak_fn\n";
	ck_assert_int_eq(add_text(&t, map, err, sizeof err), 9);
	check_table(&t);
	uint32_t a = 0;
	ck_assert(sym_lookup(&t, "start_kernel", &a));
	ck_assert_uint_eq(a, 0xc1d929c1);
	ck_assert(sym_lookup(&t, "ksys_write", &a));
	ck_assert_uint_eq(a, 0xc12d07d0);
	ck_assert(sym_lookup(&t, "e1000_probe", &a));
	ck_assert_uint_eq(a, 0xf8001000);
	ck_assert(!sym_lookup(&t, "_absolute", &a));
	ck_assert(!sym_lookup(&t, "undefined_thing", &a));
	char buf[64];
	sym_format(&t, 0xc12d08b0 + 0x10, buf, sizeof buf);
	ck_assert_str_eq(buf, "__ia32_sys_write+0x10");
	sym_format(&t, 0xc1000010, buf, sizeof buf);
	ck_assert_str_eq(buf, "startup_32+0x10");
	const struct sym *s = sym_at(&t, 0xc2000004, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "init_task");
	ck_assert(!s->func);
	ck_assert(sym_at(&t, 0xc1d929c1, NULL)->func);
	/* a second file adds to the first */
	ck_assert_int_eq(add_text(&t, "c3000000 T late_fn\n", err, sizeof err), 1);
	ck_assert(sym_lookup(&t, "late_fn", &a));
	ck_assert(sym_lookup(&t, "startup_32", &a));
	check_table(&t);
	sym_free(&t);
}
END_TEST

/* Kernel section markers share addresses with the code they bound: the
 * code's name wins whichever the map lists first. */
START_TEST(map_prefers_code_over_markers)
{
	struct symtab t = { 0 };
	char err[256] = "";
	const char *map = "c1923a50 T __irqentry_text_end\n"
			  "c1923a50 T entry_SYSENTER_32\n"
			  "c1923a50 T __softirqentry_text_start\n"
			  "c1923a50 T __begin_SYSENTER_singlestep_region\n"
			  "c1000000 T _text\n"
			  "c1000000 T startup_32\n"
			  "c1000000 T _stext\n"
			  "c2000000 D _sdata\n"
			  "c2000000 D init_thread_union\n"
			  "c2100000 T _etext\n";
	ck_assert_int_eq(add_text(&t, map, err, sizeof err), 10);
	char buf[64];
	sym_format(&t, 0xc1923a50, buf, sizeof buf);
	ck_assert_str_eq(buf, "entry_SYSENTER_32");
	sym_format(&t, 0xc1000004, buf, sizeof buf);
	ck_assert_str_eq(buf, "startup_32+0x4");
	sym_format(&t, 0xc2000000, buf, sizeof buf);
	ck_assert_str_eq(buf, "init_thread_union");
	/* A marker alone still names its address. */
	sym_format(&t, 0xc2100000, buf, sizeof buf);
	ck_assert_str_eq(buf, "_etext");
	sym_free(&t);
}
END_TEST

START_TEST(map_rejects_malformed)
{
	static const char *const bad[] = {
		"hello world\n",                     /* no address */
		"c1000000\n",                        /* no type */
		"c1000000 T\n",                      /* no name */
		"c1000000 T a b\n",                  /* junk after the name */
		"1c1000000 T too_wide\n",            /* beyond 32 bits */
		"c1000000 T fine\nzz T bad\n",       /* a bad line after a good one */
		"c1000000 TT name\n",                /* a two-letter type */
		"",                                  /* empty */
		"c1000000 A only_absolute\n",        /* nothing usable */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct symtab t = { 0 };
		char err[256] = "";
		ck_assert_msg(add_text(&t, bad[i], err, sizeof err) < 0, "accepted: %s", bad[i]);
		ck_assert_msg(strstr(err, tmp_path) != NULL, "message names no file: %s", err);
		sym_free(&t);
	}
	/* a line too long for any map */
	char *longl = malloc(2000);
	memset(longl, 'a', 1999);
	longl[1999] = 0;
	memcpy(longl, "c1000000 T ", 11);
	struct symtab t = { 0 };
	char err[256] = "";
	ck_assert_int_lt(add_text(&t, longl, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	sym_free(&t);
	free(longl);
	/* a missing file */
	ck_assert_int_lt(sym_add_file(&t, "/nonexistent/System.map", err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/System.map"));
}
END_TEST

START_TEST(add_elf_strict)
{
	char path[512], err[256] = "";
	sample_path(path, sizeof path);
	struct symtab t = { 0 };
	ck_assert_msg(sym_add_file(&t, path, err, sizeof err) > 10, "%s", err);
	uint32_t a;
	ck_assert(sym_lookup(&t, "sample_main", &a));
	sym_free(&t);
	/* an ELF with no symbol table is an error for --symbols */
	static const uint8_t elf_head[64] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };
	write_file(elf_head, sizeof elf_head);
	ck_assert_int_lt(sym_add_file(&t, tmp_path, err, sizeof err), 0);
	unlink(tmp_path);
	ck_assert_ptr_nonnull(strstr(err, "no ELF32 symbol table"));
	sym_free(&t);
}
END_TEST

static Suite *symbols_suite(void)
{
	Suite *s = suite_create("symbols");
	TCase *tc = tcase_create("symbols");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, load_generated_filters);
	tcase_add_test(tc, load_missing_file);
	tcase_add_test(tc, load_not_elf);
	tcase_add_test(tc, load_elf64_ignored);
	tcase_add_test(tc, load_no_symtab);
	tcase_add_test(tc, hostile_section_headers);
	tcase_add_test(tc, hostile_sections);
	tcase_add_test(tc, hostile_names);
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, random_corruption);
	tcase_add_test(tc, lookup);
	tcase_add_test(tc, at_offsets);
	tcase_add_test(tc, at_empty_table);
	tcase_add_test(tc, format);
	tcase_add_test(tc, hello_elf_matches_nm);
	tcase_add_test(tc, map_kinds_and_order);
	tcase_add_test(tc, map_prefers_code_over_markers);
	tcase_add_test(tc, map_rejects_malformed);
	tcase_add_test(tc, add_elf_strict);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(symbols_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
