/* usermode.c — a tiny kernel and a ring-3 task that talks to it through
 * system calls, the way every protected-mode OS does.
 *
 * The kernel gives the TSS its own ring-0 stack (SS0:ESP0), installs an
 * INT 0x80 trap gate with DPL 3 and a #GP handler, and enters ring 3 with
 * IRET (rt_enter_user). The task calls write, getpid, add and exit
 * (EAX = number, arguments in EBX, ECX, EDX) and tries two things ring 3
 * may not do: CLI with IOPL 0, and INT to a DPL-0 gate; both raise #GP,
 * which the kernel records and steps over. What the kernel saw on every
 * trap — the CPL of the interrupted code, the stack it runs on, IF — is
 * printed, then a summary once the task has exited.
 *
 * Every value printed is architectural, so the output is the same on QEMU
 * TCG, KVM and bt86: a VMM that gets ring transitions wrong shows here.
 */
#include "rt.h"

#define SYS_WRITE   1       /* EBX = buffer, ECX = length; returns length */
#define SYS_GETPID  2       /* returns TASK_PID */
#define SYS_ADD     3       /* returns EBX + ECX */
#define SYS_EXIT    4       /* EBX = exit code; does not return */
#define SYSCALL_VECTOR   0x80
#define KERNEL_ONLY_VECTOR 0x81  /* DPL 0: INT 0x81 from ring 3 is a #GP */
#define GP_VECTOR   13
#define TASK_PID    42
#define ENOSYS      38      /* returned for an unknown system call number */

#define EFLAGS_IF   (1u << 9)
#define CLI_LENGTH  1       /* fa */
#define INT_N_LENGTH 2      /* cd ib */
#define IDT_ERROR_CODE(v) ((v) << 3 | 2)  /* #GP error code: IDT entry v */
#define WRITE_MAX   128     /* longest string SYS_WRITE accepts */

/* The trap frame the CPU and the runtime's stub push on a trap from ring 3
 * sits right below ESP0. */
#define FRAME_FROM_RING3 sizeof(struct rt_trap_frame)

static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));

/* What the kernel observed. */
static unsigned syscalls;            /* INT 0x80 entries */
static unsigned bad_cpl;             /* traps whose saved CS & 3 != 3 */
static unsigned bad_stack;           /* traps not on the kernel stack */
static unsigned gp_count;
static uint32_t gp_errors[4];
static unsigned gp_bad_eip;          /* #GP not reported at the instruction */

/* The two instructions of user_main that must fault (labels in its asm). */
extern const char um_cli_at[], um_int_at[];

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static uint32_t read_eflags(void)
{
	uint32_t f;
	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

static bool in_range(uint32_t p, const void *base, size_t size)
{
	uint32_t b = (uint32_t)(uintptr_t)base;
	return p >= b && p - b < size;
}

/* Check and describe the ring-3 frame a trap arrived with. */
static void check_frame(struct rt_trap_frame *f, const char *what)
{
	uint32_t esp = (uint32_t)(uintptr_t)f;
	unsigned cpl = f->cs & 3;
	bool kstack = in_range(esp, kernel_stack, sizeof(kernel_stack));
	bool at_esp0 = esp + FRAME_FROM_RING3 == rt_tss.esp0;
	bool ustack = in_range(f->user_esp, user_stack, sizeof(user_stack));

	if (cpl != 3)
		bad_cpl++;
	if (!kstack || !at_esp0)
		bad_stack++;
	rt_printf("kernel: %s from CPL %u, cs=0x%04x ss=0x%04x, "
		  "frame at ESP0-%u: %s, user ESP on user stack: %s\n",
		  what, cpl, (unsigned)f->cs, (unsigned)f->user_ss,
		  (unsigned)FRAME_FROM_RING3, yes_no(kstack && at_esp0),
		  yes_no(ustack));
}

static void sys_write(struct rt_trap_frame *f)
{
	uint32_t buf = f->ebx, len = f->ecx;

	/* Only strings in the task's own image: never trust a user pointer. */
	if (len > WRITE_MAX || buf < 0x100000 || buf + len < buf) {
		f->eax = (uint32_t)-1;
		rt_printf("kernel: write(0x%x, %u) refused\n", (unsigned)buf,
			  (unsigned)len);
		return;
	}
	rt_printf("kernel: write(%u bytes): \"", (unsigned)len);
	for (uint32_t i = 0; i < len; i++) {
		char c = ((const char *)(uintptr_t)buf)[i];
		rt_putc(c >= ' ' && c <= '~' ? c : '.');   /* keep it text */
	}
	rt_printf("\"\n");
	f->eax = len;
}

static void on_syscall(struct rt_trap_frame *f)
{
	syscalls++;
	rt_printf("kernel: syscall #%u eax=%u\n", syscalls, (unsigned)f->eax);
	check_frame(f, "int 0x80");
	/* A trap gate leaves IF as ring 3 had it. */
	rt_printf("kernel: IF in handler=%u (trap gate), saved IF=%u\n",
		  (read_eflags() & EFLAGS_IF) ? 1 : 0,
		  (f->eflags & EFLAGS_IF) ? 1 : 0);

	switch (f->eax) {
	case SYS_WRITE:
		sys_write(f);
		break;
	case SYS_GETPID:
		f->eax = TASK_PID;
		rt_printf("kernel: getpid() = %u\n", (unsigned)f->eax);
		break;
	case SYS_ADD:
		rt_printf("kernel: add(%u, %u) = %u\n", (unsigned)f->ebx,
			  (unsigned)f->ecx, (unsigned)(f->ebx + f->ecx));
		f->eax = f->ebx + f->ecx;
		break;
	case SYS_EXIT:
		rt_printf("kernel: exit(%u)\n", (unsigned)f->ebx);
		rt_leave_user(f->ebx);
	default:
		rt_printf("kernel: unknown syscall %u\n", (unsigned)f->eax);
		f->eax = (uint32_t)-ENOSYS;
		break;
	}
}

/* #GP from ring 3: record it and skip the offending instruction, whose
 * length the task announces in EDX (the kernel does not decode). */
static void on_gp(struct rt_trap_frame *f)
{
	if ((f->cs & 3) != 3) {
		rt_printf("kernel: #GP at CPL %u, eip 0x%08x error 0x%04x\n",
			  (unsigned)(f->cs & 3), (unsigned)f->eip,
			  (unsigned)f->error);
		rt_exit(RT_EXIT_EXCEPTION);
	}
	if (gp_count < sizeof(gp_errors) / sizeof(gp_errors[0]))
		gp_errors[gp_count] = f->error;
	gp_count++;
	check_frame(f, "#GP");
	/* A fault: the saved EIP is the faulting instruction's. */
	const char *at = f->eip == (uint32_t)(uintptr_t)um_cli_at ? "the cli"
		       : f->eip == (uint32_t)(uintptr_t)um_int_at ? "the int 0x81"
		       : NULL;
	if (!at) {
		at = "a wrong EIP";
		gp_bad_eip++;
	}
	rt_printf("kernel: #GP error 0x%04x at %s, skipping %u byte(s)\n",
		  (unsigned)f->error, at, (unsigned)f->edx);
	f->eip += f->edx;
}

/* ---- ring 3 ---- */

static uint32_t syscall3(uint32_t nr, uint32_t a, uint32_t b)
{
	uint32_t r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b)
			 : "memory");
	return r;
}

