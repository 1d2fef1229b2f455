/* The event log pane: a count per kind on top, then the newest events
 * (callouts, traps, translations, chains, retranslations, interrupts...),
 * each with its kind, guest EIP, CCF and description. Events logged since
 * the guest was last started are drawn bright, older ones dim, so the work
 * of the last step stands out. The log is read live, also while the guest
 * runs (the event log has its own lock).
 *
 *   translate 12  chain 9  callout 40  trap 0
 *   callout   00101104 c3   out dx, al: no change
 */
#include "ui/tui.h"

#include <stdio.h>
#include <string.h>

uint64_t tui_ev_next_seq(struct tui *t)
{
	struct ev e;
	size_t n = evlog_tail(&t->s->m->events, &e, 1);
	return n ? e.seq + 1 : 1;
}

/* Short names for narrow panes, in the order the counts line shows kinds. */
static const struct { enum ev_kind kind; const char *brief; } tui_ev_order[] = {
	{ EV_TRANSLATE, "xl" }, { EV_CHAIN, "ch" }, { EV_CALLOUT, "co" }, { EV_TRAP, "tr" },
	{ EV_RETRANSLATE, "rt" }, { EV_INVALIDATE, "inv" }, { EV_INTERRUPT, "irq" }, { EV_EXCEPTION, "exc" },
	{ EV_VMEXIT, "vmx" }, { EV_IO, "io" }, { EV_STOP, "stop" }, { EV_IRQ, "line" },
};
#define TUI_NEV_ORDER (sizeof tui_ev_order / sizeof tui_ev_order[0])

/* The counts line: every kind seen so far (callout and trap always). */
static void tui_events_counts(struct tui *t, int y, int x, int w)
{
	uint64_t count[EV_KIND_COUNT];
	int full = 0;
	for (int k = 0; k < EV_KIND_COUNT; k++)
		count[k] = evlog_count(&t->s->m->events, (enum ev_kind)k);
	for (size_t i = 0; i < TUI_NEV_ORDER; i++) {
		enum ev_kind k = tui_ev_order[i].kind;
		if (count[k] || k == EV_CALLOUT || k == EV_TRAP)
			full += (int)strlen(evlog_kind_name(k)) + 2 + snprintf(NULL, 0, "%llu", (unsigned long long)count[k]);
	}
	bool brief = full > w;
	for (size_t i = 0; i < TUI_NEV_ORDER && w > 0; i++) {
		enum ev_kind k = tui_ev_order[i].kind;
		if (!count[k] && k != EV_CALLOUT && k != EV_TRAP)
			continue;
		const char *name = brief ? tui_ev_order[i].brief : evlog_kind_name(k);
		int nw = (int)strlen(name);
		tui_put(t, y, x, w, tui_ev_role(k), name);
		char num[24];
		int len = snprintf(num, sizeof num, " %llu ", (unsigned long long)count[k]);
		tui_put(t, y, x + nw, w - nw, TR_BOLD, num);
		x += nw + len;
		w -= nw + len;
	}
}

void tui_events_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	struct evlog *log = &t->s->m->events;
	char right[48];
	int *back = &t->scroll[TV_EVENTS];
	snprintf(right, sizeof right, "%llu in all%s", (unsigned long long)evlog_total(log), *back ? "  (scrolled)" : "");
	tui_title(t, r, focused, "Events", right);
	int rows = r->h - 1;
	if (rows < 1)
		return;
	tui_events_counts(t, r->y + 1, r->x, r->w);
	rows--;
	if (rows < 1)
		return;
	size_t want = (size_t)rows + (size_t)*back;
	if (want > MACHINE_EVLOG_CAP)
		want = MACHINE_EVLOG_CAP;
	size_t got = evlog_tail(log, t->evbuf, want);
	if (got < want && *back > 0) {
		/* Scrolled past the oldest event kept: stop there. */
		int max_back = got > (size_t)rows ? (int)(got - (size_t)rows) : 0;
		if (*back > max_back)
			*back = max_back;
	}
	size_t end = got > (size_t)*back ? got - (size_t)*back : 0;
	size_t start = end > (size_t)rows ? end - (size_t)rows : 0;
	if (!got)
		tui_put(t, r->y + 2, r->x + 1, r->w - 1, TR_DIM, "nothing yet: events appear as the guest runs");
	bool wide = r->w >= 72;
	int y = r->y + 2;
	for (size_t i = start; i < end; i++, y++) {
		const struct ev *e = &t->evbuf[i];
		bool fresh = e->seq >= t->ev_resume_seq;
		const char *kind = evlog_kind_name(e->kind);
		char ccf[16] = "";
		if (e->ccf >= 0)
			snprintf(ccf, sizeof ccf, "c%d", e->ccf);
		int x = r->x, w = r->w;
		if (wide) {
			tui_putf(t, y, x, 8, TR_DIM, "%7llu", (unsigned long long)e->seq);
			x += 8;
			w -= 8;
		}
		int kw = wide ? 12 : 10;
		tui_put(t, y, x, kw - 1, fresh ? tui_ev_role(e->kind) : TR_DIM, kind);
		if (wide)
			tui_putf(t, y, x + kw, w - kw, fresh ? TR_NORMAL : TR_DIM, "%08x %-5s %s", e->eip, ccf, e->desc);
		else
			tui_putf(t, y, x + kw, w - kw, fresh ? TR_NORMAL : TR_DIM, "%08x %s", e->eip, e->desc);
	}
}
