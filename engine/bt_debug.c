/* The translator and the debugger: breakpoints are honoured by translation
 * (a TU ends before a breakpoint address, nothing chains into a CCF that
 * starts at one, and the dispatcher stops there), so guest memory is never
 * patched; watchpoints protect their pages in the window, and the fault of
 * an access there runs that one instruction with the page open, then
 * compares. */
#include "engine/bt.h"

#include <stdio.h>
#include <string.h>

bool bt_is_breakpoint(void *opaque, uint32_t eip)
{
	struct bt_engine *be = opaque;
	return dbg_is_break(&be->base.m->debug, eip);
}

static void bt_invalidate_addr(struct bt_engine *be, uint32_t addr)
{
	uint32_t page = addr >> 12;
	tc_invalidate_page(&be->tc, page);
	win_unprotect(&be->win, page);
}

void bt_debug_sync(struct engine *e)
{
	struct bt_engine *be = (struct bt_engine *)e;
	struct debugstate *d = &e->m->debug;

	/* Breakpoints: the pages of those that came or went get retranslated. */
	uint32_t now[DBG_MAX];
	int nnow = 0;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nbp; i++)
		if (d->bp[i].enabled)
			now[nnow++] = d->bp[i].addr;
	pthread_mutex_unlock(&d->lock);
	for (int i = 0; i < be->nsynced_bp; i++) {
		bool kept = false;
		for (int j = 0; j < nnow && !kept; j++)
			kept = now[j] == be->synced_bp[i];
		if (!kept)
			bt_invalidate_addr(be, be->synced_bp[i]);
	}
	for (int j = 0; j < nnow; j++) {
		bool had = false;
		for (int i = 0; i < be->nsynced_bp && !had; i++)
			had = now[j] == be->synced_bp[i];
		if (!had)
			bt_invalidate_addr(be, now[j]);
	}
	memcpy(be->synced_bp, now, (size_t)nnow * sizeof now[0]);
	be->nsynced_bp = nnow;

	/* Watchpoints: protect their pages. */
	for (int i = 0; i < be->nwatch_pages; i++)
		win_set_watch(&be->win, be->watch_pages[i], WIN_WATCH_NONE);
	be->nwatch_pages = 0;
	struct dbg_watch w[DBG_MAX];
	int nw = dbg_watch_list(d, w, DBG_MAX);
	for (int i = 0; i < nw; i++) {
		for (uint64_t p = w[i].addr >> 12; p <= ((uint64_t)w[i].addr + w[i].len - 1) >> 12 && p < WIN_PAGES; p++) {
			enum win_watch level = w[i].kind == WP_WRITE ? WIN_WATCH_WRITE : WIN_WATCH_ALL;
			if (be->win.watch[p] < level)
				win_set_watch(&be->win, (uint32_t)p, level);
			bool listed = false;
			for (int k = 0; k < be->nwatch_pages; k++)
				listed |= be->watch_pages[k] == (uint32_t)p;
			if (!listed && be->nwatch_pages < BT_MAX_WATCH_PAGES)
				be->watch_pages[be->nwatch_pages++] = (uint32_t)p;
		}
	}
	machine_sync_catches(e->m);
}

static uint64_t bt_read_value(struct bt_engine *be, uint32_t addr, uint32_t len)
{
	uint64_t v = 0;
	struct emu em = { .m = be->base.m, .st = &be->ctx->arch };
	emu_read(&em, addr, &v, len > 8 ? 8 : len);
	return v;
}

/* A fault at guest address ga on a watched page. Returns true if handled:
 * the instruction runs once with the page open (*once) and, if it touched a
 * watchpoint, be->watch_hit says which, for bt_watch_after(). */
bool bt_watch_fault(struct bt_engine *be, uint32_t ga, bool write, bool *once)
{
	uint32_t page = ga >> 12;
	if (!be->win.watch[page])
		return false;
	struct bt_insn in;
	uint32_t size = 4;
	bool reads = !write, writes = write;
	if (bt_fetch_insn(be, be->ctx->arch.eip, &in) == 0 && in.mem_op >= 0) {
		const cs_x86_op *op = &in.x86.operands[in.mem_op];
		size = op->size ? op->size : 4;
		if (op->access) {   /* Capstone knows: a read-modify-write does both */
			reads = op->access & CS_AC_READ;
			writes = op->access & CS_AC_WRITE;
		}
	}
	struct dbg_watch w;
	be->watch_hit = dbg_watch_find(&be->base.m->debug, ga, size, reads, writes, &w);
	if (be->watch_hit)
		be->watch = w;
	if (write && win_page_state(&be->win, page) == WIN_PAGE_CODE) {
		tc_invalidate_page(&be->tc, page);   /* it is also self-modifying code */
		win_unprotect(&be->win, page);
	}
	win_open(&be->win, page);
	be->watch_open_page = page;
	be->watch_open = true;
	be->watch_fresh = true;   /* the instruction runs in the next round */
	*once = true;
	return true;
}

/* After the once-run: protect the page again and report a watchpoint hit. */
void bt_watch_after(struct bt_engine *be)
{
	if (!be->watch_open)
		return;
	if (be->watch_fresh) {
		be->watch_fresh = false;
		return;
	}
	be->watch_open = false;
	win_reprotect(&be->win, be->watch_open_page);
	if (!be->watch_hit)
		return;
	be->watch_hit = false;
	struct dbg_watch *w = &be->watch;
	uint64_t now = bt_read_value(be, w->addr, w->len);
	if (w->kind == WP_WRITE && now == w->value)
		return;   /* written with the value it had: gdb's watch does not stop */
	dbg_watch_set_value(&be->base.m->debug, w->id, now);
	uint32_t eip = be->ctx->arch.eip;
	if (w->kind == WP_WRITE)
		bt_set_pending(be, STOP_BREAK, eip, "watchpoint %d: [0x%08x] 0x%llx -> 0x%llx", w->id, w->addr,
			       (unsigned long long)w->value, (unsigned long long)now);
	else
		bt_set_pending(be, STOP_BREAK, eip, "%s %d: [0x%08x] = 0x%llx", wp_kind_name(w->kind), w->id, w->addr,
			       (unsigned long long)now);
	be->pending.bp_id = w->id;
	be->pending.watch_kind = (int)w->kind;
	be->pending.watch_addr = w->addr;
	be->pending.watch_old = w->value;
	be->pending.watch_new = now;
}
