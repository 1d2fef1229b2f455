/* The machine's devices (see device.h): walking the table, the helpers a
 * device claims its ranges and IRQ lines with, the IRQ routing and DMA. */
#include "monitor/device.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which claimed range of bus holds [base, base+len), if any. */
static const struct machine_dev *dev_range_owner(const struct machine *m, enum machine_bus bus, uint64_t base,
						 uint64_t len, const struct machine_devrange **hit)
{
	for (size_t i = 0; i < m->ndev; i++) {
		const struct machine_dev *d = &m->dev[i];
		for (unsigned k = 0; k < d->nranges; k++) {
			const struct machine_devrange *r = &d->range[k];
			if (r->bus == bus && r->base < base + len && base < r->base + r->len) {
				*hit = r;
				return d;
			}
		}
	}
	return NULL;
}

static int dev_range(struct machine_dev *d, enum machine_bus bus, uint64_t base, uint64_t len, const char *label,
		     io_fn *fn, void *opaque, char *err, size_t errlen)
{
	struct machine *m = d->m;
	const char *busname = bus == MACHINE_BUS_PIO ? "port" : "mmio";
	const struct machine_devrange *hit = NULL;

	if (!label)
		label = d->type->name;
	if (len == 0 || base + len < base || (bus == MACHINE_BUS_PIO && base + len > 0x10000)) {
		snprintf(err, errlen, "%s range 0x%llx+0x%llx is empty or wraps", busname, (unsigned long long)base,
			 (unsigned long long)len);
		return -1;
	}
	const struct machine_dev *owner = dev_range_owner(m, bus, base, len, &hit);
	if (owner) {
		snprintf(err, errlen, "%s range 0x%llx-0x%llx overlaps 0x%llx-0x%llx of %s", busname,
			 (unsigned long long)base, (unsigned long long)(base + len - 1), (unsigned long long)hit->base,
			 (unsigned long long)(hit->base + hit->len - 1), owner->type->name);
		return -1;
	}
	if (d->nranges == MACHINE_DEV_RANGES) {
		snprintf(err, errlen, "more than %d ranges", MACHINE_DEV_RANGES);
		return -1;
	}
	if (iobus_register(bus == MACHINE_BUS_PIO ? &m->pio : &m->mmio, base, len, label, fn, opaque) < 0) {
		snprintf(err, errlen, "%s range 0x%llx-0x%llx refused by the bus", busname, (unsigned long long)base,
			 (unsigned long long)(base + len - 1));
		return -1;
	}
	d->range[d->nranges++] = (struct machine_devrange){ bus, base, len, label };
	return 0;
}

int machine_dev_pio(struct machine_dev *d, uint16_t base, uint32_t len, const char *label, io_fn *fn,
		    void *opaque, char *err, size_t errlen)
{
	return dev_range(d, MACHINE_BUS_PIO, base, len, label, fn, opaque, err, errlen);
}

int machine_dev_mmio(struct machine_dev *d, uint64_t base, uint64_t len, const char *label, io_fn *fn,
		     void *opaque, char *err, size_t errlen)
{
	return dev_range(d, MACHINE_BUS_MMIO, base, len, label, fn, opaque, err, errlen);
}

int machine_dev_irq(struct machine_dev *d, int line, const char *label, char *err, size_t errlen)
{
	struct machine *m = d->m;

	if (line < 0 || line >= MACHINE_NR_IRQS) {
		snprintf(err, errlen, "IRQ %d is not a line (0-%d)", line, MACHINE_NR_IRQS - 1);
		return -1;
	}
	for (size_t i = 0; i < m->ndev; i++)
		for (unsigned k = 0; k < m->dev[i].nirqs; k++)
			if (m->dev[i].irq[k].line == line) {
				snprintf(err, errlen, "IRQ %d is already wired to %s", line, m->dev[i].type->name);
				return -1;
			}
	if (d->nirqs == MACHINE_DEV_IRQS) {
		snprintf(err, errlen, "more than %d IRQ lines", MACHINE_DEV_IRQS);
		return -1;
	}
	d->irq[d->nirqs++] = (struct machine_devirq){ line, label ? label : d->type->name };
	return 0;
}

