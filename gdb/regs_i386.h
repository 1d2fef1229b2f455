/* The i386 register set bt86 shows gdb, as data: gdb's two standard i386
 * features (org.gnu.gdb.i386.core: general, segment and x87 registers;
 * org.gnu.gdb.i386.sse: xmm0-7 and mxcsr), in the order and with the names
 * gdb 13 requires of them, and a feature of bt86's own (org.bt86.system:
 * control registers, EFER, GDTR, IDTR), which gdb shows in `info registers
 * all` and `info registers system`. A register's number in g/p packets is
 * its index here; the target description is generated from the same table.
 *
 *   struct rsp *r = rsp_create(&io, ctx, &target, vm, &rsp_arch_i386);
 *   // target read_reg(n = I386_EIP) fills 4 bytes, little-endian
 *   // st0-st7: 10 bytes (the x87 80-bit format), xmm0-7: 16 bytes
 */
#ifndef BT86_GDB_REGS_I386_H
#define BT86_GDB_REGS_I386_H

#include "gdb/rsp.h"

/* Register numbers (indices in the table, numbers in p/P packets). */
enum i386_regno {
	I386_EAX, I386_ECX, I386_EDX, I386_EBX,      /* gdb's order: the ModRM encoding */
	I386_ESP, I386_EBP, I386_ESI, I386_EDI,
	I386_EIP, I386_EFLAGS,
	I386_CS, I386_SS, I386_DS, I386_ES, I386_FS, I386_GS,
	I386_ST0, I386_ST7 = I386_ST0 + 7,           /* 80-bit x87 registers, ST(i) order */
	I386_FCTRL, I386_FSTAT, I386_FTAG,           /* FCW, FSW, full 16-bit tag word */
	I386_FISEG, I386_FIOFF,                      /* last instruction pointer selector:offset */
	I386_FOSEG, I386_FOOFF,                      /* last operand pointer selector:offset */
	I386_FOP,                                    /* last opcode, 11 bits */
	I386_XMM0, I386_XMM7 = I386_XMM0 + 7,
	I386_MXCSR,
	I386_CR0, I386_CR2, I386_CR3, I386_CR4,
	I386_EFER,                                   /* MSR 0xC0000080, low 32 bits */
	I386_GDTR_BASE, I386_GDTR_LIMIT,
	I386_IDTR_BASE, I386_IDTR_LIMIT,
	I386_NREGS
};

extern const struct rsp_arch rsp_arch_i386;

#endif
