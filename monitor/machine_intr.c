/* The machine's interrupt seam: engines ask here whether an external
 * interrupt is pending for a vCPU and acknowledge it here (the INTA cycle),
 * never an interrupt controller directly. Controllers register with
 * machine_intc_add in priority order; the first that asserts INTR for the
 * vCPU is the one acknowledged. Today that is the 8259 pair; a local APIC
 * registers ahead of it (and routes the 8259's ExtINT through LINT0), one per
 * vCPU, without touching the engines. */
#include "monitor/machine.h"

#include <stdio.h>

int machine_intc_add(struct machine *m, const struct machine_intc *c)
{
	if (m->nintc == MACHINE_MAX_INTC)
		return -1;
	m->intc[m->nintc++] = *c;
	return 0;
}

bool machine_intr_pending(struct machine *m, unsigned cpu)
{
	for (int i = 0; i < m->nintc; i++)
		if (m->intc[i].pending(m->intc[i].ctx, cpu))
			return true;
	return false;
}

int machine_intr_ack(struct machine *m, unsigned cpu)
{
	for (int i = 0; i < m->nintc; i++)
		if (m->intc[i].pending(m->intc[i].ctx, cpu))
			return m->intc[i].ack(m->intc[i].ctx, cpu);
	return -1;
}

/* The INTR output may have changed (any thread): wake a halted vCPU and
 * tell the engine, which delivers at its next instruction boundary. */
void machine_intr_notify(void *opaque)
{
	struct machine *m = opaque;
	pthread_mutex_lock(&m->halt_lock);
	pthread_cond_broadcast(&m->halt_cond);
	pthread_mutex_unlock(&m->halt_lock);
	if (m->irq_notify)
		m->irq_notify(m->irq_opaque);
}

bool machine_wait_for_interrupt(struct machine *m, unsigned cpu)
{
	pthread_mutex_lock(&m->halt_lock);
	unsigned wakes = m->halt_wakes;
	while (!machine_intr_pending(m, cpu) && m->halt_wakes == wakes)
		pthread_cond_wait(&m->halt_cond, &m->halt_lock);
	bool intr = machine_intr_pending(m, cpu);
	pthread_mutex_unlock(&m->halt_lock);
	return intr;
}

void machine_wake(struct machine *m)
{
	pthread_mutex_lock(&m->halt_lock);
	m->halt_wakes++;
	pthread_cond_broadcast(&m->halt_cond);
	pthread_mutex_unlock(&m->halt_lock);
}
