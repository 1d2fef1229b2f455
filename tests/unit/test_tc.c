/* Unit tests for engine/tc, the translation cache, with hand-made CCFs (a few
 * bytes of body, then direct exits whose rel32 points at per-exit stubs, as
 * the translator lays them out): tc_init (the shared miss stub, an all-miss
 * lookup table) and its failure, tc_commit (ids, 16-byte alignment, order),
 * tc_lookup hits, misses, hash collisions and transient CCFs, tc_find_host at
 * CCF boundaries and in alignment gaps, tc_map_at, tc_chain (the rel32 patched
 * to the successor, the incoming link recorded, refusals), tc_exit_owner,
 * tc_unlink_exits and chaining again afterwards, tc_fill_lookup (the hit tag
 * and host at index eip & 0xffff), tc_invalidate_page (only CCFs touching the
 * page; chains into them unlinked; their lookup entries cleared unless reused;
 * others intact), privilege keys (tc_lookup_key and the tag), tc_forward
 * (adaptive retranslation's forwarding jump, and dropping through it),
 * tc_flush (everything gone but the miss stub) and the statistics. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tc.h"
#include "tests/unit/bt_testlib.h"

#define TC_SIZE (1u << 20)

static struct tc tc;

static void setup(void)
{
	char err[256] = "";
	ck_assert_msg(tc_init(&tc, TC_SIZE, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	tc_destroy(&tc);
}

/* The hit tag of an inline lookup entry, and the tag that makes (eip, key) hit:
 * -(2 * eip + key), so tag + 2 * eip + key == 0 is the flag-free test. */
#define ENTRY_TAG(e) ((e).neg_tag)
static uint64_t tag_for(uint32_t eip, uint8_t key)
{
	return (uint64_t)0 - (2 * (uint64_t)eip + key);
}

/* The rel32 at site, as a target address. */
static const uint8_t *rel32_target(const uint8_t *site)
{
	int32_t rel;
	memcpy(&rel, site, 4);
	return site + 4 + rel;
}

struct spec {
	uint32_t eip, end;
	uint32_t page_last;        /* 0: the page of eip */
	int nexits;                /* 0, 1 (jmp) or 2 (jcc + jmp) */
	uint32_t target[2];
	unsigned body;             /* body bytes before the exits (>= 6) */
	bool pad16;                /* pad host_len to a multiple of TC_CCF_ALIGN */
	uint8_t key;               /* privilege key */
	bool transient;
};

/* Emit a CCF at tc_cursor() as the translator would, and commit it. */
static struct ccf *make_ccf(const struct spec *s)
{
	struct ccf *c = calloc(1, sizeof *c);
	ck_assert_ptr_nonnull(c);
	uint8_t *p = tc_cursor(&tc);
	struct emit e = { .p = p, .end = tc_limit(&tc) };
	uint8_t *site[2] = { NULL, NULL };

	ck_assert_uint_ge(s->body, 6);
	for (unsigned i = 0; i < s->body; i++)
		emit_u8(&e, 0x90);
	if (s->nexits == 2) {
		site[0] = emit_jcc_rel32(&e, 4, e.p);   /* je */
		site[1] = emit_jmp_rel32(&e, e.p);
	} else if (s->nexits == 1) {
		site[0] = emit_jmp_rel32(&e, e.p);
	}
	c->body_len = (uint32_t)(e.p - p);
	for (int i = 0; i < s->nexits; i++) {
		c->exits[i].site = site[i];
		c->exits[i].stub = e.p;
		c->exits[i].target = s->target[i];
		emit_mov_ctx32_imm(&e, BTC_NEXT_EIP, s->target[i]);
		emit_jmp_ctx(&e, BTC_LEAVE);
		emit_patch_rel32(site[i], c->exits[i].stub);
	}
	c->nexits = (uint8_t)s->nexits;
	while (s->pad16 && (e.p - p) % TC_CCF_ALIGN)
		emit_u8(&e, 0xcc);
	ck_assert(!e.overflow);
	c->host = p;
	c->host_len = (uint32_t)(e.p - p);
	c->eip = s->eip;
	c->end = s->end ? s->end : s->eip + 4;
	c->page_first = s->eip >> 12;
	c->page_last = s->page_last ? s->page_last : s->eip >> 12;
	c->transient = s->transient;
	c->key = s->key;
	c->ninsn = 3;
	/* Map: guest instructions at host offsets 0, 2 and the exit at s->body. */
	c->nmap = 3;
	c->map = calloc(3, sizeof *c->map);
	ck_assert_ptr_nonnull(c->map);
	c->map[0] = (struct ccf_map){ .host_off = 0, .eip = s->eip, .len = 2, .kind = CK_IDENT };
	c->map[1] = (struct ccf_map){ .host_off = 2, .eip = s->eip + 2, .len = 1, .kind = CK_REENC };
	c->map[2] = (struct ccf_map){ .host_off = s->body, .eip = s->eip + 3, .len = 1, .kind = CK_EXIT };
	tc_commit(&tc, c);
	return c;
}

