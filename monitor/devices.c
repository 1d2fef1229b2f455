/* The PC's devices, one row each, in init order: the interrupt controllers
 * first (every other device drives their lines), then the timer (with the
 * clock thread that drives it), COM1, the firmware tables, fw_cfg, the ACPI
 * PM block, the debug-exit port and VGA memory.
 * Each device's hooks live at the bottom of its own file. */
#include "monitor/acpipm.h"
#include "monitor/device.h"
#include "monitor/dma8237.h"
#include "monitor/ioapic.h"
#include "monitor/lapic.h"
#include "monitor/firmware.h"
#include "monitor/fwcfg.h"
#include "monitor/machine.h"
#include "monitor/imcr.h"
#include "monitor/pci.h"
#include "monitor/postcode.h"
#include "monitor/rtc.h"
#include "monitor/cga.h"
#include "monitor/i8042.h"

static const struct machine_devtype pc_devices[] = {
	{ "lapic",      lapic_dev_init,   lapic_dev_reset,   lapic_dev_destroy },   /* its intc before the PIC's */
	{ "pic",        pic_dev_init,     pic_dev_reset,     pic_dev_destroy },
	{ "ioapic",     ioapic_dev_init,  ioapic_dev_reset,  ioapic_dev_destroy },
	{ "pit",        pit_dev_init,     pit_dev_reset,     pit_dev_destroy },
	{ "rtc",        rtc_dev_init,     rtc_dev_reset,     rtc_dev_destroy },
	{ "pci",        pci_dev_init,     pci_dev_reset,     pci_dev_destroy },
	{ "dma",        dma8237_dev_init, dma8237_dev_reset, dma8237_dev_destroy },
	{ "post",       postcode_dev_init, postcode_dev_reset, postcode_dev_destroy },
	{ "imcr",       imcr_dev_init,    imcr_dev_reset,    imcr_dev_destroy },
	{ "com1",       uart_dev_init,    uart_dev_reset,    uart_dev_destroy },
	{ "ide",        ide_dev_init,     ide_dev_reset,     ide_dev_destroy },
	{ "com2",       uart_dev_init,    uart_dev_reset,    uart_dev_destroy },
	{ "com3",       uart_dev_init,    uart_dev_reset,    uart_dev_destroy },
	{ "com4",       uart_dev_init,    uart_dev_reset,    uart_dev_destroy },
	{ "i8042",      i8042_dev_init,   i8042_dev_reset,   i8042_dev_destroy },
	{ "firmware",   firmware_dev_init, firmware_dev_reset, firmware_dev_destroy },
	{ "fw_cfg",     fwcfg_dev_init,   fwcfg_dev_reset,   fwcfg_dev_destroy },
	{ "acpi-pm",    acpipm_dev_init,  acpipm_dev_reset,  acpipm_dev_destroy },
	{ "debug-exit", dbgexit_dev_init, dbgexit_dev_reset, NULL },
	{ "vga",        vgamem_dev_init,  vgamem_dev_reset,  vgamem_dev_destroy },
	{ "vga-regs",   cga_dev_init,     cga_dev_reset,     cga_dev_destroy },
};

const struct machine_devtype *machine_devtable(size_t *n)
{
	*n = sizeof pc_devices / sizeof pc_devices[0];
	return pc_devices;
}
