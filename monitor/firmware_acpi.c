/* The ACPI tables (ACPI 6.0): an RSDP of the 2.0+ form (RSDT and XSDT),
 * the FADT (revision 6) over the PIIX4-style PM block of pcmap.h with the
 * reset register at 0xcf9, the FACS, a DSDT whose AML holds only the \_S5
 * package, and the MADT (local APICs, the IOAPIC at GSI 0, the IRQ0 -> GSI 2
 * and SCI overrides, LINT1 NMI). No HPET is modelled, so no HPET table. */
#include "monitor/firmware.h"

#include <stdio.h>
#include <string.h>

#define ACPI_HDR_LEN   36
#define RSDP_LEN       36
#define FACS_LEN       64
#define FADT_LEN       276      /* revision 6 */
#define FADT_REVISION  6
#define FADT_MINOR     0
#define MADT_REVISION  3
#define GAS_IO         1        /* address space: system I/O */

/* FADT flags. */
#define FADT_WBINVD        (1u << 0)
#define FADT_PROC_C1       (1u << 2)
#define FADT_PWR_BUTTON    (1u << 4)   /* 1: no fixed power button */
#define FADT_SLP_BUTTON    (1u << 5)
#define FADT_FIX_RTC       (1u << 6)   /* 1: no RTC wake status in PM1 */
#define FADT_RESET_REG_SUP (1u << 10)
/* IAPC_BOOT_ARCH: ISA devices (the PIC, PIT, COM1) and an 8042. */
#define FADT_ARCH_LEGACY   0x0001
#define FADT_ARCH_8042     0x0002

/* AML (ACPI 6.0, chapter 20). */
#define AML_ZERO       0x00
#define AML_ONE        0x01
#define AML_BYTE       0x0a
#define AML_NAME       0x08
#define AML_PACKAGE    0x12

static void acpi_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	fw_put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, FW_OEM_ID, 6);
	memcpy(t + 16, FW_OEM_TABLE_ID, 8);
	fw_put32(t + 24, 1);          /* OEM revision */
	memcpy(t + 28, "BT86", 4);    /* creator */
	fw_put32(t + 32, 1);
}

static void acpi_sum(uint8_t *t)
{
	uint32_t len = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
	t[9] = 0;
	t[9] = fw_checksum(t, len);
}

/* A Generic Address Structure in I/O space. */
static void acpi_gas(uint8_t *g, uint8_t bits, uint8_t access, uint64_t port)
{
	g[0] = GAS_IO;
	g[1] = bits;
	g[2] = 0;
	g[3] = access;   /* 1 byte, 2 word, 3 dword */
	fw_put64(g + 4, port);
}

/* An integer as the shortest AML data object. */
static size_t aml_int(uint8_t *p, uint8_t v)
{
	if (v <= 1) {
		p[0] = v ? AML_ONE : AML_ZERO;
		return 1;
	}
	p[0] = AML_BYTE;
	p[1] = v;
	return 2;
}

size_t fw_aml_s5(uint8_t *out)
{
	uint8_t pkg[16];
	size_t n = 0;
	n += aml_int(pkg + n, PC_ACPI_S5_TYP);
	n += aml_int(pkg + n, PC_ACPI_S5_TYP);
	n += aml_int(pkg + n, 0);
	n += aml_int(pkg + n, 0);
	size_t k = 0;
	out[k++] = AML_NAME;
	memcpy(out + k, "_S5_", 4);
	k += 4;
	out[k++] = AML_PACKAGE;
	/* PkgLength counts itself: one byte (bits 7-6 zero) while under 64. */
	out[k++] = (uint8_t)(1 + 1 + n);
	out[k++] = 4;   /* NumElements */
	memcpy(out + k, pkg, n);
	return k + n;
}

static void acpi_fadt(uint8_t *t, uint32_t facs, uint32_t dsdt)
{
	acpi_header(t, "FACP", FADT_LEN, FADT_REVISION);
	fw_put32(t + 36, facs);
	fw_put32(t + 40, dsdt);
	fw_put16(t + 46, PC_ACPI_SCI_IRQ);
	/* SMI_CMD (48) 0: ACPI is always on, PM1_CNT.SCI_EN reads 1. */
	fw_put32(t + 56, PC_ACPI_PM1A_EVT);
	fw_put32(t + 64, PC_ACPI_PM1A_CNT);
	fw_put32(t + 76, PC_ACPI_PM_TMR);
	fw_put32(t + 80, PC_ACPI_GPE0);
	t[88] = 4;    /* PM1_EVT_LEN: PM1_STS + PM1_EN */
	t[89] = 2;    /* PM1_CNT_LEN */
	t[91] = 4;    /* PM_TMR_LEN */
	t[92] = 4;    /* GPE0_BLK_LEN: GPE0_STS + GPE0_EN */
	fw_put16(t + 96, 0x0fff);    /* P_LVL2_LAT > 100: no C2 */
	fw_put16(t + 98, 0x0fff);    /* P_LVL3_LAT > 1000: no C3 */
	fw_put16(t + 109, FADT_ARCH_LEGACY | FADT_ARCH_8042);
	/* A 24-bit PM timer: TMR_VAL_EXT stays clear. */
	fw_put32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_FIX_RTC |
				  FADT_RESET_REG_SUP);
	acpi_gas(t + 116, 8, 1, PC_RESET_PORT);
	t[128] = PC_RESET_VALUE;
	t[131] = FADT_MINOR;
	fw_put64(t + 132, facs);
	fw_put64(t + 140, dsdt);
	acpi_gas(t + 148, 32, 2, PC_ACPI_PM1A_EVT);
	acpi_gas(t + 172, 16, 2, PC_ACPI_PM1A_CNT);
	acpi_gas(t + 208, 32, 3, PC_ACPI_PM_TMR);
	acpi_gas(t + 220, 32, 1, PC_ACPI_GPE0);
	acpi_sum(t);
}

