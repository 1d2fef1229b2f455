/* The CPU models and the CPUID, CR4 and EFER views derived from them (see
 * cpumodel.h). Bit positions are the Intel SDM's (Vol. 2A, CPUID). */
#include "monitor/cpumodel.h"

#include <cpuid.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define F(x) (1ull << CPUF_##x)

enum cpuid_reg { RA, RB, RC, RD };

/* Where each feature is reported, and whether its instructions run
 * natively (the host must have it) or bt86 emulates it. */
static const struct {
	const char *name;
	uint32_t leaf;
	enum cpuid_reg reg;
	unsigned bit;
	bool native;
} cpu_feat[CPUF_COUNT] = {
	[CPUF_FPU] = { "fpu", 1, RD, 0, true },
	[CPUF_PSE] = { "pse", 1, RD, 3, false },       /* 4 MiB pages: the monitor's page walk */
	[CPUF_TSC] = { "tsc", 1, RD, 4, false },       /* RDTSC is emulated (or inline) */
	[CPUF_MSR] = { "msr", 1, RD, 5, false },
	[CPUF_PAE] = { "pae", 1, RD, 6, false },
	[CPUF_CX8] = { "cx8", 1, RD, 8, true },
	[CPUF_SEP] = { "sep", 1, RD, 11, false },      /* SYSENTER/SYSEXIT are emulated */
	[CPUF_PGE] = { "pge", 1, RD, 13, false },      /* global pages: flushing them too is allowed */
	[CPUF_CMOV] = { "cmov", 1, RD, 15, true },
	[CPUF_PAT] = { "pat", 1, RD, 16, false },
	[CPUF_PSE36] = { "pse36", 1, RD, 17, false },
	[CPUF_CLFSH] = { "clflush", 1, RD, 19, true },
	[CPUF_MMX] = { "mmx", 1, RD, 23, true },
	[CPUF_FXSR] = { "fxsr", 1, RD, 24, true },
	[CPUF_SSE] = { "sse", 1, RD, 25, true },
	[CPUF_SSE2] = { "sse2", 1, RD, 26, true },
	[CPUF_SSE3] = { "sse3", 1, RC, 0, true },
	[CPUF_PCLMUL] = { "pclmulqdq", 1, RC, 1, true },
	[CPUF_SSSE3] = { "ssse3", 1, RC, 9, true },
	[CPUF_SSE41] = { "sse4_1", 1, RC, 19, true },
	[CPUF_SSE42] = { "sse4_2", 1, RC, 20, true },
	[CPUF_MOVBE] = { "movbe", 1, RC, 22, true },
	[CPUF_POPCNT] = { "popcnt", 1, RC, 23, true },
	[CPUF_AES] = { "aes", 1, RC, 25, true },
	[CPUF_HYPERVISOR] = { "hypervisor", 1, RC, 31, false },
	[CPUF_ADX] = { "adx", 7, RB, 19, true },
	[CPUF_NX] = { "nx", 0x80000001u, RD, 20, false },
	[CPUF_LAHF] = { "lahf_lm", 0x80000001u, RC, 0, true },
	[CPUF_LZCNT] = { "abm", 0x80000001u, RC, 5, true },   /* LZCNT (without it, F3 0F BD is BSR) */
	[CPUF_APIC] = { "apic", 1, RD, 9, false },     /* the local APIC (monitor/lapic.c) */
	[CPUF_MTRR] = { "mtrr", 1, RD, 12, false },    /* the MTRR MSRs (monitor/msr_arch.c) */
	[CPUF_MCE] = { "mce", 1, RD, 7, false },       /* CR4.MCE; no machine check is ever raised */
	[CPUF_MCA] = { "mca", 1, RD, 14, false },      /* the MCG and MCi bank MSRs (monitor/msr_arch.c) */
	/* The guest's TSC is the host's plus an offset: invariant if the host's is. */
	[CPUF_INVTSC] = { "invtsc", 0x80000007u, RD, 8, true },
	[CPUF_TSCADJ] = { "tsc_adjust", 7, RB, 1, false },   /* IA32_TSC_ADJUST (monitor/emulate.c) */
};

