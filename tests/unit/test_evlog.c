/* Unit tests for monitor/evlog, the event ring: add/tail/since, wrap-around
 * keeping the newest cap events in order with increasing seq, per-kind counts
 * that keep counting past the ring, evlog_clear, kind names (round trip and
 * unknown names), invalid kinds, long descriptions truncated safely, a
 * capacity of 0 and 1, concurrent adds from four threads, evlog_next_seq
 * (a cursor past every event so far, kept across wraps and clears), and the
 * typed payload: copied with evlog_add_data, zero with evlog_add, kept with
 * the raw changes of evlog_add_change_data after desc is formatted. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/evlog.h"

static struct evlog lg;

static void setup8(void)
{
	ck_assert_int_eq(evlog_init(&lg, 8), 0);
}

static void teardown8(void)
{
	evlog_destroy(&lg);
}

START_TEST(empty)
{
	struct ev e[4];
	ck_assert_uint_eq(evlog_tail(&lg, e, 4), 0);
	ck_assert_uint_eq(evlog_since(&lg, 0, e, 4), 0);
	ck_assert_uint_eq(evlog_since(&lg, 1, e, 4), 0);
	ck_assert_uint_eq(evlog_total(&lg), 0);
	for (int k = 0; k < EV_KIND_COUNT; k++)
		ck_assert_uint_eq(evlog_count(&lg, (enum ev_kind)k), 0);
}
END_TEST

START_TEST(add_and_read)
{
	struct ev e[8];
	evlog_add(&lg, EV_TRANSLATE, 0x100000, 3, "tu of %d insns", 5);
	evlog_add(&lg, EV_CALLOUT, 0x100010, -1, "cli");
	evlog_add(&lg, EV_VMEXIT, 0x100020, -1, "io out port 0x%x", 0x3f8);

	ck_assert_uint_eq(evlog_tail(&lg, e, 8), 3);
	ck_assert_uint_eq(e[0].seq, 1);
	ck_assert_int_eq(e[0].kind, EV_TRANSLATE);
	ck_assert_uint_eq(e[0].eip, 0x100000);
	ck_assert_int_eq(e[0].ccf, 3);
	ck_assert_str_eq(e[0].desc, "tu of 5 insns");
	ck_assert_uint_eq(e[1].seq, 2);
	ck_assert_int_eq(e[1].ccf, -1);
	ck_assert_str_eq(e[1].desc, "cli");
	ck_assert_uint_eq(e[2].seq, 3);
	ck_assert_str_eq(e[2].desc, "io out port 0x3f8");

	/* tail with a smaller max gives the newest, oldest first */
	ck_assert_uint_eq(evlog_tail(&lg, e, 2), 2);
	ck_assert_uint_eq(e[0].seq, 2);
	ck_assert_uint_eq(e[1].seq, 3);
	ck_assert_uint_eq(evlog_tail(&lg, e, 0), 0);

	/* since: from a cursor, capped by max */
	ck_assert_uint_eq(evlog_since(&lg, 2, e, 8), 2);
	ck_assert_uint_eq(e[0].seq, 2);
	ck_assert_uint_eq(evlog_since(&lg, 1, e, 1), 1);
	ck_assert_uint_eq(e[0].seq, 1);
	ck_assert_uint_eq(evlog_since(&lg, 0, e, 8), 3);   /* 0 means from the oldest */
	ck_assert_uint_eq(evlog_since(&lg, 4, e, 8), 0);   /* nothing new */
	ck_assert_uint_eq(evlog_since(&lg, UINT64_MAX, e, 8), 0);

	ck_assert_uint_eq(evlog_count(&lg, EV_TRANSLATE), 1);
	ck_assert_uint_eq(evlog_count(&lg, EV_CALLOUT), 1);
	ck_assert_uint_eq(evlog_count(&lg, EV_VMEXIT), 1);
	ck_assert_uint_eq(evlog_count(&lg, EV_TRAP), 0);
	ck_assert_uint_eq(evlog_total(&lg), 3);
}
END_TEST

