/* Helpers shared by the emulation unit tests (test_emulate, test_interrupt):
 * a 64 MiB machine with a hand-built GDT, IDT and TSS in guest RAM, a
 * descriptor packer that lays base/limit/access/flags out in the 8 bytes the
 * Intel SDM (vol. 3, 3.4.5 "Segment Descriptors") gives, gate packing
 * (6.11 "IDT Descriptors"), and a vCPU state at ring 0 or ring 3 that uses them.
 *
 *   static struct et_env E;
 *   et_setup(&E);                     // in a checked fixture
 *   et_ring3(&E);                     // CS=0x1b SS=0x23 DS=ES=FS=GS=0x23
 *   r = emu_ltr(&E.em, ET_SEL_TSS);
 *   et_expect_fault(&E, r, EXC_GP, 0x10);
 *
 * The GDT (at ET_GDT, limit ET_GDT_LIMIT) holds the ET_SEL_* descriptors
 * below; data and code descriptors are written with the accessed bit clear so
 * tests can watch the CPU-style write that sets it.
 */
#ifndef BT86_TESTS_UNIT_EMU_TESTLIB_H
#define BT86_TESTS_UNIT_EMU_TESTLIB_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "monitor/emulate.h"
#include "monitor/machine.h"
#include "monitor/vcpu.h"

#define ET_RAM       (64ull << 20)
#define ET_GDT       0x1000u
#define ET_GDT_LIMIT 0x00ffu     /* 32 descriptors: selector 0x100 is past it */
#define ET_IDT       0x2000u
#define ET_IDT_LIMIT 0x07ffu     /* 256 gates */
#define ET_TSS       0x3000u
#define ET_TSS_LIMIT 0x67u
#define ET_LDT       0x4000u
#define ET_LDT_LIMIT 0x00ffu
#define ET_STACK0    0x90000u    /* ring-0 ESP at setup */
#define ET_ESP0      0x80000u    /* TSS.ESP0 */
#define ET_STACK3    0x70000u    /* ring-3 ESP after et_ring3 */

/* Access byte: P DPL(2) S type(4). Flags nibble: G D/B L AVL. */
#define ET_ACC(p, dpl, s, type) ((uint8_t)(((p) ? 0x80 : 0) | ((dpl) << 5) | ((s) ? 0x10 : 0) | (type)))
#define ET_FLAGS_G  0x8
#define ET_FLAGS_DB 0x4

enum {
	ET_SEL_CODE0 = 0x08,       /* execute/read, DPL 0, flat */
	ET_SEL_DATA0 = 0x10,       /* read/write, DPL 0, flat */
	ET_SEL_CODE3 = 0x18,       /* execute/read, DPL 3, flat */
	ET_SEL_DATA3 = 0x20,       /* read/write, DPL 3, flat */
	ET_SEL_TSS = 0x28,         /* available 32-bit TSS at ET_TSS */
	ET_SEL_LDT = 0x30,         /* LDT at ET_LDT */
	ET_SEL_DATA0_NP = 0x38,    /* read/write, DPL 0, not present */
	ET_SEL_RODATA0 = 0x40,     /* read-only data, DPL 0 */
	ET_SEL_XCODE0 = 0x48,      /* execute-only code, DPL 0 */
	ET_SEL_CONF0 = 0x50,       /* conforming execute/read code, DPL 0 */
	ET_SEL_CODE0_NP = 0x58,    /* execute/read, DPL 0, not present */
	ET_SEL_DATA3_NP = 0x60,    /* read/write, DPL 3, not present */
	ET_SEL_INTGATE = 0x68,     /* a 32-bit interrupt gate (system), in the GDT */
	ET_SEL_CALLGATE = 0x70,    /* a 32-bit call gate, DPL 3 */
	ET_SEL_TSS_BUSY = 0x78,    /* busy 32-bit TSS at ET_TSS + 0x100 */
	ET_SEL_SMALLDATA = 0x80,   /* read/write DPL 0, base 0x10000, byte limit 0x1234 */
	ET_SEL_RODATA3 = 0x88,     /* read-only data, DPL 3 */
	ET_SEL_SMALLCODE = 0x90,   /* execute/read DPL 0, base 0, byte limit 0xfff */
	ET_SEL_TSS_NP = 0x98,      /* available 32-bit TSS, not present */
	ET_SEL_CODE0B = 0xa0,      /* a second flat execute/read DPL 0 code segment */
	ET_SEL_CODE3_NP = 0xa8,    /* execute/read, DPL 3, not present */
	ET_SEL_CONF0_XO = 0xb0,    /* conforming execute-only code, DPL 0 */
	ET_SEL_BEYOND = 0x100,     /* first selector past the GDT limit */
};

