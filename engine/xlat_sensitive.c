/* Sensitive instructions under the treatment their class is given
 * (monitor/sensitive.h): trap (IDENT; the host faults and the fault handler
 * emulates), callout, intc (inline emulation, below), adaptive (trap until
 * proven guilty, then intc or callout) and naive (IDENT, to show what breaks).
 *
 * The inline (intc) translations keep the virtual system flags in the
 * context's EFLAGS and the guest's arithmetic flags in host RFLAGS; where they
 * must compute with flag-changing instructions they bracket them with
 * PUSHFQ/POPFQ on the host stack. Those whose rules depend on the CPL (CLI,
 * STI, POPF, RDTSC) are inlined only in CCFs translated for CPL 0 (key 0);
 * CCFs are looked up by (EIP, key), so a ring-3 guest never runs them. */
#include "engine/translate.h"

#include <stddef.h>

#include "engine/reencode.h"

#define ARITH_FLAGS 0x0cd5u   /* CF PF AF ZF SF OF DF: what host RFLAGS carries */
#define SYS_WRITABLE (EFLAGS_TF | EFLAGS_IF | EFLAGS_IOPL | EFLAGS_NT | EFLAGS_AC | EFLAGS_ID)
#define SEG_SEL_OFF(s) ((int32_t)(offsetof(struct bt_ctx, arch.seg) + (s) * sizeof(struct vcpu_seg) + \
				  offsetof(struct vcpu_seg, sel)))
#define TSC_OFF ((int32_t)offsetof(struct bt_ctx, arch.tsc_offset))

static int callout(struct tu *t, const struct bt_insn *in, bt_callout_fn *fn, bool ends)
{
	tu_mark(t, in, CK_CALLOUT, 0, 0);
	tu_callout(t, in, fn);
	if (ends)
		tu_exit_direct(t, t->next_eip);
	return 0;
}

/* If an external interrupt is pending, leave the TC at next (the dispatcher
 * delivers it); otherwise fall through. Flag-free: JRCXZ on a saved RCX. */
static void emit_irq_check(struct tu *t, uint32_t next)
{
	static const uint8_t save_rcx[] = { 0x49, 0x89, 0xcb };          /* mov r11, rcx */
	static const uint8_t movzx_pending[] = { 0x41, 0x0f, 0xb6, 0x8f }; /* movzx ecx, byte [r15+disp32] */
	static const uint8_t restore_rcx[] = { 0x4c, 0x89, 0xd9 };       /* mov rcx, r11 */
	emit_bytes(&t->e, save_rcx, sizeof save_rcx);
	emit_bytes(&t->e, movzx_pending, sizeof movzx_pending);
	emit_u32(&t->e, BTC_IRQ_PENDING);
	emit_u8(&t->e, 0xe3);   /* jrcxz over the leave */
	emit_u8(&t->e, 3 + 11 + 11 + 11 + 7);
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);
	emit_mov_ctx32_imm(&t->e, BTC_NEXT_EIP, next);
	emit_mov_ctx32_imm(&t->e, BTC_EXIT_SITE, 0);
	emit_mov_ctx32_imm(&t->e, BTC_EXIT_KIND, BT_EXIT_BRANCH);
	emit_jmp_ctx(&t->e, BTC_LEAVE);
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);
}

/* and/or dword [r15+BTC_EFLAGS], imm32 between PUSHFQ and POPFQ. */
static void emit_vflags_op(struct tu *t, bool set, uint32_t bits)
{
	emit_pushfq(&t->e);
	emit_u8(&t->e, REX | REX_B);
	emit_u8(&t->e, 0x81);                       /* group 1, r/m32, imm32 */
	emit_u8(&t->e, set ? 0x4f : 0x67);          /* /1 OR or /4 AND, [r15 + disp8] */
	emit_u8(&t->e, BTC_EFLAGS);
	emit_u32(&t->e, set ? bits : ~bits);
	emit_popfq(&t->e);
}

