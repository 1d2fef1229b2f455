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


	/* The first half of rt_enter_user and rt_enter_user_sysexit: save
	 * the callee-saved registers and EFLAGS where rt_leave_user finds
	 * them, and load TR if no TSS is loaded yet. Arguments are then at
	 * 24(%esp), 28(%esp) and 32(%esp). */
	.macro ENTER_USER_PROLOGUE
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	pushfl
	movl %esp, rt_user_kernel_esp
	str %ax                         /* ring 3 needs a TSS for the way back */
	testw %ax, %ax
	jnz 1f
	movw $RT_SEL_TSS, %ax
	ltr %ax
1:
	.endm

	/* Data segment registers for ring 3 (IRET and SYSEXIT load CS, SS). */
	.macro LOAD_USER_DATA_SEGMENTS
	movw $RT_SEL_UDATA, %bx
	movw %bx, %ds
	movw %bx, %es
	movw %bx, %fs
	movw %bx, %gs
	.endm

	/* uint32_t rt_enter_user(void (*fn)(void), void *stack_top,
	 *                        uint32_t eflags): see rt_desc.h. */
	.globl rt_enter_user
	.type rt_enter_user, @function
rt_enter_user:
	ENTER_USER_PROLOGUE
	movl 24(%esp), %ecx             /* fn */
	movl 28(%esp), %edx             /* stack_top */
	movl 32(%esp), %eax             /* eflags */
	orl $2, %eax                    /* bit 1 is always set */
	subl $4, %edx
	movl $rt_user_return, (%edx)    /* fn's return address */
	LOAD_USER_DATA_SEGMENTS
	pushl $RT_SEL_UDATA             /* SS */
	pushl %edx                      /* ESP */
	pushl %eax                      /* EFLAGS */
	pushl $RT_SEL_UCODE             /* CS */
	pushl %ecx                      /* EIP */
	iret
	.size rt_enter_user, . - rt_enter_user

#define MSR_SYSENTER_CS   0x174
#define MSR_SYSENTER_ESP  0x175
#define MSR_SYSENTER_EIP  0x176

	/* uint32_t rt_enter_user_sysexit(void (*fn)(void), void *stack_top,
	 *                                uint32_t eflags): see rt_desc.h. */
	.globl rt_enter_user_sysexit
	.type rt_enter_user_sysexit, @function
rt_enter_user_sysexit:
	ENTER_USER_PROLOGUE
	/* SYSEXIT loads CS = SYSENTER_CS + 16 and SS = SYSENTER_CS + 24
	 * (RPL 3): RT_SEL_UCODE and RT_SEL_UDATA with this GDT. */
	movl $MSR_SYSENTER_CS, %ecx
	movl $RT_SEL_KCODE, %eax
	xorl %edx, %edx
	wrmsr
	movl $MSR_SYSENTER_ESP, %ecx
	movl rt_tss + 4, %eax           /* rt_tss.esp0 */
	wrmsr
	movl $MSR_SYSENTER_EIP, %ecx
	movl $rt_sysenter_entry, %eax
	wrmsr
	movl 24(%esp), %edx             /* fn: SYSEXIT's EIP */
	movl 28(%esp), %ecx             /* stack_top: SYSEXIT's ESP */
	movl 32(%esp), %eax             /* eflags */
	orl $2, %eax
	subl $4, %ecx
	movl $rt_user_return, (%ecx)
	LOAD_USER_DATA_SEGMENTS
	pushl %eax
	popfl                           /* SYSEXIT keeps EFLAGS */
	sysexit
	.size rt_enter_user_sysexit, . - rt_enter_user_sysexit

	/* Where a ring-3 fn that returns lands: an unexpected #UD. */
rt_user_return:
	ud2

	/* void rt_user_sysenter(uint32_t v), in ring 3: back to the kernel. */
	.globl rt_user_sysenter
	.type rt_user_sysenter, @function
rt_user_sysenter:
	movl 4(%esp), %eax
	sysenter
	.size rt_user_sysenter, . - rt_user_sysenter

	/* void rt_leave_user(uint32_t v), from a ring-0 trap handler. */
	.globl rt_leave_user
	.type rt_leave_user, @function
rt_leave_user:
	movl 4(%esp), %eax              /* rt_enter_user's return value */
rt_sysenter_entry:                      /* SYSENTER_EIP, with EAX = v */
	movw $RT_SEL_KDATA, %dx
	movw %dx, %ds
	movw %dx, %es
	movw %dx, %fs
	movw %dx, %gs
	movl rt_user_kernel_esp, %esp
	popfl
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
	.size rt_leave_user, . - rt_leave_user

	.bss
	.balign 4
rt_user_kernel_esp:                     /* ESP inside rt_enter_user */
	.long 0

	/* No executable stack needed (silences ld's warning). */
	.section .note.GNU-stack, "", @progbits
