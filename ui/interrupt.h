/* Ctrl-C (SIGINT) or SIGTERM in a headless run: the guest is stopped like
 * any other stop, so bt86 reports where it was and prints --stats, then
 * exits with STATUS_INTERRUPTED. Call interrupt_block before starting any
 * thread (they inherit the block), interrupt_watch once the engine exists.
 *
 *   interrupt_block();
 *   ... create the engine ...
 *   struct interrupt_watch *iw = interrupt_watch(e);
 *   e->ops->run(e, &s);
 *   interrupt_unwatch(iw);   // true if a signal stopped the guest */
#ifndef BT86_UI_INTERRUPT_H
#define BT86_UI_INTERRUPT_H

#include <stdbool.h>

#include "engine/engine.h"

struct interrupt_watch;

void interrupt_block(void);
/* A thread that waits for the signals and asks e to stop; NULL if it
 * cannot be started (the signals then stay blocked: they are ignored). */
struct interrupt_watch *interrupt_watch(struct engine *e);
/* End the watch: whether a signal came. */
bool interrupt_unwatch(struct interrupt_watch *iw);

#endif
