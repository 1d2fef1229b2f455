/* The command line: GNU Readline inside ncurses.
 *
 * Readline runs through its callback interface: ncurses reads keys, the ones
 * meant for the line are queued as bytes (arrow keys as the escape sequences
 * readline binds) and handed over by rl_getc_function; rl_redisplay_function
 * only marks the screen dirty, and tui_input_draw draws rl_line_buffer and
 * rl_point on the command row. Readline never touches the terminal: its
 * prep/deprep hooks do nothing and its output stream is /dev/null (lists of
 * completions go to the output pane). History is kept for the session (Up,
 * Down, Ctrl-R); Tab completes command names, `tui` subcommands, symbols and
 * event kinds, by the command's argument kind.
 *
 * Readline keeps its state in globals, so its callbacks find the TUI through
 * tui_rl, the one TUI a process runs at a time.
 */
#include "ui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "session/cmd.h"

#define TUI_PROMPT "(bt86) "
#define TUI_RLQ 256

static struct tui *tui_rl;   /* readline's callbacks have no context argument */
static unsigned char tui_rlq[TUI_RLQ];
static int tui_rlq_head, tui_rlq_len;
static FILE *tui_rl_null;

/* ---- Readline glue. */

static int tui_rl_getc(FILE *f)
{
	(void)f;
	if (!tui_rlq_len)
		return EOF;
	int c = tui_rlq[tui_rlq_head];
	tui_rlq_head = (tui_rlq_head + 1) % TUI_RLQ;
	tui_rlq_len--;
	return c;
}

static int tui_rl_avail(void)
{
	return tui_rlq_len > 0;
}

static void tui_rl_redisplay(void)
{
	if (tui_rl)
		tui_rl->dirty = true;
}

static void tui_rl_prep(int meta)
{
	(void)meta;
}

static void tui_rl_deprep(void)
{
}

static void tui_rl_line(char *line)
{
	struct tui *t = tui_rl;
	if (!line || !t)
		return;   /* Ctrl-D on an empty line: not a way out here */
	if (*line) {
		HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
		if (!last || strcmp(last->line, line) != 0)
			add_history(line);
	}
	tui_exec_line(t, line);
	free(line);
}

/* Hand bytes to readline. */
static void tui_rl_feed(const char *bytes, size_t n)
{
	for (size_t i = 0; i < n && tui_rlq_len < TUI_RLQ; i++) {
		tui_rlq[(tui_rlq_head + tui_rlq_len) % TUI_RLQ] = (unsigned char)bytes[i];
		tui_rlq_len++;
	}
	while (tui_rlq_len)
		rl_callback_read_char();
}

/* Completion: command names first, then by the command's argument kind. */
static const char *const *tui_rl_words;
static char *tui_rl_gen_words(const char *text, int state)
{
	static int i;
	static size_t len;
	if (!state) {
		i = 0;
		len = strlen(text);
	}
	while (tui_rl_words && tui_rl_words[i]) {
		const char *w = tui_rl_words[i++];
		if (strncmp(w, text, len) == 0)
			return strdup(w);
	}
	return NULL;
}

static char *tui_rl_gen_command(const char *text, int state)
{
	static int i;
	static size_t len;
	static bool tui_given;
	const struct cmd *const *all = cmd_all();
	if (!state) {
		i = 0;
		len = strlen(text);
		tui_given = false;
	}
	while (all[i]) {
		const char *name = all[i++]->name;
		if (strncmp(name, text, len) == 0)
			return strdup(name);
	}
	if (!tui_given && strncmp("tui", text, len) == 0) {
		tui_given = true;   /* the TUI's own command, after the table's */
		return strdup("tui");
	}
	return NULL;
}

