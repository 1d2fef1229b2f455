/* Unit tests for monitor/interrupt: emu_deliver through 32- and 16-bit
 * interrupt and trap gates (IF cleared or kept, TF/NT cleared), with and
 * without an error code, from ring 3 to ring 0 on the TSS's SS0:ESP0 (the
 * SS, ESP, EFLAGS, CS, EIP, error code frame at the right addresses), software
 * INT with gate DPL < CPL (#GP(vector*8+2) returning to the INT itself),
 * not-present gates (#NP with the IDT bit and EXT), an IDT limit too small,
 * bad handler code segments and TSS stacks, benign + contributory and
 * contributory + contributory (#DF(0)), a fault while delivering #DF (triple
 * fault, EMU_STOP), task gates (EMU_STOP), emu_exception_has_error; and
 * emu_iret at the same privilege and to ring 3 (SS:ESP popped, data segments
 * with DPL < 3 nulled), the IF/IOPL rules at CPL 0 and 3, its failures, and
 * NT with a bad back link (#TS(link)). Intel SDM vol. 3, 6.12-6.15, and vol. 2
 * INT n / IRET. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/interrupt.h"
#include "tests/unit/emu_testlib.h"

#define GATE_INT32  0xe
#define GATE_TRAP32 0xf
#define GATE_INT16  0x6
#define GATE_TRAP16 0x7
#define GATE_TASK   0x5

#define H(v) (0x100000u + 0x100u * (uint32_t)(v))   /* handler address of vector v */

static struct et_env E;

/* Every vector gets a present 32-bit interrupt gate to CODE0:H(v), DPL 0. */
static void setup(void)
{
	et_setup(&E);
	for (int v = 0; v < 256; v++)
		et_put_idt(&E, v, et_gate(H(v), ET_SEL_CODE0, GATE_INT32, 0, 1));
}

static void teardown(void)
{
	et_teardown(&E);
}

static enum emu_result deliver(int vector, enum deliver_kind kind, bool has_error, uint32_t err,
			       uint32_t ret)
{
	return emu_deliver(&E.em, vector, kind, has_error, err, ret);
}

/* ---- emu_exception_has_error ---- */

START_TEST(has_error_vectors)
{
	static const int with[] = { EXC_DF, EXC_TS, EXC_NP, EXC_SS, EXC_GP, EXC_PF, EXC_AC };
	static const int without[] = { EXC_DE, EXC_DB, 2, EXC_BP, EXC_OF, EXC_BR, EXC_UD, EXC_NM, 9,
				       EXC_MF, 18, 19, 0x20, 0x80, 255 };
	for (size_t i = 0; i < sizeof with / sizeof with[0]; i++)
		ck_assert_msg(emu_exception_has_error(with[i]), "vector %d", with[i]);
	for (size_t i = 0; i < sizeof without / sizeof without[0]; i++)
		ck_assert_msg(!emu_exception_has_error(without[i]), "vector %d", without[i]);
}
END_TEST

/* ---- delivery at the same privilege ---- */

START_TEST(interrupt_gate_clears_if)
{
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF | EFLAGS_CF | EFLAGS_TF | EFLAGS_NT | EFLAGS_RF;
	uint32_t fl = E.st.eflags;
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x1234), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(0x20));
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 12);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 12), 0x1234);          /* EIP */
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 8), ET_SEL_CODE0);     /* CS */
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 4), fl);               /* EFLAGS as it was */
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_CF);         /* IF TF NT RF cleared */
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA0);
}
END_TEST

START_TEST(trap_gate_keeps_if)
{
	et_put_idt(&E, 0x30, et_gate(0x4444, ET_SEL_CODE0, GATE_TRAP32, 0, 1));
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF | EFLAGS_TF;
	ck_assert_int_eq(deliver(0x30, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x4444);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_IF);   /* TF cleared, IF kept */
	/* and an interrupt gate with IF already clear leaves it clear */
	E.st.eflags = EFLAGS_FIXED;
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED);
}
END_TEST

