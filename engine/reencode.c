/* Re-encoding guest instructions for 64-bit mode (see reencode.h). */
#include "engine/reencode.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "engine/bt_ctx.h"

#define MAX_OUT 24

struct reenc_plan {
	uint8_t rex;          /* REX bits to add (0 = none) */
	int swap_hi;          /* -1, or 0..3: AH/CH/DH/BH renamed to AL/CL/DL/BL */
	bool mem_r9;          /* the memory operand becomes gs:[r9d] (FS/GS overrides) */
	uint8_t swap_in;      /* which ModRM fields name the high byte: SWAP_IN_REG, SWAP_IN_RM */
	bool sub_r8;          /* the high byte is copied to R8B instead of swapped (see reenc_ident) */
};

#define SWAP_IN_REG 1
#define SWAP_IN_RM  2

/* Offsets in struct bt_ctx of the FS and GS bases, which emitted code adds. */
#define SEGBASE_OFF(s) ((int32_t)(offsetof(struct bt_ctx, arch.seg) + (s) * sizeof(struct vcpu_seg) + \
				  offsetof(struct vcpu_seg, base)))

static bool has_fsgs(const struct bt_insn *in)
{
	return in->seg == 0x64 || in->seg == 0x65;
}

/* Operands whose address is computed into R9D first: FS/GS bases, and
 * 16-bit addressing (0x67), which 64-bit mode cannot express. */
static bool needs_r9(const struct bt_insn *in)
{
	return has_fsgs(in) || in->p67;
}

static bool is_seg_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* Offset where the bytes after ModRM/SIB/displacement begin. */
static unsigned tail_off(const struct bt_insn *in)
{
	unsigned off = in->modrm_off + 1u + (dec_has_sib(in) ? 1u : 0u);
	if (in->disp_off && in->disp_size)
		off = (unsigned)in->disp_off + in->disp_size;
	else if (in->modrm_off && dec_mod(in) != 3 && in->p67) {
		unsigned mod = dec_mod(in);   /* 16-bit: disp8, disp16, or [disp16] alone */
		off += mod == 1 ? 1 : (mod == 2 || (mod == 0 && dec_rm(in) == 6)) ? 2 : 0;
	} else if (in->modrm_off && dec_mod(in) != 3) {
		/* Capstone leaves disp_offset 0 for a zero displacement: compute it. */
		unsigned mod = dec_mod(in), rm = dec_rm(in);
		unsigned base = dec_has_sib(in) ? (in->bytes[in->modrm_off + 1] & 7) : rm;
		if (mod == 1)
			off += 1;
		else if (mod == 2 || (mod == 0 && base == 5))
			off += 4;
	}
	return off;
}

/* The guest's ModRM/SIB/displacement for a memory operand, rewritten for
 * 64-bit mode with reg in the reg field. Sets *rex_b when the base is ESP. */
static int memop_bytes(const struct bt_insn *in, unsigned reg, uint8_t *out, unsigned *n,
		       bool *rex_b, char *why, size_t whylen)
{
	unsigned mod = dec_mod(in), rm = dec_rm(in);
	unsigned k = 0, p = in->modrm_off + 1u;

	*rex_b = false;
	if (in->p67) {
		snprintf(why, whylen, "16-bit addressing (0x67 prefix) is not supported by bt");
		return -1;
	}
	if (mod == 0 && rm == 5) {
		/* [disp32]: 64-bit mode would make it RIP-relative; use SIB "no base". */
		out[k++] = (uint8_t)(((reg & 7) << 3) | 4);
		out[k++] = 0x25;   /* SIB: scale 1, no index, base 101 = disp32 only */
		memcpy(out + k, in->bytes + p, 4);
		k += 4;
		*n = k;
		return 0;
	}
	out[k++] = (uint8_t)((mod << 6) | ((reg & 7) << 3) | rm);
	if (rm == 4) {
		uint8_t sib = in->bytes[p++];
		out[k++] = sib;
		if ((sib & 7) == 4)
			*rex_b = true;   /* base ESP -> R12 */
	}
	unsigned end = tail_off(in);
	if (end < p || end - p > 4) {
		snprintf(why, whylen, "unexpected operand encoding");
		return -1;
	}
	memcpy(out + k, in->bytes + p, end - p);
	k += end - p;
	*n = k;
	return 0;
}

