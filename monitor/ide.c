/* IDE channels (see ide.h): the register file, the data port, device
 * control (nIEN, SRST, HOB), the INTRQ line and drive attachment. The
 * commands are in ide_cmd.c. Register offsets from the command block base:
 * 0 data, 1 error/features, 2 sector count, 3 LBA low, 4 LBA mid, 5 LBA
 * high, 6 drive/head, 7 status/command; the control block's one port reads
 * the alternate status and writes device control. */
#include "monitor/ide_int.h"
#include "monitor/machine.h"
#include "monitor/pcmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ide *ide_new(ide_irq_fn *irq, void *opaque)
{
	struct ide *ide = calloc(1, sizeof *ide);
	if (!ide)
		return NULL;
	ide->irq = irq;
	ide->irq_opaque = opaque;
	pthread_mutex_init(&ide->lock, NULL);
	for (unsigned i = 0; i < IDE_CHANNELS; i++) {
		ide->ch[i].ide = ide;
		ide->ch[i].index = i;
		for (unsigned k = 0; k < 2; k++)
			ide->ch[i].drive[k].disk.fd = -1;
	}
	ide_reset(ide);
	return ide;
}

void ide_free(struct ide *ide)
{
	if (!ide)
		return;
	for (unsigned i = 0; i < IDE_CHANNELS; i++)
		for (unsigned k = 0; k < 2; k++)
			disk_close(&ide->ch[i].drive[k].disk);
	pthread_mutex_destroy(&ide->lock);
	free(ide);
}

struct ide_channel *ide_channel(struct ide *ide, unsigned ch)
{
	return ch < IDE_CHANNELS ? &ide->ch[ch] : NULL;
}

static struct ide_drive *ide_drive_at(struct ide *ide, unsigned index)
{
	return &ide->ch[index / 2].drive[index % 2];
}

/* The line follows the selected drive's INTRQ, gated by nIEN. */
static void ide_update_irq(struct ide_channel *c)
{
	const struct ide_drive *d = &c->drive[c->sel];
	int level = d->present && d->intrq && !(c->devctl & IDE_CTL_NIEN);
	if (level != c->irq_level) {
		c->irq_level = level;
		if (c->ide->irq)
			c->ide->irq(c->ide->irq_opaque, (int)c->index, level);
	}
}

static void ide_drive_reset(struct ide_drive *d)
{
	d->mult = 0;   /* ATA-6: multiple mode is disabled after a reset */
	d->heads = 16;
	d->spt = 63;
	d->wcache = true;
	d->standby = false;
	d->keep_settings = false;
	d->intrq = false;
	d->r = (struct ide_regs){ 0 };
	ide_signature(d);
}

void ide_reset(struct ide *ide)
{
	pthread_mutex_lock(&ide->lock);
	for (unsigned i = 0; i < IDE_CHANNELS; i++) {
		struct ide_channel *c = &ide->ch[i];
		c->sel = 0;
		c->devctl = 0;
		for (unsigned k = 0; k < 2; k++)
			ide_drive_reset(&c->drive[k]);
		ide_update_irq(c);
	}
	pthread_mutex_unlock(&ide->lock);
}

int ide_attach(struct ide *ide, unsigned index, const char *path, bool readonly, char *err, size_t errlen)
{
	if (index >= IDE_MAX_DRIVES) {
		snprintf(err, errlen, "disk index %u: not 0-%d", index, IDE_MAX_DRIVES - 1);
		return -1;
	}
	struct ide_drive *d = ide_drive_at(ide, index);
	if (d->present) {
		snprintf(err, errlen, "disk index %u: already has a drive", index);
		return -1;
	}
	if (disk_open(&d->disk, path, readonly, err, errlen) < 0)
		return -1;
	pthread_mutex_lock(&ide->lock);
	d->present = true;
	ide_drive_reset(d);
	pthread_mutex_unlock(&ide->lock);
	return 0;
}

/* An absent drive's status beside a present one: an absent slave reads 0
 * (the master answers for it, as ATA-6 says for device 1 absent and as
 * xv6's probe expects); an absent master beside a slave reads ready
 * (DRDY|DSC), as QEMU's does: xv6, which QEMU runs with disk 1 alone,
 * waits for device 0 to be ready before it probes device 1. */
static uint8_t ide_absent_status(const struct ide_channel *c)
{
	return c->sel == 0 ? IDE_DRDY | IDE_DSC : 0;
}

/* A reading of a register of the selected drive. A channel without drives
 * floats (0xFF: nothing drives the bus). */
