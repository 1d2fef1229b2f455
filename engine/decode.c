/* Guest instruction decoding (see decode.h). */
#include "engine/decode.h"

#include <stdio.h>
#include <string.h>

#include "monitor/vcpu.h"

int dec_init(struct dec *d)
{
	memset(d, 0, sizeof *d);
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &d->cs32) != CS_ERR_OK)
		return -1;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &d->cs64) != CS_ERR_OK) {
		cs_close(&d->cs32);
		return -1;
	}
	cs_option(d->cs32, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(d->cs64, CS_OPT_DETAIL, CS_OPT_ON);
	d->scratch32 = cs_malloc(d->cs32);
	d->scratch64 = cs_malloc(d->cs64);
	if (!d->scratch32 || !d->scratch64) {
		dec_destroy(d);
		return -1;
	}
	return 0;
}

void dec_destroy(struct dec *d)
{
	if (d->scratch32)
		cs_free(d->scratch32, 1);
	if (d->scratch64)
		cs_free(d->scratch64, 1);
	if (d->cs32)
		cs_close(&d->cs32);
	if (d->cs64)
		cs_close(&d->cs64);
	memset(d, 0, sizeof *d);
}

static bool dec_is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:  /* segments */
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:             /* size, lock, rep */
		return true;
	}
	return false;
}

int dec_insn(struct dec *d, const uint8_t *code, size_t avail, uint32_t eip, struct bt_insn *in)
{
	const uint8_t *p = code;
	uint64_t addr = eip;
	size_t n = avail > DEC_MAX_LEN ? DEC_MAX_LEN : avail;
	cs_insn *ci = d->scratch32;

	memset(in, 0, sizeof *in);
	in->eip = eip;
	in->mem_op = -1;
	if (!cs_disasm_iter(d->cs32, &p, &n, &addr, ci))
		return -1;
	in->len = (uint8_t)ci->size;
	memcpy(in->bytes, code, in->len);
	in->id = ci->id;
	snprintf(in->text, sizeof in->text, "%.31s%s%.60s", ci->mnemonic, ci->op_str[0] ? " " : "", ci->op_str);
	in->x86 = ci->detail->x86;
	in->nregs_read = ci->detail->regs_read_count;
	in->nregs_write = ci->detail->regs_write_count;
	memcpy(in->regs_read, ci->detail->regs_read, sizeof in->regs_read);
	memcpy(in->regs_write, ci->detail->regs_write, sizeof in->regs_write);
	in->ngroups = ci->detail->groups_count > 8 ? 8 : ci->detail->groups_count;
	memcpy(in->groups, ci->detail->groups, in->ngroups);

	/* Legacy prefixes: our own scan, since we re-emit them byte by byte. */
	while (in->npfx < in->len && dec_is_legacy_prefix(in->bytes[in->npfx])) {
		uint8_t b = in->bytes[in->npfx++];
		switch (b) {
		case 0x66: in->p66 = true; break;
		case 0x67: in->p67 = true; break;
		case 0xf0: in->lock = true; break;
		case 0xf2: in->repne = true; in->rep = false; break;
		case 0xf3: in->rep = true; in->repne = false; break;
		default: in->seg = b; break;
		}
	}
	if (in->npfx >= in->len)
		return -1;
	in->opc = in->bytes[in->npfx];
	if (in->opc == 0x0f && in->npfx + 1 < in->len)
		in->opc2 = in->bytes[in->npfx + 1];
	in->modrm_off = in->x86.encoding.modrm_offset;
	in->disp_off = in->x86.encoding.disp_offset;
	in->disp_size = in->x86.encoding.disp_size;
	in->imm_off = in->x86.encoding.imm_offset;
	in->imm_size = in->x86.encoding.imm_size;
	if (in->modrm_off && (in->modrm_off <= in->npfx || in->modrm_off >= in->len))
		return -1;   /* Capstone's offsets must agree with our prefix scan */
	for (int i = 0; i < in->x86.op_count; i++)
		if (in->x86.operands[i].type == X86_OP_MEM)
			in->mem_op = i;
	return 0;
}

const cs_insn *dec_host(struct dec *d, const uint8_t *code, size_t len)
{
	const uint8_t *p = code;
	size_t n = len;
	uint64_t addr = 0;
	if (!cs_disasm_iter(d->cs64, &p, &n, &addr, d->scratch64))
		return NULL;
	return d->scratch64;
}