/* Host register Capstone should show for guest register r under plan. */
static unsigned map_reg(unsigned r, const struct reenc_plan *pl)
{
	static const unsigned hi[4] = { X86_REG_AH, X86_REG_CH, X86_REG_DH, X86_REG_BH };
	static const unsigned lo[4] = { X86_REG_AL, X86_REG_CL, X86_REG_DL, X86_REG_BL };
	if (r == X86_REG_ESP)
		return X86_REG_R12D;
	if (r == X86_REG_SP)
		return X86_REG_R12W;
	if (pl && pl->swap_hi >= 0 && r == hi[pl->swap_hi])
		return pl->sub_r8 ? X86_REG_R8B : lo[pl->swap_hi];
	return r;
}

static bool same_mem(const cs_x86_op *g, const cs_x86_op *h, bool guest_access, bool mem_r9)
{
	if (guest_access && h->mem.segment != X86_REG_GS)
		return false;
	if (mem_r9)
		return h->mem.base == X86_REG_R9D && h->mem.index == X86_REG_INVALID && h->mem.disp == 0;
	if (map_reg(g->mem.base, NULL) != h->mem.base || g->mem.index != h->mem.index)
		return false;
	if (g->mem.index != X86_REG_INVALID && g->mem.scale != h->mem.scale)
		return false;
	return (uint32_t)g->mem.disp == (uint32_t)h->mem.disp;
}

