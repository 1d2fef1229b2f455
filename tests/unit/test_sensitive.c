/* Unit tests for monitor/sensitive: the sensitive-instruction table (every
 * class has instructions, every row names a class and an emulation, classes
 * offering `trap` only hold instructions that fault unprivileged, defaults are
 * supported, the Robin & Irvine unprivileged instructions are listed as not
 * trapping), treatment and class names and their parsers (round trips, unknown
 * names), sens_supports (including out-of-range values), policy_default,
 * policy_set and policy_parse ("io=trap,all=callout", "all=intc" touching only
 * classes that support it, later items overriding earlier ones, unknown
 * classes and treatments, unsupported pairs listing what is supported, and
 * malformed items "=", "io=", "=trap", "io", too long) with one-line messages
 * that survive a tiny buffer, policy_describe, and sens_print_table output
 * naming every class and every mnemonic. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/sensitive.h"

/* What fn prints, as a malloc'd string. */
static char *capture_table(void (*fn)(FILE *))
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	fn(f);
	ck_assert_int_eq(fflush(f), 0);
	long len = ftell(f);
	ck_assert_int_ge(len, 0);
	rewind(f);
	char *text = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = 0;
	fclose(f);
	return text;
}

static struct policy describe_policy;
static void describe_cb(FILE *f)
{
	policy_describe(&describe_policy, f);
}

/* The message is a single line that names each of the words. */
static void expect_msg(const char *err, const char *const *words)
{
	ck_assert_msg(err[0], "empty message");
	ck_assert_msg(!strchr(err, '\n'), "message is not one line: '%s'", err);
	for (; *words; words++)
		ck_assert_msg(strstr(err, *words), "message '%s' lacks '%s'", err, *words);
}

static int policy_eq(const struct policy *a, const struct policy *b)
{
	for (int c = 0; c < SC_COUNT; c++)
		if (a->t[c] != b->t[c])
			return 0;
	return 1;
}

/* ---- the table ---- */

START_TEST(every_class_has_instructions)
{
	int count[SC_COUNT] = { 0 };
	for (size_t i = 0; i < sens_table_len; i++) {
		const struct sens_insn *s = &sens_table[i];
		ck_assert_msg((unsigned)s->cls < SC_COUNT, "row %zu: class %d", i, (int)s->cls);
		ck_assert_msg(s->mnemonic && s->mnemonic[0], "row %zu: no mnemonic", i);
		ck_assert_msg(s->why && s->why[0], "%s: no reason", s->mnemonic);
		ck_assert_msg(s->emulation && s->emulation[0], "%s: no emulation", s->mnemonic);
		count[s->cls]++;
	}
	for (int c = 0; c < SC_COUNT; c++)
		ck_assert_msg(count[c] > 0, "class %s has no instruction", sens_classes[c].name);
}
END_TEST

START_TEST(class_info_consistent)
{
	for (int c = 0; c < SC_COUNT; c++) {
		const struct sens_class_info *ci = &sens_classes[c];
		ck_assert_msg(ci->name && ci->name[0], "class %d has no name", c);
		ck_assert_msg(ci->summary && ci->summary[0], "%s: no summary", ci->name);
		ck_assert_msg(ci->treatments != 0, "%s supports nothing", ci->name);
		ck_assert_msg((ci->treatments & ~((1u << TREAT_COUNT) - 1)) == 0, "%s: stray bits", ci->name);
		ck_assert_msg(sens_supports((enum sens_class)c, ci->dflt), "%s: default %s unsupported", ci->name,
			      treatment_name(ci->dflt));
		ck_assert_msg(sens_supports((enum sens_class)c, TREAT_CALLOUT), "%s: no callout", ci->name);
		ck_assert_int_eq(sens_class_parse(ci->name), c);
		for (int d = 0; d < c; d++)
			ck_assert_str_ne(ci->name, sens_classes[d].name);
		ck_assert_str_ne(ci->name, "all");
	}
}
END_TEST

