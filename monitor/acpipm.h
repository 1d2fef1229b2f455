/* The ACPI fixed hardware of a PIIX4-style PM I/O block at PC_ACPI_PM_BASE
 * (pcmap.h), as the FADT describes it:
 *   +0x00 PM1_STS  write 1 to clear; TMR_STS when the timer's bit 23 toggles
 *   +0x02 PM1_EN   an enabled status bit raises the SCI (IRQ 9, level)
 *   +0x04 PM1_CNT  SCI_EN reads 1 (ACPI is always on: the FADT has no
 *                  SMI_CMD); SLP_EN with SLP_TYP S5 powers the machine off
 *   +0x08 PM_TMR   24-bit, free-running at 3.579545 MHz (CLOCK_MONOTONIC)
 *   +0x20 GPE0_STS, +0x22 GPE0_EN (no event sources yet)
 * The FADT's reset register is the PIIX's reset control register at port
 * 0xcf9, which the PCI device decodes (monitor/pci.c).
 *
 *   struct acpipm *pm = machine_device(m, "acpi-pm");
 *   uint32_t t = acpipm_timer(pm);         // what a PM_TMR read returns now
 */
#ifndef BT86_MONITOR_ACPIPM_H
#define BT86_MONITOR_ACPIPM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "monitor/pcmap.h"

struct machine;
struct machine_dev;

#define ACPIPM_STS_TMR     0x0001u
#define ACPIPM_STS_GBL     0x0020u
#define ACPIPM_STS_PWRBTN  0x0100u
#define ACPIPM_STS_SLPBTN  0x0200u
#define ACPIPM_STS_RTC     0x0400u
#define ACPIPM_STS_WAK     0x8000u
#define ACPIPM_CNT_SCI_EN  0x0001u
#define ACPIPM_CNT_SLP_TYP(v) (((v) >> 10) & 7u)
#define ACPIPM_CNT_SLP_EN  0x2000u
#define ACPIPM_TMR_MASK    0xffffffu

typedef uint64_t acpipm_now_fn(void *opaque);

struct acpipm {
	pthread_mutex_t lock;      /* the vCPU's accesses vs the clock thread */
	struct machine *m;         /* for the SCI and requests; NULL in unit tests */
	acpipm_now_fn *now;        /* nanoseconds, CLOCK_MONOTONIC */
	void *now_opaque;
	uint64_t base_ns;          /* the timer read 0 then */
	uint64_t seen_half;        /* timer ticks >> 23 when TMR_STS was last updated */
	uint16_t sts, en, cnt;
	uint16_t gpe_sts, gpe_en;
	bool sci;                  /* the SCI line's level */
	void (*kick)(void *opaque);   /* TMR_EN changed: the clock thread recomputes */
	void *kick_opaque;
};

void acpipm_init(struct acpipm *pm, struct machine *m, acpipm_now_fn *now, void *now_opaque);
void acpipm_destroy(struct acpipm *pm);
void acpipm_reset(struct acpipm *pm);
/* The io_fn for the 0x40-port block (any width; registers split by byte). */
void acpipm_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
/* The timer's value now (24 bits). */
uint32_t acpipm_timer(struct acpipm *pm);
/* The clock thread's client: when the timer's bit 23 next toggles (if TMR_EN
 * is set), and the update that latches TMR_STS and raises the SCI. */
uint64_t acpipm_clock_next(void *opaque);
void acpipm_clock_update(void *opaque);
/* A GPE source's status bit (another device's event): sets it, maybe the SCI. */
void acpipm_gpe_set(struct acpipm *pm, unsigned bit);

/* The reset control register at 0xcf9 (PIIX/ICH): a write with RST_CPU
 * (bit 2) set, as the FADT's RESET_VALUE 6 or 0x0e, asks for a reset. The
 * PCI host bridge owns the port (it is inside CONFIG_ADDRESS's dword) and
 * forwards byte writes here; a read gives back the value. */

/* The machine's "acpi-pm" device (monitor/device.h): ports
 * PC_ACPI_PM_BASE-+0x3f, IRQ 9 (the SCI). */
int acpipm_dev_init(struct machine_dev *d, char *err, size_t errlen);
void acpipm_dev_reset(struct machine_dev *d);
void acpipm_dev_destroy(struct machine_dev *d);

#endif
