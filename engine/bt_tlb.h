/* What the shadow-paging window's fills were made from, so that a CR3 load
 * keeps the fills the new address space maps alike at the cost of one
 * comparison per page table rather than one walk per page.
 *
 * A CR3 load flushes the TLB of non-global translations; the window (a
 * software TLB, engine/window.h) may keep a fill only if walking the new
 * tables would give the same one at once. For each page directory entry's
 * range (4 MiB, or 2 MiB under PAE) that holds fills of a view, this keeps
 * the directory entry's key (pg_dir_key) and a copy of its page table with
 * every filled page's entry as it was at the fill (after its A/D bits were
 * set). At a CR3 load the new directory entry's key must be the same, and
 * then a page table identical to the copy keeps every fill of the range; a
 * differing one keeps the fills whose entries are unchanged, and becomes
 * the new copy. Kernels that map themselves alike in every address space
 * (xv6 with a page table per process, Linux with shared ones) keep their
 * whole kernel mapping across a context switch this way.
 *
 *   bt_tlb_fill(&t, w, &mode, lin, &r);      // after win_paging_fill, r from its walk
 *   bt_tlb_recheck(&t, w, &mem, &mode, gm);  // at a CR3 load, same controls
 *   bt_tlb_reset(&t);                        // the window was emptied */
#ifndef BT86_ENGINE_BT_TLB_H
#define BT86_ENGINE_BT_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/window.h"
#include "monitor/paging.h"

#define BT_TLB_DIRS 2048   /* directory entries of 4 GiB under PAE */

struct bt_tlb_dir {
	uint64_t key;          /* pg_dir_key of the entry the fills went through */
	uint32_t nfills;       /* fills made in the range since it was rechecked (a bound) */
	uint8_t table[4096];   /* the page table, as the fills saw their entries */
};

struct bt_tlb_view {
	struct bt_tlb_dir *dir[BT_TLB_DIRS];   /* allocated when first filled */
	uint16_t active[BT_TLB_DIRS];          /* the ranges with fills */
	uint32_t nactive;
	bool stale;                            /* CR3 was loaded since it was checked */
};

struct bt_tlb {
	struct bt_tlb_view view[2];   /* as the window's views: 0 supervisor, 1 user */
	unsigned shift;               /* pg_dir_shift of the fills (the controls do not
				       * change without emptying the window) */
	uint64_t kept_tables, diffed_tables, dropped_tables;   /* at CR3 loads, for --stats */
};

void bt_tlb_destroy(struct bt_tlb *t);
/* Both views of the window were emptied. */
void bt_tlb_reset(struct bt_tlb *t);
/* The window's current view filled linear page lin from the walk r (PG_OK).
 * Fills of the range made through another directory entry are dropped
 * first. -1 if out of memory: the caller empties the window. */
int bt_tlb_fill(struct bt_tlb *t, struct win *w, const struct pg_mode *mode, uint32_t lin,
		const struct pg_result *r);
/* A CR3 load with the paging controls unchanged: drop the fills of the
 * current view that the tables under mode (the new CR3) do not map the
 * same way. The other view is checked when it is next entered
 * (bt_tlb_entered), against the tables of that moment: nothing uses it
 * before then, and a kernel's own address space, which maps no user
 * pages, comes and goes in between without emptying it. */
void bt_tlb_recheck(struct bt_tlb *t, struct win *w, const struct pg_phys *mem, const struct pg_mode *mode,
		    const struct guestmem *gm);
/* The window's current view was just switched to. */
void bt_tlb_entered(struct bt_tlb *t, struct win *w, const struct pg_phys *mem, const struct pg_mode *mode,
		    const struct guestmem *gm);

#endif
