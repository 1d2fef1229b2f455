/* Unit tests for the machine reset path: machine_reboot (devices at power-on,
 * the kernel loaded again, boot state anew, other RAM kept) and
 * engine_reboot with the runner carrying on through guest resets (a run
 * goes on, a step stops at the entry, the reset hook is told, --no-reboot
 * makes it final, an image that cannot be read again is a final error). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/runner.h"
#include "monitor/i8042.h"
#include "monitor/machine.h"
#include "elfgen.h"

#define COUNTER 0x8000u

/*   inc dword [0x8000]; cmp dword [0x8000], 3; je done
 *   mov al, 0xfe; out 0x64, al        (the 8042's reset pulse)
 *   done: cli; hlt                                              */
static const uint8_t prog[] = {
	0xff, 0x05, 0x00, 0x80, 0x00, 0x00,
	0x83, 0x3d, 0x00, 0x80, 0x00, 0x00, 0x03,
	0x74, 0x04,
	0xb0, 0xfe, 0xe6, 0x64,
	0xfa, 0xf4,
};

static struct machine m;
static struct engine *e;
static struct runner r;
static char path[256];
static int resets_heard;
static char reset_msg[256];

static void reset_hook(void *ctx, const struct stop_info *s)
{
	ck_assert_ptr_eq(ctx, &m);
	resets_heard++;
	snprintf(reset_msg, sizeof reset_msg, "%s", s->msg);
}

static void setup(void)
{
	char err[256];
	int unavailable;
	struct eg_spec spec;
	size_t len;
	eg_simple(&spec, prog, sizeof prog);
	uint8_t *img = eg_build(&spec, &len);
	ck_assert_int_eq(eg_write_temp(img, len, path, sizeof path), 0);
	free(img);
	ck_assert(machine_init(&m, &(struct machine_config){ .ram_size = 16u << 20 }, err, sizeof err) == 0);
	ck_assert_msg(machine_load(&m, path, "x=1", err, sizeof err) == 0, "%s", err);
	ck_assert(engine_bt_ops.create(&m, &e, &unavailable, err, sizeof err) == 0);
	ck_assert_msg(runner_start(&r, e, &m, err, sizeof err) == 0, "%s", err);
	runner_on_reset(&r, reset_hook, &m);
	resets_heard = 0;
	reset_msg[0] = 0;
}

static void teardown(void)
{
	runner_destroy(&r);
	e->ops->destroy(e);
	machine_destroy(&m);
	unlink(path);
}

static uint32_t counter(void)
{
	uint32_t v = 0;
	gmem_read(&m.mem, COUNTER, &v, 4);
	return v;
}

static struct stop_info go(enum runner_kind kind, uint64_t count)
{
	ck_assert(runner_resume(&r, &(struct runner_req){ .kind = kind, .count = count }) == 0);
	return runner_wait(&r);
}

START_TEST(run_goes_on_through_resets)
{
	struct stop_info s = go(RQ_CONT, 0);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(counter(), 3);   /* three boots: RAM outside the image kept */
	ck_assert_int_eq(resets_heard, 2);
	ck_assert_uint_eq(r.resets, 2);
	ck_assert_ptr_nonnull(strstr(reset_msg, "guest reset the machine (8042 reset line)"));
}
END_TEST

START_TEST(step_stops_at_the_entry)
{
	struct stop_info s = go(RQ_STEP_INSN, 100);
	ck_assert_int_eq(s.reason, STOP_RESET);
	ck_assert_uint_eq(s.eip, EG_LOAD_ADDR);
	struct vcpu_state st;
	runner_snapshot(&r, &st, NULL);
	ck_assert_uint_eq(st.eip, EG_LOAD_ADDR);
	ck_assert_uint_eq(st.gpr[R_EAX], MB_BOOT_MAGIC);   /* the loader's boot state again */
	ck_assert_int_eq(runner_state(&r), RUNNER_STOPPED);
	ck_assert_uint_eq(counter(), 1);
	s = go(RQ_CONT, 0);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(counter(), 3);
}
END_TEST

START_TEST(no_reboot_is_final)
{
	m.no_reboot = true;
	struct stop_info s = go(RQ_CONT, 0);
	ck_assert_int_eq(s.reason, STOP_EXIT);
	ck_assert_int_eq(s.status, 0);
	ck_assert_ptr_nonnull(strstr(s.msg, "--no-reboot"));
	ck_assert_int_eq(resets_heard, 0);
	ck_assert_int_eq(runner_state(&r), RUNNER_EXITED);
}
END_TEST

START_TEST(image_gone_is_an_error)
{
	unlink(path);
	struct stop_info s = go(RQ_CONT, 0);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_ptr_nonnull(strstr(s.msg, "cannot restart"));
	ck_assert_int_eq(runner_state(&r), RUNNER_EXITED);
}
END_TEST

START_TEST(machine_reboot_reloads)
{
	char err[256];
	uint8_t junk[sizeof prog];
	memset(junk, 0xcc, sizeof junk);
	gmem_write(&m.mem, EG_LOAD_ADDR, junk, sizeof junk);
	struct i8042 *k = machine_device(&m, "i8042");
	uint8_t v = 0xAD;   /* keyboard interface off: the command byte changes */
	machine_pio(&m, 0, 0x64, &v, 1, true);
	ck_assert_uint_ne(i8042_cmdbyte(k), I8042_CB_RESET);
	m.boot_state.eip = 0;
	ck_assert_int_eq(machine_reboot(&m, err, sizeof err), 0);
	uint8_t back[sizeof prog];
	gmem_read(&m.mem, EG_LOAD_ADDR, back, sizeof back);
	ck_assert_mem_eq(back, prog, sizeof prog);
	ck_assert_uint_eq(m.boot_state.eip, EG_LOAD_ADDR);
	ck_assert_uint_eq(i8042_cmdbyte(k), I8042_CB_RESET);
	ck_assert_str_eq(m.image_args, "x=1");
	/* Nothing loaded: nothing to reboot. */
	static struct machine empty;
	ck_assert(machine_init(&empty, &(struct machine_config){ .ram_size = 4u << 20 }, err, sizeof err) == 0);
	ck_assert_int_eq(machine_reboot(&empty, err, sizeof err), -1);
	ck_assert_str_eq(err, "no guest was loaded");
	machine_destroy(&empty);
}
END_TEST

static Suite *reboot_suite(void)
{
	Suite *s = suite_create("reboot");
	TCase *tc = tcase_create("reboot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, run_goes_on_through_resets);
	tcase_add_test(tc, step_stops_at_the_entry);
	tcase_add_test(tc, no_reboot_is_final);
	tcase_add_test(tc, image_gone_is_an_error);
	tcase_add_test(tc, machine_reboot_reloads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reboot_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
