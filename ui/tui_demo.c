/* Classroom mode: run a guest step by step and say, after each step, what
 * the translator just did, in a pane of annotations.
 *
 *   bt86 --demo samples/hello.elf     # the lesson: one CCF a step
 *   bt86 --demo lesson.txt GUEST      # a script
 *
 * A step comes every 2 s; Space takes the next one at once, p pauses or
 * resumes the automatic steps. The notes come from the typed fields of the
 * events the step logged (translations, chains, callouts, traps,
 * retranslations, interrupts), never from their wording, and from the records
 * of the CCF it ran (IDENT, REENC, REWRITE, CALLOUT, INTC, TRAP), each kind
 * explained at length the first time it shows up:
 *
 *   step 3: one CCF from 0x00101100 <rt_putc>
 *   translated a TU of 6 instructions (0x00101100-0x00101112) into CCF 3: 98 bytes of host code
 *   'in al, dx' is port I/O: a callout into the monitor emulated the device (eax 0x0->0x60)
 *
 * A script is a text file of lines, one per step:
 *   # text         a note for the class (shown with the next step)
 *   pause          stop the automatic steps until Space
 *   delay MS       the time between automatic steps
 *   anything else  a command, as typed at the command line (stepf, until
 *                  callout, break sample_main, continue...); one that runs
 *                  the guest is annotated when it stops.
 */
#include "ui/tui.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/emulate.h"
#include "monitor/sensitive.h"

#define TUI_DEMO_MAX_LINES 4096
#define TUI_DEMO_FEW_EVENTS 6   /* more than this: a summary instead of one note each */
#define TUI_DEMO_NOTES 8        /* notes per step at most */
#define TUI_DEMO_DELAY_MS 2000  /* between automatic steps (tui delay MS changes it) */

/* ---- Annotations (no terminal: unit-tested). */

struct tui_notes {
	char (*out)[TUI_NOTE_LEN];
	int n, max;
};