static uint32_t madt_len(unsigned ncpus)
{
	return ACPI_HDR_LEN + 8 + 8 * ncpus + 12 + 10 * 2 + 6;
}

static void acpi_madt(uint8_t *t, unsigned ncpus)
{
	uint32_t len = madt_len(ncpus);
	acpi_header(t, "APIC", len, MADT_REVISION);
	fw_put32(t + 36, PC_LAPIC_BASE);
	fw_put32(t + 40, 1);   /* PCAT_COMPAT: there are 8259s to mask */
	uint8_t *p = t + 44;
	for (unsigned i = 0; i < ncpus; i++, p += 8) {
		p[0] = 0;              /* processor local APIC */
		p[1] = 8;
		p[2] = (uint8_t)i;     /* ACPI processor UID */
		p[3] = (uint8_t)i;     /* APIC ID */
		fw_put32(p + 4, 1);    /* enabled */
	}
	p[0] = 1;                      /* IOAPIC */
	p[1] = 12;
	p[2] = (uint8_t)PC_IOAPIC_ID(ncpus);
	fw_put32(p + 4, PC_IOAPIC_BASE);
	fw_put32(p + 8, 0);            /* GSI base */
	p += 12;
	static const struct { uint8_t irq; uint16_t flags; } ovr[] = {
		{ 0, 0 },                        /* the PIT: edge, active high, on GSI 2 */
		{ PC_ACPI_SCI_IRQ, 0x000d },     /* the SCI: level, active high */
	};
	for (size_t i = 0; i < 2; i++, p += 10) {
		p[0] = 2;              /* interrupt source override */
		p[1] = 10;
		p[2] = 0;              /* ISA */
		p[3] = ovr[i].irq;
		fw_put32(p + 4, PC_ISA_GSI(ovr[i].irq));
		fw_put16(p + 8, ovr[i].flags);
	}
	p[0] = 4;                      /* local APIC NMI */
	p[1] = 6;
	p[2] = 0xff;                   /* every processor */
	fw_put16(p + 3, 0);
	p[5] = 1;                      /* LINT1 */
	acpi_sum(t);
}

int fw_acpi_build(struct fw_area *a, const struct fw_config *c, char *err, size_t errlen)
{
	uint8_t s5[32];
	size_t s5len = fw_aml_s5(s5);
	uint32_t dsdt_len = ACPI_HDR_LEN + (uint32_t)s5len;
	a->next = a->next > FW_ACPI_BASE ? a->next : FW_ACPI_BASE;
	uint32_t rsdp = fw_alloc(a, RSDP_LEN, 16);
	uint32_t facs = fw_alloc(a, FACS_LEN, 64);
	uint32_t dsdt = fw_alloc(a, dsdt_len, 16);
	uint32_t fadt = fw_alloc(a, FADT_LEN, 16);
	uint32_t madt = fw_alloc(a, madt_len(c->ncpus), 16);
	uint32_t rsdt = fw_alloc(a, ACPI_HDR_LEN + 4 * 2, 16);
	uint32_t xsdt = fw_alloc(a, ACPI_HDR_LEN + 8 * 2, 16);
	if (!rsdp || !facs || !dsdt || !fadt || !madt || !rsdt || !xsdt) {
		snprintf(err, errlen, "no room for the ACPI tables below 0x%x", PC_FW_TABLES_END);
		return -1;
	}

	uint8_t *t = fw_at(a, facs);
	memcpy(t, "FACS", 4);
	fw_put32(t + 4, FACS_LEN);
	t[32] = 2;   /* version */

	t = fw_at(a, dsdt);
	acpi_header(t, "DSDT", dsdt_len, 2);   /* revision 2: 64-bit AML integers */
	memcpy(t + ACPI_HDR_LEN, s5, s5len);
	acpi_sum(t);

	acpi_fadt(fw_at(a, fadt), facs, dsdt);
	acpi_madt(fw_at(a, madt), c->ncpus);

	t = fw_at(a, rsdt);
	acpi_header(t, "RSDT", ACPI_HDR_LEN + 8, 1);
	fw_put32(t + 36, fadt);
	fw_put32(t + 40, madt);
	acpi_sum(t);
	t = fw_at(a, xsdt);
	acpi_header(t, "XSDT", ACPI_HDR_LEN + 16, 1);
	fw_put64(t + 36, fadt);
	fw_put64(t + 44, madt);
	acpi_sum(t);

	t = fw_at(a, rsdp);
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, FW_OEM_ID, 6);
	t[15] = 2;   /* ACPI 2.0+: length and XSDT follow */
	fw_put32(t + 16, rsdt);
	fw_put32(t + 20, RSDP_LEN);
	fw_put64(t + 24, xsdt);
	t[8] = fw_checksum(t, 20);
	t[32] = fw_checksum(t, RSDP_LEN);
	return 0;
}
