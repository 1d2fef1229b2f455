/* Callouts: the translations of sensitive instructions (and of the few the
 * 64-bit host cannot run) that call an emulation function. The table maps
 * each instruction to its callout; the callouts decode operands from the
 * descriptor and the saved guest registers, call monitor/emulate.c, and say
 * whether translated code may go on (0) or must leave the TC (1). */
#include "engine/bt.h"
#include "monitor/interrupt.h"
#include "monitor/sensitive.h"

#include <stdio.h>
#include <string.h>

/* --- guest registers by Capstone id -------------------------------------- */

static const struct { unsigned reg; uint8_t idx, size, shift; } bt_regs[] = {
	{ X86_REG_EAX, R_EAX, 4, 0 }, { X86_REG_ECX, R_ECX, 4, 0 }, { X86_REG_EDX, R_EDX, 4, 0 },
	{ X86_REG_EBX, R_EBX, 4, 0 }, { X86_REG_ESP, R_ESP, 4, 0 }, { X86_REG_EBP, R_EBP, 4, 0 },
	{ X86_REG_ESI, R_ESI, 4, 0 }, { X86_REG_EDI, R_EDI, 4, 0 },
	{ X86_REG_AX, R_EAX, 2, 0 }, { X86_REG_CX, R_ECX, 2, 0 }, { X86_REG_DX, R_EDX, 2, 0 },
	{ X86_REG_BX, R_EBX, 2, 0 }, { X86_REG_SP, R_ESP, 2, 0 }, { X86_REG_BP, R_EBP, 2, 0 },
	{ X86_REG_SI, R_ESI, 2, 0 }, { X86_REG_DI, R_EDI, 2, 0 },
	{ X86_REG_AL, R_EAX, 1, 0 }, { X86_REG_CL, R_ECX, 1, 0 }, { X86_REG_DL, R_EDX, 1, 0 },
	{ X86_REG_BL, R_EBX, 1, 0 }, { X86_REG_AH, R_EAX, 1, 8 }, { X86_REG_CH, R_ECX, 1, 8 },
	{ X86_REG_DH, R_EDX, 1, 8 }, { X86_REG_BH, R_EBX, 1, 8 },
};

static int bt_reg_find(unsigned reg)
{
	for (size_t i = 0; i < sizeof bt_regs / sizeof bt_regs[0]; i++)
		if (bt_regs[i].reg == reg)
			return (int)i;
	return -1;
}

unsigned bt_reg_size(unsigned reg)
{
	int i = bt_reg_find(reg);
	return i < 0 ? 0 : bt_regs[i].size;
}

uint32_t bt_reg_read(const struct bt_ctx *ctx, unsigned reg)
{
	int i = bt_reg_find(reg);
	if (i < 0)
		return 0;
	uint32_t v = ctx->arch.gpr[bt_regs[i].idx] >> bt_regs[i].shift;
	return bt_regs[i].size == 4 ? v : v & ((1u << (8 * bt_regs[i].size)) - 1);
}

void bt_reg_write(struct bt_ctx *ctx, unsigned reg, uint32_t v)
{
	int i = bt_reg_find(reg);
	if (i < 0)
		return;
	uint32_t *g = &ctx->arch.gpr[bt_regs[i].idx];
	if (bt_regs[i].size == 4) {
		*g = v;
		return;
	}
	uint32_t mask = ((1u << (8 * bt_regs[i].size)) - 1) << bt_regs[i].shift;
	*g = (*g & ~mask) | ((v << bt_regs[i].shift) & mask);
}

/* --- helpers --------------------------------------------------------------- */

static struct emu bt_emu(struct bt_engine *be, struct bt_ctx *ctx)
{
	return (struct emu){ .m = be->base.m, .st = &ctx->arch, .tlb = be->co_tlb, .tlb_gen = be->tlb_gen };
}

static const cs_x86_op *op(const struct bt_callout *co, int i)
{
	return &co->insn.x86.operands[i];
}

/* Read a 16/32-bit operand (register, memory at the callout's EA, immediate). */
static int bt_operand_read(struct emu *em, struct bt_ctx *ctx, const cs_x86_op *o, uint32_t *v)
{
	*v = 0;
	switch (o->type) {
	case X86_OP_REG: *v = bt_reg_read(ctx, o->reg); return 0;
	case X86_OP_IMM: *v = (uint32_t)o->imm; return 0;
	case X86_OP_MEM: return emu_read(em, ctx->callout_ea, v, o->size);
	default: return -1;
	}
}

static int bt_operand_write(struct emu *em, struct bt_ctx *ctx, const cs_x86_op *o, uint32_t v)
{
	if (o->type == X86_OP_REG) {
		bt_reg_write(ctx, o->reg, v);
		return 0;
	}
	if (o->type == X86_OP_MEM)
		return emu_write(em, ctx->callout_ea, &v, o->size > 4 ? 4 : o->size);
	return -1;
}

/* CCFs assume flat CS/DS/ES/SS; anything else must stop, never run wrong. */
static bool bt_flat(const struct vcpu_seg *s)
{
	return s->base == 0 && s->limit == 0xffffffffu;
}

