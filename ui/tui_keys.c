/* The keys: one table says what each key does in which mode, the help
 * screen is made from it, and the actions scroll, focus and run the guest.
 *
 * Three modes (the status row names the current one):
 *   KEYS     single keys act (s step, n step a CCF, c continue, b breakpoint,
 *            Tab focus, arrows scroll...); `:` or Enter opens the command line.
 *   COMMAND  GNU Readline edits the line (tui_input.c); Enter runs it with the
 *            same commands as the bt86 prompt; Esc goes back to KEYS.
 *            Function keys, PgUp/PgDn and Ctrl-C keep working there.
 *   GUEST    typing goes to the guest's COM1; Esc goes back to KEYS.
 */
#include "ui/tui.h"
#include "monitor/i8042.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define TUI_CTRL(c) ((c) & 0x1f)   /* the code a control key sends */
#define KEY_ESC 27

/* Which modes a key works in: KM_KEYS only in KEYS mode, KM_ANY in every
 * mode (so F-keys, paging, Esc and Ctrl-C work in the command line too). */
enum { KM_KEYS = 1, KM_EVERY = 2, KM_ANY = KM_KEYS | KM_EVERY };

struct tui_key {
	int key;
	int modes;
	enum tui_action action;
	const char *label;     /* for the help; NULL: an alias of the entry above */
	const char *help;
};

static const struct tui_key tui_keys[] = {
	{ KEY_F(1), KM_ANY, TA_HELP, "F1  ?", "show or hide this help (arrows scroll it)" },
	{ '?', KM_KEYS, TA_HELP, NULL, NULL },
	{ KEY_F(7), KM_ANY, TA_STEP, "F7  s", "step one guest instruction (stepi)" },
	{ 's', KM_KEYS, TA_STEP, NULL, NULL },
	{ KEY_F(8), KM_ANY, TA_STEPF, "F8  n", "step one CCF, a whole translated fragment (stepf)" },
	{ 'n', KM_KEYS, TA_STEPF, NULL, NULL },
	{ KEY_F(5), KM_ANY, TA_CONT, "F5  c", "continue to a breakpoint, a stop or the end" },
	{ 'c', KM_KEYS, TA_CONT, NULL, NULL },
	{ KEY_F(6), KM_ANY, TA_STOP, "F6  x  Ctrl-C", "stop the running guest" },
	{ 'x', KM_KEYS, TA_STOP, NULL, NULL },
	{ TUI_CTRL('c'), KM_ANY, TA_STOP, NULL, NULL },
	{ KEY_F(9), KM_ANY, TA_BREAK, "F9  b", "toggle a breakpoint at the disassembly cursor" },
	{ 'b', KM_KEYS, TA_BREAK, NULL, NULL },
	{ '\t', KM_KEYS, TA_FOCUS_NEXT, "Tab  S-Tab", "focus the next / previous pane" },
	{ KEY_BTAB, KM_ANY, TA_FOCUS_PREV, NULL, NULL },
	{ KEY_F(2), KM_ANY, TA_VIEW_NEXT, "F2  t", "next view in the focused pane (TC, memory, output, CGA)" },
	{ 't', KM_KEYS, TA_VIEW_NEXT, NULL, NULL },
	{ KEY_UP, KM_KEYS, TA_UP, "Up Down  k j", "move the cursor or scroll the focused pane" },
	{ 'k', KM_KEYS, TA_UP, NULL, NULL },
	{ KEY_DOWN, KM_KEYS, TA_DOWN, NULL, NULL },
	{ 'j', KM_KEYS, TA_DOWN, NULL, NULL },
	{ KEY_PPAGE, KM_ANY, TA_PGUP, "PgUp PgDn", "scroll the focused pane by a page" },
	{ KEY_NPAGE, KM_ANY, TA_PGDN, NULL, NULL },
	{ KEY_HOME, KM_KEYS, TA_HOME, "Home  g", "back to EIP, or to the newest lines" },
	{ 'g', KM_KEYS, TA_HOME, NULL, NULL },
	{ '\r', KM_KEYS, TA_ENTER, "Enter", "TC pane: show the CCF; elsewhere: the command line" },
	{ '\n', KM_KEYS, TA_ENTER, NULL, NULL },
	{ KEY_ENTER, KM_KEYS, TA_ENTER, NULL, NULL },
	{ ':', KM_KEYS, TA_CMD, ":", "the command line (help lists the commands; tui help)" },
	{ 'i', KM_KEYS, TA_GUEST, "i", "type to the guest: COM1, or the keyboard from CGA (Esc)" },
	{ 'o', KM_KEYS, TA_SORT, "o", "TC pane: sort by executions, size or address" },
	{ 'm', KM_KEYS, TA_MEMGO, "m", "memory pane: go to an address (tui mem ADDR)" },
	{ ' ', KM_KEYS, TA_DEMO_NEXT, "Space", "classroom mode: the next step now" },
	{ 'p', KM_KEYS, TA_DEMO_AUTO, "p", "classroom mode: pause or resume automatic steps" },
	{ TUI_CTRL('l'), KM_ANY, TA_REDRAW, "Ctrl-L", "redraw the screen" },
	{ KEY_ESC, KM_ANY, TA_ESC, "Esc", "back to KEYS from the command line; hide this help" },
	{ 'q', KM_KEYS, TA_QUIT, "q  F10", "quit (or the command quit)" },
	{ KEY_F(10), KM_ANY, TA_QUIT, NULL, NULL },
};