START_TEST(trap_only_for_faulting_instructions)
{
	/* DESIGN: `trap` is only for instructions that fault unprivileged. RDTSC
	 * is the documented exception (CR4.TSD via prctl). */
	for (size_t i = 0; i < sens_table_len; i++) {
		const struct sens_insn *s = &sens_table[i];
		if (s->cls == SC_RDTSC || !sens_supports(s->cls, TREAT_TRAP))
			continue;
		ck_assert_msg(s->traps, "%s does not trap but class %s offers trap", s->mnemonic,
			      sens_classes[s->cls].name);
	}
	/* adaptive starts as trap, so it needs trap too */
	for (int c = 0; c < SC_COUNT; c++)
		if (sens_supports((enum sens_class)c, TREAT_ADAPTIVE))
			ck_assert_msg(sens_supports((enum sens_class)c, TREAT_TRAP), "%s: adaptive without trap",
				      sens_classes[c].name);
}
END_TEST

static const struct sens_insn *find_insn(const char *mnemonic)
{
	for (size_t i = 0; i < sens_table_len; i++)
		if (strcmp(sens_table[i].mnemonic, mnemonic) == 0)
			return &sens_table[i];
	return NULL;
}

START_TEST(known_rows)
{
	/* Robin & Irvine's unprivileged sensitive instructions do not trap. */
	static const char *const silent[] = { "PUSHF", "POPF", "SGDT", "SIDT", "SLDT", "SMSW", "STR", "LAR",
					      "LSL", "VERR", "VERW", "far CALL", "far JMP", "far RET",
					      "INT n", "IRET", "PUSH Sreg", "MOV r/m,Sreg", "MOV Sreg,r/m" };
	for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++) {
		const struct sens_insn *s = find_insn(silent[i]);
		ck_assert_msg(s, "%s missing", silent[i]);
		ck_assert_msg(!s->traps, "%s listed as trapping", silent[i]);
	}
	static const char *const priv[] = { "CLI", "STI", "HLT", "IN", "OUT", "LGDT", "LIDT", "LTR", "LLDT",
					    "LMSW", "CLTS", "RDMSR", "WRMSR", "INVLPG", "WBINVD", "MOV CRn" };
	for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++) {
		const struct sens_insn *s = find_insn(priv[i]);
		ck_assert_msg(s, "%s missing", priv[i]);
		ck_assert_msg(s->traps, "%s listed as not trapping", priv[i]);
	}
	ck_assert_int_eq(find_insn("CLI")->cls, SC_IF);
	ck_assert_int_eq(find_insn("POPF")->cls, SC_FLAGS);
	ck_assert_int_eq(find_insn("OUT")->cls, SC_IO);
	ck_assert_int_eq(find_insn("IRET")->cls, SC_IRET);
	ck_assert_int_eq(find_insn("LAR")->cls, SC_SEG_QUERY);
	ck_assert_int_eq(find_insn("CPUID")->cls, SC_CPUID);
	ck_assert_int_eq(find_insn("SYSENTER")->cls, SC_SYSENTER);
	ck_assert_str_eq(find_insn("LTR")->emulation, "emu_ltr");
	ck_assert_str_eq(find_insn("POPF")->emulation, "emu_popf");
	ck_assert_ptr_null(find_insn("ADD"));
}
END_TEST

/* ---- names ---- */

START_TEST(treatment_names_round_trip)
{
	static const char *const names[TREAT_COUNT] = { "trap", "callout", "intc", "adaptive", "naive" };
	for (int t = 0; t < TREAT_COUNT; t++) {
		ck_assert_str_eq(treatment_name((enum treatment)t), names[t]);
		ck_assert_int_eq(treatment_parse(names[t]), t);
	}
	ck_assert_str_eq(treatment_name(TREAT_COUNT), "?");
	ck_assert_str_eq(treatment_name((enum treatment)-1), "?");
	ck_assert_int_eq(treatment_parse(""), -1);
	ck_assert_int_eq(treatment_parse("TRAP"), -1);
	ck_assert_int_eq(treatment_parse("trap "), -1);
	ck_assert_int_eq(treatment_parse("tra"), -1);
	ck_assert_int_eq(treatment_parse("all"), -1);
}
END_TEST

