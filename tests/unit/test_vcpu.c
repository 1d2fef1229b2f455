/* Unit tests for monitor/vcpu: vcpu_flat_seg (base 0, 4 GiB limit, present,
 * S, D/B, G, ring 0), register and segment names, vcpu_state_changes (which
 * fields count, their order, before/after values, the max cap, EIP and
 * hidden segment parts excluded), vcpu_changes_format (registers, flag names,
 * IOPL, segments, descriptor-table and control registers, "no change",
 * truncation into small buffers) and vcpu_state_diff. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vcpu.h"

static struct vcpu_state A, B;

static void setup(void)
{
	memset(&A, 0, sizeof A);
	A.gpr[R_ESP] = 0x90000;
	A.eflags = EFLAGS_FIXED;
	A.seg[S_CS] = vcpu_flat_seg(0x08, SEG_TYPE_CODE_RX_ACC);
	A.seg[S_SS] = A.seg[S_DS] = A.seg[S_ES] = vcpu_flat_seg(0x10, SEG_TYPE_DATA_RW_ACC);
	A.cr0 = CR0_PE | CR0_ET;
	B = A;
}

static const char *diff(void)
{
	static char buf[512];
	vcpu_state_diff(&A, &B, buf, sizeof buf);
	return buf;
}

START_TEST(flat_seg)
{
	struct vcpu_seg s = vcpu_flat_seg(0x10, SEG_TYPE_DATA_RW_ACC);
	ck_assert_uint_eq(s.sel, 0x10);
	ck_assert_uint_eq(s.base, 0);
	ck_assert_uint_eq(s.limit, 0xffffffffu);
	ck_assert_uint_eq(s.attr, 0xc093);   /* G D/B P DPL0 S type 3: descriptor bits 40..55 */
	s = vcpu_flat_seg(0x08, SEG_TYPE_CODE_RX_ACC);
	ck_assert_uint_eq(s.attr, 0xc09b);
	ck_assert_uint_eq((s.attr >> SEG_DPL_SHIFT) & 3, 0);
	ck_assert_uint_eq(s.attr & SEG_L, 0);
	s = vcpu_flat_seg(0x1b, SEG_TYPE_CODE_RX_ACC);   /* the selector is kept as given */
	ck_assert_uint_eq(s.sel, 0x1b);
}
END_TEST

START_TEST(seg_from_descriptor)
{
	/* The boot GDT's flat code descriptor: base 0, limit 0xfffff pages. */
	struct vcpu_seg s = vcpu_seg_from_desc(0x08, 0x00cf9a000000ffffull);
	ck_assert_uint_eq(s.sel, 0x08);
	ck_assert_uint_eq(s.base, 0);
	ck_assert_uint_eq(s.limit, 0xffffffffu);
	ck_assert_uint_eq(s.attr, 0xc09a);
	/* Byte granular, every base byte distinct, DPL 3 data. */
	s = vcpu_seg_from_desc(0x2b, 0x1245f2563456abcdull);
	ck_assert_uint_eq(s.base, 0x12563456u);
	ck_assert_uint_eq(s.limit, 0x5abcdu);
	ck_assert_uint_eq(s.attr, 0x40f2);
	ck_assert_uint_eq((s.attr >> SEG_DPL_SHIFT) & 3, 3);
	/* A 32-bit TSS (system, type 9), page granular. */
	s = vcpu_seg_from_desc(0x28, 0x0080890010000067ull);
	ck_assert_uint_eq(s.base, 0x00001000u);
	ck_assert_uint_eq(s.limit, 0x67fffu);
	ck_assert_uint_eq(s.attr & (SEG_S | SEG_TYPE_MASK), 9);
}
END_TEST

