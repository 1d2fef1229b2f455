/* Transitions between the monitor's C code and translated code.
 *
 *   bt_glue_enter(ctx, host_pc)  save the host's callee-saved registers and
 *                                x87/SSE state, load the guest's, jump into the TC
 *   bt_glue_leave                reached by `jmp [r15+BTC_LEAVE]` from a CCF exit:
 *                                store the guest's registers and flags, return
 *                                from bt_glue_enter
 *   bt_glue_miss                 an inline indirect lookup missed (target in R8D)
 *   (return shadow)              guest calls translated as host calls push frames
 *                                of (host return, -guest return) below the
 *                                sentinel frame set up here; a leave drops them
 *   bt_glue_callout              `call [r15+BTC_CALLOUT]` with R11 = descriptor and
 *                                R8D = effective address: runs bt_callout_dispatch()
 *                                as an ordinary C call on the host stack and comes
 *                                back, or leaves the TC if it returns non-zero
 *
 * The guest's x87/SSE state, its DF and host AC (set for guest alignment
 * checking) never reach C code: both paths into C swap FXSAVE areas and
 * clear DF (the ABI wants DF clear at calls) and AC.
 */
#include "engine/bt_ctx.h"

	.intel_syntax noprefix
	.text

/* Guest registers <-> context; EAX..EDI are host registers of the same names,
 * ESP is R12D. 32-bit moves zero the upper halves on the way in. */
.macro SAVE_GUEST
	mov [r15 + BTC_GPR + 0], eax
	mov [r15 + BTC_GPR + 4], ecx
	mov [r15 + BTC_GPR + 8], edx
	mov [r15 + BTC_GPR + 12], ebx
	mov [r15 + BTC_GPR + 16], r12d
	mov [r15 + BTC_GPR + 20], ebp
	mov [r15 + BTC_GPR + 24], esi
	mov [r15 + BTC_GPR + 28], edi
	pushfq
	pop qword ptr [r15 + BTC_HFLAGS]
	cld
	/* Host AC (guest alignment checking, bt_sync_ac) must not reach C. */
	test dword ptr [r15 + BTC_HFLAGS], 0x40000
	jz .Lac_clear\@
	pushfq
	and dword ptr [rsp], ~0x40000
	popfq
.Lac_clear\@:
.endm

.macro LOAD_GUEST
	mov r14, [r15 + BTC_WIN_BASE]
	mov r13, [r15 + BTC_WIN_NEG]
	push qword ptr [r15 + BTC_HFLAGS]
	popfq
	mov eax, [r15 + BTC_GPR + 0]
	mov ecx, [r15 + BTC_GPR + 4]
	mov edx, [r15 + BTC_GPR + 8]
	mov ebx, [r15 + BTC_GPR + 12]
	mov r12d, [r15 + BTC_GPR + 16]
	mov ebp, [r15 + BTC_GPR + 20]
	mov esi, [r15 + BTC_GPR + 24]
	mov edi, [r15 + BTC_GPR + 28]
.endm

	.globl bt_glue_enter
	.type bt_glue_enter, @function
bt_glue_enter:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov r15, rdi
	mov [r15 + BTC_HOST_RSP], rsp
	/* An empty return shadow: a sentinel frame whose tag (1) matches no
	 * guest address, then the frame budget. */
	push 1
	push 0
	mov [r15 + BTC_SHADOW_TOP], rsp
	mov qword ptr [r15 + BTC_SHADOW_BUDGET], BT_SHADOW_MAX
	fxsave64 [r15 + BTC_FX_HOST]
	fxrstor64 [r15 + BTC_FX_GUEST]
	mov r11, rsi
	LOAD_GUEST
	jmp r11
	.size bt_glue_enter, . - bt_glue_enter

	.globl bt_glue_leave
	.type bt_glue_leave, @function
bt_glue_leave:
	SAVE_GUEST
	fxsave64 [r15 + BTC_FX_GUEST]
	fxrstor64 [r15 + BTC_FX_HOST]
.Lleave_tail:
	mov rsp, [r15 + BTC_HOST_RSP]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret
	.size bt_glue_leave, . - bt_glue_leave

	.globl bt_glue_miss
	.type bt_glue_miss, @function
bt_glue_miss:
	mov [r15 + BTC_NEXT_EIP], r8d
	mov dword ptr [r15 + BTC_EXIT_SITE], 0
	mov dword ptr [r15 + BTC_EXIT_KIND], BT_EXIT_INDIRECT
	jmp bt_glue_leave
	.size bt_glue_miss, . - bt_glue_miss

/* A callout keeps the x87 registers live (C code does not use x87) and
 * saves only what the C ABI lets a call clobber: XMM0-7 (all a 32-bit guest
 * has; the C code's use of XMM8-15 and of YMM upper halves cannot matter to
 * it) and MXCSR, which C code gets at its default. Far cheaper than FXSAVE
 * and FXRSTOR both ways. */
.macro SAVE_GUEST_XMM
	movaps [r15 + BTC_FX_GUEST + 160 + 0x00], xmm0
	movaps [r15 + BTC_FX_GUEST + 160 + 0x10], xmm1
	movaps [r15 + BTC_FX_GUEST + 160 + 0x20], xmm2
	movaps [r15 + BTC_FX_GUEST + 160 + 0x30], xmm3
	movaps [r15 + BTC_FX_GUEST + 160 + 0x40], xmm4
	movaps [r15 + BTC_FX_GUEST + 160 + 0x50], xmm5
	movaps [r15 + BTC_FX_GUEST + 160 + 0x60], xmm6
	movaps [r15 + BTC_FX_GUEST + 160 + 0x70], xmm7
	stmxcsr [r15 + BTC_FX_GUEST + 24]
	ldmxcsr [r15 + BTC_FX_HOST + 24]
.endm

.macro LOAD_GUEST_XMM
	ldmxcsr [r15 + BTC_FX_GUEST + 24]
	movaps xmm0, [r15 + BTC_FX_GUEST + 160 + 0x00]
	movaps xmm1, [r15 + BTC_FX_GUEST + 160 + 0x10]
	movaps xmm2, [r15 + BTC_FX_GUEST + 160 + 0x20]
	movaps xmm3, [r15 + BTC_FX_GUEST + 160 + 0x30]
	movaps xmm4, [r15 + BTC_FX_GUEST + 160 + 0x40]
	movaps xmm5, [r15 + BTC_FX_GUEST + 160 + 0x50]
	movaps xmm6, [r15 + BTC_FX_GUEST + 160 + 0x60]
	movaps xmm7, [r15 + BTC_FX_GUEST + 160 + 0x70]
.endm

	.globl bt_glue_callout
	.type bt_glue_callout, @function
bt_glue_callout:
	SAVE_GUEST
	mov [r15 + BTC_CALLOUT_EA], r8d
	SAVE_GUEST_XMM
	mov rbx, rsp            /* guest EBX is saved: RBX keeps the unaligned RSP */
	and rsp, -16
	mov rdi, r15
	mov rsi, r11
	call bt_callout_dispatch
	mov rsp, rbx
	test eax, eax
	jnz 1f
	LOAD_GUEST_XMM
	LOAD_GUEST
	ret
1:	add rsp, 8              /* drop the return address into the CCF */
	LOAD_GUEST_XMM          /* the whole guest x87/SSE state, for FXSAVE */
	fxsave64 [r15 + BTC_FX_GUEST]
	fxrstor64 [r15 + BTC_FX_HOST]
	jmp .Lleave_tail
	.size bt_glue_callout, . - bt_glue_callout

	.section .note.GNU-stack, "", @progbits
