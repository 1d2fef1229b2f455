/* The 8254 timer (see pit.h). Time is in input clock ticks (PIT_HZ per second)
 * since the clock's epoch. A running counter is described by its initial count
 * N and the tick `start` it was loaded at; with k = ticks since then:
 *
 *   mode      output                   rising edges at k =    counter value
 *   0, 1      k >= N                   N                      N - k (wraps)
 *   2         k mod N != N - 1         N, 2N, 3N...           N - k mod N
 *   3         k mod N < (N + 1) / 2    N, 2N, 3N...           N - 2k mod N
 *   4, 5      k != N                   N + 1                  N - k (wraps)
 *
 * Functions named chan_* work on one channel with the pit's lock held.
 *
 *   uint8_t cw = 0x34, lo = 0xA9, hi = 0x04;   // ch0 mode 2 lohi, N = 1193: 1 kHz
 *   pit_io(&pit, 3, &cw, 1, true);
 *   pit_io(&pit, 0, &lo, 1, true);
 *   pit_io(&pit, 0, &hi, 1, true);
 */
#include "monitor/pit.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <string.h>

#include "monitor/pic.h"

#define NSEC_PER_SEC   1000000000u
#define PIT_BIN_MOD    65536u      /* binary counters wrap at 2^16 */
#define PIT_BCD_MOD    10000u      /* BCD counters wrap at 10^4 */
#define PIT_NO_TICK    UINT64_MAX  /* no edge / load at a trigger */
#define PIT_OPEN_BUS   0xFF        /* what a read of a write-only port returns */

/* What to tell the PIC about IRQ0 once the pit's lock is dropped. */
struct pit_irq {
	bool pulse;   /* channel 0's output rose: drive the line 0 then 1 */
	bool lower;   /* then drive it to 0: the output is low now */
};

/* The count and load tick in force at a given time. */
struct pit_run {
	uint64_t start;
	uint32_t n;
};

static uint64_t pit_ns_to_tick(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_HZ / NSEC_PER_SEC);
}

/* The first nanosecond at which pit_ns_to_tick() reaches tick. */
static uint64_t pit_tick_to_ns(uint64_t tick)
{
	unsigned __int128 ns = ((unsigned __int128)tick * NSEC_PER_SEC + PIT_HZ - 1) / PIT_HZ;
	return ns >= PIT_NO_EVENT ? PIT_NO_EVENT - 1 : (uint64_t)ns;
}

static uint32_t bcd_to_bin(uint32_t v)
{
	return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

static uint32_t bin_to_bcd(uint32_t v)
{
	return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10);
}

static uint32_t chan_modulus(const struct pit_channel *ch)
{
	return ch->bcd ? PIT_BCD_MOD : PIT_BIN_MOD;
}

/* The initial count a written 16-bit value means (0 is the largest count). */
static uint32_t chan_count_of(const struct pit_channel *ch, uint32_t raw)
{
	uint32_t n = (ch->bcd ? bcd_to_bin(raw) : raw) % chan_modulus(ch);
	return n ? n : chan_modulus(ch);
}

static bool mode_periodic(uint8_t mode)
{
	return mode == PIT_MODE_RATE || mode == PIT_MODE_SQUARE;
}

static bool mode_gated_trigger(uint8_t mode)
{
	return mode == PIT_MODE_ONESHOT || mode == PIT_MODE_HW_STROBE;
}

/* The tick of the one rising edge of modes 0, 1, 4, 5, relative to start. */
static uint64_t mode_single_edge(uint8_t mode, uint32_t n)
{
	return (mode == PIT_MODE_SW_STROBE || mode == PIT_MODE_HW_STROBE) ? (uint64_t)n + 1 : n;
}

static bool mode_out(uint8_t mode, uint32_t n, uint64_t k)
{
	switch (mode) {
	case PIT_MODE_RATE:      return k % n != n - 1;
	case PIT_MODE_SQUARE:    return k % n < (n + 1) / 2;
	case PIT_MODE_SW_STROBE:
	case PIT_MODE_HW_STROBE: return k != n;
	default:                 return k >= n;   /* modes 0 and 1 */
	}
}

