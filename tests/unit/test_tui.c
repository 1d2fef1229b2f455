/* Unit tests for the TUI's helpers that need no terminal: the layout at
 * 80x24, in-between, 120x40 and huge sizes (slots inside the screen, never
 * overlapping, the panes the issue asks for visible at once, tiny screens
 * with no slots), line logs (\r\n, \r overwrite, \b, tabs, ANSI escapes,
 * wrapping, the ring dropping the oldest), the console ring's tail and
 * concurrent writers, the CCF pane from records, classroom annotations from
 * typed event fields (reworded descs) and CCF kinds (each kind explained once), CGA characters and
 * colours, the guest page walk (4 KiB and 4 MiB pages, absent entries),
 * script detection, and the key help fitting an 80-column screen. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/tui.h"

/* ---- Layout. */

static bool tui_test_overlap(const struct tui_rect *a, const struct tui_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static void tui_test_check_layout(int cols, int rows, bool demo)
{
	struct tui_layout l;
	tui_layout_compute(&l, cols, rows, demo);
	ck_assert_int_eq(l.status.y, 0);
	ck_assert_int_eq(l.cmd.y, rows - 1);
	ck_assert_int_eq(l.msg.y, rows - 2);
	for (int i = 0; i < l.nslots; i++) {
		const struct tui_rect *r = &l.slot[i].r;
		ck_assert_int_ge(r->y, 1);
		ck_assert_int_le(r->y + r->h, rows - 2);
		ck_assert_int_ge(r->x, 0);
		ck_assert_int_le(r->x + r->w, cols);
		ck_assert_int_ge(r->h, 2);
		ck_assert_int_ge(r->w, 8);
		ck_assert_int_ge(l.slot[i].nviews, 1);
		for (int j = 0; j < i; j++)
			ck_assert_msg(!tui_test_overlap(r, &l.slot[j].r), "%dx%d: slots %d and %d overlap", cols, rows, j, i);
	}
	/* Every view but help has a place, and each only one. */
	for (int v = 0; v < TV_COUNT; v++) {
		if (v == TV_HELP || (v == TV_DEMO && !demo))
			continue;
		int where = 0;
		for (int i = 0; i < l.nslots; i++)
			for (int k = 0; k < l.slot[i].nviews; k++)
				where += l.slot[i].views[k] == (enum tui_view)v;
		ck_assert_msg(where == 1, "%dx%d: view %s is in %d slots", cols, rows, tui_view_name((enum tui_view)v), where);
	}
}

static bool tui_test_visible(const struct tui_layout *l, enum tui_view v)
{
	for (int i = 0; i < l->nslots; i++)
		if (tui_slot_view(&l->slot[i]) == v)
			return true;
	return false;
}

START_TEST(layout_sizes)
{
	static const int sizes[][2] = { { 60, 16 }, { 80, 24 }, { 80, 25 }, { 100, 30 }, { 119, 40 }, { 120, 35 },
					{ 120, 36 }, { 120, 40 }, { 160, 50 }, { 250, 80 } };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		tui_test_check_layout(sizes[i][0], sizes[i][1], false);
		tui_test_check_layout(sizes[i][0], sizes[i][1], true);
	}
}
END_TEST

START_TEST(layout_80x24)
{
	struct tui_layout l;
	tui_layout_compute(&l, 80, 24, false);
	ck_assert_int_eq(l.size, TS_SMALL);
	/* Registers, disassembly, the CCF, events and the console at once. */
	static const enum tui_view need[] = { TV_REGS, TV_DISAS, TV_CCF, TV_EVENTS, TV_CONSOLE };
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		ck_assert_msg(tui_test_visible(&l, need[i]), "80x24 does not show %s", tui_view_name(need[i]));
	/* The registers pane has its 8 lines and the disassembly as many. */
	int regs = tui_layout_find(&l, TV_REGS), dis = tui_layout_find(&l, TV_DISAS);
	ck_assert_int_ge(l.slot[regs].r.h - 1, 8);
	ck_assert_int_ge(l.slot[dis].r.h - 1, 8);
	/* TC, memory, CGA and output are a cycle away: showing one switches its slot. */
	int s = tui_layout_show(&l, TV_TC);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(tui_slot_view(&l.slot[s]), TV_TC);
	ck_assert_int_ge(tui_layout_show(&l, TV_MEM), 0);
	ck_assert_int_ge(tui_layout_show(&l, TV_CGA), 0);
	ck_assert_int_ge(tui_layout_show(&l, TV_OUTPUT), 0);
	ck_assert_int_eq(tui_layout_show(&l, TV_HELP), -1);
	/* The sensitive-instructions pane cycles with the events pane. */
	ck_assert_int_eq(tui_layout_find(&l, TV_SENS), tui_layout_find(&l, TV_EVENTS));
}
END_TEST

