/* diffnative: the differential tester's ground truth. A 32-bit Linux program
 * (gcc -m32 -O1 -no-pie) that runs each case's code natively on the host CPU
 * and reports the registers, arithmetic flags and data region afterwards.
 *
 * It loops: read a struct diff_case and the data image from stdin, copy the
 * code to DIFF_CODE_ADDR with a `jmp rel32` to dn_done appended, copy the
 * data image to DIFF_DATA_ADDR, and enter the code through dn_enter (saves
 * the host's callee-saved registers and ESP, clears the x87/SSE state,
 * loads EFLAGS with POPFD and the GPRs with POPAD, switches to the case's
 * ESP and jumps). dn_done saves ESP, EFLAGS and the GPRs and returns to C.
 * A case with FS/GS bases (seg_on) runs with FS and GS loaded from LDT
 * entries 0 and 1 (modify_ldt) that have those bases; the host's FS and GS
 * (GS is glibc's thread pointer) come back in dn_done and, before any C
 * code, in the signal handler's entry dn_sig_entry.
 * A fault in the case (SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP, or SIGALRM
 * for a case that runs too long) is a result too: the handler, on its own
 * stack so the case's stack area is not written, records the registers and
 * EIP from the signal context and siglongjmps back to the loop.
 *
 * Usage: diffnative  (speaks the protocol of diffproto.h on stdin/stdout)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* REG_EIP and friends */
#endif
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include "diffproto.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#if !defined(__i386__)
#error "native.c must be built for i386 (gcc -m32)"
#endif

/* The trampoline's globals. dn_in is popped by POPFD then POPAD; dn_out is
 * filled by PUSHFD then PUSHAD (both from the top down). */
uint32_t dn_in[9];          /* EFLAGS, EDI ESI EBP (ESP) EBX EDX ECX EAX */
uint32_t dn_out[9];         /* EDI ESI EBP (ESP) EBX EDX ECX EAX, EFLAGS */
uint32_t dn_case_esp, dn_out_esp, dn_host_esp;
uint32_t dn_code_ptr = DIFF_CODE_ADDR;
uint32_t dn_mxcsr = 0x1f80;
uint16_t dn_host_fs, dn_host_gs, dn_case_fs, dn_case_gs;

void dn_enter(void);
void dn_done(void);
void dn_sig_entry(int sig, siginfo_t *si, void *uc);

__asm__(
	".text\n"
	".globl dn_enter\n"
	".type dn_enter, @function\n"
	"dn_enter:\n"
	"	pushl %ebp\n"
	"	pushl %ebx\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
	"	movl %esp, dn_host_esp\n"
	"	fninit\n"
	"	ldmxcsr dn_mxcsr\n"
	"	movw %fs, dn_host_fs\n"
	"	movw %gs, dn_host_gs\n"
	"	movw dn_case_fs, %fs\n"
	"	movw dn_case_gs, %gs\n"
	"	movl $dn_in, %esp\n"
	"	popfl\n"
	"	popal\n"
	"	movl dn_case_esp, %esp\n"
	"	jmp *dn_code_ptr\n"
	".size dn_enter, .-dn_enter\n"
	".globl dn_done\n"
	".type dn_done, @function\n"
	"dn_done:\n"
	"	movl %esp, dn_out_esp\n"
	"	movl $dn_out+36, %esp\n"
	"	pushfl\n"
	"	pushal\n"
	"	cld\n"
	"	movw dn_host_fs, %fs\n"
	"	movw dn_host_gs, %gs\n"
	"	movl dn_host_esp, %esp\n"
	"	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebx\n"
	"	popl %ebp\n"
	"	ret\n"
	".size dn_done, .-dn_done\n"
	".globl dn_sig_entry\n"
	".type dn_sig_entry, @function\n"
	"dn_sig_entry:\n"
	"	movw dn_host_fs, %fs\n"
	"	movw dn_host_gs, %gs\n"
	"	jmp dn_on_signal\n"
	".size dn_sig_entry, .-dn_sig_entry\n");

static sigjmp_buf dn_jmp;
static volatile sig_atomic_t dn_in_case;
static struct diff_result dn_res;

static void dn_die(const char *what)
{
	fprintf(stderr, "diffnative: %s: %s\n", what, strerror(errno));
	exit(2);
}

void dn_on_signal(int sig, siginfo_t *si, void *ucv);
void dn_on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	if (!dn_in_case) {
		signal(sig, SIG_DFL);   /* the helper's own bug: die of it */
		return;
	}
	dn_in_case = 0;
	dn_res.signo = (uint32_t)sig;
	dn_res.eip = (uint32_t)g[REG_EIP];
	dn_res.trapno = (uint32_t)g[REG_TRAPNO];
	dn_res.addr = (uint32_t)(uintptr_t)si->si_addr;
	dn_res.gpr[0] = (uint32_t)g[REG_EAX];
	dn_res.gpr[1] = (uint32_t)g[REG_ECX];
	dn_res.gpr[2] = (uint32_t)g[REG_EDX];
	dn_res.gpr[3] = (uint32_t)g[REG_EBX];
	dn_res.gpr[4] = (uint32_t)g[REG_ESP];
	dn_res.gpr[5] = (uint32_t)g[REG_EBP];
	dn_res.gpr[6] = (uint32_t)g[REG_ESI];
	dn_res.gpr[7] = (uint32_t)g[REG_EDI];
	dn_res.eflags = (uint32_t)g[REG_EFL];
	siglongjmp(dn_jmp, 1);
}