START_TEST(wrap_around)
{
	struct ev e[16];
	for (int i = 1; i <= 21; i++)
		evlog_add(&lg, (i % 2) ? EV_TRAP : EV_CHAIN, (uint32_t)i, i, "event %d", i);
	/* the newest 8 (seq 14..21) stay, in order */
	ck_assert_uint_eq(evlog_tail(&lg, e, 16), 8);
	for (int i = 0; i < 8; i++) {
		ck_assert_uint_eq(e[i].seq, 14 + (uint64_t)i);
		ck_assert_uint_eq(e[i].eip, 14 + (uint32_t)i);
		char want[32];
		snprintf(want, sizeof want, "event %d", 14 + i);
		ck_assert_str_eq(e[i].desc, want);
	}
	/* a cursor that fell behind resumes at the oldest kept event */
	ck_assert_uint_eq(evlog_since(&lg, 1, e, 16), 8);
	ck_assert_uint_eq(e[0].seq, 14);
	ck_assert_uint_eq(evlog_since(&lg, 20, e, 16), 2);
	ck_assert_uint_eq(e[0].seq, 20);
	ck_assert_uint_eq(e[1].seq, 21);
	/* counts cover every event, not just the ring */
	ck_assert_uint_eq(evlog_count(&lg, EV_TRAP), 11);
	ck_assert_uint_eq(evlog_count(&lg, EV_CHAIN), 10);
	ck_assert_uint_eq(evlog_total(&lg), 21);
}
END_TEST

START_TEST(many_wraps_seq_increasing)
{
	struct ev e[8];
	uint64_t last = 0;
	for (int i = 1; i <= 1000; i++) {
		evlog_add(&lg, EV_TRANSLATE, 0, -1, "x");
		if (i % 7 == 0) {
			size_t n = evlog_tail(&lg, e, 8);
			ck_assert_uint_eq(n, i < 8 ? (size_t)i : 8);
			for (size_t j = 1; j < n; j++)
				ck_assert_uint_eq(e[j].seq, e[j - 1].seq + 1);
			ck_assert_uint_eq(e[n - 1].seq, (uint64_t)i);
			ck_assert_uint_gt(e[n - 1].seq, last);
			last = e[n - 1].seq;
		}
	}
	ck_assert_uint_eq(evlog_count(&lg, EV_TRANSLATE), 1000);
}
END_TEST

START_TEST(clear)
{
	struct ev e[8];
	for (int i = 0; i < 5; i++)
		evlog_add(&lg, EV_IO, 0, -1, "io %d", i);
	evlog_clear(&lg);
	ck_assert_uint_eq(evlog_total(&lg), 0);
	ck_assert_uint_eq(evlog_count(&lg, EV_IO), 0);
	ck_assert_uint_eq(evlog_tail(&lg, e, 8), 0);
	ck_assert_uint_eq(evlog_since(&lg, 1, e, 8), 0);
	/* seq keeps growing after a clear */
	evlog_add(&lg, EV_STOP, 0x42, -1, "after");
	ck_assert_uint_eq(evlog_tail(&lg, e, 8), 1);
	ck_assert_uint_eq(e[0].seq, 6);
	ck_assert_str_eq(e[0].desc, "after");
	ck_assert_uint_eq(evlog_since(&lg, 0, e, 8), 1);
	ck_assert_uint_eq(evlog_count(&lg, EV_STOP), 1);
	ck_assert_uint_eq(evlog_total(&lg), 1);
}
END_TEST

START_TEST(next_seq_cursor)
{
	struct ev e[8];
	ck_assert_uint_eq(evlog_next_seq(&lg), 1);
	ck_assert_uint_eq(evlog_since(&lg, evlog_next_seq(&lg), e, 8), 0);
	for (int i = 0; i < 20; i++)        /* past the ring of 8 */
		evlog_add(&lg, EV_TRAP, 0, -1, "t %d", i);
	uint64_t cur = evlog_next_seq(&lg);
	ck_assert_uint_eq(cur, 21);
	ck_assert_uint_eq(evlog_since(&lg, cur, e, 8), 0);   /* nothing new yet */
	evlog_add(&lg, EV_IO, 0x10, -1, "new");
	ck_assert_uint_eq(evlog_since(&lg, cur, e, 8), 1);
	ck_assert_str_eq(e[0].desc, "new");
	ck_assert_uint_eq(e[0].seq, cur);
	evlog_clear(&lg);
	ck_assert_uint_eq(evlog_next_seq(&lg), 22);          /* a clear keeps counting */
}
END_TEST

