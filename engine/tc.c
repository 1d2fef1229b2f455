/* The translation cache (see tc.h). */
#include "engine/tc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static unsigned tc_bucket(uint32_t eip)
{
	return (eip ^ (eip >> 16)) & (TC_HASH_BUCKETS - 1);
}

static void tc_lookup_reset(struct tc *tc, struct bt_lookup_entry *t)
{
	/* An empty entry never hits: 1 + 2 * eip + key is never 0 for a 32-bit EIP. */
	for (int i = 0; i < BT_LOOKUP_ENTRIES; i++) {
		t[i].neg_tag = 1;
		t[i].host = (uint64_t)(uintptr_t)tc->miss_stub;
	}
}

static int tc_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void tc_unlookup_pages(struct tc *tc, uint32_t *pages, size_t n)
{
	if (!n)
		return;
	qsort(pages, n, sizeof *pages, tc_cmp_u32);
	struct bt_lookup_entry *t = tc->lookup;
	for (int i = 0; i < BT_LOOKUP_ENTRIES; i++) {
		if (t[i].neg_tag == 1)
			continue;
		uint64_t tag = 0 - t[i].neg_tag;   /* 2 * eip + key */
		uint32_t page = (uint32_t)(tag >> 1) >> 12;
		if (bsearch(&page, pages, n, sizeof *pages, tc_cmp_u32)) {
			t[i].neg_tag = 1;
			t[i].host = (uint64_t)(uintptr_t)tc->miss_stub;
		}
	}
}

int tc_init(struct tc *tc, size_t size, char *err, size_t errlen)
{
	memset(tc, 0, sizeof *tc);
	tc->code = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (tc->code == MAP_FAILED) {
		tc->code = NULL;
		snprintf(err, errlen, "bt: cannot map the translation cache: %s", strerror(errno));
		return -1;
	}
	tc->size = size;
	tc->hash = calloc(TC_HASH_BUCKETS, sizeof *tc->hash);
	tc->lookup = calloc(BT_LOOKUP_ENTRIES, sizeof *tc->lookup);
	tc->lookup_empty = calloc(BT_LOOKUP_ENTRIES, sizeof *tc->lookup_empty);
	tc->code_pages = calloc((1u << 20) / 8, 1);
	tc->page_head = calloc(1u << 20, sizeof *tc->page_head);
	if (!tc->hash || !tc->lookup || !tc->lookup_empty || !tc->code_pages || !tc->page_head) {
		snprintf(err, errlen, "out of memory");
		tc_destroy(tc);
		return -1;
	}
	/* The first bytes of the TC: the shared miss stub, `jmp [r15+BTC_MISS]`. */
	struct emit e = { .p = tc->code, .end = tc->code + 64 };
	tc->miss_stub = e.p;
	emit_jmp_ctx(&e, BTC_MISS);
	tc->used = 64;
	tc_lookup_reset(tc, tc->lookup);
	tc_lookup_reset(tc, tc->lookup_empty);
	tc->next_id = 1;
	return 0;
}

static void tc_free_ccf(struct ccf *c)
{
	for (int i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->map);
	free(c->in);
	free(c);
}

void tc_destroy(struct tc *tc)
{
	for (int i = 0; i < tc->n; i++)
		tc_free_ccf(tc->all[i]);
	free(tc->all);
	free(tc->hash);
	free(tc->lookup);
	free(tc->lookup_empty);
	free(tc->code_pages);
	free(tc->page_head);
	if (tc->code)
		munmap(tc->code, tc->size);
	memset(tc, 0, sizeof *tc);
}

void tc_commit(struct tc *tc, struct ccf *c)
{
	if (tc->n == tc->cap) {
		int cap = tc->cap ? tc->cap * 2 : 1024;
		struct ccf **a = realloc(tc->all, (size_t)cap * sizeof *a);
		if (!a)
			abort();   /* a few KiB; the TC itself is far larger */
		tc->all = a;
		tc->cap = cap;
	}
	c->id = tc->next_id++;
	c->valid = true;
	for (uint32_t p = c->page_first; tc->code_pages && p <= c->page_last && p < (1u << 20); p++)
		tc->code_pages[p >> 3] |= (uint8_t)(1u << (p & 7));
	/* A page's invalidation walks its own list, not every CCF: a kernel
	 * clearing user pages at exec drops a few CCFs thousands of times. */
	uint32_t pf = c->page_first & ((1u << 20) - 1), pl = c->page_last & ((1u << 20) - 1);
	c->pnext[0] = tc->page_head[pf];
	tc->page_head[pf] = c;
	if (pl != pf) {
		c->pnext[1] = tc->page_head[pl];
		tc->page_head[pl] = c;
	}
	if (c->page_last - c->page_first > 1)
		tc->wide++;
	tc->used = (size_t)(c->host + c->host_len - tc->code);
	/* CCF entries start a cache line: a self-loop then sits in as few 32-byte
	 * fetch windows as it can. At 16 bytes, where a hot loop fell decided a
	 * 1.5x difference (sieve: 0.93 s or 1.43 s). */
	tc->used = (tc->used + TC_CCF_ALIGN - 1) & ~(size_t)(TC_CCF_ALIGN - 1);
	tc->all[tc->n] = c;
	__atomic_store_n(&tc->n, tc->n + 1, __ATOMIC_RELEASE);   /* the signal handler reads n */
	tc->stats.translations++;
	tc->stats.guest_insns += c->ninsn;
	if (!c->transient) {
		unsigned b = tc_bucket(c->eip);
		c->hnext = tc->hash[b];
		tc->hash[b] = c;
	}
}

