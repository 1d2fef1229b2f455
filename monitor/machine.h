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
#include "monitor/ide.h"
#include "monitor/iobus.h"
#include "monitor/clock.h"
#include "monitor/cpumodel.h"
#include "monitor/linuxboot.h"
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
/* How long machine_init measures the host TSC against the host clock (CPUID
 * 0x15/0x16 report it): 10 ms reads it to within a few parts per million. */
#define MACHINE_TSC_CAL_MS  10

/* An interrupt controller as a vCPU sees it: its INTR line and INTA cycle
 * (monitor/machine_intr.c). */
struct lapic;
struct ioapic;

struct machine_intc {
	const char *name;
	bool (*pending)(void *ctx, unsigned cpu);
	int (*ack)(void *ctx, unsigned cpu);   /* the vector to deliver */
	void *ctx;
};

#define MACHINE_MAX_INTC 4

/* Something an ISA IRQ line reaches: the 8259 pair, an IOAPIC (monitor/device.c). */
typedef void machine_irq_fn(void *ctx, int line, int level);
#define MACHINE_MAX_IRQ_SINKS 4
/* Told a local APIC's EOI for a vector (an IOAPIC clears remote IRR). */
typedef void machine_eoi_fn(void *ctx, int vector);
#define MACHINE_MAX_EOI 4
/* A model-specific register a device owns (the APIC base): 0, or -1 for #GP. */
typedef int machine_msr_fn(void *ctx, unsigned cpu, uint32_t index, uint64_t *value, bool is_write);
#define MACHINE_MAX_MSRS 8

/* What a device asks of the run (machine_request): the engine turns it into
 * a stop at its next check, after the access that asked. */
enum machine_req {
	MACHINE_REQ_NONE,
	MACHINE_REQ_EXIT,          /* debug-exit port: status and value */
	MACHINE_REQ_POWEROFF,      /* ACPI S5: status 0 */
	MACHINE_REQ_RESET,         /* 8042 pulse, port 0xCF9, ACPI reset register */
	MACHINE_REQ_UNSUPPORTED,   /* the guest did what bt86 does not model: status 4 */
};

struct machine_config {
	uint64_t ram_size;
	uart_out_fn *console_out;   /* where COM1 output goes */
	void *console_opaque;
	/* The guest's CPU model (monitor/cpumodel.h); NULL: the default. */
	const struct cpu_model *cpu;
	/* The device table; NULL: the PC's (machine_devtable). */
	const struct machine_devtype *devices;
	size_t ndevices;
	/* IDE drives by index: 0 primary master, 1 primary slave, 2 and 3 the
	 * secondary's; a NULL path is no drive (monitor/ide.h). */
	struct ide_disk_spec disks[IDE_MAX_DRIVES];
	/* Multiboot modules machine_load places after the kernel (--module). */
	const struct mb_module *modules;
	size_t nmodules;
	/* The initrd machine_load places for a Linux bzImage (--initrd); NULL: none. */
	const char *initrd;
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
	struct lapic *lapic;       /* the local APICs, NULL if the CPU has none (monitor/lapic.h) */
	struct ioapic *ioapic;     /* the IOAPIC, NULL without local APICs (monitor/ioapic.h) */
	struct clock clock;        /* the timer devices' thread (machine_clock_add) */
	/* ISA line fan-out, EOI listeners and device MSRs (registered by devices). */
	struct { machine_irq_fn *fn; void *ctx; } irq_sink[MACHINE_MAX_IRQ_SINKS];
	int nirq_sinks;
	atomic_uint irq_levels;    /* bit per ISA line: its level, to see rises (catch irq) */
	struct { machine_eoi_fn *fn; void *ctx; } eoi[MACHINE_MAX_EOI];
	int neoi;
	struct { uint32_t index; machine_msr_fn *fn; void *ctx; } msr[MACHINE_MAX_MSRS];
	int nmsrs;
	unsigned ncpus;            /* vCPUs the firmware tables describe (1 today) */
	/* The devices the table made, in table order, with what each claimed
	 * (monitor/device.h); the fields above are some of their states. */
	struct machine_dev *dev;
	size_t ndev;
	struct evlog events;
	uint32_t io_eip;           /* the EIP of the port or MMIO access being dispatched (device events) */
	struct mb_boot boot;       /* what the multiboot loader did, if it loaded */
	struct linuxboot lboot;    /* what the Linux loader did, if it loaded */
	bool linux_boot;           /* the image was a bzImage: lboot is the one */
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