START_TEST(error_code_pushed_last)
{
	et_put32(&E, ET_STACK0 - 20, 0xcccccccc);
	ck_assert_int_eq(deliver(EXC_GP, DELIVER_EXCEPTION, true, 0x1234, 0x2000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_GP));
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 16);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0x1234);   /* error code */
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 12), 0x2000);   /* EIP */
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 8), ET_SEL_CODE0);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 4), EFLAGS_FIXED);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 20), 0xcccccccc);   /* nothing below */
}
END_TEST

START_TEST(gate16_pushes_words)
{
	et_put_idt(&E, 0x40, et_gate(0x12345678, ET_SEL_CODE0, GATE_INT16, 0, 1));
	et_put32(&E, ET_STACK0 - 12, 0xcccccccc);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF;
	ck_assert_int_eq(deliver(0x40, DELIVER_EXTERNAL, false, 0, 0xabcd), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x5678);   /* 16-bit offset */
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 6);
	ck_assert_uint_eq(et_get16(&E, ET_STACK0 - 6), 0xabcd);
	ck_assert_uint_eq(et_get16(&E, ET_STACK0 - 4), ET_SEL_CODE0);
	ck_assert_uint_eq(et_get16(&E, ET_STACK0 - 2), EFLAGS_FIXED | EFLAGS_IF);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 12) & 0xffff, 0xcccc);
	ck_assert_uint_eq(E.st.eflags & EFLAGS_IF, 0);
	/* a 16-bit trap gate keeps IF */
	et_put_idt(&E, 0x41, et_gate(0x2222, ET_SEL_CODE0, GATE_TRAP16, 0, 1));
	E.st.eflags |= EFLAGS_IF;
	ck_assert_int_eq(deliver(0x41, DELIVER_EXTERNAL, false, 0, 0), EMU_JUMP);
	ck_assert_uint_ne(E.st.eflags & EFLAGS_IF, 0);
}
END_TEST

START_TEST(handler_cs_accessed_and_rpl)
{
	/* the gate's selector RPL is ignored: the new CS has RPL = the new CPL */
	et_put_idt(&E, 0x50, et_gate(0x3000, ET_SEL_CODE0B | 3, GATE_INT32, 0, 1));
	ck_assert_int_eq(deliver(0x50, DELIVER_EXTERNAL, false, 0, 0), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0B);
	ck_assert_uint_ne(E.st.seg[S_CS].attr & 1, 0);
}
END_TEST

/* ---- ring 3 -> ring 0 ---- */

START_TEST(ring3_to_ring0_frame)
{
	et_ring3(&E);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF | EFLAGS_ZF;
	et_put_idt(&E, 0x80, et_gate(0x7777, ET_SEL_CODE0, GATE_INT32, 3, 1));
	ck_assert_int_eq(deliver(0x80, DELIVER_SOFTWARE, false, 0, 0x8002), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0);
	ck_assert_int_eq(emu_cpl(&E.st), 0);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA0);       /* TSS.SS0 */
	ck_assert_uint_eq((E.st.seg[S_SS].attr >> SEG_DPL_SHIFT) & 3, 0);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_ESP0 - 20);           /* from TSS.ESP0 */
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 4), ET_SEL_DATA3 | 3);   /* old SS */
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 8), ET_STACK3);          /* old ESP */
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 12), EFLAGS_FIXED | EFLAGS_IF | EFLAGS_ZF);
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 16), ET_SEL_CODE3 | 3);  /* old CS */
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 20), 0x8002);            /* EIP */
	ck_assert_uint_eq(E.st.eip, 0x7777);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_ZF);
	/* the ring-3 stack is untouched, data segments are kept on the way in */
	ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 4), 0);
	ck_assert_uint_eq(E.st.seg[S_DS].sel, ET_SEL_DATA3 | 3);
}
END_TEST

START_TEST(ring3_to_ring0_with_error_code)
{
	et_ring3(&E);
	ck_assert_int_eq(deliver(EXC_PF, DELIVER_EXCEPTION, true, 0x7, 0x8000), EMU_JUMP);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_ESP0 - 24);
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 24), 0x7);
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 20), 0x8000);
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 4), ET_SEL_DATA3 | 3);
	ck_assert_uint_eq(E.st.eip, H(EXC_PF));
}
END_TEST

