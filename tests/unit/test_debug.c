/* Unit tests for monitor/debug: breakpoints (add, duplicates, the same address
 * as user and internal breakpoints, delete/enable/disable by id, hits counted,
 * temporary breakpoints removed on hit, internal ones hidden from
 * dbg_describe, not deletable or disableable by id and kept by dbg_clear),
 * watchpoints (length limits, overlap at both ends, read/write/access kinds,
 * read-modify-write, disabled ones ignored, values, the list for engines, the
 * top of the 4 GiB space), catches (kinds, substring filters, once-catches
 * removed when they fire, disabled ones ignored, catch_mask), the generation
 * counter bumping on every change, ids shared across the three tables,
 * tables filling up at DBG_MAX, and the front ends' accessors (dbg_break_at:
 * user breakpoints only, disabled ones too; dbg_snapshot: all three tables,
 * internal breakpoints marked, a copy that later changes leave alone). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/debug.h"

static struct debugstate D;

static void setup(void)
{
	dbg_init(&D);
}

static void teardown(void)
{
	dbg_destroy(&D);
}

static unsigned gen(void)
{
	return atomic_load(&D.generation);
}

static char *describe(void)
{
	static char buf[16384];
	dbg_describe(&D, buf, sizeof buf);
	return buf;
}

/* ---- breakpoints ---- */

START_TEST(break_add_and_hit)
{
	ck_assert(!dbg_is_break(&D, 0x100000));
	unsigned g = gen();
	int id = dbg_break_add(&D, 0x100000, false, false);
	ck_assert_int_gt(id, 0);
	ck_assert_uint_gt(gen(), g);
	ck_assert(dbg_is_break(&D, 0x100000));
	ck_assert(!dbg_is_break(&D, 0x100001));
	ck_assert(!dbg_is_break(&D, 0x0fffff));
	ck_assert_int_eq(dbg_break_hit(&D, 0x100000), id);
	ck_assert_int_eq(dbg_break_hit(&D, 0x100000), id);
	ck_assert_int_eq(D.bp[0].hits, 2);
	ck_assert(dbg_is_break(&D, 0x100000));   /* a normal breakpoint stays */
	ck_assert_int_eq(dbg_break_hit(&D, 0x200000), -1);
}
END_TEST

START_TEST(break_duplicates)
{
	int a = dbg_break_add(&D, 0x1000, false, false);
	ck_assert_int_gt(a, 0);
	unsigned g = gen();
	ck_assert_int_eq(dbg_break_add(&D, 0x1000, false, false), -1);
	ck_assert_int_eq(dbg_break_add(&D, 0x1000, true, false), -1);   /* a tbreak on it too */
	ck_assert_uint_eq(gen(), g);   /* no change, no bump */
	ck_assert_int_eq(D.nbp, 1);
	/* an internal one may share the address with a user one */
	int i = dbg_break_add(&D, 0x1000, true, true);
	ck_assert_int_lt(i, -1);   /* internal ids are negative: no number the user sees */
	ck_assert_int_eq(dbg_break_add(&D, 0x1000, true, true), -1);
	ck_assert_int_eq(D.nbp, 2);
	/* the hit reports the user's id, not the internal one */
	ck_assert_int_eq(dbg_break_hit(&D, 0x1000), a);
	/* the temporary internal one is gone, the user one remains */
	ck_assert_int_eq(D.nbp, 1);
	ck_assert_int_eq(D.bp[0].id, a);
}
END_TEST

START_TEST(ids_unique_and_increasing)
{
	int b = dbg_break_add(&D, 0x10, false, false);
	int w = dbg_watch_add(&D, 0x20, 4, WP_WRITE, 0);
	int c = dbg_catch_add(&D, EV_TRAP, NULL, false);
	int b2 = dbg_break_add(&D, 0x30, false, false);
	ck_assert_int_gt(b, 0);
	ck_assert_int_gt(w, b);
	ck_assert_int_gt(c, w);
	ck_assert_int_gt(b2, c);
	/* deleting does not make an id reusable */
	ck_assert_int_eq(dbg_delete(&D, b2), 0);
	int b3 = dbg_break_add(&D, 0x30, false, false);
	ck_assert_int_gt(b3, b2);
}
END_TEST

