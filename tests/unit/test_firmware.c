/* Unit tests for monitor/firmware*: the tables a machine's RAM holds after
 * machine_init, parsed here byte by byte from the specifications' layouts
 * (not through firmware_describe.c): the BDA and EBDA, the MP floating
 * pointer and configuration table (checksums, one CPU, the IOAPIC's ID and
 * address, IRQ0 on pin 2, no IRQ2, the SCI level), the RSDP (both
 * checksums), XSDT and RSDT, the FADT's PM block, reset register and
 * pointers, the DSDT's _S5 AML, the MADT's entries; SMBIOS 2.8 (both
 * entry-point checksums, the structures a BIOS must give, in order, with
 * their strings, one processor per CPU, RAM size and range, the end marker,
 * and room for 254 CPUs); the tables written
 * again by machine_reset; `info`'s describers reading a guest's edit. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/firmware.h"
#include "monitor/machine.h"

static struct machine m;
static char err[256];

static void setup(void)
{
	struct machine_config cfg = { .ram_size = 32ull << 20 };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static const uint8_t *ram(uint32_t pa)
{
	return m.mem.phys + pa;
}

static uint32_t rd16(uint32_t pa) { return ram(pa)[0] | ram(pa)[1] << 8; }
static uint32_t rd32(uint32_t pa) { return rd16(pa) | rd16(pa + 2) << 16; }
static uint64_t rd64(uint32_t pa) { return rd32(pa) | (uint64_t)rd32(pa + 4) << 32; }

static unsigned sum(uint32_t pa, uint32_t len)
{
	unsigned s = 0;
	for (uint32_t i = 0; i < len; i++)
		s += ram(pa)[i];
	return s & 0xff;
}

START_TEST(bda_and_ebda)
{
	ck_assert_uint_eq(rd16(0x400), 0x3f8);
	ck_assert_uint_eq(rd16(0x402), 0x2f8);
	ck_assert_uint_eq(rd16(0x404), 0x3e8);
	ck_assert_uint_eq(rd16(0x406), 0x2e8);
	ck_assert_uint_eq(rd16(0x40e), 0x9fc0);
	ck_assert_uint_eq(rd16(0x413), 639);
	ck_assert_uint_eq(rd16(0x463), 0x3d4);
	ck_assert_uint_eq((rd16(0x410) >> 9) & 7, 4);   /* serial ports */
	ck_assert_uint_eq(rd16(0x9fc00), 1);            /* EBDA: 1 KiB */
}
END_TEST

/* The floating pointer, found as xv6 finds it (0xf0000-0xfffff). */
static uint32_t find_mp(void)
{
	for (uint32_t a = 0xf0000; a < 0x100000; a += 16)
		if (memcmp(ram(a), "_MP_", 4) == 0 && sum(a, 16) == 0)
			return a;
	return 0;
}