static struct ccf *simple(uint32_t eip, uint32_t target)
{
	struct spec s = { .eip = eip, .nexits = 1, .target = { target }, .body = 8 };
	return make_ccf(&s);
}

/* ---- init / destroy ---- */

START_TEST(init_state)
{
	char text[200];
	ck_assert_ptr_nonnull(tc.code);
	ck_assert_uint_eq(tc.size, TC_SIZE);
	ck_assert_uint_eq(tc.used, 64);
	ck_assert_ptr_eq(tc_cursor(&tc), tc.code + 64);
	ck_assert_ptr_eq(tc_limit(&tc), tc.code + TC_SIZE);
	ck_assert_int_eq(tc.n, 0);
	ck_assert_uint_eq(tc.next_id, 1);
	/* The miss stub: jmp [r15 + BTC_MISS]. */
	ck_assert_ptr_eq(tc.miss_stub, tc.code);
	ck_assert_int_eq(tl_dis64(tc.miss_stub, 7, text, sizeof text), 1);
	ck_assert_str_eq(text, "jmp qword ptr [r15 + 0x220]");
	ck_assert_int_eq(BTC_MISS, 0x220);
	/* Both lookup tables: every entry misses and leads to the miss stub. */
	for (int i = 0; i < BT_LOOKUP_ENTRIES; i++) {
		ck_assert_uint_eq(ENTRY_TAG(tc.lookup[i]), 1);
		ck_assert_uint_eq(tc.lookup[i].host, (uint64_t)(uintptr_t)tc.miss_stub);
		ck_assert_uint_eq(ENTRY_TAG(tc.lookup_empty[i]), 1);
		ck_assert_uint_eq(tc.lookup_empty[i].host, (uint64_t)(uintptr_t)tc.miss_stub);
	}
	ck_assert_ptr_ne(tc.lookup, tc.lookup_empty);
	for (int i = 0; i < TC_HASH_BUCKETS; i++)
		ck_assert_ptr_null(tc.hash[i]);
	struct tc_stats zero = { 0 };
	ck_assert_mem_eq(&tc.stats, &zero, sizeof zero);
	ck_assert_ptr_null(tc_lookup(&tc, 0));
	ck_assert_ptr_null(tc_find_host(&tc, tc.code));
}
END_TEST

START_TEST(init_fails)
{
	struct tc t2;
	char err[256] = "";
	memset(&t2, 0x5a, sizeof t2);
	ck_assert_int_eq(tc_init(&t2, 0, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "cannot map the translation cache"), "message '%s'", err);
	ck_assert_ptr_null(t2.code);
	tc_destroy(&t2);   /* harmless after a failure */
	ck_assert_ptr_null(t2.code);
}
END_TEST

START_TEST(destroy_clears)
{
	simple(0x100000, 0x100010);
	simple(0x100010, 0x100000);
	tc_destroy(&tc);
	ck_assert_ptr_null(tc.code);
	ck_assert_ptr_null(tc.all);
	ck_assert_int_eq(tc.n, 0);
	char err[256];
	ck_assert_int_eq(tc_init(&tc, TC_SIZE, err, sizeof err), 0);   /* for teardown */
}
END_TEST

/* ---- commit ---- */

START_TEST(commit)
{
	struct spec s = { .eip = 0x100000, .nexits = 2, .target = { 0x100100, 0x100004 }, .body = 10 };
	struct ccf *a = make_ccf(&s);
	ck_assert_uint_eq(a->id, 1);
	ck_assert(a->valid);
	ck_assert_ptr_eq(a->host, tc.code + 64);
	ck_assert_int_eq(tc.n, 1);
	ck_assert_ptr_eq(tc.all[0], a);
	size_t end = 64 + a->host_len;
	ck_assert_uint_eq(tc.used, (end + TC_CCF_ALIGN - 1) & ~(size_t)(TC_CCF_ALIGN - 1));
	ck_assert_uint_eq(tc.used % TC_CCF_ALIGN, 0);

	struct ccf *b = simple(0x100004, 0x100008);
	ck_assert_uint_eq(b->id, 2);
	ck_assert_ptr_eq(b->host, tc.code + tc.used - ((b->host_len + TC_CCF_ALIGN - 1) & ~(TC_CCF_ALIGN - 1u)));
	ck_assert_uint_eq((uintptr_t)b->host % TC_CCF_ALIGN, 0);
	ck_assert(b->host >= a->host + a->host_len);
	ck_assert_int_eq(tc.n, 2);
	ck_assert_ptr_eq(tc.all[1], b);
	ck_assert_uint_eq(tc.stats.translations, 2);
	ck_assert_uint_eq(tc.stats.guest_insns, 6);

	/* The exits still point at their stubs. */
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), a->exits[0].stub);
	ck_assert_ptr_eq(rel32_target(a->exits[1].site), a->exits[1].stub);
	ck_assert_ptr_null(a->exits[0].to);
}
END_TEST

/* ---- lookup ---- */

