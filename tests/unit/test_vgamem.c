/* Unit tests for monitor/vgamem: vgamem_init zeroes, vgamem_io reads and
 * writes of 1, 2, 4 and 8 bytes at the start, the CGA text buffer and the
 * last bytes of the window (little-endian, neighbours untouched, the write
 * counter), out-of-range accesses (past the end, straddling it, huge offsets
 * that would overflow) reading all ones and writing nothing, and the device
 * as a machine maps it: machine_mmio at 0xA0000-0xBFFFF reaches the buffer,
 * and addresses around it do not. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/vgamem.h"

static struct vgamem *V;

static void setup(void)
{
	V = malloc(sizeof *V);
	ck_assert_ptr_nonnull(V);
	memset(V, 0xa5, sizeof *V);
	vgamem_init(V);
}

static void teardown(void)
{
	free(V);
}

START_TEST(init_zeroes)
{
	for (uint32_t i = 0; i < VGAMEM_SIZE; i++)
		ck_assert_uint_eq(V->bytes[i], 0);
	ck_assert_uint_eq(V->writes, 0);
}
END_TEST

START_TEST(sizes_round_trip)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	const uint64_t offs[] = { 0, 1, VGAMEM_CGA_TEXT - VGAMEM_BASE, 0x7fff, VGAMEM_SIZE - 8 };
	uint64_t writes = 0;
	for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++)
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			unsigned size = sizes[s];
			uint64_t off = offs[o];
			vgamem_init(V);
			uint64_t v = 0x8877665544332211ull, r = 0;
			vgamem_io(V, off, &v, size, true);
			ck_assert_uint_eq(V->writes, 1);
			writes++;
			/* little-endian bytes at off..off+size-1, nothing else */
			for (unsigned k = 0; k < size; k++)
				ck_assert_uint_eq(V->bytes[off + k], 0x11 + 0x11 * k);
			if (off > 0)
				ck_assert_uint_eq(V->bytes[off - 1], 0);
			if (off + size < VGAMEM_SIZE)
				ck_assert_uint_eq(V->bytes[off + size], 0);
			vgamem_io(V, off, &r, size, false);
			uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
			ck_assert_uint_eq(r, v & mask);
			ck_assert_uint_eq(V->writes, 1);   /* reads do not count */
		}
	ck_assert_uint_eq(writes, 20);
}
END_TEST

START_TEST(last_byte_and_exact_end)
{
	uint8_t b = 0x7e, r = 0;
	vgamem_io(V, VGAMEM_SIZE - 1, &b, 1, true);
	ck_assert_uint_eq(V->bytes[VGAMEM_SIZE - 1], 0x7e);
	vgamem_io(V, VGAMEM_SIZE - 1, &r, 1, false);
	ck_assert_uint_eq(r, 0x7e);
	uint32_t d = 0xdeadbeef, rd = 0;
	vgamem_io(V, VGAMEM_SIZE - 4, &d, 4, true);
	vgamem_io(V, VGAMEM_SIZE - 4, &rd, 4, false);
	ck_assert_uint_eq(rd, 0xdeadbeef);
	ck_assert_uint_eq(V->writes, 2);
}
END_TEST

