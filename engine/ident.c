/* The IDENT allowlist and instruction availability (see ident.h). */
#include "engine/ident.h"

#include <string.h>

enum ident_fam {
	INTEGER, HINT, UD, CX8, CMOV, POPCNT, LZCNT, MOVBE, ADX, X87, X87_P6, FXSR, MMX, SSE_INT, SSE, SSE2,
	CLFLUSH, SSE3, SSSE3, SSE41, SSE42, AES, PCLMUL, FAM_COUNT
};

#define NONE CPUF_COUNT

/* feat: what the model must have; xmm: what it must have for the XMM
 * register forms of the same mnemonics (MMX and SSE integer ops gained
 * XMM forms with SSE2). */
static const struct {
	const char *name;
	enum cpu_feature feat, xmm;
	const char *why;
} ident_fams[FAM_COUNT] = {
	[INTEGER] = { "integer", NONE, NONE,
		      "general-register and memory arithmetic, logic, shifts, bit tests, moves, SETcc: with 32-bit "
		      "operands 64-bit mode computes the same results and flags (it zeroes upper halves, which the "
		      "guest cannot see); memory operands are re-encoded through GS with 32-bit addresses" },
	[HINT] = { "hint", NONE, NONE, "NOP, PAUSE, ENDBR32 and PREFETCH hints: no architectural effect" },
	[UD] = { "undefined", NONE, NONE, "UD0, UD1: the host's #UD is the guest's (the fault maps back)" },
	[CX8] = { "cmpxchg8b", CPUF_CX8, NONE, "CMPXCHG8B on guest memory: the same atomic operation" },
	[CMOV] = { "cmov", CPUF_CMOV, NONE, "CMOVcc: a register move under a condition, as in 32-bit mode" },
	[POPCNT] = { "popcnt", CPUF_POPCNT, NONE, "POPCNT: a pure register function" },
	[LZCNT] = { "lzcnt", CPUF_LZCNT, NONE, "LZCNT (without it in the model, F3 0F BD runs as BSR)" },
	[MOVBE] = { "movbe", CPUF_MOVBE, NONE, "MOVBE: a byte-swapping load or store through the window" },
	[ADX] = { "adx", CPUF_ADX, NONE, "ADCX, ADOX: add with carry on one flag" },
	[X87] = { "x87", CPUF_FPU, NONE,
		  "the x87 FPU is the same unit in every mode; FNSAVE/FNSTENV/FXSAVE have their instruction "
		  "and operand pointer fields rewritten, as they would hold host addresses" },
	[X87_P6] = { "x87-p6", CPUF_CMOV, NONE, "FCMOVcc and FCOMI/FUCOMI, the P6 additions to the x87" },
	[FXSR] = { "fxsr", CPUF_FXSR, NONE, "FXSAVE/FXRSTOR in the 32-bit layout (no REX.W); pointers rewritten" },
	[MMX] = { "mmx", CPUF_MMX, CPUF_SSE2, "MMX (and their SSE2 XMM forms): registers only the guest owns" },
	[SSE_INT] = { "sse-int", CPUF_SSE, CPUF_SSE2, "the integer SSE additions on MMX registers (SSE2 for XMM)" },
	[SSE] = { "sse", CPUF_SSE, NONE, "SSE single precision, MXCSR, SFENCE: XMM0-7 and MXCSR are the guest's" },
	[SSE2] = { "sse2", CPUF_SSE2, NONE, "SSE2 double precision and 128-bit integer, LFENCE, MFENCE, MOVNTI" },
	[CLFLUSH] = { "clflush", CPUF_CLFSH, NONE, "CLFLUSH of a guest line through the window" },
	[SSE3] = { "sse3", CPUF_SSE3, NONE, "SSE3 arithmetic and FISTTP (MONITOR/MWAIT are not here)" },
	[SSSE3] = { "ssse3", CPUF_SSSE3, CPUF_SSSE3, "SSSE3, MMX and XMM forms" },
	[SSE41] = { "sse4.1", CPUF_SSE41, NONE, "SSE4.1" },
	[SSE42] = { "sse4.2", CPUF_SSE42, NONE, "SSE4.2 string compares, PCMPGTQ and CRC32" },
	[AES] = { "aes", CPUF_AES, NONE, "AES-NI rounds on XMM registers" },
	[PCLMUL] = { "pclmul", CPUF_PCLMUL, NONE, "carry-less multiplication on XMM registers" },
};

