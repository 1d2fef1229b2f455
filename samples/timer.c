/* timer.c — the PC's interrupt hardware: two 8259A PICs and the 8254 PIT.
 *
 * The sample initialises the PIC pair (ICW1-4: vectors 0x20-0x27 and
 * 0x28-0x2F, slave on IRQ2, 8086 mode), unmasks IRQ0 only, programs PIT
 * channel 0 as a rate generator (mode 2) at 100 Hz and waits in
 * `sti; hlt` until `ticks=N` (default 10) timer interrupts have arrived.
 * The IRQ0 handler, reached through an interrupt gate, counts ticks and
 * sends the PIC an EOI. The sample checks that every return from HLT came
 * with exactly one new tick, then masks the timer and reads channel 0's
 * counter back with latch commands.
 *
 * Nothing time-dependent is printed — only facts: how many ticks, whether
 * each woke the HLT, whether the counter readbacks were in range and moved.
 * A VMM needs a PIC, a PIT and interrupt delivery into the guest's IDT
 * (with HLT waiting for the next interrupt) to print the same lines.
 */
#include "rt.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xA0
#define PIC2_DATA  0xA1
#define ICW1_INIT  0x10         /* start initialisation */
#define ICW1_ICW4  0x01         /* ICW4 follows */
#define ICW3_MASTER_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID 0x02      /* the slave's cascade identity */
#define ICW4_8086  0x01
#define OCW3_READ_ISR 0x0B
#define OCW2_EOI   0x20         /* non-specific end of interrupt */
#define PIC1_VECTOR 0x20
#define PIC2_VECTOR 0x28
#define IMR_IRQ0_ONLY 0xFE
#define IMR_ALL    0xFF

#define PIT_CH0    0x40
#define PIT_CMD    0x43
#define PIT_CH0_LOHI_MODE2 0x34 /* channel 0, lobyte/hibyte, mode 2, binary */
#define PIT_CH0_LATCH 0x00      /* counter latch command for channel 0 */
#define PIT_HZ     1193182
#define TIMER_HZ   100
#define PIT_DIVISOR ((PIT_HZ + TIMER_HZ / 2) / TIMER_HZ)  /* 11932 */
#define PIT_PER_MS  (PIT_HZ / 1000)  /* input clocks per millisecond */
#define READBACKS  5
#define SPIN_LIMIT 10000000     /* polls before giving up on the counter */

#define EFLAGS_IF (1u << 9)

static volatile unsigned ticks;
static volatile unsigned bad_vector, if_in_handler;

static void on_timer(struct rt_trap_frame *f)
{
	uint32_t fl;

	__asm__ volatile("pushfl; popl %0" : "=r"(fl));
	if (fl & EFLAGS_IF)
		if_in_handler++;
	if (f->vector != PIC1_VECTOR)
		bad_vector++;
	ticks++;
	outb(PIC1_CMD, OCW2_EOI);
}

static void pic_init(void)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC1_DATA, PIC1_VECTOR);                   /* ICW2 */
	outb(PIC2_DATA, PIC2_VECTOR);
	outb(PIC1_DATA, ICW3_MASTER_SLAVE_ON_IRQ2);     /* ICW3 */
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	outb(PIC1_DATA, ICW4_8086);                     /* ICW4 */
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, IMR_IRQ0_ONLY);                 /* OCW1 */
	outb(PIC2_DATA, IMR_ALL);
}

static void pit_init(void)
{
	outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, PIT_DIVISOR & 0xFF);
	outb(PIT_CH0, PIT_DIVISOR >> 8);
}

static unsigned pit_read(void)
{
	outb(PIT_CMD, PIT_CH0_LATCH);
	unsigned lo = inb(PIT_CH0);
	unsigned hi = inb(PIT_CH0);
	return hi << 8 | lo;
}

static bool in_range(unsigned c)
{
	return c >= 1 && c <= PIT_DIVISOR;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

int sample_main(void)
{
	unsigned want = rt_arg_uint("ticks", 10);
	unsigned wakes = 0, idle_wakes = 0, multi_wakes = 0, backwards = 0;

	rt_set_trap_handler(PIC1_VECTOR, on_timer, 0);
	pic_init();
	pit_init();
	rt_printf("timer: PIC vectors 0x%02x/0x%02x, IMR 0x%02x/0x%02x, "
		  "PIT channel 0 mode 2 divisor %u (%u Hz)\n",
		  PIC1_VECTOR, PIC2_VECTOR, inb(PIC1_DATA), inb(PIC2_DATA),
		  PIT_DIVISOR, TIMER_HZ);

	while (ticks < want) {
		unsigned before = ticks;
		/* STI's one-instruction shadow: no interrupt before HLT. */
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		unsigned after = ticks;
		wakes++;
		if (after < before)
			backwards++;
		else if (after == before)
			idle_wakes++;
		else if (after - before > 1)
			multi_wakes++;
	}
	outb(PIC1_DATA, IMR_ALL);       /* mask the timer again */
	outb(PIC1_CMD, OCW3_READ_ISR);
	unsigned isr = inb(PIC1_CMD);

	if (wakes == ticks && !idle_wakes && !multi_wakes && !backwards)
		rt_printf("timer: %u ticks, each woke the hlt\n", ticks);
	else
		rt_printf("timer: %u ticks, %u hlt wake-ups: %u without a tick, "
			  "%u with several, count went backwards %u times\n",
			  ticks, wakes, idle_wakes, multi_wakes, backwards);
	rt_printf("timer: vector 0x%02x every time: %s, IF=0 in the handler: "
		  "%s, ISR after the last EOI: 0x%02x\n", PIC1_VECTOR,
		  yes_no(!bad_vector), yes_no(!if_in_handler), isr);

	/* The counter keeps running with IRQ0 masked. */
	bool all_in_range = true;
	for (int i = 0; i < READBACKS; i++)
		all_in_range &= in_range(pit_read());
	rt_printf("timer: %d latched reads of channel 0 in 1..%u: %s\n",
		  READBACKS, PIT_DIVISOR, yes_no(all_in_range));

	/* Spin until the counter itself says 1 ms has passed (bounded, in
	 * case it does not move), then compare. */
	unsigned first = pit_read(), prev = first, elapsed = 0;
	for (long n = 0; n < SPIN_LIMIT && elapsed < PIT_PER_MS; n++) {
		unsigned cur = pit_read();
		if (!in_range(cur))
			break;
		/* Mode 2 counts down to 1, then reloads the divisor. */
		elapsed += cur <= prev ? prev - cur : prev + PIT_DIVISOR - cur;
		prev = cur;
	}
	unsigned last = pit_read();
	rt_printf("timer: two latched reads 1 ms apart differ: %s\n",
		  yes_no(last != first && elapsed >= PIT_PER_MS));
	return 0;
}
