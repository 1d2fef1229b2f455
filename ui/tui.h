/* The TUI: one ncurses screen to step through translated fragments.
 *
 *   bt86 --tui samples/hello.elf
 *   bt86 --demo samples/hello.elf      # classroom mode: one CCF a step, annotated
 *
 * Panes show the registers (changes since the last stop highlighted, the
 * virtual IF/IOPL beside the host's), guest disassembly around EIP (breakpoints
 * and a translation glyph on each instruction), the current CCF (guest
 * instructions beside their host code, coloured by IDENT / REENC / REWRITE /
 * CALLOUT / INTC / TRAP / EXIT), the translation cache, the event log, the
 * guest's serial console, the CGA text screen, a memory view, command output
 * and, in classroom mode, annotations. The command line at the bottom is GNU
 * Readline with the same commands as the prompt. The guest runs on the
 * runner's vCPU thread while the TUI keeps drawing; stops arrive through a
 * runner listener. `?` shows the keys (tui_input.c holds the key table).
 *
 * How main.c uses it:
 *
 *   struct tui_console *con = tui_console_new();
 *   cfg.console_out = tui_console_out; cfg.console_opaque = con;
 *   machine_init(&m, &cfg, ...); ... runner_start(&r, ...);
 *   session.frontend = con;
 *   int status = tui_run(&session, demo);   // demo: NULL, a sample, or a script
 *   runner_destroy(&r); ... tui_console_free(con);
 *
 * The second half of this header is internal to ui/tui*.c.
 */
#ifndef BT86_UI_TUI_H
#define BT86_UI_TUI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session/session.h"

/* The guest's serial output, kept for the console pane: a thread-safe log of
 * lines that the vCPU thread appends to and the TUI reads. */
struct tui_console;

struct tui_console *tui_console_new(void);
void tui_console_free(struct tui_console *c);
/* uart_out_fn: one byte the guest sent to COM1 (any thread). */
void tui_console_out(void *opaque, uint8_t byte);

/* Run the TUI on a built session whose guest is stopped (at its entry).
 * s->frontend may hold a struct tui_console that COM1 writes to. demo is
 * NULL for the normal TUI; otherwise classroom mode: a script file (see
 * tui_demo_is_script) or anything else for the built-in lesson on the
 * session's guest. Sets s->out/s->err/s->wait_stop while it runs and puts
 * them back. Returns 0 after the user quits, STATUS_USAGE (2) with a line on
 * stderr if the terminal cannot be used. */
int tui_run(struct session *s, const char *demo);

/* Is path a classroom script (a readable text file, not an ELF image)? */
bool tui_demo_is_script(const char *path);

/* ---- Internal to ui/tui*.c --------------------------------------------- */

/* A log of text lines: the guest console, command output, annotations.
 * Newest last; the oldest are dropped past cap. Not locked: tui_console
 * wraps one in a mutex. */
#define TUI_LINE_MAX 512

struct tui_lines {
	char **line;          /* ring of cap lines */
	int cap;
	uint64_t total;       /* lines completed so far; line i is at i % cap */
	char cur[TUI_LINE_MAX];
	int curlen;           /* the line being written (not yet in the ring) */
	int col;              /* cursor column in cur (\r moves it to 0) */
	int esc;              /* in an escape: 1 after ESC, 2 in CSI, 3 before a charset byte */
};

void tui_lines_init(struct tui_lines *l, int cap);
void tui_lines_free(struct tui_lines *l);
/* Append bytes as a terminal would show them: \n ends a line, \r returns to
 * its start, \b backs up, \t goes to the next multiple of 8, other control
 * bytes and ANSI escape sequences are dropped, long lines wrap. */
void tui_lines_put(struct tui_lines *l, const char *text, size_t len);
/* Append a whole line (text without newline). */
void tui_lines_add(struct tui_lines *l, const char *text);
/* Lines available including a non-empty partial one. */
uint64_t tui_lines_count(const struct tui_lines *l);
/* Line i (0 = oldest still kept, see tui_lines_first); "" if out of range. */
const char *tui_lines_get(const struct tui_lines *l, uint64_t i);
uint64_t tui_lines_first(const struct tui_lines *l);

struct tui_console {
	pthread_mutex_t lock;
	struct tui_lines lines;
	uint64_t bytes;       /* bytes the guest wrote (the pane redraws on change) */
};

/* Copy the newest up to max console lines (oldest first) into a caller
 * buffer of max * TUI_LINE_MAX bytes, skipping the newest `back` lines. */
int tui_console_tail(struct tui_console *c, int back, char (*out)[TUI_LINE_MAX], int max, uint64_t *total);

