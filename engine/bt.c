/* The binary-translation engine (--engine=bt): the dispatcher that finds or
 * translates the CCF for the guest EIP, chains the exit it came through,
 * enters the TC, and makes sense of what brought it back (an exit, a callout
 * that leaves, a host fault); and the engine interface around it.
 *
 * What brought the vCPU back from the TC is ctx->exit_kind: BT_EXIT_BRANCH
 * (a direct exit: bt_chain_from_exit chains it on the next entry),
 * BT_EXIT_INDIRECT (an inline lookup missed: the next entry fills it),
 * BT_EXIT_CALLOUT (a callout left, EIP already set), or a host fault
 * (bt_enter returns 1: bt_fault_handle). The steps every engine shares
 * between runs (stop requests, HLT, breakpoints) are engine/vcpu_loop.c's.
 */
#include "engine/bt.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "engine/reencode.h"
#include "monitor/interrupt.h"

enum bt_mode { BT_RUN, BT_STEP_INSN, BT_STEP_CCF };

/* The assembly and the emitted code use these offsets (bt_ctx.h). */
#define BTC_CHECK(field, off) _Static_assert(offsetof(struct bt_ctx, field) == (off), #field)
BTC_CHECK(arch.gpr, BTC_GPR);
BTC_CHECK(arch.eip, BTC_EIP);
BTC_CHECK(arch.eflags, BTC_EFLAGS);
BTC_CHECK(hflags, BTC_HFLAGS);
BTC_CHECK(host_rsp, BTC_HOST_RSP);
BTC_CHECK(leave_ptr, BTC_LEAVE);
BTC_CHECK(callout_ptr, BTC_CALLOUT);
BTC_CHECK(miss_ptr, BTC_MISS);
BTC_CHECK(win_base, BTC_WIN_BASE);
BTC_CHECK(win_neg, BTC_WIN_NEG);
BTC_CHECK(lookup, BTC_LOOKUP);
BTC_CHECK(next_eip, BTC_NEXT_EIP);
BTC_CHECK(exit_site, BTC_EXIT_SITE);
BTC_CHECK(exit_kind, BTC_EXIT_KIND);
BTC_CHECK(callout_ea, BTC_CALLOUT_EA);
BTC_CHECK(irq_pending, BTC_IRQ_PENDING);
BTC_CHECK(exit_now, BTC_EXIT_NOW);
BTC_CHECK(shadow_eip, BTC_SHADOW_EIP);
BTC_CHECK(shadow_top, BTC_SHADOW_TOP);
BTC_CHECK(shadow_budget, BTC_SHADOW_BUDGET);
BTC_CHECK(fx_guest, BTC_FX_GUEST);
BTC_CHECK(fx_host, BTC_FX_HOST);
_Static_assert(sizeof(struct vcpu_state) <= BTC_HFLAGS, "vcpu_state outgrew its space");

void bt_set_pending(struct bt_engine *be, enum stop_reason r, uint32_t eip, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof be->pending.msg];
	if (be->has_pending)
		return;   /* the first reason wins */
	be->has_pending = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	vloop_stop(&be->loop, &be->pending, r, eip, "%s", msg);
}

bool bt_guest_exception(struct bt_engine *be, int vector, bool has_error, uint32_t error,
			uint32_t eip, const char *insn_text)
{
	struct bt_ctx *ctx = be->ctx;
	struct emu em = { .m = be->base.m, .st = &ctx->arch };
	char err[32] = "";

	if (has_error)
		snprintf(err, sizeof err, "(0x%x)", error);
	evlog_add_data(&be->base.m->events, EV_EXCEPTION, eip, -1,
		       &(union ev_data){ .exception = { .vector = (uint8_t)vector, .has_error = has_error, .error = error } },
		       "%s%s on '%s'", emu_exception_name(vector), err, insn_text);
	ctx->arch.eip = eip;   /* faults return to the faulting instruction */
	be->delivered = true;
	enum emu_result r = emu_deliver(&em, vector, DELIVER_EXCEPTION, has_error, error, eip);
	if (r == EMU_JUMP)
		return true;
	bt_set_pending(be, STOP_ERROR, eip, "guest %s%s at EIP 0x%08x (%s): %s",
		       emu_exception_name(vector), err, eip, insn_text, em.msg);
	return false;
}

static void bt_merge_flags(struct bt_ctx *ctx)
{
	ctx->arch.eflags = (ctx->arch.eflags & ~BT_HFLAGS_MASK) |
			   (uint32_t)(ctx->hflags & BT_HFLAGS_MASK) | EFLAGS_FIXED;
}

