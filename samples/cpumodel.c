/* cpumodel.c — is the CPU what CPUID says it is?
 *
 * For each feature CPUID reports (or does not), run an instruction or touch
 * the control bit or MSR that needs it, catching #UD and #GP through the
 * IDT: an advertised feature must work and one that is not advertised must
 * fault, as the Intel SDM defines. Also: instructions no CPU this guest can
 * see should have (VMCALL, VMMCALL, RDPID, CLAC, STAC), CR4 bits for
 * features the CPU lacks, and PAUSE with CR4.OSFXSR clear (a NOP).
 *
 * QEMU TCG lets a guest set CR4 bits (VME, UMIP...) and read EFER that its
 * default CPU does not advertise, and hangs on some; so CR4 bits and EFER
 * are held to "not advertised, so it faults" only on bt86's own models
 * (their brand string says bt86), and elsewhere checked one way.
 *
 * The output names only what disagrees, so it is the same on every
 * consistent CPU model (bt86's --cpu models, QEMU's): one summary line,
 * then the exit value 0 (status 1). A disagreement prints
 *
 *     MISMATCH sse4_2: advertised no, crc32 ran
 *
 * and the exit value is the number of them. `verbose` on the command line
 * prints every check.
 */
#include "rt.h"

#define VEC_UD 6
#define VEC_NM 7
#define VEC_GP 13
#define NONE   0xff

/* Where a faulting probe resumes, and the vector it got (NONE: it ran). */
uint32_t probe_resume;
static volatile uint32_t probe_vector;

static void on_fault(struct rt_trap_frame *f)
{
	probe_vector = f->vector;
	f->eip = probe_resume;
}

/* Run one instruction (or a few), return the vector it raised or NONE. */
#define PROBE(insn, ...)                                                        \
	({                                                                      \
		probe_vector = NONE;                                            \
		__asm__ volatile("movl $1f, probe_resume\n\t" insn "\n1:\n"     \
				 __VA_ARGS__);                                  \
		probe_vector;                                                   \
	})

static int mismatches, checks, verbose, strict;
/* Named in the probes' assembly only. */
static uint8_t scratch[64] __attribute__((aligned(16), used));
static uint8_t fxarea[512] __attribute__((aligned(16), used));

