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

struct vcpu_seg vcpu_seg_from_desc(uint16_t sel, uint64_t d)
{
	struct vcpu_seg s;
	s.sel = sel;
	s.base = (uint32_t)(((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24));
	s.limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
	s.attr = (uint16_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
	if (s.attr & SEG_G)
		s.limit = (s.limit << 12) | 0xfff;
	return s;
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

int vcpu_state_changes(const struct vcpu_state *a, const struct vcpu_state *b,
		       struct vcpu_change *out, int max)
{
	int n = 0;
#define VCPU_CMP(f, x, y) \
	do { if ((x) != (y) && n < max) out[n++] = (struct vcpu_change){ (uint8_t)(f), (x), (y) }; } while (0)
	for (int r = 0; r < R_COUNT; r++)
		VCPU_CMP(VF_GPR0 + r, a->gpr[r], b->gpr[r]);
	VCPU_CMP(VF_EFLAGS, a->eflags, b->eflags);
	for (int s = 0; s < S_COUNT; s++)
		VCPU_CMP(VF_SEG0 + s, a->seg[s].sel, b->seg[s].sel);
	VCPU_CMP(VF_GDTR, a->gdtr.base, b->gdtr.base);
	VCPU_CMP(VF_IDTR, a->idtr.base, b->idtr.base);
	VCPU_CMP(VF_TR, a->tr.sel, b->tr.sel);
	VCPU_CMP(VF_LDTR, a->ldtr.sel, b->ldtr.sel);
	VCPU_CMP(VF_CR0, a->cr0, b->cr0);
	VCPU_CMP(VF_CR3, a->cr3, b->cr3);
	VCPU_CMP(VF_CR4, a->cr4, b->cr4);
#undef VCPU_CMP
	return n;
}

void vcpu_changes_format(const struct vcpu_change *ch, int n, char *out, size_t len)
{
	static const struct { uint32_t bit; const char *name; } flags[] = {
		{ EFLAGS_CF, "CF" }, { EFLAGS_PF, "PF" }, { EFLAGS_AF, "AF" }, { EFLAGS_ZF, "ZF" },
		{ EFLAGS_SF, "SF" }, { EFLAGS_OF, "OF" }, { EFLAGS_TF, "TF" }, { EFLAGS_IF, "IF" },
		{ EFLAGS_DF, "DF" }, { EFLAGS_NT, "NT" }, { EFLAGS_RF, "RF" }, { EFLAGS_VM, "VM" },
		{ EFLAGS_AC, "AC" }, { EFLAGS_ID, "ID" }, { 0x00080000u, "VIF" }, { 0x00100000u, "VIP" },
	};
	static const char *const other[] = { "gdtr", "idtr", "tr", "ldtr", "cr0", "cr3", "cr4" };
	size_t k = 0;
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		const struct vcpu_change *c = &ch[i];
		if (c->field == VF_EFLAGS) {
			for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
				if ((c->before ^ c->after) & flags[f].bit)
					vcpu_diff_add(out, len, &k, "%s%s %d->%d", k ? " " : "", flags[f].name,
						      !!(c->before & flags[f].bit), !!(c->after & flags[f].bit));
			if ((c->before ^ c->after) & EFLAGS_IOPL)
				vcpu_diff_add(out, len, &k, "%sIOPL %u->%u", k ? " " : "", (c->before >> 12) & 3,
					      (c->after >> 12) & 3);
			continue;
		}
		const char *name = c->field < VF_EFLAGS ? vcpu_reg_name((enum vcpu_reg)c->field)
			: c->field < VF_GDTR ? vcpu_seg_name((enum vcpu_segreg)(c->field - VF_SEG0))
			: other[c->field - VF_GDTR];
		vcpu_diff_add(out, len, &k, "%s%s 0x%x->0x%x", k ? " " : "", name, c->before, c->after);
	}
	if (!k)
		snprintf(out, len, "no change");
}

void vcpu_state_diff(const struct vcpu_state *a, const struct vcpu_state *b, char *out, size_t len)
{
	struct vcpu_change ch[VCPU_MAX_CHANGES];
	vcpu_changes_format(ch, vcpu_state_changes(a, b, ch, VCPU_MAX_CHANGES), out, len);
}