void bt_xlat_prepare(struct bt_engine *be)
{
	const struct vcpu_state *st = &be->ctx->arch;
	be->xlat.key = emu_cpl(st) != 0;
	be->xlat.cr0 = st->cr0;
	be->xlat.cr4 = st->cr4;
	be->xlat.st = &be->ctx->arch;
	be->xlat.user = emu_cpl(st) == 3;
}

int bt_fetch_insn(struct bt_engine *be, uint32_t eip, struct bt_insn *in)
{
	uint8_t buf[DEC_MAX_LEN];
	bool pf;
	bt_xlat_prepare(be);
	size_t avail = xlat_code(&be->xlat, eip, buf, &pf);
	return avail ? dec_insn(&be->xlat.dec, buf, avail, eip, in) : -1;
}

/* The instruction text at eip, for messages about faults. */
static void bt_insn_text(struct bt_engine *be, uint32_t eip, char *out, size_t n)
{
	struct bt_insn in;
	if (bt_fetch_insn(be, eip, &in) == 0)
		snprintf(out, n, "%s", in.text);
	else
		snprintf(out, n, "(unreadable)");
}

/* A host fault in translated code (state already in ctx, EIP at the guest
 * instruction). Returns true to go on running (after an SMC write). */
static bool bt_fault_handle(struct bt_engine *be, bool *once)
{
	struct bt_fault *f = &be->fault;
	struct bt_ctx *ctx = be->ctx;
	uint32_t eip = ctx->arch.eip;
	char text[96];

	bt_merge_flags(ctx);
	bt_insn_text(be, eip, text, sizeof text);
	switch (f->signo) {
	case SIGSEGV: {
		int64_t ga = win_guest_addr(&be->win, (void *)(uintptr_t)f->addr);
		if (f->code == SI_KERNEL && f->map->kind == CK_TRAP)
			return bt_trap(be, f->ccf, f->map);   /* trap-and-emulate */
		if (ga >= 0 && f->code != SI_KERNEL && be->win.paging) {
			int r = bt_paging_fault(be, (uint32_t)ga, f->write, once, text);
			if (r >= 0)
				return r;
		}
		if (ga >= 0 && f->code != SI_KERNEL && bt_watch_fault(be, (uint32_t)ga, f->write, once))
			return true;
		if (ga >= 0 && f->code != SI_KERNEL) {
			uint32_t page = (uint32_t)((uint64_t)ga >> 12);
			enum win_page ps = win_page_state(&be->win, page);
			if (ps == WIN_PAGE_CODE && !be->win.paging) {
				/* Self-modifying code: drop the page's CCFs, let the write
				 * through, and run the writing instruction once, alone. */
				int n = tc_invalidate_page(&be->tc, page);
				win_unprotect(&be->win, page);
				evlog_add_data(&be->base.m->events, EV_INVALIDATE, eip, (int32_t)f->ccf->id,
					       &(union ev_data){ .invalidate = { .page = page, .count = n } },
					       "guest write to code page 0x%05x000 by '%s': %d CCFs dropped",
					       page, text, n);
				*once = true;
				return true;
			}
			struct bt_insn in;
			char why[160] = "cannot decode it";
			struct emu fe;
			int r = bt_fetch_insn(be, eip, &in) == 0 ? bt_mmio_emulate(be, &in, &fe, why, sizeof why) : -1;
			if (r == 0) {   /* done; go on after it, and count it */
				evlog_add(&be->base.m->events, EV_IO, eip, -1, "emulated MMIO access '%s'", in.text);
				bt_mmio_adapt(be, f->ccf, f->map, &in);
				/* A device asked for a stop (power-off, unsupported): now. */
				if (machine_take_exit(be->base.m, eip, &be->pending)) {
					be->has_pending = true;
					return false;
				}
				return true;
			}
			if (r == 1)
				return bt_guest_exception(be, fe.vector, fe.has_error, fe.error_code, eip, text);
			bt_set_pending(be, STOP_ERROR, eip, "guest accessed 0x%08x, which is not RAM, at EIP 0x%08x: %s",
				       (uint32_t)ga, eip, why);
			return false;
		}
		if (f->addr && ga < 0) {
			/* An access that starts below 4 GiB and ends above it: the
			 * guest's linear address wraps to 0, the window does not.
			 * The emulator wraps (MOV forms); anything else stops. */
			uintptr_t past = (uintptr_t)f->addr - ((uintptr_t)be->win.base + (1ull << 32));
			struct bt_insn in;
			struct emu fe;
			char why[160] = "";
			if (past < 16 && bt_fetch_insn(be, eip, &in) == 0) {
				int r = bt_mmio_emulate(be, &in, &fe, why, sizeof why);
				if (r == 0)
					return true;
				if (r == 1)
					return bt_guest_exception(be, fe.vector, fe.has_error, fe.error_code, eip, text);
			}
			bt_set_pending(be, STOP_ERROR, eip,
				       "unsupported: an access wrapping past 4 GiB at EIP 0x%08x (bt86 emulates MOV forms only): %s",
				       eip, text);
			return false;
		}
		return bt_guest_exception(be, EXC_GP, true, 0, eip, text);
	}
	case SIGBUS:
		if (f->code == BUS_ADRALN)   /* host AC was set: see bt_sync_ac */
			return bt_guest_exception(be, EXC_AC, true, 0, eip, text);
		bt_set_pending(be, STOP_ERROR, eip, "host SIGBUS (code %d) in translated code at EIP 0x%08x: %s",
			       f->code, eip, text);
		return false;
	case SIGFPE:
		return bt_guest_exception(be, EXC_DE, false, 0, eip, text);
	case SIGILL:
		return bt_guest_exception(be, EXC_UD, false, 0, eip, text);
	case SIGTRAP:
		return bt_guest_exception(be, EXC_DB, false, 0, eip, text);
	default:
		bt_set_pending(be, STOP_ERROR, eip, "host signal %d in translated code at EIP 0x%08x: %s",
			       f->signo, eip, text);
		return false;
	}
}

