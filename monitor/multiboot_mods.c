/* Multiboot boot modules (see multiboot.h): files loaded after the kernel,
 * listed in the information structure as the Multiboot Specification 0.6.96
 * section 3.3 lays out mods_addr: 16 bytes each, mod_start, mod_end (one
 * past the last byte, as GRUB and QEMU set it), string, reserved. */
#include "monitor/multiboot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MODS_PAGE        0x1000u
#define MBI_FLAGS_OFF    0
#define MBI_MODS_COUNT   20
#define MBI_MODS_ADDR    24
#define MBI_MODS_FLAG    0x008

_Static_assert(MB_MODS_ADDR + 16 * MB_MAX_MODULES <= MB_CMDLINE_ADDR, "the module list fits before the command line");

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Read path into RAM at at, below limit: its size, or -1 with err. */
static long mods_read(struct guestmem *gm, const char *path, uint32_t at, uint64_t limit, char *err, size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "module %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "module %s: not a regular file", path);
		fclose(f);
		return -1;
	}
	if ((uint64_t)at + (uint64_t)st.st_size > limit) {
		snprintf(err, errlen, "module %s (%lld bytes at 0x%x) does not fit in usable guest RAM below 0x%llx (try a larger -m)",
			 path, (long long)st.st_size, at, (unsigned long long)limit);
		fclose(f);
		return -1;
	}
	size_t len = (size_t)st.st_size;
	uint8_t *dst = gmem_ptr(gm, at, len ? len : 1);
	if (!dst || fread(dst, 1, len, f) != len) {
		snprintf(err, errlen, "module %s: cannot read: %s", path, dst ? strerror(errno) : "not in RAM");
		fclose(f);
		return -1;
	}
	fclose(f);
	return (long)len;
}

int mb_load_modules(struct guestmem *gm, const struct mb_module *mods, size_t n, struct mb_boot *b, char *err,
		    size_t errlen)
{
	if (n == 0)
		return 0;
	if (n > MB_MAX_MODULES) {
		snprintf(err, errlen, "%zu modules: at most %d", n, MB_MAX_MODULES);
		return -1;
	}
	uint8_t *area = gmem_ptr(gm, MB_AREA_BASE, MB_AREA_END - MB_AREA_BASE);
	uint8_t *info = area + (MB_INFO_ADDR - MB_AREA_BASE);
	uint8_t *list = area + (MB_MODS_ADDR - MB_AREA_BASE);
	/* The strings go after the kernel's command line, in the same room. */
	uint32_t str = MB_CMDLINE_ADDR + (uint32_t)strlen((const char *)area + (MB_CMDLINE_ADDR - MB_AREA_BASE)) + 1;
	uint64_t limit = gm->size - MB_FW_RESERVED;   /* the memory map's usable top */
	uint32_t at = b->image_hi > 0x100000u ? b->image_hi : 0x100000u;

	for (size_t i = 0; i < n; i++) {
		const char *args = mods[i].args ? mods[i].args : "";
		size_t slen = strlen(mods[i].path) + (*args ? 1 + strlen(args) : 0) + 1;
		if (str + slen > MB_AREA_END) {
			snprintf(err, errlen, "module %s: the command line and module strings exceed %u bytes", mods[i].path,
				 MB_CMDLINE_MAX);
			return -1;
		}
		at = (at + MODS_PAGE - 1) & ~(MODS_PAGE - 1);
		long len = mods_read(gm, mods[i].path, at, limit, err, errlen);
		if (len < 0)
			return -1;
		snprintf((char *)area + (str - MB_AREA_BASE), slen, "%s%s%s", mods[i].path, *args ? " " : "", args);
		uint8_t *e = list + 16 * i;
		wr32(e + 0, at);
		wr32(e + 4, at + (uint32_t)len);
		wr32(e + 8, str);
		wr32(e + 12, 0);
		str += (uint32_t)slen;
		at += (uint32_t)len;
	}
	wr32(info + MBI_FLAGS_OFF, rd32(info + MBI_FLAGS_OFF) | MBI_MODS_FLAG);
	wr32(info + MBI_MODS_COUNT, (uint32_t)n);
	wr32(info + MBI_MODS_ADDR, MB_MODS_ADDR);
	b->nmods = (int)n;
	b->mods_hi = at;
	return 0;
}
