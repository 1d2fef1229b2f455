/* Unit tests for monitor/emulate: every emu_* emulation function against a
 * hand-built GDT/TSS in a 64 MiB machine, checked against the Intel SDM
 * (vol. 2, each instruction's "Operation" and "Protected Mode Exceptions";
 * vol. 3, 5.x protection checks): privilege checks by CPL (CS.sel & 3) and
 * IOPL for CLI/STI/IN/OUT/HLT; PUSHF/POPF at CPL 0 and 3 (IF/IOPL writable or
 * silently kept); LGDT/SGDT/LIDT/SIDT round trips through guest memory; LTR
 * (busy bit written to the GDT, #GP/#NP for non-TSS, busy and not-present
 * descriptors); LLDT and loads through the LDT; emu_load_seg for DS/SS with
 * every failure (null SS, RPL/DPL, not present #NP/#SS, non-writable SS,
 * execute-only code, system descriptors, past the GDT limit) and the accessed
 * bit set in memory; far JMP/CALL/RET (same ring and return to an outer ring);
 * LAR/LSL/VERR/VERW verdicts; MOV to/from CR0/CR2/CR3/CR4 and LMSW; RDMSR and
 * WRMSR (TSC offset, SYSENTER MSRs, PAT, MTRRs, machine-check banks, unknown MSR #GP); SYSENTER/SYSEXIT;
 * CPUID masks; RDTSC with CR4.TSD; emu_read/emu_write across RAM and MMIO. */
#include <check.h>
#include <cpuid.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/emulate.h"
#include "monitor/msr_arch.h"
#include "monitor/machine.h"
#include "tests/unit/emu_testlib.h"

#define CR4_TSD 0x4u
#define CR4_PSE 0x10u
#define CR4_PGE 0x80u

static struct et_env E;

static void setup(void)
{
	et_setup(&E);
}

static void teardown(void)
{
	et_teardown(&E);
}

/* ---- exceptions, CPL ---- */

START_TEST(exception_names)
{
	ck_assert_str_eq(emu_exception_name(EXC_DE), "#DE");
	ck_assert_str_eq(emu_exception_name(EXC_UD), "#UD");
	ck_assert_str_eq(emu_exception_name(EXC_DF), "#DF");
	ck_assert_str_eq(emu_exception_name(EXC_TS), "#TS");
	ck_assert_str_eq(emu_exception_name(EXC_NP), "#NP");
	ck_assert_str_eq(emu_exception_name(EXC_SS), "#SS");
	ck_assert_str_eq(emu_exception_name(EXC_GP), "#GP");
	ck_assert_str_eq(emu_exception_name(EXC_PF), "#PF");
	ck_assert_str_eq(emu_exception_name(EXC_AC), "#AC");
	ck_assert_str_eq(emu_exception_name(-1), "#?");
	ck_assert_str_eq(emu_exception_name(32), "#?");
	ck_assert_str_eq(emu_exception_name(255), "#?");
	ck_assert_str_eq(emu_exception_name(31), "#?");   /* reserved vector: no NULL */
}
END_TEST

START_TEST(fault_records_vector_and_error)
{
	ck_assert_int_eq(emu_fault(&E.em, EXC_NP, true, 0x1234), EMU_FAULT);
	et_expect_fault(&E, EMU_FAULT, EXC_NP, 0x1234);
	ck_assert_int_eq(emu_fault(&E.em, EXC_UD, false, 0), EMU_FAULT);
	et_expect_fault(&E, EMU_FAULT, EXC_UD, -1);
}
END_TEST

START_TEST(cpl_from_cs_selector)
{
	for (unsigned rpl = 0; rpl < 4; rpl++) {
		E.st.seg[S_CS].sel = (uint16_t)(ET_SEL_CODE0 | rpl);
		ck_assert_int_eq(emu_cpl(&E.st), (int)rpl);
	}
}
END_TEST

/* ---- CLI/STI/HLT/IN/OUT: CPL against IOPL ---- */

START_TEST(cli_sti_ring0)
{
	E.st.eflags |= EFLAGS_IF;
	ck_assert_int_eq(emu_cli(&E.em), EMU_NEXT);
	ck_assert_uint_eq(E.st.eflags & EFLAGS_IF, 0);
	ck_assert_int_eq(emu_sti(&E.em), EMU_NEXT);
	ck_assert_uint_eq(E.st.eflags & EFLAGS_IF, EFLAGS_IF);
	ck_assert_uint_eq(E.st.eflags & ~EFLAGS_IF, EFLAGS_FIXED);
}
END_TEST

START_TEST(cli_sti_need_cpl_le_iopl)
{
	/* CPL 3, IOPL 0..2: #GP(0), IF untouched; IOPL 3: allowed. */
	et_ring3(&E);
	for (unsigned iopl = 0; iopl < 3; iopl++) {
		et_set_iopl(&E, iopl);
		E.st.eflags |= EFLAGS_IF;
		struct vcpu_state saved = E.st;
		et_expect_fault(&E, emu_cli(&E.em), EXC_GP, 0);
		et_expect_state(&E, &saved);
		E.st.eflags &= ~EFLAGS_IF;
		saved = E.st;
		et_expect_fault(&E, emu_sti(&E.em), EXC_GP, 0);
		et_expect_state(&E, &saved);
	}
	et_set_iopl(&E, 3);
	E.st.eflags |= EFLAGS_IF;
	ck_assert_int_eq(emu_cli(&E.em), EMU_NEXT);
	ck_assert_uint_eq(E.st.eflags & EFLAGS_IF, 0);
	ck_assert_int_eq(emu_sti(&E.em), EMU_NEXT);
	ck_assert_uint_eq(E.st.eflags & EFLAGS_IF, EFLAGS_IF);

	/* CPL 1 with IOPL 1 passes, with IOPL 0 faults. */
	E.st.seg[S_CS].sel = ET_SEL_CODE0 | 1;
	et_set_iopl(&E, 1);
	ck_assert_int_eq(emu_cli(&E.em), EMU_NEXT);
	et_set_iopl(&E, 0);
	et_expect_fault(&E, emu_sti(&E.em), EXC_GP, 0);
}
END_TEST

START_TEST(hlt_ring0_only)
{
	ck_assert_int_eq(emu_hlt(&E.em), EMU_HALT);
	et_ring3(&E);
	et_set_iopl(&E, 3);   /* IOPL does not matter for HLT */
	et_expect_fault(&E, emu_hlt(&E.em), EXC_GP, 0);
	E.st.seg[S_CS].sel = ET_SEL_CODE0 | 1;
	et_expect_fault(&E, emu_hlt(&E.em), EXC_GP, 0);
}
END_TEST

START_TEST(out_reaches_device)
{
	ck_assert_int_eq(emu_out(&E.em, DBGEXIT_PORT, 1, 0x21), EMU_NEXT);
	ck_assert(atomic_load(&E.m.exit_pending));
	ck_assert_uint_eq(E.m.exit_value, 0x21);
}
END_TEST

START_TEST(in_unclaimed_port_reads_all_ones)
{
	uint32_t v = 0x12345678;
	uint64_t before = E.m.events.count[EV_IO];
	ck_assert_int_eq(emu_in(&E.em, 0x1234, 1, &v), EMU_NEXT);
	ck_assert_uint_eq(v, 0xff);
	ck_assert_int_eq(emu_in(&E.em, 0x1234, 2, &v), EMU_NEXT);
	ck_assert_uint_eq(v, 0xffff);
	ck_assert_int_eq(emu_in(&E.em, 0x1234, 4, &v), EMU_NEXT);
	ck_assert_uint_eq(v, 0xffffffffu);
	ck_assert_uint_eq(E.m.events.count[EV_IO], before + 3);
}
END_TEST

START_TEST(io_privilege)
{
	uint32_t v = 0xabcd;
	et_ring3(&E);
	for (unsigned iopl = 0; iopl < 3; iopl++) {
		et_set_iopl(&E, iopl);
		et_expect_fault(&E, emu_in(&E.em, 0x3f8, 1, &v), EXC_GP, 0);
		ck_assert_uint_eq(v, 0xabcd);
		et_expect_fault(&E, emu_out(&E.em, DBGEXIT_PORT, 1, 7), EXC_GP, 0);
		ck_assert(!atomic_load(&E.m.exit_pending));
	}
	et_set_iopl(&E, 3);
	ck_assert_int_eq(emu_out(&E.em, DBGEXIT_PORT, 1, 7), EMU_NEXT);
	ck_assert(atomic_load(&E.m.exit_pending));
	ck_assert_int_eq(emu_in(&E.em, 0x1234, 1, &v), EMU_NEXT);
}
END_TEST

/* Above IOPL, the TSS's I/O permission bitmap decides (SDM vol. 1, 19.5):
 * every bit of the ports accessed clear, both bytes read within the limit. */
START_TEST(io_permission_bitmap)
{
	uint32_t v;
	/* A bitmap for ports 0-0x7ff at 0x68, all denied but 0xf4 and 0x80-0x81,
	 * and the limit one past it, as the SDM's trailing 0xff byte asks. */
	et_put32(&E, ET_TSS + 0x64, 0x00680000u);
	for (uint32_t i = 0; i < 0x101; i++)
		E.m.mem.phys[ET_TSS + 0x68 + i] = 0xff;
	E.m.mem.phys[ET_TSS + 0x68 + DBGEXIT_PORT / 8] &= (uint8_t)~(1u << (DBGEXIT_PORT & 7));
	E.m.mem.phys[ET_TSS + 0x68 + 0x10] = 0xfc;   /* ports 0x80 and 0x81 */
	E.st.tr.limit = 0x68 + 0x100;
	et_ring3(&E);
	et_set_iopl(&E, 0);
	ck_assert_int_eq(emu_out(&E.em, DBGEXIT_PORT, 1, 7), EMU_NEXT);
	ck_assert(atomic_load(&E.m.exit_pending));
	ck_assert_int_eq(emu_in(&E.em, 0x80, 2, &v), EMU_NEXT);
	et_expect_fault(&E, emu_in(&E.em, 0x81, 2, &v), EXC_GP, 0);   /* 0x82 is denied */
	et_expect_fault(&E, emu_in(&E.em, 0x80, 4, &v), EXC_GP, 0);
	et_expect_fault(&E, emu_in(&E.em, 0x7fc, 1, &v), EXC_GP, 0);  /* denied: the map's last byte */
	E.st.tr.limit = 0x68 + 0xff;   /* now the second byte of port 0x7f8's pair is past it */
	E.m.mem.phys[ET_TSS + 0x68 + 0xff] = 0;
	et_expect_fault(&E, emu_in(&E.em, 0x7f8, 1, &v), EXC_GP, 0);
	E.st.tr.limit = 0x68 + 0x100;
	/* A 16-bit TSS has no bitmap. */
	E.st.tr.attr = (uint16_t)((E.st.tr.attr & ~SEG_TYPE_MASK) | 0x3);
	et_expect_fault(&E, emu_in(&E.em, 0x80, 1, &v), EXC_GP, 0);
}
END_TEST

/* ---- PUSHF/POPF ---- */

