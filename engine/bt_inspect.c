/* The translation cache as the debugger shows it: `tc list` (CCFs with their
 * guest range, size, entries and chained successors), `tc show` (each guest
 * instruction beside its host code, marked IDENT, re-encoded, rewritten,
 * callout, in-TC, trap, naive or exit), `translate` (what a TU would become,
 * without running or keeping it) and the marks the TUI puts beside
 * disassembled guest addresses. */
#include "engine/bt.h"

#include <stdio.h>
#include <string.h>

static const char *const bt_kind_names[] = {
	[CK_IDENT] = "IDENT", [CK_REENC] = "REENC", [CK_REWRITE] = "REWRITE", [CK_CALLOUT] = "CALLOUT",
	[CK_INTC] = "INTC", [CK_EXIT] = "EXIT", [CK_TRAP] = "TRAP", [CK_NAIVE] = "NAIVE",
};

static void bt_ccf_info(const struct ccf *c, struct engine_ccf *o)
{
	memset(o, 0, sizeof *o);
	o->id = c->id;
	o->eip = c->eip;
	o->end = c->end;
	o->ninsn = c->ninsn;
	o->host_len = c->host_len;
	o->entries = c->entries;
	o->key = c->key;
	o->nexits = c->nexits;
	for (int i = 0; i < c->nexits && i < 3; i++) {
		o->target[i] = c->exits[i].target;
		o->succ[i] = c->exits[i].to ? c->exits[i].to->id : 0;
	}
	o->forward = c->forward_to ? c->forward_to->id : 0;
}

int bt_tc_list(struct engine *e, void (*fn)(void *ctx, const struct engine_ccf *c), void *ctx)
{
	struct bt_engine *be = (struct bt_engine *)e;
	int n = 0;
	for (int i = 0; i < be->tc.n; i++) {
		const struct ccf *c = be->tc.all[i];
		if (!c->valid || c->transient)
			continue;
		struct engine_ccf o;
		bt_ccf_info(c, &o);
		fn(ctx, &o);
		n++;
	}
	return n;
}

/* Print c: a header, then each guest instruction with its host code. */
static void bt_show_ccf(struct bt_engine *be, const struct ccf *c, engine_line_fn *out, void *ctx)
{
	char line[512];
	const struct guestmem *gm = &be->base.m->mem;

	snprintf(line, sizeof line, "CCF %u: guest 0x%08x-0x%08x, %u instructions, %u bytes of host code at %p%s, entered %llu times",
		 c->id, c->eip, c->end, c->ninsn, c->host_len, (void *)c->host, c->key ? " (CPL 1-3)" : "",
		 (unsigned long long)c->entries);
	out(ctx, line);
	for (int i = 0; i < c->nexits; i++) {
		if (c->exits[i].to)
			snprintf(line, sizeof line, "  exit %d -> 0x%08x: chained to CCF %u", i, c->exits[i].target, c->exits[i].to->id);
		else
			snprintf(line, sizeof line, "  exit %d -> 0x%08x: not chained (leaves to the dispatcher)", i, c->exits[i].target);
		out(ctx, line);
	}
	if (c->forward_to) {
		snprintf(line, sizeof line, "  forwards to CCF %u at host offset 0x%x (adaptive retranslation)",
			 c->forward_to->id, c->forward_off);
		out(ctx, line);
	}
	for (int i = 0; i < c->nmap; i++) {
		const struct ccf_map *m = &c->map[i];
		if (i > 0 && c->map[i - 1].eip == m->eip)
			continue;   /* a second entry of the same instruction */
		uint32_t end = c->body_len;
		for (int j = i + 1; j < c->nmap; j++)
			if (c->map[j].eip != m->eip) {
				end = c->map[j].host_off;
				break;
			}
		if (i == c->nmap - 1 || end < m->host_off)
			end = c->body_len;
		char gtext[96] = "(unreadable)", gbytes[48] = "";
		struct bt_insn in;
		if (gmem_is_ram(gm, m->eip, 1) && bt_fetch_insn(be, m->eip, &in) == 0) {
			snprintf(gtext, sizeof gtext, "%s", in.text);
			for (int b = 0; b < in.len && b < 10; b++)
				snprintf(gbytes + 3 * b, sizeof gbytes - 3 * (size_t)b, "%02x ", in.bytes[b]);
		}
		const char *kind = m->kind < sizeof bt_kind_names / sizeof bt_kind_names[0] ? bt_kind_names[m->kind] : "?";
		/* Host instructions, the first on the guest instruction's line. */
		uint32_t off = m->host_off;
		bool first = true;
		do {
			char htext[96] = "";
			const cs_insn *h = off < end ? dec_host(&be->xlat.dec, c->host + off, end - off) : NULL;
			if (h)
				snprintf(htext, sizeof htext, "%.15s %.78s", h->mnemonic, h->op_str);
			if (first)
				snprintf(line, sizeof line, "  0x%08x  %-24s %-34s %-7s | %s", m->eip, gbytes, gtext, kind, htext);
			else
				snprintf(line, sizeof line, "  %-10s  %-24s %-34s %-7s | %s", "", "", "", "", htext);
			out(ctx, line);
			first = false;
			if (!h)
				break;
			off += h->size;
		} while (off < end);
	}
}