static uint8_t ide_reg_read(struct ide_channel *c, unsigned reg)
{
	struct ide_drive *d = &c->drive[c->sel];
	if (!c->drive[0].present && !c->drive[1].present)
		return 0xFF;
	if (!d->present)
		return reg == 7 ? ide_absent_status(c) : 0;
	bool hob = c->devctl & IDE_CTL_HOB;
	switch (reg) {
	case 1: return d->error;   /* not a FIFO: features are write-only */
	case 2: return hob ? d->r.hob_nsector : d->r.nsector;
	case 3: return hob ? d->r.hob_lbal : d->r.lbal;
	case 4: return hob ? d->r.hob_lbam : d->r.lbam;
	case 5: return hob ? d->r.hob_lbah : d->r.lbah;
	case 6: return d->r.select;
	case 7:
		if (c->devctl & IDE_CTL_SRST)
			return IDE_BSY;
		d->intrq = false;   /* reading status acknowledges the interrupt */
		return d->status;
	}
	return 0xFF;
}

static void ide_reg_write(struct ide_channel *c, unsigned reg, uint8_t v)
{
	/* A write to any command block register clears HOB (ATA-6 7.8). */
	c->devctl &= (uint8_t)~IDE_CTL_HOB;
	if (reg == 7) {
		struct ide_drive *d = &c->drive[c->sel];
		/* Commands go to the selected drive only; an absent one ignores
		 * them, and a drive in reset or mid-command takes none (except
		 * DEVICE RESET, which aborts on a disk anyway). */
		if (d->present && !(c->devctl & IDE_CTL_SRST))
			ide_cmd_exec(c, d, v);
		return;
	}
	for (unsigned k = 0; k < 2; k++) {
		struct ide_regs *r = &c->drive[k].r;
		switch (reg) {
		case 1: r->hob_feature = r->feature; r->feature = v; break;
		case 2: r->hob_nsector = r->nsector; r->nsector = v; break;
		case 3: r->hob_lbal = r->lbal; r->lbal = v; break;
		case 4: r->hob_lbam = r->lbam; r->lbam = v; break;
		case 5: r->hob_lbah = r->lbah; r->lbah = v; break;
		case 6: r->select = v; break;
		}
	}
	if (reg == 6)
		c->sel = (v >> 4) & 1;
}

/* The data port: 16- and 32-bit accesses move bytes of the DRQ block; a
 * byte access, or one with no DRQ, reads as all ones and is dropped. */
static void ide_data(struct ide_channel *c, void *data, unsigned size, bool is_write)
{
	struct ide_drive *d = &c->drive[c->sel];
	bool want = is_write ? d->dir == IDE_XFER_OUT : d->dir == IDE_XFER_IN;
	if (!d->present || !want || size < 2 || (c->devctl & IDE_CTL_SRST)) {
		if (!is_write)
			memset(data, 0xff, size);
		return;
	}
	uint32_t n = d->len - d->pos < size ? d->len - d->pos : size;
	if (is_write) {
		memcpy(d->buf + d->pos, data, n);
	} else {
		memcpy(data, d->buf + d->pos, n);
		if (n < size)
			memset((uint8_t *)data + n, 0xff, size - n);
	}
	d->pos += n;
	if (d->pos >= d->len)
		ide_cmd_block_done(c, d);
}

void ide_io_cmd(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct ide_channel *c = opaque;
	pthread_mutex_lock(&c->ide->lock);
	if (off == 0) {
		ide_data(c, data, size, is_write);
	} else {
		/* Wider accesses touch consecutive registers, byte by byte. */
		uint8_t *b = data;
		for (unsigned i = 0; i < size; i++) {
			unsigned reg = (unsigned)(off + i);
			if (reg > 7) {
				if (!is_write)
					b[i] = 0xff;
			} else if (is_write) {
				ide_reg_write(c, reg, b[i]);
			} else {
				b[i] = ide_reg_read(c, reg);
			}
		}
	}
	ide_update_irq(c);
	pthread_mutex_unlock(&c->ide->lock);
}

/* SRST: held, both drives are busy; released, they reset (registers hold
 * the signature, device 0 selected, settings back to their defaults unless
 * SET FEATURES 66h said to keep them). */