START_TEST(pushf_clears_vm_rf)
{
	E.st.eflags = EFLAGS_FIXED | EFLAGS_CF | EFLAGS_IF | EFLAGS_RF | EFLAGS_AC | (2u << 12);
	et_put32(&E, ET_STACK0 - 4, 0xdeadbeef);
	ck_assert_int_eq(emu_pushf(&E.em, 4), EMU_NEXT);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 4);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 4),
			  EFLAGS_FIXED | EFLAGS_CF | EFLAGS_IF | EFLAGS_AC | (2u << 12));
	/* RF stays set in the register; only the image has it clear. */
	ck_assert_uint_ne(E.st.eflags & EFLAGS_RF, 0);
}
END_TEST

START_TEST(pushf16_writes_two_bytes)
{
	E.st.eflags = EFLAGS_FIXED | EFLAGS_ZF | EFLAGS_AC;
	et_put32(&E, ET_STACK0 - 4, 0xdeadbeef);
	ck_assert_int_eq(emu_pushf(&E.em, 2), EMU_NEXT);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 2);
	ck_assert_uint_eq(et_get16(&E, ET_STACK0 - 2), EFLAGS_FIXED | EFLAGS_ZF);
	ck_assert_uint_eq(et_get16(&E, ET_STACK0 - 4), 0xbeef);   /* below: untouched */
}
END_TEST

START_TEST(pushf_ring3_reveals_flags)
{
	/* PUSHF does not trap at CPL 3: it is the classic unprivileged sensitive one. */
	et_ring3(&E);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF;
	ck_assert_int_eq(emu_pushf(&E.em, 4), EMU_NEXT);
	ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 4), EFLAGS_FIXED | EFLAGS_IF);
}
END_TEST

START_TEST(popf_ring0_all_writable)
{
	E.st.eflags = EFLAGS_FIXED | EFLAGS_RF;
	uint32_t img = EFLAGS_CF | EFLAGS_ZF | EFLAGS_IF | EFLAGS_DF | EFLAGS_OF | EFLAGS_NT |
		       EFLAGS_AC | EFLAGS_ID | (3u << 12) | EFLAGS_TF;
	et_put32(&E, ET_STACK0, img | EFLAGS_RF | EFLAGS_VM | 0x8 | 0x20 | 0x8000);   /* plus reserved bits */
	ck_assert_int_eq(emu_popf(&E.em, 4), EMU_NEXT);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 + 4);
	/* VM unaffected, RF cleared, reserved bits stay 0, bit 1 stays 1 */
	ck_assert_uint_eq(E.st.eflags, img | EFLAGS_FIXED);
}
END_TEST

START_TEST(popf_ring3_keeps_if_iopl)
{
	et_ring3(&E);
	et_set_iopl(&E, 0);
	E.st.eflags |= EFLAGS_IF;
	et_put32(&E, ET_STACK3, EFLAGS_CF | EFLAGS_SF | EFLAGS_DF | (3u << 12));   /* IF=0, IOPL=3 */
	ck_assert_int_eq(emu_popf(&E.em, 4), EMU_NEXT);   /* silently: no #GP */
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_IF | EFLAGS_CF | EFLAGS_SF | EFLAGS_DF);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK3 + 4);

	/* IOPL 0, IF clear: cannot be set either */
	E.st.eflags = EFLAGS_FIXED;
	et_put32(&E, ET_STACK3 + 4, EFLAGS_IF);
	ck_assert_int_eq(emu_popf(&E.em, 4), EMU_NEXT);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED);
}
END_TEST

START_TEST(popf_ring3_iopl3_if_writable)
{
	et_ring3(&E);
	et_set_iopl(&E, 3);
	E.st.eflags |= EFLAGS_IF;
	et_put32(&E, ET_STACK3, EFLAGS_ZF);   /* IF=0, IOPL=0 */
	ck_assert_int_eq(emu_popf(&E.em, 4), EMU_NEXT);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_ZF | (3u << 12));
}
END_TEST

START_TEST(popf16_keeps_upper_half)
{
	E.st.eflags = EFLAGS_FIXED | EFLAGS_AC | EFLAGS_ID | EFLAGS_CF;
	et_put32(&E, ET_STACK0, 0xffff0000u | EFLAGS_ZF);
	ck_assert_int_eq(emu_popf(&E.em, 2), EMU_NEXT);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 + 2);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_AC | EFLAGS_ID | EFLAGS_ZF);
}
END_TEST

START_TEST(pushf_popf_round_trip)
{
	E.st.eflags = EFLAGS_FIXED | EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF |
		      EFLAGS_IF | EFLAGS_OF | (1u << 12);
	uint32_t before = E.st.eflags;
	ck_assert_int_eq(emu_pushf(&E.em, 4), EMU_NEXT);
	E.st.eflags = EFLAGS_FIXED;
	ck_assert_int_eq(emu_popf(&E.em, 4), EMU_NEXT);
	ck_assert_uint_eq(E.st.eflags, before);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0);
}
END_TEST

/* ---- emu_read / emu_write ---- */

START_TEST(read_write_ram_and_mmio)
{
	const uint8_t in[4] = { 1, 2, 3, 4 };
	uint8_t out[4] = { 0 };
	ck_assert_int_eq(emu_write(&E.em, 0x5000, in, 4), 0);
	ck_assert_int_eq(emu_read(&E.em, 0x5000, out, 4), 0);
	ck_assert_mem_eq(out, in, 4);

	/* straddling RAM and the VGA window: two bytes each */
	ck_assert_int_eq(emu_write(&E.em, GMEM_VGA_BASE - 2, in, 4), 0);
	ck_assert_uint_eq(E.m.mem.phys[GMEM_VGA_BASE - 2], 1);
	ck_assert_uint_eq(E.m.mem.phys[GMEM_VGA_BASE - 1], 2);
	ck_assert_uint_eq(E.m.vga->bytes[0], 3);
	ck_assert_uint_eq(E.m.vga->bytes[1], 4);
	memset(out, 0, sizeof out);
	ck_assert_int_eq(emu_read(&E.em, GMEM_VGA_BASE - 2, out, 4), 0);
	ck_assert_mem_eq(out, in, 4);

	/* past RAM: nothing there, reads are all ones (open bus) */
	memset(out, 0, sizeof out);
	ck_assert_int_eq(emu_read(&E.em, (uint32_t)ET_RAM, out, 4), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(out[i], 0xff);
}
END_TEST

/* ---- LGDT/SGDT/LIDT/SIDT ---- */

START_TEST(lgdt_sgdt_round_trip)
{
	const uint8_t pseudo[6] = { 0xff, 0x01, 0x78, 0x56, 0x34, 0x12 };   /* limit 0x1ff, base 0x12345678 */
	ck_assert_int_eq(gmem_write(&E.m.mem, 0x5000, pseudo, 6), 0);
	struct vcpu_dtr idt = E.st.idtr;
	ck_assert_int_eq(emu_lgdt(&E.em, 0x5000, false), EMU_NEXT);
	ck_assert_uint_eq(E.st.gdtr.base, 0x12345678);
	ck_assert_uint_eq(E.st.gdtr.limit, 0x1ff);
	ck_assert_uint_eq(E.st.idtr.base, idt.base);   /* IDTR untouched */
	ck_assert_uint_eq(E.st.idtr.limit, idt.limit);

	et_put64(&E, 0x5100, 0xaaaaaaaaaaaaaaaaull);
	ck_assert_int_eq(emu_sgdt(&E.em, 0x5100, false), EMU_NEXT);
	uint8_t out[8];
	ck_assert_int_eq(gmem_read(&E.m.mem, 0x5100, out, 8), 0);
	ck_assert_mem_eq(out, pseudo, 6);
	ck_assert_uint_eq(out[6], 0xaa);   /* six bytes, no more */
	ck_assert_uint_eq(out[7], 0xaa);
}
END_TEST

START_TEST(lidt_sidt_round_trip)
{
	const uint8_t pseudo[6] = { 0x07, 0x00, 0x00, 0x80, 0x0b, 0x00 };   /* limit 7, base 0xb8000 */
	ck_assert_int_eq(gmem_write(&E.m.mem, 0x6000, pseudo, 6), 0);
	struct vcpu_dtr gdt = E.st.gdtr;
	ck_assert_int_eq(emu_lgdt(&E.em, 0x6000, true), EMU_NEXT);
	ck_assert_uint_eq(E.st.idtr.base, 0xb8000);
	ck_assert_uint_eq(E.st.idtr.limit, 7);
	ck_assert_uint_eq(E.st.gdtr.base, gdt.base);
	ck_assert_uint_eq(E.st.gdtr.limit, gdt.limit);
	ck_assert_int_eq(emu_sgdt(&E.em, 0x6100, true), EMU_NEXT);
	uint8_t out[6];
	ck_assert_int_eq(gmem_read(&E.m.mem, 0x6100, out, 6), 0);
	ck_assert_mem_eq(out, pseudo, 6);
	/* SGDT still stores the GDT */
	ck_assert_int_eq(emu_sgdt(&E.em, 0x6200, false), EMU_NEXT);
	ck_assert_uint_eq(et_get16(&E, 0x6200), ET_GDT_LIMIT);
	ck_assert_uint_eq(et_get32(&E, 0x6202), ET_GDT);
}
END_TEST

START_TEST(lgdt_ring3_gp_sgdt_allowed)
{
	et_ring3(&E);
	et_put64(&E, 0x5000, 0x0000123456780fffull);
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_lgdt(&E.em, 0x5000, false), EXC_GP, 0);
	et_expect_fault(&E, emu_lgdt(&E.em, 0x5000, true), EXC_GP, 0);
	et_expect_state(&E, &saved);
	/* SGDT/SIDT are not privileged (no UMIP): they reveal the real tables */
	ck_assert_int_eq(emu_sgdt(&E.em, 0x5100, false), EMU_NEXT);
	ck_assert_uint_eq(et_get32(&E, 0x5102), ET_GDT);
	ck_assert_int_eq(emu_sgdt(&E.em, 0x5200, true), EMU_NEXT);
	ck_assert_uint_eq(et_get32(&E, 0x5202), ET_IDT);
}
END_TEST

/* ---- LTR ---- */

START_TEST(ltr_loads_and_marks_busy)
{
	E.st.tr = (struct vcpu_seg){ 0 };
	ck_assert_uint_eq(et_access(&E, ET_SEL_TSS) & 0xf, 0x9);
	ck_assert_int_eq(emu_ltr(&E.em, ET_SEL_TSS), EMU_NEXT);
	ck_assert_uint_eq(E.st.tr.sel, ET_SEL_TSS);
	ck_assert_uint_eq(E.st.tr.base, ET_TSS);
	ck_assert_uint_eq(E.st.tr.limit, ET_TSS_LIMIT);
	ck_assert_uint_eq(E.st.tr.attr & SEG_TYPE_MASK, SEG_TYPE_TSS32_BUSY);
	ck_assert_uint_ne(E.st.tr.attr & SEG_P, 0);
	ck_assert_uint_eq(E.st.tr.attr & SEG_S, 0);
	/* the descriptor in memory is now busy, nothing else in it changed */
	ck_assert_uint_eq(et_access(&E, ET_SEL_TSS), ET_ACC(1, 0, 0, 0xb));
	ck_assert_uint_eq(et_get_gdt(&E, ET_SEL_TSS) & ~(0xffull << 40),
			  et_desc(ET_TSS, ET_TSS_LIMIT, 0, 0));
	/* loading it again: a busy TSS is not an available one */
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_TSS), EXC_GP, ET_SEL_TSS);
}
END_TEST

