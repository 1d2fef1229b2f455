/* The differential tester's case generator (see gen.h).
 *
 * Registers have classes that say what may be done with them:
 *   FREE   any value; destinations are chosen among these;
 *   PTR    points into the data region, with a known range [lo, hi];
 *   IDX    a small exact value, usable as an index register;
 *   STACK  ESP, in the stack area at the top of the data region.
 * EAX, ECX and EDX are always FREE (implicit destinations of MUL/DIV, string
 * and loop instructions); EBX, EBP, ESI and EDI start as any class. A
 * template that writes a PTR or IDX register makes it FREE (conservative,
 * so a template inside a skipped or repeated body stays safe); only
 * top-level templates make a register PTR. Every explicit memory operand is
 * chosen so its whole access lies in the data region for every value its
 * registers may hold; accesses that need alignment use exact registers.
 *
 * Templates emit one instruction or a small group (DIV with its operands set
 * up, a string instruction with ESI/EDI/ECX loaded, an x87 or SSE
 * computation that ends by storing its results). A body (jump-over, loop,
 * called subroutine, ENTER frame) is made of "simple" templates: no control
 * flow, no ESP change, registers only ever made FREE.
 *
 * Flags the SDM leaves undefined come out of the host CPU identically on
 * both sides for every instruction bt runs natively, so they are compared.
 * bt emulates DAA DAS AAA AAS AAM AAD (and SALC): their undefined flags are
 * masked (flag_mask), and once one has run only flag-free or other BCD
 * templates follow, so no later instruction consumes an undefined flag.
 */
#include "gen.h"

#include <string.h>

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
enum { C_FREE, C_PTR, C_IDX, C_STACK };

#define DLO ((int64_t)DIFF_DATA_ADDR)
#define DHI ((int64_t)DIFF_DATA_ADDR + (int64_t)DIFF_DATA_SIZE)
#define PTR_LO (DLO + 0x2000)
#define PTR_SPAN 0x4000
#define STACK_TOP (DLO + 0xc000)

#define F_CF 0x001u
#define F_PF 0x004u
#define F_AF 0x010u
#define F_ZF 0x040u
#define F_SF 0x080u
#define F_OF 0x800u

struct gen {
	uint64_t s;
	struct gen_case *c;
	uint8_t cls[8];
	int64_t lo[8], hi[8];      /* PTR/STACK: value range; IDX: the value */
	bool locked[8];            /* must not be written (loop counter, frame pointer) */
	bool no_reclass;           /* inside a repeated body: only FREE registers are written */
	int bcd;                   /* 0; 1 after DAA/DAS/AAA/AAS; 2 after AAM/AAD */
	int64_t prot_lo, prot_hi;  /* memory that explicit operands must not touch */
	const struct gen_segs *segs;   /* FS/GS bases to use, or NULL: no FS/GS overrides */
	int64_t seg_shift;         /* the base of the current instruction's override (signed) */
	uint8_t seg_byte;          /* its prefix (0x64, 0x65), or 0 */
	uint8_t mem_seg;           /* the prefix of the last memory operand emitted */
	unsigned mem_start, mem_len;   /* the last memory operand's bytes */
	int depth;
	bool full;
};

typedef bool tmpl_fn(struct gen *g);

#define KVM_SKIP_EXT "uses instructions beyond i686+SSE2"
#define KVM_SKIP_BCD "uses AAM/AAD, whose flags KVM's instruction emulator computes from EAX"
#define KVM_SKIP_ENTER16 "uses a 16-bit ENTER, which KVM's instruction emulator pushes with 32 bits"

#define T_SIMPLE   1u   /* allowed in bodies */
#define T_FLAGFREE 2u   /* neither reads nor writes arithmetic flags */
#define T_BCD      4u

struct tmpl {
	const char *name;
	tmpl_fn *fn;
	unsigned weight;
	unsigned flags;
};

/* --- randomness ------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t r64(struct gen *g)
{
	return splitmix(&g->s);
}

static uint32_t rnd(struct gen *g, uint32_t n)
{
	return n ? (uint32_t)(r64(g) % n) : 0;
}

static bool chance(struct gen *g, unsigned pct)
{
	return rnd(g, 100) < pct;
}

/* Values that make flags interesting. */
static uint32_t ival(struct gen *g)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 0xffffffffu, 0xfffffffeu, 0x7fffffffu, 0x80000000u, 0x80000001u,
		0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x55555555u,
		0xaaaaaaaau, 0x0f0f0f0fu, 0x99, 0x09, 0x0a, 0x1f, 0x20, 0x21,
	};
	switch (rnd(g, 5)) {
	case 0:
	case 1:
		return v[rnd(g, sizeof v / sizeof v[0])];
	case 2:
		return (uint32_t)((int32_t)rnd(g, 256) - 128);
	default:
		return (uint32_t)r64(g);
	}
}

/* --- emission -------------------------------------------------------------- */

static void e8(struct gen *g, uint32_t b)
{
	struct gen_case *c = g->c;
	if (c->code_len < DIFF_CODE_MAX)
		c->code[c->code_len++] = (uint8_t)b;
	else
		g->full = true;
}

static void e16(struct gen *g, uint32_t v)
{
	e8(g, v);
	e8(g, v >> 8);
}

static void e32(struct gen *g, uint32_t v)
{
	e16(g, v);
	e16(g, v >> 16);
}

static void eimm(struct gen *g, unsigned osz, uint32_t v)
{
	if (osz == 1)
		e8(g, v);
	else if (osz == 2)
		e16(g, v);
	else
		e32(g, v);
}

static uint32_t here(struct gen *g)
{
	return g->c->code_len;
}

static uint32_t here_abs(struct gen *g)
{
	return DIFF_CODE_ADDR + g->c->code_len;
}

static void patch8(struct gen *g, uint32_t at, int32_t v)
{
	if (at < DIFF_CODE_MAX)
		g->c->code[at] = (uint8_t)v;
}

