/* Interrupt and exception delivery through the guest IDT, and IRET, in
 * protected mode (Intel SDM vol. 3, 6.12 "Exception and interrupt handling";
 * vol. 2, INT n and IRET). Shared by every engine that emulates the CPU's
 * system architecture (the translator; KVM's hardware does it itself).
 *
 *   struct emu em = { .m = m, .st = &state };
 *   r = emu_deliver(&em, EXC_GP, DELIVER_EXCEPTION, true, sel, fault_eip);
 *   // EMU_JUMP: CS:EIP, ESP, EFLAGS now are the handler's
 *   // EMU_STOP: triple fault (em.msg says so)
 *
 * Faults while delivering are handled as the CPU does: a contributory
 * exception on top of a contributory one (or a page fault on top of one) is
 * a double fault; a fault while delivering a double fault is a triple fault,
 * which stops the guest. Task gates and virtual-8086 mode are not modelled:
 * they stop the guest with a message naming them. */
#ifndef BT86_MONITOR_INTERRUPT_H
#define BT86_MONITOR_INTERRUPT_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/emulate.h"

enum deliver_kind {
	DELIVER_EXCEPTION,  /* raised by the CPU: no gate DPL check */
	DELIVER_SOFTWARE,   /* INT n, INT3, INTO: the gate's DPL must allow the CPL */
	DELIVER_EXTERNAL,   /* an interrupt from the PIC */
};

/* Deliver vector; return_eip is what the handler's IRET goes back to (the
 * faulting instruction for faults, the next one for traps and INT n). */
enum emu_result emu_deliver(struct emu *em, int vector, enum deliver_kind kind, bool has_error,
			    uint32_t error_code, uint32_t return_eip);

/* IRET with the given operand size (4, or 2 with a 0x66 prefix). */
enum emu_result emu_iret(struct emu *em, unsigned size);

/* True for the vectors whose exceptions push an error code. */
bool emu_exception_has_error(int vector);

#endif
