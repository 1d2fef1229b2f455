/* The MP specification 1.4 tables: the floating pointer structure at the
 * start of the table area (the BIOS ROM range 0xf0000-0xfffff, which every
 * MP search covers) and the configuration table after it, laid out as
 * SeaBIOS does for QEMU: processors, buses (PCI 0, ISA 1), the IOAPIC, one
 * I/O interrupt entry per ISA IRQ (IRQ0 on pin 2, IRQ2 the cascade left out,
 * the SCI level/active-high) and the LINT0 ExtINT / LINT1 NMI entries. */
#include "monitor/firmware.h"

#include <stdio.h>
#include <string.h>

#define MP_ENTRY_CPU     0
#define MP_ENTRY_BUS     1
#define MP_ENTRY_IOAPIC  2
#define MP_ENTRY_IOINT   3
#define MP_ENTRY_LINT    4
#define MP_INT           0       /* interrupt types */
#define MP_NMI           1
#define MP_EXTINT        3
#define MP_CPU_EN        0x01
#define MP_CPU_BP        0x02
#define MP_HEADER_LEN    44
/* Polarity bits 0-1 (1 active high), trigger bits 2-3 (3 level); 0 conforms
 * to the bus (ISA: edge, active high). */
#define MP_FLAGS_LEVEL_HIGH 0x000d

static uint8_t *mp_entry(uint8_t *p, unsigned *count, unsigned len)
{
	(*count)++;
	memset(p, 0, len);
	return p + len;
}

static uint8_t *mp_intsrc(uint8_t *p, unsigned *count, uint8_t kind, uint8_t type, uint16_t flags, uint8_t bus,
			  uint8_t irq, uint8_t dst_id, uint8_t dst_pin)
{
	uint8_t *e = p;
	p = mp_entry(p, count, 8);
	e[0] = kind;
	e[1] = type;
	fw_put16(e + 2, flags);
	e[4] = bus;
	e[5] = irq;
	e[6] = dst_id;
	e[7] = dst_pin;
	return p;
}

int fw_mp_build(struct fw_area *a, const struct fw_config *c, char *err, size_t errlen)
{
	uint32_t fp = fw_alloc(a, 16, 16);
	uint32_t len = MP_HEADER_LEN + 20 * c->ncpus + 8 * 2 + 8 + 8 * 16 + 8 * 2;
	uint32_t ct = fw_alloc(a, len, 16);
	if (fp != FW_MP_FLOAT_ADDR || ct == 0) {
		snprintf(err, errlen, "no room for the MP tables (%u bytes)", len);
		return -1;
	}
	uint8_t *h = fw_at(a, ct), *p = h + MP_HEADER_LEN;
	unsigned n = 0;

	for (unsigned i = 0; i < c->ncpus; i++) {
		uint8_t *e = p;
		p = mp_entry(p, &n, 20);
		e[0] = MP_ENTRY_CPU;
		e[1] = (uint8_t)i;            /* local APIC ID = CPU index */
		e[2] = FW_LAPIC_VERSION;
		e[3] = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0);
		fw_put32(e + 4, c->cpu_signature & 0xfff);   /* stepping, model, family */
		fw_put32(e + 8, c->cpu_features);
	}
	static const struct { uint8_t id; char name[7]; } buses[] = {
		{ FW_MP_PCI_BUS, "PCI   " }, { FW_MP_ISA_BUS, "ISA   " },
	};
	for (size_t i = 0; i < 2; i++) {
		uint8_t *e = p;
		p = mp_entry(p, &n, 8);
		e[0] = MP_ENTRY_BUS;
		e[1] = buses[i].id;
		memcpy(e + 2, buses[i].name, 6);
	}
	uint8_t *io = p;
	p = mp_entry(p, &n, 8);
	io[0] = MP_ENTRY_IOAPIC;
	io[1] = (uint8_t)PC_IOAPIC_ID(c->ncpus);
	io[2] = FW_IOAPIC_VERSION;
	io[3] = 1;   /* enabled */
	fw_put32(io + 4, PC_IOAPIC_BASE);
	for (unsigned irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;   /* the 8259 cascade: pin 2 is IRQ0's */
		uint16_t flags = irq == PC_ACPI_SCI_IRQ ? MP_FLAGS_LEVEL_HIGH : 0;
		p = mp_intsrc(p, &n, MP_ENTRY_IOINT, MP_INT, flags, FW_MP_ISA_BUS, (uint8_t)irq,
			      (uint8_t)PC_IOAPIC_ID(c->ncpus), (uint8_t)PC_ISA_GSI(irq));
	}
	/* The 8259's INTR reaches the BSP's LINT0; NMI every CPU's LINT1. */
	p = mp_intsrc(p, &n, MP_ENTRY_LINT, MP_EXTINT, 0, FW_MP_ISA_BUS, 0, 0, 0);
	p = mp_intsrc(p, &n, MP_ENTRY_LINT, MP_NMI, 0, FW_MP_ISA_BUS, 0, 0xff, 1);

	uint32_t used = (uint32_t)(p - h);
	memcpy(h, "PCMP", 4);
	fw_put16(h + 4, (uint16_t)used);
	h[6] = 4;   /* specification 1.4 */
	memcpy(h + 8, "BT86    ", 8);
	memcpy(h + 16, "bt86 PC     ", 12);
	fw_put16(h + 34, (uint16_t)n);
	fw_put32(h + 36, PC_LAPIC_BASE);
	h[7] = fw_checksum(h, used);

	uint8_t *f = fw_at(a, fp);
	memcpy(f, "_MP_", 4);
	fw_put32(f + 4, ct);
	f[8] = 1;    /* length in 16-byte units */
	f[9] = 4;    /* specification 1.4 */
	/* Feature bytes 0: the configuration table is there; no IMCR (virtual
	 * wire mode), so kernels do not poke ports 0x22/0x23. */
	f[10] = fw_checksum(f, 16);
	return 0;
}
