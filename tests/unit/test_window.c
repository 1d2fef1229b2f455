/* Unit tests for engine/window: win_init over a machine's 64 MiB of RAM (RAM
 * pages shared with the physical view both ways, the VGA hole and everything
 * past RAM inaccessible, guards below and above the 4 GiB window), page
 * states, win_protect_code / win_unprotect (read-only and back, no-ops on
 * holes and on the wrong state), win_set_watch levels over RW and code pages,
 * win_open / win_reprotect, win_guest_addr, win_set_gs and win_destroy.
 * Accessibility is probed without faulting: write(2) from a page to a pipe
 * fails with EFAULT if it is unreadable, read(2) from a pipe into a page fails
 * with EFAULT if it is not writable. */
#include <asm/prctl.h>
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/window.h"
#include "monitor/machine.h"

#define RAM (64ull << 20)
#define PG(a) ((uint32_t)((a) >> 12))

static struct machine M;
static struct win W;
static int P[2];

static void setup(void)
{
	char err[256] = "";
	ck_assert_msg(machine_init(&M, &(struct machine_config){ .ram_size = RAM }, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(win_init(&W, &M.mem, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pipe(P), 0);
}

static void teardown(void)
{
	close(P[0]);
	close(P[1]);
	win_destroy(&W);
	machine_destroy(&M);
}

/* Can the host read the byte at p? (the kernel copies from it, or EFAULTs) */
static bool can_read_host(const void *p)
{
	ssize_t r = write(P[1], p, 1);
	if (r == 1) {
		char c;
		ck_assert_int_eq(read(P[0], &c, 1), 1);
		return true;
	}
	ck_assert_int_eq(errno, EFAULT);
	return false;
}

/* Can the host write the byte at p? The byte keeps its value either way. */
static bool can_write_host(void *p)
{
	char c = 0;
	bool readable = can_read_host(p);
	if (readable)
		memcpy(&c, p, 1);
	ck_assert_int_eq(write(P[1], &c, 1), 1);
	ssize_t r = read(P[0], p, 1);
	if (r == 1)
		return true;
	ck_assert_int_eq(errno, EFAULT);
	char sink;
	ck_assert_int_eq(read(P[0], &sink, 1), 1);   /* drain */
	return false;
}

static bool can_read(uint64_t ga)
{
	return can_read_host(W.base + ga);
}

static bool can_write(uint64_t ga)
{
	return can_write_host(W.base + ga);
}

START_TEST(layout)
{
	ck_assert_ptr_nonnull(W.reserve);
	ck_assert_ptr_eq(W.base, W.reserve + WIN_GUARD);
	ck_assert_ptr_eq(W.gm, &M.mem);
	ck_assert_ptr_nonnull(W.page);
	ck_assert_ptr_nonnull(W.watch);
}
END_TEST

START_TEST(ram_shared_both_ways)
{
	static const char msg[] = "hello, window";
	ck_assert_int_eq(gmem_write(&M.mem, 0x100000, msg, sizeof msg), 0);
	ck_assert_mem_eq(W.base + 0x100000, msg, sizeof msg);
	W.base[0x2000] = 0x5a;
	ck_assert_uint_eq(M.mem.phys[0x2000], 0x5a);
	W.base[RAM - 1] = 0x6b;
	ck_assert_uint_eq(M.mem.phys[RAM - 1], 0x6b);
	W.base[GMEM_VGA_END] = 0x7c;
	ck_assert_uint_eq(M.mem.phys[GMEM_VGA_END], 0x7c);
	W.base[0] = 0x11;
	ck_assert_uint_eq(M.mem.phys[0], 0x11);
}
END_TEST

START_TEST(page_states)
{
	ck_assert_int_eq(win_page_state(&W, 0), WIN_PAGE_RW);
	ck_assert_int_eq(win_page_state(&W, PG(GMEM_VGA_BASE) - 1), WIN_PAGE_RW);
	ck_assert_int_eq(win_page_state(&W, PG(GMEM_VGA_BASE)), WIN_PAGE_HOLE);
	ck_assert_int_eq(win_page_state(&W, PG(0xb8000)), WIN_PAGE_HOLE);
	ck_assert_int_eq(win_page_state(&W, PG(GMEM_VGA_END) - 1), WIN_PAGE_HOLE);
	ck_assert_int_eq(win_page_state(&W, PG(GMEM_VGA_END)), WIN_PAGE_RW);
	ck_assert_int_eq(win_page_state(&W, PG(RAM) - 1), WIN_PAGE_RW);
	ck_assert_int_eq(win_page_state(&W, PG(RAM)), WIN_PAGE_HOLE);
	ck_assert_int_eq(win_page_state(&W, PG(0xfee00000u)), WIN_PAGE_HOLE);
	ck_assert_int_eq(win_page_state(&W, (uint32_t)WIN_PAGES - 1), WIN_PAGE_HOLE);
	/* count: every RAM page outside the hole, nothing else */
	uint64_t rw = 0;
	for (uint64_t p = 0; p < WIN_PAGES; p++)
		rw += win_page_state(&W, (uint32_t)p) == WIN_PAGE_RW;
	ck_assert_uint_eq(rw, PG(RAM) - PG(GMEM_VGA_END - GMEM_VGA_BASE));
}
END_TEST

START_TEST(holes_inaccessible)
{
	ck_assert(can_read(0));
	ck_assert(can_write(0));
	ck_assert(can_read(GMEM_VGA_BASE - 1));
	ck_assert(can_write(GMEM_VGA_BASE - 1));
	ck_assert(!can_read(GMEM_VGA_BASE));
	ck_assert(!can_write(GMEM_VGA_BASE));
	ck_assert(!can_read(0xb8000));
	ck_assert(!can_read(GMEM_VGA_END - 1));
	ck_assert(can_read(GMEM_VGA_END));
	ck_assert(can_write(GMEM_VGA_END));
	ck_assert(can_read(RAM - 1));
	ck_assert(can_write(RAM - 1));
	ck_assert(!can_read(RAM));
	ck_assert(!can_write(RAM));
	ck_assert(!can_read(0x80000000u));
	ck_assert(!can_read(0xfee00000u));
	ck_assert(!can_read(0xffffffffu));
}
END_TEST

START_TEST(guards)
{
	ck_assert(!can_read_host(W.base - 1));
	ck_assert(!can_read_host(W.base - 4096));
	ck_assert(!can_read_host(W.base - (1ull << 32)));
	ck_assert(!can_read_host(W.reserve));
	ck_assert(!can_read_host(W.base + WIN_SIZE));
	ck_assert(!can_read_host(W.base + WIN_SIZE + (8ull << 30)));
	ck_assert(!can_read_host(W.base + WIN_SIZE + WIN_GUARD - 1));
	ck_assert(!can_write_host(W.base - 1));
	ck_assert(!can_write_host(W.base + WIN_SIZE));
}
END_TEST

START_TEST(protect_code)
{
	const uint32_t p = PG(0x100000);
	W.base[0x100010] = 0x42;
	win_protect_code(&W, p);
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_CODE);
	ck_assert(can_read(0x100000));
	ck_assert(!can_write(0x100000));
	ck_assert(!can_write(0x100fff));
	ck_assert_uint_eq(W.base[0x100010], 0x42);
	/* neighbours unaffected */
	ck_assert(can_write(0x0fffff));
	ck_assert(can_write(0x101000));
	/* the physical view stays writable, and the window sees the change */
	M.mem.phys[0x100010] = 0x43;
	ck_assert_uint_eq(W.base[0x100010], 0x43);
	/* protecting again is harmless */
	win_protect_code(&W, p);
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_CODE);
	win_unprotect(&W, p);
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_RW);
	ck_assert(can_write(0x100000));
	/* unprotecting an RW page is a no-op */
	win_unprotect(&W, p);
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_RW);
	ck_assert(can_write(0x100000));
}
END_TEST