/* The CCF to run at eip: cached, or translated now (transient for a one-off).
 * CCFs are keyed by privilege: inline emulations are only valid at CPL 0. */
struct ccf *bt_get_ccf(struct bt_engine *be, uint32_t eip, int max, bool transient)
{
	if (be->acquit.pending)
		bt_mmio_acquit_now(be);   /* it translates, through here */
	bt_xlat_prepare(be);
	uint8_t key = be->xlat.key;
	if (bt_paging_sync(be) < 0)
		return NULL;
	if (be->flush_pending) {
		be->flush_pending = false;
		tc_flush(&be->tc);
		be->ctx->exit_site = 0;
		if (be->win.paging)   /* no page holds translated code now */
			memset(be->win.pcode, 0, ((be->win.gm->size >> 12) + 1) * sizeof *be->win.pcode);
		be->ncode_pages = 0;
		be->nparked = 0;
		evlog_add_data(&be->base.m->events, EV_INVALIDATE, eip, -1,
			       &(union ev_data){ .invalidate = { .page = EV_ALL_PAGES, .count = -1 } }, "%s: TC flushed",
			       be->flush_why ? be->flush_why : "x87/SSE availability changed (CR0/CR4)");
		be->flush_why = NULL;
	}
	struct ccf *c = transient ? NULL : tc_lookup_key(&be->tc, eip, key);
	if (c && be->win.paging && !bt_paging_enter(be, c))
		c = NULL;   /* it was parked, and its page now holds other code */
	if (c)
		return c;
	for (int attempt = 0; attempt < 2; attempt++) {
		enum xlat_status st = xlat_tu(&be->xlat, eip, max, transient, &c);
		if (st == XLAT_OK)
			break;
		if (st == XLAT_FAIL) {
			bt_set_pending(be, STOP_ERROR, be->xlat.err_eip, "%s", be->xlat.err);
			return NULL;
		}
		if (st == XLAT_PF) {   /* the code is not there (or not executable): #PF */
			be->ctx->arch.cr2 = be->xlat.pf_lin;
			bt_guest_exception(be, EXC_PF, true, be->xlat.pf_error, eip, "(instruction fetch)");
			return NULL;
		}
		tc_flush(&be->tc);   /* full: start over */
		be->ncode_pages = 0;
		be->nparked = 0;
		be->ctx->exit_site = 0;
		be->ctx->exit_kind = 0;
		evlog_add_data(&be->base.m->events, EV_INVALIDATE, eip, -1,
			       &(union ev_data){ .invalidate = { .page = EV_ALL_PAGES, .count = -1 } },
			       "translation cache full: flushed");
		c = NULL;
	}
	if (!c) {
		bt_set_pending(be, STOP_ERROR, eip, "a TU at EIP 0x%08x does not fit the translation cache", eip);
		return NULL;
	}
	if (!transient && be->win.paging)
		bt_paging_code(be, c->page_first, c->page_last);
	else if (!transient)
		for (uint32_t p = c->page_first; p <= c->page_last; p++)
			win_protect_code(&be->win, p);
	if (be->perf_map) {
		fprintf(be->perf_map, "%lx %x ccf%u_guest_%08x\n", (unsigned long)(uintptr_t)c->host,
			c->host_len, c->id, c->eip);
		fflush(be->perf_map);
	}
	/* One-instruction runs past a watched page are bookkeeping, not news. */
	if (!(transient && be->watch_open))
		evlog_add_data(&be->base.m->events, EV_TRANSLATE, eip, (int32_t)c->id,
			       &(union ev_data){ .translate = { .end = c->end, .host_bytes = c->host_len,
								.ninsn = c->ninsn, .once = transient } },
			       "%u guest instructions 0x%08x-0x%08x -> %u bytes%s", c->ninsn, c->eip, c->end,
			       c->host_len, transient ? " (run once)" : "");
	return c;
}