/* Symbols, and event kinds after them when events is set (until). */
static bool tui_rl_with_events;
static char *tui_rl_gen_symbol(const char *text, int state)
{
	static int i;
	static size_t len;
	const struct symtab *st = &tui_rl->s->syms;
	if (!state) {
		i = 0;
		len = strlen(text);
	}
	while (i < st->n) {
		const char *name = st->s[i++].name;
		if (name && strncmp(name, text, len) == 0)
			return strdup(name);
	}
	while (tui_rl_with_events && i < st->n + EV_KIND_COUNT) {
		const char *name = evlog_kind_name((enum ev_kind)(i++ - st->n));
		if (strncmp(name, text, len) == 0)
			return strdup(name);
	}
	return NULL;
}

static char **tui_rl_complete(const char *text, int start, int end)
{
	static const char *ev_names[EV_KIND_COUNT + 1];
	static const char *const tui_words[] = { "mem", "show", "sort", "ccf", "delay", "auto", "help", NULL };
	static const char *const sort_words[] = { "entries", "size", "addr", NULL };
	static const char *views[TV_COUNT + 1];
	char first[64] = "", second[64] = "";
	int words = 0;
	(void)end;
	rl_attempted_completion_over = 1;   /* never file names */
	tui_rl_with_events = false;
	sscanf(rl_line_buffer, "%63s %63s", first, second);
	for (int i = 0; i < start; i++)
		if (rl_line_buffer[i] != ' ' && (i == 0 || rl_line_buffer[i - 1] == ' '))
			words++;
	if (words == 0)
		return rl_completion_matches(text, tui_rl_gen_command);
	if (strcmp(first, "tui") == 0) {
		if (words == 1) {
			tui_rl_words = tui_words;
		} else if (strcmp(second, "show") == 0) {
			for (int v = 0; v < TV_COUNT; v++)
				views[v] = tui_view_name((enum tui_view)v);
			tui_rl_words = views;
		} else if (strcmp(second, "sort") == 0) {
			tui_rl_words = sort_words;
		} else if (strcmp(second, "mem") == 0) {
			return rl_completion_matches(text, tui_rl_gen_symbol);
		} else {
			return NULL;
		}
		return rl_completion_matches(text, tui_rl_gen_words);
	}
	const struct cmd *c = cmd_find(first, NULL);
	if (!c)
		return NULL;
	switch (c->complete) {
	case CC_ADDR:
		tui_rl_with_events = strcmp(c->name, "until") == 0;   /* an address or an event kind */
		return rl_completion_matches(text, tui_rl_gen_symbol);
	case CC_EVENT:
		for (int k = 0; k < EV_KIND_COUNT; k++)
			ev_names[k] = evlog_kind_name((enum ev_kind)k);
		tui_rl_words = ev_names;
		return rl_completion_matches(text, tui_rl_gen_words);
	case CC_COMMAND:
		return rl_completion_matches(text, tui_rl_gen_command);
	default:
		return NULL;
	}
}

/* Several matches: list them in the output pane instead of on the terminal. */
static void tui_rl_show_matches(char **matches, int n, int maxlen)
{
	struct tui *t = tui_rl;
	char line[TUI_LINE_MAX];
	size_t len = 0;
	(void)maxlen;
	line[0] = 0;
	for (int i = 1; i <= n; i++) {
		int w = snprintf(line + len, sizeof line - len, "%s%s", len ? "  " : "", matches[i]);
		if (w < 0 || (size_t)w >= sizeof line - len)
			break;
		len += (size_t)w;
	}
	tui_lines_add(&t->out, line);
	tui_msg(t, false, "%s", line);
}

int tui_input_open(struct tui *t)
{
	tui_rl = t;
	tui_rlq_head = tui_rlq_len = 0;
	tui_rl_null = fopen("/dev/null", "w");
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_readline_name = "bt86";
	rl_instream = stdin;
	rl_outstream = tui_rl_null ? tui_rl_null : stderr;
	rl_getc_function = tui_rl_getc;
	rl_input_available_hook = tui_rl_avail;
	rl_redisplay_function = tui_rl_redisplay;
	rl_prep_term_function = tui_rl_prep;
	rl_deprep_term_function = tui_rl_deprep;
	rl_attempted_completion_function = tui_rl_complete;
	rl_completion_display_matches_hook = tui_rl_show_matches;
	rl_bind_key('\t', rl_complete);
	using_history();
	rl_callback_handler_install(TUI_PROMPT, tui_rl_line);
	return 0;
}