static int bt_finish(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co,
		     enum emu_result r, struct emu *em)
{
	const struct bt_insn *in = &co->insn;
	switch (r) {
	case EMU_NEXT:
		return 0;
	case EMU_JUMP:
		return 1;
	case EMU_FAULT:
		bt_guest_exception(be, em->vector, em->has_error, em->error_code, in->eip, in->text);
		return 1;
	case EMU_HALT:
		ctx->arch.eip = in->eip + in->len;
		if (!(ctx->arch.eflags & EFLAGS_IF))
			bt_set_pending(be, STOP_HALT, in->eip,
				       "guest halted with interrupts disabled at EIP 0x%08x", in->eip);
		else
			be->loop.halted = true;   /* the dispatcher sleeps until an interrupt */
		return 1;
	case EMU_STOP:
		ctx->arch.eip = in->eip;
		bt_set_pending(be, STOP_ERROR, in->eip, "%s at EIP 0x%08x", em->msg, in->eip);
		return 1;
	}
	return 1;
}

/* --- the callouts ----------------------------------------------------------- */

/* Each is a bt_callout_fn (engine/translate.h): be the engine, ctx the vCPU
 * context with the guest registers saved (a memory operand's address in
 * ctx->callout_ea), co the descriptor with the instruction; it returns 0 to
 * go on in the TC, 1 to leave it. */

/* The callouts that only call one emulation function. */
static int co_emu(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co, enum emu_result (*f)(struct emu *))
{
	struct emu em = bt_emu(be, ctx);
	return bt_finish(be, ctx, co, f(&em), &em);
}

static int co_cli(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_cli); }

static int co_sti(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	enum emu_result r = emu_sti(&em);
	if (r == EMU_NEXT)
		ctx->shadow_eip = co->insn.eip + co->insn.len;   /* interrupts wait one instruction */
	return bt_finish(be, ctx, co, r, &em);
}

static int co_hlt(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_hlt); }
static int co_cpuid(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_cpuid); }
static int co_rdtsc(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_rdtsc); }
static int co_privnop(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_privileged_nop); }

/* INVLPG: drop the page from the paged window and its translations; leave,
 * as the CCF running it may be among them. */
static int co_invlpg(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	enum emu_result r = emu_privileged_nop(&em);
	if (r != EMU_NEXT || !be->win.paging)
		return bt_finish(be, ctx, co, r, &em);
	bt_paging_invlpg(be, ctx->callout_ea);
	ctx->arch.eip = co->insn.eip + co->insn.len;
	return 1;
}

static int co_clts(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	enum emu_result r = emu_privileged_nop(&em);
	if (r == EMU_NEXT && (ctx->arch.cr0 & CR0_TS)) {
		ctx->arch.cr0 &= ~CR0_TS;
		be->flush_pending = true;   /* x87/SSE were translated as #NM */
		ctx->arch.eip = co->insn.eip + co->insn.len;
		return 1;
	}
	return bt_finish(be, ctx, co, r, &em);
}

static int co_pushf(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	return bt_finish(be, ctx, co, emu_pushf(&em, co->insn.p66 ? 2 : 4), &em);
}

static int co_popf(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	enum emu_result r = emu_popf(&em, co->insn.p66 ? 2 : 4);
	if (r == EMU_NEXT && (ctx->arch.eflags & EFLAGS_TF)) {
		ctx->arch.eip = co->insn.eip + co->insn.len;
		return 1;   /* the dispatcher single-steps from here on */
	}
	return bt_finish(be, ctx, co, r, &em);
}

/* A device asked for a stop during the access (machine_request): the
 * instruction is done, stop after it. */
static bool co_device_stop(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	if (!machine_take_exit(be->base.m, co->insn.eip, &be->pending))
		return false;
	be->has_pending = true;
	ctx->arch.eip = co->insn.eip + co->insn.len;
	return true;
}

static int co_in(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint32_t port = 0, v = 0;
	bt_operand_read(&em, ctx, op(co, 1), &port);
	unsigned size = bt_reg_size(op(co, 0)->reg);
	enum emu_result r = emu_in(&em, (uint16_t)port, size, &v);
	if (r == EMU_NEXT)
		bt_reg_write(ctx, op(co, 0)->reg, v);
	if (r == EMU_NEXT && co_device_stop(be, ctx, co))
		return 1;
	return bt_finish(be, ctx, co, r, &em);
}

static int co_out(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint32_t port = 0, v;
	bt_operand_read(&em, ctx, op(co, 0), &port);
	v = bt_reg_read(ctx, op(co, 1)->reg);
	enum emu_result r = emu_out(&em, (uint16_t)port, bt_reg_size(op(co, 1)->reg), v);
	if (r == EMU_NEXT && co_device_stop(be, ctx, co))
		return 1;
	return bt_finish(be, ctx, co, r, &em);
}

/* INS/OUTS, with or without REP: one element at a time, ECX/ESI/EDI kept
 * consistent so a fault leaves the instruction restartable. */
/* INS/OUTS, with or without REP: the port sees every element; the memory
 * side is translated once per page where it is RAM (IDE sector transfers
 * are REP INSD/OUTSD of 128 dwords). */
