/* The virtual machine's assembly of memory, buses and devices (see machine.h). */
#include "monitor/machine.h"
#include "monitor/msr_arch.h"
#include "monitor/pc_absent.h"
#include "monitor/fwcfg.h"
#include "monitor/paging.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An event a catch (or until EVENT-KIND) waits for: stop the engine. */
static void machine_event_hook(void *opaque, const struct ev *e)
{
	struct machine *m = opaque;
	if (!dbg_catch_match(&m->debug, e->kind, e->desc))
		return;
	pthread_mutex_lock(&m->debug.lock);
	if (e->kind == EV_IRQ)   /* raised by a device, at no instruction */
		snprintf(m->catch_hit, sizeof m->catch_hit, "caught irq: %s", e->desc);
	else
		snprintf(m->catch_hit, sizeof m->catch_hit, "caught %s at EIP 0x%08x: %s", evlog_kind_name(e->kind),
			 e->eip, e->desc);
	pthread_mutex_unlock(&m->debug.lock);
	atomic_store(&m->catch_pending, true);
	if (m->stop_notify)
		m->stop_notify(m->stop_opaque);
}

void machine_sync_catches(struct machine *m)
{
	atomic_store(&m->events.hook_mask, atomic_load(&m->debug.catch_mask));
}

bool machine_take_catch(struct machine *m, char *msg, size_t len)
{
	if (!atomic_exchange(&m->catch_pending, false))
		return false;
	pthread_mutex_lock(&m->debug.lock);
	snprintf(msg, len, "%s", m->catch_hit);
	pthread_mutex_unlock(&m->debug.lock);
	return true;
}

int machine_init(struct machine *m, const struct machine_config *cfg, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	if (gmem_init(&m->mem, cfg->ram_size ? cfg->ram_size : MACHINE_DEFAULT_RAM, err, errlen) < 0)
		return -1;
	cpu_model_for_host(cfg->cpu ? cfg->cpu : cpu_model_find(NULL), &m->cpu);
	if (m->cpu.max_leaf >= 0x15 && cpu_has(&m->cpu, CPUF_TSC))
		m->cpu.tsc_khz = clock_tsc_khz(MACHINE_TSC_CAL_MS);
	m->maxphyaddr = cpu_model_maxphyaddr(&m->cpu);
	if (evlog_init(&m->events, MACHINE_EVLOG_CAP) < 0) {
		snprintf(err, errlen, "out of memory");
		gmem_destroy(&m->mem);
		return -1;
	}
	iobus_init(&m->pio, "port");
	iobus_init(&m->mmio, "mmio");
	policy_default(&m->policy);
	dbg_init(&m->debug);
	m->events.hook = machine_event_hook;
	m->events.hook_opaque = m;
	pthread_mutex_init(&m->halt_lock, NULL);
	pthread_cond_init(&m->halt_cond, NULL);
	m->ncpus = 1;
	if (clock_start(&m->clock, err, errlen) < 0) {
		machine_destroy(m);
		return -1;
	}

	m->config = *cfg;   /* the devices' init hooks read it */
	size_t n = cfg->ndevices;
	const struct machine_devtype *table = cfg->devices ? cfg->devices : machine_devtable(&n);
	if (machine_devices_init(m, table, n, err, errlen) < 0) {
		machine_destroy(m);
		return -1;
	}
	return 0;
}

void machine_destroy(struct machine *m)
{
	machine_devices_destroy(m);
	clock_stop(&m->clock);
	pthread_cond_destroy(&m->halt_cond);
	pthread_mutex_destroy(&m->halt_lock);
	dbg_destroy(&m->debug);
	iobus_destroy(&m->pio);
	iobus_destroy(&m->mmio);
	evlog_destroy(&m->events);
	gmem_destroy(&m->mem);
	free(m->image_path);
	free(m->image_args);
	m->image_path = m->image_args = NULL;
}

