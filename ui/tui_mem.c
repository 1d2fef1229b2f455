/* The memory pane: a hex and ASCII dump of guest linear memory, following
 * ESP at each stop (the stack) until an address is chosen (`m`, or
 * `tui mem ADDR`). With paging on, addresses go through the guest's page
 * tables, as the guest sees them. Read live, also while the guest runs.
 *
 *   0008ffe0  00 00 00 00 12 00 10 00  08 00 00 00 02 02 00 00  ................
 */
#include "ui/tui.h"

#include <stdio.h>
#include <string.h>

/* Up/Down move a line of the dump, PgUp/PgDn a page; Home follows ESP again. */
bool tui_mem_key(struct tui *t, int a, int rows)
{
	int bpl = t->lay.slot[t->focus].r.w >= 76 ? 16 : 8;
	int64_t d = a == TA_UP ? -bpl : a == TA_DOWN ? bpl : a == TA_PGUP ? -bpl * rows : a == TA_PGDN ? bpl * rows : 0;
	if (a == TA_HOME) {
		t->mem.follow = true;
		t->mem.addr = t->st.gpr[R_ESP] & ~15u;
	} else {
		t->mem.follow = false;
		t->mem.addr = (uint32_t)((int64_t)t->mem.addr + d);
	}
	return true;
}

void tui_mem_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	char title[64];
	snprintf(title, sizeof title, "Memory 0x%08x", t->mem.addr);
	tui_title(t, r, focused, title, t->mem.follow ? "follows ESP (m: go to)" : "m: go to, Home: ESP");
	int bpl = r->w >= 76 ? 16 : 8;
	uint32_t esp = t->st.gpr[R_ESP];
	for (int row = 0; row < r->h - 1; row++) {
		uint32_t a = t->mem.addr + (uint32_t)(row * bpl);
		uint8_t b[16];
		bool ok[16];
		if (tui_read_guest(t, a, b, (size_t)bpl)) {
			memset(ok, 1, sizeof ok);
		} else {
			for (int i = 0; i < bpl; i++)
				ok[i] = tui_read_guest(t, a + (uint32_t)i, &b[i], 1);
		}
		char line[128];
		int n = snprintf(line, sizeof line, "%08x  ", a);
		for (int i = 0; i < bpl; i++) {
			if (ok[i])
				n += snprintf(line + n, sizeof line - (size_t)n, "%02x ", b[i]);
			else
				n += snprintf(line + n, sizeof line - (size_t)n, "?? ");
			if (i == 7)
				line[n++] = ' ';
		}
		n += snprintf(line + n, sizeof line - (size_t)n, " ");
		for (int i = 0; i < bpl && n < (int)sizeof line - 1; i++)
			line[n++] = ok[i] && b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
		line[n] = 0;
		bool has_esp = esp - a < (uint32_t)bpl;
		tui_put(t, r->y + 1 + row, r->x, r->w, TR_NORMAL, line);
		if (has_esp)
			tui_putf(t, r->y + 1 + row, r->x, 8, TR_CHANGED, "%08x", a);
	}
}
