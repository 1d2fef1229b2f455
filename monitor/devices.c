/* The PC's devices, one row each, in init order: the interrupt controllers
 * first (every other device drives their lines), then the timer (with the
 * clock thread that drives it), COM1, the firmware tables, fw_cfg, the ACPI
 * PM block, the debug-exit port and VGA memory.
 * Each device's hooks live at the bottom of its own file. */
#include "monitor/acpipm.h"
#include "monitor/device.h"
#include "monitor/firmware.h"
#include "monitor/fwcfg.h"
#include "monitor/machine.h"

static const struct machine_devtype pc_devices[] = {
	{ "pic",        pic_dev_init,     pic_dev_reset,     pic_dev_destroy },
	{ "pit",        pit_dev_init,     pit_dev_reset,     pit_dev_destroy },
	{ "com1",       uart_dev_init,    uart_dev_reset,    uart_dev_destroy },
	{ "firmware",   firmware_dev_init, firmware_dev_reset, firmware_dev_destroy },
	{ "fw_cfg",     fwcfg_dev_init,   fwcfg_dev_reset,   fwcfg_dev_destroy },
	{ "acpi-pm",    acpipm_dev_init,  acpipm_dev_reset,  acpipm_dev_destroy },
	{ "debug-exit", dbgexit_dev_init, dbgexit_dev_reset, NULL },
	{ "vga",        vgamem_dev_init,  vgamem_dev_reset,  vgamem_dev_destroy },
};

const struct machine_devtype *machine_devtable(size_t *n)
{
	*n = sizeof pc_devices / sizeof pc_devices[0];
	return pc_devices;
}