START_TEST(ring3_conforming_handler_stays_in_ring3)
{
	/* a conforming handler runs at the CPL of the interrupted code: no stack switch */
	et_ring3(&E);
	et_put_idt(&E, 0x60, et_gate(0x6000, ET_SEL_CONF0, GATE_INT32, 0, 1));
	ck_assert_int_eq(deliver(0x60, DELIVER_EXTERNAL, false, 0, 0x8000), EMU_JUMP);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CONF0 | 3);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA3 | 3);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK3 - 12);
}
END_TEST

START_TEST(ring3_bad_tss_stack)
{
	/* #TS handler is conforming, so it can be delivered without the TSS stack */
	et_put_idt(&E, EXC_TS, et_gate(0x6000, ET_SEL_CONF0, GATE_INT32, 0, 1));
	et_put_idt(&E, EXC_SS, et_gate(0x6100, ET_SEL_CONF0, GATE_INT32, 0, 1));
	static const struct {
		uint16_t ss0;
		int vector;
		uint32_t err;
	} cases[] = {
		{ ET_SEL_DATA3 | 3, EXC_TS, ET_SEL_DATA3 | 1 },        /* SS0 RPL/DPL != 0 */
		{ ET_SEL_DATA3, EXC_TS, ET_SEL_DATA3 | 1 },            /* DPL 3 */
		{ ET_SEL_RODATA0, EXC_TS, ET_SEL_RODATA0 | 1 },        /* not writable */
		{ ET_SEL_CODE0, EXC_TS, ET_SEL_CODE0 | 1 },            /* code */
		{ 0, EXC_TS, 1 },                                      /* null */
		{ ET_SEL_BEYOND, EXC_TS, ET_SEL_BEYOND | 1 },          /* past the GDT */
		{ ET_SEL_DATA0_NP, EXC_SS, ET_SEL_DATA0_NP | 1 },      /* not present */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		et_put32(&E, ET_TSS + 8, cases[i].ss0);
		et_ring3(&E);
		E.st.eflags = EFLAGS_FIXED;
		ck_assert_int_eq(deliver(0x21, DELIVER_EXTERNAL, false, 0, 0x8000), EMU_JUMP);
		ck_assert_msg(E.st.eip == (cases[i].vector == EXC_TS ? 0x6000u : 0x6100u),
			      "SS0 0x%x: went to 0x%x", cases[i].ss0, E.st.eip);
		/* the exception's frame is on the ring-3 stack: err, EIP, CS, EFLAGS */
		ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK3 - 16);
		ck_assert_msg(et_get32(&E, ET_STACK3 - 16) == cases[i].err, "SS0 0x%x: error code 0x%x, expected 0x%x",
			      cases[i].ss0, et_get32(&E, ET_STACK3 - 16), cases[i].err);
		ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 12), 0x8000);
	}
}
END_TEST

START_TEST(ring3_tss_too_short)
{
	et_put_idt(&E, EXC_TS, et_gate(0x6000, ET_SEL_CONF0, GATE_INT32, 0, 1));
	E.st.tr.limit = 8;   /* SS0 at offset 8..9 lies past the limit */
	et_ring3(&E);
	ck_assert_int_eq(deliver(0x21, DELIVER_EXTERNAL, false, 0, 0x8000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x6000);
	ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 16), ET_SEL_TSS | 1);
}
END_TEST

/* ---- failures while delivering ---- */

START_TEST(software_int_dpl_below_cpl)
{
	et_ring3(&E);
	E.st.eip = 0x8000;   /* the INT 0x80 instruction */
	/* IDT[0x80] is DPL 0: INT 0x80 from ring 3 is #GP(0x80*8+2) */
	ck_assert_int_eq(deliver(0x80, DELIVER_SOFTWARE, false, 0, 0x8002), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_GP));
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_ESP0 - 24);
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 24), 0x80 * 8 + 2);   /* IDT bit, EXT=0 */
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 20), 0x8000);         /* return to the INT itself */
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 16), ET_SEL_CODE3 | 3);
}
END_TEST

