/* The sensitive-instruction table and treatment policies (see sensitive.h).
 * Sources: Intel SDM vol. 2 (each instruction's protected-mode exceptions),
 * Robin & Irvine, "Analysis of the Intel Pentium's ability to support a
 * secure virtual machine monitor" (USENIX Security 2000), which lists the
 * seventeen sensitive unprivileged instructions. */
#include "monitor/sensitive.h"

#include <string.h>

#define T(x) TREAT_BIT(TREAT_##x)
#define PRIV_TREATS (T(TRAP) | T(CALLOUT) | T(ADAPTIVE) | T(NAIVE))

const struct sens_class_info sens_classes[SC_COUNT] = {
	[SC_IF] = { "cli-sti", "CLI STI", PRIV_TREATS | T(INTC), TREAT_INTC },
	[SC_FLAGS] = { "pushf-popf", "PUSHF POPF", T(CALLOUT) | T(INTC) | T(NAIVE), TREAT_INTC },
	[SC_IO] = { "io", "IN OUT INS OUTS", PRIV_TREATS, TREAT_CALLOUT },
	[SC_HLT] = { "hlt", "HLT", PRIV_TREATS, TREAT_CALLOUT },
	[SC_INT] = { "int", "INT n INT3 INTO", T(CALLOUT), TREAT_CALLOUT },
	[SC_IRET] = { "iret", "IRET", T(CALLOUT), TREAT_CALLOUT },
	[SC_SYS_LOAD] = { "sys-load", "LGDT LIDT LLDT LTR LMSW CLTS", PRIV_TREATS, TREAT_CALLOUT },
	[SC_SYS_STORE] = { "sys-store", "SGDT SIDT SLDT STR SMSW", T(CALLOUT) | T(NAIVE), TREAT_CALLOUT },
	[SC_CRDR] = { "cr-dr", "MOV to/from CRn, DRn", PRIV_TREATS, TREAT_CALLOUT },
	[SC_SEG_READ] = { "seg-read", "MOV r/m,Sreg  PUSH Sreg", T(CALLOUT) | T(INTC) | T(NAIVE), TREAT_INTC },
	[SC_SEG_WRITE] = { "seg-write", "MOV Sreg,r/m  POP Sreg  LDS LES LFS LGS LSS", T(CALLOUT), TREAT_CALLOUT },
	[SC_FAR] = { "far", "far CALL JMP RET", T(CALLOUT), TREAT_CALLOUT },
	[SC_SEG_QUERY] = { "seg-query", "LAR LSL VERR VERW", T(CALLOUT) | T(NAIVE), TREAT_CALLOUT },
	[SC_CPUID] = { "cpuid", "CPUID", T(CALLOUT) | T(NAIVE), TREAT_CALLOUT },
	/* RDTSC faults only with CR4.TSD; bt sets it around translated code with
	 * prctl(PR_SET_TSC, PR_TSC_SIGSEGV) for the trap treatment. Not adaptive:
	 * the prctl toggles would tax every callout for the rest of the run. */
	[SC_RDTSC] = { "rdtsc", "RDTSC RDTSCP", T(TRAP) | T(CALLOUT) | T(INTC) | T(NAIVE), TREAT_INTC },
	[SC_MSR] = { "msr", "RDMSR WRMSR RDPMC", PRIV_TREATS, TREAT_CALLOUT },
	[SC_CACHE] = { "cache-tlb", "INVLPG WBINVD INVD", PRIV_TREATS, TREAT_CALLOUT },
	[SC_SYSENTER] = { "sysenter", "SYSENTER SYSEXIT SYSCALL SYSRET", T(CALLOUT), TREAT_CALLOUT },
};

