/* The registers pane: general registers, EIP and EFLAGS with what changed
 * since the previous stop highlighted, the arithmetic flags by name, the
 * guest's virtual IF and IOPL beside what the host CPU runs translated code
 * with, segments and CPL; with room, control registers and the engine's
 * counters.
 *
 *   eax 00000000  ecx 0000000a
 *   ...
 *   OF DF SF ZF AF PF CF
 *   vIF=0 IOPL=0 host IF=1 IOPL=0
 */
#include "ui/tui.h"

#include <stdio.h>
#include <string.h>

static void tui_reg(struct tui *t, int y, int x, const char *name, uint32_t v, uint32_t old)
{
	tui_put(t, y, x, 4, TR_DIM, name);
	tui_putf(t, y, x + 4, 8, v != old ? TR_CHANGED : TR_NORMAL, "%08x", v);
}

void tui_regs_draw(struct tui *t, const struct tui_rect *r, bool focused)
{
	const struct vcpu_state *st = &t->st, *pv = &t->prev;
	bool vflags = engine_has(t->s->e, ENGINE_CAP_VIRTUAL_SYSFLAGS);
	char right[32] = "";
	if (t->running)
		snprintf(right, sizeof right, "at the last stop");
	tui_title(t, r, focused, "Registers", right);
	int y = r->y + 1, end = r->y + r->h, x = r->x;
	static const enum vcpu_reg order[R_COUNT] = { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
	for (int i = 0; i < R_COUNT && y < end; i += 2, y++) {
		tui_reg(t, y, x, vcpu_reg_name(order[i]), st->gpr[order[i]], pv->gpr[order[i]]);
		tui_reg(t, y, x + 14, vcpu_reg_name(order[i + 1]), st->gpr[order[i + 1]], pv->gpr[order[i + 1]]);
	}
	if (y < end) {
		tui_reg(t, y, x, "eip", st->eip, pv->eip);
		tui_reg(t, y, x + 14, "efl", st->eflags, pv->eflags);
		y++;
	}
	if (y < end) {
		static const struct { const char *name; uint32_t bit; } flags[] = {
			{ "OF", EFLAGS_OF }, { "DF", EFLAGS_DF }, { "SF", EFLAGS_SF }, { "ZF", EFLAGS_ZF },
			{ "AF", EFLAGS_AF }, { "PF", EFLAGS_PF }, { "CF", EFLAGS_CF }, { "TF", EFLAGS_TF },
		};
		int fx = x;
		for (size_t i = 0; i < sizeof flags / sizeof flags[0] && fx + 2 <= r->x + r->w; i++, fx += 3) {
			bool on = st->eflags & flags[i].bit, was = pv->eflags & flags[i].bit;
			tui_put(t, y, fx, 2, on != was ? TR_CHANGED : on ? TR_BOLD : TR_DIM,
				on ? flags[i].name : "..");
		}
		y++;
	}
	if (y < end) {
		/* The system flags are virtual under binary translation: translated
		 * code runs at CPL 3 with IF=1 and IOPL=0 whatever the guest set. */
		int vif = (st->eflags & EFLAGS_IF) != 0, iopl = (int)((st->eflags & EFLAGS_IOPL) >> 12);
		enum tui_role role = ((st->eflags ^ pv->eflags) & (EFLAGS_IF | EFLAGS_IOPL)) ? TR_CHANGED : TR_NORMAL;
		if (vflags) {
			tui_putf(t, y, x, 12, role, "vIF=%d IOPL=%d", vif, iopl);
			tui_put(t, y, x + 13, r->w - 13, TR_DIM, "host IF=1 IOPL=0");
		} else {
			tui_putf(t, y, x, r->w, role, "IF=%d IOPL=%d (real: VMX/SVM)", vif, iopl);
		}
		y++;
	}
	if (y < end) {
		int cpl = st->seg[S_CS].sel & 3;
		tui_putf(t, y, x, r->w, TR_NORMAL, "cs %02x ds %02x ss %02x  CPL %d%s", st->seg[S_CS].sel, st->seg[S_DS].sel,
			 st->seg[S_SS].sel, cpl, vflags && r->w >= 33 ? " (host 3)" : "");
		y++;
	}
	if (y < end) {
		tui_reg(t, y, x, "cr0", st->cr0, pv->cr0);
		tui_reg(t, y, x + 14, "cr3", st->cr3, pv->cr3);
		y++;
	}
	if (y < end) {
		tui_putf(t, y, x, r->w, TR_DIM, "es %02x fs %02x gs %02x tr %02x", st->seg[S_ES].sel, st->seg[S_FS].sel,
			 st->seg[S_GS].sel, st->tr.sel);
		y++;
	}
	if (y < end) {
		tui_putf(t, y, x, r->w, TR_DIM, "gdt %08x idt %08x", st->gdtr.base, st->idtr.base);
		y++;
	}
	/* Room left: the engine's counters. */
	if (y + 1 < end && t->nstats) {
		tui_put(t, y++, x, r->w, TR_BOLD, "engine");
		for (int i = 0; i < t->nstats && y < end; i++, y++)
			tui_putf(t, y, x, r->w, TR_NORMAL, "%-15s %llu", t->stats[i].name, (unsigned long long)t->stats[i].value);
	}
}
