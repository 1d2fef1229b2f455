/* The IDENT allowlist: the only guest instructions the translator may copy
 * to the TC (unchanged, or re-encoded to reach memory through the guest
 * window). Each is on this table because its 64-bit host behaviour, with
 * 32-bit operands and a GS-relative 32-bit address, equals the 32-bit
 * guest's and its effects stay inside the guest's registers and the guest
 * window; the table's families say why. Everything else is emulated (the
 * callouts and rewrites of translate.c), raises #UD where the guest's CPU
 * model lacks it, or stops the guest loudly: "unsupported: ...".
 *
 *   enum ident_verdict v = ident_check(&m->cpu, &in);
 *   if (v == IDENT_UD) ... raise #UD in the guest
 *   if (v == IDENT_NO) ... not on the table: emulate it or stop
 *
 * `bt86 --list-ident` prints the table. */
#ifndef BT86_ENGINE_IDENT_H
#define BT86_ENGINE_IDENT_H

#include <stdbool.h>
#include <stdio.h>

#include "engine/decode.h"
#include "monitor/cpumodel.h"

enum ident_verdict {
	IDENT_OK,   /* on the table and in the CPU model: may run natively */
	IDENT_UD,   /* the CPU model lacks it (or no bt86 model has it): #UD */
	IDENT_NO,   /* in the model but not on the table: emulate it, or stop */
};

/* For any decoded guest instruction: is it available in the model at all?
 * false: the guest gets #UD (a feature the model lacks, an extension no
 * bt86 model offers: AVX, VMX/SVM, RDRAND, XSAVE, FSGSBASE, TSX, ...). */
bool ident_available(const struct cpu_model *m, const struct bt_insn *in);

/* For an instruction about to be copied: on the table and available? */
enum ident_verdict ident_check(const struct cpu_model *m, const struct bt_insn *in);

/* The family name of an allowlisted instruction, or NULL. */
const char *ident_family(unsigned id);

/* The table, by family, with why each family is safe. */
void ident_print_table(FILE *out);

#endif