START_TEST(class_names_round_trip)
{
	for (int c = 0; c < SC_COUNT; c++)
		ck_assert_int_eq(sens_class_parse(sens_classes[c].name), c);
	ck_assert_int_eq(sens_class_parse("io"), SC_IO);
	ck_assert_int_eq(sens_class_parse("cli-sti"), SC_IF);
	ck_assert_int_eq(sens_class_parse(""), -1);
	ck_assert_int_eq(sens_class_parse("IO"), -1);
	ck_assert_int_eq(sens_class_parse("all"), -1);
	ck_assert_int_eq(sens_class_parse("cli"), -1);
}
END_TEST

START_TEST(supports)
{
	ck_assert(sens_supports(SC_IO, TREAT_TRAP));
	ck_assert(!sens_supports(SC_IO, TREAT_INTC));
	ck_assert(sens_supports(SC_IF, TREAT_INTC));
	ck_assert(!sens_supports(SC_FLAGS, TREAT_TRAP));   /* POPF does not fault */
	ck_assert(!sens_supports(SC_INT, TREAT_NAIVE));
	ck_assert(!sens_supports(SC_COUNT, TREAT_CALLOUT));
	ck_assert(!sens_supports((enum sens_class)-1, TREAT_CALLOUT));
	ck_assert(!sens_supports(SC_IO, TREAT_COUNT));
	ck_assert(!sens_supports(SC_IO, (enum treatment)-1));
	ck_assert(!sens_supports(SC_IO, (enum treatment)40));
}
END_TEST

/* ---- policies ---- */

START_TEST(policy_defaults)
{
	struct policy p;
	memset(&p, 0xff, sizeof p);
	policy_default(&p);
	for (int c = 0; c < SC_COUNT; c++)
		ck_assert_int_eq(p.t[c], sens_classes[c].dflt);
	ck_assert_int_eq(p.t[SC_IF], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_FLAGS], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_IO], TREAT_CALLOUT);
}
END_TEST

START_TEST(parse_io_trap_then_all_callout)
{
	struct policy p;
	char err[256] = "";
	policy_default(&p);
	ck_assert_msg(policy_parse(&p, "io=trap,all=callout", err, sizeof err) == 0, "%s", err);
	for (int c = 0; c < SC_COUNT; c++)   /* later items win; every class supports callout */
		ck_assert_int_eq(p.t[c], TREAT_CALLOUT);
	ck_assert_msg(policy_parse(&p, "all=callout,io=trap,cli-sti=intc", err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(p.t[SC_IO], TREAT_TRAP);
	ck_assert_int_eq(p.t[SC_IF], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_HLT], TREAT_CALLOUT);
}
END_TEST

START_TEST(parse_all_intc_only_supporting)
{
	struct policy p;
	char err[256] = "";
	policy_default(&p);
	ck_assert_int_eq(policy_parse(&p, "all=callout", err, sizeof err), 0);
	ck_assert_msg(policy_parse(&p, "all=intc", err, sizeof err) == 0, "%s", err);
	int n = 0;
	for (int c = 0; c < SC_COUNT; c++) {
		enum treatment want = sens_supports((enum sens_class)c, TREAT_INTC) ? TREAT_INTC : TREAT_CALLOUT;
		ck_assert_msg(p.t[c] == want, "%s: %s", sens_classes[c].name, treatment_name(p.t[c]));
		n += want == TREAT_INTC;
	}
	ck_assert_int_ge(n, 4);   /* CLI/STI, PUSHF/POPF, RDTSC, segment reads at least */
	ck_assert_int_eq(p.t[SC_IF], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_FLAGS], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_RDTSC], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_SEG_READ], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_IO], TREAT_CALLOUT);
	/* all=trap likewise */
	ck_assert_int_eq(policy_parse(&p, "all=trap", err, sizeof err), 0);
	ck_assert_int_eq(p.t[SC_IO], TREAT_TRAP);
	ck_assert_int_eq(p.t[SC_FLAGS], TREAT_INTC);
	ck_assert_int_eq(p.t[SC_INT], TREAT_CALLOUT);
}
END_TEST

