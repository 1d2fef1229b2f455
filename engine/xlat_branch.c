/* Control transfers: direct jumps and calls end the TU with chainable exits;
 * indirect jumps, calls and returns end it with the inline lookup. Guest
 * calls push the guest return address through R12 into guest memory. */
#include "engine/translate.h"

#include "engine/reencode.h"

bool xlat_is_branch(const struct bt_insn *in)
{
	switch (in->id) {
	case X86_INS_JMP: case X86_INS_CALL: case X86_INS_RET:
	case X86_INS_JAE: case X86_INS_JA: case X86_INS_JBE: case X86_INS_JB:
	case X86_INS_JE: case X86_INS_JGE: case X86_INS_JG: case X86_INS_JLE:
	case X86_INS_JL: case X86_INS_JNE: case X86_INS_JNO: case X86_INS_JNP:
	case X86_INS_JNS: case X86_INS_JO: case X86_INS_JP: case X86_INS_JS:
	case X86_INS_JECXZ: case X86_INS_JCXZ:
	case X86_INS_LOOP: case X86_INS_LOOPE: case X86_INS_LOOPNE:
		return true;
	}
	return false;
}

/* The rel8/rel32 target of a direct branch. */
static uint32_t branch_target(const struct bt_insn *in)
{
	uint32_t t = (uint32_t)in->x86.operands[0].imm;
	return in->p66 ? (t & 0xffff) : t;   /* a 16-bit operand size truncates EIP */
}

/* R8D = the target of an indirect jump or call (register or memory operand). */
static int load_target(struct tu *t, const struct bt_insn *in)
{
	char why[160];
	const cs_x86_op *op = &in->x86.operands[0];
	static const uint8_t mov_load = 0x8b;   /* mov r32, r/m32 */

	if (in->p66)
		return tu_fail(t, in, "16-bit indirect branch");
	if (op->type == X86_OP_REG) {
		unsigned r = dec_rm(in);
		emit_mov_reg_reg32(&t->e, HR_R8, r == 4 ? HR_R12 : r);
		return 0;
	}
	if (reenc_memop(in, &t->e, NULL, 0, &mov_load, 1, HR_R8, 1, why, sizeof why) < 0)
		return tu_fail(t, in, why);
	return 0;
}

/* A label's rel8: the byte at at jumps to here. */
static void patch_rel8(struct tu *t, uint8_t *at)
{
	if (!t->e.overflow)
		*at = (uint8_t)(t->e.p - (at + 1));
}

/* A direct CALL as a host call into the callee's CCF, with a shadow frame
 * (host return point, -guest return address) on the host stack, so the
 * translated RET can return with a host RET the CPU predicts. The budget
 * bounds the host stack; when it is spent the call is an ordinary exit.
 *
 *   mov r11, rcx; mov rcx, [budget]; jrcxz plain; lea rcx, [rcx-1]
 *   mov [budget], rcx; mov rcx, r11
 *   mov r11, -ret; push r11; call callee    (exit 0)
 *   jmp ret                                 (exit 1: where the shadow RET lands)
 * plain: mov rcx, r11; jmp callee           (exit 2)                    */