static void patch32(struct gen *g, uint32_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		if (at + (uint32_t)i < DIFF_CODE_MAX)
			g->c->code[at + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

/* Start an instruction made by template name. */
static void ins(struct gen *g, const char *name)
{
	struct gen_case *c = g->c;
	g->seg_shift = 0;
	g->seg_byte = 0;
	if (c->ninsn < GEN_MAX_INSNS)
		c->insn[c->ninsn++] = (struct gen_insn){ .off = (uint16_t)c->code_len, .tmpl = name,
							 .flag_mask = c->flag_mask };
	else
		g->full = true;
}

static void osz_pfx(struct gen *g, unsigned osz)
{
	if (osz == 2)
		e8(g, 0x66);
}

static void modrm_rr(struct gen *g, unsigned reg, unsigned rm)
{
	e8(g, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* --- registers ------------------------------------------------------------- */

static unsigned pick_osz(struct gen *g)
{
	unsigned r = rnd(g, 10);
	return r < 3 ? 1 : r < 5 ? 2 : 4;
}

static unsigned pick_osz24(struct gen *g)
{
	return chance(g, 30) ? 2 : 4;
}

static bool writable(const struct gen *g, int r)
{
	if (r == ESP || g->locked[r])
		return false;
	return g->cls[r] == C_FREE || !g->no_reclass;
}

/* A destination register among those in mask (bit per GPR); FREE ones first. */
static int pick_dst_mask(struct gen *g, unsigned mask)
{
	int cand[8], n = 0;
	for (int r = 0; r < 8; r++)
		if ((mask >> r & 1) && writable(g, r) && g->cls[r] == C_FREE)
			cand[n++] = r;
	if (n == 0 || chance(g, 8)) {
		int all[8], m = 0;
		for (int r = 0; r < 8; r++)
			if ((mask >> r & 1) && writable(g, r))
				all[m++] = r;
		if (m) {
			memcpy(cand, all, sizeof all);
			n = m;
		}
	}
	if (n == 0)
		return EAX;   /* EAX is never locked */
	return cand[rnd(g, (uint32_t)n)];
}

static void wrote(struct gen *g, int r)
{
	if (r != ESP)
		g->cls[r] = C_FREE;
}

static int pick_dst(struct gen *g)
{
	return pick_dst_mask(g, 0xff);
}

/* A destination of size osz as encoded in ModRM (8-bit: AL..BH), marked written. */
static int dst_reg(struct gen *g, unsigned osz)
{
	if (osz == 1) {
		int full = pick_dst_mask(g, 0x0f);
		wrote(g, full);
		return full + (chance(g, 40) ? 4 : 0);
	}
	int r = pick_dst(g);
	wrote(g, r);
	return r;
}

static int src_reg(struct gen *g)
{
	return (int)rnd(g, 8);
}

/* --- memory operands ------------------------------------------------------- */

struct memsel {
	int base, index;      /* -1: none */
	unsigned scale;       /* log2 */
	int dsz;              /* 0, 1, 4 */
	int32_t disp;
	bool sib;             /* force a SIB byte */
};

static bool fit(struct gen *g, int64_t L, int64_t H, int64_t ext_lo, int64_t ext_hi, int64_t dmin,
		int64_t dmax, unsigned align, int32_t *disp)
{
	int64_t lo = DLO - g->seg_shift - (L + ext_lo), hi = DHI - g->seg_shift - (H + ext_hi);
	if (lo < dmin)
		lo = dmin;
	if (hi > dmax)
		hi = dmax;
	if (lo > hi)
		return false;
	int64_t d = lo + (int64_t)(r64(g) % (uint64_t)(hi - lo + 1));
	if (align > 1) {
		if (L != H)
			return false;
		d -= (L + d + g->seg_shift) & (int64_t)(align - 1);   /* the linear address is aligned */
		if (d < lo)
			d += align;
		if (d > hi)
			return false;
	}
	if (g->prot_hi > g->prot_lo && L + d + g->seg_shift + ext_lo < g->prot_hi &&
	    H + d + g->seg_shift + ext_hi > g->prot_lo)
		return false;
	*disp = (int32_t)d;
	return true;
}

static void emit_mem(struct gen *g, unsigned regf, const struct memsel *m)
{
	g->mem_start = here(g);
	g->mem_seg = g->seg_byte;
	if (m->base < 0 && m->index < 0) {
		e8(g, (regf & 7) << 3 | 5);
		e32(g, (uint32_t)m->disp);
	} else if (m->base < 0) {
		e8(g, (regf & 7) << 3 | 4);
		e8(g, m->scale << 6 | (unsigned)m->index << 3 | 5);
		e32(g, (uint32_t)m->disp);
	} else {
		unsigned mod = m->dsz == 0 ? 0 : m->dsz == 1 ? 1 : 2;
		bool sib = m->sib || m->index >= 0 || m->base == ESP;
		e8(g, mod << 6 | (regf & 7) << 3 | (sib ? 4u : (unsigned)m->base));
		if (sib)
			e8(g, m->scale << 6 | (unsigned)(m->index >= 0 ? m->index : 4) << 3 | (unsigned)m->base);
		if (m->dsz == 1)
			e8(g, (uint32_t)m->disp);
		else if (m->dsz == 4)
			e32(g, (uint32_t)m->disp);
	}
	g->mem_len = here(g) - g->mem_start;
}

static int pick_base(struct gen *g, bool allow_idx)
{
	int cand[8], n = 0;
	for (int r = 0; r < 8; r++)
		if (g->cls[r] == C_PTR || g->cls[r] == C_STACK || (allow_idx && g->cls[r] == C_IDX))
			cand[n++] = r;
	return n ? cand[rnd(g, (uint32_t)n)] : -1;
}

static int pick_index(struct gen *g)
{
	int cand[8], n = 0;
	for (int r = 0; r < 8; r++)
		if (r != ESP && (g->cls[r] == C_PTR || g->cls[r] == C_IDX))
			cand[n++] = r;
	return n ? cand[rnd(g, (uint32_t)n)] : -1;
}

/* Choose a memory operand whose access [ea+ext_lo, ea+ext_hi) stays in the data region. */
static void memsel_pick(struct gen *g, int64_t ext_lo, int64_t ext_hi, unsigned align, struct memsel *out)
{
	static const int dsz_of[3] = { 0, 1, 4 };
	struct memsel m;
	for (int t = 0; t < 32; t++) {
		memset(&m, 0, sizeof m);
		m.base = m.index = -1;
		int64_t L = 0, H = 0, dmin = -0x3000, dmax = 0x3000;
		unsigned form = rnd(g, 12);
		if (form == 0) {                           /* [disp32] */
			dmin = DLO - g->seg_shift;
			dmax = DHI - g->seg_shift;
			m.dsz = 4;
		} else if (form <= 5) {                    /* [base + disp] */
			m.base = pick_base(g, false);
			if (m.base < 0)
				continue;
			m.dsz = dsz_of[rnd(g, 3)];
			m.sib = chance(g, 10);
		} else if (form <= 9) {                    /* [base + index*scale + disp] */
			m.base = pick_base(g, true);
			m.index = pick_index(g);
			if (m.base < 0 || m.index < 0)
				continue;
			m.scale = rnd(g, 4);
			m.dsz = dsz_of[rnd(g, 3)];
		} else if (form == 10) {                   /* [index*scale + disp32] */
			m.index = pick_index(g);
			if (m.index < 0)
				continue;
			m.scale = g->cls[m.index] == C_IDX ? rnd(g, 4) : 0;
			m.dsz = 4;
			dmin = -0x100000 - g->seg_shift;
			dmax = DHI - g->seg_shift;
		} else {                                   /* [esp + disp] */
			m.base = ESP;
			m.dsz = dsz_of[rnd(g, 3)];
		}
		if (m.base >= 0) {
			L += g->lo[m.base];
			H += g->hi[m.base];
		}
		if (m.index >= 0) {
			L += g->lo[m.index] << m.scale;
			H += g->hi[m.index] << m.scale;
		}
		if (m.base == EBP && m.dsz == 0)
			m.dsz = 1;   /* mod 00 with base EBP means "no base" */
		if (m.dsz == 0) {
			dmin = dmax = 0;
		} else if (m.dsz == 1) {
			dmin = -128;
			dmax = 127;
		}
		if (fit(g, L, H, ext_lo, ext_hi, dmin, dmax, align, &m.disp)) {
			*out = m;
			return;
		}
	}
	memset(&m, 0, sizeof m);
	m.base = m.index = -1;
	m.dsz = 4;
	if (!fit(g, 0, 0, ext_lo, ext_hi, DLO - g->seg_shift, DHI - g->seg_shift, align, &m.disp))
		m.disp = (int32_t)(DLO - g->seg_shift + 0x1000);
	*out = m;
}

static void memop_ext(struct gen *g, unsigned regf, int64_t ext_lo, int64_t ext_hi, unsigned align)
{
	struct memsel m;
	memsel_pick(g, ext_lo, ext_hi, align, &m);
	emit_mem(g, regf, &m);
}

/* The same operand `by` bytes further on (a wider displacement if needed). */
static struct memsel memsel_shift(struct memsel m, int32_t by)
{
	m.disp += by;
	if (m.base < 0)
		return m;   /* disp32 already */
	if (m.dsz == 0)
		m.dsz = 1;
	if (m.dsz == 1 && (m.disp < -128 || m.disp > 127))
		m.dsz = 4;
	return m;
}

static void memop(struct gen *g, unsigned regf, unsigned size, unsigned align)
{
	memop_ext(g, regf, 0, size, align);
}

/* The last memory operand again, with another ModRM reg field. */
static void memop_again(struct gen *g, unsigned regf)
{
	uint8_t b[8];
	unsigned n = g->mem_len > sizeof b ? (unsigned)sizeof b : g->mem_len;
	if (g->mem_start + n > DIFF_CODE_MAX)
		return;
	memcpy(b, g->c->code + g->mem_start, n);
	b[0] = (uint8_t)((b[0] & ~0x38u) | (regf & 7) << 3);
	if (g->mem_seg && g->c->ninsn > 0 && g->c->code_len < DIFF_CODE_MAX) {
		/* The same address needs the same segment: put the override in
		 * front of this instruction (nothing points into it yet). */
		struct gen_case *c = g->c;
		uint32_t at = c->insn[c->ninsn - 1].off;
		memmove(c->code + at + 1, c->code + at, c->code_len - at);
		c->code[at] = g->mem_seg;
		c->code_len++;
	}
	for (unsigned i = 0; i < n; i++)
		e8(g, b[i]);
}

/* Any addressing form at all (LEA, hint NOPs: no access). */
static void memop_any(struct gen *g, unsigned regf)
{
	struct memsel m = { .base = -1, .index = -1 };
	unsigned form = rnd(g, 5);
	if (form == 0) {
		m.dsz = 4;
	} else {
		m.base = (int)rnd(g, 8);
		if (form >= 3) {
			m.index = (int)rnd(g, 8);
			if (m.index == ESP)
				m.index = -1;
			m.scale = rnd(g, 4);
		}
		if (form == 4 && m.index >= 0)
			m.base = -1;
		m.dsz = (int[]){ 0, 1, 4 }[rnd(g, 3)];
		if (m.base < 0)
			m.dsz = 4;
		if (m.base == EBP && m.dsz == 0)
			m.dsz = 1;
		m.sib = chance(g, 10);
	}
	m.disp = m.dsz == 1 ? (int32_t)rnd(g, 256) - 128 : m.dsz == 4 ? (int32_t)ival(g) : 0;
	emit_mem(g, regf, &m);
}

/* With gen_segs, now and then: an FS or GS override for the instruction's
 * memory operand, which is then chosen for the base. No randomness is drawn
 * without gen_segs, so flat cases stay what they were. */
static bool seg_fsgs(struct gen *g)
{
	if (!g->segs || !chance(g, 35))
		return false;
	int k = (int)rnd(g, 2);
	g->seg_byte = k ? 0x65 : 0x64;
	g->seg_shift = (int32_t)g->segs->base[k];
	e8(g, g->seg_byte);
	return true;
}

/* Segment override before a memory instruction, now and then: a flat one,
 * or (with gen_segs) FS or GS. */
static void seg_pfx(struct gen *g)
{
	static const uint8_t seg[] = { 0x26, 0x36, 0x3e };
	if (seg_fsgs(g))
		return;
	if (chance(g, 4))
		e8(g, seg[rnd(g, 3)]);
}

/* Move register r to PTR class, pointing at [lo, hi]. */
static void set_ptr(struct gen *g, int r, int64_t lo, int64_t hi)
{
	g->cls[r] = C_PTR;
	g->lo[r] = lo;
	g->hi[r] = hi;
}

static uint32_t rand_ptr(struct gen *g)
{
	uint32_t p = (uint32_t)(PTR_LO + rnd(g, PTR_SPAN));
	if (chance(g, 40))
		p &= ~15u;
	return p;
}

/* mov r32, imm32 (B8+r), as part of a group. */
static void mov_ri(struct gen *g, const char *name, int r, uint32_t v)
{
	ins(g, name);
	e8(g, 0xb8 + (unsigned)r);
	e32(g, v);
}

/* --- integer templates ----------------------------------------------------- */

static bool t_alu(struct gen *g)
{
	unsigned op = rnd(g, 8), osz = pick_osz(g), w = osz != 1;
	bool writes = op != 7;
	unsigned form = rnd(g, 9);

	if (form == 8 && (!chance(g, 30)))
		form = 5;
	if (form == 7 && osz == 1)
		form = 5;
	switch (form) {
	case 0:
	case 1: {
		int s = src_reg(g), d = writes ? dst_reg(g, osz) : src_reg(g);
		ins(g, form ? "alu r,r/m (reg)" : "alu r/m,r (reg)");
		osz_pfx(g, osz);
		e8(g, (form ? 0x02u : 0x00u) + w + 8 * op);
		if (form)
			modrm_rr(g, (unsigned)d, (unsigned)s);
		else
			modrm_rr(g, (unsigned)s, (unsigned)d);
		return true;
	}
	case 2: {
		int s = src_reg(g);
		ins(g, "alu m,r");
		seg_pfx(g);
		if (writes && chance(g, 15))
			e8(g, 0xf0);
		osz_pfx(g, osz);
		e8(g, 0x00u + w + 8 * op);
		memop(g, (unsigned)s, osz, 1);
		return true;
	}
	case 3: {
		int d = writes ? dst_reg(g, osz) : src_reg(g);
		ins(g, "alu r,m");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0x02u + w + 8 * op);
		memop(g, (unsigned)d, osz, 1);
		return true;
	}
	case 4:
		ins(g, "alu acc,imm");
		osz_pfx(g, osz);
		e8(g, 0x04u + w + 8 * op);
		eimm(g, osz, ival(g));
		return true;
	case 5: {
		int d = writes ? dst_reg(g, osz) : src_reg(g);
		ins(g, "alu r,imm");
		osz_pfx(g, osz);
		e8(g, 0x80u + w);
		modrm_rr(g, op, (unsigned)d);
		eimm(g, osz, ival(g));
		return true;
	}
	case 6:
		ins(g, "alu m,imm");
		seg_pfx(g);
		if (writes && chance(g, 15))
			e8(g, 0xf0);
		osz_pfx(g, osz);
		e8(g, 0x80u + w);
		memop(g, op, osz, 1);
		eimm(g, osz, ival(g));
		return true;
	case 7:
		if (chance(g, 50)) {
			int d = writes ? dst_reg(g, osz) : src_reg(g);
			ins(g, "alu r,imm8 (83)");
			osz_pfx(g, osz);
			e8(g, 0x83);
			modrm_rr(g, op, (unsigned)d);
		} else {
			ins(g, "alu m,imm8 (83)");
			seg_pfx(g);
			if (writes && chance(g, 15))
				e8(g, 0xf0);
			osz_pfx(g, osz);
			e8(g, 0x83);
			memop(g, op, osz, 1);
		}
		e8(g, ival(g));
		return true;
	default: {
		int d = writes ? dst_reg(g, 1) : src_reg(g);
		ins(g, "alu r/m8,imm8 (82)");
		e8(g, 0x82);
		modrm_rr(g, op, (unsigned)d);
		e8(g, ival(g));
		return true;
	}
	}
}

static bool t_test(struct gen *g)
{
	unsigned osz = pick_osz(g), w = osz != 1;
	switch (rnd(g, 5)) {
	case 0:
		ins(g, "test r/m,r (reg)");
		osz_pfx(g, osz);
		e8(g, 0x84 + w);
		modrm_rr(g, (unsigned)src_reg(g), (unsigned)src_reg(g));
		break;
	case 1:
		ins(g, "test m,r");
		osz_pfx(g, osz);
		e8(g, 0x84 + w);
		memop(g, (unsigned)src_reg(g), osz, 1);
		break;
	case 2:
		ins(g, "test acc,imm");
		osz_pfx(g, osz);
		e8(g, 0xa8 + w);
		eimm(g, osz, ival(g));
		break;
	case 3:
		ins(g, "test r,imm");
		osz_pfx(g, osz);
		e8(g, 0xf6 + w);
		modrm_rr(g, 0, (unsigned)src_reg(g));
		eimm(g, osz, ival(g));
		break;
	default:
		ins(g, "test m,imm");
		osz_pfx(g, osz);
		e8(g, 0xf6 + w);
		memop(g, 0, osz, 1);
		eimm(g, osz, ival(g));
		break;
	}
	return true;
}

/* INC DEC NOT NEG */
static bool t_unary(struct gen *g)
{
	static const unsigned ext[4][2] = { { 0xfe, 0 }, { 0xfe, 1 }, { 0xf6, 2 }, { 0xf6, 3 } };
	unsigned k = rnd(g, 4), osz = pick_osz(g), w = osz != 1;
	unsigned form = rnd(g, 3);
	if (form == 2 && k < 2 && osz != 1) {
		int d = dst_reg(g, osz);
		ins(g, k ? "dec r (48+r)" : "inc r (40+r)");
		osz_pfx(g, osz);
		e8(g, (k ? 0x48u : 0x40u) + (unsigned)d);
	} else if (form == 0) {
		int d = dst_reg(g, osz);
		ins(g, "inc/dec/not/neg r");
		osz_pfx(g, osz);
		e8(g, ext[k][0] + w);
		modrm_rr(g, ext[k][1], (unsigned)d);
	} else {
		ins(g, "inc/dec/not/neg m");
		seg_pfx(g);
		if (chance(g, 15))
			e8(g, 0xf0);
		osz_pfx(g, osz);
		e8(g, ext[k][0] + w);
		memop(g, ext[k][1], osz, 1);
	}
	return true;
}

static bool t_mov(struct gen *g)
{
	unsigned osz = pick_osz(g), w = osz != 1;
	switch (rnd(g, 7)) {
	case 0: {
		int s = src_reg(g), d = dst_reg(g, osz);
		ins(g, "mov r,r");
		osz_pfx(g, osz);
		if (chance(g, 50)) {
			e8(g, 0x88 + w);
			modrm_rr(g, (unsigned)s, (unsigned)d);
		} else {
			e8(g, 0x8a + w);
			modrm_rr(g, (unsigned)d, (unsigned)s);
		}
		break;
	}
	case 1:
		ins(g, "mov m,r");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0x88 + w);
		memop(g, (unsigned)src_reg(g), osz, 1);
		break;
	case 2: {
		int d = dst_reg(g, osz);
		ins(g, "mov r,m");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0x8a + w);
		memop(g, (unsigned)d, osz, 1);
		break;
	}
	case 3: {
		int d = dst_reg(g, osz);
		ins(g, "mov r,imm (b0/b8)");
		osz_pfx(g, osz);
		e8(g, (osz == 1 ? 0xb0u : 0xb8u) + (unsigned)d);
		eimm(g, osz, ival(g));
		break;
	}
	case 4: {
		int d = dst_reg(g, osz);
		ins(g, "mov r,imm (c6/c7)");
		osz_pfx(g, osz);
		e8(g, 0xc6 + w);
		modrm_rr(g, 0, (unsigned)d);
		eimm(g, osz, ival(g));
		break;
	}
	case 5:
		ins(g, "mov m,imm");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0xc6 + w);
		memop(g, 0, osz, 1);
		eimm(g, osz, ival(g));
		break;
	default: {
		bool store = chance(g, 50);
		int32_t a;
		if (!store)
			wrote(g, EAX);
		ins(g, store ? "mov moffs,acc" : "mov acc,moffs");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, (store ? 0xa2u : 0xa0u) + w);
		if (!fit(g, 0, 0, 0, osz, DLO - g->seg_shift, DHI - g->seg_shift, 1, &a))
			a = (int32_t)(DLO - g->seg_shift + 0x100);
		e32(g, (uint32_t)a);
		break;
	}
	}
	return true;
}

static bool t_movx(struct gen *g)
{
	bool sx = chance(g, 50), from16 = chance(g, 35);
	unsigned dsz = from16 ? 4 : pick_osz24(g);
	if (from16 && chance(g, 10))
		dsz = 2;
	int d = dst_reg(g, dsz);
	bool mem = chance(g, 50);
	ins(g, mem ? "movzx/movsx r,m" : "movzx/movsx r,r");
	osz_pfx(g, dsz);
	e8(g, 0x0f);
	e8(g, (sx ? 0xbeu : 0xb6u) + (from16 ? 1u : 0u));
	if (mem)
		memop(g, (unsigned)d, from16 ? 2 : 1, 1);
	else
		modrm_rr(g, (unsigned)d, (unsigned)src_reg(g));
	return true;
}

static bool t_xchg(struct gen *g)
{
	unsigned osz = pick_osz(g), w = osz != 1;
	switch (rnd(g, 3)) {
	case 0: {
		int a = dst_reg(g, osz), b = dst_reg(g, osz);
		ins(g, "xchg r,r");
		osz_pfx(g, osz);
		e8(g, 0x86 + w);
		modrm_rr(g, (unsigned)a, (unsigned)b);
		break;
	}
	case 1: {
		int a = dst_reg(g, osz);
		ins(g, "xchg m,r");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0x86 + w);
		memop(g, (unsigned)a, osz, 1);
		break;
	}
	default: {
		if (osz == 1)
			osz = 4;
		int a = dst_reg(g, osz);
		wrote(g, EAX);
		ins(g, "xchg eax,r (90+r)");
		osz_pfx(g, osz);
		e8(g, 0x90 + (unsigned)a);
		break;
	}
	}
	return true;
}

static uint32_t shift_count(struct gen *g, unsigned osz)
{
	static const uint32_t v[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 255 };
	if (chance(g, 50))
		return v[rnd(g, sizeof v / sizeof v[0])];
	return rnd(g, osz * 8 + 2);
}

static bool t_shift(struct gen *g)
{
	static const unsigned ops[] = { 0, 1, 2, 3, 4, 5, 7, 0, 1, 4, 5, 7, 6 };
	unsigned n = ops[rnd(g, sizeof ops / sizeof ops[0])];
	unsigned osz = pick_osz(g), w = osz != 1;
	unsigned how = rnd(g, 3);       /* by 1, by CL, by imm8 */
	bool mem = chance(g, 30);
	int d = mem ? -1 : dst_reg(g, osz);
	static const char *const names[3][2] = {
		{ "shift/rotate r,1", "shift/rotate m,1" },
		{ "shift/rotate r,cl", "shift/rotate m,cl" },
		{ "shift/rotate r,imm8", "shift/rotate m,imm8" },
	};
	ins(g, names[how][mem]);
	if (mem)
		seg_pfx(g);
	osz_pfx(g, osz);
	e8(g, (how == 0 ? 0xd0u : how == 1 ? 0xd2u : 0xc0u) + w);
	if (mem)
		memop(g, n, osz, 1);
	else
		modrm_rr(g, n, (unsigned)d);
	if (how == 2)
		e8(g, shift_count(g, osz));
	return true;
}