START_TEST(layout_large)
{
	struct tui_layout l;
	tui_layout_compute(&l, 120, 40, false);
	ck_assert_int_eq(l.size, TS_LARGE);
	static const enum tui_view need[] = { TV_REGS, TV_DISAS, TV_TC, TV_CCF, TV_EVENTS, TV_CONSOLE, TV_OUTPUT };
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		ck_assert_msg(tui_test_visible(&l, need[i]), "120x40 does not show %s", tui_view_name(need[i]));
	ck_assert_int_gt(l.nslots, 5);
	/* Classroom mode: the annotations get a slot of their own, events stay. */
	tui_layout_compute(&l, 120, 40, true);
	ck_assert(tui_test_visible(&l, TV_DEMO));
	ck_assert(tui_test_visible(&l, TV_EVENTS));
	ck_assert_int_eq(tui_layout_find(&l, TV_SENS), tui_layout_find(&l, TV_EVENTS));
	/* Bigger screens give the panes more room. */
	struct tui_layout big;
	tui_layout_compute(&big, 200, 60, false);
	int c1 = tui_layout_find(&l, TV_CCF), c2 = tui_layout_find(&big, TV_CCF);
	ck_assert_int_gt(big.slot[c2].r.h * big.slot[c2].r.w, l.slot[c1].r.h * l.slot[c1].r.w);
}
END_TEST

START_TEST(layout_tiny)
{
	struct tui_layout l;
	tui_layout_compute(&l, 59, 24, false);
	ck_assert_int_eq(l.size, TS_TINY);
	ck_assert_int_eq(l.nslots, 0);
	tui_layout_compute(&l, 80, 15, true);
	ck_assert_int_eq(l.nslots, 0);
	tui_layout_compute(&l, 0, 0, false);   /* never negative rows */
	ck_assert_int_ge(l.cmd.y, 0);
	ck_assert_int_ge(l.msg.y, 0);
}
END_TEST

/* ---- Line logs. */

static void put(struct tui_lines *l, const char *s)
{
	tui_lines_put(l, s, strlen(s));
}

/* The pane table: every view a layout can show has a row with a unique name
 * and a draw function, and every view the layouts place is in the table. */
START_TEST(pane_table)
{
	for (int v = 0; v < TV_COUNT; v++) {
		const struct tui_pane *p = tui_pane((enum tui_view)v);
		ck_assert_str_ne(p->name, "?");
		ck_assert_str_eq(tui_view_name((enum tui_view)v), p->name);
		ck_assert_msg(p->draw || v == TV_HELP, "pane %s draws nothing", p->name);
		for (int w = 0; w < v; w++)
			ck_assert_str_ne(tui_pane((enum tui_view)w)->name, p->name);
	}
	ck_assert_str_eq(tui_view_name(TV_COUNT), "?");
	ck_assert_ptr_null(tui_pane(TV_COUNT)->draw);
	static const int sizes[][2] = { { 80, 24 }, { 160, 48 } };
	for (int i = 0; i < 2; i++)
		for (int demo = 0; demo < 2; demo++) {
			struct tui_layout l;
			tui_layout_compute(&l, sizes[i][0], sizes[i][1], demo);
			for (int k = 0; k < l.nslots; k++)
				for (int j = 0; j < l.slot[k].nviews; j++)
					ck_assert_ptr_nonnull(tui_pane(l.slot[k].views[j])->draw);
		}
}
END_TEST

