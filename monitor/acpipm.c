/* The ACPI PM I/O block and the reset control register (see acpipm.h).
 * Register semantics follow the ACPI 6.0 specification, section 4.8. */
#include "monitor/acpipm.h"
#include "monitor/clock.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PM_STS     0x00
#define PM_EN      0x02
#define PM_CNT     0x04
#define PM_TMR     0x08
#define PM_GPE_STS 0x20
#define PM_GPE_EN  0x22
/* PM1 status bits that can raise the SCI (their enable bits share places). */
#define PM_SCI_BITS (ACPIPM_STS_TMR | ACPIPM_STS_GBL | ACPIPM_STS_PWRBTN | ACPIPM_STS_SLPBTN | ACPIPM_STS_RTC)
/* PM1_CNT bits that hold what is written: BM_RLD and SLP_TYP. */
#define PM_CNT_KEEP 0x1c02u
#define NS_PER_S    1000000000ull

static uint64_t pm_ticks(const struct acpipm *pm, uint64_t now)
{
	uint64_t ns = now - pm->base_ns;
	return ns / NS_PER_S * PC_ACPI_PM_TMR_HZ + ns % NS_PER_S * PC_ACPI_PM_TMR_HZ / NS_PER_S;
}

/* The first nanosecond at which the timer reads ticks. */
static uint64_t pm_ns_of(const struct acpipm *pm, uint64_t ticks)
{
	uint64_t s = ticks / PC_ACPI_PM_TMR_HZ, rem = ticks % PC_ACPI_PM_TMR_HZ;
	return pm->base_ns + s * NS_PER_S + (rem * NS_PER_S + PC_ACPI_PM_TMR_HZ - 1) / PC_ACPI_PM_TMR_HZ;
}

/* Latch TMR_STS if bit 23 toggled since the last look (under lock). */
static void pm_sync(struct acpipm *pm)
{
	uint64_t half = pm_ticks(pm, pm->now(pm->now_opaque)) >> 23;
	if (half != pm->seen_half) {
		pm->seen_half = half;
		pm->sts |= ACPIPM_STS_TMR;
	}
}

/* Drive the SCI from the status and enable bits (under lock). */
static void pm_update_sci(struct acpipm *pm)
{
	bool level = (pm->sts & pm->en & PM_SCI_BITS) || (pm->gpe_sts & pm->gpe_en);
	if (level == pm->sci)
		return;
	pm->sci = level;
	if (pm->m)
		machine_set_irq(pm->m, PC_ACPI_SCI_IRQ, level);
}

void acpipm_init(struct acpipm *pm, struct machine *m, acpipm_now_fn *now, void *now_opaque)
{
	memset(pm, 0, sizeof *pm);
	pthread_mutex_init(&pm->lock, NULL);
	pm->m = m;
	pm->now = now ? now : clock_monotonic_ns;
	pm->now_opaque = now_opaque;
	pm->base_ns = pm->now(now_opaque);
}

void acpipm_destroy(struct acpipm *pm)
{
	pthread_mutex_destroy(&pm->lock);
}

void acpipm_reset(struct acpipm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->sts = pm->en = pm->cnt = 0;
	pm->gpe_sts = pm->gpe_en = 0;
	pm->seen_half = pm_ticks(pm, pm->now(pm->now_opaque)) >> 23;
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	if (pm->kick)
		pm->kick(pm->kick_opaque);
}

uint32_t acpipm_timer(struct acpipm *pm)
{
	return (uint32_t)(pm_ticks(pm, pm->now(pm->now_opaque)) & ACPIPM_TMR_MASK);
}

static uint8_t pm_read8(struct acpipm *pm, unsigned off)
{
	unsigned sh = (off & 1) * 8;
	switch (off & ~1u) {
	case PM_STS:
		pm_sync(pm);
		return (uint8_t)(pm->sts >> sh);
	case PM_EN: return (uint8_t)(pm->en >> sh);
	case PM_CNT: return (uint8_t)((pm->cnt | ACPIPM_CNT_SCI_EN) >> sh);
	case PM_TMR:
	case PM_TMR + 2:
		return (uint8_t)(acpipm_timer(pm) >> ((off - PM_TMR) * 8));
	case PM_GPE_STS: return (uint8_t)(pm->gpe_sts >> sh);
	case PM_GPE_EN: return (uint8_t)(pm->gpe_en >> sh);
	}
	return 0;
}

