/* The binary-translation engine's state, shared by its files: the engine
 * (bt.c: dispatcher and engine ops), callouts (bt_callout.c), host fault and
 * stop-signal handling (bt_signal.c). Not for use outside engine/. */
#ifndef BT86_ENGINE_BT_H
#define BT86_ENGINE_BT_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "engine/bt_ctx.h"
#include "engine/bt_tlb.h"
#include "engine/engine.h"
#include "engine/vcpu_loop.h"
#include "engine/tc.h"
#include "engine/translate.h"
#include "engine/window.h"
#include "monitor/emulate.h"

/* Guest flags kept in host RFLAGS inside the TC. */
#define BT_HFLAGS_MASK (EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | \
			EFLAGS_DF | EFLAGS_OF)

/* Alignment checking (#AC) is the host's own: while the guest runs at CPL 3
 * with CR0.AM and EFLAGS.AC set, host RFLAGS.AC is set in the TC, so a
 * misaligned guest access raises SIGBUS (BUS_ADRALN) at the exact instruction
 * and costs nothing otherwise. Host AC is recomputed from the virtual flags
 * on every way back into the TC (CPL, CR0 and AC only change in C code) and
 * never reaches monitor C code: the glue and the signal handlers clear it. */
static inline void bt_sync_ac(struct bt_ctx *ctx)
{
	if (emu_cpl(&ctx->arch) == 3 && (ctx->arch.cr0 & CR0_AM) && (ctx->arch.eflags & EFLAGS_AC))
		ctx->hflags |= EFLAGS_AC;
	else
		ctx->hflags &= ~(uint64_t)EFLAGS_AC;
}

/* What a host fault in translated code turned out to be. */
struct bt_fault {
	int signo, code;
	uint64_t addr;             /* si_addr */
	struct ccf *ccf;
	const struct ccf_map *map;
	bool write;                /* page fault on a write (from the error code) */
};

#define BT_MAX_WATCH_PAGES 128

/* Host integrity checking (bt_integrity.c): what was recorded. */
#define BT_INTEGRITY_NSIG 6
struct bt_integrity {
	bool on;
	bool have_thread;           /* the vCPU thread's own state was recorded */
	long tid;                   /* its kernel thread id */
	unsigned long fs;           /* its FS base (GS is the window base) */
	bool has_pkru;
	uint32_t pkru;
	sigset_t mask;
	void *handler[BT_INTEGRITY_NSIG];
	uint8_t *canary[2];         /* below and above the window's reservation */
	bool canary_in_guard[2];    /* the neighbouring page was taken: a guard page instead */
};

struct bt_engine {
	struct engine base;
	struct bt_ctx *ctx;
	struct win win;
	struct bt_tlb tlb;          /* the guest entries behind the window's fills */
	struct tc tc;
	struct xlat xlat;

	/* A stop decided inside a callout or fault, for the dispatcher. */
	bool has_pending;
	struct stop_info pending;

	struct vcpu_loop loop;      /* stop requests, HLT, breakpoints (engine/vcpu_loop.h) */
	bool delivered;             /* an exception or INT n was delivered by the last CCF */
	bool tsd;                   /* RDTSC faults while translated code runs (trap treatment) */
	bool flush_pending;         /* CR0/CR4 FPU bits changed: translations are stale */
	const char *flush_why;      /* why, for the event (NULL: x87/SSE availability) */
	bool code_written;          /* an emulated write dropped translated code (bt_ram_written) */
	struct emu_tlb *co_tlb;     /* the running callout's (NULL outside callouts) */
	uint64_t tlb_gen;           /* moves on at every TLB flush: CR3, INVLPG, paging controls */
	bool mmio_touched;          /* the last bt_mmio_emulate reached a device (else only RAM) */
	struct bt_acquit { bool pending; uint32_t eip, ccf_id; uint8_t key; char text[EV_INSN_LEN]; } acquit;
	/* Paging: the linear pages CCFs were translated from, with the physical
	 * page and privilege they were fetched at, so a CR3 load keeps the CCFs
	 * whose pages the new address space maps alike (bt_paging.c). */
	struct bt_code_page { uint32_t lin, phys; bool user, parked, elsewhere; } *code_pages;
	uint32_t ncode_pages, code_pages_cap;
	/* Code pages the current address space does not map at all (a kernel's
	 * own page tables, without user space): their CCFs are kept but not
	 * entered until a later address space maps them to the same page again
	 * (bt_paging_enter); nparked counts them. */
	uint32_t nparked;
	uint64_t cr3_parked;
	uint64_t cr3_loads, cr3_kept_pages, cr3_dropped_ccfs;
	uint64_t fills;             /* window pages filled from the guest's tables */
	bool cr3_written;           /* MOV to CR3, even of the same value: a TLB flush */
	/* Debugger (bt_debug.c): breakpoints applied, watched pages, a watch hit. */
	uint32_t synced_bp[DBG_MAX];
	int nsynced_bp;
	uint32_t watch_pages[BT_MAX_WATCH_PAGES];
	int nwatch_pages;
	bool watch_open, watch_hit, watch_fresh;
	uint32_t watch_open_page;
	struct dbg_watch watch;
	pthread_t thread;
	struct ccf *volatile entering;   /* the CCF the dispatcher is about to enter */