static void user_write(const char *s)
{
	syscall3(SYS_WRITE, (uint32_t)(uintptr_t)s, strlen(s));
}

/* Results the task computes; checked by the kernel after exit. */
static volatile uint32_t user_pid, user_sum, user_cs, user_if_after_cli;
static volatile uint32_t user_bad_write;

static __attribute__((noreturn)) void user_main(void)
{
	uint16_t cs;

	__asm__ volatile("movw %%cs, %0" : "=r"(cs));
	user_cs = cs;
	user_write("hello from ring 3");
	user_pid = syscall3(SYS_GETPID, 0, 0);
	user_sum = syscall3(SYS_ADD, 40000, 2345);
	user_bad_write = syscall3(SYS_WRITE, 0x10, 4);

	/* CLI with IOPL 0 at CPL 3: #GP(0); the kernel skips it. */
	__asm__ volatile(".globl um_cli_at\n"
			 "um_cli_at: cli" : : "d"(CLI_LENGTH) : "memory");
	user_if_after_cli = (read_eflags() & EFLAGS_IF) ? 1 : 0;
	/* INT n through a DPL-0 gate: #GP(n * 8 + 2), not the handler. */
	__asm__ volatile(".globl um_int_at\n"
			 "um_int_at: int %0" : : "i"(KERNEL_ONLY_VECTOR),
			 "d"(INT_N_LENGTH) : "memory");

	user_write("bye");
	syscall3(SYS_EXIT, 7, 0);
	for (;;)
		;       /* not reached */
}

static void on_kernel_only(struct rt_trap_frame *f)
{
	rt_printf("kernel: INT 0x%x reached its DPL-0 handler from CPL %u\n",
		  (unsigned)f->vector, (unsigned)(f->cs & 3));
}

int sample_main(void)
{
	rt_tss.ss0 = RT_SEL_KDATA;
	rt_tss.esp0 = (uint32_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
	rt_set_trap_gate(SYSCALL_VECTOR, on_syscall, 3, RT_GATE_TRAP);
	rt_set_trap_handler(KERNEL_ONLY_VECTOR, on_kernel_only, 0);
	rt_set_trap_handler(GP_VECTOR, on_gp, 0);

	rt_printf("kernel: entering ring 3 (cs=0x%02x ss=0x%02x, IF=1 IOPL=0)\n",
		  RT_SEL_UCODE, RT_SEL_UDATA);
	uint32_t code = rt_enter_user(user_main,
				      user_stack + sizeof(user_stack),
				      RT_EFLAGS_IF);

	uint16_t cs, tr;
	__asm__ volatile("movw %%cs, %0" : "=r"(cs));
	__asm__ volatile("str %0" : "=r"(tr));
	rt_printf("kernel: back in ring 0 (cs=0x%04x, tr=0x%04x), "
		  "task exit code %u\n", cs, tr, (unsigned)code);
	rt_printf("task saw: cs=0x%04x pid=%u sum=%u bad write=%d "
		  "IF after cli=%u\n", (unsigned)user_cs, (unsigned)user_pid,
		  (unsigned)user_sum, (int)user_bad_write,
		  (unsigned)user_if_after_cli);
	rt_printf("summary: %u syscalls, %u #GP (errors 0x%04x 0x%04x), "
		  "all from CPL 3: %s, all on the kernel stack: %s\n",
		  syscalls, gp_count, (unsigned)gp_errors[0],
		  (unsigned)gp_errors[1], yes_no(bad_cpl == 0),
		  yes_no(bad_stack == 0));
	bool ok = code == 7 && user_pid == TASK_PID && user_sum == 42345 &&
		  user_cs == RT_SEL_UCODE && user_if_after_cli == 1 &&
		  syscalls == 6 && gp_count == 2 && gp_errors[0] == 0 &&
		  gp_errors[1] == IDT_ERROR_CODE(KERNEL_ONLY_VECTOR) &&
		  gp_bad_eip == 0 && bad_cpl == 0 && bad_stack == 0;
	rt_printf("usermode: %s\n", ok ? "ok" : "WRONG");
	return 0;
}
