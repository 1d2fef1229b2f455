/* Stack instructions against guest memory through R12 (guest ESP). Each
 * translation does its faultable access first, so a fault leaves the guest
 * registers as they were; where ESP must move before a later access (POP to
 * memory) a second map entry records how far, for the fault handler. */
#include "engine/translate.h"

#include "engine/reencode.h"

bool xlat_is_stack(const struct bt_insn *in)
{
	switch (in->id) {
	case X86_INS_PUSH: case X86_INS_POP: case X86_INS_PUSHAL: case X86_INS_POPAL:
	case X86_INS_PUSHAW: case X86_INS_POPAW:
	case X86_INS_ENTER: case X86_INS_LEAVE:
		return true;
	}
	return false;
}

/* Host register for a guest 32/16-bit GPR operand. */
static unsigned host_gpr(unsigned num)
{
	return num == 4 ? HR_R12 : num;
}

static int push(struct tu *t, const struct bt_insn *in)
{
	const cs_x86_op *op = &in->x86.operands[0];
	unsigned size = in->p66 ? 2 : 4;
	char why[160];

	if (op->type == X86_OP_REG) {
		unsigned r = host_gpr(in->opc & 7);   /* 50+r */
		if (in->opc == 0xff)
			r = host_gpr(dec_rm(in));
		if (size == 4)
			emit_store_guest32(&t->e, HR_R12, -4, r);
		else
			emit_store_guest16(&t->e, HR_R12, -2, r);
	} else if (op->type == X86_OP_IMM) {
		if (size == 4) {
			emit_store_guest32_imm(&t->e, HR_R12, -4, (uint32_t)op->imm);
		} else {
			emit_mov_reg_imm32(&t->e, HR_R8, (uint32_t)op->imm & 0xffff);
			emit_store_guest16(&t->e, HR_R12, -2, HR_R8);
		}
	} else {
		static const uint8_t p66 = 0x66, mov_load = 0x8b, movzx[2] = { 0x0f, 0xb7 };
		int rc = size == 4
			? reenc_memop(in, &t->e, NULL, 0, &mov_load, 1, HR_R8, 1, why, sizeof why)
			: reenc_memop(in, &t->e, NULL, 0, movzx, 2, HR_R8, 1, why, sizeof why);
		(void)p66;
		if (rc < 0)
			return tu_fail(t, in, why);
		if (size == 4)
			emit_store_guest32(&t->e, HR_R12, -4, HR_R8);
		else
			emit_store_guest16(&t->e, HR_R12, -2, HR_R8);
	}
	emit_lea32(&t->e, HR_R12, HR_R12, -(int32_t)size);
	return 0;
}

static int pop(struct tu *t, const struct bt_insn *in)
{
	const cs_x86_op *op = &in->x86.operands[0];
	unsigned size = in->p66 ? 2 : 4;
	char why[160];

	if (op->type == X86_OP_REG) {
		unsigned num = in->opc == 0x8f ? dec_rm(in) : (in->opc & 7u);   /* 8F /0 or 58+r */
		if (size == 2) {
			/* A 16-bit pop writes only the low half: load, then merge with a 16-bit mov. */
			emit_load_guest16(&t->e, HR_R8, HR_R12, 0);
			if (num != 4)
				emit_lea32(&t->e, HR_R12, HR_R12, 2);
			emit_u8(&t->e, 0x66);
			emit_rex(&t->e, false, HR_R8, 0, host_gpr(num));
			emit_u8(&t->e, 0x89);   /* mov r/m16, r16 */
			emit_u8(&t->e, (uint8_t)(0xc0 | ((HR_R8 & 7) << 3) | (host_gpr(num) & 7)));
			return 0;
		}
		if (num == 4) {   /* pop esp: ESP = [ESP]; the increment is overwritten */
			emit_load_guest32(&t->e, HR_R12, HR_R12, 0);
			return 0;
		}
		emit_load_guest32(&t->e, num, HR_R12, 0);
		emit_lea32(&t->e, HR_R12, HR_R12, 4);
		return 0;
	}
	/* pop r/m: the destination address uses the incremented ESP. */
	static const uint8_t mov_store = 0x89, p66 = 0x66;
	if (size == 4)
		emit_load_guest32(&t->e, HR_R8, HR_R12, 0);
	else
		emit_load_guest16(&t->e, HR_R8, HR_R12, 0);
	emit_lea32(&t->e, HR_R12, HR_R12, (int32_t)size);
	tu_mark(t, in, CK_REWRITE, 0, (uint8_t)size);   /* a fault from here: ESP is ahead */
	int rc = reenc_memop(in, &t->e, &p66, size == 2, &mov_store, 1, HR_R8, 1, why, sizeof why);
	return rc < 0 ? tu_fail(t, in, why) : 0;
}