	/* Set by a device (any thread), consumed by the engine on the vCPU
	 * thread: exit_pending says req/exit_status/exit_value/req_msg are set. */
	atomic_bool exit_pending;
	enum machine_req req;
	int exit_status;
	uint32_t exit_value;
	char req_msg[200];
	bool no_reboot;            /* a reset request ends the run (status 0) */
	/* What machine_load loaded, for machine_reboot (owned copies). */
	char *image_path, *image_args;
};

int machine_init(struct machine *m, const struct machine_config *cfg, char *err, size_t errlen);
void machine_destroy(struct machine *m);
/* Put every device in its power-on state (their reset hooks, in table order). */
void machine_reset(struct machine *m);

/* Load a kernel: a Linux bzImage (monitor/linuxboot.h), whose command line is
 * ARGS, with config.initrd; or a multiboot one, whose command line is
 * "PATH ARGS", as GRUB and QEMU pass it, with config.modules. An initrd for a
 * multiboot kernel, or modules for a bzImage, is an error. */
int machine_load(struct machine *m, const char *path, const char *args, char *err, size_t errlen);

/* A reset of the whole machine, as a PC's reset line does it and the
 * loader's boot finishes it: every device in its power-on state, the kernel
 * loaded again (RAM is otherwise kept, as on a real reset) and boot_state
 * filled anew. The engine's vCPU is the caller's (engine_reboot). 0, or -1
 * with err if nothing was loaded or the image cannot be read any more. */
int machine_reboot(struct machine *m, char *err, size_t errlen);

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

/* A device asks for a stop, from a guest access on the vCPU thread: engines
 * call machine_take_exit after every port and MMIO access. The first request
 * until it is taken wins. fmt: what happened, for the stop line (may be NULL). */
void machine_request(struct machine *m, enum machine_req req, int status, uint32_t value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The guest did something bt86 does not model (a port or MMIO range nothing
 * decodes where a PC has a device, a mode it cannot run): stop with
 * "unsupported: WHAT at EIP ..." and status 4. */
#define machine_unsupported(m, ...) machine_request((m), MACHINE_REQ_UNSUPPORTED, STATUS_GUEST_ERROR, 0, __VA_ARGS__)

/* If a device asked for a stop, fill *s and return true: STOP_EXIT for exit
 * and power-off (and a reset under no_reboot), STOP_RESET for a reset,
 * STOP_ERROR for unsupported. */
bool machine_take_exit(struct machine *m, uint32_t eip, struct stop_info *s);

/* The clock thread's clients (monitor/clock.h): 0, or -1 with err. */
int machine_clock_add(struct machine *m, const char *name, clock_next_fn *next_ns, clock_update_fn *update,
		      void *ctx, char *err, size_t errlen);

/* Where machine_set_irq's lines go, in registration order; -1 if full. */
int machine_irq_sink_add(struct machine *m, machine_irq_fn *fn, void *ctx);
/* EOI broadcast from a local APIC (level-triggered vectors); -1 if full. */
int machine_eoi_add(struct machine *m, machine_eoi_fn *fn, void *ctx);
void machine_eoi(struct machine *m, int vector);
/* Device MSRs: an engine's RDMSR/WRMSR asks machine_msr first. It returns 1
 * if a device owns the index (value read or written), -1 for #GP from it, 0
 * if no device owns it. */
int machine_msr_add(struct machine *m, uint32_t index, machine_msr_fn *fn, void *ctx);
int machine_msr(struct machine *m, unsigned cpu, uint32_t index, uint64_t *value, bool is_write);

#endif
