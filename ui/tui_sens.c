/* The sensitive-instructions pane: what the guest's sensitive instructions
 * cost it, by mnemonic and class, the busiest first — how many sites, how
 * many callouts and traps, how many sites adaptive retranslation changed.
 * Read live from the event log's tally (monitor/senstally.h), also while
 * the guest runs, so a kernel's hot spots (port I/O polling, CR3 loads,
 * IRET) show as they happen; `info sensitive sites` names the sites.
 *
 *   mnemonic     class        sites    callouts     traps  retr
 *   in           io              35      102428         0     0
 */
#include "ui/tui.h"
#include "monitor/senstally.h"

#include <stdio.h>

#define TUI_SENS_ROWS 128

void tui_sens_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	struct sens_row row[TUI_SENS_ROWS];
	size_t n = evlog_sens_summary(&t->s->m->events, row, TUI_SENS_ROWS, NULL);
	uint64_t sites = 0, callouts = 0, traps = 0;
	for (size_t i = 0; i < n; i++) {
		sites += row[i].sites;
		callouts += row[i].callouts;
		traps += row[i].traps;
	}
	char right[80];
	snprintf(right, sizeof right, "%llu sites  %llu callouts  %llu traps", (unsigned long long)sites,
		 (unsigned long long)callouts, (unsigned long long)traps);
	tui_title(t, r, focused, "Sensitive instructions", right);
	int rows = r->h - 2, y = r->y + 1;
	if (rows < 0)
		return;
	bool wide = r->w >= 60;
	if (wide)
		tui_putf(t, y, r->x, r->w, TR_LABEL, "%-14s %-10s %6s %11s %9s %5s", "mnemonic", "class", "sites",
			 "callouts", "traps", "retr");
	else
		tui_putf(t, y, r->x, r->w, TR_LABEL, "%-10s %-9s %10s %7s", "mnemonic", "class", "callouts", "traps");
	y++;
	if (!n) {
		tui_put(t, y, r->x + 1, r->w - 1, TR_DIM, "nothing yet: callouts and traps appear as the guest runs");
		return;
	}
	int *top = &t->scroll[TV_SENS];
	if (*top > (int)n - rows)
		*top = (int)n - rows > 0 ? (int)n - rows : 0;
	for (size_t i = (size_t)*top; i < n && rows > 0; i++, rows--, y++) {
		const struct sens_row *s = &row[i];
		const char *cls = senstally_class_name(s->cls, s->mmio);
		enum tui_role role = s->retranslated ? TR_CHANGED : TR_NORMAL;
		if (wide)
			tui_putf(t, y, r->x, r->w, role, "%-14s %-10s %6llu %11llu %9llu %5llu", s->mnem, cls,
				 (unsigned long long)s->sites, (unsigned long long)s->callouts,
				 (unsigned long long)s->traps, (unsigned long long)s->retranslated);
		else
			tui_putf(t, y, r->x, r->w, role, "%-10s %-9s %10llu %7llu", s->mnem, cls,
				 (unsigned long long)s->callouts, (unsigned long long)s->traps);
	}
}
