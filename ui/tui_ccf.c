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
 * picked in the TC pane (Enter). The text comes from the engine's tc_show,
 * parsed here by its layout: "  0xEIP  BYTES GUEST-TEXT KIND | HOST" for an
 * instruction and "  ... | HOST" for each further host instruction.
 */
#include "ui/tui.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tui_kind_names[TK_COUNT] = {
	[TK_NONE] = "", [TK_IDENT] = "IDENT", [TK_REENC] = "REENC", [TK_REWRITE] = "REWRITE",
	[TK_CALLOUT] = "CALLOUT", [TK_INTC] = "INTC", [TK_EXIT] = "EXIT", [TK_TRAP] = "TRAP", [TK_NAIVE] = "NAIVE",
};

const char *tui_kind_name(enum tui_kind k)
{
	return (unsigned)k < TK_COUNT ? tui_kind_names[k] : "";
}

enum tui_kind tui_kind_parse(const char *word)
{
	for (int k = 1; k < TK_COUNT; k++)
		if (strcmp(word, tui_kind_names[k]) == 0)
			return (enum tui_kind)k;
	return TK_NONE;
}

static void tui_copy_trim(char *dst, size_t len, const char *from, const char *to)
{
	while (from < to && isspace((unsigned char)*from))
		from++;
	while (to > from && isspace((unsigned char)to[-1]))
		to--;
	size_t n = (size_t)(to - from);
	if (n >= len)
		n = len - 1;
	memcpy(dst, from, n);
	dst[n] = 0;
}

static bool tui_is_hex_byte(const char *p)
{
	return isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) && p[2] == ' ';
}

void tui_ccf_parse(const char *line, struct tui_ccf_line *o)
{
	memset(o, 0, sizeof *o);
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	const char *end = p + strlen(p);
	if (strncmp(p, "CCF ", 4) == 0) {
		o->type = TCL_HEADER;
		tui_copy_trim(o->text, sizeof o->text, p, end);
		return;
	}
	if (strncmp(p, "exit ", 5) == 0 || strncmp(p, "forwards ", 9) == 0) {
		o->type = TCL_EXIT;
		tui_copy_trim(o->text, sizeof o->text, p, end);
		return;
	}
	const char *bar = strstr(line, " | ");
	if (!bar) {
		o->type = TCL_OTHER;
		tui_copy_trim(o->text, sizeof o->text, p, end);
		return;
	}
	tui_copy_trim(o->host, sizeof o->host, bar + 3, line + strlen(line));
	if (p >= bar || strncmp(p, "0x", 2) != 0) {
		o->type = TCL_HOST;
		return;
	}
	o->type = TCL_INSN;
	char *q;
	o->eip = (uint32_t)strtoul(p, &q, 16);
	while (isspace((unsigned char)*q))
		q++;
	while (q + 3 <= bar && tui_is_hex_byte(q)) {
		q += 3;
		while (isspace((unsigned char)*q) && q < bar)
			q++;
	}
	/* The kind is the last word before the bar. */
	const char *k = bar;
	while (k > q && isspace((unsigned char)k[-1]))
		k--;
	const char *kend = k;
	while (k > q && !isspace((unsigned char)k[-1]))
		k--;
	char word[16];
	tui_copy_trim(word, sizeof word, k, kend);
	o->kind = tui_kind_parse(word);
	tui_copy_trim(o->guest, sizeof o->guest, q, o->kind != TK_NONE ? k : kend);
}

/* ---- Reading a CCF (vCPU thread). */

struct tui_ccf_sink {
	struct tui_ccf_line **l;
	int *n, *cap;
};

static void tui_ccf_add(void *ctx, const char *line)
{
	struct tui_ccf_sink *s = ctx;
	if (*s->n == *s->cap) {
		int cap = *s->cap ? *s->cap * 2 : 64;
		struct tui_ccf_line *l = realloc(*s->l, (size_t)cap * sizeof *l);
		if (!l)
			return;
		*s->l = l;
		*s->cap = cap;
	}
	tui_ccf_parse(line, &(*s->l)[(*s->n)++]);
}

int tui_ccf_read(struct tui *t, uint32_t what, bool by_id, struct tui_ccf_line **l, int *n, int *cap,
		 char *err, size_t errlen)
{
	struct engine *e = t->s->e;
	struct tui_ccf_sink sink = { l, n, cap };
	char dummy[8];
	*n = 0;
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (!e->ops->tc_show) {
		snprintf(err, errlen, "the %s engine has no translation cache", e->ops->name);
		return -1;
	}
	return e->ops->tc_show(e, what, by_id, tui_ccf_add, &sink, err, errlen);
}

