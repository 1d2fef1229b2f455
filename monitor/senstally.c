/* The per-site tally of sensitive instructions (see senstally.h). */
#include "monitor/senstally.h"
#include "monitor/sensitive.h"

#include <stdlib.h>
#include <string.h>

int senstally_init(struct sens_tally *t, uint32_t cap)
{
	memset(t, 0, sizeof *t);
	uint32_t c = 16;
	while (c < cap && c < (1u << 24))
		c <<= 1;
	t->site = calloc(c, sizeof *t->site);
	if (!t->site)
		return -1;
	t->cap = c;
	return 0;
}

void senstally_destroy(struct sens_tally *t)
{
	free(t->site);
	t->site = NULL;
	t->cap = t->n = 0;
}

void senstally_clear(struct sens_tally *t)
{
	if (t->site)
		memset(t->site, 0, t->cap * sizeof *t->site);
	t->n = 0;
	t->dropped = 0;
}

static bool senstally_is_prefix(const char *w, size_t n)
{
	static const char *const prefixes[] = { "rep", "repe", "repz", "repne", "repnz", "lock" };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strlen(prefixes[i]) == n && memcmp(prefixes[i], w, n) == 0)
			return true;
	return false;
}

void senstally_mnemonic(const char *text, char *mnem, size_t len)
{
	const char *p = text;
	while (*p == ' ')
		p++;
	const char *start = p;
	for (;;) {
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if (!senstally_is_prefix(w, (size_t)(p - w)) || !*p)
			break;
		while (*p == ' ')
			p++;
	}
	size_t n = (size_t)(p - start);
	if (n == 0) {
		start = "?";
		n = 1;
	}
	if (n >= len)
		n = len - 1;
	memcpy(mnem, start, n);
	mnem[n] = 0;
}

/* The slot of (eip, mnem): its own, or a free one to take; NULL when full. */
static struct sens_site *senstally_slot(struct sens_tally *t, uint32_t eip, const char *mnem)
{
	if (!t->site)
		return NULL;
	uint32_t h = eip * 2654435761u;
	for (const char *c = mnem; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	for (uint32_t i = 0; i < t->cap; i++) {
		struct sens_site *s = &t->site[(h + i) & (t->cap - 1)];
		if (!s->mnem[0]) {
			if (t->n >= t->cap / 4 * 3)
				return NULL;
			return s;
		}
		if (s->eip == eip && strcmp(s->mnem, mnem) == 0)
			return s;
	}
	return NULL;
}

static struct sens_site *senstally_site(struct sens_tally *t, uint32_t eip, const char *text)
{
	char mnem[SENS_MNEM_LEN];
	senstally_mnemonic(text, mnem, sizeof mnem);
	struct sens_site *s = senstally_slot(t, eip, mnem);
	if (!s) {
		t->dropped++;
		return NULL;
	}
	if (!s->mnem[0]) {
		memset(s, 0, sizeof *s);
		s->eip = eip;
		s->cls = -1;
		memcpy(s->mnem, mnem, sizeof s->mnem);
		size_t n = strnlen(text, SENS_TEXT_LEN - 1);
		memcpy(s->text, text, n);
		s->text[n] = 0;
		t->n++;
	}
	return s;
}

void senstally_note(struct sens_tally *t, enum sens_note what, uint32_t eip, int cls, bool mmio,
		    const char *text)
{
	struct sens_site *s = senstally_site(t, eip, text);
	if (!s)
		return;
	if (cls >= 0)
		s->cls = (int8_t)cls;
	s->mmio |= mmio;
	if (what == SENS_NOTE_CALLOUT)
		s->callouts++;
	else if (what == SENS_NOTE_TRAP)
		s->traps++;
}

void senstally_note_retranslate(struct sens_tally *t, uint32_t eip, int treatment, bool mmio, bool acquitted,
				const char *text)
{
	struct sens_site *s = senstally_site(t, eip, text);
	if (!s)
		return;
	s->mmio |= mmio;
	s->retranslations++;
	s->treatment = (uint8_t)treatment;
	s->acquitted = acquitted;
}

size_t senstally_copy(const struct sens_tally *t, struct sens_site *out, size_t max)
{
	size_t n = 0;
	for (uint32_t i = 0; i < t->cap && n < max; i++)
		if (t->site[i].mnem[0])
			out[n++] = t->site[i];
	return n;
}

const char *senstally_class_name(int cls, bool mmio)
{
	if (cls >= 0 && cls < SC_COUNT)
		return sens_classes[cls].name;
	return mmio ? "mmio" : "-";
}

static int senstally_row_cmp(const void *a, const void *b)
{
	const struct sens_row *x = a, *y = b;
	uint64_t tx = x->callouts + x->traps, ty = y->callouts + y->traps;
	if (tx != ty)
		return tx < ty ? 1 : -1;
	int c = strcmp(x->mnem, y->mnem);
	return c ? c : x->cls - y->cls;
}

size_t senstally_summary(const struct sens_tally *t, struct sens_row *out, size_t max)
{
	struct sens_row *row = calloc(SENS_ROWS_MAX, sizeof *row);
	if (!row)
		return 0;
	size_t n = 0;
	for (uint32_t i = 0; i < t->cap; i++) {
		const struct sens_site *x = &t->site[i];
		if (!x->mnem[0])
			continue;
		size_t r = 0;
		while (r < n && (row[r].cls != x->cls || strcmp(row[r].mnem, x->mnem) != 0))
			r++;
		if (r == n) {
			if (n == SENS_ROWS_MAX)
				continue;
			memcpy(row[r].mnem, x->mnem, sizeof row[r].mnem);
			row[r].cls = x->cls;
			n++;
		}
		row[r].mmio |= x->mmio;
		row[r].sites++;
		row[r].callouts += x->callouts;
		row[r].traps += x->traps;
		row[r].retranslated += x->retranslations != 0;
	}
	qsort(row, n, sizeof *row, senstally_row_cmp);
	if (n > max)
		n = max;
	memcpy(out, row, n * sizeof *row);
	free(row);
	return n;
}
