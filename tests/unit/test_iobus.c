/* Unit tests for monitor/iobus: registering regions, refusing every shape of
 * overlap, empty and wrapping ranges and a NULL handler, lookups at region
 * boundaries, dispatch (offset relative to the base, size, direction, data),
 * unclaimed accesses (reads all ones, writes dropped, counted), and many
 * regions registered out of order staying sorted and findable. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/iobus.h"

/* A recording device: remembers the last access and answers reads with a
 * pattern derived from its tag and the offset. */
struct rec {
	int tag;
	int calls;
	uint64_t off;
	unsigned size;
	bool is_write;
	uint8_t data[8];
};

static void rec_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct rec *r = opaque;
	r->calls++;
	r->off = off;
	r->size = size;
	r->is_write = is_write;
	if (is_write) {
		memcpy(r->data, data, size > 8 ? 8 : size);
	} else {
		uint8_t *d = data;
		for (unsigned i = 0; i < size; i++)
			d[i] = (uint8_t)(r->tag + off + i);
	}
}

static struct iobus bus;

static void setup(void)
{
	iobus_init(&bus, "pio");
}

static void teardown(void)
{
	iobus_destroy(&bus);
}

/* The table must stay sorted and non-overlapping after any sequence. */
static void check_sorted(const struct iobus *b)
{
	for (int i = 1; i < b->n; i++) {
		ck_assert_msg(b->r[i - 1].base < b->r[i].base, "regions %d and %d out of order", i - 1, i);
		ck_assert_msg(b->r[i - 1].base + b->r[i - 1].len <= b->r[i].base,
			      "regions %d and %d overlap", i - 1, i);
	}
}

START_TEST(init_empty)
{
	ck_assert_str_eq(bus.name, "pio");
	ck_assert_int_eq(bus.n, 0);
	ck_assert_uint_eq(bus.unclaimed, 0);
	ck_assert_ptr_null(iobus_find(&bus, 0));
	ck_assert_ptr_null(iobus_find(&bus, UINT64_MAX));
	iobus_destroy(&bus);
	iobus_destroy(&bus);   /* twice is harmless */
	ck_assert_int_eq(bus.n, 0);
}
END_TEST

START_TEST(register_one)
{
	struct rec r = { .tag = 1 };
	ck_assert_int_eq(iobus_register(&bus, 0x3f8, 8, "com1", rec_io, &r), 0);
	ck_assert_int_eq(bus.n, 1);
	const struct io_region *g = iobus_find(&bus, 0x3f8);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->base, 0x3f8);
	ck_assert_uint_eq(g->len, 8);
	ck_assert_str_eq(g->name, "com1");
	ck_assert_ptr_eq(g->opaque, &r);
}
END_TEST

START_TEST(register_bad_ranges)
{
	struct rec r = { 0 };
	ck_assert_int_eq(iobus_register(&bus, 0x100, 0, "empty", rec_io, &r), -1);
	ck_assert_int_eq(iobus_register(&bus, UINT64_MAX, 2, "wrap", rec_io, &r), -1);
	ck_assert_int_eq(iobus_register(&bus, UINT64_MAX - 7, 16, "wrap2", rec_io, &r), -1);
	ck_assert_int_eq(iobus_register(&bus, 1, UINT64_MAX, "wrap3", rec_io, &r), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x100, 4, "nofn", NULL, &r), -1);
	ck_assert_int_eq(bus.n, 0);
	/* the last byte of the space is fine */
	ck_assert_int_eq(iobus_register(&bus, UINT64_MAX - 1, 1, "top", rec_io, &r), 0);
	ck_assert_ptr_nonnull(iobus_find(&bus, UINT64_MAX - 1));
	ck_assert_ptr_null(iobus_find(&bus, UINT64_MAX));
}
END_TEST

