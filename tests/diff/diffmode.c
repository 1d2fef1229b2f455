/* The differential tester's guest environments (see diffmode.h): the
 * system area (GDT, IDT, TSS, exception handlers, ring-0 stack), the page
 * tables, the initial state, and reading a ring-3 exception's frame back.
 *
 * Linear layout: code 0x00300000 (two pages), data 0x00310000 (16 pages),
 * system area 0x00340000 (three pages); page tables are physical only, at
 * 0x00350000, in two sets so that consecutive cases load different CR3s
 * (bt's shadow TLB, like a CPU's, is flushed by a CR3 change, not by the
 * harness rewriting tables under the same CR3).
 */
#include "diffmode.h"

#include <stdio.h>
#include <string.h>

#include "monitor/emulate.h"
#include "monitor/interrupt.h"
#include "monitor/paging.h"

#define SYS_LIN      0x00340000u
#define SYS_PAGES    3u
#define GDT_LIN      (SYS_LIN + 0x000u)
#define GDT_ENTRIES  8u
#define IDT_LIN      (SYS_LIN + 0x100u)
#define IDT_ENTRIES  (DENV_END_VECTOR + 1u)
#define TSS_LIN      (SYS_LIN + 0x400u)
#define HANDLER_LIN  (SYS_LIN + 0x1000u)   /* 16 bytes per vector */
#define STACK0_TOP   (SYS_LIN + 0x3000u)
#define PT_PHYS      0x00350000u          /* + alt * 0x4000: PD, then one PT */
#define POOL_PHYS    0x01000000u          /* DP_MAP_4K: 32 page slots */
#define POOL_SLOTS   32u
#define MAP4M_DELTA  0x00800000u          /* DP_MAP_4M: linear 0-4M at physical 8-12M */

#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x1b
#define SEL_DATA3 0x23
#define SEL_TSS   0x28
#define SEL_FS    0x30
#define SEL_GS    0x38

#define PTE_P  0x001u
#define PTE_RW 0x002u
#define PTE_U  0x004u
#define PDE_PS 0x080u

#define CODE_PAGES (DIFF_CODE_PAGE >> 12)
#define DATA_PAGES (DIFF_DATA_SIZE >> 12)

static const char *const mode_names[DM_COUNT] = { "flat", "ring3", "paging", "segbase", "mixed" };
static const char *const paging_names[DP_COUNT] = { "off", "id-4k", "id-4m", "map-4k", "map-4m" };

/* FS/GS bases: small and odd ones, ones that wrap modulo 2^32, large ones
 * only [disp32] operands can reach. */
static const uint32_t seg_bases[] = {
	0x00001000u, 0x00000010u, 0x00002468u, 0x00003000u, 0x00000007u, 0xffffe000u,
	0xffffffe0u, 0xfffffffdu, 0x00100000u, 0xfff00000u, 0x10000000u,
};

int denv_mode_parse(const char *name, enum denv_mode *out)
{
	for (int i = 0; i < DM_COUNT; i++)
		if (strcmp(name, mode_names[i]) == 0) {
			*out = (enum denv_mode)i;
			return 0;
		}
	return -1;
}

const char *denv_mode_name(enum denv_mode m)
{
	return m < DM_COUNT ? mode_names[m] : "?";
}

void denv_describe(const struct denv *e, char *buf, size_t n)
{
	size_t k = (size_t)snprintf(buf, n, "%s", e->ring3 ? "ring3" : "ring0");
	if (e->paging != DP_OFF && k < n)
		k += (size_t)snprintf(buf + k, n - k, " paging(%s%s)", paging_names[e->paging], e->wp ? ", WP" : "");
	if (e->segs && k < n)
		snprintf(buf + k, n - k, " fs=0x%x gs=0x%x", e->seg.base[0], e->seg.base[1]);
}

