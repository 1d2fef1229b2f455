/* KVM register structure conversions (see kvm_regs.h). */
#include "engine/kvm_regs.h"

#include <string.h>

void kvmr_from_regs(const struct kvm_regs *r, struct vcpu_state *st)
{
	st->gpr[R_EAX] = (uint32_t)r->rax;
	st->gpr[R_ECX] = (uint32_t)r->rcx;
	st->gpr[R_EDX] = (uint32_t)r->rdx;
	st->gpr[R_EBX] = (uint32_t)r->rbx;
	st->gpr[R_ESP] = (uint32_t)r->rsp;
	st->gpr[R_EBP] = (uint32_t)r->rbp;
	st->gpr[R_ESI] = (uint32_t)r->rsi;
	st->gpr[R_EDI] = (uint32_t)r->rdi;
	st->eip = (uint32_t)r->rip;
	st->eflags = (uint32_t)r->rflags;
}

void kvmr_to_regs(const struct vcpu_state *st, struct kvm_regs *r)
{
	memset(r, 0, sizeof *r);
	r->rax = st->gpr[R_EAX];
	r->rcx = st->gpr[R_ECX];
	r->rdx = st->gpr[R_EDX];
	r->rbx = st->gpr[R_EBX];
	r->rsp = st->gpr[R_ESP];
	r->rbp = st->gpr[R_EBP];
	r->rsi = st->gpr[R_ESI];
	r->rdi = st->gpr[R_EDI];
	r->rip = st->eip;
	r->rflags = st->eflags | EFLAGS_FIXED;
}

struct vcpu_seg kvmr_seg_from(const struct kvm_segment *k)
{
	struct vcpu_seg s = {
		.sel = k->selector,
		.base = (uint32_t)k->base,
		.limit = k->limit,
	};
	s.attr = (uint16_t)((k->type & SEG_TYPE_MASK) | (k->s ? SEG_S : 0) |
			    ((k->dpl & 3) << SEG_DPL_SHIFT) | (k->present ? SEG_P : 0) |
			    (k->avl ? SEG_AVL : 0) | (k->l ? SEG_L : 0) | (k->db ? SEG_DB : 0) |
			    (k->g ? SEG_G : 0));
	return s;
}

struct kvm_segment kvmr_seg_to(const struct vcpu_seg *s)
{
	struct kvm_segment k = {
		.base = s->base,
		.limit = s->limit,
		.selector = s->sel,
		.type = s->attr & SEG_TYPE_MASK,
		.present = !!(s->attr & SEG_P),
		.dpl = (s->attr >> SEG_DPL_SHIFT) & 3,
		.db = !!(s->attr & SEG_DB),
		.s = !!(s->attr & SEG_S),
		.l = !!(s->attr & SEG_L),
		.g = !!(s->attr & SEG_G),
		.avl = !!(s->attr & SEG_AVL),
	};
	/* A null data selector is unusable, not a present segment. */
	k.unusable = !(s->attr & SEG_P);
	return k;
}

void kvmr_from_sregs(const struct kvm_sregs *r, struct vcpu_state *st)
{
	const struct kvm_segment *segs[S_COUNT] = { &r->es, &r->cs, &r->ss, &r->ds, &r->fs, &r->gs };
	for (int i = 0; i < S_COUNT; i++)
		st->seg[i] = kvmr_seg_from(segs[i]);
	st->ldtr = kvmr_seg_from(&r->ldt);
	st->tr = kvmr_seg_from(&r->tr);
	st->gdtr = (struct vcpu_dtr){ (uint32_t)r->gdt.base, r->gdt.limit };
	st->idtr = (struct vcpu_dtr){ (uint32_t)r->idt.base, r->idt.limit };
	st->cr0 = (uint32_t)r->cr0;
	st->cr2 = (uint32_t)r->cr2;
	st->cr3 = (uint32_t)r->cr3;
	st->cr4 = (uint32_t)r->cr4;
	st->efer = r->efer;
}

void kvmr_to_sregs(const struct vcpu_state *st, struct kvm_sregs *r)
{
	struct kvm_segment *segs[S_COUNT] = { &r->es, &r->cs, &r->ss, &r->ds, &r->fs, &r->gs };
	for (int i = 0; i < S_COUNT; i++)
		*segs[i] = kvmr_seg_to(&st->seg[i]);
	r->ldt = kvmr_seg_to(&st->ldtr);
	r->tr = kvmr_seg_to(&st->tr);
	r->gdt.base = st->gdtr.base;
	r->gdt.limit = st->gdtr.limit;
	r->idt.base = st->idtr.base;
	r->idt.limit = st->idtr.limit;
	r->cr0 = st->cr0;
	r->cr2 = st->cr2;
	r->cr3 = st->cr3;
	r->cr4 = st->cr4;
	r->efer = st->efer;
}

void kvmr_from_debugregs(const struct kvm_debugregs *r, struct vcpu_state *st)
{
	for (int i = 0; i < 4; i++)
		st->dr[i] = (uint32_t)r->db[i];
	st->dr[6] = (uint32_t)r->dr6;
	st->dr[7] = (uint32_t)r->dr7;
}