START_TEST(lookup_hits_and_misses)
{
	struct ccf *a = simple(0x100000, 0x100010);
	struct ccf *b = simple(0x100010, 0x100000);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100000), a);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100010), b);
	ck_assert_ptr_null(tc_lookup(&tc, 0x100001));   /* inside a's TU, not its start */
	ck_assert_ptr_null(tc_lookup(&tc, 0x100020));
	ck_assert_ptr_null(tc_lookup(&tc, 0));
	ck_assert_ptr_null(tc_lookup(&tc, 0x00110000));   /* a's EIP with another high half */
	ck_assert_uint_eq(tc.stats.lookups, 6);
	ck_assert_uint_eq(tc.stats.hits, 2);
}
END_TEST

/* Different EIPs in one hash bucket (bucket = (eip ^ eip >> 16) & 0xffff). */
START_TEST(lookup_collisions)
{
	static const uint32_t eips[] = { 0x00000001, 0x00010000, 0x00020003, 0x12341235 };
	struct ccf *c[4];
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq((eips[i] ^ (eips[i] >> 16)) & 0xffff, 1);
		c[i] = simple(eips[i], 0);
	}
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_eq(tc_lookup(&tc, eips[i]), c[i]);
	ck_assert_ptr_null(tc_lookup(&tc, 0x00030002));   /* same bucket, not there */
	/* Dropping one leaves the others findable. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x00010000 >> 12), 1);
	ck_assert_ptr_null(tc_lookup(&tc, 0x00010000));
	ck_assert_ptr_eq(tc_lookup(&tc, 0x00000001), c[0]);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x00020003), c[2]);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x12341235), c[3]);
}
END_TEST

/* Each page keeps its own list of CCFs: a CCF across two pages goes with
 * either, stays gone when the other page is invalidated later, and a page
 * invalidated twice drops nothing the second time; a CCF over three pages
 * is found from its middle page too. */
START_TEST(invalidate_page_lists)
{
	struct spec two = { .eip = 0x400ff8, .page_last = 0x401, .nexits = 1, .target = { 0x401010 }, .body = 8 };
	struct ccf *a = make_ccf(&two);
	struct ccf *b = simple(0x401100, 0);
	struct ccf *c = simple(0x400100, 0);
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x401), 2);
	ck_assert(!a->valid && !b->valid && c->valid);
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x401), 0);
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x400), 1);
	ck_assert(!c->valid);
	struct ccf *d = simple(0x400200, 0);   /* listed again after the drop */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x400), 1);
	ck_assert(!d->valid);
	struct spec wide = { .eip = 0x500ff0, .page_last = 0x502, .nexits = 1, .target = { 0x502010 }, .body = 8 };
	struct ccf *w = make_ccf(&wide);
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x501), 1);
	ck_assert(!w->valid);
}
END_TEST

START_TEST(transient_not_looked_up)
{
	struct spec s = { .eip = 0x200000, .nexits = 1, .target = { 0x200004 }, .body = 8, .transient = true };
	struct ccf *t = make_ccf(&s);
	ck_assert(t->transient);
	ck_assert(t->valid);
	ck_assert_ptr_null(tc_lookup(&tc, 0x200000));
	ck_assert_ptr_eq(tc_find_host(&tc, t->host), t);   /* a fault in it still maps */
	/* A later non-transient CCF for the same EIP is found. */
	struct ccf *c = simple(0x200000, 0x200004);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x200000), c);
	/* Transient CCFs are never chained from. */
	tc_chain(&tc, t, 0, c);
	ck_assert_ptr_null(t->exits[0].to);
	ck_assert_ptr_eq(rel32_target(t->exits[0].site), t->exits[0].stub);
	ck_assert_int_eq(c->nin, 0);
}
END_TEST

/* ---- host address -> CCF -> map entry ---- */

START_TEST(find_host_boundaries)
{
	struct spec s = { .eip = 0x100000, .nexits = 1, .target = { 0x100004 }, .body = 8, .pad16 = true };
	struct ccf *a = make_ccf(&s);
	s.eip = 0x100004;
	struct ccf *b = make_ccf(&s);
	s.eip = 0x100008;
	s.pad16 = false;
	s.body = 10;   /* host_len not a multiple of 16: a gap follows */
	struct ccf *c = make_ccf(&s);
	s.eip = 0x10000c;
	struct ccf *dd = make_ccf(&s);

	ck_assert_ptr_eq(b->host, a->host + a->host_len);   /* contiguous */
	ck_assert_ptr_eq(tc_find_host(&tc, a->host), a);
	ck_assert_ptr_eq(tc_find_host(&tc, a->host + a->host_len - 1), a);
	ck_assert_ptr_eq(tc_find_host(&tc, a->host + a->host_len), b);
	ck_assert_ptr_eq(tc_find_host(&tc, b->host + b->host_len - 1), b);
	ck_assert_ptr_eq(tc_find_host(&tc, b->host + b->host_len), c);
	ck_assert_ptr_eq(tc_find_host(&tc, c->exits[0].stub), c);
	ck_assert_ptr_eq(tc_find_host(&tc, c->host + c->host_len - 1), c);
	ck_assert_uint_ne(c->host_len % 16, 0);
	ck_assert_ptr_null(tc_find_host(&tc, c->host + c->host_len));   /* alignment gap */
	ck_assert_ptr_eq(tc_find_host(&tc, dd->host), dd);
	ck_assert_ptr_null(tc_find_host(&tc, dd->host + dd->host_len + 100));
	ck_assert_ptr_null(tc_find_host(&tc, tc.code));            /* the miss stub */
	ck_assert_ptr_null(tc_find_host(&tc, a->host - 1));
	ck_assert_ptr_null(tc_find_host(&tc, tc.code + TC_SIZE - 1));
	ck_assert_ptr_null(tc_find_host(&tc, NULL));
	/* Invalid CCFs are still found (a fault may be in one). */
	tc_invalidate_page(&tc, 0x100);
	ck_assert(!b->valid);
	ck_assert_ptr_eq(tc_find_host(&tc, b->host + 3), b);
}
END_TEST