/* What a pane can show. Each slot of the layout cycles through a few views. */
enum tui_view {
	TV_REGS, TV_DISAS, TV_CCF, TV_TC, TV_EVENTS, TV_CONSOLE, TV_OUTPUT,
	TV_CGA, TV_MEM, TV_DEMO, TV_SENS, TV_HELP, TV_COUNT
};
const char *tui_view_name(enum tui_view v);

struct tui;
struct tui_rect;

/* A row of the pane table (ui/tui_panes.c). */
struct tui_pane {
	const char *name;
	void (*draw)(struct tui *t, const struct tui_rect *r, bool focused);
	/* A key action while focused; false: not taken (the default scrolls). */
	bool (*key)(struct tui *t, int action, int rows);
	void (*gather)(struct tui *t);   /* vCPU thread, at each stop */
	bool scroll_from_top;            /* Down moves down from the top; else back from the newest */
};
const struct tui_pane *tui_pane(enum tui_view v);
/* Every pane's gather (vCPU thread). */
void tui_panes_gather(struct tui *t);

struct tui_rect {
	int y, x, h, w;        /* h includes the title row */
};

#define TUI_SLOT_VIEWS 6
#define TUI_MAX_SLOTS 8

struct tui_slot {
	struct tui_rect r;
	enum tui_view views[TUI_SLOT_VIEWS];
	int nviews;
	int cur;               /* the view shown: views[cur] */
	int home;              /* the view it returns to after a temporary switch */
};

enum tui_size { TS_TINY, TS_SMALL, TS_LARGE };

struct tui_layout {
	int cols, rows;
	enum tui_size size;
	struct tui_rect status, msg, cmd;    /* one row each */
	struct tui_slot slot[TUI_MAX_SLOTS];
	int nslots;
};

/* Split a cols x rows screen into slots (tui_layout.c). TS_TINY (below 60x16)
 * has no slots: only the status, message and command rows. */
void tui_layout_compute(struct tui_layout *l, int cols, int rows, bool demo);
/* The slot that can show view (-1 if none); tui_layout_show also selects it. */
int tui_layout_find(const struct tui_layout *l, enum tui_view v);
int tui_layout_show(struct tui_layout *l, enum tui_view v);
enum tui_view tui_slot_view(const struct tui_slot *s);

/* The CCF pane's text (tui_ccf.c), from the records: its title, and exit
 * row k (k == nexits: the forwarding), true if that goes straight to a CCF. */
void tui_ccf_title(const struct engine_ccf *c, char *buf, size_t len);
bool tui_ccf_exit_text(const struct engine_ccf *c, int k, char *buf, size_t len);

/* Classroom annotations (tui_demo.c): what one step did, from the events it
 * logged (their typed fields, never their text) and the records of the
 * fragment that ran (ccf, or NULL). Appends up to max lines of at most
 * TUI_NOTE_LEN to out; returns how many. *explained remembers the CCF kinds
 * already explained at length (bit per enum engine_kind). */
#define TUI_NOTE_LEN 160
int tui_demo_annotate(const struct ev *ev, size_t nev, const struct engine_ccf_view *ccf,
		      uint32_t *explained, char (*out)[TUI_NOTE_LEN], int max);

/* CGA text (tui_cga.c): colour pairs TUI_CGA_PAIR0.. are foreground x background. */
#define TUI_CGA_PAIR0 64
/* The character to show for a CP437 code (ASCII or '.'). */
char tui_cga_char(uint8_t code);
/* The curses colour number (0-7) of a CGA colour index (0-7). */
int tui_cga_color(int cga);

/* ---- The TUI's state, shared by the pane files ------------------------ */

/* Where keys go: the key table (KEYS), readline (CMD) or the guest's COM1. */
enum tui_mode { TM_KEYS, TM_CMD, TM_GUEST };

/* What a piece of text is; tui_draw.c maps roles to colours or, on a
 * monochrome terminal, to bold/reverse/underline/dim. */
enum tui_role {
	TR_NORMAL, TR_DIM, TR_BOLD, TR_TITLE, TR_TITLE_FOCUS, TR_STATUS, TR_STATUS_RUN, TR_STATUS_ERR,
	TR_STATUS_MODE, TR_MSG, TR_ERR, TR_CHANGED, TR_EIP, TR_CURSOR, TR_BREAK, TR_MARK, TR_LABEL,
	TR_KEY,
	TR_K_IDENT, TR_K_REENC, TR_K_REWRITE, TR_K_CALLOUT, TR_K_INTC, TR_K_EXIT, TR_K_TRAP, TR_K_NAIVE,
	TR_COUNT
};
/* The role that colours a CCF kind, and one for each event kind. */
enum tui_role tui_kind_role(enum engine_kind k);
enum tui_role tui_ev_role(int ev_kind);

/* Glyphs, UTF-8 or ASCII (tui_draw.c). */
enum tui_glyph { TG_BREAK, TG_EIP, TG_CCF_START, TG_IN_CCF, TG_CHAINED, TG_ARROW, TG_VLINE, TG_COUNT };