struct ident_row {
	unsigned id;
	enum ident_fam fam;
};

#define R(i, f) { X86_INS_##i, f }
static const struct ident_row ident_rows[] = {
	/* integer */
	R(ADC, INTEGER), R(ADD, INTEGER), R(AND, INTEGER), R(BSF, INTEGER), R(BSR, INTEGER), R(BSWAP, INTEGER),
	R(BT, INTEGER), R(BTC, INTEGER), R(BTR, INTEGER), R(BTS, INTEGER), R(CBW, INTEGER), R(CDQ, INTEGER),
	R(CLC, INTEGER), R(CLD, INTEGER), R(CMC, INTEGER), R(CMP, INTEGER), R(CMPXCHG, INTEGER), R(CWD, INTEGER),
	R(CWDE, INTEGER), R(DEC, INTEGER), R(DIV, INTEGER), R(IDIV, INTEGER), R(IMUL, INTEGER), R(INC, INTEGER),
	R(LAHF, INTEGER), R(LEA, INTEGER), R(MOV, INTEGER), R(MOVSX, INTEGER), R(MOVZX, INTEGER), R(MUL, INTEGER),
	R(NEG, INTEGER), R(NOT, INTEGER), R(OR, INTEGER), R(RCL, INTEGER), R(RCR, INTEGER), R(ROL, INTEGER),
	R(ROR, INTEGER), R(SAHF, INTEGER), R(SAL, INTEGER), R(SAR, INTEGER), R(SBB, INTEGER), R(SHL, INTEGER),
	R(SHLD, INTEGER), R(SHR, INTEGER), R(SHRD, INTEGER), R(STC, INTEGER), R(STD, INTEGER), R(SUB, INTEGER),
	R(TEST, INTEGER), R(XADD, INTEGER), R(XCHG, INTEGER), R(XOR, INTEGER), R(SETA, INTEGER), R(SETAE, INTEGER),
	R(SETB, INTEGER), R(SETBE, INTEGER), R(SETE, INTEGER), R(SETG, INTEGER), R(SETGE, INTEGER),
	R(SETL, INTEGER), R(SETLE, INTEGER), R(SETNE, INTEGER), R(SETNO, INTEGER), R(SETNP, INTEGER),
	R(SETNS, INTEGER), R(SETO, INTEGER), R(SETP, INTEGER), R(SETS, INTEGER),
	/* hint */
	R(NOP, HINT), R(PAUSE, HINT), R(ENDBR32, HINT),
	/* ud */
	R(UD0, UD), R(UD2B, UD),
	/* cx8 */
	R(CMPXCHG8B, CX8),
	/* cmov */
	R(CMOVA, CMOV), R(CMOVAE, CMOV), R(CMOVB, CMOV), R(CMOVBE, CMOV), R(CMOVE, CMOV), R(CMOVG, CMOV),
	R(CMOVGE, CMOV), R(CMOVL, CMOV), R(CMOVLE, CMOV), R(CMOVNE, CMOV), R(CMOVNO, CMOV), R(CMOVNP, CMOV),
	R(CMOVNS, CMOV), R(CMOVO, CMOV), R(CMOVP, CMOV), R(CMOVS, CMOV),
	/* popcnt */
	R(POPCNT, POPCNT),
	/* lzcnt */
	R(LZCNT, LZCNT),
	/* movbe */
	R(MOVBE, MOVBE),
	/* adx */
	R(ADCX, ADX), R(ADOX, ADX),
	/* x87 */
	R(F2XM1, X87), R(FABS, X87), R(FADD, X87), R(FADDP, X87), R(FBLD, X87), R(FBSTP, X87), R(FCHS, X87),
	R(FCOM, X87), R(FCOMP, X87), R(FCOMPP, X87), R(FCOS, X87), R(FDECSTP, X87), R(FDIV, X87), R(FDIVP, X87),
	R(FDIVR, X87), R(FDIVRP, X87), R(FFREE, X87), R(FFREEP, X87), R(FIADD, X87), R(FICOM, X87), R(FICOMP, X87),
	R(FIDIV, X87), R(FIDIVR, X87), R(FILD, X87), R(FIMUL, X87), R(FINCSTP, X87), R(FIST, X87), R(FISTP, X87),
	R(FISUB, X87), R(FISUBR, X87), R(FLD, X87), R(FLD1, X87), R(FLDCW, X87), R(FLDENV, X87), R(FLDL2E, X87),
	R(FLDL2T, X87), R(FLDLG2, X87), R(FLDLN2, X87), R(FLDPI, X87), R(FLDZ, X87), R(FMUL, X87), R(FMULP, X87),
	R(FNCLEX, X87), R(FNINIT, X87), R(FNOP, X87), R(FNSAVE, X87), R(FNSTCW, X87), R(FNSTENV, X87),
	R(FNSTSW, X87), R(FPATAN, X87), R(FPREM, X87), R(FPREM1, X87), R(FPTAN, X87), R(FRNDINT, X87),
	R(FRSTOR, X87), R(FSCALE, X87), R(FSETPM, X87), R(FSIN, X87), R(FSINCOS, X87), R(FSQRT, X87), R(FST, X87),
	R(FSTP, X87), R(FSTPNCE, X87), R(FSUB, X87), R(FSUBP, X87), R(FSUBR, X87), R(FSUBRP, X87), R(FTST, X87),
	R(FUCOM, X87), R(FUCOMP, X87), R(FUCOMPP, X87), R(FXAM, X87), R(FXCH, X87), R(FXTRACT, X87), R(FYL2X, X87),
	R(FYL2XP1, X87), R(WAIT, X87),
	/* x87-p6 */
	R(FCMOVB, X87_P6), R(FCMOVBE, X87_P6), R(FCMOVE, X87_P6), R(FCMOVNB, X87_P6), R(FCMOVNBE, X87_P6),
	R(FCMOVNE, X87_P6), R(FCMOVNU, X87_P6), R(FCMOVU, X87_P6), R(FCOMI, X87_P6), R(FCOMIP, X87_P6),
	R(FUCOMI, X87_P6), R(FUCOMIP, X87_P6),
	/* fxsr */
	R(FXSAVE, FXSR), R(FXRSTOR, FXSR),
	/* mmx */
	R(EMMS, MMX), R(MOVD, MMX), R(MOVQ, MMX), R(PACKSSDW, MMX), R(PACKSSWB, MMX), R(PACKUSWB, MMX),
	R(PADDB, MMX), R(PADDD, MMX), R(PADDSB, MMX), R(PADDSW, MMX), R(PADDUSB, MMX), R(PADDUSW, MMX),
	R(PADDW, MMX), R(PAND, MMX), R(PANDN, MMX), R(PCMPEQB, MMX), R(PCMPEQD, MMX), R(PCMPEQW, MMX),
	R(PCMPGTB, MMX), R(PCMPGTD, MMX), R(PCMPGTW, MMX), R(PMADDWD, MMX), R(PMULHW, MMX), R(PMULLW, MMX),
	R(POR, MMX), R(PSLLD, MMX), R(PSLLQ, MMX), R(PSLLW, MMX), R(PSRAD, MMX), R(PSRAW, MMX), R(PSRLD, MMX),
	R(PSRLQ, MMX), R(PSRLW, MMX), R(PSUBB, MMX), R(PSUBD, MMX), R(PSUBSB, MMX), R(PSUBSW, MMX), R(PSUBUSB, MMX),
	R(PSUBUSW, MMX), R(PSUBW, MMX), R(PUNPCKHBW, MMX), R(PUNPCKHDQ, MMX), R(PUNPCKHWD, MMX), R(PUNPCKLBW, MMX),
	R(PUNPCKLDQ, MMX), R(PUNPCKLWD, MMX), R(PXOR, MMX),
	/* sse-int */
	R(PAVGB, SSE_INT), R(PAVGW, SSE_INT), R(PEXTRW, SSE_INT), R(PINSRW, SSE_INT), R(PMAXSW, SSE_INT),
	R(PMAXUB, SSE_INT), R(PMINSW, SSE_INT), R(PMINUB, SSE_INT), R(PMOVMSKB, SSE_INT), R(PMULHUW, SSE_INT),
	R(PSADBW, SSE_INT), R(PSHUFW, SSE_INT), R(MOVNTQ, SSE_INT),
	/* sse */
	R(ADDPS, SSE), R(ADDSS, SSE), R(ANDNPS, SSE), R(ANDPS, SSE), R(CMPPS, SSE), R(CMPSS, SSE), R(COMISS, SSE),
	R(CVTPI2PS, SSE), R(CVTPS2PI, SSE), R(CVTSI2SS, SSE), R(CVTSS2SI, SSE), R(CVTTPS2PI, SSE),
	R(CVTTSS2SI, SSE), R(DIVPS, SSE), R(DIVSS, SSE), R(LDMXCSR, SSE), R(MAXPS, SSE), R(MAXSS, SSE),
	R(MINPS, SSE), R(MINSS, SSE), R(MOVAPS, SSE), R(MOVHLPS, SSE), R(MOVHPS, SSE), R(MOVLHPS, SSE),
	R(MOVLPS, SSE), R(MOVMSKPS, SSE), R(MOVNTPS, SSE), R(MOVSS, SSE), R(MOVUPS, SSE), R(MULPS, SSE),
	R(MULSS, SSE), R(ORPS, SSE), R(RCPPS, SSE), R(RCPSS, SSE), R(RSQRTPS, SSE), R(RSQRTSS, SSE), R(SHUFPS, SSE),
	R(SQRTPS, SSE), R(SQRTSS, SSE), R(STMXCSR, SSE), R(SUBPS, SSE), R(SUBSS, SSE), R(UCOMISS, SSE),
	R(UNPCKHPS, SSE), R(UNPCKLPS, SSE), R(XORPS, SSE), R(SFENCE, SSE), R(PREFETCHNTA, SSE), R(PREFETCHT0, SSE),
	R(PREFETCHT1, SSE), R(PREFETCHT2, SSE),
	/* the compare predicates, which Capstone names one by one */
	R(CMPEQPS, SSE), R(CMPLTPS, SSE), R(CMPLEPS, SSE), R(CMPUNORDPS, SSE), R(CMPNEQPS, SSE), R(CMPNLTPS, SSE),
	R(CMPNLEPS, SSE), R(CMPORDPS, SSE), R(CMPEQSS, SSE), R(CMPLTSS, SSE), R(CMPLESS, SSE), R(CMPUNORDSS, SSE),
	R(CMPNEQSS, SSE), R(CMPNLTSS, SSE), R(CMPNLESS, SSE), R(CMPORDSS, SSE),
	R(CMPEQPD, SSE2), R(CMPLTPD, SSE2), R(CMPLEPD, SSE2), R(CMPUNORDPD, SSE2), R(CMPNEQPD, SSE2), R(CMPNLTPD,
	SSE2), R(CMPNLEPD, SSE2), R(CMPORDPD, SSE2), R(CMPEQSD, SSE2), R(CMPLTSD, SSE2), R(CMPLESD, SSE2),
	R(CMPUNORDSD, SSE2), R(CMPNEQSD, SSE2), R(CMPNLTSD, SSE2), R(CMPNLESD, SSE2), R(CMPORDSD, SSE2),
	/* sse2 */
	R(ADDPD, SSE2), R(ADDSD, SSE2), R(ANDNPD, SSE2), R(ANDPD, SSE2), R(CMPPD, SSE2), R(CMPSD, SSE2),
	R(COMISD, SSE2), R(CVTDQ2PD, SSE2), R(CVTDQ2PS, SSE2), R(CVTPD2DQ, SSE2), R(CVTPD2PI, SSE2),
	R(CVTPD2PS, SSE2), R(CVTPI2PD, SSE2), R(CVTPS2DQ, SSE2), R(CVTPS2PD, SSE2), R(CVTSD2SI, SSE2),
	R(CVTSD2SS, SSE2), R(CVTSI2SD, SSE2), R(CVTSS2SD, SSE2), R(CVTTPD2DQ, SSE2), R(CVTTPD2PI, SSE2),
	R(CVTTPS2DQ, SSE2), R(CVTTSD2SI, SSE2), R(DIVPD, SSE2), R(DIVSD, SSE2), R(MAXPD, SSE2), R(MAXSD, SSE2),
	R(MINPD, SSE2), R(MINSD, SSE2), R(MOVAPD, SSE2), R(MOVDQ2Q, SSE2), R(MOVDQA, SSE2), R(MOVDQU, SSE2),
	R(MOVHPD, SSE2), R(MOVLPD, SSE2), R(MOVMSKPD, SSE2), R(MOVNTDQ, SSE2), R(MOVNTI, SSE2), R(MOVNTPD, SSE2),
	R(MOVQ2DQ, SSE2), R(MOVSD, SSE2), R(MOVUPD, SSE2), R(MULPD, SSE2), R(MULSD, SSE2), R(ORPD, SSE2),
	R(PSHUFD, SSE2), R(PSHUFHW, SSE2), R(PSHUFLW, SSE2), R(PSLLDQ, SSE2), R(PSRLDQ, SSE2), R(PUNPCKHQDQ, SSE2),
	R(PUNPCKLQDQ, SSE2), R(SHUFPD, SSE2), R(SQRTPD, SSE2), R(SQRTSD, SSE2), R(SUBPD, SSE2), R(SUBSD, SSE2),
	R(UCOMISD, SSE2), R(UNPCKHPD, SSE2), R(UNPCKLPD, SSE2), R(XORPD, SSE2), R(PMULUDQ, SSE2), R(PADDQ, SSE2),
	R(PSUBQ, SSE2), R(LFENCE, SSE2), R(MFENCE, SSE2),
	/* clflush */
	R(CLFLUSH, CLFLUSH),
	/* sse3 */
	R(ADDSUBPD, SSE3), R(ADDSUBPS, SSE3), R(HADDPD, SSE3), R(HADDPS, SSE3), R(HSUBPD, SSE3), R(HSUBPS, SSE3),
	R(LDDQU, SSE3), R(MOVDDUP, SSE3), R(MOVSHDUP, SSE3), R(MOVSLDUP, SSE3), R(FISTTP, SSE3),
	/* ssse3 */
	R(PABSB, SSSE3), R(PABSD, SSSE3), R(PABSW, SSSE3), R(PALIGNR, SSSE3), R(PHADDD, SSSE3), R(PHADDSW, SSSE3),
	R(PHADDW, SSSE3), R(PHSUBD, SSSE3), R(PHSUBSW, SSSE3), R(PHSUBW, SSSE3), R(PMADDUBSW, SSSE3),
	R(PMULHRSW, SSSE3), R(PSHUFB, SSSE3), R(PSIGNB, SSSE3), R(PSIGND, SSSE3), R(PSIGNW, SSSE3),
	/* sse4.1 */
	R(BLENDPD, SSE41), R(BLENDPS, SSE41), R(BLENDVPD, SSE41), R(BLENDVPS, SSE41), R(DPPD, SSE41),
	R(DPPS, SSE41), R(EXTRACTPS, SSE41), R(INSERTPS, SSE41), R(MOVNTDQA, SSE41), R(MPSADBW, SSE41),
	R(PACKUSDW, SSE41), R(PBLENDVB, SSE41), R(PBLENDW, SSE41), R(PCMPEQQ, SSE41), R(PEXTRB, SSE41),
	R(PEXTRD, SSE41), R(PHMINPOSUW, SSE41), R(PINSRB, SSE41), R(PINSRD, SSE41), R(PMAXSB, SSE41),
	R(PMAXSD, SSE41), R(PMAXUD, SSE41), R(PMAXUW, SSE41), R(PMINSB, SSE41), R(PMINSD, SSE41), R(PMINUD, SSE41),
	R(PMINUW, SSE41), R(PMOVSXBD, SSE41), R(PMOVSXBQ, SSE41), R(PMOVSXBW, SSE41), R(PMOVSXDQ, SSE41),
	R(PMOVSXWD, SSE41), R(PMOVSXWQ, SSE41), R(PMOVZXBD, SSE41), R(PMOVZXBQ, SSE41), R(PMOVZXBW, SSE41),
	R(PMOVZXDQ, SSE41), R(PMOVZXWD, SSE41), R(PMOVZXWQ, SSE41), R(PMULDQ, SSE41), R(PMULLD, SSE41),
	R(PTEST, SSE41), R(ROUNDPD, SSE41), R(ROUNDPS, SSE41), R(ROUNDSD, SSE41), R(ROUNDSS, SSE41),
	/* sse4.2 */
	R(PCMPESTRI, SSE42), R(PCMPESTRM, SSE42), R(PCMPISTRI, SSE42), R(PCMPISTRM, SSE42), R(PCMPGTQ, SSE42),
	R(CRC32, SSE42),
	/* aes */
	R(AESDEC, AES), R(AESDECLAST, AES), R(AESENC, AES), R(AESENCLAST, AES), R(AESIMC, AES),
	R(AESKEYGENASSIST, AES),
	/* pclmul */
	R(PCLMULQDQ, PCLMUL),
};
#undef R

