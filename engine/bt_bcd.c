/* The decimal-adjust instructions and SALC, which 64-bit mode lacks, as one
 * callout emulating them on the saved guest state (Intel SDM vol. 2, DAA DAS
 * AAA AAS AAM AAD; flags the manual leaves undefined are left unchanged). */
#include "engine/bt.h"

static uint32_t bt_szp(uint8_t v)
{
	uint32_t f = 0;
	if (v == 0)
		f |= EFLAGS_ZF;
	if (v & 0x80)
		f |= EFLAGS_SF;
	if (!__builtin_parity(v))
		f |= EFLAGS_PF;
	return f;
}

int bt_bcd_callout(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	uint32_t *eax = &ctx->arch.gpr[R_EAX], *fl = &ctx->arch.eflags;
	uint8_t al = (uint8_t)*eax, ah = (uint8_t)(*eax >> 8);
	bool cf = *fl & EFLAGS_CF, af = *fl & EFLAGS_AF;
	uint32_t imm = co->insn.x86.op_count ? (uint32_t)co->insn.x86.operands[0].imm & 0xff : 10;
	uint32_t szp_mask = EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF;

	switch (co->insn.id) {
	case X86_INS_DAA: {
		uint8_t old = al;
		bool ncf = false;
		if ((al & 0xf) > 9 || af) {
			ncf = cf || al > 0xf9;
			al = (uint8_t)(al + 6);
			af = true;
		} else {
			af = false;
		}
		if (old > 0x99 || cf) {
			al = (uint8_t)(al + 0x60);
			ncf = true;
		} else {
			ncf = false;
		}
		cf = ncf;
		*fl = (*fl & ~szp_mask) | bt_szp(al);
		break;
	}
	case X86_INS_DAS: {
		uint8_t old = al;
		bool ncf = false;
		if ((al & 0xf) > 9 || af) {
			ncf = cf || al < 6;
			al = (uint8_t)(al - 6);
			af = true;
		} else {
			af = false;
		}
		if (old > 0x99 || cf) {
			al = (uint8_t)(al - 0x60);
			ncf = true;
		}
		cf = ncf;
		*fl = (*fl & ~szp_mask) | bt_szp(al);
		break;
	}
	case X86_INS_AAA:
		if ((al & 0xf) > 9 || af) {
			uint16_t ax = (uint16_t)((ah << 8 | al) + 0x106);
			al = (uint8_t)ax;
			ah = (uint8_t)(ax >> 8);
			af = cf = true;
		} else {
			af = cf = false;
		}
		al &= 0xf;
		break;
	case X86_INS_AAS:
		if ((al & 0xf) > 9 || af) {
			uint16_t ax = (uint16_t)((ah << 8 | al) - 6);
			al = (uint8_t)ax;
			ah = (uint8_t)((ax >> 8) - 1);
			af = cf = true;
		} else {
			af = cf = false;
		}
		al &= 0xf;
		break;
	case X86_INS_AAM:
		if (imm == 0) {
			bt_guest_exception(be, EXC_DE, false, 0, co->insn.eip, co->insn.text);
			return 1;
		}
		ah = (uint8_t)(al / imm);
		al = (uint8_t)(al % imm);
		*fl = (*fl & ~szp_mask) | bt_szp(al);
		break;
	case X86_INS_AAD:
		al = (uint8_t)(al + ah * imm);
		ah = 0;
		*fl = (*fl & ~szp_mask) | bt_szp(al);
		break;
	default:   /* SALC */
		al = cf ? 0xff : 0;
		break;
	}
	*fl = (*fl & ~(EFLAGS_CF | EFLAGS_AF)) | (cf ? EFLAGS_CF : 0) | (af ? EFLAGS_AF : 0);
	*eax = (*eax & 0xffff0000u) | (uint32_t)ah << 8 | al;
	return 0;
}
