/* The event log (see evlog.h). */
#include "monitor/evlog.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const evlog_names[EV_KIND_COUNT] = {
	[EV_TRANSLATE] = "translate",
	[EV_CHAIN] = "chain",
	[EV_CALLOUT] = "callout",
	[EV_TRAP] = "trap",
	[EV_INVALIDATE] = "invalidate",
	[EV_RETRANSLATE] = "retranslate",
	[EV_INTERRUPT] = "interrupt",
	[EV_EXCEPTION] = "exception",
	[EV_VMEXIT] = "vmexit",
	[EV_IO] = "io",
	[EV_STOP] = "stop",
	[EV_IRQ] = "irq",
};

/* Room for the sensitive-instruction sites of a kernel (Linux meets a few
 * hundred to a few thousand). */
#define EVLOG_SENS_SITES 16384

int evlog_init(struct evlog *log, uint32_t cap)
{
	memset(log, 0, sizeof *log);
	if (cap == 0)
		cap = 1;
	log->ring = calloc(cap, sizeof *log->ring);
	if (!log->ring)
		return -1;
	if (senstally_init(&log->sens, EVLOG_SENS_SITES) < 0) {
		free(log->ring);
		log->ring = NULL;
		return -1;
	}
	log->cap = cap;
	log->next_seq = 1;
	log->first_seq = 1;
	pthread_mutex_init(&log->lock, NULL);
	return 0;
}

void evlog_destroy(struct evlog *log)
{
	if (log->ring)
		pthread_mutex_destroy(&log->lock);
	free(log->ring);
	log->ring = NULL;
	senstally_destroy(&log->sens);
}

/* The next slot of the ring, its header filled (under the lock). */
static struct ev *evlog_slot(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const union ev_data *d)
{
	struct ev *e = &log->ring[log->next_seq % log->cap];
	e->seq = log->next_seq++;
	e->kind = kind;
	e->eip = eip;
	e->ccf = ccf;
	if (d)
		e->d = *d;
	else
		memset(&e->d, 0, sizeof e->d);
	log->count[kind]++;
	if (d && (kind == EV_CALLOUT || kind == EV_TRAP))
		senstally_note(&log->sens, kind == EV_CALLOUT ? SENS_NOTE_CALLOUT : SENS_NOTE_TRAP, eip, d->sens.cls,
			       d->sens.mmio, d->sens.insn);
	else if (d && kind == EV_RETRANSLATE)
		senstally_note_retranslate(&log->sens, eip, d->retranslate.treatment, d->retranslate.mmio,
					   d->retranslate.acquitted, d->retranslate.insn);
	return e;
}

/* Unlock, and call the hook with a copy if a catch watches this kind. */
static void evlog_publish(struct evlog *log, const struct ev *e, void (*finish)(struct ev *))
{
	struct ev copy;
	bool hook = log->hook && (atomic_load(&log->hook_mask) & (1u << e->kind));
	if (hook)
		copy = *e;
	pthread_mutex_unlock(&log->lock);
	if (hook) {
		if (finish)
			finish(&copy);
		log->hook(log->hook_opaque, &copy);
	}
}

