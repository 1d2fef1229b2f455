/* The i386 register table and the types its target description defines.
 * See regs_i386.h. gdb 13 checks the two org.gnu.gdb.i386 features by
 * register NAME (every core register from eax to fop must be present, and
 * xmm0-7 plus mxcsr if the sse feature is), so those names and sizes follow
 * gdb's own 32bit-core.xml / 32bit-sse.xml; the numbering is ours (regnum).
 * Registers of a feature gdb does not know (org.bt86.system) are shown as
 * extra raw registers.
 *
 *   const struct rsp_reg *g = &rsp_arch_i386.regs[I386_EFLAGS];
 *   // g->name = "eflags", g->bitsize = 32, g->type = "i386_eflags"
 */
#include "gdb/regs_i386.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define CORE "org.gnu.gdb.i386.core"
#define SSE  "org.gnu.gdb.i386.sse"
#define SYS  "org.bt86.system"

/* Bit = one-bit flag at bit b; gdb prints the set ones by name. */
#define BIT(name, b) { name, NULL, b, b }

/* EFLAGS (Intel SDM vol. 1, 3.4.3). IOPL is a two-bit field, shown as IOPL=n. */
static const struct rsp_field eflags_fields[] = {
	BIT("CF", 0),    /* carry */
	BIT("PF", 2),    /* parity of the low byte */
	BIT("AF", 4),    /* auxiliary carry (BCD) */
	BIT("ZF", 6),    /* zero */
	BIT("SF", 7),    /* sign */
	BIT("TF", 8),    /* trap: single-step */
	BIT("IF", 9),    /* interrupts enabled */
	BIT("DF", 10),   /* string direction: down */
	BIT("OF", 11),   /* overflow */
	{ "IOPL", NULL, 12, 13 },  /* I/O privilege level */
	BIT("NT", 14),   /* nested task */
	BIT("RF", 16),   /* resume: suppress one instruction breakpoint */
	BIT("VM", 17),   /* virtual-8086 mode */
	BIT("AC", 18),   /* alignment check */
	BIT("VIF", 19),  /* virtual IF */
	BIT("VIP", 20),  /* virtual interrupt pending */
	BIT("ID", 21),   /* CPUID available */
};

/* MXCSR (SDM vol. 1, 10.2.3): sticky exception flags, masks, modes. */
static const struct rsp_field mxcsr_fields[] = {
	BIT("IE", 0), BIT("DE", 1), BIT("ZE", 2),    /* invalid, denormal, divide-by-zero */
	BIT("OE", 3), BIT("UE", 4), BIT("PE", 5),    /* overflow, underflow, precision */
	BIT("DAZ", 6),                               /* denormals are zeros */
	BIT("IM", 7), BIT("DM", 8), BIT("ZM", 9),    /* the six exception masks */
	BIT("OM", 10), BIT("UM", 11), BIT("PM", 12),
	BIT("FZ", 15),                               /* flush to zero */
};

/* An XMM register seen as each kind of packed data, as gdb's vec128. */
static const struct rsp_field vec128_fields[] = {
	{ "v8_bfloat16", "v8bf16", 0, 0 },
	{ "v4_float", "v4f", 0, 0 },
	{ "v2_double", "v2d", 0, 0 },
	{ "v16_int8", "v16i8", 0, 0 },
	{ "v8_int16", "v8i16", 0, 0 },
	{ "v4_int32", "v4i32", 0, 0 },
	{ "v2_int64", "v2i64", 0, 0 },
	{ "uint128", "uint128", 0, 0 },
};

/* CR0 (SDM vol. 3, 2.5). */
static const struct rsp_field cr0_fields[] = {
	BIT("PE", 0),    /* protected mode */
	BIT("MP", 1),    /* monitor coprocessor: WAIT honours TS */
	BIT("EM", 2),    /* no x87: x87 instructions raise #NM */
	BIT("TS", 3),    /* task switched: next x87/SSE use raises #NM */
	BIT("ET", 4),    /* extension type (387), hardwired 1 */
	BIT("NE", 5),    /* x87 errors as #MF, not IRQ 13 */
	BIT("WP", 16),   /* supervisor writes honour read-only pages */
	BIT("AM", 18),   /* alignment mask (with EFLAGS.AC) */
	BIT("NW", 29),   /* not write-through */
	BIT("CD", 30),   /* cache disable */
	BIT("PG", 31),   /* paging */
};

/* CR3: the page directory base and its cache attributes. */
static const struct rsp_field cr3_fields[] = {
	BIT("PWT", 3),   /* page-level write-through */
	BIT("PCD", 4),   /* page-level cache disable */
	{ "PDBR", NULL, 12, 31 },  /* page directory physical address >> 12 */
};

