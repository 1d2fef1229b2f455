/* VGA memory window (see vgamem.h). */
#include "monitor/vgamem.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vgamem_init(struct vgamem *v)
{
	memset(v, 0, sizeof *v);
}

void vgamem_reset(struct vgamem *v)
{
	vgamem_init(v);
}

void vgamem_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct vgamem *v = opaque;

	if (off >= VGAMEM_SIZE || size > VGAMEM_SIZE - off) {
		if (!is_write)
			memset(data, 0xff, size);
		return;
	}
	if (is_write) {
		memcpy(v->bytes + off, data, size);
		v->writes++;
	} else {
		memcpy(data, v->bytes + off, size);
	}
}

/* The machine's VGA memory (monitor/device.h). */

int vgamem_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	m->vga = malloc(sizeof *m->vga);
	if (!m->vga) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	vgamem_init(m->vga);
	d->state = m->vga;
	if (machine_dev_mmio(d, VGAMEM_BASE, VGAMEM_SIZE, NULL, vgamem_io, m->vga, err, errlen) < 0) {
		free(m->vga);
		m->vga = NULL;
		return -1;
	}
	return 0;
}

void vgamem_dev_reset(struct machine_dev *d)
{
	vgamem_reset(d->state);
}

void vgamem_dev_destroy(struct machine_dev *d)
{
	free(d->m->vga);
	d->m->vga = NULL;
}