START_TEST(out_of_range)
{
	static const struct {
		uint64_t off;
		unsigned size;
	} bad[] = {
		{ VGAMEM_SIZE, 1 },
		{ VGAMEM_SIZE, 4 },
		{ VGAMEM_SIZE - 1, 2 },          /* straddles the end */
		{ VGAMEM_SIZE - 3, 4 },
		{ VGAMEM_SIZE - 7, 8 },
		{ VGAMEM_SIZE + 0x1000, 4 },
		{ UINT64_MAX, 1 },               /* off + size would wrap */
		{ UINT64_MAX - 2, 4 },
		{ 1ull << 63, 8 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v = 0x1122334455667788ull;
		vgamem_io(V, bad[i].off, &v, bad[i].size, true);
		ck_assert_msg(V->writes == 0, "write at 0x%llx/%u counted", (unsigned long long)bad[i].off,
			      bad[i].size);
		uint64_t r = 0;
		vgamem_io(V, bad[i].off, &r, bad[i].size, false);
		uint64_t mask = bad[i].size == 8 ? ~0ull : (1ull << (8 * bad[i].size)) - 1;
		ck_assert_msg(r == mask, "read at 0x%llx/%u gave 0x%llx", (unsigned long long)bad[i].off,
			      bad[i].size, (unsigned long long)r);
	}
	/* nothing at all was written, including the last bytes of the buffer */
	for (uint32_t k = 0; k < VGAMEM_SIZE; k++)
		ck_assert_uint_eq(V->bytes[k], 0);
}
END_TEST

START_TEST(partial_read_leaves_rest)
{
	/* a 1-byte read writes one byte of the destination, not more */
	V->bytes[0x10] = 0x42;
	uint32_t r = 0xaaaaaaaa;
	vgamem_io(V, 0x10, &r, 1, false);
	ck_assert_uint_eq(r, 0xaaaaaa42);
	r = 0xaaaaaaaa;
	vgamem_io(V, VGAMEM_SIZE, &r, 1, false);
	ck_assert_uint_eq(r, 0xaaaaaaff);
}
END_TEST

START_TEST(through_machine_mmio)
{
	struct machine *m = malloc(sizeof *m);
	char err[256] = "";
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(machine_init(m, &(struct machine_config){ .ram_size = 16ull << 20 }, err, sizeof err) == 0, "%s",
		      err);
	uint16_t cell = 0x0748;   /* 'H', grey on black */
	machine_mmio(m, 0, VGAMEM_CGA_TEXT, &cell, 2, true);
	ck_assert_uint_eq(m->vga->bytes[VGAMEM_CGA_TEXT - VGAMEM_BASE], 'H');
	ck_assert_uint_eq(m->vga->bytes[VGAMEM_CGA_TEXT - VGAMEM_BASE + 1], 0x07);
	ck_assert_uint_eq(m->vga->writes, 1);
	uint8_t b = 0x5c;
	machine_mmio(m, 0, VGAMEM_BASE, &b, 1, true);
	machine_mmio(m, 0, VGAMEM_BASE + VGAMEM_SIZE - 1, &b, 1, true);
	ck_assert_uint_eq(m->vga->bytes[0], 0x5c);
	ck_assert_uint_eq(m->vga->bytes[VGAMEM_SIZE - 1], 0x5c);
	uint16_t r = 0;
	machine_mmio(m, 0, VGAMEM_CGA_TEXT, &r, 2, false);
	ck_assert_uint_eq(r, 0x0748);
	/* just outside the window: not the VGA device (unclaimed: all ones, an event) */
	uint64_t ev = m->events.count[EV_IO];
	machine_mmio(m, 0, VGAMEM_BASE - 1, &b, 1, true);
	machine_mmio(m, 0, VGAMEM_BASE + VGAMEM_SIZE, &b, 1, true);
	ck_assert_uint_eq(m->vga->writes, 3);
	ck_assert_uint_eq(m->events.count[EV_IO], ev + 2);
	uint8_t rb = 0;
	machine_mmio(m, 0, VGAMEM_BASE + VGAMEM_SIZE, &rb, 1, false);
	ck_assert_uint_eq(rb, 0xff);
	machine_destroy(m);
	free(m);
}
END_TEST

static Suite *vgamem_suite(void)
{
	Suite *s = suite_create("vgamem");
	TCase *tc = tcase_create("vgamem");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, init_zeroes);
	tcase_add_test(tc, sizes_round_trip);
	tcase_add_test(tc, last_byte_and_exact_end);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, partial_read_leaves_rest);
	tcase_add_test(tc, through_machine_mmio);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vgamem_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