START_TEST(temporary_removed_on_hit)
{
	int id = dbg_break_add(&D, 0x2000, true, false);
	ck_assert_int_gt(id, 0);
	char *d = describe();
	ck_assert_msg(strstr(d, "tbreak"), "%s", d);
	unsigned g = gen();
	ck_assert_int_eq(dbg_break_hit(&D, 0x2000), id);
	ck_assert_uint_gt(gen(), g);   /* engines must resync */
	ck_assert(!dbg_is_break(&D, 0x2000));
	ck_assert_int_eq(D.nbp, 0);
	ck_assert_int_eq(dbg_break_hit(&D, 0x2000), -1);
	ck_assert_int_eq(dbg_delete(&D, id), -1);
}
END_TEST

START_TEST(internal_hidden_and_protected)
{
	int u = dbg_break_add(&D, 0x3000, false, false);
	int i = dbg_break_add(&D, 0x4000, false, true);
	ck_assert_int_lt(i, -1);
	ck_assert_int_eq(dbg_break_add(&D, 0x5000, false, false), u + 1);   /* user numbering unaffected */
	char *d = describe();
	ck_assert_msg(strstr(d, "0x00003000"), "%s", d);
	ck_assert_msg(!strstr(d, "0x00004000"), "internal breakpoint listed: %s", d);
	/* not disableable by id; only its owner (the runner) deletes it, by its negative id */
	ck_assert_int_eq(dbg_enable(&D, i, false), -1);
	ck_assert(dbg_is_break(&D, 0x4000));
	/* an internal hit reports 0: "stopped at", not "breakpoint N" */
	ck_assert_int_eq(dbg_break_hit(&D, 0x4000), 0);
	/* delete-all keeps it */
	dbg_clear(&D);
	ck_assert(dbg_is_break(&D, 0x4000));
	ck_assert(!dbg_is_break(&D, 0x3000));
	ck_assert_int_eq(dbg_delete(&D, u), -1);
}
END_TEST

START_TEST(break_enable_disable_delete)
{
	int id = dbg_break_add(&D, 0x5000, false, false);
	unsigned g = gen();
	ck_assert_int_eq(dbg_enable(&D, id, false), 0);
	ck_assert_uint_gt(gen(), g);
	ck_assert(!dbg_is_break(&D, 0x5000));
	ck_assert_int_eq(dbg_break_hit(&D, 0x5000), -1);   /* disabled: not counted */
	ck_assert_int_eq(D.bp[0].hits, 0);
	char *d = describe();
	ck_assert_msg(strstr(d, " n "), "%s", d);
	ck_assert_int_eq(dbg_enable(&D, id, true), 0);
	ck_assert(dbg_is_break(&D, 0x5000));
	g = gen();
	ck_assert_int_eq(dbg_delete(&D, id), 0);
	ck_assert_uint_gt(gen(), g);
	ck_assert(!dbg_is_break(&D, 0x5000));
	g = gen();
	ck_assert_int_eq(dbg_delete(&D, id), -1);
	ck_assert_int_eq(dbg_enable(&D, id, true), -1);
	ck_assert_int_eq(dbg_delete(&D, 0), -1);
	ck_assert_int_eq(dbg_delete(&D, -1), -1);
	ck_assert_int_eq(dbg_delete(&D, 999), -1);
	ck_assert_uint_eq(gen(), g);   /* failures change nothing */
}
END_TEST

START_TEST(delete_keeps_others)
{
	int a = dbg_break_add(&D, 0xa, false, false);
	int b = dbg_break_add(&D, 0xb, false, false);
	int c = dbg_break_add(&D, 0xc, false, false);
	ck_assert_int_eq(dbg_delete(&D, b), 0);
	ck_assert(dbg_is_break(&D, 0xa));
	ck_assert(!dbg_is_break(&D, 0xb));
	ck_assert(dbg_is_break(&D, 0xc));
	ck_assert_int_eq(dbg_break_hit(&D, 0xc), c);
	ck_assert_int_eq(dbg_break_hit(&D, 0xa), a);
}
END_TEST