static void shadow_call(struct tu *t, uint32_t target, uint32_t ret)
{
	static const uint8_t save_rcx[] = { 0x49, 0x89, 0xcb };         /* mov r11, rcx */
	static const uint8_t restore_rcx[] = { 0x4c, 0x89, 0xd9 };      /* mov rcx, r11 */
	static const uint8_t dec_rcx[] = { 0x48, 0x8d, 0x49, 0xff };    /* lea rcx, [rcx-1] */
	static const uint8_t push_r11 = 0x53;                           /* with REX.B: push r11 */

	emit_bytes(&t->e, save_rcx, sizeof save_rcx);
	emit_mov_reg_ctx64(&t->e, HR_RCX, BTC_SHADOW_BUDGET);
	emit_u8(&t->e, 0xe3);   /* jrcxz plain */
	uint8_t *to_plain = t->e.p;
	emit_u8(&t->e, 0);
	emit_bytes(&t->e, dec_rcx, sizeof dec_rcx);
	emit_rex(&t->e, true, HR_RCX, 0, HR_R15);   /* mov [r15+budget], rcx */
	emit_u8(&t->e, 0x89);
	emit_mem_base_disp32(&t->e, HR_RCX, HR_R15, BTC_SHADOW_BUDGET);
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);
	emit_mov_reg_imm64(&t->e, HR_R11, (uint64_t)0 - ret);
	emit_u8(&t->e, REX | REX_B);
	emit_u8(&t->e, push_r11);
	emit_u8(&t->e, 0xe8);   /* call rel32: a patchable exit like a jmp */
	uint8_t *site = t->e.p;
	emit_u32(&t->e, 0);
	tu_add_exit(t, site, target);
	uint8_t *back = emit_jmp_rel32(&t->e, t->e.p);
	tu_add_exit(t, back, ret);
	patch_rel8(t, to_plain);
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);
	tu_exit_direct(t, target);
}

/* RET: if the shadow frame on top of the host stack was pushed for this
 * guest return address, return through it (and the CPU's return predictor);
 * otherwise drop the whole shadow and look the address up. R8D holds it. */
static void shadow_ret(struct tu *t)
{
	static const uint8_t save_rcx[] = { 0x49, 0x89, 0xcb };         /* mov r11, rcx */
	static const uint8_t restore_rcx[] = { 0x4c, 0x89, 0xd9 };      /* mov rcx, r11 */
	static const uint8_t tag[] = { 0x48, 0x8b, 0x4c, 0x24, 0x08,    /* mov rcx, [rsp+8] */
				       0x4a, 0x8d, 0x0c, 0x01 };        /* lea rcx, [rcx+r8] */
	static const uint8_t exit_now[] = { 0x41, 0x0f, 0xb6, 0x8f };  /* movzx ecx, byte [r15+disp32] */
	static const uint8_t inc_budget[] = { 0x4d, 0x8d, 0x49, 0x01 }; /* lea r9, [r9+1] */
	static const uint8_t ret8[] = { 0xc2, 0x08, 0x00 };             /* ret 8 */

	emit_bytes(&t->e, save_rcx, sizeof save_rcx);
	emit_bytes(&t->e, tag, sizeof tag);
	emit_u8(&t->e, 0xe3);   /* jrcxz hit */
	uint8_t *to_hit = t->e.p;
	emit_u8(&t->e, 0);
	/* miss: */
	uint8_t *miss = t->e.p;
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);
	emit_mov_reg_ctx64(&t->e, HR_RSP, BTC_SHADOW_TOP);   /* drop every shadow frame */
	emit_u8(&t->e, REX | REX_W | REX_B);                 /* mov qword [r15+budget], imm32 */
	emit_u8(&t->e, 0xc7);
	emit_mem_base_disp32(&t->e, 0, HR_R15, BTC_SHADOW_BUDGET);
	emit_u32(&t->e, BT_SHADOW_MAX);
	uint8_t *to_lookup = emit_jmp_rel32(&t->e, t->e.p);
	/* hit: unless a stop or an interrupt wants us out */
	patch_rel8(t, to_hit);
	emit_bytes(&t->e, exit_now, sizeof exit_now);
	emit_u32(&t->e, BTC_EXIT_NOW);
	emit_u8(&t->e, 0xe3);   /* jrcxz go */
	uint8_t *to_go = t->e.p;
	emit_u8(&t->e, 0);
	emit_u8(&t->e, 0xe9);   /* jmp miss */
	emit_u32(&t->e, (uint32_t)(miss - (t->e.p + 4)));
	patch_rel8(t, to_go);
	emit_mov_reg_ctx64(&t->e, HR_R9, BTC_SHADOW_BUDGET);
	emit_bytes(&t->e, inc_budget, sizeof inc_budget);
	emit_rex(&t->e, true, HR_R9, 0, HR_R15);   /* mov [r15+budget], r9 */
	emit_u8(&t->e, 0x89);
	emit_mem_base_disp32(&t->e, HR_R9, HR_R15, BTC_SHADOW_BUDGET);
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);
	emit_bytes(&t->e, ret8, sizeof ret8);
	if (!t->e.overflow)
		emit_patch_rel32(to_lookup, t->e.p);
	tu_exit_indirect(t);
}