/* A byte write; returns the SLP_TYP to enter, or -1. */
static int pm_write8(struct acpipm *pm, unsigned off, uint8_t v, bool *kick)
{
	unsigned sh = (off & 1) * 8;
	uint16_t bits = (uint16_t)(v << sh), mask = (uint16_t)(0xff << sh);
	switch (off & ~1u) {
	case PM_STS:
		pm_sync(pm);
		pm->sts &= (uint16_t)~bits;   /* write 1 to clear */
		break;
	case PM_EN:
		*kick = ((pm->en ^ ((pm->en & ~mask) | bits)) & ACPIPM_STS_TMR) != 0;
		pm->en = (uint16_t)((pm->en & ~mask) | bits);
		break;
	case PM_CNT: {
		uint16_t cnt = (uint16_t)((pm->cnt & ~mask) | bits);
		pm->cnt = cnt & PM_CNT_KEEP;   /* SLP_EN and GBL_RLS are write-only */
		if (cnt & ACPIPM_CNT_SLP_EN)
			return (int)ACPIPM_CNT_SLP_TYP(cnt);
		break;
	}
	case PM_GPE_STS:
		pm->gpe_sts &= (uint16_t)~bits;
		break;
	case PM_GPE_EN:
		pm->gpe_en = (uint16_t)((pm->gpe_en & ~mask) | bits);
		break;
	}
	return -1;
}

void acpipm_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct acpipm *pm = opaque;
	uint8_t *b = data;
	int sleep = -1;
	bool kick = false;

	pthread_mutex_lock(&pm->lock);
	for (unsigned i = 0; i < size; i++) {
		unsigned o = (unsigned)off + i;
		if (o >= PC_ACPI_PM_LEN) {
			if (!is_write)
				b[i] = 0xff;
			continue;
		}
		if (!is_write) {
			b[i] = pm_read8(pm, o);
			continue;
		}
		int s = pm_write8(pm, o, b[i], &kick);
		if (s >= 0)
			sleep = s;
	}
	if (is_write)
		pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	if (kick && pm->kick)
		pm->kick(pm->kick_opaque);
	if (sleep < 0 || !pm->m)
		return;
	if (sleep == PC_ACPI_S5_TYP)
		machine_request(pm->m, MACHINE_REQ_POWEROFF, 0, 0, "ACPI S5");
	else
		machine_unsupported(pm->m, "ACPI sleep with SLP_TYP %d (only S5, SLP_TYP %d, is modelled)", sleep,
				    PC_ACPI_S5_TYP);
}

uint64_t acpipm_clock_next(void *opaque)
{
	struct acpipm *pm = opaque;
	pthread_mutex_lock(&pm->lock);
	uint64_t next = CLOCK_NO_EVENT;
	if (pm->en & ACPIPM_STS_TMR)
		next = pm_ns_of(pm, (pm->seen_half + 1) << 23);
	pthread_mutex_unlock(&pm->lock);
	return next;
}

void acpipm_clock_update(void *opaque)
{
	struct acpipm *pm = opaque;
	pthread_mutex_lock(&pm->lock);
	pm_sync(pm);
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

void acpipm_gpe_set(struct acpipm *pm, unsigned bit)
{
	pthread_mutex_lock(&pm->lock);
	pm->gpe_sts |= (uint16_t)(1u << (bit & 15));
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

/* The machine's ACPI PM block (monitor/device.h). */

int acpipm_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	struct acpipm *pm = malloc(sizeof *pm);
	if (!pm) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	acpipm_init(pm, m, clock_monotonic_ns, NULL);
	if (machine_dev_pio(d, PC_ACPI_PM_BASE, PC_ACPI_PM_LEN, NULL, acpipm_io, pm, err, errlen) < 0 ||
	    machine_dev_irq(d, PC_ACPI_SCI_IRQ, "sci", err, errlen) < 0 ||
	    machine_clock_add(m, "acpi-pm", acpipm_clock_next, acpipm_clock_update, pm, err, errlen) < 0) {
		acpipm_destroy(pm);
		free(pm);
		return -1;
	}
	pm->kick = clock_kick_cb;
	pm->kick_opaque = &m->clock;
	d->state = pm;
	return 0;
}

void acpipm_dev_reset(struct machine_dev *d)
{
	acpipm_reset(d->state);
}

void acpipm_dev_destroy(struct machine_dev *d)
{
	struct acpipm *pm = d->state;
	clock_remove(&d->m->clock, pm);
	acpipm_destroy(pm);
	free(pm);
}
