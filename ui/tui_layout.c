/* Where the panes go. The screen is a status row on top, the message and
 * command rows at the bottom, and bands of slots between them; each slot
 * shows one of a few views (F2/t cycles them). Three sizes:
 *
 *   small (80x24 up to 119 columns or 35 rows)       large (120x36 and up)
 *   +--------+-------------------+                   +------+-----------+--------+
 *   | regs   | disassembly       |                   | regs | disas     | TC     |
 *   +--------+-------------------+                   +------+-----------+--------+
 *   | CCF / TC / memory          |                   | CCF                       |
 *   +--------------+-------------+                   +--------+--------+---------+
 *   | events/sens. | console ... |                   | ev/sens| console| output..|
 *   +--------------+-------------+                   +--------+--------+---------+
 *
 * and tiny (below 60x16): no panes, only a note to enlarge the terminal.
 * In classroom mode the annotations take the events slot (small) or a slot
 * of their own (large). Side-by-side slots leave one column between them for
 * a separator line.
 */
#include "ui/tui.h"

#include <string.h>

#define TUI_MIN_COLS 60
#define TUI_MIN_ROWS 16
#define TUI_LARGE_COLS 120
#define TUI_LARGE_ROWS 36
#define TUI_REGS_W 29          /* "eax 00000000  ecx 00000000" and the flags line */

/* Add a slot at (y, x) of h x w showing views (terminated by TV_COUNT). */
static void tui_slot_add(struct tui_layout *l, int y, int x, int h, int w, const enum tui_view *views)
{
	if (l->nslots == TUI_MAX_SLOTS || h < 2 || w < 8)
		return;
	struct tui_slot *s = &l->slot[l->nslots++];
	memset(s, 0, sizeof *s);
	s->r = (struct tui_rect){ y, x, h, w };
	while (s->nviews < TUI_SLOT_VIEWS && views[s->nviews] != TV_COUNT) {
		s->views[s->nviews] = views[s->nviews];
		s->nviews++;
	}
}

#define VIEWS(...) ((const enum tui_view[]){ __VA_ARGS__, TV_COUNT })

static void tui_layout_small(struct tui_layout *l, int top, int avail, bool demo)
{
	int cols = l->cols;
	/* Classroom mode gives its annotations more room, at the CCF's expense. */
	int b1 = avail * (demo ? 8 : 9) / 21;
	int b2 = demo ? (avail - b1) * 5 / 13 : (avail - b1) / 2;
	int b3 = avail - b1 - b2;
	int rw = TUI_REGS_W;
	int half = demo ? cols * 58 / 100 : cols / 2;

	tui_slot_add(l, top, 0, b1, rw, VIEWS(TV_REGS));
	tui_slot_add(l, top, rw + 1, b1, cols - rw - 1, VIEWS(TV_DISAS));
	tui_slot_add(l, top + b1, 0, b2, cols, VIEWS(TV_CCF, TV_TC, TV_MEM));
	if (demo)
		tui_slot_add(l, top + b1 + b2, 0, b3, half, VIEWS(TV_DEMO, TV_EVENTS, TV_SENS));
	else
		tui_slot_add(l, top + b1 + b2, 0, b3, half, VIEWS(TV_EVENTS, TV_SENS));
	tui_slot_add(l, top + b1 + b2, half + 1, b3, cols - half - 1, VIEWS(TV_CONSOLE, TV_OUTPUT, TV_CGA));
}

static void tui_layout_large(struct tui_layout *l, int top, int avail, bool demo)
{
	int cols = l->cols;
	int b1 = avail * 35 / 100;
	int b2 = avail * 30 / 100;
	int b3 = avail - b1 - b2;
	int rw = TUI_REGS_W + 1;
	int dw = (cols - rw - 2) * 55 / 100;
	int tx = rw + 1 + dw + 1;

	tui_slot_add(l, top, 0, b1, rw, VIEWS(TV_REGS));
	tui_slot_add(l, top, rw + 1, b1, dw, VIEWS(TV_DISAS));
	tui_slot_add(l, top, tx, b1, cols - tx, VIEWS(TV_TC));
	tui_slot_add(l, top + b1, 0, b2, cols, VIEWS(TV_CCF));
	int y = top + b1 + b2;
	int w1 = (cols - 2) * 40 / 100, w2 = (cols - 2) * 30 / 100;
	int x2 = w1 + 1, x3 = w1 + 1 + w2 + 1;
	if (demo) {
		tui_slot_add(l, y, 0, b3, w1, VIEWS(TV_DEMO));
		tui_slot_add(l, y, x2, b3, w2, VIEWS(TV_EVENTS, TV_SENS));
		tui_slot_add(l, y, x3, b3, cols - x3, VIEWS(TV_CONSOLE, TV_OUTPUT, TV_CGA, TV_MEM));
	} else {
		tui_slot_add(l, y, 0, b3, w1, VIEWS(TV_EVENTS, TV_SENS));
		tui_slot_add(l, y, x2, b3, w2, VIEWS(TV_CONSOLE));
		tui_slot_add(l, y, x3, b3, cols - x3, VIEWS(TV_OUTPUT, TV_CGA, TV_MEM));
	}
}

void tui_layout_compute(struct tui_layout *l, int cols, int rows, bool demo)
{
	memset(l, 0, sizeof *l);
	if (cols < 1)
		cols = 1;
	if (rows < 3)
		rows = 3;
	l->cols = cols;
	l->rows = rows;
	l->status = (struct tui_rect){ 0, 0, 1, cols };
	l->msg = (struct tui_rect){ rows - 2, 0, 1, cols };
	l->cmd = (struct tui_rect){ rows - 1, 0, 1, cols };
	int top = 1, avail = rows - 3;
	if (cols < TUI_MIN_COLS || rows < TUI_MIN_ROWS) {
		l->size = TS_TINY;
		return;
	}
	if (cols >= TUI_LARGE_COLS && rows >= TUI_LARGE_ROWS) {
		l->size = TS_LARGE;
		tui_layout_large(l, top, avail, demo);
	} else {
		l->size = TS_SMALL;
		tui_layout_small(l, top, avail, demo);
	}
}

int tui_layout_find(const struct tui_layout *l, enum tui_view v)
{
	for (int i = 0; i < l->nslots; i++)
		for (int k = 0; k < l->slot[i].nviews; k++)
			if (l->slot[i].views[k] == v)
				return i;
	return -1;
}

int tui_layout_show(struct tui_layout *l, enum tui_view v)
{
	int i = tui_layout_find(l, v);
	if (i < 0)
		return -1;
	for (int k = 0; k < l->slot[i].nviews; k++)
		if (l->slot[i].views[k] == v)
			l->slot[i].cur = k;
	return i;
}

enum tui_view tui_slot_view(const struct tui_slot *s)
{
	return s->nviews ? s->views[s->cur] : TV_COUNT;
}