static void ide_devctl(struct ide_channel *c, uint8_t v)
{
	bool was = c->devctl & IDE_CTL_SRST, now = v & IDE_CTL_SRST;
	c->devctl = v & (IDE_CTL_HOB | IDE_CTL_SRST | IDE_CTL_NIEN);
	if (now && !was)
		for (unsigned k = 0; k < 2; k++) {
			c->drive[k].dir = IDE_XFER_NONE;
			c->drive[k].intrq = false;
		}
	if (was && !now) {
		for (unsigned k = 0; k < 2; k++) {
			struct ide_drive *d = &c->drive[k];
			if (!d->present)
				continue;
			/* Settings revert to power-on defaults unless SET FEATURES
			 * 66h asked to keep them across a soft reset. */
			if (d->keep_settings) {
				d->r = (struct ide_regs){ 0 };
				d->intrq = false;
				d->standby = false;
				ide_signature(d);
			} else {
				ide_drive_reset(d);
			}
		}
		c->sel = 0;
	}
}

void ide_io_ctl(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct ide_channel *c = opaque;
	uint8_t *b = data;
	(void)off;
	pthread_mutex_lock(&c->ide->lock);
	if (is_write) {
		ide_devctl(c, b[0]);
	} else {
		const struct ide_drive *d = &c->drive[c->sel];
		uint8_t v = 0xFF;
		if (c->drive[0].present || c->drive[1].present)
			v = !d->present ? ide_absent_status(c) : (c->devctl & IDE_CTL_SRST) ? IDE_BSY : d->status;
		memset(data, v, size);   /* alternate status: no acknowledge */
	}
	ide_update_irq(c);
	pthread_mutex_unlock(&c->ide->lock);
}

void ide_drive_info(struct ide *ide, unsigned index, struct ide_drive_info *out)
{
	memset(out, 0, sizeof *out);
	out->last_name = "";
	if (index >= IDE_MAX_DRIVES)
		return;
	pthread_mutex_lock(&ide->lock);
	const struct ide_drive *d = ide_drive_at(ide, index);
	if (d->present) {
		const char *name = d->last_cmd || d->commands ? ide_cmd_name(d->last_cmd) : "";
		*out = (struct ide_drive_info){
			.present = true, .path = d->disk.path, .sectors = d->disk.sectors,
			.readonly = d->disk.readonly, .status = d->status, .error = d->error,
			.last_cmd = d->last_cmd, .last_name = name ? name : "unknown",
			.commands = d->commands, .sectors_read = d->sectors_read,
			.sectors_written = d->sectors_written, .flushes = d->flushes, .errors = d->errors,
			.mult = d->mult,
		};
	}
	pthread_mutex_unlock(&ide->lock);
}

void ide_identify(struct ide *ide, unsigned index, uint16_t words[256])
{
	pthread_mutex_lock(&ide->lock);
	ide_identify_fill(ide_drive_at(ide, index), index, words);
	pthread_mutex_unlock(&ide->lock);
}

/* The machine's controller (monitor/device.h): both channels, one row. */

static void ide_dev_irq(void *opaque, int channel, int level)
{
	machine_set_irq(opaque, channel ? PC_IRQ_IDE1 : PC_IRQ_IDE0, level);
}

int ide_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	struct ide *ide = ide_new(ide_dev_irq, m);
	if (!ide) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ide->events = &m->events;
	for (unsigned i = 0; i < IDE_MAX_DRIVES; i++) {
		const struct ide_disk_spec *s = &m->config.disks[i];
		if (s->path && ide_attach(ide, i, s->path, s->readonly, err, errlen) < 0) {
			ide_free(ide);
			return -1;
		}
	}
	static const struct { uint16_t cmd, ctl; int irq; const char *name, *ctl_name; } map[IDE_CHANNELS] = {
		{ IDE_PRI_CMD, IDE_PRI_CTL, PC_IRQ_IDE0, "ide0", "ide0-ctl" },
		{ IDE_SEC_CMD, IDE_SEC_CTL, PC_IRQ_IDE1, "ide1", "ide1-ctl" },
	};
	for (unsigned i = 0; i < IDE_CHANNELS; i++)
		if (machine_dev_pio(d, map[i].cmd, 8, map[i].name, ide_io_cmd, &ide->ch[i], err, errlen) < 0 ||
		    machine_dev_pio(d, map[i].ctl, 1, map[i].ctl_name, ide_io_ctl, &ide->ch[i], err, errlen) < 0 ||
		    machine_dev_irq(d, map[i].irq, map[i].name, err, errlen) < 0) {
			ide_free(ide);
			return -1;
		}
	d->state = ide;
	return 0;
}

void ide_dev_reset(struct machine_dev *d)
{
	ide_reset(d->state);
}

void ide_dev_destroy(struct machine_dev *d)
{
	ide_free(d->state);
}
