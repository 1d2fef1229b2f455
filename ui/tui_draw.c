/* Drawing: roles to colours (or to bold/reverse/underline on a monochrome
 * terminal or with NO_COLOR set), clipped text, pane titles, glyphs, and the
 * whole screen from the layout. Everything draws on stdscr inside the
 * rectangles tui_layout.c computes, so a resize is one relayout. */
#include "ui/tui.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/disas.h"

struct tui_role_style {
	short fg, bg;          /* -1: the terminal's default */
	attr_t color_attr;     /* added to the colour pair */
	attr_t mono_attr;      /* without colours */
};

static const struct tui_role_style tui_styles[TR_COUNT] = {
	[TR_NORMAL] = { -1, -1, 0, 0 },
	[TR_DIM] = { -1, -1, A_DIM, A_DIM },
	[TR_BOLD] = { -1, -1, A_BOLD, A_BOLD },
	[TR_TITLE] = { COLOR_WHITE, COLOR_BLUE, 0, A_UNDERLINE },
	[TR_TITLE_FOCUS] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD },
	[TR_STATUS] = { COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
	[TR_STATUS_RUN] = { COLOR_BLACK, COLOR_GREEN, A_BOLD, A_REVERSE | A_BOLD },
	[TR_STATUS_ERR] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE },
	[TR_STATUS_MODE] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD },
	[TR_MSG] = { -1, -1, 0, 0 },
	[TR_ERR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[TR_CHANGED] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[TR_EIP] = { COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE | A_BOLD },
	[TR_CURSOR] = { -1, -1, A_REVERSE, A_REVERSE },
	[TR_BREAK] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[TR_MARK] = { COLOR_CYAN, -1, 0, 0 },
	[TR_LABEL] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[TR_KEY] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[TR_K_IDENT] = { COLOR_GREEN, -1, 0, 0 },
	[TR_K_REENC] = { COLOR_CYAN, -1, 0, A_DIM },
	[TR_K_REWRITE] = { COLOR_YELLOW, -1, 0, A_BOLD },
	[TR_K_CALLOUT] = { COLOR_MAGENTA, -1, A_BOLD, A_REVERSE },
	[TR_K_INTC] = { COLOR_BLUE, -1, A_BOLD, A_UNDERLINE },
	[TR_K_EXIT] = { -1, -1, A_DIM, A_DIM },
	[TR_K_TRAP] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[TR_K_NAIVE] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
};

static const char *const tui_glyphs[TG_COUNT][2] = {
	/* UTF-8, ASCII */
	[TG_BREAK] = { "\u25cf", "*" },       /* ● a breakpoint */
	[TG_EIP] = { "\u25b6", ">" },         /* ▶ the guest's EIP */
	[TG_CCF_START] = { "\u25c6", "+" },   /* ◆ a CCF starts here */
	[TG_IN_CCF] = { "\u2502", "|" },      /* │ inside a CCF */
	[TG_CHAINED] = { "\u25c8", "#" },     /* ◈ a CCF starts here and others chain into it */
	[TG_ARROW] = { "\u2192", ">" },       /* → */
	[TG_VLINE] = { "\u2502", "|" },       /* │ */
};

const char *tui_glyph(const struct tui *t, enum tui_glyph g)
{
	return tui_glyphs[g][t->utf8 ? 0 : 1];
}

void tui_colors_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");
	t->color = has_colors() && !(nc && *nc);
	if (!t->color)
		return;
	start_color();
	bool defaults = use_default_colors() == OK;
	for (int r = 1; r < TR_COUNT; r++) {
		short fg = tui_styles[r].fg, bg = tui_styles[r].bg;
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		init_pair((short)r, fg, bg);
	}
	if (COLOR_PAIRS >= TUI_CGA_PAIR0 + 64)
		for (int fg = 0; fg < 8; fg++)
			for (int bg = 0; bg < 8; bg++)
				init_pair((short)(TUI_CGA_PAIR0 + bg * 8 + fg), (short)tui_cga_color(fg), (short)tui_cga_color(bg));
}

static attr_t tui_attr(const struct tui *t, enum tui_role r)
{
	if ((unsigned)r >= TR_COUNT)
		r = TR_NORMAL;
	if (!t->color)
		return tui_styles[r].mono_attr;
	return (r ? COLOR_PAIR(r) : 0) | tui_styles[r].color_attr;
}

enum tui_role tui_kind_role(enum engine_kind k)
{
	static const enum tui_role roles[EK_COUNT] = {
		[EK_IDENT] = TR_K_IDENT, [EK_REENC] = TR_K_REENC,
		[EK_REWRITE] = TR_K_REWRITE, [EK_CALLOUT] = TR_K_CALLOUT, [EK_INTC] = TR_K_INTC,
		[EK_EXIT] = TR_K_EXIT, [EK_TRAP] = TR_K_TRAP, [EK_NAIVE] = TR_K_NAIVE,
	};
	return (unsigned)k < EK_COUNT ? roles[k] : TR_NORMAL;
}