static void bt_chain_from_exit(struct bt_engine *be, struct ccf *to)
{
	struct bt_ctx *ctx = be->ctx;
	int k;
	if (dbg_is_break(&be->base.m->debug, to->eip))
		return;   /* every entry there must pass the dispatcher's breakpoint check */
	if (ctx->exit_kind == BT_EXIT_INDIRECT && !to->transient) {
		tc_fill_lookup(&be->tc, to);
		return;
	}
	if (ctx->exit_kind != BT_EXIT_BRANCH || !ctx->exit_site || to->transient)
		return;
	struct ccf *from = tc_exit_owner(&be->tc, be->tc.code + ctx->exit_site, &k);
	/* Only to where the exit goes: an interrupt or #DB delivered since it
	 * left put another EIP (the handler's) here. */
	if (from && from->valid && !from->transient && from->exits[k].target == to->eip) {
		bool relink = from->exits[k].to == to;
		tc_chain(&be->tc, from, k, to);
		if (relink)
			return;
		evlog_add_data(&be->base.m->events, EV_CHAIN, from->exits[k].target, (int32_t)from->id,
			       &(union ev_data){ .chain = { .from = from->id, .to = to->id, .exit = (uint8_t)k } },
			       "CCF %u exit %d -> CCF %u", from->id, k, to->id);
	}
}

void bt_tsd(struct bt_engine *be, bool on)
{
	if (be->tsd)
		prctl(PR_SET_TSC, on ? PR_TSC_SIGSEGV : PR_TSC_ENABLE, 0, 0, 0);
}

static void bt_policy_changed(struct bt_engine *be)
{
	be->tsd = be->base.m->policy.t[SC_RDTSC] == TREAT_TRAP;
}

/* Run c until it leaves (0) or faults (1, state in ctx, details in be->fault).
 * Kept apart so nothing the caller holds lives across sigsetjmp. */
/* machine.ram_written: an emulated write reached RAM behind the window's
 * back (a callout's store, an interrupt frame). Code translated from there
 * goes, as for a guest store that faulted on the page; a callout that did it
 * then leaves the TC (bt_callout_dispatch), since its own CCF may be gone. */
static void bt_ram_written(void *opaque, uint64_t pa, uint64_t len)
{
	struct bt_engine *be = opaque;
	struct win *w = &be->win;
	for (uint64_t p = pa >> 12; p <= (pa + len - 1) >> 12; p++) {
		int n = 0;
		if (!w->paging) {
			if (p >= WIN_PAGES || win_page_state(w, (uint32_t)p) != WIN_PAGE_CODE)
				continue;
			n = tc_invalidate_page(&be->tc, (uint32_t)p);
			win_unprotect(w, (uint32_t)p);
		} else {
			uint32_t owner = w->pcode[p];
			if (!owner)
				continue;
			w->pcode[p] = 0;
			if (owner != WIN_PCODE_MANY) {
				n = tc_invalidate_page(&be->tc, owner - 1);
			} else {
				be->flush_pending = true;
				be->flush_why = "an emulated write to code mapped at several addresses";
			}
		}
		be->code_written = true;
		evlog_add_data(&be->base.m->events, EV_INVALIDATE, be->ctx->arch.eip, -1,
			       &(union ev_data){ .invalidate = { .page = (uint32_t)p, .count = n } },
			       "emulated write to code page 0x%05llx000: %d CCFs dropped", (unsigned long long)p, n);
	}
}

