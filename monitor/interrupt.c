/* Interrupt and exception delivery and IRET (see interrupt.h). */
#include "monitor/interrupt.h"

#include <stdio.h>
#include <string.h>

#define GATE_TASK   0x5
#define GATE_INT16  0x6
#define GATE_TRAP16 0x7
#define GATE_INT32  0xe
#define GATE_TRAP32 0xf

bool emu_exception_has_error(int vector)
{
	return vector == EXC_DF || vector == EXC_TS || vector == EXC_NP || vector == EXC_SS ||
	       vector == EXC_GP || vector == EXC_PF || vector == EXC_AC;
}

static bool emu_contributory(int vector)
{
	return vector == EXC_DE || vector == EXC_TS || vector == EXC_NP || vector == EXC_SS ||
	       vector == EXC_GP;
}

/* Read a GDT/LDT descriptor; on a bad selector raise ext-aware #GP/#TS. */
static int emu_read_desc(struct emu *em, uint16_t sel, uint64_t *d, int vec_on_fail, uint32_t ext)
{
	const struct vcpu_state *st = em->st;
	bool ldt = sel & 4;
	uint32_t base = ldt ? st->ldtr.base : st->gdtr.base;
	uint32_t limit = ldt ? st->ldtr.limit : st->gdtr.limit;
	if ((sel & ~3u) == 0 || (ldt && !(st->ldtr.attr & SEG_P)) || (sel & ~7u) + 7 > limit) {
		emu_fault(em, vec_on_fail, true, (sel & ~3u) | ext);
		return -1;
	}
	return emu_read_sys(em, base + (sel & ~7u), d, 8);
}

/* A push of the delivery, onto the stack of the handler's ring: supervisor
 * pages for ring 0-2 whatever the interrupted CPL. */
static int emu_push32(struct emu *em, uint32_t *esp, uint32_t v, unsigned size, int ring)
{
	*esp -= size;
	return ring < 3 ? emu_write_sys(em, *esp, &v, size) : emu_write(em, *esp, &v, size);
}

/* Deliver one event; *fault_vector is set (and -1 returned) if delivery
 * itself faulted, so the caller can escalate. */