/* Counter value (binary, 0..modulus-1) after k ticks. */
static uint32_t mode_value(uint8_t mode, uint32_t n, uint64_t k, uint32_t mod)
{
	uint64_t v;
	if (mode == PIT_MODE_RATE)
		v = n - k % n;
	else if (mode == PIT_MODE_SQUARE)
		v = n - (2 * (k % n)) % n;
	else
		v = (uint64_t)n % mod + mod - k % mod;
	return (uint32_t)(v % mod);
}

/* Rising edges in (k0, k1], relative ticks. */
static uint64_t mode_edges(uint8_t mode, uint32_t n, uint64_t k0, uint64_t k1)
{
	if (k1 <= k0)
		return 0;
	if (mode_periodic(mode))
		return n == 1 ? 0 : k1 / n - k0 / n;
	uint64_t e = mode_single_edge(mode, n);
	return k0 < e && e <= k1;
}

/* The first rising edge after relative tick k, or PIT_NO_TICK. */
static uint64_t mode_next_edge(uint8_t mode, uint32_t n, uint64_t k)
{
	if (mode_periodic(mode))
		return n == 1 ? PIT_NO_TICK : (k / n + 1) * n;
	uint64_t e = mode_single_edge(mode, n);
	return k < e ? e : PIT_NO_TICK;
}

static uint64_t rel(uint64_t tick, uint64_t start)
{
	return tick > start ? tick - start : 0;
}

static bool chan_pending_due(const struct pit_channel *ch, uint64_t tick)
{
	return ch->pending && !ch->paused && tick >= ch->pending_at;
}

static struct pit_run chan_run_at(const struct pit_channel *ch, uint64_t tick)
{
	if (chan_pending_due(ch, tick))
		return (struct pit_run){ ch->pending_at, ch->pending_count };
	return (struct pit_run){ ch->start, ch->count };
}

/* Make a count that became due by tick the current one. */
static void chan_commit(struct pit_channel *ch, uint64_t tick)
{
	if (chan_pending_due(ch, tick)) {
		ch->start = ch->pending_at;
		ch->count = ch->pending_count;
		ch->pending = false;
	}
}

static uint64_t chan_k(const struct pit_channel *ch, uint64_t tick)
{
	return ch->paused ? ch->paused_k : rel(tick, chan_run_at(ch, tick).start);
}

static uint32_t chan_value(const struct pit_channel *ch, uint64_t tick)
{
	if (ch->state != PIT_RUNNING)
		return ch->hold % chan_modulus(ch);
	return mode_value(ch->mode, chan_run_at(ch, tick).n, chan_k(ch, tick), chan_modulus(ch));
}

/* The counter as the bus reads it: BCD digits in BCD mode. */
static uint16_t chan_read_value(const struct pit_channel *ch, uint64_t tick)
{
	uint32_t v = chan_value(ch, tick);
	return (uint16_t)(ch->bcd ? bin_to_bcd(v) : v);
}

static bool chan_out(const struct pit_channel *ch, uint64_t tick)
{
	switch (ch->state) {
	case PIT_IDLE:         return ch->hold_out;
	case PIT_WAIT_TRIGGER: return true;
	default:               break;
	}
	if (ch->paused && mode_periodic(ch->mode))
		return true;   /* gate low forces OUT high in modes 2 and 3 */
	return mode_out(ch->mode, chan_run_at(ch, tick).n, chan_k(ch, tick));
}

/* Rising edges of the output in (a, b], absolute ticks. */
static uint64_t chan_edges(const struct pit_channel *ch, uint64_t a, uint64_t b)
{
	if (ch->state != PIT_RUNNING || ch->paused || b <= a)
		return 0;
	uint64_t n = 0, start = ch->start;
	uint32_t count = ch->count;
	if (chan_pending_due(ch, b)) {   /* the old count runs until pending_at */
		n += mode_edges(ch->mode, count, rel(a, start), rel(ch->pending_at, start));
		if (a < ch->pending_at)
			a = ch->pending_at;
		start = ch->pending_at;
		count = ch->pending_count;
	}
	return n + mode_edges(ch->mode, count, rel(a, start), rel(b, start));
}