START_TEST(ltr_rpl_ignored_in_selector_error)
{
	E.st.tr = (struct vcpu_seg){ 0 };
	ck_assert_int_eq(emu_ltr(&E.em, ET_SEL_TSS | 3), EMU_NEXT);
	ck_assert_uint_eq(E.st.tr.base, ET_TSS);
	/* error codes carry the selector without its RPL */
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_DATA0 | 3), EXC_GP, ET_SEL_DATA0);
}
END_TEST

START_TEST(ltr_rejects)
{
	struct vcpu_state saved = E.st;
	uint64_t tss_np = et_get_gdt(&E, ET_SEL_TSS_NP);
	et_expect_fault(&E, emu_ltr(&E.em, 0), EXC_GP, 0);                        /* null */
	et_expect_fault(&E, emu_ltr(&E.em, 3), EXC_GP, 0);                        /* null, RPL 3 */
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_DATA0), EXC_GP, ET_SEL_DATA0);  /* not a TSS */
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_CODE0), EXC_GP, ET_SEL_CODE0);
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_LDT), EXC_GP, ET_SEL_LDT);
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_CALLGATE), EXC_GP, ET_SEL_CALLGATE);
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_TSS_BUSY), EXC_GP, ET_SEL_TSS_BUSY);
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_TSS_NP), EXC_NP, ET_SEL_TSS_NP);
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_TSS | 4), EXC_GP, ET_SEL_TSS | 4);  /* LDT */
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_BEYOND), EXC_GP, ET_SEL_BEYOND);
	et_expect_state(&E, &saved);
	ck_assert_uint_eq(et_get_gdt(&E, ET_SEL_TSS_NP), tss_np);   /* not marked busy */
	ck_assert_uint_eq(et_access(&E, ET_SEL_TSS) & 0xf, 0x9);
	et_ring3(&E);
	et_expect_fault(&E, emu_ltr(&E.em, ET_SEL_TSS), EXC_GP, 0);
	ck_assert_uint_eq(et_access(&E, ET_SEL_TSS) & 0xf, 0x9);
}
END_TEST

START_TEST(ltr_16bit_tss)
{
	et_put_gdt(&E, ET_SEL_TSS_NP, et_desc(0x7000, 0x2b, ET_ACC(1, 0, 0, 0x1), 0));
	ck_assert_int_eq(emu_ltr(&E.em, ET_SEL_TSS_NP), EMU_NEXT);
	ck_assert_uint_eq(et_access(&E, ET_SEL_TSS_NP) & 0xf, 0x3);   /* busy 16-bit TSS */
	ck_assert_uint_eq(E.st.tr.base, 0x7000);
}
END_TEST

/* ---- LLDT and the LDT ---- */

START_TEST(lldt_and_load_through_ldt)
{
	/* LDT entry 1: read/write data DPL 0 at base 0x123000, byte limit 0xfff */
	et_put64(&E, ET_LDT + 8, et_desc(0x123000, 0xfff, ET_ACC(1, 0, 1, 0x2), ET_FLAGS_DB));
	/* without an LDT, selector 0x0c (TI=1) is #GP(0x0c) */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, 0x0c), EXC_GP, 0x0c);
	ck_assert_int_eq(emu_lldt(&E.em, ET_SEL_LDT), EMU_NEXT);
	ck_assert_uint_eq(E.st.ldtr.sel, ET_SEL_LDT);
	ck_assert_uint_eq(E.st.ldtr.base, ET_LDT);
	ck_assert_uint_eq(E.st.ldtr.limit, ET_LDT_LIMIT);
	ck_assert_uint_eq(E.st.ldtr.attr & SEG_TYPE_MASK, SEG_TYPE_LDT);
	ck_assert_int_eq(emu_load_seg(&E.em, S_DS, 0x0c), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_DS].sel, 0x0c);
	ck_assert_uint_eq(E.st.seg[S_DS].base, 0x123000);
	ck_assert_uint_eq(E.st.seg[S_DS].limit, 0xfff);
	ck_assert_uint_eq((uint8_t)(et_get64(&E, ET_LDT + 8) >> 40), ET_ACC(1, 0, 1, 0x3));   /* accessed */
	/* past the LDT's limit */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, 0x104), EXC_GP, 0x104);
	/* LLDT with a null selector makes the LDT unusable again */
	ck_assert_int_eq(emu_lldt(&E.em, 0), EMU_NEXT);
	ck_assert_uint_eq(E.st.ldtr.sel, 0);
	ck_assert_uint_eq(E.st.ldtr.attr & SEG_P, 0);
	et_expect_fault(&E, emu_load_seg(&E.em, S_ES, 0x0c), EXC_GP, 0x0c);
}
END_TEST

START_TEST(lldt_rejects)
{
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_lldt(&E.em, ET_SEL_TSS), EXC_GP, ET_SEL_TSS);
	et_expect_fault(&E, emu_lldt(&E.em, ET_SEL_DATA0), EXC_GP, ET_SEL_DATA0);
	et_expect_fault(&E, emu_lldt(&E.em, ET_SEL_LDT | 4), EXC_GP, ET_SEL_LDT | 4);
	et_expect_fault(&E, emu_lldt(&E.em, ET_SEL_BEYOND), EXC_GP, ET_SEL_BEYOND);
	et_put_gdt(&E, ET_SEL_TSS_NP, et_desc(ET_LDT, ET_LDT_LIMIT, ET_ACC(0, 0, 0, 0x2), 0));
	et_expect_fault(&E, emu_lldt(&E.em, ET_SEL_TSS_NP), EXC_NP, ET_SEL_TSS_NP);
	et_expect_state(&E, &saved);
	et_ring3(&E);
	et_expect_fault(&E, emu_lldt(&E.em, ET_SEL_LDT), EXC_GP, 0);
	et_expect_fault(&E, emu_lldt(&E.em, 0), EXC_GP, 0);
}
END_TEST

/* ---- segment loads ---- */

START_TEST(load_ds_ok_sets_accessed)
{
	E.st.seg[S_DS] = (struct vcpu_seg){ 0 };
	ck_assert_uint_eq(et_access(&E, ET_SEL_DATA0) & 1, 0);
	ck_assert_int_eq(emu_load_seg(&E.em, S_DS, ET_SEL_DATA0), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_DS].sel, ET_SEL_DATA0);
	ck_assert_uint_eq(E.st.seg[S_DS].base, 0);
	ck_assert_uint_eq(E.st.seg[S_DS].limit, 0xffffffffu);
	ck_assert_uint_eq(E.st.seg[S_DS].attr, (uint16_t)(0x93 | SEG_DB | SEG_G));
	ck_assert_uint_eq(et_access(&E, ET_SEL_DATA0), ET_ACC(1, 0, 1, 0x3));   /* accessed in memory */
	/* the rest of the descriptor is untouched */
	ck_assert_uint_eq(et_get_gdt(&E, ET_SEL_DATA0),
			  et_desc(0, 0xfffff, ET_ACC(1, 0, 1, 0x3), ET_FLAGS_G | ET_FLAGS_DB));
}
END_TEST

START_TEST(load_seg_byte_granular_and_base)
{
	ck_assert_int_eq(emu_load_seg(&E.em, S_ES, ET_SEL_SMALLDATA), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_ES].base, 0x10000);
	ck_assert_uint_eq(E.st.seg[S_ES].limit, 0x1234);
	ck_assert_uint_eq(E.st.seg[S_ES].attr & SEG_G, 0);
	/* a base with all four bytes and G=1 with a partial limit */
	et_put_gdt(&E, ET_SEL_SMALLDATA, et_desc(0xc1234567, 0xabcde, ET_ACC(1, 0, 1, 0x2), ET_FLAGS_G));
	ck_assert_int_eq(emu_load_seg(&E.em, S_FS, ET_SEL_SMALLDATA), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_FS].base, 0xc1234567u);
	ck_assert_uint_eq(E.st.seg[S_FS].limit, 0xabcdefffu);
}
END_TEST

START_TEST(load_ds_null)
{
	ck_assert_int_eq(emu_load_seg(&E.em, S_DS, 0), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_DS].sel, 0);
	ck_assert_uint_eq(E.st.seg[S_DS].attr & SEG_P, 0);   /* unusable */
	ck_assert_int_eq(emu_load_seg(&E.em, S_GS, 3), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_GS].sel, 3);
	ck_assert_uint_eq(E.st.seg[S_GS].attr & SEG_P, 0);
	/* null is fine at ring 3 too */
	et_ring3(&E);
	ck_assert_int_eq(emu_load_seg(&E.em, S_ES, 0), EMU_NEXT);
}
END_TEST

START_TEST(load_ss_failures)
{
	struct vcpu_state saved = E.st;
	uint64_t gdt_before[32];
	for (int i = 0; i < 32; i++)
		gdt_before[i] = et_get64(&E, ET_GDT + 8u * (unsigned)i);

	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, 0), EXC_GP, 0);                              /* null */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, 3), EXC_GP, 0);
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_DATA0 | 3), EXC_GP, ET_SEL_DATA0);     /* RPL != CPL */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_DATA3), EXC_GP, ET_SEL_DATA3);         /* DPL != CPL */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_RODATA0), EXC_GP, ET_SEL_RODATA0);     /* not writable */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_CODE0), EXC_GP, ET_SEL_CODE0);         /* code */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_TSS), EXC_GP, ET_SEL_TSS);             /* system */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_DATA0_NP), EXC_SS, ET_SEL_DATA0_NP);   /* not present */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_BEYOND), EXC_GP, ET_SEL_BEYOND);
	et_expect_state(&E, &saved);
	for (int i = 0; i < 32; i++)
		ck_assert_msg(et_get64(&E, ET_GDT + 8u * (unsigned)i) == gdt_before[i],
			      "a failed load changed GDT entry %d", i);

	/* at ring 3 */
	et_ring3(&E);
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_DATA0), EXC_GP, ET_SEL_DATA0);
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_DATA3), EXC_GP, ET_SEL_DATA3);          /* RPL 0 */
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_RODATA3 | 3), EXC_GP, ET_SEL_RODATA3);
	et_expect_fault(&E, emu_load_seg(&E.em, S_SS, ET_SEL_DATA3_NP | 3), EXC_SS, ET_SEL_DATA3_NP);
	ck_assert_int_eq(emu_load_seg(&E.em, S_SS, ET_SEL_DATA3 | 3), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA3 | 3);
	ck_assert_uint_eq(et_access(&E, ET_SEL_DATA3) & 1, 1);
}
END_TEST

START_TEST(load_ss_ok)
{
	E.st.seg[S_SS] = (struct vcpu_seg){ 0 };
	ck_assert_int_eq(emu_load_seg(&E.em, S_SS, ET_SEL_DATA0), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA0);
	ck_assert_uint_eq(E.st.seg[S_SS].attr & SEG_TYPE_MASK, SEG_TYPE_DATA_RW_ACC);
}
END_TEST