#define TUI_DIS_MAX 160

struct tui_dis_line {
	uint32_t addr;
	uint8_t len;           /* 0: a label line (label holds the symbol) */
	int8_t mark;           /* enum engine_mark, or -1 not read yet */
	char text[200];        /* "mnemonic operands" (Capstone: 32 + 160 at most) */
	char label[64];
};

struct tui_disas {
	uint32_t top;          /* first address shown */
	uint32_t cursor;       /* the instruction F9/b acts on */
	struct tui_dis_line line[TUI_DIS_MAX];
	int n;
	int built_for;         /* rows the list was built for (0: rebuild) */
	bool marks_stale;
};

enum tui_tc_sort { TCS_ENTRIES, TCS_SIZE, TCS_ADDR, TCS_COUNT };

struct tui_tcview {
	struct engine_ccf *c;
	int n, cap;
	enum tui_tc_sort sort;
	int sel, top;          /* selection and first row shown (sorted order) */
};

struct tui_ccfview {
	struct engine_ccf_view v;   /* the CCF shown (v.ninsn 0 and have false: none) */
	bool have;
	bool pinned;           /* showing CCF pin_id chosen in the TC pane */
	uint32_t pin_id;
	char note[96];         /* why this CCF ("holds EIP", "ran last"...) */
	char err[160];
	int top;
};

struct tui_memview {
	uint32_t addr;
	bool follow;           /* follow ESP at each stop */
};

struct tui_demo {
	bool on, script, auto_run, waiting, finished;
	bool single;           /* the step in flight runs one CCF or instruction */
	int delay_ms;
	uint64_t next_ms;
	int step;
	char **lines;          /* the script */
	int nlines, pc;
	uint64_t ev_start;     /* first event seq of the step in flight */
	uint32_t eip_before;
	uint32_t explained;    /* CCF kinds explained at length (bit per engine_kind) */
	struct engine_ccf_view ran;   /* the CCF the step ran (gathered at its stop) */
	bool have_ran;
};

struct tui {
	struct session *s;
	struct tui_console *con;
	bool own_con;
	void (*saved_con_out)(void *, uint8_t);
	void *saved_con_opaque;
	struct tui_lines out;      /* command output */
	struct tui_lines notes;    /* classroom annotations */
	struct out out_sink, err_sink;
	struct out *saved_out, *saved_err;
	void (*saved_wait)(struct session *s);

	struct tui_layout lay;
	int focus;                 /* slot index */
	enum tui_view focus_view;  /* the view focused before the last relayout */
	enum tui_mode mode;
	bool guest_kbd;            /* TM_GUEST types on the PS/2 keyboard (from the CGA pane), not COM1 */
	bool help;                 /* the key help covers the panes */
	int help_top;
	bool color, utf8, quit, dirty;
	int rows, cols;

	/* Run state. */
	bool running;
	uint64_t run_since_ms;
	struct stop_info stop;
	struct vcpu_state st, prev;   /* at the last stop and the one before */
	bool exited;
	uint64_t seen_stops;       /* the runner's stop count when last looked at */
	uint64_t ev_resume_seq;    /* first event seq since the last resume (drawn as new) */
	enum runner_kind last_kind;
	uint32_t last_eip;         /* EIP when the last step or run began */
	int wake_rd, wake_wr;      /* the runner's stop listener writes here */

	char msg[256];             /* the message row */
	bool msg_err;

	struct tui_disas dis;
	size_t csh;                /* Capstone handle of the disassembly pane */
	bool cs_ready;
	struct tui_tcview tc;
	struct tui_ccfview ccf;
	struct tui_memview mem;
	int scroll[TV_COUNT];      /* lines back from the newest (logs) or down (CCF, CGA) */
	struct engine_stat stats[32];
	int nstats;
	bool cga_announced;        /* the guest's first CGA write was shown */
	int cga_cursor;            /* the CGA cursor cell the pane last followed */
	struct ev *evbuf;          /* scratch for the events pane */
	struct tui_demo demo;
};