static bool t_shld(struct gen *g)
{
	unsigned osz = pick_osz24(g);
	bool right = chance(g, 50), cl = chance(g, 40), mem = chance(g, 35);
	int s = src_reg(g);
	int d = mem ? -1 : dst_reg(g, osz);
	ins(g, mem ? "shld/shrd m,r" : "shld/shrd r,r");
	if (mem)
		seg_pfx(g);
	osz_pfx(g, osz);
	e8(g, 0x0f);
	e8(g, (right ? 0xacu : 0xa4u) + (cl ? 1u : 0u));
	if (mem)
		memop(g, (unsigned)s, osz, 1);
	else
		modrm_rr(g, (unsigned)s, (unsigned)d);
	if (!cl)
		e8(g, shift_count(g, osz));
	return true;
}

static bool t_mul(struct gen *g)
{
	unsigned osz = pick_osz(g), w = osz != 1;
	unsigned form = rnd(g, 4);
	if (form <= 1) {          /* MUL/IMUL r/m: EDX:EAX */
		bool mem = chance(g, 40);
		int s = src_reg(g);
		wrote(g, EAX);
		if (osz != 1)
			wrote(g, EDX);
		ins(g, mem ? "mul/imul m (one operand)" : "mul/imul r (one operand)");
		osz_pfx(g, osz);
		e8(g, 0xf6 + w);
		if (mem)
			memop(g, form ? 5 : 4, osz, 1);
		else
			modrm_rr(g, form ? 5 : 4, (unsigned)s);
		return true;
	}
	osz = pick_osz24(g);
	int s = src_reg(g), d = dst_reg(g, osz);
	bool mem = chance(g, 40);
	if (form == 2) {
		ins(g, mem ? "imul r,m" : "imul r,r");
		osz_pfx(g, osz);
		e8(g, 0x0f);
		e8(g, 0xaf);
	} else {
		bool i8 = chance(g, 50);
		ins(g, mem ? "imul r,m,imm" : "imul r,r,imm");
		osz_pfx(g, osz);
		e8(g, i8 ? 0x6b : 0x69);
		if (mem)
			memop(g, (unsigned)d, osz, 1);
		else
			modrm_rr(g, (unsigned)d, (unsigned)s);
		eimm(g, i8 ? 1 : osz, ival(g));
		return true;
	}
	if (mem)
		memop(g, (unsigned)d, osz, 1);
	else
		modrm_rr(g, (unsigned)d, (unsigned)s);
	return true;
}

/* Would DIV/IDIV of this size fault (#DE) with these values? */
static bool div_faults(unsigned osz, bool sgn, uint32_t eax, uint32_t edx, uint32_t d)
{
	unsigned bits = osz * 8;
	uint64_t mask = (1ull << bits) - 1;
	uint64_t lo = osz == 1 ? (eax & 0xff) : (eax & mask);
	uint64_t hi = osz == 1 ? ((eax >> 8) & 0xff) : (edx & mask);
	uint64_t dv = d & mask;
	if (dv == 0)
		return true;
	uint64_t dividend = hi << bits | lo;
	if (!sgn)
		return dividend / dv > mask;
	int64_t sd = bits == 32 ? (int64_t)dividend
			       : (int64_t)(dividend << (64 - 2 * bits)) >> (64 - 2 * bits);
	int64_t sv = (int64_t)(dv << (64 - bits)) >> (64 - bits);
	if (sv == -1 && sd == INT64_MIN)
		return true;
	int64_t q = sd / sv;
	int64_t lim = (int64_t)1 << (bits - 1);
	return q >= lim || q < -lim;
}

/* DIV/IDIV with the dividend and divisor set up so #DE happens only when wanted. */
static bool t_div(struct gen *g)
{
	unsigned osz = pick_osz(g), w = osz != 1;
	uint32_t mask = osz == 4 ? 0xffffffffu : osz == 2 ? 0xffffu : 0xffu;
	bool sgn = chance(g, 50), mem = chance(g, 40), fault = chance(g, 3);
	int dr = -1, dfull = -1;   /* divisor register as encoded, and its full register */
	uint32_t eax = 0, edx = 0, regv = 0, dv = 0, divisor = 0;
	bool ok = false;

	if (!mem) {
		dfull = osz == 1 ? pick_dst_mask(g, 0x0f) : pick_dst(g);
		dr = osz == 1 && chance(g, 40) ? dfull + 4 : dfull;
	}
	for (int t = 0; t < 64 && !ok; t++) {
		eax = ival(g);
		edx = ival(g);
		regv = ival(g);
		dv = chance(g, 50) ? ival(g) : rnd(g, 300);
		unsigned how = rnd(g, 4);
		if (osz == 1) {
			if (how == 0)
				eax &= ~0xff00u;
			else if (how == 1)
				eax = (eax & ~0xff00u) | ((eax & 0x80) ? 0xff00u : 0);
		} else if (how == 0) {
			edx &= ~mask;
		} else if (how == 1) {
			edx = (edx & ~mask) | ((eax >> (osz * 8 - 1)) & 1 ? mask : 0);
		} else if (how == 2) {
			edx = (edx & ~mask) | rnd(g, 16);
		}
		if (mem) {
			divisor = dv & mask;
		} else {
			uint32_t full = dfull == EAX ? eax : dfull == EDX ? edx : regv;
			divisor = dr >= 4 ? (full >> 8) & 0xff : full & mask;
		}
		ok = div_faults(osz, sgn, eax, edx, divisor) == fault;
	}
	if (!ok) {   /* a divisor of 1 from memory, the high half from the low: never faults */
		fault = false;
		mem = true;
		dv = divisor = 1;
		if (osz == 1)
			eax = (eax & ~0xff00u) | (sgn && (eax & 0x80) ? 0xff00u : 0);
		else
			edx = (edx & ~mask) | (sgn && ((eax >> (osz * 8 - 1)) & 1) ? mask : 0);
	}
	if (fault)
		g->c->want_fault = true;

	wrote(g, EAX);
	if (osz != 1)
		wrote(g, EDX);
	mov_ri(g, "div setup: mov eax,imm32", EAX, eax);
	if (osz != 1) {
		uint32_t sext = (eax >> (osz * 8 - 1)) & 1 ? mask : 0;
		if ((edx & mask) == sext && chance(g, 40)) {
			ins(g, osz == 4 ? "div setup: cdq" : "div setup: cwd");
			osz_pfx(g, osz);
			e8(g, 0x99);
			edx = (edx & ~mask) | sext;
		} else if ((edx & mask) == 0 && chance(g, 40)) {
			ins(g, "div setup: xor edx,edx");
			e8(g, 0x31);
			e8(g, 0xd2);
		} else {
			mov_ri(g, "div setup: mov edx,imm32", EDX, edx);
		}
	}
	if (mem) {
		ins(g, "div setup: mov m,imm");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0xc6 + w);
		memop(g, 0, osz, 1);
		eimm(g, osz, dv);
		ins(g, sgn ? "idiv m" : "div m");
		osz_pfx(g, osz);
		e8(g, 0xf6 + w);
		memop_again(g, sgn ? 7 : 6);
	} else {
		if (dfull != EAX && dfull != EDX) {
			wrote(g, dfull);
			mov_ri(g, "div setup: mov divisor,imm32", dfull, regv);
		}
		ins(g, sgn ? "idiv r" : "div r");
		osz_pfx(g, osz);
		e8(g, 0xf6 + w);
		modrm_rr(g, sgn ? 7 : 6, (unsigned)dr);
	}
	return true;
}

/* BT BTS BTR BTC */
static bool t_bitop(struct gen *g)
{
	unsigned k = rnd(g, 4), osz = pick_osz24(g);
	switch (rnd(g, 4)) {
	case 0: {   /* r, r */
		int off = src_reg(g), d = k ? dst_reg(g, osz) : src_reg(g);
		ins(g, "bt* r,r");
		osz_pfx(g, osz);
		e8(g, 0x0f);
		e8(g, 0xa3 + 8 * k);
		modrm_rr(g, (unsigned)off, (unsigned)d);
		return true;
	}
	case 1: {   /* r, imm8 */
		int d = k ? dst_reg(g, osz) : src_reg(g);
		ins(g, "bt* r,imm8");
		osz_pfx(g, osz);
		e8(g, 0x0f);
		e8(g, 0xba);
		modrm_rr(g, 4 + k, (unsigned)d);
		e8(g, shift_count(g, osz));
		return true;
	}
	case 2:     /* m, imm8 */
		ins(g, "bt* m,imm8");
		seg_pfx(g);
		if (k && chance(g, 20))
			e8(g, 0xf0);
		osz_pfx(g, osz);
		e8(g, 0x0f);
		e8(g, 0xba);
		memop(g, 4 + k, osz, 1);
		e8(g, shift_count(g, osz));
		return true;
	default: {  /* m, r: the bit offset register set first; it can reach outside the operand */
		int r = pick_dst(g);
		wrote(g, r);
		int32_t v = (int32_t)rnd(g, 0x300) - 0x100;
		mov_ri(g, "bt* setup: mov offset", r, (uint32_t)v);
		int64_t ext = osz == 4 ? 4 * (int64_t)(v >> 5) : 2 * (int64_t)((int16_t)v >> 4);
		ins(g, "bt* m,r");
		seg_pfx(g);
		if (k && chance(g, 20))
			e8(g, 0xf0);
		osz_pfx(g, osz);
		e8(g, 0x0f);
		e8(g, 0xa3 + 8 * k);
		memop_ext(g, (unsigned)r, ext, ext + osz, 1);
		return true;
	}
	}
}

/* BSF BSR POPCNT LZCNT. Not TZCNT: no bt86 CPU model has BMI1, so there
 * F3 0F BC is BSF (as on a P6), while the host runs TZCNT. */
static bool t_bitscan(struct gen *g)
{
	static const uint8_t op[4][2] = { { 0, 0xbc }, { 0, 0xbd }, { 0xf3, 0xb8 }, { 0xf3, 0xbd } };
	unsigned k = rnd(g, 4), osz = pick_osz24(g);
	bool mem = chance(g, 35);
	int d = dst_reg(g, osz);
	if (k >= 2)
		g->c->kvm_skip = KVM_SKIP_EXT;
	ins(g, mem ? "bsf/bsr/popcnt/lzcnt/tzcnt r,m" : "bsf/bsr/popcnt/lzcnt/tzcnt r,r");
	osz_pfx(g, osz);
	if (op[k][0])
		e8(g, op[k][0]);
	e8(g, 0x0f);
	e8(g, op[k][1]);
	if (mem)
		memop(g, (unsigned)d, osz, 1);
	else
		modrm_rr(g, (unsigned)d, (unsigned)src_reg(g));
	return true;
}

static bool t_cmov(struct gen *g)
{
	unsigned osz = pick_osz24(g), cc = rnd(g, 16);
	bool mem = chance(g, 40);
	int d = dst_reg(g, osz);
	ins(g, mem ? "cmovcc r,m" : "cmovcc r,r");
	osz_pfx(g, osz);
	e8(g, 0x0f);
	e8(g, 0x40 + cc);
	if (mem)
		memop(g, (unsigned)d, osz, 1);
	else
		modrm_rr(g, (unsigned)d, (unsigned)src_reg(g));
	return true;
}

static bool t_setcc(struct gen *g)
{
	unsigned cc = rnd(g, 16);
	if (chance(g, 30)) {
		ins(g, "setcc m8");
		e8(g, 0x0f);
		e8(g, 0x90 + cc);
		memop(g, 0, 1, 1);
	} else {
		int d = dst_reg(g, 1);
		ins(g, "setcc r8");
		e8(g, 0x0f);
		e8(g, 0x90 + cc);
		modrm_rr(g, 0, (unsigned)d);
	}
	return true;
}

static bool t_bswap(struct gen *g)
{
	int d = dst_reg(g, 4);
	ins(g, "bswap r32");
	e8(g, 0x0f);
	e8(g, 0xc8 + (unsigned)d);
	return true;
}

/* CMPXCHG XADD CMPXCHG8B */
static bool t_atomic(struct gen *g)
{
	unsigned osz = pick_osz(g), w = osz != 1;
	unsigned k = rnd(g, 5);
	if (k == 4) {
		wrote(g, EAX);
		wrote(g, EDX);
		ins(g, "cmpxchg8b m64");
		seg_pfx(g);
		if (chance(g, 40))
			e8(g, 0xf0);
		e8(g, 0x0f);
		e8(g, 0xc7);
		memop(g, 1, 8, 1);
		return true;
	}
	bool xadd = k >= 2, mem = chance(g, 55);
	int r = xadd ? dst_reg(g, osz) : src_reg(g);
	if (!xadd)
		wrote(g, EAX);
	int d = mem ? -1 : dst_reg(g, osz);
	ins(g, xadd ? (mem ? "xadd m,r" : "xadd r,r") : (mem ? "cmpxchg m,r" : "cmpxchg r,r"));
	if (mem) {
		seg_pfx(g);
		if (chance(g, 40))
			e8(g, 0xf0);
	}
	osz_pfx(g, osz);
	e8(g, 0x0f);
	e8(g, (xadd ? 0xc0u : 0xb0u) + w);
	if (mem)
		memop(g, (unsigned)r, osz, 1);
	else
		modrm_rr(g, (unsigned)r, (unsigned)d);
	return true;
}

static bool t_convert(struct gen *g)
{
	unsigned k = rnd(g, 4);
	static const char *const names[4] = { "cwde", "cbw", "cdq", "cwd" };
	wrote(g, EAX);
	if (k >= 2)
		wrote(g, EDX);
	ins(g, names[k]);
	if (k & 1)
		e8(g, 0x66);
	e8(g, k < 2 ? 0x98 : 0x99);
	return true;
}

static bool t_flagop(struct gen *g)
{
	static const struct { uint8_t op; const char *name; } ops[] = {
		{ 0xf5, "cmc" }, { 0xf8, "clc" }, { 0xf9, "stc" }, { 0x9f, "lahf" }, { 0x9e, "sahf" },
		{ 0xfc, "cld" }, { 0xfd, "std" },
	};
	unsigned k = rnd(g, sizeof ops / sizeof ops[0]);
	if (ops[k].op == 0x9f)
		wrote(g, EAX);
	ins(g, ops[k].name);
	e8(g, ops[k].op);
	return true;
}