/* PUSHF: the arithmetic flags from RFLAGS, the system ones from the context. */
static void emit_pushf(struct tu *t, bool p66)
{
	static const uint8_t code[] = {
		0x9c, 0x41, 0x58,                           /* pushfq; pop r8 */
		0x4d, 0x89, 0xc1,                           /* mov r9, r8: host flags to restore */
		0x41, 0x81, 0xe0, 0xd5, 0x0c, 0, 0,         /* and r8d, ARITH_FLAGS */
		0x45, 0x8b, 0x57, BTC_EFLAGS,               /* mov r10d, [r15+EFLAGS] */
		0x41, 0x81, 0xe2, 0x2a, 0xf3, 0xfc, 0xff,   /* and r10d, ~(ARITH | VM | RF) */
		0x45, 0x09, 0xd0,                           /* or r8d, r10d */
		0x41, 0x83, 0xc8, 0x02,                     /* or r8d, 2 */
		0x41, 0x51, 0x9d,                           /* push r9; popfq */
	};
	emit_bytes(&t->e, code, sizeof code);
	if (p66) {
		emit_store_guest16(&t->e, HR_R12, -2, HR_R8);
		emit_lea32(&t->e, HR_R12, HR_R12, -2);
	} else {
		emit_store_guest32(&t->e, HR_R12, -4, HR_R8);
		emit_lea32(&t->e, HR_R12, HR_R12, -4);
	}
}

/* POPF at CPL 0 (32-bit): every system flag but VM/RF is writable. TF goes to
 * the callout (single-stepping needs the monitor). */
static void emit_popf(struct tu *t, const struct bt_insn *in, bt_callout_fn *fn)
{
	static const uint8_t save_flags[] = { 0x9c, 0x41, 0x5b };           /* pushfq; pop r11 */
	static const uint8_t test_tf[] = { 0x41, 0xf7, 0xc0, 0x00, 0x01, 0, 0,  /* test r8d, TF */
					   0x0f, 0x85 };                    /* jnz slow (rel32) */
	static const uint8_t fast[] = {
		0x45, 0x8b, 0x4f, BTC_EFLAGS,               /* mov r9d, [r15+EFLAGS] */
		0x41, 0x81, 0xe1, 0xff, 0x8c, 0xda, 0xff,   /* and r9d, ~SYS_WRITABLE & ~RF */
		0x45, 0x89, 0xc2,                           /* mov r10d, r8d */
		0x41, 0x81, 0xe2, 0x00, 0x73, 0x24, 0x00,   /* and r10d, SYS_WRITABLE */
		0x45, 0x09, 0xd1,                           /* or r9d, r10d */
		0x45, 0x89, 0x4f, BTC_EFLAGS,               /* mov [r15+EFLAGS], r9d */
		0x41, 0x81, 0xe0, 0xd5, 0x0c, 0, 0,         /* and r8d, ARITH_FLAGS */
		0x41, 0x81, 0xc8, 0x02, 0x02, 0, 0,         /* or r8d, 0x202 */
		0x41, 0x50, 0x9d,                           /* push r8; popfq */
	};
	static const uint8_t restore_flags[] = { 0x41, 0x53, 0x9d };        /* push r11; popfq */

	emit_load_guest32(&t->e, HR_R8, HR_R12, 0);   /* faults before anything changes */
	emit_bytes(&t->e, save_flags, sizeof save_flags);
	emit_bytes(&t->e, test_tf, sizeof test_tf);
	uint8_t *to_slow = t->e.p;
	emit_u32(&t->e, 0);
	emit_lea32(&t->e, HR_R12, HR_R12, 4);
	emit_bytes(&t->e, fast, sizeof fast);
	emit_irq_check(t, t->next_eip);
	uint8_t *to_done = emit_jmp_rel32(&t->e, t->e.p);
	if (!t->e.overflow)
		emit_patch_rel32(to_slow, t->e.p);
	emit_bytes(&t->e, restore_flags, sizeof restore_flags);
	tu_callout(t, in, fn);
	if (!t->e.overflow)
		emit_patch_rel32(to_done, t->e.p);
}

