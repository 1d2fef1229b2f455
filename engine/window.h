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
	WIN_PAGE_HOLE,    /* not RAM: accesses fault (MMIO or nothing) */
	WIN_PAGE_RW,      /* RAM, read/write */
	WIN_PAGE_CODE,    /* RAM holding translated code: read-only */
};

/* Watchpoints overlay the page state: a watched page is read-only (write
 * watch) or inaccessible (read/access watch) whatever else it is. */
enum win_watch { WIN_WATCH_NONE, WIN_WATCH_WRITE, WIN_WATCH_ALL };

struct win {
	uint8_t *reserve;      /* the whole reservation, guards included */
	uint8_t *base;         /* guest linear address 0 */
	uint8_t *page;         /* enum win_page per 4 KiB page */
	uint8_t *watch;        /* enum win_watch per page */
	const struct guestmem *gm;
};

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

/* The guest linear address of a host address inside the window, or -1. */
int64_t win_guest_addr(const struct win *w, const void *host);

#endif