START_TEST(parse_every_supported_pair)
{
	for (int c = 0; c < SC_COUNT; c++)
		for (int t = 0; t < TREAT_COUNT; t++) {
			struct policy p;
			char spec[64], err[256] = "";
			policy_default(&p);
			snprintf(spec, sizeof spec, "%s=%s", sens_classes[c].name, treatment_name((enum treatment)t));
			int rc = policy_parse(&p, spec, err, sizeof err);
			if (sens_supports((enum sens_class)c, (enum treatment)t)) {
				ck_assert_msg(rc == 0, "%s: %s", spec, err);
				ck_assert_int_eq(p.t[c], t);
			} else {
				ck_assert_msg(rc == -1, "%s accepted", spec);
				ck_assert_int_eq(p.t[c], sens_classes[c].dflt);
			}
		}
}
END_TEST

START_TEST(parse_unknown_class_and_treatment)
{
	struct policy p, ref;
	char err[256] = "";
	policy_default(&p);
	ref = p;
	ck_assert_int_eq(policy_parse(&p, "bogus=trap", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "bogus", NULL });
	ck_assert(policy_eq(&p, &ref));
	err[0] = 0;
	ck_assert_int_eq(policy_parse(&p, "io=bogus", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "bogus", "trap", "callout", "intc", "adaptive", "naive", NULL });
	ck_assert(policy_eq(&p, &ref));
	err[0] = 0;
	ck_assert_int_eq(policy_parse(&p, "all=bogus", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "bogus", NULL });
	ck_assert(policy_eq(&p, &ref));
}
END_TEST

START_TEST(parse_unsupported_pair_names_supported)
{
	struct policy p, ref;
	char err[256] = "";
	policy_default(&p);
	ref = p;
	ck_assert_int_eq(policy_parse(&p, "int=trap", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "int", "trap", "callout", NULL });
	ck_assert_ptr_null(strstr(err, "naive"));   /* only what INT supports */
	ck_assert(policy_eq(&p, &ref));
	err[0] = 0;
	ck_assert_int_eq(policy_parse(&p, "io=intc", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "io", "intc", "trap", "callout", "adaptive", "naive", NULL });
	err[0] = 0;
	ck_assert_int_eq(policy_parse(&p, "pushf-popf=trap", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "pushf-popf", "callout", "intc", "naive", NULL });
	ck_assert_ptr_null(strstr(err, "adaptive"));
	ck_assert(policy_eq(&p, &ref));
}
END_TEST

START_TEST(parse_malformed_items)
{
	static const char *const bad[] = { "=", "io=", "=trap", "io", "io=trap,=", "io=trap,cpuid",
					   "io==trap", "io=trap=callout", " io=trap", "io=trap ", "all=" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct policy p;
		char err[256] = "";
		policy_default(&p);
		ck_assert_msg(policy_parse(&p, bad[i], err, sizeof err) == -1, "'%s' accepted", bad[i]);
		ck_assert_msg(err[0] && !strchr(err, '\n'), "'%s': message '%s'", bad[i], err);
	}
	/* the generic form names the expected syntax */
	struct policy p;
	char err[256] = "";
	policy_default(&p);
	ck_assert_int_eq(policy_parse(&p, "io=", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "CLASS=TREATMENT", NULL });
	ck_assert_int_eq(policy_parse(&p, "=trap", err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "CLASS=TREATMENT", NULL });
}
END_TEST

START_TEST(parse_empty_and_separators)
{
	struct policy p, ref;
	char err[64] = "";
	policy_default(&p);
	ref = p;
	ck_assert_int_eq(policy_parse(&p, "", err, sizeof err), 0);
	ck_assert(policy_eq(&p, &ref));
	ck_assert_int_eq(policy_parse(&p, "io=trap,,hlt=trap,", err, sizeof err), 0);
	ck_assert_int_eq(p.t[SC_IO], TREAT_TRAP);
	ck_assert_int_eq(p.t[SC_HLT], TREAT_TRAP);
}
END_TEST