START_TEST(protect_hole_is_noop)
{
	const uint32_t p = PG(0xb8000), q = PG(RAM);
	win_protect_code(&W, p);
	win_protect_code(&W, q);
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_HOLE);
	ck_assert_int_eq(win_page_state(&W, q), WIN_PAGE_HOLE);
	ck_assert(!can_read(0xb8000));
	ck_assert(!can_read(RAM));
	win_unprotect(&W, p);
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_HOLE);
	ck_assert(!can_read(0xb8000));
}
END_TEST

START_TEST(watch_levels)
{
	const uint32_t p = PG(0x200000);
	win_set_watch(&W, p, WIN_WATCH_WRITE);
	ck_assert(can_read(0x200000));
	ck_assert(!can_write(0x200000));
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_RW);   /* the page state is separate */
	win_set_watch(&W, p, WIN_WATCH_ALL);
	ck_assert(!can_read(0x200000));
	ck_assert(!can_write(0x200800));
	win_set_watch(&W, p, WIN_WATCH_NONE);
	ck_assert(can_read(0x200000));
	ck_assert(can_write(0x200000));
	ck_assert(can_write(0x201000));
}
END_TEST

START_TEST(watch_over_code)
{
	const uint32_t p = PG(0x300000);
	win_protect_code(&W, p);
	win_set_watch(&W, p, WIN_WATCH_ALL);
	ck_assert(!can_read(0x300000));
	/* unprotecting code under an access watch keeps it inaccessible */
	win_unprotect(&W, p);
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_RW);
	ck_assert(!can_read(0x300000));
	win_protect_code(&W, p);
	/* dropping the watch leaves the code protection */
	win_set_watch(&W, p, WIN_WATCH_NONE);
	ck_assert(can_read(0x300000));
	ck_assert(!can_write(0x300000));
	/* a write watch on code: still read-only; dropping code keeps the watch */
	win_set_watch(&W, p, WIN_WATCH_WRITE);
	win_unprotect(&W, p);
	ck_assert(can_read(0x300000));
	ck_assert(!can_write(0x300000));
	win_set_watch(&W, p, WIN_WATCH_NONE);
	ck_assert(can_write(0x300000));
}
END_TEST

