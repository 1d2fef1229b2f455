/* Guest RAM: one memfd of RAM size, mapped once as the physical view that the
 * monitor, devices, loaders and debuggers use. Engines map the same memfd again
 * where they need it (KVM memory slots, the BT engine's linear window), so every
 * view sees the same bytes.
 *
 *   struct guestmem gm;
 *   if (gmem_init(&gm, 64 << 20, err, sizeof err) < 0) die(err);
 *   gmem_write(&gm, 0x100000, code, n);
 */
#ifndef BT86_MONITOR_GUESTMEM_H
#define BT86_MONITOR_GUESTMEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define GMEM_MIN_SIZE (2ull << 20)     /* 1 MiB of low memory plus room for a kernel */
#define GMEM_MAX_SIZE (3ull << 30)     /* RAM stays below the 3 GiB PCI/APIC hole */

/* The legacy VGA window: not RAM on a PC, so it is MMIO here too. */
#define GMEM_VGA_BASE 0xA0000u
#define GMEM_VGA_END  0xC0000u

struct guestmem {
	int fd;          /* the memfd */
	uint8_t *phys;   /* physical view, MAP_SHARED, size bytes */
	uint64_t size;
};

int gmem_init(struct guestmem *gm, uint64_t size, char *err, size_t errlen);
void gmem_destroy(struct guestmem *gm);

/* True if [pa, pa+len) is RAM (inside the memfd and outside the VGA hole). */
bool gmem_is_ram(const struct guestmem *gm, uint64_t pa, uint64_t len);

/* Pointer into the physical view, or NULL if the range is not all RAM. */
void *gmem_ptr(const struct guestmem *gm, uint64_t pa, uint64_t len);

/* Copy to/from RAM; -1 (nothing copied) if the range is not all RAM. */
int gmem_read(const struct guestmem *gm, uint64_t pa, void *buf, size_t len);
int gmem_write(struct guestmem *gm, uint64_t pa, const void *buf, size_t len);

/* Parse a size like QEMU's -m: "64", "64M", "65536K", "1G" (plain number = MiB).
 * Returns 0 and the byte count, or -1 for malformed text. */
int gmem_parse_size(const char *s, uint64_t *bytes);

#endif
