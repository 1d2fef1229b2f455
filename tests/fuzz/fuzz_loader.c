/* libFuzzer target: the multiboot loader (monitor/multiboot.c). The input is
 * a kernel image, loaded into 8 MiB of guest RAM with mb_load(); inputs whose
 * length is a multiple of 64 also go through a temporary file and
 * mb_load_file(), which must agree.
 *
 * Checks: a failure leaves one error line (no newline, not empty); a success
 * loaded its image inside RAM, outside the VGA hole and the boot area, with
 * the entry point inside it and the information structure where the header
 * says, holding the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/guestmem.h"
#include "monitor/multiboot.h"

#define FZ_RAM (8u << 20)
#define FZ_CMDLINE "fuzz.elf n=3 verbose"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, const char *err)
{
	fprintf(stderr, "fuzz_loader: %s (%s)\n", why, err);
	abort();
}

static void check_error(const char *err)
{
	if (!err[0] || strchr(err, '\n'))
		fail("the error is not one line", err);
}

static void check_loaded(const struct guestmem *gm, const struct mb_boot *b)
{
	if (b->nsegs < 1 || b->image_lo >= b->image_hi || b->image_hi > gm->size)
		fail("the image range is wrong", "");
	if (b->image_lo < GMEM_VGA_END && b->image_hi > GMEM_VGA_BASE && b->nsegs == 1)
		fail("the image overlaps the VGA hole", "");
	if (b->image_lo < MB_AREA_END && b->image_hi > MB_AREA_BASE && b->nsegs == 1)
		fail("the image overlaps the boot area", "");
	if (b->entry < b->image_lo || b->entry >= b->image_hi)
		fail("the entry point is outside the image", "");
	if (b->mbi != MB_INFO_ADDR)
		fail("the information structure moved", "");
	const char *cl = gmem_ptr(gm, MB_CMDLINE_ADDR, sizeof FZ_CMDLINE);
	if (!cl || memcmp(cl, FZ_CMDLINE, sizeof FZ_CMDLINE))
		fail("the command line is not in the boot area", "");
	struct vcpu_state s;
	mb_boot_state(b, &s);
	if (s.eip != b->entry)
		fail("the boot state does not enter at the entry point", "");
}

/* The same image through a file must give the same answer. */
static void check_file(struct guestmem *gm, const uint8_t *data, size_t size, int rc, const struct mb_boot *b)
{
	char path[] = "/tmp/fuzz_loader.XXXXXX";
	char err[256] = "";
	struct mb_boot fb;
	int fd = mkstemp(path);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return;
	}
	close(fd);
	int frc = mb_load_file(gm, path, FZ_CMDLINE, &fb, err, sizeof err);
	unlink(path);
	if (frc != rc || (rc == 0 && (fb.entry != b->entry || fb.image_lo != b->image_lo ||
				      fb.image_hi != b->image_hi)))
		fail("mb_load_file disagrees with mb_load", err);
	if (frc < 0) {
		check_error(err);
		if (strncmp(err, path, strlen(path)))
			fail("the file's error does not name the file", err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guestmem gm;   /* made once: a memfd per input is slow */
	char err[256] = "";
	struct mb_boot b;

	if (!gm.phys && gmem_init(&gm, FZ_RAM, err, sizeof err) < 0)
		fail("no guest RAM", err);
	int rc = mb_load(&gm, data, size, FZ_CMDLINE, &b, err, sizeof err);
	if (rc < 0)
		check_error(err);
	else
		check_loaded(&gm, &b);
	if (size && size % 64 == 0)
		check_file(&gm, data, size, rc, &b);
	return 0;
}