START_TEST(break_table_full)
{
	for (int i = 0; i < DBG_MAX; i++)
		ck_assert_int_gt(dbg_break_add(&D, 0x1000u + (uint32_t)i, false, false), 0);
	unsigned g = gen();
	ck_assert_int_eq(dbg_break_add(&D, 0x9999, false, false), -1);
	ck_assert_int_eq(dbg_break_add(&D, 0x9999, true, true), -1);
	ck_assert_uint_eq(gen(), g);
	ck_assert_int_eq(D.nbp, DBG_MAX);
	/* the other tables are separate */
	ck_assert_int_gt(dbg_watch_add(&D, 0x10, 4, WP_WRITE, 0), 0);
	ck_assert_int_gt(dbg_catch_add(&D, EV_TRAP, "", false), 0);
	/* a freed slot can be used again */
	ck_assert_int_eq(dbg_delete(&D, D.bp[10].id), 0);
	ck_assert_int_gt(dbg_break_add(&D, 0x9999, false, false), 0);
}
END_TEST

/* ---- watchpoints ---- */

START_TEST(watch_length_limits)
{
	unsigned g = gen();
	ck_assert_int_eq(dbg_watch_add(&D, 0x100, 0, WP_WRITE, 0), -1);
	ck_assert_int_eq(dbg_watch_add(&D, 0x100, 9, WP_WRITE, 0), -1);
	ck_assert_int_eq(dbg_watch_add(&D, 0x100, 0xffffffffu, WP_WRITE, 0), -1);
	ck_assert_uint_eq(gen(), g);
	ck_assert_int_gt(dbg_watch_add(&D, 0x100, 1, WP_WRITE, 0), 0);
	ck_assert_int_gt(dbg_watch_add(&D, 0x200, 8, WP_WRITE, 0), 0);
	ck_assert_uint_gt(gen(), g);
}
END_TEST

START_TEST(watch_overlap)
{
	struct dbg_watch w;
	int id = dbg_watch_add(&D, 0x1000, 4, WP_WRITE, 0x11223344);
	/* [0x1000, 0x1004) */
	ck_assert(!dbg_watch_find(&D, 0x0ffc, 4, false, true, &w));
	ck_assert(dbg_watch_find(&D, 0x0ffd, 4, false, true, &w));
	ck_assert_int_eq(w.id, id);
	ck_assert_uint_eq(w.value, 0x11223344);
	ck_assert(dbg_watch_find(&D, 0x1000, 1, false, true, &w));
	ck_assert(dbg_watch_find(&D, 0x1003, 1, false, true, &w));
	ck_assert(dbg_watch_find(&D, 0x1002, 8, false, true, &w));
	ck_assert(dbg_watch_find(&D, 0x0f00, 0x200, false, true, &w));   /* covers it */
	ck_assert(!dbg_watch_find(&D, 0x1004, 4, false, true, &w));
	ck_assert_uint_eq(w.hits, 5);   /* the copy carries the count */
}
END_TEST

START_TEST(watch_kinds)
{
	struct dbg_watch w;
	int ww = dbg_watch_add(&D, 0x1000, 4, WP_WRITE, 0);
	int rw = dbg_watch_add(&D, 0x2000, 4, WP_READ, 0);
	int aw = dbg_watch_add(&D, 0x3000, 4, WP_ACCESS, 0);
	/* write watch */
	ck_assert(!dbg_watch_find(&D, 0x1000, 4, true, false, &w));
	ck_assert(dbg_watch_find(&D, 0x1000, 4, false, true, &w));
	ck_assert_int_eq(w.id, ww);
	ck_assert_int_eq(w.kind, WP_WRITE);
	ck_assert(dbg_watch_find(&D, 0x1000, 4, true, true, &w));   /* read-modify-write writes */
	/* read watch */
	ck_assert(dbg_watch_find(&D, 0x2000, 4, true, false, &w));
	ck_assert_int_eq(w.id, rw);
	ck_assert(!dbg_watch_find(&D, 0x2000, 4, false, true, &w));
	ck_assert(dbg_watch_find(&D, 0x2000, 4, true, true, &w));   /* read-modify-write reads */
	ck_assert_int_eq(w.id, rw);
	/* access watch: anything */
	ck_assert(dbg_watch_find(&D, 0x3000, 4, true, false, &w));
	ck_assert_int_eq(w.id, aw);
	ck_assert(dbg_watch_find(&D, 0x3000, 4, false, true, &w));
	ck_assert(dbg_watch_find(&D, 0x3000, 4, true, true, &w));
	ck_assert_str_eq(wp_kind_name(WP_WRITE), "watch");
	ck_assert_str_eq(wp_kind_name(WP_READ), "rwatch");
	ck_assert_str_eq(wp_kind_name(WP_ACCESS), "awatch");
}
END_TEST