static int emu_deliver_once(struct emu *em, int vector, enum deliver_kind kind, bool has_error,
			    uint32_t error_code, uint32_t return_eip)
{
	struct vcpu_state *st = em->st;
	uint32_t ext = kind == DELIVER_SOFTWARE ? 0 : 1;   /* EXT bit of error codes */
	uint32_t idt_err = (uint32_t)vector * 8 + 2 + ext;  /* an error code naming the IDT entry */
	uint64_t gate;
	int cpl = emu_cpl(st);

	if ((uint32_t)vector * 8 + 7 > st->idtr.limit) {
		emu_fault(em, EXC_GP, true, idt_err);
		return -1;
	}
	if (emu_read_sys(em, st->idtr.base + (uint32_t)vector * 8, &gate, 8) < 0)
		return -1;
	unsigned type = (unsigned)(gate >> 40) & 0x1f;   /* S bit and type */
	unsigned gdpl = (unsigned)(gate >> 45) & 3;
	bool present = (gate >> 47) & 1;
	if (type != GATE_INT32 && type != GATE_TRAP32 && type != GATE_INT16 && type != GATE_TRAP16) {
		if (type == GATE_TASK) {
			snprintf(em->msg, sizeof em->msg, "task gate for vector %d: task switches are not supported", vector);
			em->vector = -1;
			return -2;
		}
		emu_fault(em, EXC_GP, true, idt_err);
		return -1;
	}
	if (kind == DELIVER_SOFTWARE && (int)gdpl < cpl) {
		emu_fault(em, EXC_GP, true, (uint32_t)vector * 8 + 2);
		return -1;
	}
	if (!present) {
		emu_fault(em, EXC_NP, true, idt_err);
		return -1;
	}
	bool gate32 = type == GATE_INT32 || type == GATE_TRAP32;
	unsigned size = gate32 ? 4 : 2;
	uint16_t csel = (uint16_t)(gate >> 16);
	uint32_t offset = (uint32_t)(gate & 0xffff) | (uint32_t)((gate >> 32) & 0xffff0000u);
	if (!gate32)
		offset &= 0xffff;

	uint64_t cd;
	if (emu_read_desc(em, csel, &cd, EXC_GP, ext) < 0)
		return -1;
	struct vcpu_seg cs = vcpu_seg_from_desc(csel, cd);
	unsigned ctype = cs.attr & SEG_TYPE_MASK, cdpl = (cs.attr >> SEG_DPL_SHIFT) & 3;
	if (!(cs.attr & SEG_S) || !(ctype & 8) || (int)cdpl > cpl) {
		emu_fault(em, EXC_GP, true, (csel & ~3u) | ext);
		return -1;
	}
	if (!(cs.attr & SEG_P)) {
		emu_fault(em, EXC_NP, true, (csel & ~3u) | ext);
		return -1;
	}
	if (st->eflags & EFLAGS_VM) {
		snprintf(em->msg, sizeof em->msg, "unsupported: virtual-8086 mode (an interrupt from it)");
		em->vector = -1;
		return -2;
	}
	bool conforming = ctype & 4;
	int new_cpl = conforming ? cpl : (int)cdpl;
	uint32_t old_eflags = st->eflags, old_esp = st->gpr[R_ESP];
	struct vcpu_seg old_ss = st->seg[S_SS], old_cs = st->seg[S_CS];
	uint32_t esp = old_esp;
	struct vcpu_seg new_ss = old_ss;

	if (new_cpl < cpl) {
		/* Inner privilege: SS:ESP for the new ring come from the TSS. */
		uint32_t tss = st->tr.base;
		uint32_t esp_n = 0;
		uint16_t ss_n = 0;
		if (!(st->tr.attr & SEG_P) || st->tr.limit < 8u * (unsigned)new_cpl + 9) {
			emu_fault(em, EXC_TS, true, (st->tr.sel & ~3u) | ext);
			return -1;
		}
		if (emu_read_sys(em, tss + 4 + 8 * (uint32_t)new_cpl, &esp_n, 4) < 0 ||
		    emu_read_sys(em, tss + 8 + 8 * (uint32_t)new_cpl, &ss_n, 2) < 0)
			return -1;
		uint64_t sd;
		if (emu_read_desc(em, ss_n, &sd, EXC_TS, ext) < 0)
			return -1;
		new_ss = vcpu_seg_from_desc(ss_n, sd);
		unsigned stype = new_ss.attr & SEG_TYPE_MASK;
		if ((ss_n & 3) != (unsigned)new_cpl || ((new_ss.attr >> SEG_DPL_SHIFT) & 3) != (unsigned)new_cpl ||
		    !(new_ss.attr & SEG_S) || (stype & 8) || !(stype & 2)) {
			emu_fault(em, EXC_TS, true, (ss_n & ~3u) | ext);
			return -1;
		}
		if (!(new_ss.attr & SEG_P)) {
			emu_fault(em, EXC_SS, true, (ss_n & ~3u) | ext);
			return -1;
		}
		esp = esp_n;
		if (emu_push32(em, &esp, old_ss.sel, size, new_cpl) < 0 ||
		    emu_push32(em, &esp, old_esp, size, new_cpl) < 0)
			return -1;
	}
	if (emu_push32(em, &esp, old_eflags, size, new_cpl) < 0 || emu_push32(em, &esp, old_cs.sel, size, new_cpl) < 0 ||
	    emu_push32(em, &esp, return_eip, size, new_cpl) < 0)
		return -1;
	if (has_error && emu_push32(em, &esp, error_code, size, new_cpl) < 0)
		return -1;

	/* Committed: nothing below can fault. */
	if (new_cpl < cpl) {
		new_ss.attr |= 1;
		st->seg[S_SS] = new_ss;
		/* Data segments the new ring may not use become null, as IRET does on
		 * the way out; on the way in they stay (the handler reloads them). */
	}
	cs.attr |= 1;
	cs.sel = (uint16_t)((csel & ~3u) | (unsigned)new_cpl);
	st->seg[S_CS] = cs;
	st->gpr[R_ESP] = esp;
	st->eip = offset;
	st->eflags &= ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM);
	if (type == GATE_INT32 || type == GATE_INT16)
		st->eflags &= ~EFLAGS_IF;
	return 0;
}

enum emu_result emu_deliver(struct emu *em, int vector, enum deliver_kind kind, bool has_error,
			    uint32_t error_code, uint32_t return_eip)
{
	struct vcpu_state saved = *em->st;
	int current = vector;

	for (int depth = 0; depth < 3; depth++) {
		int rc = emu_deliver_once(em, current, kind, has_error, error_code, return_eip);
		if (rc == 0)
			return EMU_JUMP;
		uint32_t cr2 = em->st->cr2;
		*em->st = saved;   /* a fault in delivery leaves the state as it was */
		if (em->vector == EXC_PF)
			em->st->cr2 = cr2;   /* ... but CR2 names the page that faulted */
		if (rc == -2)
			return EMU_STOP;
		int second = em->vector;
		if (current == EXC_DF) {
			snprintf(em->msg, sizeof em->msg,
				 "triple fault: %s while delivering a double fault (the machine shuts down)",
				 emu_exception_name(second));
			return EMU_STOP;
		}
		bool df = (emu_contributory(current) && emu_contributory(second)) ||
			  (current == EXC_PF && (second == EXC_PF || emu_contributory(second)));
		if (df) {
			current = EXC_DF;
			has_error = true;
			error_code = 0;
		} else {
			current = second;
			has_error = em->has_error;
			error_code = em->error_code;
		}
		/* A fault while delivering INT n is a fault of the INT instruction
		 * itself (its address is the state's EIP); otherwise the return
		 * address stays the faulting or interrupted instruction. */
		if (kind == DELIVER_SOFTWARE)
			return_eip = saved.eip;
		kind = DELIVER_EXCEPTION;
	}
	snprintf(em->msg, sizeof em->msg, "triple fault while delivering vector %d", vector);
	return EMU_STOP;
}

