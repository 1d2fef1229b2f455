/* The shared steps of a vCPU loop (see vcpu_loop.h). */
#include "engine/vcpu_loop.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vloop_stop_notify(void *opaque)
{
	struct vcpu_loop *l = opaque;
	l->e->ops->request_stop(l->e);
}

void vloop_init(struct vcpu_loop *l, struct engine *e, unsigned cpu)
{
	memset(l, 0, sizeof *l);
	l->e = e;
	l->cpu = cpu;
	e->m->stop_opaque = l;
	e->m->stop_notify = vloop_stop_notify;
}

void vloop_fini(struct vcpu_loop *l)
{
	if (l->e && l->e->m->stop_opaque == l)
		l->e->m->stop_notify = NULL;
}

static void vloop_clear(struct stop_info *s)
{
	memset(s, 0, sizeof *s);
	s->bp_id = -1;
	s->watch_kind = -1;
}

void vloop_begin(struct vcpu_loop *l, uint32_t eip, struct stop_info *s)
{
	vloop_clear(s);
	l->resume_eip = eip;
	l->resume_valid = true;
	atomic_store(&l->running, true);
}

void vloop_ran(struct vcpu_loop *l)
{
	l->resume_valid = false;
}

void vloop_end(struct vcpu_loop *l)
{
	atomic_store(&l->running, false);
}

void vloop_request_stop(struct vcpu_loop *l)
{
	atomic_store(&l->stop_requested, true);
}

void vloop_stop(struct vcpu_loop *l, struct stop_info *s, enum stop_reason r, uint32_t eip, const char *fmt, ...)
{
	va_list ap;
	vloop_clear(s);
	s->reason = r;
	s->eip = eip;
	s->want_insn = r == STOP_ERROR || r == STOP_UNAVAILABLE;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	evlog_add(&l->e->m->events, EV_STOP, eip, -1, "%s", s->msg);
}

bool vloop_take_exit(struct vcpu_loop *l, uint32_t eip, struct stop_info *s)
{
	return machine_take_exit(l->e->m, eip, s);
}

bool vloop_take_request(struct vcpu_loop *l, uint32_t eip, struct stop_info *s)
{
	if (!atomic_exchange(&l->stop_requested, false))
		return false;
	vloop_clear(s);
	s->reason = STOP_REQUEST;
	s->eip = eip;
	snprintf(s->msg, sizeof s->msg, "stopped at EIP 0x%08x", eip);
	if (machine_take_catch(l->e->m, s->msg, sizeof s->msg))
		s->reason = STOP_BREAK;
	return true;
}

enum vloop_halt vloop_halt(struct vcpu_loop *l, uint32_t eip, struct stop_info *s)
{
	struct machine *m = l->e->m;
	if (!l->halted)
		return VLOOP_RUN;
	if (atomic_exchange(&l->stop_requested, false)) {
		vloop_clear(s);
		s->reason = STOP_REQUEST;
		s->eip = eip;
		snprintf(s->msg, sizeof s->msg, "stopped in HLT at EIP 0x%08x", eip - 1);
		if (machine_take_catch(m, s->msg, sizeof s->msg))
			s->reason = STOP_BREAK;
		return VLOOP_STOP;
	}
	if (machine_intr_pending(m, l->cpu))
		return VLOOP_WAKE;
	machine_wait_for_interrupt(m, l->cpu);   /* the host CPU idles here */
	return VLOOP_AGAIN;
}

void vloop_break_stop(struct vcpu_loop *l, uint32_t eip, int id, struct stop_info *s)
{
	vloop_clear(s);
	s->reason = STOP_BREAK;
	s->eip = eip;
	s->bp_id = id;
	if (id > 0)
		snprintf(s->msg, sizeof s->msg, "breakpoint %d at 0x%08x", id, eip);
	else
		snprintf(s->msg, sizeof s->msg, "stopped at 0x%08x", eip);
	evlog_add(&l->e->m->events, EV_STOP, eip, -1, "%s", s->msg);
}

bool vloop_breakpoint(struct vcpu_loop *l, uint32_t eip, struct stop_info *s)
{
	struct debugstate *d = &l->e->m->debug;
	if ((l->resume_valid && eip == l->resume_eip) || !dbg_is_break(d, eip))
		return false;
	vloop_break_stop(l, eip, dbg_break_hit(d, eip), s);
	return true;
}