START_TEST(reg_and_seg_names)
{
	static const char *const regs[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	static const char *const segs[] = { "es", "cs", "ss", "ds", "fs", "gs" };
	for (int r = 0; r < R_COUNT; r++)
		ck_assert_str_eq(vcpu_reg_name((enum vcpu_reg)r), regs[r]);
	for (int s = 0; s < S_COUNT; s++)
		ck_assert_str_eq(vcpu_seg_name((enum vcpu_segreg)s), segs[s]);
	ck_assert_str_eq(vcpu_reg_name(R_COUNT), "?");
	ck_assert_str_eq(vcpu_reg_name((enum vcpu_reg)-1), "?");
	ck_assert_str_eq(vcpu_seg_name(S_COUNT), "?");
	ck_assert_str_eq(vcpu_seg_name((enum vcpu_segreg)99), "?");
}
END_TEST

START_TEST(no_change)
{
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES), 0);
	ck_assert_str_eq(diff(), "no change");
	/* EIP, hidden segment parts, CR2, DRs and MSRs are not compared */
	B.eip = 0x1234;
	B.seg[S_DS].base = 0x1000;
	B.seg[S_DS].attr = 0;
	B.cr2 = 0xdead;
	B.dr[7] = 0x400;
	B.sysenter_eip = 5;
	B.gdtr.limit = 0x17;
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES), 0);
	ck_assert_str_eq(diff(), "no change");
	char buf[4];
	vcpu_changes_format(ch, 0, buf, sizeof buf);
	ck_assert_str_eq(buf, "no ");   /* truncated, terminated */
}
END_TEST

START_TEST(register_change)
{
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	B.gpr[R_EAX] = 0x5a;
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES), 1);
	ck_assert_uint_eq(ch[0].field, VF_GPR0 + R_EAX);
	ck_assert_uint_eq(ch[0].before, 0);
	ck_assert_uint_eq(ch[0].after, 0x5a);
	ck_assert_str_eq(diff(), "eax 0x0->0x5a");
	B.gpr[R_ESP] = 0x8fffc;
	B.gpr[R_EDI] = 0xffffffffu;
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES), 3);
	ck_assert_uint_eq(ch[1].field, VF_GPR0 + R_ESP);
	ck_assert_uint_eq(ch[2].field, VF_GPR0 + R_EDI);
	ck_assert_str_eq(diff(), "eax 0x0->0x5a esp 0x90000->0x8fffc edi 0x0->0xffffffff");
}
END_TEST

START_TEST(flag_changes)
{
	B.eflags = A.eflags | EFLAGS_IF;
	ck_assert_str_eq(diff(), "IF 0->1");
	A.eflags |= EFLAGS_IF;
	B.eflags = EFLAGS_FIXED;
	ck_assert_str_eq(diff(), "IF 1->0");
	A.eflags = EFLAGS_FIXED;
	B.eflags = EFLAGS_FIXED | EFLAGS_CF | EFLAGS_ZF;
	ck_assert_str_eq(diff(), "CF 0->1 ZF 0->1");
	B.eflags = EFLAGS_FIXED | EFLAGS_SF | EFLAGS_OF | EFLAGS_TF | EFLAGS_DF | EFLAGS_NT | EFLAGS_AC;
	const char *d = diff();
	static const char *const names[] = { "SF 0->1", "OF 0->1", "TF 0->1", "DF 0->1", "NT 0->1", "AC 0->1" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg(strstr(d, names[i]), "'%s' lacks '%s'", d, names[i]);
	/* one EFLAGS change entry, however many flags */
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES), 1);
	ck_assert_uint_eq(ch[0].field, VF_EFLAGS);
}
END_TEST

START_TEST(iopl_change)
{
	B.eflags = A.eflags | (3u << 12);
	ck_assert_str_eq(diff(), "IOPL 0->3");
	A.eflags |= 1u << 12;
	B.eflags = A.eflags ^ (3u << 12);   /* 1 -> 2 */
	ck_assert_str_eq(diff(), "IOPL 1->2");
	B.eflags |= EFLAGS_IF;
	ck_assert_str_eq(diff(), "IF 0->1 IOPL 1->2");
}
END_TEST

START_TEST(any_eflags_change_is_reported)
{
	/* vcpu_state_changes counts an EFLAGS change, so the text must not say
	 * "no change" (PF, AF, RF, VM, ID are not in the flag-name list). */
	static const uint32_t bits[] = { EFLAGS_PF, EFLAGS_AF, EFLAGS_RF, EFLAGS_ID };
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		B.eflags = A.eflags | bits[i];
		struct vcpu_change ch[VCPU_MAX_CHANGES];
		ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES), 1);
		ck_assert_msg(strcmp(diff(), "no change") != 0, "EFLAGS 0x%x->0x%x formatted as 'no change'", A.eflags,
			      B.eflags);
	}
}
END_TEST

