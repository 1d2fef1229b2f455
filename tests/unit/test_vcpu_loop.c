/* Unit tests for engine/vcpu_loop.c, the steps every engine's vCPU loop
 * shares, on a stand-in engine over a real machine: stop requests (and the
 * catch that asked for one), HLT (stopped there, woken by an interrupt,
 * asleep until a wake-up), breakpoints and the resume point, the stop
 * message and event, the machine's stop hook; and the engine table's
 * capabilities agreeing with the operations each engine fills in. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/vcpu_loop.h"

static struct machine m;
static char err[256];

struct fake_engine {
	struct engine base;
	struct vcpu_loop loop;
	int stop_calls;
};

static struct fake_engine fe;

static void fake_request_stop(struct engine *e)
{
	struct fake_engine *f = (struct fake_engine *)e;
	f->stop_calls++;
	vloop_request_stop(&f->loop);
}

static const struct engine_ops fake_ops = { .name = "fake", .request_stop = fake_request_stop };

static void console_out(void *opaque, uint8_t b)
{
	(void)opaque;
	(void)b;
}

static bool fake_pending(void *ctx, unsigned cpu)
{
	(void)cpu;
	return *(bool *)ctx;
}

static int fake_ack(void *ctx, unsigned cpu)
{
	(void)cpu;
	*(bool *)ctx = false;
	return 0x30;
}

static bool line;

static void setup(void)
{
	struct machine_config cfg = { .ram_size = 4u << 20, .console_out = console_out };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	memset(&fe, 0, sizeof fe);
	fe.base.ops = &fake_ops;
	fe.base.m = &m;
	vloop_init(&fe.loop, &fe.base, 0);
	line = false;
	machine_intc_add(&m, &(struct machine_intc){ "test", fake_pending, fake_ack, &line });
}

static void teardown(void)
{
	vloop_fini(&fe.loop);
	ck_assert_ptr_null(m.stop_notify);
	machine_destroy(&m);
}

START_TEST(begin_clears)
{
	struct stop_info s;
	memset(&s, 0x5a, sizeof s);
	vloop_begin(&fe.loop, 0x1000, &s);
	ck_assert_int_eq(s.reason, STOP_NONE);
	ck_assert_int_eq(s.bp_id, -1);
	ck_assert_int_eq(s.watch_kind, -1);
	ck_assert_str_eq(s.msg, "");
	ck_assert(atomic_load(&fe.loop.running));
	vloop_end(&fe.loop);
	ck_assert(!atomic_load(&fe.loop.running));
}
END_TEST

START_TEST(stop_request)
{
	struct stop_info s;
	vloop_begin(&fe.loop, 0x1000, &s);
	ck_assert(!vloop_take_request(&fe.loop, 0x1000, &s));
	fe.base.ops->request_stop(&fe.base);
	ck_assert(vloop_take_request(&fe.loop, 0x1234, &s));
	ck_assert_int_eq(s.reason, STOP_REQUEST);
	ck_assert_uint_eq(s.eip, 0x1234);
	ck_assert_str_eq(s.msg, "stopped at EIP 0x00001234");
	ck_assert(!vloop_take_request(&fe.loop, 0x1234, &s));   /* taken once */
}
END_TEST

START_TEST(catch_stops_through_the_hook)
{
	struct stop_info s;
	vloop_begin(&fe.loop, 0x1000, &s);
	ck_assert_int_gt(dbg_catch_add(&m.debug, EV_INTERRUPT, NULL, false), 0);
	machine_sync_catches(&m);
	evlog_add(&m.events, EV_INTERRUPT, 0x2000, -1, "external interrupt, vector 0x%02x", 0x20);
	ck_assert_int_eq(fe.stop_calls, 1);   /* the machine's stop hook reached the engine */
	ck_assert(vloop_take_request(&fe.loop, 0x2002, &s));
	ck_assert_int_eq(s.reason, STOP_BREAK);
	ck_assert_msg(strstr(s.msg, "caught interrupt at EIP 0x00002000"), "%s", s.msg);
}
END_TEST

static void *waker(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 50 * 1000000L };
	nanosleep(&ts, NULL);
	machine_wake(&m);
	return NULL;
}

