/* The guest's 4 GiB linear window: a reserved range of host address space
 * whose base is the vCPU thread's GS base. Translated code reaches guest
 * memory only as gs:[32-bit address], so it can reach nothing but the window.
 * With paging off the window maps RAM 1:1 from the guest memfd and leaves
 * holes (VGA, beyond RAM) unmapped, so they fault. Pages holding translated
 * code are made read-only so guest writes to them fault and invalidate.
 *
 * String instructions address through host RSI/RDI (64-bit mode ignores ES),
 * so WIN_GUARD of inaccessible space lies on both sides: a REP that runs off
 * either end faults instead of reaching host memory.
 *
 *   struct win w;
 *   win_init(&w, &m->mem, err, sizeof err);
 *   win_set_gs(&w);                 // on the vCPU thread
 *   win_protect_code(&w, page);     // after translating from page
 */
#ifndef BT86_ENGINE_WINDOW_H
#define BT86_ENGINE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/guestmem.h"

#define WIN_SIZE  (1ull << 32)
#define WIN_GUARD (16ull << 30)   /* a REP MOVSD of up to 2^32 dwords stays inside */
#define WIN_PAGES (WIN_SIZE >> 12)

enum win_page {
	WIN_PAGE_HOLE,    /* not RAM (MMIO or nothing), or with paging not filled yet: accesses fault */
	WIN_PAGE_RW,      /* RAM, read/write */
	WIN_PAGE_CODE,    /* RAM holding translated code: read-only */
	WIN_PAGE_RO,      /* paging: RAM the guest may not write yet (R/W=0 for this CPL, or D=0) */
};

/* Watchpoints overlay the page state: a watched page is read-only (write
 * watch) or inaccessible (read/access watch) whatever else it is. */
enum win_watch { WIN_WATCH_NONE, WIN_WATCH_WRITE, WIN_WATCH_ALL };

/* With paging on (CR0.PG), the window is a software TLB (shadow paging): it
 * starts empty and a host fault on a page fills it from the guest's page
 * tables, mapped with the rights of the CPL it was filled at and read-only
 * until the guest PTE's D bit is set. There are two such windows (views),
 * one filled at CPL 3 and one at CPL 0-2, each its own reservation: a CPL
 * change switches the view (the GS base) instead of emptying it, so a
 * system call does not refault every page. INVLPG and changes of the paging
 * controls empty both; a CR3 load rechecks them (win_paging_recheck).
 *
 * The fields below `view` are the current view's (win_switch_view swaps
 * them with the other's); watch and pcode are per page for both. */
struct win_view {
	uint8_t *reserve, *base, *page;
	uint32_t *l2p, *filled;
	uint32_t nfilled, filled_cap, nlive, nmaps;
};

struct win {
	uint8_t *reserve;      /* the whole reservation, guards included */
	uint8_t *base;         /* guest linear address 0 */
	uint8_t *page;         /* enum win_page per 4 KiB page */
	/* paging */
	uint32_t *l2p;         /* per linear page: physical page + 1, 0 if not filled */
	uint32_t *filled;      /* the linear pages filled, to empty them quickly (and
				* some since dropped: compacted now and then) */
	uint32_t nfilled, filled_cap;
	uint32_t nlive;        /* pages filled now */
	/* Each fill is a host mapping of its own unless the host merges it
	 * with a neighbour (the next linear page mapping the next physical
	 * page alike), and the host allows a process vm.max_map_count of
	 * them. nmaps bounds the view's count from above (fills that did not
	 * merge, holes made since it was emptied); a view reaching fill_max is
	 * emptied at the next fill, as a full TLB would be. */
	uint32_t nmaps;
	uint32_t fill_max;
	int view;              /* 0: supervisor, 1: user (CPL 3) */
	struct win_view other; /* the view not in use (reserve NULL until first used) */
	uint8_t *watch;        /* enum win_watch per page */
	/* Emptying a large view replaces its reservation with a fresh one; the
	 * old one is unmapped by a reaper thread, off the vCPU's path (the
	 * kernel's teardown of tens of thousands of page mappings takes
	 * milliseconds). Old reservations wait in `retired` until the caller
	 * has moved GS off them (win_release_retired). */
	uint8_t *retired[4];
	int nretired;
	struct win_reaper *reaper;
	const struct guestmem *gm;
	bool paging;           /* the window follows the guest's page tables */
	uint32_t *pcode;       /* per physical RAM page: the linear page + 1 its CCFs were
				* translated at, PCODE_MANY for several, 0 for none */
	uint32_t cr3, ctl;     /* what the fills assumed: CR3, and CPL/WP/PSE/PAE/NXE bits */
};
#define WIN_PCODE_MANY 0xffffffffu

int win_init(struct win *w, const struct guestmem *gm, char *err, size_t errlen);
void win_destroy(struct win *w);

/* Make the window this thread's GS base. */
int win_set_gs(const struct win *w);

/* Write-protect a RAM page that now holds translated code; no-op otherwise. */
void win_protect_code(struct win *w, uint32_t page);
/* Make it writable again (its CCFs are gone). */
void win_unprotect(struct win *w, uint32_t page);
enum win_page win_page_state(const struct win *w, uint32_t page);
/* Watch a page (or stop watching it: WIN_WATCH_NONE). */
void win_set_watch(struct win *w, uint32_t page, enum win_watch level);
/* Make a page fully accessible for one instruction, then put its protection back. */
void win_open(struct win *w, uint32_t page);
void win_reprotect(struct win *w, uint32_t page);

/* Paging: switch the window between 1:1 RAM and filled-on-demand (emptied;
 * turning paging off goes back to view 0). */
int win_set_paging(struct win *w, bool on);
/* Make view (0 supervisor, 1 user) the current one: 1 if it changed (the
 * caller loads the new base into GS and its context), 0 if it was current,
 * -1 if the view cannot be made (out of memory or address space). */
int win_switch_view(struct win *w, int view);
/* Empty both views of a paged window (a change of the paging controls, a
 * CR3 load). The base of either view may move: the caller loads the current
 * one into GS and its context, then calls win_release_retired. */
void win_paging_flush(struct win *w);
/* GS no longer points into a replaced reservation: let the reaper unmap them. */
void win_release_retired(struct win *w);
/* Drop one linear page of a paged window, in both views (INVLPG). */
void win_paging_drop(struct win *w, uint32_t page);
/* Drop the filled pages among [first, first + n) of the current view, with
 * one host call: nothing else in the range may stay. The count dropped. */
uint32_t win_paging_drop_run(struct win *w, uint32_t first, uint32_t n);
/* Swap the current view for the other one and back (to work on both). */
void win_swap_views(struct win *w);
/* Map linear page lin to RAM page phys, writable or read-only; code pages
 * stay read-only. 0, or -1 if mmap failed. */
int win_paging_fill(struct win *w, uint32_t lin, uint32_t phys, bool writable);
/* Physical RAM page phys now holds code translated at linear page lin:
 * every linear page mapping it becomes read-only. */
void win_paging_code(struct win *w, uint32_t lin, uint32_t phys);

/* The guest linear address of a host address inside the window, or -1. */
int64_t win_guest_addr(const struct win *w, const void *host);

#endif
