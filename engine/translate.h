/* Translation of a TU (up to tu_max guest instructions, ending early at a
 * control transfer, a callout that leaves, a guest page boundary or a
 * breakpoint) into a CCF in the TC.
 *
 *   struct ccf *c;
 *   switch (xlat_tu(&x, eip, x.tu_max, false, &c)) {
 *   case XLAT_OK:   run c
 *   case XLAT_FULL: tc_flush() and try again
 *   case XLAT_FAIL: stop the guest with x.err (names the EIP and instruction)
 *   }
 *
 * The per-instruction translations live in xlat_*.c; each emits host code for
 * one guest instruction through the struct tu interface below.
 */
#ifndef BT86_ENGINE_TRANSLATE_H
#define BT86_ENGINE_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/decode.h"
#include "engine/emit.h"
#include "engine/tc.h"
#include "monitor/emulate.h"
#include "monitor/machine.h"
#include "monitor/sensitive.h"

#define TU_MAX_DEFAULT 12
#define TU_MAX_LIMIT   64

struct bt_engine;
struct bt_callout;
typedef int bt_callout_fn(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co);

/* A callout's descriptor: passed in R11 to bt_glue_callout. */
struct bt_callout {
	bt_callout_fn *fn;
	struct bt_insn insn;
	int8_t cls;          /* the instruction's enum sens_class, or -1 (for the event) */
	uint32_t ccf_id;
	uint64_t count;
	uint32_t ram_streak;  /* an MMIO callout's runs in a row that found only RAM */
	struct emu_tlb tlb;   /* the page it last reached */
};

struct xlat {
	struct dec dec;
	struct tc *tc;
	struct machine *m;
	int tu_max;
	/* Returns true if a breakpoint is set at eip (the TU must end before it). */
	bool (*is_breakpoint)(void *opaque, uint32_t eip);
	void *bp_opaque;
	const struct policy *policy;   /* treatments per sensitive class */
	/* Adaptive: true once the instruction at eip has trapped too often. */
	bool (*is_guilty)(void *opaque, uint32_t eip);
	void *guilty_opaque;
	uint8_t key;                   /* privilege key of the CCFs being made (0: CPL 0) */
	uint32_t cr0, cr4;             /* the guest's, for x87/SSE availability (#NM, #UD) */
	/* With CR0.PG in st, code is fetched through the guest's page tables, as
	 * a user fetch if user; a fetch that faults gives XLAT_PF. */
	const struct vcpu_state *st;
	bool user;
	uint32_t pf_lin, pf_error;     /* XLAT_PF: CR2 and the #PF error code */
	char err[256];
	uint32_t err_eip;
};

enum xlat_status { XLAT_OK, XLAT_FULL, XLAT_FAIL, XLAT_PF };

/* Up to DEC_MAX_LEN bytes of guest code at linear pc, stopping where memory
 * stops being fetchable (not RAM, or with paging a page that is not there or
 * not executable). Returns how many; *pf says whether the first byte that
 * could not be had failed with a #PF (x->pf_lin, x->pf_error). */
size_t xlat_code(struct xlat *x, uint32_t pc, uint8_t *buf, bool *pf);

enum xlat_status xlat_tu(struct xlat *x, uint32_t eip, int max_insns, bool transient,
			 struct ccf **out);

/* The TU being built, for the per-instruction translators. */
struct tu {
	struct xlat *x;
	struct emit e;
	struct ccf *c;
	struct ccf_map map[TU_MAX_LIMIT * 3];
	int nmap;
	uint32_t next_eip;     /* EIP after the current instruction */
	bool page_fault;       /* failed: the first instruction's fetch raised #PF */
	bool ended;            /* the current instruction ended the TU */
	bool failed;
};

/* Record that host code from here on belongs to in (kind, fixup, esp_adj). */
void tu_mark(struct tu *t, const struct bt_insn *in, enum ccf_kind kind, uint8_t fixup,
	     uint8_t esp_adj);
/* Exits. Each ends the TU. */
void tu_exit_direct(struct tu *t, uint32_t target);
void tu_exit_jcc(struct tu *t, unsigned cc, uint32_t taken, uint32_t not_taken);
/* Guest target EIP is in R8D: inline lookup, else leave through the miss glue. */
void tu_exit_indirect(struct tu *t);
/* A direct exit whose rel32 field the caller already emitted at site. */
void tu_add_exit(struct tu *t, uint8_t *site, uint32_t target);
/* Call fn for in (R8D = effective address if it has a memory operand). */
void tu_callout(struct tu *t, const struct bt_insn *in, bt_callout_fn *fn);
/* Stop the TU with an error about in. */
int tu_fail(struct tu *t, const struct bt_insn *in, const char *why);

/* Per-instruction translators: 0 done (TU goes on unless t->ended), -1 failed. */
int xlat_branch(struct tu *t, const struct bt_insn *in);     /* xlat_branch.c */
int xlat_stack(struct tu *t, const struct bt_insn *in);      /* xlat_stack.c */
int xlat_string(struct tu *t, const struct bt_insn *in);     /* xlat_string.c */
bool xlat_is_branch(const struct bt_insn *in);
bool xlat_is_stack(const struct bt_insn *in);
bool xlat_is_string(const struct bt_insn *in);

/* Sensitive and 64-bit-invalid instructions: the callout for in, or NULL if
 * in is an ordinary instruction; *ends says the callout always leaves the TU,
 * *cls is its enum sens_class or -1 if it is not sensitive (bt_callout.c). */
bt_callout_fn *bt_callout_lookup(const struct bt_insn *in, bool *ends, int *cls);
/* The name of a callout handler ("co_in", "bt_bcd_callout"...), or "?" (bt_callout.c). */
const char *bt_callout_name(bt_callout_fn *fn);
/* Callouts that raise #UD and #NM at the instruction (bt_callout.c). */
bt_callout_fn *bt_callout_ud(void);
bt_callout_fn *bt_callout_nm(void);
/* Stops the guest: "unsupported: ..." (an instruction the model has that bt86 does not run). */
bt_callout_fn *bt_callout_unsupported(void);
bt_callout_fn *bt_callout_mmio(void);
/* The C emulation of rare stack forms (bt_stack_callout.c). */
int bt_stack_callout(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co);

/* A sensitive instruction under the treatment the policy gives its class
 * (xlat_sensitive.c). 0, or -1 (failed). */
int xlat_sensitive(struct tu *t, const struct bt_insn *in, bt_callout_fn *fn, bool ends, int cls);

#endif