START_TEST(find_host_many)
{
	struct ccf *c[300];
	for (int i = 0; i < 300; i++)
		c[i] = simple(0x300000 + 16u * (uint32_t)i, 0);
	for (int i = 0; i < 300; i++) {
		ck_assert_ptr_eq(tc_find_host(&tc, c[i]->host), c[i]);
		ck_assert_ptr_eq(tc_find_host(&tc, c[i]->host + c[i]->host_len / 2), c[i]);
		ck_assert_ptr_eq(tc_find_host(&tc, c[i]->host + c[i]->host_len - 1), c[i]);
		ck_assert_ptr_eq(tc_lookup(&tc, c[i]->eip), c[i]);
	}
}
END_TEST

START_TEST(map_at)
{
	struct ccf *a = simple(0x100000, 0x100004);
	ck_assert_ptr_eq(tc_map_at(a, a->host), &a->map[0]);
	ck_assert_ptr_eq(tc_map_at(a, a->host + 1), &a->map[0]);
	ck_assert_ptr_eq(tc_map_at(a, a->host + 2), &a->map[1]);
	ck_assert_ptr_eq(tc_map_at(a, a->host + 7), &a->map[1]);
	ck_assert_ptr_eq(tc_map_at(a, a->host + 8), &a->map[2]);      /* the exit */
	ck_assert_ptr_eq(tc_map_at(a, a->exits[0].site), &a->map[2]);
	ck_assert_ptr_eq(tc_map_at(a, a->exits[0].stub), &a->map[2]);
	ck_assert_ptr_eq(tc_map_at(a, a->host + a->host_len - 1), &a->map[2]);
	ck_assert_uint_eq(tc_map_at(a, a->host + 3)->eip, 0x100002);

	/* No entry covers bytes before the first one. */
	a->map[0].host_off = 1;
	ck_assert_ptr_null(tc_map_at(a, a->host));
	ck_assert_ptr_eq(tc_map_at(a, a->host + 1), &a->map[0]);
}
END_TEST

/* ---- chaining ---- */

START_TEST(chain_patches_and_links)
{
	struct spec s = { .eip = 0x100000, .nexits = 2, .target = { 0x100100, 0x100020 }, .body = 8 };
	struct ccf *a = make_ccf(&s);
	struct ccf *t = simple(0x100100, 0x100000);
	struct ccf *f = simple(0x100020, 0x100000);
	uint8_t before[16];
	memcpy(before, a->host, 8);   /* the body before the exits */

	tc_chain(&tc, a, 0, t);
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), t->host);
	ck_assert_ptr_eq(rel32_target(a->exits[1].site), a->exits[1].stub);   /* the other exit untouched */
	ck_assert_ptr_eq(a->exits[0].to, t);
	ck_assert_int_eq(t->nin, 1);
	ck_assert_ptr_eq(t->in[0].from, a);
	ck_assert_uint_eq(t->in[0].exit, 0);
	ck_assert_uint_eq(tc.stats.chains, 1);
	/* Only the rel32 changed: the jcc opcode bytes are intact. */
	ck_assert_uint_eq(a->exits[0].site[-2], 0x0f);
	ck_assert_uint_eq(a->exits[0].site[-1], 0x84);
	ck_assert_mem_eq(a->host, before, 8);

	tc_chain(&tc, a, 1, f);
	ck_assert_ptr_eq(rel32_target(a->exits[1].site), f->host);
	ck_assert_uint_eq(a->exits[1].site[-1], 0xe9);
	ck_assert_int_eq(f->nin, 1);
	ck_assert_uint_eq(f->in[0].exit, 1);

	/* Chaining what is already chained changes nothing. */
	tc_chain(&tc, a, 0, t);
	ck_assert_int_eq(t->nin, 1);
	ck_assert_uint_eq(tc.stats.chains, 2);

	/* Both exits of a into one successor: two incoming links. */
	tc_chain(&tc, a, 1, t);
	ck_assert_ptr_eq(rel32_target(a->exits[1].site), t->host);
	ck_assert_int_eq(t->nin, 2);
	ck_assert_uint_eq(t->in[1].exit, 1);

	/* A CCF chained to itself (a loop). */
	tc_chain(&tc, t, 0, t);
	ck_assert_ptr_eq(rel32_target(t->exits[0].site), t->host);
	ck_assert_int_eq(t->nin, 3);

	/* Disassembled, the jcc goes to t. */
	char text[100], want[100];
	ck_assert_int_eq(tl_dis64(a->exits[0].site - 2, 6, text, sizeof text), 1);
	snprintf(want, sizeof want, "je 0x%lx", (unsigned long)(0x1000 + (t->host - (a->exits[0].site - 2))));
	ck_assert_str_eq(text, want);
}
END_TEST