static int dn_read_all(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t r = read(0, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			dn_die("read");
		if (r == 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void dn_write_all(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t r = write(1, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			dn_die("write");
		p += r;
		n -= (size_t)r;
	}
}

static void *dn_map(uint32_t addr, size_t len, int prot)
{
	void *p = mmap((void *)(uintptr_t)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (p == MAP_FAILED || p != (void *)(uintptr_t)addr) {
		fprintf(stderr, "diffnative: cannot map 0x%08x-0x%08x (%s); this process's map:\n", addr,
			(unsigned)(addr + len), p == MAP_FAILED ? strerror(errno) : "placed elsewhere");
		FILE *f = fopen("/proc/self/maps", "r");
		char line[256];
		while (f && fgets(line, sizeof line, f))
			fputs(line, stderr);
		if (f)
			fclose(f);
		exit(2);
	}
	return p;
}

/* LDT entry n (selector n*8+7) as a flat 32-bit data segment at base. */
static void dn_set_ldt(unsigned n, uint32_t base)
{
	struct user_desc d = { .entry_number = n, .base_addr = base, .limit = 0xfffff, .seg_32bit = 1,
			       .limit_in_pages = 1, .useable = 1 };
	if (syscall(SYS_modify_ldt, 1, &d, sizeof d) < 0)
		dn_die("modify_ldt");
}

/* FS and GS for the case: the host's, or LDT entries with the case's bases. */
static void dn_segs(const struct diff_case *c)
{
	static uint32_t have[2];
	static int made;
	uint16_t fs, gs;
	__asm__ volatile("movw %%fs, %0; movw %%gs, %1" : "=r"(fs), "=r"(gs));
	dn_case_fs = fs;
	dn_case_gs = gs;
	if (!c->seg_on)
		return;
	for (unsigned k = 0; k < 2; k++)
		if (!(made >> k & 1) || have[k] != c->seg_base[k]) {
			dn_set_ldt(k, c->seg_base[k]);
			have[k] = c->seg_base[k];
			made |= 1 << k;
		}
	dn_case_fs = 0x07;
	dn_case_gs = 0x0f;
}

static void dn_set_timer(long usec)
{
	struct itimerval it = { .it_value = { .tv_sec = usec / 1000000, .tv_usec = usec % 1000000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* One case: kept out of line so nothing in main lives across sigsetjmp. */
static __attribute__((noinline)) void dn_run(const struct diff_case *c)
{
	static const int order[8] = { 7, 6, 5, 4, 3, 2, 1, 0 };   /* dn_in[1..8]: EDI..EAX */
	memset(&dn_res, 0, sizeof dn_res);
	dn_res.magic = DIFF_MAGIC_RESULT;
	dn_in[0] = (c->eflags & DIFF_FLAGS_CMP) | 0x2;
	for (int i = 0; i < 8; i++)
		dn_in[1 + i] = c->gpr[order[i]];
	dn_case_esp = c->gpr[4];
	if (sigsetjmp(dn_jmp, 1) == 0) {
		dn_set_timer(2000000);
		dn_in_case = 1;
		dn_enter();
		dn_in_case = 0;
		dn_set_timer(0);
		for (int i = 0; i < 8; i++)
			dn_res.gpr[order[i]] = dn_out[i];
		dn_res.gpr[4] = dn_out_esp;
		dn_res.eflags = dn_out[8];
	} else {
		dn_set_timer(0);
	}
}

int main(void)
{
	static struct diff_case c;
	uint8_t *code = dn_map(DIFF_CODE_ADDR, DIFF_CODE_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
	uint8_t *data = dn_map(DIFF_DATA_ADDR, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE);

	static uint8_t altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	if (sigaltstack(&ss, NULL) < 0)
		dn_die("sigaltstack");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = dn_sig_entry;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = { SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP, SIGALRM };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			dn_die("sigaction");

	while (dn_read_all(&c, sizeof c) == 0) {
		if (c.magic != DIFF_MAGIC_CASE || c.code_len > DIFF_CODE_MAX) {
			fprintf(stderr, "diffnative: malformed case record\n");
			return 2;
		}
		if (dn_read_all(data, DIFF_DATA_SIZE) < 0) {
			fprintf(stderr, "diffnative: truncated case record\n");
			return 2;
		}
		memcpy(code, c.code, c.code_len);
		uint32_t end = DIFF_CODE_ADDR + c.code_len + 5;
		int32_t rel = (int32_t)((uint32_t)(uintptr_t)dn_done - end);
		code[c.code_len] = 0xe9;
		memcpy(code + c.code_len + 1, &rel, 4);
		__builtin___clear_cache((char *)code, (char *)code + c.code_len + 5);
		dn_segs(&c);
		dn_run(&c);
		dn_write_all(&dn_res, sizeof dn_res);
		dn_write_all(data, DIFF_DATA_SIZE);
	}
	return 0;
}
