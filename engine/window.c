/* The guest's linear window (see window.h). */
#include "engine/window.h"

#include <asm/prctl.h>
#include <errno.h>
#include <pthread.h>
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

/* Fills per view: a quarter of the host's mapping limit (two views, and
 * replaced reservations the reaper has not unmapped yet), less some for
 * the rest of bt86. */
static uint32_t win_fill_budget(void)
{
	unsigned long max = 65530;   /* the Linux default */
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f) {
		if (fscanf(f, "%lu", &max) != 1)
			max = 65530;
		fclose(f);
	}
	unsigned long n = max > 12288 ? (max - 8192) / 4 : 1024;
	return n > (1u << 20) ? 1u << 20 : (uint32_t)n;
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
	w->fill_max = win_fill_budget();
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

/* Fewer filled pages than this are emptied in place (cheap enough). */
#define WIN_REPLACE_MIN 2048
#define WIN_REAP_MAX    16

struct win_reaper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t *queue[WIN_REAP_MAX];
	int n;
	bool stop;
};

static void *win_reaper_main(void *arg)
{
	struct win_reaper *r = arg;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->n && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (!r->n)
			break;
		uint8_t *p = r->queue[--r->n];
		pthread_mutex_unlock(&r->lock);
		munmap(p, WIN_GUARD + WIN_SIZE + WIN_GUARD);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Unmap a reservation GS no longer points into: by the reaper, or here. */
static void win_reap(struct win *w, uint8_t *old)
{
	if (!w->reaper) {
		struct win_reaper *r = calloc(1, sizeof *r);
		if (r) {
			pthread_mutex_init(&r->lock, NULL);
			pthread_cond_init(&r->cond, NULL);
			if (pthread_create(&r->thread, NULL, win_reaper_main, r) != 0) {
				free(r);
				r = NULL;
			}
		}
		w->reaper = r;
	}
	struct win_reaper *r = w->reaper;
	if (r) {
		pthread_mutex_lock(&r->lock);
		if (r->n < WIN_REAP_MAX) {
			r->queue[r->n++] = old;
			pthread_cond_signal(&r->cond);
			pthread_mutex_unlock(&r->lock);
			return;
		}
		pthread_mutex_unlock(&r->lock);
	}
	munmap(old, WIN_GUARD + WIN_SIZE + WIN_GUARD);
}

void win_release_retired(struct win *w)
{
	for (int i = 0; i < w->nretired; i++)
		win_reap(w, w->retired[i]);
	w->nretired = 0;
}

static void win_reaper_stop(struct win *w)
{
	struct win_reaper *r = w->reaper;
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
	w->reaper = NULL;
}

static void win_swap(struct win *w)
{
	struct win_view cur = { w->reserve, w->base, w->page, w->l2p, w->filled, w->nfilled, w->filled_cap,
				w->nlive, w->nmaps };
	w->nlive = w->other.nlive;
	w->nmaps = w->other.nmaps;
	w->reserve = w->other.reserve;
	w->base = w->other.base;
	w->page = w->other.page;
	w->l2p = w->other.l2p;
	w->filled = w->other.filled;
	w->nfilled = w->other.nfilled;
	w->filled_cap = w->other.filled_cap;
	w->other = cur;
	w->view ^= 1;
}

void win_swap_views(struct win *w)
{
	win_swap(w);
}

static void win_view_free(struct win *w)
{
	if (w->reserve)
		munmap(w->reserve, WIN_GUARD + WIN_SIZE + WIN_GUARD);
	free(w->page);
	free(w->l2p);
	free(w->filled);
}

void win_destroy(struct win *w)
{
	win_release_retired(w);
	win_reaper_stop(w);
	win_view_free(w);
	win_swap(w);
	win_view_free(w);
	free(w->watch);
	free(w->pcode);
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
	else if (w->watch[page] == WIN_WATCH_WRITE || w->page[page] == WIN_PAGE_CODE || w->page[page] == WIN_PAGE_RO)
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
	if (w->other.reserve) {
		win_swap(w);
		win_reprotect(w, page);
		win_swap(w);
	}
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

/* Replace the whole window with inaccessible space. */
static int win_empty(struct win *w)
{
	void *p = mmap(w->base, WIN_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? -1 : 0;
}

/* Empty the current view. */
static void win_view_flush(struct win *w)
{
	if (!w->reserve || !w->nfilled)
		return;
	win_empty(w);
	for (uint32_t i = 0; i < w->nfilled; i++) {
		w->l2p[w->filled[i]] = 0;
		w->page[w->filled[i]] = WIN_PAGE_HOLE;
	}
	w->nfilled = 0;
	w->nlive = 0;
	w->nmaps = 0;
}

/* Empty the current view; a large one by moving to a fresh reservation
 * (retired until GS has moved, see win_release_retired). */
static void win_view_replace(struct win *w)
{
	if (!w->reserve || w->nlive < WIN_REPLACE_MIN || w->nretired == 4) {
		win_view_flush(w);
		return;
	}
	uint8_t *fresh = mmap(NULL, WIN_GUARD + WIN_SIZE + WIN_GUARD, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (fresh == MAP_FAILED) {
		win_view_flush(w);
		return;
	}
	w->retired[w->nretired++] = w->reserve;
	w->reserve = fresh;
	w->base = fresh + WIN_GUARD;
	for (uint32_t i = 0; i < w->nfilled; i++) {
		w->l2p[w->filled[i]] = 0;
		w->page[w->filled[i]] = WIN_PAGE_HOLE;
	}
	w->nfilled = 0;
	w->nlive = 0;
	w->nmaps = 0;
}

void win_paging_flush(struct win *w)
{
	if (!w->paging)
		return;
	win_view_replace(w);
	win_swap(w);
	win_view_replace(w);
	win_swap(w);
}

int win_switch_view(struct win *w, int view)
{
	if (view == w->view)
		return 0;
	if (!w->other.reserve) {
		struct win_view v = { 0 };
		size_t total = WIN_GUARD + WIN_SIZE + WIN_GUARD;
		v.reserve = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (v.reserve == MAP_FAILED)
			return -1;
		v.base = v.reserve + WIN_GUARD;
		v.page = calloc(WIN_PAGES, 1);
		v.l2p = calloc(WIN_PAGES, sizeof *v.l2p);
		v.filled_cap = 1024;
		v.filled = malloc(v.filled_cap * sizeof *v.filled);
		if (!v.page || !v.l2p || !v.filled) {
			munmap(v.reserve, total);
			free(v.page);
			free(v.l2p);
			free(v.filled);
			return -1;
		}
		w->other = v;
	}
	win_swap(w);
	return 1;
}

int win_set_paging(struct win *w, bool on)
{
	if (on == w->paging)
		return 0;
	if (w->view == 1)
		win_swap(w);   /* paging off is view 0's 1:1 map */
	if (w->other.reserve) {
		win_swap(w);
		win_view_flush(w);
		win_swap(w);
	}
	if (on && !w->l2p) {
		w->l2p = calloc(WIN_PAGES, sizeof *w->l2p);
		w->pcode = calloc((w->gm->size >> 12) + 1, sizeof *w->pcode);
		w->filled_cap = 1024;
		w->filled = malloc(w->filled_cap * sizeof *w->filled);
		if (!w->l2p || !w->pcode || !w->filled)
			return -1;
	}
	if (win_empty(w) < 0)
		return -1;
	memset(w->page, WIN_PAGE_HOLE, WIN_PAGES);
	w->nfilled = 0;
	w->nlive = 0;
	w->nmaps = 0;
	if (on) {
		memset(w->l2p, 0, WIN_PAGES * sizeof *w->l2p);
		memset(w->pcode, 0, ((w->gm->size >> 12) + 1) * sizeof *w->pcode);
		w->paging = true;
		return 0;
	}
	w->paging = false;
	char err[160];
	uint64_t size = w->gm->size;
	if (win_map_ram(w, 0, size < GMEM_VGA_BASE ? size : GMEM_VGA_BASE, err, sizeof err) < 0 ||
	    (size > GMEM_VGA_END && win_map_ram(w, GMEM_VGA_END, size, err, sizeof err) < 0))
		return -1;
	for (uint64_t p = 0; p < WIN_PAGES; p++)
		if (w->watch[p])
			win_reprotect(w, (uint32_t)p);
	return 0;
}

void win_paging_drop(struct win *w, uint32_t page)
{
	if (!w->paging)
		return;
	for (int k = 0; k < 2; k++, win_swap(w)) {
		if (!w->reserve || !w->l2p[page])
			continue;
		mmap(w->base + ((uint64_t)page << 12), 4096, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		w->l2p[page] = 0;
		w->page[page] = WIN_PAGE_HOLE;
		w->nlive--;
		w->nmaps++;
		/* It stays in the filled list; emptying a page twice is harmless. */
	}
}

uint32_t win_paging_drop_run(struct win *w, uint32_t first, uint32_t n)
{
	uint32_t lo = UINT32_MAX, hi = 0, count = 0;
	for (uint32_t p = first; p - first < n; p++) {
		if (!w->l2p[p])
			continue;
		if (lo == UINT32_MAX)
			lo = p;
		hi = p;
		w->l2p[p] = 0;
		w->page[p] = WIN_PAGE_HOLE;
		count++;
	}
	if (count) {
		mmap(w->base + ((uint64_t)lo << 12), (uint64_t)(hi - lo + 1) << 12, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		w->nlive -= count;
		w->nmaps++;   /* a hole may split a merged mapping in two */
	}
	return count;
}

/* Forget the dropped pages in the filled list, and the second listing of
 * pages dropped and filled again (the high bit of l2p marks one seen). */
static void win_compact_filled(struct win *w)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < w->nfilled; i++) {
		uint32_t lin = w->filled[i];
		if (w->l2p[lin] && !(w->l2p[lin] & 0x80000000u)) {
			w->l2p[lin] |= 0x80000000u;
			w->filled[n++] = lin;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		w->l2p[w->filled[i]] &= 0x7fffffffu;
	w->nfilled = n;
}

int win_paging_fill(struct win *w, uint32_t lin, uint32_t phys, bool writable)
{
	if (!w->l2p[lin] && w->nmaps >= w->fill_max)
		win_view_flush(w);   /* a full TLB (see fill_max) */
	if (w->nfilled == w->filled_cap && w->nfilled > 2 * w->nlive)
		win_compact_filled(w);
	if (w->nfilled == w->filled_cap) {
		if (w->filled_cap >= (1u << 21)) {
			win_view_flush(w);
		} else {
			uint32_t *n = realloc(w->filled, 2 * w->filled_cap * sizeof *n);
			if (!n)
				return -1;
			w->filled = n;
			w->filled_cap *= 2;
		}
	}
	void *p = mmap(w->base + ((uint64_t)lin << 12), 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       w->gm->fd, (off_t)((uint64_t)phys << 12));
	if (p == MAP_FAILED && errno == ENOMEM && w->nlive) {
		/* Out of host mappings after all: start this view over. */
		win_view_flush(w);
		p = mmap(w->base + ((uint64_t)lin << 12), 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 w->gm->fd, (off_t)((uint64_t)phys << 12));
	}
	if (p == MAP_FAILED)
		return -1;
	uint8_t state = w->pcode[phys] ? WIN_PAGE_CODE : writable ? WIN_PAGE_RW : WIN_PAGE_RO;
	if (!w->l2p[lin]) {
		w->filled[w->nfilled++] = lin;
		w->nlive++;
		/* The host merges it with a neighbour mapping the next page alike. */
		bool merges = (lin > 0 && w->l2p[lin - 1] == phys && w->page[lin - 1] == state) ||
			      (lin + 1 < WIN_PAGES && w->l2p[lin + 1] == phys + 2 && w->page[lin + 1] == state);
		w->nmaps += !merges;
	}
	w->l2p[lin] = phys + 1;
	w->page[lin] = state;
	win_reprotect(w, lin);
	return 0;
}

void win_paging_code(struct win *w, uint32_t lin, uint32_t phys)
{
	uint32_t was = w->pcode[phys];
	if (was == lin + 1 || was == WIN_PCODE_MANY)
		return;
	w->pcode[phys] = was ? WIN_PCODE_MANY : lin + 1;
	if (was)
		return;   /* its mappings are read-only already */
	for (int k = 0; k < 2; k++, win_swap(w)) {
		if (!w->reserve)
			continue;
		for (uint32_t i = 0; i < w->nfilled; i++) {
			uint32_t l = w->filled[i];
			if (w->l2p[l] == phys + 1 && w->page[l] != WIN_PAGE_CODE) {
				w->page[l] = WIN_PAGE_CODE;
				win_reprotect(w, l);
			}
		}
	}
}

int64_t win_guest_addr(const struct win *w, const void *host)
{
	uintptr_t h = (uintptr_t)host, b = (uintptr_t)w->base;
	if (h < b || h - b >= WIN_SIZE)
		return -1;
	return (int64_t)(h - b);
}