/* Load a bzImage: its command line is ARGS alone, as QEMU's -append gives it. */
static int machine_load_linux(struct machine *m, const char *path, const uint8_t *img, size_t len,
			      const char *args, char *err, size_t errlen)
{
	char why[300];
	if (m->config.nmodules) {
		snprintf(err, errlen, "%s: a Linux bzImage takes no --module (give its initramfs with --initrd)", path);
		return -1;
	}
	if (linuxboot_load(&m->mem, img, len, args, &m->lboot, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if (m->config.initrd && linuxboot_load_initrd(&m->mem, m->config.initrd, &m->lboot, err, errlen) < 0)
		return -1;
	return 0;
}

/* Load a multiboot kernel and its modules; cmdline is "PATH ARGS". */
static int machine_load_multiboot(struct machine *m, const char *path, const uint8_t *img, size_t len,
				  const char *cmdline, char *err, size_t errlen)
{
	char why[300];
	if (m->config.initrd) {
		snprintf(err, errlen, "%s: --initrd is for a Linux bzImage, and this is none (a multiboot kernel takes --module)",
			 path);
		return -1;
	}
	if (mb_load(&m->mem, img, len, cmdline, &m->boot, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return mb_load_modules(&m->mem, m->config.modules, m->config.nmodules, &m->boot, err, errlen);
}

int machine_load(struct machine *m, const char *path, const char *args, char *err, size_t errlen)
{
	uint8_t *img;
	size_t len;
	if (!args)
		args = "";
	if (mb_read_file(path, &img, &len, err, errlen) < 0)
		return -1;
	size_t n = strlen(path) + 1 + strlen(args) + 1;
	char *cmdline = malloc(n);
	if (!cmdline) {
		free(img);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bool is_linux = linuxboot_detect(img, len);
	int rc;
	if (is_linux) {
		snprintf(cmdline, n, "%s", args);
		rc = machine_load_linux(m, path, img, len, args, err, errlen);
	} else {
		snprintf(cmdline, n, "%s%s%s", path, *args ? " " : "", args);
		rc = machine_load_multiboot(m, path, img, len, cmdline, err, errlen);
	}
	free(img);
	/* fw_cfg's copy of the command line, as QEMU's -append gives it. */
	struct fwcfg *fc = machine_device(m, "fw_cfg");
	if (rc == 0 && fc && fwcfg_set_cmdline(fc, cmdline) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	free(cmdline);
	if (rc < 0)
		return -1;
	m->linux_boot = is_linux;
	if (is_linux)
		linuxboot_boot_state(&m->lboot, &m->boot_state);
	else
		mb_boot_state(&m->boot, &m->boot_state);
	msr_arch_firmware(&m->cpu, &m->boot_state);
	m->loaded = true;
	if (m->image_path != path) {   /* a reboot passes the saved copies */
		char *p = strdup(path), *a = strdup(args ? args : "");
		if (!p || !a) {
			free(p);
			free(a);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(m->image_path);
		free(m->image_args);
		m->image_path = p;
		m->image_args = a;
	}
	return 0;
}

/* An access nobody claimed (the iobus read it as all ones): the rule of
 * docs/machine.md. A PC device bt86 does not model stops the run; a device
 * this PC does not have, or an address nothing decodes, is open bus with an
 * io event; the FPU's ports take writes quietly. */
static void machine_unclaimed(struct machine *m, uint32_t eip, enum machine_bus bus, uint64_t addr, uint32_t v,
			      unsigned size, bool is_write)
{
	const struct pc_absent *a = pc_absent_find(bus, addr, size);
	bool pio = bus == MACHINE_BUS_PIO;
	if (a && a->policy == PC_UNSUPPORTED) {
		machine_unsupported(m, "%s of %s 0x%llx (%s, not modelled)", is_write ? "write" : "read",
				    pio ? "port" : "address", (unsigned long long)addr, a->name);
		return;
	}
	if (a && a->policy == PC_SINK && is_write)
		return;
	char what[64] = "";
	if (a)
		snprintf(what, sizeof what, " (%s: %s)", a->name, a->policy == PC_ABSENT ? "absent" : "write-only");
	if (pio)
		evlog_add(&m->events, EV_IO, eip, -1, "unclaimed %s port 0x%x size %u%s0x%x%s", is_write ? "out" : "in",
			  (unsigned)addr, size, is_write ? " value " : " reads ", v, what);
	else
		evlog_add(&m->events, EV_IO, eip, -1, "unclaimed mmio %s 0x%llx size %u%s", is_write ? "write" : "read",
			  (unsigned long long)addr, size, what);
}

int machine_reboot(struct machine *m, char *err, size_t errlen)
{
	if (!m->image_path) {
		snprintf(err, errlen, "no guest was loaded");
		return -1;
	}
	machine_reset(m);
	return machine_load(m, m->image_path, m->image_args, err, errlen);
}

void machine_pio(struct machine *m, uint32_t eip, uint16_t port, void *data, unsigned size,
		 bool is_write)
{
	m->io_eip = eip;
	if (!iobus_access(&m->pio, port, data, size, is_write)) {
		uint32_t v = 0;
		memcpy(&v, data, size > 4 ? 4 : size);
		machine_unclaimed(m, eip, MACHINE_BUS_PIO, port, v, size, is_write);
	}
}

void machine_mmio(struct machine *m, uint32_t eip, uint64_t addr, void *data, unsigned size,
		  bool is_write)
{
	m->io_eip = eip;
	if (!iobus_access(&m->mmio, addr, data, size, is_write))
		machine_unclaimed(m, eip, MACHINE_BUS_MMIO, addr, 0, size, is_write);
}

void machine_request(struct machine *m, enum machine_req req, int status, uint32_t value, const char *fmt, ...)
{
	pthread_mutex_lock(&m->halt_lock);
	/* The first request stands, but a later one of the same kind replaces
	 * it (the last debug-exit write before the engine looks wins); not for
	 * unsupported, whose first access (an MMIO access emulated byte by
	 * byte: its first byte) is the one to name. */
	if (!atomic_load(&m->exit_pending) || (m->req == req && req != MACHINE_REQ_UNSUPPORTED)) {
		m->req = req;
		m->exit_status = status;
		m->exit_value = value;
		m->req_msg[0] = 0;
		if (fmt) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(m->req_msg, sizeof m->req_msg, fmt, ap);
			va_end(ap);
		}
		atomic_store(&m->exit_pending, true);
	}
	pthread_mutex_unlock(&m->halt_lock);
}

bool machine_take_exit(struct machine *m, uint32_t eip, struct stop_info *s)
{
	if (!atomic_load(&m->exit_pending))
		return false;
	pthread_mutex_lock(&m->halt_lock);
	atomic_store(&m->exit_pending, false);
	enum machine_req req = m->req;
	int status = m->exit_status;
	uint32_t value = m->exit_value;
	char msg[sizeof m->req_msg];
	snprintf(msg, sizeof msg, "%s", m->req_msg);
	m->req = MACHINE_REQ_NONE;
	pthread_mutex_unlock(&m->halt_lock);

	s->eip = eip;
	s->status = status;
	switch (req) {
	case MACHINE_REQ_UNSUPPORTED:
		s->reason = STOP_ERROR;
		s->status = STATUS_GUEST_ERROR;
		snprintf(s->msg, sizeof s->msg, "unsupported: %s at EIP 0x%08x", msg, eip);
		break;
	case MACHINE_REQ_RESET:
		if (!m->no_reboot) {
			s->reason = STOP_RESET;
			s->status = 0;
			snprintf(s->msg, sizeof s->msg, "guest reset the machine (%s)", msg[0] ? msg : "reset");
			break;
		}
		s->reason = STOP_EXIT;
		s->status = 0;
		snprintf(s->msg, sizeof s->msg, "guest reset the machine (%s); --no-reboot: exiting",
			 msg[0] ? msg : "reset");
		break;
	case MACHINE_REQ_POWEROFF:
		s->reason = STOP_EXIT;
		s->status = 0;
		snprintf(s->msg, sizeof s->msg, "guest powered off (%s)", msg[0] ? msg : "ACPI S5");
		break;
	default:
		s->reason = STOP_EXIT;
		snprintf(s->msg, sizeof s->msg, "guest exited with value 0x%x (status %d)", value, status);
		break;
	}
	evlog_add(&m->events, EV_STOP, eip, -1, "%s", s->msg);
	return true;
}

int machine_clock_add(struct machine *m, const char *name, clock_next_fn *next_ns, clock_update_fn *update,
		      void *ctx, char *err, size_t errlen)
{
	if (clock_add(&m->clock, name, next_ns, update, ctx) == 0)
		return 0;
	snprintf(err, errlen, "%s: the clock's client table is full", name);
	return -1;
}

int machine_eoi_add(struct machine *m, machine_eoi_fn *fn, void *ctx)
{
	if (m->neoi == MACHINE_MAX_EOI)
		return -1;
	m->eoi[m->neoi].fn = fn;
	m->eoi[m->neoi].ctx = ctx;
	m->neoi++;
	return 0;
}

void machine_eoi(struct machine *m, int vector)
{
	for (int i = 0; i < m->neoi; i++)
		m->eoi[i].fn(m->eoi[i].ctx, vector);
}

int machine_msr_add(struct machine *m, uint32_t index, machine_msr_fn *fn, void *ctx)
{
	if (m->nmsrs == MACHINE_MAX_MSRS)
		return -1;
	m->msr[m->nmsrs].index = index;
	m->msr[m->nmsrs].fn = fn;
	m->msr[m->nmsrs].ctx = ctx;
	m->nmsrs++;
	return 0;
}

int machine_msr(struct machine *m, unsigned cpu, uint32_t index, uint64_t *value, bool is_write)
{
	for (int i = 0; i < m->nmsrs; i++)
		if (m->msr[i].index == index)
			return m->msr[i].fn(m->msr[i].ctx, cpu, index, value, is_write) < 0 ? -1 : 1;
	return 0;
}
