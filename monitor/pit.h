/* The PC's timer: an Intel 8254 programmable interval timer at ports
 * 0x40-0x43 (three counters and the control word register), plus the timer
 * bits of system control port B (0x61): channel 2's gate (bit 0), the speaker
 * enable (bit 1) and channel 2's output (bit 5). Channel 0's output drives
 * IRQ0 of the PIC; channel 1 (DRAM refresh on old PCs) is free; channel 2
 * feeds the speaker and is what kernels use to calibrate the TSC.
 *
 * Nothing ticks: each counter remembers when it was loaded, and its value and
 * output are computed from the time a clock callback reports (nanoseconds),
 * converted to input clock pulses at PIT_HZ. A clock thread (monitor/clock.h)
 * sleeps until pit_next_event_ns() and calls pit_update(), which raises IRQ0
 * once for the rising edges of channel 0's output that are due; edges missed
 * while the host was late coalesce into one request, as the PIC's IRR bit
 * would on real hardware.
 *
 *   struct pit pit;
 *   pit_init(&pit, &pic, clock_monotonic_ns, NULL);
 *   iobus_register(&pio, PIT_BASE, PIT_PORTS, "pit", pit_io, &pit);
 *   iobus_register(&pio, PIT_PORT61, 1, "port61", pit_port61_io, &pit);
 *   clock_start(&clk, &pit, err, sizeof err);   // delivers IRQ0 from now on
 *
 * Modelled: modes 0-5 (6 and 7 alias 2 and 3), the access modes (counter latch
 * command, LSB, MSB, LSB then MSB with separate read and write flip-flops),
 * the read-back command (count and/or status, status first), count 0 = 65536
 * (10000 in BCD), BCD counting, the gate (rising edge triggers modes 1, 2, 3,
 * 5; low level stops modes 0, 2, 3, 4), the null count status bit and
 * port 0x61's refresh toggle (bit 4, every 15.085 us).
 *
 * Choices where the datasheet leaves room:
 * - A count is loaded at once when written (the chip takes one more input clock).
 * - A new count written to a running mode 2 or 3 counter takes effect at the
 *   end of the current period (the datasheet says half-period for mode 3).
 * - Counts of 1 in modes 2 and 3 (illegal) give a constant output, no IRQs.
 * - Writing a control word stops the counter until a count is written, as the
 *   datasheet says ("all control logic is reset"); a count latch or latched
 *   status survives it until read.
 * - At reset no channel counts (there is no BIOS to start the 18.2 Hz tick):
 *   a guest that wants IRQ0 programs channel 0, and the host idles until then.
 *   The channels are in mode 3 with their outputs high, so programming mode
 *   2 or 3 does not itself make an edge; programming mode 0 drives OUT low.
 * - IRQ0 sees every rise of channel 0's output as a pulse (line low then
 *   high) and every fall as a low level: rises the guest causes by
 *   reprogramming (e.g. mode 0 -> mode 2) raise IRQ0 too, as on the chip.
 * - Port 0x43 reads 0xFF (write-only register).
 *
 * Threads and locks: the pit's mutex guards all of it. The pit never holds it
 * while calling the PIC (lock order would otherwise be pit -> pic -> the
 * PIC's notify callback). The kick callback (set by the clock thread) is
 * called with the pit's lock held, so it must not call back into the pit; the
 * order is pit -> kick's lock.
 */
#ifndef BT86_MONITOR_PIT_H
#define BT86_MONITOR_PIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pic;

#define PIT_BASE       0x40        /* counters 0-2 at 0x40-0x42, control word at 0x43 */
#define PIT_PORTS      4           /* ports from PIT_BASE */
#define PIT_PORT61     0x61        /* system control port B */
#define PIT_HZ         1193182u    /* input clock, pulses per second */
#define PIT_CHANNELS   3           /* counters 0-2 */
#define PIT_IRQ        0           /* channel 0's output drives this PIC line */
#define PIT_CTRL_PORT  3           /* offset of the control word register */
#define PIT_NO_EVENT   UINT64_MAX  /* pit_next_event_ns(): no edge will come */

/* Control word (port 0x43). */
#define PIT_CW_SC_SHIFT   6      /* bits 7-6: select counter, 3 = read-back */
#define PIT_CW_SC_READBACK 3     /* SC value of the read-back command */
#define PIT_CW_RW_SHIFT   4      /* bits 5-4: access mode */
#define PIT_CW_RW_MASK    0x30   /* RW1 RW0 */
#define PIT_CW_MODE_SHIFT 1      /* bits 3-1: mode */
#define PIT_CW_MODE_MASK  0x0E   /* M2 M1 M0 */
#define PIT_CW_BCD        0x01   /* bit 0: count in 4 BCD digits */

/* Access modes (RW1 RW0). */
#define PIT_RW_LATCH 0           /* counter latch command */
#define PIT_RW_LSB   1           /* least significant byte only */
#define PIT_RW_MSB   2           /* most significant byte only */
#define PIT_RW_LOHI  3           /* LSB then MSB */

/* Counter modes. */
#define PIT_MODE_TC        0     /* interrupt on terminal count */
#define PIT_MODE_ONESHOT   1     /* hardware retriggerable one-shot */
#define PIT_MODE_RATE      2     /* rate generator */
#define PIT_MODE_SQUARE    3     /* square wave */
#define PIT_MODE_SW_STROBE 4     /* software triggered strobe */
#define PIT_MODE_HW_STROBE 5     /* hardware triggered strobe */

/* Read-back command (control word with SC = 3); 0 bits select. */
#define PIT_RB_NCOUNT   0x20     /* 0 = latch the count(s) */
#define PIT_RB_NSTATUS  0x10     /* 0 = latch the status(es) */
#define PIT_RB_CNT(n)   (0x02u << (n))  /* counter n selected */