/* The first rising edge after absolute tick a, or PIT_NO_TICK. */
static uint64_t chan_next_edge(const struct pit_channel *ch, uint64_t a)
{
	if (ch->state != PIT_RUNNING || ch->paused)
		return PIT_NO_TICK;
	/* Before pending_at the old count's next edge comes first (it is pending_at
	 * at the latest), so the count in force at a decides. */
	struct pit_run r = chan_run_at(ch, a);
	uint64_t e = mode_next_edge(ch->mode, r.n, rel(a, r.start));
	return e == PIT_NO_TICK ? e : r.start + e;
}

static bool chan_null_count(const struct pit_channel *ch, uint64_t tick)
{
	return ch->state != PIT_RUNNING || (ch->pending && !chan_pending_due(ch, tick));
}

static uint8_t chan_status(const struct pit_channel *ch, uint64_t tick)
{
	return (uint8_t)((chan_out(ch, tick) ? PIT_ST_OUT : 0) |
			 (chan_null_count(ch, tick) ? PIT_ST_NULL : 0) |
			 ch->access << PIT_ST_RW_SHIFT | ch->cw_mode << PIT_ST_MODE_SHIFT |
			 (ch->bcd ? PIT_ST_BCD : 0));
}

/* Stop counting, holding the counter's value and driving out. */
static void chan_stop(struct pit_channel *ch, uint64_t tick, bool out)
{
	ch->hold = chan_value(ch, tick);
	ch->hold_out = out;
	ch->state = PIT_IDLE;
	ch->pending = false;
	ch->paused = false;
}

/* Start counting n from tick; a low gate holds it at the start. */
static void chan_start(struct pit_channel *ch, uint32_t n, uint64_t tick)
{
	ch->state = PIT_RUNNING;
	ch->count = n;
	ch->start = tick;
	ch->pending = false;
	ch->paused = !ch->gate && !mode_gated_trigger(ch->mode);
	ch->paused_k = 0;
}

static void chan_defer(struct pit_channel *ch, uint32_t n, uint64_t at)
{
	ch->pending = true;
	ch->pending_count = n;
	ch->pending_at = at;
}

/* A complete count was written. */
static void chan_load(struct pit_channel *ch, uint32_t raw, uint64_t tick)
{
	uint32_t n = chan_count_of(ch, raw);

	if (ch->mode == PIT_MODE_TC || ch->mode == PIT_MODE_SW_STROBE) {
		chan_start(ch, n, tick);   /* (re)starts at once */
	} else if (mode_gated_trigger(ch->mode)) {
		if (ch->state == PIT_RUNNING) {
			chan_defer(ch, n, PIT_NO_TICK);   /* used by the next trigger */
		} else {
			ch->state = PIT_WAIT_TRIGGER;
			ch->count = n;
		}
	} else if (ch->state != PIT_RUNNING) {
		chan_start(ch, n, tick);
	} else if (ch->paused) {
		chan_defer(ch, n, PIT_NO_TICK);   /* loaded when the gate rises */
	} else {
		uint64_t k = tick - ch->start;   /* loaded at the end of this period */
		chan_defer(ch, n, ch->start + (k / ch->count + 1) * ch->count);
	}
}

/* Gate rising edge. */
static void chan_trigger(struct pit_channel *ch, uint64_t tick)
{
	if (ch->state == PIT_IDLE)
		return;
	if (ch->mode == PIT_MODE_TC || ch->mode == PIT_MODE_SW_STROBE) {
		if (ch->paused) {   /* resume where it stopped */
			ch->start = tick - ch->paused_k;
			ch->paused = false;
		}
		return;
	}
	/* Modes 1, 2, 3, 5: reload the initial count and count from it. */
	chan_start(ch, ch->pending ? ch->pending_count : ch->count, tick);
}

