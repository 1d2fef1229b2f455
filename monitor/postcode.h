/* Port 0x80, the POST code port: firmware writes its progress codes there
 * and Linux (and others) write it to wait a microsecond (io_delay). A
 * write-only sink that keeps the last code for info devices; reads are all
 * ones, as on QEMU's PC. */
#ifndef BT86_MONITOR_POSTCODE_H
#define BT86_MONITOR_POSTCODE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POSTCODE_PORT 0x80

struct postcode {
	atomic_uint last;        /* the last code written */
	atomic_ullong writes;    /* how many */
};

void postcode_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

struct machine_dev;
int postcode_dev_init(struct machine_dev *d, char *err, size_t errlen);
void postcode_dev_reset(struct machine_dev *d);
void postcode_dev_destroy(struct machine_dev *d);

#endif