START_TEST(lines_terminal_like)
{
	struct tui_lines l;
	tui_lines_init(&l, 16);
	put(&l, "hello\r\nworld\n");
	ck_assert_uint_eq(tui_lines_count(&l), 2);
	ck_assert_str_eq(tui_lines_get(&l, 0), "hello");
	ck_assert_str_eq(tui_lines_get(&l, 1), "world");
	put(&l, "12345\rab\n");             /* \r returns, the rest stays */
	ck_assert_str_eq(tui_lines_get(&l, 2), "ab345");
	put(&l, "abc\b\bX\n");               /* backspace moves back */
	ck_assert_str_eq(tui_lines_get(&l, 3), "aXc");
	put(&l, "a\tb\n");                   /* tab stops every 8 */
	ck_assert_str_eq(tui_lines_get(&l, 4), "a       b");
	put(&l, "\033[1;31mred\033[0m \033(Bok\x07\n");   /* escapes and BEL dropped */
	ck_assert_str_eq(tui_lines_get(&l, 5), "red ok");
	put(&l, "caf\xc3\xa9\n");            /* non-ASCII shown as '?' */
	ck_assert_str_eq(tui_lines_get(&l, 6), "caf??");
	put(&l, "partial");
	ck_assert_uint_eq(tui_lines_count(&l), 8);
	ck_assert_str_eq(tui_lines_get(&l, 7), "partial");
	ck_assert_str_eq(tui_lines_get(&l, 99), "");
	tui_lines_free(&l);
}
END_TEST

START_TEST(lines_wrap_and_ring)
{
	struct tui_lines l;
	tui_lines_init(&l, 3);
	char longline[TUI_LINE_MAX * 2];
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = 0;
	put(&l, longline);
	ck_assert_uint_eq(l.total, 2);   /* wrapped twice at TUI_LINE_MAX - 1, one x left over */
	ck_assert_int_eq((int)strlen(tui_lines_get(&l, 0)), TUI_LINE_MAX - 1);
	ck_assert_str_eq(tui_lines_get(&l, 2), "x");
	tui_lines_add(&l, "");   /* ends that line */
	for (int i = 0; i < 10; i++) {
		char b[32];
		snprintf(b, sizeof b, "line %d", i);
		tui_lines_add(&l, b);
	}
	ck_assert_uint_eq(tui_lines_count(&l), 13);
	ck_assert_uint_eq(tui_lines_first(&l), 10);   /* only the newest 3 kept */
	ck_assert_str_eq(tui_lines_get(&l, 9), "");
	ck_assert_str_eq(tui_lines_get(&l, 10), "line 7");
	ck_assert_str_eq(tui_lines_get(&l, 12), "line 9");
	tui_lines_free(&l);
}
END_TEST

static void *tui_test_writer(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		const char *s = "abc\n";
		for (const char *p = s; *p; p++)
			tui_console_out(arg, (uint8_t)*p);
	}
	return NULL;
}

START_TEST(console_tail_and_threads)
{
	struct tui_console *c = tui_console_new();
	ck_assert_ptr_nonnull(c);
	const char *text = "one\ntwo\nthree\nfour";
	for (const char *p = text; *p; p++)
		tui_console_out(c, (uint8_t)*p);
	char buf[8][TUI_LINE_MAX];
	uint64_t total;
	int n = tui_console_tail(c, 0, buf, 2, &total);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(total, 4);
	ck_assert_str_eq(buf[0], "three");
	ck_assert_str_eq(buf[1], "four");   /* the partial line shows */
	n = tui_console_tail(c, 2, buf, 8, NULL);   /* two lines back */
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(buf[1], "two");
	n = tui_console_tail(c, 100, buf, 8, NULL);
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(c->bytes, strlen(text));
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, tui_test_writer, c);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(c->bytes, strlen(text) + 4 * 4000);
	/* Writers interleave whole bytes, so a line may be empty (two newlines
	 * back to back) but holds nothing except a, b and c, and no byte is lost. */
	n = tui_console_tail(c, 0, buf, 8, NULL);
	ck_assert_int_eq(n, 8);
	for (int i = 0; i < n; i++)
		ck_assert_uint_eq(strspn(buf[i], "abc"), strlen(buf[i]));
	tui_console_free(c);
}
END_TEST

/* ---- The CCF pane and classroom annotations, from records and typed
 * event fields. Every desc below is unrelated to what the event says (or
 * empty): the TUI must not read the engine's wording. */

static const char *const tui_test_reworded[] = { "", "lorem ipsum 99 0x1234-0x5678 -> 77 bytes", "CCF 1 exit 2 -> CCF 3" };

static struct ev tui_test_ev(enum ev_kind kind, int32_t ccf, int variant)
{
	struct ev e;
	memset(&e, 0, sizeof e);
	e.kind = kind;
	e.ccf = ccf;
	e.eip = 0x101000;
	snprintf(e.desc, sizeof e.desc, "%s", tui_test_reworded[variant % 3]);
	return e;
}

