/* The differential tester's wire format, shared by the 64-bit driver
 * (difftest.c) and the 32-bit native helper (native.c, built with -m32).
 *
 * The driver writes one case, the helper answers with one result, over a
 * pipe each way, in host byte order (both ends run on the same machine).
 * Every field is a uint32_t or a byte array so both ABIs lay the structs out
 * identically.
 *
 *   case:   struct diff_case, then DIFF_DATA_SIZE bytes of data image
 *   result: struct diff_result, then DIFF_DATA_SIZE bytes of data region
 *
 * The case's code bytes are the same on both sides; each side appends its
 * own terminator (the helper a `jmp rel32` back into its trampoline, the
 * guest `cli; hlt`).
 */
#ifndef BT86_TESTS_DIFF_DIFFPROTO_H
#define BT86_TESTS_DIFF_DIFFPROTO_H

#include <stdint.h>

/* Both addresses are free in a 32-bit Linux process (a -no-pie executable
 * starts at 0x08048000, mmap()s come down from below the stack) and inside
 * the guest's RAM (64 MiB, nothing loaded there). */
#define DIFF_CODE_ADDR  0x00300000u
#define DIFF_CODE_PAGE  0x2000u          /* the code mapping: two pages, so code can cross */
#define DIFF_CODE_MAX   0x1e00u          /* case code, without terminator */
#define DIFF_DATA_ADDR  0x00310000u
#define DIFF_DATA_SIZE  0x00010000u      /* data, then the stack area at the top */

#define DIFF_MAGIC_CASE   0x43464944u    /* "DIFC" */
#define DIFF_MAGIC_RESULT 0x52464944u    /* "DIFR" */

/* The EFLAGS bits a case may set and the comparison looks at. */
#define DIFF_FLAGS_ARITH  0x000008d5u    /* OF SF ZF AF PF CF */
#define DIFF_FLAGS_DF     0x00000400u
#define DIFF_FLAGS_CMP    (DIFF_FLAGS_ARITH | DIFF_FLAGS_DF)

/* GPR order: EAX ECX EDX EBX ESP EBP ESI EDI (the encoding order). */
struct diff_case {
	uint32_t magic;
	uint32_t gpr[8];
	uint32_t eflags;         /* only DIFF_FLAGS_CMP bits are used */
	uint32_t code_len;       /* <= DIFF_CODE_MAX */
	uint32_t seg_on;         /* 1: FS and GS get the bases below (LDT entries 0, 1) */
	uint32_t seg_base[2];    /* FS, GS */
	uint8_t code[DIFF_CODE_MAX];
};

struct diff_result {
	uint32_t magic;
	uint32_t signo;          /* 0: the code ran to its end; else the signal */
	uint32_t eip;            /* with a signal: the faulting EIP (absolute) */
	uint32_t gpr[8];         /* at the end, or at the fault */
	uint32_t eflags;
	uint32_t trapno;         /* with a signal: the CPU's vector, if known */
	uint32_t addr;           /* with a page fault: the address (si_addr) */
};

#endif