START_TEST(exception_ignores_gate_dpl)
{
	et_ring3(&E);
	ck_assert_int_eq(deliver(EXC_UD, DELIVER_EXCEPTION, false, 0, 0x8000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_UD));
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 20), 0x8000);
	/* an external interrupt ignores it too */
	et_ring3(&E);
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x8010), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(0x20));
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 20), 0x8010);
	/* INT3 from ring 3 through a DPL 3 gate */
	et_ring3(&E);
	et_put_idt(&E, EXC_BP, et_gate(0x3333, ET_SEL_CODE0, GATE_TRAP32, 3, 1));
	ck_assert_int_eq(deliver(EXC_BP, DELIVER_SOFTWARE, false, 0, 0x8001), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x3333);
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 20), 0x8001);
}
END_TEST

START_TEST(not_present_gate)
{
	/* external: #NP(vector*8 + IDT + EXT) returning to the interrupted EIP */
	et_put_idt(&E, 0x21, et_gate(H(0x21), ET_SEL_CODE0, GATE_INT32, 0, 0));
	E.st.eip = 0x1000;
	ck_assert_int_eq(deliver(0x21, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_NP));
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 16);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0x21 * 8 + 3);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 12), 0x1000);
}
END_TEST

START_TEST(not_present_gate_software)
{
	et_put_idt(&E, 0x31, et_gate(H(0x31), ET_SEL_CODE0, GATE_INT32, 3, 0));
	E.st.eip = 0x1000;
	ck_assert_int_eq(deliver(0x31, DELIVER_SOFTWARE, false, 0, 0x1002), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_NP));
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0x31 * 8 + 2);   /* EXT = 0 */
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 12), 0x1000);         /* the INT itself */
}
END_TEST

START_TEST(idt_limit_too_small)
{
	E.st.idtr.limit = 0x20 * 8 - 1;   /* vectors 0..31 only */
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_GP));
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0x20 * 8 + 3);
	/* a gate that straddles the limit is outside it too */
	et_teardown(&E);
	setup();
	E.st.idtr.limit = 0x20 * 8 + 3;
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_GP));
}
END_TEST

START_TEST(bad_gate_types)
{
	/* a TSS descriptor, a call gate and a code descriptor are not IDT gates */
	static const uint64_t bad[] = {
		0x0000890030000067ull,   /* TSS */
		0,                       /* empty */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		et_teardown(&E);
		setup();
		et_put_idt(&E, 0x22, bad[i]);
		ck_assert_int_eq(deliver(0x22, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
		ck_assert_uint_eq(E.st.eip, H(EXC_GP));
		ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0x22 * 8 + 3);
	}
	et_teardown(&E);
	setup();
	et_put_idt(&E, 0x22, et_gate(0x1000, ET_SEL_CODE0, 0xc, 0, 1));   /* call gate */
	ck_assert_int_eq(deliver(0x22, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_GP));
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0x22 * 8 + 3);
}
END_TEST

START_TEST(bad_handler_code_segment)
{
	static const struct {
		uint16_t sel;
		int vector;
		uint32_t err;
	} cases[] = {
		{ 0, EXC_GP, 1 },                                   /* null: #GP(EXT) */
		{ ET_SEL_DATA0, EXC_GP, ET_SEL_DATA0 | 1 },         /* not code */
		{ ET_SEL_CODE3, EXC_GP, ET_SEL_CODE3 | 1 },         /* DPL 3 > CPL 0 */
		{ ET_SEL_TSS, EXC_GP, ET_SEL_TSS | 1 },             /* system */
		{ ET_SEL_BEYOND, EXC_GP, ET_SEL_BEYOND | 1 },       /* past the GDT */
		{ ET_SEL_CODE0_NP, EXC_NP, ET_SEL_CODE0_NP | 1 },   /* not present */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		et_teardown(&E);
		setup();
		et_put_idt(&E, 0x23, et_gate(0x1000, cases[i].sel, GATE_INT32, 0, 1));
		ck_assert_int_eq(deliver(0x23, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
		ck_assert_msg(E.st.eip == H(cases[i].vector), "CS 0x%x: handler 0x%x", cases[i].sel, E.st.eip);
		ck_assert_msg(et_get32(&E, ET_STACK0 - 16) == cases[i].err, "CS 0x%x: error code 0x%x, expected 0x%x",
			      cases[i].sel, et_get32(&E, ET_STACK0 - 16), cases[i].err);
	}
}
END_TEST

START_TEST(benign_then_contributory_is_not_df)
{
	et_put_idt(&E, EXC_UD, et_gate(H(EXC_UD), ET_SEL_CODE0, GATE_INT32, 0, 0));
	ck_assert_int_eq(deliver(EXC_UD, DELIVER_EXCEPTION, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_NP));
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), EXC_UD * 8 + 3);
}
END_TEST