START_TEST(halt_paths)
{
	struct stop_info s;
	vloop_begin(&fe.loop, 0x1001, &s);
	ck_assert_int_eq(vloop_halt(&fe.loop, 0x1001, &s), VLOOP_RUN);   /* not halted */
	fe.loop.halted = true;
	line = true;
	ck_assert_int_eq(vloop_halt(&fe.loop, 0x1001, &s), VLOOP_WAKE);  /* deliver it, never run on */
	line = false;
	pthread_t t;
	pthread_create(&t, NULL, waker, NULL);
	ck_assert_int_eq(vloop_halt(&fe.loop, 0x1001, &s), VLOOP_AGAIN); /* slept until the wake-up */
	pthread_join(t, NULL);
	vloop_request_stop(&fe.loop);
	ck_assert_int_eq(vloop_halt(&fe.loop, 0x1001, &s), VLOOP_STOP);
	ck_assert_int_eq(s.reason, STOP_REQUEST);
	ck_assert_str_eq(s.msg, "stopped in HLT at EIP 0x00001000");
}
END_TEST

START_TEST(breakpoints_and_resume)
{
	struct stop_info s;
	int id = dbg_break_add(&m.debug, 0x1000, false, false);
	ck_assert_int_gt(id, 0);
	vloop_begin(&fe.loop, 0x1000, &s);
	ck_assert(!vloop_breakpoint(&fe.loop, 0x1000, &s));   /* resuming from it */
	ck_assert(!vloop_breakpoint(&fe.loop, 0x1004, &s));   /* none there */
	vloop_ran(&fe.loop);
	uint64_t stops = evlog_count(&m.events, EV_STOP);
	ck_assert(vloop_breakpoint(&fe.loop, 0x1000, &s));
	ck_assert_int_eq(s.reason, STOP_BREAK);
	ck_assert_int_eq(s.bp_id, id);
	ck_assert_str_eq(s.msg, "breakpoint 1 at 0x00001000");
	ck_assert_uint_eq(evlog_count(&m.events, EV_STOP), stops + 1);
	/* an internal breakpoint (until ADDR) is no numbered breakpoint */
	dbg_break_add(&m.debug, 0x2000, true, true);
	ck_assert(vloop_breakpoint(&fe.loop, 0x2000, &s));
	ck_assert_str_eq(s.msg, "stopped at 0x00002000");
	ck_assert(!dbg_is_break(&m.debug, 0x2000));   /* temporary: gone */
}
END_TEST

START_TEST(stop_message_and_event)
{
	struct stop_info s;
	vloop_stop(&fe.loop, &s, STOP_ERROR, 0x3000, "guest %s at EIP 0x%08x", "#UD", 0x3000u);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_uint_eq(s.eip, 0x3000);
	ck_assert_str_eq(s.msg, "guest #UD at EIP 0x00003000");
	struct ev e[1];
	ck_assert_uint_eq(evlog_tail(&m.events, e, 1), 1);
	ck_assert_int_eq(e[0].kind, EV_STOP);
	ck_assert_str_eq(e[0].desc, s.msg);
}
END_TEST

/* Front ends test capabilities: each engine's must match what it fills in. */
START_TEST(engine_caps_match_ops)
{
	int n = 0;
	for (const struct engine_ops *const *p = engine_list(); *p; p++, n++) {
		const struct engine_ops *o = *p;
		bool tc = (o->caps & ENGINE_CAP_TC) != 0;
		ck_assert_msg(tc == (o->tc_list && o->tc_show && o->tc_translate && o->tc_flush && o->addr_mark),
			      "%s: ENGINE_CAP_TC disagrees with its tc_* operations", o->name);
		ck_assert_msg(o->create && o->destroy && o->run && o->step_insn && o->step_ccf && o->get_state &&
			      o->set_state && o->request_stop && o->debug_sync && o->invalidate,
			      "%s: a required operation is missing", o->name);
		ck_assert_msg(o->debug_slots >= 0, "%s: debug_slots", o->name);
		ck_assert_ptr_eq(engine_find(o->name), o);
	}
	ck_assert_int_ge(n, 2);
	ck_assert_ptr_null(engine_find("nosuch"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vcpu_loop");
	TCase *tc = tcase_create("loop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, begin_clears);
	tcase_add_test(tc, stop_request);
	tcase_add_test(tc, catch_stops_through_the_hook);
	tcase_add_test(tc, halt_paths);
	tcase_add_test(tc, breakpoints_and_resume);
	tcase_add_test(tc, stop_message_and_event);
	tcase_add_test(tc, engine_caps_match_ops);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