START_TEST(register_overlaps)
{
	struct rec r = { 0 };
	/* existing region [0x100, 0x110) */
	ck_assert_int_eq(iobus_register(&bus, 0x100, 0x10, "a", rec_io, &r), 0);
	static const struct { uint64_t base, len; const char *shape; } bad[] = {
		{ 0x100, 0x10, "identical" },
		{ 0x0f8, 0x10, "overlaps the start" },
		{ 0x108, 0x10, "overlaps the end" },
		{ 0x104, 0x04, "inside" },
		{ 0x0f0, 0x40, "contains it" },
		{ 0x10f, 0x01, "last byte" },
		{ 0x0ff, 0x02, "first byte from below" },
		{ 0x100, 0x01, "same base, shorter" },
		{ 0x000, UINT64_MAX, "everything" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(iobus_register(&bus, bad[i].base, bad[i].len, "b", rec_io, &r) == -1,
			      "overlap '%s' accepted", bad[i].shape);
	ck_assert_int_eq(bus.n, 1);
	/* touching on either side is not an overlap */
	ck_assert_int_eq(iobus_register(&bus, 0x0f0, 0x10, "below", rec_io, &r), 0);
	ck_assert_int_eq(iobus_register(&bus, 0x110, 0x10, "above", rec_io, &r), 0);
	ck_assert_int_eq(bus.n, 3);
	/* a region bridging a gap between two others also overlaps both */
	ck_assert_int_eq(iobus_register(&bus, 0x200, 0x10, "far", rec_io, &r), 0);
	ck_assert_int_eq(iobus_register(&bus, 0x11f, 0xe2, "bridge", rec_io, &r), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x120, 0xe1, "bridge2", rec_io, &r), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x120, 0xe0, "gap", rec_io, &r), 0);   /* fills the gap exactly */
	ck_assert_int_eq(bus.n, 5);
	check_sorted(&bus);
}
END_TEST

START_TEST(find_boundaries)
{
	struct rec a = { 0 }, b = { 0 };
	ck_assert_int_eq(iobus_register(&bus, 0x60, 1, "kbd", rec_io, &a), 0);
	ck_assert_int_eq(iobus_register(&bus, 0x3f8, 8, "com1", rec_io, &b), 0);
	ck_assert_ptr_null(iobus_find(&bus, 0x5f));
	ck_assert_ptr_eq(iobus_find(&bus, 0x60)->opaque, &a);
	ck_assert_ptr_null(iobus_find(&bus, 0x61));
	ck_assert_ptr_null(iobus_find(&bus, 0x3f7));
	ck_assert_ptr_eq(iobus_find(&bus, 0x3f8)->opaque, &b);
	ck_assert_ptr_eq(iobus_find(&bus, 0x3ff)->opaque, &b);
	ck_assert_ptr_null(iobus_find(&bus, 0x400));
	ck_assert_ptr_null(iobus_find(&bus, 0));
	ck_assert_ptr_null(iobus_find(&bus, UINT64_MAX));
}
END_TEST

START_TEST(dispatch_offset_and_size)
{
	struct rec a = { .tag = 0x10 }, b = { .tag = 0x40 };
	ck_assert_int_eq(iobus_register(&bus, 0x3f8, 8, "com1", rec_io, &a), 0);
	ck_assert_int_eq(iobus_register(&bus, 0xb8000, 0x8000, "vga", rec_io, &b), 0);

	uint8_t v = 0x5a;
	ck_assert(iobus_access(&bus, 0x3fd, &v, 1, true));
	ck_assert_int_eq(a.calls, 1);
	ck_assert_uint_eq(a.off, 5);
	ck_assert_uint_eq(a.size, 1);
	ck_assert(a.is_write);
	ck_assert_uint_eq(a.data[0], 0x5a);
	ck_assert_int_eq(b.calls, 0);

	uint32_t w = 0;
	ck_assert(iobus_access(&bus, 0xb8010, &w, 4, false));
	ck_assert_int_eq(b.calls, 1);
	ck_assert_uint_eq(b.off, 0x10);
	ck_assert_uint_eq(b.size, 4);
	ck_assert(!b.is_write);
	/* bytes 0x50, 0x51, 0x52, 0x53 (tag + off + i), little-endian */
	ck_assert_uint_eq(w, 0x53525150u);

	uint64_t q = 0x1122334455667788ull;
	ck_assert(iobus_access(&bus, 0xb8000, &q, 8, true));
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(b.size, 8);
	ck_assert_mem_eq(b.data, &q, 8);
	ck_assert_uint_eq(bus.unclaimed, 0);
}
END_TEST

