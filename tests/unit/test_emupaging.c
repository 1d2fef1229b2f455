/* Unit tests for the monitor's emulation with CR0.PG set (monitor/emulate.c,
 * monitor/interrupt.c on monitor/paging.c): guest-linear accesses go through
 * the page tables with the access's privilege, set A and D, raise #PF with
 * CR2 and the SDM's error code, check both pages of a crossing access before
 * writing either, honour CR0.WP; descriptor-table, TSS and inner-stack
 * accesses of an interrupt from ring 3 are supervisor accesses; a #PF during
 * delivery leaves CR2 naming the page. Intel SDM vol. 3A 4.6-4.7, 6.12. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/interrupt.h"
#include "tests/unit/emu_testlib.h"

#define PD  0x5000u    /* page directory */
#define PT  0x6000u    /* page table of the first 4 MiB */
#define PTE_P 0x1u
#define PTE_W 0x2u
#define PTE_U 0x4u
#define PTE_A 0x20u
#define PTE_D 0x40u

static struct et_env E;

static uint32_t *pte(uint32_t lin) { return (uint32_t *)(E.m.mem.phys + PT + 4 * (lin >> 12)); }

/* Identity-map the first 4 MiB, supervisor read/write; the ring-3 stack
 * page is user read/write. Paging on, CR0.WP off. */
static void setup(void)
{
	et_setup(&E);
	et_put32(&E, PD, PT | PTE_P | PTE_W | PTE_U);
	for (uint32_t p = 0; p < 1024; p++)
		*pte(p << 12) = (p << 12) | PTE_P | PTE_W;
	*pte(ET_STACK3 - 4) |= PTE_U;
	E.st.cr3 = PD;
	E.st.cr0 |= CR0_PG;
	for (int v = 0; v < 256; v++)
		et_put_idt(&E, v, et_gate(0x100000u + 0x100u * (uint32_t)v, ET_SEL_CODE0, 0xe, 3, 1));
}

static void teardown(void)
{
	et_teardown(&E);
}

START_TEST(user_push_sets_accessed_and_dirty)
{
	et_ring3(&E);
	E.st.eflags = EFLAGS_FIXED | EFLAGS_ZF;
	ck_assert_int_eq(emu_pushf(&E.em, 4), EMU_NEXT);
	ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 4), EFLAGS_FIXED | EFLAGS_ZF);
	ck_assert_uint_eq(*pte(ET_STACK3 - 4) & (PTE_A | PTE_D), PTE_A | PTE_D);
	ck_assert_uint_eq(et_get32(&E, PD) & PTE_A, PTE_A);
}
END_TEST

START_TEST(user_push_to_supervisor_page_faults)
{
	et_ring3(&E);
	*pte(ET_STACK3 - 4) &= ~PTE_U;
	et_expect_fault(&E, emu_pushf(&E.em, 4), EXC_PF, 7);   /* P | W | U */
	ck_assert_uint_eq(E.st.cr2, ET_STACK3 - 4);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_STACK3);
	ck_assert_uint_eq(et_get32(&E, ET_STACK3 - 4), 0);
}
END_TEST

START_TEST(user_push_to_absent_page_faults)
{
	et_ring3(&E);
	*pte(ET_STACK3 - 4) &= ~PTE_P;
	et_expect_fault(&E, emu_pushf(&E.em, 4), EXC_PF, 6);   /* W | U, not present */
	ck_assert_uint_eq(E.st.cr2, ET_STACK3 - 4);
}
END_TEST

START_TEST(crossing_write_checks_both_pages_first)
{
	uint32_t v = 0x11223344;
	*pte(0x201000) &= ~PTE_P;
	ck_assert_int_eq(emu_write(&E.em, 0x200ffe, &v, 4), -1);
	ck_assert_int_eq(E.em.vector, EXC_PF);
	ck_assert_uint_eq(E.em.error_code, PTE_W);            /* supervisor write, not present */
	ck_assert_uint_eq(E.st.cr2, 0x201000);                 /* the page that failed */
	ck_assert_uint_eq(E.m.mem.phys[0x200ffe], 0);          /* nothing written */
	*pte(0x201000) |= PTE_P;
	ck_assert_int_eq(emu_write(&E.em, 0x200ffe, &v, 4), 0);
	ck_assert_uint_eq(et_get32(&E, 0x200ffe), v);
}
END_TEST

