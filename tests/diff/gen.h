/* The differential tester's case generator: random sequences of
 * non-privileged 32-bit instructions, encoded here byte by byte (no
 * assembler at test time), with an initial register state that keeps every
 * memory access inside the data region.
 *
 *   struct gen_case c;
 *   gen_case(seed, index, NULL, &c);   // deterministic in (seed, index[, segs])
 *   gen_data(&c, image);           // the initial DIFF_DATA_SIZE bytes
 *
 * Registers used as bases point into the data region; ESP points into its
 * stack area at the top. Each instruction is recorded with the name of the
 * template that made it, for failure reports.
 */
#ifndef BT86_TESTS_DIFF_GEN_H
#define BT86_TESTS_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "diffproto.h"

#define GEN_MAX_INSNS 160

struct gen_insn {
	uint16_t off;            /* from DIFF_CODE_ADDR */
	const char *tmpl;        /* the template that emitted it */
	uint32_t flag_mask;      /* flag_mask in effect before it runs (for a fault there) */
};

struct gen_case {
	uint64_t seed, index;
	uint32_t gpr[8];
	uint32_t eflags;
	uint8_t code[DIFF_CODE_MAX];
	uint32_t code_len;
	uint32_t flag_mask;      /* EFLAGS bits not compared (left undefined by an emulated insn) */
	uint64_t data_seed;
	int ninsn;
	struct gen_insn insn[GEN_MAX_INSNS];
	bool fpu;                /* uses x87, MMX or SSE */
	bool want_fault;         /* a deliberate exception somewhere */
	const char *kvm_skip;    /* why KVM is no oracle for this case, or NULL: instructions
				  * beyond i686+SSE2 (their meaning depends on CPUID features a
				  * VM may not offer), or ones a software backend emulates */
};

/* FS and GS bases (the same on both sides): with them, some memory operands
 * get an FS or GS override and an address that lands in the data region
 * once the base is added (modulo 2^32). */
struct gen_segs {
	uint32_t base[2];        /* FS, GS */
};

void gen_case(uint64_t seed, uint64_t index, const struct gen_segs *segs, struct gen_case *c);
void gen_data(const struct gen_case *c, uint8_t *data);

/* The template names, for --list. */
int gen_template_count(void);
const char *gen_template_name(int i);

#endif