static int bt_enter(struct bt_engine *be, const struct ccf *c)
{
	if (sigsetjmp(be->fault_jmp, 1) != 0) {
		be->fault_armed = 0;
		bt_tsd(be, false);
		return 1;
	}
	be->fault_armed = 1;
	be->code_written = false;
	bt_tsd(be, true);
	bt_sync_ac(be->ctx);
	bt_glue_enter(be->ctx, c->host);
	bt_tsd(be, false);
	be->fault_armed = 0;
	return 0;
}

/* Deliver a pending external interrupt if the guest can take it now.
 * Returns true if it delivered one (or stopped on a triple fault). */
static bool bt_take_interrupt(struct bt_engine *be, bool *once)
{
	struct bt_ctx *ctx = be->ctx;
	struct machine *m = be->base.m;

	ctx->irq_pending = machine_intr_pending(m, 0);
	if (!ctx->irq_pending || !(ctx->arch.eflags & EFLAGS_IF))
		return false;
	if (ctx->shadow_eip == ctx->arch.eip) {
		*once = true;   /* STI / MOV SS shadow: one more instruction first */
		return false;
	}
	int vector = machine_intr_ack(m, 0);
	struct emu em = { .m = m, .st = &ctx->arch };
	uint32_t eip = ctx->arch.eip;
	be->loop.halted = false;
	evlog_add_data(&m->events, EV_INTERRUPT, eip, -1, &(union ev_data){ .interrupt = { .vector = (uint8_t)vector } },
		       "external interrupt, vector 0x%02x", vector);
	if (emu_deliver(&em, vector, DELIVER_EXTERNAL, false, 0, eip) != EMU_JUMP)
		bt_set_pending(be, STOP_ERROR, eip, "delivering interrupt vector 0x%02x at EIP 0x%08x: %s",
			       vector, eip, em.msg);
	ctx->irq_pending = machine_intr_pending(m, 0);
	return true;
}

/* The single-step trap after an instruction that ran with EFLAGS.TF set. */
static void bt_single_step_trap(struct bt_engine *be)
{
	struct bt_ctx *ctx = be->ctx;
	struct emu em = { .m = be->base.m, .st = &ctx->arch };
	uint32_t eip = ctx->arch.eip;
	ctx->arch.dr[6] |= 0x4000;   /* DR6.BS: the #DB was a single step */
	evlog_add_data(&be->base.m->events, EV_EXCEPTION, eip, -1, &(union ev_data){ .exception = { .vector = EXC_DB } },
		       "#DB single-step trap");
	if (emu_deliver(&em, EXC_DB, DELIVER_EXCEPTION, false, 0, eip) != EMU_JUMP)
		bt_set_pending(be, STOP_ERROR, eip, "delivering a single-step #DB at EIP 0x%08x: %s", eip, em.msg);
}

static void bt_irq_notify(void *opaque)
{
	struct bt_engine *be = opaque;
	be->ctx->irq_pending = 1;
	if (!pthread_equal(pthread_self(), be->thread))
		bt_signal_kick(be);
}