/* tui.c: run control and the command line. */
uint64_t tui_now_ms(void);
void tui_msg(struct tui *t, bool err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tui_go(struct tui *t, enum runner_kind kind, uint64_t count);
void tui_stop_guest(struct tui *t);
void tui_toggle_break(struct tui *t);
void tui_exec_line(struct tui *t, const char *line);
/* Show a view temporarily (until the next run) or for good. */
void tui_show_view(struct tui *t, enum tui_view v, bool temporary);
/* Re-read the TC, the shown CCF, the disassembly marks and the stats on the
 * vCPU thread (no-op while the guest runs). */
void tui_sync(struct tui *t);
/* Guest linear memory as the debugger reads it (session/guestview.h: RAM
 * and the VGA window, through the page tables); false where unreadable. */
bool tui_read_guest(struct tui *t, uint32_t lin, void *buf, size_t len);

/* tui_term.c: the terminal, restored on every way out. */
int tui_term_open(struct tui *t, char *err, size_t errlen);
void tui_term_close(struct tui *t);
/* SIGTERM/SIGHUP/SIGINT ask the main loop to quit: true once asked. */
bool tui_term_quit_requested(void);

/* tui_draw.c: colours, clipped text, titles, the whole screen. */
void tui_colors_init(struct tui *t);
void tui_put(struct tui *t, int y, int x, int w, enum tui_role r, const char *text);
void tui_putf(struct tui *t, int y, int x, int w, enum tui_role r, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Text columns of s (UTF-8 sequences count one). */
int tui_text_width(const char *s);
void tui_blank(struct tui *t, int y, int x, int w, enum tui_role r);
void tui_title(struct tui *t, const struct tui_rect *r, bool focused, const char *left, const char *right);
const char *tui_glyph(const struct tui *t, enum tui_glyph g);
void tui_draw(struct tui *t);
void tui_relayout(struct tui *t);

/* The panes: each draws its view into r (the title row included) and may
 * take scroll keys when focused (tui_key_* return true when used). */
void tui_regs_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_disas_draw(struct tui *t, const struct tui_rect *r, bool focused);
bool tui_disas_key(struct tui *t, int action, int rows);
void tui_disas_follow(struct tui *t);      /* after a stop: keep EIP in view */
void tui_disas_read_marks(void *arg);      /* runner_call: fill missing marks */
void tui_disas_close(struct tui *t);
void tui_ccf_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_ccf_gather(struct tui *t);        /* vCPU thread: read the CCF to show */
/* vCPU thread: the records of one CCF (by id or by a guest EIP inside it)
 * into *v, which is freed first; 0, or -1 with err (v zeroed). */
int tui_ccf_read(struct tui *t, uint32_t what, bool by_id, struct engine_ccf_view *v, char *err, size_t errlen);
void tui_tc_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_tc_gather(struct tui *t);         /* vCPU thread */
void tui_tc_sort(struct tui *t);
bool tui_tc_key(struct tui *t, int action, int rows);
void tui_events_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_sens_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_console_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_output_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_notes_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_cga_draw(struct tui *t, const struct tui_rect *r, bool focused);
void tui_mem_draw(struct tui *t, const struct tui_rect *r, bool focused);
bool tui_mem_key(struct tui *t, int action, int rows);
bool tui_notes_key(struct tui *t, int action, int rows);
void tui_help_draw(struct tui *t, const struct tui_rect *r);
/* The newest event seq + 1 (where the next event will be). */
uint64_t tui_ev_next_seq(struct tui *t);

/* tui_keys.c: the key table, the help made from it, and key actions. */
enum tui_action {
	TA_NONE, TA_HELP, TA_CONT, TA_STOP, TA_STEP, TA_STEPF, TA_BREAK, TA_FOCUS_NEXT, TA_FOCUS_PREV,
	TA_VIEW_NEXT, TA_UP, TA_DOWN, TA_PGUP, TA_PGDN, TA_HOME, TA_ENTER, TA_CMD, TA_GUEST, TA_SORT,
	TA_MEMGO, TA_QUIT, TA_DEMO_NEXT, TA_DEMO_AUTO, TA_REDRAW, TA_ESC
};
void tui_input_key(struct tui *t, int key);
/* The key help, one line at a time (i from 0; NULL past the end). */
const char *tui_help_line(int i, char *buf, size_t len, enum tui_role *role);

/* tui_input.c: the command line, GNU Readline inside ncurses. */
int tui_input_open(struct tui *t);
void tui_input_close(struct tui *t);
/* A key in COMMAND mode: edits the line; Enter runs it (tui_exec_line). */
void tui_input_edit(struct tui *t, int key);
bool tui_input_empty(void);
void tui_input_clear(struct tui *t);
/* The command row: prompt and line, and where the cursor goes. */
void tui_input_draw(struct tui *t, const struct tui_rect *r);
/* Put text in the command line and switch to it (the `m` key). */
void tui_input_preset(struct tui *t, const char *text);

/* tui_demo.c: classroom mode. */
void tui_demo_start(struct tui *t, const char *demo);
void tui_demo_free(struct tui *t);
void tui_demo_tick(struct tui *t);         /* each loop turn: take an automatic step when due */
void tui_demo_next(struct tui *t);         /* Space: the next step now */
void tui_demo_toggle_auto(struct tui *t);
void tui_demo_stopped(struct tui *t);      /* a stop was handled */
void tui_demo_gather(struct tui *t);       /* vCPU thread: the CCF the step ran */
/* The newest ms until the next automatic step (-1: none due). */
int tui_demo_wait_ms(struct tui *t);

#endif
