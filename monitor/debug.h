/* The debugger's state that every engine and front end shares: breakpoints,
 * watchpoints and event catches. Engines honour them (the translator ends a
 * TU at a breakpoint and never chains into one; watchpoints protect pages of
 * its window; KVM uses the debug registers); front ends (the command line,
 * the TUI, the gdb stub) edit them. Guest memory is never patched.
 *
 *   int id = dbg_break_add(&m->debug, 0x100123, false, false);   // not temporary, the user's
 *   if (dbg_is_break(&m->debug, eip)) ...
 */
#ifndef BT86_MONITOR_DEBUG_H
#define BT86_MONITOR_DEBUG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/evlog.h"

enum wp_kind { WP_WRITE, WP_READ, WP_ACCESS };

struct dbg_break {
	int id;
	uint32_t addr;
	bool enabled;
	bool temporary;        /* deleted when hit (tbreak, until) */
	bool internal;         /* not listed (until ADDR) */
	uint64_t hits;
};

struct dbg_watch {
	int id;
	uint32_t addr, len;    /* len 1, 2 or 4 (or up to 8) */
	enum wp_kind kind;
	bool enabled;
	uint64_t value;        /* the value at the last stop, to report old/new */
	uint64_t hits;
};

struct dbg_catch {
	int id;
	enum ev_kind kind;
	char filter[64];       /* substring of the event's description, or empty */
	bool enabled;
	bool once;             /* until EVENT-KIND: removed when it fires */
	uint64_t hits;
};

#define DBG_MAX 64

struct debugstate {
	pthread_mutex_t lock;
	struct dbg_break bp[DBG_MAX];
	int nbp;
	struct dbg_watch wp[DBG_MAX];
	int nwp;
	struct dbg_catch ct[DBG_MAX];
	int nct;
	int next_id;
	int next_internal;        /* ids of internal breakpoints: -2, -3, ... */
	atomic_uint generation;   /* bumps on every change, so engines can resync */
	atomic_uint catch_mask;   /* bit per ev_kind with an enabled catch: a cheap test */
};

void dbg_init(struct debugstate *d);
void dbg_destroy(struct debugstate *d);

/* Breakpoints. Return the new id, or -1 if the table is full or addr has one. */
int dbg_break_add(struct debugstate *d, uint32_t addr, bool temporary, bool internal);
bool dbg_is_break(struct debugstate *d, uint32_t addr);
/* A breakpoint was hit at addr: count it, drop it if temporary; its id (or -1). */
int dbg_break_hit(struct debugstate *d, uint32_t addr);
/* The id of the user (not internal) breakpoint at addr, enabled or not, or 0. */
int dbg_break_at(struct debugstate *d, uint32_t addr);

int dbg_watch_add(struct debugstate *d, uint32_t addr, uint32_t len, enum wp_kind kind, uint64_t value);
/* The first enabled watchpoint overlapping [addr, addr+len) of a kind that
 * this access triggers (a read-modify-write both reads and writes); copies it
 * to *out. */
bool dbg_watch_find(struct debugstate *d, uint32_t addr, uint32_t len, bool is_read, bool is_write,
		    struct dbg_watch *out);
void dbg_watch_set_value(struct debugstate *d, int id, uint64_t value);
/* Copy the enabled watchpoints (for an engine to arm them). */
int dbg_watch_list(struct debugstate *d, struct dbg_watch *out, int max);

int dbg_catch_add(struct debugstate *d, enum ev_kind kind, const char *filter, bool once);
/* Does an event of kind with description desc stop the guest? Counts the hit
 * and removes a once-catch. */
bool dbg_catch_match(struct debugstate *d, enum ev_kind kind, const char *desc);

/* Delete / enable / disable any of the three by id; 0 or -1 (no such id). */
int dbg_delete(struct debugstate *d, int id);
int dbg_enable(struct debugstate *d, int id, bool on);
/* Delete all (delete with no argument). */
void dbg_clear(struct debugstate *d);

/* A copy of all three tables, taken under one lock, for a front end to
 * read at leisure. Internal breakpoints are included (marked internal):
 * listings skip them, a count of the engine's slots does not. */
struct dbg_snapshot {
	struct dbg_break bp[DBG_MAX];
	int nbp;
	struct dbg_watch wp[DBG_MAX];
	int nwp;
	struct dbg_catch ct[DBG_MAX];
	int nct;
};
void dbg_snapshot(struct debugstate *d, struct dbg_snapshot *out);

/* Print a table of everything, for "info breakpoints". */
void dbg_describe(struct debugstate *d, char *buf, size_t len);

const char *wp_kind_name(enum wp_kind k);

#endif