/* Instructions the translator emulates that need a feature, and those no
 * bt86 CPU model has at all (NONE): both #UD where the model lacks them. */
static const struct {
	unsigned id;
	enum cpu_feature feat;
} ident_needs[] = {
	{ X86_INS_RDTSC, CPUF_TSC }, { X86_INS_RDMSR, CPUF_MSR }, { X86_INS_WRMSR, CPUF_MSR },
	{ X86_INS_SYSENTER, CPUF_SEP }, { X86_INS_SYSEXIT, CPUF_SEP },
	{ X86_INS_RDTSCP, NONE }, { X86_INS_MONITOR, NONE }, { X86_INS_MWAIT, NONE },
	{ X86_INS_RDRAND, NONE }, { X86_INS_RDSEED, NONE },   /* also RDPID, which Capstone 4 decodes as RDSEED */
	{ X86_INS_XSAVE, NONE }, { X86_INS_XSAVEC, NONE }, { X86_INS_XSAVEOPT, NONE }, { X86_INS_XSAVES, NONE },
	{ X86_INS_XRSTOR, NONE }, { X86_INS_XRSTORS, NONE }, { X86_INS_XGETBV, NONE }, { X86_INS_XSETBV, NONE },
	{ X86_INS_CLAC, NONE }, { X86_INS_STAC, NONE }, { X86_INS_CLWB, NONE }, { X86_INS_CLFLUSHOPT, NONE },
	{ X86_INS_RDFSBASE, NONE }, { X86_INS_RDGSBASE, NONE }, { X86_INS_WRFSBASE, NONE }, { X86_INS_WRGSBASE, NONE },
	{ X86_INS_SWAPGS, NONE }, { X86_INS_XBEGIN, NONE }, { X86_INS_XEND, NONE }, { X86_INS_XABORT, NONE },
	{ X86_INS_XTEST, NONE }, { X86_INS_INVPCID, NONE }, { X86_INS_INVEPT, NONE }, { X86_INS_INVVPID, NONE },
	{ X86_INS_VMCALL, NONE }, { X86_INS_VMMCALL, NONE }, { X86_INS_VMCLEAR, NONE }, { X86_INS_VMFUNC, NONE },
	{ X86_INS_VMLAUNCH, NONE }, { X86_INS_VMRESUME, NONE }, { X86_INS_VMLOAD, NONE }, { X86_INS_VMSAVE, NONE },
	{ X86_INS_VMRUN, NONE }, { X86_INS_VMPTRLD, NONE }, { X86_INS_VMPTRST, NONE }, { X86_INS_VMREAD, NONE },
	{ X86_INS_VMWRITE, NONE }, { X86_INS_VMXOFF, NONE }, { X86_INS_VMXON, NONE }, { X86_INS_SKINIT, NONE },
	{ X86_INS_STGI, NONE }, { X86_INS_CLGI, NONE }, { X86_INS_INVLPGA, NONE }, { X86_INS_GETSEC, NONE },
	{ X86_INS_ENCLS, NONE }, { X86_INS_ENCLU, NONE }, { X86_INS_FEMMS, NONE }, { X86_INS_PCOMMIT, NONE },
	{ X86_INS_CMPXCHG16B, NONE }, { X86_INS_FXSAVE64, NONE }, { X86_INS_FXRSTOR64, NONE },
};