void tui_ccf_gather(struct tui *t)
{
	struct tui_ccfview *v = &t->ccf;
	char err[160];
	v->err[0] = v->note[0] = 0;
	if (!t->s->e->ops->tc_show) {
		snprintf(v->err, sizeof v->err, "the %s engine runs guest code directly: no CCFs to show",
			 t->s->e->ops->name);
		v->n = 0;
		return;
	}
	if (v->pinned) {
		if (tui_ccf_read(t, v->pin_id, true, &v->l, &v->n, &v->cap, v->err, sizeof v->err) == 0)
			snprintf(v->note, sizeof v->note, "picked (tui ccf eip: back)");
		return;
	}
	if (tui_ccf_read(t, t->st.eip, false, &v->l, &v->n, &v->cap, err, sizeof err) == 0) {
		snprintf(v->note, sizeof v->note, "holds EIP");
		return;
	}
	bool stepped = t->last_kind == RQ_STEP_CCF || t->last_kind == RQ_STEP_INSN;
	if (stepped && t->last_eip != t->st.eip &&
	    tui_ccf_read(t, t->last_eip, false, &v->l, &v->n, &v->cap, err, sizeof err) == 0) {
		snprintf(v->note, sizeof v->note, "ran last");
		return;
	}
	/* The newest fragment the event log names. */
	struct ev ev[32];
	size_t n = evlog_tail(&t->s->m->events, ev, 32);
	while (n--)
		if (ev[n].ccf >= 0 && tui_ccf_read(t, (uint32_t)ev[n].ccf, true, &v->l, &v->n, &v->cap, err, sizeof err) == 0) {
			snprintf(v->note, sizeof v->note, "newest in the events");
			return;
		}
	snprintf(v->err, sizeof v->err, "no CCF holds EIP 0x%08x yet: it is translated when it first runs", t->st.eip);
}

/* ---- Drawing. */

void tui_ccf_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	struct tui_ccfview *v = &t->ccf;
	char title[160] = "CCF";
	const struct tui_ccf_line *hdr = NULL;
	for (int i = 0; i < v->n; i++)
		if (v->l[i].type == TCL_HEADER) {
			hdr = &v->l[i];
			break;
		}
	if (hdr) {
		unsigned id, ninsn, bytes;
		unsigned gs, ge;
		unsigned long long entered = 0;
		const char *ent = strstr(hdr->text, "entered ");
		if (ent)
			sscanf(ent, "entered %llu", &entered);
		if (sscanf(hdr->text, "CCF %u: guest 0x%x-0x%x, %u instructions, %u bytes", &id, &gs, &ge, &ninsn, &bytes) == 5)
			snprintf(title, sizeof title, "CCF %u  0x%08x-0x%08x  %u insns  %u B host  entered %llu times%s", id, gs, ge,
				 ninsn, bytes, entered, strstr(hdr->text, "CPL 1-3") ? "  CPL 1-3" : "");
		else
			snprintf(title, sizeof title, "%.150s", hdr->text);
	}
	char note[128];
	snprintf(note, sizeof note, "%s%s", v->note, t->running ? " (at the last stop)" : "");
	tui_title(t, r, focused, title, note);
	int rows = r->h - 1, y = r->y + 1;
	if (!v->n) {
		tui_put(t, y, r->x + 1, r->w - 1, TR_DIM, v->err[0] ? v->err : "no CCF yet");
		return;
	}
	int body = 0;
	for (int i = 0; i < v->n; i++)
		body += v->l[i].type != TCL_HEADER;
	if (v->top > body - rows)
		v->top = body - rows > 0 ? body - rows : 0;
	int gw = r->w >= 110 ? 36 : r->w >= 90 ? 30 : r->w >= 70 ? 24 : 18;
	/* Instructions first, then the exits: with little room the code matters most. */
	const int order[2] = { 0, 1 };
	int shown = 0, skip = v->top;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < v->n && shown < rows; i++) {
			const struct tui_ccf_line *l = &v->l[i];
			bool code = l->type == TCL_INSN || l->type == TCL_HOST;
			if (l->type == TCL_HEADER || (order[pass] == 0) != code)
				continue;
			if (skip > 0) {
				skip--;
				continue;
			}
			int x = r->x;
			if (l->type == TCL_INSN) {
				enum tui_role kr = tui_kind_role(l->kind);
				bool at_eip = l->eip == t->st.eip;
				if (at_eip)
					tui_put(t, y, x, 1, TR_EIP, tui_glyph(t, TG_EIP));
				tui_putf(t, y, x + 2, 9, at_eip ? TR_BOLD : TR_NORMAL, "%08x", l->eip);
				tui_put(t, y, x + 11, gw - 1, TR_NORMAL, l->guest);
				tui_put(t, y, x + 11 + gw, 8, kr, tui_kind_name(l->kind));
				tui_put(t, y, x + 19 + gw, 1, TR_DIM, tui_glyph(t, TG_VLINE));
				tui_put(t, y, x + 21 + gw, r->w - 21 - gw, kr, l->host);
			} else if (l->type == TCL_HOST) {
				/* The kind of the instruction this host code belongs to. */
				enum tui_kind k = TK_NONE;
				for (int j = i; j >= 0 && k == TK_NONE; j--)
					if (v->l[j].type == TCL_INSN)
						k = v->l[j].kind;
				tui_put(t, y, x + 19 + gw, 1, TR_DIM, tui_glyph(t, TG_VLINE));
				tui_put(t, y, x + 21 + gw, r->w - 21 - gw, tui_kind_role(k), l->host);
			} else {
				bool chained = strstr(l->text, "chained to") != NULL || strstr(l->text, "forwards") != NULL;
				tui_put(t, y, x + 2, r->w - 2, chained ? TR_K_REENC : TR_DIM, l->text);
			}
			y++;
			shown++;
		}
	}
}