/* Gate falling edge: modes 0, 2, 3, 4 stop counting. */
static void chan_gate_low(struct pit_channel *ch, uint64_t tick)
{
	if (ch->state != PIT_RUNNING || ch->paused || mode_gated_trigger(ch->mode))
		return;
	ch->paused_k = chan_k(ch, tick);
	ch->paused = true;
}

static void chan_set_gate(struct pit_channel *ch, bool gate, uint64_t tick)
{
	if (gate == ch->gate)
		return;
	chan_commit(ch, tick);
	ch->gate = gate;
	if (gate)
		chan_trigger(ch, tick);
	else
		chan_gate_low(ch, tick);
}

/* Control word for one counter (not a latch or read-back command). */
static void chan_control(struct pit_channel *ch, uint8_t v, uint64_t tick)
{
	uint8_t m = (v & PIT_CW_MODE_MASK) >> PIT_CW_MODE_SHIFT;

	/* Stop first, under the old mode: the held value is the one counted so far. */
	chan_stop(ch, tick, false);
	ch->cw_mode = m;
	ch->mode = m >= 6 ? (uint8_t)(m - 4) : m;   /* 6, 7 are 2, 3 */
	ch->access = (v & PIT_CW_RW_MASK) >> PIT_CW_RW_SHIFT;
	ch->bcd = v & PIT_CW_BCD;
	ch->hold_out = ch->mode != PIT_MODE_TC;     /* mode 0 starts low, the others high */
	ch->wr_msb = false;
	ch->rd_msb = false;
}

static void chan_latch_count(struct pit_channel *ch, uint64_t tick)
{
	if (ch->latch_left)
		return;   /* a second latch before the first is read is ignored */
	ch->latch = chan_read_value(ch, tick);
	ch->latch_left = ch->access == PIT_RW_LOHI ? 2 : 1;
	ch->latch_msb = ch->access == PIT_RW_MSB;
}

static void chan_latch_status(struct pit_channel *ch, uint64_t tick)
{
	if (ch->status_latched)
		return;
	ch->status = chan_status(ch, tick);
	ch->status_latched = true;
}

static uint8_t chan_read(struct pit_channel *ch, uint64_t tick)
{
	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->latch_left) {
		uint8_t b = (uint8_t)(ch->latch_msb ? ch->latch >> 8 : ch->latch);
		ch->latch_left--;
		ch->latch_msb = !ch->latch_msb;
		return b;
	}
	uint16_t v = chan_read_value(ch, tick);
	bool msb = ch->access == PIT_RW_MSB;
	if (ch->access == PIT_RW_LOHI) {
		msb = ch->rd_msb;
		ch->rd_msb = !ch->rd_msb;
	}
	return (uint8_t)(msb ? v >> 8 : v);
}

static void chan_write(struct pit_channel *ch, uint8_t v, uint64_t tick)
{
	switch (ch->access) {
	case PIT_RW_LSB:
		chan_load(ch, v, tick);
		break;
	case PIT_RW_MSB:
		chan_load(ch, (uint32_t)v << 8, tick);
		break;
	default:
		if (!ch->wr_msb) {
			ch->wr_lsb = v;
			ch->wr_msb = true;
			/* Mode 0: the first byte stops counting and drives OUT low. */
			if (ch->mode == PIT_MODE_TC)
				chan_stop(ch, tick, false);
			break;
		}
		ch->wr_msb = false;
		chan_load(ch, ch->wr_lsb | (uint32_t)v << 8, tick);
		break;
	}
}

static void pit_read_back(struct pit *t, uint8_t v, uint64_t tick)
{
	for (int i = 0; i < PIT_CHANNELS; i++) {
		if (!(v & PIT_RB_CNT(i)))
			continue;
		chan_commit(&t->ch[i], tick);
		/* Status first: it is read before a count latched with it. */
		if (!(v & PIT_RB_NSTATUS))
			chan_latch_status(&t->ch[i], tick);
		if (!(v & PIT_RB_NCOUNT))
			chan_latch_count(&t->ch[i], tick);
	}
}

