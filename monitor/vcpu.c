/* Architectural vCPU state helpers (see vcpu.h). */
#include "monitor/vcpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct vcpu_seg vcpu_flat_seg(uint16_t sel, uint16_t type)
{
	return (struct vcpu_seg){
		.sel = sel,
		.attr = (uint16_t)(type | SEG_S | SEG_P | SEG_DB | SEG_G),
		.base = 0,
		.limit = 0xffffffffu,
	};
}

const char *vcpu_reg_name(enum vcpu_reg r)
{
	static const char *const names[R_COUNT] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	};
	return (unsigned)r < R_COUNT ? names[r] : "?";
}

const char *vcpu_seg_name(enum vcpu_segreg s)
{
	static const char *const names[S_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };
	return (unsigned)s < S_COUNT ? names[s] : "?";
}

static void vcpu_diff_add(char *out, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	if (*n >= len)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(out + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k;
}

void vcpu_state_diff(const struct vcpu_state *a, const struct vcpu_state *b, char *out, size_t len)
{
	static const struct { uint32_t bit; const char *name; } flags[] = {
		{ EFLAGS_CF, "CF" }, { EFLAGS_ZF, "ZF" }, { EFLAGS_SF, "SF" }, { EFLAGS_OF, "OF" },
		{ EFLAGS_TF, "TF" }, { EFLAGS_IF, "IF" }, { EFLAGS_DF, "DF" }, { EFLAGS_NT, "NT" },
		{ EFLAGS_AC, "AC" },
	};
	size_t n = 0;
	out[0] = 0;
	for (int r = 0; r < R_COUNT; r++)
		if (a->gpr[r] != b->gpr[r])
			vcpu_diff_add(out, len, &n, "%s%s 0x%x->0x%x", n ? " " : "", vcpu_reg_name((enum vcpu_reg)r),
				      a->gpr[r], b->gpr[r]);
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if ((a->eflags ^ b->eflags) & flags[i].bit)
			vcpu_diff_add(out, len, &n, "%s%s %d->%d", n ? " " : "", flags[i].name,
				      !!(a->eflags & flags[i].bit), !!(b->eflags & flags[i].bit));
	if ((a->eflags ^ b->eflags) & EFLAGS_IOPL)
		vcpu_diff_add(out, len, &n, "%sIOPL %u->%u", n ? " " : "", (a->eflags >> 12) & 3, (b->eflags >> 12) & 3);
	for (int s = 0; s < S_COUNT; s++)
		if (a->seg[s].sel != b->seg[s].sel || a->seg[s].base != b->seg[s].base)
			vcpu_diff_add(out, len, &n, "%s%s 0x%x->0x%x", n ? " " : "", vcpu_seg_name((enum vcpu_segreg)s),
				      a->seg[s].sel, b->seg[s].sel);
	if (a->gdtr.base != b->gdtr.base || a->gdtr.limit != b->gdtr.limit)
		vcpu_diff_add(out, len, &n, "%sgdtr 0x%x/0x%x", n ? " " : "", b->gdtr.base, b->gdtr.limit);
	if (a->idtr.base != b->idtr.base || a->idtr.limit != b->idtr.limit)
		vcpu_diff_add(out, len, &n, "%sidtr 0x%x/0x%x", n ? " " : "", b->idtr.base, b->idtr.limit);
	if (a->tr.sel != b->tr.sel)
		vcpu_diff_add(out, len, &n, "%str 0x%x->0x%x", n ? " " : "", a->tr.sel, b->tr.sel);
	if (a->ldtr.sel != b->ldtr.sel)
		vcpu_diff_add(out, len, &n, "%sldtr 0x%x->0x%x", n ? " " : "", a->ldtr.sel, b->ldtr.sel);
	if (a->cr0 != b->cr0)
		vcpu_diff_add(out, len, &n, "%scr0 0x%x->0x%x", n ? " " : "", a->cr0, b->cr0);
	if (a->cr3 != b->cr3)
		vcpu_diff_add(out, len, &n, "%scr3 0x%x->0x%x", n ? " " : "", a->cr3, b->cr3);
	if (a->cr4 != b->cr4)
		vcpu_diff_add(out, len, &n, "%scr4 0x%x->0x%x", n ? " " : "", a->cr4, b->cr4);
	if (!n)
		snprintf(out, len, "no change");
}
