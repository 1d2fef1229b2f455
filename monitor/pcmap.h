/* The PC platform's fixed map: where bt86 puts each device and firmware
 * table, and how the ISA lines reach the IOAPIC. The firmware tables (MP,
 * ACPI) are built from these, and the devices claim these, so the two never
 * disagree. The values are the ones QEMU's i440FX/PIIX machine and SeaBIOS
 * use, so kernels tuned on QEMU find things where they expect. */
#ifndef BT86_MONITOR_PCMAP_H
#define BT86_MONITOR_PCMAP_H

/* Local APIC (the APIC-base MSR's reset value) and the one IOAPIC. */
#define PC_LAPIC_BASE      0xFEE00000u
#define PC_LAPIC_SIZE      0x1000u
#define PC_IOAPIC_BASE     0xFEC00000u
#define PC_IOAPIC_SIZE     0x1000u    /* the chip decodes IOREGSEL at 0x00, IOWIN at 0x10 */
#define PC_IOAPIC_PINS     24
/* The IOAPIC's ID comes after the CPUs' local APIC IDs (0 .. ncpus-1). */
#define PC_IOAPIC_ID(ncpus) ((unsigned)(ncpus))

/* ISA IRQ -> IOAPIC input (global system interrupt). The PIT's IRQ0 is wired
 * to pin 2 (the MP table's and the MADT's interrupt source override); every
 * other ISA line to the pin of its number. */
#define PC_ISA_GSI(irq)    ((irq) == 0 ? 2 : (irq))

/* ACPI fixed hardware (PIIX4-style PM I/O block) and the SCI. */
#define PC_ACPI_PM_BASE    0x600u
#define PC_ACPI_PM1A_EVT   (PC_ACPI_PM_BASE + 0x00)   /* PM1_STS, PM1_EN: 2+2 bytes */
#define PC_ACPI_PM1A_CNT   (PC_ACPI_PM_BASE + 0x04)   /* PM1_CNT: 2 bytes */
#define PC_ACPI_PM_TMR     (PC_ACPI_PM_BASE + 0x08)   /* 24-bit timer, 3.579545 MHz */
#define PC_ACPI_GPE0       (PC_ACPI_PM_BASE + 0x20)   /* GPE0_STS, GPE0_EN: 2+2 bytes */
#define PC_ACPI_PM_LEN     0x40u
#define PC_ACPI_SCI_IRQ    9
#define PC_ACPI_PM_TMR_HZ  3579545u
#define PC_ACPI_S5_TYP     0          /* SLP_TYP for S5 in the DSDT's _S5 package */

/* Reset control register (PIIX/ICH): the FADT's RESET_REG. */
#define PC_RESET_PORT      0xCF9u
#define PC_RESET_VALUE     0x06u

/* PCI configuration mechanism #1. */
#define PC_PCI_CONFIG_ADDR 0xCF8u
#define PC_PCI_CONFIG_DATA 0xCFCu

/* QEMU's fw_cfg: selector (16-bit) and data (8-bit). */
#define PC_FWCFG_PORT_SEL  0x510u
#define PC_FWCFG_PORT_DATA 0x511u

/* Firmware area in low RAM: the BIOS data area, the EBDA below the VGA
 * hole, and the tables in the BIOS ROM area's first half (the loader keeps
 * 0xF0000-0xFFFFF for bt86; 0xF8000- holds the multiboot boot area). */
#define PC_BDA_BASE        0x400u
#define PC_EBDA_BASE       0x9FC00u
#define PC_EBDA_SIZE       0x400u     /* 1 KiB: base memory is 639 KiB */
#define PC_FW_TABLES_BASE  0xF0000u
#define PC_FW_TABLES_END   0xF8000u

/* Legacy ISA IRQs of the devices. */
#define PC_IRQ_PIT         0
#define PC_IRQ_KBD         1
#define PC_IRQ_COM2        3
#define PC_IRQ_COM1        4
#define PC_IRQ_RTC         8
#define PC_IRQ_MOUSE       12
#define PC_IRQ_IDE0        14
#define PC_IRQ_IDE1        15

#endif
