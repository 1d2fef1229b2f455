/* The BIOS data area, the EBDA and the MP specification 1.4 tables, as a PC
 * BIOS leaves them for a kernel (monitor/mptable.c): a floating pointer
 * structure and a configuration table listing the CPUs, the PCI and ISA
 * buses, the IOAPIC, how each ISA IRQ reaches an IOAPIC pin (IRQ0 on pin 2)
 * and LINT0/LINT1 (ExtINT, NMI: virtual wire mode, no IMCR). Written into
 * guest RAM by the "mptable" device row at power-on and at every reset,
 * from m->ncpus and the platform map (monitor/pcmap.h). A machine whose CPU
 * has no local APIC gets the BDA and EBDA only. */
#ifndef BT86_MONITOR_MPTABLE_H
#define BT86_MONITOR_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct machine_dev;

#define MP_FLOATING_ADDR 0xF0000u   /* the floating pointer, 16 bytes */
#define MP_CONFIG_ADDR   0xF0010u   /* the configuration table */
#define MP_CONFIG_MAX    0x400u     /* room for it (16 CPUs fit) */
#define MP_LAPIC_VERSION 0x14u
#define MP_IOAPIC_VERSION 0x11u
#define MP_BUS_PCI       0
#define MP_BUS_ISA       1

/* Write the BDA, EBDA and MP tables; 0, or -1 if RAM is too small. */
int mptable_write(struct machine *m);

int mptable_dev_init(struct machine_dev *d, char *err, size_t errlen);
void mptable_dev_reset(struct machine_dev *d);

#endif
