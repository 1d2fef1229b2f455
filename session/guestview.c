/* See guestview.h. */
#include "session/guestview.h"

#include <string.h>

#include "monitor/paging.h"

bool gv_phys(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
	     uint64_t *pa)
{
	if (!st || !(st->cr0 & CR0_PG)) {
		*pa = lin;
		return gmem_is_ram(gm, lin, 1);
	}
	/* The walk only reads with PG_FORCE and no PG_SET_AD. */
	struct pg_phys ram = pg_phys_ram((struct guestmem *)gm);
	struct pg_mode mode = pg_mode_of(st, maxphyaddr);
	struct pg_result r;
	if (pg_translate(&ram, &mode, lin, PG_READ, PG_FORCE, &r) != PG_OK || !gmem_is_ram(gm, r.pa, 1))
		return false;
	*pa = r.pa;
	return true;
}

size_t gv_readable(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
		   size_t len)
{
	size_t n = 0;
	while (n < len) {
		uint64_t pa;
		uint32_t a = lin + (uint32_t)n;
		if (!gv_phys(gm, maxphyaddr, st, a, &pa))
			break;
		size_t chunk = 0x1000u - (a & 0xfffu);
		if (chunk > len - n)
			chunk = len - n;
		while (chunk && !gmem_is_ram(gm, pa, chunk))
			chunk--;
		if (!chunk)
			break;
		n += chunk;
		if ((uint64_t)lin + n > 0xffffffffull)
			break;
	}
	return n;
}

bool gv_read(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
	     void *buf, size_t len)
{
	uint8_t *b = buf;
	if (gv_readable(gm, maxphyaddr, st, lin, len) < len)
		return false;
	for (size_t n = 0; n < len;) {
		uint64_t pa;
		uint32_t a = lin + (uint32_t)n;
		gv_phys(gm, maxphyaddr, st, a, &pa);
		size_t chunk = 0x1000u - (a & 0xfffu);
		if (chunk > len - n)
			chunk = len - n;
		memcpy(b + n, gm->phys + pa, chunk);
		n += chunk;
	}
	return true;
}