START_TEST(load_ds_failures)
{
	struct vcpu_state saved = E.st;
	/* RPL > DPL */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_DATA0 | 3), EXC_GP, ET_SEL_DATA0);
	/* execute-only code cannot be read */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_XCODE0), EXC_GP, ET_SEL_XCODE0);
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_CONF0_XO), EXC_GP, ET_SEL_CONF0_XO);
	/* system descriptors */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_TSS), EXC_GP, ET_SEL_TSS);
	et_expect_fault(&E, emu_load_seg(&E.em, S_FS, ET_SEL_LDT), EXC_GP, ET_SEL_LDT);
	et_expect_fault(&E, emu_load_seg(&E.em, S_GS, ET_SEL_CALLGATE), EXC_GP, ET_SEL_CALLGATE);
	/* not present: #NP (not #SS) for data segment registers */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_DATA0_NP), EXC_NP, ET_SEL_DATA0_NP);
	et_expect_fault(&E, emu_load_seg(&E.em, S_ES, ET_SEL_CODE0_NP), EXC_NP, ET_SEL_CODE0_NP);
	/* privilege is checked before presence */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_DATA0_NP | 3), EXC_GP, ET_SEL_DATA0_NP);
	/* past the GDT limit; the last selector inside it is fine */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_BEYOND), EXC_GP, ET_SEL_BEYOND);
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, 0xfff8), EXC_GP, 0xfff8);
	et_expect_state(&E, &saved);

	et_ring3(&E);
	saved = E.st;
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_DATA0 | 3), EXC_GP, ET_SEL_DATA0);   /* CPL > DPL */
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_DATA0), EXC_GP, ET_SEL_DATA0);
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_CODE0 | 3), EXC_GP, ET_SEL_CODE0);
	et_expect_fault(&E, emu_load_seg(&E.em, S_DS, ET_SEL_DATA3_NP | 3), EXC_NP, ET_SEL_DATA3_NP);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(load_ds_code_and_conforming)
{
	/* readable code may be loaded into a data segment register */
	ck_assert_int_eq(emu_load_seg(&E.em, S_DS, ET_SEL_CODE0), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_DS].attr & SEG_TYPE_MASK, 0xb);
	/* conforming readable code: no privilege check, even from ring 3 with RPL 3 */
	et_ring3(&E);
	ck_assert_int_eq(emu_load_seg(&E.em, S_ES, ET_SEL_CONF0 | 3), EMU_NEXT);
	ck_assert_uint_eq(E.st.seg[S_ES].sel, ET_SEL_CONF0 | 3);
	ck_assert_int_eq(emu_load_seg(&E.em, S_DS, ET_SEL_DATA3 | 3), EMU_NEXT);
	ck_assert_int_eq(emu_load_seg(&E.em, S_FS, ET_SEL_DATA3), EMU_NEXT);   /* RPL 0 < DPL 3 is fine */
}
END_TEST

/* ---- far JMP ---- */

START_TEST(far_jmp_same_ring)
{
	ck_assert_uint_eq(et_access(&E, ET_SEL_CODE0B) & 1, 0);
	ck_assert_int_eq(emu_far_jmp(&E.em, ET_SEL_CODE0B, 0x12345), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0B);
	ck_assert_uint_eq(E.st.eip, 0x12345);
	ck_assert_uint_eq(E.st.seg[S_CS].limit, 0xffffffffu);
	ck_assert_uint_eq(E.st.seg[S_CS].attr & SEG_TYPE_MASK, 0xb);
	ck_assert_uint_eq(et_access(&E, ET_SEL_CODE0B) & 1, 1);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0);   /* nothing pushed */
	/* at the limit of a byte-granular code segment: ok; one past: #GP(0) */
	ck_assert_int_eq(emu_far_jmp(&E.em, ET_SEL_SMALLCODE, 0xfff), EMU_JUMP);
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_SMALLCODE, 0x1000), EXC_GP, 0);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(far_jmp_rejects)
{
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_far_jmp(&E.em, 0, 0x1000), EXC_GP, 0);
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_CODE3, 0x1000), EXC_GP, ET_SEL_CODE3);         /* DPL != CPL */
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_CODE0 | 3, 0x1000), EXC_GP, ET_SEL_CODE0);     /* RPL > CPL */
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_CODE0_NP, 0x1000), EXC_NP, ET_SEL_CODE0_NP);
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_BEYOND, 0x1000), EXC_GP, ET_SEL_BEYOND);
	et_expect_state(&E, &saved);
	et_ring3(&E);
	saved = E.st;
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_CODE0, 0x1000), EXC_GP, ET_SEL_CODE0);         /* to ring 0 */
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(far_jmp_to_data_segment_is_gp)
{
	/* SDM JMP: a far jump's target must be code, a call gate, a task gate or a
	 * TSS; anything else (a data segment, an LDT) is #GP(selector). */
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_DATA0, 0x1000), EXC_GP, ET_SEL_DATA0);
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_LDT, 0x1000), EXC_GP, ET_SEL_LDT);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(far_jmp_conforming)
{
	/* conforming DPL 0 code from ring 3: allowed, CPL stays 3 (RPL of CS = CPL) */
	et_ring3(&E);
	ck_assert_int_eq(emu_far_jmp(&E.em, ET_SEL_CONF0, 0x4000), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CONF0 | 3);
	ck_assert_int_eq(emu_cpl(&E.st), 3);
	ck_assert_uint_eq(E.st.eip, 0x4000);
	/* conforming DPL 3 from ring 0: DPL > CPL, #GP */
	et_teardown(&E);
	et_setup(&E);
	et_put_gdt(&E, ET_SEL_CONF0_XO, et_desc(0, 0xfffff, ET_ACC(1, 3, 1, 0xe), ET_FLAGS_G | ET_FLAGS_DB));
	et_expect_fault(&E, emu_far_jmp(&E.em, ET_SEL_CONF0_XO, 0), EXC_GP, ET_SEL_CONF0_XO);
}
END_TEST

START_TEST(far_jmp_call_gate_stops_with_message)
{
	struct vcpu_state saved = E.st;
	E.em.msg[0] = 0;
	ck_assert_int_eq(emu_far_jmp(&E.em, ET_SEL_CALLGATE, 0), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "far jump through a call gate") && strstr(E.em.msg, "not supported"), "message: '%s'", E.em.msg);
	et_expect_state(&E, &saved);
}
END_TEST

/* ---- far CALL ---- */

START_TEST(far_call_same_ring)
{
	et_put64(&E, ET_STACK0 - 8, 0xaaaaaaaaaaaaaaaaull);
	ck_assert_int_eq(emu_far_call(&E.em, ET_SEL_CODE0B, 0x4000, 0x1007, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0B);
	ck_assert_uint_eq(E.st.eip, 0x4000);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 8);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 4) & 0xffff, ET_SEL_CODE0);   /* old CS */
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 8), 0x1007);                 /* return EIP */
	ck_assert_uint_eq(et_access(&E, ET_SEL_CODE0B) & 1, 1);

	/* and back with RETF */
	ck_assert_int_eq(emu_far_ret(&E.em, 4, 0), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0);
	ck_assert_uint_eq(E.st.eip, 0x1007);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0);
}
END_TEST

START_TEST(far_call16)
{
	et_put64(&E, ET_STACK0 - 8, 0xaaaaaaaaaaaaaaaaull);
	ck_assert_int_eq(emu_far_call(&E.em, ET_SEL_CODE0B, 0x12345678, 0x1005, 2), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x5678);   /* 16-bit operand size truncates EIP */
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 4);
	ck_assert_uint_eq(et_get16(&E, ET_STACK0 - 2), ET_SEL_CODE0);
	ck_assert_uint_eq(et_get16(&E, ET_STACK0 - 4), 0x1005);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 8), 0xaaaaaaaau);   /* nothing more pushed */
}
END_TEST

START_TEST(far_call_rejects)
{
	struct vcpu_state saved = E.st;
	et_put64(&E, ET_STACK0 - 8, 0x5555555555555555ull);
	et_expect_fault(&E, emu_far_call(&E.em, 0, 0x4000, 0x1007, 4), EXC_GP, 0);
	et_expect_fault(&E, emu_far_call(&E.em, ET_SEL_CODE3, 0x4000, 0x1007, 4), EXC_GP, ET_SEL_CODE3);
	et_expect_fault(&E, emu_far_call(&E.em, ET_SEL_CODE0 | 2, 0x4000, 0x1007, 4), EXC_GP, ET_SEL_CODE0);
	et_expect_fault(&E, emu_far_call(&E.em, ET_SEL_CODE0_NP, 0x4000, 0x1007, 4), EXC_NP, ET_SEL_CODE0_NP);
	et_expect_fault(&E, emu_far_call(&E.em, ET_SEL_SMALLCODE, 0x1000, 0x1007, 4), EXC_GP, 0);
	et_expect_fault(&E, emu_far_call(&E.em, ET_SEL_BEYOND, 0x4000, 0x1007, 4), EXC_GP, ET_SEL_BEYOND);
	et_expect_state(&E, &saved);
	ck_assert_uint_eq(et_get64(&E, ET_STACK0 - 8), 0x5555555555555555ull);   /* nothing pushed */
}
END_TEST

START_TEST(far_call_to_data_segment_is_gp)
{
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_far_call(&E.em, ET_SEL_DATA0, 0x4000, 0x1007, 4), EXC_GP, ET_SEL_DATA0);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(far_call_conforming_ignores_rpl)
{
	/* SDM CALL, CONFORMING-CODE-SEGMENT: only DPL > CPL faults; the RPL is
	 * not checked, and the new CS gets RPL = CPL. */
	ck_assert_int_eq(emu_far_call(&E.em, ET_SEL_CONF0 | 3, 0x4000, 0x1007, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CONF0);
	ck_assert_int_eq(emu_cpl(&E.st), 0);
}
END_TEST

START_TEST(far_call_conforming_from_ring3)
{
	et_ring3(&E);
	ck_assert_int_eq(emu_far_call(&E.em, ET_SEL_CONF0 | 3, 0x4000, 0x1007, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CONF0 | 3);
	ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 4) & 0xffff, ET_SEL_CODE3 | 3);
	ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 8), 0x1007);
}
END_TEST

/* ---- far RET ---- */

START_TEST(far_ret_same_ring_with_pop)
{
	et_put32(&E, ET_STACK0, 0x4321);
	et_put32(&E, ET_STACK0 + 4, ET_SEL_CODE0B);
	ck_assert_int_eq(emu_far_ret(&E.em, 4, 8), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0B);
	ck_assert_uint_eq(E.st.eip, 0x4321);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 + 16);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA0);
}
END_TEST

START_TEST(far_ret16)
{
	et_put32(&E, ET_STACK0, (uint32_t)ET_SEL_CODE0B << 16 | 0x1234);
	et_put32(&E, ET_STACK0 + 4, 0xffffffffu);
	ck_assert_int_eq(emu_far_ret(&E.em, 2, 0), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x1234);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0B);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 + 4);
}
END_TEST

static void push_outer_frame(uint16_t cs, uint32_t eip, uint16_t ss, uint32_t esp, uint32_t pop)
{
	et_put32(&E, ET_STACK0, eip);
	et_put32(&E, ET_STACK0 + 4, cs);
	et_put32(&E, ET_STACK0 + 8 + pop, esp);
	et_put32(&E, ET_STACK0 + 12 + pop, ss);
}

