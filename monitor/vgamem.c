/* VGA memory window (see vgamem.h). */
#include "monitor/vgamem.h"

#include <string.h>

void vgamem_init(struct vgamem *v)
{
	memset(v, 0, sizeof *v);
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
