/* The legacy VGA memory window 0xA0000-0xBFFFF as a plain MMIO-backed buffer.
 * Text-mode guests write characters and attributes at 0xB8000 (CGA colour text,
 * 80x25 cells of two bytes); front ends read the buffer to show that screen. */
#ifndef BT86_MONITOR_VGAMEM_H
#define BT86_MONITOR_VGAMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VGAMEM_BASE     0xA0000u
#define VGAMEM_SIZE     0x20000u
#define VGAMEM_CGA_TEXT 0xB8000u   /* colour text mode buffer */

struct vgamem {
	uint8_t bytes[VGAMEM_SIZE];
	uint64_t writes;           /* so a UI can tell the guest ever drew */
};

void vgamem_init(struct vgamem *v);
/* Power-on: VGA memory is undefined then; zeros here (a blank screen, as a
 * BIOS leaves it), and no writes counted. */
void vgamem_reset(struct vgamem *v);
void vgamem_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* The machine's VGA memory (monitor/device.h hooks; state: machine.vga,
 * allocated at its exact size so ASan sees overruns). */
struct machine_dev;
int vgamem_dev_init(struct machine_dev *d, char *err, size_t errlen);
void vgamem_dev_reset(struct machine_dev *d);
void vgamem_dev_destroy(struct machine_dev *d);

#endif