START_TEST(far_ret_to_ring3)
{
	push_outer_frame(ET_SEL_CODE3 | 3, 0x8000, ET_SEL_DATA3 | 3, 0x7000, 8);
	ck_assert_int_eq(emu_far_ret(&E.em, 4, 8), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE3 | 3);
	ck_assert_int_eq(emu_cpl(&E.st), 3);
	ck_assert_uint_eq(E.st.eip, 0x8000);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA3 | 3);
	ck_assert_uint_eq((E.st.seg[S_SS].attr >> SEG_DPL_SHIFT) & 3, 3);
	ck_assert_uint_eq(E.st.gpr[R_ESP], 0x7000 + 8);   /* the new stack is popped too */
	ck_assert_uint_eq(et_access(&E, ET_SEL_DATA3) & 1, 1);
	ck_assert_uint_eq(et_access(&E, ET_SEL_CODE3) & 1, 1);
}
END_TEST

START_TEST(far_ret_to_ring3_nulls_inner_data_segments)
{
	/* SDM RET, RETURN-TO-OUTER-PRIVILEGE-LEVEL: ES, FS, GS and DS holding a
	 * data or non-conforming code segment with DPL < new CPL become null. */
	E.st.seg[S_FS] = et_seg(ET_SEL_DATA3 | 3, 0x2, 3);   /* DPL 3: kept */
	E.st.seg[S_GS] = et_seg(ET_SEL_CONF0, 0xe, 0);       /* conforming: kept */
	push_outer_frame(ET_SEL_CODE3 | 3, 0x8000, ET_SEL_DATA3 | 3, 0x7000, 0);
	ck_assert_int_eq(emu_far_ret(&E.em, 4, 0), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_FS].sel, ET_SEL_DATA3 | 3);
	ck_assert_uint_eq(E.st.seg[S_GS].sel, ET_SEL_CONF0);
	ck_assert_msg(E.st.seg[S_DS].sel == 0 && !(E.st.seg[S_DS].attr & SEG_P),
		      "DS (DPL 0) still 0x%x after RETF to ring 3", E.st.seg[S_DS].sel);
	ck_assert_msg(E.st.seg[S_ES].sel == 0 && !(E.st.seg[S_ES].attr & SEG_P),
		      "ES (DPL 0) still 0x%x after RETF to ring 3", E.st.seg[S_ES].sel);
}
END_TEST

START_TEST(far_ret_rejects)
{
	struct vcpu_state saved = E.st;
	/* bad SS on the way out */
	push_outer_frame(ET_SEL_CODE3 | 3, 0x8000, ET_SEL_DATA3, 0x7000, 0);              /* SS RPL 0 */
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_GP, ET_SEL_DATA3);
	push_outer_frame(ET_SEL_CODE3 | 3, 0x8000, ET_SEL_DATA0 | 3, 0x7000, 0);          /* SS DPL 0 */
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_GP, ET_SEL_DATA0);
	push_outer_frame(ET_SEL_CODE3 | 3, 0x8000, 0, 0x7000, 0);                          /* null SS */
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_GP, 0);
	push_outer_frame(ET_SEL_CODE3 | 3, 0x8000, ET_SEL_RODATA3 | 3, 0x7000, 0);        /* read-only */
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_GP, ET_SEL_RODATA3);
	push_outer_frame(ET_SEL_CODE3 | 3, 0x8000, ET_SEL_DATA3_NP | 3, 0x7000, 0);       /* not present */
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_SS, ET_SEL_DATA3_NP);
	/* bad CS */
	push_outer_frame(ET_SEL_CODE3, 0x8000, ET_SEL_DATA3 | 3, 0x7000, 0);              /* RPL 0, DPL 3 */
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_GP, ET_SEL_CODE3);
	push_outer_frame(ET_SEL_CODE3_NP | 3, 0x8000, ET_SEL_DATA3 | 3, 0x7000, 0);
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_NP, ET_SEL_CODE3_NP);
	push_outer_frame(0, 0x8000, ET_SEL_DATA3 | 3, 0x7000, 0);
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_GP, 0);
	et_expect_state(&E, &saved);

	/* from ring 3 to ring 0: RPL < CPL */
	et_ring3(&E);
	saved = E.st;
	et_put32(&E, ET_STACK3, 0x4000);
	et_put32(&E, ET_STACK3 + 4, ET_SEL_CODE0);
	et_expect_fault(&E, emu_far_ret(&E.em, 4, 0), EXC_GP, ET_SEL_CODE0);
	et_expect_state(&E, &saved);
}
END_TEST

/* ---- LAR/LSL/VERR/VERW ---- */

START_TEST(lar_values)
{
	bool ok = false;
	uint32_t v = 0;
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_CODE0, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x00c09a00);   /* G D P DPL0 S type a (not yet accessed); no limit bits */
	ck_assert_uint_eq(et_access(&E, ET_SEL_CODE0) & 1, 0);   /* LAR does not set it */
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_DATA3, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x00c0f200);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_SMALLDATA, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x00409200);
	/* not-present segments are still reported (P=0 in the value) */
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_DATA0_NP, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x00c01200);
	/* system types LAR accepts: TSS (available, busy), LDT, call gate */
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_TSS, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x00008900);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_TSS_BUSY, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_LDT, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x00008200);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_CALLGATE, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v & 0xff00, 0xec00);
}
END_TEST

START_TEST(lar_rejects_keep_destination)
{
	bool ok = true;
	uint32_t v = 0xdeadbeef;
	static const uint16_t bad0[] = { 0, 3, ET_SEL_INTGATE, ET_SEL_BEYOND, 0xfff8, ET_SEL_DATA0 | 3, 0x0c };
	for (size_t i = 0; i < sizeof bad0 / sizeof bad0[0]; i++) {
		ok = true;
		ck_assert_int_eq(emu_lar(&E.em, bad0[i], &ok, &v), EMU_NEXT);   /* never faults */
		ck_assert_msg(!ok, "LAR 0x%x at CPL 0 passed", bad0[i]);
		ck_assert_uint_eq(v, 0xdeadbeef);
	}
	/* ring 3: DPL 0 segments are invisible, conforming code is not */
	et_ring3(&E);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_DATA0 | 3, &ok, &v), EMU_NEXT);
	ck_assert(!ok);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_TSS | 3, &ok, &v), EMU_NEXT);
	ck_assert(!ok);
	ck_assert_uint_eq(v, 0xdeadbeef);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_CONF0 | 3, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x00c09e00);
	ck_assert_int_eq(emu_lar(&E.em, ET_SEL_CALLGATE | 3, &ok, &v), EMU_NEXT);
	ck_assert(ok);
}
END_TEST

START_TEST(lsl_values)
{
	bool ok = false;
	uint32_t v = 0;
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_SMALLDATA, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0x1234);
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_CODE0, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0xffffffffu);   /* G=1: scaled */
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_TSS, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, ET_TSS_LIMIT);
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_LDT, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, ET_LDT_LIMIT);
	/* gates have no limit */
	v = 0xdeadbeef;
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_CALLGATE, &ok, &v), EMU_NEXT);
	ck_assert(!ok);
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_INTGATE, &ok, &v), EMU_NEXT);
	ck_assert(!ok);
	ck_assert_int_eq(emu_lsl(&E.em, 0, &ok, &v), EMU_NEXT);
	ck_assert(!ok);
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_BEYOND, &ok, &v), EMU_NEXT);
	ck_assert(!ok);
	ck_assert_uint_eq(v, 0xdeadbeef);
	et_ring3(&E);
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_SMALLDATA | 3, &ok, &v), EMU_NEXT);
	ck_assert(!ok);
	ck_assert_int_eq(emu_lsl(&E.em, ET_SEL_DATA3 | 3, &ok, &v), EMU_NEXT);
	ck_assert(ok);
	ck_assert_uint_eq(v, 0xffffffffu);
}
END_TEST

START_TEST(verr_verw_verdicts)
{
	static const struct {
		uint16_t sel;
		bool r, w;
	} ring0[] = {
		{ ET_SEL_DATA0, true, true },
		{ ET_SEL_RODATA0, true, false },
		{ ET_SEL_CODE0, true, false },
		{ ET_SEL_XCODE0, false, false },
		{ ET_SEL_CONF0, true, false },
		{ ET_SEL_CONF0_XO, false, false },
		{ ET_SEL_DATA3, true, true },
		{ ET_SEL_TSS, false, false },
		{ ET_SEL_LDT, false, false },
		{ ET_SEL_CALLGATE, false, false },
		{ 0, false, false },
		{ ET_SEL_BEYOND, false, false },
		{ ET_SEL_DATA0 | 3, false, false },   /* RPL > DPL */
		{ ET_SEL_DATA0_NP, true, true },      /* presence is not checked */
	};
	for (size_t i = 0; i < sizeof ring0 / sizeof ring0[0]; i++) {
		bool ok = !ring0[i].r;
		ck_assert_int_eq(emu_verr(&E.em, ring0[i].sel, false, &ok), EMU_NEXT);
		ck_assert_msg(ok == ring0[i].r, "VERR 0x%x at CPL 0: %d", ring0[i].sel, ok);
		ok = !ring0[i].w;
		ck_assert_int_eq(emu_verr(&E.em, ring0[i].sel, true, &ok), EMU_NEXT);
		ck_assert_msg(ok == ring0[i].w, "VERW 0x%x at CPL 0: %d", ring0[i].sel, ok);
	}
	et_ring3(&E);
	static const struct {
		uint16_t sel;
		bool r, w;
	} ring3[] = {
		{ ET_SEL_DATA0 | 3, false, false },
		{ ET_SEL_DATA3 | 3, true, true },
		{ ET_SEL_RODATA3 | 3, true, false },
		{ ET_SEL_CODE3 | 3, true, false },
		{ ET_SEL_CODE0 | 3, false, false },
		{ ET_SEL_CONF0 | 3, true, false },
	};
	for (size_t i = 0; i < sizeof ring3 / sizeof ring3[0]; i++) {
		bool ok = !ring3[i].r;
		ck_assert_int_eq(emu_verr(&E.em, ring3[i].sel, false, &ok), EMU_NEXT);
		ck_assert_msg(ok == ring3[i].r, "VERR 0x%x at CPL 3: %d", ring3[i].sel, ok);
		ok = !ring3[i].w;
		ck_assert_int_eq(emu_verr(&E.em, ring3[i].sel, true, &ok), EMU_NEXT);
		ck_assert_msg(ok == ring3[i].w, "VERW 0x%x at CPL 3: %d", ring3[i].sel, ok);
	}
}
END_TEST

/* ---- control registers ---- */

START_TEST(mov_cr_round_trip)
{
	uint32_t v = 0;
	ck_assert_int_eq(emu_mov_to_cr(&E.em, 3, 0x00123000), EMU_NEXT);
	ck_assert_int_eq(emu_mov_from_cr(&E.em, 3, &v), EMU_NEXT);
	ck_assert_uint_eq(v, 0x00123000);
	ck_assert_int_eq(emu_mov_to_cr(&E.em, 2, 0xdeadb000), EMU_NEXT);
	ck_assert_int_eq(emu_mov_from_cr(&E.em, 2, &v), EMU_NEXT);
	ck_assert_uint_eq(v, 0xdeadb000);
	ck_assert_int_eq(emu_mov_to_cr(&E.em, 4, CR4_PSE | CR4_PGE), EMU_NEXT);
	ck_assert_int_eq(emu_mov_from_cr(&E.em, 4, &v), EMU_NEXT);
	ck_assert_uint_eq(v, CR4_PSE | CR4_PGE);
	ck_assert_int_eq(emu_mov_to_cr(&E.em, 0, CR0_PE | CR0_MP | CR0_NE | CR0_WP), EMU_NEXT);
	ck_assert_int_eq(emu_mov_from_cr(&E.em, 0, &v), EMU_NEXT);
	ck_assert_uint_eq(v, CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_ET);   /* ET is hardwired */
	/* CD=1 NW=1 is a valid combination */
	ck_assert_int_eq(emu_mov_to_cr(&E.em, 0, CR0_PE | 0x60000000u), EMU_NEXT);
}
END_TEST