/* ---- The help text, from the table. */

static const char *const tui_help_tail[] = {
	"",
	"In the command line (: or Enter) F-keys, PgUp/PgDn, Ctrl-C and Esc still act;",
	"Up/Down recall history, Tab completes commands, symbols and event kinds.",
	"",
	"Disassembly glyphs: \x01 breakpoint  \x02 EIP  \x03 a CCF starts here",
	"  \x05 a CCF others are chained into starts here  \x04 inside a CCF",
	"CCF kinds: IDENT copied as is; REENC memory operand re-encoded; REWRITE",
	"  rewritten; CALLOUT calls an emulation function in the monitor; INTC",
	"  emulated inline in the TC; TRAP faults on the host and is emulated;",
	"  NAIVE run as is on purpose; EXIT leaves the CCF.",
	"Event counts: xl translate, ch chain, co callout, tr trap, rt retranslate,",
	"  inv invalidate, irq interrupt, exc exception, vmx VM exit.",
	"Registers: changes since the last stop are highlighted; vIF and IOPL are",
	"  the guest's virtual flags, host what translated code really runs with.",
	"Sensitive pane (t on the events pane): callouts, traps and retranslated",
	"  sites by mnemonic, the busiest first; info sensitive sites names them.",
	"While the guest runs, panes show the last stop; console, events,",
	"  sensitive and memory stay live.",
	"TUI commands: tui mem ADDR|esp  tui show VIEW  tui sort entries|size|addr",
	"  tui ccf ID|eip  tui delay MS  tui auto on|off  tui help",
};

const char *tui_help_line(int i, char *buf, size_t len, enum tui_role *role)
{
	*role = TR_NORMAL;
	if (i == 0) {
		*role = TR_BOLD;
		return "Keys in KEYS mode (the status row shows the mode)";
	}
	int k = 1;
	for (size_t j = 0; j < sizeof tui_keys / sizeof tui_keys[0]; j++) {
		if (!tui_keys[j].label)
			continue;
		if (k++ == i) {
			snprintf(buf, len, "  %-14s %s", tui_keys[j].label, tui_keys[j].help);
			*role = TR_KEY;
			return buf;
		}
	}
	int tail = i - k;
	if (tail >= 0 && (size_t)tail < sizeof tui_help_tail / sizeof tui_help_tail[0])
		return tui_help_tail[tail];
	return NULL;
}

/* ---- Key dispatch. */

static int tui_focus_rows(struct tui *t)
{
	if (t->focus >= t->lay.nslots)
		return 1;
	int h = t->lay.slot[t->focus].r.h - 1;
	return h > 1 ? h : 1;
}

/* Scroll keys for the focused pane. */
static void tui_scroll(struct tui *t, enum tui_action a)
{
	if (t->help) {
		int d = a == TA_UP ? -1 : a == TA_DOWN ? 1 : a == TA_PGUP ? -10 : a == TA_PGDN ? 10 : -1000;
		t->help_top += d;
		if (t->help_top < 0)
			t->help_top = 0;
		return;
	}
	if (t->focus >= t->lay.nslots)
		return;
	enum tui_view v = tui_slot_view(&t->lay.slot[t->focus]);
	int rows = tui_focus_rows(t);
	const struct tui_pane *p = tui_pane(v);
	if (p->key && p->key(t, a, rows))
		return;
	/* Logs count back from the newest line; the CCF and CGA panes down from the top. */
	int step = a == TA_UP || a == TA_DOWN ? 1 : rows > 2 ? rows - 1 : 1;
	int d = (a == TA_UP || a == TA_PGUP) ? -step : step;
	int *sc = v == TV_CCF ? &t->ccf.top : &t->scroll[v];
	if (a == TA_HOME) {
		*sc = 0;
		return;
	}
	*sc += p->scroll_from_top ? d : -d;
	if (*sc < 0)
		*sc = 0;
}

static void tui_focus_move(struct tui *t, int d)
{
	int n = t->lay.nslots;
	if (!n)
		return;
	t->focus = ((t->focus + d) % n + n) % n;
}