static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void denv_pick(enum denv_mode mode, uint64_t seed, uint64_t index, struct denv *e)
{
	uint64_t s = seed * 0xd1b54a32d192ed03ull ^ (index + 1) * 0x8cb92ba72f3d8dd7ull ^ 0x6d6f6465ull;
	memset(e, 0, sizeof *e);
	e->alt = (unsigned)(index & 1);
	uint64_t r = mix(&s);
	switch (mode) {
	case DM_FLAT:
	case DM_COUNT:
		break;
	case DM_RING3:
		e->ring3 = true;
		break;
	case DM_PAGING:
		e->paging = (enum denv_paging)(DP_ID_4K + r % 4);
		break;
	case DM_SEGBASE:
		e->segs = true;
		break;
	case DM_MIXED:
		e->ring3 = r & 1;
		e->segs = (r >> 1) & 1;
		e->paging = (enum denv_paging)((r >> 2) % DP_COUNT);
		break;
	}
	if (e->paging != DP_OFF)
		e->wp = (r >> 8) & 1;
	if (e->segs) {
		uint64_t b = mix(&s);
		e->seg.base[0] = seg_bases[b % (sizeof seg_bases / sizeof seg_bases[0])];
		e->seg.base[1] = seg_bases[(b >> 16) % (sizeof seg_bases / sizeof seg_bases[0])];
	}
	if (e->paging == DP_MAP_4K) {
		uint8_t slot[POOL_SLOTS];
		for (unsigned i = 0; i < POOL_SLOTS; i++)
			slot[i] = (uint8_t)i;
		for (unsigned i = POOL_SLOTS - 1; i > 0; i--) {
			unsigned j = (unsigned)(mix(&s) % (i + 1));
			uint8_t t = slot[i];
			slot[i] = slot[j];
			slot[j] = t;
		}
		memcpy(e->perm, slot, sizeof e->perm);
	}
}

uint64_t denv_phys(const struct denv *e, uint32_t lin)
{
	switch (e->paging) {
	case DP_MAP_4M:
		return (uint64_t)lin + MAP4M_DELTA;
	case DP_MAP_4K: {
		uint32_t off = lin & 0xfffu;
		if (lin >= DIFF_CODE_ADDR && lin < DIFF_CODE_ADDR + DIFF_CODE_PAGE)
			return POOL_PHYS + 0x1000u * e->perm[(lin - DIFF_CODE_ADDR) >> 12] + off;
		if (lin >= DIFF_DATA_ADDR && lin < DIFF_DATA_ADDR + DIFF_DATA_SIZE)
			return POOL_PHYS + 0x1000u * e->perm[CODE_PAGES + ((lin - DIFF_DATA_ADDR) >> 12)] + off;
		return lin;
	}
	default:
		return lin;
	}
}

static int copy(const struct denv *e, struct machine *m, uint32_t lin, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;
	while (len) {
		size_t n = 0x1000u - (lin & 0xfffu);
		if (n > len)
			n = len;
		uint64_t pa = denv_phys(e, lin);
		if ((wr ? gmem_write(&m->mem, pa, p, n) : gmem_read(&m->mem, pa, p, n)) < 0)
			return -1;
		lin += (uint32_t)n;
		p += n;
		len -= n;
	}
	return 0;
}

int denv_write(const struct denv *e, struct machine *m, uint32_t lin, const void *buf, size_t len)
{
	return copy(e, m, lin, (void *)(uintptr_t)buf, len, true);
}

int denv_read(const struct denv *e, struct machine *m, uint32_t lin, void *buf, size_t len)
{
	return copy(e, m, lin, buf, len, false);
}

/* A segment descriptor: base, 20-bit limit, access byte, flags nibble. */
static uint64_t desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
	return (limit & 0xffffull) | (uint64_t)(base & 0xffffffu) << 16 | (uint64_t)access << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* The page tables of a paged environment; returns CR3. */