START_TEST(mov_cr_rejects)
{
	uint32_t v = 0x5a5a5a5a;
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 0, CR0_PG), EXC_GP, 0);                   /* PG without PE */
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 0, CR0_PE | 0x20000000u), EXC_GP, 0);     /* NW without CD */
	saved = E.st;
	ck_assert_int_eq(emu_mov_to_cr(&E.em, 0, CR0_ET), EMU_STOP);                        /* real mode */
	ck_assert_str_eq(E.em.msg, "unsupported: real mode (CR0.PE cleared)");
	ck_assert_uint_eq(E.st.cr0, saved.cr0);
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 4, 0x80000000u), EXC_GP, 0);              /* reserved */
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 4, 1u << 15), EXC_GP, 0);
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 4, 1u << 24), EXC_GP, 0);
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 1, 0), EXC_UD, -1);
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 5, 0), EXC_UD, -1);
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 8, 0), EXC_UD, -1);
	et_expect_fault(&E, emu_mov_from_cr(&E.em, 1, &v), EXC_UD, -1);
	et_expect_fault(&E, emu_mov_from_cr(&E.em, 8, &v), EXC_UD, -1);
	ck_assert_uint_eq(v, 0x5a5a5a5a);
	et_expect_state(&E, &saved);
	et_ring3(&E);
	saved = E.st;
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 0, CR0_PE), EXC_GP, 0);
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 3, 0), EXC_GP, 0);
	et_expect_fault(&E, emu_mov_from_cr(&E.em, 0, &v), EXC_GP, 0);
	et_expect_fault(&E, emu_mov_from_cr(&E.em, 3, &v), EXC_GP, 0);
	ck_assert_uint_eq(v, 0x5a5a5a5a);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(mov_cr0_reserved_bits_ignored)
{
	/* SDM vol. 3, 2.5: attempts to set reserved bits in CR0[31:0] are ignored;
	 * the register keeps reading them as 0. */
	uint32_t v = 0;
	ck_assert_int_eq(emu_mov_to_cr(&E.em, 0, CR0_PE | 0x80u | 0x100u | 0x00020000u), EMU_NEXT);
	ck_assert_int_eq(emu_mov_from_cr(&E.em, 0, &v), EMU_NEXT);
	ck_assert_msg(v == (CR0_PE | CR0_ET), "CR0 reads 0x%x after writing reserved bits", v);
}
END_TEST

START_TEST(lmsw_rules)
{
	E.st.cr0 = CR0_PE | CR0_ET | CR0_TS | CR0_PG;
	ck_assert_int_eq(emu_lmsw(&E.em, 0), EMU_NEXT);   /* cannot clear PE */
	ck_assert_uint_eq(E.st.cr0, CR0_PE | CR0_ET | CR0_PG);
	ck_assert_int_eq(emu_lmsw(&E.em, 0xffff), EMU_NEXT);   /* only the low four bits */
	ck_assert_uint_eq(E.st.cr0, CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_PG);
	E.st.cr0 = CR0_ET;
	ck_assert_int_eq(emu_lmsw(&E.em, CR0_PE), EMU_NEXT);   /* can set PE */
	ck_assert_uint_eq(E.st.cr0, CR0_ET | CR0_PE);
	et_ring3(&E);
	et_expect_fault(&E, emu_lmsw(&E.em, 0), EXC_GP, 0);
	ck_assert_uint_eq(E.st.cr0, CR0_ET | CR0_PE);
}
END_TEST

START_TEST(privileged_nop)
{
	ck_assert_int_eq(emu_privileged_nop(&E.em), EMU_NEXT);
	E.st.seg[S_CS].sel = ET_SEL_CODE0 | 1;
	et_expect_fault(&E, emu_privileged_nop(&E.em), EXC_GP, 0);
	et_ring3(&E);
	et_set_iopl(&E, 3);
	et_expect_fault(&E, emu_privileged_nop(&E.em), EXC_GP, 0);
}
END_TEST

/* ---- MSRs ---- */

static void wrmsr(uint32_t msr, uint64_t v)
{
	E.st.gpr[R_ECX] = msr;
	E.st.gpr[R_EAX] = (uint32_t)v;
	E.st.gpr[R_EDX] = (uint32_t)(v >> 32);
	ck_assert_int_eq(emu_wrmsr(&E.em), EMU_NEXT);
}

static uint64_t rdmsr(uint32_t msr)
{
	E.st.gpr[R_ECX] = msr;
	E.st.gpr[R_EAX] = E.st.gpr[R_EDX] = 0x5a5a5a5a;
	ck_assert_int_eq(emu_rdmsr(&E.em), EMU_NEXT);
	return (uint64_t)E.st.gpr[R_EDX] << 32 | E.st.gpr[R_EAX];
}

START_TEST(msr_sysenter_round_trip)
{
	wrmsr(0x174, 0x10);
	wrmsr(0x175, 0x9f000);
	wrmsr(0x176, 0xc0101234);
	ck_assert_uint_eq(E.st.sysenter_cs, 0x10);
	ck_assert_uint_eq(E.st.sysenter_esp, 0x9f000);
	ck_assert_uint_eq(E.st.sysenter_eip, 0xc0101234);
	ck_assert_uint_eq(rdmsr(0x174), 0x10);
	ck_assert_uint_eq(rdmsr(0x175), 0x9f000);
	ck_assert_uint_eq(rdmsr(0x176), 0xc0101234);
}
END_TEST

static void expect_msr_gp(uint32_t msr, bool write, uint64_t v)
{
	E.st.gpr[R_ECX] = msr;
	E.st.gpr[R_EAX] = (uint32_t)v;
	E.st.gpr[R_EDX] = (uint32_t)(v >> 32);
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, write ? emu_wrmsr(&E.em) : emu_rdmsr(&E.em), EXC_GP, 0);
	et_expect_state(&E, &saved);
}

/* The default model's MSRs: PAT (memory types only), EFER (NXE only),
 * MISC_ENABLE (fast strings, fixed), BIOS_SIGN_ID (revision 0), APIC_BASE. */
START_TEST(msr_model_set)
{
	ck_assert_uint_eq(rdmsr(0x277), 0x0007040600070406ull);   /* power-on PAT */
	wrmsr(0x277, 0x0106010601060106ull);
	ck_assert_uint_eq(rdmsr(0x277), 0x0106010601060106ull);
	expect_msr_gp(0x277, true, 0x0000000000000002ull);        /* type 2 is reserved */
	expect_msr_gp(0x277, true, 0x0800000000000000ull);        /* so is 8 */
	ck_assert_uint_eq(rdmsr(0xc0000080u), 0);
	wrmsr(0xc0000080u, 1u << 11);                              /* NXE */
	ck_assert_uint_eq(E.st.efer, 1u << 11);
	ck_assert_uint_eq(rdmsr(0xc0000080u), 1u << 11);
	expect_msr_gp(0xc0000080u, true, 1u << 8);                /* LME: no long mode */
	expect_msr_gp(0xc0000080u, true, 1u << 0);                /* SCE: no SYSCALL */
	ck_assert_uint_eq(rdmsr(0x1a0), 1);
	wrmsr(0x1a0, 1);
	expect_msr_gp(0x1a0, true, 0);
	wrmsr(0x8b, 0);
	ck_assert_uint_eq(rdmsr(0x8b), 0);
	/* the local APIC's base (monitor/lapic.c owns it): BSP, enabled */
	ck_assert_uint_eq(rdmsr(0x1b), 0xfee00900u);
	expect_msr_gp(0x1b, true, 0xfee00d00u);                    /* x2APIC enable: reserved */
	expect_msr_gp(0xc0000103u, false, 0);                      /* no TSC_AUX: no RDTSCP */
}
END_TEST

/* MTRRs (SDM vol. 3A 12.11): MTRRcap read-only (8 variable, fixed, WC),
 * DEF_TYPE/fixed/variable registers hold valid memory types only and no
 * reserved bits; the firmware's settings; CPL 3 is #GP. */
START_TEST(msr_mtrr)
{
	ck_assert_uint_eq(rdmsr(0xfe), 0x508);
	expect_msr_gp(0xfe, true, 0x508);
	ck_assert_uint_eq(rdmsr(0x2ff), 0);                       /* power-on: disabled */
	wrmsr(0x2ff, 0xc06);                                       /* E FE, default WB */
	ck_assert_uint_eq(rdmsr(0x2ff), 0xc06);
	expect_msr_gp(0x2ff, true, 0xc02);                        /* type 2 reserved */
	expect_msr_gp(0x2ff, true, 0xc07);                        /* UC- is PAT's, not an MTRR type */
	expect_msr_gp(0x2ff, true, 0x1c06);                       /* bit 12 reserved */
	static const uint32_t fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
					  0x26c, 0x26d, 0x26e, 0x26f };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		uint64_t v = 0x0605040100060504ull + i;
		if ((v & 0xff) > 6 || (v & 0xff) == 2 || (v & 0xff) == 3)
			v = (v & ~0xffull) | 6;
		wrmsr(fixed[i], v);
		ck_assert_uint_eq(rdmsr(fixed[i]), v);
		expect_msr_gp(fixed[i], true, 0x0300000000000000ull);   /* one byte type 3 */
	}
	expect_msr_gp(0x251, false, 0);                           /* not a fixed MTRR */
	for (uint32_t n = 0x200; n < 0x210; n += 2) {
		wrmsr(n, 0x12345000ull | 6);                        /* PHYSBASE: WB */
		wrmsr(n + 1, 0xfff000000ull | 0x800);               /* PHYSMASK: 16 MiB, valid */
		ck_assert_uint_eq(rdmsr(n), 0x12345006ull);
		ck_assert_uint_eq(rdmsr(n + 1), 0xfff000800ull);
		expect_msr_gp(n, true, 0x12345100ull);               /* bits 8-11 reserved */
		expect_msr_gp(n, true, 0x1000000000ull);             /* above 36 address bits */
		expect_msr_gp(n + 1, true, 0x400);                   /* bit 10 reserved */
	}
	expect_msr_gp(0x210, false, 0);                           /* only 8 pairs */
	/* what the firmware leaves for a kernel */
	struct vcpu_state fw = { 0 };
	msr_arch_firmware(&E.m.cpu, &fw);
	ck_assert_uint_eq(fw.mtrr.def_type, 0xc06);
	ck_assert_uint_eq(fw.mtrr.fixed[0], 0x0606060606060606ull);
	ck_assert_uint_eq(fw.mtrr.fixed[2], 0);                   /* VGA window UC */
	ck_assert_uint_eq(fw.mtrr.var[0], 0xc0000000ull);
	ck_assert_uint_eq(fw.mtrr.var[1], 0xfc0000800ull);
	et_ring3(&E);
	expect_msr_gp(0x2ff, false, 0);
}
END_TEST