START_TEST(contributory_twice_is_df)
{
	et_put_idt(&E, EXC_GP, et_gate(H(EXC_GP), ET_SEL_CODE0, GATE_INT32, 0, 0));   /* #GP -> #NP */
	ck_assert_int_eq(deliver(EXC_GP, DELIVER_EXCEPTION, true, 0x10, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_DF));
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 - 16);
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0);        /* #DF(0) */
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 12), 0x1000);
	/* #DE (contributory) with a bad handler CS -> #GP -> #DF */
	et_teardown(&E);
	setup();
	et_put_idt(&E, EXC_DE, et_gate(0x1000, ET_SEL_DATA0, GATE_INT32, 0, 1));
	ck_assert_int_eq(deliver(EXC_DE, DELIVER_EXCEPTION, false, 0, 0x1000), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, H(EXC_DF));
	ck_assert_uint_eq(et_get32(&E, ET_STACK0 - 16), 0);
}
END_TEST

START_TEST(fault_during_df_is_triple_fault)
{
	et_put_idt(&E, EXC_GP, et_gate(H(EXC_GP), ET_SEL_CODE0, GATE_INT32, 0, 0));
	et_put_idt(&E, EXC_DF, et_gate(H(EXC_DF), ET_SEL_CODE0, GATE_INT32, 0, 0));
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF;
	struct vcpu_state saved = E.st;
	E.em.msg[0] = 0;
	ck_assert_int_eq(deliver(EXC_GP, DELIVER_EXCEPTION, true, 0, 0x1000), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "triple fault"), "message: '%s'", E.em.msg);
	ck_assert_ptr_null(strchr(E.em.msg, '\n'));
	et_expect_state(&E, &saved);
	/* delivering #DF itself into a broken gate is a triple fault as well */
	E.em.msg[0] = 0;
	ck_assert_int_eq(deliver(EXC_DF, DELIVER_EXCEPTION, true, 0, 0x1000), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "triple fault"), "message: '%s'", E.em.msg);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(empty_idt_is_triple_fault)
{
	E.st.idtr.limit = 0;
	struct vcpu_state saved = E.st;
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "triple fault"), "message: '%s'", E.em.msg);
	et_expect_state(&E, &saved);
	ck_assert_int_eq(deliver(EXC_UD, DELIVER_EXCEPTION, false, 0, 0x1000), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "triple fault"), "message: '%s'", E.em.msg);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(task_gate_stops)
{
	et_put_idt(&E, EXC_DF, et_gate(0, ET_SEL_TSS, GATE_TASK, 0, 1));
	struct vcpu_state saved = E.st;
	E.em.msg[0] = 0;
	ck_assert_int_eq(deliver(EXC_DF, DELIVER_EXCEPTION, true, 0, 0x1000), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "task"), "message: '%s'", E.em.msg);
	et_expect_state(&E, &saved);
	/* reached as the double fault of a broken #GP gate */
	et_put_idt(&E, EXC_GP, et_gate(H(EXC_GP), ET_SEL_CODE0, GATE_INT32, 0, 0));
	E.em.msg[0] = 0;
	ck_assert_int_eq(deliver(EXC_GP, DELIVER_EXCEPTION, true, 0, 0x1000), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "task"), "message: '%s'", E.em.msg);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(stack_in_mmio_hole_still_delivers)
{
	/* pushes go through emu_write; the stack in the VGA window hits MMIO */
	E.st.gpr[R_ESP] = GMEM_VGA_BASE + 0x100;
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x1234), EMU_JUMP);
	uint32_t eip;
	memcpy(&eip, E.m.vga->bytes + 0x100 - 12, 4);
	ck_assert_uint_eq(eip, 0x1234);
}
END_TEST

/* ---- IRET ---- */

static void put_frame(uint32_t at, const uint32_t *w, int n)
{
	for (int i = 0; i < n; i++)
		et_put32(&E, at + 4u * (unsigned)i, w[i]);
}