#define P5 (F(FPU) | F(PSE) | F(TSC) | F(MSR) | F(CX8) | F(APIC))   /* the P54C's on-chip APIC */
#define P6 (P5 | F(PAE) | F(SEP) | F(PGE) | F(CMOV) | F(PAT) | F(PSE36) | F(CLFSH) | F(MMX) | F(FXSR) | \
	    F(SSE) | F(SSE2) | F(HYPERVISOR) | F(MTRR) | F(MCE) | F(MCA))
#define BT86 (P6 | F(INVTSC) | F(TSCADJ) | F(NX) | F(SSE3) | F(SSSE3) | F(SSE41) | F(SSE42) | F(POPCNT) | F(LAHF))
#define ALL ((1ull << CPUF_COUNT) - 1)

static const struct cpu_model cpu_models[] = {
	{ "bt86", "the default: a P6-family CPU with PAE and NX, SSE to SSE4.2 and POPCNT",
	  "GenuineIntel", 6, 0x17, 10, "bt86 virtual CPU (P6 family, SSE4.2)", 0x16, 0x80000008u, BT86, 0, 0 },
	{ "p6", "a Pentium M class P6 CPU: PAE, SYSENTER, PAT, MMX, SSE and SSE2",
	  "GenuineIntel", 6, 13, 6, "bt86 virtual CPU (Pentium M class)", 2, 0x80000008u, P6, 0, 0 },
	{ "pentium", "a P5 Pentium: TSC, MSRs, CMPXCHG8B and 4 MiB pages; no CMOV, MMX or SSE",
	  "GenuineIntel", 5, 2, 12, NULL, 1, 0, P5, 0, 0 },
	{ "486", "an i486DX with CPUID: the x87 FPU and nothing newer (no RDTSC, CMPXCHG8B, CMOV)",
	  "GenuineIntel", 4, 8, 0, NULL, 1, 0, F(FPU), 0, 0 },
	{ "host", "every feature bt86 offers that this host has (for differential tests against it)",
	  "GenuineIntel", 6, 0x3a, 9, "bt86 virtual CPU (host features)", 0x16, 0x80000008u, ALL, 0, 0 },
};
#define NMODELS (sizeof cpu_models / sizeof cpu_models[0])

const struct cpu_model *cpu_model_find(const char *name)
{
	if (!name || !*name)
		return &cpu_models[0];
	for (size_t i = 0; i < NMODELS; i++)
		if (strcmp(cpu_models[i].name, name) == 0)
			return &cpu_models[i];
	return NULL;
}

const struct cpu_model *const *cpu_model_list(void)
{
	static const struct cpu_model *list[NMODELS + 1];
	for (size_t i = 0; i < NMODELS; i++)
		list[i] = &cpu_models[i];
	list[NMODELS] = NULL;
	return list;
}

const char *cpu_feature_name(enum cpu_feature f)
{
	return (unsigned)f < CPUF_COUNT ? cpu_feat[f].name : "?";
}

bool cpu_feature_native(enum cpu_feature f)
{
	return (unsigned)f < CPUF_COUNT && cpu_feat[f].native;
}

/* Does the host CPU report feature f? */
static bool host_has(enum cpu_feature f)
{
	unsigned r[4] = { 0 };
	uint32_t leaf = cpu_feat[f].leaf;
	if (__get_cpuid_max(leaf & 0x80000000u, NULL) < leaf)
		return false;
	__cpuid_count(leaf, 0, r[0], r[1], r[2], r[3]);
	return (r[cpu_feat[f].reg] >> cpu_feat[f].bit) & 1;
}

void cpu_model_for_host(const struct cpu_model *base, struct cpu_model *out)
{
	*out = *base;
	out->host_missing = 0;
	for (int f = 0; f < CPUF_COUNT; f++)
		if ((base->features >> f) & 1 && cpu_feat[f].native && !host_has((enum cpu_feature)f)) {
			out->features &= ~(1ull << f);
			/* "host" asks for what the host has: nothing is missing from it. */
			if (strcmp(base->name, "host") != 0)
				out->host_missing |= 1ull << f;
		}
}