START_TEST(mp_tables)
{
	uint32_t fp = find_mp();
	ck_assert_uint_ne(fp, 0);
	ck_assert_uint_eq(ram(fp)[8], 1);
	ck_assert_uint_eq(ram(fp)[9], 4);
	ck_assert_uint_eq(ram(fp)[11], 0);   /* a configuration table, no default config */
	uint32_t ct = rd32(fp + 4);
	ck_assert_mem_eq(ram(ct), "PCMP", 4);
	uint32_t len = rd16(ct + 4);
	ck_assert_uint_eq(sum(ct, len), 0);
	ck_assert_uint_eq(ram(ct + 6)[0], 4);
	ck_assert_mem_eq(ram(ct + 8), "BT86", 4);
	ck_assert_uint_eq(rd32(ct + 36), PC_LAPIC_BASE);
	unsigned n = rd16(ct + 34), cpus = 0, ioapics = 0, ints = 0, lints = 0;
	uint32_t p = ct + 44;
	bool pin2 = false, irq2 = false, sci_level = false;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = ram(p);
		switch (e[0]) {
		case 0:
			cpus++;
			ck_assert_uint_eq(e[1], cpus - 1);
			ck_assert_uint_eq(e[3] & 3, cpus == 1 ? 3 : 1);
			p += 20;
			continue;
		case 2:
			ioapics++;
			ck_assert_uint_eq(e[1], PC_IOAPIC_ID(1));
			ck_assert_uint_eq(e[2], 0x11);
			ck_assert_uint_eq(rd32(p + 4), PC_IOAPIC_BASE);
			break;
		case 3:
			ints++;
			ck_assert_uint_eq(e[6], PC_IOAPIC_ID(1));
			if (e[5] == 0)
				pin2 = e[7] == 2;
			else
				ck_assert_uint_eq(e[7], e[5]);
			irq2 |= e[5] == 2;
			if (e[5] == 9)
				sci_level = rd16(p + 2) == 0x000d;
			break;
		case 4:
			lints++;
			ck_assert_uint_eq(e[1], lints == 1 ? 3 : 1);   /* ExtINT on LINT0, NMI on LINT1 */
			ck_assert_uint_eq(e[7], lints - 1);
			break;
		}
		p += 8;
	}
	ck_assert_uint_eq(p - ct, len);
	ck_assert_uint_eq(cpus, 1);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(ints, 15);
	ck_assert_uint_eq(lints, 2);
	ck_assert(pin2);
	ck_assert(!irq2);
	ck_assert(sci_level);
}
END_TEST

static uint32_t find_rsdp(void)
{
	for (uint32_t a = 0xe0000; a < 0x100000; a += 16)
		if (memcmp(ram(a), "RSD PTR ", 8) == 0 && sum(a, 20) == 0)
			return a;
	return 0;
}

/* A table's address from the XSDT by signature, its checksum checked. */
static uint32_t xsdt_find(const char *sig)
{
	uint32_t x = (uint32_t)rd64(find_rsdp() + 24);
	for (uint32_t off = 36; off < rd32(x + 4); off += 8) {
		uint32_t t = (uint32_t)rd64(x + off);
		if (memcmp(ram(t), sig, 4) == 0) {
			ck_assert_uint_eq(sum(t, rd32(t + 4)), 0);
			return t;
		}
	}
	return 0;
}

