/* The disassembly pane: guest instructions around EIP, symbol labels, the
 * breakpoints, and a glyph per instruction saying what the translator made
 * of it (engine addr_mark: a CCF starts here, a CCF that others are chained
 * into starts here, or it is inside a CCF). A cursor (arrows when focused)
 * picks the instruction F9/b sets a breakpoint at.
 *
 *   ● ▶ ◆ 00100012  push ebp
 *         │ 00100013  mov ebp, esp
 *
 * x86 does not decode backwards: to show instructions before EIP the pane
 * decodes forward from the enclosing symbol, or else from the furthest
 * point before EIP whose decoding lands on it (x86 decoding resynchronises
 * within a few instructions, so that is nearly always the real stream).
 */
#include "ui/tui.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#define TUI_INSN_MAX 15        /* the longest x86 instruction */
#define TUI_SYM_BACK 4096      /* decode from a symbol this far back at most */

/* Decode the instruction at guest linear addr; its length, or 0. */
static size_t tui_disas_at(struct tui *t, uint32_t addr, char *text, size_t len)
{
	uint8_t buf[TUI_INSN_MAX];
	size_t n = TUI_INSN_MAX;
	if (!t->cs_ready) {
		csh h;
		if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK)
			return 0;
		t->csh = h;
		t->cs_ready = true;
	}
	while (n && !tui_read_guest(t, addr, buf, n))
		n--;   /* near the end of RAM: what there is */
	if (!n) {
		if (text)
			snprintf(text, len, "(not readable)");
		return 0;
	}
	cs_insn *insn;
	size_t got = cs_disasm((csh)t->csh, buf, n, addr, 1, &insn);
	if (got != 1) {
		if (text)
			snprintf(text, len, "(bad)");
		return 0;
	}
	size_t size = insn->size;
	if (text)
		snprintf(text, len, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
	cs_free(insn, got);
	return size;
}

/* Does decoding from start land exactly on target? */
static bool tui_disas_lands(struct tui *t, uint32_t start, uint32_t target)
{
	uint32_t a = start;
	while (a < target) {
		size_t n = tui_disas_at(t, a, NULL, 0);
		if (!n)
			return false;
		a += (uint32_t)n;
	}
	return a == target;
}

/* The address about nback instructions before addr. */
static uint32_t tui_disas_back(struct tui *t, uint32_t addr, int nback)
{
	uint32_t ring[64];
	int nring = 0, head = 0;
	if (nback <= 0)
		return addr;
	if (nback > 63)
		nback = 63;
	uint32_t off, start = addr;
	bool found = false;
	const struct sym *sy = sym_at(&t->s->syms, addr, &off);
	if (sy && off > 0 && off <= TUI_SYM_BACK && tui_disas_lands(t, sy->addr, addr)) {
		start = sy->addr;
		found = true;
	}
	for (uint32_t d = addr < (uint32_t)nback * 8 + 16 ? addr : (uint32_t)nback * 8 + 16; !found && d > 0; d--)
		if (tui_disas_lands(t, addr - d, addr)) {
			start = addr - d;
			found = true;
		}
	if (!found)
		return addr;
	for (uint32_t a = start; a < addr;) {
		ring[head] = a;
		head = (head + 1) % nback;
		if (nring < nback)
			nring++;
		size_t n = tui_disas_at(t, a, NULL, 0);
		if (!n)
			break;
		a += (uint32_t)n;
	}
	return nring < nback ? start : ring[head];
}

static void tui_disas_build(struct tui *t, int rows)
{
	struct tui_disas *d = &t->dis;
	uint32_t a = d->top;
	d->n = 0;
	while (d->n < rows && d->n < TUI_DIS_MAX) {
		uint32_t off;
		const struct sym *sy = sym_at(&t->s->syms, a, &off);
		if (sy && off == 0 && sy->name) {
			if (d->n + 1 >= rows)
				break;
			struct tui_dis_line *l = &d->line[d->n++];
			memset(l, 0, sizeof *l);
			l->addr = a;
			snprintf(l->label, sizeof l->label, "%s", sy->name);
		}
		struct tui_dis_line *l = &d->line[d->n++];
		memset(l, 0, sizeof *l);
		l->addr = a;
		l->mark = -1;
		size_t n = tui_disas_at(t, a, l->text, sizeof l->text);
		l->len = (uint8_t)(n ? n : 1);
		a += l->len;
	}
	d->built_for = rows;
	d->marks_stale = true;
}

static int tui_disas_rows(struct tui *t)
{
	int i = tui_layout_find(&t->lay, TV_DISAS);
	return i < 0 ? 10 : t->lay.slot[i].r.h - 1;
}

/* The index of the instruction line at addr, or -1. */
static int tui_disas_index(const struct tui_disas *d, uint32_t addr)
{
	for (int i = 0; i < d->n; i++)
		if (d->line[i].len && d->line[i].addr == addr)
			return i;
	return -1;
}

static int tui_disas_first(const struct tui_disas *d)
{
	for (int i = 0; i < d->n; i++)
		if (d->line[i].len)
			return i;
	return -1;
}

