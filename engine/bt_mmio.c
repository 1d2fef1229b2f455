/* Guest memory accesses that fault because their page is not RAM (the VGA
 * window, other MMIO, nothing): the fault handler gives a precise state at
 * the instruction, and this emulates it against the machine's buses, then
 * translated code goes on after it. Covers the forms that reach device
 * memory in practice: MOV to and from registers and immediates (including
 * the moffs forms), MOVZX/MOVSX, and STOS/MOVS with or without REP. Anything
 * else stops the guest with a message naming it. */
#include "engine/bt.h"

#include <stdio.h>
#include <string.h>

uint32_t bt_insn_ea(const struct bt_ctx *ctx, const struct bt_insn *in)
{
	const cs_x86_op *m = &in->x86.operands[in->mem_op];
	uint32_t ea = (uint32_t)m->mem.disp;
	if (m->mem.base != X86_REG_INVALID)
		ea += bt_reg_read(ctx, m->mem.base);
	if (m->mem.index != X86_REG_INVALID)
		ea += bt_reg_read(ctx, m->mem.index) * (uint32_t)m->mem.scale;
	if (in->seg == 0x64)
		ea += ctx->arch.seg[S_FS].base;
	else if (in->seg == 0x65)
		ea += ctx->arch.seg[S_GS].base;
	return ea;
}

static int bt_mmio_string(struct emu *em, struct bt_ctx *ctx, const struct bt_insn *in)
{
	unsigned size = (in->opc & 1) ? (in->p66 ? 2 : 4) : 1;
	bool movs = in->opc == 0xa4 || in->opc == 0xa5;
	int step = (ctx->arch.eflags & EFLAGS_DF) ? -(int)size : (int)size;
	bool rep = in->rep || in->repne;
	uint32_t *r = ctx->arch.gpr;

	while (!rep || r[R_ECX]) {
		uint32_t v = r[R_EAX];
		if (movs && emu_read(em, r[R_ESI], &v, size) < 0)
			return -1;
		if (emu_write(em, r[R_EDI], &v, size) < 0)
			return -1;
		if (movs)
			r[R_ESI] += (uint32_t)step;
		r[R_EDI] += (uint32_t)step;
		if (!rep)
			break;
		r[R_ECX]--;
	}
	return 0;
}

int bt_mmio_emulate(struct bt_engine *be, const struct bt_insn *in, struct emu *fault, char *why, size_t whylen)
{
	struct bt_ctx *ctx = be->ctx;
	struct emu em = { .m = be->base.m, .st = &ctx->arch };
	uint8_t op = in->opc == 0x0f ? in->opc2 : in->opc;
	bool two = in->opc == 0x0f;

	if (!two && (op == 0xa4 || op == 0xa5 || op == 0xaa || op == 0xab) && !in->modrm_off) {
		if (in->p67)
			goto unsupported;
		if (bt_mmio_string(&em, ctx, in) < 0)
			goto guest_fault;
		goto done;
	}
	if (in->mem_op < 0 || in->p67 || in->lock)
		goto unsupported;
	uint32_t ea = bt_insn_ea(ctx, in);
	const cs_x86_op *d = &in->x86.operands[0], *s = &in->x86.operands[1];
	uint32_t v = 0;
	if (!two && (op == 0x88 || op == 0x89 || op == 0xa2 || op == 0xa3 || op == 0xc6 || op == 0xc7)) {
		/* store: mov r/m, reg|imm */
		v = s->type == X86_OP_IMM ? (uint32_t)s->imm : bt_reg_read(ctx, s->reg);
		if (emu_write(&em, ea, &v, d->size) < 0)
			goto guest_fault;
	} else if (!two && (op == 0x8a || op == 0x8b || op == 0xa0 || op == 0xa1)) {
		if (emu_read(&em, ea, &v, s->size) < 0)
			goto guest_fault;
		bt_reg_write(ctx, d->reg, v);
	} else if (two && (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf)) {
		if (emu_read(&em, ea, &v, s->size) < 0)
			goto guest_fault;
		if (op == 0xbe)
			v = (uint32_t)(int32_t)(int8_t)v;
		else if (op == 0xbf)
			v = (uint32_t)(int32_t)(int16_t)v;
		bt_reg_write(ctx, d->reg, v);
	} else {
		goto unsupported;
	}
done:
	ctx->arch.eip = in->eip + in->len;
	evlog_add(&be->base.m->events, EV_IO, in->eip, -1, "emulated MMIO access '%s'", in->text);
	return 0;
guest_fault:   /* a #PF (paging) or #GP: the guest's, at the instruction */
	*fault = em;
	return 1;
unsupported:
	snprintf(why, whylen, "'%s' on memory that is not RAM is not emulated by bt yet", in->text);
	return -1;
}
