/* desc_stubs.S — one entry stub per interrupt vector, and their common part.
 *
 * Each stub makes the stack look the same for every vector (pushes a 0
 * where the CPU pushes no error code, then the vector number), and jumps to
 * rt_isr_common, which saves the registers as a struct rt_trap_frame and
 * calls rt_trap_dispatch(frame). rt_isr_stubs[] lists the stub addresses.
 */

#include "rt_desc.h"

/* Exceptions for which the CPU pushes an error code: #DF 8, #TS 10,
 * #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || \
			   (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	/* rt_isr_stubs[]: filled in order by the .pushsection below. */
	.section .rodata
	.balign 4
	.globl rt_isr_stubs
	.type rt_isr_stubs, @object
rt_isr_stubs:

	.text
	.balign 16
	vector = 0
	.rept RT_IDT_ENTRIES
1:
	.ifeq HAS_ERROR_CODE(vector)
	pushl $0                        /* dummy error code */
	.endif
	pushl $vector
	jmp rt_isr_common
	.pushsection .rodata
	.long 1b                        /* rt_isr_stubs[vector] */
	.popsection
	vector = vector + 1
	.endr
	.pushsection .rodata
	.size rt_isr_stubs, . - rt_isr_stubs
	.popsection

	.type rt_isr_common, @function
rt_isr_common:
	pushal
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	movw $RT_SEL_KDATA, %ax                /* a trap from ring 3 has user DS/ES */
	movw %ax, %ds
	movw %ax, %es
	cld                             /* the C ABI wants DF=0 */
	pushl %esp                      /* arg: struct rt_trap_frame * */
	call rt_trap_dispatch
	addl $4, %esp
	popl %gs
	popl %fs
	popl %es
	popl %ds
	popal
	addl $8, %esp                   /* vector and error code */
	iret
	.size rt_isr_common, . - rt_isr_common


	/* No executable stack needed (silences ld's warning). */
	.section .note.GNU-stack, "", @progbits
