/* The local APICs: one xAPIC per vCPU (Intel SDM vol. 3, ch. 10 / 11,
 * "Advanced Programmable Interrupt Controller"), memory-mapped at the
 * APIC-base MSR's address (0xFEE00000). Each accepts interrupts from the
 * IOAPIC, from IPIs and from its own local vector table, holds them in
 * IRR/ISR by priority class and hands the highest one to its CPU through
 * the machine's interrupt seam (lapic_intc_pending / lapic_intc_ack). The
 * 8259's INTR reaches the CPU through LINT0 in ExtINT mode.
 *
 *   struct lapic a;
 *   lapic_init(&a, 1, &(struct lapic_hooks){ .notify = wake, .clock = clock_monotonic_ns, ... });
 *   lapic_mmio(&a, 0, LAPIC_TPR, &v, 4, true);        // the guest's TPR write
 *   lapic_deliver(&a, &(struct lapic_msg){ .vector = 0x30, .dest = 0 });   // from the IOAPIC
 *   if (lapic_intc_pending(&a, 0)) deliver(lapic_intc_ack(&a, 0));
 *
 * Modelled: ID, version 0x00050014 (xAPIC, six LVT entries), TPR, APR and
 * PPR, EOI (with the EOI broadcast for level-triggered vectors), LDR and
 * DFR (flat and cluster), SVR (software enable, spurious vector, focus bit
 * stored), ISR/TMR/IRR, ESR with its write-then-read semantics, the ICR
 * (fixed, lowest priority, INIT, start-up; physical and logical
 * destinations; the shorthands), the six LVT entries and the timer
 * (one-shot and periodic, the divide configuration) counting at
 * LAPIC_BUS_HZ in real time, the APIC-base MSR (global disable).
 *
 * Choices where the manuals leave room, and what is not modelled:
 * - Reset state is what SeaBIOS leaves a multiboot kernel, not the chip's
 *   power-up state: SVR 0x1FF (enabled, spurious vector 0xFF), LINT0 ExtINT
 *   unmasked (the 8259 goes through, "virtual wire"), LINT1 NMI unmasked,
 *   the other LVT entries masked, TPR 0, DFR flat, LDR 0.
 * - The timer's bus clock is 1 GHz (as QEMU's): the counter decrements
 *   every divide-value nanoseconds, so a guest calibrating it against PIT
 *   channel 2 measures LAPIC_BUS_HZ / divide.
 * - TSC-deadline mode is not advertised, so LVT timer bit 18 is reserved:
 *   it reads 0 and a write of mode 2 gives one-shot.
 * - Delivery is immediate: ICR and LVT delivery status always read idle.
 * - Globally disabling the APIC (MSR bit 11) puts it in its power-up state
 *   (SVR 0xFF, every LVT masked, IRR/ISR/TMR clear) and lets the 8259's
 *   INTR go straight to the CPU; re-enabling keeps that state.
 * - Moving the APIC base away from 0xFEE00000, SMI and NMI delivery (no
 *   engine has an NMI path), INIT to a CPU that exists, ExtINT messages
 *   (from the ICR or the IOAPIC) and LINT0 unmasked in a mode other than
 *   ExtINT stop the guest as unsupported, naming what. INIT and SIPI to an
 *   APIC ID nobody has are dropped, as on hardware, and counted (for a
 *   future SMP); a SIPI to a running CPU is ignored, as on hardware. The
 *   reserved delivery mode 3 (the P6's remote read) is dropped.
 * - ExtINT (LINT0) is asked after the APIC's own IRR: a deliverable APIC
 *   vector goes first. ExtINT ignores the TPR, as the SDM says.
 * - MMIO accesses come from vCPU 0 (there is one vCPU today).
 *
 * Threads and locks: one mutex for all the APICs, a leaf lock except for
 * the 8259 queries (extint hooks, order lapic -> pic). Every other hook
 * (notify, eoi, unsupported, event log) is called after it is dropped.
 */
#ifndef BT86_MONITOR_LAPIC_H
#define BT86_MONITOR_LAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evlog;

#define LAPIC_MAX_CPUS  8
#define LAPIC_BUS_HZ    1000000000ull   /* the timer's input clock: 1 ns per bus cycle */
#define LAPIC_VERSION   0x00050014u     /* max LVT entry 5, version 0x14 (xAPIC) */
#define LAPIC_MSR_BASE  0x1Bu           /* IA32_APIC_BASE */
#define LAPIC_BASE_BSP  (1u << 8)
#define LAPIC_BASE_EN   (1u << 11)      /* global enable */
#define LAPIC_BASE_MASK 0xFFFFF000u

/* Register offsets in the 4 KiB page. */
enum {
	LAPIC_ID = 0x020, LAPIC_VER = 0x030, LAPIC_TPR = 0x080, LAPIC_APR = 0x090, LAPIC_PPR = 0x0A0,
	LAPIC_EOI = 0x0B0, LAPIC_RRD = 0x0C0, LAPIC_LDR = 0x0D0, LAPIC_DFR = 0x0E0, LAPIC_SVR = 0x0F0,
	LAPIC_ISR = 0x100, LAPIC_TMR = 0x180, LAPIC_IRR = 0x200, LAPIC_ESR = 0x280,
	LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_THERMAL = 0x330, LAPIC_LVT_PERF = 0x340,
	LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360, LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_ICR = 0x380, LAPIC_TIMER_CCR = 0x390, LAPIC_TIMER_DCR = 0x3E0,
};

enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Delivery modes (ICR, LVT, IOAPIC redirection entries bits 10:8). */
enum lapic_dm {
	LAPIC_DM_FIXED = 0, LAPIC_DM_LOWEST = 1, LAPIC_DM_SMI = 2, LAPIC_DM_NMI = 4, LAPIC_DM_INIT = 5,
	LAPIC_DM_SIPI = 6, LAPIC_DM_EXTINT = 7,
};

#define LAPIC_LVT_MASKED     (1u << 16)
#define LAPIC_LVT_PERIODIC   (1u << 17)
#define LAPIC_LVT_LEVEL      (1u << 15)
#define LAPIC_SVR_ENABLE     (1u << 8)
#define LAPIC_ICR_LOGICAL    (1u << 11)
#define LAPIC_ICR_BUSY       (1u << 12)
#define LAPIC_ICR_ASSERT     (1u << 14)
#define LAPIC_ICR_LEVEL      (1u << 15)
#define LAPIC_ICR_SH_SHIFT   18
enum { LAPIC_SH_NONE, LAPIC_SH_SELF, LAPIC_SH_ALL, LAPIC_SH_OTHERS };

/* ESR bits. */
#define LAPIC_ESR_SEND_ILLEGAL 0x20u
#define LAPIC_ESR_RECV_ILLEGAL 0x40u
#define LAPIC_ESR_ILLEGAL_REG  0x80u

/* An interrupt message on the APIC bus (from the IOAPIC or an ICR). */
struct lapic_msg {
	uint8_t vector;
	uint8_t mode;          /* enum lapic_dm */
	bool logical;          /* destination mode */
	bool level;            /* trigger mode: level sets the TMR bit */
	uint8_t dest;          /* APIC ID, or logical destination; 0xFF: all */
	uint8_t shorthand;     /* LAPIC_SH_* (ICR only) */
	int from;              /* sending CPU for the shorthands, -1 for the IOAPIC */
};

struct lapic_hooks {
	void (*notify)(void *ctx);                 /* INTR may have risen for a CPU */
	bool (*extint_pending)(void *ctx);         /* the 8259's INTR */
	int (*extint_ack)(void *ctx);              /* its INTA cycle */
	void (*eoi)(void *ctx, int vector);        /* EOI of a level-triggered vector */
	void (*unsupported)(void *ctx, const char *what);
	void (*kick)(void *ctx);                   /* the timer's deadline moved */
	uint64_t (*clock)(void *ctx);              /* CLOCK_MONOTONIC ns (tests fake it) */
	void *ctx;
	struct evlog *events;                      /* may be NULL */
};

struct lapic_cpu {
	uint64_t base;             /* the APIC-base MSR */
	uint32_t id, tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending; /* visible ESR, errors since the last ESR write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];
	/* Timer: counting from base_count at base_ns, reloading icr if periodic. */
	uint32_t timer_icr, timer_dcr;
	uint64_t timer_base_ns;
	uint32_t timer_base_count; /* 0: not counting */
	uint64_t timer_fired;      /* expirations accounted since the base */
	uint64_t timer_irqs;
};

struct lapic {
	struct lapic_cpu cpu[LAPIC_MAX_CPUS];
	unsigned ncpus;
	struct lapic_hooks h;
	uint64_t ipis, inits, sipis, dropped, spurious, extints;
	uint8_t last_sipi_vector;
	pthread_mutex_t lock;
};

void lapic_init(struct lapic *a, unsigned ncpus, const struct lapic_hooks *h);
void lapic_destroy(struct lapic *a);
/* Every APIC in the reset state above; hooks stay. */
void lapic_reset(struct lapic *a);

/* A register access by vCPU cpu (off within the page). */
void lapic_mmio(struct lapic *a, unsigned cpu, uint64_t off, void *data, unsigned size, bool is_write);
/* The APIC-base MSR: 0, or -1 for #GP (reserved bits). */
int lapic_msr(struct lapic *a, unsigned cpu, uint64_t *value, bool is_write);

/* An interrupt message to whichever APICs its destination names. */
void lapic_deliver(struct lapic *a, const struct lapic_msg *msg);

/* The interrupt seam for vCPU cpu. */
bool lapic_intc_pending(struct lapic *a, unsigned cpu);
int lapic_intc_ack(struct lapic *a, unsigned cpu);
/* Is cpu's APIC globally enabled (so the 8259 is behind its LINT0)? */
bool lapic_hw_enabled(struct lapic *a, unsigned cpu);

/* The timer, for the clock thread. */
uint64_t lapic_clock_next(void *lapic);
void lapic_clock_update(void *lapic);

/* A register as the guest would read it (tests, `info lapic`). */
uint32_t lapic_read_reg(struct lapic *a, unsigned cpu, unsigned off);

/* `info lapic`: a few lines per APIC. */
void lapic_describe(struct lapic *a, char *buf, size_t len);

/* The machine's local APICs (monitor/device.h hooks; state: machine.lapic).
 * Before the PIC: the LAPIC's intc entry must come first. A CPU model
 * without an APIC gets none (nothing claimed). */
struct machine_dev;
int lapic_dev_init(struct machine_dev *d, char *err, size_t errlen);
void lapic_dev_reset(struct machine_dev *d);
void lapic_dev_destroy(struct machine_dev *d);

#endif