START_TEST(watch_disabled_values_list)
{
	struct dbg_watch w, list[DBG_MAX];
	int a = dbg_watch_add(&D, 0x1000, 4, WP_WRITE, 1);
	int b = dbg_watch_add(&D, 0x1000, 2, WP_ACCESS, 2);   /* same place, another kind */
	ck_assert_int_eq(dbg_watch_list(&D, list, DBG_MAX), 2);
	ck_assert_int_eq(dbg_enable(&D, a, false), 0);
	ck_assert(dbg_watch_find(&D, 0x1000, 4, false, true, &w));
	ck_assert_int_eq(w.id, b);   /* the disabled one is skipped */
	ck_assert_int_eq(dbg_watch_list(&D, list, DBG_MAX), 1);
	ck_assert_int_eq(list[0].id, b);
	ck_assert_int_eq(dbg_watch_list(&D, list, 0), 0);
	ck_assert_int_eq(dbg_enable(&D, b, false), 0);
	ck_assert(!dbg_watch_find(&D, 0x1000, 4, true, true, &w));
	ck_assert_int_eq(dbg_enable(&D, a, true), 0);
	dbg_watch_set_value(&D, a, 0xfeedface12345678ull);
	dbg_watch_set_value(&D, 9999, 5);   /* unknown id: harmless */
	ck_assert(dbg_watch_find(&D, 0x1001, 1, false, true, &w));
	ck_assert_uint_eq(w.value, 0xfeedface12345678ull);
	ck_assert_int_eq(dbg_delete(&D, a), 0);
	ck_assert(!dbg_watch_find(&D, 0x1000, 4, true, true, &w));
	char *d = describe();
	ck_assert_msg(strstr(d, "awatch") && strstr(d, "0x00001000/2"), "%s", d);
}
END_TEST

START_TEST(watch_top_of_address_space)
{
	/* a watched dword at 0xfffffffc: accesses to it must be found */
	struct dbg_watch w;
	int id = dbg_watch_add(&D, 0xfffffffcu, 4, WP_WRITE, 0);
	ck_assert_int_gt(id, 0);
	ck_assert_msg(dbg_watch_find(&D, 0xfffffffcu, 4, false, true, &w), "write to 0xfffffffc not seen");
	ck_assert_msg(dbg_watch_find(&D, 0xffffffffu, 1, false, true, &w), "write to 0xffffffff not seen");
	ck_assert(!dbg_watch_find(&D, 0xfffffff8u, 4, false, true, &w));
}
END_TEST

START_TEST(watch_table_full)
{
	for (int i = 0; i < DBG_MAX; i++)
		ck_assert_int_gt(dbg_watch_add(&D, 0x1000u * (uint32_t)i, 4, WP_WRITE, 0), 0);
	ck_assert_int_eq(dbg_watch_add(&D, 0x999999, 4, WP_WRITE, 0), -1);
	struct dbg_watch list[DBG_MAX + 4];
	ck_assert_int_eq(dbg_watch_list(&D, list, DBG_MAX + 4), DBG_MAX);
	ck_assert_int_eq(dbg_watch_list(&D, list, 5), 5);
}
END_TEST

/* ---- catches ---- */

START_TEST(catch_kinds_and_mask)
{
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 0);
	ck_assert(!dbg_catch_match(&D, EV_TRAP, "anything"));
	int c = dbg_catch_add(&D, EV_TRAP, NULL, false);
	ck_assert_int_gt(c, 0);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 1u << EV_TRAP);
	ck_assert(dbg_catch_match(&D, EV_TRAP, "trap at 0x1000"));
	ck_assert(dbg_catch_match(&D, EV_TRAP, ""));
	ck_assert(!dbg_catch_match(&D, EV_CALLOUT, "trap at 0x1000"));
	ck_assert_int_eq(D.ct[0].hits, 2);
	int d = dbg_catch_add(&D, EV_EXCEPTION, "", false);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), (1u << EV_TRAP) | (1u << EV_EXCEPTION));
	ck_assert_int_eq(dbg_enable(&D, c, false), 0);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 1u << EV_EXCEPTION);
	ck_assert(!dbg_catch_match(&D, EV_TRAP, "x"));
	ck_assert_int_eq(dbg_delete(&D, d), 0);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 0);
	ck_assert_int_eq(dbg_enable(&D, c, true), 0);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 1u << EV_TRAP);
	dbg_clear(&D);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 0);
	ck_assert_int_eq(D.nct, 0);
}
END_TEST

