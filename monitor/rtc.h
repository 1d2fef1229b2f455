/* The PC's real-time clock and CMOS RAM: a Motorola MC146818A at ports 0x70
 * (index; bit 7 disables NMI) and 0x71 (data), on ISA IRQ 8.
 *
 * The 128 bytes are registers 0x00-0x0D of the chip and CMOS memory after
 * them. Time registers (0-9, and the century at 0x32) are not stored while
 * the clock runs: they are computed from a count of seconds (the guest's
 * time, standard time, Unix epoch) fixed at one update instant of the
 * divider chain, plus the updates since then, so reads are exact without a
 * ticking thread. Everything the chip times (the update cycle once a second,
 * the periodic rate) is on one 32.768 kHz divider chain whose phase is that
 * update instant, so periodic interrupts and updates stay in step as on the
 * chip. Flags (register C) are accounted lazily up to the current time at
 * every access, and the clock thread (monitor/clock.h) is asked to wake only
 * when an enabled interrupt can become pending (no polling): rtc_next_event_ns
 * returns CLOCK_NO_EVENT while every enabled source has its flag set already.
 *
 *   struct rtc r;
 *   rtc_init(&r, clock_monotonic_ns, NULL, time(NULL), 64 << 20);
 *   rtc_set_line(&r, irq8, m);
 *   uint8_t v = RTC_REG_B;  rtc_io(&r, 0, &v, 1, true);   // select register B
 *   rtc_io(&r, 1, &v, 1, false);                          // read it
 *
 * Modelled after the datasheet: BCD or binary (B.DM) and 12 or 24 hour (B.24/12)
 * formats, the SET bit (stops updates; the time written while it is set is
 * taken when it clears; setting it clears UIE and UIP), UIP (set for the
 * 244 us before each update), the divider bits (only 010, the 32.768 kHz time
 * base, runs; 11x holds the chain in reset and the first update comes 500 ms
 * after release), the periodic rate (RS), the alarm with "don't care" values
 * (0xC0-0xFF), the update-ended interrupt, IRQF/PF/AF/UF (reading C clears
 * them and lowers IRQ 8), VRT = 1 in register D, daylight saving (B.DSE: the
 * chip's rule, last Sunday of April and of October). The PC's CMOS bytes are
 * filled in at init (see rtc_cmos_defaults).
 *
 * Choices where the datasheet leaves room:
 * - The update cycle itself takes no time: the registers change at the update
 *   instant, when UF is set and the alarm compared.
 * - Changing DM or 24/12 shows the same time in the new format (the chip would
 *   go on counting the old bytes wrongly; the datasheet says to set the time
 *   again after a change).
 * - Values the datasheet calls undefined (month 13, hour 25) are clamped when
 *   taken as the time; the day of week counts on from what was written.
 * - The time starts from the host's clock (UTC, as QEMU's default) at init.
 *
 * Threads: a mutex guards it; the line callback is called without it, every
 * rise as a pulse (0 then 1) so an edge-triggered PIC never misses one.
 */
#ifndef BT86_MONITOR_RTC_H
#define BT86_MONITOR_RTC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTC_BASE      0x70
#define RTC_PORTS     2
#define RTC_IRQ       8
#define RTC_CMOS_SIZE 128

/* Registers. */
#define RTC_SECONDS   0x00
#define RTC_SEC_ALARM 0x01
#define RTC_MINUTES   0x02
#define RTC_MIN_ALARM 0x03
#define RTC_HOURS     0x04
#define RTC_HOUR_ALARM 0x05
#define RTC_DOW       0x06   /* 1-7, Sunday = 1 */
#define RTC_DAY       0x07
#define RTC_MONTH     0x08
#define RTC_YEAR      0x09
#define RTC_REG_A     0x0A
#define RTC_REG_B     0x0B
#define RTC_REG_C     0x0C
#define RTC_REG_D     0x0D

#define RTC_A_UIP     0x80
#define RTC_A_DV_MASK 0x70
#define RTC_A_DV_32K  0x20   /* DV = 010: 32.768 kHz time base, running */
#define RTC_A_RS_MASK 0x0F

#define RTC_B_SET     0x80
#define RTC_B_PIE     0x40
#define RTC_B_AIE     0x20
#define RTC_B_UIE     0x10
#define RTC_B_SQWE    0x08
#define RTC_B_DM      0x04   /* 1: binary, 0: BCD */
#define RTC_B_24H     0x02
#define RTC_B_DSE     0x01

#define RTC_C_IRQF    0x80
#define RTC_C_PF      0x40
#define RTC_C_AF      0x20
#define RTC_C_UF      0x10