START_TEST(acpi_tables)
{
	uint32_t r = find_rsdp();
	ck_assert_uint_ne(r, 0);
	ck_assert_uint_ge(r, 0xf0000);
	ck_assert_uint_lt(r, 0xf8000);
	ck_assert_uint_eq(ram(r)[15], 2);
	ck_assert_uint_eq(rd32(r + 20), 36);
	ck_assert_uint_eq(sum(r, 36), 0);
	ck_assert_mem_eq(ram(r + 9), "BT86  ", 6);
	uint32_t rsdt = rd32(r + 16), xsdt = (uint32_t)rd64(r + 24);
	ck_assert_mem_eq(ram(rsdt), "RSDT", 4);
	ck_assert_mem_eq(ram(xsdt), "XSDT", 4);
	ck_assert_uint_eq(sum(rsdt, rd32(rsdt + 4)), 0);
	ck_assert_uint_eq(sum(xsdt, rd32(xsdt + 4)), 0);
	ck_assert_uint_eq(rd32(rsdt + 36), rd64(xsdt + 36));   /* the same tables */

	uint32_t f = xsdt_find("FACP");
	ck_assert_uint_ne(f, 0);
	ck_assert_uint_eq(ram(f)[8], 6);
	ck_assert_uint_eq(rd32(f + 4), 276);
	ck_assert_uint_eq(rd16(f + 46), 9);
	ck_assert_uint_eq(rd32(f + 48), 0);
	ck_assert_uint_eq(rd32(f + 56), 0x600);
	ck_assert_uint_eq(rd32(f + 64), 0x604);
	ck_assert_uint_eq(rd32(f + 76), 0x608);
	ck_assert_uint_eq(rd32(f + 80), 0x620);
	ck_assert_uint_eq(ram(f)[88], 4);
	ck_assert_uint_eq(ram(f)[89], 2);
	ck_assert_uint_eq(ram(f)[91], 4);
	ck_assert_uint_eq(ram(f)[92], 4);
	uint32_t flags = rd32(f + 112);
	ck_assert_uint_eq(flags & (1u << 10), 1u << 10);   /* RESET_REG_SUP */
	ck_assert_uint_eq(flags & (1u << 8), 0);           /* 24-bit timer */
	ck_assert_uint_eq(ram(f)[116], 1);                 /* RESET_REG in I/O space */
	ck_assert_uint_eq(rd64(f + 120), 0xcf9);
	ck_assert_uint_eq(ram(f)[128], 6);
	ck_assert_uint_eq(rd64(f + 140), rd32(f + 40));
	ck_assert_uint_eq(rd64(f + 132), rd32(f + 36));
	ck_assert_uint_eq(rd64(f + 152), 0x600);           /* X_PM1a_EVT_BLK */
	ck_assert_uint_eq(rd64(f + 176), 0x604);

	uint32_t facs = rd32(f + 36);
	ck_assert_mem_eq(ram(facs), "FACS", 4);
	ck_assert_uint_eq(facs % 64, 0);

	uint32_t d = rd32(f + 40);
	ck_assert_mem_eq(ram(d), "DSDT", 4);
	ck_assert_uint_eq(sum(d, rd32(d + 4)), 0);
	/* Name(_S5_, Package(4) { Zero, Zero, Zero, Zero }) */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };
	ck_assert_uint_eq(rd32(d + 4), 36 + sizeof s5);
	ck_assert_mem_eq(ram(d + 36), s5, sizeof s5);

	uint32_t a = xsdt_find("APIC");
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_eq(rd32(a + 36), PC_LAPIC_BASE);
	ck_assert_uint_eq(rd32(a + 40) & 1, 1);
	unsigned lapics = 0, ovr0 = 0, ovr9 = 0, nmi = 0, ioapic = 0;
	for (uint32_t p = a + 44; p < a + rd32(a + 4); p += ram(p)[1]) {
		const uint8_t *e = ram(p);
		if (e[0] == 0)
			lapics += e[3] == 0 && (rd32(p + 4) & 1);
		if (e[0] == 1)
			ioapic += e[2] == PC_IOAPIC_ID(1) && rd32(p + 4) == PC_IOAPIC_BASE && rd32(p + 8) == 0;
		if (e[0] == 2 && e[3] == 0)
			ovr0 += rd32(p + 4) == 2;
		if (e[0] == 2 && e[3] == 9)
			ovr9 += rd32(p + 4) == 9 && rd16(p + 8) == 0x000d;
		if (e[0] == 4)
			nmi += e[2] == 0xff && e[5] == 1;
	}
	ck_assert_uint_eq(lapics, 1);
	ck_assert_uint_eq(ioapic, 1);
	ck_assert_uint_eq(ovr0, 1);
	ck_assert_uint_eq(ovr9, 1);
	ck_assert_uint_eq(nmi, 1);
	ck_assert_uint_eq(xsdt_find("HPET"), 0);
}
END_TEST

START_TEST(rewritten_at_reset)
{
	uint32_t r = find_rsdp();
	memset(m.mem.phys + PC_FW_TABLES_BASE, 0, PC_FW_TABLES_END - PC_FW_TABLES_BASE);
	memset(m.mem.phys + 0x400, 0, 0x100);
	ck_assert_uint_eq(find_mp(), 0);
	machine_reset(&m);
	ck_assert_uint_eq(find_rsdp(), r);
	ck_assert_uint_ne(find_mp(), 0);
	ck_assert_uint_eq(rd16(0x40e), 0x9fc0);
}
END_TEST

/* The SMBIOS entry point: scanned for as Linux does. */
static uint32_t find_smbios(void)
{
	for (uint32_t a = 0xf0000; a < 0x100000; a += 16)
		if (memcmp(ram(a), "_SM_", 4) == 0 && sum(a, ram(a + 5)[0]) == 0)
			return a;
	return 0;
}