static bool t_lea(struct gen *g)
{
	unsigned osz = pick_osz24(g);
	int d = dst_reg(g, osz);
	ins(g, "lea r,[any]");
	osz_pfx(g, osz);
	e8(g, 0x8d);
	memop_any(g, (unsigned)d);
	return true;
}

static bool t_nop(struct gen *g)
{
	switch (rnd(g, 4)) {
	case 0:
		ins(g, "nop");
		e8(g, 0x90);
		break;
	case 1:
		ins(g, "pause");
		e8(g, 0xf3);
		e8(g, 0x90);
		break;
	default:
		ins(g, "nop r/m (0f 1f)");
		if (chance(g, 30))
			e8(g, 0x66);
		e8(g, 0x0f);
		e8(g, 0x1f);
		memop_any(g, 0);
		break;
	}
	return true;
}

static bool t_xlat(struct gen *g)
{
	int64_t elo = g->lo[EBX], ehi = g->hi[EBX];
	if (g->cls[EBX] != C_PTR || g->hi[EBX] + 256 > DHI || g->lo[EBX] < DLO) {
		if (!writable(g, EBX))
			return false;
		uint32_t v = rand_ptr(g);
		mov_ri(g, "xlat setup: mov ebx", EBX, v);
		wrote(g, EBX);   /* conservative: this may sit in a body */
		elo = ehi = v;
	}
	ins(g, "xlatb");
	if (g->segs && chance(g, 50)) {
		/* FS/GS: only where EBX + AL + the base stays in the data region */
		int k = (int)rnd(g, 2);
		int64_t b = (int32_t)g->segs->base[k];
		if (elo + b >= DLO && ehi + b + 256 <= DHI)
			e8(g, k ? 0x65 : 0x64);
	}
	e8(g, 0xd7);
	wrote(g, EAX);
	return true;
}

/* --- string instructions --------------------------------------------------- */

static bool t_string(struct gen *g)
{
	static const struct { uint8_t op; bool si, di; const char *name; } ops[] = {
		{ 0xa4, true, true, "movs" }, { 0xaa, false, true, "stos" }, { 0xac, true, false, "lods" },
		{ 0xa6, true, true, "cmps" }, { 0xae, false, true, "scas" },
	};
	static const char *const full[5][3] = {
		{ "movs", "rep movs", "repne movs" }, { "stos", "rep stos", "repne stos" },
		{ "lods", "rep lods", "repne lods" }, { "cmps", "repe cmps", "repne cmps" },
		{ "scas", "repe scas", "repne scas" },
	};
	unsigned k = rnd(g, 5), osz = pick_osz(g);
	unsigned rep = rnd(g, 10) < 5 ? 1 : 0;
	if ((k >= 3 && chance(g, 35)) || chance(g, 3))
		rep = 2;
	if (!writable(g, ESI) && ops[k].si)
		return false;
	if (!writable(g, EDI) && ops[k].di)
		return false;
	if (rep && g->locked[ECX])
		return false;
	uint32_t src = rand_ptr(g), dst = rand_ptr(g);
	if (chance(g, 20))
		dst = src + (uint32_t)((int32_t)rnd(g, 9) - 4) * osz;   /* overlapping moves */
	if (ops[k].si)
		mov_ri(g, "string setup: mov esi", ESI, src);
	if (ops[k].di)
		mov_ri(g, "string setup: mov edi", EDI, dst);
	uint32_t n = rnd(g, 17);
	if (rep)
		mov_ri(g, "string setup: mov ecx", ECX, n);
	bool down = chance(g, 30);
	if (down) {
		ins(g, "std");
		e8(g, 0xfd);
	}
	ins(g, full[k][rep]);
	if (rep)
		e8(g, rep == 1 ? 0xf3 : 0xf2);
	if (osz == 2)
		e8(g, 0x66);
	e8(g, ops[k].op + (osz != 1));
	if (down && chance(g, 70)) {
		ins(g, "cld");
		e8(g, 0xfc);
	}
	int64_t span = (int64_t)(rep ? 16 : 1) * osz + 4;
	if (ops[k].si)
		set_ptr(g, ESI, (int64_t)src - span, (int64_t)src + span);
	if (ops[k].di)
		set_ptr(g, EDI, (int64_t)dst - span, (int64_t)dst + span);
	if (k == 2)
		wrote(g, EAX);
	wrote(g, ECX);
	return true;
}

/* --- stack ----------------------------------------------------------------- */

static bool stack_room(const struct gen *g, int64_t down, int64_t up)
{
	return g->lo[ESP] - down >= DLO && g->hi[ESP] + up <= DHI &&
	       (g->prot_hi <= g->prot_lo || g->lo[ESP] - down >= g->prot_hi || g->hi[ESP] + up <= g->prot_lo);
}

static void esp_move(struct gen *g, int64_t by)
{
	g->lo[ESP] += by;
	g->hi[ESP] += by;
}

static bool t_push(struct gen *g)
{
	unsigned osz = chance(g, 15) ? 2 : 4;
	if (!stack_room(g, 8, 0))
		return false;
	switch (rnd(g, 4)) {
	case 0:
		ins(g, "push r");
		osz_pfx(g, osz);
		e8(g, 0x50 + (unsigned)src_reg(g));
		break;
	case 1:
		ins(g, "push imm8");
		osz_pfx(g, osz);
		e8(g, 0x6a);
		e8(g, ival(g));
		break;
	case 2:
		ins(g, "push imm");
		osz_pfx(g, osz);
		e8(g, 0x68);
		eimm(g, osz, ival(g));
		break;
	default:
		ins(g, "push m");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0xff);
		memop(g, 6, osz, 1);
		break;
	}
	esp_move(g, -(int64_t)osz);
	return true;
}

static bool t_pop(struct gen *g)
{
	unsigned osz = chance(g, 15) ? 2 : 4;
	if (!stack_room(g, 0, 8))
		return false;
	if (chance(g, 60)) {
		int d = pick_dst(g);
		wrote(g, d);
		if (chance(g, 15)) {
			ins(g, "pop r (8f /0)");
			osz_pfx(g, osz);
			e8(g, 0x8f);
			modrm_rr(g, 0, (unsigned)d);
		} else {
			ins(g, "pop r");
			osz_pfx(g, osz);
			e8(g, 0x58 + (unsigned)d);
		}
		esp_move(g, osz);
	} else {
		esp_move(g, osz);   /* the operand's address uses the incremented ESP */
		ins(g, "pop m");
		seg_pfx(g);
		osz_pfx(g, osz);
		e8(g, 0x8f);
		memop(g, 0, osz, 1);
	}
	return true;
}

static bool t_pusha(struct gen *g)
{
	unsigned k = rnd(g, 4);
	if (k <= 1) {   /* pushad; popad: everything comes back */
		if (!stack_room(g, 40, 0))
			return false;
		ins(g, "pushad");
		e8(g, 0x60);
		ins(g, "popad");
		e8(g, 0x61);
	} else if (k == 2) {
		if (!stack_room(g, 40, 0))
			return false;
		ins(g, "pushad");
		e8(g, 0x60);
		esp_move(g, -32);
	} else {
		if (!stack_room(g, 0, 40) || g->no_reclass)
			return false;
		for (int r = 0; r < 8; r++)
			if (r != ESP && g->locked[r])
				return false;
		ins(g, "popad");
		e8(g, 0x61);
		for (int r = 0; r < 8; r++)
			wrote(g, r);
		esp_move(g, 32);
	}
	return true;
}

static bool t_esp(struct gen *g)
{
	switch (rnd(g, 6)) {
	case 0:
	case 1: {
		int32_t by = (int32_t)(rnd(g, 17) * 4);
		bool sub = chance(g, 50);
		if (!stack_room(g, sub ? by + 8 : 0, sub ? 0 : by + 8))
			return false;
		ins(g, sub ? "sub esp,imm8" : "add esp,imm8");
		e8(g, 0x83);
		e8(g, sub ? 0xec : 0xc4);
		e8(g, (uint32_t)by);
		esp_move(g, sub ? -by : by);
		return true;
	}
	case 2: {
		int32_t by = (int32_t)rnd(g, 65) - 32;
		if (!stack_room(g, 40, 40))
			return false;
		ins(g, "lea esp,[esp+disp8]");
		e8(g, 0x8d);
		e8(g, 0x64);
		e8(g, 0x24);
		e8(g, (uint32_t)by);
		esp_move(g, by);
		return true;
	}
	case 3:
		if (!stack_room(g, 24, 0))
			return false;
		ins(g, "and esp,-16");
		e8(g, 0x83);
		e8(g, 0xe4);
		e8(g, 0xf0);
		g->lo[ESP] -= 15;
		return true;
	default: {
		int d = pick_dst(g);
		bool ptr = d == EBX || d == EBP || d == ESI || d == EDI;
		if (ptr && (g->locked[d] || g->no_reclass))
			ptr = false;
		ins(g, "mov r,esp");
		e8(g, 0x89);
		modrm_rr(g, ESP, (unsigned)d);
		wrote(g, d);
		if (ptr)
			set_ptr(g, d, g->lo[ESP], g->hi[ESP]);
		return true;
	}
	}
}

/* LEAVE without ENTER: ESP from a pointer EBP, EBP from memory (now FREE). */
static bool t_leave(struct gen *g)
{
	if (g->cls[EBP] != C_PTR || g->locked[EBP] || g->lo[EBP] < DLO + 0x100 || g->hi[EBP] + 0x200 > DHI)
		return false;
	if (g->prot_hi > g->prot_lo)
		return false;
	ins(g, "leave (no enter)");
	e8(g, 0xc9);
	g->lo[ESP] = g->lo[EBP] + 4;
	g->hi[ESP] = g->hi[EBP] + 4;
	wrote(g, EBP);
	return true;
}

static bool t_pushf(struct gen *g)
{
	if (!stack_room(g, 8, 8))
		return false;
	if (chance(g, 50)) {
		/* PUSHFD; clear IF etc. in the pushed copy; POP: only arithmetic flags and DF escape */
		int d = pick_dst(g);
		wrote(g, d);
		ins(g, "pushfd");
		e8(g, 0x9c);
		ins(g, "pushfd: and [esp],imm32");
		e8(g, 0x81);
		e8(g, 0x24);
		e8(g, 0x24);
		e32(g, DIFF_FLAGS_CMP | 0x2u);
		ins(g, "pushfd: pop r");
		e8(g, 0x58 + (unsigned)d);
	} else {
		ins(g, "popfd: push imm32");
		e8(g, 0x68);
		e32(g, ((uint32_t)r64(g) & DIFF_FLAGS_ARITH) | 0x2u | (chance(g, 20) ? DIFF_FLAGS_DF : 0));
		ins(g, "popfd");
		e8(g, 0x9d);
	}
	return true;
}

/* --- making pointers ------------------------------------------------------- */

static bool t_setptr(struct gen *g)
{
	static const int regs[4] = { EBX, EBP, ESI, EDI };
	int r = regs[rnd(g, 4)];
	if (g->locked[r] || g->no_reclass)
		return false;
	switch (rnd(g, 3)) {
	case 0: {
		uint32_t p = rand_ptr(g);
		mov_ri(g, "mov r,imm32 (pointer)", r, p);
		set_ptr(g, r, p, p);
		return true;
	}
	case 1: {
		uint32_t p = rand_ptr(g);
		ins(g, "lea r,[disp32] (pointer)");
		e8(g, 0x8d);
		e8(g, (unsigned)r << 3 | 5);
		e32(g, p);
		set_ptr(g, r, p, p);
		return true;
	}
	default: {
		int b = pick_base(g, false);
		if (b < 0 || b == ESP)
			return false;
		int32_t d = (int32_t)rnd(g, 0x400) - 0x200;
		if (g->lo[b] + d < PTR_LO - 0x1000 || g->hi[b] + d > PTR_LO + PTR_SPAN + 0x1000)
			d = 0;
		ins(g, "lea r,[base+disp32] (pointer)");
		e8(g, 0x8d);
		e8(g, 0x80 | (unsigned)r << 3 | (unsigned)b);
		e32(g, (uint32_t)d);
		int64_t lo = g->lo[b] + d, hi = g->hi[b] + d;
		set_ptr(g, r, lo, hi);
		return true;
	}
	}
}

/* --- BCD (emulated by bt) -------------------------------------------------- */

static bool t_bcd(struct gen *g)
{
	static const struct { uint8_t op; const char *name; uint32_t def, undef; int after; } ops[] = {
		{ 0x27, "daa", F_SF | F_ZF | F_PF | F_AF | F_CF, F_OF, 1 },
		{ 0x2f, "das", F_SF | F_ZF | F_PF | F_AF | F_CF, F_OF, 1 },
		{ 0x37, "aaa", F_AF | F_CF, F_OF | F_SF | F_ZF | F_PF, 1 },
		{ 0x3f, "aas", F_AF | F_CF, F_OF | F_SF | F_ZF | F_PF, 1 },
		{ 0xd4, "aam imm8", F_SF | F_ZF | F_PF, F_OF | F_AF | F_CF, 2 },
		{ 0xd5, "aad imm8", F_SF | F_ZF | F_PF, F_OF | F_AF | F_CF, 2 },
		{ 0xd6, "salc", 0, 0, 0 },
	};
	unsigned k = rnd(g, 7);
	if (g->bcd == 2 && k != 4 && k != 5)
		return false;   /* AF and CF are undefined: only AAM/AAD may follow */
	if (k == 4 || k == 5)
		g->c->kvm_skip = KVM_SKIP_BCD;
	wrote(g, EAX);
	if (g->bcd == 0 && chance(g, 60)) {
		/* the usual pattern: add/sub/adc/sbb of packed or unpacked BCD bytes */
		static const uint8_t alu[4] = { 0x04, 0x2c, 0x14, 0x1c };
		mov_ri(g, "bcd setup: mov eax", EAX, (uint32_t)r64(g) & 0xffff9999u);
		ins(g, "bcd setup: add/sub al,imm8");
		e8(g, alu[rnd(g, 4)]);
		e8(g, chance(g, 70) ? (rnd(g, 10) << 4 | rnd(g, 10)) : rnd(g, 256));
		g->c->flag_mask &= ~(uint32_t)DIFF_FLAGS_ARITH;
	}
	ins(g, ops[k].name);
	e8(g, ops[k].op);
	if (k == 4) {
		uint32_t imm = chance(g, 60) ? 10 : 1 + rnd(g, 255);
		if (chance(g, 2)) {
			imm = 0;
			g->c->want_fault = true;
		}
		e8(g, imm);
	} else if (k == 5) {
		e8(g, chance(g, 60) ? 10 : rnd(g, 256));
	}
	g->c->flag_mask = (g->c->flag_mask & ~ops[k].def) | ops[k].undef;
	if (ops[k].after)
		g->bcd = ops[k].after;
	return true;
}