struct ccf *tc_lookup(struct tc *tc, uint32_t eip)
{
	return tc_lookup_key(tc, eip, 0);
}

struct ccf *tc_lookup_key(struct tc *tc, uint32_t eip, uint8_t key)
{
	tc->stats.lookups++;
	for (struct ccf *c = tc->hash[tc_bucket(eip)]; c; c = c->hnext)
		if (c->eip == eip && c->key == key && c->valid) {
			tc->stats.hits++;
			return c;
		}
	return NULL;
}

struct ccf *tc_find_host(struct tc *tc, const void *addr)
{
	const uint8_t *a = addr;
	int lo = 0, hi = __atomic_load_n(&tc->n, __ATOMIC_ACQUIRE);
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		struct ccf *c = tc->all[mid];
		if (a < c->host)
			hi = mid;
		else if (a >= c->host + c->host_len)
			lo = mid + 1;
		else
			return c;
	}
	return NULL;
}

const struct ccf_map *tc_map_at(const struct ccf *c, const void *addr)
{
	uint32_t off = (uint32_t)((const uint8_t *)addr - c->host);
	const struct ccf_map *best = NULL;
	for (int i = 0; i < c->nmap; i++) {
		if (c->map[i].host_off > off)
			break;
		best = &c->map[i];
	}
	return best;
}

static void tc_add_link(struct ccf *to, struct ccf *from, uint8_t exit)
{
	if (to->nin == to->capin) {
		int cap = to->capin ? to->capin * 2 : 4;
		struct ccf_link *l = realloc(to->in, (size_t)cap * sizeof *l);
		if (!l)
			abort();   /* a few bytes; the TC itself is far larger */
		to->in = l;
		to->capin = cap;
	}
	to->in[to->nin++] = (struct ccf_link){ from, exit };
}

void tc_chain(struct tc *tc, struct ccf *from, int exit, struct ccf *to)
{
	struct ccf_exit *x = &from->exits[exit];
	if (from->transient || !from->valid || !to->valid)
		return;
	if (x->to == to) {
		/* Still linked (a stop or a step may have pointed it back at its stub). */
		emit_patch_rel32(x->site, to->host);
		return;
	}
	tc_add_link(to, from, (uint8_t)exit);
	x->to = to;
	emit_patch_rel32(x->site, to->host);
	tc->stats.chains++;
}

void tc_unlink_exits(struct ccf *c)
{
	for (int i = 0; i < c->nexits; i++)
		emit_patch_rel32(c->exits[i].site, c->exits[i].stub);
}

void tc_fill_lookup(struct tc *tc, struct ccf *c)
{
	struct bt_lookup_entry *e = &tc->lookup[c->eip & (BT_LOOKUP_ENTRIES - 1)];
	e->neg_tag = (uint64_t)0 - (2 * (uint64_t)c->eip + c->key);
	e->host = (uint64_t)(uintptr_t)c->host;
	tc->stats.indirect_fills++;
}

static void tc_drop(struct tc *tc, struct ccf *c);

void tc_forward(struct tc *tc, struct ccf *from, uint32_t off, struct ccf *to)
{
	(void)tc;
	/* Exits at or after the patch are dead now (and may overlap the jump):
	 * drop their links so nothing patches them again. */
	int keep = 0;
	for (int i = 0; i < from->nexits; i++) {
		struct ccf_exit *x = &from->exits[i];
		if (x->site < from->host + off) {
			keep = i + 1;
			continue;
		}
		if (x->to)
			for (int j = 0; j < x->to->nin; j++)
				if (x->to->in[j].from == from && x->to->in[j].exit == i)
					x->to->in[j--] = x->to->in[--x->to->nin];
		x->to = NULL;
	}
	from->nexits = (uint8_t)keep;
	emit_patch_rel32(from->host + off + 1, to->host);
	from->host[off] = 0xe9;   /* jmp rel32, written after its offset */
	from->forward_to = to;
	from->forward_off = off;
	tc_add_link(to, from, TC_LINK_FORWARD);
}

