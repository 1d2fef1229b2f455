/* Guest memory as the guest sees it, for the debugger's views: linear
 * addresses, through the guest's page tables when CR0.PG is set (any present
 * mapping, no A/D bits set: a debugger looks, it does not touch). The one
 * reader every front end uses (the commands, the TUI's panes, gdb): RAM, and
 * with gv_read_vga the VGA window too.
 *
 *   uint8_t b[16];
 *   if (gv_read(&m->mem, m->maxphyaddr, &st, lin, b, sizeof b)) ...
 *   if (gv_read_vga(&m->mem, m->vga, m->maxphyaddr, &st, lin, b, sizeof b)) ...
 */
#ifndef BT86_SESSION_GUESTVIEW_H
#define BT86_SESSION_GUESTVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/guestmem.h"
#include "monitor/vgamem.h"
#include "monitor/vcpu.h"

/* Read len bytes at linear lin under st's paging controls (st NULL: lin is
 * physical); all or nothing. */
bool gv_read(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
	     void *buf, size_t len);

/* The same from RAM or, where vga is not NULL, the VGA window's buffer (a
 * page's part of the read wholly inside it); page tables are read from the
 * same memory. vga NULL: gv_read. */
bool gv_read_vga(const struct guestmem *gm, const struct vgamem *vga, unsigned maxphyaddr,
		 const struct vcpu_state *st, uint32_t lin, void *buf, size_t len);

/* Its physical address, if mapped to RAM. */
bool gv_phys(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
	     uint64_t *pa);

/* How many of the len bytes at lin can be read, from the first on. */
size_t gv_readable(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
		   size_t len);

#endif
