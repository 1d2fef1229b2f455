/* ioapicroute.c — ISA interrupts through the IOAPIC, with the 8259s masked.
 *
 * The sample reads the IOAPIC's registers (24 redirection entries, all
 * masked), routes the PIT's IRQ0 — wired to input pin 2, as the firmware
 * tables' interrupt source override says — to vector 0x48 edge-triggered
 * for its own APIC ID, runs PIT channel 0 at 100 Hz and counts `ticks=N`
 * (default 5) interrupts in `sti; hlt`, each ended with a local APIC EOI.
 * Masking the entry stops them. Then COM1's IRQ 4 (pin 4), level-triggered
 * on vector 0x49, with the UART's transmitter-empty interrupt: one
 * interrupt, remote IRR set until the EOI, clear after it.
 */
#include "rt.h"

#define APIC_BASE  0xFEE00000u
#define APIC_ID    0x020
#define APIC_EOI   0x0B0
#define APIC_SVR   0x0F0
#define IOAPIC_BASE 0xFEC00000u
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL  (1u << 15)
#define RTE_REMOTE (1u << 14)
#define PIT_VECTOR 0x48
#define COM_VECTOR 0x49
#define PIT_PIN    2
#define COM_PIN    4
#define COM1       0x3F8
#define PIT_DIVISOR 11932   /* 100 Hz */

static volatile unsigned ticks, com_irqs, bad, remote_in_handler;

static inline uint32_t apic_rd(unsigned reg) { return *(volatile uint32_t *)(APIC_BASE + reg); }
static inline void apic_wr(unsigned reg, uint32_t v) { *(volatile uint32_t *)(APIC_BASE + reg) = v; }

static uint32_t io_rd(unsigned index)
{
	*(volatile uint32_t *)IOAPIC_BASE = index;
	return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

static void io_wr(unsigned index, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_BASE = index;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static void route(unsigned pin, uint32_t lo, uint32_t dest)
{
	io_wr(0x11 + 2 * pin, dest << 24);
	io_wr(0x10 + 2 * pin, lo);
}

static void on_pit(struct rt_trap_frame *f)
{
	bad += f->vector != PIT_VECTOR;
	ticks++;
	apic_wr(APIC_EOI, 0);
}

static void on_com(struct rt_trap_frame *f)
{
	(void)f;
	com_irqs++;
	inb(COM1 + 2);                                   /* IIR: acknowledges THR empty */
	remote_in_handler = io_rd(0x10 + 2 * COM_PIN) & RTE_REMOTE;
	apic_wr(APIC_EOI, 0);
}

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

int sample_main(void)
{
	unsigned want = rt_arg_uint("ticks", 5);
	outb(0x21, 0xFF);                                /* the 8259s stay out of it */
	outb(0xA1, 0xFF);
	apic_wr(APIC_SVR, 0x1FF);
	uint32_t me = apic_rd(APIC_ID) >> 24;
	rt_set_trap_handler(PIT_VECTOR, on_pit, 0);
	rt_set_trap_handler(COM_VECTOR, on_com, 0);

	uint32_t ver = io_rd(0x01);
	bool masked = true;
	unsigned pins = ((ver >> 16) & 0xFF) + 1;
	for (unsigned p = 0; p < pins; p++)
		masked &= (io_rd(0x10 + 2 * p) & RTE_MASKED) != 0 || p == PIT_PIN || p == COM_PIN;
	rt_printf("ioapicroute: %u redirection entries, the unused ones masked: %s\n", pins, yes_no(masked));

	/* PIT IRQ0 -> pin 2 -> vector 0x48, edge, physical destination me. */
	route(PIT_PIN, PIT_VECTOR, me);
	rt_printf("ioapicroute: pin 2 = 0x%08x:%08x\n", io_rd(0x11 + 2 * PIT_PIN), io_rd(0x10 + 2 * PIT_PIN));
	outb(0x43, 0x34);
	outb(0x40, PIT_DIVISOR & 0xFF);
	outb(0x40, PIT_DIVISOR >> 8);
	unsigned wakes = 0;
	while (ticks < want) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		wakes++;
	}
	route(PIT_PIN, RTE_MASKED | PIT_VECTOR, me);
	unsigned at_mask = ticks;
	for (unsigned n = 0; n < 30000; n++)             /* ~30 ms of port reads with IF=1 */
		__asm__ volatile("sti; inb $0x61, %%al; cli" ::: "eax", "memory");
	outb(0x43, 0x30);                                /* channel 0 back to one-shot mode 0 */
	rt_printf("ioapicroute: PIT through pin 2: %u ticks on vector 0x%02x only: %s, each woke the hlt: %s\n",
		  ticks, PIT_VECTOR, yes_no(!bad), yes_no(wakes == ticks));
	rt_printf("ioapicroute: none after masking pin 2: %s\n", yes_no(ticks == at_mask));

	/* COM1 IRQ 4 -> pin 4, level, vector 0x49: the THR-empty interrupt. */
	route(COM_PIN, RTE_LEVEL | COM_VECTOR, me);
	outb(COM1 + 4, (uint8_t)(inb(COM1 + 4) | 0x08)); /* MCR.OUT2 gates IRQ 4 */
	outb(COM1 + 1, 0x02);                            /* IER: THR empty */
	__asm__ volatile("sti; nop; nop; nop; cli" ::: "memory");
	outb(COM1 + 1, 0x00);
	uint32_t after = io_rd(0x10 + 2 * COM_PIN);
	route(COM_PIN, RTE_MASKED | RTE_LEVEL | COM_VECTOR, me);
	rt_printf("ioapicroute: COM1 through pin 4 (level): %u interrupt(s), remote IRR in the handler: %s, "
		  "after the EOI: %s\n", com_irqs, yes_no(remote_in_handler), yes_no(after & RTE_REMOTE));
	return 0;
}