static struct ev tui_test_translate(int32_t ccf, uint16_t ninsn, uint32_t end, uint32_t bytes, int variant)
{
	struct ev e = tui_test_ev(EV_TRANSLATE, ccf, variant);
	e.d.translate.ninsn = ninsn;
	e.d.translate.end = end;
	e.d.translate.host_bytes = bytes;
	return e;
}

static struct ev tui_test_chain(uint32_t from, uint32_t to, int variant)
{
	struct ev e = tui_test_ev(EV_CHAIN, (int32_t)from, variant);
	e.d.chain.from = from;
	e.d.chain.to = to;
	return e;
}

static struct ev tui_test_sens(enum ev_kind kind, int32_t ccf, const char *insn, int cls, int variant)
{
	struct ev e = tui_test_ev(kind, ccf, variant);
	e.d.sens.cls = (int8_t)cls;
	snprintf(e.d.sens.insn, sizeof e.d.sens.insn, "%s", insn);
	return e;
}

static bool tui_test_has(char (*notes)[TUI_NOTE_LEN], int n, const char *needle)
{
	for (int i = 0; i < n; i++)
		if (strstr(notes[i], needle))
			return true;
	return false;
}

START_TEST(annotate_events)
{
	char notes[8][TUI_NOTE_LEN];
	uint32_t explained = 0;
	struct ev ev[] = {
		tui_test_translate(12, 5, 0x101010, 84, 0),
		tui_test_chain(11, 12, 1),
		tui_test_sens(EV_CALLOUT, 12, "in al, dx", SC_IO, 2),
		tui_test_sens(EV_CALLOUT, 12, "in al, dx", SC_IO, 0),   /* a repeat: said once */
		tui_test_sens(EV_TRAP, 12, "cli", SC_IF, 1),
		tui_test_ev(EV_STOP, -1, 2),
	};
	ev[2].nchanges = ev[3].nchanges = 1;
	ev[2].changes[0] = ev[3].changes[0] = (struct vcpu_change){ .field = VF_GPR0 + R_EAX, .before = 0, .after = 0x60 };
	int n = tui_demo_annotate(ev, sizeof ev / sizeof ev[0], NULL, &explained, notes, 8);
	ck_assert_int_eq(n, 4);
	ck_assert(tui_test_has(notes, n, "translated a TU of 5 instructions (0x00101000-0x00101010) into CCF 12: 84 bytes"));
	ck_assert(tui_test_has(notes, n, "chained CCF 11 -> CCF 12"));
	ck_assert(tui_test_has(notes, n, "'in al, dx' is port I/O: a callout"));
	ck_assert(tui_test_has(notes, n, "eax 0x0->0x60"));
	ck_assert(tui_test_has(notes, n, "'cli' ran IDENT and faulted on the host"));
	ck_assert(!tui_test_has(notes, n, "lorem"));

	struct ev other[] = {
		tui_test_sens(EV_CALLOUT, 3, "cpuid", SC_CPUID, 1),
		tui_test_ev(EV_RETRANSLATE, 4, 2),
		tui_test_translate(5, 1, 0x101001, 20, 0),
		tui_test_ev(EV_INTERRUPT, -1, 1),
		tui_test_ev(EV_EXCEPTION, -1, 0),
	};
	other[1].d.retranslate.treatment = TREAT_INTC;
	other[1].d.retranslate.count = 8;
	other[1].d.retranslate.old_ccf = 3;
	snprintf(other[1].d.retranslate.insn, sizeof other[1].d.retranslate.insn, "cli");
	other[2].d.translate.once = true;
	other[3].d.interrupt.vector = 0x20;
	other[4].d.exception.vector = 13;
	other[4].d.exception.has_error = true;
	other[4].d.exception.error = 0x10;
	n = tui_demo_annotate(other, 5, NULL, &explained, notes, 8);
	ck_assert_int_eq(n, 5);
	ck_assert(tui_test_has(notes, n, "'cpuid' became a callout: the monitor's emulation function ran it (no change)"));
	ck_assert(tui_test_has(notes, n, "adaptive: 'cli' trapped 8 times: retranslated as intc in CCF 4; CCF 3 forwards to it"));
	ck_assert(tui_test_has(notes, n, "a TU of 1 instruction (0x00101000-0x00101001) into CCF 5: 20 bytes of host code, run once"));
	ck_assert(tui_test_has(notes, n, "external interrupt, vector 0x20"));
	ck_assert(tui_test_has(notes, n, "#GP(0x10)"));

	/* Nothing logged. */
	n = tui_demo_annotate(NULL, 0, NULL, &explained, notes, 8);
	ck_assert_int_eq(n, 1);
	ck_assert(tui_test_has(notes, n, "nothing was logged"));

	/* The cap holds. */
	n = tui_demo_annotate(ev, sizeof ev / sizeof ev[0], NULL, &explained, notes, 2);
	ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(annotate_summary)
{
	char notes[8][TUI_NOTE_LEN];
	uint32_t explained = 0;
	struct ev ev[20];
	int k = 0;
	for (int i = 0; i < 8; i++)
		ev[k++] = tui_test_translate(i, 2, 0x101004, 40, i);
	for (int i = 0; i < 6; i++)
		ev[k++] = tui_test_chain(1, 2, i);
	ev[k++] = tui_test_sens(EV_CALLOUT, 7, "out dx, al", SC_IO, 1);
	ev[k++] = tui_test_ev(EV_STOP, -1, 0);
	int n = tui_demo_annotate(ev, (size_t)k, NULL, &explained, notes, 8);
	ck_assert_int_eq(n, 2);
	ck_assert(tui_test_has(notes, n, "15 events: 8 translate, 6 chain, 1 callout"));
	ck_assert(tui_test_has(notes, n, "'out dx, al' is port I/O"));   /* what the run stopped for */
}
END_TEST

/* A CCF as the engine's records give it: 6 instructions, 2 exits. */
static void tui_test_ccf(struct engine_ccf_view *v)
{
	static const struct { const char *guest; enum engine_kind kind; } insns[] = {
		{ "push ebp", EK_REWRITE }, { "mov ebp, esp", EK_IDENT }, { "cli", EK_INTC },
		{ "mov eax, dword ptr [ebx]", EK_REENC }, { "out dx, al", EK_CALLOUT }, { "jmp 0x101000", EK_EXIT },
	};
	memset(v, 0, sizeof *v);
	v->ccf = (struct engine_ccf){ .id = 7, .eip = 0x101000, .end = 0x101010, .ninsn = 6, .host_len = 90, .entries = 4,
				      .nexits = 2, .target = { 0x101000, 0x101010 }, .succ = { 7, 0 } };
	v->ninsn = 6;
	v->insn = calloc(6, sizeof *v->insn);
	ck_assert_ptr_nonnull(v->insn);
	for (int i = 0; i < 6; i++) {
		v->insn[i].eip = 0x101000u + (unsigned)i;
		v->insn[i].kind = insns[i].kind;
		snprintf(v->insn[i].text, sizeof v->insn[i].text, "%s", insns[i].guest);
	}
	v->insn[4].handler = "co_out";
}

START_TEST(ccf_pane_records)
{
	struct engine_ccf_view v;
	char buf[160];
	tui_test_ccf(&v);
	tui_ccf_title(&v.ccf, buf, sizeof buf);
	ck_assert_str_eq(buf, "CCF 7  0x00101000-0x00101010  6 insns  90 B host  entered 4 times");
	v.ccf.key = 1;
	tui_ccf_title(&v.ccf, buf, sizeof buf);
	ck_assert(strstr(buf, "CPL 1-3") != NULL);
	ck_assert(tui_ccf_exit_text(&v.ccf, 0, buf, sizeof buf));
	ck_assert_str_eq(buf, "exit 0 -> 0x00101000: chained to CCF 7");
	ck_assert(!tui_ccf_exit_text(&v.ccf, 1, buf, sizeof buf));
	ck_assert(strstr(buf, "exit 1 -> 0x00101010: not chained") != NULL);
	v.ccf.forward = 9;
	v.ccf.forward_off = 0x12;
	ck_assert(tui_ccf_exit_text(&v.ccf, 2, buf, sizeof buf));
	ck_assert_str_eq(buf, "forwards to CCF 9 at host offset 0x12 (adaptive retranslation)");
	/* The one vocabulary of kinds. */
	ck_assert_str_eq(engine_kind_name(EK_CALLOUT), "CALLOUT");
	ck_assert_str_eq(engine_kind_name(EK_COUNT), "?");
	ck_assert_int_eq(tui_kind_role(EK_TRAP), TR_K_TRAP);
	engine_ccf_view_free(&v);
	ck_assert_ptr_null(v.insn);
	engine_ccf_view_free(&v);   /* twice is fine */
}
END_TEST

START_TEST(annotate_kinds_once)
{
	char notes[8][TUI_NOTE_LEN];
	struct engine_ccf_view v;
	uint32_t explained = 0;
	tui_test_ccf(&v);
	int n = tui_demo_annotate(NULL, 0, &v, &explained, notes, 8);
	ck_assert(tui_test_has(notes, n, "'cli' became an in-TC emulation (INTC)"));
	ck_assert(tui_test_has(notes, n, "'out dx, al' is a CALLOUT: the CCF calls the monitor's emulation function for it (co_out)"));
	ck_assert(tui_test_has(notes, n, "'push ebp' was REWRITTEN"));
	ck_assert(tui_test_has(notes, n, "'mov eax, dword ptr [ebx]' was RE-ENCODED"));
	ck_assert(tui_test_has(notes, n, "1 of its 6 instructions are IDENT"));
	ck_assert_int_eq(n, 5);
	ck_assert(explained & (1u << EK_INTC));
	/* The same CCF again with no events: it ran from the cache. */
	n = tui_demo_annotate(NULL, 0, &v, &explained, notes, 8);
	ck_assert_int_eq(n, 1);
	ck_assert(tui_test_has(notes, n, "CCF 7 ran from the cache (entered 4 times)"));
	engine_ccf_view_free(&v);
}
END_TEST

/* ---- CGA, the page walk, scripts, the help. */

START_TEST(cga_cells)
{
	ck_assert_int_eq(tui_cga_char('A'), 'A');
	ck_assert_int_eq(tui_cga_char(0), ' ');
	ck_assert_int_eq(tui_cga_char(0xdb), '.');   /* CP437 block */
	ck_assert_int_eq(tui_cga_char(0x7f), '.');
	/* CGA 1 is blue, 4 red, 6 brown (yellow), 7 grey (white). */
	ck_assert_int_eq(tui_cga_color(1), 4);
	ck_assert_int_eq(tui_cga_color(4), 1);
	ck_assert_int_eq(tui_cga_color(6), 3);
	ck_assert_int_eq(tui_cga_color(7), 7);
	ck_assert_int_eq(tui_cga_color(9), tui_cga_color(1));
}
END_TEST

START_TEST(script_detection)
{
	char path[] = "/tmp/bt86-test-tui-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq((int)write(fd, "# a lesson\nstepf\n", 17), 17);
	close(fd);
	ck_assert(tui_demo_is_script(path));
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq((int)write(fd, "\177ELF\1\1\1", 7), 7);
	close(fd);
	ck_assert(!tui_demo_is_script(path));
	unlink(path);
	ck_assert(!tui_demo_is_script(path));   /* missing */
	ck_assert(!tui_demo_is_script(NULL));
}
END_TEST

START_TEST(help_fits)
{
	char buf[TUI_LINE_MAX];
	enum tui_role role;
	int i = 0, keys = 0;
	for (const char *l; (l = tui_help_line(i, buf, sizeof buf, &role)); i++) {
		int w = 0;
		for (const char *p = l; *p; p++)
			w += ((unsigned char)*p & 0xc0) != 0x80;
		ck_assert_msg(w <= 78, "help line %d is %d columns: %s", i, w, l);
		keys += role == TR_KEY;
	}
	ck_assert_int_gt(keys, 15);
	ck_assert_int_gt(i, keys);
}
END_TEST

static Suite *tui_suite(void)
{
	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("layout");
	tcase_add_test(tc, layout_sizes);
	tcase_add_test(tc, layout_80x24);
	tcase_add_test(tc, layout_large);
	tcase_add_test(tc, layout_tiny);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, pane_table);
	tcase_add_test(tc, lines_terminal_like);
	tcase_add_test(tc, lines_wrap_and_ring);
	tcase_add_test(tc, console_tail_and_threads);
	tcase_add_test(tc, ccf_pane_records);
	tcase_add_test(tc, cga_cells);
	tcase_add_test(tc, help_fits);
	suite_add_tcase(s, tc);

	tc = tcase_create("classroom");
	tcase_add_test(tc, annotate_events);
	tcase_add_test(tc, annotate_summary);
	tcase_add_test(tc, annotate_kinds_once);
	tcase_add_test(tc, script_detection);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tui_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
