/* Unit tests for monitor/disk, the raw image backend: sizes (whole sectors,
 * the tail of an odd-sized image ignored), the refusals (missing file,
 * directory, empty image, a locked image) with one line naming the file,
 * reads and writes by sector run reaching the file, ERANGE past the end,
 * EROFS for a readonly image, flush and close. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/disk.h"

static char dir[64], path[128];
static char err[512];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/bt86-test-disk.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/d.img", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static void mkfile(size_t bytes)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < bytes; i++)
		fputc((int)(i / 512) & 0xff, f);
	fclose(f);
}

static void expect_refused(const char *p, bool ro, const char *why)
{
	struct disk d;
	err[0] = 0;
	ck_assert_int_eq(disk_open(&d, p, ro, err, sizeof err), -1);
	ck_assert_msg(strstr(err, p) && strstr(err, why), "'%s' lacks '%s' or '%s'", err, p, why);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(d.fd, -1);
}

START_TEST(sizes_and_tail)
{
	struct disk d;
	mkfile(3 * 512 + 100);
	ck_assert_msg(disk_open(&d, path, false, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(d.sectors, 3);
	uint8_t s[512];
	ck_assert_int_eq(disk_read(&d, 2, 1, s), 0);
	ck_assert_uint_eq(s[0], 2);
	errno = 0;
	ck_assert_int_eq(disk_read(&d, 3, 1, s), -1);   /* the tail is no sector */
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(disk_read(&d, 2, 2, s), -1);
	disk_close(&d);
	disk_close(&d);   /* twice is harmless */
}
END_TEST

START_TEST(refusals)
{
	expect_refused("/nonexistent/d.img", false, "No such file");
	expect_refused(dir, true, "not a regular file");
	expect_refused(dir, false, "");
	mkfile(0);
	expect_refused(path, false, "empty");
	mkfile(511);
	expect_refused(path, true, "empty");
	/* Locked: one writer at a time. */
	mkfile(1024);
	struct disk a;
	ck_assert_int_eq(disk_open(&a, path, false, err, sizeof err), 0);
	expect_refused(path, false, "in use");
	expect_refused(path, true, "in use");
	disk_close(&a);
	struct disk r1, r2;
	ck_assert_int_eq(disk_open(&r1, path, true, err, sizeof err), 0);
	ck_assert_int_eq(disk_open(&r2, path, true, err, sizeof err), 0);   /* readers share */
	disk_close(&r1);
	disk_close(&r2);
}
END_TEST

START_TEST(write_reaches_file)
{
	struct disk d;
	mkfile(8 * 512);
	ck_assert_int_eq(disk_open(&d, path, false, err, sizeof err), 0);
	uint8_t buf[3 * 512], got[3 * 512];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(disk_write(&d, 4, 3, buf), 0);
	ck_assert(d.dirty);
	ck_assert_int_eq(disk_flush(&d), 0);
	ck_assert(!d.dirty);
	FILE *f = fopen(path, "rb");
	ck_assert_int_eq(fseek(f, 4 * 512, SEEK_SET), 0);
	ck_assert_int_eq(fread(got, 1, sizeof got, f), sizeof got);
	fclose(f);
	ck_assert_mem_eq(got, buf, sizeof buf);
	ck_assert_int_eq(disk_read(&d, 4, 3, got), 0);
	ck_assert_mem_eq(got, buf, sizeof buf);
	errno = 0;
	ck_assert_int_eq(disk_write(&d, 6, 3, buf), -1);
	ck_assert_int_eq(errno, ERANGE);
	disk_close(&d);
}
END_TEST

START_TEST(readonly_refuses_writes)
{
	struct disk d;
	mkfile(2 * 512);
	ck_assert_int_eq(disk_open(&d, path, true, err, sizeof err), 0);
	uint8_t s[512] = { 0 };
	errno = 0;
	ck_assert_int_eq(disk_write(&d, 0, 1, s), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(disk_flush(&d), 0);
	ck_assert_int_eq(disk_read(&d, 1, 1, s), 0);
	ck_assert_uint_eq(s[0], 1);
	disk_close(&d);
}
END_TEST

static Suite *disk_suite(void)
{
	Suite *s = suite_create("disk");
	TCase *tc = tcase_create("disk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sizes_and_tail);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, write_reaches_file);
	tcase_add_test(tc, readonly_refuses_writes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(disk_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
