/* The debug-exit port, compatible with QEMU's isa-debug-exit device as
 * `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: a guest write of v ends the
 * run with exit status (v << 1) | 1, so a guest's status is always odd and bt86's
 * own statuses (see monitor/stop.h) are even. */
#ifndef BT86_MONITOR_DEBUGEXIT_H
#define BT86_MONITOR_DEBUGEXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBGEXIT_PORT 0xF4
#define DBGEXIT_SIZE 4

typedef void dbgexit_fn(void *opaque, int status, uint32_t value);

struct dbgexit {
	dbgexit_fn *on_exit;
	void *opaque;
};

void dbgexit_init(struct dbgexit *d, dbgexit_fn *on_exit, void *opaque);

/* The process exit status a written value means (truncated to 8 bits by exit()). */
int dbgexit_status(uint32_t value);

/* The io_fn: writes end the run, reads return all ones (nothing to read). */
void dbgexit_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* The machine's debug-exit port (monitor/device.h hooks; state:
 * machine.dexit). A write leaves machine.exit_pending for the engine; the
 * port itself holds nothing, so reset only drops an exit not yet taken. */
struct machine_dev;
int dbgexit_dev_init(struct machine_dev *d, char *err, size_t errlen);
void dbgexit_dev_reset(struct machine_dev *d);

#endif
