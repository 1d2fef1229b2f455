/* The machine's clock thread: it turns the timers' computed deadlines into
 * events in real time. Timer devices (the PIT, a local APIC timer, the RTC)
 * register as clients: each says when its next event is due (next_ns) and
 * does what is due when asked (update). The thread sleeps on a condition
 * variable timed against CLOCK_MONOTONIC until the earliest deadline, then
 * calls every client's update, and goes back to sleep; with no deadline it
 * sleeps until kicked, so the host CPU idles when the guest's timers are
 * off. A client whose deadline changed (the guest reprogrammed it) calls
 * clock_kick() so the thread recomputes.
 *
 * Clients take their time from clock_monotonic_ns() (or another
 * CLOCK_MONOTONIC source): deadlines are compared with that clock.
 *
 *   struct clock clk;
 *   clock_start(&clk, err, sizeof err);
 *   clock_add(&clk, "pit", pit_next_event_ns_cb, pit_update_cb, &pit);
 *   pit_set_kick(&pit, clock_kick_cb, &clk);
 *   ...                                   // guest runs, IRQ0 arrives on time
 *   clock_remove(&clk, &pit);             // no call into &pit after this
 *   clock_stop(&clk);                     // joins the thread
 *
 * Locks: the thread calls clients holding only c->run_lock (never c->lock);
 * clock_kick takes c->lock and may be called with a client's lock held, so
 * the order is client -> c->lock, and run_lock -> client. clock_add and
 * clock_remove take run_lock: do not call them with a client's lock held.
 */
#ifndef BT86_MONITOR_CLOCK_H
#define BT86_MONITOR_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The shortest sleep between two updates of one client: a guest programming
 * an absurd rate (e.g. a PIT count of 2) gets its events coalesced rather
 * than a spinning thread. */
#define CLOCK_MIN_PERIOD_NS 10000u
#define CLOCK_NO_EVENT      UINT64_MAX   /* next_ns(): nothing will come */
#define CLOCK_MAX_CLIENTS   16

typedef uint64_t clock_next_fn(void *ctx);
typedef void clock_update_fn(void *ctx);

struct clock_client {
	const char *name;
	clock_next_fn *next_ns;
	clock_update_fn *update;   /* do what is due by now, nothing else */
	void *ctx;
	uint64_t last;             /* when update last ran (the thread's) */
};

struct clock {
	pthread_t thread;
	pthread_mutex_t lock;      /* guards the flags below */
	pthread_mutex_t run_lock;  /* guards client[]; held while calling clients */
	pthread_cond_t cond;       /* timed against CLOCK_MONOTONIC */
	struct clock_client client[CLOCK_MAX_CLIENTS];
	int nclients;
	bool running;              /* started and not yet stopped */
	bool stop;                 /* the thread must exit */
	bool kicked;               /* recompute the deadline now */
	uint64_t wakeups;          /* times the thread woke (timeout or kick) */
	uint64_t updates;          /* rounds of client updates */
};

/* CLOCK_MONOTONIC in nanoseconds (opaque unused). */
uint64_t clock_monotonic_ns(void *opaque);

/* The host TSC's frequency in kHz, measured against CLOCK_MONOTONIC_RAW over
 * ms milliseconds (the guest's TSC is the host's plus an offset, so this is
 * what the guest's CPUID 0x15/0x16 report). 0 if the clock cannot be read. */
uint32_t clock_tsc_khz(unsigned ms);

/* Start the thread (no clients yet). 0, or -1 with a message in err. */
int clock_start(struct clock *c, char *err, size_t errlen);

/* Stop and join the thread (no-op if it is not running). */
void clock_stop(struct clock *c);

/* Register a client; 0, or -1 if the table is full. Kicks the thread. */
int clock_add(struct clock *c, const char *name, clock_next_fn *next_ns, clock_update_fn *update, void *ctx);
/* Unregister the client with this ctx; once it returns no call into ctx is
 * running or will run. */
void clock_remove(struct clock *c, void *ctx);

/* A client's deadline changed: recompute now. Thread-safe. */
void clock_kick(struct clock *c);
/* clock_kick with an opaque pointer, for callbacks such as pit_set_kick. */
void clock_kick_cb(void *clock);

#endif
