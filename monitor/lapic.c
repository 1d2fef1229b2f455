/* The local APICs (see lapic.h). Functions named cpu_* and timer_* work on
 * one APIC with the lock held; what must happen after the lock is dropped
 * (waking the vCPU, the EOI broadcast, an unsupported stop, an event) is
 * collected in a struct lapic_post and done by lapic_post_run.
 *
 *   uint32_t v = 0x20;
 *   lapic_mmio(&a, 0, LAPIC_TPR, &v, 4, true);   // PPR is now 0x20
 */
#include "monitor/lapic.h"
#include "monitor/machine.h"
#include "monitor/pcmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAPIC_NO_EVENT   UINT64_MAX
#define LAPIC_RESET_SVR  0x1FFu      /* what SeaBIOS leaves: enabled, vector 0xFF */
#define LAPIC_POWER_SVR  0xFFu       /* the chip's power-up value: disabled */
#define LAPIC_DM_SHIFT   8
#define LAPIC_DM_MASK    (7u << LAPIC_DM_SHIFT)
#define LAPIC_ICR_LO_RW  0x000CCFFFu /* vector, mode, dest mode, level, trigger, shorthand */
#define LAPIC_ID_MASK    0xFF000000u
#define LAPIC_DFR_MASK   0xF0000000u
#define LAPIC_SVR_RW     0x3FFu      /* vector, enable, focus disable */
#define LAPIC_DCR_RW     0xBu
#define LAPIC_BASE_RW    (0xFFFFFF000ull | LAPIC_BASE_EN)   /* 36-bit physical addresses */

/* Writable bits of each LVT entry (delivery status and remote IRR read 0). */
static const uint32_t lvt_rw[LVT_COUNT] = {
	[LVT_TIMER] = 0x300FF,     /* vector, mask, periodic (bit 18, TSC deadline, reserved) */
	[LVT_THERMAL] = 0x107FF,   /* vector, delivery mode, mask */
	[LVT_PERF] = 0x107FF,
	[LVT_LINT0] = 0x1A7FF,     /* vector, mode, polarity, trigger, mask */
	[LVT_LINT1] = 0x1A7FF,
	[LVT_ERROR] = 0x100FF,     /* vector, mask */
};

static const char *const lvt_name[LVT_COUNT] = { "timer", "thermal", "perf", "lint0", "lint1", "error" };

struct lapic_post {
	bool notify;
	bool kick;
	int eoi;                   /* a level-triggered vector's EOI, or -1 */
	char unsupported[96];
	char event[96];
};

