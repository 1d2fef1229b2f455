/* The BDA, the EBDA and the MP tables (see mptable.h). Layouts from the
 * Intel MultiProcessor Specification 1.4, chapter 4 and appendix D; the BDA
 * fields from the IBM PC/AT BIOS. */
#include "monitor/mptable.h"

#include <stdio.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/pcmap.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* The byte that makes a structure's bytes sum to zero. */
static uint8_t mp_checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* BIOS data area: the serial ports, the equipment word, base memory (639
 * KiB, the EBDA above it), the CRT controller's port. */
static void mp_bda(struct machine *m)
{
	uint8_t *bda = gmem_ptr(&m->mem, PC_BDA_BASE, 0x100);
	uint8_t *ebda = gmem_ptr(&m->mem, PC_EBDA_BASE, PC_EBDA_SIZE);
	if (!bda || !ebda)
		return;
	memset(bda, 0, 0x100);
	static const uint16_t com[4] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	for (int i = 0; i < 4; i++)
		put16(bda + 2 * i, com[i]);
	put16(bda + 0x0e, PC_EBDA_BASE >> 4);
	/* Equipment: an x87, 80x25 colour video, four serial ports. */
	put16(bda + 0x10, 0x0002 | 0x0020 | (4 << 9));
	put16(bda + 0x13, PC_EBDA_BASE >> 10);
	bda[0x49] = 0x03;                 /* video mode 3: 80x25 colour text */
	put16(bda + 0x4a, 80);
	put16(bda + 0x63, 0x3d4);         /* CRT controller base port */
	bda[0x84] = 24;                   /* rows - 1 */
	memset(ebda, 0, PC_EBDA_SIZE);
	ebda[0] = PC_EBDA_SIZE >> 10;     /* its size in KiB */
}

struct mp_writer {
	uint8_t *base, *p;
	uint16_t entries;
};

static uint8_t *mp_entry(struct mp_writer *w, size_t len)
{
	uint8_t *e = w->p;
	memset(e, 0, len);
	w->p += len;
	w->entries++;
	return e;
}

static void mp_ioint(struct mp_writer *w, uint8_t type, uint16_t flags, uint8_t bus, uint8_t irq, uint8_t apic,
		     uint8_t pin)
{
	uint8_t *e = mp_entry(w, 8);
	e[0] = 3;
	e[1] = type;
	put16(e + 2, flags);
	e[4] = bus;
	e[5] = irq;
	e[6] = apic;
	e[7] = pin;
}

int mptable_write(struct machine *m)
{
	mp_bda(m);
	if (!m->lapic)
		return 0;
	uint8_t *fp = gmem_ptr(&m->mem, MP_FLOATING_ADDR, 16);
	uint8_t *ct = gmem_ptr(&m->mem, MP_CONFIG_ADDR, MP_CONFIG_MAX);
	if (!fp || !ct)
		return -1;
	memset(ct, 0, MP_CONFIG_MAX);
	struct mp_writer w = { ct, ct + 44, 0 };
	uint32_t id[4];
	cpu_model_cpuid(&m->cpu, 1, 0, 0, id);
	unsigned ncpus = m->ncpus ? m->ncpus : 1;
	for (unsigned c = 0; c < ncpus && (size_t)(w.p - ct) + 20 <= MP_CONFIG_MAX - 200; c++) {
		uint8_t *e = mp_entry(&w, 20);
		e[0] = 0;                          /* processor */
		e[1] = (uint8_t)c;                 /* local APIC ID */
		e[2] = MP_LAPIC_VERSION;
		e[3] = 0x01 | (c == 0 ? 0x02 : 0); /* enabled, bootstrap processor */
		put32(e + 4, id[0] & 0xfff);       /* stepping, model, family */
		put32(e + 8, id[3]);               /* CPUID.1:EDX */
	}
	uint8_t *b = mp_entry(&w, 8);
	b[0] = 1;
	b[1] = MP_BUS_PCI;
	memcpy(b + 2, "PCI   ", 6);
	b = mp_entry(&w, 8);
	b[0] = 1;
	b[1] = MP_BUS_ISA;
	memcpy(b + 2, "ISA   ", 6);
	uint8_t ioapic = (uint8_t)PC_IOAPIC_ID(ncpus);
	uint8_t *io = mp_entry(&w, 8);
	io[0] = 2;
	io[1] = ioapic;
	io[2] = MP_IOAPIC_VERSION;
	io[3] = 0x01;                              /* usable */
	put32(io + 4, PC_IOAPIC_BASE);
	/* ISA IRQs: conforming polarity and trigger (edge, active high), IRQ0
	 * on pin 2, the others on their own pins; IRQ2 is the cascade. The SCI
	 * (IRQ 9) is level-triggered, active high, as the MADT says. */
	mp_ioint(&w, 3, 0, MP_BUS_ISA, 0, ioapic, 0);   /* ExtINT: the 8259 on pin 0 */
	for (unsigned irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		uint16_t flags = irq == PC_ACPI_SCI_IRQ ? 0x0d : 0;   /* active high, level */
		mp_ioint(&w, 0, flags, MP_BUS_ISA, (uint8_t)irq, ioapic, (uint8_t)PC_ISA_GSI(irq));
	}
	/* Local interrupts, to every local APIC: LINT0 ExtINT, LINT1 NMI. */
	uint8_t *l = mp_entry(&w, 8);
	l[0] = 4; l[1] = 3; l[4] = MP_BUS_ISA; l[5] = 0; l[6] = 0xff; l[7] = 0;
	l = mp_entry(&w, 8);
	l[0] = 4; l[1] = 1; l[4] = MP_BUS_ISA; l[5] = 0; l[6] = 0xff; l[7] = 1;

	/* The header. */
	uint16_t len = (uint16_t)(w.p - ct);
	memcpy(ct, "PCMP", 4);
	put16(ct + 4, len);
	ct[6] = 4;                                  /* specification 1.4 */
	memcpy(ct + 8, "BT86    ", 8);
	memcpy(ct + 16, "BT86 PC     ", 12);
	put16(ct + 34, w.entries);
	put32(ct + 36, PC_LAPIC_BASE);
	ct[7] = mp_checksum(ct, len);

	/* The floating pointer: the table above, no default configuration,
	 * no IMCR (virtual wire mode). */
	memset(fp, 0, 16);
	memcpy(fp, "_MP_", 4);
	put32(fp + 4, MP_CONFIG_ADDR);
	fp[8] = 1;                                  /* length in 16-byte units */
	fp[9] = 4;
	fp[10] = mp_checksum(fp, 16);
	return 0;
}

/* ---- device hooks (monitor/device.h) ---- */

int mptable_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	d->state = d->m;
	if (mptable_write(d->m) < 0) {
		snprintf(err, errlen, "mptable: guest RAM does not reach 0x%x", MP_CONFIG_ADDR + MP_CONFIG_MAX);
		return -1;
	}
	return 0;
}

void mptable_dev_reset(struct machine_dev *d)
{
	mptable_write(d->m);
}