/* Status byte (read-back). */
#define PIT_ST_OUT      0x80     /* OUT pin */
#define PIT_ST_NULL     0x40     /* null count: the last count written is not yet loaded */
#define PIT_ST_RW_SHIFT 4        /* bits 5-4: access mode */
#define PIT_ST_MODE_SHIFT 1      /* bits 3-1: mode as programmed */
#define PIT_ST_BCD      0x01     /* counting in BCD */

/* Port 0x61 bits. */
#define PIT_P61_GATE2   0x01     /* channel 2 gate (read/write) */
#define PIT_P61_SPKR    0x02     /* speaker data enable (read/write; no sound) */
#define PIT_P61_REFRESH 0x10     /* refresh request toggle (read-only) */
#define PIT_P61_OUT2    0x20     /* channel 2 output (read-only) */
#define PIT_REFRESH_NS  15085    /* refresh toggle half-period */

/* Time source: the current time in nanoseconds (monotonic). */
typedef uint64_t pit_clock_fn(void *opaque);

/* Called with the pit's lock held when channel 0 was reprogrammed. */
typedef void pit_kick_fn(void *opaque);
/* Where channel 0's output goes instead of a PIC (the machine's ISA line 0,
 * which fans out to the 8259 and the IOAPIC). */
typedef void pit_line_fn(void *opaque, int level);

enum pit_state {
	PIT_IDLE,           /* no count since the control word: not counting */
	PIT_WAIT_TRIGGER,   /* modes 1, 5: count loaded, waiting for a gate rising edge */
	PIT_RUNNING         /* counting from `count` since tick `start` */
};

struct pit_channel {
	uint8_t cw_mode;        /* mode bits as programmed (0-7), for the status byte */
	uint8_t mode;           /* effective mode 0-5 */
	uint8_t access;         /* PIT_RW_LSB / MSB / LOHI */
	bool bcd;
	bool gate;
	enum pit_state state;
	uint32_t count;         /* initial count N: 1..65536 (1..10000 in BCD) */
	uint64_t start;         /* input clock tick at which N was loaded */
	bool paused;            /* gate low stopped counting (modes 0, 2, 3, 4) */
	uint64_t paused_k;      /* ticks counted when it stopped */
	bool pending;           /* a count written that is not yet loaded */
	uint32_t pending_count;
	uint64_t pending_at;    /* tick it loads (UINT64_MAX: at the next trigger) */
	uint32_t hold;          /* counter value while not counting */
	bool hold_out;          /* output while idle */
	/* Bus interface. */
	bool wr_msb;            /* write flip-flop: next byte is the MSB */
	uint8_t wr_lsb;         /* LSB written, waiting for the MSB */
	bool rd_msb;            /* read flip-flop (unlatched reads) */
	uint8_t latch_left;     /* latched count bytes still to read */
	bool latch_msb;         /* the next latched byte is the MSB */
	uint16_t latch;         /* latched count, as read (BCD if counting in BCD) */
	bool status_latched;
	uint8_t status;
};

struct pit {
	struct pit_channel ch[PIT_CHANNELS];
	uint8_t port61;         /* port 0x61 as last written */
	struct pic *pic;        /* may be NULL: no IRQ0 */
	pit_line_fn *line;      /* if set, IRQ0 goes here instead of pic */
	void *line_opaque;
	pit_clock_fn *clock;
	void *clock_opaque;
	pit_kick_fn *kick;
	void *kick_opaque;
	uint64_t last_tick;     /* channel 0's edges are accounted up to this tick */
	bool irq_out;           /* channel 0's output as last passed on to IRQ0 */
	uint64_t edges;         /* rising edges of channel 0's output */
	uint64_t irqs;          /* IRQ0 requests raised (edges after coalescing) */
	pthread_mutex_t lock;
};

void pit_init(struct pit *t, struct pic *pic, pit_clock_fn *clock_fn, void *clock_opaque);
void pit_destroy(struct pit *t);
/* Every channel and port 0x61 back in the reset state (above), counts zero;
 * the PIC, clock and kick callback stay, and the kick is told (channel 0 no
 * longer counts). */
void pit_reset(struct pit *t);

/* Register (or, with fn NULL, remove) the callback told when channel 0 is
 * reprogrammed; once this returns the old callback is no longer running. */
void pit_set_kick(struct pit *t, pit_kick_fn *fn, void *opaque);
/* Send IRQ0 to fn instead of the PIC given to pit_init (before the clock runs). */
void pit_set_line(struct pit *t, pit_line_fn *fn, void *opaque);

/* Raise IRQ0 (once) if channel 0's output had rising edges since the last
 * update, and bring the IRQ0 line to the output's current level. */
void pit_update(struct pit *t);

/* When channel 0's next rising edge is due (clock time, ns; it may be in the
 * past if pit_update is late), or PIT_NO_EVENT. */
uint64_t pit_next_event_ns(struct pit *t);
/* The two as clock-thread callbacks (monitor/clock.h), opaque the pit. */
uint64_t pit_clock_next(void *pit);
void pit_clock_update(void *pit);

/* io_fn handlers: counters and control word (off 0-3), and port 0x61 (off 0). */
void pit_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void pit_port61_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* A few lines for a debugger's "info pit". */
void pit_describe(struct pit *t, char *buf, size_t len);

/* The machine's 8254 with port 0x61 and the clock thread that drives it
 * (monitor/device.h hooks; state: machine.pit, IRQ 0). After the PIC. */
struct machine_dev;
int pit_dev_init(struct machine_dev *d, char *err, size_t errlen);
void pit_dev_reset(struct machine_dev *d);
void pit_dev_destroy(struct machine_dev *d);

#endif