/* The feature bits a model sets in leaf/reg. */
static uint32_t cpu_feature_bits(const struct cpu_model *m, uint32_t leaf, enum cpuid_reg reg)
{
	uint32_t v = 0;
	for (int f = 0; f < CPUF_COUNT; f++)
		if (cpu_has(m, (enum cpu_feature)f) && cpu_feat[f].leaf == leaf && cpu_feat[f].reg == reg)
			v |= 1u << cpu_feat[f].bit;
	return v;
}

static void cpu_brand_part(const struct cpu_model *m, unsigned part, uint32_t r[4])
{
	char b[48] = { 0 };
	if (m->brand)
		strncpy(b, m->brand, sizeof b - 1);
	memcpy(r, b + 16 * part, 16);
}

void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t sub, unsigned cpu, uint32_t r[4])
{
	bool ext = leaf & 0x80000000u;
	if ((!ext && leaf > m->max_leaf) || (ext && leaf > m->max_ext)) {
		leaf = m->max_leaf;   /* Intel: a leaf past the highest reads the highest basic one */
		ext = false;
	}
	memset(r, 0, 4 * sizeof *r);
	switch (leaf) {
	case 0:
		r[0] = m->max_leaf;
		memcpy(&r[1], m->vendor, 4);
		memcpy(&r[3], m->vendor + 4, 4);
		memcpy(&r[2], m->vendor + 8, 4);
		break;
	case 1: {
		unsigned fam = m->family, mod = m->model;
		uint32_t sig = (fam > 15 ? (fam - 15) << 20 : 0) | ((mod >> 4) << 16) | (fam > 15 ? 15 : fam) << 8 |
			       (mod & 15) << 4 | (m->stepping & 15);
		r[0] = sig;
		/* CLFLUSH line size in 8-byte units; the initial APIC ID. */
		r[1] = (cpu_has(m, CPUF_CLFSH) ? 8u << 8 : 0) | (uint32_t)(cpu & 0xff) << 24;
		r[2] = cpu_feature_bits(m, 1, RC);
		r[3] = cpu_feature_bits(m, 1, RD);
		break;
	}
	case 2:
		r[0] = 1;   /* one round; every descriptor byte null: caches are not described */
		break;
	case 7:
		if (sub == 0)
			r[1] = cpu_feature_bits(m, 7, RB);   /* EAX 0: no further subleaves */
		break;
	case 0x15:
		/* TSC = crystal * EBX / EAX. Linux (i386) multiplies the crystal's
		 * kHz by EBX in 32 bits, so the ratio stays small: a crystal at the
		 * TSC's own rate (over k where that exceeds ECX's 32 bits). With
		 * this leaf Linux trusts the rate and skips calibrating the PIT. */
		if (m->tsc_khz) {
			uint32_t k = (uint32_t)((uint64_t)m->tsc_khz * 1000 / 0xffffffffu) + 1;
			r[0] = 1;
			r[1] = k;
			r[2] = m->tsc_khz / k * 1000;
		}
		break;
	case 0x16:
		if (m->tsc_khz) {
			r[0] = r[1] = m->tsc_khz / 1000;   /* base and maximum MHz */
			r[2] = 100;                         /* bus (reference) MHz */
		}
		break;
	case 0x80000000u:
		r[0] = m->max_ext;
		break;
	case 0x80000001u:
		r[2] = cpu_feature_bits(m, 0x80000001u, RC);
		r[3] = cpu_feature_bits(m, 0x80000001u, RD);
		break;
	case 0x80000002u:
	case 0x80000003u:
	case 0x80000004u:
		cpu_brand_part(m, leaf - 0x80000002u, r);
		break;
	case 0x80000007u:
		r[3] = cpu_feature_bits(m, 0x80000007u, RD);
		break;
	case 0x80000008u:
		r[0] = cpu_model_maxphyaddr(m) | 32u << 8;   /* physical, linear address bits */
		break;
	default:
		break;   /* 3-6 and the other extended leaves: reserved or not described, zero */
	}
}

