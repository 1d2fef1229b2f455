/* The memory-type range registers (MTRRs, Intel SDM vol. 3A 12.11) and the
 * machine-check architecture's MSRs (vol. 3B 16.3) of the CPU models that
 * report MTRR, MCE and MCA in CPUID leaf 1. Their state lives in
 * vcpu_state (struct vcpu_mtrr, struct vcpu_mca).
 *
 *   uint64_t v;
 *   switch (msr_arch_access(&cpu, st, ecx, &v, is_write)) {
 *   case 1: ...handled; case 0: ...not one of these; case -1: ...#GP
 *   }
 *
 * bt86 caches nothing and reports no hardware errors, so the MTRRs only
 * hold what the guest (or the firmware, msr_arch_firmware) writes and the
 * banks never log an error; a guest can still read and program them as on
 * a real P6. */
#ifndef BT86_MONITOR_MSR_ARCH_H
#define BT86_MONITOR_MSR_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/cpumodel.h"
#include "monitor/vcpu.h"

#define MSR_MTRRCAP        0xfeu
#define MSR_MCG_CAP        0x179u
#define MSR_MCG_STATUS     0x17au
#define MSR_MTRR_PHYSBASE0 0x200u
#define MSR_MTRR_FIX64K    0x250u
#define MSR_MTRR_FIX16K_8  0x258u
#define MSR_MTRR_FIX16K_A  0x259u
#define MSR_MTRR_FIX4K_C0  0x268u
#define MSR_MTRR_DEF_TYPE  0x2ffu
#define MSR_MC0_CTL        0x400u

/* 1 the MSR is one of these and was read into or written from *v, 0 not
 * one of these (or not on this model), -1 the access raises #GP. */
int msr_arch_access(const struct cpu_model *c, struct vcpu_state *st, uint32_t n, uint64_t *v, bool write);

/* What a PC BIOS leaves in the MTRRs before it boots a kernel (as SeaBIOS
 * does): enabled, write-back by default, the legacy VGA window 0xa0000-
 * 0xbffff uncached, and the top 1 GiB below 4 GiB (the APICs, the PCI
 * hole) uncached. Nothing for a model without MTRRs. */
void msr_arch_firmware(const struct cpu_model *c, struct vcpu_state *st);

#endif
