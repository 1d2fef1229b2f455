/* The cascaded 8259A pair (see pic.h). Priority is kept as "highest": the IR
 * level that currently has the highest priority; rank r (0 = highest) is IR
 * (highest + r) mod 8. Everything below runs with the pair's mutex held except
 * the public entry points, which take it and call the notify callback after
 * dropping it.
 *
 *   pic_set_irq(&pic, 0, 1);    // IRR bit 0 set on the rising edge
 *   int vec = pic_ack(&pic);    // 0x08: IRQ 0 now in service
 *   uint8_t eoi = PIC_OCW2_NSEOI;
 *   pic_master_io(&pic, 0, &eoi, 1, true);
 */
#include "monitor/pic.h"
#include "monitor/lapic.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <string.h>

#define PIC_IR_MASK  0x07  /* IR level within a chip (priority arithmetic wraps here) */
#define PIC_IR_BITS  3     /* IRQ number = chip index << 3 | IR level */
#define PIC_NO_IRQ   (-1)  /* chip_pending(): nothing to deliver */
#define PIC_NO_RANK  8     /* chip_rank(): empty mask */
#define PIC_CMD_PORT 0     /* A0 = 0 */
#define PIC_ICW_DONE 0     /* init_step when operational */

static uint8_t bit(int ir)
{
	return (uint8_t)(1u << (ir & PIC_IR_MASK));
}

/* Rank (0 = highest priority) of the highest-priority bit in mask, or PIC_NO_RANK. */
static int chip_rank(const struct pic_chip *c, uint8_t mask)
{
	for (int r = 0; r < PIC_NO_RANK; r++)
		if (mask & bit(c->highest + r))
			return r;
	return PIC_NO_RANK;
}

static int chip_ir_of_rank(const struct pic_chip *c, int rank)
{
	return (c->highest + rank) & PIC_IR_MASK;
}

static bool chip_aeoi(const struct pic_chip *c)
{
	return c->icw4 & PIC_ICW4_AEOI;
}

static bool chip_level_mode(const struct pic_chip *c)
{
	return c->icw1 & PIC_ICW1_LTIM;
}

/* The IR level this chip would put on INTR, or PIC_NO_IRQ. Fully nested mode:
 * the request must outrank everything in service. Special mask mode: every
 * unmasked request whose own ISR bit is clear may interrupt. Special fully
 * nested mode (master): the cascade input may interrupt its own service. */
static int chip_pending(const struct pic_chip *c)
{
	uint8_t req = c->irr & (uint8_t)~c->imr;

	if (c->special_mask) {
		int r = chip_rank(c, req & (uint8_t)~c->isr);
		return r == PIC_NO_RANK ? PIC_NO_IRQ : chip_ir_of_rank(c, r);
	}
	int r = chip_rank(c, req);
	if (r == PIC_NO_RANK)
		return PIC_NO_IRQ;
	int cur = chip_rank(c, c->isr);
	int ir = chip_ir_of_rank(c, r);
	if (r < cur)
		return ir;
	if (r == cur && c->master && (c->icw4 & PIC_ICW4_SFNM) && ir == PIC_CASCADE_IR)
		return ir;
	return PIC_NO_IRQ;
}

/* Drive one input; returns true if a new request was latched in the IRR. */
static bool chip_set_line(struct pic_chip *c, int ir, bool level)
{
	uint8_t m = bit(ir);
	bool was = c->lines & m;
	bool latched = false;

	if (level)
		c->lines |= m;
	else
		c->lines &= (uint8_t)~m;
	if (chip_level_mode(c)) {
		latched = level && !(c->irr & m);
		c->irr = level ? (c->irr | m) : (c->irr & (uint8_t)~m);
	} else if (level && !was) {
		latched = !(c->irr & m);
		c->irr |= m;
	}
	return latched;
}

/* The second INTA pulse for level ir: into service (or auto-EOI), request
 * consumed (edge mode; a level input keeps requesting until it drops). */
static void chip_ack_ir(struct pic_chip *c, int ir)
{
	if (chip_aeoi(c)) {
		if (c->rotate_aeoi)
			c->highest = (uint8_t)((ir + 1) & PIC_IR_MASK);
	} else {
		c->isr |= bit(ir);
	}
	if (!chip_level_mode(c))
		c->irr &= (uint8_t)~bit(ir);
}

static bool pic_cascaded(const struct pic *p)
{
	const struct pic_chip *m = &p->chip[PIC_MASTER];
	return !(m->icw1 & PIC_ICW1_SNGL) && (m->icw3 & bit(PIC_CASCADE_IR));
}

