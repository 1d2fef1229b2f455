/* The guest's CPU model: one description from which CPUID's leaves, the
 * MSRs that exist, the CR4 and EFER bits that may be set and the
 * instructions that are available all follow, so they cannot disagree.
 * Every feature a model advertises works as the Intel SDM defines it:
 * either bt86 emulates it (TSC, MSRs, SYSENTER, the paging features) or
 * the translator runs its instructions natively, where the host's 64-bit
 * behaviour equals the guest's (engine/ident.c) — those are dropped from
 * the model on a host that lacks them.
 *
 *   const struct cpu_model *base = cpu_model_find("p6");
 *   struct cpu_model m;
 *   cpu_model_for_host(base, &m);        // less what this host cannot run
 *   uint32_t r[4];
 *   cpu_model_cpuid(&m, 1, 0, 0, r);     // leaf 1 for vCPU 0
 *   if (cpu_has(&m, CPUF_SSE2)) ...
 *
 * Models: "486" (FPU only, no APIC), "pentium" (P5: TSC, MSRs, CMPXCHG8B, the APIC, 4 MiB
 * pages), "p6" (a Pentium M class CPU: P6 with PAE, SYSENTER, PAT, MMX,
 * SSE and SSE2), "bt86" (the default: p6 with NX, SSE3 to SSE4.2 and
 * POPCNT), and "host" (everything bt86 can offer that this host has, for
 * differential tests against the host CPU). */
#ifndef BT86_MONITOR_CPUMODEL_H
#define BT86_MONITOR_CPUMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A feature and where CPUID reports it (see cpumodel.c's table). */
enum cpu_feature {
	CPUF_FPU, CPUF_PSE, CPUF_TSC, CPUF_MSR, CPUF_PAE, CPUF_CX8, CPUF_SEP, CPUF_PGE, CPUF_CMOV,
	CPUF_PAT, CPUF_PSE36, CPUF_CLFSH, CPUF_MMX, CPUF_FXSR, CPUF_SSE, CPUF_SSE2,
	CPUF_SSE3, CPUF_PCLMUL, CPUF_SSSE3, CPUF_SSE41, CPUF_SSE42, CPUF_MOVBE, CPUF_POPCNT, CPUF_AES,
	CPUF_HYPERVISOR, CPUF_ADX, CPUF_NX, CPUF_LAHF, CPUF_LZCNT, CPUF_APIC, CPUF_MTRR, CPUF_MCE, CPUF_MCA,
	CPUF_INVTSC, CPUF_TSCADJ, CPUF_COUNT
};

struct cpu_model {
	const char *name;
	const char *summary;
	char vendor[13];
	unsigned family, model, stepping;
	const char *brand;          /* CPUID 0x80000002-4, when there are extended leaves */
	uint32_t max_leaf, max_ext; /* highest basic and extended leaf (max_ext 0: none) */
	uint64_t features;          /* bit per enum cpu_feature */
	uint64_t host_missing;      /* features the named model has and this host lacks */
	uint32_t tsc_khz;           /* the TSC's frequency, for CPUID 0x15 and 0x16 (0: unknown, zero leaves) */
};

static inline bool cpu_has(const struct cpu_model *m, enum cpu_feature f)
{
	return (m->features >> f) & 1;
}

/* The model named name, or NULL; NULL or "" is the default. */
const struct cpu_model *cpu_model_find(const char *name);
/* Every model, NULL-terminated, the default first. */
const struct cpu_model *const *cpu_model_list(void);
/* base less the natively run features this host lacks (out->host_missing
 * says which). */
void cpu_model_for_host(const struct cpu_model *base, struct cpu_model *out);

/* CPUID leaf/subleaf as vCPU cpu sees it: r[0..3] = EAX, EBX, ECX, EDX.
 * A leaf past the highest gives the highest basic leaf, as Intel's do. */
void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t sub, unsigned cpu, uint32_t r[4]);

/* The CR4 bits the guest may set (the rest are reserved: #GP). */
uint32_t cpu_model_cr4_mask(const struct cpu_model *m);
/* The EFER bits the guest may set; 0: the model has no EFER (RDMSR #GP). */
uint64_t cpu_model_efer_mask(const struct cpu_model *m);
/* The physical-address width (MAXPHYADDR) for page walks. */
unsigned cpu_model_maxphyaddr(const struct cpu_model *m);

const char *cpu_feature_name(enum cpu_feature f);
/* Does feature f run natively (so the host must have it)? */
bool cpu_feature_native(enum cpu_feature f);

/* `info cpuid`: the model, its features and its CPUID leaves, a line at a
 * time (no newline). */
void cpu_model_describe(const struct cpu_model *m, void (*line)(void *ctx, const char *text), void *ctx);

#endif