START_TEST(unclaimed)
{
	struct rec a = { 0 };
	ck_assert_int_eq(iobus_register(&bus, 0x3f8, 8, "com1", rec_io, &a), 0);

	uint32_t w = 0x12345678;
	ck_assert(!iobus_access(&bus, 0x80, &w, 4, false));
	ck_assert_uint_eq(w, 0xffffffffu);
	ck_assert_uint_eq(bus.unclaimed, 1);

	uint16_t h = 0;
	ck_assert(!iobus_access(&bus, 0x3f7, &h, 2, false));   /* just below the UART */
	ck_assert_uint_eq(h, 0xffff);
	ck_assert_uint_eq(bus.unclaimed, 2);

	uint8_t buf[3] = { 1, 2, 3 };
	ck_assert(!iobus_access(&bus, 0x400, buf, 1, false));  /* only size bytes are filled */
	ck_assert_uint_eq(buf[0], 0xff);
	ck_assert_uint_eq(buf[1], 2);
	ck_assert_uint_eq(buf[2], 3);
	ck_assert_uint_eq(bus.unclaimed, 3);

	uint8_t v = 0x42;   /* writes are dropped, the data left alone */
	ck_assert(!iobus_access(&bus, 0x80, &v, 1, true));
	ck_assert_uint_eq(v, 0x42);
	ck_assert_uint_eq(bus.unclaimed, 4);
	ck_assert_int_eq(a.calls, 0);
}
END_TEST

START_TEST(many_out_of_order)
{
	enum { N = 200 };
	static struct rec recs[N];
	/* bases i*0x10 for i = 0..N-1 in a scrambled order (37 is coprime to 200) */
	for (int k = 0; k < N; k++) {
		int i = (k * 37 + 11) % N;
		recs[i].tag = i;
		ck_assert_int_eq(iobus_register(&bus, (uint64_t)i * 0x10 + 0x1000, 8, "dev", rec_io, &recs[i]), 0);
		check_sorted(&bus);
	}
	ck_assert_int_eq(bus.n, N);
	for (int i = 0; i < N; i++) {
		uint64_t base = (uint64_t)i * 0x10 + 0x1000;
		const struct io_region *g = iobus_find(&bus, base + 7);
		ck_assert_ptr_nonnull(g);
		ck_assert_ptr_eq(g->opaque, &recs[i]);
		ck_assert_ptr_null(iobus_find(&bus, base + 8));   /* the gaps stay unclaimed */
		ck_assert_ptr_null(iobus_find(&bus, base + 15));
		uint8_t v = 0;
		ck_assert(iobus_access(&bus, base + 3, &v, 1, false));
		ck_assert_uint_eq(v, (uint8_t)(i + 3));
	}
	/* every slot is taken: overlapping any of them fails, the gaps are free */
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(iobus_register(&bus, (uint64_t)i * 0x10 + 0x1004, 2, "x", rec_io, &recs[0]), -1);
	ck_assert_int_eq(iobus_register(&bus, 0x1008, 8, "gap", rec_io, &recs[0]), 0);
	ck_assert_int_eq(bus.n, N + 1);
	check_sorted(&bus);
}
END_TEST

static Suite *iobus_suite(void)
{
	Suite *s = suite_create("iobus");
	TCase *tc = tcase_create("iobus");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_empty);
	tcase_add_test(tc, register_one);
	tcase_add_test(tc, register_bad_ranges);
	tcase_add_test(tc, register_overlaps);
	tcase_add_test(tc, find_boundaries);
	tcase_add_test(tc, dispatch_offset_and_size);
	tcase_add_test(tc, unclaimed);
	tcase_add_test(tc, many_out_of_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(iobus_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