/* Does the 64-bit decoding of out[0..n) do what the guest instruction does? */
static bool verify(struct dec *d, const struct bt_insn *in, const uint8_t *out, unsigned n,
		   const struct reenc_plan *pl, bool guest_access)
{
	const cs_insn *h = dec_host(d, out, n);
	if (!h || h->size != n || h->id != in->id)
		return false;
	const cs_x86 *hx = &h->detail->x86;
	if (hx->op_count != in->x86.op_count)
		return false;
	for (int i = 0; i < hx->op_count; i++) {
		const cs_x86_op *g = &in->x86.operands[i], *o = &hx->operands[i];
		/* Capstone sizes some memory operands by the mode (FXSAVE's is 4 in
		 * 32-bit mode, 8 in 64-bit); we never add REX.W, so data sizes cannot
		 * change and memory operand sizes need not agree. */
		if (g->type != o->type || (g->type != X86_OP_MEM && g->size != o->size))
			return false;
		switch (g->type) {
		case X86_OP_REG:
			if (map_reg(g->reg, pl) != o->reg)
				return false;
			break;
		case X86_OP_IMM:
			if (g->imm != o->imm && (uint32_t)g->imm != (uint32_t)o->imm)
				return false;
			break;
		case X86_OP_MEM:
			if (!same_mem(g, o, guest_access, pl->mem_r9) || hx->addr_size != 4)
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

/* The opcode a moffs form (A0-A3) becomes with a ModRM operand. */
static uint8_t moffs_to_modrm_opcode(uint8_t opc)
{
	static const uint8_t map[4] = { 0x8a, 0x8b, 0x88, 0x89 };   /* mov al/eax <-> r/m */
	return map[opc - 0xa0];
}

/* Build one candidate encoding. */
static int build(const struct bt_insn *in, const struct reenc_plan *pl, bool guest_access,
		 uint8_t *out, unsigned *n, char *why, size_t whylen)
{
	unsigned k = 0;
	bool base_ext = false;
	uint8_t sub_rex = 0;   /* R8B named through REX.R or REX.B (sub_r8) */
	bool moffs = in->opc >= 0xa0 && in->opc <= 0xa3 && !in->modrm_off;

	if (guest_access)
		out[k++] = PFX_GS;
	if (in->mem_op >= 0)
		out[k++] = PFX_ADDR32;   /* LEA and hint NOPs too: compute the address in 32 bits */
	for (unsigned i = 0; i < in->npfx; i++)
		if (!is_seg_prefix(in->bytes[i]) && in->bytes[i] != PFX_ADDR32)
			out[k++] = in->bytes[i];
	unsigned rex_at = k;
	k++;   /* room for REX; dropped below if unused */
	if (moffs && pl->mem_r9) {
		out[k++] = moffs_to_modrm_opcode(in->opc);
		out[k++] = 0x01;   /* ModRM: mod 00, reg AL/EAX, rm 001 = [r9d] with REX.B */
		base_ext = true;
		for (unsigned i = in->npfx + (in->p67 ? 3u : 5u); i < in->len; i++)
			out[k++] = in->bytes[i];
		goto rex;
	}
	unsigned op_end = in->modrm_off ? in->modrm_off : in->len;
	for (unsigned i = in->npfx; i < op_end; i++)
		out[k++] = in->bytes[i];
	if (in->opc == 0x82)
		out[rex_at + 1] = 0x80;   /* 0x82 is 0x80 without 64-bit mode's consent */
	if (in->modrm_off) {
		unsigned reg = dec_reg(in);
		if (pl->swap_hi >= 0 && (pl->swap_in & SWAP_IN_REG) && reg == 4u + (unsigned)pl->swap_hi) {
			reg = pl->sub_r8 ? 0 : (unsigned)pl->swap_hi;
			sub_rex |= pl->sub_r8 ? REX_R : 0;
		}
		if (dec_mod(in) == 3) {
			unsigned rm = dec_rm(in);
			if (pl->swap_hi >= 0 && (pl->swap_in & SWAP_IN_RM) && rm == 4u + (unsigned)pl->swap_hi) {
				rm = pl->sub_r8 ? 0 : (unsigned)pl->swap_hi;
				sub_rex |= pl->sub_r8 ? REX_B : 0;
			}
			out[k++] = (uint8_t)(0xc0 | (reg << 3) | rm);
		} else if (pl->mem_r9) {
			out[k++] = (uint8_t)((reg << 3) | (HR_R9 & 7));   /* [r9d] */
			base_ext = true;
		} else {
			unsigned m;
			if (memop_bytes(in, reg, out + k, &m, &base_ext, why, whylen) < 0)
				return -1;
			k += m;
		}
		unsigned t = dec_mod(in) == 3 ? in->modrm_off + 1u : tail_off(in);
		for (unsigned i = t; i < in->len; i++)
			out[k++] = in->bytes[i];
	}
rex:;
	uint8_t rex = pl->rex | (base_ext ? REX_B : 0) | sub_rex;
	if (rex) {
		out[rex_at] = (uint8_t)(REX | rex);
	} else {
		memmove(out + rex_at, out + rex_at + 1, k - rex_at - 1);
		k--;
	}
	*n = k;
	return 0;
}

/* R9D = a 16-bit effective address: base + index + displacement of the
 * ModRM table for 16-bit addressing (BX+SI ... BX), cut to 16 bits, so it
 * wraps at 64 KiB as on the guest. Flag-free: LEA and MOVZX. */
static void emit_ea16_r9(const struct bt_insn *in, struct emit *e)
{
	static const int8_t base[8] = { HR_RBX, HR_RBX, HR_RBP, HR_RBP, HR_RSI, HR_RDI, HR_RBP, HR_RBX };
	static const int8_t index[8] = { HR_RSI, HR_RDI, HR_RSI, HR_RDI, -1, -1, -1, -1 };
	static const uint8_t movzx_r9w[] = { 0x45, 0x0f, 0xb7, 0xc9 };   /* movzx r9d, r9w */
	unsigned mod = dec_mod(in), rm = dec_rm(in), p = in->modrm_off + 1u;
	int32_t disp = 0;
	if (mod == 1)
		disp = (int8_t)in->bytes[p];
	else if (mod == 2 || (mod == 0 && rm == 6))
		disp = (int32_t)(uint16_t)(in->bytes[p] | in->bytes[p + 1] << 8);
	if (mod == 0 && rm == 6) {   /* [disp16] */
		emit_mov_reg_imm32(e, HR_R9, (uint32_t)disp);
		return;
	}
	emit_u8(e, PFX_ADDR32);
	emit_u8(e, REX | REX_R);
	emit_u8(e, 0x8d);   /* lea r9d, [base (+ index) + disp32] */
	if (index[rm] >= 0) {
		emit_u8(e, 0x80 | ((HR_R9 & 7) << 3) | 4);
		emit_u8(e, (uint8_t)((index[rm] << 3) | base[rm]));
	} else {
		emit_u8(e, (uint8_t)(0x80 | ((HR_R9 & 7) << 3) | base[rm]));
	}
	emit_u32(e, (uint32_t)disp);
	emit_bytes(e, movzx_r9w, sizeof movzx_r9w);
}

/* R9D = the linear address of in's memory operand: its effective address
 * (32- or 16-bit) plus the FS or GS base from the context if it names one
 * (flag-free: LEA, MOV and MOVZX only). */
static int emit_seg_ea_r9(const struct bt_insn *in, struct emit *e, char *why, size_t whylen)
{
	static const uint8_t add_r10[] = { 0x67, 0x47, 0x8d, 0x0c, 0x11 };   /* lea r9d, [r9d + r10d] */
	int seg = in->seg == 0x64 ? S_FS : S_GS;

	if (!in->modrm_off) {
		uint32_t a = 0;
		if (!(in->opc >= 0xa0 && in->opc <= 0xa3)) {
			snprintf(why, whylen, "no memory operand");
			return -1;
		}
		memcpy(&a, in->bytes + in->npfx + 1, in->p67 ? 2 : 4);   /* moffs16 or moffs32 */
		emit_mov_reg_imm32(e, HR_R9, a);
	} else if (in->p67) {
		emit_ea16_r9(in, e);   /* Capstone decoded it: its bytes are all there */
	} else {
		uint8_t mb[8];
		unsigned n;
		bool base_ext;
		if (memop_bytes(in, HR_R9, mb, &n, &base_ext, why, whylen) < 0)
			return -1;
		emit_u8(e, PFX_ADDR32);
		emit_u8(e, (uint8_t)(REX | REX_R | (base_ext ? REX_B : 0)));
		emit_u8(e, 0x8d);   /* lea r9d, [ea] */
		emit_bytes(e, mb, n);
	}
	if (has_fsgs(in)) {
		emit_mov_reg_ctx32(e, HR_R10, SEGBASE_OFF(seg));
		emit_bytes(e, add_r10, sizeof add_r10);
	}
	return 0;
}

static bool has_op_reg(const struct bt_insn *in, bool (*pred)(unsigned), unsigned *which)
{
	for (int i = 0; i < in->x86.op_count; i++)
		if (in->x86.operands[i].type == X86_OP_REG && pred(in->x86.operands[i].reg)) {
			if (which)
				*which = in->x86.operands[i].reg;
			return true;
		}
	return false;
}

/* Guest registers that overlap the low byte register lo8 (AL -> AL AX EAX). */
static bool uses_family(const struct bt_insn *in, int idx)
{
	static const unsigned fam[4][3] = {
		{ X86_REG_AL, X86_REG_AX, X86_REG_EAX }, { X86_REG_CL, X86_REG_CX, X86_REG_ECX },
		{ X86_REG_DL, X86_REG_DX, X86_REG_EDX }, { X86_REG_BL, X86_REG_BX, X86_REG_EBX },
	};
	for (int j = 0; j < 3; j++)
		if (dec_uses_reg(in, fam[idx][j]))
			return true;
	return false;
}

int reenc_ident(struct dec *d, const struct bt_insn *in, struct emit *e, uint8_t *fixup,
		char *why, size_t whylen)
{
	uint8_t out[MAX_OUT];
	unsigned n;
	bool guest_access = in->mem_op >= 0 && in->id != X86_INS_LEA && in->id != X86_INS_NOP;
	struct reenc_plan pl = { .rex = 0, .swap_hi = -1, .mem_r9 = false, .swap_in = SWAP_IN_REG | SWAP_IN_RM, .sub_r8 = false };
	unsigned hireg = 0;

	*fixup = FIX_NONE;
	pl.mem_r9 = guest_access && needs_r9(in);
	if (in->mem_op < 0 && !has_op_reg(in, dec_is_esp, NULL)) {
		/* Nothing to change: IDENT. */
		emit_bytes(e, in->bytes, in->len);
		if (in->opc == 0x82)
			e->p[-(int)in->len + in->npfx] = 0x80;
		return 0;
	}
	bool need_rex = has_op_reg(in, dec_is_esp, NULL) || pl.mem_r9;
	if (in->mem_op >= 0) {
		const cs_x86_op *m = &in->x86.operands[in->mem_op];
		need_rex |= m->mem.base == X86_REG_ESP;
	}
	if (need_rex && has_op_reg(in, dec_is_high8, &hireg)) {
		pl.swap_hi = hireg == X86_REG_AH ? 0 : hireg == X86_REG_CH ? 1 : hireg == X86_REG_DH ? 2 : 3;
		/* The swap must not disturb anything else the instruction touches. */
		struct bt_insn probe = *in;
		for (int i = 0; i < probe.x86.op_count; i++)
			if (probe.x86.operands[i].type == X86_OP_REG && probe.x86.operands[i].reg == hireg)
				probe.x86.operands[i].reg = X86_REG_INVALID;
		for (int i = 0; i < probe.nregs_read; i++)
			if (probe.regs_read[i] == hireg)
				probe.regs_read[i] = X86_REG_INVALID;
		for (int i = 0; i < probe.nregs_write; i++)
			if (probe.regs_write[i] == hireg)
				probe.regs_write[i] = X86_REG_INVALID;
		/* Through R9D the address is computed before the swap: only the
		 * address registers stop mattering (implicit uses, as CMPXCHG's AL, do). */
		if (pl.mem_r9 && probe.mem_op >= 0) {
			probe.x86.operands[probe.mem_op].mem.base = X86_REG_INVALID;
			probe.x86.operands[probe.mem_op].mem.index = X86_REG_INVALID;
			for (int i = 0; i < probe.nregs_read; i++)
				if (probe.regs_read[i] == in->x86.operands[in->mem_op].mem.base ||
				    probe.regs_read[i] == in->x86.operands[in->mem_op].mem.index)
					probe.regs_read[i] = X86_REG_INVALID;
		}
		if (uses_family(&probe, pl.swap_hi))
			pl.sub_r8 = true;   /* swapping would disturb the low half: copy to R8B */
	}
	uint8_t *mark = e->p;   /* a failure leaves nothing emitted */
	if (pl.mem_r9 && emit_seg_ea_r9(in, e, why, whylen) < 0) {
		e->p = mark;
		return -1;
	}
	/* Try the REX bits that could name R12: none, R, B, R+B (B is forced for an ESP base). */
	static const uint8_t tries[4] = { 0, REX_R, REX_B, REX_R | REX_B };
	static const uint8_t swaps[3] = { SWAP_IN_REG, SWAP_IN_RM, SWAP_IN_REG | SWAP_IN_RM };
	for (int t = 0; t < 4 * 3; t++) {
		pl.rex = tries[t % 4];
		pl.swap_in = swaps[t / 4];
		if (pl.swap_hi < 0 && t >= 4)
			break;   /* the field choice only matters for a swapped high byte */
		if (build(in, &pl, guest_access, out, &n, why, whylen) < 0) {
			e->p = mark;
			return -1;
		}
		if (!verify(d, in, out, n, &pl, guest_access))
			continue;
		if (pl.swap_hi >= 0 && pl.sub_r8) {
			/* R8B = the high byte, the instruction on R8B, the high byte =
			 * R8B; flags kept around the shifts with PUSHFQ/POPFQ. */
			unsigned fam = (unsigned)pl.swap_hi;
			emit_pushfq(e);
			emit_mov_reg_reg32(e, HR_R8, fam);
			static const uint8_t shr8[] = { 0x41, 0xc1, 0xe8, 0x08 };   /* shr r8d, 8 */
			emit_bytes(e, shr8, sizeof shr8);
			emit_popfq(e);
			emit_bytes(e, out, n);
			emit_pushfq(e);
			const uint8_t back[] = {
				0x81, (uint8_t)(0xe0 | fam), 0xff, 0x00, 0xff, 0xff,   /* and e?x, 0xffff00ff */
				0x45, 0x0f, 0xb6, 0xc8,                                /* movzx r9d, r8b */
				0x41, 0xc1, 0xe1, 0x08,                                /* shl r9d, 8 */
				0x44, 0x09, (uint8_t)(0xc8 | fam),                     /* or e?x, r9d */
			};
			emit_bytes(e, back, sizeof back);
			emit_popfq(e);
		} else if (pl.swap_hi >= 0) {
			uint8_t x = (uint8_t)(0xc0 | ((4 + pl.swap_hi) << 3) | pl.swap_hi);  /* xchg lo8, hi8 */
			emit_u8(e, 0x86);
			emit_u8(e, x);
			emit_bytes(e, out, n);
			emit_u8(e, 0x86);
			emit_u8(e, x);
			*fixup = (uint8_t)(FIX_SWAP_AX + pl.swap_hi);
		} else {
			emit_bytes(e, out, n);
		}
		return 0;
	}
	e->p = mark;
	snprintf(why, whylen, "no 64-bit re-encoding of '%s' checks out", in->text);
	return -1;
}

int reenc_memop(const struct bt_insn *in, struct emit *e, const uint8_t *pfx, size_t npfx,
		const uint8_t *opc, size_t nopc, unsigned reg, int guest_access,
		char *why, size_t whylen)
{
	uint8_t mb[8];
	unsigned n;
	bool base_r12;

	if (!in->modrm_off || dec_mod(in) == 3) {
		snprintf(why, whylen, "no memory operand");
		return -1;
	}
	if (needs_r9(in) && guest_access) {
		/* The operand becomes gs:[r9d], r9d = EA (+ the segment's base). */
		if (emit_seg_ea_r9(in, e, why, whylen) < 0)
			return -1;
		emit_u8(e, PFX_GS);
		emit_u8(e, PFX_ADDR32);
		emit_bytes(e, pfx, npfx);
		emit_u8(e, (uint8_t)(REX | REX_B | ((reg & 8) ? REX_R : 0)));
		emit_bytes(e, opc, nopc);
		emit_u8(e, (uint8_t)(((reg & 7) << 3) | (HR_R9 & 7)));
		return 0;
	}
	if (memop_bytes(in, reg, mb, &n, &base_r12, why, whylen) < 0)
		return -1;
	if (guest_access) {
		emit_u8(e, PFX_GS);
		emit_u8(e, PFX_ADDR32);
	}
	emit_bytes(e, pfx, npfx);
	uint8_t rex = (uint8_t)(((reg & 8) ? REX_R : 0) | (base_r12 ? REX_B : 0));
	if (rex)
		emit_u8(e, (uint8_t)(REX | rex));
	emit_bytes(e, opc, nopc);
	emit_bytes(e, mb, n);
	return 0;
}

int reenc_lea_r8(const struct bt_insn *in, struct emit *e, char *why, size_t whylen)
{
	static const uint8_t addr32 = PFX_ADDR32, lea = 0x8d;
	if (!in->modrm_off || dec_mod(in) == 3) {
		/* moffs forms (A0-A3): the address is the 32-bit immediate. */
		if (in->opc >= 0xa0 && in->opc <= 0xa3 && in->len >= in->npfx + (in->p67 ? 3u : 5u) && needs_r9(in)) {
			if (emit_seg_ea_r9(in, e, why, whylen) < 0)
				return -1;
			emit_mov_reg_reg32(e, HR_R8, HR_R9);
			return 0;
		}
		if (in->opc >= 0xa0 && in->opc <= 0xa3 && in->len >= in->npfx + 5u) {
			uint32_t a;
			memcpy(&a, in->bytes + in->npfx + 1, 4);
			emit_mov_reg_imm32(e, HR_R8, a);
			return 0;
		}
		snprintf(why, whylen, "no memory operand");
		return -1;
	}
	if (needs_r9(in)) {
		if (emit_seg_ea_r9(in, e, why, whylen) < 0)
			return -1;
		emit_mov_reg_reg32(e, HR_R8, HR_R9);
		return 0;
	}
	return reenc_memop(in, e, &addr32, 1, &lea, 1, HR_R8, 0, why, whylen);
}
