/* boot.S — multiboot v1 header and guest entry point.
 *
 * A multiboot loader (QEMU -kernel, GRUB, bt86) finds the header in the
 * first 8 KiB of the file, loads the ELF program headers, and jumps to
 * _start in 32-bit protected mode with paging off, flat segments,
 * EAX = 0x2BADB002 and EBX = physical address of the multiboot info.
 * We build a C environment (stack, EFLAGS) and hand over to rt_start().
 */

#define MB_HEADER_MAGIC  0x1BADB002  /* multiboot v1 header magic */
#define MB_PAGE_ALIGN    (1 << 0)    /* load modules page aligned */
#define MB_MEMORY_INFO   (1 << 1)    /* want mem_lower/mem_upper (and mmap) */
/* No bit 16 (a.out kludge): the loader must use the ELF program headers. */
#define MB_HEADER_FLAGS  (MB_PAGE_ALIGN | MB_MEMORY_INFO)

#define RT_STACK_SIZE    16384       /* boot stack: 16 KiB */

	.section .multiboot, "a"
	.balign 4                       /* the header must be 32-bit aligned */
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)  /* the three sum to 0 */

	.section .bss
	.balign 16
	.globl rt_stack_bottom, rt_stack_top
rt_stack_bottom:
	.skip RT_STACK_SIZE
rt_stack_top:

	.text
	.globl _start
	.type _start, @function
_start:
	movl $rt_stack_top, %esp
	/* The loader leaves EFLAGS undefined apart from IF=0 and VM=0; start
	 * from a known state (DF=0 as the C ABI requires, IOPL=0, AC=0, TF=0). */
	pushl $0
	popfl
	xorl %ebp, %ebp                 /* end of frame chain for gdb backtraces */
	subl $8, %esp                   /* keep ESP 16-byte aligned at the call */
	pushl %ebx                      /* arg 2: multiboot info pointer */
	pushl %eax                      /* arg 1: loader magic */
	call rt_start                   /* never returns */
1:	cli
	hlt
	jmp 1b
	.size _start, . - _start

	/* No executable stack needed (silences ld's warning). */
	.section .note.GNU-stack, "", @progbits