static void pusha(struct tu *t)
{
	/* EAX ECX EDX EBX, the original ESP, EBP ESI EDI at [esp-4] down to [esp-32]. */
	static const unsigned order[8] = { HR_RAX, HR_RCX, HR_RDX, HR_RBX, HR_R12, HR_RBP, HR_RSI, HR_RDI };
	for (int i = 0; i < 8; i++)
		emit_store_guest32(&t->e, HR_R12, -4 * (i + 1), order[i]);
	emit_lea32(&t->e, HR_R12, HR_R12, -32);
}

static void popa(struct tu *t)
{
	/* Touch both ends first so a fault comes before any register changes. */
	emit_load_guest32(&t->e, HR_R8, HR_R12, 28);
	emit_load_guest32(&t->e, HR_R8, HR_R12, 0);
	static const unsigned order[8] = { HR_RDI, HR_RSI, HR_RBP, 0xff, HR_RBX, HR_RDX, HR_RCX, HR_RAX };
	for (int i = 0; i < 8; i++)
		if (order[i] != 0xff)
			emit_load_guest32(&t->e, order[i], HR_R12, 4 * i);
	emit_lea32(&t->e, HR_R12, HR_R12, 32);
}

int xlat_stack(struct tu *t, const struct bt_insn *in)
{
	bool rare = (in->id == X86_INS_ENTER && (in->p66 || (in->x86.operands[1].imm & 0x1f))) ||
		    (in->id == X86_INS_LEAVE && in->p66) || in->id == X86_INS_PUSHAW || in->id == X86_INS_POPAW;
	if (rare) {
		tu_mark(t, in, CK_CALLOUT, 0, 0);
		tu_callout(t, in, bt_stack_callout);
		return 0;
	}
	tu_mark(t, in, CK_REWRITE, 0, 0);
	switch (in->id) {
	case X86_INS_PUSH:
		return push(t, in);
	case X86_INS_POP:
		return pop(t, in);
	case X86_INS_PUSHAL:
		pusha(t);
		return 0;
	case X86_INS_POPAL:
		popa(t);
		return 0;
	case X86_INS_ENTER: {
		uint32_t alloc = (uint32_t)in->x86.operands[0].imm & 0xffff;
		if (((uint32_t)in->x86.operands[1].imm & 0x1f) != 0 || in->p66)
			return tu_fail(t, in, "ENTER with a nesting level or 16-bit operands");
		emit_store_guest32(&t->e, HR_R12, -4, HR_RBP);     /* push ebp */
		emit_lea32(&t->e, HR_R12, HR_R12, -4);
		emit_mov_reg_reg32(&t->e, HR_RBP, HR_R12);         /* mov ebp, esp */
		emit_lea32(&t->e, HR_R12, HR_R12, -(int32_t)alloc);   /* sub esp, alloc (flag-free) */
		return 0;
	}
	case X86_INS_LEAVE:
		if (in->p66)
			return tu_fail(t, in, "16-bit LEAVE");
		emit_load_guest32(&t->e, HR_R8, HR_RBP, 0);   /* the saved EBP; faults first */
		emit_lea32(&t->e, HR_R12, HR_RBP, 4);
		emit_mov_reg_reg32(&t->e, HR_RBP, HR_R8);
		return 0;
	default:
		return tu_fail(t, in, "16-bit PUSHA/POPA");
	}
}
