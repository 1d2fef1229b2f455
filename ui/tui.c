/* The TUI's main loop and run control (see tui.h for the tour).
 *
 * One thread draws and reads keys; the runner's vCPU thread runs the guest.
 * The loop polls stdin and a wake-up pipe that the runner's stop listener
 * writes to, with a timeout (10 Hz while the guest runs, so its console
 * output, the event log and the running time keep moving; 2 Hz when idle).
 * Commands that start the guest return at once (s->wait_stop is NULL); the
 * stop is noticed through the runner's stop count, and then everything that
 * needs the engine (the TC, the CCF shown, the disassembly marks) is read in
 * one runner_call on the vCPU thread. Nothing touches the engine while the
 * guest runs: panes show the state of the last stop, and the live parts
 * (console, events, CGA, memory) are read from the monitor directly.
 */
#include "ui/tui.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "session/cmd.h"
#include "session/disas.h"
#include "session/guestview.h"

#define TUI_OUT_LINES 2000
#define TUI_NOTE_LINES 1000
#define TUI_TICK_RUNNING_MS 100
#define TUI_TICK_IDLE_MS 500
#define TUI_QUIT_WAIT_MS 2000
#define TUI_STEP_WAIT_MS 250   /* a step pressed while the last one runs waits this long */

uint64_t tui_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void tui_msg(struct tui *t, bool err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_err = err;
	t->dirty = true;
}

/* ---- Output sinks: command output goes to the output pane and its last
 * line to the message row. */

static void tui_sink(struct tui *t, const char *text, size_t len, bool err)
{
	tui_lines_put(&t->out, text, len);
	uint64_t n = tui_lines_count(&t->out);
	const char *last = n ? tui_lines_get(&t->out, n - 1) : "";
	if (*last) {
		snprintf(t->msg, sizeof t->msg, "%s", last);
		t->msg_err = err;
	}
	t->dirty = true;
}

static void tui_out_write(void *ctx, const char *text, size_t len)
{
	tui_sink(ctx, text, len, false);
}

static void tui_err_write(void *ctx, const char *text, size_t len)
{
	tui_sink(ctx, text, len, true);
}

/* ---- Guest memory as the debugger sees it. */

bool tui_read_guest(struct tui *t, uint32_t lin, void *buf, size_t len)
{
	const struct machine *m = t->s->m;
	return gv_read_vga(&m->mem, m->vga, m->maxphyaddr, &t->st, lin, buf, len);
}

/* ---- Reading the engine on the vCPU thread. */

static void tui_sync_fn(void *arg)
{
	struct tui *t = arg;
	struct engine *e = t->s->e;
	tui_panes_gather(t);
	t->nstats = e->ops->stats ? e->ops->stats(e, t->stats, (int)(sizeof t->stats / sizeof t->stats[0])) : 0;
}

void tui_sync(struct tui *t)
{
	if (runner_call(t->s->r, tui_sync_fn, t) == 0)
		tui_tc_sort(t);
	t->dirty = true;
}

/* The runner's stop listener (vCPU thread): wake the main loop, which
 * compares the runner's stop count with the last one it took in. */
static void tui_on_stop(void *ctx, const struct stop_info *st)
{
	struct tui *t = ctx;
	(void)st;
	(void)!write(t->wake_wr, "s", 1);
}

static void tui_restore_views(struct tui *t)
{
	for (int i = 0; i < t->lay.nslots; i++)
		t->lay.slot[i].cur = t->lay.slot[i].home;
}

void tui_show_view(struct tui *t, enum tui_view v, bool temporary)
{
	int i = tui_layout_show(&t->lay, v);
	if (i >= 0 && !temporary)
		t->lay.slot[i].home = t->lay.slot[i].cur;
	t->dirty = true;
}

/* A stop happened (or the TUI just started): take the new state and read
 * what the panes need from the engine. */
static void tui_after_stop(struct tui *t, bool initial)
{
	struct vcpu_state before = t->st;
	runner_snapshot(t->s->r, &t->st, &t->stop);
	t->prev = initial ? t->st : before;
	t->exited = runner_state(t->s->r) == RUNNER_EXITED;
	t->dis.cursor = t->st.eip;
	tui_disas_follow(t);
	t->ccf.top = 0;
	if (t->mem.follow)
		t->mem.addr = t->st.gpr[R_ESP] & ~15u;
	tui_sync(t);
	if (!initial)
		cmd_print_stop(t->s, &t->stop);
	tui_demo_stopped(t);
	t->dirty = true;
}