START_TEST(kind_names)
{
	for (int k = 0; k < EV_KIND_COUNT; k++) {
		const char *n = evlog_kind_name((enum ev_kind)k);
		ck_assert_ptr_nonnull(n);
		ck_assert_int_gt(strlen(n), 0);
		ck_assert_int_eq(evlog_kind_parse(n), k);
		for (int j = 0; j < k; j++)   /* names are distinct */
			ck_assert_str_ne(n, evlog_kind_name((enum ev_kind)j));
	}
	ck_assert_str_eq(evlog_kind_name(EV_CALLOUT), "callout");
	ck_assert_str_eq(evlog_kind_name(EV_VMEXIT), "vmexit");
	ck_assert_int_eq(evlog_kind_parse("trap"), EV_TRAP);
	ck_assert_int_eq(evlog_kind_parse(""), -1);
	ck_assert_int_eq(evlog_kind_parse("bogus"), -1);
	ck_assert_int_eq(evlog_kind_parse("vmexi"), -1);
	ck_assert_int_eq(evlog_kind_parse("vmexits"), -1);
	ck_assert_int_eq(evlog_kind_parse("callout "), -1);
	ck_assert_int_eq(evlog_kind_parse("?"), -1);
	ck_assert_str_eq(evlog_kind_name(EV_KIND_COUNT), "?");
	ck_assert_str_eq(evlog_kind_name((enum ev_kind)-1), "?");
	ck_assert_str_eq(evlog_kind_name((enum ev_kind)1000), "?");
}
END_TEST

START_TEST(invalid_kind_ignored)
{
	struct ev e[8];
	evlog_add(&lg, EV_KIND_COUNT, 0, -1, "bad");
	evlog_add(&lg, (enum ev_kind)-1, 0, -1, "bad");
	evlog_add(&lg, (enum ev_kind)99, 0, -1, "bad");
	ck_assert_uint_eq(evlog_total(&lg), 0);
	ck_assert_uint_eq(evlog_tail(&lg, e, 8), 0);
	ck_assert_uint_eq(evlog_count(&lg, EV_KIND_COUNT), 0);
	ck_assert_uint_eq(evlog_count(&lg, (enum ev_kind)-5), 0);
}
END_TEST

START_TEST(long_description)
{
	struct ev e[1];
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	evlog_add(&lg, EV_EXCEPTION, 0, -1, "%s%s", big, big);
	ck_assert_uint_eq(evlog_tail(&lg, e, 1), 1);
	ck_assert_uint_eq(strlen(e[0].desc), EV_DESC_LEN - 1);
	for (int i = 0; i < EV_DESC_LEN - 1; i++)
		ck_assert_int_eq(e[0].desc[i], 'x');
	/* a %-sign from guest data passed as an argument stays literal */
	evlog_add(&lg, EV_EXCEPTION, 0, -1, "%s", "%s%n%x");
	ck_assert_uint_eq(evlog_tail(&lg, e, 1), 1);
	ck_assert_str_eq(e[0].desc, "%s%n%x");
}
END_TEST

START_TEST(tiny_capacities)
{
	struct evlog l;
	struct ev e[4];
	ck_assert_int_eq(evlog_init(&l, 0), 0);   /* 0 becomes 1 */
	ck_assert_uint_ge(l.cap, 1);
	evlog_add(&l, EV_TRAP, 1, -1, "a");
	evlog_add(&l, EV_TRAP, 2, -1, "b");
	ck_assert_uint_eq(evlog_tail(&l, e, 4), l.cap < 2 ? 1 : 2);
	ck_assert_str_eq(e[evlog_tail(&l, e, 4) - 1].desc, "b");
	ck_assert_uint_eq(evlog_count(&l, EV_TRAP), 2);
	evlog_destroy(&l);

	ck_assert_int_eq(evlog_init(&l, 1), 0);
	for (int i = 0; i < 5; i++)
		evlog_add(&l, EV_CHAIN, (uint32_t)i, -1, "c%d", i);
	ck_assert_uint_eq(evlog_tail(&l, e, 4), 1);
	ck_assert_uint_eq(e[0].seq, 5);
	ck_assert_str_eq(e[0].desc, "c4");
	ck_assert_uint_eq(evlog_since(&l, 1, e, 4), 1);
	ck_assert_uint_eq(e[0].seq, 5);
	evlog_destroy(&l);
}
END_TEST

/* Four writer threads and a reader racing them. */
enum { THREADS = 4, PER_THREAD = 20000 };

struct writer {
	struct evlog *log;
	int id;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	for (int i = 0; i < PER_THREAD; i++)
		evlog_add(w->log, (enum ev_kind)(EV_TRANSLATE + w->id), (uint32_t)i, w->id, "t%d #%d", w->id, i);
	return NULL;
}

