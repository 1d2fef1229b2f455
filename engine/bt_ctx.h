/* The binary translator's vCPU context: what R15 points at while translated
 * code runs. The first part is the architectural state (monitor/vcpu.h), so
 * the emulation functions work on it in place; the fields after it are used by
 * the assembly glue (bt_glue.S) and by emitted code, at the fixed offsets
 * below, checked against offsetof() in bt.c.
 *
 * Inside the TC: guest EAX..EDI live in the host registers of the same names,
 * guest ESP in R12D, guest arithmetic flags and DF in host RFLAGS, R13 holds
 * minus the linear window's base and R14 the base (for string instructions,
 * which address through RSI/RDI), R8-R11 are translator scratch.
 */
#ifndef BT86_ENGINE_BT_CTX_H
#define BT86_ENGINE_BT_CTX_H

/* Offsets, shared with assembly. */
#define BTC_GPR         0      /* uint32_t[8]: arch.gpr, EAX..EDI */
#define BTC_EIP         32     /* arch.eip */
#define BTC_EFLAGS      36     /* arch.eflags: the virtual system flags (IF, IOPL, ...) */
#define BTC_HFLAGS      512    /* host RFLAGS image holding guest CF PF AF ZF SF OF DF */
#define BTC_HOST_RSP    520    /* host stack pointer at entry */
#define BTC_LEAVE       528    /* &bt_glue_leave, for `jmp [r15+BTC_LEAVE]` */
#define BTC_CALLOUT     536    /* &bt_glue_callout */
#define BTC_MISS        544    /* &bt_glue_miss: indirect lookup missed, target in R8D */
#define BTC_WIN_BASE    552    /* linear window base (also GS base) */
#define BTC_WIN_NEG     560    /* -BTC_WIN_BASE */
#define BTC_LOOKUP      568    /* the inline lookup table (or the all-miss one during a stop) */
#define BTC_NEXT_EIP    576    /* guest EIP to go to at a leave */
#define BTC_EXIT_SITE   580    /* TC offset of the rel32 to chain, 0 if none */
#define BTC_EXIT_KIND   584    /* enum bt_exit_kind */
#define BTC_CALLOUT_EA  588    /* effective address computed for a callout's memory operand */
#define BTC_IRQ_PENDING 592    /* byte: an external interrupt waits (set by any thread) */
#define BTC_EXIT_NOW    593    /* byte: a stop or interrupt wants out: shadow returns must leave too */
#define BTC_SHADOW_EIP  596    /* interrupts stay blocked until after the instruction here (STI, MOV SS) */
#define BTC_SHADOW_TOP  600    /* host RSP with an empty return shadow (a sentinel frame on top) */
#define BTC_SHADOW_BUDGET 608  /* shadow frames still allowed on the host stack */
#define BT_SHADOW_MAX   4096   /* 16 bytes a frame: 64 KiB of host stack at most */
#define BTC_FX_GUEST    640    /* 512-byte FXSAVE area of the guest's x87/SSE state */
#define BTC_FX_HOST     1152   /* the monitor's x87/SSE state while the guest runs */
#define BTC_SIZE_MIN    1664

#define BT_LOOKUP_BITS    16   /* the inline table is indexed by the low 16 bits of the EIP */
#define BT_LOOKUP_ENTRIES (1 << BT_LOOKUP_BITS)

#define BT_EXIT_BRANCH   1     /* a direct or indirect branch left the TC; NEXT_EIP says where */
#define BT_EXIT_INDIRECT 2     /* an indirect lookup missed */
#define BT_EXIT_CALLOUT  3     /* a callout asked to leave (stop, exception, mode change) */

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "monitor/vcpu.h"

struct bt_lookup_entry {
	uint64_t neg_tag;          /* -(2 * eip + key): a hit makes neg_tag + 2 * eip + key == 0 */
	uint64_t host;             /* where that CCF starts */
};

struct bt_ctx {
	union {
		struct vcpu_state arch;
		uint8_t arch_space[BTC_HFLAGS];
	};
	uint64_t hflags;
	uint64_t host_rsp;
	uint64_t leave_ptr;
	uint64_t callout_ptr;
	uint64_t miss_ptr;
	uint64_t win_base;
	uint64_t win_neg;
	struct bt_lookup_entry *lookup;
	uint32_t next_eip;
	uint32_t exit_site;
	uint32_t exit_kind;
	uint32_t callout_ea;
	volatile uint8_t irq_pending;
	volatile uint8_t exit_now;
	uint8_t pad0[2];
	uint32_t shadow_eip;
	uint64_t shadow_top;
	uint64_t shadow_budget;
	uint8_t pad[BTC_FX_GUEST - BTC_SHADOW_BUDGET - 8];
	_Alignas(64) uint8_t fx_guest[512];
	_Alignas(64) uint8_t fx_host[512];
	void *owner;               /* the struct bt_engine, for callouts */
};

/* Glue entry points (bt_glue.S). */
void bt_glue_enter(struct bt_ctx *ctx, const void *host_pc);
void bt_glue_leave(void);
void bt_glue_callout(void);
void bt_glue_miss(void);

#endif
#endif
