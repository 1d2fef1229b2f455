/* selfipi.c — interprocessor interrupts sent by the one CPU to itself.
 *
 * With the 8259s masked and the APIC software-enabled, the sample sends
 * fixed IPIs through the ICR and checks what the SDM says: the delivery
 * status goes idle, a vector sent with IF=0 waits in the IRR, is delivered
 * after STI with its ISR bit set and PPR at its class inside the handler;
 * several pending vectors arrive highest class first; the TPR holds back a
 * class until it is lowered; an EOI clears the ISR bit. Destinations: the
 * shorthands self, all including self and all excluding self, a physical
 * destination of its own APIC ID and of another one, a flat logical
 * destination. INIT and SIPI to an APIC ID nobody has are dropped.
 * With `nmi` on the command line it ends with an NMI to itself, with
 * `relocate` it moves the APIC base (both stop bt86 as unsupported).
 */
#include "rt.h"

#define APIC_BASE  0xFEE00000u
#define APIC_ID    0x020
#define APIC_TPR   0x080
#define APIC_PPR   0x0A0
#define APIC_EOI   0x0B0
#define APIC_LDR   0x0D0
#define APIC_DFR   0x0E0
#define APIC_SVR   0x0F0
#define APIC_ISR   0x100
#define APIC_IRR   0x200
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_BUSY   (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LOGICAL (1u << 11)
#define ICR_SELF   (1u << 18)
#define ICR_ALL    (2u << 18)
#define ICR_OTHERS (3u << 18)
#define ICR_INIT   (5u << 8)
#define ICR_SIPI   (6u << 8)

static volatile unsigned order[16], norder, isr_seen, ppr_seen;

static inline uint32_t apic_rd(unsigned reg) { return *(volatile uint32_t *)(APIC_BASE + reg); }
static inline void apic_wr(unsigned reg, uint32_t v) { *(volatile uint32_t *)(APIC_BASE + reg) = v; }

static bool vbit(unsigned base, unsigned v)
{
	return (apic_rd(base + 0x10 * (v >> 5)) >> (v & 31)) & 1;
}

static void on_ipi(struct rt_trap_frame *f)
{
	if (norder < 16)
		order[norder] = f->vector;
	norder++;
	isr_seen = vbit(APIC_ISR, f->vector);
	ppr_seen = apic_rd(APIC_PPR);
	apic_wr(APIC_EOI, 0);
}

static bool send(uint32_t dest, uint32_t lo)
{
	apic_wr(APIC_ICR_HI, dest << 24);
	apic_wr(APIC_ICR_LO, lo);
	for (unsigned n = 0; n < 1000000; n++)
		if (!(apic_rd(APIC_ICR_LO) & ICR_BUSY))
			return true;
	return false;
}

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

/* Send with IF=0; then open a window and say how many arrived. */
static unsigned deliver(uint32_t dest, uint32_t lo)
{
	norder = 0;
	send(dest, lo);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	return norder;
}

static void print_order(const char *what)
{
	rt_printf("selfipi: %s:", what);
	for (unsigned i = 0; i < norder && i < 16; i++)
		rt_printf(" 0x%02x", order[i]);
	rt_printf("\n");
}

int sample_main(void)
{
	static const uint8_t vectors[] = { 0x50, 0x60, 0x90, 0x31, 0x70 };
	for (unsigned i = 0; i < sizeof vectors; i++)
		rt_set_trap_handler(vectors[i], on_ipi, 0);
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	apic_wr(APIC_SVR, 0x1FF);
	apic_wr(APIC_TPR, 0);
	uint32_t me = apic_rd(APIC_ID) >> 24;

	/* One self-IPI, held by IF=0. */
	norder = 0;
	bool idle = send(0, ICR_ASSERT | ICR_SELF | 0x50);
	bool held = vbit(APIC_IRR, 0x50) && norder == 0;
	__asm__ volatile("sti; nop; cli" ::: "memory");
	rt_printf("selfipi: delivery status idle: %s, waited in IRR with IF=0: %s\n", yes_no(idle), yes_no(held));
	rt_printf("selfipi: delivered after sti: %s, ISR bit set in the handler: %s, PPR there 0x%02x\n",
		  yes_no(norder == 1 && order[0] == 0x50), yes_no(isr_seen), ppr_seen);
	rt_printf("selfipi: IRR and ISR clear after the EOI: %s\n",
		  yes_no(!vbit(APIC_IRR, 0x50) && !vbit(APIC_ISR, 0x50)));

	/* Priority: three pending, TPR 0x40 holds the class-3 one. */
	norder = 0;
	apic_wr(APIC_TPR, 0x40);
	send(0, ICR_ASSERT | ICR_SELF | 0x60);
	send(0, ICR_ASSERT | ICR_SELF | 0x31);
	send(0, ICR_ASSERT | ICR_SELF | 0x90);
	__asm__ volatile("sti; nop; nop; nop; cli" ::: "memory");
	print_order("three pending, TPR 0x40, delivered");
	bool still = vbit(APIC_IRR, 0x31);
	norder = 0;
	apic_wr(APIC_TPR, 0);
	__asm__ volatile("sti; nop; cli" ::: "memory");
	rt_printf("selfipi: 0x31 held by the TPR: %s, delivered once it was lowered: %s\n", yes_no(still),
		  yes_no(norder == 1 && order[0] == 0x31));

	/* Destinations. */
	rt_printf("selfipi: all including self: %u, all excluding self: %u\n", deliver(0, ICR_ASSERT | ICR_ALL | 0x70),
		  deliver(0, ICR_ASSERT | ICR_OTHERS | 0x70));
	rt_printf("selfipi: physical to my APIC ID: %u, to APIC ID %u: %u\n", deliver(me, ICR_ASSERT | 0x70),
		  (me + 5) & 0xF, deliver((me + 5) & 0xF, ICR_ASSERT | 0x70));
	apic_wr(APIC_DFR, 0xFFFFFFFFu);
	apic_wr(APIC_LDR, 0x04000000u);
	rt_printf("selfipi: logical flat 0x04 (mine): %u, 0x08: %u\n", deliver(0x04, ICR_ASSERT | ICR_LOGICAL | 0x70),
		  deliver(0x08, ICR_ASSERT | ICR_LOGICAL | 0x70));

	/* INIT and SIPI to nobody: dropped, and the ICR goes idle. */
	bool init = send(0x0E, ICR_ASSERT | ICR_INIT);
	bool sipi = send(0x0E, ICR_ASSERT | ICR_SIPI | 0x10);
	rt_printf("selfipi: INIT and SIPI to APIC ID 14 dropped, ICR idle: %s\n", yes_no(init && sipi));
	/* `nmi`: an NMI to itself, which bt86 does not deliver (it stops, saying so). */
	if (rt_has_flag("nmi"))
		send(0, ICR_ASSERT | ICR_SELF | (4u << 8));
	/* `relocate`: move the APIC's page, which bt86 does not model (it stops). */
	if (rt_has_flag("relocate"))
		__asm__ volatile("wrmsr" : : "c"(0x1B), "a"(0xFED00900u), "d"(0));
	return 0;
}