static void bt_loop(struct bt_engine *be, struct stop_info *s, enum bt_mode mode)
{
	struct bt_ctx *ctx = be->ctx;
	bool once = false;

	if (!be->gs_ready) {
		win_set_gs(&be->win);
		be->gs_ready = true;
	}
	bt_integrity_enter(be);
	bt_signal_bind(be);
	be->thread = pthread_self();
	ctx->lookup = be->tc.lookup;
	vloop_begin(&be->loop, ctx->arch.eip, s);
	for (;;) {
		if (be->has_pending) {
			*s = be->pending;
			be->has_pending = false;
			break;
		}
		if (vloop_take_exit(&be->loop, ctx->arch.eip, s))
			break;
		if (mode == BT_RUN)
			ctx->lookup = be->tc.lookup;   /* an interrupt kick may have emptied it */
		if (ctx->shadow_eip && ctx->shadow_eip != ctx->arch.eip && !once)
			ctx->shadow_eip = 0;   /* the shadowed instruction has run */
		if (bt_take_interrupt(be, &once))
			continue;
		enum vloop_halt h = vloop_halt(&be->loop, ctx->arch.eip, s);
		if (h == VLOOP_STOP)
			break;
		if (h != VLOOP_RUN)
			continue;   /* slept, or an interrupt to take at the top */
		uint32_t eip = ctx->arch.eip;
		if (vloop_breakpoint(&be->loop, eip, s))
			break;
		/* EFLAGS.TF: one instruction at a time, each followed by a #DB trap. */
		bool tf_step = (ctx->arch.eflags & EFLAGS_TF) != 0;
		bool transient = once || mode == BT_STEP_INSN || tf_step;
		struct ccf *c = bt_get_ccf(be, eip, transient ? 1 : be->xlat.tu_max, transient);
		once = false;
		if (!c)
			continue;   /* pending is set */
		bt_chain_from_exit(be, c);

		be->entering = c;
		if (vloop_take_request(&be->loop, eip, s)) {
			be->entering = NULL;
			break;
		}
		if (mode != BT_RUN) {   /* exactly one CCF: no chains, no inline lookups */
			tc_unlink_exits(c);
			ctx->lookup = be->tc.lookup_empty;
		}
		ctx->exit_kind = 0;
		ctx->exit_site = 0;
		if (!atomic_load(&be->loop.stop_requested) && !ctx->irq_pending)
			ctx->exit_now = 0;
		c->entries++;
		be->delivered = false;
		if (bt_enter(be, c) == 0) {
			bt_merge_flags(ctx);
			if (ctx->exit_kind != BT_EXIT_CALLOUT)
				ctx->arch.eip = ctx->next_eip;
		} else {
			ctx->exit_kind = 0;
			bt_fault_handle(be, &once);
		}
		be->entering = NULL;
		vloop_ran(&be->loop);
		bt_watch_after(be);
		if (tf_step && !once && !be->has_pending && !be->delivered)
			bt_single_step_trap(be);
		if (mode != BT_RUN) {
			for (int i = 0; i < c->nexits; i++)
				if (c->exits[i].to && c->valid)
					emit_patch_rel32(c->exits[i].site, c->exits[i].to->host);
			ctx->lookup = be->tc.lookup;
			if (!be->has_pending && !once) {
				s->reason = STOP_STEP;
				s->eip = ctx->arch.eip;
				break;
			}
		}
	}
	vloop_end(&be->loop);
	bt_integrity_stop(be);
	if (s->reason == STOP_REQUEST || s->reason == STOP_STEP || s->reason == STOP_EXIT)
		s->eip = ctx->arch.eip;
}

static void bt_run(struct engine *e, struct stop_info *s) { bt_loop((struct bt_engine *)e, s, BT_RUN); }
static void bt_step_insn(struct engine *e, struct stop_info *s) { bt_loop((struct bt_engine *)e, s, BT_STEP_INSN); }
static void bt_step_ccf(struct engine *e, struct stop_info *s) { bt_loop((struct bt_engine *)e, s, BT_STEP_CCF); }

static void bt_invalidate(struct engine *e, uint64_t pa, uint64_t len)
{
	struct bt_engine *be = (struct bt_engine *)e;
	if (!len)
		return;
	for (uint64_t p = pa >> 12; p <= (pa + len - 1) >> 12 && p < WIN_PAGES; p++) {
		tc_invalidate_page(&be->tc, (uint32_t)p);
		win_unprotect(&be->win, (uint32_t)p);
	}
}

static void bt_get_state(struct engine *e, struct vcpu_state *st)
{
	struct bt_engine *be = (struct bt_engine *)e;
	bt_merge_flags(be->ctx);
	*st = be->ctx->arch;
}

static void bt_set_state(struct engine *e, const struct vcpu_state *st)
{
	struct bt_engine *be = (struct bt_engine *)e;
	if (((be->ctx->arch.cr0 ^ st->cr0) & (CR0_EM | CR0_TS | CR0_MP)) || ((be->ctx->arch.cr4 ^ st->cr4) & 0x600))
		be->flush_pending = true;
	be->ctx->arch = *st;
	be->ctx->hflags = 0x202 | (st->eflags & BT_HFLAGS_MASK);   /* host bit 1 and IF stay set */
}

static void bt_get_fpu(struct engine *e, uint8_t fx[512])
{
	memcpy(fx, ((struct bt_engine *)e)->ctx->fx_guest, 512);
}

static void bt_set_fpu(struct engine *e, const uint8_t fx[512])
{
	memcpy(((struct bt_engine *)e)->ctx->fx_guest, fx, 512);
}

/* The x87/SSE state at reset: FCW 0x37F, MXCSR 0x1F80, all registers empty. */
static void bt_fpu_reset(uint8_t fx[512])
{
	uint16_t fcw = 0x037f;
	uint32_t mxcsr = 0x1f80;
	memset(fx, 0, 512);
	memcpy(fx + 0, &fcw, 2);
	memcpy(fx + 24, &mxcsr, 4);
}

