/* The vCPU thread and its request interface (see runner.h). */
#include "engine/runner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Perform one request on the vCPU thread; returns the stop. */
static struct stop_info runner_perform(struct runner *r, const struct runner_req *q)
{
	struct stop_info s;
	struct engine *e = r->e;
	uint64_t n = q->count ? q->count : 1;

	switch (q->kind) {
	case RQ_STEP_INSN:
	case RQ_STEP_CCF:
		for (uint64_t i = 0; i < n; i++) {
			if (q->kind == RQ_STEP_INSN)
				e->ops->step_insn(e, &s);
			else
				e->ops->step_ccf(e, &s);
			if (s.reason != STOP_STEP)
				break;
		}
		return s;
	case RQ_UNTIL_ADDR: {
		int id = dbg_break_add(&r->m->debug, q->addr, true, true);
		if (e->ops->debug_sync)
			e->ops->debug_sync(e);
		e->ops->run(e, &s);
		if (id != -1) {
			/* Not hit (another stop came first): remove it again. */
			dbg_delete(&r->m->debug, id);
			if (e->ops->debug_sync)
				e->ops->debug_sync(e);
		}
		if (s.reason == STOP_BREAK && s.eip == q->addr && s.bp_id <= 0)
			snprintf(s.msg, sizeof s.msg, "reached 0x%08x", q->addr);
		return s;
	}
	case RQ_UNTIL_EVENT:
		dbg_catch_add(&r->m->debug, q->ev, "", true);
		if (e->ops->debug_sync)
			e->ops->debug_sync(e);
		else
			machine_sync_catches(r->m);
		e->ops->run(e, &s);
		return s;
	case RQ_CONT:
	default:
		e->ops->run(e, &s);
		return s;
	}
}

/* Perform q, rebooting the machine whenever the guest resets it. */
static struct stop_info runner_perform_rebooting(struct runner *r, const struct runner_req *q)
{
	for (;;) {
		struct stop_info s = runner_perform(r, q);
		if (s.reason != STOP_RESET)
			return s;
		char err[200];
		if (engine_reboot(r->e, err, sizeof err) < 0) {
			s.reason = STOP_ERROR;
			s.status = STATUS_GUEST_ERROR;
			snprintf(s.msg, sizeof s.msg, "guest reset the machine, but it cannot restart: %.180s", err);
			return s;
		}
		s.eip = r->m->boot_state.eip;
		pthread_mutex_lock(&r->lock);
		r->resets++;
		runner_listener_fn *fn = r->reset_fn;
		void *ctx = r->reset_ctx;
		bool quit = r->quit;
		pthread_mutex_unlock(&r->lock);
		if (fn)
			fn(ctx, &s);
		if (quit || q->kind == RQ_STEP_INSN || q->kind == RQ_STEP_CCF)
			return s;
	}
}

void runner_on_reset(struct runner *r, runner_listener_fn *fn, void *ctx)
{
	pthread_mutex_lock(&r->lock);
	r->reset_fn = fn;
	r->reset_ctx = ctx;
	pthread_mutex_unlock(&r->lock);
}

static void *runner_main(void *arg)
{
	struct runner *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->quit) {
		if (r->fn_pending) {
			pthread_mutex_unlock(&r->lock);
			r->fn(r->fn_arg);
			pthread_mutex_lock(&r->lock);
			r->fn_pending = false;
			r->fn_run++;
			pthread_cond_broadcast(&r->cond);
			continue;
		}
		if (!r->has_req) {
			pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		struct runner_req q = r->req;
		r->has_req = false;
		pthread_mutex_unlock(&r->lock);

		struct stop_info s = runner_perform_rebooting(r, &q);
		struct vcpu_state st;
		uint8_t fx[512] = { 0 };
		r->e->ops->get_state(r->e, &st);
		if (r->e->ops->get_fpu)
			r->e->ops->get_fpu(r->e, fx);

		pthread_mutex_lock(&r->lock);
		r->last = s;
		r->snap = st;
		memcpy(r->fx, fx, sizeof fx);
		r->stops++;
		bool final = s.reason == STOP_EXIT || s.reason == STOP_HALT ||
			     s.reason == STOP_ERROR || s.reason == STOP_UNAVAILABLE;
		r->state = final ? RUNNER_EXITED : RUNNER_STOPPED;
		/* Listeners run unlocked (they may call back into the runner), and
		 * before waiters wake, so whoever waits sees every front end told. */
		struct { runner_listener_fn *fn; void *ctx; } ls[RUNNER_MAX_LISTENERS];
		memcpy(ls, r->listeners, sizeof ls);
		r->notifying = true;
		pthread_mutex_unlock(&r->lock);
		for (int i = 0; i < RUNNER_MAX_LISTENERS; i++)
			if (ls[i].fn)
				ls[i].fn(ls[i].ctx, &s);
		pthread_mutex_lock(&r->lock);
		r->notifying = false;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int runner_start(struct runner *r, struct engine *e, struct machine *m, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->e = e;
	r->m = m;
	r->state = RUNNER_STOPPED;
	r->last.reason = STOP_NONE;
	r->last.bp_id = -1;
	r->last.watch_kind = -1;
	r->last.eip = m->boot_state.eip;
	r->snap = m->boot_state;
	if (e->ops->get_fpu)
		e->ops->get_fpu(e, r->fx);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, runner_main, r) != 0) {
		snprintf(err, errlen, "cannot start the vCPU thread: %s", strerror(errno));
		return -1;
	}
	r->started = true;
	/* The engine takes its thread-bound setup (GS base, signals) on the vCPU thread. */
	e->ops->get_state(e, &r->snap);
	return 0;
}