/* Capstone groups of extensions no bt86 model offers. */
static const uint8_t ident_absent_groups[] = {
	X86_GRP_3DNOW, X86_GRP_AVX, X86_GRP_AVX2, X86_GRP_AVX512, X86_GRP_BMI, X86_GRP_BMI2, X86_GRP_BWI,
	X86_GRP_CDI, X86_GRP_DQI, X86_GRP_ERI, X86_GRP_F16C, X86_GRP_FMA, X86_GRP_FMA4, X86_GRP_FSGSBASE,
	X86_GRP_PFI, X86_GRP_RTM, X86_GRP_SGX, X86_GRP_SHA, X86_GRP_SMAP, X86_GRP_SSE4A, X86_GRP_TBM,
	X86_GRP_VLX, X86_GRP_XOP, X86_GRP_VM,
};

static const struct ident_row *ident_row(unsigned id)
{
	/* Linear: the table is a few hundred rows, looked up once per translation. */
	for (size_t i = 0; i < sizeof ident_rows / sizeof ident_rows[0]; i++)
		if (ident_rows[i].id == id)
			return &ident_rows[i];
	return NULL;
}

static bool ident_has_xmm(const struct bt_insn *in)
{
	for (int i = 0; i < in->x86.op_count; i++)
		if (in->x86.operands[i].type == X86_OP_REG && in->x86.operands[i].reg >= X86_REG_XMM0 &&
		    in->x86.operands[i].reg <= X86_REG_XMM31)
			return true;
	return false;
}

