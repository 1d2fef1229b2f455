/* The vCPU runner and the debugger core with the translator: breakpoints
 * (stop before the instruction, continue past it, TUs end there, nothing
 * chains into it), temporary breakpoints, watchpoints reporting old and new
 * values, read watchpoints, catches and `until` an event or an address,
 * stepping by instruction and CCF through the request interface, a stop
 * request reaching a spinning guest, stop listeners, and the status
 * accessors (runner_stop_count, runner_status: before any stop, while
 * running, inside a listener, after the guest ends). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/runner.h"
#include "monitor/machine.h"

#define CODE 0x100000u
#define VAR  0x200000u

static struct machine m;
static struct engine *e;
static struct runner r;
static atomic_int heard;

static void console(void *opaque, uint8_t b)
{
	(void)opaque;
	(void)b;
}

static void listener(void *ctx, const struct stop_info *s)
{
	(void)ctx;
	(void)s;
	atomic_fetch_add(&heard, 1);
}

/* A loop that increments [VAR] 5 times with an OUT each time, then halts:
 *   0: mov ecx, 5
 *   5: loop: inc dword [VAR]      (ff 05 00 00 20 00)
 *  11: mov al, 'x'; out 0x80, al (a port nobody claims: a callout)
 *  15: dec ecx
 *  16: jnz loop
 *  18: mov eax, [VAR]
 *  23: cli; hlt                                                  */
static const uint8_t prog[] = {
	0xb9, 0x05, 0, 0, 0,
	0xff, 0x05, 0x00, 0x00, 0x20, 0x00,
	0xb0, 'x', 0xe6, 0x80,
	0x49,
	0x75, 0xf3,
	0xa1, 0x00, 0x00, 0x20, 0x00,
	0xfa, 0xf4,
};

static void setup(void)
{
	char err[256];
	int unavailable;
	struct machine_config cfg = { .ram_size = 64u << 20, .console_out = console };
	ck_assert(machine_init(&m, &cfg, err, sizeof err) == 0);
	struct mb_boot b = { .entry = CODE };
	mb_boot_state(&b, &m.boot_state);
	m.boot_state.gpr[R_ESP] = 0x90000;
	gmem_write(&m.mem, CODE, prog, sizeof prog);
	uint32_t zero = 0;
	gmem_write(&m.mem, VAR, &zero, 4);
	ck_assert(engine_bt_ops.create(&m, &e, &unavailable, err, sizeof err) == 0);
	ck_assert_msg(runner_start(&r, e, &m, err, sizeof err) == 0, "%s", err);
	atomic_store(&heard, 0);
	runner_listen(&r, listener, NULL);
}

static void teardown(void)
{
	runner_destroy(&r);
	e->ops->destroy(e);
	machine_destroy(&m);
}

static void sync_debug(void *arg)
{
	(void)arg;
	e->ops->debug_sync(e);
}

static struct stop_info go(enum runner_kind kind, uint64_t count, uint32_t addr)
{
	ck_assert(runner_resume(&r, &(struct runner_req){ .kind = kind, .count = count, .addr = addr }) == 0);
	return runner_wait(&r);
}

START_TEST(breakpoint_stops_and_continues)
{
	int id = dbg_break_add(&m.debug, CODE + 11, false, false);
	ck_assert_int_gt(id, 0);
	ck_assert(runner_call(&r, sync_debug, NULL) == 0);
	for (int i = 0; i < 5; i++) {
		struct stop_info s = go(RQ_CONT, 0, 0);
		ck_assert_msg(s.reason == STOP_BREAK, "%d: %s", i, s.msg);
		ck_assert_uint_eq(s.eip, CODE + 11);
		ck_assert_int_eq(s.bp_id, id);
		uint32_t v;
		gmem_read(&m.mem, VAR, &v, 4);
		ck_assert_uint_eq(v, (uint32_t)i + 1);   /* stopped before the OUT of round i */
	}
	struct stop_info s = go(RQ_CONT, 0, 0);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_int_eq(runner_state(&r), RUNNER_EXITED);
	ck_assert_int_eq(atomic_load(&heard), 6);
	ck_assert_int_lt(runner_resume(&r, &(struct runner_req){ .kind = RQ_CONT }), 0);
	char buf[512];
	dbg_describe(&m.debug, buf, sizeof buf);
	ck_assert_msg(strstr(buf, "breakpoint") && strstr(buf, "0x0010000b   5"), "%s", buf);
}
END_TEST