START_TEST(catch_filters)
{
	dbg_catch_add(&D, EV_EXCEPTION, "#GP", false);
	ck_assert(dbg_catch_match(&D, EV_EXCEPTION, "#GP(0x10) at 0x100123"));
	ck_assert(!dbg_catch_match(&D, EV_EXCEPTION, "#PF at 0x100123"));
	ck_assert(!dbg_catch_match(&D, EV_EXCEPTION, "#gp"));   /* case matters */
	/* a second catch of the same kind with another filter */
	int pf = dbg_catch_add(&D, EV_EXCEPTION, "#PF", false);
	ck_assert(dbg_catch_match(&D, EV_EXCEPTION, "#PF at 0x100123"));
	ck_assert_int_eq(D.ct[1].id, pf);
	ck_assert_int_eq(D.ct[1].hits, 1);
	/* a long filter is cut to the field, not overflowing it */
	char longf[200];
	memset(longf, 'a', sizeof longf - 1);
	longf[sizeof longf - 1] = 0;
	ck_assert_int_gt(dbg_catch_add(&D, EV_IO, longf, false), 0);
	ck_assert_uint_eq(strlen(D.ct[2].filter), sizeof D.ct[2].filter - 1);
	char *d = describe();
	ck_assert_msg(strstr(d, "#GP") && strstr(d, "#PF"), "%s", d);
}
END_TEST

START_TEST(catch_once)
{
	int c = dbg_catch_add(&D, EV_INTERRUPT, "vector 32", true);
	ck_assert(!dbg_catch_match(&D, EV_INTERRUPT, "vector 33"));   /* filtered: stays */
	ck_assert_int_eq(D.nct, 1);
	unsigned g = gen();
	ck_assert(dbg_catch_match(&D, EV_INTERRUPT, "irq 0 vector 32"));
	ck_assert_int_eq(D.nct, 0);
	ck_assert_uint_gt(gen(), g);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 0);
	ck_assert(!dbg_catch_match(&D, EV_INTERRUPT, "irq 0 vector 32"));
	ck_assert_int_eq(dbg_delete(&D, c), -1);
}
END_TEST

START_TEST(catch_once_leaves_others)
{
	int keep = dbg_catch_add(&D, EV_TRAP, "", false);
	dbg_catch_add(&D, EV_TRAP, "", true);
	ck_assert(dbg_catch_match(&D, EV_TRAP, "t"));   /* the first one matches; the once one is not reached */
	ck_assert_int_eq(D.nct, 2);
	ck_assert_int_eq(dbg_enable(&D, keep, false), 0);
	ck_assert(dbg_catch_match(&D, EV_TRAP, "t"));   /* now the once one fires and goes */
	ck_assert_int_eq(D.nct, 1);
	ck_assert_int_eq(D.ct[0].id, keep);
	ck_assert_uint_eq(atomic_load(&D.catch_mask), 0);   /* the remaining one is disabled */
}
END_TEST

START_TEST(catch_table_full)
{
	for (int i = 0; i < DBG_MAX; i++)
		ck_assert_int_gt(dbg_catch_add(&D, EV_TRAP, "", false), 0);
	ck_assert_int_eq(dbg_catch_add(&D, EV_TRAP, "", false), -1);
}
END_TEST

/* ---- accessors for front ends ---- */

START_TEST(break_at_finds_user_breakpoints)
{
	ck_assert_int_eq(dbg_break_at(&D, 0x1000), 0);
	int u = dbg_break_add(&D, 0x1000, false, false);
	int t = dbg_break_add(&D, 0x2000, true, false);
	dbg_break_add(&D, 0x3000, false, true);               /* internal: not the user's */
	ck_assert_int_eq(dbg_break_at(&D, 0x1000), u);
	ck_assert_int_eq(dbg_break_at(&D, 0x2000), t);
	ck_assert_int_eq(dbg_break_at(&D, 0x3000), 0);
	ck_assert_int_eq(dbg_break_at(&D, 0x1001), 0);
	/* an internal one at the same address does not hide the user's */
	dbg_break_add(&D, 0x1000, false, true);
	ck_assert_int_eq(dbg_break_at(&D, 0x1000), u);
	ck_assert_int_eq(dbg_enable(&D, u, false), 0);
	ck_assert_int_eq(dbg_break_at(&D, 0x1000), u);        /* disabled still counts */
	ck_assert_int_eq(dbg_delete(&D, u), 0);
	ck_assert_int_eq(dbg_break_at(&D, 0x1000), 0);
	/* a watchpoint at an address is no breakpoint */
	dbg_watch_add(&D, 0x4000, 4, WP_WRITE, 0);
	ck_assert_int_eq(dbg_break_at(&D, 0x4000), 0);
}
END_TEST