/* What the model must have for an allowlisted instruction. */
static enum cpu_feature ident_row_feature(const struct ident_row *r, const struct bt_insn *in)
{
	/* PEXTRW to memory exists only in the 0F 3A map, with SSE4.1. */
	if (r->id == X86_INS_PEXTRW && in->opc == 0x0f && in->opc2 == 0x3a)
		return CPUF_SSE41;
	enum cpu_feature xmm = ident_fams[r->fam].xmm;
	if (xmm != NONE && ident_has_xmm(in))
		return xmm;
	return ident_fams[r->fam].feat;
}

/* A VEX (C4, C5) or EVEX (62) encoded instruction: in 32-bit mode those
 * bytes are LES, LDS and BOUND unless ModRM.mod is 3, and Capstone files
 * some VEX forms under no AVX group. No bt86 model has AVX. */
static bool ident_is_vex(const struct bt_insn *in)
{
	return (in->opc == 0xc4 || in->opc == 0xc5 || in->opc == 0x62) && in->id != X86_INS_LES &&
	       in->id != X86_INS_LDS && in->id != X86_INS_BOUND;
}

/* LOCK is only for a read-modify-write of memory (SDM Vol. 2, LOCK):
 * anything else with it is #UD on every CPU. */
static bool ident_lock_ok(const struct bt_insn *in)
{
	static const unsigned lockable[] = {
		X86_INS_ADD, X86_INS_ADC, X86_INS_AND, X86_INS_BTC, X86_INS_BTR, X86_INS_BTS, X86_INS_CMPXCHG,
		X86_INS_CMPXCHG8B, X86_INS_DEC, X86_INS_INC, X86_INS_NEG, X86_INS_NOT, X86_INS_OR, X86_INS_SBB,
		X86_INS_SUB, X86_INS_XOR, X86_INS_XADD, X86_INS_XCHG,
	};
	if (in->mem_op != 0)
		return false;   /* the destination must be the memory operand */
	for (size_t i = 0; i < sizeof lockable / sizeof lockable[0]; i++)
		if (in->id == lockable[i])
			return true;
	return false;
}

