/* Unit tests for monitor/senstally, the per-site tally of sensitive
 * instructions: mnemonics with and without prefixes, callouts and traps
 * counted per (address, mnemonic), a retranslation recorded with its
 * treatment, the summary by mnemonic (busiest first), a full table dropping new sites (counted) while old ones keep
 * counting, clear, and the event log feeding it from typed payloads (and
 * evlog_clear emptying it). */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "monitor/evlog.h"
#include "monitor/sensitive.h"
#include "monitor/senstally.h"

static const struct sens_site *find(const struct sens_site *s, size_t n, uint32_t eip, const char *mnem)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].eip == eip && strcmp(s[i].mnem, mnem) == 0)
			return &s[i];
	return NULL;
}

START_TEST(mnemonics)
{
	char m[SENS_MNEM_LEN];
	senstally_mnemonic("out dx, al", m, sizeof m);
	ck_assert_str_eq(m, "out");
	senstally_mnemonic("rep insw word ptr es:[edi], dx", m, sizeof m);
	ck_assert_str_eq(m, "rep insw");
	senstally_mnemonic("lock cmpxchg8b qword ptr [esi]", m, sizeof m);
	ck_assert_str_eq(m, "lock cmpxchg8b");
	senstally_mnemonic("cli", m, sizeof m);
	ck_assert_str_eq(m, "cli");
	senstally_mnemonic("rep", m, sizeof m);
	ck_assert_str_eq(m, "rep");
	senstally_mnemonic("", m, sizeof m);
	ck_assert_str_eq(m, "?");
	senstally_mnemonic("averyveryverylongmnemonicword x", m, sizeof m);
	ck_assert_uint_eq(strlen(m), SENS_MNEM_LEN - 1);
}
END_TEST

START_TEST(counts_by_site)
{
	struct sens_tally t;
	ck_assert_int_eq(senstally_init(&t, 64), 0);
	for (int i = 0; i < 5; i++)
		senstally_note(&t, SENS_NOTE_CALLOUT, 0x1000, SC_IO, false, "out dx, al");
	senstally_note(&t, SENS_NOTE_TRAP, 0x1000, SC_IO, false, "out dx, al");
	senstally_note(&t, SENS_NOTE_TRAP, 0x2000, SC_IF, false, "cli");
	/* The same address with other code (it was rewritten): another site. */
	senstally_note(&t, SENS_NOTE_CALLOUT, 0x2000, SC_HLT, false, "hlt");
	senstally_note(&t, SENS_NOTE_TRAP, 0x3000, -1, true, "mov dword ptr [eax], edx");
	senstally_note_retranslate(&t, 0x3000, TREAT_CALLOUT, true, false, "mov dword ptr [eax], edx");
	struct sens_site s[8];
	size_t n = senstally_copy(&t, s, 8);
	ck_assert_uint_eq(n, 4);
	const struct sens_site *o = find(s, n, 0x1000, "out");
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->callouts, 5);
	ck_assert_uint_eq(o->traps, 1);
	ck_assert_int_eq(o->cls, SC_IO);
	ck_assert_str_eq(o->text, "out dx, al");
	ck_assert_uint_eq(o->retranslations, 0);
	const struct sens_site *c = find(s, n, 0x2000, "cli");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->traps, 1);
	ck_assert_uint_eq(c->callouts, 0);
	ck_assert_ptr_nonnull(find(s, n, 0x2000, "hlt"));
	const struct sens_site *mm = find(s, n, 0x3000, "mov");
	ck_assert_ptr_nonnull(mm);
	ck_assert(mm->mmio);
	ck_assert_int_eq(mm->cls, -1);
	ck_assert_uint_eq(mm->retranslations, 1);
	ck_assert_uint_eq(mm->treatment, TREAT_CALLOUT);
	ck_assert(!mm->acquitted);
	senstally_note_retranslate(&t, 0x3000, TREAT_TRAP, true, true, "mov dword ptr [eax], edx");
	n = senstally_copy(&t, s, 8);
	mm = find(s, n, 0x3000, "mov");
	ck_assert_uint_eq(mm->retranslations, 2);
	ck_assert(mm->acquitted);
	ck_assert_uint_eq(senstally_copy(&t, s, 2), 2);
	senstally_clear(&t);
	ck_assert_uint_eq(senstally_copy(&t, s, 8), 0);
	senstally_destroy(&t);
}
END_TEST

