/* Trap-and-emulate, and adaptive retranslation ("innocent until proven
 * guilty"): an instruction translated IDENT faults on the host, the fault
 * handler hands it here, its callout emulates it from the dispatcher, and
 * the trap is counted per guest address. Under the adaptive treatment, the
 * SENS_ADAPTIVE_THRESHOLD-th trap at an address marks it guilty: a new CCF
 * is translated from there with the instruction emulated inline (or as a
 * callout), and the old translation is patched with a forwarding jump to it,
 * so chains into the old CCF keep working and never trap there again. */
#include "engine/bt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_TRAPS_INIT 1024   /* slots, a power of two */

static struct bt_trapcount *bt_trap_slot(struct bt_engine *be, uint32_t eip, bool create)
{
	if (!be->traps) {
		if (!create)
			return NULL;
		be->traps = calloc(BT_TRAPS_INIT, sizeof *be->traps);
		if (!be->traps)
			return NULL;
		be->ntraps_cap = BT_TRAPS_INIT;
	}
	uint32_t mask = be->ntraps_cap - 1;
	for (uint32_t i = (eip * 2654435761u) & mask, n = 0; n < be->ntraps_cap; i = (i + 1) & mask, n++) {
		struct bt_trapcount *t = &be->traps[i];
		if (t->count && t->eip == eip)
			return t;
		if (!t->count) {
			if (!create)
				return NULL;
			t->eip = eip;
			return t;
		}
	}
	return NULL;   /* full: stop counting new addresses (they stay trap-emulated) */
}

bool bt_is_guilty(void *opaque, uint32_t eip)
{
	struct bt_trapcount *t = bt_trap_slot(opaque, eip, false);
	return t && t->count >= SENS_ADAPTIVE_THRESHOLD;
}

/* Retranslate from the guilty instruction and forward the old CCF to it. */
static void bt_retranslate(struct bt_engine *be, struct ccf *old, const struct ccf_map *m,
			   const struct bt_insn *in, uint32_t traps, bool mmio)
{
	/* A translation that starts at the guilty instruction and still traps
	 * there is out of date: drop it so the retranslation replaces it. */
	struct ccf *stale = tc_lookup_key(&be->tc, in->eip, be->ctx->arch.seg[S_CS].sel & 3 ? 1 : 0);
	if (stale && stale->nmap && (mmio ? stale->map[0].kind != CK_CALLOUT : stale->map[0].kind == CK_TRAP))
		tc_invalidate(&be->tc, stale);
	struct ccf *fresh = bt_get_ccf(be, in->eip, be->xlat.tu_max, false);
	if (!fresh || fresh == old || !old->valid)
		return;
	tc_forward(&be->tc, old, m->host_off, fresh);
	union ev_data d = { .retranslate = { .treatment = fresh->map[0].kind == CK_INTC ? TREAT_INTC : TREAT_CALLOUT,
					      .mmio = mmio, .count = traps, .old_ccf = old->id } };
	evlog_insn_copy(d.retranslate.insn, in->text);
	evlog_add_data(&be->base.m->events, EV_RETRANSLATE, in->eip, (int32_t)fresh->id, &d,
		  "'%s' %s %u times: retranslated as %s in CCF %u; CCF %u forwards to it",
		  in->text, mmio ? "reached MMIO" : "trapped", traps,
		  fresh->map[0].kind == CK_INTC ? "intc" : "callout", fresh->id, old->id);
}

void bt_mmio_adapt(struct bt_engine *be, struct ccf *c, const struct ccf_map *m, const struct bt_insn *in)
{
	struct bt_trapcount *t = bt_trap_slot(be, in->eip, true);
	uint32_t n = t ? ++t->count : 0;
	union ev_data d = { .sens = { .cls = -1, .mmio = true, .count = n } };
	evlog_insn_copy(d.sens.insn, in->text);
	evlog_add_data(&be->base.m->events, EV_TRAP, in->eip, (int32_t)c->id, &d, "%.40s reached MMIO (trap %u)", in->text, n);
	if (n >= SENS_ADAPTIVE_THRESHOLD && c->valid)
		bt_retranslate(be, c, m, in, n, true);
}

/* Innocent again: a guilty memory instruction (a kernel's memmove, proven
 * guilty by a screen scroll) whose callout found only RAM BT_MMIO_ACQUIT
 * times in a row is translated IDENT again, and the CCF its callout is in
 * forwards to the new translation. Its trap count restarts below the
 * threshold, so a device it reaches again proves it guilty again. The
 * callout only notes it: translating could flush the TC it returns to. */