const struct sens_insn sens_table[] = {
	{ "CLI", SC_IF, true, "changes IF; #GP when CPL > IOPL", "emu_cli" },
	{ "STI", SC_IF, true, "changes IF; #GP when CPL > IOPL", "emu_sti" },
	{ "PUSHF", SC_FLAGS, false, "reveals IF and IOPL, the real ones when run unvirtualized", "emu_pushf" },
	{ "POPF", SC_FLAGS, false, "silently ignores IF/IOPL changes below CPL 0 instead of trapping", "emu_popf" },
	{ "IN", SC_IO, true, "device access; #GP when CPL > IOPL", "emu_in" },
	{ "OUT", SC_IO, true, "device access; #GP when CPL > IOPL", "emu_out" },
	{ "INS", SC_IO, true, "device access into memory; #GP when CPL > IOPL", "emu_in" },
	{ "OUTS", SC_IO, true, "device access from memory; #GP when CPL > IOPL", "emu_out" },
	{ "HLT", SC_HLT, true, "stops the CPU until an interrupt; #GP at CPL > 0", "emu_hlt" },
	{ "INT n", SC_INT, false, "transfers through the IDT, maybe to another ring", "emu_deliver" },
	{ "INT3", SC_INT, false, "transfers through the IDT (#BP)", "emu_deliver" },
	{ "INTO", SC_INT, false, "transfers through the IDT (#OF) when OF is set", "emu_deliver" },
	{ "IRET", SC_IRET, false, "returns across rings and restores IF/IOPL", "emu_iret" },
	{ "LGDT", SC_SYS_LOAD, true, "loads the GDT register; #GP at CPL > 0", "emu_lgdt" },
	{ "LIDT", SC_SYS_LOAD, true, "loads the IDT register; #GP at CPL > 0", "emu_lgdt" },
	{ "LLDT", SC_SYS_LOAD, true, "loads the LDT register; #GP at CPL > 0", "emu_lldt" },
	{ "LTR", SC_SYS_LOAD, true, "loads the task register; #GP at CPL > 0", "emu_ltr" },
	{ "LMSW", SC_SYS_LOAD, true, "writes CR0's low bits; #GP at CPL > 0", "emu_lmsw" },
	{ "CLTS", SC_SYS_LOAD, true, "clears CR0.TS; #GP at CPL > 0", "emu_privileged_nop" },
	{ "SGDT", SC_SYS_STORE, false, "reveals the real GDT's address, unprivileged", "emu_sgdt" },
	{ "SIDT", SC_SYS_STORE, false, "reveals the real IDT's address, unprivileged", "emu_sgdt" },
	{ "SLDT", SC_SYS_STORE, false, "reveals the LDT selector, unprivileged", "(register read)" },
	{ "STR", SC_SYS_STORE, false, "reveals the task register, unprivileged", "(register read)" },
	{ "SMSW", SC_SYS_STORE, false, "reveals CR0's low bits (PE!), unprivileged", "(register read)" },
	{ "MOV CRn", SC_CRDR, true, "control registers; #GP at CPL > 0", "emu_mov_to_cr" },
	{ "MOV DRn", SC_CRDR, true, "debug registers; #GP at CPL > 0", "(register copy)" },
	{ "MOV r/m,Sreg", SC_SEG_READ, false, "reveals the selector's RPL, i.e. the real CPL", "(register read)" },
	{ "PUSH Sreg", SC_SEG_READ, false, "reveals the selector's RPL, i.e. the real CPL", "(register read)" },
	{ "MOV Sreg,r/m", SC_SEG_WRITE, false, "loads a descriptor with privilege checks", "emu_load_seg" },
	{ "POP Sreg", SC_SEG_WRITE, false, "loads a descriptor with privilege checks", "emu_load_seg" },
	{ "LDS LES LFS LGS LSS", SC_SEG_WRITE, false, "load a descriptor with privilege checks", "emu_load_seg" },
	{ "far CALL", SC_FAR, false, "checks CPL against descriptors, pushes CS", "emu_far_call" },
	{ "far JMP", SC_FAR, false, "checks CPL against descriptors", "emu_far_jmp" },
	{ "far RET", SC_FAR, false, "checks and may change the ring", "emu_far_ret" },
	{ "LAR", SC_SEG_QUERY, false, "reveals descriptors' access rights relative to the real CPL", "emu_lar" },
	{ "LSL", SC_SEG_QUERY, false, "reveals segment limits relative to the real CPL", "emu_lsl" },
	{ "VERR", SC_SEG_QUERY, false, "verdict depends on the real CPL", "emu_verr" },
	{ "VERW", SC_SEG_QUERY, false, "verdict depends on the real CPL", "emu_verr" },
	{ "CPUID", SC_CPUID, false, "reveals the real CPU and its features", "emu_cpuid" },
	{ "RDTSC", SC_RDTSC, false, "reveals real time (privileged only with CR4.TSD)", "emu_rdtsc" },
	{ "RDTSCP", SC_RDTSC, false, "reveals real time and TSC_AUX", "emu_rdtsc" },
	{ "RDMSR", SC_MSR, true, "model-specific registers; #GP at CPL > 0", "emu_rdmsr" },
	{ "WRMSR", SC_MSR, true, "model-specific registers; #GP at CPL > 0", "emu_wrmsr" },
	{ "RDPMC", SC_MSR, true, "performance counters; #GP unless CR4.PCE", "(not modelled: the guest stops)" },
	{ "INVLPG", SC_CACHE, true, "TLB control; #GP at CPL > 0", "emu_privileged_nop" },
	{ "WBINVD", SC_CACHE, true, "cache control; #GP at CPL > 0", "emu_privileged_nop" },
	{ "INVD", SC_CACHE, true, "cache control; #GP at CPL > 0", "emu_privileged_nop" },
	{ "SYSENTER", SC_SYSENTER, false, "enters ring 0 through MSRs", "emu_sysenter" },
	{ "SYSEXIT", SC_SYSENTER, true, "returns to ring 3 through MSRs; #GP at CPL > 0", "emu_sysexit" },
	{ "SYSCALL SYSRET", SC_SYSENTER, false, "not offered to a 32-bit Intel-style guest", "(#UD)" },
};
const size_t sens_table_len = sizeof sens_table / sizeof sens_table[0];

static const char *const treat_names[TREAT_COUNT] = {
	[TREAT_TRAP] = "trap", [TREAT_CALLOUT] = "callout", [TREAT_INTC] = "intc",
	[TREAT_ADAPTIVE] = "adaptive", [TREAT_NAIVE] = "naive",
};

