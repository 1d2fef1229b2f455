/* Unit tests for monitor/cpumodel: the named models and the default; CPUID
 * agreeing bit for bit with cpu_has for every feature of every model; the
 * vendor, signature, brand and the leaves past the top; the CR4 and EFER
 * masks and MAXPHYADDR following the features; the host filter (nothing
 * missing from "host", and a model never keeps a native feature the host
 * lacks); and `info cpuid`'s description. */
#include <check.h>
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/cpumodel.h"

/* Where the SDM puts each feature (leaf, register 0-3 = EAX..EDX, bit). */
static const struct { enum cpu_feature f; uint32_t leaf; int reg; unsigned bit; } where[] = {
	{ CPUF_FPU, 1, 3, 0 }, { CPUF_PSE, 1, 3, 3 }, { CPUF_TSC, 1, 3, 4 }, { CPUF_MSR, 1, 3, 5 },
	{ CPUF_PAE, 1, 3, 6 }, { CPUF_CX8, 1, 3, 8 }, { CPUF_SEP, 1, 3, 11 }, { CPUF_PGE, 1, 3, 13 },
	{ CPUF_CMOV, 1, 3, 15 }, { CPUF_PAT, 1, 3, 16 }, { CPUF_PSE36, 1, 3, 17 }, { CPUF_CLFSH, 1, 3, 19 },
	{ CPUF_MMX, 1, 3, 23 }, { CPUF_FXSR, 1, 3, 24 }, { CPUF_SSE, 1, 3, 25 }, { CPUF_SSE2, 1, 3, 26 },
	{ CPUF_SSE3, 1, 2, 0 }, { CPUF_PCLMUL, 1, 2, 1 }, { CPUF_SSSE3, 1, 2, 9 }, { CPUF_SSE41, 1, 2, 19 },
	{ CPUF_SSE42, 1, 2, 20 }, { CPUF_MOVBE, 1, 2, 22 }, { CPUF_POPCNT, 1, 2, 23 }, { CPUF_AES, 1, 2, 25 },
	{ CPUF_HYPERVISOR, 1, 2, 31 }, { CPUF_ADX, 7, 1, 19 }, { CPUF_NX, 0x80000001u, 3, 20 },
	{ CPUF_LAHF, 0x80000001u, 2, 0 }, { CPUF_LZCNT, 0x80000001u, 2, 5 }, { CPUF_APIC, 1, 3, 9 },
	{ CPUF_MTRR, 1, 3, 12 }, { CPUF_MCE, 1, 3, 7 }, { CPUF_MCA, 1, 3, 14 }, { CPUF_INVTSC, 0x80000007u, 3, 8 },
	{ CPUF_TSCADJ, 7, 1, 1 },
};

START_TEST(models_and_default)
{
	const struct cpu_model *const *l = cpu_model_list();
	ck_assert_ptr_eq(cpu_model_find(NULL), l[0]);
	ck_assert_ptr_eq(cpu_model_find(""), l[0]);
	ck_assert_str_eq(l[0]->name, "bt86");
	static const char *const names[] = { "bt86", "p6", "pentium", "486", "host" };
	for (size_t i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(cpu_model_find(names[i]));
	ck_assert_ptr_null(cpu_model_find("k6"));
	ck_assert(cpu_has(cpu_model_find("p6"), CPUF_SSE2));
	ck_assert(!cpu_has(cpu_model_find("p6"), CPUF_SSE3));
	ck_assert(!cpu_has(cpu_model_find("pentium"), CPUF_CMOV));
	ck_assert(!cpu_has(cpu_model_find("486"), CPUF_TSC));
}
END_TEST

/* Every feature is reported where the SDM says, exactly when the model has it. */
START_TEST(cpuid_matches_features)
{
	ck_assert_int_eq((int)(sizeof where / sizeof where[0]), CPUF_COUNT);
	for (const struct cpu_model *const *l = cpu_model_list(); *l; l++) {
		struct cpu_model m;
		cpu_model_for_host(*l, &m);
		for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
			uint32_t r[4];
			cpu_model_cpuid(&m, where[i].leaf, 0, 0, r);
			bool leaf_exists = where[i].leaf & 0x80000000u ? where[i].leaf <= m.max_ext : where[i].leaf <= m.max_leaf;
			bool bit = leaf_exists && ((r[where[i].reg] >> where[i].bit) & 1);
			ck_assert_msg(bit == cpu_has(&m, where[i].f), "%s: %s is %s in CPUID", m.name,
				      cpu_feature_name(where[i].f), bit ? "set" : "clear");
		}
	}
}
END_TEST

