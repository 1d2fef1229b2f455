/* The translation cache as records and the events as typed fields, through
 * the engine interface (engine_bt_ops): translate and tc show give a CCF's
 * header, each guest instruction's bytes, kind, host code and the callout
 * handler's name; a bad id is one error and a zeroed view; translate keeps
 * nothing; and the events a run logs carry their payload (translate: range,
 * instructions, host bytes; chain: from, exit, to; callout: the sensitive
 * class, the instruction and its changes; exception: vector). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "monitor/machine.h"
#include "monitor/sensitive.h"

#define CODE 0x100000u

static struct machine m;
static struct engine *e;

static void setup(void)
{
	char err[256];
	int unavailable;
	memset(&m, 0, sizeof m);
	struct machine_config cfg = { .ram_size = 16u << 20 };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	struct mb_boot b = { .entry = CODE, .mbi = 0 };
	mb_boot_state(&b, &m.boot_state);
	m.boot_state.gpr[R_ESP] = 0x90000;
	ck_assert_msg(engine_bt_ops.create(&m, &e, &unavailable, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	e->ops->destroy(e);
	machine_destroy(&m);
}

static void load(const uint8_t *code, size_t n)
{
	ck_assert(gmem_write(&m.mem, CODE, code, n) == 0);
	e->ops->invalidate(e, CODE, n);
	e->ops->set_state(e, &m.boot_state);
}

/* Port I/O to the debug-exit device: IDENT moves and CALLOUT outs. */
static const uint8_t serial[] = {
	0x66, 0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
	0xb0, 'o', 0xee,              /* mov al, 'o'; out dx, al */
	0xb8, 0x05, 0, 0, 0,          /* mov eax, 5 */
	0xe7, 0xf4,                   /* out 0xf4, eax */
	0xf4,                         /* hlt */
};

static void check_serial_view(const struct engine_ccf_view *v)
{
	ck_assert_uint_eq(v->ccf.eip, CODE);
	ck_assert_uint_eq(v->ccf.end, CODE + sizeof serial);
	ck_assert_int_eq(v->ccf.ninsn, 6);
	ck_assert_int_eq(v->ninsn, 6);
	ck_assert_uint_ne(v->ccf.host, 0);
	static const struct { uint32_t off; uint8_t len; enum engine_kind kind; const char *text, *handler; } want[] = {
		{ 0, 4, EK_IDENT, "mov dx, 0x3f8", NULL },
		{ 4, 2, EK_IDENT, "mov al, 0x6f", NULL },
		{ 6, 1, EK_CALLOUT, "out dx, al", "co_out" },
		{ 7, 5, EK_IDENT, "mov eax, 5", NULL },
		{ 12, 2, EK_CALLOUT, "out 0xf4, eax", "co_out" },
		{ 14, 1, EK_CALLOUT, "hlt", "co_hlt" },
	};
	uint32_t host_end = 0;
	for (int i = 0; i < 6; i++) {
		const struct engine_insn *in = &v->insn[i];
		ck_assert_uint_eq(in->eip, CODE + want[i].off);
		ck_assert_uint_eq(in->len, want[i].len);
		ck_assert_uint_eq(in->nbytes, want[i].len);
		ck_assert_int_eq(memcmp(in->bytes, serial + want[i].off, want[i].len), 0);
		ck_assert_str_eq(in->text, want[i].text);
		ck_assert_msg(in->kind == want[i].kind, "%s is %s", in->text, engine_kind_name(in->kind));
		if (want[i].handler)
			ck_assert_str_eq(in->handler, want[i].handler);
		else
			ck_assert_ptr_null(in->handler);
		/* Host code: in order, contiguous, each instruction inside its guest one. */
		ck_assert_uint_eq(in->host_off, host_end);
		ck_assert_uint_gt(in->host_len, 0);
		ck_assert_int_ge(in->nhost, 1);
		uint32_t off = in->host_off;
		for (int h = 0; h < in->nhost; h++) {
			const struct engine_host_insn *hi = &v->host[in->host_first + h];
			ck_assert_uint_eq(hi->off, off);
			ck_assert_uint_gt(hi->len, 0);
			off += hi->len;
		}
		ck_assert_uint_eq(off, in->host_off + in->host_len);
		host_end = off;
	}
	ck_assert_uint_le(host_end, v->ccf.host_len);
	/* IDENT is the guest instruction, copied; a callout calls through the context. */
	ck_assert_str_eq(v->host[v->insn[0].host_first].text, "mov dx, 0x3f8");
	bool call = false;
	for (int h = 0; h < v->insn[2].nhost; h++)
		call |= strncmp(v->host[v->insn[2].host_first + h].text, "call ", 5) == 0;
	ck_assert(call);
}

