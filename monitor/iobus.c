/* Port-I/O and MMIO dispatch tables (see iobus.h). A sorted array with binary
 * search: a machine has a few dozen regions and lookups dominate. */
#include "monitor/iobus.h"

#include <stdlib.h>
#include <string.h>

void iobus_init(struct iobus *bus, const char *name)
{
	memset(bus, 0, sizeof *bus);
	bus->name = name;
}

void iobus_destroy(struct iobus *bus)
{
	free(bus->r);
	bus->r = NULL;
	bus->n = bus->cap = 0;
}

/* Index of the first region whose end is above addr. */
static int iobus_lower(const struct iobus *bus, uint64_t addr)
{
	int lo = 0, hi = bus->n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		const struct io_region *r = &bus->r[mid];
		if (r->base + r->len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const char *name,
		   io_fn *fn, void *opaque)
{
	if (len == 0 || base + len < base || !fn)
		return -1;
	int i = iobus_lower(bus, base);
	if (i < bus->n && bus->r[i].base < base + len)
		return -1;   /* overlaps region i */
	if (bus->n == bus->cap) {
		int cap = bus->cap ? bus->cap * 2 : 16;
		struct io_region *r = realloc(bus->r, (size_t)cap * sizeof *r);
		if (!r)
			return -1;
		bus->r = r;
		bus->cap = cap;
	}
	memmove(&bus->r[i + 1], &bus->r[i], (size_t)(bus->n - i) * sizeof *bus->r);
	bus->r[i] = (struct io_region){ base, len, name, fn, opaque };
	bus->n++;
	return 0;
}

const struct io_region *iobus_find(const struct iobus *bus, uint64_t addr)
{
	int i = iobus_lower(bus, addr);
	if (i < bus->n && bus->r[i].base <= addr)
		return &bus->r[i];
	return NULL;
}

bool iobus_access(struct iobus *bus, uint64_t addr, void *data, unsigned size, bool is_write)
{
	const struct io_region *r = iobus_find(bus, addr);
	if (!r) {
		bus->unclaimed++;
		if (!is_write)
			memset(data, 0xff, size);
		return false;
	}
	r->fn(r->opaque, addr - r->base, data, size, is_write);
	return true;
}