enum emu_result emu_iret(struct emu *em, unsigned size)
{
	struct vcpu_state *st = em->st;
	struct vcpu_state saved = *st;
	int cpl = emu_cpl(st);
	uint32_t esp = st->gpr[R_ESP], eip = 0, csel = 0, fl = 0;

	if (st->eflags & EFLAGS_NT) {
		/* A task return: the back link at TSS offset 0 must name a busy TSS
		 * in the GDT, else #TS(link). The task switch itself is not modelled. */
		uint16_t link = 0;
		uint64_t d;
		if (emu_read_sys(em, st->tr.base, &link, 2) < 0)
			return EMU_FAULT;
		if ((link & 4) || emu_read_desc(em, link, &d, EXC_TS, 0) < 0)
			return emu_fault(em, EXC_TS, true, link & ~3u);
		unsigned type = (unsigned)(d >> 40) & 0x1f;   /* S bit and type */
		if (type != 0x0b && type != 0x03)
			return emu_fault(em, EXC_TS, true, link & ~3u);
		snprintf(em->msg, sizeof em->msg, "IRET with NT set to task 0x%x: task switches are not supported", link);
		return EMU_STOP;
	}
	if (emu_read(em, esp, &eip, size) < 0 || emu_read(em, esp + size, &csel, size) < 0 ||
	    emu_read(em, esp + 2 * size, &fl, size) < 0)
		return EMU_FAULT;
	esp += 3 * size;
	csel &= 0xffff;
	if (size == 2)
		fl = (st->eflags & 0xffff0000u) | (fl & 0xffff);
	if ((fl & EFLAGS_VM) && cpl == 0) {
		snprintf(em->msg, sizeof em->msg, "unsupported: virtual-8086 mode (IRET with EFLAGS.VM set)");
		return EMU_STOP;
	}
	int rpl = (int)(csel & 3);
	uint64_t cd;
	if (rpl < cpl)
		return emu_fault(em, EXC_GP, true, csel & ~3u);
	if (emu_read_desc(em, (uint16_t)csel, &cd, EXC_GP, 0) < 0)
		return EMU_FAULT;
	struct vcpu_seg cs = vcpu_seg_from_desc((uint16_t)csel, cd);
	unsigned ctype = cs.attr & SEG_TYPE_MASK, cdpl = (cs.attr >> SEG_DPL_SHIFT) & 3;
	if (!(cs.attr & SEG_S) || !(ctype & 8) || ((ctype & 4) ? (int)cdpl > rpl : (int)cdpl != rpl))
		return emu_fault(em, EXC_GP, true, csel & ~3u);
	if (!(cs.attr & SEG_P))
		return emu_fault(em, EXC_NP, true, csel & ~3u);
	if (size == 2)
		eip &= 0xffff;
	if (eip > cs.limit)
		return emu_fault(em, EXC_GP, true, 0);

	if (rpl > cpl) {
		/* Return to an outer ring: its SS:ESP were pushed too. */
		uint32_t new_esp = 0, ssel = 0;
		if (emu_read(em, esp, &new_esp, size) < 0 || emu_read(em, esp + size, &ssel, size) < 0) {
			*st = saved;
			return EMU_FAULT;
		}
		ssel &= 0xffff;
		uint64_t sd;
		if (emu_read_desc(em, (uint16_t)ssel, &sd, EXC_GP, 0) < 0) {
			*st = saved;
			return EMU_FAULT;
		}
		struct vcpu_seg ss = vcpu_seg_from_desc((uint16_t)ssel, sd);
		unsigned stype = ss.attr & SEG_TYPE_MASK;
		if ((int)(ssel & 3) != rpl || (int)((ss.attr >> SEG_DPL_SHIFT) & 3) != rpl ||
		    !(ss.attr & SEG_S) || (stype & 8) || !(stype & 2))
			return emu_fault(em, EXC_GP, true, ssel & ~3u);
		if (!(ss.attr & SEG_P))
			return emu_fault(em, EXC_SS, true, ssel & ~3u);
		ss.attr |= 1;
		st->seg[S_SS] = ss;
		esp = size == 2 ? (st->gpr[R_ESP] & 0xffff0000u) | (new_esp & 0xffff) : new_esp;
	}
	/* Which flags this IRET may change, from the ring it runs in. */
	uint32_t mask = EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_TF |
			EFLAGS_DF | EFLAGS_OF | EFLAGS_NT | EFLAGS_RF | EFLAGS_AC | EFLAGS_ID;
	if (cpl == 0)
		mask |= EFLAGS_IOPL | 0x00180000u;   /* IOPL, VIF, VIP */
	if (cpl <= (int)((st->eflags & EFLAGS_IOPL) >> 12))
		mask |= EFLAGS_IF;
	if (size == 2)
		mask &= 0xffff;
	st->eflags = (st->eflags & ~mask) | (fl & mask) | EFLAGS_FIXED;
	cs.attr |= 1;
	st->seg[S_CS] = cs;
	st->eip = eip;
	st->gpr[R_ESP] = esp;
	if (rpl > cpl)
		emu_null_inner_segs(st, rpl);
	return EMU_JUMP;
}
