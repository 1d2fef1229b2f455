/* Shadow paging for the translator (see engine/window.h): keeping the window
 * in step with the guest's paging controls, filling it on host faults from
 * the guest's page tables, write-protecting pages that hold translated code
 * under every mapping of them, and INVLPG.
 *
 * Translations stay keyed by linear EIP (CR3 loads flush the TC, as a change
 * of address space can put other code at the same addresses); the window is
 * one software TLB for the current CPL class (user or supervisor), emptied
 * when that changes. */
#include "engine/bt.h"

#include <stdio.h>

#include "monitor/paging.h"

/* The controls the fills of a paged window depend on, besides CR3. */
static uint32_t bt_pg_ctl(const struct vcpu_state *st)
{
	return (emu_cpl(st) == 3 ? 1u : 0u) | (st->cr0 & CR0_WP) |
	       (st->cr4 & (PG_CR4_PSE | PG_CR4_PAE | PG_CR4_SMEP)) | ((uint32_t)st->efer & PG_EFER_NXE) << 20;
}

int bt_paging_sync(struct bt_engine *be)
{
	const struct vcpu_state *st = &be->ctx->arch;
	struct win *w = &be->win;
	bool on = (st->cr0 & CR0_PG) != 0;

	if (on != w->paging) {
		if (win_set_paging(w, on) < 0) {
			bt_set_pending(be, STOP_ERROR, st->eip, "bt: cannot %s the paged guest window (out of memory?)",
				       on ? "set up" : "tear down");
			return -1;
		}
		be->flush_pending = true;
		be->flush_why = on ? "the guest turned paging on" : "the guest turned paging off";
		w->cr3 = st->cr3;
		w->ctl = bt_pg_ctl(st);
		return 0;
	}
	if (!on)
		return 0;
	uint32_t ctl = bt_pg_ctl(st);
	if (st->cr3 != w->cr3) {
		win_paging_flush(w);
		w->cr3 = st->cr3;
		be->flush_pending = true;
		be->flush_why = "the guest loaded CR3 (a new address space)";
	}
	if (ctl != w->ctl) {
		win_paging_flush(w);
		if ((ctl ^ w->ctl) & ~1u) {   /* not only the CPL: what code may be fetched changed */
			be->flush_pending = true;
			be->flush_why = "the guest changed CR0.WP, CR4 or EFER paging controls";
		}
		w->ctl = ctl;
	}
	return 0;
}

/* The guest page behind linear lin, as the CPU would see this access. */
static enum pg_status bt_pg_walk(struct bt_engine *be, uint32_t lin, enum pg_access acc, unsigned flags,
				 struct pg_result *r)
{
	struct machine *m = be->base.m;
	const struct vcpu_state *st = &be->ctx->arch;
	struct pg_phys ram = pg_phys_ram(&m->mem);
	struct pg_mode mode = pg_mode_of(st, m->maxphyaddr);
	if (emu_cpl(st) == 3)
		flags |= PG_USER;
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
	switch (bt_pg_walk(be, lin, write ? PG_WRITE : PG_READ, PG_SET_AD, &r)) {
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
		if (owner == page + 1) {
			int n = tc_invalidate_page(&be->tc, page);
			evlog_add_data(&be->base.m->events, EV_INVALIDATE, eip, -1,
				       &(union ev_data){ .invalidate = { .page = page, .count = n } },
				       "guest write to code page 0x%05x000 by '%s': %d CCFs dropped", page, text, n);
		} else {
			be->flush_pending = true;
			be->flush_why = "a guest write to code through another mapping of its page";
		}
		*once = true;
	}
	bool writable = r.writable && (write || r.dirty);
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
		    gmem_is_ram(&be->base.m->mem, r.pa & ~0xfffull, 4096))
			win_paging_code(&be->win, p, (uint32_t)(r.pa >> 12));
	}
}

int bt_paging_invlpg(struct bt_engine *be, uint32_t lin)
{
	uint32_t page = lin >> 12;
	if (!be->win.paging)
		return 0;
	win_paging_drop(&be->win, page);
	/* Code translated from the page may now be other code. */
	return tc_invalidate_page(&be->tc, page);
}
