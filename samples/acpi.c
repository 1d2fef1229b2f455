/* acpi.c — power off the way an ACPI OS does: find the RSDP (EBDA, then
 * 0xe0000-0xfffff), walk the RSDT to the FADT and its DSDT, read SLP_TYPa
 * from the \_S5 package in the AML, and write SLP_TYP | SLP_EN to the
 * FADT's PM1a_CNT_BLK. The machine should power off (exit status 0); if
 * the write returns, the sample fails. The same on QEMU (SeaBIOS's tables)
 * and bt86 (monitor/firmware_acpi.c), so nothing machine-specific is
 * printed. */
#include "rt.h"

static uint32_t rd32(const volatile uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int sum_ok(const volatile uint8_t *p, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

static const volatile uint8_t *scan(uint32_t lo, uint32_t len)
{
	for (uint32_t a = lo; a < lo + len; a += 16) {
		const volatile uint8_t *p = (const volatile uint8_t *)a;
		if (memcmp((const void *)p, "RSD PTR ", 8) == 0 && sum_ok(p, 20))
			return p;
	}
	return 0;
}

/* An AML integer (ZeroOp, OneOp, BytePrefix): its value, *p moved past it. */
static unsigned aml_byte(const volatile uint8_t **p)
{
	const volatile uint8_t *q = *p;
	if (q[0] == 0x0a) {
		*p = q + 2;
		return q[1];
	}
	*p = q + 1;
	return q[0] == 0x01 ? 1 : 0;
}

int sample_main(void)
{
	uintptr_t bda = 0x40e;
	__asm__("" : "+r"(bda));   /* a hardware address, not an object gcc can bound */
	uint32_t ebda = (uint32_t)*(volatile uint16_t *)bda << 4;
	const volatile uint8_t *rsdp = ebda ? scan(ebda, 1024) : 0;
	if (!rsdp)
		rsdp = scan(0xe0000, 0x20000);
	if (!rsdp) {
		rt_puts("acpi: no RSDP");
		return 1;
	}
	rt_puts("acpi: RSDP found, checksum ok");
	const volatile uint8_t *rsdt = (const volatile uint8_t *)rd32(rsdp + 16);
	if (memcmp((const void *)rsdt, "RSDT", 4) != 0 || !sum_ok(rsdt, rd32(rsdt + 4))) {
		rt_puts("acpi: bad RSDT");
		return 1;
	}
	const volatile uint8_t *fadt = 0;
	for (uint32_t off = 36; off + 4 <= rd32(rsdt + 4); off += 4) {
		const volatile uint8_t *t = (const volatile uint8_t *)rd32(rsdt + off);
		if (memcmp((const void *)t, "FACP", 4) == 0)
			fadt = t;
	}
	if (!fadt || !sum_ok(fadt, rd32(fadt + 4))) {
		rt_puts("acpi: no FADT in the RSDT");
		return 1;
	}
	rt_puts("acpi: RSDT lists a FADT, checksum ok");
	const volatile uint8_t *dsdt = (const volatile uint8_t *)rd32(fadt + 40);
	uint32_t dlen = rd32(dsdt + 4);
	if (memcmp((const void *)dsdt, "DSDT", 4) != 0 || !sum_ok(dsdt, dlen)) {
		rt_puts("acpi: bad DSDT");
		return 1;
	}
	rt_puts("acpi: DSDT found, checksum ok");
	int found = 0;
	unsigned typ = 0;
	for (uint32_t i = 36; i + 10 <= dlen && !found; i++) {
		const volatile uint8_t *p = dsdt + i;
		if (memcmp((const void *)p, "_S5_", 4) != 0 || p[4] != 0x12)
			continue;
		p += 5;
		p += 1 + (p[0] >> 6);   /* PkgLength */
		p += 1;                 /* NumElements */
		typ = aml_byte(&p);
		found = 1;
	}
	if (!found) {
		rt_puts("acpi: no _S5 package in the DSDT");
		return 1;
	}
	rt_printf("acpi: _S5 SLP_TYPa %u\n", typ);
	uint16_t cnt = (uint16_t)rd32(fadt + 64);
	rt_puts("acpi: writing SLP_TYPa | SLP_EN to PM1a_CNT");
	outw(cnt, (uint16_t)((typ << 10) | (1u << 13)));
	/* QEMU powers off asynchronously: give it time before saying it failed. */
	for (volatile uint32_t i = 0; i < 50000000u; i++)
		__asm__ volatile("pause");
	rt_puts("acpi: still running after the S5 write");
	return 1;
}