	sigjmp_buf fault_jmp;
	volatile sig_atomic_t fault_armed;
	struct bt_fault fault;
	bool gs_ready;
	/* Adaptive treatment: traps counted per guest address (open addressing). */
	struct bt_trapcount { uint32_t eip; uint32_t count; } *traps;
	uint32_t ntraps_cap;
	FILE *perf_map;             /* /tmp/perf-PID.map for `perf report`, if asked for */
	struct bt_integrity integrity;
};

/* A CCF from the lookup is about to be entered: false if a parked page of
 * it held other code (its CCFs are dropped), true if it may run. */
bool bt_paging_enter(struct bt_engine *be, const struct ccf *c);

/* Callouts come here from bt_glue_callout (0: continue in the TC, 1: leave). */
int bt_callout_dispatch(struct bt_ctx *ctx, struct bt_callout *co);

/* A trap-treated instruction faulted as expected: emulate it with its
 * callout, count it and, under the adaptive treatment, retranslate it once
 * it is proven guilty (bt_trap.c). Returns true to go on running. */
bool bt_trap(struct bt_engine *be, struct ccf *c, const struct ccf_map *m);
bool bt_is_guilty(void *opaque, uint32_t eip);
/* The linear address of in's explicit memory operand, from the guest state. */
uint32_t bt_insn_ea(const struct bt_ctx *ctx, const struct bt_insn *in);
/* Decode the guest instruction at eip (paging off: EIP is physical). */
/* Point the translator at the guest's current state (privilege key, CR0,
 * CR4, user/supervisor fetches) before translating or fetching. */
void bt_xlat_prepare(struct bt_engine *be);
int bt_fetch_insn(struct bt_engine *be, uint32_t eip, struct bt_insn *in);
/* The CCF to run at eip for the current privilege (translating it if need be). */
struct ccf *bt_get_ccf(struct bt_engine *be, uint32_t eip, int max, bool transient);

/* RDTSC faulting (CR4.TSD through prctl) for this thread, on or off. */
void bt_tsd(struct bt_engine *be, bool on);

/* Breakpoints and watchpoints (bt_debug.c). */
bool bt_is_breakpoint(void *opaque, uint32_t eip);
void bt_debug_sync(struct engine *e);
bool bt_watch_fault(struct bt_engine *be, uint32_t ga, bool write, bool *once);
void bt_watch_after(struct bt_engine *be);

/* The TC for the debugger (bt_inspect.c). */
int bt_tc_list(struct engine *e, void (*fn)(void *ctx, const struct engine_ccf *c), void *ctx);
int bt_tc_show(struct engine *e, uint32_t what, bool by_id, struct engine_ccf_view *v, char *err, size_t errlen);
int bt_tc_translate(struct engine *e, uint32_t eip, struct engine_ccf_view *v, char *err, size_t errlen);
void bt_tc_flush(struct engine *e);
enum engine_mark bt_addr_mark(struct engine *e, uint32_t eip);