/* --- x87, MMX, SSE ----------------------------------------------------------- */

static void fpu_mem(struct gen *g, const char *name, unsigned op, unsigned regf, unsigned size)
{
	ins(g, name);
	seg_fsgs(g);
	e8(g, op);
	memop(g, regf, size, 1);
}

static void fpu_reg(struct gen *g, const char *name, unsigned op, unsigned modrm)
{
	ins(g, name);
	e8(g, op);
	e8(g, modrm);
}

static bool t_x87(struct gen *g)
{
	int depth = 0;
	bool cleared = false, compared = false, stored = false;
	g->c->fpu = true;
	if (chance(g, 30)) {
		fpu_reg(g, "fnclex", 0xdb, 0xe2);
		cleared = true;
	}
	unsigned nload = 1 + rnd(g, 2);
	for (unsigned i = 0; i < nload; i++, depth++) {
		switch (rnd(g, 8)) {
		case 0: fpu_mem(g, "fld m32", 0xd9, 0, 4); break;
		case 1: fpu_mem(g, "fld m64", 0xdd, 0, 8); break;
		case 2: fpu_mem(g, "fild m32", 0xdb, 0, 4); break;
		case 3: fpu_mem(g, "fild m16", 0xdf, 0, 2); break;
		case 4: fpu_mem(g, "fild m64", 0xdf, 5, 8); break;
		case 5: fpu_reg(g, "fld1/fldz/fldpi", 0xd9, (uint8_t[]){ 0xe8, 0xee, 0xeb, 0xe9, 0xec }[rnd(g, 5)]); break;
		default:
			/* a float the generator chose, stored first */
			ins(g, "mov m32,imm32 (float)");
			e8(g, 0xc7);
			memop(g, 0, 4, 1);
			e32(g, (uint32_t)(0x3f800000u + (rnd(g, 0x1000000) - 0x800000)) ^ (chance(g, 30) ? 0x80000000u : 0));
			ins(g, "fld m32");
			e8(g, 0xd9);
			memop_again(g, 0);
			break;
		}
	}
	unsigned nops = rnd(g, 4);
	for (unsigned i = 0; i < nops; i++) {
		unsigned k = rnd(g, depth >= 2 ? 9 : 5);
		switch (k) {
		case 0: {
			unsigned n = (unsigned[]){ 0, 1, 4, 5, 6, 7, 2 }[rnd(g, 7)];
			bool dbl = chance(g, 50);
			fpu_mem(g, dbl ? "fadd/fmul/fsub/fdiv/fcom m64" : "fadd/fmul/fsub/fdiv/fcom m32", dbl ? 0xdc : 0xd8, n,
				dbl ? 8 : 4);
			if (n == 2)
				compared = true;
			break;
		}
		case 1:
			fpu_mem(g, "fiadd/fimul/fisub/fidiv m32", 0xda, (unsigned[]){ 0, 1, 4, 5, 6, 7 }[rnd(g, 6)], 4);
			break;
		case 2: {
			static const uint8_t u[] = { 0xe0, 0xe1, 0xfa, 0xfc, 0xe4, 0xe5 };
			uint8_t m = u[rnd(g, sizeof u)];
			fpu_reg(g, "fchs/fabs/fsqrt/frndint/ftst/fxam", 0xd9, m);
			if (m == 0xe4 || m == 0xe5)
				compared = true;
			break;
		}
		case 3:
			if (depth < 4) {
				fpu_reg(g, "fld st(i)", 0xd9, 0xc0 + rnd(g, (uint32_t)depth));
				depth++;
			}
			break;
		case 4:
		{
			unsigned n = (unsigned[]){ 0, 1, 4, 5, 6, 7, 2 }[rnd(g, 7)];   /* not 3: FCOMP pops */
			fpu_reg(g, n == 2 ? "fcom st(i)" : "fadd/fmul/fsub/fdiv st,st(i)", 0xd8,
				0xc0 + 8 * n + rnd(g, (uint32_t)depth));
			if (n == 2)
				compared = true;
		}
			break;
		case 5: {
			static const uint8_t p[] = { 0xc1, 0xc9, 0xe1, 0xe9, 0xf1, 0xf9 };
			fpu_reg(g, "faddp/fmulp/fsubp/fdivp st(1)", 0xde, p[rnd(g, sizeof p)]);
			depth--;
			break;
		}
		case 6:
			fpu_reg(g, "fxch st(1)", 0xd9, 0xc9);
			break;
		case 7:
			if (chance(g, 50)) {
				fpu_reg(g, "fcomi/fucomi st,st(1)", 0xdb, chance(g, 50) ? 0xf1 : 0xe9);
			} else {
				fpu_reg(g, "fcomip/fucomip st,st(1)", 0xdf, chance(g, 50) ? 0xf1 : 0xe9);
				depth--;
			}
			break;
		default:
			fpu_reg(g, "fcmovcc st,st(1)", chance(g, 50) ? 0xda : 0xdb, 0xc1 + 8 * rnd(g, 4));
			break;
		}
	}
	if (cleared && compared && chance(g, 70)) {
		wrote(g, EAX);
		fpu_reg(g, "fnstsw ax", 0xdf, 0xe0);
	}
	while (depth > 0) {
		unsigned k = rnd(g, stored ? 8 : 7);
		switch (k) {
		case 0: fpu_mem(g, "fstp m32", 0xd9, 3, 4); break;
		case 1: case 2: fpu_mem(g, "fstp m64", 0xdd, 3, 8); break;
		case 3: fpu_mem(g, "fistp m32", 0xdb, 3, 4); break;
		case 4:
			if (chance(g, 50))
				fpu_mem(g, "fistp m16", 0xdf, 3, 2);
			else
				fpu_mem(g, "fistp m64", 0xdf, 7, 8);
			break;
		case 5: fpu_mem(g, "fisttp m32", 0xdb, 1, 4); break;
		case 6:
			fpu_mem(g, "fst m64", 0xdd, 2, 8);
			fpu_reg(g, "fstp st(0)", 0xdd, 0xd8);
			break;
		default: fpu_reg(g, "fstp st(0)", 0xdd, 0xd8); break;
		}
		stored |= k < 7;
		depth--;
	}
	if (cleared && compared && chance(g, 15)) {
		/* The x87 environment. bt does not track the last x87 instruction
		 * and operand pointers (FIP, FOP, FDP read as 0, docs/translator.md)
		 * and the selectors differ by nature (user CS/DS natively, the
		 * guest's here): zero those four dwords on both sides; the control,
		 * status and tag words are compared. */
		struct memsel m;
		memsel_pick(g, 0, 28, 1, &m);
		ins(g, "fnstenv m28");
		e8(g, 0xd9);
		emit_mem(g, 6, &m);
		static const unsigned offs[4] = { 12, 16, 20, 24 };   /* FIP, FCS+FOP, FDP, FDS */
		static const char *const names[4] = { "mov dword [env+12],0 (FIP)", "mov dword [env+16],0 (FCS, FOP)",
						      "mov dword [env+20],0 (FDP)", "mov dword [env+24],0 (FDS)" };
		for (int i = 0; i < 4; i++) {
			struct memsel f = memsel_shift(m, offs[i]);
			ins(g, names[i]);
			e8(g, 0xc7);
			emit_mem(g, 0, &f);
			e16(g, 0);
			e16(g, 0);
		}
	}
	return true;
}

static bool t_mmx(struct gen *g)
{
	static const uint8_t ops[] = { 0xfc, 0xfd, 0xfe, 0xf9, 0xd5, 0xef, 0xdb, 0xeb, 0x74, 0x60, 0xf5, 0xd4, 0xe5, 0x63 };
	unsigned a = rnd(g, 8), b = (a + 1 + rnd(g, 7)) & 7;
	bool binit = false;
	g->c->fpu = true;
	if (chance(g, 70)) {
		ins(g, "movq mm,m64");
		e8(g, 0x0f);
		e8(g, 0x6f);
		memop(g, a, 8, 1);
	} else {
		ins(g, "movd mm,r32");
		e8(g, 0x0f);
		e8(g, 0x6e);
		modrm_rr(g, a, (unsigned)src_reg(g));
	}
	if (chance(g, 50)) {
		ins(g, "movq mm,m64");
		e8(g, 0x0f);
		e8(g, 0x6f);
		memop(g, b, 8, 1);
		binit = true;
	}
	unsigned n = 1 + rnd(g, 3);
	for (unsigned i = 0; i < n; i++) {
		if (chance(g, 20)) {
			ins(g, "psllw/psrad/psrlq mm,imm8");
			e8(g, 0x0f);
			unsigned k = rnd(g, 3);
			e8(g, 0x71 + k);
			modrm_rr(g, (unsigned[]){ 6, 4, 2 }[k], a);
			e8(g, rnd(g, 20));
			continue;
		}
		bool rr = binit && chance(g, 50);
		ins(g, rr ? "mmx op mm,mm" : "mmx op mm,m64");
		e8(g, 0x0f);
		e8(g, ops[rnd(g, sizeof ops)]);
		if (rr)
			modrm_rr(g, a, b);
		else
			memop(g, a, 8, 1);
	}
	if (chance(g, 70)) {
		ins(g, "movq m64,mm");
		e8(g, 0x0f);
		e8(g, 0x7f);
		memop(g, a, 8, 1);
	} else {
		int d = dst_reg(g, 4);
		ins(g, "movd r32,mm");
		e8(g, 0x0f);
		e8(g, 0x7e);
		modrm_rr(g, a, (unsigned)d);
	}
	ins(g, "emms");
	e8(g, 0x0f);
	e8(g, 0x77);
	return true;
}

#define M128U 17   /* an unaligned m128 (16 is an aligned one) */

struct sse_op {
	uint8_t pfx, op;
	uint8_t msize;     /* memory operand size; 16 = aligned m128 */
	bool imm;
	const char *name;
};

static const struct sse_op sse_packed[] = {
	{ 0, 0x58, 16, false, "addps" }, { 0, 0x59, 16, false, "mulps" }, { 0, 0x5c, 16, false, "subps" },
	{ 0, 0x5d, 16, false, "minps" }, { 0, 0x5e, 16, false, "divps" }, { 0, 0x5f, 16, false, "maxps" },
	{ 0, 0x51, 16, false, "sqrtps" }, { 0, 0x54, 16, false, "andps" }, { 0, 0x57, 16, false, "xorps" },
	{ 0, 0x14, 16, false, "unpcklps" }, { 0x66, 0x58, 16, false, "addpd" }, { 0x66, 0x59, 16, false, "mulpd" },
	{ 0x66, 0x5e, 16, false, "divpd" }, { 0x66, 0x51, 16, false, "sqrtpd" }, { 0x66, 0xfe, 16, false, "paddd" },
	{ 0x66, 0xfc, 16, false, "paddb" }, { 0x66, 0xd4, 16, false, "paddq" }, { 0x66, 0xf9, 16, false, "psubw" },
	{ 0x66, 0xef, 16, false, "pxor" }, { 0x66, 0xdb, 16, false, "pand" }, { 0x66, 0xeb, 16, false, "por" },
	{ 0x66, 0xd5, 16, false, "pmullw" }, { 0x66, 0xe5, 16, false, "pmulhw" }, { 0x66, 0xf4, 16, false, "pmuludq" },
	{ 0x66, 0xf5, 16, false, "pmaddwd" }, { 0x66, 0x74, 16, false, "pcmpeqb" }, { 0x66, 0x66, 16, false, "pcmpgtd" },
	{ 0x66, 0x60, 16, false, "punpcklbw" }, { 0x66, 0x6c, 16, false, "punpcklqdq" },
	{ 0x66, 0x63, 16, false, "packsswb" }, { 0x66, 0xda, 16, false, "pminub" }, { 0x66, 0xe0, 16, false, "pavgb" },
	{ 0x66, 0xf6, 16, false, "psadbw" }, { 0, 0x5b, 16, false, "cvtdq2ps" }, { 0x66, 0x5b, 16, false, "cvtps2dq" },
	{ 0xf3, 0x5b, 16, false, "cvttps2dq" }, { 0, 0x5a, 8, false, "cvtps2pd" }, { 0x66, 0x5a, 16, false, "cvtpd2ps" },
	{ 0, 0xc2, 16, true, "cmpps" }, { 0x66, 0x70, 16, true, "pshufd" }, { 0, 0xc6, 16, true, "shufps" },
	{ 0xf3, 0x58, 4, false, "addss" }, { 0xf3, 0x59, 4, false, "mulss" }, { 0xf3, 0x5e, 4, false, "divss" },
	{ 0xf3, 0x51, 4, false, "sqrtss" }, { 0xf3, 0x5d, 4, false, "minss" }, { 0xf2, 0x58, 8, false, "addsd" },
	{ 0xf2, 0x59, 8, false, "mulsd" }, { 0xf2, 0x5c, 8, false, "subsd" }, { 0xf2, 0x5e, 8, false, "divsd" },
	{ 0xf2, 0x51, 8, false, "sqrtsd" }, { 0xf2, 0x5f, 8, false, "maxsd" }, { 0xf3, 0x5a, 4, false, "cvtss2sd" },
	{ 0xf2, 0x5a, 8, false, "cvtsd2ss" }, { 0xf2, 0xc2, 8, true, "cmpsd" },
};

/* One SSE instruction: [pfx] 0f op, ModRM with xmm reg, operand xmm src or memory. */
static void sse_insn(struct gen *g, const char *name, uint8_t pfx, uint8_t op, unsigned reg, int src_xmm,
		     unsigned msize, bool imm)
{
	ins(g, name);
	if (src_xmm < 0)
		seg_fsgs(g);
	if (pfx)
		e8(g, pfx);
	e8(g, 0x0f);
	e8(g, op);
	if (src_xmm >= 0)
		modrm_rr(g, reg, (unsigned)src_xmm);
	else
		memop(g, reg, msize >= 16 ? 16 : msize, msize == 16 ? 16 : 1);
	if (imm)
		e8(g, rnd(g, 256) & (op == 0xc2 ? 7u : 0xffu));
}