START_TEST(parse_too_long)
{
	char spec[2048];
	size_t n = 0;
	while (n + 9 < sizeof spec - 1) {
		memcpy(spec + n, "io=trap,", 8);
		n += 8;
	}
	spec[n] = 0;
	struct policy p, ref;
	char err[256] = "";
	policy_default(&p);
	ref = p;
	ck_assert_int_eq(policy_parse(&p, spec, err, sizeof err), -1);
	expect_msg(err, (const char *const[]){ "too long", NULL });
	ck_assert(policy_eq(&p, &ref));
}
END_TEST

START_TEST(messages_truncate_safely)
{
	struct policy p;
	char err[8];
	policy_default(&p);
	memset(err, 'x', sizeof err);
	ck_assert_int_eq(policy_parse(&p, "io=intc", err, sizeof err), -1);
	ck_assert_uint_lt(strlen(err), sizeof err);
	memset(err, 'x', sizeof err);
	ck_assert_int_eq(policy_set(&p, "nonexistent-class-with-a-long-name", "trap", err, sizeof err), -1);
	ck_assert_uint_lt(strlen(err), sizeof err);
	/* a very long unknown name in a big buffer */
	char name[300], big[128];
	memset(name, 'q', sizeof name - 1);
	name[sizeof name - 1] = 0;
	ck_assert_int_eq(policy_set(&p, "io", name, big, sizeof big), -1);
	ck_assert_uint_lt(strlen(big), sizeof big);
}
END_TEST

START_TEST(policy_set_direct)
{
	struct policy p;
	char err[256] = "";
	policy_default(&p);
	ck_assert_int_eq(policy_set(&p, "rdtsc", "trap", err, sizeof err), 0);
	ck_assert_int_eq(p.t[SC_RDTSC], TREAT_TRAP);
	ck_assert_int_eq(policy_set(&p, "rdtsc", "adaptive", err, sizeof err), -1);   /* documented: not adaptive */
	expect_msg(err, (const char *const[]){ "rdtsc", "adaptive", "trap", "callout", "intc", "naive", NULL });
	ck_assert_int_eq(p.t[SC_RDTSC], TREAT_TRAP);
	ck_assert_int_eq(policy_set(&p, "all", "naive", err, sizeof err), 0);
	for (int c = 0; c < SC_COUNT; c++)
		if (sens_supports((enum sens_class)c, TREAT_NAIVE))
			ck_assert_int_eq(p.t[c], TREAT_NAIVE);
}
END_TEST

/* ---- printing ---- */

START_TEST(print_table_names_everything)
{
	char *out = capture_table(sens_print_table);
	ck_assert_ptr_nonnull(out);
	for (int c = 0; c < SC_COUNT; c++) {
		ck_assert_msg(strstr(out, sens_classes[c].name), "class %s missing", sens_classes[c].name);
		ck_assert_msg(strstr(out, sens_classes[c].summary), "summary of %s missing", sens_classes[c].name);
	}
	for (size_t i = 0; i < sens_table_len; i++) {
		ck_assert_msg(strstr(out, sens_table[i].mnemonic), "%s missing", sens_table[i].mnemonic);
		ck_assert_msg(strstr(out, sens_table[i].why), "reason of %s missing", sens_table[i].mnemonic);
	}
	for (int t = 0; t < TREAT_COUNT; t++)
		ck_assert_msg(strstr(out, treatment_name((enum treatment)t)), "%s missing",
			      treatment_name((enum treatment)t));
	/* a line per instruction and per class, plus two headers and a blank line */
	size_t lines = 0;
	for (const char *s = out; *s; s++)
		lines += *s == '\n';
	ck_assert_uint_eq(lines, sens_table_len + SC_COUNT + 3);
	/* each instruction's line names its own class */
	for (size_t i = 0; i < sens_table_len; i++) {
		const char *line = strstr(out, sens_table[i].why);
		const char *start = line;
		while (start > out && start[-1] != '\n')
			start--;
		char buf[512];
		size_t n = (size_t)(line - start);
		ck_assert_uint_lt(n, sizeof buf);
		memcpy(buf, start, n);
		buf[n] = 0;
		ck_assert_msg(strstr(buf, sens_classes[sens_table[i].cls].name), "line '%s'", buf);
	}
	free(out);
}
END_TEST