enum tui_role tui_ev_role(int kind)
{
	static const enum tui_role roles[EV_KIND_COUNT] = {
		[EV_TRANSLATE] = TR_K_IDENT, [EV_CHAIN] = TR_K_REENC, [EV_CALLOUT] = TR_K_CALLOUT,
		[EV_TRAP] = TR_K_TRAP, [EV_INVALIDATE] = TR_K_REWRITE, [EV_RETRANSLATE] = TR_K_INTC,
		[EV_INTERRUPT] = TR_K_REWRITE, [EV_EXCEPTION] = TR_ERR, [EV_VMEXIT] = TR_K_CALLOUT,
		[EV_IO] = TR_DIM, [EV_STOP] = TR_BOLD, [EV_IRQ] = TR_DIM,
	};
	return (unsigned)kind < EV_KIND_COUNT ? roles[kind] : TR_NORMAL;
}

int tui_text_width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void tui_put(struct tui *t, int y, int x, int w, enum tui_role r, const char *text)
{
	if (w <= 0 || y < 0 || y >= t->rows || x >= t->cols)
		return;
	if (x + w > t->cols)
		w = t->cols - x;
	int cols = 0;
	size_t n = 0;
	while (text[n]) {
		if (((unsigned char)text[n] & 0xc0) != 0x80) {
			if (cols == w)
				break;
			cols++;
		}
		n++;
	}
	attrset(tui_attr(t, r));
	mvaddnstr(y, x, text, (int)n);
	attrset(A_NORMAL);
}

void tui_putf(struct tui *t, int y, int x, int w, enum tui_role r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tui_put(t, y, x, w, r, buf);
}

