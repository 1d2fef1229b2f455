/* info sensitive: the sensitive instructions the guest made leave translated
 * code, from the event log's tally (monitor/senstally.h) — by mnemonic, or
 * site by site with symbols, or the ones adaptive retranslation changed.
 * Safe while the guest runs (the tally is read under the log's lock). */
#include "session/cmd.h"
#include "monitor/sensitive.h"
#include "monitor/senstally.h"

#include <stdlib.h>
#include <string.h>

#define INFO_SENS_MAX 16384   /* the event log's tally holds fewer */

static const char *info_sens_class(const struct sens_site *s)
{
	return senstally_class_name(s->cls, s->mmio);
}

/* What the site runs as now: its retranslation's treatment, else how it met us. */
static const char *info_sens_now(const struct sens_site *s)
{
	if (s->retranslations)
		return s->acquitted ? "ident again" : s->treatment == TREAT_INTC ? "intc" : "callout";
	return s->callouts ? "callout" : "trap";
}

static uint64_t info_sens_total(const struct sens_site *s)
{
	return s->callouts + s->traps;
}

static int info_sens_by_count(const void *a, const void *b)
{
	const struct sens_site *x = a, *y = b;
	uint64_t tx = info_sens_total(x), ty = info_sens_total(y);
	if (tx != ty)
		return tx < ty ? 1 : -1;
	return x->eip < y->eip ? -1 : x->eip > y->eip;
}

static void info_sens_summary(struct session *s, uint64_t *dropped)
{
	struct sens_row *row = calloc(SENS_ROWS_MAX, sizeof *row);
	if (!row) {
		cmd_error(s, "info sensitive: out of memory");
		return;
	}
	size_t n = evlog_sens_summary(&s->m->events, row, SENS_ROWS_MAX, dropped);
	uint64_t sites = 0, callouts = 0, traps = 0, retr = 0;
	for (size_t r = 0; r < n; r++) {
		sites += row[r].sites;
		callouts += row[r].callouts;
		traps += row[r].traps;
		retr += row[r].retranslated;
	}
	out_printf(s->out, "%llu sites of sensitive instructions left translated code: %llu callouts, %llu traps; "
		   "%llu sites retranslated\n", (unsigned long long)sites, (unsigned long long)callouts,
		   (unsigned long long)traps, (unsigned long long)retr);
	out_printf(s->out, "%-16s %-11s %7s %12s %12s %12s\n", "mnemonic", "class", "sites", "callouts", "traps",
		   "retranslated");
	for (size_t r = 0; r < n; r++)
		out_printf(s->out, "%-16s %-11s %7llu %12llu %12llu %12llu\n", row[r].mnem,
			   senstally_class_name(row[r].cls, row[r].mmio), (unsigned long long)row[r].sites,
			   (unsigned long long)row[r].callouts, (unsigned long long)row[r].traps,
			   (unsigned long long)row[r].retranslated);
	free(row);
}

static void info_sens_sites(struct session *s, struct sens_site *site, size_t n, uint64_t max, bool retr_only)
{
	qsort(site, n, sizeof *site, info_sens_by_count);
	out_printf(s->out, "%-10s %12s %10s %-11s %-11s %-30s %s\n", "eip", "callouts", "traps", "class", "now",
		   "instruction", "symbol");
	uint64_t shown = 0;
	for (size_t i = 0; i < n && shown < max; i++) {
		const struct sens_site *x = &site[i];
		if (retr_only && !x->retranslations)
			continue;
		char sym[96];
		sym_format(&s->syms, x->eip, sym, sizeof sym);
		out_printf(s->out, "0x%08x %12llu %10llu %-11s %-11s %-30s %s%s%s\n", x->eip,
			   (unsigned long long)x->callouts, (unsigned long long)x->traps, info_sens_class(x),
			   info_sens_now(x), x->text, sym[0] ? "<" : "", sym, sym[0] ? ">" : "");
		shown++;
	}
	if (!shown)
		out_printf(s->out, "(none)\n");
}

int cmd_info_sensitive(struct session *s, int argc, char **argv)
{
	const char *usage = "usage: info sensitive [sites [N] | retranslated [N]]";
	bool sites = false, retr = false;
	uint64_t max = 20;
	if (argc >= 2) {
		size_t len = strlen(argv[1]);
		if (len && strncmp(argv[1], "sites", len) == 0)
			sites = true;
		else if (len && strncmp(argv[1], "retranslated", len) == 0)
			retr = true;
		else
			return cmd_error(s, "%s", usage);
	}
	if (argc == 3 && cmd_parse_num(argv[2], 1, 1000000, &max) < 0)
		return cmd_error(s, "info sensitive: bad count '%s' (1 to 1000000)", argv[2]);
	if (argc > 3)
		return cmd_error(s, "%s", usage);
	uint64_t dropped = 0;
	if (sites || retr) {
		struct sens_site *site = malloc(INFO_SENS_MAX * sizeof *site);
		if (!site)
			return cmd_error(s, "info sensitive: out of memory");
		size_t n = evlog_sens_sites(&s->m->events, site, INFO_SENS_MAX, &dropped);
		info_sens_sites(s, site, n, max, retr);
		free(site);
	} else {
		info_sens_summary(s, &dropped);
	}
	if (dropped)
		out_printf(s->out, "(%llu events at further sites were not tallied: the table is full)\n",
			   (unsigned long long)dropped);
	if (!sites && !retr)
		out_printf(s->out, "Counted since the start or `events clear`; intc instructions run inline and are "
			   "not counted (tc show lists them).\n");
	return 0;
}
