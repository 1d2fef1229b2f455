/* Emulation of sensitive instructions (see emulate.h). The privilege checks
 * and exception vectors follow the Intel SDM, volume 2 (each instruction's
 * "Protected Mode Exceptions"); virtual-8086 mode is not modelled. */
#include "monitor/emulate.h"
#include "monitor/msr_arch.h"

#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <x86intrin.h>

#include "monitor/paging.h"

#define CR4_TSD 0x4u   /* time stamp disable: RDTSC is privileged */
#define CR0_DEFINED 0xe005003fu   /* PE MP EM TS ET NE WP AM NW CD PG */

static const char *const emu_exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

const char *emu_exception_name(int vector)
{
	if (vector >= 0 && vector < 32 && emu_exc_names[vector])
		return emu_exc_names[vector];
	return "#?";
}

enum emu_result emu_fault(struct emu *em, int vector, bool has_error, uint32_t error_code)
{
	em->vector = vector;
	em->has_error = has_error;
	em->error_code = error_code;
	return EMU_FAULT;
}

int emu_cpl(const struct vcpu_state *st)
{
	return st->seg[S_CS].sel & 3;
}

static int emu_iopl(const struct vcpu_state *st)
{
	return (int)((st->eflags & EFLAGS_IOPL) >> 12);
}

static void emu_ram_written(struct emu *em, uint64_t pa, uint64_t len)
{
	if (em->m->ram_written)
		em->m->ram_written(em->m->ram_written_opaque, pa, len);
}

/* Physical addresses of the (at most two: len <= 4096) pages of lin..lin+len,
 * all checked before the caller touches any; -1 after raising #PF. */
static int emu_walk(struct emu *em, uint32_t lin, unsigned len, bool write, uint64_t pa[2])
{
	struct pg_phys ram = pg_phys_ram(&em->m->mem);
	struct pg_mode mode = pg_mode_of(em->st, em->m->maxphyaddr);
	unsigned flags = PG_SET_AD | (!em->sys && emu_cpl(em->st) == 3 ? PG_USER : 0);
	uint32_t second = (lin | 0xfffu) + 1;   /* the next page, if the access reaches it */
	uint32_t at[2] = { lin, second };
	int n = len > 1 && (uint32_t)(lin + len - 1) - lin >= second - lin ? 2 : 1;
	bool user = flags & PG_USER;
	struct emu_tlb *t = em->tlb;
	for (int i = 0; i < n; i++) {
		if (t && t->valid && t->gen == em->tlb_gen && t->lin == at[i] >> 12 && t->user == user &&
		    (!write || t->writable)) {
			pa[i] = t->pa | (at[i] & 0xfffu);
			continue;
		}
		struct pg_result r;
		switch (pg_translate(&ram, &mode, at[i], write ? PG_WRITE : PG_READ, flags, &r)) {
		case PG_OK:
			pa[i] = r.pa;
			if (t)
				*t = (struct emu_tlb){ .gen = em->tlb_gen, .pa = r.pa & ~0xfffull, .lin = at[i] >> 12,
						       .valid = true, .user = user, .writable = r.writable && r.dirty };
			break;
		case PG_FAULT:
			em->st->cr2 = r.lin;
			emu_fault(em, EXC_PF, true, r.error);
			return -1;
		case PG_BAD_PHYS:
			snprintf(em->msg, sizeof em->msg, "a page table entry for 0x%08x is at 0x%llx, outside RAM",
				 at[i], (unsigned long long)r.bad_pa);
			emu_fault(em, EXC_GP, true, 0);
			return -1;
		}
	}
	return n;
}

static int emu_access(struct emu *em, uint32_t lin, void *buf, unsigned len, bool write)
{
	struct guestmem *gm = &em->m->mem;
	uint8_t *b = buf;

	if (em->st->cr0 & CR0_PG) {
		uint64_t pa[2];
		int n = emu_walk(em, lin, len, write, pa);
		if (n < 0)
			return -1;
		unsigned first = n == 2 ? 0x1000u - (lin & 0xfffu) : len;
		for (int i = 0; i < n; i++) {
			unsigned off = i ? first : 0, cnt = i ? len - first : first;
			/* RAM and device memory meet at page boundaries: each page's
			 * piece is one or the other. A device sees the access whole
			 * (the APICs decode 32-bit registers). */
			if (!gmem_is_ram(gm, pa[i], 1)) {
				machine_mmio(em->m, em->st->eip, pa[i], b + off, cnt, write);
				continue;
			}
			if (write) {
				memcpy(gm->phys + pa[i], b + off, cnt);
				emu_ram_written(em, pa[i], cnt);
			} else {
				memcpy(b + off, gm->phys + pa[i], cnt);
			}
		}
		return 0;
	}
	for (unsigned i = 0; i < len; ) {
		uint32_t a = lin + i;
		unsigned chunk = len - i;
		if (gmem_is_ram(gm, a, 1)) {
			while (chunk > 1 && !gmem_is_ram(gm, a, chunk))
				chunk--;
			if (write) {
				memcpy(gm->phys + a, b + i, chunk);
				emu_ram_written(em, a, chunk);
			} else {
				memcpy(b + i, gm->phys + a, chunk);
			}
		} else {
			/* Device memory up to the page's end (where RAM could resume)
			 * in one access: the APICs decode whole 32-bit registers. */
			unsigned room = 0x1000u - (a & 0xfffu);
			if (chunk > room)
				chunk = room;
			machine_mmio(em->m, em->st->eip, a, b + i, chunk, write);
		}
		i += chunk;
	}
	return 0;
}