static void check(const char *what, int advertised, uint32_t vector, uint32_t fault, const char *how)
{
	int worked = vector == NONE;
	checks++;
	if (advertised == worked && (worked || vector == fault)) {
		if (verbose)
			rt_printf("ok %s: advertised %s, %s %s\n", what, advertised ? "yes" : "no", how,
				  worked ? "ran" : "faulted");
		return;
	}
	mismatches++;
	if (worked)
		rt_printf("MISMATCH %s: advertised %s, %s ran\n", what, advertised ? "yes" : "no", how);
	else
		rt_printf("MISMATCH %s: advertised %s, %s raised vector %u\n", what, advertised ? "yes" : "no", how,
			  vector);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* Try to set CR4 bit; the vector, and CR4 put back. */
static uint32_t try_cr4(unsigned bit)
{
	uint32_t old = read_cr4(), v = old | (1u << bit);
	uint32_t vec = PROBE("mov %0, %%cr4", : : "r"(v) : "memory");
	__asm__ volatile("mov %0, %%cr4" : : "r"(old));
	return vec;
}

static uint32_t try_rdmsr(uint32_t msr)
{
	return PROBE("rdmsr", : : "c"(msr) : "eax", "edx", "memory");
}

int sample_main(void)
{
	uint32_t r1[4], r7[4] = { 0 }, e0[4], e1[4] = { 0 }, r0[4];
	verbose = rt_has_flag("verbose");
	rt_set_trap_handler(VEC_UD, on_fault, 0);
	rt_set_trap_handler(VEC_NM, on_fault, 0);
	rt_set_trap_handler(VEC_GP, on_fault, 0);
	cpuid(0, r0);
	cpuid(1, r1);
	if (r0[0] >= 7)
		cpuid(7, r7);
	cpuid(0x80000000u, e0);
	if (e0[0] >= 0x80000001u && e0[0] < 0x80010000u)
		cpuid(0x80000001u, e1);
	uint32_t edx = r1[3], ecx = r1[2];
	if (e0[0] >= 0x80000004u && e0[0] < 0x80010000u) {
		uint32_t b[4];
		cpuid(0x80000002u, b);
		strict = b[0] == 0x36387462;   /* "bt86" */
	}
#define HAS(reg, bit) (((reg) >> (bit)) & 1)

	/* The x87 and SSE need their control bits: OSFXSR where FXSR exists. */
	__asm__ volatile("mov %%cr0, %%eax; and $~0xc, %%eax; mov %%eax, %%cr0" ::: "eax");   /* EM, TS clear */
	if (HAS(edx, 24))
		__asm__ volatile("mov %%cr4, %%eax; or $0x600, %%eax; mov %%eax, %%cr4" ::: "eax");

	check("fpu", HAS(edx, 0), PROBE("fninit", ::: "memory"), VEC_UD, "fninit");
	check("cx8", HAS(edx, 8), PROBE("cmpxchg8b scratch", : : "a"(0), "d"(0), "b"(0), "c"(0) : "memory"), VEC_UD,
	      "cmpxchg8b");
	check("cmov", HAS(edx, 15), PROBE("cmove %%ecx, %%eax", : : : "eax", "ecx", "memory"), VEC_UD, "cmove");
	check("tsc", HAS(edx, 4), PROBE("rdtsc", : : : "eax", "edx", "memory"), VEC_UD, "rdtsc");
	check("mmx", HAS(edx, 23), PROBE("emms", ::: "memory"), VEC_UD, "emms");
	check("fxsr", HAS(edx, 24), PROBE("fxsave fxarea", ::: "memory"), VEC_UD, "fxsave");
	check("sse", HAS(edx, 25), PROBE("xorps %%xmm0, %%xmm0", ::: "memory"), VEC_UD, "xorps");
	check("sse2", HAS(edx, 26), PROBE("pxor %%xmm0, %%xmm0", ::: "memory"), VEC_UD, "pxor xmm");
	check("clflush", HAS(edx, 19), PROBE("clflush scratch", ::: "memory"), VEC_UD, "clflush");
	check("sse3", HAS(ecx, 0), PROBE(".byte 0xf2, 0x0f, 0x12, 0xc1", ::: "memory"), VEC_UD, "movddup");
	check("ssse3", HAS(ecx, 9), PROBE(".byte 0x66, 0x0f, 0x38, 0x1c, 0xc1", ::: "memory"), VEC_UD,
	      "pabsb");
	check("sse4_1", HAS(ecx, 19), PROBE(".byte 0x66, 0x0f, 0x38, 0x40, 0xc1", ::: "memory"), VEC_UD,
	      "pmulld");
	check("sse4_2", HAS(ecx, 20), PROBE(".byte 0xf2, 0x0f, 0x38, 0xf1, 0xc1", ::: "eax", "memory"), VEC_UD,
	      "crc32");
	check("popcnt", HAS(ecx, 23), PROBE(".byte 0xf3, 0x0f, 0xb8, 0xc1", ::: "eax", "memory"), VEC_UD, "popcnt");
	check("movbe", HAS(ecx, 22), PROBE(".byte 0x0f, 0x38, 0xf0, 0x05; .long scratch", ::: "eax", "memory"),
	      VEC_UD, "movbe");
	check("pclmulqdq", HAS(ecx, 1), PROBE(".byte 0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x00", ::: "memory"),
	      VEC_UD, "pclmulqdq");
	check("aes", HAS(ecx, 25), PROBE(".byte 0x66, 0x0f, 0x38, 0xdc, 0xc1", ::: "memory"), VEC_UD,
	      "aesenc");
	check("adx", HAS(r7[1], 19), PROBE(".byte 0x66, 0x0f, 0x38, 0xf6, 0xc1", ::: "eax", "cc", "memory"), VEC_UD,
	      "adcx");
	check("xsave", HAS(ecx, 27), PROBE(".byte 0x0f, 0x01, 0xd0", : : "c"(0) : "eax", "edx", "memory"), VEC_UD,
	      "xgetbv");
	check("rdrand", HAS(ecx, 30), PROBE(".byte 0x0f, 0xc7, 0xf0", ::: "eax", "cc", "memory"), VEC_UD, "rdrand");
	check("rdtscp", HAS(e1[3], 27), PROBE(".byte 0x0f, 0x01, 0xf9", ::: "eax", "ecx", "edx", "memory"), VEC_UD,
	      "rdtscp");
	check("rdpid", HAS(r7[2], 22), PROBE(".byte 0xf3, 0x0f, 0xc7, 0xf8", ::: "eax", "memory"), VEC_UD, "rdpid");
	check("smap", HAS(r7[1], 20), PROBE(".byte 0x0f, 0x01, 0xcb", ::: "memory"), VEC_UD, "stac");
	check("smap", HAS(r7[1], 20), PROBE(".byte 0x0f, 0x01, 0xca", ::: "memory"), VEC_UD, "clac");
	/* #UD outside VMX operation and with EFER.SVME clear, whatever CPUID says. */
	check("vmcall", 0, PROBE(".byte 0x0f, 0x01, 0xc1", ::: "memory"), VEC_UD, "vmcall");
	check("vmmcall", 0, PROBE(".byte 0x0f, 0x01, 0xd9", ::: "memory"), VEC_UD, "vmmcall");
	/* LZCNT without ABM is BSR: lzcnt of 1 gives 31, BSR gives 0. */
	uint32_t lz = 0x5a;
	__asm__ volatile(".byte 0xf3, 0x0f, 0xbd, 0xc1" : "+a"(lz) : "c"(1) : "cc");
	check("abm", HAS(e1[2], 5), lz == 31 ? NONE : VEC_UD, VEC_UD, "lzcnt (else bsr)");

	/* MSRs: those the features promise. */
	if (HAS(edx, 5)) {
		check("tsc msr", HAS(edx, 4), try_rdmsr(0x10), VEC_GP, "rdmsr TSC");
		check("sep", HAS(edx, 11), try_rdmsr(0x174), VEC_GP, "rdmsr SYSENTER_CS");
		check("pat", HAS(edx, 16), try_rdmsr(0x277), VEC_GP, "rdmsr PAT");
		check("apic", HAS(edx, 9), try_rdmsr(0x1b), VEC_GP, "rdmsr APIC_BASE");
		if (strict || HAS(e1[3], 20) || HAS(e1[3], 29))
			check("nx", HAS(e1[3], 20) || HAS(e1[3], 29), try_rdmsr(0xc0000080u), VEC_GP, "rdmsr EFER");
	} else {
		check("msr", 0, try_rdmsr(0x10), VEC_UD, "rdmsr");
	}
	/* CR4: a bit for a feature the CPU lacks is reserved. */
	check("pse", HAS(edx, 3), try_cr4(4), VEC_GP, "CR4.PSE");
	check("pae", HAS(edx, 6), try_cr4(5), VEC_GP, "CR4.PAE");
	check("pge", HAS(edx, 13), try_cr4(7), VEC_GP, "CR4.PGE");
	static const struct { const char *name; unsigned bit; } cr4[] = {
		{ "vme", 0 }, { "de", 3 }, { "mce", 6 }, { "umip", 11 }, { "fsgsbase", 16 }, { "xsave", 18 },
		{ "smep", 20 }, { "smap", 21 }, { "pku", 22 },
	};
	int has[] = { HAS(edx, 1), HAS(edx, 2), HAS(edx, 7), HAS(r7[2], 2), HAS(r7[1], 0), HAS(ecx, 26), HAS(r7[1], 7),
		      HAS(r7[1], 20), HAS(r7[2], 3) };
	for (unsigned i = 0; i < sizeof cr4 / sizeof cr4[0]; i++)
		if (strict || has[i])
			check(cr4[i].name, has[i], try_cr4(cr4[i].bit), VEC_GP, "its CR4 bit");
	/* PAUSE is REP NOP: no fault, whatever CR4.OSFXSR says. */
	__asm__ volatile("mov %%cr4, %%eax; and $~0x600, %%eax; mov %%eax, %%cr4" ::: "eax");
	check("pause", 1, PROBE("pause", ::: "memory"), VEC_UD, "pause with OSFXSR clear");

	rt_printf("cpumodel: %s\n", mismatches ? "the CPU is not what CPUID says" :
						 "every advertised feature checked works, and the others fault");
	if (verbose)
		rt_printf("cpumodel: %d checks, %d mismatches\n", checks, mismatches);
	return mismatches;
}