/* String n (1-based) of the structure at pa. */
static const char *smb_str(uint32_t pa, unsigned n)
{
	const char *p = (const char *)ram(pa + ram(pa + 1)[0]);
	if (!n)
		return "";
	while (--n)
		p += strlen(p) + 1;
	return p;
}

/* Walk the structures: their addresses in at[], types in type[]. */
static unsigned smb_walk(uint32_t tab, uint32_t len, uint32_t *at, unsigned max)
{
	unsigned n = 0;
	uint32_t off = 0;
	while (off < len && n < max) {
		at[n++] = tab + off;
		uint32_t k = off + ram(tab + off + 1)[0];
		while (ram(tab + k)[0] || ram(tab + k + 1)[0])
			k++;
		if (ram(tab + off)[0] == 127) {
			ck_assert_uint_eq(k + 2, len);   /* the end marker ends the table */
			break;
		}
		off = k + 2;
	}
	return n;
}

START_TEST(smbios_tables)
{
	uint32_t ep = find_smbios();
	ck_assert_uint_ne(ep, 0);
	ck_assert_uint_eq(ram(ep + 5)[0], 0x1f);
	ck_assert_uint_eq(ram(ep + 6)[0], 2);
	ck_assert_uint_eq(ram(ep + 7)[0], 8);
	ck_assert(memcmp(ram(ep + 0x10), "_DMI_", 5) == 0);
	ck_assert_uint_eq(sum(ep + 0x10, 0x0f), 0);
	ck_assert_uint_eq(ram(ep + 0x1e)[0], 0x28);
	uint32_t tab = rd32(ep + 0x18), len = rd16(ep + 0x16), count = rd16(ep + 0x1c);
	ck_assert_uint_lt(tab, PC_FW_TABLES_END);
	ck_assert_uint_ge(tab, PC_FW_TABLES_BASE);
	uint32_t at[32];
	unsigned n = smb_walk(tab, len, at, 32);
	ck_assert_uint_eq(n, count);
	static const uint8_t types[] = { 0, 1, 3, 4, 16, 17, 19, 32, 127 };
	ck_assert_uint_eq(n, sizeof types);
	unsigned maxsize = 0;
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_eq(ram(at[i])[0], types[i]);
		ck_assert_uint_eq(rd16(at[i] + 2), i);   /* handles 0, 1, 2... */
		uint32_t size = (i + 1 < n ? at[i + 1] : tab + len) - at[i];
		maxsize = size > maxsize ? size : maxsize;
	}
	ck_assert_uint_eq(rd16(ep + 8), maxsize);
	ck_assert_str_eq(smb_str(at[0], ram(at[0] + 4)[0]), "bt86");      /* BIOS vendor */
	ck_assert_str_eq(smb_str(at[1], ram(at[1] + 5)[0]), "bt86 PC");   /* product */
	ck_assert_uint_eq(ram(at[0] + 0x13)[0] & 0x10, 0x10);              /* a virtual machine */
	uint32_t r[4];
	cpu_model_cpuid(&m.cpu, 1, 0, 0, r);
	ck_assert_uint_eq(rd32(at[3] + 8), r[0]);                          /* the processor ID */
	ck_assert_uint_eq(rd32(at[3] + 12), r[3]);
	ck_assert_uint_eq(rd16(at[3] + 0x16), m.cpu.tsc_khz / 1000);       /* current speed */
	ck_assert_uint_eq(rd32(at[4] + 7), 32u << 10);                     /* array: 32 MiB in KiB */
	ck_assert_uint_eq(rd16(at[5] + 4), 4);                             /* device -> array handle */
	ck_assert_uint_eq(rd16(at[5] + 12), 32);                           /* 32 MiB */
	ck_assert_uint_eq(rd32(at[6] + 4), 0);
	ck_assert_uint_eq(rd32(at[6] + 8), (32u << 10) - 1);               /* the last KiB */
	ck_assert_uint_eq(rd16(at[6] + 12), 4);
}
END_TEST