/* A write to port 0x43. Returns true if channel 0 was reprogrammed. */
static bool pit_write_control(struct pit *t, uint8_t v, uint64_t tick)
{
	unsigned sc = v >> PIT_CW_SC_SHIFT;

	if (sc == PIT_CW_SC_READBACK) {
		pit_read_back(t, v, tick);
		return false;
	}
	struct pit_channel *ch = &t->ch[sc];
	chan_commit(ch, tick);
	if (((v & PIT_CW_RW_MASK) >> PIT_CW_RW_SHIFT) == PIT_RW_LATCH) {
		chan_latch_count(ch, tick);
		return false;
	}
	chan_control(ch, v, tick);
	return sc == 0;
}

/* The current tick (never behind what channel 0 has accounted). Locked. */
static uint64_t pit_now_tick(struct pit *t, uint64_t *ns)
{
	uint64_t now = t->clock(t->clock_opaque);
	uint64_t tick = pit_ns_to_tick(now);
	if (ns)
		*ns = now;
	return tick > t->last_tick ? tick : t->last_tick;
}

/* Account channel 0's rising edges up to tick. Locked. */
static void pit_settle(struct pit *t, uint64_t tick, struct pit_irq *irq)
{
	struct pit_channel *ch = &t->ch[0];
	uint64_t n = chan_edges(ch, t->last_tick, tick);

	chan_commit(ch, tick);
	t->last_tick = tick;
	t->edges += n;
	irq->pulse |= n != 0;
}

/* Decide what IRQ0 must see for channel 0's output at tick: a pulse for any
 * rise (counted edges, or a rise the guest caused by reprogramming), a low
 * level when it is low. Locked. */
static void pit_irq_finish(struct pit *t, uint64_t tick, struct pit_irq *irq)
{
	bool level = chan_out(&t->ch[0], tick);

	irq->pulse |= level && !t->irq_out;
	irq->lower = !level && (t->irq_out || irq->pulse);
	t->irq_out = level;
	t->irqs += irq->pulse;
}

/* Tell the PIC, without the pit's lock. Every rise is a pulse (0 then 1), so
 * it latches an edge whatever level an earlier, racing update left on the
 * line; a rise is never lost, at worst the line is left high in between. */
static void pit_raise(struct pit *t, const struct pit_irq *irq)
{
	if (t->line) {
		if (irq->pulse) {
			t->line(t->line_opaque, 0);
			t->line(t->line_opaque, 1);
		}
		if (irq->lower)
			t->line(t->line_opaque, 0);
		return;
	}
	if (!t->pic)
		return;
	if (irq->pulse) {
		pic_set_irq(t->pic, PIT_IRQ, 0);
		pic_set_irq(t->pic, PIT_IRQ, 1);
	}
	if (irq->lower)
		pic_set_irq(t->pic, PIT_IRQ, 0);
}

/* Power-up state (undefined in the datasheet): mode 3, LSB then MSB, not
 * counting, output high, as QEMU resets it but without a count loaded. */
static void chan_reset(struct pit_channel *ch, bool gate)
{
	memset(ch, 0, sizeof *ch);
	ch->cw_mode = PIT_MODE_SQUARE;
	ch->mode = PIT_MODE_SQUARE;
	ch->access = PIT_RW_LOHI;
	ch->state = PIT_IDLE;
	ch->hold_out = true;
	ch->gate = gate;
}

/* Everything but the wiring (PIC, clock, kick, lock) to its reset state. */
static void pit_state_reset(struct pit *t)
{
	chan_reset(&t->ch[0], true);    /* gates of channels 0 and 1 are tied high */
	chan_reset(&t->ch[1], true);
	chan_reset(&t->ch[2], false);   /* port 0x61 bit 0 is clear at reset */
	t->port61 = 0;
	t->last_tick = pit_ns_to_tick(t->clock(t->clock_opaque));
	t->irq_out = true;   /* taken as told: the PIC's line stays low until a fall */
	t->edges = t->irqs = 0;
}