void tui_blank(struct tui *t, int y, int x, int w, enum tui_role r)
{
	if (w <= 0 || y < 0 || y >= t->rows)
		return;
	if (x + w > t->cols)
		w = t->cols - x;
	attrset(tui_attr(t, r));
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void tui_title(struct tui *t, const struct tui_rect *r, bool focused, const char *left, const char *right)
{
	enum tui_role role = focused ? TR_TITLE_FOCUS : TR_TITLE;
	tui_blank(t, r->y, r->x, r->w, role);
	int lw = tui_text_width(left);
	tui_put(t, r->y, r->x + 1, r->w - 1, role, left);
	if (right && *right) {
		int rw = tui_text_width(right);
		int x = r->x + r->w - rw - 1;
		if (x < r->x + lw + 3)
			x = r->x + lw + 3;
		tui_put(t, r->y, x, r->x + r->w - x, role, right);
	}
}

static void tui_draw_status(struct tui *t)
{
	const struct tui_rect *r = &t->lay.status;
	char state[400], sym[96] = "", where[160] = "";
	enum tui_role role = TR_STATUS;
	const struct stop_info *st = &t->stop;

	sym_format(&t->s->syms, st->eip, sym, sizeof sym);
	snprintf(where, sizeof where, "0x%08x%s%s%s", st->eip, sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
	if (t->running) {
		uint64_t ms = tui_now_ms() - t->run_since_ms;
		snprintf(state, sizeof state, " RUNNING %llu.%llus  (x, F6 or Ctrl-C stops) ", (unsigned long long)(ms / 1000),
			 (unsigned long long)(ms / 100 % 10));
		role = TR_STATUS_RUN;
	} else {
		switch (st->reason) {
		case STOP_NONE:
			snprintf(state, sizeof state, " STOPPED at the entry point %s ", where);
			break;
		case STOP_STEP:
			snprintf(state, sizeof state, " STOPPED after a step at %s ", where);
			break;
		case STOP_BREAK:
		case STOP_REQUEST:
			snprintf(state, sizeof state, " STOPPED: %s%s%s%s ", st->msg, sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
			break;
		case STOP_EXIT:
			snprintf(state, sizeof state, " EXITED: %s ", st->msg);
			break;
		case STOP_HALT:
			snprintf(state, sizeof state, " HALTED: %s ", st->msg);
			break;
		case STOP_ERROR:
		case STOP_UNAVAILABLE:
		default: {
			char insn[96] = "";
			if (st->want_insn)
				disas_guest(&t->s->m->mem, t->s->m->maxphyaddr, &t->st, st->eip, insn, sizeof insn);
			snprintf(state, sizeof state, " GUEST ERROR: %s%s%s ", st->msg, insn[0] ? ": " : "", insn);
			role = TR_STATUS_ERR;
			break;
		}
		}
	}
	static const char *const modes[] = { [TM_KEYS] = " KEYS ", [TM_CMD] = " COMMAND ", [TM_GUEST] = " GUEST INPUT " };
	const char *mode = modes[t->mode];
	const char *guest = t->s->guest_path ? strrchr(t->s->guest_path, '/') : NULL;
	guest = guest ? guest + 1 : (t->s->guest_path ? t->s->guest_path : "guest");
	char head[200];
	if (r->w >= 100)
		snprintf(head, sizeof head, " bt86 %s %s %s %s", tui_glyph(t, TG_VLINE), guest, tui_glyph(t, TG_VLINE),
			 t->s->e->ops->name);
	else
		snprintf(head, sizeof head, " %s %s %s", guest, tui_glyph(t, TG_VLINE), t->s->e->ops->name);
	tui_blank(t, r->y, 0, r->w, TR_STATUS);
	int hw = tui_text_width(head);
	tui_put(t, r->y, 0, r->w, TR_STATUS, head);
	int mw = tui_text_width(mode);
	int sx = hw + 1;
	tui_put(t, r->y, sx, r->w - sx - mw, role, state);
	tui_put(t, r->y, r->w - mw, mw, TR_STATUS_MODE, mode);
}

void tui_help_draw(struct tui *t, const struct tui_rect *r)
{
	static const enum tui_glyph subst[] = { TG_BREAK, TG_EIP, TG_CCF_START, TG_IN_CCF, TG_CHAINED };
	char buf[TUI_LINE_MAX], line[TUI_LINE_MAX];
	enum tui_role role;
	int total = 0;
	while (tui_help_line(total, buf, sizeof buf, &role))
		total++;
	for (int y = r->y; y < r->y + r->h; y++)
		tui_blank(t, y, r->x, r->w, TR_NORMAL);
	tui_title(t, r, true, "Keys", "F1, ? or Esc closes; Up/Down scroll");
	int rows = r->h - 1;
	if (t->help_top > total - rows)
		t->help_top = total - rows > 0 ? total - rows : 0;
	for (int i = 0; i < rows && t->help_top + i < total; i++) {
		const char *src = tui_help_line(t->help_top + i, buf, sizeof buf, &role);
		size_t n = 0;
		for (; *src && n + 8 < sizeof line; src++) {
			if (*src >= 1 && *src <= 5) {
				const char *g = tui_glyph(t, subst[*src - 1]);
				size_t gl = strlen(g);
				memcpy(line + n, g, gl);
				n += gl;
			} else {
				line[n++] = *src;
			}
		}
		line[n] = 0;
		tui_put(t, r->y + 1 + i, r->x + 1, r->w - 2, role, line);
	}
}

static void tui_draw_view(struct tui *t, enum tui_view v, const struct tui_rect *r, bool focused)
{
	const struct tui_pane *p = tui_pane(v);
	if (p->draw)
		p->draw(t, r, focused);
}

void tui_draw(struct tui *t)
{
	const struct tui_layout *l = &t->lay;
	erase();
	tui_draw_status(t);
	if (l->size == TS_TINY) {
		tui_putf(t, 2, 1, t->cols - 2, TR_BOLD, "The terminal is %dx%d: the TUI needs at least 60x16 (80x24 or more is best).",
			 t->cols, t->rows);
		tui_put(t, 3, 1, t->cols - 2, TR_NORMAL, "Commands still work below; q quits.");
	}
	for (int i = 0; i < l->nslots; i++) {
		const struct tui_slot *s = &l->slot[i];
		tui_draw_view(t, tui_slot_view(s), &s->r, i == t->focus && !t->help);
		/* A separator in the column left of a slot that has a neighbour there. */
		if (s->r.x > 0) {
			attrset(A_DIM);
			for (int y = s->r.y + 1; y < s->r.y + s->r.h; y++)
				mvaddstr(y, s->r.x - 1, tui_glyph(t, TG_VLINE));
			attrset(A_NORMAL);
			tui_blank(t, s->r.y, s->r.x - 1, 1, TR_TITLE);
		}
	}
	if (t->help && l->nslots) {
		struct tui_rect hr = { 1, 0, l->rows - 3, l->cols };
		tui_help_draw(t, &hr);
	}
	tui_blank(t, l->msg.y, 0, l->cols, TR_MSG);
	tui_put(t, l->msg.y, 0, l->cols, t->msg_err ? TR_ERR : TR_MSG, t->msg);
	tui_input_draw(t, &l->cmd);
	refresh();
}

void tui_relayout(struct tui *t)
{
	/* Keep what was on screen: each new slot shows the first of its views
	 * that a slot showed before (as its home, and now), else its first. */
	bool home[TV_COUNT] = { false }, cur[TV_COUNT] = { false };
	enum tui_view focused = t->focus_view;   /* kept through a tiny screen */
	for (int i = 0; i < t->lay.nslots; i++) {
		const struct tui_slot *s = &t->lay.slot[i];
		home[s->views[s->home]] = true;
		cur[tui_slot_view(s)] = true;
		if (i == t->focus)
			focused = tui_slot_view(s);
	}
	t->focus_view = focused;
	getmaxyx(stdscr, t->rows, t->cols);
	tui_layout_compute(&t->lay, t->cols, t->rows, t->demo.on);
	t->focus = 0;
	for (int i = 0; i < t->lay.nslots; i++) {
		struct tui_slot *s = &t->lay.slot[i];
		int h = -1, c = -1;
		for (int k = 0; k < s->nviews; k++) {
			if (h < 0 && home[s->views[k]])
				h = k;
			if (c < 0 && cur[s->views[k]])
				c = k;
			if (s->views[k] == focused)
				t->focus = i;
		}
		s->home = h < 0 ? 0 : h;
		s->cur = c < 0 ? s->home : c;
	}
	t->dis.built_for = 0;   /* the disassembly list is sized to its pane */
	t->dirty = true;
}