/* Machine-check banks (SDM vol. 3B 16.3): MCG_CAP 4 banks and nothing
 * else, read-only; MCG_STATUS bits 0-2; MCi_CTL any value; MCi_STATUS,
 * ADDR and MISC read 0 and take only 0. */
START_TEST(msr_mca)
{
	ck_assert_uint_eq(rdmsr(0x179), 4);
	expect_msr_gp(0x179, true, 4);
	expect_msr_gp(0x17b, false, 0);                            /* no MCG_CTL: MCG_CTL_P clear */
	wrmsr(0x17a, 0);
	wrmsr(0x17a, 5);
	ck_assert_uint_eq(rdmsr(0x17a), 5);
	expect_msr_gp(0x17a, true, 8);
	for (uint32_t b = 0; b < 4; b++) {
		wrmsr(0x400 + 4 * b, ~0ull);
		ck_assert_uint_eq(rdmsr(0x400 + 4 * b), ~0ull);
		for (uint32_t r = 1; r < 4; r++) {
			wrmsr(0x400 + 4 * b + r, 0);
			ck_assert_uint_eq(rdmsr(0x400 + 4 * b + r), 0);
			expect_msr_gp(0x400 + 4 * b + r, true, 1);
		}
	}
	expect_msr_gp(0x410, false, 0);                            /* bank 4 does not exist */
	/* a P5 Pentium reports neither */
	cpu_model_for_host(cpu_model_find("pentium"), &E.m.cpu);
	expect_msr_gp(0x179, false, 0);
	expect_msr_gp(0x2ff, false, 0);
}
END_TEST

/* A P5 has no SYSENTER, PAT or EFER; a 486 has no MSRs at all (#UD). */
START_TEST(msr_older_models)
{
	cpu_model_for_host(cpu_model_find("pentium"), &E.m.cpu);
	(void)rdmsr(0x10);
	expect_msr_gp(0x174, false, 0);
	expect_msr_gp(0x277, false, 0);
	expect_msr_gp(0xc0000080u, false, 0);
	cpu_model_for_host(cpu_model_find("486"), &E.m.cpu);
	E.st.gpr[R_ECX] = 0x10;
	et_expect_fault(&E, emu_rdmsr(&E.em), EXC_UD, -1);
	et_expect_fault(&E, emu_rdtsc(&E.em), EXC_UD, -1);
	E.st.sysenter_cs = 0x10;
	et_expect_fault(&E, emu_sysenter(&E.em), EXC_UD, -1);
}
END_TEST

START_TEST(msr_tsc_sets_offset)
{
	const uint64_t t0 = 1ull << 40;
	wrmsr(0x10, t0);
	uint64_t a = rdmsr(0x10);
	ck_assert_uint_ge(a, t0);
	ck_assert_uint_lt(a, t0 + (1ull << 36));   /* well under a minute of cycles later */
	/* RDTSC sees the same guest TSC */
	ck_assert_int_eq(emu_rdtsc(&E.em), EMU_NEXT);
	uint64_t b = (uint64_t)E.st.gpr[R_EDX] << 32 | E.st.gpr[R_EAX];
	ck_assert_uint_ge(b, a);
	ck_assert_uint_lt(b, t0 + (1ull << 36));
	/* and back to a small value */
	wrmsr(0x10, 1000);
	ck_assert_uint_lt(rdmsr(0x10), 1ull << 36);
}
END_TEST

/* IA32_TSC_ADJUST (SDM 17.17.3): 0 at reset; a TSC write adds its change
 * to it; writing it moves the TSC by the difference. */
START_TEST(msr_tsc_adjust)
{
	ck_assert_uint_eq(rdmsr(0x3b), 0);
	uint64_t before = rdmsr(0x10);
	wrmsr(0x10, before + (1ull << 40));
	uint64_t adj = rdmsr(0x3b);
	ck_assert_uint_ge(adj, (1ull << 40) - (1ull << 36));   /* the change, less the cycles between */
	ck_assert_uint_le(adj, 1ull << 40);
	wrmsr(0x3b, 0);   /* undo it: the TSC is back near the host's */
	ck_assert_uint_eq(rdmsr(0x3b), 0);
	uint64_t t = rdmsr(0x10);
	ck_assert_uint_ge(t, before);
	ck_assert_uint_lt(t, before + (1ull << 36));
	wrmsr(0x3b, 1ull << 44);
	ck_assert_uint_ge(rdmsr(0x10), before + (1ull << 44));
}
END_TEST

START_TEST(msr_unknown_and_ring3)
{
	struct vcpu_state saved;
	E.st.gpr[R_ECX] = 0x12345;
	E.st.gpr[R_EAX] = 1;
	E.st.gpr[R_EDX] = 2;
	saved = E.st;
	et_expect_fault(&E, emu_rdmsr(&E.em), EXC_GP, 0);
	et_expect_fault(&E, emu_wrmsr(&E.em), EXC_GP, 0);
	E.st.gpr[R_ECX] = 0xc0000081;   /* STAR: no SYSCALL here */
	saved = E.st;
	et_expect_fault(&E, emu_rdmsr(&E.em), EXC_GP, 0);
	et_expect_state(&E, &saved);

	et_ring3(&E);
	et_set_iopl(&E, 3);
	E.st.gpr[R_ECX] = 0x174;
	E.st.gpr[R_EAX] = 0x1234;
	saved = E.st;
	et_expect_fault(&E, emu_rdmsr(&E.em), EXC_GP, 0);
	et_expect_fault(&E, emu_wrmsr(&E.em), EXC_GP, 0);
	et_expect_state(&E, &saved);
}
END_TEST

/* ---- SYSENTER/SYSEXIT ---- */

START_TEST(sysenter_from_ring3)
{
	E.st.sysenter_cs = ET_SEL_CODE0;
	E.st.sysenter_esp = 0x9f000;
	E.st.sysenter_eip = 0x101000;
	et_ring3(&E);
	E.st.eflags |= EFLAGS_IF | EFLAGS_RF | EFLAGS_CF;
	ck_assert_int_eq(emu_sysenter(&E.em), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA0);
	ck_assert_int_eq(emu_cpl(&E.st), 0);
	ck_assert_uint_eq((E.st.seg[S_CS].attr >> SEG_DPL_SHIFT) & 3, 0);
	ck_assert_uint_eq(E.st.seg[S_CS].attr & SEG_TYPE_MASK, SEG_TYPE_CODE_RX_ACC);
	ck_assert_uint_eq(E.st.seg[S_CS].limit, 0xffffffffu);
	ck_assert_uint_eq(E.st.seg[S_SS].attr & SEG_TYPE_MASK, SEG_TYPE_DATA_RW_ACC);
	ck_assert_uint_eq(E.st.gpr[R_ESP], 0x9f000);
	ck_assert_uint_eq(E.st.eip, 0x101000);
	ck_assert_uint_eq(E.st.eflags & (EFLAGS_IF | EFLAGS_RF | EFLAGS_VM), 0);
	ck_assert_uint_ne(E.st.eflags & EFLAGS_CF, 0);
	/* data segments are not touched */
	ck_assert_uint_eq(E.st.seg[S_DS].sel, ET_SEL_DATA3 | 3);
}
END_TEST

START_TEST(sysenter_cs_rpl_cleared)
{
	E.st.sysenter_cs = ET_SEL_CODE0 | 3;   /* SDM: CS.sel = SYSENTER_CS & 0xfffc */
	et_ring3(&E);
	ck_assert_int_eq(emu_sysenter(&E.em), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA0);
}
END_TEST

START_TEST(sysenter_null_cs_gp)
{
	et_ring3(&E);
	E.st.sysenter_cs = 0;
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_sysenter(&E.em), EXC_GP, 0);
	E.st.sysenter_cs = 3;
	saved = E.st;
	et_expect_fault(&E, emu_sysenter(&E.em), EXC_GP, 0);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(sysexit_to_ring3)
{
	E.st.sysenter_cs = ET_SEL_CODE0;
	E.st.gpr[R_ECX] = 0x7f00;
	E.st.gpr[R_EDX] = 0x8040;
	E.st.eflags |= EFLAGS_IF;
	ck_assert_int_eq(emu_sysexit(&E.em), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, (ET_SEL_CODE0 + 16) | 3);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, (ET_SEL_CODE0 + 24) | 3);
	ck_assert_int_eq(emu_cpl(&E.st), 3);
	ck_assert_uint_eq((E.st.seg[S_CS].attr >> SEG_DPL_SHIFT) & 3, 3);
	ck_assert_uint_eq((E.st.seg[S_SS].attr >> SEG_DPL_SHIFT) & 3, 3);
	ck_assert_uint_eq(E.st.seg[S_CS].attr & SEG_TYPE_MASK, SEG_TYPE_CODE_RX_ACC);
	ck_assert_uint_eq(E.st.gpr[R_ESP], 0x7f00);
	ck_assert_uint_eq(E.st.eip, 0x8040);
	ck_assert_uint_ne(E.st.eflags & EFLAGS_IF, 0);   /* flags untouched */
}
END_TEST

START_TEST(sysexit_rejects)
{
	E.st.sysenter_cs = 0;
	struct vcpu_state saved = E.st;
	et_expect_fault(&E, emu_sysexit(&E.em), EXC_GP, 0);
	et_expect_state(&E, &saved);
	E.st.sysenter_cs = ET_SEL_CODE0;
	et_ring3(&E);
	saved = E.st;
	et_expect_fault(&E, emu_sysexit(&E.em), EXC_GP, 0);
	et_expect_state(&E, &saved);
}
END_TEST

/* ---- CPUID, RDTSC ---- */

/* CPUID is the model's, not the host's: the default model's leaves 0 and
 * 1, what it never advertises, leaves past the top, and the same for an
 * unprivileged caller (CPUID never faults). */
