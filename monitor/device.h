/* The machine's devices, built from a table (monitor/devices.c): each row
 * names a device and gives its hooks. machine_init walks the table calling
 * init, machine_reset calls every reset, machine_destroy walks it backwards
 * calling destroy. An init hook creates the device's state and claims its
 * port ranges, MMIO ranges and IRQ lines through the machine_dev_* helpers,
 * which refuse overlaps and record what was claimed, so `info devices` can
 * list it. Devices reach guest RAM only through machine_dma_read/write.
 *
 * Adding a device: one file with its model and, at the bottom, its hooks
 * (declared in its header), plus one row in devices.c.
 *
 *   int rtc_dev_init(struct machine_dev *d, char *err, size_t errlen)
 *   {
 *           struct rtc *r = calloc(1, sizeof *r);
 *           if (!r || machine_dev_pio(d, 0x70, 2, NULL, rtc_io, r, err, errlen) < 0 ||
 *               machine_dev_irq(d, 8, NULL, err, errlen) < 0) {
 *                   free(r);
 *                   return -1;
 *           }
 *           d->state = r;                  // machine_device(m, "rtc") finds it
 *           return 0;
 *   }
 *   { "rtc", rtc_dev_init, rtc_dev_reset, rtc_dev_destroy },   // devices.c
 */
#ifndef BT86_MONITOR_DEVICE_H
#define BT86_MONITOR_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/iobus.h"

struct machine;
struct machine_dev;

#define MACHINE_DEV_RANGES 8   /* port or MMIO ranges one device may claim */
#define MACHINE_DEV_IRQS   4   /* IRQ lines one device may claim */
#define MACHINE_NR_IRQS    16  /* the ISA lines of the 8259A pair */

/* A table row. init returns 0, or -1 with one line in err (it frees what it
 * made itself; destroy is only called after a successful init). reset and
 * destroy may be NULL. */
struct machine_devtype {
	const char *name;
	int (*init)(struct machine_dev *d, char *err, size_t errlen);
	void (*reset)(struct machine_dev *d);
	void (*destroy)(struct machine_dev *d);
};

enum machine_bus { MACHINE_BUS_PIO, MACHINE_BUS_MMIO };

struct machine_devrange {
	enum machine_bus bus;
	uint64_t base, len;
	const char *label;         /* the iobus region's name */
};

struct machine_devirq {
	int line;
	const char *label;
};

/* One device of a machine: its row, its state and what it claimed. */
struct machine_dev {
	const struct machine_devtype *type;
	struct machine *m;
	void *state;               /* set by init; machine_device() returns it */
	struct machine_devrange range[MACHINE_DEV_RANGES];
	unsigned nranges;
	struct machine_devirq irq[MACHINE_DEV_IRQS];
	unsigned nirqs;
};

/* The PC's device table, in init order (a device may use those above it). */
const struct machine_devtype *machine_devtable(size_t *n);

/* Claim a range on the port or MMIO bus for d (label NULL: the device's
 * name). 0, or -1 with one line in err if it is empty, overlaps a claimed
 * range (naming its owner) or d has no room left. */
int machine_dev_pio(struct machine_dev *d, uint16_t base, uint32_t len, const char *label, io_fn *fn,
		    void *opaque, char *err, size_t errlen);
int machine_dev_mmio(struct machine_dev *d, uint64_t base, uint64_t len, const char *label, io_fn *fn,
		     void *opaque, char *err, size_t errlen);
/* Claim an IRQ line. An ISA line is edge-triggered and cannot be shared, so
 * a line another device claimed is refused, as is one outside 0-15. */
int machine_dev_irq(struct machine_dev *d, int line, const char *label, char *err, size_t errlen);

/* Drive IRQ line `line` (a device's output); any thread. */
void machine_set_irq(struct machine *m, int line, int level);

/* The device called name, its state, or NULL. */
struct machine_dev *machine_dev_find(struct machine *m, const char *name);
void *machine_device(struct machine *m, const char *name);

/* Walk the table (used by machine_init / machine_destroy): init every row,
 * or undo what was done and return -1 with "device NAME: why" in err. */
int machine_devices_init(struct machine *m, const struct machine_devtype *table, size_t n, char *err,
			 size_t errlen);
void machine_devices_destroy(struct machine *m);

/* DMA: a device reads or writes guest RAM at physical address pa. A write
 * tells the engine (machine.ram_written), as an emulated guest store does, so
 * a translator drops code translated from those pages. 0, or -1 (nothing
 * copied) if the range is not all RAM. On the vCPU thread, or while the
 * engine is stopped. */
int machine_dma_read(struct machine *m, uint64_t pa, void *dst, size_t len);
int machine_dma_write(struct machine *m, uint64_t pa, const void *src, size_t len);

#endif