START_TEST(tbreak_and_delete)
{
	dbg_break_add(&m.debug, CODE + 15, true, false);
	int id2 = dbg_break_add(&m.debug, CODE + 18, false, false);
	runner_call(&r, sync_debug, NULL);
	struct stop_info s = go(RQ_CONT, 0, 0);
	ck_assert_uint_eq(s.eip, CODE + 15);
	s = go(RQ_CONT, 0, 0);   /* the temporary one is gone: on to the next */
	ck_assert_uint_eq(s.eip, CODE + 18);
	ck_assert_int_eq(dbg_delete(&m.debug, id2), 0);
	ck_assert_int_lt(dbg_delete(&m.debug, id2), 0);
	runner_call(&r, sync_debug, NULL);
	s = go(RQ_CONT, 0, 0);
	ck_assert_int_eq(s.reason, STOP_HALT);
}
END_TEST

START_TEST(watch_reports_old_and_new)
{
	int id = dbg_watch_add(&m.debug, VAR, 4, WP_WRITE, 0);
	runner_call(&r, sync_debug, NULL);
	struct stop_info s = go(RQ_CONT, 0, 0);
	ck_assert_msg(s.reason == STOP_BREAK, "%s", s.msg);
	ck_assert_int_eq(s.bp_id, id);
	ck_assert_int_eq(s.watch_kind, WP_WRITE);
	ck_assert_uint_eq(s.watch_addr, VAR);
	ck_assert_uint_eq(s.watch_old, 0);
	ck_assert_uint_eq(s.watch_new, 1);
	ck_assert_uint_eq(s.eip, CODE + 11);   /* after the writing instruction */
	ck_assert_msg(strstr(s.msg, "0x0 -> 0x1"), "%s", s.msg);
	s = go(RQ_CONT, 0, 0);
	ck_assert_uint_eq(s.watch_old, 1);
	ck_assert_uint_eq(s.watch_new, 2);
	dbg_delete(&m.debug, id);
	runner_call(&r, sync_debug, NULL);
	s = go(RQ_CONT, 0, 0);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(r.snap.gpr[R_EAX], 5);
}
END_TEST

START_TEST(read_watch)
{
	dbg_watch_add(&m.debug, VAR, 4, WP_READ, 0);
	runner_call(&r, sync_debug, NULL);
	struct stop_info s = go(RQ_CONT, 0, 0);
	/* inc reads and writes: an rwatch stops at the first read */
	ck_assert_msg(s.reason == STOP_BREAK && s.watch_kind == WP_READ, "%s", s.msg);
	ck_assert_uint_eq(s.eip, CODE + 11);
}
END_TEST

START_TEST(until_event_and_address)
{
	struct stop_info s = go(RQ_UNTIL_EVENT, 0, 0);   /* kind 0 = translate */
	ck_assert_msg(s.reason == STOP_BREAK && strstr(s.msg, "translate"), "%s", s.msg);
	ck_assert(runner_resume(&r, &(struct runner_req){ .kind = RQ_UNTIL_EVENT, .ev = EV_CALLOUT }) == 0);
	s = runner_wait(&r);
	ck_assert_msg(s.reason == STOP_BREAK && strstr(s.msg, "callout"), "%s", s.msg);
	s = go(RQ_UNTIL_ADDR, 0, CODE + 18);
	ck_assert_int_eq(s.reason, STOP_BREAK);
	ck_assert_uint_eq(s.eip, CODE + 18);
	ck_assert_msg(strstr(s.msg, "reached"), "%s", s.msg);
	ck_assert(!dbg_is_break(&m.debug, CODE + 18));   /* the internal breakpoint is gone */
}
END_TEST

START_TEST(steps_through_the_runner)
{
	struct stop_info s = go(RQ_STEP_INSN, 2, 0);
	ck_assert_int_eq(s.reason, STOP_STEP);
	ck_assert_uint_eq(s.eip, CODE + 11);
	s = go(RQ_STEP_CCF, 1, 0);
	ck_assert_int_eq(s.reason, STOP_STEP);
	ck_assert_uint_eq(s.eip, CODE + 5);   /* the rest of the loop body, then the jnz back */
	struct vcpu_state st;
	runner_snapshot(&r, &st, NULL);
	ck_assert_uint_eq(st.gpr[R_ECX], 4);
	st.gpr[R_ECX] = 1;   /* one round left */
	ck_assert(runner_set_state(&r, &st) == 0);
	s = go(RQ_CONT, 0, 0);
	ck_assert_int_eq(s.reason, STOP_HALT);
	runner_snapshot(&r, &st, NULL);
	ck_assert_uint_eq(st.gpr[R_EAX], 2);
}
END_TEST