/* Notice runs started elsewhere (the command line, gdb) and stops. */
static void tui_check_runner(struct tui *t)
{
	enum runner_state rs = runner_state(t->s->r);
	uint64_t stops = runner_stop_count(t->s->r);
	if (rs == RUNNER_RUNNING) {
		if (!t->running) {
			t->running = true;
			t->run_since_ms = tui_now_ms();
		}
		return;
	}
	if (t->running || stops != t->seen_stops) {
		t->running = false;
		t->seen_stops = stops;
		tui_after_stop(t, false);
	}
}

/* ---- Run control for keys and classroom mode. */

static const char *tui_kind_verb(enum runner_kind k)
{
	switch (k) {
	case RQ_STEP_INSN: return "stepping one instruction";
	case RQ_STEP_CCF: return "stepping one CCF";
	case RQ_UNTIL_ADDR: return "running to an address";
	case RQ_UNTIL_EVENT: return "running to an event";
	case RQ_CONT:
	default: return "continuing";
	}
}

static void tui_began(struct tui *t)
{
	t->running = true;
	t->run_since_ms = tui_now_ms();
	tui_restore_views(t);
	t->dirty = true;
}

void tui_go(struct tui *t, enum runner_kind kind, uint64_t count)
{
	if (kind != RQ_CONT && runner_state(t->s->r) == RUNNER_RUNNING) {
		/* A step typed while the last one finishes (key repeat): steps
		 * take microseconds, so wait for that stop instead of refusing. */
		runner_wait_for(t->s->r, TUI_STEP_WAIT_MS, NULL);
	}
	tui_check_runner(t);   /* a stop not yet taken in: this run starts from it */
	if (t->exited || runner_state(t->s->r) == RUNNER_EXITED) {
		tui_msg(t, true, "the guest is not running any more (%s)", t->stop.msg);
		return;
	}
	struct runner_req q = { .kind = kind, .count = count };
	uint64_t seq = tui_ev_next_seq(t);
	if (runner_resume(t->s->r, &q) < 0) {
		tui_msg(t, true, "the guest is already running (x, F6 or Ctrl-C stops it)");
		return;
	}
	t->last_eip = t->st.eip;
	t->last_kind = kind;
	t->ev_resume_seq = seq;
	tui_msg(t, false, "%s from 0x%08x", tui_kind_verb(kind), t->last_eip);
	tui_began(t);
}

void tui_stop_guest(struct tui *t)
{
	if (runner_state(t->s->r) != RUNNER_RUNNING) {
		tui_msg(t, false, "the guest is not running");
		return;
	}
	runner_stop(t->s->r);
	tui_msg(t, false, "stopping the guest...");
}

struct tui_bp_call {
	struct tui *t;
	uint32_t addr;
	int id;
	bool added;
};

static void tui_toggle_break_fn(void *arg)
{
	struct tui_bp_call *c = arg;
	struct session *s = c->t->s;
	struct debugstate *d = &s->m->debug;
	int id = dbg_break_at(d, c->addr);
	if (id > 0) {
		dbg_delete(d, id);
		c->id = id;
		c->added = false;
	} else {
		c->id = dbg_break_add(d, c->addr, false, false);
		c->added = true;
	}
	if (s->e->ops->debug_sync)
		s->e->ops->debug_sync(s->e);
}

