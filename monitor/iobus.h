/* Port-I/O and MMIO dispatch tables. Devices claim address ranges with one
 * handler signature for both buses (as kvmtool does); an engine that sees a guest
 * IN/OUT or an access to a hole in RAM calls iobus_access().
 *
 *   iobus_register(&m->pio, 0x3f8, 8, "uart", uart_io, &m->com1);
 *   uint8_t v;  iobus_access(&m->pio, 0x3fd, &v, 1, false);
 */
#ifndef BT86_MONITOR_IOBUS_H
#define BT86_MONITOR_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

/* Access handler: off is relative to the region base; size is 1, 2 or 4 (8 for
 * some MMIO); data is little-endian guest bytes, to fill on reads. */
typedef void io_fn(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

struct io_region {
	uint64_t base, len;
	const char *name;
	io_fn *fn;
	void *opaque;
};

struct iobus {
	const char *name;          /* "pio" or "mmio", for messages */
	struct io_region *r;       /* sorted by base, never overlapping */
	int n, cap;
	uint64_t unclaimed;        /* accesses nobody claimed */
};

void iobus_init(struct iobus *bus, const char *name);
void iobus_destroy(struct iobus *bus);

/* 0, or -1 if the range is empty, wraps, or overlaps a registered one. */
int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const char *name,
		   io_fn *fn, void *opaque);

const struct io_region *iobus_find(const struct iobus *bus, uint64_t addr);

/* Dispatch one access. An access nobody claims reads as all ones and its writes
 * are dropped, as on a PC's open bus; the return value says if it was claimed. */
bool iobus_access(struct iobus *bus, uint64_t addr, void *data, unsigned size, bool is_write);

#endif
