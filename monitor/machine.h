/* The virtual machine: guest RAM, the port-I/O and MMIO buses with their
 * devices, the event log and the boot state a loader left. Engines run the
 * guest CPU against it and call machine_pio()/machine_mmio() for device
 * accesses; a device that ends the run (the debug-exit port) leaves a pending
 * exit that the engine turns into a stop.
 *
 *   struct machine m;
 *   machine_init(&m, &(struct machine_config){ .ram_size = 64 << 20,
 *                .console_out = write_byte }, err, sizeof err);
 *   machine_load(&m, "samples/hello.elf", "", err, sizeof err);
 */
#ifndef BT86_MONITOR_MACHINE_H
#define BT86_MONITOR_MACHINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/debug.h"
#include "monitor/debugexit.h"
#include "monitor/device.h"
#include "monitor/evlog.h"
#include "monitor/guestmem.h"
#include "monitor/iobus.h"
#include "monitor/clock.h"
#include "monitor/cpumodel.h"
#include "monitor/multiboot.h"
#include "monitor/pic.h"
#include "monitor/pit.h"
#include "monitor/sensitive.h"
#include "monitor/stop.h"
#include "monitor/uart.h"
#include "monitor/vcpu.h"
#include "monitor/vgamem.h"

#define MACHINE_DEFAULT_RAM (64ull << 20)
#define MACHINE_EVLOG_CAP   4096

/* An interrupt controller as a vCPU sees it: its INTR line and INTA cycle
 * (monitor/machine_intr.c). */
struct machine_intc {
	const char *name;
	bool (*pending)(void *ctx, unsigned cpu);
	int (*ack)(void *ctx, unsigned cpu);   /* the vector to deliver */
	void *ctx;
};

#define MACHINE_MAX_INTC 4

struct machine_config {
	uint64_t ram_size;
	uart_out_fn *console_out;   /* where COM1 output goes */
	void *console_opaque;
	/* The guest's CPU model (monitor/cpumodel.h); NULL: the default. */
	const struct cpu_model *cpu;
	/* The device table; NULL: the PC's (machine_devtable). */
	const struct machine_devtype *devices;
	size_t ndevices;
};

struct machine {
	struct machine_config config;   /* as machine_init was given it */
	struct guestmem mem;
	struct cpu_model cpu;      /* the guest's CPU, less what this host cannot run */
	unsigned maxphyaddr;       /* the CPU's physical-address width, for page walks */
	struct iobus pio;
	struct iobus mmio;
	struct uart com1;
	struct dbgexit dexit;
	struct vgamem *vga;
	struct pic pic;            /* the 8259A pair */
	struct machine_intc intc[MACHINE_MAX_INTC];   /* in priority order */
	int nintc;
	struct pit pit;            /* the 8254, on IRQ0 */
	struct clock clock;        /* drives the PIT's IRQ0 edges in real time */
	/* The devices the table made, in table order, with what each claimed
	 * (monitor/device.h); the fields above are some of their states. */
	struct machine_dev *dev;
	size_t ndev;
	struct evlog events;
	struct mb_boot boot;
	struct vcpu_state boot_state;
	bool loaded;
	struct policy policy;      /* treatments of sensitive instructions (translators) */
	struct debugstate debug;   /* breakpoints, watchpoints, catches */
	/* The engine's asynchronous stop (a catch fired); any thread. */
	void (*stop_notify)(void *opaque);
	void *stop_opaque;
	/* The event a catch stopped on, for the stop message (under debug.lock). */
	char catch_hit[EV_DESC_LEN + 32];
	atomic_bool catch_pending;

	/* The engine's hook: the monitor wrote guest RAM for the guest (an
	 * emulated instruction, an interrupt frame), bypassing the engine's own
	 * view of memory; a translator drops code translated from there. On the
	 * vCPU thread. NULL: nobody cares. */
	void (*ram_written)(void *opaque, uint64_t pa, uint64_t len);
	void *ram_written_opaque;

	/* The engine's hook: an interrupt controller's INTR output may have
	 * risen (any thread). */
	void (*irq_notify)(void *opaque);
	void *irq_opaque;
	/* A halted vCPU sleeps here until an interrupt or a wake-up. */
	pthread_mutex_t halt_lock;
	pthread_cond_t halt_cond;
	unsigned halt_wakes;       /* wake-ups asked for, under halt_lock */

	/* Set by a device (any thread), consumed by the engine on the vCPU thread. */
	atomic_bool exit_pending;
	int exit_status;
	uint32_t exit_value;
};

int machine_init(struct machine *m, const struct machine_config *cfg, char *err, size_t errlen);
void machine_destroy(struct machine *m);
/* Put every device in its power-on state (their reset hooks, in table order). */
void machine_reset(struct machine *m);

/* Load a multiboot kernel; the guest's command line is "PATH ARGS", as GRUB and
 * QEMU pass it. */
int machine_load(struct machine *m, const char *path, const char *args, char *err, size_t errlen);

/* Device accesses from an engine; eip is for the event log. */
void machine_pio(struct machine *m, uint32_t eip, uint16_t port, void *data, unsigned size,
		 bool is_write);
void machine_mmio(struct machine *m, uint32_t eip, uint64_t addr, void *data, unsigned size,
		  bool is_write);

/* The interrupt seam (machine_intr.c). Engines ask whether an external
 * interrupt is pending for vCPU cpu and acknowledge it (the INTA cycle: the
 * vector to deliver, -1 if none) here, never a controller directly. */
bool machine_intr_pending(struct machine *m, unsigned cpu);
int machine_intr_ack(struct machine *m, unsigned cpu);
/* Controllers register in priority order; -1 if the table is full. */
int machine_intc_add(struct machine *m, const struct machine_intc *c);
/* A controller's INTR output may have changed (its notify callback). */
void machine_intr_notify(void *machine);

/* Sleep until an interrupt is pending for cpu or machine_wake() is called;
 * returns true if an interrupt is what woke it. For HLT with IF set. */
bool machine_wait_for_interrupt(struct machine *m, unsigned cpu);
/* Wake a vCPU sleeping in machine_wait_for_interrupt (a stop request). */
void machine_wake(struct machine *m);

/* After catches changed: make the event log call back for their kinds. */
void machine_sync_catches(struct machine *m);
/* If a catch fired since the last call, its description and true. */
bool machine_take_catch(struct machine *m, char *msg, size_t len);

/* If a device ended the run, fill *s (STOP_EXIT) and return true. */
bool machine_take_exit(struct machine *m, uint32_t eip, struct stop_info *s);

#endif