static void bt_reset(struct engine *e)
{
	struct bt_engine *be = (struct bt_engine *)e;
	/* The loader rewrote RAM behind the window: no page holds translated
	 * code any more, and the next translation starts from an empty TC. */
	for (uint32_t p = 0; p < WIN_PAGES; p++)
		win_unprotect(&be->win, p);
	be->flush_pending = true;
	be->flush_why = "machine reset";
	bt_fpu_reset(be->ctx->fx_guest);
	bt_set_state(e, &e->m->boot_state);
	be->loop.halted = false;
}

static void bt_request_stop(struct engine *e)
{
	struct bt_engine *be = (struct bt_engine *)e;
	vloop_request_stop(&be->loop);
	bt_signal_kick(be);
	machine_wake(e->m);   /* a vCPU asleep in HLT */
}

static void bt_destroy(struct engine *e)
{
	struct bt_engine *be = (struct bt_engine *)e;
	if (be->base.m->irq_opaque == be)
		be->base.m->irq_notify = NULL;
	bt_integrity_fini(be);
	vloop_fini(&be->loop);
	if (be->base.m->ram_written_opaque == be)
		be->base.m->ram_written = NULL;
	if (be->perf_map)
		fclose(be->perf_map);
	free(be->traps);
	dec_destroy(&be->xlat.dec);
	tc_destroy(&be->tc);
	free(be->code_pages);
	bt_tlb_destroy(&be->tlb);
	win_destroy(&be->win);
	free(be->ctx);
	free(be);
}

