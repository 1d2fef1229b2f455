/* Conversion between KVM's register structures and the monitor's vcpu_state. */
#ifndef BT86_ENGINE_KVM_REGS_H
#define BT86_ENGINE_KVM_REGS_H

#include <linux/kvm.h>

#include "monitor/vcpu.h"

void kvmr_from_regs(const struct kvm_regs *r, struct vcpu_state *st);
void kvmr_to_regs(const struct vcpu_state *st, struct kvm_regs *r);
void kvmr_from_sregs(const struct kvm_sregs *r, struct vcpu_state *st);
/* Overwrites the fields vcpu_state models; leaves the rest of *r as it was. */
void kvmr_to_sregs(const struct vcpu_state *st, struct kvm_sregs *r);
void kvmr_from_debugregs(const struct kvm_debugregs *r, struct vcpu_state *st);

struct vcpu_seg kvmr_seg_from(const struct kvm_segment *k);
struct kvm_segment kvmr_seg_to(const struct vcpu_seg *s);

#endif