START_TEST(translate_gives_records)
{
	char err[200];
	struct engine_ccf_view v;
	load(serial, sizeof serial);
	ck_assert_int_eq(e->ops->tc_translate(e, CODE, &v, err, sizeof err), 0);
	check_serial_view(&v);
	ck_assert_int_eq(v.ccf.nexits, 1);   /* after hlt, unchained */
	ck_assert_uint_eq(v.ccf.target[0], CODE + sizeof serial);
	ck_assert_uint_eq(v.ccf.succ[0], 0);
	engine_ccf_view_free(&v);
	ck_assert_ptr_null(v.insn);
	ck_assert_ptr_null(v.host);
	/* A preview is not kept. */
	ck_assert_int_eq(e->ops->tc_show(e, CODE, false, &v, err, sizeof err), -1);
	ck_assert_str_eq(err, "no CCF holds 0x00100000");
	ck_assert_ptr_null(v.insn);
	ck_assert_int_eq(v.ninsn, 0);
}
END_TEST

START_TEST(show_after_run_and_bad_id)
{
	char err[200];
	struct engine_ccf_view v;
	struct stop_info s;
	load(serial, sizeof serial);
	e->ops->run(e, &s);
	ck_assert_int_eq(s.reason, STOP_EXIT);
	ck_assert_int_eq(e->ops->tc_show(e, CODE + 6, false, &v, err, sizeof err), 0);
	check_serial_view(&v);
	ck_assert_uint_eq(v.ccf.entries, 1);
	uint32_t id = v.ccf.id;
	engine_ccf_view_free(&v);
	ck_assert_int_eq(e->ops->tc_show(e, id, true, &v, err, sizeof err), 0);
	ck_assert_uint_eq(v.ccf.id, id);
	engine_ccf_view_free(&v);
	ck_assert_int_eq(e->ops->tc_show(e, 99999, true, &v, err, sizeof err), -1);
	ck_assert_str_eq(err, "no CCF 99999 in the translation cache");
	ck_assert_int_eq(v.ninsn, 0);
	engine_ccf_view_free(&v);
}
END_TEST

/* The newest event of kind k among the log's, or NULL. */
static const struct ev *find_ev(const struct ev *ev, size_t n, enum ev_kind k)
{
	const struct ev *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == k)
			found = &ev[i];
	return found;
}

START_TEST(events_carry_typed_fields)
{
	static struct ev ev[256];
	char err[200];
	struct stop_info s;
	load(serial, sizeof serial);
	e->ops->run(e, &s);
	size_t n = evlog_tail(&m.events, ev, 256);
	const struct ev *t = find_ev(ev, n, EV_TRANSLATE);
	ck_assert_ptr_nonnull(t);
	struct engine_ccf_view v;
	ck_assert_int_eq(e->ops->tc_show(e, (uint32_t)t->ccf, true, &v, err, sizeof err), 0);
	ck_assert_uint_eq(t->eip, v.ccf.eip);
	ck_assert_uint_eq(t->d.translate.end, v.ccf.end);
	ck_assert_uint_eq(t->d.translate.ninsn, v.ccf.ninsn);
	ck_assert_uint_eq(t->d.translate.host_bytes, v.ccf.host_len);
	ck_assert(!t->d.translate.once);
	engine_ccf_view_free(&v);
	/* The first callout: out dx, al, port I/O, which changed nothing. */
	const struct ev *c = NULL;
	for (size_t i = 0; i < n && !c; i++)
		if (ev[i].kind == EV_CALLOUT)
			c = &ev[i];
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->eip, CODE + 6);
	ck_assert_int_eq(c->d.sens.cls, SC_IO);
	ck_assert_str_eq(c->d.sens.insn, "out dx, al");
	ck_assert_int_eq(c->nchanges, 0);
}
END_TEST

START_TEST(chain_and_exception_events)
{
	static struct ev ev[256];
	char err[200];
	struct stop_info s;
	static const uint8_t code[] = {
		0xb8, 0x01, 0, 0, 0,   /* mov eax, 1 */
		0x31, 0xc9,            /* xor ecx, ecx */
		0xf7, 0xf1,            /* div ecx: #DE, no IDT: the guest triple-faults */
	};
	ck_assert_int_eq(e->ops->configure(e, "tu-max", "1", err, sizeof err), 0);
	load(code, sizeof code);
	e->ops->run(e, &s);
	size_t n = evlog_tail(&m.events, ev, 256);
	const struct ev *ch = find_ev(ev, n, EV_CHAIN);
	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq((int32_t)ch->d.chain.from, ch->ccf);
	ck_assert_uint_ne(ch->d.chain.to, 0);
	ck_assert_uint_ne(ch->d.chain.to, ch->d.chain.from);
	ck_assert_uint_eq(ch->d.chain.exit, 0);
	const struct ev *x = find_ev(ev, n, EV_EXCEPTION);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->d.exception.vector, 0);   /* #DE */
	ck_assert(!x->d.exception.has_error);
	ck_assert_uint_eq(x->eip, CODE + 7);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_create("records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, translate_gives_records);
	tcase_add_test(tc, show_after_run_and_bad_id);
	tcase_add_test(tc, events_carry_typed_fields);
	tcase_add_test(tc, chain_and_exception_events);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