/* The most CPUs the tables describe still fit: 254 processor structures. */
START_TEST(smbios_many_cpus)
{
	struct fw_area *a = calloc(1, sizeof *a);
	ck_assert_ptr_nonnull(a);
	a->next = PC_FW_TABLES_BASE;
	struct fw_config c = { .ncpus = FW_MAX_CPUS, .ram_size = 1ull << 30, .cpu_mhz = 2000 };
	ck_assert_msg(fw_mp_build(a, &c, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(fw_acpi_build(a, &c, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(fw_smbios_build(a, &c, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_le(a->next, PC_FW_TABLES_END);
	free(a);
}
END_TEST

struct lines {
	char text[8192];
};

static void collect(void *ctx, const char *text)
{
	struct lines *l = ctx;
	strncat(l->text, text, sizeof l->text - strlen(l->text) - 2);
	strcat(l->text, "\n");
}

START_TEST(describe_reads_guest_ram)
{
	struct lines l = { "" };
	ck_assert_int_eq(fw_describe_mp(&m.mem, collect, &l), 0);
	ck_assert_ptr_nonnull(strstr(l.text, "ioint   INT    bus 1 irq 0 -> ioapic 1 pin 2"));
	ck_assert_ptr_nonnull(strstr(l.text, "checksum ok"));
	l.text[0] = 0;
	ck_assert_int_eq(fw_describe_acpi(&m.mem, collect, &l), 0);
	ck_assert_ptr_nonnull(strstr(l.text, "_S5 package"));
	ck_assert_ptr_nonnull(strstr(l.text, "PM1a_CNT 0x604"));
	ck_assert_ptr_nonnull(strstr(l.text, "override bus 0 irq 0 -> gsi 2"));
	l.text[0] = 0;
	ck_assert_int_eq(fw_describe_smbios(&m.mem, collect, &l), 0);
	ck_assert_ptr_nonnull(strstr(l.text, "SMBIOS 2.8 entry point"));
	ck_assert_ptr_nonnull(strstr(l.text, "product 'bt86 PC'"));
	ck_assert_ptr_nonnull(strstr(l.text, "'DIMM 0', 32 MiB"));
	ck_assert_ptr_nonnull(strstr(l.text, "type 127 end of table"));
	/* A guest's edit shows: the FADT's SCI changed, its checksum now bad. */
	uint32_t f = xsdt_find("FACP");
	m.mem.phys[f + 46] = 11;
	l.text[0] = 0;
	fw_describe_acpi(&m.mem, collect, &l);
	ck_assert_ptr_nonnull(strstr(l.text, "SCI_INT 11"));
	ck_assert_ptr_nonnull(strstr(l.text, "checksum BAD"));
	/* No tables at all: one line says so. */
	memset(m.mem.phys + 0xe0000, 0, 0x10000);
	memset(m.mem.phys + PC_FW_TABLES_BASE, 0, PC_FW_TABLES_END - PC_FW_TABLES_BASE);
	l.text[0] = 0;
	ck_assert_int_eq(fw_describe_smbios(&m.mem, collect, &l), -1);
	ck_assert_ptr_nonnull(strstr(l.text, "no SMBIOS entry point"));
	l.text[0] = 0;
	ck_assert_int_eq(fw_describe_acpi(&m.mem, collect, &l), -1);
	ck_assert_ptr_nonnull(strstr(l.text, "no RSDP"));
	l.text[0] = 0;
	ck_assert_int_eq(fw_describe_mp(&m.mem, collect, &l), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("firmware");
	TCase *tc = tcase_create("firmware");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bda_and_ebda);
	tcase_add_test(tc, mp_tables);
	tcase_add_test(tc, acpi_tables);
	tcase_add_test(tc, smbios_tables);
	tcase_add_test(tc, smbios_many_cpus);
	tcase_add_test(tc, rewritten_at_reset);
	tcase_add_test(tc, describe_reads_guest_ram);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