static void sse_load(struct gen *g, unsigned x)
{
	switch (rnd(g, 9)) {
	case 0: sse_insn(g, "movups x,m128", 0, 0x10, x, -1, M128U, false); break;
	case 1: sse_insn(g, "movaps x,m128", 0, 0x28, x, -1, 16, false); break;
	case 2: sse_insn(g, "movdqu x,m128", 0xf3, 0x6f, x, -1, M128U, false); break;
	case 3: sse_insn(g, "movdqa x,m128", 0x66, 0x6f, x, -1, 16, false); break;
	case 4: sse_insn(g, "movss x,m32", 0xf3, 0x10, x, -1, 4, false); break;
	case 5: sse_insn(g, "movsd x,m64", 0xf2, 0x10, x, -1, 8, false); break;
	case 6: sse_insn(g, "movq x,m64", 0xf3, 0x7e, x, -1, 8, false); break;
	case 7:
		ins(g, "movd x,r32");
		e8(g, 0x66);
		e8(g, 0x0f);
		e8(g, 0x6e);
		modrm_rr(g, x, (unsigned)src_reg(g));
		break;
	default: sse_insn(g, "pxor x,x", 0x66, 0xef, x, (int)x, 0, false); break;
	}
}

static bool t_sse(struct gen *g)
{
	unsigned a = rnd(g, 8), b = (a + 1 + rnd(g, 7)) & 7;
	bool binit = chance(g, 50);
	g->c->fpu = true;
	sse_load(g, a);
	if (binit)
		sse_load(g, b);
	unsigned n = 1 + rnd(g, 3);
	for (unsigned i = 0; i < n; i++) {
		unsigned k = rnd(g, 12);
		if (k == 0) {
			ins(g, "psllw/psrad/psrlq/pslldq x,imm8");
			e8(g, 0x66);
			e8(g, 0x0f);
			unsigned t = rnd(g, 4);
			e8(g, t == 3 ? 0x73 : 0x71 + t);
			modrm_rr(g, t == 3 ? (chance(g, 50) ? 3u : 7u) : (unsigned[]){ 6, 4, 2 }[t], a);
			e8(g, rnd(g, 20));
		} else if (k == 1) {
			ins(g, "cvtsi2sd/cvtsi2ss x,r/m32");
			e8(g, chance(g, 50) ? 0xf2 : 0xf3);
			e8(g, 0x0f);
			e8(g, 0x2a);
			if (chance(g, 50))
				modrm_rr(g, a, (unsigned)src_reg(g));
			else
				memop(g, a, 4, 1);
		} else if (k == 2) {
			ins(g, "pinsrw x,r32,imm8");
			e8(g, 0x66);
			e8(g, 0x0f);
			e8(g, 0xc4);
			modrm_rr(g, a, (unsigned)src_reg(g));
			e8(g, rnd(g, 8));
		} else {
			const struct sse_op *o = &sse_packed[rnd(g, sizeof sse_packed / sizeof sse_packed[0])];
			sse_insn(g, o->name, o->pfx, o->op, a, binit && chance(g, 50) ? (int)b : -1, o->msize, o->imm);
		}
	}
	/* Results out: flags, a GPR, memory (always at least one store). */
	if (chance(g, 25)) {
		static const struct sse_op cmp[] = {
			{ 0x66, 0x2f, 8, false, "comisd" }, { 0x66, 0x2e, 8, false, "ucomisd" },
			{ 0, 0x2f, 4, false, "comiss" }, { 0, 0x2e, 4, false, "ucomiss" },
		};
		const struct sse_op *o = &cmp[rnd(g, 4)];
		sse_insn(g, o->name, o->pfx, o->op, a, binit && chance(g, 50) ? (int)b : -1, o->msize, false);
	}
	if (chance(g, 30)) {
		static const struct sse_op cv[] = {
			{ 0xf2, 0x2c, 8, false, "cvttsd2si r32,x" }, { 0xf2, 0x2d, 8, false, "cvtsd2si r32,x" },
			{ 0xf3, 0x2c, 4, false, "cvttss2si r32,x" }, { 0xf3, 0x2d, 4, false, "cvtss2si r32,x" },
			{ 0x66, 0xd7, 0, false, "pmovmskb r32,x" }, { 0, 0x50, 0, false, "movmskps r32,x" },
			{ 0x66, 0x50, 0, false, "movmskpd r32,x" }, { 0x66, 0xc5, 0, true, "pextrw r32,x,imm8" },
		};
		const struct sse_op *o = &cv[rnd(g, 8)];
		int d = dst_reg(g, 4);
		ins(g, o->name);
		if (o->pfx)
			e8(g, o->pfx);
		e8(g, 0x0f);
		e8(g, o->op);
		modrm_rr(g, (unsigned)d, a);
		if (o->imm)
			e8(g, rnd(g, 8));
	}
	unsigned stores = 1 + (binit && chance(g, 30));
	for (unsigned i = 0; i < stores; i++) {
		unsigned x = i ? b : a;
		switch (rnd(g, 9)) {
		case 0: sse_insn(g, "movaps m128,x", 0, 0x29, x, -1, 16, false); break;
		case 1: sse_insn(g, "movdqa m128,x", 0x66, 0x7f, x, -1, 16, false); break;
		case 2: sse_insn(g, "movdqu m128,x", 0xf3, 0x7f, x, -1, M128U, false); break;
		case 3: sse_insn(g, "movss m32,x", 0xf3, 0x11, x, -1, 4, false); break;
		case 4: sse_insn(g, "movsd m64,x", 0xf2, 0x11, x, -1, 8, false); break;
		case 5: sse_insn(g, "movq m64,x", 0x66, 0xd6, x, -1, 8, false); break;
		case 6: sse_insn(g, "movhps m64,x", 0, 0x17, x, -1, 8, false); break;
		case 7: sse_insn(g, "movd m32,x", 0x66, 0x7e, x, -1, 4, false); break;
		default: sse_insn(g, "movups m128,x", 0, 0x11, x, -1, M128U, false); break;
		}
	}
	return true;
}

/* --- control flow ---------------------------------------------------------- */

static bool gen_simple(struct gen *g);

/* jcc/jmp/jecxz over a body. */
static bool t_jover(struct gen *g)
{
	unsigned k = rnd(g, 5);
	uint32_t at;
	bool rel32 = false;
	if (k == 0 || k == 1) {
		ins(g, "jcc rel8 (forward)");
		e8(g, 0x70 + rnd(g, 16));
	} else if (k == 2) {
		ins(g, "jcc rel32 (forward)");
		e8(g, 0x0f);
		e8(g, 0x80 + rnd(g, 16));
		rel32 = true;
	} else if (k == 3) {
		ins(g, "jecxz rel8 (forward)");
		e8(g, 0xe3);
	} else {
		rel32 = chance(g, 50);
		ins(g, rel32 ? "jmp rel32 (forward, over junk)" : "jmp rel8 (forward, over junk)");
		e8(g, rel32 ? 0xe9 : 0xeb);
	}
	at = here(g);
	if (rel32)
		e32(g, 0);
	else
		e8(g, 0);
	uint32_t start = here(g);
	if (k == 4) {
		/* bytes never executed: junk */
		unsigned n = 1 + rnd(g, 6);
		for (unsigned i = 0; i < n; i++)
			e8(g, (uint32_t)r64(g));
	} else {
		unsigned n = 1 + rnd(g, 2);
		for (unsigned i = 0; i < n; i++)
			gen_simple(g);
	}
	uint32_t len = here(g) - start;
	if (rel32)
		patch32(g, at, len);
	else if (len <= 127)
		patch8(g, at, (int32_t)len);
	else
		g->full = true;   /* cannot happen with simple bodies; stop */
	return true;
}

/* A counted loop around a simple body. */
static bool t_loop(struct gen *g)
{
	if (g->locked[ECX] || g->no_reclass)
		return false;
	uint32_t n = 1 + rnd(g, 5);
	mov_ri(g, "loop setup: mov ecx", ECX, n);
	g->locked[ECX] = true;
	g->no_reclass = true;
	uint32_t top = here(g);
	unsigned nb = 1 + rnd(g, 2);
	for (unsigned i = 0; i < nb; i++)
		gen_simple(g);
	unsigned k = rnd(g, 3);
	if (k == 2) {
		ins(g, "sub ecx,1");
		e8(g, 0x83);
		e8(g, 0xe9);
		e8(g, 1);
		ins(g, "jnz rel32 (backward)");
		e8(g, 0x0f);
		e8(g, 0x85);
		e32(g, (uint32_t)((int32_t)top - (int32_t)(here(g) + 4)));
	} else {
		if (k == 0) {
			ins(g, "loop rel8");
			e8(g, 0xe2);
		} else {
			ins(g, "dec ecx");
			e8(g, 0x49);
			ins(g, "jnz rel8 (backward)");
			e8(g, 0x75);
		}
		int32_t rel = (int32_t)top - (int32_t)(here(g) + 1);
		if (rel < -128)
			g->full = true;   /* cannot happen with simple bodies; stop */
		e8(g, (uint32_t)rel);
	}
	g->locked[ECX] = false;
	g->no_reclass = false;
	wrote(g, ECX);
	return true;
}

/* call over a jmp into a subroutine with a simple body. */
static bool t_call(struct gen *g)
{
	if (!stack_room(g, 16, 0))
		return false;
	unsigned k = rnd(g, 6);
	if (k == 0) {
		int d = pick_dst(g);
		ins(g, "call next");
		e8(g, 0xe8);
		e32(g, 0);
		ins(g, "pop r (return address)");
		e8(g, 0x58 + (unsigned)d);
		wrote(g, d);
		return true;
	}
	if (k == 1) {
		int r = pick_dst(g), d = pick_dst(g);
		wrote(g, r);
		mov_ri(g, "call r setup: mov r,target", r, here_abs(g) + 5 + 2);
		ins(g, "call r");
		e8(g, 0xff);
		modrm_rr(g, 2, (unsigned)r);
		ins(g, "pop r (return address)");
		e8(g, 0x58 + (unsigned)d);
		wrote(g, d);
		return true;
	}
	if (k == 2) {
		/* call [m] through a stored target */
		int d = pick_dst(g);
		ins(g, "call [m] setup: mov m,target");
		e8(g, 0xc7);
		memop(g, 0, 4, 1);
		uint32_t imm_at = here(g);
		e32(g, 0);
		ins(g, "call [m]");
		e8(g, 0xff);
		memop_again(g, 2);
		patch32(g, imm_at, here_abs(g));
		ins(g, "pop r (return address)");
		e8(g, 0x58 + (unsigned)d);
		wrote(g, d);
		return true;
	}
	if (k == 3) {
		/* the callee moves its return address past junk: the return-stack
		 * shadow mispredicts and the fallback must be right */
		uint32_t n = 1 + rnd(g, 6);
		ins(g, "call rel32 (callee skips junk on return)");
		e8(g, 0xe8);
		e32(g, n + 2);
		for (uint32_t i = 0; i < n; i++)
			e8(g, (uint32_t)r64(g));
		ins(g, "jmp rel8 (over subroutine)");
		e8(g, 0xeb);
		e8(g, 5);
		ins(g, "add dword [esp],imm8 (return address)");
		e8(g, 0x83);
		e8(g, 0x04);
		e8(g, 0x24);
		e8(g, n);
		ins(g, "ret");
		e8(g, 0xc3);
		return true;
	}
	/* call sub; jmp over; sub: body; ret */
	ins(g, "call rel32");
	e8(g, 0xe8);
	e32(g, 2);
	ins(g, "jmp rel8 (over subroutine)");
	e8(g, 0xeb);
	uint32_t at = here(g);
	e8(g, 0);
	uint32_t start = here(g);
	int64_t plo = g->prot_lo, phi = g->prot_hi;
	esp_move(g, -4);
	if (plo >= phi) {
		g->prot_lo = g->lo[ESP];
		g->prot_hi = g->hi[ESP] + 4;
	} else {   /* nested: the hull of both return slots */
		if (g->lo[ESP] < g->prot_lo)
			g->prot_lo = g->lo[ESP];
		if (g->hi[ESP] + 4 > g->prot_hi)
			g->prot_hi = g->hi[ESP] + 4;
	}
	unsigned nb = rnd(g, 3);
	for (unsigned i = 0; i < nb; i++) {
		if (g->depth < 2 && chance(g, 25)) {
			g->depth++;
			t_call(g);   /* a nested call */
			g->depth--;
		} else {
			gen_simple(g);
		}
	}
	if (chance(g, 30)) {
		ins(g, "ret imm16 (0)");
		e8(g, 0xc2);
		e16(g, 0);
	} else {
		ins(g, "ret");
		e8(g, 0xc3);
	}
	esp_move(g, 4);
	g->prot_lo = plo;
	g->prot_hi = phi;
	uint32_t len = here(g) - start;
	if (len > 127)
		g->full = true;
	patch8(g, at, (int32_t)len);
	return true;
}

/* Indirect jumps: through a register, memory, PUSH+RET, RET imm16. */
static bool t_indirect(struct gen *g)
{
	switch (rnd(g, 4)) {
	case 0: {
		int r = pick_dst(g);
		wrote(g, r);
		mov_ri(g, "jmp r setup: mov r,target", r, here_abs(g) + 5 + 2);
		ins(g, "jmp r");
		e8(g, 0xff);
		modrm_rr(g, 4, (unsigned)r);
		return true;
	}
	case 1: {
		ins(g, "jmp [m] setup: mov m,target");
		e8(g, 0xc7);
		memop(g, 0, 4, 1);
		uint32_t imm_at = here(g);
		e32(g, 0);
		ins(g, "jmp [m]");
		e8(g, 0xff);
		memop_again(g, 4);
		patch32(g, imm_at, here_abs(g));
		return true;
	}
	case 2:
		if (!stack_room(g, 8, 0))
			return false;
		ins(g, "push imm32 (target)");
		e8(g, 0x68);
		e32(g, here_abs(g) + 4 + 1);
		ins(g, "ret (to pushed target)");
		e8(g, 0xc3);
		return true;
	default:
		if (!stack_room(g, 16, 0))
			return false;
		ins(g, "push imm32 (junk)");
		e8(g, 0x68);
		e32(g, ival(g));
		ins(g, "push imm32 (target)");
		e8(g, 0x68);
		e32(g, here_abs(g) + 4 + 3);
		ins(g, "ret imm16 (4)");
		e8(g, 0xc2);
		e16(g, 4);
		return true;
	}
}

/* ENTER n,0 ... LEAVE around a body that uses the frame; the saved EBP slot
 * is protected from the body's stores. */