START_TEST(chain_many_incoming)
{
	struct ccf *t = simple(0x500000, 0);
	struct ccf *from[40];
	for (int i = 0; i < 40; i++) {
		from[i] = simple(0x400000 + 16u * (uint32_t)i, 0x500000);
		tc_chain(&tc, from[i], 0, t);
	}
	ck_assert_int_eq(t->nin, 40);
	ck_assert_int_ge(t->capin, 40);
	for (int i = 0; i < 40; i++) {
		ck_assert_ptr_eq(t->in[i].from, from[i]);
		ck_assert_ptr_eq(rel32_target(from[i]->exits[0].site), t->host);
	}
	/* Dropping t unlinks all of them. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x500), 1);
	for (int i = 0; i < 40; i++) {
		ck_assert_ptr_eq(rel32_target(from[i]->exits[0].site), from[i]->exits[0].stub);
		ck_assert_ptr_null(from[i]->exits[0].to);
	}
}
END_TEST

START_TEST(chain_refused)
{
	struct ccf *a = simple(0x100000, 0x200000);
	struct ccf *b = simple(0x200000, 0x100000);
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x200), 1);
	tc_chain(&tc, a, 0, b);   /* into an invalid CCF */
	ck_assert_ptr_null(a->exits[0].to);
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), a->exits[0].stub);
	tc_chain(&tc, b, 0, a);   /* out of an invalid CCF */
	ck_assert_ptr_null(b->exits[0].to);
	ck_assert_ptr_eq(rel32_target(b->exits[0].site), b->exits[0].stub);
	ck_assert_int_eq(a->nin, 0);
	ck_assert_uint_eq(tc.stats.chains, 0);
}
END_TEST

START_TEST(exit_owner)
{
	struct spec s = { .eip = 0x100000, .nexits = 2, .target = { 0x100100, 0x100020 }, .body = 8 };
	struct ccf *a = make_ccf(&s);
	struct ccf *b = simple(0x100100, 0);
	int k = -1;
	ck_assert_ptr_eq(tc_exit_owner(&tc, a->exits[0].site, &k), a);
	ck_assert_int_eq(k, 0);
	ck_assert_ptr_eq(tc_exit_owner(&tc, a->exits[1].site, &k), a);
	ck_assert_int_eq(k, 1);
	ck_assert_ptr_eq(tc_exit_owner(&tc, b->exits[0].site, &k), b);
	ck_assert_int_eq(k, 0);
	ck_assert_ptr_null(tc_exit_owner(&tc, a->host, &k));
	ck_assert_ptr_null(tc_exit_owner(&tc, a->exits[0].site + 1, &k));
	ck_assert_ptr_null(tc_exit_owner(&tc, tc.code, &k));
	/* The offset a stub records (site - code) leads back to the exit. */
	ck_assert_ptr_eq(tc_exit_owner(&tc, tc.code + (a->exits[1].site - tc.code), &k), a);
}
END_TEST

START_TEST(unlink_exits)
{
	struct spec s = { .eip = 0x100000, .nexits = 2, .target = { 0x100100, 0x100020 }, .body = 8 };
	struct ccf *a = make_ccf(&s);
	struct ccf *t = simple(0x100100, 0);
	struct ccf *f = simple(0x100020, 0);
	tc_chain(&tc, a, 0, t);
	tc_chain(&tc, a, 1, f);
	tc_unlink_exits(a);
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), a->exits[0].stub);
	ck_assert_ptr_eq(rel32_target(a->exits[1].site), a->exits[1].stub);
	ck_assert_uint_eq(a->exits[0].site[-1], 0x84);
	ck_assert_uint_eq(a->exits[1].site[-1], 0xe9);
	/* a stays valid and findable; its successors are untouched. */
	ck_assert(a->valid);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100000), a);
	tc_unlink_exits(a);   /* twice is harmless */
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), a->exits[0].stub);
}
END_TEST

/* After an unlink (a stop or a single step), leaving through the stub and
 * chaining again must jump straight to the successor once more. */
START_TEST(chain_again_after_unlink)
{
	struct ccf *a = simple(0x100000, 0x100100);
	struct ccf *t = simple(0x100100, 0x100000);
	tc_chain(&tc, a, 0, t);
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), t->host);
	tc_unlink_exits(a);
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), a->exits[0].stub);
	tc_chain(&tc, a, 0, t);
	ck_assert_msg(rel32_target(a->exits[0].site) == t->host,
		      "exit 0 of CCF %u still goes to its stub after tc_chain (exits[0].to was left set "
		      "by tc_unlink_exits)", a->id);
}
END_TEST

/* ---- the inline lookup table ---- */

