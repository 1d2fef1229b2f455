/* esc_probe(fn): call fn at ring 0 and come back here whatever it raises
 * (see esc.h). The trap handler points the faulting frame's EIP at
 * esc_probe_recover, which unwinds to the saved stack. */
	.text
	.globl esc_probe
	.type esc_probe, @function
esc_probe:
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, esc_probe_esp
	movl $1, esc_probe_armed
	movl 20(%esp), %eax
	call *%eax
	movl $0xffffffff, %eax
	jmp 1f
	.globl esc_probe_recover
esc_probe_recover:
	movl esc_probe_esp, %esp
	movl esc_probe_vector, %eax
1:	movl $0, esc_probe_armed
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
	.size esc_probe, . - esc_probe

	.bss
	.balign 4
	.globl esc_probe_esp, esc_probe_armed, esc_probe_vector
esc_probe_esp:    .long 0
esc_probe_armed:  .long 0
esc_probe_vector: .long 0

	.section .note.GNU-stack, "", @progbits