static void evlog_vadd(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const union ev_data *d,
		       const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
static void evlog_vadd(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const union ev_data *d,
		       const char *fmt, va_list ap)
{
	if ((unsigned)kind >= EV_KIND_COUNT)
		return;
	pthread_mutex_lock(&log->lock);
	struct ev *e = evlog_slot(log, kind, eip, ccf, d);
	vsnprintf(e->desc, sizeof e->desc, fmt, ap);
	e->raw = false;
	e->nchanges = 0;
	evlog_publish(log, e, NULL);
}

void evlog_add(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	evlog_vadd(log, kind, eip, ccf, NULL, fmt, ap);
	va_end(ap);
}

void evlog_add_data(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const union ev_data *d,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	evlog_vadd(log, kind, eip, ccf, d, fmt, ap);
	va_end(ap);
}

static void evlog_finish(struct ev *e);

void evlog_add_change(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf,
		      const char *what, const struct vcpu_change *ch, int n)
{
	evlog_add_change_data(log, kind, eip, ccf, NULL, what, ch, n);
}

void evlog_add_change_data(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const union ev_data *d,
			   const char *what, const struct vcpu_change *ch, int n)
{
	if ((unsigned)kind >= EV_KIND_COUNT)
		return;
	if (n > VCPU_MAX_CHANGES)
		n = VCPU_MAX_CHANGES;
	pthread_mutex_lock(&log->lock);
	struct ev *e = evlog_slot(log, kind, eip, ccf, d);
	size_t len = strnlen(what, EV_DESC_LEN / 2);
	memcpy(e->desc, what, len);
	e->desc[len] = 0;
	e->raw = true;
	e->nchanges = (uint8_t)(n > 0 ? n : 0);
	if (n > 0)
		memcpy(e->changes, ch, (size_t)n * sizeof *ch);
	evlog_publish(log, e, evlog_finish);
}

/* Turn a raw event into its final one-line form. */
static void evlog_finish(struct ev *e)
{
	if (!e->raw)
		return;
	size_t len = strlen(e->desc);
	if (len + 3 < sizeof e->desc) {
		e->desc[len++] = ':';
		e->desc[len++] = ' ';
		vcpu_changes_format(e->changes, e->nchanges, e->desc + len, sizeof e->desc - len);
	}
	e->raw = false;
}

size_t evlog_since(struct evlog *log, uint64_t from, struct ev *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&log->lock);
	uint64_t oldest = log->next_seq > log->cap ? log->next_seq - log->cap : 1;
	if (oldest < log->first_seq)
		oldest = log->first_seq;
	if (from < oldest)
		from = oldest;
	for (uint64_t s = from; s < log->next_seq && n < max; s++) {
		out[n] = log->ring[s % log->cap];
		evlog_finish(&out[n++]);
	}
	pthread_mutex_unlock(&log->lock);
	return n;
}

size_t evlog_tail(struct evlog *log, struct ev *out, size_t max)
{
	pthread_mutex_lock(&log->lock);
	uint64_t next = log->next_seq;
	pthread_mutex_unlock(&log->lock);
	uint64_t from = next > max ? next - max : 1;
	return evlog_since(log, from, out, max);
}

uint64_t evlog_count(struct evlog *log, enum ev_kind kind)
{
	if ((unsigned)kind >= EV_KIND_COUNT)
		return 0;
	pthread_mutex_lock(&log->lock);
	uint64_t c = log->count[kind];
	pthread_mutex_unlock(&log->lock);
	return c;
}

size_t evlog_sens_sites(struct evlog *log, struct sens_site *out, size_t max, uint64_t *dropped)
{
	pthread_mutex_lock(&log->lock);
	size_t n = senstally_copy(&log->sens, out, max);
	if (dropped)
		*dropped = log->sens.dropped;
	pthread_mutex_unlock(&log->lock);
	return n;
}

size_t evlog_sens_summary(struct evlog *log, struct sens_row *out, size_t max, uint64_t *dropped)
{
	pthread_mutex_lock(&log->lock);
	size_t n = senstally_summary(&log->sens, out, max);
	if (dropped)
		*dropped = log->sens.dropped;
	pthread_mutex_unlock(&log->lock);
	return n;
}

uint64_t evlog_total(struct evlog *log)
{
	pthread_mutex_lock(&log->lock);
	uint64_t t = 0;
	for (int k = 0; k < EV_KIND_COUNT; k++)
		t += log->count[k];
	pthread_mutex_unlock(&log->lock);
	return t;
}

void evlog_clear(struct evlog *log)
{
	pthread_mutex_lock(&log->lock);
	memset(log->count, 0, sizeof log->count);
	senstally_clear(&log->sens);
	/* seq keeps growing so readers' cursors stay meaningful. */
	log->first_seq = log->next_seq;
	pthread_mutex_unlock(&log->lock);
}

void evlog_insn_copy(char *dst, const char *text)
{
	size_t n = strnlen(text, EV_INSN_LEN - 1);
	memcpy(dst, text, n);
	dst[n] = 0;
}

const char *evlog_kind_name(enum ev_kind kind)
{
	return (unsigned)kind < EV_KIND_COUNT ? evlog_names[kind] : "?";
}

int evlog_kind_parse(const char *s)
{
	for (int k = 0; k < EV_KIND_COUNT; k++)
		if (strcmp(s, evlog_names[k]) == 0)
			return k;
	return -1;
}

uint64_t evlog_next_seq(struct evlog *log)
{
	pthread_mutex_lock(&log->lock);
	uint64_t seq = log->next_seq;
	pthread_mutex_unlock(&log->lock);
	return seq;
}