struct et_env {
	struct machine m;
	struct vcpu_state st;
	struct emu em;
};

static inline uint64_t et_desc(uint32_t base, uint32_t limit20, uint8_t access, uint8_t flags)
{
	uint64_t d = 0;
	d |= (uint64_t)(limit20 & 0xffff);
	d |= (uint64_t)(base & 0xffffff) << 16;
	d |= (uint64_t)access << 40;
	d |= (uint64_t)((limit20 >> 16) & 0xf) << 48;
	d |= (uint64_t)(flags & 0xf) << 52;
	d |= (uint64_t)(base >> 24) << 56;
	return d;
}

/* An IDT or call gate: offset, selector, type (0xe int32, 0xf trap32, 0x6/0x7
 * 16-bit, 0x5 task, 0xc call gate), DPL, present. */
static inline uint64_t et_gate(uint32_t offset, uint16_t sel, unsigned type, unsigned dpl, int present)
{
	uint64_t g = 0;
	g |= offset & 0xffff;
	g |= (uint64_t)sel << 16;
	g |= (uint64_t)ET_ACC(present, dpl, 0, type) << 40;
	g |= (uint64_t)(offset >> 16) << 48;
	return g;
}

static inline void et_put64(struct et_env *e, uint32_t pa, uint64_t v)
{
	ck_assert_int_eq(gmem_write(&e->m.mem, pa, &v, 8), 0);
}

static inline uint64_t et_get64(struct et_env *e, uint32_t pa)
{
	uint64_t v = 0;
	ck_assert_int_eq(gmem_read(&e->m.mem, pa, &v, 8), 0);
	return v;
}

static inline void et_put32(struct et_env *e, uint32_t pa, uint32_t v)
{
	ck_assert_int_eq(gmem_write(&e->m.mem, pa, &v, 4), 0);
}

static inline uint32_t et_get32(struct et_env *e, uint32_t pa)
{
	uint32_t v = 0;
	ck_assert_int_eq(gmem_read(&e->m.mem, pa, &v, 4), 0);
	return v;
}

static inline uint16_t et_get16(struct et_env *e, uint32_t pa)
{
	uint16_t v = 0;
	ck_assert_int_eq(gmem_read(&e->m.mem, pa, &v, 2), 0);
	return v;
}

static inline void et_put_gdt(struct et_env *e, uint16_t sel, uint64_t d)
{
	et_put64(e, ET_GDT + (sel & ~7u), d);
}

static inline uint64_t et_get_gdt(struct et_env *e, uint16_t sel)
{
	return et_get64(e, ET_GDT + (sel & ~7u));
}

/* The access byte (descriptor byte 5) of a GDT entry, as stored in memory. */
static inline uint8_t et_access(struct et_env *e, uint16_t sel)
{
	return (uint8_t)(et_get_gdt(e, sel) >> 40);
}

static inline void et_put_idt(struct et_env *e, int vector, uint64_t g)
{
	et_put64(e, ET_IDT + (uint32_t)vector * 8, g);
}

/* A segment register as loading sel from a flat descriptor of the given
 * type and DPL would leave it (accessed bit set). */
static inline struct vcpu_seg et_seg(uint16_t sel, uint16_t type, unsigned dpl)
{
	struct vcpu_seg s = vcpu_flat_seg(sel, (uint16_t)(type | 1));
	s.attr = (uint16_t)(s.attr | (dpl << SEG_DPL_SHIFT));
	return s;
}