static void tui_disas_center(struct tui *t, uint32_t addr, int rows)
{
	t->dis.top = tui_disas_back(t, addr, rows / 3);
	tui_disas_build(t, rows);
}

void tui_disas_follow(struct tui *t)
{
	struct tui_disas *d = &t->dis;
	int rows = tui_disas_rows(t);
	tui_disas_build(t, rows);   /* the code may have changed */
	int i = tui_disas_index(d, t->st.eip);
	if (i < 0 || i >= d->n - 1)
		tui_disas_center(t, t->st.eip, rows);
}

void tui_disas_close(struct tui *t)
{
	if (t->cs_ready) {
		csh h = (csh)t->csh;
		cs_close(&h);
		t->cs_ready = false;
	}
}

void tui_disas_read_marks(void *arg)
{
	struct tui *t = arg;
	struct engine *e = t->s->e;
	for (int i = 0; i < t->dis.n; i++)
		if (t->dis.line[i].len)
			t->dis.line[i].mark = (int8_t)(engine_has(e, ENGINE_CAP_TC) ? e->ops->addr_mark(e, t->dis.line[i].addr) : MARK_NONE);
	t->dis.marks_stale = false;
}

bool tui_disas_key(struct tui *t, int action, int rows)
{
	struct tui_disas *d = &t->dis;
	if (d->built_for != rows)
		tui_disas_build(t, rows);
	int i = tui_disas_index(d, d->cursor), first = tui_disas_first(d);
	switch (action) {
	case TA_UP:
		if (i > first && first >= 0) {
			do
				i--;
			while (i > first && !d->line[i].len);
			d->cursor = d->line[i].addr;
		} else {
			d->top = tui_disas_back(t, i < 0 ? d->top : d->cursor, 1);
			tui_disas_build(t, rows);
			d->cursor = d->top;
		}
		return true;
	case TA_DOWN:
		if (i >= 0 && i + 1 < d->n) {
			do
				i++;
			while (i + 1 < d->n && !d->line[i].len);
			d->cursor = d->line[i].addr;
			return true;
		}
		if (first >= 0) {
			d->top = d->line[first].addr + d->line[first].len;
			tui_disas_build(t, rows);
			d->cursor = d->line[d->n - 1].addr;
		}
		return true;
	case TA_PGUP:
		d->top = tui_disas_back(t, d->top, rows - 1);
		tui_disas_build(t, rows);
		first = tui_disas_first(d);
		d->cursor = first >= 0 ? d->line[first].addr : d->top;
		return true;
	case TA_PGDN:
		if (d->n) {
			d->top = d->line[d->n - 1].addr;
			tui_disas_build(t, rows);
			first = tui_disas_first(d);
			d->cursor = first >= 0 ? d->line[first].addr : d->top;
		}
		return true;
	case TA_HOME:
		d->cursor = t->st.eip;
		tui_disas_center(t, t->st.eip, rows);
		return true;
	default:
		return false;
	}
}

void tui_disas_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	struct tui_disas *d = &t->dis;
	int rows = r->h - 1;
	if (d->built_for != rows)
		tui_disas_build(t, rows);
	if (d->marks_stale && !t->running)
		runner_call(t->s->r, tui_disas_read_marks, t);
	char legend[128] = "";
	if (r->w >= 60)
		snprintf(legend, sizeof legend, "%s CCF  %s chained  %s in CCF  %s break", tui_glyph(t, TG_CCF_START),
			 tui_glyph(t, TG_CHAINED), tui_glyph(t, TG_IN_CCF), tui_glyph(t, TG_BREAK));
	tui_title(t, r, focused, "Disassembly", legend);
	for (int i = 0; i < d->n && i < rows; i++) {
		const struct tui_dis_line *l = &d->line[i];
		int y = r->y + 1 + i;
		if (!l->len) {
			tui_putf(t, y, r->x, r->w, TR_LABEL, "<%s>:", l->label);
			continue;
		}
		bool at_eip = l->addr == t->st.eip;
		bool cur = focused && l->addr == d->cursor;
		enum tui_role bar = at_eip ? TR_EIP : cur ? TR_CURSOR : TR_NORMAL;
		if (bar != TR_NORMAL)
			tui_blank(t, y, r->x, r->w, bar);
		if (dbg_is_break(&t->s->m->debug, l->addr))
			tui_put(t, y, r->x, 1, bar != TR_NORMAL ? bar : TR_BREAK, tui_glyph(t, TG_BREAK));
		if (at_eip)
			tui_put(t, y, r->x + 1, 1, bar, tui_glyph(t, TG_EIP));
		static const enum tui_glyph marks[] = {
			[MARK_CCF_START] = TG_CCF_START, [MARK_IN_CCF] = TG_IN_CCF, [MARK_CHAINED] = TG_CHAINED,
		};
		if (l->mark > MARK_NONE && l->mark <= MARK_CHAINED)
			tui_put(t, y, r->x + 2, 1, bar != TR_NORMAL ? bar : TR_MARK, tui_glyph(t, marks[l->mark]));
		tui_putf(t, y, r->x + 4, r->w - 4, bar, "%08x  %s", l->addr, l->text);
	}
}
