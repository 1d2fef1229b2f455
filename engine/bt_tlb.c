/* The shadow TLB's record of the guest entries behind its fills (see bt_tlb.h). */
#include "engine/bt_tlb.h"

#include <stdlib.h>
#include <string.h>

void bt_tlb_destroy(struct bt_tlb *t)
{
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < BT_TLB_DIRS; i++)
			free(t->view[v].dir[i]);
	memset(t, 0, sizeof *t);
}

void bt_tlb_reset(struct bt_tlb *t)
{
	for (int v = 0; v < 2; v++) {
		struct bt_tlb_view *tv = &t->view[v];
		for (uint32_t i = 0; i < tv->nactive; i++)
			tv->dir[tv->active[i]]->nfills = 0;
		tv->nactive = 0;
		tv->stale = false;
	}
	t->shift = 0;
}

int bt_tlb_fill(struct bt_tlb *t, struct win *w, const struct pg_mode *mode, uint32_t lin,
		const struct pg_result *r)
{
	unsigned shift = pg_dir_shift(mode);
	if (t->shift != shift) {
		bt_tlb_reset(t);
		t->shift = shift;
	}
	struct bt_tlb_view *tv = &t->view[w->view];
	uint32_t idx = lin >> (shift - 12), npages = 1u << (shift - 12);
	struct bt_tlb_dir *d = tv->dir[idx];
	if (!d) {
		d = tv->dir[idx] = malloc(sizeof *d);
		if (!d)
			return -1;
		d->nfills = 0;
	}
	uint64_t key = pg_dir_key(mode, r->dir);
	if (d->nfills && d->key != key)
		win_paging_drop_run(w, idx * npages, npages);   /* filled through an older entry */
	else if (!d->nfills)
		tv->active[tv->nactive++] = (uint16_t)idx;
	if (d->key != key)
		d->nfills = 1;
	else
		d->nfills++;
	d->key = key;
	if (!pg_dir_large(mode, r->dir)) {
		size_t esz = shift == 21 ? 8 : 4, at = (lin & (npages - 1)) * esz;
		memcpy(d->table + at, &r->entry, esz);   /* x86 hosts: little-endian like the guest */
	}
	return 0;
}

/* The fills of one range that survive; the others are dropped. */
static uint32_t bt_tlb_recheck_dir(struct bt_tlb *t, struct bt_tlb_dir *d, uint32_t first, struct win *w,
				   const struct pg_phys *mem, const struct pg_mode *mode, const struct guestmem *gm)
{
	uint32_t npages = 1u << (t->shift - 12);
	uint64_t e;
	const uint8_t *pt = NULL;
	if (pg_dir_entry(mem, mode, first << 12, &e) == PG_OK && pg_dir_key(mode, e) == d->key) {
		if (pg_dir_large(mode, e)) {   /* the key is the whole entry */
			t->kept_tables++;
			return d->nfills;
		}
		pt = gmem_ptr(gm, pg_dir_table(mode, e), sizeof d->table);
	}
	if (!pt) {
		t->dropped_tables++;
		win_paging_drop_run(w, first, npages);
		return 0;
	}
	if (memcmp(pt, d->table, sizeof d->table) == 0) {
		t->kept_tables++;
		return d->nfills;
	}
	/* Some entries changed: keep the fills whose entries did not, dropping
	 * the others in runs (one host call each). */
	t->diffed_tables++;
	size_t esz = t->shift == 21 ? 8 : 4;
	uint32_t kept = 0, run = UINT32_MAX;
	for (uint32_t p = 0; p < npages; p++) {
		if (!w->l2p[first + p])
			continue;
		if (memcmp(pt + p * esz, d->table + p * esz, esz) != 0) {
			if (run == UINT32_MAX)
				run = p;
			continue;
		}
		if (run != UINT32_MAX) {
			win_paging_drop_run(w, first + run, p - run);
			run = UINT32_MAX;
		}
		kept++;
	}
	if (run != UINT32_MAX)
		win_paging_drop_run(w, first + run, npages - run);
	memcpy(d->table, pt, sizeof d->table);   /* the kept entries are as they were */
	return kept;
}

/* Recheck the window's current view against the tables under mode. */
static void bt_tlb_recheck_view(struct bt_tlb *t, struct win *w, const struct pg_phys *mem,
				const struct pg_mode *mode, const struct guestmem *gm)
{
	struct bt_tlb_view *tv = &t->view[w->view];
	uint32_t n = 0, npages = 1u << (t->shift - 12);
	tv->stale = false;
	for (uint32_t i = 0; i < tv->nactive; i++) {
		uint16_t idx = tv->active[i];
		struct bt_tlb_dir *d = tv->dir[idx];
		d->nfills = w->reserve ? bt_tlb_recheck_dir(t, d, idx * npages, w, mem, mode, gm) : 0;
		if (d->nfills)
			tv->active[n++] = idx;
	}
	tv->nactive = n;
}

void bt_tlb_recheck(struct bt_tlb *t, struct win *w, const struct pg_phys *mem, const struct pg_mode *mode,
		    const struct guestmem *gm)
{
	if (!t->shift)
		return;
	bt_tlb_recheck_view(t, w, mem, mode, gm);
	t->view[w->view ^ 1].stale = true;
}

void bt_tlb_entered(struct bt_tlb *t, struct win *w, const struct pg_phys *mem, const struct pg_mode *mode,
		    const struct guestmem *gm)
{
	if (t->shift && t->view[w->view].stale)
		bt_tlb_recheck_view(t, w, mem, mode, gm);
}