static void tui_note(struct tui_notes *nb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tui_note(struct tui_notes *nb, const char *fmt, ...)
{
	if (nb->n >= nb->max)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(nb->out[nb->n++], TUI_NOTE_LEN, fmt, ap);
	va_end(ap);
}

/* The state changes an instruction made, as text ("no change" if none). */
static void tui_changes(const struct ev *e, char *buf, size_t len)
{
	vcpu_changes_format(e->changes, e->nchanges > VCPU_MAX_CHANGES ? VCPU_MAX_CHANGES : e->nchanges, buf, len);
}

/* The same happening again (a loop): same kind, place, CCF and changes. */
static bool tui_ev_same(const struct ev *a, const struct ev *b)
{
	if (a->kind != b->kind || a->eip != b->eip || a->ccf != b->ccf || a->nchanges != b->nchanges)
		return false;
	for (int i = 0; i < a->nchanges && i < VCPU_MAX_CHANGES; i++)
		if (a->changes[i].field != b->changes[i].field || a->changes[i].before != b->changes[i].before ||
		    a->changes[i].after != b->changes[i].after)
			return false;
	return true;
}

/* One note for e, from its typed fields (its desc is only for display). */
static void tui_note_event(struct tui_notes *nb, const struct ev *e)
{
	char ch[96];
	const union ev_data *d = &e->d;
	switch (e->kind) {
	case EV_TRANSLATE:
		tui_note(nb, "translated a TU of %u instruction%s (0x%08x-0x%08x) into CCF %d: %u bytes of host code%s",
			 d->translate.ninsn, d->translate.ninsn == 1 ? "" : "s", e->eip, d->translate.end, e->ccf,
			 d->translate.host_bytes, d->translate.once ? ", run once and not kept" : "");
		break;
	case EV_CHAIN:
		tui_note(nb, "chained CCF %u -> CCF %u: that exit now jumps straight there, no trip through the dispatcher",
			 d->chain.from, d->chain.to);
		break;
	case EV_CALLOUT:
		tui_changes(e, ch, sizeof ch);
		if (d->sens.cls == SC_IO)
			tui_note(nb, "'%s' is port I/O: a callout into the monitor emulated the device (%s)", d->sens.insn, ch);
		else
			tui_note(nb, "'%s' became a callout: the monitor's emulation function ran it (%s)", d->sens.insn, ch);
		break;
	case EV_TRAP:
		if (d->sens.mmio)
			tui_note(nb, "'%s' reached a device (MMIO) and faulted on the host: the access was emulated (%u so far)",
				 d->sens.insn, d->sens.count);
		else
			tui_note(nb, "'%s' ran IDENT and faulted on the host: the fault handler emulated it (trap-and-emulate)",
				 d->sens.insn);
		break;
	case EV_RETRANSLATE:
		if (d->retranslate.acquitted) {
			tui_note(nb, "adaptive: '%s' found only RAM %u times in a row: translated IDENT again in CCF %d; CCF %u forwards to it",
				 d->retranslate.insn, d->retranslate.count, e->ccf, d->retranslate.old_ccf);
			break;
		}
		tui_note(nb, "adaptive: '%s' %s %u times: retranslated as %s in CCF %d; CCF %u forwards to it",
			 d->retranslate.insn, d->retranslate.mmio ? "reached MMIO" : "trapped", d->retranslate.count,
			 treatment_name((enum treatment)d->retranslate.treatment), e->ccf, d->retranslate.old_ccf);
		break;
	case EV_INVALIDATE:
		if (d->invalidate.page == EV_ALL_PAGES)
			tui_note(nb, "invalidated: the whole translation cache was flushed");
		else
			tui_note(nb, "invalidated: %d CCF%s translated from page 0x%05x000 dropped (the guest wrote to its code)",
				 d->invalidate.count, d->invalidate.count == 1 ? "" : "s", d->invalidate.page);
		break;
	case EV_INTERRUPT:
		tui_note(nb, "interrupt: %s, vector 0x%02x", d->interrupt.soft ? "software interrupt" : "external interrupt",
			 d->interrupt.vector);
		break;
	case EV_EXCEPTION:
		if (d->exception.has_error)
			tui_note(nb, "exception: %s(0x%x) delivered to the guest", emu_exception_name(d->exception.vector),
				 d->exception.error);
		else
			tui_note(nb, "exception: %s delivered to the guest", emu_exception_name(d->exception.vector));
		break;
	case EV_VMEXIT:
		tui_note(nb, "VM exit: %s", e->desc);
		break;
	case EV_IO:
		tui_note(nb, "device: %s", e->desc);
		break;
	default:
		break;
	}
}

/* What each non-IDENT kind means, said once per session. */
static void tui_note_kind(struct tui_notes *nb, enum engine_kind k, const char *insn, const char *handler)
{
	switch (k) {
	case EK_INTC:
		tui_note(nb, "'%s' became an in-TC emulation (INTC): inline code does its work on the virtual state, no exit", insn);
		break;
	case EK_CALLOUT:
		tui_note(nb, "'%s' is a CALLOUT: the CCF calls the monitor's emulation function for it (%s)", insn,
			 handler ? handler : "?");
		break;
	case EK_TRAP:
		tui_note(nb, "'%s' is copied IDENT but faults on the host (TRAP); the fault handler emulates it", insn);
		break;
	case EK_REWRITE:
		tui_note(nb, "'%s' was REWRITTEN: branches and pushes of return addresses work on guest addresses, never host ones", insn);
		break;
	case EK_REENC:
		tui_note(nb, "'%s' was RE-ENCODED: its memory operand reaches guest memory through the GS window, 32-bit wrapped", insn);
		break;
	case EK_NAIVE:
		tui_note(nb, "'%s' runs IDENT on purpose (NAIVE): the guest may see the host's truth, to show what breaks", insn);
		break;
	default:
		break;
	}
}

int tui_demo_annotate(const struct ev *ev, size_t nev, const struct engine_ccf_view *ccf, uint32_t *explained,
		      char (*out)[TUI_NOTE_LEN], int max)
{
	struct tui_notes nb = { out, 0, max };
	size_t notable = 0;
	uint64_t count[EV_KIND_COUNT] = { 0 };
	for (size_t i = 0; i < nev; i++)
		if (ev[i].kind != EV_STOP && (unsigned)ev[i].kind < EV_KIND_COUNT) {
			notable++;
			count[ev[i].kind]++;
		}
	if (notable <= TUI_DEMO_FEW_EVENTS) {
		const struct ev *prev = NULL;
		for (size_t i = 0; i < nev; i++) {
			if (ev[i].kind == EV_STOP)
				continue;
			if (prev && tui_ev_same(prev, &ev[i]))
				continue;   /* the same again (a loop): once is enough */
			tui_note_event(&nb, &ev[i]);
			prev = &ev[i];
		}
	} else {
		char line[TUI_NOTE_LEN];
		size_t len = (size_t)snprintf(line, sizeof line, "%zu events:", notable);
		for (int k = 0; k < EV_KIND_COUNT && len < sizeof line; k++)
			if (count[k])
				len += (size_t)snprintf(line + len, sizeof line - len, "%s %llu %s", len > 12 ? "," : "",
							(unsigned long long)count[k], evlog_kind_name((enum ev_kind)k));
		tui_note(&nb, "%s", line);
		/* The first retranslation, and the last callout, trap or the like:
		 * often what the run was stopped for (until callout). */
		for (size_t i = 0; i < nev; i++)
			if (ev[i].kind == EV_RETRANSLATE) {
				tui_note_event(&nb, &ev[i]);
				break;
			}
		for (size_t i = nev; i-- > 0;) {
			enum ev_kind k = ev[i].kind;
			if (k == EV_CALLOUT || k == EV_TRAP || k == EV_EXCEPTION || k == EV_INTERRUPT || k == EV_VMEXIT) {
				tui_note_event(&nb, &ev[i]);
				break;
			}
		}
	}
	if (ccf && ccf->ninsn > 0) {
		int kinds[EK_COUNT] = { 0 };
		const struct engine_insn *first[EK_COUNT] = { NULL };
		for (int i = 0; i < ccf->ninsn; i++) {
			const struct engine_insn *in = &ccf->insn[i];
			if ((unsigned)in->kind >= EK_COUNT)
				continue;
			kinds[in->kind]++;
			if (!first[in->kind])
				first[in->kind] = in;
		}
		static const enum engine_kind order[] = { EK_INTC, EK_CALLOUT, EK_TRAP, EK_REWRITE, EK_REENC, EK_NAIVE };
		int said = 0;
		for (size_t j = 0; j < sizeof order / sizeof order[0]; j++) {
			enum engine_kind k = order[j];
			if (kinds[k] && !(*explained & (1u << k))) {
				tui_note_kind(&nb, k, first[k]->text, first[k]->handler);
				*explained |= 1u << k;
				said++;
			}
		}
		if (kinds[EK_IDENT] && !(*explained & (1u << EK_IDENT))) {
			tui_note(&nb, "%d of its %d instructions are IDENT: copied unchanged, they run at native speed", kinds[EK_IDENT],
				 ccf->ninsn);
			*explained |= 1u << EK_IDENT;
			said++;
		}
		if (!notable && !said)
			tui_note(&nb, "CCF %u ran from the cache (entered %llu times): nothing new to translate", ccf->ccf.id,
				 (unsigned long long)ccf->ccf.entries);
	}
	if (nb.n == 0)
		tui_note(&nb, "nothing was logged: the step ran code that was already translated and chained");
	return nb.n;
}

/* ---- The driver. */

bool tui_demo_is_script(const char *path)
{
	unsigned char buf[512];
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n >= 4 && memcmp(buf, "\177ELF", 4) == 0)
		return false;
	return memchr(buf, 0, n) == NULL;   /* text has no NUL bytes */
}

