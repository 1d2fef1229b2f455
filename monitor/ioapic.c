/* The 82093AA I/O APIC (see ioapic.h). Functions named pin_* run with the
 * lock held.
 *
 *   uint32_t sel = IOAPIC_REG_REDIR + 2 * 4, lo = 0x34;   // pin 4: vector 0x34, edge, unmasked
 *   ioapic_mmio(&io, IOAPIC_REGSEL, &sel, 4, true);
 *   ioapic_mmio(&io, IOAPIC_WIN, &lo, 4, true);
 */
#include "monitor/ioapic.h"
#include "monitor/machine.h"
#include "monitor/pcmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IOAPIC_RTE_LO_RW  0x1AFFFu      /* vector, mode, dest mode, polarity, trigger, mask */
#define IOAPIC_RTE_HI_RW  0xFF000000u   /* destination */
#define IOAPIC_ID_MASK    0x0F000000u

static bool pin_asserted(const struct ioapic *io, unsigned pin)
{
	bool level = (io->pins >> pin) & 1;
	return level != ((io->rte[pin] & IOAPIC_RTE_LOW) != 0);
}

static void pin_send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	bool level = e & IOAPIC_RTE_LEVEL;
	struct lapic_msg msg = {
		.vector = (uint8_t)e,
		.mode = (uint8_t)((e >> 8) & 7),
		.logical = e & IOAPIC_RTE_LOGICAL,
		.level = level,
		.dest = (uint8_t)(e >> 56),
		.shorthand = LAPIC_SH_NONE,
		.from = -1,
	};
	if (level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE;   /* until the EOI broadcast */
	io->sent[pin]++;
	if (io->h.deliver)
		io->h.deliver(io->h.ctx, &msg);
}

/* A level pin that is asserted, unmasked and not waiting for an EOI sends. */
static void pin_check_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE)) && pin_asserted(io, pin))
		pin_send(io, pin);
}

static uint32_t ioapic_read_locked(const struct ioapic *io, unsigned index)
{
	switch (index) {
	case IOAPIC_REG_ID: return io->id;
	case IOAPIC_REG_VER: return IOAPIC_VERSION;
	case IOAPIC_REG_ARB: return io->id;
	default: break;
	}
	if (index >= IOAPIC_REG_REDIR && index < IOAPIC_REG_REDIR + 2 * IOAPIC_PINS) {
		uint64_t e = io->rte[(index - IOAPIC_REG_REDIR) / 2];
		return (uint32_t)(index & 1 ? e >> 32 : e);
	}
	return 0;   /* nothing there: reads 0 */
}

static void ioapic_write_locked(struct ioapic *io, unsigned index, uint32_t v, char *ev, size_t evlen)
{
	if (index == IOAPIC_REG_ID) {
		io->id = v & IOAPIC_ID_MASK;
		return;
	}
	if (index < IOAPIC_REG_REDIR || index >= IOAPIC_REG_REDIR + 2 * IOAPIC_PINS)
		return;   /* version, arbitration: read-only */
	unsigned pin = (index - IOAPIC_REG_REDIR) / 2;
	uint64_t e = io->rte[pin];
	if (index & 1) {
		e = (e & 0xFFFFFFFFull) | (uint64_t)(v & IOAPIC_RTE_HI_RW) << 32;
	} else {
		uint64_t ro = e & IOAPIC_RTE_REMOTE;
		e = (e & ~0xFFFFFFFFull) | (v & IOAPIC_RTE_LO_RW) | ro;
		if (!(e & IOAPIC_RTE_LEVEL))
			e &= ~(uint64_t)IOAPIC_RTE_REMOTE;   /* remote IRR is undefined for edge: keep it clear */
	}
	io->rte[pin] = e;
	snprintf(ev, evlen, "ioapic: pin %u = vector 0x%02x %s %s%s dest 0x%02x%s", pin, (unsigned)(e & 0xFF),
		 (e & IOAPIC_RTE_LEVEL) ? "level" : "edge", (e & IOAPIC_RTE_LOW) ? "low" : "high",
		 (e & IOAPIC_RTE_LOGICAL) ? " logical" : "", (unsigned)(e >> 56), (e & IOAPIC_RTE_MASKED) ? " masked" : "");
	pin_check_level(io, pin);   /* unmasking an asserted level pin sends */
}