void tui_input_close(struct tui *t)
{
	(void)t;
	rl_callback_handler_remove();
	rl_completion_display_matches_hook = NULL;
	rl_attempted_completion_function = NULL;
	rl_redisplay_function = rl_redisplay;
	rl_getc_function = rl_getc;
	rl_input_available_hook = NULL;
	rl_prep_term_function = rl_prep_terminal;
	rl_deprep_term_function = rl_deprep_terminal;
	rl_outstream = NULL;
	if (tui_rl_null)
		fclose(tui_rl_null);
	tui_rl_null = NULL;
	tui_rl = NULL;
}

void tui_input_preset(struct tui *t, const char *text)
{
	t->mode = TM_CMD;
	rl_replace_line(text, 0);
	rl_point = rl_end;
	t->dirty = true;
}

void tui_input_draw(struct tui *t, const struct tui_rect *r)
{
	tui_blank(t, r->y, 0, r->w, TR_NORMAL);
	if (t->mode == TM_KEYS) {
		const char *hint = t->demo.on
			? " Space next step  p pause/auto  s step  n stepf  c cont  : command  ? help  q quit"
			: " s step  n stepf  c cont  x stop  b break  Tab pane  t view  : command  ? help  q quit";
		tui_put(t, r->y, 0, r->w, TR_DIM, hint);
		curs_set(0);
		return;
	}
	if (t->mode == TM_GUEST) {
		tui_put(t, r->y, 0, r->w, TR_KEY,
			t->guest_kbd ? " typing goes to the guest's PS/2 keyboard (Esc leaves)"
				     : " typing goes to the guest's COM1 (Esc leaves)");
		curs_set(0);
		return;
	}
	/* The line, scrolled so the cursor stays in view. */
	int pw = (int)strlen(TUI_PROMPT);
	int room = r->w - pw - 1;
	if (room < 4)
		room = 4;
	int point = rl_point, start = 0;
	if (point > room)
		start = point - room;
	tui_put(t, r->y, 0, pw, TR_KEY, TUI_PROMPT);
	char buf[TUI_LINE_MAX];
	snprintf(buf, sizeof buf, "%s", rl_line_buffer ? rl_line_buffer + (start < rl_end ? start : rl_end) : "");
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	tui_put(t, r->y, pw, room + 1, TR_NORMAL, buf);
	move(r->y, pw + point - start);
	curs_set(1);
}

bool tui_input_empty(void)
{
	return rl_end == 0;
}

void tui_input_clear(struct tui *t)
{
	rl_replace_line("", 0);
	rl_point = 0;
	t->dirty = true;
}

/* A key for readline: the bytes it understands. */
void tui_input_edit(struct tui *t, int key)
{
	static const struct { int key; const char *seq; } seqs[] = {
		{ KEY_UP, "\033[A" }, { KEY_DOWN, "\033[B" }, { KEY_RIGHT, "\033[C" }, { KEY_LEFT, "\033[D" },
		{ KEY_HOME, "\001" }, { KEY_END, "\005" }, { KEY_BACKSPACE, "\177" }, { KEY_ENTER, "\r" },
		{ '\n', "\r" },
	};
	if (key == KEY_DC) {
		rl_delete(1, 0);
		t->dirty = true;
		return;
	}
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
		if (seqs[i].key == key) {
			tui_rl_feed(seqs[i].seq, strlen(seqs[i].seq));
			return;
		}
	if (key >= 0 && key < 256) {
		char c = (char)key;
		tui_rl_feed(&c, 1);
	}
}