static void tui_do(struct tui *t, enum tui_action a)
{
	switch (a) {
	case TA_HELP:
		t->help = !t->help;
		t->help_top = 0;
		break;
	case TA_STEP:
		tui_go(t, RQ_STEP_INSN, 1);
		break;
	case TA_STEPF:
		tui_go(t, RQ_STEP_CCF, 1);
		break;
	case TA_CONT:
		tui_go(t, RQ_CONT, 0);
		break;
	case TA_STOP:
		if (t->mode == TM_CMD && runner_state(t->s->r) != RUNNER_RUNNING) {
			tui_input_clear(t);   /* Ctrl-C on a stopped guest: drop the line */
		} else {
			tui_stop_guest(t);
		}
		break;
	case TA_BREAK:
		tui_toggle_break(t);
		break;
	case TA_FOCUS_NEXT:
		tui_focus_move(t, 1);
		break;
	case TA_FOCUS_PREV:
		tui_focus_move(t, -1);
		break;
	case TA_VIEW_NEXT:
		if (t->focus < t->lay.nslots) {
			struct tui_slot *s = &t->lay.slot[t->focus];
			s->cur = (s->cur + 1) % (s->nviews ? s->nviews : 1);
			s->home = s->cur;
		}
		break;
	case TA_UP:
	case TA_DOWN:
	case TA_PGUP:
	case TA_PGDN:
	case TA_HOME:
		tui_scroll(t, a);
		break;
	case TA_ENTER:
		if (t->focus < t->lay.nslots && tui_slot_view(&t->lay.slot[t->focus]) == TV_TC && !t->help &&
		    tui_tc_key(t, TA_ENTER, tui_focus_rows(t)))
			break;
		t->mode = TM_CMD;
		break;
	case TA_CMD:
		t->mode = TM_CMD;
		break;
	case TA_GUEST: {
		/* From the CGA screen, once the guest has its keyboard on, keys are
		 * scancodes; otherwise characters on COM1. */
		struct i8042 *k = machine_device(t->s->m, "i8042");
		bool cga = t->focus < t->lay.nslots && tui_slot_view(&t->lay.slot[t->focus]) == TV_CGA;
		t->mode = TM_GUEST;
		t->guest_kbd = cga && k && i8042_kbd_enabled(k);
		if (!t->guest_kbd)
			tui_show_view(t, TV_CONSOLE, false);
		break;
	}
	case TA_SORT:
		t->tc.sort = (enum tui_tc_sort)((t->tc.sort + 1) % TCS_COUNT);
		tui_tc_sort(t);
		tui_show_view(t, TV_TC, false);
		break;
	case TA_MEMGO:
		tui_show_view(t, TV_MEM, false);
		tui_input_preset(t, "tui mem ");
		break;
	case TA_DEMO_NEXT:
		if (t->demo.on)
			tui_demo_next(t);
		break;
	case TA_DEMO_AUTO:
		if (t->demo.on)
			tui_demo_toggle_auto(t);
		break;
	case TA_REDRAW:
		clearok(curscr, TRUE);
		break;
	case TA_ESC:
		if (t->mode != TM_KEYS)
			t->mode = TM_KEYS;
		else
			t->help = false;
		break;
	case TA_QUIT:
		t->quit = true;
		break;
	case TA_NONE:
		break;
	}
	t->dirty = true;
}

static enum tui_action tui_key_action(int key, int modebit)
{
	for (size_t j = 0; j < sizeof tui_keys / sizeof tui_keys[0]; j++)
		if (tui_keys[j].key == key && (tui_keys[j].modes & modebit))
			return tui_keys[j].action;
	return TA_NONE;
}

/* A key typed on the guest's PS/2 keyboard: the ASCII keys (ps2kbd.h). */
static void tui_guest_kbd_key(struct tui *t, int key)
{
	struct i8042 *k = machine_device(t->s->m, "i8042");
	char c;
	if (key == KEY_BACKSPACE)
		c = '\b';
	else if (key == KEY_ENTER || key == '\n' || key == '\r')
		c = '\n';
	else if (key > 0 && key < 128)
		c = (char)key;
	else
		return;
	if (k)
		i8042_type(k, &c, 1);
}

static void tui_guest_key(struct tui *t, int key)
{
	uint8_t b;
	if (t->guest_kbd) {
		tui_guest_kbd_key(t, key);
		return;
	}
	if (key == KEY_BACKSPACE)
		b = 0x7f;
	else if (key == KEY_ENTER || key == '\n')
		b = '\r';
	else if (key >= 0 && key < 256)
		b = (uint8_t)key;
	else
		return;
	uart_push_input(&t->s->m->com1, &b, 1);
}

void tui_input_key(struct tui *t, int key)
{
	enum tui_action a = tui_key_action(key, KM_EVERY);
	if (a == TA_NONE && t->mode == TM_KEYS)
		a = tui_key_action(key, KM_KEYS);
	if (a != TA_NONE) {
		tui_do(t, a);
		return;
	}
	if (t->mode == TM_CMD && key == '\t' && tui_input_empty())
		tui_focus_move(t, 1);   /* nothing to complete: Tab moves the focus as in KEYS */
	else if (t->mode == TM_CMD)
		tui_input_edit(t, key);
	else if (t->mode == TM_GUEST)
		tui_guest_key(t, key);
	else if (key < 256 && key >= ' ')
		tui_msg(t, false, "'%c' is not a key here: : opens the command line, ? shows the keys", key);
}