bool ident_available(const struct cpu_model *m, const struct bt_insn *in)
{
	if (ident_is_vex(in) || (in->lock && !ident_lock_ok(in)))
		return false;
	const struct ident_row *r = ident_row(in->id);
	if (r) {
		enum cpu_feature f = ident_row_feature(r, in);
		/* FCMOV and FCOMI need the FPU too; every model has one. */
		return f == NONE || cpu_has(m, f);
	}
	if (in->id == X86_INS_RDPMC)
		return m->family >= 6;   /* a P6 instruction with no CPUID bit of its own */
	for (size_t i = 0; i < sizeof ident_needs / sizeof ident_needs[0]; i++)
		if (ident_needs[i].id == in->id)
			return ident_needs[i].feat != NONE && cpu_has(m, ident_needs[i].feat);
	for (int g = 0; g < in->ngroups; g++)
		for (size_t k = 0; k < sizeof ident_absent_groups; k++)
			if (in->groups[g] == ident_absent_groups[k])
				return false;
	return true;
}

enum ident_verdict ident_check(const struct cpu_model *m, const struct bt_insn *in)
{
	if (!ident_available(m, in))
		return IDENT_UD;
	return ident_row(in->id) ? IDENT_OK : IDENT_NO;
}

const char *ident_family(unsigned id)
{
	const struct ident_row *r = ident_row(id);
	return r ? ident_fams[r->fam].name : NULL;
}