void ioapic_mmio(struct ioapic *io, uint64_t off, void *data, unsigned size, bool is_write)
{
	uint32_t v = 0;
	char ev[96] = "";

	if (size > 4)
		size = 4;
	if (is_write)
		memcpy(&v, data, size);
	pthread_mutex_lock(&io->lock);
	if (off == IOAPIC_REGSEL) {
		if (is_write)
			io->sel = (uint8_t)v;
		else
			v = io->sel;
	} else if (off == IOAPIC_WIN) {
		if (is_write)
			ioapic_write_locked(io, io->sel, v, ev, sizeof ev);
		else
			v = ioapic_read_locked(io, io->sel);
	} else if (!is_write) {
		v = 0;
	}
	pthread_mutex_unlock(&io->lock);
	if (!is_write)
		memcpy(data, &v, size);
	if (ev[0] && io->h.events)
		evlog_add(io->h.events, EV_IO, 0, -1, "%s", ev);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, int level)
{
	if (pin >= IOAPIC_PINS)
		return;
	pthread_mutex_lock(&io->lock);
	bool was = pin_asserted(io, pin);
	io->pins = level ? io->pins | 1u << pin : io->pins & ~(1u << pin);
	bool now = pin_asserted(io, pin);
	uint64_t e = io->rte[pin];
	if (e & IOAPIC_RTE_LEVEL)
		pin_check_level(io, pin);
	else if (now && !was && !(e & IOAPIC_RTE_MASKED))
		pin_send(io, pin);   /* an edge on a masked pin is lost */
	pthread_mutex_unlock(&io->lock);
}

void ioapic_eoi(struct ioapic *io, int vector)
{
	pthread_mutex_lock(&io->lock);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];
		if ((e & IOAPIC_RTE_REMOTE) && (int)(e & 0xFF) == vector) {
			io->rte[pin] &= ~(uint64_t)IOAPIC_RTE_REMOTE;
			pin_check_level(io, pin);   /* still asserted: again */
		}
	}
	pthread_mutex_unlock(&io->lock);
}

static void ioapic_state_reset(struct ioapic *io)
{
	io->id = io->reset_id;
	io->sel = 0;
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		io->rte[i] = IOAPIC_RTE_MASKED;
		io->sent[i] = 0;
	}
}

void ioapic_init(struct ioapic *io, unsigned id, const struct ioapic_hooks *h)
{
	memset(io, 0, sizeof *io);
	io->reset_id = (id << 24) & IOAPIC_ID_MASK;
	io->h = *h;
	ioapic_state_reset(io);
	pthread_mutex_init(&io->lock, NULL);
}

void ioapic_destroy(struct ioapic *io)
{
	pthread_mutex_destroy(&io->lock);
}

void ioapic_reset(struct ioapic *io)
{
	pthread_mutex_lock(&io->lock);
	ioapic_state_reset(io);   /* pin levels stay: they are the devices' */
	pthread_mutex_unlock(&io->lock);
}

uint32_t ioapic_read_reg(struct ioapic *io, unsigned index)
{
	pthread_mutex_lock(&io->lock);
	uint32_t v = ioapic_read_locked(io, index);
	pthread_mutex_unlock(&io->lock);
	return v;
}

uint64_t ioapic_entry(struct ioapic *io, unsigned pin)
{
	if (pin >= IOAPIC_PINS)
		return 0;
	pthread_mutex_lock(&io->lock);
	uint64_t e = io->rte[pin];
	pthread_mutex_unlock(&io->lock);
	return e;
}