START_TEST(watch_on_hole_stays_hole)
{
	const uint32_t p = PG(0xa0000);
	win_set_watch(&W, p, WIN_WATCH_WRITE);
	ck_assert(!can_read(0xa0000));
	win_set_watch(&W, p, WIN_WATCH_NONE);
	ck_assert(!can_read(0xa0000));
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_HOLE);
}
END_TEST

START_TEST(open_and_reprotect)
{
	const uint32_t p = PG(0x400000), q = PG(0x500000);
	win_protect_code(&W, p);
	win_open(&W, p);
	ck_assert(can_write(0x400000));   /* one instruction may write */
	ck_assert_int_eq(win_page_state(&W, p), WIN_PAGE_CODE);
	win_reprotect(&W, p);
	ck_assert(!can_write(0x400000));
	ck_assert(can_read(0x400000));
	/* an access-watched page opens fully and goes back to none */
	win_set_watch(&W, q, WIN_WATCH_ALL);
	win_open(&W, q);
	ck_assert(can_read(0x500000));
	ck_assert(can_write(0x500000));
	win_reprotect(&W, q);
	ck_assert(!can_read(0x500000));
	/* a hole does not open */
	win_open(&W, PG(0xa0000));
	ck_assert(!can_read(0xa0000));
	win_reprotect(&W, PG(0xa0000));
	ck_assert(!can_read(0xa0000));
	/* reprotecting a plain RW page keeps it RW */
	win_reprotect(&W, PG(0x600000));
	ck_assert(can_write(0x600000));
}
END_TEST

START_TEST(guest_addr)
{
	ck_assert_int_eq(win_guest_addr(&W, W.base), 0);
	ck_assert_int_eq(win_guest_addr(&W, W.base + 0x1234), 0x1234);
	ck_assert_int_eq(win_guest_addr(&W, W.base + 0xb8000), 0xb8000);
	ck_assert_int_eq(win_guest_addr(&W, W.base + WIN_SIZE - 1), 0xffffffffll);
	ck_assert_int_eq(win_guest_addr(&W, W.base + WIN_SIZE), -1);
	ck_assert_int_eq(win_guest_addr(&W, W.base - 1), -1);
	ck_assert_int_eq(win_guest_addr(&W, W.reserve), -1);
	ck_assert_int_eq(win_guest_addr(&W, NULL), -1);
	ck_assert_int_eq(win_guest_addr(&W, &W), -1);
	ck_assert_int_eq(win_guest_addr(&W, M.mem.phys), -1);   /* the physical view is elsewhere */
}
END_TEST

START_TEST(set_gs)
{
	ck_assert_int_eq(win_set_gs(&W), 0);
	unsigned long gs = 0;
	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	ck_assert_ptr_eq((void *)gs, W.base);
	/* gs:[addr] reads guest memory */
	M.mem.phys[0x123456] = 0x99;
	uint8_t v;
	__asm__ volatile("movb %%gs:(%1), %0" : "=q"(v) : "r"((uint64_t)0x123456) : "memory");
	ck_assert_uint_eq(v, 0x99);
}
END_TEST

START_TEST(small_ram_and_destroy)
{
	struct machine m2;
	struct win w2;
	char err[256] = "";
	ck_assert_msg(machine_init(&m2, &(struct machine_config){ .ram_size = GMEM_MIN_SIZE }, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_msg(win_init(&w2, &m2.mem, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(win_page_state(&w2, PG(GMEM_MIN_SIZE) - 1), WIN_PAGE_RW);
	ck_assert_int_eq(win_page_state(&w2, PG(GMEM_MIN_SIZE)), WIN_PAGE_HOLE);
	ck_assert(can_read_host(w2.base + GMEM_MIN_SIZE - 1));
	ck_assert(!can_read_host(w2.base + GMEM_MIN_SIZE));
	uint8_t *base = w2.base;
	win_destroy(&w2);
	ck_assert_ptr_null(w2.reserve);
	ck_assert_ptr_null(w2.base);
	ck_assert_ptr_null(w2.page);
	ck_assert(!can_read_host(base));   /* unmapped */
	win_destroy(&w2);                  /* twice is harmless */
	machine_destroy(&m2);
}
END_TEST

static Suite *window_suite(void)
{
	Suite *s = suite_create("window");
	TCase *tc = tcase_create("window");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, layout);
	tcase_add_test(tc, ram_shared_both_ways);
	tcase_add_test(tc, page_states);
	tcase_add_test(tc, holes_inaccessible);
	tcase_add_test(tc, guards);
	tcase_add_test(tc, protect_code);
	tcase_add_test(tc, protect_hole_is_noop);
	tcase_add_test(tc, watch_levels);
	tcase_add_test(tc, watch_over_code);
	tcase_add_test(tc, watch_on_hole_stays_hole);
	tcase_add_test(tc, open_and_reprotect);
	tcase_add_test(tc, guest_addr);
	tcase_add_test(tc, set_gs);
	tcase_add_test(tc, small_ram_and_destroy);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(window_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
