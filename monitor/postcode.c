/* The POST code port (see postcode.h). */
#include "monitor/postcode.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void postcode_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct postcode *p = opaque;
	(void)off;
	if (!is_write) {
		memset(data, 0xFF, size);
		return;
	}
	atomic_store(&p->last, *(uint8_t *)data);
	atomic_fetch_add(&p->writes, 1);
}

int postcode_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct postcode *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (machine_dev_pio(d, POSTCODE_PORT, 1, NULL, postcode_io, p, err, errlen) < 0) {
		free(p);
		return -1;
	}
	d->state = p;
	return 0;
}

void postcode_dev_reset(struct machine_dev *d)
{
	struct postcode *p = d->state;
	atomic_store(&p->last, 0);
	atomic_store(&p->writes, 0);
}

void postcode_dev_destroy(struct machine_dev *d)
{
	free(d->state);
}