uint32_t cpu_model_cr4_mask(const struct cpu_model *m)
{
	uint32_t mask = 0;
	if (cpu_has(m, CPUF_TSC))
		mask |= 1u << 2;   /* TSD */
	if (cpu_has(m, CPUF_PSE))
		mask |= 1u << 4;   /* PSE */
	if (cpu_has(m, CPUF_PAE))
		mask |= 1u << 5;   /* PAE */
	if (cpu_has(m, CPUF_MCE))
		mask |= 1u << 6;   /* MCE */
	if (cpu_has(m, CPUF_PGE))
		mask |= 1u << 7;   /* PGE */
	if (cpu_has(m, CPUF_FXSR))
		mask |= 1u << 9;   /* OSFXSR */
	if (cpu_has(m, CPUF_SSE))
		mask |= 1u << 10;  /* OSXMMEXCPT */
	return mask;
}

uint64_t cpu_model_efer_mask(const struct cpu_model *m)
{
	return cpu_has(m, CPUF_NX) ? 1ull << 11 : 0;   /* NXE; no long mode, no SYSCALL */
}

unsigned cpu_model_maxphyaddr(const struct cpu_model *m)
{
	return cpu_has(m, CPUF_PAE) || cpu_has(m, CPUF_PSE36) ? 36 : 32;
}

static void cpu_linef(void (*line)(void *, const char *), void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void cpu_linef(void (*line)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	line(ctx, buf);
}

static void cpu_feature_list(const struct cpu_model *m, uint64_t set, const char *head,
			     void (*line)(void *, const char *), void *ctx)
{
	char buf[256];
	size_t n = (size_t)snprintf(buf, sizeof buf, "%s", head);
	for (int f = 0; f < CPUF_COUNT; f++)
		if ((set >> f) & 1) {
			if (n + strlen(cpu_feat[f].name) + 2 > 76) {
				line(ctx, buf);
				n = (size_t)snprintf(buf, sizeof buf, "%*s", (int)strlen(head), "");
			}
			n += (size_t)snprintf(buf + n, sizeof buf - n, " %s", cpu_feat[f].name);
		}
	(void)m;
	line(ctx, buf);
}

void cpu_model_describe(const struct cpu_model *m, void (*line)(void *, const char *), void *ctx)
{
	cpu_linef(line, ctx, "model      %s: %s", m->name, m->summary);
	cpu_linef(line, ctx, "vendor     %s, family %u, model %u, stepping %u", m->vendor, m->family, m->model,
		  m->stepping);
	if (m->brand)
		cpu_linef(line, ctx, "brand      %s", m->brand);
	cpu_feature_list(m, m->features, "features  ", line, ctx);
	if (m->host_missing)
		cpu_feature_list(m, m->host_missing, "not here  ", line, ctx);
	cpu_linef(line, ctx, "cr4 bits   0x%08x may be set; efer 0x%llx; %u physical address bits",
		  cpu_model_cr4_mask(m), (unsigned long long)cpu_model_efer_mask(m), cpu_model_maxphyaddr(m));
	if (m->tsc_khz)
		cpu_linef(line, ctx, "tsc        %u kHz (the host's, measured at start; CPUID 0x15 and 0x16 report it)",
			  m->tsc_khz);
	cpu_linef(line, ctx, "%-10s %-8s %-8s %-8s %-8s", "leaf", "eax", "ebx", "ecx", "edx");
	uint32_t r[4];
	for (uint32_t l = 0; l <= m->max_leaf; l++) {
		cpu_model_cpuid(m, l, 0, 0, r);
		cpu_linef(line, ctx, "0x%08x %08x %08x %08x %08x", l, r[0], r[1], r[2], r[3]);
	}
	for (uint32_t l = 0x80000000u; m->max_ext && l <= m->max_ext; l++) {
		cpu_model_cpuid(m, l, 0, 0, r);
		cpu_linef(line, ctx, "0x%08x %08x %08x %08x %08x", l, r[0], r[1], r[2], r[3]);
	}
}