/* Feed the slave's INT output to the master's IR2. */
static bool pic_update_cascade(struct pic *p)
{
	bool level = chip_pending(&p->chip[PIC_SLAVE]) != PIC_NO_IRQ;
	return chip_set_line(&p->chip[PIC_MASTER], PIC_CASCADE_IR, level);
}

static bool pic_intr_locked(const struct pic *p)
{
	return chip_pending(&p->chip[PIC_MASTER]) != PIC_NO_IRQ;
}

static void pic_notify_if(struct pic *p, bool raise)
{
	if (raise && p->notify)
		p->notify(p->opaque);
}

/* ICW1: start the initialisation sequence and reset the chip's state. */
static void chip_icw1(struct pic_chip *c, uint8_t v)
{
	c->icw1 = v;
	c->init_step = 2;
	c->imr = 0;
	c->isr = 0;
	/* The edge sense circuit is reset: a line must rise again to request. */
	c->irr = chip_level_mode(c) ? c->lines : 0;
	c->highest = 0;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	c->rotate_aeoi = false;
	if (!(v & PIC_ICW1_IC4))
		c->icw4 = 0;
}

/* ICW2-ICW4 on the data port, in the order ICW1 asked for. */
static void chip_icw_next(struct pic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:
		c->base = v & PIC_ICW2_BASE_MASK;
		if (!(c->icw1 & PIC_ICW1_SNGL))
			c->init_step = 3;
		else
			c->init_step = (c->icw1 & PIC_ICW1_IC4) ? 4 : PIC_ICW_DONE;
		break;
	case 3:
		c->icw3 = v;
		c->init_step = (c->icw1 & PIC_ICW1_IC4) ? 4 : PIC_ICW_DONE;
		break;
	default:
		c->icw4 = v;
		c->init_step = PIC_ICW_DONE;
		break;
	}
}

/* Clear the in-service bit of level ir, rotating priority if asked. */
static void chip_eoi_ir(struct pic_chip *c, int ir, bool rotate)
{
	c->isr &= (uint8_t)~bit(ir);
	if (rotate)
		c->highest = (uint8_t)((ir + 1) & PIC_IR_MASK);
}

/* Non-specific EOI: the highest-priority level in service. In special mask
 * mode, in-service levels that are masked are not seen (datasheet). */
static void chip_nseoi(struct pic_chip *c, bool rotate)
{
	uint8_t isr = c->isr;
	if (c->special_mask)
		isr &= (uint8_t)~c->imr;
	int r = chip_rank(c, isr);
	if (r != PIC_NO_RANK)
		chip_eoi_ir(c, chip_ir_of_rank(c, r), rotate);
}

static void chip_ocw2(struct pic_chip *c, uint8_t v)
{
	int level = v & PIC_OCW2_LEVEL;

	switch (v & PIC_OCW2_CMD) {
	case PIC_OCW2_ROT_AEOI_CLR: c->rotate_aeoi = false; break;
	case PIC_OCW2_ROT_AEOI_SET: c->rotate_aeoi = true; break;
	case PIC_OCW2_NSEOI:        chip_nseoi(c, false); break;
	case PIC_OCW2_ROT_NSEOI:    chip_nseoi(c, true); break;
	case PIC_OCW2_SEOI:         chip_eoi_ir(c, level, false); break;
	case PIC_OCW2_ROT_SEOI:     chip_eoi_ir(c, level, true); break;
	case PIC_OCW2_SET_PRIO:     c->highest = (uint8_t)((level + 1) & PIC_IR_MASK); break;
	default:                    break;   /* PIC_OCW2_NOP */
	}
}

static void chip_ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & PIC_OCW3_ESMM)
		c->special_mask = v & PIC_OCW3_SMM;
	if (v & PIC_OCW3_RR)
		c->read_isr = v & PIC_OCW3_RIS;
	c->poll = v & PIC_OCW3_P;   /* a later OCW3 without P cancels a poll */
}

static void pic_write(struct pic *p, int which, unsigned port, uint8_t v)
{
	struct pic_chip *c = &p->chip[which];

	if (port == PIC_CMD_PORT) {
		if (v & PIC_ICW1_INIT)
			chip_icw1(c, v);
		else if (v & PIC_OCW3_SEL)
			chip_ocw3(c, v);
		else
			chip_ocw2(c, v);
	} else if (c->init_step != PIC_ICW_DONE) {
		chip_icw_next(c, v);
	} else {
		c->imr = v;   /* OCW1 */
	}
}