void ioapic_describe(struct ioapic *io, char *buf, size_t len)
{
	static const char *const dm[8] = { "fixed", "lowest", "SMI", "rsvd", "NMI", "INIT", "rsvd", "ExtINT" };
	size_t k = 0;
	if (len == 0)
		return;
	buf[0] = 0;
	pthread_mutex_lock(&io->lock);
	int n = snprintf(buf, len, "id=%u version=0x%08x ioregsel=0x%02x pins asserted=0x%06x\n", io->id >> 24,
			 IOAPIC_VERSION, io->sel, io->pins);
	k = n > 0 ? (size_t)n : 0;
	unsigned shown = 0;
	for (unsigned i = 0; i < IOAPIC_PINS && k < len; i++) {
		uint64_t e = io->rte[i];
		if (e == IOAPIC_RTE_MASKED && !io->sent[i] && !((io->pins >> i) & 1))
			continue;
		shown++;
		n = snprintf(buf + k, len - k, "pin %2u: %016llx vector 0x%02x %s %s %s %s dest 0x%02x%s%s sent=%llu\n", i,
			     (unsigned long long)e, (unsigned)(e & 0xFF), dm[(e >> 8) & 7],
			     (e & IOAPIC_RTE_LOGICAL) ? "logical" : "physical", (e & IOAPIC_RTE_LEVEL) ? "level" : "edge",
			     (e & IOAPIC_RTE_LOW) ? "low" : "high", (unsigned)(e >> 56),
			     (e & IOAPIC_RTE_MASKED) ? " masked" : "", (e & IOAPIC_RTE_REMOTE) ? " remote-irr" : "",
			     (unsigned long long)io->sent[i]);
		k += n > 0 ? (size_t)n : 0;
	}
	if (k < len)
		snprintf(buf + k, len - k, "%u of %u entries shown; the others are masked and idle\n", shown, IOAPIC_PINS);
	pthread_mutex_unlock(&io->lock);
}

/* ---- the machine's IOAPIC (monitor/device.h) ---- */

static void ioapic_dev_deliver(void *lapic, const struct lapic_msg *msg)
{
	lapic_deliver(lapic, msg);
}

/* An ISA line: IRQ 0 goes to pin 2 (the override the firmware tables give). */
static void ioapic_dev_line(void *io, int line, int level)
{
	if (line >= 0 && line < 16)
		ioapic_set_irq(io, PC_ISA_GSI(line), level);
}

static void ioapic_dev_eoi(void *io, int vector)
{
	ioapic_eoi(io, vector);
}

static void ioapic_dev_io(void *io, uint64_t off, void *data, unsigned size, bool is_write)
{
	ioapic_mmio(io, off, data, size, is_write);
}

int ioapic_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	if (!m->lapic)
		return 0;   /* no local APIC to send to: no IOAPIC either */
	struct ioapic *io = calloc(1, sizeof *io);
	if (!io) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ioapic_init(io, PC_IOAPIC_ID(m->ncpus),
		    &(struct ioapic_hooks){ .deliver = ioapic_dev_deliver, .ctx = m->lapic, .events = &m->events });
	if (machine_irq_sink_add(m, ioapic_dev_line, io) < 0 || machine_eoi_add(m, ioapic_dev_eoi, io) < 0) {
		snprintf(err, errlen, "the machine's IRQ sink or EOI table is full");
		goto fail;
	}
	if (machine_dev_mmio(d, PC_IOAPIC_BASE, PC_IOAPIC_SIZE, NULL, ioapic_dev_io, io, err, errlen) < 0)
		goto fail;
	d->state = io;
	m->ioapic = io;
	return 0;
fail:
	ioapic_destroy(io);
	free(io);
	return -1;
}

void ioapic_dev_reset(struct machine_dev *d)
{
	if (d->state)
		ioapic_reset(d->state);
}

void ioapic_dev_destroy(struct machine_dev *d)
{
	if (!d->state)
		return;
	d->m->ioapic = NULL;
	ioapic_destroy(d->state);
	free(d->state);
}