START_TEST(snapshot_copies_all_tables)
{
	static struct dbg_snapshot sn;
	memset(&sn, 0xa5, sizeof sn);
	dbg_snapshot(&D, &sn);
	ck_assert_int_eq(sn.nbp, 0);
	ck_assert_int_eq(sn.nwp, 0);
	ck_assert_int_eq(sn.nct, 0);

	int b = dbg_break_add(&D, 0x1000, true, false);
	int i = dbg_break_add(&D, 0x2000, false, true);
	int w = dbg_watch_add(&D, 0x3000, 2, WP_READ, 0x55);
	int c = dbg_catch_add(&D, EV_IO, "port", true);
	dbg_enable(&D, w, false);
	dbg_break_hit(&D, 0x2000);
	dbg_snapshot(&D, &sn);
	ck_assert_int_eq(sn.nbp, 2);
	ck_assert_int_eq(sn.bp[0].id, b);
	ck_assert(sn.bp[0].temporary && !sn.bp[0].internal && sn.bp[0].addr == 0x1000);
	ck_assert_int_eq(sn.bp[1].id, i);
	ck_assert(sn.bp[1].internal);
	ck_assert_int_eq(sn.bp[1].hits, 1);
	ck_assert_int_eq(sn.nwp, 1);
	ck_assert_int_eq(sn.wp[0].id, w);
	ck_assert(!sn.wp[0].enabled);
	ck_assert(sn.wp[0].len == 2 && sn.wp[0].kind == WP_READ && sn.wp[0].value == 0x55);
	ck_assert_int_eq(sn.nct, 1);
	ck_assert_int_eq(sn.ct[0].id, c);
	ck_assert(sn.ct[0].once && sn.ct[0].kind == EV_IO);
	ck_assert_str_eq(sn.ct[0].filter, "port");

	/* a copy: changes after it leave it alone */
	dbg_clear(&D);
	ck_assert_int_eq(sn.nbp, 2);
	ck_assert_int_eq(sn.bp[0].addr, 0x1000);
	dbg_snapshot(&D, &sn);
	ck_assert_int_eq(sn.nbp, 1);                           /* the internal one stays */
	ck_assert_int_eq(sn.nwp, 0);
	ck_assert_int_eq(sn.nct, 0);
}
END_TEST

START_TEST(snapshot_full_tables)
{
	static struct dbg_snapshot sn;
	for (int k = 0; k < DBG_MAX; k++) {
		dbg_break_add(&D, (uint32_t)k, false, false);
		dbg_watch_add(&D, (uint32_t)k * 8, 8, WP_ACCESS, 0);
		dbg_catch_add(&D, EV_TRAP, "", false);
	}
	dbg_snapshot(&D, &sn);
	ck_assert_int_eq(sn.nbp, DBG_MAX);
	ck_assert_int_eq(sn.nwp, DBG_MAX);
	ck_assert_int_eq(sn.nct, DBG_MAX);
	ck_assert_int_eq(sn.bp[DBG_MAX - 1].addr, DBG_MAX - 1);
	ck_assert_int_eq(sn.wp[DBG_MAX - 1].addr, (DBG_MAX - 1) * 8);
}
END_TEST

/* ---- describe, clear ---- */

