/* The IMCR (see imcr.h). Accesses are on the vCPU thread only. */
#include "monitor/imcr.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>

void imcr_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct imcr *c = opaque;
	uint8_t *d = data;
	for (unsigned i = 0; i < size; i++) {
		bool sel = (off + i) % 2 == 0;
		if (is_write) {
			if (sel)
				c->index = d[i];
			else if (c->index == IMCR_SELECT)
				c->value = d[i] & IMCR_APIC;
		} else {
			d[i] = sel || c->index != IMCR_SELECT ? 0xFF : c->value;
		}
	}
}

int imcr_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct imcr *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (machine_dev_pio(d, IMCR_PORT, 2, NULL, imcr_io, c, err, errlen) < 0) {
		free(c);
		return -1;
	}
	d->state = c;
	return 0;
}

void imcr_dev_reset(struct machine_dev *d)
{
	struct imcr *c = d->state;
	c->index = 0;
	c->value = 0;   /* PIC mode at reset */
}

void imcr_dev_destroy(struct machine_dev *d)
{
	free(d->state);
}