bool bt_mmio_acquit(struct bt_engine *be, const struct bt_callout *co)
{
	struct bt_trapcount *t = bt_trap_slot(be, co->insn.eip, false);
	if (!t || be->acquit.pending)
		return false;
	t->count = 1;   /* not 0: that marks a free slot of the open addressing */
	be->acquit = (struct bt_acquit){ .pending = true, .eip = co->insn.eip, .ccf_id = co->ccf_id,
					 .key = be->ctx->arch.seg[S_CS].sel & 3 ? 1 : 0 };
	evlog_insn_copy(be->acquit.text, co->insn.text);
	return true;
}

static struct ccf *bt_ccf_by_id(struct bt_engine *be, uint32_t id)
{
	for (int i = 0; i < be->tc.n; i++)
		if (be->tc.all[i]->id == id && be->tc.all[i]->valid)
			return be->tc.all[i];
	return NULL;
}

void bt_mmio_acquit_now(struct bt_engine *be)
{
	struct bt_acquit a = be->acquit;
	be->acquit.pending = false;
	struct ccf *stale = tc_lookup_key(&be->tc, a.eip, a.key);
	if (stale && stale->nmap && stale->map[0].kind == CK_CALLOUT)
		tc_invalidate(&be->tc, stale);   /* one starting at it: the lookup retranslates */
	struct ccf *fresh = bt_get_ccf(be, a.eip, be->xlat.tu_max, false);
	if (!fresh)
		return;
	struct ccf *old = bt_ccf_by_id(be, a.ccf_id);   /* after the translation: it may have flushed */
	const struct ccf_map *m = NULL;
	for (int i = 0; old && i < old->nmap && !m; i++)
		if (old->map[i].eip == a.eip && old->map[i].kind == CK_CALLOUT)
			m = &old->map[i];
	if (m && old != fresh)
		tc_forward(&be->tc, old, m->host_off, fresh);
	union ev_data d = { .retranslate = { .treatment = TREAT_TRAP, .acquitted = true, .count = BT_MMIO_ACQUIT,
					      .old_ccf = m ? old->id : a.ccf_id } };
	memcpy(d.retranslate.insn, a.text, sizeof d.retranslate.insn);
	evlog_add_data(&be->base.m->events, EV_RETRANSLATE, a.eip, (int32_t)fresh->id, &d,
		       "'%s' found only RAM %u times in a row: translated IDENT again in CCF %u%s", a.text,
		       BT_MMIO_ACQUIT, fresh->id, m ? "; the old CCF forwards to it" : "");
}

bool bt_trap(struct bt_engine *be, struct ccf *c, const struct ccf_map *m)
{
	struct bt_ctx *ctx = be->ctx;
	struct bt_callout co = { 0 };
	bool ends;
	int cls;

	if (bt_fetch_insn(be, m->eip, &co.insn) < 0) {
		bt_set_pending(be, STOP_ERROR, m->eip, "cannot decode the trapping instruction at EIP 0x%08x", m->eip);
		return false;
	}
	co.fn = bt_callout_lookup(&co.insn, &ends, &cls);
	co.ccf_id = c->id;
	if (!co.fn || cls < 0) {
		bt_set_pending(be, STOP_ERROR, m->eip, "unexpected trap at EIP 0x%08x: %s", m->eip, co.insn.text);
		return false;
	}
	if (co.insn.mem_op >= 0)
		ctx->callout_ea = bt_insn_ea(ctx, &co.insn);
	ctx->arch.eip = m->eip;
	struct vcpu_state before = ctx->arch;
	int leave = co.fn(be, ctx, &co);
	ctx->hflags = (ctx->hflags & ~(uint64_t)BT_HFLAGS_MASK) | (ctx->arch.eflags & BT_HFLAGS_MASK);
	if (!leave)
		ctx->arch.eip = m->eip + m->len;
	struct bt_trapcount *t = bt_trap_slot(be, m->eip, true);
	uint32_t n = t ? ++t->count : 0;
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	int nch = vcpu_state_changes(&before, &ctx->arch, ch, VCPU_MAX_CHANGES);
	char what[64];
	snprintf(what, sizeof what, "%.40s (trap %u)", co.insn.text, n);
	union ev_data d = { .sens = { .cls = (int8_t)cls, .count = n } };
	evlog_insn_copy(d.sens.insn, co.insn.text);
	evlog_add_change_data(&be->base.m->events, EV_TRAP, m->eip, (int32_t)c->id, &d, what, ch, nch);
	/* Guilty: this CCF forwards to the retranslation from now on. Other CCFs
	 * that hold the same instruction get forwarded on their first trap. */
	if (n >= SENS_ADAPTIVE_THRESHOLD && be->base.m->policy.t[cls] == TREAT_ADAPTIVE)
		bt_retranslate(be, c, m, &co.insn, n, false);
	return !be->has_pending;
}
