/* Debug-exit port (see debugexit.h). */
#include "monitor/debugexit.h"
#include "monitor/machine.h"

#include <string.h>

void dbgexit_init(struct dbgexit *d, dbgexit_fn *on_exit, void *opaque)
{
	d->on_exit = on_exit;
	d->opaque = opaque;
}

int dbgexit_status(uint32_t value)
{
	return (int)(((value << 1) | 1) & 0xff);
}

void dbgexit_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct dbgexit *d = opaque;
	uint32_t v = 0;

	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	/* QEMU takes the value as written, whatever the width; so do we. */
	memcpy(&v, data, size > 4 ? 4 : size);
	if (d->on_exit)
		d->on_exit(d->opaque, dbgexit_status(v), v);
}

/* The machine's debug-exit port (monitor/device.h). */

static void dbgexit_dev_exit(void *opaque, int status, uint32_t value)
{
	machine_request(opaque, MACHINE_REQ_EXIT, status, value, NULL);
}

int dbgexit_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	dbgexit_init(&m->dexit, dbgexit_dev_exit, m);
	d->state = &m->dexit;
	return machine_dev_pio(d, DBGEXIT_PORT, DBGEXIT_SIZE, NULL, dbgexit_io, &m->dexit, err, errlen);
}

void dbgexit_dev_reset(struct machine_dev *d)
{
	atomic_store(&d->m->exit_pending, false);
	d->m->req = MACHINE_REQ_NONE;
}
