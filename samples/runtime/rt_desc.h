/* rt_desc.h — the runtime's GDT, TSS and IDT, and how samples hook traps.
 *
 * rt_desc_init() (called by the runtime before sample_main) loads a flat
 * GDT and an IDT whose 256 gates all lead to rt_trap_dispatch(), which
 * reports "unexpected exception" unless a handler was installed:
 *
 *     static void on_int80(struct rt_trap_frame *f) { f->eax = 42; }
 *     ...
 *     rt_set_trap_handler(0x80, on_int80, 3);   // INT 0x80 allowed from ring 3
 *
 * The TSS is described in the GDT but not loaded: a sample that wants ring
 * transitions executes `ltr RT_SEL_TSS` itself (sensitive.c shows STR
 * before and after) or lets rt_enter_user() do it. Guest-only; native
 * builds never call these.
 */
#ifndef RT_DESC_H
#define RT_DESC_H

/* GDT selectors (index << 3 | RPL). */
#define RT_SEL_KCODE  0x08  /* flat 32-bit ring-0 code */
#define RT_SEL_KDATA  0x10  /* flat 32-bit ring-0 data, also the stack */
#define RT_SEL_UCODE  0x1B  /* flat 32-bit ring-3 code (RPL 3) */
#define RT_SEL_UDATA  0x23  /* flat 32-bit ring-3 data (RPL 3) */
#define RT_SEL_TSS    0x28  /* 32-bit TSS (rt_tss) */
#define RT_GDT_ENTRIES 6

#define RT_IDT_ENTRIES 256

/* IDT gate types (descriptor type field, bits 8-11 of the high dword). */
#define RT_GATE_TASK  0x5   /* task gate */
#define RT_GATE_INT   0xE   /* 32-bit interrupt gate: clears IF on entry */
#define RT_GATE_TRAP  0xF   /* 32-bit trap gate: leaves IF alone */

#ifndef __ASSEMBLER__          /* the constants above are shared with .S */

#include <stdint.h>

/* The hardware 32-bit task state segment (Intel SDM vol. 3, figure 8-2). */
struct rt_tss {
	uint16_t link, rsvd0;
	uint32_t esp0;          /* stack loaded on a trap from ring 3 */
	uint16_t ss0, rsvd1;
	uint32_t esp1;
	uint16_t ss1, rsvd2;
	uint32_t esp2;
	uint16_t ss2, rsvd3;
	uint32_t cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, rsvd4, cs, rsvd5, ss, rsvd6;
	uint16_t ds, rsvd7, fs, rsvd8, gs, rsvd9;
	uint16_t ldt, rsvd10;
	uint16_t trap;          /* bit 0: debug trap on task switch */
	uint16_t iomap_base;    /* offset of the I/O bitmap; >= limit: none */
};

/* Register state saved by the ISR stubs (desc_stubs.S), lowest address
 * first. A handler may change it; the stub restores it and IRETs. */
struct rt_trap_frame {
	uint32_t gs, fs, es, ds;
	uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;  /* PUSHA */
	uint32_t vector;
	uint32_t error;         /* CPU error code, or 0 for vectors without */
	uint32_t eip, cs, eflags;                       /* pushed by the CPU */
	uint32_t user_esp, user_ss;     /* only valid if (cs & 3) != 0 */
};

typedef void (*rt_trap_fn)(struct rt_trap_frame *frame);

/* The tables themselves, at fixed addresses (see link.ld). */
extern uint64_t rt_gdt[RT_GDT_ENTRIES];
extern uint64_t rt_idt[RT_IDT_ENTRIES];
extern struct rt_tss rt_tss;

/* Load GDT and IDT, reload every segment register. Idempotent. */
void rt_desc_init(void);
/* Point IDT gate `vector` at raw code `handler` (selector RT_SEL_KCODE). */
void rt_set_idt_gate(uint8_t vector, void (*handler)(void), unsigned dpl,
		     unsigned type);
/* Route `vector` to a C handler through the runtime's stub (interrupt gate
 * with the given DPL); fn == 0 restores the default "unexpected" report. */
void rt_set_trap_handler(uint8_t vector, rt_trap_fn fn, unsigned dpl);
/* Like rt_set_trap_handler, with the gate type chosen: RT_GATE_INT (IF
 * cleared on entry) or RT_GATE_TRAP (IF left as it was). */
void rt_set_trap_gate(uint8_t vector, rt_trap_fn fn, unsigned dpl,
		      unsigned type);
/* Called by the ISR stubs. */
void rt_trap_dispatch(struct rt_trap_frame *frame);

/* ---- ring 3 (desc_stubs.S) ----
 *
 *     static void user_main(void) { ...; __asm__ volatile("int $0x80"); }
 *     static void on_int80(struct rt_trap_frame *f) { rt_leave_user(f->eax); }
 *     ...
 *     rt_set_trap_handler(0x80, on_int80, 3);
 *     uint32_t v = rt_enter_user(user_main, ustack + sizeof(ustack),
 *                                RT_EFLAGS_IF);
 *
 * rt_enter_user loads TR with RT_SEL_TSS if no TSS is loaded yet, sets DS,
 * ES, FS and GS to RT_SEL_UDATA and IRETs to fn at CPL 3 (CS RT_SEL_UCODE,
 * SS RT_SEL_UDATA) with ESP = stack_top - 4, as if fn had been called, and
 * EFLAGS = eflags | 2. Traps from ring 3 run on rt_tss.esp0. fn must not
 * return (its return address leads to a ud2, an unexpected #UD). The call
 * returns when a ring-0 trap handler calls rt_leave_user(v): that abandons
 * the handler, reloads the data segment registers with RT_SEL_KDATA and
 * EFLAGS with their value at the rt_enter_user call, and makes
 * rt_enter_user return v. Not reentrant: one ring-3 excursion at a time. */
#define RT_EFLAGS_IF  0x00000200u   /* interrupts enabled */
#define RT_EFLAGS_AC  0x00040000u   /* alignment check (with CR0.AM, CPL 3) */
uint32_t rt_enter_user(void (*fn)(void), void *stack_top, uint32_t eflags);
__attribute__((noreturn)) void rt_leave_user(uint32_t v);
/* The same excursion with the fast system-call instructions instead of
 * IRET and a trap: programs the SYSENTER MSRs (CS RT_SEL_KCODE, so SYSEXIT
 * lands on RT_SEL_UCODE/RT_SEL_UDATA; ESP rt_tss.esp0), loads EFLAGS with
 * POPF at CPL 0 and enters fn with SYSEXIT. Ring 3 comes back by calling
 * rt_user_sysenter(v), which makes rt_enter_user_sysexit return v. */
uint32_t rt_enter_user_sysexit(void (*fn)(void), void *stack_top,
			       uint32_t eflags);
__attribute__((noreturn)) void rt_user_sysenter(uint32_t v);

#endif /* __ASSEMBLER__ */
#endif /* RT_DESC_H */
