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

/* The physical memory a read reaches, for monitor/paging.h's walk. */
struct gv_mem {
	const struct guestmem *gm;
	const struct vgamem *vga;   /* NULL: RAM only */
};

static bool gv_is_vga(const struct gv_mem *v, uint64_t pa, size_t len)
{
	return v->vga && pa >= VGAMEM_BASE && pa + len <= VGAMEM_BASE + VGAMEM_SIZE;
}

static bool gv_mem_present(void *ctx, uint64_t pa, size_t len)
{
	const struct gv_mem *v = ctx;
	return gmem_is_ram(v->gm, pa, len) || gv_is_vga(v, pa, len);
}

static bool gv_mem_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	const struct gv_mem *v = ctx;
	if (gmem_is_ram(v->gm, pa, len)) {
		memcpy(buf, v->gm->phys + pa, len);
		return true;
	}
	if (gv_is_vga(v, pa, len)) {
		memcpy(buf, v->vga->bytes + (pa - VGAMEM_BASE), len);
		return true;
	}
	return false;
}

/* A debugger's read never writes (no PG_SET_AD), so the walk needs no writer. */
static bool gv_mem_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	(void)ctx, (void)pa, (void)buf, (void)len;
	return false;
}

bool gv_read_vga(const struct guestmem *gm, const struct vgamem *vga, unsigned maxphyaddr,
		 const struct vcpu_state *st, uint32_t lin, void *buf, size_t len)
{
	/* Linear addresses stop at 4 GiB: a view does not wrap as the CPU would. */
	if ((uint64_t)lin + len > 0x100000000ull)
		return false;
	struct gv_mem v = { .gm = gm, .vga = vga };
	struct pg_phys phys = { .ctx = &v, .present = gv_mem_present, .read = gv_mem_read, .write = gv_mem_write };
	struct vcpu_state flat = { .cr0 = 0 };   /* st NULL: lin is physical */
	struct pg_mode mode = pg_mode_of(st ? st : &flat, maxphyaddr);
	return pg_read_lin(&phys, &mode, lin, buf, len, PG_FORCE, NULL) == PG_OK;
}

bool gv_read(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
	     void *buf, size_t len)
{
	return gv_read_vga(gm, NULL, maxphyaddr, st, lin, buf, len);
}