const char *treatment_name(enum treatment t)
{
	return (unsigned)t < TREAT_COUNT ? treat_names[t] : "?";
}

int treatment_parse(const char *s)
{
	for (int t = 0; t < TREAT_COUNT; t++)
		if (strcmp(s, treat_names[t]) == 0)
			return t;
	return -1;
}

int sens_class_parse(const char *s)
{
	for (int c = 0; c < SC_COUNT; c++)
		if (strcmp(s, sens_classes[c].name) == 0)
			return c;
	return -1;
}

bool sens_supports(enum sens_class c, enum treatment t)
{
	return (unsigned)c < SC_COUNT && (unsigned)t < TREAT_COUNT &&
	       (sens_classes[c].treatments & TREAT_BIT(t));
}

void policy_default(struct policy *p)
{
	for (int c = 0; c < SC_COUNT; c++)
		p->t[c] = sens_classes[c].dflt;
}

int policy_set(struct policy *p, const char *cls, const char *treatment, char *err, size_t errlen)
{
	int t = treatment_parse(treatment);
	if (t < 0) {
		snprintf(err, errlen, "unknown treatment '%s' (trap, callout, intc, adaptive, naive)", treatment);
		return -1;
	}
	if (strcmp(cls, "all") == 0) {
		int n = 0;
		for (int c = 0; c < SC_COUNT; c++)
			if (sens_supports((enum sens_class)c, (enum treatment)t)) {
				p->t[c] = (enum treatment)t;
				n++;
			}
		if (!n) {
			snprintf(err, errlen, "no class supports '%s'", treatment);
			return -1;
		}
		return 0;
	}
	int c = sens_class_parse(cls);
	if (c < 0) {
		snprintf(err, errlen, "unknown instruction class '%s' (see --list-sensitive)", cls);
		return -1;
	}
	if (!sens_supports((enum sens_class)c, (enum treatment)t)) {
		char list[96] = "";
		for (int k = 0; k < TREAT_COUNT; k++)
			if (sens_supports((enum sens_class)c, (enum treatment)k)) {
				strncat(list, list[0] ? ", " : "", sizeof list - strlen(list) - 1);
				strncat(list, treat_names[k], sizeof list - strlen(list) - 1);
			}
		snprintf(err, errlen, "class '%s' does not support '%s' (it supports %s)", cls, treatment, list);
		return -1;
	}
	p->t[c] = (enum treatment)t;
	return 0;
}

int policy_parse(struct policy *p, const char *spec, char *err, size_t errlen)
{
	char buf[512];
	if (strlen(spec) >= sizeof buf) {
		snprintf(err, errlen, "policy is too long");
		return -1;
	}
	strcpy(buf, spec);
	struct policy next = *p;   /* all or nothing */
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (!eq || eq == item || !eq[1]) {
			snprintf(err, errlen, "bad policy item '%s' (want CLASS=TREATMENT)", item);
			return -1;
		}
		*eq = 0;
		if (policy_set(&next, item, eq + 1, err, errlen) < 0)
			return -1;
	}
	*p = next;
	return 0;
}

void policy_describe(const struct policy *p, FILE *out)
{
	for (int c = 0; c < SC_COUNT; c++)
		fprintf(out, "%-11s %-9s %s\n", sens_classes[c].name, treatment_name(p->t[c]),
			sens_classes[c].summary);
}

void sens_print_table(FILE *out)
{
	fprintf(out, "%-20s %-11s %-5s %-19s %s\n", "instruction", "class", "traps", "emulation", "why it is sensitive");
	for (size_t i = 0; i < sens_table_len; i++) {
		const struct sens_insn *s = &sens_table[i];
		fprintf(out, "%-20s %-11s %-5s %-19s %s\n", s->mnemonic, sens_classes[s->cls].name,
			s->traps ? "yes" : "no", s->emulation, s->why);
	}
	char line[256];
	sens_class_header(line, sizeof line, "default", "treatments");
	fprintf(out, "\n%s\n", line);
	for (int c = 0; c < SC_COUNT; c++) {
		sens_class_row(line, sizeof line, (enum sens_class)c, sens_classes[c].dflt);
		fprintf(out, "%s\n", line);
	}
}

void sens_class_header(char *buf, size_t len, const char *col2, const char *col3)
{
	snprintf(buf, len, "%-11s %-9s %-33s %s", "class", col2, col3, "instructions");
}

void sens_class_row(char *buf, size_t len, enum sens_class c, enum treatment t)
{
	char list[64] = "";
	for (int i = 0; i < TREAT_COUNT; i++)
		if (sens_supports(c, (enum treatment)i)) {
			strncat(list, list[0] ? "," : "", sizeof list - strlen(list) - 1);
			strncat(list, treatment_name((enum treatment)i), sizeof list - strlen(list) - 1);
		}
	snprintf(buf, len, "%-11s %-9s %-33s %s", sens_classes[c].name, treatment_name(t), list,
		 sens_classes[c].summary);
}
