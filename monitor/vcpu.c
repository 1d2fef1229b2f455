/* Architectural vCPU state helpers (see vcpu.h). */
#include "monitor/vcpu.h"

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
