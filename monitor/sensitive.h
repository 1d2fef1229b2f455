/* The sensitive instructions of 32-bit x86 — why each is sensitive, whether
 * it traps when run unprivileged, how the monitor emulates it — and the
 * treatments a binary translator may give each class of them (docs/design.md,
 * "Sensitive instructions"):
 *
 *   trap      copy IDENT; the host faults it and the fault handler emulates
 *             (only for instructions that do fault unprivileged)
 *   callout   replace with a call to the emulation function
 *   intc      emulate inline in the CCF, without leaving translated code
 *   adaptive  start as trap; after SENS_ADAPTIVE_THRESHOLD traps at one
 *             address retranslate (intc, else callout) and patch the old
 *             translation with a forwarding jump ("innocent until proven guilty")
 *   naive     run IDENT as if the guest were the host, to show in class what
 *             breaks (never where the host itself would be at risk)
 *
 *   struct policy p;  policy_default(&p);
 *   if (policy_parse(&p, "io=trap,all=callout", err, sizeof err) < 0) ...
 *   if (p.t[SC_IF] == TREAT_INTC) ...
 */
#ifndef BT86_MONITOR_SENSITIVE_H
#define BT86_MONITOR_SENSITIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum sens_class {
	SC_IF,          /* CLI STI */
	SC_FLAGS,       /* PUSHF POPF */
	SC_IO,          /* IN OUT INS OUTS */
	SC_HLT,         /* HLT */
	SC_INT,         /* INT n, INT3, INTO */
	SC_IRET,        /* IRET */
	SC_SYS_LOAD,    /* LGDT LIDT LLDT LTR LMSW CLTS */
	SC_SYS_STORE,   /* SGDT SIDT SLDT STR SMSW */
	SC_CRDR,        /* MOV to/from CRn and DRn */
	SC_SEG_READ,    /* MOV r/m,Sreg; PUSH Sreg */
	SC_SEG_WRITE,   /* MOV Sreg,r/m; POP Sreg; LDS LES LFS LGS LSS */
	SC_FAR,         /* far CALL, JMP, RET */
	SC_SEG_QUERY,   /* LAR LSL VERR VERW */
	SC_CPUID,       /* CPUID */
	SC_RDTSC,       /* RDTSC RDTSCP */
	SC_MSR,         /* RDMSR WRMSR RDPMC */
	SC_CACHE,       /* INVLPG WBINVD INVD */
	SC_SYSENTER,    /* SYSENTER SYSEXIT SYSCALL SYSRET */
	SC_COUNT
};

enum treatment {
	TREAT_TRAP,
	TREAT_CALLOUT,
	TREAT_INTC,
	TREAT_ADAPTIVE,
	TREAT_NAIVE,
	TREAT_COUNT
};

#define TREAT_BIT(t) (1u << (t))
#define SENS_ADAPTIVE_THRESHOLD 16   /* traps at one address before it is retranslated */
#define BT_MMIO_ACQUIT 256           /* RAM-only runs in a row before an MMIO callout is IDENT again */

struct sens_class_info {
	const char *name;          /* "cli-sti", used by --policy */
	const char *summary;
	unsigned treatments;       /* TREAT_BIT()s it supports */
	enum treatment dflt;
};

struct sens_insn {
	const char *mnemonic;      /* as the manuals write it */
	enum sens_class cls;
	bool traps;                /* faults (#GP/#UD) when run at CPL 3 / unprivileged */
	const char *why;           /* why it is sensitive */
	const char *emulation;     /* the monitor function that emulates it */
};

extern const struct sens_class_info sens_classes[SC_COUNT];
extern const struct sens_insn sens_table[];
extern const size_t sens_table_len;

const char *treatment_name(enum treatment t);
int treatment_parse(const char *s);            /* or -1 */
int sens_class_parse(const char *s);           /* or -1 */
bool sens_supports(enum sens_class c, enum treatment t);

struct policy {
	enum treatment t[SC_COUNT];
};

void policy_default(struct policy *p);
/* "CLASS=TREATMENT,..." applied in order; CLASS "all" sets every class that
 * supports the treatment (and is an error if none does). */
int policy_parse(struct policy *p, const char *spec, char *err, size_t errlen);
/* Set one class; -1 with a message if it does not support the treatment. */
int policy_set(struct policy *p, const char *cls, const char *treatment, char *err, size_t errlen);
void policy_describe(const struct policy *p, FILE *out);

/* The table for --list-sensitive. */
void sens_print_table(FILE *out);

/* The class table's lines (no newline), shared by --list-sensitive and the
 * `policy` command: a header whose second and third columns are named col2
 * and col3, and the row of class c with treatment t there (the default or
 * the current one), the treatments c supports and its instructions. */
void sens_class_header(char *buf, size_t len, const char *col2, const char *col3);
void sens_class_row(char *buf, size_t len, enum sens_class c, enum treatment t);

#endif
