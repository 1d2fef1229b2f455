/* Emulation functions for sensitive instructions, shared by every engine
 * that cannot run them directly: they work on the architectural state
 * (struct vcpu_state) and the machine, and raise the exception real hardware
 * would (returned, for the engine to deliver). The caller decodes the
 * instruction and passes its operands; EIP is the instruction's own, and
 * EMU_NEXT means "advance EIP past it".
 *
 *   struct emu em = { .m = m, .st = &state };
 *   switch (emu_out(&em, 0x3f8, 1, 'A')) { ... }
 */
#ifndef BT86_MONITOR_EMULATE_H
#define BT86_MONITOR_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/machine.h"
#include "monitor/vcpu.h"

enum emu_result {
	EMU_NEXT,     /* done; continue after the instruction */
	EMU_JUMP,     /* done; EIP (and maybe CS) were set by the instruction */
	EMU_FAULT,    /* an exception: vector and error code in struct emu */
	EMU_HALT,     /* HLT: the vCPU waits for an interrupt (or stops if IF=0) */
	EMU_STOP,     /* the guest cannot go on: msg says why */
};

#define EXC_DE 0
#define EXC_DB 1
#define EXC_BP 3
#define EXC_OF 4
#define EXC_BR 5
#define EXC_UD 6
#define EXC_NM 7
#define EXC_DF 8
#define EXC_TS 10
#define EXC_NP 11
#define EXC_SS 12
#define EXC_GP 13
#define EXC_PF 14
#define EXC_MF 16
#define EXC_AC 17

/* A one-entry TLB a caller may keep for an instruction it emulates again
 * and again (a callout reaching a device's registers): the translation of
 * one linear page, good while the caller's generation (tlb_gen, moved on at
 * every CR3 load, INVLPG and paging-control change) is the one it was
 * filled in, as a TLB entry is until those. */
struct emu_tlb {
	uint64_t gen;
	uint64_t pa;        /* the physical page */
	uint32_t lin;       /* the linear page */
	bool valid, user, writable;
};

struct emu {
	struct machine *m;
	struct vcpu_state *st;
	int vector;              /* for EMU_FAULT */
	bool has_error;
	uint32_t error_code;
	char msg[160];           /* for EMU_STOP */
	/* Implicit supervisor accesses (descriptor tables, the TSS, the inner
	 * stack of an interrupt): page protection as at CPL 0 whatever the CPL. */
	bool sys;
	struct emu_tlb *tlb;     /* NULL: every access walks the tables */
	uint64_t tlb_gen;
};

const char *emu_exception_name(int vector);   /* "#GP" */

enum emu_result emu_fault(struct emu *em, int vector, bool has_error, uint32_t error_code);
int emu_cpl(const struct vcpu_state *st);

/* Guest linear memory: with CR0.PG through the guest's page tables (A and D
 * bits set as the CPU does; a #PF with CR2 and its error code if a page is
 * not there or not allowed, checked for every page before any byte is
 * written), then physical RAM or MMIO. -1 after raising the fault. */
int emu_read(struct emu *em, uint32_t lin, void *buf, unsigned len);
int emu_write(struct emu *em, uint32_t lin, const void *buf, unsigned len);
/* For bulk work (string instructions): the host address of the RAM behind
 * lin..lin+len-1, which must lie in one page, checked (and A/D set) as an
 * access of the kind given. *host is NULL where it is not plain RAM in one
 * page (the caller goes element by element); -1 after raising a fault. A
 * write span is reported written (translated code there is dropped) before
 * the caller writes it: it must not run guest code in between. */
int emu_ram_span(struct emu *em, uint32_t lin, unsigned len, bool write, uint8_t **host);
/* The same as implicit supervisor accesses (em->sys). */
int emu_read_sys(struct emu *em, uint32_t lin, void *buf, unsigned len);
int emu_write_sys(struct emu *em, uint32_t lin, const void *buf, unsigned len);

enum emu_result emu_cli(struct emu *em);
enum emu_result emu_sti(struct emu *em);
/* PUSHF/POPF: operand size 2 or 4; eflags holds the full guest EFLAGS. */
enum emu_result emu_pushf(struct emu *em, unsigned size);
enum emu_result emu_popf(struct emu *em, unsigned size);
enum emu_result emu_hlt(struct emu *em);
enum emu_result emu_in(struct emu *em, uint16_t port, unsigned size, uint32_t *value);
enum emu_result emu_out(struct emu *em, uint16_t port, unsigned size, uint32_t value);
enum emu_result emu_cpuid(struct emu *em);
enum emu_result emu_rdtsc(struct emu *em);
/* LGDT/LIDT/SGDT/SIDT with the operand's linear address. */
enum emu_result emu_lgdt(struct emu *em, uint32_t lin, bool idt);
enum emu_result emu_sgdt(struct emu *em, uint32_t lin, bool idt);
enum emu_result emu_ltr(struct emu *em, uint16_t sel);
enum emu_result emu_lldt(struct emu *em, uint16_t sel);
enum emu_result emu_lmsw(struct emu *em, uint16_t v);
enum emu_result emu_mov_to_cr(struct emu *em, int cr, uint32_t v);
enum emu_result emu_mov_from_cr(struct emu *em, int cr, uint32_t *v);
/* Load a data or stack segment register (not CS) with sel. */
enum emu_result emu_load_seg(struct emu *em, int seg, uint16_t sel);
/* JMP ptr16:32 to a code segment. */
enum emu_result emu_far_jmp(struct emu *em, uint16_t sel, uint32_t offset);
/* CLTS, WBINVD/INVD, INVLPG: privileged, nothing else to do without caches. */
enum emu_result emu_privileged_nop(struct emu *em);
/* CALL ptr16:32 / m16:32 to a code segment at the same privilege; pushes CS
 * and next_eip with the operand size (2 or 4). */
enum emu_result emu_far_call(struct emu *em, uint16_t sel, uint32_t offset, uint32_t next_eip,
			     unsigned size);
/* On a return to an outer ring, the data segments that ring may not use
 * become null (IRET, far RET). */
void emu_null_inner_segs(struct vcpu_state *st, int cpl);
/* RETF [imm16]: back to the same or an outer ring. */
enum emu_result emu_far_ret(struct emu *em, unsigned size, uint16_t pop);
/* LAR/LSL/VERR/VERW: *ok says whether the selector passed (ZF), *value the
 * access rights (LAR) or limit (LSL). */
enum emu_result emu_lar(struct emu *em, uint16_t sel, bool *ok, uint32_t *value);
enum emu_result emu_lsl(struct emu *em, uint16_t sel, bool *ok, uint32_t *value);
enum emu_result emu_verr(struct emu *em, uint16_t sel, bool write, bool *ok);
/* RDMSR/WRMSR for the MSRs this vCPU has (TSC, SYSENTER_*, APIC base, PAT...). */
enum emu_result emu_rdmsr(struct emu *em);
enum emu_result emu_wrmsr(struct emu *em);
/* SYSENTER/SYSEXIT with the SYSENTER MSRs. */
enum emu_result emu_sysenter(struct emu *em);
enum emu_result emu_sysexit(struct emu *em);

#endif
