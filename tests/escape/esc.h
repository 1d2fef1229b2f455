/* esc.h — what the escape-suite guests (tests/escape/) share: probing an
 * instruction at ring 0 and catching whatever it raises, the guest's own
 * 4 KiB identity paging with chosen user pages, the PIT as a watchdog for
 * ring-3 code that loops, the PRNG, and a verdict line per check.
 *
 *     static void do_ud2(void) { __asm__ volatile("ud2"); }
 *     esc_init();                                   // every vector 0-31 caught
 *     esc_expect("ud2", esc_probe(do_ud2), 6, -1);  // #UD, no error code
 *     return esc_finish();                          // 0: all passed
 *
 * A check prints "NAME: ok" or "NAME: FAIL ...". Guests run under bt86,
 * KVM and QEMU alike; a check whose answer depends on the CPU model QEMU
 * emulates is named so the script can skip it there (see run-escape.sh). */
#ifndef ESC_H
#define ESC_H

#include "rt.h"
#include "rt_desc.h"

#define ESC_NONE    0xffffffffu   /* esc_probe: the code ran to its end */
#define ESC_ANY_ERR (-1)          /* esc_expect: do not check the error code */

#define ESC_PTE_P   0x001u
#define ESC_PTE_RW  0x002u
#define ESC_PTE_US  0x004u
#define ESC_RAM_MB  64u           /* what the identity map covers */

/* Handlers for vectors 0-31: a fault during esc_probe ends the probe; one
 * from ring 3 goes to the user hook (esc_user_trap); anything else is a
 * harness failure (printed, exit 0x7f). */
void esc_init(void);
/* Run fn at ring 0; the vector it raised (its error code in esc_error) or
 * ESC_NONE. fn must leave ESP alone; segment registers are reloaded after. */
uint32_t esc_probe(void (*fn)(void));
extern volatile uint32_t esc_error;
/* A ring-3 trap: the hook decides (e.g. rt_leave_user(vector)). */
extern void (*esc_user_trap)(struct rt_trap_frame *f);
/* Frames from protected-mode code with EFLAGS.VM set (cleared on the way). */
extern volatile uint32_t esc_vm_leaks;

/* Identity paging of the first ESC_RAM_MB MiB, supervisor-only; then
 * esc_map changes one linear page's PTE (flags included; 0 unmaps). */
void esc_paging_on(void);
void esc_paging_off(void);
void esc_map(uint32_t lin, uint32_t phys, uint32_t flags);

/* The PIT at 100 Hz on vector 0x20 (IRQ0); esc_ticks counts ring-3 ticks
 * since esc_ticks was last cleared, and esc_tick_hook runs on each. */
void esc_timer_on(void);
void esc_timer_off(void);
extern volatile uint32_t esc_ticks;
extern void (*esc_tick_hook)(struct rt_trap_frame *f);

/* xorshift32 */
uint32_t esc_rand(void);
void esc_seed(uint32_t s);

/* Verdicts: vector (ESC_NONE for none) and error code (or ESC_ANY_ERR). */
void esc_expect(const char *name, uint32_t got_vec, uint32_t want_vec, int want_err);
void esc_check(const char *name, uint32_t got, uint32_t want);
void esc_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 if every check passed, else 1 (with a summary line). */
int esc_finish(void);

static inline uint32_t esc_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void esc_set_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline uint32_t esc_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void esc_set_cr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

#endif