static void post_unsupported(struct lapic_post *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void post_unsupported(struct lapic_post *p, const char *fmt, ...)
{
	va_list ap;
	if (p->unsupported[0])
		return;   /* the first one is the stop's reason */
	va_start(ap, fmt);
	vsnprintf(p->unsupported, sizeof p->unsupported, fmt, ap);
	va_end(ap);
}

static void lapic_post_run(struct lapic *a, const struct lapic_post *p)
{
	if (p->event[0] && a->h.events)
		evlog_add(a->h.events, EV_IO, 0, -1, "%s", p->event);
	if (p->eoi >= 0 && a->h.eoi)
		a->h.eoi(a->h.ctx, p->eoi);
	if (p->unsupported[0] && a->h.unsupported)
		a->h.unsupported(a->h.ctx, p->unsupported);
	if (p->notify && a->h.notify)
		a->h.notify(a->h.ctx);
}

static uint64_t lapic_now(struct lapic *a)
{
	return a->h.clock ? a->h.clock(a->h.ctx) : 0;
}

/* 256-bit registers as eight 32-bit words, word i at offset 0x10 * i. */
static bool vbit(const uint32_t r[8], unsigned v)
{
	return (r[v >> 5] >> (v & 31)) & 1;
}

static void vset(uint32_t r[8], unsigned v, bool on)
{
	if (on)
		r[v >> 5] |= 1u << (v & 31);
	else
		r[v >> 5] &= ~(1u << (v & 31));
}

static int vhighest(const uint32_t r[8])
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static bool cpu_hw_enabled(const struct lapic_cpu *c)
{
	return c->base & LAPIC_BASE_EN;
}

static bool cpu_sw_enabled(const struct lapic_cpu *c)
{
	return c->svr & LAPIC_SVR_ENABLE;
}

/* PPR (SDM 10.8.3.1): the TPR, or the class of the highest vector in service. */
static uint32_t cpu_ppr(const struct lapic_cpu *c)
{
	int isrv = vhighest(c->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	return (c->tpr & 0xF0) >= isr_class ? c->tpr & 0xFF : isr_class;
}

/* APR (SDM 10.6.2.4, the P6 family's definition, used for lowest priority). */
static uint32_t cpu_apr(const struct lapic_cpu *c)
{
	int isrv = vhighest(c->isr), irrv = vhighest(c->irr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xF0;
	uint32_t tpr_class = c->tpr & 0xF0;
	if (tpr_class >= irr_class && tpr_class > isr_class)
		return c->tpr & 0xFF;
	uint32_t m = tpr_class > isr_class ? tpr_class : isr_class;
	return m > irr_class ? m : irr_class;
}

/* The vector the APIC would hand its CPU now, or -1: the highest request
 * whose priority class is above the processor priority class. */
static int cpu_deliverable(const struct lapic_cpu *c)
{
	int v = vhighest(c->irr);
	if (v < 0 || ((uint32_t)v & 0xF0) <= (cpu_ppr(c) & 0xF0))
		return -1;
	return v;
}

static void cpu_accept(struct lapic_cpu *c, unsigned vector, bool level, struct lapic_post *p);

/* Record an error in the ESR and raise the error interrupt (SDM 10.5.3). */
static void cpu_error(struct lapic_cpu *c, uint32_t bits, struct lapic_post *p)
{
	c->esr_pending |= bits;
	uint32_t lvt = c->lvt[LVT_ERROR];
	if (lvt & LAPIC_LVT_MASKED)
		return;
	if ((lvt & 0xFF) < 16)
		c->esr_pending |= LAPIC_ESR_RECV_ILLEGAL;   /* and no interrupt: no loop */
	else
		cpu_accept(c, lvt & 0xFF, false, p);
}

/* A fixed interrupt reaches the IRR; the TMR says how it was triggered. */
static void cpu_accept(struct lapic_cpu *c, unsigned vector, bool level, struct lapic_post *p)
{
	vector &= 0xFF;
	if (vector < 16) {
		cpu_error(c, LAPIC_ESR_RECV_ILLEGAL, p);
		return;
	}
	vset(c->irr, vector, true);
	vset(c->tmr, vector, level);
	p->notify = true;
}

/* Interrupts generated by the local vector table. */
static void cpu_lvt_fire(struct lapic_cpu *c, enum lapic_lvt which, struct lapic_post *p)
{
	uint32_t lvt = c->lvt[which];
	if (lvt & LAPIC_LVT_MASKED)
		return;
	unsigned dm = (lvt & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT;
	if (which == LVT_TIMER || which == LVT_ERROR || dm == LAPIC_DM_FIXED)
		cpu_accept(c, lvt & 0xFF, which == LVT_LINT0 || which == LVT_LINT1 ? (lvt & LAPIC_LVT_LEVEL) : false, p);
	else if (dm == LAPIC_DM_NMI)
		post_unsupported(p, "NMI delivery (LVT %s)", lvt_name[which]);
	else
		post_unsupported(p, "LVT %s delivery mode %u", lvt_name[which], dm);
}

/* ---- the timer ---- */

static uint64_t timer_div(const struct lapic_cpu *c)
{
	unsigned v = (c->timer_dcr & 3) | ((c->timer_dcr >> 1) & 4);
	return v == 7 ? 1 : 2u << v;
}

static bool timer_periodic(const struct lapic_cpu *c)
{
	return c->lvt[LVT_TIMER] & LAPIC_LVT_PERIODIC;
}

static uint64_t timer_ticks(const struct lapic_cpu *c, uint64_t now)
{
	return now > c->timer_base_ns ? (now - c->timer_base_ns) / timer_div(c) : 0;
}

static uint32_t timer_ccr(const struct lapic_cpu *c, uint64_t now)
{
	if (!c->timer_base_count)
		return 0;
	uint64_t t = timer_ticks(c, now);
	if (t < c->timer_base_count)
		return (uint32_t)(c->timer_base_count - t);
	if (!timer_periodic(c))
		return 0;
	return c->timer_icr - (uint32_t)((t - c->timer_base_count) % c->timer_icr);
}

/* Times the count reached zero since the base, by now. */
static uint64_t timer_expirations(const struct lapic_cpu *c, uint64_t now)
{
	if (!c->timer_base_count)
		return 0;
	uint64_t t = timer_ticks(c, now);
	if (t < c->timer_base_count)
		return 0;
	return timer_periodic(c) ? 1 + (t - c->timer_base_count) / c->timer_icr : 1;
}

static uint64_t timer_next_ns(const struct lapic_cpu *c)
{
	if (!c->timer_base_count || !cpu_hw_enabled(c))
		return LAPIC_NO_EVENT;
	uint64_t n = c->timer_fired;
	if (n && !timer_periodic(c))
		return LAPIC_NO_EVENT;
	uint64_t tick = c->timer_base_count + n * c->timer_icr;
	return c->timer_base_ns + tick * timer_div(c);
}

/* Raise the timer interrupt once for the expirations due by now (missed
 * ones coalesce, as the IRR bit would). */
static void timer_settle(struct lapic_cpu *c, uint64_t now, struct lapic_post *p)
{
	uint64_t n = timer_expirations(c, now);
	if (n <= c->timer_fired)
		return;
	c->timer_fired = n;
	c->timer_irqs++;
	cpu_lvt_fire(c, LVT_TIMER, p);
}

/* Go on counting from the current count under a new divisor or mode. */
static void timer_rebase(struct lapic_cpu *c, uint64_t now)
{
	if (!c->timer_base_count)
		return;
	uint32_t cur = timer_ccr(c, now);
	c->timer_base_ns = now;
	c->timer_base_count = cur;   /* 0: a one-shot that expired stays stopped */
	c->timer_fired = 0;
}

static void timer_load(struct lapic_cpu *c, uint32_t count, uint64_t now)
{
	c->timer_icr = count;
	c->timer_base_ns = now;
	c->timer_base_count = count;   /* 0 stops the timer */
	c->timer_fired = 0;
}

/* ---- state ---- */

/* The chip's power-up state (and that of a globally disabled APIC). */
static void cpu_power_up(struct lapic_cpu *c)
{
	c->tpr = c->ldr = c->esr = c->esr_pending = c->icr_lo = c->icr_hi = 0;
	c->dfr = 0xFFFFFFFFu;
	c->svr = LAPIC_POWER_SVR;
	for (int i = 0; i < LVT_COUNT; i++)
		c->lvt[i] = LAPIC_LVT_MASKED;
	memset(c->irr, 0, sizeof c->irr);
	memset(c->isr, 0, sizeof c->isr);
	memset(c->tmr, 0, sizeof c->tmr);
	c->timer_dcr = 0;
	timer_load(c, 0, 0);
}

/* What SeaBIOS leaves for the kernel (see lapic.h). */
static void cpu_reset(struct lapic_cpu *c, unsigned i)
{
	memset(c, 0, sizeof *c);
	cpu_power_up(c);
	c->id = i << 24;
	c->base = PC_LAPIC_BASE | LAPIC_BASE_EN | (i == 0 ? LAPIC_BASE_BSP : 0);
	c->svr = LAPIC_RESET_SVR;
	if (i == 0) {   /* virtual wire on the BSP only */
		c->lvt[LVT_LINT0] = LAPIC_DM_EXTINT << LAPIC_DM_SHIFT;
		c->lvt[LVT_LINT1] = LAPIC_DM_NMI << LAPIC_DM_SHIFT;
	}
}

void lapic_init(struct lapic *a, unsigned ncpus, const struct lapic_hooks *h)
{
	memset(a, 0, sizeof *a);
	a->ncpus = ncpus > LAPIC_MAX_CPUS ? LAPIC_MAX_CPUS : ncpus ? ncpus : 1;
	a->h = *h;
	pthread_mutex_init(&a->lock, NULL);
	for (unsigned i = 0; i < a->ncpus; i++)
		cpu_reset(&a->cpu[i], i);
}

void lapic_destroy(struct lapic *a)
{
	pthread_mutex_destroy(&a->lock);
}

void lapic_reset(struct lapic *a)
{
	pthread_mutex_lock(&a->lock);
	for (unsigned i = 0; i < a->ncpus; i++)
		cpu_reset(&a->cpu[i], i);
	a->ipis = a->inits = a->sipis = a->dropped = a->spurious = a->extints = 0;
	a->last_sipi_vector = 0;
	pthread_mutex_unlock(&a->lock);
	if (a->h.kick)
		a->h.kick(a->h.ctx);
}

/* ---- delivery ---- */

static bool cpu_matches(const struct lapic *a, unsigned i, const struct lapic_msg *msg)
{
	const struct lapic_cpu *c = &a->cpu[i];
	switch (msg->shorthand) {
	case LAPIC_SH_SELF: return (int)i == msg->from;
	case LAPIC_SH_ALL: return true;
	case LAPIC_SH_OTHERS: return (int)i != msg->from;
	default: break;
	}
	if (msg->dest == 0xFF)
		return true;   /* broadcast, in both destination modes */
	if (!msg->logical)
		return msg->dest == c->id >> 24;
	uint8_t ld = (uint8_t)(c->ldr >> 24);
	if ((c->dfr >> 28) == 0xF)   /* flat: a bit per APIC */
		return (ld & msg->dest) != 0;
	/* cluster: the high nibble names the cluster, the low one its members */
	return (msg->dest >> 4) == (ld >> 4) && (msg->dest & ld & 0xF) != 0;
}

static const char *dm_name(unsigned dm)
{
	static const char *const n[8] = { "fixed", "lowest", "SMI", "reserved", "NMI", "INIT", "SIPI", "ExtINT" };
	return n[dm & 7];
}

static void lapic_deliver_locked(struct lapic *a, const struct lapic_msg *msg, struct lapic_post *p)
{
	bool hit[LAPIC_MAX_CPUS] = { false };
	int ntarget = 0, lowest = -1;

	for (unsigned i = 0; i < a->ncpus; i++) {
		if (!cpu_hw_enabled(&a->cpu[i]) || !cpu_matches(a, i, msg))
			continue;
		hit[i] = true;
		ntarget++;
		if (lowest < 0 || cpu_apr(&a->cpu[i]) < cpu_apr(&a->cpu[lowest]))
			lowest = (int)i;
	}
	switch (msg->mode) {
	case LAPIC_DM_LOWEST:   /* one of them: the lowest arbitration priority */
		if (lowest >= 0)
			cpu_accept(&a->cpu[lowest], msg->vector, msg->level, p);
		break;
	case LAPIC_DM_FIXED:
		for (unsigned i = 0; i < a->ncpus; i++)
			if (hit[i])
				cpu_accept(&a->cpu[i], msg->vector, msg->level, p);
		break;
	case LAPIC_DM_INIT:
		a->inits++;
		if (ntarget)
			post_unsupported(p, "INIT of CPU %d (resetting a running CPU)", lowest);
		break;
	case LAPIC_DM_SIPI:
		a->sipis++;
		a->last_sipi_vector = msg->vector;
		break;   /* every CPU that exists is running: a SIPI is ignored */
	case LAPIC_DM_NMI:
		if (ntarget)
			post_unsupported(p, "NMI delivery");
		break;
	case LAPIC_DM_SMI:
		if (ntarget)
			post_unsupported(p, "SMI delivery");
		break;
	case LAPIC_DM_EXTINT:
		if (ntarget)
			post_unsupported(p, "ExtINT delivery through the APIC bus");
		break;
	default:
		break;   /* reserved (the P6's remote read): nobody answers */
	}
	if (!ntarget)
		a->dropped++;
}

void lapic_deliver(struct lapic *a, const struct lapic_msg *msg)
{
	struct lapic_post p = { .eoi = -1 };
	pthread_mutex_lock(&a->lock);
	lapic_deliver_locked(a, msg, &p);
	pthread_mutex_unlock(&a->lock);
	lapic_post_run(a, &p);
}

/* The guest wrote ICR low: send the IPI (at once: delivery status stays idle). */
static void cpu_send_ipi(struct lapic *a, unsigned cpu, struct lapic_post *p)
{
	struct lapic_cpu *c = &a->cpu[cpu];
	uint32_t lo = c->icr_lo;
	struct lapic_msg msg = {
		.vector = (uint8_t)lo,
		.mode = (uint8_t)((lo & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT),
		.logical = lo & LAPIC_ICR_LOGICAL,
		.level = lo & LAPIC_ICR_LEVEL,
		.dest = (uint8_t)(c->icr_hi >> 24),
		.shorthand = (uint8_t)((lo >> LAPIC_ICR_SH_SHIFT) & 3),
		.from = (int)cpu,
	};
	if (msg.mode == LAPIC_DM_INIT && msg.level && !(lo & LAPIC_ICR_ASSERT))
		return;   /* INIT level de-assert: only re-synchronises arbitration IDs */
	if ((msg.mode == LAPIC_DM_FIXED || msg.mode == LAPIC_DM_LOWEST) && msg.vector < 16) {
		cpu_error(c, LAPIC_ESR_SEND_ILLEGAL, p);
		return;
	}
	a->ipis++;
	static const char *const sh[4] = { "", " (self)", " (all)", " (all but self)" };
	snprintf(p->event, sizeof p->event, "lapic%u: IPI %s vector 0x%02x to %s 0x%02x%s", cpu, dm_name(msg.mode),
		 msg.vector, msg.logical ? "logical" : "APIC ID", msg.dest, sh[msg.shorthand]);
	lapic_deliver_locked(a, &msg, p);
}

/* ---- registers ---- */

static bool reg_is_lvt(unsigned reg, enum lapic_lvt *which)
{
	if (reg < LAPIC_LVT_TIMER || reg > LAPIC_LVT_ERROR)
		return false;
	*which = (enum lapic_lvt)((reg - LAPIC_LVT_TIMER) >> 4);
	return true;
}

/* A register's value, or false if nothing is at reg. */
static bool cpu_read(const struct lapic_cpu *c, unsigned reg, uint64_t now, uint32_t *v)
{
	enum lapic_lvt which;
	if (reg_is_lvt(reg, &which)) {
		*v = c->lvt[which];
		return true;
	}
	if (reg >= LAPIC_ISR && reg < LAPIC_ISR + 0x80) {
		*v = c->isr[(reg - LAPIC_ISR) >> 4];
		return true;
	}
	if (reg >= LAPIC_TMR && reg < LAPIC_TMR + 0x80) {
		*v = c->tmr[(reg - LAPIC_TMR) >> 4];
		return true;
	}
	if (reg >= LAPIC_IRR && reg < LAPIC_IRR + 0x80) {
		*v = c->irr[(reg - LAPIC_IRR) >> 4];
		return true;
	}
	switch (reg) {
	case LAPIC_ID: *v = c->id; break;
	case LAPIC_VER: *v = LAPIC_VERSION; break;
	case LAPIC_TPR: *v = c->tpr; break;
	case LAPIC_APR: *v = cpu_apr(c); break;
	case LAPIC_PPR: *v = cpu_ppr(c); break;
	case LAPIC_EOI: *v = 0; break;   /* write-only */
	case LAPIC_RRD: *v = 0; break;
	case LAPIC_LDR: *v = c->ldr; break;
	case LAPIC_DFR: *v = c->dfr; break;
	case LAPIC_SVR: *v = c->svr; break;
	case LAPIC_ESR: *v = c->esr; break;
	case LAPIC_ICR_LO: *v = c->icr_lo; break;
	case LAPIC_ICR_HI: *v = c->icr_hi; break;
	case LAPIC_TIMER_ICR: *v = c->timer_icr; break;
	case LAPIC_TIMER_CCR: *v = timer_ccr(c, now); break;
	case LAPIC_TIMER_DCR: *v = c->timer_dcr; break;
	default: return false;
	}
	return true;
}

static void cpu_eoi(struct lapic_cpu *c, struct lapic_post *p)
{
	int v = vhighest(c->isr);
	if (v < 0)
		return;
	vset(c->isr, (unsigned)v, false);
	if (vbit(c->tmr, (unsigned)v))
		p->eoi = v;   /* level-triggered: the IOAPIC clears remote IRR */
}

static void cpu_write_lvt(struct lapic_cpu *c, enum lapic_lvt which, uint32_t v, uint64_t now, struct lapic_post *p)
{
	if (!cpu_sw_enabled(c))
		v |= LAPIC_LVT_MASKED;   /* software disabled: the masks stay set */
	v &= lvt_rw[which];
	if (which == LVT_TIMER) {
		timer_settle(c, now, p);   /* what was due happened under the old entry */
		bool mode_changed = (v ^ c->lvt[which]) & LAPIC_LVT_PERIODIC;
		c->lvt[which] = v;
		if (mode_changed)
			timer_rebase(c, now);
		p->kick = true;
		snprintf(p->event, sizeof p->event, "lapic: LVT timer 0x%05x (%s%s, vector 0x%02x)", v,
			 timer_periodic(c) ? "periodic" : "one-shot", v & LAPIC_LVT_MASKED ? ", masked" : "", v & 0xFF);
		return;
	}
	c->lvt[which] = v;
	unsigned dm = (v & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT;
	if (which == LVT_LINT0 && !(v & LAPIC_LVT_MASKED) && dm != LAPIC_DM_EXTINT)
		post_unsupported(p, "LVT LINT0 in %s mode (only ExtINT is modelled)", dm_name(dm));
	p->notify = true;   /* LINT0 unmasked: the 8259 may be waiting */
}

static void cpu_write(struct lapic *a, unsigned cpu, unsigned reg, uint32_t v, uint64_t now, struct lapic_post *p)
{
	struct lapic_cpu *c = &a->cpu[cpu];
	enum lapic_lvt which;
	if (reg_is_lvt(reg, &which)) {
		cpu_write_lvt(c, which, v, now, p);
		return;
	}
	switch (reg) {
	case LAPIC_ID: c->id = v & LAPIC_ID_MASK; break;
	case LAPIC_TPR: c->tpr = v & 0xFF; break;
	case LAPIC_EOI: cpu_eoi(c, p); break;
	case LAPIC_LDR: c->ldr = v & LAPIC_ID_MASK; break;
	case LAPIC_DFR: c->dfr = (v & LAPIC_DFR_MASK) | ~LAPIC_DFR_MASK; break;
	case LAPIC_SVR:
		c->svr = v & LAPIC_SVR_RW;
		if (!cpu_sw_enabled(c))
			for (int i = 0; i < LVT_COUNT; i++)
				c->lvt[i] |= LAPIC_LVT_MASKED;
		break;
	case LAPIC_ESR:   /* a write moves the errors since the last one into view */
		c->esr = c->esr_pending;
		c->esr_pending = 0;
		break;
	case LAPIC_ICR_HI: c->icr_hi = v & LAPIC_ID_MASK; break;
	case LAPIC_ICR_LO:
		c->icr_lo = v & LAPIC_ICR_LO_RW;
		cpu_send_ipi(a, cpu, p);
		break;
	case LAPIC_TIMER_ICR:
		timer_settle(c, now, p);
		timer_load(c, v, now);
		p->kick = true;
		snprintf(p->event, sizeof p->event, "lapic%u: timer %s count %u divide %u", cpu,
			 v ? (timer_periodic(c) ? "armed periodic" : "armed one-shot") : "stopped", v,
			 (unsigned)timer_div(c));
		break;
	case LAPIC_TIMER_DCR:
		timer_settle(c, now, p);
		timer_rebase(c, now);
		c->timer_dcr = v & LAPIC_DCR_RW;
		p->kick = true;
		break;
	default:
		break;   /* read-only registers ignore writes */
	}
}

static bool reg_writable_or_ro(unsigned reg)
{
	uint32_t dummy;
	static const struct lapic_cpu zero;
	return cpu_read(&zero, reg, 0, &dummy);
}

void lapic_mmio(struct lapic *a, unsigned cpu, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct lapic_post p = { .eoi = -1 };
	unsigned reg = (unsigned)(off & 0xFF0), shift = (unsigned)(off & 3) * 8;
	uint32_t v = 0;

	if (size > 4)
		size = 4;
	if (is_write)
		memcpy(&v, data, size);
	if (cpu >= a->ncpus || (off & 0xC)) {   /* only the first dword of a 16-byte slot decodes */
		if (!is_write)
			memset(data, 0, size);
		return;
	}
	pthread_mutex_lock(&a->lock);
	struct lapic_cpu *c = &a->cpu[cpu];
	/* The clock only for the timer's registers (and those that can mask
	 * it): a kernel that reads its APIC ID per lock does not pay for it. */
	bool timed = reg == LAPIC_TIMER_CCR || reg == LAPIC_TIMER_ICR || reg == LAPIC_TIMER_DCR ||
		     reg == LAPIC_SVR || (is_write && ((reg >= 0x320 && reg <= 0x370) || reg == 0x2F0));
	uint64_t now = timed ? lapic_now(a) : 0;
	bool before = cpu_deliverable(c) >= 0;
	if (!reg_writable_or_ro(reg)) {
		cpu_error(c, LAPIC_ESR_ILLEGAL_REG, &p);
		v = 0;
	} else if (is_write) {
		cpu_write(a, cpu, reg, v << shift, now, &p);
	} else {
		cpu_read(c, reg, now, &v);
		v >>= shift;
	}
	if (!before && cpu_deliverable(c) >= 0)
		p.notify = true;   /* a TPR, EOI or self-IPI let something through */
	pthread_mutex_unlock(&a->lock);
	if (p.kick && a->h.kick)
		a->h.kick(a->h.ctx);
	if (!is_write)
		memcpy(data, &v, size);
	lapic_post_run(a, &p);
}

int lapic_msr(struct lapic *a, unsigned cpu, uint64_t *value, bool is_write)
{
	struct lapic_post p = { .eoi = -1 };
	if (cpu >= a->ncpus)
		return -1;
	pthread_mutex_lock(&a->lock);
	struct lapic_cpu *c = &a->cpu[cpu];
	int rc = 0;
	if (!is_write) {
		*value = c->base;
	} else if (*value & ~LAPIC_BASE_RW & ~(uint64_t)LAPIC_BASE_BSP) {
		rc = -1;   /* reserved bits, x2APIC's EXTD among them */
	} else if ((*value & LAPIC_BASE_MASK) != PC_LAPIC_BASE) {
		post_unsupported(&p, "moving the local APIC to 0x%llx", (unsigned long long)(*value & ~0xFFFull));
	} else {
		bool was = cpu_hw_enabled(c), en = *value & LAPIC_BASE_EN;
		if (was && !en) {
			cpu_power_up(c);
			snprintf(p.event, sizeof p.event, "lapic%u: globally disabled, the 8259 goes straight to the CPU", cpu);
		} else if (!was && en) {
			snprintf(p.event, sizeof p.event, "lapic%u: globally enabled", cpu);
		}
		c->base = (c->base & ~(uint64_t)LAPIC_BASE_EN) | (en ? LAPIC_BASE_EN : 0);
		p.notify = was != en;   /* the other interrupt path may have something */
		p.kick = was != en;
	}
	pthread_mutex_unlock(&a->lock);
	if (p.kick && a->h.kick)
		a->h.kick(a->h.ctx);
	lapic_post_run(a, &p);
	return rc;
}

/* ---- the interrupt seam ---- */

static bool cpu_extint(const struct lapic *a, const struct lapic_cpu *c)
{
	uint32_t l = c->lvt[LVT_LINT0];
	return !(l & LAPIC_LVT_MASKED) && ((l & LAPIC_DM_MASK) >> LAPIC_DM_SHIFT) == LAPIC_DM_EXTINT &&
	       a->h.extint_pending && a->h.extint_pending(a->h.ctx);
}

bool lapic_intc_pending(struct lapic *a, unsigned cpu)
{
	if (cpu >= a->ncpus)
		return false;
	pthread_mutex_lock(&a->lock);
	const struct lapic_cpu *c = &a->cpu[cpu];
	bool r = cpu_hw_enabled(c) && (cpu_deliverable(c) >= 0 || cpu_extint(a, c));
	pthread_mutex_unlock(&a->lock);
	return r;
}

int lapic_intc_ack(struct lapic *a, unsigned cpu)
{
	if (cpu >= a->ncpus)
		return -1;
	pthread_mutex_lock(&a->lock);
	struct lapic_cpu *c = &a->cpu[cpu];
	int v = cpu_deliverable(c);
	if (v >= 0) {
		vset(c->irr, (unsigned)v, false);
		vset(c->isr, (unsigned)v, true);
	} else if (cpu_extint(a, c)) {
		a->extints++;
		v = a->h.extint_ack(a->h.ctx);   /* the 8259 gives the vector; IRR/ISR untouched */
	} else {
		a->spurious++;
		v = (int)(c->svr & 0xFF);   /* the request went away: the spurious vector */
	}
	pthread_mutex_unlock(&a->lock);
	return v;
}

bool lapic_hw_enabled(struct lapic *a, unsigned cpu)
{
	if (cpu >= a->ncpus)
		return false;
	pthread_mutex_lock(&a->lock);
	bool r = cpu_hw_enabled(&a->cpu[cpu]);
	pthread_mutex_unlock(&a->lock);
	return r;
}

/* ---- the clock thread ---- */

uint64_t lapic_clock_next(void *opaque)
{
	struct lapic *a = opaque;
	uint64_t next = LAPIC_NO_EVENT;
	pthread_mutex_lock(&a->lock);
	for (unsigned i = 0; i < a->ncpus; i++) {
		uint64_t e = timer_next_ns(&a->cpu[i]);
		if (e < next)
			next = e;
	}
	pthread_mutex_unlock(&a->lock);
	return next == LAPIC_NO_EVENT ? CLOCK_NO_EVENT : next;
}

void lapic_clock_update(void *opaque)
{
	struct lapic *a = opaque;
	struct lapic_post p = { .eoi = -1 };
	pthread_mutex_lock(&a->lock);
	uint64_t now = lapic_now(a);
	for (unsigned i = 0; i < a->ncpus; i++)
		if (cpu_hw_enabled(&a->cpu[i]))
			timer_settle(&a->cpu[i], now, &p);
	pthread_mutex_unlock(&a->lock);
	lapic_post_run(a, &p);
}

/* ---- inspection ---- */

uint32_t lapic_read_reg(struct lapic *a, unsigned cpu, unsigned off)
{
	uint32_t v = 0;
	if (cpu >= a->ncpus)
		return 0;
	pthread_mutex_lock(&a->lock);
	cpu_read(&a->cpu[cpu], off & 0xFF0, lapic_now(a), &v);
	pthread_mutex_unlock(&a->lock);
	return v;
}

static size_t put(char *buf, size_t len, size_t k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t len, size_t k, const char *fmt, ...)
{
	if (k >= len)
		return k;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + k, len - k, fmt, ap);
	va_end(ap);
	return n > 0 ? k + (size_t)n : k;
}

static size_t put_vectors(char *buf, size_t len, size_t k, const char *name, const uint32_t r[8])
{
	k = put(buf, len, k, "  %s:", name);
	int any = 0;
	for (unsigned v = 0; v < 256; v++)
		if (vbit(r, v)) {
			k = put(buf, len, k, " %02x", v);
			any = 1;
		}
	return put(buf, len, k, "%s\n", any ? "" : " -");
}

void lapic_describe(struct lapic *a, char *buf, size_t len)
{
	size_t k = 0;
	if (len == 0)
		return;
	buf[0] = 0;
	pthread_mutex_lock(&a->lock);
	uint64_t now = lapic_now(a);
	for (unsigned i = 0; i < a->ncpus; i++) {
		const struct lapic_cpu *c = &a->cpu[i];
		k = put(buf, len, k, "cpu%u: id=%u base=0x%08llx (%s%s) version=0x%08x\n", i, c->id >> 24,
			(unsigned long long)c->base, cpu_hw_enabled(c) ? "enabled" : "globally disabled",
			c->base & LAPIC_BASE_BSP ? ", BSP" : "", LAPIC_VERSION);
		k = put(buf, len, k, "  svr=0x%03x (%s, spurious 0x%02x) tpr=0x%02x ppr=0x%02x apr=0x%02x ldr=0x%08x dfr=0x%08x (%s)\n",
			c->svr, cpu_sw_enabled(c) ? "software enabled" : "software disabled", c->svr & 0xFF, c->tpr,
			cpu_ppr(c), cpu_apr(c), c->ldr, c->dfr, (c->dfr >> 28) == 0xF ? "flat" : "cluster");
		k = put_vectors(buf, len, k, "irr", c->irr);
		k = put_vectors(buf, len, k, "isr", c->isr);
		k = put_vectors(buf, len, k, "tmr", c->tmr);
		k = put(buf, len, k, "  esr=0x%02x (pending 0x%02x) icr=0x%08x:%08x\n", c->esr, c->esr_pending, c->icr_hi,
			c->icr_lo);
		k = put(buf, len, k, "  lvt:");
		for (int l = 0; l < LVT_COUNT; l++)
			k = put(buf, len, k, " %s=0x%05x", lvt_name[l], c->lvt[l]);
		k = put(buf, len, k, "\n");
		uint64_t next = timer_next_ns(c);
		k = put(buf, len, k, "  timer: %s initial=%u current=%u divide=%u (%llu Hz) fired=%llu next=",
			timer_periodic(c) ? "periodic" : "one-shot", c->timer_icr, timer_ccr(c, now),
			(unsigned)timer_div(c), (unsigned long long)(LAPIC_BUS_HZ / timer_div(c)),
			(unsigned long long)c->timer_irqs);
		if (next == LAPIC_NO_EVENT)
			k = put(buf, len, k, "none\n");
		else
			k = put(buf, len, k, "%+.3f ms\n", ((double)next - (double)now) / 1e6);
	}
	put(buf, len, k, "ipis=%llu inits=%llu sipis=%llu (last vector 0x%02x) dropped=%llu extint=%llu spurious=%llu\n",
	    (unsigned long long)a->ipis, (unsigned long long)a->inits, (unsigned long long)a->sipis,
	    a->last_sipi_vector, (unsigned long long)a->dropped, (unsigned long long)a->extints,
	    (unsigned long long)a->spurious);
	pthread_mutex_unlock(&a->lock);
}

/* ---- the machine's local APICs (monitor/device.h) ---- */

static void lapic_hook_notify(void *m)
{
	machine_intr_notify(m);
}

static bool lapic_hook_extint_pending(void *m)
{
	return pic_intr(&((struct machine *)m)->pic);
}

static int lapic_hook_extint_ack(void *m)
{
	return pic_ack(&((struct machine *)m)->pic);
}

static void lapic_hook_eoi(void *m, int vector)
{
	machine_eoi(m, vector);
}

static void lapic_hook_unsupported(void *m, const char *what)
{
	machine_unsupported((struct machine *)m, "%s", what);
}

static void lapic_hook_kick(void *m)
{
	clock_kick(&((struct machine *)m)->clock);
}

static uint64_t lapic_hook_clock(void *m)
{
	(void)m;
	return clock_monotonic_ns(NULL);
}

/* vCPU 0's accesses: the only vCPU. */
static void lapic_dev_io(void *a, uint64_t off, void *data, unsigned size, bool is_write)
{
	lapic_mmio(a, 0, off, data, size, is_write);
}

static bool lapic_dev_pending(void *a, unsigned cpu)
{
	return lapic_intc_pending(a, cpu);
}

static int lapic_dev_ack(void *a, unsigned cpu)
{
	return lapic_intc_ack(a, cpu);
}

static int lapic_dev_msr(void *a, unsigned cpu, uint32_t index, uint64_t *value, bool is_write)
{
	(void)index;
	return lapic_msr(a, cpu, value, is_write);
}

int lapic_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	if (!cpu_has(&m->cpu, CPUF_APIC))
		return 0;   /* a CPU without an APIC: the 8259 is wired to INTR */
	struct lapic *a = calloc(1, sizeof *a);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lapic_init(a, m->ncpus, &(struct lapic_hooks){
		.notify = lapic_hook_notify, .extint_pending = lapic_hook_extint_pending,
		.extint_ack = lapic_hook_extint_ack, .eoi = lapic_hook_eoi, .unsupported = lapic_hook_unsupported,
		.kick = lapic_hook_kick, .clock = lapic_hook_clock, .ctx = m, .events = &m->events });
	if (machine_intc_add(m, &(struct machine_intc){ "lapic", lapic_dev_pending, lapic_dev_ack, a }) < 0 ||
	    machine_msr_add(m, LAPIC_MSR_BASE, lapic_dev_msr, a) < 0) {
		snprintf(err, errlen, "the machine's interrupt-controller or MSR table is full");
		goto fail;
	}
	if (machine_dev_mmio(d, PC_LAPIC_BASE, PC_LAPIC_SIZE, NULL, lapic_dev_io, a, err, errlen) < 0 ||
	    machine_clock_add(m, "lapic", lapic_clock_next, lapic_clock_update, a, err, errlen) < 0)
		goto fail;
	d->state = a;
	m->lapic = a;
	return 0;
fail:
	lapic_destroy(a);
	free(a);
	return -1;
}

void lapic_dev_reset(struct machine_dev *d)
{
	if (d->state)
		lapic_reset(d->state);
}

void lapic_dev_destroy(struct machine_dev *d)
{
	if (!d->state)
		return;
	clock_remove(&d->m->clock, d->state);
	d->m->lapic = NULL;
	lapic_destroy(d->state);
	free(d->state);
}
