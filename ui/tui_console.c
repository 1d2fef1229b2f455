/* The panes that show line logs, newest at the bottom, scrolled back with
 * the arrows or PgUp/PgDn: the guest's serial console (live while the guest
 * runs), the output of commands, and the classroom annotations (word-wrapped,
 * since they are sentences). */
#include "ui/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Clamp a scroll-back of a log of total lines shown in rows. */
static void tui_clamp_back(int *back, uint64_t total, int rows)
{
	int max = total > (uint64_t)rows ? (int)(total - (uint64_t)rows) : 0;
	if (*back > max)
		*back = max;
	if (*back < 0)
		*back = 0;
}

void tui_console_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	int rows = r->h - 1;
	int *back = &t->scroll[TV_CONSOLE];
	char right[64];
	uint64_t total = 0;
	if (rows < 1)
		return;
	char (*buf)[TUI_LINE_MAX] = malloc((size_t)rows * TUI_LINE_MAX);
	if (!buf)
		return;
	pthread_mutex_lock(&t->con->lock);
	total = tui_lines_count(&t->con->lines);
	uint64_t bytes = t->con->bytes;
	pthread_mutex_unlock(&t->con->lock);
	tui_clamp_back(back, total, rows);
	int n = tui_console_tail(t->con, *back, buf, rows, NULL);
	snprintf(right, sizeof right, "%llu bytes%s", (unsigned long long)bytes, *back ? "  (scrolled)" : "");
	tui_title(t, r, focused, t->mode == TM_GUEST && !t->guest_kbd ? "Console (COM1)  typing to the guest" : "Console (COM1)", right);
	if (!n)
		tui_put(t, r->y + 1, r->x + 1, r->w - 1, TR_DIM, "the guest has written nothing to COM1 yet");
	for (int i = 0; i < n; i++)
		tui_put(t, r->y + 1 + i, r->x, r->w, TR_NORMAL, buf[i]);
	free(buf);
}

void tui_output_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	int rows = r->h - 1;
	int *back = &t->scroll[TV_OUTPUT];
	uint64_t total = tui_lines_count(&t->out), first = tui_lines_first(&t->out);
	tui_clamp_back(back, total - first, rows);
	tui_title(t, r, focused, "Output", *back ? "(scrolled)" : "of commands");
	uint64_t end = total - (uint64_t)*back;
	uint64_t start = end > (uint64_t)rows ? end - (uint64_t)rows : 0;
	if (start < first)
		start = first;
	if (total == first)
		tui_put(t, r->y + 1, r->x + 1, r->w - 1, TR_DIM, "command output appears here (: opens the command line)");
	for (uint64_t i = start; i < end; i++) {
		const char *l = tui_lines_get(&t->out, i);
		tui_put(t, r->y + 1 + (int)(i - start), r->x, r->w, strncmp(l, "(bt86) ", 7) == 0 ? TR_KEY : TR_NORMAL, l);
	}
}

/* Split text into rows of at most w columns at spaces; returns how many
 * (at most max), each as [off, len) into text. */
static int tui_wrap(const char *text, int w, int *off, int *len, int max)
{
	int n = 0, pos = 0, total = (int)strlen(text);
	if (w < 8)
		w = 8;
	while (n < max) {
		int rest = total - pos;
		if (rest <= w) {
			off[n] = pos;
			len[n++] = rest;
			break;
		}
		int cut = w;
		while (cut > w / 2 && text[pos + cut] != ' ')
			cut--;
		if (text[pos + cut] != ' ')
			cut = w;
		off[n] = pos;
		len[n++] = cut;
		pos += cut;
		while (text[pos] == ' ')
			pos++;
	}
	return n;
}

#define TUI_NOTE_ROWS 600   /* wrapped rows of annotations kept in view for scrolling */

struct tui_note_row {
	const char *line;
	int off, len;
	bool head, first;
};

/* The notes scroll back from the newest row like a log, except that Down
 * may go below zero (towards the end of a long step anchored at its
 * heading, see tui_notes_draw, which clamps it) and Up from there returns. */
bool tui_notes_key(struct tui *t, int a, int rows)
{
	int *sc = &t->scroll[TV_DEMO];
	int step = a == TA_UP || a == TA_DOWN ? 1 : rows > 2 ? rows - 1 : 1;
	int d = (a == TA_UP || a == TA_PGUP) ? -step : step;
	if (a == TA_HOME) {
		*sc = 0;
		return true;
	}
	if (*sc < 0 && (a == TA_UP || a == TA_PGUP)) {
		*sc += step;   /* back up towards the heading */
		if (*sc > 0)
			*sc = 0;
		return true;
	}
	*sc -= d;
	return true;
}

/* Annotations, wrapped. Normally the newest rows are at the bottom; when the
 * latest step says more than fits, the view starts at that step's heading
 * (a class reads from the top) and Down shows the rest. */
void tui_notes_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	struct tui_note_row rowv[TUI_NOTE_ROWS];
	int rows = r->h - 1, n = 0;
	int *back = &t->scroll[TV_DEMO];
	const int indent = 2;
	uint64_t total = tui_lines_count(&t->notes), first = tui_lines_first(&t->notes);
	/* Wrap from the newest line back, then put the rows in order. */
	for (uint64_t i = total; i > first && n < TUI_NOTE_ROWS; i--) {
		const char *l = tui_lines_get(&t->notes, i - 1);
		bool head = l[0] == '#';
		int off[16], len[16];
		int k = tui_wrap(l + head, r->w - indent, off, len, 16);
		while (k-- > 0 && n < TUI_NOTE_ROWS)
			rowv[n++] = (struct tui_note_row){ l + head, off[k], len[k], head, k == 0 };
	}
	for (int i = 0; i < n / 2; i++) {
		struct tui_note_row tmp = rowv[i];
		rowv[i] = rowv[n - 1 - i];
		rowv[n - 1 - i] = tmp;
	}
	int h = -1;
	for (int i = n - 1; i >= 0 && h < 0; i--)
		if (rowv[i].head && rowv[i].first)
			h = i;
	int end;
	if (*back <= 0 && h >= 0 && n - h > rows) {
		end = h + rows - *back;   /* anchored at the heading; Down (back < 0) reveals more */
		if (end > n)
			end = n;
		*back = h + rows - end;
	} else {
		if (*back < 0)
			*back = 0;
		if (*back > n - rows)
			*back = n - rows > 0 ? n - rows : 0;
		end = n - *back;
	}
	int start = end - rows > 0 ? end - rows : 0;
	char right[64];
	snprintf(right, sizeof right, "%s%s", end < n ? "more below (Down)  " : *back ? "(scrolled)  " : "",
		 t->demo.auto_run ? "auto (p pauses)" : "paused (Space steps)");
	tui_title(t, r, focused, "What the translator did", right);
	for (int i = start; i < end; i++) {
		char seg[TUI_LINE_MAX];
		snprintf(seg, sizeof seg, "%.*s", rowv[i].len, rowv[i].line + rowv[i].off);
		int x = r->x + (rowv[i].first ? 0 : indent);
		tui_put(t, r->y + 1 + (i - start), x, r->x + r->w - x, rowv[i].head ? TR_BOLD : TR_NORMAL, seg);
	}
	if (!n)
		tui_put(t, r->y + 1, r->x + 1, r->w - 1, TR_DIM, "annotations appear here after each step");
}
