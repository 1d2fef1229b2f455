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
			tu_exit_direct(t, branch_target(in));
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
		tu_exit_indirect(t);
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
