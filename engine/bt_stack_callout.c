/* The rare stack instructions bt emulates in C rather than inline: ENTER
 * with a nesting level or a 16-bit operand size, 16-bit LEAVE, PUSHA and POPA
 * with a 16-bit operand size (Intel SDM vol. 2, ENTER, LEAVE, PUSHA, POPA).
 * Every access happens before any register changes, so a fault leaves the
 * guest's registers as they were. */
#include "engine/bt.h"

#include <string.h>

static uint32_t bt_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : 0xffffu;
}

/* Write v (size bytes) below *esp. */
static int bt_push(struct emu *em, uint32_t *esp, uint32_t v, unsigned size)
{
	*esp -= size;
	return emu_write(em, *esp, &v, size);
}

int bt_stack_callout(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co)
{
	struct emu em = { .m = be->base.m, .st = &ctx->arch };
	const struct bt_insn *in = &co->insn;
	uint32_t *r = ctx->arch.gpr;
	unsigned size = in->p66 ? 2 : 4;
	uint32_t esp = r[R_ESP];

	switch (in->id) {
	case X86_INS_ENTER: {
		uint32_t alloc = (uint32_t)in->x86.operands[0].imm & 0xffff;
		unsigned level = (unsigned)in->x86.operands[1].imm & 31;
		uint32_t ebp = r[R_EBP];
		if (bt_push(&em, &esp, ebp, size) < 0)
			goto fault;
		uint32_t frame = esp;
		if (level > 0) {
			for (unsigned i = 1; i < level; i++) {
				uint32_t v = 0;
				ebp -= size;
				if (emu_read(&em, ebp, &v, size) < 0 || bt_push(&em, &esp, v, size) < 0)
					goto fault;
			}
			if (bt_push(&em, &esp, frame, size) < 0)
				goto fault;
		}
		r[R_EBP] = (r[R_EBP] & ~bt_mask(size)) | (frame & bt_mask(size));
		r[R_ESP] = esp - alloc;
		return 0;
	}
	case X86_INS_LEAVE: {   /* 16-bit: ESP = EBP, then BP = pop16 */
		uint16_t bp;
		if (emu_read(&em, r[R_EBP], &bp, 2) < 0)
			goto fault;
		r[R_ESP] = r[R_EBP] + 2;
		r[R_EBP] = (r[R_EBP] & 0xffff0000u) | bp;
		return 0;
	}
	case X86_INS_PUSHAW: {
		static const int order[8] = { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
		for (int i = 0; i < 8; i++)
			if (bt_push(&em, &esp, r[order[i]] & 0xffff, 2) < 0)
				goto fault;
		r[R_ESP] = esp;
		return 0;
	}
	case X86_INS_POPAW: {
		static const int order[8] = { R_EDI, R_ESI, R_EBP, -1, R_EBX, R_EDX, R_ECX, R_EAX };
		uint16_t v[8];
		if (emu_read(&em, esp, v, sizeof v) < 0)
			goto fault;
		for (int i = 0; i < 8; i++)
			if (order[i] >= 0)
				r[order[i]] = (r[order[i]] & 0xffff0000u) | v[i];
		r[R_ESP] = esp + 16;
		return 0;
	}
	}
	return 0;
fault:
	bt_guest_exception(be, em.vector, em.has_error, em.error_code, in->eip, in->text);
	return 1;
}