START_TEST(segment_and_system_changes)
{
	B.seg[S_CS].sel = 0x1b;
	ck_assert_str_eq(diff(), "cs 0x8->0x1b");
	B = A;
	B.seg[S_GS].sel = 0x33;
	ck_assert_str_eq(diff(), "gs 0x0->0x33");
	B = A;
	B.gdtr.base = 0x1000;
	ck_assert_str_eq(diff(), "gdtr 0x0->0x1000");
	B = A;
	B.idtr.base = 0x2000;
	ck_assert_str_eq(diff(), "idtr 0x0->0x2000");
	B = A;
	B.tr.sel = 0x28;
	ck_assert_str_eq(diff(), "tr 0x0->0x28");
	B = A;
	B.ldtr.sel = 0x30;
	ck_assert_str_eq(diff(), "ldtr 0x0->0x30");
	B = A;
	B.cr0 = A.cr0 | CR0_PG;
	ck_assert_str_eq(diff(), "cr0 0x11->0x80000011");
	B = A;
	B.cr3 = 0x123000;
	ck_assert_str_eq(diff(), "cr3 0x0->0x123000");
	B = A;
	B.cr4 = 0x10;
	ck_assert_str_eq(diff(), "cr4 0x0->0x10");
	/* field codes */
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES), 1);
	ck_assert_uint_eq(ch[0].field, VF_CR4);
}
END_TEST

START_TEST(order_and_cap)
{
	B.gpr[R_EBX] = 1;
	B.eflags |= EFLAGS_CF;
	B.seg[S_SS].sel = 0x23;
	B.cr3 = 0x5000;
	B.gpr[R_ECX] = 2;
	B.tr.sel = 0x28;
	struct vcpu_change ch[8];
	/* gprs first, then EFLAGS, segments, tables, control registers */
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, 8), 6);
	ck_assert_uint_eq(ch[0].field, VF_GPR0 + R_ECX);
	ck_assert_uint_eq(ch[1].field, VF_GPR0 + R_EBX);
	ck_assert_uint_eq(ch[2].field, VF_EFLAGS);
	ck_assert_uint_eq(ch[3].field, VF_SEG0 + S_SS);
	ck_assert_uint_eq(ch[4].field, VF_TR);
	ck_assert_uint_eq(ch[5].field, VF_CR3);
	/* capped */
	memset(ch, 0xee, sizeof ch);
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, 2), 2);
	ck_assert_uint_eq(ch[2].field, 0xee);   /* nothing written past max */
	ck_assert_int_eq(vcpu_state_changes(&A, &B, ch, 0), 0);
	/* vcpu_state_diff shows the first VCPU_MAX_CHANGES */
	ck_assert_str_eq(diff(), "ecx 0x0->0x2 ebx 0x0->0x1 CF 0->1 ss 0x10->0x23");
}
END_TEST

START_TEST(format_truncates)
{
	for (int r = 0; r < R_COUNT; r++)
		B.gpr[r] = 0x12345678u + (uint32_t)r;
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	int n = vcpu_state_changes(&A, &B, ch, VCPU_MAX_CHANGES);
	ck_assert_int_eq(n, VCPU_MAX_CHANGES);
	for (size_t len = 1; len < 80; len++) {
		char buf[80];
		memset(buf, 'z', sizeof buf);
		vcpu_changes_format(ch, n, buf, len);
		ck_assert_uint_lt(strlen(buf), len);
		for (size_t k = len; k < sizeof buf; k++)
			ck_assert_msg(buf[k] == 'z', "len %zu: wrote at %zu", len, k);
	}
	char full[128];
	vcpu_changes_format(ch, n, full, sizeof full);
	ck_assert_str_eq(full, "eax 0x0->0x12345678 ecx 0x0->0x12345679 edx 0x0->0x1234567a ebx 0x0->0x1234567b");
}
END_TEST

static Suite *vcpu_suite(void)
{
	Suite *s = suite_create("vcpu");
	TCase *tc = tcase_create("vcpu");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, flat_seg);
	tcase_add_test(tc, seg_from_descriptor);
	tcase_add_test(tc, reg_and_seg_names);
	tcase_add_test(tc, no_change);
	tcase_add_test(tc, register_change);
	tcase_add_test(tc, flag_changes);
	tcase_add_test(tc, iopl_change);
	tcase_add_test(tc, any_eflags_change_is_reported);
	tcase_add_test(tc, segment_and_system_changes);
	tcase_add_test(tc, order_and_cap);
	tcase_add_test(tc, format_truncates);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vcpu_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
