/* Shadow paging for the translator (see engine/window.h): keeping the window
 * in step with the guest's paging controls, filling it on host faults from
 * the guest's page tables, write-protecting pages that hold translated code
 * under every mapping of them, and INVLPG.
 *
 * Translations stay keyed by linear EIP. A CR3 load (a new address space)
 * keeps the CCFs whose code pages the new tables map to the same physical
 * pages with fetch rights, and drops the others: a kernel mapped alike in
 * every address space keeps its translations across context switches. The
 * window is a software TLB with a view per CPL class (user or supervisor,
 * engine/window.h), switched when that changes; a CR3 load keeps the filled pages
 * whose new entries are those they were filled from, as a TLB refilled at
 * once would hold them, and drops the rest (checked per page table,
 * engine/bt_tlb.h). */
#include "engine/bt.h"
#include "engine/bt_tlb.h"

#include <stdio.h>

#include "monitor/paging.h"

/* The controls the fills of a paged window depend on, besides CR3. */
static uint32_t bt_pg_ctl(const struct vcpu_state *st)
{
	return (emu_cpl(st) == 3 ? 1u : 0u) | (st->cr0 & CR0_WP) |
	       (st->cr4 & (PG_CR4_PSE | PG_CR4_PAE | PG_CR4_SMEP)) | ((uint32_t)st->efer & PG_EFER_NXE) << 20;
}

/* The guest page behind linear lin, as the CPU would see this access. */
static enum pg_status bt_pg_walk(struct bt_engine *be, uint32_t lin, enum pg_access acc, unsigned flags,
				 struct pg_result *r);

/* Empty both views of the window, and what their fills were made from. */
static void bt_paging_flush(struct bt_engine *be)
{
	be->tlb_gen++;
	win_paging_flush(&be->win);
	bt_tlb_reset(&be->tlb);
}

/* A CR3 load: keep what the new address space maps alike (see the top). */
static void bt_paging_new_space(struct bt_engine *be, bool same_ctl)
{
	struct win *w = &be->win;
	struct machine *m = be->base.m;
	be->cr3_loads++;
	be->tlb_gen++;

	/* Code pages. A class (user or supervisor code) whose pages the new
	 * space does not map at all is parked rather than dropped; if it maps
	 * some of them alike, the unmapped ones are dropped, since chained
	 * jumps from the live ones could reach them. */
	int dropped = 0;
	uint32_t kept = 0;
	bool live[2] = { false, false };
	for (uint32_t i = 0; i < be->ncode_pages; i++) {
		struct bt_code_page *cp = &be->code_pages[i];
		struct pg_result r;
		enum pg_status ps = bt_pg_walk(be, cp->lin << 12, PG_EXEC, cp->user ? PG_USER : 0, &r);
		cp->parked = !(ps == PG_OK && r.exec && (!cp->user || r.user) && r.pa >> 12 == cp->phys);
		cp->elsewhere = cp->parked && (ps != PG_FAULT || (r.error & PG_PF_P));
		if (!cp->parked)
			live[cp->user] = true;
	}
	be->nparked = 0;
	uint32_t unlook[256];
	size_t nunlook = 0;
	for (uint32_t i = 0; i < be->ncode_pages; i++) {
		struct bt_code_page *cp = &be->code_pages[i];
		if (!cp->parked || (!live[cp->user] && !cp->elsewhere)) {
			if (cp->parked) {
				if (nunlook == sizeof unlook / sizeof unlook[0]) {
					tc_unlookup_pages(&be->tc, unlook, nunlook);
					nunlook = 0;
				}
				unlook[nunlook++] = cp->lin;
				be->nparked++;
				be->cr3_parked++;
			}
			be->code_pages[kept++] = *cp;
			continue;
		}
		dropped += tc_invalidate_page(&be->tc, cp->lin);
		if (cp->phys < (m->mem.size >> 12) && w->pcode[cp->phys] == cp->lin + 1)
			w->pcode[cp->phys] = 0;
	}
	tc_unlookup_pages(&be->tc, unlook, nunlook);   /* one pass over the lookup table */
	be->ncode_pages = kept;
	be->cr3_kept_pages += kept;
	be->cr3_dropped_ccfs += (uint64_t)dropped;
	if (dropped)
		evlog_add_data(&m->events, EV_INVALIDATE, be->ctx->arch.eip, -1,
			       &(union ev_data){ .invalidate = { .page = EV_ALL_PAGES, .count = dropped } },
			       "CR3 load: %d CCFs dropped (other code at their addresses), %u code pages kept",
			       dropped, kept);

	/* The window. With other controls the caller empties it anyway. */
	if (!same_ctl) {
		bt_paging_flush(be);
		return;
	}
	struct pg_phys ram = pg_phys_ram(&m->mem);
	struct pg_mode mode = pg_mode_of(&be->ctx->arch, m->maxphyaddr);
	bt_tlb_recheck(&be->tlb, w, &ram, &mode, &m->mem);
}