static void tui_demo_load(struct tui *t, const char *path)
{
	struct tui_demo *d = &t->demo;
	FILE *f = fopen(path, "r");
	char line[1024];
	if (!f)
		return;
	while (d->nlines < TUI_DEMO_MAX_LINES && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		char **p = realloc(d->lines, (size_t)(d->nlines + 1) * sizeof *p);
		if (!p)
			break;
		d->lines = p;
		d->lines[d->nlines++] = strdup(line);
	}
	fclose(f);
}

void tui_demo_free(struct tui *t)
{
	for (int i = 0; i < t->demo.nlines; i++)
		free(t->demo.lines[i]);
	free(t->demo.lines);
	engine_ccf_view_free(&t->demo.ran);
	memset(&t->demo, 0, sizeof t->demo);
}

static void tui_demo_notef(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tui_demo_notef(struct tui *t, const char *fmt, ...)
{
	char buf[TUI_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tui_lines_add(&t->notes, buf);
	t->scroll[TV_DEMO] = 0;
	t->dirty = true;
}

void tui_demo_start(struct tui *t, const char *demo)
{
	struct tui_demo *d = &t->demo;
	const char *guest = t->s->guest_path ? t->s->guest_path : "the guest";
	const char *slash = strrchr(guest, '/');
	d->on = true;
	d->auto_run = true;
	if (d->delay_ms <= 0)
		d->delay_ms = TUI_DEMO_DELAY_MS;
	d->next_ms = tui_now_ms() + (uint64_t)d->delay_ms;
	if (tui_demo_is_script(demo)) {
		d->script = true;
		tui_demo_load(t, demo);
		slash = strrchr(demo, '/');
		tui_demo_notef(t, "#Classroom script %s", slash ? slash + 1 : demo);
	} else {
		tui_demo_notef(t, "#Classroom mode: %s", slash ? slash + 1 : guest);
		tui_demo_notef(t, "Each step runs one CCF, a translated fragment, and says what the translator did.");
	}
	tui_demo_notef(t, "Space: the next step now. p: pause or resume (a step every %.1f s). q: quit.", d->delay_ms / 1000.0);
	tui_show_view(t, TV_DEMO, false);
	tui_msg(t, false, "classroom mode: Space steps, p pauses, ? shows the keys, q quits");
}

int tui_demo_wait_ms(struct tui *t)
{
	struct tui_demo *d = &t->demo;
	if (!d->on || !d->auto_run || d->waiting || d->finished || t->running)
		return -1;
	uint64_t now = tui_now_ms();
	return d->next_ms > now ? (int)(d->next_ms - now) : 0;
}

/* Remember where a step starts, for its notes. */
static void tui_demo_begin(struct tui *t, const char *what)
{
	struct tui_demo *d = &t->demo;
	char sym[96];
	d->step++;
	d->ev_start = tui_ev_next_seq(t);
	d->eip_before = t->st.eip;
	sym_format(&t->s->syms, t->st.eip, sym, sizeof sym);
	tui_demo_notef(t, "#step %d: %s from 0x%08x%s%s%s", d->step, what, t->st.eip, sym[0] ? " <" : "", sym,
		       sym[0] ? ">" : "");
}

static void tui_demo_finish(struct tui *t, const char *why)
{
	struct tui_demo *d = &t->demo;
	d->finished = true;
	d->auto_run = false;
	tui_demo_notef(t, "#%s", why);
}

static void tui_demo_script_next(struct tui *t)
{
	struct tui_demo *d = &t->demo;
	while (d->pc < d->nlines) {
		const char *l = d->lines[d->pc++];
		while (isspace((unsigned char)*l))
			l++;
		if (!*l)
			continue;
		if (l[0] == '#') {
			l++;
			while (isspace((unsigned char)*l))
				l++;
			tui_demo_notef(t, "%s", l);
			continue;
		}
		if (strcmp(l, "pause") == 0) {
			d->auto_run = false;
			tui_demo_notef(t, "(paused: Space goes on, p resumes the automatic steps)");
			return;
		}
		if (strncmp(l, "delay ", 6) == 0) {
			int ms = atoi(l + 6);
			if (ms >= 50)
				d->delay_ms = ms;
			continue;
		}
		tui_demo_begin(t, l);
		d->single = strcmp(l, "stepf") == 0 || strcmp(l, "stepi") == 0;
		d->waiting = true;
		tui_exec_line(t, l);
		if (t->running)
			return;   /* annotated at the stop */
		d->waiting = false;
		if (t->msg[0])
			tui_demo_notef(t, "%s", t->msg);
		if (t->quit)
			return;
	}
	tui_demo_finish(t, "the script is over: the TUI is yours (q quits)");
}

static void tui_demo_advance(struct tui *t)
{
	struct tui_demo *d = &t->demo;
	if (d->finished || d->waiting || t->running)
		return;
	if (t->exited) {
		tui_demo_finish(t, "the guest has finished: q quits");
		return;
	}
	if (d->script) {
		tui_demo_script_next(t);
	} else {
		tui_demo_begin(t, "one CCF");
		d->single = true;
		d->waiting = true;
		tui_go(t, RQ_STEP_CCF, 1);
		if (!t->running)
			d->waiting = false;
	}
	d->next_ms = tui_now_ms() + (uint64_t)d->delay_ms;
}

void tui_demo_tick(struct tui *t)
{
	if (tui_demo_wait_ms(t) == 0)
		tui_demo_advance(t);
}

void tui_demo_next(struct tui *t)
{
	if (t->running || t->demo.waiting) {
		tui_msg(t, false, "the step is still running");
		return;
	}
	if (t->demo.finished) {
		tui_msg(t, false, "%s", t->demo.script ? "the script is over" : "the guest has finished");
		return;
	}
	tui_demo_advance(t);
}

void tui_demo_toggle_auto(struct tui *t)
{
	struct tui_demo *d = &t->demo;
	d->auto_run = !d->auto_run && !d->finished;
	d->next_ms = tui_now_ms() + (uint64_t)d->delay_ms;
	if (d->auto_run)
		tui_msg(t, false, "automatic steps every %d ms (p pauses)", d->delay_ms);
	else
		tui_msg(t, false, "paused (Space steps, p resumes)");
}

void tui_demo_gather(struct tui *t)
{
	struct tui_demo *d = &t->demo;
	if (!d->on || !d->waiting)
		return;
	d->have_ran = d->single && tui_ccf_read(t, d->eip_before, false, &d->ran, NULL, 0) == 0;
}

void tui_demo_stopped(struct tui *t)
{
	struct tui_demo *d = &t->demo;
	if (!d->on || !d->waiting)
		return;
	d->waiting = false;
	size_t nev = evlog_since(&t->s->m->events, d->ev_start, t->evbuf, MACHINE_EVLOG_CAP);
	char notes[TUI_DEMO_NOTES][TUI_NOTE_LEN];
	int n = tui_demo_annotate(t->evbuf, nev, d->have_ran ? &d->ran : NULL, &d->explained, notes, TUI_DEMO_NOTES);
	for (int i = 0; i < n; i++)
		tui_demo_notef(t, "%s", notes[i]);
	engine_ccf_view_free(&d->ran);
	d->have_ran = false;
	if (t->stop.reason != STOP_STEP && t->stop.reason != STOP_NONE)
		tui_demo_notef(t, "stopped: %s", t->stop.msg);
	if (t->exited)
		tui_demo_finish(t, "the guest has finished: q quits");
	d->next_ms = tui_now_ms() + (uint64_t)d->delay_ms;
}
