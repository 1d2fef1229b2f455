/* Guest RAM as a memfd with a physical view (see guestmem.h). */
#include "monitor/guestmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int gmem_init(struct guestmem *gm, uint64_t size, char *err, size_t errlen)
{
	memset(gm, 0, sizeof *gm);
	gm->fd = -1;
	if (size < GMEM_MIN_SIZE || size > GMEM_MAX_SIZE) {
		snprintf(err, errlen, "RAM size %llu MiB is out of range (%llu MiB to %llu MiB)",
			 (unsigned long long)(size >> 20),
			 (unsigned long long)(GMEM_MIN_SIZE >> 20),
			 (unsigned long long)(GMEM_MAX_SIZE >> 20));
		return -1;
	}
	if (size & 0xfff) {
		snprintf(err, errlen, "RAM size must be a multiple of 4 KiB");
		return -1;
	}
	gm->fd = memfd_create("bt86-ram", MFD_CLOEXEC);
	if (gm->fd < 0 || ftruncate(gm->fd, (off_t)size) < 0) {
		snprintf(err, errlen, "cannot create guest RAM: %s", strerror(errno));
		gmem_destroy(gm);
		return -1;
	}
	gm->phys = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, gm->fd, 0);
	if (gm->phys == MAP_FAILED) {
		gm->phys = NULL;
		snprintf(err, errlen, "cannot map guest RAM: %s", strerror(errno));
		gmem_destroy(gm);
		return -1;
	}
	gm->size = size;
	return 0;
}

void gmem_destroy(struct guestmem *gm)
{
	if (gm->phys)
		munmap(gm->phys, gm->size);
	if (gm->fd >= 0)
		close(gm->fd);
	gm->phys = NULL;
	gm->fd = -1;
	gm->size = 0;
}

bool gmem_is_ram(const struct guestmem *gm, uint64_t pa, uint64_t len)
{
	if (len == 0 || pa >= gm->size || len > gm->size - pa)
		return false;
	return pa + len <= GMEM_VGA_BASE || pa >= GMEM_VGA_END;
}

void *gmem_ptr(const struct guestmem *gm, uint64_t pa, uint64_t len)
{
	return gmem_is_ram(gm, pa, len) ? gm->phys + pa : NULL;
}

int gmem_read(const struct guestmem *gm, uint64_t pa, void *buf, size_t len)
{
	const void *p = gmem_ptr(gm, pa, len);
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

int gmem_write(struct guestmem *gm, uint64_t pa, const void *buf, size_t len)
{
	void *p = gmem_ptr(gm, pa, len);
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

int gmem_parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')   /* strtoull would take blanks and a sign */
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	unsigned shift = 20;   /* a bare number means MiB, as with QEMU's -m */
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -1;
	}
	if (*end == 'i' || *end == 'B')   /* accept 64MiB and 64MB spellings */
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*bytes = (uint64_t)v << shift;
	return 0;
}