/* A read after a poll command: an acknowledge on this chip alone. */
static uint8_t pic_poll_read(struct pic *p, int which)
{
	struct pic_chip *c = &p->chip[which];
	int ir = chip_pending(c);

	if (ir == PIC_NO_IRQ)
		return 0;
	chip_ack_ir(c, ir);
	/* The master latched the slave's request on IR2; polling the slave
	 * consumed it, so do not leave a stale request behind there. */
	if (which == PIC_SLAVE)
		p->chip[PIC_MASTER].irr &= (uint8_t)~bit(PIC_CASCADE_IR);
	return (uint8_t)(PIC_POLL_INT | ir);
}

static uint8_t pic_read(struct pic *p, int which, unsigned port)
{
	struct pic_chip *c = &p->chip[which];

	if (c->poll) {   /* the poll applies to the next read of either port */
		c->poll = false;
		return pic_poll_read(p, which);
	}
	if (port == PIC_CMD_PORT)
		return c->read_isr ? c->isr : c->irr;
	return c->imr;
}

static void pic_io(struct pic *p, int which, uint64_t off, void *data, unsigned size,
		   bool is_write)
{
	uint8_t *d = data;

	pthread_mutex_lock(&p->lock);
	bool before = pic_intr_locked(p);
	for (unsigned i = 0; i < size; i++) {
		unsigned port = (unsigned)((off + i) & 1);
		if (is_write)
			pic_write(p, which, port, d[i]);
		else
			d[i] = pic_read(p, which, port);
	}
	pic_update_cascade(p);
	bool after = pic_intr_locked(p);
	pthread_mutex_unlock(&p->lock);
	pic_notify_if(p, after && !before);
}

void pic_master_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	pic_io(opaque, PIC_MASTER, off, data, size, is_write);
}

void pic_slave_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	pic_io(opaque, PIC_SLAVE, off, data, size, is_write);
}

/* The state ICW1-ICW4 leave, as the BIOS programs them (see pic.h). */
static void chip_reset(struct pic_chip *c, bool master)
{
	memset(c, 0, sizeof *c);
	c->master = master;
	chip_icw1(c, PIC_ICW1_INIT | PIC_ICW1_IC4);
	chip_icw_next(c, master ? PIC_RESET_MASTER_VEC : PIC_RESET_SLAVE_VEC);
	chip_icw_next(c, master ? PIC_ICW3_MASTER_DEFAULT : PIC_ICW3_SLAVE_DEFAULT);
	chip_icw_next(c, PIC_ICW4_UPM);
	c->imr = master ? PIC_RESET_MASTER_IMR : PIC_RESET_SLAVE_IMR;
}

void pic_init(struct pic *p, pic_notify_fn *notify, void *opaque)
{
	memset(p, 0, sizeof *p);
	chip_reset(&p->chip[PIC_MASTER], true);
	chip_reset(&p->chip[PIC_SLAVE], false);
	p->notify = notify;
	p->opaque = opaque;
	pthread_mutex_init(&p->lock, NULL);
}

void pic_destroy(struct pic *p)
{
	pthread_mutex_destroy(&p->lock);
}

void pic_reset(struct pic *p)
{
	pthread_mutex_lock(&p->lock);
	chip_reset(&p->chip[PIC_MASTER], true);
	chip_reset(&p->chip[PIC_SLAVE], false);
	p->acks = 0;
	p->spurious[0] = p->spurious[1] = 0;
	pthread_mutex_unlock(&p->lock);
}

void pic_set_irq(struct pic *p, int irq, int level)
{
	if (irq < 0 || irq >= PIC_NR_IRQS)
		return;
	pthread_mutex_lock(&p->lock);
	bool before = pic_intr_locked(p);
	bool latched = chip_set_line(&p->chip[irq >> PIC_IR_BITS], irq & PIC_IR_MASK, level != 0);
	latched |= pic_update_cascade(p);
	bool after = pic_intr_locked(p);
	pthread_mutex_unlock(&p->lock);
	pic_notify_if(p, after && (!before || latched));
}