void tui_toggle_break(struct tui *t)
{
	struct tui_bp_call c = { .t = t, .addr = t->dis.cursor };
	char sym[96];
	if (runner_call(t->s->r, tui_toggle_break_fn, &c) < 0) {
		tui_msg(t, true, "stop the guest first: breakpoints change only while it is stopped");
		return;
	}
	sym_format(&t->s->syms, c.addr, sym, sizeof sym);
	if (c.added && c.id < 0)
		tui_msg(t, true, "cannot set a breakpoint at 0x%08x (the table is full)", c.addr);
	else
		tui_msg(t, false, "%s breakpoint %d at 0x%08x%s%s%s", c.added ? "set" : "deleted", c.id, c.addr,
			sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
	t->dis.marks_stale = true;
	tui_sync(t);
}

/* ---- The TUI's own commands: `tui WHAT ...`. */

static void tui_cmd_usage(struct tui *t)
{
	static const char *const lines[] = {
		"tui mem ADDR|esp     show memory at ADDR (an address expression) or follow ESP",
		"tui show VIEW        show a view: regs disas ccf tc events console output cga mem notes sensitive",
		"tui sort KEY         sort the TC pane by entries, size or addr",
		"tui ccf ID|eip       show CCF ID in the CCF pane, or the one holding EIP again",
		"tui delay MS         classroom mode: the time between automatic steps",
		"tui auto on|off      classroom mode: automatic steps",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		out_printf(t->s->out, "%s\n", lines[i]);
}

static void tui_cmd(struct tui *t, char *args)
{
	char *argv[4];
	int argc = 0;
	for (char *p = strtok(args, " \t"); p && argc < 4; p = strtok(NULL, " \t"))
		argv[argc++] = p;
	if (argc == 0 || strcmp(argv[0], "help") == 0) {
		tui_cmd_usage(t);
		tui_show_view(t, TV_OUTPUT, true);
		return;
	}
	if (strcmp(argv[0], "mem") == 0 && argc == 2) {
		char err[160];
		uint32_t a;
		if (strcmp(argv[1], "esp") == 0) {
			t->mem.follow = true;
			t->mem.addr = t->st.gpr[R_ESP] & ~15u;
		} else if (cmd_parse_addr(t->s, argv[1], &a, err, sizeof err) < 0) {
			tui_msg(t, true, "tui mem: %s", err);
			return;
		} else {
			t->mem.follow = false;
			t->mem.addr = a;
		}
		tui_show_view(t, TV_MEM, false);
		tui_msg(t, false, "memory at 0x%08x%s", t->mem.addr, t->mem.follow ? " (follows ESP)" : "");
		return;
	}
	if (strcmp(argv[0], "show") == 0 && argc == 2) {
		for (int v = 0; v < TV_COUNT; v++)
			if (strcmp(argv[1], tui_view_name((enum tui_view)v)) == 0) {
				if (tui_layout_find(&t->lay, (enum tui_view)v) < 0) {
					tui_msg(t, true, "tui show: no room for %s at this terminal size", argv[1]);
					return;
				}
				tui_show_view(t, (enum tui_view)v, false);
				t->focus = tui_layout_find(&t->lay, (enum tui_view)v);
				return;
			}
		tui_msg(t, true, "tui show: unknown view '%s'", argv[1]);
		return;
	}
	if (strcmp(argv[0], "sort") == 0 && argc == 2) {
		static const char *const keys[TCS_COUNT] = { "entries", "size", "addr" };
		for (int k = 0; k < TCS_COUNT; k++)
			if (strcmp(argv[1], keys[k]) == 0) {
				t->tc.sort = (enum tui_tc_sort)k;
				tui_tc_sort(t);
				tui_show_view(t, TV_TC, false);
				return;
			}
		tui_msg(t, true, "tui sort: entries, size or addr");
		return;
	}
	if (strcmp(argv[0], "ccf") == 0 && argc == 2) {
		uint64_t id;
		if (strcmp(argv[1], "eip") == 0) {
			t->ccf.pinned = false;
		} else if (cmd_parse_num(argv[1], 1, 0xffffffffu, &id) == 0) {
			t->ccf.pinned = true;
			t->ccf.pin_id = (uint32_t)id;
		} else {
			tui_msg(t, true, "tui ccf: a CCF id or eip");
			return;
		}
		t->ccf.top = 0;
		tui_sync(t);
		tui_show_view(t, TV_CCF, false);
		return;
	}
	if (strcmp(argv[0], "delay") == 0 && argc == 2) {
		uint64_t ms;
		if (cmd_parse_num(argv[1], 50, 600000, &ms) < 0) {
			tui_msg(t, true, "tui delay: milliseconds, 50 to 600000");
			return;
		}
		t->demo.delay_ms = (int)ms;
		tui_msg(t, false, "automatic steps every %d ms", t->demo.delay_ms);
		return;
	}
	if (strcmp(argv[0], "auto") == 0 && argc == 2) {
		bool on = strcmp(argv[1], "on") == 0;
		if (on != t->demo.auto_run)
			tui_demo_toggle_auto(t);
		return;
	}
	tui_msg(t, true, "tui: unknown subcommand (try tui help)");
}

void tui_exec_line(struct tui *t, const char *line)
{
	char buf[1024];
	while (isspace((unsigned char)*line))
		line++;
	snprintf(buf, sizeof buf, "%s", line);
	size_t n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = 0;
	if (!n)
		return;
	tui_lines_add(&t->out, "");
	char echo[1100];
	snprintf(echo, sizeof echo, "(bt86) %s", buf);
	tui_lines_add(&t->out, echo);
	if (strcmp(buf, "quit") == 0 || strcmp(buf, "q") == 0 || strcmp(buf, "exit") == 0) {
		t->quit = true;
		return;
	}
	if (strncmp(buf, "tui", 3) == 0 && (buf[3] == 0 || isspace((unsigned char)buf[3]))) {
		tui_cmd(t, buf + 3);
		return;
	}
	tui_check_runner(t);   /* commands see the latest stop */
	uint64_t before = tui_lines_count(&t->out);
	uint64_t stops = runner_stop_count(t->s->r), seq = tui_ev_next_seq(t);
	uint32_t eip = t->st.eip;
	t->msg[0] = 0;
	cmd_exec(t->s, buf);
	if (t->s->quit)
		t->quit = true;
	if (tui_lines_count(&t->out) - before >= 2)
		tui_show_view(t, TV_OUTPUT, true);
	/* Started the guest: it runs, or it has already stopped again. */
	if (runner_state(t->s->r) == RUNNER_RUNNING || runner_stop_count(t->s->r) != stops) {
		const struct cmd *c = cmd_find(strtok(buf, " \t/"), NULL);
		t->last_kind = c && strcmp(c->name, "stepi") == 0 ? RQ_STEP_INSN
			       : c && strcmp(c->name, "stepf") == 0 ? RQ_STEP_CCF : RQ_CONT;
		t->last_eip = eip;
		t->ev_resume_seq = seq;
		tui_began(t);
	} else {
		/* No run: the command may have changed state, breakpoints or the TC. */
		runner_snapshot(t->s->r, &t->st, NULL);
		t->dis.built_for = 0;
		t->dis.marks_stale = true;
		tui_sync(t);
	}
	t->dirty = true;
}

/* ---- Setup, the loop, and leaving. */

static void tui_free(struct tui *t)
{
	tui_demo_free(t);
	tui_disas_close(t);
	tui_lines_free(&t->out);
	tui_lines_free(&t->notes);
	free(t->tc.c);
	engine_ccf_view_free(&t->ccf.v);
	free(t->evbuf);
	if (t->own_con)
		tui_console_free(t->con);
	if (t->wake_rd >= 0)
		close(t->wake_rd);
	if (t->wake_wr >= 0)
		close(t->wake_wr);
	free(t);
}

static void tui_noop(void *arg)
{
	(void)arg;
}

/* The first time the guest draws at 0xB8000, show the CGA screen (unless
 * that would hide a console the guest writes to). */
static void tui_watch_cga(struct tui *t)
{
	const struct vgamem *v = t->s->m->vga;
	if (!v || !v->writes || t->cga_announced)
		return;
	t->cga_announced = true;
	int slot = tui_layout_find(&t->lay, TV_CGA), con = tui_layout_find(&t->lay, TV_CONSOLE);
	pthread_mutex_lock(&t->con->lock);
	bool console_used = t->con->bytes > 0;
	pthread_mutex_unlock(&t->con->lock);
	if (slot >= 0 && (slot != con || !console_used))
		tui_show_view(t, TV_CGA, false);
	else
		tui_msg(t, false, "the guest draws on the CGA text screen: F2 or t in the console pane shows it");
}

static void tui_loop(struct tui *t)
{
	while (!t->quit && !tui_term_quit_requested()) {
		int timeout = t->running ? TUI_TICK_RUNNING_MS : TUI_TICK_IDLE_MS;
		int dw = tui_demo_wait_ms(t);
		if (dw >= 0 && dw < timeout)
			timeout = dw;
		struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 }, { t->wake_rd, POLLIN, 0 } };
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			char drain[64];
			while (read(t->wake_rd, drain, sizeof drain) > 0)
				;
		}
		tui_check_runner(t);
		int ch;
		while (!t->quit && (ch = getch()) != ERR) {
			if (ch == KEY_RESIZE)
				tui_relayout(t);
			else
				tui_input_key(t, ch);
		}
		if (t->quit)
			break;
		tui_check_runner(t);
		tui_demo_tick(t);
		tui_watch_cga(t);
		tui_draw(t);
		t->dirty = false;
	}
}

