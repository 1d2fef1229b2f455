/* The event log: everything the translator or monitor does that a user may want
 * to watch. Each event has a kind, the guest EIP, the CCF (or -1), a typed
 * payload per kind (union ev_data: what programs read) and a one-line
 * description (what people read; its wording may change). Events live in a ring buffer (the newest `cap`), and a count per
 * kind is kept for all of them. The vCPU thread writes, front ends read.
 *
 *   evlog_add(&m->events, EV_VMEXIT, eip, -1, "io out port 0x%x", port);
 *   struct ev e[16]; size_t n = evlog_tail(&m->events, e, 16);
 */
#ifndef BT86_MONITOR_EVLOG_H
#define BT86_MONITOR_EVLOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/senstally.h"
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
	EV_IRQ,           /* a device raised an ISA line (logged only while a catch irq is set) */
	EV_KIND_COUNT
};

#define EV_DESC_LEN 112
#define EV_INSN_LEN 40

/* The typed payload, by kind; all zero where an event sets none. The
 * member to read is the one named for the kind (sens for callout and trap). */
union ev_data {
	struct {                 /* EV_TRANSLATE: guest [ev.eip, end) became CCF ev.ccf */
		uint32_t end;
		uint32_t host_bytes;
		uint16_t ninsn;
		bool once;           /* run once and not kept (self-modifying code) */
	} translate;
	struct {                 /* EV_CHAIN: CCF from's exit `exit` now jumps to CCF to */
		uint32_t from, to;
		uint8_t exit;
	} chain;
	struct {                 /* EV_CALLOUT, EV_TRAP: the instruction; its changes in ev.changes */
		int8_t cls;          /* enum sens_class (monitor/sensitive.h; SC_IO: port I/O), or -1 */
		bool mmio;           /* a trap on a memory access that reached MMIO */
		uint32_t count;      /* EV_TRAP: traps at this address so far */
		char insn[EV_INSN_LEN];   /* its guest text */
	} sens;
	struct {                 /* EV_RETRANSLATE: the new CCF is ev.ccf */
		uint8_t treatment;   /* enum treatment it got (TREAT_INTC, TREAT_CALLOUT) */
		bool mmio;           /* it reached MMIO (else it trapped) */
		bool acquitted;      /* an MMIO callout that found only RAM count times,
				      * translated IDENT again (treatment TREAT_TRAP) */
		uint32_t count;      /* times before it was retranslated */
		uint32_t old_ccf;    /* the CCF that forwards to it */
		char insn[EV_INSN_LEN];
	} retranslate;
	struct {                 /* EV_INTERRUPT */
		uint8_t vector;
		bool soft;           /* INT n, INT1, INT3, INTO (else external) */
	} interrupt;
	struct {                 /* EV_EXCEPTION */
		uint8_t vector;
		bool has_error;
		uint32_t error;
	} exception;
	struct {                 /* EV_INVALIDATE */
		uint32_t page;       /* guest page number (address >> 12), or EV_ALL_PAGES */
		int32_t count;       /* CCFs dropped, or -1 when the whole TC was flushed */
	} invalidate;
};

#define EV_ALL_PAGES 0xffffffffu

/* Copy an instruction's text into a payload's insn[EV_INSN_LEN] (cut to fit). */
void evlog_insn_copy(char *dst, const char *text);

struct ev {
	uint64_t seq;          /* 1, 2, 3... over the whole run */
	enum ev_kind kind;
	uint32_t eip;
	int32_t ccf;           /* CCF id, or -1 */
	union ev_data d;
	char desc[EV_DESC_LEN];
	/* Events added with evlog_add_change keep their parts raw; the readers
	 * below format them into desc ("what: changes"), off the hot path. */
	bool raw;              /* desc still lacks ": changes" */
	uint8_t nchanges;      /* the instruction's state changes (0 for other events) */
	struct vcpu_change changes[VCPU_MAX_CHANGES];
};

struct evlog {
	struct ev *ring;
	uint32_t cap;
	uint64_t next_seq;     /* seq of the next event */
	uint64_t first_seq;    /* oldest seq not cleared; the ring holds the newest cap */
	uint64_t count[EV_KIND_COUNT];
	struct sens_tally sens;  /* callouts, traps, retranslations by site, all of them */
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
/* The same with a typed payload (copied; NULL: all zero). */
void evlog_add_data(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const union ev_data *d,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A cheap event for hot paths (callouts, traps): what (copied, no formatting)
 * and the state changes of the instruction, formatted into desc only when
 * read; the _data form also copies the typed payload d (NULL: all zero). */
void evlog_add_change(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf,
		      const char *what, const struct vcpu_change *ch, int n);
void evlog_add_change_data(struct evlog *log, enum ev_kind kind, uint32_t eip, int32_t ccf, const union ev_data *d,
			   const char *what, const struct vcpu_change *ch, int n);

/* Copy up to max events with seq >= from (oldest first); returns how many. */
size_t evlog_since(struct evlog *log, uint64_t from, struct ev *out, size_t max);

/* Copy the newest up to max events, oldest first; returns how many. */
size_t evlog_tail(struct evlog *log, struct ev *out, size_t max);

uint64_t evlog_count(struct evlog *log, enum ev_kind kind);
/* Copy up to max sites of the sensitive-instruction tally (since the start
 * or the last clear); *dropped: events at sites the tally had no room for. */
size_t evlog_sens_sites(struct evlog *log, struct sens_site *out, size_t max, uint64_t *dropped);
/* The same by mnemonic (senstally_summary). */
size_t evlog_sens_summary(struct evlog *log, struct sens_row *out, size_t max, uint64_t *dropped);
uint64_t evlog_total(struct evlog *log);
void evlog_clear(struct evlog *log);

const char *evlog_kind_name(enum ev_kind kind);
/* The kind named s ("callout", "vmexit"...), or -1. */
int evlog_kind_parse(const char *s);

/* The seq the next event will get: a cursor for evlog_since that skips
 * every event so far (a clear does not reset it). */
uint64_t evlog_next_seq(struct evlog *log);

#endif