START_TEST(summary_by_mnemonic)
{
	struct sens_tally t;
	ck_assert_int_eq(senstally_init(&t, 64), 0);
	for (uint32_t a = 0; a < 3; a++)   /* three out sites, 2 callouts each */
		for (int i = 0; i < 2; i++)
			senstally_note(&t, SENS_NOTE_CALLOUT, 0x100 + a, SC_IO, false, "out dx, al");
	for (int i = 0; i < 10; i++)
		senstally_note(&t, SENS_NOTE_TRAP, 0x200, SC_IF, false, "cli");
	senstally_note_retranslate(&t, 0x200, TREAT_INTC, false, false, "cli");
	senstally_note(&t, SENS_NOTE_TRAP, 0x300, -1, true, "mov dword ptr [eax], edx");
	struct sens_row r[8];
	size_t n = senstally_summary(&t, r, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(r[0].mnem, "cli");   /* the busiest first */
	ck_assert_uint_eq(r[0].traps, 10);
	ck_assert_uint_eq(r[0].retranslated, 1);
	ck_assert_str_eq(senstally_class_name(r[0].cls, r[0].mmio), "cli-sti");
	ck_assert_str_eq(r[1].mnem, "out");
	ck_assert_uint_eq(r[1].sites, 3);
	ck_assert_uint_eq(r[1].callouts, 6);
	ck_assert_str_eq(senstally_class_name(r[1].cls, r[1].mmio), "io");
	ck_assert_str_eq(r[2].mnem, "mov");
	ck_assert_str_eq(senstally_class_name(r[2].cls, r[2].mmio), "mmio");
	ck_assert_str_eq(senstally_class_name(-1, false), "-");
	ck_assert_uint_eq(senstally_summary(&t, r, 1), 1);
	ck_assert_str_eq(r[0].mnem, "cli");
	senstally_destroy(&t);
}
END_TEST

START_TEST(full_table_drops)
{
	struct sens_tally t;
	ck_assert_int_eq(senstally_init(&t, 16), 0);
	ck_assert_uint_eq(t.cap, 16);
	for (uint32_t a = 0; a < 20; a++)
		senstally_note(&t, SENS_NOTE_CALLOUT, a * 4, SC_IF, false, "sti");
	ck_assert_uint_eq(t.n, 12);
	ck_assert_uint_eq(t.dropped, 8);
	/* Known sites still count. */
	senstally_note(&t, SENS_NOTE_CALLOUT, 0, SC_IF, false, "sti");
	ck_assert_uint_eq(t.dropped, 8);
	struct sens_site s[16];
	size_t n = senstally_copy(&t, s, 16);
	ck_assert_uint_eq(n, 12);
	ck_assert_uint_eq(find(s, n, 0, "sti")->callouts, 2);
	senstally_destroy(&t);
}
END_TEST

START_TEST(fed_by_evlog)
{
	struct evlog lg;
	ck_assert_int_eq(evlog_init(&lg, 4), 0);
	union ev_data d = { .sens = { .cls = SC_CPUID } };
	evlog_insn_copy(d.sens.insn, "cpuid");
	for (int i = 0; i < 10; i++)   /* more than the ring holds */
		evlog_add_change_data(&lg, EV_CALLOUT, 0xc0001000, 3, &d, "cpuid", NULL, 0);
	evlog_add_data(&lg, EV_TRAP, 0xc0002000, 4, &(union ev_data){ .sens = { .cls = SC_IF, .insn = "sti" } },
		       "sti (trap 1)");
	evlog_add_data(&lg, EV_RETRANSLATE, 0xc0002000, 5,
		       &(union ev_data){ .retranslate = { .treatment = TREAT_INTC, .insn = "sti" } }, "retranslated");
	evlog_add(&lg, EV_CALLOUT, 0xc0003000, 1, "no payload: not counted");
	evlog_add(&lg, EV_IO, 0xc0003000, 1, "not sensitive");
	struct sens_site s[8];
	uint64_t dropped = 1;
	size_t n = evlog_sens_sites(&lg, s, 8, &dropped);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(find(s, n, 0xc0001000, "cpuid")->callouts, 10);
	const struct sens_site *st = find(s, n, 0xc0002000, "sti");
	ck_assert_uint_eq(st->traps, 1);
	ck_assert_uint_eq(st->retranslations, 1);
	ck_assert_uint_eq(st->treatment, TREAT_INTC);
	evlog_clear(&lg);
	ck_assert_uint_eq(evlog_sens_sites(&lg, s, 8, NULL), 0);
	evlog_destroy(&lg);
}
END_TEST

static Suite *senstally_suite(void)
{
	Suite *s = suite_create("senstally");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, mnemonics);
	tcase_add_test(tc, counts_by_site);
	tcase_add_test(tc, summary_by_mnemonic);
	tcase_add_test(tc, full_table_drops);
	tcase_add_test(tc, fed_by_evlog);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(senstally_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
