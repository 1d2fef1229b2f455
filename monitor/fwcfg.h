/* QEMU's firmware configuration device, traditional (port) interface only,
 * as docs/specs/fw_cfg.rst in QEMU describes it: a 16-bit little-endian
 * selector written at 0x510 picks an item and rewinds it; byte reads at
 * 0x511 return its bytes one by one, then 0 past its end. Writes to the data
 * port are ignored; there is no DMA interface (FW_CFG_ID reads 1). Items:
 * the signature "QEMU", the ID, the RAM size (le64), the CPU counts (le16),
 * the kernel command line (size le32, then the bytes with the NUL) and an
 * empty file directory (a big-endian count of 0); any other selector reads
 * as 0.
 *
 *   struct fwcfg *f = machine_device(m, "fw_cfg");
 *   fwcfg_set_cmdline(f, "kernel.elf console=ttyS0");
 */
#ifndef BT86_MONITOR_FWCFG_H
#define BT86_MONITOR_FWCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine_dev;

#define FW_CFG_SIGNATURE    0x0000
#define FW_CFG_ID           0x0001
#define FW_CFG_RAM_SIZE     0x0003
#define FW_CFG_NB_CPUS      0x0005
#define FW_CFG_MAX_CPUS     0x000f
#define FW_CFG_CMDLINE_SIZE 0x0014
#define FW_CFG_CMDLINE_DATA 0x0015
#define FW_CFG_FILE_DIR     0x0019
#define FW_CFG_ID_TRADITIONAL 0x1u    /* FW_CFG_ID bit 0; bit 1 would be DMA */
#define FWCFG_MAX_ITEMS     16

struct fwcfg_item {
	uint16_t key;
	uint8_t *data;             /* malloc'd */
	uint32_t len;
};

struct fwcfg {
	uint16_t sel;
	uint32_t off;              /* the data offset in the selected item */
	struct fwcfg_item item[FWCFG_MAX_ITEMS];
	int nitems;
};

/* The standard items for a machine of ram_size bytes and ncpus CPUs, with an
 * empty command line: 0, or -1 (out of memory). */
int fwcfg_init(struct fwcfg *f, uint64_t ram_size, unsigned ncpus);
void fwcfg_destroy(struct fwcfg *f);
/* Set (or replace) an item; a copy of the bytes is kept. 0 or -1. */
int fwcfg_set(struct fwcfg *f, uint16_t key, const void *data, uint32_t len);
/* The kernel command line: CMDLINE_SIZE and CMDLINE_DATA (with its NUL). */
int fwcfg_set_cmdline(struct fwcfg *f, const char *cmdline);
/* The io_fn for ports 0x510-0x511. */
void fwcfg_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* The machine's "fw_cfg" device (monitor/device.h). */
int fwcfg_dev_init(struct machine_dev *d, char *err, size_t errlen);
void fwcfg_dev_reset(struct machine_dev *d);
void fwcfg_dev_destroy(struct machine_dev *d);

#endif
