/* The differential tester's guest environments: what the translated side
 * runs a case in, besides the flat ring-0 machine with paging off.
 *
 *   ring3    CPL 3 with ring-3 flat code/data segments, a TSS whose ring-0
 *            stack takes exceptions, and an IDT whose handlers halt; the
 *            case ends with INT 0x40 through a DPL-3 gate. The stop is read
 *            back from the handler's frame (vector, EIP, ESP, EFLAGS).
 *   paging   CR0.PG with page tables mapping only the case's code, data and
 *            the system area: identity-mapped with 4 KiB or 4 MiB pages, or
 *            at other physical addresses (4 KiB pages scattered over a pool,
 *            or a 4 MiB page elsewhere) with the native side's addresses as
 *            the linear ones.
 *   segbase  FS and GS with non-zero bases (some wrap modulo 2^32); the
 *            native side has the same bases through LDT entries
 *            (modify_ldt), and the generator puts FS/GS overrides on memory
 *            operands whose effective address plus the base lies in the data
 *            region.
 *   mixed    each case picks ring 3, paging and FS/GS bases independently.
 *
 * DS/ES/SS/CS keep base 0: bt's translations assume them flat (a load of a
 * non-flat one stops the guest, docs/translator.md), so non-zero bases are
 * tested where bt supports them, on FS and GS.
 *
 * Everything is derived from (mode, seed, index), so a case replays alike.
 *
 *   struct denv env;
 *   denv_pick(DM_MIXED, seed, index, &env);
 *   denv_build(&env, m, &state, &term, &term_len);   // tables, state, terminator
 *   denv_write(&env, m, DIFF_CODE_ADDR, code, n);     // through the mapping
 *   ... run ...
 *   denv_stop(&env, m, &st, &stop) -> what the handler's frame says
 */
#ifndef BT86_TESTS_DIFF_DIFFMODE_H
#define BT86_TESTS_DIFF_DIFFMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/machine.h"

#include "gen.h"

enum denv_mode { DM_FLAT, DM_RING3, DM_PAGING, DM_SEGBASE, DM_MIXED, DM_COUNT };

enum denv_paging {
	DP_OFF,
	DP_ID_4K,        /* identity, 4 KiB pages, only the case's pages present */
	DP_ID_4M,        /* identity, one 4 MiB page */
	DP_MAP_4K,       /* code and data pages scattered over a physical pool */
	DP_MAP_4M,       /* linear 0-4 MiB at physical 8-12 MiB */
	DP_COUNT,
};

struct denv {
	bool ring3;
	enum denv_paging paging;
	bool wp;                  /* CR0.WP (paging only) */
	bool segs;                /* FS/GS bases */
	struct gen_segs seg;
	uint8_t perm[18];         /* DP_MAP_4K: pool slot of each code (2) and data (16) page */
	unsigned alt;             /* which of two page-table sets (a new CR3 each case) */
};

/* The vector the ring-3 terminator raises (INT 0x40). */
#define DENV_END_VECTOR 0x40

int denv_mode_parse(const char *name, enum denv_mode *out);
const char *denv_mode_name(enum denv_mode m);
/* "ring3 paging(map-4k) fs=0x1000 gs=0xffffe000" or "flat". */
void denv_describe(const struct denv *e, char *buf, size_t n);

void denv_pick(enum denv_mode mode, uint64_t seed, uint64_t index, struct denv *e);

/* Where linear address lin (in the code, data or system area) is in RAM. */
uint64_t denv_phys(const struct denv *e, uint32_t lin);
/* Copy to or from guest RAM at linear lin, page by page through the mapping. */
int denv_write(const struct denv *e, struct machine *m, uint32_t lin, const void *buf, size_t len);
int denv_read(const struct denv *e, struct machine *m, uint32_t lin, void *buf, size_t len);

/* Write the GDT, IDT, TSS, handlers and page tables the environment needs
 * and make the initial state from base (the flat ring-0 boot state); term
 * gets the terminator to append to the case's code. */
void denv_build(const struct denv *e, struct machine *m, const struct vcpu_state *base, struct vcpu_state *st,
		uint8_t term[4], uint32_t *term_len);

/* After a ring-3 run halted at eip: the exception the handler there took
 * (stop->vector), the interrupted EIP, ESP and EFLAGS from its frame. Returns
 * false, with why, if eip is no handler or the frame is not a ring-3 one. */
struct denv_stop {
	int vector;
	uint32_t eip, esp, eflags;
};
bool denv_stop(const struct denv *e, struct machine *m, const struct vcpu_state *st, uint32_t eip,
	       struct denv_stop *out, char *why, size_t whylen);

#endif