static bool t_enter(struct gen *g)
{
	if (g->locked[EBP] || g->no_reclass || g->prot_hi > g->prot_lo)
		return false;
	uint32_t alloc = chance(g, 20) ? 0 : rnd(g, 16) * 4 + (chance(g, 10) ? rnd(g, 4) : 0);
	if (!stack_room(g, alloc + 64, 0))
		return false;
	uint8_t cls = g->cls[EBP];
	int64_t lo = g->lo[EBP], hi = g->hi[EBP];
	int64_t slo = g->lo[ESP], shi = g->hi[ESP];
	ins(g, "enter imm16,0");
	e8(g, 0xc8);
	e16(g, alloc);
	e8(g, 0);
	set_ptr(g, EBP, slo - 4, shi - 4);
	esp_move(g, -(int64_t)(4 + alloc));
	g->locked[EBP] = true;
	g->prot_lo = slo - 4;
	g->prot_hi = shi;
	unsigned nb = rnd(g, 3);
	for (unsigned i = 0; i < nb; i++) {
		if (alloc >= 4 && chance(g, 50)) {
			/* a local: [ebp - k] */
			unsigned k = 4 + 4 * rnd(g, alloc / 4);
			if (k > alloc)
				k = alloc & ~3u;
			if (k < 4)
				continue;
			if (chance(g, 50)) {
				ins(g, "mov [ebp-k],r");
				e8(g, 0x89);
				e8(g, 0x45 | (unsigned)src_reg(g) << 3);
			} else {
				int d = dst_reg(g, 4);
				ins(g, "mov r,[ebp-k]");
				e8(g, 0x8b);
				e8(g, 0x45 | (unsigned)d << 3);
			}
			e8(g, (uint32_t)-(int32_t)k);
		} else {
			gen_simple(g);
		}
	}
	g->locked[EBP] = false;
	g->prot_lo = g->prot_hi = 0;
	ins(g, "leave");
	e8(g, 0xc9);
	g->cls[EBP] = cls;
	g->lo[EBP] = lo;
	g->hi[EBP] = hi;
	g->lo[ESP] = slo;
	g->hi[ESP] = shi;
	return true;
}

/* --- more: self-modifying code, ESP games, prefixes, newer extensions, faults - */

/* Self-modifying code: a store into the code that is about to run (a later
 * instruction's immediate or opcode), or a loop that patches its own
 * immediate every iteration. bt must notice the write to a translated page. */
static bool t_smc(struct gen *g)
{
	if (g->depth || g->no_reclass || g->locked[ECX])
		return false;
	unsigned k = rnd(g, 4);
	if (k == 3) {
		/* mov ecx,n; L: add eax,imm32; add byte/dword [L+1],x; loop L */
		uint32_t n = 1 + rnd(g, 4);
		mov_ri(g, "smc loop setup: mov ecx", ECX, n);
		uint32_t top = here(g);
		ins(g, "add eax,imm32 (patched by the loop)");
		e8(g, 0x05);
		e32(g, ival(g));
		uint32_t imm = DIFF_CODE_ADDR + top + 1;
		if (chance(g, 50)) {
			ins(g, "smc: add byte [abs],imm8");
			e8(g, 0x80);
			e8(g, 0x05);
			e32(g, imm + rnd(g, 4));
			e8(g, ival(g));
		} else {
			ins(g, "smc: add dword [abs],imm32");
			e8(g, 0x81);
			e8(g, 0x05);
			e32(g, imm);
			e32(g, ival(g));
		}
		ins(g, "loop rel8");
		e8(g, 0xe2);
		e8(g, (uint32_t)((int32_t)top - (int32_t)(here(g) + 1)));
		wrote(g, EAX);
		wrote(g, ECX);
		return true;
	}
	/* a store with the target address patched in once the target is placed */
	bool dword = k == 1;
	bool opcode = k == 2;
	ins(g, dword ? "smc: mov dword [abs],imm32" : opcode ? "smc: mov byte [abs],opcode" : "smc: mov byte [abs],imm8");
	e8(g, dword ? 0xc7 : 0xc6);
	e8(g, 0x05);
	uint32_t addr_at = here(g);
	e32(g, 0);
	uint32_t val_at = here(g);
	if (dword)
		e32(g, ival(g));
	else
		e8(g, 0);
	unsigned nb = rnd(g, 3);
	for (unsigned i = 0; i < nb; i++)
		gen_simple(g);
	int d = pick_dst(g);
	wrote(g, d);
	if (opcode) {
		/* inc r (40+r) becomes dec r, neg r's ModRM becomes not r, ... */
		ins(g, "inc r (patched into dec r)");
		patch32(g, addr_at, here_abs(g));
		patch8(g, val_at, (int32_t)(0x48 + (unsigned)d));
		e8(g, 0x40 + (unsigned)d);
	} else {
		ins(g, "mov r,imm32 (immediate patched)");
		e8(g, 0xb8 + (unsigned)d);
		patch32(g, addr_at, here_abs(g) + (dword ? 0 : rnd(g, 4)));
		if (!dword)
			patch8(g, val_at, (int32_t)ival(g));
		e32(g, ival(g));
	}
	return true;
}

/* ESP swapped out and back, copied, pushed and popped. */
static bool t_esp2(struct gen *g)
{
	if (!stack_room(g, 16, 16))
		return false;
	switch (rnd(g, 4)) {
	case 0: {
		int r = pick_dst(g);   /* never ESP, never locked */
		ins(g, "xchg esp,r");
		e8(g, 0x87);
		modrm_rr(g, ESP, (unsigned)r);
		ins(g, "xchg r,esp (back)");
		e8(g, 0x87);
		modrm_rr(g, (unsigned)r, ESP);
		return true;
	}
	case 1:
		ins(g, "push esp");
		e8(g, 0x54);
		ins(g, "pop esp");
		e8(g, 0x5c);
		return true;
	case 2: {
		/* ESP copied out, and ESP recomputed from the copy */
		int r = pick_dst(g);
		if (g->no_reclass)
			return false;
		int32_t dd = -(int32_t)(4 * rnd(g, 8));
		wrote(g, r);
		ins(g, "mov r,esp");
		e8(g, 0x8b);
		modrm_rr(g, (unsigned)r, ESP);
		ins(g, "lea esp,[r-disp8]");
		e8(g, 0x8d);
		e8(g, 0x60 | (unsigned)r);   /* mod 01, reg ESP, rm r (never ESP) */
		e8(g, (uint32_t)dd);
		esp_move(g, dd);
		return true;
	}
	default:
		ins(g, "push esp");
		e8(g, 0x54);
		ins(g, "pop dword [esp]");
		e8(g, 0x8f);
		e8(g, 0x04);
		e8(g, 0x24);
		return true;
	}
}

/* Prefixes that change nothing: REP on ALU, double 66, flat segment overrides,
 * branch hints. */
static bool t_prefix(struct gen *g)
{
	static const uint8_t pfx[] = { 0xf3, 0xf2, 0x26, 0x2e, 0x36, 0x3e };
	unsigned op = rnd(g, 8), osz = pick_osz(g), w = osz != 1;
	int s = src_reg(g), d = op == 7 ? src_reg(g) : dst_reg(g, osz);
	ins(g, "alu r,r with redundant prefixes");
	unsigned n = 1 + rnd(g, 2);
	for (unsigned i = 0; i < n; i++)
		e8(g, pfx[rnd(g, sizeof pfx)]);
	osz_pfx(g, osz);
	if (osz == 2 && chance(g, 30))
		e8(g, 0x66);
	e8(g, 0x00u + w + 8 * op);
	modrm_rr(g, (unsigned)s, (unsigned)d);
	return true;
}

/* CRC32 MOVBE ADCX ADOX */
static bool t_intx(struct gen *g)
{
	g->c->kvm_skip = KVM_SKIP_EXT;
	switch (rnd(g, 4)) {
	case 0: {
		bool byte = chance(g, 30), mem = chance(g, 40);
		int d = dst_reg(g, 4);
		ins(g, mem ? "crc32 r32,m" : "crc32 r32,r");
		if (!byte && chance(g, 20))
			e8(g, 0x66);
		e8(g, 0xf2);
		e8(g, 0x0f);
		e8(g, 0x38);
		e8(g, byte ? 0xf0 : 0xf1);
		if (mem)
			memop(g, (unsigned)d, 4, 1);
		else
			modrm_rr(g, (unsigned)d, (unsigned)src_reg(g));
		return true;
	}
	case 1: {
		unsigned osz = pick_osz24(g);
		bool store = chance(g, 50);
		int r = store ? src_reg(g) : dst_reg(g, osz);
		ins(g, store ? "movbe m,r" : "movbe r,m");
		osz_pfx(g, osz);
		e8(g, 0x0f);
		e8(g, 0x38);
		e8(g, store ? 0xf1 : 0xf0);
		memop(g, (unsigned)r, osz, 1);
		return true;
	}
	default: {
		bool mem = chance(g, 40), ox = chance(g, 50);
		int d = dst_reg(g, 4);
		ins(g, ox ? "adox r,r/m" : "adcx r,r/m");
		e8(g, ox ? 0xf3 : 0x66);
		e8(g, 0x0f);
		e8(g, 0x38);
		e8(g, 0xf6);
		if (mem)
			memop(g, (unsigned)d, 4, 1);
		else
			modrm_rr(g, (unsigned)d, (unsigned)src_reg(g));
		return true;
	}
	}
}

/* SSSE3 / SSE4.1 / SSE4.2 on fully loaded registers. */
static bool t_sse4(struct gen *g)
{
	g->c->kvm_skip = KVM_SKIP_EXT;
	static const struct { uint8_t map, op; bool imm; const char *name; } ops[] = {
		{ 0x38, 0x00, false, "pshufb" }, { 0x38, 0x40, false, "pmulld" }, { 0x38, 0x39, false, "pminsd" },
		{ 0x38, 0x3d, false, "pmaxsd" }, { 0x38, 0x1c, false, "pabsb" }, { 0x38, 0x04, false, "pmaddubsw" },
		{ 0x38, 0x29, false, "pcmpeqq" }, { 0x38, 0x2b, false, "packusdw" }, { 0x38, 0x0b, false, "pmulhrsw" },
		{ 0x3a, 0x0f, true, "palignr" }, { 0x3a, 0x0e, true, "pblendw" }, { 0x3a, 0x0c, true, "blendps" },
		{ 0x3a, 0x0b, true, "roundsd" }, { 0x3a, 0x08, true, "roundps" }, { 0x3a, 0x40, true, "dpps" },
	};
	unsigned a = rnd(g, 8), b = (a + 1 + rnd(g, 7)) & 7;
	g->c->fpu = true;
	sse_insn(g, "movups x,m128", 0, 0x10, a, -1, M128U, false);
	sse_insn(g, "movdqu x,m128", 0xf3, 0x6f, b, -1, M128U, false);
	unsigned n = 1 + rnd(g, 2);
	for (unsigned i = 0; i < n; i++) {
		unsigned k = rnd(g, sizeof ops / sizeof ops[0]);
		bool mem = chance(g, 40);
		ins(g, ops[k].name);
		e8(g, 0x66);
		e8(g, 0x0f);
		e8(g, ops[k].map);
		e8(g, ops[k].op);
		if (mem)
			memop(g, a, 16, 16);
		else
			modrm_rr(g, a, b);
		if (ops[k].imm)
			e8(g, ops[k].op == 0x0b || ops[k].op == 0x08 ? rnd(g, 16) : rnd(g, 256));
	}
	switch (rnd(g, 4)) {
	case 0:
		ins(g, "ptest x,x");
		e8(g, 0x66);
		e8(g, 0x0f);
		e8(g, 0x38);
		e8(g, 0x17);
		modrm_rr(g, a, b);
		break;
	case 1:
		if (g->locked[ECX])
			break;
		wrote(g, ECX);
		ins(g, "pcmpistri x,x,imm8");
		e8(g, 0x66);
		e8(g, 0x0f);
		e8(g, 0x3a);
		e8(g, 0x63);
		modrm_rr(g, a, b);
		e8(g, rnd(g, 128));
		break;
	case 2: {
		bool mem = chance(g, 50);
		int d = mem ? -1 : dst_reg(g, 4);
		ins(g, mem ? "pextrd m32,x,imm8" : "pextrd r32,x,imm8");
		e8(g, 0x66);
		e8(g, 0x0f);
		e8(g, 0x3a);
		e8(g, 0x16);
		if (mem)
			memop(g, a, 4, 1);
		else
			modrm_rr(g, a, (unsigned)d);
		e8(g, rnd(g, 4));
		break;
	}
	default:
		ins(g, "pinsrd x,r/m32,imm8");
		e8(g, 0x66);
		e8(g, 0x0f);
		e8(g, 0x3a);
		e8(g, 0x22);
		if (chance(g, 50))
			memop(g, a, 4, 1);
		else
			modrm_rr(g, a, (unsigned)src_reg(g));
		e8(g, rnd(g, 4));
		break;
	}
	sse_insn(g, "movups m128,x", 0, 0x11, a, -1, M128U, false);
	return true;
}

/* MASKMOVQ / MASKMOVDQU: a store to [EDI] that no operand names. */
static bool t_maskmov(struct gen *g)
{
	if (!writable(g, EDI))
		return false;
	unsigned a = rnd(g, 8), b = (a + 1 + rnd(g, 7)) & 7;
	bool xmm = chance(g, 60);
	g->c->fpu = true;
	uint32_t p = rand_ptr(g);
	mov_ri(g, "maskmov setup: mov edi", EDI, p);
	wrote(g, EDI);
	if (xmm) {
		sse_insn(g, "movdqu x,m128", 0xf3, 0x6f, a, -1, M128U, false);
		sse_insn(g, "movdqu x,m128 (mask)", 0xf3, 0x6f, b, -1, M128U, false);
		ins(g, "maskmovdqu x,x");
		e8(g, 0x66);
	} else {
		ins(g, "movq mm,m64");
		e8(g, 0x0f);
		e8(g, 0x6f);
		memop(g, a, 8, 1);
		ins(g, "movq mm,m64 (mask)");
		e8(g, 0x0f);
		e8(g, 0x6f);
		memop(g, b, 8, 1);
		ins(g, "maskmovq mm,mm");
	}
	e8(g, 0x0f);
	e8(g, 0xf7);
	modrm_rr(g, a, b);
	if (!xmm) {
		ins(g, "emms");
		e8(g, 0x0f);
		e8(g, 0x77);
	}
	return true;
}

/* Prefetches and the reserved hint NOPs (0f 0d, 0f 18-1f): no access, no fault. */
static bool t_prefetch(struct gen *g)
{
	g->c->kvm_skip = KVM_SKIP_EXT;
	unsigned k = rnd(g, 8);
	if (k <= 3) {
		ins(g, "prefetchnta/t0/t1/t2 m");
		e8(g, 0x0f);
		e8(g, 0x18);
		memop(g, k, 1, 1);
	} else if (k <= 5) {
		ins(g, k == 4 ? "prefetchw m (0f 0d /1)" : "prefetch m (0f 0d /0)");
		e8(g, 0x0f);
		e8(g, 0x0d);
		memop(g, k == 4 ? 1 : 0, 1, 1);
	} else {
		ins(g, "hint nop (0f 19-1e)");
		e8(g, 0x0f);
		e8(g, 0x19 + rnd(g, 6));
		if (chance(g, 50))
			memop_any(g, rnd(g, 8));
		else
			modrm_rr(g, rnd(g, 8), rnd(g, 8));
	}
	return true;
}