int emu_ram_span(struct emu *em, uint32_t lin, unsigned len, bool write, uint8_t **host)
{
	*host = NULL;
	if (!len || (lin & 0xfffu) + len > 0x1000u)
		return 0;
	uint64_t pa[2] = { lin, 0 };
	if ((em->st->cr0 & CR0_PG) && emu_walk(em, lin, len, write, pa) < 0)
		return -1;
	*host = gmem_ptr(&em->m->mem, pa[0], len);
	if (*host && write)
		emu_ram_written(em, pa[0], len);
	return 0;
}

int emu_read(struct emu *em, uint32_t lin, void *buf, unsigned len)
{
	return emu_access(em, lin, buf, len, false);
}

int emu_write(struct emu *em, uint32_t lin, const void *buf, unsigned len)
{
	return emu_access(em, lin, (void *)buf, len, true);
}

int emu_read_sys(struct emu *em, uint32_t lin, void *buf, unsigned len)
{
	bool was = em->sys;
	em->sys = true;
	int rc = emu_access(em, lin, buf, len, false);
	em->sys = was;
	return rc;
}

int emu_write_sys(struct emu *em, uint32_t lin, const void *buf, unsigned len)
{
	bool was = em->sys;
	em->sys = true;
	int rc = emu_access(em, lin, (void *)buf, len, true);
	em->sys = was;
	return rc;
}

enum emu_result emu_cli(struct emu *em)
{
	if (emu_cpl(em->st) > emu_iopl(em->st))
		return emu_fault(em, EXC_GP, true, 0);
	em->st->eflags &= ~EFLAGS_IF;
	return EMU_NEXT;
}

enum emu_result emu_sti(struct emu *em)
{
	if (emu_cpl(em->st) > emu_iopl(em->st))
		return emu_fault(em, EXC_GP, true, 0);
	em->st->eflags |= EFLAGS_IF;
	return EMU_NEXT;
}

enum emu_result emu_pushf(struct emu *em, unsigned size)
{
	struct vcpu_state *st = em->st;
	uint32_t v = (st->eflags & ~(EFLAGS_VM | EFLAGS_RF)) | EFLAGS_FIXED;
	uint32_t sp = st->gpr[R_ESP] - size;
	if (emu_write(em, sp, &v, size) < 0)
		return EMU_FAULT;
	st->gpr[R_ESP] = sp;
	return EMU_NEXT;
}

enum emu_result emu_popf(struct emu *em, unsigned size)
{
	struct vcpu_state *st = em->st;
	uint32_t v = 0;
	if (emu_read(em, st->gpr[R_ESP], &v, size) < 0)
		return EMU_FAULT;
	uint32_t mask = EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_TF |
			EFLAGS_DF | EFLAGS_OF | EFLAGS_NT | EFLAGS_AC | EFLAGS_ID;
	int cpl = emu_cpl(st);
	if (cpl == 0)
		mask |= EFLAGS_IOPL;
	if (cpl <= emu_iopl(st))
		mask |= EFLAGS_IF;
	if (size == 2)
		mask &= 0xffff;
	st->eflags = (st->eflags & ~mask) | (v & mask) | EFLAGS_FIXED;
	st->eflags &= ~EFLAGS_RF;
	st->gpr[R_ESP] += size;
	return EMU_NEXT;
}

