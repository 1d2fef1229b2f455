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

/* How many elements of size from addr on, in the direction of df, stay in
 * addr's page (0 if the first one already crosses into the next). */
uint32_t bt_mmio_in_page(uint32_t addr, unsigned size, bool df)
{
	uint32_t off = addr & 0xfffu;
	if (off + size > 0x1000u)
		return 0;
	return df ? off / size + 1 : (0x1000u - off) / size;
}

/* STOS/MOVS, with or without REP. Runs in RAM go a page at a time in host
 * memory (a memset or memmove proven guilty of reaching the VGA window once
 * is called for all of a kernel's RAM too); device memory and elements
 * crossing pages go one element at a time through the buses. *mmio tells
 * whether any did reach a device. */
static int bt_mmio_string(struct emu *em, struct bt_ctx *ctx, const struct bt_insn *in, bool *mmio)
{
	unsigned size = (in->opc & 1) ? (in->p66 ? 2 : 4) : 1;
	bool movs = in->opc == 0xa4 || in->opc == 0xa5;
	bool df = (ctx->arch.eflags & EFLAGS_DF) != 0;
	int step = df ? -(int)size : (int)size;
	bool rep = in->rep || in->repne;
	uint32_t *r = ctx->arch.gpr;

	while (!rep || r[R_ECX]) {
		uint32_t n = bt_mmio_in_page(r[R_EDI], size, df);
		if (movs) {
			uint32_t ns = bt_mmio_in_page(r[R_ESI], size, df);
			n = ns < n ? ns : n;
		}
		if (!rep)
			n = n ? 1 : 0;
		else if (n > r[R_ECX])
			n = r[R_ECX];
		uint8_t *src = NULL, *dst = NULL;
		if (n) {
			uint32_t back = df ? (n - 1) * size : 0;
			if (movs && emu_ram_span(em, r[R_ESI] - back, n * size, false, &src) < 0)
				return -1;
			if ((!movs || src) && emu_ram_span(em, r[R_EDI] - back, n * size, true, &dst) < 0)
				return -1;
		}
		if (dst && (!movs || src)) {
			/* Element by element in the instruction's order, so that
			 * overlapping MOVS runs copy as the CPU's do. */
			for (uint32_t k = 0; k < n; k++) {
				size_t at = (df ? n - 1 - k : k) * size;
				memcpy(dst + at, movs ? src + at : (const uint8_t *)&r[R_EAX], size);
			}
		} else {
			n = 1;
			uint32_t v = r[R_EAX];
			if (movs && emu_read(em, r[R_ESI], &v, size) < 0)
				return -1;
			if (emu_write(em, r[R_EDI], &v, size) < 0)
				return -1;
			*mmio = true;
		}
		if (movs)
			r[R_ESI] += (uint32_t)step * n;
		r[R_EDI] += (uint32_t)step * n;
		if (!rep)
			break;
		r[R_ECX] -= n;
	}
	return 0;
}

/* A MOV-form access: in host memory if it is plain RAM in one page. */
static int bt_mmio_access(struct emu *em, uint32_t ea, void *v, unsigned size, bool write, bool *mmio)
{
	uint8_t *host;
	if (emu_ram_span(em, ea, size, write, &host) < 0)
		return -1;
	if (host) {
		if (write)
			memcpy(host, v, size);
		else
			memcpy(v, host, size);
		return 0;
	}
	*mmio = true;
	return write ? emu_write(em, ea, v, size) : emu_read(em, ea, v, size);
}

int bt_mmio_emulate(struct bt_engine *be, const struct bt_insn *in, struct emu *fault, char *why, size_t whylen)
{
	struct bt_ctx *ctx = be->ctx;
	struct emu em = { .m = be->base.m, .st = &ctx->arch, .tlb = be->co_tlb, .tlb_gen = be->tlb_gen };
	uint8_t op = in->opc == 0x0f ? in->opc2 : in->opc;
	bool two = in->opc == 0x0f, mmio = false;

	if (!two && (op == 0xa4 || op == 0xa5 || op == 0xaa || op == 0xab) && !in->modrm_off) {
		if (in->p67)
			goto unsupported;
		if (bt_mmio_string(&em, ctx, in, &mmio) < 0)
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
		if (bt_mmio_access(&em, ea, &v, d->size, true, &mmio) < 0)
			goto guest_fault;
	} else if (!two && (op == 0x8a || op == 0x8b || op == 0xa0 || op == 0xa1)) {
		if (bt_mmio_access(&em, ea, &v, s->size, false, &mmio) < 0)
			goto guest_fault;
		bt_reg_write(ctx, d->reg, v);
	} else if (two && (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf)) {
		if (bt_mmio_access(&em, ea, &v, s->size, false, &mmio) < 0)
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
	be->mmio_touched = mmio;
	return 0;
guest_fault:   /* a #PF (paging) or #GP: the guest's, at the instruction */
	*fault = em;
	return 1;
unsupported:
	snprintf(why, whylen, "'%s' on memory that is not RAM is not emulated by bt yet", in->text);
	return -1;
}