static inline void et_build_gdt(struct et_env *e)
{
	const uint8_t f = ET_FLAGS_G | ET_FLAGS_DB;
	et_put_gdt(e, 0, 0);
	et_put_gdt(e, ET_SEL_CODE0, et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0xa), f));
	et_put_gdt(e, ET_SEL_DATA0, et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0x2), f));
	et_put_gdt(e, ET_SEL_CODE3, et_desc(0, 0xfffff, ET_ACC(1, 3, 1, 0xa), f));
	et_put_gdt(e, ET_SEL_DATA3, et_desc(0, 0xfffff, ET_ACC(1, 3, 1, 0x2), f));
	et_put_gdt(e, ET_SEL_TSS, et_desc(ET_TSS, ET_TSS_LIMIT, ET_ACC(1, 0, 0, 0x9), 0));
	et_put_gdt(e, ET_SEL_LDT, et_desc(ET_LDT, ET_LDT_LIMIT, ET_ACC(1, 0, 0, 0x2), 0));
	et_put_gdt(e, ET_SEL_DATA0_NP, et_desc(0, 0xfffff, ET_ACC(0, 0, 1, 0x2), f));
	et_put_gdt(e, ET_SEL_RODATA0, et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0x0), f));
	et_put_gdt(e, ET_SEL_XCODE0, et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0x8), f));
	et_put_gdt(e, ET_SEL_CONF0, et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0xe), f));
	et_put_gdt(e, ET_SEL_CODE0_NP, et_desc(0, 0xfffff, ET_ACC(0, 0, 1, 0xa), f));
	et_put_gdt(e, ET_SEL_DATA3_NP, et_desc(0, 0xfffff, ET_ACC(0, 3, 1, 0x2), f));
	et_put_gdt(e, ET_SEL_INTGATE, et_gate(0x5000, ET_SEL_CODE0, 0xe, 0, 1));
	et_put_gdt(e, ET_SEL_CALLGATE, et_gate(0x5000, ET_SEL_CODE0, 0xc, 3, 1));
	et_put_gdt(e, ET_SEL_TSS_BUSY, et_desc(ET_TSS + 0x100, ET_TSS_LIMIT, ET_ACC(1, 0, 0, 0xb), 0));
	et_put_gdt(e, ET_SEL_SMALLDATA, et_desc(0x10000, 0x1234, ET_ACC(1, 0, 1, 0x2), ET_FLAGS_DB));
	et_put_gdt(e, ET_SEL_RODATA3, et_desc(0, 0xfffff, ET_ACC(1, 3, 1, 0x0), f));
	et_put_gdt(e, ET_SEL_SMALLCODE, et_desc(0, 0xfff, ET_ACC(1, 0, 1, 0xa), ET_FLAGS_DB));
	et_put_gdt(e, ET_SEL_TSS_NP, et_desc(ET_TSS + 0x200, ET_TSS_LIMIT, ET_ACC(0, 0, 0, 0x9), 0));
	et_put_gdt(e, ET_SEL_CODE0B, et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0xa), f));
	et_put_gdt(e, ET_SEL_CODE3_NP, et_desc(0, 0xfffff, ET_ACC(0, 3, 1, 0xa), f));
	et_put_gdt(e, ET_SEL_CONF0_XO, et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0xc), f));
}

/* Ring 0, flat segments, protected mode without paging, IF clear; the TSS has
 * SS0:ESP0 = ET_SEL_DATA0:ET_ESP0 and TR already names it (busy). */
static inline void et_setup(struct et_env *e)
{
	char err[256] = "";
	memset(e, 0, sizeof *e);
	ck_assert_msg(machine_init(&e->m, &(struct machine_config){ .ram_size = ET_RAM }, err, sizeof err) == 0,
		      "machine_init: %s", err);
	et_build_gdt(e);
	et_put32(e, ET_TSS + 4, ET_ESP0);
	et_put32(e, ET_TSS + 8, ET_SEL_DATA0);
	et_put32(e, ET_TSS + 0x64, 0x00680000u);   /* I/O map base past the limit: no bitmap */

	struct vcpu_state *st = &e->st;
	memset(st, 0, sizeof *st);
	st->seg[S_CS] = et_seg(ET_SEL_CODE0, 0xa, 0);
	st->seg[S_SS] = et_seg(ET_SEL_DATA0, 0x2, 0);
	st->seg[S_DS] = st->seg[S_ES] = st->seg[S_FS] = st->seg[S_GS] = st->seg[S_SS];
	st->gpr[R_ESP] = ET_STACK0;
	st->eip = 0x1000;
	st->eflags = EFLAGS_FIXED;
	st->cr0 = CR0_PE | CR0_ET;
	st->gdtr = (struct vcpu_dtr){ .base = ET_GDT, .limit = ET_GDT_LIMIT };
	st->idtr = (struct vcpu_dtr){ .base = ET_IDT, .limit = ET_IDT_LIMIT };
	st->tr = (struct vcpu_seg){ .sel = ET_SEL_TSS, .base = ET_TSS, .limit = ET_TSS_LIMIT,
				    .attr = SEG_P | SEG_TYPE_TSS32_BUSY };
	e->em = (struct emu){ .m = &e->m, .st = st };
}