bool dec_is_esp(unsigned r)
{
	return r == X86_REG_ESP || r == X86_REG_SP;
}

int dec_seg_index(unsigned r)
{
	switch (r) {
	case X86_REG_ES: return S_ES;
	case X86_REG_CS: return S_CS;
	case X86_REG_SS: return S_SS;
	case X86_REG_DS: return S_DS;
	case X86_REG_FS: return S_FS;
	case X86_REG_GS: return S_GS;
	}
	return -1;
}

bool dec_is_high8(unsigned r)
{
	return r == X86_REG_AH || r == X86_REG_CH || r == X86_REG_DH || r == X86_REG_BH;
}

bool dec_uses_reg(const struct bt_insn *in, unsigned r)
{
	for (int i = 0; i < in->nregs_read; i++)
		if (in->regs_read[i] == r)
			return true;
	for (int i = 0; i < in->nregs_write; i++)
		if (in->regs_write[i] == r)
			return true;
	for (int i = 0; i < in->x86.op_count; i++) {
		const cs_x86_op *op = &in->x86.operands[i];
		if (op->type == X86_OP_REG && op->reg == r)
			return true;
		if (op->type == X86_OP_MEM && (op->mem.base == r || op->mem.index == r))
			return true;
	}
	return false;
}

enum dec_unit dec_unit(const struct bt_insn *in)
{
	enum dec_unit u = UNIT_NONE;
	/* PAUSE (a NOP before SSE2), the fences, CLFLUSH, MOVNTI and the
	 * prefetches touch no x87/SSE state: CR0.EM/TS and CR4.OSFXSR do not
	 * apply to them, whatever group Capstone files them under. */
	switch (in->id) {
	case X86_INS_PAUSE: case X86_INS_LFENCE: case X86_INS_MFENCE: case X86_INS_SFENCE:
	case X86_INS_CLFLUSH: case X86_INS_MOVNTI: case X86_INS_PREFETCHNTA: case X86_INS_PREFETCHT0:
	case X86_INS_PREFETCHT1: case X86_INS_PREFETCHT2:
		return UNIT_NONE;
	default:
		break;
	}
	for (int i = 0; i < in->ngroups; i++) {
		switch (in->groups[i]) {
		case X86_GRP_FPU: if (u == UNIT_NONE) u = UNIT_X87; break;
		case X86_GRP_MMX: case X86_GRP_3DNOW: if (u != UNIT_SSE) u = UNIT_MMX; break;
		case X86_GRP_SSE1: case X86_GRP_SSE2: case X86_GRP_SSE3: case X86_GRP_SSSE3:
		case X86_GRP_SSE41: case X86_GRP_SSE42: case X86_GRP_SSE4A:
			u = UNIT_SSE;
			break;
		}
	}
	/* MMX-register forms of SSE instructions still need SSE enabled; an x87
	 * opcode (D8-DF) is x87 whatever the groups say. */
	if (u == UNIT_NONE && in->opc >= 0xd8 && in->opc <= 0xdf && in->modrm_off)
		u = UNIT_X87;
	return u;
}

unsigned dec_hint_nop_len(const uint8_t *code, size_t avail)
{
	size_t p = 0;
	while (p < avail && p < DEC_MAX_LEN && dec_is_legacy_prefix(code[p]))
		p++;
	if (p + 3 > avail || code[p] != 0x0f)
		return 0;
	uint8_t op = code[p + 1];
	if (!(op == 0x0d || (op >= 0x18 && op <= 0x1f)))
		return 0;
	uint8_t modrm = code[p + 2];
	unsigned mod = modrm >> 6, rm = modrm & 7;
	size_t len = p + 3;
	if (mod != 3) {
		if (rm == 4) {
			if (len >= avail)
				return 0;
			uint8_t sib = code[len++];
			if (mod == 0 && (sib & 7) == 5)
				len += 4;
		}
		if (mod == 1)
			len += 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			len += 4;
	} else if (op == 0x0d) {
		return 0;   /* PREFETCH has a memory operand */
	}
	return len <= avail && len <= DEC_MAX_LEN ? (unsigned)len : 0;
}