/* CR4 (SDM vol. 3, 2.5), the bits a 32-bit guest may use. */
static const struct rsp_field cr4_fields[] = {
	BIT("VME", 0),         /* virtual-8086 mode extensions */
	BIT("PVI", 1),         /* protected-mode virtual interrupts */
	BIT("TSD", 2),         /* RDTSC only at CPL 0 */
	BIT("DE", 3),          /* debugging extensions */
	BIT("PSE", 4),         /* 4 MiB pages */
	BIT("PAE", 5),         /* physical address extension */
	BIT("MCE", 6),         /* machine-check enable */
	BIT("PGE", 7),         /* global pages */
	BIT("PCE", 8),         /* RDPMC at any CPL */
	BIT("OSFXSR", 9),      /* FXSAVE/FXRSTOR and SSE enabled */
	BIT("OSXMMEXCPT", 10), /* unmasked SSE exceptions raise #XM */
};

/* IA32_EFER (MSR 0xC0000080). The MSR is 64 bits but every defined bit is
 * in the low 32, and gdb refuses `set $efer = 0x800` ("Invalid cast") when
 * a flags register is wider than an int, so the register is 32 bits. */
static const struct rsp_field efer_fields[] = {
	BIT("SCE", 0),    /* SYSCALL enable */
	BIT("LME", 8),    /* long mode enable */
	BIT("LMA", 10),   /* long mode active */
	BIT("NXE", 11),   /* no-execute pages (PAE) */
};

#define FLAGS(feat, id, size, f) { feat, RSP_TYPE_FLAGS, id, size, NULL, 0, f, N(f) }
#define VECTOR(id, elem, count) { SSE, RSP_TYPE_VECTOR, id, 0, elem, count, NULL, 0 }

static const struct rsp_type i386_types[] = {
	FLAGS(CORE, "i386_eflags", 4, eflags_fields),
	VECTOR("v8bf16", "bfloat16", 8),
	VECTOR("v4f", "ieee_single", 4),
	VECTOR("v2d", "ieee_double", 2),
	VECTOR("v16i8", "int8", 16),
	VECTOR("v8i16", "int16", 8),
	VECTOR("v4i32", "int32", 4),
	VECTOR("v2i64", "int64", 2),
	{ SSE, RSP_TYPE_UNION, "vec128", 0, NULL, 0, vec128_fields, N(vec128_fields) },
	FLAGS(SSE, "i386_mxcsr", 4, mxcsr_fields),
	FLAGS(SYS, "i386_cr0", 4, cr0_fields),
	FLAGS(SYS, "i386_cr3", 4, cr3_fields),
	FLAGS(SYS, "i386_cr4", 4, cr4_fields),
	FLAGS(SYS, "i386_efer", 4, efer_fields),
};

#define REG(name, bits, type, group, feat) { name, bits, type, group, feat }
#define GPR(name, type) REG(name, 32, type, "general", CORE)
#define ST(i) REG("st" #i, 80, "i387_ext", NULL, CORE)
#define FPC(name) REG(name, 32, "int", "float", CORE)
#define XMM(i) REG("xmm" #i, 128, "vec128", NULL, SSE)
#define SYSR(name, bits, type) REG(name, bits, type, "system", SYS)

static const struct rsp_reg i386_regs[I386_NREGS] = {
	GPR("eax", "int32"), GPR("ecx", "int32"), GPR("edx", "int32"), GPR("ebx", "int32"),
	GPR("esp", "data_ptr"), GPR("ebp", "data_ptr"), GPR("esi", "int32"), GPR("edi", "int32"),
	GPR("eip", "code_ptr"), GPR("eflags", "i386_eflags"),
	/* Selectors, widened to 32 bits as gdb's i386 layout has them. */
	GPR("cs", "int32"), GPR("ss", "int32"), GPR("ds", "int32"),
	GPR("es", "int32"), GPR("fs", "int32"), GPR("gs", "int32"),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	FPC("fctrl"), FPC("fstat"), FPC("ftag"), FPC("fiseg"),
	FPC("fioff"), FPC("foseg"), FPC("fooff"), FPC("fop"),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	REG("mxcsr", 32, "i386_mxcsr", "vector", SSE),
	SYSR("cr0", 32, "i386_cr0"),
	SYSR("cr2", 32, "data_ptr"),         /* the last page-fault address */
	SYSR("cr3", 32, "i386_cr3"),
	SYSR("cr4", 32, "i386_cr4"),
	SYSR("efer", 32, "i386_efer"),
	SYSR("gdtr_base", 32, "data_ptr"),
	SYSR("gdtr_limit", 32, "int32"),     /* 16 bits in the CPU; 32 here like the selectors */
	SYSR("idtr_base", 32, "data_ptr"),
	SYSR("idtr_limit", 32, "int32"),
};

const struct rsp_arch rsp_arch_i386 = {
	.architecture = "i386",
	.regs = i386_regs,
	.nregs = I386_NREGS,
	.types = i386_types,
	.ntypes = N(i386_types),
	.xml = NULL,   /* generated from the tables by rsp_create */
	.osabi = "none",
};
