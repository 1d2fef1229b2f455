/* The translation cache: tc list [FILTER], tc show ADDR|ID, tc flush, and
 * translate ADDR (what a TU would become, without running or keeping it).
 * The TC is not thread-safe, so each runs on the vCPU thread while the guest
 * is stopped; the engine's records are collected there and formatted here. */
#include "session/cmd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cmd_tc_subcommands[] = { "list", "show", "flush", NULL };

static int tc_need(struct session *s, const char *what)
{
	if (!engine_has(s->e, ENGINE_CAP_TC))
		return cmd_error(s, "%s: the %s engine has no translation cache", what, s->e->ops->name);
	return 0;
}

/* tc list */
struct tc_list_call {
	struct session *s;
	struct engine_ccf *v;
	size_t n, cap;
	bool nomem;
};

static void tc_list_one(void *ctx, const struct engine_ccf *c)
{
	struct tc_list_call *t = ctx;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct engine_ccf *v = realloc(t->v, cap * sizeof *v);
		if (!v) {
			t->nomem = true;
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *c;
}

static void tc_list_run(void *arg)
{
	struct tc_list_call *t = arg;
	t->s->e->ops->tc_list(t->s->e, tc_list_one, t);
}

static int tc_ccf_cmp(const void *a, const void *b)
{
	const struct engine_ccf *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* FILTER: "chained", a symbol (its whole extent), LO..HI, or one address. */
struct tc_filter {
	bool chained;
	uint32_t lo, hi;   /* [lo, hi) overlaps the CCF; hi == 0 means none */
	bool range;
};

static int tc_parse_filter(struct session *s, const char *text, struct tc_filter *f)
{
	char err[160];
	memset(f, 0, sizeof *f);
	if (strcmp(text, "chained") == 0) {
		f->chained = true;
		return 0;
	}
	for (int i = 0; i < s->syms.n; i++)
		if (strcmp(s->syms.s[i].name, text) == 0) {
			f->range = true;
			f->lo = s->syms.s[i].addr;
			f->hi = f->lo + (s->syms.s[i].size ? s->syms.s[i].size : 1);
			return 0;
		}
	const char *dots = strstr(text, "..");
	if (dots) {
		char lo[128];
		if ((size_t)(dots - text) >= sizeof lo)
			return cmd_error(s, "tc list: filter too long");
		memcpy(lo, text, (size_t)(dots - text));
		lo[dots - text] = 0;
		if (cmd_parse_addr(s, lo, &f->lo, err, sizeof err) < 0 ||
		    cmd_parse_addr(s, dots + 2, &f->hi, err, sizeof err) < 0)
			return cmd_error(s, "tc list: %s", err);
		if (f->hi <= f->lo)
			return cmd_error(s, "tc list: empty range '%s' (LO..HI with HI above LO)", text);
		f->range = true;
		return 0;
	}
	if (cmd_parse_addr(s, text, &f->lo, err, sizeof err) < 0)
		return cmd_error(s, "tc list: %s (a filter is chained, a symbol, LO..HI or an address)", err);
	f->hi = f->lo + 1;
	f->range = true;
	return 0;
}

static bool tc_filter_match(const struct tc_filter *f, const struct engine_ccf *c)
{
	if (f->chained) {
		bool any = false;
		for (int i = 0; i < c->nexits && i < 2; i++)
			any |= c->succ[i] != 0;
		return any;
	}
	if (f->range)
		return c->eip < f->hi && c->end > f->lo;
	return true;
}

static int tc_list(struct session *s, int argc, char **argv)
{
	struct tc_filter f;
	memset(&f, 0, sizeof f);
	if (argc > 3)
		return cmd_error(s, "usage: tc list [chained|SYMBOL|LO..HI|ADDR]");
	if (argc == 3 && tc_parse_filter(s, argv[2], &f) < 0)
		return -1;
	struct tc_list_call t = { .s = s };
	if (cmd_on_vcpu(s, "tc list", tc_list_run, &t) < 0)
		return -1;
	if (t.nomem) {
		free(t.v);
		return cmd_error(s, "tc list: out of memory");
	}
	if (t.n)
		qsort(t.v, t.n, sizeof *t.v, tc_ccf_cmp);
	out_printf(s->out, "%6s  %-21s %5s %6s %9s  %s\n", "ccf", "guest range", "insns", "bytes", "entries",
		   "symbol, exits");
	size_t shown = 0;
	for (size_t i = 0; i < t.n; i++) {
		const struct engine_ccf *c = &t.v[i];
		if (!tc_filter_match(&f, c))
			continue;
		char sym[96], exits[160] = "";
		size_t k = 0;
		sym_format(&s->syms, c->eip, sym, sizeof sym);
		for (int x = 0; x < c->nexits && x < 2; x++) {
			if (c->succ[x])
				k += (size_t)snprintf(exits + k, sizeof exits - k, "  -> 0x%08x [CCF %u]", c->target[x], c->succ[x]);
			else
				k += (size_t)snprintf(exits + k, sizeof exits - k, "  -> 0x%08x [unchained]", c->target[x]);
		}
		if (c->forward && k < sizeof exits)
			snprintf(exits + k, sizeof exits - k, "  forwards to CCF %u", c->forward);
		out_printf(s->out, "%6u  0x%08x-0x%08x %5u %6u %9llu  %s%s%s%s%s\n", c->id, c->eip, c->end, c->ninsn,
			   c->host_len, (unsigned long long)c->entries, sym[0] ? "<" : "", sym, sym[0] ? ">" : "",
			   c->key ? " (CPL 1-3)" : "", exits);
		shown++;
	}
	out_printf(s->out, "%zu of %zu CCFs\n", shown, t.n);
	free(t.v);
	return 0;
}

/* tc show / translate: the records are read on the vCPU thread and
 * formatted here. */
struct tc_view_call {
	struct session *s;
	bool translate, by_id;
	uint32_t what;
	struct engine_ccf_view v;
	int rc;
	char err[200];
};

static void tc_view_run(void *arg)
{
	struct tc_view_call *t = arg;
	struct engine *e = t->s->e;
	if (t->translate)
		t->rc = e->ops->tc_translate(e, t->what, &t->v, t->err, sizeof t->err);
	else
		t->rc = e->ops->tc_show(e, t->what, t->by_id, &t->v, t->err, sizeof t->err);
}

/* The text of a CCF view: a header, its exits and forwarding, then each guest
 * instruction beside its host code (its first host instruction on its line). */
static void tc_view_print(struct session *s, const struct engine_ccf_view *v)
{
	const struct engine_ccf *c = &v->ccf;
	out_printf(s->out, "CCF %u: guest 0x%08x-0x%08x, %u instructions, %u bytes of host code at %p%s, entered %llu times\n",
		   c->id, c->eip, c->end, c->ninsn, c->host_len, (void *)(uintptr_t)c->host, c->key ? " (CPL 1-3)" : "",
		   (unsigned long long)c->entries);
	for (int i = 0; i < c->nexits && i < 3; i++) {
		if (c->succ[i])
			out_printf(s->out, "  exit %d -> 0x%08x: chained to CCF %u\n", i, c->target[i], c->succ[i]);
		else
			out_printf(s->out, "  exit %d -> 0x%08x: not chained (leaves to the dispatcher)\n", i, c->target[i]);
	}
	if (c->forward)
		out_printf(s->out, "  forwards to CCF %u at host offset 0x%x (adaptive retranslation)\n", c->forward,
			   c->forward_off);
	for (int i = 0; i < v->ninsn; i++) {
		const struct engine_insn *in = &v->insn[i];
		char gbytes[48] = "";
		for (int b = 0; b < in->nbytes && b < 10; b++)
			snprintf(gbytes + 3 * b, sizeof gbytes - 3 * (size_t)b, "%02x ", in->bytes[b]);
		const char *kind = engine_kind_name(in->kind);
		int nh = in->nhost > 0 ? in->nhost : 1;
		for (int h = 0; h < nh; h++) {
			const char *htext = in->nhost > 0 ? v->host[in->host_first + h].text : "";
			if (h == 0)
				out_printf(s->out, "  0x%08x  %-24s %-34s %-7s | %s\n", in->eip, gbytes, in->text, kind, htext);
			else
				out_printf(s->out, "  %-10s  %-24s %-34s %-7s | %s\n", "", "", "", "", htext);
		}
	}
}

static int tc_view(struct session *s, const char *what, struct tc_view_call *t)
{
	t->s = s;
	if (cmd_on_vcpu(s, what, tc_view_run, t) < 0) {
		engine_ccf_view_free(&t->v);
		return -1;
	}
	if (t->rc < 0) {
		engine_ccf_view_free(&t->v);
		if (!t->translate && !t->by_id)
			return cmd_error(s, "%s: %s (not translated yet: translate 0x%08x shows what it would become)", what,
					 t->err, t->what);
		return cmd_error(s, "%s: %s", what, t->err);
	}
	tc_view_print(s, &t->v);
	engine_ccf_view_free(&t->v);
	return 0;
}

/* The address argument of tc show / translate, or EIP if there is none. */
static int tc_addr_arg(struct session *s, const char *what, const char *arg, uint32_t *addr)
{
	char err[160];
	if (!arg) {
		if (cmd_need_stopped(s, what) < 0)
			return -1;
		struct vcpu_state st;
		cmd_state(s, &st);
		*addr = st.eip;
		return 0;
	}
	if (cmd_parse_addr(s, arg, addr, err, sizeof err) < 0)
		return cmd_error(s, "%s: %s", what, err);
	return 0;
}

static int tc_show(struct session *s, int argc, char **argv)
{
	struct tc_view_call t = { .s = s };
	if (argc > 3)
		return cmd_error(s, "usage: tc show [ADDR|ID]");
	const char *arg = argc == 3 ? argv[2] : NULL;
	bool digits = arg && *arg;
	for (const char *p = arg; p && *p; p++)
		digits &= isdigit((unsigned char)*p) != 0;
	if (digits) {
		uint64_t id;
		if (cmd_parse_num(arg, 1, 0xffffffffu, &id) < 0)
			return cmd_error(s, "tc show: bad CCF number '%s'", arg);
		t.what = (uint32_t)id;
		t.by_id = true;
	} else if (tc_addr_arg(s, "tc show", arg, &t.what) < 0) {
		return -1;
	}
	return tc_view(s, "tc show", &t);
}

static void tc_flush_run(void *arg)
{
	struct session *s = arg;
	s->e->ops->tc_flush(s->e);
}

static int do_tc(struct session *s, int argc, char **argv)
{
	if (argc < 2)
		return cmd_error(s, "usage: tc list [FILTER] | tc show [ADDR|ID] | tc flush");
	if (tc_need(s, "tc") < 0)
		return -1;
	size_t len = strlen(argv[1]);
	if (!len)
		return cmd_error(s, "tc: empty subcommand (list, show or flush)");
	if (strncmp(argv[1], "list", len) == 0)
		return tc_list(s, argc, argv);
	if (strncmp(argv[1], "show", len) == 0)
		return tc_show(s, argc, argv);
	if (strncmp(argv[1], "flush", len) == 0) {
		if (argc > 2)
			return cmd_error(s, "tc flush takes no arguments");
		if (cmd_on_vcpu(s, "tc flush", tc_flush_run, s) < 0)
			return -1;
		out_printf(s->out, "translation cache flushed\n");
		return 0;
	}
	return cmd_error(s, "tc: unknown subcommand '%s' (list, show or flush)", argv[1]);
}

static int do_translate(struct session *s, int argc, char **argv)
{
	struct tc_view_call t = { .translate = true };
	if (argc > 2)
		return cmd_error(s, "usage: translate [ADDR]");
	if (tc_need(s, "translate") < 0)
		return -1;
	if (tc_addr_arg(s, "translate", argc == 2 ? argv[1] : NULL, &t.what) < 0)
		return -1;
	if (!cmd_mapped(s, t.what, 1))
		return cmd_error(s, "translate: 0x%08x is not in guest RAM", t.what);
	return tc_view(s, "translate", &t);
}

const struct cmd cmd_table_tc[] = {
	{ "tc", "list|show|flush [ARG]", "inspect the translation cache (tc list [FILTER], tc show ADDR|ID, tc flush)",
	  "  tc list [FILTER]  CCFs with guest range, instructions, host bytes, dispatcher entries,\n"
	  "                    symbol and exits (chained successor CCF or unchained); FILTER is\n"
	  "                    chained, a symbol (its whole extent), LO..HI or one address\n"
	  "  tc show ADDR|ID   one CCF: each guest instruction beside its host code, marked IDENT,\n"
	  "                    REENC (re-encoded memory operand), REWRITE, CALLOUT, INTC (in-TC\n"
	  "                    emulation), TRAP, NAIVE or EXIT; a plain decimal number is a CCF id,\n"
	  "                    anything else (0x12, a symbol, $eip) a guest address inside a CCF\n"
	  "  tc flush          drop every CCF (all guest code is translated again)",
	  do_tc, CC_TC, false },
	{ "translate", "[ADDR]", "show what a TU at ADDR (default EIP) would become, without running or keeping it",
	  NULL, do_translate, CC_ADDR, false },
	{ NULL, NULL, NULL, NULL, NULL, CC_NONE, false },
};