/* RDTSC: the host's TSC plus the guest's offset, EDX:EAX. */
static void emit_rdtsc(struct tu *t)
{
	static const uint8_t code1[] = {
		0x9c, 0x0f, 0x31,                           /* pushfq; rdtsc */
		0x48, 0xc1, 0xe2, 0x20,                     /* shl rdx, 32 */
		0x48, 0x09, 0xd0,                           /* or rax, rdx */
		0x49, 0x03, 0x87,                           /* add rax, [r15+disp32] */
	};
	static const uint8_t code2[] = {
		0x48, 0x89, 0xc2,                           /* mov rdx, rax */
		0x48, 0xc1, 0xea, 0x20,                     /* shr rdx, 32 */
		0x89, 0xc0,                                 /* mov eax, eax */
		0x9d,                                       /* popfq */
	};
	emit_bytes(&t->e, code1, sizeof code1);
	emit_u32(&t->e, (uint32_t)TSC_OFF);
	emit_bytes(&t->e, code2, sizeof code2);
}

/* movzx r32, word [r15 + selector of seg] */
static void emit_load_sel(struct tu *t, unsigned r, int seg)
{
	emit_rex(&t->e, false, r, 0, HR_R15);
	emit_u8(&t->e, 0x0f);
	emit_u8(&t->e, 0xb7);
	emit_mem_base_disp32(&t->e, r, HR_R15, SEG_SEL_OFF(seg));
}

static int emit_seg_read(struct tu *t, const struct bt_insn *in)
{
	char why[160];
	if (in->id == X86_INS_PUSH) {
		int seg = dec_seg_index(in->x86.operands[0].reg);
		emit_load_sel(t, HR_R8, seg);
		emit_store_guest16(&t->e, HR_R12, in->p66 ? -2 : -4, HR_R8);   /* 16 bits, as recent CPUs */
		emit_lea32(&t->e, HR_R12, HR_R12, in->p66 ? -2 : -4);
		return 0;
	}
	const cs_x86_op *dst = &in->x86.operands[0];
	int seg = dec_seg_index(in->x86.operands[1].reg);
	if (dst->type == X86_OP_REG) {
		unsigned r = dec_rm(in);
		if (r == 4)
			r = HR_R12;
		if (in->p66) {   /* mov r16, sreg: only the low half changes */
			emit_u8(&t->e, 0x66);
			emit_rex(&t->e, false, r, 0, HR_R15);
			emit_u8(&t->e, 0x8b);
			emit_mem_base_disp32(&t->e, r, HR_R15, SEG_SEL_OFF(seg));
		} else {
			emit_load_sel(t, r, seg);
		}
		return 0;
	}
	static const uint8_t p66 = 0x66, mov_store = 0x89;
	emit_load_sel(t, HR_R8, seg);
	if (reenc_memop(in, &t->e, &p66, 1, &mov_store, 1, HR_R8, 1, why, sizeof why) < 0)
		return tu_fail(t, in, why);
	return 0;
}

/* Inline emulation; returns 1 if this instruction has none here (use a callout). */
static int xlat_intc(struct tu *t, const struct bt_insn *in, int cls, bt_callout_fn *fn, bool ends)
{
	bool cpl0 = t->c->key == 0;
	switch (cls) {
	case SC_IF:
		if (!cpl0)
			return 1;
		tu_mark(t, in, CK_INTC, 0, 0);
		if (in->id == X86_INS_CLI) {
			emit_vflags_op(t, false, EFLAGS_IF);
			return 0;
		}
		emit_vflags_op(t, true, EFLAGS_IF);
		emit_mov_ctx32_imm(&t->e, BTC_SHADOW_EIP, t->next_eip);   /* STI's interrupt shadow */
		emit_irq_check(t, t->next_eip);
		tu_exit_direct(t, t->next_eip);
		return 0;
	case SC_FLAGS:
		if (in->id == X86_INS_PUSHF || in->id == X86_INS_PUSHFD) {
			tu_mark(t, in, CK_INTC, 0, 0);
			emit_pushf(t, in->p66);
			return 0;
		}
		if (!cpl0 || in->p66)
			return 1;
		tu_mark(t, in, CK_INTC, 0, 0);
		emit_popf(t, in, fn);
		tu_exit_direct(t, t->next_eip);
		return 0;
	case SC_RDTSC:
		if (!cpl0 || in->id != X86_INS_RDTSC)
			return 1;
		tu_mark(t, in, CK_INTC, 0, 0);
		emit_rdtsc(t);
		return 0;
	case SC_SEG_READ:
		tu_mark(t, in, CK_INTC, 0, 0);
		return emit_seg_read(t, in);
	}
	(void)ends;
	return 1;
}

