/* The event log: everything the translator or monitor does that a user may want
 * to watch. Each event has a kind, the guest EIP, the CCF (or -1) and a one-line
 * description. Events live in a ring buffer (the newest `cap`), and a count per
 * kind is kept for all of them. The vCPU thread writes, front ends read.
 *
 *   evlog_add(&m->events, EV_VMEXIT, eip, -1, "io out port 0x%x", port);
 *   struct ev e[16]; size_t n = evlog_tail(&m->events, e, 16);
 */
#ifndef BT86_MONITOR_EVLOG_H
#define BT86_MONITOR_EVLOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/vcpu.h"

enum ev_kind {
	EV_TRANSLATE,     /* a TU became a CCF */
	EV_CHAIN,         /* a CCF exit was patched to jump to its successor */
	EV_CALLOUT,       /* translated code called an emulation function */
	EV_TRAP,          /* an IDENT instruction faulted and was emulated */
	EV_INVALIDATE,    /* CCFs dropped (guest wrote to translated code, flush) */
	EV_RETRANSLATE,   /* adaptive retranslation of a trapping instruction */
	EV_INTERRUPT,     /* an external interrupt delivered to the guest */
	EV_EXCEPTION,     /* an exception raised in the guest */
	EV_VMEXIT,        /* hardware-assisted engine left guest mode */
	EV_IO,            /* device-level happenings: unclaimed ports, MMIO holes */
	EV_STOP,          /* the guest stopped (exit, halt, error, breakpoint) */
	EV_KIND_COUNT
};

#define EV_DESC_LEN 112

struct ev {
	uint64_t seq;          /* 1, 2, 3... over the whole run */
	enum ev_kind kind;
	uint32_t eip;
	int32_t ccf;           /* CCF id, or -1 */
	char desc[EV_DESC_LEN];
	/* Events added with evlog_add_change keep their parts raw; the readers
	 * below format them into desc ("what: changes"), off the hot path. */
	uint8_t nchanges;      /* 0xff: desc is final */
	struct vcpu_change changes[VCPU_MAX_CHANGES];
};

struct evlog {
	struct ev *ring;
	uint32_t cap;
	uint64_t next_seq;     /* seq of the next event */
	uint64_t first_seq;    /* oldest seq not cleared; the ring holds the newest cap */
	uint64_t count[EV_KIND_COUNT];
	pthread_mutex_t lock;
	/* Called (outside the lock) for every event of a kind in hook_mask, with
	 * the event fully formatted: the debugger's catch and until. */
	void (*hook)(void *opaque, const struct ev *e);
	void *hook_opaque;
	atomic_uint hook_mask;
};

int evlog_init(struct evlog *log, uint32_t cap);
void evlog_destroy(struct evlog *log);

void evlog_add(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A cheap event for hot paths (callouts, traps): what (copied, no formatting)
 * and the state changes of the instruction, formatted only when read. */
void evlog_add_change(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf,
		      const char *what, const struct vcpu_change *ch, int n);

/* Copy up to max events with seq >= from (oldest first); returns how many. */
size_t evlog_since(struct evlog *log, uint64_t from, struct ev *out, size_t max);

/* Copy the newest up to max events, oldest first; returns how many. */
size_t evlog_tail(struct evlog *log, struct ev *out, size_t max);

uint64_t evlog_count(struct evlog *log, enum ev_kind kind);
uint64_t evlog_total(struct evlog *log);
void evlog_clear(struct evlog *log);

const char *evlog_kind_name(enum ev_kind kind);
/* The kind named s ("callout", "vmexit"...), or -1. */
int evlog_kind_parse(const char *s);

/* The seq the next event will get: a cursor for evlog_since that skips
 * every event so far (a clear does not reset it). */
uint64_t evlog_next_seq(struct evlog *log);

#endif
