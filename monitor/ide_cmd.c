/* ATA commands (ATA/ATAPI-6): the PIO data-in, data-out and non-data
 * protocols for a hard disk, run at once when the command register is
 * written. Data-in: the block is read, DRQ set and INTRQ raised per block;
 * after the last block the drive is ready with no interrupt. Data-out: DRQ
 * without an interrupt for the first block, then INTRQ after every block
 * the drive took (DRQ again if more follow). Non-data: INTRQ at completion.
 * An error sets ERR with the error register's bit and raises INTRQ. */
#include "monitor/ide_int.h"

#include <errno.h>

#define ST_READY (IDE_DRDY | IDE_DSC)

/* Command flags. */
#define C_LBA48 0x01   /* 48-bit address and count from the HOB registers */
#define C_MULT  0x02   /* a DRQ block is the multiple count */
#define C_READ  0x04
#define C_WRITE 0x08
#define C_VERIFY 0x10

static const struct ide_cmd_desc {
	uint8_t cmd;
	uint8_t flags;
	const char *name;
} ide_cmds[] = {
	{ 0x00, 0, "NOP" },
	{ 0x08, 0, "DEVICE RESET" },
	{ 0x10, 0, "RECALIBRATE" },
	{ 0x20, C_READ, "READ SECTORS" },
	{ 0x21, C_READ, "READ SECTORS" },
	{ 0x24, C_READ | C_LBA48, "READ SECTORS EXT" },
	{ 0x29, C_READ | C_LBA48 | C_MULT, "READ MULTIPLE EXT" },
	{ 0x30, C_WRITE, "WRITE SECTORS" },
	{ 0x31, C_WRITE, "WRITE SECTORS" },
	{ 0x34, C_WRITE | C_LBA48, "WRITE SECTORS EXT" },
	{ 0x39, C_WRITE | C_LBA48 | C_MULT, "WRITE MULTIPLE EXT" },
	{ 0x40, C_VERIFY, "READ VERIFY SECTORS" },
	{ 0x41, C_VERIFY, "READ VERIFY SECTORS" },
	{ 0x42, C_VERIFY | C_LBA48, "READ VERIFY SECTORS EXT" },
	{ 0x70, 0, "SEEK" },
	{ 0x90, 0, "EXECUTE DEVICE DIAGNOSTIC" },
	{ 0x91, 0, "INITIALIZE DEVICE PARAMETERS" },
	{ 0xA0, 0, "PACKET" },
	{ 0xA1, 0, "IDENTIFY PACKET DEVICE" },
	{ 0xC4, C_READ | C_MULT, "READ MULTIPLE" },
	{ 0xC5, C_WRITE | C_MULT, "WRITE MULTIPLE" },
	{ 0xC6, 0, "SET MULTIPLE MODE" },
	{ 0xE0, 0, "STANDBY IMMEDIATE" },
	{ 0xE1, 0, "IDLE IMMEDIATE" },
	{ 0xE2, 0, "STANDBY" },
	{ 0xE3, 0, "IDLE" },
	{ 0xE5, 0, "CHECK POWER MODE" },
	{ 0xE7, 0, "FLUSH CACHE" },
	{ 0xEA, 0, "FLUSH CACHE EXT" },
	{ 0xEC, 0, "IDENTIFY DEVICE" },
	{ 0xEF, 0, "SET FEATURES" },
};

static const struct ide_cmd_desc *ide_cmd_find(uint8_t cmd)
{
	for (size_t i = 0; i < sizeof ide_cmds / sizeof ide_cmds[0]; i++)
		if (ide_cmds[i].cmd == cmd)
			return &ide_cmds[i];
	return NULL;
}

const char *ide_cmd_name(uint8_t cmd)
{
	const struct ide_cmd_desc *c = ide_cmd_find(cmd);
	return c ? c->name : NULL;
}

void ide_signature(struct ide_drive *d)
{
	/* ATA-6 9.12: an ATA device's signature, diagnostic code 01h (passed). */
	d->r.nsector = d->r.hob_nsector = 1;
	d->r.lbal = d->r.hob_lbal = 1;
	d->r.lbam = d->r.lbah = d->r.hob_lbam = d->r.hob_lbah = 0;
	d->r.select = 0;
	d->error = 0x01;
	d->status = ST_READY;
	d->dir = IDE_XFER_NONE;
}

static void ide_done(struct ide_drive *d)
{
	d->status = ST_READY;
	d->dir = IDE_XFER_NONE;
	d->intrq = true;
}

static void ide_fail(struct ide_drive *d, uint8_t error, uint8_t extra_status)
{
	d->status = ST_READY | IDE_ERR | extra_status;
	d->error = error;
	d->dir = IDE_XFER_NONE;
	d->intrq = true;
	d->errors++;
}

/* The command's first sector and count: 0, or -1 for an address that is
 * no sector (CHS outside the geometry). */