START_TEST(leaves)
{
	const struct cpu_model *m = cpu_model_find(NULL);
	uint32_t r[4];
	cpu_model_cpuid(m, 0, 0, 0, r);
	char v[13] = { 0 };
	memcpy(v, &r[1], 4);
	memcpy(v + 4, &r[3], 4);
	memcpy(v + 8, &r[2], 4);
	ck_assert_str_eq(v, "GenuineIntel");
	ck_assert_uint_eq(r[0], m->max_leaf);
	cpu_model_cpuid(m, 1, 0, 3, r);
	ck_assert_uint_eq((r[0] >> 8) & 15, m->family);
	ck_assert_uint_eq(((r[0] >> 4) & 15) | ((r[0] >> 12) & 0xf0), m->model);
	ck_assert_uint_eq(r[0] & 15, m->stepping);
	ck_assert_uint_eq(r[1] >> 24, 3);   /* the initial APIC ID is the vCPU's */
	char brand[49] = { 0 };
	for (uint32_t l = 0; l < 3; l++) {
		cpu_model_cpuid(m, 0x80000002u + l, 0, 0, r);
		memcpy(brand + 16 * l, r, 16);
	}
	ck_assert_str_eq(brand, m->brand);
	cpu_model_cpuid(m, 0x80000008u, 0, 0, r);
	ck_assert_uint_eq(r[0] & 0xff, 36);
	ck_assert_uint_eq((r[0] >> 8) & 0xff, 32);
	/* past the top: the highest basic leaf, in both ranges */
	uint32_t top[4];
	cpu_model_cpuid(m, m->max_leaf, 0, 0, top);
	cpu_model_cpuid(m, 0x40, 0, 0, r);
	ck_assert_mem_eq(r, top, sizeof top);
	cpu_model_cpuid(m, 0x8000001fu, 0, 0, r);
	ck_assert_mem_eq(r, top, sizeof top);
	/* a P5 has no extended leaves at all */
	const struct cpu_model *p5 = cpu_model_find("pentium");
	cpu_model_cpuid(p5, 0x80000000u, 0, 0, r);
	cpu_model_cpuid(p5, 1, 0, 0, top);
	ck_assert_mem_eq(r, top, sizeof top);
}
END_TEST

START_TEST(masks_follow_features)
{
	const struct cpu_model *d = cpu_model_find(NULL), *i486 = cpu_model_find("486");
	ck_assert_uint_eq(cpu_model_cr4_mask(d), 0x6f4);            /* TSD PSE PAE MCE PGE OSFXSR OSXMMEXCPT */
	ck_assert_uint_eq(cpu_model_cr4_mask(cpu_model_find("pentium")), 0x14);   /* TSD PSE */
	ck_assert_uint_eq(cpu_model_cr4_mask(i486), 0);
	ck_assert_uint_eq(cpu_model_efer_mask(d), 1u << 11);
	ck_assert_uint_eq(cpu_model_efer_mask(cpu_model_find("p6")), 0);
	ck_assert_uint_eq(cpu_model_maxphyaddr(d), 36);
	ck_assert_uint_eq(cpu_model_maxphyaddr(i486), 32);
}
END_TEST

static bool host_has(uint32_t leaf, int reg, unsigned bit)
{
	unsigned r[4] = { 0 };
	if (__get_cpuid_max(leaf & 0x80000000u, NULL) < leaf)
		return false;
	__cpuid_count(leaf, 0, r[0], r[1], r[2], r[3]);
	return (r[reg] >> bit) & 1;
}

START_TEST(host_filter)
{
	for (const struct cpu_model *const *l = cpu_model_list(); *l; l++) {
		struct cpu_model m;
		cpu_model_for_host(*l, &m);
		for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
			enum cpu_feature f = where[i].f;
			if (!cpu_feature_native(f))
				continue;
			bool host = host_has(where[i].leaf, where[i].reg, where[i].bit);
			if (cpu_has(&m, f))
				ck_assert_msg(host, "%s keeps %s, which this host lacks", m.name, cpu_feature_name(f));
			if (cpu_has(*l, f) && !host && strcmp(m.name, "host") != 0)
				ck_assert(m.host_missing & (1ull << f));
			if (strcmp(m.name, "host") == 0)
				ck_assert_msg(cpu_has(&m, f) == host, "host model and host disagree on %s", cpu_feature_name(f));
		}
		if (strcmp(m.name, "host") == 0)
			ck_assert_uint_eq(m.host_missing, 0);
	}
	ck_assert(!cpu_feature_native(CPUF_TSC));   /* emulated: kept on any host */
	ck_assert(cpu_feature_native(CPUF_SSE2));
}
END_TEST

struct lines {
	char text[4096];
	int n;
};

static void collect(void *ctx, const char *t)
{
	struct lines *l = ctx;
	strncat(l->text, t, sizeof l->text - strlen(l->text) - 2);
	strcat(l->text, "\n");
	l->n++;
}

START_TEST(describe)
{
	struct lines l = { "", 0 };
	cpu_model_describe(cpu_model_find("p6"), collect, &l);
	ck_assert_msg(strstr(l.text, "model      p6:"), "%s", l.text);
	ck_assert(strstr(l.text, " sse2"));
	ck_assert(!strstr(l.text, " sse3"));
	ck_assert(strstr(l.text, "0x00000001 000006d6"));   /* family 6 model 13 stepping 6 */
	ck_assert_int_gt(l.n, 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpumodel");
	TCase *tc = tcase_create("cpumodel");
	tcase_add_test(tc, models_and_default);
	tcase_add_test(tc, cpuid_matches_features);
	tcase_add_test(tc, leaves);
	tcase_add_test(tc, masks_follow_features);
	tcase_add_test(tc, host_filter);
	tcase_add_test(tc, describe);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
