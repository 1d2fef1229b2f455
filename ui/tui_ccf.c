/* The CCF pane: one compiled code fragment, each guest instruction beside
 * the host code it became, coloured by what the translator did with it
 * (IDENT, REENC, REWRITE, CALLOUT, INTC, TRAP, NAIVE, EXIT), then its exits
 * and whether they are chained.
 *
 *   CCF 3  0x00100012-0x0010001f  5 insns  71 B  entered 1x       holds EIP
 *   ▶ 00100012 push ebp                IDENT   │ push rbp
 *     0010001a out dx, al              CALLOUT │ call 0x7f...
 *
 * The fragment is the one that holds EIP; or, when none does yet (EIP is
 * where the next translation will start), the one that ran last; or the one
 * picked in the TC pane (Enter). It comes from the engine's tc_show as
 * records (struct engine_ccf_view): nothing here reads the engine's text.
 */
#include "ui/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Reading a CCF (vCPU thread). */

int tui_ccf_read(struct tui *t, uint32_t what, bool by_id, struct engine_ccf_view *v, char *err, size_t errlen)
{
	struct engine *e = t->s->e;
	char dummy[8];
	engine_ccf_view_free(v);
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (!engine_has(e, ENGINE_CAP_TC)) {
		snprintf(err, errlen, "the %s engine has no translation cache", e->ops->name);
		return -1;
	}
	return e->ops->tc_show(e, what, by_id, v, err, errlen);
}

void tui_ccf_gather(struct tui *t)
{
	struct tui_ccfview *v = &t->ccf;
	char err[160];
	v->err[0] = v->note[0] = 0;
	v->have = false;
	if (!engine_has(t->s->e, ENGINE_CAP_TC)) {
		snprintf(v->err, sizeof v->err, "the %s engine runs guest code directly: no CCFs to show",
			 t->s->e->ops->name);
		engine_ccf_view_free(&v->v);
		return;
	}
	if (v->pinned) {
		if (tui_ccf_read(t, v->pin_id, true, &v->v, v->err, sizeof v->err) == 0) {
			v->have = true;
			snprintf(v->note, sizeof v->note, "picked (tui ccf eip: back)");
		}
		return;
	}
	if (tui_ccf_read(t, t->st.eip, false, &v->v, err, sizeof err) == 0) {
		v->have = true;
		snprintf(v->note, sizeof v->note, "holds EIP");
		return;
	}
	bool stepped = t->last_kind == RQ_STEP_CCF || t->last_kind == RQ_STEP_INSN;
	if (stepped && t->last_eip != t->st.eip && tui_ccf_read(t, t->last_eip, false, &v->v, err, sizeof err) == 0) {
		v->have = true;
		snprintf(v->note, sizeof v->note, "ran last");
		return;
	}
	/* The newest fragment the event log names. */
	struct ev ev[32];
	size_t n = evlog_tail(&t->s->m->events, ev, 32);
	while (n--)
		if (ev[n].ccf >= 0 && tui_ccf_read(t, (uint32_t)ev[n].ccf, true, &v->v, err, sizeof err) == 0) {
			v->have = true;
			snprintf(v->note, sizeof v->note, "newest in the events");
			return;
		}
	snprintf(v->err, sizeof v->err, "no CCF holds EIP 0x%08x yet: it is translated when it first runs", t->st.eip);
}

/* ---- Drawing. */

/* Rows of the pane body: each guest instruction's host lines (at least one),
 * then one per exit and one for forwarding. */
static int tui_ccf_rows(const struct engine_ccf_view *v)
{
	int rows = 0;
	for (int i = 0; i < v->ninsn; i++)
		rows += v->insn[i].nhost > 0 ? v->insn[i].nhost : 1;
	return rows + v->ccf.nexits + (v->ccf.forward != 0);
}

bool tui_ccf_exit_text(const struct engine_ccf *c, int k, char *buf, size_t len)
{
	if (k >= c->nexits) {
		snprintf(buf, len, "forwards to CCF %u at host offset 0x%x (adaptive retranslation)", c->forward,
			 c->forward_off);
		return true;
	}
	if (c->succ[k])
		snprintf(buf, len, "exit %d -> 0x%08x: chained to CCF %u", k, c->target[k], c->succ[k]);
	else
		snprintf(buf, len, "exit %d -> 0x%08x: not chained (leaves to the dispatcher)", k, c->target[k]);
	return c->succ[k] != 0;
}

void tui_ccf_title(const struct engine_ccf *c, char *buf, size_t len)
{
	snprintf(buf, len, "CCF %u  0x%08x-0x%08x  %u insns  %u B host  entered %llu times%s", c->id, c->eip, c->end,
		 c->ninsn, c->host_len, (unsigned long long)c->entries, c->key ? "  CPL 1-3" : "");
}

void tui_ccf_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	struct tui_ccfview *v = &t->ccf;
	const struct engine_ccf_view *cv = &v->v;
	const struct engine_ccf *c = &cv->ccf;
	char title[160] = "CCF";
	if (v->have)
		tui_ccf_title(c, title, sizeof title);
	char note[128];
	snprintf(note, sizeof note, "%s%s", v->note, t->running ? " (at the last stop)" : "");
	tui_title(t, r, focused, title, note);
	int rows = r->h - 1, y = r->y + 1;
	if (!v->have) {
		tui_put(t, y, r->x + 1, r->w - 1, TR_DIM, v->err[0] ? v->err : "no CCF yet");
		return;
	}
	int body = tui_ccf_rows(cv);
	if (v->top > body - rows)
		v->top = body - rows > 0 ? body - rows : 0;
	int gw = r->w >= 110 ? 36 : r->w >= 90 ? 30 : r->w >= 70 ? 24 : 18;
	/* Instructions first, then the exits: with little room the code matters most. */
	int row = 0, x = r->x;
	for (int i = 0; i < cv->ninsn; i++) {
		const struct engine_insn *in = &cv->insn[i];
		enum tui_role kr = tui_kind_role(in->kind);
		int nh = in->nhost > 0 ? in->nhost : 1;
		for (int h = 0; h < nh; h++, row++) {
			if (row < v->top || y >= r->y + 1 + rows)
				continue;
			const char *host = in->nhost > 0 ? cv->host[in->host_first + h].text : "";
			if (h == 0) {
				bool at_eip = in->eip == t->st.eip;
				if (at_eip)
					tui_put(t, y, x, 1, TR_EIP, tui_glyph(t, TG_EIP));
				tui_putf(t, y, x + 2, 9, at_eip ? TR_BOLD : TR_NORMAL, "%08x", in->eip);
				tui_put(t, y, x + 11, gw - 1, TR_NORMAL, in->text);
				tui_put(t, y, x + 11 + gw, 8, kr, engine_kind_name(in->kind));
			}
			tui_put(t, y, x + 19 + gw, 1, TR_DIM, tui_glyph(t, TG_VLINE));
			tui_put(t, y, x + 21 + gw, r->w - 21 - gw, kr, host);
			y++;
		}
	}
	for (int k = 0; k < c->nexits + (c->forward != 0); k++, row++) {
		if (row < v->top || y >= r->y + 1 + rows)
			continue;
		char text[160];
		bool chained = tui_ccf_exit_text(c, k, text, sizeof text);
		tui_put(t, y, x + 2, r->w - 2, chained ? TR_K_REENC : TR_DIM, text);
		y++;
	}
}