START_TEST(stop_a_spinning_guest)
{
	static const uint8_t spin[] = { 0xeb, 0xfe };   /* jmp . */
	gmem_write(&m.mem, CODE, spin, sizeof spin);
	runner_call(&r, sync_debug, NULL);
	e->ops->invalidate(e, CODE, sizeof spin);
	ck_assert(runner_resume(&r, &(struct runner_req){ .kind = RQ_CONT }) == 0);
	struct stop_info s;
	ck_assert(!runner_wait_for(&r, 50, &s));   /* still running */
	ck_assert_int_eq(runner_state(&r), RUNNER_RUNNING);
	ck_assert_int_lt(runner_call(&r, sync_debug, NULL), 0);   /* not while running */
	runner_stop(&r);
	ck_assert(runner_wait_for(&r, 2000, &s));
	ck_assert_int_eq(s.reason, STOP_REQUEST);
	ck_assert_uint_eq(s.eip, CODE);
}
END_TEST

/* Two front ends calling onto the vCPU thread at once (the TUI quitting
 * while gdb detaches): each call runs, and each caller gets its own. */
static atomic_int calls_run;

static void count_call(void *arg)
{
	(void)arg;
	atomic_fetch_add(&calls_run, 1);
}

static void *caller(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(runner_call(&r, count_call, NULL), 0);
	return NULL;
}

START_TEST(concurrent_calls)
{
	pthread_t a, b;
	atomic_store(&calls_run, 0);
	ck_assert_int_eq(pthread_create(&a, NULL, caller, NULL), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, caller, NULL), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	ck_assert_int_eq(atomic_load(&calls_run), 4000);
}
END_TEST

/* What a listener sees of the runner while it is told of a stop. */
static struct runner_status in_listener;
static uint64_t count_in_listener;

static void status_listener(void *ctx, const struct stop_info *s)
{
	(void)ctx;
	(void)s;
	count_in_listener = runner_stop_count(&r);
	runner_status(&r, &in_listener);
}

START_TEST(status_accessors)
{
	struct runner_status st;
	runner_status(&r, &st);
	ck_assert_int_eq(st.state, RUNNER_STOPPED);
	ck_assert_uint_eq(st.stops, 0);
	ck_assert_uint_eq(runner_stop_count(&r), 0);
	ck_assert(!st.notifying);
	ck_assert_int_eq(st.last.reason, STOP_NONE);
	ck_assert_uint_eq(st.last.eip, CODE);

	ck_assert_int_eq(runner_listen(&r, status_listener, NULL), 0);
	struct stop_info s = go(RQ_STEP_INSN, 1, 0);
	ck_assert_int_eq(s.reason, STOP_STEP);
	/* the listener runs after the count and before waiters wake */
	ck_assert_uint_eq(count_in_listener, 1);
	ck_assert_uint_eq(in_listener.stops, 1);
	ck_assert(in_listener.notifying);
	ck_assert_int_eq(in_listener.state, RUNNER_STOPPED);
	ck_assert_int_eq(in_listener.last.reason, STOP_STEP);
	runner_status(&r, &st);
	ck_assert(!st.notifying);
	ck_assert_uint_eq(st.stops, 1);
	ck_assert_uint_eq(st.last.eip, CODE + 5);
	runner_unlisten(&r, status_listener, NULL);

	s = go(RQ_CONT, 0, 0);
	ck_assert_int_eq(s.reason, STOP_HALT);
	runner_status(&r, &st);
	ck_assert_int_eq(st.state, RUNNER_EXITED);
	ck_assert_uint_eq(st.stops, 2);
	ck_assert_uint_eq(runner_stop_count(&r), 2);
	ck_assert_int_eq(st.last.reason, STOP_HALT);
	ck_assert_uint_eq(count_in_listener, 1);   /* unlistened: not told again */
}
END_TEST

START_TEST(status_while_running)
{
	static const uint8_t spin[] = { 0xeb, 0xfe };   /* jmp . */
	gmem_write(&m.mem, CODE, spin, sizeof spin);
	e->ops->invalidate(e, CODE, sizeof spin);
	ck_assert(runner_resume(&r, &(struct runner_req){ .kind = RQ_CONT }) == 0);
	struct runner_status st;
	runner_status(&r, &st);
	ck_assert_int_eq(st.state, RUNNER_RUNNING);
	ck_assert_uint_eq(st.stops, 0);
	runner_stop(&r);
	runner_wait(&r);
	runner_status(&r, &st);
	ck_assert_int_eq(st.state, RUNNER_STOPPED);
	ck_assert_uint_eq(st.stops, 1);
	ck_assert_int_eq(st.last.reason, STOP_REQUEST);
}
END_TEST

static Suite *runner_suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("debug");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, breakpoint_stops_and_continues);
	tcase_add_test(tc, tbreak_and_delete);
	tcase_add_test(tc, watch_reports_old_and_new);
	tcase_add_test(tc, read_watch);
	tcase_add_test(tc, until_event_and_address);
	tcase_add_test(tc, steps_through_the_runner);
	tcase_add_test(tc, stop_a_spinning_guest);
	tcase_add_test(tc, concurrent_calls);
	tcase_add_test(tc, status_accessors);
	tcase_add_test(tc, status_while_running);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(runner_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