/* Push the guest return address: store below ESP, then move ESP. */
static void push_return(struct tu *t, uint32_t ret)
{
	emit_store_guest32_imm(&t->e, HR_R12, -4, ret);
	emit_lea32(&t->e, HR_R12, HR_R12, -4);
}

int xlat_branch(struct tu *t, const struct bt_insn *in)
{
	uint32_t next = t->next_eip;

	tu_mark(t, in, CK_EXIT, 0, 0);
	switch (in->id) {
	case X86_INS_JMP:
		if (in->x86.operands[0].type == X86_OP_IMM) {
			tu_exit_direct(t, branch_target(in));
			return 0;
		}
		if (load_target(t, in) < 0)
			return -1;
		tu_exit_indirect(t);
		return 0;
	case X86_INS_CALL:
		if (in->p66)
			return tu_fail(t, in, "16-bit call (operand-size prefix)");
		if (in->x86.operands[0].type == X86_OP_IMM) {
			push_return(t, next);
			if (t->c->transient)
				tu_exit_direct(t, branch_target(in));
			else
				shadow_call(t, branch_target(in), next);
			return 0;
		}
		if (load_target(t, in) < 0)   /* before the push: [esp+n] means the old ESP */
			return -1;
		push_return(t, next);
		tu_exit_indirect(t);
		return 0;
	case X86_INS_RET: {
		uint32_t pop = 4;
		if (in->p66)
			return tu_fail(t, in, "16-bit return");
		if (in->x86.op_count == 1)
			pop += (uint32_t)in->x86.operands[0].imm & 0xffff;
		emit_load_guest32(&t->e, HR_R8, HR_R12, 0);
		emit_lea32(&t->e, HR_R12, HR_R12, (int32_t)pop);
		shadow_ret(t);
		return 0;
	}
	case X86_INS_JECXZ: {
		/* jecxz taken / jmp not-taken / taken: jmp target */
		static const uint8_t jecxz[] = { 0x67, 0xe3, 0x05 };   /* jecxz +5 (67: test ECX) */
		emit_bytes(&t->e, jecxz, sizeof jecxz);
		uint8_t *nt = emit_jmp_rel32(&t->e, t->e.p);
		tu_add_exit(t, nt, next);
		tu_exit_direct(t, branch_target(in));
		return 0;
	}
	case X86_INS_JCXZ:
		return tu_fail(t, in, "JCXZ (16-bit address size)");
	case X86_INS_LOOP: case X86_INS_LOOPE: case X86_INS_LOOPNE: {
		if (in->p67)
			return tu_fail(t, in, "LOOP with a 16-bit counter");
		/* 67 makes LOOPcc count in ECX, as the guest's does; it leaves flags alone. */
		uint8_t loop[] = { 0x67, in->opc, 0x05 };   /* loopcc +5 */
		emit_bytes(&t->e, loop, sizeof loop);
		uint8_t *nt = emit_jmp_rel32(&t->e, t->e.p);
		tu_add_exit(t, nt, next);
		tu_exit_direct(t, branch_target(in));
		return 0;
	}
	default: {
		/* Jcc: 70-7F rel8 or 0F 80-8F rel32; the low nibble is the condition. */
		unsigned cc = (in->opc == 0x0f ? in->opc2 : in->opc) & 0xf;
		tu_exit_jcc(t, cc, branch_target(in), next);
		return 0;
	}
	}
}