static uint32_t build_tables(const struct denv *e, struct machine *m)
{
	uint32_t pd = PT_PHYS + 0x4000u * e->alt, pt = pd + 0x1000u;
	static uint8_t dir[4096], tab[4096];
	memset(dir, 0, sizeof dir);
	memset(tab, 0, sizeof tab);
	if (e->paging == DP_ID_4M || e->paging == DP_MAP_4M) {
		uint32_t base = e->paging == DP_MAP_4M ? MAP4M_DELTA : 0;
		put32(dir, base | PDE_PS | PTE_U | PTE_RW | PTE_P);
	} else {
		put32(dir, pt | PTE_U | PTE_RW | PTE_P);
		for (uint32_t i = 0; i < CODE_PAGES; i++) {
			uint32_t lin = DIFF_CODE_ADDR + 0x1000u * i;
			put32(tab + 4 * (lin >> 12), (uint32_t)denv_phys(e, lin) | PTE_U | PTE_RW | PTE_P);
		}
		for (uint32_t i = 0; i < DATA_PAGES; i++) {
			uint32_t lin = DIFF_DATA_ADDR + 0x1000u * i;
			put32(tab + 4 * (lin >> 12), (uint32_t)denv_phys(e, lin) | PTE_U | PTE_RW | PTE_P);
		}
		for (uint32_t i = 0; i < SYS_PAGES; i++) {   /* supervisor only */
			uint32_t lin = SYS_LIN + 0x1000u * i;
			put32(tab + 4 * (lin >> 12), (uint32_t)denv_phys(e, lin) | PTE_RW | PTE_P);
		}
		gmem_write(&m->mem, pt, tab, sizeof tab);
	}
	gmem_write(&m->mem, pd, dir, sizeof dir);
	return pd;
}

void denv_build(const struct denv *e, struct machine *m, const struct vcpu_state *base, struct vcpu_state *st,
		uint8_t term[4], uint32_t *term_len)
{
	*st = *base;
	term[0] = 0xfa;   /* cli; hlt */
	term[1] = 0xf4;
	*term_len = 2;
	if (!e->ring3 && !e->segs && e->paging == DP_OFF)
		return;   /* flat: the loader's GDT and state, as before */

	uint64_t gdt[GDT_ENTRIES] = {
		0,
		desc(0, 0xfffff, 0x9b, 0xc),   /* 0x08 ring-0 code */
		desc(0, 0xfffff, 0x93, 0xc),   /* 0x10 ring-0 data */
		desc(0, 0xfffff, 0xfb, 0xc),   /* 0x18 ring-3 code */
		desc(0, 0xfffff, 0xf3, 0xc),   /* 0x20 ring-3 data */
		desc(TSS_LIN, 103, 0x8b, 0),   /* 0x28 TSS (busy) */
		desc(e->seg.base[0], 0xfffff, 0xf3, 0xc),   /* 0x30 FS */
		desc(e->seg.base[1], 0xfffff, 0xf3, 0xc),   /* 0x38 GS */
	};
	denv_write(e, m, GDT_LIN, gdt, sizeof gdt);
	st->gdtr = (struct vcpu_dtr){ GDT_LIN, GDT_ENTRIES * 8 - 1 };

	unsigned cpl = e->ring3 ? 3 : 0;
	uint16_t cs = cpl ? SEL_CODE3 : SEL_CODE0, ds = cpl ? SEL_DATA3 : SEL_DATA0;
	st->seg[S_CS] = vcpu_seg_from_desc(cs, gdt[cs >> 3]);
	st->seg[S_SS] = st->seg[S_DS] = st->seg[S_ES] = st->seg[S_FS] = st->seg[S_GS] =
		vcpu_seg_from_desc(ds, gdt[ds >> 3]);
	if (e->segs) {
		st->seg[S_FS] = vcpu_seg_from_desc((uint16_t)(SEL_FS | cpl), gdt[SEL_FS >> 3]);
		st->seg[S_GS] = vcpu_seg_from_desc((uint16_t)(SEL_GS | cpl), gdt[SEL_GS >> 3]);
	}

	if (e->ring3) {
		/* The TSS: only SS0:ESP0 matter. */
		uint8_t tss[104];
		memset(tss, 0, sizeof tss);
		put32(tss + 4, STACK0_TOP);
		put32(tss + 8, SEL_DATA0);
		put32(tss + 102 - 2, 104u << 16);   /* I/O map base past the limit: no bitmap */
		denv_write(e, m, TSS_LIN, tss, sizeof tss);
		st->tr = vcpu_seg_from_desc(SEL_TSS, gdt[SEL_TSS >> 3]);

		/* Interrupt gates to handlers that halt (HLT; JMP back to it).
		 * INT3, INTO and the terminator's INT 0x40 may be raised from
		 * ring 3, as Linux allows INT3 and INTO. */
		uint64_t idt[IDT_ENTRIES];
		static uint8_t handlers[16 * IDT_ENTRIES];
		for (uint32_t v = 0; v < IDT_ENTRIES; v++) {
			uint32_t h = HANDLER_LIN + 16 * v;
			unsigned attr = (v == 3 || v == 4 || v == DENV_END_VECTOR) ? 0xee : 0x8e;
			idt[v] = (h & 0xffffu) | (uint64_t)SEL_CODE0 << 16 | (uint64_t)attr << 40 |
				 (uint64_t)(h >> 16) << 48;
			memset(handlers + 16 * v, 0xcc, 16);
			handlers[16 * v] = 0xf4;          /* hlt */
			handlers[16 * v + 1] = 0xeb;      /* jmp hlt */
			handlers[16 * v + 2] = 0xfd;
		}
		denv_write(e, m, IDT_LIN, idt, sizeof idt);
		denv_write(e, m, HANDLER_LIN, handlers, sizeof handlers);
		st->idtr = (struct vcpu_dtr){ IDT_LIN, IDT_ENTRIES * 8 - 1 };
		st->eflags |= EFLAGS_IF;   /* as a user program runs (nothing raises an IRQ) */
		term[0] = 0xcd;            /* int 0x40 */
		term[1] = DENV_END_VECTOR;
	}

	if (e->paging != DP_OFF) {
		st->cr3 = build_tables(e, m);
		st->cr0 |= CR0_PG | (e->wp ? CR0_WP : 0);
		if (e->paging == DP_ID_4M || e->paging == DP_MAP_4M)
			st->cr4 |= PG_CR4_PSE;
	}
}