START_TEST(iret_same_privilege)
{
	const uint32_t f[] = { 0x6000, ET_SEL_CODE0B, EFLAGS_CF | EFLAGS_IF | EFLAGS_RF | 0x8 };
	put_frame(ET_STACK0, f, 3);
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x6000);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE0B);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 + 12);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_CF | EFLAGS_IF | EFLAGS_RF);   /* reserved bit 3 dropped */
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA0);
	ck_assert_uint_eq(E.st.seg[S_DS].sel, ET_SEL_DATA0);
	ck_assert_uint_ne(E.st.seg[S_CS].attr & SEG_P, 0);
}
END_TEST

START_TEST(iret16)
{
	et_put32(&E, ET_STACK0, (uint32_t)ET_SEL_CODE0B << 16 | 0x1234);
	et_put32(&E, ET_STACK0 + 4, 0xffff0000u | EFLAGS_ZF);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_AC | EFLAGS_CF;
	ck_assert_int_eq(emu_iret(&E.em, 2), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x1234);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK0 + 6);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_AC | EFLAGS_ZF);   /* upper half kept */
}
END_TEST

START_TEST(iret_to_ring3)
{
	E.st.seg[S_ES] = et_seg(ET_SEL_DATA3 | 3, 0x2, 3);   /* DPL 3: kept */
	E.st.seg[S_GS] = et_seg(ET_SEL_CONF0, 0xe, 0);       /* conforming code: kept */
	E.st.seg[S_FS] = (struct vcpu_seg){ 0 };             /* already null */
	const uint32_t f[] = { 0x8000, ET_SEL_CODE3 | 3, EFLAGS_IF | EFLAGS_ZF, 0x7100, ET_SEL_DATA3 | 3 };
	put_frame(ET_STACK0, f, 5);
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.eip, 0x8000);
	ck_assert_uint_eq(E.st.seg[S_CS].sel, ET_SEL_CODE3 | 3);
	ck_assert_int_eq(emu_cpl(&E.st), 3);
	ck_assert_uint_eq(E.st.seg[S_SS].sel, ET_SEL_DATA3 | 3);
	ck_assert_uint_eq((E.st.seg[S_SS].attr >> SEG_DPL_SHIFT) & 3, 3);
	ck_assert_uint_eq(E.st.gpr[R_ESP], 0x7100);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_IF | EFLAGS_ZF);
	/* DS had DPL 0: nulled */
	ck_assert_uint_eq(E.st.seg[S_DS].sel, 0);
	ck_assert_uint_eq(E.st.seg[S_DS].attr & SEG_P, 0);
	ck_assert_uint_eq(E.st.seg[S_ES].sel, ET_SEL_DATA3 | 3);
	ck_assert_uint_eq(E.st.seg[S_GS].sel, ET_SEL_CONF0);
	ck_assert_uint_eq(E.st.seg[S_FS].sel, 0);
}
END_TEST

START_TEST(iret_flags_cpl0)
{
	/* CPL 0: IF and IOPL come from the stack */
	const uint32_t f[] = { 0x6000, ET_SEL_CODE0, EFLAGS_IF | (3u << 12) | EFLAGS_NT | EFLAGS_AC };
	put_frame(ET_STACK0, f, 3);
	E.st.eflags = EFLAGS_FIXED;
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_IF | (3u << 12) | EFLAGS_NT | EFLAGS_AC);
	/* and can clear them */
	const uint32_t g[] = { 0x6000, ET_SEL_CODE0, 0 };
	E.st.gpr[R_ESP] = ET_STACK0;
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF | (3u << 12);
	put_frame(ET_STACK0, g, 3);
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED);
}
END_TEST

START_TEST(iret_flags_cpl3)
{
	/* CPL 3, IOPL 0: IF and IOPL silently kept */
	et_ring3(&E);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF;
	const uint32_t f[] = { 0x8100, ET_SEL_CODE3 | 3, (3u << 12) | EFLAGS_CF };
	put_frame(ET_STACK3, f, 3);
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_IF | EFLAGS_CF);
	ck_assert_uint_eq(E.st.eip, 0x8100);
	/* CPL 3, IOPL 3: IF comes from the stack, IOPL still kept */
	et_ring3(&E);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF | (3u << 12);
	const uint32_t g[] = { 0x8200, ET_SEL_CODE3 | 3, EFLAGS_ZF };
	put_frame(ET_STACK3, g, 3);
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	ck_assert_uint_eq(E.st.eflags, EFLAGS_FIXED | EFLAGS_ZF | (3u << 12));
}
END_TEST