static int bt_create(struct machine *m, struct engine **out, int *unavailable, char *err, size_t errlen)
{
	struct bt_engine *be = calloc(1, sizeof *be);

	*unavailable = 0;
	if (!be) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	be->base.ops = &engine_bt_ops;
	be->base.m = m;
	be->ctx = aligned_alloc(64, (sizeof *be->ctx + 63) & ~(size_t)63);
	if (!be->ctx) {
		free(be);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(be->ctx, 0, sizeof *be->ctx);
	if (bt_signal_init(err, errlen) < 0 || win_init(&be->win, &m->mem, err, errlen) < 0) {
		free(be->ctx);
		free(be);
		return -1;
	}
	if (tc_init(&be->tc, TC_DEFAULT_SIZE, err, errlen) < 0 || dec_init(&be->xlat.dec) < 0) {
		if (!err[0])
			snprintf(err, errlen, "bt: cannot initialise Capstone");
		tc_destroy(&be->tc);
		win_destroy(&be->win);
		free(be->ctx);
		free(be);
		return -1;
	}
	be->xlat.tc = &be->tc;
	be->xlat.m = m;
	be->xlat.tu_max = TU_MAX_DEFAULT;
	be->xlat.policy = &m->policy;
	be->xlat.is_breakpoint = bt_is_breakpoint;
	be->xlat.bp_opaque = be;
	be->xlat.is_guilty = bt_is_guilty;
	be->xlat.guilty_opaque = be;

	struct bt_ctx *ctx = be->ctx;
	ctx->owner = be;
	ctx->leave_ptr = (uint64_t)(uintptr_t)bt_glue_leave;
	ctx->callout_ptr = (uint64_t)(uintptr_t)bt_glue_callout;
	ctx->miss_ptr = (uint64_t)(uintptr_t)bt_glue_miss;
	ctx->win_base = (uint64_t)(uintptr_t)be->win.base;
	ctx->win_neg = (uint64_t)0 - ctx->win_base;
	ctx->lookup = be->tc.lookup;
	bt_fpu_reset(ctx->fx_guest);
	bt_set_state(&be->base, &m->boot_state);
	be->thread = pthread_self();
	bt_policy_changed(be);
	m->irq_opaque = be;
	m->irq_notify = bt_irq_notify;
	vloop_init(&be->loop, &be->base, 0);
	m->ram_written_opaque = be;
	m->ram_written = bt_ram_written;
	if (getenv("BT86_PERF_MAP")) {
		/* perf's convention for JIT code: perf report names CCFs by guest EIP. */
		char path[64];
		snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
		be->perf_map = fopen(path, "w");
	}
	if (getenv("BT86_CHECK_HOST") && bt_integrity_start(be, err, errlen) < 0) {
		bt_destroy(&be->base);
		return -1;
	}
	*out = &be->base;
	return 0;
}

static int bt_configure(struct engine *e, const char *key, const char *value, char *err, size_t errlen)
{
	struct bt_engine *be = (struct bt_engine *)e;
	char *end;
	unsigned long v = strtoul(value, &end, 0);
	bool numeric = *value && !*end && value[0] != '-';
	if (!numeric && strcmp(key, "policy") != 0) {
		snprintf(err, errlen, "%s: '%s' is not a number", key, value);
		return -1;
	}
	if (strcmp(key, "tu-max") == 0) {
		if (v < 1 || v > TU_MAX_LIMIT) {
			snprintf(err, errlen, "tu-max must be 1 to %d", TU_MAX_LIMIT);
			return -1;
		}
		be->xlat.tu_max = (int)v;
		return 0;
	}
	if (strcmp(key, "tc-size") == 0) {
		/* A new, empty TC (everything is retranslated): bounded so tests can fill it. */
		struct tc fresh;
		if (v < 4096 || v > (1ul << 30)) {
			snprintf(err, errlen, "tc-size must be 4 KiB to 1 GiB");
			return -1;
		}
		if (tc_init(&fresh, v, err, errlen) < 0)
			return -1;
		for (uint32_t p = 0; p < WIN_PAGES; p++)
			win_unprotect(&be->win, p);
		tc_destroy(&be->tc);
		be->tc = fresh;
		be->ctx->lookup = be->tc.lookup;
		be->ctx->exit_site = 0;
		return 0;
	}
	if (strcmp(key, "check-host") == 0)
		return v ? bt_integrity_start(be, err, errlen) : 0;
	if (strcmp(key, "policy") == 0) {
		/* New treatments apply to new translations: start the TC afresh. */
		struct policy p = e->m->policy;
		if (policy_parse(&p, value, err, errlen) < 0)
			return -1;
		e->m->policy = p;
		bt_policy_changed(be);
		tc_flush(&be->tc);
		be->ctx->exit_site = 0;
		return 0;
	}
	snprintf(err, errlen, "unknown engine parameter '%s' (bt knows tu-max, tc-size, policy, check-host)", key);
	return -1;
}

static int bt_stats(struct engine *e, struct engine_stat *out, int max)
{
	struct bt_engine *be = (struct bt_engine *)e;
	const struct tc_stats *t = &be->tc.stats;
	int live = 0;
	for (int i = 0; i < be->tc.n; i++)
		live += be->tc.all[i]->valid && !be->tc.all[i]->transient;
	const struct engine_stat all[] = {
		{ "ccfs", (uint64_t)live },
		{ "tc_bytes", be->tc.used },
		{ "translations", t->translations },
		{ "guest_insns", t->guest_insns },
		{ "lookups", t->lookups },
		{ "hits", t->hits },
		{ "chains", t->chains },
		{ "indirect_fills", t->indirect_fills },
		{ "flushes", t->flushes },
		{ "invalidations", t->invalidations },
		{ "callouts", evlog_count(&e->m->events, EV_CALLOUT) },
		{ "cr3_loads", be->cr3_loads },
		{ "cr3_kept_code_pages", be->cr3_kept_pages },
		{ "cr3_dropped_ccfs", be->cr3_dropped_ccfs },
		{ "cr3_parked_code_pages", be->cr3_parked },
		{ "window_fills", be->fills },
		{ "cr3_kept_tables", be->tlb.kept_tables },
		{ "cr3_diffed_tables", be->tlb.diffed_tables },
		{ "cr3_dropped_tables", be->tlb.dropped_tables },
	};
	int n = 0;
	for (; n < max && n < (int)(sizeof all / sizeof all[0]); n++)
		out[n] = all[n];
	return n;
}

const struct engine_ops engine_bt_ops = {
	.name = "bt",
	.summary = "dynamic binary translation (VMware-style): guest code runs translated, in this process",
	.caps = ENGINE_CAP_TC | ENGINE_CAP_STEP_CCF | ENGINE_CAP_VIRTUAL_SYSFLAGS,
	.create = bt_create,
	.destroy = bt_destroy,
	.run = bt_run,
	.step_insn = bt_step_insn,
	.step_ccf = bt_step_ccf,
	.invalidate = bt_invalidate,
	.get_state = bt_get_state,
	.set_state = bt_set_state,
	.request_stop = bt_request_stop,
	.get_fpu = bt_get_fpu,
	.set_fpu = bt_set_fpu,
	.debug_sync = bt_debug_sync,
	.tc_list = bt_tc_list,
	.tc_show = bt_tc_show,
	.tc_translate = bt_tc_translate,
	.tc_flush = bt_tc_flush,
	.addr_mark = bt_addr_mark,
	.configure = bt_configure,
	.stats = bt_stats,
	.reset = bt_reset,
};
