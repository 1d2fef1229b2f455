/* The guest's linear window (see window.h). */
#include "engine/window.h"

#include <asm/prctl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int win_map_ram(struct win *w, uint64_t lo, uint64_t hi, char *err, size_t errlen)
{
	if (hi <= lo)
		return 0;
	void *p = mmap(w->base + lo, hi - lo, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       w->gm->fd, (off_t)lo);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "bt: cannot map guest RAM into the window: %s", strerror(errno));
		return -1;
	}
	memset(w->page + (lo >> 12), WIN_PAGE_RW, (hi - lo) >> 12);
	return 0;
}

int win_init(struct win *w, const struct guestmem *gm, char *err, size_t errlen)
{
	size_t total = WIN_GUARD + WIN_SIZE + WIN_GUARD;

	memset(w, 0, sizeof *w);
	w->gm = gm;
	w->reserve = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w->reserve == MAP_FAILED) {
		w->reserve = NULL;
		snprintf(err, errlen, "bt: cannot reserve the 4 GiB guest window: %s", strerror(errno));
		return -1;
	}
	w->base = w->reserve + WIN_GUARD;
	w->page = calloc(WIN_PAGES, 1);
	w->watch = calloc(WIN_PAGES, 1);
	if (!w->page || !w->watch) {
		snprintf(err, errlen, "out of memory");
		win_destroy(w);
		return -1;
	}
	uint64_t size = gm->size;
	if (win_map_ram(w, 0, size < GMEM_VGA_BASE ? size : GMEM_VGA_BASE, err, errlen) < 0 ||
	    (size > GMEM_VGA_END && win_map_ram(w, GMEM_VGA_END, size, err, errlen) < 0)) {
		win_destroy(w);
		return -1;
	}
	return 0;
}

void win_destroy(struct win *w)
{
	if (w->reserve)
		munmap(w->reserve, WIN_GUARD + WIN_SIZE + WIN_GUARD);
	free(w->page);
	free(w->watch);
	memset(w, 0, sizeof *w);
}

int win_set_gs(const struct win *w)
{
	/* glibc keeps TLS behind FS on x86-64; GS is free for us. */
	return (int)syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)(uintptr_t)w->base);
}

/* The protection a RAM page needs now. */
void win_reprotect(struct win *w, uint32_t page)
{
	if (w->page[page] == WIN_PAGE_HOLE)
		return;
	int prot = PROT_READ | PROT_WRITE;
	if (w->watch[page] == WIN_WATCH_ALL)
		prot = PROT_NONE;
	else if (w->watch[page] == WIN_WATCH_WRITE || w->page[page] == WIN_PAGE_CODE)
		prot = PROT_READ;
	mprotect(w->base + ((uint64_t)page << 12), 4096, prot);
}

void win_protect_code(struct win *w, uint32_t page)
{
	if (w->page[page] != WIN_PAGE_RW)
		return;
	w->page[page] = WIN_PAGE_CODE;
	win_reprotect(w, page);
}

void win_unprotect(struct win *w, uint32_t page)
{
	if (w->page[page] != WIN_PAGE_CODE)
		return;
	w->page[page] = WIN_PAGE_RW;
	win_reprotect(w, page);
}

void win_set_watch(struct win *w, uint32_t page, enum win_watch level)
{
	if (w->watch[page] == level)
		return;
	w->watch[page] = (uint8_t)level;
	win_reprotect(w, page);
}

void win_open(struct win *w, uint32_t page)
{
	if (w->page[page] != WIN_PAGE_HOLE)
		mprotect(w->base + ((uint64_t)page << 12), 4096, PROT_READ | PROT_WRITE);
}

enum win_page win_page_state(const struct win *w, uint32_t page)
{
	return (enum win_page)w->page[page];
}

int64_t win_guest_addr(const struct win *w, const void *host)
{
	uintptr_t h = (uintptr_t)host, b = (uintptr_t)w->base;
	if (h < b || h - b >= WIN_SIZE)
		return -1;
	return (int64_t)(h - b);
}