static struct ccf *bt_find(struct bt_engine *be, uint32_t what, bool by_id)
{
	struct ccf *best = NULL;
	for (int i = 0; i < be->tc.n; i++) {
		struct ccf *c = be->tc.all[i];
		if (!c->valid || c->transient)
			continue;
		if (by_id ? c->id == what : (what >= c->eip && what < c->end)) {
			/* By address: prefer the CCF that starts there, then the newest. */
			if (!best || by_id || c->eip == what || best->eip != what)
				best = c;
		}
	}
	return best;
}

int bt_tc_show(struct engine *e, uint32_t what, bool by_id, engine_line_fn *out, void *ctx, char *err, size_t errlen)
{
	struct bt_engine *be = (struct bt_engine *)e;
	struct ccf *c = bt_find(be, what, by_id);
	if (!c) {
		snprintf(err, errlen, by_id ? "no CCF %u in the translation cache" : "no CCF holds 0x%08x", what);
		return -1;
	}
	bt_show_ccf(be, c, out, ctx);
	return 0;
}

int bt_tc_translate(struct engine *e, uint32_t eip, engine_line_fn *out, void *ctx, char *err, size_t errlen)
{
	struct bt_engine *be = (struct bt_engine *)e;
	struct ccf *c = NULL;
	be->xlat.key = emu_cpl(&be->ctx->arch) != 0;
	be->xlat.cr0 = be->ctx->arch.cr0;
	be->xlat.cr4 = be->ctx->arch.cr4;
	be->xlat.st = &be->ctx->arch;
	be->xlat.user = emu_cpl(&be->ctx->arch) == 3;
	enum xlat_status st = xlat_tu(&be->xlat, eip, be->xlat.tu_max, true, &c);
	if (st == XLAT_FULL) {
		tc_flush(&be->tc);
		st = xlat_tu(&be->xlat, eip, be->xlat.tu_max, true, &c);
	}
	if (st == XLAT_PF) {
		snprintf(err, errlen, "0x%08x cannot be fetched: the guest would take #PF(0x%x) at 0x%08x", eip,
			 be->xlat.pf_error, be->xlat.pf_lin);
		return -1;
	}
	if (st != XLAT_OK) {
		snprintf(err, errlen, "%s", st == XLAT_FAIL ? be->xlat.err : "the translation cache is full");
		return -1;
	}
	bt_show_ccf(be, c, out, ctx);
	c->valid = false;   /* a preview: never run, found or chained */
	return 0;
}

void bt_tc_flush(struct engine *e)
{
	struct bt_engine *be = (struct bt_engine *)e;
	tc_flush(&be->tc);
	be->ctx->exit_site = 0;
	evlog_add(&e->m->events, EV_INVALIDATE, be->ctx->arch.eip, -1, "translation cache flushed by the user");
}

enum engine_mark bt_addr_mark(struct engine *e, uint32_t eip)
{
	struct bt_engine *be = (struct bt_engine *)e;
	enum engine_mark mark = MARK_NONE;
	for (int i = 0; i < be->tc.n; i++) {
		const struct ccf *c = be->tc.all[i];
		if (!c->valid || c->transient || eip < c->eip || eip >= c->end)
			continue;
		if (c->eip == eip)
			return c->nin ? MARK_CHAINED : MARK_CCF_START;
		mark = MARK_IN_CCF;
	}
	return mark;
}