void runner_destroy(struct runner *r)
{
	if (!r->started)
		return;
	runner_stop(r);
	pthread_mutex_lock(&r->lock);
	r->quit = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	r->started = false;
}

int runner_resume(struct runner *r, const struct runner_req *req)
{
	int rc = -1;
	pthread_mutex_lock(&r->lock);
	if (r->state == RUNNER_STOPPED && !r->has_req) {
		r->req = *req;
		r->has_req = true;
		r->state = RUNNER_RUNNING;
		pthread_cond_broadcast(&r->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void runner_stop(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	bool running = r->state == RUNNER_RUNNING;
	pthread_mutex_unlock(&r->lock);
	if (running)
		r->e->ops->request_stop(r->e);
}

struct stop_info runner_wait(struct runner *r)
{
	struct stop_info s;
	pthread_mutex_lock(&r->lock);
	while (r->state == RUNNER_RUNNING || r->notifying)
		pthread_cond_wait(&r->cond, &r->lock);
	s = r->last;
	pthread_mutex_unlock(&r->lock);
	return s;
}

bool runner_wait_for(struct runner *r, int timeout_ms, struct stop_info *s)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (r->state == RUNNER_RUNNING || r->notifying)
		if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
			break;
	bool stopped = r->state != RUNNER_RUNNING;
	if (s)
		*s = r->last;
	pthread_mutex_unlock(&r->lock);
	return stopped;
}

enum runner_state runner_state(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	enum runner_state st = r->state;
	pthread_mutex_unlock(&r->lock);
	return st;
}

uint64_t runner_stop_count(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	uint64_t n = r->stops;
	pthread_mutex_unlock(&r->lock);
	return n;
}

void runner_status(struct runner *r, struct runner_status *out)
{
	pthread_mutex_lock(&r->lock);
	out->state = r->state;
	out->stops = r->stops;
	out->notifying = r->notifying;
	out->last = r->last;
	pthread_mutex_unlock(&r->lock);
}

void runner_snapshot(struct runner *r, struct vcpu_state *st, struct stop_info *s)
{
	pthread_mutex_lock(&r->lock);
	if (st)
		*st = r->snap;
	if (s)
		*s = r->last;
	pthread_mutex_unlock(&r->lock);
}

int runner_call(struct runner *r, void (*fn)(void *arg), void *arg)
{
	if (pthread_equal(pthread_self(), r->thread)) {
		fn(arg);
		return 0;
	}
	pthread_mutex_lock(&r->lock);
	if (r->state == RUNNER_RUNNING || r->has_req) {
		pthread_mutex_unlock(&r->lock);
		return -1;
	}
	while (r->fn_pending)
		pthread_cond_wait(&r->cond, &r->lock);
	r->fn = fn;
	r->fn_arg = arg;
	r->fn_pending = true;
	uint64_t ticket = ++r->fn_queued;
	pthread_cond_broadcast(&r->cond);
	while (r->fn_run < ticket)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

struct runner_set_arg {
	struct runner *r;
	const struct vcpu_state *st;
};

static void runner_do_set_state(void *p)
{
	struct runner_set_arg *a = p;
	a->r->e->ops->set_state(a->r->e, a->st);
	a->r->e->ops->get_state(a->r->e, &a->r->snap);
}

int runner_set_state(struct runner *r, const struct vcpu_state *st)
{
	struct runner_set_arg a = { r, st };
	return runner_call(r, runner_do_set_state, &a);
}

void runner_fpu(struct runner *r, uint8_t fx[512])
{
	pthread_mutex_lock(&r->lock);
	memcpy(fx, r->fx, 512);
	pthread_mutex_unlock(&r->lock);
}

struct runner_fpu_arg {
	struct runner *r;
	const uint8_t *fx;
};

static void runner_do_set_fpu(void *p)
{
	struct runner_fpu_arg *a = p;
	if (a->r->e->ops->set_fpu)
		a->r->e->ops->set_fpu(a->r->e, a->fx);
	memcpy(a->r->fx, a->fx, 512);
}

int runner_set_fpu(struct runner *r, const uint8_t fx[512])
{
	struct runner_fpu_arg a = { r, fx };
	return runner_call(r, runner_do_set_fpu, &a);
}

int runner_listen(struct runner *r, runner_listener_fn *fn, void *ctx)
{
	int rc = -1;
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < RUNNER_MAX_LISTENERS && rc; i++)
		if (!r->listeners[i].fn) {
			r->listeners[i].fn = fn;
			r->listeners[i].ctx = ctx;
			rc = 0;
		}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void runner_unlisten(struct runner *r, runner_listener_fn *fn, void *ctx)
{
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < RUNNER_MAX_LISTENERS; i++)
		if (r->listeners[i].fn == fn && r->listeners[i].ctx == ctx)
			r->listeners[i].fn = NULL;
	pthread_mutex_unlock(&r->lock);
}