static int co_string_io(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	const struct bt_insn *in = &co->insn;
	bool out = in->opc == 0x6e || in->opc == 0x6f;
	unsigned size = (in->opc & 1) ? (in->p66 ? 2 : 4) : 1;
	bool rep = in->rep || in->repne;
	bool df = (ctx->arch.eflags & EFLAGS_DF) != 0;
	uint16_t port = (uint16_t)ctx->arch.gpr[R_EDX];
	int step = df ? -(int)size : (int)size;
	uint32_t *idx = &ctx->arch.gpr[out ? R_ESI : R_EDI];

	while (!rep || ctx->arch.gpr[R_ECX] != 0) {
		uint32_t n = bt_mmio_in_page(*idx, size, df);
		if (!rep && n)
			n = 1;
		else if (n > ctx->arch.gpr[R_ECX])
			n = ctx->arch.gpr[R_ECX];
		uint8_t *host = NULL;
		uint32_t back = df && n ? (n - 1) * size : 0;
		if (n && emu_ram_span(&em, *idx - back, n * size, !out, &host) < 0)
			return bt_finish(be, ctx, co, EMU_FAULT, &em);
		if (!host)
			n = 1;
		for (uint32_t k = 0; k < n; k++) {
			uint8_t *p = host ? host + (df ? n - 1 - k : k) * size : NULL;
			uint32_t v = 0;
			enum emu_result r;
			if (out) {
				if (p)
					memcpy(&v, p, size);
				else if (emu_read(&em, *idx, &v, size) < 0)
					return bt_finish(be, ctx, co, EMU_FAULT, &em);
				r = emu_out(&em, port, size, v);
			} else {
				r = emu_in(&em, port, size, &v);
				if (r == EMU_NEXT && p)
					memcpy(p, &v, size);
				else if (r == EMU_NEXT && emu_write(&em, *idx, &v, size) < 0)
					return bt_finish(be, ctx, co, EMU_FAULT, &em);
			}
			if (r != EMU_NEXT)
				return bt_finish(be, ctx, co, r, &em);
			*idx += (uint32_t)step;
			if (rep)
				ctx->arch.gpr[R_ECX]--;
			if (atomic_load(&be->base.m->exit_pending)) {
				/* A device asked for a stop: after the instruction if it is
				 * done, else between elements (it restarts from here). */
				bool done = !rep || ctx->arch.gpr[R_ECX] == 0;
				if (machine_take_exit(be->base.m, co->insn.eip, &be->pending)) {
					be->has_pending = true;
					ctx->arch.eip = co->insn.eip + (done ? co->insn.len : 0);
					return 1;
				}
			}
		}
		if (!rep)
			break;
	}
	return 0;
}

static int co_dtr(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	bool idt = co->insn.id == X86_INS_LIDT || co->insn.id == X86_INS_SIDT;
	bool load = co->insn.id == X86_INS_LGDT || co->insn.id == X86_INS_LIDT;
	enum emu_result r = load ? emu_lgdt(&em, ctx->callout_ea, idt) : emu_sgdt(&em, ctx->callout_ea, idt);
	return bt_finish(be, ctx, co, r, &em);
}