static int ide_address(const struct ide_drive *d, bool lba48, uint64_t *lba, uint32_t *count)
{
	const struct ide_regs *r = &d->r;
	if (lba48) {
		*lba = (uint64_t)r->hob_lbah << 40 | (uint64_t)r->hob_lbam << 32 | (uint64_t)r->hob_lbal << 24 |
		       (uint64_t)r->lbah << 16 | (uint64_t)r->lbam << 8 | r->lbal;
		*count = (uint32_t)r->hob_nsector << 8 | r->nsector;
		if (!*count)
			*count = 65536;
		return 0;
	}
	*count = r->nsector ? r->nsector : 256;
	if (r->select & 0x40) {
		*lba = (uint64_t)(r->select & 0x0F) << 24 | (uint64_t)r->lbah << 16 | (uint64_t)r->lbam << 8 | r->lbal;
		return 0;
	}
	/* CHS: cylinder in LBA mid/high, head in drive/head, sector (from 1) in LBA low. */
	unsigned cyl = (unsigned)r->lbah << 8 | r->lbam, head = r->select & 0x0F, sec = r->lbal;
	if (sec == 0 || sec > d->spt || head >= d->heads)
		return -1;
	*lba = ((uint64_t)cyl * d->heads + head) * d->spt + (sec - 1);
	return 0;
}

/* Load the next block from the image and offer it (data-in). */
static void ide_read_block(struct ide_drive *d)
{
	d->cur = d->left < d->block ? d->left : d->block;
	if (disk_read(&d->disk, d->lba, d->cur, d->buf) < 0) {
		ide_fail(d, IDE_ER_UNC, 0);
		return;
	}
	d->pos = 0;
	d->len = d->cur * DISK_SECTOR;
	d->dir = IDE_XFER_IN;
	d->status = ST_READY | IDE_DRQ;
	d->intrq = true;
}

/* Ask for the next block (data-out); INTRQ for every block but the first. */
static void ide_write_block(struct ide_drive *d, bool irq)
{
	d->cur = d->left < d->block ? d->left : d->block;
	d->pos = 0;
	d->len = d->cur * DISK_SECTOR;
	d->dir = IDE_XFER_OUT;
	d->status = ST_READY | IDE_DRQ;
	if (irq)
		d->intrq = true;
}

void ide_cmd_block_done(struct ide_channel *c, struct ide_drive *d)
{
	(void)c;
	if (!d->to_disk) {   /* IDENTIFY: one block, no interrupt after it */
		d->status = ST_READY;
		d->dir = IDE_XFER_NONE;
		return;
	}
	if (d->dir == IDE_XFER_OUT) {
		/* A write error (the host's disk full, EIO) is a device fault:
		 * the guest is never told a lost write is done. */
		if (disk_write(&d->disk, d->lba, d->cur, d->buf) < 0 ||
		    (!d->wcache && disk_flush(&d->disk) < 0)) {
			ide_fail(d, IDE_ER_ABRT, IDE_DF);
			return;
		}
		d->sectors_written += d->cur;
	} else {
		d->sectors_read += d->cur;
	}
	d->left -= d->cur;
	d->lba += d->cur;
	if (d->left == 0) {
		bool out = d->dir == IDE_XFER_OUT;
		d->status = ST_READY;
		d->dir = IDE_XFER_NONE;
		d->intrq = out;   /* data-out completes with an interrupt, data-in does not */
		return;
	}
	if (d->dir == IDE_XFER_OUT)
		ide_write_block(d, true);
	else
		ide_read_block(d);
}

static void ide_event(struct ide_channel *c, struct ide_drive *d, const struct ide_cmd_desc *desc, uint8_t cmd,
		      bool rw, uint64_t lba, uint32_t count)
{
	struct evlog *log = c->ide->events;
	unsigned idx = c->index * 2 + (unsigned)(d - c->drive);
	if (!log)
		return;
	if (rw)
		evlog_add(log, EV_IO, 0, -1, "ide disk %u: %s (0x%02x) lba %llu count %u", idx, desc->name, cmd,
			  (unsigned long long)lba, count);
	else
		evlog_add(log, EV_IO, 0, -1, "ide disk %u: %s (0x%02x)", idx, desc ? desc->name : "unknown command",
			  cmd);
}

static void ide_rw(struct ide_channel *c, struct ide_drive *d, const struct ide_cmd_desc *desc)
{
	uint64_t lba = 0;
	uint32_t count = 0;
	bool bad = ide_address(d, desc->flags & C_LBA48, &lba, &count) < 0;
	ide_event(c, d, desc, desc->cmd, true, lba, count);
	if ((desc->flags & C_MULT) && d->mult == 0) {   /* multiple mode disabled */
		ide_fail(d, IDE_ER_ABRT, 0);
		return;
	}
	if (bad || lba > d->disk.sectors || count > d->disk.sectors - lba) {
		ide_fail(d, IDE_ER_IDNF, 0);   /* no such sector: nothing moves */
		return;
	}
	if ((desc->flags & C_WRITE) && d->disk.readonly) {
		ide_fail(d, IDE_ER_ABRT, 0);   /* a readonly image refuses writes at the command */
		return;
	}
	d->standby = false;
	if (desc->flags & C_VERIFY) {
		ide_done(d);
		return;
	}
	d->lba = lba;
	d->left = count;
	d->block = (desc->flags & C_MULT) ? d->mult : 1;
	d->to_disk = true;
	if (desc->flags & C_READ)
		ide_read_block(d);
	else
		ide_write_block(d, false);
}