START_TEST(cpuid_is_the_model)
{
	uint32_t r[4];
	E.st.gpr[R_EAX] = 0;
	ck_assert_int_eq(emu_cpuid(&E.em), EMU_NEXT);
	ck_assert_uint_eq(E.st.gpr[R_EAX], E.m.cpu.max_leaf);
	char vendor[13] = { 0 };
	memcpy(vendor, &E.st.gpr[R_EBX], 4);
	memcpy(vendor + 4, &E.st.gpr[R_EDX], 4);
	memcpy(vendor + 8, &E.st.gpr[R_ECX], 4);
	ck_assert_str_eq(vendor, "GenuineIntel");

	et_ring3(&E);
	E.st.gpr[R_EAX] = 1;
	E.st.gpr[R_ECX] = 0;
	ck_assert_int_eq(emu_cpuid(&E.em), EMU_NEXT);
	uint32_t a = E.st.gpr[R_EAX], b = E.st.gpr[R_EBX], c = E.st.gpr[R_ECX], d = E.st.gpr[R_EDX];
	ck_assert_uint_eq((a >> 8) & 15, 6);                     /* family 6 */
	ck_assert_msg(c & (1u << 31), "hypervisor bit clear: ecx 0x%x", c);
	static const struct { uint32_t reg; unsigned bit; const char *what; } never[] = {
		{ 2, 3, "MONITOR" }, { 2, 5, "VMX" }, { 2, 6, "SMX" }, { 2, 21, "x2APIC" }, { 2, 24, "TSC-deadline" },
		{ 2, 26, "XSAVE" }, { 2, 27, "OSXSAVE" }, { 2, 28, "AVX" }, { 2, 30, "RDRAND" }, { 2, 12, "FMA" },
		{ 3, 1, "VME" }, { 3, 2, "DE" }, { 3, 22, "ACPI" }, { 3, 28, "HTT" },
	};
	for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
		ck_assert_msg(!(((never[i].reg == 2 ? c : d) >> never[i].bit) & 1), "%s advertised", never[i].what);
	ck_assert_msg(d & (1u << 9), "APIC not advertised: edx 0x%x", d);   /* monitor/lapic.c */
	ck_assert_msg((d & 0x5080) == 0x5080, "MCE MTRR MCA not advertised: edx 0x%x", d);   /* msr_arch.c */
	ck_assert_uint_eq(b >> 24, 0);                            /* initial APIC ID */
	ck_assert_uint_eq((b >> 8) & 0xff, 8);                    /* CLFLUSH: 64-byte lines */
	cpu_model_cpuid(&E.m.cpu, 1, 0, 0, r);
	ck_assert_uint_eq(d, r[3]);

	E.st.gpr[R_EAX] = 7;
	E.st.gpr[R_ECX] = 0;
	ck_assert_int_eq(emu_cpuid(&E.em), EMU_NEXT);
	ck_assert_uint_eq(E.st.gpr[R_EBX], 1u << 1);   /* TSC_ADJUST; no SMEP, SMAP, AVX2, FSGSBASE, ... */
	ck_assert_uint_eq(E.st.gpr[R_ECX], 0);   /* no UMIP, PKU, RDPID */

	E.st.gpr[R_EAX] = 0x80000001u;
	ck_assert_int_eq(emu_cpuid(&E.em), EMU_NEXT);
	ck_assert_uint_ne(E.st.gpr[R_EDX] & (1u << 20), 0);      /* NX */
	ck_assert_uint_eq(E.st.gpr[R_EDX] & (1u << 27), 0);      /* no RDTSCP */
	ck_assert_uint_eq(E.st.gpr[R_EDX] & (1u << 29), 0);      /* no long mode */

	/* 0x15 and 0x16: the TSC's rate as Linux reads it (32-bit products). */
	ck_assert_uint_ge(E.m.cpu.max_leaf, 0x16);
	ck_assert_uint_gt(E.m.cpu.tsc_khz, 100000);   /* measured at machine_init: a real host TSC */
	E.st.gpr[R_EAX] = 0x15;
	ck_assert_int_eq(emu_cpuid(&E.em), EMU_NEXT);
	uint32_t den = E.st.gpr[R_EAX], num = E.st.gpr[R_EBX], crystal_khz = E.st.gpr[R_ECX] / 1000;
	ck_assert_uint_ne(den, 0);
	ck_assert((uint64_t)crystal_khz * num <= 0xffffffffu);
	uint32_t khz = crystal_khz * num / den;
	ck_assert_uint_le(E.m.cpu.tsc_khz - khz, num);
	E.st.gpr[R_EAX] = 0x16;
	ck_assert_int_eq(emu_cpuid(&E.em), EMU_NEXT);
	ck_assert_uint_eq(E.st.gpr[R_EAX], E.m.cpu.tsc_khz / 1000);
	ck_assert_uint_eq(E.st.gpr[R_ECX], 100);

	/* a leaf past the top reads the highest basic leaf */
	E.st.gpr[R_EAX] = 0x17;
	ck_assert_int_eq(emu_cpuid(&E.em), EMU_NEXT);
	cpu_model_cpuid(&E.m.cpu, E.m.cpu.max_leaf, 0, 0, r);
	ck_assert_uint_eq(E.st.gpr[R_EAX], r[0]);
	ck_assert_uint_eq(E.st.gpr[R_EBX], r[1]);
}
END_TEST

/* CR4: only the bits of the model's features may be set (UMIP, SMEP,
 * SMAP, VME, DE, PCE, OSXSAVE... are reserved: #GP). */
START_TEST(cr4_follows_the_model)
{
	static const unsigned ok[] = { 2, 4, 5, 6, 7, 9, 10 };
	static const unsigned reserved[] = { 0, 1, 3, 8, 11, 13, 14, 16, 17, 18, 20, 21, 22, 23 };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_int_eq(emu_mov_to_cr(&E.em, 4, 1u << ok[i]), EMU_NEXT);
		ck_assert_uint_eq(E.st.cr4, 1u << ok[i]);
	}
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
		E.st.cr4 = 0;
		struct vcpu_state saved = E.st;
		et_expect_fault(&E, emu_mov_to_cr(&E.em, 4, 1u << reserved[i]), EXC_GP, 0);
		et_expect_state(&E, &saved);
	}
	cpu_model_for_host(cpu_model_find("486"), &E.m.cpu);
	E.st.cr4 = 0;
	et_expect_fault(&E, emu_mov_to_cr(&E.em, 4, 1u << 4), EXC_GP, 0);   /* a 486 has no PSE */
}
END_TEST

START_TEST(rdtsc_tsd)
{
	/* CR4.TSD clear: any CPL; set: CPL 0 only */
	et_ring3(&E);
	ck_assert_int_eq(emu_rdtsc(&E.em), EMU_NEXT);
	uint64_t a = (uint64_t)E.st.gpr[R_EDX] << 32 | E.st.gpr[R_EAX];
	ck_assert_int_eq(emu_rdtsc(&E.em), EMU_NEXT);
	uint64_t b = (uint64_t)E.st.gpr[R_EDX] << 32 | E.st.gpr[R_EAX];
	ck_assert_uint_ge(b, a);
	E.st.cr4 = CR4_TSD;
	E.st.gpr[R_EAX] = E.st.gpr[R_EDX] = 0x77;
	et_expect_fault(&E, emu_rdtsc(&E.em), EXC_GP, 0);
	ck_assert_uint_eq(E.st.gpr[R_EAX], 0x77);
	ck_assert_uint_eq(E.st.gpr[R_EDX], 0x77);
	E.st.seg[S_CS].sel = ET_SEL_CODE0 | 1;
	et_expect_fault(&E, emu_rdtsc(&E.em), EXC_GP, 0);
	E.st.seg[S_CS].sel = ET_SEL_CODE0;
	ck_assert_int_eq(emu_rdtsc(&E.em), EMU_NEXT);
	ck_assert_uint_ge((uint64_t)E.st.gpr[R_EDX] << 32 | E.st.gpr[R_EAX], b);
}
END_TEST

static Suite *emulate_suite(void)
{
	Suite *s = suite_create("emulate");
	TCase *tc = tcase_create("emulate");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, exception_names);
	tcase_add_test(tc, fault_records_vector_and_error);
	tcase_add_test(tc, cpl_from_cs_selector);
	tcase_add_test(tc, cli_sti_ring0);
	tcase_add_test(tc, cli_sti_need_cpl_le_iopl);
	tcase_add_test(tc, hlt_ring0_only);
	tcase_add_test(tc, out_reaches_device);
	tcase_add_test(tc, in_unclaimed_port_reads_all_ones);
	tcase_add_test(tc, io_privilege);
	tcase_add_test(tc, io_permission_bitmap);
	tcase_add_test(tc, pushf_clears_vm_rf);
	tcase_add_test(tc, pushf16_writes_two_bytes);
	tcase_add_test(tc, pushf_ring3_reveals_flags);
	tcase_add_test(tc, popf_ring0_all_writable);
	tcase_add_test(tc, popf_ring3_keeps_if_iopl);
	tcase_add_test(tc, popf_ring3_iopl3_if_writable);
	tcase_add_test(tc, popf16_keeps_upper_half);
	tcase_add_test(tc, pushf_popf_round_trip);
	tcase_add_test(tc, read_write_ram_and_mmio);
	tcase_add_test(tc, lgdt_sgdt_round_trip);
	tcase_add_test(tc, lidt_sidt_round_trip);
	tcase_add_test(tc, lgdt_ring3_gp_sgdt_allowed);
	tcase_add_test(tc, ltr_loads_and_marks_busy);
	tcase_add_test(tc, ltr_rpl_ignored_in_selector_error);
	tcase_add_test(tc, ltr_rejects);
	tcase_add_test(tc, ltr_16bit_tss);
	tcase_add_test(tc, lldt_and_load_through_ldt);
	tcase_add_test(tc, lldt_rejects);
	tcase_add_test(tc, load_ds_ok_sets_accessed);
	tcase_add_test(tc, load_seg_byte_granular_and_base);
	tcase_add_test(tc, load_ds_null);
	tcase_add_test(tc, load_ss_failures);
	tcase_add_test(tc, load_ss_ok);
	tcase_add_test(tc, load_ds_failures);
	tcase_add_test(tc, load_ds_code_and_conforming);
	tcase_add_test(tc, far_jmp_same_ring);
	tcase_add_test(tc, far_jmp_rejects);
	tcase_add_test(tc, far_jmp_to_data_segment_is_gp);
	tcase_add_test(tc, far_jmp_conforming);
	tcase_add_test(tc, far_jmp_call_gate_stops_with_message);
	tcase_add_test(tc, far_call_same_ring);
	tcase_add_test(tc, far_call16);
	tcase_add_test(tc, far_call_rejects);
	tcase_add_test(tc, far_call_to_data_segment_is_gp);
	tcase_add_test(tc, far_call_conforming_ignores_rpl);
	tcase_add_test(tc, far_call_conforming_from_ring3);
	tcase_add_test(tc, far_ret_same_ring_with_pop);
	tcase_add_test(tc, far_ret16);
	tcase_add_test(tc, far_ret_to_ring3);
	tcase_add_test(tc, far_ret_to_ring3_nulls_inner_data_segments);
	tcase_add_test(tc, far_ret_rejects);
	tcase_add_test(tc, lar_values);
	tcase_add_test(tc, lar_rejects_keep_destination);
	tcase_add_test(tc, lsl_values);
	tcase_add_test(tc, verr_verw_verdicts);
	tcase_add_test(tc, mov_cr_round_trip);
	tcase_add_test(tc, mov_cr_rejects);
	tcase_add_test(tc, mov_cr0_reserved_bits_ignored);
	tcase_add_test(tc, lmsw_rules);
	tcase_add_test(tc, privileged_nop);
	tcase_add_test(tc, msr_sysenter_round_trip);
	tcase_add_test(tc, msr_model_set);
	tcase_add_test(tc, msr_mtrr);
	tcase_add_test(tc, msr_mca);
	tcase_add_test(tc, msr_older_models);
	tcase_add_test(tc, msr_tsc_sets_offset);
	tcase_add_test(tc, msr_tsc_adjust);
	tcase_add_test(tc, msr_unknown_and_ring3);
	tcase_add_test(tc, sysenter_from_ring3);
	tcase_add_test(tc, sysenter_cs_rpl_cleared);
	tcase_add_test(tc, sysenter_null_cs_gp);
	tcase_add_test(tc, sysexit_to_ring3);
	tcase_add_test(tc, sysexit_rejects);
	tcase_add_test(tc, cpuid_is_the_model);
	tcase_add_test(tc, cr4_follows_the_model);
	tcase_add_test(tc, rdtsc_tsd);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(emulate_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
