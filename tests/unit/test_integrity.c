/* The bt engine's host-integrity check (engine/bt_integrity.c): a clean run
 * passes, and each kind of damage a guest escape could do is caught and
 * named: a canary page written, the miss stub or a lookup table changed, a
 * glue pointer in the context, the GS base, the FS base (changed for real
 * on a thread of its own, pointed at another thread's TLS so the C library
 * keeps working), the signal mask; a violation at a stop or at destroy
 * exits with status 4. */
#include <asm/prctl.h>
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/bt.h"
#include "monitor/machine.h"

#define CODE 0x100000u

static struct machine m;
static struct engine *e;
static struct bt_engine *be;

static void setup(void)
{
	char err[256];
	int unavailable;
	struct machine_config cfg = { .ram_size = 16u << 20 };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	struct mb_boot b = { .entry = CODE, .mbi = 0 };
	struct vcpu_state st;
	mb_boot_state(&b, &st);
	st.gpr[R_ESP] = 0x90000;
	m.boot_state = st;
	ck_assert_msg(engine_bt_ops.create(&m, &e, &unavailable, err, sizeof err) == 0, "%s", err);
	be = (struct bt_engine *)e;
	ck_assert_msg(e->ops->configure(e, "check-host", "1", err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	be->integrity.on = false;   /* a test may have left damage: no verdict at destroy */
	e->ops->destroy(e);
	machine_destroy(&m);
}

/* A guest that exits at once: one run, one stop. */
static void run_guest(void)
{
	static const uint8_t code[] = {
		0xb8, 3, 0, 0, 0,             /* mov eax, 3 */
		0xe7, 0xf4,                   /* out 0xf4, eax: the exit */
	};
	ck_assert(gmem_write(&m.mem, CODE, code, sizeof code) == 0);
	e->ops->invalidate(e, CODE, sizeof code);
	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_int_eq(s.reason, STOP_EXIT);
}

START_TEST(clean_run_passes)
{
	run_guest();
	ck_assert_ptr_null(bt_integrity_check(be, true));
	ck_assert(be->integrity.have_thread);
	ck_assert_ptr_nonnull(be->integrity.canary[0]);
	ck_assert_ptr_nonnull(be->integrity.canary[1]);
	printf("canaries: below %s, above %s\n", be->integrity.canary_in_guard[0] ? "in the guard" : "outside",
	       be->integrity.canary_in_guard[1] ? "in the guard" : "outside");
}
END_TEST

START_TEST(canaries_are_checked)
{
	run_guest();
	for (int i = 0; i < 2; i++) {
		uint8_t *p = be->integrity.canary[i] + 1000;
		uint8_t was = *p;
		*p ^= 1;
		const char *what = bt_integrity_check(be, true);
		ck_assert_ptr_nonnull(what);
		ck_assert_str_eq(what, i == 0 ? "canary below the window" : "canary above the window");
		*p = was;
		ck_assert_ptr_null(bt_integrity_check(be, true));
	}
}
END_TEST

START_TEST(tc_bytes_are_checked)
{
	run_guest();
	uint8_t was = be->tc.code[3];
	be->tc.code[3] ^= 0x40;
	ck_assert_str_eq(bt_integrity_check(be, true), "TC miss stub");
	be->tc.code[3] = was;

	be->tc.lookup_empty[77].host += 8;
	ck_assert_str_eq(bt_integrity_check(be, true), "TC all-miss lookup table");
	be->tc.lookup_empty[77].host -= 8;

	uint64_t h = be->tc.lookup[5].host;
	be->tc.lookup[5].host = 0x4141414141ull;
	ck_assert_str_eq(bt_integrity_check(be, true), "TC lookup table");
	be->tc.lookup[5].host = h;

	be->tc.code[be->tc.size - 10] = 0xcc;
	ck_assert_str_eq(bt_integrity_check(be, true), "TC tail");
	be->tc.code[be->tc.size - 10] = 0;

	be->ctx->leave_ptr += 1;
	ck_assert_str_eq(bt_integrity_check(be, true), "context glue pointer");
	be->ctx->leave_ptr -= 1;
	ck_assert_ptr_null(bt_integrity_check(be, true));
}
END_TEST

START_TEST(gs_base_and_signal_mask_are_checked)
{
	run_guest();
	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)0x12345000), 0);
	ck_assert_str_eq(bt_integrity_check(be, true), "GS base");
	win_set_gs(&be->win);
	ck_assert_ptr_null(bt_integrity_check(be, true));

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	const char *what = bt_integrity_check(be, true);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	ck_assert_ptr_nonnull(what);
	ck_assert_str_eq(what, "signal mask");
	ck_assert_ptr_null(bt_integrity_check(be, true));
}
END_TEST

/* The vCPU thread: run the guest, then point its FS base at the main
 * thread's TCB (valid TLS, so the check's own C library calls still work,
 * while main waits in pthread_join) and check; put it back. */
struct fs_job { unsigned long main_fs; const char *what, *after; };

static void *fs_thread(void *opaque)
{
	struct fs_job *j = opaque;
	run_guest();
	unsigned long mine = 0;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &mine);
	syscall(SYS_arch_prctl, ARCH_SET_FS, j->main_fs);
	j->what = bt_integrity_check(be, true);
	syscall(SYS_arch_prctl, ARCH_SET_FS, mine);
	j->after = bt_integrity_check(be, true);
	return NULL;
}

START_TEST(fs_base_is_checked)
{
	struct fs_job j = { 0 };
	syscall(SYS_arch_prctl, ARCH_GET_FS, &j.main_fs);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, fs_thread, &j), 0);
	pthread_join(t, NULL);
	ck_assert_ptr_nonnull(j.what);
	ck_assert_str_eq(j.what, "FS base");
	ck_assert_ptr_null(j.after);
}
END_TEST

/* A violation at a stop ends the process with status 4 (and one line). */
START_TEST(violation_exits_4)
{
	run_guest();
	be->integrity.canary[1][0] ^= 0xff;
	bt_integrity_stop(be);
	ck_abort_msg("bt_integrity_stop returned after a violation");
}
END_TEST

/* So does a violation found at destroy; a clean destroy returns. */
START_TEST(destroy_checks_too)
{
	run_guest();
	be->ctx->win_neg += 4096;
	bt_integrity_fini(be);
	ck_abort_msg("bt_integrity_fini returned after a violation");
}
END_TEST

static Suite *integrity_suite(void)
{
	Suite *s = suite_create("integrity");
	TCase *tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, clean_run_passes);
	tcase_add_test(tc, canaries_are_checked);
	tcase_add_test(tc, tc_bytes_are_checked);
	tcase_add_test(tc, gs_base_and_signal_mask_are_checked);
	tcase_add_test(tc, fs_base_is_checked);
	tcase_add_exit_test(tc, violation_exits_4, 4);
	tcase_add_exit_test(tc, destroy_checks_too, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(integrity_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
