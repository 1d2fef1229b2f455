/* The CGA text screen: the 80x25 cells of two bytes (character, attribute)
 * a text-mode guest writes at 0xB8000, drawn with their colours (or, on a
 * monochrome terminal, reverse video for dark-on-light cells). The pane
 * crops to its size; the arrows scroll it, and it scrolls to the cursor when
 * the guest moves it out of view. It appears once the guest has
 * written there (vgamem counts the writes). The screen starts where the
 * CRTC's start address says, and the cursor cell (CRTC 0x0E/0x0F) is drawn
 * in reverse video, its row and column in the title. */
#include "ui/tui.h"

#include <curses.h>
#include <stdio.h>

#include "monitor/cga.h"

#define CGA_COLS 80
#define CGA_ROWS 25
#define CGA_OFFSET (VGAMEM_CGA_TEXT - VGAMEM_BASE)   /* 0x18000 into the VGA window */
#define CGA_BRIGHT 0x08                              /* attribute bit 3: bright foreground */

char tui_cga_char(uint8_t code)
{
	if (code == 0)
		return ' ';
	return code >= 0x20 && code < 0x7f ? (char)code : '.';
}

int tui_cga_color(int cga)
{
	/* CGA order: black blue green cyan red magenta brown grey; curses: black red green yellow blue magenta cyan white. */
	static const int map[8] = { COLOR_BLACK, COLOR_BLUE, COLOR_GREEN, COLOR_CYAN,
				    COLOR_RED, COLOR_MAGENTA, COLOR_YELLOW, COLOR_WHITE };
	return map[cga & 7];
}

static attr_t tui_cga_attr(const struct tui *t, uint8_t attr)
{
	int fg = attr & 7, bg = (attr >> 4) & 7;
	attr_t bright = (attr & CGA_BRIGHT) ? A_BOLD : 0;
	if (t->color && COLOR_PAIRS >= TUI_CGA_PAIR0 + 64)
		return COLOR_PAIR(TUI_CGA_PAIR0 + bg * 8 + fg) | bright;
	return (bg > fg ? A_REVERSE : 0) | bright;   /* light on dark reads as normal */
}

void tui_cga_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	const struct vgamem *v = t->s->m->vga;
	struct cga *regs = machine_device(t->s->m, "vga-regs");
	struct cga_cursor cur = { 0, 0, 0, 0, false, 0 };
	if (regs)
		cga_cursor(regs, &cur);
	int cur_cell = (int)cur.pos - (int)cur.start;
	char right[96];
	if (regs && cur.visible && cur_cell >= 0 && cur_cell < CGA_COLS * CGA_ROWS)
		snprintf(right, sizeof right, "%llu writes  cursor %d,%d", v ? (unsigned long long)v->writes : 0ull,
			 cur_cell / CGA_COLS, cur_cell % CGA_COLS);
	else
		snprintf(right, sizeof right, "%llu writes", v ? (unsigned long long)v->writes : 0ull);
	tui_title(t, r, focused,
		  t->mode == TM_GUEST && t->guest_kbd ? "CGA text 0xB8000  typing to the keyboard" : "CGA text 0xB8000",
		  right);
	if (!v || !v->writes) {
		tui_put(t, r->y + 1, r->x + 1, r->w - 1, TR_DIM, "the guest has not written to the CGA text screen");
		return;
	}
	int rows = r->h - 1, *top = &t->scroll[TV_CGA];
	/* When the guest moves its cursor off the rows shown (a shorter pane
	 * than 25 rows and a guest that writes at the bottom, as xv6 does once
	 * it scrolls), the pane scrolls to it; the arrows scroll freely until
	 * the cursor moves again. */
	if (regs && cur.visible && cur_cell >= 0 && cur_cell < CGA_COLS * CGA_ROWS && cur_cell != t->cga_cursor) {
		int row = cur_cell / CGA_COLS;
		t->cga_cursor = cur_cell;
		if (row >= *top + rows)
			*top = row - rows + 1;
		else if (row < *top)
			*top = row;
	}
	if (*top > CGA_ROWS - rows)
		*top = CGA_ROWS - rows > 0 ? CGA_ROWS - rows : 0;
	for (int row = 0; row < rows && *top + row < CGA_ROWS; row++) {
		/* The start address counts cells; text memory is 32 KiB at 0xB8000. */
		size_t first = ((size_t)cur.start + (size_t)(*top + row) * CGA_COLS) % (0x8000 / 2 - CGA_COLS);
		const uint8_t *cell = v->bytes + CGA_OFFSET + first * 2;
		for (int col = 0; col < CGA_COLS && col < r->w; col++) {
			bool at_cursor = cur.visible && (*top + row) * CGA_COLS + col == cur_cell;
			attrset(tui_cga_attr(t, cell[col * 2 + 1]) | (at_cursor ? A_REVERSE : 0));
			mvaddch(r->y + 1 + row, r->x + col, (chtype)(unsigned char)tui_cga_char(cell[col * 2]));
		}
	}
	attrset(A_NORMAL);
}
