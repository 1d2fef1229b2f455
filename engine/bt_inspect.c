/* The translation cache as the debugger shows it: `tc list` (CCFs with their
 * guest range, size, entries and chained successors), `tc show` (each guest
 * instruction beside its host code, marked IDENT, re-encoded, rewritten,
 * callout, in-TC, trap, naive or exit), `translate` (what a TU would become,
 * without running or keeping it) and the marks the TUI puts beside
 * disassembled guest addresses. tc show and translate hand out records
 * (struct engine_ccf_view); the front ends format them. */
#include "engine/bt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	o->forward_off = c->forward_to ? c->forward_off : 0;
	o->host = (uint64_t)(uintptr_t)c->host;
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

/* The callout handler of c's instruction at eip: its descriptor is among
 * the ones c owns (c->owned holds only callout descriptors). */
static const char *bt_handler_at(const struct ccf *c, uint32_t eip)
{
	for (int i = 0; i < c->nowned; i++) {
		const struct bt_callout *co = c->owned[i];
		if (co->insn.eip == eip)
			return bt_callout_name(co->fn);
	}
	return NULL;
}

static void *bt_grow(void *p, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return p;
	int cap2 = *cap ? *cap * 2 : 32;
	while (cap2 < need)
		cap2 *= 2;
	void *q = realloc(p, (size_t)cap2 * size);
	if (q)
		*cap = cap2;
	return q;
}

/* Fill v with c: its header record, then each guest instruction with its
 * host instructions. 0, or -1 (out of memory; v left zeroed). */
static int bt_ccf_view(struct bt_engine *be, const struct ccf *c, struct engine_ccf_view *v)
{
	int capi = 0, caph = 0;

	memset(v, 0, sizeof *v);
	bt_ccf_info(c, &v->ccf);
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
		struct engine_insn *ins = bt_grow(v->insn, &capi, v->ninsn + 1, sizeof *v->insn);
		if (!ins)
			goto nomem;
		v->insn = ins;
		struct engine_insn *o = &v->insn[v->ninsn++];
		memset(o, 0, sizeof *o);
		o->eip = m->eip;
		o->len = m->len;
		o->kind = (enum engine_kind)m->kind;
		o->host_off = m->host_off;
		o->host_len = end > m->host_off ? end - m->host_off : 0;
		o->handler = m->kind == CK_CALLOUT ? bt_handler_at(c, m->eip) : NULL;
		snprintf(o->text, sizeof o->text, "(unreadable)");
		struct bt_insn in;
		if (bt_fetch_insn(be, m->eip, &in) == 0) {   /* through the paging, if on */
			snprintf(o->text, sizeof o->text, "%s", in.text);
			o->nbytes = in.len < sizeof o->bytes ? in.len : sizeof o->bytes;
			memcpy(o->bytes, in.bytes, o->nbytes);
		}
		o->host_first = v->nhost;
		for (uint32_t off = m->host_off; off < end;) {
			const cs_insn *h = dec_host(&be->xlat.dec, c->host + off, end - off);
			if (!h)
				break;
			struct engine_host_insn *hs = bt_grow(v->host, &caph, v->nhost + 1, sizeof *v->host);
			if (!hs)
				goto nomem;
			v->host = hs;
			struct engine_host_insn *ho = &v->host[v->nhost++];
			ho->off = off;
			ho->len = (uint8_t)h->size;
			snprintf(ho->text, sizeof ho->text, "%.15s %.78s", h->mnemonic, h->op_str);
			o->nhost++;
			off += h->size;
		}
	}
	return 0;
nomem:
	engine_ccf_view_free(v);
	return -1;
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

int bt_tc_show(struct engine *e, uint32_t what, bool by_id, struct engine_ccf_view *v, char *err, size_t errlen)
{
	struct bt_engine *be = (struct bt_engine *)e;
	struct ccf *c = bt_find(be, what, by_id);
	memset(v, 0, sizeof *v);
	if (!c) {
		snprintf(err, errlen, by_id ? "no CCF %u in the translation cache" : "no CCF holds 0x%08x", what);
		return -1;
	}
	if (bt_ccf_view(be, c, v) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int bt_tc_translate(struct engine *e, uint32_t eip, struct engine_ccf_view *v, char *err, size_t errlen)
{
	struct bt_engine *be = (struct bt_engine *)e;
	struct ccf *c = NULL;
	memset(v, 0, sizeof *v);
	bt_xlat_prepare(be);
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
	int rc = bt_ccf_view(be, c, v);
	c->valid = false;   /* a preview: never run, found or chained */
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void bt_tc_flush(struct engine *e)
{
	struct bt_engine *be = (struct bt_engine *)e;
	tc_flush(&be->tc);
	be->ctx->exit_site = 0;
	evlog_add_data(&e->m->events, EV_INVALIDATE, be->ctx->arch.eip, -1,
		       &(union ev_data){ .invalidate = { .page = EV_ALL_PAGES, .count = -1 } },
		       "translation cache flushed by the user");
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