START_TEST(fill_lookup)
{
	struct ccf *a = simple(0x0010abcd, 0);
	tc_fill_lookup(&tc, a);
	const struct bt_lookup_entry *e = &tc.lookup[0xabcd];
	ck_assert_uint_eq(ENTRY_TAG(*e), tag_for(0x0010abcd, 0));
	ck_assert_uint_ne(ENTRY_TAG(*e), tag_for(0x0020abcd, 0));   /* same index, other EIP: miss */
	ck_assert_uint_ne(ENTRY_TAG(*e), 1);
	ck_assert_uint_eq(e->host, (uint64_t)(uintptr_t)a->host);
	ck_assert_uint_eq(tc.stats.indirect_fills, 1);
	for (int i = 0; i < BT_LOOKUP_ENTRIES; i++) {
		if (i != 0xabcd) {
			ck_assert_uint_eq(ENTRY_TAG(tc.lookup[i]), 1);
			ck_assert_uint_eq(tc.lookup[i].host, (uint64_t)(uintptr_t)tc.miss_stub);
		}
		ck_assert_uint_eq(ENTRY_TAG(tc.lookup_empty[i]), 1);   /* the stop table stays all-miss */
	}
	/* Another CCF with the same low 16 bits takes the slot over. */
	struct ccf *b = simple(0xffffabcd, 0);
	tc_fill_lookup(&tc, b);
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0xabcd]), tag_for(0xffffabcd, 0));
	ck_assert_uint_eq(tc.lookup[0xabcd].host, (uint64_t)(uintptr_t)b->host);
	ck_assert_uint_eq(tc.stats.indirect_fills, 2);
	/* EIP 0 (index 0). */
	struct ccf *z = simple(0, 0);
	tc_fill_lookup(&tc, z);
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0]), tag_for(0, 0));
	ck_assert_uint_eq(tag_for(0, 0), 0);
	ck_assert_uint_eq(tc.lookup[0].host, (uint64_t)(uintptr_t)z->host);
}
END_TEST

/* ---- invalidation ---- */

START_TEST(invalidate_page)
{
	/* A on page 0x100, B on 0x100-0x101, C on 0x102, D on 0x101 only. */
	struct spec s = { .eip = 0x100000, .nexits = 2, .target = { 0x102000, 0x100ff0 }, .body = 8 };
	struct ccf *a = make_ccf(&s);
	struct spec sb = { .eip = 0x100ff0, .end = 0x101008, .page_last = 0x101, .nexits = 1,
			   .target = { 0x102000 }, .body = 8 };
	struct ccf *b = make_ccf(&sb);
	struct spec sc = { .eip = 0x102000, .nexits = 2, .target = { 0x100000, 0x101800 }, .body = 8 };
	struct ccf *c = make_ccf(&sc);
	struct ccf *dd = simple(0x101800, 0x100000);

	tc_chain(&tc, a, 0, c);
	tc_chain(&tc, a, 1, b);
	tc_chain(&tc, b, 0, c);
	tc_chain(&tc, c, 0, a);
	tc_chain(&tc, c, 1, dd);
	tc_chain(&tc, dd, 0, a);
	tc_fill_lookup(&tc, a);
	tc_fill_lookup(&tc, b);
	tc_fill_lookup(&tc, c);
	tc_fill_lookup(&tc, dd);
	ck_assert_int_eq(c->nin, 2);
	ck_assert_int_eq(a->nin, 2);

	ck_assert_int_eq(tc_invalidate_page(&tc, 0x103), 0);   /* nothing there */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x0ff), 0);

	/* Page 0x101: B (which spans into it) and D. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x101), 2);
	ck_assert(!b->valid);
	ck_assert(!dd->valid);
	ck_assert(a->valid);
	ck_assert(c->valid);
	ck_assert_uint_eq(tc.stats.invalidations, 2);
	ck_assert_ptr_null(tc_lookup(&tc, 0x100ff0));
	ck_assert_ptr_null(tc_lookup(&tc, 0x101800));
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100000), a);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x102000), c);
	/* Chains into B and D unlinked, chains between A and C kept. */
	ck_assert_ptr_eq(rel32_target(a->exits[1].site), a->exits[1].stub);
	ck_assert_ptr_null(a->exits[1].to);
	ck_assert_ptr_eq(rel32_target(c->exits[1].site), c->exits[1].stub);
	ck_assert_ptr_null(c->exits[1].to);
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), c->host);
	ck_assert_ptr_eq(rel32_target(c->exits[0].site), a->host);
	/* B's and D's own chains out are gone from their successors' lists. */
	ck_assert_int_eq(c->nin, 1);
	ck_assert_ptr_eq(c->in[0].from, a);
	ck_assert_int_eq(a->nin, 1);
	ck_assert_ptr_eq(a->in[0].from, c);
	ck_assert_ptr_eq(rel32_target(b->exits[0].site), b->exits[0].stub);
	ck_assert_ptr_eq(rel32_target(dd->exits[0].site), dd->exits[0].stub);
	/* Lookup entries: B's and D's cleared, A's and C's kept. */
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0x0ff0]), 1);
	ck_assert_uint_eq(tc.lookup[0x0ff0].host, (uint64_t)(uintptr_t)tc.miss_stub);
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0x1800]), 1);
	ck_assert_uint_eq(tc.lookup[0x0000].host, (uint64_t)(uintptr_t)a->host);
	ck_assert_uint_eq(tc.lookup[0x2000].host, (uint64_t)(uintptr_t)c->host);

	/* Again: already invalid CCFs are not counted twice. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x101), 0);

	/* Page 0x100: A (B is gone already). C's chain into A is unlinked. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x100), 1);
	ck_assert(!a->valid);
	ck_assert(c->valid);
	ck_assert_ptr_eq(rel32_target(c->exits[0].site), c->exits[0].stub);
	ck_assert_ptr_null(c->exits[0].to);
	ck_assert_int_eq(c->nin, 0);
	ck_assert_ptr_eq(rel32_target(a->exits[0].site), a->exits[0].stub);
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0x0000]), 1);
	ck_assert_uint_eq(tc.lookup[0x2000].host, (uint64_t)(uintptr_t)c->host);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x102000), c);
	ck_assert_uint_eq(tc.stats.invalidations, 3);

	/* A retranslation of A's EIP is found, and C chains to it. */
	struct ccf *a2 = simple(0x100000, 0x102000);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100000), a2);
	tc_chain(&tc, c, 0, a2);
	ck_assert_ptr_eq(rel32_target(c->exits[0].site), a2->host);
}
END_TEST