/* BOUND with bounds it satisfies (a failing one is in t_fault). */
static bool t_bound(struct gen *g)
{
	int r = pick_dst(g);
	int32_t v = (int32_t)rnd(g, 0x1000) - 0x800;
	struct memsel m;
	wrote(g, r);
	memsel_pick(g, 0, 8, 1, &m);
	struct memsel up = memsel_shift(m, 4);
	mov_ri(g, "bound setup: mov r", r, (uint32_t)v);
	ins(g, "bound setup: mov m,lower");
	e8(g, 0xc7);
	emit_mem(g, 0, &m);
	e32(g, (uint32_t)(v - (int32_t)rnd(g, 100)));
	ins(g, "bound setup: mov m+4,upper");
	e8(g, 0xc7);
	emit_mem(g, 0, &up);
	e32(g, (uint32_t)(v + (int32_t)rnd(g, 100)));
	ins(g, "bound r,m");
	e8(g, 0x62);
	emit_mem(g, (unsigned)r, &m);
	return true;
}

/* ENTER with a nesting level, and the 16-bit ENTER/LEAVE and PUSHA/POPA
 * pairs (the whole region shares ESP's upper half, so 16-bit SP and BP
 * arithmetic cannot wrap out of it). */
static bool t_frames(struct gen *g)
{
	unsigned k = rnd(g, 3);
	if (g->locked[EBP] || g->no_reclass || g->prot_hi > g->prot_lo || !stack_room(g, 0x80, 0))
		return false;
	if ((g->lo[ESP] ^ g->hi[ESP]) >> 16 || (g->lo[ESP] >> 16) != (DLO >> 16))
		return false;
	if (k == 0) {
		unsigned level = 1 + rnd(g, 3);
		/* levels above 1 copy [EBP-4], [EBP-8], ...: EBP must be a pointer */
		if (level > 1 && (g->cls[EBP] != C_PTR || g->lo[EBP] - 16 < DLO || g->hi[EBP] > DHI))
			level = 1;
		uint32_t alloc = 4 * rnd(g, 8);
		ins(g, "enter imm16,level (nested)");
		e8(g, 0xc8);
		e16(g, alloc);
		e8(g, level);
		ins(g, "leave");
		e8(g, 0xc9);
	} else if (k == 1) {
		g->c->kvm_skip = KVM_SKIP_ENTER16;
		/* The 16-bit pair keeps EBP's upper half and LEAVE then sets ESP to
		 * all of EBP: make EBP a stack pointer first, or the stack would
		 * leave the case's memory (where the two machines differ). */
		ins(g, "mov ebp, esp");
		e8(g, 0x89);
		e8(g, 0xe5);
		g->cls[EBP] = C_FREE;
		ins(g, "enter imm16,0 (16-bit)");
		e8(g, 0x66);
		e8(g, 0xc8);
		e16(g, 4 * rnd(g, 8));
		e8(g, 0);
		ins(g, "leave (16-bit)");
		e8(g, 0x66);
		e8(g, 0xc9);
	} else {
		ins(g, "pushaw");
		e8(g, 0x66);
		e8(g, 0x60);
		ins(g, "popaw");
		e8(g, 0x66);
		e8(g, 0x61);
	}
	return true;
}

/* A deliberate exception the host raises too: #UD, #GP (misaligned SSE), #BR. */
static bool t_fault(struct gen *g)
{
	g->c->want_fault = true;
	switch (rnd(g, 4)) {
	case 0:
		ins(g, "ud2 (#UD)");
		e8(g, 0x0f);
		e8(g, 0x0b);
		return true;
	case 1:
		ins(g, "lock on a register operand (#UD)");
		e8(g, 0xf0);
		e8(g, 0x01 + 8 * rnd(g, 7));
		modrm_rr(g, (unsigned)src_reg(g), (unsigned)src_reg(g));
		return true;
	case 2: {
		int32_t a;
		g->c->fpu = true;
		if (!fit(g, 0, 0, 0, 32, DLO, DHI - 32, 16, &a))
			return false;
		ins(g, "movaps x,[misaligned] (#GP)");
		e8(g, 0x0f);
		e8(g, 0x28);
		e8(g, rnd(g, 8) << 3 | 5);
		e32(g, (uint32_t)a + 1 + rnd(g, 15));
		return true;
	}
	default: {
		int32_t a;
		if (!fit(g, 0, 0, 0, 8, DLO, DHI, 4, &a))
			return false;
		int r = pick_dst(g);
		wrote(g, r);
		mov_ri(g, "bound setup: mov r", r, 0x1000);
		ins(g, "bound setup: mov m,lower");
		e8(g, 0xc7);
		e8(g, 0x05);
		e32(g, (uint32_t)a);
		e32(g, 0x2000);
		ins(g, "bound setup: mov m+4,upper");
		e8(g, 0xc7);
		e8(g, 0x05);
		e32(g, (uint32_t)a + 4);
		e32(g, 0x3000);
		ins(g, "bound r,m (out of bounds: #BR)");
		e8(g, 0x62);
		e8(g, (unsigned)r << 3 | 5);
		e32(g, (uint32_t)a);
		return true;
	}
	}
}

/* --- the template table ------------------------------------------------------ */

static const struct tmpl tmpls[] = {
	{ "alu", t_alu, 30, T_SIMPLE },
	{ "test", t_test, 5, T_SIMPLE },
	{ "inc/dec/not/neg", t_unary, 8, T_SIMPLE },
	{ "mov", t_mov, 10, T_SIMPLE | T_FLAGFREE },
	{ "movzx/movsx", t_movx, 5, T_SIMPLE | T_FLAGFREE },
	{ "xchg", t_xchg, 4, T_SIMPLE | T_FLAGFREE },
	{ "shift/rotate", t_shift, 16, T_SIMPLE },
	{ "shld/shrd", t_shld, 5, T_SIMPLE },
	{ "mul/imul", t_mul, 8, T_SIMPLE },
	{ "div/idiv", t_div, 8, T_SIMPLE },
	{ "bt/bts/btr/btc", t_bitop, 7, T_SIMPLE },
	{ "bsf/bsr/popcnt/lzcnt/tzcnt", t_bitscan, 4, T_SIMPLE },
	{ "cmovcc", t_cmov, 5, T_SIMPLE },
	{ "setcc", t_setcc, 5, T_SIMPLE },
	{ "bswap", t_bswap, 2, T_SIMPLE | T_FLAGFREE },
	{ "cmpxchg/xadd/cmpxchg8b", t_atomic, 6, T_SIMPLE },
	{ "cbw/cwde/cwd/cdq", t_convert, 3, T_SIMPLE | T_FLAGFREE },
	{ "flag ops", t_flagop, 4, T_SIMPLE },
	{ "lea", t_lea, 6, T_SIMPLE | T_FLAGFREE },
	{ "nop", t_nop, 2, T_SIMPLE | T_FLAGFREE },
	{ "xlat", t_xlat, 2, T_SIMPLE | T_FLAGFREE },
	{ "string", t_string, 10, 0 },
	{ "push", t_push, 6, T_FLAGFREE },
	{ "pop", t_pop, 5, T_FLAGFREE },
	{ "pushad/popad", t_pusha, 3, T_FLAGFREE },
	{ "esp arithmetic", t_esp, 4, 0 },
	{ "enter/leave", t_enter, 4, 0 },
	{ "leave", t_leave, 1, T_FLAGFREE },
	{ "pushfd/popfd", t_pushf, 3, 0 },
	{ "pointer setup", t_setptr, 4, T_FLAGFREE },
	{ "bcd", t_bcd, 5, T_BCD },
	{ "x87", t_x87, 7, T_SIMPLE },
	{ "mmx", t_mmx, 3, T_SIMPLE | T_FLAGFREE },
	{ "sse", t_sse, 8, T_SIMPLE },
	{ "jcc/jmp over", t_jover, 5, 0 },
	{ "loop", t_loop, 3, 0 },
	{ "call", t_call, 4, 0 },
	{ "indirect jump", t_indirect, 4, T_FLAGFREE },
	{ "self-modifying code", t_smc, 3, 0 },
	{ "esp swaps", t_esp2, 2, T_FLAGFREE },
	{ "redundant prefixes", t_prefix, 2, T_SIMPLE },
	{ "crc32/movbe/adcx/adox", t_intx, 3, T_SIMPLE },
	{ "ssse3/sse4", t_sse4, 4, T_SIMPLE },
	{ "maskmovq/maskmovdqu", t_maskmov, 1, T_SIMPLE | T_FLAGFREE },
	{ "prefetch/hint nop", t_prefetch, 1, T_SIMPLE | T_FLAGFREE },
	{ "bound", t_bound, 1, T_SIMPLE | T_FLAGFREE },
	{ "deliberate fault", t_fault, 1, 0 },
	{ "nested/16-bit frames", t_frames, 1, T_FLAGFREE },
};
#define NTMPL (int)(sizeof tmpls / sizeof tmpls[0])

int gen_template_count(void)
{
	return NTMPL;
}

const char *gen_template_name(int i)
{
	return i >= 0 && i < NTMPL ? tmpls[i].name : NULL;
}

static bool allowed(const struct gen *g, const struct tmpl *t, unsigned need)
{
	if ((t->flags & need) != need)
		return false;
	if (g->bcd && !(t->flags & (T_BCD | T_FLAGFREE)))
		return false;
	return true;
}

/* Pick and run one template with the required flags; false if none fits. */
static bool gen_one(struct gen *g, unsigned need)
{
	unsigned total = 0;
	for (int i = 0; i < NTMPL; i++)
		if (allowed(g, &tmpls[i], need))
			total += tmpls[i].weight;
	for (int tries = 0; tries < 40 && total; tries++) {
		unsigned x = rnd(g, total);
		int i = 0;
		for (; i < NTMPL; i++) {
			if (!allowed(g, &tmpls[i], need))
				continue;
			if (x < tmpls[i].weight)
				break;
			x -= tmpls[i].weight;
		}
		if (i >= NTMPL)
			continue;
		uint32_t len = g->c->code_len;
		int n = g->c->ninsn;
		if (tmpls[i].fn(g))
			return true;
		g->c->code_len = len;   /* templates check before emitting; be safe anyway */
		g->c->ninsn = n;
	}
	return false;
}

static bool gen_simple(struct gen *g)
{
	bool ok;
	g->depth++;
	ok = gen_one(g, T_SIMPLE);
	g->depth--;
	return ok;
}

void gen_case(uint64_t seed, uint64_t index, const struct gen_segs *segs, struct gen_case *c)
{
	struct gen g;
	memset(c, 0, sizeof *c);
	memset(&g, 0, sizeof g);
	c->seed = seed;
	c->index = index;
	g.c = c;
	g.segs = segs;
	g.s = seed * 0x9e3779b97f4a7c15ull ^ (index + 1) * 0xd1b54a32d192ed03ull;
	r64(&g);
	c->data_seed = r64(&g);

	for (int r = 0; r < 8; r++) {
		g.cls[r] = C_FREE;
		c->gpr[r] = ival(&g);
	}
	static const int maybe[4] = { EBX, EBP, ESI, EDI };
	int nptr = 0;
	for (int i = 0; i < 4; i++) {
		int r = maybe[i];
		unsigned x = rnd(&g, 100);
		if (x < 55) {
			c->gpr[r] = rand_ptr(&g);
			set_ptr(&g, r, c->gpr[r], c->gpr[r]);
			nptr++;
		} else if (x < 72) {
			c->gpr[r] = chance(&g, 20) ? 0 : rnd(&g, 0x100);
			g.cls[r] = C_IDX;
			g.lo[r] = g.hi[r] = c->gpr[r];
		}
	}
	if (nptr == 0) {
		int r = maybe[rnd(&g, 4)];
		c->gpr[r] = rand_ptr(&g);
		set_ptr(&g, r, c->gpr[r], c->gpr[r]);
	}
	c->gpr[ESP] = (uint32_t)(STACK_TOP - 4 * rnd(&g, 64));
	g.cls[ESP] = C_STACK;
	g.lo[ESP] = g.hi[ESP] = c->gpr[ESP];
	c->eflags = ((uint32_t)r64(&g) & DIFF_FLAGS_ARITH) | 0x2u;

	if (chance(&g, 15)) {
		/* Start just before the page boundary, so the code crosses it (and
		 * some instruction may straddle it). */
		uint32_t target = 0x1000 - 0x08 - rnd(&g, 0x38);
		ins(&g, "jmp rel32 (to just before the page end)");
		e8(&g, 0xe9);
		e32(&g, target - 5);
		while (c->code_len < target)
			e8(&g, 0xcc);
	}

	unsigned n = 1 + rnd(&g, 8);
	for (unsigned i = 0; i < n && !g.full; i++) {
		if (c->code_len > DIFF_CODE_MAX - 400 || c->ninsn > GEN_MAX_INSNS - 40)
			break;
		gen_one(&g, 0);
	}
	if (g.full) {
		/* Ran out of room mid-template: fall back to something that surely fits. */
		memset(c->code, 0, sizeof c->code);
		c->code_len = 0;
		c->ninsn = 0;
		c->flag_mask = 0;
		c->fpu = c->want_fault = false;
		c->kvm_skip = NULL;
		c->insn[c->ninsn++] = (struct gen_insn){ 0, "nop", 0 };
		c->code[c->code_len++] = 0x90;
	}
}

void gen_data(const struct gen_case *c, uint8_t *data)
{
	uint64_t s = c->data_seed;
	for (uint32_t i = 0; i < DIFF_DATA_SIZE; i += 8) {
		uint64_t v = splitmix(&s);
		memcpy(data + i, &v, 8);
	}
	/* Some runs of small and zero values: BCD digits, small counts, float-ish. */
	uint64_t k = splitmix(&s);
	for (int run = 0; run < 8; run++) {
		uint32_t at = (uint32_t)(splitmix(&s) % (DIFF_DATA_SIZE - 64));
		uint8_t kind = (uint8_t)(k >> (run * 8));
		for (uint32_t i = 0; i < 64; i++) {
			uint8_t b = data[at + i];
			data[at + i] = kind % 3 == 0 ? 0 : kind % 3 == 1 ? (uint8_t)(b & 0x0f) : (uint8_t)(b & 0x99);
		}
	}
}
