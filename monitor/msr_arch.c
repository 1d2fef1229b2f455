/* MTRR and MCA model-specific registers (see msr_arch.h). */
#include "monitor/msr_arch.h"

#define MTRR_TYPE_UC 0
#define MTRR_TYPE_WB 6
#define MTRRCAP_FIX  (1u << 8)
#define MTRRCAP_WC   (1u << 10)
#define DEF_TYPE_FE  (1u << 10)
#define DEF_TYPE_E   (1u << 11)
#define PHYSMASK_V   (1u << 11)

/* UC WC WT WP WB: the MTRR memory types (2, 3 and 7 are reserved here). */
static bool mtrr_type_ok(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* The index into vcpu_mtrr.fixed of a fixed-range MTRR, or -1. */
static int mtrr_fixed_index(uint32_t n)
{
	if (n == MSR_MTRR_FIX64K)
		return 0;
	if (n == MSR_MTRR_FIX16K_8 || n == MSR_MTRR_FIX16K_A)
		return 1 + (int)(n - MSR_MTRR_FIX16K_8);
	if (n >= MSR_MTRR_FIX4K_C0 && n < MSR_MTRR_FIX4K_C0 + 8)
		return 3 + (int)(n - MSR_MTRR_FIX4K_C0);
	return -1;
}

static uint64_t mtrr_phys_mask(const struct cpu_model *c)
{
	return ((1ull << cpu_model_maxphyaddr(c)) - 1) & ~0xfffull;
}

static int mtrr_access(const struct cpu_model *c, struct vcpu_mtrr *t, uint32_t n, uint64_t *v, bool write)
{
	if (n == MSR_MTRRCAP) {
		if (write)
			return -1;   /* read-only */
		*v = VCPU_MTRR_VAR | MTRRCAP_FIX | MTRRCAP_WC;
		return 1;
	}
	if (n == MSR_MTRR_DEF_TYPE) {
		if (write) {
			if ((*v & ~(uint64_t)(0xff | DEF_TYPE_FE | DEF_TYPE_E)) || !mtrr_type_ok(*v & 0xff))
				return -1;
			t->def_type = *v;
		} else {
			*v = t->def_type;
		}
		return 1;
	}
	int f = mtrr_fixed_index(n);
	if (f >= 0) {
		if (write) {
			for (int i = 0; i < 8; i++)
				if (!mtrr_type_ok((unsigned)(*v >> (8 * i)) & 0xff))
					return -1;
			t->fixed[f] = *v;
		} else {
			*v = t->fixed[f];
		}
		return 1;
	}
	if (n >= MSR_MTRR_PHYSBASE0 && n < MSR_MTRR_PHYSBASE0 + 2 * VCPU_MTRR_VAR) {
		unsigned i = n - MSR_MTRR_PHYSBASE0;
		bool mask = i & 1;
		if (write) {
			uint64_t ok = mtrr_phys_mask(c) | (mask ? PHYSMASK_V : 0xff);
			if ((*v & ~ok) || (!mask && !mtrr_type_ok(*v & 0xff)))
				return -1;
			t->var[i] = *v;
		} else {
			*v = t->var[i];
		}
		return 1;
	}
	return 0;
}

#define MCG_STATUS_BITS 7ull   /* RIPV EIPV MCIP */

static int mca_access(struct vcpu_mca *a, uint32_t n, uint64_t *v, bool write)
{
	if (n == MSR_MCG_CAP) {
		if (write)
			return -1;
		*v = VCPU_MCA_BANKS;   /* no MCG_CTL, no extended registers, no CMCI */
		return 1;
	}
	if (n == MSR_MCG_STATUS) {
		if (write) {
			if (*v & ~MCG_STATUS_BITS)
				return -1;
			a->mcg_status = *v;
		} else {
			*v = a->mcg_status;
		}
		return 1;
	}
	if (n < MSR_MC0_CTL || n >= MSR_MC0_CTL + 4 * VCPU_MCA_BANKS)
		return 0;
	unsigned bank = (n - MSR_MC0_CTL) / 4;
	switch ((n - MSR_MC0_CTL) % 4) {
	case 0:   /* MCi_CTL: which errors the bank reports */
		if (write)
			a->ctl[bank] = *v;
		else
			*v = a->ctl[bank];
		return 1;
	default:
		/* MCi_STATUS, MCi_ADDR, MCi_MISC: no error is ever logged, so
		 * they read 0; software may clear them, and writing 1s is #GP
		 * (vol. 3B 16.3.2.2). */
		if (write)
			return *v ? -1 : 1;
		*v = 0;
		return 1;
	}
}

int msr_arch_access(const struct cpu_model *c, struct vcpu_state *st, uint32_t n, uint64_t *v, bool write)
{
	if (cpu_has(c, CPUF_MTRR)) {
		int rc = mtrr_access(c, &st->mtrr, n, v, write);
		if (rc)
			return rc;
	}
	if (cpu_has(c, CPUF_MCA))
		return mca_access(&st->mca, n, v, write);
	return 0;
}

void msr_arch_firmware(const struct cpu_model *c, struct vcpu_state *st)
{
	if (!cpu_has(c, CPUF_MTRR))
		return;
	struct vcpu_mtrr *t = &st->mtrr;
	const uint64_t wb = 0x0606060606060606ull;
	t->fixed[0] = wb;                             /* 0x00000-0x7ffff */
	t->fixed[1] = wb;                             /* 0x80000-0x9ffff */
	t->fixed[2] = 0;                              /* 0xa0000-0xbffff: VGA, uncached */
	for (int i = 3; i < 11; i++)
		t->fixed[i] = wb;                     /* 0xc0000-0xfffff: ROM shadow */
	t->var[0] = 0xc0000000ull | MTRR_TYPE_UC;     /* 3 GiB-4 GiB: devices */
	t->var[1] = (mtrr_phys_mask(c) & ~0x3fffffffull) | PHYSMASK_V;
	t->def_type = DEF_TYPE_E | DEF_TYPE_FE | MTRR_TYPE_WB;
}