void pit_init(struct pit *t, struct pic *pic, pit_clock_fn *clock_fn, void *clock_opaque)
{
	memset(t, 0, sizeof *t);
	t->pic = pic;
	t->clock = clock_fn;
	t->clock_opaque = clock_opaque;
	pit_state_reset(t);
	pthread_mutex_init(&t->lock, NULL);
}

void pit_destroy(struct pit *t)
{
	pthread_mutex_destroy(&t->lock);
}

void pit_reset(struct pit *t)
{
	pthread_mutex_lock(&t->lock);
	pit_state_reset(t);
	if (t->kick)
		t->kick(t->kick_opaque);   /* the clock thread forgets channel 0's deadline */
	pthread_mutex_unlock(&t->lock);
}

void pit_set_kick(struct pit *t, pit_kick_fn *fn, void *opaque)
{
	pthread_mutex_lock(&t->lock);
	t->kick = fn;
	t->kick_opaque = opaque;
	pthread_mutex_unlock(&t->lock);
}

void pit_set_line(struct pit *t, pit_line_fn *fn, void *opaque)
{
	pthread_mutex_lock(&t->lock);
	t->line = fn;
	t->line_opaque = opaque;
	pthread_mutex_unlock(&t->lock);
}

uint64_t pit_clock_next(void *pit)
{
	return pit_next_event_ns(pit);
}

void pit_clock_update(void *pit)
{
	pit_update(pit);
}

void pit_update(struct pit *t)
{
	struct pit_irq irq = { 0 };

	pthread_mutex_lock(&t->lock);
	uint64_t tick = pit_now_tick(t, NULL);
	pit_settle(t, tick, &irq);
	pit_irq_finish(t, tick, &irq);
	pthread_mutex_unlock(&t->lock);
	pit_raise(t, &irq);
}

uint64_t pit_next_event_ns(struct pit *t)
{
	pthread_mutex_lock(&t->lock);
	uint64_t e = chan_next_edge(&t->ch[0], t->last_tick);
	pthread_mutex_unlock(&t->lock);
	return e == PIT_NO_TICK ? PIT_NO_EVENT : pit_tick_to_ns(e);
}

void pit_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct pit *t = opaque;
	struct pit_irq irq = { 0 };
	uint8_t *d = data;
	bool reprogrammed = false;

	pthread_mutex_lock(&t->lock);
	uint64_t tick = pit_now_tick(t, NULL);
	pit_settle(t, tick, &irq);   /* edges so far happened under the old program */
	for (unsigned i = 0; i < size; i++) {
		unsigned port = (unsigned)((off + i) % PIT_PORTS);
		if (port == PIT_CTRL_PORT) {
			if (is_write)
				reprogrammed |= pit_write_control(t, d[i], tick);
			else
				d[i] = PIT_OPEN_BUS;
			continue;
		}
		struct pit_channel *ch = &t->ch[port];
		chan_commit(ch, tick);
		if (is_write) {
			chan_write(ch, d[i], tick);
			reprogrammed |= port == 0;
		} else {
			d[i] = chan_read(ch, tick);
		}
	}
	pit_irq_finish(t, tick, &irq);
	if (reprogrammed && t->kick)
		t->kick(t->kick_opaque);
	pthread_mutex_unlock(&t->lock);
	pit_raise(t, &irq);
}

void pit_port61_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct pit *t = opaque;
	uint8_t *d = data;
	uint64_t ns;

	pthread_mutex_lock(&t->lock);
	uint64_t tick = pit_now_tick(t, &ns);
	for (unsigned i = 0; i < size; i++) {
		if (off + i != 0) {   /* only one port here */
			if (!is_write)
				d[i] = PIT_OPEN_BUS;
			continue;
		}
		if (is_write) {
			t->port61 = d[i];
			chan_set_gate(&t->ch[2], d[i] & PIT_P61_GATE2, tick);
			continue;
		}
		struct pit_channel *ch2 = &t->ch[2];
		d[i] = (uint8_t)((t->port61 & ~(PIT_P61_REFRESH | PIT_P61_OUT2)) |
				 ((ns / PIT_REFRESH_NS) & 1 ? PIT_P61_REFRESH : 0) |
				 (chan_out(ch2, tick) ? PIT_P61_OUT2 : 0));
	}
	pthread_mutex_unlock(&t->lock);
}

