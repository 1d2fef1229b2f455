/* The PC's I/O ports and MMIO ranges where a PC has something that bt86 does
 * not model, with what an access to each does when no device claimed it
 * (monitor/machine.c, machine_pio and machine_mmio; the rule is in
 * docs/machine.md, "Anything not modelled stops loudly"):
 *
 *   claimed by a device        -> the device
 *   a row of this table        -> its policy:
 *       PC_ABSENT       a PC without that device: reads all ones, writes are
 *                       dropped, an io event (LPT, MDA, game port, floppy)
 *       PC_UNSUPPORTED  a device a guest expects to work: the run stops with
 *                       "unsupported: read of port 0x1ce (Bochs VBE display
 *                       interface, not modelled) at EIP ...", status 4 (VBE,
 *                       the DMA page aliases, HPET)
 *       PC_SINK         write-only ports a guest pokes as a matter of course
 *                       (the FPU error ports): writes are taken silently,
 *                       reads are all ones with an io event
 *   anything else              -> open bus: all ones, an io event
 *
 *   const struct pc_absent *a = pc_absent_find(MACHINE_BUS_PIO, 0x1ce, 1);
 *   if (a && a->policy == PC_UNSUPPORTED) ...
 */
#ifndef BT86_MONITOR_PC_ABSENT_H
#define BT86_MONITOR_PC_ABSENT_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/device.h"

enum pc_absent_policy { PC_ABSENT, PC_UNSUPPORTED, PC_SINK };

struct pc_absent {
	enum machine_bus bus;
	uint64_t base, len;
	const char *name;
	enum pc_absent_policy policy;
};

/* The row whose range overlaps [addr, addr+size), or NULL. */
const struct pc_absent *pc_absent_find(enum machine_bus bus, uint64_t addr, unsigned size);
/* The whole table (for tests and documentation). */
const struct pc_absent *pc_absent_table(size_t *n);
const char *pc_absent_policy_name(enum pc_absent_policy p);

#endif