START_TEST(iret_rejects)
{
	struct vcpu_state saved = E.st;
	static const struct {
		uint32_t f[5];
		int vector;
		uint32_t err;
	} cases[] = {
		{ { 0x6000, 0, EFLAGS_IF, 0, 0 }, EXC_GP, 0 },                                          /* null CS */
		{ { 0x6000, ET_SEL_DATA0, 0, 0, 0 }, EXC_GP, ET_SEL_DATA0 },                            /* not code */
		{ { 0x6000, ET_SEL_CODE3, 0, 0, 0 }, EXC_GP, ET_SEL_CODE3 },                            /* DPL != RPL */
		{ { 0x6000, ET_SEL_CODE0_NP, 0, 0, 0 }, EXC_NP, ET_SEL_CODE0_NP },
		{ { 0x1000, ET_SEL_SMALLCODE, 0, 0, 0 }, EXC_GP, 0 },                                   /* EIP > limit */
		{ { 0x6000, ET_SEL_BEYOND, 0, 0, 0 }, EXC_GP, ET_SEL_BEYOND },
		{ { 0x8000, ET_SEL_CODE3 | 3, 0, 0x7000, ET_SEL_DATA3 }, EXC_GP, ET_SEL_DATA3 },        /* SS RPL */
		{ { 0x8000, ET_SEL_CODE3 | 3, 0, 0x7000, ET_SEL_DATA0 | 3 }, EXC_GP, ET_SEL_DATA0 },    /* SS DPL */
		{ { 0x8000, ET_SEL_CODE3 | 3, 0, 0x7000, ET_SEL_RODATA3 | 3 }, EXC_GP, ET_SEL_RODATA3 },
		{ { 0x8000, ET_SEL_CODE3 | 3, 0, 0x7000, ET_SEL_CODE3 | 3 }, EXC_GP, ET_SEL_CODE3 },
		{ { 0x8000, ET_SEL_CODE3 | 3, 0, 0x7000, 0 }, EXC_GP, 0 },                              /* null SS */
		{ { 0x8000, ET_SEL_CODE3 | 3, 0, 0x7000, ET_SEL_DATA3_NP | 3 }, EXC_SS, ET_SEL_DATA3_NP },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		put_frame(ET_STACK0, cases[i].f, 5);
		enum emu_result r = emu_iret(&E.em, 4);
		ck_assert_msg(r == EMU_FAULT && E.em.vector == cases[i].vector && E.em.has_error &&
				      E.em.error_code == cases[i].err,
			      "case %zu: result %d %s(0x%x), expected %s(0x%x)", i, (int)r,
			      emu_exception_name(E.em.vector), E.em.error_code, emu_exception_name(cases[i].vector),
			      cases[i].err);
		et_expect_state(&E, &saved);
	}
	/* ring 3 cannot IRET to ring 0 */
	et_ring3(&E);
	saved = E.st;
	const uint32_t f[] = { 0x6000, ET_SEL_CODE0, 0 };
	put_frame(ET_STACK3, f, 3);
	et_expect_fault(&E, emu_iret(&E.em, 4), EXC_GP, ET_SEL_CODE0);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(iret_nt_back_link)
{
	struct vcpu_state saved;
	E.st.eflags |= EFLAGS_NT;
	saved = E.st;
	static const struct {
		uint16_t link;
		uint32_t err;
	} bad[] = {
		{ ET_SEL_DATA0, ET_SEL_DATA0 },       /* not a TSS */
		{ ET_SEL_TSS, ET_SEL_TSS },           /* available, not busy */
		{ ET_SEL_LDT, ET_SEL_LDT },
		{ ET_SEL_TSS_BUSY | 4, ET_SEL_TSS_BUSY | 4 },   /* must be in the GDT */
		{ ET_SEL_BEYOND, ET_SEL_BEYOND },
		{ 0, 0 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(gmem_write(&E.m.mem, ET_TSS, &bad[i].link, 2), 0);
		enum emu_result r = emu_iret(&E.em, 4);
		ck_assert_msg(r == EMU_FAULT && E.em.vector == EXC_TS && E.em.error_code == bad[i].err,
			      "link 0x%x: result %d %s(0x%x)", bad[i].link, (int)r, emu_exception_name(E.em.vector),
			      E.em.error_code);
		et_expect_state(&E, &saved);
	}
	/* a busy TSS: a real task return, which is not modelled */
	uint16_t link = ET_SEL_TSS_BUSY;
	ck_assert_int_eq(gmem_write(&E.m.mem, ET_TSS, &link, 2), 0);
	E.em.msg[0] = 0;
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_STOP);
	ck_assert_msg(strstr(E.em.msg, "task"), "message: '%s'", E.em.msg);
	et_expect_state(&E, &saved);
}
END_TEST

START_TEST(deliver_then_iret_round_trip)
{
	/* same ring */
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF | EFLAGS_SF;
	E.st.eip = 0x1000;
	struct vcpu_state before = E.st;
	ck_assert_int_eq(deliver(0x20, DELIVER_EXTERNAL, false, 0, 0x1000), EMU_JUMP);
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	et_expect_state(&E, &before);

	/* ring 3 -> 0 -> 3 */
	et_ring3(&E);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_IF | EFLAGS_CF;
	E.st.eip = 0x8000;
	et_put_idt(&E, 0x80, et_gate(0x7777, ET_SEL_CODE0, GATE_INT32, 3, 1));
	before = E.st;
	before.eip = 0x8002;
	ck_assert_int_eq(deliver(0x80, DELIVER_SOFTWARE, false, 0, 0x8002), EMU_JUMP);
	ck_assert_int_eq(emu_cpl(&E.st), 0);
	ck_assert_int_eq(emu_iret(&E.em, 4), EMU_JUMP);
	et_expect_state(&E, &before);
}
END_TEST

static Suite *interrupt_suite(void)
{
	Suite *s = suite_create("interrupt");
	TCase *tc = tcase_create("interrupt");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, has_error_vectors);
	tcase_add_test(tc, interrupt_gate_clears_if);
	tcase_add_test(tc, trap_gate_keeps_if);
	tcase_add_test(tc, error_code_pushed_last);
	tcase_add_test(tc, gate16_pushes_words);
	tcase_add_test(tc, handler_cs_accessed_and_rpl);
	tcase_add_test(tc, ring3_to_ring0_frame);
	tcase_add_test(tc, ring3_to_ring0_with_error_code);
	tcase_add_test(tc, ring3_conforming_handler_stays_in_ring3);
	tcase_add_test(tc, ring3_bad_tss_stack);
	tcase_add_test(tc, ring3_tss_too_short);
	tcase_add_test(tc, software_int_dpl_below_cpl);
	tcase_add_test(tc, exception_ignores_gate_dpl);
	tcase_add_test(tc, not_present_gate);
	tcase_add_test(tc, not_present_gate_software);
	tcase_add_test(tc, idt_limit_too_small);
	tcase_add_test(tc, bad_gate_types);
	tcase_add_test(tc, bad_handler_code_segment);
	tcase_add_test(tc, benign_then_contributory_is_not_df);
	tcase_add_test(tc, contributory_twice_is_df);
	tcase_add_test(tc, fault_during_df_is_triple_fault);
	tcase_add_test(tc, empty_idt_is_triple_fault);
	tcase_add_test(tc, task_gate_stops);
	tcase_add_test(tc, stack_in_mmio_hole_still_delivers);
	tcase_add_test(tc, iret_same_privilege);
	tcase_add_test(tc, iret16);
	tcase_add_test(tc, iret_to_ring3);
	tcase_add_test(tc, iret_flags_cpl0);
	tcase_add_test(tc, iret_flags_cpl3);
	tcase_add_test(tc, iret_rejects);
	tcase_add_test(tc, iret_nt_back_link);
	tcase_add_test(tc, deliver_then_iret_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(interrupt_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