bool bt_paging_enter(struct bt_engine *be, const struct ccf *c)
{
	if (!be->nparked)
		return true;
	int cls = -1;
	for (uint32_t i = 0; i < be->ncode_pages && cls < 0; i++) {
		const struct bt_code_page *cp = &be->code_pages[i];
		if (cp->parked && cp->lin >= c->page_first && cp->lin <= c->page_last)
			cls = cp->user;
	}
	if (cls < 0)
		return true;
	/* Entering parked code: settle its whole class now, as a CR3 load
	 * would have (mapped alike: live again; anything else: dropped). */
	bool ok = true;
	for (uint32_t i = 0; i < be->ncode_pages; i++) {
		struct bt_code_page *cp = &be->code_pages[i];
		if (!cp->parked || cp->user != cls)
			continue;
		cp->parked = false;
		be->nparked--;
		struct pg_result r;
		if (bt_pg_walk(be, cp->lin << 12, PG_EXEC, cp->user ? PG_USER : 0, &r) == PG_OK && r.exec &&
		    (!cp->user || r.user) && r.pa >> 12 == cp->phys)
			continue;
		tc_invalidate_page(&be->tc, cp->lin);
		if (cp->phys < (be->base.m->mem.size >> 12) && be->win.pcode[cp->phys] == cp->lin + 1)
			be->win.pcode[cp->phys] = 0;
		if (cp->lin >= c->page_first && cp->lin <= c->page_last)
			ok = false;
		*cp = be->code_pages[--be->ncode_pages];
		i--;
	}
	return ok;
}

static void bt_paging_code_page(struct bt_engine *be, uint32_t lin, uint32_t phys)
{
	bool user = emu_cpl(&be->ctx->arch) == 3;
	for (uint32_t i = 0; i < be->ncode_pages; i++)
		if (be->code_pages[i].lin == lin && be->code_pages[i].user == user) {
			be->code_pages[i].phys = phys;
			return;
		}
	if (be->ncode_pages == be->code_pages_cap) {
		uint32_t cap = be->code_pages_cap ? 2 * be->code_pages_cap : 256;
		struct bt_code_page *n = realloc(be->code_pages, cap * sizeof *n);
		if (!n) {   /* cannot track it: start over */
			be->flush_pending = true;
			be->flush_why = "out of memory tracking code pages";
			return;
		}
		be->code_pages = n;
		be->code_pages_cap = cap;
	}
	be->code_pages[be->ncode_pages++] = (struct bt_code_page){ lin, phys, user, false, false };
}

/* A flush may have moved the current view's base: GS and the context
 * follow it, then the old reservations can go. */
