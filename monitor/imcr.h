/* The MP specification's IMCR (interrupt mode configuration register) at
 * ports 0x22 (select: write 0x70) and 0x23 (data: bit 0 routes INTR and NMI
 * to the local APIC instead of straight to the CPU). bt86's MP table says
 * there is no IMCR (virtual wire mode), so a guest has no reason to use it;
 * one that does finds it there and its value kept, with no effect on the
 * routing. Other indexes (chipset registers behind 0x22/0x23, Cyrix CPU
 * configuration) read all ones and drop writes. */
#ifndef BT86_MONITOR_IMCR_H
#define BT86_MONITOR_IMCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMCR_PORT   0x22
#define IMCR_SELECT 0x70
#define IMCR_APIC   0x01     /* bit 0: symmetric I/O (APIC) mode */

struct imcr {
	uint8_t index;           /* the last write to 0x22 */
	uint8_t value;           /* the IMCR */
};

void imcr_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

struct machine_dev;
int imcr_dev_init(struct machine_dev *d, char *err, size_t errlen);
void imcr_dev_reset(struct machine_dev *d);
void imcr_dev_destroy(struct machine_dev *d);

#endif