enum emu_result emu_hlt(struct emu *em)
{
	if (emu_cpl(em->st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	return EMU_HALT;
}

/* IN/OUT/INS/OUTS: CPL <= IOPL, or else the TSS's I/O permission bitmap
 * (SDM vol. 1, 19.5): a 32-bit TSS whose bitmap (at the 16-bit offset at
 * 0x66) has the bits of every port accessed clear. The CPU reads two bytes
 * of it; either past the TSS limit is #GP. 1 allowed, 0 #GP, -1 a fault
 * reading the TSS was raised. */
static int emu_io_allowed(struct emu *em, uint16_t port, unsigned size)
{
	if (emu_cpl(em->st) <= emu_iopl(em->st))
		return 1;
	const struct vcpu_seg *tr = &em->st->tr;
	unsigned type = tr->attr & SEG_TYPE_MASK;
	if (type != 0x9 && type != SEG_TYPE_TSS32_BUSY)
		return 0;   /* a 16-bit TSS has no bitmap */
	uint16_t map;
	if (tr->limit < 0x67)
		return 0;
	if (emu_read_sys(em, tr->base + 0x66, &map, sizeof map) < 0)
		return -1;
	uint32_t at = (uint32_t)map + port / 8u;
	if (at + 1 > tr->limit)
		return 0;
	uint16_t bits;
	if (emu_read_sys(em, tr->base + at, &bits, sizeof bits) < 0)
		return -1;
	uint16_t want = (uint16_t)(((1u << size) - 1) << (port & 7));
	return (bits & want) ? 0 : 1;
}

enum emu_result emu_in(struct emu *em, uint16_t port, unsigned size, uint32_t *value)
{
	int ok = emu_io_allowed(em, port, size);
	if (ok < 0)
		return EMU_FAULT;
	if (!ok)
		return emu_fault(em, EXC_GP, true, 0);
	*value = 0;
	machine_pio(em->m, em->st->eip, port, value, size, false);
	return EMU_NEXT;
}

enum emu_result emu_out(struct emu *em, uint16_t port, unsigned size, uint32_t value)
{
	int ok = emu_io_allowed(em, port, size);
	if (ok < 0)
		return EMU_FAULT;
	if (!ok)
		return emu_fault(em, EXC_GP, true, 0);
	machine_pio(em->m, em->st->eip, port, &value, size, true);
	return EMU_NEXT;
}

enum emu_result emu_cpuid(struct emu *em)
{
	struct vcpu_state *st = em->st;
	uint32_t r[4];
	cpu_model_cpuid(&em->m->cpu, st->gpr[R_EAX], st->gpr[R_ECX], 0, r);
	st->gpr[R_EAX] = r[0];
	st->gpr[R_EBX] = r[1];
	st->gpr[R_ECX] = r[2];
	st->gpr[R_EDX] = r[3];
	return EMU_NEXT;
}

enum emu_result emu_rdtsc(struct emu *em)
{
	if (!cpu_has(&em->m->cpu, CPUF_TSC))
		return emu_fault(em, EXC_UD, false, 0);
	if ((em->st->cr4 & CR4_TSD) && emu_cpl(em->st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	uint64_t t = __rdtsc() + em->st->tsc_offset;
	em->st->gpr[R_EAX] = (uint32_t)t;
	em->st->gpr[R_EDX] = (uint32_t)(t >> 32);
	return EMU_NEXT;
}

enum emu_result emu_lgdt(struct emu *em, uint32_t lin, bool idt)
{
	uint8_t b[6];
	if (emu_cpl(em->st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	if (emu_read(em, lin, b, 6) < 0)
		return EMU_FAULT;
	struct vcpu_dtr *t = idt ? &em->st->idtr : &em->st->gdtr;
	memcpy(&t->limit, b, 2);
	memcpy(&t->base, b + 2, 4);
	return EMU_NEXT;
}

enum emu_result emu_sgdt(struct emu *em, uint32_t lin, bool idt)
{
	uint8_t b[6];
	const struct vcpu_dtr *t = idt ? &em->st->idtr : &em->st->gdtr;
	memcpy(b, &t->limit, 2);
	memcpy(b + 2, &t->base, 4);
	return emu_write(em, lin, b, 6) < 0 ? EMU_FAULT : EMU_NEXT;
}

/* Call gates, task gates and TSSs: transfers through them are not modelled. */
static bool emu_is_gate_or_tss(unsigned type)
{
	return type == 0x1 || type == 0x3 || type == 0x4 || type == 0x5 || type == 0x9 || type == 0xb || type == 0xc;
}

/* Read the descriptor of sel from the GDT or LDT; raise #GP(sel) if outside. */
static int emu_desc(struct emu *em, uint16_t sel, uint64_t *d, uint32_t *addr)
{
	const struct vcpu_state *st = em->st;
	uint32_t base = (sel & 4) ? st->ldtr.base : st->gdtr.base;
	uint32_t limit = (sel & 4) ? st->ldtr.limit : st->gdtr.limit;
	uint32_t idx = sel & ~7u;
	if (((sel & 4) && !(st->ldtr.attr & SEG_P)) || idx + 7 > limit) {
		emu_fault(em, EXC_GP, true, sel & ~3u);
		return -1;
	}
	*addr = base + idx;
	return emu_read_sys(em, *addr, d, 8);
}

/* Set the accessed bit (type bit 0) in memory, as the CPU does on a load. */
static void emu_mark_accessed(struct emu *em, uint32_t addr, uint64_t d)
{
	if (!(d & (1ull << 40))) {
		uint8_t b = (uint8_t)((d >> 40) | 1);
		emu_write_sys(em, addr + 5, &b, 1);
	}
}

enum emu_result emu_load_seg(struct emu *em, int seg, uint16_t sel)
{
	struct vcpu_state *st = em->st;
	int cpl = emu_cpl(st), rpl = sel & 3;
	uint64_t d;
	uint32_t addr;

	if ((sel & ~3u) == 0) {
		if (seg == S_SS)
			return emu_fault(em, EXC_GP, true, 0);
		st->seg[seg] = (struct vcpu_seg){ .sel = sel };   /* null: unusable */
		return EMU_NEXT;
	}
	if (emu_desc(em, sel, &d, &addr) < 0)
		return EMU_FAULT;
	struct vcpu_seg s = vcpu_seg_from_desc(sel, d);
	unsigned type = s.attr & SEG_TYPE_MASK, dpl = (s.attr >> SEG_DPL_SHIFT) & 3;
	bool code = type & 8, readable = type & 2, writable = !code && (type & 2);
	if (!(s.attr & SEG_S))
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	if (seg == S_SS) {
		if (rpl != cpl || (int)dpl != cpl || !writable)
			return emu_fault(em, EXC_GP, true, sel & ~3u);
		if (!(s.attr & SEG_P))
			return emu_fault(em, EXC_SS, true, sel & ~3u);
	} else {
		if (code && !readable)
			return emu_fault(em, EXC_GP, true, sel & ~3u);
		bool conforming_code = code && (type & 4);
		if (!conforming_code && ((int)dpl < cpl || (int)dpl < rpl))
			return emu_fault(em, EXC_GP, true, sel & ~3u);
		if (!(s.attr & SEG_P))
			return emu_fault(em, EXC_NP, true, sel & ~3u);
	}
	emu_mark_accessed(em, addr, d);
	s.attr |= 1;
	st->seg[seg] = s;
	return EMU_NEXT;
}

static enum emu_result emu_load_cs(struct emu *em, uint16_t sel, uint32_t offset, int new_cpl,
				   bool check_rpl, const char *what, struct vcpu_seg *out);

enum emu_result emu_far_jmp(struct emu *em, uint16_t sel, uint32_t offset)
{
	struct vcpu_state *st = em->st;
	struct vcpu_seg cs;
	enum emu_result r = emu_load_cs(em, sel, offset, emu_cpl(st), true, "far jump", &cs);
	if (r != EMU_NEXT)
		return r;
	st->seg[S_CS] = cs;
	st->eip = offset;
	return EMU_JUMP;
}

enum emu_result emu_ltr(struct emu *em, uint16_t sel)
{
	uint64_t d;
	uint32_t addr;

	if (emu_cpl(em->st) != 0 || (sel & ~3u) == 0)
		return emu_fault(em, EXC_GP, true, 0);
	if (sel & 4)
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	if (emu_desc(em, sel, &d, &addr) < 0)
		return EMU_FAULT;
	struct vcpu_seg s = vcpu_seg_from_desc(sel, d);
	unsigned type = s.attr & SEG_TYPE_MASK;
	if ((s.attr & SEG_S) || (type != 9 && type != 1))   /* available 32- or 16-bit TSS */
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	if (!(s.attr & SEG_P))
		return emu_fault(em, EXC_NP, true, sel & ~3u);
	uint8_t b = (uint8_t)((d >> 40) | 2);   /* mark it busy in the GDT */
	emu_write_sys(em, addr + 5, &b, 1);
	s.attr |= 2;
	em->st->tr = s;
	return EMU_NEXT;
}

enum emu_result emu_lldt(struct emu *em, uint16_t sel)
{
	uint64_t d;
	uint32_t addr;

	if (emu_cpl(em->st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	if ((sel & ~3u) == 0) {
		em->st->ldtr = (struct vcpu_seg){ .sel = sel };
		return EMU_NEXT;
	}
	if (sel & 4)
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	if (emu_desc(em, sel, &d, &addr) < 0)
		return EMU_FAULT;
	struct vcpu_seg s = vcpu_seg_from_desc(sel, d);
	if ((s.attr & SEG_S) || (s.attr & SEG_TYPE_MASK) != SEG_TYPE_LDT)
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	if (!(s.attr & SEG_P))
		return emu_fault(em, EXC_NP, true, sel & ~3u);
	em->st->ldtr = s;
	return EMU_NEXT;
}

enum emu_result emu_lmsw(struct emu *em, uint16_t v)
{
	if (emu_cpl(em->st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	/* LMSW sets PE MP EM TS but cannot clear PE. */
	uint32_t cr0 = em->st->cr0;
	cr0 = (cr0 & ~0xeu) | (v & 0xfu) | (cr0 & CR0_PE);
	em->st->cr0 = cr0;
	return EMU_NEXT;
}

enum emu_result emu_mov_to_cr(struct emu *em, int cr, uint32_t v)
{
	struct vcpu_state *st = em->st;
	if (emu_cpl(st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	switch (cr) {
	case 0:
		if ((v & CR0_PG) && !(v & CR0_PE))
			return emu_fault(em, EXC_GP, true, 0);
		if ((v & 0x20000000u) && !(v & 0x40000000u))   /* NW without CD */
			return emu_fault(em, EXC_GP, true, 0);
		/* Real mode is not modelled (the translator runs 32-bit code only):
		 * stop rather than go on as if still protected. */
		if (!(v & CR0_PE)) {
			snprintf(em->msg, sizeof em->msg, "unsupported: real mode (CR0.PE cleared)");
			return EMU_STOP;
		}
		st->cr0 = (v & CR0_DEFINED) | CR0_ET;   /* reserved bits: writes are ignored */
		return EMU_NEXT;
	case 2: st->cr2 = v; return EMU_NEXT;
	case 3: st->cr3 = v; return EMU_NEXT;
	case 4:
		/* Bits for features the CPU model lacks are reserved. */
		if (v & ~cpu_model_cr4_mask(&em->m->cpu))
			return emu_fault(em, EXC_GP, true, 0);
		st->cr4 = v;
		return EMU_NEXT;
	default:
		return emu_fault(em, EXC_UD, false, 0);
	}
}

enum emu_result emu_mov_from_cr(struct emu *em, int cr, uint32_t *v)
{
	const struct vcpu_state *st = em->st;
	if (emu_cpl(st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	switch (cr) {
	case 0: *v = st->cr0; return EMU_NEXT;
	case 2: *v = st->cr2; return EMU_NEXT;
	case 3: *v = st->cr3; return EMU_NEXT;
	case 4: *v = st->cr4; return EMU_NEXT;
	default: return emu_fault(em, EXC_UD, false, 0);
	}
}

enum emu_result emu_privileged_nop(struct emu *em)
{
	if (emu_cpl(em->st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	return EMU_NEXT;
}

/* Load a code segment for a far JMP or CALL (check_rpl: a non-conforming
 * target needs RPL <= CPL) or RET (new_cpl is the selector's RPL); what names
 * the transfer in the message for what is not emulated. */
static enum emu_result emu_load_cs(struct emu *em, uint16_t sel, uint32_t offset, int new_cpl,
				   bool check_rpl, const char *what, struct vcpu_seg *out)
{
	uint64_t d;
	uint32_t addr;
	if ((sel & ~3u) == 0)
		return emu_fault(em, EXC_GP, true, 0);
	if (emu_desc(em, sel, &d, &addr) < 0)
		return EMU_FAULT;
	struct vcpu_seg s = vcpu_seg_from_desc(sel, d);
	unsigned type = s.attr & SEG_TYPE_MASK, dpl = (s.attr >> SEG_DPL_SHIFT) & 3;
	/* A busy TSS cannot be switched to: #GP(selector), before any task
	 * switch (which is not modelled) would begin. */
	if (!(s.attr & SEG_S) && (type == 0x3 || type == 0xb))
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	if (!(s.attr & SEG_S) && emu_is_gate_or_tss(type)) {
		snprintf(em->msg, sizeof em->msg, "%s through a call gate, task gate or TSS is not supported yet", what);
		return EMU_STOP;
	}
	if (!(s.attr & SEG_S) || !(type & 8))
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	bool conforming = type & 4;
	if (conforming ? (int)dpl > new_cpl : ((int)dpl != new_cpl || (check_rpl && (int)(sel & 3) > new_cpl)))
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	if (!(s.attr & SEG_P))
		return emu_fault(em, EXC_NP, true, sel & ~3u);
	if (offset > s.limit)
		return emu_fault(em, EXC_GP, true, 0);
	emu_mark_accessed(em, addr, d);
	s.attr |= 1;
	s.sel = (uint16_t)((sel & ~3u) | (unsigned)new_cpl);
	*out = s;
	return EMU_NEXT;
}

enum emu_result emu_far_call(struct emu *em, uint16_t sel, uint32_t offset, uint32_t next_eip,
			     unsigned size)
{
	struct vcpu_state *st = em->st;
	struct vcpu_seg cs;
	enum emu_result r = emu_load_cs(em, sel, size == 2 ? offset & 0xffff : offset, emu_cpl(st), true,
					"far transfer", &cs);
	if (r != EMU_NEXT)
		return r;
	uint32_t esp = st->gpr[R_ESP], oldcs = st->seg[S_CS].sel;
	esp -= size;
	if (emu_write(em, esp, &oldcs, size) < 0)
		return EMU_FAULT;
	esp -= size;
	if (emu_write(em, esp, &next_eip, size) < 0)
		return EMU_FAULT;
	st->gpr[R_ESP] = esp;
	st->seg[S_CS] = cs;
	st->eip = size == 2 ? offset & 0xffff : offset;
	return EMU_JUMP;
}

enum emu_result emu_far_ret(struct emu *em, unsigned size, uint16_t pop)
{
	struct vcpu_state *st = em->st;
	uint32_t esp = st->gpr[R_ESP], eip = 0, sel = 0;
	int cpl = emu_cpl(st);
	if (emu_read(em, esp, &eip, size) < 0 || emu_read(em, esp + size, &sel, size) < 0)
		return EMU_FAULT;
	sel &= 0xffff;
	int rpl = (int)(sel & 3);
	if (rpl < cpl)
		return emu_fault(em, EXC_GP, true, sel & ~3u);
	struct vcpu_seg cs, ss = st->seg[S_SS];
	enum emu_result r = emu_load_cs(em, (uint16_t)sel, eip, rpl, false, "far transfer", &cs);
	if (r != EMU_NEXT)
		return r;
	esp += 2 * size + pop;
	if (rpl > cpl) {
		uint32_t new_esp = 0, ssel = 0;
		if (emu_read(em, esp, &new_esp, size) < 0 || emu_read(em, esp + size, &ssel, size) < 0)
			return EMU_FAULT;
		struct vcpu_state saved = *st;
		st->seg[S_CS].sel = (uint16_t)((st->seg[S_CS].sel & ~3u) | (unsigned)rpl);   /* SS checks use the new CPL */
		r = emu_load_seg(em, S_SS, (uint16_t)ssel);
		ss = st->seg[S_SS];
		*st = saved;
		if (r != EMU_NEXT)
			return r;
		esp = new_esp + pop;
	}
	st->seg[S_CS] = cs;
	st->seg[S_SS] = ss;
	st->gpr[R_ESP] = esp;
	st->eip = eip;
	if (rpl > cpl)
		emu_null_inner_segs(st, rpl);
	return EMU_JUMP;
}

void emu_null_inner_segs(struct vcpu_state *st, int cpl)
{
	static const int segs[] = { S_ES, S_DS, S_FS, S_GS };
	for (unsigned i = 0; i < sizeof segs / sizeof segs[0]; i++) {
		struct vcpu_seg *g = &st->seg[segs[i]];
		unsigned type = g->attr & SEG_TYPE_MASK, dpl = (g->attr >> SEG_DPL_SHIFT) & 3;
		bool conforming_code = (type & 8) && (type & 4);
		if ((g->attr & SEG_P) && !conforming_code && (int)dpl < cpl)
			*g = (struct vcpu_seg){ .sel = 0 };
	}
}

/* The descriptor of sel if LAR/LSL/VERR/VERW may look at it from this CPL. */
static bool emu_seg_visible(struct emu *em, uint16_t sel, uint64_t *d)
{
	uint32_t addr;
	if ((sel & ~3u) == 0)
		return false;
	const struct vcpu_state *st = em->st;
	uint32_t limit = (sel & 4) ? st->ldtr.limit : st->gdtr.limit;
	if ((sel & 4) && !(st->ldtr.attr & SEG_P))
		return false;
	if ((sel & ~7u) + 7 > limit)
		return false;
	if (emu_desc(em, sel, d, &addr) < 0)
		return false;
	unsigned dpl = (unsigned)(*d >> 45) & 3, type = (unsigned)(*d >> 40) & 0xf;
	bool s = (*d >> 44) & 1;
	bool conforming_code = s && (type & 0xc) == 0xc;
	int cpl = emu_cpl(st);
	return conforming_code || ((int)dpl >= cpl && (int)dpl >= (int)(sel & 3));
}

enum emu_result emu_lar(struct emu *em, uint16_t sel, bool *ok, uint32_t *value)
{
	uint64_t d;
	*ok = false;
	if (emu_seg_visible(em, sel, &d)) {
		unsigned type = (unsigned)(d >> 40) & 0xf;
		bool s = (d >> 44) & 1;
		/* System types LAR accepts: TSS, LDT, call and task gates (not interrupt/trap gates). */
		static const bool sys_ok[16] = { [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1, [9] = 1, [11] = 1, [12] = 1 };
		if (s || sys_ok[type]) {
			*ok = true;
			*value = (uint32_t)(d >> 32) & 0x00f0ff00u;
		}
	}
	return EMU_NEXT;
}

enum emu_result emu_lsl(struct emu *em, uint16_t sel, bool *ok, uint32_t *value)
{
	uint64_t d;
	*ok = false;
	if (emu_seg_visible(em, sel, &d)) {
		unsigned type = (unsigned)(d >> 40) & 0xf;
		bool s = (d >> 44) & 1;
		static const bool sys_ok[16] = { [1] = 1, [2] = 1, [3] = 1, [9] = 1, [11] = 1 };
		if (s || sys_ok[type]) {
			*ok = true;
			*value = vcpu_seg_from_desc(sel, d).limit;
		}
	}
	return EMU_NEXT;
}

enum emu_result emu_verr(struct emu *em, uint16_t sel, bool write, bool *ok)
{
	uint64_t d;
	*ok = false;
	if (emu_seg_visible(em, sel, &d) && ((d >> 44) & 1)) {
		unsigned type = (unsigned)(d >> 40) & 0xf;
		bool code = type & 8;
		*ok = write ? (!code && (type & 2)) : (!code || (type & 2));
	}
	return EMU_NEXT;
}

#define MSR_TSC            0x10
#define MSR_TSC_ADJUST     0x3b
#define MSR_BIOS_SIGN_ID   0x8b    /* microcode revision: 0, nothing loaded */
#define MSR_SYSENTER_CS    0x174
#define MSR_SYSENTER_ESP   0x175
#define MSR_SYSENTER_EIP   0x176
#define MSR_MISC_ENABLE    0x1a0
#define MSR_PAT            0x277
#define MSR_EFER           0xc0000080u
#define PAT_RESET          0x0007040600070406ull
#define MISC_FAST_STRINGS  1ull

/* Does the CPU model have MSR n? Only these exist; the rest #GP. */
static bool emu_msr_exists(const struct cpu_model *c, uint32_t n)
{
	switch (n) {
	case MSR_TSC: return cpu_has(c, CPUF_TSC);
	case MSR_TSC_ADJUST: return cpu_has(c, CPUF_TSCADJ);
	case MSR_BIOS_SIGN_ID: case MSR_MISC_ENABLE: return c->family >= 6;
	case MSR_SYSENTER_CS: case MSR_SYSENTER_ESP: case MSR_SYSENTER_EIP: return cpu_has(c, CPUF_SEP);
	case MSR_PAT: return cpu_has(c, CPUF_PAT);
	case MSR_EFER: return cpu_model_efer_mask(c) != 0;
	default: return false;
	}
}

/* Every PAT entry must be a memory type: UC WC WT WP WB UC- (0 1 4 5 6 7). */
static bool emu_pat_valid(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (unsigned)(v >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

enum emu_result emu_rdmsr(struct emu *em)
{
	struct vcpu_state *st = em->st;
	uint32_t n = st->gpr[R_ECX];
	uint64_t v = 0;
	if (!cpu_has(&em->m->cpu, CPUF_MSR))
		return emu_fault(em, EXC_UD, false, 0);
	int dev = emu_cpl(st) != 0 ? -1 : machine_msr(em->m, 0, n, &v, false);
	if (dev == 1)
		goto done;
	if (dev == 0 && (dev = msr_arch_access(&em->m->cpu, st, n, &v, false)) == 1)
		goto done;
	if (dev < 0 || !emu_msr_exists(&em->m->cpu, n))
		return emu_fault(em, EXC_GP, true, 0);
	switch (n) {
	case MSR_TSC: v = __rdtsc() + st->tsc_offset; break;
	case MSR_TSC_ADJUST: v = st->tsc_adjust; break;
	case MSR_SYSENTER_CS: v = st->sysenter_cs; break;
	case MSR_SYSENTER_ESP: v = st->sysenter_esp; break;
	case MSR_SYSENTER_EIP: v = st->sysenter_eip; break;
	case MSR_PAT: v = st->pat ? st->pat : PAT_RESET; break;
	case MSR_MISC_ENABLE: v = MISC_FAST_STRINGS; break;
	case MSR_EFER: v = st->efer; break;
	default: break;   /* BIOS_SIGN_ID: revision 0 */
	}
done:
	st->gpr[R_EAX] = (uint32_t)v;
	st->gpr[R_EDX] = (uint32_t)(v >> 32);
	return EMU_NEXT;
}

enum emu_result emu_wrmsr(struct emu *em)
{
	struct vcpu_state *st = em->st;
	uint32_t n = st->gpr[R_ECX];
	uint64_t v = (uint64_t)st->gpr[R_EDX] << 32 | st->gpr[R_EAX];
	if (!cpu_has(&em->m->cpu, CPUF_MSR))
		return emu_fault(em, EXC_UD, false, 0);
	int dev = emu_cpl(st) != 0 ? -1 : machine_msr(em->m, 0, n, &v, true);
	if (dev == 0)
		dev = msr_arch_access(&em->m->cpu, st, n, &v, true);
	if (dev == 1)
		return EMU_NEXT;
	if (dev < 0 || !emu_msr_exists(&em->m->cpu, n))
		return emu_fault(em, EXC_GP, true, 0);
	switch (n) {
	case MSR_TSC: {
		/* SDM 17.17.3: what a write adds to the TSC it adds to TSC_ADJUST. */
		uint64_t now = __rdtsc();
		st->tsc_adjust += v - (now + st->tsc_offset);
		st->tsc_offset = v - now;
		break;
	}
	case MSR_TSC_ADJUST:
		st->tsc_offset += v - st->tsc_adjust;
		st->tsc_adjust = v;
		break;
	case MSR_SYSENTER_CS: st->sysenter_cs = (uint32_t)v; break;
	case MSR_SYSENTER_ESP: st->sysenter_esp = (uint32_t)v; break;
	case MSR_SYSENTER_EIP: st->sysenter_eip = (uint32_t)v; break;
	case MSR_PAT:
		if (!emu_pat_valid(v))
			return emu_fault(em, EXC_GP, true, 0);
		st->pat = v;
		break;
	case MSR_MISC_ENABLE:
		if (v != MISC_FAST_STRINGS)   /* the one bit this CPU has, and it stays on */
			return emu_fault(em, EXC_GP, true, 0);
		break;
	case MSR_EFER:
		if (v & ~cpu_model_efer_mask(&em->m->cpu))
			return emu_fault(em, EXC_GP, true, 0);
		st->efer = v;
		break;
	default: break;   /* BIOS_SIGN_ID: a write asks for the revision, which stays 0 */
	}
	return EMU_NEXT;
}

/* SYSENTER: flat ring-0 CS/SS from SYSENTER_CS (and CS+8). */
enum emu_result emu_sysenter(struct emu *em)
{
	struct vcpu_state *st = em->st;
	if (!cpu_has(&em->m->cpu, CPUF_SEP))
		return emu_fault(em, EXC_UD, false, 0);
	uint16_t cs = (uint16_t)st->sysenter_cs;
	if ((cs & ~3u) == 0)
		return emu_fault(em, EXC_GP, true, 0);
	st->eflags &= ~(EFLAGS_VM | EFLAGS_IF | EFLAGS_RF);
	st->seg[S_CS] = vcpu_flat_seg(cs & ~3u, SEG_TYPE_CODE_RX_ACC);
	st->seg[S_SS] = vcpu_flat_seg((uint16_t)((cs & ~3u) + 8), SEG_TYPE_DATA_RW_ACC);
	st->gpr[R_ESP] = st->sysenter_esp;
	st->eip = st->sysenter_eip;
	return EMU_JUMP;
}

/* SYSEXIT: back to ring 3 at EDX with stack ECX, CS = SYSENTER_CS+16, SS = +24. */
enum emu_result emu_sysexit(struct emu *em)
{
	struct vcpu_state *st = em->st;
	if (!cpu_has(&em->m->cpu, CPUF_SEP))
		return emu_fault(em, EXC_UD, false, 0);
	uint16_t cs = (uint16_t)st->sysenter_cs;
	if ((cs & ~3u) == 0 || emu_cpl(st) != 0)
		return emu_fault(em, EXC_GP, true, 0);
	struct vcpu_seg c = vcpu_flat_seg((uint16_t)(((cs & ~3u) + 16) | 3), SEG_TYPE_CODE_RX_ACC);
	struct vcpu_seg s = vcpu_flat_seg((uint16_t)(((cs & ~3u) + 24) | 3), SEG_TYPE_DATA_RW_ACC);
	c.attr |= 3 << SEG_DPL_SHIFT;
	s.attr |= 3 << SEG_DPL_SHIFT;
	st->seg[S_CS] = c;
	st->seg[S_SS] = s;
	st->gpr[R_ESP] = st->gpr[R_ECX];
	st->eip = st->gpr[R_EDX];
	return EMU_JUMP;
}