START_TEST(nonidentity_mapping)
{
	uint32_t v = 0xcafef00d, back = 0;
	*pte(0x300000) = 0x250000 | PTE_P | PTE_W;
	ck_assert_int_eq(emu_write(&E.em, 0x300010, &v, 4), 0);
	ck_assert_uint_eq(et_get32(&E, 0x250010), v);
	ck_assert_int_eq(emu_read(&E.em, 0x300010, &back, 4), 0);
	ck_assert_uint_eq(back, v);
}
END_TEST

START_TEST(write_protect)
{
	uint32_t v = 1;
	*pte(0x200000) &= ~PTE_W;
	ck_assert_int_eq(emu_write(&E.em, 0x200000, &v, 4), 0);   /* WP=0: supervisor may */
	E.st.cr0 |= CR0_WP;
	ck_assert_int_eq(emu_write(&E.em, 0x200000, &v, 4), -1);
	ck_assert_int_eq(E.em.vector, EXC_PF);
	ck_assert_uint_eq(E.em.error_code, PTE_P | PTE_W);
}
END_TEST

START_TEST(ring3_interrupt_uses_supervisor_tables)
{
	/* GDT, IDT, TSS and the ring-0 stack are supervisor-only pages. */
	et_ring3(&E);
	ck_assert_uint_eq(*pte(ET_IDT) & PTE_U, 0);
	ck_assert_int_eq(emu_deliver(&E.em, 0x80, DELIVER_SOFTWARE, false, 0, 0x8002), EMU_JUMP);
	ck_assert_int_eq(emu_cpl(&E.st), 0);
	ck_assert_uint_eq(E.st.gpr[R_ESP], ET_ESP0 - 20);
	ck_assert_uint_eq(et_get32(&E, ET_ESP0 - 20), 0x8002);
	ck_assert_uint_eq(*pte(ET_ESP0 - 4) & PTE_D, PTE_D);
}
END_TEST

START_TEST(pf_during_delivery_keeps_cr2)
{
	/* The ring-0 stack is absent: #PF pushing the frame, again delivering
	 * the #PF (#DF), again delivering #DF: the machine shuts down. */
	et_ring3(&E);
	*pte(ET_ESP0 - 4) &= ~PTE_P;
	ck_assert_int_eq(emu_deliver(&E.em, 0x80, DELIVER_SOFTWARE, false, 0, 0x8002), EMU_STOP);
	ck_assert_uint_eq(E.st.cr2, ET_ESP0 - 4);
	ck_assert_int_eq(emu_cpl(&E.st), 3);   /* the state is as before the INT */
}
END_TEST

START_TEST(table_outside_ram)
{
	uint32_t v;
	et_put32(&E, PD, 0xf0000000u | PTE_P | PTE_W);
	ck_assert_int_eq(emu_read(&E.em, 0x1000, &v, 4), -1);
	ck_assert_ptr_nonnull(strstr(E.em.msg, "outside RAM"));
}
END_TEST

static Suite *emupaging_suite(void)
{
	Suite *s = suite_create("emupaging");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, user_push_sets_accessed_and_dirty);
	tcase_add_test(tc, user_push_to_supervisor_page_faults);
	tcase_add_test(tc, user_push_to_absent_page_faults);
	tcase_add_test(tc, crossing_write_checks_both_pages_first);
	tcase_add_test(tc, nonidentity_mapping);
	tcase_add_test(tc, write_protect);
	tcase_add_test(tc, ring3_interrupt_uses_supervisor_tables);
	tcase_add_test(tc, pf_during_delivery_keeps_cr2);
	tcase_add_test(tc, table_outside_ram);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(emupaging_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
