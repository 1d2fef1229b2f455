/* QEMU's fw_cfg, port interface (see fwcfg.h). */
#include "monitor/fwcfg.h"
#include "monitor/machine.h"
#include "monitor/pcmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fwcfg_item *fwcfg_find(struct fwcfg *f, uint16_t key)
{
	for (int i = 0; i < f->nitems; i++)
		if (f->item[i].key == key)
			return &f->item[i];
	return NULL;
}

int fwcfg_set(struct fwcfg *f, uint16_t key, const void *data, uint32_t len)
{
	struct fwcfg_item *it = fwcfg_find(f, key);
	if (!it && f->nitems == FWCFG_MAX_ITEMS)
		return -1;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -1;
	memcpy(copy, data, len);
	if (!it) {
		it = &f->item[f->nitems++];
		it->key = key;
	} else {
		free(it->data);
	}
	it->data = copy;
	it->len = len;
	return 0;
}

static int fwcfg_set_le(struct fwcfg *f, uint16_t key, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fwcfg_set(f, key, b, bytes);
}

int fwcfg_set_cmdline(struct fwcfg *f, const char *cmdline)
{
	uint32_t len = (uint32_t)strlen(cmdline) + 1;
	if (fwcfg_set_le(f, FW_CFG_CMDLINE_SIZE, len, 4) < 0)
		return -1;
	return fwcfg_set(f, FW_CFG_CMDLINE_DATA, cmdline, len);
}

int fwcfg_init(struct fwcfg *f, uint64_t ram_size, unsigned ncpus)
{
	static const uint8_t no_files[4] = { 0, 0, 0, 0 };   /* big-endian count */
	memset(f, 0, sizeof *f);
	if (fwcfg_set(f, FW_CFG_SIGNATURE, "QEMU", 4) < 0 ||
	    fwcfg_set_le(f, FW_CFG_ID, FW_CFG_ID_TRADITIONAL, 4) < 0 ||
	    fwcfg_set_le(f, FW_CFG_RAM_SIZE, ram_size, 8) < 0 ||
	    fwcfg_set_le(f, FW_CFG_NB_CPUS, ncpus, 2) < 0 ||
	    fwcfg_set_le(f, FW_CFG_MAX_CPUS, ncpus, 2) < 0 ||
	    fwcfg_set_cmdline(f, "") < 0 ||
	    fwcfg_set(f, FW_CFG_FILE_DIR, no_files, sizeof no_files) < 0) {
		fwcfg_destroy(f);
		return -1;
	}
	return 0;
}

void fwcfg_destroy(struct fwcfg *f)
{
	for (int i = 0; i < f->nitems; i++)
		free(f->item[i].data);
	f->nitems = 0;
}

static uint8_t fwcfg_read_byte(struct fwcfg *f)
{
	/* Bit 14 (write channel) does not change which item is read. */
	const struct fwcfg_item *it = fwcfg_find(f, f->sel & (uint16_t)~0x4000u);
	if (!it || f->off >= it->len)
		return 0;
	return it->data[f->off++];
}

void fwcfg_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct fwcfg *f = opaque;
	uint8_t *b = data;
	/* As QEMU's combined port: a 16-bit write at 0x510 selects, a byte
	 * read at either port reads data, a byte write is a data write
	 * (ignored); other accesses are invalid (reads give all ones). */
	if (is_write) {
		if (off == 0 && size == 2) {
			f->sel = (uint16_t)(b[0] | b[1] << 8);
			f->off = 0;
		}
		return;
	}
	if (size != 1) {
		memset(data, 0xff, size);
		return;
	}
	b[0] = fwcfg_read_byte(f);
}

/* The machine's fw_cfg (monitor/device.h). */

int fwcfg_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	struct fwcfg *f = malloc(sizeof *f);
	if (!f || fwcfg_init(f, m->mem.size, m->ncpus ? m->ncpus : 1) < 0) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (machine_dev_pio(d, PC_FWCFG_PORT_SEL, 2, NULL, fwcfg_io, f, err, errlen) < 0) {
		fwcfg_destroy(f);
		free(f);
		return -1;
	}
	d->state = f;
	return 0;
}

/* The items are the machine's configuration, not guest state: a reset only
 * deselects. */
void fwcfg_dev_reset(struct machine_dev *d)
{
	struct fwcfg *f = d->state;
	f->sel = 0;
	f->off = 0;
}

void fwcfg_dev_destroy(struct machine_dev *d)
{
	fwcfg_destroy(d->state);
	free(d->state);
}