void ident_print_table(FILE *out)
{
	csh cs;
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs) != CS_ERR_OK)
		return;
	fprintf(out, "Instructions the translator may run IDENT (natively, memory operands re-encoded through\n"
		     "the guest window), by family. Anything else is emulated, raises #UD where the CPU model\n"
		     "lacks it, or stops the guest (\"unsupported: ...\").\n");
	for (int f = 0; f < FAM_COUNT; f++) {
		fprintf(out, "\n%s (%s%s%s): %s\n ", ident_fams[f].name,
			ident_fams[f].feat == NONE ? "every model" : cpu_feature_name(ident_fams[f].feat),
			ident_fams[f].xmm != NONE && ident_fams[f].xmm != ident_fams[f].feat ? "; XMM forms: " : "",
			ident_fams[f].xmm != NONE && ident_fams[f].xmm != ident_fams[f].feat ?
				cpu_feature_name(ident_fams[f].xmm) : "",
			ident_fams[f].why);
		int col = 1;
		for (size_t i = 0; i < sizeof ident_rows / sizeof ident_rows[0]; i++) {
			if (ident_rows[i].fam != (enum ident_fam)f)
				continue;
			char name[32];
			const char *n = cs_insn_name(cs, ident_rows[i].id);
			snprintf(name, sizeof name, "%s", n ? n : "?");
			if (col + (int)strlen(name) + 1 > 88) {
				fprintf(out, "\n ");
				col = 1;
			}
			col += fprintf(out, " %s", name);
		}
		fputc('\n', out);
	}
	cs_close(&cs);
}
