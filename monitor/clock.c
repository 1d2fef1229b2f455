/* The clock thread (see clock.h). One loop: ask the PIT for its next edge,
 * sleep until then (or until kicked or stopped), update the PIT.
 *
 *   clock_start(&clk, &pit, err, sizeof err);
 *   clock_kick(&clk);     // after channel 0 changed (the PIT does this itself)
 *   clock_stop(&clk);
 */
#include "monitor/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "monitor/pit.h"

#define NSEC_PER_SEC 1000000000ull

uint64_t clock_monotonic_ns(void *opaque)
{
	struct timespec ts;
	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static struct timespec clock_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NSEC_PER_SEC),
				  .tv_nsec = (long)(ns % NSEC_PER_SEC) };
}

/* Sleep until deadline (PIT_NO_EVENT: forever), a kick or a stop. Returns
 * false if the thread must exit. Called with c->lock held. */
static bool clock_wait(struct clock *c, uint64_t deadline)
{
	while (!c->stop && !c->kicked) {
		if (deadline == PIT_NO_EVENT) {
			pthread_cond_wait(&c->cond, &c->lock);
			continue;
		}
		if (clock_monotonic_ns(NULL) >= deadline)
			break;
		struct timespec ts = clock_ts(deadline);
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
			break;
	}
	c->kicked = false;
	__atomic_add_fetch(&c->wakeups, 1, __ATOMIC_RELAXED);
	return !c->stop;
}

static void *clock_thread(void *arg)
{
	struct clock *c = arg;
	uint64_t last = 0;

	for (;;) {
		/* Ask the PIT without our lock held: the pit calls clock_kick()
		 * with its own lock held (order pit -> clock). */
		uint64_t deadline = pit_next_event_ns(c->pit);
		if (deadline != PIT_NO_EVENT && deadline < last + CLOCK_MIN_PERIOD_NS)
			deadline = last + CLOCK_MIN_PERIOD_NS;
		pthread_mutex_lock(&c->lock);
		bool go_on = clock_wait(c, deadline);
		pthread_mutex_unlock(&c->lock);
		if (!go_on)
			break;
		pit_update(c->pit);
		last = clock_monotonic_ns(NULL);
		__atomic_add_fetch(&c->updates, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void clock_kick_cb(void *opaque)
{
	clock_kick(opaque);
}

static int clock_init_sync(struct clock *c, char *err, size_t errlen)
{
	pthread_condattr_t attr;
	int rc = pthread_condattr_init(&attr);
	if (rc == 0)
		rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (rc != 0) {
		snprintf(err, errlen, "clock: condition variable: %s", strerror(rc));
		return -1;
	}
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

int clock_start(struct clock *c, struct pit *t, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->pit = t;
	if (clock_init_sync(c, err, errlen) < 0)
		return -1;
	/* Kicks before the thread's first look at the PIT are kept in c->kicked. */
	pit_set_kick(t, clock_kick_cb, c);
	int rc = pthread_create(&c->thread, NULL, clock_thread, c);
	if (rc != 0) {
		snprintf(err, errlen, "clock: cannot start thread: %s", strerror(rc));
		pit_set_kick(t, NULL, NULL);
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->lock);
		return -1;
	}
	c->running = true;
	return 0;
}

void clock_stop(struct clock *c)
{
	if (!c->running)
		return;
	/* After this no kick is running or will run (kicks happen under the pit's lock). */
	pit_set_kick(c->pit, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	c->running = false;
}

void clock_kick(struct clock *c)
{
	pthread_mutex_lock(&c->lock);
	c->kicked = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}
