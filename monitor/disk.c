/* Raw disk images (see disk.h). */
#include "monitor/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int disk_open(struct disk *d, const char *path, bool readonly, char *err, size_t errlen)
{
	struct stat st;

	*d = (struct disk){ .fd = -1, .path = path, .readonly = readonly };
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (!readonly && (e == EACCES || e == EROFS) && access(path, R_OK) == 0)
			snprintf(err, errlen, "disk image '%s': %s (add ,readonly to use it read-only)", path,
				 strerror(e));
		else
			snprintf(err, errlen, "disk image '%s': %s", path, strerror(e));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "disk image '%s': not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size < DISK_SECTOR) {
		snprintf(err, errlen, "disk image '%s': empty (%lld bytes; a disk needs at least one %d-byte sector)",
			 path, (long long)st.st_size, DISK_SECTOR);
		close(fd);
		return -1;
	}
	if (flock(fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		snprintf(err, errlen, "disk image '%s': in use (locked by another drive or program)", path);
		close(fd);
		return -1;
	}
	d->fd = fd;
	d->sectors = (uint64_t)st.st_size / DISK_SECTOR;
	return 0;
}

void disk_close(struct disk *d)
{
	if (d->fd < 0)
		return;
	disk_flush(d);
	close(d->fd);   /* drops the lock */
	d->fd = -1;
}

static int disk_range(const struct disk *d, uint64_t lba, uint32_t count)
{
	if (d->fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (lba > d->sectors || count > d->sectors - lba) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

int disk_read(struct disk *d, uint64_t lba, uint32_t count, void *buf)
{
	if (disk_range(d, lba, count) < 0)
		return -1;
	size_t len = (size_t)count * DISK_SECTOR, done = 0;
	off_t off = (off_t)(lba * DISK_SECTOR);
	while (done < len) {
		ssize_t n = pread(d->fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {   /* the file shrank under us: what is gone reads as zeros */
			memset((char *)buf + done, 0, len - done);
			break;
		}
		done += (size_t)n;
	}
	return 0;
}

int disk_write(struct disk *d, uint64_t lba, uint32_t count, const void *buf)
{
	if (disk_range(d, lba, count) < 0)
		return -1;
	if (d->readonly) {
		errno = EROFS;
		return -1;
	}
	size_t len = (size_t)count * DISK_SECTOR, done = 0;
	off_t off = (off_t)(lba * DISK_SECTOR);
	d->dirty = true;   /* even a partial write needs the next flush */
	while (done < len) {
		ssize_t n = pwrite(d->fd, (const char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

int disk_flush(struct disk *d)
{
	if (d->fd < 0 || !d->dirty)
		return 0;
	if (fdatasync(d->fd) < 0)
		return -1;
	d->dirty = false;
	return 0;
}