START_TEST(concurrent_adds)
{
	struct evlog l;
	pthread_t t[THREADS];
	struct writer w[THREADS];
	ck_assert_int_eq(evlog_init(&l, 256), 0);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){ &l, i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	/* read while they write: every snapshot is consecutive seqs */
	static struct ev e[256];
	for (int round = 0; round < 200; round++) {
		size_t n = evlog_tail(&l, e, 256);
		for (size_t j = 1; j < n; j++)
			ck_assert_uint_eq(e[j].seq, e[j - 1].seq + 1);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(evlog_total(&l), (uint64_t)THREADS * PER_THREAD);
	for (int i = 0; i < THREADS; i++)
		ck_assert_uint_eq(evlog_count(&l, (enum ev_kind)(EV_TRANSLATE + i)), PER_THREAD);
	size_t n = evlog_tail(&l, e, 256);
	ck_assert_uint_eq(n, 256);
	ck_assert_uint_eq(e[255].seq, (uint64_t)THREADS * PER_THREAD);
	/* each kept event is whole: its text matches its kind and ccf */
	for (size_t j = 0; j < n; j++) {
		char want[32];
		snprintf(want, sizeof want, "t%d #%u", e[j].ccf, e[j].eip);
		ck_assert_str_eq(e[j].desc, want);
		ck_assert_int_eq(e[j].kind, EV_TRANSLATE + e[j].ccf);
	}
	evlog_destroy(&l);
}
END_TEST

START_TEST(typed_payload)
{
	struct ev out[4];
	union ev_data d = { .chain = { .from = 3, .to = 9, .exit = 1 } };
	evlog_add_data(&lg, EV_CHAIN, 0x1000, 3, &d, "%s", "");   /* the wording is not the data */
	evlog_add(&lg, EV_CHAIN, 0x1000, 3, "CCF 4 exit 0 -> CCF 5");
	union ev_data s = { .sens = { .cls = 2, .count = 7 } };
	evlog_insn_copy(s.sens.insn, "rep outsb dx, byte ptr [esi] and a very long tail that does not fit");
	struct vcpu_change ch[2] = { { VF_GPR0, 0, 0x60 }, { VF_EFLAGS, 0x2, 0x202 } };
	evlog_add_change_data(&lg, EV_TRAP, 0x2000, 4, &s, "rep outsb (trap 7)", ch, 2);
	ck_assert_uint_eq(evlog_tail(&lg, out, 4), 3);
	ck_assert_uint_eq(out[0].d.chain.from, 3);
	ck_assert_uint_eq(out[0].d.chain.to, 9);
	ck_assert_uint_eq(out[0].d.chain.exit, 1);
	ck_assert_uint_eq(out[1].d.chain.from, 0);   /* evlog_add: no payload */
	ck_assert_uint_eq(out[1].d.chain.to, 0);
	ck_assert_int_eq(out[1].nchanges, 0);
	ck_assert_int_eq(out[2].d.sens.cls, 2);
	ck_assert_uint_eq(out[2].d.sens.count, 7);
	ck_assert_uint_eq(strlen(out[2].d.sens.insn), EV_INSN_LEN - 1);
	ck_assert(strncmp(out[2].d.sens.insn, "rep outsb dx", 12) == 0);
	/* desc is formatted for display, and the changes stay for programs. */
	ck_assert_msg(strstr(out[2].desc, "rep outsb (trap 7): ") == out[2].desc, "%s", out[2].desc);
	ck_assert(!out[2].raw);
	ck_assert_int_eq(out[2].nchanges, 2);
	ck_assert_uint_eq(out[2].changes[0].after, 0x60);
	ck_assert_uint_eq(out[2].changes[1].after, 0x202);
}
END_TEST

static Suite *evlog_suite(void)
{
	Suite *s = suite_create("evlog");
	TCase *tc = tcase_create("ring8");
	tcase_add_checked_fixture(tc, setup8, teardown8);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, add_and_read);
	tcase_add_test(tc, wrap_around);
	tcase_add_test(tc, many_wraps_seq_increasing);
	tcase_add_test(tc, clear);
	tcase_add_test(tc, next_seq_cursor);
	tcase_add_test(tc, kind_names);
	tcase_add_test(tc, invalid_kind_ignored);
	tcase_add_test(tc, long_description);
	tcase_add_test(tc, typed_payload);
	suite_add_tcase(s, tc);

	tc = tcase_create("other");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tiny_capacities);
	tcase_add_test(tc, concurrent_adds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(evlog_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