static int co_ltr_lldt(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint32_t sel;
	if (bt_operand_read(&em, ctx, op(co, 0), &sel) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	enum emu_result r = co->insn.id == X86_INS_LTR ? emu_ltr(&em, (uint16_t)sel) : emu_lldt(&em, (uint16_t)sel);
	return bt_finish(be, ctx, co, r, &em);
}

/* STR, SLDT, SMSW: not privileged; a register destination gets the value
 * zero-extended (SMSW: all of CR0), memory gets 16 bits. */
static int co_store_sys(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint32_t v;
	switch (co->insn.id) {
	case X86_INS_STR: v = ctx->arch.tr.sel; break;
	case X86_INS_SLDT: v = ctx->arch.ldtr.sel; break;
	default: v = ctx->arch.cr0; break;
	}
	const cs_x86_op *o = op(co, 0);
	if (o->type == X86_OP_MEM || bt_reg_size(o->reg) == 2)
		v &= 0xffff;
	if (bt_operand_write(&em, ctx, o, v) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	return 0;
}

static int co_lmsw(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint32_t v;
	if (bt_operand_read(&em, ctx, op(co, 0), &v) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	return bt_finish(be, ctx, co, emu_lmsw(&em, (uint16_t)v), &em);
}

static int bt_cr_num(unsigned reg)
{
	if (reg >= X86_REG_CR0 && reg <= X86_REG_CR15)
		return (int)(reg - X86_REG_CR0);
	return -1;
}

static int bt_dr_num(unsigned reg)
{
	if (reg >= X86_REG_DR0 && reg <= X86_REG_DR15)
		return (int)(reg - X86_REG_DR0);
	return -1;
}

/* After a change to CR0 or a segment, check what CCFs assume still holds. */
static int bt_check_assumptions(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	const struct vcpu_state *st = &ctx->arch;
	const char *why = NULL;
	for (int s = 0; s < S_COUNT && !why; s++) {
		if (s == S_FS || s == S_GS || !(st->seg[s].attr & SEG_P))
			continue;
		if (!bt_flat(&st->seg[s]))
			why = "the guest loaded a non-flat code, data or stack segment, which bt does not support yet";
	}
	if (!why)
		return 0;
	ctx->arch.eip = co->insn.eip + co->insn.len;
	bt_set_pending(be, STOP_ERROR, co->insn.eip, "%s ('%s' at EIP 0x%08x)", why, co->insn.text, co->insn.eip);
	return 1;
}

static int co_mov_special(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	const cs_x86_op *dst = op(co, 0), *src = op(co, 1);
	enum emu_result r;
	int crd = bt_cr_num(dst->reg), crs = bt_cr_num(src->reg);
	int drd = bt_dr_num(dst->reg), drs = bt_dr_num(src->reg);

	if (crd >= 0) {
		uint32_t cr0 = ctx->arch.cr0, cr4 = ctx->arch.cr4;
		r = emu_mov_to_cr(&em, crd, bt_reg_read(ctx, src->reg));
		/* CCFs were translated for the old CR0.EM/TS/MP and CR4.OSFXSR. */
		if (r == EMU_NEXT && (((cr0 ^ ctx->arch.cr0) & (CR0_EM | CR0_TS | CR0_MP)) ||
				      ((cr4 ^ ctx->arch.cr4) & 0x600)))
			be->flush_pending = true;
		if (r == EMU_NEXT && crd == 3)
			be->cr3_written = true;   /* flushes the TLB even if CR3 keeps its value */
		if (r == EMU_NEXT) {
			/* A CR write may change what translations assume: always leave. */
			if (!bt_check_assumptions(be, ctx, co))
				ctx->arch.eip = co->insn.eip + co->insn.len;
			return 1;
		}
	} else if (crs >= 0) {
		uint32_t v = 0;
		r = emu_mov_from_cr(&em, crs, &v);
		if (r == EMU_NEXT)
			bt_reg_write(ctx, dst->reg, v);
	} else if (drd >= 0 || drs >= 0) {
		r = emu_privileged_nop(&em);
		if (r == EMU_NEXT) {
			if (drd >= 0)
				ctx->arch.dr[drd & 7] = bt_reg_read(ctx, src->reg);
			else
				bt_reg_write(ctx, dst->reg, ctx->arch.dr[drs & 7]);
		}
	} else {
		return bt_finish(be, ctx, co, emu_fault(&em, EXC_UD, false, 0), &em);
	}
	return bt_finish(be, ctx, co, r, &em);
}

/* MOV to/from a segment register. Loads end the TU (the CCFs' flat
 * assumption is checked first). */
static int co_mov_seg(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	const cs_x86_op *dst = op(co, 0), *src = op(co, 1);
	int sd = dst->type == X86_OP_REG ? dec_seg_index(dst->reg) : -1;
	if (sd < 0) {
		int ss = dec_seg_index(src->reg);
		if (ss < 0)
			return bt_finish(be, ctx, co, emu_fault(&em, EXC_UD, false, 0), &em);
		uint32_t v = ctx->arch.seg[ss].sel;
		if (bt_operand_write(&em, ctx, dst, dst->type == X86_OP_MEM ? v & 0xffff : v) < 0)
			return bt_finish(be, ctx, co, EMU_FAULT, &em);
		return 0;
	}
	if (sd == S_CS)
		return bt_finish(be, ctx, co, emu_fault(&em, EXC_UD, false, 0), &em);
	uint32_t sel;
	if (bt_operand_read(&em, ctx, src, &sel) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	enum emu_result r = emu_load_seg(&em, sd, (uint16_t)sel);
	if (r == EMU_NEXT)
		return bt_check_assumptions(be, ctx, co);
	return bt_finish(be, ctx, co, r, &em);
}

static int co_push_seg(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	unsigned size = co->insn.p66 ? 2 : 4;
	int seg = dec_seg_index(op(co, 0)->reg);
	uint16_t v = seg < 0 ? 0 : ctx->arch.seg[seg].sel;
	uint32_t sp = ctx->arch.gpr[R_ESP] - size;
	/* Recent CPUs write only the selector's 16 bits even with a 32-bit push. */
	if (emu_write(&em, sp, &v, 2) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	ctx->arch.gpr[R_ESP] = sp;
	return 0;
}

static int co_pop_seg(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	unsigned size = co->insn.p66 ? 2 : 4;
	uint16_t sel;
	if (emu_read(&em, ctx->arch.gpr[R_ESP], &sel, 2) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	enum emu_result r = emu_load_seg(&em, dec_seg_index(op(co, 0)->reg), sel);
	if (r != EMU_NEXT)
		return bt_finish(be, ctx, co, r, &em);
	ctx->arch.gpr[R_ESP] += size;
	return bt_check_assumptions(be, ctx, co);
}

static int co_far_jmp(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint32_t off, sel;
	if (op(co, 0)->type == X86_OP_IMM) {   /* jmp ptr16:32 */
		sel = (uint32_t)op(co, 0)->imm;
		off = (uint32_t)op(co, 1)->imm;
	} else {                               /* jmp m16:32 */
		uint8_t b[6];
		unsigned osz = co->insn.p66 ? 2 : 4;
		if (emu_read(&em, ctx->callout_ea, b, osz + 2) < 0)
			return bt_finish(be, ctx, co, EMU_FAULT, &em);
		off = 0;
		memcpy(&off, b, osz);
		sel = 0;
		memcpy(&sel, b + osz, 2);
	}
	enum emu_result r = emu_far_jmp(&em, (uint16_t)sel, off);
	if (r == EMU_JUMP && bt_check_assumptions(be, ctx, co)) {
		ctx->arch.eip = off;
		return 1;
	}
	return bt_finish(be, ctx, co, r, &em);
}

/* LDS/LES/LSS/LFS/LGS r32, m16:32 */
static int co_load_far_ptr(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	static const struct { unsigned id; int seg; } map[] = {
		{ X86_INS_LDS, S_DS }, { X86_INS_LES, S_ES }, { X86_INS_LSS, S_SS },
		{ X86_INS_LFS, S_FS }, { X86_INS_LGS, S_GS },
	};
	int seg = S_DS;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].id == co->insn.id)
			seg = map[i].seg;
	unsigned osz = bt_reg_size(op(co, 0)->reg);
	uint8_t b[6];
	if (emu_read(&em, ctx->callout_ea, b, osz + 2) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	uint32_t off = 0;
	uint16_t sel;
	memcpy(&off, b, osz);
	memcpy(&sel, b + osz, 2);
	enum emu_result r = emu_load_seg(&em, seg, sel);
	if (r != EMU_NEXT)
		return bt_finish(be, ctx, co, r, &em);
	bt_reg_write(ctx, op(co, 0)->reg, off);
	return bt_check_assumptions(be, ctx, co);
}

static int co_ud(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	return bt_finish(be, ctx, co, emu_fault(&em, EXC_UD, false, 0), &em);
}

/* x87/MMX/SSE with CR0.TS (lazy FPU switching) or CR0.EM set. */
static int co_nm(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	return bt_finish(be, ctx, co, emu_fault(&em, EXC_NM, false, 0), &em);
}

bt_callout_fn *bt_callout_ud(void)
{
	return co_ud;
}

static int co_unsupported(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co);

bt_callout_fn *bt_callout_unsupported(void)
{
	return co_unsupported;
}

/* A memory instruction that kept reaching MMIO, retranslated (adaptive):
 * emulated against the buses every time, RAM or device, with no host fault. */
static int co_mmio(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	char why[160];
	struct emu fe;
	int r = bt_mmio_emulate(be, &co->insn, &fe, why, sizeof why);
	bool acquit = false;
	if (r == 0 && be->mmio_touched)
		co->ram_streak = 0;
	else if (r == 0 && ++co->ram_streak == BT_MMIO_ACQUIT)
		acquit = bt_mmio_acquit(be, co);   /* done from the dispatcher */
	if (r == 0 && machine_take_exit(be->base.m, co->insn.eip, &be->pending)) {
		be->has_pending = true;   /* a device asked for a stop */
		return 1;
	}
	if (r == 0)
		return acquit ? 1 : 0;
	if (r == 1)
		return bt_finish(be, ctx, co, EMU_FAULT, &fe);
	ctx->arch.eip = co->insn.eip;
	bt_set_pending(be, STOP_ERROR, co->insn.eip, "%s at EIP 0x%08x", why, co->insn.eip);
	return 1;
}

bt_callout_fn *bt_callout_mmio(void)
{
	return co_mmio;
}

bt_callout_fn *bt_callout_nm(void)
{
	return co_nm;
}

/* INT1 (ICEBP): a #DB trap without the gate's DPL check. */
static int co_int1(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	evlog_add_data(&be->base.m->events, EV_INTERRUPT, co->insn.eip, (int32_t)co->ccf_id,
		       &(union ev_data){ .interrupt = { .vector = EXC_DB, .soft = true } }, "int1 (#DB)");
	enum emu_result r = emu_deliver(&em, EXC_DB, DELIVER_EXCEPTION, false, 0, co->insn.eip + co->insn.len);
	be->delivered = true;
	return bt_finish(be, ctx, co, r, &em);
}

/* INT n, INT3, INTO: software interrupts through the IDT (a trap: the
 * handler returns after the instruction). */
static int co_int(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	const struct bt_insn *in = &co->insn;
	int vector;
	switch (in->id) {
	case X86_INS_INT3: vector = EXC_BP; break;
	case X86_INS_INTO:
		if (!(ctx->arch.eflags & EFLAGS_OF))
			return 0;
		vector = EXC_OF;
		break;
	default: vector = (int)(in->x86.operands[0].imm & 0xff); break;
	}
	evlog_add_data(&be->base.m->events, EV_INTERRUPT, in->eip, (int32_t)co->ccf_id,
		       &(union ev_data){ .interrupt = { .vector = (uint8_t)vector, .soft = true } },
		       "software interrupt 0x%02x ('%s')", vector, in->text);
	enum emu_result r = emu_deliver(&em, vector, DELIVER_SOFTWARE, false, 0, in->eip + in->len);
	be->delivered = true;   /* no single-step trap after INT n */
	return bt_finish(be, ctx, co, r, &em);
}

static int co_iret(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	return bt_finish(be, ctx, co, emu_iret(&em, co->insn.p66 ? 2 : 4), &em);
}

/* BOUND r32, m32&32: #BR (a fault) when the index is outside [lower, upper]. */
static int co_bound(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	unsigned size = bt_reg_size(op(co, 0)->reg);
	int32_t idx = (int32_t)bt_reg_read(ctx, op(co, 0)->reg), lo = 0, hi = 0;
	if (emu_read(&em, ctx->callout_ea, &lo, size) < 0 || emu_read(&em, ctx->callout_ea + size, &hi, size) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	if (size == 2) {
		idx = (int16_t)idx;
		lo = (int16_t)lo;
		hi = (int16_t)hi;
	}
	if (idx >= lo && idx <= hi)
		return 0;
	return bt_finish(be, ctx, co, emu_fault(&em, EXC_BR, false, 0), &em);
}

/* ARPL r/m16, r16 (0x63 is MOVSXD in 64-bit mode): raise the RPL, set ZF. */
static int co_arpl(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint32_t dst, src = bt_reg_read(ctx, op(co, 1)->reg);
	if (bt_operand_read(&em, ctx, op(co, 0), &dst) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	if ((dst & 3) < (src & 3)) {
		if (bt_operand_write(&em, ctx, op(co, 0), (dst & ~3u) | (src & 3)) < 0)
			return bt_finish(be, ctx, co, EMU_FAULT, &em);
		ctx->arch.eflags |= EFLAGS_ZF;
	} else {
		ctx->arch.eflags &= ~EFLAGS_ZF;
	}
	return 0;
}

static int co_far_call(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	const struct bt_insn *in = &co->insn;
	unsigned osz = in->p66 ? 2 : 4;
	uint32_t off, sel;
	if (op(co, 0)->type == X86_OP_IMM) {
		sel = (uint32_t)op(co, 0)->imm;
		off = (uint32_t)op(co, 1)->imm;
	} else {
		uint8_t b[6];
		if (emu_read(&em, ctx->callout_ea, b, osz + 2) < 0)
			return bt_finish(be, ctx, co, EMU_FAULT, &em);
		off = 0;
		memcpy(&off, b, osz);
		sel = 0;
		memcpy(&sel, b + osz, 2);
	}
	enum emu_result r = emu_far_call(&em, (uint16_t)sel, off, in->eip + in->len, osz);
	if (r == EMU_JUMP && bt_check_assumptions(be, ctx, co)) {
		ctx->arch.eip = off;
		return 1;
	}
	return bt_finish(be, ctx, co, r, &em);
}

static int co_far_ret(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	uint16_t pop = co->insn.x86.op_count ? (uint16_t)co->insn.x86.operands[0].imm : 0;
	enum emu_result r = emu_far_ret(&em, co->insn.p66 ? 2 : 4, pop);
	if (r == EMU_JUMP) {
		uint32_t eip = ctx->arch.eip;
		if (bt_check_assumptions(be, ctx, co)) {
			ctx->arch.eip = eip;
			return 1;
		}
	}
	return bt_finish(be, ctx, co, r, &em);
}

/* LAR LSL VERR VERW: ZF says whether the selector passed the checks. */
static int co_seg_query(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	const struct bt_insn *in = &co->insn;
	bool ok = false;
	uint32_t v = 0, sel;
	const cs_x86_op *src = op(co, (in->id == X86_INS_VERR || in->id == X86_INS_VERW) ? 0 : 1);
	if (bt_operand_read(&em, ctx, src, &sel) < 0)
		return bt_finish(be, ctx, co, EMU_FAULT, &em);
	switch (in->id) {
	case X86_INS_LAR: emu_lar(&em, (uint16_t)sel, &ok, &v); break;
	case X86_INS_LSL: emu_lsl(&em, (uint16_t)sel, &ok, &v); break;
	default: emu_verr(&em, (uint16_t)sel, in->id == X86_INS_VERW, &ok); break;
	}
	if (ok && (in->id == X86_INS_LAR || in->id == X86_INS_LSL))
		bt_reg_write(ctx, op(co, 0)->reg, bt_reg_size(op(co, 0)->reg) == 2 ? v & 0xffff : v);
	ctx->arch.eflags = ok ? (ctx->arch.eflags | EFLAGS_ZF) : (ctx->arch.eflags & ~EFLAGS_ZF);
	return 0;
}

static int co_rdmsr(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_rdmsr); }
/* A device-owned MSR (the APIC base) may ask for a stop: after the WRMSR. */
static int co_wrmsr(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	enum emu_result r = emu_wrmsr(&em);
	if (r == EMU_NEXT && co_device_stop(be, ctx, co))
		return 1;
	return bt_finish(be, ctx, co, r, &em);
}
static int co_sysenter(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_sysenter); }
static int co_sysexit(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co) { return co_emu(be, ctx, co, emu_sysexit); }

static int co_rdtscp(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = bt_emu(be, ctx);
	enum emu_result r = emu_rdtsc(&em);
	if (r == EMU_NEXT)
		ctx->arch.gpr[R_ECX] = 0;   /* TSC_AUX: CPU 0 */
	return bt_finish(be, ctx, co, r, &em);
}

/* Sensitive instructions whose emulation (task switches, the local APIC's
 * MONITOR/MWAIT) bt does not have yet: stop the guest and say so. */
static int co_unsupported(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	ctx->arch.eip = co->insn.eip;
	bt_set_pending(be, STOP_ERROR, co->insn.eip,
		       "unsupported: '%s' at EIP 0x%08x (the CPU model has it; bt86 does not run it)", co->insn.text,
		       co->insn.eip);
	return 1;
}

/* RDPMC: at CPL > 0 without CR4.PCE (which no model lets the guest set)
 * it is #GP(0) on every CPU; at CPL 0 it would read counters bt86 does not
 * model, so the guest stops. */
static int co_rdpmc(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	if (emu_cpl(&ctx->arch) != 0) {
		struct emu em = bt_emu(be, ctx);
		return bt_finish(be, ctx, co, emu_fault(&em, EXC_GP, true, 0), &em);
	}
	return co_unsupported(be, ctx, co);
}

/* --- the table ------------------------------------------------------------ */

struct bt_callout_entry {
	unsigned id;
	bt_callout_fn *fn;
	bool ends;    /* always leaves the TU afterwards */
	int cls;      /* enum sens_class, or -1: not sensitive (64-bit-invalid rewrites) */
};

static const struct bt_callout_entry bt_callouts[] = {
	{ X86_INS_CLI, co_cli, false, SC_IF },
	{ X86_INS_STI, co_sti, true, SC_IF },     /* a newly enabled interrupt must be seen */
	{ X86_INS_PUSHF, co_pushf, false, SC_FLAGS },
	{ X86_INS_PUSHFD, co_pushf, false, SC_FLAGS },
	{ X86_INS_POPF, co_popf, true, SC_FLAGS },
	{ X86_INS_POPFD, co_popf, true, SC_FLAGS },
	{ X86_INS_HLT, co_hlt, true, SC_HLT },
	{ X86_INS_IN, co_in, false, SC_IO },
	{ X86_INS_OUT, co_out, false, SC_IO },
	{ X86_INS_INSB, co_string_io, false, SC_IO }, { X86_INS_INSW, co_string_io, false, SC_IO },
	{ X86_INS_INSD, co_string_io, false, SC_IO }, { X86_INS_OUTSB, co_string_io, false, SC_IO },
	{ X86_INS_OUTSW, co_string_io, false, SC_IO }, { X86_INS_OUTSD, co_string_io, false, SC_IO },
	{ X86_INS_CPUID, co_cpuid, false, SC_CPUID },
	{ X86_INS_RDTSC, co_rdtsc, false, SC_RDTSC },
	{ X86_INS_RDTSCP, co_rdtscp, false, SC_RDTSC },
	{ X86_INS_LGDT, co_dtr, false, SC_SYS_LOAD }, { X86_INS_LIDT, co_dtr, false, SC_SYS_LOAD },
	{ X86_INS_SGDT, co_dtr, false, SC_SYS_STORE }, { X86_INS_SIDT, co_dtr, false, SC_SYS_STORE },
	{ X86_INS_LTR, co_ltr_lldt, false, SC_SYS_LOAD }, { X86_INS_LLDT, co_ltr_lldt, false, SC_SYS_LOAD },
	{ X86_INS_STR, co_store_sys, false, SC_SYS_STORE }, { X86_INS_SLDT, co_store_sys, false, SC_SYS_STORE },
	{ X86_INS_SMSW, co_store_sys, false, SC_SYS_STORE }, { X86_INS_LMSW, co_lmsw, true, SC_SYS_LOAD },
	{ X86_INS_CLTS, co_clts, false, SC_SYS_LOAD },   /* leaves the TU when it clears TS */
	{ X86_INS_WBINVD, co_privnop, false, SC_CACHE }, { X86_INS_INVD, co_privnop, false, SC_CACHE },
	{ X86_INS_INVLPG, co_invlpg, false, SC_CACHE },
	{ X86_INS_LJMP, co_far_jmp, true, SC_FAR },
	{ X86_INS_LCALL, co_far_call, true, SC_FAR }, { X86_INS_RETF, co_far_ret, true, SC_FAR },
	{ X86_INS_LDS, co_load_far_ptr, true, SC_SEG_WRITE }, { X86_INS_LES, co_load_far_ptr, true, SC_SEG_WRITE },
	{ X86_INS_LSS, co_load_far_ptr, true, SC_SEG_WRITE }, { X86_INS_LFS, co_load_far_ptr, true, SC_SEG_WRITE },
	{ X86_INS_LGS, co_load_far_ptr, true, SC_SEG_WRITE },
	{ X86_INS_IRET, co_iret, true, SC_IRET }, { X86_INS_IRETD, co_iret, true, SC_IRET },
	{ X86_INS_INT, co_int, true, SC_INT }, { X86_INS_INT3, co_int, true, SC_INT },
	{ X86_INS_INTO, co_int, true, SC_INT },
	{ X86_INS_LAR, co_seg_query, false, SC_SEG_QUERY }, { X86_INS_LSL, co_seg_query, false, SC_SEG_QUERY },
	{ X86_INS_VERR, co_seg_query, false, SC_SEG_QUERY }, { X86_INS_VERW, co_seg_query, false, SC_SEG_QUERY },
	{ X86_INS_RDMSR, co_rdmsr, false, SC_MSR }, { X86_INS_WRMSR, co_wrmsr, false, SC_MSR },
	{ X86_INS_RDPMC, co_rdpmc, true, SC_MSR },   /* performance counters are not modelled */
	{ X86_INS_SYSENTER, co_sysenter, true, SC_SYSENTER }, { X86_INS_SYSEXIT, co_sysexit, true, SC_SYSENTER },
	{ X86_INS_SYSCALL, co_ud, true, SC_SYSENTER }, { X86_INS_SYSRET, co_ud, true, SC_SYSENTER },
	/* Not sensitive: what 64-bit mode lacks, or what the vCPU does not offer. */
	{ X86_INS_INT1, co_int1, true, -1 },
	{ X86_INS_UD2, co_ud, true, -1 },
	{ X86_INS_BOUND, co_bound, false, -1 }, { X86_INS_ARPL, co_arpl, false, -1 },
	{ X86_INS_DAA, bt_bcd_callout, false, -1 }, { X86_INS_DAS, bt_bcd_callout, false, -1 },
	{ X86_INS_AAA, bt_bcd_callout, false, -1 }, { X86_INS_AAS, bt_bcd_callout, false, -1 },
	{ X86_INS_AAM, bt_bcd_callout, false, -1 }, { X86_INS_AAD, bt_bcd_callout, false, -1 },
	{ X86_INS_SALC, bt_bcd_callout, false, -1 },
	{ X86_INS_MONITOR, co_ud, true, -1 }, { X86_INS_MWAIT, co_ud, true, -1 },   /* no model has MONITOR */
	{ X86_INS_XGETBV, co_ud, true, -1 }, { X86_INS_XSETBV, co_ud, true, -1 },
	{ X86_INS_RSM, co_ud, true, -1 },
};

/* Every handler by name, for tc show (a table: the handlers are few and fixed). */
static const struct {
	bt_callout_fn *fn;
	const char *name;
} bt_callout_names[] = {
#define BT_CO(f) { f, #f }
	BT_CO(co_cli), BT_CO(co_sti), BT_CO(co_hlt), BT_CO(co_cpuid), BT_CO(co_rdtsc), BT_CO(co_rdtscp),
	BT_CO(co_privnop), BT_CO(co_invlpg), BT_CO(co_clts), BT_CO(co_pushf), BT_CO(co_popf), BT_CO(co_in),
	BT_CO(co_out), BT_CO(co_string_io), BT_CO(co_dtr), BT_CO(co_ltr_lldt), BT_CO(co_store_sys),
	BT_CO(co_lmsw), BT_CO(co_mov_special), BT_CO(co_mov_seg), BT_CO(co_push_seg), BT_CO(co_pop_seg),
	BT_CO(co_far_jmp), BT_CO(co_far_call), BT_CO(co_far_ret), BT_CO(co_load_far_ptr), BT_CO(co_ud),
	BT_CO(co_nm), BT_CO(co_mmio), BT_CO(co_int1), BT_CO(co_int), BT_CO(co_iret), BT_CO(co_bound),
	BT_CO(co_arpl), BT_CO(co_seg_query), BT_CO(co_rdmsr), BT_CO(co_wrmsr), BT_CO(co_sysenter),
	BT_CO(co_sysexit), BT_CO(co_unsupported), BT_CO(co_rdpmc), BT_CO(bt_bcd_callout), BT_CO(bt_stack_callout),
#undef BT_CO
};

const char *bt_callout_name(bt_callout_fn *fn)
{
	for (size_t i = 0; i < sizeof bt_callout_names / sizeof bt_callout_names[0]; i++)
		if (bt_callout_names[i].fn == fn)
			return bt_callout_names[i].name;
	return "?";
}

static bool bt_has_reg_class(const struct bt_insn *in, int (*cls)(unsigned))
{
	for (int i = 0; i < in->x86.op_count; i++)
		if (in->x86.operands[i].type == X86_OP_REG && cls(in->x86.operands[i].reg) >= 0)
			return true;
	return false;
}

bt_callout_fn *bt_callout_lookup(const struct bt_insn *in, bool *ends, int *cls)
{
	*ends = false;
	*cls = -1;
	/* Segment and control/debug registers hide behind ordinary mnemonics. */
	if (in->id == X86_INS_MOV) {
		if (bt_has_reg_class(in, dec_seg_index)) {
			bool load = in->x86.operands[0].type == X86_OP_REG && dec_seg_index(in->x86.operands[0].reg) >= 0;
			*ends = load;
			*cls = load ? SC_SEG_WRITE : SC_SEG_READ;
			return co_mov_seg;
		}
		if (bt_has_reg_class(in, bt_cr_num) || bt_has_reg_class(in, bt_dr_num)) {
			*ends = true;
			*cls = SC_CRDR;
			return co_mov_special;
		}
		return NULL;
	}
	if (in->id == X86_INS_PUSH && bt_has_reg_class(in, dec_seg_index)) {
		*cls = SC_SEG_READ;
		return co_push_seg;
	}
	if (in->id == X86_INS_POP && bt_has_reg_class(in, dec_seg_index)) {
		*ends = true;
		*cls = SC_SEG_WRITE;
		return co_pop_seg;
	}
	/* VEX encodings (AVX): the vCPU does not offer AVX, so they are #UD. */
	if ((in->opc == 0xc4 || in->opc == 0xc5) && in->modrm_off == 0) {
		*ends = true;
		return co_ud;
	}
	for (size_t i = 0; i < sizeof bt_callouts / sizeof bt_callouts[0]; i++)
		if (bt_callouts[i].id == in->id) {
			*ends = bt_callouts[i].ends;
			*cls = bt_callouts[i].cls;
			return bt_callouts[i].fn;
		}
	return NULL;
}

int bt_callout_dispatch(struct bt_ctx *ctx, struct bt_callout *co)
{
	struct bt_engine *be = ctx->owner;

	bt_tsd(be, false);   /* C code (clock reads among it) may use RDTSC */
	ctx->arch.eflags = (ctx->arch.eflags & ~BT_HFLAGS_MASK) | (uint32_t)(ctx->hflags & BT_HFLAGS_MASK) |
			   EFLAGS_FIXED;
	ctx->arch.eip = co->insn.eip;
	co->count++;
	struct vcpu_state before = ctx->arch;
	be->co_tlb = &co->tlb;
	int leave = co->fn(be, ctx, co);
	be->co_tlb = NULL;
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	int nch = vcpu_state_changes(&before, &ctx->arch, ch, VCPU_MAX_CHANGES);
	union ev_data d = { .sens = { .cls = co->cls } };
	evlog_insn_copy(d.sens.insn, co->insn.text);
	evlog_add_change_data(&be->base.m->events, EV_CALLOUT, co->insn.eip, (int32_t)co->ccf_id, &d,
			      co->insn.text, ch, nch);
	ctx->hflags = (ctx->hflags & ~(uint64_t)BT_HFLAGS_MASK) | (ctx->arch.eflags & BT_HFLAGS_MASK);
	bt_sync_ac(ctx);   /* a POPF or IRET at CPL 3 may have changed AC */
	/* It wrote translated code: the rest of this CCF may be stale, or gone. */
	if (be->code_written) {
		be->code_written = false;
		if (!leave) {
			ctx->arch.eip = co->insn.eip + co->insn.len;
			leave = 1;
		}
	}
	/* An interrupt that became deliverable (an OUT that unmasked it, STI's
	 * shadow passed) is taken at the next instruction boundary: leave. */
	if (!leave && ctx->irq_pending && (ctx->arch.eflags & EFLAGS_IF) &&
	    ctx->shadow_eip != co->insn.eip + co->insn.len) {
		ctx->arch.eip = co->insn.eip + co->insn.len;
		leave = 1;
	}
	if (leave) {   /* every leaving callout has set arch.eip */
		ctx->next_eip = ctx->arch.eip;
		ctx->exit_site = 0;
		ctx->exit_kind = BT_EXIT_CALLOUT;
	} else {
		bt_tsd(be, true);
	}
	return leave;
}