START_TEST(describe_everything)
{
	int b = dbg_break_add(&D, 0x00101000, false, false);
	int w = dbg_watch_add(&D, 0x00102000, 4, WP_READ, 0);
	int c = dbg_catch_add(&D, EV_CALLOUT, "cli", true);
	dbg_break_hit(&D, 0x00101000);
	char *d = describe();
	ck_assert_msg(strstr(d, "breakpoint") && strstr(d, "0x00101000"), "%s", d);
	ck_assert_msg(strstr(d, "rwatch") && strstr(d, "0x00102000/4"), "%s", d);
	ck_assert_msg(strstr(d, "catch") && strstr(d, "cli"), "%s", d);
	char idb[16];
	snprintf(idb, sizeof idb, "\n%-4d ", b);
	ck_assert_msg(strstr(d, idb), "id %d: %s", b, d);
	snprintf(idb, sizeof idb, "\n%-4d ", w);
	ck_assert_msg(strstr(d, idb), "id %d: %s", w, d);
	snprintf(idb, sizeof idb, "\n%-4d ", c);
	ck_assert_msg(strstr(d, idb), "id %d: %s", c, d);
	/* the hit count of the breakpoint */
	const char *line = strstr(d, "0x00101000");
	const char *eol = strchr(line, '\n');
	ck_assert_ptr_nonnull(eol);
	ck_assert_msg(eol[-1] == '1', "%s", d);
	/* a small buffer: truncated, still a string */
	char small[40];
	memset(small, 'x', sizeof small);
	dbg_describe(&D, small, sizeof small);
	ck_assert_uint_lt(strlen(small), sizeof small);
	/* empty state: just the header */
	dbg_clear(&D);
	d = describe();
	ck_assert_ptr_null(strchr(strchr(d, '\n') + 1, '\n'));
}
END_TEST

START_TEST(describe_many_truncates)
{
	for (int i = 0; i < DBG_MAX; i++) {
		dbg_break_add(&D, (uint32_t)i, false, false);
		dbg_watch_add(&D, (uint32_t)i * 8, 8, WP_ACCESS, 0);
		dbg_catch_add(&D, EV_TRAP, "a filter of some length", false);
	}
	char buf[300];
	memset(buf, 'x', sizeof buf);
	dbg_describe(&D, buf, sizeof buf);
	ck_assert_uint_lt(strlen(buf), sizeof buf);
}
END_TEST

START_TEST(clear_bumps_and_empties)
{
	dbg_break_add(&D, 1, false, false);
	dbg_watch_add(&D, 2, 4, WP_WRITE, 0);
	dbg_catch_add(&D, EV_TRAP, "", false);
	unsigned g = gen();
	dbg_clear(&D);
	ck_assert_uint_gt(gen(), g);
	ck_assert_int_eq(D.nbp, 0);
	ck_assert_int_eq(D.nwp, 0);
	ck_assert_int_eq(D.nct, 0);
	struct dbg_watch w;
	ck_assert(!dbg_watch_find(&D, 2, 4, true, true, &w));
	/* hits and set_value do not bump the generation: they change no configuration */
	int id = dbg_watch_add(&D, 0x10, 4, WP_ACCESS, 0);
	g = gen();
	dbg_watch_find(&D, 0x10, 4, true, false, &w);
	dbg_watch_set_value(&D, id, 7);
	ck_assert_uint_eq(gen(), g);
}
END_TEST

static Suite *debug_suite(void)
{
	Suite *s = suite_create("debug");
	TCase *tc = tcase_create("debug");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, break_add_and_hit);
	tcase_add_test(tc, break_duplicates);
	tcase_add_test(tc, ids_unique_and_increasing);
	tcase_add_test(tc, temporary_removed_on_hit);
	tcase_add_test(tc, internal_hidden_and_protected);
	tcase_add_test(tc, break_enable_disable_delete);
	tcase_add_test(tc, delete_keeps_others);
	tcase_add_test(tc, break_table_full);
	tcase_add_test(tc, watch_length_limits);
	tcase_add_test(tc, watch_overlap);
	tcase_add_test(tc, watch_kinds);
	tcase_add_test(tc, watch_disabled_values_list);
	tcase_add_test(tc, watch_top_of_address_space);
	tcase_add_test(tc, watch_table_full);
	tcase_add_test(tc, catch_kinds_and_mask);
	tcase_add_test(tc, catch_filters);
	tcase_add_test(tc, catch_once);
	tcase_add_test(tc, catch_once_leaves_others);
	tcase_add_test(tc, catch_table_full);
	tcase_add_test(tc, break_at_finds_user_breakpoints);
	tcase_add_test(tc, snapshot_copies_all_tables);
	tcase_add_test(tc, snapshot_full_tables);
	tcase_add_test(tc, describe_everything);
	tcase_add_test(tc, describe_many_truncates);
	tcase_add_test(tc, clear_bumps_and_empties);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(debug_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