static void ide_set_features(struct ide_drive *d)
{
	uint8_t mode = d->r.nsector;
	switch (d->r.feature) {
	case 0x03:   /* set transfer mode: PIO default, or PIO flow control modes 0-4 */
		if (mode <= 0x01 || (mode >= 0x08 && mode <= 0x0C))
			ide_done(d);
		else
			ide_fail(d, IDE_ER_ABRT, 0);   /* no DMA on this drive */
		return;
	case 0x02: d->wcache = true; break;
	case 0x82: d->wcache = false; break;
	case 0x55: case 0xAA:   /* read look-ahead off/on: the host's page cache decides */
		break;
	case 0x66: d->keep_settings = true; break;    /* a soft reset keeps the settings */
	case 0xCC: d->keep_settings = false; break;   /* ...or reverts them (the default) */
	default:
		ide_fail(d, IDE_ER_ABRT, 0);
		return;
	}
	if (d->r.feature == 0x82 && disk_flush(&d->disk) < 0) {
		ide_fail(d, IDE_ER_ABRT, IDE_DF);
		return;
	}
	ide_done(d);
}

void ide_cmd_exec(struct ide_channel *c, struct ide_drive *d, uint8_t cmd)
{
	const struct ide_cmd_desc *desc = ide_cmd_find(cmd);
	unsigned idx = c->index * 2 + (unsigned)(d - c->drive);

	d->commands++;
	d->last_cmd = cmd;
	d->cmd = cmd;
	d->dir = IDE_XFER_NONE;   /* a new command ends any transfer */
	d->error = 0;
	if (desc && (desc->flags & (C_READ | C_WRITE | C_VERIFY))) {
		ide_rw(c, d, desc);
		return;
	}
	ide_event(c, d, desc, cmd, false, 0, 0);
	switch (cmd) {
	case 0xEC: {   /* IDENTIFY DEVICE */
		uint16_t w[256];
		ide_identify_fill(d, idx, w);
		for (int i = 0; i < 256; i++) {
			d->buf[2 * i] = (uint8_t)w[i];
			d->buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
		}
		d->to_disk = false;
		d->pos = 0;
		d->len = DISK_SECTOR;
		d->dir = IDE_XFER_IN;
		d->status = ST_READY | IDE_DRQ;
		d->intrq = true;
		return;
	}
	case 0xC6: {   /* SET MULTIPLE MODE: 0 disables, else a power of two up to the maximum */
		unsigned n = d->r.nsector;
		if (n > IDE_MAX_MULT || (n & (n - 1))) {
			d->mult = 0;   /* a bad count disables multiple mode */
			ide_fail(d, IDE_ER_ABRT, 0);
			return;
		}
		d->mult = n;
		ide_done(d);
		return;
	}
	case 0xE7: case 0xEA:   /* FLUSH CACHE (EXT): durable before it completes */
		d->flushes++;
		if (disk_flush(&d->disk) < 0) {
			ide_fail(d, IDE_ER_ABRT, IDE_DF);
			return;
		}
		ide_done(d);
		return;
	case 0xEF:
		ide_set_features(d);
		return;
	case 0x91:   /* INITIALIZE DEVICE PARAMETERS: sectors per track, heads */
		if (d->r.nsector == 0) {
			ide_fail(d, IDE_ER_ABRT, 0);
			return;
		}
		d->spt = d->r.nsector;
		d->heads = (d->r.select & 0x0F) + 1u;
		ide_done(d);
		return;
	case 0xE0: case 0xE2:
		d->standby = true;
		ide_done(d);
		return;
	case 0xE1: case 0xE3:
		d->standby = false;
		ide_done(d);
		return;
	case 0xE5:   /* CHECK POWER MODE: FFh active or idle, 00h standby */
		d->r.nsector = d->standby ? 0x00 : 0xFF;
		ide_done(d);
		return;
	case 0x10: case 0x70:   /* RECALIBRATE, SEEK: nothing to move */
		ide_done(d);
		return;
	case 0x90:   /* EXECUTE DEVICE DIAGNOSTIC: both drives, device 0 answers */
		for (unsigned k = 0; k < 2; k++)
			if (c->drive[k].present)
				ide_signature(&c->drive[k]);
		c->sel = 0;
		if (c->drive[0].present)
			c->drive[0].intrq = true;
		return;
	default:   /* NOP, DEVICE RESET, PACKET, IDENTIFY PACKET DEVICE, unknown */
		ide_fail(d, IDE_ER_ABRT, 0);
		return;
	}
}