static void bt_paging_rebase(struct bt_engine *be)
{
	if ((uint64_t)(uintptr_t)be->win.base != be->ctx->win_base) {
		be->ctx->win_base = (uint64_t)(uintptr_t)be->win.base;
		be->ctx->win_neg = (uint64_t)0 - be->ctx->win_base;
		if (be->gs_ready)
			win_set_gs(&be->win);
	}
	win_release_retired(&be->win);
}

/* Use the window view for this CPL class: GS and the context follow it. */
static int bt_paging_view(struct bt_engine *be, int view)
{
	int r = win_switch_view(&be->win, view);
	if (r < 0) {
		bt_set_pending(be, STOP_ERROR, be->ctx->arch.eip, "bt: cannot make the user-mode guest window (out of memory?)");
		return -1;
	}
	if (r > 0) {
		struct machine *m = be->base.m;
		struct pg_phys ram = pg_phys_ram(&m->mem);
		struct pg_mode mode = pg_mode_of(&be->ctx->arch, m->maxphyaddr);
		bt_tlb_entered(&be->tlb, &be->win, &ram, &mode, &m->mem);
		be->ctx->win_base = (uint64_t)(uintptr_t)be->win.base;
		be->ctx->win_neg = (uint64_t)0 - be->ctx->win_base;
		if (be->gs_ready)
			win_set_gs(&be->win);
	}
	return 0;
}

int bt_paging_sync(struct bt_engine *be)
{
	const struct vcpu_state *st = &be->ctx->arch;
	struct win *w = &be->win;
	bool on = (st->cr0 & CR0_PG) != 0;

	if (on != w->paging) {
		bt_tlb_reset(&be->tlb);
		be->tlb_gen++;
		if (win_set_paging(w, on) < 0) {
			bt_set_pending(be, STOP_ERROR, st->eip, "bt: cannot %s the paged guest window (out of memory?)",
				       on ? "set up" : "tear down");
			return -1;
		}
		be->flush_pending = true;
		be->flush_why = on ? "the guest turned paging on" : "the guest turned paging off";
		w->cr3 = st->cr3;
		w->ctl = bt_pg_ctl(st);
		be->cr3_written = false;
		/* win_set_paging went back to view 0 */
		be->ctx->win_base = (uint64_t)(uintptr_t)w->base;
		be->ctx->win_neg = (uint64_t)0 - be->ctx->win_base;
		if (be->gs_ready)
			win_set_gs(w);
		return on ? bt_paging_view(be, (int)(w->ctl & 1)) : 0;
	}
	if (!on)
		return 0;
	uint32_t ctl = bt_pg_ctl(st);
	bool same_ctl = ((ctl ^ w->ctl) & ~1u) == 0;   /* the CPL class has a view each */
	if (st->cr3 != w->cr3 || be->cr3_written) {
		w->cr3 = st->cr3;
		be->cr3_written = false;
		bt_paging_new_space(be, same_ctl);
	}
	if (!same_ctl) {
		/* What code may be fetched changed too. */
		bt_paging_flush(be);
		be->flush_pending = true;
		be->flush_why = "the guest changed CR0.WP, CR4 or EFER paging controls";
	}
	w->ctl = ctl;
	int rc = bt_paging_view(be, (int)(ctl & 1));
	bt_paging_rebase(be);
	return rc;
}

static enum pg_status bt_pg_walk(struct bt_engine *be, uint32_t lin, enum pg_access acc, unsigned flags,
				 struct pg_result *r)
{
	struct machine *m = be->base.m;
	const struct vcpu_state *st = &be->ctx->arch;
	struct pg_phys ram = pg_phys_ram(&m->mem);
	struct pg_mode mode = pg_mode_of(st, m->maxphyaddr);
	return pg_translate(&ram, &mode, lin, acc, flags, r);
}

