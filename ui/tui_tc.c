/* The translation cache pane: every CCF with its guest range, size, how
 * often the dispatcher entered it and where its exits are chained, sorted
 * by entries, size or address (o). Enter shows the selected CCF in the CCF
 * pane.
 *
 *     id  guest range        insns  bytes    entries  exits
 *   ▶  3  00100012-0010001f      5     71        412  →4 →7
 *
 * The list is read at each stop (tc_list on the vCPU thread); while the
 * guest runs it shows the cache as it stood at the last stop.
 */
#include "ui/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tui_tc_add(void *ctx, const struct engine_ccf *c)
{
	struct tui_tcview *v = ctx;
	if (v->n == v->cap) {
		int cap = v->cap ? v->cap * 2 : 256;
		struct engine_ccf *p = realloc(v->c, (size_t)cap * sizeof *p);
		if (!p)
			return;
		v->c = p;
		v->cap = cap;
	}
	v->c[v->n++] = *c;
}

void tui_tc_gather(struct tui *t)
{
	struct engine *e = t->s->e;
	t->tc.n = 0;
	if (engine_has(e, ENGINE_CAP_TC))
		e->ops->tc_list(e, tui_tc_add, &t->tc);
}

static int tui_tc_by_entries(const void *a, const void *b)
{
	const struct engine_ccf *x = a, *y = b;
	if (x->entries != y->entries)
		return x->entries > y->entries ? -1 : 1;
	return x->eip < y->eip ? -1 : x->eip > y->eip;
}

static int tui_tc_by_size(const void *a, const void *b)
{
	const struct engine_ccf *x = a, *y = b;
	if (x->host_len != y->host_len)
		return x->host_len > y->host_len ? -1 : 1;
	return x->eip < y->eip ? -1 : x->eip > y->eip;
}

static int tui_tc_by_addr(const void *a, const void *b)
{
	const struct engine_ccf *x = a, *y = b;
	if (x->eip != y->eip)
		return x->eip < y->eip ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void tui_tc_sort(struct tui *t)
{
	static int (*const cmp[TCS_COUNT])(const void *, const void *) = {
		[TCS_ENTRIES] = tui_tc_by_entries, [TCS_SIZE] = tui_tc_by_size, [TCS_ADDR] = tui_tc_by_addr,
	};
	if (t->tc.n > 1)
		qsort(t->tc.c, (size_t)t->tc.n, sizeof *t->tc.c, cmp[t->tc.sort]);
	if (t->tc.sel >= t->tc.n)
		t->tc.sel = t->tc.n ? t->tc.n - 1 : 0;
}

bool tui_tc_key(struct tui *t, int action, int rows)
{
	struct tui_tcview *v = &t->tc;
	int page = rows > 2 ? rows - 2 : 1;
	switch (action) {
	case TA_UP: v->sel--; break;
	case TA_DOWN: v->sel++; break;
	case TA_PGUP: v->sel -= page; break;
	case TA_PGDN: v->sel += page; break;
	case TA_HOME: v->sel = 0; break;
	case TA_ENTER:
		if (v->sel < v->n) {
			t->ccf.pinned = true;
			t->ccf.pin_id = v->c[v->sel].id;
			t->ccf.top = 0;
			tui_sync(t);
			tui_show_view(t, TV_CCF, false);
			tui_msg(t, false, "CCF %u in the CCF pane (tui ccf eip: back to the one at EIP)", t->ccf.pin_id);
		}
		return true;
	default:
		return false;
	}
	if (v->sel >= v->n)
		v->sel = v->n - 1;
	if (v->sel < 0)
		v->sel = 0;
	return true;
}

void tui_tc_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	struct tui_tcview *v = &t->tc;
	static const char *const sorts[TCS_COUNT] = { "entries", "size", "address" };
	uint64_t bytes = 0;
	for (int i = 0; i < v->n; i++)
		bytes += v->c[i].host_len;
	char title[128], right[64];
	snprintf(title, sizeof title, "%s  %d CCFs  %llu B", r->w >= 60 ? "Translation cache" : "TC", v->n,
		 (unsigned long long)bytes);
	snprintf(right, sizeof right, "by %s%s", sorts[v->sort], t->running ? " (last stop)" : "");
	tui_title(t, r, focused, title, right);
	int rows = r->h - 1, y = r->y + 1;
	if (!engine_has(t->s->e, ENGINE_CAP_TC)) {
		tui_put(t, y, r->x + 1, r->w - 1, TR_DIM, "this engine has no translation cache");
		return;
	}
	if (!v->n) {
		tui_put(t, y, r->x + 1, r->w - 1, TR_DIM, "empty: nothing translated yet (s, n or c runs the guest)");
		return;
	}
	bool wide = r->w >= 64;
	if (rows >= 6) {
		tui_put(t, y++, r->x, r->w, TR_DIM,
			wide ? "     id  guest range        insns  bytes    entries  exits" : "    id guest    insn bytes  entries exits");
		rows--;
	}
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + rows)
		v->top = v->sel - rows + 1;
	for (int i = v->top; i < v->n && y < r->y + r->h; i++, y++) {
		const struct engine_ccf *c = &v->c[i];
		char exits[64] = "";
		size_t el = 0;
		for (int k = 0; k < c->nexits && k < (int)(sizeof c->succ / sizeof c->succ[0]); k++) {
			int w = c->succ[k] ? snprintf(exits + el, sizeof exits - el, "%s%u ", tui_glyph(t, TG_ARROW), c->succ[k])
					   : snprintf(exits + el, sizeof exits - el, "%s. ", tui_glyph(t, TG_ARROW));
			if (w > 0 && (size_t)w < sizeof exits - el)
				el += (size_t)w;
		}
		if (c->forward)
			snprintf(exits + el, sizeof exits - el, "fwd %u", c->forward);
		bool here = t->st.eip >= c->eip && t->st.eip < c->end;
		bool sel = focused && i == v->sel;
		enum tui_role role = sel ? TR_CURSOR : TR_NORMAL;
		if (sel)
			tui_blank(t, y, r->x, r->w, role);
		if (here)
			tui_put(t, y, r->x, 1, sel ? role : TR_EIP, tui_glyph(t, TG_EIP));
		if (wide)
			tui_putf(t, y, r->x + 2, r->w - 2, role, "%5u  %08x-%08x %5u %6u %10llu  %s", c->id, c->eip, c->end,
				 c->ninsn, c->host_len, (unsigned long long)c->entries, exits);
		else
			tui_putf(t, y, r->x + 1, r->w - 1, role, "%4u %08x %4u %5u %8llu %s", c->id, c->eip, c->ninsn, c->host_len,
				 (unsigned long long)c->entries, exits);
	}
}
