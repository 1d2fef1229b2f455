/* The MC146818A real-time clock and CMOS RAM (see rtc.h). Times are in ticks
 * of the 32.768 kHz time base counted from `phase`, an update instant: the
 * updates are at ticks 0, 32768, 65536... and periodic edges at multiples of
 * the rate's period, so both follow one divider chain. Functions named
 * rtc_* with a struct rtc and no lock taking are called with the lock held.
 */
#include "monitor/rtc.h"
#include "monitor/rtc_calendar.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RTC_UPDATE_TICKS RTC_XTAL_HZ          /* one update a second */
#define RTC_RELEASE_NS   500000000ull         /* divider reset released: first update */
#define RTC_DAY_SECS     86400   /* a day of updates covers every alarm time */
#define RTC_OPEN_BUS     0xFF                 /* port 0x70 is write-only */

/* What to do to IRQ 8 once the lock is dropped. */
struct rtc_irq {
	bool pulse, lower;
};

static bool rtc_binary(const struct rtc *r)
{
	return r->ram[RTC_REG_B] & RTC_B_DM;
}

static uint8_t rtc_enc(const struct rtc *r, int v)
{
	return rtc_binary(r) ? (uint8_t)v : (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

static int rtc_dec(const struct rtc *r, uint8_t v)
{
	return rtc_binary(r) ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t rtc_enc_hour(const struct rtc *r, int h)
{
	if (r->ram[RTC_REG_B] & RTC_B_24H)
		return rtc_enc(r, h);
	int h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(rtc_enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int rtc_dec_hour(const struct rtc *r, uint8_t v)
{
	if (r->ram[RTC_REG_B] & RTC_B_24H)
		return rtc_dec(r, v);
	return rtc_dec(r, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

static int rtc_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static bool rtc_is_time_reg(unsigned i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS || (i >= RTC_DOW && i <= RTC_YEAR) ||
	       i == RTC_CENTURY;
}

/* Ticks of the time base from phase to ns (negative before it). */
static int64_t rtc_ticks(const struct rtc *r, uint64_t ns)
{
	__int128 d = (int64_t)(ns - r->phase);
	__int128 t = d * RTC_XTAL_HZ;
	__int128 q = t / (__int128)RTC_NSEC_PER_SEC;
	if (t % (__int128)RTC_NSEC_PER_SEC != 0 && t < 0)
		q--;
	return (int64_t)q;
}

/* The first nanosecond at which rtc_ticks reaches tick. */
static uint64_t rtc_tick_ns(const struct rtc *r, int64_t tick)
{
	__int128 t = (__int128)tick * (__int128)RTC_NSEC_PER_SEC;
	__int128 q = t / RTC_XTAL_HZ;
	if (t % RTC_XTAL_HZ != 0 && t > 0)
		q++;
	return r->phase + (uint64_t)(int64_t)q;
}

/* Updates of the chain from phase up to ns. */
static int64_t rtc_nupdates(const struct rtc *r, uint64_t ns)
{
	if (!r->running)
		return 0;
	int64_t t = rtc_ticks(r, ns);
	return t < 0 ? 0 : t / RTC_UPDATE_TICKS + 1;
}

/* The period of rate select rs in ticks (0: off); 1 and 2 are 8 and 9 again
 * on the 32.768 kHz time base. */
static int64_t rtc_period_ticks(unsigned rs)
{
	if (rs == 0)
		return 0;
	if (rs < 3)
		rs += 7;
	return (int64_t)1 << (rs - 1);
}

/* The time the divider chain holds at ns (standard time). */
static int64_t rtc_std(const struct rtc *r, uint64_t ns)
{
	return r->base + rtc_nupdates(r, ns);
}

static int64_t rtc_display(const struct rtc *r, int64_t std)
{
	return (r->ram[RTC_REG_B] & RTC_B_DSE) && rtc_cal_dst(std) ? std + 3600 : std;
}

/* Write the time bytes for displayed time disp in the current format. */
static void rtc_fill_time(struct rtc *r, int64_t disp)
{
	struct rtc_tm t;
	rtc_cal_tm_of(disp, &t);
	r->ram[RTC_SECONDS] = rtc_enc(r, t.sec);
	r->ram[RTC_MINUTES] = rtc_enc(r, t.min);
	r->ram[RTC_HOURS] = rtc_enc_hour(r, t.hour);
	r->ram[RTC_DOW] = (uint8_t)((t.dow + r->dow_adj) % 7 + 1);
	r->ram[RTC_DAY] = rtc_enc(r, t.day);
	r->ram[RTC_MONTH] = rtc_enc(r, t.mon);
	r->ram[RTC_YEAR] = rtc_enc(r, t.year % 100);
	r->ram[RTC_CENTURY] = rtc_enc(r, t.year / 100 % 100);
}

/* The time bytes as the guest wrote them, taken as the time (standard) at
 * ns: the chain's count is rebased so it reads that now. */
static void rtc_take_time(struct rtc *r, uint64_t ns)
{
	int year = rtc_clamp(rtc_dec(r, r->ram[RTC_CENTURY]), 0, 99) * 100 +
		   rtc_clamp(rtc_dec(r, r->ram[RTC_YEAR]), 0, 99);
	int mon = rtc_clamp(rtc_dec(r, r->ram[RTC_MONTH]), 1, 12);
	int day = rtc_clamp(rtc_dec(r, r->ram[RTC_DAY]), 1, 31);
	int64_t disp = rtc_cal_secs_of(year, mon, day, rtc_clamp(rtc_dec_hour(r, r->ram[RTC_HOURS]), 0, 23),
				   rtc_clamp(rtc_dec(r, r->ram[RTC_MINUTES]), 0, 59),
				   rtc_clamp(rtc_dec(r, r->ram[RTC_SECONDS]), 0, 59));
	int64_t std = (r->ram[RTC_REG_B] & RTC_B_DSE) && rtc_cal_dst(disp - 3600) ? disp - 3600 : disp;
	struct rtc_tm t;
	rtc_cal_tm_of(disp, &t);
	int w = r->ram[RTC_DOW];
	r->dow_adj = w >= 1 && w <= 7 ? ((w - 1 - t.dow) % 7 + 7) % 7 : 0;
	r->base = std - rtc_nupdates(r, ns);
	r->time_sets++;
}

static bool rtc_alarm_byte(uint8_t alarm, uint8_t v)
{
	return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || alarm == v;
}

/* Does the alarm match the time bytes of displayed time disp? */
static bool rtc_alarm_match(const struct rtc *r, int64_t disp)
{
	struct rtc_tm t;
	rtc_cal_tm_of(disp, &t);
	return rtc_alarm_byte(r->ram[RTC_SEC_ALARM], rtc_enc(r, t.sec)) &&
	       rtc_alarm_byte(r->ram[RTC_MIN_ALARM], rtc_enc(r, t.min)) &&
	       rtc_alarm_byte(r->ram[RTC_HOUR_ALARM], rtc_enc_hour(r, t.hour));
}

/* IRQF from the flags and enables; what IRQ 8 must see. */
static void rtc_irq_finish(struct rtc *r, struct rtc_irq *irq)
{
	uint8_t b = r->ram[RTC_REG_B], c = r->ram[RTC_REG_C];
	bool level = ((c & RTC_C_PF) && (b & RTC_B_PIE)) || ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
		     ((c & RTC_C_UF) && (b & RTC_B_UIE));
	r->ram[RTC_REG_C] = (uint8_t)(level ? c | RTC_C_IRQF : c & ~RTC_C_IRQF);
	irq->pulse |= level && !r->irq_out;
	irq->lower |= !level && r->irq_out;
	r->irqs += level && !r->irq_out;
	r->irq_out = level;
}

/* Account the periodic edges, updates and alarms in (last, ns]. */
static void rtc_settle(struct rtc *r, uint64_t ns)
{
	if (ns <= r->last)
		return;
	uint64_t a = r->last;
	r->last = ns;
	if (!r->running)
		return;
	int64_t p = rtc_period_ticks(r->ram[RTC_REG_A] & RTC_A_RS_MASK);
	if (p) {
		int64_t n = rtc_cal_floordiv(rtc_ticks(r, ns), p) - rtc_cal_floordiv(rtc_ticks(r, a), p);
		if (n > 0) {
			r->ram[RTC_REG_C] |= RTC_C_PF;
			r->periodic += (uint64_t)n;
		}
	}
	if (r->ram[RTC_REG_B] & RTC_B_SET)
		return;   /* updates are inhibited */
	int64_t ua = rtc_nupdates(r, a), ub = rtc_nupdates(r, ns);
	if (ub <= ua)
		return;
	r->ram[RTC_REG_C] |= RTC_C_UF;
	r->updates += (uint64_t)(ub - ua);
	/* A day of updates has every time of day the alarm could match. */
	for (int64_t k = ub - ua > RTC_DAY_SECS ? ub - RTC_DAY_SECS : ua + 1;
	     k <= ub && !(r->ram[RTC_REG_C] & RTC_C_AF); k++)
		if (rtc_alarm_match(r, rtc_display(r, r->base + k))) {
			r->ram[RTC_REG_C] |= RTC_C_AF;
			r->alarms++;
		}
}

/* UIP: set for the 244 us before each update while the chain counts. */
static bool rtc_uip(const struct rtc *r, uint64_t ns)
{
	if (!r->running || (r->ram[RTC_REG_B] & RTC_B_SET))
		return false;
	int64_t t = rtc_ticks(r, ns);
	int64_t next = t < 0 ? 0 : (t / RTC_UPDATE_TICKS + 1) * RTC_UPDATE_TICKS;
	return t >= next - (int64_t)RTC_UIP_TICKS;
}

static void rtc_write_a(struct rtc *r, uint8_t v, uint64_t ns)
{
	bool run = (v & RTC_A_DV_MASK) == RTC_A_DV_32K;
	if (r->running && !run) {
		r->base = rtc_std(r, ns);   /* the chain stops where it is */
		r->running = false;
	} else if (!r->running && run) {
		r->phase = ns + RTC_RELEASE_NS;
		r->last = ns;
		r->running = true;
	}
	r->ram[RTC_REG_A] = v & (uint8_t)~RTC_A_UIP;
}

static void rtc_write_b(struct rtc *r, uint8_t v, uint64_t ns)
{
	uint8_t old = r->ram[RTC_REG_B];
	if ((v & RTC_B_SET) && !(old & RTC_B_SET)) {
		rtc_fill_time(r, rtc_display(r, rtc_std(r, ns)));   /* held as they read now */
		v &= (uint8_t)~RTC_B_UIE;                           /* SET going high clears UIE */
	}
	r->ram[RTC_REG_B] = v;
	if (!(v & RTC_B_SET) && (old & RTC_B_SET))
		rtc_take_time(r, ns);
}

static uint8_t rtc_read_reg(struct rtc *r, unsigned i, uint64_t ns)
{
	switch (i) {
	case RTC_REG_A:
		return (uint8_t)(r->ram[RTC_REG_A] | (rtc_uip(r, ns) ? RTC_A_UIP : 0));
	case RTC_REG_C: {
		uint8_t v = r->ram[RTC_REG_C];
		r->ram[RTC_REG_C] = 0;   /* reading clears the flags (and IRQF: IRQ 8 drops) */
		return v;
	}
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		if (rtc_is_time_reg(i) && !(r->ram[RTC_REG_B] & RTC_B_SET))
			rtc_fill_time(r, rtc_display(r, rtc_std(r, ns)));
		return r->ram[i];
	}
}

/* Returns true if what the clock thread waits for may have changed. */
static bool rtc_write_reg(struct rtc *r, unsigned i, uint8_t v, uint64_t ns)
{
	switch (i) {
	case RTC_REG_A:
		rtc_write_a(r, v, ns);
		return true;
	case RTC_REG_B:
		rtc_write_b(r, v, ns);
		return true;
	case RTC_REG_C:
	case RTC_REG_D:
		return false;   /* read-only */
	default:
		if (!rtc_is_time_reg(i) || (r->ram[RTC_REG_B] & RTC_B_SET)) {
			r->ram[i] = v;   /* CMOS memory, an alarm, or the time being set */
			return false;
		}
		/* The clock runs: the other fields keep their values, this one is set. */
		rtc_fill_time(r, rtc_display(r, rtc_std(r, ns)));
		r->ram[i] = v;
		rtc_take_time(r, ns);
		return true;
	}
}

static void rtc_raise(struct rtc *r, const struct rtc_irq *irq)
{
	if (!r->line)
		return;
	if (irq->pulse) {
		r->line(r->line_opaque, 0);
		r->line(r->line_opaque, 1);
	}
	if (irq->lower)
		r->line(r->line_opaque, 0);
}

static uint64_t rtc_now(struct rtc *r)
{
	return r->clock(r->clock_opaque);
}

static void rtc_checksum(struct rtc *r)
{
	unsigned sum = 0;
	for (unsigned i = RTC_FLOPPY; i < RTC_CKSUM_HI; i++)
		sum += r->ram[i];
	r->ram[RTC_CKSUM_HI] = (uint8_t)(sum >> 8);
	r->ram[RTC_CKSUM_LO] = (uint8_t)sum;
}

static void rtc_put16(struct rtc *r, unsigned i, uint64_t v)
{
	if (v > 0xFFFF)
		v = 0xFFFF;
	r->ram[i] = (uint8_t)v;
	r->ram[i + 1] = (uint8_t)(v >> 8);
}

/* The bytes a PC BIOS leaves (the values SeaBIOS reads from QEMU's CMOS):
 * register A 0x26 (32.768 kHz, 1024 Hz), B 0x02 (24 hour, BCD), no floppy or
 * (legacy-typed) hard disk, an FPU and a VGA, 640 KiB of base memory, the
 * extended memory sizes, shutdown status 0. */
static void rtc_cmos_defaults(struct rtc *r, uint64_t ram_size)
{
	const uint64_t mib = 1ull << 20, g4 = 1ull << 32;
	uint64_t low = ram_size < g4 ? ram_size : g4;
	r->ram[RTC_REG_A] = RTC_A_DV_32K | 0x06;
	r->ram[RTC_REG_B] = RTC_B_24H;
	r->ram[RTC_REG_D] = RTC_D_VRT;
	r->ram[RTC_SHUTDOWN] = 0;
	r->ram[RTC_FLOPPY] = 0;
	r->ram[RTC_DISK] = 0;
	r->ram[RTC_EQUIPMENT] = 0x02;   /* bit 1: FPU; bits 5-4 00: EGA/VGA; no floppy */
	rtc_put16(r, RTC_BASEMEM, 640);
	rtc_put16(r, RTC_EXTMEM, low > mib ? (low - mib) >> 10 : 0);
	rtc_put16(r, RTC_EXTMEM2, low > mib ? (low - mib) >> 10 : 0);
	rtc_put16(r, RTC_MEM16M, low > 16 * mib ? (low - 16 * mib) >> 16 : 0);
	uint64_t high = ram_size > g4 ? (ram_size - g4) >> 16 : 0;
	r->ram[RTC_MEM4G] = (uint8_t)high;
	r->ram[RTC_MEM4G + 1] = (uint8_t)(high >> 8);
	r->ram[RTC_MEM4G + 2] = (uint8_t)(high >> 16);
	rtc_checksum(r);
}

void rtc_init(struct rtc *r, rtc_clock_fn *clock, void *clock_opaque, int64_t unix_time, uint64_t ram_size)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->lock, NULL);
	r->clock = clock;
	r->clock_opaque = clock_opaque;
	rtc_cmos_defaults(r, ram_size);
	r->running = true;
	r->phase = rtc_now(r);
	r->last = r->phase;
	r->base = unix_time - 1;   /* the update at phase makes it unix_time */
	rtc_fill_time(r, r->base + 1);
}

void rtc_destroy(struct rtc *r)
{
	pthread_mutex_destroy(&r->lock);
}

void rtc_reset(struct rtc *r)
{
	struct rtc_irq irq = { 0 };
	pthread_mutex_lock(&r->lock);
	rtc_settle(r, rtc_now(r));
	r->ram[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
	r->ram[RTC_REG_C] = 0;
	rtc_irq_finish(r, &irq);
	if (r->kick)
		r->kick(r->kick_opaque);
	pthread_mutex_unlock(&r->lock);
	rtc_raise(r, &irq);
}

void rtc_set_line(struct rtc *r, rtc_line_fn *fn, void *opaque)
{
	pthread_mutex_lock(&r->lock);
	r->line = fn;
	r->line_opaque = opaque;
	pthread_mutex_unlock(&r->lock);
}

void rtc_set_kick(struct rtc *r, rtc_kick_fn *fn, void *opaque)
{
	pthread_mutex_lock(&r->lock);
	r->kick = fn;
	r->kick_opaque = opaque;
	pthread_mutex_unlock(&r->lock);
}

void rtc_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct rtc *r = opaque;
	struct rtc_irq irq = { 0 };
	uint8_t *d = data;
	bool kick = false;

	pthread_mutex_lock(&r->lock);
	uint64_t ns = rtc_now(r);
	rtc_settle(r, ns);   /* what happened so far happened under the old settings */
	for (unsigned i = 0; i < size; i++) {
		if ((off + i) % RTC_PORTS == 0) {
			if (is_write) {
				r->index = d[i] & 0x7f;
				r->nmi_disabled = d[i] & 0x80;
			} else {
				d[i] = RTC_OPEN_BUS;
			}
		} else if (is_write) {
			kick |= rtc_write_reg(r, r->index, d[i], ns);
		} else {
			kick |= r->index == RTC_REG_C;   /* flags cleared: wake for the next ones */
			d[i] = rtc_read_reg(r, r->index, ns);
		}
	}
	rtc_irq_finish(r, &irq);
	if (kick && r->kick)
		r->kick(r->kick_opaque);
	pthread_mutex_unlock(&r->lock);
	rtc_raise(r, &irq);
}

uint64_t rtc_next_event_ns(struct rtc *r)
{
	uint64_t next = RTC_NO_EVENT;
	pthread_mutex_lock(&r->lock);
	uint8_t b = r->ram[RTC_REG_B], c = r->ram[RTC_REG_C];
	int64_t p = rtc_period_ticks(r->ram[RTC_REG_A] & RTC_A_RS_MASK);
	if (r->running && p && (b & RTC_B_PIE) && !(c & RTC_C_PF))
		next = rtc_tick_ns(r, (rtc_cal_floordiv(rtc_ticks(r, r->last), p) + 1) * p);
	if (r->running && !(b & RTC_B_SET) &&
	    (((b & RTC_B_UIE) && !(c & RTC_C_UF)) || ((b & RTC_B_AIE) && !(c & RTC_C_AF)))) {
		uint64_t u = rtc_tick_ns(r, rtc_nupdates(r, r->last) * RTC_UPDATE_TICKS);
		if (u < next)
			next = u;
	}
	pthread_mutex_unlock(&r->lock);
	return next;
}

void rtc_update(struct rtc *r)
{
	struct rtc_irq irq = { 0 };
	pthread_mutex_lock(&r->lock);
	rtc_settle(r, rtc_now(r));
	rtc_irq_finish(r, &irq);
	pthread_mutex_unlock(&r->lock);
	rtc_raise(r, &irq);
}

uint64_t rtc_clock_next(void *rtc)
{
	return rtc_next_event_ns(rtc);
}

void rtc_clock_update(void *rtc)
{
	rtc_update(rtc);
}

void rtc_cmos_set(struct rtc *r, unsigned index, uint8_t v)
{
	if (index >= RTC_CMOS_SIZE || index <= RTC_REG_D || index == RTC_CENTURY)
		return;   /* registers and time bytes are the chip's */
	pthread_mutex_lock(&r->lock);
	r->ram[index] = v;
	rtc_checksum(r);
	pthread_mutex_unlock(&r->lock);
}

int64_t rtc_time(struct rtc *r)
{
	pthread_mutex_lock(&r->lock);
	int64_t t = rtc_std(r, rtc_now(r));
	pthread_mutex_unlock(&r->lock);
	return t;
}

bool rtc_nmi_disabled(struct rtc *r)
{
	pthread_mutex_lock(&r->lock);
	bool v = r->nmi_disabled;
	pthread_mutex_unlock(&r->lock);
	return v;
}

void rtc_describe(struct rtc *r, char *buf, size_t len)
{
	struct rtc_tm t;
	pthread_mutex_lock(&r->lock);
	uint64_t ns = rtc_now(r);
	rtc_settle(r, ns);
	uint8_t a = r->ram[RTC_REG_A], b = r->ram[RTC_REG_B], c = r->ram[RTC_REG_C];
	int64_t disp = rtc_display(r, rtc_std(r, ns));
	rtc_cal_tm_of(disp, &t);
	int64_t p = rtc_period_ticks(a & RTC_A_RS_MASK);
	char rate[32] = "off";
	if (p)
		snprintf(rate, sizeof rate, "%.2f Hz", (double)RTC_XTAL_HZ / (double)p);
	snprintf(buf, len,
		 "time %04d-%02d-%02d %02d:%02d:%02d%s%s (%s, %s hour)\n"
		 "A 0x%02x (divider %s, periodic %s)  B 0x%02x%s%s%s%s%s  C 0x%02x  D 0x%02x\n"
		 "index 0x%02x  NMI %s  IRQ 8 %s\n"
		 "periodic edges %llu  updates %llu  alarms %llu  IRQs raised %llu  time set %llu times\n",
		 t.year, t.mon, t.day, t.hour, t.min, t.sec, (b & RTC_B_DSE) && disp != rtc_std(r, ns) ? " DST" : "",
		 b & RTC_B_SET ? " (SET: updates stopped)" : "", b & RTC_B_DM ? "binary" : "BCD",
		 b & RTC_B_24H ? "24" : "12", a, r->running ? "running" : "stopped", rate, b,
		 b & RTC_B_PIE ? " PIE" : "", b & RTC_B_AIE ? " AIE" : "", b & RTC_B_UIE ? " UIE" : "",
		 b & RTC_B_SQWE ? " SQWE" : "", b & RTC_B_DSE ? " DSE" : "", c, RTC_D_VRT, r->index,
		 r->nmi_disabled ? "disabled" : "enabled", r->irq_out ? "high" : "low", (unsigned long long)r->periodic,
		 (unsigned long long)r->updates, (unsigned long long)r->alarms, (unsigned long long)r->irqs,
		 (unsigned long long)r->time_sets);
	pthread_mutex_unlock(&r->lock);
}

/* The machine's RTC (monitor/device.h). */

static void rtc_dev_line(void *m, int level)
{
	machine_set_irq(m, RTC_IRQ, level);
}

/* The port, with io events for what a user wants to see: the guest setting
 * the time, reprogramming register A or B. */
static void rtc_dev_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct machine_dev *d = opaque;
	struct rtc *r = d->state;
	uint64_t sets = r->time_sets;
	uint8_t a = r->ram[RTC_REG_A], b = r->ram[RTC_REG_B];
	rtc_io(r, off, data, size, is_write);
	if (!is_write)
		return;
	struct machine *m = d->m;
	if (r->time_sets != sets) {
		char when[32];
		time_t t = (time_t)rtc_time(r);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		evlog_add(&m->events, EV_IO, m->io_eip, -1, "rtc: the guest set the time to %s", when);
	}
	if (r->ram[RTC_REG_A] != a || r->ram[RTC_REG_B] != b)
		evlog_add(&m->events, EV_IO, m->io_eip, -1, "rtc: register A 0x%02x, B 0x%02x", r->ram[RTC_REG_A],
			  r->ram[RTC_REG_B]);
}

int rtc_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	struct rtc *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rtc_init(r, clock_monotonic_ns, NULL, (int64_t)time(NULL), m->mem.size);
	rtc_set_line(r, rtc_dev_line, m);
	d->state = r;
	if (machine_dev_pio(d, RTC_BASE, RTC_PORTS, NULL, rtc_dev_io, d, err, errlen) < 0 ||
	    machine_dev_irq(d, RTC_IRQ, NULL, err, errlen) < 0 ||
	    machine_clock_add(m, "rtc", rtc_clock_next, rtc_clock_update, r, err, errlen) < 0) {
		rtc_destroy(r);
		free(r);
		return -1;
	}
	rtc_set_kick(r, clock_kick_cb, &m->clock);
	return 0;
}

void rtc_dev_reset(struct machine_dev *d)
{
	rtc_reset(d->state);
}

void rtc_dev_destroy(struct machine_dev *d)
{
	rtc_set_kick(d->state, NULL, NULL);
	clock_remove(&d->m->clock, d->state);
	rtc_destroy(d->state);
	free(d->state);
}