/* DAA DAS AAA AAS AAM AAD SALC (bt_bcd.c). */
int bt_bcd_callout(struct bt_engine *be, struct bt_ctx *ctx, struct bt_callout *co);

/* Emulate in, which faulted on a page that is not RAM; 0, or -1 with why (bt_mmio.c). */
/* Emulate a memory instruction against the buses (MMIO): 0 done (EIP past
 * it), 1 the guest faulted (#PF, #GP: in *fault, to deliver), -1 a form bt
 * does not emulate (why says which). */
/* A guilty memory instruction's callout found only RAM again and again:
 * note it to be retranslated IDENT (see bt_trap.c) once the callout has
 * left the TC (true: the callout must leave); bt_get_ccf does it. */
bool bt_mmio_acquit(struct bt_engine *be, const struct bt_callout *co);
void bt_mmio_acquit_now(struct bt_engine *be);
/* How many string elements of size from addr on, in the direction DF
 * says, stay in addr's page (0 if the first crosses into the next). */
uint32_t bt_mmio_in_page(uint32_t addr, unsigned size, bool df);
int bt_mmio_emulate(struct bt_engine *be, const struct bt_insn *in, struct emu *fault, char *why, size_t whylen);
/* The memory instruction at in->eip keeps reaching MMIO: retranslate it as a
 * callout (adaptive), forwarding the CCF c (at its map entry m) there. */
void bt_mmio_adapt(struct bt_engine *be, struct ccf *c, const struct ccf_map *m, const struct bt_insn *in);

/* Record a stop for the dispatcher to return (bt.c). */
void bt_set_pending(struct bt_engine *be, enum stop_reason r, uint32_t eip, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A guest exception (a fault at eip): deliver it through the guest IDT; false
 * (and a pending stop naming vector and instruction) if that triple-faulted. */
bool bt_guest_exception(struct bt_engine *be, int vector, bool has_error, uint32_t error,
			uint32_t eip, const char *insn_text);

/* Guest register access by Capstone register id (8, 16 or 32-bit GPRs). */
uint32_t bt_reg_read(const struct bt_ctx *ctx, unsigned reg);
void bt_reg_write(struct bt_ctx *ctx, unsigned reg, uint32_t v);
unsigned bt_reg_size(unsigned reg);

/* Signals (bt_signal.c): install once; the handlers find the running engine
 * through a thread-local pointer set around bt_glue_enter. */
int bt_signal_init(char *err, size_t errlen);
void bt_signal_bind(struct bt_engine *be);
void bt_signal_kick(struct bt_engine *be);

/* Host integrity (bt_integrity.c). start: record the host state no guest
 * may change (configure "check-host", or BT86_CHECK_HOST at create). enter:
 * at the start of a run, record the vCPU thread's FS base, PKRU and signal
 * mask the first time. stop: check at the end of a run; a violation prints
 * "bt86: host integrity: <what> changed" and exits with status 4. fini: the
 * same check at destroy, then "bt86: host integrity: ok". check: what
 * changed, or NULL (thread: also the calling vCPU thread's own state). */
int bt_integrity_start(struct bt_engine *be, char *err, size_t errlen);
void bt_integrity_enter(struct bt_engine *be);
void bt_integrity_stop(struct bt_engine *be);
void bt_integrity_fini(struct bt_engine *be);
const char *bt_integrity_check(struct bt_engine *be, bool thread);

/* Shadow paging (bt_paging.c). sync: bring the window in line with the
 * guest's paging controls before running (-1: stop pending). fault: a host
 * fault at linear lin in a paged window; 1 go on, 0 stop or exception
 * delivered as bt_guest_exception says, -1 not a paging matter (MMIO, a
 * watchpoint). code: the linear pages first..last hold translated code.
 * invlpg: drop a page; returns how many CCFs went with it. */
int bt_paging_sync(struct bt_engine *be);
int bt_paging_fault(struct bt_engine *be, uint32_t lin, bool write, bool *once, const char *text);
void bt_paging_code(struct bt_engine *be, uint32_t first, uint32_t last);
int bt_paging_invlpg(struct bt_engine *be, uint32_t lin);

#endif