/* A dropped CCF's lookup slot, since reused by another EIP, stays with that one. */
START_TEST(invalidate_keeps_reused_slot)
{
	struct ccf *a = simple(0x00100040, 0);
	struct ccf *e = simple(0x00200040, 0);
	tc_fill_lookup(&tc, a);
	tc_fill_lookup(&tc, e);
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x100), 1);
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0x40]), tag_for(0x00200040, 0));
	ck_assert_uint_eq(tc.lookup[0x40].host, (uint64_t)(uintptr_t)e->host);
}
END_TEST

/* CCFs are keyed by privilege: (eip, key) pairs are distinct in the hash and
 * in the inline table's tag. */
START_TEST(keyed)
{
	struct ccf *k0 = simple(0x100000, 0);
	ck_assert_ptr_null(tc_lookup_key(&tc, 0x100000, 1));
	struct spec s = { .eip = 0x100000, .nexits = 1, .body = 8, .key = 1 };
	struct ccf *k1 = make_ccf(&s);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100000), k0);
	ck_assert_ptr_eq(tc_lookup_key(&tc, 0x100000, 0), k0);
	ck_assert_ptr_eq(tc_lookup_key(&tc, 0x100000, 1), k1);
	tc_fill_lookup(&tc, k1);
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0]), tag_for(0x100000, 1));
	ck_assert_uint_ne(ENTRY_TAG(tc.lookup[0]), tag_for(0x100000, 0));
	ck_assert_uint_eq(tc.lookup[0].host, (uint64_t)(uintptr_t)k1->host);
	tc_fill_lookup(&tc, k0);
	ck_assert_uint_eq(ENTRY_TAG(tc.lookup[0]), tag_for(0x100000, 0));
	/* Both go with their page. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x100), 2);
	ck_assert_ptr_null(tc_lookup_key(&tc, 0x100000, 1));
}
END_TEST

/* Adaptive retranslation: a forwarding jump patched into an old CCF; exits
 * after it die; dropping the new CCF drops the forwarder too. */
START_TEST(forward)
{
	struct spec s = { .eip = 0x100000, .nexits = 2, .target = { 0x100100, 0x100200 }, .body = 8 };
	struct ccf *old = make_ccf(&s);
	struct ccf *t0 = simple(0x100100, 0);
	struct ccf *t1 = simple(0x100200, 0);
	struct ccf *nw = simple(0x300000, 0);   /* the retranslation, on another page */
	tc_chain(&tc, old, 0, t0);
	tc_chain(&tc, old, 1, t1);
	/* Forward from the jmp of exit 1 (after exit 0's jcc). */
	uint32_t off = (uint32_t)(old->exits[1].site - 1 - old->host);
	tc_forward(&tc, old, off, nw);
	ck_assert_uint_eq(old->host[off], 0xe9);
	ck_assert_ptr_eq(rel32_target(old->host + off + 1), nw->host);
	ck_assert_ptr_eq(old->forward_to, nw);
	ck_assert_uint_eq(old->nexits, 1);            /* exit 1 is dead */
	ck_assert_int_eq(t1->nin, 0);
	ck_assert_int_eq(t0->nin, 1);                 /* exit 0 still chained */
	ck_assert_ptr_eq(rel32_target(old->exits[0].site), t0->host);
	ck_assert_int_eq(nw->nin, 1);
	ck_assert_uint_eq(nw->in[0].exit, TC_LINK_FORWARD);
	ck_assert_ptr_eq(nw->in[0].from, old);

	ck_assert_int_ge(tc_invalidate_page(&tc, 0x300), 1);
	ck_assert(!nw->valid);
	ck_assert(!old->valid);                       /* it jumped into nw */
	ck_assert_ptr_null(tc_lookup(&tc, 0x100000));
	ck_assert_int_eq(t0->nin, 0);                 /* old's chain out is gone */
	ck_assert_ptr_eq(rel32_target(old->exits[0].site), old->exits[0].stub);
	ck_assert(t0->valid);
	ck_assert(t1->valid);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100100), t0);
}
END_TEST

