/* The translation cache: CCFs (compiled code fragments) in one RWX mapping,
 * looked up by guest EIP; direct exits chained to their successors; the
 * inline lookup table for indirect branches; invalidation by guest page and a
 * full flush when the cache is full.
 *
 * A CCF's host code is its body followed by one stub per direct exit. A
 * direct exit is a `jmp rel32` (or `jcc rel32`) whose rel32 first points at
 * its stub; the stub records the target EIP and the exit site and leaves the
 * TC. Chaining points the rel32 at the successor's code instead; unlinking
 * points it back at the stub.
 *
 *   struct ccf *c = tc_lookup(tc, eip);
 *   if (!c) c = <translate>;
 *   int k;
 *   struct ccf *from = tc_exit_owner(tc, tc->code + ctx->exit_site, &k);
 *   if (from) tc_chain(tc, from, k, c);     // exit k of from now jumps to c
 */
#ifndef BT86_ENGINE_TC_H
#define BT86_ENGINE_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/bt_ctx.h"
#include "engine/emit.h"
#include "engine/engine.h"

#define TC_DEFAULT_SIZE (64u << 20)
#define TC_MAX_EXITS    3   /* a shadowed CALL has three: callee, return site, plain callee */
#define TC_HASH_BUCKETS 65536

/* How a guest instruction was translated: the translator's names for enum
 * engine_kind (engine.h), which tc show and the front ends share. */
enum ccf_kind {
	CK_IDENT = EK_IDENT,
	CK_REENC = EK_REENC,
	CK_REWRITE = EK_REWRITE,
	CK_CALLOUT = EK_CALLOUT,
	CK_INTC = EK_INTC,
	CK_EXIT = EK_EXIT,
	CK_TRAP = EK_TRAP,
	CK_NAIVE = EK_NAIVE,
};

struct ccf_map {
	uint32_t host_off;   /* offset of this instruction's host code in the CCF */
	uint32_t eip;
	uint8_t len;         /* guest bytes */
	uint8_t kind;        /* enum ccf_kind (enum engine_kind) */
	uint8_t fixup;       /* enum reenc_fixup */
	uint8_t esp_adj;     /* R12D is this much above the guest ESP at instruction start */
};

struct ccf;

struct ccf_exit {
	uint8_t *site;       /* rel32 field to patch */
	uint8_t *stub;       /* where it points while unlinked */
	uint32_t target;     /* guest EIP */
	struct ccf *to;      /* chained successor, or NULL */
};

struct ccf_link {
	struct ccf *from;
	uint8_t exit;                 /* TC_LINK_FORWARD for an adaptive forwarding jump */
};

#define TC_LINK_FORWARD 0xff

struct ccf {
	uint32_t id;
	uint32_t eip, end;            /* guest bytes [eip, end) */
	uint32_t page_first, page_last;
	uint8_t *host;
	uint32_t host_len;
	uint32_t body_len;            /* host code before the exit stubs */
	uint16_t ninsn;              /* guest instructions */
	uint16_t nmap;               /* map entries (an instruction may have more than one) */
	struct ccf_map *map;
	struct ccf_exit exits[TC_MAX_EXITS];
	uint8_t nexits;
	struct ccf_link *in;          /* chains into this CCF */
	int nin, capin;
	void **owned;                 /* callout descriptors etc., freed with the CCF */
	int nowned;
	bool valid;
	bool transient;               /* run once, never looked up or chained (SMC) */
	uint8_t key;                  /* 0: translated for CPL 0, 1: for CPL 1-3 (intc differs) */
	struct ccf *forward_to;       /* adaptive retranslation patched a jump into this one */
	uint32_t forward_off;         /* ... at this host offset */
	uint64_t entries;             /* times the dispatcher entered it */
	struct ccf *hnext;
	struct ccf *pnext[2];         /* next CCF in page_first's and page_last's lists */
};

struct tc_stats {
	uint64_t translations, guest_insns, chains, flushes, invalidations, lookups, hits,
		 indirect_fills;
};

struct tc {
	uint8_t *code;
	size_t size, used;
	struct ccf **all;             /* in host address order */
	int n, cap;
	struct ccf **hash;
	uint32_t next_id;
	struct bt_lookup_entry *lookup;        /* the live inline table */
	struct bt_lookup_entry *lookup_empty;  /* all misses: installed while stopping */
	uint8_t *miss_stub;           /* host address every empty entry jumps to */
	uint8_t *code_pages;          /* bit per guest page: a CCF may have code there
				       * (tc_invalidate_page skips the others) */
	struct ccf **page_head;       /* per guest page, the CCFs with code there
				       * (dropped ones stay listed until the flush) */
	int wide;                     /* CCFs spanning more than two pages: scanned */
	struct tc_stats stats;
};

int tc_init(struct tc *tc, size_t size, char *err, size_t errlen);
void tc_destroy(struct tc *tc);

#define TC_CCF_ALIGN 64   /* where CCFs start in the TC */

/* Code space for a new CCF: [tc_cursor, tc_limit). */
static inline uint8_t *tc_cursor(struct tc *tc) { return tc->code + tc->used; }
static inline uint8_t *tc_limit(struct tc *tc) { return tc->code + tc->size; }

/* Install a CCF whose code was emitted at tc_cursor(): takes ownership of c. */
void tc_commit(struct tc *tc, struct ccf *c);

/* The valid CCF for (eip, key); tc_lookup is key 0. */
struct ccf *tc_lookup(struct tc *tc, uint32_t eip);
struct ccf *tc_lookup_key(struct tc *tc, uint32_t eip, uint8_t key);
/* Patch a forwarding jump at from's host offset off to to (adaptive
 * retranslation); dropping to later drops from as well. */
void tc_forward(struct tc *tc, struct ccf *from, uint32_t off, struct ccf *to);
/* The CCF whose host code holds addr (valid or not), or NULL. Signal-safe. */
struct ccf *tc_find_host(struct tc *tc, const void *addr);
/* The map entry for host address addr inside c. */
const struct ccf_map *tc_map_at(const struct ccf *c, const void *addr);

/* Patch exit site of from to jump to to. */
void tc_chain(struct tc *tc, struct ccf *from, int exit, struct ccf *to);
/* Point every exit of c back at its stub. Signal-safe. */
void tc_unlink_exits(struct ccf *c);
/* Empty the inline lookup entries of EIPs in the n guest pages (sorted in
 * place), so an indirect branch there goes through the dispatcher; one pass
 * over the table for them all. */
void tc_unlookup_pages(struct tc *tc, uint32_t *pages, size_t n);
/* Fill the inline lookup entry for c's EIP. */
void tc_fill_lookup(struct tc *tc, struct ccf *c);

/* Drop one CCF (unlinking chains into it). */
void tc_invalidate(struct tc *tc, struct ccf *c);
/* Drop every CCF that has code in guest page; returns how many. */
int tc_invalidate_page(struct tc *tc, uint32_t page);
void tc_flush(struct tc *tc);

/* The CCF holding exit site (a rel32 field address), and which exit. */
struct ccf *tc_exit_owner(struct tc *tc, const uint8_t *site, int *exit);

#endif