static const char *pit_state_name(const struct pit_channel *ch)
{
	if (ch->state == PIT_IDLE)
		return "idle";
	if (ch->state == PIT_WAIT_TRIGGER)
		return "waiting for gate";
	return ch->paused ? "stopped by gate" : "counting";
}

static int chan_describe(const struct pit_channel *ch, int i, uint64_t tick, char *buf,
			 size_t len)
{
	static const char *const access[] = { "latch", "lsb", "msb", "lohi" };
	uint32_t n = ch->state == PIT_RUNNING ? chan_run_at(ch, tick).n : ch->count;
	char rate[32] = "";

	if (n && mode_periodic(ch->mode))
		snprintf(rate, sizeof rate, " (%.2f Hz)", (double)PIT_HZ / n);
	return snprintf(buf, len,
			"ch%d: mode %u %s %s count=%u%s value=%u out=%d gate=%d %s%s\n",
			i, (unsigned)ch->cw_mode, access[ch->access & 3], ch->bcd ? "bcd" : "bin",
			(unsigned)n, rate, (unsigned)chan_value(ch, tick),
			chan_out(ch, tick), ch->gate, pit_state_name(ch),
			ch->pending ? " (new count pending)" : "");
}

void pit_describe(struct pit *t, char *buf, size_t len)
{
	size_t k = 0;

	if (len == 0)
		return;
	buf[0] = 0;
	pthread_mutex_lock(&t->lock);
	uint64_t ns;
	uint64_t tick = pit_now_tick(t, &ns);
	for (int i = 0; i < PIT_CHANNELS && k < len; i++) {
		int n = chan_describe(&t->ch[i], i, tick, buf + k, len - k);
		k += n > 0 ? (size_t)n : 0;
	}
	uint64_t e = chan_next_edge(&t->ch[0], t->last_tick);
	if (k < len) {
		int n = snprintf(buf + k, len - k, "port61=%02x irq0: edges=%llu raised=%llu next=",
				 t->port61, (unsigned long long)t->edges,
				 (unsigned long long)t->irqs);
		k += n > 0 ? (size_t)n : 0;
	}
	if (k < len) {
		if (e == PIT_NO_TICK)
			snprintf(buf + k, len - k, "none\n");
		else
			snprintf(buf + k, len - k, "%+.3f ms\n",
				 ((double)pit_tick_to_ns(e) - (double)ns) / 1e6);
	}
	pthread_mutex_unlock(&t->lock);
}

/* The machine's 8254, port 0x61 and clock thread (monitor/device.h). */

static void pit_dev_line(void *m, int level)
{
	machine_set_irq(m, PIT_IRQ, level);
}

int pit_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	pit_init(&m->pit, NULL, clock_monotonic_ns, NULL);
	pit_set_line(&m->pit, pit_dev_line, m);
	d->state = &m->pit;
	if (machine_dev_pio(d, PIT_BASE, PIT_PORTS, NULL, pit_io, &m->pit, err, errlen) < 0 ||
	    machine_dev_pio(d, PIT_PORT61, 1, "port61", pit_port61_io, &m->pit, err, errlen) < 0 ||
	    machine_dev_irq(d, PIT_IRQ, NULL, err, errlen) < 0 ||
	    machine_clock_add(m, "pit", pit_clock_next, pit_clock_update, &m->pit, err, errlen) < 0) {
		pit_destroy(&m->pit);
		return -1;
	}
	pit_set_kick(&m->pit, clock_kick_cb, &m->clock);
	return 0;
}

void pit_dev_reset(struct machine_dev *d)
{
	pit_reset(d->state);
}

void pit_dev_destroy(struct machine_dev *d)
{
	pit_set_kick(d->state, NULL, NULL);
	clock_remove(&d->m->clock, d->state);
	pit_destroy(d->state);
}