/* ---- flush ---- */

START_TEST(flush)
{
	struct ccf *a = simple(0x100000, 0x100100);
	struct ccf *b = simple(0x100100, 0x100000);
	tc_chain(&tc, a, 0, b);
	tc_fill_lookup(&tc, a);
	uint8_t stub[64];
	memcpy(stub, tc.code, 64);
	uint8_t *a_host = a->host;

	tc_flush(&tc);
	ck_assert_int_eq(tc.n, 0);
	ck_assert_uint_eq(tc.used, 64);
	ck_assert_uint_eq(tc.stats.flushes, 1);
	ck_assert_ptr_null(tc_lookup(&tc, 0x100000));
	ck_assert_ptr_null(tc_lookup(&tc, 0x100100));
	ck_assert_ptr_null(tc_find_host(&tc, a_host));
	ck_assert_mem_eq(tc.code, stub, 64);   /* the miss stub survives */
	ck_assert_ptr_eq(tc.miss_stub, tc.code);
	for (int i = 0; i < BT_LOOKUP_ENTRIES; i++) {
		ck_assert_uint_eq(ENTRY_TAG(tc.lookup[i]), 1);
		ck_assert_uint_eq(tc.lookup[i].host, (uint64_t)(uintptr_t)tc.miss_stub);
	}
	for (int i = 0; i < TC_HASH_BUCKETS; i++)
		ck_assert_ptr_null(tc.hash[i]);

	/* The cache works again from the start of its code space. */
	struct ccf *c = simple(0x100000, 0x100100);
	ck_assert_ptr_eq(c->host, tc.code + 64);
	ck_assert_ptr_eq(tc_lookup(&tc, 0x100000), c);
	ck_assert_ptr_eq(tc_find_host(&tc, c->host), c);
	ck_assert_int_eq(tc.n, 1);
	tc_flush(&tc);
	tc_flush(&tc);   /* an empty flush is fine */
	ck_assert_uint_eq(tc.stats.flushes, 3);
}
END_TEST

/* ---- statistics ---- */

START_TEST(stats)
{
	struct spec s = { .eip = 0x100000, .nexits = 2, .target = { 0x100100, 0x100200 }, .body = 8 };
	struct ccf *a = make_ccf(&s);
	struct ccf *b = simple(0x100100, 0);
	struct ccf *c = simple(0x100200, 0);
	tc_lookup(&tc, 0x100000);
	tc_lookup(&tc, 0x100100);
	tc_lookup(&tc, 0x999999);
	tc_chain(&tc, a, 0, b);
	tc_chain(&tc, a, 1, c);
	tc_chain(&tc, a, 1, c);   /* no-op */
	tc_fill_lookup(&tc, b);
	tc_invalidate_page(&tc, 0x100);
	tc_flush(&tc);
	ck_assert_uint_eq(tc.stats.translations, 3);
	ck_assert_uint_eq(tc.stats.guest_insns, 9);
	ck_assert_uint_eq(tc.stats.lookups, 3);
	ck_assert_uint_eq(tc.stats.hits, 2);
	ck_assert_uint_eq(tc.stats.chains, 2);
	ck_assert_uint_eq(tc.stats.indirect_fills, 1);
	ck_assert_uint_eq(tc.stats.invalidations, 3);
	ck_assert_uint_eq(tc.stats.flushes, 1);
}
END_TEST

static Suite *tc_suite(void)
{
	Suite *s = suite_create("tc");
	TCase *t = tcase_create("basics");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, init_state);
	tcase_add_test(t, invalidate_page_lists);
	tcase_add_test(t, init_fails);
	tcase_add_test(t, destroy_clears);
	tcase_add_test(t, commit);
	tcase_add_test(t, lookup_hits_and_misses);
	tcase_add_test(t, lookup_collisions);
	tcase_add_test(t, transient_not_looked_up);
	tcase_add_test(t, find_host_boundaries);
	tcase_add_test(t, find_host_many);
	tcase_add_test(t, map_at);
	suite_add_tcase(s, t);

	t = tcase_create("chains");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, chain_patches_and_links);
	tcase_add_test(t, chain_many_incoming);
	tcase_add_test(t, chain_refused);
	tcase_add_test(t, exit_owner);
	tcase_add_test(t, unlink_exits);
	tcase_add_test(t, chain_again_after_unlink);
	suite_add_tcase(s, t);

	t = tcase_create("invalidate");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, fill_lookup);
	tcase_add_test(t, invalidate_page);
	tcase_add_test(t, invalidate_keeps_reused_slot);
	tcase_add_test(t, keyed);
	tcase_add_test(t, forward);
	tcase_add_test(t, flush);
	tcase_add_test(t, stats);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
