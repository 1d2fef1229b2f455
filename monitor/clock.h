/* The machine's clock thread: it turns the PIT's computed output edges into
 * IRQ0 requests in real time. It sleeps on a condition variable timed against
 * CLOCK_MONOTONIC until pit_next_event_ns(), calls pit_update(), and goes back
 * to sleep; with channel 0 idle it sleeps until kicked, so the host CPU idles
 * when the guest's timer is off. clock_start() registers clock_kick() as the
 * PIT's kick callback, so a guest that reprograms channel 0 wakes the thread
 * to recompute its deadline; nothing else needs wiring.
 *
 * The PIT must take its time from clock_monotonic_ns() (or another
 * CLOCK_MONOTONIC source): deadlines are compared with that clock.
 *
 *   pit_init(&pit, &pic, clock_monotonic_ns, NULL);
 *   struct clock clk;
 *   if (clock_start(&clk, &pit, err, sizeof err) < 0)
 *           fail(err);
 *   ...                                   // guest runs, IRQ0 arrives on time
 *   clock_stop(&clk);                     // joins the thread
 *
 * Locks: the thread calls into the pit holding no lock of its own; clock_kick
 * takes the clock's mutex and is called with the pit's lock held, so the order
 * is pit -> clock.
 */
#ifndef BT86_MONITOR_CLOCK_H
#define BT86_MONITOR_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pit;

/* The shortest sleep between two updates: a guest programming an absurd rate
 * (e.g. a count of 2) gets its edges coalesced rather than a spinning thread. */
#define CLOCK_MIN_PERIOD_NS 10000u

struct clock {
	struct pit *pit;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;     /* timed against CLOCK_MONOTONIC */
	bool running;            /* started and not yet stopped */
	bool stop;               /* the thread must exit */
	bool kicked;             /* recompute the deadline now */
	uint64_t wakeups;        /* times the thread woke (timeout or kick) */
	uint64_t updates;        /* pit_update() calls */
};

/* CLOCK_MONOTONIC in nanoseconds; a pit_clock_fn (opaque unused). */
uint64_t clock_monotonic_ns(void *opaque);

/* Start the thread for pit t. 0, or -1 with a message in err. */
int clock_start(struct clock *c, struct pit *t, char *err, size_t errlen);

/* Stop and join the thread (no-op if it is not running). */
void clock_stop(struct clock *c);

/* The PIT was reprogrammed: recompute the deadline now. Thread-safe. */
void clock_kick(struct clock *c);

#endif