bool denv_stop(const struct denv *e, struct machine *m, const struct vcpu_state *st, uint32_t eip,
	       struct denv_stop *out, char *why, size_t whylen)
{
	if (eip < HANDLER_LIN || eip >= HANDLER_LIN + 16 * IDT_ENTRIES || (eip - HANDLER_LIN) % 16) {
		snprintf(why, whylen, "halted at EIP 0x%08x, in no handler", eip);
		return false;
	}
	int v = (int)((eip - HANDLER_LIN) / 16);
	uint32_t esp = st->gpr[R_ESP];
	uint32_t f[6];
	size_t n = (v < 32 && emu_exception_has_error(v) ? 6 : 5) * 4;   /* [error] EIP CS EFLAGS ESP SS */
	if (esp < SYS_LIN + 0x2000u || esp + n != STACK0_TOP || denv_read(e, m, esp, f, n) < 0) {
		snprintf(why, whylen, "vector %d taken with ESP 0x%08x, not the ring-0 stack's top less a frame", v,
			 esp);
		return false;
	}
	const uint32_t *fr = f + (n == 24 ? 1 : 0);
	if ((fr[1] & 0xffff) != SEL_CODE3 || (fr[4] & 0xffff) != SEL_DATA3 || st->seg[S_CS].sel != SEL_CODE0) {
		snprintf(why, whylen, "vector %d with a frame of CS 0x%x SS 0x%x (running in CS 0x%x), not from ring 3",
			 v, fr[1] & 0xffff, fr[4] & 0xffff, st->seg[S_CS].sel);
		return false;
	}
	*out = (struct denv_stop){ .vector = v, .eip = fr[0], .eflags = fr[2], .esp = fr[3] };
	return true;
}