/* Naive: the instruction as the host would run it in this process. */
static int xlat_naive(struct tu *t, const struct bt_insn *in, int cls, bt_callout_fn *fn, bool ends)
{
	char why[160];
	uint8_t fix;
	if (cls == SC_FLAGS) {
		tu_mark(t, in, CK_NAIVE, 0, 0);
		if (in->id == X86_INS_PUSHF || in->id == X86_INS_PUSHFD) {
			static const uint8_t pushf_host[] = { 0x9c, 0x41, 0x58 };   /* pushfq; pop r8 */
			emit_bytes(&t->e, pushf_host, sizeof pushf_host);
			emit_store_guest32(&t->e, HR_R12, -4, HR_R8);
			emit_lea32(&t->e, HR_R12, HR_R12, -4);
			return 0;
		}
		/* POPF into host RFLAGS: IF and IOPL changes are silently dropped, as
		 * Popek and Goldberg's argument says; TF, NT and AC never reach the host. */
		static const uint8_t popf_host[] = {
			0x41, 0x81, 0xe0, 0xff, 0xbe, 0xfb, 0xff,   /* and r8d, ~(TF|NT|AC) */
			0x41, 0x50, 0x9d,                           /* push r8; popfq */
		};
		emit_load_guest32(&t->e, HR_R8, HR_R12, 0);
		emit_lea32(&t->e, HR_R12, HR_R12, 4);
		emit_bytes(&t->e, popf_host, sizeof popf_host);
		return 0;
	}
	if (cls == SC_SEG_READ && in->id == X86_INS_PUSH) {
		/* 64-bit mode has no PUSH CS/DS/ES/SS: read the host selector, then push it. */
		int seg = dec_seg_index(in->x86.operands[0].reg);
		tu_mark(t, in, CK_NAIVE, 0, 0);
		emit_u8(&t->e, REX | REX_B);
		emit_u8(&t->e, 0x8c);   /* mov r8d, sreg */
		emit_u8(&t->e, (uint8_t)(0xc0 | (seg << 3)));
		emit_store_guest32(&t->e, HR_R12, -4, HR_R8);
		emit_lea32(&t->e, HR_R12, HR_R12, -4);
		return 0;
	}
	tu_mark(t, in, CK_NAIVE, 0, 0);
	if (reenc_ident(&t->x->dec, in, &t->e, &fix, why, sizeof why) < 0) {
		t->nmap--;
		return callout(t, in, fn, ends);
	}
	t->map[t->nmap - 1].fixup = fix;
	if (ends)
		tu_exit_direct(t, t->next_eip);
	return 0;
}

/* Trap: IDENT, so the host faults it (#GP: privileged at CPL 3) and the
 * fault handler emulates it with the same emulation function. */
static int xlat_trap(struct tu *t, const struct bt_insn *in, bt_callout_fn *fn, bool ends)
{
	char why[160];
	uint8_t fix;
	tu_mark(t, in, CK_TRAP, 0, 0);
	if (reenc_ident(&t->x->dec, in, &t->e, &fix, why, sizeof why) < 0) {
		t->nmap--;   /* no IDENT form: a callout does the same job */
		return callout(t, in, fn, ends);
	}
	t->map[t->nmap - 1].fixup = fix;
	if (ends)
		tu_exit_direct(t, t->next_eip);
	return 0;
}

int xlat_sensitive(struct tu *t, const struct bt_insn *in, bt_callout_fn *fn, bool ends, int cls)
{
	enum treatment tr = t->x->policy->t[cls];
	if (tr == TREAT_ADAPTIVE) {
		bool guilty = t->x->is_guilty && t->x->is_guilty(t->x->guilty_opaque, in->eip);
		if (!guilty)
			tr = TREAT_TRAP;
		else
			tr = sens_supports((enum sens_class)cls, TREAT_INTC) ? TREAT_INTC : TREAT_CALLOUT;
	}
	switch (tr) {
	case TREAT_TRAP:
		return xlat_trap(t, in, fn, ends);
	case TREAT_NAIVE:
		return xlat_naive(t, in, cls, fn, ends);
	case TREAT_INTC: {
		int rc = xlat_intc(t, in, cls, fn, ends);
		if (rc <= 0)
			return rc;
		return callout(t, in, fn, ends);
	}
	default:
		return callout(t, in, fn, ends);
	}
}