/* The name of the device that claimed line, or "?". */
static const char *dev_line_owner(const struct machine *m, int line)
{
	for (size_t i = 0; i < m->ndev; i++)
		for (unsigned k = 0; k < m->dev[i].nirqs; k++)
			if (m->dev[i].irq[k].line == line)
				return m->dev[i].irq[k].label;
	return "?";
}

void machine_set_irq(struct machine *m, int line, int level)
{
	/* A rise is an irq event, but only while a catch waits for one: the
	 * timers raise lines thousands of times a second. The EIP is not known
	 * here (the clock thread raises most lines). */
	if (line >= 0 && line < MACHINE_NR_IRQS) {
		unsigned bit = 1u << line;
		unsigned old = level ? atomic_fetch_or(&m->irq_levels, bit) : atomic_fetch_and(&m->irq_levels, ~bit);
		if (level && !(old & bit) && (atomic_load(&m->events.hook_mask) & (1u << EV_IRQ)))
			evlog_add(&m->events, EV_IRQ, 0, -1, "irq %d raised (%s)", line, dev_line_owner(m, line));
	}
	for (int i = 0; i < m->nirq_sinks; i++)
		m->irq_sink[i].fn(m->irq_sink[i].ctx, line, level);
}

int machine_irq_sink_add(struct machine *m, machine_irq_fn *fn, void *ctx)
{
	if (m->nirq_sinks == MACHINE_MAX_IRQ_SINKS)
		return -1;
	m->irq_sink[m->nirq_sinks].fn = fn;
	m->irq_sink[m->nirq_sinks].ctx = ctx;
	m->nirq_sinks++;
	return 0;
}

struct machine_dev *machine_dev_find(struct machine *m, const char *name)
{
	for (size_t i = 0; i < m->ndev; i++)
		if (strcmp(m->dev[i].type->name, name) == 0)
			return &m->dev[i];
	return NULL;
}

void *machine_device(struct machine *m, const char *name)
{
	struct machine_dev *d = machine_dev_find(m, name);
	return d ? d->state : NULL;
}

int machine_devices_init(struct machine *m, const struct machine_devtype *table, size_t n, char *err,
			 size_t errlen)
{
	char why[256];

	m->dev = calloc(n ? n : 1, sizeof *m->dev);
	if (!m->dev) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->ndev = 0;
	for (size_t i = 0; i < n; i++) {
		/* Counted before init so its own claims see each other; uncounted
		 * again if it fails, so destroy never meets it. */
		struct machine_dev *d = &m->dev[m->ndev++];
		*d = (struct machine_dev){ .type = &table[i], .m = m };
		why[0] = 0;
		if (table[i].init(d, why, sizeof why) < 0) {
			snprintf(err, errlen, "device %s: %s", table[i].name, why[0] ? why : "failed");
			m->ndev--;
			machine_devices_destroy(m);
			return -1;
		}
	}
	return 0;
}

void machine_devices_destroy(struct machine *m)
{
	while (m->ndev > 0) {
		struct machine_dev *d = &m->dev[--m->ndev];
		if (d->type->destroy)
			d->type->destroy(d);
	}
	free(m->dev);
	m->dev = NULL;
}

void machine_reset(struct machine *m)
{
	for (size_t i = 0; i < m->ndev; i++)
		if (m->dev[i].type->reset)
			m->dev[i].type->reset(&m->dev[i]);
}

int machine_dma_read(struct machine *m, uint64_t pa, void *dst, size_t len)
{
	return gmem_read(&m->mem, pa, dst, len);
}

int machine_dma_write(struct machine *m, uint64_t pa, const void *src, size_t len)
{
	if (gmem_write(&m->mem, pa, src, len) < 0)
		return -1;
	if (len && m->ram_written)
		m->ram_written(m->ram_written_opaque, pa, len);
	return 0;
}
