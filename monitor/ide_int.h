/* The IDE model's inside, shared by ide.c (registers, data port, reset),
 * ide_cmd.c (the commands) and ide_identify.c (the IDENTIFY block). */
#ifndef BT86_MONITOR_IDE_INT_H
#define BT86_MONITOR_IDE_INT_H

#include <pthread.h>

#include "monitor/disk.h"
#include "monitor/evlog.h"
#include "monitor/ide.h"

enum ide_xfer { IDE_XFER_NONE, IDE_XFER_IN, IDE_XFER_OUT };

/* One drive's task file: every write to a command block register reaches
 * both drives of a channel (as on the cable); the previous value stays in
 * hob_* (the two-deep FIFO LBA48 needs). */
struct ide_regs {
	uint8_t feature, nsector, lbal, lbam, lbah;
	uint8_t hob_feature, hob_nsector, hob_lbal, hob_lbam, hob_lbah;
	uint8_t select;          /* drive/head: LBA 0x40, DEV 0x10, head or LBA 27:24 */
};

struct ide_drive {
	bool present;
	struct disk disk;
	struct ide_regs r;
	uint8_t status, error;
	bool intrq;              /* the device's interrupt pending (cleared by a status read) */
	unsigned mult;           /* sectors per MULTIPLE block; 0: multiple mode disabled */
	unsigned heads, spt;     /* CHS translation (INITIALIZE DEVICE PARAMETERS) */
	bool wcache;             /* write cache enabled: else every write is flushed */
	bool standby;            /* power mode for CHECK POWER MODE */
	bool keep_settings;      /* SET FEATURES 66h: a soft reset keeps them (CCh: reverts) */
	/* The transfer in progress: dir, the block in buf [pos, len), what
	 * follows it (left sectors from lba, block sectors per DRQ block). */
	enum ide_xfer dir;
	bool to_disk;            /* the data is sectors of the image (not IDENTIFY) */
	uint32_t pos, len;
	uint64_t lba;
	uint32_t left, block, cur;   /* cur: sectors in buf */
	uint8_t cmd, last_cmd;
	uint64_t commands, sectors_read, sectors_written, flushes, errors;
	uint8_t buf[IDE_MAX_MULT * DISK_SECTOR];
};

struct ide_channel {
	struct ide *ide;
	unsigned index;
	unsigned sel;            /* the selected drive (DEV bit) */
	uint8_t devctl;
	int irq_level;
	struct ide_drive drive[2];
};

struct ide {
	struct ide_channel ch[IDE_CHANNELS];
	ide_irq_fn *irq;
	void *irq_opaque;
	struct evlog *events;    /* command events (EV_IO); NULL: none */
	pthread_mutex_t lock;    /* the vCPU thread's accesses and `info disks` */
};

/* ide_cmd.c: run command cmd on drive d of channel c (under the lock). */
void ide_cmd_exec(struct ide_channel *c, struct ide_drive *d, uint8_t cmd);
/* A DRQ block was fully read or written by the host. */
void ide_cmd_block_done(struct ide_channel *c, struct ide_drive *d);
/* The ATA reset signature in d's registers, status ready. */
void ide_signature(struct ide_drive *d);
void ide_identify_fill(const struct ide_drive *d, unsigned index, uint16_t w[256]);

#endif