int bt_paging_fault(struct bt_engine *be, uint32_t lin, bool write, bool *once, const char *text)
{
	struct win *w = &be->win;
	struct bt_ctx *ctx = be->ctx;
	uint32_t page = lin >> 12, eip = ctx->arch.eip;
	enum win_page ps = win_page_state(w, page);

	if (!(ps == WIN_PAGE_HOLE || (write && (ps == WIN_PAGE_RO || ps == WIN_PAGE_CODE))))
		return -1;   /* filled and allowed: a watchpoint's doing */
	struct pg_result r;
	unsigned user = emu_cpl(&ctx->arch) == 3 ? PG_USER : 0;
	switch (bt_pg_walk(be, lin, write ? PG_WRITE : PG_READ, PG_SET_AD | user, &r)) {
	case PG_FAULT:
		ctx->arch.cr2 = r.lin;
		return bt_guest_exception(be, EXC_PF, true, r.error, eip, text);
	case PG_BAD_PHYS:
		bt_set_pending(be, STOP_ERROR, eip, "a page table entry for 0x%08x is at 0x%llx, outside RAM (EIP 0x%08x: %s)",
			       lin, (unsigned long long)r.bad_pa, eip, text);
		return 0;
	case PG_OK:
		break;
	}
	uint64_t pa = r.pa & ~0xfffull;
	if (!gmem_is_ram(&be->base.m->mem, pa, 4096))
		return -1;   /* MMIO: emulated by the caller */
	uint32_t phys = (uint32_t)(pa >> 12);
	if (write && w->pcode[phys]) {
		/* Self-modifying code, possibly through another mapping of the page. */
		uint32_t owner = w->pcode[phys];
		w->pcode[phys] = 0;
		if (owner != WIN_PCODE_MANY) {
			/* The code's own linear page, or the one other mapping it was
			 * translated at (a kernel clearing or copying a user page
			 * through its direct map): only that page's CCFs go. */
			int n = tc_invalidate_page(&be->tc, owner - 1);
			evlog_add_data(&be->base.m->events, EV_INVALIDATE, eip, -1,
				       &(union ev_data){ .invalidate = { .page = owner - 1, .count = n } },
				       "guest write to code page 0x%05x000 by '%s' at 0x%05x000: %d CCFs dropped", owner - 1,
				       text, page, n);
		} else {
			be->flush_pending = true;
			be->flush_why = "a guest write to code mapped at several addresses";
		}
		*once = true;
	}
	bool writable = r.writable && (write || r.dirty);
	struct pg_mode mode = pg_mode_of(&ctx->arch, be->base.m->maxphyaddr);
	if (bt_tlb_fill(&be->tlb, w, &mode, page, &r) < 0) {
		bt_set_pending(be, STOP_ERROR, eip, "bt: out of memory noting the page tables of 0x%08x", lin & ~0xfffu);
		return 0;
	}
	be->fills++;
	if (win_paging_fill(w, page, phys, writable) < 0) {
		bt_set_pending(be, STOP_ERROR, eip, "bt: cannot map guest page 0x%08x into the window", lin & ~0xfffu);
		return 0;
	}
	return w->watch[page] ? -1 : 1;
}

void bt_paging_code(struct bt_engine *be, uint32_t first, uint32_t last)
{
	for (uint32_t p = first; p <= last; p++) {
		struct pg_result r;
		if (bt_pg_walk(be, p << 12, PG_READ, PG_FORCE, &r) == PG_OK &&
		    gmem_is_ram(&be->base.m->mem, r.pa & ~0xfffull, 4096)) {
			win_paging_code(&be->win, p, (uint32_t)(r.pa >> 12));
			bt_paging_code_page(be, p, (uint32_t)(r.pa >> 12));
		}
	}
}

int bt_paging_invlpg(struct bt_engine *be, uint32_t lin)
{
	uint32_t page = lin >> 12;
	be->tlb_gen++;
	if (!be->win.paging)
		return 0;
	win_paging_drop(&be->win, page);
	/* Code translated from the page may now be other code. */
	return tc_invalidate_page(&be->tc, page);
}
