/* Line logs: the guest console, command output and annotations. The
 * guest's COM1 bytes arrive on the vCPU thread through tui_console_out and
 * are cut into lines as a terminal would show them; the TUI reads the newest
 * lines under the console's lock (tui_console.c draws them).
 *
 *   struct tui_console *c = tui_console_new();
 *   tui_console_out(c, 'h'); tui_console_out(c, '\n');
 *   char buf[4][TUI_LINE_MAX]; int n = tui_console_tail(c, 0, buf, 4, NULL);
 */
#include "ui/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUI_CONSOLE_LINES 2000
#define TUI_TAB 8
#define ESC 0x1b

void tui_lines_init(struct tui_lines *l, int cap)
{
	memset(l, 0, sizeof *l);
	l->line = calloc((size_t)cap, sizeof *l->line);
	l->cap = l->line ? cap : 0;
}

void tui_lines_free(struct tui_lines *l)
{
	for (int i = 0; i < l->cap; i++)
		free(l->line[i]);
	free(l->line);
	memset(l, 0, sizeof *l);
}

static void tui_lines_commit(struct tui_lines *l)
{
	l->cur[l->curlen] = 0;
	if (l->cap) {
		char **slot = &l->line[l->total % (uint64_t)l->cap];
		free(*slot);
		*slot = strdup(l->cur);
	}
	l->total++;
	l->curlen = l->col = 0;
	l->cur[0] = 0;
}

void tui_lines_put(struct tui_lines *l, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		/* ANSI escapes: ESC [ params final-byte; ESC ( B and the other
		 * charset designations (one more byte); else ESC and one byte. */
		if (l->esc == 1) {
			l->esc = c == '[' ? 2 : strchr("()*+", c) && c ? 3 : 0;
			continue;
		}
		if (l->esc == 3) {
			l->esc = 0;
			continue;
		}
		if (l->esc == 2) {
			if (c >= 0x40 && c <= 0x7e)
				l->esc = 0;
			continue;
		}
		switch (c) {
		case '\n':
			tui_lines_commit(l);
			continue;
		case '\r':
			l->col = 0;
			continue;
		case '\b':
			if (l->col > 0)
				l->col--;
			continue;
		case ESC:
			l->esc = 1;
			continue;
		case '\t':
			do
				tui_lines_put(l, " ", 1);
			while (l->col % TUI_TAB);
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		if (c >= 0x80)
			c = '?';   /* the panes are ASCII: no half characters */
		if (l->col >= TUI_LINE_MAX - 1)
			tui_lines_commit(l);   /* wrap */
		l->cur[l->col++] = (char)c;
		if (l->col > l->curlen)
			l->curlen = l->col;
		l->cur[l->curlen] = 0;
	}
}

void tui_lines_add(struct tui_lines *l, const char *text)
{
	tui_lines_put(l, text, strlen(text));
	tui_lines_commit(l);
}

uint64_t tui_lines_count(const struct tui_lines *l)
{
	return l->total + (l->curlen > 0);
}

uint64_t tui_lines_first(const struct tui_lines *l)
{
	return l->total > (uint64_t)l->cap ? l->total - (uint64_t)l->cap : 0;
}

const char *tui_lines_get(const struct tui_lines *l, uint64_t i)
{
	if (i < tui_lines_first(l))
		return "";
	if (i < l->total) {
		const char *s = l->line[i % (uint64_t)l->cap];
		return s ? s : "";
	}
	if (i == l->total && l->curlen > 0)
		return l->cur;
	return "";
}

struct tui_console *tui_console_new(void)
{
	struct tui_console *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	tui_lines_init(&c->lines, TUI_CONSOLE_LINES);
	return c;
}

void tui_console_free(struct tui_console *c)
{
	if (!c)
		return;
	tui_lines_free(&c->lines);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void tui_console_out(void *opaque, uint8_t byte)
{
	struct tui_console *c = opaque;
	char b = (char)byte;
	pthread_mutex_lock(&c->lock);
	tui_lines_put(&c->lines, &b, 1);
	c->bytes++;
	pthread_mutex_unlock(&c->lock);
}

int tui_console_tail(struct tui_console *c, int back, char (*out)[TUI_LINE_MAX], int max, uint64_t *total)
{
	int n = 0;
	pthread_mutex_lock(&c->lock);
	uint64_t count = tui_lines_count(&c->lines), first = tui_lines_first(&c->lines);
	uint64_t end = count > (uint64_t)back ? count - (uint64_t)back : 0;
	if (end < first)
		end = first;
	uint64_t start = end > (uint64_t)max ? end - (uint64_t)max : 0;
	if (start < first)
		start = first;
	for (uint64_t i = start; i < end; i++) {
		snprintf(out[n], TUI_LINE_MAX, "%s", tui_lines_get(&c->lines, i));
		n++;
	}
	if (total)
		*total = count;
	pthread_mutex_unlock(&c->lock);
	return n;
}
