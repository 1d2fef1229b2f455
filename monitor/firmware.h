/* The PC firmware's tables, written into guest RAM as a BIOS leaves them:
 * the BIOS data area and EBDA (firmware_bda.c), the MP specification 1.4
 * tables (firmware_mp.c), the ACPI tables (firmware_acpi.c) and SMBIOS
 * (firmware_smbios.c), all built
 * from the machine's CPU count, RAM size and the platform map (pcmap.h), so
 * they agree with the devices. The "firmware" device row writes them at
 * machine_init and again at every machine_reset; the loader refuses to load
 * over them (multiboot.c).
 *
 * Where they go (docs/machine.md has the whole map):
 *   0x00400-0x004ff  BIOS data area (COM ports, EBDA segment, base memory)
 *   0x9fc00-0x9ffff  EBDA (1 KiB; first word: its size in KiB)
 *   0xf0000          MP floating pointer, then the MP configuration table
 *   0xf2000          ACPI: RSDP, then FACS, DSDT, FADT, MADT, RSDT, XSDT
 *   after ACPI       SMBIOS 2.8: the "_SM_" entry point, then its structures
 * firmware_describe.c reads them back out of guest RAM for `info mptable`
 * and `info acpi`.
 */
#ifndef BT86_MONITOR_FIRMWARE_H
#define BT86_MONITOR_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/pcmap.h"

struct machine;
struct machine_dev;
struct guestmem;

#define FW_MP_FLOAT_ADDR   PC_FW_TABLES_BASE           /* 16-byte aligned, in 0xf0000-0xfffff */
#define FW_MP_CONFIG_ADDR  (PC_FW_TABLES_BASE + 0x10)
#define FW_ACPI_BASE       (PC_FW_TABLES_BASE + 0x2000)  /* the RSDP first (16-aligned) */
#define FW_MAX_CPUS        254     /* 8-bit APIC IDs, and the IOAPIC's ID after them */
#define FW_LAPIC_VERSION   0x14    /* an integrated (xAPIC) local APIC, as QEMU's */
#define FW_IOAPIC_VERSION  0x11    /* an 82093AA-style IOAPIC */
#define FW_MP_ISA_BUS      1       /* bus IDs: PCI 0, ISA 1, as SeaBIOS numbers them */
#define FW_MP_PCI_BUS      0
#define FW_OEM_ID          "BT86  "   /* ACPI OEMID: 6 characters */
#define FW_OEM_TABLE_ID    "BT86PC  " /* ACPI OEM table ID: 8 */
#define FW_BASE_MEM_KIB    639u

/* A table under construction: the bytes of 0xf0000-0xf7fff, filled by the
 * builders, then copied into guest RAM in one go. */
struct fw_area {
	uint8_t bytes[PC_FW_TABLES_END - PC_FW_TABLES_BASE];
	uint32_t next;             /* first free guest address */
};

/* Room for len bytes aligned to align in the area: its guest address, or 0
 * if the area is full. */
uint32_t fw_alloc(struct fw_area *a, uint32_t len, uint32_t align);
/* The bytes at guest address addr of the area. */
uint8_t *fw_at(struct fw_area *a, uint32_t addr);
/* The byte that makes len bytes sum to 0 mod 256. */
uint8_t fw_checksum(const uint8_t *p, size_t len);

/* Little-endian stores into a table. */
static inline void fw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void fw_put32(uint8_t *p, uint32_t v)
{
	fw_put16(p, (uint16_t)v);
	fw_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void fw_put64(uint8_t *p, uint64_t v)
{
	fw_put32(p, (uint32_t)v);
	fw_put32(p + 4, (uint32_t)(v >> 32));
}

/* What the tables describe. */
struct fw_config {
	unsigned ncpus;
	uint32_t cpu_signature;    /* CPUID.1 EAX */
	uint32_t cpu_features;     /* CPUID.1 EDX */
	uint64_t ram_size;
	uint32_t cpu_mhz;          /* the TSC's rate (SMBIOS processor speed), 0: unknown */
};

/* The builders: 0, or -1 with one line in err (the area is too small). */
#define FW_BDA_SIZE 0x100
void fw_bda_write(uint8_t bda[FW_BDA_SIZE], uint8_t ebda[PC_EBDA_SIZE], const struct fw_config *c);
int fw_mp_build(struct fw_area *a, const struct fw_config *c, char *err, size_t errlen);
/* The DSDT's AML, Name(_S5, Package() { SLP_TYPa, SLP_TYPb, 0, 0 }), into
 * out (at least 16 bytes): its length. */
size_t fw_aml_s5(uint8_t *out);
int fw_acpi_build(struct fw_area *a, const struct fw_config *c, char *err, size_t errlen);
/* Last: its structure table takes what room the others left. */
int fw_smbios_build(struct fw_area *a, const struct fw_config *c, char *err, size_t errlen);

/* Build every table for m and write them into its RAM: 0, or -1 with err. */
int fw_write(struct machine *m, char *err, size_t errlen);

/* `info mptable`, `info acpi` and `info smbios`: the tables as guest RAM holds them now,
 * parsed from their signatures (so a guest's edits show), one line at a
 * time (no newline). 0, or -1 after a line that says what is missing. */
typedef void fw_line_fn(void *ctx, const char *text);
int fw_describe_mp(const struct guestmem *gm, fw_line_fn *line, void *ctx);
int fw_describe_acpi(const struct guestmem *gm, fw_line_fn *line, void *ctx);
int fw_describe_smbios(const struct guestmem *gm, fw_line_fn *line, void *ctx);

/* The machine's "firmware" device (monitor/device.h): no ports, no state
 * but the tables it writes at init and at reset. */
int firmware_dev_init(struct machine_dev *d, char *err, size_t errlen);
void firmware_dev_reset(struct machine_dev *d);
void firmware_dev_destroy(struct machine_dev *d);

#endif
