/* The TUI's panes as data: what each is called (`tui show NAME`), how it
 * draws, which keys it takes when focused, what it reads from the engine on
 * the vCPU thread at each stop, and which way it scrolls. The draw loop, the
 * key dispatch and the stop-time sync all walk this table.
 *
 * Adding a pane: write ui/tui_NAME.c with its draw function (and a key or
 * gather function if it needs one), give it a TV_ value in enum tui_view
 * (ui/tui.h), add its row here, and list it in the slots of ui/tui_layout.c
 * where it should appear. */
#include "ui/tui.h"

static void tui_disas_gather(struct tui *t)
{
	tui_disas_read_marks(t);
}

static const struct tui_pane tui_panes[TV_COUNT] = {
	[TV_REGS] = { "regs", tui_regs_draw, NULL, NULL, true },
	[TV_DISAS] = { "disas", tui_disas_draw, tui_disas_key, tui_disas_gather, false },
	[TV_CCF] = { "ccf", tui_ccf_draw, NULL, tui_ccf_gather, true },
	[TV_TC] = { "tc", tui_tc_draw, tui_tc_key, tui_tc_gather, false },
	[TV_EVENTS] = { "events", tui_events_draw, NULL, NULL, false },
	[TV_CONSOLE] = { "console", tui_console_draw, NULL, NULL, false },
	[TV_OUTPUT] = { "output", tui_output_draw, NULL, NULL, false },
	[TV_CGA] = { "cga", tui_cga_draw, NULL, NULL, true },
	[TV_MEM] = { "mem", tui_mem_draw, tui_mem_key, NULL, false },
	[TV_SENS] = { "sensitive", tui_sens_draw, NULL, NULL, true },
	[TV_DEMO] = { "notes", tui_notes_draw, tui_notes_key, tui_demo_gather, false },
	[TV_HELP] = { "help", NULL, NULL, NULL, false },   /* drawn over the panes (tui_help_draw) */
};

const struct tui_pane *tui_pane(enum tui_view v)
{
	static const struct tui_pane none = { "?", NULL, NULL, NULL, false };
	return (unsigned)v < TV_COUNT && tui_panes[v].name ? &tui_panes[v] : &none;
}

const char *tui_view_name(enum tui_view v)
{
	return tui_pane(v)->name;
}

void tui_panes_gather(struct tui *t)
{
	for (int v = 0; v < TV_COUNT; v++)
		if (tui_panes[v].gather)
			tui_panes[v].gather(t);
}
