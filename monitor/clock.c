/* The clock thread (see clock.h). One loop: ask every client for its next
 * deadline, sleep until the earliest (or until kicked or stopped), let every
 * client do what is due. */
#include "monitor/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#define NSEC_PER_SEC 1000000000ull

uint64_t clock_monotonic_ns(void *opaque)
{
	struct timespec ts;
	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_raw_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint32_t clock_tsc_khz(unsigned ms)
{
	/* Bracket each TSC read by two clock reads and keep the tighter pair, so
	 * a preemption between them costs accuracy only when both ends suffer. */
	uint64_t t0 = clock_raw_ns(), c0 = __rdtsc(), t0b = clock_raw_ns();
	if (!t0)
		return 0;
	uint64_t end = t0 + (uint64_t)ms * 1000000u, t1, c1, t1b;
	do {
		t1 = clock_raw_ns();
		c1 = __rdtsc();
		t1b = clock_raw_ns();
	} while (t1 < end);
	uint64_t ns = (t1 + t1b) / 2 - (t0 + t0b) / 2;
	if (!ns || c1 <= c0)
		return 0;
	uint64_t khz = (c1 - c0) * 1000000u / ns;
	return khz > UINT32_MAX ? 0 : (uint32_t)khz;
}

static struct timespec clock_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NSEC_PER_SEC),
				  .tv_nsec = (long)(ns % NSEC_PER_SEC) };
}

/* Sleep until deadline (CLOCK_NO_EVENT: forever), a kick or a stop. Returns
 * false if the thread must exit. Called with c->lock held. */
static bool clock_wait(struct clock *c, uint64_t deadline)
{
	while (!c->stop && !c->kicked) {
		if (deadline == CLOCK_NO_EVENT) {
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

/* The earliest deadline of all clients, each no sooner than
 * CLOCK_MIN_PERIOD_NS after its last update. Called with run_lock held. */
static uint64_t clock_deadline(struct clock *c)
{
	uint64_t deadline = CLOCK_NO_EVENT;
	for (int i = 0; i < c->nclients; i++) {
		struct clock_client *cl = &c->client[i];
		uint64_t d = cl->next_ns(cl->ctx);
		if (d != CLOCK_NO_EVENT && d < cl->last + CLOCK_MIN_PERIOD_NS)
			d = cl->last + CLOCK_MIN_PERIOD_NS;
		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

static void *clock_thread(void *arg)
{
	struct clock *c = arg;

	for (;;) {
		pthread_mutex_lock(&c->run_lock);
		uint64_t deadline = clock_deadline(c);
		pthread_mutex_unlock(&c->run_lock);
		pthread_mutex_lock(&c->lock);
		bool go_on = clock_wait(c, deadline);
		pthread_mutex_unlock(&c->lock);
		if (!go_on)
			break;
		pthread_mutex_lock(&c->run_lock);
		uint64_t now = clock_monotonic_ns(NULL);
		for (int i = 0; i < c->nclients; i++) {
			struct clock_client *cl = &c->client[i];
			if (now < cl->last + CLOCK_MIN_PERIOD_NS)
				continue;
			cl->update(cl->ctx);
			cl->last = clock_monotonic_ns(NULL);
		}
		pthread_mutex_unlock(&c->run_lock);
		__atomic_add_fetch(&c->updates, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

void clock_kick_cb(void *opaque)
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
	pthread_mutex_init(&c->run_lock, NULL);
	return 0;
}

int clock_start(struct clock *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (clock_init_sync(c, err, errlen) < 0)
		return -1;
	int rc = pthread_create(&c->thread, NULL, clock_thread, c);
	if (rc != 0) {
		snprintf(err, errlen, "clock: cannot start thread: %s", strerror(rc));
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->lock);
		pthread_mutex_destroy(&c->run_lock);
		return -1;
	}
	c->running = true;
	return 0;
}

void clock_stop(struct clock *c)
{
	if (!c->running)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->run_lock);
	c->running = false;
}

int clock_add(struct clock *c, const char *name, clock_next_fn *next_ns, clock_update_fn *update, void *ctx)
{
	pthread_mutex_lock(&c->run_lock);
	if (c->nclients == CLOCK_MAX_CLIENTS) {
		pthread_mutex_unlock(&c->run_lock);
		return -1;
	}
	c->client[c->nclients++] = (struct clock_client){ name, next_ns, update, ctx, 0 };
	pthread_mutex_unlock(&c->run_lock);
	clock_kick(c);
	return 0;
}

void clock_remove(struct clock *c, void *ctx)
{
	pthread_mutex_lock(&c->run_lock);
	for (int i = 0; i < c->nclients; i++)
		if (c->client[i].ctx == ctx) {
			memmove(&c->client[i], &c->client[i + 1], (size_t)(c->nclients - i - 1) * sizeof c->client[0]);
			c->nclients--;
			i--;
		}
	pthread_mutex_unlock(&c->run_lock);
}

void clock_kick(struct clock *c)
{
	pthread_mutex_lock(&c->lock);
	c->kicked = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}