static inline void et_teardown(struct et_env *e)
{
	machine_destroy(&e->m);
}

/* Ring 3: CS = code3|3, SS and data segments = data3|3, ESP = ET_STACK3. */
static inline void et_ring3(struct et_env *e)
{
	struct vcpu_state *st = &e->st;
	st->seg[S_CS] = et_seg(ET_SEL_CODE3 | 3, 0xa, 3);
	st->seg[S_SS] = et_seg(ET_SEL_DATA3 | 3, 0x2, 3);
	st->seg[S_DS] = st->seg[S_ES] = st->seg[S_FS] = st->seg[S_GS] = st->seg[S_SS];
	st->gpr[R_ESP] = ET_STACK3;
}

static inline void et_set_iopl(struct et_env *e, unsigned iopl)
{
	e->st.eflags = (e->st.eflags & ~EFLAGS_IOPL) | (iopl << 12);
}

/* Assert that r is EMU_FAULT with this vector and error code (err < 0: none). */
#define et_expect_fault(e, r, vec, err) \
	do { \
		enum emu_result et_r_ = (r); \
		long et_err_ = (long)(err); \
		ck_assert_msg(et_r_ == EMU_FAULT, "expected %s, got result %d", emu_exception_name(vec), (int)et_r_); \
		ck_assert_msg((e)->em.vector == (vec), "expected %s, got %s (vector %d)", \
			      emu_exception_name(vec), emu_exception_name((e)->em.vector), (e)->em.vector); \
		if (et_err_ < 0) { \
			ck_assert_msg(!(e)->em.has_error, "%s should have no error code", emu_exception_name(vec)); \
		} else { \
			ck_assert_msg((e)->em.has_error, "%s should have an error code", emu_exception_name(vec)); \
			ck_assert_msg((e)->em.error_code == (uint32_t)et_err_, "%s error code 0x%x, expected 0x%lx", \
				      emu_exception_name(vec), (e)->em.error_code, et_err_); \
		} \
	} while (0)

static inline int et_seg_eq(const struct vcpu_seg *a, const struct vcpu_seg *b)
{
	return a->sel == b->sel && a->attr == b->attr && a->base == b->base && a->limit == b->limit;
}

/* Field by field (struct vcpu_dtr has padding); the name of the first
 * difference, or NULL. */
static inline const char *et_state_diff(const struct vcpu_state *a, const struct vcpu_state *b)
{
	for (int i = 0; i < R_COUNT; i++)
		if (a->gpr[i] != b->gpr[i])
			return vcpu_reg_name((enum vcpu_reg)i);
	for (int i = 0; i < S_COUNT; i++)
		if (!et_seg_eq(&a->seg[i], &b->seg[i]))
			return vcpu_seg_name((enum vcpu_segreg)i);
	if (a->eip != b->eip) return "eip";
	if (a->eflags != b->eflags) return "eflags";
	if (!et_seg_eq(&a->ldtr, &b->ldtr)) return "ldtr";
	if (!et_seg_eq(&a->tr, &b->tr)) return "tr";
	if (a->gdtr.base != b->gdtr.base || a->gdtr.limit != b->gdtr.limit) return "gdtr";
	if (a->idtr.base != b->idtr.base || a->idtr.limit != b->idtr.limit) return "idtr";
	if (a->cr0 != b->cr0 || a->cr2 != b->cr2 || a->cr3 != b->cr3 || a->cr4 != b->cr4) return "cr";
	if (a->sysenter_cs != b->sysenter_cs || a->sysenter_esp != b->sysenter_esp ||
	    a->sysenter_eip != b->sysenter_eip) return "sysenter";
	if (a->tsc_offset != b->tsc_offset || a->pat != b->pat || a->efer != b->efer) return "msr";
	return NULL;
}

/* The vCPU state equals a saved copy (a faulting instruction changes nothing). */
#define et_expect_state(e, saved) \
	do { \
		const char *et_d_ = et_state_diff(&(e)->st, (saved)); \
		ck_assert_msg(et_d_ == NULL, "vCPU state changed (%s) by a faulting instruction", et_d_); \
	} while (0)

#endif