/* The class rows --list-sensitive and `policy` share: the treatment given,
 * the supported list in treatment order, columns under the header's. */
START_TEST(class_row_and_header)
{
	char head[256], row[256], want[64] = "";
	sens_class_header(head, sizeof head, "treatment", "supported");
	ck_assert_str_eq(head, "class       treatment supported                         instructions");
	sens_class_row(row, sizeof row, SC_IO, TREAT_CALLOUT);
	ck_assert(strncmp(row, "io          callout   ", 22) == 0);
	for (int t = 0; t < TREAT_COUNT; t++)
		if (sens_supports(SC_IO, (enum treatment)t)) {
			if (want[0])
				strcat(want, ",");
			strcat(want, treatment_name((enum treatment)t));
		}
	ck_assert_msg(strncmp(row + 22, want, strlen(want)) == 0, "row '%s'", row);
	ck_assert_str_eq(row + strlen(head) - strlen("instructions"), sens_classes[SC_IO].summary);
	/* a tiny buffer truncates, never overruns */
	char tiny[8];
	sens_class_row(tiny, sizeof tiny, SC_IO, TREAT_TRAP);
	ck_assert_str_eq(tiny, "io     ");
}
END_TEST

START_TEST(policy_describe_lines)
{
	char err[256];
	policy_default(&describe_policy);
	ck_assert_int_eq(policy_parse(&describe_policy, "io=adaptive", err, sizeof err), 0);
	char *out = capture_table(describe_cb);
	size_t lines = 0;
	for (const char *s = out; *s; s++)
		lines += *s == '\n';
	ck_assert_uint_eq(lines, SC_COUNT);
	for (int c = 0; c < SC_COUNT; c++)
		ck_assert_msg(strstr(out, sens_classes[c].name), "%s missing", sens_classes[c].name);
	const char *io = strstr(out, "\nio ");
	ck_assert_ptr_nonnull(io);
	const char *eol = strchr(io + 1, '\n');
	ck_assert_ptr_nonnull(eol);
	char line[256];
	memcpy(line, io + 1, (size_t)(eol - io - 1));
	line[eol - io - 1] = 0;
	ck_assert_msg(strstr(line, "adaptive"), "io line: '%s'", line);
	free(out);
}
END_TEST

static Suite *sensitive_suite(void)
{
	Suite *s = suite_create("sensitive");
	TCase *tc = tcase_create("sensitive");
	tcase_add_test(tc, every_class_has_instructions);
	tcase_add_test(tc, class_info_consistent);
	tcase_add_test(tc, trap_only_for_faulting_instructions);
	tcase_add_test(tc, known_rows);
	tcase_add_test(tc, treatment_names_round_trip);
	tcase_add_test(tc, class_names_round_trip);
	tcase_add_test(tc, supports);
	tcase_add_test(tc, policy_defaults);
	tcase_add_test(tc, parse_io_trap_then_all_callout);
	tcase_add_test(tc, parse_all_intc_only_supporting);
	tcase_add_test(tc, parse_every_supported_pair);
	tcase_add_test(tc, parse_unknown_class_and_treatment);
	tcase_add_test(tc, parse_unsupported_pair_names_supported);
	tcase_add_test(tc, parse_malformed_items);
	tcase_add_test(tc, parse_empty_and_separators);
	tcase_add_test(tc, parse_too_long);
	tcase_add_test(tc, messages_truncate_safely);
	tcase_add_test(tc, policy_set_direct);
	tcase_add_test(tc, class_row_and_header);
	tcase_add_test(tc, print_table_names_everything);
	tcase_add_test(tc, policy_describe_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sensitive_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