#define RTC_D_VRT     0x80

#define RTC_ALARM_DONT_CARE 0xC0   /* an alarm byte >= this matches any value */

/* The PC's CMOS memory. */
#define RTC_SHUTDOWN  0x0F
#define RTC_FLOPPY    0x10
#define RTC_DISK      0x12
#define RTC_EQUIPMENT 0x14
#define RTC_BASEMEM   0x15   /* 0x15 low, 0x16 high: KiB below 1 MiB */
#define RTC_EXTMEM    0x17   /* 0x17/0x18: KiB above 1 MiB (capped at 0xFFFF) */
#define RTC_CKSUM_HI  0x2E   /* sum of 0x10-0x2D */
#define RTC_CKSUM_LO  0x2F
#define RTC_EXTMEM2   0x30   /* 0x30/0x31: the same as 0x17/0x18 */
#define RTC_CENTURY   0x32
#define RTC_MEM16M    0x34   /* 0x34/0x35: 64 KiB units above 16 MiB (SeaBIOS) */
#define RTC_MEM4G     0x5B   /* 0x5B-0x5D: 64 KiB units above 4 GiB */

#define RTC_NSEC_PER_SEC 1000000000ull
#define RTC_XTAL_HZ      32768u         /* the time base */
#define RTC_UIP_TICKS    8u             /* 244 us of the time base: UIP before an update */
#define RTC_NO_EVENT     UINT64_MAX

typedef uint64_t rtc_clock_fn(void *opaque);      /* monotonic nanoseconds */
typedef void rtc_line_fn(void *opaque, int level);  /* IRQ 8 */
typedef void rtc_kick_fn(void *opaque);           /* called with the lock held */

struct rtc {
	pthread_mutex_t lock;
	rtc_clock_fn *clock;
	void *clock_opaque;
	rtc_line_fn *line;
	void *line_opaque;
	rtc_kick_fn *kick;
	void *kick_opaque;
	uint8_t ram[RTC_CMOS_SIZE];   /* the bytes; time bytes only while held */
	uint8_t index;                /* the register port 0x71 reaches */
	bool nmi_disabled;            /* bit 7 of the last index write */
	bool running;                 /* DV = 010: the divider chain counts */
	int64_t base;                 /* the time (standard, s) just before the update at phase */
	uint64_t phase;               /* monotonic ns of an update instant of the chain */
	int dow_adj;                  /* register 6 minus the day of week of the date (mod 7) */
	uint64_t last;                /* flags are accounted up to this time */
	bool irq_out;                 /* the level IRQ 8 was last driven to */
	/* Counters, for info rtc and the event log. */
	uint64_t periodic, updates, alarms, irqs, time_sets;
};

void rtc_init(struct rtc *r, rtc_clock_fn *clock, void *clock_opaque, int64_t unix_time, uint64_t ram_size);
void rtc_destroy(struct rtc *r);
/* The RESET pin: PIE AIE UIE SQWE and the flags clear, IRQ 8 drops; the time
 * and the CMOS memory are battery-backed and stay. */
void rtc_reset(struct rtc *r);
void rtc_set_line(struct rtc *r, rtc_line_fn *fn, void *opaque);
void rtc_set_kick(struct rtc *r, rtc_kick_fn *fn, void *opaque);

/* The io_fn for ports 0x70-0x71 (off 0: index, 1: data). */
void rtc_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* The clock thread's client: when the next interrupt can become pending
 * (RTC_NO_EVENT: none), and account what is due. */
uint64_t rtc_next_event_ns(struct rtc *r);
void rtc_update(struct rtc *r);
uint64_t rtc_clock_next(void *rtc);
void rtc_clock_update(void *rtc);

/* Configuration of a CMOS byte by the machine (a disk type): the checksum
 * over 0x10-0x2D follows. */
void rtc_cmos_set(struct rtc *r, unsigned index, uint8_t v);
/* The guest's time now, in Unix seconds (standard time). */
int64_t rtc_time(struct rtc *r);
/* Whether the last index write disabled NMI. */
bool rtc_nmi_disabled(struct rtc *r);

/* A few lines for info rtc. */
void rtc_describe(struct rtc *r, char *buf, size_t len);

/* The machine's RTC (monitor/device.h hooks); its state is a struct rtc. */
struct machine_dev;
int rtc_dev_init(struct machine_dev *d, char *err, size_t errlen);
void rtc_dev_reset(struct machine_dev *d);
void rtc_dev_destroy(struct machine_dev *d);

#endif
