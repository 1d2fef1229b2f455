/* Unit tests for engine/ident: the IDENT allowlist and availability.
 * Instructions that must never run natively (VMCALL, VMMCALL, RDPID,
 * RDRAND, CLAC/STAC, XGETBV, WRFSBASE, AVX, TSX) are #UD on every model;
 * each family follows its CPU feature from model to model (CMOV on a P5,
 * SSSE3 on the p6 model, MMX versus XMM forms); emulated instructions are
 * available but not IDENT; and the table's print lists every family. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/decode.h"
#include "engine/ident.h"
#include "tests/unit/bt_testlib.h"

static struct dec d;

static void setup(void)
{
	ck_assert_int_eq(dec_init(&d), 0);
}

static void teardown(void)
{
	dec_destroy(&d);
}

static const struct cpu_model *model(const char *name)
{
	static struct cpu_model m;
	cpu_model_for_host(cpu_model_find(name), &m);
	return &m;
}

/* The verdict for hex under the named model; decode failures are skipped
 * (Capstone 4 knows too few of the newest instructions to matter). */
static int verdict(const char *name, const char *hex, bool *decoded)
{
	uint8_t b[16];
	size_t n = tl_hex(hex, b, sizeof b);
	struct bt_insn in;
	*decoded = dec_insn(&d, b, n, 0x1000, &in) == 0;
	return *decoded ? (int)ident_check(model(name), &in) : -1;
}

static void expect(const char *name, const char *hex, enum ident_verdict want)
{
	bool ok;
	int v = verdict(name, hex, &ok);
	ck_assert_msg(ok, "%s: Capstone cannot decode %s", name, hex);
	ck_assert_msg(v == (int)want, "%s: %s gave verdict %d, want %d", name, hex, v, (int)want);
}

START_TEST(never_native)
{
	static const char *const hex[] = {
		"0f01c1",       /* vmcall */
		"0f01d9",       /* vmmcall */
		"f30fc7f8",     /* rdpid eax (Capstone 4: rdseed) */
		"0fc7f0",       /* rdrand eax */
		"0f01ca",       /* clac */
		"0f01cb",       /* stac */
		"0f01d0",       /* xgetbv */
		"0fae20",       /* xsave [eax] */
		"0f01d6",       /* xtest */
		"c5f858c1",     /* vaddps xmm0, xmm0, xmm1 */
		"c5d251670a",   /* vsqrtss xmm4, xmm5, [edi+0xa]: Capstone files it under no AVX group */
		"0f01c8",       /* monitor */
		"0f01c9",       /* mwait */
		"0f01f9",       /* rdtscp */
		"0f0e",         /* femms */
		"f0f3a0e92bcf34", /* lock rep mov al, [moffs]: LOCK on a MOV */
	};
	static const char *const models[] = { "bt86", "p6", "pentium", "486", "host" };
	for (size_t m = 0; m < 5; m++)
		for (size_t i = 0; i < sizeof hex / sizeof hex[0]; i++)
			expect(models[m], hex[i], IDENT_UD);
}
END_TEST

START_TEST(families_follow_features)
{
	expect("bt86", "01c8", IDENT_OK);          /* add eax, ecx */
	expect("bt86", "f00106", IDENT_OK);        /* lock add [esi], eax */
	expect("486", "01c8", IDENT_OK);
	expect("bt86", "0f44c1", IDENT_OK);        /* cmove eax, ecx */
	expect("pentium", "0f44c1", IDENT_UD);
	expect("p6", "0f44c1", IDENT_OK);
	expect("pentium", "0fc70e", IDENT_OK);     /* cmpxchg8b [esi] */
	expect("486", "0fc70e", IDENT_UD);
	expect("p6", "0ffcc1", IDENT_OK);          /* paddb mm0, mm1 */
	expect("pentium", "0ffcc1", IDENT_UD);
	expect("p6", "660ffcc1", IDENT_OK);        /* paddb xmm0, xmm1: SSE2 */
	expect("p6", "660f3800c1", IDENT_UD);      /* pshufb: SSSE3, not in p6 */
	expect("bt86", "660f3800c1", IDENT_OK);
	expect("p6", "f30fb8c1", IDENT_UD);        /* popcnt: not in p6 */
	expect("bt86", "f30fb8c1", IDENT_OK);
	expect("p6", "0f58c1", IDENT_OK);          /* addps */
	expect("pentium", "0f58c1", IDENT_UD);
	expect("bt86", "0fc2c102", IDENT_OK);      /* cmpleps: Capstone names each predicate */
	expect("bt86", "d9e8", IDENT_OK);          /* fld1 */
	expect("486", "d9e8", IDENT_OK);
	expect("pentium", "dbc1", IDENT_UD);       /* fcmovnb: P6 */
	expect("bt86", "660f3a0fc108", IDENT_OK);  /* palignr xmm: SSSE3 */
	expect("bt86", "660f3a0bc100", IDENT_OK);  /* roundsd: SSE4.1 */
	expect("p6", "660f3a0bc100", IDENT_UD);
	expect("bt86", "f390", IDENT_OK);          /* pause */
}
END_TEST

/* Emulated and rewritten instructions are available but never IDENT. */
START_TEST(emulated_not_ident)
{
	expect("bt86", "0fa2", IDENT_NO);          /* cpuid */
	expect("bt86", "fa", IDENT_NO);            /* cli */
	expect("bt86", "0f31", IDENT_NO);          /* rdtsc */
	expect("486", "0f31", IDENT_UD);           /* no TSC on a 486 */
	expect("bt86", "0f34", IDENT_NO);          /* sysenter */
	expect("pentium", "0f34", IDENT_UD);       /* no SEP on a P5 */
	expect("bt86", "0f32", IDENT_NO);          /* rdmsr */
	expect("486", "0f32", IDENT_UD);
	expect("bt86", "0f33", IDENT_NO);          /* rdpmc: a P6 instruction, stops (not modelled) */
	expect("pentium", "0f33", IDENT_UD);
	expect("bt86", "cd80", IDENT_NO);          /* int 0x80 */
	expect("bt86", "e8 00000000", IDENT_NO);   /* call: translated, never copied */
}
END_TEST

START_TEST(family_names_and_table)
{
	ck_assert_str_eq(ident_family(X86_INS_ADD), "integer");
	ck_assert_str_eq(ident_family(X86_INS_PSHUFB), "ssse3");
	ck_assert_ptr_null(ident_family(X86_INS_VMMCALL));
	ck_assert_ptr_null(ident_family(X86_INS_CPUID));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ident_print_table(f);
	fclose(f);
	static const char *const fams[] = { "integer (", "x87 (", "mmx (", "sse2 (", "sse4.2 (", "cmov (" };
	for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++)
		ck_assert_msg(strstr(buf, fams[i]), "no family %s", fams[i]);
	ck_assert(strstr(buf, " cmpxchg8b"));
	ck_assert(!strstr(buf, "vmmcall"));
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ident");
	TCase *tc = tcase_create("ident");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, never_native);
	tcase_add_test(tc, families_follow_features);
	tcase_add_test(tc, emulated_not_ident);
	tcase_add_test(tc, family_names_and_table);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
