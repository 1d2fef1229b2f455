/* What kind of KVM this host has: a hardware-assisted one (VMX or SVM in
 * /proc/cpuinfo) or a software backend such as kvm_pvm, which emulates a 32-bit
 * guest instruction by instruction and cannot run x87 or SSE code. */
#ifndef BT86_ENGINE_KVM_PROBE_H
#define BT86_ENGINE_KVM_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* True if the CPU flags line has neither vmx nor svm. */
bool kvm_probe_flags_software(const char *cpuinfo);
/* Reads /proc/cpuinfo once per call; false if it cannot be read. */
bool kvm_probe_software_backend(void);

#endif