bool pic_intr(struct pic *p)
{
	pthread_mutex_lock(&p->lock);
	bool r = pic_intr_locked(p);
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* INTA on the slave after the master chose the cascade input. */
static int pic_ack_slave(struct pic *p)
{
	struct pic_chip *s = &p->chip[PIC_SLAVE];
	int ir = chip_pending(s);

	if (ir == PIC_NO_IRQ) {
		p->spurious[PIC_SLAVE]++;
		ir = PIC_SPURIOUS_IR;
	} else {
		chip_ack_ir(s, ir);
	}
	/* The slave's INT drops during INTA; a request still pending rises again. */
	chip_set_line(&p->chip[PIC_MASTER], PIC_CASCADE_IR, false);
	return s->base + ir;
}

int pic_ack(struct pic *p)
{
	struct pic_chip *m = &p->chip[PIC_MASTER];
	int vec;

	pthread_mutex_lock(&p->lock);
	p->acks++;
	int ir = chip_pending(m);
	if (ir == PIC_NO_IRQ) {
		p->spurious[PIC_MASTER]++;
		vec = m->base + PIC_SPURIOUS_IR;
	} else {
		chip_ack_ir(m, ir);
		if (ir == PIC_CASCADE_IR && pic_cascaded(p))
			vec = pic_ack_slave(p);
		else
			vec = m->base + ir;
	}
	pic_update_cascade(p);
	pthread_mutex_unlock(&p->lock);
	return vec;
}

static int chip_describe(const struct pic_chip *c, const char *name, char *buf, size_t len)
{
	return snprintf(buf, len,
			"%-6s irr=%02x isr=%02x imr=%02x base=0x%02x highest=IR%u%s%s%s%s%s%s\n",
			name, c->irr, c->isr, c->imr, c->base, (unsigned)c->highest,
			c->read_isr ? " read=isr" : " read=irr",
			chip_level_mode(c) ? " level" : " edge",
			chip_aeoi(c) ? " aeoi" : "",
			c->special_mask ? " smm" : "",
			(c->icw4 & PIC_ICW4_SFNM) ? " sfnm" : "",
			c->init_step != PIC_ICW_DONE ? " (in ICW sequence)" : "");
}

void pic_describe(struct pic *p, char *buf, size_t len)
{
	size_t k = 0;

	if (len == 0)
		return;
	buf[0] = 0;
	pthread_mutex_lock(&p->lock);
	const char *names[2] = { "master", "slave" };
	for (int i = 0; i < 2 && k < len; i++) {
		int n = chip_describe(&p->chip[i], names[i], buf + k, len - k);
		k += n > 0 ? (size_t)n : 0;
	}
	if (k < len)
		snprintf(buf + k, len - k, "intr=%d acks=%llu spurious7=%llu spurious15=%llu\n",
			 pic_intr_locked(p), (unsigned long long)p->acks,
			 (unsigned long long)p->spurious[PIC_MASTER],
			 (unsigned long long)p->spurious[PIC_SLAVE]);
	pthread_mutex_unlock(&p->lock);
}

/* The machine's 8259A pair (monitor/device.h). */

/* The 8259 pair as the CPU sees it, through the machine's interrupt seam:
 * one INTR line, wired to the boot CPU (there is one vCPU). While that
 * CPU's local APIC is globally enabled the INTR line reaches it through
 * the APIC's LINT0 (monitor/lapic.c, ahead in the seam), so this entry is
 * inactive: one path, never both. */
static bool pic_intc_pending(void *machine, unsigned cpu)
{
	struct machine *m = machine;
	if (cpu != 0 || (m->lapic && lapic_hw_enabled(m->lapic, cpu)))
		return false;
	return pic_intr(&m->pic);
}

static int pic_intc_ack(void *machine, unsigned cpu)
{
	(void)cpu;
	return pic_ack(&((struct machine *)machine)->pic);
}

static void pic_dev_line(void *pic, int line, int level)
{
	pic_set_irq(pic, line, level);
}

int pic_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	pic_init(&m->pic, machine_intr_notify, m);
	d->state = &m->pic;
	if (machine_intc_add(m, &(struct machine_intc){ "pic", pic_intc_pending, pic_intc_ack, m }) < 0 ||
	    machine_irq_sink_add(m, pic_dev_line, &m->pic) < 0) {
		snprintf(err, errlen, "pic: the machine's interrupt-controller table is full");
		pic_destroy(&m->pic);
		return -1;
	}
	if (machine_dev_pio(d, PIC_MASTER_BASE, PIC_PORTS, "pic-master", pic_master_io, &m->pic, err, errlen) < 0 ||
	    machine_dev_pio(d, PIC_SLAVE_BASE, PIC_PORTS, "pic-slave", pic_slave_io, &m->pic, err, errlen) < 0 ||
	    machine_dev_irq(d, PIC_CASCADE_IR, "cascade", err, errlen) < 0) {
		pic_destroy(&m->pic);
		return -1;
	}
	return 0;
}

void pic_dev_reset(struct machine_dev *d)
{
	pic_reset(d->state);
}

void pic_dev_destroy(struct machine_dev *d)
{
	pic_destroy(d->state);
}
