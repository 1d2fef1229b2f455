/* nanobench.c — cycles per sensitive operation, after Adams & Agesen, "A
 * comparison of software and hardware techniques for x86 virtualization"
 * (ASPLOS 2006): each loop runs one operation n times (n=... on the command
 * line) between two RDTSC reads and prints the time stamp ticks per
 * iteration. `make bench` runs it natively (the operations a Linux process
 * may run), under bt with each treatment, and under KVM where KVM is
 * hardware-backed. The output is timing, so it has no expected file. */
#include "rt.h"

#ifndef RT_NATIVE
#include "rt_desc.h"
#endif

#define COM1_SCR 0x3FF   /* the UART's scratch register: a port with no side effects */

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void report(const char *name, uint64_t ticks, unsigned n)
{
	uint64_t centi = ticks * 100 / (n ? n : 1);
	rt_printf("nanobench %-8s n=%u ticks/op=%u.%02u\n", name, n, (unsigned)(centi / 100),
		  (unsigned)(centi % 100));
}

__attribute__((noinline)) static void empty_fn(void)
{
	__asm__ volatile("");
}

#define TIMED(name, n, body)                          \
	do {                                          \
		uint64_t t0_ = tsc();                 \
		for (unsigned i_ = 0; i_ < (n); i_++) \
			body;                         \
		report(name, tsc() - t0_, (n));       \
	} while (0)

#ifndef RT_NATIVE
/* Raw handlers: as little as a kernel's fast path. */
void nb_iret(void);
void nb_skip_div(void);
__asm__(".text\n"
	"nb_iret:\n\t"
	"iret\n"
	"nb_skip_div:\n\t"
	"addl $2, (%esp)\n\t"   /* past the 2-byte div */
	"iret\n");

static volatile unsigned user_n;
static volatile uint64_t user_ticks;

static void user_syscalls(void)
{
	uint64_t t0 = tsc();
	for (unsigned i = 0; i < user_n; i++)
		__asm__ volatile("int $0x80" : : : "memory");
	user_ticks = tsc() - t0;
	__asm__ volatile("int $0x81");
	for (;;)
		;
}

static void on_leave(struct rt_trap_frame *f)
{
	(void)f;
	rt_leave_user(0);
}

static uint8_t user_stack[4096] __attribute__((aligned(16)));
#endif

int sample_main(void)
{
	unsigned n = rt_arg_uint("n", 100000);

	TIMED("empty", n, __asm__ volatile(""));
	TIMED("rdtsc", n, (void)tsc());
	TIMED("call/ret", n, empty_fn());
#ifndef RT_NATIVE
	TIMED("in", n, (void)inb(COM1_SCR));
	TIMED("out", n, outb(COM1_SCR, (uint8_t)i_));
	TIMED("cli/sti", n, __asm__ volatile("cli; sti" : : : "memory"));
	__asm__ volatile("cli");
	rt_set_idt_gate(0x80, nb_iret, 3, RT_GATE_TRAP);
	rt_set_trap_handler(0x81, on_leave, 3);
	user_n = n;
	rt_enter_user(user_syscalls, user_stack + sizeof user_stack, 0);
	report("syscall", user_ticks, n);
	rt_set_idt_gate(0, nb_skip_div, 0, RT_GATE_INT);
	TIMED("divzero", n, __asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" : : : "eax", "ecx", "edx"));
#endif
	return 0;
}