static void tc_drop(struct tc *tc, struct ccf *c)
{
	if (!c->valid)
		return;
	c->valid = false;
	/* Unlink chains into c, and c's own chains out of its successors' lists. A
	 * CCF that forwards into c (adaptive retranslation) goes too. */
	for (int i = 0; i < c->nin; i++) {
		if (c->in[i].exit == TC_LINK_FORWARD) {
			struct ccf *f = c->in[i].from;
			f->forward_to = NULL;
			tc_drop(tc, f);
			continue;
		}
		struct ccf_exit *x = &c->in[i].from->exits[c->in[i].exit];
		if (x->to == c) {
			emit_patch_rel32(x->site, x->stub);
			x->to = NULL;
		}
	}
	c->nin = 0;
	if (c->forward_to) {
		struct ccf *to = c->forward_to;
		for (int j = 0; j < to->nin; j++)
			if (to->in[j].from == c && to->in[j].exit == TC_LINK_FORWARD)
				to->in[j--] = to->in[--to->nin];
		c->forward_to = NULL;
	}
	for (int i = 0; i < c->nexits; i++) {
		struct ccf *to = c->exits[i].to;
		if (!to)
			continue;
		for (int j = 0; j < to->nin; j++)
			if (to->in[j].from == c && to->in[j].exit != TC_LINK_FORWARD) {
				to->in[j] = to->in[--to->nin];
				j--;
			}
		c->exits[i].to = NULL;
	}
	tc_unlink_exits(c);
	struct bt_lookup_entry *e = &tc->lookup[c->eip & (BT_LOOKUP_ENTRIES - 1)];
	if (e->host == (uint64_t)(uintptr_t)c->host) {
		e->neg_tag = 1;
		e->host = (uint64_t)(uintptr_t)tc->miss_stub;
	}
	unsigned b = tc_bucket(c->eip);
	for (struct ccf **p = &tc->hash[b]; *p; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			break;
		}
	tc->stats.invalidations++;
}

void tc_invalidate(struct tc *tc, struct ccf *c)
{
	tc_drop(tc, c);
}

int tc_invalidate_page(struct tc *tc, uint32_t page)
{
	int dropped = 0;
	page &= (1u << 20) - 1;
	if (tc->code_pages && !(tc->code_pages[page >> 3] & (1u << (page & 7))))
		return 0;   /* no CCF was ever committed with code there since the last flush */
	if (tc->wide) {
		for (int i = 0; i < tc->n; i++) {
			struct ccf *c = tc->all[i];
			if (c->valid && c->page_first <= page && page <= c->page_last) {
				tc_drop(tc, c);
				dropped++;
			}
		}
	} else {
		/* tc_drop may drop forwarders on other pages, never unlist one. */
		for (struct ccf *c = tc->page_head[page], *next; c; c = next) {
			next = (c->page_first & ((1u << 20) - 1)) == page ? c->pnext[0] : c->pnext[1];
			if (c->valid) {
				tc_drop(tc, c);
				dropped++;
			}
		}
	}
	tc->page_head[page] = NULL;   /* every CCF there is dropped now */
	if (tc->code_pages)   /* none is left there now */
		tc->code_pages[page >> 3] &= (uint8_t)~(1u << (page & 7));
	return dropped;
}

void tc_flush(struct tc *tc)
{
	int n = tc->n;
	__atomic_store_n(&tc->n, 0, __ATOMIC_RELEASE);
	for (int i = 0; i < n; i++)
		tc_free_ccf(tc->all[i]);
	memset(tc->hash, 0, TC_HASH_BUCKETS * sizeof *tc->hash);
	tc_lookup_reset(tc, tc->lookup);
	if (tc->code_pages)
		memset(tc->code_pages, 0, (1u << 20) / 8);
	if (tc->page_head)
		memset(tc->page_head, 0, (1u << 20) * sizeof *tc->page_head);
	tc->wide = 0;
	tc->used = 64;   /* keep the miss stub */
	tc->stats.flushes++;
}

struct ccf *tc_exit_owner(struct tc *tc, const uint8_t *site, int *exit)
{
	struct ccf *c = tc_find_host(tc, site);
	if (!c)
		return NULL;
	for (int i = 0; i < c->nexits; i++)
		if (c->exits[i].site == site) {
			*exit = i;
			return c;
		}
	return NULL;
}
