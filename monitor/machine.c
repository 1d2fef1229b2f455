/* The virtual machine's assembly of memory, buses and devices (see machine.h). */
#include "monitor/machine.h"
#include "monitor/paging.h"

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
	pthread_cond_destroy(&m->halt_cond);
	pthread_mutex_destroy(&m->halt_lock);
	dbg_destroy(&m->debug);
	iobus_destroy(&m->pio);
	iobus_destroy(&m->mmio);
	evlog_destroy(&m->events);
	gmem_destroy(&m->mem);
}

int machine_load(struct machine *m, const char *path, const char *args, char *err, size_t errlen)
{
	size_t n = strlen(path) + 1 + (args ? strlen(args) : 0) + 1;
	char *cmdline = malloc(n);

	if (!cmdline) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(cmdline, n, "%s%s%s", path, args && *args ? " " : "", args ? args : "");
	int rc = mb_load_file(&m->mem, path, cmdline, &m->boot, err, errlen);
	free(cmdline);
	if (rc < 0)
		return -1;
	mb_boot_state(&m->boot, &m->boot_state);
	m->loaded = true;
	return 0;
}

void machine_pio(struct machine *m, uint32_t eip, uint16_t port, void *data, unsigned size,
		 bool is_write)
{
	if (!iobus_access(&m->pio, port, data, size, is_write)) {
		uint32_t v = 0;
		memcpy(&v, data, size > 4 ? 4 : size);
		evlog_add(&m->events, EV_IO, eip, -1, "unclaimed %s port 0x%x size %u%s0x%x",
			  is_write ? "out" : "in", port, size, is_write ? " value " : " reads ", v);
	}
}

void machine_mmio(struct machine *m, uint32_t eip, uint64_t addr, void *data, unsigned size,
		  bool is_write)
{
	if (!iobus_access(&m->mmio, addr, data, size, is_write))
		evlog_add(&m->events, EV_IO, eip, -1, "unclaimed mmio %s 0x%llx size %u",
			  is_write ? "write" : "read", (unsigned long long)addr, size);
}

bool machine_take_exit(struct machine *m, uint32_t eip, struct stop_info *s)
{
	if (!atomic_exchange(&m->exit_pending, false))
		return false;
	s->reason = STOP_EXIT;
	s->status = m->exit_status;
	s->eip = eip;
	snprintf(s->msg, sizeof s->msg, "guest exited with value 0x%x (status %d)",
		 m->exit_value, m->exit_status);
	evlog_add(&m->events, EV_STOP, eip, -1, "%s", s->msg);
	return true;
}
