/* The steps every engine's vCPU loop takes between runs of guest code, so an
 * engine writes only what is its own (entering the TC, KVM_RUN, an
 * interpreter's step) and every engine stops, halts, takes breakpoints and
 * reports catches the same way. An engine embeds a struct vcpu_loop:
 *
 *   vloop_init(&x->loop, &x->base, 0);     // create: a catch firing stops x
 *   vloop_begin(&x->loop, eip, s);         // run/step: s cleared, resume point noted
 *   for (;;) {
 *       if (vloop_take_exit(&x->loop, eip, s))
 *           break;                         // a device ended the run (exit port)
 *       ... deliver a pending interrupt (machine_intr_pending/ack); clear loop.halted ...
 *       enum vloop_halt h = vloop_halt(&x->loop, eip, s);
 *       if (h == VLOOP_STOP)
 *           break;                         // stopped in HLT
 *       if (h != VLOOP_RUN)
 *           continue;                      // slept, or an interrupt to deliver first
 *       if (vloop_breakpoint(&x->loop, eip, s) || vloop_take_request(&x->loop, eip, s))
 *           break;                         // a breakpoint, a stop request or a catch
 *       ... run guest code ...
 *       vloop_ran(&x->loop);
 *   }
 *   vloop_end(&x->loop);
 *   vloop_fini(&x->loop);                  // destroy
 *
 * request_stop (any thread) calls vloop_request_stop and then kicks the
 * engine's own way (a signal into the TC, KVM's immediate_exit).
 */
#ifndef BT86_ENGINE_VCPU_LOOP_H
#define BT86_ENGINE_VCPU_LOOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "monitor/stop.h"

struct vcpu_loop {
	struct engine *e;
	unsigned cpu;                /* which vCPU: the interrupt seam's index */
	atomic_bool stop_requested;  /* a front end wants the vCPU stopped */
	atomic_bool running;         /* inside run/step (between begin and end) */
	bool halted;                 /* in HLT with IF set: sleep until an interrupt */
	uint32_t resume_eip;         /* continuing from a breakpoint here: do not stop at once */
	bool resume_valid;
};

enum vloop_halt {
	VLOOP_RUN,    /* not halted: run guest code */
	VLOOP_WAKE,   /* halted, and an interrupt is pending: deliver it */
	VLOOP_AGAIN,  /* slept; look again from the top */
	VLOOP_STOP,   /* stopped in HLT by a request (s filled) */
};

/* Hook e's machine (a catch firing stops this engine); vloop_fini unhooks. */
void vloop_init(struct vcpu_loop *l, struct engine *e, unsigned cpu);
void vloop_fini(struct vcpu_loop *l);

/* Start of run/step: s is cleared (no breakpoint, no watchpoint) and a
 * breakpoint at eip, where the guest resumes, will not stop it at once. */
void vloop_begin(struct vcpu_loop *l, uint32_t eip, struct stop_info *s);
/* Guest code ran: a breakpoint at the resume point counts again. */
void vloop_ran(struct vcpu_loop *l);
void vloop_end(struct vcpu_loop *l);

/* Ask the vCPU to stop (any thread); the engine kicks it as it must. */
void vloop_request_stop(struct vcpu_loop *l);

/* A device ended the run (the debug-exit port): s filled, true. */
bool vloop_take_exit(struct vcpu_loop *l, uint32_t eip, struct stop_info *s);
/* A stop request is pending: STOP_REQUEST, or STOP_BREAK with the catch's
 * line when a catch is what asked; s filled, true. */
bool vloop_take_request(struct vcpu_loop *l, uint32_t eip, struct stop_info *s);
/* HLT with interrupts enabled: see enum vloop_halt. */
enum vloop_halt vloop_halt(struct vcpu_loop *l, uint32_t eip, struct stop_info *s);
/* A breakpoint at eip in the monitor's table (not the resume point): s
 * filled, true. */
bool vloop_breakpoint(struct vcpu_loop *l, uint32_t eip, struct stop_info *s);
/* Fill s for breakpoint id (0: an internal one, as `until` sets) at eip. */
void vloop_break_stop(struct vcpu_loop *l, uint32_t eip, int id, struct stop_info *s);

/* Fill s with reason, eip and the formatted message, ask front ends for the
 * instruction on errors, and log the stop. */
void vloop_stop(struct vcpu_loop *l, struct stop_info *s, enum stop_reason r, uint32_t eip, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