int tui_run(struct session *s, const char *demo)
{
	char err[256];
	int fds[2];

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "bt86: the TUI needs a terminal on stdin and stdout\n");
		return STATUS_USAGE;
	}
	struct tui *t = calloc(1, sizeof *t);
	if (!t || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "bt86: cannot start the TUI: %s\n", strerror(errno));
		free(t);
		return STATUS_USAGE;
	}
	t->s = s;
	t->wake_rd = fds[0];
	t->wake_wr = fds[1];
	tui_lines_init(&t->out, TUI_OUT_LINES);
	tui_lines_init(&t->notes, TUI_NOTE_LINES);
	t->evbuf = calloc(MACHINE_EVLOG_CAP, sizeof *t->evbuf);
	t->mem.follow = true;
	if (s->frontend) {
		t->con = s->frontend;
	} else {
		t->con = tui_console_new();
		t->own_con = true;
	}
	if (!t->evbuf || !t->con || !t->out.cap || !t->notes.cap) {
		fprintf(stderr, "bt86: cannot start the TUI: out of memory\n");
		tui_free(t);
		return STATUS_USAGE;
	}
	/* COM1 writes to the console pane while the TUI runs (the guest is
	 * stopped, so the vCPU thread is not sending). */
	t->saved_con_out = s->m->com1.out;
	t->saved_con_opaque = s->m->com1.out_opaque;
	s->m->com1.out = tui_console_out;
	s->m->com1.out_opaque = t->con;
	t->saved_out = s->out;
	t->saved_err = s->err;
	t->saved_wait = s->wait_stop;
	t->out_sink = (struct out){ tui_out_write, t };
	t->err_sink = (struct out){ tui_err_write, t };
	s->out = &t->out_sink;
	s->err = &t->err_sink;
	s->wait_stop = NULL;

	int status = 0;
	if (tui_term_open(t, err, sizeof err) < 0) {
		fprintf(stderr, "bt86: %s\n", err);
		status = STATUS_USAGE;
		goto restore;
	}
	tui_colors_init(t);
	t->demo.on = demo != NULL;
	t->focus_view = TV_DISAS;
	tui_relayout(t);
	tui_input_open(t);
	runner_listen(s->r, tui_on_stop, t);
	t->seen_stops = runner_stop_count(s->r);
	t->running = runner_state(s->r) == RUNNER_RUNNING;
	t->run_since_ms = tui_now_ms();
	tui_after_stop(t, true);
	if (demo)
		tui_demo_start(t, demo);
	else
		tui_msg(t, false, "s steps, n steps a CCF, c continues, : commands, ? keys, q quits");
	tui_draw(t);
	tui_loop(t);

	/* Leave the guest stopped, and make sure no listener call is still in
	 * flight before t goes (a runner_call runs only after listeners return). */
	if (runner_state(s->r) == RUNNER_RUNNING) {
		runner_stop(s->r);
		runner_wait_for(s->r, TUI_QUIT_WAIT_MS, NULL);
	}
	runner_unlisten(s->r, tui_on_stop, t);
	bool quiet = runner_call(s->r, tui_noop, NULL) == 0 || runner_state(s->r) == RUNNER_EXITED;
	tui_input_close(t);
	tui_term_close(t);
	if (!quiet) {
		/* The vCPU thread may still call the listener: keep t (a small leak). */
		s->m->com1.out = t->saved_con_out;
		s->m->com1.out_opaque = t->saved_con_opaque;
		s->out = t->saved_out;
		s->err = t->saved_err;
		s->wait_stop = t->saved_wait;
		return status;
	}
restore:
	s->m->com1.out = t->saved_con_out;
	s->m->com1.out_opaque = t->saved_con_opaque;
	s->out = t->saved_out;
	s->err = t->saved_err;
	s->wait_stop = t->saved_wait;
	tui_free(t);
	return status;
}
