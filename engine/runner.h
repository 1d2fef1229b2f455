/* The vCPU thread and the small request interface front ends use to control
 * it (docs/design.md, "Threads"): the engine runs only on this
 * thread; the command line, the TUI and the gdb stub ask it to continue,
 * step or stop, wait for stops, and read the state it snapshots at each
 * stop. Several front ends may watch one runner: each stop is announced to
 * every listener, so a stop from one side is seen by all.
 *
 *   struct runner r;
 *   runner_start(&r, engine, machine, err, sizeof err);
 *   runner_resume(&r, &(struct runner_req){ .kind = RQ_CONT });
 *   runner_stop(&r);                       // from any thread, at any time
 *   struct stop_info s = runner_wait(&r);  // until it is stopped again
 *   runner_destroy(&r);
 */
#ifndef BT86_ENGINE_RUNNER_H
#define BT86_ENGINE_RUNNER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

enum runner_kind {
	RQ_CONT,          /* run until something stops it */
	RQ_STEP_INSN,     /* count guest instructions */
	RQ_STEP_CCF,      /* count whole CCFs (one instruction on engines without) */
	RQ_UNTIL_ADDR,    /* run until EIP == addr (a temporary internal breakpoint) */
	RQ_UNTIL_EVENT,   /* run until an event of kind ev is logged */
};

struct runner_req {
	enum runner_kind kind;
	uint64_t count;          /* steps; 0 means 1 */
	uint32_t addr;
	enum ev_kind ev;
};

enum runner_state { RUNNER_STOPPED, RUNNER_RUNNING, RUNNER_EXITED };

typedef void runner_listener_fn(void *ctx, const struct stop_info *s);

#define RUNNER_MAX_LISTENERS 4

struct runner {
	struct engine *e;
	struct machine *m;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum runner_state state;
	bool has_req, quit, started;
	bool notifying;             /* listeners are being told of a stop */
	struct runner_req req;
	struct stop_info last;      /* the last stop */
	uint64_t stops;             /* how many stops so far (a cursor for waiters) */
	struct vcpu_state snap;     /* the guest state at the last stop */
	uint8_t fx[512];            /* and its x87/SSE state (FXSAVE image) */
	/* A function to run on the vCPU thread while stopped (runner_call). */
	void (*fn)(void *arg);
	void *fn_arg;
	bool fn_pending;
	/* Calls queued and calls run so far: a caller waits for its own ticket,
	 * so two front ends calling at once cannot take each other's completion. */
	uint64_t fn_queued, fn_run;
	struct { runner_listener_fn *fn; void *ctx; } listeners[RUNNER_MAX_LISTENERS];
	/* Told of a guest reset the runner carried out (runner_on_reset). */
	runner_listener_fn *reset_fn;
	void *reset_ctx;
	uint64_t resets;            /* machine resets carried out */
};

int runner_start(struct runner *r, struct engine *e, struct machine *m, char *err, size_t errlen);
void runner_destroy(struct runner *r);

/* Start running; -1 if it is running already or the guest has exited. */
int runner_resume(struct runner *r, const struct runner_req *req);
/* Ask a running vCPU to stop (no-op when stopped). Any thread. */
void runner_stop(struct runner *r);
/* Wait until the vCPU is stopped (or exited) and return the stop. */
struct stop_info runner_wait(struct runner *r);
/* Like runner_wait with a timeout; false if it is still running. */
bool runner_wait_for(struct runner *r, int timeout_ms, struct stop_info *s);

enum runner_state runner_state(struct runner *r);
/* How many stops so far: the number of the last one (0 before any). A
 * listener sees the number of the stop it is told of. */
uint64_t runner_stop_count(struct runner *r);
/* The runner as a front end sees it, read together under one lock. */
struct runner_status {
	enum runner_state state;
	uint64_t stops;          /* as runner_stop_count */
	bool notifying;          /* the last stop is still being told to the listeners */
	struct stop_info last;   /* the last stop (reason STOP_NONE before any) */
};
void runner_status(struct runner *r, struct runner_status *out);
/* The state and the stop info as of the last stop. */
void runner_snapshot(struct runner *r, struct vcpu_state *st, struct stop_info *s);
/* Run fn(arg) on the vCPU thread while it is stopped and wait for it (state
 * writes, breakpoint changes, TC inspection). Fails (-1) while running. */
int runner_call(struct runner *r, void (*fn)(void *arg), void *arg);
/* Write the guest state (through runner_call). */
int runner_set_state(struct runner *r, const struct vcpu_state *st);
/* The x87/SSE state at the last stop, and writing it. */
void runner_fpu(struct runner *r, uint8_t fx[512]);
int runner_set_fpu(struct runner *r, const uint8_t fx[512]);

/* A guest reset (STOP_RESET) is no stop: the runner reboots the machine and
 * the engine (engine_reboot) on the vCPU thread, tells fn (on that thread;
 * the front end prints "guest reset the machine ..."), and carries on with
 * the request: a run goes on from the entry point, a step stops there with
 * the STOP_RESET. A reboot that fails is a final STOP_ERROR. Set after
 * runner_start, before the first resume; fn NULL: told nobody. */
void runner_on_reset(struct runner *r, runner_listener_fn *fn, void *ctx);

int runner_listen(struct runner *r, runner_listener_fn *fn, void *ctx);
void runner_unlisten(struct runner *r, runner_listener_fn *fn, void *ctx);

#endif
