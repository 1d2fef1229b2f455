/* A disk image backend: a raw image file, read and written in 512-byte
 * sectors. Writes go to the file at once with pwrite (the host's page cache
 * holds them, so other readers see them at once); disk_flush makes them
 * durable with fdatasync, and disk_close flushes before it closes, so a
 * write the guest was told is done is in the file by the time its FLUSH
 * CACHE completes, and at the latest when bt86 exits. An image whose size is
 * not a multiple of 512 is accepted; its tail (less than a sector) is
 * neither read nor written. An empty image (no whole sector) is refused.
 * The image is locked (flock: shared when readonly, exclusive otherwise), so
 * two runs, or two drives of one run, never write one image.
 *
 *   struct disk d;
 *   if (disk_open(&d, "disk.img", false, err, sizeof err) < 0) ...
 *   disk_write(&d, lba, 1, sector); disk_flush(&d); disk_close(&d);
 */
#ifndef BT86_MONITOR_DISK_H
#define BT86_MONITOR_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR 512

struct disk {
	int fd;                  /* -1 when closed */
	const char *path;        /* as given (the caller keeps it) */
	uint64_t sectors;        /* whole sectors in the image */
	bool readonly;
	bool dirty;              /* written since the last flush */
};

/* Open path; 0, or -1 with one line naming the file in err (missing,
 * unreadable, not a regular file, empty, locked by another user). */
int disk_open(struct disk *d, const char *path, bool readonly, char *err, size_t errlen);
/* Flush, unlock and close (a closed disk is left alone). */
void disk_close(struct disk *d);

/* Sectors [lba, lba+count): 0, or -1 with errno (ERANGE past the end,
 * EROFS writing a readonly image, or the host's error). */
int disk_read(struct disk *d, uint64_t lba, uint32_t count, void *buf);
int disk_write(struct disk *d, uint64_t lba, uint32_t count, const void *buf);
/* fdatasync if anything was written since the last flush: 0, or -1 with errno. */
int disk_flush(struct disk *d);

#endif
