/* IDE/ATA hard disks on the PIIX's two legacy channels: primary at
 * 0x1F0-0x1F7 with its control port 0x3F6 on IRQ 14, secondary at
 * 0x170-0x177 and 0x376 on IRQ 15, a master and a slave on each. The
 * register map and the PIO protocols are ATA/ATAPI-6's; commands complete
 * at once (the guest never sees BSY but while SRST is held), data moves in
 * DRQ blocks (a sector, or the multiple count for READ/WRITE MULTIPLE)
 * through a buffer in the drive, so REP INSL/OUTSL is a copy per element.
 * Drive images are monitor/disk.h's. Details in docs/machine.md.
 *
 *   struct ide *ide = ide_new(irq_fn, opaque);
 *   ide_attach(ide, 1, "disk.img", false, err, sizeof err);   // primary slave
 *   iobus_register(&pio, 0x1f0, 8, "ide0", ide_io_cmd, ide_channel(ide, 0));
 *   iobus_register(&pio, 0x3f6, 1, "ide0-ctl", ide_io_ctl, ide_channel(ide, 0));
 */
#ifndef BT86_MONITOR_IDE_H
#define BT86_MONITOR_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDE_CHANNELS   2
#define IDE_MAX_DRIVES 4     /* index 0 primary master, 1 primary slave, 2, 3 secondary */
#define IDE_MAX_MULT   16    /* sectors per READ/WRITE MULTIPLE block */
#define IDE_PRI_CMD    0x1F0
#define IDE_PRI_CTL    0x3F6
#define IDE_SEC_CMD    0x170
#define IDE_SEC_CTL    0x376

/* Status register bits. */
#define IDE_BSY  0x80
#define IDE_DRDY 0x40
#define IDE_DF   0x20
#define IDE_DSC  0x10
#define IDE_DRQ  0x08
#define IDE_ERR  0x01
/* Error register bits. */
#define IDE_ER_UNC  0x40
#define IDE_ER_IDNF 0x10
#define IDE_ER_ABRT 0x04
/* Device control bits. */
#define IDE_CTL_HOB  0x80
#define IDE_CTL_SRST 0x04
#define IDE_CTL_NIEN 0x02

/* A drive the machine is configured with (machine_config.disks). */
struct ide_disk_spec {
	const char *path;        /* NULL: no drive at this index */
	bool readonly;
};

struct ide;
struct ide_channel;

/* The channel's INTRQ (line is 0 or 1: the channel). */
typedef void ide_irq_fn(void *opaque, int channel, int level);

struct ide *ide_new(ide_irq_fn *irq, void *opaque);
/* Flushes and closes every image. */
void ide_free(struct ide *ide);
/* Put the drive at index (0-3) on its channel; 0, or -1 with one line. */
int ide_attach(struct ide *ide, unsigned index, const char *path, bool readonly, char *err, size_t errlen);
/* Power-on / hardware reset of both channels (the images stay). */
void ide_reset(struct ide *ide);
struct ide_channel *ide_channel(struct ide *ide, unsigned ch);

/* io_fns, opaque the channel: the 8 command block registers, the control
 * register (alternate status / device control). */
void ide_io_cmd(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void ide_io_ctl(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* A drive as `info disks` shows it, read under the lock. */
struct ide_drive_info {
	bool present;
	const char *path;
	uint64_t sectors;
	bool readonly;
	uint8_t status, error;
	uint8_t last_cmd;        /* 0 before any */
	const char *last_name;   /* its name, or "" */
	uint64_t commands, sectors_read, sectors_written, flushes, errors;
	unsigned mult;           /* SET MULTIPLE's count, 0: disabled */
};
void ide_drive_info(struct ide *ide, unsigned index, struct ide_drive_info *out);
/* The name of ATA command cmd ("READ SECTORS EXT"), or NULL if unknown. */
const char *ide_cmd_name(uint8_t cmd);

/* Building the 256-word IDENTIFY DEVICE block (exposed for tests). */
void ide_identify(struct ide *ide, unsigned index, uint16_t words[256]);

/* The machine's IDE controller (monitor/device.h hooks; state: struct ide,
 * drives from machine_config.disks). */
struct machine_dev;
int ide_dev_init(struct machine_dev *d, char *err, size_t errlen);
void ide_dev_reset(struct machine_dev *d);
void ide_dev_destroy(struct machine_dev *d);

#endif
